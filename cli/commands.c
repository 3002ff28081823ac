#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "cli/cmd_acl.h"
#include "client/driver.h"
#include "structs/schema.h"

/* Help texts keep one string literal per output line. */
/* clang-format off */
static const struct cli_cmd cli_cmds[] = {
	{"agent", "Run a steppe agent (server, client or both)",
	 "Usage: steppe agent [options]\n\n"
	 "  Starts an agent: a server (-server), a client (-client), or both\n"
	 "  with -dev, which keeps its data in a temporary folder and listens\n"
	 "  on 127.0.0.1:4646 (HTTP) and :4647 (RPC). Tasks keep running when\n"
	 "  a client stops; started again on the same data dir, it adopts them.\n\n"
	 "Options:\n\n"
	 "  -config=<path>        A configuration file or folder. Repeatable;\n"
	 "                        later files override earlier ones.\n"
	 "  -server               Enable the server role.\n"
	 "  -client               Enable the client role: run tasks.\n"
	 "  -servers=<addrs>      Servers a client talks to (ip:port, comma-\n"
	 "                        separated or repeated).\n"
	 "  -node-class=<class>   The client's node class.\n"
	 "  -meta=<key=value>     Client node metadata. Repeatable.\n"
	 "  -alloc-dir=<path>     Where allocation directories live\n"
	 "                        (default <data-dir>/alloc).\n"
	 "  -state-dir=<path>     Client state (default <data-dir>/client).\n"
	 "  -network-interface=<name> Interface whose address tasks get.\n"
	 "  -dev                  Single-process development mode.\n"
	 "  -bootstrap-expect=<n> Servers to wait for before bootstrapping.\n"
	 "  -retry-join=<addr>    A server to join (ip or ip:port). Repeatable.\n"
	 "  -data-dir=<path>      Where state is kept.\n"
	 "  -bind=<addr>          Address to listen on (default 0.0.0.0).\n"
	 "  -node=<name>          This agent's name (default: hostname).\n"
	 "  -dc=<name>            Datacenter (default dc1).\n"
	 "  -region=<name>        Region (default global).\n"
	 "  -log-level=<level>    TRACE, DEBUG, INFO, WARN or ERROR.\n",
	 agent_command},
	{"version", "Print the steppe version",
	 "Usage: steppe version\n\n"
	 "  Prints the version of this steppe binary and its source revision.\n",
	 cli_cmd_version},
	{"job run", "Run a new job or update an existing job",
	 "Usage: steppe job run [options] <path>\n\n"
	 "  Submits the job file at <path> (\"-\" reads standard input) to the\n"
	 "  cluster, then follows the evaluation it created until the\n"
	 "  scheduler is done with it. With -output it prints the request\n"
	 "  body instead. Exits 0 on success, 1 on an error, 2 when some\n"
	 "  allocations could not be placed.\n\n" CLI_REMOTE_HELP
	 "\nRun Options:\n\n"
	 "  -detach\n"
	 "    Return once the job is registered, printing the evaluation ID\n"
	 "    instead of following it.\n\n"
	 "  -check-index=<index>\n"
	 "    Register only if the job's modify index is <index> (0: only if\n"
	 "    the job does not exist yet), as a check-and-set.\n\n"
	 "  -output\n"
	 "    Print the JSON request body ({\"Job\": {...}}) that would be sent\n"
	 "    to the HTTP API instead of submitting the job.\n\n"
	 "  -json\n"
	 "    Parse the input as JSON (the API's job form) instead of HCL2.\n\n"
	 "  -var 'key=value'\n"
	 "    Set a variable of the job file. Repeatable.\n\n"
	 "  -var-file=path\n"
	 "    Read variable values from an HCL file. Repeatable.\n\n"
	 "  -verbose\n"
	 "    Show full IDs while following the evaluation.\n\n"
	 "  Variables may also be set with NOMAD_VAR_<name> environment\n"
	 "  variables; -var-file overrides them and -var overrides both.\n",
	 cli_cmd_job_run},
	{"job validate", "Check a job specification for errors",
	 "Usage: steppe job validate [options] <path>\n\n"
	 "  Parses the job file at <path> (\"-\" reads standard input), fills\n"
	 "  in Nomad's defaults and reports every problem it finds. Exits 0\n"
	 "  when the job is valid, 1 otherwise.\n\n"
	 "Validate Options:\n\n"
	 "  -json\n"
	 "    Parse the input as JSON (the API's job form) instead of HCL2.\n\n"
	 "  -var 'key=value'\n"
	 "    Set a variable of the job file. Repeatable.\n\n"
	 "  -var-file=path\n"
	 "    Read variable values from an HCL file. Repeatable.\n\n"
	 "  Validation happens locally; the general options (-address,\n"
	 "  -region, -namespace, -token) are accepted as Nomad's command\n"
	 "  takes them.\n",
	 cli_cmd_job_validate},
	{"job status", "Display status information about a job",
	 "Usage: steppe job status [options] [job]\n\n"
	 "  Displays status information about a job. Without a job ID it\n"
	 "  lists every job. The ID may be a prefix of a job "
	 "ID.\n\n" CLI_REMOTE_HELP "\nStatus Options:\n\n"
	 "  -all-allocs\n"
	 "    Display all allocations matching the job ID, including those\n"
	 "    of an older instance of the job.\n\n"
	 "  -evals\n"
	 "    Display the evaluations of the job.\n\n"
	 "  -json\n"
	 "    Print the job's summary, allocations, latest deployment and\n"
	 "    evaluations as the API's JSON objects.\n\n"
	 "  -short\n"
	 "    Display only the job's key/value block.\n\n"
	 "  -verbose\n"
	 "    Display full IDs and exact times.\n",
	 cli_cmd_job_status},
	{"job inspect", "Inspect a submitted job",
	 "Usage: steppe job inspect [options] <job>\n\n"
	 "  Prints the specification of a submitted job as the API stores it,\n"
	 "  wrapped as {\"Job\": {...}} so it can be submitted again. The ID\n"
	 "  may be a prefix of a job ID.\n\n" CLI_REMOTE_HELP
	 "\nInspect Options:\n\n"
	 "  -version=<version>\n"
	 "    Print the job as it was at this version.\n\n"
	 "  -json\n"
	 "    Print the bare job object instead of {\"Job\": {...}}.\n",
	 cli_cmd_job_inspect},
	{"job history", "Display all tracked versions of a job",
	 "Usage: steppe job history [options] <job>\n\n"
	 "  Displays the versions the cluster keeps of a job, newest first.\n"
	 "  The ID may be a prefix of a job ID.\n\n" CLI_REMOTE_HELP
	 "\nHistory Options:\n\n"
	 "  -version=<version>\n"
	 "    Display only this version.\n\n"
	 "  -json\n"
	 "    Print the versions as the API's JSON job objects.\n",
	 cli_cmd_job_history},
	{"job stop", "Stop a running job",
	 "Usage: steppe job stop [options] <job>\n\n"
	 "  Stops a job: its allocations are told to shut down, and the\n"
	 "  deregistration's evaluation is followed until it finishes. The ID\n"
	 "  may be a prefix of a job ID; a prefix asks for "
	 "confirmation.\n\n" CLI_REMOTE_HELP "\nStop Options:\n\n"
	 "  -detach\n"
	 "    Return at once, printing the evaluation ID.\n\n"
	 "  -eval-priority=<n>\n"
	 "    The priority of the evaluation; defaults to the job's.\n\n"
	 "  -global\n"
	 "    Stop a multi-region job in all its regions.\n\n"
	 "  -no-shutdown-delay\n"
	 "    Ignore the shutdown_delay of groups and tasks.\n\n"
	 "  -purge\n"
	 "    Also remove the job from the cluster's state at once, instead\n"
	 "    of leaving it queryable until garbage collection.\n\n"
	 "  -yes\n"
	 "    Answer yes to confirmation prompts.\n\n"
	 "  -verbose\n"
	 "    Display full IDs.\n",
	 cli_cmd_job_stop},
	{"job plan", "Dry-run a job update to determine its effects",
	 "Usage: steppe job plan [options] <path>\n\n"
	 "  Plan invokes a dry-run of the scheduler to determine the effects\n"
	 "  of submitting either a new or updated version of a job. The plan\n"
	 "  does not change the cluster but shows whether the job could be\n"
	 "  run and how it would affect existing allocations. \"-\" reads the\n"
	 "  job file from standard input.\n\n"
	 "  A job modify index is returned with the plan. Submitting the job\n"
	 "  with \"steppe job run -check-index\" and that index runs it only\n"
	 "  if nobody changed the job since the plan.\n\n"
	 "  If the job file sets a region or namespace, it overrides the\n"
	 "  flags and the environment.\n\n"
	 "  Plan exits with one of:\n"
	 "    * 0: No allocations created or destroyed.\n"
	 "    * 1: Allocations created or destroyed.\n"
	 "    * 255: Error determining plan results.\n\n" CLI_REMOTE_HELP
	 "\nPlan Options:\n\n"
	 "  -diff\n"
	 "    Whether the diff between the remote job and the planned job is\n"
	 "    shown. Defaults to true.\n\n"
	 "  -json\n"
	 "    Parse the job file as JSON (the API's job form, with or without\n"
	 "    an outer {\"Job\": ...}).\n\n"
	 "  -hcl2-strict\n"
	 "    Accepted for compatibility; repeated in the check-index hint.\n\n"
	 "  -policy-override\n"
	 "    Override soft mandatory policies.\n\n"
	 "  -vault-namespace\n"
	 "    Store this Vault namespace in the job before planning it.\n\n"
	 "  -var 'key=value'\n"
	 "    Set a variable of the job file. Repeatable.\n\n"
	 "  -var-file=path\n"
	 "    Read variable values from an HCL file. Repeatable.\n\n"
	 "  -verbose\n"
	 "    Increase diff verbosity.\n\n"
	 "  -json-output\n"
	 "    Print the plan result as JSON instead of text.\n\n"
	 "  Without a diff from the server, the diff shows what the plan's\n"
	 "  per-group updates imply (new job, changed or unchanged groups).\n",
	 cli_cmd_job_plan},
	{"job scale", "Change the count of a job group",
	 "Usage: steppe job scale [options] <job> [<group>] <count>\n\n"
	 "  Perform a scaling action by altering the count within a job\n"
	 "  group. The group may be left out when the job has only one.\n\n"
	 "  Upon a successful scaling request the command follows the\n"
	 "  evaluation it created until the scheduler is done with it, as\n"
	 "  \"steppe job run\" does. It is safe to exit the monitor early\n"
	 "  with ctrl+c.\n\n" CLI_REMOTE_HELP "\nScale Options:\n\n"
	 "  -check-index\n"
	 "    If set, the job is only scaled if the passed job modify index\n"
	 "    matches the server side version. Ignored if zero.\n\n"
	 "  -detach\n"
	 "    Return immediately instead of entering monitor mode, printing\n"
	 "    the evaluation ID.\n\n"
	 "  -verbose\n"
	 "    Display full information.\n",
	 cli_cmd_job_scale},
	{"eval list", "List the evaluations of the cluster",
	 "Usage: steppe eval list [options]\n\n"
	 "  Lists the evaluations the cluster knows about.\n\n" CLI_REMOTE_HELP
	 "\nEval List Options:\n\n"
	 "  -job=<job>\n"
	 "    Only show evaluations of this job.\n\n"
	 "  -status=<status>\n"
	 "    Only show evaluations with this status.\n\n"
	 "  -filter=<expression>\n"
	 "    Filter the results with an expression, on the server.\n\n"
	 "  -per-page=<n>\n"
	 "    How many results to show per page.\n\n"
	 "  -page-token=<token>\n"
	 "    Where to start the page.\n\n"
	 "  -json\n"
	 "    Print the evaluations as the API's JSON objects.\n\n"
	 "  -verbose\n"
	 "    Display full IDs.\n",
	 cli_cmd_eval_list},
	{"eval status", "Display evaluation status and placement failures",
	 "Usage: steppe eval status [options] <evaluation>\n\n"
	 "  Displays an evaluation: its status, what triggered it, the\n"
	 "  allocations it placed and why it could not place others. The ID\n"
	 "  may be a prefix (at least two characters).\n\n" CLI_REMOTE_HELP
	 "\nEval Status Options:\n\n"
	 "  -monitor\n"
	 "    Follow the evaluation until it finishes.\n\n"
	 "  -json\n"
	 "    Print the evaluation as the API's JSON object.\n\n"
	 "  -verbose\n"
	 "    Display full IDs and exact times.\n",
	 cli_cmd_eval_status},
	{"node status", "Display status information about nodes",
	 "Usage: steppe node status [options] [node]\n\n"
	 "  Display status information about a given node. The list of\n"
	 "  nodes returned includes only nodes which jobs may be scheduled\n"
	 "  to, and includes status and other high-level information.\n\n"
	 "  If a node ID (or a prefix of one) is passed, information for\n"
	 "  that node is displayed: its drain and eligibility, drivers,\n"
	 "  events, the resources its running allocations hold and its\n"
	 "  allocations. Without one, a list of all nodes is displayed.\n\n"
	 CLI_REMOTE_HELP_NO_NS "\nNode Status Options:\n\n"
	 "  -allocs\n"
	 "    Display a count of running allocations for each node.\n\n"
	 "  -short\n"
	 "    Display short output. Used only when a single node is being\n"
	 "    queried, and drops verbose output about node allocations.\n\n"
	 "  -verbose\n"
	 "    Display full information.\n\n"
	 "  -os\n"
	 "    Display operating system name.\n\n"
	 "  -quiet\n"
	 "    Display only node IDs.\n\n"
	 "  -json\n"
	 "    Output the node in its JSON format.\n",
	 cli_cmd_node_status},
	{"node eligibility", "Toggle scheduling eligibility for a given node",
	 "Usage: steppe node eligibility [options] <node>\n\n"
	 "  Toggles the scheduling eligibility of the node. An ineligible\n"
	 "  node gets no new allocations; those it runs keep running. It is\n"
	 "  required that either -enable or -disable is specified, but not\n"
	 "  both.\n\n" CLI_REMOTE_HELP_NO_NS
	 "\nNode Eligibility Options:\n\n"
	 "  -disable\n"
	 "    Mark the specified node as ineligible for new allocations.\n\n"
	 "  -enable\n"
	 "    Mark the specified node as eligible for new allocations.\n",
	 cli_cmd_node_eligibility},
	{"node drain", "Toggle drain mode on a given node",
	 "Usage: steppe node drain [options] <node>\n\n"
	 "  Toggles node draining on a specified node. It is required that\n"
	 "  either -enable or -disable is specified, but not both.\n\n"
	 "  When draining is enabled the command follows the drain until it\n"
	 "  is complete, printing the allocations marked for migration;\n"
	 "  -detach returns at once. Interrupting the monitor does not\n"
	 "  cancel the drain.\n\n"
	 CLI_REMOTE_HELP_NO_NS "\nNode Drain Options:\n\n"
	 "  -disable\n"
	 "    Disable draining for the specified node.\n\n"
	 "  -enable\n"
	 "    Enable draining for the specified node.\n\n"
	 "  -deadline <duration>\n"
	 "    Set the deadline by which all allocations must be moved off\n"
	 "    the node. Remaining allocations after the deadline are forced\n"
	 "    removed from the node. If unspecified, a default deadline of\n"
	 "    one hour is applied.\n\n"
	 "  -detach\n"
	 "    Return immediately instead of entering monitor mode.\n\n"
	 "  -force\n"
	 "    Force remove allocations off the node immediately.\n\n"
	 "  -no-deadline\n"
	 "    No deadline allows the allocations to drain off the node\n"
	 "    without being force stopped after a certain deadline.\n\n"
	 "  -ignore-system\n"
	 "    Ignore system allows the drain to complete without stopping\n"
	 "    system job allocations. By default system jobs are stopped\n"
	 "    last.\n\n"
	 "  -keep-ineligible\n"
	 "    Keep ineligible will maintain the node's scheduling\n"
	 "    ineligibility even if the drain is being disabled.\n\n"
	 "  -m\n"
	 "    Message for the drain update operation. Registered in drain\n"
	 "    metadata as \"message\" during drain enable and\n"
	 "    \"cancel_message\" during drain disable.\n\n"
	 "  -meta <key>=<value>\n"
	 "    Custom metadata to store on the drain operation, can be used\n"
	 "    multiple times.\n\n"
	 "  -yes\n"
	 "    Automatic yes to prompts.\n",
	 cli_cmd_node_drain},
	{"alloc status", "Display allocation status information and metadata",
	 "Usage: steppe alloc status [options] <allocation>\n\n"
	 "  Display information about existing allocations and its tasks.\n"
	 "  This command can be used to inspect the current status of an\n"
	 "  allocation, including its running status, metadata, and verbose\n"
	 "  failure messages reported by internal subsystems. The ID may be\n"
	 "  a prefix (at least two characters).\n\n" CLI_REMOTE_HELP
	 "\nAlloc Status Options:\n\n"
	 "  -short\n"
	 "    Display short output. Shows only the most recent task event.\n\n"
	 "  -stats\n"
	 "    Accepted for compatibility; resource usage statistics are not\n"
	 "    available yet.\n\n"
	 "  -verbose\n"
	 "    Show full information.\n\n"
	 "  -json\n"
	 "    Output the allocation in its JSON format (all allocations when\n"
	 "    no ID is given).\n",
	 cli_cmd_alloc_status},
	{"alloc logs", "Streams the logs of a task",
	 "Usage: steppe alloc logs [options] <allocation> [<task>]\n\n"
	 "  Streams the stdout (or stderr) log of a task of an allocation.\n"
	 "  The task may be left out when the allocation has only one. The\n"
	 "  agent addressed may be any server: it relays the request to the\n"
	 "  client that runs the allocation.\n\n" CLI_REMOTE_HELP
	 "\nLogs Specific Options:\n\n"
	 "  -stderr\n"
	 "    Display stderr logs.\n\n"
	 "  -f\n"
	 "    Causes the output to not stop when the end of the logs are\n"
	 "    reached, but rather to wait for additional output.\n\n"
	 "  -tail\n"
	 "    Show the logs contents with offsets relative to the end of\n"
	 "    the logs. If no offset is given, -n is defaulted to 10.\n\n"
	 "  -n\n"
	 "    Sets the tail location in best-efforted number of lines\n"
	 "    relative to the end of the logs.\n\n"
	 "  -c\n"
	 "    Sets the tail location in number of bytes relative to the\n"
	 "    end of the logs.\n\n"
	 "  -task=<task>\n"
	 "    The task to read (instead of the second argument).\n\n"
	 "  -verbose\n"
	 "    Show full allocation IDs in errors.\n",
	 cli_cmd_alloc_logs},
	{"server members", "Display the servers and their status",
	 "Usage: steppe server members [options]\n\n"
	 "  Displays the servers the agent knows about, with their status\n"
	 "  and which one leads each region.\n\n" CLI_REMOTE_HELP_NO_NS
	 "\nServer Members Options:\n\n"
	 "  -verbose\n"
	 "    Add each member's protocol version and all its tags.\n\n"
	 "  -json\n"
	 "    Print the members as JSON, with a Leader tag.\n",
	 cli_cmd_server_members},
	{"operator raft list-peers", "Display the Raft peer configuration",
	 "Usage: steppe operator raft list-peers [options]\n\n"
	 "  Displays the servers of the Raft configuration, which one leads\n"
	 "  and which ones vote.\n\n" CLI_REMOTE_HELP_NO_NS
	 "\nList Peers Options:\n\n"
	 "  -stale=[true|false]\n"
	 "    Let any server answer instead of the leader; needed when the\n"
	 "    cluster has no leader. Default false.\n",
	 cli_cmd_raft_list_peers},
	{"operator raft remove-peer", "Remove a server from the Raft configuration",
	 "Usage: steppe operator raft remove-peer [options]\n\n"
	 "  Removes the server with the given -peer-id from the Raft\n"
	 "  configuration, so that a dead server stops counting towards the\n"
	 "  quorum.\n\n" CLI_REMOTE_HELP_NO_NS "\nRemove Peer Options:\n\n"
	 "  -peer-id=<id>\n"
	 "    The Raft ID of the server to remove (the ID column of\n"
	 "    \"steppe operator raft list-peers\").\n",
	 cli_cmd_raft_remove_peer},
	{"status", "Display the status of any object by its ID",
	 "Usage: steppe status [options] [identifier]\n\n"
	 "  Displays the job, evaluation, node or allocation whose ID starts\n"
	 "  with <identifier>. Without one, lists the jobs like\n"
	 "  \"steppe job status\".\n\n" CLI_REMOTE_HELP "\nStatus Options:\n\n"
	 "  -verbose\n"
	 "    Display full IDs.\n",
	 cli_cmd_status},
	{"fmt", "Rewrite HCL files to the canonical format",
	 "Usage: steppe fmt [options] [path ...]\n\n"
	 "  Rewrites HCL job, policy and configuration files in place in the\n"
	 "  canonical format and lists the files it changed. A path of \"-\"\n"
	 "  formats standard input to standard output.\n\n"
	 "Format Options:\n\n"
	 "  -check\n"
	 "    Do not write; exit 1 if any file is not formatted.\n\n"
	 "  -write=false\n"
	 "    Print the formatted text to standard output instead.\n\n"
	 "  -list=false\n"
	 "    Do not list the files that were changed.\n",
	 cli_cmd_fmt},
	{"acl bootstrap", "Bootstrap the ACL system for initial token",
	 cli_help_acl_bootstrap, cli_cmd_acl_bootstrap},
	{"acl policy apply", "Create or update an ACL policy",
	 cli_help_acl_policy_apply, cli_cmd_acl_policy_apply},
	{"acl policy list", "List ACL policies",
	 cli_help_acl_policy_list, cli_cmd_acl_policy_list},
	{"acl policy info", "Fetch info on an existing ACL policy",
	 cli_help_acl_policy_info, cli_cmd_acl_policy_info},
	{"acl policy delete", "Delete an existing ACL policy",
	 cli_help_acl_policy_delete, cli_cmd_acl_policy_delete},
	{"acl token create", "Create a new ACL token",
	 cli_help_acl_token_create, cli_cmd_acl_token_create},
	{"acl token list", "List ACL tokens",
	 cli_help_acl_token_list, cli_cmd_acl_token_list},
	{"acl token info", "Fetch information on an existing ACL token",
	 cli_help_acl_token_info, cli_cmd_acl_token_info},
	{"acl token self", "Lookup self ACL token",
	 cli_help_acl_token_self, cli_cmd_acl_token_self},
	{"acl token update", "Update an existing ACL token",
	 cli_help_acl_token_update, cli_cmd_acl_token_update},
	{"acl token delete", "Delete an existing ACL token",
	 cli_help_acl_token_delete, cli_cmd_acl_token_delete},
	{"namespace apply", "Create or update a namespace",
	 cli_help_namespace_apply, cli_cmd_namespace_apply},
	{"namespace list", "List namespaces",
	 cli_help_namespace_list, cli_cmd_namespace_list},
	{"namespace status", "Display a namespace's status",
	 cli_help_namespace_status, cli_cmd_namespace_status},
	{"namespace delete", "Delete a namespace",
	 cli_help_namespace_delete, cli_cmd_namespace_delete},
};
/* clang-format on */

