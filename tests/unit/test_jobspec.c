/* Unit tests for jobspec/: Nomad job files to struct job. */
#include <stdio.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "lib/mem.h"
#include "structs/structs.h"
#include "tests/lib/gen.h"
#include "tests/lib/hcl_emit.h"
#include "tests/lib/unit.h"

/* Parses src as "job.hcl"; asserts success. */
static void parse_ok(const char *src, struct job *job)
{
	struct err e;
	err_clear(&e);
	memset(job, 0, sizeof *job);
	int rc = jobspec_parse("job.hcl", src, strlen(src), NULL, job, &e);
	ck_assert_msg(rc == ERR_OK, "parse failed: %s", e.msg);
}

/* Parses src; asserts failure with exactly msg. */
static void parse_fails(const char *src, const char *msg)
{
	struct err e;
	struct job job = {0};
	err_clear(&e);
	int rc = jobspec_parse("job.hcl", src, strlen(src), NULL, &job, &e);
	ck_assert_msg(rc != ERR_OK, "parse succeeded, wanted: %s", msg);
	ck_assert_str_eq(e.msg, msg);
	schema_release(&job_schema, &job);
}

/* The job as compact JSON text, for assertions on Nomad's field names. */
static json_t *as_json(const struct job *job)
{
	json_t *j = schema_json_encode(&job_schema, job);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* Follows a path like "TaskGroups.0.Networks.0.DynamicPorts.0.Label". */
static json_t *jpath(json_t *j, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *tok = strtok(buf, "."); tok && j; tok = strtok(NULL, ".")) {
		if (json_is_array(j))
			j = json_array_get(j, (size_t)strtoul(tok, NULL, 10));
		else
			j = json_object_get(j, tok);
	}
	return j;
}

static void expect_str(json_t *root, const char *path, const char *want)
{
	json_t *v = jpath(root, path);
	ck_assert_msg(json_is_string(v), "%s is not a string", path);
	ck_assert_str_eq(json_string_value(v), want);
}

static void expect_int(json_t *root, const char *path, long long want)
{
	json_t *v = jpath(root, path);
	ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
	ck_assert_int_eq(json_integer_value(v), want);
}

static void expect_null(json_t *root, const char *path)
{
	json_t *v = jpath(root, path);
	ck_assert_msg(v == NULL || json_is_null(v), "%s is set", path);
}

