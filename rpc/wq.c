/* rpc/wq.c: one write in flight per stream; what is pushed meanwhile is
 * gathered and written together, so a burst of replies costs a few
 * syscalls instead of one each. */
#include "lib/mem.h"
#include "rpc/rpc_int.h"

static void wq_written(uv_write_t *req, int status);

/* Writes everything gathered as one owned buffer. */
static int wq_start(struct rpc_wq *wq)
{
	size_t len = wq->out.len;
	char *data = buf_steal(&wq->out, NULL);
	uv_buf_t ub;
	if (data == NULL)
		return ERR_NOMEM;
	ub = uv_buf_init(data, (unsigned)len);
	wq->inflight = data;
	wq->inflight_len = len;
	if (uv_write(&wq->req, wq->stream, &ub, 1, wq_written) != 0) {
		mem_free(data);
		wq->inflight = NULL;
		wq->inflight_len = 0;
		return ERR_IO;
	}
	return ERR_OK;
}

static void wq_written(uv_write_t *req, int status)
{
	struct rpc_wq *wq = rpc_container_of(req, struct rpc_wq, req);
	int rc = status < 0 ? status : 0;
	mem_free(wq->inflight);
	wq->inflight = NULL;
	wq->inflight_len = 0;
	if (rc == 0 && wq->out.len > 0 && !wq->held && wq_start(wq) != ERR_OK)
		rc = UV_EPIPE;
	/* Last: done may free the queue's container. */
	if (wq->done != NULL)
		wq->done(wq, rc);
}

void rpc_wq_init(struct rpc_wq *wq, uv_stream_t *stream,
                 void (*done)(struct rpc_wq *, int))
{
	wq->stream = stream;
	wq->inflight = NULL;
	wq->inflight_len = 0;
	buf_init(&wq->out);
	wq->held = false;
	wq->done = done;
}

int rpc_wq_push(struct rpc_wq *wq, struct buf *b)
{
	if (b->oom) {
		buf_release(b);
		return ERR_NOMEM;
	}
	if (wq->out.len == 0) {
		buf_release(&wq->out);
		wq->out = *b;
		buf_init(b);
	} else {
		buf_append(&wq->out, b->data, b->len);
		buf_release(b);
		if (wq->out.oom) {
			/* The failed append changed nothing: keep what was
			 * queued. */
			wq->out.oom = false;
			return ERR_NOMEM;
		}
	}
	if (wq->inflight != NULL || wq->held || wq->out.len == 0)
		return ERR_OK;
	return wq_start(wq);
}

void rpc_wq_hold(struct rpc_wq *wq)
{
	wq->held = true;
}

int rpc_wq_resume(struct rpc_wq *wq)
{
	wq->held = false;
	if (wq->inflight != NULL || wq->out.len == 0)
		return ERR_OK;
	return wq_start(wq);
}

size_t rpc_wq_pending(const struct rpc_wq *wq)
{
	return wq->out.len + wq->inflight_len;
}

bool rpc_wq_busy(const struct rpc_wq *wq)
{
	return wq->inflight != NULL;
}

void rpc_wq_release(struct rpc_wq *wq)
{
	buf_release(&wq->out);
}
