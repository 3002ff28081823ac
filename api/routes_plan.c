/* api/routes_plan.c: the job routes that answer with scheduler results or
 * change a job's scale: PUT /v1/job/:id/plan, GET and PUT /v1/job/:id/scale,
 * GET /v1/job/:id/allocations and GET /v1/evaluation/:id/allocations. */
#include <string.h>

#include "api/routes_int.h"
#include "lib/mem.h"
#include "server/messages.h"
#include "structs/structs.h"

static const struct api_shape api_shape_plan = {&job_plan_response_schema, NULL,
                                                NULL, NULL};
static const struct api_shape api_shape_register = {
    &job_register_response_schema, NULL, NULL, NULL};
static const struct api_shape api_shape_alloc_stubs = {
    &alloc_list_response_schema, "Allocations", NULL, NULL};

/* ---- allocations of a job or an evaluation ------------------------------ */

static void route_job_allocs(void *data, struct http_req *req)
{
	struct id_request args = {.id = (char *)req->params[0]};
	api_call_shaped(data, req, "Job.Allocations", &id_request_schema, &args,
	                &api_shape_alloc_stubs);
}

static void route_eval_allocs(void *data, struct http_req *req)
{
	struct id_request args = {.id = (char *)req->params[0]};
	api_call_shaped(data, req, "Eval.Allocations", &id_request_schema,
	                &args, &api_shape_alloc_stubs);
}

/* ---- plan ------------------------------------------------------------- */

/* Nomad's checks of a plan request, in its order; answers 400 and
 * returns false on the first that fails. */
static bool api_plan_check(struct http_req *req, const json_t *body,
                           const struct job_plan_request *args)
{
	const char *msg = NULL;
	if (!json_is_object(json_object_get(body, "Job")))
		msg = "Job must be specified";
	else if (args->job.id == NULL || args->job.id[0] == '\0')
		msg = "Job must have a valid ID";
	else if (strcmp(args->job.id, req->params[0]) != 0)
		msg = "Job ID does not match";
	if (msg != NULL)
		http_respond_text(req, 400, msg, NULL);
	return msg == NULL;
}

static void route_job_plan(void *data, struct http_req *req)
{
	struct job_plan_request args = {0};
	json_t *body = api_body_json(req);
	if (body == NULL)
		return;
	if (!api_body_decode(req, &job_plan_request_schema, &args, body, ""))
		goto out;
	if (!api_plan_check(req, body, &args))
		goto out;
	if (job_canonicalize_api(&args.job) != ERR_OK) {
		http_respond_text(req, 500, "out of memory", NULL);
		goto out;
	}
	api_call_shaped(data, req, "Job.Plan", &job_plan_request_schema, &args,
	                &api_shape_plan);
out:
	schema_release(&job_plan_request_schema, &args);
	json_decref(body);
}

/* ---- scale: PUT ------------------------------------------------------- */

static void api_scale_action(struct server *srv, struct http_req *req)
{
	struct job_scale_request args = {0};
	const char *target;
	json_t *body = api_body_json(req);
	if (body == NULL)
		return;
	if (!api_body_decode(req, &job_scale_request_schema, &args, body, ""))
		goto out;
	target = strmap_get(&args.target, "Job");
	if (target != NULL && target[0] != '\0' &&
	    strcmp(target, req->params[0]) != 0) {
		http_respond_text(req, 400,
		                  "job ID in payload did not match URL", NULL);
		goto out;
	}
	mem_free(args.job_id);
	args.job_id = mem_strdup(req->params[0]);
	if (args.job_id == NULL)
		http_respond_text(req, 500, "out of memory", NULL);
	else
		api_call_shaped(srv, req, "Job.Scale",
		                &job_scale_request_schema, &args,
		                &api_shape_register);
out:
	schema_release(&job_scale_request_schema, &args);
	json_decref(body);
}

/* ---- scale: GET (Nomad's JobScaleStatus) ------------------------------ */

/* The status is built from two reads: the job (Job.GetJob), then its
 * allocations (Job.Allocations). */
struct api_scale {
	struct server *srv;
	struct job *job;
};

static void api_scale_free(struct api_scale *s)
{
	if (s->job != NULL) {
		schema_release(&job_schema, s->job);
		mem_free(s->job);
	}
	mem_free(s);
}

/* api_call_owned's drop: an RPC error was answered. */
static void api_scale_drop(void *data)
{
	api_scale_free(data);
}

/* The counters of one group, Desired from the job. */
static json_t *api_scale_group(const struct task_group *tg)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:n}", "Desired",
	                 (json_int_t)(tg->count.set ? tg->count.v : 1),
	                 "Placed", (json_int_t)0, "Running", (json_int_t)0,
	                 "Healthy", (json_int_t)0, "Unhealthy", (json_int_t)0,
	                 "Events");
}

