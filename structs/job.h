/* structs/job.h: the job family of the data model (Job, TaskGroup, Task and
 * everything a job file can say), as X-macro field lists (structs/schema.h).
 *
 * JSON keys are Nomad's Go field names in Nomad's field order (the server's
 * nomad/structs form, which is what the HTTP API returns). hcl names follow
 * the api package's `hcl` tags (reference 2.18).
 *
 * One struct serves both forms Nomad has: the sparse "api" form a client
 * submits and the canonical form the server stores. Nomad's api form uses
 * pointers to tell "unset" from "zero"; here:
 *   - strings: NULL/"" is unset (Nomad never distinguishes them usefully);
 *   - numbers and bools whose default is non-zero *and* whose explicit zero
 *     means something (count = 0, restart attempts = 0, max_parallel = 0,
 *     unlimited = false, periodic enabled = false, splay = 0 ...) are
 *     OPTINT / OPTDUR / OPTBOOL; read them through `.v` once canonicalised
 *     (job_canonicalize sets every one of them);
 *   - other numbers are plain, and 0 takes the default (Nomad does the same
 *     for KillTimeout; for EphemeralDisk.SizeMB, LogConfig, Resources CPU /
 *     MemoryMB and Affinity/Spread Weight Nomad would keep an explicit 0 and
 *     reject it in validation, we take the default instead).
 * Nullable sub-structs are PTR; Go maps of structs are MAP (entries sorted
 * by key).
 *
 * Things this file keeps free-form (FT_VALUE) because steppe does not
 * implement them but must carry them: Vault, Consul, Connect, Multiregion,
 * task Secrets, Actions, Schedule, CSIPluginConfig. */
#ifndef STEPPE_STRUCTS_JOB_H
#define STEPPE_STRUCTS_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "structs/schema.h"
#include "structs/status.h"

/* ---- placement rules ---------------------------------------------------- */

/* The constraint shortcut keys (distinct_hosts = true, regexp = "...",
 * version, semver, set_contains*, distinct_property) are not fields: the
 * jobspec decoder's hook turns them into Operand + RTarget. */
#define CONSTRAINT_FIELDS(X, S)                        \
	X(S, LTarget, ltarget, STR, _, "attribute", 0) \
	X(S, RTarget, rtarget, STR, _, "value", 0)     \
	X(S, Operand, operand, STR, _, "operator", 0)
SCHEMA_DECLARE(constraint, CONSTRAINT_FIELDS);

#define AFFINITY_FIELDS(X, S)                          \
	X(S, LTarget, ltarget, STR, _, "attribute", 0) \
	X(S, RTarget, rtarget, STR, _, "value", 0)     \
	X(S, Operand, operand, STR, _, "operator", 0)  \
	X(S, Weight, weight, INT, _, "weight", 0)
SCHEMA_DECLARE(affinity, AFFINITY_FIELDS);

/* `target "<Value>" { percent = N }`: the label is the Value. */
#define SPREAD_TARGET_FIELDS(X, S)                 \
	X(S, Value, value, STR, _, NULL, SF_LABEL) \
	X(S, Percent, percent, INT, _, "percent", 0)
SCHEMA_DECLARE(spread_target, SPREAD_TARGET_FIELDS);

#define SPREAD_FIELDS(X, S)                                \
	X(S, Attribute, attribute, STR, _, "attribute", 0) \
	X(S, Weight, weight, INT, _, "weight", 0)          \
	X(S, SpreadTarget, spread_target, LIST, spread_target, "target", 0)
SCHEMA_DECLARE(spread, SPREAD_FIELDS);

/* ---- networks ----------------------------------------------------------- */

/* Port.To: 0 = no mapping (the task sees the host port), -1 = "same as the
 * host port" which the scheduler resolves when it assigns Value (see
 * port_effective_to); other values are the port inside the alloc's network
 * namespace. Value is the static port (ReservedPorts) or, in an
 * allocation, the assigned dynamic one. */
#define PORT_FIELDS(X, S)                                          \
	X(S, Label, label, STR, _, NULL, SF_LABEL)                 \
	X(S, Value, value, INT, _, "static", 0)                    \
	X(S, To, to, INT, _, "to", 0)                              \
	X(S, HostNetwork, host_network, STR, _, "host_network", 0) \
	X(S, IgnoreCollision, ignore_collision, BOOL, _, "ignore_collision", 0)
SCHEMA_DECLARE(port, PORT_FIELDS);

#define DNS_CONFIG_FIELDS(X, S)                             \
	X(S, Servers, servers, STRLIST, _, "servers", 0)    \
	X(S, Searches, searches, STRLIST, _, "searches", 0) \
	X(S, Options, options, STRLIST, _, "options", 0)
SCHEMA_DECLARE(dns_config, DNS_CONFIG_FIELDS);

#define CNI_CONFIG_FIELDS(X, S) X(S, Args, args, STRMAP, _, "args", 0)
SCHEMA_DECLARE(cni_config, CNI_CONFIG_FIELDS);

