/* server/endpoint.c: how every server endpoint is reached: run here,
 * forward to the leader, hold until a leader is known, or park as a
 * blocking query. */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "raft/fsm.h"
#include "server/server_int.h"

#define SERVER_MAX_EPS            64
#define SERVER_RETRY_MS           100
#define SERVER_DEFAULT_WAIT_NS    (5LL * STIME_NS_PER_S)
#define SERVER_MAX_QUERY_NS       (300LL * STIME_NS_PER_S)
#define SERVER_FORWARD_TIMEOUT_MS 15000

struct rpc_meta server_meta(const struct server *s, uint64_t index)
{
	/* Nomad floors it at 1: an index of 0 would turn the caller's next
	 * blocking query into an immediate answer, and so into a busy loop
	 * (every client pulled without pause until the first allocation
	 * existed). */
	struct rpc_meta m = {.index = index > 0 ? index : 1};
	char leader[64];
	m.known_leader = replica_leader(s->replica, leader, sizeof leader) != 0;
	m.last_contact_ms = replica_last_contact_ms(s->replica);
	return m;
}

bool server_args(struct rpc_call *call, const struct schema *as, void *obj)
{
	struct err e;
	err_clear(&e);
	if (call->args == NULL || call->args->type == MSGPACK_OBJECT_NIL)
		return true;
	if (schema_msgpack_unpack(as, obj, call->args, &e) == ERR_OK)
		return true;
	rpc_call_error(call, e.msg, NULL);
	return false;
}

/* ---- forwarding -------------------------------------------------------- */

struct server_wait {
	uv_timer_t timer;
	struct server *s;
	struct server_ep *ep;
	struct rpc_call *call;
	int64_t deadline;
	struct server_wait *next;
	bool done;
};

/* A call on its way to the leader; deadline bounds its retries. */
struct server_fwd {
	struct server *s;
	struct server_ep *ep;
	struct rpc_call *call;
	int64_t deadline;
};

static void server_route_until(struct server_ep *ep, struct rpc_call *call,
                               int64_t deadline);
static void server_hold(struct server *s, struct server_ep *ep,
                        struct rpc_call *call, int64_t deadline);

static void server_forwarded(void *data, int status, const char *error,
                             const msgpack_object *reply,
                             const struct rpc_meta *meta)
{
	struct server_fwd *f = data;
	struct rpc_call *call = f->call;
	if (status == ERR_IO && !f->s->stopping &&
	    stime_mono_ns() < f->deadline) {
		/* The leader could not be reached: nothing was sent, so the
		 * call may wait for a (new) leader and go again. */
		server_hold(f->s, f->ep, call, f->deadline);
		mem_free(f);
		return;
	}
	mem_free(f);
	if (status != ERR_OK)
		rpc_call_error(call, error != NULL ? error : err_str(status),
		               NULL);
	else if (error != NULL)
		rpc_call_error(call, error, meta);
	else
		rpc_call_reply(call, NULL, reply, meta);
}

