/* scripts/bench/schedbench.c: the scheduler alone. Builds a state store
 * with N ready nodes (4000 MHz, 16 GB, one host network), registers one
 * service job of COUNT allocations (100 MHz, 64 MB, one dynamic port) and
 * times sched_run for its evaluation: the placement rate of the pure
 * scheduler, without Raft, RPC or the plan applier.
 *
 *   schedbench NODES COUNT [RUNS [ROUND ENTRY]]
 *
 * Prints "nodes=N count=C placed=P seconds=S placements_per_s=R" per run.
 * With SCHEDBENCH_DIGEST=1 set it also prints a digest of the response
 * (every plan change and the evaluation, as JSON): a change to the
 * scheduler that must not change its results keeps the digest.
 *
 * With ROUND and ENTRY it plays the leader's part without Raft: scheduler
 * runs of at most ROUND placements, each checked (fit_plan), cut into
 * FSM_ALLOC_PLAN entries of at most ENTRY changes (server/plan_entries.h),
 * encoded, applied to the store from the plan itself, as server/worker.c
 * does, and decoded and applied to a second store (a follower); it prints
 * the time of each
 * phase and the entry bytes per placement. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobspec/jobspec.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "raft/fsm.h"
#include "scheduler/feasible.h"
#include "scheduler/fit.h"
#include "scheduler/scheduler.h"
#include "server/plan_entries.h"
#include "state/state.h"

static const char JOB[] = "job \"web\" {\n"
                          "  datacenters = [\"dc1\"]\n"
                          "  group \"web\" {\n"
                          "    count = %ld\n"
                          "    network {\n"
                          "      port \"http\" {}\n"
                          "    }\n"
                          "    task \"web\" {\n"
                          "      driver = \"raw_exec\"\n"
                          "      config {\n"
                          "        command = \"/bin/sleep\"\n"
                          "      }\n"
                          "      resources {\n"
                          "        cpu    = 100\n"
                          "        memory = 64\n"
                          "      }\n"
                          "    }\n"
                          "  }\n"
                          "}\n";

static int add_node(struct store *st, long i)
{
	struct node n = {0};
	struct node_resources res = {0};
	struct node_network_resource nnet = {0};
	struct node_network_address addr = {0};
	struct network_resource net = {0};
	struct driver_info_ment drv = {0};
	char id[48], name[32];
	int rc;
	snprintf(id, sizeof id, "%08lx-0000-4000-8000-%012ld",
	         (unsigned long)(i * 2654435761u) & 0xffffffffu, i);
	snprintf(name, sizeof name, "node-%ld", i);
	n.id = id;
	n.name = name;
	n.datacenter = (char *)"dc1";
	n.node_pool = (char *)"default";
	n.status = (char *)NODE_STATUS_READY;
	n.scheduling_eligibility = (char *)NODE_ELIGIBLE;
	strmap_set(&n.attributes, "kernel.name", "linux");
	strmap_set(&n.attributes, "driver.raw_exec", "1");
	strmap_set(&n.attributes, "unique.hostname", name);
	drv.key = (char *)"raw_exec";
	drv.val.detected = drv.val.healthy = true;
	n.drivers.v = &drv;
	n.drivers.n = 1;
	res.cpu.cpu_shares = 4000;
	res.memory.memory_mb = 16384;
	res.disk.disk_mb = 100000;
	addr.family = (char *)"ipv4";
	addr.alias = (char *)"default";
	addr.address = (char *)"10.0.0.1";
	nnet.mode = (char *)"host";
	nnet.device = (char *)"eth0";
	nnet.addresses.v = &addr;
	nnet.addresses.n = 1;
	res.node_networks.v = &nnet;
	res.node_networks.n = 1;
	net.mode = (char *)"host";
	net.device = (char *)"eth0";
	net.ip = (char *)"10.0.0.1";
	net.mbits = 1000;
	res.networks.v = &net;
	res.networks.n = 1;
	n.node_resources = &res;
	n.computed_class = sched_node_computed_class(&n);
	rc = store_upsert_node(st, (uint64_t)i + 10, &n);
	mem_free(n.computed_class);
	strmap_release(&n.attributes);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Phases are timed in CPU time: the machine is shared. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct phases {
	double sched, check, encode, apply, follower, release;
	size_t bytes, entries;
};

static int pipe_store(struct store **st, long nodes, long count,
                      struct job *job)
{
	char src[sizeof JOB + 32];
	struct err e;
	if (store_create(st) != ERR_OK)
		return 1;
	for (long i = 0; i < nodes; i++)
		if (add_node(*st, i) != ERR_OK)
			return 1;
	snprintf(src, sizeof src, JOB, count);
	if (jobspec_parse("web.hcl", src, strlen(src), NULL, job, &e) !=
	        ERR_OK ||
	    job_canonicalize(job) != ERR_OK ||
	    store_upsert_job(*st, (uint64_t)nodes + 20, job, NULL) != ERR_OK) {
		fprintf(stderr, "schedbench: job: %s\n", e.msg);
		return 1;
	}
	return 0;
}

/* Encodes the entries of one checked plan and applies them to both
 * stores, as the leader's worker and every server's FSM do. */
