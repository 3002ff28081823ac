/* cli/cli.h: the command-line interface (Nomad's command structure). */
#ifndef STEPPE_CLI_CLI_H
#define STEPPE_CLI_CLI_H

/* Runs the command named by argv[1..]; returns the process exit code
 * (0 success, 1 error, 2 usage or placement failure where Nomad uses 2). */
int cli_main(int argc, char **argv);

#endif
