/* scheduler/sched.h: what every part of the pure scheduler shares: the
 * seeded PRNG, the scheduler configuration and the per-evaluation context.
 *
 * The scheduler is pure: it reads a `const struct store *` (a state the
 * caller keeps unchanged while an evaluation runs), builds a plan
 * (scheduler/plan.h) and never does I/O, reads a clock or draws randomness
 * except from the sched_rng carried in the context. The same store, eval
 * and seed always give the same plan.
 *
 * Layers (each header documents its own contract):
 *   sched.h     PRNG, configuration, per-evaluation context and caches
 *   plan.h      the plan of one evaluation, proposed allocs per node
 *   netidx.h    ports in use on one node, port assignment
 *   version.h   go-version and semver constraints
 *   feasible.h  candidate nodes, constraint operators, node checks
 *   propset.h   property value counts (distinct_property, spread)
 *   rank.h      bin-pack fit, anti-affinity, affinity and spread scores
 *   select.h    the stack: pick the best node for one task group */
#ifndef STEPPE_SCHEDULER_SCHED_H
#define STEPPE_SCHEDULER_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/state.h"
#include "structs/structs.h"

/* ---- PRNG --------------------------------------------------------------- */

/* xoshiro256** seeded through splitmix64. Value type: any seed is fine. */
struct sched_rng {
	uint64_t s[4];
};

void sched_rng_seed(struct sched_rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t sched_rng_next(struct sched_rng *r);
/* Uniform in [0, n) without modulo bias; 0 when n is 0. */
uint64_t sched_rng_below(struct sched_rng *r, uint64_t n);
/* Fisher-Yates shuffle of n pointers in place (Nomad's ShuffleNodes). */
void sched_rng_shuffle(struct sched_rng *r, void **v, size_t n);
/* A seed derived as Nomad seeds its node shuffle: the last 8 bytes of the
 * eval ID (big endian) xor the state index, so a retried plan (new
 * refresh index) does not repeat the same order. NULL or short IDs are
 * fine (hashed instead). */
uint64_t sched_seed_from_eval(const char *eval_id, uint64_t index);

/* ---- configuration ------------------------------------------------------ */

#define SCHED_ALGORITHM_BINPACK "binpack"
#define SCHED_ALGORITHM_SPREAD  "spread"

enum sched_algorithm {
	SCHED_BINPACK = 0, /* best fit (default) */
	SCHED_SPREAD,      /* worst fit */
};

/* The cluster's scheduler configuration (operator scheduler config, after
 * node pool overrides). Zero is Nomad's default. */
struct sched_config {
	enum sched_algorithm algorithm;
	/* Give tasks their MemoryMaxMB (memory_oversubscription_enabled). */
	bool memory_oversubscription;
	/* Candidates scored for a group with affinities or spreads: 0 = every
	 * feasible node; N > 0 = max(group count, N), as Nomad's
	 * node_limit_for_feasibility_checks. */
	int64_t affinity_node_limit;
	/* ScoreMetaData entries a placement's Metrics keep, best first:
	 * 0 = Nomad's 5. The leader asks for 1, all its log entries and
	 * stores keep (server/plan_entries.c): building the other four
	 * only to drop them was a tenth of a placement's cost. */
	int score_meta_max;
};

/* "binpack" / "spread" (NULL or "" = binpack); false for anything else. */
bool sched_algorithm_parse(const char *s, enum sched_algorithm *out);

/* ---- per-evaluation context -------------------------------------------- */

struct plan;
struct sched_cache; /* compiled regexps and version constraints */

/* One evaluation's context. Value type: sched_ctx_init / sched_ctx_release.
 * store and plan are borrowed and must outlive the context; the store must
 * not change while the context is in use (pointers into it are cached).
 * Not thread-safe: one evaluation runs on one thread. */
struct sched_ctx {
	const struct store *store;
	struct plan *plan;
	/* ${node.region}: the region of the servers (nodes carry none). */
	const char *region;
	/* Unix ns of the evaluation, for callers stamping times; the core
	 * never reads a clock. */
	int64_t now;
	struct sched_rng rng;
	struct sched_config config;
	/* private */
	struct sched_cache *cache;
};

/* Sets up ctx (config zeroed: binpack). region may be NULL. Never fails:
 * caches are allocated lazily and a cache allocation failure only costs a
 * recompilation. */
void sched_ctx_init(struct sched_ctx *ctx, const struct store *s,
                    struct plan *p, const char *region, int64_t now,
                    uint64_t seed);
/* Frees the caches; ctx can be initialised again. */
void sched_ctx_release(struct sched_ctx *ctx);

/* ---- placement metrics (Nomad's AllocMetric methods) -------------------- */

/* FilterNode: NodesFiltered + 1, ClassFiltered[node class] + 1 when the
 * node has a NodeClass, ConstraintFiltered[reason] + 1 when reason is
 * non-empty. Returns 0 or ERR_NOMEM. */
int sched_metric_filter(struct alloc_metric *m, const struct node *n,
                        const char *reason);
/* ExhaustedNode: NodesExhausted + 1, ClassExhausted[node class] + 1,
 * DimensionExhausted[dimension] + 1. Returns 0 or ERR_NOMEM. */
int sched_metric_exhaust(struct alloc_metric *m, const struct node *n,
                         const char *dimension);
/* ExhaustResources: when anything was exhausted, adds each task's MemoryMB
 * (if "memory" was exhausted) and CPU (if "cpu" was) to
 * ResourcesExhausted[task]. Returns 0 or ERR_NOMEM. */
int sched_metric_exhaust_resources(struct alloc_metric *m,
                                   const struct task_group *tg);

#endif
