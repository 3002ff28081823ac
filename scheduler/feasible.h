/* scheduler/feasible.h: which nodes can run a task group (Nomad's
 * feasibility checks).
 *
 * Candidate nodes are the ready nodes (status "ready", eligible, not
 * draining) in the job's node pool ("all" = every pool; a node without a
 * pool is in "default") and in any of its datacenters (patterns with `*`
 * wildcards, as Nomad's glob). Then, per node, in Nomad's order:
 *   1. job constraints;
 *   2. group checks: task drivers ("missing drivers"), group and task
 *      constraints, devices ("missing devices"), network mode ("missing
 *      network") and host networks of ports;
 *   3. availability: host volumes ("missing compatible host volumes");
 *   4. distinct_hosts ("distinct_hosts") and distinct_property
 *      ("distinct_property: ${meta.rack}=r1 used by 1 allocs").
 * A failed check is recorded in AllocMetric.ConstraintFiltered under the
 * reason shown, or under the constraint's string form ("${attr.kernel.name}
 * = linux", Nomad's "%s %s %s" of LTarget, Operand, RTarget).
 *
 * Constraint targets: ${node.unique.id}, ${node.unique.name},
 * ${node.datacenter}, ${node.region} (the context's region), ${node.class},
 * ${node.pool}, ${attr.<key>}, ${meta.<key>}; anything not starting with
 * "${" is a literal; other "${...}" are not found. Operators are Nomad's
 * (reference 2.9): =, ==, is (both found and equal); !=, not (not equal,
 * a missing side reads as ""); <, <=, >, >= (both found; as integers when
 * both parse, else as floats, else lexically); regexp (POSIX extended,
 * compiled once per context; a bad pattern never matches); version and
 * semver (scheduler/version.h; a bad version or constraint never matches);
 * set_contains / set_contains_all and set_contains_any (comma separated,
 * items trimmed); is_set, is_not_set (the left side only); distinct_hosts
 * and distinct_property always pass here (handled by the group checks);
 * any other operator fails. */
#ifndef STEPPE_SCHEDULER_FEASIBLE_H
#define STEPPE_SCHEDULER_FEASIBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/sched.h"
#include "state/state.h"
#include "structs/structs.h"

/* ConstraintFiltered keys of the non-constraint checks (Nomad's). */
#define FILTER_DRIVERS        "missing drivers"
#define FILTER_DEVICES        "missing devices"
#define FILTER_HOST_VOLUMES   "missing compatible host volumes"
#define FILTER_NETWORK        "missing network"
#define FILTER_DISTINCT_HOSTS CONSTRAINT_DISTINCT_HOSTS

#define SCHED_NODE_POOL_ALL     "all"
#define SCHED_NODE_POOL_DEFAULT "default"

/* ---- candidate nodes ---------------------------------------------------- */

/* The ready nodes of a job. Value type: zero-initialise, then
 * sched_nodes_ready; sched_nodes_release. Node pointers point into the
 * store. */
struct sched_nodes {
	const struct node **v;
	size_t n;
	/* NodesAvailable: datacenter -> ready nodes (a VALUE map of ints). */
	struct value by_dc;
};

/* Collects the ready nodes in one of dcs (an empty list matches nothing,
 * as Nomad) and in pool (NULL, "" or "all" = every pool, as Nomad), in
 * node ID order.
 * Returns 0 or ERR_NOMEM (out released). */
int sched_nodes_ready(const struct store *s, const struct strlist *dcs,
                      const char *pool, struct sched_nodes *out);
void sched_nodes_release(struct sched_nodes *ns);

/* `*` matches any run of characters (Nomad's glob.Glob); anything else is
 * literal. */
bool sched_glob_match(const char *pattern, const char *s);
bool sched_node_in_dcs(const struct node *n, const struct strlist *dcs);
bool sched_node_in_pool(const struct node *n, const char *pool);

/* Nomad's ComputedClass for a node: "v1:<64-bit hash>" over what makes
 * nodes interchangeable for placement (Datacenter, NodeClass, NodePool,
 * Attributes and Meta except "unique.*" keys, device Vendor/Type/Name).
 * The hash is steppe's own (FNV-1a), not Nomad's hashstructure value, so
 * it only needs to be stable within steppe. mem_malloc'd; NULL on oom. For
 * the node registration path; the scheduler only reads ComputedClass. */
