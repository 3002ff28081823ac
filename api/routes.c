/* api/routes.c: HTTP routes -> server RPC endpoints -> Nomad JSON. */
#include "api/routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl/acl.h"
#include "api/routes_int.h"
#include "jobspec/jobspec.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "server/formation.h"
#include "server/messages.h"
#include "server/server.h"
#include "structs/structs.h"

struct api_ctx {
	struct server *server;
	const struct api_agent_info *info;
};

static struct api_ctx api_ctx; /* one agent per process */

/* How a reply becomes the HTTP answer. */
typedef void (*api_shape_fn)(struct http_req *req, const msgpack_object *reply,
                             const struct http_meta *meta);

struct api_call {
	struct http_req *req;
	api_shape_fn shape;
};

static void api_replied(void *data, int status, const char *error,
                        const msgpack_object *reply, const struct rpc_meta *m)
{
	struct api_call *c = data;
	struct http_meta meta = {0};
	if (m != NULL) {
		/* Nomad's indexes start at 1, even on an empty table. */
		meta.has_index = true;
		meta.index = m->index > 0 ? m->index : 1;
		meta.has_query_meta = true;
		meta.known_leader = m->known_leader;
		meta.last_contact_ms = m->last_contact_ms;
	}
	if (status != ERR_OK)
		http_respond_text(
		    c->req, 500, error != NULL ? error : err_str(status), NULL);
	else if (error != NULL)
		http_respond_text(c->req, api_error_status(error), error,
		                  &meta);
	else
		c->shape(c->req, reply, &meta);
	mem_free(c);
}

static void api_fill_request(struct rpc_request *r, struct http_req *req,
                             const char *method)
{
	memset(r, 0, sizeof *r);
	r->method = (char *)method;
	r->auth_token = (char *)req->token;
	r->region = (char *)http_query(req, "region");
	r->ns = (char *)http_query(req, "namespace");
	r->allow_stale = req->stale;
	r->consistent = req->consistent;
	r->min_query_index = req->index;
	r->max_query_time = req->wait_ns;
}

/* Runs method with args and answers through shape. */
static void api_rpc(struct http_req *req, const char *method,
                    const struct schema *as, const void *args,
                    api_shape_fn shape)
{
	struct rpc_request r;
	struct api_call *c;
	int rc;
	c = mem_calloc(1, sizeof *c);
	if (c == NULL) {
		http_respond_text(req, 500, "out of memory", NULL);
		return;
	}
	c->req = req;
	c->shape = shape;
	api_fill_request(&r, req, method);
	rc = api_dispatch(api_ctx.server, &r, as, args, api_replied, c);
	if (rc != ERR_OK) {
		mem_free(c);
		api_dispatch_failed(req, rc);
	}
}

/* Decodes reply with schema s into a fresh object and encodes it as JSON;
 * the caller picks a field or the whole. */
static void *api_decode(const struct schema *s, const msgpack_object *reply,
                        struct http_req *req)
{
	struct err e;
	void *obj = mem_calloc(1, s->size);
	err_clear(&e);
	if (obj == NULL) {
		http_respond_text(req, 500, "out of memory", NULL);
		return NULL;
	}
	if (reply != NULL &&
	    schema_msgpack_unpack(s, obj, reply, &e) != ERR_OK) {
		mem_free(obj);
		http_respond_text(req, 500, e.msg, NULL);
		return NULL;
	}
	return obj;
}

static void api_free(const struct schema *s, void *obj)
{
	schema_release(s, obj);
	mem_free(obj);
}

/* JSON of one field of a decoded reply (NULL field -> json null). */
static json_t *api_field_json(const struct schema *s, const void *obj,
                              const char *field)
{
	const struct schema_field *f = schema_field_by_name(s, field);
	json_t *whole = schema_json_encode(s, obj);
	json_t *part;
	if (whole == NULL || f == NULL)
		return whole;
	part = json_object_get(whole, field);
	if (part != NULL)
		json_incref(part);
	json_decref(whole);
	return part;
}

static void api_shape_field(struct http_req *req, const msgpack_object *reply,
                            const struct http_meta *meta,
                            const struct schema *s, const char *field,
                            const char *missing)
{
	void *obj = api_decode(s, reply, req);
	json_t *j;
	if (obj == NULL)
		return;
	j = api_field_json(s, obj, field);
	if (missing != NULL && (j == NULL || json_is_null(j))) {
		json_decref(j);
		http_respond_text(req, 404, missing, meta);
	} else if (j == NULL) {
		http_respond_text(req, 500, "out of memory", meta);
	} else {
		http_respond_json(req, 200, j, meta);
	}
	api_free(s, obj);
}

