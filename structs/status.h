/* structs/status.h: the string constants of the data model in one place.
 *
 * Values are Nomad's, verbatim: they travel in JSON, msgpack, the Raft log
 * and CLI output, so they must never change. Note the spellings Nomad uses:
 * evaluations are "canceled" (one l), deployments "cancelled" (two). */
#ifndef STEPPE_STRUCTS_STATUS_H
#define STEPPE_STRUCTS_STATUS_H

/* ---- jobs --------------------------------------------------------------- */

#define JOB_TYPE_SERVICE  "service"
#define JOB_TYPE_BATCH    "batch"
#define JOB_TYPE_SYSTEM   "system"
#define JOB_TYPE_SYSBATCH "sysbatch"
#define JOB_TYPE_CORE     "_core" /* internal GC jobs; never submitted */

#define JOB_STATUS_PENDING "pending"
#define JOB_STATUS_RUNNING "running"
#define JOB_STATUS_DEAD    "dead"

#define JOB_DEFAULT_PRIORITY       50
#define JOB_MIN_PRIORITY           1
#define JOB_MAX_PRIORITY           100
#define JOB_DEFAULT_REGION         "global"
#define JOB_DEFAULT_NAMESPACE      "default"
#define JOB_DEFAULT_NODE_POOL      "default"
#define JOB_PERIODIC_LAUNCH_SUFFIX "/periodic-"
#define JOB_DISPATCH_LAUNCH_SUFFIX "/dispatch-"

#define PERIODIC_SPEC_CRON "cron"

#define DISPATCH_PAYLOAD_OPTIONAL  "optional"
#define DISPATCH_PAYLOAD_REQUIRED  "required"
#define DISPATCH_PAYLOAD_FORBIDDEN "forbidden"

/* ---- task groups and tasks ---------------------------------------------- */

#define RESTART_MODE_FAIL  "fail"
#define RESTART_MODE_DELAY "delay"

#define RESCHEDULE_DELAY_CONSTANT    "constant"
#define RESCHEDULE_DELAY_EXPONENTIAL "exponential"
#define RESCHEDULE_DELAY_FIBONACCI   "fibonacci"

#define UPDATE_HEALTH_CHECKS      "checks"
#define UPDATE_HEALTH_TASK_STATES "task_states"
#define UPDATE_HEALTH_MANUAL      "manual"

#define DISCONNECT_RECONCILE_BEST_SCORE       "best_score"
#define DISCONNECT_RECONCILE_KEEP_ORIGINAL    "keep_original"
#define DISCONNECT_RECONCILE_KEEP_REPLACEMENT "keep_replacement"
#define DISCONNECT_RECONCILE_LONGEST_RUNNING  "longest_running"

#define LIFECYCLE_HOOK_PRESTART  "prestart"
#define LIFECYCLE_HOOK_POSTSTART "poststart"
#define LIFECYCLE_HOOK_POSTSTOP  "poststop"

#define TEMPLATE_CHANGE_NOOP    "noop"
#define TEMPLATE_CHANGE_RESTART "restart"
#define TEMPLATE_CHANGE_SIGNAL  "signal"
#define TEMPLATE_CHANGE_SCRIPT  "script"

#define ARTIFACT_MODE_ANY  "any"
#define ARTIFACT_MODE_FILE "file"
#define ARTIFACT_MODE_DIR  "dir"

#define VOLUME_TYPE_HOST "host"
#define VOLUME_TYPE_CSI  "csi"

#define NETWORK_MODE_HOST            "host"
#define NETWORK_MODE_BRIDGE          "bridge"
#define NETWORK_MODE_NONE            "none"
#define NETWORK_DEFAULT_HOST_NETWORK "default"

#define WORKLOAD_IDENTITY_DEFAULT_NAME "default"
#define WORKLOAD_IDENTITY_DEFAULT_AUD  "nomadproject.io"

#define SCALING_POLICY_HORIZONTAL "horizontal"

/* ---- services ----------------------------------------------------------- */

#define SERVICE_PROVIDER_CONSUL "consul"
#define SERVICE_PROVIDER_NOMAD  "nomad"
#define SERVICE_DEFAULT_CLUSTER "default"

