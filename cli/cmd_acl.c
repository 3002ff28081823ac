/* cli/cmd_acl.c: `acl bootstrap`, `acl policy apply|list|info|delete`,
 * `acl token create|list|info|self|update|delete`, with Nomad's output.
 * Secrets are printed only where Nomad prints them (the token block of
 * bootstrap, create and self) and never written anywhere else. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_acl.h"
#include "cli/format.h"
#include "lib/mem.h"
#include "lib/stime.h"

/* ---- shared ----------------------------------------------------------- */

/* Prints "<what>: <e>" to stderr and returns 1. */
int cli_acl_fail(const char *what, const struct err *e)
{
	fprintf(stderr, "%s: %s\n", what, e->msg);
	return 1;
}

/* Reads path ("-": stdin) into a new NUL-terminated buffer. */
static char *cli_acl_read(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;
	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	if (f != stdin)
		fclose(f);
	if (b.oom) {
		buf_release(&b);
		return NULL;
	}
	*len = b.len;
	buf_cstr(&b);
	return b.data != NULL ? b.data : mem_strdup("");
}

static int cli_acl_json_out(const json_t *j)
{
	struct buf out;
	int rc;
	buf_init(&out);
	fmt_json(j, &out);
	buf_append_char(&out, '\n');
	rc = cli_output(&out);
	buf_release(&out);
	return rc;
}

/* Nomad's outputACLToken. */
static void cli_acl_token_text(const json_t *t, struct buf *out)
{
	struct fmt_table kv;
	const char *type = fmt_jstr(t, "Type");
	const char *exp = fmt_jstr(t, "ExpirationTime");
	bool mgmt = strcmp(type, "management") == 0;
	fmt_table_init(&kv, 2);
	fmt_table_add(&kv, "Accessor ID");
	fmt_table_add(&kv, fmt_jstr(t, "AccessorID"));
	fmt_table_add(&kv, "Secret ID");
	fmt_table_add(&kv, fmt_jstr(t, "SecretID"));
	fmt_table_add(&kv, "Name");
	fmt_table_add(&kv, fmt_jstr(t, "Name"));
	fmt_table_add(&kv, "Type");
	fmt_table_add(&kv, type);
	fmt_table_add(&kv, "Global");
	fmt_table_add(&kv, fmt_jbool(t, "Global") ? "true" : "false");
	fmt_table_add(&kv, "Create Time");
	fmt_table_add(&kv, fmt_jstr(t, "CreateTime"));
	fmt_table_add(&kv, "Expiry Time");
	fmt_table_add(&kv, exp[0] != '\0' && strncmp(exp, "0001-", 5) != 0
	                       ? exp
	                       : "<none>");
	fmt_table_add(&kv, "Create Index");
	fmt_table_addf(&kv, "%lld", (long long)fmt_jint(t, "CreateIndex"));
	fmt_table_add(&kv, "Modify Index");
	fmt_table_addf(&kv, "%lld", (long long)fmt_jint(t, "ModifyIndex"));
	fmt_table_add(&kv, "Policies");
	if (mgmt) {
		fmt_table_add(&kv, "n/a");
		fmt_table_add(&kv, "Roles");
		fmt_table_add(&kv, "n/a");
	} else {
		const json_t *p = json_object_get(t, "Policies");
		struct buf l;
		buf_init(&l);
		buf_append_char(&l, '[');
		for (size_t i = 0; i < json_array_size(p); i++)
			buf_appendf(&l, "%s%s", i ? " " : "",
			            json_string_value(json_array_get(p, i))
			                ?: "");
		buf_append_char(&l, ']');
		fmt_table_add(&kv, buf_cstr(&l));
		buf_release(&l);
	}
	fmt_table_kv(&kv, out);
	fmt_table_release(&kv);
	if (!mgmt)
		buf_append_str(out, "\nRoles\n<none>\n");
}

static int cli_acl_print_token(const json_t *t, bool json)
{
	struct buf out;
	int rc;
	if (json)
		return cli_acl_json_out(t);
	buf_init(&out);
	cli_acl_token_text(t, &out);
	rc = cli_output(&out);
	buf_release(&out);
	return rc;
}

/* Flags, then exactly want positional arguments (-1: 0 or 1). Returns -1
 * to go on, else the exit code. */
