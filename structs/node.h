/* structs/node.h: client nodes as the servers know them.
 *
 * SecretID is an ordinary field (the API layer blanks it in reads).
 * StatusUpdatedAt is Unix seconds, as in Nomad. The Cpu part of
 * NodeResources is Nomad's LegacyNodeCpuResources (CpuShares = MHz total);
 * Processors carries the NUMA topology free-form. Lists of core numbers
 * ([]uint16) and the CSI plugin and device maps are free-form VALUEs.
 * client_host_volume / client_host_network are also the agent config's
 * `host_volume "<name>" {}` and `host_network "<name>" {}` blocks. */
#ifndef STEPPE_STRUCTS_NODE_H
#define STEPPE_STRUCTS_NODE_H

#include <stdbool.h>

#include "structs/job.h"
#include "structs/schema.h"
#include "structs/status.h"

/* ---- resources ---------------------------------------------------------- */

#define NODE_CPU_RESOURCES_FIELDS(X, S)                       \
	X(S, CpuShares, cpu_shares, INT, _, NULL, 0)          \
	X(S, TotalCpuCores, total_cpu_cores, INT, _, NULL, 0) \
	X(S, ReservableCpuCores, reservable_cpu_cores, VALUE, _, NULL, 0)
SCHEMA_DECLARE(node_cpu_resources, NODE_CPU_RESOURCES_FIELDS);

#define NODE_PROCESSOR_RESOURCES_FIELDS(X, S) \
	X(S, Topology, topology, VALUE, _, NULL, 0)
SCHEMA_DECLARE(node_processor_resources, NODE_PROCESSOR_RESOURCES_FIELDS);

#define NODE_MEMORY_RESOURCES_FIELDS(X, S) \
	X(S, MemoryMB, memory_mb, INT, _, NULL, 0)
SCHEMA_DECLARE(node_memory_resources, NODE_MEMORY_RESOURCES_FIELDS);

#define NODE_DISK_RESOURCES_FIELDS(X, S) X(S, DiskMB, disk_mb, INT, _, NULL, 0)
SCHEMA_DECLARE(node_disk_resources, NODE_DISK_RESOURCES_FIELDS);

/* Family "ipv4" / "ipv6"; ReservedPorts a port spec like "22,80-90". */
#define NODE_NETWORK_ADDRESS_FIELDS(X, S)                    \
	X(S, Family, family, STR, _, NULL, 0)                \
	X(S, Alias, alias, STR, _, NULL, 0)                  \
	X(S, Address, address, STR, _, NULL, 0)              \
	X(S, ReservedPorts, reserved_ports, STR, _, NULL, 0) \
	X(S, Gateway, gateway, STR, _, NULL, 0)
SCHEMA_DECLARE(node_network_address, NODE_NETWORK_ADDRESS_FIELDS);

#define NODE_NETWORK_RESOURCE_FIELDS(X, S)             \
	X(S, Mode, mode, STR, _, NULL, 0)              \
	X(S, Device, device, STR, _, NULL, 0)          \
	X(S, MacAddress, mac_address, STR, _, NULL, 0) \
	X(S, Speed, speed, INT, _, NULL, 0)            \
	X(S, Addresses, addresses, LIST, node_network_address, NULL, 0)
SCHEMA_DECLARE(node_network_resource, NODE_NETWORK_RESOURCE_FIELDS);

#define NODE_RESOURCES_FIELDS(X, S)                                          \
	X(S, Cpu, cpu, STRUCT, node_cpu_resources, NULL, 0)                  \
	X(S, Processors, processors, STRUCT, node_processor_resources, NULL, \
	  0)                                                                 \
	X(S, Memory, memory, STRUCT, node_memory_resources, NULL, 0)         \
	X(S, Disk, disk, STRUCT, node_disk_resources, NULL, 0)               \
	X(S, Devices, devices, VALUE, _, NULL, 0)                            \
	X(S, NodeNetworks, node_networks, LIST, node_network_resource, NULL, \
	  0)                                                                 \
	X(S, Networks, networks, LIST, network_resource, NULL, 0)            \
	X(S, MinDynamicPort, min_dynamic_port, INT, _, NULL, 0)              \
	X(S, MaxDynamicPort, max_dynamic_port, INT, _, NULL, 0)
SCHEMA_DECLARE(node_resources, NODE_RESOURCES_FIELDS);

