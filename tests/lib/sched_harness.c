/* tests/lib/sched_harness.c: the scheduler harness (see sched_harness.h). */
#include "tests/lib/sched_harness.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "lib/err.h"
#include "lib/mem.h"
#include "tests/lib/unit.h"

/* Check records every passing ck_assert: hot paths use this instead. */
#define HARNESS_OK(expr)                                                      \
	do {                                                                  \
		if (!(expr))                                                  \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #expr); \
	} while (0)

static const char *str(const char *s)
{
	return s != NULL ? s : "";
}

static uint64_t next_index(struct harness *h)
{
	return ++h->index;
}

/* ---- life cycle ---------------------------------------------------------- */

struct harness *harness_create(uint64_t seed)
{
	struct harness *h = mem_calloc(1, sizeof *h);
	HARNESS_OK(h != NULL);
	HARNESS_OK(store_create(&h->store) == 0);
	h->index = 100;
	h->now = HARNESS_EPOCH_NS;
	h->seed = seed;
	h->region = "global";
	return h;
}

struct harness *harness_create_random(void)
{
	uint64_t seed = unit_seed();
	fprintf(stderr, "sched harness seed: %llu\n", (unsigned long long)seed);
	return harness_create(seed);
}

static void run_free(struct harness_run *r)
{
	schema_release(&evaluation_schema, &r->eval);
	sched_response_release(&r->resp);
	mem_free(r);
}

void harness_destroy(struct harness *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->nruns; i++)
		run_free(h->runs[i]);
	mem_free(h->runs);
	for (size_t i = 0; i < h->evals.n; i++)
		schema_release(&evaluation_schema, &h->evals.v[i]);
	mem_free(h->evals.v);
	for (size_t i = 0; i < h->nmade; i++)
		evaluation_free(h->made[i]);
	mem_free(h->made);
	store_destroy(h->store);
	mem_free(h);
}

/* ---- nodes --------------------------------------------------------------- */

void harness_set_str(char **field, const char *val)
{
	mem_free(*field);
	*field = val != NULL ? mem_strdup(val) : NULL;
	HARNESS_OK(val == NULL || *field != NULL);
}

void harness_node_attr(struct node *n, const char *key, const char *val)
{
	HARNESS_OK(strmap_set(&n->attributes, key, val) == 0);
}

void harness_node_meta(struct node *n, const char *key, const char *val)
{
	HARNESS_OK(strmap_set(&n->meta, key, val) == 0);
}

static void add_driver(struct node *n, const char *name)
{
	struct driver_info_ment *v =
	    mem_realloc(n->drivers.v, (n->drivers.n + 1) * sizeof *v);
	HARNESS_OK(v != NULL);
	n->drivers.v = v;
	memset(&v[n->drivers.n], 0, sizeof *v);
	harness_set_str(&v[n->drivers.n].key, name);
	v[n->drivers.n].val.detected = true;
	v[n->drivers.n].val.healthy = true;
	n->drivers.n++;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL;
}

/* A 10.x.y.z address derived from the node ID. */
static void node_ip(const char *id, char *buf, size_t len)
{
	uint64_t h = fnv(1469598103934665603ULL, id);
	snprintf(buf, len, "10.%u.%u.%u", (unsigned)(h >> 16) & 255,
	         (unsigned)(h >> 8) & 255, (unsigned)(h & 253) + 1);
}

static void add_network(struct node_resources *r, const char *id)
{
	struct node_network_resource *nn = mem_calloc(1, sizeof *nn);
	struct node_network_address *a = mem_calloc(1, sizeof *a);
	struct network_resource *nw = mem_calloc(1, sizeof *nw);
	char ip[32], cidr[48];
	HARNESS_OK(nn != NULL && a != NULL && nw != NULL);
	node_ip(id, ip, sizeof ip);
	harness_set_str(&a->family, "ipv4");
	harness_set_str(&a->alias, "default");
	harness_set_str(&a->address, ip);
	harness_set_str(&nn->mode, "host");
	harness_set_str(&nn->device, "eth0");
	nn->addresses.v = a;
	nn->addresses.n = 1;
	r->node_networks.v = nn;
	r->node_networks.n = 1;
	/* The legacy view of the same interface (Nomad's NodeResources
	 * .Networks), which network mode checks read. */
	snprintf(cidr, sizeof cidr, "%s/32", ip);
	harness_set_str(&nw->mode, "host");
	harness_set_str(&nw->device, "eth0");
	harness_set_str(&nw->cidr, cidr);
	harness_set_str(&nw->ip, ip);
	nw->mbits = 1000;
	r->networks.v = nw;
	r->networks.n = 1;
}