int cli_acl_args(const struct cli_cmd *cmd, const struct flag *flags, int argc,
                 char **argv, int want, char ***rest, int *nrest)
{
	int code = cli_flags(cmd, flags, argc, argv, rest, nrest);
	char msg[80];
	if (code >= 0)
		return code;
	if (want < 0 ? *nrest <= 1 : *nrest == want)
		return -1;
	if (want == 0)
		snprintf(msg, sizeof msg, "This command takes no arguments");
	else if (want < 0)
		snprintf(msg, sizeof msg,
		         "This command takes up to one argument");
	else
		snprintf(msg, sizeof msg, "This command takes %d argument%s",
		         want, want == 1 ? "" : "s");
	return cli_usage_error(cmd, msg);
}

/* ---- acl bootstrap ------------------------------------------------------ */

static int cli_acl_bootstrap_body(int nrest, char **rest, json_t **body)
{
	char *secret;
	size_t len = 0;
	*body = NULL;
	if (nrest == 0 || rest[0][0] == '\0')
		return 0;
	secret = cli_acl_read(rest[0], &len);
	if (secret == NULL) {
		fprintf(stderr,
		        "Error reading provided token: %s: cannot read\n",
		        rest[0]);
		return 1;
	}
	while (len > 0 && (secret[len - 1] == '\n' || secret[len - 1] == '\r'))
		secret[--len] = '\0';
	*body = json_pack("{s:s}", "BootstrapSecret", secret);
	memset(secret, 0, len);
	mem_free(secret);
	return *body == NULL;
}

int cli_cmd_acl_bootstrap(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	bool json = false;
	struct flag flags[] = {CLI_REMOTE_FLAGS(&rc),
	                       {"json", FLAG_BOOL, &json},
	                       {NULL, FLAG_BOOL, NULL}};
	struct http_client *c = NULL;
	json_t *body = NULL, *tok = NULL;
	struct err e;
	char **rest;
	int nrest, code;
	code = cli_acl_args(cmd, flags, argc, argv, -1, &rest, &nrest);
	if (code >= 0)
		return code;
	if (cli_acl_bootstrap_body(nrest, rest, &body) != 0)
		return 1;
	err_clear(&e);
	/* No token at all: a stale one in the environment must not get in
	 * the way of the one request that needs none. */
	http_client_config_env(&rc);
	rc.token = NULL;
	code = 1;
	if (http_client_create(&rc, &c, &e) != ERR_OK)
		fprintf(stderr, "Error initializing client: %s\n", e.msg);
	else if (http_client_send_json(c, "PUT", "/v1/acl/bootstrap", NULL,
	                               body, &tok, NULL, &e) != ERR_OK)
		cli_acl_fail("Error bootstrapping", &e);
	else
		code = cli_acl_print_token(tok, json);
	json_decref(body);
	json_decref(tok);
	http_client_destroy(c);
	return code;
}

/* ---- acl policy --------------------------------------------------------- */

struct cli_policy_opts {
	const char *description, *job, *group, *task;
};

