/* structs/service_reg.h: native service discovery registrations
 * (reference 2.16), written by clients for services with provider
 * "nomad". Tags are the service's tags, or its canary tags while the
 * allocation is a canary and they are set. */
#ifndef STEPPE_STRUCTS_SERVICE_REG_H
#define STEPPE_STRUCTS_SERVICE_REG_H

#include "lib/err.h"
#include "structs/schema.h"

#define SERVICE_REGISTRATION_FIELDS(X, S)                 \
	X(S, ID, id, STR, _, NULL, 0)                     \
	X(S, ServiceName, service_name, STR, _, NULL, 0)  \
	X(S, Namespace, namespace, STR, _, NULL, 0)       \
	X(S, NodeID, node_id, STR, _, NULL, 0)            \
	X(S, Datacenter, datacenter, STR, _, NULL, 0)     \
	X(S, JobID, job_id, STR, _, NULL, 0)              \
	X(S, AllocID, alloc_id, STR, _, NULL, 0)          \
	X(S, Tags, tags, STRLIST, _, NULL, 0)             \
	X(S, Address, address, STR, _, NULL, 0)           \
	X(S, Port, port, INT, _, NULL, 0)                 \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0) \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(service_registration, SERVICE_REGISTRATION_FIELDS);

/* Every identifying field set ("missing required field \"ServiceName\""),
 * and, as Nomad's ServiceRegistration.Validate, not an "any" address
 * ("invalid service registration address"). Returns 0 or ERR_VALIDATE
 * with the first problem in e (e may be NULL). */
int service_registration_validate(const struct service_registration *r,
                                  struct err *e);

#endif
