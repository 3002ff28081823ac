/* rpc/envelope.c: the request, response and Raft hello envelopes, framed
 * for the wire, and their decoding. */
#include <string.h>

#include "lib/mem.h"
#include "rpc/rpc_int.h"

SCHEMA_DEFINE(rpc_request, RPC_REQUEST_FIELDS, 0);
SCHEMA_DEFINE(rpc_response, RPC_RESPONSE_FIELDS, 0);
SCHEMA_DEFINE(rpc_raft_hello, RPC_RAFT_HELLO_FIELDS, 0);

static int pack_key(msgpack_packer *pk, const char *key)
{
	size_t n = strlen(key);
	if (msgpack_pack_str(pk, n) != 0 || msgpack_pack_str_body(pk, key, n))
		return ERR_NOMEM;
	return ERR_OK;
}

/* The value beside an envelope: obj packed by s, nil, or (s == NULL) a
 * msgpack_object packed verbatim, which is how forwarded requests and
 * their replies travel on unchanged. */
static int pack_body(msgpack_packer *pk, const struct schema *s,
                     const void *obj)
{
	if (obj == NULL)
		return msgpack_pack_nil(pk) != 0 ? ERR_NOMEM : ERR_OK;
	if (s == NULL)
		return msgpack_pack_object(pk, *(const msgpack_object *)obj) !=
		               0
		           ? ERR_NOMEM
		           : ERR_OK;
	return schema_msgpack_pack(s, obj, pk);
}

/* Appends the 4-byte length placeholder; returns where it sits. */
static size_t frame_open(struct buf *out)
{
	size_t at = out->len;
	buf_append(out, "\0\0\0\0", 4);
	return at;
}

/* Fills in the length of the frame opened at `at`, or rolls out back. */
static int frame_close(struct buf *out, size_t at, int rc)
{
	size_t len = out->len - at - 4;
	unsigned char *p;
	if (rc == ERR_OK && out->oom)
		rc = ERR_NOMEM;
	if (rc == ERR_OK && len > RPC_MAX_FRAME)
		rc = ERR_TOOBIG;
	if (rc != ERR_OK) {
		out->oom = false;
		out->len = at < out->len ? at : out->len;
		if (out->data != NULL)
			out->data[out->len] = '\0';
		return rc;
	}
	p = (unsigned char *)out->data + at;
	p[0] = (unsigned char)(len >> 24);
	p[1] = (unsigned char)(len >> 16);
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
	return ERR_OK;
}

int rpc_frame_request(struct buf *out, const struct rpc_request *req,
                      uint64_t seq, const struct schema *as, const void *args)
{
	struct rpc_request env = *req;
	msgpack_packer pk;
	size_t at;
	int rc;
	if (out->oom)
		return ERR_NOMEM;
	env.seq = seq;
	at = frame_open(out);
	msgpack_packer_init(&pk, out, schema_msgpack_buf_write);
	rc = schema_msgpack_pack_open(&rpc_request_schema, &env, 1, &pk);
	if (rc == ERR_OK)
		rc = pack_key(&pk, "Args");
	if (rc == ERR_OK)
		rc = pack_body(&pk, as, args);
	return frame_close(out, at, rc);
}

int rpc_frame_response(struct buf *out, uint64_t seq, const char *error,
                       const struct rpc_meta *meta, const struct schema *rs,
                       const void *reply)
{
	struct rpc_response env = {.seq = seq, .error = (char *)error};
	msgpack_packer pk;
	size_t at;
	int rc;
	if (out->oom)
		return ERR_NOMEM;
	if (meta != NULL) {
		env.index = meta->index;
		env.known_leader = meta->known_leader;
		env.last_contact = meta->last_contact_ms;
	}
	at = frame_open(out);
	msgpack_packer_init(&pk, out, schema_msgpack_buf_write);
	rc = schema_msgpack_pack_open(&rpc_response_schema, &env, 1, &pk);
	if (rc == ERR_OK)
		rc = pack_key(&pk, "Reply");
	if (rc == ERR_OK)
		rc = pack_body(&pk, rs, error == NULL ? reply : NULL);
	return frame_close(out, at, rc);
}

int rpc_frame_hello(struct buf *out, const struct rpc_raft_hello *h)
{
	msgpack_packer pk;
	size_t at;
	if (out->oom)
		return ERR_NOMEM;
	at = frame_open(out);
	msgpack_packer_init(&pk, out, schema_msgpack_buf_write);
	return frame_close(out, at,
	                   schema_msgpack_pack(&rpc_raft_hello_schema, h, &pk));
}

/* schema_msgpack_unpack, with the reason prefixed for the log line. */
static int envelope_decode(const struct schema *s, void *obj,
                           const struct rpc_msg *m, struct err *e)
{
	int rc = schema_msgpack_unpack(s, obj, m->root, e);
	if (rc == ERR_DECODE)
		err_wrap(e, "bad envelope");
	return rc;
}

int rpc_request_decode(const struct rpc_msg *m, struct rpc_request *req,
                       struct err *e)
{
	int rc = envelope_decode(&rpc_request_schema, req, m, e);
	if (rc != ERR_OK)
		return rc;
	if (req->method == NULL) {
		schema_release(&rpc_request_schema, req);
		return err_set(e, ERR_DECODE, "request without a Method");
	}
	return ERR_OK;
}

int rpc_response_decode(const struct rpc_msg *m, struct rpc_response *resp,
                        struct err *e)
{
	return envelope_decode(&rpc_response_schema, resp, m, e);
}

int rpc_hello_decode(const struct rpc_msg *m, struct rpc_raft_hello *h,
                     struct err *e)
{
	return envelope_decode(&rpc_raft_hello_schema, h, m, e);
}

int rpc_resp_parse(struct rpc_resp *r, char *body, size_t len, struct err *e)
{
	int rc;
	memset(r, 0, sizeof *r);
	rc = rpc_msg_parse(&r->m, body, len, "Reply", e);
	if (rc != ERR_OK)
		return rc;
	rc = rpc_response_decode(&r->m, &r->resp, e);
	if (rc != ERR_OK) {
		rpc_msg_release(&r->m);
		return rc;
	}
	r->meta = (struct rpc_meta){.index = r->resp.index,
	                            .known_leader = r->resp.known_leader,
	                            .last_contact_ms = r->resp.last_contact};
	return ERR_OK;
}

void rpc_resp_deliver(const struct rpc_resp *r, rpc_reply_fn cb, void *data)
{
	cb(data, ERR_OK, r->resp.error, r->m.extra, &r->meta);
}

void rpc_resp_release(struct rpc_resp *r)
{
	schema_release(&rpc_response_schema, &r->resp);
	rpc_msg_release(&r->m);
}
