/* Unit tests for a plan as several FSM_ALLOC_PLAN entries
 * (server/plan_entries.h): the split keeps each node whole, the first
 * entry carries the follow-ups and the last the outcome, placements keep
 * one score, and applying the encoded entries through the FSM (all of
 * them, or a prefix as after a leader lost in the middle) places every
 * allocation exactly once. The leader's own apply from its plan
 * (fsm_plan_apply_local) leaves the store as the encoded entries do. */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "raft/fsm.h"
#include "scheduler/fit.h"
#include "scheduler/scheduler.h"
#include "server/plan_entries.h"
#include "tests/lib/sched_harness.h"
#include "tests/lib/unit.h"

#define SEED  7
#define NODES 6
#define COUNT 20

static struct harness *cluster(void)
{
	struct harness *h = harness_create(SEED);
	char id[16];
	for (int i = 0; i < NODES; i++) {
		snprintf(id, sizeof id, "n%d", i);
		harness_node(h, id, 4000, 8192);
	}
	harness_register(h, "job \"web\" {\n datacenters = [\"dc1\"]\n"
	                    " group \"g\" {\n count = 20\n"
	                    " network {\n port \"http\" {}\n }\n"
	                    " task \"t\" {\n driver = \"raw_exec\"\n"
	                    " resources {\n cpu = 100\n memory = 64\n }\n"
	                    " }\n }\n}\n");
	return h;
}

/* Schedules the job's evaluation ev on the harness store, with a new
 * seed (new IDs) on every run, as the worker does. */
static void schedule(struct harness *h, const struct evaluation *ev,
                     struct sched_response *out)
{
	struct sched_request rq = {0};
	memset(out, 0, sizeof *out);
	rq.store = h->store;
	rq.eval = ev;
	rq.now = h->now;
	rq.seed = SEED + h->index * 1000003u;
	ck_assert_int_eq(sched_run(&rq, out), ERR_OK);
	ck_assert_ptr_nonnull(out->plan);
}

/* Encodes and applies bodies [0, upto) through the FSM. */
static void apply(struct harness *h, const struct plan_entries *pe, size_t upto)
{
	for (size_t i = 0; i < upto; i++) {
		struct buf b;
		struct err e;
		buf_init(&b);
		ck_assert_int_eq(
		    fsm_encode(FSM_ALLOC_PLAN, &fsm_plan_schema, &pe->v[i], &b),
		    ERR_OK);
		ck_assert_msg(fsm_apply(h->store, ++h->index, b.data, b.len,
		                        &e) == ERR_OK,
		              "apply entry %zu: %s", i, e.msg);
		buf_release(&b);
	}
}

static bool names_once(struct harness *h)
{
	size_t n;
	const struct allocation **v = harness_allocs(h, "web", &n);
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++)
		for (size_t j = i + 1; j < n; j++)
			if (!allocation_terminal(v[i]) &&
			    !allocation_terminal(v[j]) &&
			    strcmp(v[i]->name, v[j]->name) == 0)
				ok = false;
	mem_free(v);
	return ok;
}

static size_t places_on(const struct fsm_plan *b, const char *node_id)
{
	size_t n = 0;
	for (size_t i = 0; i < b->updated.n; i++)
		n += strcmp(b->updated.v[i].node_id, node_id) == 0;
	return n;
}

