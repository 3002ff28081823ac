/* tests/lib/sched_harness.h: a scheduler harness around a real store (Nomad's
 * scheduler Harness): mock nodes, jobs registered from HCL through the
 * jobspec parser, evaluations run through sched_run, and a recording
 * planner that applies every plan to the store in full and keeps every
 * response, so a test can run several evaluations in sequence.
 *
 * Allocation failures abort the test (ck_assert): these are test helpers.
 * Pointers into the store (const results) are valid until the next write
 * through the harness. */
#ifndef STEPPE_TESTS_SCHED_HARNESS_H
#define STEPPE_TESTS_SCHED_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/scheduler.h"
#include "state/state.h"
#include "structs/structs.h"

/* 2024-01-01T00:00:00Z, the harness's initial clock. */
#define HARNESS_EPOCH_NS (INT64_C(1704067200) * INT64_C(1000000000))

/* One sched_run and what the harness did with it. */
struct harness_run {
	struct evaluation eval; /* the evaluation as it was run (a copy) */
	struct sched_response resp;
	bool applied; /* the plan was written to the store */
};

struct harness {
	struct store *store;
	uint64_t index; /* the last index written */
	int64_t now;    /* the clock passed to sched_run (unix ns) */
	uint64_t seed;  /* the base seed; run k uses seed + k */
	struct sched_config config;
	const char *region;
	/* Every run, in order (owned). */
	struct harness_run **runs;
	size_t nruns;
	/* Every evaluation written (updates and creations), in order. */
	struct evaluation_list evals;
	/* Evaluations handed out by harness_eval (owned copies). */
	struct evaluation **made;
	size_t nmade;
};

/* A harness with an empty store, clock HARNESS_EPOCH_NS and the given
 * seed. harness_destroy it. */
struct harness *harness_create(uint64_t seed);
/* The same with seed unit_seed() (printed, so a failure can be
 * replayed). */
struct harness *harness_create_random(void);
void harness_destroy(struct harness *h);

/* ---- nodes --------------------------------------------------------------- */

/* A heap node named and identified id: datacenter "dc1", pool "default",
 * status "ready", eligible, cpu_mhz MHz, mem_mb MB, 100 GB disk,
 * attributes kernel.name=linux, os.name=ubuntu, cpu.arch=amd64,
 * driver.raw_exec=1, unique.hostname=id, driver raw_exec detected and
 * healthy, a host network (alias "default", a unique 10.x.y.z),
 * ComputedClass "v1:<dc>:<node class>". node_free it or harness_put_node
 * it. */
struct node *harness_node_new(const char *id, int64_t cpu_mhz, int64_t mem_mb);
/* Upserts a copy of n (ComputedClass recomputed from datacenter, class,
 * attributes kernel.name/cpu.arch and meta) and frees n. */
void harness_put_node(struct harness *h, struct node *n);
/* harness_node_new + harness_put_node; the store's node. */
const struct node *harness_node(struct harness *h, const char *id,
                                int64_t cpu_mhz, int64_t mem_mb);
/* A heap copy of the stored node id, to change and harness_put_node. */
struct node *harness_node_edit(struct harness *h, const char *id);
void harness_node_set_status(struct harness *h, const char *id,
                             const char *status);
void harness_node_attr(struct node *n, const char *key, const char *val);
void harness_node_meta(struct node *n, const char *key, const char *val);
void harness_set_str(char **field, const char *val);

/* ---- jobs ---------------------------------------------------------------- */

/* Parses an HCL job file and canonicalises it (job_canonicalize); a
 * heap job (job_free). */
struct job *harness_job_parse(const char *hcl);
/* Parses, canonicalises and registers a job; the store's job. */
const struct job *harness_register(struct harness *h, const char *hcl);
/* Registers a job (a copy); the store's job. */
const struct job *harness_put_job(struct harness *h, const struct job *job);
/* Marks the stored job stopped (a new version, as `job stop` does). */
void harness_stop_job(struct harness *h, const char *job_id);

/* ---- evaluations --------------------------------------------------------- */

/* A pending evaluation for the stored job job_id (namespace "default"),
 * its type and priority, trigger as TriggeredBy, written to the store.
 * Owned by the harness. */
const struct evaluation *harness_eval(struct harness *h, const char *job_id,
                                      const char *trigger);
/* Runs ev (e.g. from harness_eval, or a stored blocked or follow-up
 * evaluation) through sched_run, records the response and, unless it is
 * a dry run, applies the plan in full, writes the evaluation update and
 * the new evaluations. The run is owned by the harness. */
const struct harness_run *
harness_run(struct harness *h, const struct evaluation *ev, bool dry_run);
/* harness_eval + harness_run. */
const struct harness_run *harness_run_job(struct harness *h, const char *job_id,
                                          const char *trigger);
/* The evaluation stored under id (NULL if none). */
const struct evaluation *harness_stored_eval(struct harness *h, const char *id);

/* ---- applying and reading ------------------------------------------------ */

/* The recording planner's commit: writes every placement (with Job = job,
 * ModifyTime = now) and every stop and preemption (over the stored
 * allocation, keeping its Job) of p to the store at a new index. */
void harness_apply_plan(struct harness *h, const struct plan *p,
                        const struct job *job);

/* The job's allocations in the store (all versions, terminal too), into
 * a mem_malloc'd array the caller frees; *n set. */
const struct allocation **harness_allocs(struct harness *h, const char *job_id,
                                         size_t *n);
/* How many allocations of the job are not terminal (server or client). */
size_t harness_count_live(struct harness *h, const char *job_id);
/* Live allocations of the job on node_id. */
size_t harness_count_live_on(struct harness *h, const char *job_id,
                             const char *node_id);
/* The live allocation of the job named name ("job.group[i]"), NULL if
 * none (the first one in ID order if several). */
const struct allocation *
harness_live_named(struct harness *h, const char *job_id, const char *name);

/* Client status updates: status ("running", "complete", "failed"...), and
 * for "failed"/"complete" every task dead with FinishedAt = finished_at
 * (failed: Failed true). */
void harness_alloc_client(struct harness *h, const char *alloc_id,
                          const char *status, int64_t finished_at);

/* Placements of plan p on node_id. */
size_t harness_plan_places_on(const struct plan *p, const char *node_id);

#endif
