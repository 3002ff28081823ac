/* server/members.c: knowing the other servers (Cluster.Exchange), forming
 * the cluster from that knowledge, and the leader adding new servers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "server/server_int.h"

#define MEMBERS_DEFAULT_INTERVAL_NS (1LL * STIME_NS_PER_S)

static struct server_member *members_self(struct server *s)
{
	for (size_t i = 0; i < s->members.members.n; i++)
		if (s->members.members.v[i].raft_id == s->raft_id)
			return &s->members.members.v[i];
	return NULL;
}

static void members_touch_self(struct server *s)
{
	struct server_member *me = members_self(s);
	if (me == NULL)
		return;
	me->last_seen = stime_wall_ns();
	me->has_raft = s->replica_started && replica_has_state(s->replica);
	/* Another server's older copy of our record may have replaced it. */
	if (!strlist_equal(&me->bootstrap, &s->bootstrap)) {
		struct strlist l = {0};
		if (strlist_copy(&l, &s->bootstrap) == ERR_OK) {
			strlist_release(&me->bootstrap);
			me->bootstrap = l;
		}
	}
}

/* <dir>/bootstrap: the configuration this server bootstrapped with, one
 * "id@addr" line each, advertised so that a server named in it which
 * missed the moment bootstraps with the same one (server/formation.h). */
static void members_bootstrap_path(const struct server *s, char *path,
                                   size_t size)
{
	snprintf(path, size, "%s/bootstrap", s->dir);
}

static void members_load_bootstrap(const struct server *s, struct strlist *out)
{
	char path[600], line[320];
	FILE *f;
	members_bootstrap_path(s, path, sizeof path);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0' && strlist_push(out, line) != ERR_OK)
			break;
	}
	fclose(f);
}

static void members_save_bootstrap(struct server *s, const struct strlist *l)
{
	char path[600];
	FILE *f;
	bool ok;
	members_bootstrap_path(s, path, sizeof path);
	f = fopen(path, "we");
	ok = f != NULL;
	for (size_t i = 0; ok && i < l->n; i++)
		ok = fprintf(f, "%s\n", l->v[i]) >= 0;
	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (!ok)
		LOG_WARN("server", "writing %s: %s", path, strerror(errno));
}

int server_members_init(struct server *s)
{
	struct server_member me = {0};
	struct server_members one = {0};
	char name[200];
	snprintf(name, sizeof name, "%s.%s", s->name, s->region);
	me.name = name;
	me.id = s->node_id;
	me.raft_id = s->raft_id;
	me.region = s->region;
	me.datacenter = s->datacenter;
	me.addr = s->rpc_addr;
	me.http_addr = s->http_addr;
	me.expect = s->cfg.bootstrap_expect;
	me.build = (char *)STEPPE_VERSION;
	me.status = (char *)"alive";
	me.last_seen = stime_wall_ns();
	members_load_bootstrap(s, &s->bootstrap);
	me.bootstrap = s->bootstrap;
	one.members.v = &me;
	one.members.n = 1;
	return formation_merge(&s->members, &one, s->region);
}

/* The address server id is known by: the Raft configuration first, then
 * the members heard of through Cluster.Exchange. */
static bool members_known_addr(struct server *s, uint64_t id,
                               const char *address, const char *peer)
{
	struct replica_server cfg[32];
	size_t n = replica_servers(s->replica, cfg, 32);
	for (size_t i = 0; i < n && i < 32; i++)
		if (cfg[i].id == id)
			return rpc_addr_same_host(cfg[i].address, peer);
	for (size_t i = 0; i < s->members.members.n; i++) {
		const struct server_member *m = &s->members.members.v[i];
		if (m->raft_id == id && m->addr != NULL &&
		    strcmp(m->addr, address) == 0)
			return rpc_addr_same_host(m->addr, peer);
	}
	return false;
}

bool server_peer_allowed(void *data, uint64_t id, const char *address,
                         const char *peer)
{
	struct server *s = data;
	if (members_known_addr(s, id, address, peer))
		return true;
	LOG_WARN("raft",
	         "refusing Raft connection from %s claiming server %llu at %s",
	         peer, (unsigned long long)id, address);
	return false;
}

/* ---- Cluster.Exchange ---------------------------------------------------- */