static json_t *cli_policy_body(const char *name, const char *rules,
                               const struct cli_policy_opts *o, const char *ns)
{
	json_t *p =
	    json_pack("{s:s,s:s,s:s}", "Name", name, "Description",
	              o->description ? o->description : "", "Rules", rules);
	if (p != NULL && o->job != NULL && o->job[0] != '\0' &&
	    json_object_set_new(p, "JobACL",
	                        json_pack("{s:s,s:s,s:s,s:s}", "Namespace",
	                                  ns && ns[0] ? ns : "default", "JobID",
	                                  o->job, "Group",
	                                  o->group ? o->group : "", "Task",
	                                  o->task ? o->task : "")) != 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static int cli_policy_check_opts(const struct cli_policy_opts *o)
{
	bool job = o->job && o->job[0], group = o->group && o->group[0];
	if (group && !job) {
		fprintf(stderr, "-group requires -job\n");
		return 1;
	}
	if (o->task && o->task[0] && !group) {
		fprintf(stderr, "-task requires -group\n");
		return 1;
	}
	return 0;
}

int cli_cmd_acl_policy_apply(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct cli_policy_opts o = {0};
	struct flag flags[] = {CLI_REMOTE_FLAGS(&rc),
	                       {"description", FLAG_STRING, &o.description},
	                       {"job", FLAG_STRING, &o.job},
	                       {"group", FLAG_STRING, &o.group},
	                       {"task", FLAG_STRING, &o.task},
	                       {NULL, FLAG_BOOL, NULL}};
	struct http_client *c = NULL;
	json_t *body = NULL;
	char *rules, *path;
	size_t len = 0;
	struct err e;
	char **rest;
	int nrest, code;
	code = cli_acl_args(cmd, flags, argc, argv, 2, &rest, &nrest);
	if (code >= 0)
		return code;
	if (cli_policy_check_opts(&o) != 0)
		return 1;
	rules = cli_acl_read(rest[1], &len);
	if (rules == NULL) {
		fprintf(stderr, "Failed to read file: open %s: cannot read\n",
		        rest[1]);
		return 1;
	}
	if (http_client_open(&rc, &c) != 0) {
		mem_free(rules);
		return 1;
	}
	err_clear(&e);
	code = 1;
	body = cli_policy_body(rest[0], rules, &o, rc.namespace);
	path = http_client_path("/v1/acl/policy/", rest[0], NULL);
	if (body == NULL || path == NULL)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_send_json(c, "PUT", path, NULL, body, NULL, NULL,
	                               &e) != ERR_OK)
		cli_acl_fail("Error writing ACL policy", &e);
	else
		code = printf("Successfully wrote \"%s\" ACL policy!\n",
		              rest[0]) < 0;
	mem_free(path);
	mem_free(rules);
	json_decref(body);
	http_client_destroy(c);
	return code;
}

static void cli_policy_list_text(const json_t *list, struct buf *out)
{
	struct fmt_table t;
	if (json_array_size(list) == 0) {
		buf_append_str(out, "No policies found\n");
		return;
	}
	fmt_table_init(&t, 2);
	fmt_table_add(&t, "Name");
	fmt_table_add(&t, "Description");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *p = json_array_get(list, i);
		fmt_table_add(&t, fmt_jstr(p, "Name"));
		fmt_table_add(&t, fmt_jstr(p, "Description"));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

/* GET path and print with text (or as JSON). */
int cli_acl_get_print(const struct cli_cmd *cmd, int argc, char **argv,
                      int want, const char *prefix, const char *what,
                      void (*text)(const json_t *, struct buf *))
{
	struct http_client_config rc = {0};
	bool json = false;
	struct flag flags[] = {CLI_REMOTE_FLAGS(&rc),
	                       {"json", FLAG_BOOL, &json},
	                       {NULL, FLAG_BOOL, NULL}};
	struct http_client *c = NULL;
	json_t *resp = NULL;
	char *path;
	struct buf out;
	struct err e;
	char **rest;
	int nrest, code;
	code = cli_acl_args(cmd, flags, argc, argv, want, &rest, &nrest);
	if (code >= 0)
		return code;
	if (http_client_open(&rc, &c) != 0)
		return 1;
	err_clear(&e);
	path = want == 1 ? http_client_path(prefix, rest[0], NULL)
	                 : mem_strdup(prefix);
	code = 1;
	buf_init(&out);
	if (path == NULL)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_get_json(c, path, NULL, &resp, NULL, &e) != ERR_OK)
		cli_acl_fail(what, &e);
	else if (json)
		code = cli_acl_json_out(resp);
	else {
		text(resp, &out);
		code = cli_output(&out);
	}
	buf_release(&out);
	mem_free(path);
	json_decref(resp);
	http_client_destroy(c);
	return code;
}

int cli_cmd_acl_policy_list(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_get_print(cmd, argc, argv, 0, "/v1/acl/policies",
	                         "Error listing ACL policies",
	                         cli_policy_list_text);
}

/* Nomad's formatACLPolicy. */
static void cli_policy_text(const json_t *p, struct buf *out)
{
	const json_t *j = json_object_get(p, "JobACL");
	struct fmt_table kv;
	fmt_table_init(&kv, 2);
	fmt_table_add(&kv, "Name");
	fmt_table_add(&kv, fmt_jstr(p, "Name"));
	fmt_table_add(&kv, "Description");
	fmt_table_add(&kv, fmt_jstr(p, "Description"));
	fmt_table_add(&kv, "CreateIndex");
	fmt_table_addf(&kv, "%lld", (long long)fmt_jint(p, "CreateIndex"));
	fmt_table_add(&kv, "ModifyIndex");
	fmt_table_addf(&kv, "%lld", (long long)fmt_jint(p, "ModifyIndex"));
	fmt_table_kv(&kv, out);
	fmt_table_release(&kv);
	if (json_is_object(j)) {
		static const char *const keys[] = {"Namespace", "JobID",
		                                   "Group", "Task"};
		fmt_table_init(&kv, 2);
		for (size_t i = 0; i < 4; i++) {
			fmt_table_add(&kv, keys[i]);
			fmt_table_add(&kv, fmt_jstr(j, keys[i]));
		}
		buf_append_str(out, "\nAssociated Workload\n");
		fmt_table_kv(&kv, out);
		fmt_table_release(&kv);
	}
	buf_append_str(out, "\nRules\n\n");
	buf_append_str(out, fmt_jstr(p, "Rules"));
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		buf_append_char(out, '\n');
}

int cli_cmd_acl_policy_info(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_get_print(cmd, argc, argv, 1, "/v1/acl/policy/",
	                         "Error fetching ACL policy", cli_policy_text);
}

/* DELETE prefix+name; prints ok_fmt with the name on success. */
int cli_acl_delete(const struct cli_cmd *cmd, int argc, char **argv,
                   const char *prefix, const char *what, const char *ok_fmt)
{
	struct http_client_config rc = {0};
	struct flag flags[] = {CLI_REMOTE_FLAGS(&rc), {NULL, FLAG_BOOL, NULL}};
	struct http_client_request r = {.method = "DELETE"};
	struct http_client *c = NULL;
	struct err e;
	char **rest, *path;
	int nrest, code;
	code = cli_acl_args(cmd, flags, argc, argv, 1, &rest, &nrest);
	if (code >= 0)
		return code;
	if (http_client_open(&rc, &c) != 0)
		return 1;
	err_clear(&e);
	code = 1;
	path = http_client_path(prefix, rest[0], NULL);
	r.path = path;
	if (path == NULL)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_do(c, &r, NULL, NULL, &e) != ERR_OK)
		cli_acl_fail(what, &e);
	else
		code = printf(ok_fmt, rest[0]) < 0;
	mem_free(path);
	http_client_destroy(c);
	return code;
}

