/* server/ep_job.c: Job.* and Eval.* endpoints. */
#include <stdio.h>
#include <string.h>

#include "client/driver.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "raft/fsm.h"
#include "scheduler/scheduler.h"
#include "server/server_int.h"

static void ep_fail(struct rpc_call *call, int code, const char *msg)
{
	(void)code;
	rpc_call_error(call, msg, NULL);
}

/* ---- Job.Register -------------------------------------------------------- */

/* The evaluation that will schedule the job, chosen here (IDs and times
 * never come from the FSM). */
static int ep_new_eval(struct evaluation *ev, const struct job *job,
                       const char *trigger, int64_t priority, const char *type)
{
	char id[ID_LEN + 1];
	int64_t now = stime_wall_ns();
	if (id_new(id) != 0)
		return ERR_IO;
	ev->id = mem_strdup(id);
	ev->namespace = mem_strdup(job->namespace);
	ev->job_id = mem_strdup(job->id);
	ev->type = mem_strdup(type != NULL ? type : job->type);
	ev->triggered_by = mem_strdup(trigger);
	ev->status = mem_strdup(EVAL_STATUS_PENDING);
	ev->priority = priority > 0 ? priority : job->priority;
	ev->create_time = now;
	ev->modify_time = now;
	if (!ev->id || !ev->namespace || !ev->job_id || !ev->type ||
	    !ev->triggered_by || !ev->status)
		return ERR_NOMEM;
	return ERR_OK;
}

static int ep_check_enforce(struct server *s, struct rpc_call *call,
                            const struct job_register_request *args)
{
	const struct job *cur =
	    store_job(s->store, args->job.namespace, args->job.id);
	char msg[200];
	if (!args->enforce_index)
		return ERR_OK;
	if (args->job_modify_index == 0 && cur != NULL)
		snprintf(msg, sizeof msg,
		         "Enforcing job modify index 0: job already exists");
	else if (args->job_modify_index != 0 && cur == NULL)
		snprintf(msg, sizeof msg,
		         "Enforcing job modify index %llu: job does not exist",
		         (unsigned long long)args->job_modify_index);
	else if (cur != NULL && cur->job_modify_index != args->job_modify_index)
		snprintf(msg, sizeof msg,
		         "Enforcing job modify index %llu: job exists with "
		         "conflicting job modify index: %llu",
		         (unsigned long long)args->job_modify_index,
		         (unsigned long long)cur->job_modify_index);
	else
		return ERR_OK;
	ep_fail(call, ERR_CONFLICT, msg);
	return ERR_CONFLICT;
}

/* Each task's driver config checked by its driver's own rules (the
 * drivers steppe runs; others, e.g. docker, are the client's business),
 * so a bad config is refused at submission with its field named. */
static void ep_driver_configs(const struct job *job, struct errlist *errs)
{
	for (size_t g = 0; g < job->task_groups.n; g++) {
		const struct task_group *tg = &job->task_groups.v[g];
		for (size_t t = 0; t < tg->tasks.n; t++) {
			const struct task *task = &tg->tasks.v[t];
			struct err e;
			err_clear(&e);
			if (task->driver == NULL ||
			    !driver_known(task->driver) ||
			    driver_validate(task->driver, &task->config, &e) ==
			        ERR_OK)
				continue;
			errlist_add(errs, "group \"%s\": task \"%s\": %s",
			            tg->name ? tg->name : "",
			            task->name ? task->name : "", e.msg);
		}
	}
}

