/* cli/cmd_eval.c: `eval list` and `eval status`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "lib/mem.h"
#include "lib/stime.h"

struct cli_eval_list_opts {
	bool verbose, json;
	const char *job, *status, *filter, *page_token;
	int64_t per_page;
};

static int cli_eval_list_params(struct strmap *q,
                                const struct cli_eval_list_opts *o)
{
	char n[32];
	snprintf(n, sizeof n, "%lld", (long long)o->per_page);
	if ((o->job && o->job[0] && strmap_set(q, "job", o->job)) ||
	    (o->status && o->status[0] && strmap_set(q, "status", o->status)) ||
	    (o->filter && o->filter[0] && strmap_set(q, "filter", o->filter)) ||
	    (o->page_token && o->page_token[0] &&
	     strmap_set(q, "next_token", o->page_token)) ||
	    (o->per_page > 0 && strmap_set(q, "per_page", n))) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	return 0;
}

/* Nomad's hint for the next page: the command line again, without any
 * -page-token, plus the new token. */
static void cli_eval_next_page(struct buf *out, int argc, char **argv,
                               const char *token)
{
	buf_append_str(out, "\nResults have been paginated. To get the next "
	                    "page run:\n\nsteppe eval list");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i] + (strncmp(argv[i], "--", 2) == 0);
		if (strncmp(a, "-page-token", 11) == 0) {
			i += strchr(a, '=') == NULL;
			continue;
		}
		buf_appendf(out, " %s", argv[i]);
	}
	buf_appendf(out, " -page-token %s\n", token);
}

static int cli_eval_list_run(struct http_client *c,
                             const struct cli_eval_list_opts *o, int argc,
                             char **argv)
{
	struct strmap q = {0};
	struct http_client_meta m;
	json_t *evals = NULL;
	struct buf out;
	struct err e;
	int rc = 1;
	err_clear(&e);
	buf_init(&out);
	if (cli_eval_list_params(&q, o) != 0)
		goto out;
	if (http_client_get_json(c, "/v1/evaluations", &q, &evals, &m, &e)) {
		fprintf(stderr, "Error querying evaluations: %s\n", e.msg);
		goto out;
	}
	if (o->json && evals == NULL)
		buf_append_str(&out, "[]\n");
	else if (o->json)
		fmt_json(evals, &out);
	else if (json_array_size(evals) == 0)
		buf_append_str(&out, "No evals found\n");
	else
		fmt_eval_list(evals, o->verbose, &out);
	if (!o->json && json_array_size(evals) > 0 && m.next_token[0] != '\0')
		cli_eval_next_page(&out, argc, argv, m.next_token);
	rc = cli_output(&out);
out:
	json_decref(evals);
	strmap_release(&q);
	buf_release(&out);
	return rc;
}

int cli_cmd_eval_list(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct cli_eval_list_opts o = {0};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"verbose", FLAG_BOOL, &o.verbose},
	    {"json", FLAG_BOOL, &o.json},
	    {"job", FLAG_STRING, &o.job},
	    {"status", FLAG_STRING, &o.status},
	    {"filter", FLAG_STRING, &o.filter},
	    {"per-page", FLAG_INT, &o.per_page},
	    {"page-token", FLAG_STRING, &o.page_token},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest != 0)
		return cli_usage_error(cmd, "This command takes no arguments");
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = cli_eval_list_run(c, &o, argc, argv);
	http_client_destroy(c);
	return code;
}

/* Finds the one evaluation an ID prefix names; prints why not. The
 * caller frees *id. */
static int cli_eval_resolve(struct http_client *c, const char *arg,
                            bool verbose, char **id)
{
	struct strmap q = {0};
	char *prefix = mem_strdup(arg);
	json_t *evals = NULL;
	struct err e;
	int rc = 1;
	err_clear(&e);
	*id = NULL;
	if (prefix == NULL ||
	    (fmt_uuid_prefix(prefix), strmap_set(&q, "prefix", prefix) != 0)) {
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	if (http_client_get_json(c, "/v1/evaluations", &q, &evals, NULL, &e)) {
		fprintf(stderr, "Error querying evaluation: %s\n", e.msg);
	} else if (json_array_size(evals) == 0) {
		fprintf(stderr,
		        "No evaluation(s) with prefix or id \"%s\" "
		        "found\n",
		        prefix);
	} else if (json_array_size(evals) > 1) {
		struct buf b;
		buf_init(&b);
		fmt_eval_list(evals, verbose, &b);
		fprintf(stderr, "Prefix matched multiple evaluations\n\n%s",
		        buf_cstr(&b));
		buf_release(&b);
	} else {
		*id = mem_strdup(fmt_jstr(json_array_get(evals, 0), "ID"));
		rc = *id != NULL ? 0 : 1;
	}
out:
	json_decref(evals);
	strmap_release(&q);
	mem_free(prefix);
	return rc;
}

static int cli_eval_show(struct http_client *c, const char *id, bool verbose,
                         bool json)
{
	char *path = http_client_path("/v1/evaluation/", id, NULL);
	json_t *eval = NULL, *allocs = NULL;
	struct buf out;
	struct err e;
	int rc = 1;
	err_clear(&e);
	buf_init(&out);
	if (path == NULL ||
	    http_client_get_json(c, path, NULL, &eval, NULL, &e) != ERR_OK) {
		fprintf(stderr, "Error querying evaluation: %s\n",
		        path ? e.msg : "out of memory");
		goto out;
	}
	if (json) {
		fmt_json(eval, &out);
	} else if (cli_eval_allocs(c, eval, &allocs, &e) != ERR_OK) {
		fprintf(stderr, "Error querying related allocations: %s\n",
		        e.msg);
		goto out;
	} else {
		fmt_eval_status(eval, allocs, verbose, stime_wall_ns(), &out);
	}
	rc = cli_output(&out);
out:
	json_decref(eval);
	json_decref(allocs);
	buf_release(&out);
	mem_free(path);
	return rc;
}

int cli_cmd_eval_status(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	bool verbose = false, json = false, monitor = false;
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),      {"verbose", FLAG_BOOL, &verbose},
	    {"json", FLAG_BOOL, &json}, {"monitor", FLAG_BOOL, &monitor},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	char **rest, *id = NULL;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest != 1)
		return cli_usage_error(cmd, "This command takes one argument");
	if (strlen(rest[0]) == 1) {
		fprintf(stderr, "Identifier must contain at least two "
		                "characters.\n");
		return 1;
	}
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = cli_eval_resolve(c, rest[0], verbose, &id);
	if (code == 0 && monitor)
		code = cli_monitor_eval(c, id,
		                        verbose ? FMT_FULL_ID : FMT_SHORT_ID);
	else if (code == 0)
		code = cli_eval_show(c, id, verbose, json);
	mem_free(id);
	http_client_destroy(c);
	return code;
}
