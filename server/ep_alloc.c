/* server/ep_alloc.c: allocation reads (Alloc.*, Job.Allocations,
 * Eval.Allocations, Node.Allocations), the client's pull of its
 * allocations (Node.GetClientAllocs, blocking) and its status pushes
 * (Node.UpdateAlloc). */
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "raft/fsm.h"
#include "server/server_int.h"

/* ---- lists of stubs and of full allocations ---------------------------- */

struct ep_allocs {
	struct alloc_list_response stubs;
	struct allocs_response full;
	const char *eval_id;   /* filter, or NULL */
	const struct acl *acl; /* only allocations it may read, or NULL */
	bool want_full, resources, oom;
};

static void ep_stub_fill(struct alloc_list_stub *st, const struct allocation *a,
                         bool resources)
{
	memset(st, 0, sizeof *st);
	st->id = a->id;
	st->eval_id = a->eval_id;
	st->name = a->name;
	st->namespace = a->namespace;
	st->node_id = a->node_id;
	st->node_name = a->node_name;
	st->job_id = a->job_id;
	st->job_type = a->job ? a->job->type : NULL;
	st->job_version = a->job ? a->job->version : 0;
	st->task_group = a->task_group;
	if (resources)
		st->allocated_resources = a->allocated_resources;
	st->desired_status = a->desired_status;
	st->desired_description = a->desired_description;
	st->client_status = a->client_status;
	st->client_description = a->client_description;
	st->task_states = a->task_states;
	st->followup_eval_id = a->followup_eval_id;
	st->reschedule_tracker = a->reschedule_tracker;
	st->preempted_allocations = a->preempted_allocations;
	st->preempted_by_allocation = a->preempted_by_allocation;
	st->create_index = a->create_index;
	st->modify_index = a->modify_index;
	st->create_time = a->create_time;
	st->modify_time = a->modify_time;
}

static bool ep_add_alloc(void *data, const struct allocation *a)
{
	struct ep_allocs *l = data;
	size_t n = l->want_full ? l->full.allocs.n : l->stubs.allocations.n;
	if (l->eval_id != NULL &&
	    (a->eval_id == NULL || strcmp(a->eval_id, l->eval_id) != 0))
		return true;
	if (l->acl != NULL &&
	    !acl_allow_ns_op(l->acl, a->namespace, ACL_CAP_READ_JOB))
		return true;
	if (l->want_full) {
		struct allocation *v =
		    mem_realloc(l->full.allocs.v, (n + 1) * sizeof *v);
		if (v == NULL)
			goto oom;
		v[n] = *a; /* borrowed */
		l->full.allocs.v = v;
		l->full.allocs.n++;
		return true;
	}
	struct alloc_list_stub *v =
	    mem_realloc(l->stubs.allocations.v, (n + 1) * sizeof *v);
	if (v == NULL)
		goto oom;
	ep_stub_fill(&v[n], a, l->resources);
	l->stubs.allocations.v = v;
	l->stubs.allocations.n++;
	return true;
oom:
	l->oom = true;
	return false;
}

static void ep_allocs_reply(struct server *s, struct rpc_call *call,
                            struct ep_allocs *l)
{
	struct rpc_meta m =
	    server_meta(s, store_table_index(s->store, STORE_ALLOCS));
	if (l->oom)
		rpc_call_error(call, "out of memory", NULL);
	else if (l->want_full)
		rpc_call_reply(call, &allocs_response_schema, &l->full, &m);
	else
		rpc_call_reply(call, &alloc_list_response_schema, &l->stubs,
		               &m);
	mem_free(l->full.allocs.v);
	mem_free(l->stubs.allocations.v);
}

static void ep_alloc_list(struct server *s, struct rpc_call *call)
{
	struct alloc_list_request a = {0};
	struct ep_allocs l = {0};
	struct acl *caller;
	if (server_block(s, call, STORE_BIT(STORE_ALLOCS), ep_alloc_list))
		return;
	if ((caller = server_acl_caller(s, call)) == NULL)
		return;
	if (server_args(call, &alloc_list_request_schema, &a)) {
		l.resources = a.resources;
		l.acl = caller; /* "*": the namespaces it may read */
		store_each_alloc(s->store, server_namespace(call, NULL),
		                 a.prefix, ep_add_alloc, &l);
		ep_allocs_reply(s, call, &l);
	}
	acl_release(caller);
	schema_release(&alloc_list_request_schema, &a);
}

