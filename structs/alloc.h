/* structs/alloc.h: allocations (one placement of a task group on a node),
 * their resources, task states and placement metrics.
 *
 * Allocation is "omit empty" on the wire, as in Nomad: zero fields are left
 * out of its JSON. Count maps of AllocMetric (NodesAvailable, ClassFiltered,
 * ConstraintFiltered, ClassExhausted, DimensionExhausted, Scores) are Go
 * map[string]int / map[string]float64; they are free-form VALUE maps here
 * (a JSON object of numbers) filled through alloc_metric_count_add, since a
 * MAP needs a struct element. ReservedCores lists are VALUE arrays of
 * integers for the same reason. */
#ifndef STEPPE_STRUCTS_ALLOC_H
#define STEPPE_STRUCTS_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "structs/job.h"
#include "structs/schema.h"
#include "structs/status.h"

/* ---- allocated resources ------------------------------------------------ */

#define ALLOCATED_CPU_RESOURCES_FIELDS(X, S)         \
	X(S, CpuShares, cpu_shares, INT, _, NULL, 0) \
	X(S, ReservedCores, reserved_cores, VALUE, _, NULL, 0)
SCHEMA_DECLARE(allocated_cpu_resources, ALLOCATED_CPU_RESOURCES_FIELDS);

#define ALLOCATED_MEMORY_RESOURCES_FIELDS(X, S)    \
	X(S, MemoryMB, memory_mb, INT, _, NULL, 0) \
	X(S, MemoryMaxMB, memory_max_mb, INT, _, NULL, 0)
SCHEMA_DECLARE(allocated_memory_resources, ALLOCATED_MEMORY_RESOURCES_FIELDS);

