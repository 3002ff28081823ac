/* api/http_int.h: private to api/http*.c. The server, its routes and the
 * request object behind every struct http_req.
 *
 * Request ownership (a reference count, because three parties may outlive
 * each other):
 *   - the connection: taken when MHD reports the request line (URI log
 *     callback), dropped in MHD's "request completed" notification;
 *   - the handler: taken just before the handler is called, dropped by the
 *     one http_respond_* call;
 *   - the disconnect watch (a uv_poll on the socket while the request is
 *     held): dropped in the poll handle's close callback.
 * The request is freed when the last one goes. A request whose connection
 * is gone (client left, server stopped) is "detached": s and conn are
 * NULL, abandoned is set, and the handler's answer is dropped. */
#ifndef STEPPE_API_HTTP_INT_H
#define STEPPE_API_HTTP_INT_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "api/http.h"
#include "lib/buf.h"

#define HTTP_LOG "http"
/* Longer than the longest blocking wait (5 min) plus jitter. */
#define HTTP_CONN_TIMEOUT_S 900u
/* How long http_server_stop lets 503 answers and uploads drain. */
#define HTTP_STOP_GRACE_MS 2000u
#define HTTP_MAX_PARAMS    4
/* Most of a declared body reserved before it arrives. */
#define HTTP_BODY_RESERVE (1024u * 1024u)

enum http_seg_kind {
	HTTP_SEG_LIT = 0, /* more specific kinds sort first */
	HTTP_SEG_PARAM,
	HTTP_SEG_REST,
};

struct http_seg {
	enum http_seg_kind kind;
	const char *lit; /* points into http_route_ent.pattern */
};

struct http_route_ent {
	struct http_route_ent *next;
	unsigned methods; /* HTTP_M_* bits */
	char *pattern;    /* copy, split in place into segs */
	struct http_seg *segs;
	size_t nsegs;
	http_handler_fn fn;
	void *data;
};

enum http_req_state {
	HTTP_REQ_NEW,     /* request line seen, headers not yet */
	HTTP_REQ_READING, /* routed; receiving the body */
	HTTP_REQ_DIRECT,  /* answered from the access callback itself */
	HTTP_REQ_PENDING, /* suspended, waiting for dispatch to the handler */
	HTTP_REQ_HELD,    /* suspended, the handler owns the answer */
	HTTP_REQ_RESUMED, /* resumed; the answer (or a close) is next */
	HTTP_REQ_SENT,    /* the answer was queued to MHD */
};

struct http_ctx {
	struct http_req pub;   /* first: handlers hold a pointer to this */
	struct http_server *s; /* NULL once detached */
	struct MHD_Connection *conn; /* NULL once detached */
	int refs;
	enum http_req_state state;
	bool answered;  /* an answer was given to the connection */
	bool abandoned; /* an answer from the handler will be dropped */
	bool too_big;
	bool body_oom;
	bool watching;
	struct http_ctx *prev, *next; /* s->live */
	struct http_ctx *next_pending;
	const struct http_route_ent *route;
	int64_t start_ns;
	unsigned status;           /* for the log line */
	struct MHD_Response *resp; /* answer waiting for the resumed call */
	char *uri;                 /* raw request target */
	char *method;
	char *path; /* decoded */
	char *token;
	char remote[64];
	/* Decoded path segments (split in place), with each one's offset in
	 * the raw path for the wildcard capture. */
	char *segstore;
	const char **segs;
	size_t *segraw;
	size_t nsegs;
	bool path_ok; /* raw path starts with '/' */
	char *rest;   /* decoded wildcard capture */
	/* Query pairs (decoded in place) and a copy of the headers. */
	char *qstore;
	const char **qnames, **qvals;
	size_t nq;
	char *hstore;
	const char **hnames, **hvals;
	size_t nh;
	struct buf body;
	uv_poll_t watch;
};