static void members_ep_exchange(struct server *s, struct rpc_call *call)
{
	struct server_members theirs = {0};
	if (!server_args(call, &server_members_schema, &theirs))
		return;
	/* Whoever called us is alive right now, by our clock. */
	if (theirs.members.n > 0)
		theirs.members.v[0].last_seen = stime_wall_ns();
	formation_merge(&s->members, &theirs, s->region);
	members_touch_self(s);
	schema_release(&server_members_schema, &theirs);
	rpc_call_reply(call, &server_members_schema, &s->members, NULL);
}

/* Servers' gossip carries no token: what protects it is in the design
 * notes ("RPC enforcement"). */
static const struct server_ep_def members_eps[] = {
    {"Cluster.Exchange", EP_ANY, SRV_RULE_GOSSIP, members_ep_exchange},
};
SERVER_EP_TABLE(server_member_eps, members_eps);

/* Our view with ourselves first, so the receiver knows who called. */
static int members_view(struct server *s, struct server_members *out)
{
	struct server_member *me = members_self(s);
	struct server_members tmp = {0};
	if (me == NULL)
		return ERR_INTERNAL;
	tmp.members.v = me;
	tmp.members.n = 1;
	if (formation_merge(out, &tmp, s->region) != ERR_OK ||
	    formation_merge(out, &s->members, s->region) != ERR_OK)
		return ERR_NOMEM;
	return ERR_OK;
}

static void members_exchanged(void *data, int status, const char *error,
                              const msgpack_object *reply,
                              const struct rpc_meta *meta)
{
	struct server *s = data;
	struct server_members theirs = {0};
	struct err e;
	(void)meta;
	if (status != ERR_OK || error != NULL || reply == NULL || s->stopping)
		return;
	err_clear(&e);
	if (schema_msgpack_unpack(&server_members_schema, &theirs, reply, &e) !=
	    ERR_OK) {
		LOG_WARN("server", "bad member list from a peer: %s", e.msg);
		return;
	}
	if (theirs.members.n > 0)
		theirs.members.v[0].last_seen = stime_wall_ns();
	formation_merge(&s->members, &theirs, s->region);
	members_touch_self(s);
	schema_release(&server_members_schema, &theirs);
}

static void members_exchange_with(struct server *s, const char *addr,
                                  const struct server_members *view)
{
	struct rpc_request req = {.method = (char *)"Cluster.Exchange",
	                          .region = s->region};
	if (addr == NULL || strcmp(addr, s->rpc_addr) == 0)
		return;
	rpc_pool_call(s->pool, addr, &req, &server_members_schema, view, 2000,
	              members_exchanged, s);
}

static void members_gossip(struct server *s)
{
	struct server_members view = {0};
	if (members_view(s, &view) != ERR_OK) {
		schema_release(&server_members_schema, &view);
		return;
	}
	for (size_t i = 0; i < s->njoin; i++)
		members_exchange_with(s, s->join[i], &view);
	for (size_t i = 0; i < s->members.members.n; i++)
		members_exchange_with(s, s->members.members.v[i].addr, &view);
	schema_release(&server_members_schema, &view);
}

/* ---- formation ------------------------------------------------------------
 */

static void members_set_why(struct server *s, const char *why)
{
	if (strcmp(s->formation_why, why) == 0)
		return;
	snprintf(s->formation_why, sizeof s->formation_why, "%s", why);
	if (why[0] != '\0')
		LOG_INFO("server", "%s", why);
}

static void members_start_replica(struct server *s)
{
	struct err e;
	err_clear(&e);
	if (replica_start(s->replica, &e) != ERR_OK) {
		LOG_ERROR("server", "starting raft: %s", e.msg);
		return;
	}
	s->replica_started = true;
}

static void members_remember_bootstrap(struct server *s,
                                       const struct formation_decision *d)
{
	struct strlist l = {0};
	char ent[320];
	for (size_t i = 0; i < d->n; i++) {
		snprintf(ent, sizeof ent, "%llu@%s",
		         (unsigned long long)d->ids[i],
		         d->addrs[i] ? d->addrs[i] : "");
		if (strlist_push(&l, ent) != ERR_OK) {
			strlist_release(&l);
			return;
		}
	}
	members_save_bootstrap(s, &l);
	strlist_release(&s->bootstrap);
	s->bootstrap = l;
	members_touch_self(s);
}

