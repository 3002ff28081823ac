/* rpc/rpc_int.h: the pieces rpc/'s files share; nothing outside rpc/
 * includes this header (tests/fuzz reach the frame decoder through it).
 *
 * Layers, bottom up: the frame reader and message parser (pure, no
 * sockets: frame.c), the envelopes (envelope.c), a write queue over a uv
 * stream (wq.c), then the server (server.c, server_conn.c, call.c,
 * raft_accept.c), the client pool (pool.c) and the Raft dialer (dial.c). */
#ifndef STEPPE_RPC_RPC_INT_H
#define STEPPE_RPC_RPC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "rpc/rpc.h"

/* Bytes handed to one read on an RPC connection. */
#define RPC_READ_CHUNK (64u * 1024)
/* msgpack objects one frame may hold: msgpack-c spends about 24 bytes per
 * object, so this bounds what a hostile frame makes us allocate. */
#define RPC_MAX_OBJECTS (4u * 1024 * 1024)
/* A server connection stops reading while more than this waits to be
 * written (a peer that sends requests but never reads replies). */
#define RPC_WQ_HIGH (8u * 1024 * 1024)
/* A Raft hello is a few short fields: a larger frame is hostile. */
#define RPC_MAX_HELLO 4096u
/* Raft hello answers. */
#define RPC_HELLO_OK     0x00
#define RPC_HELLO_DENIED 0x01

#define rpc_container_of(p, T, m) ((T *)(void *)((char *)(p)-offsetof(T, m)))

/* ---- intrusive doubly linked lists ---- */

struct rpc_link {
	struct rpc_link *prev, *next;
};

static inline void rpc_link_init(struct rpc_link *l)
{
	l->prev = l;
	l->next = l;
}

static inline bool rpc_link_empty(const struct rpc_link *l)
{
	return l->next == l;
}

