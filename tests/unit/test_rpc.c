/* Unit tests for rpc/: frames and envelopes without sockets, then a real
 * server and pool on 127.0.0.1 inside one uv loop per test. Each test runs
 * its loop until a condition holds or a 10 s deadline timer fires (which
 * fails the test), then stops everything and checks the loop closes with
 * nothing left open and no allocation outstanding. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc.h"
#include "rpc/rpc_int.h"
#include "tests/lib/unit.h"

#define TST_ECHO_FIELDS(X, S)             \
	X(S, Text, text, STR, _, NULL, 0) \
	X(S, N, n, INT, _, NULL, 0)
SCHEMA_DECLARE(tst_echo, TST_ECHO_FIELDS);
SCHEMA_DEFINE(tst_echo, TST_ECHO_FIELDS, 0);

#define MANY      1000
#define MAX_HELD  4
#define LOG_LINES 16

/* What one client callback saw. */
struct result {
	int calls;
	int status;
	bool has_error;
	char error[256];
	bool reply_nil;
	int decode_rc;
	struct tst_echo reply;
	struct rpc_meta meta;
};

struct env {
	uv_loop_t loop;
	uv_timer_t deadline;
	bool expired;
	struct rpc_server *srv;
	struct rpc_pool *pool;
	char addr[64];
	int port;
	int stopped;
	/* server side observations */
	int served;
	char first_peer[64];
	char last_peer[64];
	char last_region[32];
	char last_token[32];
	bool last_local;
	struct rpc_call *held[MAX_HELD];
	int nheld;
	/* raft */
	bool allow;
	int allowed_calls;
	struct rpc_raft_hello seen_hello;
	char seen_peer[64];
	uv_stream_t *accepted;
	char accepted_byte[8];
	int accepted_got;
	/* log lines */
	char log[LOG_LINES][512];
	int nlog;
};

static struct env *cur_env; /* for the log sink */

/* ---- loop helpers ---- */

static void deadline_fired(uv_timer_t *t)
{
	struct env *e = t->data;
	e->expired = true;
}

/* Runs the loop until *v reaches want, or fails after 10 s. */
static void run_until(struct env *e, const int *v, int want)
{
	uv_timer_start(&e->deadline, deadline_fired, 10000, 0);
	while (*v < want && !e->expired)
		uv_run(&e->loop, UV_RUN_ONCE);
	uv_timer_stop(&e->deadline);
	ck_assert_msg(!e->expired, "deadline passed waiting (%d of %d)", *v,
	              want);
}

static void log_capture(void *data, enum log_level level, const char *line)
{
	struct env *e = data;
	(void)level;
	if (e->nlog < LOG_LINES)
		snprintf(e->log[e->nlog++], sizeof e->log[0], "%s", line);
}

static bool log_has(const struct env *e, const char *a, const char *b)
{
	for (int i = 0; i < e->nlog; i++)
		if (strstr(e->log[i], a) != NULL &&
		    (b == NULL || strstr(e->log[i], b) != NULL))
			return true;
	return false;
}

static void on_stopped(void *data)
{
	struct env *e = data;
	e->stopped++;
}

/* ---- handlers ---- */

static void note_call(struct env *e, struct rpc_call *c)
{
	e->served++;
	if (e->first_peer[0] == '\0')
		snprintf(e->first_peer, sizeof e->first_peer, "%s", c->peer);
	snprintf(e->last_peer, sizeof e->last_peer, "%s", c->peer);
	snprintf(e->last_region, sizeof e->last_region, "%s",
	         c->req.region ? c->req.region : "");
	snprintf(e->last_token, sizeof e->last_token, "%s",
	         c->req.auth_token ? c->req.auth_token : "");
	e->last_local = c->local;
}

static void reply_echo(struct rpc_call *c, const struct tst_echo *a)
{
	char text[128];
	struct tst_echo r = {.text = text, .n = a->n * 2};
	struct rpc_meta meta = {.index = (uint64_t)a->n,
	                        .known_leader = true,
	                        .last_contact_ms = 5};
	snprintf(text, sizeof text, "echo: %s in %s", a->text ? a->text : "",
	         c->req.ns ? c->req.ns : "");
	rpc_call_reply(c, &tst_echo_schema, &r, &meta);
}

static void h_echo(void *data, struct rpc_call *c)
{
	struct tst_echo a = {0};
	struct err er;
	note_call(data, c);
	/* Allocation failures may be injected: answer them as errors. */
	if (schema_msgpack_unpack(&tst_echo_schema, &a, c->args, &er) != 0) {
		rpc_call_error(c, er.msg, NULL);
		return;
	}
	reply_echo(c, &a);
	schema_release(&tst_echo_schema, &a);
}

static void h_fail(void *data, struct rpc_call *c)
{
	struct rpc_meta meta = {
	    .index = 7, .known_leader = true, .last_contact_ms = 3};
	note_call(data, c);
	rpc_call_error(c, "boom", &meta);
}

static void h_hold(void *data, struct rpc_call *c)
{
	struct env *e = data;
	note_call(e, c);
	ck_assert_int_lt(e->nheld, MAX_HELD);
	e->held[e->nheld++] = c;
}

struct delayed {
	uv_timer_t timer;
	struct rpc_call *call;
	struct tst_echo args;
};

static void delayed_closed(uv_handle_t *h)
{
	mem_free(h->data);
}

static void delayed_fire(uv_timer_t *t)
{
	struct delayed *d = t->data;
	reply_echo(d->call, &d->args);
	schema_release(&tst_echo_schema, &d->args);
	uv_close((uv_handle_t *)t, delayed_closed);
}

