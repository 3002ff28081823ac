/* Unit tests for api/http: the HTTP server on a uv loop.
 *
 * Each test runs a real server on 127.0.0.1 (port 0) and a libcurl multi
 * client in a thread (so hundreds of requests can be in flight while the
 * loop thread serves them); the client reports back through uv_async.
 * Every loop run has a deadline timer, so a bug fails instead of hanging. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "api/http.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "tests/lib/unit.h"

#define MAXHELD     256
#define DEADLINE_MS 20000

struct fix;

struct rctx {
	struct fix *f;
	const char *name;
};

struct fix {
	uv_loop_t loop;
	struct http_server *s;
	uv_timer_t deadline;
	bool timed_out;
	bool stopped;
	char base[64];
	struct rctx ctx[24];
	size_t nctx;
	int calls;
	struct http_req *held[MAXHELD];
	size_t nheld;
	size_t hold_target; /* answer all held once this many arrived */
	uv_timer_t answer_timer;
};

/* ---- client thread ------------------------------------------------------ */

struct creq {
	const char *method;
	char url[512];
	const char *hdrs[4];
	const char *body;
	size_t body_len;
	bool chunked;
	bool expect;          /* keep curl's "Expect: 100-continue" */
	atomic_bool *hang_up; /* the client hangs up once this is set */
	/* results */
	CURLcode rc;
	long status;
	double secs;
	long connects; /* new connections this request opened */
	struct buf out, head;
	size_t sent;
};

struct client {
	struct creq *reqs;
	size_t n;
	CURL **es; /* allocated before the thread starts (fault injection) */
	struct curl_slist **hl;
	bool sequential; /* one easy handle, one kept-alive connection */
	uv_thread_t th;
	uv_async_t async;
	bool done, closed;
};

static size_t c_write(char *p, size_t sz, size_t n, void *b)
{
	buf_append(b, p, sz * n);
	return sz * n;
}

static size_t c_read(char *p, size_t sz, size_t n, void *ud)
{
	struct creq *q = ud;
	size_t left = q->body_len - q->sent, k = sz * n < left ? sz * n : left;
	memcpy(p, q->body + q->sent, k);
	q->sent += k;
	return k;
}

static int c_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                      curl_off_t un)
{
	struct creq *q = ud;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return atomic_load(q->hang_up) ? 1 : 0;
}

static CURL *c_easy(CURL *e, struct creq *q, struct curl_slist **hl)
{
	struct curl_slist *l = NULL;
	curl_easy_setopt(e, CURLOPT_URL, q->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, q);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, c_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &q->out);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, c_write);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &q->head);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 15000L);
	if (q->hang_up != NULL) {
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, c_progress);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, q);
	}
	for (size_t i = 0; i < 4 && q->hdrs[i] != NULL; i++)
		l = curl_slist_append(l, q->hdrs[i]);
	if (q->chunked) {
		l = curl_slist_append(l, "Transfer-Encoding: chunked");
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, c_read);
		curl_easy_setopt(e, CURLOPT_READDATA, q);
	} else if (q->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)q->body_len);
	}
	if (!q->expect)
		l = curl_slist_append(l, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, l);
	if (strcmp(q->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q->method);
	*hl = l;
	return e;
}

static void c_collect(CURLM *m)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(m, &left)) != NULL) {
		struct creq *q;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		                  (char **)&q);
		q->rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
		                  &q->status);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_TOTAL_TIME,
		                  &q->secs);
	}
}

/* The requests one after the other on one handle (and connection). */
static void c_sequential(struct client *c)
{
	CURL *e = curl_easy_init();
	for (size_t i = 0; i < c->n; i++) {
		struct creq *q = &c->reqs[i];
		curl_easy_reset(e);
		q->rc = curl_easy_perform(c_easy(e, q, &c->hl[i]));
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &q->status);
		curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &q->secs);
		curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &q->connects);
		curl_slist_free_all(c->hl[i]);
	}
	curl_easy_cleanup(e);
	uv_async_send(&c->async);
}