static int pipe_commit(struct store *st, struct store *fol, uint64_t *index,
                       struct sched_response *r, struct plan *acc, long entry,
                       struct phases *ph)
{
	struct evaluation_list last = {0};
	struct plan_entries pe;
	struct err e;
	double t0 = cpu_s(), t1;
	int rc = 0;
	if (!r->more) {
		last.v = &r->eval;
		last.n = 1;
	}
	if (plan_entries_build(acc, r->eval.id, r->job, NULL, &last,
	                       (size_t)entry, &pe) != ERR_OK)
		return 1;
	for (size_t i = 0; i < pe.n && rc == 0; i++) {
		struct buf b;
		buf_init(&b);
		t0 = cpu_s();
		rc = fsm_encode(FSM_ALLOC_PLAN, &fsm_plan_schema, &pe.v[i], &b);
		t1 = cpu_s();
		ph->encode += t1 - t0;
		ph->bytes += b.len;
		ph->entries++;
		++*index;
		/* the leader applies its own entry from the plan, as
		 * server/worker.c does (replica_apply_plan) */
		if (rc == 0)
			rc = fsm_plan_apply_local(st, *index, &pe.local[i]);
		if (rc != 0)
			err_set(&e, rc, "apply: %s", err_str(rc));
		t0 = cpu_s();
		ph->apply += t0 - t1;
		if (rc == 0)
			rc = fsm_apply(fol, *index, b.data, b.len, &e);
		ph->follower += cpu_s() - t0;
		if (rc != 0)
			fprintf(stderr, "schedbench: apply: %s\n", e.msg);
		buf_release(&b);
	}
	plan_entries_release(&pe);
	return rc;
}

/* Heap in use (MB), for SCHEDBENCH_MEM=1. */
static double heap_mb(void)
{
	struct mallinfo2 mi = mallinfo2();
	return (double)(mi.uordblks + mi.hblkhd) / 1048576.0;
}

static int run_pipeline(long nodes, long count, unsigned seed, long round,
                        long entry)
{
	struct store *st, *fol;
	struct job job = {0}, fjob = {0};
	struct evaluation ev = {0};
	struct phases ph = {0};
	uint64_t index = (uint64_t)nodes + 100;
	size_t placed = 0;
	double t0, t1, start;
	int rc = 0;
	bool more = true;
	bool mem = getenv("SCHEDBENCH_MEM") != NULL;
	double h0 = heap_mb(), h1;
	if (pipe_store(&st, nodes, count, &job) != 0)
		return 1;
	h1 = heap_mb();
	if (pipe_store(&fol, nodes, count, &fjob) != 0)
		return 1;
	ev.id = (char *)"11111111-2222-4333-8444-555555555555";
	ev.namespace = (char *)"default";
	ev.job_id = (char *)"web";
	ev.type = (char *)"service";
	ev.triggered_by = (char *)"job-register";
	ev.status = (char *)"pending";
	ev.priority = 50;
	start = now_s();
	double cpu0 = cpu_s();
	for (int attempt = 0; more && rc == 0; attempt++) {
		struct sched_request rq = {0};
		struct sched_response r = {0};
		struct fit_result fr = {0};
		struct plan *acc = NULL;
		rq.store = st;
		rq.eval = &ev;
		rq.now = 1;
		rq.seed = seed + (unsigned)attempt;
		rq.max_placements = (size_t)round;
		rq.config.score_meta_max = 1; /* as the leader asks */
		t0 = cpu_s();
		rc = sched_run(&rq, &r);
		t1 = cpu_s();
		ph.sched += t1 - t0;
		if (rc == 0 && r.plan != NULL) {
			placed += plan_count_places(r.plan);
			rc = fit_plan(st, r.plan, NULL, 0, &fr);
			if (rc == 0 && fr.n == 0 && !fr.all_rejected) {
				acc = r.plan; /* as server/worker.c does */
				r.plan = NULL;
			} else if (rc == 0) {
				rc = fit_plan_accepted(r.plan, &fr, &acc);
			}
			if (fr.n > 0)
				fprintf(stderr,
				        "schedbench: %zu nodes rejected\n",
				        fr.n);
		}
		t0 = cpu_s();
		ph.check += t0 - t1;
		more = r.more;
		if (rc == 0)
			rc = pipe_commit(st, fol, &index, &r, acc, entry, &ph);
		t0 = cpu_s();
		fit_result_release(&fr);
		plan_destroy(acc);
		sched_response_release(&r);
		ph.release += cpu_s() - t0;
	}
	t1 = now_s();
	if (mem) /* two stores hold the allocations: half is the leader's */
		printf("heap: nodes %.1f MB (%.0f B/node), allocations %.1f MB "
		       "(%.0f B/allocation, one store)\n",
		       h1 - h0, (h1 - h0) * 1048576.0 / (double)nodes,
		       (heap_mb() - h0) / 2 - (h1 - h0),
		       ((heap_mb() - h0) / 2 - (h1 - h0)) * 1048576.0 /
		           (double)count);
	printf("nodes=%ld count=%ld placed=%zu seconds=%.3f "
	       "placements_per_s=%.0f | cpu=%.3f sched=%.3f check=%.3f "
	       "encode=%.3f "
	       "apply=%.3f follower_apply=%.3f release=%.3f entries=%zu "
	       "bytes_per_placement=%.0f\n",
	       nodes, count, placed, t1 - start, (double)placed / (t1 - start),
	       cpu_s() - cpu0, ph.sched, ph.check, ph.encode, ph.apply,
	       ph.follower, ph.release, ph.entries,
	       placed ? (double)ph.bytes / (double)placed : 0.0);
	schema_release(&job_schema, &job);
	schema_release(&job_schema, &fjob);
	store_destroy(st);
	store_destroy(fol);
	return rc != 0 || placed != (size_t)count;
}

