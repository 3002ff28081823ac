/* Unit tests for the job model: canonicalisation (Nomad's defaults per job
 * type, merges, services and implied constraints, idempotence, allocation
 * failures) and validation (every problem reported with its path). */
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "structs/job.h"
#include "tests/lib/gen.h"
#include "tests/lib/unit.h"

#define S_   STIME_NS_PER_S
#define MIN_ STIME_NS_PER_MIN
#define H_   STIME_NS_PER_HOUR

/* ---- helpers ------------------------------------------------------------ */

/* Decodes an api-form job from JSON, as a client would submit it. */
static void job_from_json(struct job *job, const char *text)
{
	struct err e;
	int rc;
	err_clear(&e);
	memset(job, 0, sizeof(*job));
	rc = schema_json_decode_str(&job_schema, job, text, strlen(text), "Job",
	                            &e);
	ck_assert_msg(rc == 0, "decode: %s", e.msg);
}

static void job_canon_json(struct job *job, const char *text)
{
	job_from_json(job, text);
	ck_assert_int_eq(job_canonicalize(job), 0);
}

static const char *minimal_job(const char *type)
{
	static char buf[512];
	snprintf(buf, sizeof buf,
	         "{\"ID\":\"web\",%s%s%s\"TaskGroups\":[{\"Name\":\"web\","
	         "\"Tasks\":[{\"Name\":\"server\",\"Driver\":\"raw_exec\"}]}]}",
	         type != NULL ? "\"Type\":\"" : "", type != NULL ? type : "",
	         type != NULL ? "\"," : "");
	return buf;
}

static void ck_opt(struct opt o, int64_t v)
{
	ck_assert_msg(o.set, "option unset, want %lld", (long long)v);
	ck_assert_int_eq(o.v, v);
}

static void ck_restart(const struct restart_policy *rp, int64_t attempts,
                       int64_t interval, int64_t delay)
{
	ck_assert_ptr_nonnull(rp);
	ck_opt(rp->attempts, attempts);
	ck_opt(rp->interval, interval);
	ck_opt(rp->delay, delay);
	ck_assert_str_eq(rp->mode, "fail");
	ck_opt(rp->render_templates, 0);
}

static void ck_full_update(const struct update_strategy *u)
{
	ck_assert_ptr_nonnull(u);
	ck_opt(u->stagger, 30 * S_);
	ck_opt(u->max_parallel, 1);
	ck_assert_str_eq(u->health_check, "checks");
	ck_opt(u->min_healthy_time, 10 * S_);
	ck_opt(u->healthy_deadline, 5 * MIN_);
	ck_opt(u->progress_deadline, 10 * MIN_);
	ck_opt(u->auto_revert, 0);
	ck_opt(u->auto_promote, 0);
	ck_opt(u->canary, 0);
}

static void ck_task_defaults(const struct task *t)
{
	ck_assert_int_eq(t->kill_timeout, 5 * S_);
	ck_assert_ptr_nonnull(t->log_config);
	ck_assert_int_eq(t->log_config->max_files, 10);
	ck_assert_int_eq(t->log_config->max_file_size_mb, 10);
	ck_assert_ptr_nonnull(t->resources);
	ck_assert_int_eq(t->resources->cpu, 100);
	ck_assert_int_eq(t->resources->memory_mb, 300);
	ck_assert_ptr_nonnull(t->identity);
	ck_assert_str_eq(t->identity->name, "default");
	ck_assert_uint_eq(t->identity->audience.n, 1);
	ck_assert_str_eq(t->identity->audience.v[0], "nomadproject.io");
}

static void ck_job_defaults(const struct job *job, const char *type)
{
	ck_assert_str_eq(job->name, "web");
	ck_assert_str_eq(job->namespace, "default");
	ck_assert_str_eq(job->region, "global");
	ck_assert_str_eq(job->type, type);
	ck_assert_int_eq(job->priority, 50);
	ck_assert_uint_eq(job->datacenters.n, 1);
	ck_assert_str_eq(job->datacenters.v[0], "*");
	ck_assert_str_eq(job->node_pool, "default");
	ck_assert_ptr_null(job->reschedule);
	ck_assert_ptr_null(job->migrate);
	ck_assert_ptr_null(job->status);
	ck_assert_uint_eq(job->version, 0);
}

/* The messages of errs joined by '\n', for readable failures. */
static char *errs_text(const struct errlist *l)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < l->n; i++)
		buf_appendf(&b, "%s\n", l->msgs[i]);
	return buf_steal(&b, NULL);
}

static void ck_has_error(const struct errlist *l, const char *msg)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->msgs[i], msg) == 0)
			return;
	char *all = errs_text(l);
	ck_abort_msg("missing error \"%s\"; got:\n%s", msg, all);
	mem_free(all);
}

/* ---- defaults per job type ---------------------------------------------- */

