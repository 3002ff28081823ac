/* Unit tests for the plan applier's check (scheduler/fit.h): node states,
 * every fit dimension, plans accepted earlier in the same batch, AllAtOnce,
 * the accepted part of a plan, and a randomized run of concurrent plans
 * checked and committed one after another, asserting after every commit
 * that no node is overcommitted and every allocation name runs once. */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/stime.h"
#include "scheduler/fit.h"
#include "scheduler/scheduler.h"
#include "tests/lib/sched_harness.h"
#include "tests/lib/unit.h"

#define SEED 11

/* ---- helpers ------------------------------------------------------------- */

/* A service job id with count allocations of cpu MHz, mem MB, disk MB
 * (0: the default) and, when port > 0, a static port "p". */
static void register_job(struct harness *h, const char *id, int count, int cpu,
                         int mem, int disk, int port, const char *job_extra)
{
	char buf[2048], net[128] = "", eph[96] = "";
	if (port > 0)
		snprintf(net, sizeof net,
		         "network {\n port \"p\" {\n static = %d\n }\n }",
		         port);
	if (disk > 0)
		snprintf(eph, sizeof eph, "ephemeral_disk {\n size = %d\n }",
		         disk);
	snprintf(
	    buf, sizeof buf,
	    "job \"%s\" {\n datacenters = [\"dc1\"]\n %s\n group \"g\" {\n"
	    " count = %d\n %s\n %s\n task \"t\" {\n driver = \"raw_exec\"\n"
	    " resources {\n cpu = %d\n memory = %d\n }\n }\n }\n}\n",
	    id, job_extra != NULL ? job_extra : "", count, net, eph, cpu, mem);
	harness_register(h, buf);
}

/* Plans job_id against the store as it is, without applying anything. */
static void plan_job_now(struct harness *h, const char *job_id,
                         struct sched_response *out)
{
	const struct evaluation *ev =
	    harness_eval(h, job_id, EVAL_TRIGGER_JOB_REGISTER);
	struct sched_request rq = {
	    .store = h->store,
	    .eval = ev,
	    .now = h->now,
	    .seed = h->seed + h->nmade,
	};
	ck_assert_int_eq(sched_run(&rq, out), 0);
}

static void check(struct harness *h, const struct plan *p,
                  const struct plan *const *acc, size_t n, struct fit_result *r)
{
	ck_assert_int_eq(fit_plan(h->store, p, acc, n, r), 0);
}

/* The only rejection's reason. */
static const char *only_reason(const struct fit_result *r)
{
	ck_assert_int_eq(r->n, 1);
	return r->v[0].reason;
}

/* ---- basics -------------------------------------------------------------- */

START_TEST(fresh_plan_fits)
{
	struct harness *h = harness_create(SEED);
	struct sched_response a;
	struct fit_result r;
	harness_node(h, "n1", 4000, 8192);
	harness_node(h, "n2", 4000, 8192);
	register_job(h, "a", 3, 500, 256, 0, 0, NULL);
	plan_job_now(h, "a", &a);
	check(h, a.plan, NULL, 0, &r);
	ck_assert_int_eq(r.n, 0);
	ck_assert(!r.all_rejected);
	fit_result_release(&r);
	sched_response_release(&a);
	harness_destroy(h);
}
END_TEST

/* Two jobs planned on the same snapshot, each filling n1. */
static void two_on_one(struct harness *h, int cpu, int mem, int disk, int port,
                       struct sched_response *a, struct sched_response *b)
{
	register_job(h, "a", 1, cpu, mem, disk, port, NULL);
	register_job(h, "b", 1, cpu, mem, disk, port, NULL);
	plan_job_now(h, "a", a);
	plan_job_now(h, "b", b);
	ck_assert_int_eq(harness_plan_places_on(a->plan, "n1"), 1);
	ck_assert_int_eq(harness_plan_places_on(b->plan, "n1"), 1);
}

