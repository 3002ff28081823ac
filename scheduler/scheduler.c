/* scheduler/scheduler.c: sched_run: the evaluation's set up, the dispatch
 * on its type, and the steps both schedulers share (allocations, tainted
 * nodes, lost marks, building a placement, in-place updates). */
#include "scheduler/scheduler.h"

#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/sched_int.h"
#include "scheduler/scheduler_int.h"

/* refuse()'s verdict: the evaluation failed, nothing to plan (not an
 * err_code: those are >= 0). */
#define SCHED_REFUSED (-1)

/* ---- triggers (Nomad's Process switch) ----------------------------------- */

static const char *const generic_triggers[] = {
    EVAL_TRIGGER_JOB_REGISTER,       EVAL_TRIGGER_JOB_DEREGISTER,
    EVAL_TRIGGER_NODE_DRAIN,         EVAL_TRIGGER_NODE_UPDATE,
    EVAL_TRIGGER_ALLOC_STOP,         EVAL_TRIGGER_ALLOC_RESCHEDULE,
    EVAL_TRIGGER_ROLLING_UPDATE,     EVAL_TRIGGER_QUEUED_ALLOCS,
    EVAL_TRIGGER_PERIODIC_JOB,       EVAL_TRIGGER_MAX_PLANS,
    EVAL_TRIGGER_DEPLOYMENT_WATCHER, EVAL_TRIGGER_RETRY_FAILED_ALLOC,
    EVAL_TRIGGER_FAILED_FOLLOW_UP,   EVAL_TRIGGER_PREEMPTION,
    EVAL_TRIGGER_JOB_SCALING,        EVAL_TRIGGER_MAX_DISCONNECT_TIMEOUT,
    EVAL_TRIGGER_RECONNECT,          NULL,
};

static const char *const system_triggers[] = {
    EVAL_TRIGGER_JOB_REGISTER,       EVAL_TRIGGER_NODE_UPDATE,
    EVAL_TRIGGER_FAILED_FOLLOW_UP,   EVAL_TRIGGER_JOB_DEREGISTER,
    EVAL_TRIGGER_ROLLING_UPDATE,     EVAL_TRIGGER_PREEMPTION,
    EVAL_TRIGGER_DEPLOYMENT_WATCHER, EVAL_TRIGGER_NODE_DRAIN,
    EVAL_TRIGGER_ALLOC_STOP,         EVAL_TRIGGER_QUEUED_ALLOCS,
    EVAL_TRIGGER_JOB_SCALING,        EVAL_TRIGGER_RECONNECT,
    EVAL_TRIGGER_MAX_PLANS,          NULL,
};

static bool trigger_known(const char *const *list, const char *trigger)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (sched_str_eq(list[i], trigger))
			return true;
	return false;
}

int sched_max_attempts(const char *type)
{
	if (sched_str_eq(type, JOB_TYPE_BATCH))
		return SCHED_MAX_ATTEMPTS_BATCH;
	if (sched_str_eq(type, JOB_TYPE_SYSTEM) ||
	    sched_str_eq(type, JOB_TYPE_SYSBATCH))
		return SCHED_MAX_ATTEMPTS_SYSTEM;
	return SCHED_MAX_ATTEMPTS_SERVICE;
}

/* ---- shared steps -------------------------------------------------------- */

