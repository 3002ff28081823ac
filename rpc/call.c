/* rpc/call.c: serving one request, remote or in-process, and answering
 * it. Both paths encode the answer as the same response frame; a local
 * caller gets it decoded exactly as rpc_pool_call's callback would. */
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc_int.h"

static const struct rpc_meta call_no_meta;

static void call_free(struct rpc_call_int *ci)
{
	schema_release(&rpc_request_schema, &ci->pub.req);
	rpc_msg_release(&ci->msg);
	mem_free(ci);
}

/* Decodes the frame body (taken) into a new call. */
static int call_new(char *body, size_t len, struct rpc_call_int **out,
                    struct err *e)
{
	struct rpc_call_int *ci = mem_calloc(1, sizeof *ci);
	int rc;
	*out = NULL;
	if (ci == NULL) {
		mem_free(body);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	rc = rpc_msg_parse(&ci->msg, body, len, "Args", e);
	if (rc == ERR_OK)
		rc = rpc_request_decode(&ci->msg, &ci->pub.req, e);
	if (rc != ERR_OK) {
		call_free(ci);
		return rc;
	}
	rpc_link_init(&ci->link);
	ci->pub.args = ci->msg.extra;
	*out = ci;
	return ERR_OK;
}

static void call_unknown(struct rpc_call_int *ci)
{
	struct buf msg;
	buf_init(&msg);
	buf_append_str(&msg, "rpc: can't find method ");
	buf_append_str(&msg, ci->pub.req.method);
	rpc_call_error(&ci->pub,
	               msg.oom ? "rpc: can't find method" : buf_cstr(&msg),
	               NULL);
	buf_release(&msg);
}

int rpc_call_start(struct rpc_server *s, struct rpc_sconn *conn, char *body,
                   size_t len, rpc_reply_fn cb, void *data, struct err *e)
{
	const struct rpc_method *m;
	struct rpc_call_int *ci;
	int rc = call_new(body, len, &ci, e);
	if (rc != ERR_OK)
		return rc;
	if (conn != NULL) {
		ci->conn = conn;
		conn->refs++;
		memcpy(ci->pub.peer, conn->peer, sizeof ci->pub.peer);
	} else {
		ci->srv = s;
		ci->cb = cb;
		ci->cb_data = data;
		ci->pub.local = true;
		memcpy(ci->pub.peer, "local", sizeof "local");
		rpc_link_push(&s->locals, &ci->link);
	}
	m = rpc_server_method(s, ci->pub.req.method);
	if (m == NULL)
		call_unknown(ci);
	else
		m->fn(m->data, &ci->pub);
	return ERR_OK;
}

/* Hands a local caller the response frame in out (length first). */
static void call_deliver_local(struct rpc_call_int *ci, struct buf *out)
{
	struct rpc_resp r;
	struct err e;
	size_t len;
	char *frame = buf_steal(out, &len);
	if (frame == NULL) {
		ci->cb(ci->cb_data, ERR_NOMEM, "out of memory", NULL,
		       &call_no_meta);
		return;
	}
	memmove(frame, frame + 4, len - 4);
	if (rpc_resp_parse(&r, frame, len - 4, &e) != ERR_OK) {
		ci->cb(ci->cb_data, e.code, e.msg, NULL, &call_no_meta);
		return;
	}
	rpc_resp_deliver(&r, ci->cb, ci->cb_data);
	rpc_resp_release(&r);
}

/* Sends the encoded answer (rc: how encoding went) and frees the call. */
static void call_finish(struct rpc_call_int *ci, struct buf *out, int rc)
{
	struct rpc_sconn *c = ci->conn;
	if (c != NULL) {
		if (rc == ERR_OK && !c->closing)
			rc = rpc_wq_push(&c->wq, out);
		if (rc != ERR_OK && !c->closing)
			rpc_sconn_close(c, rc == ERR_NOMEM
			                       ? "out of memory"
			                       : "cannot write a reply");
		rpc_sconn_unref(c);
	} else if (ci->srv != NULL) {
		rpc_link_remove(&ci->link);
		ci->srv = NULL;
		if (rc == ERR_OK)
			call_deliver_local(ci, out);
		else
			ci->cb(ci->cb_data, rc, err_str(rc), NULL,
			       &call_no_meta);
	}
	buf_release(out);
	call_free(ci);
}

void rpc_call_reply(struct rpc_call *c, const struct schema *rs,
                    const void *reply, const struct rpc_meta *meta)
{
	struct rpc_call_int *ci = rpc_container_of(c, struct rpc_call_int, pub);
	struct buf out;
	int rc;
	buf_init(&out);
	rc = rpc_frame_response(&out, c->req.seq, NULL, meta, rs, reply);
	if (rc == ERR_TOOBIG) {
		LOG_WARN("rpc", "reply to \"%s\" from %s exceeds %u bytes",
		         c->req.method, c->peer, RPC_MAX_FRAME);
		rc = rpc_frame_response(&out, c->req.seq,
		                        "rpc: reply exceeds the frame limit",
		                        meta, NULL, NULL);
	}
	call_finish(ci, &out, rc);
}

void rpc_call_error(struct rpc_call *c, const char *msg,
                    const struct rpc_meta *meta)
{
	struct rpc_call_int *ci = rpc_container_of(c, struct rpc_call_int, pub);
	struct buf out;
	int rc;
	/* An empty Error would read as success on the other side. */
	if (msg == NULL || *msg == '\0')
		msg = "rpc: unknown error";
	buf_init(&out);
	rc = rpc_frame_response(&out, c->req.seq, msg, meta, NULL, NULL);
	call_finish(ci, &out, rc);
}

void rpc_call_fail_locals(struct rpc_server *s)
{
	while (!rpc_link_empty(&s->locals)) {
		struct rpc_call_int *ci =
		    rpc_container_of(s->locals.next, struct rpc_call_int, link);
		rpc_link_remove(&ci->link);
		ci->srv = NULL;
		ci->cb(ci->cb_data, ERR_CLOSED, "rpc server stopped", NULL,
		       &call_no_meta);
	}
}

int rpc_server_dispatch(struct rpc_server *s, const struct rpc_request *req,
                        const struct schema *as, const void *args,
                        rpc_reply_fn cb, void *data)
{
	struct buf frame;
	struct err e;
	size_t len;
	char *body;
	int rc;
	if (s->stopping)
		return ERR_CLOSED;
	if (req == NULL || req->method == NULL || *req->method == '\0' ||
	    cb == NULL)
		return ERR_INVAL;
	buf_init(&frame);
	rc = rpc_frame_request(&frame, req, 0, as, args);
	if (rc != ERR_OK) {
		buf_release(&frame);
		return rc;
	}
	body = buf_steal(&frame, &len);
	if (body == NULL)
		return ERR_NOMEM;
	memmove(body, body + 4, len - 4);
	return rpc_call_start(s, NULL, body, len - 4, cb, data, &e);
}
