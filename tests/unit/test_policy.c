/* Unit tests for jobspec/policy: Nomad's ACL policy language parsed,
 * validated and expanded (cases ported from Nomad's acl/policy_test.go). */
#include <stdio.h>
#include <string.h>

#include "jobspec/policy.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "tests/lib/unit.h"

#define READ_SET                                                            \
	"list-jobs", "parse-job", "read-job", "csi-list-volume",            \
	    "csi-read-volume", "read-job-scaling", "list-scaling-policies", \
	    "read-scaling-policy", "host-volume-read"
#define WRITE_EXTRA                                                        \
	"scale-job", "submit-job", "dispatch-job", "read-logs", "read-fs", \
	    "alloc-exec", "alloc-lifecycle", "csi-mount-volume",           \
	    "csi-write-volume", "submit-recommendation", "host-volume-create"

static void parse_ok(const char *src, struct acl_policy_doc *p)
{
	struct err e;
	err_clear(&e);
	memset(p, 0, sizeof *p);
	int rc = policy_parse("t.hcl", src, strlen(src), p, &e);
	ck_assert_msg(rc == ERR_OK, "rc %d: %s", rc, e.msg);
}

static void parse_err(const char *src, const char *want)
{
	struct acl_policy_doc p;
	struct err e;
	err_clear(&e);
	memset(&p, 0, sizeof p);
	int rc = policy_parse("t.hcl", src, strlen(src), &p, &e);
	ck_assert_msg(rc == ERR_PARSE, "rc %d for:\n%s", rc, src);
	ck_assert_str_eq(e.msg, want);
	ck_assert_ptr_null(p.namespaces.v);
	ck_assert_ptr_null(p.agent);
}

/* want is NULL-terminated. */
static void assert_list(const struct strlist *l, const char *const *want)
{
	size_t n = 0;
	while (want[n] != NULL)
		n++;
	for (size_t i = 0; i < l->n && i < n; i++)
		ck_assert_msg(strcmp(l->v[i], want[i]) == 0,
		              "item %zu: got \"%s\", want \"%s\"", i, l->v[i],
		              want[i]);
	ck_assert_msg(l->n == n, "got %zu items, want %zu", l->n, n);
}

#define ASSERT_CAPS(l, ...)                                             \
	do {                                                            \
		static const char *const want_[] = {__VA_ARGS__, NULL}; \
		assert_list((l), want_);                                \
	} while (0)

static void parse_example(const char *path, struct acl_policy_doc *p)
{
	size_t len = 0;
	char *src = unit_read_file(path, &len);
	struct err e;
	ck_assert_ptr_nonnull(src);
	err_clear(&e);
	memset(p, 0, sizeof *p);
	int rc = policy_parse(path, src, len, p, &e);
	ck_assert_msg(rc == ERR_OK, "%s", e.msg);
	ck_assert_str_eq(p->raw, src);
	mem_free(src);
}

START_TEST(example_dev_policy)
{
	struct acl_policy_doc p;
	parse_example("examples/policies/dev.policy.hcl", &p);
	ck_assert_uint_eq(p.namespaces.n, 1);
	ck_assert_str_eq(p.namespaces.v[0].name, "dev");
	ck_assert_str_eq(p.namespaces.v[0].policy, "read");
	ASSERT_CAPS(&p.namespaces.v[0].capabilities, "submit-job",
	            "dispatch-job", "read-logs", READ_SET);
	ck_assert_ptr_null(p.namespaces.v[0].variables);
	ck_assert_ptr_null(p.agent);
	ck_assert_ptr_null(p.node);
	policy_release(&p);
}
END_TEST

START_TEST(example_anonymous_policy)
{
	struct acl_policy_doc p;
	parse_example("examples/policies/anonymous.policy.hcl", &p);
	ck_assert_uint_eq(p.namespaces.n, 1);
	ck_assert_str_eq(p.namespaces.v[0].name, "*");
	ASSERT_CAPS(&p.namespaces.v[0].capabilities, READ_SET);
	ck_assert_ptr_nonnull(p.node);
	ck_assert_str_eq(p.node->policy, "read");
	ck_assert_ptr_nonnull(p.agent);
	ck_assert_str_eq(p.agent->policy, "read");
	ck_assert_ptr_null(p.operator);
	policy_release(&p);
}
END_TEST