static void c_thread(void *arg)
{
	struct client *c = arg;
	if (c->sequential) {
		c_sequential(c);
		return;
	}
	CURLM *m = curl_multi_init();
	CURL **es = c->es;
	struct curl_slist **hl = c->hl;
	int running = 1;
	curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	for (size_t i = 0; i < c->n; i++) {
		es[i] = c_easy(curl_easy_init(), &c->reqs[i], &hl[i]);
		curl_multi_add_handle(m, es[i]);
	}
	while (running) {
		curl_multi_perform(m, &running);
		c_collect(m);
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (size_t i = 0; i < c->n; i++) {
		curl_multi_remove_handle(m, es[i]);
		curl_easy_cleanup(es[i]);
		curl_slist_free_all(hl[i]);
	}
	curl_multi_cleanup(m);
	uv_async_send(&c->async);
}

static void on_client_done(uv_async_t *a)
{
	((struct client *)a->data)->done = true;
}

static void on_client_closed(uv_handle_t *h)
{
	((struct client *)h->data)->closed = true;
}

static void run_until(struct fix *f, const bool *flag)
{
	while (!*flag && !f->timed_out)
		uv_run(&f->loop, UV_RUN_ONCE);
	ck_assert_msg(!f->timed_out, "deadline reached");
}

static void client_start(struct fix *f, struct client *c, struct creq *reqs,
                         size_t n, bool sequential)
{
	memset(c, 0, sizeof(*c));
	c->sequential = sequential;
	c->reqs = reqs;
	c->n = n;
	c->es = mem_calloc(n, sizeof(*c->es));
	c->hl = mem_calloc(n, sizeof(*c->hl));
	ck_assert(c->es != NULL && c->hl != NULL);
	uv_async_init(&f->loop, &c->async, on_client_done);
	c->async.data = c;
	ck_assert_int_eq(uv_thread_create(&c->th, c_thread, c), 0);
}

static void client_wait(struct fix *f, struct client *c)
{
	run_until(f, &c->done);
	uv_thread_join(&c->th);
	mem_free(c->es);
	mem_free(c->hl);
	uv_close((uv_handle_t *)&c->async, on_client_closed);
	run_until(f, &c->closed);
}

static void client_run(struct fix *f, struct creq *reqs, size_t n)
{
	struct client c;
	client_start(f, &c, reqs, n, false);
	client_wait(f, &c);
}

static void creq_set(struct fix *f, struct creq *q, const char *method,
                     const char *path)
{
	memset(q, 0, sizeof(*q));
	q->method = method;
	snprintf(q->url, sizeof(q->url), "%s%s", f->base, path);
	buf_init(&q->out);
	buf_init(&q->head);
}

static void creqs_release(struct creq *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_release(&q[i].out);
		buf_release(&q[i].head);
	}
}

/* "\r\nName: value\r\n" somewhere in the response headers. */
static bool has_header(const struct creq *q, const char *line)
{
	char want[256];
	snprintf(want, sizeof(want), "\n%s\r\n", line);
	return strcasestr(buf_cstr(&q->head), want) != NULL;
}

static json_t *creq_json(const struct creq *q)
{
	json_t *j = json_loadb(q->out.data, q->out.len, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", buf_cstr(&q->out));
	return j;
}

static void assert_reply(const struct creq *q, long status, const char *body)
{
	ck_assert_msg(q->rc == CURLE_OK, "%s: curl: %s", q->url,
	              curl_easy_strerror(q->rc));
	ck_assert_msg(q->status == status, "%s: status %ld, want %ld (%s)",
	              q->url, q->status, status, buf_cstr(&q->out));
	if (body != NULL)
		ck_assert_str_eq(buf_cstr(&q->out), body);
}

/* ---- fixture ------------------------------------------------------------ */

static void on_deadline(uv_timer_t *t)
{
	((struct fix *)t->data)->timed_out = true;
}

static void fix_init(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	ck_assert_int_eq(uv_loop_init(&f->loop), 0);
	ck_assert_int_eq(http_server_create(&f->loop, &f->s), 0);
	uv_timer_init(&f->loop, &f->deadline);
	f->deadline.data = f;
	uv_timer_start(&f->deadline, on_deadline, DEADLINE_MS, 0);
	uv_timer_init(&f->loop, &f->answer_timer);
	f->answer_timer.data = f;
}

static void fix_listen(struct fix *f)
{
	struct err e;
	err_clear(&e);
	ck_assert_msg(http_server_listen(f->s, "127.0.0.1:0", &e) == 0, "%s",
	              e.msg);
	ck_assert_int_gt(http_server_port(f->s), 0);
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d",
	         http_server_port(f->s));
}

static void fix_route(struct fix *f, const char *methods, const char *pat,
                      http_handler_fn fn, const char *name)
{
	struct rctx *c = &f->ctx[f->nctx++];
	c->f = f;
	c->name = name;
	ck_assert_int_eq(http_route(f->s, methods, pat, fn, c), 0);
}

static void on_stopped(void *data)
{
	((struct fix *)data)->stopped = true;
}

static void fix_stop(struct fix *f)
{
	if (!f->stopped) {
		http_server_stop(f->s, on_stopped, f);
		run_until(f, &f->stopped);
	}
}

static void fix_done(struct fix *f)
{
	fix_stop(f);
	http_server_destroy(f->s);
	uv_close((uv_handle_t *)&f->deadline, NULL);
	uv_close((uv_handle_t *)&f->answer_timer, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&f->loop), 0);
	curl_global_cleanup();
}

/* ---- handlers ----------------------------------------------------------- */

