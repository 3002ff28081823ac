/* Unit tests for client/taskenv (task environment and interpolation) and
 * client/fingerprint (the node as the client describes it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/fingerprint.h"
#include "client/taskenv.h"
#include "lib/mem.h"
#include "structs/schema.h"
#include "tests/lib/unit.h"

/* ---- fixtures ----------------------------------------------------------- */

static const char alloc_json[] =
    "{\"ID\": \"0123abcd-1111-2222-3333-444455556666\","
    " \"Namespace\": \"default\", \"Name\": \"web.server[2]\","
    " \"JobID\": \"web\", \"TaskGroup\": \"server\","
    " \"Job\": {\"ID\": \"web\", \"Name\": \"web\", \"Region\": \"global\","
    "   \"Namespace\": \"default\","
    "   \"Meta\": {\"team\": \"core\", \"owner\": \"job\"},"
    "   \"TaskGroups\": [{\"Name\": \"server\","
    "     \"Meta\": {\"owner\": \"group\", \"my-key\": \"v1\"},"
    "     \"Tasks\": [{\"Name\": \"app\", \"Driver\": \"raw_exec\","
    "       \"Meta\": {\"owner\": \"task\"},"
    "       \"Resources\": {\"CPU\": 100, \"MemoryMB\": 64},"
    "       \"Env\": {\"PORT\": \"${NOMAD_PORT_http}\","
    "         \"ADDR\": \"${NOMAD_ADDR_http}\","
    "         \"KN\": \"${attr.kernel.name}\", \"UNK\": \"${nope}\","
    "         \"TEAM\": \"${NOMAD_META_team}\", \"RACK\": \"${meta.rack}\","
    "         \"DIR\": \"${NOMAD_TASK_DIR}/conf\", \"A\": \"x\","
    "         \"B\": \"${A}\"}},"
    "      {\"Name\": \"side\", \"Driver\": \"raw_exec\"}]}]},"
    " \"AllocatedResources\": {"
    "   \"Tasks\": {"
    "     \"app\": {\"Cpu\": {\"CpuShares\": 500,"
    "                        \"ReservedCores\": [0, 1, 2, 5]},"
    "              \"Memory\": {\"MemoryMB\": 256, \"MemoryMaxMB\": 512},"
    "              \"Networks\": [{\"IP\": \"10.0.0.1\", \"DynamicPorts\":"
    "                 [{\"Label\": \"rpc\", \"Value\": 25000}]}]},"
    "     \"side\": {\"Cpu\": {\"CpuShares\": 100},"
    "               \"Memory\": {\"MemoryMB\": 32},"
    "               \"Networks\": [{\"IP\": \"10.0.0.1\", \"ReservedPorts\":"
    "                 [{\"Label\": \"dbg\", \"Value\": 7000}]}]}},"
    "   \"Shared\": {"
    "     \"Ports\": [{\"Label\": \"http\", \"Value\": 23456,"
    "                \"HostIP\": \"127.0.0.5\"},"
    "               {\"Label\": \"db\", \"Value\": 5432, \"To\": 6432,"
    "                \"HostIP\": \"127.0.0.5\"}],"
    "     \"Networks\": [{\"Mode\": \"host\", \"IP\": \"127.0.0.5\","
    "       \"ReservedPorts\": [{\"Label\": \"db\", \"Value\": 5432,"
    "                           \"To\": 6432}],"
    "       \"DynamicPorts\": [{\"Label\": \"http\", \"Value\": 23456}]}]}}}";

static const char node_json[] =
    "{\"ID\": \"9f1c0000-aaaa-bbbb-cccc-000000000001\", \"Name\": \"n1\","
    " \"Datacenter\": \"dc7\", \"NodeClass\": \"gpu\", \"NodePool\": \"blue\","
    " \"Attributes\": {\"kernel.name\": \"linux\", \"cpu.arch\": \"amd64\"},"
    " \"Meta\": {\"rack\": \"r1\"}}";

struct fixture {
	struct allocation alloc;
	struct node node;
	struct taskenv env;
};

