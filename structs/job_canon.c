/* structs/job_canon.c: fills Nomad's defaults into a submitted job.
 *
 * Two phases, as in Nomad. The api phase (job_canonicalize_api) is what the
 * agent's api.Job.Canonicalize does to the sparse job a client sends; the
 * server phase (job_canonicalize) adds the api-to-server conversion, the
 * server's structs.Job.Canonicalize and the register endpoint's mutators
 * (implied constraints, node pool). Both are idempotent: a stored job run
 * through them again is unchanged, which matters because clients re-submit
 * what `job inspect` printed. */
#include "structs/job.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/mem.h"
#include "lib/stime.h"

#define CANON_TRY(expr)                   \
	do {                              \
		int canon_rc_ = (expr);   \
		if (canon_rc_ != 0)       \
			return canon_rc_; \
	} while (0)

/* ---- small helpers ------------------------------------------------------ */

static bool canon_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* s, or "" for NULL: names may be missing in a job not yet validated. */
static const char *canon_s(const char *s)
{
	return s != NULL ? s : "";
}

static bool canon_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* Replaces *s with a copy of v (v may be *s itself or NULL). */
static int canon_str_set(char **s, const char *v)
{
	char *d = NULL;
	if (v != NULL && (d = mem_strdup(v)) == NULL)
		return ERR_NOMEM;
	mem_free(*s);
	*s = d;
	return 0;
}

static int canon_str_default(char **s, const char *def)
{
	return canon_empty(*s) ? canon_str_set(s, def) : 0;
}

/* Takes ownership of a freshly built string (NULL means oom). */
static int canon_str_take(char **s, char *v)
{
	if (v == NULL)
		return ERR_NOMEM;
	mem_free(*s);
	*s = v;
	return 0;
}

static void canon_opt_default(struct opt *o, int64_t v)
{
	if (!o->set) {
		o->set = true;
		o->v = v;
	}
}

static void canon_opt_override(struct opt *dst, const struct opt *src)
{
	if (src->set)
		*dst = *src;
}

static int canon_str_override(char **dst, const char *src)
{
	return canon_empty(src) ? 0 : canon_str_set(dst, src);
}

/* Allocates a zeroed *pp of size bytes when it is NULL. */
static int canon_ensure(void **pp, size_t size)
{
	if (*pp == NULL && (*pp = mem_calloc(1, size)) == NULL)
		return ERR_NOMEM;
	return 0;
}

/* Frees a heap object of schema s held in *pp and sets it NULL. */
static void canon_drop(const struct schema *s, void **pp)
{
	if (*pp != NULL) {
		schema_release(s, *pp);
		mem_free(*pp);
		*pp = NULL;
	}
}

/* Heap copy of src into *pp, replacing what was there. */
static int canon_dup_into(const struct schema *s, void **pp, const void *src)
{
	void *d = mem_calloc(1, s->size);
	if (d == NULL)
		return ERR_NOMEM;
	if (schema_copy(s, d, src) != 0) {
		mem_free(d);
		return ERR_NOMEM;
	}
	canon_drop(s, pp);
	*pp = d;
	return 0;
}

static int canon_upper(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		*s = (char)toupper((unsigned char)*s);
	return 0;
}

static bool canon_type_is(const struct job *job, const char *t)
{
	return canon_eq(job->type, t);
}

/* ---- defaults tables (reference 2.8) ------------------------------------ */

static int canon_restart_default(const struct job *job,
                                 struct restart_policy *rp)
{
	bool svc = canon_type_is(job, JOB_TYPE_SERVICE) ||
	           canon_type_is(job, JOB_TYPE_SYSTEM);
	rp->attempts = (struct opt){true, svc ? 2 : 3};
	rp->interval = (struct opt){true, svc ? 30 * STIME_NS_PER_MIN
	                                      : 24 * STIME_NS_PER_HOUR};
	rp->delay = (struct opt){true, 15 * STIME_NS_PER_S};
	rp->render_templates = (struct opt){true, 0};
	return canon_str_set(&rp->mode, RESTART_MODE_FAIL);
}

/* Fills the unset fields of a reschedule policy from the job type's
 * default (an unknown type, system and sysbatch get all zero). */
static int canon_reschedule_fill(const struct job *job,
                                 struct reschedule_policy *rp)
{
	const char *fn = "";
	int64_t attempts = 0, interval = 0, delay = 0, max_delay = 0;
	bool unlimited = false;
	if (canon_type_is(job, JOB_TYPE_SERVICE)) {
		delay = 30 * STIME_NS_PER_S;
		fn = RESCHEDULE_DELAY_EXPONENTIAL;
		max_delay = STIME_NS_PER_HOUR;
		unlimited = true;
	} else if (canon_type_is(job, JOB_TYPE_BATCH)) {
		attempts = 1;
		interval = 24 * STIME_NS_PER_HOUR;
		delay = 5 * STIME_NS_PER_S;
		fn = RESCHEDULE_DELAY_CONSTANT;
	}
	canon_opt_default(&rp->attempts, attempts);
	canon_opt_default(&rp->interval, interval);
	canon_opt_default(&rp->delay, delay);
	canon_opt_default(&rp->max_delay, max_delay);
	canon_opt_default(&rp->unlimited, unlimited);
	return canon_str_default(&rp->delay_function, fn);
}

