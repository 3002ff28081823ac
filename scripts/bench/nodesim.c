/* scripts/bench/nodesim.c: a node simulator. Registers N client nodes
 * with real servers over the RPC port, heartbeats for each at the TTL the
 * servers hand back, pulls each node's allocations (blocking queries) and
 * reports them "running" (or "complete" once the server stops them), as a
 * client would, without running anything. For scheduler tests and
 * benchmarks at scale without N real clients.
 *
 *   nodesim -servers IP:PORT[,IP:PORT...] -count N [-cpu MHZ] [-memory MB]
 *           [-disk MB] [-dc DC] [-prefix P] [-class C] [-quiet]
 *
 * Prints "registered N nodes" once all are registered, then a line
 * "running=R complete=C" each second the counts change. Runs until
 * SIGINT/SIGTERM. Node IDs are derived from the prefix and the node
 * number, so a restarted simulator re-registers the same nodes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "lib/mem.h"

#define HASH_NONFATAL_OOM    1
#define uthash_malloc(sz)    mem_malloc(sz)
#define uthash_free(ptr, sz) mem_free(ptr)
#include "lib/stime.h"
#include "rpc/rpc.h"
#include "server/messages.h"
#include <uthash.h>

struct sim;

/* What the simulator last reported for an allocation. */
struct simalloc {
	UT_hash_handle hh;
	char id[48];
	uint64_t seen; /* the AllocModifyIndex last fetched */
	bool reported; /* running or complete reported */
	bool complete;
};

struct simnode {
	struct sim *sim;
	char id[48], secret[48], name[64];
	uv_timer_t hb;
	uint64_t alloc_index;
	bool registered;
};

struct sim {
	uv_loop_t loop;
	struct rpc_pool *pool;
	char **servers;
	size_t nservers, next_server;
	struct simnode *nodes;
	struct simalloc *allocs;
	long count, cpu, memory, disk;
	const char *dc, *prefix, *klass;
	long registered, running, complete, shown_running, shown_complete;
	bool quiet, stopping;
	unsigned long ticks;
	uv_timer_t report;
	uv_signal_t sigint, sigterm;
};

static const char *sim_server(struct sim *s)
{
	return s->servers[s->next_server++ % s->nservers];
}

static void node_fill(struct simnode *n, struct node *out)
{
	struct sim *s = n->sim;
	static struct node_resources res;
	static struct network_resource net;
	static struct node_network_resource nnet;
	static struct node_network_address naddr;
	memset(out, 0, sizeof *out);
	out->id = n->id;
	out->secret_id = n->secret;
	out->name = n->name;
	out->datacenter = (char *)s->dc;
	out->node_class = (char *)s->klass;
	out->status = (char *)NODE_STATUS_READY;
	out->http_addr = (char *)"127.0.0.1:4646";
	strmap_set(&out->attributes, "kernel.name", "linux");
	strmap_set(&out->attributes, "os.name", "debian");
	strmap_set(&out->attributes, "cpu.arch", "amd64");
	strmap_set(&out->attributes, "unique.hostname", n->name);
	strmap_set(&out->attributes, "driver.raw_exec", "1");
	strmap_set(&out->attributes, "nomad.version", "1.9.0");
	memset(&res, 0, sizeof res);
	res.cpu.cpu_shares = s->cpu;
	res.memory.memory_mb = s->memory;
	res.disk.disk_mb = s->disk;
	memset(&net, 0, sizeof net);
	net.device = (char *)"eth0";
	net.ip = (char *)"127.0.0.1";
	net.mode = (char *)"host";
	net.mbits = 1000;
	res.networks.v = &net;
	res.networks.n = 1;
	memset(&naddr, 0, sizeof naddr);
	naddr.family = (char *)"ipv4";
	naddr.alias = (char *)"default";
	naddr.address = (char *)"127.0.0.1";
	memset(&nnet, 0, sizeof nnet);
	nnet.mode = (char *)"host";
	nnet.device = (char *)"eth0";
	nnet.addresses.v = &naddr;
	nnet.addresses.n = 1;
	res.node_networks.v = &nnet;
	res.node_networks.n = 1;
	out->node_resources = &res;
}

