/* server/drainer.c: the leader's node drainer (Nomad's nomad/drainer).
 * A drain only marks the node ineligible and records the strategy; this
 * moves the allocations: service allocations get DesiredTransition.Migrate
 * a few at a time (migrate.max_parallel per task group, counting the ones
 * whose replacement is not running yet), batch allocations are left to
 * finish until the deadline, system allocations go last unless the drain
 * ignores them, and at the deadline everything left is marked. When
 * nothing is left the drain is reported complete (the strategy is
 * cleared; the node stays ineligible). */
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "raft/fsm.h"
#include "server/server_int.h"

#define DRAINER_EVERY_NS  (250LL * STIME_NS_PER_MS)
#define DRAINER_MAX_MARKS 1000 /* per node and step: bounded entries */

/* A task group of a job, with how many of its allocations on the node may
 * start migrating now. */
struct drain_group {
	const char *ns, *job, *tg;
	int64_t budget;
};

struct drain_scan {
	const struct store *st;
	const struct node *n;
	bool deadline;
	struct drain_group *groups;
	size_t ngroups;
	size_t live_other, live_system;
	struct strlist *out;
	int rc;
};

/* The allocation's job: the one it carries, else the store's. */
static const struct job *drain_job(const struct store *st,
                                   const struct allocation *a)
{
	return a->job != NULL ? a->job : store_job(st, a->namespace, a->job_id);
}

static bool drain_type_is(const struct store *st, const struct allocation *a,
                          const char *t1, const char *t2)
{
	const struct job *j = drain_job(st, a);
	const char *t =
	    j != NULL && j->type != NULL ? j->type : JOB_TYPE_SERVICE;
	return strcmp(t, t1) == 0 || (t2 != NULL && strcmp(t, t2) == 0);
}

static bool drain_is_system(const struct store *st, const struct allocation *a)
{
	return drain_type_is(st, a, JOB_TYPE_SYSTEM, JOB_TYPE_SYSBATCH);
}

static bool drain_is_batch(const struct store *st, const struct allocation *a)
{
	return drain_type_is(st, a, JOB_TYPE_BATCH, NULL);
}

static bool drain_marked(const struct allocation *a)
{
	return a->desired_transition.migrate.set &&
	       a->desired_transition.migrate.v;
}

static bool drain_str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static int64_t drain_max_parallel(const struct store *st,
                                  const struct allocation *a)
{
	const struct job *j = drain_job(st, a);
	for (size_t i = 0; j != NULL && i < j->task_groups.n; i++) {
		const struct task_group *tg = &j->task_groups.v[i];
		if (drain_str_eq(tg->name, a->task_group) &&
		    tg->migrate != NULL && tg->migrate->max_parallel.set)
			return tg->migrate->max_parallel.v;
	}
	return 1; /* Nomad's default migrate block */
}

static struct drain_group *drain_group_of(struct drain_scan *sc,
                                          const struct allocation *a)
{
	struct drain_group *g;
	for (size_t i = 0; i < sc->ngroups; i++) {
		g = &sc->groups[i];
		if (drain_str_eq(g->ns, a->namespace) &&
		    drain_str_eq(g->job, a->job_id) &&
		    drain_str_eq(g->tg, a->task_group))
			return g;
	}
	g = mem_realloc(sc->groups, (sc->ngroups + 1) * sizeof *g);
	if (g == NULL)
		return NULL;
	sc->groups = g;
	g = &g[sc->ngroups++];
	g->ns = a->namespace;
	g->job = a->job_id;
	g->tg = a->task_group;
	g->budget = drain_max_parallel(sc->st, a);
	return g;
}

/* Whether a replacement of a (an allocation naming it as previous) runs. */
struct drain_repl {
	const char *id;
	bool running;
};

static bool drain_repl_visit(void *data, const struct allocation *b)
{
	struct drain_repl *r = data;
	if (b->previous_allocation != NULL &&
	    strcmp(b->previous_allocation, r->id) == 0 &&
	    drain_str_eq(b->client_status, ALLOC_CLIENT_RUNNING)) {
		r->running = true;
		return false;
	}
	return true;
}