START_TEST(example_traefik_policy)
{
	struct acl_policy_doc p;
	parse_example("examples/policies/traefik.policy.hcl", &p);
	ck_assert_uint_eq(p.namespaces.n, 1);
	ck_assert_str_eq(p.namespaces.v[0].name, "*");
	ck_assert_ptr_null(p.namespaces.v[0].policy);
	ASSERT_CAPS(&p.namespaces.v[0].capabilities, "list-jobs", "read-job");
	policy_release(&p);
}
END_TEST

/* Nomad's TestParse case 1: a little of everything. */
static const char everything[] =
    "namespace \"default\" {\n"
    "  policy = \"read\"\n"
    "}\n"
    "namespace \"other\" {\n"
    "  policy = \"write\"\n"
    "}\n"
    "namespace \"secret\" {\n"
    "  capabilities = [\"deny\", \"read-logs\"]\n"
    "}\n"
    "namespace \"apps\" {\n"
    "  variables {\n"
    "    path \"jobs/write-does-not-imply-read-or-delete\" {\n"
    "      capabilities = [\"write\"]\n"
    "    }\n"
    "    path \"project/read-implies-list\" {\n"
    "      capabilities = [\"read\"]\n"
    "    }\n"
    "    path \"project/explicit\" {\n"
    "      capabilities = [\"read\", \"list\", \"destroy\"]\n"
    "    }\n"
    "  }\n"
    "}\n"
    "namespace \"autoscaler\" {\n"
    "  policy = \"scale\"\n"
    "}\n"
    "host_volume \"production-tls-*\" {\n"
    "  capabilities = [\"mount-readonly\"]\n"
    "}\n"
    "host_volume \"staging-tls-*\" {\n"
    "  policy = \"write\"\n"
    "}\n"
    "node_pool \"prod\" {\n"
    "  capabilities = [\"read\"]\n"
    "}\n"
    "node_pool \"dev\" {\n"
    "  policy = \"write\"\n"
    "}\n"
    "agent {\n  policy = \"read\"\n}\n"
    "node {\n  policy = \"write\"\n}\n"
    "operator {\n  policy = \"deny\"\n}\n"
    "sentinel {\n"
    "  policy       = \"read\"\n"
    "  capabilities = [\"sentinel-delete\"]\n"
    "}\n"
    "quota {\n  policy = \"read\"\n}\n"
    "plugin {\n  policy = \"read\"\n}\n";

START_TEST(nomad_parse_everything)
{
	struct acl_policy_doc p;
	parse_ok(everything, &p);
	ck_assert_uint_eq(p.namespaces.n, 5);
	ASSERT_CAPS(&p.namespaces.v[0].capabilities, READ_SET);
	/* write's host-volume-create implies host-volume-read once more, as
	 * in Nomad */
	ASSERT_CAPS(&p.namespaces.v[1].capabilities, READ_SET, WRITE_EXTRA,
	            "host-volume-read");
	ck_assert_str_eq(p.namespaces.v[1].policy, "write");
	ASSERT_CAPS(&p.namespaces.v[2].capabilities, "deny", "read-logs");
	ck_assert_ptr_null(p.namespaces.v[2].policy);

	const struct acl_namespace_policy *apps = &p.namespaces.v[3];
	ck_assert_str_eq(apps->name, "apps");
	ck_assert_uint_eq(apps->capabilities.n, 0);
	ck_assert_ptr_nonnull(apps->variables);
	ck_assert_uint_eq(apps->variables->paths.n, 3);
	ck_assert_str_eq(apps->variables->paths.v[0].path_spec,
	                 "jobs/write-does-not-imply-read-or-delete");
	ASSERT_CAPS(&apps->variables->paths.v[0].capabilities, "write");
	ASSERT_CAPS(&apps->variables->paths.v[1].capabilities, "read", "list");
	ASSERT_CAPS(&apps->variables->paths.v[2].capabilities, "read", "list",
	            "destroy");

	ASSERT_CAPS(&p.namespaces.v[4].capabilities, "list-scaling-policies",
	            "read-scaling-policy", "read-job-scaling", "scale-job",
	            "read-job", "submit-recommendation");

	ck_assert_uint_eq(p.host_volumes.n, 2);
	ck_assert_str_eq(p.host_volumes.v[0].name, "production-tls-*");
	ASSERT_CAPS(&p.host_volumes.v[0].capabilities, "mount-readonly");
	ASSERT_CAPS(&p.host_volumes.v[1].capabilities, "mount-readonly",
	            "mount-readwrite");
	ck_assert_uint_eq(p.node_pools.n, 2);
	ASSERT_CAPS(&p.node_pools.v[0].capabilities, "read");
	ASSERT_CAPS(&p.node_pools.v[1].capabilities, "delete", "read", "write");
	ck_assert_str_eq(p.agent->policy, "read");
	ck_assert_str_eq(p.node->policy, "write");
	ck_assert_str_eq(p.operator->policy, "deny");
	ASSERT_CAPS(&p.operator->capabilities, "deny");
	ASSERT_CAPS(&p.sentinel->capabilities, "sentinel-delete",
	            "sentinel-read");
	ck_assert_str_eq(p.quota->policy, "read");
	ck_assert_str_eq(p.plugin->policy, "read");
	policy_release(&p);
}
END_TEST