static void sim_heartbeat(uv_timer_t *t);

static void node_arm(struct simnode *n, const msgpack_object *reply)
{
	struct node_update_response r = {0};
	int64_t ttl = 10 * STIME_NS_PER_S;
	if (reply != NULL && schema_msgpack_unpack(&node_update_response_schema,
	                                           &r, reply, NULL) == ERR_OK) {
		if (r.heartbeat_ttl > 0)
			ttl = r.heartbeat_ttl;
		schema_release(&node_update_response_schema, &r);
	}
	if (!n->sim->stopping)
		uv_timer_start(&n->hb, sim_heartbeat,
		               (uint64_t)(ttl / 2 / STIME_NS_PER_MS), 0);
}

/* Reads are stale, as a Nomad client's allocation pulls are: any server
 * answers from its own state. */
static void sim_call(struct sim *s, const char *method, const struct schema *as,
                     const void *args, uint64_t min_index, unsigned timeout_ms,
                     rpc_reply_fn cb, void *data)
{
	struct rpc_request req = {.method = (char *)method,
	                          .region = (char *)"global",
	                          .allow_stale = strstr(method, "Get") != NULL,
	                          .min_query_index = min_index,
	                          .max_query_time = 5 * STIME_NS_PER_S};
	if (rpc_pool_call(s->pool, sim_server(s), &req, as, args, timeout_ms,
	                  cb, data) != ERR_OK)
		cb(data, ERR_IO, "call failed", NULL, NULL);
}

static void sim_pull(struct simnode *n);

/* ---- allocations: pull, then report ------------------------------------ */

struct sim_report {
	struct simnode *n;
	uint64_t index; /* the pull's index: the read waits for it */
	struct allocs_get_request get;
};

/* Forgets what was fetched and reported for id: the next pull fetches
 * and reports it again (a failed call must not lose an allocation). */
static void sim_forget(struct sim *s, const char *id)
{
	struct simalloc *a;
	HASH_FIND(hh, s->allocs, id, strlen(id), a);
	if (a == NULL)
		return;
	if (a->reported) {
		if (a->complete)
			s->complete--;
		else
			s->running--;
	}
	a->reported = false;
	a->seen = 0;
}

struct sim_update {
	struct sim *s;
	struct strlist ids;
};

static void sim_reported(void *data, int status, const char *error,
                         const msgpack_object *reply, const struct rpc_meta *m)
{
	struct sim_update *u = data;
	(void)reply, (void)m;
	if (status != ERR_OK) {
		if (!u->s->quiet)
			fprintf(stderr, "nodesim: update allocs: %s\n",
			        error ? error : "failed");
		for (size_t i = 0; i < u->ids.n; i++)
			sim_forget(u->s, u->ids.v[i]);
	}
	strlist_release(&u->ids);
	mem_free(u);
}

/* Counts id as running or complete (once each). */
static void sim_note(struct sim *s, const char *id, bool complete)
{
	struct simalloc *a;
	HASH_FIND(hh, s->allocs, id, strlen(id), a);
	if (a == NULL || (a->reported && a->complete == complete))
		return;
	if (a->reported)
		s->running--;
	a->reported = true;
	a->complete = complete;
	if (complete)
		s->complete++;
	else
		s->running++;
}

static bool sim_got_has(const struct allocs_response *got, const char *id)
{
	for (size_t i = 0; i < got->allocs.n; i++)
		if (strcmp(got->allocs.v[i].id, id) == 0)
			return true;
	return false;
}

/* Reports what changed among the fetched allocations; returns how many
 * are in up. */
