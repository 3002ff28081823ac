/* agent/agent.c: the agent process. */
#include "agent/agent.h"
#include "agent/loopwatch.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/http.h"
#include "api/routes.h"
#include "client/client.h"
#include "cli/cli.h"
#include "jobspec/config.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "rpc/rpc.h"
#include "server/server.h"

struct agent_flags {
	struct flag_list configs;
	struct flag_list joins;
	struct flag_list servers;
	struct flag_list metas;
	const char *node_class;
	const char *alloc_dir;
	const char *state_dir;
	const char *network_interface;
	bool server;
	bool client;
	bool dev;
	bool routes;
	int64_t expect;
	const char *data_dir;
	const char *bind;
	const char *node;
	const char *dc;
	const char *region;
	const char *log_level;
};

struct agent {
	uv_loop_t loop;
	struct agent_config cfg;
	struct agent_flags *flags;
	struct rpc_server *rpc;
	struct rpc_pool *pool;
	struct server *server;
	struct client *client;
	struct http_server *http;
	uv_signal_t sigint, sigterm, sighup;
	struct loopwatch watch;
	struct api_agent_info info;
	char rpc_addr[64];
	char http_addr[64];
	char dev_dir[64];
	int stopping;
	int exit_code;
};

/* ---- configuration ----------------------------------------------------------
 */

static int agent_set(char **dst, const char *v)
{
	if (v == NULL)
		return ERR_OK;
	mem_free(*dst);
	*dst = mem_strdup(v);
	return *dst == NULL ? ERR_NOMEM : ERR_OK;
}

/* Nomad's -servers takes "a,b" and may repeat. */
static int agent_split_into(struct strlist *dst, const struct flag_list *src)
{
	for (size_t i = 0; i < src->n; i++) {
		char *copy = mem_strdup(src->v[i]), *save = NULL, *tok;
		if (copy == NULL)
			return ERR_NOMEM;
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			if (*tok && strlist_push(dst, tok) != ERR_OK) {
				mem_free(copy);
				return ERR_NOMEM;
			}
		mem_free(copy);
	}
	return ERR_OK;
}

/* The flags as one more configuration layer, merged last. */
static int agent_flag_layer(const struct agent_flags *f, struct agent_config *c)
{
	int rc = ERR_OK;
	if (f->server || f->dev)
		c->server.enabled = true;
	if (f->client || f->dev)
		c->client.enabled = true;
	if (f->expect > 0)
		c->server.bootstrap_expect = f->expect;
	rc = rc ? rc : agent_set(&c->data_dir, f->data_dir);
	rc = rc ? rc : agent_set(&c->bind_addr, f->bind);
	rc = rc ? rc : agent_set(&c->name, f->node);
	rc = rc ? rc : agent_set(&c->datacenter, f->dc);
	rc = rc ? rc : agent_set(&c->region, f->region);
	rc = rc ? rc : agent_set(&c->log_level, f->log_level);
	for (size_t i = 0; rc == ERR_OK && i < f->joins.n; i++)
		rc = strlist_push(&c->server.server_join.retry_join,
		                  f->joins.v[i]);
	rc = rc ? rc : agent_split_into(&c->client.servers, &f->servers);
	rc = rc ? rc : agent_set(&c->client.node_class, f->node_class);
	rc = rc ? rc : agent_set(&c->client.alloc_dir, f->alloc_dir);
	rc = rc ? rc : agent_set(&c->client.state_dir, f->state_dir);
	rc = rc ? rc : agent_set(&c->client.network_interface,
	                         f->network_interface);
	for (size_t i = 0; rc == ERR_OK && i < f->metas.n; i++) {
		const char *eq = strchr(f->metas.v[i], '=');
		char key[256];
		if (eq == NULL || eq == f->metas.v[i] ||
		    (size_t)(eq - f->metas.v[i]) >= sizeof key)
			return ERR_INVAL;
		memcpy(key, f->metas.v[i], (size_t)(eq - f->metas.v[i]));
		key[eq - f->metas.v[i]] = '\0';
		rc = strmap_set(&c->client.meta, key, eq + 1);
	}
	return rc;
}

static int agent_dev_layer(struct agent *a, struct agent_config *c)
{
	snprintf(a->dev_dir, sizeof a->dev_dir, "/tmp/steppe-dev-XXXXXX");
	if (mkdtemp(a->dev_dir) == NULL)
		return ERR_IO;
	c->server.bootstrap_expect = 1;
	if (agent_set(&c->data_dir, a->dev_dir) != ERR_OK ||
	    (c->bind_addr == NULL && agent_set(&c->bind_addr, "127.0.0.1")))
		return ERR_NOMEM;
	return ERR_OK;
}

