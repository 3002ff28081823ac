/* Unit tests for the service and batch scheduler through sched_run
 * (scheduler/scheduler.h), with the harness (tests/lib/sched_harness.h): the
 * constraint operators end to end, bin packing, spread targets,
 * distinct_hosts, ports, counts up and down, in-place and destructive
 * updates, lost and failed allocations, blocked evaluations, job stop,
 * annotations, determinism, and timings of large jobs. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/id.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "scheduler/reconcile.h"
#include "scheduler/scheduler.h"
#include "tests/lib/sched_harness.h"
#include "tests/lib/unit.h"

#define SEED 42

/* ---- helpers ------------------------------------------------------------- */

/* A service job "web": group "web" with count, one raw_exec task using
 * cpu MHz and 64 MB, with extra HCL at job, group and task level. */
static const char *web_hcl(char *buf, size_t len, int count, int cpu,
                           const char *job_extra, const char *group_extra,
                           const char *task_extra)
{
	snprintf(buf, len,
	         "job \"web\" {\n"
	         "  datacenters = [\"dc1\"]\n"
	         "  %s\n"
	         "  group \"web\" {\n"
	         "    count = %d\n"
	         "    %s\n"
	         "    task \"server\" {\n"
	         "      driver = \"raw_exec\"\n"
	         "      config {\n"
	         "        command = \"/bin/sleep\"\n"
	         "      }\n"
	         "      %s\n"
	         "      resources {\n"
	         "        cpu    = %d\n"
	         "        memory = 64\n"
	         "      }\n"
	         "    }\n"
	         "  }\n"
	         "}\n",
	         job_extra != NULL ? job_extra : "", count,
	         group_extra != NULL ? group_extra : "",
	         task_extra != NULL ? task_extra : "", cpu);
	return buf;
}

static const struct job *register_web(struct harness *h, int count, int cpu,
                                      const char *job_extra,
                                      const char *group_extra,
                                      const char *task_extra)
{
	char buf[4096];
	return harness_register(h, web_hcl(buf, sizeof buf, count, cpu,
	                                   job_extra, group_extra, task_extra));
}

static size_t places(const struct harness_run *r)
{
	return r->resp.plan != NULL ? plan_count_places(r->resp.plan) : 0;
}

static size_t stops(const struct harness_run *r)
{
	return r->resp.plan != NULL ? plan_count_stops(r->resp.plan) : 0;
}

struct collect {
	struct allocation **out;
	size_t n, max;
	bool stops;
};

static bool collect_node(void *data, const struct plan_node *pn)
{
	struct collect *c = data;
	size_t n;
	struct allocation *const *v =
	    c->stops ? plan_node_stops(pn, &n) : plan_node_places(pn, &n);
	for (size_t i = 0; i < n && c->n < c->max; i++)
		c->out[c->n++] = v[i];
	return true;
}

/* The plan's placements (or stops), in node order. */
static size_t plan_list(const struct plan *p, bool stops,
                        struct allocation **out, size_t max)
{
	struct collect c = {out, 0, max, stops};
	plan_each_node(p, collect_node, &c);
	return c.n;
}

static int64_t queued_of(const struct evaluation *ev, const char *group)
{
	return alloc_metric_count_get(&ev->queued_allocations, group);
}

static const struct alloc_metric *failed_of(const struct evaluation *ev,
                                            const char *group)
{
	for (size_t i = 0; i < ev->failed_tg_allocs.n; i++)
		if (strcmp(ev->failed_tg_allocs.v[i].key, group) == 0)
			return &ev->failed_tg_allocs.v[i].val;
	return NULL;
}

static void three_nodes(struct harness *h)
{
	harness_node(h, "n1", 4000, 8192);
	harness_node(h, "n2", 4000, 8192);
	harness_node(h, "n3", 4000, 8192);
}

/* ---- basic placement ----------------------------------------------------- */

/* What Nomad sets on a new allocation. */
static void assert_new_alloc(const struct allocation *a, const char *eval_id,
                             int64_t now)
{
	ck_assert(id_valid(a->id));
	ck_assert_str_eq(a->namespace, "default");
	ck_assert_str_eq(a->eval_id, eval_id);
	ck_assert_str_eq(a->job_id, "web");
	ck_assert_str_eq(a->task_group, "web");
	ck_assert_str_eq(a->node_name, a->node_id);
	ck_assert_str_eq(a->desired_status, ALLOC_DESIRED_RUN);
	ck_assert_str_eq(a->client_status, ALLOC_CLIENT_PENDING);
	ck_assert_ptr_null(a->job);
	ck_assert_ptr_nonnull(a->metrics);
	ck_assert_int_eq(a->metrics->nodes_in_pool, 3);
	ck_assert_int_eq(a->allocated_resources->tasks.v[0].val.cpu.cpu_shares,
	                 500);
	ck_assert_int_eq(a->create_time, now);
}

START_TEST(places_every_allocation_with_nomad_fields)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct allocation *v[8];
	size_t n;
	three_nodes(h);
	register_web(h, 3, 500, NULL, NULL, NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_str_eq(r->resp.eval.status, EVAL_STATUS_COMPLETE);
	ck_assert_int_eq(r->resp.eval.modify_time, h->now);
	ck_assert_int_eq(queued_of(&r->resp.eval, "web"), 0);
	ck_assert_int_eq(r->resp.eval.failed_tg_allocs.n, 0);
	ck_assert_int_eq(r->resp.new_evals.n, 0);
	ck_assert_ptr_null(r->resp.eval.blocked_eval);
	n = plan_list(r->resp.plan, false, v, 8);
	ck_assert_int_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_new_alloc(v[i], r->eval.id, h->now);
	ck_assert_ptr_nonnull(harness_live_named(h, "web", "web.web[0]"));
	ck_assert_ptr_nonnull(harness_live_named(h, "web", "web.web[1]"));
	ck_assert_ptr_nonnull(harness_live_named(h, "web", "web.web[2]"));
	ck_assert_ptr_nonnull(harness_live_named(h, "web", "web.web[0]")->job);
	ck_assert(plan_job(r->resp.plan) == r->resp.job);
	/* Nothing more to do the second time. */
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert(plan_is_noop(r->resp.plan));
	ck_assert_str_eq(r->resp.eval.status, EVAL_STATUS_COMPLETE);
	harness_destroy(h);
}
END_TEST

/* ---- every constraint operator ------------------------------------------- */

struct op_case {
	const char *attr, *op, *value;
	const char *want;  /* the node it must land on */
	const char *avoid; /* or the node it must not land on */
};

