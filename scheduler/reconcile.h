/* scheduler/reconcile.h: the allocation reconciler of service and batch jobs.
 *
 * The first stage of the generic scheduler (Nomad's scheduler/reconciler):
 * it compares what a job asks for (groups and counts of its current
 * version) with the allocations that exist (all versions, terminal and
 * not) and the nodes that went bad, and says what to change: allocations
 * to place, to stop, to update in place, to replace destructively, and
 * failed allocations whose reschedule delay has not elapsed yet (the
 * caller creates follow-up evaluations for them). It picks no node: the
 * caller runs feasibility and ranking for every placement.
 *
 * Pure: no clock (`now` comes in), no randomness, no state store, no I/O;
 * the same input gives the same output, in the same order.
 *
 * Behaviour follows Nomad (scheduler/reconciler, reschedule policies in
 * nomad/structs), with these limits, each a deliberate simplification:
 *   - no deployments: no canaries are placed (Canary counts stay 0), and a
 *     group's `update { max_parallel }` is not enforced: every destructive
 *     update is done at once ("all at once"), bounded only by the group
 *     count minus the placements of the same evaluation;
 *   - disconnected clients are only partly handled: an allocation on a
 *     "disconnected" node is lost (stopped and replaced) when its group has
 *     no `disconnect { lost_after }` / `max_client_disconnect`; with one it
 *     is left running and counted, and no "unknown" update is produced;
 *     reconnecting allocations are not reconciled, and
 *     `disconnect { stop_on_client_after }` does not delay replacements;
 *   - the in-place decision needs no node data here (tasks_updated); a
 *     caller that wants Nomad's full check (node still in the job's
 *     datacenters and pool, the updated group still fits the node) passes
 *     its own update callback (struct reconcile_input.update).
 */
#ifndef STEPPE_SCHEDULER_RECONCILE_H
#define STEPPE_SCHEDULER_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/stime.h"
#include "structs/alloc.h"
#include "structs/job.h"
#include "structs/node.h"

/* ---- Nomad's wording ------------------------------------------------------
 * DesiredDescription of stopped allocations (scheduler/structs/const.go).
 * Nomad has no separate text for a stopped or purged job: its allocations
 * get RECONCILE_DESC_NOT_NEEDED, as here. */
#define RECONCILE_DESC_NOT_NEEDED "alloc not needed due to job update"
#define RECONCILE_DESC_RECONNECTED \
	"alloc not needed due to disconnected client reconnect"
#define RECONCILE_DESC_MIGRATING    "alloc is being migrated"
#define RECONCILE_DESC_UPDATING     "alloc is being updated due to job update"
#define RECONCILE_DESC_LOST         "alloc is lost since its node is down"
#define RECONCILE_DESC_UNKNOWN      "alloc is unknown since its node is disconnected"
#define RECONCILE_DESC_INPLACE      "alloc updating in-place"
#define RECONCILE_DESC_NODE_TAINTED "alloc not needed as node is tainted"
#define RECONCILE_DESC_RESCHEDULED  "alloc was rescheduled because it failed"
/* StatusDescription of the first follow-up evaluation of a batch. */
#define RECONCILE_DESC_FOLLOWUP_EVAL "created for delayed rescheduling"

/* Failed allocations due for rescheduling within this window of the first
 * one of a batch share one follow-up evaluation. */
#define RECONCILE_BATCH_WINDOW_NS (5 * STIME_NS_PER_S)
/* An allocation due within this window of `now` is rescheduled now
 * (tolerates small clock drift between servers). */
#define RECONCILE_RESCHEDULE_WINDOW_NS (1 * STIME_NS_PER_S)

/* ---- input ----------------------------------------------------------------
 */

/* A node some allocation of the job runs on that is not plainly healthy:
 * down, disconnected, draining, or gone from the state store. Nodes that
 * are not listed are healthy. */
struct reconcile_node {
	const char *node_id;
	/* The node's Status ("down", "disconnected", "ready", ...); NULL when
	 * the node no longer exists (its allocations are lost). */
	const char *status;
	/* The node has a DrainStrategy. Informational: as in Nomad, only
	 * allocations the drainer marked with DesiredTransition.Migrate are
	 * migrated, wherever they run. */
	bool draining;
};

/* Whether n belongs in the tainted list (Nomad's taintedNodes): down,
 * disconnected, or draining. A node missing from the state store belongs
 * there too, with status NULL. */
bool reconcile_node_tainted(const struct node *n);

