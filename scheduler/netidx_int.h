/* scheduler/netidx_int.h: the port index's private parts, shared by
 * netidx.c and netidx_assign.c. */
#ifndef STEPPE_SCHEDULER_NETIDX_INT_H
#define STEPPE_SCHEDULER_NETIDX_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "scheduler/netidx.h"

/* Ports per chunk of a bitmap: a node uses a handful of ports, so only
 * the chunks holding one are allocated (a flat 8 KB bitmap per node and
 * IP was most of a 10,000-node scheduler run's memory and page faults). */
#define NETIDX_CHUNK_PORTS 4096
#define NETIDX_CHUNKS      (NETIDX_MAX_PORT / NETIDX_CHUNK_PORTS)

/* The ports in use on one IP: bit p set = port p used. */
struct netidx_used {
	char *ip;
	uint8_t *chunk[NETIDX_CHUNKS]; /* NETIDX_CHUNK_PORTS bits, or NULL */
	bool oom;                      /* a chunk could not be allocated */
};

/* The bitmap of ip, NULL when nothing is used there. */
const struct netidx_used *netidx_find_used(const struct netidx *x,
                                           const char *ip);
/* Whether port is set in u (false for NULL u or out-of-range ports). */
bool netidx_bit(const struct netidx_used *u, int64_t port);

#endif
