/* cli/cli.h: the command-line interface, with Nomad's command structure
 * ("steppe job run FILE", "steppe acl bootstrap").
 *
 * Each command is an entry of the table in cli/commands.c: its full name,
 * a one-line synopsis, the text `-help` prints, and a function taking the
 * arguments after the command name. Exit codes follow Nomad: 0 success,
 * 1 error (bad flags, bad input, failed request). */
#ifndef STEPPE_CLI_CLI_H
#define STEPPE_CLI_CLI_H

#include "cli/flags.h"

struct cli_cmd {
	const char *name;     /* "job run" */
	const char *synopsis; /* one line, for command lists */
	const char *help;     /* the -help text */
	int (*run)(const struct cli_cmd *cmd, int argc, char **argv);
};

/* Runs the command named by argv[1..]; returns the process exit code. */
int cli_main(int argc, char **argv);

/* Parses a command's flags. Returns -1 when the caller should go on; any
 * other value is the exit code to return at once (0 after -help printed
 * the help text, 1 after a flag error printed a message and the usage). */
int cli_flags(const struct cli_cmd *cmd, const struct flag *flags, int argc,
	      char **argv, char ***rest, int *nrest);

/* Prints "This command takes N argument(s)..." style usage errors with the
 * help text to stderr and returns 1. */
int cli_usage_error(const struct cli_cmd *cmd, const char *msg);

/* Commands, one function each (cli/cmd_*.c). */
int cli_cmd_version(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_run(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_validate(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_fmt(const struct cli_cmd *cmd, int argc, char **argv);

#endif