static json_t *echo_body(const struct rctx *c, struct http_req *req)
{
	json_t *j = json_object(), *params = json_array(), *xs = json_array();
	const char *x[4];
	size_t nx = http_query_all(req, "x", x, 4);
	unsigned long sum = 0;
	for (size_t i = 0; i < req->nparams; i++)
		json_array_append_new(params, json_string(req->params[i]));
	for (size_t i = 0; i < nx; i++)
		json_array_append_new(xs, json_string(x[i]));
	for (size_t i = 0; i < req->body_len; i++)
		sum += (unsigned char)req->body[i];
	json_object_set_new(j, "route", json_string(c->name));
	json_object_set_new(j, "method", json_string(req->method));
	json_object_set_new(j, "params", params);
	json_object_set_new(j, "path", json_string(req->path));
	json_object_set_new(j, "token",
	                    req->token != NULL ? json_string(req->token)
	                                       : json_null());
	json_object_set_new(j, "index", json_integer((json_int_t)req->index));
	json_object_set_new(j, "wait_ms", json_integer(req->wait_ns / 1000000));
	json_object_set_new(j, "stale", json_boolean(req->stale));
	json_object_set_new(j, "consistent", json_boolean(req->consistent));
	json_object_set_new(j, "x", xs);
	json_object_set_new(j, "body_len",
	                    json_integer((json_int_t)req->body_len));
	json_object_set_new(j, "body_sum", json_integer((json_int_t)sum));
	json_object_set_new(
	    j, "remote_ok",
	    json_boolean(strncmp(req->remote, "127.0.0.1:", 10) == 0));
	return j;
}

static void h_echo(void *data, struct http_req *req)
{
	struct rctx *c = data;
	struct http_meta meta = {.has_index = true,
	                         .index = 7,
	                         .has_query_meta = true,
	                         .known_leader = true,
	                         .last_contact_ms = 3};
	c->f->calls++;
	http_respond_json(req, 200, echo_body(c, req), &meta);
}

static void answer_held(uv_timer_t *t)
{
	struct fix *f = t->data;
	for (size_t i = 0; i < f->nheld; i++) {
		struct http_req *req = f->held[i];
		const char *n = http_query(req, "n");
		json_t *j = json_pack("{s:i}", "n", n != NULL ? atoi(n) : -1);
		http_respond_json(req, 200, j, NULL);
	}
	f->nheld = 0;
}

/* Holds requests; answers them all from a timer once hold_target came. */
static void h_hold(void *data, struct http_req *req)
{
	struct fix *f = ((struct rctx *)data)->f;
	ck_assert(f->nheld < MAXHELD);
	f->held[f->nheld++] = req;
	if (f->hold_target != 0 && f->nheld == f->hold_target)
		uv_timer_start(&f->answer_timer, answer_held, 20, 0);
}

struct later {
	uv_timer_t t;
	struct http_req *req;
};

static void later_closed(uv_handle_t *h)
{
	mem_free(h->data);
}

static void later_fire(uv_timer_t *t)
{
	struct later *l = t->data;
	http_respond_text(l->req, 200, "later", NULL);
	uv_close((uv_handle_t *)&l->t, later_closed);
}

/* Answers 200 ms later from a timer. */
static void h_later(void *data, struct http_req *req)
{
	struct fix *f = ((struct rctx *)data)->f;
	struct later *l = mem_calloc(1, sizeof(*l));
	ck_assert_ptr_nonnull(l);
	l->req = req;
	uv_timer_init(&f->loop, &l->t);
	l->t.data = l;
	uv_timer_start(&l->t, later_fire, 200, 0);
}

static void h_error(void *data, struct http_req *req)
{
	int code = atoi(req->params[0]);
	(void)data;
	http_respond_error(req, 0, code,
	                   code == ERR_NOTFOUND ? "job not found" : NULL);
}

