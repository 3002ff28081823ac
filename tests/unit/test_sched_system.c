/* Unit tests for the system and sysbatch scheduler through sched_run: one
 * allocation per node, nodes that join later, nodes skipped by their
 * constraints, exhausted nodes, down and ineligible nodes, updates in
 * place and destructive, sysbatch runs that completed, job stop. */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/stime.h"
#include "scheduler/scheduler.h"
#include "tests/lib/sched_harness.h"
#include "tests/lib/unit.h"

#define SEED 7

/* A system (or sysbatch) job "sys", group "sys", one raw_exec task. */
static const struct job *register_sys(struct harness *h, const char *type,
                                      int cpu, const char *job_extra,
                                      const char *task_extra)
{
	char buf[2048];
	snprintf(buf, sizeof buf,
	         "job \"sys\" {\n type = \"%s\"\n datacenters = [\"dc1\"]\n"
	         " %s\n group \"sys\" {\n task \"agent\" {\n"
	         " driver = \"raw_exec\"\n config {\n command = \"/bin/true\"\n"
	         " }\n %s\n resources {\n cpu = %d\n memory = 64\n }\n }\n"
	         " }\n}\n",
	         type, job_extra != NULL ? job_extra : "",
	         task_extra != NULL ? task_extra : "", cpu);
	return harness_register(h, buf);
}

static const struct alloc_metric *failed_of(const struct evaluation *ev,
                                            const char *group)
{
	for (size_t i = 0; i < ev->failed_tg_allocs.n; i++)
		if (strcmp(ev->failed_tg_allocs.v[i].key, group) == 0)
			return &ev->failed_tg_allocs.v[i].val;
	return NULL;
}

static size_t places(const struct harness_run *r)
{
	return plan_count_places(r->resp.plan);
}

static size_t stops(const struct harness_run *r)
{
	return plan_count_stops(r->resp.plan);
}

/* The stop of the plan for an allocation on node_id (NULL if none). */
static const struct allocation *stop_on(const struct plan *p,
                                        const char *node_id)
{
	const struct plan_node *pn = plan_node_find(p, node_id);
	struct allocation *const *v;
	size_t n = 0;
	if (pn == NULL)
		return NULL;
	v = plan_node_stops(pn, &n);
	return n > 0 ? v[0] : NULL;
}

static const struct allocation *placed_on(const struct plan *p,
                                          const char *node_id)
{
	const struct plan_node *pn = plan_node_find(p, node_id);
	struct allocation *const *v;
	size_t n = 0;
	if (pn == NULL)
		return NULL;
	v = plan_node_places(pn, &n);
	return n > 0 ? v[0] : NULL;
}

static void nodes(struct harness *h, int n)
{
	for (int i = 1; i <= n; i++) {
		char id[16];
		snprintf(id, sizeof id, "n%d", i);
		harness_node(h, id, 4000, 8192);
	}
}

/* ---- placement ----------------------------------------------------------- */

START_TEST(one_allocation_per_ready_node)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	nodes(h, 3);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_str_eq(r->resp.eval.status, EVAL_STATUS_COMPLETE);
	ck_assert_int_eq(places(r), 3);
	for (int i = 1; i <= 3; i++) {
		char id[16];
		const struct allocation *a;
		snprintf(id, sizeof id, "n%d", i);
		a = placed_on(r->resp.plan, id);
		ck_assert_ptr_nonnull(a);
		ck_assert_str_eq(a->name, "sys.sys[0]");
		ck_assert_str_eq(a->node_name, id);
		ck_assert_int_eq(a->metrics->nodes_in_pool, 3);
		ck_assert_int_eq(harness_count_live_on(h, "sys", id), 1);
	}
	ck_assert_int_eq(
	    alloc_metric_count_get(&r->resp.eval.queued_allocations, "sys"), 0);
	ck_assert_int_eq(r->resp.new_evals.n, 0);
	/* Nothing to do again. */
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert(plan_is_noop(r->resp.plan));
	harness_destroy(h);
}
END_TEST

START_TEST(node_joining_later_gets_one_on_node_update)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct evaluation *ev;
	struct evaluation *mut;
	nodes(h, 2);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	harness_node(h, "n3", 4000, 8192);
	ev = harness_eval(h, "sys", EVAL_TRIGGER_NODE_UPDATE);
	mut = (struct evaluation *)ev;
	harness_set_str(&mut->node_id, "n3");
	r = harness_run(h, ev, false);
	ck_assert_int_eq(places(r), 1);
	ck_assert_ptr_nonnull(placed_on(r->resp.plan, "n3"));
	ck_assert_int_eq(stops(r), 0);
	ck_assert_int_eq(harness_count_live(h, "sys"), 3);
	harness_destroy(h);
}
END_TEST

