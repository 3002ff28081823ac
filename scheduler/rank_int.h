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

/* Group ports an offer holds without a heap array: one dynamic port is
 * the common ask. */
#define RANK_OFFER_PORTS 4

/* What one candidate node offers the group's networks and cores. Every
 * candidate gets one, the winner's is copied into the placement
 * (rank_build_resources): an offer borrows what it can. ports.v may
 * point into the offer itself (port_buf): an offer is never moved. */
struct rank_offer {
	const struct netidx *idx; /* the plan's cached index */
	/* The group ask with host networks resolved on the node: the
	 * group's own, or `resolved` (owned) when a port's host network is
	 * a template. */
	const struct network_resource *ask;
	struct network_resource *resolved;
	/* Group ports offered, borrowing their strings (netidx.h). */
	struct allocated_port_mapping_list ports;
	struct network_resource *task_nets; /* per ask task, legacy offers */
	size_t ntask_nets;
	int64_t *core_ids; /* ask->ncores reserved cores, in task order */
	size_t ncore_ids;
	int64_t mhz_per_core;
	/* Scratch for ports.v, last: rank_offer_init leaves it as is. */
	struct allocated_port_mapping port_buf[RANK_OFFER_PORTS];
};

/* Clears o for a new offer (offers are not moved). */
void rank_offer_init(struct rank_offer *o);
void rank_offer_release(struct rank_offer *o);

/* Sets o->ask to the group's network ask net with "${...}" host networks
 * of its ports resolved on n: net itself when it has none. 0, ERR_NOMEM,
 * or ERR_CONFLICT when a template does not resolve. */
int rank_resolve_ask(struct sched_ctx *ctx, const struct node *n,
                     const struct network_resource *net, struct rank_offer *o);

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
