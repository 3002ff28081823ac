/* rpc/server_conn.c: one accepted connection: the protocol byte, then
 * request frames (or a Raft hello, see raft_accept.c).
 *
 * A connection is reference counted: the open handle holds one reference
 * and every call being served another, so a handler may answer long after
 * the peer left (the answer is then dropped). */
#include <stdio.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc_int.h"

void rpc_sconn_unref(struct rpc_sconn *c)
{
	if (--c->refs > 0)
		return;
	rpc_reader_release(&c->rd);
	rpc_wq_release(&c->wq);
	schema_release(&rpc_raft_hello_schema, &c->hello);
	mem_free(c->rbuf);
	mem_free(c);
}

static void sconn_closed(uv_handle_t *h)
{
	struct rpc_sconn *c = h->data;
	struct rpc_server *s = c->srv;
	mem_free(h);
	c->tcp = NULL;
	c->srv = NULL;
	rpc_link_remove(&c->link);
	rpc_sconn_unref(c);
	/* Last: it may run the server's stop callback. */
	rpc_server_handle_closed(s);
}

void rpc_sconn_close(struct rpc_sconn *c, const char *reason)
{
	if (c->closing)
		return;
	c->closing = true;
	if (reason != NULL)
		LOG_WARN("rpc", "closing connection from %s: %s", c->peer,
		         reason);
	uv_close((uv_handle_t *)c->tcp, sconn_closed);
}

/* Reads never go past what the current phase may consume: one byte for
 * the protocol, exactly the hello for Raft (libraft owns what follows). */
static void sconn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct rpc_sconn *c = h->data;
	size_t need;
	(void)suggested;
	switch (c->phase) {
	case RPC_SCONN_MUX: *buf = uv_buf_init((char *)&c->mux, 1); break;
	case RPC_SCONN_RPC: *buf = uv_buf_init(c->rbuf, RPC_READ_CHUNK); break;
	case RPC_SCONN_HELLO:
		need = rpc_reader_need(&c->rd);
		if (need > RPC_READ_CHUNK)
			need = RPC_READ_CHUNK;
		*buf = uv_buf_init(c->rbuf, (unsigned)need);
		break;
	default: *buf = uv_buf_init(NULL, 0); break;
	}
}

/* One request frame. */
static void sconn_frame(struct rpc_sconn *c, char *body, size_t len)
{
	struct err e;
	if (rpc_call_start(c->srv, c, body, len, NULL, NULL, &e) != ERR_OK)
		rpc_sconn_close(c, e.msg);
}

static void sconn_rpc_read(struct rpc_sconn *c, const char *p, size_t n)
{
	struct err e;
	char *body;
	size_t len;
	while (n > 0 && !c->closing) {
		if (rpc_reader_next(&c->rd, &p, &n, &body, &len, &e) !=
		    ERR_OK) {
			rpc_sconn_close(c, e.msg);
			return;
		}
		if (body == NULL)
			break;
		sconn_frame(c, body, len);
	}
	if (!c->closing && rpc_wq_pending(&c->wq) > RPC_WQ_HIGH) {
		/* The peer is not reading its replies: wait for it. */
		uv_read_stop((uv_stream_t *)c->tcp);
		c->paused = true;
	}
}

static void sconn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

/* The first byte picks the protocol. */
static void sconn_mux(struct rpc_sconn *c)
{
	char reason[64];
	if (c->mux != RPC_PROTO_RPC && c->mux != RPC_PROTO_RAFT) {
		snprintf(reason, sizeof reason, "unknown protocol byte 0x%02x",
		         c->mux);
		rpc_sconn_close(c, reason);
		return;
	}
	c->rbuf = mem_malloc(RPC_READ_CHUNK);
	if (c->rbuf == NULL) {
		rpc_sconn_close(c, "out of memory");
		return;
	}
	c->phase = c->mux == RPC_PROTO_RPC ? RPC_SCONN_RPC : RPC_SCONN_HELLO;
}