START_TEST(split_keeps_nodes_whole_and_evals_in_place)
{
	struct harness *h = cluster();
	const struct evaluation *ev = harness_eval(h, "web", "job-register");
	struct evaluation_list first = {0}, last = {0};
	struct evaluation fe = {0}, le = {0};
	struct sched_response r;
	struct plan_entries pe;
	size_t places = 0;
	schedule(h, ev, &r);
	fe.id = (char *)"follow-up";
	le.id = (char *)"outcome";
	first.v = &fe;
	first.n = 1;
	last.v = &le;
	last.n = 1;
	ck_assert_int_eq(
	    plan_entries_build(r.plan, ev->id, r.job, &first, &last, 5, &pe),
	    ERR_OK);
	ck_assert_uint_gt(pe.n, 1);
	for (size_t i = 0; i < pe.n; i++) {
		const struct fsm_plan *b = &pe.v[i];
		ck_assert_str_eq(b->eval_id, ev->id);
		ck_assert_ptr_eq(b->job, r.job);
		ck_assert_uint_eq(b->evals.n, (i == 0) + (i == pe.n - 1));
		places += b->updated.n;
		for (size_t k = 0; k < b->updated.n; k++) {
			const struct allocation *a = &b->updated.v[k];
			/* the node's every placement is in this body */
			ck_assert_uint_eq(
			    harness_plan_places_on(r.plan, a->node_id),
			    places_on(b, a->node_id));
			ck_assert_ptr_nonnull(a->metrics);
			ck_assert_uint_eq(a->metrics->score_meta_data.n, 1);
		}
	}
	ck_assert_str_eq(pe.v[0].evals.v[0].id, "follow-up");
	ck_assert_str_eq(pe.v[pe.n - 1].evals.v[pe.v[pe.n - 1].evals.n - 1].id,
	                 "outcome");
	ck_assert_uint_eq(places, COUNT);
	ck_assert_uint_eq(places, plan_count_places(r.plan));
	plan_entries_release(&pe);
	sched_response_release(&r);
	harness_destroy(h);
}
END_TEST

START_TEST(applied_entries_place_everything_once)
{
	struct harness *h = cluster();
	const struct evaluation *ev = harness_eval(h, "web", "job-register");
	struct evaluation_list last = {0};
	struct sched_response r;
	struct plan_entries pe;
	schedule(h, ev, &r);
	last.v = &r.eval;
	last.n = 1;
	ck_assert_int_eq(
	    plan_entries_build(r.plan, ev->id, r.job, NULL, &last, 4, &pe),
	    ERR_OK);
	apply(h, &pe, pe.n);
	ck_assert_uint_eq(harness_count_live(h, "web"), COUNT);
	ck_assert(names_once(h));
	ck_assert_str_eq(harness_stored_eval(h, ev->id)->status,
	                 EVAL_STATUS_COMPLETE);
	plan_entries_release(&pe);
	sched_response_release(&r);
	harness_destroy(h);
}
END_TEST

/* A leader lost after some entries committed: the evaluation is still
 * pending, and running it again places only what is missing. */
START_TEST(a_committed_prefix_is_completed_without_duplicates)
{
	struct harness *h = cluster();
	const struct evaluation *ev = harness_eval(h, "web", "job-register");
	struct evaluation_list last = {0};
	struct sched_response r, again;
	struct plan_entries pe;
	size_t before;
	schedule(h, ev, &r);
	last.v = &r.eval;
	last.n = 1;
	ck_assert_int_eq(
	    plan_entries_build(r.plan, ev->id, r.job, NULL, &last, 4, &pe),
	    ERR_OK);
	ck_assert_uint_gt(pe.n, 2);
	apply(h, &pe, pe.n / 2);
	plan_entries_release(&pe);
	before = harness_count_live(h, "web");
	ck_assert_uint_gt(before, 0);
	ck_assert_uint_lt(before, COUNT);
	ck_assert_str_eq(harness_stored_eval(h, ev->id)->status,
	                 EVAL_STATUS_PENDING);
	schedule(h, harness_stored_eval(h, ev->id), &again);
	ck_assert_uint_eq(plan_count_places(again.plan), COUNT - before);
	last.v = &again.eval;
	ck_assert_int_eq(plan_entries_build(again.plan, ev->id, again.job, NULL,
	                                    &last, 4, &pe),
	                 ERR_OK);
	apply(h, &pe, pe.n);
	ck_assert_uint_eq(harness_count_live(h, "web"), COUNT);
	ck_assert(names_once(h));
	plan_entries_release(&pe);
	sched_response_release(&again);
	sched_response_release(&r);
	harness_destroy(h);
}
END_TEST

/* The store's allocations and evaluations as msgpack, in ID order. */
static void dump(struct harness *h, const char *eval_id, struct buf *out)
{
	size_t n;
	const struct allocation **v = harness_allocs(h, "web", &n);
	buf_init(out);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(
		    schema_msgpack_encode(&allocation_schema, v[i], out),
		    ERR_OK);
	mem_free(v);
	ck_assert_int_eq(schema_msgpack_encode(&evaluation_schema,
	                                       harness_stored_eval(h, eval_id),
	                                       out),
	                 ERR_OK);
}

/* Schedules ev on leader, commits the plan there from the plan itself and
 * on follower through the encoded entries (same store before). */