/* Answers two calls in three at once, the third after a few ms. */
static void h_delay(void *data, struct rpc_call *c)
{
	struct env *e = data;
	struct delayed *d;
	struct tst_echo a = {0};
	struct err er;
	note_call(e, c);
	ck_assert_str_eq(c->peer, e->first_peer);
	ck_assert_int_eq(
	    schema_msgpack_unpack(&tst_echo_schema, &a, c->args, &er), ERR_OK);
	if (a.n % 3 != 0) {
		reply_echo(c, &a);
		schema_release(&tst_echo_schema, &a);
		return;
	}
	d = mem_calloc(1, sizeof *d);
	ck_assert_ptr_nonnull(d);
	d->call = c;
	d->args = a;
	uv_timer_init(&e->loop, &d->timer);
	d->timer.data = d;
	uv_timer_start(&d->timer, delayed_fire, 1 + (uint64_t)a.n % 4, 0);
}

/* ---- raft handlers ---- */

static bool raft_allow(void *data, const struct rpc_raft_hello *h,
                       const char *peer)
{
	struct env *e = data;
	e->allowed_calls++;
	snprintf(e->seen_peer, sizeof e->seen_peer, "%s", peer);
	schema_release(&rpc_raft_hello_schema, &e->seen_hello);
	ck_assert_int_eq(schema_copy(&rpc_raft_hello_schema, &e->seen_hello, h),
	                 ERR_OK);
	return e->allow;
}

static void accepted_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf)
{
	struct env *e = h->data;
	(void)n;
	*buf = uv_buf_init(
	    e->accepted_byte + e->accepted_got,
	    (unsigned)(sizeof e->accepted_byte - 1 - (size_t)e->accepted_got));
}

static void accepted_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
	struct env *e = st->data;
	(void)b;
	if (nread > 0)
		e->accepted_got += (int)nread;
}

static void raft_accept(void *data, const struct rpc_raft_hello *h,
                        uv_stream_t *stream)
{
	struct env *e = data;
	ck_assert_uint_eq(h->id, 7);
	e->accepted = stream;
	stream->data = e;
	ck_assert_int_eq(uv_read_start(stream, accepted_alloc, accepted_read),
	                 0);
}

static void stream_free(uv_handle_t *h)
{
	mem_free(h);
}

/* ---- environment ---- */

static void env_listen(struct env *e, int port)
{
	char addr[64];
	struct err er;
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	ck_assert_int_eq(rpc_server_create(&e->loop, &e->srv), ERR_OK);
	ck_assert_int_eq(rpc_server_handle(e->srv, "Test.Echo", h_echo, e), 0);
	ck_assert_int_eq(rpc_server_handle(e->srv, "Test.Fail", h_fail, e), 0);
	ck_assert_int_eq(rpc_server_handle(e->srv, "Test.Hold", h_hold, e), 0);
	ck_assert_int_eq(rpc_server_handle(e->srv, "Test.Delay", h_delay, e),
	                 0);
	ck_assert_int_eq(rpc_server_handle(e->srv, "Test.Echo", h_echo, e),
	                 ERR_EXISTS);
	rpc_server_set_raft_handler(e->srv, raft_allow, raft_accept, e);
	ck_assert_int_eq(rpc_server_port(e->srv), -1);
	ck_assert_msg(rpc_server_listen(e->srv, addr, &er) == ERR_OK, "%s",
	              er.msg);
	e->port = rpc_server_port(e->srv);
	ck_assert_int_gt(e->port, 0);
	snprintf(e->addr, sizeof e->addr, "127.0.0.1:%d", e->port);
}

static void env_init(struct env *e)
{
	memset(e, 0, sizeof *e);
	ck_assert_int_eq(uv_loop_init(&e->loop), 0);
	uv_timer_init(&e->loop, &e->deadline);
	e->deadline.data = e;
	cur_env = e;
	log_set_sink(log_capture, e);
	env_listen(e, 0);
	ck_assert_int_eq(rpc_pool_create(&e->loop, &e->pool), ERR_OK);
}

static void env_stop_server(struct env *e)
{
	int want = e->stopped + 1;
	rpc_server_stop(e->srv, on_stopped, e);
	run_until(e, &e->stopped, want);
	rpc_server_destroy(e->srv);
	e->srv = NULL;
}

/* Answers what is still held, stops everything, drains the loop. */
static void env_close(struct env *e)
{
	for (int i = 0; i < e->nheld; i++)
		rpc_call_error(e->held[i], "test over", NULL);
	e->nheld = 0;
	if (e->srv != NULL)
		env_stop_server(e);
	if (e->pool != NULL) {
		int want = e->stopped + 1;
		rpc_pool_stop(e->pool, on_stopped, e);
		run_until(e, &e->stopped, want);
		rpc_pool_destroy(e->pool);
	}
	if (e->accepted != NULL)
		uv_close((uv_handle_t *)e->accepted, stream_free);
	uv_close((uv_handle_t *)&e->deadline, NULL);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&e->loop), 0);
	schema_release(&rpc_raft_hello_schema, &e->seen_hello);
	log_set_sink(NULL, NULL);
	cur_env = NULL;
}

/* ---- client helpers ---- */

static void on_reply(void *data, int status, const char *error,
                     const msgpack_object *reply, const struct rpc_meta *meta)
{
	struct result *r = data;
	struct err er;
	r->calls++;
	r->status = status;
	r->has_error = error != NULL;
	snprintf(r->error, sizeof r->error, "%s", error ? error : "");
	r->meta = meta != NULL ? *meta : (struct rpc_meta){0};
	r->reply_nil = reply == NULL || reply->type == MSGPACK_OBJECT_NIL;
	/* Not asserted here: allocation failures may be injected. */
	if (status == ERR_OK && error == NULL)
		r->decode_rc = schema_msgpack_unpack(&tst_echo_schema,
		                                     &r->reply, reply, &er);
}

