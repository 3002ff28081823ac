/* cli/cmd_alloc_logs.c: `steppe alloc logs`: a task's stdout or stderr
 * through /v1/client/fs/logs/:alloc, from whichever agent the CLI points
 * at (a server relays to the node that runs the allocation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "cli/http_client.h"
#include "lib/buf.h"
#include "lib/mem.h"

struct logs_opts {
	bool stderr_, follow, tail, verbose;
	int64_t lines, bytes;
	const char *task;
};

/* The task to read: the one named, else the group's only task. */
static int logs_task(const json_t *alloc, const char *given, const char **out)
{
	const char *tg = fmt_jstr(alloc, "TaskGroup");
	const json_t *groups =
	    json_object_get(json_object_get(alloc, "Job"), "TaskGroups");
	const json_t *tasks = NULL, *g, *t;
	size_t i;
	json_array_foreach(groups, i, g) if (strcmp(fmt_jstr(g, "Name"), tg) ==
	                                     0) tasks = json_object_get(g,
	                                                                "Tasks");
	if (given != NULL && *given) {
		json_array_foreach(tasks, i, t) if (strcmp(fmt_jstr(t, "Name"),
		                                           given) == 0)
		{
			*out = given;
			return -1;
		}
		fprintf(stderr, "Could not find task named: %s\n", given);
		return 1;
	}
	if (json_array_size(tasks) == 1) {
		*out = fmt_jstr(json_array_get(tasks, 0), "Name");
		return -1;
	}
	fprintf(stderr, "Allocation %s has more than one task; "
	                "specify the task name as an argument:\n",
	        fmt_jstr(alloc, "ID"));
	json_array_foreach(tasks, i, t) fprintf(stderr, "  %s\n",
	                                        fmt_jstr(t, "Name"));
	return 1;
}

static int logs_write(void *data, const char *bytes, size_t n)
{
	(void)data;
	if (fwrite(bytes, 1, n, stdout) != n)
		return -1;
	fflush(stdout);
	return 0;
}

/* For -tail: collects the end of the log, prints its last lines. */
static int logs_collect(void *data, const char *bytes, size_t n)
{
	buf_append(data, bytes, n);
	return ((struct buf *)data)->oom ? -1 : 0;
}

static void logs_print_tail(const struct buf *b, int64_t lines)
{
	size_t start = b->len;
	int64_t seen = 0;
	/* A final newline does not start another line. */
	size_t i = b->len > 0 && b->data[b->len - 1] == '\n' ? b->len - 1
	                                                     : b->len;
	for (; i > 0; i--)
		if (b->data[i - 1] == '\n' && ++seen == lines) {
			start = i;
			break;
		}
	if (i == 0)
		start = 0;
	fwrite(b->data + start, 1, b->len - start, stdout);
	fflush(stdout);
}

static int logs_request(struct http_client *c, const char *path,
                        struct strmap *q, http_client_stream_fn fn, void *data)
{
	struct http_client_request req = {"GET", path, q, NULL, 0};
	struct err e;
	err_clear(&e);
	if (http_client_stream(c, &req, fn, data, NULL, &e) != 0) {
		fprintf(stderr, "Error reading file: %s\n", e.msg);
		return 1;
	}
	return 0;
}

static int logs_run(struct http_client *c, const json_t *alloc,
                    const char *task, const struct logs_opts *o)
{
	struct strmap q = {0};
	char *path = http_client_path("/v1/client/fs/logs/",
	                              fmt_jstr(alloc, "ID"), NULL);
	char num[32];
	int code = 0;
	if (path == NULL)
		return 1;
	strmap_set(&q, "task", task);
	strmap_set(&q, "type", o->stderr_ ? "stderr" : "stdout");
	strmap_set(&q, "plain", "true");
	strmap_set(&q, "namespace", fmt_jstr(alloc, "Namespace"));
	if (o->tail) {
		struct buf b;
		int64_t want = o->bytes > 0 ? o->bytes
		                            : (o->lines > 0 ? o->lines : 10) * 512;
		buf_init(&b);
		snprintf(num, sizeof num, "%lld",
		         (long long)(want < 65536 && o->bytes <= 0 ? 65536 : want));
		strmap_set(&q, "origin", "end");
		strmap_set(&q, "offset", num);
		code = logs_request(c, path, &q, logs_collect, &b);
		if (code == 0 && o->bytes > 0)
			fwrite(b.data, 1, b.len, stdout);
		else if (code == 0)
			logs_print_tail(&b, o->lines > 0 ? o->lines : 10);
		fflush(stdout);
		buf_release(&b);
		strmap_set(&q, "offset", "0");
	} else {
		strmap_set(&q, "origin", "start");
		strmap_set(&q, "offset", "0");
	}
	if (code == 0 && (o->follow || !o->tail)) {
		strmap_set(&q, "follow", o->follow ? "true" : "false");
		code = logs_request(c, path, &q, logs_write, NULL);
	}
	strmap_release(&q);
	mem_free(path);
	return code;
}

int cli_cmd_alloc_logs(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct logs_opts o = {.lines = -1, .bytes = -1};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"stderr", FLAG_BOOL, &o.stderr_},
	    {"f", FLAG_BOOL, &o.follow},
	    {"tail", FLAG_BOOL, &o.tail},
	    {"n", FLAG_INT, &o.lines},
	    {"c", FLAG_INT, &o.bytes},
	    {"task", FLAG_STRING, &o.task},
	    {"verbose", FLAG_BOOL, &o.verbose},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	json_t *alloc = NULL;
	const char *task = NULL;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest < 1 || nrest > 2)
		return cli_usage_error(cmd, "This command takes one or two "
		                            "arguments: <allocation> [<task>]");
	if (strlen(rest[0]) == 1) {
		fprintf(stderr, "Identifier must contain at least two "
		                "characters.\n");
		return 1;
	}
	if ((o.lines >= 0 || o.bytes >= 0) && !o.tail)
		o.tail = true; /* -n and -c imply reading the end */
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = cli_alloc_lookup(c, rest[0], o.verbose, &alloc);
	if (code < 0)
		code = logs_task(alloc, nrest == 2 ? rest[1] : o.task, &task);
	if (code < 0)
		code = logs_run(c, alloc, task, &o);
	json_decref(alloc);
	http_client_destroy(c);
	return code;
}
