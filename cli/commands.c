#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "structs/schema.h"

static const struct cli_cmd cli_cmds[] = {
	{"version", "Print the steppe version",
	 "Usage: steppe version\n\n"
	 "  Prints the version of this steppe binary and its source revision.\n",
	 cli_cmd_version},
	{"job run", "Run a new job or update an existing job",
	 "Usage: steppe job run [options] <path>\n\n"
	 "  Submits the job file at <path> (\"-\" reads standard input) to the\n"
	 "  cluster, or with -output prints the request body instead.\n\n"
	 "Run Options:\n\n"
	 "  -output\n"
	 "    Print the JSON request body ({\"Job\": {...}}) that would be sent\n"
	 "    to the HTTP API instead of submitting the job.\n\n"
	 "  -json\n"
	 "    Parse the input as JSON (the API's job form) instead of HCL2.\n\n"
	 "  -var 'key=value'\n"
	 "    Set a variable of the job file. Repeatable.\n\n"
	 "  -var-file=path\n"
	 "    Read variable values from an HCL file. Repeatable.\n\n"
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
	 "    Read variable values from an HCL file. Repeatable.\n",
	 cli_cmd_job_validate},
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
};

#define CLI_NCMDS (sizeof cli_cmds / sizeof cli_cmds[0])

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

static void cli_list(FILE *out, const char *group)
{
	size_t glen = group != NULL ? strlen(group) : 0;
	for (size_t i = 0; i < CLI_NCMDS; i++) {
		const char *name = cli_cmds[i].name;
		if (group != NULL &&
		    (strncmp(name, group, glen) != 0 || name[glen] != ' '))
			continue;
		fprintf(out, "    %-18s %s\n", group ? name + glen + 1 : name,
			cli_cmds[i].synopsis);
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
	if (argc < 2)
		return cli_help_top(stderr, 1);
	if (strcmp(argv[1], "-help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return cli_help_top(stdout, 0);
	if (strcmp(argv[1], "-version") == 0 ||
	    strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)
		return cli_cmd_version(&cli_cmds[0], 0, NULL);
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
		fprintf(out, "Usage: steppe %s <subcommand> [options] [args]\n\n"
			     "Subcommands:\n",
			argv[1]);
		cli_list(out, argv[1]);
		return help ? 0 : 1;
	}
	fprintf(stderr, "Unknown command: \"%s\"\n\n", argv[1]);
	return cli_help_top(stderr, 1);
}