static void fixture_load(struct fixture *f)
{
	struct err e;
	memset(f, 0, sizeof *f);
	err_clear(&e);
	ck_assert_msg(schema_json_decode_str(&allocation_schema, &f->alloc,
	                                     alloc_json, strlen(alloc_json),
	                                     "Allocation", &e) == ERR_OK,
	              "%s", e.msg);
	ck_assert_msg(schema_json_decode_str(&node_schema, &f->node, node_json,
	                                     strlen(node_json), "Node",
	                                     &e) == ERR_OK,
	              "%s", e.msg);
}

static void fixture_build(struct fixture *f, const char *task, bool chroot,
                          const char *region)
{
	struct err e;
	char task_dir[128];
	struct taskenv_input in = {
	    .alloc = &f->alloc,
	    .node = &f->node,
	    .region = region,
	    .alloc_dir = "/data/alloc/0123abcd-1111-2222-3333-444455556666",
	    .task_dir = task_dir,
	    .chroot = chroot,
	};
	snprintf(task_dir, sizeof task_dir, "%s/%s", in.alloc_dir, task);
	in.task = task_group_lookup_task(
	    job_lookup_group(f->alloc.job, "server"), task);
	ck_assert_ptr_nonnull(in.task);
	err_clear(&e);
	ck_assert_msg(taskenv_build(&in, &f->env, &e) == ERR_OK, "%s", e.msg);
}

static void fixture_release(struct fixture *f)
{
	taskenv_release(&f->env);
	schema_release(&allocation_schema, &f->alloc);
	schema_release(&node_schema, &f->node);
}

#define ENV_EQ(f, k, v)                                               \
	do {                                                          \
		const char *got_ = taskenv_get(&(f)->env, (k));       \
		ck_assert_msg(got_ != NULL && strcmp(got_, (v)) == 0, \
		              "%s: got \"%s\", want \"%s\"", (k),     \
		              got_ ? got_ : "(unset)", (v));          \
	} while (0)
#define ENV_UNSET(f, k) ck_assert_ptr_null(taskenv_get(&(f)->env, (k)))

static char *interp(const struct taskenv *env, const char *s)
{
	struct err e;
	char *out = NULL;
	err_clear(&e);
	ck_assert_int_eq(taskenv_interpolate(env, s, &out, &e), ERR_OK);
	return out;
}

#define INTERP_EQ(env, in, want)                                               \
	do {                                                                   \
		char *got_ = interp((env), (in));                              \
		ck_assert_msg(strcmp(got_, (want)) == 0,                       \
		              "interpolate %s: got \"%s\", want \"%s\"", (in), \
		              got_, (want));                                   \
		mem_free(got_);                                                \
	} while (0)

/* ---- environment -------------------------------------------------------- */

START_TEST(env_alloc_and_task_values)
{
	struct fixture f;
	setenv("STEPPE_TEST_AGENT_ONLY", "leak", 1);
	fixture_load(&f);
	fixture_build(&f, "app", false, NULL);
	ENV_EQ(&f, "NOMAD_ALLOC_DIR",
	       "/data/alloc/0123abcd-1111-2222-3333-444455556666/alloc");
	ENV_EQ(&f, "NOMAD_TASK_DIR",
	       "/data/alloc/0123abcd-1111-2222-3333-444455556666/app/local");
	ENV_EQ(&f, "NOMAD_SECRETS_DIR",
	       "/data/alloc/0123abcd-1111-2222-3333-444455556666/app/secrets");
	ENV_EQ(&f, "NOMAD_ALLOC_ID", "0123abcd-1111-2222-3333-444455556666");
	ENV_EQ(&f, "NOMAD_SHORT_ALLOC_ID", "0123abcd");
	ENV_EQ(&f, "NOMAD_ALLOC_NAME", "web.server[2]");
	ENV_EQ(&f, "NOMAD_ALLOC_INDEX", "2");
	ENV_EQ(&f, "NOMAD_GROUP_NAME", "server");
	ENV_EQ(&f, "NOMAD_TASK_NAME", "app");
	ENV_EQ(&f, "NOMAD_JOB_ID", "web");
	ENV_EQ(&f, "NOMAD_JOB_NAME", "web");
	ENV_UNSET(&f, "NOMAD_JOB_PARENT_ID");
	ENV_EQ(&f, "NOMAD_NAMESPACE", "default");
	ENV_EQ(&f, "NOMAD_REGION", "global");
	ENV_EQ(&f, "NOMAD_DC", "dc7");
	/* Allocated resources win over the task's asks. */
	ENV_EQ(&f, "NOMAD_CPU_LIMIT", "500");
	ENV_EQ(&f, "NOMAD_CPU_CORES", "0-2,5");
	ENV_EQ(&f, "NOMAD_MEMORY_LIMIT", "256");
	ENV_EQ(&f, "NOMAD_MEMORY_MAX_LIMIT", "512");
	/* No passthrough of the agent's environment, a default PATH. */
	ENV_UNSET(&f, "STEPPE_TEST_AGENT_ONLY");
	ENV_UNSET(&f, "HOME");
	ENV_EQ(&f, "PATH", TASKENV_DEFAULT_PATH);
	fixture_release(&f);
	unsetenv("STEPPE_TEST_AGENT_ONLY");
}
END_TEST

