/* jobspec/config.h: the agent configuration file, in Nomad's format.
 *
 * HCL (or Nomad's JSON equivalent with the same snake_case keys) with the
 * keys of Nomad's command/agent/config.go that steppe uses: name, region,
 * datacenter, data_dir, bind_addr, log_*, ports/addresses/advertise,
 * acl, server (with server_join), client (with server_join, host_volume,
 * reserved, meta, options), plugin "<driver>" { config { ... } } and the
 * process switches (leave_on_*, enable_debug, disable_update_check...).
 * JSON field names are those of Nomad's Go structs (`/v1/agent/self`
 * shape); durations are int64 nanoseconds here even where Nomad keeps the
 * HCL string (the GC thresholds, max_kill_timeout).
 *
 * The `consul`, `vault`, `telemetry` and `ui` blocks are accepted and kept
 * as free-form values without effect, so a Nomad configuration loads
 * unchanged; the agent may warn that they are ignored. Any other unknown
 * key is an error "FILE:LINE:COL: unsupported argument \"x\" in client"
 * (for `tls`, silently running without TLS would be worse than refusing).
 *
 * Typical use: config_defaults(&c); config_parse_path(path, &f, e);
 * config_merge(&c, &f); command-line flags merged the same way;
 * config_validate(&c, &errs). */
#ifndef STEPPE_JOBSPEC_CONFIG_H
#define STEPPE_JOBSPEC_CONFIG_H

#include <stddef.h>

#include "lib/err.h"
#include "structs/schema.h"

#define AGENT_PORTS_FIELDS(X, S)            \
	X(S, HTTP, http, INT, _, "http", 0) \
	X(S, RPC, rpc, INT, _, "rpc", 0)    \
	X(S, Serf, serf, INT, _, "serf", 0)
SCHEMA_DECLARE(agent_ports, AGENT_PORTS_FIELDS);

#define AGENT_ADDRS_FIELDS(X, S)            \
	X(S, HTTP, http, STR, _, "http", 0) \
	X(S, RPC, rpc, STR, _, "rpc", 0)    \
	X(S, Serf, serf, STR, _, "serf", 0)
SCHEMA_DECLARE(agent_addresses, AGENT_ADDRS_FIELDS);
SCHEMA_DECLARE(agent_advertise, AGENT_ADDRS_FIELDS);

#define AGENT_ACL_FIELDS(X, S)                                                 \
	X(S, Enabled, enabled, BOOL, _, "enabled", 0)                          \
	X(S, TokenTTL, token_ttl, DUR, _, "token_ttl", 0)                      \
	X(S, PolicyTTL, policy_ttl, DUR, _, "policy_ttl", 0)                   \
	X(S, RoleTTL, role_ttl, DUR, _, "role_ttl", 0)                         \
	X(S, ReplicationToken, replication_token, STR, _, "replication_token", \
	  SF_NOJSON)                                                           \
	X(S, TokenMinExpirationTTL, token_min_expiration_ttl, DUR, _,          \
	  "token_min_expiration_ttl", 0)                                       \
	X(S, TokenMaxExpirationTTL, token_max_expiration_ttl, DUR, _,          \
	  "token_max_expiration_ttl", 0)
SCHEMA_DECLARE(agent_acl, AGENT_ACL_FIELDS);

#define AGENT_SERVER_JOIN_FIELDS(X, S)                            \
	X(S, StartJoin, start_join, STRLIST, _, "start_join", 0)  \
	X(S, RetryJoin, retry_join, STRLIST, _, "retry_join", 0)  \
	X(S, RetryMaxAttempts, retry_max, INT, _, "retry_max", 0) \
	X(S, RetryInterval, retry_interval, DUR, _, "retry_interval", 0)
SCHEMA_DECLARE(agent_server_join, AGENT_SERVER_JOIN_FIELDS);

/* retry_join / start_join / retry_max / retry_interval directly in server
 * are the pre-0.10 form of server_join; both are kept as written. */