START_TEST(ports_split_static_and_dynamic)
{
	struct job job;
	parse_ok("job \"web\" {\n"
		 "  group \"g\" {\n"
		 "    network {\n"
		 "      port \"http\" {}\n"
		 "      port \"lb\" { static = 6543 }\n"
		 "      port \"app\" { to = 8080 }\n"
		 "    }\n"
		 "    task \"t\" { driver = \"raw_exec\" }\n"
		 "  }\n"
		 "}\n",
		 &job);
	json_t *j = as_json(&job);
	expect_str(j, "ID", "web");
	expect_str(j, "TaskGroups.0.Networks.0.DynamicPorts.0.Label", "http");
	expect_str(j, "TaskGroups.0.Networks.0.DynamicPorts.1.Label", "app");
	expect_int(j, "TaskGroups.0.Networks.0.DynamicPorts.1.To", 8080);
	expect_str(j, "TaskGroups.0.Networks.0.ReservedPorts.0.Label", "lb");
	expect_int(j, "TaskGroups.0.Networks.0.ReservedPorts.0.Value", 6543);
	json_decref(j);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(constraint_shortcuts)
{
	struct job job;
	parse_ok("job \"x\" {\n"
		 "  constraint { distinct_hosts = true }\n"
		 "  constraint { distinct_property = \"${meta.rack}\" }\n"
		 "  constraint {\n"
		 "    attribute = \"${attr.kernel.name}\"\n"
		 "    regexp    = \"^lin\"\n"
		 "  }\n"
		 "  constraint {\n"
		 "    attribute = \"${attr.os.version}\"\n"
		 "    operator  = \">=\"\n"
		 "    value     = 12\n"
		 "  }\n"
		 "  group \"g\" {\n"
		 "    task \"t\" { driver = \"raw_exec\" }\n"
		 "  }\n"
		 "}\n",
		 &job);
	json_t *j = as_json(&job);
	expect_str(j, "Constraints.0.Operand", "distinct_hosts");
	expect_str(j, "Constraints.0.RTarget", "true");
	expect_str(j, "Constraints.1.Operand", "distinct_property");
	expect_str(j, "Constraints.1.LTarget", "${meta.rack}");
	expect_str(j, "Constraints.2.Operand", "regexp");
	expect_str(j, "Constraints.2.LTarget", "${attr.kernel.name}");
	expect_str(j, "Constraints.2.RTarget", "^lin");
	expect_str(j, "Constraints.3.Operand", ">=");
	expect_str(j, "Constraints.3.RTarget", "12");
	json_decref(j);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(identities_default_and_named)
{
	struct job job;
	parse_ok("job \"x\" {\n"
		 "  group \"g\" {\n"
		 "    task \"t\" {\n"
		 "      driver = \"raw_exec\"\n"
		 "      identity {\n"
		 "        env  = true\n"
		 "        file = true\n"
		 "      }\n"
		 "      identity {\n"
		 "        name = \"vault\"\n"
		 "        aud  = [\"vault.io\"]\n"
		 "        ttl  = \"1h\"\n"
		 "      }\n"
		 "    }\n"
		 "  }\n"
		 "}\n",
		 &job);
	json_t *j = as_json(&job);
	ck_assert(json_is_true(jpath(j, "TaskGroups.0.Tasks.0.Identity.Env")));
	ck_assert(json_is_true(jpath(j, "TaskGroups.0.Tasks.0.Identity.File")));
	expect_str(j, "TaskGroups.0.Tasks.0.Identities.0.Name", "vault");
	expect_str(j, "TaskGroups.0.Tasks.0.Identities.0.Audience.0", "vault.io");
	expect_int(j, "TaskGroups.0.Tasks.0.Identities.0.TTL",
		   3600LL * 1000000000LL);
	json_decref(j);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(task_directly_in_job_becomes_group)
{
	struct job job;
	parse_ok("job \"solo\" {\n"
		 "  task \"only\" {\n"
		 "    driver = \"raw_exec\"\n"
		 "  }\n"
		 "}\n",
		 &job);
	json_t *j = as_json(&job);
	expect_str(j, "TaskGroups.0.Name", "only");
	expect_str(j, "TaskGroups.0.Tasks.0.Name", "only");
	expect_str(j, "TaskGroups.0.Tasks.0.Driver", "raw_exec");
	json_decref(j);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(config_env_meta_and_templates)
{
	struct job job;
	parse_ok("job \"x\" {\n"
		 "  meta { team = \"a\" }\n"
		 "  group \"g\" {\n"
		 "    count = \"2\"\n"
		 "    task \"t\" {\n"
		 "      driver = \"docker\"\n"
		 "      config {\n"
		 "        image = \"busybox\"\n"
		 "        port  = 8080\n"
		 "        ratio = 0.5\n"
		 "        mount {\n"
		 "          type   = \"bind\"\n"
		 "          target = \"/a\"\n"
		 "        }\n"
		 "        mount {\n"
		 "          type = \"tmpfs\"\n"
		 "        }\n"
		 "      }\n"
		 "      env = {\n"
		 "        \"A-B\" = \"${NOMAD_PORT_http}\"\n"
		 "        N       = 3\n"
		 "      }\n"
		 "      template {\n"
		 "        destination = \"local/x\"\n"
		 "        data = <<-EOT\n"
		 "          {{ range nomadService \"web\" }}`{{ .Address }}`{{ end }}\n"
		 "          EOT\n"
		 "      }\n"
		 "      kill_timeout = \"20s\"\n"
		 "    }\n"
		 "  }\n"
		 "}\n",
		 &job);
	json_t *j = as_json(&job);
	expect_str(j, "Meta.team", "a");
	expect_int(j, "TaskGroups.0.Count", 2);
	expect_str(j, "TaskGroups.0.Tasks.0.Config.image", "busybox");
	expect_int(j, "TaskGroups.0.Tasks.0.Config.port", 8080);
	ck_assert(json_real_value(jpath(j, "TaskGroups.0.Tasks.0.Config.ratio")) ==
		  0.5);
	expect_str(j, "TaskGroups.0.Tasks.0.Config.mount.0.target", "/a");
	expect_str(j, "TaskGroups.0.Tasks.0.Config.mount.1.type", "tmpfs");
	expect_str(j, "TaskGroups.0.Tasks.0.Env.A-B", "${NOMAD_PORT_http}");
	expect_str(j, "TaskGroups.0.Tasks.0.Env.N", "3");
	expect_str(j, "TaskGroups.0.Tasks.0.Templates.0.EmbeddedTmpl",
		   "{{ range nomadService \"web\" }}`{{ .Address }}`{{ end }}\n");
	expect_int(j, "TaskGroups.0.Tasks.0.KillTimeout", 20000000000LL);
	expect_null(j, "TaskGroups.0.Tasks.0.Resources.CPU.nothing");
	json_decref(j);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(errors_name_the_place)
{
	parse_fails("job \"x\" {\n  group \"g\" {\n    count = \"three\"\n  }\n}\n",
		    "job.hcl:3:13: invalid value for \"count\": a number is "
		    "required, got string \"three\"");
	parse_fails("job \"x\" {\n  group \"g\" {\n    gruop \"h\" {}\n  }\n}\n",
		    "job.hcl:3:5: unsupported block type \"gruop\" in group "
		    "\"g\"");
	parse_fails("job \"x\" {\n  group \"g\" {\n    task \"t\" {\n"
		    "      drivr = \"exec\"\n    }\n  }\n}\n",
		    "job.hcl:4:7: unsupported argument \"drivr\" in task \"t\"");
	parse_fails("job \"x\" {\n  group {\n  }\n}\n",
		    "job.hcl:2:3: missing name for \"group\" block in job \"x\": "
		    "a label is required");
	parse_fails("job \"x\" {\n  group \"g\" {\n    restart {}\n    restart {}\n"
		    "  }\n}\n",
		    "job.hcl:4:5: duplicate \"restart\" in group \"g\"; "
		    "previously set at job.hcl:3:5");
	parse_fails("job \"x\" {\n  group \"g\" {\n    count = 1.5\n  }\n}\n",
		    "job.hcl:3:13: invalid value for \"count\": a whole number is "
		    "required");
	parse_fails("job \"x\" {\n  group \"g\" {\n    task \"t\" {\n"
		    "      kill_timeout = \"5 parsecs\"\n    }\n  }\n}\n",
		    "job.hcl:4:22: invalid duration \"5 parsecs\" for "
		    "\"kill_timeout\": unknown unit in duration");
	parse_fails("group \"g\" {}\n",
		    "job.hcl:1:1: unsupported block type \"group\" at the top "
		    "level; a job file holds one \"job\" block");
	parse_fails("# nothing\n", "job.hcl:1:1: no \"job\" block found");
}
END_TEST

/* HCL -> Job -> msgpack -> Job -> JSON -> Job, all equal. */
static void round_trip_codecs(const struct job *job)
{
	struct job a = {0}, b = {0};
	struct buf mp, js;
	struct err e;
	buf_init(&mp);
	buf_init(&js);
	err_clear(&e);
	ck_assert_int_eq(schema_msgpack_encode(&job_schema, job, &mp), ERR_OK);
	ck_assert_msg(schema_msgpack_decode(&job_schema, &a, mp.data, mp.len,
					    &e) == ERR_OK,
		      "msgpack: %s", e.msg);
	ck_assert_msg(schema_equal(&job_schema, job, &a), "msgpack round trip");
	ck_assert_int_eq(schema_json_encode_buf(&job_schema, &a, 0, &js), ERR_OK);
	ck_assert_msg(schema_json_decode_str(&job_schema, &b, js.data, js.len,
					     "Job", &e) == ERR_OK,
		      "json: %s", e.msg);
	ck_assert_msg(schema_equal(&job_schema, job, &b), "JSON round trip: %s",
		      buf_cstr(&js));
	schema_release(&job_schema, &a);
	schema_release(&job_schema, &b);
	buf_release(&mp);
	buf_release(&js);
}

START_TEST(examples_round_trip)
{
	static const char *const files[] = {
		"examples/hello.hcl", "examples/blueprint.hcl",
		"examples/traefik.hcl"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct job job = {0};
		struct err e;
		err_clear(&e);
		ck_assert_msg(jobspec_parse_file(files[i], NULL, &job, &e) ==
				      ERR_OK,
			      "%s", e.msg);
		round_trip_codecs(&job);
		ck_assert_int_eq(job_canonicalize(&job), ERR_OK);
		round_trip_codecs(&job);
		schema_release(&job_schema, &job);
	}
}
END_TEST

/* Writes a failing random case to a file and fails with its first
 * differing JSON line (Check cannot carry long messages). */
static void dump_case(int i, const struct buf *hcl, const struct job *want,
		      const struct job *got, const char *why)
{
	char path[64];
	struct buf a, b;
	FILE *f;
	snprintf(path, sizeof path, "/tmp/steppe-roundtrip-%d.txt", i);
	buf_init(&a);
	buf_init(&b);
	schema_json_encode_buf(&job_schema, want, 2, &a);
	if (got != NULL)
		schema_json_encode_buf(&job_schema, got, 2, &b);
	f = fopen(path, "w");
	if (f != NULL) {
		fprintf(f, "%s\nHCL:\n%s\nwant:\n%s\ngot:\n%s\n", why,
			buf_cstr(hcl), buf_cstr(&a), buf_cstr(&b));
		fclose(f);
	}
	const char *pa = buf_cstr(&a), *pb = buf_cstr(&b);
	int line = 1;
	while (*pa && *pa == *pb) {
		line += *pa == '\n';
		pa++, pb++;
	}
	ck_abort_msg("case %d: %.200s; first difference at JSON line %d: "
		     "want %.80s / got %.80s (full case in %s)",
		     i, why, line, pa, pb, path);
}

START_TEST(random_jobs_round_trip_through_hcl)
{
	struct gen_rng rng = {unit_seed() + 17};
	for (int i = 0; i < 150; i++) {
		struct job orig = {0}, parsed = {0};
		struct buf hcl;
		struct err e;
		gen_random(&job_schema, &orig, &rng, 3);
		hcl_emit_normalize(&job_schema, &orig);
		buf_init(&hcl);
		hcl_emit_block(&hcl, "job", &job_schema, &orig, 0);
		ck_assert(!hcl.oom);
		err_clear(&e);
		int rc = jobspec_parse("random.hcl", hcl.data, hcl.len, NULL,
				       &parsed, &e);
		if (rc != ERR_OK)
			dump_case(i, &hcl, &orig, NULL, e.msg);
		if (!schema_equal(&job_schema, &orig, &parsed))
			dump_case(i, &hcl, &orig, &parsed, "differs");
		round_trip_codecs(&parsed);
		buf_release(&hcl);
		schema_release(&job_schema, &orig);
		schema_release(&job_schema, &parsed);
	}
}
END_TEST

START_TEST(out_of_memory_is_clean)
{
	size_t len = 0;
	char *src = unit_read_file("examples/traefik.hcl", &len);
	ck_assert_ptr_nonnull(src);
	for (int64_t k = 0;; k++) {
		struct job job = {0};
		struct err e;
		err_clear(&e);
		mem_fault_set(k, 1);
		int rc = jobspec_parse("traefik.hcl", src, len, NULL, &job, &e);
		mem_fault_reset();
		if (rc == ERR_OK) {
			schema_release(&job_schema, &job);
			break;
		}
		ck_assert_msg(rc == ERR_NOMEM, "k=%lld: rc %d: %s", (long long)k,
			      rc, e.msg);
		ck_assert_msg(k < 100000, "never succeeded");
	}
	mem_free(src);
}
END_TEST

static Suite *jobspec_suite(void)
{
	Suite *s = suite_create("jobspec");
	TCase *tc = unit_tcase(s, "mapping", 30);
	tcase_add_test(tc, ports_split_static_and_dynamic);
	tcase_add_test(tc, constraint_shortcuts);
	tcase_add_test(tc, identities_default_and_named);
	tcase_add_test(tc, task_directly_in_job_becomes_group);
	tcase_add_test(tc, config_env_meta_and_templates);
	tcase_add_test(tc, errors_name_the_place);
	tc = unit_tcase(s, "round trip", 120);
	tcase_add_test(tc, examples_round_trip);
	tcase_add_test(tc, random_jobs_round_trip_through_hcl);
	tcase_add_test(tc, out_of_memory_is_clean);
	return s;
}

UNIT_MAIN(jobspec_suite)