int cli_cmd_acl_policy_delete(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_delete(cmd, argc, argv, "/v1/acl/policy/",
	                      "Error deleting ACL policy",
	                      "Successfully deleted \"%s\" ACL policy!\n");
}

/* ---- acl token ----------------------------------------------------------- */

struct cli_token_opts {
	const char *name, *type, *ttl;
	struct flag_list policies;
	bool global, json;
};

/* Sets the fields the flags give on t. */
static int cli_token_apply(json_t *t, const struct cli_token_opts *o,
                           bool create)
{
	json_t *pol;
	int64_t ttl = 0;
	const char *why = NULL;
	if (o->ttl != NULL && o->ttl[0] != '\0' &&
	    stime_parse_duration(o->ttl, &ttl, &why) != 0) {
		fprintf(stderr, "Failed to parse TTL as time duration: %s\n",
		        why);
		return 1;
	}
	if ((o->name != NULL &&
	     json_object_set_new(t, "Name", json_string(o->name))) ||
	    ((o->type != NULL || create) &&
	     json_object_set_new(t, "Type",
	                         json_string(o->type ? o->type : "client"))) ||
	    (create &&
	     json_object_set_new(t, "Global", json_boolean(o->global))) ||
	    (ttl != 0 &&
	     json_object_set_new(t, "ExpirationTTL", json_integer(ttl))))
		goto oom;
	if (o->policies.n > 0 || create) {
		pol = json_array();
		for (size_t i = 0; pol != NULL && i < o->policies.n; i++)
			if (json_array_append_new(
			        pol, json_string(o->policies.v[i])) != 0)
				goto oom;
		if (pol == NULL || json_object_set_new(t, "Policies", pol) != 0)
			goto oom;
	}
	return 0;
oom:
	fprintf(stderr, "Error: out of memory\n");
	return 1;
}

