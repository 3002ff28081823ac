/* cli/cmd_job_remote.c: the job commands that talk to a cluster (job
 * status, inspect, history, stop, the submitting half of job run) and the
 * evaluation monitor they share. Output text comes from cli/format.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "structs/structs.h"

/* ---- shared helpers --------------------------------------------------- */

static bool cli_all_namespaces(const struct http_client_config *rc)
{
	return rc->namespace != NULL && strcmp(rc->namespace, "*") == 0;
}

/* {"namespace": ns} (nothing when ns is empty). Returns 0 or 1 after
 * printing the out-of-memory error. */
static int cli_ns_params(struct strmap *m, const char *ns)
{
	if (ns == NULL || ns[0] == '\0' || strmap_set(m, "namespace", ns) == 0)
		return 0;
	fprintf(stderr, "Error: out of memory\n");
	return 1;
}

/* A job found by ID prefix: its full ID and namespace. */
struct cli_job_ref {
	char *id;
	char *ns;
};

static void cli_job_ref_release(struct cli_job_ref *r)
{
	mem_free(r->id);
	mem_free(r->ns);
	r->id = r->ns = NULL;
}

static int cli_job_ref_set(struct cli_job_ref *r, const char *id,
                           const char *ns)
{
	r->id = mem_strdup(id);
	r->ns = mem_strdup(ns);
	if (r->id != NULL && r->ns != NULL)
		return 0;
	cli_job_ref_release(r);
	fprintf(stderr, "Error: out of memory\n");
	return 1;
}

/* Decides among the jobs a prefix matched, as Nomad's JobIDByPrefix: one
 * match, or an exact match first (unless it is in several namespaces). */
static int cli_job_pick(const json_t *jobs, const char *prefix, bool all_ns,
                        struct cli_job_ref *ref)
{
	const json_t *first = json_array_get(jobs, 0);
	const char *id = fmt_jstr(first, "ID");
	const char *ns;
	if (json_array_size(jobs) == 0) {
		fprintf(stderr, "No job(s) with prefix or ID \"%s\" found\n",
		        prefix);
		return 1;
	}
	if (json_array_size(jobs) > 1 &&
	    (strcmp(prefix, id) != 0 ||
	     (all_ns &&
	      strcmp(id, fmt_jstr(json_array_get(jobs, 1), "ID")) == 0))) {
		struct buf b;
		buf_init(&b);
		fmt_job_list(jobs, all_ns, &b);
		fprintf(stderr, "Prefix \"%s\" matched multiple jobs\n\n%s",
		        prefix, buf_cstr(&b));
		buf_release(&b);
		return 1;
	}
	ns = fmt_jstr(json_object_get(first, "JobSummary"), "Namespace");
	return cli_job_ref_set(ref, id,
	                       ns[0] ? ns : fmt_jstr(first, "Namespace"));
}

/* Resolves a job ID prefix through /v1/jobs?prefix=. Prints what went
 * wrong and returns 1, or 0 with ref filled (the caller releases it). */
static int cli_job_resolve(struct http_client *c, bool all_ns,
                           const char *prefix, struct cli_job_ref *ref)
{
	struct strmap q = {0};
	json_t *jobs = NULL;
	struct err e;
	int rc;
	err_clear(&e);
	if (strmap_set(&q, "prefix", prefix) != 0) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	rc = http_client_get_json(c, "/v1/jobs", &q, &jobs, NULL, &e);
	strmap_release(&q);
	if (rc == ERR_DENIED && strstr(e.msg, "Permission denied") != NULL)
		return cli_job_ref_set(ref, prefix, "");
	if (rc != ERR_OK) {
		fprintf(stderr, "Error querying job prefix \"%s\": %s\n",
		        prefix, e.msg);
		return 1;
	}
	rc = cli_job_pick(jobs, prefix, all_ns, ref);
	json_decref(jobs);
	return rc;
}

int cli_job_id_by_prefix(struct http_client *c, bool all_ns, const char *prefix,
                         char **id, char **ns)
{
	struct cli_job_ref ref = {0};
	if (cli_job_resolve(c, all_ns, prefix, &ref) != 0)
		return 1;
	*id = ref.id;
	*ns = ref.ns;
	return 0;
}

/* GET /v1/job/<id><suffix>?namespace=ns. optional: a route the server
 * does not serve reads as NULL instead of failing. */