static void h_stop(void *data, struct http_req *req)
{
	struct fix *f = ((struct rctx *)data)->f;
	http_respond_text(req, 200, "bye", NULL);
	http_server_stop(f->s, on_stopped, f);
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(bad_routes_are_rejected)
{
	struct http_server *s;
	uv_loop_t loop;
	static const char *const bad[] = {
	    "v1/x", "/v1/*/x", "/a/:", "/a//b", "/a/", "/:a/:b/:c/:d/*"};
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(http_server_create(&loop, &s), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(http_route(s, "GET", bad[i], h_echo, NULL) ==
		                  ERR_INVAL,
		              "%s accepted", bad[i]);
	ck_assert_int_eq(http_route(s, "FETCH", "/x", h_echo, NULL), ERR_INVAL);
	ck_assert_int_eq(http_route(s, "GET|", "/x", h_echo, NULL), ERR_INVAL);
	ck_assert_int_eq(http_route(s, "GET|PUT", "/", h_echo, NULL), 0);
	ck_assert_int_eq(http_route(s, "GET", "/:a/:b/:c/*", h_echo, NULL), 0);
	/* Never listened: stop calls back at once, destroy frees. */
	http_server_stop(s, NULL, NULL);
	http_server_destroy(s);
	http_server_destroy(NULL);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

static const struct {
	const char *method, *path;
	long status;
	const char *route;
	const char *params; /* JSON array */
	const char *decoded;
} route_cases[] = {
    {"GET", "/v1/jobs", 200, "jobs", "[]", "/v1/jobs"},
    {"PUT", "/v1/jobs/parse", 200, "parse", "[]", NULL},
    {"POST", "/v1/jobs/parse", 200, "parse", "[]", NULL},
    {"GET", "/v1/jobs/parse", 405, NULL, NULL, NULL},
    {"GET", "/v1/jobs/other", 200, "jobs-x", "[\"other\"]", NULL},
    {"GET", "/v1/job/my%20job", 200, "job", "[\"my job\"]", "/v1/job/my job"},
    {"GET", "/v1/job/a%2Fb", 200, "job", "[\"a/b\"]", "/v1/job/a/b"},
    {"DELETE", "/v1/job/web", 200, "job-delete", "[\"web\"]", NULL},
    {"PUT", "/v1/job/web", 405, NULL, NULL, NULL},
    {"GET", "/v1/job/web/versions", 200, "versions", "[\"web\"]", NULL},
    {"GET", "/v1/job/web/nope", 404, NULL, NULL, NULL},
    {"GET", "/v1/job/", 404, NULL, NULL, NULL},
    {"GET", "/v1/jobs/", 404, NULL, NULL, NULL},
    {"GET", "/v1/client/fs/cat/alloc1/a%20b", 200, "fs-cat", "[\"alloc1/a b\"]",
     NULL},
    {"GET", "/v1/client/fs/ls/x", 200, "fs", "[\"ls/x\"]", NULL},
    {"GET", "/v1/client/fs/", 200, "fs", "[\"\"]", NULL},
    {"GET", "/v1/client/fs", 404, NULL, NULL, NULL},
    {"GET", "/v1/a/1/2/3/r/s%3Ft?x=1", 200, "deep",
     "[\"1\",\"2\",\"3\",\"r/s?t\"]", NULL},
    {"GET", "/nope", 404, NULL, NULL, NULL},
    {"GET", "/v1/job/%zz", 400, NULL, NULL, NULL},
    {"GET", "/v1/job/a%00b", 400, NULL, NULL, NULL},
};

static void add_routes(struct fix *f)
{
	fix_route(f, "GET", "/v1/jobs", h_echo, "jobs");
	fix_route(f, "PUT|POST", "/v1/jobs/parse", h_echo, "parse");
	fix_route(f, "GET", "/v1/jobs/:x", h_echo, "jobs-x");
	fix_route(f, "GET", "/v1/job/:id", h_echo, "job");
	fix_route(f, "DELETE", "/v1/job/:id", h_echo, "job-delete");
	fix_route(f, "GET", "/v1/job/:id/versions", h_echo, "versions");
	fix_route(f, "GET", "/v1/client/fs/*", h_echo, "fs");
	fix_route(f, "GET", "/v1/client/fs/cat/*", h_echo, "fs-cat");
	fix_route(f, "GET", "/v1/a/:b/:c/:d/*", h_echo, "deep");
	fix_route(f, "GET|PUT", "/v1/q", h_echo, "q");
	fix_route(f, "GET", "/v1/hold", h_hold, "hold");
	fix_route(f, "GET", "/v1/later", h_later, "later");
	fix_route(f, "GET", "/v1/err/:code", h_error, "err");
	fix_route(f, "GET", "/v1/stop", h_stop, "stop");
}

static void check_route_case(const struct creq *q, size_t i)
{
	json_t *j, *want;
	assert_reply(q, route_cases[i].status, NULL);
	if (route_cases[i].status == 404)
		ck_assert_str_eq(buf_cstr(&q->out), "");
	if (route_cases[i].status == 405)
		ck_assert_str_eq(buf_cstr(&q->out), "Invalid method");
	if (route_cases[i].status == 400)
		ck_assert_str_eq(buf_cstr(&q->out), "Invalid URL path");
	if (route_cases[i].route == NULL)
		return;
	j = creq_json(q);
	want = json_loads(route_cases[i].params, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "route")),
	                 route_cases[i].route);
	ck_assert_str_eq(json_string_value(json_object_get(j, "method")),
	                 route_cases[i].method);
	ck_assert_msg(json_equal(json_object_get(j, "params"), want),
	              "%s: params", route_cases[i].path);
	if (route_cases[i].decoded != NULL)
		ck_assert_str_eq(json_string_value(json_object_get(j, "path")),
		                 route_cases[i].decoded);
	ck_assert(json_is_true(json_object_get(j, "remote_ok")));
	json_decref(want);
	json_decref(j);
}

START_TEST(routes_match_and_capture)
{
	enum { N = sizeof(route_cases) / sizeof(route_cases[0]) };
	struct fix f;
	struct creq q[N];
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	for (size_t i = 0; i < N; i++)
		creq_set(&f, &q[i], route_cases[i].method, route_cases[i].path);
	client_run(&f, q, N);
	for (size_t i = 0; i < N; i++)
		check_route_case(&q[i], i);
	creqs_release(q, N);
	fix_done(&f);
}
END_TEST

static const struct {
	const char *query;
	long status;
	const char *want; /* JSON subset, or the 400 text */
} query_cases[] = {
    {"", 200,
     "{\"index\":0,\"wait_ms\":0,\"stale\":false,\"consistent\":false}"},
    {"?index=5&wait=10s", 200, "{\"index\":5,\"wait_ms\":10000}"},
    {"?index=18446744073709551615", 200, "{\"index\":18446744073709551615}"},
    {"?wait=10m", 200, "{\"wait_ms\":300000}"},
    {"?wait=1h30m", 200, "{\"wait_ms\":300000}"},
    {"?wait=-5s", 200, "{\"wait_ms\":0}"},
    {"?index=&wait=", 200, "{\"index\":0,\"wait_ms\":0}"},
    {"?stale", 200, "{\"stale\":true}"},
    {"?stale=", 200, "{\"stale\":true}"},
    {"?stale=true", 200, "{\"stale\":true}"},
    {"?stale=false", 200, "{\"stale\":false}"},
    {"?stale=1&consistent=T", 200, "{\"stale\":true,\"consistent\":true}"},
    {"?x=a+b%21&x=2&y", 200, "{\"x\":[\"a b!\",\"2\"]}"},
    {"?bad%zz=1&x=ok", 200, "{\"x\":[\"ok\"]}"},
    {"?x;y=1&x=z", 200, "{\"x\":[\"z\"]}"},
    {"?index=abc", 400, "Invalid index"},
    {"?index=-1", 400, "Invalid index"},
    {"?index=+1", 400, "Invalid index"},
    {"?index=18446744073709551616", 400, "Invalid index"},
    {"?wait=soon", 400, "Invalid wait time"},
    {"?wait=10", 400, "Invalid wait time"},
    {"?stale=maybe", 400,
     "Expect `true` or `false` for `stale` query string parameter"},
    {"?consistent=yes", 400,
     "Expect `true` or `false` for `consistent` query string parameter"},
    {"?index=bad&wait=bad&stale=bad", 400,
     "Expect `true` or `false` for `stale` query string parameter"},
    {"?index=bad&wait=bad", 400, "Invalid wait time"},
};

/* Every field of the case's JSON subset matches the echo (numbers as
 * reals, so an index beyond int64 compares too). */
static void check_query_case(const struct creq *q, size_t i)
{
	json_t *j, *want, *v;
	const char *k;
	if (query_cases[i].status == 400) {
		assert_reply(q, 400, query_cases[i].want);
		ck_assert(has_header(q, "Content-Type: text/plain; "
		                        "charset=utf-8"));
		return;
	}
	assert_reply(q, 200, NULL);
	j = creq_json(q);
	want = json_loads(query_cases[i].want, JSON_DECODE_INT_AS_REAL, NULL);
	ck_assert_ptr_nonnull(want);
	json_object_foreach(want, k, v)
	{
		json_t *got = json_object_get(j, k);
		if (json_is_real(v))
			ck_assert_msg((double)(uint64_t)json_integer_value(
			                  got) == json_real_value(v),
			              "%s: %s", query_cases[i].query, k);
		else
			ck_assert_msg(json_equal(got, v), "%s: %s",
			              query_cases[i].query, k);
	}
	json_decref(want);
	json_decref(j);
}

START_TEST(query_options_parse)
{
	enum { N = sizeof(query_cases) / sizeof(query_cases[0]) };
	struct fix f;
	struct creq q[N];
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	for (size_t i = 0; i < N; i++) {
		char path[256];
		snprintf(path, sizeof(path), "/v1/q%s", query_cases[i].query);
		creq_set(&f, &q[i], "GET", path);
	}
	client_run(&f, q, N);
	for (size_t i = 0; i < N; i++)
		check_query_case(&q[i], i);
	/* Only the valid requests reached the handler. */
	ck_assert_int_eq(f.calls, 15);
	creqs_release(q, N);
	fix_done(&f);
}
END_TEST

START_TEST(token_from_headers)
{
	static const struct {
		const char *h1, *h2, *token;
	} cases[] = {
	    {"X-Nomad-Token: abc", NULL, "abc"},
	    {"X-Nomad-Token:   spaced  ", NULL, "spaced"},
	    {"Authorization: Bearer xyz", NULL, "xyz"},
	    {"Authorization: bearer   tok extra", NULL, "tok"},
	    {"Authorization: Bearer b", "X-Nomad-Token: a", "a"},
	    {"Authorization: Basic xyz", NULL, NULL},
	    {"Authorization: Bearer", NULL, NULL},
	    {NULL, NULL, NULL},
	};
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	struct fix f;
	struct creq q[N];
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	for (size_t i = 0; i < N; i++) {
		creq_set(&f, &q[i], "GET", "/v1/q");
		q[i].hdrs[0] = cases[i].h1;
		q[i].hdrs[1] = cases[i].h2;
	}
	client_run(&f, q, N);
	for (size_t i = 0; i < N; i++) {
		json_t *j;
		const char *tok;
		assert_reply(&q[i], 200, NULL);
		j = creq_json(&q[i]);
		tok = json_string_value(json_object_get(j, "token"));
		if (cases[i].token == NULL)
			ck_assert_msg(tok == NULL, "case %zu: got %s", i, tok);
		else
			ck_assert_msg(tok != NULL &&
			                  strcmp(tok, cases[i].token) == 0,
			              "case %zu: got %s", i, tok);
		json_decref(j);
	}
	creqs_release(q, N);
	fix_done(&f);
}
END_TEST

START_TEST(sync_and_delayed_answers)
{
	struct fix f;
	struct creq q[3];
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	creq_set(&f, &q[0], "GET", "/v1/later");
	creq_set(&f, &q[1], "GET", "/v1/jobs");
	creq_set(&f, &q[2], "GET", "/v1/later");
	client_run(&f, q, 3);
	assert_reply(&q[0], 200, "later");
	assert_reply(&q[2], 200, "later");
	/* Not before the timer, and at once after it: no waiting for an
	 * unrelated event or MHD's own timeout. */
	ck_assert_msg(q[0].secs >= 0.19 && q[0].secs < 5,
	              "answered after "
	              "%.3f s",
	              q[0].secs);
	assert_reply(&q[1], 200, NULL);
	ck_assert_msg(q[1].secs < q[0].secs, "sync answer took %.3f s",
	              q[1].secs);
	creqs_release(q, 3);
	fix_done(&f);
}
END_TEST

START_TEST(concurrent_held_requests_answered_on_timer)
{
	enum { N = 200 };
	struct fix f;
	struct creq *q = mem_calloc(N, sizeof(*q));
	ck_assert_ptr_nonnull(q);
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	f.hold_target = N;
	for (size_t i = 0; i < N; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/v1/hold?n=%zu", i);
		creq_set(&f, &q[i], "GET", path);
	}
	client_run(&f, q, N);
	for (size_t i = 0; i < N; i++) {
		char want[32];
		snprintf(want, sizeof(want), "{\"n\":%zu}", i);
		assert_reply(&q[i], 200, want);
		ck_assert(has_header(&q[i], "Content-Type: application/json"));
	}
	creqs_release(q, N);
	mem_free(q);
	fix_done(&f);
}
END_TEST

START_TEST(body_limit_gives_413)
{
	enum { LIMIT = 1024, N = 6 };
	struct fix f;
	struct creq q[N];
	char *big = mem_malloc(LIMIT + 1);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < LIMIT + 1; i++)
		big[i] = (char)(i % 251); /* bytes, NULs included */
	fix_init(&f);
	add_routes(&f);
	http_server_set_max_body(f.s, LIMIT);
	fix_listen(&f);
	for (size_t i = 0; i < N; i++) {
		creq_set(&f, &q[i], "PUT", "/v1/q");
		q[i].body = big;
		q[i].body_len = i % 2 == 0 ? LIMIT + 1 : LIMIT;
		q[i].chunked = i >= 2 && i < 4;
		q[i].expect = i >= 4;
	}
	client_run(&f, q, N);
	for (size_t i = 0; i < N; i += 2)
		assert_reply(&q[i], 413, "Request body too large");
	for (size_t i = 1; i < N; i += 2) {
		json_t *j;
		unsigned long sum = 0;
		for (size_t k = 0; k < LIMIT; k++)
			sum += (unsigned char)big[k];
		assert_reply(&q[i], 200, NULL);
		j = creq_json(&q[i]);
		ck_assert_int_eq(
		    json_integer_value(json_object_get(j, "body_len")), LIMIT);
		ck_assert_int_eq(
		    json_integer_value(json_object_get(j, "body_sum")),
		    (json_int_t)sum);
		json_decref(j);
	}
	ck_assert_int_eq(f.calls, N / 2);
	creqs_release(q, N);
	mem_free(big);
	fix_done(&f);
}
END_TEST