/* create (accessor NULL) or update. */
static int cli_token_write(const struct cli_cmd *cmd, int argc, char **argv,
                           bool create)
{
	struct http_client_config rc = {0};
	struct cli_token_opts o = {0};
	struct flag flags[] = {CLI_REMOTE_FLAGS(&rc),
	                       {"name", FLAG_STRING, &o.name},
	                       {"type", FLAG_STRING, &o.type},
	                       {"policy", FLAG_LIST, &o.policies},
	                       {"global", FLAG_BOOL, &o.global},
	                       {"ttl", FLAG_STRING, &o.ttl},
	                       {"json", FLAG_BOOL, &o.json},
	                       {NULL, FLAG_BOOL, NULL}};
	struct http_client *c = NULL;
	json_t *t = NULL, *resp = NULL;
	const char *what =
	    create ? "Error creating token" : "Error updating token";
	char **rest, *path = NULL;
	struct err e;
	int nrest, code;
	code =
	    cli_acl_args(cmd, flags, argc, argv, create ? 0 : 1, &rest, &nrest);
	if (code >= 0)
		goto out;
	code = 1;
	err_clear(&e);
	if (http_client_open(&rc, &c) != 0)
		goto out;
	path = create ? mem_strdup("/v1/acl/token")
	              : http_client_path("/v1/acl/token/", rest[0], NULL);
	if (path == NULL)
		fprintf(stderr, "Error: out of memory\n");
	else if (create)
		t = json_object();
	else if (http_client_get_json(c, path, NULL, &t, NULL, &e) != ERR_OK) {
		cli_acl_fail("Error fetching token", &e);
		goto out;
	}
	if (t == NULL || cli_token_apply(t, &o, create) != 0)
		goto out;
	if (http_client_send_json(c, "PUT", path, NULL, t, &resp, NULL, &e) !=
	    ERR_OK)
		cli_acl_fail(what, &e);
	else
		code = cli_acl_print_token(resp, o.json);
out:
	flags_release(flags);
	mem_free(path);
	json_decref(t);
	json_decref(resp);
	http_client_destroy(c);
	return code;
}

int cli_cmd_acl_token_create(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_token_write(cmd, argc, argv, true);
}

int cli_cmd_acl_token_update(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_token_write(cmd, argc, argv, false);
}

static void cli_token_list_text(const json_t *list, struct buf *out)
{
	struct fmt_table t;
	int64_t now = stime_wall_ns();
	if (json_array_size(list) == 0) {
		buf_append_str(out, "No tokens found\n");
		return;
	}
	fmt_table_init(&t, 5);
	fmt_table_add(&t, "Name");
	fmt_table_add(&t, "Type");
	fmt_table_add(&t, "Global");
	fmt_table_add(&t, "Accessor ID");
	fmt_table_add(&t, "Expired");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *p = json_array_get(list, i);
		const char *exp = fmt_jstr(p, "ExpirationTime");
		int64_t at = 0;
		bool expired = exp[0] != '\0' &&
		               stime_parse_rfc3339(exp, &at) == 0 && at > 0 &&
		               at < now;
		fmt_table_add(&t, fmt_jstr(p, "Name"));
		fmt_table_add(&t, fmt_jstr(p, "Type"));
		fmt_table_add(&t, fmt_jbool(p, "Global") ? "true" : "false");
		fmt_table_add(&t, fmt_jstr(p, "AccessorID"));
		fmt_table_add(&t, expired ? "true" : "false");
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

int cli_cmd_acl_token_list(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_get_print(cmd, argc, argv, 0, "/v1/acl/tokens",
	                         "Error listing tokens", cli_token_list_text);
}

int cli_cmd_acl_token_info(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_get_print(cmd, argc, argv, 1, "/v1/acl/token/",
	                         "Error fetching token", cli_acl_token_text);
}

int cli_cmd_acl_token_self(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_get_print(cmd, argc, argv, 0, "/v1/acl/token/self",
	                         "Error fetching self token",
	                         cli_acl_token_text);
}

int cli_cmd_acl_token_delete(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_delete(cmd, argc, argv, "/v1/acl/token/",
	                      "Error deleting token",
	                      "Token %s successfully deleted\n");
}