enum reconcile_update_kind {
	RECONCILE_UPDATE_IGNORE,      /* already runs this job version */
	RECONCILE_UPDATE_INPLACE,     /* take the new version, no restart */
	RECONCILE_UPDATE_DESTRUCTIVE, /* stop it and place a new one */
};

/* Decides how an existing, non-stopped allocation `a` of group tg follows
 * the job's current version. Must be pure. */
typedef enum reconcile_update_kind (*reconcile_update_fn)(
    void *data, const struct allocation *a, const struct job *job,
    const struct task_group *tg);

/* The default decision (Nomad's genericAllocUpdateFn without its node
 * checks): IGNORE when a->Job has the job's Version and JobModifyIndex;
 * DESTRUCTIVE when a has no Job or tasks_updated says so; IGNORE for a
 * terminal allocation; INPLACE otherwise. */
enum reconcile_update_kind
reconcile_update_default(const struct allocation *a, const struct job *job,
                         const struct task_group *tg);

struct reconcile_input {
	/* The job's current version, canonicalised. NULL when the job was
	 * purged; with Stop set, or NULL, every allocation is stopped. */
	const struct job *job;
	/* Every allocation of the job, all versions, terminal or not. NULL
	 * entries are skipped. Each must carry its Job (the version it runs),
	 * which supplies its reschedule policy. */
	const struct allocation *const *allocs;
	size_t nallocs;
	/* The tainted nodes, in any order (node_id unique). */
	const struct reconcile_node *tainted;
	size_t ntainted;
	/* The evaluation being processed: an allocation whose FollowupEvalID
	 * is this one is rescheduled now even if a little early. */
	const char *eval_id;
	/* Its TriggeredBy. Carried for callers and logs; the decisions do not
	 * depend on it (nor do Nomad's). */
	const char *eval_trigger;
	/* Current wall time, Unix ns. */
	int64_t now;
	/* The job is a batch job: successful allocations are never replaced,
	 * terminal allocations of older versions are ignored. */
	bool batch;
	/* NULL: reconcile_update_default. */
	reconcile_update_fn update;
	void *update_data;
};

/* ---- output ---------------------------------------------------------------
 */

/* A new allocation to place. */
struct reconcile_place {
	const struct task_group *tg; /* the job's group (borrowed) */
	char *name;                  /* "<job>.<group>[<index>]", owned */
	unsigned index;
	/* The allocation this one replaces, or NULL: a failed one being
	 * rescheduled (reschedule), a lost one (lost) or one migrating off a
	 * draining node (migrate). The new allocation gets
	 * PreviousAllocation = previous->ID; on reschedule the caller also
	 * extends the RescheduleTracker (reconcile_next_delay gives the
	 * event's Delay) and gives the previous node a scoring penalty. */
	const struct allocation *previous;
	bool reschedule;
	bool lost;
	bool migrate;
};

/* An allocation to stop: DesiredStatus "stop" with this description. */
struct reconcile_stop {
	const struct allocation *alloc;
	/* NULL: keep the ClientStatus; ALLOC_CLIENT_LOST for lost ones. */
	const char *client_status;
	const char *description; /* one of RECONCILE_DESC_* */
};

/* An allocation to update to the job's current version. In place: same
 * ID, new Job, no restart. Destructive: stop it with
 * RECONCILE_DESC_UPDATING and place a new allocation named like it in tg,
 * atomically (stop only if the placement succeeds). */
struct reconcile_update {
	const struct allocation *alloc;
	const struct task_group *tg;
};

/* Failed allocations of one group to reschedule later: the caller creates
 * one evaluation (Status "pending", the job's type, namespace and
 * priority, WaitUntil = wait_until, TriggeredBy = trigger,
 * StatusDescription = description) and sets each allocation's
 * FollowupEvalID to it (an attribute update in the plan). As in Nomad the
 * first batch of a group is triggered "alloc-reschedule" with
 * RECONCILE_DESC_FOLLOWUP_EVAL, the next ones "alloc-failure" with no
 * description. */
struct reconcile_followup {
	const char *group;
	int64_t wait_until; /* Unix ns */
	const char *trigger;
	const char *description;          /* "" when none */
	const struct allocation **allocs; /* owned array, borrowed entries */
	size_t nallocs;
};

/* Nomad's DesiredUpdates (plan annotations, `job plan` output). Unlike
 * Nomad, RescheduleNow is always filled (Nomad fills it only when some
 * client disconnected), and Stop counts only allocations stopped by this
 * evaluation. */
