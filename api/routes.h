/* api/routes.h: Nomad's HTTP routes on top of the server's RPC endpoints.
 *
 * Each route turns the request into an RPC (with the caller's token,
 * namespace, region and blocking/stale options), runs it in-process on a
 * server agent (server_call, which forwards to the leader as needed) and
 * reshapes the reply into the JSON Nomad returns. */
#ifndef STEPPE_API_ROUTES_H
#define STEPPE_API_ROUTES_H

#include "api/http.h"

struct server;

struct api_agent_info {
	const char *name;
	const char *region;
	const char *datacenter;
	const char *version;
	const char *rpc_addr;
	const char *http_addr;
	bool server;
	bool client;
};

/* Registers every route on h. server may be NULL (a client-only agent:
 * later). info is copied by reference and must outlive h. */
int api_routes_register(struct http_server *h, struct server *server,
			const struct api_agent_info *info);

/* Registers the node, allocation, plan and scale routes (api/routes_nodes.c,
 * api/routes_plan.c) on h, answering through server (may be NULL: they
 * answer 501). Called by api_routes_register. */
int api_routes_sched_register(struct http_server *h, struct server *server);

/* Registers the ACL and namespace routes (api/routes_acl.c) on h,
 * answering through server (may be NULL: they answer 501). Called by
 * api_routes_register. */
int api_routes_acl_register(struct http_server *h, struct server *server);

struct client;
/* Registers Nomad's /v1/client/... routes (api/routes_client.c): answered
 * by client (may be NULL) for its own allocations, relayed by server (may
 * be NULL) to the allocation's node otherwise. self_http is this agent's
 * advertised HTTP address. */
int api_routes_client_register(struct http_server *h, struct client *client,
                               struct server *server, const char *self_http);

#endif
