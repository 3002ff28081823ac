/* cli/cmd_job_plan.c: `job plan` and `job scale`. The first half renders
 * a plan response as Nomad's job_plan.go does (pure functions, declared in
 * cli/cli.h for the tests): the job diff, the scheduler dry-run and the
 * check-index hint; the second half is the two commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "jobspec/jobspec.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "structs/structs.h"

/* ---- the diff --------------------------------------------------------- */

/* Nomad's getDiffString: the marker of a diff type and its length. */
static const char *cli_marker(const json_t *d, int *len)
{
	const char *type = fmt_jstr(d, "Type");
	const char *m = strcmp(type, "Added") == 0     ? "+ "
	                : strcmp(type, "Deleted") == 0 ? "- "
	                : strcmp(type, "Edited") == 0  ? "+/- "
	                                               : "";
	*len = (int)strlen(m);
	return m;
}

static void cli_spaces(struct buf *out, int n)
{
	for (int i = 0; i < n; i++)
		buf_append_char(out, ' ');
}

/* The longest field name and the longest marker of fields and objects. */
static void cli_longest(const json_t *fields, const json_t *objects, int *field,
                        int *marker)
{
	int len;
	*field = *marker = 0;
	for (size_t i = 0; i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);
		int n = (int)strlen(fmt_jstr(f, "Name"));
		cli_marker(f, &len);
		*field = n > *field ? n : *field;
		*marker = len > *marker ? len : *marker;
	}
	for (size_t i = 0; i < json_array_size(objects); i++) {
		cli_marker(json_array_get(objects, i), &len);
		*marker = len > *marker ? len : *marker;
	}
}

/* " (a, b)" of an Annotations array, nothing when empty. */
static void cli_annotations(struct buf *out, const json_t *ann)
{
	if (json_array_size(ann) == 0)
		return;
	buf_append_str(out, " (");
	for (size_t i = 0; i < json_array_size(ann); i++) {
		const char *s = json_string_value(json_array_get(ann, i));
		buf_appendf(out, "%s%s", i ? ", " : "", s ? s : "");
	}
	buf_append_char(out, ')');
}

static void cli_field_diff(struct buf *out, const json_t *f, int start,
                           int key_pad, int value_pad)
{
	const char *type = fmt_jstr(f, "Type");
	int len;
	cli_spaces(out, start);
	buf_append_str(out, cli_marker(f, &len));
	cli_spaces(out, key_pad);
	buf_appendf(out, "%s: ", fmt_jstr(f, "Name"));
	cli_spaces(out, value_pad);
	if (strcmp(type, "Deleted") == 0) {
		fmt_quote(out, fmt_jstr(f, "Old"));
	} else if (strcmp(type, "Edited") == 0) {
		fmt_quote(out, fmt_jstr(f, "Old"));
		buf_append_str(out, " => ");
		fmt_quote(out, fmt_jstr(f, "New"));
	} else {
		fmt_quote(out, fmt_jstr(f, "New"));
	}
	cli_annotations(out, json_object_get(f, "Annotations"));
}

static void cli_aligned(struct buf *out, const json_t *fields,
                        const json_t *objects, int start, int longest_field,
                        int longest_marker);

static void cli_object_diff(struct buf *out, const json_t *o, int start,
                            int key_pad)
{
	const json_t *fields = json_object_get(o, "Fields");
	const json_t *objects = json_object_get(o, "Objects");
	int mlen, lf, lm;
	cli_spaces(out, start);
	buf_append_str(out, cli_marker(o, &mlen));
	cli_spaces(out, key_pad);
	buf_appendf(out, "%s {\n", fmt_jstr(o, "Name"));
	cli_longest(fields, objects, &lf, &lm);
	cli_aligned(out, fields, objects, start + key_pad + 2, lf, lm);
	buf_append_char(out, '\n');
	cli_spaces(out, start + mlen + key_pad);
	buf_append_char(out, '}');
}

/* Nomad's alignedFieldAndObjects: one line per field (values aligned),
 * then each object; no newline after the last. */
