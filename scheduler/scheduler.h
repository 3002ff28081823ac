/* scheduler/scheduler.h: the scheduler's one entry point: one evaluation in,
 * one plan and the evaluation's new state out (Nomad's Scheduler.Process
 * with the planner left to the caller).
 *
 * The server's worker calls sched_run on the leader's event loop with the
 * store as it is (the store must not change during the call). sched_run
 * reads the job and its allocations, reconciles (service and batch:
 * scheduler/reconcile.h; system and sysbatch: one allocation per feasible
 * ready node), picks a node for every placement (scheduler/select.h) and
 * returns:
 *   - the plan to submit to the plan applier (scheduler/fit.h checks it
 *     against the newest state before the commit);
 *   - the evaluation as it must be written back when the plan committed in
 *     full;
 *   - the evaluations to create (a blocked one, delayed follow-ups).
 * It never reads a clock, never draws randomness except from the request's
 * seed, and does no I/O: the same store, request and seed give the same
 * response, byte for byte (IDs included).
 *
 * Retries (Nomad's retryMax): when the plan applier committed only part of
 * the plan, the caller runs sched_run again on the newer state with
 * attempt + 1, up to sched_max_attempts(type) attempts in all (counting
 * restarts from zero whenever an attempt made progress, as Nomad does).
 * When the last attempt is still partial, the caller marks the evaluation
 * "failed" ("maximum attempts reached (N)") and creates the blocked
 * evaluation made by sched_conflict_blocked_eval. */
#ifndef STEPPE_SCHEDULER_SCHEDULER_H
#define STEPPE_SCHEDULER_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/plan.h"
#include "scheduler/sched.h"
#include "state/state.h"
#include "structs/structs.h"

/* Nomad's limits on plan attempts per evaluation. */
#define SCHED_MAX_ATTEMPTS_SERVICE 5
#define SCHED_MAX_ATTEMPTS_BATCH   2
#define SCHED_MAX_ATTEMPTS_SYSTEM  5

/* StatusDescription of the evaluations sched_run creates (Nomad's). */
#define SCHED_DESC_BLOCKED_PLACEMENTS "created to place remaining allocations"
#define SCHED_DESC_BLOCKED_CONFLICTS  "created due to placement conflicts"
/* RescheduleTracker.LastReschedule of a failed allocation whose
 * replacement found no node (Nomad's LastRescheduleFailedToPlace). */
#define SCHED_LAST_RESCHEDULE_FAILED "failed to place"

struct sched_request {
	/* The state to schedule against (borrowed, unchanged during the
	 * call). */
	const struct store *store;
	/* The evaluation to process (borrowed). Type picks the scheduler:
	 * "service" and "batch" the generic one, "system" and "sysbatch"
	 * the system one; "_core" or anything else fails the evaluation. */
	const struct evaluation *eval;
	/* Unix ns: ModifyTime/CreateTime of what is written, reschedule
	 * times, "is this failed allocation due" decisions. */
	int64_t now;
	/* ${node.region} in constraints (the servers' region); may be NULL. */
	const char *region;
	/* The scheduler configuration (zero = Nomad's defaults). */
	struct sched_config config;
	/* Seeds the PRNG that shuffles nodes, picks dynamic ports and makes
	 * every new ID (allocations and evaluations). sched_seed_from_eval()
	 * gives Nomad's choice; tests pass fixed seeds. */
	uint64_t seed;
	/* 0 on the first try; > 0 when re-planning after a partial commit
	 * (mixed into the seed so a retry does not walk the same nodes in
	 * the same order). */
	int attempt;
	/* `job plan`: fill the annotations, create no evaluation (no blocked
	 * eval, no follow-ups: new_evals stays empty and no allocation gets
	 * a FollowupEvalID). The plan must not be committed. */
	bool dry_run;
	/* `job plan`: schedule this job (borrowed) instead of the stored
	 * one, e.g. a submitted job not yet registered. NULL otherwise. */
	const struct job *job_override;
	/* Service and batch: stop after this many placements in the plan
	 * (0: no limit) and set `more` in the response. The leader bounds
	 * each plan (and so each Raft entry and each loop turn) this way and
	 * runs the evaluation again on the newer state for the rest. */
	size_t max_placements;
};

/* What sched_run decided. Value type: zero it, sched_run fills it,
 * sched_response_release frees it. */
