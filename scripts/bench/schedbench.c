/* scripts/bench/schedbench.c: the scheduler alone. Builds a state store
 * with N ready nodes (4000 MHz, 16 GB, one host network), registers one
 * service job of COUNT allocations (100 MHz, 64 MB, one dynamic port) and
 * times sched_run for its evaluation: the placement rate of the pure
 * scheduler, without Raft, RPC or the plan applier.
 *
 *   schedbench NODES COUNT [RUNS]
 *
 * Prints "nodes=N count=C placed=P seconds=S placements_per_s=R" per run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobspec/jobspec.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/scheduler.h"
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
	sched_response_release(&r);
	schema_release(&job_schema, &job);
	store_destroy(st);
	return placed == (size_t)count ? 0 : 1;
}

int main(int argc, char **argv)
{
	long nodes, count, runs = argc > 3 ? atol(argv[3]) : 3;
	int rc = 0;
	if (argc < 3 || (nodes = atol(argv[1])) <= 0 ||
	    (count = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: schedbench NODES COUNT [RUNS]\n");
		return 2;
	}
	for (long i = 0; i < runs; i++)
		rc |= run_once(nodes, count, (unsigned)i + 1);
	return rc;
}