static const struct op_case op_cases[] = {
    {"${meta.rack}", "=", "r2", "n2", NULL},
    {"${meta.rack}", "==", "r3", "n3", NULL},
    {"${meta.rack}", "is", "r1", "n1", NULL},
    {"${meta.rack}", "!=", "r1", NULL, "n1"},
    {"${meta.rack}", "not", "r2", NULL, "n2"},
    {"${meta.num}", "<", "2", "n1", NULL},
    {"${meta.num}", "<=", "1", "n1", NULL},
    {"${meta.num}", ">", "9", "n3", NULL},
    {"${meta.num}", ">=", "10", "n3", NULL},
    {"${meta.rack}", "regexp", "^r[3]$", "n3", NULL},
    {"${meta.ver}", "version", ">= 2.0, < 3.0", "n2", NULL},
    {"${meta.ver}", "semver", ">= 3.0.0", "n3", NULL},
    {"${meta.tags}", "set_contains", "a", "n1", NULL},
    {"${meta.tags}", "set_contains_all", "c,d", "n3", NULL},
    {"${meta.tags}", "set_contains_any", "x,d", "n3", NULL},
    {"${meta.only1}", "is_set", NULL, "n1", NULL},
    {"${meta.only1}", "is_not_set", NULL, NULL, "n1"},
    {"${attr.kernel.name}", "=", "linux", NULL, NULL},
    {"${node.unique.name}", "=", "n2", "n2", NULL},
};

static void op_nodes(struct harness *h)
{
	static const char *racks[] = {"r1", "r2", "r3"};
	static const char *nums[] = {"1", "5", "10"};
	static const char *vers[] = {"1.2.0", "2.0.1", "3.1.0"};
	static const char *tags[] = {"a,b", "b,c", "c,d"};
	for (int i = 0; i < 3; i++) {
		char id[16];
		struct node *n;
		snprintf(id, sizeof id, "n%d", i + 1);
		n = harness_node_new(id, 4000, 8192);
		harness_node_meta(n, "rack", racks[i]);
		harness_node_meta(n, "num", nums[i]);
		harness_node_meta(n, "ver", vers[i]);
		harness_node_meta(n, "tags", tags[i]);
		if (i == 0)
			harness_node_meta(n, "only1", "yes");
		harness_put_node(h, n);
	}
}

static void op_check(const struct op_case *c)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct allocation *v[4];
	char extra[512];
	op_nodes(h);
	if (c->value != NULL)
		snprintf(extra, sizeof extra,
		         "constraint {\n attribute = \"%s\"\n operator = "
		         "\"%s\"\n value = \"%s\"\n }",
		         c->attr, c->op, c->value);
	else
		snprintf(extra, sizeof extra,
		         "constraint {\n attribute = \"%s\"\n operator = "
		         "\"%s\"\n }",
		         c->attr, c->op);
	register_web(h, 1, 100, extra, NULL, NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_msg(plan_list(r->resp.plan, false, v, 4) == 1,
	              "operator \"%s\": not placed", c->op);
	if (c->want != NULL)
		ck_assert_msg(strcmp(v[0]->node_id, c->want) == 0,
		              "operator \"%s\": placed on %s, want %s", c->op,
		              v[0]->node_id, c->want);
	if (c->avoid != NULL)
		ck_assert_msg(strcmp(v[0]->node_id, c->avoid) != 0,
		              "operator \"%s\": placed on %s", c->op,
		              v[0]->node_id);
	harness_destroy(h);
}

START_TEST(every_constraint_operator_end_to_end)
{
	for (size_t i = 0; i < sizeof op_cases / sizeof op_cases[0]; i++)
		op_check(&op_cases[i]);
}
END_TEST

START_TEST(unmet_constraint_fails_with_metrics_and_blocked_eval)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct alloc_metric *m;
	const struct evaluation *b;
	op_nodes(h);
	register_web(h, 2, 100,
	             "constraint {\n attribute = \"${meta.rack}\"\n value = "
	             "\"r9\"\n }",
	             NULL, NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 0);
	ck_assert_str_eq(r->resp.eval.status, EVAL_STATUS_COMPLETE);
	m = failed_of(&r->resp.eval, "web");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->nodes_evaluated, 3);
	ck_assert_int_eq(m->nodes_filtered, 3);
	ck_assert_int_eq(m->coalesced_failures, 1);
	ck_assert_int_eq(alloc_metric_count_get(&m->constraint_filtered,
	                                        "${meta.rack} = r9"),
	                 3);
	ck_assert_int_eq(queued_of(&r->resp.eval, "web"), 2);
	ck_assert_int_eq(r->resp.new_evals.n, 1);
	b = &r->resp.new_evals.v[0];
	ck_assert_str_eq(r->resp.eval.blocked_eval, b->id);
	ck_assert_str_eq(b->status, EVAL_STATUS_BLOCKED);
	ck_assert_str_eq(b->triggered_by, EVAL_TRIGGER_QUEUED_ALLOCS);
	ck_assert_str_eq(b->status_description,
	                 "created to place remaining allocations");
	ck_assert_str_eq(b->previous_eval, r->eval.id);
	ck_assert_str_eq(b->job_id, "web");
	ck_assert_str_eq(b->type, JOB_TYPE_SERVICE);
	ck_assert_int_eq(b->priority, 50);
	ck_assert_int_eq(b->create_time, h->now);
	ck_assert_int_eq(b->failed_tg_allocs.n, 1);
	ck_assert_int_eq(b->class_eligibility.kind, VALUE_MAP);
	ck_assert_ptr_nonnull(harness_stored_eval(h, b->id));
	harness_destroy(h);
}
END_TEST

START_TEST(distinct_property_limits_allocations_per_value)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct alloc_metric *m;
	static const char *racks[] = {"r1", "r1", "r2"};
	for (int i = 0; i < 3; i++) {
		char id[16];
		struct node *n;
		snprintf(id, sizeof id, "n%d", i + 1);
		n = harness_node_new(id, 4000, 8192);
		harness_node_meta(n, "rack", racks[i]);
		harness_put_node(h, n);
	}
	register_web(h, 3, 100, NULL,
	             "constraint {\n operator = \"distinct_property\"\n"
	             " attribute = \"${meta.rack}\"\n }",
	             NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 2);
	ck_assert_int_eq(harness_count_live_on(h, "web", "n3"), 1);
	ck_assert_int_eq(harness_count_live_on(h, "web", "n1") +
	                     harness_count_live_on(h, "web", "n2"),
	                 1);
	m = failed_of(&r->resp.eval, "web");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->nodes_filtered, 3);
	harness_destroy(h);
}
END_TEST

