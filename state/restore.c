/* state/restore.c: replaces a store's content with a snapshot (the format
 * is described in snapshot.c).
 *
 * Everything is decoded and checked into a fresh store first (each object
 * through the schema codec, keys present and unique, every older job
 * version attached to its job, every allocation linked to its pooled
 * job); only a complete success swaps the tables in, so a bad snapshot
 * leaves the store as it was. Unknown top-level keys and absent tables
 * are accepted: the format can grow. AllocJobs nobody references are
 * dropped. */
#include <string.h>

#include "state/state_int.h"

struct snap_span {
	size_t off, len;
	bool set;
};

struct snap_doc {
	const unsigned char *data;
	uint64_t format, bootstrap;
	bool have_format;
	struct snap_span indexes;
	struct snap_span tables[STORE_TABLES];
	struct snap_span alloc_jobs, alloc_job_refs;
};

/* How allocations find their jobs: AllocJobs pooled, by position, and a
 * cursor over AllocJobRefs (nrefs entries), read one entry per
 * allocation. */
struct snap_links {
	struct jobpool_ent **pos;
	uint64_t npos;
	struct mpread refs;
	uint64_t nrefs;
	bool have_refs;
};

static int snap_table_by_name(const char *k, size_t n)
{
	for (int t = 0; t < STORE_TABLES; t++)
		if (strlen(store_table_names[t]) == n &&
		    memcmp(store_table_names[t], k, n) == 0)
			return t;
	return -1;
}

static bool snap_key_is(const char *k, size_t n, const char *name)
{
	return strlen(name) == n && memcmp(name, k, n) == 0;
}

/* Records where the value at r starts and ends. */
static int snap_record(struct mpread *r, struct snap_span *sp, const char *k,
                       size_t n, struct err *e)
{
	size_t start;
	int rc;
	if (sp->set)
		return err_set(e, ERR_DECODE, "duplicate key \"%.*s\"", (int)n,
		               k);
	rc = mpread_skip(r, &start, e);
	if (rc != ERR_OK)
		return rc;
	*sp = (struct snap_span){.off = start, .len = r->pos - start, .set = 1};
	return ERR_OK;
}

static int snap_top_entry(struct mpread *r, struct snap_doc *doc, struct err *e)
{
	const char *k;
	size_t n, start;
	int t, rc = mpread_str(r, &k, &n, e);
	if (rc != ERR_OK)
		return rc;
	if (snap_key_is(k, n, "Format")) {
		doc->have_format = true;
		return mpread_uint(r, &doc->format, e);
	}
	if (snap_key_is(k, n, "ACLBootstrapIndex"))
		return mpread_uint(r, &doc->bootstrap, e);
	if (snap_key_is(k, n, "Indexes"))
		return snap_record(r, &doc->indexes, k, n, e);
	if (snap_key_is(k, n, "AllocJobs"))
		return snap_record(r, &doc->alloc_jobs, k, n, e);
	if (snap_key_is(k, n, "AllocJobRefs"))
		return snap_record(r, &doc->alloc_job_refs, k, n, e);
	if ((t = snap_table_by_name(k, n)) >= 0)
		return snap_record(r, &doc->tables[t], k, n, e);
	return mpread_skip(r, &start, e);
}

static int snap_top(const void *data, size_t len, struct snap_doc *doc,
                    struct err *e)
{
	struct mpread r = {.p = data, .len = len};
	uint64_t n;
	int rc = mpread_map(&r, &n, e);
	for (uint64_t i = 0; rc == ERR_OK && i < n; i++)
		rc = snap_top_entry(&r, doc, e);
	if (rc != ERR_OK)
		return rc;
	if (r.pos != len)
		return err_set(
		    e, ERR_DECODE,
		    "trailing bytes after the snapshot at offset %zu", r.pos);
	if (!doc->have_format)
		return err_set(e, ERR_DECODE, "missing snapshot format");
	if (doc->format < STORE_SNAP_FORMAT_MIN ||
	    doc->format > STORE_SNAP_FORMAT)
		return err_set(e, ERR_UNSUPPORTED,
		               "unsupported snapshot format %llu",
		               (unsigned long long)doc->format);
	return ERR_OK;
}

