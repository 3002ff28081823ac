/* server/heartbeat.h: the leader's heartbeat timers, one per client node.
 *
 * A node's register and status calls reset its timer to TTL + grace and
 * tell the node its TTL: max(min_ttl, nodes / max_per_second), plus a
 * random part up to the same again (Nomad's spread of heartbeats). A timer
 * that expires calls the expiry callback (the server marks the node down
 * through Raft). A new leader arms every live node's timer with the
 * failover TTL, so a leader change does not fail nodes that are fine. */
#ifndef STEPPE_SERVER_HEARTBEAT_H
#define STEPPE_SERVER_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct heartbeats;

struct heartbeat_config {
	int64_t min_ttl_ns;      /* 0: 10 s */
	int64_t grace_ns;        /* 0: 10 s */
	double max_per_second;   /* 0: 50 */
	int64_t failover_ttl_ns; /* 0: 30 s */
	void (*expired)(void *data, const char *node_id);
	void *data;
};

int heartbeats_create(uv_loop_t *loop, const struct heartbeat_config *c,
                      struct heartbeats **out);
/* Closes every timer; frees h once they are closed. */
void heartbeats_destroy(struct heartbeats *h);
/* Resets (or starts) node_id's timer; returns the TTL to hand the node,
 * in ns; 0 when out of memory (the node is then not tracked). */
int64_t heartbeats_reset(struct heartbeats *h, const char *node_id);
/* Arms node_id with the failover TTL (leadership gained), raised to what
 * the heartbeat TTLs of a cluster of `nodes` nodes may be, plus grace. */
void heartbeats_arm_failover(struct heartbeats *h, const char *node_id,
                             size_t nodes);
/* Stops tracking node_id (deregistered, or marked down). */
void heartbeats_forget(struct heartbeats *h, const char *node_id);
/* Stops tracking every node (leadership lost). */
void heartbeats_clear(struct heartbeats *h);
size_t heartbeats_count(const struct heartbeats *h);

#endif