static int canon_update_fill(struct update_strategy *u)
{
	canon_opt_default(&u->stagger, 30 * STIME_NS_PER_S);
	canon_opt_default(&u->max_parallel, 1);
	canon_opt_default(&u->min_healthy_time, 10 * STIME_NS_PER_S);
	canon_opt_default(&u->healthy_deadline, 5 * STIME_NS_PER_MIN);
	canon_opt_default(&u->progress_deadline, 10 * STIME_NS_PER_MIN);
	canon_opt_default(&u->auto_revert, 0);
	canon_opt_default(&u->auto_promote, 0);
	canon_opt_default(&u->canary, 0);
	return canon_str_default(&u->health_check, UPDATE_HEALTH_CHECKS);
}

static bool canon_update_any_set(const struct update_strategy *u)
{
	return u->stagger.set || u->max_parallel.set ||
	       u->min_healthy_time.set || u->healthy_deadline.set ||
	       u->progress_deadline.set || u->auto_revert.set ||
	       u->auto_promote.set || u->canary.set ||
	       !canon_empty(u->health_check);
}

static bool canon_update_all_set(const struct update_strategy *u)
{
	return u->stagger.set && u->max_parallel.set &&
	       u->min_healthy_time.set && u->healthy_deadline.set &&
	       u->progress_deadline.set && u->auto_revert.set &&
	       u->auto_promote.set && u->canary.set;
}

/* Nomad's UpdateStrategy.Empty: nothing set to a non-zero value. */
static bool canon_update_empty(const struct update_strategy *u)
{
	return u->stagger.v == 0 && u->max_parallel.v == 0 &&
	       u->min_healthy_time.v == 0 && u->healthy_deadline.v == 0 &&
	       u->progress_deadline.v == 0 && u->auto_revert.v == 0 &&
	       u->auto_promote.v == 0 && u->canary.v == 0 &&
	       canon_empty(u->health_check);
}

static int canon_update_merge(struct update_strategy *dst,
                              const struct update_strategy *src)
{
	canon_opt_override(&dst->stagger, &src->stagger);
	canon_opt_override(&dst->max_parallel, &src->max_parallel);
	canon_opt_override(&dst->min_healthy_time, &src->min_healthy_time);
	canon_opt_override(&dst->healthy_deadline, &src->healthy_deadline);
	canon_opt_override(&dst->progress_deadline, &src->progress_deadline);
	canon_opt_override(&dst->auto_revert, &src->auto_revert);
	canon_opt_override(&dst->auto_promote, &src->auto_promote);
	canon_opt_override(&dst->canary, &src->canary);
	return canon_str_override(&dst->health_check, src->health_check);
}

static int canon_reschedule_merge(struct reschedule_policy *dst,
                                  const struct reschedule_policy *src)
{
	canon_opt_override(&dst->attempts, &src->attempts);
	canon_opt_override(&dst->interval, &src->interval);
	canon_opt_override(&dst->delay, &src->delay);
	canon_opt_override(&dst->max_delay, &src->max_delay);
	canon_opt_override(&dst->unlimited, &src->unlimited);
	return canon_str_override(&dst->delay_function, src->delay_function);
}

static int canon_migrate_merge(struct migrate_strategy *dst,
                               const struct migrate_strategy *src)
{
	canon_opt_override(&dst->max_parallel, &src->max_parallel);
	canon_opt_override(&dst->min_healthy_time, &src->min_healthy_time);
	canon_opt_override(&dst->healthy_deadline, &src->healthy_deadline);
	return canon_str_override(&dst->health_check, src->health_check);
}

static int canon_restart_merge(struct restart_policy *dst,
                               const struct restart_policy *src)
{
	canon_opt_override(&dst->attempts, &src->attempts);
	canon_opt_override(&dst->interval, &src->interval);
	canon_opt_override(&dst->delay, &src->delay);
	canon_opt_override(&dst->render_templates, &src->render_templates);
	return canon_str_override(&dst->mode, src->mode);
}

/* The jobspec's default operator; a JSON submission gets it here too. */
static int canon_constraints(struct constraint_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		CANON_TRY(canon_str_default(&l->v[i].operand, "="));
	return 0;
}

static int canon_affinities(struct affinity_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].weight == 0)
			l->v[i].weight = 50;
		CANON_TRY(canon_str_default(&l->v[i].operand, "="));
	}
	return 0;
}

/* ---- api phase: tasks --------------------------------------------------- */

static int canon_resources_api(struct resources *r)
{
	if (r->cores == 0 && r->cpu == 0)
		r->cpu = 100;
	if (r->memory_mb == 0)
		r->memory_mb = 300;
	for (size_t i = 0; i < r->devices.n; i++) {
		struct requested_device *d = &r->devices.v[i];
		if (d->count == 0)
			d->count = 1;
		CANON_TRY(canon_constraints(&d->constraints));
		CANON_TRY(canon_affinities(&d->affinities));
	}
	if (r->numa != NULL)
		CANON_TRY(canon_str_default(&r->numa->affinity, "none"));
	return 0;
}