/* ---- ranking ------------------------------------------------------------- */

START_TEST(binpack_prefers_the_fuller_node)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct allocation *v[2];
	char buf[2048];
	harness_node(h, "n1", 4000, 8192);
	harness_register(h,
	                 web_hcl(buf, sizeof buf, 1, 2000, NULL, NULL, NULL));
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(harness_count_live_on(h, "web", "n1"), 1);
	harness_node(h, "n2", 4000, 8192);
	/* A second job: n1 is half full, n2 empty. */
	snprintf(buf, sizeof buf,
	         "job \"api\" {\n datacenters = [\"dc1\"]\n group \"api\" {\n"
	         " task \"t\" {\n driver = \"raw_exec\"\n resources {\n"
	         " cpu = 500\n memory = 256\n }\n }\n }\n}\n");
	harness_register(h, buf);
	r = harness_run_job(h, "api", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(plan_list(r->resp.plan, false, v, 2), 1);
	ck_assert_str_eq(v[0]->node_id, "n1");
	ck_assert_int_eq(v[0]->metrics->score_meta_data.n, 2);
	ck_assert_str_eq(v[0]->metrics->score_meta_data.v[0].node_id, "n1");
	harness_destroy(h);
}
END_TEST

START_TEST(spread_targets_split_8_as_4_2_2)
{
	struct harness *h = harness_create(SEED);
	static const char *dcs[] = {"dc1", "dc2", "dc3"};
	size_t count[3] = {0}, n;
	const struct allocation **v;
	for (int d = 0; d < 3; d++)
		for (int i = 0; i < 4; i++) {
			char id[16];
			struct node *nd;
			snprintf(id, sizeof id, "%s-n%d", dcs[d], i);
			nd = harness_node_new(id, 4000, 8192);
			harness_set_str(&nd->datacenter, dcs[d]);
			harness_put_node(h, nd);
		}
	harness_register(
	    h,
	    "job \"web\" {\n datacenters = [\"dc1\", \"dc2\", \"dc3\"]\n"
	    " spread {\n attribute = \"${node.datacenter}\"\n"
	    " target \"dc1\" {\n percent = 50\n }\n"
	    " target \"dc2\" {\n percent = 25\n }\n"
	    " target \"dc3\" {\n percent = 25\n }\n }\n"
	    " group \"web\" {\n count = 8\n task \"t\" {\n"
	    " driver = \"raw_exec\"\n resources {\n cpu = 100\n memory = 64\n"
	    " }\n }\n }\n}\n");
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	v = harness_allocs(h, "web", &n);
	ck_assert_int_eq(n, 8);
	for (size_t i = 0; i < n; i++)
		count[v[i]->node_id[2] - '1']++;
	mem_free(v);
	ck_assert_int_eq(count[0], 4);
	ck_assert_int_eq(count[1], 2);
	ck_assert_int_eq(count[2], 2);
	harness_destroy(h);
}
END_TEST

START_TEST(distinct_hosts_places_two_of_three_on_two_nodes)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct alloc_metric *m;
	harness_node(h, "n1", 4000, 8192);
	harness_node(h, "n2", 4000, 8192);
	register_web(h, 3, 100, NULL,
	             "constraint {\n operator = \"distinct_hosts\"\n value = "
	             "\"true\"\n }",
	             NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 2);
	ck_assert_int_eq(harness_count_live_on(h, "web", "n1"), 1);
	ck_assert_int_eq(harness_count_live_on(h, "web", "n2"), 1);
	m = failed_of(&r->resp.eval, "web");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->coalesced_failures, 0);
	ck_assert_int_eq(m->nodes_filtered, 2);
	ck_assert_int_eq(
	    alloc_metric_count_get(&m->constraint_filtered, "distinct_hosts"),
	    2);
	ck_assert_int_eq(queued_of(&r->resp.eval, "web"), 1);
	ck_assert_int_eq(r->resp.new_evals.n, 1);
	ck_assert_str_eq(r->resp.new_evals.v[0].status, EVAL_STATUS_BLOCKED);
	harness_destroy(h);
}
END_TEST

/* ---- ports --------------------------------------------------------------- */

static const char *port_group =
    "network {\n port \"http\" {\n static = 8080\n }\n }";

static void register_port_job(struct harness *h, const char *id)
{
	char buf[2048];
	snprintf(buf, sizeof buf,
	         "job \"%s\" {\n datacenters = [\"dc1\"]\n group \"g\" {\n"
	         " %s\n task \"t\" {\n driver = \"raw_exec\"\n resources {\n"
	         " cpu = 100\n memory = 64\n }\n }\n }\n}\n",
	         id, port_group);
	harness_register(h, buf);
}

START_TEST(static_port_in_use_sends_the_second_job_elsewhere)
{
	struct harness *h = harness_create(SEED);
	const struct allocation *a, *b;
	harness_node(h, "n1", 4000, 8192);
	harness_node(h, "n2", 4000, 8192);
	register_port_job(h, "one");
	register_port_job(h, "two");
	harness_run_job(h, "one", EVAL_TRIGGER_JOB_REGISTER);
	harness_run_job(h, "two", EVAL_TRIGGER_JOB_REGISTER);
	a = harness_live_named(h, "one", "one.g[0]");
	b = harness_live_named(h, "two", "two.g[0]");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_ne(a->node_id, b->node_id);
	ck_assert_int_eq(b->allocated_resources->shared.ports.n, 1);
	ck_assert_int_eq(b->allocated_resources->shared.ports.v[0].value, 8080);
	harness_destroy(h);
}
END_TEST

START_TEST(static_port_in_use_on_the_only_node_fails)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct alloc_metric *m;
	harness_node(h, "n1", 4000, 8192);
	register_port_job(h, "one");
	register_port_job(h, "two");
	harness_run_job(h, "one", EVAL_TRIGGER_JOB_REGISTER);
	r = harness_run_job(h, "two", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 0);
	m = failed_of(&r->resp.eval, "g");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->nodes_exhausted, 1);
	ck_assert_int_eq(alloc_metric_count_get(
	                     &m->dimension_exhausted,
	                     "network: reserved port collision http=8080"),
	                 1);
	ck_assert_int_eq(r->resp.new_evals.n, 1);
	harness_destroy(h);
}
END_TEST

/* ---- counts -------------------------------------------------------------- */