#define NODE_RESERVED_CPU_RESOURCES_FIELDS(X, S)     \
	X(S, CpuShares, cpu_shares, INT, _, NULL, 0) \
	X(S, ReservedCpuCores, reserved_cpu_cores, VALUE, _, NULL, 0)
SCHEMA_DECLARE(node_reserved_cpu_resources, NODE_RESERVED_CPU_RESOURCES_FIELDS);

#define NODE_RESERVED_MEMORY_RESOURCES_FIELDS(X, S) \
	X(S, MemoryMB, memory_mb, INT, _, NULL, 0)
SCHEMA_DECLARE(node_reserved_memory_resources,
               NODE_RESERVED_MEMORY_RESOURCES_FIELDS);

#define NODE_RESERVED_DISK_RESOURCES_FIELDS(X, S) \
	X(S, DiskMB, disk_mb, INT, _, NULL, 0)
SCHEMA_DECLARE(node_reserved_disk_resources,
               NODE_RESERVED_DISK_RESOURCES_FIELDS);

#define NODE_RESERVED_NETWORK_RESOURCES_FIELDS(X, S) \
	X(S, ReservedHostPorts, reserved_host_ports, STR, _, NULL, 0)
SCHEMA_DECLARE(node_reserved_network_resources,
               NODE_RESERVED_NETWORK_RESOURCES_FIELDS);

#define NODE_RESERVED_RESOURCES_FIELDS(X, S)                                  \
	X(S, Cpu, cpu, STRUCT, node_reserved_cpu_resources, NULL, 0)          \
	X(S, Memory, memory, STRUCT, node_reserved_memory_resources, NULL, 0) \
	X(S, Disk, disk, STRUCT, node_reserved_disk_resources, NULL, 0)       \
	X(S, Networks, networks, STRUCT, node_reserved_network_resources,     \
	  NULL, 0)
SCHEMA_DECLARE(node_reserved_resources, NODE_RESERVED_RESOURCES_FIELDS);

/* ---- drivers, events, drains, host volumes ------------------------------ */

#define DRIVER_INFO_FIELDS(X, S)                                     \
	X(S, Attributes, attributes, STRMAP, _, NULL, 0)             \
	X(S, Detected, detected, BOOL, _, NULL, 0)                   \
	X(S, Healthy, healthy, BOOL, _, NULL, 0)                     \
	X(S, HealthDescription, health_description, STR, _, NULL, 0) \
	X(S, UpdateTime, update_time, TIME, _, NULL, 0)
SCHEMA_DECLARE(driver_info, DRIVER_INFO_FIELDS);

#define NODE_EVENT_FIELDS(X, S)                      \
	X(S, Message, message, STR, _, NULL, 0)      \
	X(S, Subsystem, subsystem, STR, _, NULL, 0)  \
	X(S, Details, details, STRMAP, _, NULL, 0)   \
	X(S, Timestamp, timestamp, TIME, _, NULL, 0) \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(node_event, NODE_EVENT_FIELDS);

/* Nomad embeds DrainSpec (Deadline, IgnoreSystemJobs); embedded fields are
 * flattened in JSON, so they are plain fields here. Deadline 0 means no
 * deadline; below 0 forces the drain now (ForceDeadline = now). */
#define DRAIN_STRATEGY_FIELDS(X, S)                                  \
	X(S, Deadline, deadline, DUR, _, NULL, 0)                    \
	X(S, IgnoreSystemJobs, ignore_system_jobs, BOOL, _, NULL, 0) \
	X(S, ForceDeadline, force_deadline, TIME, _, NULL, 0)        \
	X(S, StartedAt, started_at, TIME, _, NULL, 0)
SCHEMA_DECLARE(drain_strategy, DRAIN_STRATEGY_FIELDS);

#define DRAIN_METADATA_FIELDS(X, S)                    \
	X(S, StartedAt, started_at, TIME, _, NULL, 0)  \
	X(S, UpdatedAt, updated_at, TIME, _, NULL, 0)  \
	X(S, Status, status, STR, _, NULL, 0)          \
	X(S, AccessorID, accessor_id, STR, _, NULL, 0) \
	X(S, Meta, meta, STRMAP, _, NULL, 0)
SCHEMA_DECLARE(drain_metadata, DRAIN_METADATA_FIELDS);

#define CLIENT_HOST_VOLUME_FIELDS(X, S)                    \
	X(S, Name, name, STR, _, NULL, SF_LABEL)           \
	X(S, Path, path, STR, _, "path", 0)                \
	X(S, ReadOnly, read_only, BOOL, _, "read_only", 0) \
	X(S, ID, id, STR, _, NULL, 0)
