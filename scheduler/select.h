/* scheduler/select.h: the stack: the best node for one placement of a task
 * group (Nomad's GenericStack and SystemStack, without preemption).
 *
 * A stack is made once per evaluation and job. It collects the job's
 * candidate nodes once (feasible.h: ready, in the job's datacenters and
 * node pool) and, for service and batch jobs, shuffles them with the
 * context's PRNG. Each select walks the candidates from where the previous
 * select stopped (wrapping around, each node at most once per select),
 * runs the feasibility checks (node-only checks are cached per node and
 * group for the whole evaluation), ranks feasible nodes that fit
 * (rank.h), and stops after `limit` ranked options:
 *   service  limit = max(2, ceil(log2(candidates)))
 *   batch    limit = 2 (power of two choices)
 *   system   every candidate (set one node with select_stack_set_nodes)
 * For a group with affinities or spreads every feasible node is ranked
 * (or max(count, config.affinity_node_limit) when that is set). As Nomad's
 * limit iterator, up to 3 options scoring <= 0 are put aside and only used
 * if nothing better comes. The best final score wins (the first seen on a
 * tie).
 *
 * Node-only verdicts are cached per node for the evaluation, so a filtered
 * node is always reported under its own reason (Nomad reports "computed
 * class ineligible" for later nodes of a class that already failed).
 *
 * The stack reads and follows the context's plan: placements added to the
 * plan between selects are seen by the next select. It borrows ctx and job
 * (and the groups passed to select): they must outlive it. */
#ifndef STEPPE_SCHEDULER_SELECT_H
#define STEPPE_SCHEDULER_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/sched.h"
#include "structs/structs.h"

enum select_mode {
	SELECT_SERVICE = 0,
	SELECT_BATCH,
	SELECT_SYSTEM, /* also sysbatch: no shuffle, no limit, no
	                * distinct_hosts, anti-affinity, affinity or spread */
};

struct select_stack;

/* Builds the stack for job. Returns 0 or ERR_NOMEM (*out NULL). */
int select_stack_create(struct sched_ctx *ctx, const struct job *job,
                        enum select_mode mode, struct select_stack **out);
void select_stack_destroy(struct select_stack *st);

/* Replaces the candidates by nodes (borrowed, e.g. one node for a system
 * job; not shuffled), and resets the walk. Returns 0 or ERR_NOMEM. */
int select_stack_set_nodes(struct select_stack *st,
                           const struct node *const *nodes, size_t n);
/* The current candidates; *n set. */
const struct node *const *select_stack_nodes(const struct select_stack *st,
                                             size_t *n);
/* Ranked options per select for groups without affinities or spreads. */
size_t select_stack_limit(const struct select_stack *st);
/* Ready nodes per datacenter (NodesAvailable) for the job's candidates. */
const struct value *select_stack_nodes_by_dc(const struct select_stack *st);

struct select_options {
	/* Nodes a rescheduled allocation failed on: -1 score there. */
	const char *const *penalty_nodes;
	size_t npenalty;
	/* Tried alone first (sticky or migrating ephemeral disk); the full
	 * walk follows if it does not fit. */
	const struct node *preferred_node;
	/* The placement's name ("job.group[3]") for per_alloc volumes. */
	const char *alloc_name;
};

/* The outcome of one select. Value type: select_result_release. */
struct select_result {
	/* The chosen node (a pointer into the store), NULL if none fits. */
	const struct node *node;
	/* Its final score (mean of the applied scores). */
	double score;
	/* For the chosen node: per task cpu/memory (and legacy networks),
	 * task lifecycles, shared disk, networks and ports with the dynamic
	 * port values chosen. Zeroed when node is NULL. */
	struct allocated_resources resources;
	/* Nomad's AllocMetric for this placement: NodesEvaluated,
	 * NodesFiltered, NodesInPool, NodePool, NodesAvailable, ClassFiltered,
	 * ConstraintFiltered, NodesExhausted, ClassExhausted,
	 * DimensionExhausted, ScoreMetaData (top 5 by normalized score, best
	 * first) and, when nothing fit, ResourcesExhausted. AllocationTime is
	 * left 0 (the core reads no clock). */
	struct alloc_metric metrics;
};

/* Picks a node for one allocation of tg (a group of the stack's job).
 * opts may be NULL. Fills the zeroed out; returns 0 (out->node NULL when
 * nothing fits) or ERR_NOMEM (out released). Does not change the plan: the
 * caller places the allocation (plan_place) before the next select. */
int select_stack_select(struct select_stack *st, const struct task_group *tg,
                        const struct select_options *opts,
                        struct select_result *out);
void select_result_release(struct select_result *r);

/* Nomad's EvalEligibility for blocked evaluations: computed node class ->
 * whether the job and its groups were feasible there, over every select
 * so far (classes of nodes without ComputedClass are not tracked). Fills
 * a VALUE map of bools into the zeroed out; 0 or ERR_NOMEM. */
int select_stack_class_eligibility(const struct select_stack *st,
                                   struct value *out);
/* Whether some constraint escaped the computed class (unique targets). */
bool select_stack_escaped(const struct select_stack *st);

#endif
