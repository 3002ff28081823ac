/* rpc/pool.c: outgoing RPC connections, one per address, each carrying
 * many calls matched to their replies by Seq.
 *
 * Failures are reported from close callbacks, never from inside
 * rpc_pool_call: a broken connection is unlinked at once (the next call
 * opens a new one) and its pending calls fail when its handle is closed.
 * Every call has its own timer; a call is freed when that timer's handle
 * is closed. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc_int.h"

#define HASH_NONFATAL_OOM    1
#define uthash_malloc(sz)    mem_malloc(sz)
#define uthash_free(ptr, sz) mem_free(ptr)
#include <uthash.h>

#define POOL_DEFAULT_TIMEOUT_MS 30000u

struct rpc_pool {
	uv_loop_t *loop;
	uv_timer_t sentinel;   /* makes stop's callback asynchronous */
	struct rpc_link conns; /* open connections, by address */
	uint64_t seq;
	unsigned handles; /* connections and call timers not yet closed */
	bool stopping, stopped;
	void (*stop_cb)(void *data);
	void *stop_data;
};

struct pool_conn {
	struct rpc_pool *pool;
	struct rpc_link link;
	char key[64]; /* "ip:port" */
	uv_tcp_t tcp;
	uv_connect_t creq;
	bool connected, closing;
	int fail_status;
	const char *fail_msg;
	struct pool_call *pending; /* by seq */
	struct rpc_reader rd;
	char *rbuf;
	struct rpc_wq wq;
};

struct pool_call {
	UT_hash_handle hh;
	uint64_t seq;
	struct rpc_pool *pool;
	struct pool_conn *conn; /* NULL once answered */
	uv_timer_t timer;
	rpc_reply_fn cb;
	void *data;
};

static const struct rpc_meta pool_no_meta;

/* ---- pool bookkeeping ---- */

static void pool_handle_closed(struct rpc_pool *p)
{
	assert(p->handles > 0);
	p->handles--;
	if (p->stopping && !p->stopped && p->handles == 0) {
		p->stopped = true;
		if (p->stop_cb != NULL)
			p->stop_cb(p->stop_data);
	}
}

int rpc_pool_create(uv_loop_t *loop, struct rpc_pool **out)
{
	struct rpc_pool *p = mem_calloc(1, sizeof *p);
	*out = NULL;
	if (p == NULL)
		return ERR_NOMEM;
	p->loop = loop;
	rpc_link_init(&p->conns);
	*out = p;
	return ERR_OK;
}

/* ---- calls ---- */

static void call_closed(uv_handle_t *h)
{
	struct pool_call *pc = h->data;
	struct rpc_pool *p = pc->pool;
	mem_free(pc);
	pool_handle_closed(p);
}

/* Takes pc off its connection and tells its caller; then frees it. */
static void call_fail(struct pool_call *pc, int status, const char *msg)
{
	if (pc->conn != NULL)
		HASH_DEL(pc->conn->pending, pc);
	pc->conn = NULL;
	uv_timer_stop(&pc->timer);
	pc->cb(pc->data, status, msg, NULL, &pool_no_meta);
	uv_close((uv_handle_t *)&pc->timer, call_closed);
}

static void call_timeout(uv_timer_t *t)
{
	call_fail(t->data, ERR_TIMEOUT, "rpc call timed out");
}

/* A new call on c, pending until answered, failed or timed out. */
static int call_new(struct pool_conn *c, uint64_t seq, unsigned timeout_ms,
                    rpc_reply_fn cb, void *data, struct pool_call **out)
{
	struct rpc_pool *p = c->pool;
	struct pool_call *pc = mem_calloc(1, sizeof *pc);
	if (pc == NULL)
		return ERR_NOMEM;
	pc->pool = p;
	pc->seq = seq;
	pc->cb = cb;
	pc->data = data;
	HASH_ADD(hh, c->pending, seq, sizeof pc->seq, pc);
	if (pc->hh.tbl == NULL) {
		mem_free(pc);
		return ERR_NOMEM;
	}
	pc->conn = c;
	uv_timer_init(p->loop, &pc->timer);
	pc->timer.data = pc;
	p->handles++;
	uv_timer_start(&pc->timer, call_timeout, timeout_ms, 0);
	*out = pc;
	return ERR_OK;
}

/* Closes a call whose request never left: its callback does not fire. */
static void call_drop(struct pool_call *pc)
{
	HASH_DEL(pc->conn->pending, pc);
	pc->conn = NULL;
	uv_close((uv_handle_t *)&pc->timer, call_closed);
}