static bool drain_replacement_running(const struct store *st,
                                      const struct allocation *a)
{
	struct drain_repl r = {a->id, false};
	store_each_job_alloc(st, a->namespace, a->job_id, drain_repl_visit, &r);
	return r.running;
}

/* Pass 1: what is left, and which marked allocations still count against
 * their group's max_parallel (not stopped yet, or replaced by one that is
 * not running yet). */
static bool drain_count(void *data, const struct allocation *a)
{
	struct drain_scan *sc = data;
	struct drain_group *g;
	bool live = !allocation_terminal(a);
	if (drain_is_system(sc->st, a)) {
		sc->live_system += live;
		return true;
	}
	sc->live_other += live;
	if (!drain_marked(a) || drain_is_batch(sc->st, a))
		return true;
	if (!live && (allocation_client_terminal(a) ||
	              drain_replacement_running(sc->st, a)))
		return true;
	if ((g = drain_group_of(sc, a)) == NULL) {
		sc->rc = ERR_NOMEM;
		return false;
	}
	g->budget--;
	return true;
}

/* Pass 2: marks what may move now. */
static bool drain_pick(void *data, const struct allocation *a)
{
	struct drain_scan *sc = data;
	struct drain_group *g;
	if (allocation_terminal(a) || drain_marked(a) ||
	    drain_is_system(sc->st, a))
		return true;
	if (sc->out->n >= DRAINER_MAX_MARKS)
		return false;
	if (!sc->deadline) {
		if (drain_is_batch(sc->st, a))
			return true; /* let it finish */
		if ((g = drain_group_of(sc, a)) == NULL) {
			sc->rc = ERR_NOMEM;
			return false;
		}
		if (g->budget <= 0)
			return true;
		g->budget--;
	}
	if (strlist_push(sc->out, a->id) != ERR_OK) {
		sc->rc = ERR_NOMEM;
		return false;
	}
	return true;
}

/* Pass 3: system allocations, once everything else is gone. */
static bool drain_pick_system(void *data, const struct allocation *a)
{
	struct drain_scan *sc = data;
	if (allocation_terminal(a) || drain_marked(a) ||
	    !drain_is_system(sc->st, a))
		return true;
	if (sc->out->n >= DRAINER_MAX_MARKS)
		return false;
	if (strlist_push(sc->out, a->id) != ERR_OK) {
		sc->rc = ERR_NOMEM;
		return false;
	}
	return true;
}

int drainer_decide(const struct store *st, const struct node *n, int64_t now,
                   struct drain_decision *out)
{
	const struct drain_strategy *ds = n->drain_strategy;
	struct drain_scan sc = {.st = st, .n = n, .out = &out->migrate};
	memset(out, 0, sizeof *out);
	if (ds == NULL)
		return ERR_OK;
	sc.deadline = ds->deadline < 0 ||
	              (ds->force_deadline > 0 && now >= ds->force_deadline);
	store_each_node_alloc(st, n->id, drain_count, &sc);
	if (sc.rc == ERR_OK)
		store_each_node_alloc(st, n->id, drain_pick, &sc);
	if (sc.rc == ERR_OK && sc.live_other == 0 && !ds->ignore_system_jobs)
		store_each_node_alloc(st, n->id, drain_pick_system, &sc);
	mem_free(sc.groups);
	if (sc.rc != ERR_OK) {
		drain_decision_release(out);
		return sc.rc;
	}
	out->done = sc.live_other == 0 &&
	            (ds->ignore_system_jobs || sc.live_system == 0);
	return ERR_OK;
}

void drain_decision_release(struct drain_decision *d)
{
	strlist_release(&d->migrate);
	d->done = false;
}

/* ---- the leader's steps -------------------------------------------------- */

struct drain_write {
	struct server *s;
	uint8_t type;
	union {
		struct fsm_alloc_transition tr;
		struct fsm_node_update done;
	} b;
};

