/* server/worker.c: the leader's scheduling loop.
 *
 * The broker hands out evaluations (one per job at a time); a worker runs
 * the pure scheduler on the store as it is, checks the plan against the
 * newest state plus the plans already submitted but not yet applied
 * (scheduler/fit.h) and writes the part that fits as FSM_ALLOC_PLAN
 * entries of bounded size, all in flight at once (plan_entries.h).
 * A plan committed in full carries the evaluation's outcome (in its last
 * entry) and the evaluations it creates; a partial one is planned again
 * on the newer state, up to sched_max_attempts, then the evaluation fails with
 * a blocked evaluation for the conflicts. Everything runs on the loop: up to
 * num_schedulers evaluations are between planning and commit at once. */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "raft/fsm.h"
#include "scheduler/fit.h"
#include "scheduler/scheduler.h"
#include "server/broker.h"
#include "server/heartbeat.h"
#include "server/plan_entries.h"
#include "server/server_int.h"

#define WORKER_TICK_MS 100
/* Placements per scheduler run: bounds the loop time of planning and
 * checking; the rest is planned again once the plan is applied. */
#define WORKER_MAX_PLACEMENTS 10000
/* Changes per FSM_ALLOC_PLAN entry: bounds each Raft entry and the loop
 * time of applying it on every server. A plan's entries are in flight
 * together (plan_entries.h). */
#define WORKER_ENTRY_PLACEMENTS 1000

struct wjob {
	struct server *s;
	char eval_id[ID_LEN + 1];
	int attempt;
	struct sched_response resp;
	struct plan *accepted; /* submitted, not yet applied */
	/* The entries in flight and the evaluation lists they borrow: the
	 * leader applies them from here (replica_apply_plan). */
	struct plan_entries entries;
	struct evaluation_list first, last;
	bool partial, rejected, stopped_any;
	unsigned pending;      /* entries submitted, not yet applied */
	bool failed;           /* one of them failed */
	uint64_t submitted_ns; /* uv_hrtime at submit, for the debug log */
	struct wjob *next;     /* s->inflight */
};

static void worker_kick(struct server *s);
static void worker_run(struct wjob *w);

/* ---- leadership -------------------------------------------------------- */

static void worker_node_expired(void *data, const char *node_id);

int server_leader_init(struct server *s)
{
	struct heartbeat_config hc = {
	    .min_ttl_ns = s->cfg.min_heartbeat_ttl_ns,
	    .grace_ns = s->cfg.heartbeat_grace_ns,
	    .max_per_second = s->cfg.max_heartbeats_per_second,
	    .failover_ttl_ns = s->cfg.failover_heartbeat_ttl_ns,
	    .expired = worker_node_expired,
	    .data = s,
	};
	if (broker_create(&s->broker) != ERR_OK ||
	    heartbeats_create(s->cfg.loop, &hc, &s->heartbeats) != ERR_OK)
		return ERR_NOMEM;
	uv_timer_init(s->cfg.loop, &s->broker_timer);
	s->broker_timer.data = s;
	return ERR_OK;
}

void server_leader_destroy(struct server *s)
{
	heartbeats_destroy(s->heartbeats);
	s->heartbeats = NULL;
	broker_destroy(s->broker);
	s->broker = NULL;
}

static bool worker_restore_eval(void *data, const struct evaluation *ev)
{
	struct server *s = data;
	broker_put(s->broker, ev, stime_wall_ns());
	return true;
}

struct worker_arm {
	struct server *s;
	size_t nodes;
};

static bool worker_count_node(void *data, const struct node *n)
{
	(void)n;
	((struct worker_arm *)data)->nodes++;
	return true;
}

static bool worker_arm_node(void *data, const struct node *n)
{
	struct worker_arm *a = data;
	if (!node_status_terminal(n->status))
		heartbeats_arm_failover(a->s->heartbeats, n->id, a->nodes);
	return true;
}

static void worker_tick(uv_timer_t *t)
{
	struct server *s = t->data;
	broker_tick(s->broker, stime_wall_ns());
	worker_kick(s);
	server_drainer_tick(s);
}

void server_on_leader(void *data, bool leader)
{
	struct server *s = data;
	broker_clear(s->broker);
	if (s->heartbeats != NULL)
		heartbeats_clear(s->heartbeats);
	s->leading = leader && !s->stopping;
	if (!s->leading) {
		server_alloc_batch_flush(s);
		server_reg_batch_flush(s);
		uv_timer_stop(&s->broker_timer);
		return;
	}
	store_each_eval(s->store, "*", NULL, worker_restore_eval, s);
	struct worker_arm arm = {.s = s};
	store_each_node(s->store, NULL, worker_count_node, &arm);
	store_each_node(s->store, NULL, worker_arm_node, &arm);
	LOG_INFO("server",
	         "leader duties: %zu evaluations ready, %zu blocked, "
	         "%zu nodes tracked",
	         broker_ready(s->broker), broker_blocked(s->broker),
	         heartbeats_count(s->heartbeats));
	uv_timer_start(&s->broker_timer, worker_tick, WORKER_TICK_MS,
	               WORKER_TICK_MS);
	worker_kick(s);
}