static void second_rejected(int cpu, int mem, int disk, int port,
                            void (*tweak)(struct harness *),
                            const char *want_prefix)
{
	struct harness *h = harness_create(SEED);
	struct sched_response a, b;
	struct fit_result r;
	const struct plan *acc[1];
	harness_node(h, "n1", 4000, 8192);
	if (tweak != NULL)
		tweak(h);
	two_on_one(h, cpu, mem, disk, port, &a, &b);
	check(h, b.plan, NULL, 0, &r); /* alone, b fits */
	ck_assert_int_eq(r.n, 0);
	fit_result_release(&r);
	acc[0] = a.plan;
	check(h, b.plan, acc, 1, &r);
	ck_assert_str_eq(r.v[0].node_id, "n1");
	ck_assert_msg(
	    strncmp(only_reason(&r), want_prefix, strlen(want_prefix)) == 0,
	    "reason \"%s\", want \"%s...\"", r.v[0].reason, want_prefix);
	fit_result_release(&r);
	/* Once a is in the store, the same holds without the list. */
	harness_apply_plan(h, a.plan, a.job);
	check(h, b.plan, NULL, 0, &r);
	ck_assert_int_eq(
	    strncmp(only_reason(&r), want_prefix, strlen(want_prefix)), 0);
	fit_result_release(&r);
	sched_response_release(&a);
	sched_response_release(&b);
	harness_destroy(h);
}

static void max_one(struct harness *h)
{
	struct node *n = harness_node_edit(h, "n1");
	n->node_max_allocs = 1;
	harness_put_node(h, n);
}

START_TEST(every_fit_dimension)
{
	second_rejected(3000, 256, 0, 0, NULL, "cpu");
	second_rejected(500, 5000, 0, 0, NULL, "memory");
	second_rejected(500, 256, 60000, 0, NULL, "disk");
	second_rejected(500, 256, 0, 0, max_one, "max allocation exceeded");
	second_rejected(500, 256, 0, 8080, NULL,
	                "reserved alloc port collision: collision when "
	                "reserving port for alloc ");
}
END_TEST

START_TEST(reserved_ports_that_do_not_parse)
{
	struct harness *h = harness_create(SEED);
	struct sched_response a;
	struct fit_result r;
	struct node *n;
	harness_node(h, "n1", 4000, 8192);
	register_job(h, "a", 1, 100, 64, 0, 0, NULL);
	plan_job_now(h, "a", &a);
	n = harness_node_edit(h, "n1");
	harness_set_str(&n->reserved_resources->networks.reserved_host_ports,
	                "abc");
	harness_put_node(h, n);
	check(h, a.plan, NULL, 0, &r);
	ck_assert_str_eq(only_reason(&r),
	                 "reserved node port collision: error parsing "
	                 "reserved_ports: strconv.ParseUint: parsing \"abc\": "
	                 "invalid syntax");
	fit_result_release(&r);
	sched_response_release(&a);
	harness_destroy(h);
}
END_TEST

/* ---- node states --------------------------------------------------------- */

static void node_state_rejects(void (*change)(struct harness *),
                               const char *want)
{
	struct harness *h = harness_create(SEED);
	struct sched_response a;
	struct fit_result r;
	harness_node(h, "n1", 4000, 8192);
	register_job(h, "a", 1, 100, 64, 0, 0, NULL);
	plan_job_now(h, "a", &a);
	change(h);
	check(h, a.plan, NULL, 0, &r);
	ck_assert_str_eq(only_reason(&r), want);
	fit_result_release(&r);
	sched_response_release(&a);
	harness_destroy(h);
}

static void gone(struct harness *h)
{
	ck_assert_int_eq(store_delete_node(h->store, ++h->index, "n1"), 0);
}

static void down(struct harness *h)
{
	harness_node_set_status(h, "n1", NODE_STATUS_DOWN);
}

static void initializing(struct harness *h)
{
	harness_node_set_status(h, "n1", NODE_STATUS_INIT);
}

static void disconnected(struct harness *h)
{
	harness_node_set_status(h, "n1", NODE_STATUS_DISCONNECTED);
}

static void ineligible(struct harness *h)
{
	struct node *n = harness_node_edit(h, "n1");
	harness_set_str(&n->scheduling_eligibility, NODE_INELIGIBLE);
	harness_put_node(h, n);
}