/* ReservedPorts and DynamicPorts have no hcl name: the jobspec decoder
 * reads every `port "label" {}` block itself and files it under
 * ReservedPorts when it has `static`, DynamicPorts otherwise. */
#define NETWORK_RESOURCE_FIELDS(X, S)                            \
	X(S, Mode, mode, STR, _, "mode", 0)                      \
	X(S, Device, device, STR, _, "device", 0)                \
	X(S, CIDR, cidr, STR, _, "cidr", 0)                      \
	X(S, IP, ip, STR, _, "ip", 0)                            \
	X(S, Hostname, hostname, STR, _, "hostname", 0)          \
	X(S, MBits, mbits, INT, _, "mbits", 0)                   \
	X(S, DNS, dns, PTR, dns_config, "dns", 0)                \
	X(S, ReservedPorts, reserved_ports, LIST, port, NULL, 0) \
	X(S, DynamicPorts, dynamic_ports, LIST, port, NULL, 0)   \
	X(S, CNI, cni, PTR, cni_config, "cni", 0)
SCHEMA_DECLARE(network_resource, NETWORK_RESOURCE_FIELDS);

/* ---- resources ---------------------------------------------------------- */

#define NUMA_FIELDS(X, S)                               \
	X(S, Affinity, affinity, STR, _, "affinity", 0) \
	X(S, Devices, devices, STRLIST, _, "devices", 0)
SCHEMA_DECLARE(numa, NUMA_FIELDS);

#define REQUESTED_DEVICE_FIELDS(X, S)                                     \
	X(S, Name, name, STR, _, NULL, SF_LABEL)                          \
	X(S, Count, count, UINT, _, "count", 0)                           \
	X(S, Constraints, constraints, LIST, constraint, "constraint", 0) \
	X(S, Affinities, affinities, LIST, affinity, "affinity", 0)
SCHEMA_DECLARE(requested_device, REQUESTED_DEVICE_FIELDS);

/* Task-level `network` (Networks) is the legacy form; group networks are
 * the supported one. */
#define RESOURCES_FIELDS(X, S)                                         \
	X(S, CPU, cpu, INT, _, "cpu", 0)                               \
	X(S, Cores, cores, INT, _, "cores", 0)                         \
	X(S, MemoryMB, memory_mb, INT, _, "memory", 0)                 \
	X(S, MemoryMaxMB, memory_max_mb, INT, _, "memory_max", 0)      \
	X(S, DiskMB, disk_mb, INT, _, "disk", 0)                       \
	X(S, IOPS, iops, INT, _, "iops", 0)                            \
	X(S, Networks, networks, LIST, network_resource, "network", 0) \
	X(S, Devices, devices, LIST, requested_device, "device", 0)    \
	X(S, NUMA, numa, PTR, numa, "numa", 0)                         \
	X(S, SecretsMB, secrets_mb, INT, _, "secrets", 0)
SCHEMA_DECLARE(resources, RESOURCES_FIELDS);

/* ---- services ----------------------------------------------------------- */

#define CHECK_RESTART_FIELDS(X, S)                \
	X(S, Limit, limit, INT, _, "limit", 0)    \
	X(S, Grace, grace, OPTDUR, _, "grace", 0) \
	X(S, IgnoreWarnings, ignore_warnings, BOOL, _, "ignore_warnings", 0)
SCHEMA_DECLARE(check_restart, CHECK_RESTART_FIELDS);

#define SERVICE_CHECK_FIELDS(X, S)                                             \
	X(S, Name, name, STR, _, "name", 0)                                    \
	X(S, Type, type, STR, _, "type", 0)                                    \
	X(S, Command, command, STR, _, "command", 0)                           \
	X(S, Args, args, STRLIST, _, "args", 0)                                \
	X(S, Path, path, STR, _, "path", 0)                                    \
	X(S, Protocol, protocol, STR, _, "protocol", 0)                        \
	X(S, PortLabel, port_label, STR, _, "port", 0)                         \
	X(S, Expose, expose, BOOL, _, "expose", 0)                             \
	X(S, AddressMode, address_mode, STR, _, "address_mode", 0)             \
	X(S, Interval, interval, DUR, _, "interval", 0)                        \
	X(S, Timeout, timeout, DUR, _, "timeout", 0)                           \
	X(S, InitialStatus, initial_status, STR, _, "initial_status", 0)       \
	X(S, Notes, notes, STR, _, "notes", 0)                                 \
	X(S, TLSServerName, tls_server_name, STR, _, "tls_server_name", 0)     \
	X(S, TLSSkipVerify, tls_skip_verify, BOOL, _, "tls_skip_verify", 0)    \
	X(S, Method, method, STR, _, "method", 0)                              \
	X(S, Header, header, STRLISTMAP, _, "header", 0)                       \
	X(S, CheckRestart, check_restart, PTR, check_restart, "check_restart", \
	  0)                                                                   \
	X(S, GRPCService, grpc_service, STR, _, "grpc_service", 0)             \
	X(S, GRPCUseTLS, grpc_use_tls, BOOL, _, "grpc_use_tls", 0)             \
	X(S, TaskName, task_name, STR, _, "task", 0)                           \
	X(S, SuccessBeforePassing, success_before_passing, INT, _,             \
	  "success_before_passing", 0)                                         \
	X(S, FailuresBeforeCritical, failures_before_critical, INT, _,         \
	  "failures_before_critical", 0)                                       \
	X(S, FailuresBeforeWarning, failures_before_warning, INT, _,           \
	  "failures_before_warning", 0)                                        \
	X(S, Body, body, STR, _, "body", 0)                                    \
	X(S, OnUpdate, on_update, STR, _, "on_update", 0)
