/* cli/cmd_acl.h: the ACL and namespace commands (cli/cmd_acl.c,
 * cli/cmd_namespace.c) and their help texts (cli/acl_help.c), for the
 * command table in cli/commands.c. */
#ifndef STEPPE_CLI_CMD_ACL_H
#define STEPPE_CLI_CMD_ACL_H

#include "cli/cli.h"

extern const char cli_help_acl_bootstrap[];
extern const char cli_help_acl_policy_apply[];
extern const char cli_help_acl_policy_list[];
extern const char cli_help_acl_policy_info[];
extern const char cli_help_acl_policy_delete[];
extern const char cli_help_acl_token_create[];
extern const char cli_help_acl_token_list[];
extern const char cli_help_acl_token_info[];
extern const char cli_help_acl_token_self[];
extern const char cli_help_acl_token_update[];
extern const char cli_help_acl_token_delete[];
extern const char cli_help_namespace_apply[];
extern const char cli_help_namespace_list[];
extern const char cli_help_namespace_status[];
extern const char cli_help_namespace_delete[];

int cli_cmd_acl_bootstrap(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_policy_apply(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_policy_list(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_policy_info(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_policy_delete(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_token_create(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_token_list(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_token_info(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_token_self(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_token_update(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_acl_token_delete(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_namespace_apply(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_namespace_list(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_namespace_status(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_namespace_delete(const struct cli_cmd *cmd, int argc, char **argv);

/* ---- helpers shared by the two files ------------------------------------ */

/* Prints "<what>: <e->msg>" to stderr; returns 1. */
int cli_acl_fail(const char *what, const struct err *e);
/* Parses flags, then wants exactly `want` positional arguments (-1: zero
 * or one). Returns -1 to go on, else the exit code (usage printed). */
int cli_acl_args(const struct cli_cmd *cmd, const struct flag *flags, int argc,
                 char **argv, int want, char ***rest, int *nrest);
/* A command taking the remote flags and -json that GETs prefix (want 0)
 * or prefix + escaped argument (want 1) and prints it with text, or as
 * JSON; failures print "<what>: ...". Returns the exit code. */
int cli_acl_get_print(const struct cli_cmd *cmd, int argc, char **argv,
                      int want, const char *prefix, const char *what,
                      void (*text)(const json_t *, struct buf *));
/* A command taking the remote flags that DELETEs prefix + its one
 * argument and prints ok_fmt (one %s: the argument). */
int cli_acl_delete(const struct cli_cmd *cmd, int argc, char **argv,
                   const char *prefix, const char *what, const char *ok_fmt);

#endif