static int agent_build_config(struct agent *a, struct err *e)
{
	struct agent_config layer = {0};
	struct errlist errs;
	int rc = config_defaults(&a->cfg);
	if (rc != ERR_OK)
		return err_set(e, rc, "out of memory");
	for (size_t i = 0; i < a->flags->configs.n; i++) {
		memset(&layer, 0, sizeof layer);
		rc = config_parse_path(a->flags->configs.v[i], &layer, e);
		if (rc == ERR_OK)
			rc = config_merge(&a->cfg, &layer);
		config_release(&layer);
		if (rc != ERR_OK)
			return rc;
	}
	memset(&layer, 0, sizeof layer);
	rc = agent_flag_layer(a->flags, &layer);
	if (rc == ERR_OK && a->flags->dev)
		rc = agent_dev_layer(a, &layer);
	if (rc == ERR_OK)
		rc = config_merge(&a->cfg, &layer);
	config_release(&layer);
	if (rc != ERR_OK)
		return err_set(e, rc, "building the configuration: %s",
		               err_str(rc));
	errlist_init(&errs);
	config_validate(&a->cfg, &errs);
	if ((a->cfg.server.enabled || a->cfg.client.enabled) &&
	    a->cfg.data_dir == NULL)
		errlist_add(&errs, "data_dir: must be set for a server or a "
		                   "client (or use -dev)");
	rc = errlist_to_err(&errs, e);
	errlist_release(&errs);
	return rc;
}

/* An address others can reach: the advertise setting, else the bind
 * address unless it is 0.0.0.0 (then loopback). */
static void agent_addr(char *out, size_t size, const char *advertise,
                       const char *bind, int64_t port)
{
	const char *host = advertise;
	if (host == NULL || *host == '\0')
		host = (bind != NULL && strcmp(bind, "0.0.0.0") != 0)
		           ? bind
		           : "127.0.0.1";
	if (strchr(host, ':') != NULL)
		snprintf(out, size, "%s", host);
	else
		snprintf(out, size, "%s:%lld", host, (long long)port);
}

/* ---- lifecycle --------------------------------------------------------------
 */

static void agent_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void agent_http_stopped(void *data)
{
	struct agent *a = data;
	if (a->rpc != NULL)
		rpc_server_stop(a->rpc, NULL, NULL);
	if (a->pool != NULL)
		rpc_pool_stop(a->pool, NULL, NULL);
	uv_close((uv_handle_t *)&a->sigint, NULL);
	uv_close((uv_handle_t *)&a->sigterm, NULL);
	uv_close((uv_handle_t *)&a->sighup, NULL);
}

static void agent_server_stopped(void *data)
{
	struct agent *a = data;
	if (a->http != NULL)
		http_server_stop(a->http, agent_http_stopped, a);
	else
		agent_http_stopped(a);
}

static void agent_client_stopped(void *data)
{
	struct agent *a = data;
	if (a->server != NULL)
		server_stop(a->server, agent_server_stopped, a);
	else
		agent_server_stopped(a);
}

static void agent_shutdown(struct agent *a)
{
	if (a->stopping++)
		return;
	LOG_INFO("agent", "caught signal, leaving gracefully");
	/* Tasks keep running: a client started again adopts them. */
	if (a->client != NULL)
		client_stop(a->client, agent_client_stopped, a);
	else
		agent_client_stopped(a);
}

static void agent_on_signal(uv_signal_t *h, int signum)
{
	struct agent *a = h->data;
	if (signum == SIGHUP) {
		struct agent_config fresh = {0};
		struct err e;
		enum log_level lvl;
		err_clear(&e);
		for (size_t i = 0; i < a->flags->configs.n; i++) {
			if (config_parse_path(a->flags->configs.v[i], &fresh,
			                      &e) == ERR_OK &&
			    fresh.log_level != NULL &&
			    log_level_parse(fresh.log_level, &lvl) == 0) {
				log_set_level(lvl);
				LOG_INFO("agent", "reloaded: log level %s",
				         log_level_name(lvl));
			}
			config_release(&fresh);
		}
		return;
	}
	agent_shutdown(a);
}

static int agent_start_rpc(struct agent *a, struct err *e)
{
	char bind[80];
	int rc = rpc_server_create(&a->loop, &a->rpc);
	if (rc == ERR_OK)
		rc = rpc_pool_create(&a->loop, &a->pool);
	if (rc != ERR_OK)
		return err_set(e, rc, "rpc: %s", err_str(rc));
	snprintf(bind, sizeof bind, "%s:%lld", a->cfg.bind_addr,
	         (long long)a->cfg.ports.rpc);
	return rpc_server_listen(a->rpc, bind, e);
}

