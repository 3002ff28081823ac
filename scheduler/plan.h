/* scheduler/plan.h: the plan of one evaluation, and what each node would
 * run if it were applied.
 *
 * A plan holds, per node, the allocations to place (new ones and in-place
 * updates, owned), the allocations to stop (owned copies of existing
 * allocations carrying the new DesiredStatus / DesiredDescription /
 * ClientStatus) and the allocations to preempt (DesiredStatus "evict"),
 * plus free-form annotations (Nomad's PlanAnnotations).
 *
 * The plan is bound to the store it was created on: "proposed allocations"
 * of a node are the node's existing allocations in that store that are not
 * client-terminal, minus those the plan stops or preempts, with the plan's
 * placements added (a placement with the ID of an existing allocation
 * replaces it: an in-place update). This is Nomad's ProposedAllocs and is
 * what feasibility and ranking see, so placements inside one plan see each
 * other. Per node, the proposed set, its summed resources and its port
 * index are cached and kept up to date incrementally as the plan changes,
 * so a plan of 10,000 placements over 1,000 nodes stays near-linear.
 *
 * The store must not change while the plan is in use. Not thread-safe. */
#ifndef STEPPE_SCHEDULER_PLAN_H
#define STEPPE_SCHEDULER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/state.h"
#include "structs/structs.h"

struct plan;
struct plan_node;
struct netidx;

/* ---- life cycle --------------------------------------------------------- */

/* A new empty plan for eval_id (copied) at priority, for job (borrowed:
 * must outlive the plan; may be NULL for a purge), reading store s
 * (borrowed). The snapshot index is store_latest_index(s). Returns 0 or
 * ERR_NOMEM (*out NULL). */
int plan_create(const struct store *s, const char *eval_id, int64_t priority,
                const struct job *job, struct plan **out);
/* Frees the plan and every allocation it owns. NULL is fine. */
void plan_destroy(struct plan *p);

const struct store *plan_store(const struct plan *p);
const char *plan_eval_id(const struct plan *p);
int64_t plan_priority(const struct plan *p);
uint64_t plan_snapshot_index(const struct plan *p);
/* The job the placements run (borrowed), NULL if none. */
const struct job *plan_job(const struct plan *p);
void plan_set_job(struct plan *p, const struct job *job);
/* AllAtOnce: the plan applier must apply all of it or nothing. */
bool plan_all_at_once(const struct plan *p);
void plan_set_all_at_once(struct plan *p, bool all);
/* The annotations slot (Nomad's PlanAnnotations as a free-form value,
 * e.g. {"DesiredTGUpdates": {...}}), owned by the plan, VALUE_NULL until
 * the caller fills it. */
struct value *plan_annotations(struct plan *p);

/* ---- changing the plan -------------------------------------------------- */

/* Adds a to the placements of node a->NodeID. Takes ownership of a on
 * every return (it is freed on error). A placement already in the plan
 * with the same ID on the same node is replaced (the old one stays valid
 * until plan_destroy, see plan_ops). Callers must not change a's ID,
 * NodeID, ClientStatus or resources afterwards; other fields (Metrics,
 * RescheduleTracker...) may be edited. Returns 0, ERR_INVAL (no ID or
 * NodeID) or ERR_NOMEM. */
int plan_place(struct plan *p, struct allocation *a);

/* Nomad's AppendStoppedAlloc: appends to the stops of a->NodeID a copy of
 * a without its Job and legacy Resources, with DesiredStatus "stop",
 * DesiredDescription desc and, when non-empty, ClientStatus client_status
 * (plus an AllocStates entry {Field 0, Value client_status, Time now}) and
 * FollowupEvalID followup_eval_id. Stopping an allocation twice keeps both
 * entries, as Nomad does. *out (may be NULL) receives the copy, owned by
 * the plan; callers may edit fields other than ID, NodeID, ClientStatus
 * and resources. Returns 0, ERR_INVAL (no ID or NodeID) or ERR_NOMEM. */
int plan_stop(struct plan *p, const struct allocation *a, const char *desc,
              const char *client_status, const char *followup_eval_id,
              int64_t now, struct allocation **out);

/* Nomad's AppendPreemptedAlloc: appends a minimal copy of a (ID, JobID,
 * Namespace, NodeID, TaskGroup, AllocatedResources) with DesiredStatus
 * "evict", PreemptedByAllocation by_alloc_id and DesiredDescription
 * "Preempted by alloc ID <by_alloc_id>". Returns 0, ERR_INVAL or
 * ERR_NOMEM. */
int plan_preempt(struct plan *p, const struct allocation *a,
                 const char *by_alloc_id);

/* Nomad's PopUpdate: removes the last stop of node a->NodeID if it is
 * allocation a->ID; true when one was removed. Used to take back a
 * tentative stop (in-place update attempts, failed replacements). */
bool plan_pop_stop(struct plan *p, const struct allocation *a);