START_TEST(nomad_parse_host_volume_implications)
{
	struct acl_policy_doc p;
	parse_ok("namespace \"default\" {\n"
	         "  capabilities = [\"host-volume-register\"]\n"
	         "}\n"
	         "namespace \"other\" {\n"
	         "  capabilities = [\"host-volume-create\"]\n"
	         "}\n"
	         "namespace \"foo\" {\n"
	         "  capabilities = [\"host-volume-write\"]\n"
	         "}\n",
	         &p);
	ASSERT_CAPS(&p.namespaces.v[0].capabilities, "host-volume-register",
	            "host-volume-create", "host-volume-read");
	ASSERT_CAPS(&p.namespaces.v[1].capabilities, "host-volume-create",
	            "host-volume-read");
	ASSERT_CAPS(&p.namespaces.v[2].capabilities, "host-volume-write",
	            "host-volume-register", "host-volume-create",
	            "host-volume-delete", "host-volume-read");
	policy_release(&p);
}
END_TEST

START_TEST(nomad_parse_node_pools)
{
	struct acl_policy_doc p;
	parse_ok("node_pool \"pool-read-only\" { policy = \"read\" }\n"
	         "node_pool \"pool-read-write\" { policy = \"write\" }\n"
	         "node_pool \"pool-read-upsert\" {\n"
	         "  policy = \"read\"\n"
	         "  capabilities = [\"write\"]\n"
	         "}\n"
	         "node_pool \"pool-multiple-capabilities\" {\n"
	         "  policy = \"read\"\n"
	         "  capabilities = [\"write\", \"delete\"]\n"
	         "}\n"
	         "node_pool \"pool-deny-policy\" {\n"
	         "  policy = \"deny\"\n"
	         "  capabilities = [\"write\"]\n"
	         "}\n"
	         "node_pool \"pool-deny-capability\" {\n"
	         "  capabilities = [\"deny\", \"read\"]\n"
	         "}\n"
	         "node_pool \"pool_*\" { policy = \"read\" }\n",
	         &p);
	ck_assert_uint_eq(p.node_pools.n, 7);
	ASSERT_CAPS(&p.node_pools.v[0].capabilities, "read");
	ASSERT_CAPS(&p.node_pools.v[1].capabilities, "delete", "read", "write");
	ASSERT_CAPS(&p.node_pools.v[2].capabilities, "write", "read");
	ASSERT_CAPS(&p.node_pools.v[3].capabilities, "write", "delete", "read");
	ASSERT_CAPS(&p.node_pools.v[4].capabilities, "write", "deny");
	ASSERT_CAPS(&p.node_pools.v[5].capabilities, "deny", "read");
	ck_assert_str_eq(p.node_pools.v[6].name, "pool_*");
	policy_release(&p);
}
END_TEST

