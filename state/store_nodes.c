/* state/store_nodes.c: client nodes, by ID. */
#include <stddef.h>

#include "state/state_int.h"

int store_upsert_node(struct store *s, uint64_t index, const struct node *n)
{
	return store_put(s, STORE_NODES, index, n);
}

int store_delete_node(struct store *s, uint64_t index, const char *id)
{
	struct tkey k = tkey1(id);
	return store_del(s, STORE_NODES, index, &k);
}

const struct node *store_node(const struct store *s, const char *id)
{
	struct tkey k = tkey1(id);
	return store_get(s, STORE_NODES, &k);
}

size_t store_node_count(const struct store *s)
{
	return s->t[STORE_NODES].count;
}

STORE_VISIT_CALLER(node_call, store_node_fn, node)

void store_each_node(const struct store *s, const char *prefix,
                     store_node_fn fn, void *data)
{
	struct store_visit v = {.fn = (void (*)(void))fn,
	                        .data = data,
	                        .ns_off = TABLE_NO_OFF,
	                        .call = node_call};
	struct scan sc = {.prefix = prefix};
	table_scan(&s->t[STORE_NODES], 0, &sc, store_visit_obj, &v);
}