static void result_release(struct result *r)
{
	schema_release(&tst_echo_schema, &r->reply);
}

static int call(struct env *e, const char *method, const char *text, int64_t n,
                unsigned timeout_ms, struct result *r)
{
	struct rpc_request req = {.method = (char *)method,
	                          .ns = "prod",
	                          .region = "global",
	                          .auth_token = "secret"};
	struct tst_echo a = {.text = (char *)text, .n = n};
	return rpc_pool_call(e->pool, e->addr, &req, &tst_echo_schema, &a,
	                     timeout_ms, on_reply, r);
}

/* Calls and waits for the answer. */
static void call_wait(struct env *e, const char *method, const char *text,
                      int64_t n, struct result *r)
{
	memset(r, 0, sizeof *r);
	ck_assert_int_eq(call(e, method, text, n, 0, r), ERR_OK);
	run_until(e, &r->calls, 1);
	ck_assert_int_eq(r->calls, 1);
}

static void assert_echo_ok(const struct result *r, const char *text, int64_t n)
{
	ck_assert_int_eq(r->status, ERR_OK);
	ck_assert_msg(!r->has_error, "error: %s", r->error);
	ck_assert_int_eq(r->decode_rc, ERR_OK);
	ck_assert_str_eq(r->reply.text, text);
	ck_assert_int_eq(r->reply.n, n * 2);
	ck_assert_uint_eq(r->meta.index, (uint64_t)n);
	ck_assert(r->meta.known_leader);
	ck_assert_int_eq(r->meta.last_contact_ms, 5);
}

/* ---- raw TCP client ---- */

struct raw {
	struct env *e;
	uv_tcp_t tcp;
	uv_connect_t creq;
	uv_write_t wreq;
	const char *data;
	size_t len;
	int closed;
	int gone;
	char rbuf[4096];
	size_t got;
};

static void raw_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf)
{
	struct raw *r = h->data;
	(void)n;
	*buf =
	    uv_buf_init(r->rbuf + r->got, (unsigned)(sizeof r->rbuf - r->got));
}

static void raw_closed(uv_handle_t *h)
{
	struct raw *r = h->data;
	r->gone = 1;
}

static void raw_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
	struct raw *r = st->data;
	(void)b;
	if (nread > 0) {
		r->got += (size_t)nread;
	} else if (nread < 0) {
		r->closed = 1;
		uv_close((uv_handle_t *)st, raw_closed);
	}
}

static void raw_connected(uv_connect_t *req, int status)
{
	struct raw *r = req->data;
	uv_buf_t b = uv_buf_init((char *)r->data, (unsigned)r->len);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(
	    uv_write(&r->wreq, (uv_stream_t *)&r->tcp, &b, 1, NULL), 0);
	ck_assert_int_eq(
	    uv_read_start((uv_stream_t *)&r->tcp, raw_alloc, raw_read), 0);
}

/* Connects, sends the bytes in one write and reads until closed. */
static void raw_start(struct env *e, struct raw *r, const void *data,
                      size_t len)
{
	struct sockaddr_storage sa;
	memset(r, 0, sizeof *r);
	r->e = e;
	r->data = data;
	r->len = len;
	ck_assert_int_eq(rpc_parse_addr(e->addr, 0, &sa), ERR_OK);
	uv_tcp_init(&e->loop, &r->tcp);
	r->tcp.data = r;
	r->creq.data = r;
	ck_assert_int_eq(uv_tcp_connect(&r->creq, &r->tcp,
	                                (const struct sockaddr *)&sa,
	                                raw_connected),
	                 0);
}

/* A hostile client is cut off with a logged reason; the server goes on. */
static void expect_rejected(struct env *e, const void *data, size_t len,
                            const char *reason)
{
	struct result r;
	struct raw raw;
	raw_start(e, &raw, data, len);
	run_until(e, &raw.gone, 1);
	ck_assert_msg(log_has(e, "closing connection from 127.0.0.1:", reason),
	              "no log line with \"%s\"", reason);
	call_wait(e, "Test.Echo", "still", 4, &r);
	assert_echo_ok(&r, "echo: still in prod", 4);
	result_release(&r);
}

/* ---- tests: no sockets ---- */

START_TEST(reader_splits_and_joins_frames)
{
	struct rpc_request req = {.method = "Test.Echo", .ns = "default"};
	struct tst_echo a = {.text = "x", .n = 1};
	struct buf b;
	struct rpc_reader rd;
	struct err e;
	char *body;
	size_t len, n;
	const char *p;
	int frames = 0;
	buf_init(&b);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(rpc_frame_request(&b, &req, (uint64_t)i + 1,
		                                   &tst_echo_schema, &a),
		                 ERR_OK);
	/* One byte at a time. */
	rpc_reader_init(&rd);
	for (size_t i = 0; i < b.len; i++) {
		p = b.data + i;
		n = 1;
		ck_assert_int_eq(rpc_reader_next(&rd, &p, &n, &body, &len, &e),
		                 ERR_OK);
		ck_assert_uint_eq(n, 0);
		if (body != NULL) {
			struct rpc_msg m;
			struct rpc_request got = {0};
			frames++;
			ck_assert_int_eq(
			    rpc_msg_parse(&m, body, len, "Args", &e), ERR_OK);
			ck_assert_int_eq(rpc_request_decode(&m, &got, &e), 0);
			ck_assert_str_eq(got.method, "Test.Echo");
			ck_assert_uint_eq(got.seq, (uint64_t)frames);
			ck_assert_int_eq(m.extra->type, MSGPACK_OBJECT_MAP);
			schema_release(&rpc_request_schema, &got);
			rpc_msg_release(&m);
		}
	}
	ck_assert_int_eq(frames, 3);
	/* All at once. */
	p = b.data;
	n = b.len;
	for (frames = 0; n > 0; frames++) {
		ck_assert_int_eq(rpc_reader_next(&rd, &p, &n, &body, &len, &e),
		                 ERR_OK);
		ck_assert_ptr_nonnull(body);
		mem_free(body);
	}
	ck_assert_int_eq(frames, 3);
	rpc_reader_release(&rd);
	buf_release(&b);
}
END_TEST