static void server_wait_closed(uv_handle_t *h)
{
	struct server_wait *w = h->data;
	struct server *s = w->s;
	for (struct server_wait **p = &s->waits; *p != NULL; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	mem_free(w);
}

static void server_wait_finish(struct server_wait *w)
{
	w->done = true;
	uv_timer_stop(&w->timer);
	uv_close((uv_handle_t *)&w->timer, server_wait_closed);
}

static void server_no_leader(struct server *s, struct rpc_call *call)
{
	char msg[320];
	const char *why = s->formation_why;
	/* Say why when formation knows: "waiting for more servers". */
	snprintf(msg, sizeof msg, "No cluster leader%s%s", why[0] ? ": " : "",
	         why);
	rpc_call_error(call, msg, NULL);
}

static void server_wait_tick(uv_timer_t *t)
{
	struct server_wait *w = t->data;
	char leader[64];
	if (w->done)
		return;
	if (replica_is_leader(w->s->replica) ||
	    replica_leader(w->s->replica, leader, sizeof leader) != 0) {
		struct rpc_call *call = w->call;
		struct server_ep *ep = w->ep;
		int64_t deadline = w->deadline;
		server_wait_finish(w);
		server_route_until(ep, call, deadline);
		return;
	}
	if (stime_mono_ns() >= w->deadline) {
		struct rpc_call *call = w->call;
		server_wait_finish(w);
		server_no_leader(w->s, call);
	}
}

/* When the wait for a leader of a call arriving now ends. */
static int64_t server_hold_deadline(const struct server *s)
{
	int64_t wait = s->cfg.no_leader_wait_ns ? s->cfg.no_leader_wait_ns
	                                        : SERVER_DEFAULT_WAIT_NS;
	return stime_mono_ns() + wait;
}

/* Holds call until a leader is known (then routes it again) or until
 * deadline (0: a fresh wait starts now). */
static void server_hold(struct server *s, struct server_ep *ep,
                        struct rpc_call *call, int64_t deadline)
{
	struct server_wait *w;
	if (deadline != 0 && stime_mono_ns() >= deadline) {
		/* Its wait is over (a forwarded call that keeps meeting
		 * non-leaders ends here too). */
		server_no_leader(s, call);
		return;
	}
	w = mem_calloc(1, sizeof *w);
	if (w == NULL) {
		rpc_call_error(call, "No cluster leader", NULL);
		return;
	}
	w->s = s;
	w->ep = ep;
	w->call = call;
	w->deadline = deadline ? deadline : server_hold_deadline(s);
	uv_timer_init(s->cfg.loop, &w->timer);
	w->timer.data = w;
	uv_timer_start(&w->timer, server_wait_tick, SERVER_RETRY_MS,
	               SERVER_RETRY_MS);
	w->next = s->waits;
	s->waits = w;
}

void server_waits_cancel(struct server *s)
{
	for (struct server_wait *w = s->waits; w != NULL; w = w->next) {
		if (w->done)
			continue;
		struct rpc_call *call = w->call;
		server_wait_finish(w);
		rpc_call_error(call, "server shutting down", NULL);
	}
}

static void server_forward(struct server *s, struct server_ep *ep,
                           struct rpc_call *call, int64_t deadline)
{
	char leader[64];
	struct rpc_request req;
	struct server_fwd *f;
	if (s->stopping) {
		rpc_call_error(call, "server shutting down", NULL);
		return;
	}
	if (replica_leader(s->replica, leader, sizeof leader) == 0 ||
	    leader[0] == '\0') {
		server_hold(s, ep, call, deadline);
		return;
	}
	if (call->req.forwarded) {
		/* A forwarded call reached a non-leader: the leader changed
		 * under it. Hold it rather than bounce between servers. */
		server_hold(s, ep, call, deadline);
		return;
	}
	f = mem_calloc(1, sizeof *f);
	if (f == NULL) {
		rpc_call_error(call, "out of memory", NULL);
		return;
	}
	f->s = s;
	f->ep = ep;
	f->call = call;
	f->deadline = deadline ? deadline : server_hold_deadline(s);
	req = call->req;
	req.forwarded = true;
	if (rpc_pool_call(s->pool, leader, &req, NULL, call->args,
	                  SERVER_FORWARD_TIMEOUT_MS, server_forwarded,
	                  f) != ERR_OK) {
		mem_free(f);
		rpc_call_error(call, "No cluster leader", NULL);
	}
}

/* ?consistent (beyond Nomad): a barrier first, so the read sees every
 * write acknowledged before it, even right after an election. */
struct server_barrier {
	struct replica_apply req;
	struct server_ep *ep;
	struct rpc_call *call;
};

static void server_barriered(struct replica_apply *req, int status,
                             uint64_t index)
{
	struct server_barrier *b = req->data;
	(void)index;
	if (status == ERR_OK)
		b->ep->def->fn(b->ep->s, b->call);
	else
		rpc_call_error(b->call, server_err_msg(status), NULL);
	mem_free(b);
}

static void server_consistent(struct server_ep *ep, struct rpc_call *call)
{
	struct server_barrier *b = mem_calloc(1, sizeof *b);
	int rc = ERR_NOMEM;
	if (b != NULL) {
		b->req.data = b;
		b->req.cb = server_barriered;
		b->ep = ep;
		b->call = call;
		rc = replica_barrier(ep->s->replica, &b->req);
	}
	if (rc != ERR_OK) {
		mem_free(b);
		server_fail(call, rc);
	}
}

/* Whether this server answers call whoever leads: any-server endpoints
 * and stale reads. */
static bool server_answers_here(const struct server_ep *ep,
                                const struct rpc_call *call)
{
	return (ep->def->flags & EP_ANY) ||
	       (!(ep->def->flags & EP_WRITE) && call->req.allow_stale);
}

/* Runs call here or sends it to the leader; deadline (0: none yet)
 * bounds how long it may wait for one. */
static void server_route_until(struct server_ep *ep, struct rpc_call *call,
                               int64_t deadline)
{
	struct server *s = ep->s;
	if (!server_answers_here(ep, call) && !replica_is_leader(s->replica)) {
		server_forward(s, ep, call, deadline);
		return;
	}
	/* The check that counts: on the server that answers, with its
	 * state, however the call got here (held, forwarded). */
	if (!server_acl_check(s, call, &ep->def->rule, false))
		return;
	if (!server_answers_here(ep, call) && !(ep->def->flags & EP_WRITE) &&
	    call->req.consistent && call->data == NULL)
		server_consistent(ep, call);
	else
		ep->def->fn(s, call);
}

/* Every call enters here. One on its way to the leader is checked here
 * too (its AuthToken travels with it and the leader checks again), but
 * a token or node this server has not heard of yet is left to the
 * leader. */
static void server_route(void *data, struct rpc_call *call)
{
	struct server_ep *ep = data;
	if (!server_answers_here(ep, call) &&
	    !replica_is_leader(ep->s->replica) &&
	    !server_acl_check(ep->s, call, &ep->def->rule, true))
		return;
	server_route_until(ep, call, 0);
}

int server_endpoint(struct server *s, const struct server_ep_def *def)
{
	struct server_ep *ep;
	if (def->rule.kind == SRV_ACL_UNSET) {
		LOG_ERROR("server", "endpoint %s has no ACL rule", def->method);
		return ERR_INVAL;
	}
	if (s->eps == NULL) {
		s->eps = mem_calloc(SERVER_MAX_EPS, sizeof *s->eps);
		if (s->eps == NULL)
			return ERR_NOMEM;
	}
	if (s->neps == SERVER_MAX_EPS)
		return ERR_INTERNAL;
	ep = &s->eps[s->neps++];
	ep->s = s;
	ep->def = def;
	return rpc_server_handle(s->rpc, def->method, server_route, ep);
}

static const struct server_ep_table *const server_ep_tables[] = {
    &server_member_eps,    &server_status_eps, &server_job_eps,
    &server_node_eps,      &server_alloc_eps,  &server_acl_eps,
    &server_namespace_eps,
};
#define SERVER_NTABLES (sizeof server_ep_tables / sizeof server_ep_tables[0])

int server_register_endpoints(struct server *s)
{
	for (size_t t = 0; t < SERVER_NTABLES; t++)
		for (size_t i = 0; i < server_ep_tables[t]->n; i++) {
			int rc = server_endpoint(s, &server_ep_tables[t]->v[i]);
			if (rc != ERR_OK)
				return rc;
		}
	return ERR_OK;
}

void server_each_method(server_method_fn fn, void *data)
{
	char rule[128];
	for (size_t t = 0; t < SERVER_NTABLES; t++)
		for (size_t i = 0; i < server_ep_tables[t]->n; i++) {
			const struct server_ep_def *d =
			    &server_ep_tables[t]->v[i];
			server_acl_rule_str(&d->rule, rule, sizeof rule);
			fn(data, d->method, rule);
		}
}

int server_call(struct server *s, const struct rpc_request *req,
                const struct schema *as, const void *args, rpc_reply_fn cb,
                void *data)
{
	return rpc_server_dispatch(s->rpc, req, as, args, cb, data);
}

/* ---- blocking queries -------------------------------------------------- */

/* call->data after a parked call woke: answer without parking again. */
static char server_block_done;

struct server_block {
	struct store_watch watch;
	uv_timer_t timer;
	struct server *s;
	struct rpc_call *call;
	server_ep_fn fn;
	server_index_fn index_fn; /* NULL: the tables' index */
	unsigned mask;
	uint64_t deadline;                /* loop time (ms) the wait ends */
	struct server_block *next, *prev; /* s->blocks */
	bool recheck; /* the timer asks index_fn, then waits on */
	bool expired;
	bool closing;
};

static void server_block_closed(uv_handle_t *h)
{
	struct server_block *b = h->data;
	struct server *s = b->s;
	struct rpc_call *call = b->call;
	server_ep_fn fn = b->fn;
	bool stopping = s->stopping;
	call->data = &server_block_done;
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		s->blocks = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	mem_free(b);
	if (stopping)
		rpc_call_error(call, "server shutting down", NULL);
	else
		fn(s, call); /* answers now: the wait is over */
}

static void server_block_wake(struct server_block *b)
{
	if (b->closing)
		return;
	b->closing = true;
	store_unwatch(b->s->store, &b->watch);
	uv_timer_stop(&b->timer);
	uv_close((uv_handle_t *)&b->timer, server_block_closed);
}

static void server_block_timer_cb(uv_timer_t *t);

static void server_block_watch_cb(struct store_watch *w)
{
	struct server_block *b = w->data;
	if (b->index_fn == NULL) {
		server_block_wake(b);
		return;
	}
	/* Asked on the next loop turn, once the whole entry that moved the
	 * table is applied, not in the middle of it. */
	b->recheck = true;
	uv_timer_start(&b->timer, server_block_timer_cb, 0, 0);
}

static void server_block_timer_cb(uv_timer_t *t)
{
	struct server_block *b = t->data;
	struct server *s = b->s;
	uint64_t now = uv_now(t->loop);
	if (b->recheck) {
		b->recheck = false;
		/* A change the query does not see (another node's
		 * allocations): wait for the next one, as long as the wait
		 * lasts. */
		if (!s->stopping && now < b->deadline &&
		    b->index_fn(s, b->call) <= b->call->req.min_query_index) {
			store_watch(s->store, &b->watch, b->mask,
			            store_tables_index(s->store, b->mask));
			if (!b->closing && !b->recheck)
				uv_timer_start(&b->timer, server_block_timer_cb,
				               b->deadline - now, 0);
			return;
		}
	} else {
		b->expired = true;
	}
	server_block_wake(b);
}

/* Nomad: default 5 min, at most 5 min, plus up to wait/16 of jitter. */
static uint64_t server_block_ms(const struct rpc_call *call)
{
	int64_t wait = call->req.max_query_time;
	if (wait <= 0 || wait > SERVER_MAX_QUERY_NS)
		wait = SERVER_MAX_QUERY_NS;
	wait += (int64_t)((uint64_t)random() % (uint64_t)(wait / 16 + 1));
	return (uint64_t)(wait / STIME_NS_PER_MS);
}

bool server_block_on(struct server *s, struct rpc_call *call, unsigned mask,
                     server_ep_fn fn, server_index_fn index_fn)
{
	struct server_block *b;
	uint64_t now, wait_ms;
	if (call->data != NULL || call->req.min_query_index == 0 || s->stopping)
		return false;
	now = index_fn != NULL ? index_fn(s, call)
	                       : store_tables_index(s->store, mask);
	if (now > call->req.min_query_index)
		return false;
	b = mem_calloc(1, sizeof *b);
	if (b == NULL)
		return false;
	b->s = s;
	b->call = call;
	b->fn = fn;
	b->index_fn = index_fn;
	b->mask = mask;
	b->watch.data = b;
	b->watch.cb = server_block_watch_cb;
	b->next = s->blocks;
	if (s->blocks != NULL)
		s->blocks->prev = b;
	s->blocks = b;
	call->data = b;
	uv_timer_init(s->cfg.loop, &b->timer);
	b->timer.data = b;
	wait_ms = server_block_ms(call);
	b->deadline = uv_now(s->cfg.loop) + wait_ms;
	uv_timer_start(&b->timer, server_block_timer_cb, wait_ms, 0);
	/* With index_fn the tables may be past MinQueryIndex already: wait
	 * for their next change. */
	store_watch(s->store, &b->watch, mask,
	            index_fn != NULL ? store_tables_index(s->store, mask)
	                             : call->req.min_query_index);
	return true;
}

void server_blocks_cancel(struct server *s)
{
	/* Each is unlinked when its timer has closed, after this returns. */
	for (struct server_block *b = s->blocks; b != NULL; b = b->next)
		server_block_wake(b);
}

bool server_block(struct server *s, struct rpc_call *call, unsigned mask,
                  server_ep_fn fn)
{
	return server_block_on(s, call, mask, fn, NULL);
}

/* ---- writes through the log ------------------------------------------- */

struct server_applying {
	struct replica_apply req;
	struct server *s;
	struct rpc_call *call;
	server_applied_fn cb;
	void *ctx;
};

static void server_applied(struct replica_apply *req, int status,
                           uint64_t index)
{
	struct server_applying *a = req->data;
	if (a->cb != NULL)
		a->cb(a->s, a->call, a->ctx, status, index);
	mem_free(a);
}

static struct server_applying *server_applying_new(struct server *s,
                                                   struct rpc_call *call,
                                                   server_applied_fn cb,
                                                   void *ctx)
{
	struct server_applying *a = mem_calloc(1, sizeof *a);
	if (a == NULL)
		return NULL;
	a->req.data = a;
	a->req.cb = server_applied;
	a->s = s;
	a->call = call;
	a->cb = cb;
	a->ctx = ctx;
	return a;
}

int server_apply(struct server *s, struct rpc_call *call, uint8_t type,
                 const struct schema *bs, const void *body,
                 server_applied_fn cb, void *ctx)
{
	struct server_applying *a = server_applying_new(s, call, cb, ctx);
	int rc;
	if (a == NULL)
		return ERR_NOMEM;
	rc = replica_apply(s->replica, &a->req, type, bs, body);
	if (rc != ERR_OK)
		mem_free(a);
	return rc;
}

int server_apply_plan(struct server *s, const struct fsm_plan_local *l,
                      server_applied_fn cb, void *ctx)
{
	struct server_applying *a = server_applying_new(s, NULL, cb, ctx);
	int rc;
	if (a == NULL)
		return ERR_NOMEM;
	rc = replica_apply_plan(s->replica, &a->req, l);
	if (rc != ERR_OK)
		mem_free(a);
	return rc;
}

const char *server_err_msg(int rc)
{
	return rc == ERR_NOLEADER ? "No cluster leader" : err_str(rc);
}

void server_fail(struct rpc_call *call, int rc)
{
	rpc_call_error(call, server_err_msg(rc), NULL);
}

const char *server_namespace(const struct rpc_call *call, const char *fallback)
{
	if (call->req.ns != NULL && *call->req.ns != '\0')
		return call->req.ns;
	if (fallback != NULL && *fallback != '\0')
		return fallback;
	return "default";
}