struct node *harness_node_new(const char *id, int64_t cpu_mhz, int64_t mem_mb)
{
	struct node *n = mem_calloc(1, sizeof *n);
	HARNESS_OK(n != NULL);
	harness_set_str(&n->id, id);
	harness_set_str(&n->name, id);
	harness_set_str(&n->datacenter, "dc1");
	harness_set_str(&n->node_pool, "default");
	harness_set_str(&n->status, NODE_STATUS_READY);
	harness_set_str(&n->scheduling_eligibility, NODE_ELIGIBLE);
	harness_node_attr(n, "kernel.name", "linux");
	harness_node_attr(n, "os.name", "ubuntu");
	harness_node_attr(n, "cpu.arch", "amd64");
	harness_node_attr(n, "driver.raw_exec", "1");
	harness_node_attr(n, "unique.hostname", id);
	add_driver(n, "raw_exec");
	n->node_resources = mem_calloc(1, sizeof *n->node_resources);
	n->reserved_resources = mem_calloc(1, sizeof *n->reserved_resources);
	HARNESS_OK(n->node_resources != NULL && n->reserved_resources != NULL);
	n->node_resources->cpu.cpu_shares = cpu_mhz;
	n->node_resources->cpu.total_cpu_cores = 4;
	n->node_resources->memory.memory_mb = mem_mb;
	n->node_resources->disk.disk_mb = 100000;
	add_network(n->node_resources, id);
	return n;
}

/* Nomad's computed class: what feasibility depends on, unique.* aside. */
static void computed_class(struct node *n)
{
	uint64_t h = fnv(1469598103934665603ULL, n->datacenter);
	char buf[64];
	h = fnv(h, n->node_class);
	h = fnv(h, n->node_pool);
	for (size_t i = 0; i < n->attributes.n; i++)
		if (strncmp(n->attributes.v[i].key, "unique.", 7) != 0) {
			h = fnv(h, n->attributes.v[i].key);
			h = fnv(h, n->attributes.v[i].val);
		}
	for (size_t i = 0; i < n->meta.n; i++) {
		h = fnv(h, n->meta.v[i].key);
		h = fnv(h, n->meta.v[i].val);
	}
	snprintf(buf, sizeof buf, "v1:%016llx", (unsigned long long)h);
	harness_set_str(&n->computed_class, buf);
}

void harness_put_node(struct harness *h, struct node *n)
{
	computed_class(n);
	HARNESS_OK(store_upsert_node(h->store, next_index(h), n) == 0);
	node_free(n);
}

const struct node *harness_node(struct harness *h, const char *id,
                                int64_t cpu_mhz, int64_t mem_mb)
{
	harness_put_node(h, harness_node_new(id, cpu_mhz, mem_mb));
	return store_node(h->store, id);
}

struct node *harness_node_edit(struct harness *h, const char *id)
{
	const struct node *cur = store_node(h->store, id);
	struct node *n = mem_calloc(1, sizeof *n);
	ck_assert_msg(cur != NULL, "no node \"%s\"", id);
	HARNESS_OK(n != NULL && schema_copy(&node_schema, n, cur) == 0);
	return n;
}

void harness_node_set_status(struct harness *h, const char *id,
                             const char *status)
{
	struct node *n = harness_node_edit(h, id);
	harness_set_str(&n->status, status);
	harness_put_node(h, n);
}

/* ---- jobs ---------------------------------------------------------------- */

struct job *harness_job_parse(const char *hcl)
{
	struct job *job = mem_calloc(1, sizeof *job);
	struct err e;
	int rc;
	err_clear(&e);
	HARNESS_OK(job != NULL);
	rc = jobspec_parse("job.hcl", hcl, strlen(hcl), NULL, job, &e);
	ck_assert_msg(rc == 0, "parse: %s", e.msg);
	HARNESS_OK(job_canonicalize(job) == 0);
	return job;
}

const struct job *harness_put_job(struct harness *h, const struct job *job)
{
	HARNESS_OK(store_upsert_job(h->store, next_index(h), job, NULL) == 0);
	return store_job(h->store, str(job->namespace), job->id);
}

const struct job *harness_register(struct harness *h, const char *hcl)
{
	struct job *job = harness_job_parse(hcl);
	const struct job *stored = harness_put_job(h, job);
	job_free(job);
	return stored;
}

void harness_stop_job(struct harness *h, const char *job_id)
{
	const struct job *cur = store_job(h->store, "default", job_id);
	struct job *job;
	ck_assert_msg(cur != NULL, "no job \"%s\"", job_id);
	job = job_dup(cur);
	HARNESS_OK(job != NULL);
	job->stop = true;
	harness_put_job(h, job);
	job_free(job);
}

/* ---- evaluations --------------------------------------------------------- */