static void draining(struct harness *h)
{
	struct node *n = harness_node_edit(h, "n1");
	n->drain_strategy = mem_calloc(1, sizeof *n->drain_strategy);
	ck_assert_ptr_nonnull(n->drain_strategy);
	n->drain_strategy->deadline = -1;
	harness_put_node(h, n);
}

START_TEST(node_states_reject_placements)
{
	node_state_rejects(gone, "node does not exist");
	node_state_rejects(down, "node is not ready for placements");
	node_state_rejects(initializing, "node is not ready for placements");
	node_state_rejects(disconnected,
	                   "node is disconnected and contains invalid updates");
	node_state_rejects(ineligible, "node is not eligible");
	node_state_rejects(draining, "node is not eligible");
}
END_TEST

START_TEST(stops_and_status_updates_fit_anywhere)
{
	struct harness *h = harness_create(SEED);
	struct sched_response a;
	struct plan *p;
	struct fit_result r;
	const struct allocation *cur;
	struct allocation *lost;
	harness_node(h, "n1", 4000, 8192);
	register_job(h, "a", 1, 100, 64, 0, 0, NULL);
	harness_run_job(h, "a", EVAL_TRIGGER_JOB_REGISTER);
	down(h);
	/* The scheduler's answer: the allocation is lost (a stop). */
	plan_job_now(h, "a", &a);
	ck_assert_int_eq(plan_count_stops(a.plan), 1);
	check(h, a.plan, NULL, 0, &r);
	ck_assert_int_eq(r.n, 0);
	fit_result_release(&r);
	/* A placement marking it lost is a status update: accepted. */
	cur = harness_live_named(h, "a", "a.g[0]");
	ck_assert_int_eq(plan_create(h->store, "e", 50, NULL, &p), 0);
	lost = mem_calloc(1, sizeof *lost);
	ck_assert_int_eq(schema_copy(&allocation_schema, lost, cur), 0);
	harness_set_str(&lost->client_status, ALLOC_CLIENT_LOST);
	ck_assert_int_eq(plan_place(p, lost), 0);
	check(h, p, NULL, 0, &r);
	ck_assert_int_eq(r.n, 0);
	fit_result_release(&r);
	plan_destroy(p);
	sched_response_release(&a);
	harness_destroy(h);
}
END_TEST

START_TEST(inplace_update_fits_on_an_ineligible_node)
{
	struct harness *h = harness_create(SEED);
	struct sched_response a;
	struct fit_result r;
	harness_node(h, "n1", 4000, 8192);
	register_job(h, "a", 1, 100, 64, 0, 0, NULL);
	harness_run_job(h, "a", EVAL_TRIGGER_JOB_REGISTER);
	register_job(h, "a", 1, 100, 64, 0, 0, "priority = 90");
	plan_job_now(h, "a", &a);
	ck_assert_int_eq(plan_count_places(a.plan), 1);
	ck_assert_int_eq(plan_count_stops(a.plan), 0);
	ineligible(h);
	check(h, a.plan, NULL, 0, &r);
	ck_assert_int_eq(r.n, 0);
	fit_result_release(&r);
	sched_response_release(&a);
	harness_destroy(h);
}
END_TEST

/* ---- whole plans --------------------------------------------------------- */

START_TEST(all_at_once_rejects_the_whole_plan)
{
	struct harness *h = harness_create(SEED);
	struct sched_response a;
	struct fit_result r;
	struct plan *part;
	harness_node(h, "n1", 4000, 8192);
	harness_node(h, "n2", 4000, 8192);
	register_job(h, "a", 2, 100, 64, 0, 0,
	             "all_at_once = true\n constraint {\n operator = "
	             "\"distinct_hosts\"\n value = \"true\"\n }");
	plan_job_now(h, "a", &a);
	ck_assert(plan_all_at_once(a.plan));
	ck_assert_int_eq(harness_plan_places_on(a.plan, "n1"), 1);
	down(h);
	check(h, a.plan, NULL, 0, &r);
	ck_assert(r.all_rejected);
	ck_assert_int_eq(r.n, 2);
	ck_assert(fit_result_rejected(&r, "n1"));
	ck_assert(fit_result_rejected(&r, "n2"));
	for (size_t i = 0; i < r.n; i++)
		if (strcmp(r.v[i].node_id, "n2") == 0)
			ck_assert_str_eq(r.v[i].reason, FIT_REASON_ALL_AT_ONCE);
	ck_assert_int_eq(fit_plan_accepted(a.plan, &r, &part), 0);
	ck_assert(plan_is_noop(part));
	plan_destroy(part);
	fit_result_release(&r);
	sched_response_release(&a);
	harness_destroy(h);
}
END_TEST