/* FNV-1a over the JSON of the plan's changes, in order, and the eval. */
static uint64_t digest_add(uint64_t h, const struct schema *s, const void *obj)
{
	struct buf b;
	buf_init(&b);
	schema_json_encode_buf(s, obj, 0, &b);
	for (size_t i = 0; i < b.len; i++)
		h = (h ^ (unsigned char)b.data[i]) * 0x100000001b3ULL;
	buf_release(&b);
	return h;
}

static void digest_print(const struct sched_response *r)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n = 0;
	const struct plan_op *ops = r->plan ? plan_ops(r->plan, &n) : NULL;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ (uint64_t)ops[i].kind) * 0x100000001b3ULL;
		h = digest_add(h, &allocation_schema, ops[i].alloc);
	}
	h = digest_add(h, &evaluation_schema, &r->eval);
	printf("digest=%016llx\n", (unsigned long long)h);
}

static int run_once(long nodes, long count, unsigned seed)
{
	struct store *st;
	struct job job = {0};
	struct evaluation ev = {0};
	struct sched_request rq = {0};
	struct sched_response r = {0};
	struct err e;
	char src[sizeof JOB + 32];
	double t0, t1;
	size_t placed;
	if (store_create(&st) != ERR_OK)
		return 1;
	for (long i = 0; i < nodes; i++)
		if (add_node(st, i) != ERR_OK)
			return 1;
	snprintf(src, sizeof src, JOB, count);
	if (jobspec_parse("web.hcl", src, strlen(src), NULL, &job, &e) !=
	        ERR_OK ||
	    job_canonicalize(&job) != ERR_OK ||
	    store_upsert_job(st, (uint64_t)nodes + 20, &job, NULL) != ERR_OK) {
		fprintf(stderr, "schedbench: job: %s\n", e.msg);
		return 1;
	}
	ev.id = (char *)"11111111-2222-4333-8444-555555555555";
	ev.namespace = (char *)"default";
	ev.job_id = (char *)"web";
	ev.type = (char *)"service";
	ev.triggered_by = (char *)"job-register";
	ev.status = (char *)"pending";
	ev.priority = 50;
	rq.store = st;
	rq.eval = &ev;
	rq.now = 1;
	rq.seed = seed;
	rq.config.score_meta_max = 1; /* as the leader asks */
	t0 = now_s();
	if (sched_run(&rq, &r) != ERR_OK)
		return 1;
	t1 = now_s();
	placed = r.plan ? plan_count_places(r.plan) : 0;
	if (placed == 0) {
		struct buf b;
		buf_init(&b);
		schema_json_encode_buf(&evaluation_schema, &r.eval, 0, &b);
		fprintf(stderr, "schedbench: nothing placed: %.*s\n",
		        (int)b.len, b.data);
		buf_release(&b);
	}
	printf("nodes=%ld count=%ld placed=%zu seconds=%.3f "
	       "placements_per_s=%.0f\n",
	       nodes, count, placed, t1 - t0, (double)placed / (t1 - t0));
	if (getenv("SCHEDBENCH_DIGEST") != NULL)
		digest_print(&r);
	sched_response_release(&r);
	schema_release(&job_schema, &job);
	store_destroy(st);
	return placed == (size_t)count ? 0 : 1;
}

int main(int argc, char **argv)
{
	long nodes, count, runs = argc > 3 ? atol(argv[3]) : 3;
	long round = argc > 5 ? atol(argv[4]) : 0;
	long entry = argc > 5 ? atol(argv[5]) : 0;
	int rc = 0;
	if (argc < 3 || (nodes = atol(argv[1])) <= 0 ||
	    (count = atol(argv[2])) <= 0) {
		fprintf(stderr,
		        "usage: schedbench NODES COUNT [RUNS [ROUND ENTRY]]\n");
		return 2;
	}
	for (long i = 0; i < runs; i++)
		rc |= round > 0 ? run_pipeline(nodes, count, (unsigned)i + 1,
		                               round, entry)
		                : run_once(nodes, count, (unsigned)i + 1);
	return rc;
}