START_TEST(reader_rejects_bad_lengths)
{
	static const char zero[] = {0, 0, 0, 0}, huge[] = {4, 0, 0, 1};
	struct rpc_reader rd;
	struct err e;
	const char *p = zero;
	size_t n = 4, len;
	char *body;
	rpc_reader_init(&rd);
	ck_assert_int_eq(rpc_reader_next(&rd, &p, &n, &body, &len, &e),
	                 ERR_DECODE);
	ck_assert_str_eq(e.msg, "empty frame");
	rpc_reader_release(&rd);
	p = huge;
	n = 4;
	ck_assert_int_eq(rpc_reader_next(&rd, &p, &n, &body, &len, &e),
	                 ERR_TOOBIG);
	ck_assert_str_eq(
	    e.msg, "frame of 67108865 bytes exceeds the limit of 67108864");
	rpc_reader_release(&rd);
}
END_TEST

START_TEST(msgpack_check_guards_unpack)
{
	unsigned char deep[80], big[8] = {0xdf, 0xff, 0xff, 0xff, 0xff};
	struct err e;
	static const unsigned char trailing[] = {0x80, 0x01};
	static const unsigned char arr[] = {0x91, 0x01};
	static const unsigned char bad[] = {0x81, 0xc1, 0x01};
	for (size_t i = 0; i < sizeof deep; i++)
		deep[i] = i % 2 == 0 ? 0x81 : 0xa0; /* {"": {"": ...}} */
	ck_assert_int_eq(rpc_msgpack_check(deep, sizeof deep, &e), ERR_DECODE);
	ck_assert_str_eq(e.msg, "msgpack nesting deeper than 32 levels");
	ck_assert_int_eq(rpc_msgpack_check(big, sizeof big, &e), ERR_DECODE);
	ck_assert_str_eq(e.msg, "truncated msgpack data");
	ck_assert_int_eq(rpc_msgpack_check(trailing, sizeof trailing, &e),
	                 ERR_DECODE);
	ck_assert_str_eq(e.msg, "trailing bytes after msgpack map at offset 1");
	ck_assert_int_eq(rpc_msgpack_check(arr, sizeof arr, &e), ERR_DECODE);
	ck_assert_str_eq(e.msg, "frame is not a msgpack map");
	ck_assert_int_eq(rpc_msgpack_check(bad, sizeof bad, &e), ERR_DECODE);
	ck_assert_str_eq(e.msg, "invalid msgpack byte 0xc1 at offset 1");
	ck_assert_int_eq(rpc_msgpack_check("\x80", 1, &e), ERR_OK);
}
END_TEST

START_TEST(envelope_needs_a_method)
{
	struct rpc_request req = {.seq = 3};
	struct rpc_request got = {0};
	struct rpc_msg m;
	struct buf b;
	struct err e;
	char *body;
	size_t len;
	buf_init(&b);
	ck_assert_int_eq(rpc_frame_request(&b, &req, 3, NULL, NULL), ERR_OK);
	body = buf_steal(&b, &len);
	memmove(body, body + 4, len - 4);
	ck_assert_int_eq(rpc_msg_parse(&m, body, len - 4, "Args", &e), ERR_OK);
	ck_assert_int_eq(m.extra->type, MSGPACK_OBJECT_NIL);
	ck_assert_int_eq(rpc_request_decode(&m, &got, &e), ERR_DECODE);
	ck_assert_str_eq(e.msg, "request without a Method");
	rpc_msg_release(&m);
}
END_TEST

