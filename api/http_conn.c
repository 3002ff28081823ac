/* api/http_conn.c: the libmicrohttpd callbacks of one request's life.
 *
 * URI log callback: the request object is born (raw target kept).
 * First access call (headers in): copy what the handler may read after
 * the connection is gone, route, validate the query options, check the
 * declared body size. 404/405/400/413 are answered right there.
 * Upload calls: the body accumulates up to the server's limit; beyond it
 * the rest is discarded and the final call answers 413.
 * Final call: the connection is suspended and queued for dispatch; the
 * handler is called after MHD_run returns (never inside it).
 * Resumed call: the stored answer is queued, or MHD_NO closes the
 * connection of an abandoned request.
 * Completed notification: the connection's reference is dropped. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/http_int.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/mem.h"

void *http_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	return http_ctx_new(cls, conn, uri);
}

struct http_hdr_walk {
	struct http_ctx *r;
	size_t n, bytes;
	char *w;
};

static enum MHD_Result http_hdr_measure(void *cls, enum MHD_ValueKind kind,
                                        const char *key, const char *value)
{
	struct http_hdr_walk *hw = cls;
	(void)kind;
	hw->n++;
	hw->bytes += strlen(key) + strlen(value != NULL ? value : "") + 2;
	return MHD_YES;
}

static enum MHD_Result http_hdr_copy(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
	struct http_hdr_walk *hw = cls;
	struct http_ctx *r = hw->r;
	size_t kn = strlen(key) + 1, vn = strlen(value != NULL ? value : "");
	(void)kind;
	if (r->nh == hw->n)
		return MHD_NO;
	r->hnames[r->nh] = memcpy(hw->w, key, kn);
	hw->w += kn;
	r->hvals[r->nh] = memcpy(hw->w, value != NULL ? value : "", vn);
	hw->w[vn] = '\0';
	hw->w += vn + 1;
	r->nh++;
	return MHD_YES;
}

static int http_copy_headers(struct http_ctx *r)
{
	struct http_hdr_walk hw = {.r = r};
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, http_hdr_measure,
	                          &hw);
	r->hstore = mem_malloc(hw.bytes + 1);
	r->hnames = mem_calloc(hw.n + 1, sizeof(*r->hnames));
	r->hvals = mem_calloc(hw.n + 1, sizeof(*r->hvals));
	if (r->hstore == NULL || r->hnames == NULL || r->hvals == NULL)
		return ERR_NOMEM;
	hw.w = r->hstore;
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, http_hdr_copy, &hw);
	return 0;
}

/* s[0..*n) without surrounding white space. */
static const char *http_trim(const char *s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)*s))
		s++, (*n)--;
	while (*n > 0 && isspace((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

/* Nomad's parseToken: X-Nomad-Token (trimmed) wins; else the first word
 * after "Bearer " in Authorization. An empty token counts as none.
 * Returns ERR_NOMEM or 0. */
static int http_parse_token(struct http_ctx *r)
{
	const char *v = http_header(&r->pub, "X-Nomad-Token"), *tok = NULL;
	size_t n = 0;
	if (v != NULL && *v != '\0') {
		tok = v;
		n = strlen(v);
	} else if ((v = http_header(&r->pub, "Authorization")) != NULL &&
	           strncasecmp(v, "bearer ", 7) == 0) {
		tok = v + 7;
		while (isspace((unsigned char)*tok))
			tok++;
		n = strcspn(tok, " ");
	}
	if (tok == NULL)
		return 0;
	tok = http_trim(tok, &n);
	if (n == 0)
		return 0;
	r->token = mem_strndup(tok, n);
	if (r->token == NULL)
		return ERR_NOMEM;
	r->pub.token = r->token;
	return 0;
}

static void http_format_remote(struct http_ctx *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
	    r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char ip[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(r->remote, sizeof(r->remote), "%s:%u", ip,
		         ntohs(in->sin_port));
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(r->remote, sizeof(r->remote), "[%s]:%u", ip,
		         ntohs(in6->sin6_port));
	} else {
		snprintf(r->remote, sizeof(r->remote), "unknown");
	}
}

/* Everything a handler may read once the connection is gone. */
static int http_copy_meta(struct http_ctx *r, const char *method)
{
	r->method = mem_strdup(method != NULL ? method : "");
	if (r->method == NULL)
		return ERR_NOMEM;
	r->pub.method = r->method;
	http_format_remote(r);
	if (http_copy_headers(r) != 0 || http_parse_token(r) != 0)
		return ERR_NOMEM;
	return http_uri_parse(r);
}

/* Answers from inside the access callback (connection not suspended). */
static enum MHD_Result http_direct(struct http_ctx *r, unsigned status,
                                   struct MHD_Response *resp)
{
	enum MHD_Result ret;
	r->state = HTTP_REQ_DIRECT;
	r->answered = true;
	if (resp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	http_log_complete(r, status);
	return ret;
}

static enum MHD_Result http_direct_text(struct http_ctx *r, unsigned status,
                                        const char *text)
{
	return http_direct(r, status, http_response_text(text));
}

/* Nomad redirects "/" to the UI, keeping the query. */
static enum MHD_Result http_redirect_ui(struct http_ctx *r)
{
	const char *q = strchr(r->uri, '?');
	char *loc = mem_asprintf("/ui/%s", q != NULL ? q : "");
	struct MHD_Response *resp = http_response_new(NULL, 0, NULL, NULL);
	if (loc != NULL && resp != NULL &&
	    MHD_add_response_header(resp, "Location", loc) == MHD_YES) {
		mem_free(loc);
		return http_direct(r, 307, resp);
	}
	mem_free(loc);
	if (resp != NULL)
		MHD_destroy_response(resp);
	return http_direct_text(r, 500, err_str(ERR_NOMEM));
}

static enum MHD_Result http_route_fail(struct http_ctx *r, int rc)
{
	if (rc == 405)
		return http_direct_text(r, 405, "Invalid method");
	if (rc != 404)
		return http_direct_text(r, 500, err_str(ERR_NOMEM));
	if (r->path_ok && r->nsegs == 0)
		return http_redirect_ui(r);
	return http_direct(r, 404, http_response_new(NULL, 0, NULL, NULL));
}

static enum MHD_Result http_first_call(struct http_server *s,
                                       struct http_ctx *r, const char *method)
{
	const char *msg, *cl;
	int rc;
	r->state = HTTP_REQ_READING;
	rc = http_copy_meta(r, method);
	if (rc == ERR_INVAL)
		return http_direct_text(r, 400, "Invalid URL path");
	if (rc != 0)
		return http_direct_text(r, 500, err_str(ERR_NOMEM));
	if (s->stopping)
		return http_direct_text(r, 503, "agent shutting down");
	rc = http_router_match(s, r, &r->route);
	if (rc != 0)
		return http_route_fail(r, rc);
	msg = http_parse_options(r);
	if (msg != NULL)
		return http_direct_text(r, 400, msg);
	cl = http_header(&r->pub, "Content-Length");
	if (cl != NULL) {
		unsigned long long n = strtoull(cl, NULL, 10);
		if (n > s->max_body)
			return http_direct_text(r, 413,
			                        "Request body too large");
		/* Reserve up front, but not what a client merely claims. */
		if (n > 0)
			(void)buf_reserve(&r->body, n < HTTP_BODY_RESERVE
			                                ? (size_t)n
			                                : HTTP_BODY_RESERVE);
	}
	return MHD_YES;
}

static void http_take_body(const struct http_server *s, struct http_ctx *r,
                           const char *data, size_t n)
{
	if (r->too_big || r->body_oom)
		return;
	if (n > s->max_body - r->body.len) {
		r->too_big = true; /* discard the rest, answer 413 */
		buf_release(&r->body);
		buf_init(&r->body);
		return;
	}
	buf_append(&r->body, data, n);
	r->body_oom = r->body.oom;
}

static enum MHD_Result http_final_call(struct http_server *s,
                                       struct http_ctx *r)
{
	if (r->too_big)
		return http_direct_text(r, 413, "Request body too large");
	if (r->body_oom)
		return http_direct_text(r, 500, err_str(ERR_NOMEM));
	if (s->stopping)
		return http_direct_text(r, 503, "agent shutting down");
	r->pub.body = buf_cstr(&r->body);
	r->pub.body_len = r->body.len;
	MHD_suspend_connection(r->conn);
	r->state = HTTP_REQ_PENDING;
	if (s->pending_tail != NULL)
		s->pending_tail->next_pending = r;
	else
		s->pending_head = r;
	s->pending_tail = r;
	return MHD_YES;
}

/* Called again after the resume: send the stored answer or close. */
static enum MHD_Result http_resumed_call(struct http_ctx *r)
{
	enum MHD_Result ret;
	if (r->resp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(r->conn, r->status, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	r->state = HTTP_REQ_SENT;
	http_log_complete(r, r->status);
	return ret;
}

enum MHD_Result http_on_access(void *cls, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_ctx *r = *con_cls;
	(void)conn;
	(void)url;
	(void)version;
	if (r == NULL)
		return MHD_NO; /* out of memory at the request line */
	switch (r->state) {
	case HTTP_REQ_NEW: return http_first_call(s, r, method);
	case HTTP_REQ_READING:
		if (*upload_size == 0)
			return http_final_call(s, r);
		http_take_body(s, r, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	case HTTP_REQ_RESUMED: return http_resumed_call(r);
	default: *upload_size = 0; return MHD_YES;
	}
}

void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                       enum MHD_RequestTerminationCode toe)
{
	struct http_ctx *r = *con_cls;
	(void)cls;
	(void)conn;
	if (r == NULL)
		return;
	*con_cls = NULL;
	if (!r->answered && r->state != HTTP_REQ_NEW)
		LOG_DEBUG(HTTP_LOG,
		          "request abandoned: method=%s remote=%s reason=%d",
		          r->pub.method, r->remote, (int)toe);
	http_ctx_detach(r);
	http_ctx_unref(r);
}

void http_dispatch_pending(struct http_server *s)
{
	struct http_ctx *r;
	while ((r = s->pending_head) != NULL) {
		s->pending_head = r->next_pending;
		if (s->pending_head == NULL)
			s->pending_tail = NULL;
		r->next_pending = NULL;
		r->state = HTTP_REQ_HELD;
		r->refs++; /* the handler's, until its http_respond_* */
		r->route->fn(r->route->data, &r->pub);
		/* Still alive: the connection's reference cannot go while
		 * we are inside http_server_drive. */
		http_ctx_watch(r);
	}
}

void http_shutdown_requests(struct http_server *s)
{
	struct http_ctx *r, *next;
	bool was = s->driving;
	s->driving = true; /* keep MHD_run out while walking the list */
	for (r = s->live; r != NULL; r = next) {
		next = r->next;
		if (r->state != HTTP_REQ_PENDING && r->state != HTTP_REQ_HELD)
			continue;
		r->abandoned = true;
		http_ctx_answer(r, 503,
		                http_response_text("agent shutting down"));
	}
	http_streams_shutdown(s);
	s->driving = was;
}
