/* scheduler/rank.c: bin-pack fit (Nomad's BinPackIterator and
 * ScoreFit*), job anti-affinity and node affinity scores. */
#include "scheduler/rank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/rank_int.h"
#include "scheduler/sched_int.h"

/* ---- fit scores -----------------------------------------------------------
 */

void rank_node_capacity(const struct node *n, struct sched_usage *cap)
{
	const struct node_resources *r = n->node_resources;
	const struct node_reserved_resources *rr = n->reserved_resources;
	memset(cap, 0, sizeof *cap);
	if (r != NULL) {
		cap->cpu = r->cpu.cpu_shares;
		cap->cores = r->cpu.total_cpu_cores;
		cap->memory_mb = r->memory.memory_mb;
		cap->memory_max_mb = r->memory.memory_mb;
		cap->disk_mb = r->disk.disk_mb;
	}
	if (rr != NULL) {
		const struct value *rc = &rr->cpu.reserved_cpu_cores;
		if (rc->kind == VALUE_LIST)
			cap->cores -= (int64_t)rc->u.list.n;
		cap->cpu -= rr->cpu.cpu_shares;
		cap->memory_mb -= rr->memory.memory_mb;
		cap->memory_max_mb -= rr->memory.memory_mb;
		cap->disk_mb -= rr->disk.disk_mb;
	}
	cap->nallocs = n->node_max_allocs;
}

static double free_fraction(double cap, double used)
{
	return cap > 0 ? 1.0 - used / cap : 0.0;
}

static double clamp_fit(double score)
{
	if (score > RANK_MAX_FIT)
		return RANK_MAX_FIT;
	return score < 0 ? 0 : score;
}

double rank_fit_binpack_raw(double cap_cpu, double cap_mem, double used_cpu,
                            double used_mem)
{
	double total = pow(10, free_fraction(cap_cpu, used_cpu)) +
	               pow(10, free_fraction(cap_mem, used_mem));
	return clamp_fit(20.0 - total);
}

double rank_fit_spread_raw(double cap_cpu, double cap_mem, double used_cpu,
                           double used_mem)
{
	double total = pow(10, free_fraction(cap_cpu, used_cpu)) +
	               pow(10, free_fraction(cap_mem, used_mem));
	return clamp_fit(total - 2.0);
}

double rank_fit(const struct node *n, const struct sched_usage *util,
                enum sched_algorithm algo)
{
	struct sched_usage cap;
	rank_node_capacity(n, &cap);
	if (algo == SCHED_SPREAD)
		return rank_fit_spread_raw(
		    (double)cap.cpu, (double)cap.memory_mb, (double)util->cpu,
		    (double)util->memory_mb);
	return rank_fit_binpack_raw((double)cap.cpu, (double)cap.memory_mb,
	                            (double)util->cpu, (double)util->memory_mb);
}

/* ---- fitting --------------------------------------------------------------
 */

/* Nomad's AllocsFit dimensions, in its order. */
static const char *fit_dimension(const struct sched_usage *cap,
                                 const struct sched_usage *used)
{
	if (cap->nallocs != 0 && cap->nallocs < used->nallocs)
		return "max allocation exceeded";
	if (cap->cpu < used->cpu)
		return "cpu";
	if (used->cores > 0 && cap->cores < used->cores)
		return "cores";
	if (cap->memory_mb < used->memory_mb)
		return "memory";
	if (cap->disk_mb < used->disk_mb)
		return "disk";
	return NULL;
}

static void usage_sum(struct sched_usage *a, const struct sched_usage *b)
{
	a->cpu += b->cpu;
	a->cores += b->cores;
	a->memory_mb += b->memory_mb;
	a->memory_max_mb += b->memory_max_mb;
	a->disk_mb += b->disk_mb;
	a->nallocs += b->nallocs;
}

static int exhausted(char *dim, const char *fmt, const char *what)
{
	snprintf(dim, RANK_DIM_MAX, fmt, what);
	return ERR_CONFLICT;
}

/* The port index and the group's port offer on the node. */
static int offer_ports(struct sched_ctx *ctx, const struct node *n,
                       const struct rank_ask *ask, struct rank_offer *o,
                       char *dim)
{
	char why[NETIDX_WHY_MAX];
	int rc = plan_node_netidx(ctx->plan, n, &o->idx);
	if (rc == ERR_INVAL)
		return exhausted(dim, "%s", "network: invalid node");
	if (rc != 0)
		return rc;
	if (netidx_collision(o->idx))
		return exhausted(dim, "%s", "network: port collision");
	if (rank_ask_network(ask) == NULL)
		return 0;
	rc = rank_resolve_ask(ctx, n, rank_ask_network(ask), &o->ask);
	if (rc != 0)
		return rc == ERR_CONFLICT
		           ? exhausted(dim, "%s",
		                       "network: invalid host network template")
		           : rc;
	rc = netidx_assign_ports(o->idx, &o->ask, &ctx->rng, &o->ports, why);
	if (rc == ERR_CONFLICT)
		return exhausted(dim, "network: %s", why);
	return rc;
}

int rank_binpack_offer(struct sched_ctx *ctx, const struct node *n,
                       const struct rank_ask *ask, struct rank_offer *o,
                       double *fitness, char *dim)
{
	struct sched_usage used, cap;
	const char *d;
	int rc = plan_node_usage(ctx->plan, n, &used);
	memset(o, 0, sizeof *o);
	if (rc == 0 && rank_ask_needs_ports(ask))
		rc = offer_ports(ctx, n, ask, o, dim);
	if (rc == 0)
		rc = rank_offer_task_networks(ctx, ask, o, dim);
	if (rc == 0)
		rc = rank_assign_cores(ctx, n, ask, o, dim);
	if (rc == 0) {
		usage_sum(&used, rank_ask_usage_ref(ask));
		used.cpu += (int64_t)o->ncore_ids * o->mhz_per_core;
		used.cores += (int64_t)o->ncore_ids;
		rank_node_capacity(n, &cap);
		if ((d = fit_dimension(&cap, &used)) != NULL)
			rc = exhausted(dim, "%s", d);
	}
	if (rc != 0) {
		rank_offer_release(o);
		return rc;
	}
	*fitness = rank_fit(n, &used, ctx->config.algorithm);
	return 0;
}

int rank_binpack(struct sched_ctx *ctx, const struct node *n,
                 const struct rank_ask *ask, struct allocated_resources *res,
                 double *fitness, char *dim)
{
	struct rank_offer o;
	int rc = rank_binpack_offer(ctx, n, ask, &o, fitness, dim);
	if (rc != 0)
		return rc;
	rc = rank_build_resources(ask, n, &o, res);
	rank_offer_release(&o);
	return rc;
}

/* ---- job anti-affinity ----------------------------------------------------
 */

int rank_collisions(struct sched_ctx *ctx, const struct node *n,
                    const char *job_id, const char *tg, int64_t *out)
{
	return plan_node_collisions(ctx->plan, n, job_id, tg, out);
}

double rank_anti_affinity(int64_t collisions, int64_t desired)
{
	if (collisions <= 0 || desired <= 0)
		return 0;
	return -(double)(collisions + 1) / (double)desired;
}

/* ---- node affinity --------------------------------------------------------
 */

double rank_affinity(struct sched_ctx *ctx, const struct affinity *const *aff,
                     size_t n, const struct node *node)
{
	double sum = 0, total = 0;
	for (size_t i = 0; i < n; i++)
		sum += fabs((double)aff[i]->weight);
	if (sum == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (feasible_matches_affinity(ctx, aff[i], node))
			total += (double)aff[i]->weight;
	return total / sum;
}