START_TEST(nomad_parse_small_cases)
{
	struct acl_policy_doc p;
	parse_ok("namespace \"default\" {\n"
	         "  capabilities = [\"sentinel-override\"]\n"
	         "}\n",
	         &p);
	ASSERT_CAPS(&p.namespaces.v[0].capabilities, "sentinel-override");
	policy_release(&p);

	parse_ok("host_volume \"production-tls-*\" {\n"
	         "  capabilities = [\"mount-readwrite\"]\n"
	         "}\n",
	         &p);
	ck_assert_ptr_null(p.host_volumes.v[0].policy);
	ASSERT_CAPS(&p.host_volumes.v[0].capabilities, "mount-readwrite");
	policy_release(&p);

	parse_ok("plugin {\n  policy = \"list\"\n}\n", &p);
	ck_assert_str_eq(p.plugin->policy, "list");
	policy_release(&p);

	parse_ok("namespace \"dev\" {\n"
	         "  variables {\n"
	         "    path \"secret/*\" {\n"
	         "      capabilities = [\"read\", \"deny\", \"write\"]\n"
	         "    }\n"
	         "  }\n"
	         "}\n"
	         "operator {\n"
	         "  policy       = \"read\"\n"
	         "  capabilities = [\"snapshot-save\"]\n"
	         "}\n",
	         &p);
	ASSERT_CAPS(&p.namespaces.v[0].variables->paths.v[0].capabilities,
	            "deny");
	ASSERT_CAPS(&p.operator->capabilities, "snapshot-save", "license-read",
	            "keyring-read");
	policy_release(&p);
}
END_TEST

START_TEST(bad_names_and_labels)
{
	parse_err("namespace {\n  policy = \"read\"\n}\n",
	          "t.hcl:1:1: missing name for \"namespace\" block in policy: "
	          "a label is required");
	parse_err("namespace \"has a space\" {\n  policy = \"read\"\n}\n",
	          "t.hcl:1:11: invalid namespace name \"has a space\": must "
	          "match ^[a-zA-Z0-9-*]{1,128}$");
	parse_err("namespace \"\" {\n  policy = \"read\"\n}\n",
	          "t.hcl:1:11: invalid namespace name \"\": must match "
	          "^[a-zA-Z0-9-*]{1,128}$");
	parse_err("node_pool \"pool%\" {\n}\n",
	          "t.hcl:1:11: invalid node pool name \"pool%\": must match "
	          "^[a-zA-Z0-9-_*]{1,128}$");
	parse_err("node_pool {\n  policy = \"read\"\n}\n",
	          "t.hcl:1:1: missing name for \"node_pool\" block in policy: "
	          "a label is required");
	parse_err(
	    "host_volume \"volume has a space\" {\n"
	    "  capabilities = [\"mount-readwrite\"]\n"
	    "}\n",
	    "t.hcl:1:13: invalid host volume name \"volume has a space\": "
	    "must match ^[a-zA-Z0-9-*]{1,128}$");
	parse_err("namespace \"a\" \"b\" {\n}\n",
	          "t.hcl:1:15: extraneous label for \"namespace\" block in "
	          "policy: only one label is expected");
}
END_TEST

START_TEST(bad_policies_and_capabilities)
{
	parse_err("namespace \"default\" {\n  policy = \"foo\"\n}\n",
	          "t.hcl:2:12: invalid namespace policy \"foo\": must be one "
	          "of \"deny\", \"read\", \"write\", \"scale\"");
	parse_err("namespace \"default\" {\n"
	          "  capabilities = [\"deny\", \"foo\"]\n"
	          "}\n",
	          "t.hcl:2:27: invalid namespace capability \"foo\"");
	parse_err("agent {\n  policy = \"foo\"\n}\n",
	          "t.hcl:2:12: invalid agent policy \"foo\": must be one of "
	          "\"deny\", \"read\", \"write\", \"scale\"");
	parse_err("node {\n}\n",
	          "t.hcl:1:1: missing policy in \"node\" block: must be one of "
	          "\"deny\", \"read\", \"write\", \"scale\"");
	parse_err("operator {\n  policy = \"foo\"\n}\n",
	          "t.hcl:2:12: invalid operator policy \"foo\": must be one of "
	          "\"deny\", \"read\", \"write\", \"scale\"");
	parse_err("quota {\n  policy = \"foo\"\n}\n",
	          "t.hcl:2:12: invalid quota policy \"foo\": must be one of "
	          "\"deny\", \"read\", \"write\", \"scale\"");
	parse_err("plugin {\n  policy = \"reader\"\n}\n",
	          "t.hcl:2:12: invalid plugin policy \"reader\": must be one "
	          "of \"deny\", \"read\", \"list\", \"write\"");
	parse_err("sentinel { capabilities = [\"invalid-capability\"] }\n",
	          "t.hcl:1:28: invalid sentinel capability "
	          "\"invalid-capability\"");
	parse_err("node_pool \"my-pool\" {\n"
	          "  capabilities = [\"read\", \"invalid\"]\n"
	          "}\n",
	          "t.hcl:2:27: invalid node pool capability \"invalid\"");
	parse_err("host_volume \"v\" {\n  capabilities = [\"mount\"]\n}\n",
	          "t.hcl:2:19: invalid host volume capability \"mount\"");
}
END_TEST

