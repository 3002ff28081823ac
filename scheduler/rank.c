/* scheduler/rank.c: bin-pack fit (Nomad's BinPackIterator and
 * ScoreFit*), job anti-affinity and node affinity scores. */
#include "scheduler/rank.h"

#include <math.h>
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

/* Appends s to dim at *at, truncating at RANK_DIM_MAX. */
static void dim_put(char *dim, size_t *at, const char *s)
{
	size_t n = strlen(s);
	if (n > RANK_DIM_MAX - 1 - *at)
		n = RANK_DIM_MAX - 1 - *at;
	memcpy(dim + *at, s, n);
	*at += n;
	dim[*at] = '\0';
}

/* The DimensionExhausted key: prefix then what. Without snprintf: full
 * nodes are met on most selects of a large job. */
static int exhausted(char *dim, const char *prefix, const char *what)
{
	size_t at = 0;
	dim[0] = '\0';
	dim_put(dim, &at, prefix);
	dim_put(dim, &at, what);
	return ERR_CONFLICT;
}

/* rank_fit with the capacity known, through the context's memo. */
static double memo_fit(struct sched_ctx *ctx, const struct sched_usage *cap,
                       const struct sched_usage *used)
{
	struct sched_fit_key k = {cap->cpu, cap->memory_mb, used->cpu,
	                          used->memory_mb, (int)ctx->config.algorithm};
	double fit;
	if (sched_cache_fit_get(ctx, &k, &fit))
		return fit;
	if (ctx->config.algorithm == SCHED_SPREAD)
		fit =
		    rank_fit_spread_raw((double)k.cap_cpu, (double)k.cap_mem,
		                        (double)k.used_cpu, (double)k.used_mem);
	else
		fit = rank_fit_binpack_raw((double)k.cap_cpu, (double)k.cap_mem,
		                           (double)k.used_cpu,
		                           (double)k.used_mem);
	sched_cache_fit_put(ctx, &k, fit);
	return fit;
}

/* Room in o for the ask's ports: its own buffer for the usual few. */
static int ports_room(const struct network_resource *ask, struct rank_offer *o)
{
	size_t total = ask->reserved_ports.n + ask->dynamic_ports.n;
	o->ports.n = 0;
	o->ports.v = o->port_buf;
	if (total > RANK_OFFER_PORTS &&
	    (o->ports.v = mem_calloc(total, sizeof *o->ports.v)) == NULL)
		return ERR_NOMEM;
	return 0;
}

/* The port index and the group's port offer on the node. */
static int offer_ports(struct sched_ctx *ctx, const struct node *n,
                       const struct rank_ask *ask, struct rank_offer *o,
                       char *dim)
{
	char why[NETIDX_WHY_MAX];
	int rc = plan_node_netidx(ctx->plan, n, &o->idx);
	if (rc == ERR_INVAL)
		return exhausted(dim, "", "network: invalid node");
	if (rc != 0)
		return rc;
	if (netidx_collision(o->idx))
		return exhausted(dim, "", "network: port collision");
	if (rank_ask_network(ask) == NULL)
		return 0;
	rc = rank_resolve_ask(ctx, n, rank_ask_network(ask), o);
	if (rc != 0)
		return rc == ERR_CONFLICT
		           ? exhausted(dim, "",
		                       "network: invalid host network template")
		           : rc;
	if (ports_room(o->ask, o) != 0)
		return ERR_NOMEM;
	rc = netidx_assign_ports(o->idx, o->ask, &ctx->rng, &o->ports, why);
	if (rc == ERR_CONFLICT)
		return exhausted(dim, "network: ", why);
	return rc;
}

int rank_binpack_offer(struct sched_ctx *ctx, const struct node *n,
                       const struct rank_ask *ask, struct rank_offer *o,
                       double *fitness, char *dim)
{
	struct sched_usage used, cap;
	const char *d;
	int rc = plan_node_usage(ctx->plan, n, &used);
	rank_offer_init(o);
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
			rc = exhausted(dim, "", d);
	}
	if (rc != 0) {
		rank_offer_release(o);
		return rc;
	}
	*fitness = memo_fit(ctx, &cap, &used);
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
