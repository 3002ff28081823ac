/* scheduler/reconcile_resched.c: reschedule policies (Nomad's
 * Allocation.NextRescheduleTime, NextDelay, RescheduleTracker) and the
 * reconciler's split of failed allocations into "now", "later" and
 * "never". */
#include <string.h>

#include "lib/err.h"
#include "scheduler/reconcile_int.h"

static const struct reschedule_policy *rc_policy(const struct allocation *a)
{
	const struct task_group *tg = rc_alloc_group(a);
	return tg != NULL ? tg->reschedule_policy : NULL;
}

int64_t reconcile_fail_time(const struct allocation *a)
{
	int64_t last = 0;
	for (size_t i = 0; i < a->task_states.n; i++) {
		int64_t t = a->task_states.v[i].val.finished_at;
		if (t > last)
			last = t;
	}
	return last != 0 ? last : a->modify_time;
}

static size_t rc_nevents(const struct allocation *a)
{
	return a->reschedule_tracker != NULL ? a->reschedule_tracker->events.n
	                                     : 0;
}

static const struct reschedule_event *rc_event_back(const struct allocation *a,
                                                    size_t back)
{
	const struct reschedule_event_list *ev = &a->reschedule_tracker->events;
	return &ev->v[ev->n - 1 - back];
}

/* The uncapped delay the policy's function gives after the events. */
static int64_t rc_raw_delay(const struct allocation *a,
                            const struct reschedule_policy *p)
{
	int64_t last = rc_event_back(a, 0)->delay;
	if (rc_str_eq(p->delay_function, RESCHEDULE_DELAY_EXPONENTIAL))
		return last > INT64_MAX / 2 ? INT64_MAX : last * 2;
	if (!rc_str_eq(p->delay_function, RESCHEDULE_DELAY_FIBONACCI) ||
	    rc_nevents(a) < 2)
		return p->delay.v;
	int64_t prev = rc_event_back(a, 1)->delay;
	/* The cap was reached and reset: a new series starts. */
	if (prev == p->max_delay.v && last == p->delay.v)
		return last;
	return last > INT64_MAX - prev ? INT64_MAX : last + prev;
}

int64_t reconcile_next_delay(const struct allocation *a)
{
	const struct reschedule_policy *p = rc_policy(a);
	int64_t d;
	if (p == NULL)
		return 0;
	if (rc_nevents(a) == 0 ||
	    (!rc_str_eq(p->delay_function, RESCHEDULE_DELAY_EXPONENTIAL) &&
	     !rc_str_eq(p->delay_function, RESCHEDULE_DELAY_FIBONACCI)))
		return p->delay.v;
	d = rc_raw_delay(a, p);
	if (p->max_delay.v > 0 && d > p->max_delay.v) {
		int64_t since = reconcile_fail_time(a) -
		                rc_event_back(a, 0)->reschedule_time;
		d = p->max_delay.v;
		/* It ran longer than the cap since it was last rescheduled:
		 * start over. */
		if (since > d)
			d = p->delay.v;
	}
	return d;
}

/* Reschedule events within the policy's interval before fail_time. */
static int64_t rc_attempted(const struct reschedule_tracker *t,
                            const struct reschedule_policy *p,
                            int64_t fail_time)
{
	int64_t n = 0;
	if (t == NULL || !(p->attempts.v > 0))
		return 0;
	for (size_t i = 0; i < t->events.n; i++)
		if (fail_time - t->events.v[i].reschedule_time < p->interval.v)
			n++;
	return n;
}

bool reconcile_reschedule_eligible(const struct reschedule_tracker *t,
                                   const struct reschedule_policy *p,
                                   int64_t fail_time)
{
	if (p == NULL || !(p->attempts.v > 0 || rc_opt_true(&p->unlimited)))
		return false;
	if (rc_opt_true(&p->unlimited))
		return true;
	if (t == NULL || t->events.n == 0)
		return true;
	return rc_attempted(t, p, fail_time) < p->attempts.v;
}

/* Nomad's LastRescheduleFailed: the last attempt found no placement. */
static bool rc_last_reschedule_failed(const struct allocation *a)
{
	const struct reschedule_tracker *t = a->reschedule_tracker;
	return t != NULL && !rc_str_empty(t->last_reschedule) &&
	       strcmp(t->last_reschedule, "ok") != 0;
}

static bool rc_is_rescheduled_batch(const struct allocation *a)
{
	return a->job != NULL && rc_str_eq(a->job->type, JOB_TYPE_BATCH) &&
	       rc_opt_true(&a->desired_transition.reschedule);
}

/* Whether a's state allows a reschedule at all, policy aside. */
static bool rc_reschedulable_state(const struct allocation *a)
{
	if (rc_str_eq(a->desired_status, ALLOC_DESIRED_STOP) &&
	    !rc_last_reschedule_failed(a))
		return false;
	return rc_is_rescheduled_batch(a) ||
	       rc_str_eq(a->client_status, ALLOC_CLIENT_FAILED) ||
	       rc_str_eq(a->client_status, ALLOC_CLIENT_LOST);
}