START_TEST(node_failing_a_constraint_is_skipped_silently)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct node *n;
	nodes(h, 2);
	n = harness_node_new("win", 4000, 8192);
	harness_node_attr(n, "kernel.name", "windows");
	harness_put_node(h, n);
	register_sys(h, JOB_TYPE_SYSTEM, 100,
	             "constraint {\n attribute = \"${attr.kernel.name}\"\n"
	             " value = \"linux\"\n }",
	             NULL);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 2);
	ck_assert_ptr_null(placed_on(r->resp.plan, "win"));
	ck_assert_int_eq(r->resp.eval.failed_tg_allocs.n, 0);
	ck_assert_int_eq(
	    alloc_metric_count_get(&r->resp.eval.queued_allocations, "sys"), 0);
	ck_assert_int_eq(r->resp.new_evals.n, 0);
	harness_destroy(h);
}
END_TEST

START_TEST(job_feasible_nowhere_is_reported_without_blocked_eval)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct alloc_metric *m;
	nodes(h, 2);
	register_sys(h, JOB_TYPE_SYSTEM, 100,
	             "constraint {\n attribute = \"${attr.kernel.name}\"\n"
	             " value = \"plan9\"\n }",
	             NULL);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 0);
	m = failed_of(&r->resp.eval, "sys");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->nodes_filtered, 2);
	ck_assert_int_eq(alloc_metric_count_get(&m->constraint_filtered,
	                                        "${attr.kernel.name} = plan9"),
	                 2);
	ck_assert_int_eq(
	    alloc_metric_count_get(&r->resp.eval.queued_allocations, "sys"), 0);
	ck_assert_int_eq(r->resp.new_evals.n, 0);
	harness_destroy(h);
}
END_TEST

START_TEST(exhausted_node_fails_with_a_blocked_eval_for_it)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct alloc_metric *m;
	const struct evaluation *b;
	harness_node(h, "n1", 4000, 8192);
	harness_node(h, "small", 500, 8192);
	harness_node(h, "tiny", 400, 8192);
	register_sys(h, JOB_TYPE_SYSTEM, 1000, NULL, NULL);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 1);
	ck_assert_ptr_nonnull(placed_on(r->resp.plan, "n1"));
	m = failed_of(&r->resp.eval, "sys");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->coalesced_failures, 1);
	ck_assert_int_eq(alloc_metric_count_get(&m->dimension_exhausted, "cpu"),
	                 1);
	ck_assert_int_eq(
	    alloc_metric_count_get(&r->resp.eval.queued_allocations, "sys"), 2);
	ck_assert_int_eq(r->resp.new_evals.n, 1);
	b = &r->resp.new_evals.v[0];
	ck_assert_str_eq(b->status, EVAL_STATUS_BLOCKED);
	ck_assert_str_eq(b->node_id, "small");
	ck_assert_str_eq(b->triggered_by, EVAL_TRIGGER_QUEUED_ALLOCS);
	ck_assert_str_eq(r->resp.eval.blocked_eval, b->id);
	harness_destroy(h);
}
END_TEST

/* ---- node changes -------------------------------------------------------- */

START_TEST(allocation_on_a_down_node_is_lost_and_not_replaced)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct allocation *s;
	nodes(h, 2);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	harness_node_set_status(h, "n2", NODE_STATUS_DOWN);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_NODE_UPDATE);
	ck_assert_int_eq(places(r), 0);
	ck_assert_int_eq(stops(r), 1);
	s = stop_on(r->resp.plan, "n2");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->client_status, ALLOC_CLIENT_LOST);
	ck_assert_str_eq(s->desired_description,
	                 "alloc is lost since its node is down");
	ck_assert_int_eq(harness_count_live(h, "sys"), 1);
	harness_destroy(h);
}
END_TEST