static void sim_collect(struct sim *s, const struct allocs_response *got,
                        struct alloc_update_request *up, struct strlist *ids)
{
	for (size_t i = 0; i < got->allocs.n; i++) {
		const struct allocation *a = &got->allocs.v[i];
		bool stop = alloc_desired_status_terminal(a->desired_status);
		const char *want =
		    stop ? ALLOC_CLIENT_COMPLETE : ALLOC_CLIENT_RUNNING;
		bool done = a->client_status != NULL &&
		            strcmp(a->client_status, want) == 0;
		if (alloc_client_status_terminal(a->client_status) && !done)
			continue;
		sim_note(s, a->id, stop);
		/* The server's word decides: report until it shows ours. */
		if (done)
			continue;
		up->allocs.v[up->allocs.n].id = a->id;
		up->allocs.v[up->allocs.n].client_status =
		    (char *)(stop ? ALLOC_CLIENT_COMPLETE
		                  : ALLOC_CLIENT_RUNNING);
		up->allocs.n++;
		strlist_push(ids, a->id);
	}
}

static void sim_got_allocs(void *data, int status, const char *error,
                           const msgpack_object *reply,
                           const struct rpc_meta *meta)
{
	struct sim_report *r = data;
	struct sim *s = r->n->sim;
	struct allocs_response got = {0};
	struct alloc_update_request up = {0};
	struct sim_update *u = mem_calloc(1, sizeof *u);
	bool ok = status == ERR_OK && reply != NULL &&
	          schema_msgpack_unpack(&allocs_response_schema, &got, reply,
	                                NULL) == ERR_OK;
	(void)error, (void)meta;
	/* What did not come back is fetched again by the next pull. */
	for (size_t i = 0; i < r->get.alloc_ids.n; i++)
		if (!ok || !sim_got_has(&got, r->get.alloc_ids.v[i]))
			sim_forget(s, r->get.alloc_ids.v[i]);
	if (ok && u != NULL) {
		u->s = s;
		up.allocs.v = mem_calloc(got.allocs.n + 1, sizeof *up.allocs.v);
		if (up.allocs.v != NULL)
			sim_collect(s, &got, &up, &u->ids);
	}
	if (u != NULL && up.allocs.n > 0) {
		sim_call(s, "Node.UpdateAlloc", &alloc_update_request_schema,
		         &up, 0, 30000, sim_reported, u);
	} else if (u != NULL) {
		strlist_release(&u->ids);
		mem_free(u);
	}
	mem_free(up.allocs.v);
	if (ok)
		schema_release(&allocs_response_schema, &got);
	schema_release(&allocs_get_request_schema, &r->get);
	mem_free(r);
}

/* Whether allocation id changed since it was last fetched (index is its
 * AllocModifyIndex); records the index. Stale reads from different
 * servers may come in any order: per allocation, only newer counts. */
static bool sim_want(struct sim *s, const char *id, uint64_t index)
{
	struct simalloc *a;
	size_t len = strlen(id);
	if (len >= sizeof a->id)
		return false;
	HASH_FIND(hh, s->allocs, id, len, a);
	if (a == NULL) {
		a = mem_calloc(1, sizeof *a);
		if (a == NULL)
			return false;
		memcpy(a->id, id, len);
		HASH_ADD(hh, s->allocs, id, len, a);
	}
	if (index <= a->seen)
		return false;
	a->seen = index;
	return true;
}

static void sim_pulled(void *data, int status, const char *error,
                       const msgpack_object *reply, const struct rpc_meta *meta)
{
	struct simnode *n = data;
	struct node_client_allocs_response r = {0};
	(void)meta;
	struct sim_report *rep;
	(void)error;
	if (n->sim->stopping)
		return;
	if (status != ERR_OK || reply == NULL ||
	    schema_msgpack_unpack(&node_client_allocs_response_schema, &r,
	                          reply, NULL) != ERR_OK) {
		sim_pull(n); /* another server next time */
		return;
	}
	rep = mem_calloc(1, sizeof *rep);
	for (size_t i = 0;
	     rep && r.allocs.kind == VALUE_MAP && i < r.allocs.u.map.n; i++) {
		const struct value_ent *e = &r.allocs.u.map.v[i];
		if (e->val.kind == VALUE_INT &&
		    sim_want(n->sim, e->key, (uint64_t)e->val.u.i))
			strlist_push(&rep->get.alloc_ids, e->key);
	}
	if (r.index > n->alloc_index)
		n->alloc_index = r.index;
	if (rep != NULL)
		rep->index = r.index;
	if (rep != NULL && rep->get.alloc_ids.n > 0) {
		rep->n = n;
		/* on a server that has applied what the pull saw (Nomad's
		 * client asks the same) */
		sim_call(n->sim, "Alloc.GetAllocs", &allocs_get_request_schema,
		         &rep->get, r.index > 0 ? r.index - 1 : 0, 30000,
		         sim_got_allocs, rep);
	} else if (rep != NULL) {
		mem_free(rep);
	}
	schema_release(&node_client_allocs_response_schema, &r);
	sim_pull(n);
}

