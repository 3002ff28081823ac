/* api/routes_client.c: Nomad's /v1/client/... routes: an allocation's
 * files and logs, its resource usage and restart, the host's stats.
 *
 * Every route first resolves the caller's ACL (api_acl_resolve) and
 * checks Nomad's capability on the allocation's namespace: read-fs for
 * the fs routes, read-logs or read-fs for logs, read-job for stats,
 * alloc-lifecycle for restart, node:read for the host stats. A caller
 * without the capability in any namespace is refused before the
 * allocation is looked up.
 *
 * The agent running the allocation answers from its alloc dir. Any other
 * agent that is a server finds the allocation and its node in its own
 * state (not through RPCs: those would need the caller to hold read-job
 * and node:read as well), checks the caller there, and relays the
 * request with the caller's token to the node's HTTP address, streaming
 * the answer back, so a CLI pointed at any server works (Nomad does the
 * same over its client connections). The client agent checks the token
 * again: X-Steppe-Forwarded only stops a second relay, it is never an
 * identity. A client-only agent answers only for its own allocations. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acl/acl.h"
#include "api/routes.h"
#include "api/routes_int.h"
#include "client/allocdir.h"
#include "client/client.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc.h"
#include "server/messages.h"
#include "server/server.h"
#include "state/state.h"
#include "structs/alloc.h"
#include "structs/node.h"

#define RC_FORWARDED  "X-Steppe-Forwarded"
#define RC_CHUNK      (64u * 1024u)
#define RC_MAX_QUEUED (1024u * 1024u)
#define RC_POLL_MS    250

struct rc_ctx {
	struct client *client;
	struct server *server;
	const char *self_http;
};

typedef void (*rc_local_fn)(struct rc_ctx *x, struct http_req *req,
                            const char *alloc_dir);

/* ---- relaying to the node that runs the allocation ----------------------
 */

struct rc_proxy {
	struct http_req *req;
	struct http_stream *st;
	uv_tcp_t tcp;
	uv_connect_t connect;
	uv_write_t write;
	uv_timer_t timer;
	struct buf out;  /* the request we send */
	struct buf head; /* the answer's head until it is complete */
	bool head_done, tcp_open, timer_open, reading, done;
	int handles;
};

static void rc_proxy_handle_closed(uv_handle_t *h)
{
	struct rc_proxy *p = h->data;
	if (--p->handles > 0)
		return;
	buf_release(&p->out);
	buf_release(&p->head);
	mem_free(p);
}

/* Ends the relay: the downstream answer (a 502 when nothing was sent
 * yet), then the handles. */
static void rc_proxy_finish(struct rc_proxy *p, const char *why)
{
	if (p->done)
		return;
	p->done = true;
	if (p->st != NULL)
		http_stream_end(p->st);
	else if (p->req != NULL)
		http_respond_text(p->req, 502, why ? why : "bad gateway", NULL);
	p->st = NULL;
	p->req = NULL;
	uv_close((uv_handle_t *)&p->tcp, rc_proxy_handle_closed);
	uv_close((uv_handle_t *)&p->timer, rc_proxy_handle_closed);
}

static void rc_proxy_downstream_gone(void *data)
{
	struct rc_proxy *p = data;
	rc_proxy_finish(p, NULL);
}

static void rc_proxy_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h, (void)hint;
	b->base = mem_malloc(RC_CHUNK);
	b->len = b->base ? RC_CHUNK : 0;
}

static void rc_proxy_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

static void rc_proxy_resume(uv_timer_t *t)
{
	struct rc_proxy *p = t->data;
	if (p->done || p->st == NULL)
		return;
	if (http_stream_pending(p->st) > RC_MAX_QUEUED) {
		uv_timer_start(&p->timer, rc_proxy_resume, 50, 0);
		return;
	}
	p->reading = true;
	uv_read_start((uv_stream_t *)&p->tcp, rc_proxy_alloc, rc_proxy_read);
}