#define CLI_NCMDS (sizeof cli_cmds / sizeof cli_cmds[0])

const struct cli_cmd *cli_cmd_find(const char *name)
{
	for (size_t i = 0; i < CLI_NCMDS; i++)
		if (strcmp(cli_cmds[i].name, name) == 0)
			return &cli_cmds[i];
	return NULL;
}

int cli_output(struct buf *out)
{
	if (out->oom) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	fwrite(buf_cstr(out), 1, out->len, stdout);
	fflush(stdout);
	return 0;
}

int cli_usage_error(const struct cli_cmd *cmd, const char *msg)
{
	fprintf(stderr, "%s\n\n%s", msg, cmd->help);
	return 1;
}

int cli_flags(const struct cli_cmd *cmd, const struct flag *flags, int argc,
              char **argv, char ***rest, int *nrest)
{
	switch (flags_parse(flags, argc, argv, rest, nrest)) {
	case FLAGS_OK: return -1;
	case FLAGS_HELP: fputs(cmd->help, stdout); return 0;
	case FLAGS_ERROR: fprintf(stderr, "\n%s", cmd->help); return 1;
	}
	return 1;
}

/* Number of leading argv words that spell cmd->name, or 0. */
static int cli_match(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *p = cmd->name;
	int words = 0;
	while (*p != '\0') {
		const char *sp = strchr(p, ' ');
		size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (words >= argc || strlen(argv[words]) != len ||
		    strncmp(argv[words], p, len) != 0)
			return 0;
		words++;
		p += len;
		if (*p == ' ')
			p++;
	}
	return words;
}

