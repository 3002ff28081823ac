/* client/fingerprint.h: what a client node is, as Nomad's client
 * fingerprinters describe it (Node.Attributes, NodeResources,
 * ReservedResources).
 *
 * fingerprint_node reads /proc, /sys, /etc/os-release, uname, statvfs and
 * the interface list; it does no network I/O. It may block on the file
 * system, so the client runs it on a pool thread. It is thread-safe (no
 * shared state). Driver attributes (driver.*), the node ID and SecretID
 * and ComputedClass are filled elsewhere (the client and the server).
 *
 * nomad.version is FINGERPRINT_NOMAD_VERSION, a Nomad release steppe
 * answers for: job files and the implied constraints the server adds test
 * `${attr.nomad.version}` with semver (>= 1.4.0 for native service checks,
 * >= 1.7.0-a for workload identities, >= 1.8.0-dev for schedules), so
 * steppe's own version (STEPPE_VERSION, 0.x) would make such jobs
 * unplaceable. steppe's own version is attribute steppe.version. */
#ifndef STEPPE_CLIENT_FINGERPRINT_H
#define STEPPE_CLIENT_FINGERPRINT_H

#include <stdint.h>

#include "lib/err.h"
#include "structs/node.h"

#define FINGERPRINT_NOMAD_VERSION "1.9.0"

/* Nomad's defaults. */
#define FINGERPRINT_MIN_DYNAMIC_PORT 20000
#define FINGERPRINT_MAX_DYNAMIC_PORT 32000
#define FINGERPRINT_DEFAULT_MBITS    1000
/* CPU speed assumed when neither cpufreq nor /proc/cpuinfo tells it. */
#define FINGERPRINT_DEFAULT_MHZ 1000

struct agent_host_volume_list;

/* Everything is borrowed; zero / NULL means "detect" or Nomad's default. */
struct fingerprint_config {
	const char *name;       /* node name; NULL/"": the hostname */
	const char *datacenter; /* NULL/"": "dc1" */
	const char *node_class;
	const char *node_pool; /* NULL/"": "default" */
	const struct strmap *meta;
	/* The advertised HTTP address "ip:port" (Node.HTTPAddr). When
	 * advertise_ip is unset and its host is an IP address (not
	 * 0.0.0.0), that IP is the node's address. */
	const char *http_addr;
	const char *advertise_ip;
	/* The client's alloc dir (need not exist yet): the disk
	 * fingerprint measures its file system. NULL: "/". */
	const char *alloc_dir;
	/* The interface whose first IPv4 address is the node's address;
	 * NULL: the interface holding advertise_ip, else the default
	 * route's, else "lo" with 127.0.0.1. */
	const char *network_interface;
	int64_t network_speed; /* Mbits; 0: /sys or 1000 */
	/* Overrides of what is detected. */
	int64_t cpu_total_compute; /* MHz across all cores */
	int64_t memory_total_mb;
	int64_t disk_total_mb;
	/* client { reserved { ... } } */
	int64_t reserved_cpu;
	int64_t reserved_memory_mb;
	int64_t reserved_disk_mb;
	const char *reserved_ports; /* "22,80-90" */
	int64_t min_dynamic_port;   /* 0: 20000 */
	int64_t max_dynamic_port;   /* 0: 32000 */
	/* client { host_volume "name" { path = ... } }: Node.HostVolumes;
	 * a path that does not exist is an error. NULL: none. */
	const struct agent_host_volume_list *host_volumes;
	/* Tests: a directory standing in for / when reading /proc, /sys and
	 * /etc files. NULL: the real ones. */
	const char *sysroot;
};

/* Fills a zeroed n (Name, Datacenter, NodeClass, NodePool, Meta,
 * HTTPAddr, HostVolumes, Attributes, NodeResources, ReservedResources).
 * On error n is released (schema_release(&node_schema, n) is also fine
 * after success). Errors: ERR_NOMEM, ERR_INVAL (a reserved or dynamic
 * port range that makes no sense, a host volume path that does not
 * exist, named). */
int fingerprint_node(const struct fingerprint_config *cfg, struct node *n,
                     struct err *e);

/* Go's GOARCH name for a uname machine ("x86_64" -> "amd64", "aarch64"
 * -> "arm64"); unknown names are returned unchanged. */
const char *fingerprint_goarch(const char *machine);

#endif