/* Go's path.Base followed by filepath.Join("local", base). */
static char *canon_artifact_file_dest(const char *src)
{
	size_t end = src != NULL ? strlen(src) : 0, start;
	while (end > 1 && src[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && src[start - 1] != '/')
		start--;
	if (end == 0 || (end - start == 1 && src[start] == '.') ||
	    (end == 1 && src[0] == '/'))
		return mem_strdup("local");
	if (end - start == 2 && src[start] == '.' && src[start + 1] == '.')
		return mem_strdup(".");
	return mem_asprintf("local/%.*s", (int)(end - start), src + start);
}

static int canon_artifact(struct task_artifact *a)
{
	CANON_TRY(canon_str_default(&a->getter_mode, ARTIFACT_MODE_ANY));
	if (!canon_empty(a->relative_dest))
		return 0;
	if (canon_eq(a->getter_mode, ARTIFACT_MODE_FILE))
		return canon_str_take(
		    &a->relative_dest,
		    canon_artifact_file_dest(a->getter_source));
	return canon_str_set(&a->relative_dest, "local/");
}

static int canon_template(struct task_template *t)
{
	CANON_TRY(canon_str_default(&t->change_mode, TEMPLATE_CHANGE_RESTART));
	if (canon_empty(t->change_signal) &&
	    canon_eq(t->change_mode, TEMPLATE_CHANGE_SIGNAL))
		CANON_TRY(canon_str_set(&t->change_signal, "SIGHUP"));
	canon_upper(t->change_signal);
	if (t->change_script != NULL && t->change_script->timeout == 0)
		t->change_script->timeout = 5 * STIME_NS_PER_S;
	canon_opt_default(&t->splay, 5 * STIME_NS_PER_S);
	CANON_TRY(canon_str_default(&t->perms, "0644"));
	CANON_TRY(canon_str_default(&t->left_delim, "{{"));
	return canon_str_default(&t->right_delim, "}}");
}

/* The service's check_restart is the default for each check's. */
static int canon_check_restart_merge(const struct service *s,
                                     struct service_check *c)
{
	struct check_restart *cr = c->check_restart;
	if (s->check_restart != NULL && cr == NULL)
		return canon_dup_into(&check_restart_schema,
		                      (void **)&c->check_restart,
		                      s->check_restart);
	if (s->check_restart != NULL) {
		struct check_restart base = *s->check_restart;
		if (cr->limit > 0)
			base.limit = cr->limit;
		canon_opt_override(&base.grace, &cr->grace);
		base.ignore_warnings |= cr->ignore_warnings;
		*cr = base;
	}
	return 0;
}

static int canon_check_api(const struct service *s, struct service_check *c)
{
	CANON_TRY(canon_check_restart_merge(s, c));
	if (c->check_restart != NULL)
		canon_opt_default(&c->check_restart->grace, STIME_NS_PER_S);
	if (c->success_before_passing < 0)
		c->success_before_passing = 0;
	if (c->failures_before_critical < 0)
		c->failures_before_critical = 0;
	if (c->failures_before_warning < 0)
		c->failures_before_warning = 0;
	return canon_str_default(&c->on_update, s->on_update);
}

static int canon_service_api(const struct job *job, const struct task_group *tg,
                             const struct task *t, struct service *s)
{
	if (canon_empty(s->name)) {
		char *n =
		    t != NULL
		        ? mem_asprintf("%s-%s-%s", canon_s(job->name),
		                       canon_s(tg->name), canon_s(t->name))
		        : mem_asprintf("%s-%s", canon_s(job->name),
		                       canon_s(tg->name));
		CANON_TRY(canon_str_take(&s->name, n));
	}
	CANON_TRY(canon_str_default(&s->address_mode, ADDRESS_MODE_AUTO));
	CANON_TRY(canon_str_default(&s->on_update, ON_UPDATE_REQUIRE_HEALTHY));
	CANON_TRY(canon_str_default(&s->provider, SERVICE_PROVIDER_CONSUL));
	CANON_TRY(canon_str_default(&s->cluster, SERVICE_DEFAULT_CLUSTER));
	if (s->weights != NULL) {
		if (s->weights->passing <= 0)
			s->weights->passing = 1;
		if (s->weights->warning <= 0)
			s->weights->warning = 1;
	}
	for (size_t i = 0; i < s->checks.n; i++)
		CANON_TRY(canon_check_api(s, &s->checks.v[i]));
	return 0;
}

static void canon_spreads(struct spread_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].weight == 0)
			l->v[i].weight = 50;
}

static int canon_task_restart(const struct task_group *tg, struct task *t)
{
	struct restart_policy *merged = NULL;
	if (tg->restart_policy == NULL)
		return 0;
	CANON_TRY(canon_dup_into(&restart_policy_schema, (void **)&merged,
	                         tg->restart_policy));
	if (t->restart_policy != NULL &&
	    canon_restart_merge(merged, t->restart_policy) != 0) {
		canon_drop(&restart_policy_schema, (void **)&merged);
		return ERR_NOMEM;
	}
	canon_drop(&restart_policy_schema, (void **)&t->restart_policy);
	t->restart_policy = merged;
	return 0;
}

static int canon_task_logs(struct task *t)
{
	CANON_TRY(
	    canon_ensure((void **)&t->log_config, sizeof(*t->log_config)));
	if (t->log_config->max_files == 0)
		t->log_config->max_files = 10;
	if (t->log_config->max_file_size_mb == 0)
		t->log_config->max_file_size_mb = 10;
	return 0;
}

static int canon_task_api(const struct job *job, const struct task_group *tg,
                          struct task *t)
{
	CANON_TRY(canon_ensure((void **)&t->resources, sizeof(*t->resources)));
	CANON_TRY(canon_resources_api(t->resources));
	if (t->kill_timeout == 0)
		t->kill_timeout = 5 * STIME_NS_PER_S;
	CANON_TRY(canon_task_logs(t));
	for (size_t i = 0; i < t->artifacts.n; i++)
		CANON_TRY(canon_artifact(&t->artifacts.v[i]));
	for (size_t i = 0; i < t->templates.n; i++)
		CANON_TRY(canon_template(&t->templates.v[i]));
	for (size_t i = 0; i < t->services.n; i++)
		CANON_TRY(canon_service_api(job, tg, t, &t->services.v[i]));
	CANON_TRY(canon_constraints(&t->constraints));
	CANON_TRY(canon_affinities(&t->affinities));
	for (size_t i = 0; i < t->volume_mounts.n; i++)
		CANON_TRY(canon_str_default(
		    &t->volume_mounts.v[i].propagation_mode, "private"));
	return canon_task_restart(tg, t);
}

