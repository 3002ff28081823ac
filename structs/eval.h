/* structs/eval.h: evaluations, the scheduler's unit of work.
 *
 * Evaluation is "omit empty" on the wire, as in Nomad. FailedTGAllocs maps
 * a group name to the metrics of its failed placement. QueuedAllocations
 * (group -> count) and ClassEligibility (computed class -> bool) are Go maps
 * of scalars: free-form VALUE maps here (see alloc_metric_count_add).
 * LeaderACL is the leader's token for RPCs back to itself and never leaves
 * the server (SF_NOJSON). */
#ifndef STEPPE_STRUCTS_EVAL_H
#define STEPPE_STRUCTS_EVAL_H

#include <stdbool.h>

#include "structs/alloc.h"
#include "structs/schema.h"
#include "structs/status.h"

/* The shape of RelatedEvals entries and of eval list stubs. */
#define EVALUATION_STUB_FIELDS(X, S)                                 \
	X(S, ID, id, STR, _, NULL, 0)                                \
	X(S, Namespace, namespace, STR, _, NULL, 0)                  \
	X(S, Priority, priority, INT, _, NULL, 0)                    \
	X(S, Type, type, STR, _, NULL, 0)                            \
	X(S, TriggeredBy, triggered_by, STR, _, NULL, 0)             \
	X(S, JobID, job_id, STR, _, NULL, 0)                         \
	X(S, NodeID, node_id, STR, _, NULL, 0)                       \
	X(S, DeploymentID, deployment_id, STR, _, NULL, 0)           \
	X(S, Status, status, STR, _, NULL, 0)                        \
	X(S, StatusDescription, status_description, STR, _, NULL, 0) \
	X(S, WaitUntil, wait_until, TIME, _, NULL, 0)                \
	X(S, NextEval, next_eval, STR, _, NULL, 0)                   \
	X(S, PreviousEval, previous_eval, STR, _, NULL, 0)           \
	X(S, BlockedEval, blocked_eval, STR, _, NULL, 0)             \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)            \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)            \
	X(S, CreateTime, create_time, NSTIME, _, NULL, 0)            \
	X(S, ModifyTime, modify_time, NSTIME, _, NULL, 0)
SCHEMA_DECLARE(evaluation_stub, EVALUATION_STUB_FIELDS);

#define EVALUATION_FIELDS(X, S)                                               \
	X(S, ID, id, STR, _, NULL, 0)                                         \
	X(S, Namespace, namespace, STR, _, NULL, 0)                           \
	X(S, Priority, priority, INT, _, NULL, 0)                             \
	X(S, Type, type, STR, _, NULL, 0)                                     \
	X(S, TriggeredBy, triggered_by, STR, _, NULL, 0)                      \
	X(S, JobID, job_id, STR, _, NULL, 0)                                  \
	X(S, JobModifyIndex, job_modify_index, UINT, _, NULL, 0)              \
	X(S, NodeID, node_id, STR, _, NULL, 0)                                \
	X(S, NodeModifyIndex, node_modify_index, UINT, _, NULL, 0)            \
	X(S, DeploymentID, deployment_id, STR, _, NULL, 0)                    \
	X(S, Status, status, STR, _, NULL, 0)                                 \
	X(S, StatusDescription, status_description, STR, _, NULL, 0)          \
	X(S, Wait, wait, DUR, _, NULL, 0)                                     \
	X(S, WaitUntil, wait_until, TIME, _, NULL, 0)                         \
	X(S, NextEval, next_eval, STR, _, NULL, 0)                            \
	X(S, PreviousEval, previous_eval, STR, _, NULL, 0)                    \
	X(S, BlockedEval, blocked_eval, STR, _, NULL, 0)                      \
	X(S, RelatedEvals, related_evals, LIST, evaluation_stub, NULL, 0)     \
	X(S, FailedTGAllocs, failed_tg_allocs, MAP, alloc_metric, NULL, 0)    \
	X(S, PlanAnnotations, plan_annotations, VALUE, _, NULL, 0)            \
	X(S, ClassEligibility, class_eligibility, VALUE, _, NULL, 0)          \
	X(S, QuotaLimitReached, quota_limit_reached, STR, _, NULL, 0)         \
	X(S, MissingNonNodeResources, missing_non_node_resources, STRLIST, _, \
	  NULL, 0)                                                            \
	X(S, EscapedComputedClass, escaped_computed_class, BOOL, _, NULL, 0)  \
	X(S, AnnotatePlan, annotate_plan, BOOL, _, NULL, 0)                   \
	X(S, QueuedAllocations, queued_allocations, VALUE, _, NULL, 0)        \
	X(S, LeaderACL, leader_acl, STR, _, NULL, SF_NOJSON)                  \
	X(S, SnapshotIndex, snapshot_index, UINT, _, NULL, 0)                 \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)                     \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)                     \
	X(S, CreateTime, create_time, NSTIME, _, NULL, 0)                     \
	X(S, ModifyTime, modify_time, NSTIME, _, NULL, 0)
SCHEMA_DECLARE(evaluation, EVALUATION_FIELDS);

/* "complete", "failed" or "canceled": the eval will not run again. */
bool eval_status_terminal(const char *status);
bool evaluation_terminal(const struct evaluation *e);
/* Fills a stub from an evaluation (copies strings). 0 or ERR_NOMEM; on
 * error the stub is released. */
int evaluation_stub_from(struct evaluation_stub *stub,
                         const struct evaluation *e);
/* Releases and frees a heap evaluation (NULL is fine). */
void evaluation_free(struct evaluation *e);

#endif
