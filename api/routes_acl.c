/* api/routes_acl.c: Nomad's ACL and namespace routes (/v1/acl/bootstrap,
 * /v1/acl/policies, /v1/acl/policy/:name, /v1/acl/tokens, /v1/acl/token,
 * /v1/acl/token/self, /v1/acl/token/:accessor, /v1/namespaces,
 * /v1/namespace[/:name]) on the server's ACL.* and Namespace.* endpoints.
 *
 * The caller's token (X-Nomad-Token or Authorization: Bearer) travels as
 * the RPC's AuthToken; the endpoints decide (a client-only agent forwards
 * the call to its servers, api_dispatch). Errors keep Nomad's statuses:
 * 403 for "Permission denied" and an expired token, 400 for an unknown
 * or malformed token ("ACL token not found"), "ACL support disabled", a
 * refused bootstrap and invalid input, 404 for a missing object. Writes without
 * a reply object answer an empty body with X-Nomad-Index. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "api/routes_int.h"
#include "lib/mem.h"
#include "server/messages_acl.h"
#include "server/server.h"
#include "structs/structs.h"

/* ---- calling the server -------------------------------------------------- */

/* What a successful reply becomes: the JSON of `field` of the reply
 * decoded with s (NULL field: an empty body); a null field answers 404
 * with missing. first: answer the first element of an array field. */
struct acl_shape {
	const struct schema *s;
	const char *field;
	const char *missing;
	bool first;
};

struct acl_pending {
	struct http_req *req;
	const struct acl_shape *shape;
};

static bool acl_suffix(const char *msg, const char *suffix)
{
	size_t n = strlen(msg), k = strlen(suffix);
	return n >= k && strcmp(msg + n - k, suffix) == 0;
}

/* Nomad's statuses for the texts these endpoints answer. */
static int acl_status(const char *msg)
{
	static const char *const bad[] = {
	    "ACL support disabled",
	    "ACL bootstrap already done",
	    "Invalid bootstrap reset index",
	    "invalid acl token",
	    "Must specify",
	    "must specify",
	    "policy ",
	    "token invalid",
	    "Invalid namespace",
	    "Cannot ",
	    "expiration time",
	};
	if (acl_suffix(msg, "Permission denied") ||
	    acl_suffix(msg, "ACL token expired"))
		return 403;
	if (acl_suffix(msg, "ACL token not found"))
		return 400;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (strncmp(msg, bad[i], strlen(bad[i])) == 0)
			return 400;
	if (acl_suffix(msg, "not found"))
		return 404;
	return 500;
}

static void acl_meta(struct http_meta *meta, const struct rpc_meta *m)
{
	memset(meta, 0, sizeof *meta);
	if (m == NULL)
		return;
	meta->has_index = true;
	meta->index = m->index > 0 ? m->index : 1;
	meta->has_query_meta = true;
	meta->known_leader = m->known_leader;
	meta->last_contact_ms = m->last_contact_ms;
}

/* The shape's part of the decoded reply, a new reference (json null when
 * absent); NULL on oom. */
static json_t *acl_pick(const struct acl_shape *sh, const void *obj)
{
	json_t *whole = schema_json_encode(sh->s, obj), *part;
	if (whole == NULL)
		return NULL;
	part = json_object_get(whole, sh->field);
	if (sh->first)
		part = json_array_get(part, 0);
	part = part != NULL ? json_incref(part) : json_null();
	json_decref(whole);
	return part;
}

static void acl_answer(struct http_req *req, const struct acl_shape *sh,
                       const msgpack_object *reply,
                       const struct http_meta *meta)
{
	void *obj;
	json_t *j;
	if (sh->field == NULL) {
		http_respond_text(req, 200, "", meta);
		return;
	}
	obj = api_reply_decode(req, sh->s, reply);
	if (obj == NULL)
		return;
	j = acl_pick(sh, obj);
	api_obj_free(sh->s, obj);
	if (j != NULL && json_is_null(j) && sh->missing != NULL) {
		json_decref(j);
		http_respond_text(req, 404, sh->missing, meta);
		return;
	}
	api_reply_json(req, j, meta);
}

static void acl_replied(void *data, int status, const char *error,
                        const msgpack_object *reply, const struct rpc_meta *m)
{
	struct acl_pending p = *(struct acl_pending *)data;
	struct http_meta meta;
	mem_free(data);
	acl_meta(&meta, m);
	if (status != ERR_OK)
		http_respond_text(
		    p.req, 500, error != NULL ? error : err_str(status), NULL);
	else if (error != NULL)
		http_respond_text(p.req, acl_status(error), error, &meta);
	else
		acl_answer(p.req, p.shape, reply, &meta);
}

