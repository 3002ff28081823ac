/* api/http_server.c: the daemon on the uv loop: listen, drive, stop.
 *
 * libmicrohttpd runs without threads in its epoll mode: a uv_poll on
 * MHD's epoll fd and a uv_timer re-armed from MHD_get_timeout after every
 * MHD_run. Handlers run after MHD_run returns (never inside it), and a
 * response given while we drive only asks for another MHD_run round, so
 * MHD is never re-entered and a resumed connection never waits for an
 * unrelated event. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/http_int.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/mem.h"

int http_server_create(uv_loop_t *loop, struct http_server **out)
{
	struct http_server *s;
	*out = NULL;
	if (loop == NULL)
		return ERR_INVAL;
	s = mem_calloc(1, sizeof(*s));
	if (s == NULL)
		return ERR_NOMEM;
	s->loop = loop;
	s->max_body = HTTP_MAX_BODY;
	s->routes_tail = &s->routes;
	*out = s;
	return 0;
}

void http_server_set_max_body(struct http_server *s, size_t max)
{
	s->max_body = max;
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}

static void http_on_timer(uv_timer_t *t)
{
	http_server_drive(t->data);
}

static void http_on_poll(uv_poll_t *p, int status, int events)
{
	(void)events;
	if (status < 0)
		LOG_WARN(HTTP_LOG, "poll: %s", uv_strerror(status));
	http_server_drive(p->data);
}

static void http_arm_timer(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms;
	if (MHD_get_timeout(s->daemon, &ms) == MHD_YES)
		uv_timer_start(&s->timer, http_on_timer, (uint64_t)ms, 0);
	else
		uv_timer_stop(&s->timer);
}

static void http_on_closed(uv_handle_t *h)
{
	struct http_server *s = h->data;
	void (*cb)(void *data) = s->stop_cb;
	if (--s->closing > 0)
		return;
	s->stop_cb = NULL;
	if (cb != NULL)
		cb(s->stop_data); /* may destroy s */
}

/* The end of a stop: every request was answered (or the grace ran out). */
static void http_finish(struct http_server *s)
{
	struct MHD_Daemon *d = s->daemon;
	if (d == NULL)
		return;
	s->daemon = NULL;
	/* Out of the uv epoll set before MHD closes its epoll fd. */
	s->closing = 3;
	uv_close((uv_handle_t *)&s->poll, http_on_closed);
	uv_close((uv_handle_t *)&s->timer, http_on_closed);
	uv_close((uv_handle_t *)&s->grace, http_on_closed);
	MHD_stop_daemon(d);       /* completes what is left: requests detach */
	while (s->live != NULL) { /* only if MHD failed to tell us */
		struct http_ctx *r = s->live;
		http_ctx_detach(r);
		http_ctx_unref(r);
	}
	LOG_DEBUG(HTTP_LOG, "stopped");
}

void http_server_drive(struct http_server *s)
{
	if (s->daemon == NULL)
		return;
	if (s->driving) {
		s->rerun = true;
		return;
	}
	s->driving = true;
	do {
		s->rerun = false;
		if (MHD_run(s->daemon) != MHD_YES)
			LOG_WARN(HTTP_LOG, "MHD_run failed");
		http_dispatch_pending(s);
	} while (s->rerun);
	s->driving = false;
	if (s->stopping && s->live == NULL)
		http_finish(s);
	else
		http_arm_timer(s);
}

void http_server_kick(struct http_server *s)
{
	if (s->daemon == NULL)
		return;
	if (s->driving) {
		s->rerun = true;
		return;
	}
	/* Never run MHD (and so never dispatch new requests) from inside a
	 * caller's callback: the answer may come from deep in libraft or an
	 * RPC completion that is not ready for new work. Next loop turn. */
	uv_timer_start(&s->timer, http_on_timer, 0, 0);
}

/* "1.2.3.4:80" or "[::1]:80"; 0 or -1. */
static int http_parse_addr(const char *addr, struct sockaddr_storage *ss)
{
	const char *colon = strrchr(addr, ':');
	char host[64];
	size_t n;
	char *end;
	long port;
	if (colon == NULL || colon[1] == '\0')
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535)
		return -1;
	n = (size_t)(colon - addr);
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, addr, n);
	host[n] = '\0';
	if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0)
		return 0;
	return uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0
	           ? 0
	           : -1;
}