/* Inserts l at the tail of the list head. */
static inline void rpc_link_push(struct rpc_link *head, struct rpc_link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

/* Unlinks l (a no-op on an unlinked, initialised node). */
static inline void rpc_link_remove(struct rpc_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	rpc_link_init(l);
}

/* ---- frames (frame.c) ---- */

/* Splits a byte stream into frames: 4-byte big-endian length, then body.
 * Value type: rpc_reader_init / rpc_reader_release. */
struct rpc_reader {
	unsigned char hdr[4];
	size_t nhdr;
	size_t want; /* body length, once nhdr == 4 */
	char *body;
	size_t have, cap;
};

void rpc_reader_init(struct rpc_reader *r);
void rpc_reader_release(struct rpc_reader *r);
/* Consumes bytes from (*p, *n) up to the end of the next frame. When one
 * completes, *body (mem_malloc'd, the caller frees it) and *len are set
 * and (*p, *n) point after it; otherwise *body is NULL and every byte was
 * consumed. A length of 0 (ERR_DECODE) or above RPC_MAX_FRAME
 * (ERR_TOOBIG), or ERR_NOMEM, set e; the reader is then done for. */
int rpc_reader_next(struct rpc_reader *r, const char **p, size_t *n,
                    char **body, size_t *len, struct err *e);
/* Bytes still missing from the current frame (header first): a reader
 * that must not consume past a frame reads at most this many. */
size_t rpc_reader_need(const struct rpc_reader *r);

/* Checks that data is exactly one well-formed msgpack map, nested at most
 * 32 deep (msgpack-c's limit), with containers claiming no more objects
 * than the bytes left could hold and at most RPC_MAX_OBJECTS in all, so
 * msgpack_unpack allocates in proportion to the input. ERR_DECODE with a
 * reason in e otherwise. */
int rpc_msgpack_check(const void *data, size_t len, struct err *e);

/* One received message: the frame body, its unpacked objects (which point
 * into body) and the value beside the envelope. Value type. */
struct rpc_msg {
	char *body;
	msgpack_unpacked u;
	const msgpack_object *root;  /* the map */
	const msgpack_object *extra; /* value of the key asked for, or nil */
};

/* Takes body (mem_malloc'd; freed by rpc_msg_release, or here on error),
 * checks it with rpc_msgpack_check, unpacks it and finds key ("Args",
 * "Reply"; NULL for none) in the top-level map. On error m needs no
 * release. */
int rpc_msg_parse(struct rpc_msg *m, char *body, size_t len, const char *key,
                  struct err *e);
void rpc_msg_release(struct rpc_msg *m);

/* ---- envelopes (envelope.c) ---- */

/* Each appends one whole frame (length + map) to out. ERR_NOMEM, or
 * ERR_TOOBIG when the body would exceed RPC_MAX_FRAME; out then holds
 * what it held before. A NULL schema packs a nil body. */
int rpc_frame_request(struct buf *out, const struct rpc_request *req,
                      uint64_t seq, const struct schema *as, const void *args);
int rpc_frame_response(struct buf *out, uint64_t seq, const char *error,
                       const struct rpc_meta *meta, const struct schema *rs,
                       const void *reply);
int rpc_frame_hello(struct buf *out, const struct rpc_raft_hello *h);

/* Decode the envelope of a parsed message into a zeroed struct (released
 * by the caller with schema_release on success). A request needs a
 * Method. ERR_DECODE with the reason in e. */
int rpc_request_decode(const struct rpc_msg *m, struct rpc_request *req,
                       struct err *e);
int rpc_response_decode(const struct rpc_msg *m, struct rpc_response *resp,
                        struct err *e);
int rpc_hello_decode(const struct rpc_msg *m, struct rpc_raft_hello *h,
                     struct err *e);

/* A received response: message, envelope and the meta callers see. */
struct rpc_resp {
	struct rpc_msg m;
	struct rpc_response resp;
	struct rpc_meta meta;
};

/* Parses a response frame body (taken, as rpc_msg_parse) and decodes its
 * envelope. On error r needs no release. */
int rpc_resp_parse(struct rpc_resp *r, char *body, size_t len, struct err *e);
/* Calls cb the way rpc_pool_call promises a reply (status ERR_OK). */
void rpc_resp_deliver(const struct rpc_resp *r, rpc_reply_fn cb, void *data);
void rpc_resp_release(struct rpc_resp *r);

/* ---- addresses (addr.c) ---- */

/* "ip:port" or "[ip6]:port" into out (at least 64 bytes); "?" when the
 * family is unknown. */
void rpc_addr_name(const struct sockaddr *sa, char *out, size_t size);
/* The source address to bind before dialing from our own address "ip:port"
 * (port 0 then, the kernel picks one): ERR_OK, ERR_NOTFOUND when the
 * address is unspecified (let the kernel choose), ERR_INVAL. */
int rpc_addr_source(const char *addr, struct sockaddr_storage *out);
/* The peer of a connected tcp handle, as rpc_addr_name. */
void rpc_peer_name(const uv_tcp_t *tcp, char *out, size_t size);

/* ---- write queue (wq.c) ---- */

/* Writes to one stream, one uv_write at a time: bytes pushed while a
 * write is in flight (or while held) gather in out and go together in the
 * next write. The in-flight buffer is owned and freed in the write
 * callback. done (optional) runs last in every write callback, with the
 * write's status; the owner may free the queue's container from it. */
struct rpc_wq {
	uv_stream_t *stream;
	uv_write_t req;
	char *inflight;
	size_t inflight_len;
	struct buf out;
	bool held;
	void (*done)(struct rpc_wq *wq, int status);
};

void rpc_wq_init(struct rpc_wq *wq, uv_stream_t *stream,
                 void (*done)(struct rpc_wq *, int));
/* Queues the bytes of b and releases b (its data may be taken over).
 * ERR_NOMEM, or ERR_IO when uv_write refused (the stream is broken). */
int rpc_wq_push(struct rpc_wq *wq, struct buf *b);
/* Stops/starts writing; rpc_wq_resume flushes what gathered. */
void rpc_wq_hold(struct rpc_wq *wq);
int rpc_wq_resume(struct rpc_wq *wq);
/* Bytes queued or in flight. */
size_t rpc_wq_pending(const struct rpc_wq *wq);
/* True while a write is in flight. */
bool rpc_wq_busy(const struct rpc_wq *wq);
/* Frees what is queued; call once the stream is closed (the in-flight
 * buffer is freed by its write callback, which uv_close triggers). */
void rpc_wq_release(struct rpc_wq *wq);

/* ---- server internals ---- */

struct rpc_method {
	char *name;
	rpc_handler_fn fn;
	void *data;
};

struct rpc_server {
	uv_loop_t *loop;
	uv_tcp_t *listener;  /* NULL until listening */
	uv_timer_t sentinel; /* closed by stop so its cb is always async */
	uv_tcp_t spare;      /* drops a connection we cannot allocate for */
	bool spare_busy, accept_pending;
	int port;
	struct rpc_method *methods;
	size_t nmethods;
	rpc_raft_allow_fn raft_allow;
	rpc_raft_accept_fn raft_accept;
	void *raft_data;
	struct rpc_link conns;  /* struct rpc_sconn */
	struct rpc_link locals; /* local calls not yet finished */
	unsigned handles;       /* our uv handles not yet closed */
	bool stopping, stopped;
	void (*stop_cb)(void *data);
	void *stop_data;
};

enum rpc_sconn_phase {
	RPC_SCONN_MUX,    /* waiting for the protocol byte */
	RPC_SCONN_RPC,    /* frames of requests */
	RPC_SCONN_HELLO,  /* reading the Raft hello, not a byte further */
	RPC_SCONN_ACCEPT, /* writing 0x00, then the stream is handed over */
	RPC_SCONN_DENY,   /* writing 0x01, then closing */
};

/* One accepted connection. Freed when its handle is closed (or handed
 * over) and no call refers to it. */
struct rpc_sconn {
	struct rpc_server *srv; /* NULL once the handle is gone */
	uv_tcp_t *tcp;          /* mem_malloc'd: a Raft peer takes it */
	struct rpc_link link;
	enum rpc_sconn_phase phase;
	unsigned refs;
	bool closing, paused;
	char peer[64];
	unsigned char mux;
	struct rpc_reader rd;
	char *rbuf;
	struct rpc_wq wq;
	struct rpc_raft_hello hello;
};

/* A request being served; handlers see pub. */
struct rpc_call_int {
	struct rpc_call pub;
	struct rpc_sconn *conn; /* remote calls (holds a reference) */
	struct rpc_server *srv; /* local calls until answered or failed */
	struct rpc_link link;   /* srv->locals */
	struct rpc_msg msg;
	rpc_reply_fn cb; /* local calls */
	void *cb_data;
};

/* server.c */
const struct rpc_method *rpc_server_method(const struct rpc_server *s,
                                           const char *name);

/* server_conn.c */
void rpc_sconn_accept(struct rpc_server *s);
void rpc_sconn_close(struct rpc_sconn *c, const char *reason);
void rpc_sconn_unref(struct rpc_sconn *c);
/* Called by server_conn.c when one of the server's handles is closed. */
void rpc_server_handle_closed(struct rpc_server *s);

/* raft_accept.c: reads the hello (never past it) and answers it. */
void rpc_sconn_hello_read(struct rpc_sconn *c, const char *p, size_t n);
/* The answer is written: hand the stream over, or close. */
void rpc_sconn_hello_written(struct rpc_sconn *c);

/* call.c: runs the request in body (a frame body, taken) from conn, or
 * locally when conn is NULL (then cb/data receive the answer). Errors
 * (ERR_DECODE, ERR_NOMEM, reason in e) mean no call was made. */
int rpc_call_start(struct rpc_server *s, struct rpc_sconn *conn, char *body,
                   size_t len, rpc_reply_fn cb, void *data, struct err *e);
/* Fails every local call still held with ERR_CLOSED (server stopping). */
void rpc_call_fail_locals(struct rpc_server *s);

#endif