#define ALLOCATED_DEVICE_RESOURCE_FIELDS(X, S) \
	X(S, Vendor, vendor, STR, _, NULL, 0)  \
	X(S, Type, type, STR, _, NULL, 0)      \
	X(S, Name, name, STR, _, NULL, 0)      \
	X(S, DeviceIDs, device_ids, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(allocated_device_resource, ALLOCATED_DEVICE_RESOURCE_FIELDS);

/* A port as placed: Value is the host port, To the port inside the alloc's
 * network namespace, HostIP the address it is bound on. */
#define ALLOCATED_PORT_MAPPING_FIELDS(X, S)    \
	X(S, Label, label, STR, _, NULL, 0)    \
	X(S, Value, value, INT, _, NULL, 0)    \
	X(S, To, to, INT, _, NULL, 0)          \
	X(S, HostIP, host_ip, STR, _, NULL, 0) \
	X(S, IgnoreCollision, ignore_collision, BOOL, _, NULL, 0)
SCHEMA_DECLARE(allocated_port_mapping, ALLOCATED_PORT_MAPPING_FIELDS);

#define ALLOCATED_TASK_RESOURCES_FIELDS(X, S)                             \
	X(S, Cpu, cpu, STRUCT, allocated_cpu_resources, NULL, 0)          \
	X(S, Memory, memory, STRUCT, allocated_memory_resources, NULL, 0) \
	X(S, Networks, networks, LIST, network_resource, NULL, 0)         \
	X(S, Devices, devices, LIST, allocated_device_resource, NULL, 0)
SCHEMA_DECLARE(allocated_task_resources, ALLOCATED_TASK_RESOURCES_FIELDS);

#define ALLOCATED_SHARED_RESOURCES_FIELDS(X, S)                   \
	X(S, Networks, networks, LIST, network_resource, NULL, 0) \
	X(S, DiskMB, disk_mb, INT, _, NULL, 0)                    \
	X(S, Ports, ports, LIST, allocated_port_mapping, NULL, 0)
SCHEMA_DECLARE(allocated_shared_resources, ALLOCATED_SHARED_RESOURCES_FIELDS);

/* TaskLifecycles has an entry only for tasks with a lifecycle block;
 * Nomad also lists the others with a null value. */
#define ALLOCATED_RESOURCES_FIELDS(X, S)                                    \
	X(S, Tasks, tasks, MAP, allocated_task_resources, NULL, 0)          \
	X(S, TaskLifecycles, task_lifecycles, MAP, task_lifecycle, NULL, 0) \
	X(S, Shared, shared, STRUCT, allocated_shared_resources, NULL, 0)
SCHEMA_DECLARE(allocated_resources, ALLOCATED_RESOURCES_FIELDS);

/* ---- task states -------------------------------------------------------- */

#define TASK_EVENT_FIELDS(X, S)                                     \
	X(S, Type, type, STR, _, NULL, 0)                           \
	X(S, Time, time, NSTIME, _, NULL, 0)                        \
	X(S, Message, message, STR, _, NULL, 0)                     \
	X(S, DisplayMessage, display_message, STR, _, NULL, 0)      \
	X(S, Details, details, STRMAP, _, NULL, 0)                  \
	X(S, FailsTask, fails_task, BOOL, _, NULL, 0)               \
	X(S, RestartReason, restart_reason, STR, _, NULL, 0)        \
	X(S, SetupError, setup_error, STR, _, NULL, 0)              \
	X(S, DriverError, driver_error, STR, _, NULL, 0)            \
	X(S, ExitCode, exit_code, INT, _, NULL, 0)                  \
	X(S, Signal, signal, INT, _, NULL, 0)                       \
	X(S, KillTimeout, kill_timeout, DUR, _, NULL, 0)            \
	X(S, KillError, kill_error, STR, _, NULL, 0)                \
	X(S, KillReason, kill_reason, STR, _, NULL, 0)              \
	X(S, StartDelay, start_delay, INT, _, NULL, 0)              \
	X(S, DownloadError, download_error, STR, _, NULL, 0)        \
	X(S, ValidationError, validation_error, STR, _, NULL, 0)    \
	X(S, DiskLimit, disk_limit, INT, _, NULL, 0)                \
	X(S, FailedSibling, failed_sibling, STR, _, NULL, 0)        \
	X(S, VaultError, vault_error, STR, _, NULL, 0)              \
	X(S, TaskSignalReason, task_signal_reason, STR, _, NULL, 0) \
	X(S, TaskSignal, task_signal, STR, _, NULL, 0)              \
	X(S, DriverMessage, driver_message, STR, _, NULL, 0)        \
	X(S, GenericSource, generic_source, STR, _, NULL, 0)
SCHEMA_DECLARE(task_event, TASK_EVENT_FIELDS);

#define TASK_STATE_FIELDS(X, S)                           \
	X(S, State, state, STR, _, NULL, 0)               \
	X(S, Failed, failed, BOOL, _, NULL, 0)            \
	X(S, Restarts, restarts, UINT, _, NULL, 0)        \
	X(S, LastRestart, last_restart, TIME, _, NULL, 0) \
	X(S, StartedAt, started_at, TIME, _, NULL, 0)     \
	X(S, FinishedAt, finished_at, TIME, _, NULL, 0)   \
	X(S, Events, events, LIST, task_event, NULL, 0)   \
	X(S, Paused, paused, STR, _, NULL, 0)
SCHEMA_DECLARE(task_state, TASK_STATE_FIELDS);

/* ---- placement metrics -------------------------------------------------- */

#define NODE_SCORE_META_FIELDS(X, S)            \
	X(S, NodeID, node_id, STR, _, NULL, 0)  \
	X(S, Scores, scores, VALUE, _, NULL, 0) \
	X(S, NormScore, norm_score, FLOAT, _, NULL, 0)
SCHEMA_DECLARE(node_score_meta, NODE_SCORE_META_FIELDS);

#define ALLOC_METRIC_FIELDS(X, S)                                              \
	X(S, NodesEvaluated, nodes_evaluated, INT, _, NULL, 0)                 \
	X(S, NodesFiltered, nodes_filtered, INT, _, NULL, 0)                   \
	X(S, NodesInPool, nodes_in_pool, INT, _, NULL, 0)                      \
	X(S, NodePool, node_pool, STR, _, NULL, 0)                             \
	X(S, NodesAvailable, nodes_available, VALUE, _, NULL, 0)               \
	X(S, ClassFiltered, class_filtered, VALUE, _, NULL, 0)                 \
	X(S, ConstraintFiltered, constraint_filtered, VALUE, _, NULL, 0)       \
	X(S, NodesExhausted, nodes_exhausted, INT, _, NULL, 0)                 \
	X(S, ClassExhausted, class_exhausted, VALUE, _, NULL, 0)               \
	X(S, DimensionExhausted, dimension_exhausted, VALUE, _, NULL, 0)       \
	X(S, QuotaExhausted, quota_exhausted, STRLIST, _, NULL, 0)             \
	X(S, ResourcesExhausted, resources_exhausted, MAP, resources, NULL, 0) \
	X(S, Scores, scores, VALUE, _, NULL, 0)                                \
	X(S, ScoreMetaData, score_meta_data, LIST, node_score_meta, NULL, 0)   \
	X(S, AllocationTime, allocation_time, DUR, _, NULL, 0)                 \
	X(S, CoalescedFailures, coalesced_failures, INT, _, NULL, 0)
SCHEMA_DECLARE(alloc_metric, ALLOC_METRIC_FIELDS);

/* ---- lifecycle bookkeeping ---------------------------------------------- */

#define RESCHEDULE_EVENT_FIELDS(X, S)                             \
	X(S, RescheduleTime, reschedule_time, NSTIME, _, NULL, 0) \
	X(S, PrevAllocID, prev_alloc_id, STR, _, NULL, 0)         \
	X(S, PrevNodeID, prev_node_id, STR, _, NULL, 0)           \
	X(S, Delay, delay, DUR, _, NULL, 0)
SCHEMA_DECLARE(reschedule_event, RESCHEDULE_EVENT_FIELDS);

#define RESCHEDULE_TRACKER_FIELDS(X, S)                       \
	X(S, Events, events, LIST, reschedule_event, NULL, 0) \
	X(S, LastReschedule, last_reschedule, STR, _, NULL, 0)
SCHEMA_DECLARE(reschedule_tracker, RESCHEDULE_TRACKER_FIELDS);

/* Each field is a *bool in Nomad: unset, true or false. */
#define DESIRED_TRANSITION_FIELDS(X, S)                                      \
	X(S, Migrate, migrate, OPTBOOL, _, NULL, 0)                          \
	X(S, Reschedule, reschedule, OPTBOOL, _, NULL, 0)                    \
	X(S, ForceReschedule, force_reschedule, OPTBOOL, _, NULL, 0)         \
	X(S, NoShutdownDelay, no_shutdown_delay, OPTBOOL, _, NULL, 0)        \
	X(S, MigrateDisablePlacement, migrate_disable_placement, OPTBOOL, _, \
	  NULL, 0)
SCHEMA_DECLARE(desired_transition, DESIRED_TRANSITION_FIELDS);

#define ALLOC_DEPLOYMENT_STATUS_FIELDS(X, S)         \
	X(S, Healthy, healthy, OPTBOOL, _, NULL, 0)  \
	X(S, Timestamp, timestamp, TIME, _, NULL, 0) \
	X(S, Canary, canary, BOOL, _, NULL, 0)       \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(alloc_deployment_status, ALLOC_DEPLOYMENT_STATUS_FIELDS);

#define ALLOC_NETWORK_STATUS_FIELDS(X, S)                    \
	X(S, InterfaceName, interface_name, STR, _, NULL, 0) \
	X(S, Address, address, STR, _, NULL, 0)              \
	X(S, AddressIPv6, address_ipv6, STR, _, NULL, 0)     \
	X(S, DNS, dns, PTR, dns_config, NULL, 0)
SCHEMA_DECLARE(alloc_network_status, ALLOC_NETWORK_STATUS_FIELDS);

/* Field is Nomad's AllocStateField enum (0 = ClientStatus). */
#define ALLOC_STATE_FIELDS(X, S)            \
	X(S, Field, field, INT, _, NULL, 0) \
	X(S, Value, value, STR, _, NULL, 0) \
	X(S, Time, time, TIME, _, NULL, 0)
SCHEMA_DECLARE(alloc_state, ALLOC_STATE_FIELDS);

/* ---- allocation --------------------------------------------------------- */

/* Job is the full job version the allocation runs (denormalised).
 * Resources / SharedResources / TaskResources are Nomad's legacy fields,
 * carried for old clients of the API. SignedIdentities (task name ->
 * signed JWT) never appear in JSON; the API layer also keeps other
 * secrets out. */
#define ALLOCATION_FIELDS(X, S)                                                \
	X(S, ID, id, STR, _, NULL, 0)                                          \
	X(S, Namespace, namespace, STR, _, NULL, 0)                            \
	X(S, EvalID, eval_id, STR, _, NULL, 0)                                 \
	X(S, Name, name, STR, _, NULL, 0)                                      \
	X(S, NodeID, node_id, STR, _, NULL, 0)                                 \
	X(S, NodeName, node_name, STR, _, NULL, 0)                             \
	X(S, JobID, job_id, STR, _, NULL, 0)                                   \
	X(S, Job, job, PTR, job, NULL, 0)                                      \
	X(S, TaskGroup, task_group, STR, _, NULL, 0)                           \
	X(S, Resources, resources, PTR, resources, NULL, 0)                    \
	X(S, SharedResources, shared_resources, PTR, resources, NULL, 0)       \
	X(S, TaskResources, task_resources, MAP, resources, NULL, 0)           \
	X(S, AllocatedResources, allocated_resources, PTR,                     \
	  allocated_resources, NULL, 0)                                        \
	X(S, Metrics, metrics, PTR, alloc_metric, NULL, 0)                     \
	X(S, DesiredStatus, desired_status, STR, _, NULL, 0)                   \
	X(S, DesiredDescription, desired_description, STR, _, NULL, 0)         \
	X(S, DesiredTransition, desired_transition, STRUCT,                    \
	  desired_transition, NULL, 0)                                         \
	X(S, ClientStatus, client_status, STR, _, NULL, 0)                     \
	X(S, ClientDescription, client_description, STR, _, NULL, 0)           \
	X(S, TaskStates, task_states, MAP, task_state, NULL, 0)                \
	X(S, AllocStates, alloc_states, LIST, alloc_state, NULL, 0)            \
	X(S, PreviousAllocation, previous_allocation, STR, _, NULL, 0)         \
	X(S, NextAllocation, next_allocation, STR, _, NULL, 0)                 \
	X(S, DeploymentID, deployment_id, STR, _, NULL, 0)                     \
	X(S, DeploymentStatus, deployment_status, PTR,                         \
	  alloc_deployment_status, NULL, 0)                                    \
	X(S, RescheduleTracker, reschedule_tracker, PTR, reschedule_tracker,   \
	  NULL, 0)                                                             \
	X(S, NetworkStatus, network_status, PTR, alloc_network_status, NULL,   \
	  0)                                                                   \
	X(S, FollowupEvalID, followup_eval_id, STR, _, NULL, 0)                \
	X(S, PreemptedAllocations, preempted_allocations, STRLIST, _, NULL, 0) \
	X(S, PreemptedByAllocation, preempted_by_allocation, STR, _, NULL, 0)  \
	X(S, SignedIdentities, signed_identities, STRMAP, _, NULL, SF_NOJSON)  \
	X(S, SigningKeyID, signing_key_id, STR, _, NULL, 0)                    \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)                      \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)                      \
	X(S, AllocModifyIndex, alloc_modify_index, UINT, _, NULL, 0)           \
	X(S, CreateTime, create_time, NSTIME, _, NULL, 0)                      \
	X(S, ModifyTime, modify_time, NSTIME, _, NULL, 0)