#define ADDRESS_MODE_AUTO       "auto"
#define ADDRESS_MODE_HOST       "host"
#define ADDRESS_MODE_DRIVER     "driver"
#define ADDRESS_MODE_ALLOC      "alloc"
#define ADDRESS_MODE_ALLOC_IPV6 "alloc_ipv6"

#define ON_UPDATE_REQUIRE_HEALTHY "require_healthy"
#define ON_UPDATE_IGNORE_WARNINGS "ignore_warnings"
#define ON_UPDATE_IGNORE          "ignore"

#define CHECK_TYPE_HTTP   "http"
#define CHECK_TYPE_TCP    "tcp"
#define CHECK_TYPE_SCRIPT "script"
#define CHECK_TYPE_GRPC   "grpc"

#define CHECK_STATUS_PASSING  "passing"
#define CHECK_STATUS_WARNING  "warning"
#define CHECK_STATUS_CRITICAL "critical"

/* ---- constraint operands (reference 2.9) -------------------------------- */

#define CONSTRAINT_DISTINCT_HOSTS    "distinct_hosts"
#define CONSTRAINT_DISTINCT_PROPERTY "distinct_property"
#define CONSTRAINT_REGEX             "regexp"
#define CONSTRAINT_VERSION           "version"
#define CONSTRAINT_SEMVER            "semver"
#define CONSTRAINT_SET_CONTAINS      "set_contains"
#define CONSTRAINT_SET_CONTAINS_ALL  "set_contains_all"
#define CONSTRAINT_SET_CONTAINS_ANY  "set_contains_any"
#define CONSTRAINT_IS_SET            "is_set"
#define CONSTRAINT_IS_NOT_SET        "is_not_set"

/* ---- evaluations -------------------------------------------------------- */

#define EVAL_STATUS_BLOCKED  "blocked"
#define EVAL_STATUS_PENDING  "pending"
#define EVAL_STATUS_COMPLETE "complete"
#define EVAL_STATUS_FAILED   "failed"
#define EVAL_STATUS_CANCELED "canceled"

#define EVAL_TRIGGER_JOB_REGISTER           "job-register"
#define EVAL_TRIGGER_JOB_DEREGISTER         "job-deregister"
#define EVAL_TRIGGER_PERIODIC_JOB           "periodic-job"
#define EVAL_TRIGGER_NODE_DRAIN             "node-drain"
#define EVAL_TRIGGER_NODE_UPDATE            "node-update"
#define EVAL_TRIGGER_ALLOC_STOP             "alloc-stop"
#define EVAL_TRIGGER_SCHEDULED              "scheduled"
#define EVAL_TRIGGER_ROLLING_UPDATE         "rolling-update"
#define EVAL_TRIGGER_DEPLOYMENT_WATCHER     "deployment-watcher"
#define EVAL_TRIGGER_FAILED_FOLLOW_UP       "failed-follow-up"
#define EVAL_TRIGGER_MAX_PLANS              "max-plan-attempts"
#define EVAL_TRIGGER_RETRY_FAILED_ALLOC     "alloc-failure"
#define EVAL_TRIGGER_QUEUED_ALLOCS          "queued-allocs"
#define EVAL_TRIGGER_PREEMPTION             "preemption"
#define EVAL_TRIGGER_JOB_SCALING            "job-scaling"
#define EVAL_TRIGGER_MAX_DISCONNECT_TIMEOUT "max-disconnect-timeout"
#define EVAL_TRIGGER_RECONNECT              "reconnect"
#define EVAL_TRIGGER_ALLOC_RESCHEDULE       "alloc-reschedule"

/* ---- allocations -------------------------------------------------------- */

#define ALLOC_DESIRED_RUN   "run"
#define ALLOC_DESIRED_STOP  "stop"
#define ALLOC_DESIRED_EVICT "evict"

#define ALLOC_CLIENT_PENDING  "pending"
#define ALLOC_CLIENT_RUNNING  "running"
#define ALLOC_CLIENT_COMPLETE "complete"
#define ALLOC_CLIENT_FAILED   "failed"
#define ALLOC_CLIENT_LOST     "lost"
#define ALLOC_CLIENT_UNKNOWN  "unknown"

