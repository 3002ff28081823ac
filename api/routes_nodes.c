/* api/routes_nodes.c: Nomad's node and allocation routes (/v1/nodes,
 * /v1/node/:id[/allocations|/drain|/eligibility|/purge], /v1/allocations,
 * /v1/allocation/:id) on the server's Node.* and Alloc.* endpoints. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "api/routes_int.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "server/messages.h"
#include "structs/structs.h"

/* The body of PUT /v1/node/:id/drain (Nomad's api.NodeUpdateDrainRequest):
 * DrainSpec null cancels the drain. */
#define API_DRAIN_SPEC_FIELDS(X, S)               \
	X(S, Deadline, deadline, DUR, _, NULL, 0) \
	X(S, IgnoreSystemJobs, ignore_system_jobs, BOOL, _, NULL, 0)
SCHEMA_DECLARE(api_drain_spec, API_DRAIN_SPEC_FIELDS);
SCHEMA_DEFINE(api_drain_spec, API_DRAIN_SPEC_FIELDS, 0);

#define API_DRAIN_BODY_FIELDS(X, S)                               \
	X(S, DrainSpec, drain_spec, PTR, api_drain_spec, NULL, 0) \
	X(S, MarkEligible, mark_eligible, BOOL, _, NULL, 0)       \
	X(S, Meta, meta, STRMAP, _, NULL, 0)
SCHEMA_DECLARE(api_drain_body, API_DRAIN_BODY_FIELDS);
SCHEMA_DEFINE(api_drain_body, API_DRAIN_BODY_FIELDS, 0);

static const struct api_shape api_shape_nodes = {&node_list_response_schema,
                                                 "Nodes", NULL, NULL};
static const struct api_shape api_shape_node_allocs = {&allocs_response_schema,
                                                       "Allocs", NULL, NULL};
static const struct api_shape api_shape_allocs = {&alloc_list_response_schema,
                                                  "Allocations", NULL, NULL};
static const struct api_shape api_shape_allocs_no_states = {
    &alloc_list_response_schema, "Allocations", NULL, "TaskStates"};
static const struct api_shape api_shape_alloc = {
    &single_alloc_response_schema, "Alloc", "alloc not found", NULL};
static const struct api_shape api_shape_node_purge = {
    &node_update_response_schema, NULL, NULL, NULL};

/* ---- reads ------------------------------------------------------------- */

static void route_nodes(void *data, struct http_req *req)
{
	struct node_list_request args = {0};
	char msg[256], full[320];
	args.prefix = (char *)http_query(req, "prefix");
	if (!api_query_bool(req, "resources", &args.resources, msg,
	                    sizeof msg)) {
		snprintf(full, sizeof full,
		         "Failed to parse node list fields: %s", msg);
		http_respond_text(req, 400, full, NULL);
		return;
	}
	api_call_shaped(data, req, "Node.List", &node_list_request_schema,
	                &args, &api_shape_nodes);
}

/* GET /v1/node/:id: the node, its SecretID blanked whatever the server
 * sent, as Nomad's API never shows it. */
static void api_node_reply(void *data, struct http_req *req,
                           const msgpack_object *reply,
                           const struct http_meta *meta)
{
	struct single_node_response *r =
	    api_reply_decode(req, &single_node_response_schema, reply);
	json_t *j;
	(void)data;
	if (r == NULL)
		return;
	if (r->node == NULL) {
		http_respond_text(req, 404, "node not found", meta);
		api_obj_free(&single_node_response_schema, r);
		return;
	}
	mem_free(r->node->secret_id);
	r->node->secret_id = NULL;
	j = schema_json_encode(&node_schema, r->node);
	api_obj_free(&single_node_response_schema, r);
	api_reply_json(req, j, meta);
}

static void route_node(void *data, struct http_req *req)
{
	struct node_specific_request args = {.node_id = (char *)req->params[0]};
	api_call(data, req, "Node.GetNode", &node_specific_request_schema,
	         &args, false, api_node_reply, NULL);
}

static void route_node_allocs(void *data, struct http_req *req)
{
	struct node_specific_request args = {.node_id = (char *)req->params[0]};
	api_call_shaped(data, req, "Node.Allocations",
	                &node_specific_request_schema, &args,
	                &api_shape_node_allocs);
}

static void route_allocs(void *data, struct http_req *req)
{
	struct alloc_list_request args = {0};
	bool states = true;
	char msg[256];
	args.prefix = (char *)http_query(req, "prefix");
	if (!api_query_bool(req, "resources", &args.resources, msg,
	                    sizeof msg) ||
	    !api_query_bool(req, "task_states", &states, msg, sizeof msg)) {
		http_respond_text(req, 500, msg, NULL);
		return;
	}
	api_call_shaped(
	    data, req, "Alloc.List", &alloc_list_request_schema, &args,
	    states ? &api_shape_allocs : &api_shape_allocs_no_states);
}

static void route_alloc(void *data, struct http_req *req)
{
	struct id_request args = {.id = (char *)req->params[0]};
	api_call_shaped(data, req, "Alloc.GetAlloc", &id_request_schema, &args,
	                &api_shape_alloc);
}

/* ---- writes ------------------------------------------------------------ */

/* Nomad's NodeDrainUpdateResponse / NodeEligibilityUpdateResponse:
 * EvalIDs, EvalCreateIndex, NodeModifyIndex and the write's Index. */
