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
#include "cli/http_client.h"

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

/* Writes out's text to stdout and flushes. Returns 0, or 1 after printing
 * "Error: out of memory" when out->oom is set. Does not release out. */
int cli_output(struct buf *out);

/* The command named exactly name ("job status"), or NULL. */
const struct cli_cmd *cli_cmd_find(const char *name);

/* ---- remote commands ---------------------------------------------------
 *
 * Every command that talks to an agent takes the global flags -address,
 * -token, -namespace and -region (environment: STEPPE_ADDR ... falling back
 * to NOMAD_ADDR ...). A command lists them first in its flag table:
 *   struct http_client_config rc = {0};
 *   struct flag flags[] = {CLI_REMOTE_FLAGS(&rc), {"verbose", ...}, ...};
 * then opens the client with http_client_open(&rc, &client), and its help
 * text includes CLI_REMOTE_HELP (or CLI_REMOTE_HELP_NO_NS for commands
 * that are not bound to a namespace). */
/* clang-format off */
#define CLI_REMOTE_FLAGS(cfg)                                  \
	{"address", FLAG_STRING, &(cfg)->address},             \
	{"token", FLAG_STRING, &(cfg)->token},                 \
	{"namespace", FLAG_STRING, &(cfg)->namespace},         \
	{"region", FLAG_STRING, &(cfg)->region}
/* clang-format on */

#define CLI_REMOTE_HELP_ADDR                                                \
	"General Options:\n\n"                                              \
	"  -address=<addr>\n"                                               \
	"    The address of the steppe (or Nomad) agent. Overrides the\n"   \
	"    STEPPE_ADDR and NOMAD_ADDR environment variables if set.\n"    \
	"    Default = http://127.0.0.1:4646\n\n"                           \
	"  -region=<region>\n"                                              \
	"    The region of the servers to forward commands to. Overrides\n" \
	"    STEPPE_REGION and NOMAD_REGION if set. Defaults to the\n"      \
	"    agent's local region.\n\n"
#define CLI_REMOTE_HELP_NS                                                   \
	"  -namespace=<namespace>\n"                                         \
	"    The target namespace for queries and actions bound to a\n"      \
	"    namespace. Overrides STEPPE_NAMESPACE and NOMAD_NAMESPACE if\n" \
	"    set. If set to '*', commands that support it query all\n"       \
	"    namespaces. Defaults to the \"default\" namespace.\n\n"
#define CLI_REMOTE_HELP_TOKEN                                             \
	"  -token=<token>\n"                                              \
	"    The SecretID of an ACL token to authenticate API requests\n" \
	"    with. Overrides STEPPE_TOKEN and NOMAD_TOKEN if set.\n"
#define CLI_REMOTE_HELP \
	CLI_REMOTE_HELP_ADDR CLI_REMOTE_HELP_NS CLI_REMOTE_HELP_TOKEN
#define CLI_REMOTE_HELP_NO_NS CLI_REMOTE_HELP_ADDR CLI_REMOTE_HELP_TOKEN

struct http_client;
struct job;

/* Resolves an allocation ID or prefix (at least two characters) and
 * fetches the allocation. Returns -1 with *alloc (a new reference) to go
 * on, else the exit code after printing the error (cli/cmd_alloc.c). */
int cli_alloc_lookup(struct http_client *c, const char *arg, bool verbose,
                     json_t **alloc);

/* Follows an evaluation until it finishes, printing Nomad's monitor lines
 * (cli/cmd_job_remote.c); then follows its deployment, if any. length is
 * FMT_SHORT_ID or FMT_FULL_ID. Returns the exit code: 0 success, 1 error
 * or unsuccessful deployment, 2 placement failures. */
int cli_monitor_eval(struct http_client *c, const char *eval_id, int length);

/* The allocations an evaluation placed or updated ([]AllocListStub whose
 * EvalID is the evaluation's), from /v1/job/:id/allocations. *out is a new
 * array the caller decrefs. Errors as http_client_do. */
int cli_eval_allocs(struct http_client *c, const json_t *eval, json_t **out,
                    struct err *e);

/* What `job run` sends besides the job: the file's text and format, and
 * the -var flags, for the server's record of the submission. */
struct cli_job_submission {
	const char *source;
	const char *format;      /* "hcl2" or "json" */
	const char *const *vars; /* "key=value" */
	size_t nvars;
};

/* The remote half of `job run`: registers job (already parsed and
 * checked; canonicalised to the api form here) and monitors its
 * evaluation unless detach. Prints everything; returns the exit code. */
int cli_job_submit(struct http_client_config *rc, struct job *job,
                   const struct cli_job_submission *sub, bool detach,
                   bool verbose, const char *check_index);

/* A blocking GET (cli/cmd_job_remote.c): with *index set, the server
 * holds the request until the object at path changes or about a second
 * passes (an answer with nothing new is paced to that second); *index
 * gets the answer's index. optional: a 404 with an empty body is *out
 * NULL and ERR_OK. Returns ERR_OK or an http_client error. */
int cli_poll_get(struct http_client *c, const char *path, bool optional,
                 uint64_t *index, json_t **out, struct err *e);

/* Nomad's getConfirmation: prints question, reads a line from stdin.
 * Returns 0 with *ok set when the answer is exactly "y"; 0 with *ok false
 * after printing cancel for an empty or "n..." answer (or Nomad's hint
 * for "yes"); 1 after saying no confirmation was detected. */
