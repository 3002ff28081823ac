/* cli/acl_help.c: the -help texts of the ACL and namespace commands. */
#include "cli/cmd_acl.h"

/* clang-format off */
const char cli_help_acl_bootstrap[] =
	"Usage: steppe acl bootstrap [options] [<path>]\n\n"
	"  Bootstrap is used to bootstrap the ACL system and get an initial\n"
	"  token. It can be used once; after that it is refused until an\n"
	"  operator writes the reset index the refusal names to the file\n"
	"  <data_dir>/server/acl-bootstrap-reset on the leader.\n\n"
	"  With <path>, the SecretID of the token (a UUID) is read from that\n"
	"  file (\"-\": standard input) instead of being generated. No token\n"
	"  from -token or the environment is sent.\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nBootstrap Options:\n\n"
	"  -json\n"
	"    Output the bootstrap response in JSON format.\n";

const char cli_help_acl_policy_apply[] =
	"Usage: steppe acl policy apply [options] <name> <path>\n\n"
	"  Apply is used to create or update an ACL policy. The policy is\n"
	"  sourced from <path> or from stdin if path is \"-\".\n\n"
	CLI_REMOTE_HELP
	"\nApply Options:\n\n"
	"  -description\n"
	"    Specifies a human readable description for the policy.\n\n"
	"  -job\n"
	"    Attaches the policy to the workload identities of this job, in\n"
	"    the namespace given by -namespace (default \"default\").\n\n"
	"  -group\n"
	"    Attaches the policy to one task group of the job (requires\n"
	"    -job).\n\n"
	"  -task\n"
	"    Attaches the policy to one task of the group (requires -group).\n";

const char cli_help_acl_policy_list[] =
	"Usage: steppe acl policy list [options]\n\n"
	"  List is used to list the available ACL policies (with a client\n"
	"  token, those the token holds).\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nList Options:\n\n"
	"  -json\n"
	"    Output the ACL policies in a JSON format.\n";

const char cli_help_acl_policy_info[] =
	"Usage: steppe acl policy info <name>\n\n"
	"  Info is used to fetch information on an existing ACL policy.\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nInfo Options:\n\n"
	"  -json\n"
	"    Output the ACL policy in a JSON format.\n";

const char cli_help_acl_policy_delete[] =
	"Usage: steppe acl policy delete <name>\n\n"
	"  Delete is used to delete an existing ACL policy.\n\n"
	CLI_REMOTE_HELP_NO_NS;

const char cli_help_acl_token_create[] =
	"Usage: steppe acl token create [options]\n\n"
	"  Create is used to issue new ACL tokens. Requires a management\n"
	"  token.\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nCreate Options:\n\n"
	"  -name=\"\"\n"
	"    Sets the human readable name for the ACL token.\n\n"
	"  -type=\"client\"\n"
	"    Sets the type of token. Must be one of \"client\" (default), or\n"
	"    \"management\".\n\n"
	"  -global=false\n"
	"    Toggles the global mode of the token. Global tokens are\n"
	"    replicated to all regions.\n\n"
	"  -policy=\"\"\n"
	"    Specifies a policy to associate with the token. Can be\n"
	"    specified multiple times, but only with client type tokens.\n\n"
	"  -ttl\n"
	"    Specifies the time-to-live of the created ACL token (\"1h\").\n"
	"    The token expires after that and cannot be used any more.\n\n"
	"  -json\n"
	"    Output the ACL token in a JSON format.\n";

const char cli_help_acl_token_list[] =
	"Usage: steppe acl token list [options]\n\n"
	"  List is used to list existing ACL tokens. Requires a management\n"
	"  token. Secret IDs are never listed.\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nList Options:\n\n"
	"  -json\n"
	"    Output the ACL tokens in a JSON format.\n";

const char cli_help_acl_token_info[] =
	"Usage: steppe acl token info <token_accessor_id>\n\n"
	"  Info is used to fetch information on an existing ACL token.\n"
	"  Requires a management token, or the token itself. The Secret ID\n"
	"  is shown only to the token itself.\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nInfo Options:\n\n"
	"  -json\n"
	"    Output the ACL token in a JSON format.\n";

const char cli_help_acl_token_self[] =
	"Usage: steppe acl token self\n\n"
	"  Self is used to fetch information about the currently set ACL\n"
	"  token (-token, STEPPE_TOKEN or NOMAD_TOKEN).\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nSelf Options:\n\n"
	"  -json\n"
	"    Output the ACL token in a JSON format.\n";

const char cli_help_acl_token_update[] =
	"Usage: steppe acl token update [options] <token_accessor_id>\n\n"
	"  Update is used to update an existing ACL token: its name, type\n"
	"  and policies. Requires a management token.\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nUpdate Options:\n\n"
	"  -name=\"\"\n"
	"    Sets the human readable name for the ACL token.\n\n"
	"  -type=\"client\"\n"
	"    Sets the type of token. Must be one of \"client\", or\n"
	"    \"management\".\n\n"
	"  -policy=\"\"\n"
	"    Specifies a policy to associate with the token. Can be\n"
	"    specified multiple times; replaces the token's policies.\n\n"
	"  -json\n"
	"    Output the ACL token in a JSON format.\n";

const char cli_help_acl_token_delete[] =
	"Usage: steppe acl token delete <token_accessor_id>\n\n"
	"  Delete is used to delete an existing ACL token. Requires a\n"
	"  management token.\n\n"
	CLI_REMOTE_HELP_NO_NS;

const char cli_help_namespace_apply[] =
	"Usage: steppe namespace apply [options] <namespace>\n\n"
	"  Apply is used to create or update a namespace. Requires a\n"
	"  management token.\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nApply Options:\n\n"
	"  -description\n"
	"    An optional human readable description for the namespace.\n";

const char cli_help_namespace_list[] =
	"Usage: steppe namespace list [options]\n\n"
	"  List is used to list available namespaces (those the token has\n"
	"  some capability in).\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nList Options:\n\n"
	"  -json\n"
	"    Output the namespaces in a JSON format.\n";

const char cli_help_namespace_status[] =
	"Usage: steppe namespace status [options] <namespace>\n\n"
	"  Status is used to view the status of a particular namespace.\n\n"
	CLI_REMOTE_HELP_NO_NS
	"\nStatus Options:\n\n"
	"  -json\n"
	"    Output the namespace in a JSON format.\n";

const char cli_help_namespace_delete[] =
	"Usage: steppe namespace delete [options] <namespace>\n\n"
	"  Delete is used to remove a namespace. The \"default\" namespace\n"
	"  and namespaces that still hold jobs cannot be deleted. Requires a\n"
	"  management token.\n\n"
	CLI_REMOTE_HELP_NO_NS;
/* clang-format on */
