/* scheduler/fit.h: the plan applier's check (Nomad's evaluatePlan,
 * evaluateNodePlan and AllocsFit), pure.
 *
 * A plan was computed on some state; before it is committed the leader
 * checks it against the CURRENT state plus the plans it already accepted
 * in the same commit batch (accepted but not yet in the store), node by
 * node. Per node of the plan:
 *   - nothing to place (only stops or preemptions): accepted;
 *   - the node is gone: "node does not exist";
 *   - the node is "down": accepted only when every placement on it is
 *     marked "lost" (a status update), else "node is not ready for
 *     placements";
 *   - the node is "disconnected": accepted only when every placement on
 *     it is marked "unknown", else "node is disconnected and contains
 *     invalid updates";
 *   - any other status but "ready": "node is not ready for placements";
 *   - every placement updates an allocation the node already runs (same
 *     ID, not terminal): accepted (in-place and status updates), even on
 *     an ineligible node;
 *   - the node is ineligible or draining: "node is not eligible";
 *   - else the node's proposed allocations (its non-terminal allocations
 *     in the store, minus those the accepted plans and this plan stop,
 *     preempt or replace, plus their placements) must fit: the first
 *     failing dimension is the reason, in Nomad's order and words:
 *     "max allocation exceeded", "cores" (reserved cores overlap or
 *     exceed the node's), "cpu", "memory" (MemoryMB, never MemoryMaxMB),
 *     "disk", "reserved node port collision: <why>" (the node's own
 *     reserved ports do not parse), "reserved alloc port collision:
 *     collision when reserving port for alloc <id>", "bandwidth
 *     exceeded", "device oversubscribed" (a device instance given to two
 *     allocations). Capacity is NodeResources minus ReservedResources.
 *     Client-terminal allocations count for nothing.
 * A plan with AllAtOnce set is rejected as a whole when any node is.
 *
 * The store, the plans and the accepted plans are only read. The plans
 * are read through their lists (plan_node_places/stops/preempts), never
 * through their proposed-allocation caches, so plans made on an older
 * store may be checked. */
#ifndef STEPPE_SCHEDULER_FIT_H
#define STEPPE_SCHEDULER_FIT_H

#include <stdbool.h>
#include <stddef.h>

#include "scheduler/plan.h"
#include "state/state.h"
#include "structs/structs.h"

/* Room for a rejection reason. */
#define FIT_REASON_MAX 512

#define FIT_REASON_NO_NODE   "node does not exist"
#define FIT_REASON_NOT_READY "node is not ready for placements"
#define FIT_REASON_DISCONNECTED \
	"node is disconnected and contains invalid updates"
#define FIT_REASON_NOT_ELIGIBLE "node is not eligible"
#define FIT_REASON_ALL_AT_ONCE \
	"plan is all at once and another node was rejected"

/* One rejected node of a plan. */
struct fit_reject {
	char *node_id;
	char *reason;
};

/* The outcome of fit_plan. Value type: zero it; fit_result_release. */
struct fit_result {
	/* Rejected nodes in the plan's node order. With all_rejected set,
	 * every node the plan touches is listed (those that would have fit
	 * with FIT_REASON_ALL_AT_ONCE). */
	struct fit_reject *v;
	size_t n;
	/* The plan is AllAtOnce and some node did not fit: commit nothing. */
	bool all_rejected;
};

/* Nomad's evaluateNodePlan for one node part of a plan (pn from
 * plan_each_node / plan_node_find), against store s and the plans
 * accepted before it in the same batch (accepted[0..n), each counted in
 * full, in order; pass the accepted part of a partly rejected plan, see
 * fit_plan_accepted). Sets *fits and, when it does not fit, the reason
 * (FIT_REASON_MAX bytes). Returns 0 or ERR_NOMEM. */
int fit_node(const struct store *s, const struct plan_node *pn,
             const struct plan *const *accepted, size_t n, bool *fits,
             char *reason);

/* Checks every node of plan p (fit_node) into the zeroed out. Returns 0
 * (out->n == 0: the whole plan may be committed) or ERR_NOMEM (out
 * released). */
int fit_plan(const struct store *s, const struct plan *p,
             const struct plan *const *accepted, size_t n,
             struct fit_result *out);

/* Whether node_id was rejected. */
bool fit_result_rejected(const struct fit_result *r, const char *node_id);

void fit_result_release(struct fit_result *r);

/* The part of p that may be committed: a new plan (same store, eval ID,
 * priority, job, AllAtOnce and annotations) holding copies of p's
 * placements, stops and preemptions on the nodes r did not reject (none
 * when r->all_rejected). It is what the commit writes and what later
 * checks of the batch pass as accepted. Returns 0 or ERR_NOMEM (*out
 * NULL). plan_destroy it. */
int fit_plan_accepted(const struct plan *p, const struct fit_result *r,
                      struct plan **out);

#endif
