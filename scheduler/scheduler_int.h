/* scheduler/scheduler_int.h: what sched_run's files share: the state of one
 * evaluation being scheduled (scheduler.c sets it up and dispatches;
 * generic.c and system.c plan; outcome.c builds the response). */
#ifndef STEPPE_SCHEDULER_SCHEDULER_INT_H
#define STEPPE_SCHEDULER_SCHEDULER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/feasible.h"
#include "scheduler/reconcile.h"
#include "scheduler/sched.h"
#include "scheduler/scheduler.h"
#include "scheduler/select.h"

/* The allocations of one job, borrowed from the store. */
struct se_allocs {
	const struct allocation **v;
	size_t n, cap;
};

/* One evaluation being scheduled. */
struct sched_eval {
	const struct sched_request *rq;
	const struct evaluation *ev;
	struct sched_response *out;
	/* == out->job: the job scheduled, NULL when purged. */
	const struct job *job;
	/* No job, or Stop: everything of the job is stopped. */
	bool stopped;
	struct sched_ctx ctx;
	/* The stack over the job's ready nodes; NULL when stopped or when
	 * no node is ready (see se_select). */
	struct select_stack *st;
	/* No node is ready: the (empty) ready set, for the metrics. */
	struct sched_nodes none;
	struct se_allocs allocs;
	/* group -> metrics of its first failed placement (sorted). */
	struct alloc_metric_map failed;
	/* group -> placements that found no node (a VALUE map). */
	struct value queued;
	/* Make a blocked evaluation when something failed (generic: no
	 * follow-ups were made instead; system: some node was exhausted). */
	bool want_blocked;
	/* System: the first node found exhausted (blocked eval NodeID). */
	char blocked_node[64];
	/* Desired updates per group for the annotations. */
	struct reconcile_group *desired;
	size_t ndesired;
};

/* ---- scheduler.c --------------------------------------------------------- */

/* The job's allocations (store_each_job_alloc) into se->allocs. */
int se_collect_allocs(struct sched_eval *se);
/* The tainted nodes among the allocations' nodes (reconcile.h's rules),
 * into a mem_malloc'd array (strings borrowed from the store). */
int se_tainted(const struct sched_eval *se, struct reconcile_node **out,
               size_t *n);
/* The tainted entry for node_id, NULL when the node is healthy. */
const struct reconcile_node *se_tainted_find(const struct reconcile_node *t,
                                             size_t n, const char *node_id);
/* Nomad's updateNonTerminalAllocsToLost: allocations already stopped by
 * the server but still running on a down or missing node become lost. */
int se_mark_lost(struct sched_eval *se, const struct reconcile_node *t,
                 size_t n);
/* Moves a select result's resources and metrics into a new allocation
 * (ID from the PRNG) of the job's group tg named name on the chosen node,
 * and places it. previous may be NULL. Returns 0 or ERR_NOMEM; *out (may
 * be NULL) receives the placed allocation, owned by the plan. */
int se_place_new(struct sched_eval *se, const struct task_group *tg,
                 const char *name, const struct allocation *previous,
                 struct select_result *r, struct allocation **out);
/* Nomad's in-place update attempt of a on node n for group tg: stages a
 * stop of a, selects on n alone, takes the stop back. On success places
 * a copy of a running the job (same ID, ports and devices kept) and sets
 * *done. The stack's candidates are n alone afterwards. 0 or ERR_NOMEM. */
int se_inplace(struct sched_eval *se, const struct allocation *a,
               const struct node *n, const struct task_group *tg, bool *done);
/* select_stack_select, or, without a stack (no ready node), no node with
 * the metrics of an empty pool. 0 or ERR_NOMEM. */
int se_select(struct sched_eval *se, const struct task_group *tg,
              const struct select_options *opts, struct select_result *r);
/* Adds delta to the counter of group in a VALUE map of integers. */
int se_count(struct value *map, const char *group, int64_t delta);

/* ---- generic.c / system.c ------------------------------------------------ */

int sched_generic(struct sched_eval *se);
int sched_system(struct sched_eval *se);

/* ---- outcome.c ----------------------------------------------------------- */

/* Records a failed placement of tg: the first failure of a group keeps
 * its metrics (moved out of *m, which is left zeroed), the next ones
 * count in CoalescedFailures (and ExhaustResources); the group's queued
 * count goes up by one. 0 or ERR_NOMEM (*m released). */
int so_failed(struct sched_eval *se, const struct task_group *tg,
              struct alloc_metric *m);
/* Whether group already failed. */
bool so_has_failed(const struct sched_eval *se, const char *group);
/* A new evaluation appended to out->new_evals with the fields every
 * created evaluation has (fresh ID, the request eval's namespace, job,
 * type, priority, JobModifyIndex, CreateTime/ModifyTime now). The pointer
 * is valid until the next so_new_eval. NULL on oom. */
struct evaluation *so_new_eval(struct sched_eval *se);
/* The desired updates of group (created zeroed on first use); NULL on
 * oom. group is borrowed (from the job or an allocation). */
struct reconcile_desired *so_desired(struct sched_eval *se, const char *group);
/* Fills out->eval (and new_evals' blocked evaluation, the plan's
 * annotations) from what the scheduler recorded. 0 or ERR_NOMEM. */
int so_finish(struct sched_eval *se);
/* Fails the evaluation before planning: out->eval with Status "failed"
 * and desc. 0 or ERR_NOMEM. */
int so_fail(struct sched_eval *se, const char *desc);
/* Sets *dst to a copy of s (NULL stays NULL). 0 or ERR_NOMEM. */
int so_set_str(char **dst, const char *s);

#endif
