/* cli/cmd_server.c: `server members`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "lib/mem.h"

/* The regions of the members that have not left, each once. */
static json_t *cli_member_regions(const json_t *members)
{
	json_t *regions = json_object();
	for (size_t i = 0; regions && i < json_array_size(members); i++) {
		const json_t *m = json_array_get(members, i);
		const char *r = fmt_jstr(json_object_get(m, "Tags"), "region");
		if (strcmp(fmt_jstr(m, "Status"), "left") == 0)
			continue;
		if (json_object_set_new(regions, r, json_true()) != 0) {
			json_decref(regions);
			return NULL;
		}
	}
	return regions;
}

/* Asks /v1/status/leader of each region; leaders maps region to the
 * leader's "ip:port". Failures are collected into errs, in Nomad's
 * multi-error shape. */
static void cli_region_leaders(struct http_client *c, const json_t *members,
                               json_t *leaders, struct errlist *errs)
{
	json_t *regions = cli_member_regions(members), *v;
	const char *r;
	if (regions == NULL) {
		errlist_add(errs, "out of memory");
		return;
	}
	json_object_foreach(regions, r, v)
	{
		struct strmap q = {0};
		json_t *leader = NULL;
		struct err e;
		err_clear(&e);
		if (strmap_set(&q, "region", r) != 0)
			errlist_add(errs, "out of memory");
		else if (http_client_get_json(c, "/v1/status/leader", &q,
		                              &leader, NULL, &e) != ERR_OK)
			errlist_add(errs, "Region \"%s\": %s", r, e.msg);
		else if (json_is_string(leader) &&
		         json_object_set(leaders, r, leader) != 0)
			errlist_add(errs, "out of memory");
		json_decref(leader);
		strmap_release(&q);
	}
	json_decref(regions);
}

/* Go's multierror text: "1 error occurred:\n\t* x\n\n". */
static void cli_multierror(struct buf *out, const struct errlist *errs)
{
	if (errs->n == 1)
		buf_append_str(out, "1 error occurred:\n");
	else
		buf_appendf(out, "%zu errors occurred:\n", errs->n);
	for (size_t i = 0; i < errs->n; i++)
		buf_appendf(out, "\t* %s\n", errs->msgs[i]);
	buf_append_char(out, '\n');
}

/* -json: the members with a "Leader" tag, as Nomad prints them. */
static void cli_members_json(json_t *members, const json_t *leaders,
                             struct buf *out)
{
	for (size_t i = 0; i < json_array_size(members); i++) {
		json_t *m = json_array_get(members, i);
		json_t *tags = json_object_get(m, "Tags");
		bool l = fmt_member_is_leader(m, leaders);
		if (!json_is_object(tags)) {
			tags = json_object();
			if (json_object_set_new(m, "Tags", tags) != 0)
				out->oom = true;
		}
		if (json_is_object(tags) &&
		    json_object_set_new(tags, "Leader",
		                        json_string(l ? "true" : "false")) != 0)
			out->oom = true;
	}
	if (fmt_sort_members(members) != 0)
		out->oom = true;
	fmt_json(members, out);
}

static int cli_members_print(struct http_client *c, json_t *members,
                             bool verbose, bool json)
{
	json_t *leaders = json_object();
	struct errlist errs;
	struct buf out, warn;
	int rc;
	errlist_init(&errs);
	buf_init(&out);
	buf_init(&warn);
	if (leaders == NULL)
		errlist_add(&errs, "out of memory");
	else
		cli_region_leaders(c, members, leaders, &errs);
	/* Like Nomad, -json prints what it knows and says nothing about
	 * regions whose leader it could not learn. */
	if (json)
		cli_members_json(members, leaders, &out);
	else
		fmt_server_members(members, leaders, verbose, &out);
	rc = cli_output(&out);
	if (!json && errs.n > 0) {
		printf("\n");
		fflush(stdout);
		buf_append_str(&warn, "Error determining leaders: ");
		cli_multierror(&warn, &errs);
		fprintf(stderr, "%s\n", buf_cstr(&warn));
		rc = 1;
	}
	errlist_release(&errs);
	buf_release(&out);
	buf_release(&warn);
	json_decref(leaders);
	return rc;
}

int cli_cmd_server_members(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	bool verbose = false, detailed = false, json = false;
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"verbose", FLAG_BOOL, &verbose},
	    {"detailed", FLAG_BOOL, &detailed},
	    {"json", FLAG_BOOL, &json},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	json_t *resp = NULL, *members;
	struct err e;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest != 0)
		return cli_usage_error(cmd, "This command takes no arguments");
	err_clear(&e);
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = 1;
	if (http_client_get_json(c, "/v1/agent/members", NULL, &resp, NULL,
	                         &e) != ERR_OK) {
		fprintf(stderr, "Error querying servers: %s\n", e.msg);
		goto out;
	}
	members = json_object_get(resp, "Members");
	if (!json_is_array(members)) {
		fprintf(stderr, "Agent doesn't know about server members\n");
		code = 0;
		goto out;
	}
	code = cli_members_print(c, members, verbose || detailed, json);
out:
	json_decref(resp);
	http_client_destroy(c);
	return code;
}
