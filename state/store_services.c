/* state/store_services.c: native service registrations, found by
 * (namespace, ID) and listed in (namespace, service name, ID) order. */
#include <stddef.h>

#include "state/state_int.h"

int store_upsert_service(struct store *s, uint64_t index,
                         const struct service_registration *r)
{
	return store_put(s, STORE_SERVICES, index, r);
}

int store_delete_service(struct store *s, uint64_t index, const char *ns,
                         const char *id)
{
	struct tkey k = tkey2(ns, id);
	return store_del(s, STORE_SERVICES, index, &k);
}

STORE_VISIT_CALLER(service_call, store_service_fn, service_registration)

/* ns NULL or "*": every namespace, in namespace order. */
void store_each_service(const struct store *s, const char *ns, const char *name,
                        store_service_fn fn, void *data)
{
	struct store_visit v = {.fn = (void (*)(void))fn,
	                        .data = data,
	                        .ns_off = TABLE_NO_OFF,
	                        .call = service_call};
	struct scan sc = {.p = {ns, name}, .nfix = name != NULL ? 2 : 1};
	sc.any0 = store_ns_any(ns);
	table_scan(&s->t[STORE_SERVICES], 0, &sc, store_visit_obj, &v);
}