static int cli_job_get(struct http_client *c, const struct cli_job_ref *ref,
                       const char *suffix, bool optional,
                       const struct strmap *extra, json_t **out, struct err *e)
{
	struct strmap q = {0};
	char *path = http_client_path("/v1/job/", ref->id, suffix);
	int rc = ERR_NOMEM;
	*out = NULL;
	if (path == NULL || (extra != NULL && strmap_copy(&q, extra) != 0) ||
	    (ref->ns[0] != '\0' && strmap_set(&q, "namespace", ref->ns) != 0)) {
		err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = optional ? http_client_get_optional(c, path, &q, out, e)
	              : http_client_get_json(c, path, &q, out, NULL, e);
out:
	strmap_release(&q);
	mem_free(path);
	return rc;
}

/* ---- job status ------------------------------------------------------- */

/* The API objects `job status -json` prints for one job, in Nomad's
 * JobJson shape; NULL (after printing the error) on failure. */
static json_t *cli_job_json(struct http_client *c, const struct cli_job_ref *r,
                            bool all_allocs)
{
	static const char *const what[] = {"job summary", "job allocations",
	                                   "latest job deployment",
	                                   "job evaluations"};
	static const char *const suffix[] = {"/summary", "/allocations",
	                                     "/deployment", "/evaluations"};
	static const char *const key[] = {"Summary", "Allocations",
	                                  "LatestDeployment", "Evaluations"};
	struct strmap all = {0};
	json_t *obj = json_object(), *v;
	struct err e;
	err_clear(&e);
	if (obj == NULL || (all_allocs && strmap_set(&all, "all", "true")))
		goto oom;
	for (size_t i = 0; i < 4; i++) {
		if (cli_job_get(c, r, suffix[i], true, i == 1 ? &all : NULL, &v,
		                &e) != ERR_OK) {
			fprintf(stderr, "Error querying %s: %s\n", what[i],
			        e.msg);
			goto fail;
		}
		if (v == NULL)
			v = i == 1 || i == 3 ? json_array() : json_null();
		if (json_object_set_new(obj, key[i], v) != 0)
			goto oom;
	}
	strmap_release(&all);
	return obj;
oom:
	fprintf(stderr, "Error: out of memory\n");
fail:
	strmap_release(&all);
	json_decref(obj);
	return NULL;
}

static int cli_job_status_json(struct http_client *c,
                               const struct cli_job_ref *refs, size_t n,
                               bool all_allocs)
{
	json_t *arr = json_array();
	struct buf out;
	int rc = 1;
	buf_init(&out);
	for (size_t i = 0; arr != NULL && i < n; i++) {
		json_t *one = cli_job_json(c, &refs[i], all_allocs);
		if (one == NULL || json_array_append_new(arr, one) != 0)
			goto out;
	}
	if (arr == NULL)
		out.oom = true;
	fmt_json(arr, &out);
	rc = cli_output(&out);
out:
	json_decref(arr);
	buf_release(&out);
	return rc;
}

struct cli_status_opts {
	bool verbose, json, short_only, evals, all_allocs;
};

static int cli_job_status_list(struct http_client *c,
                               const struct http_client_config *rc,
                               const struct cli_status_opts *o)
{
	json_t *jobs = NULL;
	struct cli_job_ref *refs = NULL;
	struct buf out;
	struct err e;
	size_t n;
	int code = 1;
	err_clear(&e);
	buf_init(&out);
	if (http_client_get_json(c, "/v1/jobs", NULL, &jobs, NULL, &e)) {
		fprintf(stderr, "Error querying jobs: %s\n", e.msg);
		return 1;
	}
	n = json_array_size(jobs);
	if (n == 0 || !o->json) {
		fmt_job_list(jobs, cli_all_namespaces(rc), &out);
		code = cli_output(&out);
		goto out;
	}
	refs = mem_calloc(n, sizeof *refs);
	for (size_t i = 0; refs != NULL && i < n; i++) {
		const json_t *j = json_array_get(jobs, i);
		if (cli_job_ref_set(&refs[i], fmt_jstr(j, "ID"),
		                    fmt_jstr(j, "Namespace")) != 0)
			goto out;
	}
	if (refs == NULL)
		fprintf(stderr, "Error: out of memory\n");
	else
		code = cli_job_status_json(c, refs, n, o->all_allocs);
out:
	for (size_t i = 0; refs != NULL && i < n; i++)
		cli_job_ref_release(&refs[i]);
	mem_free(refs);
	json_decref(jobs);
	buf_release(&out);
	return code;
}

/* The children of a periodic or parameterized job, by ID prefix. */
static int cli_job_children(struct http_client *c, const json_t *job,
                            json_t **out)
{
	struct strmap q = {0};
	struct err e;
	bool param = json_is_object(json_object_get(job, "ParameterizedJob"));
	char *prefix = mem_asprintf("%s%s", fmt_jstr(job, "ID"),
	                            param ? "/dispatch-" : "/periodic-");
	int rc = 1;
	err_clear(&e);
	if (prefix == NULL || strmap_set(&q, "prefix", prefix) != 0 ||
	    cli_ns_params(&q, fmt_jstr(job, "Namespace")) != 0)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_get_json(c, "/v1/jobs", &q, out, NULL, &e) != 0)
		fprintf(stderr, "Error querying job: %s\n", e.msg);
	else
		rc = 0;
	strmap_release(&q);
	mem_free(prefix);
	return rc;
}

/* Fetches what the detail view shows besides the job and prints it. */
static int cli_job_status_detail(struct http_client *c,
                                 const struct cli_job_ref *ref, json_t *job,
                                 const struct cli_status_opts *o)
{
	struct fmt_job_status in = {.job = job,
	                            .verbose = o->verbose,
	                            .show_evals = o->evals,
	                            .short_only = o->short_only,
	                            .now = stime_wall_ns()};
	json_t *x = NULL, *children = NULL;
	struct buf out;
	int rc = 1;
	buf_init(&out);
	if (!o->short_only) {
		x = cli_job_json(c, ref, o->all_allocs);
		if (x == NULL)
			goto out;
		if ((json_is_object(json_object_get(job, "Periodic")) ||
		     json_is_object(
		         json_object_get(job, "ParameterizedJob"))) &&
		    cli_job_children(c, job, &children) != 0)
			goto out;
	}
	in.summary = json_is_object(json_object_get(x, "Summary"))
	                 ? json_object_get(x, "Summary")
	                 : NULL;
	in.allocs = json_object_get(x, "Allocations");
	in.deployment = json_object_get(x, "LatestDeployment");
	in.evals = json_object_get(x, "Evaluations");
	in.children = children;
	fmt_job_status(&in, &out);
	rc = cli_output(&out);
out:
	json_decref(x);
	json_decref(children);
	buf_release(&out);
	return rc;
}

