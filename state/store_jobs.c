/* state/store_jobs.c: jobs and their versions.
 *
 * A job's row owns a struct job_hist: every kept version, newest first,
 * the current job first of all (as Nomad's job_version table, which holds
 * the current version too and is updated with it). Versions with a
 * VersionTag are never pruned and do not count against the limit. */
#include <string.h>

#include "state/state_int.h"

#define JOBS_MASK (STORE_BIT(STORE_JOBS) | STORE_BIT(STORE_JOB_VERSIONS))

void store_jobs_free_hist(void *aux)
{
	struct job_hist *h = aux;
	for (size_t i = 0; i < h->n; i++)
		job_free(h->v[i]);
	mem_free(h->v);
	mem_free(h);
}

/* Nomad's Job.SpecChanged: equal but for the server-owned fields. The
 * copies are shallow: only pointers are dropped, nothing is freed. */
static void job_spec_clear(struct job *j)
{
	j->status = NULL;
	j->status_description = NULL;
	j->stable = false;
	j->version = 0;
	j->submit_time = 0;
	j->create_index = 0;
	j->modify_index = 0;
	j->job_modify_index = 0;
}

static bool job_spec_equal(const struct job *a, const struct job *b)
{
	struct job x = *a, y = *b;
	job_spec_clear(&x);
	job_spec_clear(&y);
	return schema_equal(&job_schema, &x, &y);
}

static int job_hist_reserve(struct job_hist *h, size_t n)
{
	struct job **v;
	size_t cap = h->cap ? h->cap : 4;
	if (n <= h->cap)
		return ERR_OK;
	while (cap < n)
		cap *= 2;
	v = mem_realloc(h->v, cap * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	h->v = v;
	h->cap = cap;
	return ERR_OK;
}

static void job_hist_drop(struct store *s, struct job_hist *h, size_t i)
{
	store_free_obj(s, STORE_JOBS, h->v[i], NULL);
	memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof h->v[0]);
	h->n--;
}

/* Position in v of the k-th untagged version (0 = newest), or n. */
static size_t job_hist_untagged(const struct job_hist *h, size_t k)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i]->version_tag == NULL && k-- == 0)
			return i;
	return h->n;
}

/* Drops the oldest untagged versions beyond the limit; as Nomad, the
 * newest stable version survives even when it is the oldest. */
static void job_hist_prune(struct store *s, struct job_hist *h)
{
	const size_t keep = STORE_JOB_VERSIONS_KEPT;
	size_t victim, stable = 0, k = 0;
	while ((victim = job_hist_untagged(h, keep)) < h->n) {
		for (k = 0; (stable = job_hist_untagged(h, k)) < h->n; k++)
			if (h->v[stable]->stable)
				break;
		if (k == keep && keep > 1)
			victim = job_hist_untagged(h, keep - 1);
		job_hist_drop(s, h, victim);
	}
}

/* The current version of r, to change in place: the object itself, or,
 * while a frozen view may be reading it, a copy that replaces it (the
 * history's first entry too). NULL when out of memory. */
static struct job *store_job_writable(struct store *s, struct row *r)
{
	struct job_hist *h = r->aux;
	struct job *copy;
	if (s->frozen == 0)
		return r->obj;
	copy = job_dup(r->obj);
	if (copy == NULL)
		return NULL;
	if (table_replace(&s->t[STORE_JOBS], r, copy) != ERR_OK) {
		job_free(copy);
		return NULL;
	}
	store_free_obj(s, STORE_JOBS, h->v[0], NULL);
	h->v[0] = copy;
	return copy;
}

/* A new row for j with j as its only version. */
static int job_hist_new(struct table *t, struct job *j)
{
	struct job_hist *h = mem_calloc(1, sizeof *h);
	struct row *r;
	if (h == NULL || job_hist_reserve(h, 1) != ERR_OK)
		goto free_hist;
	if (table_insert(t, j, &r) != ERR_OK)
		goto free_hist;
	h->v[0] = j;
	h->n = 1;
	r->aux = h;
	return ERR_OK;
free_hist:
	if (h != NULL)
		mem_free(h->v);
	mem_free(h);
	return ERR_NOMEM;
}

static int job_hist_push(struct store *s, struct row *r, struct job *copy,
                         uint64_t index)
{
	struct table *t = &s->t[STORE_JOBS];
	struct job_hist *h = r->aux;
	const struct job *cur = h->v[0];
	int rc = job_hist_reserve(h, h->n + 1);
	if (rc != ERR_OK)
		return rc;
	copy->version = cur->version + 1;
	copy->create_index = cur->create_index;
	copy->modify_index = copy->job_modify_index = index;
	rc = table_replace(t, r, copy);
	if (rc != ERR_OK)
		return rc;
	memmove(&h->v[1], &h->v[0], h->n * sizeof h->v[0]);
	h->v[0] = copy;
	h->n++;
	job_hist_prune(s, h);
	return ERR_OK;
}

