/* scheduler/generic.c: the service and batch scheduler (Nomad's
 * GenericScheduler without deployments or preemption): reconcile, apply
 * the stops, create the follow-up evaluations, try the in-place updates,
 * then place the destructive updates and the new allocations. */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/sched_int.h"
#include "scheduler/scheduler_int.h"

/* Nomad's maxPastRescheduleEvents: events kept with unlimited attempts. */
#define GEN_MAX_PAST_EVENTS 5

/* One placement to make. */
struct gen_place {
	const struct task_group *tg;
	const char *name;
	const struct allocation *previous;
	bool reschedule;  /* previous failed: extend its reschedule tracker */
	bool destructive; /* previous runs an older version: stop it */
};

/* Destructive updates the in-place attempts turned down. */
struct gen_updates {
	struct reconcile_update *v;
	size_t n;
};

/* ---- reconcile ----------------------------------------------------------- */

static int gen_reconcile(struct sched_eval *se, const struct reconcile_node *t,
                         size_t nt, struct reconcile_result **res)
{
	struct reconcile_input in = {
	    .job = se->job,
	    .allocs = se->allocs.v,
	    .nallocs = se->allocs.n,
	    .tainted = t,
	    .ntainted = nt,
	    .eval_id = se->ev->id,
	    .eval_trigger = se->ev->triggered_by,
	    .now = se->rq->now,
	    .batch = sched_str_eq(se->ev->type, JOB_TYPE_BATCH),
	};
	return reconcile_compute(&in, res);
}

static int gen_stops(struct sched_eval *se, const struct reconcile_result *r)
{
	for (size_t i = 0; i < r->nstop; i++) {
		const struct reconcile_stop *s = &r->stop[i];
		if (plan_stop(se->out->plan, s->alloc, s->description,
		              s->client_status, NULL, se->rq->now, NULL) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

static int gen_desired(struct sched_eval *se, const struct reconcile_result *r)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		struct reconcile_desired *d = so_desired(se, r->groups[i].name);
		if (d == NULL)
			return ERR_NOMEM;
		*d = r->groups[i].desired;
	}
	return 0;
}

/* ---- follow-up evaluations ----------------------------------------------- */

/* The failed allocation a, marked with its follow-up evaluation (an
 * attribute update: same ID, Job from the plan). */
static int gen_mark_followup(struct sched_eval *se, const struct allocation *a,
                             const char *eval_id)
{
	struct allocation tmp = *a, *c = mem_calloc(1, sizeof *c);
	tmp.job = NULL;
	tmp.resources = NULL;
	if (c == NULL || schema_copy(&allocation_schema, c, &tmp) != 0 ||
	    so_set_str(&c->followup_eval_id, eval_id) != 0) {
		allocation_free(c);
		return ERR_NOMEM;
	}
	c->modify_time = se->rq->now;
	return plan_place(se->out->plan, c);
}

static int gen_followup(struct sched_eval *se,
                        const struct reconcile_followup *f)
{
	struct evaluation *e = so_new_eval(se);
	char id[37];
	if (e == NULL || so_set_str(&e->status, EVAL_STATUS_PENDING) ||
	    so_set_str(&e->triggered_by, f->trigger) ||
	    so_set_str(&e->status_description,
	               *sched_str(f->description) != '\0' ? f->description
	                                                  : NULL))
		return ERR_NOMEM;
	e->wait_until = f->wait_until;
	snprintf(id, sizeof id, "%s", e->id);
	for (size_t i = 0; i < f->nallocs; i++)
		if (gen_mark_followup(se, f->allocs[i], id) != 0)
			return ERR_NOMEM;
	return 0;
}

/* Nomad's delayInstead: an evaluation that is not itself delayed makes
 * the follow-ups, and no blocked evaluation then. */
static int gen_followups(struct sched_eval *se,
                         const struct reconcile_result *r)
{
	bool make = r->nfollowup > 0 && se->ev->wait_until == 0;
	se->want_blocked = !make;
	if (!make || se->rq->dry_run)
		return 0;
	for (size_t i = 0; i < r->nfollowup; i++)
		if (gen_followup(se, &r->followup[i]) != 0)
			return ERR_NOMEM;
	return 0;
}

/* ---- in-place updates ---------------------------------------------------- */

static int gen_demote(struct sched_eval *se, struct gen_updates *d,
                      const struct reconcile_update *u)
{
	struct reconcile_desired *des = so_desired(se, u->tg->name);
	struct reconcile_update *v = mem_realloc(d->v, (d->n + 1) * sizeof *v);
	if (v == NULL || des == NULL) {
		if (v != NULL)
			d->v = v;
		return ERR_NOMEM;
	}
	d->v = v;
	v[d->n++] = *u;
	if (des->in_place_update > 0)
		des->in_place_update--;
	des->destructive_update++;
	return 0;
}

static int gen_try_inplace(struct sched_eval *se,
                           const struct reconcile_result *r,
                           struct gen_updates *demoted)
{
	for (size_t i = 0; i < r->ninplace; i++) {
		const struct reconcile_update *u = &r->inplace[i];
		const struct node *n =
		    store_node(se->rq->store, sched_str(u->alloc->node_id));
		bool done = false;
		if (se_inplace(se, u->alloc, n, u->tg, &done) != 0 ||
		    (!done && gen_demote(se, demoted, u) != 0))
			return ERR_NOMEM;
	}
	return 0;
}

/* In-place updates select on one node at a time: the candidates are put
 * back afterwards. */
static int gen_inplace(struct sched_eval *se, const struct reconcile_result *r,
                       struct gen_updates *demoted)
{
	const struct node **saved;
	const struct node *const *cur;
	size_t n;
	int rc;
	if (r->ninplace == 0)
		return 0;
	if (se->st == NULL) { /* no node is ready: none can stay in place */
		for (size_t i = 0; i < r->ninplace; i++)
			if (gen_demote(se, demoted, &r->inplace[i]) != 0)
				return ERR_NOMEM;
		return 0;
	}
	cur = select_stack_nodes(se->st, &n);
	saved = mem_calloc(n + 1, sizeof *saved);
	if (saved == NULL)
		return ERR_NOMEM;
	memcpy(saved, cur, n * sizeof *saved);
	rc = gen_try_inplace(se, r, demoted);
	if (select_stack_set_nodes(se->st, saved, n) != 0)
		rc = ERR_NOMEM;
	mem_free(saved);
	return rc;
}

/* ---- reschedule tracker -------------------------------------------------- */

static bool gen_keep_event(const struct reschedule_policy *p,
                           const struct reschedule_event *e, size_t i, size_t n,
                           int64_t now)
{
	if (p != NULL && p->attempts.v > 0)
		return p->interval.v > 0 &&
		       now - e->reschedule_time <= p->interval.v;
	return n - i <= GEN_MAX_PAST_EVENTS;
}

/* The previous tracker's events worth keeping, then this reschedule
 * (Nomad's updateRescheduleTracker). */
static int gen_tracker(struct sched_eval *se, struct allocation *a,
                       const struct allocation *prev)
{
	const struct task_group *tg = allocation_task_group(prev);
	const struct reschedule_policy *p =
	    tg != NULL ? tg->reschedule_policy : NULL;
	const struct reschedule_tracker *old = prev->reschedule_tracker;
	size_t n = old != NULL ? old->events.n : 0;
	struct reschedule_tracker *t = mem_calloc(1, sizeof *t);
	struct reschedule_event *e;
	if (t == NULL)
		return ERR_NOMEM;
	a->reschedule_tracker = t;
	t->events.v = mem_calloc(n + 1, sizeof *t->events.v);
	if (t->events.v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!gen_keep_event(p, &old->events.v[i], i, n, se->rq->now))
			continue;
		if (schema_copy(&reschedule_event_schema,
		                &t->events.v[t->events.n], &old->events.v[i]))
			return ERR_NOMEM;
		t->events.n++;
	}
	e = &t->events.v[t->events.n++];
	e->reschedule_time = se->rq->now;
	e->delay = reconcile_next_delay(prev);
	if (so_set_str(&e->prev_alloc_id, prev->id) ||
	    so_set_str(&e->prev_node_id, prev->node_id))
		return ERR_NOMEM;
	return 0;
}