SCHEMA_DECLARE(client_host_volume, CLIENT_HOST_VOLUME_FIELDS);

#define CLIENT_HOST_NETWORK_FIELDS(X, S)                   \
	X(S, Name, name, STR, _, NULL, SF_LABEL)           \
	X(S, CIDR, cidr, STR, _, "cidr", 0)                \
	X(S, Interface, interface, STR, _, "interface", 0) \
	X(S, ReservedPorts, reserved_ports, STR, _, "reserved_ports", 0)
SCHEMA_DECLARE(client_host_network, CLIENT_HOST_NETWORK_FIELDS);

/* ---- node --------------------------------------------------------------- */

#define NODE_FIELDS(X, S)                                                     \
	X(S, ID, id, STR, _, NULL, 0)                                         \
	X(S, SecretID, secret_id, STR, _, NULL, 0)                            \
	X(S, Datacenter, datacenter, STR, _, NULL, 0)                         \
	X(S, Name, name, STR, _, NULL, 0)                                     \
	X(S, CgroupParent, cgroup_parent, STR, _, NULL, 0)                    \
	X(S, HTTPAddr, http_addr, STR, _, NULL, 0)                            \
	X(S, TLSEnabled, tls_enabled, BOOL, _, NULL, 0)                       \
	X(S, Attributes, attributes, STRMAP, _, NULL, SF_OMIT)                \
	X(S, NodeResources, node_resources, PTR, node_resources, NULL,        \
	  SF_OMIT)                                                            \
	X(S, ReservedResources, reserved_resources, PTR,                      \
	  node_reserved_resources, NULL, SF_OMIT)                             \
	X(S, Links, links, STRMAP, _, NULL, 0)                                \
	X(S, Meta, meta, STRMAP, _, NULL, 0)                                  \
	X(S, NodeClass, node_class, STR, _, NULL, 0)                          \
	X(S, NodePool, node_pool, STR, _, NULL, 0)                            \
	X(S, ComputedClass, computed_class, STR, _, NULL, 0)                  \
	X(S, DrainStrategy, drain_strategy, PTR, drain_strategy, NULL, 0)     \
	X(S, SchedulingEligibility, scheduling_eligibility, STR, _, NULL, 0)  \
	X(S, Status, status, STR, _, NULL, 0)                                 \
	X(S, StatusDescription, status_description, STR, _, NULL, 0)          \
	X(S, IdentitySigningKeyID, identity_signing_key_id, STR, _, NULL, 0)  \
	X(S, StatusUpdatedAt, status_updated_at, INT, _, NULL, 0)             \
	X(S, Events, events, LIST, node_event, NULL, 0)                       \
	X(S, Drivers, drivers, MAP, driver_info, NULL, 0)                     \
	X(S, CSIControllerPlugins, csi_controller_plugins, VALUE, _, NULL, 0) \
	X(S, CSINodePlugins, csi_node_plugins, VALUE, _, NULL, 0)             \
	X(S, HostVolumes, host_volumes, MAP, client_host_volume, NULL, 0)     \
	X(S, GCVolumesOnNodeGC, gc_volumes_on_node_gc, BOOL, _, NULL, 0)      \
	X(S, HostNetworks, host_networks, MAP, client_host_network, NULL, 0)  \
	X(S, LastDrain, last_drain, PTR, drain_metadata, NULL, 0)             \
	X(S, NodeMaxAllocs, node_max_allocs, INT, _, NULL, 0)                 \
	X(S, LastMissedHeartbeatIndex, last_missed_heartbeat_index, UINT, _,  \
	  NULL, 0)                                                            \
	X(S, LastAllocUpdateIndex, last_alloc_update_index, UINT, _, NULL, 0) \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)                     \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(node, NODE_FIELDS);

/* Status "ready", no drain and eligible: can take new allocations. */
bool node_ready(const struct node *n);
/* "down" (the node's allocations are lost); "disconnected" is not. */
bool node_status_terminal(const char *status);
/* Node events keep the newest NODE_MAX_EVENTS, as Nomad does. */
#define NODE_MAX_EVENTS 10
/* Appends a copy of ev, dropping the oldest beyond NODE_MAX_EVENTS.
 * Returns 0 or ERR_NOMEM (the node is unchanged then). */
int node_add_event(struct node *n, const struct node_event *ev);
/* Releases and frees a heap node (NULL is fine). */
void node_free(struct node *n);

#endif
