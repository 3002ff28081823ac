/* Unit tests for server/drainer.c: what the leader's drainer marks on a
 * draining node, step by step, and when it calls the drain complete. */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "raft/fsm.h"
#include "server/server_int.h"
#include "tests/lib/sched_fixture.h"
#include "tests/lib/unit.h"

#define NOW (1000LL * 1000000000LL)

static struct job *job_of(const char *id, const char *type, const char *extra)
{
	char json[2048];
	snprintf(json, sizeof json,
	         "{\"ID\":\"%s\",\"Type\":\"%s\",\"Datacenters\":[\"dc1\"],"
	         "\"TaskGroups\":[{\"Name\":\"g\",\"Count\":4,%s"
	         "\"Tasks\":[{\"Name\":\"server\",\"Driver\":\"exec\","
	         "\"Resources\":{\"CPU\":100,\"MemoryMB\":64}}]}]}",
	         id, type, extra);
	return sfx_job(json);
}

/* A store with node "a" draining (deadline in ns from NOW; 0: none) and
 * node "b" ready. */
static struct store *draining(int64_t deadline, bool ignore_system)
{
	struct store *s = sfx_store();
	struct node *a = sfx_node("a", "dc1");
	a->drain_strategy = mem_calloc(1, sizeof *a->drain_strategy);
	ck_assert_ptr_nonnull(a->drain_strategy);
	a->drain_strategy->deadline = deadline;
	a->drain_strategy->started_at = NOW;
	a->drain_strategy->force_deadline = deadline > 0 ? NOW + deadline : 0;
	a->drain_strategy->ignore_system_jobs = ignore_system;
	sfx_set(&a->scheduling_eligibility, NODE_INELIGIBLE); /* as a drain */
	sfx_put_node(s, a);
	sfx_put_node(s, sfx_node("b", "dc1"));
	return s;
}

static void put(struct store *s, struct job *j, const char *node,
                const char *id)
{
	sfx_put_alloc(s, sfx_alloc(j, "g", node, id, 100, 64));
}

static const char *decide(struct store *s, int64_t now, bool *done, char *buf,
                          size_t size)
{
	struct drain_decision d;
	buf[0] = '\0';
	ck_assert_int_eq(drainer_decide(s, store_node(s, "a"), now, &d),
	                 ERR_OK);
	for (size_t i = 0; i < d.migrate.n; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", len ? "," : "",
		         d.migrate.v[i]);
	}
	*done = d.done;
	drain_decision_release(&d);
	return buf;
}

/* What FSM_ALLOC_TRANSITION and the scheduler do: marked, then stopped
 * with a running replacement on node b. */
static void mark(struct store *s, const char *id)
{
	struct fsm_alloc_transition t = {0};
	ck_assert_int_eq(strlist_push(&t.alloc_ids, id), ERR_OK);
	t.migrate = true;
	ck_assert_int_eq(fsm_alloc_transition(s, store_latest_index(s) + 1, &t),
	                 ERR_OK);
	strlist_release(&t.alloc_ids);
}

static void replace(struct store *s, struct job *j, const char *id,
                    const char *running_status)
{
	struct allocation copy = *store_alloc(s, id), *r;
	char rid[64];
	copy.desired_status = (char *)ALLOC_DESIRED_STOP;
	ck_assert_int_eq(
	    store_upsert_alloc(s, store_latest_index(s) + 1, &copy), ERR_OK);
	snprintf(rid, sizeof rid, "%s-new", id);
	r = sfx_alloc(j, "g", "b", rid, 100, 64);
	sfx_set(&r->previous_allocation, id);
	sfx_set(&r->client_status, running_status);
	sfx_put_alloc(s, r);
}

START_TEST(service_moves_max_parallel_at_a_time)
{
	struct store *s = draining(0, false);
	struct job *j = job_of("web", "service", "");
	char buf[256];
	bool done;
	sfx_put_job(s, j);
	put(s, j, "a", "w1");
	put(s, j, "a", "w2");
	put(s, j, "a", "w3");
	put(s, j, "b", "w4");
	/* Nomad's default migrate block: one at a time. */
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "w1");
	ck_assert(!done);
	mark(s, "w1");
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "");
	/* Stopped, but the replacement is not running yet. */
	replace(s, j, "w1", ALLOC_CLIENT_PENDING);
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "");
	replace(s, j, "w1", ALLOC_CLIENT_RUNNING);
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "w2");
	mark(s, "w2");
	replace(s, j, "w2", ALLOC_CLIENT_RUNNING);
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "w3");
	mark(s, "w3");
	replace(s, j, "w3", ALLOC_CLIENT_RUNNING);
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "");
	ck_assert(done);
	job_free(j);
	store_destroy(s);
}
END_TEST

START_TEST(max_parallel_from_the_migrate_block)
{
	struct store *s = draining(0, false);
	struct job *j =
	    job_of("web", "service", "\"Migrate\":{\"MaxParallel\":2},");
	char buf[256];
	bool done;
	sfx_put_job(s, j);
	put(s, j, "a", "w1");
	put(s, j, "a", "w2");
	put(s, j, "a", "w3");
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "w1,w2");
	mark(s, "w1");
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "w2");
	job_free(j);
	store_destroy(s);
}
END_TEST

