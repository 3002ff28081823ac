/* Unit tests for scheduler/reconcile: what the reconciler decides for
 * service and batch jobs, and the reschedule policy arithmetic. */
#include <stdio.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "scheduler/reconcile.h"
#include "structs/structs.h"
#include "tests/lib/unit.h"

#define NOW (INT64_C(1700000000) * STIME_NS_PER_S)
#define SEC STIME_NS_PER_S
#define MIN STIME_NS_PER_MIN

/* ---- jobs -----------------------------------------------------------------
 */

struct jobspec_opts {
	const char *type; /* "service" when NULL */
	int count;
	const char *env;   /* the COLOR variable; "blue" when NULL */
	const char *group; /* extra group-level HCL */
	const char *job;   /* extra job-level HCL */
	unsigned cpu;      /* 100 when 0 */
	uint64_t version;
};

/* A canonicalised job "web" with group "web" and task "server". */
static struct job *job_make(const struct jobspec_opts *o)
{
	char src[2048];
	struct job *j = mem_calloc(1, sizeof *j);
	struct err e;
	int n = snprintf(src, sizeof src,
	                 "job \"web\" {\n"
	                 "  type = \"%s\"\n"
	                 "  %s\n"
	                 "  group \"web\" {\n"
	                 "    count = %d\n"
	                 "    %s\n"
	                 "    task \"server\" {\n"
	                 "      driver = \"raw_exec\"\n"
	                 "      config {\n"
	                 "        command = \"/bin/sleep\"\n"
	                 "        args    = [\"1000\"]\n"
	                 "      }\n"
	                 "      env {\n"
	                 "        COLOR = \"%s\"\n"
	                 "      }\n"
	                 "      resources {\n"
	                 "        cpu    = %u\n"
	                 "        memory = 64\n"
	                 "      }\n"
	                 "    }\n"
	                 "  }\n"
	                 "}\n",
	                 o->type ? o->type : "service", o->job ? o->job : "",
	                 o->count, o->group ? o->group : "",
	                 o->env ? o->env : "blue", o->cpu ? o->cpu : 100);
	ck_assert(n > 0 && (size_t)n < sizeof src);
	ck_assert_ptr_nonnull(j);
	err_clear(&e);
	ck_assert_msg(jobspec_parse("job.hcl", src, strlen(src), NULL, j, &e) ==
	                  ERR_OK,
	              "parse: %s", e.msg);
	ck_assert_int_eq(job_canonicalize(j), ERR_OK);
	j->version = o->version;
	j->job_modify_index = 10 * (o->version + 1);
	j->create_index = 10;
	return j;
}

static struct job *job_service(int count, uint64_t version)
{
	struct jobspec_opts o = {.count = count, .version = version};
	return job_make(&o);
}

static struct job *job_batch(int count, uint64_t version)
{
	struct jobspec_opts o = {
	    .type = "batch", .count = count, .version = version};
	return job_make(&o);
}

/* ---- fixture --------------------------------------------------------------
 */

#define FX_MAX 32

struct fx {
	struct job *job; /* current version; NULL: purged */
	struct job *versions[4];
	struct allocation *allocs[FX_MAX];
	size_t n;
	struct reconcile_node tainted[8];
	size_t ntainted;
	bool batch;
	const char *eval_id;
	struct reconcile_result *res;
};

static void fx_init(struct fx *f, struct job *job)
{
	memset(f, 0, sizeof *f);
	f->job = job;
	f->versions[0] = job;
	f->eval_id = "eval-1";
	f->batch = job != NULL && strcmp(job->type, JOB_TYPE_BATCH) == 0;
}

/* Keeps an older version alive for the allocations that run it. */
static struct job *fx_version(struct fx *f, struct job *j)
{
	for (size_t i = 0; i < 4; i++)
		if (f->versions[i] == NULL) {
			f->versions[i] = j;
			return j;
		}
	ck_abort_msg("too many versions");
	return NULL;
}

/* A running allocation of job version j at index idx on node. */
static struct allocation *fx_alloc(struct fx *f, const struct job *j,
                                   const char *group, unsigned idx,
                                   const char *node)
{
	struct allocation *a = mem_calloc(1, sizeof *a);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_lt(f->n, FX_MAX);
	a->id = mem_asprintf("alloc-%zu", f->n);
	a->name = alloc_name_format(j->id, group, idx);
	a->job_id = mem_strdup(j->id);
	a->task_group = mem_strdup(group);
	a->node_id = mem_strdup(node);
	a->desired_status = mem_strdup(ALLOC_DESIRED_RUN);
	a->client_status = mem_strdup(ALLOC_CLIENT_RUNNING);
	a->job = job_dup(j);
	a->modify_time = NOW - 100 * SEC;
	ck_assert_ptr_nonnull(a->job);
	f->allocs[f->n++] = a;
	return a;
}

static void fx_set(char **field, const char *v)
{
	mem_free(*field);
	*field = mem_strdup(v);
}

/* The task "server" ended at finished (failed or not). */
static void fx_finish(struct allocation *a, bool failed, int64_t finished)
{
	struct task_state_ment *m = mem_calloc(1, sizeof *m);
	ck_assert_ptr_nonnull(m);
	m->key = mem_strdup("server");
	m->val.state = mem_strdup(TASK_STATE_DEAD);
	m->val.failed = failed;
	m->val.finished_at = finished;
	a->task_states.v = m;
	a->task_states.n = 1;
	fx_set(&a->client_status,
	       failed ? ALLOC_CLIENT_FAILED : ALLOC_CLIENT_COMPLETE);
}

static void fx_fail(struct allocation *a, int64_t finished)
{
	fx_finish(a, true, finished);
}

/* Reschedule events with these delays, the last at last_time, each
 * earlier one a minute before the next. */
static void fx_events(struct allocation *a, const int64_t *delays, size_t n,
                      int64_t last_time)
{
	struct reschedule_tracker *t = mem_calloc(1, sizeof *t);
	ck_assert_ptr_nonnull(t);
	t->events.v = mem_calloc(n, sizeof *t->events.v);
	ck_assert_ptr_nonnull(t->events.v);
	t->events.n = n;
	for (size_t i = 0; i < n; i++) {
		t->events.v[i].delay = delays[i];
		t->events.v[i].reschedule_time =
		    last_time - (int64_t)(n - 1 - i) * MIN;
		t->events.v[i].prev_alloc_id = mem_asprintf("prev-%zu", i);
	}
	a->reschedule_tracker = t;
}

static void fx_taint(struct fx *f, const char *node, const char *status,
                     bool draining)
{
	f->tainted[f->ntainted++] = (struct reconcile_node){
	    .node_id = node, .status = status, .draining = draining};
}

static void fx_run(struct fx *f)
{
	struct reconcile_input in = {
	    .job = f->job,
	    .allocs = (const struct allocation *const *)f->allocs,
	    .nallocs = f->n,
	    .tainted = f->tainted,
	    .ntainted = f->ntainted,
	    .eval_id = f->eval_id,
	    .eval_trigger = EVAL_TRIGGER_JOB_REGISTER,
	    .now = NOW,
	    .batch = f->batch,
	};
	reconcile_result_free(f->res);
	f->res = NULL;
	ck_assert_int_eq(reconcile_compute(&in, &f->res), ERR_OK);
	ck_assert_ptr_nonnull(f->res);
}