static void eval_log(struct harness *h, const struct evaluation *ev)
{
	struct evaluation *v =
	    mem_realloc(h->evals.v, (h->evals.n + 1) * sizeof *v);
	HARNESS_OK(v != NULL);
	h->evals.v = v;
	memset(&v[h->evals.n], 0, sizeof *v);
	HARNESS_OK(schema_copy(&evaluation_schema, &v[h->evals.n], ev) == 0);
	h->evals.n++;
	HARNESS_OK(store_upsert_eval(h->store, next_index(h), ev) == 0);
}

const struct evaluation *harness_eval(struct harness *h, const char *job_id,
                                      const char *trigger)
{
	const struct job *job = store_job(h->store, "default", job_id);
	struct evaluation *ev = mem_calloc(1, sizeof *ev), **v;
	struct sched_rng rng;
	char id[37];
	ck_assert_msg(job != NULL, "no job \"%s\"", job_id);
	HARNESS_OK(ev != NULL);
	sched_rng_seed(&rng, h->seed ^ (0xe7a1u + h->nmade * 7919u));
	sched_new_id(&rng, id);
	harness_set_str(&ev->id, id);
	harness_set_str(&ev->namespace, str(job->namespace));
	harness_set_str(&ev->job_id, job_id);
	harness_set_str(&ev->type, job->type);
	harness_set_str(&ev->triggered_by, trigger);
	harness_set_str(&ev->status, EVAL_STATUS_PENDING);
	ev->priority = job->priority;
	ev->job_modify_index = job->job_modify_index;
	ev->create_time = ev->modify_time = h->now;
	v = mem_realloc(h->made, (h->nmade + 1) * sizeof *v);
	HARNESS_OK(v != NULL);
	h->made = v;
	h->made[h->nmade++] = ev;
	eval_log(h, ev);
	return ev;
}

static struct harness_run *run_new(struct harness *h,
                                   const struct evaluation *ev)
{
	struct harness_run *r = mem_calloc(1, sizeof *r), **v;
	HARNESS_OK(r != NULL);
	HARNESS_OK(schema_copy(&evaluation_schema, &r->eval, ev) == 0);
	v = mem_realloc(h->runs, (h->nruns + 1) * sizeof *v);
	HARNESS_OK(v != NULL);
	h->runs = v;
	h->runs[h->nruns++] = r;
	return r;
}

const struct harness_run *harness_run(struct harness *h,
                                      const struct evaluation *ev, bool dry_run)
{
	struct harness_run *r = run_new(h, ev);
	struct sched_request rq = {
	    .store = h->store,
	    .eval = &r->eval,
	    .now = h->now,
	    .region = h->region,
	    .config = h->config,
	    .seed = h->seed + h->nruns,
	    .dry_run = dry_run,
	};
	int rc = sched_run(&rq, &r->resp);
	ck_assert_msg(rc == 0, "sched_run: %s", err_str(rc));
	if (dry_run)
		return r;
	if (r->resp.plan != NULL)
		harness_apply_plan(h, r->resp.plan, r->resp.job);
	eval_log(h, &r->resp.eval);
	for (size_t i = 0; i < r->resp.new_evals.n; i++)
		eval_log(h, &r->resp.new_evals.v[i]);
	r->applied = true;
	return r;
}

const struct harness_run *harness_run_job(struct harness *h, const char *job_id,
                                          const char *trigger)
{
	return harness_run(h, harness_eval(h, job_id, trigger), false);
}

const struct evaluation *harness_stored_eval(struct harness *h, const char *id)
{
	return store_eval(h->store, id);
}

/* ---- the recording planner's commit -------------------------------------- */

struct apply_walk {
	struct harness *h;
	const struct job *job;
	uint64_t index;
};

/* A stop or preemption over the stored allocation: its Job is kept. */
static void apply_stop(struct apply_walk *w, const struct allocation *c)
{
	const struct allocation *cur = store_alloc(w->h->store, c->id);
	struct allocation tmp = *c;
	tmp.job = cur != NULL ? cur->job : NULL;
	tmp.modify_time = w->h->now;
	HARNESS_OK(store_upsert_alloc(w->h->store, w->index, &tmp) == 0);
}

static void apply_place(struct apply_walk *w, const struct allocation *a)
{
	struct allocation tmp = *a;
	/* The store copies what it is given: the job is only borrowed. */
	tmp.job = (struct job *)w->job;
	tmp.modify_time = w->h->now;
	HARNESS_OK(store_upsert_alloc(w->h->store, w->index, &tmp) == 0);
}