/* Parses the upstream head ("HTTP/1.x NNN ...", headers) and starts the
 * downstream answer with its status and content type. */
static bool rc_proxy_head(struct rc_proxy *p)
{
	char *end = memmem(p->head.data, p->head.len, "\r\n\r\n", 4);
	char ctype[128] = "";
	int status = 0;
	const char *ct;
	size_t body_off;
	if (end == NULL)
		return p->head.len < 65536;
	*end = '\0';
	body_off = (size_t)(end - p->head.data) + 4;
	if (sscanf(p->head.data, "HTTP/%*d.%*d %d", &status) != 1 ||
	    status < 100 || status > 599)
		return false;
	ct = strcasestr(p->head.data, "\r\nContent-Type:");
	if (ct != NULL) {
		ct += 15;
		while (*ct == ' ')
			ct++;
		snprintf(ctype, sizeof ctype, "%.*s", (int)strcspn(ct, "\r\n"),
		         ct);
	}
	p->head_done = true;
	p->st = http_respond_stream(p->req, status, ctype[0] ? ctype : NULL,
	                            NULL, rc_proxy_downstream_gone, p);
	p->req = NULL;
	if (p->st == NULL)
		return false;
	if (p->head.len > body_off)
		http_stream_write(p->st, p->head.data + body_off,
		                  p->head.len - body_off);
	buf_reset(&p->head);
	return true;
}

static void rc_proxy_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct rc_proxy *p = s->data;
	if (n < 0 || p->done) {
		mem_free(b->base);
		rc_proxy_finish(p, "the client node closed the connection");
		return;
	}
	if (n > 0 && !p->head_done) {
		buf_append(&p->head, b->base, (size_t)n);
		if (!rc_proxy_head(p)) {
			mem_free(b->base);
			rc_proxy_finish(p, "bad answer from the client node");
			return;
		}
	} else if (n > 0 &&
	           http_stream_write(p->st, b->base, (size_t)n) != ERR_OK) {
		mem_free(b->base);
		rc_proxy_finish(p, NULL);
		return;
	}
	mem_free(b->base);
	if (p->st != NULL && http_stream_pending(p->st) > RC_MAX_QUEUED) {
		p->reading = false;
		uv_read_stop(s);
		uv_timer_start(&p->timer, rc_proxy_resume, 50, 0);
	}
}

static void rc_proxy_written(uv_write_t *w, int status)
{
	struct rc_proxy *p = w->data;
	if (status != 0) {
		rc_proxy_finish(p, "cannot reach the client node");
		return;
	}
	p->reading = true;
	uv_read_start((uv_stream_t *)&p->tcp, rc_proxy_alloc, rc_proxy_read);
}

static void rc_proxy_connected(uv_connect_t *c, int status)
{
	struct rc_proxy *p = c->data;
	uv_buf_t b;
	if (status != 0 || p->done) {
		rc_proxy_finish(p, "cannot reach the client node");
		return;
	}
	b = uv_buf_init(p->out.data, (unsigned)p->out.len);
	p->write.data = p;
	if (uv_write(&p->write, (uv_stream_t *)&p->tcp, &b, 1,
	             rc_proxy_written) != 0)
		rc_proxy_finish(p, "cannot reach the client node");
}

