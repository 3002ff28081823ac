/* rpc/raft_accept.c: the acceptor's side of the Raft hello. The reads of
 * this phase are sized to end exactly at the end of the hello frame, so
 * every byte after it stays in the socket for libraft. */
#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc_int.h"

/* Hands the stream to the raft handler; the connection is forgotten. */
static void hello_hand_over(struct rpc_sconn *c)
{
	struct rpc_server *s = c->srv;
	uv_tcp_t *tcp = c->tcp;
	c->tcp = NULL;
	c->srv = NULL;
	c->closing = true;
	rpc_link_remove(&c->link);
	tcp->data = NULL;
	s->raft_accept(s->raft_data, &c->hello, (uv_stream_t *)tcp);
	rpc_sconn_unref(c);
	/* The handle is no longer ours: count it as closed. Last. */
	rpc_server_handle_closed(s);
}

void rpc_sconn_hello_written(struct rpc_sconn *c)
{
	if (c->phase == RPC_SCONN_ACCEPT)
		hello_hand_over(c);
	else
		rpc_sconn_close(c, NULL);
}

/* Asks the raft handler; answers 0x00 or 0x01. */
static void hello_answer(struct rpc_sconn *c)
{
	struct rpc_server *s = c->srv;
	bool served = s->raft_allow != NULL && s->raft_accept != NULL;
	bool ok = served && s->raft_allow(s->raft_data, &c->hello, c->peer);
	struct buf b;
	if (c->closing) /* the handler stopped the server */
		return;
	if (!ok)
		LOG_WARN("rpc",
		         "refusing raft connection from %s (id %llu, address "
		         "\"%.64s\"): %s",
		         c->peer, (unsigned long long)c->hello.id,
		         c->hello.address != NULL ? c->hello.address : "",
		         served ? "not a server of this cluster"
		                : "raft is not served here");
	c->phase = ok ? RPC_SCONN_ACCEPT : RPC_SCONN_DENY;
	buf_init(&b);
	buf_append_char(&b, ok ? RPC_HELLO_OK : RPC_HELLO_DENIED);
	if (rpc_wq_push(&c->wq, &b) != ERR_OK)
		rpc_sconn_close(c, "raft hello: cannot answer");
}

void rpc_sconn_hello_read(struct rpc_sconn *c, const char *p, size_t n)
{
	struct rpc_msg m;
	struct err e;
	char *body;
	size_t len;
	if (rpc_reader_next(&c->rd, &p, &n, &body, &len, &e) != ERR_OK) {
		err_wrap(&e, "raft hello");
		rpc_sconn_close(c, e.msg);
		return;
	}
	if (body == NULL) {
		if (c->rd.nhdr == sizeof c->rd.hdr &&
		    c->rd.want > RPC_MAX_HELLO)
			rpc_sconn_close(c, "raft hello: frame too large");
		return;
	}
	uv_read_stop((uv_stream_t *)c->tcp);
	if (rpc_msg_parse(&m, body, len, NULL, &e) != ERR_OK) {
		err_wrap(&e, "raft hello");
		rpc_sconn_close(c, e.msg);
		return;
	}
	if (rpc_hello_decode(&m, &c->hello, &e) != ERR_OK) {
		rpc_msg_release(&m);
		err_wrap(&e, "raft hello");
		rpc_sconn_close(c, e.msg);
		return;
	}
	rpc_msg_release(&m);
	hello_answer(c);
}