/* Our own listening socket: exact errors, and the port after port 0. */
static int http_listen_socket(struct http_server *s,
                              const struct sockaddr_storage *ss,
                              const char *addr, struct err *e)
{
	int one = 1, fd;
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                          : sizeof(struct sockaddr_in);
	struct sockaddr_storage bound;
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            0);
	if (fd < 0)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) != 0 ||
	    listen(fd, 511) != 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &len) != 0)
		goto fail;
	s->port = ntohs(bound.ss_family == AF_INET6
	                    ? ((struct sockaddr_in6 *)&bound)->sin6_port
	                    : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
fail:
	err_set(e, ERR_IO, "listen on \"%s\": %s", addr,
	        uv_strerror(uv_translate_sys_error(errno)));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Half the descriptors we may open, within [64, 4096]. */
static unsigned http_conn_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 4096;
	rl.rlim_cur /= 2;
	return rl.rlim_cur < 64     ? 64
	       : rl.rlim_cur > 4096 ? 4096
	                            : (unsigned)rl.rlim_cur;
}

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;
	(void)cls;
	if (LOG_DEBUG < log_current_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	LOG_DEBUG(HTTP_LOG, "libmicrohttpd: %s", line);
}

static struct MHD_Daemon *http_start_daemon(struct http_server *s, int fd,
                                            bool v6)
{
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	                 MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	return MHD_start_daemon(
	    flags, 0, NULL, NULL, http_on_access, s, MHD_OPTION_EXTERNAL_LOGGER,
	    http_mhd_log, s, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_URI_LOG_CALLBACK, http_on_uri, s,
	    MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, http_conn_limit(), MHD_OPTION_END);
}

/* Hooks the daemon's epoll fd and timer onto the loop. */
static int http_attach(struct http_server *s, const char *addr, struct err *e)
{
	const union MHD_DaemonInfo *di =
	    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	int rc = di == NULL ? UV_EINVAL
	                    : uv_poll_init(s->loop, &s->poll, di->epoll_fd);
	if (rc != 0)
		return err_set(e, ERR_IO, "listen on \"%s\": epoll: %s", addr,
		               uv_strerror(rc));
	uv_timer_init(s->loop, &s->timer);
	uv_timer_init(s->loop, &s->grace);
	s->poll.data = s->timer.data = s->grace.data = s;
	uv_poll_start(&s->poll, UV_READABLE, http_on_poll);
	return 0;
}

int http_server_listen(struct http_server *s, const char *addr, struct err *e)
{
	struct sockaddr_storage ss;
	int fd;
	if (s->daemon != NULL || s->stopping)
		return err_set(e, ERR_INVAL, "http server already started");
	memset(&ss, 0, sizeof(ss));
	if (addr == NULL || http_parse_addr(addr, &ss) != 0)
		return err_set(e, ERR_INVAL, "invalid address \"%s\"",
		               addr != NULL ? addr : "");
	fd = http_listen_socket(s, &ss, addr, e);
	if (fd < 0)
		return ERR_IO;
	s->daemon = http_start_daemon(s, fd, ss.ss_family == AF_INET6);
	if (s->daemon == NULL) {
		close(fd);
		return err_set(e, ERR_IO,
		               "listen on \"%s\": cannot start "
		               "libmicrohttpd",
		               addr);
	}
	if (http_attach(s, addr, e) != 0) {
		MHD_stop_daemon(s->daemon); /* closes fd */
		s->daemon = NULL;
		return ERR_IO;
	}
	LOG_DEBUG(HTTP_LOG, "listening on %s (port %d)", addr, s->port);
	http_server_drive(s);
	return 0;
}

static void http_on_grace(uv_timer_t *t)
{
	struct http_server *s = t->data;
	LOG_DEBUG(HTTP_LOG, "stop: grace period over, closing connections");
	http_finish(s);
}

void http_server_stop(struct http_server *s, void (*cb)(void *data), void *data)
{
	MHD_socket lfd;
	if (s->stopping)
		return;
	s->stopping = true;
	s->stop_cb = cb;
	s->stop_data = data;
	if (s->daemon == NULL) {
		s->stop_cb = NULL;
		if (cb != NULL)
			cb(data);
		return;
	}
	lfd = MHD_quiesce_daemon(s->daemon);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	http_shutdown_requests(s);
	uv_timer_start(&s->grace, http_on_grace, HTTP_STOP_GRACE_MS, 0);
	http_server_drive(s);
}

void http_server_destroy(struct http_server *s)
{
	if (s == NULL)
		return;
	if (s->daemon != NULL || s->closing > 0) {
		/* Freeing now would leave live uv handles pointing at s. */
		LOG_ERROR(HTTP_LOG, "destroy before stop finished; leaking "
		                    "the server");
		return;
	}
	http_routes_free(s);
	for (size_t i = 0; i < s->nkept; i++)
		mem_free(s->kept[i]);
	mem_free(s->kept);
	mem_free(s);
}

void http_server_keep(struct http_server *s, void *p)
{
	void **v = mem_realloc(s->kept, (s->nkept + 1) * sizeof *v);
	if (v == NULL)
		return; /* leaks p: harmless, it lives as long as s */
	s->kept = v;
	v[s->nkept++] = p;
}
