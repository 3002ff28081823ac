/* tests/lib/sched_fixture.c: mock nodes, jobs and allocations for
 * scheduler tests (see sched_fixture.h). */
#include "tests/lib/sched_fixture.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"

static uint64_t sfx_index = 100;
static unsigned sfx_ids;

static uint64_t next_index(void)
{
	return ++sfx_index;
}

struct store *sfx_store(void)
{
	struct store *s = NULL;
	ck_assert_int_eq(store_create(&s), 0);
	return s;
}

void sfx_set(char **field, const char *val)
{
	mem_free(*field);
	*field = val != NULL ? mem_strdup(val) : NULL;
	ck_assert(val == NULL || *field != NULL);
}

void sfx_attr(struct node *n, const char *key, const char *val)
{
	ck_assert_int_eq(strmap_set(&n->attributes, key, val), 0);
}

void sfx_meta(struct node *n, const char *key, const char *val)
{
	ck_assert_int_eq(strmap_set(&n->meta, key, val), 0);
}

static void add_driver(struct node *n, const char *name)
{
	struct driver_info_ment *v =
	    mem_realloc(n->drivers.v, (n->drivers.n + 1) * sizeof *v);
	ck_assert_ptr_nonnull(v);
	n->drivers.v = v;
	memset(&v[n->drivers.n], 0, sizeof *v);
	sfx_set(&v[n->drivers.n].key, name);
	v[n->drivers.n].val.detected = true;
	v[n->drivers.n].val.healthy = true;
	n->drivers.n++;
}

static void add_networks(struct node_resources *r, const char *ip)
{
	struct node_network_resource *nn = mem_calloc(1, sizeof *nn);
	struct node_network_address *a = mem_calloc(1, sizeof *a);
	struct network_resource *nw = mem_calloc(1, sizeof *nw);
	char cidr[64];
	ck_assert(nn != NULL && a != NULL && nw != NULL);
	sfx_set(&a->family, "ipv4");
	sfx_set(&a->alias, "default");
	sfx_set(&a->address, ip);
	sfx_set(&nn->mode, "host");
	sfx_set(&nn->device, "eth0");
	nn->addresses.v = a;
	nn->addresses.n = 1;
	r->node_networks.v = nn;
	r->node_networks.n = 1;
	snprintf(cidr, sizeof cidr, "%.40s/32", ip);
	sfx_set(&nw->mode, "host");
	sfx_set(&nw->device, "eth0");
	sfx_set(&nw->cidr, cidr);
	sfx_set(&nw->ip, ip);
	nw->mbits = 1000;
	r->networks.v = nw;
	r->networks.n = 1;
}

struct node *sfx_node(const char *id, const char *dc)
{
	struct node *n = mem_calloc(1, sizeof *n);
	char buf[64];
	unsigned k = ++sfx_ids;
	ck_assert_ptr_nonnull(n);
	sfx_set(&n->id, id);
	sfx_set(&n->name, id);
	sfx_set(&n->datacenter, dc);
	sfx_set(&n->node_pool, "default");
	sfx_set(&n->status, NODE_STATUS_READY);
	sfx_set(&n->scheduling_eligibility, NODE_ELIGIBLE);
	snprintf(buf, sizeof buf, "v1:%s", dc);
	sfx_set(&n->computed_class, buf);
	sfx_attr(n, "kernel.name", "linux");
	sfx_attr(n, "cpu.arch", "amd64");
	sfx_attr(n, "nomad.version", "1.9.0");
	sfx_attr(n, "os.name", "ubuntu");
	add_driver(n, "docker");
	add_driver(n, "exec");
	n->node_resources = mem_calloc(1, sizeof *n->node_resources);
	n->reserved_resources = mem_calloc(1, sizeof *n->reserved_resources);
	ck_assert(n->node_resources != NULL && n->reserved_resources != NULL);
	n->node_resources->cpu.cpu_shares = 4000;
	n->node_resources->cpu.total_cpu_cores = 4;
	n->node_resources->memory.memory_mb = 8192;
	n->node_resources->disk.disk_mb = 100000;
	snprintf(buf, sizeof buf, "10.%u.%u.%u", (k >> 16) & 255,
	         (k >> 8) & 255, k & 255);
	add_networks(n->node_resources, buf);
	return n;
}

const char *sfx_node_ip(const struct node *n)
{
	return n->node_resources->node_networks.v[0].addresses.v[0].address;
}

void sfx_put_node(struct store *s, struct node *n)
{
	ck_assert_int_eq(store_upsert_node(s, next_index(), n), 0);
	node_free(n);
}

struct job *sfx_job(const char *json)
{
	struct job *job = mem_calloc(1, sizeof *job);
	struct err e;
	int rc;
	err_clear(&e);
	ck_assert_ptr_nonnull(job);
	rc = schema_json_decode_str(&job_schema, job, json, strlen(json), "Job",
	                            &e);
	ck_assert_msg(rc == 0, "decode: %s", e.msg);
	ck_assert_int_eq(job_canonicalize(job), 0);
	return job;
}

void sfx_put_job(struct store *s, const struct job *job)
{
	ck_assert_int_eq(store_upsert_job(s, next_index(), job, NULL), 0);
}

static char *fresh_id(void)
{
	char buf[64];
	snprintf(buf, sizeof buf, "a0000000-0000-4000-8000-%012u", ++sfx_ids);
	return mem_strdup(buf);
}