static int cli_job_status_one(struct http_client *c,
                              const struct http_client_config *rc,
                              const char *prefix,
                              const struct cli_status_opts *o)
{
	struct cli_job_ref ref = {0};
	json_t *job = NULL;
	struct err e;
	int code = 1;
	err_clear(&e);
	if (cli_job_resolve(c, cli_all_namespaces(rc), prefix, &ref) != 0)
		return 1;
	if (cli_job_get(c, &ref, NULL, false, NULL, &job, &e) != ERR_OK) {
		fprintf(stderr, "Error querying job: %s\n", e.msg);
		goto out;
	}
	if (o->json) {
		mem_free(ref.ns);
		ref.ns = mem_strdup(fmt_jstr(job, "Namespace"));
		if (ref.ns == NULL)
			fprintf(stderr, "Error: out of memory\n");
		else
			code = cli_job_status_json(c, &ref, 1, o->all_allocs);
		goto out;
	}
	code = cli_job_status_detail(c, &ref, job, o);
out:
	json_decref(job);
	cli_job_ref_release(&ref);
	return code;
}

int cli_cmd_job_status(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct cli_status_opts o = {0};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"verbose", FLAG_BOOL, &o.verbose},
	    {"json", FLAG_BOOL, &o.json},
	    {"short", FLAG_BOOL, &o.short_only},
	    {"evals", FLAG_BOOL, &o.evals},
	    {"all-allocs", FLAG_BOOL, &o.all_allocs},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest > 1)
		return cli_usage_error(cmd, "This command takes either no "
		                            "arguments or one: <job>");
	if (http_client_open(&rc, &c) != 0)
		return 1;
	if (nrest == 0)
		code = cli_job_status_list(c, &rc, &o);
	else
		code = cli_job_status_one(c, &rc, rest[0], &o);
	http_client_destroy(c);
	return code;
}

/* ---- job inspect and job history --------------------------------------- */

/* Parses a -version value; prints the error. */
static int cli_parse_version(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0) {
		fprintf(stderr,
		        "Error parsing version value \"%s\": invalid "
		        "syntax\n",
		        s);
		return 1;
	}
	return 0;
}

/* The Versions array of /v1/job/:id/versions (a bare array is accepted
 * too). Borrowed from resp. */
static const json_t *cli_versions(const json_t *resp)
{
	return json_is_array(resp) ? resp : json_object_get(resp, "Versions");
}

static const json_t *cli_version_find(const json_t *versions, uint64_t v)
{
	for (size_t i = 0; i < json_array_size(versions); i++) {
		const json_t *j = json_array_get(versions, i);
		if ((uint64_t)fmt_jint(j, "Version") == v)
			return j;
	}
	return NULL;
}

/* Prints {"Job": job} (or the bare job with bare_json). */
static int cli_print_job(const json_t *job, bool bare_json)
{
	struct buf out;
	json_t *wrap = bare_json ? NULL : json_object();
	int rc;
	buf_init(&out);
	if (!bare_json &&
	    (wrap == NULL || json_object_set(wrap, "Job", (json_t *)job) != 0))
		out.oom = true;
	fmt_json(bare_json ? job : wrap, &out);
	rc = cli_output(&out);
	json_decref(wrap);
	buf_release(&out);
	return rc;
}

static int cli_inspect_all(struct http_client *c)
{
	json_t *jobs = NULL;
	struct buf out;
	struct err e;
	int rc;
	err_clear(&e);
	if (http_client_get_json(c, "/v1/jobs", NULL, &jobs, NULL, &e) != 0) {
		fprintf(stderr, "Error querying jobs: %s\n", e.msg);
		return 1;
	}
	buf_init(&out);
	fmt_json(jobs, &out);
	rc = cli_output(&out);
	buf_release(&out);
	json_decref(jobs);
	return rc;
}

static int cli_inspect_one(struct http_client *c, const struct cli_job_ref *r,
                           const char *version, bool json)
{
	json_t *resp = NULL;
	const json_t *job;
	uint64_t v = 0;
	struct err e;
	int rc = 1;
	err_clear(&e);
	if (version != NULL && cli_parse_version(version, &v) != 0)
		return 1;
	if (cli_job_get(c, r, version ? "/versions" : NULL, false, NULL, &resp,
	                &e) != ERR_OK) {
		fprintf(stderr, "Error inspecting job: %s\n", e.msg);
		return 1;
	}
	job = version ? cli_version_find(cli_versions(resp), v) : resp;
	if (job == NULL)
		fprintf(stderr,
		        "Error inspecting job: job \"%s\" with version "
		        "%llu couldn't be found\n",
		        r->id, (unsigned long long)v);
	else
		rc = cli_print_job(job, json);
	json_decref(resp);
	return rc;
}