/* ---- connections ---- */

static void conn_closed(uv_handle_t *h)
{
	struct pool_conn *c = h->data;
	struct rpc_pool *p = c->pool;
	while (c->pending != NULL)
		call_fail(c->pending, c->fail_status, c->fail_msg);
	rpc_reader_release(&c->rd);
	rpc_wq_release(&c->wq);
	mem_free(c->rbuf);
	mem_free(c);
	pool_handle_closed(p);
}

/* Unlinks c so the next call opens a new connection; its calls fail with
 * status once the handle is closed. */
static void conn_fail(struct pool_conn *c, int status, const char *msg,
                      const char *reason)
{
	if (c->closing)
		return;
	c->closing = true;
	c->fail_status = status;
	c->fail_msg = msg;
	if (reason != NULL)
		LOG_WARN("rpc", "closing connection to %s: %s", c->key, reason);
	rpc_link_remove(&c->link);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct pool_conn *c = h->data;
	(void)suggested;
	*buf = uv_buf_init(c->rbuf, RPC_READ_CHUNK);
}

/* One response frame: the call it answers gets it. */
static void conn_frame(struct pool_conn *c, char *body, size_t len)
{
	struct pool_call *pc;
	struct rpc_resp r;
	struct err e;
	if (rpc_resp_parse(&r, body, len, &e) != ERR_OK) {
		conn_fail(c, ERR_CLOSED, "connection closed", e.msg);
		return;
	}
	HASH_FIND(hh, c->pending, &r.resp.seq, sizeof r.resp.seq, pc);
	if (pc == NULL) {
		LOG_DEBUG("rpc", "reply from %s to call %llu, which is gone",
		          c->key, (unsigned long long)r.resp.seq);
	} else {
		HASH_DEL(c->pending, pc);
		pc->conn = NULL;
		uv_timer_stop(&pc->timer);
		rpc_resp_deliver(&r, pc->cb, pc->data);
		uv_close((uv_handle_t *)&pc->timer, call_closed);
	}
	rpc_resp_release(&r);
}

static void conn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct pool_conn *c = st->data;
	const char *p = buf->base;
	size_t n = nread > 0 ? (size_t)nread : 0;
	struct err e;
	char *body;
	size_t len;
	if (c->closing || nread == 0)
		return;
	if (nread < 0) {
		LOG_DEBUG("rpc", "connection to %s: %s", c->key,
		          uv_strerror((int)nread));
		conn_fail(c, ERR_CLOSED, "connection closed", NULL);
		return;
	}
	while (n > 0 && !c->closing) {
		if (rpc_reader_next(&c->rd, &p, &n, &body, &len, &e) !=
		    ERR_OK) {
			conn_fail(c, ERR_CLOSED, "connection closed", e.msg);
			return;
		}
		if (body == NULL)
			break;
		conn_frame(c, body, len);
	}
}

static void conn_written(struct rpc_wq *wq, int status)
{
	struct pool_conn *c = rpc_container_of(wq, struct pool_conn, wq);
	if (status < 0 && !c->closing) {
		LOG_DEBUG("rpc", "write to %s: %s", c->key,
		          uv_strerror(status));
		conn_fail(c, ERR_CLOSED, "connection closed", NULL);
	}
}

static void conn_connected(uv_connect_t *req, int status)
{
	struct pool_conn *c = req->data;
	if (c->closing)
		return;
	if (status < 0) {
		LOG_DEBUG("rpc", "connect to %s: %s", c->key,
		          uv_strerror(status));
		conn_fail(c, ERR_IO, uv_strerror(status), NULL);
		return;
	}
	c->connected = true;
	uv_tcp_nodelay(&c->tcp, 1);
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read) != 0 ||
	    rpc_wq_resume(&c->wq) != ERR_OK)
		conn_fail(c, ERR_CLOSED, "connection closed", NULL);
}

/* Allocates c with the protocol byte queued (writes wait for connect). */
static struct pool_conn *conn_new(struct rpc_pool *p, const char *key)
{
	struct pool_conn *c = mem_calloc(1, sizeof *c);
	struct buf b;
	if (c == NULL)
		return NULL;
	c->pool = p;
	snprintf(c->key, sizeof c->key, "%s", key);
	rpc_link_init(&c->link);
	rpc_reader_init(&c->rd);
	rpc_wq_init(&c->wq, (uv_stream_t *)&c->tcp, conn_written);
	rpc_wq_hold(&c->wq);
	buf_init(&b);
	buf_append_char(&b, RPC_PROTO_RPC);
	c->rbuf = mem_malloc(RPC_READ_CHUNK);
	if (c->rbuf == NULL || rpc_wq_push(&c->wq, &b) != ERR_OK) {
		rpc_wq_release(&c->wq);
		mem_free(c->rbuf);
		mem_free(c);
		return NULL;
	}
	return c;
}