static struct mpread snap_reader(const struct snap_doc *doc,
                                 const struct snap_span *sp)
{
	struct mpread r = {.p = doc->data + sp->off, .len = sp->len};
	return r;
}

static int snap_indexes(const struct snap_doc *doc, struct store *tmp,
                        struct err *e)
{
	struct mpread r = snap_reader(doc, &doc->indexes);
	uint64_t n, v;
	const char *k;
	size_t kn, start;
	int t, rc;
	if (!doc->indexes.set)
		return ERR_OK;
	if ((rc = mpread_map(&r, &n, e)) != ERR_OK)
		return err_wrap(e, "\"Indexes\"");
	for (uint64_t i = 0; i < n; i++) {
		if ((rc = mpread_str(&r, &k, &kn, e)) != ERR_OK)
			return err_wrap(e, "\"Indexes\"");
		t = snap_table_by_name(k, kn);
		rc =
		    t < 0 ? mpread_skip(&r, &start, e) : mpread_uint(&r, &v, e);
		if (rc != ERR_OK)
			return err_wrap(e, "\"Indexes\"");
		if (t >= 0)
			tmp->index[t] = v;
	}
	return ERR_OK;
}

/* The GoName of the member at off, for messages. */
static const char *snap_field_name(const struct schema *s, size_t off)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (s->fields[i].off == off)
			return s->fields[i].name;
	return "key";
}

/* Says what is wrong with a decoded object's keys, if anything. */
static int snap_check(struct store *tmp, int ti, const void *obj, struct err *e)
{
	const struct table *t = &tmp->t[ti];
	const struct table_desc *d = t->d;
	const size_t last = d->key.off[d->key.n - 1u];
	struct tkey k;
	table_key(&d->key, obj, &k);
	if (tkey_empty_last(&k))
		return err_set(e, ERR_DECODE, "missing \"%s\"",
		               snap_field_name(d->schema, last));
	if (table_find(t, &k) != NULL)
		return err_set(e, ERR_DECODE, "duplicate %s \"%s\"", d->what,
		               k.p[k.n - 1u]);
	if (d->key2.n > 0) {
		table_key(&d->key2, obj, &k);
		if (!tkey_empty_last(&k) && table_find2(t, &k) != NULL)
			return err_set(
			    e, ERR_DECODE, "duplicate \"%s\"",
			    snap_field_name(d->schema, d->key2.off[0]));
	}
	return ERR_OK;
}

/* Adds a checked object (now owned by the table). */
static int snap_add(struct store *tmp, int ti, void *obj, struct err *e)
{
	struct table *t = &tmp->t[ti];
	if ((ti == STORE_JOBS ? store_jobs_restore(t, obj)
	                      : table_insert(t, obj, NULL)) != ERR_OK)
		return err_set(e, ERR_NOMEM, "out of memory");
	return ERR_OK;
}

/* ---- allocations and their jobs ----------------------------------------- */