static void api_shape_whole(struct http_req *req, const msgpack_object *reply,
                            const struct http_meta *meta,
                            const struct schema *s)
{
	void *obj = api_decode(s, reply, req);
	json_t *j;
	if (obj == NULL)
		return;
	j = schema_json_encode(s, obj);
	if (j == NULL)
		http_respond_text(req, 500, "out of memory", meta);
	else
		http_respond_json(req, 200, j, meta);
	api_free(s, obj);
}

/* ---- status and agent ---------------------------------------------------- */

static void shape_leader(struct http_req *req, const msgpack_object *reply,
                         const struct http_meta *meta)
{
	api_shape_field(req, reply, meta, &status_leader_response_schema,
	                "Leader", NULL);
}

static void route_status_leader(void *data, struct http_req *req)
{
	(void)data;
	api_rpc(req, "Status.Leader", NULL, NULL, shape_leader);
}

static void shape_peers(struct http_req *req, const msgpack_object *reply,
                        const struct http_meta *meta)
{
	api_shape_field(req, reply, meta, &status_peers_response_schema,
	                "Peers", NULL);
}

static void route_status_peers(void *data, struct http_req *req)
{
	(void)data;
	api_rpc(req, "Status.Peers", NULL, NULL, shape_peers);
}

/* Nomad's /v1/agent/members: gossip members with their tags. */
static json_t *api_member_json(const struct server_member *m)
{
	char host[64];
	const char *colon;
	int port = 4647;
	snprintf(host, sizeof host, "%s", m->addr ? m->addr : "");
	colon = strrchr(host, ':');
	if (colon != NULL) {
		port = atoi(colon + 1);
		host[colon - host] = '\0';
	}
	char port_s[16], expect_s[24];
	snprintf(port_s, sizeof port_s, "%d", port);
	snprintf(expect_s, sizeof expect_s, "%lld", (long long)m->expect);
	return json_pack(
	    "{s:s, s:s, s:i, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s}, s:s, s:i, s:i, s:i}",
	    "Name", m->name ? m->name : "", "Addr", host, "Port", port, "Tags",
	    "role", "nomad", "region", m->region ? m->region : "", "dc",
	    m->datacenter ? m->datacenter : "", "id", m->id ? m->id : "",
	    "rpc_addr", host, "port", port_s, "build", m->build ? m->build : "",
	    "expect", expect_s, "raft_vsn", "3", "vsn", "1", "Status",
	    m->status ? m->status : "alive", "ProtocolMin", 1, "ProtocolMax", 5,
	    "ProtocolCur", 2);
}

static void shape_members(struct http_req *req, const msgpack_object *reply,
                          const struct http_meta *meta)
{
	struct server_members *m =
	    api_decode(&server_members_schema, reply, req);
	json_t *list, *j;
	if (m == NULL)
		return;
	list = json_array();
	for (size_t i = 0; list != NULL && i < m->members.n; i++)
		json_array_append_new(list, api_member_json(&m->members.v[i]));
	j = json_pack("{s:s, s:s, s:s, s:o}", "ServerName", api_ctx.info->name,
	              "ServerRegion", api_ctx.info->region, "ServerDC",
	              api_ctx.info->datacenter, "Members",
	              list ? list : json_array());
	api_free(&server_members_schema, m);
	if (j == NULL)
		http_respond_text(req, 500, "out of memory", meta);
	else
		http_respond_json(req, 200, j, meta);
}

static void route_agent_members(void *data, struct http_req *req)
{
	(void)data;
	api_rpc(req, "Status.Members", NULL, NULL, shape_members);
}