SCHEMA_DECLARE(service_check, SERVICE_CHECK_FIELDS);

#define SERVICE_WEIGHTS_FIELDS(X, S)                 \
	X(S, Passing, passing, INT, _, "passing", 0) \
	X(S, Warning, warning, INT, _, "warning", 0)
SCHEMA_DECLARE(service_weights, SERVICE_WEIGHTS_FIELDS);

/* Name "" / "default" is the task's default identity (Task.Identity). */
#define WORKLOAD_IDENTITY_FIELDS(X, S)                                \
	X(S, Name, name, STR, _, "name", 0)                           \
	X(S, Audience, audience, STRLIST, _, "aud", 0)                \
	X(S, ChangeMode, change_mode, STR, _, "change_mode", 0)       \
	X(S, ChangeSignal, change_signal, STR, _, "change_signal", 0) \
	X(S, Env, env, BOOL, _, "env", 0)                             \
	X(S, File, file, BOOL, _, "file", 0)                          \
	X(S, Filepath, filepath, STR, _, "filepath", 0)               \
	X(S, ServiceName, service_name, STR, _, "service_name", 0)    \
	X(S, TTL, ttl, DUR, _, "ttl", 0)                              \
	X(S, ExtraClaims, extra_claims, STRLIST, _, "extra_claims", 0)
SCHEMA_DECLARE(workload_identity, WORKLOAD_IDENTITY_FIELDS);

/* CheckRestart at service level exists only in the api form (a default
 * for the service's checks): canonicalisation merges it into every check
 * and job_canonicalize drops it, so a stored job never shows it. */
#define SERVICE_FIELDS(X, S)                                                   \
	X(S, Name, name, STR, _, "name", 0)                                    \
	X(S, TaskName, task_name, STR, _, "task", 0)                           \
	X(S, PortLabel, port_label, STR, _, "port", 0)                         \
	X(S, AddressMode, address_mode, STR, _, "address_mode", 0)             \
	X(S, Address, address, STR, _, "address", 0)                           \
	X(S, EnableTagOverride, enable_tag_override, BOOL, _,                  \
	  "enable_tag_override", 0)                                            \
	X(S, Tags, tags, STRLIST, _, "tags", 0)                                \
	X(S, CanaryTags, canary_tags, STRLIST, _, "canary_tags", 0)            \
	X(S, Checks, checks, LIST, service_check, "check", 0)                  \
	X(S, Connect, connect, VALUE, _, "connect", 0)                         \
	X(S, Meta, meta, STRMAP, _, "meta", 0)                                 \
	X(S, CanaryMeta, canary_meta, STRMAP, _, "canary_meta", 0)             \
	X(S, Weights, weights, PTR, service_weights, "weights", 0)             \
	X(S, TaggedAddresses, tagged_addresses, STRMAP, _, "tagged_addresses", \
	  0)                                                                   \
	X(S, Namespace, namespace, STR, _, NULL, 0)                            \
	X(S, OnUpdate, on_update, STR, _, "on_update", 0)                      \
	X(S, Provider, provider, STR, _, "provider", 0)                        \
	X(S, Cluster, cluster, STR, _, "cluster", 0)                           \
	X(S, Identity, identity, PTR, workload_identity, "identity", 0)        \
	X(S, Kind, kind, STR, _, "kind", 0)                                    \
	X(S, CheckRestart, check_restart, PTR, check_restart, "check_restart", \
	  SF_OMIT)
SCHEMA_DECLARE(service, SERVICE_FIELDS);

/* ---- templates and artifacts -------------------------------------------- */

#define CHANGE_SCRIPT_FIELDS(X, S)                                    \
	X(S, Command, command, STR, _, "command", 0)                  \
	X(S, Args, args, STRLIST, _, "args", 0)                       \
	X(S, Timeout, timeout, DUR, _, "timeout", 0)                  \
	X(S, FailOnError, fail_on_error, BOOL, _, "fail_on_error", 0) \
	X(S, RunOnFirstRender, run_on_first_render, BOOL, _,          \
	  "run_on_first_render", 0)
SCHEMA_DECLARE(change_script, CHANGE_SCRIPT_FIELDS);

#define WAIT_CONFIG_FIELDS(X, S)            \
	X(S, Min, min, OPTDUR, _, "min", 0) \
	X(S, Max, max, OPTDUR, _, "max", 0)
SCHEMA_DECLARE(wait_config, WAIT_CONFIG_FIELDS);

