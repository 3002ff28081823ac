/* raft/replica.h: this server's member of the Raft group, over libraft
 * 0.15 with its uv disk I/O and our own transport on the shared RPC port.
 * Nothing outside raft/ includes <raft.h>.
 *
 * Lifecycle: replica_create (opens the data dir, does not start),
 * replica_has_state (true when a log or snapshot exists: never bootstrap
 * then), replica_bootstrap (first start of an initial server only; every
 * initial server uses the same sorted configuration), replica_start,
 * replica_stop(cb) and replica_destroy after cb.
 *
 * Commands are one type byte plus a msgpack body (raft/fsm.h). The FSM
 * applies them to the state store on every server, in log order; the index
 * an entry lands at becomes the objects' CreateIndex/ModifyIndex.
 *
 * Leadership: libraft 0.15 has no state-change callback, so a short timer
 * watches raft_state() and calls on_leader(data, true/false) on changes. */
#ifndef STEPPE_RAFT_REPLICA_H
#define STEPPE_RAFT_REPLICA_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/err.h"
#include "structs/schema.h"

struct fsm_plan_local; /* raft/fsm.h */

struct replica;
struct rpc_server;
struct store;

struct replica_server {
	uint64_t id;
	char address[64]; /* RPC address "ip:port" */
	bool voter;
};

struct replica_config {
	uv_loop_t *loop;
	const char *dir;     /* Raft's directory; created if missing */
	uint64_t id;         /* this server's Raft ID (non-zero) */
	const char *address; /* this server's advertised RPC address */
	const char *region;
	struct rpc_server *rpc;        /* where peers' Raft streams arrive */
	struct store *store;           /* the FSM applies into it */
	unsigned election_timeout_ms;  /* 0: default */
	unsigned heartbeat_timeout_ms; /* 0: default */
	unsigned snapshot_threshold;   /* 0: default (8192) */
	unsigned snapshot_trailing;    /* 0: default (10240) */
	/* true once leadership is established (a barrier applied every
	 * earlier entry), false when it is lost. */
	void (*on_leader)(void *data, bool leader);
	/* May this peer open Raft? id and address from its hello, peer the
	 * connection's source "ip:port". */
	bool (*peer_allowed)(void *data, uint64_t id, const char *address,
	                     const char *peer);
	void *data;
};

int replica_create(const struct replica_config *cfg, struct replica **out,
                   struct err *e);
void replica_destroy(struct replica *r);
bool replica_has_state(const struct replica *r);
int replica_bootstrap(struct replica *r, const struct replica_server *servers,
                      size_t n, struct err *e);
int replica_start(struct replica *r, struct err *e);
/* Leaves gracefully: a leader first transfers leadership (bounded wait),
 * then Raft and its I/O close; cb fires when everything is closed. */
void replica_stop(struct replica *r, void (*cb)(void *data), void *data);

bool replica_is_leader(const struct replica *r);
/* The known leader's ID and RPC address (0 / "" when none). */
uint64_t replica_leader(const struct replica *r, char *addr, size_t size);
/* Milliseconds since a follower last heard from the leader (0 on the
 * leader itself). */
int64_t replica_last_contact_ms(const struct replica *r);
uint64_t replica_last_index(const struct replica *r);
uint64_t replica_applied_index(const struct replica *r);
/* The current configuration; *n set; at most max entries copied. */
size_t replica_servers(const struct replica *r, struct replica_server *out,
                       size_t max);

/* A write through the log. Caller-owned; cb fires exactly once unless
 * replica_apply returns an error: status ERR_OK with the entry's index
 * once applied locally, ERR_NOLEADER when this server is not the leader
 * (or lost leadership before commit), another code on failure. */
struct replica_apply {
	void *data;
	void (*cb)(struct replica_apply *req, int status, uint64_t index);
	void *priv; /* libraft's request */
};

/* Appends [type][msgpack body of schema s] to the log. Leader only. */
int replica_apply(struct replica *r, struct replica_apply *req, uint8_t type,
                  const struct schema *s, const void *body);
/* replica_apply of an FSM_ALLOC_PLAN body that this server then applies
 * from l (fsm_plan_apply_local) rather than from the encoded bytes. l,
 * its body and the plan allocations it names must stay as they are until
 * req's callback runs; the apply, if it comes, runs just before it. */
int replica_apply_plan(struct replica *r, struct replica_apply *req,
                       const struct fsm_plan_local *l);
/* Waits until every entry before now is applied (linearizable reads). */
int replica_barrier(struct replica *r, struct replica_apply *req);

/* Membership, leader only; cb as for apply (index 0). Adding a server
 * that is already there as a non-voter promotes it. */
int replica_add_voter(struct replica *r, struct replica_apply *req, uint64_t id,
                      const char *address);
int replica_remove(struct replica *r, struct replica_apply *req, uint64_t id);
int replica_transfer(struct replica *r, struct replica_apply *req, uint64_t id);

#endif