static void route_agent_health(void *data, struct http_req *req)
{
	json_t *j;
	bool ok;
	const char *msg = "ok";
	(void)data;
	if (api_ctx.server == NULL) {
		j = json_pack("{s:{s:b, s:s}}", "client", "ok", 1, "message",
		              "ok");
		http_respond_json(req, 200, j, NULL);
		return;
	}
	ok = server_leader_addr(api_ctx.server)[0] != '\0';
	if (!ok)
		msg = server_formation_status(api_ctx.server)[0] != '\0'
		          ? server_formation_status(api_ctx.server)
		          : "No cluster leader";
	j = json_pack("{s:{s:b, s:s}}", "server", "ok", ok, "message", msg);
	if (!ok) {
		char *text = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		http_respond_text(req, 500, text ? text : msg, NULL);
		mem_free(text);
		return;
	}
	http_respond_json(req, 200, j, NULL);
}

/* GET /v1/agent/self: agent:read, as Nomad. */
static void agent_self_allowed(void *data, struct http_req *req, struct acl *a)
{
	const struct api_agent_info *in = api_ctx.info;
	bool ok = acl_allow(a, ACL_AREA_AGENT, ACL_READ);
	json_t *j;
	(void)data;
	acl_release(a);
	if (!ok) {
		http_respond_text(req, 403, "Permission denied", NULL);
		return;
	}
	j = json_pack(
	    "{s:{s:s, s:s, s:s, s:{s:b}, s:{s:b}, s:s}, "
	    "s:{s:s, s:s, s:{s:s, s:s}, s:s}, s:{s:{s:s, s:s}}}",
	    "config", "NodeName", in->name, "Region", in->region, "Datacenter",
	    in->datacenter, "Server", "Enabled", in->server, "Client",
	    "Enabled", in->client, "Version", in->version, "member", "Name",
	    in->name, "Addr", in->rpc_addr, "Tags", "role",
	    in->server ? "nomad" : "node", "region", in->region, "Status",
	    "alive", "stats", "nomad", "leader",
	    api_ctx.server && server_is_leader(api_ctx.server) ? "true"
	                                                       : "false",
	    "known_leader",
	    api_ctx.server && server_leader_addr(api_ctx.server)[0] ? "true"
	                                                            : "false");
	if (j == NULL)
		http_respond_text(req, 500, "out of memory", NULL);
	else
		http_respond_json(req, 200, j, NULL);
}

static void route_agent_self(void *data, struct http_req *req)
{
	api_acl_resolve(req, agent_self_allowed, data);
}

/* ---- operator --------------------------------------------------------- */

static void shape_raft_config(struct http_req *req, const msgpack_object *reply,
                              const struct http_meta *meta)
{
	api_shape_whole(req, reply, meta, &raft_configuration_response_schema);
}

static void route_raft_configuration(void *data, struct http_req *req)
{
	(void)data;
	api_rpc(req, "Operator.RaftGetConfiguration", NULL, NULL,
	        shape_raft_config);
}

static void shape_empty(struct http_req *req, const msgpack_object *reply,
                        const struct http_meta *meta)
{
	(void)reply;
	http_respond_text(req, 200, "", meta);
}

static void route_raft_remove_peer(void *data, struct http_req *req)
{
	struct raft_peer_request args = {0};
	(void)data;
	if (http_query(req, "address") != NULL &&
	    http_query(req, "id") == NULL) {
		http_respond_text(
		    req, 400,
		    "Removing a peer by address is not supported; "
		    "use id",
		    NULL);
		return;
	}
	args.id = (char *)http_query(req, "id");
	if (args.id == NULL || *args.id == '\0') {
		http_respond_text(req, 400,
		                  "Must specify the peer's ID to remove", NULL);
		return;
	}
	api_rpc(req, "Operator.RaftRemovePeerByID", &raft_peer_request_schema,
	        &args, shape_empty);
}

/* ---- jobs and evaluations ------------------------------------------------ */

static void shape_job_list(struct http_req *req, const msgpack_object *reply,
                           const struct http_meta *meta)
{
	api_shape_field(req, reply, meta, &job_list_response_schema, "Jobs",
	                NULL);
}

static void route_jobs_list(void *data, struct http_req *req)
{
	struct id_request args = {.prefix = (char *)http_query(req, "prefix")};
	(void)data;
	api_rpc(req, "Job.List", &id_request_schema, &args, shape_job_list);
}

static void shape_register(struct http_req *req, const msgpack_object *reply,
                           const struct http_meta *meta)
{
	api_shape_whole(req, reply, meta, &job_register_response_schema);
}