#define TASK_TEMPLATE_FIELDS(X, S)                                             \
	X(S, SourcePath, source_path, STR, _, "source", 0)                     \
	X(S, DestPath, dest_path, STR, _, "destination", 0)                    \
	X(S, EmbeddedTmpl, embedded_tmpl, STR, _, "data", 0)                   \
	X(S, ChangeMode, change_mode, STR, _, "change_mode", 0)                \
	X(S, ChangeSignal, change_signal, STR, _, "change_signal", 0)          \
	X(S, ChangeScript, change_script, PTR, change_script, "change_script", \
	  0)                                                                   \
	X(S, Once, once, BOOL, _, "once", 0)                                   \
	X(S, Splay, splay, OPTDUR, _, "splay", 0)                              \
	X(S, Perms, perms, STR, _, "perms", 0)                                 \
	X(S, Uid, uid, OPTINT, _, "uid", 0)                                    \
	X(S, Gid, gid, OPTINT, _, "gid", 0)                                    \
	X(S, LeftDelim, left_delim, STR, _, "left_delimiter", 0)               \
	X(S, RightDelim, right_delim, STR, _, "right_delimiter", 0)            \
	X(S, Envvars, envvars, BOOL, _, "env", 0)                              \
	X(S, VaultGrace, vault_grace, DUR, _, "vault_grace", 0)                \
	X(S, Wait, wait, PTR, wait_config, "wait", 0)                          \
	X(S, ErrMissingKey, err_missing_key, BOOL, _, "error_on_missing_key", 0)
SCHEMA_DECLARE(task_template, TASK_TEMPLATE_FIELDS);

#define TASK_ARTIFACT_FIELDS(X, S)                                    \
	X(S, GetterSource, getter_source, STR, _, "source", 0)        \
	X(S, GetterOptions, getter_options, STRMAP, _, "options", 0)  \
	X(S, GetterHeaders, getter_headers, STRMAP, _, "headers", 0)  \
	X(S, GetterMode, getter_mode, STR, _, "mode", 0)              \
	X(S, GetterInsecure, getter_insecure, BOOL, _, "insecure", 0) \
	X(S, RelativeDest, relative_dest, STR, _, "destination", 0)   \
	X(S, Chown, chown, BOOL, _, "chown", 0)
SCHEMA_DECLARE(task_artifact, TASK_ARTIFACT_FIELDS);

/* ---- policies ----------------------------------------------------------- */

#define RESTART_POLICY_FIELDS(X, S)                         \
	X(S, Attempts, attempts, OPTINT, _, "attempts", 0)  \
	X(S, Interval, interval, OPTDUR, _, "interval", 0)  \
	X(S, Delay, delay, OPTDUR, _, "delay", 0)           \
	X(S, Mode, mode, STR, _, "mode", 0)                 \
	X(S, RenderTemplates, render_templates, OPTBOOL, _, \
	  "render_templates", 0)
SCHEMA_DECLARE(restart_policy, RESTART_POLICY_FIELDS);

#define RESCHEDULE_POLICY_FIELDS(X, S)                                   \
	X(S, Attempts, attempts, OPTINT, _, "attempts", 0)               \
	X(S, Interval, interval, OPTDUR, _, "interval", 0)               \
	X(S, Delay, delay, OPTDUR, _, "delay", 0)                        \
	X(S, DelayFunction, delay_function, STR, _, "delay_function", 0) \
	X(S, MaxDelay, max_delay, OPTDUR, _, "max_delay", 0)             \
	X(S, Unlimited, unlimited, OPTBOOL, _, "unlimited", 0)
SCHEMA_DECLARE(reschedule_policy, RESCHEDULE_POLICY_FIELDS);

#define UPDATE_STRATEGY_FIELDS(X, S)                                           \
	X(S, Stagger, stagger, OPTDUR, _, "stagger", 0)                        \
	X(S, MaxParallel, max_parallel, OPTINT, _, "max_parallel", 0)          \
	X(S, HealthCheck, health_check, STR, _, "health_check", 0)             \
	X(S, MinHealthyTime, min_healthy_time, OPTDUR, _, "min_healthy_time",  \
	  0)                                                                   \
	X(S, HealthyDeadline, healthy_deadline, OPTDUR, _, "healthy_deadline", \
	  0)                                                                   \
	X(S, ProgressDeadline, progress_deadline, OPTDUR, _,                   \
	  "progress_deadline", 0)                                              \
	X(S, AutoRevert, auto_revert, OPTBOOL, _, "auto_revert", 0)            \
	X(S, AutoPromote, auto_promote, OPTBOOL, _, "auto_promote", 0)         \
	X(S, Canary, canary, OPTINT, _, "canary", 0)
SCHEMA_DECLARE(update_strategy, UPDATE_STRATEGY_FIELDS);

#define MIGRATE_STRATEGY_FIELDS(X, S)                                          \
	X(S, MaxParallel, max_parallel, OPTINT, _, "max_parallel", 0)          \
	X(S, HealthCheck, health_check, STR, _, "health_check", 0)             \
	X(S, MinHealthyTime, min_healthy_time, OPTDUR, _, "min_healthy_time",  \
	  0)                                                                   \
	X(S, HealthyDeadline, healthy_deadline, OPTDUR, _, "healthy_deadline", \
	  0)
