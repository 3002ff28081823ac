/* server/messages.h: the arguments and replies of the server's RPC
 * endpoints (the Args and Reply of rpc/ envelopes). Names follow Nomad's
 * structs (JobRegisterRequest, JobRegisterResponse, ...), trimmed to what
 * steppe uses. The HTTP API reshapes some of them into Nomad's JSON (for
 * example /v1/jobs answers the bare list of stubs). */
#ifndef STEPPE_SERVER_MESSAGES_H
#define STEPPE_SERVER_MESSAGES_H

#include "structs/structs.h"

#define JOB_REGISTER_REQUEST_FIELDS(X, S)                        \
	X(S, Job, job, STRUCT, job, NULL, 0)                     \
	X(S, EnforceIndex, enforce_index, BOOL, _, NULL, 0)      \
	X(S, JobModifyIndex, job_modify_index, UINT, _, NULL, 0) \
	X(S, EvalPriority, eval_priority, INT, _, NULL, 0)       \
	X(S, PreserveCounts, preserve_counts, BOOL, _, NULL, 0)
SCHEMA_DECLARE(job_register_request, JOB_REGISTER_REQUEST_FIELDS);

#define JOB_REGISTER_RESPONSE_FIELDS(X, S)                         \
	X(S, EvalID, eval_id, STR, _, NULL, 0)                     \
	X(S, EvalCreateIndex, eval_create_index, UINT, _, NULL, 0) \
	X(S, JobModifyIndex, job_modify_index, UINT, _, NULL, 0)   \
	X(S, Warnings, warnings, STR, _, NULL, 0)                  \
	X(S, Index, index, UINT, _, NULL, 0)
SCHEMA_DECLARE(job_register_response, JOB_REGISTER_RESPONSE_FIELDS);

#define JOB_DEREGISTER_REQUEST_FIELDS(X, S)  \
	X(S, JobID, job_id, STR, _, NULL, 0) \
	X(S, Purge, purge, BOOL, _, NULL, 0) \
	X(S, EvalPriority, eval_priority, INT, _, NULL, 0)
SCHEMA_DECLARE(job_deregister_request, JOB_DEREGISTER_REQUEST_FIELDS);

/* Job.GetJob, Job.GetJobVersions, Job.Evaluations, Eval.GetEval. */
#define ID_REQUEST_FIELDS(X, S)       \
	X(S, ID, id, STR, _, NULL, 0) \
	X(S, Prefix, prefix, STR, _, NULL, 0)
SCHEMA_DECLARE(id_request, ID_REQUEST_FIELDS);

#define JOB_LIST_STUB_FIELDS(X, S)                                   \
	X(S, ID, id, STR, _, NULL, 0)                                \
	X(S, ParentID, parent_id, STR, _, NULL, 0)                   \
	X(S, Name, name, STR, _, NULL, 0)                            \
	X(S, Namespace, namespace, STR, _, NULL, 0)                  \
	X(S, Datacenters, datacenters, STRLIST, _, NULL, SF_NONNULL) \
	X(S, NodePool, node_pool, STR, _, NULL, 0)                   \
	X(S, Type, type, STR, _, NULL, 0)                            \
	X(S, Priority, priority, INT, _, NULL, 0)                    \
	X(S, Periodic, periodic, BOOL, _, NULL, 0)                   \
	X(S, ParameterizedJob, parameterized_job, BOOL, _, NULL, 0)  \
	X(S, Stop, stop, BOOL, _, NULL, 0)                           \
	X(S, Status, status, STR, _, NULL, 0)                        \
	X(S, StatusDescription, status_description, STR, _, NULL, 0) \
	X(S, JobSummary, job_summary, VALUE, _, NULL, 0)             \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)            \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)            \
	X(S, JobModifyIndex, job_modify_index, UINT, _, NULL, 0)     \
	X(S, SubmitTime, submit_time, NSTIME, _, NULL, 0)
SCHEMA_DECLARE(job_list_stub, JOB_LIST_STUB_FIELDS);

#define JOB_LIST_RESPONSE_FIELDS(X, S) \
	X(S, Jobs, jobs, LIST, job_list_stub, NULL, SF_NONNULL)