static void rc_proxy_start(struct rc_ctx *x, struct http_req *req,
                           const char *http_addr)
{
	struct rc_proxy *p = mem_calloc(1, sizeof *p);
	struct sockaddr_in sa;
	char host[64];
	int port = 0;
	const char *colon = http_addr ? strrchr(http_addr, ':') : NULL;
	(void)x;
	if (colon == NULL || (size_t)(colon - http_addr) >= sizeof host ||
	    (port = atoi(colon + 1)) <= 0) {
		mem_free(p);
		http_respond_text(req, 500,
		                  "the allocation's node has no HTTP "
		                  "address",
		                  NULL);
		return;
	}
	memcpy(host, http_addr, (size_t)(colon - http_addr));
	host[colon - http_addr] = '\0';
	if (p == NULL || uv_ip4_addr(host, port, &sa) != 0) {
		mem_free(p);
		http_respond_text(req, 500, "bad node address", NULL);
		return;
	}
	p->req = req;
	buf_init(&p->out);
	buf_init(&p->head);
	buf_appendf(&p->out, "%s %s HTTP/1.0\r\nHost: %s\r\n%s: 1\r\n",
	            req->method, http_raw_target(req), http_addr, RC_FORWARDED);
	if (req->token != NULL)
		buf_appendf(&p->out, "X-Nomad-Token: %s\r\n", req->token);
	buf_appendf(&p->out, "Content-Length: %zu\r\n\r\n", req->body_len);
	buf_append(&p->out, req->body, req->body_len);
	uv_tcp_init(http_req_loop(req), &p->tcp);
	uv_timer_init(http_req_loop(req), &p->timer);
	p->tcp.data = p->timer.data = p->connect.data = p;
	p->handles = 2;
	if (uv_tcp_connect(&p->connect, &p->tcp, (struct sockaddr *)&sa,
	                   rc_proxy_connected) != 0)
		rc_proxy_finish(p, "cannot reach the client node");
}

/* ---- who may ask, and where the allocation runs ------------------------
 */

/* What a route needs on the allocation's namespace. */
enum rc_need {
	RC_NEED_FS,        /* read-fs */
	RC_NEED_LOGS,      /* read-logs or read-fs */
	RC_NEED_JOB,       /* read-job */
	RC_NEED_LIFECYCLE, /* alloc-lifecycle */
};

static bool rc_allowed(const struct acl *a, const char *ns, enum rc_need need)
{
	switch (need) {
	case RC_NEED_FS: return acl_allow_ns_op(a, ns, ACL_CAP_READ_FS);
	case RC_NEED_LOGS:
		return acl_allow_ns_op(a, ns, ACL_CAP_READ_LOGS) ||
		       acl_allow_ns_op(a, ns, ACL_CAP_READ_FS);
	case RC_NEED_JOB: return acl_allow_ns_op(a, ns, ACL_CAP_READ_JOB);
	case RC_NEED_LIFECYCLE:
		return acl_allow_ns_op(a, ns, ACL_CAP_ALLOC_LIFECYCLE);
	}
	return false;
}

/* One allocation route: what it answers with and what it needs. Lives
 * as long as the routes (no allocation per request, so nothing to free
 * when the caller's token is refused). */
struct rc_route {
	struct rc_ctx *x;
	rc_local_fn local;
	enum rc_need need;
};

/* On a server: the allocation's node from this server's state, then the
 * relay. Answers 404 for an unknown allocation or node, 403 when the
 * caller may not act on the allocation's namespace. */
static void rc_relay(struct rc_ctx *x, struct http_req *req,
                     const struct acl *a, enum rc_need need)
{
	struct store *st = server_store(x->server);
	const struct allocation *al = store_alloc(st, req->params[0]);
	const struct node *n;
	if (al == NULL || al->node_id == NULL) {
		http_respond_text(req, 404, "Unknown allocation", NULL);
		return;
	}
	if (!rc_allowed(a, al->namespace ? al->namespace : "default", need)) {
		http_respond_text(req, 403, "Permission denied", NULL);
		return;
	}
	n = store_node(st, al->node_id);
	if (n == NULL || n->http_addr == NULL || *n->http_addr == '\0')
		http_respond_text(req, 404, "Unknown node", NULL);
	else if (x->self_http != NULL &&
	         strcmp(n->http_addr, x->self_http) == 0)
		http_respond_text(req, 404, "Unknown allocation", NULL);
	else
		rc_proxy_start(x, req, n->http_addr);
}

