/* server/ep_node.c: Node.* endpoints: client registration, heartbeats,
 * drain and eligibility, node reads and the client's allocation pulls and
 * status pushes. Writes go through the leader, which also keeps the
 * heartbeat timers. */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "raft/fsm.h"
#include "scheduler/feasible.h"
#include "server/server_int.h"

/* ---- shared -----------------------------------------------------------------
 */

static int ep_str(char **dst, const char *v)
{
	char *c = mem_strdup(v);
	if (c == NULL)
		return ERR_NOMEM;
	mem_free(*dst);
	*dst = c;
	return ERR_OK;
}

static int ep_default(char **dst, const char *v)
{
	return *dst == NULL || **dst == '\0' ? ep_str(dst, v) : ERR_OK;
}

static bool ep_node_status_valid(const char *st)
{
	static const char *const ok[] = {NODE_STATUS_INIT, NODE_STATUS_READY,
	                                 NODE_STATUS_DOWN,
	                                 NODE_STATUS_DISCONNECTED};
	for (size_t i = 0; st != NULL && i < 4; i++)
		if (strcmp(st, ok[i]) == 0)
			return true;
	return false;
}

static struct node_event *ep_event(const char *msg, const char *subsystem)
{
	struct node_event *ev = mem_calloc(1, sizeof *ev);
	if (ev == NULL)
		return NULL;
	ev->message = mem_strdup(msg);
	ev->subsystem = mem_strdup(subsystem);
	ev->timestamp = stime_wall_ns();
	if (ev->message == NULL || ev->subsystem == NULL) {
		schema_release(&node_event_schema, ev);
		mem_free(ev);
		return NULL;
	}
	return ev;
}

/* Nomad's NodeUpdateResponse for node_id after a write at index. */
static void ep_node_reply(struct server *s, struct rpc_call *call,
                          const char *node_id,
                          const struct evaluation_list *evs, uint64_t index)
{
	struct node_update_response r = {0};
	struct replica_server cfg[16];
	struct node_server_info info[16];
	const struct node *n = store_node(s->store, node_id);
	char *ids[64];
	size_t nsrv = replica_servers(s->replica, cfg, 16);
	r.heartbeat_ttl = server_heartbeat(s, node_id);
	for (size_t i = 0; evs != NULL && i < evs->n && i < 64; i++)
		ids[i] = evs->v[i].id;
	r.eval_ids.v = ids;
	r.eval_ids.n = evs != NULL ? (evs->n < 64 ? evs->n : 64) : 0;
	r.eval_create_index = r.eval_ids.n > 0 ? index : 0;
	r.node_modify_index = n != NULL ? n->modify_index : index;
	r.leader_rpc_addr = s->rpc_addr;
	/* Every heartbeat's answer: a count, not a walk of every node
	 * (10,000 nodes registering took the leader's loop for seconds). */
	r.num_nodes = (int64_t)store_node_count(s->store);
	for (size_t i = 0; i < nsrv && i < 16; i++)
		info[i] = (struct node_server_info){
		    .rpc_advertise_addr = cfg[i].address,
		    .datacenter = s->datacenter};
	r.servers.v = info;
	r.servers.n = nsrv < 16 ? nsrv : 16;
	r.index = index;
	struct rpc_meta m = server_meta(s, index);
	rpc_call_reply(call, &node_update_response_schema, &r, &m);
}

/* ---- writes: one entry, then the NodeUpdateResponse -------------------- */

struct ep_node_write {
	char node_id[128];
	uint8_t type;
	bool capacity; /* the change may free or add capacity */
	union {
		struct fsm_node_register reg;
		struct fsm_node_update upd;
	} b;
};

static const struct schema *ep_write_schema(const struct ep_node_write *w)
{
	return w->type == FSM_NODE_REGISTER ? &fsm_node_register_schema
	                                    : &fsm_node_update_schema;
}

static struct evaluation_list *ep_write_evals(struct ep_node_write *w)
{
	return w->type == FSM_NODE_REGISTER ? &w->b.reg.evals : &w->b.upd.evals;
}

static void ep_write_free(struct ep_node_write *w)
{
	schema_release(ep_write_schema(w), &w->b);
	mem_free(w);
}

