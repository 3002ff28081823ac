/* Unit tests for the scheduler's feasibility: constraint targets and every
 * operator (numeric and lexical order, regexps, go-version and semver
 * constraints with Nomad's and go-version's test vectors, sets), globs,
 * candidate nodes (readiness, datacenters, pools), drivers, and the
 * filters as a select reports them (constraints, missing drivers,
 * distinct_hosts, distinct_property, host volumes, networks). */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/netidx.h"
#include "scheduler/plan.h"
#include "scheduler/select.h"
#include "scheduler/version.h"
#include "tests/lib/sched_fixture.h"
#include "tests/lib/unit.h"

/* ---- helpers --------------------------------------------------------------
 */

static struct sched_ctx ctx_plain(void)
{
	struct sched_ctx c;
	sched_ctx_init(&c, NULL, NULL, "europe", 0, 1);
	return c;
}

struct op_case {
	const char *op, *l;
	bool lf;
	const char *r;
	bool rf, want;
};

static void check_cases(const struct op_case *cases, size_t n)
{
	struct sched_ctx c = ctx_plain();
	for (size_t i = 0; i < n; i++) {
		const struct op_case *k = &cases[i];
		bool got =
		    feasible_check_operand(&c, k->op, k->l, k->lf, k->r, k->rf);
		ck_assert_msg(got == k->want, "%s %s %s: got %d want %d",
		              k->l ? k->l : "(null)", k->op,
		              k->r ? k->r : "(null)", got, k->want);
	}
	sched_ctx_release(&c);
}

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

static struct job *job_json(const char *group_extra, const char *job_extra,
                            int count)
{
	char json[4096];
	snprintf(json, sizeof json,
	         "{\"ID\":\"web\",\"Datacenters\":[\"dc1\"],%s"
	         "\"TaskGroups\":[{\"Name\":\"web\",\"Count\":%d,%s"
	         "\"Tasks\":[{\"Name\":\"server\",\"Driver\":\"exec\","
	         "\"Resources\":{\"CPU\":500,\"MemoryMB\":256}}]}]}",
	         job_extra, count, group_extra);
	return sfx_job(json);
}

static int64_t cnt(const struct value *m, const char *key)
{
	return alloc_metric_count_get(m, key);
}

/* ---- operators --------------------------------------------------------------
 */

START_TEST(equality_operators)
{
	static const struct op_case cases[] = {
	    {"=", "linux", true, "linux", true, true},
	    {"==", "linux", true, "linux", true, true},
	    {"is", "linux", true, "linux", true, true},
	    {"=", "linux", true, "darwin", true, false},
	    {"=", "", false, "", true, false},
	    {"=", "", false, "", false, false},
	    {"!=", "linux", true, "darwin", true, true},
	    {"not", "linux", true, "linux", true, false},
	    {"!=", "", false, "x", true, true},
	    {"!=", "", false, "", false, false},
	    {"bogus", "a", true, "a", true, false},
	    {"", "a", true, "a", true, false},
	    {"distinct_hosts", "", false, "", false, true},
	    {"distinct_property", "", false, "", false, true},
	};
	check_cases(cases, NCASES(cases));
}
END_TEST

START_TEST(order_operators_numeric_then_lexical)
{
	static const struct op_case cases[] = {
	    {"<", "2", true, "10", true, true}, /* integers */
	    {">", "10", true, "9", true, true},
	    {"<", "10", true, "9", true, false},
	    {"<=", "-3", true, "-3", true, true},
	    {">=", "7", true, "8", true, false},
	    {"<", "1.5", true, "10", true, true}, /* floats */
	    {">", "2.5", true, "2.25", true, true},
	    {"<", "1e2", true, "99", true, false},
	    {"<", "abc", true, "abd", true, true}, /* lexical */
	    {">", "b", true, "a", true, true},
	    {"<", "10", true, "9x", true, true},
	    {">=", "b", true, "b", true, true},
	    {"<", "a", true, "b", false, false}, /* missing side */
	    {">", "", false, "0", true, false},
	};
	check_cases(cases, NCASES(cases));
}
END_TEST

START_TEST(regexp_operator)
{
	static const struct op_case cases[] = {
	    {"regexp", "linux", true, "^lin", true, true},
	    {"regexp", "darwin", true, "^lin", true, false},
	    {"regexp", "x86_64", true, "(amd|x86_)64$", true, true},
	    {"regexp", "anything", true, "[", true, false}, /* bad */
	    {"regexp", "anything", true, "(", true, false},
	    {"regexp", "", false, ".*", true, false},
	    {"regexp", "abc", true, "", true, true},
	};
	check_cases(cases, NCASES(cases));
	check_cases(cases, NCASES(cases)); /* cached the second time */
}
END_TEST

START_TEST(set_operators)
{
	static const struct op_case cases[] = {
	    {"set_contains", "a,b,c", true, "a,c", true, true},
	    {"set_contains", "a, b ,c", true, " b", true, true},
	    {"set_contains", "a,b", true, "a,d", true, false},
	    {"set_contains_all", "SIGHUP,SIGINT", true, "SIGINT", true, true},
	    {"set_contains_all", "SIGHUP", true, "SIGINT", true, false},
	    {"set_contains_any", "a,b", true, "x, b", true, true},
	    {"set_contains_any", "a,b", true, "x,y", true, false},
	    {"set_contains_any", "a", false, "a", true, false},
	    {"set_contains", "a", true, "a", false, false},
	};
	check_cases(cases, NCASES(cases));
}
END_TEST

