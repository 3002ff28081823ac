/* client/client.c: the client role's talk with the servers: identity,
 * fingerprint, registration, heartbeats, allocation pulls and batched
 * status updates, plus the local GC of dead allocations. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/client_int.h"
#include "client/cstate.h"
#include "client/fingerprint.h"
#include "jobspec/config.h"
#include "lib/fs.h"
#include "lib/id.h"
#include "lib/log.h"
#include "lib/stime.h"
#include "rpc/rpc.h"
#include "server/messages.h"

#define CLIENT_UPDATE_MS    200 /* Nomad batches status updates by 200 ms */
#define CLIENT_RETRY_MS     1000
#define CLIENT_LAG_RETRY_MS 50 /* a lagging server: ask the leader soon */
#define CLIENT_PULL_WAIT_S  30
#define CLIENT_GC_MS        (60 * 1000)

static void client_pull(struct client *c);
static void client_register(struct client *c);

const char *client_node_id(const struct client *c)
{
	return c->node_id;
}

const char *client_server(struct client *c)
{
	return c->servers[c->next_server % c->nservers];
}

static void client_next_server(struct client *c)
{
	c->next_server++;
}

static int client_add_server(struct client *c, const char *addr)
{
	char **v;
	char norm[80];
	if (addr == NULL || *addr == '\0')
		return ERR_OK;
	if (strchr(addr, ':') == NULL)
		snprintf(norm, sizeof norm, "%s:4647", addr);
	else
		snprintf(norm, sizeof norm, "%s", addr);
	for (size_t i = 0; i < c->nservers; i++)
		if (strcmp(c->servers[i], norm) == 0)
			return ERR_OK;
	v = mem_realloc(c->servers, (c->nservers + 1) * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	c->servers = v;
	v[c->nservers] = mem_strdup(norm);
	if (v[c->nservers] == NULL)
		return ERR_NOMEM;
	c->nservers++;
	return ERR_OK;
}

/* Issues an RPC to the current server; the client stays alive until the
 * agent's loop has drained, so callbacks only need to check stopping. */
static void client_call(struct client *c, const char *method,
                        const struct schema *as, const void *args,
                        uint64_t min_index, int64_t wait_ns,
                        unsigned timeout_ms, rpc_reply_fn cb)
{
	/* A client authenticates with its node secret, as Nomad's do. */
	bool consistent =
	    c->pull_consistent && strcmp(method, "Node.GetClientAllocs") == 0;
	struct rpc_request req = {
	    .method = (char *)method,
	    .auth_token = c->secret_id,
	    .region = c->agent->region,
	    .allow_stale = strstr(method, "Get") != NULL && !consistent,
	    .min_query_index = min_index,
	    .max_query_time = wait_ns};
	c->inflight++;
	if (rpc_pool_call(c->pool, client_server(c), &req, as, args, timeout_ms,
	                  cb, c) != ERR_OK) {
		c->inflight--;
		cb(c, ERR_IO, "call failed", NULL, NULL);
	}
}

/* ---- identity -------------------------------------------------------------
 */

static int client_identity(struct client *c, struct err *e)
{
	char path[PATH_MAX + 32];
	json_t *j;
	snprintf(path, sizeof path, "%s/node.json", c->state_dir);
	j = json_load_file(path, 0, NULL);
	if (j != NULL) {
		const char *id = json_string_value(json_object_get(j, "ID"));
		const char *sec =
		    json_string_value(json_object_get(j, "SecretID"));
		if (id != NULL && sec != NULL && id_valid(id) &&
		    id_valid(sec)) {
			snprintf(c->node_id, sizeof c->node_id, "%s", id);
			snprintf(c->secret_id, sizeof c->secret_id, "%s", sec);
			json_decref(j);
			return ERR_OK;
		}
		json_decref(j);
	}
	if (id_new(c->node_id) != ERR_OK || id_new(c->secret_id) != ERR_OK)
		return err_set(e, ERR_INTERNAL, "generating the node ID");
	j = json_pack("{s:s,s:s}", "ID", c->node_id, "SecretID", c->secret_id);
	if (j == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	if (cstate_write_json(path, j, 0600, e) != ERR_OK) {
		json_decref(j);
		return err_wrap(e, "saving the node identity");
	}
	json_decref(j);
	return ERR_OK;
}

/* ---- fingerprint ----------------------------------------------------------
 */

struct client_fp {
	struct client *c;
	struct node node;
	struct err e;
	int rc;
};

static const struct value *client_plugin_config(const struct client *c,
                                                const char *name)
{
	for (size_t i = 0; i < c->agent->plugins.n; i++)
		if (c->agent->plugins.v[i].name != NULL &&
		    strcmp(c->agent->plugins.v[i].name, name) == 0)
			return &c->agent->plugins.v[i].config;
	return NULL;
}

static int client_fp_drivers(struct client *c, struct node *n)
{
	static const char *const names[] = {"raw_exec", "exec", "java"};
	struct driver_info_map *m = &n->drivers;
	m->v = mem_calloc(3, sizeof *m->v);
	if (m->v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < 3; i++) {
		struct drv_fingerprint fp = {0};
		struct driver_info *d = &m->v[m->n].val;
		if (driver_fingerprint(names[i],
		                       client_plugin_config(c, names[i]),
		                       &fp) != ERR_OK)
			fp.detected = false;
		m->v[m->n].key = mem_strdup(names[i]);
		m->n++;
		d->detected = fp.detected;
		d->healthy = fp.healthy;
		d->health_description =
		    mem_strdup(fp.health_desc[0] ? fp.health_desc
		               : fp.healthy      ? "Healthy"
		                                 : "Driver not detected");
		d->update_time = stime_wall_ns();
		for (size_t k = 0; k < fp.attrs.n; k++) {
			strmap_set(&d->attributes, fp.attrs.v[k].key,
			           fp.attrs.v[k].val);
			if (fp.detected && fp.healthy)
				strmap_set(&n->attributes, fp.attrs.v[k].key,
				           fp.attrs.v[k].val);
		}
		driver_fingerprint_release(&fp);
	}
	return ERR_OK;
}

static void client_fp_run(uv_work_t *w)
{
	struct client_fp *f = w->data;
	struct client *c = f->c;
	const struct agent_client *cc = &c->agent->client;
	struct fingerprint_config cfg = {
	    .name = c->agent->name,
	    .datacenter = c->agent->datacenter,
	    .node_class = cc->node_class,
	    .node_pool = cc->node_pool,
	    .meta = &cc->meta,
	    .http_addr = c->http_addr,
	    .alloc_dir = c->alloc_root,
	    .network_interface = cc->network_interface,
	    .cpu_total_compute = cc->cpu_total_compute,
	    .memory_total_mb = cc->memory_total_mb,
	    .disk_total_mb = cc->disk_total_mb,
	    .reserved_cpu = cc->reserved.cpu,
	    .reserved_memory_mb = cc->reserved.memory_mb,
	    .reserved_disk_mb = cc->reserved.disk_mb,
	    .reserved_ports = cc->reserved.reserved_ports,
	    .min_dynamic_port = cc->min_dynamic_port,
	    .max_dynamic_port = cc->max_dynamic_port,
	};
	err_clear(&f->e);
	f->rc = fingerprint_node(&cfg, &f->node, &f->e);
	if (f->rc == ERR_OK)
		f->rc = client_fp_drivers(c, &f->node);
}

static void client_fp_done(uv_work_t *w, int status)
{
	struct client_fp *f = w->data;
	struct client *c = f->c;
	c->fp_busy = false;
	if (status != 0 || f->rc != ERR_OK || c->stopping) {
		if (!c->stopping)
			LOG_ERROR("client", "fingerprint failed: %s",
			          f->rc ? f->e.msg : "cancelled");
		schema_release(&node_schema, &f->node);
		mem_free(f);
		return;
	}
	schema_release(&node_schema, &c->node);
	c->node = f->node;
	mem_free(f);
	mem_free(c->node.id);
	mem_free(c->node.secret_id);
	c->node.id = mem_strdup(c->node_id);
	c->node.secret_id = mem_strdup(c->secret_id);
	mem_free(c->node.status);
	c->node.status = mem_strdup(NODE_STATUS_READY);
	mem_free(c->node.cgroup_parent);
	c->node.cgroup_parent = mem_strdup(c->agent->client.cgroup_parent
	                                       ? c->agent->client.cgroup_parent
	                                       : "steppe");
	c->fingerprinted = true;
	LOG_INFO("client", "node %s fingerprinted (%zu attributes)", c->node_id,
	         c->node.attributes.n);
	client_register(c);
}

static int client_fingerprint(struct client *c)
{
	struct client_fp *f = mem_calloc(1, sizeof *f);
	if (f == NULL)
		return ERR_NOMEM;
	f->c = c;
	c->fp_work.data = f;
	if (uv_queue_work(c->loop, &c->fp_work, client_fp_run,
	                  client_fp_done) != 0) {
		mem_free(f);
		return ERR_IO;
	}
	c->fp_busy = true;
	return ERR_OK;
}

/* ---- registration and heartbeats ------------------------------------------
 */

static void client_heartbeat(uv_timer_t *t);

static void client_learn_servers(struct client *c,
                                 const struct node_update_response *r)
{
	for (size_t i = 0; i < r->servers.n; i++)
		client_add_server(c, r->servers.v[i].rpc_advertise_addr);
}

static void client_arm(struct client *c, const msgpack_object *reply)
{
	struct node_update_response r = {0};
	if (reply != NULL && schema_msgpack_unpack(&node_update_response_schema,
	                                           &r, reply, NULL) == ERR_OK) {
		if (r.heartbeat_ttl > 0)
			c->ttl_ns = r.heartbeat_ttl;
		client_learn_servers(c, &r);
		schema_release(&node_update_response_schema, &r);
	}
	/* Half the TTL: one lost beat still leaves time for another. */
	uv_timer_start(&c->hb_timer, client_heartbeat,
	               (uint64_t)(c->ttl_ns / 2 / STIME_NS_PER_MS), 0);
}

static void client_registered(void *data, int status, const char *error,
                              const msgpack_object *reply,
                              const struct rpc_meta *meta)
{
	struct client *c = data;
	(void)meta;
	c->inflight--;
	if (c->stopping)
		return;
	if (status != ERR_OK || error != NULL) {
		LOG_WARN("client", "registering with %s: %s", client_server(c),
		         error ? error : err_str(status));
		client_next_server(c);
		uv_timer_start(&c->hb_timer, client_heartbeat, CLIENT_RETRY_MS,
		               0);
		return;
	}
	if (!c->registered) {
		c->registered = true;
		c->pull_consistent = true;
		LOG_INFO("client", "node %s registered with %s", c->node_id,
		         client_server(c));
		client_pull(c);
	}
	client_arm(c, reply);
}

static void client_register(struct client *c)
{
	struct node_register_request a = {.node = c->node};
	client_call(c, "Node.Register", &node_register_request_schema, &a, 0, 0,
	            10000, client_registered);
}

static void client_beat(void *data, int status, const char *error,
                        const msgpack_object *reply,
                        const struct rpc_meta *meta)
{
	struct client *c = data;
	(void)meta;
	c->inflight--;
	if (c->stopping)
		return;
	if (status == ERR_OK && error != NULL && strstr(error, "not found")) {
		/* The servers lost the node (purged): register again. */
		c->registered = false;
		client_register(c);
		return;
	}
	if (status != ERR_OK || error != NULL) {
		LOG_WARN("client", "heartbeat to %s: %s", client_server(c),
		         error ? error : err_str(status));
		client_next_server(c);
		uv_timer_start(&c->hb_timer, client_heartbeat, CLIENT_RETRY_MS,
		               0);
		return;
	}
	client_arm(c, reply);
}

static void client_heartbeat(uv_timer_t *t)
{
	struct client *c = t->data;
	struct node_update_status_request a = {
	    .node_id = c->node_id,
	    .secret_id = c->secret_id,
	    .status = (char *)NODE_STATUS_READY,
	    .updated_at = stime_wall_ns() / STIME_NS_PER_S,
	};
	if (c->stopping)
		return;
	if (!c->registered) {
		client_register(c);
		return;
	}
	client_call(c, "Node.UpdateStatus", &node_update_status_request_schema,
	            &a, 0, 0, 10000, client_beat);
}

/* ---- allocation pulls -----------------------------------------------------
 */

static void client_pull_later(uv_timer_t *t)
{
	client_pull(t->data);
}

/* Whether every allocation asked for came back. */
static bool client_fetched_all(const struct client *c,
                               const struct allocs_response *got)
{
	for (size_t i = 0; i < c->fetching.n; i++) {
		bool found = false;
		for (size_t k = 0; k < got->allocs.n && !found; k++)
			found =
			    got->allocs.v[k].id != NULL &&
			    strcmp(got->allocs.v[k].id, c->fetching.v[i]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static void client_got_allocs(void *data, int status, const char *error,
                              const msgpack_object *reply,
                              const struct rpc_meta *meta)
{
	struct client *c = data;
	struct allocs_response got = {0};
	struct err e;
	(void)meta;
	c->inflight--;
	if (c->stopping)
		return;
	if (status != ERR_OK || error != NULL || reply == NULL ||
	    schema_msgpack_unpack(&allocs_response_schema, &got, reply, NULL) !=
	        ERR_OK) {
		LOG_WARN("client", "fetching allocations: %s",
		         error ? error : err_str(status ? status : ERR_DECODE));
		client_next_server(c);
		c->alloc_index = 0; /* fetch everything again */
		uv_timer_start(&c->retry_timer, client_pull_later,
		               CLIENT_RETRY_MS, 0);
		return;
	}
	bool all = client_fetched_all(c, &got);
	if (all)
		c->alloc_index = c->fetch_index;
	else /* gone meanwhile, or a server behind: the next pull (same
	        index) lists them again, after a pause as Nomad's */
		LOG_DEBUG("client", "allocation fetch incomplete at index %llu",
		          (unsigned long long)c->fetch_index);
	for (size_t i = 0; i < got.allocs.n; i++) {
		struct allocation *a = mem_calloc(1, sizeof *a);
		struct allocrunner *ar;
		if (a == NULL)
			break;
		*a = got.allocs.v[i];
		memset(&got.allocs.v[i], 0, sizeof got.allocs.v[i]);
		if (a->node_id == NULL || strcmp(a->node_id, c->node_id) != 0) {
			schema_release(&allocation_schema, a);
			mem_free(a);
			continue;
		}
		HASH_FIND_STR(c->runners, a->id, ar);
		if (ar != NULL) {
			allocrunner_update(ar, a);
			continue;
		}
		err_clear(&e);
		if (allocrunner_create(c, a, NULL, &ar, &e) != ERR_OK)
			LOG_ERROR("client", "allocation %s: %s", a->id, e.msg);
	}
	schema_release(&allocs_response_schema, &got);
	if (all)
		client_pull(c);
	else
		uv_timer_start(&c->retry_timer, client_pull_later,
		               CLIENT_LAG_RETRY_MS, 0);
}

/* Whether the servers' copy (AllocModifyIndex index) is newer than ours. */
static bool client_wants(struct client *c, const char *id, uint64_t index)
{
	struct allocrunner *ar;
	HASH_FIND_STR(c->runners, id, ar);
	return ar == NULL || ar->alloc->alloc_modify_index < index;
}

/* Runners the servers no longer list (garbage collected) are stopped and
 * removed; a stale answer older than what a runner saw proves nothing. */
static void client_forget_missing(struct client *c, const struct value *m,
                                  uint64_t index)
{
	struct allocrunner *ar, *tmp;
	HASH_ITER(hh, c->runners, ar, tmp)
	{
		bool listed = false;
		if (ar->gone || ar->alloc->modify_index > index)
			continue;
		for (size_t i = 0; m->kind == VALUE_MAP && i < m->u.map.n; i++)
			if (strcmp(m->u.map.v[i].key, ar->id) == 0) {
				listed = true;
				break;
			}
		if (!listed)
			allocrunner_forget(ar);
	}
}

static void client_pulled(void *data, int status, const char *error,
                          const msgpack_object *reply,
                          const struct rpc_meta *meta)
{
	struct client *c = data;
	struct node_client_allocs_response r = {0};
	struct allocs_get_request get = {0};
	uint64_t index;
	(void)meta;
	c->inflight--;
	if (c->stopping)
		return;
	if (status != ERR_OK || error != NULL || reply == NULL ||
	    schema_msgpack_unpack(&node_client_allocs_response_schema, &r,
	                          reply, NULL) != ERR_OK) {
		bool missing = error != NULL && strstr(error, "not found");
		LOG_DEBUG("client", "allocation pull failed: %s",
		          error ? error : err_str(status));
		if (missing && !c->pull_consistent) {
			/* A stale read on a server that has not applied our
			 * registration yet: ask the leader. */
			c->pull_consistent = true;
			uv_timer_start(&c->retry_timer, client_pull_later,
			               CLIENT_LAG_RETRY_MS, 0);
			return;
		}
		if (missing)
			c->registered = false;
		client_next_server(c);
		uv_timer_start(&c->retry_timer, client_pull_later,
		               CLIENT_RETRY_MS, 0);
		return;
	}
	if (r.index < c->alloc_index) { /* a lagging server: ask again */
		schema_release(&node_client_allocs_response_schema, &r);
		client_pull(c);
		return;
	}
	for (size_t i = 0; r.allocs.kind == VALUE_MAP && i < r.allocs.u.map.n;
	     i++) {
		const struct value_ent *en = &r.allocs.u.map.v[i];
		if (en->val.kind == VALUE_INT &&
		    client_wants(c, en->key, (uint64_t)en->val.u.i))
			strlist_push(&get.alloc_ids, en->key);
	}
	client_forget_missing(c, &r.allocs, r.index);
	LOG_DEBUG("client", "allocation pull: index %llu, %zu allocations",
	          (unsigned long long)r.index,
	          r.allocs.kind == VALUE_MAP ? r.allocs.u.map.n : 0);
	c->pull_consistent = false;
	index = r.index;
	schema_release(&node_client_allocs_response_schema, &r); /* zeroes r */
	if (get.alloc_ids.n == 0) {
		c->alloc_index = index;
		client_pull(c);
	} else {
		/* Nomad's client: the fetch may be a stale read, but on a
		 * server that has applied at least what the pull saw; the
		 * pull's index counts once every allocation came. */
		strlist_release(&c->fetching);
		c->fetching = get.alloc_ids;
		memset(&get.alloc_ids, 0, sizeof get.alloc_ids);
		c->fetch_index = index;
		client_call(
		    c, "Alloc.GetAllocs", &allocs_get_request_schema,
		    &(struct allocs_get_request){.alloc_ids = c->fetching},
		    index > 0 ? index - 1 : 0,
		    CLIENT_PULL_WAIT_S * STIME_NS_PER_S,
		    (CLIENT_PULL_WAIT_S + 15) * 1000, client_got_allocs);
	}
	schema_release(&allocs_get_request_schema, &get);
}

static void client_pull(struct client *c)
{
	struct node_specific_request a = {.node_id = c->node_id,
	                                  .secret_id = c->secret_id};
	if (c->stopping)
		return;
	client_call(c, "Node.GetClientAllocs", &node_specific_request_schema,
	            &a, c->alloc_index, CLIENT_PULL_WAIT_S * STIME_NS_PER_S,
	            (CLIENT_PULL_WAIT_S + 15) * 1000, client_pulled);
}

/* ---- status updates -------------------------------------------------------
 */

static void client_send_updates(uv_timer_t *t);

static void client_updated(void *data, int status, const char *error,
                           const msgpack_object *reply,
                           const struct rpc_meta *meta)
{
	struct client *c = data;
	(void)reply, (void)meta;
	c->inflight--;
	c->updates_inflight--;
	if (c->stopping)
		return;
	if (status != ERR_OK || error != NULL) {
		struct allocrunner *ar, *tmp;
		LOG_WARN("client", "updating allocations: %s",
		         error ? error : err_str(status));
		client_next_server(c);
		/* Send every status again: the servers' word is unknown. */
		HASH_ITER(hh, c->runners, ar, tmp) ar->dirty = true;
		uv_timer_start(&c->update_timer, client_send_updates,
		               CLIENT_RETRY_MS, 0);
	}
}

static void client_send_updates(uv_timer_t *t)
{
	struct client *c = t->data;
	struct alloc_update_request up = {0};
	struct allocrunner *ar, *tmp;
	size_t n = HASH_COUNT(c->runners), k = 0;
	if (c->stopping || n == 0)
		return;
	if (!c->registered) {
		uv_timer_start(&c->update_timer, client_send_updates,
		               CLIENT_RETRY_MS, 0);
		return;
	}
	up.allocs.v = mem_calloc(n, sizeof *up.allocs.v);
	if (up.allocs.v == NULL)
		return;
	HASH_ITER(hh, c->runners, ar, tmp)
	{
		struct allocation *a = &up.allocs.v[k];
		if (!ar->dirty || ar->gone)
			continue;
		ar->dirty = false;
		a->id = ar->id;
		a->node_id = c->node_id;
		a->client_status = ar->client_status;
		a->client_description = ar->client_desc;
		a->modify_time = stime_wall_ns();
		a->task_states.v =
		    mem_calloc(ar->ntasks, sizeof(*a->task_states.v));
		for (size_t i = 0; a->task_states.v && i < ar->ntasks; i++) {
			a->task_states.v[i].key = ar->tasks[i].name;
			a->task_states.v[i].val = ar->tasks[i].state;
		}
		if (a->task_states.v != NULL)
			a->task_states.n = ar->ntasks;
		k++;
	}
	up.allocs.n = k;
	if (k > 0) {
		c->updates_inflight++;
		client_call(c, "Node.UpdateAlloc", &alloc_update_request_schema,
		            &up, 0, 0, 30000, client_updated);
	}
	for (size_t i = 0; i < k; i++)
		mem_free(up.allocs.v[i].task_states.v);
	mem_free(up.allocs.v);
}

void client_alloc_dirty(struct client *c, struct allocrunner *ar)
{
	ar->dirty = true;
	if (!c->stopping && !uv_is_active((uv_handle_t *)&c->update_timer))
		uv_timer_start(&c->update_timer, client_send_updates,
		               CLIENT_UPDATE_MS, 0);
}

/* ---- garbage collection ---------------------------------------------------
 */

/* Dead allocations keep their directory (logs stay readable) until they
 * are older than gc_max_age or more than gc_max_allocs are dead; the
 * oldest go first. */
static void client_gc(uv_timer_t *t)
{
	struct client *c = t->data;
	struct allocrunner *ar, *tmp, *oldest;
	int64_t now = stime_mono_ns();
	int64_t dead = 0;
	HASH_ITER(hh, c->runners, ar, tmp)
	{
		if (!allocrunner_terminal(ar) || ar->destroying)
			continue;
		if (ar->gone || now - ar->terminal_at_ns > c->gc_max_age_ns) {
			LOG_INFO("client", "garbage collecting allocation %s",
			         ar->id);
			allocrunner_destroy(ar);
			continue;
		}
		dead++;
	}
	while (dead > c->gc_max_allocs) {
		oldest = NULL;
		HASH_ITER(hh, c->runners, ar, tmp)
		{
			if (allocrunner_terminal(ar) && !ar->destroying &&
			    (oldest == NULL ||
			     ar->terminal_at_ns < oldest->terminal_at_ns))
				oldest = ar;
		}
		if (oldest == NULL)
			break;
		LOG_INFO("client",
		         "garbage collecting allocation %s "
		         "(more than %lld dead)",
		         oldest->id, (long long)c->gc_max_allocs);
		allocrunner_destroy(oldest);
		dead--;
	}
}

void client_runner_closed(struct client *c, struct allocrunner *ar)
{
	HASH_DEL(c->runners, ar);
	allocrunner_free(ar);
	if (c->stopping && c->runners == NULL && c->stop_cb != NULL &&
	    c->closing_handles == 0) {
		void (*cb)(void *) = c->stop_cb;
		c->stop_cb = NULL;
		cb(c->stop_data);
	}
}

/* ---- lifecycle ------------------------------------------------------------
 */

static int client_dirs(struct client *c, struct err *e)
{
	const struct agent_config *a = c->agent;
	const char *data = a->data_dir;
	if (a->client.state_dir != NULL && *a->client.state_dir)
		snprintf(c->state_dir, sizeof c->state_dir, "%s",
		         a->client.state_dir);
	else if (data != NULL)
		snprintf(c->state_dir, sizeof c->state_dir, "%s/client", data);
	if (a->client.alloc_dir != NULL && *a->client.alloc_dir)
		snprintf(c->alloc_root, sizeof c->alloc_root, "%s",
		         a->client.alloc_dir);
	else if (data != NULL)
		snprintf(c->alloc_root, sizeof c->alloc_root, "%s/alloc", data);
	if (c->state_dir[0] == '\0' || c->alloc_root[0] == '\0')
		return err_set(e, ERR_INVAL,
		               "client: data_dir must be set "
		               "(or client.state_dir and "
		               "client.alloc_dir)");
	if (fs_mkdirs(c->state_dir, e) != ERR_OK ||
	    fs_mkdirs(c->alloc_root, e) != ERR_OK)
		return err_wrap(e, "client");
	/* Tasks reach their alloc dirs through the root. */
	chmod(c->alloc_root, 0711);
	return ERR_OK;
}

static int64_t client_option_dur(const struct client *c, const char *key,
                                 int64_t dflt)
{
	const char *v = strmap_get(&c->agent->client.options, key);
	int64_t d;
	if (v == NULL || stime_parse_duration(v, &d, NULL) != 0 || d <= 0)
		return dflt;
	return d;
}

int client_create(const struct client_config *cfg, struct client **out,
                  struct err *e)
{
	struct client *c = mem_calloc(1, sizeof *c);
	uv_timer_t *timers[4];
	*out = NULL;
	if (c == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	c->loop = cfg->loop;
	c->pool = cfg->pool;
	c->agent = cfg->agent;
	c->http_addr = mem_strdup(cfg->http_addr ? cfg->http_addr : "");
	c->executor_path =
	    cfg->executor_path ? mem_strdup(cfg->executor_path) : NULL;
	c->ttl_ns = 10 * STIME_NS_PER_S;
	c->gc_max_allocs = cfg->agent->client.gc_max_allocs > 0
	                       ? cfg->agent->client.gc_max_allocs
	                       : 50;
	c->gc_max_age_ns =
	    client_option_dur(c, "gc_max_age", 3600 * STIME_NS_PER_S);
	c->max_kill_timeout_ns = cfg->agent->client.max_kill_timeout > 0
	                             ? cfg->agent->client.max_kill_timeout
	                             : 30 * STIME_NS_PER_S;
	for (size_t i = 0; i < cfg->nservers; i++)
		if (client_add_server(c, cfg->servers[i]) != ERR_OK) {
			client_destroy(c);
			return err_set(e, ERR_NOMEM, "out of memory");
		}
	if (c->nservers == 0) {
		client_destroy(c);
		return err_set(e, ERR_INVAL,
		               "client: no servers: set client.servers or "
		               "-servers");
	}
	if (client_dirs(c, e) != ERR_OK) {
		client_destroy(c);
		return e->code;
	}
	timers[0] = &c->hb_timer, timers[1] = &c->update_timer;
	timers[2] = &c->gc_timer, timers[3] = &c->retry_timer;
	for (int i = 0; i < 4; i++) {
		uv_timer_init(c->loop, timers[i]);
		timers[i]->data = c;
	}
	if (c->executor_path != NULL)
		driver_set_executor_path(c->executor_path);
	*out = c;
	return ERR_OK;
}

int client_start(struct client *c, struct err *e)
{
	if (client_identity(c, e) != ERR_OK)
		return e->code;
	cstate_load_allocs(c);
	uv_timer_start(&c->gc_timer, client_gc, CLIENT_GC_MS, CLIENT_GC_MS);
	if (client_fingerprint(c) != ERR_OK)
		return err_set(e, ERR_IO,
		               "client: cannot start fingerprinting");
	LOG_INFO("client", "node %s starting; servers %s%s", c->node_id,
	         c->servers[0], c->nservers > 1 ? " ..." : "");
	return ERR_OK;
}

static void client_handle_closed(uv_handle_t *h)
{
	struct client *c = h->data;
	c->closing_handles--;
	if (c->closing_handles == 0 && c->runners == NULL &&
	    c->stop_cb != NULL) {
		void (*cb)(void *) = c->stop_cb;
		c->stop_cb = NULL;
		cb(c->stop_data);
	}
}

void client_stop(struct client *c, void (*cb)(void *data), void *data)
{
	struct allocrunner *ar, *tmp;
	uv_timer_t *timers[] = {&c->hb_timer, &c->update_timer, &c->gc_timer,
	                        &c->retry_timer};
	c->stopping = true;
	c->stop_cb = cb;
	c->stop_data = data;
	for (size_t i = 0; i < 4; i++) {
		c->closing_handles++;
		uv_close((uv_handle_t *)timers[i], client_handle_closed);
	}
	HASH_ITER(hh, c->runners, ar, tmp) allocrunner_close(ar);
}

void client_destroy(struct client *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nservers; i++)
		mem_free(c->servers[i]);
	mem_free(c->servers);
	schema_release(&node_schema, &c->node);
	strlist_release(&c->fetching);
	mem_free(c->http_addr);
	mem_free(c->executor_path);
	mem_free(c);
}

/* ---- API helpers ----------------------------------------------------------
 */

static struct allocrunner *client_find(struct client *c, const char *id,
                                       struct err *e)
{
	struct allocrunner *ar = NULL;
	if (id != NULL)
		HASH_FIND_STR(c->runners, id, ar);
	if (ar == NULL || ar->destroying)
		err_set(e, ERR_NOTFOUND, "unknown allocation ID \"%s\"",
		        id ? id : "");
	return ar != NULL && !ar->destroying ? ar : NULL;
}

int client_alloc_dir(struct client *c, const char *alloc_id, char *out,
                     size_t size, struct err *e)
{
	struct allocrunner *ar = client_find(c, alloc_id, e);
	if (ar == NULL)
		return ERR_NOTFOUND;
	snprintf(out, size, "%s", ar->dir);
	return ERR_OK;
}

int client_alloc_task(struct client *c, const char *alloc_id, const char *task,
                      struct err *e)
{
	struct allocrunner *ar = client_find(c, alloc_id, e);
	if (ar == NULL)
		return ERR_NOTFOUND;
	for (size_t i = 0; i < ar->ntasks; i++)
		if (strcmp(ar->tasks[i].name, task) == 0)
			return ERR_OK;
	return err_set(e, ERR_NOTFOUND, "unknown task name \"%s\"", task);
}

int client_alloc_default_task(struct client *c, const char *alloc_id, char *out,
                              size_t size, struct err *e)
{
	struct allocrunner *ar = client_find(c, alloc_id, e);
	if (ar == NULL)
		return ERR_NOTFOUND;
	if (ar->ntasks != 1)
		return err_set(e, ERR_INVAL,
		               "allocation has %zu tasks: "
		               "name one",
		               ar->ntasks);
	snprintf(out, size, "%s", ar->tasks[0].name);
	return ERR_OK;
}

int client_alloc_restart(struct client *c, const char *alloc_id,
                         const char *task, struct err *e)
{
	struct allocrunner *ar = client_find(c, alloc_id, e);
	bool found = false;
	if (ar == NULL)
		return ERR_NOTFOUND;
	if (allocrunner_terminal(ar) || ar->stopping)
		return err_set(e, ERR_INVAL, "allocation is not running");
	for (size_t i = 0; i < ar->ntasks; i++) {
		if (task != NULL && *task &&
		    strcmp(ar->tasks[i].name, task) != 0)
			continue;
		found = true;
		if (ar->tasks[i].st == TR_RUNNING)
			taskrunner_restart(&ar->tasks[i]);
	}
	if (!found)
		return err_set(e, ERR_NOTFOUND, "unknown task name \"%s\"",
		               task);
	return ERR_OK;
}

json_t *client_alloc_stats(struct client *c, const char *alloc_id,
                           struct err *e)
{
	struct allocrunner *ar = client_find(c, alloc_id, e);
	json_t *tasks, *out;
	uint64_t rss_sum = 0, cpu_sum = 0;
	int64_t now = stime_wall_ns();
	if (ar == NULL)
		return NULL;
	tasks = json_object();
	for (size_t i = 0; tasks != NULL && i < ar->ntasks; i++) {
		uint64_t rss = 0, cpu = 0;
		struct taskrunner *tr = &ar->tasks[i];
		if (tr->has_handle && tr->st == TR_RUNNING)
			driver_stats(&tr->handle, &rss, &cpu);
		rss_sum += rss, cpu_sum += cpu;
		json_object_set_new(
		    tasks, tr->name,
		    json_pack("{s:{s:{s:I,s:[s]},s:{s:f,s:[s]}},s:I,s:n}",
		              "ResourceUsage", "MemoryStats", "RSS",
		              (json_int_t)rss, "Measured", "RSS", "CpuStats",
		              "TotalTicks", (double)cpu, "Measured",
		              "Total Ticks", "Timestamp", (json_int_t)now,
		              "Pids"));
	}
	out = json_pack(
	    "{s:{s:{s:I,s:[s]},s:{s:f,s:[s]}},s:o,s:I}", "ResourceUsage",
	    "MemoryStats", "RSS", (json_int_t)rss_sum, "Measured", "RSS",
	    "CpuStats", "TotalTicks", (double)cpu_sum, "Measured",
	    "Total Ticks", "Tasks", tasks, "Timestamp", (json_int_t)now);
	if (out == NULL)
		err_set(e, ERR_NOMEM, "out of memory");
	return out;
}

json_t *client_host_stats(struct client *c)
{
	long pages = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);
	long psize = sysconf(_SC_PAGESIZE);
	(void)c;
	return json_pack("{s:{s:I,s:I},s:I,s:I}", "Memory", "Total",
	                 (json_int_t)pages * psize, "Free",
	                 (json_int_t)avail * psize, "Timestamp",
	                 (json_int_t)stime_wall_ns(), "Uptime",
	                 (json_int_t)(stime_mono_ns() / STIME_NS_PER_S));
}
