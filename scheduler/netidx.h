/* scheduler/netidx.h: the ports in use on one node and how new ones are
 * assigned (Nomad's NetworkIndex).
 *
 * Ports are tracked per host IP address in 65536-bit bitmaps. The node
 * contributes its host network addresses (NodeResources.NodeNetworks, by
 * alias; "default" is the usual one), its reserved host ports
 * (ReservedResources.Networks.ReservedHostPorts, on every address, plus
 * each address's own ReservedPorts) and, for the legacy task-level
 * `network` asks, its NodeResources.Networks with a device. Allocations
 * contribute AllocatedResources.Shared.Ports (or, for old ones, their
 * shared and task networks).
 *
 * Dynamic ports are picked as Nomad does: up to 20 random tries in
 * [MinDynamicPort, MaxDynamicPort) (defaults 20000, 32000), then a precise
 * scan of every free port in [min, max] choosing one at random. */
#ifndef STEPPE_SCHEDULER_NETIDX_H
#define STEPPE_SCHEDULER_NETIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "scheduler/sched.h"
#include "structs/structs.h"

#define NETIDX_MAX_PORT         65536
#define NETIDX_DEFAULT_MIN_PORT 20000
#define NETIDX_DEFAULT_MAX_PORT 32000
#define NETIDX_RAND_TRIES       20
/* Room for a failure reason ("reserved port collision http=8080"). */
#define NETIDX_WHY_MAX 256

/* One host network address of the node (strings borrowed from it). */
struct netidx_addr {
	const char *alias;
	const char *address;
};

/* One legacy task network of the node (NodeResources.Networks). */
struct netidx_tasknet {
	const char *device;
	const char *cidr;
	const char *ip;
	int64_t mbits;
	int64_t used_mbits;
};

struct netidx_used; /* one IP's bitmap */

/* Value type: netidx_init / netidx_release. Borrows the node's strings:
 * the node must outlive the index. */
struct netidx {
	struct netidx_addr *addrs;
	size_t naddrs;
	struct netidx_tasknet *tasknets;
	size_t ntasknets;
	struct netidx_used *used;
	size_t nused, capused;
	int64_t min_dynamic;
	int64_t max_dynamic;
	/* Ports of two proposed allocations collided (Nomad's "network: port
	 * collision"); the first reason is kept. */
	bool collision;
	char collision_reason[NETIDX_WHY_MAX];
};

/* Indexes node n: host addresses, reserved ports, dynamic range. Returns
 * 0, ERR_NOMEM, or ERR_INVAL when reserved ports do not parse (message in
 * e, e.g. `error parsing reserved_ports: port must be > 0`; the index is
 * then released). e may be NULL. */
int netidx_init(struct netidx *x, const struct node *n, struct err *e);
void netidx_release(struct netidx *x);
/* Deep copy into a zeroed dst. 0 or ERR_NOMEM (dst released). */
int netidx_copy(struct netidx *dst, const struct netidx *src);

/* Adds the ports of an allocation (client-terminal ones are skipped). A
 * port already in use sets the collision flag (unless IgnoreCollision).
 * Returns 0 or ERR_NOMEM. */
int netidx_add_alloc(struct netidx *x, const struct allocation *a);
/* Adds assigned port mappings (Nomad's AddReservedPorts); *collide (may be
 * NULL) tells whether one was in use already. 0 or ERR_NOMEM. */
int netidx_add_ports(struct netidx *x,
                     const struct allocated_port_mapping_list *ports,
                     bool *collide);
/* Adds a network resource's static and dynamic ports on its IP and its
 * bandwidth (Nomad's AddReserved). 0 or ERR_NOMEM. */
int netidx_add_network(struct netidx *x, const struct network_resource *n,
                       bool *collide);

/* Whether port is in use on ip (node reserved or allocated). */
bool netidx_port_used(const struct netidx *x, const char *ip, int64_t port);
bool netidx_collision(const struct netidx *x);

/* Nomad's AssignPorts for a group network ask: static ports
 * (ReservedPorts) on the first address of their host network where they
 * are free, then dynamic ports. An empty HostNetwork means "default";
 * templates ("${meta.x}") must already be resolved. offer->v must have
 * room for the ask's reserved plus dynamic ports; offer->n is set. The
 * mappings borrow their strings (labels from ask, host IPs from the
 * node the index was built on) and own nothing: the ranking makes one
 * per candidate node and copies only the winner's (schema_copy). Returns
 * 0, ERR_NOMEM, or ERR_CONFLICT (offer->n 0) with the reason in why
 * (NETIDX_WHY_MAX bytes): "reserved port collision http=8080", "invalid
 * port 70000 (out of range)", "no addresses available for default
 * network", "dynamic port selection failed". The index is not changed. */
int netidx_assign_ports(const struct netidx *x,
                        const struct network_resource *ask,
                        struct sched_rng *rng,
                        struct allocated_port_mapping_list *offer, char *why);

/* Nomad's AssignTaskNetwork for a legacy task-level network ask: the first
 * node task network (by device, then each IP of its CIDR) with bandwidth
 * left and the static ports free; dynamic ports are chosen there. Fills
 * the zeroed offer (schema_release with network_resource_schema). Returns
 * 0, ERR_NOMEM or ERR_CONFLICT with why: "no networks available",
 * "bandwidth exceeded", "reserved port collision http=8080", "dynamic port
 * selection failed". */
int netidx_assign_task_network(const struct netidx *x,
                               const struct network_resource *ask,
                               struct sched_rng *rng,
                               struct network_resource *offer, char *why);

/* Parses a port spec like "22,80-90" (Nomad's ParsePortRanges) and calls
 * fn for each port. Returns 0, or ERR_INVAL with a message in e ("port
 * must be > 0", "invalid range: ending value (80) less than starting (90)
 * value", ...). An empty spec is fine. */
int netidx_parse_ports(const char *spec, void (*fn)(void *data, unsigned port),
                       void *data, struct err *e);

#endif