START_TEST(bad_variables)
{
	parse_err("namespace \"dev\" {\n"
	          "  variables {\n"
	          "    path \"/nomad/job\" {\n"
	          "      capabilities = [\"read\", \"write\"]\n"
	          "    }\n"
	          "  }\n"
	          "}\n",
	          "t.hcl:3:10: invalid variable path \"/nomad/job\" in "
	          "namespace \"dev\": cannot start with a leading \"/\"");
	parse_err("namespace \"dev\" {\n"
	          "  variables \"*\" {\n"
	          "    capabilities = [\"read\", \"write\"]\n"
	          "  }\n"
	          "}\n",
	          "t.hcl:2:3: invalid variable policy: no variable paths in "
	          "namespace \"dev\"");
	parse_err("namespace \"dev\" {\n"
	          "  policy = \"read\"\n"
	          "  variables {\n"
	          "    path {}\n"
	          "  }\n"
	          "}\n",
	          "t.hcl:4:5: missing name for \"path\" block in variables: a "
	          "label is required");
	parse_err("namespace \"dev\" {\n"
	          "  variables {\n"
	          "    path \"\" {\n"
	          "      capabilities = [\"read\"]\n"
	          "    }\n"
	          "  }\n"
	          "}\n",
	          "t.hcl:3:10: missing variable path in namespace \"dev\"");
	parse_err("namespace \"dev\" {\n"
	          "  variables {\n"
	          "    path \"a/*\" {\n"
	          "      capabilities = [\"read\", \"own\"]\n"
	          "    }\n"
	          "  }\n"
	          "}\n",
	          "t.hcl:4:31: invalid variable capability \"own\" in "
	          "namespace \"dev\"");
}
END_TEST

START_TEST(bad_structure)
{
	parse_err("", "t.hcl:1:1: invalid policy: no rules");
	parse_err("# nothing but a comment\n",
	          "t.hcl:1:1: invalid policy: no rules");
	parse_err("bogus {\n  policy = \"read\"\n}\n",
	          "t.hcl:1:1: unsupported block type \"bogus\" in policy");
	parse_err("namespace \"default\" {\n  polcy = \"read\"\n}\n",
	          "t.hcl:2:3: unsupported argument \"polcy\" in namespace "
	          "\"default\"");
	parse_err("node {\n  policy = \"read\"\n}\n"
	          "node {\n  policy = \"write\"\n}\n",
	          "t.hcl:4:1: duplicate \"node\" in policy; previously set at "
	          "t.hcl:1:1");
	parse_err("namespace \"default\" {\n  capabilities = \"read-job\"\n}\n",
	          "t.hcl:2:18: invalid value for \"capabilities\": a list of "
	          "strings is required, got string \"read-job\"");
}
END_TEST

START_TEST(bad_input_never_crashes)
{
	static const char *const inputs[] = {
	    "namespace \"\\500\" {}",
	    "namespace {}",
	    ("namespace \"x\" {\n variables {\n  path \"a\" {\n"
	     "   capabilities = [[\"read\"]]\n  }\n }\n}\n"),
	    "agent { policy = null }",
	    "namespace \"x\" { policy = var.x }",
	    "{\"namespace\": {\"x\": {\"policy\": \"read\"}}}",
	};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct acl_policy_doc p;
		struct err e;
		memset(&p, 0, sizeof p);
		err_clear(&e);
		int rc =
		    policy_parse("t.hcl", inputs[i], strlen(inputs[i]), &p, &e);
		ck_assert_msg(rc == ERR_PARSE, "%s: rc %d", inputs[i], rc);
		ck_assert_msg(strncmp(e.msg, "t.hcl:", 6) == 0, "%s", e.msg);
	}
}
END_TEST

