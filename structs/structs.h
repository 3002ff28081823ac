/* structs/structs.h: the whole data model in one include, and a table of
 * every wire struct's descriptor (for tests, fuzzers and tools that walk
 * all schemas). */
#ifndef STEPPE_STRUCTS_STRUCTS_H
#define STEPPE_STRUCTS_STRUCTS_H

#include <stddef.h>

#include "structs/acl.h"
#include "structs/alloc.h"
#include "structs/eval.h"
#include "structs/job.h"
#include "structs/namespace.h"
#include "structs/node.h"
#include "structs/schema.h"
#include "structs/service_reg.h"
#include "structs/status.h"
#include "structs/variable.h"

/* Every schema of the data model: the top-level wire structs first (job,
 * allocation, evaluation, node, acl_policy, acl_token, namespace,
 * variable, service_registration), then the nested ones. */
extern const struct schema *const structs_all[];
extern const size_t structs_nall;

/* The schema whose name (struct tag) is name, or NULL. */
const struct schema *structs_schema_by_name(const char *name);

#endif