static void sim_pull(struct simnode *n)
{
	struct node_specific_request a = {.node_id = n->id,
	                                  .secret_id = n->secret};
	sim_call(n->sim, "Node.GetClientAllocs", &node_specific_request_schema,
	         &a, n->alloc_index, 40000, sim_pulled, n);
}

/* ---- registration and heartbeats ------------------------------------------
 */

static void sim_registered(void *data, int status, const char *error,
                           const msgpack_object *reply,
                           const struct rpc_meta *meta);

static void sim_register(struct simnode *n)
{
	struct node_register_request a = {0};
	node_fill(n, &a.node);
	sim_call(n->sim, "Node.Register", &node_register_request_schema, &a, 0,
	         10000, sim_registered, n);
	strmap_release(&a.node.attributes);
}

static void sim_registered(void *data, int status, const char *error,
                           const msgpack_object *reply,
                           const struct rpc_meta *meta)
{
	struct simnode *n = data;
	struct sim *s = n->sim;
	(void)meta;
	if (s->stopping)
		return;
	if (status != ERR_OK) {
		if (!s->quiet)
			fprintf(stderr, "nodesim: register %s: %s\n", n->name,
			        error ? error : "failed");
		uv_timer_start(&n->hb, sim_heartbeat, 500, 0);
		return;
	}
	if (!n->registered) {
		n->registered = true;
		if (++s->registered == s->count) {
			printf("registered %ld nodes\n", s->count);
			fflush(stdout);
		}
		sim_pull(n);
	}
	node_arm(n, reply);
}

static void sim_beat(void *data, int status, const char *error,
                     const msgpack_object *reply, const struct rpc_meta *meta)
{
	struct simnode *n = data;
	(void)meta;
	if (n->sim->stopping)
		return;
	if (status != ERR_OK && error != NULL && strstr(error, "not found")) {
		sim_register(n);
		return;
	}
	if (status != ERR_OK) {
		/* As a client does: try the next server soon, well within
		 * the TTL. */
		uv_timer_start(&n->hb, sim_heartbeat, 250, 0);
		return;
	}
	node_arm(n, reply);
}

static void sim_heartbeat(uv_timer_t *t)
{
	struct simnode *n = t->data;
	struct node_update_status_request a = {.node_id = n->id,
	                                       .secret_id = n->secret,
	                                       .status = (char *)"ready"};
	if (!n->registered) {
		sim_register(n);
		return;
	}
	sim_call(n->sim, "Node.UpdateStatus",
	         &node_update_status_request_schema, &a, 0, 10000, sim_beat, n);
}

/* ---- main -----------------------------------------------------------------
 */

/* Every 10 s everything is fetched again (and re-reported where the
 * servers do not show what was reported: a lost report heals). */
static void sim_resync(struct sim *s)
{
	struct simalloc *a, *tmp;
	if (++s->ticks % 10 != 0)
		return;
	HASH_ITER(hh, s->allocs, a, tmp)
	a->seen = 0;
}

static void sim_report(uv_timer_t *t)
{
	struct sim *s = t->data;
	sim_resync(s);
	if (s->running == s->shown_running && s->complete == s->shown_complete)
		return;
	s->shown_running = s->running;
	s->shown_complete = s->complete;
	printf("running=%ld complete=%ld\n", s->running, s->complete);
	fflush(stdout);
}

static void sim_closed(uv_handle_t *h)
{
	(void)h;
}

static void sim_stopped(void *data)
{
	struct sim *s = data;
	for (long i = 0; i < s->count; i++)
		uv_close((uv_handle_t *)&s->nodes[i].hb, sim_closed);
	uv_close((uv_handle_t *)&s->report, sim_closed);
	uv_close((uv_handle_t *)&s->sigint, sim_closed);
	uv_close((uv_handle_t *)&s->sigterm, sim_closed);
}