/* The open connection to key, or a new one being connected. */
static int conn_get(struct rpc_pool *p, const struct sockaddr *sa,
                    const char *key, struct pool_conn **out)
{
	struct pool_conn *c;
	int rc;
	for (struct rpc_link *l = p->conns.next; l != &p->conns; l = l->next) {
		c = rpc_container_of(l, struct pool_conn, link);
		if (strcmp(c->key, key) == 0) {
			*out = c;
			return ERR_OK;
		}
	}
	if ((c = conn_new(p, key)) == NULL)
		return ERR_NOMEM;
	uv_tcp_init(p->loop, &c->tcp);
	c->tcp.data = c;
	c->creq.data = c;
	p->handles++;
	rc = uv_tcp_connect(&c->creq, &c->tcp, sa, conn_connected);
	if (rc != 0) {
		LOG_DEBUG("rpc", "connect to %s: %s", key, uv_strerror(rc));
		c->closing = true;
		uv_close((uv_handle_t *)&c->tcp, conn_closed);
		return ERR_IO;
	}
	rpc_link_push(&p->conns, &c->link);
	*out = c;
	return ERR_OK;
}

/* ---- public ---- */

static unsigned call_timeout_ms(const struct rpc_request *req, unsigned ms)
{
	uint64_t t;
	if (ms > 0)
		return ms;
	t = POOL_DEFAULT_TIMEOUT_MS;
	if (req->max_query_time > 0)
		t += (uint64_t)req->max_query_time / 1000000u;
	return t > UINT32_MAX ? UINT32_MAX : (unsigned)t;
}

int rpc_pool_call(struct rpc_pool *p, const char *addr,
                  const struct rpc_request *req, const struct schema *as,
                  const void *args, unsigned timeout_ms, rpc_reply_fn cb,
                  void *data)
{
	struct sockaddr_storage sa;
	struct pool_conn *c;
	struct pool_call *pc;
	char key[64];
	struct buf frame;
	uint64_t seq;
	int rc;
	if (p->stopping)
		return ERR_CLOSED;
	if (req == NULL || req->method == NULL || *req->method == '\0' ||
	    cb == NULL || rpc_parse_addr(addr, RPC_DEFAULT_PORT, &sa) != 0)
		return ERR_INVAL;
	rpc_addr_name((const struct sockaddr *)&sa, key, sizeof key);
	seq = ++p->seq;
	buf_init(&frame);
	rc = rpc_frame_request(&frame, req, seq, as, args);
	if (rc == ERR_OK)
		rc = conn_get(p, (const struct sockaddr *)&sa, key, &c);
	if (rc == ERR_OK)
		rc = call_new(c, seq, call_timeout_ms(req, timeout_ms), cb,
		              data, &pc);
	if (rc != ERR_OK) {
		buf_release(&frame);
		return rc;
	}
	rc = rpc_wq_push(&c->wq, &frame);
	if (rc != ERR_OK) {
		call_drop(pc);
		if (rc == ERR_IO)
			conn_fail(c, ERR_CLOSED, "connection closed", NULL);
	}
	return rc;
}

static void pool_sentinel_closed(uv_handle_t *h)
{
	pool_handle_closed(h->data);
}

void rpc_pool_stop(struct rpc_pool *p, void (*cb)(void *data), void *data)
{
	if (p->stopping)
		return;
	p->stopping = true;
	p->stop_cb = cb;
	p->stop_data = data;
	while (!rpc_link_empty(&p->conns))
		conn_fail(
		    rpc_container_of(p->conns.next, struct pool_conn, link),
		    ERR_CLOSED, "rpc pool stopped", NULL);
	uv_timer_init(p->loop, &p->sentinel);
	p->sentinel.data = p;
	p->handles++;
	uv_close((uv_handle_t *)&p->sentinel, pool_sentinel_closed);
}

void rpc_pool_destroy(struct rpc_pool *p)
{
	if (p == NULL)
		return;
	/* Programmer errors: destroy comes after stop's callback, or on a
	 * pool that never made a call. */
	assert(p->handles == 0 && rpc_link_empty(&p->conns));
	mem_free(p);
}