SCHEMA_DECLARE(allocation, ALLOCATION_FIELDS);

/* ---- predicates --------------------------------------------------------- */

/* Desired status "stop" or "evict": the server wants it gone. */
bool alloc_desired_status_terminal(const char *desired_status);
/* Client status "complete", "failed" or "lost": it is not running. */
bool alloc_client_status_terminal(const char *client_status);

/* Nomad's ServerTerminalStatus / ClientTerminalStatus /
 * TerminalStatus (either of the two). */
bool allocation_server_terminal(const struct allocation *a);
bool allocation_client_terminal(const struct allocation *a);
bool allocation_terminal(const struct allocation *a);

/* The task group of the allocation's job, or NULL. */
struct task_group *allocation_task_group(const struct allocation *a);

/* "<job>.<group>[<index>]", mem_malloc'd (caller frees); NULL on oom. */
char *alloc_name_format(const char *job_id, const char *group, unsigned index);
/* Parses the index out of an allocation name; -1 if there is none. */
long long alloc_name_index(const char *name);

/* Adds delta to counts[key] in a metric count map (a VALUE map of
 * integers, created on first use). Returns 0, ERR_NOMEM, or ERR_INVAL when
 * counts holds something other than a map. */
int alloc_metric_count_add(struct value *counts, const char *key,
                           int64_t delta);
/* The count stored under key, 0 when absent. */
int64_t alloc_metric_count_get(const struct value *counts, const char *key);

/* Releases and frees a heap allocation (NULL is fine). */
void allocation_free(struct allocation *a);

#endif