static void sconn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct rpc_sconn *c = st->data;
	if (c->closing || nread == 0)
		return;
	if (nread < 0) {
		if (nread != UV_EOF)
			LOG_DEBUG("rpc", "connection from %s: %s", c->peer,
			          uv_strerror((int)nread));
		if (c->phase == RPC_SCONN_HELLO)
			rpc_sconn_close(c, "closed during the raft hello");
		else
			rpc_sconn_close(c, NULL);
		return;
	}
	switch (c->phase) {
	case RPC_SCONN_MUX: sconn_mux(c); break;
	case RPC_SCONN_RPC: sconn_rpc_read(c, buf->base, (size_t)nread); break;
	case RPC_SCONN_HELLO:
		rpc_sconn_hello_read(c, buf->base, (size_t)nread);
		break;
	default: break;
	}
}

/* After every write: errors close, a drained queue resumes reading, and
 * the Raft answer leads to the hand-over. */
static void sconn_written(struct rpc_wq *wq, int status)
{
	struct rpc_sconn *c = rpc_container_of(wq, struct rpc_sconn, wq);
	if (c->closing)
		return;
	if (status < 0) {
		LOG_DEBUG("rpc", "write to %s: %s", c->peer,
		          uv_strerror(status));
		rpc_sconn_close(c, NULL);
		return;
	}
	if (c->phase == RPC_SCONN_ACCEPT || c->phase == RPC_SCONN_DENY) {
		if (!rpc_wq_busy(wq))
			rpc_sconn_hello_written(c);
		return;
	}
	if (c->paused && rpc_wq_pending(wq) < RPC_WQ_HIGH / 2) {
		c->paused = false;
		if (uv_read_start((uv_stream_t *)c->tcp, sconn_alloc,
		                  sconn_read) != 0)
			rpc_sconn_close(c, NULL);
	}
}

/* Sets up a freshly accepted handle; false when it must be closed. */
static bool sconn_start(struct rpc_sconn *c)
{
	uv_stream_t *st = (uv_stream_t *)c->tcp;
	if (uv_accept((uv_stream_t *)c->srv->listener, st) != 0)
		return false;
	uv_tcp_nodelay(c->tcp, 1);
	rpc_peer_name(c->tcp, c->peer, sizeof c->peer);
	return uv_read_start(st, sconn_alloc, sconn_read) == 0;
}

static void sconn_spare_closed(uv_handle_t *h)
{
	struct rpc_server *s = h->data;
	s->spare_busy = false;
	if (s->accept_pending && !s->stopping) {
		s->accept_pending = false;
		rpc_sconn_accept(s);
	}
	rpc_server_handle_closed(s);
}

/* Out of memory: take the connection off the queue and drop it, or libuv
 * would stop listening until the next uv_accept. */
static void sconn_drop(struct rpc_server *s)
{
	LOG_ERROR("rpc", "accept: out of memory, dropping a connection");
	if (s->spare_busy) {
		s->accept_pending = true; /* retried when the spare is free */
		return;
	}
	uv_tcp_init(s->loop, &s->spare);
	s->spare.data = s;
	s->spare_busy = true;
	s->handles++;
	uv_accept((uv_stream_t *)s->listener, (uv_stream_t *)&s->spare);
	uv_close((uv_handle_t *)&s->spare, sconn_spare_closed);
}

void rpc_sconn_accept(struct rpc_server *s)
{
	struct rpc_sconn *c = mem_calloc(1, sizeof *c);
	uv_tcp_t *tcp = mem_malloc(sizeof *tcp);
	if (c == NULL || tcp == NULL) {
		mem_free(c);
		mem_free(tcp);
		sconn_drop(s);
		return;
	}
	uv_tcp_init(s->loop, tcp);
	tcp->data = c;
	s->handles++;
	c->srv = s;
	c->tcp = tcp;
	c->refs = 1;
	c->phase = RPC_SCONN_MUX;
	snprintf(c->peer, sizeof c->peer, "?");
	rpc_reader_init(&c->rd);
	rpc_wq_init(&c->wq, (uv_stream_t *)tcp, sconn_written);
	rpc_link_push(&s->conns, &c->link);
	if (!sconn_start(c))
		rpc_sconn_close(c, "accept failed");
}