START_TEST(parse_addr_forms)
{
	struct sockaddr_storage sa;
	char name[64];
	static const char *bad[] = {"",          "1.2.3.4:", "1.2.3.4:99999",
	                            "host:80",   "[::1",     "[::1]x",
	                            "1.2.3.4:8a"};
	ck_assert_int_eq(rpc_parse_addr("127.0.0.1", 4647, &sa), ERR_OK);
	rpc_addr_name((struct sockaddr *)&sa, name, sizeof name);
	ck_assert_str_eq(name, "127.0.0.1:4647");
	ck_assert_int_eq(rpc_parse_addr("10.1.2.3:80", 4647, &sa), ERR_OK);
	rpc_addr_name((struct sockaddr *)&sa, name, sizeof name);
	ck_assert_str_eq(name, "10.1.2.3:80");
	ck_assert_int_eq(rpc_parse_addr("[::1]:99", 4647, &sa), ERR_OK);
	rpc_addr_name((struct sockaddr *)&sa, name, sizeof name);
	ck_assert_str_eq(name, "[::1]:99");
	ck_assert_int_eq(rpc_parse_addr("::1", 4647, &sa), ERR_OK);
	rpc_addr_name((struct sockaddr *)&sa, name, sizeof name);
	ck_assert_str_eq(name, "[::1]:4647");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(rpc_parse_addr(bad[i], 4647, &sa) == ERR_INVAL,
		              "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(rpc_parse_addr(NULL, 4647, &sa), ERR_INVAL);
}
END_TEST

/* ---- tests: over TCP ---- */

START_TEST(echo_round_trip)
{
	struct rpc_server *other;
	struct env e;
	struct result r;
	struct err er;
	char msg[128];
	env_init(&e);
	call_wait(&e, "Test.Echo", "hi", 21, &r);
	assert_echo_ok(&r, "echo: hi in prod", 21);
	ck_assert(!e.last_local);
	ck_assert(strncmp(e.last_peer, "127.0.0.1:", 10) == 0);
	ck_assert_str_eq(e.last_region, "global");
	ck_assert_str_eq(e.last_token, "secret");
	result_release(&r);
	/* The port is taken; the failed server can go at once. */
	ck_assert_int_eq(rpc_server_create(&e.loop, &other), ERR_OK);
	ck_assert_int_eq(rpc_server_listen(other, e.addr, &er), ERR_IO);
	snprintf(msg, sizeof msg, "listen on \"%s\": address already in use",
	         e.addr);
	ck_assert_str_eq(er.msg, msg);
	ck_assert_int_eq(rpc_server_port(other), -1);
	rpc_server_destroy(other);
	env_close(&e);
}
END_TEST

static int many_done;
static int many_order[MANY];

static void on_many(void *data, int status, const char *error,
                    const msgpack_object *reply, const struct rpc_meta *meta)
{
	struct result *r = data;
	on_reply(data, status, error, reply, meta);
	ck_assert_int_eq(r->calls, 1);
	many_order[many_done++] = (int)r->meta.index;
}

START_TEST(thousand_calls_out_of_order)
{
	static struct result rs[MANY];
	struct rpc_request req = {.method = "Test.Delay", .ns = "prod"};
	struct env e;
	bool reordered = false;
	env_init(&e);
	memset(rs, 0, sizeof rs);
	many_done = 0;
	for (int i = 0; i < MANY; i++) {
		struct tst_echo a = {.text = "n", .n = i};
		ck_assert_int_eq(rpc_pool_call(e.pool, e.addr, &req,
		                               &tst_echo_schema, &a, 0, on_many,
		                               &rs[i]),
		                 ERR_OK);
	}
	run_until(&e, &many_done, MANY);
	for (int i = 0; i < MANY; i++) {
		assert_echo_ok(&rs[i], "echo: n in prod", i);
		result_release(&rs[i]);
		if (i > 0 && many_order[i] < many_order[i - 1])
			reordered = true;
	}
	ck_assert(reordered);
	ck_assert_int_eq(e.served, MANY);
	env_close(&e);
}
END_TEST

START_TEST(error_reply_carries_meta)
{
	struct env e;
	struct result r;
	env_init(&e);
	call_wait(&e, "Test.Fail", "x", 1, &r);
	ck_assert_int_eq(r.status, ERR_OK);
	ck_assert(r.has_error);
	ck_assert_str_eq(r.error, "boom");
	ck_assert(r.reply_nil);
	ck_assert_uint_eq(r.meta.index, 7);
	ck_assert(r.meta.known_leader);
	ck_assert_int_eq(r.meta.last_contact_ms, 3);
	env_close(&e);
}
END_TEST

START_TEST(unknown_method_keeps_connection)
{
	struct env e;
	struct result r;
	char peer[64];
	env_init(&e);
	call_wait(&e, "Test.Echo", "a", 1, &r);
	result_release(&r);
	snprintf(peer, sizeof peer, "%s", e.last_peer);
	call_wait(&e, "Nope.Nope", "a", 1, &r);
	ck_assert_int_eq(r.status, ERR_OK);
	ck_assert_str_eq(r.error, "rpc: can't find method Nope.Nope");
	call_wait(&e, "Test.Echo", "b", 2, &r);
	assert_echo_ok(&r, "echo: b in prod", 2);
	result_release(&r);
	ck_assert_str_eq(e.last_peer, peer);
	env_close(&e);
}
END_TEST

START_TEST(call_times_out)
{
	struct env e;
	struct result r, late;
	char peer[64];
	env_init(&e);
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(call(&e, "Test.Hold", "slow", 1, 50, &r), ERR_OK);
	run_until(&e, &r.calls, 1);
	ck_assert_int_eq(r.status, ERR_TIMEOUT);
	/* Under load the request may reach the server after the timeout. */
	run_until(&e, &e.nheld, 1);
	snprintf(peer, sizeof peer, "%s", e.last_peer);
	/* The late answer finds no caller and changes nothing. */
	rpc_call_error(e.held[0], "too late", NULL);
	e.nheld = 0;
	call_wait(&e, "Test.Echo", "after", 3, &late);
	assert_echo_ok(&late, "echo: after in prod", 3);
	result_release(&late);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_str_eq(e.last_peer, peer);
	env_close(&e);
}
END_TEST

START_TEST(server_stop_fails_pending_calls)
{
	struct env e;
	struct result r1, r2;
	env_init(&e);
	memset(&r1, 0, sizeof r1);
	memset(&r2, 0, sizeof r2);
	ck_assert_int_eq(call(&e, "Test.Hold", "a", 1, 0, &r1), ERR_OK);
	ck_assert_int_eq(call(&e, "Test.Hold", "b", 2, 0, &r2), ERR_OK);
	run_until(&e, &e.nheld, 2);
	rpc_server_stop(e.srv, on_stopped, &e);
	run_until(&e, &r2.calls, 1);
	run_until(&e, &r1.calls, 1);
	ck_assert_int_eq(r1.status, ERR_CLOSED);
	ck_assert_int_eq(r2.status, ERR_CLOSED);
	run_until(&e, &e.stopped, 1);
	/* Answering after the connection is gone just frees the calls. */
	rpc_call_error(e.held[0], "late", NULL);
	rpc_call_error(e.held[1], "late", NULL);
	e.nheld = 0;
	rpc_server_destroy(e.srv);
	e.srv = NULL;
	env_close(&e);
}
END_TEST

START_TEST(pool_reconnects_after_restart)
{
	struct env e;
	struct result r, held;
	int port;
	env_init(&e);
	port = e.port;
	call_wait(&e, "Test.Echo", "one", 1, &r);
	result_release(&r);
	memset(&held, 0, sizeof held);
	ck_assert_int_eq(call(&e, "Test.Hold", "h", 1, 0, &held), ERR_OK);
	run_until(&e, &e.nheld, 1);
	rpc_server_stop(e.srv, on_stopped, &e);
	run_until(&e, &held.calls, 1);
	ck_assert_int_eq(held.status, ERR_CLOSED);
	run_until(&e, &e.stopped, 1);
	rpc_call_error(e.held[0], "late", NULL);
	e.nheld = 0;
	rpc_server_destroy(e.srv);
	e.srv = NULL;
	/* Nobody listens: the connection fails. */
	call_wait(&e, "Test.Echo", "none", 1, &r);
	ck_assert_int_eq(r.status, ERR_IO);
	env_listen(&e, port);
	ck_assert_int_eq(e.port, port);
	call_wait(&e, "Test.Echo", "two", 2, &r);
	assert_echo_ok(&r, "echo: two in prod", 2);
	result_release(&r);
	env_close(&e);
}
END_TEST

START_TEST(garbage_is_rejected)
{
	static const char bad_proto[] = {0x07, 'h', 'i'};
	static const char huge[] = {0x01, (char)0xff, (char)0xff, (char)0xff,
	                            (char)0xff};
	static const char no_method[] = {0x01, 0, 0, 0, 1, (char)0x80};
	static const char big_hello[] = {0x02, 0, 0x10, 0, 0, 'x'};
	static const char bad_hello[] = {0x02, 0, 0, 0, 2, 0x01, 0x02};
	char random[1 + 4 + 64];
	uint64_t seed = unit_seed();
	struct env e;
	env_init(&e);
	expect_rejected(&e, bad_proto, sizeof bad_proto,
	                "unknown protocol byte 0x07");
	expect_rejected(&e, huge, sizeof huge,
	                "frame of 4294967295 bytes exceeds the limit of "
	                "67108864");
	random[0] = 0x01;
	memcpy(random + 1, "\0\0\0\x40", 4);
	for (size_t i = 5; i < sizeof random; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		random[i] = (char)(seed >> 56);
	}
	/* Never a map header, so the reason is certain. */
	if (((unsigned char)random[5] & 0xf0) == 0x80 ||
	    (unsigned char)random[5] == 0xde ||
	    (unsigned char)random[5] == 0xdf)
		random[5] = (char)0xc1;
	expect_rejected(&e, random, sizeof random,
	                "frame is not a msgpack map");
	expect_rejected(&e, no_method, sizeof no_method,
	                "request without a Method");
	expect_rejected(&e, big_hello, sizeof big_hello,
	                "raft hello: frame too large");
	expect_rejected(&e, bad_hello, sizeof bad_hello,
	                "raft hello: frame is not a msgpack map");
	env_close(&e);
}
END_TEST

START_TEST(several_frames_in_one_write)
{
	struct rpc_request req = {.method = "Test.Echo", .ns = "prod"};
	struct tst_echo a = {.text = "raw", .n = 9};
	struct env e;
	struct raw raw;
	struct buf b;
	env_init(&e);
	buf_init(&b);
	buf_append_char(&b, RPC_PROTO_RPC);
	ck_assert_int_eq(rpc_frame_request(&b, &req, 1, &tst_echo_schema, &a),
	                 0);
	ck_assert_int_eq(rpc_frame_request(&b, &req, 2, &tst_echo_schema, &a),
	                 0);
	raw_start(&e, &raw, b.data, b.len);
	run_until(&e, &e.served, 2);
	ck_assert_int_eq(raw.closed, 0);
	uv_close((uv_handle_t *)&raw.tcp, raw_closed);
	run_until(&e, &raw.gone, 1);
	buf_release(&b);
	env_close(&e);
}
END_TEST

struct dialed {
	int calls;
	int status;
	uv_stream_t *stream;
	uv_write_t wreq;
};

static void on_dialed(void *data, int status, uv_stream_t *stream)
{
	struct dialed *d = data;
	d->calls++;
	d->status = status;
	d->stream = stream;
}

START_TEST(raft_hello_accepted)
{
	struct rpc_raft_hello h = {
	    .id = 7, .address = "127.0.0.9:9", .region = "global"};
	struct dialed d = {0};
	struct env e;
	uv_buf_t z = uv_buf_init("Z", 1);
	env_init(&e);
	e.allow = true;
	ck_assert_int_eq(
	    rpc_raft_dial(&e.loop, e.addr, &h, on_dialed, &d, NULL), ERR_OK);
	run_until(&e, &d.calls, 1);
	ck_assert_int_eq(d.status, ERR_OK);
	ck_assert_ptr_nonnull(d.stream);
	ck_assert_int_eq(uv_write(&d.wreq, d.stream, &z, 1, NULL), 0);
	run_until(&e, &e.accepted_got, 1);
	ck_assert_int_eq(e.accepted_got, 1);
	ck_assert_int_eq(e.accepted_byte[0], 'Z');
	ck_assert_int_eq(e.allowed_calls, 1);
	ck_assert_uint_eq(e.seen_hello.id, 7);
	ck_assert_str_eq(e.seen_hello.address, "127.0.0.9:9");
	ck_assert_str_eq(e.seen_hello.region, "global");
	/* The dial comes from the address the hello names. */
	ck_assert_msg(strncmp(e.seen_peer, "127.0.0.9:", 10) == 0, "peer %s",
	              e.seen_peer);
	uv_close((uv_handle_t *)d.stream, stream_free);
	env_close(&e);
}
END_TEST

START_TEST(raft_hello_refused)
{
	struct rpc_raft_hello h = {.id = 8, .address = "127.0.0.1:10"};
	struct dialed d = {0};
	struct result r;
	struct env e;
	env_init(&e);
	e.allow = false;
	ck_assert_int_eq(
	    rpc_raft_dial(&e.loop, e.addr, &h, on_dialed, &d, NULL), ERR_OK);
	run_until(&e, &d.calls, 1);
	ck_assert_int_eq(d.status, ERR_DENIED);
	ck_assert_ptr_null(d.stream);
	ck_assert(log_has(&e, "refusing raft connection from 127.0.0.1:",
	                  "(id 8, address \"127.0.0.1:10\")"));
	call_wait(&e, "Test.Echo", "still", 4, &r);
	assert_echo_ok(&r, "echo: still in prod", 4);
	result_release(&r);
	/* A server without a raft handler refuses too. */
	rpc_server_set_raft_handler(e.srv, NULL, NULL, NULL);
	memset(&d, 0, sizeof d);
	ck_assert_int_eq(
	    rpc_raft_dial(&e.loop, e.addr, &h, on_dialed, &d, NULL), ERR_OK);
	run_until(&e, &d.calls, 1);
	ck_assert_int_eq(d.status, ERR_DENIED);
	ck_assert(log_has(&e, "refusing raft", "raft is not served here"));
	env_close(&e);
}
END_TEST

/* Bytes sent right behind the hello, before any answer, stay in the
 * socket for the raft handler: the acceptor read exactly the hello. */
START_TEST(raft_hello_reads_nothing_more)
{
	struct rpc_raft_hello h = {.id = 7, .address = "127.0.0.1:11"};
	struct env e;
	struct raw raw;
	struct buf b;
	env_init(&e);
	e.allow = true;
	buf_init(&b);
	buf_append_char(&b, RPC_PROTO_RAFT);
	ck_assert_int_eq(rpc_frame_hello(&b, &h), ERR_OK);
	buf_append_str(&b, "XYZ");
	raw_start(&e, &raw, b.data, b.len);
	run_until(&e, &e.accepted_got, 3);
	ck_assert_str_eq(e.accepted_byte, "XYZ");
	ck_assert_uint_eq(raw.got, 1);
	ck_assert_int_eq(raw.rbuf[0], RPC_HELLO_OK);
	uv_close((uv_handle_t *)&raw.tcp, raw_closed);
	run_until(&e, &raw.gone, 1);
	buf_release(&b);
	env_close(&e);
}
END_TEST

/* A listener that accepts and never answers, to cancel a dial against. */
struct mute {
	uv_tcp_t listener;
	uv_tcp_t conn;
	int accepted;
	struct rpc_dial *dial;
	struct dialed *dialed;
};

static void mute_connection(uv_stream_t *l, int status)
{
	struct mute *m = l->data;
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(uv_accept(l, (uv_stream_t *)&m->conn), 0);
	m->accepted++;
	rpc_raft_dial_cancel(m->dial);
	ck_assert_int_eq(m->dialed->calls, 1);
}

START_TEST(raft_dial_cancel)
{
	struct rpc_raft_hello h = {.id = 1};
	struct dialed d1 = {0}, d2 = {0};
	struct sockaddr_storage sa;
	struct sockaddr_in bound;
	int len = sizeof bound;
	char addr[64];
	struct mute m = {0};
	struct rpc_dial *dial;
	struct env e;
	env_init(&e);
	/* Cancelled before it connects. */
	ck_assert_int_eq(
	    rpc_raft_dial(&e.loop, e.addr, &h, on_dialed, &d1, &dial), ERR_OK);
	ck_assert_ptr_nonnull(dial);
	rpc_raft_dial_cancel(dial);
	/* At once: raft/'s transport close counts on it. */
	ck_assert_int_eq(d1.calls, 1);
	ck_assert_int_eq(d1.status, ERR_CLOSED);
	ck_assert_ptr_null(d1.stream);
	/* Cancelled while waiting for an answer that never comes. */
	ck_assert_int_eq(rpc_parse_addr("127.0.0.1:0", 0, &sa), ERR_OK);
	m.dialed = &d2;
	uv_tcp_init(&e.loop, &m.listener);
	uv_tcp_init(&e.loop, &m.conn);
	m.listener.data = &m;
	ck_assert_int_eq(uv_tcp_bind(&m.listener, (struct sockaddr *)&sa, 0),
	                 0);
	ck_assert_int_eq(
	    uv_listen((uv_stream_t *)&m.listener, 8, mute_connection), 0);
	uv_tcp_getsockname(&m.listener, (struct sockaddr *)&bound, &len);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(bound.sin_port));
	ck_assert_int_eq(
	    rpc_raft_dial(&e.loop, addr, &h, on_dialed, &d2, &m.dial), ERR_OK);
	run_until(&e, &d2.calls, 1);
	ck_assert_int_eq(m.accepted, 1);
	ck_assert_int_eq(d2.status, ERR_CLOSED);
	uv_close((uv_handle_t *)&m.listener, NULL);
	uv_close((uv_handle_t *)&m.conn, NULL);
	ck_assert_int_eq(
	    rpc_raft_dial(&e.loop, "nowhere", &h, on_dialed, &d2, NULL),
	    ERR_INVAL);
	env_close(&e);
}
END_TEST

