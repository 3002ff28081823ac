/* api/routes.h: Nomad's HTTP routes on top of the server's RPC endpoints.
 *
 * Each route turns the request into an RPC (with the caller's token,
 * namespace, region and blocking/stale options), runs it in-process on a
 * server agent (server_call, which forwards to the leader as needed) and
 * reshapes the reply into the JSON Nomad returns. */
#ifndef STEPPE_API_ROUTES_H
#define STEPPE_API_ROUTES_H

#include <stdio.h>

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
	/* How long a client-only agent keeps the ACL it resolved for a token
	 * through its servers (the agent's acl.token_ttl and policy_ttl, the
	 * smaller); 0 keeps nothing. */
	int64_t acl_ttl_ns;
};

struct client;

/* Registers every route on h, including the /v1/client/... ones
 * (api_routes_client_register). server is NULL on a client-only agent,
 * client NULL on a server-only one: a client-only agent forwards the
 * server routes to its servers with the caller's token (client_rpc), and
 * the routes the agent answers itself check the caller's ACL
 * (api_acl_resolve). info is copied by reference and must outlive h. */
int api_routes_register(struct http_server *h, struct server *server,
                        struct client *client,
                        const struct api_agent_info *info);

/* Registers the node, allocation, plan and scale routes (api/routes_nodes.c,
 * api/routes_plan.c) on h, answering through server (NULL: through the
 * agent's client). Called by api_routes_register. */
int api_routes_sched_register(struct http_server *h, struct server *server);

/* Registers the ACL and namespace routes (api/routes_acl.c) on h,
 * answering through server (NULL: through the agent's client). Called by
 * api_routes_register. */
int api_routes_acl_register(struct http_server *h, struct server *server);

/* Registers Nomad's /v1/client/... routes (api/routes_client.c): answered
 * by client (may be NULL) for its own allocations, relayed by server (may
 * be NULL) to the allocation's node otherwise, with the caller's token;
 * both check the caller's ACL on the allocation's namespace. self_http is
 * this agent's advertised HTTP address. Called by api_routes_register. */
int api_routes_client_register(struct http_server *h, struct client *client,
                               struct server *server, const char *self_http);

/* Forgets the server and client given to api_routes_register and drops
 * the ACLs a client-only agent keeps: after the agent's loop ended. */
void api_routes_release(void);

/* Every route api_routes_register adds, one "METHOD PATTERN" line each
 * ("GET /v1/job/:id"), in registration order: the table the ACL e2e test
 * checks its route table against (`steppe agent -routes`). 0, or 1 after
 * printing an error. */
int api_routes_print(FILE *out);

#endif