static void commit_both(struct harness *leader, struct harness *follower,
                        const char *job_id, const char *trigger)
{
	const struct evaluation *ev = harness_eval(leader, job_id, trigger);
	const struct evaluation *fev = harness_eval(follower, job_id, trigger);
	struct evaluation_list last = {0};
	struct sched_response r;
	struct plan_entries pe;
	struct buf *enc;
	struct buf a, b;
	struct err e;
	ck_assert_str_eq(ev->id, fev->id);
	schedule(leader, ev, &r);
	last.v = &r.eval;
	last.n = 1;
	ck_assert_int_eq(
	    plan_entries_build(r.plan, ev->id, r.job, NULL, &last, 4, &pe),
	    ERR_OK);
	enc = mem_calloc(pe.n, sizeof *enc);
	for (size_t i = 0; i < pe.n; i++) {
		buf_init(&enc[i]);
		ck_assert_int_eq(fsm_encode(FSM_ALLOC_PLAN, &fsm_plan_schema,
		                            &pe.v[i], &enc[i]),
		                 ERR_OK);
	}
	for (size_t i = 0; i < pe.n; i++) {
		ck_assert_int_eq(fsm_plan_apply_local(leader->store,
		                                      ++leader->index,
		                                      &pe.local[i]),
		                 ERR_OK);
		ck_assert_msg(fsm_apply(follower->store, ++follower->index,
		                        enc[i].data, enc[i].len, &e) == ERR_OK,
		              "apply entry %zu: %s", i, e.msg);
		buf_release(&enc[i]);
	}
	mem_free(enc);
	plan_entries_release(&pe);
	sched_response_release(&r); /* frees the shells */
	dump(leader, ev->id, &a);
	dump(follower, ev->id, &b);
	ck_assert_uint_gt(a.len, 0);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert(memcmp(a.data, b.data, a.len) == 0);
	buf_release(&a);
	buf_release(&b);
}

START_TEST(the_leaders_own_apply_equals_the_followers)
{
	static const char *update =
	    "job \"web\" {\n datacenters = [\"dc1\"]\n"
	    " group \"g\" {\n count = 12\n"
	    " network {\n port \"http\" {}\n }\n"
	    " task \"t\" {\n driver = \"raw_exec\"\n"
	    " resources {\n cpu = 150\n memory = 64\n }\n"
	    " }\n"
	    /* a second task, after "t" in the job: maps keyed by task
	     * name come out of decoding sorted */
	    " task \"a\" {\n driver = \"raw_exec\"\n"
	    " resources {\n cpu = 20\n memory = 32\n }\n"
	    " }\n }\n}\n";
	struct harness *leader = cluster(), *follower = cluster();
	/* placements */
	commit_both(leader, follower, "web", "job-register");
	ck_assert_uint_eq(harness_count_live(leader, "web"), COUNT);
	/* a destructive update and a count down: stops, and placements
	 * that replace allocations (PreviousAllocation) */
	harness_register(leader, update);
	harness_register(follower, update);
	commit_both(leader, follower, "web", "job-register");
	ck_assert_uint_eq(harness_count_live(leader, "web"), 12);
	harness_destroy(leader);
	harness_destroy(follower);
}
END_TEST

START_TEST(an_empty_plan_is_one_entry_with_the_outcome)
{
	struct evaluation out = {0};
	struct evaluation_list last = {&out, 1};
	struct plan_entries pe;
	out.id = (char *)"e";
	ck_assert_int_eq(
	    plan_entries_build(NULL, "e", NULL, NULL, &last, 10, &pe), ERR_OK);
	ck_assert_uint_eq(pe.n, 1);
	ck_assert_uint_eq(pe.v[0].updated.n, 0);
	ck_assert_uint_eq(pe.v[0].evals.n, 1);
	plan_entries_release(&pe);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("plan_entries");
	TCase *tc = unit_tcase(s, "entries", 30);
	tcase_add_test(tc, split_keeps_nodes_whole_and_evals_in_place);
	tcase_add_test(tc, applied_entries_place_everything_once);
	tcase_add_test(tc, a_committed_prefix_is_completed_without_duplicates);
	tcase_add_test(tc, an_empty_plan_is_one_entry_with_the_outcome);
	tcase_add_test(tc, the_leaders_own_apply_equals_the_followers);
	return s;
}

UNIT_MAIN(suite)
