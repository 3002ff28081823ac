/* scheduler/propset.h: how many allocations of a job (or of one of its
 * groups) use each value of a node property (Nomad's propertySet), for
 * distinct_property constraints and spread blocks.
 *
 * Counted: the job's allocations in the store that are not terminal
 * (server or client), on nodes that have the property, plus the plan's
 * placements that are not terminal, minus the plan's stops (never below
 * zero), restricted to one group when the set is for a group. With spread
 * targets, values that are not a target are counted together under "*".
 * The set follows the plan through its change log (plan_ops), so each
 * query costs O(1) amortised. */
#ifndef STEPPE_SCHEDULER_PROPSET_H
#define STEPPE_SCHEDULER_PROPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/sched.h"
#include "structs/structs.h"

/* The value that stands for every value that is not a spread target. */
#define PROPSET_IMPLICIT_TARGET "*"

struct propset;

/* A set over attribute (a constraint target such as "${meta.rack}") for
 * job's allocations, only group tg's when tg is non-NULL. targets (may be
 * NULL) lists the spread target values. allowed is the distinct_property
 * limit (0 for spreads). The store and plan are the context's. Returns 0
 * or ERR_NOMEM. */
int propset_create(struct sched_ctx *ctx, const struct job *job, const char *tg,
                   const char *attribute, const struct strlist *targets,
                   uint64_t allowed, struct propset **out);
/* A distinct_property set from its constraint: allowed = RTarget parsed as
 * an unsigned integer (1 when empty). An RTarget that does not parse makes
 * every check fail with Nomad's reason `failed to convert RTarget "x" to
 * uint64: strconv.ParseUint: parsing "x": invalid syntax`. */
int propset_create_distinct(struct sched_ctx *ctx, const struct job *job,
                            const char *tg, const struct constraint *c,
                            struct propset **out);
void propset_destroy(struct propset *ps);

const char *propset_attribute(const struct propset *ps);

/* Nomad's UsedCount: the node's (targeted) property value and how many
 * counted allocations use it. Returns 0 with *found false and why set
 * (`missing property "${meta.rack}"`, or the build error) when the node
 * lacks the property; ERR_NOMEM on allocation failure. *value points into
 * the node or the set. why needs 256 bytes. */
int propset_used(struct propset *ps, const struct node *n, bool *found,
                 const char **value, uint64_t *count, char *why, size_t len);

/* distinct_property: the value's count is below the allowed count.
 * Returns 0 with *ok and, when not ok, why ("distinct_property:
 * ${meta.rack}=r1 used by 1 allocs"), or ERR_NOMEM. */
int propset_satisfies(struct propset *ps, const struct node *n, bool *ok,
                      char *why, size_t len);

/* For even spread scoring: how many values were ever counted (including
 * values whose count dropped to zero through stops), the smallest non-zero
 * count (0 when all are zero) and the largest count. Returns 0 or
 * ERR_NOMEM. */
int propset_min_max(struct propset *ps, uint64_t *min, uint64_t *max,
                    size_t *nvalues);

#endif