START_TEST(env_ports)
{
	struct fixture f;
	fixture_load(&f);
	fixture_build(&f, "app", false, NULL);
	/* Dynamic port without a mapping: the task sees the host port. */
	ENV_EQ(&f, "NOMAD_IP_http", "127.0.0.5");
	ENV_EQ(&f, "NOMAD_PORT_http", "23456");
	ENV_EQ(&f, "NOMAD_ADDR_http", "127.0.0.5:23456");
	ENV_EQ(&f, "NOMAD_HOST_IP_http", "127.0.0.5");
	ENV_EQ(&f, "NOMAD_HOST_PORT_http", "23456");
	ENV_EQ(&f, "NOMAD_HOST_ADDR_http", "127.0.0.5:23456");
	ENV_EQ(&f, "NOMAD_ALLOC_PORT_http", "23456");
	/* Static port mapped with `to`: PORT is the inside port. */
	ENV_EQ(&f, "NOMAD_PORT_db", "6432");
	ENV_EQ(&f, "NOMAD_ALLOC_PORT_db", "6432");
	ENV_EQ(&f, "NOMAD_HOST_PORT_db", "5432");
	ENV_EQ(&f, "NOMAD_ADDR_db", "127.0.0.5:5432");
	ENV_EQ(&f, "NOMAD_HOST_ADDR_db", "127.0.0.5:5432");
	/* No network namespace: no NOMAD_ALLOC_IP_*. */
	ENV_UNSET(&f, "NOMAD_ALLOC_IP_http");
	ENV_UNSET(&f, "NOMAD_ALLOC_ADDR_http");
	/* The task's own legacy network, and the other task's ports. */
	ENV_EQ(&f, "NOMAD_IP_rpc", "10.0.0.1");
	ENV_EQ(&f, "NOMAD_IPv4_rpc", "10.0.0.1");
	ENV_EQ(&f, "NOMAD_PORT_rpc", "25000");
	ENV_EQ(&f, "NOMAD_ADDR_rpc", "10.0.0.1:25000");
	ENV_EQ(&f, "NOMAD_ADDR_side_dbg", "10.0.0.1:7000");
	ENV_EQ(&f, "NOMAD_PORT_side_dbg", "7000");
	ENV_UNSET(&f, "NOMAD_ADDR_app_rpc");
	taskenv_release(&f.env);
	/* The sidecar sees the app's port under the app's name. */
	fixture_build(&f, "side", false, NULL);
	ENV_EQ(&f, "NOMAD_ADDR_app_rpc", "10.0.0.1:25000");
	ENV_EQ(&f, "NOMAD_PORT_http", "23456");
	ENV_EQ(&f, "NOMAD_CPU_LIMIT", "100");
	ENV_UNSET(&f, "NOMAD_CPU_CORES");
	ENV_UNSET(&f, "NOMAD_MEMORY_MAX_LIMIT");
	fixture_release(&f);
}
END_TEST

START_TEST(env_alloc_network_namespace)
{
	struct fixture f;
	fixture_load(&f);
	f.alloc.network_status = mem_calloc(1, sizeof *f.alloc.network_status);
	f.alloc.network_status->interface_name = mem_strdup("eth0");
	f.alloc.network_status->address = mem_strdup("172.26.64.2");
	fixture_build(&f, "app", false, NULL);
	ENV_EQ(&f, "NOMAD_ALLOC_INTERFACE_http", "eth0");
	ENV_EQ(&f, "NOMAD_ALLOC_IP_http", "172.26.64.2");
	ENV_EQ(&f, "NOMAD_ALLOC_ADDR_http", "172.26.64.2:23456");
	ENV_EQ(&f, "NOMAD_ALLOC_ADDR_db", "172.26.64.2:6432");
	ENV_EQ(&f, "NOMAD_HOST_ADDR_db", "127.0.0.5:5432");
	fixture_release(&f);
}
END_TEST