/* ---- reading the plan --------------------------------------------------- */

typedef bool (*plan_node_fn)(void *data, const struct plan_node *pn);

/* Visits the nodes the plan touches, in the order the plan first saw them
 * (a proposed-allocation query counts, so the order is deterministic but
 * not the placement order); nodes with nothing to place, stop or preempt
 * are skipped. Stop early by returning false. */
void plan_each_node(const struct plan *p, plan_node_fn fn, void *data);
/* The plan's entry for node_id, NULL if the plan never touched it. */
const struct plan_node *plan_node_find(const struct plan *p,
                                       const char *node_id);
const char *plan_node_id(const struct plan_node *pn);
/* The node's placements / stops / preemptions in insertion order; *n set.
 * Pointers stay valid until the plan changes. */
struct allocation *const *plan_node_places(const struct plan_node *pn,
                                           size_t *n);
struct allocation *const *plan_node_stops(const struct plan_node *pn,
                                          size_t *n);
struct allocation *const *plan_node_preempts(const struct plan_node *pn,
                                             size_t *n);

size_t plan_count_places(const struct plan *p);
size_t plan_count_stops(const struct plan *p);
size_t plan_count_preempts(const struct plan *p);
/* Nothing to place, stop or preempt. */
bool plan_is_noop(const struct plan *p);

/* The change log, for caches that follow the plan incrementally (property
 * sets). Append-only: every change appends one op; replacing a placement
 * logs PLAN_OP_UNPLACE of the old one then PLAN_OP_PLACE of the new one,
 * plan_pop_stop logs PLAN_OP_UNSTOP of the popped copy. Allocations named
 * by ops stay valid until plan_destroy. */
enum plan_op_kind {
	PLAN_OP_PLACE,
	PLAN_OP_UNPLACE,
	PLAN_OP_STOP,
	PLAN_OP_UNSTOP,
	PLAN_OP_PREEMPT,
};

struct plan_op {
	enum plan_op_kind kind;
	const struct allocation *alloc;
};

/* The log; *n set. The array may move when the plan changes. */
const struct plan_op *plan_ops(const struct plan *p, size_t *n);

/* ---- proposed allocations ------------------------------------------------ */

/* Resources of a set of allocations, as Nomad's ComparableResources: per
 * allocation, the main tasks (no lifecycle, poststart, prestart sidecars)
 * are summed, then max'ed with the prestart and the poststop sums; reserved
 * core counts are added. memory_mb includes nothing else (MemoryMaxMB is
 * tracked apart: 0 when unset). */
struct sched_usage {
	int64_t cpu;           /* MHz (CpuShares) */
	int64_t cores;         /* reserved cores */
	int64_t memory_mb;     /* MemoryMB */
	int64_t memory_max_mb; /* MemoryMaxMB, or MemoryMB when unset */
	int64_t disk_mb;       /* shared DiskMB */
	int64_t nallocs;       /* allocations counted */
};

/* Adds one allocation's resources to u (legacy Resources when it has no
 * AllocatedResources). Client-terminal allocations count too: callers
 * filter. */
void plan_alloc_usage_add(struct sched_usage *u, const struct allocation *a);

typedef bool (*plan_alloc_fn)(void *data, const struct allocation *a);

/* Visits the proposed allocations of node n, a store node (see the top of this
 * file): the store's allocations first (in the store's order), then the plan's
 * new placements (in plan order). Pointers are valid until the plan or
 * the store changes. Stop early by returning false. Returns 0 or
 * ERR_NOMEM. */
int plan_each_proposed(struct plan *p, const struct node *n, plan_alloc_fn fn,
                       void *data);

/* How many of node n's proposed allocations belong to job_id's group tg
 * (job anti-affinity; counted once, then kept up to date with the plan).
 * Returns 0 or ERR_NOMEM. */
int plan_node_collisions(struct plan *p, const struct node *n,
                         const char *job_id, const char *tg, int64_t *out);

/* The summed resources of node n's proposed allocations (cached). Returns
 * 0 or ERR_NOMEM. */
int plan_node_usage(struct plan *p, const struct node *n,
                    struct sched_usage *out);

/* The port index of node n with the ports of every proposed allocation
 * added (cached; rebuilt after a stop or replacement touched the node).
 * *out is owned by the plan and valid until the plan changes; callers must
 * not modify it. Returns 0, ERR_NOMEM, or ERR_INVAL when the node's
 * reserved ports do not parse (*out NULL; Nomad's "network: invalid
 * node"). A collision between existing allocations is reported by
 * netidx_collision() on the index, not as an error. */
int plan_node_netidx(struct plan *p, const struct node *n,
                     const struct netidx **out);

/* The queries above find a node's entry by the store node's address while
 * one scheduler run lasts; sched_run calls this before it returns, since
 * the store may free and reuse a node's memory afterwards. */
void plan_forget_nodes(struct plan *p);

#endif