SCHEMA_DECLARE(migrate_strategy, MIGRATE_STRATEGY_FIELDS);

#define EPHEMERAL_DISK_FIELDS(X, S)                \
	X(S, Sticky, sticky, BOOL, _, "sticky", 0) \
	X(S, SizeMB, size_mb, INT, _, "size", 0)   \
	X(S, Migrate, migrate, BOOL, _, "migrate", 0)
SCHEMA_DECLARE(ephemeral_disk, EPHEMERAL_DISK_FIELDS);

#define LOG_CONFIG_FIELDS(X, S)                                           \
	X(S, MaxFiles, max_files, INT, _, "max_files", 0)                 \
	X(S, MaxFileSizeMB, max_file_size_mb, INT, _, "max_file_size", 0) \
	X(S, Disabled, disabled, BOOL, _, "disabled", 0)
SCHEMA_DECLARE(log_config, LOG_CONFIG_FIELDS);

#define TASK_LIFECYCLE_FIELDS(X, S)         \
	X(S, Hook, hook, STR, _, "hook", 0) \
	X(S, Sidecar, sidecar, BOOL, _, "sidecar", 0)
SCHEMA_DECLARE(task_lifecycle, TASK_LIFECYCLE_FIELDS);

/* ---- volumes ------------------------------------------------------------ */

#define CSI_MOUNT_OPTIONS_FIELDS(X, S)              \
	X(S, FSType, fs_type, STR, _, "fs_type", 0) \
	X(S, MountFlags, mount_flags, STRLIST, _, "mount_flags", 0)
SCHEMA_DECLARE(csi_mount_options, CSI_MOUNT_OPTIONS_FIELDS);

/* `volume "<name>" {}` inside a group: a MAP entry keyed by the label,
 * which also fills Name. */
#define VOLUME_REQUEST_FIELDS(X, S)                                         \
	X(S, Name, name, STR, _, NULL, SF_LABEL)                            \
	X(S, Type, type, STR, _, "type", 0)                                 \
	X(S, Source, source, STR, _, "source", 0)                           \
	X(S, ReadOnly, read_only, BOOL, _, "read_only", 0)                  \
	X(S, Sticky, sticky, BOOL, _, "sticky", 0)                          \
	X(S, AccessMode, access_mode, STR, _, "access_mode", 0)             \
	X(S, AttachmentMode, attachment_mode, STR, _, "attachment_mode", 0) \
	X(S, MountOptions, mount_options, PTR, csi_mount_options,           \
	  "mount_options", 0)                                               \
	X(S, PerAlloc, per_alloc, BOOL, _, "per_alloc", 0)
SCHEMA_DECLARE(volume_request, VOLUME_REQUEST_FIELDS);

#define VOLUME_MOUNT_FIELDS(X, S)                                              \
	X(S, Volume, volume, STR, _, "volume", 0)                              \
	X(S, Destination, destination, STR, _, "destination", 0)               \
	X(S, ReadOnly, read_only, BOOL, _, "read_only", 0)                     \
	X(S, PropagationMode, propagation_mode, STR, _, "propagation_mode", 0) \
	X(S, SELinuxLabel, selinux_label, STR, _, "selinux_label", 0)
SCHEMA_DECLARE(volume_mount, VOLUME_MOUNT_FIELDS);

/* ---- small group and job blocks ----------------------------------------- */

#define DISPATCH_PAYLOAD_CONFIG_FIELDS(X, S) X(S, File, file, STR, _, "file", 0)
SCHEMA_DECLARE(dispatch_payload_config, DISPATCH_PAYLOAD_CONFIG_FIELDS);

#define DISCONNECT_STRATEGY_FIELDS(X, S)                         \
	X(S, LostAfter, lost_after, DUR, _, "lost_after", 0)     \
	X(S, StopOnClientAfter, stop_on_client_after, OPTDUR, _, \
	  "stop_on_client_after", 0)                             \
	X(S, Replace, replace, OPTBOOL, _, "replace", 0)         \
	X(S, Reconcile, reconcile, STR, _, "reconcile", 0)
SCHEMA_DECLARE(disconnect_strategy, DISCONNECT_STRATEGY_FIELDS);

/* Minimal: the group `scaling` block is carried (Count defaults to Min)
 * but no autoscaler acts on it. */
#define SCALING_POLICY_FIELDS(X, S)                       \
	X(S, ID, id, STR, _, NULL, 0)                     \
	X(S, Type, type, STR, _, "type", 0)               \
	X(S, Target, target, STRMAP, _, NULL, 0)          \
	X(S, Policy, policy, VALUE, _, "policy", 0)       \
	X(S, Min, min, OPTINT, _, "min", 0)               \
	X(S, Max, max, OPTINT, _, "max", 0)               \
	X(S, Enabled, enabled, OPTBOOL, _, "enabled", 0)  \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0) \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(scaling_policy, SCALING_POLICY_FIELDS);

