/* state/store_namespaces.c: namespaces, by name. "default" always
 * exists. */
#include <stddef.h>
#include <string.h>

#include "state/state_int.h"

int store_upsert_namespace(struct store *s, uint64_t index,
                           const struct namespace *n)
{
	return store_put(s, STORE_NAMESPACES, index, n);
}

/* "default" cannot be deleted (ERR_INVAL; Nomad's message is "default
 * namespace can not be deleted"). */
int store_delete_namespace(struct store *s, uint64_t index, const char *name)
{
	struct tkey k = tkey1(name);
	if (name != NULL && strcmp(name, "default") == 0)
		return ERR_INVAL;
	return store_del(s, STORE_NAMESPACES, index, &k);
}

const struct namespace *store_namespace(const struct store *s, const char *name)
{
	struct tkey k = tkey1(name);
	return store_get(s, STORE_NAMESPACES, &k);
}

STORE_VISIT_CALLER(namespace_call, store_namespace_fn, namespace)

void store_each_namespace(const struct store *s, const char *prefix,
                          store_namespace_fn fn, void *data)
{
	struct store_visit v = {.fn = (void (*)(void))fn,
	                        .data = data,
	                        .ns_off = TABLE_NO_OFF,
	                        .call = namespace_call};
	struct scan sc = {.prefix = prefix};
	table_scan(&s->t[STORE_NAMESPACES], 0, &sc, store_visit_obj, &v);
}