/* The same call through rpc_server_dispatch and over TCP. */
static void compare_paths(struct env *e, const char *method, int64_t n)
{
	struct rpc_request req = {.method = (char *)method, .ns = "prod"};
	struct tst_echo a = {.text = "same", .n = n};
	struct result local = {0}, remote;
	ck_assert_int_eq(rpc_server_dispatch(e->srv, &req, &tst_echo_schema, &a,
	                                     on_reply, &local),
	                 ERR_OK);
	run_until(e, &local.calls, 1);
	ck_assert(e->last_local || strcmp(method, "Nope.Nope") == 0);
	call_wait(e, method, "same", n, &remote);
	ck_assert_int_eq(local.status, remote.status);
	ck_assert_int_eq(local.has_error, remote.has_error);
	ck_assert_str_eq(local.error, remote.error);
	ck_assert_int_eq(local.reply_nil, remote.reply_nil);
	ck_assert(schema_equal(&tst_echo_schema, &local.reply, &remote.reply));
	ck_assert_uint_eq(local.meta.index, remote.meta.index);
	ck_assert_int_eq(local.meta.known_leader, remote.meta.known_leader);
	ck_assert_int_eq(local.meta.last_contact_ms,
	                 remote.meta.last_contact_ms);
	result_release(&local);
	result_release(&remote);
}