START_TEST(count_up_names_new_indexes_and_down_stops_the_highest)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct allocation *v[8];
	size_t n;
	three_nodes(h);
	register_web(h, 3, 100, NULL, NULL, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	register_web(h, 5, 100, NULL, NULL, NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(harness_count_live(h, "web"), 5);
	ck_assert_ptr_nonnull(harness_live_named(h, "web", "web.web[3]"));
	ck_assert_ptr_nonnull(harness_live_named(h, "web", "web.web[4]"));
	/* the three existing ones were updated in place (count only) */
	ck_assert_int_eq(places(r), 5);
	ck_assert_int_eq(stops(r), 0);
	register_web(h, 2, 100, NULL, NULL, NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	n = plan_list(r->resp.plan, true, v, 8);
	ck_assert_int_eq(n, 3);
	for (size_t i = 0; i < n; i++) {
		ck_assert(strcmp(v[i]->name, "web.web[2]") == 0 ||
		          strcmp(v[i]->name, "web.web[3]") == 0 ||
		          strcmp(v[i]->name, "web.web[4]") == 0);
		ck_assert_str_eq(v[i]->desired_status, ALLOC_DESIRED_STOP);
		ck_assert_str_eq(v[i]->desired_description,
		                 "alloc not needed due to job update");
	}
	ck_assert_int_eq(harness_count_live(h, "web"), 2);
	ck_assert_ptr_nonnull(harness_live_named(h, "web", "web.web[0]"));
	ck_assert_ptr_nonnull(harness_live_named(h, "web", "web.web[1]"));
	harness_destroy(h);
}
END_TEST

/* ---- updates ------------------------------------------------------------- */

START_TEST(priority_change_updates_in_place)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct allocation *before;
	struct allocation *v[4];
	char id[40], node[40];
	three_nodes(h);
	register_web(h, 2, 100, NULL, NULL, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	before = harness_live_named(h, "web", "web.web[0]");
	snprintf(id, sizeof id, "%s", before->id);
	snprintf(node, sizeof node, "%s", before->node_id);
	register_web(h, 2, 100, "priority = 70", NULL, NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(stops(r), 0);
	ck_assert_int_eq(plan_list(r->resp.plan, false, v, 4), 2);
	ck_assert(strcmp(v[0]->id, id) == 0 || strcmp(v[1]->id, id) == 0);
	before = harness_live_named(h, "web", "web.web[0]");
	ck_assert_str_eq(before->id, id);
	ck_assert_str_eq(before->node_id, node);
	ck_assert_int_eq(before->job->priority, 70);
	ck_assert_int_eq(before->job->version, 1);
	ck_assert_str_eq(before->eval_id, r->eval.id);
	harness_destroy(h);
}
END_TEST

START_TEST(env_change_is_destructive)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct allocation *v[4];
	char id0[40];
	size_t n;
	three_nodes(h);
	register_web(h, 2, 100, NULL, NULL, "env {\n COLOR = \"blue\"\n }");
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	snprintf(id0, sizeof id0, "%s",
	         harness_live_named(h, "web", "web.web[0]")->id);
	register_web(h, 2, 100, NULL, NULL, "env {\n COLOR = \"green\"\n }");
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	n = plan_list(r->resp.plan, true, v, 4);
	ck_assert_int_eq(n, 2);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(v[i]->desired_description,
		                 "alloc is being updated due to job update");
	ck_assert_int_eq(plan_list(r->resp.plan, false, v, 4), 2);
	ck_assert_int_eq(harness_count_live(h, "web"), 2);
	{
		const struct allocation *a =
		    harness_live_named(h, "web", "web.web[0]");
		ck_assert_str_ne(a->id, id0);
		ck_assert_str_eq(a->previous_allocation, id0);
		ck_assert_str_eq(
		    a->job->task_groups.v[0].tasks.v[0].env.v[0].val, "green");
	}
	harness_destroy(h);
}
END_TEST

START_TEST(inplace_that_no_longer_fits_becomes_destructive)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct allocation *v[4];
	struct node *n1;
	harness_node(h, "n1", 1000, 8192);
	register_web(h, 1, 600, NULL, NULL, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	harness_node(h, "n2", 4000, 8192);
	/* n1 now reserves half its cpu: 600 MHz no longer fit there. */
	n1 = harness_node_edit(h, "n1");
	n1->reserved_resources->cpu.cpu_shares = 500;
	harness_put_node(h, n1);
	register_web(h, 1, 600, "priority = 70", NULL, NULL);
	r = harness_run(h, harness_eval(h, "web", EVAL_TRIGGER_JOB_REGISTER),
	                true);
	ck_assert_int_eq(
	    value_map_get(
	        value_map_get(value_map_get(&r->resp.eval.plan_annotations,
	                                    "DesiredTGUpdates"),
	                      "web"),
	        "DestructiveUpdate")
	        ->u.i,
	    1);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(plan_list(r->resp.plan, true, v, 4), 1);
	ck_assert_str_eq(v[0]->desired_description,
	                 "alloc is being updated due to job update");
	ck_assert_int_eq(plan_list(r->resp.plan, false, v, 4), 1);
	ck_assert_str_eq(v[0]->node_id, "n2");
	harness_destroy(h);
}
END_TEST

START_TEST(inplace_that_fails_a_new_constraint_becomes_destructive)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct allocation *v[4];
	harness_node(h, "n1", 4000, 8192);
	register_web(h, 1, 600, NULL, NULL, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	harness_node(h, "n2", 4000, 8192);
	register_web(h, 1, 600,
	             "constraint {\n attribute = \"${node.unique.name}\"\n "
	             "value = \"n2\"\n }",
	             NULL, NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(plan_list(r->resp.plan, true, v, 4), 1);
	ck_assert_int_eq(plan_list(r->resp.plan, false, v, 4), 1);
	ck_assert_str_eq(v[0]->node_id, "n2");
	harness_destroy(h);
}
END_TEST

/* ---- lost and failed allocations ----------------------------------------- */

START_TEST(lost_allocation_on_a_down_node_is_replaced)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct allocation *a;
	struct allocation *v[4];
	char id[40], node[40];
	three_nodes(h);
	register_web(h, 1, 100, NULL, NULL, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	a = harness_live_named(h, "web", "web.web[0]");
	snprintf(id, sizeof id, "%s", a->id);
	snprintf(node, sizeof node, "%s", a->node_id);
	harness_alloc_client(h, id, ALLOC_CLIENT_RUNNING, h->now);
	harness_node_set_status(h, node, NODE_STATUS_DOWN);
	h->now += 60 * STIME_NS_PER_S;
	r = harness_run_job(h, "web", EVAL_TRIGGER_NODE_UPDATE);
	ck_assert_int_eq(plan_list(r->resp.plan, true, v, 4), 1);
	ck_assert_str_eq(v[0]->id, id);
	ck_assert_str_eq(v[0]->client_status, ALLOC_CLIENT_LOST);
	ck_assert_str_eq(v[0]->desired_description,
	                 "alloc is lost since its node is down");
	ck_assert_int_eq(plan_list(r->resp.plan, false, v, 4), 1);
	ck_assert_str_ne(v[0]->node_id, node);
	ck_assert_str_eq(v[0]->name, "web.web[0]");
	ck_assert_str_eq(v[0]->previous_allocation, id);
	a = store_alloc(h->store, id);
	ck_assert_str_eq(a->desired_status, ALLOC_DESIRED_STOP);
	ck_assert_str_eq(a->client_status, ALLOC_CLIENT_LOST);
	ck_assert_int_eq(harness_count_live(h, "web"), 1);
	harness_destroy(h);
}
END_TEST

static const char *resched_policy =
    "reschedule {\n attempts = 3\n interval = \"1h\"\n delay = \"30s\"\n"
    " delay_function = \"constant\"\n unlimited = false\n }";

/* The first evaluation after the failure: a follow-up for later, the
 * allocation marked with it, no placement and no blocked evaluation. */
static void assert_followup(struct harness *h, const struct harness_run *r,
                            const char *id, int64_t failed_at, char *fid)
{
	const struct evaluation *f;
	struct allocation *v[4];
	ck_assert_int_eq(r->resp.new_evals.n, 1);
	f = &r->resp.new_evals.v[0];
	ck_assert_str_eq(f->status, EVAL_STATUS_PENDING);
	ck_assert_str_eq(f->triggered_by, EVAL_TRIGGER_ALLOC_RESCHEDULE);
	ck_assert_str_eq(f->status_description,
	                 "created for delayed rescheduling");
	ck_assert_int_eq(f->wait_until, failed_at + 30 * STIME_NS_PER_S);
	ck_assert_str_eq(f->previous_eval, r->eval.id);
	ck_assert_ptr_null(r->resp.eval.blocked_eval);
	ck_assert_int_eq(plan_list(r->resp.plan, false, v, 4), 1);
	ck_assert_str_eq(v[0]->id, id);
	ck_assert_str_eq(v[0]->followup_eval_id, f->id);
	snprintf(fid, 40, "%s", f->id);
	ck_assert_str_eq(store_alloc(h->store, id)->followup_eval_id, fid);
}

/* The follow-up's run: the failed one stopped, its replacement placed on
 * the other node with the reschedule event. */
static void assert_rescheduled(struct harness *h, const struct harness_run *r,
                               const char *id, const char *node)
{
	const struct reschedule_event *e;
	struct allocation *v[4];
	ck_assert_str_eq(r->resp.eval.status, EVAL_STATUS_COMPLETE);
	ck_assert_int_eq(plan_list(r->resp.plan, true, v, 4), 1);
	ck_assert_str_eq(v[0]->id, id);
	ck_assert_str_eq(v[0]->desired_description,
	                 "alloc was rescheduled because it failed");
	ck_assert_int_eq(plan_list(r->resp.plan, false, v, 4), 1);
	ck_assert_str_eq(v[0]->previous_allocation, id);
	ck_assert_str_eq(v[0]->name, "web.web[0]");
	ck_assert_str_ne(v[0]->node_id, node); /* the penalty */
	ck_assert_ptr_nonnull(v[0]->reschedule_tracker);
	ck_assert_int_eq(v[0]->reschedule_tracker->events.n, 1);
	e = &v[0]->reschedule_tracker->events.v[0];
	ck_assert_int_eq(e->reschedule_time, h->now);
	ck_assert_str_eq(e->prev_alloc_id, id);
	ck_assert_str_eq(e->prev_node_id, node);
	ck_assert_int_eq(e->delay, 30 * STIME_NS_PER_S);
	ck_assert_int_eq(harness_count_live(h, "web"), 1);
}

START_TEST(failed_allocation_is_rescheduled_after_the_policy_delay)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct allocation *a;
	char id[40], node[40], fid[40];
	int64_t failed_at;
	harness_node(h, "n1", 4000, 8192);
	harness_node(h, "n2", 4000, 8192);
	register_web(h, 1, 100, NULL, resched_policy, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	a = harness_live_named(h, "web", "web.web[0]");
	snprintf(id, sizeof id, "%s", a->id);
	snprintf(node, sizeof node, "%s", a->node_id);
	failed_at = h->now + 5 * STIME_NS_PER_S;
	harness_alloc_client(h, id, ALLOC_CLIENT_FAILED, failed_at);
	h->now = failed_at + STIME_NS_PER_S;
	r = harness_run_job(h, "web", EVAL_TRIGGER_RETRY_FAILED_ALLOC);
	assert_followup(h, r, id, failed_at, fid);
	/* Run the follow-up when it is due. */
	h->now = failed_at + 30 * STIME_NS_PER_S;
	r = harness_run(h, harness_stored_eval(h, fid), false);
	assert_rescheduled(h, r, id, node);
	harness_destroy(h);
}
END_TEST

START_TEST(failed_replacement_marks_the_reschedule_as_failed)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct allocation *v[4];
	char id[40];
	harness_node(h, "n1", 4000, 8192);
	register_web(h, 1, 100, NULL,
	             "reschedule {\n attempts = 3\n interval = \"1h\"\n delay "
	             "= \"5s\"\n delay_function = \"constant\"\n }",
	             NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	snprintf(id, sizeof id, "%s",
	         harness_live_named(h, "web", "web.web[0]")->id);
	harness_alloc_client(h, id, ALLOC_CLIENT_FAILED, h->now);
	harness_node_set_status(h, "n1", NODE_STATUS_DOWN);
	h->now += 10 * STIME_NS_PER_S;
	r = harness_run_job(h, "web", EVAL_TRIGGER_RETRY_FAILED_ALLOC);
	ck_assert_int_eq(places(r), 0);
	ck_assert_int_eq(plan_list(r->resp.plan, true, v, 4), 1);
	ck_assert_ptr_nonnull(v[0]->reschedule_tracker);
	ck_assert_str_eq(v[0]->reschedule_tracker->last_reschedule,
	                 "failed to place");
	ck_assert_int_eq(queued_of(&r->resp.eval, "web"), 1);
	ck_assert_int_eq(r->resp.new_evals.n, 1);
	ck_assert_str_eq(r->resp.new_evals.v[0].status, EVAL_STATUS_BLOCKED);
	harness_destroy(h);
}
END_TEST

/* ---- blocked evaluations ------------------------------------------------- */

START_TEST(blocked_eval_is_unblocked_by_new_capacity)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	char bid[40];
	harness_node(h, "n1", 4000, 8192);
	register_web(h, 1, 6000, NULL, NULL, NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 0);
	ck_assert_ptr_nonnull(failed_of(&r->resp.eval, "web"));
	ck_assert_int_eq(
	    alloc_metric_count_get(
	        &failed_of(&r->resp.eval, "web")->dimension_exhausted, "cpu"),
	    1);
	ck_assert_int_eq(r->resp.new_evals.n, 1);
	snprintf(bid, sizeof bid, "%s", r->resp.new_evals.v[0].id);
	/* Still no room: the blocked eval stays blocked, no new one. */
	r = harness_run(h, harness_stored_eval(h, bid), false);
	ck_assert_str_eq(r->resp.eval.status, EVAL_STATUS_BLOCKED);
	ck_assert_int_eq(r->resp.new_evals.n, 0);
	ck_assert_int_eq(places(r), 0);
	/* A big node arrives. */
	harness_node(h, "big", 16000, 32768);
	r = harness_run(h, harness_stored_eval(h, bid), false);
	ck_assert_str_eq(r->resp.eval.status, EVAL_STATUS_COMPLETE);
	ck_assert_int_eq(r->resp.new_evals.n, 0);
	ck_assert_int_eq(r->resp.eval.failed_tg_allocs.n, 0);
	ck_assert_int_eq(harness_count_live_on(h, "web", "big"), 1);
	ck_assert_str_eq(harness_stored_eval(h, bid)->status,
	                 EVAL_STATUS_COMPLETE);
	harness_destroy(h);
}
END_TEST

/* ---- job stop ------------------------------------------------------------ */

START_TEST(job_stop_stops_every_allocation)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	struct allocation *v[8];
	size_t n;
	three_nodes(h);
	register_web(h, 3, 100, NULL, NULL, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	harness_stop_job(h, "web");
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_DEREGISTER);
	n = plan_list(r->resp.plan, true, v, 8);
	ck_assert_int_eq(n, 3);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(v[i]->desired_status, ALLOC_DESIRED_STOP);
		ck_assert_str_eq(v[i]->desired_description,
		                 "alloc not needed due to job update");
		ck_assert_ptr_null(v[i]->job);
	}
	ck_assert_int_eq(places(r), 0);
	ck_assert_int_eq(harness_count_live(h, "web"), 0);
	ck_assert_int_eq(queued_of(&r->resp.eval, "web"), 0);
	ck_assert_str_eq(r->resp.eval.status, EVAL_STATUS_COMPLETE);
	harness_destroy(h);
}
END_TEST