/* ---- api phase: groups -------------------------------------------------- */

static int canon_group_count(struct task_group *tg)
{
	struct scaling_policy *sp = tg->scaling;
	if (!tg->count.set)
		tg->count = (struct opt){
		    true, sp != NULL && sp->min.set ? sp->min.v : 1};
	if (sp == NULL)
		return 0;
	canon_opt_default(&sp->enabled, 1);
	canon_opt_default(&sp->min, tg->count.v);
	return canon_str_default(&sp->type, SCALING_POLICY_HORIZONTAL);
}

static int canon_group_disk(struct task_group *tg)
{
	CANON_TRY(canon_ensure((void **)&tg->ephemeral_disk,
	                       sizeof(*tg->ephemeral_disk)));
	if (tg->ephemeral_disk->size_mb == 0)
		tg->ephemeral_disk->size_mb = 300;
	return 0;
}

static int canon_group_update(const struct job *job, struct task_group *tg)
{
	const struct update_strategy *ju = &job->update;
	struct update_strategy *merged = NULL;
	if (canon_update_any_set(ju) &&
	    (tg->update != NULL || !canon_update_empty(ju))) {
		CANON_TRY(canon_dup_into(&update_strategy_schema,
		                         (void **)&merged, ju));
		if (tg->update != NULL &&
		    canon_update_merge(merged, tg->update) != 0) {
			canon_drop(&update_strategy_schema, (void **)&merged);
			return ERR_NOMEM;
		}
		canon_drop(&update_strategy_schema, (void **)&tg->update);
		tg->update = merged;
	}
	return tg->update != NULL ? canon_update_fill(tg->update) : 0;
}

static int canon_group_reschedule(const struct job *job, struct task_group *tg)
{
	struct reschedule_policy *merged = NULL;
	if (job->reschedule != NULL) {
		CANON_TRY(canon_dup_into(&reschedule_policy_schema,
		                         (void **)&merged, job->reschedule));
		if (tg->reschedule_policy != NULL &&
		    canon_reschedule_merge(merged, tg->reschedule_policy) !=
		        0) {
			canon_drop(&reschedule_policy_schema, (void **)&merged);
			return ERR_NOMEM;
		}
		canon_drop(&reschedule_policy_schema,
		           (void **)&tg->reschedule_policy);
		tg->reschedule_policy = merged;
	}
	if (tg->reschedule_policy == NULL &&
	    !canon_type_is(job, JOB_TYPE_SYSTEM) &&
	    !canon_type_is(job, JOB_TYPE_SYSBATCH))
		CANON_TRY(canon_ensure((void **)&tg->reschedule_policy,
		                       sizeof(*tg->reschedule_policy)));
	return tg->reschedule_policy != NULL
	           ? canon_reschedule_fill(job, tg->reschedule_policy)
	           : 0;
}

static int canon_group_migrate(const struct job *job, struct task_group *tg)
{
	struct migrate_strategy *merged = NULL, *m;
	if (job->migrate != NULL) {
		CANON_TRY(canon_dup_into(&migrate_strategy_schema,
		                         (void **)&merged, job->migrate));
		if (tg->migrate != NULL &&
		    canon_migrate_merge(merged, tg->migrate) != 0) {
			canon_drop(&migrate_strategy_schema, (void **)&merged);
			return ERR_NOMEM;
		}
		canon_drop(&migrate_strategy_schema, (void **)&tg->migrate);
		tg->migrate = merged;
	}
	if (canon_type_is(job, JOB_TYPE_SERVICE))
		CANON_TRY(
		    canon_ensure((void **)&tg->migrate, sizeof(*tg->migrate)));
	if ((m = tg->migrate) == NULL)
		return 0;
	canon_opt_default(&m->max_parallel, 1);
	canon_opt_default(&m->min_healthy_time, 10 * STIME_NS_PER_S);
	canon_opt_default(&m->healthy_deadline, 5 * STIME_NS_PER_MIN);
	return canon_str_default(&m->health_check, UPDATE_HEALTH_CHECKS);
}

static int canon_group_restart(const struct job *job, struct task_group *tg)
{
	struct restart_policy *def = mem_calloc(1, sizeof(*def));
	if (def == NULL)
		return ERR_NOMEM;
	if (canon_restart_default(job, def) != 0 ||
	    (tg->restart_policy != NULL &&
	     canon_restart_merge(def, tg->restart_policy) != 0)) {
		canon_drop(&restart_policy_schema, (void **)&def);
		return ERR_NOMEM;
	}
	canon_drop(&restart_policy_schema, (void **)&tg->restart_policy);
	tg->restart_policy = def;
	return 0;
}

static int canon_group_disconnect(struct task_group *tg)
{
	if (tg->disconnect == NULL)
		return 0;
	canon_opt_default(&tg->disconnect->replace, 1);
	return canon_str_default(&tg->disconnect->reconcile,
	                         DISCONNECT_RECONCILE_BEST_SCORE);
}

