#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cli_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "version") == 0) {
		printf("steppe v%s (%s)\n", STEPPE_VERSION, STEPPE_GIT_REV);
		return 0;
	}
	fprintf(stderr, "Usage: steppe <command> [args]\n");
	return 1;
}
