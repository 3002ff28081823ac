/* raft/transport.c: libraft's uv transport over the shared RPC port.
 *
 * Incoming Raft streams arrive through rpc_server_set_raft_handler (the RPC
 * listener reads the first byte and the hello); outgoing ones come from
 * rpc_raft_dial. libraft then owns each stream. */
#include "raft/transport.h"

#include <raft.h>
#include <raft/uv.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc.h"

struct rtrans_dial {
	struct rtrans *owner;
	struct raft_uv_connect *req;
	struct rpc_dial *handle;
	struct rtrans_dial *next;
};

struct rtrans {
	uv_loop_t *loop;
	struct rpc_server *rpc;
	raft_id id;
	char address[64];
	char region[64];
	raft_uv_accept_cb accept_cb;
	struct rtrans_dial *dials;
	bool closing;
	bool (*allowed)(void *data, uint64_t id, const char *address,
	                const char *peer);
	void *data;
};

static int rtrans_init(struct raft_uv_transport *t, raft_id id,
                       const char *address)
{
	struct rtrans *tr = t->impl;
	tr->id = id;
	snprintf(tr->address, sizeof tr->address, "%s", address);
	return 0;
}

static bool rtrans_allow(void *data, const struct rpc_raft_hello *h,
                         const char *peer)
{
	struct raft_uv_transport *t = data;
	struct rtrans *tr = t->impl;
	if (tr->closing || h->id == 0 || h->address == NULL)
		return false;
	if (h->region != NULL && strcmp(h->region, tr->region) != 0)
		return false;
	return tr->allowed == NULL ||
	       tr->allowed(tr->data, h->id, h->address, peer);
}

static void rtrans_accept(void *data, const struct rpc_raft_hello *h,
                          uv_stream_t *stream)
{
	struct raft_uv_transport *t = data;
	struct rtrans *tr = t->impl;
	tr->accept_cb(t, h->id, h->address, stream);
}

static int rtrans_listen(struct raft_uv_transport *t, raft_uv_accept_cb cb)
{
	struct rtrans *tr = t->impl;
	tr->accept_cb = cb;
	rpc_server_set_raft_handler(tr->rpc, rtrans_allow, rtrans_accept, t);
	return 0;
}

static void rtrans_unlink(struct rtrans *tr, struct rtrans_dial *d)
{
	for (struct rtrans_dial **p = &tr->dials; *p != NULL; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			return;
		}
	}
}

static void rtrans_dialed(void *data, int status, uv_stream_t *stream)
{
	struct rtrans_dial *d = data;
	struct raft_uv_connect *req = d->req;
	rtrans_unlink(d->owner, d);
	mem_free(d);
	if (status == ERR_OK)
		req->cb(req, stream, 0);
	else
		req->cb(req, NULL,
		        status == ERR_CLOSED ? RAFT_CANCELED
		                             : RAFT_NOCONNECTION);
}

static int rtrans_connect(struct raft_uv_transport *t,
                          struct raft_uv_connect *req, raft_id id,
                          const char *address, raft_uv_connect_cb cb)
{
	struct rtrans *tr = t->impl;
	struct rpc_raft_hello hello = {
	    .id = tr->id, .address = tr->address, .region = tr->region};
	struct rtrans_dial *d;
	(void)id;
	if (tr->closing)
		return RAFT_CANCELED;
	d = mem_calloc(1, sizeof *d);
	if (d == NULL)
		return RAFT_NOMEM;
	d->owner = tr;
	d->req = req;
	req->cb = cb;
	if (rpc_raft_dial(tr->loop, address, &hello, rtrans_dialed, d,
	                  &d->handle) != ERR_OK) {
		mem_free(d);
		return RAFT_NOCONNECTION;
	}
	d->next = tr->dials;
	tr->dials = d;
	return 0;
}

static void rtrans_close(struct raft_uv_transport *t,
                         raft_uv_transport_close_cb cb)
{
	struct rtrans *tr = t->impl;
	tr->closing = true;
	rpc_server_set_raft_handler(tr->rpc, NULL, NULL, NULL);
	/* Each cancel fires rtrans_dialed, which unlinks the dial. */
	while (tr->dials != NULL)
		rpc_raft_dial_cancel(tr->dials->handle);
	cb(t);
}

int rtrans_create(struct raft_uv_transport *t, uv_loop_t *loop,
                  struct rpc_server *rpc, const char *region,
                  bool (*allowed)(void *data, uint64_t id, const char *address,
                                  const char *peer),
                  void *data)
{
	struct rtrans *tr = mem_calloc(1, sizeof *tr);
	if (tr == NULL)
		return ERR_NOMEM;
	tr->loop = loop;
	tr->rpc = rpc;
	tr->allowed = allowed;
	tr->data = data;
	snprintf(tr->region, sizeof tr->region, "%s", region ? region : "");
	memset(t, 0, sizeof *t);
	t->impl = tr;
	t->init = rtrans_init;
	t->listen = rtrans_listen;
	t->connect = rtrans_connect;
	t->close = rtrans_close;
	return ERR_OK;
}

void rtrans_destroy(struct raft_uv_transport *t)
{
	mem_free(t->impl);
	t->impl = NULL;
}