/* Nomad's LastRescheduleFailedToPlace on the plan's stop of prev. */
static int gen_reschedule_failed(struct sched_eval *se,
                                 const struct allocation *prev)
{
	const struct plan_node *pn =
	    plan_node_find(se->out->plan, sched_str(prev->node_id));
	struct allocation *const *stops;
	size_t n = 0;
	if (pn == NULL)
		return 0;
	stops = plan_node_stops(pn, &n);
	for (size_t i = n; i-- > 0;) {
		struct allocation *s = stops[i];
		if (!sched_str_eq(s->id, prev->id))
			continue;
		if (s->reschedule_tracker == NULL &&
		    (s->reschedule_tracker =
		         mem_calloc(1, sizeof *s->reschedule_tracker)) == NULL)
			return ERR_NOMEM;
		return so_set_str(&s->reschedule_tracker->last_reschedule,
		                  SCHED_LAST_RESCHEDULE_FAILED);
	}
	return 0;
}

/* ---- one placement ------------------------------------------------------- */

/* Nodes the previous allocation failed on (Nomad's getSelectOptions). */
static int gen_penalties(const struct allocation *prev, const char ***out,
                         size_t *n)
{
	const struct reschedule_tracker *t = prev->reschedule_tracker;
	size_t cap = 1 + (t != NULL ? t->events.n : 0);
	const char **v = mem_calloc(cap, sizeof *v);
	*out = v;
	*n = 0;
	if (v == NULL)
		return ERR_NOMEM;
	if (sched_str_eq(prev->client_status, ALLOC_CLIENT_FAILED))
		v[(*n)++] = sched_str(prev->node_id);
	for (size_t i = 0; t != NULL && i < t->events.n; i++)
		v[(*n)++] = sched_str(t->events.v[i].prev_node_id);
	return 0;
}