START_TEST(is_set_operators)
{
	static const struct op_case cases[] = {
	    {"is_set", "x", true, "", false, true},
	    {"is_set", "", false, "", false, false},
	    {"is_not_set", "", false, "", true, true},
	    {"is_not_set", "x", true, "", true, false},
	};
	check_cases(cases, NCASES(cases));
}
END_TEST

START_TEST(version_operator)
{
	static const struct op_case cases[] = {
	    {"version", "1.2.3", true, ">= 1.2, < 2.0", true, true},
	    {"version", "2.0.0", true, ">= 1.2, < 2.0", true, false},
	    {"version", "1.2.3", true, "~> 1.2", true, true},
	    {"version", "2.0", true, "~> 1.2", true, false},
	    {"version", "v1.9.0", true, "= 1.9", true, true},
	    {"version", "1.3.0-beta1", true, ">= 1.2", true, false},
	    {"version", "1.0beta1", true, "!= 1.0", true, true},
	    {"version", "1.2.3", true, ">= 1.x", true, false}, /* bad */
	    {"version", "1.2.3", true, ">=", true, false},
	    {"version", "1.2.3", true, "== 1.2.3", true, false},
	    {"version", "abc", true, ">= 1.0", true, false},
	    {"version", "", false, ">= 1.0", true, false},
	    {"semver", "1.3.0-beta1", true, ">= 1.2", true, true},
	    {"semver", "1.0.0-alpha", true, "< 1.0.0", true, true},
	    {"semver", "1.0.0-beta.11", true, "> 1.0.0-beta.2", true, true},
	    {"semver", "1.0.0-rc.1", true, "> 1.0.0-beta.11", true, true},
	    {"semver", "1.0.0", true, "~> 1.0", true, false}, /* no ~> */
	    {"semver", "1.0.0", true, ">= 1.0beta1", true, false},
	    {"semver", "1.4.2", true, ">= 1.4.0", true, true},
	};
	check_cases(cases, NCASES(cases));
}
END_TEST

struct vcase {
	const char *constraint, *version;
	bool want;
};

static void check_vcases(const struct vcase *cases, size_t n, bool semver)
{
	for (size_t i = 0; i < n; i++) {
		struct sched_vconstraint *c =
		    sched_vconstraint_parse(cases[i].constraint, semver);
		struct sched_version *v =
		    sched_version_parse(cases[i].version, semver);
		ck_assert_msg(c != NULL && v != NULL, "parse %s / %s",
		              cases[i].constraint, cases[i].version);
		ck_assert_msg(sched_vconstraint_check(c, v) == cases[i].want,
		              "%s %s: want %d", cases[i].version,
		              cases[i].constraint, cases[i].want);
		sched_vconstraint_free(c);
		sched_version_free(v);
	}
}

/* go-version's TestConstraintCheck. */
START_TEST(go_version_vectors)
{
	static const struct vcase cases[] = {
	    {">= 1.0, < 1.2", "1.1.5", true},
	    {"< 1.0, < 1.2", "1.1.5", false},
	    {"= 1.0", "1.1.5", false},
	    {"= 1.0", "1.0.0", true},
	    {"1.0", "1.0.0", true},
	    {"~> 1.0", "2.0", false},
	    {"~> 1.0", "1.1", true},
	    {"~> 1.0", "1.2.3", true},
	    {"~> 1.0.0", "1.2.3", false},
	    {"~> 1.0.0", "1.0.7", true},
	    {"~> 1.0.0", "1.1.0", false},
	    {"~> 1.0.7", "1.0.4", false},
	    {"~> 1.0.7", "1.0.7", true},
	    {"~> 1.0.7", "1.0.8", true},
	    {"~> 1.0.7", "1.0.7.5", true},
	    {"~> 1.0.7", "1.0.6.99", false},
	    {"~> 1.0.7", "1.0.8.0", true},
	    {"~> 1.0.9.5", "1.0.9.5", true},
	    {"~> 1.0.9.5", "1.0.9.4", false},
	    {"~> 1.0.9.5", "1.0.9.6", true},
	    {"~> 1.0.9.5", "1.0.9.5.0", true},
	    {"~> 1.0.9.5", "1.0.9.5.1", true},
	    {"~> 2.0", "2.1.0-beta", false},
	    {"~> 2.1.0-a", "2.2.0", false},
	    {"~> 2.1.0-a", "2.1.0", false},
	    {"~> 2.1.0-a", "2.1.0-beta", true},
	    {"~> 2.1.0-a", "2.2.0-alpha", false},
	    {"> 2.0", "2.1.0-beta", false},
	    {">= 2.1.0-a", "2.1.0-beta", true},
	    {">= 2.1.0-a", "2.1.1-beta", false},
	    {">= 2.0.0", "2.1.0-beta", false},
	    {">= 2.1.0-a", "2.1.1", true},
	    {">= 2.1.0-a", "2.1.1-beta", false},
	    {">= 2.1.0-a", "2.1.0", true},
	    {"<= 2.1.0-a", "2.0.0", true},
	};
	check_vcases(cases, NCASES(cases), false);
}
END_TEST