void server_evals_written(struct server *s, const struct evaluation *evs,
                          size_t n)
{
	if (!s->leading)
		return;
	for (size_t i = 0; i < n; i++)
		broker_put(s->broker, &evs[i], stime_wall_ns());
	worker_kick(s);
}

void server_capacity_changed(struct server *s)
{
	if (s->leading && broker_unblock(s->broker) > 0)
		worker_kick(s);
}

int64_t server_heartbeat(struct server *s, const char *node_id)
{
	if (!s->leading || s->heartbeats == NULL)
		return 0;
	return heartbeats_reset(s->heartbeats, node_id);
}

void server_heartbeat_forget(struct server *s, const char *node_id)
{
	if (s->heartbeats != NULL)
		heartbeats_forget(s->heartbeats, node_id);
}

/* ---- a node that stopped heartbeating ------------------------------------ */

struct node_down {
	struct server *s;
	struct fsm_node_update body;
};

static void worker_node_down_applied(struct replica_apply *req, int status,
                                     uint64_t index)
{
	struct node_down *d = req->data;
	struct server *s = d->s;
	(void)index;
	if (status == ERR_OK)
		server_evals_written(s, d->body.evals.v, d->body.evals.n);
	schema_release(&fsm_node_update_schema, &d->body);
	mem_free(req);
	mem_free(d);
}

static void worker_node_expired(void *data, const char *node_id)
{
	struct server *s = data;
	struct node_down *d = mem_calloc(1, sizeof *d);
	struct replica_apply *req = mem_calloc(1, sizeof *req);
	struct node_event *ev = mem_calloc(1, sizeof *ev);
	if (d == NULL || req == NULL || ev == NULL || !s->leading)
		goto fail;
	d->body.node_id = mem_strdup(node_id);
	d->body.status = mem_strdup(NODE_STATUS_DOWN);
	d->body.updated_at = stime_wall_ns() / STIME_NS_PER_S;
	ev->message = mem_strdup("Node heartbeat missed");
	ev->subsystem = mem_strdup(NODE_EVENT_SUBSYSTEM_CLUSTER);
	ev->timestamp = stime_wall_ns();
	d->body.event = ev;
	ev = NULL;
	if (server_node_evals(s, node_id, &d->body.evals) != ERR_OK)
		goto fail;
	d->s = s;
	req->data = d;
	req->cb = worker_node_down_applied;
	if (replica_apply(s->replica, req, FSM_NODE_STATUS,
	                  &fsm_node_update_schema, &d->body) != ERR_OK)
		goto fail;
	return;
fail:
	LOG_WARN("server", "cannot mark node %s down", node_id);
	mem_free(ev);
	mem_free(req);
	if (d != NULL)
		schema_release(&fsm_node_update_schema, &d->body);
	mem_free(d);
}

/* ---- scheduling ------------------------------------------------------------
 */

static void worker_entries_release(struct wjob *w)
{
	plan_entries_release(&w->entries);
	mem_free(w->first.v);
	mem_free(w->last.v);
	memset(&w->first, 0, sizeof w->first);
	memset(&w->last, 0, sizeof w->last);
}

static void worker_finish(struct wjob *w)
{
	struct server *s = w->s;
	worker_entries_release(w);
	broker_done(s->broker, w->eval_id);
	sched_response_release(&w->resp);
	plan_destroy(w->accepted);
	mem_free(w);
	s->workers--;
	worker_kick(s);
}

static unsigned worker_max(const struct server *s)
{
	return s->cfg.num_schedulers ? s->cfg.num_schedulers : 4;
}

static void worker_kick(struct server *s)
{
	char id[ID_LEN + 1];
	while (s->leading && (unsigned)s->workers < worker_max(s) &&
	       broker_next(s->broker, id)) {
		struct wjob *w = mem_calloc(1, sizeof *w);
		if (w == NULL) {
			broker_done(s->broker, id);
			return;
		}
		w->s = s;
		memcpy(w->eval_id, id, sizeof id);
		s->workers++;
		worker_run(w);
	}
}

/* The plans submitted and not yet in the store. */
static size_t worker_accepted(struct server *s, const struct plan **v,
                              size_t cap)
{
	size_t n = 0;
	for (struct wjob *w = s->inflight; w != NULL && n < cap; w = w->next)
		if (w->accepted != NULL)
			v[n++] = w->accepted;
	return n;
}