/* PUT /v1/jobs and /v1/job/:id: {"Job": {...}, "EnforceIndex", ...}. */
static void api_register(struct http_req *req, const char *path_id)
{
	struct job_register_request args = {0};
	struct err e;
	err_clear(&e);
	if (req->body_len == 0) {
		http_respond_text(req, 400, "Request body is empty", NULL);
		return;
	}
	if (schema_json_decode_str(&job_register_request_schema, &args,
	                           req->body, req->body_len, "",
	                           &e) != ERR_OK) {
		http_respond_text(req, 400, e.msg, NULL);
		return;
	}
	if (args.job.id == NULL) {
		http_respond_text(req, 400, "Job must be specified", NULL);
	} else if (path_id != NULL && strcmp(path_id, args.job.id) != 0) {
		http_respond_text(req, 400, "Job ID does not match name", NULL);
	} else {
		if (job_canonicalize_api(&args.job) != ERR_OK)
			http_respond_text(req, 500, "out of memory", NULL);
		else
			api_rpc(req, "Job.Register",
			        &job_register_request_schema, &args,
			        shape_register);
	}
	schema_release(&job_register_request_schema, &args);
}

static void route_jobs_register(void *data, struct http_req *req)
{
	(void)data;
	api_register(req, NULL);
}

static void shape_job(struct http_req *req, const msgpack_object *reply,
                      const struct http_meta *meta)
{
	api_shape_field(req, reply, meta, &single_job_response_schema, "Job",
	                "job not found");
}

static void route_job(void *data, struct http_req *req)
{
	struct id_request args = {.id = (char *)req->params[0]};
	(void)data;
	if (strcmp(req->method, "GET") == 0) {
		api_rpc(req, "Job.GetJob", &id_request_schema, &args,
		        shape_job);
	} else if (strcmp(req->method, "DELETE") == 0) {
		struct job_deregister_request d = {0};
		const char *purge = http_query(req, "purge");
		d.job_id = (char *)req->params[0];
		d.purge = purge != NULL && (strcmp(purge, "true") == 0 ||
		                            strcmp(purge, "1") == 0);
		api_rpc(req, "Job.Deregister", &job_deregister_request_schema,
		        &d, shape_register);
	} else {
		api_register(req, req->params[0]);
	}
}

static void shape_versions(struct http_req *req, const msgpack_object *reply,
                           const struct http_meta *meta)
{
	api_shape_whole(req, reply, meta, &job_versions_response_schema);
}

static void route_job_versions(void *data, struct http_req *req)
{
	struct id_request args = {.id = (char *)req->params[0]};
	(void)data;
	api_rpc(req, "Job.GetJobVersions", &id_request_schema, &args,
	        shape_versions);
}

static void shape_evals(struct http_req *req, const msgpack_object *reply,
                        const struct http_meta *meta)
{
	api_shape_field(req, reply, meta, &eval_list_response_schema,
	                "Evaluations", NULL);
}

static void route_job_evals(void *data, struct http_req *req)
{
	struct id_request args = {.id = (char *)req->params[0]};
	(void)data;
	api_rpc(req, "Job.Evaluations", &id_request_schema, &args, shape_evals);
}

static void route_evals(void *data, struct http_req *req)
{
	struct id_request args = {.prefix = (char *)http_query(req, "prefix")};
	(void)data;
	api_rpc(req, "Eval.List", &id_request_schema, &args, shape_evals);
}

static void shape_eval(struct http_req *req, const msgpack_object *reply,
                       const struct http_meta *meta)
{
	api_shape_field(req, reply, meta, &single_eval_response_schema, "Eval",
	                "eval not found");
}

static void route_eval(void *data, struct http_req *req)
{
	struct id_request args = {.id = (char *)req->params[0]};
	(void)data;
	api_rpc(req, "Eval.GetEval", &id_request_schema, &args, shape_eval);
}

/* PUT /v1/jobs/parse {"JobHCL": "...", "Canonicalize": bool}: parsed
 * locally, as Nomad's agent does, for a caller with parse-job or
 * submit-job in ?namespace (default "default"), checked before the body
 * is read. */
