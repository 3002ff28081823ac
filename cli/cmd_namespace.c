/* cli/cmd_namespace.c: `namespace apply|list|status|delete`, with Nomad's
 * output. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_acl.h"
#include "cli/format.h"
#include "lib/mem.h"

/* ---- namespace ------------------------------------------------------------
 */

int cli_cmd_namespace_apply(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	const char *desc = NULL;
	struct flag flags[] = {CLI_REMOTE_FLAGS(&rc),
	                       {"description", FLAG_STRING, &desc},
	                       {NULL, FLAG_BOOL, NULL}};
	struct http_client *c = NULL;
	json_t *ns = NULL;
	char **rest, *path = NULL;
	struct err e;
	int nrest, code;
	code = cli_acl_args(cmd, flags, argc, argv, 1, &rest, &nrest);
	if (code >= 0)
		return code;
	if (http_client_open(&rc, &c) != 0)
		return 1;
	err_clear(&e);
	code = 1;
	path = http_client_path("/v1/namespace/", rest[0], NULL);
	/* An existing namespace keeps what the flags do not change. */
	if (path != NULL &&
	    http_client_get_json(c, path, NULL, &ns, NULL, &e) != ERR_OK &&
	    e.code != ERR_NOTFOUND) {
		cli_acl_fail("Error applying namespace specification", &e);
		goto out;
	}
	if (!json_is_object(ns)) {
		json_decref(ns);
		ns = json_pack("{s:s}", "Name", rest[0]);
	}
	if (path == NULL || ns == NULL ||
	    (desc != NULL &&
	     json_object_set_new(ns, "Description", json_string(desc)) != 0)) {
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	err_clear(&e);
	if (http_client_send_json(c, "PUT", path, NULL, ns, NULL, NULL, &e) !=
	    ERR_OK)
		cli_acl_fail("Error applying namespace specification", &e);
	else
		code = printf("Successfully applied namespace \"%s\"!\n",
		              rest[0]) < 0;
out:
	mem_free(path);
	json_decref(ns);
	http_client_destroy(c);
	return code;
}

static void cli_namespace_list_text(const json_t *list, struct buf *out)
{
	struct fmt_table t;
	if (json_array_size(list) == 0) {
		buf_append_str(out, "No namespaces found\n");
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

int cli_cmd_namespace_list(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_get_print(cmd, argc, argv, 0, "/v1/namespaces",
	                         "Error retrieving namespaces",
	                         cli_namespace_list_text);
}

static void cli_strings(const json_t *o, const char *key, struct fmt_table *t)
{
	const json_t *l = json_object_get(o, key);
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < json_array_size(l); i++)
		buf_appendf(&b, "%s%s", i ? "," : "",
		            json_string_value(json_array_get(l, i)) ?: "");
	fmt_table_add(t, key);
	fmt_table_add(t, buf_cstr(&b));
	buf_release(&b);
}

/* Nomad's formatNamespaceBasics, then the metadata. */
static void cli_namespace_text(const json_t *ns, struct buf *out)
{
	const json_t *caps = json_object_get(ns, "Capabilities");
	const json_t *meta = json_object_get(ns, "Meta");
	struct fmt_table kv;
	fmt_table_init(&kv, 2);
	fmt_table_add(&kv, "Name");
	fmt_table_add(&kv, fmt_jstr(ns, "Name"));
	fmt_table_add(&kv, "Description");
	fmt_table_add(&kv, fmt_jstr(ns, "Description"));
	fmt_table_add(&kv, "Quota");
	fmt_table_add(&kv, fmt_jstr(ns, "Quota"));
	if (json_is_object(caps)) {
		cli_strings(caps, "EnabledTaskDrivers", &kv);
		cli_strings(caps, "DisabledTaskDrivers", &kv);
		cli_strings(caps, "EnabledNetworkModes", &kv);
		cli_strings(caps, "DisabledNetworkModes", &kv);
	}
	fmt_table_kv(&kv, out);
	fmt_table_release(&kv);
	if (json_object_size(meta) > 0) {
		const char *k;
		json_t *v;
		fmt_table_init(&kv, 2);
		json_object_foreach((json_t *)meta, k, v)
		{
			fmt_table_add(&kv, k);
			fmt_table_add(&kv, json_string_value(v) ?: "");
		}
		buf_append_str(out, "\nMetadata\n");
		fmt_table_kv(&kv, out);
		fmt_table_release(&kv);
	}
}

int cli_cmd_namespace_status(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_get_print(cmd, argc, argv, 1, "/v1/namespace/",
	                         "Error retrieving namespace",
	                         cli_namespace_text);
}

int cli_cmd_namespace_delete(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_acl_delete(cmd, argc, argv, "/v1/namespace/",
	                      "Error deleting namespace",
	                      "Successfully deleted namespace \"%s\"!\n");
}