START_TEST(capability_lists)
{
	size_t n = 0;
	const char *const *caps = policy_namespace_capabilities(&n);
	ck_assert_uint_eq(n, 45);
	ck_assert_str_eq(caps[0], "deny");
	ck_assert_ptr_null(caps[n]);
	int found = 0;
	for (size_t i = 0; i < n; i++)
		found += strcmp(caps[i], "alloc-node-exec") == 0 ||
		         strcmp(caps[i], "delete-service-registration") == 0;
	ck_assert_int_eq(found, 2);
	caps = policy_variables_capabilities(&n);
	ck_assert_uint_eq(n, 5);
	caps = policy_host_volume_capabilities(&n);
	ck_assert_uint_eq(n, 3);
	caps = policy_node_pool_capabilities(&n);
	ck_assert_uint_eq(n, 4);
	caps = policy_operator_capabilities(&n);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(caps[1], "snapshot-save");
}
END_TEST

START_TEST(rules_json_shape)
{
	struct acl_policy_doc p;
	struct buf b;
	parse_ok("namespace \"*\" {\n  policy = \"deny\"\n}\n"
	         "agent {\n  policy = \"read\"\n}\n",
	         &p);
	buf_init(&b);
	ck_assert_int_eq(
	    schema_json_encode_buf(&acl_policy_doc_schema, &p, 0, &b), ERR_OK);
	const char *j = buf_cstr(&b);
	ck_assert_msg(strstr(j, "\"Namespaces\":[{\"Name\":\"*\",\"Policy\":"
	                        "\"deny\",\"Capabilities\":[\"deny\"]") != NULL,
	              "%s", j);
	ck_assert_msg(strstr(j, "\"Agent\":{\"Policy\":\"read\"}") != NULL,
	              "%s", j);
	ck_assert_msg(strstr(j, "\"Node\":null") != NULL, "%s", j);
	ck_assert_msg(strstr(j, "\"Raw\":\"namespace") != NULL, "%s", j);
	buf_release(&b);
	policy_release(&p);
}
END_TEST

/* Every allocation failure point gives ERR_NOMEM and leaks nothing. */
START_TEST(out_of_memory_is_clean)
{
	int ok = 0;
	for (int64_t k = 0; k < 5000 && !ok; k++) {
		struct acl_policy_doc p;
		struct err e;
		memset(&p, 0, sizeof p);
		err_clear(&e);
		mem_fault_set(k, 1);
		int rc = policy_parse("t.hcl", everything, strlen(everything),
		                      &p, &e);
		mem_fault_reset();
		if (rc == ERR_OK) {
			ok = 1;
			policy_release(&p);
		} else {
			ck_assert_msg(rc == ERR_NOMEM, "fault %lld: rc %d: %s",
			              (long long)k, rc, e.msg);
		}
	}
	ck_assert(ok);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = unit_tcase(s, "parse", 30);
	tcase_add_test(tc, example_dev_policy);
	tcase_add_test(tc, example_anonymous_policy);
	tcase_add_test(tc, example_traefik_policy);
	tcase_add_test(tc, nomad_parse_everything);
	tcase_add_test(tc, nomad_parse_host_volume_implications);
	tcase_add_test(tc, nomad_parse_node_pools);
	tcase_add_test(tc, nomad_parse_small_cases);
	tcase_add_test(tc, capability_lists);
	tcase_add_test(tc, rules_json_shape);
	tc = unit_tcase(s, "errors", 30);
	tcase_add_test(tc, bad_names_and_labels);
	tcase_add_test(tc, bad_policies_and_capabilities);
	tcase_add_test(tc, bad_variables);
	tcase_add_test(tc, bad_structure);
	tcase_add_test(tc, bad_input_never_crashes);
	tc = unit_tcase(s, "memory", 120);
	tcase_add_test(tc, out_of_memory_is_clean);
	return s;
}

UNIT_MAIN(policy_suite)