int cli_cmd_job_inspect(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	const char *version = NULL;
	bool json = false;
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"json", FLAG_BOOL, &json},
	    {"version", FLAG_STRING, &version},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	struct cli_job_ref ref = {0};
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest != 1 && !(nrest == 0 && json))
		return cli_usage_error(cmd, "This command takes one argument: "
		                            "<job>");
	if (http_client_open(&rc, &c) != 0)
		return 1;
	if (nrest == 0)
		code = cli_inspect_all(c);
	else if ((code = cli_job_resolve(c, cli_all_namespaces(&rc), rest[0],
	                                 &ref)) == 0)
		code = cli_inspect_one(c, &ref, version, json);
	cli_job_ref_release(&ref);
	http_client_destroy(c);
	return code;
}

static int cli_history_print(const json_t *versions, const char *version,
                             bool json)
{
	const json_t *shown = versions;
	json_t *one = NULL;
	struct buf out;
	uint64_t v;
	int rc;
	if (version != NULL) {
		if (cli_parse_version(version, &v) != 0)
			return 1;
		shown = cli_version_find(versions, v);
		if (shown == NULL && !json) {
			fprintf(stderr, "Error printing job history for "
			                "non-existing job or job version\n");
			return 1;
		}
	}
	buf_init(&out);
	if (json) {
		fmt_json(shown, &out);
	} else if (version != NULL) {
		one = json_array();
		if (one == NULL || json_array_append(one, (json_t *)shown) != 0)
			out.oom = true;
		fmt_job_versions(one, &out);
	} else {
		fmt_job_versions(versions, &out);
	}
	rc = cli_output(&out);
	json_decref(one);
	buf_release(&out);
	return rc;
}

int cli_cmd_job_history(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	const char *version = NULL;
	bool json = false;
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"json", FLAG_BOOL, &json},
	    {"version", FLAG_STRING, &version},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	struct cli_job_ref ref = {0};
	json_t *resp = NULL;
	struct err e;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest != 1)
		return cli_usage_error(cmd, "This command takes one argument: "
		                            "<job>");
	err_clear(&e);
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = cli_job_resolve(c, cli_all_namespaces(&rc), rest[0], &ref);
	if (code == 0 && cli_job_get(c, &ref, "/versions", false, NULL, &resp,
	                             &e) != ERR_OK) {
		fprintf(stderr, "Error retrieving job versions: %s\n", e.msg);
		code = 1;
	}
	if (code == 0)
		code = cli_history_print(cli_versions(resp), version, json);
	json_decref(resp);
	cli_job_ref_release(&ref);
	http_client_destroy(c);
	return code;
}

/* ---- the evaluation monitor ------------------------------------------- */

#define CLI_POLL_NS          STIME_NS_PER_S
#define CLI_MONITOR_LIMIT_NS (5 * STIME_NS_PER_MIN)

