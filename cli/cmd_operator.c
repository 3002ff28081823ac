/* cli/cmd_operator.c: `operator raft list-peers` and `operator raft
 * remove-peer`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/format.h"

int cli_cmd_raft_list_peers(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	bool stale = false;
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"stale", FLAG_BOOL, &stale},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	struct strmap q = {0};
	json_t *config = NULL;
	struct buf out;
	struct err e;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest != 0)
		return cli_usage_error(cmd, "This command takes no arguments");
	err_clear(&e);
	buf_init(&out);
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = 1;
	if (stale && strmap_set(&q, "stale", "") != 0)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_get_json(c, "/v1/operator/raft/configuration", &q,
	                              &config, NULL, &e) != ERR_OK)
		fprintf(stderr, "Failed to retrieve raft configuration: %s\n",
		        e.msg);
	else {
		fmt_raft_peers(config, &out);
		code = cli_output(&out);
	}
	json_decref(config);
	strmap_release(&q);
	buf_release(&out);
	http_client_destroy(c);
	return code;
}

int cli_cmd_raft_remove_peer(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	const char *peer = NULL;
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"peer-id", FLAG_STRING, &peer},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	struct strmap q = {0};
	struct err e;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest != 0)
		return cli_usage_error(cmd, "This command takes no arguments");
	if (peer == NULL || peer[0] == '\0') {
		fprintf(stderr, "Missing peer id required\n");
		return 1;
	}
	err_clear(&e);
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = 1;
	if (strmap_set(&q, "id", peer) != 0)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_send_json(c, "DELETE", "/v1/operator/raft/peer",
	                               &q, NULL, NULL, NULL, &e) != ERR_OK)
		fprintf(stderr, "Error removing peer: %s\n", e.msg);
	else {
		printf("Removed peer with id \"%s\"\n", peer);
		code = 0;
	}
	strmap_release(&q);
	http_client_destroy(c);
	return code;
}
