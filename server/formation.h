/* server/formation.h: cluster formation decisions, as pure functions.
 *
 * Servers learn about each other by exchanging member lists over RPC
 * (Cluster.Exchange) with the addresses they were told to join and with
 * every member they know: a lightweight stand-in for Nomad's Serf gossip.
 * Each member carries its identity, its `bootstrap_expect` and whether it
 * already has Raft state. From that view, formation_decide says what this
 * server should do next: wait (and why, in words an operator can act on),
 * bootstrap with an exact sorted configuration, or join the existing
 * cluster (the leader adds it). No clocks, no I/O: `now` comes in. */
#ifndef STEPPE_SERVER_FORMATION_H
#define STEPPE_SERVER_FORMATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "structs/schema.h"

/* One server as the others see it. */
#define SERVER_MEMBER_FIELDS(X, S)                    \
	X(S, Name, name, STR, _, NULL, 0)             \
	X(S, ID, id, STR, _, NULL, 0)                 \
	X(S, RaftID, raft_id, UINT, _, NULL, 0)       \
	X(S, Region, region, STR, _, NULL, 0)         \
	X(S, Datacenter, datacenter, STR, _, NULL, 0) \
	X(S, Addr, addr, STR, _, NULL, 0)             \
	X(S, HTTPAddr, http_addr, STR, _, NULL, 0)    \
	X(S, Expect, expect, INT, _, NULL, 0)         \
	X(S, HasRaft, has_raft, BOOL, _, NULL, 0)     \
	X(S, Build, build, STR, _, NULL, 0)           \
	X(S, LastSeen, last_seen, NSTIME, _, NULL, 0) \
	X(S, Status, status, STR, _, NULL, 0)         \
	X(S, Bootstrap, bootstrap, STRLIST, _, NULL, SF_OMIT)
SCHEMA_DECLARE(server_member, SERVER_MEMBER_FIELDS);

/* Cluster.Exchange arguments and reply: the sender's view. */
#define SERVER_MEMBERS_FIELDS(X, S) \
	X(S, Members, members, LIST, server_member, NULL, 0)
SCHEMA_DECLARE(server_members, SERVER_MEMBERS_FIELDS);

/* How long a member stays "alive" without a successful exchange. */
#define FORMATION_FAILED_AFTER_NS (10LL * 1000000000LL)

/* Merges `from` into `into` (keyed by RaftID, then Name): a newer LastSeen
 * wins; members of another region are ignored. Returns ERR_OK or
 * ERR_NOMEM. */
int formation_merge(struct server_members *into,
                    const struct server_members *from, const char *region);

/* Marks members alive/failed from LastSeen and now (self is always alive).
 */
void formation_refresh(struct server_members *m, uint64_t self_raft_id,
                       int64_t now_ns);

enum formation_action {
	FORMATION_WAIT,
	FORMATION_BOOTSTRAP,
	FORMATION_JOIN, /* a cluster exists: wait for its leader to add us */
	FORMATION_NONE, /* we have Raft state: nothing to decide */
};

struct formation_decision {
	enum formation_action action;
	char why[256];    /* for WAIT: what we are waiting for */
	uint64_t ids[16]; /* for BOOTSTRAP: raft IDs, sorted */
	const char *addrs[16];
	size_t n;
};

/* Decides from the current view. self must be in m. A member with Raft
 * state means JOIN, except when that member bootstrapped a configuration
 * naming self (its Bootstrap list, "id@addr" entries): then self missed
 * the moment and BOOTSTRAPs with exactly that configuration, since a
 * server with no configuration neither votes nor stands for election. */
void formation_decide(const struct server_members *m, uint64_t self_raft_id,
                      bool self_has_raft, int64_t expect,
                      struct formation_decision *out);

#endif