/* Nomad's helper/constraints/semver TestConstraintCheck. */
START_TEST(semver_vectors)
{
	static const struct vcase cases[] = {
	    {">= 1.0, < 1.2", "1.1.5", true},
	    {"< 1.0, < 1.2", "1.1.5", false},
	    {"= 1.0", "1.1.5", false},
	    {"= 1.0", "1.0.0", true},
	    {"1.0", "1.0.0", true},
	    {"> 10", "8", false},
	    {"> 2.0", "2.1.0-beta", true},
	    {"> 2.1.0-a", "2.1.0-beta", true},
	    {"> 2.1.0-a", "2.1.1-beta", true},
	    {"> 2.0.0", "2.1.0-beta", true},
	    {"> 2.1.0-a", "2.1.1", true},
	    {"> 2.1.0-a", "2.1.0", true},
	    {"<= 2.1.0-a", "2.0.0", true},
	    {">= 0.6.1", "1.3.0-beta1", true},
	    {"> 1.0-beta1", "1.0-rc1", true},
	    {">= 0.6.1", "1.3.0-beta1+ent", true},
	    {">= 1.3.0-beta1", "1.3.0-beta1+ent", true},
	    {"> 1.3.0-beta1+cgo", "1.3.0-beta1+ent", false},
	    {"= 1.3.0-beta1+cgo", "1.3.0-beta1+ent", true},
	};
	static const char *const bad[] = {
	    ">= 1.x", ">= 1.0beta1", "~> 1.0",
	    "11387778780781445675529500000000000000000", ""};
	check_vcases(cases, NCASES(cases), true);
	for (size_t i = 0; i < NCASES(bad); i++)
		ck_assert_ptr_null(sched_vconstraint_parse(bad[i], true));
	ck_assert_ptr_null(sched_vconstraint_parse(">= 1.x", false));
}
END_TEST

/* ---- targets ----------------------------------------------------------------
 */

START_TEST(targets_resolve_on_the_node)
{
	struct sched_ctx c = ctx_plain();
	struct node *n = sfx_node("node-1", "dc7");
	const char *v;
	sfx_set(&n->node_class, "gpu");
	sfx_meta(n, "rack", "r3");
	ck_assert(feasible_resolve_target(&c, "${node.unique.id}", n, &v));
	ck_assert_str_eq(v, "node-1");
	ck_assert(feasible_resolve_target(&c, "${node.unique.name}", n, &v));
	ck_assert_str_eq(v, "node-1");
	ck_assert(feasible_resolve_target(&c, "${node.datacenter}", n, &v));
	ck_assert_str_eq(v, "dc7");
	ck_assert(feasible_resolve_target(&c, "${node.region}", n, &v));
	ck_assert_str_eq(v, "europe");
	ck_assert(feasible_resolve_target(&c, "${node.class}", n, &v));
	ck_assert_str_eq(v, "gpu");
	ck_assert(feasible_resolve_target(&c, "${node.pool}", n, &v));
	ck_assert_str_eq(v, "default");
	ck_assert(feasible_resolve_target(&c, "${attr.kernel.name}", n, &v));
	ck_assert_str_eq(v, "linux");
	ck_assert(feasible_resolve_target(&c, "${meta.rack}", n, &v));
	ck_assert_str_eq(v, "r3");
	ck_assert(!feasible_resolve_target(&c, "${meta.missing}", n, &v));
	ck_assert_str_eq(v, "");
	ck_assert(!feasible_resolve_target(&c, "${attr.kernel}", n, &v));
	ck_assert(!feasible_resolve_target(&c, "${node.nope}", n, &v));
	ck_assert(feasible_resolve_target(&c, "literal", n, &v));
	ck_assert_str_eq(v, "literal");
	ck_assert(feasible_target_escapes("${node.unique.id}"));
	ck_assert(feasible_target_escapes("${attr.unique.hostname}"));
	ck_assert(feasible_target_escapes("${meta.unique.x}"));
	ck_assert(!feasible_target_escapes("${attr.kernel.name}"));
	node_free(n);
	sched_ctx_release(&c);
}
END_TEST

START_TEST(constraint_string_form)
{
	struct constraint c = {.ltarget = "${attr.kernel.name}",
	                       .rtarget = "linux",
	                       .operand = "="};
	char *s = feasible_constraint_string(&c);
	ck_assert_str_eq(s, "${attr.kernel.name} = linux");
	mem_free(s);
	c.rtarget = NULL;
	c.operand = "distinct_hosts";
	c.ltarget = NULL;
	s = feasible_constraint_string(&c);
	ck_assert_str_eq(s, " distinct_hosts ");
	mem_free(s);
}
END_TEST

START_TEST(globs)
{
	ck_assert(sched_glob_match("dc1", "dc1"));
	ck_assert(!sched_glob_match("dc1", "dc10"));
	ck_assert(sched_glob_match("dc*", "dc10"));
	ck_assert(sched_glob_match("*", "anything"));
	ck_assert(sched_glob_match("*", ""));
	ck_assert(sched_glob_match("*-east", "us-east"));
	ck_assert(!sched_glob_match("*-east", "us-west"));
	ck_assert(sched_glob_match("us-*-1", "us-east-1"));
	ck_assert(!sched_glob_match("us-*-1", "eu-east-1"));
	ck_assert(sched_glob_match("a*b*c", "aXbYc"));
	ck_assert(!sched_glob_match("a*b*c", "aXcYb"));
	ck_assert(sched_glob_match("", ""));
	ck_assert(!sched_glob_match("", "x"));
}
END_TEST

/* ---- candidate nodes -------------------------------------------------------
 */