static void ep_node_written(struct server *s, struct rpc_call *call, void *ctx,
                            int status, uint64_t index)
{
	struct ep_node_write *w = ctx;
	struct evaluation_list *evs = ep_write_evals(w);
	if (status != ERR_OK) {
		server_fail(call, status);
	} else {
		if (w->type == FSM_NODE_DEREGISTER)
			server_heartbeat_forget(s, w->node_id);
		ep_node_reply(s, call, w->node_id, evs, index);
		server_evals_written(s, evs->v, evs->n);
		if (w->capacity)
			server_capacity_changed(s);
	}
	ep_write_free(w);
}

static void ep_node_submit(struct server *s, struct rpc_call *call,
                           struct ep_node_write *w)
{
	int rc = server_apply(s, call, w->type, ep_write_schema(w), &w->b,
	                      ep_node_written, w);
	if (rc != ERR_OK) {
		server_fail(call, rc);
		ep_write_free(w);
	}
}

static struct ep_node_write *ep_write_new(uint8_t type, const char *node_id)
{
	struct ep_node_write *w = mem_calloc(1, sizeof *w);
	if (w != NULL) {
		w->type = type;
		snprintf(w->node_id, sizeof w->node_id, "%s",
		         node_id ? node_id : "");
	}
	return w;
}

/* ---- Node.Register
 * ------------------------------------------------------------ */

static const char *ep_register_check(const struct store *st,
                                     const struct node *n)
{
	const struct node *old;
	if (n->id == NULL || *n->id == '\0' || strlen(n->id) > 64)
		return "missing node ID for client registration";
	if (n->secret_id == NULL || *n->secret_id == '\0')
		return "missing secret ID for client registration";
	if (n->status != NULL && *n->status != '\0' &&
	    !ep_node_status_valid(n->status))
		return "invalid status for node";
	old = store_node(st, n->id);
	if (old != NULL && old->secret_id != NULL &&
	    !server_secret_equal(n->secret_id, old->secret_id))
		return "node secret ID does not match. Not registering node.";
	return NULL;
}

static int ep_register_fill(struct server *s, struct ep_node_write *w)
{
	struct node *n = &w->b.reg.node;
	const struct node *old = store_node(s->store, n->id);
	int rc = ep_default(&n->datacenter, "dc1");
	if (rc == ERR_OK)
		rc = ep_default(&n->name, n->id);
	if (rc == ERR_OK)
		rc = ep_default(&n->node_pool, "default");
	if (rc == ERR_OK)
		rc = ep_default(&n->status, NODE_STATUS_INIT);
	if (rc == ERR_OK)
		rc = ep_default(&n->scheduling_eligibility, NODE_ELIGIBLE);
	n->status_updated_at = stime_wall_ns() / STIME_NS_PER_S;
	mem_free(n->computed_class);
	n->computed_class = sched_node_computed_class(n);
	if (rc == ERR_OK && n->computed_class == NULL)
		rc = ERR_NOMEM;
	w->b.reg.event =
	    ep_event("Node registered", NODE_EVENT_SUBSYSTEM_CLUSTER);
	if (rc == ERR_OK && w->b.reg.event == NULL)
		rc = ERR_NOMEM;
	w->capacity = strcmp(n->status, NODE_STATUS_READY) == 0 &&
	              (old == NULL || old->status == NULL ||
	               strcmp(old->status, NODE_STATUS_READY) != 0);
	if (rc == ERR_OK && w->capacity)
		rc = server_node_evals(s, n->id, &w->b.reg.evals);
	return rc;
}

/* ---- Node.Register calls batched into one entry -----------------------------
 * Registrations that reach the leader within REG_BATCH_MS are written as
 * one FSM_NODE_REGISTER_BATCH entry, as Node.UpdateAlloc calls are
 * (alloc_batch.c): 10,000 nodes registering at once cost a few hundred
 * entries instead of 10,000 (whose replication, one write per entry and
 * follower, kept the leader's loop busy long enough to lose its
 * leadership). Every caller is answered when the entry is applied. */

#define REG_BATCH_MS  5
#define REG_BATCH_MAX 512

struct reg_batch {
	struct reg_call {
		struct rpc_call *call;
		struct ep_node_write *w; /* owns the registration */
	} * v;
	size_t n, cap;
};