SCHEMA_DECLARE(job_list_response, JOB_LIST_RESPONSE_FIELDS);

#define SINGLE_JOB_RESPONSE_FIELDS(X, S) X(S, Job, job, PTR, job, NULL, 0)
SCHEMA_DECLARE(single_job_response, SINGLE_JOB_RESPONSE_FIELDS);

#define JOB_VERSIONS_RESPONSE_FIELDS(X, S) \
	X(S, Versions, versions, LIST, job, NULL, SF_NONNULL)
SCHEMA_DECLARE(job_versions_response, JOB_VERSIONS_RESPONSE_FIELDS);

#define EVAL_LIST_RESPONSE_FIELDS(X, S) \
	X(S, Evaluations, evaluations, LIST, evaluation, NULL, SF_NONNULL)
SCHEMA_DECLARE(eval_list_response, EVAL_LIST_RESPONSE_FIELDS);

#define SINGLE_EVAL_RESPONSE_FIELDS(X, S) \
	X(S, Eval, eval, PTR, evaluation, NULL, 0)
SCHEMA_DECLARE(single_eval_response, SINGLE_EVAL_RESPONSE_FIELDS);

#define STATUS_LEADER_RESPONSE_FIELDS(X, S) \
	X(S, Leader, leader, STR, _, NULL, 0)
SCHEMA_DECLARE(status_leader_response, STATUS_LEADER_RESPONSE_FIELDS);

#define STATUS_PEERS_RESPONSE_FIELDS(X, S) \
	X(S, Peers, peers, STRLIST, _, NULL, SF_NONNULL)
SCHEMA_DECLARE(status_peers_response, STATUS_PEERS_RESPONSE_FIELDS);

/* /v1/operator/raft/configuration */
#define RAFT_SERVER_FIELDS(X, S)                \
	X(S, ID, id, STR, _, NULL, 0)           \
	X(S, Node, node, STR, _, NULL, 0)       \
	X(S, Address, address, STR, _, NULL, 0) \
	X(S, Leader, leader, BOOL, _, NULL, 0)  \
	X(S, Voter, voter, BOOL, _, NULL, 0)    \
	X(S, RaftProtocol, raft_protocol, STR, _, NULL, 0)
SCHEMA_DECLARE(raft_server, RAFT_SERVER_FIELDS);

#define RAFT_CONFIGURATION_FIELDS(X, S)      \
	X(S, Index, index, UINT, _, NULL, 0) \
	X(S, Servers, servers, LIST, raft_server, NULL, SF_NONNULL)
SCHEMA_DECLARE(raft_configuration_response, RAFT_CONFIGURATION_FIELDS);

#define RAFT_PEER_REQUEST_FIELDS(X, S) X(S, ID, id, STR, _, NULL, 0)
SCHEMA_DECLARE(raft_peer_request, RAFT_PEER_REQUEST_FIELDS);

/* ---- nodes -------------------------------------------------------------- */

/* Node.Register (Nomad's NodeRegisterRequest). */
#define NODE_REGISTER_REQUEST_FIELDS(X, S) \
	X(S, Node, node, STRUCT, node, NULL, 0)
SCHEMA_DECLARE(node_register_request, NODE_REGISTER_REQUEST_FIELDS);

/* A server a client may talk to. */
#define NODE_SERVER_INFO_FIELDS(X, S)                               \
	X(S, RPCAdvertiseAddr, rpc_advertise_addr, STR, _, NULL, 0) \
	X(S, Datacenter, datacenter, STR, _, NULL, 0)
SCHEMA_DECLARE(node_server_info, NODE_SERVER_INFO_FIELDS);

/* The answer to every node write (Nomad's NodeUpdateResponse and
 * NodeDrainUpdateResponse / NodeEligibilityUpdateResponse). */
