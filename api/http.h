/* api/http.h: the HTTP server every agent runs (libmicrohttpd driven from
 * the agent's uv loop), with a router and Nomad's request conventions.
 *
 * libmicrohttpd runs in "external select" mode through its epoll fd
 * (MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME): a uv_poll on that fd and a
 * uv_timer for MHD's timeouts call MHD_run on the loop thread. Every
 * request is answered asynchronously: the router calls the handler once
 * the whole body has arrived; the connection is suspended until the
 * handler calls one of the http_respond_* functions (now or later, e.g.
 * after an RPC or a blocking query), then resumed, and MHD_run is called
 * again so the answer goes out at once. This folder is the only home of
 * libmicrohttpd.
 *
 * Nomad conventions handled here: the token comes from X-Nomad-Token, or
 * else `Authorization: Bearer <token>`; query parameters are parsed once;
 * `index`, `wait`, `stale`, `consistent`, `prefix`, `namespace`, `region`,
 * `pretty` are validated (400 "Invalid index", "Invalid wait time", ...);
 * request bodies larger than the limit get 413; unknown paths 404 with an
 * empty body; a known path with another method 405 "Invalid method";
 * errors are text/plain, JSON is application/json; `?pretty` indents. */
#ifndef STEPPE_API_HTTP_H
#define STEPPE_API_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lib/buf.h"
#include "lib/err.h"

#define HTTP_DEFAULT_PORT 4646
#define HTTP_MAX_BODY     (32u * 1024 * 1024)
#define HTTP_MAX_WAIT_NS  (300LL * 1000000000LL) /* Nomad clamps to 5 min */

struct http_server;

/* One request. Valid from the handler call until it is answered. */
struct http_req {
	void *data;            /* free for the handler */
	const char *method;    /* "GET", "PUT", ... */
	const char *path;      /* "/v1/job/web" (decoded) */
	const char *params[4]; /* route captures (":id" ...), in order */
	size_t nparams;
	const char *token;  /* NULL when none was sent */
	const char *remote; /* "ip:port" */
	const char *body;   /* NUL-terminated; "" when none */
	size_t body_len;
	/* Parsed common query options. */
	uint64_t index;  /* ?index, 0 when absent */
	int64_t wait_ns; /* ?wait, clamped; 0 when absent */
	bool stale;
	bool consistent;
	bool pretty;
};

/* Response metadata: X-Nomad-Index (when has_index), X-Nomad-KnownLeader
 * and X-Nomad-LastContact (when has_query_meta). */
struct http_meta {
	bool has_index;
	uint64_t index;
	bool has_query_meta;
	bool known_leader;
	int64_t last_contact_ms;
};

typedef void (*http_handler_fn)(void *data, struct http_req *req);

/* Creates a server on loop. */
int http_server_create(uv_loop_t *loop, struct http_server **out);
/* Adds a route. pattern is a path with ":name" segments ("/v1/job/:id")
 * and an optional last segment "*" capturing the rest of the path, as in
 * "/v1/client/fs/cat/" followed by "*";
 * method is "GET", "PUT", "POST", "DELETE" or "PUT|POST" style lists.
 * Exact routes win over patterns; longer literal prefixes win. */
int http_route(struct http_server *s, const char *methods, const char *pattern,
               http_handler_fn fn, void *data);
/* Calls fn once per method of every route, in registration order, with
 * the pattern as registered ("/v1/job/:id"). For `steppe agent -routes`. */
void http_server_each_route(const struct http_server *s,
                            void (*fn)(void *data, const char *method,
                                       const char *pattern),
                            void *data);
/* Binds and listens on "ip:port". */
int http_server_listen(struct http_server *s, const char *addr, struct err *e);
/* The bound port (useful after listening on port 0). */
int http_server_port(const struct http_server *s);
/* Stops accepting, answers held requests with 503 "agent shutting down",
 * lets those answers go out (bounded by a short grace period), closes
 * every connection and uv handle; cb fires when all is closed (at once
 * when the server never listened); then http_server_destroy. May be
 * called from a handler. A handler still holding a request answered this
 * way must still call its one http_respond_* (the answer is dropped). */
void http_server_stop(struct http_server *s, void (*cb)(void *data),
                      void *data);
/* Frees the server: after stop's cb, or when it never listened (NULL is
 * fine). Called too early it logs an error and leaks rather than free
 * memory live uv handles point to. */
void http_server_destroy(struct http_server *s);
/* Test hook: the body limit (default HTTP_MAX_BODY); a larger body gets
 * 413 "Request body too large" and never reaches the handler. */
void http_server_set_max_body(struct http_server *s, size_t max);

/* The raw request target ("/v1/x?y=z"), as received. */
const char *http_raw_target(const struct http_req *req);
/* The loop the server runs on (for handlers that open their own
 * handles). */
uv_loop_t *http_req_loop(const struct http_req *req);
/* Frees p (mem_free) when s is destroyed: route data that lives as long
 * as the routes. */
void http_server_keep(struct http_server *s, void *p);

/* Query parameter lookup: NULL when absent; "" for a bare `?stale`. */
const char *http_query(const struct http_req *req, const char *name);
/* Every value of a repeated parameter (?address=a&address=b). */
size_t http_query_all(const struct http_req *req, const char *name,
                      const char **out, size_t max);
/* A request header, case-insensitive name; NULL when absent. */
const char *http_header(const struct http_req *req, const char *name);

/* Answers. Exactly one per request; the request is freed afterwards.
 * http_respond_json takes ownership of j (json_decref'd). */
void http_respond_json(struct http_req *req, int status, json_t *j,
                       const struct http_meta *meta);
void http_respond_text(struct http_req *req, int status, const char *text,
                       const struct http_meta *meta);
/* status 0 picks Nomad's mapping for an error code (ERR_NOTFOUND 404,
 * ERR_DENIED 403, ERR_INVAL/ERR_PARSE/ERR_DECODE 400, ERR_CONFLICT 409,
 * ERR_TOOBIG 413, everything else 500). */
void http_respond_error(struct http_req *req, int status, int code,
                        const char *msg);

/* ---- streamed answers ---------------------------------------------------- */

struct http_stream;
/* The connection is finished (client gone, server stopping) before the
 * producer ended the stream: stop producing and call http_stream_end. */
typedef void (*http_stream_close_fn)(void *data);

/* Answers req with status and a body streamed by the producer (HTTP/1.1
 * chunked, or until close for HTTP/1.0). Returns the stream, or NULL
 * after answering 500 (on_close never fires then). The producer owns one
 * reference until http_stream_end. */
struct http_stream *http_respond_stream(struct http_req *req, int status,
                                        const char *ctype,
                                        const struct http_meta *meta,
                                        http_stream_close_fn on_close,
                                        void *data);
/* Appends to the body; the connection wakes to send it. ERR_CLOSED once
 * the connection is gone, ERR_TOOBIG when more than 8 MB wait unsent. */
int http_stream_write(struct http_stream *st, const void *data, size_t n);
/* Bytes written but not yet handed to the connection. */
size_t http_stream_pending(const struct http_stream *st);
bool http_stream_closed(const struct http_stream *st);
/* No more data: the body ends once the buffer drains. Drops the
 * producer's reference (st may be freed). */
void http_stream_end(struct http_stream *st);

/* True once the answer will be dropped: the client went away (a held
 * request's socket is watched for a hang-up) or the server stopping
 * answered it already. Still answer it: the answer frees the request. */
bool http_req_abandoned(const struct http_req *req);

#endif