START_TEST(dispatch_matches_remote)
{
	struct rpc_request req = {.method = "Test.Hold"};
	struct result held = {0};
	struct env e;
	env_init(&e);
	compare_paths(&e, "Test.Echo", 6);
	compare_paths(&e, "Test.Fail", 1);
	compare_paths(&e, "Nope.Nope", 1);
	/* A held local call fails when the server stops. */
	ck_assert_int_eq(
	    rpc_server_dispatch(e.srv, &req, NULL, NULL, on_reply, &held), 0);
	ck_assert_int_eq(e.nheld, 1);
	ck_assert_str_eq(e.held[0]->peer, "local");
	ck_assert(e.held[0]->local);
	ck_assert_int_eq(e.held[0]->args->type, MSGPACK_OBJECT_NIL);
	rpc_server_stop(e.srv, on_stopped, &e);
	ck_assert_int_eq(held.calls, 0);
	run_until(&e, &held.calls, 1);
	ck_assert_int_eq(held.status, ERR_CLOSED);
	ck_assert_int_eq(
	    rpc_server_dispatch(e.srv, &req, NULL, NULL, on_reply, &held),
	    ERR_CLOSED);
	run_until(&e, &e.stopped, 1);
	rpc_call_error(e.held[0], "late", NULL);
	e.nheld = 0;
	ck_assert_int_eq(held.calls, 1);
	rpc_server_destroy(e.srv);
	e.srv = NULL;
	env_close(&e);
}
END_TEST