START_TEST(env_meta_and_user_env)
{
	struct fixture f;
	fixture_load(&f);
	fixture_build(&f, "app", false, NULL);
	/* job -> group -> task, original and upper-cased keys. */
	ENV_EQ(&f, "NOMAD_META_team", "core");
	ENV_EQ(&f, "NOMAD_META_TEAM", "core");
	ENV_EQ(&f, "NOMAD_META_owner", "task");
	ENV_EQ(&f, "NOMAD_META_OWNER", "task");
	/* Keys cleaned as Nomad does: "-" becomes "_". */
	ENV_EQ(&f, "NOMAD_META_my_key", "v1");
	ENV_EQ(&f, "NOMAD_META_MY_KEY", "v1");
	ENV_UNSET(&f, "NOMAD_META_my-key");
	/* The task's env block, interpolated. */
	ENV_EQ(&f, "PORT", "23456");
	ENV_EQ(&f, "ADDR", "127.0.0.5:23456");
	ENV_EQ(&f, "KN", "linux");
	ENV_EQ(&f, "UNK", "${nope}");
	ENV_EQ(&f, "TEAM", "core");
	ENV_EQ(&f, "RACK", "r1");
	ENV_EQ(&f, "DIR",
	       "/data/alloc/0123abcd-1111-2222-3333-444455556666/app/local/"
	       "conf");
	/* Task variables do not see each other. */
	ENV_EQ(&f, "B", "${A}");
	fixture_release(&f);
}
END_TEST

START_TEST(env_chroot_paths)
{
	struct fixture f;
	struct err e;
	char *out = NULL;
	fixture_load(&f);
	fixture_build(&f, "app", true, "east");
	ENV_EQ(&f, "NOMAD_ALLOC_DIR", "/alloc");
	ENV_EQ(&f, "NOMAD_TASK_DIR", "/local");
	ENV_EQ(&f, "NOMAD_SECRETS_DIR", "/secrets");
	ENV_EQ(&f, "DIR", "/local/conf");
	ENV_EQ(&f, "NOMAD_REGION", "east");
	/* The client-side view keeps host paths (artifact destinations). */
	err_clear(&e);
	ck_assert_int_eq(taskenv_interpolate_host(
	                     &f.env, "${NOMAD_TASK_DIR}/x.conf", &out, &e),
	                 ERR_OK);
	ck_assert_str_eq(out, "/data/alloc/0123abcd-1111-2222-3333-"
	                      "444455556666/app/local/x.conf");
	mem_free(out);
	INTERP_EQ(&f.env, "${NOMAD_TASK_DIR}/x.conf", "/local/x.conf");
	INTERP_EQ(&f.env, "${node.region}", "east");
	fixture_release(&f);
}
END_TEST

START_TEST(env_dispatched_optional_meta)
{
	struct fixture f;
	fixture_load(&f);
	f.alloc.job->dispatched = true;
	f.alloc.job->parent_id = mem_strdup("web-parent");
	f.alloc.job->parameterized_job =
	    mem_calloc(1, sizeof *f.alloc.job->parameterized_job);
	strlist_push(&f.alloc.job->parameterized_job->meta_optional, "opt");
	fixture_build(&f, "app", false, NULL);
	ENV_EQ(&f, "NOMAD_META_opt", "");
	ENV_EQ(&f, "NOMAD_META_OPT", "");
	ENV_EQ(&f, "NOMAD_JOB_PARENT_ID", "web-parent");
	fixture_release(&f);
}
END_TEST

START_TEST(env_envp_sorted)
{
	struct fixture f;
	char **envp;
	size_t n = 0;
	bool port = false;
	fixture_load(&f);
	fixture_build(&f, "app", false, NULL);
	envp = taskenv_envp(&f.env);
	ck_assert_ptr_nonnull(envp);
	for (; envp[n] != NULL; n++) {
		if (n > 0)
			ck_assert_int_lt(strcmp(envp[n - 1], envp[n]), 0);
		port |= strcmp(envp[n], "NOMAD_PORT_http=23456") == 0;
		ck_assert_ptr_nonnull(strchr(envp[n], '='));
	}
	ck_assert_uint_eq(n, f.env.env.n);
	ck_assert(port);
	taskenv_envp_free(envp);
	fixture_release(&f);
}
END_TEST

