/* state/store_allocs.c: allocations, by ID, by job and by node.
 *
 * A stored allocation's Job points into the job pool (state/jobpool.c),
 * shared with every allocation of the same job version: the table's
 * copy_in copies the allocation without its job and takes a reference on
 * the pooled one, release drops it, unshare keeps the free of the
 * allocation away from it. */
#include <stddef.h>
#include <string.h>

#include "state/state_int.h"

int store_allocs_copy_in(struct store *s, void *dst, const void *obj,
                         const void *old)
{
	const struct allocation *a = obj, *prev = old;
	const struct job *job = a->job;
	struct allocation *out = dst, bare = *a;
	struct job *shared = NULL;
	int rc;
	/* Client updates come without the job: keep the one stored. */
	if (job == NULL && prev != NULL)
		job = prev->job;
	bare.job = NULL;
	rc = schema_copy(&allocation_schema, dst, &bare);
	if (rc != ERR_OK)
		return rc;
	if (job != NULL) {
		rc = jobpool_ref(&s->jobs, job, &shared);
		if (rc != ERR_OK) {
			schema_release(&allocation_schema, dst);
			return rc;
		}
	}
	out->job = shared;
	return ERR_OK;
}

/* copy_in without the copy: the job stays with obj (a decoded entry's
 * own, or one it borrows), the rest becomes dst's. */
int store_allocs_move_in(struct store *s, void *dst, void *obj, const void *old)
{
	struct allocation *a = obj, *out = dst;
	const struct allocation *prev = old;
	struct job *job = a->job, *shared = NULL;
	if (job == NULL && prev != NULL)
		job = prev->job;
	if (job != NULL && jobpool_ref(&s->jobs, job, &shared) != ERR_OK)
		return ERR_NOMEM;
	*out = *a;
	memset(a, 0, sizeof *a);
	a->job = out->job;
	out->job = shared;
	return ERR_OK;
}

void store_allocs_release(struct store *s, void *obj)
{
	const struct allocation *a = obj;
	struct job *dead;
	if (a->job == NULL)
		return;
	dead = jobpool_unref(&s->jobs, a->job);
	if (dead != NULL)
		store_free_obj(s, STORE_JOBS, dead, NULL);
}

void store_allocs_unshare(void *obj)
{
	struct allocation *a = obj;
	a->job = NULL;
}

int store_allocs_adopt_job(struct store *s, struct allocation *a)
{
	struct job *shared;
	if (a->job == NULL)
		return ERR_OK;
	if (jobpool_adopt(&s->jobs, a->job, &shared) != ERR_OK)
		return ERR_NOMEM;
	a->job = shared;
	return ERR_OK;
}

int store_upsert_alloc(struct store *s, uint64_t index,
                       const struct allocation *a)
{
	return store_put(s, STORE_ALLOCS, index, a);
}

int store_upsert_alloc_move(struct store *s, uint64_t index,
                            struct allocation *a)
{
	return store_put_move(s, STORE_ALLOCS, index, a);
}

int store_delete_alloc(struct store *s, uint64_t index, const char *id)
{
	struct tkey k = tkey1(id);
	return store_del(s, STORE_ALLOCS, index, &k);
}

const struct allocation *store_alloc(const struct store *s, const char *id)
{
	struct tkey k = tkey1(id);
	return store_get(s, STORE_ALLOCS, &k);
}

STORE_VISIT_CALLER(alloc_call, store_alloc_fn, allocation)

static void alloc_scan(const struct store *s, int ix, const struct scan *sc,
                       const char *ns, store_alloc_fn fn, void *data)
{
	struct store_visit v = {.fn = (void (*)(void))fn,
	                        .data = data,
	                        .ns = ns,
	                        .ns_off =
	                            offsetof(struct allocation, namespace),
	                        .call = alloc_call};
	table_scan(&s->t[STORE_ALLOCS], ix, sc, store_visit_obj, &v);
}

void store_each_alloc(const struct store *s, const char *ns, const char *prefix,
                      store_alloc_fn fn, void *data)
{
	struct scan sc = {.prefix = prefix};
	alloc_scan(s, 0, &sc, store_ns_any(ns) ? NULL : ns, fn, data);
}

void store_each_job_alloc(const struct store *s, const char *ns,
                          const char *job_id, store_alloc_fn fn, void *data)
{
	struct scan sc = {.p = {ns, job_id}, .nfix = 2};
	sc.any0 = store_ns_any(ns);
	alloc_scan(s, 1, &sc, NULL, fn, data);
}

void store_each_node_alloc(const struct store *s, const char *node_id,
                           store_alloc_fn fn, void *data)
{
	struct scan sc = {.p = {node_id}, .nfix = 1};
	alloc_scan(s, 2, &sc, NULL, fn, data);
}