#define TASK_STATE_PENDING "pending"
#define TASK_STATE_RUNNING "running"
#define TASK_STATE_DEAD    "dead"

/* TaskEvent.Type values. */
#define TASK_EVENT_SETUP                    "Task Setup"
#define TASK_EVENT_SETUP_FAILURE            "Setup Failure"
#define TASK_EVENT_DRIVER_FAILURE           "Driver Failure"
#define TASK_EVENT_DRIVER_MESSAGE           "Driver"
#define TASK_EVENT_RECEIVED                 "Received"
#define TASK_EVENT_FAILED_VALIDATION        "Failed Validation"
#define TASK_EVENT_STARTED                  "Started"
#define TASK_EVENT_TERMINATED               "Terminated"
#define TASK_EVENT_KILLING                  "Killing"
#define TASK_EVENT_KILLED                   "Killed"
#define TASK_EVENT_RESTARTING               "Restarting"
#define TASK_EVENT_NOT_RESTARTING           "Not Restarting"
#define TASK_EVENT_DOWNLOADING_ARTIFACTS    "Downloading Artifacts"
#define TASK_EVENT_ARTIFACT_DOWNLOAD_FAILED "Failed Artifact Download"
#define TASK_EVENT_SIBLING_FAILED           "Sibling Task Failed"
#define TASK_EVENT_SIGNALING                "Signaling"
#define TASK_EVENT_RESTART_SIGNAL           "Restart Signaled"
#define TASK_EVENT_LEADER_DEAD              "Leader Task Dead"
#define TASK_EVENT_MAIN_DEAD                "Main Tasks Dead"
#define TASK_EVENT_HOOK_FAILED              "Task hook failed"
#define TASK_EVENT_HOOK_MESSAGE             "Task hook message"
#define TASK_EVENT_BUILDING_TASK_DIR        "Building Task Directory"
#define TASK_EVENT_DISK_EXCEEDED            "Disk Resources Exceeded"
#define TASK_EVENT_WAITING_SHUTDOWN_DELAY   "Waiting for shutdown delay"
#define TASK_EVENT_SKIPPING_SHUTDOWN_DELAY  "Skipping shutdown delay"
#define TASK_EVENT_CLIENT_RECONNECTED       "Reconnected"
#define TASK_EVENT_RESTORE_FAILED           "Failed Restoring Task"

/* ---- deployments (only the statuses allocations refer to) --------------- */

#define DEPLOYMENT_STATUS_RUNNING    "running"
#define DEPLOYMENT_STATUS_PAUSED     "paused"
#define DEPLOYMENT_STATUS_FAILED     "failed"
#define DEPLOYMENT_STATUS_SUCCESSFUL "successful"
#define DEPLOYMENT_STATUS_CANCELLED  "cancelled"

/* ---- nodes -------------------------------------------------------------- */

#define NODE_STATUS_INIT         "initializing"
#define NODE_STATUS_READY        "ready"
#define NODE_STATUS_DOWN         "down"
#define NODE_STATUS_DISCONNECTED "disconnected"

#define NODE_ELIGIBLE   "eligible"
#define NODE_INELIGIBLE "ineligible"

#define NODE_EVENT_SUBSYSTEM_CLUSTER   "Cluster"
#define NODE_EVENT_SUBSYSTEM_DRAIN     "Drain"
#define NODE_EVENT_SUBSYSTEM_DRIVER    "Driver"
#define NODE_EVENT_SUBSYSTEM_HEARTBEAT "Heartbeat"

#define NODE_DRAIN_STATUS_DRAINING "draining"
#define NODE_DRAIN_STATUS_COMPLETE "complete"
#define NODE_DRAIN_STATUS_CANCELED "canceled"

/* ---- ACL ---------------------------------------------------------------- */

#define ACL_TOKEN_TYPE_CLIENT     "client"
#define ACL_TOKEN_TYPE_MANAGEMENT "management"
#define ACL_ANONYMOUS_POLICY      "anonymous"

#endif