struct http_server {
	uv_loop_t *loop;
	struct MHD_Daemon *daemon;
	struct http_route_ent *routes, **routes_tail;
	size_t max_body;
	int port;
	uv_poll_t poll;   /* MHD's epoll fd */
	uv_timer_t timer; /* MHD's next timeout */
	uv_timer_t grace; /* bound on the stop drain */
	int closing;      /* uv handles still closing */
	bool driving;     /* inside http_server_drive */
	bool rerun;       /* run MHD again before leaving it */
	bool stopping;
	struct http_ctx *live; /* requests with a connection */
	struct http_ctx *pending_head, *pending_tail;
	struct http_stream *streams; /* streamed answers in flight */
	void **kept; /* http_server_keep */
	size_t nkept;
	void (*stop_cb)(void *data);
	void *stop_data;
};

/* http_server.c */
/* Runs MHD (again while anything asks for it), dispatches pending
 * requests to their handlers, re-arms the timer, and finishes a stop once
 * nothing is live. Safe to call from a handler: nested calls only ask the
 * running one for another round. */
void http_server_drive(struct http_server *s);
/* Asks for a drive soon: at once when already driving (rerun), else on
 * the next loop turn, never synchronously. */
void http_server_kick(struct http_server *s);

/* http_conn.c: MHD callbacks. */
void *http_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);
enum MHD_Result http_on_access(void *cls, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **con_cls);
void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                       enum MHD_RequestTerminationCode toe);
/* Calls the handler of every pending request (outside MHD_run). */
void http_dispatch_pending(struct http_server *s);
/* Answers every pending or held request with 503 (server stopping). */
void http_shutdown_requests(struct http_server *s);

/* http_ctx.c: the request object. */
struct http_ctx *http_ctx_new(struct http_server *s,
                              struct MHD_Connection *conn, const char *uri);
void http_ctx_unref(struct http_ctx *r);
/* Resumes a suspended request with resp (may be NULL: the connection is
 * then closed) and runs MHD. Marks it answered. Takes resp. */
void http_ctx_answer(struct http_ctx *r, unsigned status,
                     struct MHD_Response *resp);
/* Starts/stops watching the held request's socket for a disconnect. */
void http_ctx_watch(struct http_ctx *r);
void http_ctx_unwatch(struct http_ctx *r);
void http_ctx_detach(struct http_ctx *r);

/* http_router.c */
#define HTTP_M_GET     (1u << 0)
#define HTTP_M_HEAD    (1u << 1)
#define HTTP_M_POST    (1u << 2)
#define HTTP_M_PUT     (1u << 3)
#define HTTP_M_DELETE  (1u << 4)
#define HTTP_M_PATCH   (1u << 5)
#define HTTP_M_OPTIONS (1u << 6)
/* The bit for a method name; 0 for an unknown one. */
unsigned http_method_bit(const char *method);
/* Routes r (its segs must be parsed): 0 and *out, or 404 / 405. Fills
 * r->pub.params (allocating r->rest for a wildcard); ERR_NOMEM-free
 * failures are reported as 500. */
int http_router_match(const struct http_server *s, struct http_ctx *r,
                      const struct http_route_ent **out);
void http_routes_free(struct http_server *s);

/* http_uri.c */
/* Decodes %XX (and '+' as a space when plus) in place; -1 on a bad escape
 * or an encoded NUL. */
int http_pct_decode(char *s, bool plus);
/* Splits r->uri into decoded path segments, the decoded path and the query
 * pairs. ERR_NOMEM, ERR_INVAL (bad escape in the path) or 0. */
int http_uri_parse(struct http_ctx *r);
/* Validates the common query options into r->pub; NULL or the 400 text. */
const char *http_parse_options(struct http_ctx *r);

/* http_stream.c: ends every streamed answer (server stopping). */
void http_streams_shutdown(struct http_server *s);

/* http_respond.c */
/* A response with body (mem_malloc'd, taken; NULL for an empty body),
 * Content-Type ctype (NULL for none) and meta headers; NULL on OOM. */
struct MHD_Response *http_response_new(char *body, size_t len,
                                       const char *ctype,
                                       const struct http_meta *meta);
/* A text/plain response with a copy of text. NULL on OOM. */
struct MHD_Response *http_response_text(const char *text);
void http_log_complete(const struct http_ctx *r, unsigned status);

#endif
