/* state/store_evals.c: evaluations, by ID and by job. */
#include <stddef.h>

#include "state/state_int.h"

int store_upsert_eval(struct store *s, uint64_t index,
                      const struct evaluation *ev)
{
	return store_put(s, STORE_EVALS, index, ev);
}

int store_delete_eval(struct store *s, uint64_t index, const char *id)
{
	struct tkey k = tkey1(id);
	return store_del(s, STORE_EVALS, index, &k);
}

const struct evaluation *store_eval(const struct store *s, const char *id)
{
	struct tkey k = tkey1(id);
	return store_get(s, STORE_EVALS, &k);
}

STORE_VISIT_CALLER(eval_call, store_eval_fn, evaluation)

static void eval_scan(const struct store *s, int ix, const struct scan *sc,
                      const char *ns, store_eval_fn fn, void *data)
{
	struct store_visit v = {.fn = (void (*)(void))fn,
	                        .data = data,
	                        .ns = ns,
	                        .ns_off =
	                            offsetof(struct evaluation, namespace),
	                        .call = eval_call};
	table_scan(&s->t[STORE_EVALS], ix, sc, store_visit_obj, &v);
}

void store_each_eval(const struct store *s, const char *ns, const char *prefix,
                     store_eval_fn fn, void *data)
{
	struct scan sc = {.prefix = prefix};
	eval_scan(s, 0, &sc, store_ns_any(ns) ? NULL : ns, fn, data);
}

void store_each_job_eval(const struct store *s, const char *ns,
                         const char *job_id, store_eval_fn fn, void *data)
{
	struct scan sc = {.p = {ns, job_id}, .nfix = 2};
	sc.any0 = store_ns_any(ns);
	eval_scan(s, 1, &sc, NULL, fn, data);
}
