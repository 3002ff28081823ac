/* Unit tests for scheduler/select.h (the stack): candidates, the limit,
 * placements seeing each other, exhaustion metrics, datacenters and
 * pools, preferred and penalty nodes, class eligibility, determinism and
 * a timing of 10,000 placements on 1,000 nodes. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"
#include "scheduler/plan.h"
#include "scheduler/select.h"
#include "tests/lib/sched_fixture.h"
#include "tests/lib/unit.h"

/* ---- helpers --------------------------------------------------------------
 */

static void add_nodes(struct store *s, int n, const char *dc)
{
	for (int i = 0; i < n; i++) {
		char id[64];
		snprintf(id, sizeof id, "n%s-%04d", dc, i);
		sfx_put_node(s, sfx_node(id, dc));
	}
}

static struct job *web_job(int count, const char *extra)
{
	char json[2048];
	snprintf(json, sizeof json,
	         "{\"ID\":\"web\",\"Datacenters\":[\"dc1\"],%s"
	         "\"TaskGroups\":[{\"Name\":\"web\",\"Count\":%d,"
	         "\"Tasks\":[{\"Name\":\"server\",\"Driver\":\"exec\","
	         "\"Resources\":{\"CPU\":500,\"MemoryMB\":256}}]}]}",
	         extra, count);
	return sfx_job(json);
}

static int64_t count_of(const struct value *m, const char *key)
{
	return alloc_metric_count_get(m, key);
}

/* ---- basic placement ------------------------------------------------------
 */