START_TEST(not_found_bad_method_and_redirect)
{
	struct fix f;
	struct creq q[4];
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	creq_set(&f, &q[0], "GET", "/v1/unknown");
	creq_set(&f, &q[1], "DELETE", "/v1/jobs");
	creq_set(&f, &q[2], "GET", "/?region=global");
	creq_set(&f, &q[3], "BREW", "/v1/jobs");
	client_run(&f, q, 4);
	assert_reply(&q[0], 404, "");
	assert_reply(&q[1], 405, "Invalid method");
	ck_assert(has_header(&q[1], "Content-Type: text/plain; charset=utf-8"));
	assert_reply(&q[2], 307, NULL);
	ck_assert(has_header(&q[2], "Location: /ui/?region=global"));
	assert_reply(&q[3], 405, "Invalid method");
	ck_assert_int_eq(f.calls, 0);
	creqs_release(q, 4);
	fix_done(&f);
}
END_TEST

START_TEST(pretty_headers_and_errors)
{
	struct fix f;
	struct creq q[6];
	char path[64];
	const char *pretty_head = "{\n    \"route\": \"jobs\",\n";
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	creq_set(&f, &q[0], "GET", "/v1/jobs");
	creq_set(&f, &q[1], "GET", "/v1/jobs?pretty");
	creq_set(&f, &q[2], "GET", "/v1/jobs?pretty=0");
	snprintf(path, sizeof(path), "/v1/err/%d", ERR_NOTFOUND);
	creq_set(&f, &q[3], "GET", path);
	snprintf(path, sizeof(path), "/v1/err/%d", ERR_DECODE);
	creq_set(&f, &q[4], "GET", path);
	snprintf(path, sizeof(path), "/v1/err/%d", ERR_NOLEADER);
	creq_set(&f, &q[5], "GET", path);
	client_run(&f, q, 6);
	assert_reply(&q[0], 200, NULL);
	ck_assert(strncmp(buf_cstr(&q[0].out), "{\"route\":\"jobs\",", 16) ==
	          0);
	ck_assert(strchr(buf_cstr(&q[0].out), '\n') == NULL);
	ck_assert(has_header(&q[0], "Content-Type: application/json"));
	ck_assert(has_header(&q[0], "X-Nomad-Index: 7"));
	ck_assert(has_header(&q[0], "X-Nomad-KnownLeader: true"));
	ck_assert(has_header(&q[0], "X-Nomad-LastContact: 3"));
	assert_reply(&q[1], 200, NULL);
	ck_assert(strncmp(buf_cstr(&q[1].out), pretty_head,
	                  strlen(pretty_head)) == 0);
	ck_assert(q[1].out.len > 2 &&
	          strcmp(buf_cstr(&q[1].out) + q[1].out.len - 2, "}\n") == 0);
	assert_reply(&q[2], 200, NULL);
	ck_assert_str_eq(buf_cstr(&q[2].out), buf_cstr(&q[0].out));
	assert_reply(&q[3], 404, "job not found");
	ck_assert(has_header(&q[3], "Content-Type: text/plain; charset=utf-8"));
	ck_assert(!has_header(&q[3], "X-Nomad-Index: 7"));
	assert_reply(&q[4], 400, "decode error");
	assert_reply(&q[5], 500, "no cluster leader");
	creqs_release(q, 6);
	fix_done(&f);
}
END_TEST

