/* structs/alloc.c: the descriptors of the allocation family and the
 * predicates the server and client share. */
#include "structs/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

SCHEMA_DEFINE(allocated_cpu_resources, ALLOCATED_CPU_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(allocated_memory_resources, ALLOCATED_MEMORY_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(allocated_device_resource, ALLOCATED_DEVICE_RESOURCE_FIELDS, 0);
SCHEMA_DEFINE(allocated_port_mapping, ALLOCATED_PORT_MAPPING_FIELDS,
              SCHEMA_OMITEMPTY);
SCHEMA_DEFINE(allocated_task_resources, ALLOCATED_TASK_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(allocated_shared_resources, ALLOCATED_SHARED_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(allocated_resources, ALLOCATED_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(task_event, TASK_EVENT_FIELDS, 0);
SCHEMA_DEFINE(task_state, TASK_STATE_FIELDS, 0);
SCHEMA_DEFINE(node_score_meta, NODE_SCORE_META_FIELDS, 0);
SCHEMA_DEFINE(alloc_metric, ALLOC_METRIC_FIELDS, 0);
SCHEMA_DEFINE(reschedule_event, RESCHEDULE_EVENT_FIELDS, 0);
SCHEMA_DEFINE(reschedule_tracker, RESCHEDULE_TRACKER_FIELDS, 0);
SCHEMA_DEFINE(desired_transition, DESIRED_TRANSITION_FIELDS, 0);
SCHEMA_DEFINE(alloc_deployment_status, ALLOC_DEPLOYMENT_STATUS_FIELDS, 0);
SCHEMA_DEFINE(alloc_network_status, ALLOC_NETWORK_STATUS_FIELDS, 0);
SCHEMA_DEFINE(alloc_state, ALLOC_STATE_FIELDS, 0);
SCHEMA_DEFINE(allocation, ALLOCATION_FIELDS, SCHEMA_OMITEMPTY);

static bool alloc_str_eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

bool alloc_desired_status_terminal(const char *desired_status)
{
	return alloc_str_eq(desired_status, ALLOC_DESIRED_STOP) ||
	       alloc_str_eq(desired_status, ALLOC_DESIRED_EVICT);
}

bool alloc_client_status_terminal(const char *client_status)
{
	return alloc_str_eq(client_status, ALLOC_CLIENT_COMPLETE) ||
	       alloc_str_eq(client_status, ALLOC_CLIENT_FAILED) ||
	       alloc_str_eq(client_status, ALLOC_CLIENT_LOST);
}

bool allocation_server_terminal(const struct allocation *a)
{
	return alloc_desired_status_terminal(a->desired_status);
}

bool allocation_client_terminal(const struct allocation *a)
{
	return alloc_client_status_terminal(a->client_status);
}

bool allocation_terminal(const struct allocation *a)
{
	return allocation_server_terminal(a) || allocation_client_terminal(a);
}

struct task_group *allocation_task_group(const struct allocation *a)
{
	if (a->job == NULL || a->task_group == NULL)
		return NULL;
	return job_lookup_group(a->job, a->task_group);
}

char *alloc_name_format(const char *job_id, const char *group, unsigned index)
{
	return mem_asprintf("%s.%s[%u]", job_id != NULL ? job_id : "",
	                    group != NULL ? group : "", index);
}

long long alloc_name_index(const char *name)
{
	const char *open;
	char *end;
	long long n;
	size_t len = name != NULL ? strlen(name) : 0;
	if (len < 3 || name[len - 1] != ']')
		return -1;
	open = strrchr(name, '[');
	if (open == NULL || open[1] < '0' || open[1] > '9')
		return -1;
	n = strtoll(open + 1, &end, 10);
	return end == name + len - 1 ? n : -1;
}

int alloc_metric_count_add(struct value *counts, const char *key, int64_t delta)
{
	struct value *slot;
	if (counts->kind == VALUE_NULL)
		counts->kind = VALUE_MAP;
	if (counts->kind != VALUE_MAP)
		return ERR_INVAL;
	slot = (struct value *)value_map_get(counts, key);
	if (slot == NULL) {
		slot = value_map_append(counts, key);
		if (slot == NULL)
			return ERR_NOMEM;
		slot->kind = VALUE_INT;
	}
	if (slot->kind != VALUE_INT) {
		value_release(slot);
		slot->kind = VALUE_INT;
	}
	slot->u.i += delta;
	return 0;
}

int64_t alloc_metric_count_get(const struct value *counts, const char *key)
{
	const struct value *v = value_map_get(counts, key);
	return v != NULL && v->kind == VALUE_INT ? v->u.i : 0;
}

void allocation_free(struct allocation *a)
{
	if (a == NULL)
		return;
	schema_release(&allocation_schema, a);
	mem_free(a);
}