/* Runs method with args (encoded before this returns) for req. */
static void acl_call(struct server *srv, struct http_req *req,
                     const char *method, const struct schema *as,
                     const void *args, const struct acl_shape *shape)
{
	struct acl_pending *p;
	struct rpc_request r = {0};
	int rc;
	p = mem_calloc(1, sizeof *p);
	if (p == NULL) {
		http_respond_text(req, 500, "out of memory", NULL);
		return;
	}
	p->req = req;
	p->shape = shape;
	r.method = (char *)method;
	r.auth_token = (char *)req->token;
	r.region = (char *)http_query(req, "region");
	r.allow_stale = req->stale;
	r.consistent = req->consistent;
	r.min_query_index = req->index;
	r.max_query_time = req->wait_ns;
	rc = api_dispatch(srv, &r, as, args, acl_replied, p);
	if (rc != ERR_OK) {
		mem_free(p);
		api_dispatch_failed(req, rc);
	}
}

static const struct acl_shape shape_empty = {NULL, NULL, NULL, false};
static const struct acl_shape shape_token_written = {
    &acl_tokens_response_schema, "Tokens", NULL, true};
static const struct acl_shape shape_policies = {
    &acl_policy_list_response_schema, "Policies", NULL, false};
static const struct acl_shape shape_policy = {
    &single_acl_policy_response_schema, "Policy", "ACL policy not found",
    false};
static const struct acl_shape shape_tokens = {&acl_token_list_response_schema,
                                              "Tokens", NULL, false};
static const struct acl_shape shape_token = {
    &single_acl_token_response_schema, "Token", "ACL token not found", false};
static const struct acl_shape shape_namespaces = {
    &namespace_list_response_schema, "Namespaces", NULL, false};
static const struct acl_shape shape_namespace = {
    &single_namespace_response_schema, "Namespace", "Namespace not found",
    false};

/* Decodes the request body into the zeroed obj; false after answering
 * 400 (an empty body is allowed when optional). */
static bool acl_body(struct http_req *req, const struct schema *s, void *obj,
                     bool optional)
{
	json_t *j;
	bool ok;
	if (optional && req->body_len == 0)
		return true;
	j = api_body_json(req);
	if (j == NULL)
		return false;
	ok = api_body_decode(req, s, obj, j, "");
	json_decref(j);
	return ok;
}

/* ---- bootstrap and policies ------------------------------------------------
 */

static void route_acl_bootstrap(void *data, struct http_req *req)
{
	struct acl_bootstrap_request args = {0};
	if (!acl_body(req, &acl_bootstrap_request_schema, &args, true))
		return;
	args.reset_index = 0; /* the server reads its reset file */
	acl_call(data, req, "ACL.Bootstrap", &acl_bootstrap_request_schema,
	         &args, &shape_token_written);
	schema_release(&acl_bootstrap_request_schema, &args);
}

static void route_acl_policies(void *data, struct http_req *req)
{
	struct acl_specific_request args = {
	    .prefix = (char *)http_query(req, "prefix")};
	acl_call(data, req, "ACL.ListPolicies", &acl_specific_request_schema,
	         &args, &shape_policies);
}

static void route_acl_policy_write(struct server *srv, struct http_req *req)
{
	struct acl_policy p = {0};
	struct acl_policy_upsert_request args = {0};
	if (!acl_body(req, &acl_policy_schema, &p, false))
		return;
	if (p.name == NULL || p.name[0] == '\0') {
		p.name = mem_strdup(req->params[0]);
	} else if (strcmp(p.name, req->params[0]) != 0) {
		http_respond_text(
		    req, 400, "Policy name does not match request path", NULL);
		goto out;
	}
	args.policies.v = &p;
	args.policies.n = 1;
	acl_call(srv, req, "ACL.UpsertPolicies",
	         &acl_policy_upsert_request_schema, &args, &shape_empty);
out:
	schema_release(&acl_policy_schema, &p);
}

static void route_acl_policy(void *data, struct http_req *req)
{
	char *names[] = {(char *)req->params[0]};
	if (strcmp(req->method, "GET") == 0) {
		struct acl_specific_request args = {.name = names[0]};
		acl_call(data, req, "ACL.GetPolicy",
		         &acl_specific_request_schema, &args, &shape_policy);
	} else if (strcmp(req->method, "DELETE") == 0) {
		struct acl_names_request args = {.names = {names, 1}};
		acl_call(data, req, "ACL.DeletePolicies",
		         &acl_names_request_schema, &args, &shape_empty);
	} else {
		route_acl_policy_write(data, req);
	}
}

/* ---- tokens ----------------------------------------------------------------
 */

static void route_acl_tokens(void *data, struct http_req *req)
{
	struct acl_specific_request args = {
	    .prefix = (char *)http_query(req, "prefix")};
	char msg[256];
	if (!api_query_bool(req, "global", &args.global_only, msg,
	                    sizeof msg)) {
		http_respond_text(req, 400, msg, NULL);
		return;
	}
	acl_call(data, req, "ACL.ListTokens", &acl_specific_request_schema,
	         &args, &shape_tokens);
}