#define AGENT_SERVER_FIELDS(X, S)                                              \
	X(S, Enabled, enabled, BOOL, _, "enabled", 0)                          \
	X(S, AuthoritativeRegion, authoritative_region, STR, _,                \
	  "authoritative_region", 0)                                           \
	X(S, BootstrapExpect, bootstrap_expect, INT, _, "bootstrap_expect", 0) \
	X(S, DataDir, data_dir, STR, _, "data_dir", 0)                         \
	X(S, RaftProtocol, raft_protocol, INT, _, "raft_protocol", 0)          \
	X(S, RaftMultiplier, raft_multiplier, OPTINT, _, "raft_multiplier", 0) \
	X(S, NumSchedulers, num_schedulers, OPTINT, _, "num_schedulers", 0)    \
	X(S, EnabledSchedulers, enabled_schedulers, STRLIST, _,                \
	  "enabled_schedulers", 0)                                             \
	X(S, NodeGCThreshold, node_gc_threshold, DUR, _, "node_gc_threshold",  \
	  0)                                                                   \
	X(S, JobGCInterval, job_gc_interval, DUR, _, "job_gc_interval", 0)     \
	X(S, JobGCThreshold, job_gc_threshold, DUR, _, "job_gc_threshold", 0)  \
	X(S, EvalGCThreshold, eval_gc_threshold, DUR, _, "eval_gc_threshold",  \
	  0)                                                                   \
	X(S, BatchEvalGCThreshold, batch_eval_gc_threshold, DUR, _,            \
	  "batch_eval_gc_threshold", 0)                                        \
	X(S, DeploymentGCThreshold, deployment_gc_threshold, DUR, _,           \
	  "deployment_gc_threshold", 0)                                        \
	X(S, HeartbeatGrace, heartbeat_grace, DUR, _, "heartbeat_grace", 0)    \
	X(S, MinHeartbeatTTL, min_heartbeat_ttl, DUR, _, "min_heartbeat_ttl",  \
	  0)                                                                   \
	X(S, MaxHeartbeatsPerSecond, max_heartbeats_per_second, FLOAT, _,      \
	  "max_heartbeats_per_second", 0)                                      \
	X(S, FailoverHeartbeatTTL, failover_heartbeat_ttl, DUR, _,             \
	  "failover_heartbeat_ttl", 0)                                         \
	X(S, StartJoin, start_join, STRLIST, _, "start_join", 0)               \
	X(S, RetryJoin, retry_join, STRLIST, _, "retry_join", 0)               \
	X(S, RetryMaxAttempts, retry_max, INT, _, "retry_max", 0)              \
	X(S, RetryInterval, retry_interval, DUR, _, "retry_interval", 0)       \
	X(S, RejoinAfterLeave, rejoin_after_leave, BOOL, _,                    \
	  "rejoin_after_leave", 0)                                             \
	X(S, NonVotingServer, non_voting_server, BOOL, _, "non_voting_server", \
	  0)                                                                   \
	X(S, EncryptKey, encrypt, STR, _, "encrypt", SF_NOJSON)                \
	X(S, ServerJoin, server_join, STRUCT, agent_server_join,               \
	  "server_join", 0)                                                    \
	X(S, RaftSnapshotThreshold, raft_snapshot_threshold, OPTINT, _,        \
	  "raft_snapshot_threshold", 0)                                        \
	X(S, RaftSnapshotInterval, raft_snapshot_interval, OPTDUR, _,          \
	  "raft_snapshot_interval", 0)                                         \
	X(S, RaftTrailingLogs, raft_trailing_logs, OPTINT, _,                  \
	  "raft_trailing_logs", 0)                                             \
	X(S, JobDefaultPriority, job_default_priority, OPTINT, _,              \
	  "job_default_priority", 0)                                           \
	X(S, JobMaxPriority, job_max_priority, OPTINT, _, "job_max_priority",  \
	  0)                                                                   \
	X(S, JobMaxCount, job_max_count, OPTINT, _, "job_max_count", 0)
