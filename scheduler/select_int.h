/* scheduler/select_int.h: the stack's private parts, shared by select.c
 * (stack, groups, caches, class eligibility) and select_walk.c (one
 * select: the walk, the limit, the metrics). */
#ifndef STEPPE_SCHEDULER_SELECT_INT_H
#define STEPPE_SCHEDULER_SELECT_INT_H

#include "scheduler/feasible.h"
#include "scheduler/rank.h"
#include "scheduler/rank_int.h"
#include "scheduler/sched_int.h"
#include "scheduler/select.h"

struct sel_option;

/* A cached node-only verdict: NULL unknown, SEL_PASS, or the reason. */
extern const char SEL_PASS[];

enum sel_class {
	SEL_CLASS_UNKNOWN = 0,
	SEL_CLASS_ELIGIBLE,
	SEL_CLASS_INELIGIBLE,
};

/* Eligibility of one computed node class. */
struct sel_class_ent {
	char *cls;
	enum sel_class status;
	UT_hash_handle hh;
};

/* What one task group needs, compiled on its first select. */
struct sel_group {
	const struct task_group *tg;
	struct feasible_group *fg;
	struct rank_ask *ask;
	struct rank_spread *spread;
	const struct affinity **aff;
	size_t naff;
	const char **cache; /* per candidate: the group verdict */
	struct sel_class_ent *classes;
	struct sel_group *next;
};

struct select_stack {
	struct sched_ctx *ctx;
	const struct job *job;
	enum select_mode mode;
	struct sched_nodes ready;
	const struct node **nodes;
	size_t n;
	size_t offset;
	size_t limit;
	const char **job_cache; /* per candidate: the job verdict */
	struct sel_class_ent *classes;
	struct sel_group *groups;
	bool escaped;
	struct sel_option *pool; /* select_walk.c's option slots */
	size_t cap_pool;
};

/* The group's compiled state, created on first use; NULL on oom. */
struct sel_group *sel_group_get(struct select_stack *st,
                                const struct task_group *tg);
/* The node-only checks (job, group) for node n at candidate index idx
 * (SIZE_MAX: not a candidate, not cached): NULL when n passes, else the
 * filter reason. Records class eligibility. */
const char *sel_static_check(struct select_stack *st, struct sel_group *g,
                             const struct node *n, size_t idx);

#endif
