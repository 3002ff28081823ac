/* client/client.h: the client role (`steppe agent -client`).
 *
 * A client fingerprints its node, registers it with the servers (the node
 * ID and secret persist in the state dir), heartbeats at the TTL the
 * servers hand back, pulls its allocations with blocking queries and runs
 * each through an alloc runner (client/allocrunner.c) whose task runners
 * (client/taskrunner.c) start tasks through the drivers (client/driver.h).
 * Status changes go back to the servers in batches (Node.UpdateAlloc).
 * Everything runs on the agent's loop; blocking work (fingerprinting,
 * starting a task, downloading artifacts) runs on libuv's thread pool.
 *
 * Tasks outlive the agent: stopping a client leaves them running, and a
 * client started again on the same state dir adopts them (reattach). */
#ifndef STEPPE_CLIENT_CLIENT_H
#define STEPPE_CLIENT_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lib/err.h"
#include "rpc/rpc.h"

struct agent_config;
struct rpc_pool;
struct client;

struct client_config {
	uv_loop_t *loop;
	struct rpc_pool *pool;
	/* The agent's configuration: name, datacenter, region, data_dir,
	 * client { ... } and plugin blocks. Borrowed; must outlive the
	 * client. */
	const struct agent_config *agent;
	/* Servers to talk to ("ip:port"), borrowed for create only. */
	const char *const *servers;
	size_t nservers;
	/* This agent's advertised HTTP address ("ip:port"): servers send
	 * /v1/client/... requests for this node's allocations there. */
	const char *http_addr;
	/* The steppe binary re-executed as the task executor; NULL:
	 * /proc/self/exe. */
	const char *executor_path;
};

/* Creates a client (nothing runs yet). Errors: bad configuration (named),
 * state dir not writable. */
int client_create(const struct client_config *cfg, struct client **out,
                  struct err *e);
/* Loads the saved allocations (adopting their running tasks),
 * fingerprints the node on the thread pool, then registers and starts
 * pulling. */
int client_start(struct client *c, struct err *e);
/* Stops talking to the servers and closes every handle; running tasks are
 * left alone for the next start to adopt. cb fires once everything is
 * closed; then client_destroy. */
void client_stop(struct client *c, void (*cb)(void *data), void *data);
/* Frees the client (NULL is fine). */
void client_destroy(struct client *c);

/* This node's ID ("" before the state is loaded). */
const char *client_node_id(const struct client *c);

/* ---- for the HTTP API (/v1/client/...) ---------------------------------- */

/* The host path of allocation id's directory when this client runs it:
 * ERR_NOTFOUND ("unknown allocation") otherwise. */
int client_alloc_dir(struct client *c, const char *alloc_id, char *out,
                     size_t size, struct err *e);
/* Whether the allocation has a task named task; ERR_NOTFOUND otherwise. */
int client_alloc_task(struct client *c, const char *alloc_id, const char *task,
                      struct err *e);
/* The allocation's only task when it has exactly one (for `alloc logs`
 * without a task name). */
int client_alloc_default_task(struct client *c, const char *alloc_id, char *out,
                              size_t size, struct err *e);
/* Restarts one task (task != NULL) or every running task of an
 * allocation, in place, as Nomad's /v1/client/allocation/:id/restart. */
int client_alloc_restart(struct client *c, const char *alloc_id,
                         const char *task, struct err *e);
/* Nomad's AllocResourceUsage for the allocation (Tasks with
 * ResourceUsage.MemoryStats / CpuStats, Timestamp). */
json_t *client_alloc_stats(struct client *c, const char *alloc_id,
                           struct err *e);
/* Nomad's HostStats subset for /v1/client/stats. */
json_t *client_host_stats(struct client *c);
/* The namespace of a local allocation (for ACL checks); ERR_NOTFOUND when
 * this client does not run it (client/forward.c). */
int client_alloc_namespace(struct client *c, const char *alloc_id, char *out,
                           size_t size, struct err *e);

/* Sends a caller's request to one of this client's servers, as a
 * client-only agent's HTTP API does for the server routes: the envelope
 * is req as given (the caller's AuthToken, never the node secret; the
 * agent's region when req has none), args encoded with as before this
 * returns. cb (rpc/rpc.h's rpc_reply_fn) fires exactly once unless this
 * returns an error (ERR_CLOSED while stopping, ERR_NOMEM, ...). A
 * transport failure moves later requests to the next server. Loop
 * thread (client/forward.c). */
int client_rpc(struct client *c, const struct rpc_request *req,
               const struct schema *as, const void *args, rpc_reply_fn cb,
               void *data);

#endif