static void cli_aligned(struct buf *out, const json_t *fields,
                        const json_t *objects, int start, int longest_field,
                        int longest_marker)
{
	size_t nf = json_array_size(fields), no = json_array_size(objects);
	int len;
	for (size_t i = 0; i < nf; i++) {
		const json_t *f = json_array_get(fields, i);
		cli_marker(f, &len);
		cli_field_diff(out, f, start, longest_marker - len,
		               longest_field -
		                   (int)strlen(fmt_jstr(f, "Name")));
		if (i + 1 != nf || no > 0)
			buf_append_char(out, '\n');
	}
	for (size_t i = 0; i < no; i++) {
		const json_t *o = json_array_get(objects, i);
		cli_marker(o, &len);
		cli_object_diff(out, o, start, longest_marker - len);
		if (i + 1 != no)
			buf_append_char(out, '\n');
	}
}

/* Appends fields and objects, then a newline when there were any. */
static void cli_aligned_line(struct buf *out, const json_t *d, int start,
                             int lf, int lm)
{
	size_t before = out->len;
	cli_aligned(out, json_object_get(d, "Fields"),
	            json_object_get(d, "Objects"), start, lf, lm);
	if (out->len > before)
		buf_append_char(out, '\n');
}

static void cli_task_diff(struct buf *out, const json_t *task, int start,
                          int task_pad, bool verbose)
{
	const char *type = fmt_jstr(task, "Type");
	int len, lf, lm;
	cli_spaces(out, start);
	buf_append_str(out, cli_marker(task, &len));
	cli_spaces(out, task_pad);
	buf_append_str(out, "Task: ");
	fmt_quote(out, fmt_jstr(task, "Name"));
	cli_annotations(out, json_object_get(task, "Annotations"));
	if (strcmp(type, "None") == 0 || type[0] == '\0' ||
	    ((strcmp(type, "Deleted") == 0 || strcmp(type, "Added") == 0) &&
	     !verbose))
		return;
	buf_append_char(out, '\n');
	cli_longest(json_object_get(task, "Fields"),
	            json_object_get(task, "Objects"), &lf, &lm);
	cli_aligned(out, json_object_get(task, "Fields"),
	            json_object_get(task, "Objects"), start + 2, lf, lm);
}

/* The update counts of a group: its diff's Updates, or else the plan's
 * DesiredTGUpdates for it named as Nomad's annotate.go names them. */
