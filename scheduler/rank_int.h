/* scheduler/rank_int.h: the ranking's private parts shared by rank.c and
 * rank_ask.c: the per-candidate network offer. */
#ifndef STEPPE_SCHEDULER_RANK_INT_H
#define STEPPE_SCHEDULER_RANK_INT_H

#include "scheduler/netidx.h"
#include "scheduler/rank.h"

/* A task group's ask (rank.h), compiled once. */
struct rank_ask {
	const struct task_group *tg;
	const struct network_resource *net;       /* group network or NULL */
	const struct network_resource **task_net; /* per tmpl task or NULL */
	int64_t *cores;                           /* per tmpl task */
	int64_t ncores;
	bool any_task_net;
	/* Tasks (sorted by name), lifecycles, disk; no cores' cpu. */
	struct allocated_resources tmpl;
	struct sched_usage usage;
};

/* What one candidate node offers the group's networks and cores. */
struct rank_offer {
	const struct netidx *idx;    /* the plan's cached index */
	struct network_resource ask; /* group ask, host networks resolved */
	struct allocated_port_mapping_list ports; /* group ports offered */
	struct network_resource *task_nets; /* per ask task, legacy offers */
	size_t ntask_nets;
	int64_t *core_ids; /* ask->ncores reserved cores, in task order */
	size_t ncore_ids;
	int64_t mhz_per_core;
};

void rank_offer_release(struct rank_offer *o);

/* A copy of net with "${...}" host networks of its ports resolved on n.
 * 0, ERR_NOMEM, or ERR_CONFLICT when a template does not resolve. */
int rank_resolve_ask(struct sched_ctx *ctx, const struct node *n,
                     const struct network_resource *net,
                     struct network_resource *out);

/* Whether the group or a task asks for a network (ports). */
bool rank_ask_needs_ports(const struct rank_ask *a);
/* The group's network ask (its first network), NULL if none. */
const struct network_resource *rank_ask_network(const struct rank_ask *a);
/* The ask as a usage, borrowed. */
const struct sched_usage *rank_ask_usage_ref(const struct rank_ask *a);
/* Legacy task networks on a scratch copy of o->idx (after the group's
 * ports): 0, ERR_NOMEM or ERR_CONFLICT with dim ("network: bandwidth
 * exceeded"...). Nothing to do without task networks. */
int rank_offer_task_networks(struct sched_ctx *ctx, const struct rank_ask *ask,
                             struct rank_offer *o, char *dim);
/* rank_binpack without building the resources: on success o holds the
 * node's offer (release with rank_offer_release) for
 * rank_build_resources. Same returns as rank_binpack. */
int rank_binpack_offer(struct sched_ctx *ctx, const struct node *n,
                       const struct rank_ask *ask, struct rank_offer *o,
                       double *fitness, char *dim);
/* Reserves the ask's cores on n: the lowest free core IDs (not reserved
 * by the node nor by a proposed allocation). 0, ERR_NOMEM, or ERR_CONFLICT
 * with dim "cores". Nothing to do when no task asks for cores. */
int rank_assign_cores(struct sched_ctx *ctx, const struct node *n,
                      const struct rank_ask *ask, struct rank_offer *o,
                      char *dim);
/* Fills the zeroed res from the ask and the offer. 0 or ERR_NOMEM. */
int rank_build_resources(const struct rank_ask *ask, const struct node *n,
                         const struct rank_offer *o,
                         struct allocated_resources *res);

#endif