/* ---- task --------------------------------------------------------------- */

/* Identity / Identities have no hcl name: the jobspec decoder reads every
 * `identity {}` block itself, an unnamed or "default" one becoming
 * Identity and the others Identities. Secrets, Actions, Schedule and task
 * scaling are carried but not settable from HCL. */
#define TASK_FIELDS(X, S)                                                      \
	X(S, Name, name, STR, _, NULL, SF_LABEL)                               \
	X(S, Driver, driver, STR, _, "driver", 0)                              \
	X(S, User, user, STR, _, "user", 0)                                    \
	X(S, Config, config, VALUE, _, "config", 0)                            \
	X(S, Env, env, STRMAP, _, "env", 0)                                    \
	X(S, Services, services, LIST, service, "service", 0)                  \
	X(S, Vault, vault, VALUE, _, "vault", 0)                               \
	X(S, Secrets, secrets, VALUE, _, NULL, 0)                              \
	X(S, Consul, consul, VALUE, _, "consul", 0)                            \
	X(S, Templates, templates, LIST, task_template, "template", 0)         \
	X(S, Constraints, constraints, LIST, constraint, "constraint", 0)      \
	X(S, Affinities, affinities, LIST, affinity, "affinity", 0)            \
	X(S, Resources, resources, PTR, resources, "resources", 0)             \
	X(S, RestartPolicy, restart_policy, PTR, restart_policy, "restart", 0) \
	X(S, DispatchPayload, dispatch_payload, PTR, dispatch_payload_config,  \
	  "dispatch_payload", 0)                                               \
	X(S, Lifecycle, lifecycle, PTR, task_lifecycle, "lifecycle", 0)        \
	X(S, Meta, meta, STRMAP, _, "meta", 0)                                 \
	X(S, KillTimeout, kill_timeout, DUR, _, "kill_timeout", 0)             \
	X(S, LogConfig, log_config, PTR, log_config, "logs", 0)                \
	X(S, Artifacts, artifacts, LIST, task_artifact, "artifact", 0)         \
	X(S, Leader, leader, BOOL, _, "leader", 0)                             \
	X(S, ShutdownDelay, shutdown_delay, DUR, _, "shutdown_delay", 0)       \
	X(S, VolumeMounts, volume_mounts, LIST, volume_mount, "volume_mount",  \
	  0)                                                                   \
	X(S, ScalingPolicies, scaling_policies, LIST, scaling_policy, NULL, 0) \
	X(S, KillSignal, kill_signal, STR, _, "kill_signal", 0)                \
	X(S, Kind, kind, STR, _, "kind", 0)                                    \
	X(S, CSIPluginConfig, csi_plugin_config, VALUE, _, "csi_plugin",       \
	  SF_OMIT)                                                             \
	X(S, Identity, identity, PTR, workload_identity, NULL, 0)              \
	X(S, Identities, identities, LIST, workload_identity, NULL, 0)         \
	X(S, Actions, actions, VALUE, _, NULL, 0)                              \
	X(S, Schedule, schedule, VALUE, _, NULL, 0)
SCHEMA_DECLARE(task, TASK_FIELDS);

/* ---- task group --------------------------------------------------------- */

#define TASK_GROUP_FIELDS(X, S)                                                \
	X(S, Name, name, STR, _, NULL, SF_LABEL)                               \
	X(S, Count, count, OPTINT, _, "count", 0)                              \
	X(S, Update, update, PTR, update_strategy, "update", 0)                \
	X(S, Migrate, migrate, PTR, migrate_strategy, "migrate", 0)            \
	X(S, Constraints, constraints, LIST, constraint, "constraint", 0)      \
	X(S, Scaling, scaling, PTR, scaling_policy, "scaling", 0)              \
	X(S, RestartPolicy, restart_policy, PTR, restart_policy, "restart", 0) \
	X(S, Disconnect, disconnect, PTR, disconnect_strategy, "disconnect",   \
	  0)                                                                   \
	X(S, Tasks, tasks, LIST, task, "task", 0)                              \
	X(S, EphemeralDisk, ephemeral_disk, PTR, ephemeral_disk,               \
	  "ephemeral_disk", 0)                                                 \
	X(S, Meta, meta, STRMAP, _, "meta", 0)                                 \
	X(S, ReschedulePolicy, reschedule_policy, PTR, reschedule_policy,      \
	  "reschedule", 0)                                                     \
	X(S, Affinities, affinities, LIST, affinity, "affinity", 0)            \
	X(S, Spreads, spreads, LIST, spread, "spread", 0)                      \
	X(S, Networks, networks, LIST, network_resource, "network", 0)         \
	X(S, Consul, consul, VALUE, _, "consul", 0)                            \
	X(S, Services, services, LIST, service, "service", 0)                  \
	X(S, Volumes, volumes, MAP, volume_request, "volume", 0)               \
	X(S, ShutdownDelay, shutdown_delay, OPTDUR, _, "shutdown_delay", 0)    \
	X(S, MaxRunDuration, max_run_duration, OPTDUR, _, "max_run_duration",  \
	  0)                                                                   \
	X(S, StopAfterClientDisconnect, stop_after_client_disconnect, OPTDUR,  \
	  _, "stop_after_client_disconnect", 0)                                \
	X(S, MaxClientDisconnect, max_client_disconnect, OPTDUR, _,            \
	  "max_client_disconnect", 0)                                          \
	X(S, PreventRescheduleOnLost, prevent_reschedule_on_lost, BOOL, _,     \
	  "prevent_reschedule_on_lost", 0)