static void reg_batch_applied(struct server *s, struct rpc_call *call,
                              void *ctx, int status, uint64_t index)
{
	struct reg_batch *b = ctx;
	(void)call;
	for (size_t i = 0; i < b->n; i++)
		ep_node_written(s, b->v[i].call, b->v[i].w, status, index);
	mem_free(b->v);
	mem_free(b);
}

void server_reg_batch_flush(struct server *s)
{
	struct reg_batch *b = s->reg_batch;
	struct fsm_node_registers body = {0};
	int rc = ERR_NOMEM;
	if (b == NULL)
		return;
	s->reg_batch = NULL;
	uv_timer_stop(&s->reg_batch_timer);
	/* a view: the registrations stay the writes' */
	body.regs.v = mem_calloc(b->n, sizeof *body.regs.v);
	if (body.regs.v != NULL) {
		body.regs.n = b->n;
		for (size_t i = 0; i < b->n; i++)
			body.regs.v[i] = b->v[i].w->b.reg;
		rc = s->stopping
		         ? ERR_NOLEADER
		         : server_apply(s, NULL, FSM_NODE_REGISTER_BATCH,
		                        &fsm_node_registers_schema, &body,
		                        reg_batch_applied, b);
	}
	mem_free(body.regs.v);
	if (rc != ERR_OK)
		reg_batch_applied(s, NULL, b, rc, 0);
}

static void reg_batch_timer_cb(uv_timer_t *t)
{
	server_reg_batch_flush(t->data);
}

static void reg_batch_add(struct server *s, struct rpc_call *call,
                          struct ep_node_write *w)
{
	struct reg_batch *b = s->reg_batch;
	if (b == NULL && (b = mem_calloc(1, sizeof *b)) == NULL)
		goto oom;
	s->reg_batch = b;
	if (mem_grow(&b->v, b->n, &b->cap, sizeof *b->v) != 0)
		goto oom;
	b->v[b->n++] = (struct reg_call){call, w};
	if (b->n >= REG_BATCH_MAX)
		server_reg_batch_flush(s);
	else if (b->n == 1)
		uv_timer_start(&s->reg_batch_timer, reg_batch_timer_cb,
		               REG_BATCH_MS, 0);
	return;
oom:
	rpc_call_error(call, "out of memory", NULL);
	ep_write_free(w);
}

static void ep_node_register(struct server *s, struct rpc_call *call)
{
	struct node_register_request args = {0};
	struct ep_node_write *w;
	const char *why;
	if (!server_args(call, &node_register_request_schema, &args))
		return;
	why = ep_register_check(s->store, &args.node);
	if (why != NULL) {
		rpc_call_error(call, why, NULL);
		schema_release(&node_register_request_schema, &args);
		return;
	}
	w = ep_write_new(FSM_NODE_REGISTER, args.node.id);
	if (w == NULL) {
		rpc_call_error(call, "out of memory", NULL);
		schema_release(&node_register_request_schema, &args);
		return;
	}
	w->b.reg.node = args.node; /* moved */
	if (ep_register_fill(s, w) != ERR_OK) {
		rpc_call_error(call, "out of memory", NULL);
		ep_write_free(w);
		return;
	}
	reg_batch_add(s, call, w);
}

/* ---- Node.UpdateStatus: the heartbeat
 * ------------------------------------------ */

static const struct node *ep_node_auth(struct server *s, struct rpc_call *call,
                                       const char *id, const char *secret)
{
	const struct node *n = store_node(s->store, id ? id : "");
	if (n == NULL) {
		rpc_call_error(call, "node not found", NULL);
		return NULL;
	}
	if (secret != NULL && *secret != '\0' && n->secret_id != NULL &&
	    !server_secret_equal(secret, n->secret_id)) {
		rpc_call_error(call, "node secret ID does not match", NULL);
		return NULL;
	}
	return n;
}

