/* server/plan_entries.h: a checked plan as one or more FSM_ALLOC_PLAN
 * bodies, so that a large plan is committed as several bounded Raft
 * entries in flight at once instead of one huge entry (or one plan per
 * round trip).
 *
 * Every node's placements, stops and preemptions stay in one body: a
 * committed prefix of the bodies (a leader lost in the middle) never holds
 * a placement without the stops that made room for it. The first body
 * carries the evaluations that allocations may name (follow-ups: written
 * no later than the allocations naming them), the last one the
 * evaluation's outcome and its blocked evaluation: the outcome is written
 * only once every body before it is. */
#ifndef STEPPE_SERVER_PLAN_ENTRIES_H
#define STEPPE_SERVER_PLAN_ENTRIES_H

#include <stddef.h>

#include "raft/fsm.h"
#include "scheduler/plan.h"

/* The bodies. Value type: zero it, plan_entries_build fills it,
 * plan_entries_release frees it. The bodies are shallow: their
 * allocations, job and evaluations are borrowed from the plan and the
 * arguments of plan_entries_build, which must outlive them; stops and
 * preemptions are diffs (fsm.h) whose strings are borrowed the same way.
 * Placements keep their Metrics with the chosen node's score alone
 * (ScoreMetaData[0]). */
struct plan_entries {
	struct fsm_plan *v;
	size_t n;
	/* local[i]: body v[i] with the plan's own allocations behind its
	 * placements, for the leader's apply (fsm_plan_apply_local). */
	struct fsm_plan_local *local;
	struct entry_metrics *metrics; /* private: trimmed metric copies */
};

/* Splits plan p (NULL: no allocation changes) into bodies of about max
 * placements, stops and preemptions each (0: one body; a node with more
 * than max gets a body of its own). Always at least one body. Each body
 * names eval_id and job; first_evals go into the first body, last_evals
 * into the last (both into the only one). Returns 0 or ERR_NOMEM (out
 * released). */
int plan_entries_build(const struct plan *p, const char *eval_id,
                       const struct job *job,
                       const struct evaluation_list *first_evals,
                       const struct evaluation_list *last_evals, size_t max,
                       struct plan_entries *out);

/* Frees what plan_entries_build allocated (not what the bodies borrow)
 * and zeroes e. */
void plan_entries_release(struct plan_entries *e);

#endif