START_TEST(accepted_part_keeps_only_the_fitting_nodes)
{
	struct harness *h = harness_create(SEED);
	struct sched_response a;
	struct fit_result r;
	struct plan *part;
	harness_node(h, "n1", 4000, 8192);
	harness_node(h, "n2", 4000, 8192);
	register_job(h, "a", 2, 100, 64, 0, 0,
	             "constraint {\n operator = \"distinct_hosts\"\n value = "
	             "\"true\"\n }");
	plan_job_now(h, "a", &a);
	ck_assert_int_eq(
	    value_copy(plan_annotations(a.plan),
	               &(struct value){.kind = VALUE_BOOL, .u.b = true}),
	    0);
	harness_node_set_status(h, "n2", NODE_STATUS_DOWN);
	check(h, a.plan, NULL, 0, &r);
	ck_assert_str_eq(only_reason(&r), "node is not ready for placements");
	ck_assert_str_eq(r.v[0].node_id, "n2");
	ck_assert_int_eq(fit_plan_accepted(a.plan, &r, &part), 0);
	ck_assert_int_eq(plan_count_places(part), 1);
	ck_assert_int_eq(harness_plan_places_on(part, "n1"), 1);
	ck_assert_str_eq(plan_eval_id(part), plan_eval_id(a.plan));
	ck_assert(plan_job(part) == a.job);
	ck_assert(plan_annotations(part)->u.b);
	harness_apply_plan(h, part, a.job);
	ck_assert_int_eq(harness_count_live(h, "a"), 1);
	plan_destroy(part);
	fit_result_release(&r);
	sched_response_release(&a);
	harness_destroy(h);
}
END_TEST

/* ---- out of memory ------------------------------------------------------ */

/* fit_plan and fit_plan_accepted with allocations failing from the k-th
 * on; whether both succeeded. */
static bool oom_once(struct harness *h, const struct plan *p,
                     const struct plan *const *acc, size_t nacc, int64_t k,
                     int64_t count)
{
	struct fit_result r;
	struct plan *part = NULL;
	int rc;
	mem_fault_set(k, count);
	rc = fit_plan(h->store, p, acc, nacc, &r);
	if (rc == 0) {
		rc = fit_plan_accepted(p, &r, &part);
		fit_result_release(&r);
	}
	mem_fault_reset();
	ck_assert_msg(rc == 0 || rc == ERR_NOMEM, "fault %lld: rc %d",
	              (long long)k, rc);
	ck_assert(rc == 0 || part == NULL);
	plan_destroy(part);
	return rc == 0;
}

START_TEST(allocation_failures_are_reported_and_leak_nothing)
{
	struct harness *h = harness_create(SEED);
	struct sched_response a, b;
	const struct plan *acc[1];
	int64_t n;
	harness_node(h, "n1", 4000, 8192);
	harness_node(h, "n2", 4000, 8192);
	register_job(h, "a", 3, 1000, 256, 0, 8080, NULL);
	register_job(h, "b", 3, 1000, 256, 0, 8080, NULL);
	plan_job_now(h, "a", &a);
	plan_job_now(h, "b", &b);
	acc[0] = a.plan;
	for (n = 0; n < 1000000 && !oom_once(h, b.plan, acc, 1, n, -1); n++)
		;
	ck_assert_int_gt(n, 5);
	for (int64_t k = 0; k < 2 * n; k++)
		oom_once(h, b.plan, acc, 1, k, 1);
	sched_response_release(&a);
	sched_response_release(&b);
	harness_destroy(h);
}
END_TEST

/* ---- concurrent plans, randomized ---------------------------------------- */

struct rjob {
	char id[16];
	int count;
};

/* No node holds more than it has, no two live allocations share a port
 * on a node, and every live name of a job is one of its indexes, once. */