/* A leader allocates and frees tens of megabytes per large plan: keep
 * freed heap instead of returning it to the kernel at every free (and
 * faulting it in again), and serve large buffers from the heap. Pages
 * that are never touched cost no memory, so an idle server is unchanged. */
static void agent_server_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	mallopt(M_TOP_PAD, 4 << 20);
}

static int agent_start_server(struct agent *a, struct err *e)
{
	agent_server_malloc();
	struct server_config sc = {
	    .loop = &a->loop,
	    .name = a->cfg.name,
	    .region = a->cfg.region,
	    .datacenter = a->cfg.datacenter,
	    .data_dir = a->cfg.data_dir,
	    .rpc_addr = a->rpc_addr,
	    .http_addr = a->http_addr,
	    .bootstrap_expect = a->cfg.server.bootstrap_expect,
	    .join = (const char *const *)a->cfg.server.server_join.retry_join.v,
	    .njoin = a->cfg.server.server_join.retry_join.n,
	    .raft_multiplier = a->cfg.server.raft_multiplier.set
	                           ? (unsigned)a->cfg.server.raft_multiplier.v
	                           : 1,
	    .snapshot_threshold =
	        a->cfg.server.raft_snapshot_threshold.set
	            ? (unsigned)a->cfg.server.raft_snapshot_threshold.v
	            : 0,
	    .min_heartbeat_ttl_ns = a->cfg.server.min_heartbeat_ttl,
	    .heartbeat_grace_ns = a->cfg.server.heartbeat_grace,
	    .max_heartbeats_per_second = a->cfg.server.max_heartbeats_per_second,
	    .failover_heartbeat_ttl_ns = a->cfg.server.failover_heartbeat_ttl,
	    .num_schedulers = a->cfg.server.num_schedulers.set &&
	                              a->cfg.server.num_schedulers.v > 0
	                          ? (unsigned)a->cfg.server.num_schedulers.v
	                          : 0,
	    .acl_enabled = a->cfg.acl.enabled,
	    .acl_token_min_ttl_ns = a->cfg.acl.token_min_expiration_ttl,
	    .acl_token_max_ttl_ns = a->cfg.acl.token_max_expiration_ttl,
	};
	int rc = server_create(&sc, a->rpc, a->pool, &a->server, e);
	if (rc == ERR_OK)
		rc = server_start(a->server, e);
	return rc;
}

/* A client talks to client.servers and its server_join addresses; in an
 * agent that is also a server (-dev), to itself as well. */
static int agent_start_client(struct agent *a, struct err *e)
{
	const struct agent_client *cc = &a->cfg.client;
	const char **servers;
	size_t n = 0, cap = cc->servers.n + cc->server_join.retry_join.n + 1;
	struct client_config cfg = {
	    .loop = &a->loop,
	    .pool = a->pool,
	    .agent = &a->cfg,
	    .http_addr = a->http_addr,
	};
	int rc;
	servers = mem_calloc(cap, sizeof *servers);
	if (servers == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < cc->servers.n; i++)
		servers[n++] = cc->servers.v[i];
	for (size_t i = 0; i < cc->server_join.retry_join.n; i++)
		servers[n++] = cc->server_join.retry_join.v[i];
	if (a->cfg.server.enabled)
		servers[n++] = a->rpc_addr;
	cfg.servers = servers;
	cfg.nservers = n;
	rc = client_create(&cfg, &a->client, e);
	mem_free(servers);
	if (rc == ERR_OK)
		rc = client_start(a->client, e);
	return rc;
}

static int agent_start_http(struct agent *a, struct err *e)
{
	char bind[80];
	int rc = http_server_create(&a->loop, &a->http);
	if (rc != ERR_OK)
		return err_set(e, rc, "http: %s", err_str(rc));
	a->info = (struct api_agent_info){
	    .name = a->cfg.name,
	    .region = a->cfg.region,
	    .datacenter = a->cfg.datacenter,
	    .version = STEPPE_VERSION,
	    .rpc_addr = a->rpc_addr,
	    .http_addr = a->http_addr,
	    .server = a->cfg.server.enabled,
	    .client = a->cfg.client.enabled,
	    .acl_ttl_ns = a->cfg.acl.token_ttl < a->cfg.acl.policy_ttl
	                      ? a->cfg.acl.token_ttl
	                      : a->cfg.acl.policy_ttl,
	};
	rc = api_routes_register(a->http, a->server, a->client, &a->info);
	if (rc != ERR_OK)
		return err_set(e, rc, "http routes: %s", err_str(rc));
	snprintf(bind, sizeof bind, "%s:%lld", a->cfg.bind_addr,
	         (long long)a->cfg.ports.http);
	return http_server_listen(a->http, bind, e);
}

