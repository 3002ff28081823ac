/* state/store_allocs.c: allocations, by ID, by job and by node. */
#include <stddef.h>

#include "state/state_int.h"

int store_upsert_alloc(struct store *s, uint64_t index,
                       const struct allocation *a)
{
	return store_put(s, STORE_ALLOCS, index, a);
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