static void rc_authorized(void *data, struct http_req *req, struct acl *a)
{
	const struct rc_route f = *(const struct rc_route *)data;
	const char *alloc_id = req->params[0];
	char dir[4096], ns[256];
	struct err e;
	err_clear(&e);
	if (!rc_allowed(a, "*", f.need)) {
		http_respond_text(req, 403, "Permission denied", NULL);
	} else if (f.x->client != NULL &&
	           client_alloc_dir(f.x->client, alloc_id, dir, sizeof dir,
	                            &e) == ERR_OK &&
	           client_alloc_namespace(f.x->client, alloc_id, ns, sizeof ns,
	                                  &e) == ERR_OK) {
		if (rc_allowed(a, ns, f.need))
			f.local(f.x, req, dir);
		else
			http_respond_text(req, 403, "Permission denied", NULL);
	} else if (f.x->server != NULL &&
	           http_header(req, RC_FORWARDED) == NULL) {
		rc_relay(f.x, req, a, f.need);
	} else {
		http_respond_text(req, 404, "Unknown allocation", NULL);
	}
	acl_release(a);
}

/* Every allocation route: checks the caller, then answers locally when
 * this agent runs the allocation, else relays. */
static void route_alloc(void *data, struct http_req *req)
{
	api_acl_resolve(req, rc_authorized, data);
}

/* ---- local answers: files -------------------------------------------------
 */

static bool rc_resolve(struct http_req *req, const char *dir, char *out,
                       size_t size)
{
	const char *path = http_query(req, "path");
	struct err e;
	err_clear(&e);
	if (path == NULL || *path == '\0')
		path = "/";
	while (*path == '/')
		path++;
	if (allocdir_resolve(dir, *path ? path : ".", out, size, &e) !=
	    ERR_OK) {
		http_respond_error(req, 0, e.code, e.msg);
		return false;
	}
	return true;
}

static void rc_ls(struct rc_ctx *x, struct http_req *req, const char *dir)
{
	char path[4096];
	json_t *j = NULL;
	struct err e;
	(void)x;
	err_clear(&e);
	if (!rc_resolve(req, dir, path, sizeof path))
		return;
	if (allocdir_list_json(path, &j, &e) != ERR_OK) {
		http_respond_text(req, e.code == ERR_NOTFOUND ? 404 : 400,
		                  e.msg, NULL);
		return;
	}
	http_respond_json(req, 200, j, NULL);
}

static void rc_stat(struct rc_ctx *x, struct http_req *req, const char *dir)
{
	char path[4096];
	const char *slash;
	json_t *j;
	(void)x;
	if (!rc_resolve(req, dir, path, sizeof path))
		return;
	slash = strrchr(path, '/');
	j = allocdir_stat_json(path, slash ? slash + 1 : path);
	if (j == NULL) {
		http_respond_text(req, 404, "file not found", NULL);
		return;
	}
	http_respond_json(req, 200, j, NULL);
}

/* cat and readat: a regular file's bytes (offset/limit for readat). */
static void rc_read_file(struct http_req *req, const char *dir, bool ranged)
{
	char path[4096];
	const char *off = http_query(req, "offset"),
	           *lim = http_query(req, "limit");
	long long o = ranged && off ? atoll(off) : 0;
	long long l = ranged && lim ? atoll(lim) : -1;
	struct stat st;
	char *body;
	ssize_t got;
	int fd;
	if (!rc_resolve(req, dir, path, sizeof path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		http_respond_text(req, 400, "path is not a regular file", NULL);
		return;
	}
	if (o < 0 || o > st.st_size)
		o = st.st_size;
	if (l < 0 || l > st.st_size - o)
		l = st.st_size - o;
	if (l > 64LL * 1024 * 1024) {
		close(fd);
		http_respond_text(req, 413,
		                  "file too large: use readat with "
		                  "offset and limit",
		                  NULL);
		return;
	}
	body = mem_malloc((size_t)l + 1);
	got = body ? pread(fd, body, (size_t)l, o) : -1;
	close(fd);
	if (got < 0) {
		mem_free(body);
		http_respond_text(req, 500, "read failed", NULL);
		return;
	}
	body[got] = '\0';
	http_respond_text(req, 200, body, NULL);
	mem_free(body);
}

static void rc_cat(struct rc_ctx *x, struct http_req *req, const char *dir)
{
	(void)x;
	rc_read_file(req, dir, false);
}

static void rc_readat(struct rc_ctx *x, struct http_req *req, const char *dir)
{
	(void)x;
	rc_read_file(req, dir, true);
}

/* ---- local answers: logs ---------------------------------------------------
 */

struct rc_logs {
	struct http_stream *st;
	char dir[4096]; /* alloc/logs */
	char base[300]; /* "<task>.<type>" */
	long idx;       /* current file index */
	int fd;
	off_t pos;
	bool follow, plain, done, closing;
	uv_timer_t timer;
};

/* Highest (or lowest) N of base.N in dir; -1 when there is none. */
static long rc_log_index(const char *dir, const char *base, bool highest)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t bl = strlen(base);
	long best = -1;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long n;
		if (strncmp(de->d_name, base, bl) != 0 || de->d_name[bl] != '.')
			continue;
		n = strtol(de->d_name + bl + 1, &end, 10);
		if (*end != '\0' || n < 0)
			continue;
		if (best < 0 || (highest ? n > best : n < best))
			best = n;
	}
	closedir(d);
	return best;
}