static void members_bootstrap(struct server *s,
                              const struct formation_decision *d)
{
	struct replica_server cfg[16];
	struct err e;
	err_clear(&e);
	for (size_t i = 0; i < d->n; i++) {
		cfg[i].id = d->ids[i];
		snprintf(cfg[i].address, sizeof cfg[i].address, "%s",
		         d->addrs[i] ? d->addrs[i] : "");
		cfg[i].voter = true;
	}
	if (replica_bootstrap(s->replica, cfg, d->n, &e) != ERR_OK &&
	    e.code != ERR_EXISTS) {
		LOG_ERROR("server", "bootstrapping raft: %s", e.msg);
		return;
	}
	LOG_INFO("server", "bootstrapping the cluster with %zu servers", d->n);
	members_remember_bootstrap(s, d);
	members_start_replica(s);
}

static void members_form(struct server *s)
{
	struct formation_decision d;
	if (s->replica_started) {
		members_set_why(s, "");
		return;
	}
	formation_decide(&s->members, s->raft_id, replica_has_state(s->replica),
	                 s->cfg.bootstrap_expect, &d);
	switch (d.action) {
	case FORMATION_NONE:
		members_set_why(s, "");
		members_start_replica(s);
		break;
	case FORMATION_BOOTSTRAP:
		members_set_why(s, "");
		members_bootstrap(s, &d);
		break;
	case FORMATION_JOIN:
		members_set_why(s, d.why);
		members_start_replica(s);
		break;
	case FORMATION_WAIT: members_set_why(s, d.why); break;
	}
}

/* ---- the leader adds servers that are not in the configuration yet ----- */

static void members_added(struct replica_apply *req, int status, uint64_t index)
{
	struct server *s = req->data;
	(void)index;
	s->adding_voter = false;
	if (status != ERR_OK)
		LOG_WARN("server", "adding a server to raft failed: %s",
		         err_str(status));
}

void server_note_removed(struct server *s, uint64_t id)
{
	size_t n = sizeof s->removed / sizeof s->removed[0], slot = 0;
	for (size_t i = 0; i < n; i++) {
		if (s->removed[i].id == id) {
			slot = i;
			break;
		}
		if (s->removed[i].at < s->removed[slot].at)
			slot = i;
	}
	s->removed[slot].id = id;
	s->removed[slot].at = stime_wall_ns();
}

/* Removed by an operator and not heard from since: a server killed just
 * before its removal still looks alive for a while. */
static bool members_removed(const struct server *s,
                            const struct server_member *m)
{
	size_t n = sizeof s->removed / sizeof s->removed[0];
	for (size_t i = 0; i < n; i++)
		if (s->removed[i].id != 0 && s->removed[i].id == m->raft_id &&
		    m->last_seen <= s->removed[i].at)
			return true;
	return false;
}

/* Adds alive servers missing from the configuration, and promotes alive
 * ones left as non-voters (a promotion that failed), one at a time. */
static void members_reconcile(struct server *s)
{
	struct replica_server cfg[32];
	size_t n;
	if (!replica_is_leader(s->replica) || s->adding_voter)
		return;
	n = replica_servers(s->replica, cfg, 32);
	for (size_t i = 0; i < s->members.members.n; i++) {
		const struct server_member *m = &s->members.members.v[i];
		bool voter = false;
		if (m->status == NULL || strcmp(m->status, "alive") != 0 ||
		    m->addr == NULL || members_removed(s, m))
			continue;
		for (size_t j = 0; j < n && j < 32; j++)
			voter =
			    voter || (cfg[j].id == m->raft_id && cfg[j].voter);
		if (voter)
			continue;
		s->add_req.data = s;
		s->add_req.cb = members_added;
		if (replica_add_voter(s->replica, &s->add_req, m->raft_id,
		                      m->addr) == ERR_OK) {
			s->adding_voter = true;
			LOG_INFO("server", "adding server \"%s\" (%s) to raft",
			         m->name ? m->name : "?", m->addr);
		}
		return;
	}
}

static void members_tick(uv_timer_t *t)
{
	struct server *s = t->data;
	if (s->stopping)
		return;
	members_touch_self(s);
	formation_refresh(&s->members, s->raft_id, stime_wall_ns());
	members_gossip(s);
	members_form(s);
	members_reconcile(s);
}

void server_members_start(struct server *s)
{
	int64_t every = s->cfg.join_interval_ns ? s->cfg.join_interval_ns
	                                        : MEMBERS_DEFAULT_INTERVAL_NS;
	uint64_t ms = (uint64_t)(every / STIME_NS_PER_MS);
	uv_timer_start(&s->member_timer, members_tick, 0, ms ? ms : 1);
}

void server_members_stop(struct server *s)
{
	uv_timer_stop(&s->member_timer);
}