static int ep_status_fill(struct server *s, struct ep_node_write *w,
                          const struct node *n,
                          struct node_update_status_request *a)
{
	struct fsm_node_update *b = &w->b.upd;
	bool up = strcmp(a->status, NODE_STATUS_READY) == 0;
	int rc = ep_str(&b->node_id, n->id);
	if (rc == ERR_OK)
		rc = ep_str(&b->status, a->status);
	b->updated_at = stime_wall_ns() / STIME_NS_PER_S;
	b->event = a->event;
	a->event = NULL;
	if (b->event == NULL && node_status_terminal(n->status) && up)
		b->event = ep_event("Node reregistered by heartbeat",
		                    NODE_EVENT_SUBSYSTEM_CLUSTER);
	w->capacity = up;
	if (rc == ERR_OK && (up || node_status_terminal(a->status)))
		rc = server_node_evals(s, n->id, &b->evals);
	return rc;
}

static void ep_node_update_status(struct server *s, struct rpc_call *call)
{
	struct node_update_status_request a = {0};
	const struct node *n;
	struct ep_node_write *w;
	if (!server_args(call, &node_update_status_request_schema, &a))
		return;
	n = ep_node_auth(s, call, a.node_id, a.secret_id);
	if (n == NULL)
		goto out;
	if (!ep_node_status_valid(a.status)) {
		rpc_call_error(call, "invalid status for node", NULL);
		goto out;
	}
	if (n->status != NULL && strcmp(n->status, a.status) == 0) {
		/* Nothing changes: no log entry, just the timer. */
		ep_node_reply(s, call, n->id, NULL, n->modify_index);
		goto out;
	}
	w = ep_write_new(FSM_NODE_STATUS, n->id);
	if (w == NULL || ep_status_fill(s, w, n, &a) != ERR_OK) {
		rpc_call_error(call, "out of memory", NULL);
		if (w != NULL)
			ep_write_free(w);
		goto out;
	}
	ep_node_submit(s, call, w);
out:
	schema_release(&node_update_status_request_schema, &a);
}

/* ---- Node.Deregister, Node.UpdateDrain, Node.UpdateEligibility
 * ----------------- */

static void ep_node_deregister(struct server *s, struct rpc_call *call)
{
	struct node_specific_request a = {0};
	struct ep_node_write *w = NULL;
	const struct node *n;
	if (!server_args(call, &node_specific_request_schema, &a))
		return;
	n = ep_node_auth(s, call, a.node_id, NULL);
	if (n == NULL)
		goto out;
	w = ep_write_new(FSM_NODE_DEREGISTER, n->id);
	if (w == NULL || strlist_push(&w->b.upd.node_ids, n->id) != ERR_OK ||
	    server_node_evals(s, n->id, &w->b.upd.evals) != ERR_OK) {
		rpc_call_error(call, "out of memory", NULL);
		if (w != NULL)
			ep_write_free(w);
		goto out;
	}
	ep_node_submit(s, call, w);
out:
	schema_release(&node_specific_request_schema, &a);
}

static int ep_drain_fill(struct server *s, struct ep_node_write *w,
                         const struct node *n,
                         struct node_update_drain_request *a)
{
	struct fsm_node_update *b = &w->b.upd;
	int64_t now = stime_wall_ns();
	int rc = ep_str(&b->node_id, n->id);
	b->drain = a->drain_strategy;
	a->drain_strategy = NULL;
	b->drainer = true; /* server/drainer.c moves the allocations */
	b->mark_eligible = a->mark_eligible;
	b->updated_at = now / STIME_NS_PER_S;
	if (b->drain != NULL) {
		b->drain->started_at = now;
		if (b->drain->deadline > 0)
			b->drain->force_deadline = now + b->drain->deadline;
		else if (b->drain->deadline < 0)
			b->drain->force_deadline = now;
	}
	b->event =
	    ep_event(b->drain != NULL ? (n->drain_strategy != NULL
	                                     ? "Node drain strategy updated"
	                                     : "Node drain strategy set")
	                              : "Node drain disabled",
	             NODE_EVENT_SUBSYSTEM_DRAIN);
	w->capacity = b->drain == NULL && b->mark_eligible;
	if (rc == ERR_OK && b->event == NULL)
		rc = ERR_NOMEM;
	if (rc == ERR_OK)
		rc = server_node_evals(s, n->id, &b->evals);
	return rc;
}

