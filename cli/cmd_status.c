/* cli/cmd_status.c: `status [ID]`: lists the jobs, or finds what kind of
 * object an ID prefix names and runs that kind's status command. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "lib/mem.h"

/* The kinds of object `status` looks an ID up in. */
static const struct cli_status_kind {
	const char *title; /* as Nomad titles its search contexts */
	const char *path;  /* list endpoint taking ?prefix= */
	bool uuid;         /* IDs are UUIDs: look up whole bytes */
	const char *cmd;   /* the status command to run */
} cli_status_kinds[] = {
    {"Jobs", "/v1/jobs", false, "job status"},
    {"Evals", "/v1/evaluations", true, "eval status"},
    {"Nodes", "/v1/nodes", true, "node status"},
    {"Allocs", "/v1/allocations", true, "alloc status"},
};

#define CLI_NKINDS (sizeof cli_status_kinds / sizeof cli_status_kinds[0])

/* The objects of one kind whose ID starts with id; NULL (no error) for
 * kinds this server does not list. */
static int cli_status_lookup(struct http_client *c,
                             const struct cli_status_kind *k, const char *id,
                             json_t **out, struct err *e)
{
	struct strmap q = {0};
	char *prefix = mem_strdup(id);
	int rc;
	*out = NULL;
	if (prefix != NULL && k->uuid)
		fmt_uuid_prefix(prefix);
	if (prefix == NULL || strmap_set(&q, "prefix", prefix) != 0)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	else if (prefix[0] == '\0')
		rc = ERR_OK; /* one character: too short for a UUID lookup */
	else
		rc = http_client_get_optional(c, k->path, &q, out, e);
	strmap_release(&q);
	mem_free(prefix);
	return rc;
}

static bool cli_status_exact(const json_t *matches, const char *id)
{
	for (size_t i = 0; i < json_array_size(matches); i++)
		if (strcmp(fmt_jstr(json_array_get(matches, i), "ID"), id) == 0)
			return true;
	return false;
}

static void cli_status_multi(json_t *const *matches, const char *id)
{
	fprintf(stderr, "Multiple matches found for id \"%s\"\n", id);
	for (size_t k = 0; k < CLI_NKINDS; k++) {
		size_t n = json_array_size(matches[k]);
		if (n == 0)
			continue;
		fprintf(stderr, "\n%s:\n", cli_status_kinds[k].title);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s%s", i ? ", " : "",
			        fmt_jstr(json_array_get(matches[k], i), "ID"));
		fprintf(stderr, "\n");
	}
}

/* Nomad's rules: one exact match anywhere wins; otherwise exactly one
 * kind may match, with exactly one object. Returns the kind's index, or
 * -1 after printing why not. */
static int cli_status_pick(json_t *const *matches, const char *id)
{
	int exact = -1, nexact = 0, single = -1, nsingle = 0;
	for (size_t k = 0; k < CLI_NKINDS; k++) {
		size_t n = json_array_size(matches[k]);
		if (cli_status_exact(matches[k], id)) {
			exact = (int)k;
			nexact++;
		}
		if (n > 1)
			nsingle += 2;
		else if (n == 1 && nsingle++ == 0)
			single = (int)k;
	}
	if (nexact == 1)
		return exact;
	if (nexact > 1 || nsingle > 1) {
		cli_status_multi(matches, id);
		return -1;
	}
	if (single < 0)
		fprintf(stderr, "Unable to resolve ID: \"%s\"\n", id);
	return single;
}

/* Looks id up in every kind and runs the status command of the one it
 * names, with the original arguments. */
static int cli_status_dispatch(struct http_client_config *rc, const char *id,
                               int argc, char **argv)
{
	json_t *matches[CLI_NKINDS] = {0};
	struct http_client *c = NULL;
	struct err e;
	int kind = -1, code = 1;
	err_clear(&e);
	if (http_client_open(rc, &c) != 0)
		return 1;
	for (size_t k = 0; k < CLI_NKINDS; k++) {
		if (cli_status_lookup(c, &cli_status_kinds[k], id, &matches[k],
		                      &e) != ERR_OK) {
			fprintf(stderr,
			        "Error querying search with id: \"%s\"\n",
			        e.msg);
			goto out;
		}
	}
	kind = cli_status_pick(matches, id);
	if (kind >= 0) {
		const struct cli_status_kind *k = &cli_status_kinds[kind];
		const struct cli_cmd *cmd = cli_cmd_find(k->cmd);
		if (cmd != NULL)
			code = cmd->run(cmd, argc, argv);
		else
			fprintf(stderr,
			        "ID \"%s\" names one of the %s, but "
			        "this steppe has no \"%s\" command "
			        "yet\n",
			        id, k->title, k->cmd);
	}
out:
	for (size_t k = 0; k < CLI_NKINDS; k++)
		json_decref(matches[k]);
	http_client_destroy(c);
	return code;
}

int cli_cmd_status(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	bool verbose = false;
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"verbose", FLAG_BOOL, &verbose},
	    {NULL, FLAG_BOOL, NULL},
	};
	const struct cli_cmd *job_status = cli_cmd_find("job status");
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest > 1)
		return cli_usage_error(cmd, "This command takes either no "
		                            "arguments or one: <identifier>");
	if (nrest == 0)
		return job_status->run(job_status, argc, argv);
	return cli_status_dispatch(&rc, rest[0], argc, argv);
}