static void sim_signal(uv_signal_t *h, int sig)
{
	struct sim *s = h->data;
	(void)sig;
	if (s->stopping)
		return;
	s->stopping = true;
	for (long i = 0; i < s->count; i++)
		uv_timer_stop(&s->nodes[i].hb);
	rpc_pool_stop(s->pool, sim_stopped, s);
}

static int sim_args(struct sim *s, int argc, char **argv)
{
	static char *srv[16];
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(f, "-quiet") == 0) {
			s->quiet = true;
			continue;
		}
		if (v == NULL)
			return -1;
		i++;
		if (strcmp(f, "-servers") == 0) {
			char *dup = strdup(v), *save = NULL;
			for (char *t = strtok_r(dup, ",", &save);
			     t && s->nservers < 16;
			     t = strtok_r(NULL, ",", &save))
				srv[s->nservers++] = t;
		} else if (strcmp(f, "-count") == 0) {
			s->count = atol(v);
		} else if (strcmp(f, "-cpu") == 0) {
			s->cpu = atol(v);
		} else if (strcmp(f, "-memory") == 0) {
			s->memory = atol(v);
		} else if (strcmp(f, "-disk") == 0) {
			s->disk = atol(v);
		} else if (strcmp(f, "-dc") == 0) {
			s->dc = v;
		} else if (strcmp(f, "-prefix") == 0) {
			s->prefix = v;
		} else if (strcmp(f, "-class") == 0) {
			s->klass = v;
		} else {
			return -1;
		}
	}
	s->servers = srv;
	return s->nservers > 0 && s->count > 0 ? 0 : -1;
}

static uint32_t sim_hash(const char *p)
{
	uint32_t h = 2166136261u;
	while (*p)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

int main(int argc, char **argv)
{
	static struct sim s = {.cpu = 4000,
	                       .memory = 8192,
	                       .disk = 100000,
	                       .dc = "dc1",
	                       .prefix = "sim"};
	if (sim_args(&s, argc, argv) != 0) {
		fprintf(stderr,
		        "usage: nodesim -servers IP:PORT[,...] -count N "
		        "[-cpu MHZ] [-memory MB] [-disk MB] [-dc DC] "
		        "[-prefix P] [-class C] [-quiet]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&s.loop);
	rpc_pool_create(&s.loop, &s.pool);
	s.nodes = calloc((size_t)s.count, sizeof *s.nodes);
	for (long i = 0; i < s.count; i++) {
		struct simnode *n = &s.nodes[i];
		uint32_t h = sim_hash(s.prefix);
		n->sim = &s;
		/* Distinct first 8 characters: the CLI's short IDs. */
		snprintf(n->id, sizeof n->id, "%08x-0000-4000-8000-%012ld",
		         (uint32_t)(h ^ ((uint32_t)i * 2654435761u)), i);
		snprintf(n->secret, sizeof n->secret,
		         "%08x-1111-4000-8000-%012ld", h, i);
		snprintf(n->name, sizeof n->name, "%s-%ld", s.prefix, i);
		uv_timer_init(&s.loop, &n->hb);
		n->hb.data = n;
		sim_register(n);
	}
	uv_timer_init(&s.loop, &s.report);
	s.report.data = &s;
	uv_timer_start(&s.report, sim_report, 1000, 1000);
	uv_signal_init(&s.loop, &s.sigint);
	uv_signal_init(&s.loop, &s.sigterm);
	s.sigint.data = s.sigterm.data = &s;
	uv_signal_start(&s.sigint, sim_signal, SIGINT);
	uv_signal_start(&s.sigterm, sim_signal, SIGTERM);
	uv_run(&s.loop, UV_RUN_DEFAULT);
	rpc_pool_destroy(s.pool);
	struct simalloc *a, *tmp;
	HASH_ITER(hh, s.allocs, a, tmp)
	{
		HASH_DEL(s.allocs, a);
		mem_free(a);
	}
	free(s.nodes);
	return 0;
}