SCHEMA_DECLARE(task_group, TASK_GROUP_FIELDS);

/* ---- job ---------------------------------------------------------------- */

/* Spec is `cron`, Specs `crons`; SpecType is set by the jobspec ("cron"). */
#define PERIODIC_CONFIG_FIELDS(X, S)                                         \
	X(S, Enabled, enabled, OPTBOOL, _, "enabled", 0)                     \
	X(S, Spec, spec, STR, _, "cron", 0)                                  \
	X(S, Specs, specs, STRLIST, _, "crons", 0)                           \
	X(S, SpecType, spec_type, STR, _, NULL, 0)                           \
	X(S, ProhibitOverlap, prohibit_overlap, BOOL, _, "prohibit_overlap", \
	  0)                                                                 \
	X(S, TimeZone, time_zone, STR, _, "time_zone", 0)
SCHEMA_DECLARE(periodic_config, PERIODIC_CONFIG_FIELDS);

#define PARAMETERIZED_JOB_CONFIG_FIELDS(X, S)                             \
	X(S, Payload, payload, STR, _, "payload", 0)                      \
	X(S, MetaRequired, meta_required, STRLIST, _, "meta_required", 0) \
	X(S, MetaOptional, meta_optional, STRLIST, _, "meta_optional", 0)
SCHEMA_DECLARE(parameterized_job_config, PARAMETERIZED_JOB_CONFIG_FIELDS);

#define JOB_UI_LINK_FIELDS(X, S)               \
	X(S, Label, label, STR, _, "label", 0) \
	X(S, Url, url, STR, _, "url", 0)
SCHEMA_DECLARE(job_ui_link, JOB_UI_LINK_FIELDS);

#define JOB_UI_CONFIG_FIELDS(X, S)                               \
	X(S, Description, description, STR, _, "description", 0) \
	X(S, Links, links, LIST, job_ui_link, "link", 0)
SCHEMA_DECLARE(job_ui_config, JOB_UI_CONFIG_FIELDS);

#define JOB_VERSION_TAG_FIELDS(X, S)                    \
	X(S, Name, name, STR, _, NULL, 0)               \
	X(S, Description, description, STR, _, NULL, 0) \
	X(S, TaggedTime, tagged_time, NSTIME, _, NULL, 0)
SCHEMA_DECLARE(job_version_tag, JOB_VERSION_TAG_FIELDS);

/* `job "<ID>"`: the label is the ID (Name defaults to it). Update at job
 * level is a struct, as in Nomad's server form; in the api form it is a
 * default merged into every group. Reschedule and Migrate exist only in the
 * api form (job-level defaults for groups): job_canonicalize merges and
 * then drops them, so they are omitted from a stored job's JSON. Status,
 * Version, SubmitTime and the indexes are the server's. */
#define JOB_FIELDS(X, S)                                                   \
	X(S, Stop, stop, BOOL, _, NULL, 0)                                 \
	X(S, Region, region, STR, _, "region", 0)                          \
	X(S, Namespace, namespace, STR, _, "namespace", 0)                 \
	X(S, ID, id, STR, _, NULL, SF_LABEL)                               \
	X(S, ParentID, parent_id, STR, _, NULL, 0)                         \
	X(S, Name, name, STR, _, "name", 0)                                \
	X(S, Type, type, STR, _, "type", 0)                                \
	X(S, Priority, priority, INT, _, "priority", 0)                    \
	X(S, AllAtOnce, all_at_once, BOOL, _, "all_at_once", 0)            \
	X(S, Datacenters, datacenters, STRLIST, _, "datacenters", 0)       \
	X(S, NodePool, node_pool, STR, _, "node_pool", 0)                  \
	X(S, Constraints, constraints, LIST, constraint, "constraint", 0)  \
	X(S, Affinities, affinities, LIST, affinity, "affinity", 0)        \
	X(S, Spreads, spreads, LIST, spread, "spread", 0)                  \
	X(S, TaskGroups, task_groups, LIST, task_group, "group", 0)        \
	X(S, Update, update, STRUCT, update_strategy, "update", 0)         \
	X(S, Multiregion, multiregion, VALUE, _, "multiregion", 0)         \
	X(S, Periodic, periodic, PTR, periodic_config, "periodic", 0)      \
	X(S, ParameterizedJob, parameterized_job, PTR,                     \
	  parameterized_job_config, "parameterized", 0)                    \
	X(S, Reschedule, reschedule, PTR, reschedule_policy, "reschedule", \
	  SF_OMIT)                                                         \
	X(S, Migrate, migrate, PTR, migrate_strategy, "migrate", SF_OMIT)  \
	X(S, Dispatched, dispatched, BOOL, _, NULL, 0)                     \
	X(S, DispatchIdempotencyToken, dispatch_idempotency_token, STR, _, \
	  NULL, 0)                                                         \
	X(S, Payload, payload, BYTES, _, NULL, 0)                          \
	X(S, Meta, meta, STRMAP, _, "meta", 0)                             \
	X(S, ConsulNamespace, consul_namespace, STR, _, NULL, 0)           \
	X(S, VaultNamespace, vault_namespace, STR, _, NULL, 0)             \
	X(S, NomadTokenID, nomad_token_id, STR, _, NULL, 0)                \
	X(S, Status, status, STR, _, NULL, 0)                              \
	X(S, StatusDescription, status_description, STR, _, NULL, 0)       \
	X(S, Stable, stable, BOOL, _, NULL, 0)                             \
	X(S, Version, version, UINT, _, NULL, 0)                           \
	X(S, SubmitTime, submit_time, NSTIME, _, NULL, 0)                  \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)                  \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)                  \
	X(S, JobModifyIndex, job_modify_index, UINT, _, NULL, 0)           \
	X(S, UI, ui, PTR, job_ui_config, "ui", 0)                          \
	X(S, VersionTag, version_tag, PTR, job_version_tag, NULL, 0)