/* Create (accessor NULL) or update the token in the body. */
static void route_acl_token_write(struct server *srv, struct http_req *req,
                                  const char *accessor)
{
	struct acl_token t = {0};
	struct acl_token_upsert_request args = {0};
	if (!acl_body(req, &acl_token_schema, &t, false))
		return;
	if (accessor != NULL) {
		if (t.accessor_id != NULL && t.accessor_id[0] != '\0' &&
		    strcmp(t.accessor_id, accessor) != 0) {
			http_respond_text(req, 400,
			                  "ACL token accessor does not match "
			                  "request path",
			                  NULL);
			goto out;
		}
		mem_free(t.accessor_id);
		t.accessor_id = mem_strdup(accessor);
	}
	args.tokens.v = &t;
	args.tokens.n = 1;
	acl_call(srv, req, "ACL.UpsertTokens", &acl_token_upsert_request_schema,
	         &args, &shape_token_written);
out:
	schema_release(&acl_token_schema, &t);
}

static void route_acl_token_create(void *data, struct http_req *req)
{
	route_acl_token_write(data, req, NULL);
}

static void route_acl_token_self(void *data, struct http_req *req)
{
	struct acl_specific_request args = {.secret_id = (char *)req->token};
	acl_call(data, req, "ACL.ResolveToken", &acl_specific_request_schema,
	         &args, &shape_token);
}

static void route_acl_token(void *data, struct http_req *req)
{
	char *ids[] = {(char *)req->params[0]};
	if (strcmp(req->method, "GET") == 0) {
		struct acl_specific_request args = {.accessor_id = ids[0]};
		acl_call(data, req, "ACL.GetToken",
		         &acl_specific_request_schema, &args, &shape_token);
	} else if (strcmp(req->method, "DELETE") == 0) {
		struct acl_token_delete_request args = {
		    .accessor_ids = {ids, 1}};
		acl_call(data, req, "ACL.DeleteTokens",
		         &acl_token_delete_request_schema, &args, &shape_empty);
	} else {
		route_acl_token_write(data, req, ids[0]);
	}
}

/* ---- namespaces -----------------------------------------------------------
 */

static void route_namespaces(void *data, struct http_req *req)
{
	struct acl_specific_request args = {
	    .prefix = (char *)http_query(req, "prefix")};
	acl_call(data, req, "Namespace.ListNamespaces",
	         &acl_specific_request_schema, &args, &shape_namespaces);
}

/* PUT /v1/namespace[/:name]: the body's Name must match the path. */
static void route_namespace_write(struct server *srv, struct http_req *req,
                                  const char *name)
{
	struct namespace ns = {0};
	struct namespace_upsert_request args = {0};
	if (!acl_body(req, &namespace_schema, &ns, false))
		return;
	if (name != NULL && (ns.name == NULL || ns.name[0] == '\0')) {
		ns.name = mem_strdup(name);
	} else if (name != NULL && strcmp(ns.name, name) != 0) {
		http_respond_text(req, 400,
		                  "Namespace name does not match request path",
		                  NULL);
		goto out;
	}
	args.namespaces.v = &ns;
	args.namespaces.n = 1;
	acl_call(srv, req, "Namespace.UpsertNamespaces",
	         &namespace_upsert_request_schema, &args, &shape_empty);
out:
	schema_release(&namespace_schema, &ns);
}

static void route_namespace_create(void *data, struct http_req *req)
{
	route_namespace_write(data, req, NULL);
}

static void route_namespace(void *data, struct http_req *req)
{
	char *names[] = {(char *)req->params[0]};
	if (strcmp(req->method, "GET") == 0) {
		struct acl_specific_request args = {.name = names[0]};
		acl_call(data, req, "Namespace.GetNamespace",
		         &acl_specific_request_schema, &args, &shape_namespace);
	} else if (strcmp(req->method, "DELETE") == 0) {
		struct acl_names_request args = {.namespaces = {names, 1}};
		acl_call(data, req, "Namespace.DeleteNamespaces",
		         &acl_names_request_schema, &args, &shape_empty);
	} else {
		route_namespace_write(data, req, names[0]);
	}
}

int api_routes_acl_register(struct http_server *h, struct server *server)
{
	static const struct {
		const char *methods;
		const char *pattern;
		http_handler_fn fn;
	} routes[] = {
	    {"PUT|POST", "/v1/acl/bootstrap", route_acl_bootstrap},
	    {"GET", "/v1/acl/policies", route_acl_policies},
	    {"GET|PUT|POST|DELETE", "/v1/acl/policy/:name", route_acl_policy},
	    {"GET", "/v1/acl/tokens", route_acl_tokens},
	    {"PUT|POST", "/v1/acl/token", route_acl_token_create},
	    {"GET", "/v1/acl/token/self", route_acl_token_self},
	    {"GET|PUT|POST|DELETE", "/v1/acl/token/:accessor", route_acl_token},
	    {"GET", "/v1/namespaces", route_namespaces},
	    {"PUT|POST", "/v1/namespace", route_namespace_create},
	    {"GET|PUT|POST|DELETE", "/v1/namespace/:name", route_namespace},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		int rc = http_route(h, routes[i].methods, routes[i].pattern,
		                    routes[i].fn, server);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}