char *sched_node_computed_class(const struct node *n);

/* ---- targets and operators ---------------------------------------------- */

/* Resolves a constraint target on node n (see the top of this file).
 * *out points into the node, the context or target itself; "" when not
 * found. Returns whether it was found. */
bool feasible_resolve_target(const struct sched_ctx *ctx, const char *target,
                             const struct node *n, const char **out);
/* Applies operand to resolved sides (see the top of this file). */
bool feasible_check_operand(struct sched_ctx *ctx, const char *operand,
                            const char *l, bool lfound, const char *r,
                            bool rfound);
bool feasible_meets_constraint(struct sched_ctx *ctx,
                               const struct constraint *c,
                               const struct node *n);
bool feasible_matches_affinity(struct sched_ctx *ctx, const struct affinity *a,
                               const struct node *n);
/* "<LTarget> <Operand> <RTarget>", mem_malloc'd; NULL on oom. */
char *feasible_constraint_string(const struct constraint *c);
/* A target that names unique node data (${node.unique.*}, ${attr.unique.*},
 * ${meta.unique.*}, ${unique.*}): checks using it escape the computed
 * class cache. */
bool feasible_target_escapes(const char *target);

/* ---- node capabilities -------------------------------------------------- */

/* Drivers[driver] detected and healthy, or (older nodes without driver
 * info) attribute "driver.<driver>" parsing as true (Go's ParseBool). */
bool feasible_has_driver(const struct node *n, const char *driver);
/* A NodeResources.Networks entry of that mode ("" = "host"). */
bool feasible_has_network_mode(const struct node *n, const char *mode);
/* A host address with that alias in NodeResources.NodeNetworks. */
bool feasible_has_host_network(const struct node *n, const char *alias);
/* A static host volume for the request: HostVolumes[source] (source +
 * "[<index>]" of alloc_name for per_alloc requests) that is not read-only
 * unless the request is; sticky requests need dynamic volumes, which
 * steppe does not have, and fail. */
bool feasible_has_host_volume(const struct node *n,
                              const struct volume_request *req,
                              const char *alloc_name);

/* Enough healthy device instances for every device the group's tasks
 * request (Name "<type>", "<vendor>/<type>" or "<vendor>/<type>/<name>",
 * Count instances each) in NodeResources.Devices ([{Vendor, Type, Name,
 * Instances: [{ID, Healthy}]}]). Device constraints and affinities are not
 * evaluated. */
bool feasible_has_devices(const struct node *n, const struct task_group *tg);

/* ---- the checks of one task group --------------------------------------- */

/* A job version and one of its groups, compiled: constraint strings,
 * drivers, network ask, volume requests, distinct_hosts flags and
 * distinct_property sets. Borrows ctx, job and tg: they must outlive it. */
struct feasible_group;

/* Returns 0 or ERR_NOMEM (*out NULL). */
int feasible_group_create(struct sched_ctx *ctx, const struct job *job,
                          const struct task_group *tg,
                          struct feasible_group **out);
void feasible_group_destroy(struct feasible_group *g);

/* Step 1 (job constraints). NULL when n passes, else the filter reason
 * (owned by g, valid until it is destroyed). Depends only on the node. */
const char *feasible_group_check_job(struct feasible_group *g,
                                     const struct node *n);
/* Step 2 (drivers, group and task constraints, devices, network). NULL or
 * the reason, as above. Depends only on the node. */
const char *feasible_group_check_tg(struct feasible_group *g,
                                    const struct node *n);
/* Step 3 (host volumes for the allocation named alloc_name, may be NULL).
 * NULL or the reason. */
const char *feasible_group_check_available(struct feasible_group *g,
                                           const struct node *n,
                                           const char *alloc_name);
/* Step 4 against the context's plan (proposed allocations). Returns 0
 * with *ok set, or ERR_NOMEM. When not ok, why (at least 256 bytes)
 * holds the reason. */
int feasible_group_check_distinct(struct feasible_group *g,
                                  const struct node *n, bool *ok, char *why,
                                  size_t len);

/* Whether the job's / the group's (with its tasks') constraints escape the
 * computed class (see feasible_target_escapes). */
bool feasible_group_job_escaped(const struct feasible_group *g);
bool feasible_group_tg_escaped(const struct feasible_group *g);

#endif