START_TEST(ready_nodes_by_datacenter_and_pool)
{
	struct store *s = sfx_store();
	struct sched_nodes ns;
	struct strlist dcs = {0};
	struct node *n;
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_put_node(s, sfx_node("b", "dc2"));
	sfx_put_node(s, sfx_node("c", "other"));
	n = sfx_node("d", "dc1"); /* down */
	sfx_set(&n->status, NODE_STATUS_DOWN);
	sfx_put_node(s, n);
	n = sfx_node("e", "dc1"); /* ineligible */
	sfx_set(&n->scheduling_eligibility, NODE_INELIGIBLE);
	sfx_put_node(s, n);
	n = sfx_node("f", "dc1"); /* draining */
	n->drain_strategy = mem_calloc(1, sizeof *n->drain_strategy);
	sfx_put_node(s, n);
	n = sfx_node("g", "dc1"); /* another pool */
	sfx_set(&n->node_pool, "gpu");
	sfx_put_node(s, n);
	ck_assert_int_eq(strlist_push(&dcs, "dc*"), 0);
	ck_assert_int_eq(sched_nodes_ready(s, &dcs, "default", &ns), 0);
	ck_assert_uint_eq(ns.n, 2);
	ck_assert_str_eq(ns.v[0]->id, "a");
	ck_assert_str_eq(ns.v[1]->id, "b");
	ck_assert_int_eq(cnt(&ns.by_dc, "dc1"), 1);
	ck_assert_int_eq(cnt(&ns.by_dc, "dc2"), 1);
	sched_nodes_release(&ns);
	ck_assert_int_eq(sched_nodes_ready(s, &dcs, "all", &ns), 0);
	ck_assert_uint_eq(ns.n, 3);
	sched_nodes_release(&ns);
	ck_assert_int_eq(sched_nodes_ready(s, &dcs, "gpu", &ns), 0);
	ck_assert_uint_eq(ns.n, 1);
	ck_assert_str_eq(ns.v[0]->id, "g");
	sched_nodes_release(&ns);
	strlist_release(&dcs);
	ck_assert_int_eq(sched_nodes_ready(s, &dcs, "all", &ns), 0);
	ck_assert_uint_eq(ns.n, 0); /* no datacenter matches nothing */
	sched_nodes_release(&ns);
	store_destroy(s);
}
END_TEST

START_TEST(drivers_from_driver_info_or_attributes)
{
	struct node *n = sfx_node("a", "dc1");
	ck_assert(feasible_has_driver(n, "docker"));
	ck_assert(!feasible_has_driver(n, "raw_exec"));
	sfx_attr(n, "driver.raw_exec", "1");
	ck_assert(feasible_has_driver(n, "raw_exec"));
	sfx_attr(n, "driver.java", "false");
	ck_assert(!feasible_has_driver(n, "java"));
	sfx_attr(n, "driver.qemu", "yes"); /* not a Go bool */
	ck_assert(!feasible_has_driver(n, "qemu"));
	n->drivers.v[0].val.healthy = false; /* docker unhealthy */
	sfx_attr(n, "driver.docker", "1");   /* info wins over attr */
	ck_assert(!feasible_has_driver(n, "docker"));
	node_free(n);
}
END_TEST

START_TEST(computed_class_ignores_unique_data)
{
	struct node *a = sfx_node("a", "dc1"), *b = sfx_node("b", "dc1");
	char *ca, *cb;
	sfx_attr(a, "unique.hostname", "host-a");
	sfx_attr(b, "unique.hostname", "host-b");
	sfx_meta(b, "unique.serial", "42");
	ca = sched_node_computed_class(a);
	cb = sched_node_computed_class(b);
	ck_assert_str_eq(ca, cb);
	ck_assert(strncmp(ca, "v1:", 3) == 0);
	mem_free(cb);
	sfx_meta(b, "rack", "r1");
	cb = sched_node_computed_class(b);
	ck_assert_str_ne(ca, cb);
	mem_free(ca);
	mem_free(cb);
	node_free(a);
	node_free(b);
}
END_TEST

/* ---- filters through a select -----------------------------------------------
 */

