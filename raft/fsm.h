/* raft/fsm.h: the replicated state machine. A log entry is one type byte
 * and a msgpack body; applying it changes the state store. Apply is
 * deterministic: no clocks, no randomness, no I/O. Timestamps and IDs are
 * chosen by the leader before the entry is written and travel in the body.
 *
 * Type numbers are append-only: never renumber or reuse one. */
#ifndef STEPPE_RAFT_FSM_H
#define STEPPE_RAFT_FSM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "structs/structs.h"

struct store;

enum fsm_type {
	FSM_JOB_REGISTER = 1,
	FSM_JOB_DEREGISTER = 2,
	FSM_EVAL_UPSERT = 3,
	FSM_EVAL_DELETE = 4,
	FSM_ALLOC_PLAN = 5,
	FSM_ALLOC_CLIENT_UPDATE = 6,
	FSM_NODE_REGISTER = 7,
	FSM_NODE_DEREGISTER = 8,
	FSM_NODE_STATUS = 9,
	FSM_NODE_DRAIN = 10,
	FSM_NODE_ELIGIBILITY = 11,
	FSM_ACL_BOOTSTRAP = 12,
	FSM_ACL_POLICY_UPSERT = 13,
	FSM_ACL_POLICY_DELETE = 14,
	FSM_ACL_TOKEN_UPSERT = 15,
	FSM_ACL_TOKEN_DELETE = 16,
	FSM_NAMESPACE_UPSERT = 17,
	FSM_NAMESPACE_DELETE = 18,
	FSM_VARIABLE_SET = 19,
	FSM_VARIABLE_DELETE = 20,
	FSM_SERVICE_UPSERT = 21,
	FSM_SERVICE_DELETE = 22,
	FSM_KEYRING = 23,
	FSM_NOOP = 24, /* written by a new leader to commit its term */
	FSM_ALLOC_TRANSITION = 25,    /* the drainer: DesiredTransition */
	FSM_NODE_REGISTER_BATCH = 26, /* Node.Register calls batched */
};

/* Job.Register: the job (SubmitTime set by the leader) and the evaluation
 * that schedules it (absent for periodic/parameterized parents). */
#define FSM_JOB_REGISTER_FIELDS(X, S)        \
	X(S, Job, job, STRUCT, job, NULL, 0) \
	X(S, Eval, eval, PTR, evaluation, NULL, 0)
SCHEMA_DECLARE(fsm_job_register, FSM_JOB_REGISTER_FIELDS);

/* Job.Deregister: stop (a new version with Stop = true) or purge. */
#define FSM_JOB_DEREGISTER_FIELDS(X, S)                   \
	X(S, Namespace, ns, STR, _, NULL, 0)              \
	X(S, JobID, job_id, STR, _, NULL, 0)              \
	X(S, Purge, purge, BOOL, _, NULL, 0)              \
	X(S, SubmitTime, submit_time, NSTIME, _, NULL, 0) \
	X(S, Eval, eval, PTR, evaluation, NULL, 0)
SCHEMA_DECLARE(fsm_job_deregister, FSM_JOB_DEREGISTER_FIELDS);