/* Canonicalises and validates; answers the call on failure. */
static int ep_admit_job(struct server *s, struct rpc_call *call,
                        struct job_register_request *args)
{
	struct job *job = &args->job;
	struct errlist errs;
	struct err e;
	const char *ns = server_namespace(call, job->namespace);
	char msg[200];
	if (job->id == NULL || *job->id == '\0') {
		ep_fail(call, ERR_INVAL, "Job ID hasn't been provided");
		return ERR_INVAL;
	}
	/* The rule checked the envelope's namespace; a job naming its own
	 * (the envelope has none) is checked there. */
	if (strcmp(ns, server_namespace(call, NULL)) != 0 &&
	    !server_acl_allow_ns_op(s, call, ns, ACL_CAP_SUBMIT_JOB))
		return ERR_DENIED;
	char *ns_copy = mem_strdup(ns); /* ns may be job->namespace itself */
	mem_free(job->namespace);
	job->namespace = ns_copy;
	if (job->namespace == NULL || job_canonicalize(job) != ERR_OK) {
		ep_fail(call, ERR_NOMEM, "out of memory");
		return ERR_NOMEM;
	}
	errlist_init(&errs);
	err_clear(&e);
	job_validate(job, &errs);
	ep_driver_configs(job, &errs);
	if (errlist_to_err(&errs, &e) != ERR_OK) {
		errlist_release(&errs);
		ep_fail(call, ERR_VALIDATE, e.msg);
		return ERR_VALIDATE;
	}
	errlist_release(&errs);
	if (store_namespace(s->store, job->namespace) == NULL) {
		snprintf(msg, sizeof msg,
		         "job \"%.60s\" is in nonexistent namespace \"%.60s\"",
		         job->id, job->namespace);
		ep_fail(call, ERR_NOTFOUND, msg);
		return ERR_NOTFOUND;
	}
	return ep_check_enforce(s, call, args);
}

/* The reply of a job write once its entry is applied (or failed). */
static void ep_reply_job_write(struct server *s, struct rpc_call *call,
                               int status, uint64_t index,
                               const struct evaluation *ev, const char *ns,
                               const char *id)
{
	struct job_register_response r = {0};
	const struct job *job;
	if (status != ERR_OK) {
		server_fail(call, status);
		return;
	}
	job = store_job(s->store, ns, id);
	r.eval_id = ev != NULL ? ev->id : NULL;
	r.eval_create_index = ev != NULL ? index : 0;
	r.job_modify_index = job != NULL ? job->job_modify_index : index;
	r.index = index;
	struct rpc_meta meta = server_meta(s, index);
	rpc_call_reply(call, &job_register_response_schema, &r, &meta);
}

static void ep_job_registered(struct server *s, struct rpc_call *call,
                              void *ctx, int status, uint64_t index)
{
	struct fsm_job_register *body = ctx;
	ep_reply_job_write(s, call, status, index, body->eval,
	                   body->job.namespace, body->job.id);
	if (status == ERR_OK && body->eval != NULL)
		server_evals_written(s, body->eval, 1);
	schema_release(&fsm_job_register_schema, body);
	mem_free(body);
}

static void ep_job_register(struct server *s, struct rpc_call *call)
{
	struct fsm_job_register *body = mem_calloc(1, sizeof *body);
	struct job_register_request args = {0};
	int rc;
	if (body == NULL) {
		rpc_call_error(call, "out of memory", NULL);
		return;
	}
	if (!server_args(call, &job_register_request_schema, &args))
		goto fail_quiet;
	if (ep_admit_job(s, call, &args) != ERR_OK)
		goto fail_quiet;
	body->job = args.job;
	memset(&args.job, 0, sizeof args.job);
	body->job.submit_time = stime_wall_ns();
	if (!job_is_periodic(&body->job) &&
	    body->job.parameterized_job == NULL) {
		body->eval = mem_calloc(1, sizeof *body->eval);
		if (body->eval == NULL ||
		    ep_new_eval(body->eval, &body->job,
		                EVAL_TRIGGER_JOB_REGISTER, args.eval_priority,
		                NULL) != ERR_OK) {
			rpc_call_error(call, "out of memory", NULL);
			goto fail_quiet;
		}
	}
	rc = server_apply(s, call, FSM_JOB_REGISTER, &fsm_job_register_schema,
	                  body, ep_job_registered, body);
	if (rc != ERR_OK) {
		server_fail(call, rc);
		goto fail_quiet;
	}
	schema_release(&job_register_request_schema, &args);
	return;
fail_quiet:
	schema_release(&job_register_request_schema, &args);
	schema_release(&fsm_job_register_schema, body);
	mem_free(body);
}

/* ---- Job.Deregister ------------------------------------------------------ */