#define NODE_UPDATE_RESPONSE_FIELDS(X, S)                          \
	X(S, HeartbeatTTL, heartbeat_ttl, DUR, _, NULL, 0)         \
	X(S, EvalIDs, eval_ids, STRLIST, _, NULL, SF_NONNULL)      \
	X(S, EvalCreateIndex, eval_create_index, UINT, _, NULL, 0) \
	X(S, NodeModifyIndex, node_modify_index, UINT, _, NULL, 0) \
	X(S, LeaderRPCAddr, leader_rpc_addr, STR, _, NULL, 0)      \
	X(S, NumNodes, num_nodes, INT, _, NULL, 0)                 \
	X(S, Servers, servers, LIST, node_server_info, NULL, 0)    \
	X(S, Index, index, UINT, _, NULL, 0)
SCHEMA_DECLARE(node_update_response, NODE_UPDATE_RESPONSE_FIELDS);

/* Node.UpdateStatus (the heartbeat): UpdatedAt is Unix seconds. */
#define NODE_UPDATE_STATUS_REQUEST_FIELDS(X, S)          \
	X(S, NodeID, node_id, STR, _, NULL, 0)           \
	X(S, SecretID, secret_id, STR, _, NULL, 0)       \
	X(S, Status, status, STR, _, NULL, 0)            \
	X(S, NodeEvent, event, PTR, node_event, NULL, 0) \
	X(S, UpdatedAt, updated_at, INT, _, NULL, 0)
SCHEMA_DECLARE(node_update_status_request, NODE_UPDATE_STATUS_REQUEST_FIELDS);

/* Node.GetNode, Node.GetClientAllocs, Node.Deregister, Node.Allocations:
 * one node; SecretID proves a client is that node. */
#define NODE_SPECIFIC_REQUEST_FIELDS(X, S)     \
	X(S, NodeID, node_id, STR, _, NULL, 0) \
	X(S, SecretID, secret_id, STR, _, NULL, 0)
SCHEMA_DECLARE(node_specific_request, NODE_SPECIFIC_REQUEST_FIELDS);

/* Node.UpdateDrain: DrainSpec null cancels a drain. */
#define NODE_UPDATE_DRAIN_REQUEST_FIELDS(X, S)                            \
	X(S, NodeID, node_id, STR, _, NULL, 0)                            \
	X(S, DrainStrategy, drain_strategy, PTR, drain_strategy, NULL, 0) \
	X(S, MarkEligible, mark_eligible, BOOL, _, NULL, 0)               \
	X(S, Meta, meta, STRMAP, _, NULL, 0)
SCHEMA_DECLARE(node_update_drain_request, NODE_UPDATE_DRAIN_REQUEST_FIELDS);

/* Node.UpdateEligibility: "eligible" or "ineligible". */
#define NODE_UPDATE_ELIGIBILITY_REQUEST_FIELDS(X, S) \
	X(S, NodeID, node_id, STR, _, NULL, 0)       \
	X(S, Eligibility, eligibility, STR, _, NULL, 0)
SCHEMA_DECLARE(node_update_eligibility_request,
               NODE_UPDATE_ELIGIBILITY_REQUEST_FIELDS);

/* /v1/nodes entries (Nomad's NodeListStub). Address is the host part of
 * HTTPAddr; Version the attribute nomad.version. */
#define NODE_LIST_STUB_FIELDS(X, S)                                          \
	X(S, Address, address, STR, _, NULL, 0)                              \
	X(S, ID, id, STR, _, NULL, 0)                                        \
	X(S, Attributes, attributes, STRMAP, _, NULL, SF_OMIT)               \
	X(S, Datacenter, datacenter, STR, _, NULL, 0)                        \
	X(S, Name, name, STR, _, NULL, 0)                                    \
	X(S, NodeClass, node_class, STR, _, NULL, 0)                         \
	X(S, NodePool, node_pool, STR, _, NULL, 0)                           \
	X(S, Version, version, STR, _, NULL, 0)                              \
	X(S, Drain, drain, BOOL, _, NULL, 0)                                 \
	X(S, SchedulingEligibility, scheduling_eligibility, STR, _, NULL, 0) \
	X(S, Status, status, STR, _, NULL, 0)                                \
	X(S, StatusDescription, status_description, STR, _, NULL, 0)         \
	X(S, Drivers, drivers, MAP, driver_info, NULL, 0)                    \
	X(S, NodeResources, node_resources, PTR, node_resources, NULL,       \
	  SF_OMIT)                                                           \
	X(S, ReservedResources, reserved_resources, PTR,                     \
	  node_reserved_resources, NULL, SF_OMIT)                            \
	X(S, LastDrain, last_drain, PTR, drain_metadata, NULL, 0)            \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)                    \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(node_list_stub, NODE_LIST_STUB_FIELDS);

