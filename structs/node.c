/* structs/node.c: the descriptors of nodes and their predicates. */
#include "structs/node.h"

#include <string.h>

#include "lib/mem.h"

SCHEMA_DEFINE(node_cpu_resources, NODE_CPU_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(node_processor_resources, NODE_PROCESSOR_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(node_memory_resources, NODE_MEMORY_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(node_disk_resources, NODE_DISK_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(node_network_address, NODE_NETWORK_ADDRESS_FIELDS, 0);
SCHEMA_DEFINE(node_network_resource, NODE_NETWORK_RESOURCE_FIELDS, 0);
SCHEMA_DEFINE(node_resources, NODE_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(node_reserved_cpu_resources, NODE_RESERVED_CPU_RESOURCES_FIELDS,
              0);
SCHEMA_DEFINE(node_reserved_memory_resources,
              NODE_RESERVED_MEMORY_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(node_reserved_disk_resources, NODE_RESERVED_DISK_RESOURCES_FIELDS,
              0);
SCHEMA_DEFINE(node_reserved_network_resources,
              NODE_RESERVED_NETWORK_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(node_reserved_resources, NODE_RESERVED_RESOURCES_FIELDS, 0);
SCHEMA_DEFINE(driver_info, DRIVER_INFO_FIELDS, 0);
SCHEMA_DEFINE(node_event, NODE_EVENT_FIELDS, 0);
SCHEMA_DEFINE(drain_strategy, DRAIN_STRATEGY_FIELDS, 0);
SCHEMA_DEFINE(drain_metadata, DRAIN_METADATA_FIELDS, 0);
SCHEMA_DEFINE(client_host_volume, CLIENT_HOST_VOLUME_FIELDS, 0);
SCHEMA_DEFINE(client_host_network, CLIENT_HOST_NETWORK_FIELDS, 0);
SCHEMA_DEFINE(node, NODE_FIELDS, 0);

static bool node_str_eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

bool node_ready(const struct node *n)
{
	return node_str_eq(n->status, NODE_STATUS_READY) &&
	       n->drain_strategy == NULL &&
	       node_str_eq(n->scheduling_eligibility, NODE_ELIGIBLE);
}

bool node_status_terminal(const char *status)
{
	return node_str_eq(status, NODE_STATUS_DOWN);
}

int node_add_event(struct node *n, const struct node_event *ev)
{
	struct node_event copy = {0}, *v;
	if (schema_copy(&node_event_schema, &copy, ev) != 0)
		return ERR_NOMEM;
	if (n->events.n >= NODE_MAX_EVENTS) {
		schema_release(&node_event_schema, &n->events.v[0]);
		memmove(&n->events.v[0], &n->events.v[1],
		        (n->events.n - 1) * sizeof(*v));
		n->events.v[n->events.n - 1] = copy;
		return 0;
	}
	v = mem_realloc(n->events.v, (n->events.n + 1) * sizeof(*v));
	if (v == NULL) {
		schema_release(&node_event_schema, &copy);
		return ERR_NOMEM;
	}
	n->events.v = v;
	v[n->events.n++] = copy;
	return 0;
}

void node_free(struct node *n)
{
	if (n == NULL)
		return;
	schema_release(&node_schema, n);
	mem_free(n);
}
