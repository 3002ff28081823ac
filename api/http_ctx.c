/* api/http_ctx.c: the request object (struct http_ctx): creation, references,
 * the suspended answer and the disconnect watch (see http_int.h for who holds
 * which reference).
 *
 * libmicrohttpd does not watch a suspended connection's socket, so a
 * client leaving during a blocking query would go unnoticed until the
 * answer. While a request is held we poll its socket for a hang-up on the
 * uv loop (epoll allows the same fd in two epoll sets); on one we mark the
 * request abandoned and resume the connection without an answer, which
 * makes MHD close it (freeing the socket and the connection slot at once,
 * not when a 5-minute blocking query ends). A client that only
 * half-closes (shutdown of its write side) looks the same and is treated
 * as gone, as nginx and Go's net/http do. The poll is closed before the
 * connection is resumed, so it never outlives the socket. */
#include <string.h>
#include <strings.h>

#include "api/http_int.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"

struct http_ctx *http_ctx_new(struct http_server *s,
                              struct MHD_Connection *conn, const char *uri)
{
	struct http_ctx *r = mem_calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->uri = mem_strdup(uri != NULL ? uri : "");
	if (r->uri == NULL) {
		mem_free(r);
		return NULL;
	}
	r->s = s;
	r->conn = conn;
	r->refs = 1; /* the connection's */
	r->start_ns = stime_mono_ns();
	r->pub.method = "";
	r->pub.path = "";
	r->pub.body = "";
	r->pub.remote = r->remote;
	buf_init(&r->body);
	r->next = s->live;
	if (s->live != NULL)
		s->live->prev = r;
	s->live = r;
	return r;
}

static void http_ctx_free(struct http_ctx *r)
{
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	buf_release(&r->body);
	mem_free(r->uri);
	mem_free(r->method);
	mem_free(r->path);
	mem_free(r->token);
	mem_free(r->segstore);
	mem_free(r->segs);
	mem_free(r->segraw);
	mem_free(r->rest);
	mem_free(r->qstore);
	mem_free(r->qnames);
	mem_free(r->qvals);
	mem_free(r->hstore);
	mem_free(r->hnames);
	mem_free(r->hvals);
	mem_free(r);
}

void http_ctx_unref(struct http_ctx *r)
{
	if (--r->refs == 0)
		http_ctx_free(r);
}

static void http_pending_remove(struct http_server *s, struct http_ctx *r)
{
	struct http_ctx **pp = &s->pending_head, *prev = NULL;
	for (; *pp != NULL; prev = *pp, pp = &(*pp)->next_pending) {
		if (*pp != r)
			continue;
		*pp = r->next_pending;
		if (s->pending_tail == r)
			s->pending_tail = prev;
		r->next_pending = NULL;
		return;
	}
}

/* The connection is gone (MHD completed it): forget the server. */
void http_ctx_detach(struct http_ctx *r)
{
	struct http_server *s = r->s;
	if (s == NULL)
		return;
	if (r->state == HTTP_REQ_PENDING)
		http_pending_remove(s, r);
	http_ctx_unwatch(r);
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		s->live = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	if (!r->answered)
		r->abandoned = true;
	r->s = NULL;
	r->conn = NULL;
}

void http_ctx_answer(struct http_ctx *r, unsigned status,
                     struct MHD_Response *resp)
{
	struct http_server *s = r->s;
	bool suspended =
	    r->state == HTTP_REQ_PENDING || r->state == HTTP_REQ_HELD;
	if (s == NULL || r->answered || !suspended) {
		if (resp != NULL)
			MHD_destroy_response(resp);
		return;
	}
	if (r->state == HTTP_REQ_PENDING)
		http_pending_remove(s, r);
	http_ctx_unwatch(r);
	r->answered = true;
	r->resp = resp;
	r->status = status;
	r->state = HTTP_REQ_RESUMED;
	MHD_resume_connection(r->conn);
	http_server_kick(s);
}

static void http_watch_closed(uv_handle_t *h)
{
	http_ctx_unref(h->data);
}

void http_ctx_unwatch(struct http_ctx *r)
{
	if (!r->watching)
		return;
	r->watching = false;
	uv_close((uv_handle_t *)&r->watch, http_watch_closed);
}

/* The client hung up while its request was held. */
static void http_watch_fired(uv_poll_t *h, int status, int events)
{
	struct http_ctx *r = h->data;
	struct http_server *s = r->s;
	if (status == 0 && (events & UV_DISCONNECT) == 0)
		return;
	http_ctx_unwatch(r);
	if (s == NULL || r->state != HTTP_REQ_HELD)
		return;
	LOG_DEBUG(HTTP_LOG, "client went away: method=%s remote=%s",
	          r->pub.method, r->remote);
	r->abandoned = true;
	r->state = HTTP_REQ_RESUMED; /* no answer: MHD closes it */
	MHD_resume_connection(r->conn);
	http_server_kick(s);
}

void http_ctx_watch(struct http_ctx *r)
{
	const union MHD_ConnectionInfo *ci;
	if (r->watching || r->s == NULL || r->state != HTTP_REQ_HELD)
		return;
	ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || uv_poll_init(r->s->loop, &r->watch, ci->connect_fd))
		return; /* no early notice; the answer still works */
	r->watch.data = r;
	r->watching = true;
	r->refs++;
	uv_poll_start(&r->watch, UV_DISCONNECT, http_watch_fired);
}

bool http_req_abandoned(const struct http_req *req)
{
	return ((const struct http_ctx *)req)->abandoned;
}

const char *http_header(const struct http_req *req, const char *name)
{
	const struct http_ctx *r = (const struct http_ctx *)req;
	for (size_t i = 0; i < r->nh; i++)
		if (strcasecmp(r->hnames[i], name) == 0)
			return r->hvals[i];
	return NULL;
}

const char *http_raw_target(const struct http_req *req)
{
	return ((const struct http_ctx *)req)->uri;
}

uv_loop_t *http_req_loop(const struct http_req *req)
{
	const struct http_ctx *r = (const struct http_ctx *)req;
	return r->s != NULL ? r->s->loop : NULL;
}