START_TEST(client_disconnect_while_held)
{
	struct fix f;
	struct creq q[1];
	struct client c;
	struct http_req *req;
	atomic_bool hang_up = false;
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	creq_set(&f, &q[0], "GET", "/v1/hold?n=1");
	q[0].hang_up = &hang_up;
	client_start(&f, &c, q, 1, false);
	while (f.nheld == 0 && !f.timed_out)
		uv_run(&f.loop, UV_RUN_ONCE);
	ck_assert_int_eq(f.nheld, 1);
	req = f.held[0];
	ck_assert(!http_req_abandoned(req));
	atomic_store(&hang_up, true);
	client_wait(&f, &c);
	ck_assert_int_eq(q[0].rc, CURLE_ABORTED_BY_CALLBACK);
	while (!http_req_abandoned(req) && !f.timed_out)
		uv_run(&f.loop, UV_RUN_ONCE);
	ck_assert_msg(http_req_abandoned(req), "hang-up not noticed");
	ck_assert_str_eq(http_query(req, "n"), "1");
	ck_assert_str_eq(req->path, "/v1/hold");
	answer_held(&f.answer_timer); /* dropped, frees the request */
	creqs_release(q, 1);
	fix_done(&f);
}
END_TEST

START_TEST(stop_answers_held_requests)
{
	enum { N = 3 };
	struct fix f;
	struct creq q[N];
	struct client c;
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	for (size_t i = 0; i < N; i++)
		creq_set(&f, &q[i], "GET", "/v1/hold");
	client_start(&f, &c, q, N, false);
	while (f.nheld < N && !f.timed_out)
		uv_run(&f.loop, UV_RUN_ONCE);
	ck_assert_int_eq(f.nheld, N);
	http_server_stop(f.s, on_stopped, &f);
	client_wait(&f, &c);
	run_until(&f, &f.stopped);
	for (size_t i = 0; i < N; i++) {
		assert_reply(&q[i], 503, "agent shutting down");
		ck_assert(http_req_abandoned(f.held[i]));
	}
	answer_held(&f.answer_timer); /* after the stop: dropped */
	creqs_release(q, N);
	fix_done(&f);
}
END_TEST