START_TEST(purged_job_stops_every_allocation)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct evaluation *ev;
	three_nodes(h);
	register_web(h, 2, 100, NULL, NULL, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ev = harness_eval(h, "web", EVAL_TRIGGER_JOB_DEREGISTER);
	ck_assert_int_eq(
	    store_delete_job(h->store, ++h->index, "default", "web"), 0);
	r = harness_run(h, ev, false);
	ck_assert_ptr_null(r->resp.job);
	ck_assert_int_eq(stops(r), 2);
	ck_assert_int_eq(harness_count_live(h, "web"), 0);
	harness_destroy(h);
}
END_TEST

/* ---- evaluations the scheduler refuses ----------------------------------- */

static void refused(const char *type, const char *trigger, const char *want)
{
	struct harness *h = harness_create(SEED);
	struct evaluation ev = {0};
	struct sched_request rq = {0};
	struct sched_response out;
	harness_set_str(&ev.id, "00000000-0000-4000-8000-000000000001");
	harness_set_str(&ev.type, type);
	harness_set_str(&ev.triggered_by, trigger);
	harness_set_str(&ev.job_id, "web");
	harness_set_str(&ev.status, EVAL_STATUS_PENDING);
	rq.store = h->store;
	rq.eval = &ev;
	rq.now = h->now;
	ck_assert_int_eq(sched_run(&rq, &out), 0);
	ck_assert_str_eq(out.eval.status, EVAL_STATUS_FAILED);
	ck_assert_str_eq(out.eval.status_description, want);
	ck_assert_str_eq(out.eval.id, ev.id);
	ck_assert_ptr_null(out.plan);
	ck_assert_int_eq(out.new_evals.n, 0);
	sched_response_release(&out);
	schema_release(&evaluation_schema, &ev);
	harness_destroy(h);
}