START_TEST(constraint_filter_is_reported_by_its_string)
{
	struct store *s = sfx_store();
	struct job *job =
	    job_json("",
	             "\"Constraints\":[{\"LTarget\":\"${attr.kernel.name}\","
	             "\"RTarget\":\"windows\",\"Operand\":\"=\"}],",
	             1);
	struct sfx_eval e;
	struct select_result r;
	struct node *n = sfx_node("a", "dc1");
	sfx_set(&n->node_class, "big");
	sfx_put_node(s, n);
	sfx_put_node(s, sfx_node("b", "dc1"));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(r.metrics.nodes_evaluated, 2);
	ck_assert_int_eq(r.metrics.nodes_filtered, 2);
	ck_assert_int_eq(cnt(&r.metrics.constraint_filtered,
	                     "${attr.kernel.name} = windows"),
	                 2);
	ck_assert_int_eq(cnt(&r.metrics.class_filtered, "big"), 1);
	ck_assert_int_eq(r.metrics.nodes_exhausted, 0);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* Bad regexps and version constraints filter nodes; nothing crashes. */
START_TEST(bad_patterns_filter_nodes)
{
	struct store *s = sfx_store();
	struct job *job =
	    job_json("",
	             "\"Constraints\":[{\"LTarget\":\"${attr.nomad.version}\","
	             "\"RTarget\":\">= 1.x\",\"Operand\":\"version\"}],",
	             1);
	struct job *re =
	    job_json("",
	             "\"Constraints\":[{\"LTarget\":\"${attr.os.name}\","
	             "\"RTarget\":\"(ubu\",\"Operand\":\"regexp\"}],",
	             1);
	struct sfx_eval e;
	struct select_result r;
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(cnt(&r.metrics.constraint_filtered,
	                     "${attr.nomad.version} version >= 1.x"),
	                 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	sfx_eval_start(&e, s, re, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(
	    cnt(&r.metrics.constraint_filtered, "${attr.os.name} regexp (ubu"),
	    1);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(re);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(missing_driver_is_reported)
{
	struct store *s = sfx_store();
	struct job *job =
	    sfx_job("{\"ID\":\"j\",\"Datacenters\":[\"dc1\"],\"TaskGroups\":[{"
	            "\"Name\":\"g\",\"Tasks\":[{\"Name\":\"t\",\"Driver\":"
	            "\"qemu\"}]}]}");
	struct sfx_eval e;
	struct select_result r;
	struct node *n = sfx_node("b", "dc1");
	sfx_attr(n, "driver.qemu", "1");
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_put_node(s, n);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_str_eq(sfx_place(&e, "g", &r)->id, "b");
	ck_assert_int_le(cnt(&r.metrics.constraint_filtered, "missing drivers"),
	                 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	/* only the node without the driver left: filtered, reported */
	store_delete_node(s, 1000, "b");
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "g", &r));
	ck_assert_int_eq(cnt(&r.metrics.constraint_filtered, "missing drivers"),
	                 1);
	ck_assert_int_eq(r.metrics.nodes_filtered, 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(task_and_group_constraints_apply)
{
	struct store *s = sfx_store();
	struct job *job = sfx_job(
	    "{\"ID\":\"j\",\"Datacenters\":[\"dc1\"],\"TaskGroups\":[{"
	    "\"Name\":\"g\",\"Constraints\":[{\"LTarget\":\"${meta.tier}\","
	    "\"Operand\":\"is_set\"}],\"Tasks\":[{\"Name\":\"t\",\"Driver\":"
	    "\"exec\",\"Constraints\":[{\"LTarget\":\"${attr.cpu.arch}\","
	    "\"RTarget\":\"arm64\"}]}]}]}");
	struct sfx_eval e;
	struct select_result r;
	struct node *n;
	n = sfx_node("a", "dc1"); /* no tier */
	sfx_put_node(s, n);
	n = sfx_node("b", "dc1"); /* tier but amd64 */
	sfx_meta(n, "tier", "1");
	sfx_put_node(s, n);
	n = sfx_node("c", "dc1"); /* tier and arm64 */
	sfx_meta(n, "tier", "1");
	sfx_attr(n, "cpu.arch", "arm64");
	sfx_put_node(s, n);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_str_eq(sfx_place(&e, "g", &r)->id, "c");
	select_result_release(&r);
	sfx_eval_end(&e);
	store_delete_node(s, 1000, "c");
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "g", &r));
	ck_assert_int_eq(
	    cnt(&r.metrics.constraint_filtered, "${meta.tier} is_set "), 1);
	ck_assert_int_eq(
	    cnt(&r.metrics.constraint_filtered, "${attr.cpu.arch} = arm64"), 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* count 3 on 2 nodes with distinct_hosts: 2 placed, the third filtered. */
START_TEST(distinct_hosts_places_one_per_node)
{
	struct store *s = sfx_store();
	struct job *job = job_json("",
	                           "\"Constraints\":[{\"Operand\":"
	                           "\"distinct_hosts\"}],",
	                           3);
	struct sfx_eval e;
	struct select_result r;
	const struct node *a, *b;
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_put_node(s, sfx_node("b", "dc1"));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	a = sfx_place(&e, "web", NULL);
	b = sfx_place(&e, "web", NULL);
	ck_assert(a != NULL && b != NULL);
	ck_assert_str_ne(a->id, b->id);
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(r.metrics.nodes_evaluated, 2);
	ck_assert_int_eq(r.metrics.nodes_filtered, 2);
	ck_assert_int_eq(cnt(&r.metrics.constraint_filtered, "distinct_hosts"),
	                 2);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* Group-level distinct_hosts also counts existing allocations, but only
 * of the same group; distinct_hosts = false turns it off. */
START_TEST(distinct_hosts_group_level_and_existing)
{
	struct store *s = sfx_store();
	struct job *job = sfx_job(
	    "{\"ID\":\"j\",\"Datacenters\":[\"dc1\"],\"TaskGroups\":["
	    "{\"Name\":\"g\",\"Count\":2,\"Constraints\":[{\"Operand\":"
	    "\"distinct_hosts\",\"RTarget\":\"true\"}],\"Tasks\":[{\"Name\":"
	    "\"t\",\"Driver\":\"exec\"}]},{\"Name\":\"h\",\"Count\":3,"
	    "\"Constraints\":[{\"Operand\":\"distinct_hosts\",\"RTarget\":"
	    "\"false\"}],\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"exec\"}]}]}");
	struct sfx_eval e;
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_put_node(s, sfx_node("b", "dc1"));
	sfx_put_alloc(s, sfx_alloc(job, "g", "a", NULL, 100, 100));
	sfx_put_alloc(s, sfx_alloc(job, "h", "b", NULL, 100, 100));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_str_eq(sfx_place(&e, "g", NULL)->id, "b");
	ck_assert_ptr_null(sfx_place(&e, "g", NULL));
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(sfx_place(&e, "h", NULL));
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(distinct_property_limits_per_value)
{
	struct store *s = sfx_store();
	struct job *job = job_json("\"Constraints\":[{\"LTarget\":"
	                           "\"${meta.rack}\",\"Operand\":"
	                           "\"distinct_property\"}],",
	                           "", 3);
	struct sfx_eval e;
	struct select_result r;
	const char *racks[] = {"r1", "r1", "r2", "r2"};
	for (int i = 0; i < 4; i++) {
		char id[32];
		struct node *n;
		snprintf(id, sizeof id, "n%d", i);
		n = sfx_node(id, "dc1");
		sfx_meta(n, "rack", racks[i]);
		sfx_put_node(s, n);
	}
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_nonnull(sfx_place(&e, "web", NULL));
	ck_assert_ptr_nonnull(sfx_place(&e, "web", NULL));
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(r.metrics.nodes_filtered, 4);
	ck_assert_int_eq(
	    cnt(&r.metrics.constraint_filtered,
	        "distinct_property: ${meta.rack}=r1 used by 1 allocs"),
	    2);
	ck_assert_int_eq(
	    cnt(&r.metrics.constraint_filtered,
	        "distinct_property: ${meta.rack}=r2 used by 1 allocs"),
	    2);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* RTarget 2 allows two per rack; existing allocations count; a stopped
 * allocation frees its slot; a bad RTarget filters every node. */
START_TEST(distinct_property_with_limit_existing_and_stops)
{
	struct store *s = sfx_store();
	struct job *job = job_json("",
	                           "\"Constraints\":[{\"LTarget\":"
	                           "\"${meta.rack}\",\"RTarget\":\"2\","
	                           "\"Operand\":\"distinct_property\"}],",
	                           5);
	struct job *bad = job_json("",
	                           "\"Constraints\":[{\"LTarget\":"
	                           "\"${meta.rack}\",\"RTarget\":\"x\","
	                           "\"Operand\":\"distinct_property\"}],",
	                           1);
	struct allocation *old;
	struct sfx_eval e;
	struct select_result r;
	for (int i = 0; i < 4; i++) {
		char id[32];
		struct node *n;
		snprintf(id, sizeof id, "n%d", i);
		n = sfx_node(id, "dc1");
		sfx_meta(n, "rack", i < 2 ? "r1" : "r2");
		sfx_put_node(s, n);
	}
	old = sfx_alloc(job, "web", "n0", "old-alloc", 100, 100);
	sfx_put_alloc(s, old);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(sfx_place(&e, "web", NULL));
	ck_assert_ptr_null(sfx_place(&e, "web", NULL));
	ck_assert_int_eq(plan_stop(e.plan, store_alloc(s, "old-alloc"),
	                           "alloc not needed", NULL, NULL, 0, NULL),
	                 0);
	ck_assert_ptr_nonnull(sfx_place(&e, "web", NULL));
	ck_assert_ptr_null(sfx_place(&e, "web", NULL));
	sfx_eval_end(&e);
	sfx_eval_start(&e, s, bad, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(
	    cnt(&r.metrics.constraint_filtered,
	        "failed to convert RTarget \"x\" to uint64: strconv.ParseUint: "
	        "parsing \"x\": invalid syntax"),
	    4);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(bad);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(host_volumes_filter)
{
	struct store *s = sfx_store();
	struct job *job = job_json(
	    "\"Volumes\":{\"data\":{\"Type\":\"host\",\"Source\":\"data\"}},",
	    "", 1);
	struct sfx_eval e;
	struct select_result r;
	struct node *n = sfx_node("b", "dc1");
	n->host_volumes.v = mem_calloc(1, sizeof *n->host_volumes.v);
	n->host_volumes.n = 1;
	sfx_set(&n->host_volumes.v[0].key, "data");
	sfx_set(&n->host_volumes.v[0].val.name, "data");
	sfx_set(&n->host_volumes.v[0].val.path, "/srv/data");
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_put_node(s, n);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_str_eq(sfx_place(&e, "web", &r)->id, "b");
	select_result_release(&r);
	sfx_eval_end(&e);
	store_delete_node(s, 1000, "b");
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(cnt(&r.metrics.constraint_filtered,
	                     "missing compatible host volumes"),
	                 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(network_mode_and_host_network_filters)
{
	struct store *s = sfx_store();
	struct job *job =
	    job_json("\"Networks\":[{\"Mode\":\"bridge\"}],", "", 1);
	struct job *hn =
	    job_json("\"Networks\":[{\"DynamicPorts\":[{\"Label\":\"http\","
	             "\"HostNetwork\":\"public\"}]}],",
	             "", 1);
	static const char *const cni[] = {"bridge", "firewall", "host-local",
	                                  "loopback", "portmap"};
	struct sfx_eval e;
	struct select_result r;
	struct node *n = sfx_node("a", "dc1");
	for (size_t i = 0; i < 5; i++) { /* the implied bridge constraints */
		char key[64];
		snprintf(key, sizeof key, "plugins.cni.version.%s", cni[i]);
		sfx_attr(n, key, "1.4.0");
	}
	sfx_put_node(s, n);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(cnt(&r.metrics.constraint_filtered, "missing network"),
	                 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	sfx_eval_start(&e, s, hn, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(
	    cnt(&r.metrics.constraint_filtered,
	        "missing host network \"public\" for port \"http\""),
	    1);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(hn);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* ---- ports ----------------------------------------------------------------
 */

/* A static port taken by an existing allocation or reserved on the node
 * exhausts the node with the collision reason. */
START_TEST(static_port_collision_exhausts_node)
{
	struct store *s = sfx_store();
	struct job *job = job_json("\"Networks\":[{\"ReservedPorts\":[{"
	                           "\"Label\":\"http\",\"Value\":8080}]}],",
	                           "", 1);
	struct sfx_eval e;
	struct select_result r;
	struct node *a = sfx_node("a", "dc1"), *b = sfx_node("b", "dc1");
	struct allocation *old;
	struct allocated_port_mapping *pm;
	sfx_set(&b->reserved_resources->networks.reserved_host_ports,
	        "22,8000-8100");
	old = sfx_alloc(job, "web", "a", NULL, 100, 100);
	pm = mem_calloc(1, sizeof *pm);
	sfx_set(&pm->label, "http");
	sfx_set(&pm->host_ip, sfx_node_ip(a));
	pm->value = 8080;
	old->allocated_resources->shared.ports.v = pm;
	old->allocated_resources->shared.ports.n = 1;
	sfx_put_node(s, a);
	sfx_put_node(s, b);
	sfx_put_alloc(s, old);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(r.metrics.nodes_exhausted, 2);
	ck_assert_int_eq(cnt(&r.metrics.dimension_exhausted,
	                     "network: reserved port collision http=8080"),
	                 2);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* Two placements of a static port on two nodes: the second node only. */
START_TEST(static_port_placements_see_each_other)
{
	struct store *s = sfx_store();
	struct job *job = job_json("\"Networks\":[{\"ReservedPorts\":[{"
	                           "\"Label\":\"http\",\"Value\":80}]}],",
	                           "", 3);
	struct sfx_eval e;
	struct select_result r;
	const struct node *a, *b;
	sfx_put_node(s, sfx_node("a", "dc1"));
	sfx_put_node(s, sfx_node("b", "dc1"));
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	a = sfx_place(&e, "web", &r);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(r.resources.shared.ports.n, 1);
	ck_assert_int_eq(r.resources.shared.ports.v[0].value, 80);
	ck_assert_str_eq(r.resources.shared.ports.v[0].host_ip, sfx_node_ip(a));
	ck_assert_int_eq(r.resources.shared.networks.n, 1);
	ck_assert_str_eq(r.resources.shared.networks.v[0].ip, sfx_node_ip(a));
	select_result_release(&r);
	b = sfx_place(&e, "web", NULL);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_ne(a->id, b->id);
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(cnt(&r.metrics.dimension_exhausted,
	                     "network: reserved port collision http=80"),
	                 2);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

struct seen_ports {
	unsigned char used[2][65536];
	int dup;
	const char *ip0;
};

static bool collect_ports(void *data, const struct plan_node *pn)
{
	struct seen_ports *sp = data;
	size_t n;
	struct allocation *const *v = plan_node_places(pn, &n);
	for (size_t i = 0; i < n; i++) {
		const struct allocated_port_mapping_list *l =
		    &v[i]->allocated_resources->shared.ports;
		for (size_t j = 0; j < l->n; j++) {
			int k = strcmp(l->v[j].host_ip, sp->ip0) == 0 ? 0 : 1;
			int64_t p = l->v[j].value;
			ck_assert(p >= 20000 && p <= 32000);
			if (sp->used[k][p]++)
				sp->dup++;
		}
	}
	return true;
}

/* Many placements with dynamic ports never reuse a port on one node. */
START_TEST(dynamic_ports_never_collide)
{
	struct store *s = sfx_store();
	struct job *job = job_json(
	    "\"Networks\":[{\"DynamicPorts\":[{\"Label\":\"a\"},{\"Label\":"
	    "\"b\",\"To\":-1},{\"Label\":\"c\",\"To\":8080}]}],",
	    "", 1);
	struct sfx_eval e;
	struct seen_ports *sp = mem_calloc(1, sizeof *sp);
	struct node *a = sfx_node("a", "dc1");
	struct select_result r;
	char ip0[64];
	snprintf(ip0, sizeof ip0, "%s", sfx_node_ip(a));
	a->node_resources->cpu.cpu_shares = 1000000;
	a->node_resources->memory.memory_mb = 1000000;
	a->node_resources->disk.disk_mb = 1000000;
	sfx_put_node(s, a);
	a = sfx_node("b", "dc1");
	a->node_resources->cpu.cpu_shares = 1000000;
	a->node_resources->memory.memory_mb = 1000000;
	a->node_resources->disk.disk_mb = 1000000;
	sfx_put_node(s, a);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
	ck_assert_int_eq(r.resources.shared.ports.n, 3);
	ck_assert_int_eq(r.resources.shared.ports.v[1].to,
	                 r.resources.shared.ports.v[1].value);
	ck_assert_int_eq(r.resources.shared.ports.v[2].to, 8080);
	ck_assert_int_eq(
	    r.resources.shared.networks.v[0].dynamic_ports.v[0].value,
	    r.resources.shared.ports.v[0].value);
	select_result_release(&r);
	for (int i = 0; i < 999; i++)
		ck_assert_ptr_nonnull(sfx_place(&e, "web", NULL));
	sp->ip0 = ip0;
	plan_each_node(e.plan, collect_ports, sp);
	ck_assert_int_eq(sp->dup, 0);
	mem_free(sp);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* A tiny dynamic range runs out: the precise scan reports it. */
START_TEST(dynamic_port_range_exhaustion)
{
	struct store *s = sfx_store();
	struct job *job = job_json(
	    "\"Networks\":[{\"DynamicPorts\":[{\"Label\":\"a\"}]}],", "", 1);
	struct sfx_eval e;
	struct select_result r;
	struct node *n = sfx_node("a", "dc1");
	n->node_resources->min_dynamic_port = 30000;
	n->node_resources->max_dynamic_port = 30002;
	sfx_put_node(s, n);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	for (int i = 0; i < 3; i++) {
		ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
		ck_assert_int_ge(r.resources.shared.ports.v[0].value, 30000);
		ck_assert_int_le(r.resources.shared.ports.v[0].value, 30002);
		select_result_release(&r);
	}
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(cnt(&r.metrics.dimension_exhausted,
	                     "network: dynamic port selection failed"),
	                 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

START_TEST(bad_reserved_ports_make_an_invalid_node)
{
	struct store *s = sfx_store();
	struct job *job = job_json(
	    "\"Networks\":[{\"DynamicPorts\":[{\"Label\":\"a\"}]}],", "", 1);
	struct sfx_eval e;
	struct select_result r;
	struct node *n = sfx_node("a", "dc1");
	sfx_set(&n->reserved_resources->networks.reserved_host_ports, "0-10");
	sfx_put_node(s, n);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_null(sfx_place(&e, "web", &r));
	ck_assert_int_eq(
	    cnt(&r.metrics.dimension_exhausted, "network: invalid node"), 1);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

static void count_port(void *data, unsigned port)
{
	(void)port;
	(*(int *)data)++;
}

START_TEST(port_range_specs)
{
	struct err e;
	int n = 0;
	err_clear(&e);
	ck_assert_int_eq(
	    netidx_parse_ports("22, 80-90,443", count_port, &n, &e), 0);
	ck_assert_int_eq(n, 13);
	ck_assert_int_eq(netidx_parse_ports("", count_port, &n, &e), 0);
	ck_assert_int_eq(netidx_parse_ports("0", count_port, &n, &e),
	                 ERR_INVAL);
	ck_assert_str_eq(e.msg, "port must be > 0");
	ck_assert_int_eq(netidx_parse_ports("90-80", count_port, &n, &e),
	                 ERR_INVAL);
	ck_assert_str_eq(e.msg, "invalid range: ending value (80) less than "
	                        "starting (90) value");
	ck_assert_int_eq(netidx_parse_ports("1,,2", count_port, &n, &e),
	                 ERR_INVAL);
	ck_assert_str_eq(e.msg, "can't specify empty port");
	ck_assert_int_eq(netidx_parse_ports("x", count_port, &n, &e),
	                 ERR_INVAL);
	ck_assert_str_eq(e.msg,
	                 "strconv.ParseUint: parsing \"x\": invalid syntax");
	ck_assert_int_eq(netidx_parse_ports("1-2-3", count_port, &n, &e),
	                 ERR_INVAL);
	ck_assert_str_eq(e.msg, "can only parse single port numbers or port "
	                        "ranges (ex. 80,100-120,150)");
	ck_assert_int_eq(netidx_parse_ports("70000", count_port, &n, &e),
	                 ERR_INVAL);
	ck_assert_str_eq(e.msg, "port must be < 65536 but found 70000");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sched_feasible");
	TCase *tc = unit_tcase(s, "operators", 30);
	tcase_add_test(tc, equality_operators);
	tcase_add_test(tc, order_operators_numeric_then_lexical);
	tcase_add_test(tc, regexp_operator);
	tcase_add_test(tc, set_operators);
	tcase_add_test(tc, is_set_operators);
	tcase_add_test(tc, version_operator);
	tcase_add_test(tc, go_version_vectors);
	tcase_add_test(tc, semver_vectors);
	tc = unit_tcase(s, "targets", 30);
	tcase_add_test(tc, targets_resolve_on_the_node);
	tcase_add_test(tc, constraint_string_form);
	tcase_add_test(tc, globs);
	tcase_add_test(tc, ready_nodes_by_datacenter_and_pool);
	tcase_add_test(tc, drivers_from_driver_info_or_attributes);
	tcase_add_test(tc, computed_class_ignores_unique_data);
	tc = unit_tcase(s, "filters", 30);
	tcase_add_test(tc, constraint_filter_is_reported_by_its_string);
	tcase_add_test(tc, bad_patterns_filter_nodes);
	tcase_add_test(tc, missing_driver_is_reported);
	tcase_add_test(tc, task_and_group_constraints_apply);
	tcase_add_test(tc, distinct_hosts_places_one_per_node);
	tcase_add_test(tc, distinct_hosts_group_level_and_existing);
	tcase_add_test(tc, distinct_property_limits_per_value);
	tcase_add_test(tc, distinct_property_with_limit_existing_and_stops);
	tcase_add_test(tc, host_volumes_filter);
	tcase_add_test(tc, network_mode_and_host_network_filters);
	tc = unit_tcase(s, "ports", 60);
	tcase_add_test(tc, static_port_collision_exhausts_node);
	tcase_add_test(tc, static_port_placements_see_each_other);
	tcase_add_test(tc, dynamic_ports_never_collide);
	tcase_add_test(tc, dynamic_port_range_exhaustion);
	tcase_add_test(tc, bad_reserved_ports_make_an_invalid_node);
	tcase_add_test(tc, port_range_specs);
	return s;
}

UNIT_MAIN(suite)