/* Pools one job of AllocJobs, with no reference yet. */
static int snap_alloc_job(struct mpread *r, struct store *tmp,
                          struct jobpool_ent **out, struct err *e)
{
	struct job *j;
	size_t start;
	int rc = mpread_skip(r, &start, e);
	if (rc != ERR_OK)
		return rc;
	j = mem_calloc(1, sizeof *j);
	if (j == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = schema_msgpack_decode(&job_schema, j, r->p + start, r->pos - start,
	                           e);
	if (rc == ERR_OK)
		rc = jobpool_insert(&tmp->jobs, j, out);
	if (rc == ERR_EXISTS)
		rc = err_set(e, ERR_DECODE,
		             "duplicate job \"%s\" in namespace \"%s\" at "
		             "version %llu and JobModifyIndex %llu",
		             j->id ? j->id : "",
		             j->namespace ? j->namespace : "",
		             (unsigned long long)j->version,
		             (unsigned long long)j->job_modify_index);
	else if (rc == ERR_NOMEM)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	if (rc != ERR_OK)
		job_free(j);
	return rc;
}

static int snap_alloc_jobs(const struct snap_doc *doc, struct store *tmp,
                           struct snap_links *l, struct err *e)
{
	struct mpread r = snap_reader(doc, &doc->alloc_jobs);
	uint64_t n;
	if (!doc->alloc_jobs.set)
		return ERR_OK;
	if (mpread_array(&r, &n, e) != ERR_OK)
		return err_wrap(e, "\"AllocJobs\"");
	/* At most one item per byte: mpread_skip checked the span. */
	l->pos = mem_calloc(n ? n : 1, sizeof *l->pos);
	if (l->pos == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (uint64_t i = 0; i < n; i++, l->npos++)
		if (snap_alloc_job(&r, tmp, &l->pos[i], e) != ERR_OK)
			return err_wrap(e, "\"AllocJobs\": item %llu",
			                (unsigned long long)i);
	return ERR_OK;
}

/* AllocJobRefs is read as the allocations are, one entry each. */
static int snap_links_load(const struct snap_doc *doc, struct store *tmp,
                           struct snap_links *l, struct err *e)
{
	int rc = snap_alloc_jobs(doc, tmp, l, e);
	if (rc != ERR_OK || !doc->alloc_job_refs.set)
		return rc;
	l->refs = snap_reader(doc, &doc->alloc_job_refs);
	l->have_refs = true;
	if (mpread_array(&l->refs, &l->nrefs, e) != ERR_OK)
		return err_wrap(e, "\"AllocJobRefs\"");
	return ERR_OK;
}

/* The next entry of AllocJobRefs: a position in AllocJobs, or nil. */
static int snap_next_ref(struct snap_links *l, uint64_t i, bool *nil,
                         uint64_t *ref, struct err *e)
{
	*nil = !l->have_refs || mpread_nil(&l->refs);
	if (*nil)
		return ERR_OK;
	if (mpread_uint(&l->refs, ref, e) != ERR_OK)
		return err_wrap(e, "\"AllocJobRefs\": item %llu",
		                (unsigned long long)i);
	return ERR_OK;
}

/* Points allocation i at its pooled job: the AllocJobRefs entry, or (a
 * format 1 snapshot) its own job. */
static int snap_link(struct store *tmp, struct snap_links *l,
                     struct allocation *a, uint64_t i, struct err *e)
{
	uint64_t ref;
	bool nil;
	int rc = snap_next_ref(l, i, &nil, &ref, e);
	if (rc != ERR_OK)
		return rc;
	if (nil)
		return store_allocs_adopt_job(tmp, a) != ERR_OK
		           ? err_set(e, ERR_NOMEM, "out of memory")
		           : ERR_OK;
	if (a->job != NULL)
		return err_set(e, ERR_DECODE,
		               "allocation \"%s\": both \"Job\" and a job "
		               "reference",
		               a->id);
	if (ref >= l->npos)
		return err_set(e, ERR_DECODE,
		               "allocation \"%s\": job reference %llu is past "
		               "the end of \"AllocJobs\" (length %llu)",
		               a->id, (unsigned long long)ref,
		               (unsigned long long)l->npos);
	a->job = l->pos[ref]->job;
	l->pos[ref]->refs++;
	return ERR_OK;
}

/* ---- tables ------------------------------------------------------------- */

/* Frees an object that did not make it into tmp; linked: an allocation
 * holding a reference on a pooled job. (Dropping the last one frees the
 * job under links.pos: harmless, the restore stops at this error.) */
static void snap_free(struct store *tmp, int ti, void *obj, bool linked)
{
	if (linked) {
		store_allocs_release(tmp, obj);
		table_free_obj(&tmp->t[ti], obj, NULL);
		return;
	}
	schema_release(ti == STORE_JOB_VERSIONS ? &job_schema
	                                        : store_descs[ti]->schema,
	               obj);
	mem_free(obj);
}

/* Checks, links and adds a decoded object of a table. */
static int snap_place(struct store *tmp, int ti, void *obj, uint64_t i,
                      struct snap_links *l, bool *linked, struct err *e)
{
	int rc = snap_check(tmp, ti, obj, e);
	if (rc == ERR_OK && ti == STORE_ALLOCS) {
		rc = snap_link(tmp, l, obj, i, e);
		*linked = rc == ERR_OK;
	}
	if (rc == ERR_OK)
		rc = snap_add(tmp, ti, obj, e);
	return rc;
}

static int snap_object(struct mpread *r, struct store *tmp, int ti, uint64_t i,
                       struct snap_links *l, struct err *e)
{
	const struct schema *sch = &job_schema;
	bool linked = false;
	size_t start;
	void *obj;
	int rc = mpread_skip(r, &start, e);
	if (rc != ERR_OK)
		return rc;
	if (ti != STORE_JOB_VERSIONS)
		sch = store_descs[ti]->schema;
	obj = mem_calloc(1, sch->size);
	if (obj == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = schema_msgpack_decode(sch, obj, r->p + start, r->pos - start, e);
	if (rc == ERR_OK)
		rc = ti == STORE_JOB_VERSIONS
		         ? store_jobs_add_version(&tmp->t[STORE_JOBS], obj, e)
		         : snap_place(tmp, ti, obj, i, l, &linked, e);
	if (rc != ERR_OK)
		snap_free(tmp, ti, obj, linked);
	return rc;
}

static int snap_table(const struct snap_doc *doc, struct store *tmp, int ti,
                      struct snap_links *l, struct err *e)
{
	struct mpread r = snap_reader(doc, &doc->tables[ti]);
	uint64_t n = 0;
	int rc;
	if (doc->tables[ti].set && mpread_array(&r, &n, e) != ERR_OK)
		return err_wrap(e, "table \"%s\"", store_table_names[ti]);
	if (ti == STORE_ALLOCS && l->have_refs && n != l->nrefs)
		return err_set(e, ERR_DECODE,
		               "\"AllocJobRefs\" has %llu entries for %llu "
		               "allocations",
		               (unsigned long long)l->nrefs,
		               (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++) {
		rc = snap_object(&r, tmp, ti, i, l, e);
		if (rc != ERR_OK)
			return err_wrap(e, "table \"%s\": item %llu",
			                store_table_names[ti],
			                (unsigned long long)i);
	}
	return ERR_OK;
}

static int snap_load(const void *data, size_t len, struct store *tmp,
                     struct err *e)
{
	struct snap_doc doc = {.data = data};
	struct snap_links links = {0};
	int rc = snap_top(data, len, &doc, e);
	if (rc == ERR_OK)
		rc = snap_indexes(&doc, tmp, e);
	if (rc == ERR_OK)
		rc = snap_links_load(&doc, tmp, &links, e);
	/* In enum order: jobs before their older versions. */
	for (int t = 0; rc == ERR_OK && t < STORE_TABLES; t++)
		rc = snap_table(&doc, tmp, t, &links, e);
	mem_free(links.pos);
	if (rc == ERR_OK)
		jobpool_prune(&tmp->jobs);
	if (rc == ERR_OK && store_ensure_default_namespace(tmp) != ERR_OK)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	tmp->acl_bootstrap = doc.bootstrap;
	return rc;
}

/* Exchanges the content (not the watches) of two stores; returns the
 * tables whose index changed. */
static unsigned snap_swap(struct store *s, struct store *tmp)
{
	struct jobpool pool;
	unsigned moved = 0;
	for (unsigned t = 0; t < STORE_TABLES; t++) {
		struct table x = s->t[t];
		uint64_t i = s->index[t];
		if (i != tmp->index[t])
			moved |= STORE_BIT(t);
		s->t[t] = tmp->t[t];
		s->index[t] = tmp->index[t];
		tmp->t[t] = x;
		tmp->index[t] = i;
	}
	s->acl_bootstrap = tmp->acl_bootstrap;
	pool = s->jobs;
	s->jobs = tmp->jobs;
	tmp->jobs = pool;
	return moved;
}

int store_restore(struct store *s, const void *data, size_t len, struct err *e)
{
	struct store *tmp;
	struct err local;
	unsigned moved;
	int rc;
	if (e == NULL)
		e = &local;
	err_clear(e);
	if (store_create_empty(&tmp) != ERR_OK)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = snap_load(data, len, tmp, e);
	if (rc != ERR_OK) {
		store_destroy(tmp);
		return rc;
	}
	moved = snap_swap(s, tmp);
	store_free_store(s, tmp);
	store_watch_fire(s, moved, true);
	return ERR_OK;
}
