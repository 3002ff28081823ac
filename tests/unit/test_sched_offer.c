/* Unit tests for what the ranking's shortcuts must not change: candidate
 * offers borrow the group's ask and the node's strings, but the winner's
 * resources are owned copies (they outlive the job, the node and the
 * store); a templated host network is resolved per node without touching
 * the job; the memoized bin-pack fit follows the node's usage as
 * placements fill it and a stop frees it. */
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

static struct job *net_job(const char *networks, int count, int cpu, int mem)
{
	char json[4096];
	snprintf(json, sizeof json,
	         "{\"ID\":\"web\",\"Datacenters\":[\"dc1\"],"
	         "\"TaskGroups\":[{\"Name\":\"web\",\"Count\":%d,%s"
	         "\"Tasks\":[{\"Name\":\"server\",\"Driver\":\"exec\","
	         "\"Resources\":{\"CPU\":%d,\"MemoryMB\":%d}}]}]}",
	         count, networks, cpu, mem);
	return sfx_job(json);
}

/* The binpack score recorded for node id. */
static double binpack_of(const struct alloc_metric *m, const char *id)
{
	for (size_t i = 0; i < m->score_meta_data.n; i++) {
		const struct node_score_meta *s = &m->score_meta_data.v[i];
		const struct value *v;
		if (strcmp(s->node_id, id) != 0)
			continue;
		v = value_map_get(&s->scores, RANK_SCORE_BINPACK);
		ck_assert_ptr_nonnull(v);
		ck_assert_int_eq(v->kind, VALUE_FLOAT);
		return v->u.f;
	}
	ck_abort_msg("no score for %s", id);
	return 0;
}

static const struct allocated_port_mapping *
port_of(const struct allocated_resources *r, const char *label)
{
	for (size_t i = 0; i < r->shared.ports.n; i++)
		if (strcmp(r->shared.ports.v[i].label, label) == 0)
			return &r->shared.ports.v[i];
	ck_abort_msg("no port %s", label);
	return NULL;
}

/* ---- offers ---------------------------------------------------------------
 */

/* The chosen node's ports and network are the placement's own: they stay
 * readable after the stack, the plan, the job and the store are gone. */
START_TEST(winner_resources_are_owned)
{
	struct store *s = sfx_store();
	struct job *job = net_job(
	    "\"Networks\":[{\"ReservedPorts\":[{\"Label\":\"admin\","
	    "\"Value\":8080}],\"DynamicPorts\":[{\"Label\":\"http\",\"To\":-1},"
	    "{\"Label\":\"db\",\"To\":5432}]}],",
	    1, 100, 64);
	struct node *n = sfx_node("a", "dc1");
	char ip[64];
	struct sfx_eval e;
	struct select_result r;
	const struct allocated_port_mapping *http, *db, *admin;
	const struct network_resource *net;
	snprintf(ip, sizeof ip, "%s", sfx_node_ip(n));
	sfx_put_node(s, n);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
	ck_assert_uint_eq(r.resources.shared.ports.n, 3);
	admin = port_of(&r.resources, "admin");
	http = port_of(&r.resources, "http");
	db = port_of(&r.resources, "db");
	ck_assert_int_eq(admin->value, 8080);
	ck_assert_str_eq(admin->host_ip, ip);
	ck_assert_str_eq(http->host_ip, ip);
	ck_assert_int_eq(http->to, http->value);
	ck_assert_int_ge(http->value, NETIDX_DEFAULT_MIN_PORT);
	ck_assert_int_lt(http->value, NETIDX_DEFAULT_MAX_PORT);
	ck_assert_int_eq(db->to, 5432);
	ck_assert_int_ne(db->value, http->value);
	ck_assert_uint_eq(r.resources.shared.networks.n, 1);
	net = &r.resources.shared.networks.v[0];
	ck_assert_str_eq(net->ip, ip);
	ck_assert_uint_eq(net->dynamic_ports.n, 2);
	for (size_t i = 0; i < net->dynamic_ports.n; i++) {
		const struct port *p = &net->dynamic_ports.v[i];
		ck_assert_int_eq(p->value,
		                 port_of(&r.resources, p->label)->value);
	}
	select_result_release(&r);
}
END_TEST

/* "${meta.net}" names the node's host network: the placement records the
 * resolved name, the job keeps its template, and a node where it names
 * no network is exhausted. */
START_TEST(templated_host_network_is_resolved_per_node)
{
	struct store *s = sfx_store();
	struct job *job =
	    net_job("\"Networks\":[{\"DynamicPorts\":[{\"Label\":\"http\","
	            "\"HostNetwork\":\"${meta.net}\"}]}],",
	            2, 100, 64);
	struct node *a = sfx_node("a", "dc1"), *b = sfx_node("b", "dc1");
	const struct task_group *tg = &job->task_groups.v[0];
	struct sfx_eval e;
	struct select_result r;
	sfx_meta(a, "net", "default");
	sfx_meta(b, "net", "nowhere");
	sfx_put_node(s, a);
	sfx_put_node(s, b);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	for (int i = 0; i < 2; i++) {
		const struct node *n = sfx_place(&e, "web", &r);
		ck_assert_ptr_nonnull(n);
		ck_assert_str_eq(n->id, "a");
		ck_assert_str_eq(r.resources.shared.networks.v[0]
		                     .dynamic_ports.v[0]
		                     .host_network,
		                 "default");
		ck_assert_str_eq(
		    tg->networks.v[0].dynamic_ports.v[0].host_network,
		    "${meta.net}");
		select_result_release(&r);
	}
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

/* ---- the fit memo ---------------------------------------------------------
 */

/* Each placement on the only node moves its usage: the recorded binpack
 * score is Nomad's fit of the usage with one more allocation, exactly,
 * also when a stop brings the node back to a usage seen before. */
START_TEST(binpack_score_follows_the_usage)
{
	struct store *s = sfx_store();
	struct job *job = net_job("", 9, 500, 256);
	struct sfx_eval e;
	struct select_result r;
	struct allocation *old;
	double want;
	sfx_put_node(s, sfx_node("a", "dc1"));
	old = sfx_alloc(job, "web", "a", "old-one", 500, 256);
	sfx_put_alloc(s, old);
	sfx_eval_start(&e, s, job, SELECT_SERVICE, unit_seed());
	for (int i = 1; i <= 7; i++) {
		ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
		want = rank_fit_binpack_raw(4000, 8192, 500.0 * (i + 1),
		                            256.0 * (i + 1)) /
		       RANK_MAX_FIT;
		ck_assert_double_eq(binpack_of(&r.metrics, "a"), want);
		select_result_release(&r);
	}
	ck_assert_int_eq(plan_stop(e.plan, store_alloc(s, "old-one"), "gone",
	                           NULL, NULL, 0, NULL),
	                 0);
	ck_assert_ptr_nonnull(sfx_place(&e, "web", &r));
	want = rank_fit_binpack_raw(4000, 8192, 4000, 2048) / RANK_MAX_FIT;
	ck_assert_double_eq(binpack_of(&r.metrics, "a"), want);
	select_result_release(&r);
	sfx_eval_end(&e);
	job_free(job);
	store_destroy(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sched_offer");
	TCase *tc = unit_tcase(s, "offers", 30);
	tcase_add_test(tc, winner_resources_are_owned);
	tcase_add_test(tc, templated_host_network_is_resolved_per_node);
	tc = unit_tcase(s, "memo", 30);
	tcase_add_test(tc, binpack_score_follows_the_usage);
	return s;
}

UNIT_MAIN(suite)
