/* rpc/rpc.h: msgpack RPC over libuv TCP, sharing one port with Raft.
 *
 * Wire: the first byte of a new connection picks the protocol (0x01 RPC,
 * 0x02 Raft). RPC frames are a 4-byte big-endian length and a msgpack map.
 * A request map is the rpc_request fields plus "Args" (the method's
 * argument struct); a response map is the rpc_response fields plus "Reply".
 * Many requests may be in flight on one connection; responses carry the
 * request's Seq and may come back in any order. A frame larger than
 * RPC_MAX_FRAME, a body that is not a msgpack map, or a bad envelope closes
 * that connection with a logged reason; the process keeps running.
 *
 * Raft connections: the dialer sends 0x02, then one frame holding an
 * rpc_raft_hello, then waits for one byte (0x00 accepted); only then does
 * the stream carry libraft's own messages. The acceptor reads exactly the
 * hello, asks its raft handler whether this peer may speak Raft (only
 * servers may), answers 0x00 and hands the uv stream over; otherwise it
 * answers 0x01 and closes. This folder does not include <raft.h>: raft/
 * builds its libraft transport on rpc_server_set_raft_handler and
 * rpc_raft_dial.
 *
 * Threading: everything runs on the agent's one uv loop. */
#ifndef STEPPE_RPC_RPC_H
#define STEPPE_RPC_RPC_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/err.h"
#include "structs/schema.h"

#define RPC_PROTO_RPC 0x01
#define RPC_PROTO_RAFT 0x02
#define RPC_MAX_FRAME (64u * 1024 * 1024)
#define RPC_DEFAULT_PORT 4647

/* The request envelope (Args travels beside it, see above). */
#define RPC_REQUEST_FIELDS(X, S)                                     \
	X(S, Method, method, STR, _, NULL, 0)                        \
	X(S, Seq, seq, UINT, _, NULL, 0)                             \
	X(S, AuthToken, auth_token, STR, _, NULL, 0)                 \
	X(S, Region, region, STR, _, NULL, 0)                        \
	X(S, Namespace, ns, STR, _, NULL, 0)                         \
	X(S, AllowStale, allow_stale, BOOL, _, NULL, 0)              \
	X(S, MinQueryIndex, min_query_index, UINT, _, NULL, 0)       \
	X(S, MaxQueryTime, max_query_time, DUR, _, NULL, 0)          \
	X(S, Forwarded, forwarded, BOOL, _, NULL, 0)                 \
	X(S, Consistent, consistent, BOOL, _, NULL, 0)
SCHEMA_DECLARE(rpc_request, RPC_REQUEST_FIELDS);

/* The response envelope (Reply travels beside it). Error is NULL on
 * success. */
#define RPC_RESPONSE_FIELDS(X, S)                                    \
	X(S, Seq, seq, UINT, _, NULL, 0)                             \
	X(S, Error, error, STR, _, NULL, 0)                          \
	X(S, Index, index, UINT, _, NULL, 0)                         \
	X(S, KnownLeader, known_leader, BOOL, _, NULL, 0)            \
	X(S, LastContact, last_contact, INT, _, NULL, 0)
SCHEMA_DECLARE(rpc_response, RPC_RESPONSE_FIELDS);

/* What a Raft dialer says about itself. */
#define RPC_RAFT_HELLO_FIELDS(X, S)                                  \
	X(S, ID, id, UINT, _, NULL, 0)                               \
	X(S, Address, address, STR, _, NULL, 0)                      \
	X(S, Region, region, STR, _, NULL, 0)
SCHEMA_DECLARE(rpc_raft_hello, RPC_RAFT_HELLO_FIELDS);

/* ---- server side ------------------------------------------------------ */

struct rpc_server;

/* One incoming request. Owned by rpc/ until finished: a handler must end
 * every call exactly once with rpc_call_reply or rpc_call_error, now or
 * later (blocking queries hold calls). If the connection closes first the
 * call stays valid and finishing it just frees it. */
struct rpc_call {
	void *data;              /* free for the handler */
	struct rpc_request req;  /* decoded envelope */
	const msgpack_object *args; /* "Args" (NIL when absent); valid until
				     * the call is finished */
	char peer[64];           /* "ip:port" of the caller, "local" */
	bool local;              /* dispatched in-process */
};

/* Response metadata (Nomad's X-Nomad-* headers come from it). */
struct rpc_meta {
	uint64_t index;
	bool known_leader;
	int64_t last_contact_ms;
};

typedef void (*rpc_handler_fn)(void *data, struct rpc_call *call);

/* Decides whether a Raft peer may connect: return true to accept. peer is
 * the connection's source, "ip:port" (dialers bind their own address). */
typedef bool (*rpc_raft_allow_fn)(void *data, const struct rpc_raft_hello *h,
				  const char *peer);
/* Receives an accepted Raft stream; the callee owns it (uv_close it and
 * free it with mem_free in the close callback). */