static int canon_group_api(const struct job *job, struct task_group *tg)
{
	CANON_TRY(canon_group_count(tg));
	CANON_TRY(canon_group_disk(tg));
	CANON_TRY(canon_group_update(job, tg));
	CANON_TRY(canon_group_reschedule(job, tg));
	CANON_TRY(canon_group_migrate(job, tg));
	CANON_TRY(canon_group_restart(job, tg));
	for (size_t i = 0; i < tg->tasks.n; i++)
		CANON_TRY(canon_task_api(job, tg, &tg->tasks.v[i]));
	canon_spreads(&tg->spreads);
	CANON_TRY(canon_constraints(&tg->constraints));
	CANON_TRY(canon_affinities(&tg->affinities));
	for (size_t i = 0; i < tg->services.n; i++)
		CANON_TRY(canon_service_api(job, tg, NULL, &tg->services.v[i]));
	return canon_group_disconnect(tg);
}

/* ---- api phase: job ----------------------------------------------------- */

static int canon_periodic_api(struct periodic_config *p)
{
	canon_opt_default(&p->enabled, 1);
	CANON_TRY(canon_str_default(&p->spec_type, PERIODIC_SPEC_CRON));
	return canon_str_default(&p->time_zone, "UTC");
}

/* A job-level update block is a default for the groups. A stored job's
 * block has every number set (the server zeroes all but Stagger and
 * MaxParallel), and Nomad would keep its empty HealthCheck: filling it
 * again would make a batch job's groups inherit an update block. */
static int canon_job_update(struct job *job)
{
	struct update_strategy *u = &job->update;
	bool wants = canon_update_any_set(u) ||
	             canon_type_is(job, JOB_TYPE_SERVICE) ||
	             canon_type_is(job, JOB_TYPE_SYSTEM);
	if (!wants || canon_update_all_set(u))
		return 0;
	return canon_update_fill(u);
}

int job_canonicalize_api(struct job *job)
{
	if (canon_empty(job->name))
		CANON_TRY(canon_str_set(&job->name, job->id));
	CANON_TRY(canon_str_default(&job->namespace, JOB_DEFAULT_NAMESPACE));
	if (job->priority == 0)
		job->priority = JOB_DEFAULT_PRIORITY;
	CANON_TRY(canon_str_default(&job->region, JOB_DEFAULT_REGION));
	CANON_TRY(canon_str_default(&job->type, JOB_TYPE_SERVICE));
	if (job->periodic != NULL)
		CANON_TRY(canon_periodic_api(job->periodic));
	CANON_TRY(canon_job_update(job));
	for (size_t i = 0; i < job->task_groups.n; i++)
		CANON_TRY(canon_group_api(job, &job->task_groups.v[i]));
	canon_spreads(&job->spreads);
	CANON_TRY(canon_constraints(&job->constraints));
	return canon_affinities(&job->affinities);
}

/* ---- server phase: api-to-server conversion ----------------------------- */

/* The server keeps only Stagger and MaxParallel of the job-level update
 * (everything else now lives in the groups), and only when MaxParallel is
 * positive; the rest reads as zero. */
static void canon_convert_job_update(struct update_strategy *u)
{
	bool keep = u->max_parallel.set && u->max_parallel.v > 0;
	struct opt stagger = u->stagger, mp = u->max_parallel;
	schema_release(&update_strategy_schema, u);
	u->stagger = (struct opt){true, keep ? stagger.v : 0};
	u->max_parallel = (struct opt){true, keep ? mp.v : 0};
	u->min_healthy_time = (struct opt){true, 0};
	u->healthy_deadline = (struct opt){true, 0};
	u->progress_deadline = (struct opt){true, 0};
	u->auto_revert = (struct opt){true, 0};
	u->auto_promote = (struct opt){true, 0};
	u->canary = (struct opt){true, 0};
}

static void canon_convert_services(struct service_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		canon_drop(&check_restart_schema,
		           (void **)&l->v[i].check_restart);
}

static void canon_convert_job(struct job *job)
{
	canon_convert_job_update(&job->update);
	canon_drop(&reschedule_policy_schema, (void **)&job->reschedule);
	canon_drop(&migrate_strategy_schema, (void **)&job->migrate);
	for (size_t i = 0; i < job->task_groups.n; i++) {
		struct task_group *tg = &job->task_groups.v[i];
		canon_convert_services(&tg->services);
		for (size_t j = 0; j < tg->tasks.n; j++)
			canon_convert_services(&tg->tasks.v[j].services);
	}
}

/* ---- server phase: services --------------------------------------------- */

/* Go's %q for the check name: quotes and backslash escapes. */
static char *canon_go_quote(const char *s)
{
	struct buf b;
	buf_init(&b);
	buf_append_char(&b, '"');
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_appendf(&b, "\\%c", c);
		else if (c == '\n')
			buf_append_str(&b, "\\n");
		else if (c == '\t')
			buf_append_str(&b, "\\t");
		else if (c == '\r')
			buf_append_str(&b, "\\r");
		else if (c < 0x20 || c == 0x7f)
			buf_appendf(&b, "\\x%02x", c);
		else
			buf_append_char(&b, (char)c);
	}
	buf_append_char(&b, '"');
	return buf_steal(&b, NULL);
}

static bool canon_env_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

struct canon_env {
	const char *job, *group, *task;
};

static const char *canon_env_lookup(const struct canon_env *env,
                                    const char *name, size_t n,
                                    struct buf *base)
{
	if (n == 3 && strncmp(name, "JOB", 3) == 0)
		return env->job;
	if (n == 9 && strncmp(name, "TASKGROUP", 9) == 0)
		return env->group;
	if (n == 4 && strncmp(name, "TASK", 4) == 0)
		return env->task;
	if (n == 4 && strncmp(name, "BASE", 4) == 0) {
		buf_reset(base);
		buf_appendf(base, "%s-%s-%s", env->job, env->group, env->task);
		return buf_cstr(base);
	}
	return NULL;
}

