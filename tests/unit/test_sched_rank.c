/* Unit tests for the scheduler's ranking: bin-pack and spread fit (Nomad's
 * TestScoreFitBinPack vectors), the scores a select records (binpack,
 * job anti-affinity, reschedule penalty, affinity, their mean), the
 * spread algorithm, resource exhaustion, and spread blocks (Nomad's
 * TestSpreadIterator_SingleAttribute vector, targets 50/25/25 and even
 * spread). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/plan.h"
#include "scheduler/rank.h"
#include "scheduler/select.h"
#include "tests/lib/sched_fixture.h"
#include "tests/lib/unit.h"

/* ---- helpers --------------------------------------------------------------
 */

static struct job *job_json(const char *group_extra, const char *job_extra,
                            int count, int cpu, int mem)
{
	char json[4096];
	snprintf(json, sizeof json,
	         "{\"ID\":\"web\",\"Datacenters\":[\"dc*\"],%s"
	         "\"TaskGroups\":[{\"Name\":\"web\",\"Count\":%d,%s"
	         "\"Tasks\":[{\"Name\":\"server\",\"Driver\":\"exec\","
	         "\"Resources\":{\"CPU\":%d,\"MemoryMB\":%d}}]}]}",
	         job_extra, count, group_extra, cpu, mem);
	return sfx_job(json);
}

static int64_t cnt(const struct value *m, const char *key)
{
	return alloc_metric_count_get(m, key);
}

/* The score named key of the ScoreMetaData entry of node id. */
static bool meta_score(const struct alloc_metric *m, const char *id,
                       const char *key, double *out)
{
	for (size_t i = 0; i < m->score_meta_data.n; i++) {
		const struct node_score_meta *s = &m->score_meta_data.v[i];
		const struct value *v;
		if (strcmp(s->node_id, id) != 0)
			continue;
		if (key == NULL) {
			*out = s->norm_score;
			return true;
		}
		v = value_map_get(&s->scores, key);
		if (v == NULL || v->kind != VALUE_FLOAT)
			return false;
		*out = v->u.f;
		return true;
	}
	return false;
}

/* ---- fit ------------------------------------------------------------------
 */

/* Nomad's TestScoreFitBinPack: a 4096 MHz / 8192 MB node with 2048 MHz /
 * 4096 MB reserved. */
START_TEST(fit_vectors_from_nomad)
{
	struct node *n = sfx_node("a", "dc1");
	struct sched_usage full = {.cpu = 2048, .memory_mb = 4096};
	struct sched_usage none = {0};
	struct sched_usage mid = {.cpu = 1024, .memory_mb = 2048};
	double exact = 20.0 - 2.0 * sqrt(10.0);
	n->node_resources->cpu.cpu_shares = 4096;
	n->node_resources->memory.memory_mb = 8192;
	n->reserved_resources->cpu.cpu_shares = 2048;
	n->reserved_resources->memory.memory_mb = 4096;
	ck_assert_double_eq_tol(rank_fit(n, &full, SCHED_BINPACK), 18, 1e-9);
	ck_assert_double_eq_tol(rank_fit(n, &full, SCHED_SPREAD), 0, 1e-9);
	ck_assert_double_eq_tol(rank_fit(n, &none, SCHED_BINPACK), 0, 1e-9);
	ck_assert_double_eq_tol(rank_fit(n, &none, SCHED_SPREAD), 18, 1e-9);
	ck_assert_double_eq_tol(rank_fit(n, &mid, SCHED_BINPACK), exact, 1e-9);
	ck_assert_double_eq_tol(rank_fit(n, &mid, SCHED_BINPACK), 13.675, 1e-3);
	ck_assert_double_eq_tol(rank_fit(n, &mid, SCHED_SPREAD), 18 - exact,
	                        1e-9);
	ck_assert_double_eq_tol(rank_fit(n, &mid, SCHED_SPREAD), 4.325, 1e-3);
	node_free(n);
}
END_TEST

START_TEST(fit_is_clamped)
{
	/* overfit: free fractions below zero */
	ck_assert_double_eq_tol(rank_fit_binpack_raw(100, 100, 200, 200), 18,
	                        1e-12);
	ck_assert_double_eq_tol(rank_fit_spread_raw(100, 100, 200, 200), 0,
	                        1e-12);
	ck_assert_double_eq_tol(rank_fit_binpack_raw(1000, 2000, 250, 1000),
	                        20 - (pow(10, 0.75) + pow(10, 0.5)), 1e-9);
	ck_assert_double_eq_tol(rank_fit_spread_raw(1000, 2000, 250, 1000),
	                        pow(10, 0.75) + pow(10, 0.5) - 2, 1e-9);
}
END_TEST