bool reconcile_next_reschedule_time(const struct allocation *a, int64_t *when)
{
	const struct reschedule_policy *p = rc_policy(a);
	int64_t fail = reconcile_fail_time(a), delay;
	if (p == NULL || (p->attempts.v == 0 && !rc_opt_true(&p->unlimited)))
		return false;
	if (!rc_reschedulable_state(a) || fail == 0)
		return false;
	delay = reconcile_next_delay(a);
	*when = fail > INT64_MAX - delay ? INT64_MAX : fail + delay;
	if (p->attempts.v > 0 && a->reschedule_tracker != NULL)
		return rc_attempted(a->reschedule_tracker, p, fail) <
		           p->attempts.v &&
		       delay < p->interval.v;
	return rc_opt_true(&p->unlimited) || p->attempts.v > 0;
}

/* ---- the reconciler's filter (Nomad's filterByRescheduleable) ---------- */

enum rc_verdict {
	RC_KEEP,  /* counts as untainted, never rescheduled */
	RC_DROP,  /* does not count at all */
	RC_CHECK, /* may be rescheduled: ask the policy */
};

/* Every task finished without failing (Nomad's RanSuccessfully). */
static bool rc_ran_successfully(const struct allocation *a)
{
	if (a->task_states.n == 0)
		return false;
	for (size_t i = 0; i < a->task_states.n; i++) {
		const struct task_state *ts = &a->task_states.v[i].val;
		if (!rc_str_eq(ts->state, TASK_STATE_DEAD) || ts->failed)
			return false;
	}
	return true;
}

/* Nomad's shouldFilter for batch jobs: a successful batch allocation
 * counts (it is never replaced); a failed one may be rescheduled. */
static enum rc_verdict rc_should_filter_batch(const struct allocation *a)
{
	const struct desired_transition *dt = &a->desired_transition;
	if (rc_opt_true(&dt->migrate_disable_placement))
		return RC_KEEP;
	if (rc_opt_true(&dt->reschedule))
		return RC_CHECK;
	if (rc_str_eq(a->desired_status, ALLOC_DESIRED_STOP)) {
		if (rc_ran_successfully(a))
			return RC_KEEP;
		return rc_last_reschedule_failed(a) ? RC_CHECK : RC_DROP;
	}
	if (rc_str_eq(a->desired_status, ALLOC_DESIRED_EVICT))
		return RC_DROP;
	return rc_str_eq(a->client_status, ALLOC_CLIENT_FAILED) ? RC_CHECK
	                                                        : RC_KEEP;
}

/* Nomad's shouldFilter for service jobs: complete and lost allocations
 * do not count (they get replaced). */
static enum rc_verdict rc_should_filter_service(const struct allocation *a)
{
	if (allocation_server_terminal(a))
		return rc_last_reschedule_failed(a) ? RC_CHECK : RC_DROP;
	if (rc_str_eq(a->client_status, ALLOC_CLIENT_COMPLETE) ||
	    rc_str_eq(a->client_status, ALLOC_CLIENT_LOST))
		return RC_DROP;
	return RC_CHECK;
}

/* Nomad's updateByReschedulable, without deployments and disconnects:
 * RC_NOW, RC_LATER (with *at) or 0. */
static unsigned rc_when(const struct rc_ctx *c, const struct allocation *a,
                        int64_t *at)
{
	bool forced = rc_opt_true(&a->desired_transition.force_reschedule) &&
	              allocation_client_terminal(a);
	bool ours = !rc_str_empty(a->followup_eval_id) &&
	            rc_str_eq(a->followup_eval_id, c->in->eval_id);
	int64_t t = 0;
	bool eligible = reconcile_next_reschedule_time(a, &t);
	if (eligible &&
	    (ours || t - c->in->now <= RECONCILE_RESCHEDULE_WINDOW_NS))
		return RC_NOW;
	if (forced)
		return RC_NOW;
	if (eligible && rc_str_empty(a->followup_eval_id)) {
		*at = t;
		return RC_LATER;
	}
	return 0;
}

/* For one entry: the flags to add, and whether it leaves untainted. */
static unsigned rc_resched_one(const struct rc_ctx *c, struct rc_entry *e,
                               bool *drop)
{
	const struct allocation *a = e->a;
	enum rc_verdict v;
	unsigned when;
	*drop = false;
	/* Already replaced by an earlier reschedule. */
	if (!rc_str_empty(a->next_allocation) && allocation_terminal(a)) {
		*drop = true;
		return 0;
	}
	v = c->in->batch ? rc_should_filter_batch(a)
	                 : rc_should_filter_service(a);
	if (v != RC_CHECK) {
		*drop = v == RC_DROP;
		return 0;
	}
	when = rc_when(c, a, &e->resched_at);
	*drop = when == RC_NOW;
	return when;
}

void rc_filter_reschedule(const struct rc_ctx *c, struct rc_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool drop;
		unsigned add;
		if (!(e[i].flags & (RC_UNTAINTED | RC_MIGRATE)))
			continue;
		add = rc_resched_one(c, &e[i], &drop);
		e[i].flags |= add;
		/* A migrating allocation stays in the migrate set. */
		if (drop && (e[i].flags & RC_UNTAINTED))
			e[i].flags &= ~RC_UNTAINTED;
	}
}
