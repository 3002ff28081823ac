/* server/ep_status.c: Status.* and Operator.Raft* endpoints. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "server/server_int.h"

#define STATUS_MAX_SERVERS 64

static void status_leader(struct server *s, struct rpc_call *call)
{
	struct status_leader_response r = {0};
	char addr[64] = "";
	replica_leader(s->replica, addr, sizeof addr);
	r.leader = addr;
	struct rpc_meta m = server_meta(s, replica_applied_index(s->replica));
	rpc_call_reply(call, &status_leader_response_schema, &r, &m);
}

static void status_peers(struct server *s, struct rpc_call *call)
{
	struct replica_server cfg[STATUS_MAX_SERVERS];
	struct status_peers_response r = {0};
	size_t n = replica_servers(s->replica, cfg, STATUS_MAX_SERVERS);
	int rc = ERR_OK;
	for (size_t i = 0; i < n && i < STATUS_MAX_SERVERS && rc == ERR_OK; i++)
		if (cfg[i].voter)
			rc = strlist_push(&r.peers, cfg[i].address);
	if (rc != ERR_OK)
		rpc_call_error(call, "out of memory", NULL);
	else
		rpc_call_reply(call, &status_peers_response_schema, &r, NULL);
	strlist_release(&r.peers);
}

static void status_members(struct server *s, struct rpc_call *call)
{
	rpc_call_reply(call, &server_members_schema, &s->members, NULL);
}

static const struct server_member *status_member_by_raft_id(struct server *s,
                                                            uint64_t id)
{
	for (size_t i = 0; i < s->members.members.n; i++)
		if (s->members.members.v[i].raft_id == id)
			return &s->members.members.v[i];
	return NULL;
}

static void raft_configuration(struct server *s, struct rpc_call *call)
{
	struct replica_server cfg[STATUS_MAX_SERVERS];
	struct raft_configuration_response r = {0};
	char ids[STATUS_MAX_SERVERS][24];
	char leader[64] = "";
	uint64_t leader_id = replica_leader(s->replica, leader, sizeof leader);
	size_t n = replica_servers(s->replica, cfg, STATUS_MAX_SERVERS);
	if (n > STATUS_MAX_SERVERS)
		n = STATUS_MAX_SERVERS;
	r.servers.v = mem_calloc(n ? n : 1, sizeof *r.servers.v);
	if (r.servers.v == NULL) {
		rpc_call_error(call, "out of memory", NULL);
		return;
	}
	r.servers.n = n;
	r.index = replica_applied_index(s->replica);
	for (size_t i = 0; i < n; i++) {
		const struct server_member *m =
		    status_member_by_raft_id(s, cfg[i].id);
		snprintf(ids[i], sizeof ids[i], "%" PRIu64, cfg[i].id);
		r.servers.v[i].id = ids[i];
		r.servers.v[i].node =
		    m && m->name ? m->name : (char *)"(unknown)";
		r.servers.v[i].address = cfg[i].address;
		r.servers.v[i].leader = cfg[i].id == leader_id;
		r.servers.v[i].voter = cfg[i].voter;
		r.servers.v[i].raft_protocol = (char *)"3";
	}
	struct rpc_meta meta = server_meta(s, r.index);
	rpc_call_reply(call, &raft_configuration_response_schema, &r, &meta);
	mem_free(r.servers.v); /* the strings are borrowed */
}

struct status_removing {
	struct replica_apply req;
	struct rpc_call *call;
	struct server *s;
	uint64_t id;
};

static void raft_removed(struct replica_apply *req, int status, uint64_t index)
{
	struct status_removing *r = req->data;
	(void)index;
	if (status == ERR_OK) {
		server_note_removed(r->s, r->id);
		rpc_call_reply(r->call, NULL, NULL, NULL);
	} else
		rpc_call_error(r->call, err_str(status), NULL);
	mem_free(r);
}

static void raft_remove_peer(struct server *s, struct rpc_call *call)
{
	struct raft_peer_request args = {0};
	struct status_removing *r;
	char *end;
	uint64_t id;
	char msg[160];
	if (!server_args(call, &raft_peer_request_schema, &args))
		return;
	if (args.id == NULL || *args.id == '\0') {
		rpc_call_error(call, "Must specify the peer's ID to remove",
		               NULL);
		goto out;
	}
	id = strtoull(args.id, &end, 10);
	r = *end == '\0' ? mem_calloc(1, sizeof *r) : NULL;
	if (r == NULL) {
		snprintf(msg, sizeof msg,
		         "id \"%.60s\" was not found in the Raft configuration",
		         args.id);
		rpc_call_error(call, msg, NULL);
		goto out;
	}
	r->req.data = r;
	r->req.cb = raft_removed;
	r->call = call;
	r->s = s;
	r->id = id;
	if (replica_remove(s->replica, &r->req, id) != ERR_OK) {
		mem_free(r);
		snprintf(msg, sizeof msg,
		         "id \"%.60s\" was not found in the Raft configuration",
		         args.id);
		rpc_call_error(call, msg, NULL);
	} else {
		LOG_INFO("server", "removing raft peer %s", args.id);
	}
out:
	schema_release(&raft_peer_request_schema, &args);
}

/* Nomad: Status.Leader and Status.Peers are open, Status.Members needs
 * node:read, the Raft operations operator:read / operator:write. */
static const struct server_ep_def status_eps[] = {
    {"Status.Leader", 0, SRV_RULE_OPEN, status_leader},
    {"Status.Peers", EP_ANY, SRV_RULE_OPEN, status_peers},
    {"Status.Members", EP_ANY, SRV_RULE_AREA(NODE, READ), status_members},
    {"Operator.RaftGetConfiguration", 0, SRV_RULE_AREA(OPERATOR, READ),
     raft_configuration},
    {"Operator.RaftRemovePeerByID", EP_WRITE, SRV_RULE_AREA(OPERATOR, WRITE),
     raft_remove_peer},
};
SERVER_EP_TABLE(server_status_eps, status_eps);