START_TEST(env_bad_input)
{
	struct fixture f;
	struct taskenv env = {0};
	struct err e;
	struct taskenv_input in = {0};
	fixture_load(&f);
	err_clear(&e);
	in.alloc = &f.alloc;
	in.node = &f.node;
	in.task = &f.alloc.job->task_groups.v[0].tasks.v[0];
	ck_assert_int_eq(taskenv_build(&in, &env, &e), ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "directory"));
	in.alloc_dir = "/a";
	in.task_dir = "/a/app";
	mem_free(f.alloc.task_group);
	f.alloc.task_group = mem_strdup("nope");
	ck_assert_int_eq(taskenv_build(&in, &env, &e), ERR_INVAL);
	ck_assert_str_eq(e.msg, "task \"app\": environment: group \"nope\" is "
	                        "not in the job");
	fixture_release(&f);
}
END_TEST

START_TEST(env_oom_is_clean)
{
	struct fixture f;
	struct err e;
	fixture_load(&f);
	for (int64_t i = 0; i < 400; i += 7) {
		struct taskenv_input in = {
		    .alloc = &f.alloc,
		    .node = &f.node,
		    .alloc_dir = "/a",
		    .task_dir = "/a/app",
		    .task = &f.alloc.job->task_groups.v[0].tasks.v[0],
		};
		int rc;
		err_clear(&e);
		mem_fault_set(i, 1);
		rc = taskenv_build(&in, &f.env, &e);
		mem_fault_reset();
		ck_assert(rc == ERR_OK || rc == ERR_NOMEM);
		taskenv_release(&f.env);
	}
	fixture_release(&f);
}
END_TEST

/* ---- interpolation ------------------------------------------------------ */

START_TEST(interpolate_strings)
{
	struct fixture f;
	fixture_load(&f);
	fixture_build(&f, "app", false, NULL);
	INTERP_EQ(&f.env, "${NOMAD_PORT_http}", "23456");
	INTERP_EQ(&f.env, "port=${NOMAD_PORT_http}!", "port=23456!");
	INTERP_EQ(&f.env, "${attr.kernel.name}", "linux");
	INTERP_EQ(&f.env, "${node.attr.kernel.name}", "linux");
	INTERP_EQ(&f.env, "${meta.rack}", "r1");
	INTERP_EQ(&f.env, "${node.meta.rack}", "r1");
	INTERP_EQ(&f.env, "${node.unique.id}",
	          "9f1c0000-aaaa-bbbb-cccc-000000000001");
	INTERP_EQ(&f.env, "${node.unique.name}", "n1");
	INTERP_EQ(&f.env, "${node.datacenter}", "dc7");
	INTERP_EQ(&f.env, "${node.class}", "gpu");
	INTERP_EQ(&f.env, "${node.pool}", "blue");
	INTERP_EQ(&f.env, "${node.region}", "global");
	INTERP_EQ(&f.env, "${env[\"NOMAD_TASK_NAME\"]}", "app");
	INTERP_EQ(&f.env, "${NOMAD_META_team}-${NOMAD_ALLOC_INDEX}", "core-2");
	/* Unknown and malformed references stay as written. */
	INTERP_EQ(&f.env, "${attr.nope}", "${attr.nope}");
	INTERP_EQ(&f.env, "${meta.nope}", "${meta.nope}");
	INTERP_EQ(&f.env, "${env[\"NOPE\"]}", "${env[\"NOPE\"]}");
	INTERP_EQ(&f.env, "${ NOMAD_TASK_NAME }", "${ NOMAD_TASK_NAME }");
	INTERP_EQ(&f.env, "${NOMAD_TASK_NAME", "${NOMAD_TASK_NAME");
	INTERP_EQ(&f.env, "${}", "${}");
	INTERP_EQ(&f.env, "$", "$");
	INTERP_EQ(&f.env, "cost $5", "cost $5");
	INTERP_EQ(&f.env, "${a${NOMAD_TASK_NAME}", "${aapp");
	/* No escape at run time, as in Nomad. */
	INTERP_EQ(&f.env, "$${NOMAD_TASK_NAME}", "$app");
	INTERP_EQ(&f.env, "", "");
	fixture_release(&f);
}
END_TEST

