/* scheduler/rank.h: how good a feasible node is for a task group (Nomad's
 * rank iterators).
 *
 * Each scorer that has something to say appends a score; the node's final
 * score is their mean (Nomad's ScoreNormalizationIterator):
 *   binpack           always: the fit of the node's proposed allocations
 *                     plus this group, normalised by 18 (rank_fit_*);
 *   job-anti-affinity -(collisions + 1) / count when allocations of the
 *                     same job and group are already proposed on the node;
 *   node-reschedule-penalty  -1 on nodes a rescheduled allocation failed on;
 *   node-affinity     sum of the weights of matching affinities (job, group
 *                     and tasks) / sum of their absolute weights;
 *   allocation-spread the spread boost (spread.c) when non-zero.
 * Zero anti-affinity, penalty and affinity scores are recorded in the
 * metrics but not averaged, as Nomad does. */
#ifndef STEPPE_SCHEDULER_RANK_H
#define STEPPE_SCHEDULER_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/netidx.h"
#include "scheduler/plan.h"
#include "scheduler/sched.h"
#include "structs/structs.h"

/* Scorer names as they appear in ScoreMetaData[].Scores. */
#define RANK_SCORE_BINPACK       "binpack"
#define RANK_SCORE_ANTI_AFFINITY "job-anti-affinity"
#define RANK_SCORE_RESCHEDULE    "node-reschedule-penalty"
#define RANK_SCORE_AFFINITY      "node-affinity"
#define RANK_SCORE_SPREAD        "allocation-spread"
#define RANK_SCORE_NORMALIZED    "normalized-score"

/* Nomad's binPackingMaxFitScore. */
#define RANK_MAX_FIT 18.0
/* Room for a DimensionExhausted key. */
#define RANK_DIM_MAX (NETIDX_WHY_MAX + 16)

/* ---- fit ---------------------------------------------------------------- */

/* What a node offers: NodeResources (Cpu.CpuShares, Memory.MemoryMB,
 * Disk.DiskMB) minus ReservedResources; nallocs = NodeMaxAllocs (0 = no
 * limit). */
void rank_node_capacity(const struct node *n, struct sched_usage *cap);

/* Nomad's ScoreFitBinPack and ScoreFitSpread on raw numbers: with
 * free = 1 - used / capacity for cpu and memory,
 *   binpack = 20 - (10^freeCpu + 10^freeMem), spread = 10^freeCpu +
 *   10^freeMem - 2, both clamped to [0, 18]. */
double rank_fit_binpack_raw(double cap_cpu, double cap_mem, double used_cpu,
                            double used_mem);
double rank_fit_spread_raw(double cap_cpu, double cap_mem, double used_cpu,
                           double used_mem);
/* The same on a node (capacity from rank_node_capacity) and a usage. */
double rank_fit(const struct node *n, const struct sched_usage *util,
                enum sched_algorithm algo);

/* ---- what a group asks for ---------------------------------------------- */

/* A task group's resource ask, compiled once per group: per task CPU,
 * memory (+ SecretsMB), memory max (when oversubscription is on), cores,
 * lifecycle and legacy network; the group's first network; ephemeral
 * disk. Borrows tg. */
struct rank_ask;

int rank_ask_create(const struct task_group *tg, bool memory_oversubscription,
                    struct rank_ask **out);
void rank_ask_destroy(struct rank_ask *a);
/* The ask as a usage (what one more allocation of the group adds). */
void rank_ask_usage(const struct rank_ask *a, struct sched_usage *u);

/* Nomad's BinPackIterator for one node (no preemption): assigns the
 * group's ports against the node's port index (plan_node_netidx), then
 * checks that the node's proposed allocations plus the ask fit (max
 * allocations, cpu, cores, memory, disk). On success returns 0, fills the
 * zeroed res (Tasks, TaskLifecycles, Shared.DiskMB, Shared.Networks,
 * Shared.Ports; release with schema_release(&allocated_resources_schema))
 * and *fitness (the raw fit, 0..18). When the node cannot take it returns
 * ERR_CONFLICT with the DimensionExhausted key in dim (RANK_DIM_MAX
 * bytes): "cpu", "memory", "disk", "cores", "max allocation exceeded",
 * "network: invalid node", "network: port collision", "network: <netidx
 * reason>" such as "network: reserved port collision http=8080" or
 * "network: bandwidth exceeded". ERR_NOMEM on allocation failure. */
int rank_binpack(struct sched_ctx *ctx, const struct node *n,
                 const struct rank_ask *ask, struct allocated_resources *res,
                 double *fitness, char *dim);

/* ---- other scores ---------------------------------------------------------
 */

/* Proposed allocations on n of job (namespace, ID) and group: Nomad's
 * job anti-affinity collisions (Nomad matches on JobID and group only).
 * Returns 0 or ERR_NOMEM. */
int rank_collisions(struct sched_ctx *ctx, const struct node *n,
                    const char *job_id, const char *tg, int64_t *out);
/* -(collisions + 1) / desired; 0 when collisions is 0 (or desired <= 0). */
double rank_anti_affinity(int64_t collisions, int64_t desired);

/* Sum of the weights of the affinities n matches over the sum of all
 * absolute weights; 0 when there are none or all weights are zero. */
double rank_affinity(struct sched_ctx *ctx, const struct affinity *const *aff,
                     size_t n, const struct node *node);

/* ---- spread (spread.c) -------------------------------------------------- */

/* The spread blocks that apply to a group (the group's then the job's),
 * with desired counts per target from the group count and the implicit
 * "*" target for the remainder. Borrows ctx, job and tg. */
struct rank_spread;

int rank_spread_create(struct sched_ctx *ctx, const struct job *job,
                       const struct task_group *tg, struct rank_spread **out);
void rank_spread_destroy(struct rank_spread *s);
/* Whether any spread applies. */
bool rank_spread_active(const struct rank_spread *s);
/* Nomad's SpreadIterator score for placing one more allocation on n:
 * per spread attribute, with targets ((desired - (used + 1)) / desired) *
 * weight / sum of weights (-1 for a value without a target and no "*",
 * the lowest boost seen so far for a zero target), without targets the
 * even-spread boost; -1 for a node without the attribute. Returns 0 or
 * ERR_NOMEM. */
int rank_spread_score(struct rank_spread *s, const struct node *n,
                      double *score);

#endif