static int rc_log_open(struct rc_logs *l, long idx)
{
	char path[4500];
	snprintf(path, sizeof path, "%s/%s.%ld", l->dir, l->base, idx);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	l->idx = idx;
	l->pos = 0;
	return l->fd;
}

static void rc_logs_closed(uv_handle_t *h)
{
	struct rc_logs *l = h->data;
	if (l->fd >= 0)
		close(l->fd);
	mem_free(l);
}

static void rc_logs_end(struct rc_logs *l)
{
	if (l->closing)
		return;
	l->closing = true;
	if (l->st != NULL)
		http_stream_end(l->st);
	l->st = NULL;
	uv_close((uv_handle_t *)&l->timer, rc_logs_closed);
}

static void rc_logs_gone(void *data)
{
	rc_logs_end(data);
}

/* Nomad's StreamFrame: {"Offset":N,"Data":"<base64>","File":"..."}. */
static int rc_logs_frame(struct rc_logs *l, const char *data, size_t n)
{
	char file[400];
	struct buf b;
	int rc;
	unsigned char *enc = mem_malloc(4 * ((n + 2) / 3) + 1);
	if (enc == NULL)
		return ERR_NOMEM;
	EVP_EncodeBlock(enc, (const unsigned char *)data, (int)n);
	snprintf(file, sizeof file, "alloc/logs/%s.%ld", l->base, l->idx);
	buf_init(&b);
	buf_appendf(&b, "{\"Offset\":%lld,\"Data\":\"%s\",\"File\":",
	            (long long)(l->pos), (const char *)enc);
	buf_append_json_string(&b, file);
	buf_append_char(&b, '}');
	mem_free(enc);
	rc = b.oom ? ERR_NOMEM : http_stream_write(l->st, b.data, b.len);
	buf_release(&b);
	return rc;
}