static void ep_node_drain(struct server *s, struct rpc_call *call)
{
	struct node_update_drain_request a = {0};
	struct ep_node_write *w;
	const struct node *n;
	if (!server_args(call, &node_update_drain_request_schema, &a))
		return;
	n = ep_node_auth(s, call, a.node_id, NULL);
	if (n == NULL)
		goto out;
	w = ep_write_new(FSM_NODE_DRAIN, n->id);
	if (w == NULL || ep_drain_fill(s, w, n, &a) != ERR_OK) {
		rpc_call_error(call, "out of memory", NULL);
		if (w != NULL)
			ep_write_free(w);
		goto out;
	}
	ep_node_submit(s, call, w);
out:
	schema_release(&node_update_drain_request_schema, &a);
}

static const char *ep_eligibility_check(const struct node *n, const char *el)
{
	static char msg[128];
	if (el == NULL || (strcmp(el, NODE_ELIGIBLE) != 0 &&
	                   strcmp(el, NODE_INELIGIBLE) != 0)) {
		snprintf(msg, sizeof msg,
		         "invalid scheduling eligibility \"%.60s\"",
		         el ? el : "");
		return msg;
	}
	if (n->drain_strategy != NULL && strcmp(el, NODE_ELIGIBLE) == 0)
		return "can not set node's scheduling eligibility to eligible "
		       "while it is draining";
	return NULL;
}

static void ep_node_eligibility(struct server *s, struct rpc_call *call)
{
	struct node_update_eligibility_request a = {0};
	struct ep_node_write *w = NULL;
	const struct node *n;
	const char *why;
	bool up;
	if (!server_args(call, &node_update_eligibility_request_schema, &a))
		return;
	n = ep_node_auth(s, call, a.node_id, NULL);
	if (n == NULL)
		goto out;
	if ((why = ep_eligibility_check(n, a.eligibility)) != NULL) {
		rpc_call_error(call, why, NULL);
		goto out;
	}
	up = strcmp(a.eligibility, NODE_ELIGIBLE) == 0;
	w = ep_write_new(FSM_NODE_ELIGIBILITY, n->id);
	if (w == NULL || ep_str(&w->b.upd.node_id, n->id) != ERR_OK ||
	    ep_str(&w->b.upd.eligibility, a.eligibility) != ERR_OK ||
	    (w->b.upd.event =
	         ep_event(up ? "Node marked as eligible for scheduling"
	                     : "Node marked as ineligible for scheduling",
	                  NODE_EVENT_SUBSYSTEM_CLUSTER)) == NULL ||
	    (up && server_node_evals(s, n->id, &w->b.upd.evals) != ERR_OK)) {
		rpc_call_error(call, "out of memory", NULL);
		if (w != NULL)
			ep_write_free(w);
		goto out;
	}
	w->b.upd.updated_at = stime_wall_ns() / STIME_NS_PER_S;
	w->capacity = up;
	ep_node_submit(s, call, w);
out:
	schema_release(&node_update_eligibility_request_schema, &a);
}

/* ---- reads
 * -------------------------------------------------------------------- */

struct ep_nodes {
	struct node_list_response r;
	bool resources, oom;
};

static bool ep_add_node(void *data, const struct node *n)
{
	struct ep_nodes *l = data;
	struct node_list_stub *v, *st;
	v = mem_realloc(l->r.nodes.v, (l->r.nodes.n + 1) * sizeof *v);
	if (v == NULL) {
		l->oom = true;
		return false;
	}
	l->r.nodes.v = v;
	st = &v[l->r.nodes.n++];
	memset(st, 0, sizeof *st);
	st->address = n->http_addr; /* cut to the host in ep_node_hosts */
	st->id = n->id;
	st->datacenter = n->datacenter;
	st->name = n->name;
	st->node_class = n->node_class;
	st->node_pool = n->node_pool;
	st->version = (char *)strmap_get(&n->attributes, "nomad.version");
	st->drain = n->drain_strategy != NULL;
	st->scheduling_eligibility = n->scheduling_eligibility;
	st->status = n->status;
	st->status_description = n->status_description;
	st->drivers = n->drivers;
	if (l->resources) {
		st->node_resources = n->node_resources;
		st->reserved_resources = n->reserved_resources;
	}
	st->last_drain = n->last_drain;
	st->create_index = n->create_index;
	st->modify_index = n->modify_index;
	return true;
}

