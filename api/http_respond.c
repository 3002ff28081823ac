/* api/http_respond.c: building answers (JSON, text, errors, Nomad's meta
 * headers) and handing the handler's one answer to its request. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/http_int.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"

#define HTTP_TEXT_TYPE "text/plain; charset=utf-8"
#define HTTP_JSON_TYPE "application/json"

static bool http_add_meta(struct MHD_Response *resp,
                          const struct http_meta *meta)
{
	char num[32];
	if (meta->has_index) {
		snprintf(num, sizeof(num), "%" PRIu64, meta->index);
		if (MHD_add_response_header(resp, "X-Nomad-Index", num) !=
		    MHD_YES)
			return false;
	}
	if (!meta->has_query_meta)
		return true;
	snprintf(num, sizeof(num), "%" PRId64,
	         meta->last_contact_ms < 0 ? 0 : meta->last_contact_ms);
	return MHD_add_response_header(resp, "X-Nomad-KnownLeader",
	                               meta->known_leader ? "true" : "false") ==
	           MHD_YES &&
	       MHD_add_response_header(resp, "X-Nomad-LastContact", num) ==
	           MHD_YES;
}

struct MHD_Response *http_response_new(char *body, size_t len,
                                       const char *ctype,
                                       const struct http_meta *meta)
{
	struct MHD_Response *resp;
	if (body == NULL)
		resp = MHD_create_response_from_buffer(0, (void *)"",
		                                       MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer_with_free_callback(
		    len, body, mem_free);
	if (resp == NULL) {
		mem_free(body);
		return NULL;
	}
	if ((ctype != NULL &&
	     MHD_add_response_header(resp, "Content-Type", ctype) != MHD_YES) ||
	    (meta != NULL && !http_add_meta(resp, meta))) {
		MHD_destroy_response(resp); /* frees body */
		return NULL;
	}
	return resp;
}

static struct MHD_Response *http_text_meta(const char *text,
                                           const struct http_meta *meta)
{
	char *copy = mem_strdup(text != NULL ? text : "");
	if (copy == NULL)
		return NULL;
	return http_response_new(copy, strlen(copy), HTTP_TEXT_TYPE, meta);
}

struct MHD_Response *http_response_text(const char *text)
{
	return http_text_meta(text, NULL);
}

static int http_dump_cb(const char *data, size_t n, void *b)
{
	buf_append(b, data, n);
	return ((struct buf *)b)->oom ? -1 : 0;
}

/* Compact JSON, or indented by 4 with ?pretty (and a newline, as Nomad).
 * On failure *status becomes 500 and the answer is text. */
static struct MHD_Response *http_json_body(const struct http_ctx *r, json_t *j,
                                           const struct http_meta *meta,
                                           int *status)
{
	size_t flags = JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
	               (r->pub.pretty ? JSON_INDENT(4) : JSON_COMPACT);
	struct buf b;
	char *body;
	size_t len;
	buf_init(&b);
	if (j != NULL && json_dump_callback(j, http_dump_cb, &b, flags) == 0) {
		if (r->pub.pretty)
			buf_append_char(&b, '\n');
		body = buf_steal(&b, &len);
		if (body != NULL)
			return http_response_new(body, len, HTTP_JSON_TYPE,
			                         meta);
	}
	buf_release(&b);
	*status = 500;
	return http_response_text(j == NULL ? err_str(ERR_NOMEM)
	                                    : "failed to encode the response");
}

static bool http_can_answer(const struct http_ctx *r)
{
	return r->s != NULL && !r->answered && r->state == HTTP_REQ_HELD;
}

/* The handler's one answer: delivered when the request can still take
 * one, then the handler's reference goes. Takes resp. */
static void http_reply(struct http_ctx *r, int status,
                       struct MHD_Response *resp)
{
	if (status < 100 || status > 599)
		status = 500;
	if (!http_can_answer(r))
		LOG_DEBUG(HTTP_LOG,
		          "answer dropped (client gone): method=%s "
		          "remote=%s status=%d",
		          r->pub.method, r->remote, status);
	http_ctx_answer(r, (unsigned)status, resp);
	http_ctx_unref(r);
}

void http_respond_json(struct http_req *req, int status, json_t *j,
                       const struct http_meta *meta)
{
	struct http_ctx *r = (struct http_ctx *)req;
	struct MHD_Response *resp = NULL;
	if (http_can_answer(r))
		resp = http_json_body(r, j, meta, &status);
	json_decref(j);
	http_reply(r, status, resp);
}

void http_respond_text(struct http_req *req, int status, const char *text,
                       const struct http_meta *meta)
{
	struct http_ctx *r = (struct http_ctx *)req;
	struct MHD_Response *resp = NULL;
	if (http_can_answer(r))
		resp = http_text_meta(text, meta);
	http_reply(r, status, resp);
}

static int http_status_for(int code)
{
	switch (code) {
	case ERR_NOTFOUND: return 404;
	case ERR_DENIED: return 403;
	case ERR_INVAL:
	case ERR_PARSE:
	case ERR_DECODE: return 400;
	case ERR_CONFLICT: return 409;
	case ERR_TOOBIG: return 413;
	default: return 500;
	}
}

void http_respond_error(struct http_req *req, int status, int code,
                        const char *msg)
{
	http_respond_text(req, status != 0 ? status : http_status_for(code),
	                  msg != NULL ? msg : err_str(code), NULL);
}

/* Copies s up to a '?' (or the end) with control bytes as '?'. */
static void http_log_safe(const char *s, char *out, size_t size)
{
	size_t i = 0;
	for (; s[i] != '\0' && s[i] != '?' && i + 1 < size; i++)
		out[i] =
		    (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
}

void http_log_complete(const struct http_ctx *r, unsigned status)
{
	char dur[32], path[256], method[16];
	if (LOG_DEBUG < log_current_level)
		return;
	stime_format_duration(stime_mono_ns() - r->start_ns, dur, sizeof(dur));
	http_log_safe(r->uri, path, sizeof(path));
	http_log_safe(r->pub.method, method, sizeof(method));
	LOG_DEBUG(HTTP_LOG,
	          "request complete: method=%s path=%s status=%u duration=%s",
	          method, path, status, dur);
}