static void worker_unlink(struct wjob *w)
{
	for (struct wjob **pp = &w->s->inflight; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			return;
		}
}

/* The evaluations the entries write: the follow-ups first (allocations
 * name them), the outcome and the blocked evaluation last, and on a
 * partial commit only the follow-ups the committed allocations name. */
static int worker_evals(struct wjob *w, struct evaluation_list *first,
                        struct evaluation_list *last)
{
	const struct evaluation_list *nv = &w->resp.new_evals;
	first->v = mem_calloc(nv->n + 1, sizeof *first->v);
	last->v = mem_calloc(nv->n + 1, sizeof *last->v);
	if (first->v == NULL || last->v == NULL)
		return ERR_NOMEM;
	if (!w->partial)
		last->v[last->n++] = w->resp.eval;
	for (size_t i = 0; i < nv->n; i++) {
		bool blocked =
		    strcmp(nv->v[i].status, EVAL_STATUS_BLOCKED) == 0;
		if (!blocked)
			first->v[first->n++] = nv->v[i];
		else if (!w->partial)
			last->v[last->n++] = nv->v[i];
	}
	return ERR_OK;
}

static void worker_entry_applied(struct server *s, struct rpc_call *call,
                                 void *ctx, int status, uint64_t index);

static void worker_settle(struct wjob *w, int status);

/* Submits the accepted plan as entries of at most WORKER_ENTRY_PLACEMENTS
 * changes, all in flight at once, kept in w until applied: the leader
 * applies them from there (replica_apply_plan). (Written one per loop
 * turn instead, so that Raft's I/O ran in between, the clients' traffic
 * that the first commits woke took the loop and the whole took longer.)
 * Once one is submitted the callbacks finish the job (a later submission
 * failure marks it failed). */
static int worker_submit(struct wjob *w)
{
	struct plan_entries *e = &w->entries;
	int rc;
	worker_entries_release(w);
	rc = worker_evals(w, &w->first, &w->last);
	if (rc == ERR_OK)
		rc = plan_entries_build(w->accepted, w->eval_id, w->resp.job,
		                        &w->first, &w->last,
		                        WORKER_ENTRY_PLACEMENTS, e);
	w->stopped_any = false;
	for (size_t i = 0; rc == ERR_OK && i < e->n; i++)
		if (e->v[i].stopped.n > 0 || e->v[i].preempted.n > 0)
			w->stopped_any = true;
	w->failed = false;
	for (size_t i = 0; rc == ERR_OK && i < e->n; i++) {
		rc = server_apply_plan(w->s, &e->local[i], worker_entry_applied,
		                       w);
		if (rc == ERR_OK) {
			w->pending++;
		} else if (w->pending > 0) {
			w->failed = true;
			rc = ERR_OK;
			break;
		}
	}
	if (w->pending == 0)
		worker_entries_release(w);
	return rc;
}

/* Checks the plan against the newest state and the plans in flight. */
static int worker_check(struct wjob *w)
{
	const struct plan *acc[64];
	struct fit_result fr = {0};
	struct server *s = w->s;
	size_t n = worker_accepted(s, acc, 64);
	int rc = ERR_OK;
	plan_destroy(w->accepted);
	w->accepted = NULL;
	w->partial = w->resp.more;
	w->rejected = false;
	if (w->resp.plan == NULL || plan_is_noop(w->resp.plan))
		return ERR_OK;
	rc = fit_plan(s->store, w->resp.plan, acc, n, &fr);
	if (rc == ERR_OK && fr.n == 0 && !fr.all_rejected) {
		/* All of it fits: the plan itself is what gets committed (its
		 * lists stay valid after the store changes, plan.h). */
		w->accepted = w->resp.plan;
		w->resp.plan = NULL;
	} else if (rc == ERR_OK) {
		rc = fit_plan_accepted(w->resp.plan, &fr, &w->accepted);
	}
	if (rc == ERR_OK && fr.n > 0) {
		w->partial = w->rejected = true;
		LOG_DEBUG("server",
		          "plan for eval %s: %zu nodes rejected (%s: %s)",
		          w->eval_id, fr.n, fr.v[0].node_id, fr.v[0].reason);
	}
	fit_result_release(&fr);
	return rc;
}