int cli_confirm(const char *question, const char *cancel, bool *ok);

/* Uses the job file's region and namespace for the requests (as Nomad
 * does; rc then points into job), applies the environment to rc, and fills
 * the job's region and namespace from rc when the file has none. Returns 0,
 * or 1 on oom. */
int cli_job_target(struct http_client_config *rc, struct job *job);

/* Nomad's JobIDByPrefix through /v1/jobs?prefix=: prints what went wrong
 * and returns 1, or 0 with *id and *ns (the job's namespace, "" when the
 * token may not list jobs) that the caller frees. */
int cli_job_id_by_prefix(struct http_client *c, bool all_ns, const char *prefix,
                         char **id, char **ns);

/* ---- pure output of the node, alloc and plan commands -----------------
 * (cli/cmd_node.c, cli/cmd_alloc.c, cli/cmd_job_plan.c; tested by
 * tests/unit/test_cli_format.c). JSON in, text appended to out. */

#define CLI_BYTES_MAX 32
/* go-humanize's IBytes: "0 B", "300 MiB", "1.0 GiB", "7.8 GiB". */
const char *cli_fmt_bytes(uint64_t n, char out[CLI_BYTES_MAX]);

struct cli_node_list_opts {
	bool verbose;          /* full IDs, Address and Version columns */
	bool os;               /* OS column (Attributes["os.name"]) */
	const json_t *running; /* node ID -> count: Running Allocs column */
};
/* `node status` from []NodeListStub, or "No nodes registered". */
void cli_fmt_node_list(const json_t *nodes, const struct cli_node_list_opts *o,
                       struct buf *out);
/* The table of nodes a prefix matched: ID DC Name Class Drain Eligibility
 * Status. */
void cli_fmt_node_stubs(const json_t *nodes, bool verbose, struct buf *out);
/* An allocation table of full Allocations (node status): ID [Eval ID]
 * Node ID Task Group Version Desired Status Created Modified, or "No
 * allocations placed". */
void cli_fmt_alloc_list(const json_t *allocs, bool verbose, int64_t now,
                        struct buf *out);

struct cli_node_view {
	const json_t *node;   /* Node */
	const json_t *allocs; /* []Allocation on it */
	bool verbose, short_only;
	int64_t now;
};
/* `node status ID`: the key/value block, then (unless short_only)
 * Drivers/Host tables with verbose, Node Events and Allocated Resources,
 * then Allocations, then Attributes and Meta with verbose. */
void cli_fmt_node_status(const struct cli_node_view *v, struct buf *out);

struct cli_alloc_view {
	const json_t *alloc;    /* Allocation */
	const json_t *followup; /* Evaluation of its FollowupEvalID, or NULL */
	bool verbose, short_only;
	int64_t now;
};
/* `alloc status ID`: the key/value block, the allocation's addresses and
 * per task "Task "x" is "running"" with its resources and events (or with
 * short_only a Tasks table), then Placement Metrics with verbose. */
void cli_fmt_alloc_status(const struct cli_alloc_view *v, struct buf *out);
/* The placement metrics of `alloc status -verbose`: fmt_alloc_metrics with
 * "  ", then the node score table when ScoreMetaData has entries (an empty
 * line when there is nothing at all). */
void cli_fmt_alloc_metrics_scores(const json_t *metric, struct buf *out);

/* A job plan's diff (Nomad's JobDiff: Type, ID, Fields, Objects,
 * TaskGroups with Updates and Tasks) as `job plan` prints it; a group
 * without Updates takes its counts from desired (DesiredTGUpdates). */
void cli_fmt_job_diff(const json_t *diff, const json_t *desired, bool verbose,
                      struct buf *out);
/* A JobDiff for a plan response without one: the job (api JSON) "Added"
 * with its groups and tasks when JobModifyIndex is 0 (a new job), else
 * "Edited" or "None" by the plan's DesiredTGUpdates. New reference; NULL
 * on oom. */
json_t *cli_plan_synth_diff(const json_t *job, const json_t *resp);
/* Nomad's `job plan` exit code: 0 when the diff's Type is "None" or no
 * group places, stops, migrates, destroys or adds canaries; else 1. */
int cli_plan_exit_code(const json_t *diff, const json_t *resp);

struct cli_plan_view {
	const json_t *resp;   /* JobPlanResponse */
	const json_t *job;    /* the planned job, api JSON */
	bool diff, verbose;   /* -diff (Nomad's default true), -verbose */
	const char *run_args; /* flags the hint repeats ("-var=\"a=1\" ") */
	const char *path;     /* the job file as given */
	int64_t now;
};
/* `job plan`: the diff (with v->diff), "Scheduler dry-run:", warnings,
 * preemptions and the "Job Modify Index" hint. Returns the exit code
 * (cli_plan_exit_code). */
int cli_fmt_plan(const struct cli_plan_view *v, struct buf *out);

/* Commands, one function each (cli/cmd_*.c). */
int cli_cmd_version(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_alloc_logs(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_run(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_validate(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_fmt(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_status(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_inspect(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_history(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_stop(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_eval_list(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_eval_status(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_server_members(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_raft_list_peers(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_raft_remove_peer(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_status(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_node_status(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_node_eligibility(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_node_drain(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_alloc_status(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_plan(const struct cli_cmd *cmd, int argc, char **argv);
int cli_cmd_job_scale(const struct cli_cmd *cmd, int argc, char **argv);

#endif
