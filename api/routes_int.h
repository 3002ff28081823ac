/* api/routes_int.h: what the route files share (api/routes_call.c): run a
 * server RPC for an HTTP request and turn its msgpack reply into Nomad's
 * JSON answer. Used by api/routes_nodes.c and api/routes_plan.c; the
 * routes in api/routes.c have their own copies of the same steps. */
#ifndef STEPPE_API_ROUTES_INT_H
#define STEPPE_API_ROUTES_INT_H

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>

#include "api/http.h"
#include "structs/schema.h"

struct server;

/* Called once with the reply of a successful RPC; must answer req. */
typedef void (*api_reply_fn)(void *data, struct http_req *req,
                             const msgpack_object *reply,
                             const struct http_meta *meta);

/* Runs method with args (encoded before this returns, so args may be
 * released at once) on srv for req: the request's token, region,
 * namespace, index/wait, stale and consistent options go along. An RPC
 * error is answered here with Nomad's status for its text (403 for
 * "Permission denied", 404 for "... not found", else 500); a success
 * calls fn(data, req, reply, meta) exactly once, possibly before this
 * returns. min_index_off: send no index/wait (a follow-up call of a
 * blocking query that already waited). Returns false when the call could
 * not start: req is answered (500, or 501 without a server) and fn never
 * runs, so the caller still owns data. */
bool api_call(struct server *srv, struct http_req *req, const char *method,
              const struct schema *as, const void *args, bool min_index_off,
              api_reply_fn fn, void *data);

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

struct acl;
/* The caller's compiled ACL (its X-Nomad-Token / Bearer token), for
 * routes answered by the agent itself rather than a server endpoint;
 * NULL after answering req (403 for an unknown or expired token, 501
 * without a server). Release with acl_release (api/routes_acl.c). */
struct acl *api_acl_caller(struct server *srv, struct http_req *req);

/* Registers the plan, scale and per-job/per-eval allocation routes
 * (api/routes_plan.c); data of each route is srv. */
int api_routes_plan_register(struct http_server *h, struct server *srv);

#endif