static void rc_logs_pump(uv_timer_t *t)
{
	struct rc_logs *l = t->data;
	char chunk[RC_CHUNK / 2];
	int rounds = 16;
	if (l->closing || l->st == NULL)
		return;
	while (rounds-- > 0 && http_stream_pending(l->st) < RC_MAX_QUEUED) {
		ssize_t n =
		    l->fd >= 0 ? pread(l->fd, chunk, sizeof chunk, l->pos) : 0;
		int rc;
		if (n > 0) {
			rc = l->plain
			         ? http_stream_write(l->st, chunk, (size_t)n)
			         : rc_logs_frame(l, chunk, (size_t)n);
			l->pos += n;
			if (rc != ERR_OK) {
				rc_logs_end(l);
				return;
			}
			continue;
		}
		/* At the end of this file: a newer one means it rotated. */
		if (rc_log_index(l->dir, l->base, true) > l->idx) {
			char path[4500];
			long next = l->idx + 1;
			snprintf(path, sizeof path, "%s/%s.%ld", l->dir,
			         l->base, next);
			while (access(path, F_OK) != 0 &&
			       next < rc_log_index(l->dir, l->base, true))
				snprintf(path, sizeof path, "%s/%s.%ld", l->dir,
				         l->base, ++next);
			rc_log_open(l, next);
			continue;
		}
		if (!l->follow) {
			rc_logs_end(l);
			return;
		}
		if (l->fd < 0) {
			long idx = rc_log_index(l->dir, l->base, false);
			if (idx >= 0)
				rc_log_open(l, idx);
		}
		break;
	}
	uv_timer_start(
	    &l->timer, rc_logs_pump,
	    http_stream_pending(l->st) >= RC_MAX_QUEUED ? 20 : RC_POLL_MS, 0);
}

static void rc_logs(struct rc_ctx *x, struct http_req *req, const char *dir)
{
	const char *task = http_query(req, "task");
	const char *type = http_query(req, "type");
	const char *origin = http_query(req, "origin");
	const char *offset = http_query(req, "offset");
	const char *alloc_id = req->params[0];
	char deftask[128];
	struct rc_logs *l;
	long long off = offset ? atoll(offset) : 0;
	bool plain = false, follow = false;
	char msg[160];
	struct err e;
	err_clear(&e);
	if (!api_query_bool(req, "plain", &plain, msg, sizeof msg) ||
	    !api_query_bool(req, "follow", &follow, msg, sizeof msg)) {
		http_respond_text(req, 400, msg, NULL);
		return;
	}
	if (task == NULL || *task == '\0') {
		if (client_alloc_default_task(x->client, alloc_id, deftask,
		                              sizeof deftask, &e) != ERR_OK) {
			http_respond_text(req, 400, "must include task name",
			                  NULL);
			return;
		}
		task = deftask;
	} else if (client_alloc_task(x->client, alloc_id, task, &e) != ERR_OK) {
		http_respond_text(req, 404, e.msg, NULL);
		return;
	}
	if (type == NULL ||
	    (strcmp(type, "stdout") != 0 && strcmp(type, "stderr") != 0)) {
		http_respond_text(req, 400,
		                  "must include log type (stdout or "
		                  "stderr)",
		                  NULL);
		return;
	}
	if (origin != NULL && *origin && strcmp(origin, "start") != 0 &&
	    strcmp(origin, "end") != 0) {
		http_respond_text(req, 400, "origin must be start or end",
		                  NULL);
		return;
	}
	l = mem_calloc(1, sizeof *l);
	if (l == NULL) {
		http_respond_text(req, 500, "out of memory", NULL);
		return;
	}
	l->fd = -1;
	l->follow = follow;
	l->plain = plain;
	snprintf(l->dir, sizeof l->dir, "%s/alloc/logs", dir);
	snprintf(l->base, sizeof l->base, "%s.%s", task, type);
	if (origin != NULL && strcmp(origin, "end") == 0) {
		long idx = rc_log_index(l->dir, l->base, true);
		struct stat st;
		if (idx >= 0 && rc_log_open(l, idx) >= 0 &&
		    fstat(l->fd, &st) == 0)
			l->pos = off < st.st_size ? st.st_size - off : 0;
	} else {
		long idx = rc_log_index(l->dir, l->base, false);
		if (idx >= 0 && rc_log_open(l, idx) >= 0)
			l->pos = off > 0 ? off : 0;
	}
	uv_timer_init(http_req_loop(req), &l->timer);
	l->timer.data = l;
	l->st = http_respond_stream(
	    req, 200, plain ? "text/plain; charset=utf-8" : "application/json",
	    NULL, rc_logs_gone, l);
	if (l->st == NULL) {
		l->closing = true;
		uv_close((uv_handle_t *)&l->timer, rc_logs_closed);
		return;
	}
	uv_timer_start(&l->timer, rc_logs_pump, 0, 0);
}