START_TEST(batch_waits_for_the_deadline_then_everything_moves)
{
	struct store *s = draining(60LL * 1000000000LL, false);
	struct job *b = job_of("report", "batch", "");
	struct job *w = job_of("web", "service", "");
	char buf[256];
	bool done;
	sfx_put_job(s, b);
	sfx_put_job(s, w);
	put(s, b, "a", "b1");
	put(s, w, "a", "w1");
	put(s, w, "a", "w2");
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "w1");
	ck_assert(!done);
	/* At the deadline every allocation left is marked at once. */
	ck_assert_str_eq(
	    decide(s, NOW + 60LL * 1000000000LL, &done, buf, sizeof buf),
	    "b1,w1,w2");
	job_free(b);
	job_free(w);
	store_destroy(s);
}
END_TEST

START_TEST(a_batch_allocation_that_finishes_completes_the_drain)
{
	struct store *s = draining(0, false);
	struct job *b = job_of("report", "batch", "");
	struct allocation copy;
	char buf[256];
	bool done;
	sfx_put_job(s, b);
	put(s, b, "a", "b1");
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "");
	ck_assert(!done);
	copy = *store_alloc(s, "b1");
	copy.client_status = (char *)ALLOC_CLIENT_COMPLETE;
	ck_assert_int_eq(
	    store_upsert_alloc(s, store_latest_index(s) + 1, &copy), ERR_OK);
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "");
	ck_assert(done);
	job_free(b);
	store_destroy(s);
}
END_TEST

START_TEST(system_allocations_go_last_unless_ignored)
{
	struct store *s = draining(0, false), *t = draining(0, true);
	struct job *sys = job_of("agent", "system", "");
	struct job *w = job_of("web", "service", "");
	char buf[256];
	bool done;
	sfx_put_job(s, sys);
	sfx_put_job(s, w);
	put(s, sys, "a", "s1");
	put(s, w, "a", "w1");
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "w1");
	mark(s, "w1");
	replace(s, w, "w1", ALLOC_CLIENT_RUNNING);
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "s1");
	ck_assert(!done);
	/* -ignore-system: the system allocation stays and the drain is
	 * complete once the rest has moved. */
	sfx_put_job(t, sys);
	put(t, sys, "a", "s1");
	ck_assert_str_eq(decide(t, NOW, &done, buf, sizeof buf), "");
	ck_assert(done);
	job_free(sys);
	job_free(w);
	store_destroy(s);
	store_destroy(t);
}
END_TEST

START_TEST(force_marks_everything_now)
{
	struct store *s = draining(-1, false);
	struct job *w = job_of("web", "service", "");
	struct job *sys = job_of("agent", "system", "");
	char buf[256];
	bool done;
	sfx_put_job(s, w);
	sfx_put_job(s, sys);
	put(s, w, "a", "w1");
	put(s, w, "a", "w2");
	put(s, sys, "a", "s1");
	ck_assert_str_eq(decide(s, NOW, &done, buf, sizeof buf), "w1,w2");
	job_free(w);
	job_free(sys);
	store_destroy(s);
}
END_TEST

START_TEST(a_completion_for_a_replaced_drain_changes_nothing)
{
	struct store *s = draining(0, false);
	struct fsm_node_update b = {0};
	b.node_id = (char *)"a";
	b.drain_started_at = NOW - 1; /* another drain than the node's */
	ck_assert_int_eq(
	    fsm_node_update(s, store_latest_index(s) + 1, FSM_NODE_DRAIN, &b),
	    ERR_OK);
	ck_assert_ptr_nonnull(store_node(s, "a")->drain_strategy);
	b.drain_started_at = NOW;
	ck_assert_int_eq(
	    fsm_node_update(s, store_latest_index(s) + 1, FSM_NODE_DRAIN, &b),
	    ERR_OK);
	ck_assert_ptr_null(store_node(s, "a")->drain_strategy);
	ck_assert_str_eq(store_node(s, "a")->scheduling_eligibility,
	                 NODE_INELIGIBLE);
	store_destroy(s);
}
END_TEST

static Suite *drain_suite(void)
{
	Suite *s = suite_create("drain");
	TCase *tc = unit_tcase(s, "drainer", 10);
	tcase_add_test(tc, service_moves_max_parallel_at_a_time);
	tcase_add_test(tc, max_parallel_from_the_migrate_block);
	tcase_add_test(tc, batch_waits_for_the_deadline_then_everything_moves);
	tcase_add_test(tc,
	               a_batch_allocation_that_finishes_completes_the_drain);
	tcase_add_test(tc, system_allocations_go_last_unless_ignored);
	tcase_add_test(tc, force_marks_everything_now);
	tcase_add_test(tc, a_completion_for_a_replaced_drain_changes_nothing);
	return s;
}

UNIT_MAIN(drain_suite)