SCHEMA_DECLARE(job, JOB_FIELDS);

/* ---- canonicalisation (structs/job_canon.c) ----------------------------- */

/* What Nomad's agent does to a submitted job before anything else (api
 * package Canonicalize; also what /v1/jobs/parse?canonicalize=true
 * returns): Name = ID, Namespace "default", Region "global", Type
 * "service", Priority 50, job Update defaults for service/system jobs,
 * group Count, EphemeralDisk, Update/Reschedule/Migrate merged from the job
 * level, RestartPolicy by job type (task policies merged over the group's),
 * task Resources, KillTimeout, LogConfig, template, artifact, service and
 * check defaults (service-level check_restart merged into checks), Weight
 * 50 for affinities and spreads, Operand "=" for constraints and
 * affinities (the jobspec's default, applied to JSON submissions too). `nomad
 * job run -output` prints the job *before* this step. Idempotent. Returns 0 or
 * ERR_NOMEM (the job is then partly filled but valid to release). */
int job_canonicalize_api(struct job *job);

/* What the server stores: job_canonicalize_api, then the api-to-server
 * conversion (job-level Update keeps only Stagger and MaxParallel, the
 * api-only Reschedule/Migrate/service CheckRestart are dropped), Nomad's
 * server Canonicalize (Datacenters ["*"], service Namespace and TaskName,
 * ${JOB}/${TASKGROUP}/${TASK}/${BASE} in service names, check names
 * `service: "<svc>" check`, port HostNetwork "default", the default
 * workload identity, scaling targets, periodic and parameterized
 * defaults), NodePool "default" and the implied constraints (reference
 * 2.9: native service discovery, checks, signals, Consul, bridge CNI,
 * workload identities). Not set here: Region "global" -> the agent's
 * region (api/), Status "pending", Version, SubmitTime and the indexes
 * (the register endpoint and the state store). Idempotent, except where
 * Nomad is not either: a job or group name that itself contains ${JOB}
 * and friends, or two default identities (which validation rejects).
 * Returns 0 or ERR_NOMEM. */
int job_canonicalize(struct job *job);

/* ---- validation (structs/job_validate.c) -------------------------------- */

/* Checks a canonicalised job (job_canonicalize first: defaults count as
 * set) and appends every problem to errs, each with its path:
 *   missing job ID
 *   duplicate group "web"
 *   group "web": count must be >= 0
 *   group "web": task "server": missing driver
 *   group "web": task "server": service "web": check 1: ...
 * Returns ERR_OK when there is none, ERR_VALIDATE otherwise. Pure: no
 * clock, no file system (cron specs and time zones are not checked). */
int job_validate(const struct job *job, struct errlist *errs);

/* ---- small helpers (structs/job.c) -------------------------------------- */

/* The group / task with that name, or NULL. */
struct task_group *job_lookup_group(const struct job *job, const char *name);
struct task *task_group_lookup_task(const struct task_group *tg,
                                    const char *name);
/* Periodic with Enabled not explicitly false. */
bool job_is_periodic(const struct job *job);
/* Parameterized and not itself a dispatched child. */
bool job_is_parameterized(const struct job *job);
/* Sum of the groups' counts. */
int64_t job_total_count(const struct job *job);
/* The port inside the alloc's network namespace for a port of an
 * allocation: To, or Value when To is -1. */
int64_t port_effective_to(const struct port *p);
/* True for a main task: no lifecycle hook (Nomad's Task.IsMain). */
bool task_is_main(const struct task *t);

/* Releases and frees a heap job (NULL is fine). */
void job_free(struct job *job);
/* Deep copy into a new heap job; NULL on oom. */
struct job *job_dup(const struct job *job);

#endif
