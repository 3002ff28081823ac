/* cli/main.c: the one steppe binary; dispatches to the CLI commands. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
