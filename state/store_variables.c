/* state/store_variables.c: variables, by (namespace, path). Stored as
 * given (no encryption at this layer); check-and-set is the server's. */
#include <stddef.h>

#include "state/state_int.h"

int store_upsert_variable(struct store *s, uint64_t index,
                          const struct variable *v)
{
	return store_put(s, STORE_VARIABLES, index, v);
}

int store_delete_variable(struct store *s, uint64_t index, const char *ns,
                          const char *path)
{
	struct tkey k = tkey2(ns, path);
	return store_del(s, STORE_VARIABLES, index, &k);
}

const struct variable *store_variable(const struct store *s, const char *ns,
                                      const char *path)
{
	struct tkey k = tkey2(ns, path);
	return store_get(s, STORE_VARIABLES, &k);
}

STORE_VISIT_CALLER(variable_call, store_variable_fn, variable)

void store_each_variable(const struct store *s, const char *ns,
                         const char *prefix, store_variable_fn fn, void *data)
{
	struct store_visit v = {.fn = (void (*)(void))fn,
	                        .data = data,
	                        .ns_off = TABLE_NO_OFF,
	                        .call = variable_call};
	struct scan sc = {.p = {ns}, .nfix = 1, .prefix = prefix};
	sc.any0 = store_ns_any(ns);
	table_scan(&s->t[STORE_VARIABLES], 0, &sc, store_visit_obj, &v);
}