static void drainer_written(struct server *s, struct rpc_call *call, void *ctx,
                            int status, uint64_t index)
{
	struct drain_write *w = ctx;
	(void)call;
	(void)index;
	s->draining_write = false;
	if (status != ERR_OK) {
		LOG_WARN("server", "node drainer: writing failed: %s",
		         server_err_msg(status));
	} else if (w->type == FSM_ALLOC_TRANSITION) {
		server_evals_written(s, w->b.tr.evals.v, w->b.tr.evals.n);
	} else {
		LOG_INFO("server", "node %s: drain complete",
		         w->b.done.node_id);
	}
	if (w->type == FSM_ALLOC_TRANSITION)
		schema_release(&fsm_alloc_transition_schema, &w->b.tr);
	else
		schema_release(&fsm_node_update_schema, &w->b.done);
	mem_free(w);
}

static int drainer_write(struct server *s, struct drain_write *w)
{
	const struct schema *bs = w->type == FSM_ALLOC_TRANSITION
	                              ? &fsm_alloc_transition_schema
	                              : &fsm_node_update_schema;
	int rc = server_apply(s, NULL, w->type, bs, &w->b, drainer_written, w);
	if (rc == ERR_OK)
		s->draining_write = true;
	return rc;
}

static int drainer_mark(struct server *s, const struct node *n,
                        struct drain_decision *d, struct drain_write *w)
{
	int rc = ERR_OK;
	w->type = FSM_ALLOC_TRANSITION;
	w->b.tr.migrate = true;
	for (size_t i = 0; i < d->migrate.n && rc == ERR_OK; i++) {
		const struct allocation *a =
		    store_alloc(s->store, d->migrate.v[i]);
		if (a != NULL)
			rc =
			    server_job_eval_add(&w->b.tr.evals, a->job,
			                        EVAL_TRIGGER_NODE_DRAIN, n->id);
	}
	w->b.tr.alloc_ids = d->migrate; /* moved */
	d->migrate = (struct strlist){0};
	return rc;
}

static int drainer_complete(const struct node *n, struct drain_write *w)
{
	struct node_event *ev = mem_calloc(1, sizeof *ev);
	w->type = FSM_NODE_DRAIN;
	w->b.done.event = ev;
	w->b.done.node_id = mem_strdup(n->id);
	w->b.done.drain_started_at = n->drain_strategy->started_at;
	w->b.done.updated_at = stime_wall_ns() / STIME_NS_PER_S;
	if (ev == NULL || w->b.done.node_id == NULL)
		return ERR_NOMEM;
	ev->message = mem_strdup("Node drain complete");
	ev->subsystem = mem_strdup("Drain");
	ev->timestamp = stime_wall_ns();
	return ev->message != NULL && ev->subsystem != NULL ? ERR_OK
	                                                    : ERR_NOMEM;
}

struct drainer_pass {
	struct server *s;
	int64_t now;
	bool wrote;
};

static bool drainer_node(void *data, const struct node *n)
{
	struct drainer_pass *p = data;
	struct drain_decision d;
	struct drain_write *w;
	int rc;
	if (n->drain_strategy == NULL)
		return true;
	if (drainer_decide(p->s->store, n, p->now, &d) != ERR_OK)
		return false;
	if (d.migrate.n == 0 && !d.done) {
		drain_decision_release(&d);
		return true;
	}
	w = mem_calloc(1, sizeof *w);
	rc = w == NULL         ? ERR_NOMEM
	     : d.migrate.n > 0 ? drainer_mark(p->s, n, &d, w)
	                       : drainer_complete(n, w);
	drain_decision_release(&d);
	if (rc == ERR_OK)
		rc = drainer_write(p->s, w);
	if (rc != ERR_OK && w != NULL) {
		LOG_WARN("server", "node drainer: %s", server_err_msg(rc));
		if (w->type == FSM_ALLOC_TRANSITION)
			schema_release(&fsm_alloc_transition_schema, &w->b.tr);
		else
			schema_release(&fsm_node_update_schema, &w->b.done);
		mem_free(w);
	}
	p->wrote = true;
	return false; /* one write at a time */
}

void server_drainer_tick(struct server *s)
{
	int64_t mono = stime_mono_ns();
	struct drainer_pass p = {.s = s, .now = stime_wall_ns()};
	if (!s->leading || s->draining_write ||
	    mono - s->drainer_last_ns < DRAINER_EVERY_NS)
		return;
	s->drainer_last_ns = mono;
	store_each_node(s->store, NULL, drainer_node, &p);
}