static void ep_job_allocs(struct server *s, struct rpc_call *call)
{
	struct id_request a = {0};
	struct ep_allocs l = {0};
	struct acl *caller;
	if (server_block(s, call, STORE_BIT(STORE_ALLOCS), ep_job_allocs))
		return;
	if ((caller = server_acl_caller(s, call)) == NULL)
		return;
	if (server_args(call, &id_request_schema, &a)) {
		l.acl = caller; /* "*": the job in every namespace */
		store_each_job_alloc(s->store, server_namespace(call, NULL),
		                     a.id ? a.id : "", ep_add_alloc, &l);
		ep_allocs_reply(s, call, &l);
	}
	acl_release(caller);
	schema_release(&id_request_schema, &a);
}

static void ep_eval_allocs(struct server *s, struct rpc_call *call)
{
	struct id_request a = {0};
	struct ep_allocs l = {0};
	const struct evaluation *ev;
	if (server_block(s, call, STORE_BIT(STORE_ALLOCS), ep_eval_allocs))
		return;
	if (!server_args(call, &id_request_schema, &a))
		return;
	ev = store_eval(s->store, a.id ? a.id : "");
	/* Another namespace's evaluation, unless readable, is not there. */
	if (ev != NULL &&
	    server_acl_may(s, call, ev->namespace, ACL_CAP_READ_JOB)) {
		l.eval_id = ev->id;
		store_each_job_alloc(s->store, ev->namespace, ev->job_id,
		                     ep_add_alloc, &l);
	}
	ep_allocs_reply(s, call, &l);
	schema_release(&id_request_schema, &a);
}

static void ep_node_allocs(struct server *s, struct rpc_call *call)
{
	struct node_specific_request a = {0};
	struct ep_allocs l = {.want_full = true};
	const struct node *n;
	struct acl *caller;
	if (server_block(s, call, STORE_BIT(STORE_ALLOCS), ep_node_allocs))
		return;
	if ((caller = server_acl_caller(s, call)) == NULL)
		return;
	if (server_args(call, &node_specific_request_schema, &a)) {
		/* Nomad: node:read, then read-job per allocation. */
		l.acl = caller;
		n = server_find_node(s, a.node_id);
		if (n != NULL)
			store_each_node_alloc(s->store, n->id, ep_add_alloc,
			                      &l);
		ep_allocs_reply(s, call, &l);
	}
	acl_release(caller);
	schema_release(&node_specific_request_schema, &a);
}

struct ep_one_alloc {
	const struct allocation *a;
	int count;
};

static bool ep_match_alloc(void *data, const struct allocation *a)
{
	struct ep_one_alloc *o = data;
	o->a = a;
	return ++o->count < 2;
}

static void ep_alloc_get(struct server *s, struct rpc_call *call)
{
	struct id_request a = {0};
	struct single_alloc_response r = {0};
	struct ep_one_alloc o = {0};
	if (server_block(s, call, STORE_BIT(STORE_ALLOCS), ep_alloc_get))
		return;
	if (!server_args(call, &id_request_schema, &a))
		return;
	r.alloc = (struct allocation *)store_alloc(s->store, a.id ? a.id : "");
	if (r.alloc == NULL && a.id != NULL && strlen(a.id) >= 4) {
		store_each_alloc(s->store, "*", a.id, ep_match_alloc, &o);
		if (o.count == 1)
			r.alloc = (struct allocation *)o.a;
	}
	/* Another namespace's allocation, unless readable, is not there. */
	if (r.alloc != NULL &&
	    !server_acl_may(s, call, r.alloc->namespace, ACL_CAP_READ_JOB))
		r.alloc = NULL;
	struct rpc_meta m =
	    server_meta(s, r.alloc ? r.alloc->modify_index
	                           : store_table_index(s->store, STORE_ALLOCS));
	rpc_call_reply(call, &single_alloc_response_schema, &r, &m);
	schema_release(&id_request_schema, &a);
}