static void jobs_parse_allowed(void *data, struct http_req *req, struct acl *a)
{
	const char *ns = http_query(req, "namespace");
	json_error_t jerr;
	json_t *body;
	const char *hcl;
	struct job job = {0};
	struct err e;
	bool ok;
	(void)data;
	if (ns == NULL || ns[0] == '\0')
		ns = "default";
	ok = acl_allow_ns_op(a, ns, ACL_CAP_PARSE_JOB) ||
	     acl_allow_ns_op(a, ns, ACL_CAP_SUBMIT_JOB);
	acl_release(a);
	if (!ok) {
		http_respond_text(req, 403, "Permission denied", NULL);
		return;
	}
	err_clear(&e);
	body = json_loadb(req->body, req->body_len, 0, &jerr);
	hcl = json_string_value(json_object_get(body, "JobHCL"));
	if (hcl == NULL) {
		json_decref(body);
		http_respond_text(req, 400, "Job HCL must be specified", NULL);
		return;
	}
	if (jobspec_parse("input.hcl", hcl, strlen(hcl), NULL, &job, &e) !=
	    ERR_OK) {
		http_respond_text(req, 400, e.msg, NULL);
	} else if (json_is_true(json_object_get(body, "Canonicalize")) &&
	           job_canonicalize_api(&job) != ERR_OK) {
		http_respond_text(req, 500, "out of memory", NULL);
	} else {
		http_respond_json(req, 200,
		                  schema_json_encode(&job_schema, &job), NULL);
	}
	schema_release(&job_schema, &job);
	json_decref(body);
}

static void route_jobs_parse(void *data, struct http_req *req)
{
	api_acl_resolve(req, jobs_parse_allowed, data);
}

int api_routes_register(struct http_server *h, struct server *server,
                        struct client *client,
                        const struct api_agent_info *info)
{
	static const struct {
		const char *methods;
		const char *pattern;
		http_handler_fn fn;
	} routes[] = {
	    {"GET", "/v1/status/leader", route_status_leader},
	    {"GET", "/v1/status/peers", route_status_peers},
	    {"GET", "/v1/agent/self", route_agent_self},
	    {"GET", "/v1/agent/members", route_agent_members},
	    {"GET", "/v1/agent/health", route_agent_health},
	    {"GET", "/v1/operator/raft/configuration",
	     route_raft_configuration},
	    {"DELETE", "/v1/operator/raft/peer", route_raft_remove_peer},
	    {"GET", "/v1/jobs", route_jobs_list},
	    {"PUT|POST", "/v1/jobs", route_jobs_register},
	    {"PUT|POST", "/v1/jobs/parse", route_jobs_parse},
	    {"GET|PUT|POST|DELETE", "/v1/job/:id", route_job},
	    {"GET", "/v1/job/:id/versions", route_job_versions},
	    {"GET", "/v1/job/:id/evaluations", route_job_evals},
	    {"GET", "/v1/evaluations", route_evals},
	    {"GET", "/v1/evaluation/:id", route_eval},
	};
	api_ctx.server = server;
	api_ctx.info = info;
	api_backend_set(server, client);
	api_acl_set_ttl(info->acl_ttl_ns);
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		int rc = http_route(h, routes[i].methods, routes[i].pattern,
		                    routes[i].fn, NULL);
		if (rc != ERR_OK)
			return rc;
	}
	int rc = api_routes_acl_register(h, server);
	if (rc == ERR_OK)
		rc = api_routes_sched_register(h, server);
	if (rc == ERR_OK)
		rc = api_routes_client_register(h, client, server,
		                                info->http_addr);
	return rc;
}

void api_routes_release(void)
{
	api_acl_cache_clear();
	api_backend_set(NULL, NULL);
	api_ctx.server = NULL;
}

static void api_print_route(void *data, const char *method, const char *pattern)
{
	fprintf(data, "%s %s\n", method, pattern);
}

int api_routes_print(FILE *out)
{
	static const struct api_agent_info info = {
	    .name = "",
	    .region = "",
	    .datacenter = "",
	    .version = "",
	    .rpc_addr = "",
	    .http_addr = "",
	};
	struct http_server *h = NULL;
	uv_loop_t loop;
	int rc = uv_loop_init(&loop);
	if (rc == 0)
		rc = http_server_create(&loop, &h);
	if (rc == ERR_OK)
		rc = api_routes_register(h, NULL, NULL, &info);
	if (rc == ERR_OK)
		http_server_each_route(h, api_print_route, out);
	else
		fprintf(stderr, "registering routes: %s\n", err_str(rc));
	http_server_destroy(h);
	uv_loop_close(&loop);
	api_backend_set(NULL, NULL);
	return rc == ERR_OK ? 0 : 1;
}