START_TEST(unknown_types_and_triggers_fail_the_eval)
{
	struct sched_response out;
	refused("_core", "scheduled",
	        "evaluation type \"_core\" is run by the server's core "
	        "scheduler");
	refused("weird", EVAL_TRIGGER_JOB_REGISTER,
	        "unknown scheduler \"weird\"");
	refused(JOB_TYPE_SERVICE, "bogus",
	        "scheduler cannot handle 'bogus' evaluation reason");
	refused(JOB_TYPE_SYSTEM, EVAL_TRIGGER_PERIODIC_JOB,
	        "scheduler cannot handle 'periodic-job' evaluation reason");
	ck_assert_int_eq(sched_run(NULL, &out), ERR_INVAL);
}
END_TEST

/* ---- annotations and dry runs -------------------------------------------- */

static const struct value *desired_of(const struct value *ann,
                                      const char *group, const char *key)
{
	const struct value *tg = value_map_get(ann, "DesiredTGUpdates");
	return value_map_get(value_map_get(tg, group), key);
}

START_TEST(dry_run_annotates_and_creates_no_eval)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	const struct value *ann;
	harness_node(h, "n1", 4000, 8192);
	register_web(h, 3, 100, NULL, NULL, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	register_web(h, 5, 3000, NULL, NULL, NULL);
	r = harness_run(h, harness_eval(h, "web", EVAL_TRIGGER_JOB_REGISTER),
	                true);
	ann = &r->resp.eval.plan_annotations;
	ck_assert_int_eq(ann->kind, VALUE_MAP);
	ck_assert_int_eq(desired_of(ann, "web", "Place")->u.i, 2);
	ck_assert_int_eq(desired_of(ann, "web", "DestructiveUpdate")->u.i, 3);
	ck_assert_int_eq(desired_of(ann, "web", "InPlaceUpdate")->u.i, 0);
	ck_assert_int_eq(desired_of(ann, "web", "Ignore")->u.i, 0);
	ck_assert_ptr_nonnull(value_map_get(ann, "PreemptedAllocs"));
	ck_assert(value_equal(ann, plan_annotations(r->resp.plan)));
	/* Only one fits (3000 MHz of 4000): failures, but no blocked eval. */
	ck_assert_ptr_nonnull(failed_of(&r->resp.eval, "web"));
	ck_assert_int_eq(r->resp.new_evals.n, 0);
	ck_assert_ptr_null(r->resp.eval.blocked_eval);
	/* Nothing was written. */
	ck_assert_int_eq(harness_count_live(h, "web"), 3);
	harness_destroy(h);
}
END_TEST