START_TEST(interpolate_value_tree)
{
	static const char cfg[] =
	    "{\"command\": \"/bin/echo\","
	    " \"args\": [\"${NOMAD_PORT_http}\", \"${meta.rack}\", 7, true],"
	    " \"nested\": {\"k${NOMAD_TASK_NAME}\": \"${NOMAD_ALLOC_INDEX}\","
	    "              \"deep\": [{\"x\": \"${attr.cpu.arch}\"}]},"
	    " \"none\": null, \"f\": 1.5}";
	struct fixture f;
	struct value in = {0}, out = {0};
	struct err e;
	json_t *j, *got;
	char *text;
	fixture_load(&f);
	fixture_build(&f, "app", false, NULL);
	j = json_loads(cfg, 0, NULL);
	ck_assert_ptr_nonnull(j);
	err_clear(&e);
	ck_assert_int_eq(value_from_json(&in, j, "config", &e), ERR_OK);
	json_decref(j);
	ck_assert_int_eq(taskenv_interpolate_value(&f.env, &in, &out, &e),
	                 ERR_OK);
	got = value_to_json(&out);
	text = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_str_eq(text, "{\"args\":[\"23456\",\"r1\",7,true],"
	                       "\"command\":\"/bin/echo\",\"f\":1.5,"
	                       "\"nested\":{\"deep\":[{\"x\":\"amd64\"}],"
	                       "\"k${NOMAD_TASK_NAME}\":\"2\"},\"none\":null}");
	/* The input is untouched. */
	ck_assert_str_eq(value_map_get(&in, "args")->u.list.v[0].u.s,
	                 "${NOMAD_PORT_http}");
	mem_free(text);
	json_decref(got);
	value_release(&in);
	value_release(&out);
	fixture_release(&f);
}
END_TEST

/* ---- fingerprint -------------------------------------------------------- */

static const char *attr(const struct node *n, const char *k)
{
	const char *v = strmap_get(&n->attributes, k);
	ck_assert_msg(v != NULL, "attribute %s missing", k);
	return v;
}

START_TEST(fingerprint_this_machine)
{
	struct fingerprint_config cfg = {.alloc_dir = "/tmp/steppe-fp-none/x",
	                                 .http_addr = "127.0.0.5:4646"};
	struct node n = {0};
	struct err e;
	char buf[4096];
	FILE *f;
	err_clear(&e);
	ck_assert_msg(fingerprint_node(&cfg, &n, &e) == ERR_OK, "%s", e.msg);
	ck_assert_int_ge(atoll(attr(&n, "cpu.numcores")), 1);
	ck_assert_int_ge(atoll(attr(&n, "cpu.frequency")), 1);
	ck_assert_int_eq(atoll(attr(&n, "cpu.totalcompute")),
	                 atoll(attr(&n, "cpu.numcores")) *
	                     atoll(attr(&n, "cpu.frequency")));
	ck_assert_int_gt(atoll(attr(&n, "memory.totalbytes")), 0);
	ck_assert_str_eq(attr(&n, "kernel.name"), "linux");
	ck_assert_str_eq(attr(&n, "nomad.version"), FINGERPRINT_NOMAD_VERSION);
	ck_assert_str_eq(attr(&n, "nomad.service_discovery"), "true");
	ck_assert_ptr_nonnull(strstr(attr(&n, "os.signals"), "SIGHUP"));
	ck_assert_str_eq(attr(&n, "unique.network.ip-address"), "127.0.0.5");
	ck_assert_int_gt(atoll(attr(&n, "unique.storage.bytestotal")), 0);
	ck_assert_str_ne(attr(&n, "unique.hostname"), "");
	ck_assert_str_ne(attr(&n, "kernel.version"), "");
	f = fopen("/etc/os-release", "r");
	if (f != NULL) {
		size_t len = fread(buf, 1, sizeof buf - 1, f);
		buf[len] = '\0';
		fclose(f);
		if (strstr(buf, "\nID=debian") != NULL ||
		    strncmp(buf, "ID=debian", 9) == 0)
			ck_assert_str_eq(attr(&n, "os.name"), "debian");
	}
	ck_assert_str_eq(n.name, attr(&n, "unique.hostname"));
	ck_assert_str_eq(n.datacenter, "dc1");
	ck_assert_str_eq(n.node_pool, "default");
	ck_assert_int_eq(n.node_resources->cpu.cpu_shares,
	                 atoll(attr(&n, "cpu.totalcompute")));
	ck_assert_int_gt(n.node_resources->memory.memory_mb, 0);
	ck_assert_int_gt(n.node_resources->disk.disk_mb, 0);
	ck_assert_int_eq(n.node_resources->min_dynamic_port, 20000);
	ck_assert_int_eq(n.node_resources->max_dynamic_port, 32000);
	ck_assert_uint_eq(n.node_resources->networks.n, 1);
	ck_assert_str_eq(n.node_resources->networks.v[0].device, "lo");
	ck_assert_str_eq(n.node_resources->networks.v[0].ip, "127.0.0.5");
	ck_assert_uint_eq(n.node_resources->node_networks.n, 1);
	ck_assert_str_eq(
	    n.node_resources->node_networks.v[0].addresses.v[0].alias,
	    "default");
	ck_assert_ptr_nonnull(n.reserved_resources);
	schema_release(&node_schema, &n);
}
END_TEST