int store_upsert_job(struct store *s, uint64_t index, const struct job *job,
                     bool *changed)
{
	struct table *t = &s->t[STORE_JOBS];
	struct row *r;
	struct tkey k;
	struct job *copy;
	int rc;
	if (changed != NULL)
		*changed = false;
	table_key(&t->d->key, job, &k);
	if (tkey_empty_last(&k))
		return ERR_INVAL;
	r = table_find(t, &k);
	if (r != NULL && job_spec_equal(r->obj, job)) {
		struct job *cur = store_job_writable(s, r);
		if (cur == NULL)
			return ERR_NOMEM;
		cur->modify_index = index;
		store_touch(s, JOBS_MASK, index);
		return ERR_OK;
	}
	copy = job_dup(job);
	if (copy == NULL)
		return ERR_NOMEM;
	if (r == NULL) {
		copy->version = 0;
		copy->create_index = copy->modify_index = index;
		copy->job_modify_index = index;
	}
	rc = r != NULL ? job_hist_push(s, r, copy, index)
	               : job_hist_new(t, copy);
	if (rc != ERR_OK) {
		job_free(copy);
		return rc;
	}
	if (changed != NULL)
		*changed = true;
	store_touch(s, JOBS_MASK, index);
	return ERR_OK;
}

int store_delete_job(struct store *s, uint64_t index, const char *ns,
                     const char *id)
{
	struct table *t = &s->t[STORE_JOBS];
	struct tkey k = tkey2(ns, id);
	struct row *r = table_find(t, &k);
	void *obj, *aux;
	if (r == NULL)
		return ERR_NOTFOUND;
	obj = r->obj;
	aux = r->aux;
	table_remove(t, r);
	store_free_obj(s, STORE_JOBS, obj, aux);
	store_touch(s, JOBS_MASK, index);
	return ERR_OK;
}

/* In place (a copy while frozen): the current version is the same object
 * in the history, so the versions list shows the new status too (as
 * Nomad's does). */
int store_set_job_status(struct store *s, uint64_t index, const char *ns,
                         const char *id, const char *status, const char *desc)
{
	struct tkey k = tkey2(ns, id);
	struct row *r = table_find(&s->t[STORE_JOBS], &k);
	struct job *j;
	char *st, *de;
	if (r == NULL)
		return ERR_NOTFOUND;
	st = mem_strdup(status);
	de = mem_strdup(desc);
	if ((status != NULL && st == NULL) || (desc != NULL && de == NULL)) {
		mem_free(st);
		mem_free(de);
		return ERR_NOMEM;
	}
	j = store_job_writable(s, r);
	if (j == NULL) {
		mem_free(st);
		mem_free(de);
		return ERR_NOMEM;
	}
	mem_free(j->status);
	mem_free(j->status_description);
	j->status = st;
	j->status_description = de;
	j->modify_index = index;
	store_touch(s, JOBS_MASK, index);
	return ERR_OK;
}

const struct job *store_job(const struct store *s, const char *ns,
                            const char *id)
{
	struct tkey k = tkey2(ns, id);
	return store_get(s, STORE_JOBS, &k);
}

const struct job *const *store_job_versions(const struct store *s,
                                            const char *ns, const char *id,
                                            size_t *n)
{
	struct tkey k = tkey2(ns, id);
	const struct row *r = table_find(&s->t[STORE_JOBS], &k);
	const struct job_hist *h;
	*n = 0;
	if (r == NULL)
		return NULL;
	h = r->aux;
	*n = h->n;
	return (const struct job *const *)h->v;
}

STORE_VISIT_CALLER(job_call, store_job_fn, job)

void store_each_job(const struct store *s, const char *ns, const char *prefix,
                    store_job_fn fn, void *data)
{
	struct store_visit v = {.fn = (void (*)(void))fn,
	                        .data = data,
	                        .ns_off = TABLE_NO_OFF,
	                        .call = job_call};
	struct scan sc = {.p = {ns}, .nfix = 1, .prefix = prefix};
	sc.any0 = store_ns_any(ns);
	table_scan(&s->t[STORE_JOBS], 0, &sc, store_visit_obj, &v);
}

/* ---- restore ------------------------------------------------------------ */

int store_jobs_restore(struct table *t, struct job *j)
{
	return job_hist_new(t, j);
}

int store_jobs_add_version(struct table *t, struct job *old, struct err *e)
{
	struct tkey k = tkey2(old->namespace, old->id);
	struct row *r = table_find(t, &k);
	struct job_hist *h;
	size_t i;
	if (r == NULL)
		return err_set(e, ERR_DECODE,
		               "no job \"%s\" in namespace \"%s\"",
		               old->id ? old->id : "",
		               old->namespace ? old->namespace : "");
	h = r->aux;
	for (i = 0; i < h->n && h->v[i]->version > old->version; i++)
		;
	if (i == 0)
		return err_set(e, ERR_DECODE,
		               "version %llu of job \"%s\" is not older than "
		               "the current one",
		               (unsigned long long)old->version, old->id);
	if (i < h->n && h->v[i]->version == old->version)
		return err_set(e, ERR_DECODE,
		               "duplicate version %llu of job \"%s\"",
		               (unsigned long long)old->version, old->id);
	if (job_hist_reserve(h, h->n + 1) != ERR_OK)
		return err_set(e, ERR_NOMEM, "out of memory");
	memmove(&h->v[i + 1], &h->v[i], (h->n - i) * sizeof h->v[0]);
	h->v[i] = old;
	h->n++;
	return ERR_OK;
}