static json_t *cli_tg_updates(const json_t *tg, const json_t *desired,
                              struct buf *out_buf)
{
	static const char *const map[][2] = {
	    {"Ignore", "ignore"},
	    {"Place", "create"},
	    {"Migrate", "migrate"},
	    {"Stop", "destroy"},
	    {"Canary", "canary"},
	    {"InPlaceUpdate", "in-place update"},
	    {"DestructiveUpdate", "create/destroy update"}};
	const json_t *u = json_object_get(tg, "Updates");
	const json_t *d = json_object_get(desired, fmt_jstr(tg, "Name"));
	json_t *out;
	if (json_object_size(u) > 0 || !json_is_object(d))
		return json_incref((json_t *)u);
	out = json_object();
	for (size_t i = 0; out != NULL && i < 7; i++) {
		json_int_t n = fmt_jint(d, map[i][0]);
		if (n != 0 &&
		    json_object_set_new(out, map[i][1], json_integer(n)) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	out_buf->oom |= out == NULL;
	return out;
}

static int cli_cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* " (1 create, 2 in-place update)" sorted by update type, or nothing. */
static void cli_tg_update_text(struct buf *out, const json_t *updates)
{
	size_t n = json_object_size(updates), k = 0;
	const char **keys = n ? mem_malloc(n * sizeof *keys) : NULL;
	const char *key;
	json_t *v;
	if (n == 0 || keys == NULL) {
		out->oom |= n > 0;
		return;
	}
	json_object_foreach((json_t *)updates, key, v) keys[k++] = key;
	qsort(keys, n, sizeof *keys, cli_cmp_key);
	buf_append_str(out, " (");
	for (size_t i = 0; i < n; i++)
		buf_appendf(out, "%s%lld %s", i ? ", " : "",
		            (long long)fmt_jint(updates, keys[i]), keys[i]);
	buf_append_char(out, ')');
	mem_free(keys);
}

static void cli_tg_diff(struct buf *out, const json_t *tg, int tg_pad,
                        const json_t *desired, bool verbose)
{
	const json_t *tasks = json_object_get(tg, "Tasks");
	json_t *updates = cli_tg_updates(tg, desired, out);
	int len, lf, lm;
	buf_append_str(out, cli_marker(tg, &len));
	cli_spaces(out, tg_pad);
	buf_append_str(out, "Task Group: ");
	fmt_quote(out, fmt_jstr(tg, "Name"));
	cli_tg_update_text(out, updates);
	json_decref(updates);
	buf_append_char(out, '\n');
	cli_longest(json_object_get(tg, "Fields"),
	            json_object_get(tg, "Objects"), &lf, &lm);
	for (size_t i = 0; i < json_array_size(tasks); i++) {
		cli_marker(json_array_get(tasks, i), &len);
		lm = len > lm ? len : lm;
	}
	if (strcmp(fmt_jstr(tg, "Type"), "Edited") == 0 || verbose)
		cli_aligned_line(out, tg, tg_pad + 2, lf, lm);
	for (size_t i = 0; i < json_array_size(tasks); i++) {
		const json_t *t = json_array_get(tasks, i);
		cli_marker(t, &len);
		cli_task_diff(out, t, tg_pad + 2, lm - len, verbose);
		buf_append_char(out, '\n');
	}
}

void cli_fmt_job_diff(const json_t *diff, const json_t *desired, bool verbose,
                      struct buf *out)
{
	const json_t *tgs = json_object_get(diff, "TaskGroups");
	int len, lf, lm;
	buf_append_str(out, cli_marker(diff, &len));
	buf_append_str(out, "Job: ");
	fmt_quote(out, fmt_jstr(diff, "ID"));
	buf_append_char(out, '\n');
	cli_longest(json_object_get(diff, "Fields"),
	            json_object_get(diff, "Objects"), &lf, &lm);
	for (size_t i = 0; i < json_array_size(tgs); i++) {
		cli_marker(json_array_get(tgs, i), &len);
		lm = len > lm ? len : lm;
	}
	if (strcmp(fmt_jstr(diff, "Type"), "Edited") == 0 || verbose)
		cli_aligned_line(out, diff, 0, lf, lm);
	for (size_t i = 0; i < json_array_size(tgs); i++) {
		const json_t *tg = json_array_get(tgs, i);
		cli_marker(tg, &len);
		cli_tg_diff(out, tg, lm - len, desired, verbose);
		buf_append_char(out, '\n');
	}
}

/* ---- a diff when the server sends none -------------------------------- */

static bool cli_updates_change(const json_t *d)
{
	static const char *const keys[] = {"Place",   "Stop",
	                                   "Migrate", "DestructiveUpdate",
	                                   "Canary",  "InPlaceUpdate"};
	for (size_t i = 0; i < 6; i++)
		if (fmt_jint(d, keys[i]) > 0)
			return true;
	return false;
}

/* Sets key to the new value v (taken, even on failure) in o; false on
 * oom. */
static bool cli_set(json_t *o, const char *key, json_t *v)
{
	if (o == NULL) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(o, key, v) == 0;
}

/* A task of the synthesized diff: Added ("forces create") or None. */
static json_t *cli_synth_task(const json_t *task, bool added)
{
	json_t *t = json_object();
	if (!cli_set(t, "Type", json_string(added ? "Added" : "None")) ||
	    !cli_set(t, "Name", json_string(fmt_jstr(task, "Name"))) ||
	    (added &&
	     !cli_set(t, "Annotations", json_pack("[s]", "forces create")))) {
		json_decref(t);
		return NULL;
	}
	return t;
}

/* A group of the synthesized diff: Added (with its tasks) for a new job;
 * otherwise Edited by its planned updates (tasks unknown) or None (with
 * its tasks, unchanged). */
static json_t *cli_synth_tg(const json_t *tg, const json_t *desired, bool added)
{
	const json_t *d = json_object_get(desired, fmt_jstr(tg, "Name"));
	const json_t *ts = json_object_get(tg, "Tasks");
	bool edited = !added && cli_updates_change(d);
	json_t *g = json_object(), *tasks = json_array();
	if (!cli_set(g, "Tasks", tasks) ||
	    !cli_set(g, "Type",
	             json_string(added    ? "Added"
	                         : edited ? "Edited"
	                                  : "None")) ||
	    !cli_set(g, "Name", json_string(fmt_jstr(tg, "Name"))))
		goto oom;
	for (size_t i = 0; !edited && i < json_array_size(ts); i++)
		if (json_array_append_new(
		        tasks, cli_synth_task(json_array_get(ts, i), added)) !=
		    0)
			goto oom;
	return g;
oom:
	json_decref(g);
	return NULL;
}

json_t *cli_plan_synth_diff(const json_t *job, const json_t *resp)
{
	const json_t *desired = json_object_get(
	    json_object_get(resp, "Annotations"), "DesiredTGUpdates");
	const json_t *tgs = json_object_get(job, "TaskGroups");
	bool added = fmt_jint(resp, "JobModifyIndex") == 0, changed = added;
	json_t *diff = json_object(), *groups = json_array();
	if (!cli_set(diff, "TaskGroups", groups) ||
	    !cli_set(diff, "ID", json_string(fmt_jstr(job, "ID"))))
		goto oom;
	for (size_t i = 0; i < json_array_size(tgs); i++) {
		const json_t *tg = json_array_get(tgs, i);
		changed |= cli_updates_change(
		    json_object_get(desired, fmt_jstr(tg, "Name")));
		if (json_array_append_new(
		        groups, cli_synth_tg(tg, desired, added)) != 0)
			goto oom;
	}
	if (!cli_set(diff, "Type",
	             json_string(added     ? "Added"
	                         : changed ? "Edited"
	                                   : "None")))
		goto oom;
	return diff;
oom:
	json_decref(diff);
	return NULL;
}

/* ---- the dry run and the rest ----------------------------------------- */

int cli_plan_exit_code(const json_t *diff, const json_t *resp)
{
	const json_t *desired = json_object_get(
	    json_object_get(resp, "Annotations"), "DesiredTGUpdates");
	const char *key;
	json_t *d;
	if (strcmp(fmt_jstr(diff, "Type"), "None") == 0)
		return 0;
	json_object_foreach((json_t *)desired, key, d)
	{
		if (fmt_jint(d, "Stop") + fmt_jint(d, "Place") +
		        fmt_jint(d, "Migrate") +
		        fmt_jint(d, "DestructiveUpdate") +
		        fmt_jint(d, "Canary") >
		    0)
			return 1;
	}
	return 0;
}

/* The failed groups, each with its metrics, a blank line between. */
static void cli_dry_run_failures(const json_t *resp, const json_t *job,
                                 struct buf *out)
{
	const json_t *failed = json_object_get(resp, "FailedTGAllocs");
	size_t n = json_object_size(failed), k = 0;
	const char **tgs = n ? mem_malloc(n * sizeof *tgs) : NULL;
	const char *key;
	json_t *m;
	if (tgs == NULL) {
		out->oom = true;
		return;
	}
	buf_appendf(out, "- WARNING: Failed to place %s.\n",
	            strcmp(fmt_jstr(job, "Type"), "system") == 0
	                ? "allocations on all nodes"
	                : "all allocations");
	json_object_foreach((json_t *)failed, key, m) tgs[k++] = key;
	qsort(tgs, n, sizeof *tgs, cli_cmp_key);
	for (size_t i = 0; i < n; i++) {
		int64_t coalesced;
		m = json_object_get(failed, tgs[i]);
		coalesced = fmt_jint(m, "CoalescedFailures");
		buf_append_str(out, "  Task Group ");
		fmt_quote(out, tgs[i]);
		buf_appendf(out, " (failed to place %lld allocation%s):\n",
		            (long long)coalesced + 1, coalesced > 0 ? "s" : "");
		fmt_alloc_metrics(m, "    ", out);
		buf_append_char(out, '\n');
	}
	mem_free(tgs);
}

static void cli_trim_newlines(struct buf *out, size_t keep)
{
	while (out->len > keep && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
}

/* Nomad's formatDryRun, then its newline. */
static void cli_dry_run(const json_t *resp, const json_t *job, int64_t now,
                        struct buf *out)
{
	const json_t *evals = json_object_get(resp, "CreatedEvals");
	const json_t *rolling = NULL;
	char dur[FMT_TIME_MAX], tm[FMT_TIME_MAX];
	int64_t next = 0;
	size_t start = out->len;
	for (size_t i = 0; i < json_array_size(evals); i++)
		if (strcmp(fmt_jstr(json_array_get(evals, i), "TriggeredBy"),
		           "rolling-update") == 0)
			rolling = json_array_get(evals, i);
	if (json_object_size(json_object_get(resp, "FailedTGAllocs")) == 0)
		buf_append_str(out, "- All tasks successfully allocated.\n");
	else
		cli_dry_run_failures(resp, job, out);
	if (rolling != NULL)
		buf_appendf(out,
		            "- Rolling update, next evaluation will be in "
		            "%s.\n",
		            fmt_duration(fmt_jint(rolling, "Wait"), dur));
	if (stime_parse_rfc3339(fmt_jstr(resp, "NextPeriodicLaunch"), &next) ==
	        0 &&
	    next > 0 &&
	    !json_is_object(json_object_get(job, "ParameterizedJob")))
		buf_appendf(
		    out,
		    "- If submitted now, next periodic launch would be "
		    "at %s (%s from now).\n",
		    fmt_time(next, tm),
		    fmt_duration(next / STIME_NS_PER_S * STIME_NS_PER_S -
		                     now / STIME_NS_PER_S * STIME_NS_PER_S,
		                 dur));
	cli_trim_newlines(out, start);
	buf_append_char(out, '\n');
}

/* Preemptions: the allocations the plan would evict. */
static void cli_preemptions(const json_t *resp, struct buf *out)
{
	const json_t *pre = json_object_get(
	    json_object_get(resp, "Annotations"), "PreemptedAllocs");
	struct fmt_table t;
	if (json_array_size(pre) == 0)
		return;
	buf_append_str(out, "Preemptions:\n\n");
	fmt_table_init(&t, 3);
	fmt_table_add(&t, "Alloc ID");
	fmt_table_add(&t, "Job ID");
	fmt_table_add(&t, "Task Group");
	for (size_t i = 0; i < json_array_size(pre); i++) {
		const json_t *a = json_array_get(pre, i);
		fmt_table_add(&t, fmt_jstr(a, "ID"));
		fmt_table_add(&t, fmt_jstr(a, "JobID"));
		fmt_table_add(&t, fmt_jstr(a, "TaskGroup"));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

static void cli_modify_index_help(const struct cli_plan_view *v,
                                  struct buf *out)
{
	long long idx = (long long)fmt_jint(v->resp, "JobModifyIndex");
	buf_appendf(out,
	            "Job Modify Index: %lld\n"
	            "To submit the job with version verification run:\n\n"
	            "steppe job run -check-index %lld %s%s\n\n"
	            "When running the job with the check-index flag, the job "
	            "will only be run if the\n"
	            "job modify index given matches the server-side version. "
	            "If the index has\n"
	            "changed, another user has modified the job and the "
	            "plan's results are\n"
	            "potentially invalid.\n",
	            idx, idx, v->run_args ? v->run_args : "", v->path);
}

int cli_fmt_plan(const struct cli_plan_view *v, struct buf *out)
{
	const json_t *sent = json_object_get(v->resp, "Diff");
	const json_t *desired = json_object_get(
	    json_object_get(v->resp, "Annotations"), "DesiredTGUpdates");
	json_t *diff = json_is_object(sent) && fmt_jstr(sent, "Type")[0]
	                   ? json_incref((json_t *)sent)
	                   : cli_plan_synth_diff(v->job, v->resp);
	const char *warnings = fmt_jstr(v->resp, "Warnings");
	int code = cli_plan_exit_code(diff, v->resp);
	out->oom |= diff == NULL;
	if (v->diff) {
		size_t start = out->len;
		cli_fmt_job_diff(diff, desired, v->verbose, out);
		cli_trim_newlines(out, start);
		buf_append_str(out, "\n\n");
	}
	buf_append_str(out, "Scheduler dry-run:\n");
	cli_dry_run(v->resp, v->job, v->now, out);
	buf_append_char(out, '\n');
	if (warnings[0] != '\0')
		buf_appendf(out, "Job Warnings:\n%s\n\n", warnings);
	cli_preemptions(v->resp, out);
	cli_modify_index_help(v, out);
	json_decref(diff);
	return code;
}

/* ---- job plan --------------------------------------------------------- */

#define CLI_PLAN_ERROR 255

struct cli_plan_opts {
	bool diff, policy_override, verbose, json, json_output, strict;
	const char *vault_ns;
	struct flag_list vars, var_files;
};

/* An API-form JSON job file: {"Job": {...}} or the bare job. */
static int cli_plan_json(const char *path, struct job *job, struct err *e)
{
	char *src = NULL;
	size_t len = 0;
	json_error_t jerr;
	json_t *root, *obj;
	int rc = jobspec_read_file(path, JOBSPEC_MAX_FILE, &src, &len, e);
	if (rc != ERR_OK)
		return rc;
	root = json_loadb(src, len, JSON_REJECT_DUPLICATES, &jerr);
	mem_free(src);
	if (root == NULL)
		return err_set(e, ERR_PARSE, "%s:%d:%d: %s", path, jerr.line,
		               jerr.column, jerr.text);
	obj = json_object_get(root, "Job");
	rc = schema_json_decode(&job_schema, job,
	                        json_is_object(obj) ? obj : root, "Job", e);
	json_decref(root);
	return rc;
}

static int cli_plan_load(const char *path, const struct cli_plan_opts *o,
                         struct job *job)
{
	struct hcl_var_overrides ov = {
	    .var_files = o->var_files.v,
	    .nvar_files = o->var_files.n,
	    .vars = o->vars.v,
	    .nvars = o->vars.n,
	    .use_env = true,
	};
	struct err e;
	int rc;
	err_clear(&e);
	rc = o->json ? cli_plan_json(path, job, &e)
	             : jobspec_parse_file(path, &ov, job, &e);
	if (rc == ERR_OK && o->vault_ns != NULL && o->vault_ns[0] != '\0') {
		mem_free(job->vault_namespace);
		job->vault_namespace = mem_strdup(o->vault_ns);
		rc = job->vault_namespace
		         ? ERR_OK
		         : err_set(&e, ERR_NOMEM, "out of memory");
	}
	if (rc != ERR_OK)
		fprintf(stderr, "Error getting job struct: %s\n", e.msg);
	return rc;
}

/* The flags `job run -check-index` needs again: -var, -var-file,
 * -namespace (as given on the command line) and -hcl2-strict=false. */
static char *cli_plan_run_args(const struct cli_plan_opts *o, const char *ns)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < o->vars.n; i++) {
		buf_append_str(&b, "-var=");
		fmt_quote(&b, o->vars.v[i]);
		buf_append_char(&b, ' ');
	}
	for (size_t i = 0; i < o->var_files.n; i++) {
		buf_append_str(&b, "-var-file=");
		fmt_quote(&b, o->var_files.v[i]);
		buf_append_char(&b, ' ');
	}
	if (ns != NULL && ns[0] != '\0') {
		buf_append_str(&b, "-namespace=");
		fmt_quote(&b, ns);
		buf_append_char(&b, ' ');
	}
	if (!o->strict)
		buf_append_str(&b, "-hcl2-strict=false ");
	return buf_steal(&b, NULL);
}

/* PUT /v1/job/<id>/plan {"Job", "Diff": true, "PolicyOverride"}. */
static int cli_plan_send(struct http_client *c, const json_t *job,
                         bool policy_override, json_t **resp)
{
	char *path = http_client_path("/v1/job/", fmt_jstr(job, "ID"), "/plan");
	json_t *body = json_pack("{s:O, s:b, s:b}", "Job", job, "Diff", 1,
	                         "PolicyOverride", (int)policy_override);
	struct err e;
	int rc = 1;
	err_clear(&e);
	if (path == NULL || body == NULL)
		fprintf(stderr, "Error during plan: out of memory\n");
	else if (http_client_send_json(c, "PUT", path, NULL, body, resp, NULL,
	                               &e) != 0)
		fprintf(stderr, "Error during plan: %s\n", e.msg);
	else
		rc = 0;
	json_decref(body);
	mem_free(path);
	return rc;
}

static int cli_plan_print(const json_t *resp, const json_t *job,
                          const struct cli_plan_opts *o, const char *path,
                          const char *ns_flag)
{
	struct cli_plan_view v = {resp, job,  o->diff,        o->verbose,
	                          NULL, path, stime_wall_ns()};
	char *args = cli_plan_run_args(o, ns_flag);
	json_t *diff = NULL;
	struct buf out;
	int code;
	buf_init(&out);
	v.run_args = args;
	out.oom |= args == NULL;
	if (o->json_output) {
		fmt_json(resp, &out);
		diff = json_is_object(json_object_get(resp, "Diff"))
		           ? json_incref(json_object_get(resp, "Diff"))
		           : cli_plan_synth_diff(job, resp);
		code = cli_plan_exit_code(diff, resp);
	} else {
		code = cli_fmt_plan(&v, &out);
	}
	if (cli_output(&out) != 0)
		code = CLI_PLAN_ERROR;
	json_decref(diff);
	mem_free(args);
	buf_release(&out);
	return code;
}

static int cli_plan_run(struct http_client_config *rc,
                        const struct cli_plan_opts *o, const char *path)
{
	const char *ns_flag = rc->namespace;
	struct http_client *c = NULL;
	struct job job = {0};
	json_t *j = NULL, *resp = NULL;
	int code = CLI_PLAN_ERROR;
	if (cli_plan_load(path, o, &job) != ERR_OK)
		goto out;
	if (cli_job_target(rc, &job) != 0 || job_canonicalize_api(&job) != 0 ||
	    (j = schema_json_encode(&job_schema, &job)) == NULL) {
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	if (http_client_open(rc, &c) != 0 ||
	    cli_plan_send(c, j, o->policy_override, &resp) != 0)
		goto out;
	code = cli_plan_print(resp, j, o, path, ns_flag);
out:
	json_decref(resp);
	json_decref(j);
	http_client_destroy(c);
	schema_release(&job_schema, &job);
	return code;
}

int cli_cmd_job_plan(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct cli_plan_opts o = {.diff = true, .strict = true};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"diff", FLAG_BOOL, &o.diff},
	    {"policy-override", FLAG_BOOL, &o.policy_override},
	    {"verbose", FLAG_BOOL, &o.verbose},
	    {"json", FLAG_BOOL, &o.json},
	    {"json-output", FLAG_BOOL, &o.json_output},
	    {"hcl2-strict", FLAG_BOOL, &o.strict},
	    {"vault-namespace", FLAG_STRING, &o.vault_ns},
	    {"var", FLAG_LIST, &o.vars},
	    {"var-file", FLAG_LIST, &o.var_files},
	    {NULL, FLAG_BOOL, NULL},
	};
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code > 0)
		code = CLI_PLAN_ERROR;
	else if (code < 0 && nrest != 1)
		code = cli_usage_error(cmd, "This command takes one argument: "
		                            "<path>") != 0
		           ? CLI_PLAN_ERROR
		           : 0;
	else if (code < 0)
		code = cli_plan_run(&rc, &o, rest[0]);
	flags_release(flags);
	return code;
}

/* ---- job scale -------------------------------------------------------- */

struct cli_scale_opts {
	bool detach, verbose;
	int64_t check_index;
};

/* Go's strconv.Atoi, with its error text. */
static int cli_scale_count(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (*s != '\0' && *end == '\0' && errno == 0)
		return 0;
	fprintf(stderr,
	        "Failed to convert count string to int: strconv.Atoi: parsing "
	        "\"%s\": %s\n",
	        s, errno == ERANGE ? "value out of range" : "invalid syntax");
	return 1;
}

/* Nomad's performGroupCheck on the TaskGroups of /v1/job/:id/scale: the
 * group may be left out when the job has only one. *group is set to the
 * group to scale (borrowed from status). */
static int cli_scale_group(const json_t *status, const char **group)
{
	const json_t *groups = json_object_get(status, "TaskGroups");
	const char *key;
	json_t *v;
	if (json_object_size(groups) > 1 && **group == '\0') {
		fprintf(stderr, "Group name required\n");
		return 1;
	}
	json_object_foreach((json_t *)groups, key, v)
	{
		if (json_object_size(groups) == 1 && **group == '\0')
			*group = key;
		if (strcmp(key, *group) == 0)
			return 0;
	}
	fprintf(stderr, "Group %s not found within job\n", *group);
	return 1;
}

/* GET /v1/job/<id><suffix> in namespace ns. */
static int cli_scale_get(struct http_client *c, const char *id,
                         const char *suffix, const char *ns, json_t **out,
                         struct err *e)
{
	struct strmap q = {0};
	char *path = http_client_path("/v1/job/", id, suffix);
	int rc = ERR_NOMEM;
	*out = NULL;
	if (path == NULL || (ns[0] != '\0' && strmap_set(&q, "namespace", ns)))
		err_set(e, ERR_NOMEM, "out of memory");
	else
		rc = http_client_get_json(c, path, &q, out, NULL, e);
	strmap_release(&q);
	mem_free(path);
	return rc;
}

/* PUT /v1/job/<id>/scale; *resp is the JobRegisterResponse. */
static int cli_scale_send(struct http_client *c, const char *id, const char *ns,
                          const char *group, int64_t count,
                          const struct cli_scale_opts *o, json_t **resp)
{
	struct strmap q = {0};
	char *path = http_client_path("/v1/job/", id, "/scale");
	json_t *body = json_pack(
	    "{s:I, s:{s:s, s:s}, s:s, s:b, s:I}", "Count", (json_int_t)count,
	    "Target", "Job", id, "Group", group, "Message",
	    "submitted using the steppe CLI", "PolicyOverride", 0,
	    "JobModifyIndex", (json_int_t)o->check_index);
	struct err e;
	int rc = 1;
	err_clear(&e);
	if (path == NULL || body == NULL ||
	    (ns[0] != '\0' && strmap_set(&q, "namespace", ns)))
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_send_json(c, "PUT", path, &q, body, resp, NULL,
	                               &e) != 0)
		fprintf(stderr, "Error submitting scaling request: %s\n",
		        e.msg);
	else
		rc = 0;
	strmap_release(&q);
	json_decref(body);
	mem_free(path);
	return rc;
}

