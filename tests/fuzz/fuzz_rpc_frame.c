/* libFuzzer target for what an RPC connection does with received bytes:
 * the first input byte sets the size of each simulated read, the rest is
 * the stream. Every complete frame is parsed as a request, a response or
 * a Raft hello in turn. A request that decodes must encode and decode
 * again to an equal envelope; nothing may crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/mem.h"
#include "rpc/rpc_int.h"

static void fuzz_noop_reply(void *data, int status, const char *error,
                            const msgpack_object *reply,
                            const struct rpc_meta *meta)
{
	(void)data, (void)status, (void)error, (void)meta;
	if (reply == NULL)
		abort();
}

/* Re-encodes a decoded request and checks it reads back the same. */
static void fuzz_request_round_trip(const struct rpc_request *req)
{
	struct rpc_request again = {0};
	struct rpc_msg m;
	struct buf b;
	struct err e;
	size_t len;
	char *body;
	buf_init(&b);
	if (rpc_frame_request(&b, req, req->seq, NULL, NULL) != ERR_OK)
		abort();
	body = buf_steal(&b, &len);
	memmove(body, body + 4, len - 4);
	if (rpc_msg_parse(&m, body, len - 4, "Args", &e) != ERR_OK ||
	    rpc_request_decode(&m, &again, &e) != ERR_OK)
		abort();
	if (!schema_equal(&rpc_request_schema, req, &again))
		abort();
	schema_release(&rpc_request_schema, &again);
	rpc_msg_release(&m);
}

static void fuzz_frame(char *body, size_t len, int kind)
{
	struct rpc_raft_hello h = {0};
	struct rpc_request req = {0};
	struct rpc_resp r;
	struct rpc_msg m;
	struct err e;
	if (kind == 1) {
		if (rpc_resp_parse(&r, body, len, &e) == ERR_OK) {
			rpc_resp_deliver(&r, fuzz_noop_reply, NULL);
			rpc_resp_release(&r);
		}
		return;
	}
	if (rpc_msg_parse(&m, body, len, kind == 0 ? "Args" : NULL, &e) !=
	    ERR_OK)
		return;
	if (kind == 0 && rpc_request_decode(&m, &req, &e) == ERR_OK) {
		fuzz_request_round_trip(&req);
		schema_release(&rpc_request_schema, &req);
	} else if (kind == 2 && rpc_hello_decode(&m, &h, &e) == ERR_OK) {
		schema_release(&rpc_raft_hello_schema, &h);
	}
	rpc_msg_release(&m);
}

/* Feeds one simulated read; false once the stream is rejected. */
static bool fuzz_read(struct rpc_reader *rd, const char *p, size_t n,
                      int *frames)
{
	struct err e;
	char *body;
	size_t len;
	while (n > 0) {
		if (rpc_reader_next(rd, &p, &n, &body, &len, &e) != ERR_OK)
			return false;
		if (body == NULL)
			break;
		fuzz_frame(body, len, (*frames)++ % 3);
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t base = mem_outstanding();
	struct rpc_reader rd;
	const char *p;
	size_t left, chunk;
	int frames = 0;
	if (size < 1)
		return 0;
	chunk = 1 + data[0] % 64;
	p = (const char *)data + 1;
	left = size - 1;
	rpc_reader_init(&rd);
	while (left > 0) {
		size_t n = left < chunk ? left : chunk;
		if (!fuzz_read(&rd, p, n, &frames))
			break;
		p += n;
		left -= n;
	}
	rpc_reader_release(&rd);
	if (mem_outstanding() != base)
		abort();
	return 0;
}