START_TEST(anti_affinity_and_affinity_formulas)
{
	struct sched_ctx c;
	struct node *n = sfx_node("a", "dc1");
	struct affinity a1 = {.ltarget = "${node.datacenter}",
	                      .rtarget = "dc1",
	                      .operand = "=",
	                      .weight = 50};
	struct affinity a2 = {.ltarget = "${attr.kernel.name}",
	                      .rtarget = "linux",
	                      .operand = "=",
	                      .weight = -30};
	struct affinity a3 = {.ltarget = "${meta.x}",
	                      .rtarget = "y",
	                      .operand = "=",
	                      .weight = 20};
	const struct affinity *all[] = {&a1, &a2, &a3};
	sched_ctx_init(&c, NULL, NULL, NULL, 0, 1);
	ck_assert_double_eq_tol(rank_anti_affinity(0, 3), 0, 1e-12);
	ck_assert_double_eq_tol(rank_anti_affinity(1, 3), -2.0 / 3, 1e-12);
	ck_assert_double_eq_tol(rank_anti_affinity(3, 2), -2.0, 1e-12);
	ck_assert_double_eq_tol(rank_affinity(&c, all, 3, n), 0.2, 1e-12);
	ck_assert_double_eq_tol(rank_affinity(&c, all, 1, n), 1.0, 1e-12);
	ck_assert_double_eq_tol(rank_affinity(&c, all + 1, 1, n), -1.0, 1e-12);
	ck_assert_double_eq_tol(rank_affinity(&c, all + 2, 1, n), 0, 1e-12);
	ck_assert_double_eq_tol(rank_affinity(&c, all, 0, n), 0, 1e-12);
	sched_ctx_release(&c);
	node_free(n);
}
END_TEST

/* ---- scores recorded by a select ------------------------------------------
 */