SCHEMA_DECLARE(agent_server, AGENT_SERVER_FIELDS);

#define AGENT_RESERVED_FIELDS(X, S)                                      \
	X(S, CPU, cpu, INT, _, "cpu", 0)                                 \
	X(S, MemoryMB, memory_mb, INT, _, "memory", 0)                   \
	X(S, DiskMB, disk_mb, INT, _, "disk", 0)                         \
	X(S, ReservedPorts, reserved_ports, STR, _, "reserved_ports", 0) \
	X(S, Cores, cores, STR, _, "cores", 0)
SCHEMA_DECLARE(agent_reserved, AGENT_RESERVED_FIELDS);

#define AGENT_HOST_VOLUME_FIELDS(X, S)           \
	X(S, Name, name, STR, _, NULL, SF_LABEL) \
	X(S, Path, path, STR, _, "path", 0)      \
	X(S, ReadOnly, read_only, BOOL, _, "read_only", 0)
SCHEMA_DECLARE(agent_host_volume, AGENT_HOST_VOLUME_FIELDS);

#define AGENT_CLIENT_FIELDS(X, S)                                              \
	X(S, Enabled, enabled, BOOL, _, "enabled", 0)                          \
	X(S, StateDir, state_dir, STR, _, "state_dir", 0)                      \
	X(S, AllocDir, alloc_dir, STR, _, "alloc_dir", 0)                      \
	X(S, Servers, servers, STRLIST, _, "servers", 0)                       \
	X(S, NodeClass, node_class, STR, _, "node_class", 0)                   \
	X(S, NodePool, node_pool, STR, _, "node_pool", 0)                      \
	X(S, Options, options, STRMAP, _, "options", 0)                        \
	X(S, Meta, meta, STRMAP, _, "meta", 0)                                 \
	X(S, ChrootEnv, chroot_env, STRMAP, _, "chroot_env", 0)                \
	X(S, NetworkInterface, network_interface, STR, _, "network_interface", \
	  0)                                                                   \
	X(S, NetworkSpeed, network_speed, INT, _, "network_speed", 0)          \
	X(S, CpuCompute, cpu_total_compute, INT, _, "cpu_total_compute", 0)    \
	X(S, MemoryMB, memory_total_mb, INT, _, "memory_total_mb", 0)          \
	X(S, DiskTotalMB, disk_total_mb, INT, _, "disk_total_mb", 0)           \
	X(S, MaxKillTimeout, max_kill_timeout, DUR, _, "max_kill_timeout", 0)  \
	X(S, MinDynamicPort, min_dynamic_port, INT, _, "min_dynamic_port", 0)  \
	X(S, MaxDynamicPort, max_dynamic_port, INT, _, "max_dynamic_port", 0)  \
	X(S, Reserved, reserved, STRUCT, agent_reserved, "reserved", 0)        \
	X(S, GCInterval, gc_interval, DUR, _, "gc_interval", 0)                \
	X(S, GCParallelDestroys, gc_parallel_destroys, INT, _,                 \
	  "gc_parallel_destroys", 0)                                           \
	X(S, GCDiskUsageThreshold, gc_disk_usage_threshold, FLOAT, _,          \
	  "gc_disk_usage_threshold", 0)                                        \
	X(S, GCInodeUsageThreshold, gc_inode_usage_threshold, FLOAT, _,        \
	  "gc_inode_usage_threshold", 0)                                       \
	X(S, GCMaxAllocs, gc_max_allocs, INT, _, "gc_max_allocs", 0)           \
	X(S, NoHostUUID, no_host_uuid, OPTBOOL, _, "no_host_uuid", 0)          \
	X(S, DisableRemoteExec, disable_remote_exec, BOOL, _,                  \
	  "disable_remote_exec", 0)                                            \
	X(S, ServerJoin, server_join, STRUCT, agent_server_join,               \
	  "server_join", 0)                                                    \
	X(S, HostVolumes, host_volumes, LIST, agent_host_volume,               \
	  "host_volume", 0)                                                    \
	X(S, CNIPath, cni_path, STR, _, "cni_path", 0)                         \
	X(S, CNIConfigDir, cni_config_dir, STR, _, "cni_config_dir", 0)        \
	X(S, BridgeNetworkName, bridge_network_name, STR, _,                   \
	  "bridge_network_name", 0)                                            \
	X(S, BridgeNetworkSubnet, bridge_network_subnet, STR, _,               \
	  "bridge_network_subnet", 0)                                          \
	X(S, CgroupParent, cgroup_parent, STR, _, "cgroup_parent", 0)          \
	X(S, NodeMaxAllocs, node_max_allocs, INT, _, "node_max_allocs", 0)