static void worker_run(struct wjob *w)
{
	struct server *s = w->s;
	const struct evaluation *ev = store_eval(s->store, w->eval_id);
	struct sched_request rq = {0};
	int rc;
	if (ev == NULL || (evaluation_terminal(ev))) {
		worker_finish(w);
		return;
	}
	rq.store = s->store;
	rq.eval = ev;
	rq.now = stime_wall_ns();
	rq.region = s->region;
	rq.attempt = w->attempt;
	/* Every run gets new IDs: a run after a committed part of the
	 * same evaluation may see an index that differs from the last one
	 * only in the bits sched_seed_from_eval drops. */
	rq.seed =
	    sched_seed_from_eval(w->eval_id, store_latest_index(s->store)) ^
	    (++s->sched_seq << 40);
	rq.max_placements = WORKER_MAX_PLACEMENTS;
	rq.config.score_meta_max = 1; /* what the entries keep */
	sched_response_release(&w->resp);
	uint64_t t0 = uv_hrtime();
	rc = sched_run(&rq, &w->resp);
	uint64_t t1 = uv_hrtime();
	if (rc == ERR_OK)
		rc = worker_check(w);
	uint64_t t2 = uv_hrtime();
	if (rc == ERR_OK)
		rc = worker_submit(w);
	uint64_t t3 = uv_hrtime();
	if (rc != ERR_OK) {
		LOG_WARN("server", "scheduling eval %s: %s", w->eval_id,
		         err_str(rc));
		worker_finish(w);
		return;
	}
	w->submitted_ns = t3;
	if (t3 - t0 > 100 * 1000000ull || log_get_level() <= LOG_DEBUG)
		LOG_INFO(
		    "server",
		    "eval %s: %zu placements; schedule %llu ms, check %llu "
		    "ms, submit %llu ms",
		    w->eval_id,
		    w->accepted ? plan_count_places(w->accepted) : 0,
		    (unsigned long long)(t1 - t0) / 1000000,
		    (unsigned long long)(t2 - t1) / 1000000,
		    (unsigned long long)(t3 - t2) / 1000000);
	w->next = s->inflight;
	s->inflight = w;
}

/* The last attempt stayed partial: the eval fails, a blocked eval waits
 * for the conflicts to clear. */
static void worker_give_up(struct wjob *w)
{
	struct fsm_evals body = {0};
	struct evaluation ev[2];
	char desc[64];
	struct sched_rng rng;
	memset(ev, 0, sizeof ev);
	sched_rng_seed(&rng, ++w->s->sched_seq ^ (uint64_t)stime_wall_ns());
	ev[0] = w->resp.eval; /* shallow */
	ev[0].status = (char *)EVAL_STATUS_FAILED;
	snprintf(desc, sizeof desc, "maximum attempts reached (%d)",
	         sched_max_attempts(w->resp.eval.type));
	ev[0].status_description = desc;
	if (sched_conflict_blocked_eval(&w->resp.eval, stime_wall_ns(), &rng,
	                                &ev[1]) != ERR_OK) {
		worker_finish(w);
		return;
	}
	ev[0].blocked_eval = ev[1].id;
	body.evals.v = ev;
	body.evals.n = 2;
	if (server_apply(w->s, NULL, FSM_EVAL_UPSERT, &fsm_evals_schema, &body,
	                 NULL, NULL) == ERR_OK)
		server_evals_written(w->s, &ev[1], 1);
	schema_release(&evaluation_schema, &ev[1]);
	worker_finish(w);
}

static void worker_entry_applied(struct server *s, struct rpc_call *call,
                                 void *ctx, int status, uint64_t index)
{
	struct wjob *w = ctx;
	(void)s, (void)call;
	if (status != ERR_OK)
		w->failed = true;
	if (--w->pending > 0)
		return;
	LOG_DEBUG("server", "eval %s: plan committed at %llu after %llu us",
	          w->eval_id, (unsigned long long)index,
	          (unsigned long long)(uv_hrtime() - w->submitted_ns) / 1000);
	worker_settle(w, status);
}

/* Every entry of the plan is applied (or failed, with none in flight). */
static void worker_settle(struct wjob *w, int status)
{
	struct server *s = w->s;
	if (w->failed)
		status = ERR_INTERNAL;
	worker_unlink(w);
	/* The placements applied here moved into the store: the plan holds
	 * empty shells of them (fsm_plan_apply_local). */
	worker_entries_release(w);
	plan_destroy(w->accepted);
	w->accepted = NULL;
	if (status != ERR_OK || !s->leading) {
		worker_finish(w);
		return;
	}
	if (w->stopped_any)
		server_capacity_changed(s);
	if (!w->partial) {
		server_evals_written(s, w->resp.new_evals.v,
		                     w->resp.new_evals.n);
		if (w->resp.eval.status != NULL &&
		    strcmp(w->resp.eval.status, EVAL_STATUS_BLOCKED) == 0)
			server_evals_written(s, &w->resp.eval, 1);
		worker_finish(w);
		return;
	}
	/* A plan cut at WORKER_MAX_PLACEMENTS that committed in full made
	 * progress: the attempts start again, as Nomad's do. */
	if (!w->rejected)
		w->attempt = 0;
	if (!w->rejected ||
	    ++w->attempt < sched_max_attempts(w->resp.eval.type)) {
		worker_run(w);
		return;
	}
	worker_give_up(w);
}