START_TEST(job_override_plans_a_job_not_registered)
{
	struct harness *h = harness_create(SEED);
	struct job *job;
	const struct evaluation *ev;
	struct evaluation copy = {0};
	struct sched_request rq = {0};
	struct sched_response out;
	char buf[2048];
	three_nodes(h);
	register_web(h, 1, 100, NULL, NULL, NULL);
	ev = harness_eval(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(schema_copy(&evaluation_schema, &copy, ev), 0);
	job = harness_job_parse(
	    web_hcl(buf, sizeof buf, 4, 100, NULL, NULL, NULL));
	rq.store = h->store;
	rq.eval = &copy;
	rq.now = h->now;
	rq.seed = 1;
	rq.dry_run = true;
	rq.job_override = job;
	ck_assert_int_eq(sched_run(&rq, &out), 0);
	ck_assert_int_eq(plan_count_places(out.plan), 4);
	ck_assert_ptr_nonnull(
	    desired_of(&out.eval.plan_annotations, "web", "Place"));
	ck_assert_int_eq(
	    desired_of(&out.eval.plan_annotations, "web", "Place")->u.i, 4);
	ck_assert(out.job != job);
	ck_assert_int_eq(out.job->task_groups.v[0].count.v, 4);
	sched_response_release(&out);
	schema_release(&evaluation_schema, &copy);
	job_free(job);
	harness_destroy(h);
}
END_TEST

START_TEST(annotate_plan_fills_annotations)
{
	struct harness *h = harness_create(SEED);
	const struct evaluation *ev;
	struct evaluation *mut;
	const struct harness_run *r;
	three_nodes(h);
	register_web(h, 2, 100, NULL, NULL, NULL);
	ev = harness_eval(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	mut = (struct evaluation *)ev;
	mut->annotate_plan = true;
	r = harness_run(h, ev, false);
	ck_assert_int_eq(
	    desired_of(&r->resp.eval.plan_annotations, "web", "Place")->u.i, 2);
	ck_assert_int_eq(harness_count_live(h, "web"), 2);
	harness_destroy(h);
}
END_TEST

/* ---- determinism --------------------------------------------------------- */

static void det_run(uint64_t seed, char ids[6][40], char nodes[6][40])
{
	struct harness *h = harness_create(seed);
	const struct harness_run *r;
	struct allocation *v[6];
	for (int i = 0; i < 10; i++) {
		char id[16];
		snprintf(id, sizeof id, "n%d", i);
		harness_node(h, id, 4000, 8192);
	}
	register_web(h, 6, 100, NULL, NULL, NULL);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(plan_list(r->resp.plan, false, v, 6), 6);
	for (int i = 0; i < 6; i++) {
		snprintf(ids[i], 40, "%s", v[i]->id);
		snprintf(nodes[i], 40, "%s", v[i]->node_id);
	}
	harness_destroy(h);
}

START_TEST(same_seed_same_plan)
{
	char a[6][40], b[6][40], na[6][40], nb[6][40];
	uint64_t seed = unit_seed();
	det_run(seed, a, na);
	det_run(seed, b, nb);
	for (int i = 0; i < 6; i++) {
		ck_assert_str_eq(a[i], b[i]);
		ck_assert_str_eq(na[i], nb[i]);
	}
}
END_TEST

/* ---- batch --------------------------------------------------------------- */

START_TEST(batch_complete_allocations_are_not_replaced)
{
	struct harness *h = harness_create(SEED);
	const struct harness_run *r;
	char buf[4096];
	char id[40];
	three_nodes(h);
	web_hcl(buf, sizeof buf, 2, 100, "type = \"batch\"", NULL, NULL);
	harness_register(h, buf);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(places(r), 2);
	snprintf(id, sizeof id, "%s",
	         harness_live_named(h, "web", "web.web[0]")->id);
	harness_alloc_client(h, id, ALLOC_CLIENT_COMPLETE, h->now);
	r = harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert(plan_is_noop(r->resp.plan));
	ck_assert_int_eq(harness_count_live(h, "web"), 1);
	harness_destroy(h);
}
END_TEST

/* ---- retries ------------------------------------------------------------- */

START_TEST(max_attempts_and_conflict_blocked_eval)
{
	struct evaluation ev = {0}, out;
	struct sched_rng rng;
	ck_assert_int_eq(sched_max_attempts("service"), 5);
	ck_assert_int_eq(sched_max_attempts("batch"), 2);
	ck_assert_int_eq(sched_max_attempts("system"), 5);
	ck_assert_int_eq(sched_max_attempts("sysbatch"), 5);
	harness_set_str(&ev.id, "11111111-1111-4111-8111-111111111111");
	harness_set_str(&ev.namespace, "default");
	harness_set_str(&ev.job_id, "web");
	harness_set_str(&ev.type, "service");
	ev.priority = 60;
	ev.job_modify_index = 7;
	ev.escaped_computed_class = true;
	ck_assert_int_eq(
	    alloc_metric_count_add(&ev.queued_allocations, "web", 1), 0);
	sched_rng_seed(&rng, 9);
	ck_assert_int_eq(sched_conflict_blocked_eval(&ev, 1234, &rng, &out), 0);
	ck_assert(id_valid(out.id));
	ck_assert_str_eq(out.status, EVAL_STATUS_BLOCKED);
	ck_assert_str_eq(out.triggered_by, "max-plan-attempts");
	ck_assert_str_eq(out.status_description,
	                 "created due to placement conflicts");
	ck_assert_str_eq(out.previous_eval, ev.id);
	ck_assert_str_eq(out.job_id, "web");
	ck_assert_int_eq(out.priority, 60);
	ck_assert_int_eq(out.job_modify_index, 7);
	ck_assert(out.escaped_computed_class);
	ck_assert_int_eq(out.create_time, 1234);
	ck_assert_int_eq(out.modify_time, 1234);
	schema_release(&evaluation_schema, &out);
	schema_release(&evaluation_schema, &ev);
}
END_TEST

START_TEST(retry_attempt_plans_against_the_newer_state)
{
	struct harness *h = harness_create(SEED);
	const struct evaluation *ev;
	struct evaluation copy = {0};
	struct sched_request rq = {0};
	struct sched_response a, b;
	three_nodes(h);
	register_web(h, 3, 100, NULL, NULL, NULL);
	ev = harness_eval(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(schema_copy(&evaluation_schema, &copy, ev), 0);
	rq.store = h->store;
	rq.eval = &copy;
	rq.now = h->now;
	rq.seed = 5;
	ck_assert_int_eq(sched_run(&rq, &a), 0);
	/* Pretend only part committed: apply it, re-plan with attempt 1. */
	harness_apply_plan(h, a.plan, a.job);
	rq.attempt = 1;
	ck_assert_int_eq(sched_run(&rq, &b), 0);
	ck_assert(plan_is_noop(b.plan));
	ck_assert_str_eq(b.eval.status, EVAL_STATUS_COMPLETE);
	sched_response_release(&a);
	sched_response_release(&b);
	schema_release(&evaluation_schema, &copy);
	harness_destroy(h);
}
END_TEST

/* ---- out of memory ------------------------------------------------------ */

/* sched_run with allocations failing from the k-th on (count of them,
 * -1: all); whether it succeeded. */
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

/* Every allocation of a run that updates in place, replaces, reschedules
 * and places fails once: ERR_NOMEM or success, never a leak or crash. */
START_TEST(allocation_failures_are_reported_and_leak_nothing)
{
	struct harness *h = harness_create(SEED);
	const struct evaluation *ev;
	struct evaluation copy = {0};
	char id[40];
	int64_t n;
	three_nodes(h);
	register_web(h, 3, 100, NULL, resched_policy, NULL);
	harness_run_job(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	snprintf(id, sizeof id, "%s",
	         harness_live_named(h, "web", "web.web[0]")->id);
	harness_alloc_client(h, id, ALLOC_CLIENT_FAILED, h->now);
	harness_node_set_status(h, "n3", NODE_STATUS_DOWN);
	register_web(h, 5, 100, "priority = 60", resched_policy, NULL);
	ev = harness_eval(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(schema_copy(&evaluation_schema, &copy, ev), 0);
	copy.annotate_plan = true;
	/* Every allocation from k on fails: success means the run needs
	 * fewer than k; then each one fails alone. */
	for (n = 0; n < 1000000 && !oom_once(h, &copy, n, -1); n++)
		;
	ck_assert_int_gt(n, 100);
	printf("sched_run under allocation failures: %lld allocations\n",
	       (long long)n);
	for (int64_t k = 0; k < 2 * n; k++)
		oom_once(h, &copy, k, 1);
	schema_release(&evaluation_schema, &copy);
	harness_destroy(h);
}
END_TEST

/* ---- timings (printed, not asserted) ------------------------------------- */

static double timing_run(int nodes, int count)
{
	struct harness *h = harness_create(7);
	const struct evaluation *ev;
	struct evaluation copy = {0};
	struct sched_request rq = {0};
	struct sched_response out;
	struct timespec t0, t1;
	char buf[4096];
	double secs;
	for (int i = 0; i < nodes; i++) {
		char id[24];
		snprintf(id, sizeof id, "node-%05d", i);
		harness_put_node(h, harness_node_new(id, 64000, 262144));
	}
	register_web(h, count, 100, NULL, NULL, NULL);
	(void)web_hcl(buf, sizeof buf, count, 100, NULL, NULL, NULL);
	ev = harness_eval(h, "web", EVAL_TRIGGER_JOB_REGISTER);
	ck_assert_int_eq(schema_copy(&evaluation_schema, &copy, ev), 0);
	rq.store = h->store;
	rq.eval = &copy;
	rq.now = h->now;
	rq.seed = 3;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(sched_run(&rq, &out), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_int_eq(plan_count_places(out.plan), (size_t)count);
	printf("sched_run: count %d on %d nodes: %.3f s, %.0f placements/s\n",
	       count, nodes, secs, (double)count / secs);
	sched_response_release(&out);
	schema_release(&evaluation_schema, &copy);
	harness_destroy(h);
	return secs;
}

START_TEST(timing_10000_placements)
{
	timing_run(1000, 10000);
	timing_run(5000, 10000);
	timing_run(10000, 10000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sched_generic");
	TCase *tc = unit_tcase(s, "generic", 60);
	tcase_add_test(tc, places_every_allocation_with_nomad_fields);
	tcase_add_test(tc, every_constraint_operator_end_to_end);
	tcase_add_test(tc,
	               unmet_constraint_fails_with_metrics_and_blocked_eval);
	tcase_add_test(tc, distinct_property_limits_allocations_per_value);
	tcase_add_test(tc, binpack_prefers_the_fuller_node);
	tcase_add_test(tc, spread_targets_split_8_as_4_2_2);
	tcase_add_test(tc, distinct_hosts_places_two_of_three_on_two_nodes);
	tcase_add_test(tc, static_port_in_use_sends_the_second_job_elsewhere);
	tcase_add_test(tc, static_port_in_use_on_the_only_node_fails);
	tcase_add_test(tc,
	               count_up_names_new_indexes_and_down_stops_the_highest);
	tcase_add_test(tc, priority_change_updates_in_place);
	tcase_add_test(tc, env_change_is_destructive);
	tcase_add_test(tc, inplace_that_no_longer_fits_becomes_destructive);
	tcase_add_test(tc,
	               inplace_that_fails_a_new_constraint_becomes_destructive);
	tcase_add_test(tc, lost_allocation_on_a_down_node_is_replaced);
	tcase_add_test(tc,
	               failed_allocation_is_rescheduled_after_the_policy_delay);
	tcase_add_test(tc, failed_replacement_marks_the_reschedule_as_failed);
	tcase_add_test(tc, blocked_eval_is_unblocked_by_new_capacity);
	tcase_add_test(tc, job_stop_stops_every_allocation);
	tcase_add_test(tc, purged_job_stops_every_allocation);
	tcase_add_test(tc, unknown_types_and_triggers_fail_the_eval);
	tcase_add_test(tc, dry_run_annotates_and_creates_no_eval);
	tcase_add_test(tc, job_override_plans_a_job_not_registered);
	tcase_add_test(tc, annotate_plan_fills_annotations);
	tcase_add_test(tc, same_seed_same_plan);
	tcase_add_test(tc, batch_complete_allocations_are_not_replaced);
	tcase_add_test(tc, max_attempts_and_conflict_blocked_eval);
	tcase_add_test(tc, retry_attempt_plans_against_the_newer_state);
	tc = unit_tcase(s, "oom", 300);
	tcase_add_test(tc, allocation_failures_are_reported_and_leak_nothing);
	tc = unit_tcase(s, "timing", 600);
	tcase_add_test(tc, timing_10000_placements);
	return s;
}

UNIT_MAIN(suite)
