/* structs/service_reg.c: the descriptor of service registrations. */
#include "structs/service_reg.h"

#include <string.h>

SCHEMA_DEFINE(service_registration, SERVICE_REGISTRATION_FIELDS, 0);

int service_registration_validate(const struct service_registration *r,
                                  struct err *e)
{
	const struct {
		const char *name;
		const char *val;
	} req[] = {
	    {"ID", r->id},
	    {"ServiceName", r->service_name},
	    {"Namespace", r->namespace},
	    {"NodeID", r->node_id},
	    {"Datacenter", r->datacenter},
	    {"JobID", r->job_id},
	    {"AllocID", r->alloc_id},
	    {"Address", r->address},
	};
	for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
		if (req[i].val == NULL || req[i].val[0] == '\0')
			return err_set(e, ERR_VALIDATE,
			               "missing required field \"%s\"",
			               req[i].name);
	if (strcmp(r->address, "0.0.0.0") == 0 ||
	    strcmp(r->address, "::") == 0 || strcmp(r->address, "[::]") == 0)
		return err_set(e, ERR_VALIDATE,
		               "invalid service registration address");
	return ERR_OK;
}
