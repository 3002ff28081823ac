#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "jobspec/jobspec.h"
#include "lib/mem.h"
#include "structs/structs.h"

/* Flags shared by the commands that read a job file. */
struct cli_job_input {
	bool json;
	struct flag_list vars;
	struct flag_list var_files;
};

/* Decodes API-form JSON: {"Job": {...}} or a bare job object. */
static int cli_job_from_json(const char *path, const char *src, size_t len,
                             struct job *job, struct err *e)
{
	json_error_t jerr;
	json_t *root = json_loadb(src, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *obj;
	int rc;
	if (root == NULL)
		return err_set(e, ERR_PARSE, "%s:%d:%d: %s", path, jerr.line,
		               jerr.column, jerr.text);
	obj = json_object_get(root, "Job");
	if (obj == NULL || !json_is_object(obj))
		obj = root;
	rc = schema_json_decode(&job_schema, job, obj, "Job", e);
	if (rc != ERR_OK)
		err_wrap(e, "%s", path);
	json_decref(root);
	return rc;
}

/* Reads and parses the job at path into a zeroed job; prints nothing.
 * With src non-NULL the file's text is kept there for the caller to free
 * (job run sends it along as the submission). */
static int cli_job_load(const char *path, const struct cli_job_input *in,
                        struct job *job, char **src_out, struct err *e)
{
	struct hcl_var_overrides ov = {
	    .var_files = in->var_files.v,
	    .nvar_files = in->var_files.n,
	    .vars = in->vars.v,
	    .nvars = in->vars.n,
	    .use_env = true,
	};
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	char *src = NULL;
	size_t len = 0;
	int rc = jobspec_read_file(path, JOBSPEC_MAX_FILE, &src, &len, e);
	if (rc != ERR_OK)
		return rc;
	if (in->json)
		rc = cli_job_from_json(name, src, len, job, e);
	else
		rc = jobspec_parse(name, src, len, &ov, job, e);
	if (rc == ERR_OK && src_out != NULL)
		*src_out = src;
	else
		mem_free(src);
	return rc;
}

/* Parses flags and the one path argument; returns -1 to go on, else the
 * exit code. */
static int cli_job_args(const struct cli_cmd *cmd, struct flag *flags, int argc,
                        char **argv, const char **path)
{
	char **rest;
	int nrest;
	int rc = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest != 1)
		return cli_usage_error(cmd, "This command takes one argument: "
		                            "<path>");
	*path = rest[0];
	return -1;
}

/* Canonicalises a copy of job as the server would store it and validates
 * it, printing every problem. Returns 0 when valid. */
static int cli_job_check(const struct job *job)
{
	struct job stored = {0};
	struct errlist errs;
	struct err e;
	int rc = 0;
	err_clear(&e);
	errlist_init(&errs);
	if (schema_copy(&job_schema, &stored, job) != ERR_OK ||
	    job_canonicalize(&stored) != ERR_OK) {
		fprintf(stderr, "Error: out of memory\n");
		rc = 1;
		goto out;
	}
	job_validate(&stored, &errs);
	if (errs.n > 0) {
		errlist_to_err(&errs, &e);
		fprintf(stderr, "Job validation errors:\n%s\n", e.msg);
		rc = 1;
	}
out:
	errlist_release(&errs);
	schema_release(&job_schema, &stored);
	return rc;
}

/* Loads the job at path and checks it; prints what went wrong. src as
 * for cli_job_load. */
static int cli_job_load_checked(const char *path,
                                const struct cli_job_input *in, struct job *job,
                                char **src)
{
	struct err e;
	err_clear(&e);
	if (cli_job_load(path, in, job, src, &e) != ERR_OK) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	return cli_job_check(job);
}

int cli_cmd_job_validate(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct cli_job_input in = {0};
	/* Nomad's job validate takes the general options; steppe validates
	 * locally and accepts them so the same command lines work. */
	struct http_client_config rc_cfg = {0};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc_cfg),
	    {"json", FLAG_BOOL, &in.json},
	    {"var", FLAG_LIST, &in.vars},
	    {"var-file", FLAG_LIST, &in.var_files},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct job job = {0};
	const char *path = NULL;
	int rc = cli_job_args(cmd, flags, argc, argv, &path);
	if (rc < 0) {
		rc = cli_job_load_checked(path, &in, &job, NULL);
		if (rc == 0)
			printf("Job validation successful\n");
	}
	schema_release(&job_schema, &job);
	flags_release(flags);
	return rc;
}

static int cli_job_print_request(const struct job *job)
{
	json_t *root = json_object();
	json_t *j = schema_json_encode(&job_schema, job);
	char *text;
	if (root == NULL || j == NULL || json_object_set_new(root, "Job", j)) {
		json_decref(root);
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	text = json_dumps(root, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	printf("%s\n", text);
	mem_free(text);
	return 0;
}

/* Prints the request body instead of submitting (-output). */
static int cli_job_output(struct job *job)
{
	/* Nomad prints the job before its agent canonicalises it, with
	 * null for every unset field. Our structs have no "unset" for
	 * most scalars, so we print the agent-canonical (api) form: the
	 * same values the API fills in, made explicit. */
	if (job_canonicalize_api(job) != ERR_OK) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	return cli_job_print_request(job);
}

int cli_cmd_job_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct cli_job_input in = {0};
	bool output = false, detach = false, verbose = false;
	const char *check_index = NULL;
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"output", FLAG_BOOL, &output},
	    {"detach", FLAG_BOOL, &detach},
	    {"verbose", FLAG_BOOL, &verbose},
	    {"check-index", FLAG_STRING, &check_index},
	    {"json", FLAG_BOOL, &in.json},
	    {"var", FLAG_LIST, &in.vars},
	    {"var-file", FLAG_LIST, &in.var_files},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct job job = {0};
	const char *path = NULL;
	char *src = NULL;
	int code = cli_job_args(cmd, flags, argc, argv, &path);
	if (code >= 0)
		goto out;
	code = cli_job_load_checked(path, &in, &job, output ? NULL : &src);
	if (code != 0)
		goto out;
	if (output) {
		code = cli_job_output(&job);
		goto out;
	}
	struct cli_job_submission sub = {
	    .source = src,
	    .format = in.json ? "json" : "hcl2",
	    .vars = in.vars.v,
	    .nvars = in.vars.n,
	};
	code = cli_job_submit(&rc, &job, &sub, detach, verbose, check_index);
out:
	mem_free(src);
	schema_release(&job_schema, &job);
	flags_release(flags);
	return code;
}