/* The previous node first, for sticky or migrating ephemeral disks. */
static const struct node *gen_preferred(const struct sched_eval *se,
                                        const struct gen_place *pl)
{
	const struct ephemeral_disk *d = pl->tg->ephemeral_disk;
	const struct node *n;
	if (pl->previous == NULL || d == NULL || (!d->sticky && !d->migrate))
		return NULL;
	n = store_node(se->rq->store, sched_str(pl->previous->node_id));
	return n != NULL && node_ready(n) ? n : NULL;
}

static int gen_placed(struct sched_eval *se, const struct gen_place *pl,
                      struct select_result *r)
{
	struct allocation *a = NULL;
	if (se_place_new(se, pl->tg, pl->name, pl->previous, r, &a) != 0)
		return ERR_NOMEM;
	if (pl->reschedule && pl->previous != NULL)
		return gen_tracker(se, a, pl->previous);
	return 0;
}

static int gen_not_placed(struct sched_eval *se, const struct gen_place *pl,
                          struct select_result *r)
{
	if (pl->destructive)
		plan_pop_stop(se->out->plan, pl->previous);
	if (pl->reschedule && gen_reschedule_failed(se, pl->previous) != 0)
		return ERR_NOMEM;
	return so_failed(se, pl->tg, &r->metrics);
}

static int gen_select(struct sched_eval *se, const struct gen_place *pl,
                      struct select_result *r)
{
	struct select_options o = {.alloc_name = pl->name};
	const char **pen = NULL;
	int rc = 0;
	if (pl->previous != NULL)
		rc = gen_penalties(pl->previous, &pen, &o.npenalty);
	o.penalty_nodes = pen;
	o.preferred_node = gen_preferred(se, pl);
	if (rc == 0)
		rc = se_select(se, pl->tg, &o, r);
	mem_free(pen);
	return rc;
}

static int gen_place_one(struct sched_eval *se, const struct gen_place *pl)
{
	struct select_result r;
	int rc;
	size_t max = se->rq->max_placements;
	if (max > 0 && plan_count_places(se->out->plan) >= max) {
		se->out->more = true; /* the rest in the next run */
		return 0;
	}
	memset(&r, 0, sizeof r);
	if (so_has_failed(se, pl->tg->name)) { /* coalesced */
		if (pl->reschedule && gen_reschedule_failed(se, pl->previous))
			return ERR_NOMEM;
		return so_failed(se, pl->tg, &r.metrics);
	}
	if (pl->destructive &&
	    plan_stop(se->out->plan, pl->previous, RECONCILE_DESC_UPDATING,
	              NULL, NULL, se->rq->now, NULL) != 0)
		return ERR_NOMEM;
	rc = gen_select(se, pl, &r);
	if (rc == 0)
		rc = r.node != NULL ? gen_placed(se, pl, &r)
		                    : gen_not_placed(se, pl, &r);
	select_result_release(&r);
	return rc;
}

/* ---- all placements ------------------------------------------------------ */

static int gen_destructive(struct sched_eval *se,
                           const struct reconcile_update *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct gen_place pl = {.tg = u[i].tg,
		                       .name = u[i].alloc->name,
		                       .previous = u[i].alloc,
		                       .destructive = true};
		if (gen_place_one(se, &pl) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

static int gen_new(struct sched_eval *se, const struct reconcile_result *r)
{
	for (size_t i = 0; i < r->nplace; i++) {
		const struct reconcile_place *p = &r->place[i];
		struct gen_place pl = {.tg = p->tg,
		                       .name = p->name,
		                       .previous = p->previous,
		                       .reschedule = p->reschedule};
		if (gen_place_one(se, &pl) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

/* Destructive updates first: their stops free what the new version
 * needs (Nomad's computePlacements). */
static int gen_placements(struct sched_eval *se,
                          const struct reconcile_result *r,
                          const struct gen_updates *demoted)
{
	if (se->stopped)
		return 0;
	if (gen_destructive(se, r->destructive, r->ndestructive) != 0 ||
	    gen_destructive(se, demoted->v, demoted->n) != 0)
		return ERR_NOMEM;
	return gen_new(se, r);
}

static int gen_plan(struct sched_eval *se, const struct reconcile_result *r)
{
	struct gen_updates demoted = {0};
	int rc = 0;
	if (gen_stops(se, r) != 0 || gen_desired(se, r) != 0 ||
	    gen_followups(se, r) != 0 || gen_inplace(se, r, &demoted) != 0 ||
	    gen_placements(se, r, &demoted) != 0)
		rc = ERR_NOMEM;
	mem_free(demoted.v);
	return rc;
}

int sched_generic(struct sched_eval *se)
{
	struct reconcile_node *tainted = NULL;
	struct reconcile_result *res = NULL;
	size_t nt = 0;
	int rc = se_tainted(se, &tainted, &nt);
	if (rc == 0)
		rc = se_mark_lost(se, tainted, nt);
	if (rc == 0)
		rc = gen_reconcile(se, tainted, nt, &res);
	if (rc == 0)
		rc = gen_plan(se, res);
	reconcile_result_free(res);
	mem_free(tainted);
	return rc;
}