START_TEST(ineligible_node_keeps_its_allocation_and_gets_no_new_one)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct node *n;
	nodes(h, 2);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	n = harness_node_edit(h, "n2");
	harness_set_str(&n->scheduling_eligibility, NODE_INELIGIBLE);
	harness_put_node(h, n);
	n = harness_node_new("n3", 4000, 8192);
	harness_set_str(&n->scheduling_eligibility, NODE_INELIGIBLE);
	harness_put_node(h, n);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_NODE_UPDATE);
	ck_assert(plan_is_noop(r->resp.plan));
	ck_assert_int_eq(harness_count_live_on(h, "sys", "n2"), 1);
	ck_assert_int_eq(harness_count_live_on(h, "sys", "n3"), 0);
	harness_destroy(h);
}
END_TEST

START_TEST(node_leaving_the_datacenter_loses_its_allocation)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct allocation *s;
	struct node *n;
	nodes(h, 2);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	n = harness_node_edit(h, "n2");
	harness_set_str(&n->datacenter, "dc9");
	harness_put_node(h, n);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_NODE_UPDATE);
	s = stop_on(r->resp.plan, "n2");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->desired_description,
	                 "alloc not needed due to job update");
	ck_assert_int_eq(places(r), 0);
	harness_destroy(h);
}
END_TEST

/* ---- updates ------------------------------------------------------------- */

START_TEST(priority_change_updates_in_place_env_change_replaces)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct allocation *a, *s;
	char id[40];
	nodes(h, 2);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	snprintf(id, sizeof id, "%s",
	         placed_on(h->runs[0]->resp.plan, "n1")->id);
	register_sys(h, JOB_TYPE_SYSTEM, 100, "priority = 80", NULL);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(stops(r), 0);
	ck_assert_int_eq(places(r), 2);
	a = placed_on(r->resp.plan, "n1");
	ck_assert_str_eq(a->id, id);
	ck_assert_int_eq(store_alloc(h->store, id)->job->priority, 80);
	register_sys(h, JOB_TYPE_SYSTEM, 100, "priority = 80",
	             "env {\n MODE = \"fast\"\n }");
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(stops(r), 2);
	ck_assert_int_eq(places(r), 2);
	s = stop_on(r->resp.plan, "n1");
	ck_assert_str_eq(s->id, id);
	ck_assert_str_eq(s->desired_description,
	                 "alloc is being updated due to job update");
	a = placed_on(r->resp.plan, "n1");
	ck_assert_str_ne(a->id, id);
	ck_assert_str_eq(a->previous_allocation, id);
	ck_assert_int_eq(harness_count_live(h, "sys"), 2);
	harness_destroy(h);
}
END_TEST

/* ---- sysbatch ------------------------------------------------------------ */

START_TEST(sysbatch_does_not_rerun_where_it_completed)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct allocation *a;
	char id[40];
	nodes(h, 2);
	register_sys(h, JOB_TYPE_SYSBATCH, 100, NULL, NULL);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 2);
	snprintf(id, sizeof id, "%s", placed_on(r->resp.plan, "n1")->id);
	harness_alloc_client(h, id, ALLOC_CLIENT_COMPLETE, h->now);
	harness_node(h, "n3", 4000, 8192);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_NODE_UPDATE);
	ck_assert_int_eq(places(r), 1);
	ck_assert_ptr_nonnull(placed_on(r->resp.plan, "n3"));
	ck_assert_ptr_null(placed_on(r->resp.plan, "n1"));
	/* A new version of the tasks runs again everywhere. */
	register_sys(h, JOB_TYPE_SYSBATCH, 100, NULL,
	             "env {\n RUN = \"2\"\n }");
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	a = placed_on(r->resp.plan, "n1");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->previous_allocation, id);
	ck_assert_ptr_null(stop_on(r->resp.plan, "n1"));
	ck_assert_int_eq(places(r), 3);
	ck_assert_int_eq(stops(r), 2);
	harness_destroy(h);
}
END_TEST

START_TEST(system_job_replaces_a_failed_allocation)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct allocation *a;
	char id[40];
	nodes(h, 1);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	snprintf(id, sizeof id, "%s", placed_on(r->resp.plan, "n1")->id);
	harness_alloc_client(h, id, ALLOC_CLIENT_FAILED, h->now);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_NODE_UPDATE);
	a = placed_on(r->resp.plan, "n1");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->previous_allocation, id);
	harness_destroy(h);
}
END_TEST

/* ---- stop ---------------------------------------------------------------- */

START_TEST(job_stop_stops_every_node)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	nodes(h, 3);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	harness_stop_job(h, "sys");
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_DEREGISTER);
	ck_assert_int_eq(stops(r), 3);
	ck_assert_int_eq(places(r), 0);
	ck_assert_str_eq(stop_on(r->resp.plan, "n2")->desired_description,
	                 "alloc not needed due to job update");
	ck_assert_int_eq(harness_count_live(h, "sys"), 0);
	harness_destroy(h);
}
END_TEST