/* Node.List: Prefix filters IDs; Resources adds NodeResources and
 * ReservedResources to the stubs. */
#define NODE_LIST_REQUEST_FIELDS(X, S)        \
	X(S, Prefix, prefix, STR, _, NULL, 0) \
	X(S, Resources, resources, BOOL, _, NULL, 0)
SCHEMA_DECLARE(node_list_request, NODE_LIST_REQUEST_FIELDS);

#define NODE_LIST_RESPONSE_FIELDS(X, S) \
	X(S, Nodes, nodes, LIST, node_list_stub, NULL, SF_NONNULL)
SCHEMA_DECLARE(node_list_response, NODE_LIST_RESPONSE_FIELDS);

/* Node.GetNode (SecretID blanked). */
#define SINGLE_NODE_RESPONSE_FIELDS(X, S) X(S, Node, node, PTR, node, NULL, 0)
SCHEMA_DECLARE(single_node_response, SINGLE_NODE_RESPONSE_FIELDS);

/* Node.GetClientAllocs: allocation ID -> AllocModifyIndex, a map of
 * integers (free-form VALUE). */
#define NODE_CLIENT_ALLOCS_RESPONSE_FIELDS(X, S) \
	X(S, Allocs, allocs, VALUE, _, NULL, 0)  \
	X(S, Index, index, UINT, _, NULL, 0)
SCHEMA_DECLARE(node_client_allocs_response, NODE_CLIENT_ALLOCS_RESPONSE_FIELDS);

/* Node.UpdateAlloc: the client's view of its allocations. */
#define ALLOC_UPDATE_REQUEST_FIELDS(X, S) \
	X(S, Alloc, allocs, LIST, allocation, NULL, 0)
SCHEMA_DECLARE(alloc_update_request, ALLOC_UPDATE_REQUEST_FIELDS);

/* ---- allocations -------------------------------------------------------- */

/* /v1/allocations entries (Nomad's AllocListStub). */
#define ALLOC_LIST_STUB_FIELDS(X, S)                                           \
	X(S, ID, id, STR, _, NULL, 0)                                          \
	X(S, EvalID, eval_id, STR, _, NULL, 0)                                 \
	X(S, Name, name, STR, _, NULL, 0)                                      \
	X(S, Namespace, namespace, STR, _, NULL, 0)                            \
	X(S, NodeID, node_id, STR, _, NULL, 0)                                 \
	X(S, NodeName, node_name, STR, _, NULL, 0)                             \
	X(S, JobID, job_id, STR, _, NULL, 0)                                   \
	X(S, JobType, job_type, STR, _, NULL, 0)                               \
	X(S, JobVersion, job_version, UINT, _, NULL, 0)                        \
	X(S, TaskGroup, task_group, STR, _, NULL, 0)                           \
	X(S, AllocatedResources, allocated_resources, PTR,                     \
	  allocated_resources, NULL, SF_OMIT)                                  \
	X(S, DesiredStatus, desired_status, STR, _, NULL, 0)                   \
	X(S, DesiredDescription, desired_description, STR, _, NULL, 0)         \
	X(S, ClientStatus, client_status, STR, _, NULL, 0)                     \
	X(S, ClientDescription, client_description, STR, _, NULL, 0)           \
	X(S, TaskStates, task_states, MAP, task_state, NULL, 0)                \
	X(S, FollowupEvalID, followup_eval_id, STR, _, NULL, 0)                \
	X(S, RescheduleTracker, reschedule_tracker, PTR, reschedule_tracker,   \
	  NULL, 0)                                                             \
	X(S, PreemptedAllocations, preempted_allocations, STRLIST, _, NULL, 0) \
	X(S, PreemptedByAllocation, preempted_by_allocation, STR, _, NULL, 0)  \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)                      \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)                      \
	X(S, CreateTime, create_time, NSTIME, _, NULL, 0)                      \
	X(S, ModifyTime, modify_time, NSTIME, _, NULL, 0)