START_TEST(places_on_a_ready_node)
{
	struct store *s = sfx_store();
	struct job *job = web_job(1, "");
	struct sfx_eval e;
	struct select_result r;
	add_nodes(s, 3, "dc1");
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
	ck_assert_int_eq(r.resources.tasks.n, 1);
	ck_assert_str_eq(r.resources.tasks.v[0].key, "server");
	ck_assert_int_eq(r.resources.tasks.v[0].val.cpu.cpu_shares, 500);
	ck_assert_int_eq(r.resources.tasks.v[0].val.memory.memory_mb, 256);
	ck_assert_int_eq(r.resources.shared.disk_mb, 300);
	ck_assert_int_eq(r.metrics.nodes_in_pool, 3);
	ck_assert_str_eq(r.metrics.node_pool, "default");
	ck_assert_int_eq(count_of(&r.metrics.nodes_available, "dc1"), 3);
	ck_assert_int_eq(r.metrics.nodes_evaluated, 2);
	ck_assert_int_eq(r.metrics.score_meta_data.n, 2);
	ck_assert(r.score > 0);
	ck_assert_double_eq_tol(r.metrics.score_meta_data.v[0].norm_score,
	                        r.score, 1e-12);
	ck_assert_int_eq(plan_count_places(e.plan), 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* The leader keeps only the chosen node's score (config.score_meta_max):
 * the same node is chosen, with the same score, as with Nomad's five. */
START_TEST(score_meta_max_keeps_the_best_only)
{
	struct store *s = sfx_store();
	struct job *job = web_job(1, "");
	struct sched_config one = {.score_meta_max = 1};
	struct sfx_eval e;
	struct select_result r, r1;
	uint64_t seed = unit_seed();
	add_nodes(s, 100, "dc1");
	sfx_eval_start(&e, s, job, SELECT_SERVICE, seed);
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
	sfx_eval_end(&e);
	sfx_eval_start_cfg(&e, s, job, SELECT_SERVICE, seed, &one);
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r1));
	sfx_eval_end(&e);
	ck_assert_int_eq(r.metrics.score_meta_data.n, 5);
	ck_assert_int_eq(r1.metrics.score_meta_data.n, 1);
	ck_assert_str_eq(r1.metrics.score_meta_data.v[0].node_id,
	                 r.metrics.score_meta_data.v[0].node_id);
	ck_assert_double_eq(r1.metrics.score_meta_data.v[0].norm_score,
	                    r.metrics.score_meta_data.v[0].norm_score);
	select_result_release(&r);
	select_result_release(&r1);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(limit_is_log2_of_nodes_for_service)
{
	struct store *s = sfx_store();
	struct job *job = web_job(1, "");
	struct sfx_eval e;
	struct select_result r;
	add_nodes(s, 100, "dc1");
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_uint_eq(select_stack_limit(e.st), 7);
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
	ck_assert_int_eq(r.metrics.nodes_evaluated, 7);
	ck_assert_int_eq(r.metrics.score_meta_data.n, 5);
	select_result_release(&r);
	sfx_eval_end(&e);
	sfx_eval_start(&e, s, job, SELECT_BATCH, unit_seed());
	ck_assert_uint_eq(select_stack_limit(e.st), 2);
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
	ck_assert_int_eq(r.metrics.nodes_evaluated, 2);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* ---- the plan -------------------------------------------------------------
 */

static struct allocation *mk_alloc(const char *id, const char *node,
                                   int64_t cpu)
{
	struct allocation *a = mem_calloc(1, sizeof *a);
	sfx_set(&a->id, id);
	sfx_set(&a->node_id, node);
	sfx_set(&a->job_id, "web");
	sfx_set(&a->namespace, "default");
	sfx_set(&a->task_group, "web");
	sfx_set(&a->client_status, ALLOC_CLIENT_RUNNING);
	a->allocated_resources = mem_calloc(1, sizeof *a->allocated_resources);
	a->allocated_resources->tasks.v =
	    mem_calloc(1, sizeof *a->allocated_resources->tasks.v);
	a->allocated_resources->tasks.n = 1;
	sfx_set(&a->allocated_resources->tasks.v[0].key, "t");
	a->allocated_resources->tasks.v[0].val.cpu.cpu_shares = cpu;
	a->allocated_resources->tasks.v[0].val.memory.memory_mb = cpu * 2;
	a->allocated_resources->shared.disk_mb = 10;
	return a;
}

struct ids {
	char text[512];
};

static bool ids_add(void *data, const struct allocation *a)
{
	struct ids *x = data;
	size_t len = strlen(x->text);
	snprintf(x->text + len, sizeof x->text - len, "%s%s", len ? "," : "",
	         a->id);
	return true;
}

/* A node with this ID for the plan's per-node queries, one per ID. */
static const struct node *nd(const char *id)
{
	static struct node v[32];
	static char ids[32][16];
	size_t i;
	for (i = 0; i < 32 && ids[i][0] != '\0'; i++)
		if (strcmp(ids[i], id) == 0)
			return &v[i];
	ck_assert(i < 32);
	snprintf(ids[i], sizeof ids[i], "%s", id);
	v[i].id = ids[i];
	return &v[i];
}

static const char *proposed(struct plan *p, const char *node, struct ids *x)
{
	x->text[0] = '\0';
	ck_assert_int_eq(plan_each_proposed(p, nd(node), ids_add, x), 0);
	return x->text;
}

static bool node_ids(void *data, const struct plan_node *pn)
{
	struct ids *x = data;
	size_t len = strlen(x->text);
	snprintf(x->text + len, sizeof x->text - len, "%s%s", len ? "," : "",
	         plan_node_id(pn));
	return true;
}

START_TEST(plan_places_stops_and_pops)
{
	struct store *s = sfx_store();
	struct plan *p;
	struct allocation *a1 = mk_alloc("a1", "n1", 100), *copy = NULL;
	struct allocation *done = mk_alloc("a2", "n1", 100);
	struct allocation *const *v;
	const struct plan_op *ops;
	struct sched_usage u;
	struct ids x = {""};
	size_t n;
	sfx_set(&done->client_status, ALLOC_CLIENT_COMPLETE);
	sfx_put_alloc(s, a1);
	sfx_put_alloc(s, done);
	ck_assert_int_eq(plan_create(s, "eval-1", 70, NULL, &p), 0);
	ck_assert_str_eq(plan_eval_id(p), "eval-1");
	ck_assert_int_eq(plan_priority(p), 70);
	ck_assert(plan_is_noop(p));
	ck_assert_str_eq(proposed(p, "n1", &x), "a1");
	ck_assert_int_eq(plan_node_usage(p, nd("n1"), &u), 0);
	ck_assert_int_eq(u.cpu, 100);
	ck_assert_int_eq(u.nallocs, 1);
	ck_assert_int_eq(plan_place(p, mk_alloc("b1", "n2", 50)), 0);
	ck_assert_int_eq(plan_place(p, mk_alloc("c1", "n1", 30)), 0);
	ck_assert_int_eq(plan_stop(p, store_alloc(s, "a1"), "alloc not needed",
	                           ALLOC_CLIENT_LOST, "follow", 77, &copy),
	                 0);
	ck_assert_str_eq(copy->desired_status, "stop");
	ck_assert_str_eq(copy->desired_description, "alloc not needed");
	ck_assert_str_eq(copy->client_status, "lost");
	ck_assert_str_eq(copy->followup_eval_id, "follow");
	ck_assert_int_eq(copy->alloc_states.n, 1);
	ck_assert_str_eq(copy->alloc_states.v[0].value, "lost");
	ck_assert_int_eq(copy->alloc_states.v[0].time, 77);
	ck_assert_ptr_null(copy->job);
	ck_assert_str_eq(proposed(p, "n1", &x), "c1");
	ck_assert_int_eq(plan_node_usage(p, nd("n1"), &u), 0);
	ck_assert_int_eq(u.cpu, 30);
	ck_assert_int_eq(u.memory_mb, 60);
	ck_assert_int_eq(u.disk_mb, 10);
	ck_assert(plan_pop_stop(p, store_alloc(s, "a1")));
	ck_assert(!plan_pop_stop(p, store_alloc(s, "a1")));
	ck_assert_str_eq(proposed(p, "n1", &x), "a1,c1");
	ck_assert_int_eq(plan_node_usage(p, nd("n1"), &u), 0);
	ck_assert_int_eq(u.cpu, 130);
	/* an in-place update replaces the existing allocation */
	ck_assert_int_eq(plan_place(p, mk_alloc("a1", "n1", 500)), 0);
	ck_assert_str_eq(proposed(p, "n1", &x), "a1,c1");
	ck_assert_int_eq(plan_node_usage(p, nd("n1"), &u), 0);
	ck_assert_int_eq(u.cpu, 530);
	/* placing the same ID again replaces the placement */
	ck_assert_int_eq(plan_place(p, mk_alloc("a1", "n1", 200)), 0);
	ck_assert_int_eq(plan_node_usage(p, nd("n1"), &u), 0);
	ck_assert_int_eq(u.cpu, 230);
	ck_assert_int_eq(plan_preempt(p, store_alloc(s, "a2"), "c1"), 0);
	ck_assert_uint_eq(plan_count_places(p), 3);
	ck_assert_uint_eq(plan_count_stops(p), 0);
	ck_assert_uint_eq(plan_count_preempts(p), 1);
	v = plan_node_places(plan_node_find(p, "n1"), &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0]->id, "c1");
	ck_assert_int_eq(
	    v[1]->allocated_resources->tasks.v[0].val.cpu.cpu_shares, 200);
	v = plan_node_preempts(plan_node_find(p, "n1"), &n);
	ck_assert_str_eq(v[0]->desired_status, "evict");
	ck_assert_str_eq(v[0]->desired_description, "Preempted by alloc ID c1");
	x.text[0] = '\0';
	plan_each_node(p, node_ids, &x);
	ck_assert_str_eq(x.text, "n1,n2");
	ops = plan_ops(p, &n);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(ops[0].kind, PLAN_OP_PLACE);
	ck_assert_int_eq(ops[2].kind, PLAN_OP_STOP);
	ck_assert_int_eq(ops[3].kind, PLAN_OP_UNSTOP);
	ck_assert_int_eq(ops[5].kind, PLAN_OP_UNPLACE);
	ck_assert_int_eq(ops[6].kind, PLAN_OP_PLACE);
	ck_assert_int_eq(ops[4].kind, PLAN_OP_PLACE);
	ck_assert_int_eq(ops[7].kind, PLAN_OP_PREEMPT);
	ck_assert_int_eq(plan_place(p, mk_alloc("x", "", 1)), ERR_INVAL);
	ck_assert_ptr_null(plan_node_find(p, "n3"));
	plan_destroy(p);
	store_destroy(s);
}
END_TEST

/* Usage kept incrementally equals usage recomputed from the proposed
 * allocations, over a random sequence of plan changes. */
static bool sum_usage(void *data, const struct allocation *a)
{
	if (!allocation_client_terminal(a))
		plan_alloc_usage_add(data, a);
	return true;
}

START_TEST(plan_usage_is_incremental)
{
	struct store *s = sfx_store();
	struct plan *p;
	uint64_t seed = unit_seed();
	struct sched_rng rng;
	char id[32], node[32];
	sched_rng_seed(&rng, seed);
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof id, "e%02d", i);
		snprintf(node, sizeof node, "n%d", i % 4);
		sfx_put_alloc(s, mk_alloc(id, node, 10 + i));
	}
	ck_assert_int_eq(plan_create(s, "eval", 50, NULL, &p), 0);
	for (int step = 0; step < 400; step++) {
		int k = (int)sched_rng_below(&rng, 40);
		snprintf(node, sizeof node, "n%d", (int)(k % 4));
		switch (sched_rng_below(&rng, 4)) {
		case 0:
			snprintf(id, sizeof id, "e%02d", k);
			plan_stop(p, store_alloc(s, id), "", NULL, NULL, 0,
			          NULL);
			break;
		case 1:
			snprintf(id, sizeof id, "e%02d", k);
			plan_pop_stop(p, store_alloc(s, id));
			break;
		case 2:
			snprintf(id, sizeof id, "p%02d", k);
			plan_place(p, mk_alloc(id, node, k));
			break;
		default: /* in-place update of an existing one */
			snprintf(id, sizeof id, "e%02d", k);
			plan_place(p, mk_alloc(id, node, 3 * k));
		}
		for (int ni = 0; ni < 4; ni++) {
			struct sched_usage got, want = {0};
			snprintf(node, sizeof node, "n%d", ni);
			ck_assert_int_eq(plan_node_usage(p, nd(node), &got), 0);
			ck_assert_int_eq(
			    plan_each_proposed(p, nd(node), sum_usage, &want),
			    0);
			ck_assert_msg(got.cpu == want.cpu &&
			                  got.memory_mb == want.memory_mb &&
			                  got.disk_mb == want.disk_mb &&
			                  got.nallocs == want.nallocs,
			              "step %d node %s: cpu %lld want %lld",
			              step, node, (long long)got.cpu,
			              (long long)want.cpu);
		}
	}
	plan_destroy(p);
	store_destroy(s);
}
END_TEST