static bool apply_node(void *data, const struct plan_node *pn)
{
	struct apply_walk *w = data;
	struct allocation *const *v;
	size_t n;
	v = plan_node_stops(pn, &n);
	for (size_t i = 0; i < n; i++)
		apply_stop(w, v[i]);
	v = plan_node_preempts(pn, &n);
	for (size_t i = 0; i < n; i++)
		apply_stop(w, v[i]);
	v = plan_node_places(pn, &n);
	for (size_t i = 0; i < n; i++)
		apply_place(w, v[i]);
	return true;
}

void harness_apply_plan(struct harness *h, const struct plan *p,
                        const struct job *job)
{
	struct apply_walk w = {h, job != NULL ? job : plan_job(p), 0};
	if (plan_is_noop(p))
		return;
	w.index = next_index(h);
	plan_each_node(p, apply_node, &w);
}

/* ---- reading ------------------------------------------------------------- */

struct collect {
	const struct allocation **v;
	size_t n, cap;
};

static bool collect_one(void *data, const struct allocation *a)
{
	struct collect *c = data;
	if (c->n == c->cap) {
		size_t cap = c->cap != 0 ? c->cap * 2 : 16;
		const struct allocation **v =
		    mem_realloc(c->v, cap * sizeof *v);
		HARNESS_OK(v != NULL);
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = a;
	return true;
}

const struct allocation **harness_allocs(struct harness *h, const char *job_id,
                                         size_t *n)
{
	struct collect c = {0};
	store_each_job_alloc(h->store, "default", job_id, collect_one, &c);
	if (c.v == NULL) {
		c.v = mem_calloc(1, sizeof *c.v);
		HARNESS_OK(c.v != NULL);
	}
	*n = c.n;
	return c.v;
}

size_t harness_count_live_on(struct harness *h, const char *job_id,
                             const char *node_id)
{
	size_t n, live = 0;
	const struct allocation **v = harness_allocs(h, job_id, &n);
	for (size_t i = 0; i < n; i++)
		if (!allocation_terminal(v[i]) &&
		    (node_id == NULL ||
		     strcmp(str(v[i]->node_id), node_id) == 0))
			live++;
	mem_free(v);
	return live;
}

size_t harness_count_live(struct harness *h, const char *job_id)
{
	return harness_count_live_on(h, job_id, NULL);
}

const struct allocation *
harness_live_named(struct harness *h, const char *job_id, const char *name)
{
	size_t n;
	const struct allocation **v = harness_allocs(h, job_id, &n);
	const struct allocation *found = NULL;
	for (size_t i = 0; i < n && found == NULL; i++)
		if (!allocation_terminal(v[i]) &&
		    strcmp(str(v[i]->name), name) == 0)
			found = v[i];
	mem_free(v);
	return found;
}

static void dead_tasks(struct allocation *a, bool failed, int64_t finished)
{
	const struct allocated_resources *ar = a->allocated_resources;
	size_t n = ar != NULL ? ar->tasks.n : 0;
	for (size_t i = 0; i < a->task_states.n; i++) {
		mem_free(a->task_states.v[i].key);
		schema_release(&task_state_schema, &a->task_states.v[i].val);
	}
	mem_free(a->task_states.v);
	a->task_states.v = mem_calloc(n + 1, sizeof *a->task_states.v);
	HARNESS_OK(a->task_states.v != NULL);
	a->task_states.n = n;
	for (size_t i = 0; i < n; i++) {
		struct task_state *t = &a->task_states.v[i].val;
		harness_set_str(&a->task_states.v[i].key, ar->tasks.v[i].key);
		harness_set_str(&t->state, TASK_STATE_DEAD);
		t->failed = failed;
		t->started_at = finished - 10 * INT64_C(1000000000);
		t->finished_at = finished;
	}
}

void harness_alloc_client(struct harness *h, const char *alloc_id,
                          const char *status, int64_t finished_at)
{
	const struct allocation *cur = store_alloc(h->store, alloc_id);
	struct allocation *a = mem_calloc(1, sizeof *a);
	ck_assert_msg(cur != NULL, "no allocation \"%s\"", alloc_id);
	HARNESS_OK(a != NULL && schema_copy(&allocation_schema, a, cur) == 0);
	harness_set_str(&a->client_status, status);
	if (strcmp(status, ALLOC_CLIENT_FAILED) == 0 ||
	    strcmp(status, ALLOC_CLIENT_COMPLETE) == 0)
		dead_tasks(a, strcmp(status, ALLOC_CLIENT_FAILED) == 0,
		           finished_at);
	a->modify_time = finished_at;
	HARNESS_OK(store_upsert_alloc(h->store, next_index(h), a) == 0);
	allocation_free(a);
}

size_t harness_plan_places_on(const struct plan *p, const char *node_id)
{
	const struct plan_node *pn = plan_node_find(p, node_id);
	size_t n = 0;
	if (pn != NULL)
		plan_node_places(pn, &n);
	return n;
}