START_TEST(stop_from_a_handler)
{
	struct fix f;
	struct creq q[1];
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	creq_set(&f, &q[0], "GET", "/v1/stop");
	client_run(&f, q, 1);
	run_until(&f, &f.stopped);
	assert_reply(&q[0], 200, "bye");
	creqs_release(q, 1);
	fix_done(&f);
}
END_TEST

/* Answers from later loop turns leave the kept-alive connection usable
 * for the next requests. */
START_TEST(keep_alive_across_held_requests)
{
	struct fix f;
	struct creq q[5];
	struct client c;
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	creq_set(&f, &q[0], "GET", "/v1/later");
	creq_set(&f, &q[1], "GET", "/v1/jobs");
	creq_set(&f, &q[2], "PUT", "/v1/q?x=1");
	q[2].body = "abc";
	q[2].body_len = 3;
	creq_set(&f, &q[3], "GET", "/v1/later");
	creq_set(&f, &q[4], "GET", "/v1/nope");
	client_start(&f, &c, q, 5, true);
	client_wait(&f, &c);
	assert_reply(&q[0], 200, "later");
	assert_reply(&q[1], 200, NULL);
	assert_reply(&q[2], 200, NULL);
	assert_reply(&q[3], 200, "later");
	assert_reply(&q[4], 404, "");
	ck_assert_int_eq(q[0].connects, 1);
	for (size_t i = 1; i < 5; i++)
		ck_assert_msg(q[i].connects == 0, "request %zu reconnected", i);
	creqs_release(q, 5);
	fix_done(&f);
}
END_TEST

