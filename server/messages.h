/* server/messages.h: the arguments and replies of the server's RPC
 * endpoints (the Args and Reply of rpc/ envelopes). Names follow Nomad's
 * structs (JobRegisterRequest, JobRegisterResponse, ...), trimmed to what
 * steppe uses. The HTTP API reshapes some of them into Nomad's JSON (for
 * example /v1/jobs answers the bare list of stubs). */
#ifndef STEPPE_SERVER_MESSAGES_H
#define STEPPE_SERVER_MESSAGES_H

#include "structs/structs.h"

#define JOB_REGISTER_REQUEST_FIELDS(X, S)                              \
	X(S, Job, job, STRUCT, job, NULL, 0)                           \
	X(S, EnforceIndex, enforce_index, BOOL, _, NULL, 0)            \
	X(S, JobModifyIndex, job_modify_index, UINT, _, NULL, 0)       \
	X(S, EvalPriority, eval_priority, INT, _, NULL, 0)             \
	X(S, PreserveCounts, preserve_counts, BOOL, _, NULL, 0)
SCHEMA_DECLARE(job_register_request, JOB_REGISTER_REQUEST_FIELDS);

#define JOB_REGISTER_RESPONSE_FIELDS(X, S)                             \
	X(S, EvalID, eval_id, STR, _, NULL, 0)                         \
	X(S, EvalCreateIndex, eval_create_index, UINT, _, NULL, 0)     \
	X(S, JobModifyIndex, job_modify_index, UINT, _, NULL, 0)       \
	X(S, Warnings, warnings, STR, _, NULL, 0)                      \
	X(S, Index, index, UINT, _, NULL, 0)
SCHEMA_DECLARE(job_register_response, JOB_REGISTER_RESPONSE_FIELDS);

#define JOB_DEREGISTER_REQUEST_FIELDS(X, S)                            \
	X(S, JobID, job_id, STR, _, NULL, 0)                           \
	X(S, Purge, purge, BOOL, _, NULL, 0)                           \
	X(S, EvalPriority, eval_priority, INT, _, NULL, 0)
SCHEMA_DECLARE(job_deregister_request, JOB_DEREGISTER_REQUEST_FIELDS);

/* Job.GetJob, Job.GetJobVersions, Job.Evaluations, Eval.GetEval. */
#define ID_REQUEST_FIELDS(X, S)                                        \
	X(S, ID, id, STR, _, NULL, 0)                                  \
	X(S, Prefix, prefix, STR, _, NULL, 0)
SCHEMA_DECLARE(id_request, ID_REQUEST_FIELDS);

#define JOB_LIST_STUB_FIELDS(X, S)                                     \
	X(S, ID, id, STR, _, NULL, 0)                                  \
	X(S, ParentID, parent_id, STR, _, NULL, 0)                     \
	X(S, Name, name, STR, _, NULL, 0)                              \
	X(S, Namespace, namespace, STR, _, NULL, 0)                    \
	X(S, Datacenters, datacenters, STRLIST, _, NULL, SF_NONNULL)   \
	X(S, NodePool, node_pool, STR, _, NULL, 0)                     \
	X(S, Type, type, STR, _, NULL, 0)                              \
	X(S, Priority, priority, INT, _, NULL, 0)                      \
	X(S, Periodic, periodic, BOOL, _, NULL, 0)                     \
	X(S, ParameterizedJob, parameterized_job, BOOL, _, NULL, 0)    \
	X(S, Stop, stop, BOOL, _, NULL, 0)                             \
	X(S, Status, status, STR, _, NULL, 0)                          \
	X(S, StatusDescription, status_description, STR, _, NULL, 0)   \
	X(S, JobSummary, job_summary, VALUE, _, NULL, 0)               \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)              \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)              \
	X(S, JobModifyIndex, job_modify_index, UINT, _, NULL, 0)       \
	X(S, SubmitTime, submit_time, NSTIME, _, NULL, 0)
SCHEMA_DECLARE(job_list_stub, JOB_LIST_STUB_FIELDS);

#define JOB_LIST_RESPONSE_FIELDS(X, S)                                 \
	X(S, Jobs, jobs, LIST, job_list_stub, NULL, SF_NONNULL)
SCHEMA_DECLARE(job_list_response, JOB_LIST_RESPONSE_FIELDS);

#define SINGLE_JOB_RESPONSE_FIELDS(X, S)                               \
	X(S, Job, job, PTR, job, NULL, 0)
SCHEMA_DECLARE(single_job_response, SINGLE_JOB_RESPONSE_FIELDS);

#define JOB_VERSIONS_RESPONSE_FIELDS(X, S)                             \
	X(S, Versions, versions, LIST, job, NULL, SF_NONNULL)
SCHEMA_DECLARE(job_versions_response, JOB_VERSIONS_RESPONSE_FIELDS);

#define EVAL_LIST_RESPONSE_FIELDS(X, S)                                \
	X(S, Evaluations, evaluations, LIST, evaluation, NULL, SF_NONNULL)
SCHEMA_DECLARE(eval_list_response, EVAL_LIST_RESPONSE_FIELDS);

#define SINGLE_EVAL_RESPONSE_FIELDS(X, S)                              \
	X(S, Eval, eval, PTR, evaluation, NULL, 0)
SCHEMA_DECLARE(single_eval_response, SINGLE_EVAL_RESPONSE_FIELDS);

#define STATUS_LEADER_RESPONSE_FIELDS(X, S)                            \
	X(S, Leader, leader, STR, _, NULL, 0)
SCHEMA_DECLARE(status_leader_response, STATUS_LEADER_RESPONSE_FIELDS);

#define STATUS_PEERS_RESPONSE_FIELDS(X, S)                             \
	X(S, Peers, peers, STRLIST, _, NULL, SF_NONNULL)
SCHEMA_DECLARE(status_peers_response, STATUS_PEERS_RESPONSE_FIELDS);

/* /v1/operator/raft/configuration */
#define RAFT_SERVER_FIELDS(X, S)                                       \
	X(S, ID, id, STR, _, NULL, 0)                                  \
	X(S, Node, node, STR, _, NULL, 0)                              \
	X(S, Address, address, STR, _, NULL, 0)                        \
	X(S, Leader, leader, BOOL, _, NULL, 0)                         \
	X(S, Voter, voter, BOOL, _, NULL, 0)                           \
	X(S, RaftProtocol, raft_protocol, STR, _, NULL, 0)
SCHEMA_DECLARE(raft_server, RAFT_SERVER_FIELDS);

#define RAFT_CONFIGURATION_FIELDS(X, S)                                \
	X(S, Index, index, UINT, _, NULL, 0)                           \
	X(S, Servers, servers, LIST, raft_server, NULL, SF_NONNULL)
SCHEMA_DECLARE(raft_configuration_response, RAFT_CONFIGURATION_FIELDS);

#define RAFT_PEER_REQUEST_FIELDS(X, S) X(S, ID, id, STR, _, NULL, 0)
SCHEMA_DECLARE(raft_peer_request, RAFT_PEER_REQUEST_FIELDS);

#endif