static void ep_alloc_get_many(struct server *s, struct rpc_call *call)
{
	struct allocs_get_request a = {0};
	struct ep_allocs l = {.want_full = true};
	/* A client passes the index its pull saw: a stale server answers
	 * once it has applied that far. */
	if (server_block(s, call, STORE_BIT(STORE_ALLOCS), ep_alloc_get_many))
		return;
	if (!server_args(call, &allocs_get_request_schema, &a))
		return;
	for (size_t i = 0; i < a.alloc_ids.n && !l.oom; i++) {
		const struct allocation *al =
		    store_alloc(s->store, a.alloc_ids.v[i]);
		if (al != NULL)
			ep_add_alloc(&l, al);
	}
	ep_allocs_reply(s, call, &l);
	schema_release(&allocs_get_request_schema, &a);
}

/* ---- Node.GetClientAllocs ------------------------------------------------ */

struct ep_client_allocs {
	struct value m;
	bool oom;
};

static bool ep_client_alloc(void *data, const struct allocation *a)
{
	struct ep_client_allocs *c = data;
	if (alloc_metric_count_add(&c->m, a->id,
	                           (int64_t)a->alloc_modify_index) != ERR_OK) {
		c->oom = true;
		return false;
	}
	return true;
}

static bool ep_client_alloc_newest(void *data, const struct allocation *a)
{
	uint64_t *max = data;
	if (a->modify_index > *max)
		*max = a->modify_index;
	return true;
}

/* The index a node's pull waits on (Nomad's GetClientAllocs): the newest
 * change to one of its allocations, so that other nodes' updates do not
 * wake it (0 while it has none: its first placement wakes it). */
static uint64_t ep_client_allocs_index(struct server *s, struct rpc_call *call)
{
	struct node_specific_request a = {0};
	struct err e;
	uint64_t max = 0;
	err_clear(&e);
	if (call->args == NULL ||
	    schema_msgpack_unpack(&node_specific_request_schema, &a, call->args,
	                          &e) != ERR_OK)
		return UINT64_MAX; /* answer now: the error is reported */
	if (a.node_id != NULL)
		store_each_node_alloc(s->store, a.node_id,
		                      ep_client_alloc_newest, &max);
	schema_release(&node_specific_request_schema, &a);
	return max;
}

static void ep_client_allocs(struct server *s, struct rpc_call *call)
{
	struct node_specific_request a = {0};
	struct ep_client_allocs c = {0};
	struct node_client_allocs_response r = {0};
	const struct node *n;
	if (server_block_on(s, call, STORE_BIT(STORE_ALLOCS), ep_client_allocs,
	                    ep_client_allocs_index))
		return;
	if (!server_args(call, &node_specific_request_schema, &a))
		return;
	n = store_node(s->store, a.node_id ? a.node_id : "");
	if (n == NULL) {
		rpc_call_error(call, "node not found", NULL);
	} else if (!server_secret_equal(a.secret_id, n->secret_id)) {
		rpc_call_error(call, "node secret ID does not match", NULL);
	} else {
		store_each_node_alloc(s->store, n->id, ep_client_alloc, &c);
		r.allocs = c.m;
		struct rpc_meta m =
		    server_meta(s, store_table_index(s->store, STORE_ALLOCS));
		r.index = m.index; /* the QueryMeta's, at least 1 */
		if (c.oom)
			rpc_call_error(call, "out of memory", NULL);
		else
			rpc_call_reply(
			    call, &node_client_allocs_response_schema, &r, &m);
	}
	value_release(&c.m);
	schema_release(&node_specific_request_schema, &a);
}

/* ---- Node.UpdateAlloc ------------------------------------------------------
 */

struct ep_alloc_update {
	struct fsm_alloc_update body;
	bool freed;
};

static void ep_alloc_updated(struct server *s, struct rpc_call *call, void *ctx,
                             int status, uint64_t index)
{
	struct ep_alloc_update *u = ctx;
	if (status != ERR_OK) {
		server_fail(call, status);
	} else {
		struct node_update_response r = {.index = index};
		struct rpc_meta m = server_meta(s, index);
		rpc_call_reply(call, &node_update_response_schema, &r, &m);
		server_evals_written(s, u->body.evals.v, u->body.evals.n);
		if (u->freed)
			server_capacity_changed(s);
	}
	schema_release(&fsm_alloc_update_schema, &u->body);
	mem_free(u);
}