static void alloc_resources(struct allocation *a, const struct job *job,
                            const char *tg, int64_t cpu, int64_t mem)
{
	const struct task_group *g = job_lookup_group(job, tg);
	struct allocated_resources *ar = mem_calloc(1, sizeof *ar);
	ck_assert_ptr_nonnull(ar);
	ar->tasks.v = mem_calloc(1, sizeof *ar->tasks.v);
	ck_assert_ptr_nonnull(ar->tasks.v);
	ar->tasks.n = 1;
	sfx_set(&ar->tasks.v[0].key, "server");
	ar->tasks.v[0].val.cpu.cpu_shares = cpu;
	ar->tasks.v[0].val.memory.memory_mb = mem;
	if (g != NULL && g->ephemeral_disk != NULL)
		ar->shared.disk_mb = g->ephemeral_disk->size_mb;
	a->allocated_resources = ar;
}

struct allocation *sfx_alloc(const struct job *job, const char *tg,
                             const char *node_id, const char *id, int64_t cpu,
                             int64_t mem)
{
	struct allocation *a = mem_calloc(1, sizeof *a);
	char name[256];
	ck_assert_ptr_nonnull(a);
	a->id = id != NULL ? mem_strdup(id) : fresh_id();
	sfx_set(&a->namespace, job->namespace);
	sfx_set(&a->job_id, job->id);
	sfx_set(&a->task_group, tg);
	sfx_set(&a->node_id, node_id);
	snprintf(name, sizeof name, "%s.%s[%u]", job->id, tg, sfx_ids);
	sfx_set(&a->name, name);
	sfx_set(&a->desired_status, ALLOC_DESIRED_RUN);
	sfx_set(&a->client_status, ALLOC_CLIENT_RUNNING);
	alloc_resources(a, job, tg, cpu, mem);
	return a;
}

void sfx_put_alloc(struct store *s, struct allocation *a)
{
	ck_assert_int_eq(store_upsert_alloc(s, next_index(), a), 0);
	allocation_free(a);
}

void sfx_eval_start_cfg(struct sfx_eval *e, const struct store *s,
                        const struct job *job, enum select_mode mode,
                        uint64_t seed, const struct sched_config *cfg)
{
	memset(e, 0, sizeof *e);
	e->job = job;
	ck_assert_int_eq(plan_create(s, "e0000000-0000-4000-8000-000000000001",
	                             job->priority, job, &e->plan),
	                 0);
	sched_ctx_init(&e->ctx, s, e->plan, "global", 0, seed);
	if (cfg != NULL)
		e->ctx.config = *cfg;
	ck_assert_int_eq(select_stack_create(&e->ctx, job, mode, &e->st), 0);
}

void sfx_eval_start(struct sfx_eval *e, const struct store *s,
                    const struct job *job, enum select_mode mode, uint64_t seed)
{
	sfx_eval_start_cfg(e, s, job, mode, seed, NULL);
}

void sfx_eval_end(struct sfx_eval *e)
{
	select_stack_destroy(e->st);
	sched_ctx_release(&e->ctx);
	plan_destroy(e->plan);
	memset(e, 0, sizeof *e);
}

/* Hot path helpers: no ck_assert on success (Check records every passing
 * assertion, which would dominate timings). */
#define SFX_OK(expr)                                                          \
	do {                                                                  \
		if (!(expr))                                                  \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #expr); \
	} while (0)

static void set_fast(char **field, const char *val)
{
	mem_free(*field);
	*field = mem_strdup(val);
	SFX_OK(*field != NULL);
}

static struct allocation *placement(struct sfx_eval *e, const char *tg,
                                    struct select_result *r)
{
	struct allocation *a = mem_calloc(1, sizeof *a);
	char name[256];
	SFX_OK(a != NULL);
	a->id = fresh_id();
	set_fast(&a->namespace, e->job->namespace);
	set_fast(&a->job_id, e->job->id);
	set_fast(&a->task_group, tg);
	set_fast(&a->node_id, r->node->id);
	set_fast(&a->node_name, r->node->name);
	snprintf(name, sizeof name, "%s.%s[%d]", e->job->id, tg, e->placed);
	set_fast(&a->name, name);
	set_fast(&a->desired_status, ALLOC_DESIRED_RUN);
	set_fast(&a->client_status, ALLOC_CLIENT_PENDING);
	a->allocated_resources = mem_calloc(1, sizeof *a->allocated_resources);
	SFX_OK(a->allocated_resources != NULL);
	SFX_OK(schema_copy(&allocated_resources_schema, a->allocated_resources,
	                   &r->resources) == 0);
	return a;
}

const struct node *sfx_place(struct sfx_eval *e, const char *tg,
                             struct select_result *res)
{
	const struct task_group *g = job_lookup_group(e->job, tg);
	struct select_result r;
	const struct node *n;
	SFX_OK(g != NULL);
	SFX_OK(select_stack_select(e->st, g, NULL, &r) == 0);
	n = r.node;
	if (n != NULL) {
		SFX_OK(plan_place(e->plan, placement(e, tg, &r)) == 0);
		e->placed++;
	}
	if (res != NULL)
		*res = r;
	else
		select_result_release(&r);
	return n;
}

size_t sfx_placed_on(const struct plan *p, const char *node_id)
{
	const struct plan_node *pn = plan_node_find(p, node_id);
	size_t n = 0;
	if (pn != NULL)
		plan_node_places(pn, &n);
	return n;
}