/* The commands of group (all with NULL), names padded to the longest. */
static void cli_list(FILE *out, const char *group)
{
	size_t glen = group != NULL ? strlen(group) + 1 : 0;
	int width = 18;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < CLI_NCMDS; i++) {
			const char *name = cli_cmds[i].name;
			if (group != NULL &&
			    (strncmp(name, group, glen - 1) != 0 ||
			     name[glen - 1] != ' '))
				continue;
			if (pass == 0 && (int)strlen(name + glen) >= width)
				width = (int)strlen(name + glen) + 1;
			else if (pass == 1)
				fprintf(out, "    %-*s %s\n", width,
				        name + glen, cli_cmds[i].synopsis);
		}
	}
}

static int cli_is_group(const char *word)
{
	size_t len = strlen(word);
	for (size_t i = 0; i < CLI_NCMDS; i++)
		if (strncmp(cli_cmds[i].name, word, len) == 0 &&
		    cli_cmds[i].name[len] == ' ')
			return 1;
	return 0;
}

static int cli_help_top(FILE *out, int rc)
{
	fprintf(out, "Usage: steppe [-version] [-help] <command> [args]\n\n"
	             "Commands:\n");
	cli_list(out, NULL);
	fprintf(out, "\nRun \"steppe <command> -help\" for a command's "
	             "options.\n");
	return rc;
}