static void agent_signals(struct agent *a)
{
	uv_signal_t *sigs[] = {&a->sigint, &a->sigterm, &a->sighup};
	int nums[] = {SIGINT, SIGTERM, SIGHUP};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(&a->loop, sigs[i]);
		sigs[i]->data = a;
		uv_signal_start(sigs[i], agent_on_signal, nums[i]);
	}
}

static int agent_run(struct agent *a)
{
	struct err e;
	enum log_level lvl = LOG_INFO;
	int rc;
	err_clear(&e);
	rc = agent_build_config(a, &e);
	if (rc != ERR_OK) {
		fprintf(stderr, "==> Error loading configuration: %s\n", e.msg);
		return 1;
	}
	if (a->cfg.log_level != NULL)
		log_level_parse(a->cfg.log_level, &lvl);
	log_set_level(lvl);
	log_set_json(a->cfg.log_json);
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&a->loop);
	/* Half the default election timeout: a turn this long is a risk. */
	loopwatch_start(&a->watch, &a->loop, 150);
	agent_addr(a->rpc_addr, sizeof a->rpc_addr, a->cfg.advertise.rpc,
	           a->cfg.bind_addr, a->cfg.ports.rpc);
	agent_addr(a->http_addr, sizeof a->http_addr, a->cfg.advertise.http,
	           a->cfg.bind_addr, a->cfg.ports.http);
	agent_signals(a);
	rc = agent_start_rpc(a, &e);
	if (rc == ERR_OK && a->cfg.server.enabled)
		rc = agent_start_server(a, &e);
	if (rc == ERR_OK && a->cfg.client.enabled)
		rc = agent_start_client(a, &e);
	if (rc == ERR_OK)
		rc = agent_start_http(a, &e);
	if (rc != ERR_OK) {
		fprintf(stderr, "==> Error starting agent: %s\n", e.msg);
		a->exit_code = 1;
		agent_shutdown(a);
	} else {
		printf("==> steppe agent started! Log data will stream in "
		       "below:\n\n    Node name: %s\n    Region: %s (DC: %s)\n"
		       "    Server: %s  Client: %s\n    RPC: %s  HTTP: %s\n\n",
		       a->cfg.name, a->cfg.region, a->cfg.datacenter,
		       a->cfg.server.enabled ? "true" : "false",
		       a->cfg.client.enabled ? "true" : "false", a->rpc_addr,
		       a->http_addr);
		fflush(stdout);
	}
	uv_run(&a->loop, UV_RUN_DEFAULT);
	uv_walk(&a->loop, agent_close_walk, NULL);
	uv_run(&a->loop, UV_RUN_DEFAULT);
	if (a->http != NULL)
		http_server_destroy(a->http);
	api_routes_release();
	server_destroy(a->server);
	client_destroy(a->client);
	if (a->rpc != NULL)
		rpc_server_destroy(a->rpc);
	if (a->pool != NULL)
		rpc_pool_destroy(a->pool);
	uv_loop_close(&a->loop);
	return a->exit_code;
}

int agent_command(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct agent_flags f = {0};
	struct flag flags[] = {
	    {"config", FLAG_LIST, &f.configs},
	    {"retry-join", FLAG_LIST, &f.joins},
	    {"server", FLAG_BOOL, &f.server},
	    {"client", FLAG_BOOL, &f.client},
	    {"servers", FLAG_LIST, &f.servers},
	    {"node-class", FLAG_STRING, &f.node_class},
	    {"meta", FLAG_LIST, &f.metas},
	    {"alloc-dir", FLAG_STRING, &f.alloc_dir},
	    {"state-dir", FLAG_STRING, &f.state_dir},
	    {"network-interface", FLAG_STRING, &f.network_interface},
	    {"dev", FLAG_BOOL, &f.dev},
	    {"bootstrap-expect", FLAG_INT, &f.expect},
	    {"data-dir", FLAG_STRING, &f.data_dir},
	    {"bind", FLAG_STRING, &f.bind},
	    {"node", FLAG_STRING, &f.node},
	    {"dc", FLAG_STRING, &f.dc},
	    {"region", FLAG_STRING, &f.region},
	    {"log-level", FLAG_STRING, &f.log_level},
	    {"routes", FLAG_BOOL, &f.routes},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct agent *a;
	char **rest;
	int nrest;
	int rc = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest != 0) {
		flags_release(flags);
		return cli_usage_error(cmd, "This command takes no arguments");
	}
	if (f.routes) {
		/* Hidden: the HTTP routes, for the ACL e2e route table. */
		flags_release(flags);
		return api_routes_print(stdout);
	}
	a = mem_calloc(1, sizeof *a);
	if (a == NULL) {
		flags_release(flags);
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	a->flags = &f;
	rc = agent_run(a);
	config_release(&a->cfg);
	mem_free(a);
	flags_release(flags);
	return rc;
}