static void ep_job_deregistered(struct server *s, struct rpc_call *call,
                                void *ctx, int status, uint64_t index)
{
	struct fsm_job_deregister *body = ctx;
	ep_reply_job_write(s, call, status, index, body->eval, body->ns,
	                   body->job_id);
	if (status == ERR_OK && body->eval != NULL)
		server_evals_written(s, body->eval, 1);
	schema_release(&fsm_job_deregister_schema, body);
	mem_free(body);
}

static void ep_job_deregister(struct server *s, struct rpc_call *call)
{
	struct job_deregister_request args = {0};
	struct fsm_job_deregister *body = mem_calloc(1, sizeof *body);
	const struct job *cur;
	int rc = ERR_NOMEM;
	if (body == NULL ||
	    !server_args(call, &job_deregister_request_schema, &args))
		goto fail;
	body->ns = mem_strdup(server_namespace(call, NULL));
	body->job_id = mem_strdup(args.job_id ? args.job_id : "");
	body->purge = args.purge;
	body->submit_time = stime_wall_ns();
	cur = store_job(s->store, body->ns, body->job_id);
	if (cur != NULL) {
		body->eval = mem_calloc(1, sizeof *body->eval);
		if (body->eval == NULL ||
		    ep_new_eval(body->eval, cur, EVAL_TRIGGER_JOB_DEREGISTER,
		                args.eval_priority, NULL) != ERR_OK)
			goto fail;
	}
	rc = server_apply(s, call, FSM_JOB_DEREGISTER,
	                  &fsm_job_deregister_schema, body, ep_job_deregistered,
	                  body);
	if (rc == ERR_OK) {
		schema_release(&job_deregister_request_schema, &args);
		return;
	}
fail:
	server_fail(call, rc);
	schema_release(&job_deregister_request_schema, &args);
	if (body != NULL)
		schema_release(&fsm_job_deregister_schema, body);
	mem_free(body);
}

/* ---- reads ----------------------------------------------------------------
 */

struct ep_stub_list {
	struct job_list_response r;
	const struct acl *acl; /* the caller: only what it may list */
	size_t cap;
	bool oom;
};

static bool ep_add_stub(void *data, const struct job *job)
{
	struct ep_stub_list *l = data;
	struct job_list_stub *st;
	if (!acl_allow_ns_op(l->acl, job->namespace, ACL_CAP_LIST_JOBS))
		return true;
	if (mem_grow(&l->r.jobs.v, l->r.jobs.n, &l->cap, sizeof *st) != 0) {
		l->oom = true;
		return false;
	}
	st = &l->r.jobs.v[l->r.jobs.n++];
	memset(st, 0, sizeof *st);
	/* Borrowed strings: the list is encoded before the loop turn ends. */
	st->id = job->id;
	st->parent_id = job->parent_id;
	st->name = job->name;
	st->namespace = job->namespace;
	st->datacenters = job->datacenters;
	st->node_pool = job->node_pool;
	st->type = job->type;
	st->priority = job->priority;
	st->periodic = job_is_periodic(job);
	st->parameterized_job = job->parameterized_job != NULL;
	st->stop = job->stop;
	st->status = job->status;
	st->status_description = job->status_description;
	st->create_index = job->create_index;
	st->modify_index = job->modify_index;
	st->job_modify_index = job->job_modify_index;
	st->submit_time = job->submit_time;
	return true;
}

static void ep_job_list(struct server *s, struct rpc_call *call)
{
	struct id_request args = {0};
	struct ep_stub_list l = {0};
	struct acl *a;
	if (server_block(s, call, STORE_BIT(STORE_JOBS), ep_job_list))
		return;
	if ((a = server_acl_caller(s, call)) == NULL)
		return;
	if (!server_args(call, &id_request_schema, &args)) {
		acl_release(a);
		return;
	}
	l.acl = a;
	store_each_job(s->store, server_namespace(call, NULL), args.prefix,
	               ep_add_stub, &l);
	acl_release(a);
	if (l.oom) {
		rpc_call_error(call, "out of memory", NULL);
	} else {
		struct rpc_meta m =
		    server_meta(s, store_table_index(s->store, STORE_JOBS));
		rpc_call_reply(call, &job_list_response_schema, &l.r, &m);
	}
	mem_free(l.r.jobs.v);
	schema_release(&id_request_schema, &args);
}