/* Lifecycle-aware usage: a prestart task's use overlaps the main tasks. */
START_TEST(plan_usage_follows_lifecycles)
{
	struct allocation *a = mk_alloc("a", "n", 100);
	struct allocated_resources *ar = a->allocated_resources;
	struct sched_usage u = {0};
	ar->tasks.v = mem_realloc(ar->tasks.v, 3 * sizeof *ar->tasks.v);
	memset(&ar->tasks.v[1], 0, 2 * sizeof *ar->tasks.v);
	ar->tasks.n = 3;
	sfx_set(&ar->tasks.v[1].key, "init");
	ar->tasks.v[1].val.cpu.cpu_shares = 300;
	ar->tasks.v[1].val.memory.memory_mb = 50;
	sfx_set(&ar->tasks.v[2].key, "side");
	ar->tasks.v[2].val.cpu.cpu_shares = 20;
	ar->tasks.v[2].val.memory.memory_mb = 20;
	ar->task_lifecycles.v = mem_calloc(2, sizeof *ar->task_lifecycles.v);
	ar->task_lifecycles.n = 2;
	sfx_set(&ar->task_lifecycles.v[0].key, "init");
	sfx_set(&ar->task_lifecycles.v[0].val.hook, "prestart");
	sfx_set(&ar->task_lifecycles.v[1].key, "side");
	sfx_set(&ar->task_lifecycles.v[1].val.hook, "prestart");
	ar->task_lifecycles.v[1].val.sidecar = true;
	plan_alloc_usage_add(&u, a);
	/* main = t + side = 120 MHz / 220 MB; prestart = 320 / 70 */
	ck_assert_int_eq(u.cpu, 320);
	ck_assert_int_eq(u.memory_mb, 220);
	ck_assert_int_eq(u.disk_mb, 10);
	allocation_free(a);
}
END_TEST

