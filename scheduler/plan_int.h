/* scheduler/plan_int.h: the plan's private structures, shared by plan.c
 * (the plan itself) and plan_cache.c (proposed allocations per node). */
#ifndef STEPPE_SCHEDULER_PLAN_INT_H
#define STEPPE_SCHEDULER_PLAN_INT_H

#include "scheduler/netidx.h"
#include "scheduler/plan.h"
#include "scheduler/sched_int.h"

struct plan_list {
	struct allocation **v;
	size_t n, cap;
};

/* One proposed allocation ID on a node. */
struct prop_ent {
	const char *id;                    /* key, points into an alloc */
	const struct allocation *existing; /* the store's, if live */
	const struct allocation *placed;   /* the plan's, if any */
	int stopped;                       /* stops/preemptions of it */
	UT_hash_handle hh;
};

/* What the node would run; built on first use, then kept up to date. */
struct node_cache {
	bool built;
	struct prop_ent *set;
	struct sched_usage usage;
	bool net_valid;
	int net_rc;
	struct netidx net;
	/* Proposed allocations of (coll_job, coll_tg): job anti-affinity
	 * asks for it on every candidate node, so it is counted once and
	 * then kept up to date; any other change drops it. */
	bool coll_valid;
	const char *coll_job, *coll_tg;
	int64_t coll_n;
};

struct plan_node {
	char *node_id;
	struct plan_list place, stop, preempt;
	struct node_cache cache;
	UT_hash_handle hh;
};

struct plan {
	const struct store *store;
	char *eval_id;
	int64_t priority;
	const struct job *job;
	bool all_at_once;
	uint64_t snapshot_index;
	struct value annotations;
	struct plan_node *nodes;
	struct plan_op *ops;
	size_t nops, capops;
	struct plan_list graveyard; /* replaced or popped, kept for ops */
	size_t nplace, nstop, npreempt;
	/* The last node looked up: the ranking asks for the same node
	 * several times in a row. Entries are never freed before the plan. */
	struct plan_node *last;
	/* Node -> entry by the store node's address, for the ranking's
	 * lookups during one scheduler run (the store does not change then);
	 * plan_forget_nodes drops it before the plan outlives the run. */
	struct plan_ncache *ncache;
	/* The last node the ranking asked about: it asks for its usage, port
	 * index and collisions in a row. Dropped with ncache. */
	const struct node *near_n;
	struct plan_node *near_pn;
};

/* The allocation an entry contributes, NULL when none. */
static inline const struct allocation *prop_effective(const struct prop_ent *e)
{
	if (e->placed != NULL)
		return e->placed;
	return e->stopped > 0 ? NULL : e->existing;
}

/* Open addressing by node address, at most half full. */
struct plan_ncache_ent {
	const struct node *n;
	struct plan_node *pn;
};
struct plan_ncache {
	struct plan_ncache_ent *v;
	size_t mask, used;
};

/* The plan's entry for node_id, NULL when untouched. */
struct plan_node *plan_node_get(const struct plan *p, const char *node_id);
/* The entry, created (empty) when missing; NULL on oom. */
struct plan_node *plan_node_touch(struct plan *p, const char *node_id);

/* Cache maintenance (plan_cache.c), called by plan.c after the change is
 * recorded in the node's lists. Allocation failures drop the cache (it is
 * rebuilt on next use), so these cannot fail. */
void plan_cache_placed(struct plan_node *pn, const struct allocation *a);
void plan_cache_stopped(struct plan_node *pn, const char *id);
void plan_cache_unstopped(struct plan_node *pn, const char *id);
void plan_cache_release(struct node_cache *c);
/* Whether the built cache of pn shows no placement with ID id (false
 * when the cache is not built: the caller must look). */
bool plan_cache_not_placed(struct plan_node *pn, const char *id);

#endif