static void write_file(const char *dir, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(fingerprint_parses_and_overrides)
{
	char root[] = "/tmp/steppe-fp-XXXXXX";
	struct strmap meta = {0};
	struct fingerprint_config cfg = {0};
	struct node n = {0};
	struct err e;
	char cmd[600];
	ck_assert_ptr_nonnull(mkdtemp(root));
	write_file(root, "proc/cpuinfo",
	           "processor\t: 0\nmodel name\t: Test CPU 9000\n"
	           "cpu MHz\t\t: 2596.148\n\nprocessor\t: 1\n"
	           "model name\t: Test CPU 9000\ncpu MHz\t\t: 2596.148\n\n"
	           "processor\t: 2\n\nprocessor\t: 3\n");
	write_file(root, "proc/meminfo",
	           "MemTotal:       16384000 kB\nMemFree: 1 kB\n");
	write_file(root, "etc/os-release",
	           "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"22.04\"\n");
	strmap_set(&meta, "rack", "r9");
	cfg.sysroot = root;
	cfg.name = "node-a";
	cfg.datacenter = "east-1";
	cfg.node_class = "big";
	cfg.node_pool = "prod";
	cfg.meta = &meta;
	cfg.advertise_ip = "127.0.0.7";
	cfg.reserved_cpu = 200;
	cfg.reserved_memory_mb = 128;
	cfg.reserved_disk_mb = 1024;
	cfg.reserved_ports = "22,80-90";
	cfg.min_dynamic_port = 25000;
	cfg.alloc_dir = root;
	err_clear(&e);
	ck_assert_msg(fingerprint_node(&cfg, &n, &e) == ERR_OK, "%s", e.msg);
	ck_assert_str_eq(attr(&n, "cpu.numcores"), "4");
	ck_assert_str_eq(attr(&n, "cpu.frequency"), "2596");
	ck_assert_str_eq(attr(&n, "cpu.totalcompute"), "10384");
	ck_assert_str_eq(attr(&n, "cpu.modelname"), "Test CPU 9000");
	ck_assert_str_eq(attr(&n, "memory.totalbytes"), "16777216000");
	ck_assert_str_eq(attr(&n, "os.name"), "ubuntu");
	ck_assert_str_eq(attr(&n, "os.version"), "22.04");
	ck_assert_str_eq(attr(&n, "unique.network.ip-address"), "127.0.0.7");
	ck_assert_str_eq(n.name, "node-a");
	ck_assert_str_eq(n.datacenter, "east-1");
	ck_assert_str_eq(n.node_class, "big");
	ck_assert_str_eq(n.node_pool, "prod");
	ck_assert_str_eq(strmap_get(&n.meta, "rack"), "r9");
	ck_assert_int_eq(n.node_resources->cpu.cpu_shares, 10384);
	ck_assert_int_eq(n.node_resources->cpu.total_cpu_cores, 4);
	ck_assert_int_eq(n.node_resources->memory.memory_mb, 16000);
	ck_assert_int_eq(n.node_resources->min_dynamic_port, 25000);
	ck_assert_int_eq(n.reserved_resources->cpu.cpu_shares, 200);
	ck_assert_int_eq(n.reserved_resources->memory.memory_mb, 128);
	ck_assert_int_eq(n.reserved_resources->disk.disk_mb, 1024);
	ck_assert_str_eq(n.reserved_resources->networks.reserved_host_ports,
	                 "22,80-90");
	schema_release(&node_schema, &n);
	/* Overrides win over what is read. */
	cfg.cpu_total_compute = 5000;
	cfg.memory_total_mb = 2048;
	cfg.disk_total_mb = 777;
	ck_assert_int_eq(fingerprint_node(&cfg, &n, &e), ERR_OK);
	ck_assert_str_eq(attr(&n, "cpu.totalcompute"), "5000");
	ck_assert_str_eq(attr(&n, "memory.totalbytes"), "2147483648");
	ck_assert_int_eq(n.node_resources->memory.memory_mb, 2048);
	ck_assert_int_eq(n.node_resources->disk.disk_mb, 777);
	schema_release(&node_schema, &n);
	/* A port range that makes no sense is refused. */
	cfg.min_dynamic_port = 40000;
	cfg.max_dynamic_port = 30000;
	ck_assert_int_eq(fingerprint_node(&cfg, &n, &e), ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "40000-30000"));
	ck_assert_ptr_null(n.node_resources);
	strmap_release(&meta);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(fingerprint_network_interface)
{
	struct fingerprint_config cfg = {.alloc_dir = "/tmp",
	                                 .network_interface = "lo"};
	struct node n = {0};
	struct err e;
	err_clear(&e);
	ck_assert_msg(fingerprint_node(&cfg, &n, &e) == ERR_OK, "%s", e.msg);
	ck_assert_str_eq(n.node_resources->networks.v[0].device, "lo");
	ck_assert_str_eq(n.node_resources->networks.v[0].ip, "127.0.0.1");
	ck_assert_str_eq(n.node_resources->networks.v[0].cidr, "127.0.0.1/32");
	ck_assert_str_eq(attr(&n, "unique.network.ip-address"), "127.0.0.1");
	schema_release(&node_schema, &n);
	cfg.network_interface = "nosuch0";
	ck_assert_int_eq(fingerprint_node(&cfg, &n, &e), ERR_INVAL);
	ck_assert_str_eq(e.msg, "client: network_interface \"nosuch0\" has "
	                        "no IPv4 address");
	ck_assert_ptr_null(n.name);
}
END_TEST

START_TEST(fingerprint_goarch_names)
{
	ck_assert_str_eq(fingerprint_goarch("x86_64"), "amd64");
	ck_assert_str_eq(fingerprint_goarch("aarch64"), "arm64");
	ck_assert_str_eq(fingerprint_goarch("i686"), "386");
	ck_assert_str_eq(fingerprint_goarch("mips"), "mips");
}
END_TEST

static Suite *client_env_suite(void)
{
	Suite *s = suite_create("client_env");
	TCase *tc = unit_tcase(s, "taskenv", 30);
	tcase_add_test(tc, env_alloc_and_task_values);
	tcase_add_test(tc, env_ports);
	tcase_add_test(tc, env_alloc_network_namespace);
	tcase_add_test(tc, env_meta_and_user_env);
	tcase_add_test(tc, env_chroot_paths);
	tcase_add_test(tc, env_dispatched_optional_meta);
	tcase_add_test(tc, env_envp_sorted);
	tcase_add_test(tc, env_bad_input);
	tcase_add_test(tc, env_oom_is_clean);
	tc = unit_tcase(s, "interpolate", 30);
	tcase_add_test(tc, interpolate_strings);
	tcase_add_test(tc, interpolate_value_tree);
	tc = unit_tcase(s, "fingerprint", 30);
	tcase_add_test(tc, fingerprint_this_machine);
	tcase_add_test(tc, fingerprint_parses_and_overrides);
	tcase_add_test(tc, fingerprint_network_interface);
	tcase_add_test(tc, fingerprint_goarch_names);
	return s;
}

UNIT_MAIN(client_env_suite)