static void assert_invariants(struct harness *h, const struct rjob *jobs,
                              int njobs, uint64_t seed)
{
	for (int j = 0; j < njobs; j++) {
		size_t n;
		const struct allocation **v = harness_allocs(h, jobs[j].id, &n);
		int seen[64] = {0};
		for (size_t i = 0; i < n; i++) {
			long long idx;
			if (allocation_terminal(v[i]))
				continue;
			idx = alloc_name_index(v[i]->name);
			ck_assert_msg(idx >= 0 && idx < jobs[j].count,
			              "seed %llu: %s", (unsigned long long)seed,
			              v[i]->name);
			ck_assert_msg(seen[idx]++ == 0,
			              "seed %llu: %s placed twice",
			              (unsigned long long)seed, v[i]->name);
		}
		mem_free(v);
	}
}

struct node_use {
	int64_t cpu, mem, disk;
	int64_t ports[64];
	size_t nports;
	uint64_t seed;
	int rc;
};

static bool use_visit(void *data, const struct allocation *a)
{
	struct node_use *u = data;
	const struct allocated_resources *ar = a->allocated_resources;
	if (allocation_terminal(a) || ar == NULL)
		return true;
	for (size_t i = 0; i < ar->tasks.n; i++) {
		u->cpu += ar->tasks.v[i].val.cpu.cpu_shares;
		u->mem += ar->tasks.v[i].val.memory.memory_mb;
	}
	u->disk += ar->shared.disk_mb;
	for (size_t i = 0; i < ar->shared.ports.n; i++) {
		int64_t p = ar->shared.ports.v[i].value;
		for (size_t k = 0; k < u->nports; k++)
			if (u->ports[k] == p)
				u->rc = 1;
		if (u->nports < 64)
			u->ports[u->nports++] = p;
	}
	return true;
}

static bool node_visit(void *data, const struct node *n)
{
	struct harness *h = data;
	struct node_use u = {0};
	const struct node_resources *r = n->node_resources;
	store_each_node_alloc(h->store, n->id, use_visit, &u);
	ck_assert_msg(u.rc == 0, "seed %llu: port used twice on %s",
	              (unsigned long long)h->seed, n->id);
	ck_assert_msg(u.cpu <= r->cpu.cpu_shares, "seed %llu: %s cpu %lld",
	              (unsigned long long)h->seed, n->id, (long long)u.cpu);
	ck_assert_msg(u.mem <= r->memory.memory_mb, "seed %llu: %s memory",
	              (unsigned long long)h->seed, n->id);
	ck_assert_msg(u.disk <= r->disk.disk_mb, "seed %llu: %s disk",
	              (unsigned long long)h->seed, n->id);
	return true;
}

static void assert_no_overcommit(struct harness *h)
{
	store_each_node(h->store, NULL, node_visit, h);
}

/* Nodes rejected over the whole randomized run (printed). */
static size_t total_rejected;

static uint64_t pick(struct sched_rng *rng, uint64_t n)
{
	return sched_rng_below(rng, n);
}

static void random_cluster(struct harness *h, struct sched_rng *rng,
                           struct rjob *jobs, int *njobs)
{
	static const int cpus[] = {1500, 2000, 3000, 4000};
	static const int mems[] = {1024, 2048, 4096};
	int nodes = 3 + (int)pick(rng, 6);
	for (int i = 0; i < nodes; i++) {
		char id[16];
		snprintf(id, sizeof id, "n%d", i);
		harness_node(h, id, cpus[pick(rng, 4)], mems[pick(rng, 3)]);
	}
	*njobs = 3 + (int)pick(rng, 4);
	for (int j = 0; j < *njobs; j++) {
		snprintf(jobs[j].id, sizeof jobs[j].id, "job%d", j);
		jobs[j].count = 1 + (int)pick(rng, 6);
		register_job(h, jobs[j].id, jobs[j].count,
		             200 + 100 * (int)pick(rng, 13),
		             128 + 128 * (int)pick(rng, 8), 0,
		             pick(rng, 3) == 0 ? 8080 + (int)pick(rng, 2) : 0,
		             NULL);
	}
}