/* Nomad's args.ReplaceEnv over ${JOB} ${TASKGROUP} ${TASK} ${BASE}; other
 * ${...} references stay as written. Returns a new string or NULL. */
static char *canon_replace_env(const char *s, const struct canon_env *env)
{
	struct buf out, base;
	buf_init(&out);
	buf_init(&base);
	buf_append_str(&out, "");
	while (s != NULL && *s != '\0') {
		size_t n = 0;
		const char *val = NULL;
		if (s[0] == '$' && s[1] == '{') {
			while (canon_env_name_char(s[2 + n]))
				n++;
			if (n > 0 && s[2 + n] == '}')
				val = canon_env_lookup(env, s + 2, n, &base);
		}
		if (val != NULL) {
			buf_append_str(&out, val);
			s += n + 3;
		} else {
			buf_append_char(&out, *s++);
		}
	}
	buf_release(&base);
	return buf_steal(&out, NULL);
}

static int canon_check_server(const struct service *s, const char *task,
                              struct service_check *c)
{
	if (canon_empty(c->name)) {
		char *q = canon_go_quote(s->name);
		char *name =
		    q != NULL ? mem_asprintf("service: %s check", q) : NULL;
		mem_free(q);
		CANON_TRY(canon_str_take(&c->name, name));
	}
	/* Task services own their checks: the api-to-server conversion drops
	 * a task-level check's own task name. */
	if (strcmp(task, "group") != 0)
		CANON_TRY(canon_str_set(&c->task_name, task));
	return canon_str_default(&c->on_update, ON_UPDATE_REQUIRE_HEALTHY);
}

static int canon_service_server(const struct job *job, const char *group,
                                const char *task, struct service *s)
{
	struct canon_env env = {job->name != NULL ? job->name : "",
	                        group != NULL ? group : "", task};
	bool group_level = strcmp(task, "group") == 0;
	if (canon_empty(s->task_name) && !group_level)
		CANON_TRY(canon_str_set(&s->task_name, task));
	CANON_TRY(canon_str_take(&s->name, canon_replace_env(s->name, &env)));
	for (size_t i = 0; i < s->checks.n; i++)
		CANON_TRY(canon_check_server(s, task, &s->checks.v[i]));
	CANON_TRY(canon_str_default(&s->provider, SERVICE_PROVIDER_CONSUL));
	if (canon_eq(s->provider, SERVICE_PROVIDER_NOMAD))
		return canon_str_set(&s->namespace, job->namespace);
	if (canon_eq(s->provider, SERVICE_PROVIDER_CONSUL))
		return canon_str_default(&s->namespace, JOB_DEFAULT_NAMESPACE);
	return 0;
}

/* ---- server phase: groups and tasks ------------------------------------- */

static int canon_networks_server(struct network_resource_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct network_resource *n = &l->v[i];
		for (size_t j = 0; j < n->reserved_ports.n; j++)
			CANON_TRY(canon_str_default(
			    &n->reserved_ports.v[j].host_network,
			    NETWORK_DEFAULT_HOST_NETWORK));
		for (size_t j = 0; j < n->dynamic_ports.n; j++)
			CANON_TRY(canon_str_default(
			    &n->dynamic_ports.v[j].host_network,
			    NETWORK_DEFAULT_HOST_NETWORK));
	}
	return 0;
}

static int canon_scaling_server(const struct job *job, const char *group,
                                const char *task, struct scaling_policy *p)
{
	CANON_TRY(canon_str_default(&p->type, SCALING_POLICY_HORIZONTAL));
	strmap_release(&p->target);
	if (strmap_set(&p->target, "Namespace",
	               job->namespace != NULL ? job->namespace : "") != 0 ||
	    strmap_set(&p->target, "Job", job->id != NULL ? job->id : "") !=
	        0 ||
	    strmap_set(&p->target, "Group", group != NULL ? group : "") != 0 ||
	    (task != NULL && strmap_set(&p->target, "Task", task) != 0))
		return ERR_NOMEM;
	return 0;
}

/* Name "" is "default", and the default identity is for Nomad only. */
static int canon_identity(struct workload_identity *wi)
{
	CANON_TRY(canon_str_default(&wi->name, WORKLOAD_IDENTITY_DEFAULT_NAME));
	canon_upper(wi->change_signal);
	if (!canon_eq(wi->name, WORKLOAD_IDENTITY_DEFAULT_NAME))
		return 0;
	strlist_release(&wi->audience);
	return strlist_push(&wi->audience, WORKLOAD_IDENTITY_DEFAULT_AUD);
}

/* Moves the (last) "default" identity out of Identities into Identity,
 * as Nomad does (another default left behind is a validation error), and
 * makes sure there is one. */
static int canon_task_identities(struct task *t)
{
	struct workload_identity_list *l = &t->identities;
	size_t def = l->n;
	for (size_t i = 0; i < l->n; i++) {
		CANON_TRY(canon_identity(&l->v[i]));
		if (canon_eq(l->v[i].name, WORKLOAD_IDENTITY_DEFAULT_NAME))
			def = i;
	}
	if (def < l->n) {
		CANON_TRY(
		    canon_ensure((void **)&t->identity, sizeof(*t->identity)));
		schema_release(&workload_identity_schema, t->identity);
		*t->identity = l->v[def];
		memmove(&l->v[def], &l->v[def + 1],
		        (l->n - def - 1) * sizeof(*l->v));
		l->n--;
	}
	CANON_TRY(canon_ensure((void **)&t->identity, sizeof(*t->identity)));
	return canon_identity(t->identity);
}