START_TEST(binpack_score_is_recorded_and_averaged)
{
	struct store *s = sfx_store();
	struct job *job = job_json("", "", 2, 500, 256);
	struct sfx_eval e;
	struct select_result r;
	double v, want;
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
	want =
	    (20 - (pow(10, 1 - 500.0 / 4000) + pow(10, 1 - 256.0 / 8192))) / 18;
	ck_assert(meta_score(&r.metrics, "a", "binpack", &v));
	ck_assert_double_eq_tol(v, want, 1e-9);
	ck_assert(meta_score(&r.metrics, "a", "job-anti-affinity", &v));
	ck_assert_double_eq_tol(v, 0, 1e-12);
	ck_assert(meta_score(&r.metrics, "a", "node-reschedule-penalty", &v));
	ck_assert(meta_score(&r.metrics, "a", "node-affinity", &v));
	ck_assert(!meta_score(&r.metrics, "a", "allocation-spread", &v));
	ck_assert_double_eq_tol(r.score, want, 1e-9);
	select_result_release(&r);
	/* the second one collides with the first: mean of two scores */
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
	want = (20 - (pow(10, 1 - 1000.0 / 4000) + pow(10, 1 - 512.0 / 8192))) /
	       18;
	ck_assert(meta_score(&r.metrics, "a", "binpack", &v));
	ck_assert_double_eq_tol(v, want, 1e-9);
	ck_assert(meta_score(&r.metrics, "a", "job-anti-affinity", &v));
	ck_assert_double_eq_tol(v, -1.0, 1e-12);
	ck_assert_double_eq_tol(r.score, (want - 1.0) / 2, 1e-9);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* Binpack prefers the busier node, the spread algorithm the emptier. */
START_TEST(binpack_and_spread_algorithms)
{
	struct store *s = sfx_store();
	struct job *job = job_json("", "", 1, 500, 256);
	struct job *other = job_json("", "", 1, 500, 256);
	struct sched_config spread = {.algorithm = SCHED_SPREAD};
	struct sfx_eval e;
	sfx_set(&other->id, "other");
	sfx_put_node(s, sfx_node("busy", "dc1"));
	sfx_put_node(s, sfx_node("idle", "dc1"));
	sfx_put_alloc(s, sfx_alloc(other, "web", "busy", NULL, 2000, 4000));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_str_eq(sfx_place(&e, "web", NULL)->id, "busy");
	sfx_eval_end(&e);
	sfx_eval_start_cfg(&e, s, job, SELECT_SERVICE, unit_seed(), &spread);
	ck_assert_str_eq(sfx_place(&e, "web", NULL)->id, "idle");
	sfx_eval_end(&e);
	job_free(other);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(cpu_and_memory_exhaustion_are_reported)
{
	struct store *s = sfx_store();
	struct job *cpu = job_json("", "", 1, 5000, 256);
	struct job *mem = job_json("", "", 1, 100, 9000);
	struct job *disk =
	    job_json("\"EphemeralDisk\":{\"SizeMB\":200000},", "", 1, 100, 100);
	struct sfx_eval e;
	struct select_result r;
	struct node *n = sfx_node("c", "dc1");
	sfx_set(&n->node_class, "small");
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_put_node(s, sfx_node("b", "dc1"));
	sfx_put_node(s, n);
	sfx_eval_start(&e, s, cpu, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(r.metrics.nodes_evaluated, 3);
	ck_assert_int_eq(r.metrics.nodes_exhausted, 3);
	ck_assert_int_eq(cnt(&r.metrics.dimension_exhausted, "cpu"), 3);
	ck_assert_int_eq(cnt(&r.metrics.class_exhausted, "small"), 1);
	ck_assert_int_eq(r.metrics.resources_exhausted.n, 1);
	ck_assert_str_eq(r.metrics.resources_exhausted.v[0].key, "server");
	ck_assert_int_eq(r.metrics.resources_exhausted.v[0].val.cpu, 5000);
	ck_assert_int_eq(r.metrics.resources_exhausted.v[0].val.memory_mb, 0);
	select_result_release(&r);
	sfx_eval_end(&e);
	sfx_eval_start(&e, s, mem, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(cnt(&r.metrics.dimension_exhausted, "memory"), 3);
	ck_assert_int_eq(r.metrics.resources_exhausted.v[0].val.memory_mb,
	                 9000);
	select_result_release(&r);
	sfx_eval_end(&e);
	sfx_eval_start(&e, s, disk, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(cnt(&r.metrics.dimension_exhausted, "disk"), 3);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(disk);
	job_free(mem);
	job_free(cpu);
	store_destroy(s);
}
END_TEST

/* Placements fill a node: 4000 MHz takes 8 x 500, the 9th is
 * exhausted on cpu; a stop frees room again. */
START_TEST(placements_consume_the_node)
{
	struct store *s = sfx_store();
	struct job *job = job_json("", "", 9, 500, 256);
	struct sfx_eval e;
	struct select_result r;
	struct allocation *old;
	sfx_put_node(s, sfx_node("a", "dc1"));
	old = sfx_alloc(job, "web", "a", "old-one", 500, 256);
	sfx_put_alloc(s, old);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	for (int i = 0; i < 7; i++)
		ck_assert_ptr_nonnull(sfx_place(&e, "web", NULL));
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(cnt(&r.metrics.dimension_exhausted, "cpu"), 1);
	select_result_release(&r);
	ck_assert_int_eq(plan_stop(e.plan, store_alloc(s, "old-one"), "gone",
	                           NULL, NULL, 0, NULL),
	                 0);
	ck_assert_ptr_nonnull(sfx_place(&e, "web", NULL));
	ck_assert_ptr_null(sfx_place(&e, "web", NULL));
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* Whole cores: the lowest free IDs, their bandwidth, "cores" when gone. */
START_TEST(cores_are_reserved)
{
	struct store *s = sfx_store();
	struct job *job = sfx_job(
	    "{\"ID\":\"c\",\"Datacenters\":[\"dc1\"],\"TaskGroups\":[{"
	    "\"Name\":\"g\",\"Count\":3,\"Tasks\":[{\"Name\":\"t\",\"Driver\":"
	    "\"exec\",\"Resources\":{\"Cores\":2,\"MemoryMB\":100}}]}]}");
	struct sfx_eval e;
	struct select_result r;
	const struct value *cores;
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	for (int i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(sfx_place(&e, "g", &r));
		ck_assert_int_eq(r.resources.tasks.v[0].val.cpu.cpu_shares,
		                 2000);
		cores = &r.resources.tasks.v[0].val.cpu.reserved_cores;
		ck_assert_int_eq(cores->kind, VALUE_LIST);
		ck_assert_uint_eq(cores->u.list.n, 2);
		ck_assert_int_eq(cores->u.list.v[0].u.i, 2 * i);
		ck_assert_int_eq(cores->u.list.v[1].u.i, 2 * i + 1);
		select_result_release(&r);
	}
	ck_assert_ptr_null(sfx_place(&e, "g", &r));
	ck_assert_int_eq(cnt(&r.metrics.dimension_exhausted, "cores"), 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(reschedule_penalty_is_recorded)
{
	struct store *s = sfx_store();
	struct job *job = job_json("", "", 1, 500, 256);
	const char *bad[] = {"a"};
	struct select_options opts = {.penalty_nodes = bad, .npenalty = 1};
	struct sfx_eval e;
	struct select_result r;
	double v;
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_put_node(s, sfx_node("b", "dc1"));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_int_eq(
	    select_stack_select(e.st, &job->task_groups.v[0], &opts, &r), 0);
	ck_assert_str_eq(r.node->id, "b");
	ck_assert(meta_score(&r.metrics, "a", "node-reschedule-penalty", &v));
	ck_assert_double_eq_tol(v, -1, 1e-12);
	ck_assert(meta_score(&r.metrics, "b", "node-reschedule-penalty", &v));
	ck_assert_double_eq_tol(v, 0, 1e-12);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* An affinity scores every node and wins over bin-packing. */
START_TEST(affinity_prefers_matching_nodes)
{
	struct store *s = sfx_store();
	struct job *job =
	    job_json("\"Affinities\":[{\"LTarget\":\"${node.datacenter}\","
	             "\"RTarget\":\"dc2\",\"Operand\":\"=\",\"Weight\":100}],",
	             "", 4, 500, 256);
	struct sfx_eval e;
	struct select_result r;
	double v;
	char id[32];
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof id, "n%02d", i);
		sfx_put_node(s, sfx_node(id, i == 7 ? "dc2" : "dc1"));
	}
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_str_eq(sfx_place(&e, "web", &r)->id, "n07");
	ck_assert_int_eq(r.metrics.nodes_evaluated, 10);
	ck_assert(meta_score(&r.metrics, "n07", "node-affinity", &v));
	ck_assert_double_eq_tol(v, 1.0, 1e-12);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* ---- spread ---------------------------------------------------------------
 */

/* Nomad's TestSpreadIterator_SingleAttribute: nodes in dc1, dc2, dc1,
 * dc1; count 10; allocs on nodes 0 and 2; 80% in dc1, weight 100. */
START_TEST(spread_vector_from_nomad)
{
	struct store *s = sfx_store();
	struct job *job = job_json(
	    "\"Spreads\":[{\"Attribute\":\"${node.datacenter}\",\"Weight\":100,"
	    "\"SpreadTarget\":[{\"Value\":\"dc1\",\"Percent\":80}]}],",
	    "", 10, 100, 100);
	const char *dcs[] = {"dc1", "dc2", "dc1", "dc1"};
	struct sfx_eval e;
	struct rank_spread *sp;
	double score;
	for (int i = 0; i < 4; i++) {
		char id[32];
		snprintf(id, sizeof id, "n%d", i);
		sfx_put_node(s, sfx_node(id, dcs[i]));
	}
	sfx_put_alloc(s, sfx_alloc(job, "web", "n0", NULL, 100, 100));
	sfx_put_alloc(s, sfx_alloc(job, "web", "n2", NULL, 100, 100));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_int_eq(
	    rank_spread_create(&e.ctx, job, &job->task_groups.v[0], &sp), 0);
	ck_assert(rank_spread_active(sp));
	ck_assert_int_eq(rank_spread_score(sp, store_node(s, "n0"), &score), 0);
	ck_assert_double_eq_tol(score, 0.625, 1e-12);
	ck_assert_int_eq(rank_spread_score(sp, store_node(s, "n1"), &score), 0);
	ck_assert_double_eq_tol(score, 0.5, 1e-12);
	/* five more in dc1 in the plan (and one of another job) */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(
		    plan_place(
		        e.plan,
		        sfx_alloc(job, "web", i < 2 ? "n0" : "n3", NULL, 1, 1)),
		    0);
	ck_assert_int_eq(
	    plan_place(e.plan, sfx_alloc(job, "other", "n0", NULL, 1, 1)), 0);
	ck_assert_int_eq(rank_spread_score(sp, store_node(s, "n2"), &score), 0);
	ck_assert_double_eq_tol(score, 0, 1e-12);
	ck_assert_int_eq(rank_spread_score(sp, store_node(s, "n1"), &score), 0);
	ck_assert_double_eq_tol(score, 0.5, 1e-12);
	rank_spread_destroy(sp);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* Places count allocations over 3 nodes in each of ndcs datacenters and
 * counts them per datacenter into got. */
static void spread_run(const char *group_extra, int count, int *got, int ndcs)
{
	struct store *s = sfx_store();
	struct job *job = job_json(group_extra, "", count, 100, 100);
	struct sfx_eval e;
	for (int d = 0; d < ndcs; d++)
		for (int i = 0; i < 3; i++) {
			char id[32], dc[32];
			snprintf(id, sizeof id, "n%d-%d", d, i);
			snprintf(dc, sizeof dc, "dc%d", d + 1);
			sfx_put_node(s, sfx_node(id, dc));
		}
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	for (int i = 0; i < count; i++) {
		const struct node *n = sfx_place(&e, "web", NULL);
		ck_assert_ptr_nonnull(n);
		got[n->datacenter[2] - '1']++;
	}
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}

static void check_got(const int *got, const int *want, int n)
{
	for (int d = 0; d < n; d++)
		ck_assert_msg(got[d] == want[d], "dc%d: got %d want %d", d + 1,
		              got[d], want[d]);
}

START_TEST(spread_with_targets)
{
	static const int want[] = {4, 2, 2};
	int got[3] = {0};
	spread_run("\"Spreads\":[{\"Attribute\":\"${node.datacenter}\","
	           "\"Weight\":100,\"SpreadTarget\":[{\"Value\":\"dc1\","
	           "\"Percent\":50},{\"Value\":\"dc2\",\"Percent\":25},"
	           "{\"Value\":\"dc3\",\"Percent\":25}]}],",
	           8, got, 3);
	check_got(got, want, 3);
}
END_TEST

/* 60% in dc1, the rest ("*") in dc2 and dc3 together. */
START_TEST(spread_with_implicit_target)
{
	int got[3] = {0};
	spread_run("\"Spreads\":[{\"Attribute\":\"${node.datacenter}\","
	           "\"Weight\":50,\"SpreadTarget\":[{\"Value\":\"dc1\","
	           "\"Percent\":60}]}],",
	           10, got, 3);
	ck_assert_int_eq(got[0], 6);
	ck_assert_int_eq(got[1] + got[2], 4);
}
END_TEST

START_TEST(even_spread_without_targets)
{
	static const int want[] = {3, 3, 3};
	int got[3] = {0};
	spread_run("\"Spreads\":[{\"Attribute\":\"${node.datacenter}\"}],", 9,
	           got, 3);
	check_got(got, want, 3);
}
END_TEST

/* A node without the spread attribute gets the -1 penalty. */
START_TEST(spread_missing_attribute_penalty)
{
	struct store *s = sfx_store();
	struct job *job = job_json(
	    "\"Spreads\":[{\"Attribute\":\"${meta.rack}\",\"Weight\":100}],",
	    "", 2, 100, 100);
	struct sfx_eval e;
	struct select_result r;
	struct node *n = sfx_node("racked", "dc1");
	double v;
	sfx_meta(n, "rack", "r1");
	sfx_put_node(s, n);
	sfx_put_node(s, sfx_node("bare", "dc1"));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_str_eq(sfx_place(&e, "web", &r)->id, "racked");
	ck_assert(meta_score(&r.metrics, "bare", "allocation-spread", &v));
	ck_assert_double_eq_tol(v, -1, 1e-12);
	ck_assert(!meta_score(&r.metrics, "racked", "allocation-spread", &v));
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sched_rank");
	TCase *tc = unit_tcase(s, "fit", 30);
	tcase_add_test(tc, fit_vectors_from_nomad);
	tcase_add_test(tc, fit_is_clamped);
	tcase_add_test(tc, anti_affinity_and_affinity_formulas);
	tc = unit_tcase(s, "scores", 30);
	tcase_add_test(tc, binpack_score_is_recorded_and_averaged);
	tcase_add_test(tc, binpack_and_spread_algorithms);
	tcase_add_test(tc, cpu_and_memory_exhaustion_are_reported);
	tcase_add_test(tc, placements_consume_the_node);
	tcase_add_test(tc, cores_are_reserved);
	tcase_add_test(tc, reschedule_penalty_is_recorded);
	tcase_add_test(tc, affinity_prefers_matching_nodes);
	tc = unit_tcase(s, "spread", 30);
	tcase_add_test(tc, spread_vector_from_nomad);
	tcase_add_test(tc, spread_with_targets);
	tcase_add_test(tc, spread_with_implicit_target);
	tcase_add_test(tc, even_spread_without_targets);
	tcase_add_test(tc, spread_missing_attribute_penalty);
	return s;
}

UNIT_MAIN(suite)