int cli_main(int argc, char **argv)
{
	schema_json_init();
	if (argc >= 2 && strcmp(argv[1], "executor") == 0) /* internal, hidden */
		return executor_main(argc - 1, argv + 1);
	if (argc < 2)
		return cli_help_top(stderr, 1);
	if (strcmp(argv[1], "-help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return cli_help_top(stdout, 0);
	if (strcmp(argv[1], "-version") == 0 ||
	    strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)
		return cli_cmd_version(cli_cmd_find("version"), 0, NULL);
	const struct cli_cmd *best = NULL;
	int best_words = 0;
	for (size_t i = 0; i < CLI_NCMDS; i++) {
		int w = cli_match(&cli_cmds[i], argc - 1, argv + 1);
		if (w > best_words) {
			best = &cli_cmds[i];
			best_words = w;
		}
	}
	if (best != NULL)
		return best->run(best, argc - 1 - best_words,
		                 argv + 1 + best_words);
	if (cli_is_group(argv[1])) {
		int help = argc > 2 && (strcmp(argv[2], "-help") == 0 ||
		                        strcmp(argv[2], "-h") == 0);
		FILE *out = help ? stdout : stderr;
		if (argc > 2 && !help)
			fprintf(out, "Unknown command: \"%s %s\"\n\n", argv[1],
			        argv[2]);
		fprintf(out,
		        "Usage: steppe %s <subcommand> [options] [args]\n\n"
		        "Subcommands:\n",
		        argv[1]);
		cli_list(out, argv[1]);
		return help ? 0 : 1;
	}
	fprintf(stderr, "Unknown command: \"%s\"\n\n", argv[1]);
	return cli_help_top(stderr, 1);
}