/* Address is the host part of HTTPAddr: copies cut in hosts[i]. */
static char (*ep_node_hosts(struct node_list_response *r))[64]
{
	char(*hosts)[64] = mem_calloc(r->nodes.n ? r->nodes.n : 1, 64);
	for (size_t i = 0; hosts != NULL && i < r->nodes.n; i++) {
		const char *a = r->nodes.v[i].address;
		const char *colon = a ? strrchr(a, ':') : NULL;
		size_t len = a ? (colon ? (size_t)(colon - a) : strlen(a)) : 0;
		snprintf(hosts[i], 64, "%.*s", (int)(len < 63 ? len : 63),
		         a ? a : "");
		r->nodes.v[i].address = hosts[i];
	}
	return hosts;
}

static void ep_node_list(struct server *s, struct rpc_call *call)
{
	char(*hosts)[64] = NULL;
	struct node_list_request a = {0};
	struct ep_nodes l = {0};
	if (server_block(s, call, STORE_BIT(STORE_NODES), ep_node_list))
		return;
	if (!server_args(call, &node_list_request_schema, &a))
		return;
	l.resources = a.resources;
	store_each_node(s->store, a.prefix, ep_add_node, &l);
	if (!l.oom && (hosts = ep_node_hosts(&l.r)) == NULL)
		l.oom = true;
	if (l.oom) {
		rpc_call_error(call, "out of memory", NULL);
	} else {
		struct rpc_meta m =
		    server_meta(s, store_table_index(s->store, STORE_NODES));
		rpc_call_reply(call, &node_list_response_schema, &l.r, &m);
	}
	mem_free(l.r.nodes.v);
	mem_free(hosts);
	schema_release(&node_list_request_schema, &a);
}

struct ep_one_node {
	const struct node *n;
	int count;
};

static bool ep_match_node(void *data, const struct node *n)
{
	struct ep_one_node *o = data;
	o->n = n;
	return ++o->count < 2;
}

/* The node with this ID, or the only one whose ID starts with it. */
const struct node *server_find_node(struct server *s, const char *id)
{
	struct ep_one_node o = {0};
	const struct node *n = store_node(s->store, id ? id : "");
	if (n != NULL || id == NULL || *id == '\0')
		return n;
	store_each_node(s->store, id, ep_match_node, &o);
	return o.count == 1 ? o.n : NULL;
}

static void ep_node_get(struct server *s, struct rpc_call *call)
{
	struct node_specific_request a = {0};
	struct single_node_response r = {0};
	struct node copy;
	const struct node *n;
	if (server_block(s, call, STORE_BIT(STORE_NODES), ep_node_get))
		return;
	if (!server_args(call, &node_specific_request_schema, &a))
		return;
	n = server_find_node(s, a.node_id);
	if (n != NULL) {
		copy = *n; /* shallow, the secret left out */
		copy.secret_id = NULL;
		r.node = &copy;
	}
	struct rpc_meta m = server_meta(
	    s, n ? n->modify_index : store_table_index(s->store, STORE_NODES));
	rpc_call_reply(call, &single_node_response_schema, &r, &m);
	schema_release(&node_specific_request_schema, &a);
}

/* A client agent calls the node RPCs with its node's SecretID as the
 * token (acl_rules.c); operators need node:read / node:write. */
static const struct server_ep_def node_eps[] = {
    {"Node.Register", EP_WRITE, SRV_RULE_NODE(REGISTER), ep_node_register},
    {"Node.UpdateStatus", EP_WRITE, SRV_RULE_NODE(ARG), ep_node_update_status},
    {"Node.Deregister", EP_WRITE, SRV_RULE_AREA_OR_NODE(NODE, WRITE, ARG),
     ep_node_deregister},
    {"Node.UpdateDrain", EP_WRITE, SRV_RULE_AREA(NODE, WRITE), ep_node_drain},
    {"Node.UpdateEligibility", EP_WRITE, SRV_RULE_AREA(NODE, WRITE),
     ep_node_eligibility},
    {"Node.List", 0, SRV_RULE_AREA(NODE, READ), ep_node_list},
    {"Node.GetNode", 0, SRV_RULE_AREA_OR_NODE(NODE, READ, ARG), ep_node_get},
};
SERVER_EP_TABLE(server_node_eps, node_eps);