/* One request per injected allocation failure: the server answers 200
 * or 500 or closes the connection, never crashes or leaks, and serves
 * normally afterwards. */
START_TEST(out_of_memory_anywhere)
{
	struct fix f;
	struct creq q[1];
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	for (int64_t i = 0; i < 90; i++) {
		struct client c;
		creq_set(&f, &q[0], "PUT",
		         "/v1/jobs/parse?x=a+b&index=2&pretty");
		q[0].hdrs[0] = "X-Nomad-Token: t";
		q[0].body = "{\"Job\":{}}";
		q[0].body_len = strlen(q[0].body);
		client_start(&f, &c, q, 1, false);
		mem_fault_set(i / 2, i % 2 == 0 ? 1 : -1);
		client_wait(&f, &c);
		mem_fault_reset();
		ck_assert_msg(q[0].rc != CURLE_OK || q[0].status == 200 ||
		                  q[0].status == 500,
		              "fault %lld: status %ld", (long long)i,
		              q[0].status);
		creqs_release(q, 1);
	}
	creq_set(&f, &q[0], "GET", "/v1/job/web");
	client_run(&f, q, 1);
	assert_reply(&q[0], 200, NULL);
	creqs_release(q, 1);
	fix_done(&f);
}
END_TEST

static struct buf log_lines;

static void log_capture(void *data, enum log_level level, const char *line)
{
	(void)data;
	(void)level;
	buf_append_str(&log_lines, line);
	buf_append_char(&log_lines, '\n');
}

START_TEST(log_line_per_request_without_token)
{
	struct fix f;
	struct creq q[2];
	buf_init(&log_lines);
	log_set_sink(log_capture, NULL);
	log_set_level(LOG_DEBUG);
	fix_init(&f);
	add_routes(&f);
	fix_listen(&f);
	creq_set(&f, &q[0], "GET", "/v1/jobs?index=3");
	q[0].hdrs[0] = "X-Nomad-Token: s3cr3t-token";
	creq_set(&f, &q[1], "PUT", "/v1/q");
	q[1].hdrs[0] = "Authorization: Bearer s3cr3t-token";
	q[1].body = "{\"Secret\":\"b0dy-secret\"}";
	q[1].body_len = strlen(q[1].body);
	client_run(&f, q, 2);
	assert_reply(&q[0], 200, NULL);
	assert_reply(&q[1], 200, NULL);
	fix_done(&f);
	log_set_level(LOG_INFO);
	log_set_sink(NULL, NULL);
	ck_assert_msg(strstr(buf_cstr(&log_lines),
	                     "request complete: method=GET path=/v1/jobs "
	                     "status=200 duration=") != NULL,
	              "%s", buf_cstr(&log_lines));
	ck_assert(
	    strstr(buf_cstr(&log_lines),
	           "request complete: method=PUT path=/v1/q status=200") !=
	    NULL);
	ck_assert(strstr(buf_cstr(&log_lines), "s3cr3t") == NULL);
	ck_assert(strstr(buf_cstr(&log_lines), "b0dy") == NULL);
	creqs_release(q, 2);
	buf_release(&log_lines);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = unit_tcase(s, "http", 60);
	tcase_add_test(tc, bad_routes_are_rejected);
	tcase_add_test(tc, routes_match_and_capture);
	tcase_add_test(tc, query_options_parse);
	tcase_add_test(tc, token_from_headers);
	tcase_add_test(tc, sync_and_delayed_answers);
	tcase_add_test(tc, concurrent_held_requests_answered_on_timer);
	tcase_add_test(tc, body_limit_gives_413);
	tcase_add_test(tc, not_found_bad_method_and_redirect);
	tcase_add_test(tc, pretty_headers_and_errors);
	tcase_add_test(tc, client_disconnect_while_held);
	tcase_add_test(tc, stop_answers_held_requests);
	tcase_add_test(tc, stop_from_a_handler);
	tcase_add_test(tc, keep_alive_across_held_requests);
	tcase_add_test(tc, out_of_memory_anywhere);
	tcase_add_test(tc, log_line_per_request_without_token);
	return s;
}

UNIT_MAIN(http_suite)