static int canon_task_server(const struct job *job, const struct task_group *tg,
                             struct task *t)
{
	for (size_t i = 0; i < t->services.n; i++)
		CANON_TRY(canon_service_server(job, tg->name, canon_s(t->name),
		                               &t->services.v[i]));
	CANON_TRY(canon_networks_server(&t->resources->networks));
	if (t->kill_timeout == 0)
		t->kill_timeout = 5 * STIME_NS_PER_S;
	for (size_t i = 0; i < t->scaling_policies.n; i++)
		CANON_TRY(canon_scaling_server(job, tg->name, t->name,
		                               &t->scaling_policies.v[i]));
	return canon_task_identities(t);
}

static int canon_group_server(const struct job *job, struct task_group *tg)
{
	if (tg->scaling != NULL)
		CANON_TRY(
		    canon_scaling_server(job, tg->name, NULL, tg->scaling));
	for (size_t i = 0; i < tg->services.n; i++)
		CANON_TRY(canon_service_server(job, tg->name, "group",
		                               &tg->services.v[i]));
	CANON_TRY(canon_networks_server(&tg->networks));
	for (size_t i = 0; i < tg->tasks.n; i++)
		CANON_TRY(canon_task_server(job, tg, &tg->tasks.v[i]));
	return 0;
}

/* ---- server phase: implied constraints (reference 2.9) ------------------ */

enum canon_match { CANON_MATCH_FULL, CANON_MATCH_LEFT };

/* Appends (l, op, r) to list unless an equal constraint (FULL) or one on
 * the same attribute (LEFT, so a user's own constraint wins) is there. */
static int canon_add_constraint(struct constraint_list *list,
                                enum canon_match m, const char *l,
                                const char *op, const char *r)
{
	struct constraint *v, *c;
	for (size_t i = 0; i < list->n; i++) {
		c = &list->v[i];
		if (canon_eq(c->ltarget, l) &&
		    (m == CANON_MATCH_LEFT ||
		     (canon_eq(c->operand, op) && canon_eq(c->rtarget, r))))
			return 0;
	}
	v = mem_realloc(list->v, (list->n + 1) * sizeof(*v));
	if (v == NULL)
		return ERR_NOMEM;
	list->v = v;
	c = &v[list->n];
	memset(c, 0, sizeof(*c));
	list->n++;
	if ((c->ltarget = mem_strdup(l)) == NULL ||
	    (c->operand = mem_strdup(op)) == NULL ||
	    (r != NULL && (c->rtarget = mem_strdup(r)) == NULL))
		return ERR_NOMEM;
	return 0;
}

static int canon_add_signal(struct strlist *sigs, const char *sig)
{
	if (canon_empty(sig) || strlist_contains(sigs, sig))
		return 0;
	return strlist_push(sigs, sig);
}

static int canon_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ${attr.os.signals} set_contains "SIGHUP,SIGINT": every signal the
 * group's tasks send (kill_signal, template change_signal). */
static int canon_signal_constraint(struct task_group *tg)
{
	struct strlist sigs = {0};
	struct buf b;
	int rc = 0;
	for (size_t i = 0; i < tg->tasks.n && rc == 0; i++) {
		const struct task *t = &tg->tasks.v[i];
		rc = canon_add_signal(&sigs, t->kill_signal);
		for (size_t j = 0; j < t->templates.n && rc == 0; j++)
			if (canon_eq(t->templates.v[j].change_mode,
			             TEMPLATE_CHANGE_SIGNAL))
				rc = canon_add_signal(
				    &sigs, t->templates.v[j].change_signal);
	}
	if (rc != 0 || sigs.n == 0)
		goto release_sigs;
	qsort(sigs.v, sigs.n, sizeof(*sigs.v), canon_str_cmp);
	buf_init(&b);
	for (size_t i = 0; i < sigs.n; i++)
		buf_appendf(&b, "%s%s", i > 0 ? "," : "", sigs.v[i]);
	rc = b.oom
	         ? ERR_NOMEM
	         : canon_add_constraint(&tg->constraints, CANON_MATCH_FULL,
	                                "${attr.os.signals}",
	                                CONSTRAINT_SET_CONTAINS, buf_cstr(&b));
	buf_release(&b);
release_sigs:
	strlist_release(&sigs);
	return rc;
}

struct canon_usage {
	bool nsd, nsd_checks, consul, identity, numa, bridge, schedule;
};

static void canon_usage_services(const struct service_list *l,
                                 struct canon_usage *u)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct service *s = &l->v[i];
		if (canon_eq(s->provider, SERVICE_PROVIDER_NOMAD)) {
			u->nsd = true;
			u->nsd_checks |= s->checks.n > 0;
		} else if (canon_empty(s->provider) ||
		           canon_eq(s->provider, SERVICE_PROVIDER_CONSUL)) {
			u->consul = true;
		}
		u->identity |= s->identity != NULL;
	}
}

static struct canon_usage canon_group_usage(const struct task_group *tg)
{
	struct canon_usage u = {0};
	canon_usage_services(&tg->services, &u);
	for (size_t i = 0; i < tg->tasks.n; i++) {
		const struct task *t = &tg->tasks.v[i];
		const struct numa *n = t->resources ? t->resources->numa : NULL;
		canon_usage_services(&t->services, &u);
		u.identity |= t->identities.n > 0;
		u.numa |= n != NULL && !canon_empty(n->affinity) &&
		          !canon_eq(n->affinity, "none");
		u.schedule |= t->schedule.kind != VALUE_NULL;
	}
	for (size_t i = 0; i < tg->networks.n; i++)
		u.bridge |=
		    canon_eq(tg->networks.v[i].mode, NETWORK_MODE_BRIDGE);
	return u;
}