/* ---- datacenters, pools, preferred nodes ----------------------------------
 */

START_TEST(datacenter_globs_and_pools)
{
	struct store *s = sfx_store();
	struct job *job = sfx_job(
	    "{\"ID\":\"j\",\"Datacenters\":[\"us-*\"],\"NodePool\":\"gpu\","
	    "\"TaskGroups\":[{\"Name\":\"g\",\"Count\":20,\"Tasks\":[{\"Name\":"
	    "\"t\",\"Driver\":\"exec\"}]}]}");
	const char *dcs[] = {"us-east", "us-west", "eu-1"};
	struct sfx_eval e;
	for (int i = 0; i < 6; i++) {
		char id[32];
		struct node *n;
		snprintf(id, sizeof id, "n%d", i);
		n = sfx_node(id, dcs[i % 3]);
		if (i < 5)
			sfx_set(&n->node_pool, "gpu");
		sfx_put_node(s, n);
	}
	/* n0 us-east, n1 us-west, n3 us-east, n4 us-west are in gpu */
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_int_eq(
	    alloc_metric_count_get(select_stack_nodes_by_dc(e.st), "us-east"),
	    2);
	for (int i = 0; i < 20; i++) {
		const struct node *n = sfx_place(&e, "g", NULL);
		ck_assert_ptr_nonnull(n);
		ck_assert(strncmp(n->datacenter, "us-", 3) == 0);
		ck_assert_str_eq(n->node_pool, "gpu");
	}
	sfx_eval_end(&e);
	sfx_set(&job->node_pool, "all");
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_uint_eq(select_stack_limit(e.st), 2);
	{
		size_t n;
		select_stack_nodes(e.st, &n);
		ck_assert_uint_eq(n, 4); /* n5 is us-west in default */
	}
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(preferred_node_is_tried_first)
{
	struct store *s = sfx_store();
	struct job *job = web_job(1, "");
	struct sfx_eval e;
	struct select_result r;
	struct select_options opts = {0};
	add_nodes(s, 20, "dc1");
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	opts.preferred_node = store_node(s, "ndc1-0013");
	ck_assert_int_eq(
	    select_stack_select(e.st, &job->task_groups.v[0], &opts, &r), 0);
	ck_assert_str_eq(r.node->id, "ndc1-0013");
	ck_assert_int_eq(r.metrics.nodes_evaluated, 1);
	select_result_release(&r);
	/* a preferred node that cannot fit: the normal walk follows */
	{
		struct node *big = sfx_node("tiny", "dc1");
		big->node_resources->cpu.cpu_shares = 10;
		sfx_put_node(s, big);
	}
	opts.preferred_node = store_node(s, "tiny");
	ck_assert_int_eq(
	    select_stack_select(e.st, &job->task_groups.v[0], &opts, &r), 0);
	ck_assert_ptr_nonnull(r.node);
	ck_assert_str_ne(r.node->id, "tiny");
	ck_assert_int_eq(r.metrics.nodes_exhausted, 0);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* Options scoring <= 0 are skipped (up to 3) while better ones come. */
START_TEST(limit_skips_penalized_nodes)
{
	struct store *s = sfx_store();
	struct job *job = web_job(2, "");
	add_nodes(s, 4, "dc1");
	for (int i = 0; i < 3; i++) {
		char id[32];
		snprintf(id, sizeof id, "ndc1-%04d", i);
		sfx_put_alloc(s, sfx_alloc(job, "web", id, NULL, 100, 100));
	}
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct sfx_eval e;
		struct select_result r;
		sfx_eval_start(&e, s, job, SELECT_SERVICE, seed);
		ck_assert_str_eq(sfx_place(&e, "web", &r)->id, "ndc1-0003");
		ck_assert_int_eq(r.metrics.nodes_evaluated, 4);
		select_result_release(&r);
		sfx_eval_end(&e);
	}
	job_free(job);
	store_destroy(s);
}
END_TEST

/* ---- classes, determinism, system -----------------------------------------
 */

START_TEST(class_eligibility_is_tracked)
{
	struct store *s = sfx_store();
	struct job *job = web_job(
	    1, "\"Constraints\":[{\"LTarget\":\"${node.class}\",\"RTarget\":"
	       "\"fast\"}],");
	struct job *esc =
	    web_job(1, "\"Constraints\":[{\"LTarget\":\"${node.unique.name}\","
	               "\"RTarget\":\"x\",\"Operand\":\"!=\"}],");
	struct sfx_eval e;
	struct value classes = {0};
	struct node *n = sfx_node("f", "dc1");
	sfx_set(&n->node_class, "fast");
	sfx_set(&n->computed_class, "v1:fast");
	sfx_put_node(s, n);
	sfx_put_node(s, sfx_node("s", "dc1"));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_str_eq(sfx_place(&e, "web", NULL)->id, "f");
	ck_assert(!select_stack_escaped(e.st));
	ck_assert_int_eq(select_stack_class_eligibility(e.st, &classes), 0);
	ck_assert_int_eq(classes.kind, VALUE_MAP);
	ck_assert(value_map_get(&classes, "v1:fast")->u.b);
	ck_assert(!value_map_get(&classes, "v1:dc1")->u.b);
	value_release(&classes);
	sfx_eval_end(&e);
	sfx_eval_start(&e, s, esc, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_nonnull(sfx_place(&e, "web", NULL));
	ck_assert(select_stack_escaped(e.st));
	sfx_eval_end(&e);
	job_free(esc);
	job_free(job);
	store_destroy(s);
}
END_TEST

static void run_sequence(const struct store *s, const struct job *job,
                         uint64_t seed, char *out, size_t len)
{
	struct sfx_eval e;
	out[0] = '\0';
	sfx_eval_start(&e, s, job, SELECT_SERVICE, seed);
	for (int i = 0; i < 40; i++) {
		const struct node *n = sfx_place(&e, "web", NULL);
		size_t l = strlen(out);
		ck_assert_ptr_nonnull(n);
		snprintf(out + l, len - l, "%s,", n->id);
	}
	sfx_eval_end(&e);
}

START_TEST(same_seed_same_plan)
{
	struct store *s = sfx_store();
	struct job *job = sfx_job(
	    "{\"ID\":\"web\",\"Datacenters\":[\"dc1\"],\"TaskGroups\":[{"
	    "\"Name\":\"web\",\"Count\":40,\"Networks\":[{\"DynamicPorts\":"
	    "[{\"Label\":\"http\"}]}],\"Tasks\":[{\"Name\":\"server\","
	    "\"Driver\":\"exec\"}]}]}");
	char *a = mem_calloc(1, 4096), *b = mem_calloc(1, 4096);
	add_nodes(s, 20, "dc1");
	run_sequence(s, job, unit_seed(), a, 4096);
	run_sequence(s, job, unit_seed(), b, 4096);
	ck_assert_str_eq(a, b);
	mem_free(a);
	mem_free(b);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(system_mode_one_node_at_a_time)
{
	struct store *s = sfx_store();
	struct job *job = sfx_job(
	    "{\"ID\":\"sys\",\"Type\":\"system\",\"Datacenters\":[\"dc1\"],"
	    "\"TaskGroups\":[{\"Name\":\"g\",\"Tasks\":[{\"Name\":\"t\","
	    "\"Driver\":\"exec\",\"Resources\":{\"CPU\":3000}}]}]}");
	struct sfx_eval e;
	struct select_result r;
	const struct node *const *all;
	size_t n;
	add_nodes(s, 3, "dc1");
	sfx_eval_start(&e, s, job, SELECT_SYSTEM, unit_seed());
	all = select_stack_nodes(e.st, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(all[0]->id, "ndc1-0000"); /* not shuffled */
	for (int i = 0; i < 3; i++) {
		const struct node *one = store_node(s, i == 0   ? "ndc1-0000"
		                                       : i == 1 ? "ndc1-0001"
		                                                : "ndc1-0002");
		ck_assert_int_eq(select_stack_set_nodes(e.st, &one, 1), 0);
		ck_assert_ptr_eq(sfx_place(&e, "g", &r), one);
		ck_assert_int_eq(r.metrics.nodes_evaluated, 1);
		ck_assert_int_eq(r.metrics.score_meta_data.n, 1);
		ck_assert_int_eq(
		    value_map_get(&r.metrics.score_meta_data.v[0].scores,
		                  "job-anti-affinity") == NULL,
		    1);
		select_result_release(&r);
		/* a second one does not fit on that node */
		ck_assert_ptr_null(sfx_place(&e, "g", &r));
		ck_assert_int_eq(alloc_metric_count_get(
		                     &r.metrics.dimension_exhausted, "cpu"),
		                 1);
		select_result_release(&r);
	}
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* An in-place update attempt: stop, select (sees the freed room), pop. */
START_TEST(tentative_stop_frees_room_until_popped)
{
	struct store *s = sfx_store();
	struct job *job = web_job(1, "");
	struct sfx_eval e;
	struct sched_usage u;
	struct node *n = sfx_node("a", "dc1");
	n->node_resources->cpu.cpu_shares = 1000;
	sfx_put_node(s, n);
	sfx_put_alloc(s, sfx_alloc(job, "web", "a", "cur", 800, 100));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", NULL));
	ck_assert_int_eq(plan_stop(e.plan, store_alloc(s, "cur"), "update",
	                           NULL, NULL, 0, NULL),
	                 0);
	ck_assert_int_eq(plan_node_usage(e.plan, nd("a"), &u), 0);
	ck_assert_int_eq(u.cpu, 0);
	{
		struct select_result r;
		ck_assert_int_eq(
		    select_stack_select(e.st, &job->task_groups.v[0], NULL, &r),
		    0);
		ck_assert_ptr_nonnull(r.node);
		select_result_release(&r);
	}
	ck_assert(plan_pop_stop(e.plan, store_alloc(s, "cur")));
	ck_assert_int_eq(plan_node_usage(e.plan, nd("a"), &u), 0);
	ck_assert_int_eq(u.cpu, 800);
	ck_assert_ptr_null(sfx_place(&e, "web", NULL));
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* ---- allocation failures ---------------------------------------------------
 */

static int oom_str(char **dst, const char *v)
{
	*dst = mem_strdup(v);
	return *dst != NULL ? 0 : ERR_NOMEM;
}

static int oom_place(struct plan *p, const struct select_result *r)
{
	struct allocation *a = mem_calloc(1, sizeof *a);
	static unsigned k;
	char id[32];
	if (a == NULL)
		return ERR_NOMEM;
	snprintf(id, sizeof id, "oom-%u", ++k);
	if (oom_str(&a->id, id) || oom_str(&a->node_id, r->node->id) ||
	    oom_str(&a->job_id, "web") || oom_str(&a->namespace, "default") ||
	    oom_str(&a->task_group, "web") ||
	    (a->allocated_resources =
	         mem_calloc(1, sizeof *a->allocated_resources)) == NULL ||
	    schema_copy(&allocated_resources_schema, a->allocated_resources,
	                &r->resources) != 0) {
		allocation_free(a);
		return ERR_NOMEM;
	}
	return plan_place(p, a);
}

static int oom_selects(struct select_stack *st, struct plan *p,
                       const struct job *job)
{
	struct value classes = {0};
	int rc = 0;
	for (int i = 0; rc == 0 && i < 3; i++) {
		struct select_result r;
		rc = select_stack_select(st, &job->task_groups.v[0], NULL, &r);
		if (rc == 0 && r.node != NULL)
			rc = oom_place(p, &r);
		select_result_release(&r);
	}
	if (rc == 0)
		rc = select_stack_class_eligibility(st, &classes);
	value_release(&classes);
	return rc;
}

static int oom_run(const struct store *s, const struct job *job)
{
	struct plan *p = NULL;
	struct sched_ctx ctx;
	struct select_stack *st = NULL;
	int rc = plan_create(s, "eval-oom", 50, job, &p);
	if (rc != 0)
		return rc;
	sched_ctx_init(&ctx, s, p, "global", 0, 7);
	rc = select_stack_create(&ctx, job, SELECT_SERVICE, &st);
	if (rc == 0)
		rc = oom_selects(st, p, job);
	if (rc == 0) {
		struct allocation stop = {.id = "old", .node_id = "ndc1-0001"};
		rc = plan_stop(p, &stop, "gone", "lost", NULL, 0, NULL);
	}
	select_stack_destroy(st);
	sched_ctx_release(&ctx);
	plan_destroy(p);
	return rc;
}

/* Every allocation failure along a full select path returns ERR_NOMEM
 * (or is absorbed) without crashing or leaking. */
START_TEST(allocation_failures_are_clean)
{
	struct store *s = sfx_store();
	struct job *job = sfx_job(
	    "{\"ID\":\"web\",\"Datacenters\":[\"dc1\"],\"Constraints\":[{"
	    "\"LTarget\":\"${attr.kernel.name}\",\"RTarget\":\"^lin\","
	    "\"Operand\":\"regexp\"},{\"LTarget\":\"${attr.nomad.version}\","
	    "\"RTarget\":\">= 1.0\",\"Operand\":\"version\"}],"
	    "\"TaskGroups\":[{\"Name\":\"web\",\"Count\":3,"
	    "\"Constraints\":[{\"LTarget\":\"${meta.rack}\",\"Operand\":"
	    "\"distinct_property\",\"RTarget\":\"2\"}],"
	    "\"Affinities\":[{\"LTarget\":\"${meta.rack}\",\"RTarget\":\"r1\","
	    "\"Weight\":50}],\"Spreads\":[{\"Attribute\":\"${meta.rack}\"}],"
	    "\"Networks\":[{\"ReservedPorts\":[{\"Label\":\"s\",\"Value\":99}],"
	    "\"DynamicPorts\":[{\"Label\":\"http\"}]}],"
	    "\"Tasks\":[{\"Name\":\"server\",\"Driver\":\"exec\"}]}]}");
	int ok = 0, nomem = 0;
	for (int i = 0; i < 4; i++) {
		char id[32];
		struct node *n;
		snprintf(id, sizeof id, "ndc1-%04d", i);
		n = sfx_node(id, "dc1");
		sfx_meta(n, "rack", i % 2 ? "r1" : "r2");
		sfx_put_node(s, n);
	}
	sfx_put_alloc(s, sfx_alloc(job, "web", "ndc1-0001", "old", 100, 100));
	ck_assert_int_eq(oom_run(s, job), 0);
	for (int64_t k = 0; k < 2500; k++) {
		int rc;
		mem_fault_set(k, 1);
		rc = oom_run(s, job);
		mem_fault_reset();
		ck_assert_msg(rc == 0 || rc == ERR_NOMEM, "k=%lld rc=%d",
		              (long long)k, rc);
		if (rc == 0)
			ok++;
		else
			nomem++;
	}
	ck_assert_int_gt(nomem, 100);
	ck_assert_int_gt(ok, 0);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* 10,000 placements of a group with a dynamic port on 1,000 nodes. */
START_TEST(timing_10000_placements_on_1000_nodes)
{
	struct store *s = sfx_store();
	struct job *job = sfx_job(
	    "{\"ID\":\"big\",\"Datacenters\":[\"dc1\"],\"TaskGroups\":[{"
	    "\"Name\":\"web\",\"Count\":10000,\"Networks\":[{"
	    "\"DynamicPorts\":[{\"Label\":\"http\"}]}],"
	    "\"Tasks\":[{\"Name\":\"server\",\"Driver\":\"exec\","
	    "\"Resources\":{\"CPU\":100,\"MemoryMB\":64}}]}]}");
	struct sfx_eval e;
	struct timespec t0, t1;
	double secs;
	int placed = 0;
	add_nodes(s, 1000, "dc1");
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 10000; i++)
		placed += sfx_place(&e, "web", NULL) != NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "sched: 10000 placements on 1000 nodes: %.3f s\n",
	        secs);
	ck_assert_int_eq(placed, 10000);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sched_select");
	TCase *tc = unit_tcase(s, "select", 60);
	tcase_add_test(tc, places_on_a_ready_node);
	tcase_add_test(tc, limit_is_log2_of_nodes_for_service);
	tcase_add_test(tc, score_meta_max_keeps_the_best_only);
	tcase_add_test(tc, datacenter_globs_and_pools);
	tcase_add_test(tc, preferred_node_is_tried_first);
	tcase_add_test(tc, limit_skips_penalized_nodes);
	tcase_add_test(tc, class_eligibility_is_tracked);
	tcase_add_test(tc, same_seed_same_plan);
	tcase_add_test(tc, system_mode_one_node_at_a_time);
	tcase_add_test(tc, tentative_stop_frees_room_until_popped);
	tc = unit_tcase(s, "plan", 30);
	tcase_add_test(tc, plan_places_stops_and_pops);
	tcase_add_test(tc, plan_usage_is_incremental);
	tcase_add_test(tc, plan_usage_follows_lifecycles);
	tc = unit_tcase(s, "oom", 120);
	tcase_add_test(tc, allocation_failures_are_clean);
	tc = unit_tcase(s, "timing", 120);
	tcase_add_test(tc, timing_10000_placements_on_1000_nodes);
	return s;
}

UNIT_MAIN(suite)