/* A failed allocation of a service or batch job asks for an evaluation
 * (the reconciler reschedules it per the job's policy). */
static int ep_failed_evals(struct server *s, struct ep_alloc_update *u)
{
	for (size_t i = 0; i < u->body.allocs.n; i++) {
		const struct allocation *in = &u->body.allocs.v[i];
		const struct allocation *a = store_alloc(s->store, in->id);
		const struct job *job;
		struct evaluation *v;
		if (alloc_client_status_terminal(in->client_status))
			u->freed = true;
		if (a == NULL || in->client_status == NULL ||
		    strcmp(in->client_status, ALLOC_CLIENT_FAILED) != 0)
			continue;
		job = store_job(s->store, a->namespace, a->job_id);
		if (job == NULL || job->stop)
			continue;
		v = mem_realloc(u->body.evals.v,
		                (u->body.evals.n + 1) * sizeof *v);
		if (v == NULL)
			return ERR_NOMEM;
		u->body.evals.v = v;
		memset(&v[u->body.evals.n], 0, sizeof *v);
		if (server_new_eval(&v[u->body.evals.n++], job,
		                    EVAL_TRIGGER_RETRY_FAILED_ALLOC, 0,
		                    NULL) != ERR_OK)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

static void ep_update_alloc(struct server *s, struct rpc_call *call)
{
	struct alloc_update_request a = {0};
	struct ep_alloc_update *u = mem_calloc(1, sizeof *u);
	int rc = ERR_NOMEM;
	if (u == NULL) {
		rpc_call_error(call, "out of memory", NULL);
		return;
	}
	if (!server_args(call, &alloc_update_request_schema, &a)) {
		mem_free(u);
		return;
	}
	u->body.allocs = a.allocs; /* moved */
	memset(&a.allocs, 0, sizeof a.allocs);
	for (size_t i = 0; i < u->body.allocs.n; i++)
		if (u->body.allocs.v[i].modify_time == 0)
			u->body.allocs.v[i].modify_time = stime_wall_ns();
	rc = ep_failed_evals(s, u);
	if (rc == ERR_OK && s->leading) {
		/* Batched with other clients' reports (alloc_batch.c). */
		rc = server_alloc_batch_add(s, call, &u->body, u->freed);
		if (rc == ERR_OK) {
			schema_release(&fsm_alloc_update_schema, &u->body);
			mem_free(u);
		}
	} else if (rc == ERR_OK) {
		rc = server_apply(s, call, FSM_ALLOC_CLIENT_UPDATE,
		                  &fsm_alloc_update_schema, &u->body,
		                  ep_alloc_updated, u);
	}
	if (rc != ERR_OK) {
		server_fail(call, rc);
		schema_release(&fsm_alloc_update_schema, &u->body);
		mem_free(u);
	}
	schema_release(&alloc_update_request_schema, &a);
}

/* Reads need read-job (per allocation where the namespace is the
 * object's); a client reaches its own allocations with its node secret. */
static const struct server_ep_def alloc_eps[] = {
    {"Alloc.List", 0, SRV_RULE_NS_OBJ(READ_JOB), ep_alloc_list},
    {"Alloc.GetAlloc", 0, SRV_RULE_NS_OBJ(READ_JOB), ep_alloc_get},
    {"Alloc.GetAllocs", 0, SRV_RULE_NODE(ALLOC_IDS), ep_alloc_get_many},
    {"Job.Allocations", 0, SRV_RULE_NS_OBJ(READ_JOB), ep_job_allocs},
    {"Eval.Allocations", 0, SRV_RULE_NS_OBJ(READ_JOB), ep_eval_allocs},
    {"Node.Allocations", 0, SRV_RULE_AREA_OBJ(NODE, READ), ep_node_allocs},
    {"Node.GetClientAllocs", 0, SRV_RULE_NODE(ARG), ep_client_allocs},
    {"Node.UpdateAlloc", EP_WRITE, SRV_RULE_NODE(ALLOCS), ep_update_alloc},
};
SERVER_EP_TABLE(server_alloc_eps, alloc_eps);
