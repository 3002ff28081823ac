/* tests/lib/sched_fixture.h: mock nodes, jobs and allocations in a real
 * store, and a one-call evaluation harness, for scheduler tests.
 *
 * Everything goes through lib/mem.h. Allocation failures abort the test
 * (ck_assert): these are test helpers. */
#ifndef STEPPE_TESTS_SCHED_FIXTURE_H
#define STEPPE_TESTS_SCHED_FIXTURE_H

#include <stdint.h>

#include "scheduler/plan.h"
#include "scheduler/sched.h"
#include "scheduler/select.h"
#include "state/state.h"
#include "structs/structs.h"

/* A new empty store (store_destroy it). */
struct store *sfx_store(void);

/* A heap node, ready and eligible, in datacenter dc and pool "default":
 * Name = id, 4000 MHz, 8192 MB, 100000 MB disk, drivers "docker" and
 * "exec" detected and healthy, attributes kernel.name=linux,
 * cpu.arch=amd64, nomad.version=1.9.0, os.name=ubuntu, a host network
 * "eth0" (mode host) with one address (alias "default", a unique
 * 10.x.y.z) and the matching legacy NodeResources.Networks entry
 * (CIDR <ip>/32, 1000 MBits), ComputedClass "v1:<dc>". node_free it or
 * hand it to sfx_put_node. */
struct node *sfx_node(const char *id, const char *dc);
/* The node's only host address. */
const char *sfx_node_ip(const struct node *n);
void sfx_attr(struct node *n, const char *key, const char *val);
void sfx_meta(struct node *n, const char *key, const char *val);
void sfx_set(char **field, const char *val);
/* Upserts a copy of n and frees n. */
void sfx_put_node(struct store *s, struct node *n);

/* A heap job decoded from Nomad-style JSON and canonicalised (job_free). */
struct job *sfx_job(const char *json);
/* Upserts a copy of the job (allocation Job fields are not needed). */
void sfx_put_job(struct store *s, const struct job *job);

/* A heap allocation of job's group tg on node_id, running, with one task
 * "server" using cpu MHz and mem MB and the group's ephemeral disk. id
 * NULL: a fresh one. */
struct allocation *sfx_alloc(const struct job *job, const char *tg,
                             const char *node_id, const char *id, int64_t cpu,
                             int64_t mem);
/* Upserts a copy of a and frees a. */
void sfx_put_alloc(struct store *s, struct allocation *a);

/* One evaluation: plan, context and stack over the store's state. */
struct sfx_eval {
	struct plan *plan;
	struct sched_ctx ctx;
	struct select_stack *st;
	const struct job *job;
	int placed;
};

void sfx_eval_start(struct sfx_eval *e, const struct store *s,
                    const struct job *job, enum select_mode mode,
                    uint64_t seed);
/* As sfx_eval_start, with a scheduler configuration. */
void sfx_eval_start_cfg(struct sfx_eval *e, const struct store *s,
                        const struct job *job, enum select_mode mode,
                        uint64_t seed, const struct sched_config *cfg);
void sfx_eval_end(struct sfx_eval *e);

/* Selects a node for group tg and, when one is found, places an
 * allocation there (named job.tg[n], the n-th placement of this eval).
 * res (may be NULL) receives the select result (select_result_release
 * it). Returns the chosen node or NULL. */
const struct node *sfx_place(struct sfx_eval *e, const char *tg,
                             struct select_result *res);

/* Number of placements of the plan on node_id. */
size_t sfx_placed_on(const struct plan *p, const char *node_id);

#endif