struct reconcile_desired {
	uint64_t ignore;
	uint64_t place;
	uint64_t migrate;
	uint64_t stop;
	uint64_t in_place_update;
	uint64_t destructive_update;
	uint64_t canary;
	uint64_t preemptions;
	uint64_t reconnect;
	uint64_t disconnect;
	uint64_t reschedule_now;
	uint64_t reschedule_later;
};

struct reconcile_group {
	const char *name; /* borrowed from the job or an allocation */
	struct reconcile_desired desired;
};

/* Every pointer to a job, group or allocation is borrowed from the input
 * and valid as long as it is. Groups come in the job's order, then the
 * groups that only allocations still name, sorted by name. Within a
 * group, placements come as rescheduled, lost replacements, new indexes
 * (lowest first), migrations. */
struct reconcile_result {
	struct reconcile_place *place;
	size_t nplace;
	struct reconcile_stop *stop;
	size_t nstop;
	struct reconcile_update *inplace;
	size_t ninplace;
	struct reconcile_update *destructive;
	size_t ndestructive;
	struct reconcile_followup *followup;
	size_t nfollowup;
	struct reconcile_group *groups;
	size_t ngroups;
};

/* Reconciles in. On success *out is a new result the caller frees with
 * reconcile_result_free. Returns 0, ERR_INVAL (in or out NULL, a job
 * without ID, or a NULL array with a non-zero count), or ERR_NOMEM
 * (*out is NULL then, and nothing is left to free). */
int reconcile_compute(const struct reconcile_input *in,
                      struct reconcile_result **out);

/* Frees a result and everything it owns (NULL is fine). */
void reconcile_result_free(struct reconcile_result *r);

/* The desired updates of group, or NULL when the result has none. */
const struct reconcile_desired *
reconcile_result_desired(const struct reconcile_result *r, const char *group);

/* ---- reschedule policy (Nomad's Allocation/RescheduleTracker methods) ---- */

/* When the allocation failed: the latest task FinishedAt, or ModifyTime
 * when no task finished (Nomad's LastEventTime). */
int64_t reconcile_fail_time(const struct allocation *a);

/* The delay before the next reschedule of a (ns), from its group's
 * reschedule policy in a->Job and its RescheduleTracker: Delay for the
 * first attempt; then constant: Delay, exponential: twice the last
 * event's delay, fibonacci: the sum of the last two; capped at MaxDelay
 * (when > 0), and back to Delay when the allocation ran longer than the
 * cap since its last reschedule. 0 without a policy. */
int64_t reconcile_next_delay(const struct allocation *a);

/* Whether a failed (or lost) allocation may be rescheduled by its policy,
 * and from when: *when = fail time + next delay, set whenever the policy
 * and the allocation's state allow a reschedule at all (also when its
 * attempts are used up). Not eligible: no policy, attempts 0 and not
 * unlimited, stopped by the server (unless its last reschedule failed to
 * place), not failed (a batch allocation marked for rescheduling counts
 * as failed), no fail time, or its attempts within the interval used up
 * or the next delay not shorter than the interval. */
bool reconcile_next_reschedule_time(const struct allocation *a, int64_t *when);

/* Nomad's RescheduleEligible: policy allows another attempt given the
 * tracker's events (t may be NULL) counted within Interval before
 * fail_time. */
bool reconcile_reschedule_eligible(const struct reschedule_tracker *t,
                                   const struct reschedule_policy *p,
                                   int64_t fail_time);

/* ---- in-place or destructive (scheduler/reconcile_tasks.c) ----------------
 */

/* Whether group's tasks differ between job versions a and b in a way only
 * a new allocation can apply (Nomad's tasksUpdated): number of tasks,
 * ephemeral disk, group networks, volumes, group consul, connect
 * services, restart render_templates; per task: driver, user, config,
 * env, artifacts, vault, secrets, consul, templates, CSI plugin, volume
 * mounts, meta (job, group and task meta combined, so a job meta change
 * is destructive, as in Nomad: tasks see it as NOMAD_META_*), network,
 * CPU, cores, memory, memory max, devices, NUMA, secrets size,
 * identities, logs disabled. Count, update, reschedule, constraints,
 * priority and other job-level fields are not. A group missing from
 * either job counts as updated. */
bool tasks_updated(const struct job *a, const struct job *b, const char *group);

/* The same decision with its reason: NULL when not updated, else a
 * static label such as "task env" or "number of tasks". */
const char *tasks_updated_why(const struct job *a, const struct job *b,
                              const char *group);

#endif