static bool all_placed(struct harness *h, const struct rjob *jobs, int n)
{
	for (int j = 0; j < n; j++)
		if ((int)harness_count_live(h, jobs[j].id) < jobs[j].count)
			return false;
	return true;
}

/* Commits an accepted part and checks the invariants. */
static size_t commit(struct harness *h, struct plan *part,
                     const struct job *job, const struct rjob *jobs, int njobs)
{
	size_t placed = plan_count_places(part);
	harness_apply_plan(h, part, job);
	assert_no_overcommit(h);
	assert_invariants(h, jobs, njobs, h->seed);
	return placed;
}

/* One round: every job planned on the same snapshot, then checked one
 * after another, either against the plans accepted before it in the
 * batch (committed at the end) or committed at once. Returns the
 * allocations placed. */
static size_t round_once(struct harness *h, struct sched_rng *rng,
                         const struct rjob *jobs, int njobs)
{
	struct sched_response resp[8];
	struct plan *acc[8];
	size_t placed = 0;
	bool batch = pick(rng, 2) == 0;
	for (int j = 0; j < njobs; j++) {
		memset(&resp[j], 0, sizeof resp[j]);
		plan_job_now(h, jobs[j].id, &resp[j]);
	}
	for (int j = 0; j < njobs; j++) {
		struct fit_result r;
		ck_assert_int_eq(fit_plan(h->store, resp[j].plan,
		                          (const struct plan *const *)acc,
		                          batch ? (size_t)j : 0, &r),
		                 0);
		ck_assert_int_eq(fit_plan_accepted(resp[j].plan, &r, &acc[j]),
		                 0);
		total_rejected += r.n;
		fit_result_release(&r);
		if (!batch)
			placed += commit(h, acc[j], resp[j].job, jobs, njobs);
	}
	for (int j = 0; j < njobs; j++) {
		if (batch)
			placed += commit(h, acc[j], resp[j].job, jobs, njobs);
		plan_destroy(acc[j]);
		sched_response_release(&resp[j]);
	}
	return placed;
}

START_TEST(concurrent_plans_never_overcommit)
{
	uint64_t base = 0;
	for (int iter = 0; iter < 20; iter++) {
		/* The first cluster's seed is printed; the others follow. */
		struct harness *h = iter == 0
		                        ? harness_create_random()
		                        : harness_create(base + (uint64_t)iter);
		struct sched_rng rng;
		struct rjob jobs[8];
		int njobs = 0, rounds = 0;
		if (iter == 0)
			base = h->seed;
		sched_rng_seed(&rng, h->seed);
		random_cluster(h, &rng, jobs, &njobs);
		while (!all_placed(h, jobs, njobs) && rounds++ < 30)
			if (round_once(h, &rng, jobs, njobs) == 0)
				break;
		/* Whatever is missing fits nowhere now. */
		for (int j = 0; j < njobs; j++) {
			struct sched_response out;
			plan_job_now(h, jobs[j].id, &out);
			ck_assert_msg(plan_count_places(out.plan) == 0,
			              "seed %llu: %s could still place",
			              (unsigned long long)h->seed, jobs[j].id);
			sched_response_release(&out);
		}
		harness_destroy(h);
	}
	printf("concurrent plans: %zu node parts rejected over 20 clusters\n",
	       total_rejected);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sched_fit");
	TCase *tc = unit_tcase(s, "fit", 60);
	tcase_add_test(tc, fresh_plan_fits);
	tcase_add_test(tc, every_fit_dimension);
	tcase_add_test(tc, reserved_ports_that_do_not_parse);
	tcase_add_test(tc, node_states_reject_placements);
	tcase_add_test(tc, stops_and_status_updates_fit_anywhere);
	tcase_add_test(tc, inplace_update_fits_on_an_ineligible_node);
	tcase_add_test(tc, all_at_once_rejects_the_whole_plan);
	tcase_add_test(tc, accepted_part_keeps_only_the_fitting_nodes);
	tcase_add_test(tc, allocation_failures_are_reported_and_leak_nothing);
	tc = unit_tcase(s, "random", 300);
	tcase_add_test(tc, concurrent_plans_never_overcommit);
	return s;
}

UNIT_MAIN(suite)
