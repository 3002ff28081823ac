/* rpc/dial.c: the dialer's side of the Raft hello: connect, send 0x02 and
 * the hello frame, read exactly the one-byte answer, then give the stream
 * away. Failures report from the handle's close callback. A cancel
 * reports at once, inside rpc_raft_dial_cancel (raft/'s transport close
 * relies on that), and the handle closes on its own afterwards. */
#include <stdio.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc_int.h"

struct rpc_dial {
	uv_tcp_t *tcp; /* mem_malloc'd: the caller takes it */
	uv_connect_t creq;
	struct rpc_wq wq;
	rpc_raft_dial_fn cb;
	void *data;
	char addr[64];
	unsigned char ack;
	int status;
	bool acked, written, closing;
};

static void dial_free(struct rpc_dial *d)
{
	rpc_wq_release(&d->wq);
	mem_free(d);
}

static void dial_closed(uv_handle_t *h)
{
	struct rpc_dial *d = h->data;
	mem_free(h);
	if (d->cb != NULL)
		d->cb(d->data, d->status, NULL);
	dial_free(d);
}

static void dial_fail(struct rpc_dial *d, int status)
{
	if (d->closing)
		return;
	d->closing = true;
	d->status = status;
	uv_close((uv_handle_t *)d->tcp, dial_closed);
}

/* Both the hello is written and 0x00 read: the stream is the caller's. */
static void dial_maybe_done(struct rpc_dial *d)
{
	uv_tcp_t *tcp = d->tcp;
	if (d->closing || !d->acked || !d->written)
		return;
	tcp->data = NULL;
	d->cb(d->data, ERR_OK, (uv_stream_t *)tcp);
	dial_free(d);
}

static void dial_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct rpc_dial *d = h->data;
	(void)suggested;
	*buf = uv_buf_init((char *)&d->ack, 1);
}

static void dial_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct rpc_dial *d = st->data;
	(void)buf;
	if (d->closing || nread == 0)
		return;
	uv_read_stop(st);
	if (nread < 0) {
		LOG_DEBUG("rpc", "raft hello to %s: %s", d->addr,
		          uv_strerror((int)nread));
		dial_fail(d, ERR_IO);
		return;
	}
	if (d->ack != RPC_HELLO_OK) {
		LOG_DEBUG("rpc", "raft hello to %s: refused", d->addr);
		dial_fail(d, ERR_DENIED);
		return;
	}
	d->acked = true;
	dial_maybe_done(d);
}

static void dial_written(struct rpc_wq *wq, int status)
{
	struct rpc_dial *d = rpc_container_of(wq, struct rpc_dial, wq);
	if (d->closing)
		return;
	if (status < 0) {
		dial_fail(d, ERR_IO);
		return;
	}
	d->written = !rpc_wq_busy(wq);
	dial_maybe_done(d);
}

static void dial_connected(uv_connect_t *req, int status)
{
	struct rpc_dial *d = req->data;
	if (d->closing)
		return;
	if (status < 0) {
		LOG_DEBUG("rpc", "connect to %s: %s", d->addr,
		          uv_strerror(status));
		dial_fail(d, ERR_IO);
		return;
	}
	uv_tcp_nodelay(d->tcp, 1);
	if (uv_read_start((uv_stream_t *)d->tcp, dial_alloc, dial_read) != 0 ||
	    rpc_wq_resume(&d->wq) != ERR_OK)
		dial_fail(d, ERR_IO);
}

/* The protocol byte and the hello frame, queued until connected. */
static int dial_queue_hello(struct rpc_dial *d, const struct rpc_raft_hello *h)
{
	struct buf b;
	int rc;
	buf_init(&b);
	buf_append_char(&b, RPC_PROTO_RAFT);
	rc = rpc_frame_hello(&b, h);
	if (rc == ERR_OK)
		return rpc_wq_push(&d->wq, &b);
	buf_release(&b);
	return rc;
}

/* Dials from our own RPC address, so the acceptor can check that the
 * connection comes from the server the hello names. */
static int dial_bind_source(struct rpc_dial *d, const char *self)
{
	struct sockaddr_storage src;
	/* Unspecified or no address: the kernel picks the source. */
	if (self == NULL || rpc_addr_source(self, &src) != ERR_OK)
		return ERR_OK;
	if (src.ss_family == AF_INET)
		((struct sockaddr_in *)&src)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&src)->sin6_port = 0;
	if (uv_tcp_bind(d->tcp, (const struct sockaddr *)&src, 0) != 0) {
		LOG_WARN("rpc", "raft dial to %s: cannot bind source %s",
		         d->addr, self);
		return ERR_IO;
	}
	return ERR_OK;
}

int rpc_raft_dial(uv_loop_t *loop, const char *addr,
                  const struct rpc_raft_hello *hello, rpc_raft_dial_fn cb,
                  void *data, struct rpc_dial **handle)
{
	struct sockaddr_storage sa;
	struct rpc_dial *d;
	int rc;
	if (handle != NULL)
		*handle = NULL;
	if (cb == NULL || hello == NULL ||
	    rpc_parse_addr(addr, RPC_DEFAULT_PORT, &sa) != ERR_OK)
		return ERR_INVAL;
	d = mem_calloc(1, sizeof *d);
	if (d == NULL)
		return ERR_NOMEM;
	d->tcp = mem_malloc(sizeof *d->tcp);
	if (d->tcp == NULL) {
		mem_free(d);
		return ERR_NOMEM;
	}
	rpc_addr_name((const struct sockaddr *)&sa, d->addr, sizeof d->addr);
	uv_tcp_init(loop, d->tcp);
	d->tcp->data = d;
	d->creq.data = d;
	rpc_wq_init(&d->wq, (uv_stream_t *)d->tcp, dial_written);
	rpc_wq_hold(&d->wq);
	rc = dial_queue_hello(d, hello);
	if (rc == ERR_OK)
		rc = dial_bind_source(d, hello->address);
	if (rc == ERR_OK &&
	    uv_tcp_connect(&d->creq, d->tcp, (const struct sockaddr *)&sa,
	                   dial_connected) != 0)
		rc = ERR_IO;
	if (rc != ERR_OK) {
		/* The callback must not fire: close quietly. */
		d->closing = true;
		uv_close((uv_handle_t *)d->tcp, dial_closed);
		return rc;
	}
	d->cb = cb;
	d->data = data;
	if (handle != NULL)
		*handle = d;
	return ERR_OK;
}

void rpc_raft_dial_cancel(struct rpc_dial *d)
{
	rpc_raft_dial_fn cb;
	if (d == NULL || d->cb == NULL)
		return;
	cb = d->cb;
	d->cb = NULL;
	dial_fail(d, ERR_CLOSED);
	/* Last: d is freed by the close callback, not by the caller. */
	cb(d->data, ERR_CLOSED, NULL);
}