/* ---- local answers: stats and restart --------------------------------------
 */

static void rc_stats(struct rc_ctx *x, struct http_req *req, const char *dir)
{
	struct err e;
	json_t *j;
	(void)dir;
	err_clear(&e);
	j = client_alloc_stats(x->client, req->params[0], &e);
	if (j == NULL)
		http_respond_error(req, 0, e.code, e.msg);
	else
		http_respond_json(req, 200, j, NULL);
}

static void rc_restart(struct rc_ctx *x, struct http_req *req, const char *dir)
{
	json_t *body = NULL;
	const char *task = NULL;
	struct err e;
	(void)dir;
	err_clear(&e);
	if (req->body_len > 0) {
		body = json_loads(req->body, 0, NULL);
		if (body == NULL) {
			http_respond_text(req, 400, "invalid JSON body", NULL);
			return;
		}
		task = json_string_value(json_object_get(body, "TaskName"));
	}
	if (client_alloc_restart(x->client, req->params[0], task, &e) != ERR_OK)
		http_respond_error(req, 0, e.code, e.msg);
	else
		http_respond_json(req, 200, json_object(), NULL);
	json_decref(body);
}

/* ---- routes ----------------------------------------------------------------
 */

/* GET /v1/client/stats: node:read. */
static void host_stats_allowed(void *data, struct http_req *req, struct acl *a)
{
	struct rc_ctx *x = data;
	bool ok = acl_allow(a, ACL_AREA_NODE, ACL_READ);
	acl_release(a);
	if (!ok)
		http_respond_text(req, 403, "Permission denied", NULL);
	else if (x->client == NULL)
		http_respond_text(req, 400, "not a client agent", NULL);
	else
		http_respond_json(req, 200, client_host_stats(x->client), NULL);
}

static void route_host_stats(void *data, struct http_req *req)
{
	api_acl_resolve(req, host_stats_allowed, data);
}

int api_routes_client_register(struct http_server *h, struct client *client,
                               struct server *server, const char *self_http)
{
	static const struct {
		const char *m, *p;
		rc_local_fn local;
		enum rc_need need;
	} routes[] = {
	    {"GET", "/v1/client/fs/ls/:alloc", rc_ls, RC_NEED_FS},
	    {"GET", "/v1/client/fs/stat/:alloc", rc_stat, RC_NEED_FS},
	    {"GET", "/v1/client/fs/cat/:alloc", rc_cat, RC_NEED_FS},
	    {"GET", "/v1/client/fs/readat/:alloc", rc_readat, RC_NEED_FS},
	    {"GET", "/v1/client/fs/logs/:alloc", rc_logs, RC_NEED_LOGS},
	    {"GET", "/v1/client/allocation/:alloc/stats", rc_stats,
	     RC_NEED_JOB},
	    {"PUT|POST", "/v1/client/allocation/:alloc/restart", rc_restart,
	     RC_NEED_LIFECYCLE},
	};
	const size_t n = sizeof routes / sizeof *routes;
	struct rc_ctx *x = mem_calloc(1, sizeof *x);
	struct rc_route *rt = mem_calloc(n, sizeof *rt);
	int rc = ERR_OK;
	/* x and rt live as long as the routes: the agent's lifetime. */
	if (x != NULL)
		http_server_keep(h, x);
	if (rt != NULL)
		http_server_keep(h, rt);
	if (x == NULL || rt == NULL)
		return ERR_NOMEM;
	x->client = client;
	x->server = server;
	x->self_http = self_http;
	for (size_t i = 0; rc == ERR_OK && i < n; i++) {
		rt[i] = (struct rc_route){x, routes[i].local, routes[i].need};
		rc = http_route(h, routes[i].m, routes[i].p, route_alloc,
		                &rt[i]);
	}
	if (rc == ERR_OK)
		rc = http_route(h, "GET", "/v1/client/stats", route_host_stats,
		                x);
	return rc;
}