START_TEST(canon_service_defaults)
{
	struct job job;
	job_canon_json(&job, minimal_job(NULL));
	ck_job_defaults(&job, "service");
	/* The stored job keeps only Stagger and MaxParallel at job level. */
	ck_opt(job.update.stagger, 30 * S_);
	ck_opt(job.update.max_parallel, 1);
	ck_opt(job.update.healthy_deadline, 0);
	ck_assert_ptr_null(job.update.health_check);

	struct task_group *tg = &job.task_groups.v[0];
	ck_opt(tg->count, 1);
	ck_restart(tg->restart_policy, 2, 30 * MIN_, 15 * S_);
	ck_assert_ptr_nonnull(tg->reschedule_policy);
	ck_opt(tg->reschedule_policy->attempts, 0);
	ck_opt(tg->reschedule_policy->interval, 0);
	ck_opt(tg->reschedule_policy->delay, 30 * S_);
	ck_assert_str_eq(tg->reschedule_policy->delay_function, "exponential");
	ck_opt(tg->reschedule_policy->max_delay, H_);
	ck_opt(tg->reschedule_policy->unlimited, 1);
	ck_assert_ptr_nonnull(tg->migrate);
	ck_opt(tg->migrate->max_parallel, 1);
	ck_assert_str_eq(tg->migrate->health_check, "checks");
	ck_opt(tg->migrate->min_healthy_time, 10 * S_);
	ck_opt(tg->migrate->healthy_deadline, 5 * MIN_);
	ck_assert_int_eq(tg->ephemeral_disk->size_mb, 300);
	ck_full_update(tg->update);

	ck_task_defaults(&tg->tasks.v[0]);
	ck_restart(tg->tasks.v[0].restart_policy, 2, 30 * MIN_, 15 * S_);
	ck_assert_uint_eq(tg->constraints.n, 0);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(canon_batch_defaults)
{
	struct job job;
	job_canon_json(&job, minimal_job("batch"));
	ck_job_defaults(&job, "batch");
	ck_opt(job.update.max_parallel, 0);
	ck_opt(job.update.stagger, 0);

	struct task_group *tg = &job.task_groups.v[0];
	ck_restart(tg->restart_policy, 3, 24 * H_, 15 * S_);
	ck_opt(tg->reschedule_policy->attempts, 1);
	ck_opt(tg->reschedule_policy->interval, 24 * H_);
	ck_opt(tg->reschedule_policy->delay, 5 * S_);
	ck_assert_str_eq(tg->reschedule_policy->delay_function, "constant");
	ck_opt(tg->reschedule_policy->max_delay, 0);
	ck_opt(tg->reschedule_policy->unlimited, 0);
	ck_assert_ptr_null(tg->update);
	ck_assert_ptr_null(tg->migrate);
	ck_task_defaults(&tg->tasks.v[0]);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(canon_system_defaults)
{
	struct job job;
	job_canon_json(&job, minimal_job("system"));
	ck_job_defaults(&job, "system");
	struct task_group *tg = &job.task_groups.v[0];
	ck_restart(tg->restart_policy, 2, 30 * MIN_, 15 * S_);
	ck_assert_ptr_null(tg->reschedule_policy);
	ck_assert_ptr_null(tg->migrate);
	ck_full_update(tg->update);
	ck_opt(tg->count, 1);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(canon_sysbatch_defaults)
{
	struct job job;
	job_canon_json(&job, minimal_job("sysbatch"));
	ck_job_defaults(&job, "sysbatch");
	struct task_group *tg = &job.task_groups.v[0];
	ck_restart(tg->restart_policy, 3, 24 * H_, 15 * S_);
	ck_assert_ptr_null(tg->reschedule_policy);
	ck_assert_ptr_null(tg->migrate);
	ck_assert_ptr_null(tg->update);
	schema_release(&job_schema, &job);
}
END_TEST

/* The api phase is what the agent does on receipt; the server adds the
 * rest. */
START_TEST(canon_api_phase_only)
{
	struct job job;
	job_from_json(&job, minimal_job(NULL));
	ck_assert_int_eq(job_canonicalize_api(&job), 0);
	ck_assert_str_eq(job.name, "web");
	ck_assert_uint_eq(job.datacenters.n, 0);
	ck_assert_ptr_null(job.node_pool);
	ck_full_update(&job.update);
	ck_assert_ptr_null(job.task_groups.v[0].tasks.v[0].identity);
	ck_assert_int_eq(job.task_groups.v[0].tasks.v[0].kill_timeout, 5 * S_);
	schema_release(&job_schema, &job);
}
END_TEST

/* ---- merges and explicit zeros ------------------------------------------ */

static const char *const merge_job =
    "{\"ID\":\"j\",\"Update\":{\"MaxParallel\":3,\"Canary\":1},"
    "\"Reschedule\":{\"Attempts\":5,\"Interval\":3600000000000},"
    "\"Migrate\":{\"MaxParallel\":2},"
    "\"TaskGroups\":[{\"Name\":\"a\",\"Count\":0,"
    "\"Update\":{\"Canary\":0,\"AutoRevert\":true},"
    "\"ReschedulePolicy\":{\"Unlimited\":false},"
    "\"RestartPolicy\":{\"Attempts\":0,\"Mode\":\"fail\"},"
    "\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\","
    "\"RestartPolicy\":{\"Delay\":1000000000}}]},"
    "{\"Name\":\"b\",\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\"}]}]}";

START_TEST(canon_merges_job_level_blocks)
{
	struct job job;
	job_canon_json(&job, merge_job);
	struct task_group *a = &job.task_groups.v[0],
	                  *b = &job.task_groups.v[1];
	ck_opt(a->count, 0);
	ck_opt(a->update->max_parallel, 3);
	ck_opt(a->update->canary, 0);
	ck_opt(a->update->auto_revert, 1);
	ck_opt(b->update->canary, 1);
	ck_opt(b->update->max_parallel, 3);
	ck_opt(a->reschedule_policy->attempts, 5);
	ck_opt(a->reschedule_policy->interval, H_);
	ck_opt(a->reschedule_policy->unlimited, 0);
	ck_opt(a->reschedule_policy->delay, 30 * S_);
	ck_opt(b->reschedule_policy->unlimited, 1);
	ck_opt(a->migrate->max_parallel, 2);
	ck_assert_str_eq(a->migrate->health_check, "checks");
	ck_opt(a->restart_policy->attempts, 0);
	ck_opt(a->restart_policy->interval, 30 * MIN_);
	ck_opt(a->tasks.v[0].restart_policy->attempts, 0);
	ck_opt(a->tasks.v[0].restart_policy->delay, S_);
	ck_opt(a->restart_policy->delay, 15 * S_);
	/* Job-level Update keeps Stagger and MaxParallel only. */
	ck_opt(job.update.max_parallel, 3);
	ck_opt(job.update.canary, 0);
	ck_assert_ptr_null(job.reschedule);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(canon_scaling_sets_count)
{
	struct job job;
	job_canon_json(&job,
	               "{\"ID\":\"j\",\"TaskGroups\":[{\"Name\":\"g\","
	               "\"Scaling\":{\"Min\":3,\"Max\":9},"
	               "\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\"}]}]}");
	struct task_group *tg = &job.task_groups.v[0];
	ck_opt(tg->count, 3);
	ck_opt(tg->scaling->enabled, 1);
	ck_assert_str_eq(tg->scaling->type, "horizontal");
	ck_assert_str_eq(strmap_get(&tg->scaling->target, "Job"), "j");
	ck_assert_str_eq(strmap_get(&tg->scaling->target, "Group"), "g");
	ck_assert_str_eq(strmap_get(&tg->scaling->target, "Namespace"),
	                 "default");
	schema_release(&job_schema, &job);
}
END_TEST

/* ---- services, templates, artifacts, implied constraints ---------------- */

/* Reference 2.19: the minimal raw_exec job with a native service. */
static const char *const example_job =
    "{\"ID\":\"web\",\"TaskGroups\":[{\"Name\":\"web\","
    "\"Networks\":[{\"DynamicPorts\":[{\"Label\":\"http\"}]}],"
    "\"Services\":[{\"Name\":\"web\",\"PortLabel\":\"http\","
    "\"Provider\":\"nomad\",\"Checks\":[{\"Type\":\"http\",\"Path\":\"/\","
    "\"Interval\":10000000000,\"Timeout\":2000000000}]}],"
    "\"Tasks\":[{\"Name\":\"server\",\"Driver\":\"raw_exec\","
    "\"Config\":{\"command\":\"/usr/bin/python3\",\"args\":[\"-m\","
    "\"http.server\",\"${NOMAD_PORT_http}\"]},"
    "\"Resources\":{\"CPU\":100,\"MemoryMB\":64}}]}]}";

static void ck_constraint(const struct constraint *c, const char *l,
                          const char *op, const char *r)
{
	ck_assert_str_eq(c->ltarget, l);
	ck_assert_str_eq(c->operand, op);
	if (r == NULL)
		ck_assert(c->rtarget == NULL || c->rtarget[0] == '\0');
	else
		ck_assert_str_eq(c->rtarget, r);
}

START_TEST(canon_native_service_example)
{
	struct job job;
	job_canon_json(&job, example_job);
	struct task_group *tg = &job.task_groups.v[0];
	struct service *s = &tg->services.v[0];
	ck_assert_str_eq(s->address_mode, "auto");
	ck_assert_str_eq(s->on_update, "require_healthy");
	ck_assert_str_eq(s->namespace, "default");
	ck_assert_ptr_null(s->task_name);
	struct service_check *c = &s->checks.v[0];
	ck_assert_str_eq(c->name, "service: \"web\" check");
	ck_assert_str_eq(c->on_update, "require_healthy");
	ck_assert_ptr_null(c->method);
	ck_assert_ptr_null(c->protocol);
	ck_assert_uint_eq(tg->constraints.n, 2);
	ck_constraint(&tg->constraints.v[0], "${attr.nomad.service_discovery}",
	              "=", "true");
	ck_constraint(&tg->constraints.v[1], "${attr.nomad.version}", "semver",
	              ">= 1.4.0");
	ck_assert_str_eq(tg->networks.v[0].dynamic_ports.v[0].host_network,
	                 "default");
	ck_assert_int_eq(tg->tasks.v[0].resources->memory_mb, 64);
	schema_release(&job_schema, &job);
}
END_TEST

static const char *const services_job =
    "{\"ID\":\"api\",\"TaskGroups\":[{\"Name\":\"g\","
    "\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\","
    "\"KillSignal\":\"SIGINT\",\"Services\":[{\"Name\":\"${BASE}-x\","
    "\"CheckRestart\":{\"Limit\":3},\"Checks\":[{\"Type\":\"tcp\","
    "\"Interval\":1,\"Timeout\":1,\"TaskName\":\"other\"}]},{}],"
    "\"Templates\":[{\"DestPath\":\"local/a\",\"ChangeMode\":"
    "\"signal\"},{\"DestPath\":\"local/b\",\"ChangeMode\":\"signal\","
    "\"ChangeSignal\":\"sigusr1\"}]}]}]}";

START_TEST(canon_task_services_and_signals)
{
	struct job job;
	job_canon_json(&job, services_job);
	struct task_group *tg = &job.task_groups.v[0];
	struct task *t = &tg->tasks.v[0];
	struct service *s = &t->services.v[0];
	ck_assert_str_eq(s->name, "api-g-t-x");
	ck_assert_str_eq(s->task_name, "t");
	ck_assert_str_eq(s->provider, "consul");
	ck_assert_ptr_null(s->check_restart);
	ck_assert_int_eq(s->checks.v[0].check_restart->limit, 3);
	ck_opt(s->checks.v[0].check_restart->grace, S_);
	ck_assert_str_eq(s->checks.v[0].task_name, "t");
	ck_assert_str_eq(s->checks.v[0].name, "service: \"api-g-t-x\" check");
	ck_assert_str_eq(t->services.v[1].name, "api-g-t");
	ck_assert_str_eq(t->templates.v[0].change_signal, "SIGHUP");
	ck_assert_str_eq(t->templates.v[1].change_signal, "SIGUSR1");
	ck_assert_uint_eq(tg->constraints.n, 1);
	ck_constraint(&tg->constraints.v[0], "${attr.os.signals}",
	              "set_contains", "SIGHUP,SIGINT,SIGUSR1");
	ck_assert_uint_eq(t->constraints.n, 1);
	ck_constraint(&t->constraints.v[0], "${attr.consul.version}", "semver",
	              ">= 1.8.0");
	schema_release(&job_schema, &job);
}
END_TEST

static const char *const misc_job =
    "{\"ID\":\"j\",\"Spreads\":[{\"Attribute\":\"${node.datacenter}\"}],"
    "\"Constraints\":[{\"LTarget\":\"${attr.kernel.name}\","
    "\"RTarget\":\"linux\"}],"
    "\"TaskGroups\":[{\"Name\":\"g\",\"Networks\":[{\"Mode\":\"bridge\"}],"
    "\"Disconnect\":{\"LostAfter\":60000000000},"
    "\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\","
    "\"Templates\":[{\"EmbeddedTmpl\":\"x\",\"DestPath\":\"local/x\","
    "\"Splay\":0}],\"Artifacts\":[{\"GetterSource\":"
    "\"https://example.com/a/b.tgz\",\"GetterMode\":\"file\"},"
    "{\"GetterSource\":\"https://example.com/c\"}],"
    "\"Identities\":[{\"Name\":\"vault\",\"Audience\":[\"v\"],"
    "\"TTL\":3600000000000}],"
    "\"VolumeMounts\":[{\"Volume\":\"v\"}]}]}]}";

START_TEST(canon_templates_artifacts_misc)
{
	struct job job;
	job_canon_json(&job, misc_job);
	ck_assert_int_eq(job.spreads.v[0].weight, 50);
	ck_assert_str_eq(job.constraints.v[0].operand, "=");
	struct task_group *tg = &job.task_groups.v[0];
	struct task *t = &tg->tasks.v[0];
	struct task_template *tm = &t->templates.v[0];
	ck_assert_str_eq(tm->change_mode, "restart");
	ck_opt(tm->splay, 0);
	ck_assert_str_eq(tm->perms, "0644");
	ck_assert_str_eq(tm->left_delim, "{{");
	ck_assert_str_eq(tm->right_delim, "}}");
	ck_assert_ptr_null(tm->change_signal);
	ck_assert_str_eq(t->artifacts.v[0].relative_dest, "local/b.tgz");
	ck_assert_str_eq(t->artifacts.v[1].getter_mode, "any");
	ck_assert_str_eq(t->artifacts.v[1].relative_dest, "local/");
	ck_assert_str_eq(t->volume_mounts.v[0].propagation_mode, "private");
	ck_opt(tg->disconnect->replace, 1);
	ck_assert_str_eq(tg->disconnect->reconcile, "best_score");
	ck_assert_str_eq(t->identity->name, "default");
	ck_assert_uint_eq(t->identities.n, 1);
	/* 5 CNI plugins, then the workload identity version. */
	ck_assert_uint_eq(tg->constraints.n, 6);
	ck_constraint(&tg->constraints.v[0],
	              "${attr.plugins.cni.version.bridge}", "semver",
	              ">= 0.4.0");
	ck_constraint(&tg->constraints.v[4],
	              "${attr.plugins.cni.version.portmap}", "semver",
	              ">= 0.4.0");
	ck_constraint(&tg->constraints.v[5], "${attr.nomad.version}", "semver",
	              ">= 1.7.0-a");
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(canon_default_identity_moves)
{
	struct job job;
	job_canon_json(&job, "{\"ID\":\"j\",\"TaskGroups\":[{\"Name\":\"g\","
	                     "\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\","
	                     "\"Identities\":[{\"Env\":true,\"Audience\":"
	                     "[\"x\"]},{\"Name\":\"other\"}]}]}]}");
	struct task *t = &job.task_groups.v[0].tasks.v[0];
	ck_assert(t->identity->env);
	ck_assert_str_eq(t->identity->audience.v[0], "nomadproject.io");
	ck_assert_uint_eq(t->identities.n, 1);
	ck_assert_str_eq(t->identities.v[0].name, "other");
	schema_release(&job_schema, &job);
}
END_TEST

/* One job with many mistakes: every one is reported with its path. */
static const char *const bad_job =
    "{\"ID\":\"bad\",\"Type\":\"system\",\"TaskGroups\":["
    "{\"Name\":\"web\",\"Count\":-1,"
    "\"Networks\":[{\"ReservedPorts\":[{\"Label\":\"http\","
    "\"Value\":70000},{\"Label\":\"http\",\"Value\":80}]}],"
    "\"Spreads\":[{\"Attribute\":\"a\"}],"
    "\"Tasks\":[{\"Name\":\"server\",\"Resources\":{\"CPU\":-5,"
    "\"MemoryMB\":5},\"Templates\":[{\"EmbeddedTmpl\":\"x\"}],"
    "\"Artifacts\":[{\"RelativeDest\":\"../../x\"}],"
    "\"Services\":[{\"Name\":\"svc\",\"Provider\":\"nomad\","
    "\"PortLabel\":\"nope\",\"Checks\":[{\"Type\":\"script\"}]}]},"
    "{\"Name\":\"server\",\"Driver\":\"d\"}]},"
    "{\"Name\":\"web\",\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\"}]},"
    "{\"Name\":\"two\",\"Count\":2,\"Tasks\":[{\"Name\":\"t\","
    "\"Driver\":\"d\"}]}]}";

/* ---- idempotence -------------------------------------------------------- */

static const char *const idem_jobs[] = {
    "{\"ID\":\"a\"}",
    "{\"ID\":\"a\",\"Type\":\"batch\",\"TaskGroups\":[{\"Name\":\"g\","
    "\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\"}]}]}",
    "{\"ID\":\"a\",\"Type\":\"system\",\"TaskGroups\":[{\"Name\":\"g\","
    "\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\"}]}]}",
    "{\"ID\":\"a\",\"Type\":\"sysbatch\",\"Periodic\":{\"Spec\":\"* * * * *\"},"
    "\"TaskGroups\":[{\"Name\":\"g\",\"Tasks\":[{\"Name\":\"t\"}]}]}",
    "{\"ID\":\"a\",\"Type\":\"nonsense\",\"TaskGroups\":[{\"Name\":\"g\","
    "\"ReschedulePolicy\":{},\"Tasks\":[{}]}]}",
    "{\"ID\":\"a\",\"Update\":{\"MaxParallel\":0},\"TaskGroups\":[{\"Name\":"
    "\"g\",\"Tasks\":[{\"Name\":\"t\",\"Driver\":\"d\"}]}]}",
};

static void ck_idempotent(const char *text)
{
	struct job once, twice = {0}, again;
	struct err e;
	struct buf b;
	job_canon_json(&once, text);
	ck_assert_int_eq(schema_copy(&job_schema, &twice, &once), 0);
	ck_assert_int_eq(job_canonicalize(&twice), 0);
	ck_assert_msg(schema_equal(&job_schema, &once, &twice),
	              "second canonicalisation changed %s", text);
	/* Re-submitting the stored JSON (what `job inspect` prints). */
	buf_init(&b);
	ck_assert_int_eq(schema_json_encode_buf(&job_schema, &once, 0, &b), 0);
	memset(&again, 0, sizeof(again));
	err_clear(&e);
	ck_assert_int_eq(schema_json_decode_str(&job_schema, &again, b.data,
	                                        b.len, "Job", &e),
	                 0);
	ck_assert_int_eq(job_canonicalize(&again), 0);
	ck_assert_msg(schema_equal(&job_schema, &once, &again),
	              "re-submission changed %s", text);
	buf_release(&b);
	schema_release(&job_schema, &again);
	schema_release(&job_schema, &twice);
	schema_release(&job_schema, &once);
}

START_TEST(canon_is_idempotent)
{
	for (size_t i = 0; i < sizeof idem_jobs / sizeof idem_jobs[0]; i++)
		ck_idempotent(idem_jobs[i]);
	ck_idempotent(example_job);
	ck_idempotent(minimal_job(NULL));
	ck_idempotent(services_job);
	ck_idempotent(misc_job);
	ck_idempotent(merge_job);
	ck_idempotent(bad_job);
}
END_TEST

/* ---- allocation failures ------------------------------------------------ */

START_TEST(canon_allocation_failures_are_clean)
{
	struct job job;
	int rc;
	for (int64_t i = 0;; i++) {
		job_from_json(&job, example_job);
		mem_fault_set(i, 1);
		rc = job_canonicalize(&job);
		mem_fault_reset();
		schema_release(&job_schema, &job);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, ERR_NOMEM);
		ck_assert_msg(i < 10000, "never succeeded");
	}
}
END_TEST

/* Random (mostly invalid) jobs: canonicalisation and validation never
 * crash or leak, also when allocations fail. */
START_TEST(canon_random_jobs_are_safe)
{
	struct gen_rng r = {unit_seed()};
	for (int k = 0; k < 40; k++) {
		struct job job = {0};
		struct errlist errs;
		uint64_t fail_at = gen_next(&r) % 400;
		gen_random(&job_schema, &job, &r, 3);
		if (k % 2 == 1)
			mem_fault_set((int64_t)fail_at, 1);
		int rc = job_canonicalize(&job);
		mem_fault_reset();
		ck_assert(rc == 0 || rc == ERR_NOMEM);
		errlist_init(&errs);
		(void)job_validate(&job, &errs);
		errlist_release(&errs);
		schema_release(&job_schema, &job);
	}
}
END_TEST

/* ---- validation --------------------------------------------------------- */

START_TEST(validate_good_job)
{
	struct job job;
	struct errlist errs;
	errlist_init(&errs);
	job_canon_json(&job, example_job);
	int rc = job_validate(&job, &errs);
	char *all = errs_text(&errs);
	ck_assert_msg(rc == ERR_OK, "unexpected errors:\n%s", all);
	mem_free(all);
	errlist_release(&errs);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(validate_job_level)
{
	struct job job;
	struct errlist errs;
	errlist_init(&errs);
	job_canon_json(&job, "{\"ID\":\"my job\",\"Type\":\"weird\","
	                     "\"Priority\":101,\"Datacenters\":[\"\"],"
	                     "\"Constraints\":[{\"LTarget\":\"${foo}\","
	                     "\"RTarget\":\"x\",\"Operand\":\"~\"}]}");
	ck_assert_int_eq(job_validate(&job, &errs), ERR_VALIDATE);
	ck_has_error(&errs, "job ID contains a space");
	ck_has_error(&errs, "invalid job type: \"weird\"");
	ck_has_error(&errs, "job priority must be between [1, 100]");
	ck_has_error(&errs, "job datacenter must be non-empty string");
	ck_has_error(&errs, "missing job task groups");
	ck_has_error(&errs, "constraint 1: unknown constraint type \"~\"");
	ck_has_error(&errs, "constraint 1: unsupported attribute \"${foo}\"");
	errlist_release(&errs);
	schema_release(&job_schema, &job);

	memset(&job, 0, sizeof(job));
	errlist_init(&errs);
	ck_assert_int_eq(job_validate(&job, &errs), ERR_VALIDATE);
	ck_has_error(&errs, "missing job ID");
	ck_has_error(&errs, "missing job type");
	ck_has_error(&errs, "missing job region");
	errlist_release(&errs);
}
END_TEST

START_TEST(validate_reports_every_problem)
{
	static const char *const want[] = {
	    "group \"web\": count must be >= 0",
	    "group \"web\": system jobs may not have a spread block",
	    "group \"web\": network: port \"http\" (70000) must be between 0 "
	    "and 65535",
	    "group \"web\": network: duplicate port label \"http\"",
	    "group \"web\": task \"server\": missing driver",
	    "group \"web\": task \"server\": resources: minimum CPU value is "
	    "1; got -5",
	    "group \"web\": task \"server\": resources: minimum MemoryMB "
	    "value is 10; got 5",
	    "group \"web\": task \"server\": template 1: must specify a "
	    "destination for the template",
	    "group \"web\": task \"server\": artifact 1: source must be "
	    "specified",
	    "group \"web\": task \"server\": artifact 1: destination escapes "
	    "allocation directory",
	    "group \"web\": task \"server\": service \"svc\": check 1: "
	    "invalid check type (\"script\"), must be one of tcp, http",
	    "group \"web\": task \"server\": service \"svc\": check 1: "
	    "missing required value interval. interval cannot be less than "
	    "1s",
	    "group \"web\": task \"server\": service \"svc\": check 1: "
	    "missing required value timeout. timeout cannot be less than 1s",
	    "group \"web\": task \"server\": service \"svc\": port label "
	    "\"nope\" does not exist",
	    "group \"web\": duplicate task \"server\"",
	    "duplicate group \"web\"",
	    "group \"two\": count 2 cannot exceed 1 with the system "
	    "scheduler",
	};
	struct job job;
	struct errlist errs;
	errlist_init(&errs);
	job_canon_json(&job, bad_job);
	ck_assert_int_eq(job_validate(&job, &errs), ERR_VALIDATE);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_has_error(&errs, want[i]);
	errlist_release(&errs);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(validate_policies_and_blocks)
{
	struct job job;
	struct errlist errs;
	errlist_init(&errs);
	job_canon_json(
	    &job,
	    "{\"ID\":\"j\",\"Type\":\"batch\",\"Periodic\":{},"
	    "\"TaskGroups\":[{\"Name\":\"g\",\"Update\":{},"
	    "\"Migrate\":{},\"RestartPolicy\":{\"Mode\":\"bogus\","
	    "\"Interval\":1000000000},\"ReschedulePolicy\":"
	    "{\"DelayFunction\":\"linear\",\"Delay\":1000000000},"
	    "\"EphemeralDisk\":{\"SizeMB\":5},"
	    "\"Affinities\":[{\"LTarget\":\"${node.class}\",\"RTarget\":\"x\","
	    "\"Weight\":200}],"
	    "\"Tasks\":[{\"Name\":\"alloc\",\"Driver\":\"d\","
	    "\"Lifecycle\":{\"Hook\":\"sometime\"},"
	    "\"Constraints\":[{\"Operand\":\"distinct_hosts\"}],"
	    "\"VolumeMounts\":[{\"Volume\":\"missing\"}]}]}]}");
	ck_assert_int_eq(job_validate(&job, &errs), ERR_VALIDATE);
	ck_has_error(&errs, "periodic: must specify a spec");
	ck_has_error(&errs, "group \"g\": restart: unsupported restart mode: "
	                    "\"bogus\"");
	ck_has_error(&errs, "group \"g\": restart: interval can not be less "
	                    "than 5s (got 1s)");
	ck_has_error(&errs, "group \"g\": reschedule: delay cannot be less "
	                    "than 5s (got 1s)");
	ck_has_error(&errs, "group \"g\": reschedule: invalid delay function "
	                    "\"linear\", must be one of [\"constant\" "
	                    "\"exponential\" \"fibonacci\"]");
	ck_has_error(&errs, "group \"g\": job type \"batch\" does not allow "
	                    "update block");
	ck_has_error(&errs, "group \"g\": job type \"batch\" does not allow "
	                    "migrate block");
	ck_has_error(&errs, "group \"g\": minimum DiskMB value is 10; got 5");
	ck_has_error(&errs, "group \"g\": affinity 1: affinity weight must be "
	                    "within the range [-100,100]");
	ck_has_error(&errs, "group \"g\": task \"alloc\": task cannot be "
	                    "named \"alloc\"");
	ck_has_error(&errs, "group \"g\": task \"alloc\": lifecycle: invalid "
	                    "hook: sometime");
	ck_has_error(&errs, "group \"g\": must have at least one main task");
	ck_has_error(&errs, "group \"g\": task \"alloc\": constraint 1: "
	                    "disallowed operand at task level: distinct_hosts");
	ck_has_error(&errs, "group \"g\": task \"alloc\": volume_mount 1 "
	                    "references undefined volume \"missing\"");
	ck_has_error(&errs, "group \"g\": task \"alloc\": log storage (100 MB) "
	                    "must be less than requested disk capacity (5 MB)");
	errlist_release(&errs);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(validate_spreads_and_constraints)
{
	struct job job;
	struct errlist errs;
	errlist_init(&errs);
	job_canon_json(
	    &job,
	    "{\"ID\":\"j\",\"Spreads\":[{\"Attribute\":\"${node.datacenter}\","
	    "\"SpreadTarget\":[{\"Value\":\"a\",\"Percent\":70},"
	    "{\"Value\":\"a\",\"Percent\":40}]}],"
	    "\"Constraints\":[{\"LTarget\":\"${attr.x}\",\"Operand\":"
	    "\"regexp\","
	    "\"RTarget\":\"(\"},{\"LTarget\":\"${attr.v}\",\"Operand\":"
	    "\"semver\",\"RTarget\":\">= 1.2.x\"},{\"LTarget\":\"${attr.v}\","
	    "\"Operand\":\"version\",\"RTarget\":\">= 1.2, < 2.0.0-beta\"},"
	    "{\"LTarget\":\"${attr.y}\",\"Operand\":\"is_set\","
	    "\"RTarget\":\"z\"},{\"Operand\":\"distinct_property\","
	    "\"LTarget\":\"${meta.rack}\",\"RTarget\":\"0\"}],"
	    "\"TaskGroups\":[{\"Name\":\"g\",\"Tasks\":[{\"Name\":\"t\","
	    "\"Driver\":\"d\"}]}]}");
	ck_assert_int_eq(job_validate(&job, &errs), ERR_VALIDATE);
	ck_has_error(&errs, "spread 1: spread target value \"a\" already "
	                    "defined");
	ck_has_error(&errs, "spread 1: sum of spread target percentages must "
	                    "not be greater than 100%; got 110%");
	ck_has_error(&errs, "constraint 2: semver constraint is invalid: "
	                    "malformed constraint: \">= 1.2.x\"");
	ck_has_error(&errs, "constraint 4: operator \"is_set\" does not "
	                    "support an RTarget");
	ck_has_error(&errs, "constraint 5: distinct property must have an "
	                    "allowed count of 1 or greater: 0 < 1");
	for (size_t i = 0; i < errs.n; i++) {
		ck_assert_msg(strncmp(errs.msgs[i], "constraint 3", 12) != 0,
		              "valid version constraint rejected: %s",
		              errs.msgs[i]);
		ck_assert_msg(strncmp(errs.msgs[i], "group", 5) != 0,
		              "group rejected: %s", errs.msgs[i]);
	}
	errlist_release(&errs);
	schema_release(&job_schema, &job);
}
END_TEST

/* ---- helpers ------------------------------------------------------------ */

START_TEST(lookups_and_predicates)
{
	struct job job;
	job_canon_json(&job, example_job);
	ck_assert_ptr_eq(job_lookup_group(&job, "web"), &job.task_groups.v[0]);
	ck_assert_ptr_null(job_lookup_group(&job, "nope"));
	ck_assert_ptr_nonnull(
	    task_group_lookup_task(&job.task_groups.v[0], "server"));
	ck_assert(!job_is_periodic(&job));
	ck_assert(!job_is_parameterized(&job));
	ck_assert_int_eq(job_total_count(&job), 1);
	ck_assert(task_is_main(&job.task_groups.v[0].tasks.v[0]));
	struct port p = {.value = 8080, .to = -1};
	ck_assert_int_eq(port_effective_to(&p), 8080);
	p.to = 80;
	ck_assert_int_eq(port_effective_to(&p), 80);
	struct job *dup = job_dup(&job);
	ck_assert_ptr_nonnull(dup);
	ck_assert(schema_equal(&job_schema, dup, &job));
	job_free(dup);
	schema_release(&job_schema, &job);
}
END_TEST

static Suite *job_suite(void)
{
	Suite *s = suite_create("job");
	TCase *tc = unit_tcase(s, "canonicalize", 30);
	tcase_add_test(tc, canon_service_defaults);
	tcase_add_test(tc, canon_batch_defaults);
	tcase_add_test(tc, canon_system_defaults);
	tcase_add_test(tc, canon_sysbatch_defaults);
	tcase_add_test(tc, canon_api_phase_only);
	tcase_add_test(tc, canon_merges_job_level_blocks);
	tcase_add_test(tc, canon_scaling_sets_count);
	tcase_add_test(tc, canon_native_service_example);
	tcase_add_test(tc, canon_task_services_and_signals);
	tcase_add_test(tc, canon_templates_artifacts_misc);
	tcase_add_test(tc, canon_default_identity_moves);
	tcase_add_test(tc, canon_is_idempotent);
	tcase_add_test(tc, canon_allocation_failures_are_clean);
	tcase_add_test(tc, canon_random_jobs_are_safe);
	tc = unit_tcase(s, "validate", 30);
	tcase_add_test(tc, validate_good_job);
	tcase_add_test(tc, validate_job_level);
	tcase_add_test(tc, validate_reports_every_problem);
	tcase_add_test(tc, validate_policies_and_blocks);
	tcase_add_test(tc, validate_spreads_and_constraints);
	tcase_add_test(tc, lookups_and_predicates);
	return s;
}

UNIT_MAIN(job_suite)