static void api_node_write_reply(void *data, struct http_req *req,
                                 const msgpack_object *reply,
                                 const struct http_meta *meta)
{
	static const char *const keys[] = {"EvalIDs", "EvalCreateIndex",
	                                   "NodeModifyIndex", "Index"};
	struct node_update_response *r =
	    api_reply_decode(req, &node_update_response_schema, reply);
	json_t *whole, *j;
	(void)data;
	if (r == NULL)
		return;
	whole = schema_json_encode(&node_update_response_schema, r);
	api_obj_free(&node_update_response_schema, r);
	j = whole != NULL ? json_object() : NULL;
	for (size_t i = 0; j != NULL && i < 4; i++) {
		json_t *v = json_object_get(whole, keys[i]);
		if (json_object_set(j, keys[i], v ? v : json_null()) != 0) {
			json_decref(j);
			j = NULL;
		}
	}
	json_decref(whole);
	api_reply_json(req, j, meta);
}

/* The drain strategy of a DrainSpec: Deadline > 0 forces the drain at
 * now + Deadline; < 0 forces it at once (ForceDeadline now); 0 has no
 * deadline. NULL with *oom false when spec is NULL (cancel). */
static struct drain_strategy *api_drain_strategy(const struct api_drain_spec *s,
                                                 int64_t now, bool *oom)
{
	struct drain_strategy *d;
	*oom = false;
	if (s == NULL)
		return NULL;
	d = mem_calloc(1, sizeof *d);
	if (d == NULL) {
		*oom = true;
		return NULL;
	}
	d->deadline = s->deadline;
	d->ignore_system_jobs = s->ignore_system_jobs;
	if (s->deadline > 0)
		d->force_deadline = now + s->deadline;
	else if (s->deadline < 0)
		d->force_deadline = now;
	return d;
}

static void route_node_drain(void *data, struct http_req *req)
{
	struct api_drain_body body = {0};
	struct node_update_drain_request args = {0};
	json_t *j = api_body_json(req);
	bool oom;
	if (j == NULL)
		return;
	if (!api_body_decode(req, &api_drain_body_schema, &body, j, "")) {
		json_decref(j);
		return;
	}
	json_decref(j);
	args.node_id = (char *)req->params[0];
	args.drain_strategy =
	    api_drain_strategy(body.drain_spec, stime_wall_ns(), &oom);
	args.mark_eligible = body.mark_eligible;
	args.meta = body.meta;
	if (oom)
		http_respond_text(req, 500, "out of memory", NULL);
	else
		api_call(data, req, "Node.UpdateDrain",
		         &node_update_drain_request_schema, &args, false,
		         api_node_write_reply, NULL);
	mem_free(args.drain_strategy);
	schema_release(&api_drain_body_schema, &body);
}

static bool api_eligibility_valid(const char *e)
{
	return e != NULL &&
	       (strcmp(e, "eligible") == 0 || strcmp(e, "ineligible") == 0);
}

static void route_node_eligibility(void *data, struct http_req *req)
{
	struct node_update_eligibility_request args = {0};
	char msg[160];
	json_t *j = api_body_json(req);
	if (j == NULL)
		return;
	if (!api_body_decode(req, &node_update_eligibility_request_schema,
	                     &args, j, "")) {
		json_decref(j);
		return;
	}
	json_decref(j);
	if (!api_eligibility_valid(args.eligibility)) {
		snprintf(msg, sizeof msg,
		         "invalid scheduling eligibility \"%s\"",
		         args.eligibility != NULL ? args.eligibility : "");
		http_respond_text(req, 400, msg, NULL);
		goto out;
	}
	if (args.node_id == NULL || args.node_id[0] == '\0') {
		mem_free(args.node_id);
		args.node_id = mem_strdup(req->params[0]);
		if (args.node_id == NULL) {
			http_respond_text(req, 500, "out of memory", NULL);
			goto out;
		}
	}
	api_call(data, req, "Node.UpdateEligibility",
	         &node_update_eligibility_request_schema, &args, false,
	         api_node_write_reply, NULL);
out:
	schema_release(&node_update_eligibility_request_schema, &args);
}

static void route_node_purge(void *data, struct http_req *req)
{
	struct node_specific_request args = {.node_id = (char *)req->params[0]};
	api_call_shaped(data, req, "Node.Deregister",
	                &node_specific_request_schema, &args,
	                &api_shape_node_purge);
}

int api_routes_sched_register(struct http_server *h, struct server *server)
{
	static const struct {
		const char *methods;
		const char *pattern;
		http_handler_fn fn;
	} routes[] = {
	    {"GET", "/v1/nodes", route_nodes},
	    {"GET", "/v1/node/:id", route_node},
	    {"GET", "/v1/node/:id/allocations", route_node_allocs},
	    {"PUT|POST", "/v1/node/:id/drain", route_node_drain},
	    {"PUT|POST", "/v1/node/:id/eligibility", route_node_eligibility},
	    {"PUT|POST", "/v1/node/:id/purge", route_node_purge},
	    {"GET", "/v1/allocations", route_allocs},
	    {"GET", "/v1/allocation/:id", route_alloc},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		int rc = http_route(h, routes[i].methods, routes[i].pattern,
		                    routes[i].fn, server);
		if (rc != ERR_OK)
			return rc;
	}
	return api_routes_plan_register(h, server);
}