static int api_scale_bump(json_t *g, const char *key)
{
	json_int_t n = json_integer_value(json_object_get(g, key));
	return json_object_set_new(g, key, json_integer(n + 1));
}

/* Counts the live allocations of each group: Placed, and Running for
 * those running. Health needs the allocations' deployment status, which
 * list stubs do not carry: Healthy and Unhealthy stay 0. */
static int api_scale_count(json_t *groups, const struct alloc_list_stub_list *l,
                           uint64_t *index)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct alloc_list_stub *a = &l->v[i];
		json_t *g =
		    json_object_get(groups, a->task_group ? a->task_group : "");
		if (a->modify_index > *index)
			*index = a->modify_index;
		if (g == NULL ||
		    alloc_desired_status_terminal(a->desired_status) ||
		    alloc_client_status_terminal(a->client_status))
			continue;
		if (api_scale_bump(g, "Placed") != 0 ||
		    (a->client_status != NULL &&
		     strcmp(a->client_status, "running") == 0 &&
		     api_scale_bump(g, "Running") != 0))
			return -1;
	}
	return 0;
}

static json_t *api_scale_json(const struct job *job,
                              const struct alloc_list_stub_list *allocs,
                              uint64_t *index)
{
	json_t *groups = json_object(), *j;
	for (size_t i = 0; groups != NULL && i < job->task_groups.n; i++) {
		const struct task_group *tg = &job->task_groups.v[i];
		if (json_object_set_new(groups, tg->name ? tg->name : "",
		                        api_scale_group(tg)) != 0)
			goto oom;
	}
	if (groups == NULL || api_scale_count(groups, allocs, index) != 0)
		goto oom;
	j = json_pack(
	    "{s:s, s:s, s:I, s:I, s:b}", "JobID", job->id ? job->id : "",
	    "Namespace", job->namespace ? job->namespace : "", "JobCreateIndex",
	    (json_int_t)job->create_index, "JobModifyIndex",
	    (json_int_t)job->modify_index, "JobStopped", (int)job->stop);
	if (j == NULL)
		goto oom;
	if (json_object_set_new(j, "TaskGroups", groups) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
oom:
	json_decref(groups);
	return NULL;
}

static void api_scale_allocs(void *data, struct http_req *req,
                             const msgpack_object *reply,
                             const struct http_meta *meta)
{
	struct api_scale *s = data;
	struct alloc_list_response *r =
	    api_reply_decode(req, &alloc_list_response_schema, reply);
	struct http_meta m = *meta;
	uint64_t index = s->job->modify_index;
	json_t *j;
	if (r == NULL) {
		api_scale_free(s);
		return;
	}
	j = api_scale_json(s->job, &r->allocations, &index);
	m.has_index = true;
	m.index = index > 0 ? index : 1;
	api_obj_free(&alloc_list_response_schema, r);
	api_scale_free(s);
	api_reply_json(req, j, &m);
}

static void api_scale_job(void *data, struct http_req *req,
                          const msgpack_object *reply,
                          const struct http_meta *meta)
{
	struct api_scale *s = data;
	struct single_job_response *r =
	    api_reply_decode(req, &single_job_response_schema, reply);
	struct id_request args = {0};
	if (r == NULL || r->job == NULL) {
		if (r != NULL)
			http_respond_text(req, 404, "job not found", meta);
		api_obj_free(&single_job_response_schema, r);
		api_scale_free(s);
		return;
	}
	s->job = r->job;
	r->job = NULL;
	api_obj_free(&single_job_response_schema, r);
	args.id = s->job->id;
	api_call_owned(s->srv, req, "Job.Allocations", &id_request_schema,
	               &args, true, api_scale_allocs, api_scale_drop, s);
}

static void api_scale_status(struct server *srv, struct http_req *req)
{
	struct id_request args = {.id = (char *)req->params[0]};
	struct api_scale *s = mem_calloc(1, sizeof *s);
	if (s == NULL) {
		http_respond_text(req, 500, "out of memory", NULL);
		return;
	}
	s->srv = srv;
	api_call_owned(srv, req, "Job.GetJob", &id_request_schema, &args, false,
	               api_scale_job, api_scale_drop, s);
}

static void route_job_scale(void *data, struct http_req *req)
{
	if (strcmp(req->method, "GET") == 0)
		api_scale_status(data, req);
	else
		api_scale_action(data, req);
}

int api_routes_plan_register(struct http_server *h, struct server *srv)
{
	static const struct {
		const char *methods;
		const char *pattern;
		http_handler_fn fn;
	} routes[] = {
	    {"PUT|POST", "/v1/job/:id/plan", route_job_plan},
	    {"GET|PUT|POST", "/v1/job/:id/scale", route_job_scale},
	    {"GET", "/v1/job/:id/allocations", route_job_allocs},
	    {"GET", "/v1/evaluation/:id/allocations", route_eval_allocs},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		int rc = http_route(h, routes[i].methods, routes[i].pattern,
		                    routes[i].fn, srv);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}