static void cli_sleep_ns(int64_t ns)
{
	struct timespec ts = {(time_t)(ns / STIME_NS_PER_S),
	                      (long)(ns % STIME_NS_PER_S)};
	if (ns <= 0)
		return;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A blocking GET of one object: with *index set, the server holds the
 * request until the object changes or about a poll period passes. A
 * server that answers at once with nothing new is paced by sleeping out
 * the period, so polling never spins. */
int cli_poll_get(struct http_client *c, const char *path, bool optional,
                 uint64_t *index, json_t **out, struct err *e)
{
	struct strmap q = {0};
	struct http_client_meta m = {0};
	int64_t start = stime_mono_ns();
	uint64_t before = *index;
	char idx[32];
	int rc = ERR_NOMEM;
	snprintf(idx, sizeof idx, "%llu", (unsigned long long)before);
	if (before > 0 && (strmap_set(&q, "index", idx) != 0 ||
	                   strmap_set(&q, "wait", "1000ms") != 0)) {
		err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = http_client_get_json(c, path, &q, out, &m, e);
	if (optional && rc == ERR_NOTFOUND && m.empty_body) {
		err_clear(e);
		rc = ERR_OK;
	}
	if (rc == ERR_OK)
		*index = m.index;
	if (rc == ERR_OK && before > 0 && m.index <= before)
		cli_sleep_ns(start + CLI_POLL_NS - stime_mono_ns());
out:
	strmap_release(&q);
	return rc;
}

static json_t *cli_filter_allocs(const json_t *allocs, const char *eval_id)
{
	json_t *out = json_array();
	for (size_t i = 0; out != NULL && i < json_array_size(allocs); i++) {
		json_t *a = json_array_get(allocs, i);
		if (strcmp(fmt_jstr(a, "EvalID"), eval_id) != 0)
			continue;
		if (json_array_append(out, a) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* GET /v1/evaluation/<id>/allocations; *out NULL when the server does
 * not serve that route. */
static int cli_eval_allocs_direct(struct http_client *c, const json_t *eval,
                                  json_t **out, struct err *e)
{
	struct strmap q = {0};
	char *path = http_client_path("/v1/evaluation/", fmt_jstr(eval, "ID"),
	                              "/allocations");
	int rc = ERR_NOMEM;
	*out = NULL;
	if (path == NULL || cli_ns_params(&q, fmt_jstr(eval, "Namespace")) != 0)
		err_set(e, ERR_NOMEM, "out of memory");
	else
		rc = http_client_get_optional(c, path, &q, out, e);
	strmap_release(&q);
	mem_free(path);
	return rc;
}

int cli_eval_allocs(struct http_client *c, const json_t *eval, json_t **out,
                    struct err *e)
{
	struct cli_job_ref ref = {(char *)fmt_jstr(eval, "JobID"),
	                          (char *)fmt_jstr(eval, "Namespace")};
	json_t *all = NULL;
	int rc = cli_eval_allocs_direct(c, eval, out, e);
	if (rc != ERR_OK || *out != NULL)
		return rc;
	/* An older server: the job's allocations with this EvalID. */
	if (ref.id[0] != '\0')
		rc = cli_job_get(c, &ref, "/allocations", true, NULL, &all, e);
	/* A purged job (job stop -purge) may answer "job not found": it has
	 * no allocations left to show. */
	if (rc == ERR_NOTFOUND) {
		err_clear(e);
		rc = ERR_OK;
	}
	if (rc != ERR_OK)
		return rc;
	*out = cli_filter_allocs(all, fmt_jstr(eval, "ID"));
	json_decref(all);
	return *out != NULL ? ERR_OK : err_set(e, ERR_NOMEM, "out of memory");
}

struct cli_mon {
	struct http_client *c;
	int length;
	json_t *eval;   /* the previous poll, NULL before the first */
	json_t *allocs; /* its allocations */
};

static void cli_mon_reset(struct cli_mon *m)
{
	json_decref(m->eval);
	json_decref(m->allocs);
	m->eval = m->allocs = NULL;
}

static int cli_mon_print(struct buf *b)
{
	int rc = cli_output(b);
	buf_reset(b);
	return rc;
}

/* One poll of the evaluation at path: prints what changed since the
 * previous one. Returns -1 to poll again, 0 once the evaluation is
 * terminal (m->eval holds it), 1 after printing an error. */
static int cli_mon_poll(struct cli_mon *m, const char *id, const char *path,
                        uint64_t *index, struct buf *out)
{
	json_t *eval = NULL, *allocs = NULL;
	char tm[FMT_TIME_MAX];
	struct err e;
	err_clear(&e);
	if (cli_poll_get(m->c, path, false, index, &eval, &e) != ERR_OK ||
	    !json_is_object(eval)) {
		fprintf(stderr, "==> No evaluation with id \"%s\" found\n", id);
		json_decref(eval);
		return 1;
	}
	if (cli_eval_allocs(m->c, eval, &allocs, &e) != ERR_OK) {
		fprintf(stderr, "==> %s: Error reading allocations: %s\n",
		        fmt_time(stime_wall_ns(), tm), e.msg);
		json_decref(eval);
		return 1;
	}
	fmt_monitor_update(m->eval, m->allocs, eval, allocs, m->length,
	                   stime_wall_ns(), out);
	cli_mon_reset(m);
	m->eval = eval;
	m->allocs = allocs;
	if (cli_mon_print(out) != 0)
		return 1;
	return fmt_eval_terminal(eval) ? 0 : -1;
}

/* How long one evaluation may take before the monitor gives up: 5m, or
 * STEPPE_MONITOR_TIMEOUT (a Go duration; a steppe extension). */
static int64_t cli_mon_limit(void)
{
	const char *s = getenv("STEPPE_MONITOR_TIMEOUT");
	int64_t ns;
	if (s != NULL && stime_parse_duration(s, &ns, NULL) == 0 && ns > 0)
		return ns;
	return CLI_MONITOR_LIMIT_NS;
}

static void cli_mon_timeout(const struct cli_mon *m, const char *id,
                            int64_t limit)
{
	char tm[FMT_TIME_MAX], dur[FMT_TIME_MAX];
	fprintf(stderr,
	        "==> %s: Evaluation \"%.*s\" still \"%s\" after %s: stopped "
	        "monitoring\n",
	        fmt_time(stime_wall_ns(), tm), m->length, id,
	        fmt_jstr(m->eval, "Status"), fmt_duration(limit, dur));
}

/* Polls one evaluation (blocking queries, each bounded by the server's
 * wait), printing what changes, until it is terminal or the monitor's
 * limit passes. Returns 0 with m->eval the final state, or 1 after
 * printing an error. */
static int cli_mon_follow(struct cli_mon *m, const char *id)
{
	char *path = http_client_path("/v1/evaluation/", id, NULL);
	int64_t limit = cli_mon_limit();
	int64_t deadline = stime_mono_ns() + limit;
	uint64_t index = 0;
	struct buf out;
	int rc = -1;
	if (path == NULL) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	buf_init(&out);
	while (rc < 0 && stime_mono_ns() < deadline)
		rc = cli_mon_poll(m, id, path, &index, &out);
	if (rc < 0) {
		cli_mon_timeout(m, id, limit);
		rc = 1;
	}
	mem_free(path);
	buf_release(&out);
	return rc;
}

static bool cli_deploy_done(const char *status)
{
	return strcmp(status, "successful") == 0 ||
	       strcmp(status, "failed") == 0 ||
	       strcmp(status, "cancelled") == 0 ||
	       strcmp(status, "blocked") == 0;
}

/* Follows a deployment until it ends. Returns 0 when it succeeded (or
 * the server has no deployments endpoint), 1 otherwise. */
static int cli_mon_deployment(struct http_client *c, const char *id, int length)
{
	char *path = http_client_path("/v1/deployment/", id, NULL);
	char tm[FMT_TIME_MAX];
	uint64_t index = 0;
	struct buf out;
	struct err e;
	int rc = 1;
	err_clear(&e);
	buf_init(&out);
	buf_appendf(&out, "==> %s: Monitoring deployment ",
	            fmt_time(stime_wall_ns(), tm));
	buf_appendf(&out, "\"%.*s\"\n", length, id);
	while (path != NULL && cli_mon_print(&out) == 0) {
		json_t *d = NULL;
		if (cli_poll_get(c, path, true, &index, &d, &e) != ERR_OK) {
			fprintf(stderr,
			        "    %s: Error fetching deployment: %s\n",
			        fmt_time(stime_wall_ns(), tm), e.msg);
			break;
		}
		if (!json_is_object(d)) {
			rc = 0; /* no deployments on this server */
			json_decref(d);
			break;
		}
		if (cli_deploy_done(fmt_jstr(d, "Status"))) {
			fmt_monitor_deployment(d, length, stime_wall_ns(),
			                       &out);
			rc = strcmp(fmt_jstr(d, "Status"), "successful") != 0;
			rc |= cli_mon_print(&out);
			json_decref(d);
			break;
		}
		json_decref(d);
	}
	mem_free(path);
	buf_release(&out);
	return rc;
}

/* Prints the finished evaluation; returns the eval to follow next (a
 * copy the caller frees) or NULL. */
static char *cli_mon_finish(struct cli_mon *m, bool *sched_failure)
{
	struct buf out;
	char tm[FMT_TIME_MAX], dur[FMT_TIME_MAX];
	const char *next = fmt_jstr(m->eval, "NextEval");
	int64_t wait = fmt_jint(m->eval, "Wait");
	buf_init(&out);
	*sched_failure =
	    fmt_monitor_finished(m->eval, m->length, stime_wall_ns(), &out);
	if (next[0] != '\0' && wait != 0)
		buf_appendf(&out,
		            "==> %s: Monitoring next evaluation \"%.*s\" in "
		            "%s\n",
		            fmt_time(stime_wall_ns(), tm), m->length, next,
		            fmt_duration(wait, dur));
	cli_mon_print(&out);
	buf_release(&out);
	if (next[0] == '\0')
		return NULL;
	cli_sleep_ns(wait);
	return mem_strdup(next);
}

int cli_monitor_eval(struct http_client *c, const char *eval_id, int length)
{
	struct cli_mon m = {c, length, NULL, NULL};
	char tm[FMT_TIME_MAX];
	char *id = mem_strdup(eval_id), *next;
	bool sched_failure = false;
	int rc = 1;
	while (id != NULL) {
		printf("==> %s: Monitoring evaluation \"%.*s\"\n",
		       fmt_time(stime_wall_ns(), tm), length, id);
		fflush(stdout);
		if (cli_mon_follow(&m, id) != 0)
			goto out;
		next = cli_mon_finish(&m, &sched_failure);
		if (next == NULL)
			break;
		mem_free(id);
		id = next;
		cli_mon_reset(&m);
	}
	if (id == NULL) {
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	rc = sched_failure ? 2 : 0;
	if (fmt_jstr(m.eval, "DeploymentID")[0] != '\0') {
		if (cli_mon_deployment(c, fmt_jstr(m.eval, "DeploymentID"),
		                       length) != 0)
			rc = 1;
		else
			rc = 0;
	}
out:
	cli_mon_reset(&m);
	mem_free(id);
	return rc;
}

/* ---- job stop --------------------------------------------------------- */

struct cli_stop_opts {
	bool detach, purge, yes, verbose, global, no_delay;
	int64_t priority;
};

int cli_confirm(const char *question, const char *cancel, bool *ok)
{
	char line[256];
	size_t len;
	*ok = false;
	printf("%s ", question);
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL)
		line[0] = '\0';
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (len == 0 || line[0] == 'n' || line[0] == 'N') {
		printf("%s\n", cancel);
		return 0;
	}
	if ((line[0] == 'y' || line[0] == 'Y') && len > 1) {
		printf(
		    "For confirmation, an exact \xe2\x80\x98y\xe2\x80\x99 is "
		    "required.\n");
		return 0;
	}
	if (strcmp(line, "y") != 0) {
		printf("No confirmation detected. For confirmation, an exact "
		       "'y' is required.\n");
		return 1;
	}
	*ok = true;
	return 0;
}

/* The questions Nomad asks before stopping a job named by a prefix, or a
 * multi-region job in one region. Returns -1 to go on. */
static int cli_stop_confirm(const char *arg, const json_t *job, int njobs,
                            const struct cli_stop_opts *o)
{
	const char *id = fmt_jstr(job, "ID");
	const json_t *mr = json_object_get(job, "Multiregion");
	char q[512];
	bool ok;
	int rc;
	if (njobs != 1 || o->yes)
		return -1;
	if (strcmp(arg, id) != 0) {
		snprintf(q, sizeof q,
		         "Are you sure you want to stop job \"%s\"? [y/N]", id);
		if ((rc = cli_confirm(q, "Cancelling job stop", &ok)) != 0 ||
		    !ok)
			return rc;
	}
	if (mr != NULL && !json_is_null(mr) && !o->global) {
		snprintf(q, sizeof q,
		         "Are you sure you want to stop multi-region job "
		         "\"%s\" in a single region? [y/N]",
		         id);
		if ((rc = cli_confirm(q, "Cancelling job stop", &ok)) != 0 ||
		    !ok)
			return rc;
	}
	return -1;
}

static int cli_stop_params(struct strmap *q, const json_t *job,
                           const struct cli_stop_opts *o)
{
	char prio[32];
	snprintf(prio, sizeof prio, "%lld", (long long)o->priority);
	if ((o->purge && strmap_set(q, "purge", "true")) ||
	    (o->global && strmap_set(q, "global", "true")) ||
	    (o->priority != 0 && strmap_set(q, "eval_priority", prio)) ||
	    (o->no_delay && strmap_set(q, "no_shutdown_delay", "true")))
		return 1;
	return cli_ns_params(q, fmt_jstr(job, "Namespace"));
}

/* Deregisters job; then prints the eval ID (-detach) or monitors it. */
static int cli_stop_job(struct http_client *c, const char *arg,
                        const json_t *job, const struct cli_stop_opts *o)
{
	struct strmap q = {0};
	char *path = http_client_path("/v1/job/", fmt_jstr(job, "ID"), NULL);
	json_t *resp = NULL;
	const char *eval;
	struct err e;
	int rc = 1;
	err_clear(&e);
	if (path == NULL || cli_stop_params(&q, job, o) != 0) {
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	if (http_client_send_json(c, "DELETE", path, &q, NULL, &resp, NULL,
	                          &e) != ERR_OK) {
		fprintf(stderr, "Error deregistering job with id %s err: %s\n",
		        arg, e.msg);
		goto out;
	}
	eval = fmt_jstr(resp, "EvalID");
	rc = 0;
	if (eval[0] != '\0' && o->detach)
		printf("%s\n", eval);
	else if (eval[0] != '\0')
		rc = cli_monitor_eval(c, eval,
		                      o->verbose ? FMT_FULL_ID : FMT_SHORT_ID);
out:
	json_decref(resp);
	strmap_release(&q);
	mem_free(path);
	return rc;
}

static int cli_stop_one(struct http_client *c, bool all_ns, const char *arg,
                        int njobs, const struct cli_stop_opts *o)
{
	struct cli_job_ref ref = {0};
	json_t *job = NULL;
	struct err e;
	int rc = 1;
	err_clear(&e);
	if (cli_job_resolve(c, all_ns, arg, &ref) != 0)
		return 1;
	if (cli_job_get(c, &ref, NULL, false, NULL, &job, &e) != ERR_OK) {
		fprintf(stderr, "Error querying job \"%s\": %s\n", ref.id,
		        e.msg);
		goto out;
	}
	rc = cli_stop_confirm(arg, job, njobs, o);
	if (rc < 0)
		rc = cli_stop_job(c, arg, job, o);
out:
	json_decref(job);
	cli_job_ref_release(&ref);
	return rc;
}

int cli_cmd_job_stop(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct cli_stop_opts o = {0};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"detach", FLAG_BOOL, &o.detach},
	    {"purge", FLAG_BOOL, &o.purge},
	    {"yes", FLAG_BOOL, &o.yes},
	    {"verbose", FLAG_BOOL, &o.verbose},
	    {"global", FLAG_BOOL, &o.global},
	    {"no-shutdown-delay", FLAG_BOOL, &o.no_delay},
	    {"eval-priority", FLAG_INT, &o.priority},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	char **rest;
	int nrest, worst = 0;
	int code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest < 1)
		return cli_usage_error(cmd, "This command takes at least one "
		                            "argument: <job>");
	if (http_client_open(&rc, &c) != 0)
		return 1;
	for (int i = 0; i < nrest; i++) {
		code = cli_stop_one(c, cli_all_namespaces(&rc), rest[i], nrest,
		                    &o);
		if (worst == 0)
			worst = code;
	}
	http_client_destroy(c);
	return worst;
}

/* ---- job run: register and monitor ----------------------------------- */

/* {"Source", "Format", "VariableFlags"} of the submission; NULL on oom
 * or text that is not UTF-8. */
static json_t *cli_submission_json(const struct cli_job_submission *sub)
{
	json_t *s = json_object(), *vars = json_object();
	if (s == NULL ||
	    json_object_set_new(s, "Source", json_string(sub->source)) ||
	    json_object_set_new(s, "Format", json_string(sub->format)) ||
	    json_object_set(s, "VariableFlags", vars))
		goto fail;
	for (size_t i = 0; i < sub->nvars; i++) {
		const char *eq = strchr(sub->vars[i], '=');
		char *key =
		    eq != NULL
		        ? mem_strndup(sub->vars[i], (size_t)(eq - sub->vars[i]))
		        : NULL;
		int rc = key != NULL ? json_object_set_new(vars, key,
		                                           json_string(eq + 1))
		                     : eq != NULL;
		mem_free(key);
		if (rc != 0)
			goto fail;
	}
	json_decref(vars);
	return s;
fail:
	json_decref(vars);
	json_decref(s);
	return NULL;
}

/* The PUT /v1/jobs body: {"Job", "Submission"?, "EnforceIndex"?,
 * "JobModifyIndex"?}. The submission is a record for the server and is
 * left out when it cannot be encoded. NULL on oom. */
static json_t *cli_register_body(const struct job *job,
                                 const struct cli_job_submission *sub,
                                 bool enforce, uint64_t index)
{
	json_t *body = json_object(), *s;
	if (body == NULL ||
	    json_object_set_new(body, "Job",
	                        schema_json_encode(&job_schema, job)) != 0)
		goto oom;
	s = sub != NULL && sub->source != NULL ? cli_submission_json(sub)
	                                       : NULL;
	if (s != NULL && json_object_set_new(body, "Submission", s) != 0)
		goto oom;
	if (enforce &&
	    (json_object_set_new(body, "EnforceIndex", json_true()) != 0 ||
	     json_object_set_new(body, "JobModifyIndex",
	                         json_integer((json_int_t)index)) != 0))
		goto oom;
	return body;
oom:
	json_decref(body);
	return NULL;
}

/* Prints a register failure, with Nomad's special case for a failed
 * check-index: the "Enforcing job modify index ..." reason, then "Job not
 * updated". */
static void cli_register_error(const struct err *e)
{
	const char *m = strstr(e->msg, "(Enforcing job modify index");
	const char *close = m != NULL ? strrchr(m, ')') : NULL;
	if (close != NULL) {
		fprintf(stderr, "%.*s\nJob not updated\n", (int)(close - m - 1),
		        m + 1);
		return;
	}
	fprintf(stderr, "Error submitting job: %s\n", e->msg);
}

int cli_job_target(struct http_client_config *rc, struct job *job)
{
	if (job->region != NULL && job->region[0] != '\0')
		rc->region = job->region;
	if (job->namespace != NULL && job->namespace[0] != '\0')
		rc->namespace = job->namespace;
	http_client_config_env(rc);
	if ((job->region == NULL || job->region[0] == '\0') && rc->region &&
	    (job->region = mem_strdup(rc->region)) == NULL)
		return 1;
	if ((job->namespace == NULL || job->namespace[0] == '\0') &&
	    rc->namespace && strcmp(rc->namespace, "*") != 0 &&
	    (job->namespace = mem_strdup(rc->namespace)) == NULL)
		return 1;
	return 0;
}

static int cli_register_done(struct http_client *c, const struct job *job,
                             const json_t *resp, bool detach, int length)
{
	const char *warnings = fmt_jstr(resp, "Warnings");
	const char *eval = fmt_jstr(resp, "EvalID");
	bool periodic = job->periodic != NULL;
	bool param = job->parameterized_job != NULL;
	bool multiregion = job->multiregion.kind != VALUE_NULL;
	if (warnings[0] != '\0')
		printf("Job Warnings:\n%s\n\n", warnings);
	if (detach || periodic || param || multiregion) {
		printf("Job registration successful\n");
		/* Nomad prints the next launch of a periodic job here; that
		 * needs a cron evaluator steppe does not have yet. */
		if (!periodic && !param)
			printf("Evaluation ID: %s\n", eval);
		return 0;
	}
	fflush(stdout);
	return cli_monitor_eval(c, eval, length);
}

static int cli_parse_check_index(const char *s, bool *enforce, uint64_t *idx)
{
	char *end;
	*enforce = s != NULL && s[0] != '\0';
	*idx = 0;
	if (!*enforce)
		return 0;
	errno = 0;
	*idx = strtoull(s, &end, 10);
	if (*s == '-' || *end != '\0' || errno != 0) {
		fprintf(stderr,
		        "Error parsing check-index value \"%s\": "
		        "invalid syntax\n",
		        s);
		return 1;
	}
	return 0;
}

int cli_job_submit(struct http_client_config *rc, struct job *job,
                   const struct cli_job_submission *sub, bool detach,
                   bool verbose, const char *check_index)
{
	struct http_client *c = NULL;
	json_t *body = NULL, *resp = NULL;
	uint64_t index;
	bool enforce;
	struct err e;
	int code = 1;
	err_clear(&e);
	if (cli_parse_check_index(check_index, &enforce, &index) != 0)
		return 1;
	if (cli_job_target(rc, job) != 0 || job_canonicalize_api(job) != 0 ||
	    (body = cli_register_body(job, sub, enforce, index)) == NULL) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	if (http_client_open(rc, &c) != 0)
		goto out;
	if (http_client_send_json(c, "PUT", "/v1/jobs", NULL, body, &resp, NULL,
	                          &e) != ERR_OK) {
		cli_register_error(&e);
		goto out;
	}
	code = cli_register_done(c, job, resp, detach,
	                         verbose ? FMT_FULL_ID : FMT_SHORT_ID);
out:
	json_decref(resp);
	json_decref(body);
	http_client_destroy(c);
	return code;
}
