/* server/server.h: the server role. Holds the replicated state (a Raft
 * member and the state store it feeds), forms the cluster with its peers,
 * answers the server RPC endpoints and forwards what needs the leader.
 *
 * Threading: the agent's one uv loop. Wiring: the agent creates the RPC
 * server and pool and hands them here; server_create registers the
 * endpoints on that RPC server; the HTTP API calls them in-process with
 * server_call. */
#ifndef STEPPE_SERVER_SERVER_H
#define STEPPE_SERVER_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/err.h"
#include "rpc/rpc.h"

struct server;
struct store;

struct server_config {
	uv_loop_t *loop;
	const char *name; /* node name; members show "<name>.<region>" */
	const char *region;
	const char *datacenter;
	const char *data_dir;  /* server state goes to <data_dir>/server */
	const char *rpc_addr;  /* advertised RPC address "ip:port" */
	const char *http_addr; /* advertised HTTP address "ip:port" */
	int64_t bootstrap_expect;
	const char *const *join; /* retry_join addresses ("ip" = RPC port) */
	size_t njoin;
	int64_t join_interval_ns; /* 0: 1 s */
	unsigned raft_multiplier; /* 1..10; 0 = 1 */
	unsigned snapshot_threshold;
	int64_t no_leader_wait_ns; /* how long forwarding waits; 0: 5 s */
	/* Client heartbeats (0: defaults, see server/heartbeat.h). */
	int64_t min_heartbeat_ttl_ns;
	int64_t heartbeat_grace_ns;
	double max_heartbeats_per_second;
	int64_t failover_heartbeat_ttl_ns;
	unsigned num_schedulers; /* evaluations scheduled at once; 0: 4 */
	/* ACLs (the agent's acl block): off means every ACL.* endpoint
	 * answers "ACL support disabled" and server_acl_resolve hands out
	 * the management ACL. Token TTL bounds, 0: 1 min .. 24 h. */
	bool acl_enabled;
	int64_t acl_token_min_ttl_ns;
	int64_t acl_token_max_ttl_ns;
};

int server_create(const struct server_config *cfg, struct rpc_server *rpc,
                  struct rpc_pool *pool, struct server **out, struct err *e);
int server_start(struct server *s, struct err *e);
/* Leaves gracefully (a leader hands leadership over first); cb fires when
 * everything is closed; then server_destroy. */
void server_stop(struct server *s, void (*cb)(void *data), void *data);
void server_destroy(struct server *s);

/* Runs an endpoint in-process, with forwarding, as a remote caller would
 * see it (see rpc_server_dispatch). */
int server_call(struct server *s, const struct rpc_request *req,
                const struct schema *as, const void *args, rpc_reply_fn cb,
                void *data);

/* Every RPC method a server registers with its ACL rule as text
 * ("namespace:read-job", "node:write|node-secret", see
 * server_acl_rule_str), in registration order. Needs no server: the
 * tables are static (rpcpoke -methods prints them for the e2e tests). */
typedef void (*server_method_fn)(void *data, const char *method,
                                 const char *rule);
void server_each_method(server_method_fn fn, void *data);

/* For the HTTP API's health and agent endpoints. */
struct store *server_store(struct server *s);
bool server_is_leader(const struct server *s);
/* The leader's RPC address, "" when none is known. */
const char *server_leader_addr(const struct server *s);
/* Why there is no leader yet, for operators ("waiting for more servers
 * before bootstrapping: 2 of 3 expected servers known"); "" otherwise. */
const char *server_formation_status(const struct server *s);

/* ---- ACLs (server/acl_resolve.c) -------------------------------------- */

struct acl;

/* The compiled ACL of the token whose SecretID is secret, for checks
 * with acl/acl.h. "" or NULL is the anonymous caller: the policy named
 * "anonymous" if it exists, else an ACL that allows nothing. With ACLs
 * disabled: the management ACL. Errors (e gets Nomad's text, never the
 * secret): ERR_NOTFOUND "ACL token not found" for an unknown secret,
 * ERR_DENIED "ACL token expired" for an expired token, ERR_NOMEM. On
 * success *out holds a reference the caller drops with acl_release.
 * Compiled ACLs are cached until the ACL tables change. Loop thread. */
int server_acl_resolve(struct server *s, const char *secret, struct acl **out,
                       struct err *e);
bool server_acl_enabled(const struct server *s);

#endif