static void fx_free(struct fx *f)
{
	reconcile_result_free(f->res);
	for (size_t i = 0; i < f->n; i++)
		allocation_free(f->allocs[i]);
	for (size_t i = 0; i < 4; i++)
		job_free(f->versions[i]);
	memset(f, 0, sizeof *f);
}

/* ---- result lookups -------------------------------------------------------
 */

static const struct reconcile_stop *stop_of(const struct fx *f,
                                            const struct allocation *a)
{
	for (size_t i = 0; i < f->res->nstop; i++)
		if (f->res->stop[i].alloc == a)
			return &f->res->stop[i];
	return NULL;
}

static const struct reconcile_place *place_named(const struct fx *f,
                                                 const char *name)
{
	for (size_t i = 0; i < f->res->nplace; i++)
		if (strcmp(f->res->place[i].name, name) == 0)
			return &f->res->place[i];
	return NULL;
}

static void expect_stop(const struct fx *f, const struct allocation *a,
                        const char *client_status, const char *desc)
{
	const struct reconcile_stop *s = stop_of(f, a);
	ck_assert_msg(s != NULL, "%s not stopped", a->name);
	ck_assert_str_eq(s->description, desc);
	if (client_status == NULL)
		ck_assert_ptr_null(s->client_status);
	else
		ck_assert_str_eq(s->client_status, client_status);
}

static const struct reconcile_desired *desired(const struct fx *f,
                                               const char *group)
{
	const struct reconcile_desired *d =
	    reconcile_result_desired(f->res, group);
	ck_assert_msg(d != NULL, "no desired updates for %s", group);
	return d;
}

/* Place, Stop, InPlaceUpdate, DestructiveUpdate, Ignore, Migrate. */
static void expect_desired(const struct fx *f, const char *group,
                           uint64_t place, uint64_t stop, uint64_t inplace,
                           uint64_t destructive, uint64_t ignore,
                           uint64_t migrate)
{
	const struct reconcile_desired *d = desired(f, group);
	ck_assert_uint_eq(d->place, place);
	ck_assert_uint_eq(d->stop, stop);
	ck_assert_uint_eq(d->in_place_update, inplace);
	ck_assert_uint_eq(d->destructive_update, destructive);
	ck_assert_uint_eq(d->ignore, ignore);
	ck_assert_uint_eq(d->migrate, migrate);
	ck_assert_uint_eq(d->canary, 0);
}

/* The names of the placements, in order, joined by spaces. */
static const char *place_names(const struct fx *f)
{
	static char buf[1024];
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < f->res->nplace; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
		                        i ? " " : "", f->res->place[i].name);
	return buf;
}

/* ---- count up and down ----------------------------------------------------
 */

START_TEST(count_up_places_lowest_free_indexes)
{
	struct fx f;
	fx_init(&f, job_service(5, 0));
	fx_alloc(&f, f.job, "web", 0, "n1");
	fx_alloc(&f, f.job, "web", 2, "n1");
	fx_run(&f);
	ck_assert_str_eq(place_names(&f), "web.web[1] web.web[3] web.web[4]");
	ck_assert_uint_eq(f.res->place[0].index, 1);
	ck_assert_ptr_eq(f.res->place[0].tg, &f.job->task_groups.v[0]);
	ck_assert_ptr_null(f.res->place[0].previous);
	ck_assert(!f.res->place[0].reschedule && !f.res->place[0].lost);
	ck_assert_uint_eq(f.res->nstop, 0);
	expect_desired(&f, "web", 3, 0, 0, 0, 2, 0);
	fx_free(&f);
}
END_TEST

START_TEST(new_job_places_count)
{
	struct fx f;
	fx_init(&f, job_service(3, 0));
	fx_run(&f);
	ck_assert_str_eq(place_names(&f), "web.web[0] web.web[1] web.web[2]");
	ck_assert_uint_eq(f.res->ngroups, 1);
	ck_assert_str_eq(f.res->groups[0].name, "web");
	expect_desired(&f, "web", 3, 0, 0, 0, 0, 0);
	fx_free(&f);
}
END_TEST

START_TEST(count_down_stops_highest_indexes)
{
	struct fx f;
	struct job *old = job_service(4, 0);
	struct allocation *a[4];
	fx_init(&f, job_service(2, 1));
	fx_version(&f, old);
	for (unsigned i = 0; i < 4; i++)
		a[i] = fx_alloc(&f, old, "web", i, "n1");
	fx_run(&f);
	ck_assert_uint_eq(f.res->nstop, 2);
	expect_stop(&f, a[3], NULL, RECONCILE_DESC_NOT_NEEDED);
	expect_stop(&f, a[2], NULL, RECONCILE_DESC_NOT_NEEDED);
	/* Only the count changed: the others take the new version in
	 * place. */
	ck_assert_uint_eq(f.res->ninplace, 2);
	ck_assert_ptr_eq(f.res->inplace[0].alloc, a[0]);
	ck_assert_ptr_eq(f.res->inplace[1].alloc, a[1]);
	ck_assert_uint_eq(f.res->ndestructive, 0);
	ck_assert_uint_eq(f.res->nplace, 0);
	expect_desired(&f, "web", 0, 2, 2, 0, 0, 0);
	fx_free(&f);
}
END_TEST