START_TEST(dry_run_annotates_system_plans)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct value *tg;
	nodes(h, 3);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	r = harness_run(h, harness_eval(h, "sys", EVAL_TRIGGER_JOB_REGISTER),
	                true);
	tg = value_map_get(
	    value_map_get(&r->resp.eval.plan_annotations, "DesiredTGUpdates"),
	    "sys");
	ck_assert_ptr_nonnull(tg);
	ck_assert_int_eq(value_map_get(tg, "Place")->u.i, 3);
	ck_assert_int_eq(harness_count_live(h, "sys"), 0);
	harness_destroy(h);
}
END_TEST

START_TEST(no_ready_node_places_nothing)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	r = harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert(plan_is_noop(r->resp.plan));
	ck_assert_str_eq(r->resp.eval.status, EVAL_STATUS_COMPLETE);
	harness_destroy(h);
}
END_TEST

/* ---- out of memory ------------------------------------------------------ */

static bool oom_once(struct harness *h, const struct evaluation *ev, int64_t k,
                     int64_t count)
{
	struct sched_request rq = {
	    .store = h->store, .eval = ev, .now = h->now, .seed = 9};
	struct sched_response out;
	int rc;
	mem_fault_set(k, count);
	rc = sched_run(&rq, &out);
	mem_fault_reset();
	ck_assert_msg(rc == 0 || rc == ERR_NOMEM, "fault %lld: rc %d",
	              (long long)k, rc);
	if (rc == 0)
		sched_response_release(&out);
	return rc == 0;
}

START_TEST(allocation_failures_are_reported_and_leak_nothing)
{
	struct harness *h = harness_create(SEED);
	const struct evaluation *ev;
	struct evaluation copy = {0};
	int64_t n;
	nodes(h, 3);
	harness_node(h, "small", 300, 8192);
	register_sys(h, JOB_TYPE_SYSTEM, 100, NULL, NULL);
	harness_run_job(h, "sys", EVAL_TRIGGER_JOB_REGISTER);
	harness_node_set_status(h, "n3", NODE_STATUS_DOWN);
	harness_node(h, "n4", 4000, 8192);
	register_sys(h, JOB_TYPE_SYSTEM, 400, "priority = 70", NULL);
	ev = harness_eval(h, "sys", EVAL_TRIGGER_NODE_UPDATE);
	ck_assert_int_eq(schema_copy(&evaluation_schema, &copy, ev), 0);
	copy.annotate_plan = true;
	for (n = 0; n < 1000000 && !oom_once(h, &copy, n, -1); n++)
		;
	ck_assert_int_gt(n, 50);
	for (int64_t k = 0; k < 2 * n; k++)
		oom_once(h, &copy, k, 1);
	schema_release(&evaluation_schema, &copy);
	harness_destroy(h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sched_system");
	TCase *tc = unit_tcase(s, "system", 60);
	tcase_add_test(tc, one_allocation_per_ready_node);
	tcase_add_test(tc, node_joining_later_gets_one_on_node_update);
	tcase_add_test(tc, node_failing_a_constraint_is_skipped_silently);
	tcase_add_test(tc,
	               job_feasible_nowhere_is_reported_without_blocked_eval);
	tcase_add_test(tc, exhausted_node_fails_with_a_blocked_eval_for_it);
	tcase_add_test(tc, allocation_on_a_down_node_is_lost_and_not_replaced);
	tcase_add_test(
	    tc, ineligible_node_keeps_its_allocation_and_gets_no_new_one);
	tcase_add_test(tc, node_leaving_the_datacenter_loses_its_allocation);
	tcase_add_test(tc,
	               priority_change_updates_in_place_env_change_replaces);
	tcase_add_test(tc, sysbatch_does_not_rerun_where_it_completed);
	tcase_add_test(tc, system_job_replaces_a_failed_allocation);
	tcase_add_test(tc, job_stop_stops_every_node);
	tcase_add_test(tc, dry_run_annotates_system_plans);
	tcase_add_test(tc, no_ready_node_places_nothing);
	tc = unit_tcase(s, "oom", 300);
	tcase_add_test(tc, allocation_failures_are_reported_and_leak_nothing);
	return s;
}

UNIT_MAIN(suite)