typedef void (*rpc_raft_accept_fn)(void *data, const struct rpc_raft_hello *h,
				   uv_stream_t *stream);

/* Creates a server on loop (not listening yet). */
int rpc_server_create(uv_loop_t *loop, struct rpc_server **out);
/* Registers fn for method ("Job.Register"); before listening. */
int rpc_server_handle(struct rpc_server *s, const char *method,
		      rpc_handler_fn fn, void *data);
void rpc_server_set_raft_handler(struct rpc_server *s, rpc_raft_allow_fn allow,
				 rpc_raft_accept_fn accept, void *data);
/* Binds and listens on "ip:port" ("ip" alone: port 4647; port 0: any free
 * port, see rpc_server_port). */
int rpc_server_listen(struct rpc_server *s, const char *addr, struct err *e);
/* The port the server listens on (the one the kernel chose for port 0),
 * or -1 when not listening. */
int rpc_server_port(const struct rpc_server *s);
/* Closes the listener and every connection; cb fires when all handles are
 * closed; then rpc_server_destroy. Calls still held are failed locally. */
void rpc_server_stop(struct rpc_server *s, void (*cb)(void *data), void *data);
void rpc_server_destroy(struct rpc_server *s);

/* Sends the reply: reply encoded with schema rs; with rs == NULL, reply
 * is NULL (nil) or a `const msgpack_object *` sent verbatim (a forwarded
 * call passing the leader's reply back). */
void rpc_call_reply(struct rpc_call *c, const struct schema *rs,
		    const void *reply, const struct rpc_meta *meta);
/* Sends an error; msg is the text callers see ("No cluster leader"). */
void rpc_call_error(struct rpc_call *c, const char *msg,
		    const struct rpc_meta *meta);

/* Runs a request in-process, as if it came over the wire (the HTTP API on
 * a server uses this). args are encoded with schema as; cb gets the same
 * response a remote caller would. The request's Seq is ignored. */
typedef void (*rpc_reply_fn)(void *data, int status, const char *error,
			     const msgpack_object *reply,
			     const struct rpc_meta *meta);
int rpc_server_dispatch(struct rpc_server *s, const struct rpc_request *req,
			const struct schema *as, const void *args,
			rpc_reply_fn cb, void *data);

/* ---- client side -------------------------------------------------------- */

struct rpc_pool;

/* A pool of outgoing RPC connections, one per address, opened on demand
 * and reused; a broken connection fails its calls and is reopened by the
 * next call. */
int rpc_pool_create(uv_loop_t *loop, struct rpc_pool **out);
void rpc_pool_stop(struct rpc_pool *p, void (*cb)(void *data), void *data);
void rpc_pool_destroy(struct rpc_pool *p);

/* Calls req->method on addr ("ip:port", or "ip" meaning port 4647) with
 * args encoded by schema as (as == NULL: args is a `const msgpack_object
 * *` packed verbatim, which is how a server forwards a request it
 * received to the leader). cb fires exactly once, unless this returns an
 * error: status ERR_OK with error == NULL and the reply object (valid only
 * during cb); status ERR_OK with error set when the remote handler failed;
 * ERR_CLOSED / ERR_IO when the connection failed; ERR_TIMEOUT after
 * timeout_ms (0: 30 s plus req->max_query_time). */
int rpc_pool_call(struct rpc_pool *p, const char *addr,
		  const struct rpc_request *req, const struct schema *as,
		  const void *args, unsigned timeout_ms, rpc_reply_fn cb,
		  void *data);

/* Dials addr, performs the Raft hello and hands the stream to cb (status
 * ERR_OK) or reports the failure (ERR_IO, ERR_DENIED when the peer refused
 * the hello, ERR_CLOSED after rpc_raft_dial_cancel; stream NULL). The
 * caller owns the stream. Returns an error (and cb never fires) when the
 * dial could not start. *handle (may be NULL) identifies the dial for
 * cancellation until cb has fired. */
struct rpc_dial;
typedef void (*rpc_raft_dial_fn)(void *data, int status, uv_stream_t *stream);
int rpc_raft_dial(uv_loop_t *loop, const char *addr,
		  const struct rpc_raft_hello *hello, rpc_raft_dial_fn cb,
		  void *data, struct rpc_dial **handle);
/* Cancels a pending dial: its cb fires with ERR_CLOSED before this
 * returns. */
void rpc_raft_dial_cancel(struct rpc_dial *d);

/* Whether two addresses ("ip:port" or "ip") name the same IP; ports are
 * ignored. An unspecified IP (0.0.0.0, ::) matches any. False when either
 * does not parse. */
bool rpc_addr_same_host(const char *a, const char *b);
/* Splits "ip:port" (or "ip", giving default_port) into a sockaddr. */
int rpc_parse_addr(const char *addr, int default_port,
		   struct sockaddr_storage *out);

#endif