SCHEMA_DECLARE(alloc_list_stub, ALLOC_LIST_STUB_FIELDS);

/* Alloc.List: Prefix filters IDs (namespace from the envelope, "*" for
 * all); Resources adds AllocatedResources. Job.Allocations and
 * Node.Allocations (full allocations) use id_request / node_specific. */
#define ALLOC_LIST_REQUEST_FIELDS(X, S)       \
	X(S, Prefix, prefix, STR, _, NULL, 0) \
	X(S, Resources, resources, BOOL, _, NULL, 0)
SCHEMA_DECLARE(alloc_list_request, ALLOC_LIST_REQUEST_FIELDS);

#define ALLOC_LIST_RESPONSE_FIELDS(X, S) \
	X(S, Allocations, allocations, LIST, alloc_list_stub, NULL, SF_NONNULL)
SCHEMA_DECLARE(alloc_list_response, ALLOC_LIST_RESPONSE_FIELDS);

/* Alloc.GetAlloc (ID; a unique prefix of 8+ characters also matches). */
#define SINGLE_ALLOC_RESPONSE_FIELDS(X, S) \
	X(S, Alloc, alloc, PTR, allocation, NULL, 0)
SCHEMA_DECLARE(single_alloc_response, SINGLE_ALLOC_RESPONSE_FIELDS);

/* Alloc.GetAllocs (by IDs), Node.Allocations, Job.Allocations: full
 * allocations. */
#define ALLOCS_GET_REQUEST_FIELDS(X, S) \
	X(S, AllocIDs, alloc_ids, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(allocs_get_request, ALLOCS_GET_REQUEST_FIELDS);

#define ALLOCS_RESPONSE_FIELDS(X, S) \
	X(S, Allocs, allocs, LIST, allocation, NULL, SF_NONNULL)
SCHEMA_DECLARE(allocs_response, ALLOCS_RESPONSE_FIELDS);

/* Job.Plan: the job to try and whether to diff. The answer carries the
 * annotations (DesiredTGUpdates per group), the failed placements per
 * group and the index a later `job run -check-index` would need. */
#define JOB_PLAN_REQUEST_FIELDS(X, S)        \
	X(S, Job, job, STRUCT, job, NULL, 0) \
	X(S, Diff, diff, BOOL, _, NULL, 0)
SCHEMA_DECLARE(job_plan_request, JOB_PLAN_REQUEST_FIELDS);

#define JOB_PLAN_RESPONSE_FIELDS(X, S)                                     \
	X(S, Annotations, annotations, VALUE, _, NULL, 0)                  \
	X(S, FailedTGAllocs, failed_tg_allocs, MAP, alloc_metric, NULL, 0) \
	X(S, JobModifyIndex, job_modify_index, UINT, _, NULL, 0)           \
	X(S, CreatedEvals, created_evals, LIST, evaluation, NULL, 0)       \
	X(S, Diff, diff, VALUE, _, NULL, 0)                                \
	X(S, NextPeriodicLaunch, next_periodic_launch, TIME, _, NULL, 0)   \
	X(S, Warnings, warnings, STR, _, NULL, 0)                          \
	X(S, Index, index, UINT, _, NULL, 0)
SCHEMA_DECLARE(job_plan_response, JOB_PLAN_RESPONSE_FIELDS);

/* Job.Scale: Count for Target {"Group": name}. */
#define JOB_SCALE_REQUEST_FIELDS(X, S)           \
	X(S, JobID, job_id, STR, _, NULL, 0)     \
	X(S, Target, target, STRMAP, _, NULL, 0) \
	X(S, Count, count, OPTINT, _, NULL, 0)   \
	X(S, Message, message, STR, _, NULL, 0)  \
	X(S, PolicyOverride, policy_override, BOOL, _, NULL, 0)
SCHEMA_DECLARE(job_scale_request, JOB_SCALE_REQUEST_FIELDS);

#endif