START_TEST(count_down_with_duplicate_names)
{
	struct fx f;
	struct allocation *a0, *b0, *a1;
	fx_init(&f, job_service(2, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	b0 = fx_alloc(&f, f.job, "web", 0, "n2");
	a1 = fx_alloc(&f, f.job, "web", 1, "n1");
	fx_run(&f);
	/* One too many: the highest index goes first. */
	ck_assert_uint_eq(f.res->nstop, 1);
	expect_stop(&f, a1, NULL, RECONCILE_DESC_NOT_NEEDED);
	ck_assert_ptr_null(stop_of(&f, a0));
	ck_assert_ptr_null(stop_of(&f, b0));
	ck_assert_uint_eq(f.res->nplace, 0);
	fx_free(&f);
}
END_TEST

START_TEST(count_zero_stops_everything)
{
	struct fx f;
	fx_init(&f, job_service(0, 0));
	fx_alloc(&f, f.job, "web", 0, "n1");
	fx_alloc(&f, f.job, "web", 1, "n1");
	fx_run(&f);
	ck_assert_uint_eq(f.res->nstop, 2);
	ck_assert_uint_eq(f.res->nplace, 0);
	expect_desired(&f, "web", 0, 2, 0, 0, 0, 0);
	fx_free(&f);
}
END_TEST

/* ---- in place or destructive ----------------------------------------------
 */

/* Job changes and whether (and why) they need new allocations. */
static const struct {
	struct jobspec_opts o;
	const char *why;
} tu_cases[] = {
    {{.count = 7}, NULL},
    {{.count = 2, .job = "priority = 80"}, NULL},
    {{.count = 2, .job = "datacenters = [\"dc2\"]"}, NULL},
    {{.count = 2,
      .group = "update {\n max_parallel = 3\n }\n"
               "reschedule {\n delay = \"1m\"\n }"},
     NULL},
    {{.count = 2,
      .group = "constraint {\n attribute = "
               "\"${attr.kernel.name}\"\n value = "
               "\"linux\"\n }"},
     NULL},
    {{.count = 2, .env = "green"}, "task env"},
    {{.count = 2, .cpu = 200}, "task cpu"},
    {{.count = 2, .job = "meta {\n owner = \"ops\"\n }"}, "task meta"},
    {{.count = 2, .group = "meta {\n tier = \"1\"\n }"}, "task meta"},
    {{.count = 2, .group = "ephemeral_disk {\n size = 500\n }"},
     "ephemeral disk"},
    {{.count = 2, .group = "network {\n port \"http\" {}\n }"},
     "network lengths"},
    {{.count = 2,
      .group = "task \"side\" {\n driver = "
               "\"raw_exec\"\n }"},
     "number of tasks"},
};

START_TEST(tasks_updated_reasons)
{
	struct jobspec_opts base = {.count = 2};
	struct jobspec_opts o;
	struct job *a = job_make(&base), *b;
	for (size_t i = 0; i < sizeof tu_cases / sizeof tu_cases[0]; i++) {
		const char *why;
		o = tu_cases[i].o;
		b = job_make(&o);
		why = tasks_updated_why(a, b, "web");
		if (tu_cases[i].why == NULL)
			ck_assert_msg(why == NULL, "case %zu: %s", i, why);
		else
			ck_assert_msg(why != NULL &&
			                  strcmp(why, tu_cases[i].why) == 0,
			              "case %zu: got %s, want %s", i,
			              why ? why : "(none)", tu_cases[i].why);
		ck_assert(tasks_updated(b, a, "web") ==
		          (tu_cases[i].why != NULL));
		job_free(b);
	}
	ck_assert_str_eq(tasks_updated_why(a, a, "db"), "task group");
	ck_assert_ptr_null(tasks_updated_why(a, a, "web"));
	job_free(a);
}
END_TEST

START_TEST(tasks_updated_driver_and_ports)
{
	struct jobspec_opts o = {.count = 1};
	struct job *a = job_make(&o), *b = job_dup(a);
	ck_assert_ptr_nonnull(b);
	fx_set(&b->task_groups.v[0].tasks.v[0].driver, "exec");
	ck_assert_str_eq(tasks_updated_why(a, b, "web"), "task driver");
	job_free(b);

	o.group = "network {\n port \"http\" {\n static = 8080\n }\n }";
	job_free(a);
	a = job_make(&o);
	b = job_dup(a);
	ck_assert_ptr_nonnull(b);
	b->task_groups.v[0].networks.v[0].reserved_ports.v[0].value = 8081;
	ck_assert_str_eq(tasks_updated_why(a, b, "web"), "network port map");
	job_free(b);
	job_free(a);
}
END_TEST

START_TEST(count_only_change_is_in_place)
{
	struct fx f;
	struct job *old = job_service(2, 0);
	fx_init(&f, job_service(3, 1));
	fx_version(&f, old);
	fx_alloc(&f, old, "web", 0, "n1");
	fx_alloc(&f, old, "web", 1, "n1");
	fx_run(&f);
	ck_assert_uint_eq(f.res->ndestructive, 0);
	ck_assert_uint_eq(f.res->ninplace, 2);
	ck_assert_uint_eq(f.res->nstop, 0);
	ck_assert_str_eq(place_names(&f), "web.web[2]");
	expect_desired(&f, "web", 1, 0, 2, 0, 0, 0);
	fx_free(&f);
}
END_TEST

START_TEST(env_change_is_destructive)
{
	struct fx f;
	struct job *old = job_service(2, 0);
	struct jobspec_opts o = {.count = 2, .env = "green", .version = 1};
	struct allocation *a0, *a1;
	fx_init(&f, job_make(&o));
	fx_version(&f, old);
	a0 = fx_alloc(&f, old, "web", 0, "n1");
	a1 = fx_alloc(&f, old, "web", 1, "n2");
	fx_run(&f);
	ck_assert_uint_eq(f.res->ninplace, 0);
	ck_assert_uint_eq(f.res->ndestructive, 2);
	ck_assert_ptr_eq(f.res->destructive[0].alloc, a0);
	ck_assert_ptr_eq(f.res->destructive[1].alloc, a1);
	ck_assert_ptr_eq(f.res->destructive[0].tg, &f.job->task_groups.v[0]);
	/* The stop and the new placement travel with the update. */
	ck_assert_uint_eq(f.res->nstop, 0);
	ck_assert_uint_eq(f.res->nplace, 0);
	expect_desired(&f, "web", 0, 0, 0, 2, 0, 0);
	fx_free(&f);
}
END_TEST

START_TEST(job_meta_change_is_destructive_priority_in_place)
{
	struct fx f;
	struct job *old = job_service(1, 0);
	struct jobspec_opts meta = {
	    .count = 1, .job = "meta {\n owner = \"ops\"\n }", .version = 1};
	struct jobspec_opts prio = {
	    .count = 1, .job = "priority = 70", .version = 1};
	/* Tasks see job meta (NOMAD_META_owner): Nomad replaces them. */
	fx_init(&f, job_make(&meta));
	fx_version(&f, old);
	fx_alloc(&f, old, "web", 0, "n1");
	fx_run(&f);
	ck_assert_uint_eq(f.res->ndestructive, 1);
	ck_assert_uint_eq(f.res->ninplace, 0);
	fx_free(&f);

	old = job_service(1, 0);
	fx_init(&f, job_make(&prio));
	fx_version(&f, old);
	fx_alloc(&f, old, "web", 0, "n1");
	fx_run(&f);
	ck_assert_uint_eq(f.res->ndestructive, 0);
	ck_assert_uint_eq(f.res->ninplace, 1);
	expect_desired(&f, "web", 0, 0, 1, 0, 0, 0);
	fx_free(&f);
}
END_TEST

START_TEST(destructive_limited_by_placements)
{
	struct fx f;
	struct job *old = job_service(2, 0);
	struct jobspec_opts o = {.count = 3, .env = "green", .version = 1};
	fx_init(&f, job_make(&o));
	fx_version(&f, old);
	fx_alloc(&f, old, "web", 0, "n1");
	fx_alloc(&f, old, "web", 1, "n1");
	fx_run(&f);
	/* One new placement leaves room for two replacements at once. */
	ck_assert_str_eq(place_names(&f), "web.web[2]");
	ck_assert_uint_eq(f.res->ndestructive, 2);
	expect_desired(&f, "web", 1, 0, 0, 2, 0, 0);
	fx_free(&f);
}
END_TEST

/* A caller's update decision replaces the default one. */
static enum reconcile_update_kind
always_destructive(void *data, const struct allocation *a,
                   const struct job *job, const struct task_group *tg)
{
	int *calls = data;
	(*calls)++;
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(job);
	ck_assert_str_eq(tg->name, "web");
	return RECONCILE_UPDATE_DESTRUCTIVE;
}

START_TEST(update_callback_decides)
{
	struct fx f;
	int calls = 0;
	struct reconcile_input in = {0};
	struct reconcile_result *r = NULL;
	fx_init(&f, job_service(2, 0));
	fx_alloc(&f, f.job, "web", 0, "n1");
	fx_alloc(&f, f.job, "web", 1, "n1");
	in.job = f.job;
	in.allocs = (const struct allocation *const *)f.allocs;
	in.nallocs = f.n;
	in.eval_id = "e";
	in.now = NOW;
	in.update = always_destructive;
	in.update_data = &calls;
	ck_assert_int_eq(reconcile_compute(&in, &r), ERR_OK);
	ck_assert_int_eq(calls, 2);
	ck_assert_uint_eq(r->ndestructive, 2);
	reconcile_result_free(r);
	fx_free(&f);
}
END_TEST

/* ---- lost allocations -----------------------------------------------------
 */

START_TEST(lost_on_down_node_replaced)
{
	struct fx f;
	struct allocation *a0, *a1, *a2;
	const struct reconcile_place *p;
	fx_init(&f, job_service(3, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	a1 = fx_alloc(&f, f.job, "web", 1, "n2");
	a2 = fx_alloc(&f, f.job, "web", 2, "n3");
	fx_taint(&f, "n2", NODE_STATUS_DOWN, false);
	fx_taint(&f, "n3", NULL, false); /* gone from the state store */
	fx_run(&f);
	ck_assert_uint_eq(f.res->nstop, 2);
	expect_stop(&f, a1, ALLOC_CLIENT_LOST, RECONCILE_DESC_LOST);
	expect_stop(&f, a2, ALLOC_CLIENT_LOST, RECONCILE_DESC_LOST);
	ck_assert_ptr_null(stop_of(&f, a0));
	ck_assert_str_eq(place_names(&f), "web.web[1] web.web[2]");
	p = place_named(&f, "web.web[1]");
	ck_assert_ptr_eq(p->previous, a1);
	ck_assert(p->lost && !p->reschedule && !p->migrate);
	ck_assert_ptr_eq(place_named(&f, "web.web[2]")->previous, a2);
	expect_desired(&f, "web", 2, 2, 0, 0, 1, 0);
	fx_free(&f);
}
END_TEST

START_TEST(lost_beyond_count_not_replaced)
{
	struct fx f;
	struct job *old = job_service(3, 0);
	struct allocation *a2;
	fx_init(&f, job_service(2, 1));
	fx_version(&f, old);
	fx_alloc(&f, old, "web", 0, "n1");
	fx_alloc(&f, old, "web", 1, "n1");
	a2 = fx_alloc(&f, old, "web", 2, "n2");
	fx_taint(&f, "n2", NODE_STATUS_DOWN, false);
	fx_run(&f);
	expect_stop(&f, a2, ALLOC_CLIENT_LOST, RECONCILE_DESC_LOST);
	ck_assert_uint_eq(f.res->nplace, 0);
	ck_assert_uint_eq(f.res->ninplace, 2);
	fx_free(&f);
}
END_TEST

START_TEST(disconnected_without_window_is_lost)
{
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_service(1, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n9");
	fx_taint(&f, "n9", NODE_STATUS_DISCONNECTED, false);
	fx_run(&f);
	expect_stop(&f, a0, ALLOC_CLIENT_LOST, RECONCILE_DESC_LOST);
	ck_assert_ptr_eq(place_named(&f, "web.web[0]")->previous, a0);
	fx_free(&f);
}
END_TEST

START_TEST(draining_node_alone_changes_nothing)
{
	struct fx f;
	fx_init(&f, job_service(1, 0));
	fx_alloc(&f, f.job, "web", 0, "n1");
	fx_taint(&f, "n1", NODE_STATUS_READY, true);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nstop + f.res->nplace, 0);
	expect_desired(&f, "web", 0, 0, 0, 0, 1, 0);
	fx_free(&f);
}
END_TEST

START_TEST(migrate_on_drain)
{
	struct fx f;
	struct allocation *a1;
	const struct reconcile_place *p;
	fx_init(&f, job_service(2, 0));
	fx_alloc(&f, f.job, "web", 0, "n1");
	a1 = fx_alloc(&f, f.job, "web", 1, "n2");
	a1->desired_transition.migrate = (struct opt){true, 1};
	fx_taint(&f, "n2", NODE_STATUS_READY, true);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nstop, 1);
	expect_stop(&f, a1, NULL, RECONCILE_DESC_MIGRATING);
	ck_assert_str_eq(place_names(&f), "web.web[1]");
	p = &f.res->place[0];
	ck_assert_ptr_eq(p->previous, a1);
	ck_assert(p->migrate && !p->lost && !p->reschedule);
	/* Migrations are counted apart from placements and stops. */
	expect_desired(&f, "web", 0, 0, 0, 0, 1, 1);
	fx_free(&f);
}
END_TEST

/* ---- rescheduling -----------------------------------------------------------
 */

START_TEST(failed_rescheduled_now)
{
	struct fx f;
	struct allocation *a1;
	const struct reconcile_place *p;
	fx_init(&f, job_service(2, 0));
	fx_alloc(&f, f.job, "web", 0, "n1");
	a1 = fx_alloc(&f, f.job, "web", 1, "n2");
	/* Service default: 30s delay; it failed a minute ago. */
	fx_fail(a1, NOW - 60 * SEC);
	fx_run(&f);
	ck_assert_str_eq(place_names(&f), "web.web[1]");
	p = &f.res->place[0];
	ck_assert_ptr_eq(p->previous, a1);
	ck_assert(p->reschedule && !p->lost);
	expect_stop(&f, a1, NULL, RECONCILE_DESC_RESCHEDULED);
	ck_assert_uint_eq(f.res->nfollowup, 0);
	expect_desired(&f, "web", 1, 1, 0, 0, 1, 0);
	ck_assert_uint_eq(desired(&f, "web")->reschedule_now, 1);
	ck_assert_uint_eq(desired(&f, "web")->reschedule_later, 0);
	fx_free(&f);
}
END_TEST

START_TEST(failed_within_window_rescheduled_now)
{
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_service(1, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	/* Due in one second: close enough. */
	fx_fail(a0, NOW - 29 * SEC);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nplace, 1);
	ck_assert_uint_eq(f.res->nfollowup, 0);
	fx_free(&f);
}
END_TEST

START_TEST(followup_eval_reschedules_early)
{
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_service(1, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(a0, NOW - 10 * SEC);
	fx_set(&a0->followup_eval_id, "eval-1");
	fx_run(&f);
	ck_assert_uint_eq(f.res->nplace, 1);
	ck_assert(f.res->place[0].reschedule);
	/* Another evaluation leaves it to its follow-up. */
	f.eval_id = "eval-2";
	fx_run(&f);
	ck_assert_uint_eq(f.res->nplace, 0);
	ck_assert_uint_eq(f.res->nfollowup, 0);
	fx_free(&f);
}
END_TEST

START_TEST(failed_rescheduled_later_constant)
{
	struct fx f;
	struct allocation *a0;
	const struct reconcile_followup *fu;
	fx_init(&f, job_batch(1, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	/* Batch default: constant 5s. */
	fx_fail(a0, NOW - 2 * SEC);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nplace, 0);
	ck_assert_uint_eq(f.res->nstop, 0);
	ck_assert_uint_eq(f.res->nfollowup, 1);
	fu = &f.res->followup[0];
	ck_assert_str_eq(fu->group, "web");
	ck_assert_int_eq(fu->wait_until, NOW + 3 * SEC);
	ck_assert_str_eq(fu->trigger, EVAL_TRIGGER_ALLOC_RESCHEDULE);
	ck_assert_str_eq(fu->description, "created for delayed rescheduling");
	ck_assert_uint_eq(fu->nallocs, 1);
	ck_assert_ptr_eq(fu->allocs[0], a0);
	ck_assert_uint_eq(desired(&f, "web")->reschedule_later, 1);
	expect_desired(&f, "web", 0, 0, 0, 0, 1, 0);
	fx_free(&f);
}
END_TEST

START_TEST(rescheduled_later_exponential)
{
	static const int64_t delays[] = {30 * SEC, 60 * SEC};
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_service(1, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(a0, NOW - 10 * SEC);
	fx_events(a0, delays, 2, NOW - 5 * MIN);
	ck_assert_int_eq(reconcile_next_delay(a0), 120 * SEC);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nfollowup, 1);
	ck_assert_int_eq(f.res->followup[0].wait_until, NOW + 110 * SEC);
	ck_assert_uint_eq(f.res->nplace, 0);
	fx_free(&f);
}
END_TEST

static struct job *job_fibonacci(void)
{
	struct jobspec_opts o = {.count = 1,
	                         .group = "reschedule {\n"
	                                  "  delay          = \"5s\"\n"
	                                  "  delay_function = \"fibonacci\"\n"
	                                  "  max_delay      = \"1m\"\n"
	                                  "  unlimited      = true\n"
	                                  "}\n"};
	return job_make(&o);
}

START_TEST(rescheduled_later_fibonacci)
{
	static const int64_t delays[] = {5 * SEC, 5 * SEC, 10 * SEC};
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_fibonacci());
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(a0, NOW);
	ck_assert_int_eq(reconcile_next_delay(a0), 5 * SEC); /* no events */
	fx_events(a0, delays, 1, NOW - 1 * MIN);
	ck_assert_int_eq(reconcile_next_delay(a0), 5 * SEC);
	schema_release(&reschedule_tracker_schema, a0->reschedule_tracker);
	mem_free(a0->reschedule_tracker);
	fx_events(a0, delays, 3, NOW - 1 * MIN);
	ck_assert_int_eq(reconcile_next_delay(a0), 15 * SEC);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nfollowup, 1);
	ck_assert_int_eq(f.res->followup[0].wait_until, NOW + 15 * SEC);
	fx_free(&f);
}
END_TEST

START_TEST(fibonacci_series_restarts_after_cap)
{
	static const int64_t delays[] = {40 * SEC, 60 * SEC, 5 * SEC};
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_fibonacci());
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(a0, NOW);
	/* The cap (1m) was followed by a reset to 5s: 5s again. */
	fx_events(a0, delays, 3, NOW - 10 * SEC);
	ck_assert_int_eq(reconcile_next_delay(a0), 5 * SEC);
	fx_free(&f);
}
END_TEST

START_TEST(max_delay_caps_and_resets)
{
	static const int64_t delays[] = {40 * MIN};
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_service(1, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(a0, NOW);
	/* 80m is capped at the service default max_delay of 1h. */
	fx_events(a0, delays, 1, NOW - 10 * MIN);
	ck_assert_int_eq(reconcile_next_delay(a0), 60 * MIN);
	fx_run(&f);
	ck_assert_int_eq(f.res->followup[0].wait_until, NOW + 60 * MIN);
	/* Ran longer than the cap since the last reschedule: back to 30s. */
	a0->reschedule_tracker->events.v[0].reschedule_time = NOW - 61 * MIN;
	ck_assert_int_eq(reconcile_next_delay(a0), 30 * SEC);
	fx_run(&f);
	ck_assert_int_eq(f.res->followup[0].wait_until, NOW + 30 * SEC);
	fx_free(&f);
}
END_TEST

START_TEST(reschedule_attempts_exhausted)
{
	static const int64_t delays[] = {5 * SEC};
	struct fx f;
	struct allocation *a0;
	int64_t when = 0;
	fx_init(&f, job_batch(1, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(a0, NOW - 10 * MIN);
	/* Batch default: 1 attempt in 24h, used an hour ago. */
	fx_events(a0, delays, 1, NOW - 1 * STIME_NS_PER_HOUR);
	ck_assert(!reconcile_next_reschedule_time(a0, &when));
	fx_run(&f);
	ck_assert_uint_eq(f.res->nplace, 0);
	ck_assert_uint_eq(f.res->nstop, 0);
	ck_assert_uint_eq(f.res->nfollowup, 0);
	ck_assert_uint_eq(desired(&f, "web")->reschedule_now, 0);
	/* The attempt falls out of the interval: eligible again. */
	a0->reschedule_tracker->events.v[0].reschedule_time =
	    NOW - 25 * STIME_NS_PER_HOUR;
	ck_assert(reconcile_next_reschedule_time(a0, &when));
	ck_assert_int_eq(when, NOW - 10 * MIN + 5 * SEC);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nplace, 1);
	ck_assert(f.res->place[0].reschedule);
	fx_free(&f);
}
END_TEST

START_TEST(reschedule_unlimited)
{
	int64_t delays[12];
	struct fx f;
	struct allocation *a0;
	for (size_t i = 0; i < 12; i++)
		delays[i] = 60 * MIN;
	fx_init(&f, job_service(1, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(a0, NOW - 2 * STIME_NS_PER_HOUR);
	fx_events(a0, delays, 12, NOW - 2 * STIME_NS_PER_HOUR - MIN);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nplace, 1);
	ck_assert(f.res->place[0].reschedule);
	fx_free(&f);
}
END_TEST

START_TEST(reschedule_disabled)
{
	struct jobspec_opts o = {
	    .count = 1,
	    .group = "reschedule {\n attempts = 0\n unlimited = false\n }"};
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_make(&o));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(a0, NOW - STIME_NS_PER_HOUR);
	fx_run(&f);
	/* Not replaced: a failed allocation that may not be rescheduled
	 * keeps its slot. */
	ck_assert_uint_eq(f.res->nplace + f.res->nstop + f.res->nfollowup, 0);
	fx_free(&f);
}
END_TEST

START_TEST(already_rescheduled_ignored)
{
	struct fx f;
	struct allocation *old, *cur;
	fx_init(&f, job_service(1, 0));
	old = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(old, NOW - STIME_NS_PER_HOUR);
	fx_set(&old->next_allocation, "alloc-1");
	fx_set(&old->desired_status, ALLOC_DESIRED_STOP);
	cur = fx_alloc(&f, f.job, "web", 0, "n2");
	fx_set(&cur->previous_allocation, "alloc-0");
	fx_run(&f);
	ck_assert_uint_eq(f.res->nplace + f.res->nstop, 0);
	fx_free(&f);
}
END_TEST

START_TEST(followups_batched_by_window)
{
	struct fx f;
	struct allocation *a[3];
	fx_init(&f, job_batch(3, 0));
	for (unsigned i = 0; i < 3; i++)
		a[i] = fx_alloc(&f, f.job, "web", i, "n1");
	/* Due at NOW+3s, NOW+6s (same batch) and NOW+12s. */
	fx_fail(a[2], NOW - 2 * SEC);
	fx_fail(a[0], NOW + 1 * SEC);
	fx_fail(a[1], NOW + 7 * SEC);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nfollowup, 2);
	ck_assert_int_eq(f.res->followup[0].wait_until, NOW + 3 * SEC);
	ck_assert_uint_eq(f.res->followup[0].nallocs, 2);
	ck_assert_ptr_eq(f.res->followup[0].allocs[0], a[2]);
	ck_assert_ptr_eq(f.res->followup[0].allocs[1], a[0]);
	ck_assert_str_eq(f.res->followup[0].trigger,
	                 EVAL_TRIGGER_ALLOC_RESCHEDULE);
	ck_assert_int_eq(f.res->followup[1].wait_until, NOW + 12 * SEC);
	ck_assert_uint_eq(f.res->followup[1].nallocs, 1);
	ck_assert_ptr_eq(f.res->followup[1].allocs[0], a[1]);
	ck_assert_str_eq(f.res->followup[1].trigger,
	                 EVAL_TRIGGER_RETRY_FAILED_ALLOC);
	ck_assert_str_eq(f.res->followup[1].description, "");
	ck_assert_uint_eq(desired(&f, "web")->reschedule_later, 3);
	fx_free(&f);
}
END_TEST

START_TEST(followup_already_created_not_repeated)
{
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_batch(1, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_fail(a0, NOW);
	fx_set(&a0->followup_eval_id, "eval-0");
	fx_run(&f);
	ck_assert_uint_eq(f.res->nfollowup + f.res->nplace, 0);
	fx_free(&f);
}
END_TEST

/* Nomad's TestReconciler_RescheduleLater_Batch: two failed allocations
 * were already replaced, the third may be retried in 15s; the running and
 * complete ones fill the count. */
START_TEST(nomad_reschedule_later_batch)
{
	static const int64_t one[] = {0}, two[] = {0, 0};
	struct jobspec_opts o = {
	    .type = "batch",
	    .count = 4,
	    .group = "reschedule {\n attempts = 3\n interval = \"24h\"\n"
	             " delay = \"15s\"\n delay_function = \"constant\"\n"
	             "}"};
	struct fx f;
	struct allocation *a[6];
	fx_init(&f, job_make(&o));
	for (unsigned i = 0; i < 6; i++)
		a[i] = fx_alloc(&f, f.job, "web", i, "n1");
	fx_fail(a[0], NOW - 2 * STIME_NS_PER_HOUR);
	fx_set(&a[0]->next_allocation, a[1]->id);
	fx_fail(a[1], NOW - STIME_NS_PER_HOUR);
	fx_events(a[1], one, 1, NOW - STIME_NS_PER_HOUR);
	fx_set(&a[1]->next_allocation, a[2]->id);
	fx_fail(a[2], NOW);
	fx_events(a[2], two, 2, NOW - STIME_NS_PER_HOUR);
	fx_finish(a[5], false, NOW - MIN);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nfollowup, 1);
	ck_assert_int_eq(f.res->followup[0].wait_until, NOW + 15 * SEC);
	ck_assert_uint_eq(f.res->followup[0].nallocs, 1);
	ck_assert_ptr_eq(f.res->followup[0].allocs[0], a[2]);
	ck_assert_uint_eq(f.res->nplace + f.res->nstop + f.res->ninplace, 0);
	expect_desired(&f, "web", 0, 0, 0, 0, 4, 0);
	ck_assert_uint_eq(desired(&f, "web")->reschedule_later, 1);
	fx_free(&f);
}
END_TEST

/* Nomad's TestReconciler_RescheduleNow_Service: [0] used its one attempt,
 * [1] failed 10s ago (5s delay), [4] was stopped by the server. */
START_TEST(nomad_reschedule_now_service)
{
	static const int64_t one[] = {0};
	struct jobspec_opts o = {
	    .count = 5,
	    .group = "reschedule {\n attempts = 1\n interval = \"24h\"\n"
	             " delay = \"5s\"\n max_delay = \"1h\"\n"
	             " unlimited = false\n}"};
	struct fx f;
	struct allocation *a[5];
	fx_init(&f, job_make(&o));
	for (unsigned i = 0; i < 5; i++)
		a[i] = fx_alloc(&f, f.job, "web", i, "n1");
	fx_set(&a[0]->client_status, ALLOC_CLIENT_FAILED);
	fx_events(a[0], one, 1, NOW - STIME_NS_PER_HOUR);
	fx_fail(a[1], NOW - 10 * SEC);
	fx_set(&a[4]->desired_status, ALLOC_DESIRED_STOP);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nfollowup, 0);
	ck_assert_str_eq(place_names(&f), "web.web[1] web.web[4]");
	ck_assert_ptr_eq(f.res->place[0].previous, a[1]);
	ck_assert(f.res->place[0].reschedule);
	ck_assert_ptr_null(f.res->place[1].previous);
	ck_assert_uint_eq(f.res->nstop, 1);
	expect_stop(&f, a[1], NULL, RECONCILE_DESC_RESCHEDULED);
	expect_desired(&f, "web", 2, 1, 0, 0, 3, 0);
	fx_free(&f);
}
END_TEST

/* ---- batch and service completion ---------------------------------------- */

START_TEST(batch_complete_not_replaced)
{
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_batch(2, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_finish(a0, false, NOW - MIN);
	fx_alloc(&f, f.job, "web", 1, "n1");
	fx_run(&f);
	ck_assert_uint_eq(f.res->nplace + f.res->nstop, 0);
	expect_desired(&f, "web", 0, 0, 0, 0, 2, 0);
	fx_free(&f);
}
END_TEST

START_TEST(batch_old_terminal_ignored)
{
	struct fx f;
	struct job *old = job_batch(2, 0);
	struct allocation *a0;
	struct jobspec_opts o = {
	    .type = "batch", .count = 2, .env = "green", .version = 1};
	fx_init(&f, job_make(&o));
	fx_version(&f, old);
	a0 = fx_alloc(&f, old, "web", 0, "n1");
	fx_finish(a0, false, NOW - MIN);
	fx_run(&f);
	/* The old version's run does not count for the new one. */
	ck_assert_str_eq(place_names(&f), "web.web[0] web.web[1]");
	ck_assert_uint_eq(f.res->ndestructive, 0);
	expect_desired(&f, "web", 2, 0, 0, 0, 1, 0);
	fx_free(&f);
}
END_TEST

START_TEST(service_complete_replaced)
{
	struct fx f;
	struct allocation *a0;
	fx_init(&f, job_service(2, 0));
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	fx_finish(a0, false, NOW - MIN);
	fx_alloc(&f, f.job, "web", 1, "n1");
	fx_run(&f);
	ck_assert_str_eq(place_names(&f), "web.web[0]");
	ck_assert_ptr_null(f.res->place[0].previous);
	ck_assert_uint_eq(f.res->nstop, 0);
	expect_desired(&f, "web", 1, 0, 0, 0, 1, 0);
	fx_free(&f);
}
END_TEST

/* ---- stopping -------------------------------------------------------------
 */

START_TEST(job_stopped_stops_all)
{
	struct fx f;
	struct allocation *a0, *a1, *a2, *a3;
	fx_init(&f, job_service(4, 0));
	f.job->stop = true;
	a0 = fx_alloc(&f, f.job, "web", 0, "n1");
	a1 = fx_alloc(&f, f.job, "web", 1, "n1");
	a2 = fx_alloc(&f, f.job, "web", 2, "n1");
	fx_finish(a2, false, NOW - MIN);
	a3 = fx_alloc(&f, f.job, "web", 3, "n2");
	fx_taint(&f, "n2", NODE_STATUS_DOWN, false);
	fx_run(&f);
	ck_assert_uint_eq(f.res->nstop, 3);
	expect_stop(&f, a0, NULL, RECONCILE_DESC_NOT_NEEDED);
	expect_stop(&f, a1, NULL, RECONCILE_DESC_NOT_NEEDED);
	expect_stop(&f, a3, ALLOC_CLIENT_LOST, RECONCILE_DESC_LOST);
	ck_assert_ptr_null(stop_of(&f, a2));
	ck_assert_uint_eq(f.res->nplace + f.res->ninplace, 0);
	expect_desired(&f, "web", 0, 3, 0, 0, 0, 0);
	fx_free(&f);
}
END_TEST

START_TEST(job_purged_stops_all)
{
	struct fx f;
	struct job *j = job_service(2, 0);
	struct allocation *a0, *a1;
	fx_init(&f, NULL);
	fx_version(&f, j);
	a0 = fx_alloc(&f, j, "web", 0, "n1");
	a1 = fx_alloc(&f, j, "web", 1, "n1");
	fx_run(&f);
	ck_assert_uint_eq(f.res->nstop, 2);
	expect_stop(&f, a0, NULL, RECONCILE_DESC_NOT_NEEDED);
	expect_stop(&f, a1, NULL, RECONCILE_DESC_NOT_NEEDED);
	ck_assert_uint_eq(f.res->ngroups, 1);
	expect_desired(&f, "web", 0, 2, 0, 0, 0, 0);
	fx_free(&f);
}
END_TEST

START_TEST(group_removed_stops_its_allocs)
{
	struct fx f;
	struct jobspec_opts o = {.count = 1};
	struct job *old;
	struct allocation *w, *c0, *c1;
	fx_init(&f, job_service(1, 1));
	old = fx_version(&f, job_make(&o));
	/* The old version had a group "cache" as well. */
	fx_set(&old->task_groups.v[0].name, "cache");
	w = fx_alloc(&f, f.job, "web", 0, "n1");
	c0 = fx_alloc(&f, old, "cache", 0, "n1");
	c1 = fx_alloc(&f, old, "cache", 1, "n3");
	fx_taint(&f, "n3", NODE_STATUS_DOWN, false);
	fx_run(&f);
	ck_assert_ptr_null(stop_of(&f, w));
	expect_stop(&f, c0, NULL, RECONCILE_DESC_NOT_NEEDED);
	expect_stop(&f, c1, ALLOC_CLIENT_LOST, RECONCILE_DESC_LOST);
	ck_assert_uint_eq(f.res->nplace, 0);
	ck_assert_uint_eq(f.res->ngroups, 2);
	ck_assert_str_eq(f.res->groups[0].name, "web");
	ck_assert_str_eq(f.res->groups[1].name, "cache");
	expect_desired(&f, "cache", 0, 2, 0, 0, 0, 0);
	expect_desired(&f, "web", 0, 0, 0, 0, 1, 0);
	fx_free(&f);
}
END_TEST

/* ---- robustness -----------------------------------------------------------
 */

START_TEST(invalid_input)
{
	struct reconcile_input in = {0};
	struct reconcile_result *r = (void *)1;
	struct job j = {0};
	ck_assert_int_eq(reconcile_compute(NULL, &r), ERR_INVAL);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(reconcile_compute(&in, NULL), ERR_INVAL);
	in.job = &j; /* no ID */
	ck_assert_int_eq(reconcile_compute(&in, &r), ERR_INVAL);
	/* Nothing at all: nothing to do. */
	in.job = NULL;
	ck_assert_int_eq(reconcile_compute(&in, &r), ERR_OK);
	ck_assert_uint_eq(r->ngroups + r->nplace + r->nstop, 0);
	reconcile_result_free(r);
	reconcile_result_free(NULL);
	ck_assert_ptr_null(reconcile_result_desired(NULL, "web"));
}
END_TEST

/* A bit of everything, for the determinism and failure-injection tests:
 * [0] an old version (env changed), [1] current, [2] marked to migrate,
 * [3] on a down node, [4] failed long ago, [5] failed recently after one
 * reschedule, and an allocation of a removed group. */
static void fx_mixed(struct fx *f)
{
	static const int64_t delays[] = {30 * SEC};
	struct job *old = job_service(6, 0);
	struct jobspec_opts o = {.count = 7, .env = "green", .version = 1};
	struct allocation *a;
	fx_init(f, job_make(&o));
	fx_version(f, old);
	fx_alloc(f, old, "web", 0, "n1");
	fx_alloc(f, f->job, "web", 1, "n1");
	a = fx_alloc(f, f->job, "web", 2, "n2");
	a->desired_transition.migrate = (struct opt){true, 1};
	fx_alloc(f, f->job, "web", 3, "n3");
	a = fx_alloc(f, f->job, "web", 4, "n1");
	fx_fail(a, NOW - 10 * MIN);
	a = fx_alloc(f, f->job, "web", 5, "n1");
	fx_fail(a, NOW - 5 * SEC);
	fx_events(a, delays, 1, NOW - 10 * MIN);
	fx_alloc(f, old, "gone", 0, "n1");
	fx_taint(f, "n3", NODE_STATUS_DOWN, false);
	fx_taint(f, "n2", NODE_STATUS_READY, true);
}

START_TEST(mixed_is_deterministic)
{
	struct fx f;
	fx_mixed(&f);
	for (int round = 0; round < 2; round++) {
		fx_run(&f);
		ck_assert_str_eq(place_names(&f), "web.web[4] web.web[3] "
		                                  "web.web[6] web.web[2]");
		ck_assert(f.res->place[0].reschedule);
		ck_assert(f.res->place[1].lost);
		ck_assert(f.res->place[3].migrate);
		ck_assert_uint_eq(f.res->ndestructive, 1);
		ck_assert_ptr_eq(f.res->destructive[0].alloc, f.allocs[0]);
		ck_assert_uint_eq(f.res->nfollowup, 1);
		ck_assert_int_eq(f.res->followup[0].wait_until, NOW + 55 * SEC);
		ck_assert_ptr_eq(f.res->followup[0].allocs[0], f.allocs[5]);
		ck_assert_uint_eq(f.res->nstop, 4);
		expect_stop(&f, f.allocs[2], NULL, RECONCILE_DESC_MIGRATING);
		expect_stop(&f, f.allocs[3], ALLOC_CLIENT_LOST,
		            RECONCILE_DESC_LOST);
		expect_stop(&f, f.allocs[4], NULL, RECONCILE_DESC_RESCHEDULED);
		expect_stop(&f, f.allocs[6], NULL, RECONCILE_DESC_NOT_NEEDED);
		expect_desired(&f, "web", 3, 2, 0, 1, 2, 1);
		expect_desired(&f, "gone", 0, 1, 0, 0, 0, 0);
		ck_assert_uint_eq(desired(&f, "web")->reschedule_now, 1);
		ck_assert_uint_eq(desired(&f, "web")->reschedule_later, 1);
	}
	fx_free(&f);
}
END_TEST

START_TEST(count_down_prefers_migrating)
{
	struct fx f;
	struct allocation *a2;
	fx_init(&f, job_service(2, 0));
	fx_alloc(&f, f.job, "web", 0, "n1");
	fx_alloc(&f, f.job, "web", 1, "n1");
	a2 = fx_alloc(&f, f.job, "web", 2, "n2");
	a2->desired_transition.migrate = (struct opt){true, 1};
	fx_run(&f);
	ck_assert_uint_eq(f.res->nstop, 1);
	expect_stop(&f, a2, NULL, RECONCILE_DESC_NOT_NEEDED);
	ck_assert_uint_eq(f.res->nplace, 0);
	expect_desired(&f, "web", 0, 1, 0, 0, 2, 0);
	fx_free(&f);
}
END_TEST

/* Every allocation the reconciler makes may fail: each failure is
 * reported as ERR_NOMEM with nothing leaked, and once no failure hits,
 * the result is the same as without injection. */
START_TEST(out_of_memory_fails_cleanly)
{
	struct fx f;
	struct reconcile_result *want;
	int rc = ERR_NOMEM;
	int64_t i;
	fx_mixed(&f);
	fx_run(&f);
	want = f.res;
	f.res = NULL;
	for (i = 0; rc == ERR_NOMEM; i++) {
		struct reconcile_input in = {
		    .job = f.job,
		    .allocs = (const struct allocation *const *)f.allocs,
		    .nallocs = f.n,
		    .tainted = f.tainted,
		    .ntainted = f.ntainted,
		    .eval_id = f.eval_id,
		    .now = NOW,
		};
		struct reconcile_result *r = NULL;
		ck_assert_int_lt(i, 10000);
		mem_fault_set(i, 1);
		rc = reconcile_compute(&in, &r);
		mem_fault_reset();
		ck_assert_msg(rc == ERR_OK || rc == ERR_NOMEM, "rc %d", rc);
		if (rc == ERR_NOMEM) {
			ck_assert_ptr_null(r);
			continue;
		}
		ck_assert_uint_eq(r->nplace, want->nplace);
		ck_assert_uint_eq(r->nstop, want->nstop);
		ck_assert_uint_eq(r->ndestructive, want->ndestructive);
		ck_assert_uint_eq(r->nfollowup, want->nfollowup);
		ck_assert_uint_eq(r->ngroups, want->ngroups);
		for (size_t k = 0; k < r->nplace; k++)
			ck_assert_str_eq(r->place[k].name, want->place[k].name);
		reconcile_result_free(r);
	}
	ck_assert_int_gt(i, 10); /* the failures did hit */
	reconcile_result_free(want);
	fx_free(&f);
}
END_TEST

static Suite *reconcile_suite(void)
{
	Suite *s = suite_create("sched_reconcile");
	TCase *tc = unit_tcase(s, "counts", 30);
	tcase_add_test(tc, count_up_places_lowest_free_indexes);
	tcase_add_test(tc, new_job_places_count);
	tcase_add_test(tc, count_down_stops_highest_indexes);
	tcase_add_test(tc, count_down_with_duplicate_names);
	tcase_add_test(tc, count_zero_stops_everything);
	tcase_add_test(tc, count_down_prefers_migrating);
	tc = unit_tcase(s, "updates", 30);
	tcase_add_test(tc, tasks_updated_reasons);
	tcase_add_test(tc, tasks_updated_driver_and_ports);
	tcase_add_test(tc, count_only_change_is_in_place);
	tcase_add_test(tc, env_change_is_destructive);
	tcase_add_test(tc, job_meta_change_is_destructive_priority_in_place);
	tcase_add_test(tc, destructive_limited_by_placements);
	tcase_add_test(tc, update_callback_decides);
	tc = unit_tcase(s, "nodes", 30);
	tcase_add_test(tc, lost_on_down_node_replaced);
	tcase_add_test(tc, lost_beyond_count_not_replaced);
	tcase_add_test(tc, disconnected_without_window_is_lost);
	tcase_add_test(tc, draining_node_alone_changes_nothing);
	tcase_add_test(tc, migrate_on_drain);
	tc = unit_tcase(s, "reschedule", 30);
	tcase_add_test(tc, failed_rescheduled_now);
	tcase_add_test(tc, failed_within_window_rescheduled_now);
	tcase_add_test(tc, followup_eval_reschedules_early);
	tcase_add_test(tc, failed_rescheduled_later_constant);
	tcase_add_test(tc, rescheduled_later_exponential);
	tcase_add_test(tc, rescheduled_later_fibonacci);
	tcase_add_test(tc, fibonacci_series_restarts_after_cap);
	tcase_add_test(tc, max_delay_caps_and_resets);
	tcase_add_test(tc, reschedule_attempts_exhausted);
	tcase_add_test(tc, reschedule_unlimited);
	tcase_add_test(tc, reschedule_disabled);
	tcase_add_test(tc, already_rescheduled_ignored);
	tcase_add_test(tc, followups_batched_by_window);
	tcase_add_test(tc, followup_already_created_not_repeated);
	tcase_add_test(tc, nomad_reschedule_later_batch);
	tcase_add_test(tc, nomad_reschedule_now_service);
	tc = unit_tcase(s, "completion", 30);
	tcase_add_test(tc, batch_complete_not_replaced);
	tcase_add_test(tc, batch_old_terminal_ignored);
	tcase_add_test(tc, service_complete_replaced);
	tc = unit_tcase(s, "stop", 30);
	tcase_add_test(tc, job_stopped_stops_all);
	tcase_add_test(tc, job_purged_stops_all);
	tcase_add_test(tc, group_removed_stops_its_allocs);
	tc = unit_tcase(s, "robustness", 60);
	tcase_add_test(tc, invalid_input);
	tcase_add_test(tc, mixed_is_deterministic);
	tcase_add_test(tc, out_of_memory_fails_cleanly);
	return s;
}

UNIT_MAIN(reconcile_suite)