START_TEST(dispatch_survives_allocation_failures)
{
	struct rpc_request req = {.method = "Test.Echo", .ns = "prod"};
	struct tst_echo a = {.text = "oom", .n = 2};
	struct env e;
	int ok = 0;
	env_init(&e);
	for (int i = 0; i < 40; i++) {
		struct result r = {0};
		int rc;
		mem_fault_set(i, 1);
		rc = rpc_server_dispatch(e.srv, &req, &tst_echo_schema, &a,
		                         on_reply, &r);
		mem_fault_reset();
		if (rc != ERR_OK) {
			ck_assert_int_eq(r.calls, 0);
			continue;
		}
		ck_assert_int_eq(r.calls, 1);
		if (r.status == ERR_OK && !r.has_error &&
		    r.decode_rc == ERR_OK) {
			assert_echo_ok(&r, "echo: oom in prod", 2);
			ok++;
		}
		result_release(&r);
	}
	ck_assert_int_gt(ok, 0);
	env_close(&e);
}
END_TEST

static Suite *rpc_suite(void)
{
	Suite *s = suite_create("rpc");
	TCase *tc = unit_tcase(s, "frames", 10);
	tcase_add_test(tc, reader_splits_and_joins_frames);
	tcase_add_test(tc, reader_rejects_bad_lengths);
	tcase_add_test(tc, msgpack_check_guards_unpack);
	tcase_add_test(tc, envelope_needs_a_method);
	tcase_add_test(tc, parse_addr_forms);
	tc = unit_tcase(s, "tcp", 20);
	tcase_add_test(tc, echo_round_trip);
	tcase_add_test(tc, thousand_calls_out_of_order);
	tcase_add_test(tc, error_reply_carries_meta);
	tcase_add_test(tc, unknown_method_keeps_connection);
	tcase_add_test(tc, call_times_out);
	tcase_add_test(tc, server_stop_fails_pending_calls);
	tcase_add_test(tc, pool_reconnects_after_restart);
	tcase_add_test(tc, garbage_is_rejected);
	tcase_add_test(tc, several_frames_in_one_write);
	tcase_add_test(tc, raft_hello_accepted);
	tcase_add_test(tc, raft_hello_reads_nothing_more);
	tcase_add_test(tc, raft_hello_refused);
	tcase_add_test(tc, raft_dial_cancel);
	tcase_add_test(tc, dispatch_matches_remote);
	tcase_add_test(tc, dispatch_survives_allocation_failures);
	return s;
}

int main(void)
{
	/* A peer that vanishes must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	return unit_run(rpc_suite());
}
