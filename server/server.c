/* server/server.c: the server role's lifecycle and identity. */
#include "server/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "lib/fs.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "server/heartbeat.h"
#include "server/server_int.h"

/* Loads or creates <dir>/node-id: the node UUID and the Raft ID, which
 * must survive restarts so the server keeps its place in the cluster. */
static int server_identity(struct server *s, struct err *e)
{
	char path[600];
	FILE *f;
	unsigned long long rid = 0;
	snprintf(path, sizeof path, "%s/node-id", s->dir);
	f = fopen(path, "r");
	if (f != NULL) {
		int n = fscanf(f, "%36s %llu", s->node_id, &rid);
		fclose(f);
		if (n == 2 && id_valid(s->node_id) && rid != 0) {
			s->raft_id = rid;
			return ERR_OK;
		}
		return err_set(e, ERR_IO,
		               "%s: damaged; remove it only if this "
		               "server has left the cluster",
		               path);
	}
	while (rid == 0) {
		if (getrandom(&rid, sizeof rid, 0) != sizeof rid)
			return err_set(e, ERR_IO,
			               "no randomness for a raft id");
		rid &= 0x7fffffffffffffffULL;
	}
	if (id_new(s->node_id) != 0)
		return err_set(e, ERR_IO, "no randomness for a node id");
	s->raft_id = rid;
	f = fopen(path, "w");
	if (f == NULL || fprintf(f, "%s %llu\n", s->node_id, rid) < 0 ||
	    fclose(f) != 0)
		return err_set(e, ERR_IO, "write %s: %s", path,
		               strerror(errno));
	return ERR_OK;
}

static void server_copy_config(struct server *s, const struct server_config *c)
{
	s->cfg = *c;
	snprintf(s->name, sizeof s->name, "%s", c->name ? c->name : "server");
	snprintf(s->region, sizeof s->region, "%s",
	         c->region ? c->region : "global");
	snprintf(s->datacenter, sizeof s->datacenter, "%s",
	         c->datacenter ? c->datacenter : "dc1");
	snprintf(s->dir, sizeof s->dir, "%s/server", c->data_dir);
	snprintf(s->rpc_addr, sizeof s->rpc_addr, "%s", c->rpc_addr);
	snprintf(s->http_addr, sizeof s->http_addr, "%s",
	         c->http_addr ? c->http_addr : "");
}

static int server_copy_join(struct server *s, const struct server_config *c)
{
	s->join = mem_calloc(c->njoin ? c->njoin : 1, sizeof *s->join);
	if (s->join == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < c->njoin; i++) {
		s->join[i] = mem_strdup(c->join[i]);
		if (s->join[i] == NULL)
			return ERR_NOMEM;
		s->njoin++;
	}
	return ERR_OK;
}

static int server_open_replica(struct server *s, struct err *e)
{
	char raft_dir[600];
	unsigned mult = s->cfg.raft_multiplier ? s->cfg.raft_multiplier : 1;
	struct replica_config rc = {
	    .loop = s->cfg.loop,
	    .dir = raft_dir,
	    .id = s->raft_id,
	    .address = s->rpc_addr,
	    .region = s->region,
	    .rpc = s->rpc,
	    .store = s->store,
	    /* LAN defaults that fail over well under a second. */
	    .election_timeout_ms = 300 * mult,
	    .heartbeat_timeout_ms = 30 * mult,
	    .snapshot_threshold = s->cfg.snapshot_threshold,
	    .peer_allowed = server_peer_allowed,
	    .on_leader = server_on_leader,
	    .data = s,
	};
	snprintf(raft_dir, sizeof raft_dir, "%s/raft", s->dir);
	return replica_create(&rc, &s->replica, e);
}

int server_create(const struct server_config *cfg, struct rpc_server *rpc,
                  struct rpc_pool *pool, struct server **out, struct err *e)
{
	struct server *s = mem_calloc(1, sizeof *s);
	int rc;
	if (s == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	server_copy_config(s, cfg);
	s->rpc = rpc;
	s->pool = pool;
	rc = server_copy_join(s, cfg);
	if (rc != ERR_OK)
		err_set(e, rc, "out of memory");
	if (rc == ERR_OK)
		rc = fs_mkdirs(s->dir, e);
	if (rc == ERR_OK)
		rc = server_identity(s, e);
	if (rc == ERR_OK && store_create(&s->store) != ERR_OK)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK && server_leader_init(s) != ERR_OK)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK)
		rc = server_open_replica(s, e);
	if (rc == ERR_OK && server_members_init(s) != ERR_OK)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK) {
		uv_timer_init(cfg->loop, &s->member_timer);
		s->member_timer.data = s;
		uv_timer_init(cfg->loop, &s->alloc_batch_timer);
		s->alloc_batch_timer.data = s;
		uv_timer_init(cfg->loop, &s->reg_batch_timer);
		s->reg_batch_timer.data = s;
	}
	if (rc == ERR_OK && server_register_endpoints(s) != ERR_OK)
		rc = err_set(e, ERR_INTERNAL, "registering endpoints");
	if (rc != ERR_OK) {
		server_destroy(s);
		return rc;
	}
	LOG_INFO("server", "server \"%s\" raft id %llu at %s", s->name,
	         (unsigned long long)s->raft_id, s->rpc_addr);
	*out = s;
	return ERR_OK;
}

int server_start(struct server *s, struct err *e)
{
	(void)e;
	server_members_start(s);
	return ERR_OK;
}

static void server_closed_one(void *data)
{
	struct server *s = data;
	if (--s->closing > 0)
		return;
	if (s->stop_cb != NULL)
		s->stop_cb(s->stop_data);
}

static void server_timer_closed(uv_handle_t *h)
{
	server_closed_one(h->data);
}

void server_stop(struct server *s, void (*cb)(void *data), void *data)
{
	s->stopping = true;
	s->stop_cb = cb;
	s->stop_data = data;
	s->closing = 3;
	s->leading = false;
	server_alloc_batch_flush(s);
	uv_close((uv_handle_t *)&s->alloc_batch_timer, server_timer_closed);
	server_reg_batch_flush(s);
	uv_close((uv_handle_t *)&s->reg_batch_timer, NULL);
	uv_timer_stop(&s->broker_timer);
	uv_close((uv_handle_t *)&s->broker_timer, NULL);
	heartbeats_destroy(s->heartbeats);
	s->heartbeats = NULL;
	server_members_stop(s);
	server_waits_cancel(s);
	server_blocks_cancel(s);
	s->member_timer.data = s;
	uv_close((uv_handle_t *)&s->member_timer, server_timer_closed);
	replica_stop(s->replica, server_closed_one, s);
}

void server_destroy(struct server *s)
{
	if (s == NULL)
		return;
	replica_destroy(s->replica);
	server_leader_destroy(s);
	server_acl_cache_free(s);
	store_destroy(s->store);
	schema_release(&server_members_schema, &s->members);
	strlist_release(&s->bootstrap);
	for (size_t i = 0; i < s->njoin; i++)
		mem_free((char *)s->join[i]);
	mem_free(s->join);
	mem_free(s->eps);
	mem_free(s);
}

struct store *server_store(struct server *s)
{
	return s->store;
}

bool server_is_leader(const struct server *s)
{
	return replica_is_leader(s->replica);
}

const char *server_leader_addr(const struct server *s)
{
	static char addr[64];
	if (replica_leader(s->replica, addr, sizeof addr) == 0)
		addr[0] = '\0';
	return addr;
}

const char *server_formation_status(const struct server *s)
{
	return s->formation_why;
}