static void ep_job_get(struct server *s, struct rpc_call *call)
{
	struct id_request args = {0};
	struct single_job_response r = {0};
	const struct job *job;
	if (server_block(s, call, STORE_BIT(STORE_JOBS), ep_job_get))
		return;
	if (!server_args(call, &id_request_schema, &args))
		return;
	job = store_job(s->store, server_namespace(call, NULL),
	                args.id ? args.id : "");
	r.job = (struct job *)job;
	struct rpc_meta m = server_meta(
	    s, job != NULL ? job->modify_index
	                   : store_table_index(s->store, STORE_JOBS));
	rpc_call_reply(call, &single_job_response_schema, &r, &m);
	schema_release(&id_request_schema, &args);
}

static void ep_job_versions(struct server *s, struct rpc_call *call)
{
	struct id_request args = {0};
	struct job_versions_response r = {0};
	const struct job *const *v;
	size_t n = 0;
	if (server_block(s, call, STORE_BIT(STORE_JOB_VERSIONS),
	                 ep_job_versions))
		return;
	if (!server_args(call, &id_request_schema, &args))
		return;
	v = store_job_versions(s->store, server_namespace(call, NULL),
	                       args.id ? args.id : "", &n);
	r.versions.v = n ? mem_calloc(n, sizeof *r.versions.v) : NULL;
	if (n > 0 && r.versions.v == NULL) {
		rpc_call_error(call, "out of memory", NULL);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(&r.versions.v[i], v[i], sizeof *v[i]); /* borrowed */
	r.versions.n = n;
	struct rpc_meta m =
	    server_meta(s, store_table_index(s->store, STORE_JOB_VERSIONS));
	rpc_call_reply(call, &job_versions_response_schema, &r, &m);
	mem_free(r.versions.v);
out:
	schema_release(&id_request_schema, &args);
}

struct ep_eval_list {
	struct eval_list_response r;
	const struct acl *acl; /* the caller: only what it may read */
	size_t cap;
	bool oom;
};

static bool ep_add_eval(void *data, const struct evaluation *ev)
{
	struct ep_eval_list *l = data;
	if (!acl_allow_ns_op(l->acl, ev->namespace, ACL_CAP_READ_JOB))
		return true;
	if (mem_grow(&l->r.evaluations.v, l->r.evaluations.n, &l->cap,
	             sizeof *ev) != 0) {
		l->oom = true;
		return false;
	}
	memcpy(&l->r.evaluations.v[l->r.evaluations.n++], ev, sizeof *ev);
	return true;
}

static void ep_eval_reply(struct server *s, struct rpc_call *call,
                          struct ep_eval_list *l)
{
	if (l->oom) {
		rpc_call_error(call, "out of memory", NULL);
	} else {
		struct rpc_meta m =
		    server_meta(s, store_table_index(s->store, STORE_EVALS));
		rpc_call_reply(call, &eval_list_response_schema, &l->r, &m);
	}
	mem_free(l->r.evaluations.v); /* borrowed entries */
}

/* Evaluations in the call's namespace ("*": in every namespace, then
 * only where the caller may read jobs), of one job or by ID prefix. */
static void ep_evals(struct server *s, struct rpc_call *call, bool of_job)
{
	struct id_request args = {0};
	struct ep_eval_list l = {0};
	struct acl *a;
	const char *ns = server_namespace(call, NULL);
	if ((a = server_acl_caller(s, call)) == NULL)
		return;
	if (server_args(call, &id_request_schema, &args)) {
		l.acl = a;
		if (of_job)
			store_each_job_eval(s->store, ns,
			                    args.id ? args.id : "", ep_add_eval,
			                    &l);
		else
			store_each_eval(s->store, ns, args.prefix, ep_add_eval,
			                &l);
		ep_eval_reply(s, call, &l);
	}
	acl_release(a);
	schema_release(&id_request_schema, &args);
}

static void ep_job_evals(struct server *s, struct rpc_call *call)
{
	if (!server_block(s, call, STORE_BIT(STORE_EVALS), ep_job_evals))
		ep_evals(s, call, true);
}

static void ep_eval_list(struct server *s, struct rpc_call *call)
{
	if (!server_block(s, call, STORE_BIT(STORE_EVALS), ep_eval_list))
		ep_evals(s, call, false);
}

static void ep_eval_get(struct server *s, struct rpc_call *call)
{
	struct id_request args = {0};
	struct single_eval_response r = {0};
	if (server_block(s, call, STORE_BIT(STORE_EVALS), ep_eval_get))
		return;
	if (!server_args(call, &id_request_schema, &args))
		return;
	r.eval =
	    (struct evaluation *)store_eval(s->store, args.id ? args.id : "");
	/* Another namespace's evaluation, unless readable, is not there. */
	if (r.eval != NULL &&
	    !server_acl_may(s, call, r.eval->namespace, ACL_CAP_READ_JOB))
		r.eval = NULL;
	struct rpc_meta m =
	    server_meta(s, r.eval ? r.eval->modify_index
	                          : store_table_index(s->store, STORE_EVALS));
	rpc_call_reply(call, &single_eval_response_schema, &r, &m);
	schema_release(&id_request_schema, &args);
}

/* ---- Job.Plan: a dry run of the scheduler ----------------------------- */

/* The version the submitted job would get: the next one when the job
 * exists (the reconciler then compares it with the running allocations). */
static void ep_plan_versions(const struct server *s, struct job *job,
                             const struct job *cur)
{
	if (cur == NULL)
		return;
	job->version = cur->version + 1;
	job->create_index = cur->create_index;
	job->job_modify_index = store_latest_index(s->store) + 1;
}

static void ep_plan_reply(struct server *s, struct rpc_call *call,
                          const struct sched_response *r, const struct job *cur)
{
	struct job_plan_response out = {0};
	out.annotations = r->eval.plan_annotations;
	out.failed_tg_allocs = r->eval.failed_tg_allocs;
	out.job_modify_index = cur != NULL ? cur->job_modify_index : 0;
	out.index = store_latest_index(s->store);
	struct rpc_meta m = server_meta(s, out.index);
	rpc_call_reply(call, &job_plan_response_schema, &out, &m);
}

static void ep_job_plan(struct server *s, struct rpc_call *call)
{
	struct job_plan_request a = {0};
	struct job_register_request reg = {0};
	struct evaluation ev = {0};
	struct sched_request rq = {0};
	struct sched_response r = {0};
	const struct job *cur;
	if (!server_args(call, &job_plan_request_schema, &a))
		return;
	reg.job = a.job; /* moved: ep_admit_job canonicalises and checks */
	memset(&a.job, 0, sizeof a.job);
	if (ep_admit_job(s, call, &reg) != ERR_OK)
		goto out;
	cur = store_job(s->store, reg.job.namespace, reg.job.id);
	ep_plan_versions(s, &reg.job, cur);
	if (ep_new_eval(&ev, &reg.job, EVAL_TRIGGER_JOB_REGISTER, 0, NULL) !=
	    ERR_OK) {
		rpc_call_error(call, "out of memory", NULL);
		goto out;
	}
	ev.annotate_plan = true;
	rq.store = s->store;
	rq.eval = &ev;
	rq.now = stime_wall_ns();
	rq.region = s->region;
	rq.seed = sched_seed_from_eval(ev.id, store_latest_index(s->store));
	rq.dry_run = true;
	rq.job_override = &reg.job;
	if (sched_run(&rq, &r) != ERR_OK)
		rpc_call_error(call, "out of memory", NULL);
	else
		ep_plan_reply(s, call, &r, cur);
	sched_response_release(&r);
out:
	schema_release(&evaluation_schema, &ev);
	schema_release(&job_register_request_schema, &reg);
	schema_release(&job_plan_request_schema, &a);
}

/* ---- Job.Scale -------------------------------------------------------------
 */

static struct task_group *ep_scale_group(struct job *job, const char *name)
{
	for (size_t i = 0; i < job->task_groups.n; i++)
		if (name != NULL && job->task_groups.v[i].name != NULL &&
		    strcmp(job->task_groups.v[i].name, name) == 0)
			return &job->task_groups.v[i];
	return NULL;
}

/* The scaled job in body (a copy of the current one), or an error
 * message. */
static const char *ep_scale_job(struct server *s, struct rpc_call *call,
                                const struct job_scale_request *a,
                                struct fsm_job_register *body)
{
	static char msg[160];
	const struct job *cur = store_job(
	    s->store, server_namespace(call, NULL), a->job_id ? a->job_id : "");
	const char *group = strmap_get(&a->target, "Group");
	struct task_group *tg;
	if (cur == NULL)
		return "job not found";
	if (!a->count.set)
		return "scaling action requires a count";
	if (a->count.v < 0)
		return "scaling action count can't be negative";
	if (schema_copy(&job_schema, &body->job, cur) != ERR_OK)
		return "out of memory";
	tg = ep_scale_group(&body->job, group);
	if (tg == NULL) {
		snprintf(msg, sizeof msg,
		         "task group \"%.60s\" specified for scaling does not "
		         "exist in job",
		         group ? group : "");
		return msg;
	}
	tg->count.set = true;
	tg->count.v = a->count.v;
	body->job.submit_time = stime_wall_ns();
	body->eval = mem_calloc(1, sizeof *body->eval);
	if (body->eval == NULL ||
	    ep_new_eval(body->eval, &body->job, EVAL_TRIGGER_JOB_SCALING, 0,
	                NULL) != ERR_OK)
		return "out of memory";
	return NULL;
}

static void ep_job_scale(struct server *s, struct rpc_call *call)
{
	struct job_scale_request a = {0};
	struct fsm_job_register *body = mem_calloc(1, sizeof *body);
	const char *why;
	int rc;
	if (body == NULL) {
		rpc_call_error(call, "out of memory", NULL);
		return;
	}
	if (!server_args(call, &job_scale_request_schema, &a)) {
		mem_free(body);
		return;
	}
	why = ep_scale_job(s, call, &a, body);
	if (why == NULL) {
		rc = server_apply(s, call, FSM_JOB_REGISTER,
		                  &fsm_job_register_schema, body,
		                  ep_job_registered, body);
		if (rc == ERR_OK)
			body = NULL;
		else
			why = server_err_msg(rc);
	}
	if (why != NULL)
		rpc_call_error(call, why, NULL);
	if (body != NULL) {
		schema_release(&fsm_job_register_schema, body);
		mem_free(body);
	}
	schema_release(&job_scale_request_schema, &a);
}

static const struct server_ep_def job_eps[] = {
    {"Job.Register", EP_WRITE, SRV_RULE_NS_OBJ(SUBMIT_JOB), ep_job_register},
    {"Job.Plan", 0, SRV_RULE_NS_OBJ(SUBMIT_JOB), ep_job_plan},
    {"Job.Scale", EP_WRITE, SRV_RULE_NS2(SCALE_JOB, SUBMIT_JOB), ep_job_scale},
    {"Job.Deregister", EP_WRITE, SRV_RULE_NS(SUBMIT_JOB), ep_job_deregister},
    {"Job.List", 0, SRV_RULE_NS_OBJ(LIST_JOBS), ep_job_list},
    {"Job.GetJob", 0, SRV_RULE_NS(READ_JOB), ep_job_get},
    {"Job.GetJobVersions", 0, SRV_RULE_NS(READ_JOB), ep_job_versions},
    {"Job.Evaluations", 0, SRV_RULE_NS_OBJ(READ_JOB), ep_job_evals},
    {"Eval.List", 0, SRV_RULE_NS_OBJ(READ_JOB), ep_eval_list},
    {"Eval.GetEval", 0, SRV_RULE_NS_OBJ(READ_JOB), ep_eval_get},
};
SERVER_EP_TABLE(server_job_eps, job_eps);