SCHEMA_DECLARE(agent_client, AGENT_CLIENT_FIELDS);

/* plugin "raw_exec" { args = [...]  config { enabled = true } } */
#define AGENT_PLUGIN_FIELDS(X, S)                \
	X(S, Name, name, STR, _, NULL, SF_LABEL) \
	X(S, Args, args, STRLIST, _, "args", 0)  \
	X(S, Config, config, VALUE, _, "config", 0)
SCHEMA_DECLARE(agent_plugin, AGENT_PLUGIN_FIELDS);

#define AGENT_CONFIG_FIELDS(X, S)                                              \
	X(S, Region, region, STR, _, "region", 0)                              \
	X(S, Datacenter, datacenter, STR, _, "datacenter", 0)                  \
	X(S, NodeName, name, STR, _, "name", 0)                                \
	X(S, DataDir, data_dir, STR, _, "data_dir", 0)                         \
	X(S, PluginDir, plugin_dir, STR, _, "plugin_dir", 0)                   \
	X(S, LogLevel, log_level, STR, _, "log_level", 0)                      \
	X(S, LogJson, log_json, BOOL, _, "log_json", 0)                        \
	X(S, LogFile, log_file, STR, _, "log_file", 0)                         \
	X(S, LogIncludeLocation, log_include_location, BOOL, _,                \
	  "log_include_location", 0)                                           \
	X(S, LogRotateDuration, log_rotate_duration, DUR, _,                   \
	  "log_rotate_duration", 0)                                            \
	X(S, LogRotateBytes, log_rotate_bytes, INT, _, "log_rotate_bytes", 0)  \
	X(S, LogRotateMaxFiles, log_rotate_max_files, INT, _,                  \
	  "log_rotate_max_files", 0)                                           \
	X(S, BindAddr, bind_addr, STR, _, "bind_addr", 0)                      \
	X(S, EnableDebug, enable_debug, BOOL, _, "enable_debug", 0)            \
	X(S, Ports, ports, STRUCT, agent_ports, "ports", 0)                    \
	X(S, Addresses, addresses, STRUCT, agent_addresses, "addresses", 0)    \
	X(S, AdvertiseAddrs, advertise, STRUCT, agent_advertise, "advertise",  \
	  0)                                                                   \
	X(S, Client, client, STRUCT, agent_client, "client", 0)                \
	X(S, Server, server, STRUCT, agent_server, "server", 0)                \
	X(S, ACL, acl, STRUCT, agent_acl, "acl", 0)                            \
	X(S, LeaveOnInt, leave_on_interrupt, BOOL, _, "leave_on_interrupt", 0) \
	X(S, LeaveOnTerm, leave_on_terminate, BOOL, _, "leave_on_terminate",   \
	  0)                                                                   \
	X(S, EnableSyslog, enable_syslog, BOOL, _, "enable_syslog", 0)         \
	X(S, SyslogFacility, syslog_facility, STR, _, "syslog_facility", 0)    \
	X(S, DisableUpdateCheck, disable_update_check, OPTBOOL, _,             \
	  "disable_update_check", 0)                                           \
	X(S, DisableAnonymousSignature, disable_anonymous_signature, BOOL, _,  \
	  "disable_anonymous_signature", 0)                                    \
	X(S, HTTPAPIResponseHeaders, http_api_response_headers, STRMAP, _,     \
	  "http_api_response_headers", 0)                                      \
	X(S, Plugins, plugins, LIST, agent_plugin, "plugin", 0)                \
	X(S, Telemetry, telemetry, VALUE, _, "telemetry", 0)                   \
	X(S, UI, ui, VALUE, _, "ui", 0)                                        \
	X(S, Consul, consul, VALUE, _, "consul", SF_NOJSON)                    \
	X(S, Vault, vault, VALUE, _, "vault", SF_NOJSON)                       \
	X(S, Files, files, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(agent_config, AGENT_CONFIG_FIELDS);

/* Largest configuration file accepted, in bytes. */
#define CONFIG_MAX_FILE (1024u * 1024)

/* Parses one configuration file's text into a zeroed out. The text is
 * JSON when filename ends in ".json" or the first non-blank byte is `{`,
 * HCL otherwise. HCL errors are "FILE:LINE:COL: message"; JSON errors
 * "FILE: key.path: message" (or FILE:LINE:COL for syntax errors). On error
 * out is released. Returns ERR_OK, ERR_PARSE or ERR_NOMEM. */
int config_parse(const char *filename, const char *src, size_t len,
                 struct agent_config *out, struct err *e);

/* Loads a file, or a directory: every *.hcl and *.json file in it (not
 * subdirectories, not editor temporaries such as "x~" or ".#x") in
 * lexical order, each merged over the previous ones with config_merge.
 * An empty directory gives an empty configuration. Every file read is
 * appended to out->files. out must be zeroed; on error it is released.
 * Errors: ERR_IO ("PATH: no such file or directory"), ERR_TOOBIG, and
 * those of config_parse. */
int config_parse_path(const char *path, struct agent_config *out,
                      struct err *e);

/* Merges src over dst as Nomad's Config.Merge does: a value set in src
 * (non-empty string, non-zero number or duration, true bool, set optional)
 * replaces dst's; a false bool or a zero never unsets anything. Maps
 * (meta, options, chroot_env, headers) merge key by key; plugins and host
 * volumes merge by name; free-form blocks are replaced; lists are
 * replaced when src has any, except those Nomad appends: client.servers,
 * server.retry_join, server.start_join, server.enabled_schedulers and
 * files. Returns ERR_OK or ERR_NOMEM (dst then holds a partial merge and
 * is still safe to release). */
int config_merge(struct agent_config *dst, const struct agent_config *src);

/* Fills a zeroed c with Nomad's defaults (agent DefaultConfig plus the
 * server defaults of nomad.DefaultConfig): region "global", datacenter
 * "dc1", name = this host's name, bind_addr "0.0.0.0", log_level "INFO",
 * ports 4646/4647/4648, acl TTLs 30s, server raft_protocol 3,
 * raft_multiplier 1, num_schedulers = online CPUs, heartbeat_grace 10s,
 * min_heartbeat_ttl 10s, failover_heartbeat_ttl 30s, the GC thresholds,
 * job priorities 50/100, client node_pool "default", dynamic ports
 * 20000-32000, gc_interval 1m, server_join retry_interval 30s... Returns
 * ERR_OK or ERR_NOMEM (c then released). */
int config_defaults(struct agent_config *c);

/* Checks a merged configuration and appends one message per problem to
 * errs, naming the key by its HCL path:
 *   log_level: invalid log level "LOUD"; valid levels are TRACE, DEBUG,
 *     INFO, WARN, ERROR, OFF
 *   server.bootstrap_expect: bootstrap requires server mode to be enabled
 *   server.raft_multiplier: must be between 1 and 10, got 11
 *   ports.http: 70000 is not a valid port (1-65535)
 * Returns ERR_OK, or ERR_VALIDATE when it added anything. */
int config_validate(const struct agent_config *c, struct errlist *errs);

void config_release(struct agent_config *c);

#endif