/* After the scale: -detach, periodic, parameterized and multi-region jobs
 * print the evaluation; others follow it. */
static int cli_scale_done(struct http_client *c, const char *id, const char *ns,
                          const json_t *resp, const struct cli_scale_opts *o)
{
	const json_t *mr;
	json_t *job = NULL;
	bool periodic, param;
	struct err e;
	int rc = 0;
	err_clear(&e);
	if (fmt_jstr(resp, "Warnings")[0] != '\0')
		printf("Job Warnings:\n%s\n\n", fmt_jstr(resp, "Warnings"));
	if (cli_scale_get(c, id, NULL, ns, &job, &e) != 0) {
		fprintf(stderr, "Error looking up job: %s\n", e.msg);
		return 1;
	}
	periodic = json_is_object(json_object_get(job, "Periodic"));
	param = json_is_object(json_object_get(job, "ParameterizedJob"));
	mr = json_object_get(job, "Multiregion");
	if (o->detach || periodic || param || json_is_object(mr)) {
		printf("Job scale successful\n");
		if (!periodic && !param)
			printf("Evaluation ID: %s\n", fmt_jstr(resp, "EvalID"));
	} else {
		fflush(stdout);
		rc = cli_monitor_eval(c, fmt_jstr(resp, "EvalID"),
		                      o->verbose ? FMT_FULL_ID : FMT_SHORT_ID);
	}
	json_decref(job);
	return rc;
}

