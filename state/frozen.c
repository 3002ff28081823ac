/* state/frozen.c: frozen views for snapshots taken off the loop, and the
 * deferred frees that keep their objects alive (see state.h). */
#include <string.h>

#include "lib/log.h"
#include "state/state_int.h"

/* Rows in key order; jobs: the current versions (the older ones are in
 * STORE_JOB_VERSIONS, job by job, newest first). */
static int frozen_table(const struct store *s, enum store_table ti,
                        struct store_frozen *f)
{
	const struct table *t = &s->t[ti];
	size_t n = 0;
	f->objs[ti] = mem_calloc(t->count ? t->count : 1, sizeof(void *));
	if (f->objs[ti] == NULL)
		return ERR_NOMEM;
	for (const struct row *r = table_first(t); r; r = table_next(t, r))
		f->objs[ti][n++] = r->obj;
	f->n[ti] = n;
	return ERR_OK;
}

static int frozen_versions(const struct store *s, struct store_frozen *f)
{
	const struct table *t = &s->t[STORE_JOBS];
	const struct row *r;
	size_t n = 0, k = 0;
	for (r = table_first(t); r != NULL; r = table_next(t, r))
		n += ((const struct job_hist *)r->aux)->n - 1;
	f->objs[STORE_JOB_VERSIONS] = mem_calloc(n ? n : 1, sizeof(void *));
	if (f->objs[STORE_JOB_VERSIONS] == NULL)
		return ERR_NOMEM;
	for (r = table_first(t); r != NULL; r = table_next(t, r)) {
		const struct job_hist *h = r->aux;
		for (size_t i = 1; i < h->n; i++)
			f->objs[STORE_JOB_VERSIONS][k++] = h->v[i];
	}
	f->n[STORE_JOB_VERSIONS] = k;
	return ERR_OK;
}

/* The pooled jobs: the allocations point at them, and they stay alive
 * and unchanged while frozen (a job losing its last reference goes to the
 * graveyard), so the view keeps only the list. */
static int frozen_pool(const struct store *s, struct store_frozen *f)
{
	const struct jobpool_ent *e;
	size_t n = 0;
	f->pool =
	    mem_calloc(s->jobs.count ? s->jobs.count : 1, sizeof *f->pool);
	if (f->pool == NULL)
		return ERR_NOMEM;
	for (e = jobpool_first(&s->jobs); e; e = jobpool_next(&s->jobs, e))
		f->pool[n++] = e->job;
	f->npool = n;
	return ERR_OK;
}

void store_frozen_release(struct store_frozen *f)
{
	for (unsigned t = 0; t < STORE_TABLES; t++) {
		mem_free(f->objs[t]);
		f->objs[t] = NULL;
	}
	mem_free(f->pool);
	f->pool = NULL;
	f->npool = 0;
}

int store_frozen_build(const struct store *s, struct store_frozen *f)
{
	int rc = ERR_OK;
	memset(f, 0, sizeof *f);
	memcpy(f->index, s->index, sizeof f->index);
	f->acl_bootstrap = s->acl_bootstrap;
	for (unsigned t = 0; t < STORE_TABLES && rc == ERR_OK; t++)
		rc = t == STORE_JOB_VERSIONS ? frozen_versions(s, f)
		                             : frozen_table(s, t, f);
	if (rc == ERR_OK)
		rc = frozen_pool(s, f);
	if (rc != ERR_OK)
		store_frozen_release(f);
	return rc;
}

int store_freeze(struct store *s, struct store_frozen **out)
{
	struct store_frozen *f = mem_calloc(1, sizeof *f);
	*out = NULL;
	if (f == NULL || store_frozen_build(s, f) != ERR_OK) {
		mem_free(f);
		return ERR_NOMEM;
	}
	s->frozen++;
	*out = f;
	return ERR_OK;
}

void store_thaw(struct store *s, struct store_frozen *f)
{
	if (f == NULL)
		return;
	store_frozen_release(f);
	mem_free(f);
	if (--s->frozen == 0)
		store_graves_free(s);
}

/* ---- deferred frees ------------------------------------------------------ */

static int grave_push(struct store *s, enum store_table t, void *obj, void *aux)
{
	if (s->ngrave == s->capgrave) {
		size_t cap = s->capgrave ? s->capgrave * 2 : 64;
		struct grave *g = mem_realloc(s->grave, cap * sizeof *g);
		if (g == NULL)
			return ERR_NOMEM;
		s->grave = g;
		s->capgrave = cap;
	}
	s->grave[s->ngrave++] = (struct grave){.t = t, .obj = obj, .aux = aux};
	return ERR_OK;
}

void store_free_obj(struct store *s, enum store_table t, void *obj, void *aux)
{
	if (s->frozen == 0) {
		table_free_obj(&s->t[t], obj, aux);
		return;
	}
	/* Leaking beats freeing what a snapshot is reading. */
	if (grave_push(s, t, obj, aux) != ERR_OK)
		LOG_ERROR("state", "out of memory: an object is leaked");
}

void store_free_store(struct store *s, struct store *tmp)
{
	if (s->frozen == 0) {
		store_destroy(tmp);
		return;
	}
	tmp->grave_next = s->grave_stores;
	s->grave_stores = tmp;
}

void store_graves_free(struct store *s)
{
	for (size_t i = 0; i < s->ngrave; i++)
		table_free_obj(&s->t[s->grave[i].t], s->grave[i].obj,
		               s->grave[i].aux);
	mem_free(s->grave);
	s->grave = NULL;
	s->ngrave = s->capgrave = 0;
	while (s->grave_stores != NULL) {
		struct store *tmp = s->grave_stores;
		s->grave_stores = tmp->grave_next;
		store_destroy(tmp);
	}
}
