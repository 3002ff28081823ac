/* api/routes_int.h: what the route files share: run a server RPC for an
 * HTTP request (in-process on a server agent, through the client's
 * servers on a client-only agent; api/routes_call.c) and turn its msgpack
 * reply into Nomad's JSON answer, and resolve the caller's ACL for the
 * routes an agent answers itself (api/acl_agent.c). */
#ifndef STEPPE_API_ROUTES_INT_H
#define STEPPE_API_ROUTES_INT_H

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>

#include "api/http.h"
#include "structs/schema.h"

struct server;
struct client;
struct rpc_request;
struct rpc_meta;

/* ---- the agent's roles (api/routes_call.c) ------------------------------ */

/* Set once by api_routes_register, before any request: the server and/or
 * client this agent runs (either may be NULL). */
void api_backend_set(struct server *srv, struct client *client);
struct server *api_backend_server(void);
struct client *api_backend_client(void);

/* Runs an RPC for the HTTP API with the caller's envelope r (its token
 * as AuthToken): in-process through srv (NULL: the agent's server) on a
 * server agent, else forwarded to a server by the agent's client. The
 * contract of server_call: cb fires once unless this returns an error;
 * ERR_UNSUPPORTED when the agent has neither role. */
int api_dispatch(struct server *srv, const struct rpc_request *r,
                 const struct schema *as, const void *args,
                 void (*cb)(void *data, int status, const char *error,
                            const msgpack_object *reply,
                            const struct rpc_meta *meta),
                 void *data);
/* Answers req for an api_dispatch error (501, 503 or 500). */
void api_dispatch_failed(struct http_req *req, int rc);

/* Nomad's HTTP status for an RPC's error text: 403 "Permission denied"
 * and "ACL token expired", 400 "ACL token not found" (unknown or
 * malformed token) and "ACL support disabled", 404 "... not found", 400
 * for a failed job modify index check, else 500. */
int api_error_status(const char *msg);

/* Called once with the reply of a successful RPC; must answer req. */
typedef void (*api_reply_fn)(void *data, struct http_req *req,
                             const msgpack_object *reply,
                             const struct http_meta *meta);

/* Runs method with args (encoded before this returns, so args may be
 * released at once) through api_dispatch (srv, or the agent's client) for
 * req: the request's token, region, namespace, index/wait, stale and
 * consistent options go along. An RPC error is answered here with
 * api_error_status; a success calls fn(data, req, reply, meta) exactly
 * once, possibly before this returns. min_index_off: send no index/wait
 * (a follow-up call of a blocking query that already waited). Returns
 * false when the call could not start: req is answered
 * (api_dispatch_failed) and fn never runs, so the caller still owns
 * data. */
bool api_call(struct server *srv, struct http_req *req, const char *method,
              const struct schema *as, const void *args, bool min_index_off,
              api_reply_fn fn, void *data);
/* api_call for data the caller allocated: drop(data) runs whenever fn
 * will not (an RPC error, or the call could not start), so data never
 * leaks; fn owns data when it runs. */
bool api_call_owned(struct server *srv, struct http_req *req,
                    const char *method, const struct schema *as,
                    const void *args, bool min_index_off, api_reply_fn fn,
                    void (*drop)(void *data), void *data);

/* How to answer with a decoded reply: the JSON of `field` of the reply
 * decoded with `s` (field NULL: the whole reply). A null field answers 404
 * with `missing` (NULL: answers null). `clear`, when set, names a key set
 * to null in each element of the answer (an array). */
struct api_shape {
	const struct schema *s;
	const char *field;
	const char *missing;
	const char *clear;
};

/* api_call answering through shape (which must outlive the call: use
 * static descriptors). */
void api_call_shaped(struct server *srv, struct http_req *req,
                     const char *method, const struct schema *as,
                     const void *args, const struct api_shape *shape);

/* Decodes reply with s into a new object the caller frees with
 * api_obj_free. On failure answers req (500) and returns NULL. */
void *api_reply_decode(struct http_req *req, const struct schema *s,
                       const msgpack_object *reply);
void api_obj_free(const struct schema *s, void *obj);

/* Answers 200 with j (taken; NULL answers 500 "out of memory"). */
void api_reply_json(struct http_req *req, json_t *j,
                    const struct http_meta *meta);

/* Parses req's body as JSON: a new reference, or NULL after answering
 * 400 ("Request body is empty", or the syntax error with its position). */
json_t *api_body_json(struct http_req *req);
/* Decodes j into the zeroed obj with s; on error answers 400 with the
 * message naming the field (path is its prefix, "" for none) and returns
 * false (obj released). */
bool api_body_decode(struct http_req *req, const struct schema *s, void *obj,
                     const json_t *j, const char *path);

/* Go's strconv.ParseBool of the query parameter name: *out is set when the
 * parameter is present and valid; returns false when present and
 * invalid, with Nomad's message in msg ("Failed to parse value of
 * \"resources\" (x) as a bool: ..."). */
bool api_query_bool(const struct http_req *req, const char *name, bool *out,
                    char *msg, size_t msg_size);

/* ---- the caller's ACL (api/acl_agent.c) --------------------------------- */

struct acl;
/* Receives the caller's compiled ACL: one reference, released by the
 * callee with acl_release. */
typedef void (*api_acl_fn)(void *data, struct http_req *req, struct acl *acl);

/* Resolves req's token (X-Nomad-Token or Bearer; none is the anonymous
 * caller) for a route the agent answers itself, then calls fn (possibly
 * before this returns). A server agent resolves in-process
 * (server_acl_resolve); a client-only agent asks its servers
 * (ACL.ResolveToken, then ACL.GetPolicy for each of the token's policies,
 * with the caller's token) and keeps the compiled ACL for a while
 * (api_acl_set_ttl; never past the token's expiry; errors are not
 * kept). With ACLs off (the servers
 * say "ACL support disabled") the ACL is acl_management(). On failure req
 * is answered and fn never runs: 400 "ACL token not found" for an unknown
 * or malformed token, 403 "ACL token expired", 500 when the servers
 * cannot be asked. Loop thread. */
void api_acl_resolve(struct http_req *req, api_acl_fn fn, void *data);

/* How long a client-only agent keeps a resolved ACL (0: not at all). */
void api_acl_set_ttl(int64_t ttl_ns);
/* Drops the client-side cache (agent shutting down; tests). */
void api_acl_cache_clear(void);

/* Registers the plan, scale and per-job/per-eval allocation routes
 * (api/routes_plan.c); data of each route is srv. */
int api_routes_plan_register(struct http_server *h, struct server *srv);

#endif