static bool collect_one(void *data, const struct allocation *a)
{
	struct se_allocs *l = data;
	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? l->cap * 2 : 16;
		const struct allocation **v =
		    mem_realloc(l->v, cap * sizeof *v);
		if (v == NULL) {
			l->cap = SIZE_MAX; /* out of memory: stop */
			return false;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = a;
	return true;
}

int se_collect_allocs(struct sched_eval *se)
{
	struct se_allocs *l = &se->allocs;
	store_each_job_alloc(se->rq->store, sched_str(se->ev->namespace),
	                     sched_str(se->ev->job_id), collect_one, l);
	return l->cap == SIZE_MAX ? ERR_NOMEM : 0;
}

const struct reconcile_node *se_tainted_find(const struct reconcile_node *t,
                                             size_t n, const char *node_id)
{
	for (size_t i = 0; i < n; i++)
		if (sched_str_eq(t[i].node_id, node_id))
			return &t[i];
	return NULL;
}

/* Adds node_id to t when tainted (and not listed yet). */
static void tainted_note(const struct store *s, struct reconcile_node *t,
                         size_t *n, const char *node_id)
{
	const struct node *node;
	if (se_tainted_find(t, *n, node_id) != NULL)
		return;
	node = store_node(s, sched_str(node_id));
	if (node != NULL && !reconcile_node_tainted(node))
		return;
	t[*n].node_id = node_id;
	t[*n].status = node != NULL ? sched_str(node->status) : NULL;
	t[*n].draining = node != NULL && node->drain_strategy != NULL;
	(*n)++;
}

int se_tainted(const struct sched_eval *se, struct reconcile_node **out,
               size_t *n)
{
	const struct se_allocs *l = &se->allocs;
	struct reconcile_node *t = mem_calloc(l->n + 1, sizeof *t);
	*out = NULL;
	*n = 0;
	if (t == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < l->n; i++)
		tainted_note(se->rq->store, t, n, l->v[i]->node_id);
	*out = t;
	return 0;
}

int se_mark_lost(struct sched_eval *se, const struct reconcile_node *t,
                 size_t n)
{
	for (size_t i = 0; i < se->allocs.n; i++) {
		const struct allocation *a = se->allocs.v[i];
		const struct reconcile_node *tn =
		    se_tainted_find(t, n, a->node_id);
		if (tn == NULL || (tn->status != NULL &&
		                   !sched_str_eq(tn->status, NODE_STATUS_DOWN)))
			continue;
		if (!sched_str_eq(a->desired_status, ALLOC_DESIRED_STOP) ||
		    (!sched_str_eq(a->client_status, ALLOC_CLIENT_RUNNING) &&
		     !sched_str_eq(a->client_status, ALLOC_CLIENT_PENDING)))
			continue;
		if (plan_stop(se->out->plan, a, RECONCILE_DESC_LOST,
		              ALLOC_CLIENT_LOST, NULL, se->rq->now, NULL) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

int se_count(struct value *map, const char *group, int64_t delta)
{
	return alloc_metric_count_add(map, sched_str(group), delta) == 0
	           ? 0
	           : ERR_NOMEM;
}

/* ---- building a placement ------------------------------------------------ */

static int new_alloc_fields(struct sched_eval *se, struct allocation *a,
                            const struct task_group *tg, const char *name,
                            const struct node *n)
{
	char id[37];
	sched_new_id(&se->ctx.rng, id);
	if (so_set_str(&a->id, id) ||
	    so_set_str(&a->namespace, se->job->namespace) ||
	    so_set_str(&a->eval_id, se->ev->id) || so_set_str(&a->name, name) ||
	    so_set_str(&a->job_id, se->job->id) ||
	    so_set_str(&a->task_group, tg->name) ||
	    so_set_str(&a->node_id, n->id) ||
	    so_set_str(&a->node_name, n->name) ||
	    so_set_str(&a->desired_status, ALLOC_DESIRED_RUN) ||
	    so_set_str(&a->client_status, ALLOC_CLIENT_PENDING))
		return ERR_NOMEM;
	a->create_time = se->rq->now;
	a->modify_time = se->rq->now;
	return 0;
}

/* Moves r's resources and metrics into heap members of a. */
static int take_result(struct allocation *a, struct select_result *r)
{
	a->allocated_resources = mem_calloc(1, sizeof *a->allocated_resources);
	a->metrics = mem_calloc(1, sizeof *a->metrics);
	if (a->allocated_resources == NULL || a->metrics == NULL)
		return ERR_NOMEM;
	*a->allocated_resources = r->resources;
	*a->metrics = r->metrics;
	memset(&r->resources, 0, sizeof r->resources);
	memset(&r->metrics, 0, sizeof r->metrics);
	return 0;
}

int se_place_new(struct sched_eval *se, const struct task_group *tg,
                 const char *name, const struct allocation *previous,
                 struct select_result *r, struct allocation **out)
{
	struct allocation *a = mem_calloc(1, sizeof *a);
	if (out != NULL)
		*out = NULL;
	if (a == NULL)
		return ERR_NOMEM;
	if (new_alloc_fields(se, a, tg, name, r->node) != 0 ||
	    take_result(a, r) != 0 ||
	    (previous != NULL &&
	     so_set_str(&a->previous_allocation, previous->id) != 0)) {
		allocation_free(a);
		return ERR_NOMEM;
	}
	if (plan_place(se->out->plan, a) != 0)
		return ERR_NOMEM;
	if (out != NULL)
		*out = a;
	return 0;
}

/* ---- in-place updates (Nomad's genericAllocUpdateFn) --------------------- */

static const struct allocated_task_resources *
task_res(const struct allocated_resources *ar, const char *task)
{
	for (size_t i = 0; ar != NULL && i < ar->tasks.n; i++)
		if (sched_str_eq(ar->tasks.v[i].key, task))
			return &ar->tasks.v[i].val;
	return NULL;
}

/* Replaces t's networks and devices by deep copies of o's (none when o is
 * NULL). */
static int task_keep(struct allocated_task_resources *t,
                     const struct allocated_task_resources *o)
{
	struct allocated_task_resources drop = {0}, src = {0}, copy = {0};
	drop.networks = t->networks;
	drop.devices = t->devices;
	schema_release(&allocated_task_resources_schema, &drop);
	memset(&t->networks, 0, sizeof t->networks);
	memset(&t->devices, 0, sizeof t->devices);
	if (o == NULL)
		return 0;
	src.networks = o->networks;
	src.devices = o->devices;
	if (schema_copy(&allocated_task_resources_schema, &copy, &src) != 0)
		return ERR_NOMEM;
	t->networks = copy.networks;
	t->devices = copy.devices;
	return 0;
}

/* Replaces sh's networks and ports by deep copies of o's. */
static int shared_keep(struct allocated_shared_resources *sh,
                       const struct allocated_shared_resources *o)
{
	struct allocated_shared_resources drop = {0}, src = {0}, copy = {0};
	drop.networks = sh->networks;
	drop.ports = sh->ports;
	schema_release(&allocated_shared_resources_schema, &drop);
	memset(&sh->networks, 0, sizeof sh->networks);
	memset(&sh->ports, 0, sizeof sh->ports);
	src.networks = o->networks;
	src.ports = o->ports;
	if (schema_copy(&allocated_shared_resources_schema, &copy, &src) != 0)
		return ERR_NOMEM;
	sh->networks = copy.networks;
	sh->ports = copy.ports;
	return 0;
}

/* Ports, networks and devices are never changed in place (tasks_updated
 * makes such a change destructive): the existing allocation's are kept. */
static int keep_offers(struct allocated_resources *dst,
                       const struct allocated_resources *old)
{
	static const struct allocated_resources none;
	if (old == NULL)
		old = &none;
	for (size_t i = 0; i < dst->tasks.n; i++)
		if (task_keep(&dst->tasks.v[i].val,
		              task_res(old, dst->tasks.v[i].key)) != 0)
			return ERR_NOMEM;
	return shared_keep(&dst->shared, &old->shared);
}

/* The in-place copy of a: no Job (the plan's), no legacy resources, this
 * evaluation, the new resources and metrics. */
static struct allocation *inplace_copy(struct sched_eval *se,
                                       const struct allocation *a,
                                       struct select_result *r)
{
	struct allocation tmp = *a, *c = mem_calloc(1, sizeof *c);
	tmp.job = NULL;
	tmp.resources = NULL;
	tmp.allocated_resources = NULL;
	tmp.metrics = NULL;
	if (c == NULL || schema_copy(&allocation_schema, c, &tmp) != 0)
		goto nomem;
	if (so_set_str(&c->eval_id, se->ev->id) != 0 ||
	    take_result(c, r) != 0 ||
	    keep_offers(c->allocated_resources, a->allocated_resources) != 0)
		goto nomem;
	c->modify_time = se->rq->now;
	return c;
nomem:
	allocation_free(c);
	return NULL;
}

/* Nomad's node checks: the node still exists, is in one of the job's
 * datacenters and in its pool. */
static bool node_keeps(const struct sched_eval *se, const struct node *n)
{
	return n != NULL && sched_node_in_dcs(n, &se->job->datacenters) &&
	       sched_node_in_pool(n, se->job->node_pool);
}

int se_inplace(struct sched_eval *se, const struct allocation *a,
               const struct node *n, const struct task_group *tg, bool *done)
{
	struct plan *p = se->out->plan;
	struct select_result r;
	struct allocation *c;
	int rc;
	*done = false;
	if (se->st == NULL || !node_keeps(se, n))
		return 0;
	if (select_stack_set_nodes(se->st, &n, 1) != 0 ||
	    plan_stop(p, a, RECONCILE_DESC_INPLACE, NULL, NULL, se->rq->now,
	              NULL) != 0)
		return ERR_NOMEM;
	rc = select_stack_select(se->st, tg, NULL, &r);
	plan_pop_stop(p, a);
	if (rc != 0)
		return rc;
	if (r.node == NULL) {
		select_result_release(&r);
		return 0;
	}
	c = inplace_copy(se, a, &r);
	select_result_release(&r);
	if (c == NULL || plan_place(p, c) != 0)
		return ERR_NOMEM;
	*done = true;
	return 0;
}

/* ---- sched_run ----------------------------------------------------------- */

static bool bad_request(const struct sched_request *rq,
                        const struct sched_response *out)
{
	return rq == NULL || out == NULL || rq->store == NULL ||
	       rq->eval == NULL;
}

/* The scheduler for the eval's type, or the reason there is none. */
static int pick(const struct evaluation *ev, int (**fn)(struct sched_eval *),
                enum select_mode *mode, const char *const **triggers)
{
	const char *type = sched_str(ev->type);
	*fn = NULL;
	if (strcmp(type, JOB_TYPE_SERVICE) == 0 ||
	    strcmp(type, JOB_TYPE_BATCH) == 0) {
		*fn = sched_generic;
		*mode = strcmp(type, JOB_TYPE_BATCH) == 0 ? SELECT_BATCH
		                                          : SELECT_SERVICE;
		*triggers = generic_triggers;
	} else if (strcmp(type, JOB_TYPE_SYSTEM) == 0 ||
	           strcmp(type, JOB_TYPE_SYSBATCH) == 0) {
		*fn = sched_system;
		*mode = SELECT_SYSTEM;
		*triggers = system_triggers;
	}
	return *fn != NULL ? 0 : ERR_UNSUPPORTED;
}

/* Fails the evaluation when no scheduler can run it (SCHED_REFUSED). */
static int refuse(struct sched_eval *se, int (**fn)(struct sched_eval *),
                  enum select_mode *mode)
{
	const char *const *triggers = NULL;
	const char *type = sched_str(se->ev->type);
	char desc[256];
	if (pick(se->ev, fn, mode, &triggers) != 0) {
		if (strcmp(type, JOB_TYPE_CORE) == 0)
			snprintf(desc, sizeof desc,
			         "evaluation type \"%s\" is run by the "
			         "server's core scheduler",
			         type);
		else
			snprintf(desc, sizeof desc,
			         "unknown scheduler \"%.200s\"", type);
	} else if (!trigger_known(triggers, se->ev->triggered_by)) {
		snprintf(desc, sizeof desc,
		         "scheduler cannot handle '%.200s' evaluation reason",
		         sched_str(se->ev->triggered_by));
	} else {
		return 0;
	}
	return so_fail(se, desc) != 0 ? ERR_NOMEM : SCHED_REFUSED;
}

/* The stack over the job's ready nodes. With none ready there is no
 * stack: select_stack_create would hand memcpy a NULL array then
 * (undefined behaviour, reported), and nothing could be placed anyway. */
static int stack(struct sched_eval *se, enum select_mode mode)
{
	const struct job *job = se->job;
	int rc = sched_nodes_ready(se->rq->store, &job->datacenters,
	                           job->node_pool, &se->none);
	if (rc != 0 || se->none.n == 0)
		return rc;
	sched_nodes_release(&se->none);
	return select_stack_create(&se->ctx, job, mode, &se->st);
}

int se_select(struct sched_eval *se, const struct task_group *tg,
              const struct select_options *opts, struct select_result *r)
{
	if (se->st != NULL)
		return select_stack_select(se->st, tg, opts, r);
	memset(r, 0, sizeof *r);
	if (so_set_str(&r->metrics.node_pool, se->job->node_pool) != 0 ||
	    value_copy(&r->metrics.nodes_available, &se->none.by_dc) != 0) {
		select_result_release(r);
		return ERR_NOMEM;
	}
	return 0;
}

/* The job to schedule (a copy), the plan, the context and the stack. */
static int setup(struct sched_eval *se, enum select_mode mode)
{
	const struct sched_request *rq = se->rq;
	const struct job *src = rq->job_override;
	struct sched_response *out = se->out;
	uint64_t seed =
	    rq->seed + (uint64_t)rq->attempt * 0x9e3779b97f4a7c15ULL;
	if (src == NULL)
		src = store_job(rq->store, sched_str(se->ev->namespace),
		                sched_str(se->ev->job_id));
	if (src != NULL && (out->job = job_dup(src)) == NULL)
		return ERR_NOMEM;
	se->job = out->job;
	se->stopped = se->job == NULL || se->job->stop;
	if (plan_create(rq->store, se->ev->id, se->ev->priority, se->job,
	                &out->plan) != 0)
		return ERR_NOMEM;
	plan_set_all_at_once(out->plan,
	                     se->job != NULL && se->job->all_at_once);
	sched_ctx_init(&se->ctx, rq->store, out->plan, rq->region, rq->now,
	               seed);
	se->ctx.config = rq->config;
	if (!se->stopped && stack(se, mode) != 0)
		return ERR_NOMEM;
	return se_collect_allocs(se);
}

static void se_release(struct sched_eval *se)
{
	select_stack_destroy(se->st);
	sched_nodes_release(&se->none);
	sched_ctx_release(&se->ctx);
	mem_free(se->allocs.v);
	for (size_t i = 0; i < se->failed.n; i++) {
		mem_free(se->failed.v[i].key);
		schema_release(&alloc_metric_schema, &se->failed.v[i].val);
	}
	mem_free(se->failed.v);
	value_release(&se->queued);
	mem_free(se->desired);
}

int sched_run(const struct sched_request *rq, struct sched_response *out)
{
	struct sched_eval se = {.rq = rq, .out = out};
	int (*fn)(struct sched_eval *) = NULL;
	enum select_mode mode = SELECT_SERVICE;
	int rc;
	if (bad_request(rq, out))
		return ERR_INVAL;
	memset(out, 0, sizeof *out);
	se.ev = rq->eval;
	rc = refuse(&se, &fn, &mode);
	if (rc == 0)
		rc = setup(&se, mode);
	if (rc == 0)
		rc = fn(&se);
	if (rc == 0)
		rc = so_finish(&se);
	se_release(&se);
	plan_forget_nodes(out->plan);
	if (rc == SCHED_REFUSED)
		return 0;
	if (rc != 0)
		sched_response_release(out);
	return rc;
}