static int cli_scale_run(struct http_client *c, bool all_ns, char **args,
                         int nargs, const struct cli_scale_opts *o)
{
	const char *group = nargs == 3 ? args[1] : "";
	char *id = NULL, *ns = NULL;
	json_t *status = NULL, *resp = NULL;
	int64_t count;
	struct err e;
	int rc = 1;
	err_clear(&e);
	if (cli_scale_count(args[nargs - 1], &count) != 0)
		return 1;
	if (cli_job_id_by_prefix(c, all_ns, args[0], &id, &ns) != 0)
		return 1;
	if (cli_scale_get(c, id, "/scale", ns, &status, &e) != 0)
		fprintf(stderr, "Error querying job: %s\n", e.msg);
	else if (cli_scale_group(status, &group) == 0 &&
	         cli_scale_send(c, id, ns, group, count, o, &resp) == 0)
		rc = cli_scale_done(c, id, ns, resp, o);
	json_decref(status);
	json_decref(resp);
	mem_free(id);
	mem_free(ns);
	return rc;
}

int cli_cmd_job_scale(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct cli_scale_opts o = {0};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"check-index", FLAG_INT, &o.check_index},
	    {"detach", FLAG_BOOL, &o.detach},
	    {"verbose", FLAG_BOOL, &o.verbose},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest < 2 || nrest > 3) {
		fprintf(stderr,
		        "Command requires at least two arguments and no "
		        "more than three\n");
		return 1;
	}
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = cli_scale_run(
	    c, rc.namespace != NULL && strcmp(rc.namespace, "*") == 0, rest,
	    nrest, &o);
	http_client_destroy(c);
	return code;
}