/* Evaluations written or removed in one entry. */
#define FSM_EVALS_FIELDS(X, S)                        \
	X(S, Evals, evals, LIST, evaluation, NULL, 0) \
	X(S, IDs, ids, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(fsm_evals, FSM_EVALS_FIELDS);

/* Node.Register: the node as the leader prepared it. On an existing node
 * the FSM keeps its drain strategy, eligibility, LastDrain and events (the
 * register event is appended). Evals: node-update evaluations. */
#define FSM_NODE_REGISTER_FIELDS(X, S)                   \
	X(S, Node, node, STRUCT, node, NULL, 0)          \
	X(S, NodeEvent, event, PTR, node_event, NULL, 0) \
	X(S, Evals, evals, LIST, evaluation, NULL, 0)
SCHEMA_DECLARE(fsm_node_register, FSM_NODE_REGISTER_FIELDS);

/* Node.Register calls that reached the leader together, applied in order
 * as FSM_NODE_REGISTER entries would be (server/reg_batch.c). */
#define FSM_NODE_REGISTERS_FIELDS(X, S) \
	X(S, Registrations, regs, LIST, fsm_node_register, NULL, 0)
SCHEMA_DECLARE(fsm_node_registers, FSM_NODE_REGISTERS_FIELDS);

/* Node status, drain, eligibility and deregistration changes. Which fields
 * matter depends on the entry type: FSM_NODE_STATUS (Status), FSM_NODE_DRAIN
 * (DrainStrategy, MarkEligible), FSM_NODE_ELIGIBILITY (Eligibility),
 * FSM_NODE_DEREGISTER (NodeIDs). UpdatedAt is Unix seconds. */
#define FSM_NODE_UPDATE_FIELDS(X, S)                             \
	X(S, NodeID, node_id, STR, _, NULL, 0)                   \
	X(S, NodeIDs, node_ids, STRLIST, _, NULL, 0)             \
	X(S, Status, status, STR, _, NULL, 0)                    \
	X(S, Eligibility, eligibility, STR, _, NULL, 0)          \
	X(S, DrainStrategy, drain, PTR, drain_strategy, NULL, 0) \
	X(S, MarkEligible, mark_eligible, BOOL, _, NULL, 0)      \
	X(S, NodeEvent, event, PTR, node_event, NULL, 0)         \
	X(S, UpdatedAt, updated_at, INT, _, NULL, 0)             \
	X(S, Evals, evals, LIST, evaluation, NULL, 0)            \
	X(S, Drainer, drainer, BOOL, _, NULL, 0)                 \
	X(S, DrainStartedAt, drain_started_at, TIME, _, NULL, 0)
SCHEMA_DECLARE(fsm_node_update, FSM_NODE_UPDATE_FIELDS);
/* FSM_NODE_DRAIN: with DrainStrategy set and Drainer, the leader's drainer
 * moves the allocations (server/drainer.c); without Drainer (entries
 * written before it existed) every allocation is marked at once. Without
 * DrainStrategy and with DrainStartedAt, the drainer reports the drain
 * that started then complete: nothing happens if another drain replaced
 * it meanwhile. */

/* FSM_ALLOC_TRANSITION (Nomad's AllocUpdateDesiredTransitionRequest):
 * DesiredTransition.Migrate for the allocations, and the evaluations that
 * act on it. */
#define FSM_ALLOC_TRANSITION_FIELDS(X, S)              \
	X(S, AllocIDs, alloc_ids, STRLIST, _, NULL, 0) \
	X(S, Migrate, migrate, BOOL, _, NULL, 0)       \
	X(S, Evals, evals, LIST, evaluation, NULL, 0)
SCHEMA_DECLARE(fsm_alloc_transition, FSM_ALLOC_TRANSITION_FIELDS);

/* A committed plan (Nomad's ApplyPlanResultsRequest): the job once, the
 * allocations to place or update in place (without their Job: the FSM
 * attaches Job), the stops and preemptions as diffs (ID, DesiredStatus,
 * DesiredDescription, ClientStatus, FollowupEvalID, ModifyTime,
 * PreemptedByAllocation), and evaluations to write (the evaluation's
 * outcome, blocked and follow-up evaluations). */
#define FSM_PLAN_FIELDS(X, S)                                       \
	X(S, EvalID, eval_id, STR, _, NULL, 0)                      \
	X(S, Job, job, PTR, job, NULL, 0)                           \
	X(S, AllocsUpdated, updated, LIST, allocation, NULL, 0)     \
	X(S, AllocsStopped, stopped, LIST, allocation, NULL, 0)     \
	X(S, AllocsPreempted, preempted, LIST, allocation, NULL, 0) \
	X(S, Evals, evals, LIST, evaluation, NULL, 0)
SCHEMA_DECLARE(fsm_plan, FSM_PLAN_FIELDS);

/* Node.UpdateAlloc: client-side fields of allocations (ClientStatus,
 * ClientDescription, TaskStates, DeploymentStatus, NetworkStatus,
 * ModifyTime) and the evaluations they trigger (failed allocations). */
#define FSM_ALLOC_UPDATE_FIELDS(X, S)                  \
	X(S, Alloc, allocs, LIST, allocation, NULL, 0) \
	X(S, Evals, evals, LIST, evaluation, NULL, 0)
SCHEMA_DECLARE(fsm_alloc_update, FSM_ALLOC_UPDATE_FIELDS);

/* The schema of a type's body; NULL for unknown or bodiless types. */
const struct schema *fsm_body_schema(uint8_t type);

/* Encodes [type][body] into out (appends). */
int fsm_encode(uint8_t type, const struct schema *s, const void *body,
               struct buf *out);

/* Applies one entry at index. An entry that cannot be decoded, or whose
 * type is unknown, changes nothing and returns an error (logged by the
 * caller): every server skips it the same way. */
int fsm_apply(struct store *s, uint64_t index, const void *data, size_t len,
              struct err *e);

/* The leader's own FSM_ALLOC_PLAN entry, applied from what it encoded
 * instead of decoding it again: body is the entry's (shallow) body, and
 * places[i] the plan's own allocation behind body->updated.v[i]. A new
 * allocation's contents move from places[i] into the store, which leaves
 * places[i] an empty shell (ID NULL: its plan no longer holds it, the
 * store does) and keeps only the chosen node's score in its Metrics, as
 * the encoded entry does; updates of stored allocations are copied from
 * body. The store ends up as fsm_apply of the encoded body leaves it
 * (tests/unit/test_plan_entries.c compares both). */
struct fsm_plan_local {
	struct fsm_plan *body;
	struct allocation *const *places;
};
int fsm_plan_apply_local(struct store *s, uint64_t index,
                         const struct fsm_plan_local *l);

/* Nomad's job status from state (getJobStatus): system, periodic and
 * parameterized jobs are "running" unless stopped; otherwise "running"
 * with a non-terminal allocation, "pending" with a non-terminal
 * evaluation, "dead" when stopped or when everything is terminal. */
const char *fsm_job_status(const struct store *s, const struct job *job);

/* ---- appliers in other files (raft/fsm_*.c) ------------------------------ */

/* Writes evs and refreshes the status of their jobs. */
int fsm_put_evals(struct store *s, uint64_t index, const struct evaluation *evs,
                  size_t n);
/* Recomputes a job's Status from state after its allocations or
 * evaluations changed. */
int fsm_refresh_job_status(struct store *s, uint64_t index, const char *ns,
                           const char *id);
int fsm_node_register(struct store *s, uint64_t index, void *body);
int fsm_node_registers(struct store *s, uint64_t index, void *body);
int fsm_node_update(struct store *s, uint64_t index, uint8_t type, void *body);
int fsm_plan_apply(struct store *s, uint64_t index, void *body);
int fsm_alloc_update(struct store *s, uint64_t index, void *body);
int fsm_alloc_transition(struct store *s, uint64_t index, void *body);

#endif