struct sched_response {
	/* The plan (owned), bound to the request's store and job. Empty (a
	 * no-op, see plan_is_noop) when there is nothing to do; NULL only
	 * when the evaluation failed before planning (unknown type or
	 * trigger).
	 *
	 * Ownership of jobs: placements in the plan carry Job == NULL, as
	 * Nomad's plans do: the job they run is plan_job(plan), which points
	 * at `job` below (owned by the response). Whoever commits the plan
	 * attaches that job to each placement it writes (the FSM's copy of
	 * the job version); never set a placement's Job to plan_job()'s
	 * pointer inside the plan, or it is freed twice. Stops are copies of
	 * the existing allocations without their Job (plan_stop).
	 *
	 * The plan's lists (plan_each_node, plan_node_places/stops) and its
	 * job stay readable after the store changes; its proposed-allocation
	 * queries (plan_each_proposed, plan_node_usage, plan_node_netidx) do
	 * not: they read the store the plan was made on. */
	struct plan *plan;
	/* The job version scheduled (a copy, owned): the stored job or the
	 * override; NULL when the job was purged. plan_job(plan) == job. */
	struct job *job;
	/* The evaluation to write back: a full copy of the request's with
	 *   Status             "complete"; "failed" for an evaluation no
	 *                      scheduler can run (StatusDescription says
	 *                      why); unchanged "blocked" when a blocked
	 *                      evaluation still could not place everything
	 *                      (Nomad's ReblockEval: the caller re-blocks it
	 *                      with the new ClassEligibility)
	 *   StatusDescription  "" unless failed
	 *   FailedTGAllocs     group -> the metrics of its first failed
	 *                      placement, CoalescedFailures counting the
	 *                      others of the same group
	 *   QueuedAllocations  group -> placements that found no node (every
	 *                      group of the job listed, 0 when all placed)
	 *   ClassEligibility, EscapedComputedClass  from the feasibility
	 *                      checks, when something failed
	 *   BlockedEval        the blocked evaluation's ID when one was made
	 *   PlanAnnotations    {"DesiredTGUpdates": {group: {"Ignore": n,
	 *                      "Place": n, ...}}, "PreemptedAllocs": null}
	 *                      when the eval has AnnotatePlan or the request
	 *                      is a dry run (also in plan_annotations(plan))
	 *   ModifyTime         now
	 * Index fields are left as they were: the state store sets them. */
	struct evaluation eval;
	/* Evaluations to create, in this order:
	 *   - follow-ups for failed allocations whose reschedule delay has not
	 *     passed (Status "pending", TriggeredBy "alloc-reschedule" or
	 *     "alloc-failure", WaitUntil set, PreviousEval the request's
	 *     eval); the plan sets FollowupEvalID on those allocations, so
	 *     follow-ups must be written no later than the plan that names
	 *     them, on every attempt whose plan commits;
	 *   - the blocked evaluation when some placement found no node
	 *     (Status "blocked", TriggeredBy "queued-allocs", PreviousEval,
	 *     StatusDescription SCHED_DESC_BLOCKED_PLACEMENTS, FailedTGAllocs,
	 *     ClassEligibility unless EscapedComputedClass; system jobs: NodeID
	 *     of the first node found exhausted). Not made on a dry run, for
	 *     an evaluation that is itself blocked, or when follow-ups were
	 *     made instead (Nomad's delayInstead). Only the last attempt's
	 *     blocked evaluation matters.
	 * All with IDs from the PRNG, Namespace, JobID, JobModifyIndex, Type,
	 * Priority of the request's evaluation, CreateTime = ModifyTime =
	 * now. */
	struct evaluation_list new_evals;
	/* max_placements stopped the plan with placements left: commit the
	 * plan without the evaluation's outcome and run it again (this is
	 * progress, not a failed attempt). */
	bool more;
};

/* Runs one evaluation. out must be zeroed (or released). Returns 0 with
 * *out filled (also when the evaluation failed: see out->eval.Status),
 * ERR_INVAL when rq, its store or eval, or out is NULL, or ERR_NOMEM (out
 * released). */
int sched_run(const struct sched_request *rq, struct sched_response *out);

/* Frees everything the response owns and zeroes it. NULL is fine. */
void sched_response_release(struct sched_response *r);

/* The attempts an evaluation of job type `type` gets: 2 for "batch", 5
 * for anything else (service, system, sysbatch). */
int sched_max_attempts(const char *type);

/* Nomad's blocked evaluation after the last attempt stayed partial: into
 * the zeroed out, a new evaluation for ev's job (ID from rng, Namespace,
 * JobID, JobModifyIndex, Type, Priority, NodeID of ev) with Status
 * "blocked", TriggeredBy "max-plan-attempts", StatusDescription
 * SCHED_DESC_BLOCKED_CONFLICTS, PreviousEval ev's ID, ev's
 * FailedTGAllocs, ClassEligibility (unless EscapedComputedClass) and
 * EscapedComputedClass, CreateTime = ModifyTime = now. Returns 0 or
 * ERR_NOMEM (out released). */
int sched_conflict_blocked_eval(const struct evaluation *ev, int64_t now,
                                struct sched_rng *rng, struct evaluation *out);

/* Writes a UUID-shaped (version 4) ID drawn from rng into out (37
 * bytes): how the scheduler names what it creates. */
void sched_new_id(struct sched_rng *rng, char out[37]);

#endif