/* ${attr.consul.version}, or ${attr.consul.<cluster>.version} for a
 * non-default Consul cluster, at least 1.8.0. */
static int canon_consul_constraint(struct constraint_list *l,
                                   const struct service *s)
{
	char *attr;
	int rc;
	if (!canon_empty(s->provider) &&
	    !canon_eq(s->provider, SERVICE_PROVIDER_CONSUL))
		return 0;
	if (canon_empty(s->cluster) ||
	    canon_eq(s->cluster, SERVICE_DEFAULT_CLUSTER))
		return canon_add_constraint(l, CANON_MATCH_LEFT,
		                            "${attr.consul.version}",
		                            CONSTRAINT_SEMVER, ">= 1.8.0");
	if ((attr = mem_asprintf("${attr.consul.%s.version}", s->cluster)) ==
	    NULL)
		return ERR_NOMEM;
	rc = canon_add_constraint(l, CANON_MATCH_LEFT, attr, CONSTRAINT_SEMVER,
	                          ">= 1.8.0");
	mem_free(attr);
	return rc;
}

static int canon_consul_constraints(struct task_group *tg)
{
	for (size_t i = 0; i < tg->services.n; i++)
		CANON_TRY(canon_consul_constraint(&tg->constraints,
		                                  &tg->services.v[i]));
	for (size_t i = 0; i < tg->tasks.n; i++) {
		struct task *t = &tg->tasks.v[i];
		for (size_t j = 0; j < t->services.n; j++)
			CANON_TRY(canon_consul_constraint(&t->constraints,
			                                  &t->services.v[j]));
	}
	return 0;
}

static int canon_bridge_constraints(struct constraint_list *l)
{
	static const char *const plugins[] = {
	    "bridge", "firewall", "host-local", "loopback", "portmap"};
	char attr[64];
	for (size_t i = 0; i < sizeof plugins / sizeof plugins[0]; i++) {
		snprintf(attr, sizeof attr, "${attr.plugins.cni.version.%s}",
		         plugins[i]);
		CANON_TRY(canon_add_constraint(l, CANON_MATCH_LEFT, attr,
		                               CONSTRAINT_SEMVER, ">= 0.4.0"));
	}
	return 0;
}

static int canon_vault_constraints(struct task_group *tg)
{
	for (size_t i = 0; i < tg->tasks.n; i++)
		if (tg->tasks.v[i].vault.kind != VALUE_NULL)
			return canon_add_constraint(
			    &tg->constraints, CANON_MATCH_LEFT,
			    "${attr.vault.version}", CONSTRAINT_SEMVER,
			    ">= 0.6.1");
	return 0;
}

/* In the order Nomad's jobImpliedConstraints and implicit identities
 * mutators add them. */
static int canon_group_constraints(struct task_group *tg)
{
	struct canon_usage u = canon_group_usage(tg);
	struct constraint_list *l = &tg->constraints;
	CANON_TRY(canon_vault_constraints(tg));
	if (u.numa) {
		CANON_TRY(canon_add_constraint(
		    l, CANON_MATCH_FULL, "${attr.nomad.version}",
		    CONSTRAINT_SEMVER, ">= 1.6.3-dev"));
		CANON_TRY(canon_add_constraint(
		    l, CANON_MATCH_FULL, "${attr.kernel.name}", "=", "linux"));
	}
	CANON_TRY(canon_signal_constraint(tg));
	if (u.nsd)
		CANON_TRY(canon_add_constraint(
		    l, CANON_MATCH_FULL, "${attr.nomad.service_discovery}", "=",
		    "true"));
	if (u.nsd_checks)
		CANON_TRY(canon_add_constraint(l, CANON_MATCH_FULL,
		                               "${attr.nomad.version}",
		                               CONSTRAINT_SEMVER, ">= 1.4.0"));
	if (u.consul)
		CANON_TRY(canon_consul_constraints(tg));
	if (u.bridge)
		CANON_TRY(canon_bridge_constraints(l));
	if (u.schedule)
		CANON_TRY(canon_add_constraint(
		    l, CANON_MATCH_LEFT, "${attr.nomad.version}",
		    CONSTRAINT_SEMVER, ">= 1.8.0-dev"));
	if (u.identity)
		CANON_TRY(canon_add_constraint(
		    l, CANON_MATCH_FULL, "${attr.nomad.version}",
		    CONSTRAINT_SEMVER, ">= 1.7.0-a"));
	return 0;
}

/* ---- server phase: job -------------------------------------------------- */

static int canon_job_server(struct job *job)
{
	CANON_TRY(canon_str_default(&job->namespace, JOB_DEFAULT_NAMESPACE));
	if (job->datacenters.n == 0)
		CANON_TRY(strlist_push(&job->datacenters, "*"));
	for (size_t i = 0; i < job->task_groups.n; i++)
		CANON_TRY(canon_group_server(job, &job->task_groups.v[i]));
	if (job->parameterized_job != NULL)
		CANON_TRY(canon_str_default(&job->parameterized_job->payload,
		                            DISPATCH_PAYLOAD_OPTIONAL));
	if (job->priority == 0)
		job->priority = JOB_DEFAULT_PRIORITY;
	for (size_t i = 0; i < job->task_groups.n; i++)
		CANON_TRY(canon_group_constraints(&job->task_groups.v[i]));
	return canon_str_default(&job->node_pool, JOB_DEFAULT_NODE_POOL);
}

int job_canonicalize(struct job *job)
{
	CANON_TRY(job_canonicalize_api(job));
	canon_convert_job(job);
	return canon_job_server(job);
}
