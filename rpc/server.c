/* rpc/server.c: the RPC server's life: methods, listening, stopping. The
 * connections themselves live in server_conn.c. */
#include <assert.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc_int.h"

#define RPC_BACKLOG 511

int rpc_server_create(uv_loop_t *loop, struct rpc_server **out)
{
	struct rpc_server *s = mem_calloc(1, sizeof *s);
	*out = NULL;
	if (s == NULL)
		return ERR_NOMEM;
	s->loop = loop;
	s->port = -1;
	rpc_link_init(&s->conns);
	rpc_link_init(&s->locals);
	*out = s;
	return ERR_OK;
}

/* Methods are kept sorted by name: every call looks its method up. */
static size_t server_method_pos(const struct rpc_server *s, const char *name,
                                bool *found)
{
	size_t lo = 0, hi = s->nmethods;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->methods[mid].name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct rpc_method *rpc_server_method(const struct rpc_server *s,
                                           const char *name)
{
	bool found;
	size_t i = server_method_pos(s, name, &found);
	return found ? &s->methods[i] : NULL;
}

int rpc_server_handle(struct rpc_server *s, const char *method,
                      rpc_handler_fn fn, void *data)
{
	struct rpc_method *m;
	char *name;
	bool found;
	size_t at;
	if (method == NULL || *method == '\0' || fn == NULL)
		return ERR_INVAL;
	at = server_method_pos(s, method, &found);
	if (found)
		return ERR_EXISTS;
	name = mem_strdup(method);
	if (name == NULL)
		return ERR_NOMEM;
	m = mem_realloc(s->methods, (s->nmethods + 1) * sizeof *m);
	if (m == NULL) {
		mem_free(name);
		return ERR_NOMEM;
	}
	s->methods = m;
	memmove(&m[at + 1], &m[at], (s->nmethods - at) * sizeof *m);
	m[at] = (struct rpc_method){name, fn, data};
	s->nmethods++;
	return ERR_OK;
}

void rpc_server_set_raft_handler(struct rpc_server *s, rpc_raft_allow_fn allow,
                                 rpc_raft_accept_fn accept, void *data)
{
	s->raft_allow = allow;
	s->raft_accept = accept;
	s->raft_data = data;
}

static void server_on_connection(uv_stream_t *l, int status)
{
	struct rpc_server *s = l->data;
	if (status < 0) {
		LOG_WARN("rpc", "accept: %s", uv_strerror(status));
		return;
	}
	if (!s->stopping)
		rpc_sconn_accept(s);
}

static void server_listener_closed(uv_handle_t *h)
{
	struct rpc_server *s = h->data;
	mem_free(h);
	if (s != NULL)
		rpc_server_handle_closed(s);
}

/* Binds and listens; the bound port is read back for port 0. */
static int server_bind(struct rpc_server *s, const struct sockaddr *sa)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	int rc = uv_tcp_bind(s->listener, sa, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)s->listener, RPC_BACKLOG,
		               server_on_connection);
	if (rc == 0)
		rc = uv_tcp_getsockname(s->listener, (struct sockaddr *)&ss,
		                        &len);
	if (rc != 0)
		return rc;
	s->port = ss.ss_family == AF_INET6
	              ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
	              : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int rpc_server_listen(struct rpc_server *s, const char *addr, struct err *e)
{
	struct sockaddr_storage sa;
	int rc;
	if (s->listener != NULL || s->stopping)
		return err_set(e, ERR_INVAL, "rpc server is already listening");
	if (rpc_parse_addr(addr, RPC_DEFAULT_PORT, &sa) != ERR_OK)
		return err_set(e, ERR_INVAL, "invalid rpc address \"%s\"",
		               addr != NULL ? addr : "");
	s->listener = mem_malloc(sizeof *s->listener);
	if (s->listener == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	uv_tcp_init(s->loop, s->listener);
	s->listener->data = s;
	s->handles++;
	rc = server_bind(s, (const struct sockaddr *)&sa);
	if (rc != 0) {
		/* Closed on its own: the server may be destroyed at once. */
		s->listener->data = NULL;
		s->handles--;
		uv_close((uv_handle_t *)s->listener, server_listener_closed);
		s->listener = NULL;
		s->port = -1;
		return err_set(e, ERR_IO, "listen on \"%s\": %s", addr,
		               uv_strerror(rc));
	}
	LOG_DEBUG("rpc", "listening on \"%s\" (port %d)", addr, s->port);
	return ERR_OK;
}

int rpc_server_port(const struct rpc_server *s)
{
	return s->port;
}

void rpc_server_handle_closed(struct rpc_server *s)
{
	assert(s->handles > 0);
	s->handles--;
	if (s->stopping && !s->stopped && s->handles == 0) {
		s->stopped = true;
		if (s->stop_cb != NULL)
			s->stop_cb(s->stop_data);
	}
}

/* The sentinel makes stop's callback asynchronous even when nothing else
 * was open; local calls fail here rather than inside rpc_server_stop. */
static void server_sentinel_closed(uv_handle_t *h)
{
	struct rpc_server *s = h->data;
	rpc_call_fail_locals(s);
	rpc_server_handle_closed(s);
}

void rpc_server_stop(struct rpc_server *s, void (*cb)(void *data), void *data)
{
	struct rpc_link *l, *next;
	if (s->stopping)
		return;
	s->stopping = true;
	s->stop_cb = cb;
	s->stop_data = data;
	if (s->listener != NULL) {
		uv_close((uv_handle_t *)s->listener, server_listener_closed);
		s->listener = NULL;
	}
	for (l = s->conns.next; l != &s->conns; l = next) {
		next = l->next;
		rpc_sconn_close(rpc_container_of(l, struct rpc_sconn, link),
		                NULL);
	}
	uv_timer_init(s->loop, &s->sentinel);
	s->sentinel.data = s;
	s->handles++;
	uv_close((uv_handle_t *)&s->sentinel, server_sentinel_closed);
}

void rpc_server_destroy(struct rpc_server *s)
{
	if (s == NULL)
		return;
	/* Programmer errors: destroy comes after stop's callback. */
	assert(s->handles == 0);
	assert(rpc_link_empty(&s->conns) && rpc_link_empty(&s->locals));
	for (size_t i = 0; i < s->nmethods; i++)
		mem_free(s->methods[i].name);
	mem_free(s->methods);
	mem_free(s);
}
