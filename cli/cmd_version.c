#include <stdio.h>

#include "cli/cli.h"

int cli_cmd_version(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct flag flags[] = {{NULL, FLAG_BOOL, NULL}};
	char **rest;
	int nrest;
	if (argv != NULL) {
		int rc = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
		if (rc >= 0)
			return rc;
		if (nrest != 0)
			return cli_usage_error(cmd, "This command takes no "
						    "arguments");
	}
	printf("steppe v%s\nRevision %s\n", STEPPE_VERSION, STEPPE_GIT_REV);
	return 0;
}
