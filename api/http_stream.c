/* api/http_stream.c: streamed answers (`alloc logs -f`, proxied client
 * requests). The answer's body comes from a buffer the producer fills on
 * the loop; MHD's content reader drains it and, when it is empty,
 * suspends the connection until the producer writes again (the content
 * reader may suspend: MHD documents it). Two references keep a stream:
 * the producer's (dropped by http_stream_end) and MHD's response
 * (dropped by its free callback, when the connection is done). */
#include <string.h>

#include "api/http_int.h"
#include "lib/log.h"
#include "lib/mem.h"

#define HTTP_STREAM_BLOCK  (64u * 1024u)
#define HTTP_STREAM_MAX_BUF (8u * 1024u * 1024u)

struct http_stream {
	struct http_stream *prev, *next; /* s->streams */
	struct http_server *s;           /* NULL once the server let go */
	struct MHD_Connection *conn;
	struct buf buf;
	size_t off;      /* consumed part of buf */
	bool suspended;  /* the reader suspended the connection */
	bool ended;      /* producer: no more data */
	bool closed;     /* MHD is done with the connection */
	int refs;
	http_stream_close_fn on_close;
	void *data;
};

static void http_stream_unlink(struct http_stream *st)
{
	struct http_server *s = st->s;
	if (s == NULL)
		return;
	if (st->prev != NULL)
		st->prev->next = st->next;
	else
		s->streams = st->next;
	if (st->next != NULL)
		st->next->prev = st->prev;
	st->prev = st->next = NULL;
	st->s = NULL;
}

static void http_stream_unref(struct http_stream *st)
{
	if (--st->refs > 0)
		return;
	http_stream_unlink(st);
	buf_release(&st->buf);
	mem_free(st);
}

static void http_stream_wake(struct http_stream *st)
{
	if (!st->suspended || st->closed || st->s == NULL)
		return;
	st->suspended = false;
	MHD_resume_connection(st->conn);
	http_server_kick(st->s);
}

static ssize_t http_stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct http_stream *st = cls;
	size_t avail = st->buf.len - st->off;
	(void)pos;
	if (avail == 0) {
		if (st->ended || st->s == NULL)
			return MHD_CONTENT_READER_END_OF_STREAM;
		st->suspended = true;
		MHD_suspend_connection(st->conn);
		return 0;
	}
	if (avail > max)
		avail = max;
	memcpy(out, st->buf.data + st->off, avail);
	st->off += avail;
	if (st->off == st->buf.len) {
		buf_reset(&st->buf);
		st->off = 0;
	}
	return (ssize_t)avail;
}

/* MHD is done with the response: the connection finished or failed. */
static void http_stream_freed(void *cls)
{
	struct http_stream *st = cls;
	st->closed = true;
	if (!st->ended && st->on_close != NULL)
		st->on_close(st->data);
	http_stream_unref(st);
}

struct http_stream *http_respond_stream(struct http_req *req, int status,
                                        const char *ctype,
                                        const struct http_meta *meta,
                                        http_stream_close_fn on_close,
                                        void *data)
{
	struct http_ctx *r = (struct http_ctx *)req;
	struct http_stream *st = mem_calloc(1, sizeof *st);
	struct MHD_Response *resp = NULL;
	if (st == NULL || r->s == NULL || r->answered) {
		mem_free(st);
		http_respond_text(req, 500, "out of memory", NULL);
		return NULL;
	}
	buf_init(&st->buf);
	st->refs = 2;
	st->s = r->s;
	st->conn = r->conn;
	st->on_close = on_close;
	st->data = data;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	                                         HTTP_STREAM_BLOCK,
	                                         http_stream_read, st,
	                                         http_stream_freed);
	if (resp == NULL) {
		mem_free(st);
		http_respond_text(req, 500, "out of memory", NULL);
		return NULL;
	}
	if (ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", ctype);
	if (meta != NULL && meta->has_index) {
		char num[32];
		snprintf(num, sizeof num, "%llu",
		         (unsigned long long)meta->index);
		MHD_add_response_header(resp, "X-Nomad-Index", num);
	}
	st->next = r->s->streams;
	if (st->next != NULL)
		st->next->prev = st;
	r->s->streams = st;
	http_ctx_answer(r, (unsigned)status, resp);
	http_ctx_unref(r);
	return st;
}

int http_stream_write(struct http_stream *st, const void *data, size_t n)
{
	if (st->closed || st->ended || st->s == NULL)
		return ERR_CLOSED;
	if (st->buf.len - st->off + n > HTTP_STREAM_MAX_BUF)
		return ERR_TOOBIG; /* the reader is not keeping up */
	buf_append(&st->buf, data, n);
	if (st->buf.oom)
		return ERR_NOMEM;
	http_stream_wake(st);
	return ERR_OK;
}

bool http_stream_closed(const struct http_stream *st)
{
	return st->closed || st->s == NULL;
}

size_t http_stream_pending(const struct http_stream *st)
{
	return st->buf.len - st->off;
}

void http_stream_end(struct http_stream *st)
{
	if (st == NULL || st->ended)
		return;
	st->ended = true;
	http_stream_wake(st);
	http_stream_unref(st);
}

void http_streams_shutdown(struct http_server *s)
{
	struct http_stream *st, *next;
	for (st = s->streams; st != NULL; st = next) {
		next = st->next;
		/* The reader ends the body at once; the producer learns
		 * through on_close when MHD lets go. */
		if (st->suspended) {
			st->suspended = false;
			MHD_resume_connection(st->conn);
		}
		http_stream_unlink(st);
	}
}
