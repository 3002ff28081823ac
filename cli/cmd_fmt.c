#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "jobspec/hcl.h"
#include "jobspec/jobspec.h"
#include "lib/mem.h"

struct cli_fmt_opts {
	bool check;
	bool write;
	bool list;
};

static int cli_fmt_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fputs(text, f) == EOF) {
		if (f != NULL)
			fclose(f);
		perror(path);
		return 1;
	}
	if (fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

/* Formats one file; returns 0 ok, 1 error, 2 not formatted (-check). */
static int cli_fmt_one(const char *path, const struct cli_fmt_opts *o)
{
	struct err e;
	char *src = NULL, *out = NULL;
	size_t len = 0;
	int rc = 0;
	bool stdio = strcmp(path, "-") == 0;
	err_clear(&e);
	if (jobspec_read_file(path, JOBSPEC_MAX_FILE, &src, &len, &e) ||
	    hcl_format(stdio ? "<stdin>" : path, src, len, &out, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		rc = 1;
		goto out;
	}
	bool changed = strlen(out) != len || memcmp(out, src, len) != 0;
	if (o->check) {
		if (changed) {
			printf("%s\n", path);
			rc = 2;
		}
	} else if (stdio || !o->write) {
		fputs(out, stdout);
	} else if (changed) {
		rc = cli_fmt_write(path, out);
		if (rc == 0 && o->list)
			printf("%s\n", path);
	}
out:
	mem_free(src);
	mem_free(out);
	return rc;
}

int cli_cmd_fmt(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct cli_fmt_opts o = {.write = true, .list = true};
	struct flag flags[] = {
		{"check", FLAG_BOOL, &o.check},
		{"write", FLAG_BOOL, &o.write},
		{"list", FLAG_BOOL, &o.list},
		{NULL, FLAG_BOOL, NULL},
	};
	char **rest;
	int nrest, worst = 0;
	int rc = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest == 0)
		return cli_usage_error(cmd, "This command takes at least one "
					    "argument: <path>");
	for (int i = 0; i < nrest; i++) {
		rc = cli_fmt_one(rest[i], &o);
		if (rc > worst)
			worst = rc;
	}
	return worst == 0 ? 0 : 1;
}
