/* Unit tests for the CLI's output formatting (cli/format.c and the pure
 * halves of cli/cmd_node.c, cmd_alloc.c, cmd_job_plan.c) and the pure
 * parts of its HTTP client (cli/http_client.c). Golden outputs follow the
 * examples of the reference (sections 5.6, 7.3, 7.4) and Nomad's
 * command code. No network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "cli/http_client.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "structs/structs.h"
#include "tests/lib/unit.h"

/* ---- helpers ------------------------------------------------------- */

static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

static int64_t ts(const char *rfc3339)
{
	int64_t ns = 0;
	ck_assert_int_eq(stime_parse_rfc3339(rfc3339, &ns), 0);
	return ns;
}

static json_t *js(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
	ck_assert_msg(j != NULL, "bad test JSON: %s: %s", jerr.text, text);
	return j;
}

/* Asserts got is exactly want. Long texts overflow Check's message
 * limit, so a mismatch prints both to stderr and fails with the offset. */
static void expect_str(const char *got, const char *want)
{
	size_t i = 0;
	while (got[i] != '\0' && got[i] == want[i])
		i++;
	if (got[i] == want[i])
		return;
	fprintf(stderr, "--- got:\n%s--- want:\n%s---\n", got, want);
	ck_abort_msg("output differs at byte %zu: got \"%.40s\", want "
	             "\"%.40s\"",
	             i, got + i, want + i);
}

/* Asserts out holds exactly want, then empties it. */
static void expect(struct buf *out, const char *want)
{
	ck_assert(!out->oom);
	expect_str(buf_cstr(out), want);
	buf_reset(out);
}

/* ---- tables, times, IDs ---------------------------------------------- */

START_TEST(tables_align_like_columnize)
{
	struct fmt_table t;
	struct buf out;
	buf_init(&out);
	fmt_table_init(&t, 3);
	fmt_table_add(&t, "ID");
	fmt_table_add(&t, "Status");
	fmt_table_add(&t, "Note");
	fmt_table_add(&t, "  abc ");
	fmt_table_add(&t, "");
	fmt_table_add(&t, NULL);
	fmt_table_addf(&t, "%d", 42);
	fmt_table_add(&t, "\xe2\x9c\x93 ok");
	fmt_table_add(&t, "last");
	fmt_table_list(&t, &out);
	expect(&out, "ID   Status  Note\n"
	             "abc  <none>  <none>\n"
	             "42   \xe2\x9c\x93 ok    last\n");
	fmt_table_release(&t);

	fmt_table_init(&t, 2);
	fmt_table_add(&t, "ID");
	fmt_table_add(&t, "example");
	fmt_table_add(&t, "Submit Date");
	fmt_table_add(&t, "");
	fmt_table_kv(&t, &out);
	expect(&out, "ID          = example\n"
	             "Submit Date = <none>\n");
	fmt_table_render(&t, " = ", "", &out);
	expect(&out, "ID          = example\n"
	             "Submit Date = \n");
	fmt_table_release(&t);
	buf_release(&out);
}
END_TEST

START_TEST(times_print_like_nomad)
{
	char b[FMT_TIME_MAX];
	utc();
	ck_assert_str_eq(fmt_time(ts("2025-03-04T09:10:11.5Z"), b),
	                 "2025-03-04T09:10:11Z");
	ck_assert_str_eq(fmt_time(0, b), "");
	ck_assert_str_eq(fmt_time(999999999, b), "");
	ck_assert_str_eq(fmt_time_str("2025-01-01T10:10:00Z", b),
	                 "2025-01-01T10:10:00Z");
	ck_assert_str_eq(fmt_time_str("0001-01-01T00:00:00Z", b), "");
	ck_assert_str_eq(fmt_time_str("garbage", b), "");
	setenv("TZ", "CET-1", 1);
	tzset();
	ck_assert_str_eq(fmt_time(ts("2025-03-04T09:10:11Z"), b),
	                 "2025-03-04T10:10:11+01:00");
	setenv("TZ", "<-0330>3:30", 1);
	tzset();
	ck_assert_str_eq(fmt_time(ts("2025-03-04T09:10:11Z"), b),
	                 "2025-03-04T05:40:11-03:30");
	ck_assert_str_eq(fmt_duration(5 * STIME_NS_PER_S, b), "5s");
}
END_TEST

START_TEST(relative_times_keep_two_units)
{
	int64_t now = ts("2025-03-04T09:10:11Z");
	char b[FMT_TIME_MAX];
	ck_assert_str_eq(fmt_ago(0, now, b), "");
	ck_assert_str_eq(fmt_ago(now, now, b), "0s ago");
	ck_assert_str_eq(fmt_ago(now - 400 * STIME_NS_PER_MS, now, b),
	                 "0s ago");
	ck_assert_str_eq(fmt_ago(now - 600 * STIME_NS_PER_MS, now, b),
	                 "1s ago");
	ck_assert_str_eq(fmt_ago(now - 5 * STIME_NS_PER_MIN, now, b), "5m ago");
	ck_assert_str_eq(fmt_ago(now - 3785 * STIME_NS_PER_S, now, b),
	                 "1h3m ago");
	ck_assert_str_eq(fmt_ago(now - 3605 * STIME_NS_PER_S, now, b),
	                 "1h5s ago");
	int64_t d = (10 * 30 + 12) * 24 * STIME_NS_PER_HOUR +
	            3 * STIME_NS_PER_HOUR + 2 * STIME_NS_PER_S;
	ck_assert_str_eq(fmt_ago(now - d, now, b), "10mo12d ago");
	d = (400 * 24) * STIME_NS_PER_HOUR;
	ck_assert_str_eq(fmt_ago(now - d, now, b), "1y1mo ago");
	ck_assert_str_eq(fmt_ago(now + 90 * STIME_NS_PER_S, now, b),
	                 "1m30s from now");
}
END_TEST

START_TEST(uuid_prefixes_are_whole_bytes)
{
	char a[] = "abc", b[] = "ab-c", c[] = "abcd", d[] = "a";
	char full[] = "7c1e0a94-1111-2222-3333-444455556666";
	fmt_uuid_prefix(a);
	fmt_uuid_prefix(b);
	fmt_uuid_prefix(c);
	fmt_uuid_prefix(d);
	fmt_uuid_prefix(full);
	ck_assert_str_eq(a, "ab");
	ck_assert_str_eq(b, "ab-");
	ck_assert_str_eq(c, "abcd");
	ck_assert_str_eq(d, "");
	ck_assert_str_eq(full, "7c1e0a94-1111-2222-3333-444455556666");
}
END_TEST

START_TEST(json_output_is_indented_by_four)
{
	json_t *j = js("{\"Job\":{\"ID\":\"x\",\"Meta\":null,\"Tags\":[],"
	               "\"Count\":1}}");
	struct buf out;
	buf_init(&out);
	ck_assert_int_eq(fmt_json(j, &out), 0);
	expect(&out, "{\n"
	             "    \"Job\": {\n"
	             "        \"ID\": \"x\",\n"
	             "        \"Meta\": null,\n"
	             "        \"Tags\": [],\n"
	             "        \"Count\": 1\n"
	             "    }\n"
	             "}\n");
	fmt_json(NULL, &out);
	expect(&out, "null\n");
	ck_assert_str_eq(fmt_jstr(j, "nope"), "");
	ck_assert_str_eq(fmt_jstr(NULL, "ID"), "");
	ck_assert_int_eq(fmt_jint(json_object_get(j, "Job"), "Count"), 1);
	ck_assert_int_eq(fmt_jint(json_object_get(j, "Job"), "ID"), 0);
	json_decref(j);
	buf_release(&out);
}
END_TEST

/* ---- servers and Raft ------------------------------------------------- */

static const char *const members_json =
    "{\"ServerName\":\"server-1\",\"ServerRegion\":\"global\","
    "\"ServerDC\":\"dc1\",\"Members\":["
    "{\"Name\":\"server-2.global\",\"Addr\":\"10.0.0.9\",\"Port\":4648,"
    "\"Status\":\"alive\",\"ProtocolCur\":2,\"Tags\":{\"build\":\"2.0.6\","
    "\"dc\":\"dc1\",\"port\":\"4647\",\"raft_vsn\":\"3\","
    "\"region\":\"global\",\"role\":\"nomad\"}},"
    "{\"Name\":\"server-1.global\",\"Addr\":\"10.0.0.8\",\"Port\":4648,"
    "\"Status\":\"alive\",\"ProtocolCur\":2,\"Tags\":{\"build\":\"2.0.6\","
    "\"dc\":\"dc1\",\"port\":\"4647\",\"raft_vsn\":\"3\","
    "\"region\":\"global\",\"role\":\"nomad\"}}]}";

START_TEST(server_members_table)
{
	json_t *resp = js(members_json);
	json_t *leaders = js("{\"global\":\"10.0.0.8:4647\"}");
	json_t *members = json_object_get(resp, "Members");
	struct buf out;
	buf_init(&out);
	fmt_server_members(members, leaders, false, &out);
	expect(&out,
	       "Name             Address   Port  Status  Leader  Raft Version  "
	       "Build  Datacenter  Region\n"
	       "server-1.global  10.0.0.8  4648  alive   true    3             "
	       "2.0.6  dc1         global\n"
	       "server-2.global  10.0.0.9  4648  alive   false   3             "
	       "2.0.6  dc1         global\n");
	fmt_server_members(members, leaders, true, &out);
	expect(&out,
	       "Name             Address   Port  Status  Leader  Protocol  "
	       "Raft Version  Build  Datacenter  Region  Tags\n"
	       "server-1.global  10.0.0.8  4648  alive   true    2         3 "
	       "            2.0.6  dc1         global  build=2.0.6,dc=dc1,"
	       "port=4647,raft_vsn=3,region=global,role=nomad\n"
	       "server-2.global  10.0.0.9  4648  alive   false   2         3 "
	       "            2.0.6  dc1         global  build=2.0.6,dc=dc1,"
	       "port=4647,raft_vsn=3,region=global,role=nomad\n");
	/* No leader known: nobody is marked. */
	json_object_clear(leaders);
	fmt_server_members(members, leaders, false, &out);
	ck_assert_ptr_null(strstr(buf_cstr(&out), "true"));
	buf_reset(&out);
	json_decref(resp);
	json_decref(leaders);
	buf_release(&out);
}
END_TEST

START_TEST(member_leader_matches_host_and_rpc_port)
{
	json_t *m = js("{\"Addr\":\"::1\",\"Tags\":{\"port\":\"4647\","
	               "\"region\":\"r\"}}");
	json_t *l = js("{\"r\":\"[::1]:4647\"}");
	json_t *other = js("{\"r\":\"::1:4647\"}");
	ck_assert(fmt_member_is_leader(m, l));
	ck_assert(!fmt_member_is_leader(m, other));
	ck_assert(!fmt_member_is_leader(m, NULL));
	json_decref(m);
	json_decref(l);
	json_decref(other);
}
END_TEST

START_TEST(raft_peers_table)
{
	json_t *cfg =
	    js("{\"Index\":12,\"Servers\":["
	       "{\"ID\":\"1b2c3d4e-aaaa-bbbb-cccc-ddddeeeeffff\",\"Node\":"
	       "\"server-2.global\",\"Address\":\"10.0.0.9:4647\",\"Leader\":"
	       "false,\"Voter\":true,\"RaftProtocol\":\"3\"},"
	       "{\"ID\":\"9a1c2b3d-1111-2222-3333-444455556666\",\"Node\":"
	       "\"server-1.global\",\"Address\":\"10.0.0.8:4647\",\"Leader\":"
	       "true,\"Voter\":true,\"RaftProtocol\":3}]}");
	struct buf out;
	buf_init(&out);
	fmt_raft_peers(cfg, &out);
	expect(&out, "Node             ID                                    "
	             "Address        State     Voter  RaftProtocol\n"
	             "server-1.global  9a1c2b3d-1111-2222-3333-444455556666  "
	             "10.0.0.8:4647  leader    true   3\n"
	             "server-2.global  1b2c3d4e-aaaa-bbbb-cccc-ddddeeeeffff  "
	             "10.0.0.9:4647  follower  true   3\n");
	json_decref(cfg);
	buf_release(&out);
}
END_TEST

/* ---- jobs ------------------------------------------------------------- */

START_TEST(job_list_table)
{
	json_t *stubs = js(
	    "[{\"ID\":\"example\",\"Type\":\"service\",\"Priority\":50,"
	    "\"Status\":\"running\",\"Stop\":false,\"SubmitTime\":"
	    "1735725600000000000,\"JobSummary\":{\"Namespace\":\"default\"}},"
	    "{\"ID\":\"nightly\",\"Type\":\"batch\",\"Periodic\":true,"
	    "\"Priority\":70,\"Status\":\"dead\",\"Stop\":true,"
	    "\"SubmitTime\":1735729200000000000,\"Namespace\":\"ops\"}]");
	json_t *none = js("[]");
	struct buf out;
	utc();
	buf_init(&out);
	fmt_job_list(stubs, false, &out);
	expect(&out, "ID       Type            Priority  Status          "
	             "Submit Date\n"
	             "example  service         50        running         "
	             "2025-01-01T10:00:00Z\n"
	             "nightly  batch/periodic  70        dead (stopped)  "
	             "2025-01-01T11:00:00Z\n");
	fmt_job_list(stubs, true, &out);
	expect(&out, "ID       Namespace  Type            Priority  Status    "
	             "      Submit Date\n"
	             "example  default    service         50        running   "
	             "      2025-01-01T10:00:00Z\n"
	             "nightly  ops        batch/periodic  70        dead "
	             "(stopped)  2025-01-01T11:00:00Z\n");
	fmt_job_list(none, false, &out);
	expect(&out, "No running jobs\n");
	fmt_job_list(NULL, false, &out);
	expect(&out, "No running jobs\n");
	json_decref(stubs);
	json_decref(none);
	buf_release(&out);
}
END_TEST

static const char *const job_json =
    "{\"ID\":\"example\",\"Name\":\"example\",\"Namespace\":\"default\","
    "\"Type\":\"service\",\"Priority\":50,\"Datacenters\":[\"*\"],"
    "\"NodePool\":\"default\",\"Status\":\"running\",\"Stop\":false,"
    "\"Periodic\":null,\"ParameterizedJob\":null,"
    "\"SubmitTime\":1735725600000000000,\"TaskGroups\":[{\"Name\":"
    "\"cache\",\"Tasks\":[{\"Name\":\"redis\"}]}]}";

static const char *const alloc_json =
    "[{\"ID\":\"b2d4f610-1111-2222-3333-444455556666\",\"EvalID\":"
    "\"a17c3e05-1111-2222-3333-444455556666\",\"NodeID\":"
    "\"0f9a7c21-1111-2222-3333-444455556666\",\"NodeName\":\"node-1\","
    "\"TaskGroup\":\"cache\",\"JobVersion\":0,\"DesiredStatus\":\"run\","
    "\"ClientStatus\":\"running\",\"CreateIndex\":10,"
    "\"CreateTime\":1735725600000000000,"
    "\"ModifyTime\":1735725600000000000}]";

static const char *const deployment_json =
    "{\"ID\":\"e5a3b8d0-1111-2222-3333-444455556666\",\"JobID\":"
    "\"example\",\"JobVersion\":0,\"Status\":\"successful\","
    "\"StatusDescription\":\"Deployment completed successfully\","
    "\"TaskGroups\":{\"cache\":{\"AutoRevert\":false,\"Promoted\":false,"
    "\"DesiredCanaries\":0,\"DesiredTotal\":1,\"PlacedAllocs\":1,"
    "\"HealthyAllocs\":1,\"UnhealthyAllocs\":0,\"ProgressDeadline\":"
    "600000000000,\"RequireProgressBy\":\"2025-01-01T10:10:00Z\"}}}";

static const char *const job_status_golden =
    "ID            = example\n"
    "Name          = example\n"
    "Submit Date   = 2025-01-01T10:00:00Z\n"
    "Type          = service\n"
    "Priority      = 50\n"
    "Datacenters   = *\n"
    "Namespace     = default\n"
    "Node Pool     = default\n"
    "Status        = running\n"
    "Periodic      = false\n"
    "Parameterized = false\n"
    "\n"
    "Summary\n"
    "Task Group  Queued  Starting  Running  Failed  Complete  Lost  "
    "Unknown\n"
    "cache       0       0         1        0       0         0     0\n"
    "\n"
    "Latest Deployment\n"
    "ID          = e5a3b8d0\n"
    "Status      = successful\n"
    "Description = Deployment completed successfully\n"
    "\n"
    "Deployed\n"
    "Task Group  Desired  Placed  Healthy  Unhealthy  Progress Deadline\n"
    "cache       1        1       1        0          "
    "2025-01-01T10:10:00Z\n"
    "\n"
    "Allocations\n"
    "ID        Node ID   Task Group  Version  Desired  Status   Created  "
    "Modified\n"
    "b2d4f610  0f9a7c21  cache       0        run      running  5m ago   "
    "5m ago\n";

START_TEST(job_status_detail)
{
	json_t *job = js(job_json), *allocs = js(alloc_json);
	json_t *d = js(deployment_json);
	json_t *summary = js("{\"JobID\":\"example\",\"Summary\":{\"cache\":{"
	                     "\"Queued\":0,\"Complete\":0,\"Failed\":0,"
	                     "\"Running\":1,\"Starting\":0,\"Lost\":0,"
	                     "\"Unknown\":0}},\"Children\":{\"Pending\":0,"
	                     "\"Running\":0,\"Dead\":0}}");
	json_t *evals = js("[]");
	struct fmt_job_status in = {.job = job,
	                            .summary = summary,
	                            .allocs = allocs,
	                            .evals = evals,
	                            .deployment = d,
	                            .now = ts("2025-01-01T10:05:00Z")};
	struct buf out;
	utc();
	buf_init(&out);
	fmt_job_status(&in, &out);
	expect(&out, job_status_golden);

	/* Without the summary endpoint the counts come from the allocs. */
	in.summary = NULL;
	fmt_job_status(&in, &out);
	expect(&out, job_status_golden);

	in.short_only = true;
	fmt_job_status(&in, &out);
	ck_assert_ptr_null(strstr(buf_cstr(&out), "Summary"));
	ck_assert(strstr(buf_cstr(&out), "Parameterized = false\n") != NULL);
	buf_reset(&out);

	json_decref(job);
	json_decref(allocs);
	json_decref(d);
	json_decref(summary);
	json_decref(evals);
	buf_release(&out);
}
END_TEST

START_TEST(job_status_evals_and_failures)
{
	json_t *job = js(job_json);
	json_t *evals = js(
	    "[{\"ID\":\"aaaaaaaa-1111-2222-3333-444455556666\",\"Priority\":"
	    "50,\"TriggeredBy\":\"job-register\",\"Status\":\"complete\","
	    "\"CreateIndex\":9,\"FailedTGAllocs\":{\"cache\":{"
	    "\"NodesEvaluated\":2,\"NodesExhausted\":2,"
	    "\"DimensionExhausted\":{\"memory\":2},\"CoalescedFailures\":0}}},"
	    "{\"ID\":\"bbbbbbbb-1111-2222-3333-444455556666\",\"Priority\":50,"
	    "\"TriggeredBy\":\"queued-allocs\",\"Status\":\"blocked\","
	    "\"CreateIndex\":10}]");
	json_t *none = js("[]");
	struct fmt_job_status in = {.job = job,
	                            .allocs = none,
	                            .evals = evals,
	                            .show_evals = true,
	                            .now = ts("2025-01-01T10:05:00Z")};
	struct buf out;
	const char *text,
	    *want_evals =
	        "\nEvaluations\n"
	        "ID        Priority  Triggered By   Status    Placement "
	        "Failures\n"
	        "aaaaaaaa  50        job-register   complete  true\n"
	        "bbbbbbbb  50        queued-allocs  blocked   N/A - In "
	        "Progress\n"
	        "\nPlacement Failure\n"
	        "Task Group \"cache\":\n"
	        "  * Resources exhausted on 2 nodes\n"
	        "  * Dimension \"memory\" exhausted on 2 nodes\n"
	        "\nAllocations\nNo allocations placed\n";
	utc();
	buf_init(&out);
	fmt_job_status(&in, &out);
	text = buf_cstr(&out);
	ck_assert(strstr(text, "Summary\nTask Group  Queued") != NULL);
	ck_assert(strstr(text, "cache       0       0         0        0 ") !=
	          NULL);
	ck_assert_str_eq(strstr(text, "\nEvaluations\n"), want_evals);
	json_decref(job);
	json_decref(evals);
	json_decref(none);
	buf_release(&out);
}
END_TEST

START_TEST(job_status_periodic_and_parameterized)
{
	json_t *job = js("{\"ID\":\"nightly\",\"Name\":\"nightly\","
	                 "\"Type\":\"batch\",\"Priority\":50,\"Stop\":true,"
	                 "\"Status\":\"dead\",\"Periodic\":{\"Spec\":"
	                 "\"@daily\"},\"Datacenters\":[\"dc1\",\"dc2\"]}");
	json_t *children = js("[{\"ID\":\"nightly/periodic-1700000000\","
	                      "\"ParentID\":\"nightly\",\"Status\":\"dead\"},"
	                      "{\"ID\":\"nightly/periodic-other\","
	                      "\"ParentID\":\"other\",\"Status\":\"dead\"}]");
	json_t *summary = js("{\"Summary\":{},\"Children\":{\"Pending\":0,"
	                     "\"Running\":0,\"Dead\":1}}");
	json_t *param = js("{\"ID\":\"proc\",\"Type\":\"batch\","
	                   "\"ParameterizedJob\":{\"Payload\":\"required\","
	                   "\"MetaRequired\":[\"a\",\"b\"]}}");
	struct fmt_job_status in = {
	    .job = job, .summary = summary, .children = children};
	struct buf out;
	const char *text;
	buf_init(&out);
	fmt_job_status(&in, &out);
	text = buf_cstr(&out);
	ck_assert(strstr(text, "Datacenters          = dc1,dc2\n") != NULL);
	ck_assert(strstr(text, "Status               = dead (stopped)\n"));
	ck_assert(strstr(text, "Next Periodic Launch = none (job stopped)\n"));
	ck_assert_str_eq(strstr(text, "\nChildren Job Summary"),
	                 "\nChildren Job Summary\n"
	                 "Pending  Running  Dead\n"
	                 "0        0        1\n"
	                 "\nPreviously Launched Jobs\n"
	                 "ID                           Status\n"
	                 "nightly/periodic-1700000000  dead\n");
	buf_reset(&out);
	in.job = param;
	in.summary = NULL;
	in.children = NULL;
	fmt_job_status(&in, &out);
	ck_assert_str_eq(strstr(buf_cstr(&out), "\nParameterized Job\n"),
	                 "\nParameterized Job\n"
	                 "Payload           = required\n"
	                 "Required Metadata = a, b\n"
	                 "Optional Metadata = <none>\n"
	                 "\nNo dispatched instances of parameterized job "
	                 "found\n");
	json_decref(job);
	json_decref(children);
	json_decref(summary);
	json_decref(param);
	buf_release(&out);
}
END_TEST

START_TEST(job_history_blocks)
{
	json_t *versions =
	    js("[{\"ID\":\"example\",\"Version\":1,\"Stable\":false,"
	       "\"SubmitTime\":1735729200000000000,\"VersionTag\":{\"Name\":"
	       "\"v1\",\"Description\":\"\"}},"
	       "{\"ID\":\"example\",\"Version\":0,\"Stable\":true,"
	       "\"SubmitTime\":1735725600000000000}]");
	struct buf out;
	utc();
	buf_init(&out);
	fmt_job_versions(versions, &out);
	expect(&out, "Version     = 1\n"
	             "Stable      = false\n"
	             "Submit Date = 2025-01-01T11:00:00Z\n"
	             "Tag Name    = v1\n"
	             "\n"
	             "Version     = 0\n"
	             "Stable      = true\n"
	             "Submit Date = 2025-01-01T10:00:00Z\n");
	json_decref(versions);
	buf_release(&out);
}
END_TEST

START_TEST(alloc_tables_and_metrics)
{
	json_t *allocs = js(alloc_json);
	json_t *metric =
	    js("{\"NodesEvaluated\":0,\"NodesAvailable\":{\"dc2\":0,"
	       "\"dc1\":3},\"ClassFiltered\":{\"large\":1},"
	       "\"ConstraintFiltered\":{\"${attr.kernel.name} = linux\":1},"
	       "\"NodesExhausted\":1,\"ClassExhausted\":{\"small\":1},"
	       "\"DimensionExhausted\":{\"memory\":1},"
	       "\"QuotaExhausted\":[\"cpu\"]}");
	struct buf out;
	utc();
	buf_init(&out);
	fmt_alloc_stubs(allocs, true, FMT_FULL_ID, 0, &out);
	expect(&out,
	       "ID                                    Eval ID               "
	       "                Node ID                               Node "
	       "Name  Task Group  Version  Desired  Status   Created        "
	       "       Modified\n"
	       "b2d4f610-1111-2222-3333-444455556666  a17c3e05-1111-2222-333"
	       "3-444455556666  0f9a7c21-1111-2222-3333-444455556666  "
	       "node-1     cache       0        run      running  "
	       "2025-01-01T10:00:00Z  2025-01-01T10:00:00Z\n");
	fmt_alloc_metrics(metric, "  ", &out);
	expect(&out, "  * No nodes were eligible for evaluation\n"
	             "  * No nodes are available in datacenter \"dc2\"\n"
	             "  * Class \"large\": 1 nodes excluded by filter\n"
	             "  * Constraint \"${attr.kernel.name} = linux\": 1 nodes "
	             "excluded by filter\n"
	             "  * Resources exhausted on 1 nodes\n"
	             "  * Class \"small\" exhausted on 1 nodes\n"
	             "  * Dimension \"memory\" exhausted on 1 nodes\n"
	             "  * Quota limit hit \"cpu\"\n");
	json_decref(allocs);
	json_decref(metric);
	buf_release(&out);
}
END_TEST

/* ---- evaluations ------------------------------------------------------ */

static const char *const eval_json =
    "{\"ID\":\"7c1e0a94-1111-2222-3333-444455556666\",\"Namespace\":"
    "\"default\",\"Priority\":50,\"Type\":\"service\",\"TriggeredBy\":"
    "\"job-register\",\"JobID\":\"example\",\"Status\":\"complete\","
    "\"StatusDescription\":\"\",\"CreateIndex\":10,"
    "\"CreateTime\":1741079411000000000,\"ModifyTime\":1741079412000000000}";

START_TEST(eval_list_table)
{
	json_t *evals = js("[]");
	json_t *e = js(eval_json);
	struct buf out;
	json_array_append(evals, e);
	buf_init(&out);
	fmt_eval_list(evals, false, &out);
	expect(&out, "ID        Priority  Triggered By  Job ID   Namespace  "
	             "Node ID  Status    Placement Failures\n"
	             "7c1e0a94  50        job-register  example  default    "
	             "<none>   complete  false\n");
	json_decref(evals);
	json_decref(e);
	buf_release(&out);
}
END_TEST

START_TEST(eval_status_block)
{
	json_t *e = js(eval_json);
	json_t *allocs = js(alloc_json);
	struct buf out;
	int64_t now = ts("2025-03-04T09:15:12Z");
	utc();
	buf_init(&out);
	fmt_eval_status(e, NULL, false, now, &out);
	expect(&out, "ID                 = 7c1e0a94\n"
	             "Create Time        = 5m1s ago\n"
	             "Modify Time        = 5m ago\n"
	             "Status             = complete\n"
	             "Status Description = complete\n"
	             "Type               = service\n"
	             "TriggeredBy        = job-register\n"
	             "Job ID             = example\n"
	             "Namespace          = default\n"
	             "Priority           = 50\n"
	             "Placement Failures = false\n"
	             "Previous Eval      = <none>\n"
	             "Next Eval          = <none>\n"
	             "Blocked Eval       = <none>\n");
	json_object_set_new(
	    e, "FailedTGAllocs",
	    js("{\"cache\":{\"NodesEvaluated\":1,"
	       "\"NodesExhausted\":1,\"CoalescedFailures\":2}}"));
	json_object_set_new(
	    e, "BlockedEval",
	    json_string("bbbbbbbb-1111-2222-3333-444455556666"));
	json_object_set_new(e, "WaitUntil",
	                    json_string("2025-03-04T09:20:00Z"));
	fmt_eval_status(e, allocs, true, now, &out);
	ck_assert(strstr(buf_cstr(&out),
	                 "Create Time        = 2025-03-04T09:10:11Z\n"));
	ck_assert(strstr(buf_cstr(&out),
	                 "Wait Until         = 2025-03-04T09:20:00Z\n"));
	ck_assert_str_eq(
	    strstr(buf_cstr(&out), "\nPlaced Allocations\n"),
	    "\nPlaced Allocations\n"
	    "ID                                    Node ID         "
	    "                      Task Group  Version  Desired  "
	    "Status   Created    Modified\n"
	    "b2d4f610-1111-2222-3333-444455556666  0f9a7c21-1111-"
	    "2222-3333-444455556666  cache       0        run      "
	    "running  2mo1d ago  2mo1d ago\n"
	    "\nFailed Placements\n"
	    "Task Group \"cache\" (failed to place 3 "
	    "allocations):\n"
	    "  * Resources exhausted on 1 nodes\n"
	    "\nEvaluation \"bbbbbbbb-1111-2222-3333-444455556666\" "
	    "waiting for additional capacity to place "
	    "remainder\n");
	buf_reset(&out);
	json_decref(e);
	json_decref(allocs);
	buf_release(&out);
}
END_TEST

/* ---- the monitor ------------------------------------------------------ */

START_TEST(monitor_lines_follow_the_reference)
{
	int64_t t1 = ts("2025-03-04T09:10:11Z"),
	        t2 = ts("2025-03-04T09:10:12Z");
	json_t *e1 = js("{\"ID\":\"7c1e0a94-1111-2222-3333-444455556666\","
	                "\"JobID\":\"example\",\"Status\":\"pending\","
	                "\"CreateIndex\":10}");
	json_t *a1 = js("[{\"ID\":\"b2d4f610-1111-2222-3333-444455556666\","
	                "\"NodeID\":\"0f9a7c21-1111-2222-3333-444455556666\","
	                "\"TaskGroup\":\"cache\",\"DesiredStatus\":\"run\","
	                "\"ClientStatus\":\"pending\",\"CreateIndex\":11}]");
	json_t *e2 = js("{\"ID\":\"7c1e0a94-1111-2222-3333-444455556666\","
	                "\"JobID\":\"example\",\"Status\":\"complete\","
	                "\"DeploymentID\":\"e5a3b8d0-1111-2222-3333-44445555"
	                "6666\",\"CreateIndex\":10}");
	json_t *a2 = js("[{\"ID\":\"b2d4f610-1111-2222-3333-444455556666\","
	                "\"NodeID\":\"0f9a7c21-1111-2222-3333-444455556666\","
	                "\"TaskGroup\":\"cache\",\"DesiredStatus\":\"run\","
	                "\"ClientStatus\":\"running\",\"CreateIndex\":11}]");
	struct buf out;
	utc();
	buf_init(&out);
	fmt_monitor_update(NULL, NULL, e1, a1, FMT_SHORT_ID, t1, &out);
	fmt_monitor_update(e1, a1, e2, a2, FMT_SHORT_ID, t2, &out);
	ck_assert(fmt_eval_terminal(e2));
	ck_assert(!fmt_eval_terminal(e1));
	ck_assert(!fmt_monitor_finished(e2, FMT_SHORT_ID, t2, &out));
	expect(&out,
	       "    2025-03-04T09:10:11Z: Evaluation triggered by job "
	       "\"example\"\n"
	       "    2025-03-04T09:10:11Z: Allocation \"b2d4f610\" created: "
	       "node \"0f9a7c21\", group \"cache\"\n"
	       "    2025-03-04T09:10:12Z: Evaluation within deployment: "
	       "\"e5a3b8d0\"\n"
	       "    2025-03-04T09:10:12Z: Allocation \"b2d4f610\" status "
	       "changed: \"pending\" -> \"running\"\n"
	       "    2025-03-04T09:10:12Z: Evaluation status changed: "
	       "\"pending\" -> \"complete\"\n"
	       "==> 2025-03-04T09:10:12Z: Evaluation \"7c1e0a94\" finished "
	       "with status \"complete\"\n");
	/* Nothing new: nothing printed. */
	fmt_monitor_update(e2, a2, e2, a2, FMT_SHORT_ID, t2, &out);
	expect(&out, "");
	json_decref(e1);
	json_decref(a1);
	json_decref(e2);
	json_decref(a2);
	buf_release(&out);
}
END_TEST

START_TEST(monitor_reports_modified_allocs_and_failures)
{
	int64_t t = ts("2025-03-04T09:10:11Z");
	json_t *e =
	    js("{\"ID\":\"7c1e0a94-1111-2222-3333-444455556666\",\"NodeID\":"
	       "\"0f9a7c21-1111-2222-3333-444455556666\",\"Status\":"
	       "\"complete\",\"CreateIndex\":20,\"BlockedEval\":\"bbbbbbbb-"
	       "1111-2222-3333-444455556666\",\"FailedTGAllocs\":{\"web\":{"
	       "\"NodesEvaluated\":1,\"ConstraintFiltered\":{"
	       "\"${attr.kernel.name} = linux\":1},\"CoalescedFailures\":0}}}");
	json_t *a = js("[{\"ID\":\"b2d4f610-1111-2222-3333-444455556666\","
	               "\"NodeID\":\"0f9a7c21-1111-2222-3333-444455556666\","
	               "\"TaskGroup\":\"cache\",\"DesiredStatus\":\"run\","
	               "\"ClientStatus\":\"running\",\"CreateIndex\":11}]");
	struct buf out;
	utc();
	buf_init(&out);
	fmt_monitor_update(NULL, NULL, e, a, FMT_SHORT_ID, t, &out);
	ck_assert(fmt_monitor_finished(e, FMT_SHORT_ID, t, &out));
	expect(&out,
	       "    2025-03-04T09:10:11Z: Evaluation triggered by node "
	       "\"0f9a7c21\"\n"
	       "    2025-03-04T09:10:11Z: Allocation \"b2d4f610\" modified: "
	       "node \"0f9a7c21\", group \"cache\"\n"
	       "    2025-03-04T09:10:11Z: Evaluation status changed: "
	       "\"pending\" -> \"complete\"\n"
	       "==> 2025-03-04T09:10:11Z: Evaluation \"7c1e0a94\" finished "
	       "with status \"complete\" but failed to place all "
	       "allocations:\n"
	       "    2025-03-04T09:10:11Z: Task Group \"web\" (failed to place "
	       "1 allocation):\n"
	       "      * Constraint \"${attr.kernel.name} = linux\": 1 nodes "
	       "excluded by filter\n"
	       "    2025-03-04T09:10:11Z: Evaluation \"bbbbbbbb\" waiting for "
	       "additional capacity to place remainder\n");
	json_decref(e);
	json_decref(a);
	buf_release(&out);
}
END_TEST

START_TEST(monitor_deployment_block)
{
	json_t *d = js(deployment_json);
	struct buf out;
	utc();
	buf_init(&out);
	json_object_set_new(
	    json_object_get(json_object_get(d, "TaskGroups"), "cache"),
	    "RequireProgressBy", json_string("2025-03-04T09:20:11Z"));
	fmt_monitor_deployment(d, FMT_SHORT_ID, ts("2025-03-04T09:10:12Z"),
	                       &out);
	expect(&out,
	       "  \xe2\x9c\x93 Deployment \"e5a3b8d0\" successful\n"
	       "\n"
	       "    2025-03-04T09:10:12Z\n"
	       "    ID          = e5a3b8d0\n"
	       "    Job ID      = example\n"
	       "    Job Version = 0\n"
	       "    Status      = successful\n"
	       "    Description = Deployment completed successfully\n"
	       "\n"
	       "    Deployed\n"
	       "    Task Group  Desired  Placed  Healthy  Unhealthy  Progress "
	       "Deadline\n"
	       "    cache       1        1       1        0          "
	       "2025-03-04T09:20:11Z\n");
	json_decref(d);
	buf_release(&out);
}
END_TEST

/* ---- placement failures from an AllocMetric built in C -------------- */

/* The metric of a group that fit nowhere: three nodes filtered by a
 * kernel constraint, two out of memory. */
static void failed_metric(struct alloc_metric *m)
{
	memset(m, 0, sizeof *m);
	m->nodes_evaluated = 5;
	m->nodes_filtered = 3;
	m->nodes_exhausted = 2;
	ck_assert_int_eq(alloc_metric_count_add(&m->nodes_available, "dc1", 5),
	                 0);
	ck_assert_int_eq(alloc_metric_count_add(&m->constraint_filtered,
	                                        "${attr.kernel.name} = windows",
	                                        3),
	                 0);
	ck_assert_int_eq(
	    alloc_metric_count_add(&m->dimension_exhausted, "memory", 2), 0);
}

/* An evaluation with that failure for group "web", as JSON. */
static json_t *failed_eval_json(void)
{
	struct evaluation e = {0};
	json_t *j;
	e.id = mem_strdup("7c1e0a94-1111-2222-3333-444455556666");
	e.status = mem_strdup("complete");
	e.job_id = mem_strdup("web");
	e.blocked_eval = mem_strdup("bbbbbbbb-1111-2222-3333-444455556666");
	e.create_index = 20;
	e.failed_tg_allocs.v = mem_calloc(1, sizeof *e.failed_tg_allocs.v);
	ck_assert(e.failed_tg_allocs.v != NULL);
	e.failed_tg_allocs.n = 1;
	e.failed_tg_allocs.v[0].key = mem_strdup("web");
	failed_metric(&e.failed_tg_allocs.v[0].val);
	j = schema_json_encode(&evaluation_schema, &e);
	ck_assert(j != NULL);
	schema_release(&evaluation_schema, &e);
	return j;
}

#define FAILED_LINES(p)                                                       \
	p "* Constraint \"${attr.kernel.name} = windows\": 3 nodes excluded " \
	  "by filter\n" p "* Resources exhausted on 2 nodes\n" p              \
	  "* Dimension \"memory\" exhausted on 2 nodes\n"

START_TEST(placement_failures_read_the_same_everywhere)
{
	struct alloc_metric m;
	json_t *metric, *eval = failed_eval_json();
	json_t *blocked = js("{\"ID\":\"bbbbbbbb-1111-2222-3333-444455556666\","
	                     "\"Status\":\"blocked\",\"CreateIndex\":21}");
	json_t *evals = json_pack("[O, O]", eval, blocked);
	json_t *job = js("{\"ID\":\"web\",\"Type\":\"service\"}");
	int64_t t = ts("2025-03-04T09:10:11Z");
	struct fmt_job_status in = {.job = job, .evals = evals, .now = t};
	struct buf out;
	const char *text;
	utc();
	buf_init(&out);
	failed_metric(&m);
	metric = schema_json_encode(&alloc_metric_schema, &m);
	schema_release(&alloc_metric_schema, &m);
	fmt_alloc_metrics(metric, "  ", &out);
	expect(&out, FAILED_LINES("  "));
	/* job run / job scale: the monitor's last lines. */
	ck_assert(fmt_monitor_finished(eval, FMT_SHORT_ID, t, &out));
	expect(&out,
	       "==> 2025-03-04T09:10:11Z: Evaluation \"7c1e0a94\" finished "
	       "with status \"complete\" but failed to place all "
	       "allocations:\n"
	       "    2025-03-04T09:10:11Z: Task Group \"web\" (failed to place "
	       "1 allocation):\n" FAILED_LINES(
	           "      ") "    2025-03-04T09:10:11Z: Evaluation "
	                     "\"bbbbbbbb\" waiting for "
	                     "additional capacity to place remainder\n");
	/* eval status */
	fmt_eval_status(eval, NULL, false, t, &out);
	text = strstr(buf_cstr(&out), "\nFailed Placements\n");
	ck_assert(text != NULL);
	expect_str(text, "\nFailed Placements\n"
	                 "Task Group \"web\" (failed to place 1 "
	                 "allocation):\n" FAILED_LINES(
	                     "  ") "\nEvaluation \"bbbbbbbb\" waiting for "
	                           "additional capacity to place remainder\n");
	buf_reset(&out);
	/* job status */
	fmt_job_status(&in, &out);
	text = strstr(buf_cstr(&out), "\nPlacement Failure\n");
	ck_assert(text != NULL);
	ck_assert(
	    strncmp(
	        text,
	        "\nPlacement Failure\nTask Group \"web\":\n" FAILED_LINES(
	            "  ") "\nAllocations\n",
	        strlen(
	            "\nPlacement Failure\nTask Group \"web\":\n" FAILED_LINES(
	                "  ") "\nAllocations\n")) == 0);
	buf_release(&out);
	json_decref(metric);
	json_decref(eval);
	json_decref(blocked);
	json_decref(evals);
	json_decref(job);
}
END_TEST

/* ---- job plan --------------------------------------------------------- */

static const char *const plan_hint =
    "To submit the job with version verification run:\n\n"
    "steppe job run -check-index %s web.hcl\n\n"
    "When running the job with the check-index flag, the job will only be "
    "run if the\n"
    "job modify index given matches the server-side version. If the index "
    "has\n"
    "changed, another user has modified the job and the plan's results "
    "are\n"
    "potentially invalid.\n";

static const char *const plan_job_json =
    "{\"ID\":\"web\",\"Type\":\"service\",\"TaskGroups\":[{\"Name\":\"web\","
    "\"Tasks\":[{\"Name\":\"server\"}]}]}";

START_TEST(plan_of_a_new_job)
{
	json_t *job = js(plan_job_json);
	json_t *resp = js("{\"Annotations\":{\"DesiredTGUpdates\":{\"web\":{"
	                  "\"Place\":2}}},\"FailedTGAllocs\":null,"
	                  "\"JobModifyIndex\":0,\"Diff\":null}");
	struct cli_plan_view v = {resp, job, true, false, "", "web.hcl", 0};
	char want[2048];
	struct buf out;
	buf_init(&out);
	ck_assert_int_eq(cli_fmt_plan(&v, &out), 1);
	snprintf(want, sizeof want,
	         "+ Job: \"web\"\n"
	         "+ Task Group: \"web\" (2 create)\n"
	         "  + Task: \"server\" (forces create)\n"
	         "\n"
	         "Scheduler dry-run:\n"
	         "- All tasks successfully allocated.\n"
	         "\n"
	         "Job Modify Index: 0\n%s",
	         "");
	ck_assert(strncmp(buf_cstr(&out), want, strlen(want)) == 0);
	snprintf(want, sizeof want, plan_hint, "0");
	expect_str(strstr(buf_cstr(&out), "To submit"), want);
	buf_release(&out);
	json_decref(job);
	json_decref(resp);
}
END_TEST

START_TEST(plan_shows_the_server_diff_and_failures)
{
	json_t *job = js(plan_job_json);
	json_t *eval = failed_eval_json();
	json_t *resp = js(
	    "{\"Annotations\":{\"DesiredTGUpdates\":{\"web\":{"
	    "\"DestructiveUpdate\":1,\"Ignore\":1}}},\"JobModifyIndex\":7,"
	    "\"Warnings\":\"group \\\"web\\\" has no update block\","
	    "\"Diff\":{\"Type\":\"Edited\",\"ID\":\"web\",\"Fields\":null,"
	    "\"Objects\":null,\"TaskGroups\":[{\"Type\":\"Edited\",\"Name\":"
	    "\"web\",\"Fields\":[{\"Type\":\"Edited\",\"Name\":\"Count\","
	    "\"Old\":\"1\",\"New\":\"2\",\"Annotations\":null}],\"Tasks\":[{"
	    "\"Type\":\"Edited\",\"Name\":\"server\",\"Annotations\":["
	    "\"forces create/destroy update\"],\"Objects\":[{\"Type\":"
	    "\"Edited\",\"Name\":\"Config\",\"Fields\":[{\"Type\":\"Edited\","
	    "\"Name\":\"image\",\"Old\":\"redis:3.2\",\"New\":\"redis:7\"},{"
	    "\"Type\":\"None\",\"Name\":\"port_map[0][db]\",\"Old\":\"6379\","
	    "\"New\":\"6379\"}]}]}]}]}}");
	struct cli_plan_view v = {resp,      job, true, false, "-var=\"a=1\" ",
	                          "web.hcl", 0};
	struct buf out;
	json_object_set(resp, "FailedTGAllocs",
	                json_object_get(eval, "FailedTGAllocs"));
	buf_init(&out);
	ck_assert_int_eq(cli_fmt_plan(&v, &out), 1);
	expect_str(
	    buf_cstr(&out),
	    "+/- Job: \"web\"\n"
	    "+/- Task Group: \"web\" (1 create/destroy update, 1 ignore)\n"
	    "  +/- Count: \"1\" => \"2\"\n"
	    "  +/- Task: \"server\" (forces create/destroy update)\n"
	    "    +/- Config {\n"
	    "      +/- image:           \"redis:3.2\" => \"redis:7\"\n"
	    "          port_map[0][db]: \"6379\"\n"
	    "        }\n"
	    "\n"
	    "Scheduler dry-run:\n"
	    "- WARNING: Failed to place all allocations.\n"
	    "  Task Group \"web\" (failed to place 1 "
	    "allocation):\n" FAILED_LINES(
	        "    ") "\n"
	                "Job Warnings:\n"
	                "group \"web\" has no update block\n"
	                "\n"
	                "Job Modify Index: 7\n"
	                "To submit the job with version verification run:\n\n"
	                "steppe job run -check-index 7 -var=\"a=1\" web.hcl\n\n"
	                "When running the job with the check-index flag, the "
	                "job will only be run if the\n"
	                "job modify index given matches the server-side "
	                "version. If the index has\n"
	                "changed, another user has modified the job and the "
	                "plan's results are\n"
	                "potentially invalid.\n");
	buf_release(&out);
	json_decref(job);
	json_decref(eval);
	json_decref(resp);
}
END_TEST

START_TEST(plan_without_changes_exits_zero)
{
	json_t *job = js(plan_job_json);
	json_t *resp = js("{\"Annotations\":{\"DesiredTGUpdates\":{\"web\":{"
	                  "\"Ignore\":2}}},\"JobModifyIndex\":7}");
	json_t *diff = cli_plan_synth_diff(job, resp);
	struct buf out;
	buf_init(&out);
	ck_assert_str_eq(fmt_jstr(diff, "Type"), "None");
	ck_assert_int_eq(cli_plan_exit_code(diff, resp), 0);
	cli_fmt_job_diff(diff,
	                 json_object_get(json_object_get(resp, "Annotations"),
	                                 "DesiredTGUpdates"),
	                 false, &out);
	expect(&out, "Job: \"web\"\n"
	             "Task Group: \"web\" (2 ignore)\n"
	             "  Task: \"server\"\n"
	             "\n");
	/* In-place updates change the job but create and destroy nothing. */
	json_decref(diff);
	json_object_set_new(
	    json_object_get(
	        json_object_get(json_object_get(resp, "Annotations"),
	                        "DesiredTGUpdates"),
	        "web"),
	    "InPlaceUpdate", json_integer(2));
	diff = cli_plan_synth_diff(job, resp);
	ck_assert_str_eq(fmt_jstr(diff, "Type"), "Edited");
	ck_assert_int_eq(cli_plan_exit_code(diff, resp), 0);
	buf_release(&out);
	json_decref(diff);
	json_decref(job);
	json_decref(resp);
}
END_TEST

/* ---- nodes ------------------------------------------------------------ */

START_TEST(bytes_print_like_go_humanize)
{
	char b[CLI_BYTES_MAX];
	ck_assert_str_eq(cli_fmt_bytes(0, b), "0 B");
	ck_assert_str_eq(cli_fmt_bytes(9, b), "9 B");
	ck_assert_str_eq(cli_fmt_bytes(1023, b), "1023 B");
	ck_assert_str_eq(cli_fmt_bytes(1024, b), "1.0 KiB");
	ck_assert_str_eq(cli_fmt_bytes(256ull << 20, b), "256 MiB");
	ck_assert_str_eq(cli_fmt_bytes(1ull << 30, b), "1.0 GiB");
	ck_assert_str_eq(cli_fmt_bytes(7936ull << 20, b), "7.8 GiB");
	ck_assert_str_eq(cli_fmt_bytes(50176ull << 20, b), "49 GiB");
	ck_assert_str_eq(cli_fmt_bytes(6606028, b), "6.3 MiB");
}
END_TEST

static const char *const node_json =
    "{\"ID\":\"0f9a7c21-1111-2222-3333-444455556666\",\"Name\":\"node-1\","
    "\"NodePool\":\"default\",\"NodeClass\":\"\",\"Datacenter\":\"dc1\","
    "\"DrainStrategy\":{\"Deadline\":3600000000000,\"ForceDeadline\":"
    "\"2025-01-01T11:00:00Z\",\"IgnoreSystemJobs\":true},"
    "\"SchedulingEligibility\":\"ineligible\",\"Status\":\"ready\","
    "\"Drivers\":{\"raw_exec\":{\"Detected\":true,\"Healthy\":true,"
    "\"HealthDescription\":\"Healthy\",\"UpdateTime\":"
    "\"2025-01-01T09:00:00Z\"},\"docker\":{\"Detected\":true,\"Healthy\":"
    "false,\"HealthDescription\":\"Failed to connect\",\"UpdateTime\":"
    "\"2025-01-01T09:00:00Z\"},\"java\":{\"Detected\":false}},"
    "\"HostVolumes\":{\"data\":{\"Name\":\"data\",\"Path\":\"/srv/data\"}},"
    "\"Events\":[{\"Message\":\"Node registered\",\"Subsystem\":"
    "\"Cluster\",\"Timestamp\":\"2025-01-01T09:00:00Z\"},{\"Message\":"
    "\"Driver docker is not detected\",\"Subsystem\":\"Driver\","
    "\"Details\":{\"driver\":\"docker\"},\"Timestamp\":"
    "\"2025-01-01T09:01:00Z\"}],"
    "\"NodeResources\":{\"Cpu\":{\"CpuShares\":4000},\"Memory\":{"
    "\"MemoryMB\":8192},\"Disk\":{\"DiskMB\":51200}},"
    "\"ReservedResources\":{\"Cpu\":{\"CpuShares\":100},\"Memory\":{"
    "\"MemoryMB\":256},\"Disk\":{\"DiskMB\":1024}},"
    "\"Attributes\":{\"kernel.name\":\"linux\",\"driver.raw_exec\":\"1\","
    "\"driver.docker\":\"1\",\"driver.java.version\":\"17\"},"
    "\"Meta\":{\"rack\":\"r1\",\"unique.id\":\"x\"}}";

static const char *const node_allocs_json =
    "[{\"ID\":\"b2d4f610-1111-2222-3333-444455556666\",\"EvalID\":"
    "\"a17c3e05-1111-2222-3333-444455556666\",\"NodeID\":"
    "\"0f9a7c21-1111-2222-3333-444455556666\",\"TaskGroup\":\"cache\","
    "\"Job\":{\"Version\":2},\"DesiredStatus\":\"run\",\"ClientStatus\":"
    "\"running\",\"CreateTime\":1735725600000000000,\"ModifyTime\":"
    "1735725600000000000,\"AllocatedResources\":{\"Tasks\":{\"redis\":{"
    "\"Cpu\":{\"CpuShares\":500},\"Memory\":{\"MemoryMB\":256}}},"
    "\"Shared\":{\"DiskMB\":300}}},"
    "{\"ID\":\"c3c3c3c3-1111-2222-3333-444455556666\",\"EvalID\":"
    "\"a17c3e05-1111-2222-3333-444455556666\",\"NodeID\":"
    "\"0f9a7c21-1111-2222-3333-444455556666\",\"TaskGroup\":\"cache\","
    "\"Job\":{\"Version\":1},\"DesiredStatus\":\"stop\",\"ClientStatus\":"
    "\"complete\",\"CreateTime\":1735725600000000000,\"ModifyTime\":"
    "1735725600000000000,\"Resources\":{\"CPU\":100,\"MemoryMB\":128,"
    "\"DiskMB\":150}}]";

START_TEST(node_list_tables)
{
	json_t *nodes = js(
	    "[{\"ID\":\"0f9a7c21-1111-2222-3333-444455556666\",\"NodePool\":"
	    "\"default\",\"Datacenter\":\"dc1\",\"Name\":\"node-1\","
	    "\"NodeClass\":\"\",\"Address\":\"10.0.0.5\",\"Version\":\"1.9.0\","
	    "\"Drain\":false,\"SchedulingEligibility\":\"eligible\",\"Status\":"
	    "\"ready\",\"Attributes\":{\"os.name\":\"debian\"}}]");
	json_t *running = js("{\"0f9a7c21-1111-2222-3333-444455556666\":3}");
	json_t *none = js("[]");
	struct cli_node_list_opts plain = {false, false, NULL};
	struct cli_node_list_opts all = {true, true, running};
	struct buf out;
	buf_init(&out);
	cli_fmt_node_list(nodes, &plain, &out);
	expect(&out, "ID        Node Pool  DC   Name    Class   Drain  "
	             "Eligibility  Status\n"
	             "0f9a7c21  default    dc1  node-1  <none>  false  "
	             "eligible     ready\n");
	cli_fmt_node_list(nodes, &all, &out);
	expect(&out, "ID                                    Node Pool  DC   "
	             "Name    Class   OS      Address   Version  Drain  "
	             "Eligibility  Status  Running Allocs\n"
	             "0f9a7c21-1111-2222-3333-444455556666  default    dc1  "
	             "node-1  <none>  debian  10.0.0.5  1.9.0    false  "
	             "eligible     ready   3\n");
	cli_fmt_node_list(none, &plain, &out);
	expect(&out, "No nodes registered\n");
	cli_fmt_node_stubs(nodes, false, &out);
	expect(&out, "ID        DC   Name    Class   Drain  Eligibility  "
	             "Status\n"
	             "0f9a7c21  dc1  node-1  <none>  false  eligible     "
	             "ready\n");
	buf_release(&out);
	json_decref(nodes);
	json_decref(running);
	json_decref(none);
}
END_TEST

START_TEST(node_status_detail)
{
	json_t *node = js(node_json), *allocs = js(node_allocs_json);
	struct cli_node_view v = {node, allocs, false, false,
	                          ts("2025-01-01T10:05:00Z")};
	struct buf out;
	utc();
	buf_init(&out);
	cli_fmt_node_status(&v, &out);
	expect(&out,
	       "ID              = 0f9a7c21-1111-2222-3333-444455556666\n"
	       "Name            = node-1\n"
	       "Node Pool       = default\n"
	       "Class           = <none>\n"
	       "DC              = dc1\n"
	       "Drain           = true; 2025-01-01T11:00:00Z deadline; "
	       "ignoring system jobs\n"
	       "Eligibility     = ineligible\n"
	       "Status          = ready\n"
	       "CSI Controllers = <none>\n"
	       "CSI Drivers     = <none>\n"
	       "Host Volumes    = data\n"
	       "Host Networks   = <none>\n"
	       "CSI Volumes     = <none>\n"
	       "Driver Status   = docker (unhealthy),raw_exec\n"
	       "\n"
	       "Node Events\n"
	       "Time                  Subsystem       Message\n"
	       "2025-01-01T09:01:00Z  Driver: docker  Driver docker is not "
	       "detected\n"
	       "2025-01-01T09:00:00Z  Cluster         Node registered\n"
	       "\n"
	       "Allocated Resources\n"
	       "CPU           Memory           Disk            Alloc Count\n"
	       "500/3900 MHz  256 MiB/7.8 GiB  300 MiB/49 GiB  1\n"
	       "\n"
	       "Allocations\n"
	       "ID        Node ID   Task Group  Version  Desired  Status    "
	       "Created  Modified\n"
	       "b2d4f610  0f9a7c21  cache       2        run      running   "
	       "5m ago   5m ago\n"
	       "c3c3c3c3  0f9a7c21  cache       1        stop     complete  "
	       "5m ago   5m ago\n");
	v.short_only = true;
	cli_fmt_node_status(&v, &out);
	ck_assert(strstr(buf_cstr(&out), "CSI Volumes     = <none>\n"
	                                 "Drivers         = docker,raw_exec\n"
	                                 "\nAllocations\n") != NULL);
	ck_assert(strstr(buf_cstr(&out), "Node Events") == NULL);
	buf_reset(&out);
	json_decref(node);
	json_decref(allocs);
	buf_release(&out);
}
END_TEST

START_TEST(node_status_verbose)
{
	json_t *node = js(node_json), *allocs = js("[]");
	struct cli_node_view v = {node, allocs, true, false,
	                          ts("2025-01-01T10:05:00Z")};
	struct buf out;
	const char *text;
	utc();
	buf_init(&out);
	cli_fmt_node_status(&v, &out);
	text = strstr(buf_cstr(&out), "Driver Status");
	ck_assert(text == NULL);
	text = strstr(buf_cstr(&out), "CSI Drivers     = <none>\n\n");
	ck_assert(text != NULL);
	expect_str(
	    text + strlen("CSI Drivers     = <none>\n"),
	    "\nHost Volumes\n"
	    "Name  ReadOnly  Source\n"
	    "data  false     /srv/data\n"
	    "\nDrivers\n"
	    "Driver    Detected  Healthy  Message            Time\n"
	    "docker    true      false    Failed to connect  "
	    "2025-01-01T09:00:00Z\n"
	    "java      false     false    <none>             <none>\n"
	    "raw_exec  true      true     Healthy            "
	    "2025-01-01T09:00:00Z\n"
	    "\nNode Events\n"
	    "Time                  Subsystem       Message                     "
	    "   Details\n"
	    "2025-01-01T09:01:00Z  Driver: docker  Driver docker is not "
	    "detected  driver: docker\n"
	    "2025-01-01T09:00:00Z  Cluster         Node registered             "
	    "   <none>\n"
	    "\nAllocated Resources\n"
	    "CPU         Memory       Disk        Alloc Count\n"
	    "0/3900 MHz  0 B/7.8 GiB  0 B/49 GiB  0\n"
	    "\nAllocations\n"
	    "No allocations placed\n"
	    "\nAttributes\n"
	    "driver.docker       = 1\n"
	    "driver.java.version = 17\n"
	    "driver.raw_exec     = 1\n"
	    "kernel.name         = linux\n"
	    "\nMeta\n"
	    "rack = r1\n");
	json_decref(node);
	json_decref(allocs);
	buf_release(&out);
}
END_TEST

/* ---- allocations ------------------------------------------------------ */

static const char *const alloc_full_json =
    "{\"ID\":\"b2d4f610-1111-2222-3333-444455556666\",\"EvalID\":"
    "\"a17c3e05-1111-2222-3333-444455556666\",\"Name\":"
    "\"example.cache[0]\",\"NodeID\":\"0f9a7c21-1111-2222-3333-"
    "444455556666\",\"NodeName\":\"node-1\",\"JobID\":\"example\","
    "\"Job\":{\"Version\":0,\"TaskGroups\":[{\"Name\":\"cache\",\"Tasks\":"
    "[{\"Name\":\"redis\"},{\"Name\":\"setup\",\"Lifecycle\":{\"Hook\":"
    "\"prestart\",\"Sidecar\":false}}]}]},\"TaskGroup\":\"cache\","
    "\"ClientStatus\":\"running\",\"ClientDescription\":"
    "\"Tasks are running\",\"DesiredStatus\":\"run\","
    "\"CreateTime\":1735725600000000000,\"ModifyTime\":"
    "1735725600000000000,\"DeploymentID\":\"e5a3b8d0-1111-2222-3333-"
    "444455556666\",\"DeploymentStatus\":{\"Healthy\":true},"
    "\"AllocatedResources\":{\"Tasks\":{\"redis\":{\"Cpu\":{\"CpuShares\":"
    "500},\"Memory\":{\"MemoryMB\":256,\"MemoryMaxMB\":512}},\"setup\":{"
    "\"Cpu\":{\"CpuShares\":100},\"Memory\":{\"MemoryMB\":64}}},"
    "\"Shared\":{\"DiskMB\":300,\"Networks\":[{\"Mode\":\"host\",\"IP\":"
    "\"10.0.0.5\",\"DynamicPorts\":[{\"Label\":\"http\",\"Value\":24501,"
    "\"To\":8080}]}],\"Ports\":[{\"Label\":\"http\",\"Value\":24501,"
    "\"To\":8080,\"HostIP\":\"10.0.0.5\"}]}},"
    "\"TaskStates\":{\"redis\":{\"State\":\"running\",\"Restarts\":0,"
    "\"StartedAt\":\"2025-01-01T10:00:01Z\",\"FinishedAt\":"
    "\"0001-01-01T00:00:00Z\",\"LastRestart\":\"0001-01-01T00:00:00Z\","
    "\"Events\":[{\"Type\":\"Received\",\"Time\":1735725600000000000,"
    "\"DisplayMessage\":\"Task received by client\"},{\"Type\":"
    "\"Task Setup\",\"Time\":1735725600000000000,\"Message\":"
    "\"Building Task Directory\"},{\"Type\":\"Started\",\"Time\":"
    "1735725601000000000}]},\"setup\":{\"State\":\"dead\",\"Restarts\":0,"
    "\"StartedAt\":\"2025-01-01T10:00:00Z\",\"FinishedAt\":"
    "\"2025-01-01T10:00:01Z\",\"Events\":[{\"Type\":\"Terminated\","
    "\"Time\":1735725601000000000,\"ExitCode\":0}]}},"
    "\"Metrics\":{\"NodesEvaluated\":3,\"NodesFiltered\":1,"
    "\"NodesExhausted\":0,\"AllocationTime\":1500000,"
    "\"CoalescedFailures\":0,\"ScoreMetaData\":[{\"NodeID\":"
    "\"0f9a7c21-1111-2222-3333-444455556666\",\"Scores\":{\"binpack\":"
    "0.5,\"job-anti-affinity\":0},\"NormScore\":0.25}]}}";

START_TEST(alloc_status_detail)
{
	json_t *alloc = js(alloc_full_json);
	struct cli_alloc_view v = {alloc, NULL, false, false,
	                           ts("2025-01-01T10:05:00Z")};
	struct buf out;
	utc();
	buf_init(&out);
	cli_fmt_alloc_status(&v, &out);
	expect(&out,
	       "ID                  = b2d4f610-1111-2222-3333-444455556666\n"
	       "Eval ID             = a17c3e05\n"
	       "Name                = example.cache[0]\n"
	       "Node ID             = 0f9a7c21\n"
	       "Node Name           = node-1\n"
	       "Job ID              = example\n"
	       "Job Version         = 0\n"
	       "Client Status       = running\n"
	       "Client Description  = Tasks are running\n"
	       "Desired Status      = run\n"
	       "Desired Description = <none>\n"
	       "Created             = 5m ago\n"
	       "Modified            = 5m ago\n"
	       "Deployment ID       = e5a3b8d0\n"
	       "Deployment Health   = healthy\n"
	       "\n"
	       "Allocation Addresses (mode = \"host\"):\n"
	       "Label  Dynamic  Address\n"
	       "*http  yes      10.0.0.5:24501 -> 8080\n"
	       "\n"
	       "Task \"setup\" (prestart) is \"dead\"\n"
	       "Task Resources:\n"
	       "CPU      Memory  Disk     Addresses\n"
	       "100 MHz  64 MiB  300 MiB  \n"
	       "\n"
	       "Task Events:\n"
	       "Started At     = 2025-01-01T10:00:00Z\n"
	       "Finished At    = 2025-01-01T10:00:01Z\n"
	       "Total Restarts = 0\n"
	       "Last Restart   = N/A\n"
	       "\n"
	       "Recent Events:\n"
	       "Time                  Type        Description\n"
	       "2025-01-01T10:00:01Z  Terminated  Exit Code: 0\n"
	       "\n"
	       "Task \"redis\" is \"running\"\n"
	       "Task Resources:\n"
	       "CPU      Memory        Disk     Addresses\n"
	       "500 MHz  256 MiB       300 MiB  \n"
	       "         Max: 512 MiB           \n"
	       "\n"
	       "Task Events:\n"
	       "Started At     = 2025-01-01T10:00:01Z\n"
	       "Finished At    = N/A\n"
	       "Total Restarts = 0\n"
	       "Last Restart   = N/A\n"
	       "\n"
	       "Recent Events:\n"
	       "Time                  Type        Description\n"
	       "2025-01-01T10:00:01Z  Started     Task started by client\n"
	       "2025-01-01T10:00:00Z  Task Setup  Building Task Directory\n"
	       "2025-01-01T10:00:00Z  Received    Task received by client\n");
	json_decref(alloc);
	buf_release(&out);
}
END_TEST

START_TEST(alloc_status_short_and_verbose)
{
	json_t *alloc = js(alloc_full_json);
	struct cli_alloc_view v = {alloc, NULL, false, true,
	                           ts("2025-01-01T10:05:00Z")};
	struct buf out;
	const char *text;
	utc();
	buf_init(&out);
	cli_fmt_alloc_status(&v, &out);
	expect(&out, "ID       = b2d4f610-1111-2222-3333-444455556666\n"
	             "Name     = example.cache[0]\n"
	             "Created  = 5m ago\n"
	             "Modified = 5m ago\n"
	             "\n"
	             "Tasks\n"
	             "Name   State    Last Event  Time                  "
	             "Lifecycle\n"
	             "setup  dead     Terminated  2025-01-01T10:00:01Z  "
	             "prestart\n"
	             "redis  running  Started     2025-01-01T10:00:01Z  "
	             "main\n");
	v.short_only = false;
	v.verbose = true;
	cli_fmt_alloc_status(&v, &out);
	ck_assert(strstr(buf_cstr(&out),
	                 "Created             = 2025-01-01T10:00:00Z\n") !=
	          NULL);
	ck_assert(strstr(buf_cstr(&out), "Deployment Health   = healthy\n"
	                                 "Evaluated Nodes     = 3\n"
	                                 "Filtered Nodes      = 1\n"
	                                 "Exhausted Nodes     = 0\n"
	                                 "Allocation Time     = 1.5ms\n"
	                                 "Failures            = 0\n") != NULL);
	text = strstr(buf_cstr(&out), "\nPlacement Metrics\n");
	ck_assert(text != NULL);
	expect_str(text, "\nPlacement Metrics\n"
	                 "Node                                  binpack  "
	                 "job-anti-affinity  final score\n"
	                 "0f9a7c21-1111-2222-3333-444455556666  0.5      "
	                 "0                  0.25\n");
	json_decref(alloc);
	buf_release(&out);
}
END_TEST

START_TEST(task_event_descriptions)
{
	static const char *const cases[][2] = {
	    {"{\"Type\":\"Killing\",\"KillTimeout\":5000000000}",
	     "Sent interrupt. Waiting 5s before force killing"},
	    {"{\"Type\":\"Terminated\",\"ExitCode\":1,\"Signal\":9,"
	     "\"Message\":\"oom\"}",
	     "Exit Code: 1, Signal: 9, Exit Message: \"oom\""},
	    {"{\"Type\":\"Restarting\",\"StartDelay\":15000000000,"
	     "\"RestartReason\":\"Restart within policy\"}",
	     "Task restarting in 15s"},
	    {"{\"Type\":\"Driver Failure\"}", "Failed to start task"},
	    {"{\"Type\":\"Sibling Task Failed\",\"FailedSibling\":\"db\"}",
	     "Task's sibling \"db\" failed"},
	    {"{\"Type\":\"Signaling\",\"TaskSignal\":\"SIGHUP\"}",
	     "Task being sent signal SIGHUP"},
	    {"{\"Type\":\"Custom\",\"Message\":\"hello\"}", "hello"},
	};
	char tmpl[1024];
	struct buf out;
	utc();
	buf_init(&out);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *a;
		struct cli_alloc_view v = {NULL, NULL, false, false, 0};
		snprintf(tmpl, sizeof tmpl,
		         "{\"TaskStates\":{\"t\":{\"State\":\"dead\","
		         "\"Events\":[%s]}}}",
		         cases[i][0]);
		a = js(tmpl);
		v.alloc = a;
		cli_fmt_alloc_status(&v, &out);
		ck_assert_msg(strstr(buf_cstr(&out), cases[i][1]) != NULL,
		              "%s: %s", cases[i][1], buf_cstr(&out));
		buf_reset(&out);
		json_decref(a);
	}
	buf_release(&out);
}
END_TEST

/* ---- out of memory ---------------------------------------------------- */

/* Every formatter, with the nth allocation failing: it must not crash or
 * leak, and must say so through out.oom. */
START_TEST(formatters_survive_allocation_failures)
{
	json_t *job = js(job_json), *allocs = js(alloc_json);
	json_t *d = js(deployment_json), *e = js(eval_json);
	json_t *members = js(members_json);
	json_t *leaders = js("{\"global\":\"10.0.0.8:4647\"}");
	struct fmt_job_status in = {
	    .job = job, .allocs = allocs, .deployment = d, .verbose = true};
	bool clean = false;
	for (int64_t n = 0; !clean && n < 10000; n++) {
		struct buf out;
		buf_init(&out);
		mem_fault_set(n, 1);
		fmt_job_status(&in, &out);
		fmt_eval_status(e, allocs, false, 0, &out);
		fmt_server_members(json_object_get(members, "Members"), leaders,
		                   true, &out);
		fmt_monitor_update(NULL, NULL, e, allocs, 8, 0, &out);
		mem_fault_reset();
		clean = !out.oom;
		buf_release(&out);
	}
	ck_assert(clean);
	json_decref(job);
	json_decref(allocs);
	json_decref(d);
	json_decref(e);
	json_decref(members);
	json_decref(leaders);
}
END_TEST

/* The node, allocation and plan formatters, with the nth allocation
 * failing. */
START_TEST(sched_formatters_survive_allocation_failures)
{
	json_t *node = js(node_json), *nallocs = js(node_allocs_json);
	json_t *alloc = js(alloc_full_json), *job = js(plan_job_json);
	json_t *resp = js("{\"Annotations\":{\"DesiredTGUpdates\":{\"web\":{"
	                  "\"Place\":2}}},\"JobModifyIndex\":0}");
	json_t *running = js("{\"x\":1}");
	struct cli_node_view nv = {node, nallocs, true, false, 0};
	struct cli_alloc_view av = {alloc, NULL, true, false, 0};
	struct cli_plan_view pv = {resp, job, true, true, "", "web.hcl", 0};
	struct cli_node_list_opts lo = {true, true, running};
	bool clean = false;
	for (int64_t n = 0; !clean && n < 20000; n++) {
		struct buf out;
		buf_init(&out);
		mem_fault_set(n, 1);
		cli_fmt_node_list(nallocs, &lo, &out);
		cli_fmt_node_status(&nv, &out);
		nv.verbose = !nv.verbose;
		cli_fmt_node_status(&nv, &out);
		cli_fmt_alloc_status(&av, &out);
		cli_fmt_plan(&pv, &out);
		mem_fault_reset();
		clean = !out.oom;
		buf_release(&out);
	}
	ck_assert(clean);
	json_decref(node);
	json_decref(nallocs);
	json_decref(alloc);
	json_decref(job);
	json_decref(resp);
	json_decref(running);
}
END_TEST

/* ---- the HTTP client's pure parts ------------------------------------- */

START_TEST(urls_escape_like_go)
{
	struct strmap q = {0};
	struct buf out;
	char *p;
	buf_init(&out);
	http_client_path_escape(&out, "my job/1?x=a&b@c");
	expect(&out, "my%20job%2F1%3Fx=a&b@c");
	http_client_query_escape(&out, "a b&c=d/é");
	expect(&out, "a+b%26c%3Dd%2F%C3%A9");
	ck_assert_int_eq(strmap_set(&q, "prefix", "ex ample"), 0);
	ck_assert_int_eq(strmap_set(&q, "namespace", "*"), 0);
	ck_assert_int_eq(strmap_set(&q, "stale", ""), 0);
	http_client_url(&out, "http://127.0.0.1:4646", "/v1/jobs", &q);
	expect(&out, "http://127.0.0.1:4646/v1/jobs?namespace=%2A&"
	             "prefix=ex+ample&stale=");
	http_client_url(&out, "http://h:1", "/v1/jobs", NULL);
	expect(&out, "http://h:1/v1/jobs");
	p = http_client_path("/v1/job/", "a b", "/versions");
	ck_assert_str_eq(p, "/v1/job/a%20b/versions");
	mem_free(p);
	strmap_release(&q);
	buf_release(&out);
}
END_TEST

START_TEST(transport_errors_read_like_go)
{
	struct err e;
	const char *url = "http://127.0.0.1:4646/v1/jobs";
	err_clear(&e);
	ck_assert_int_eq(http_client_transport_error(
	                     &e, "GET", url, HTTP_CLIENT_FAIL_CONNECT, 111,
	                     "tcp 127.0.0.1:4646", "127.0.0.1", NULL),
	                 ERR_IO);
	ck_assert_str_eq(e.msg, "Get \"http://127.0.0.1:4646/v1/jobs\": dial "
	                        "tcp 127.0.0.1:4646: connect: connection "
	                        "refused");
	http_client_transport_error(&e, "PUT", url, HTTP_CLIENT_FAIL_CONNECT,
	                            113, "tcp 10.0.0.1:4646", "10.0.0.1", NULL);
	ck_assert_str_eq(e.msg, "Put \"http://127.0.0.1:4646/v1/jobs\": dial "
	                        "tcp 10.0.0.1:4646: connect: no route to host");
	http_client_transport_error(&e, "DELETE", "http://x:4646/v1/job/a",
	                            HTTP_CLIENT_FAIL_RESOLVE, 0, "tcp x:4646",
	                            "x", NULL);
	ck_assert_str_eq(e.msg, "Delete \"http://x:4646/v1/job/a\": dial tcp: "
	                        "lookup x: no such host");
	http_client_transport_error(&e, "GET", url, HTTP_CLIENT_FAIL_EOF, 0, "",
	                            "", NULL);
	ck_assert_str_eq(e.msg, "Get \"http://127.0.0.1:4646/v1/jobs\": EOF");
	http_client_transport_error(&e, "GET", "http://127.0.0.1/v1/jobs",
	                            HTTP_CLIENT_FAIL_CONNECT, 2,
	                            "unix /tmp/s.sock", "", NULL);
	ck_assert_str_eq(e.msg, "Get \"http://127.0.0.1/v1/jobs\": dial unix "
	                        "/tmp/s.sock: connect: no such file or "
	                        "directory");
}
END_TEST

START_TEST(status_errors_read_like_nomad)
{
	struct err e;
	const char *body = "job not found\n";
	err_clear(&e);
	ck_assert_int_eq(http_client_status_error(&e, 404, body, strlen(body)),
	                 ERR_NOTFOUND);
	ck_assert_str_eq(e.msg,
	                 "Unexpected response code: 404 (job not found)");
	ck_assert_int_eq(http_client_status_error(&e, 404, "", 0),
	                 ERR_NOTFOUND);
	ck_assert_str_eq(e.msg, "Unexpected response code: 404");
	body = "1 error occurred:\n\t* job priority must be between [1, 100]"
	       "\n\n";
	ck_assert_int_eq(http_client_status_error(&e, 500, body, strlen(body)),
	                 ERR_INTERNAL);
	ck_assert_str_eq(e.msg, "Unexpected response code: 500 (1 error "
	                        "occurred:\n\t* job priority must be between "
	                        "[1, 100])");
	ck_assert_int_eq(
	    http_client_status_error(&e, 403, "Permission denied", 17),
	    ERR_DENIED);
	ck_assert_int_eq(http_client_status_error(&e, 400, "x", 1), ERR_INVAL);
}
END_TEST

/* Creating and destroying a client allocates through the mem hook; any
 * failing allocation must come back as ERR_NOMEM without a leak. */
START_TEST(client_create_survives_allocation_failures)
{
	struct http_client_config cfg = {.address = "https://[::1]:4646/ui"};
	bool done = false;
	for (int64_t n = 0; !done && n < 100; n++) {
		struct http_client *c = NULL;
		struct err e;
		int rc;
		err_clear(&e);
		mem_fault_set(n, 1);
		rc = http_client_create(&cfg, &c, &e);
		mem_fault_reset();
		if (rc == ERR_OK) {
			ck_assert_ptr_nonnull(c);
			done = true;
		} else {
			ck_assert_int_eq(rc, ERR_NOMEM);
			ck_assert_ptr_null(c);
		}
		http_client_destroy(c);
	}
	ck_assert(done);
	cfg.address = "unix:///run/steppe.sock";
	for (int64_t n = 0; n < 5; n++) {
		struct http_client *c = NULL;
		mem_fault_set(n, 1);
		if (http_client_create(&cfg, &c, NULL) == ERR_OK)
			http_client_destroy(c);
		mem_fault_reset();
	}
}
END_TEST

START_TEST(config_comes_from_flags_then_steppe_then_nomad_env)
{
	struct http_client_config cfg = {0};
	struct http_client *c = NULL;
	struct err e;
	unsetenv("STEPPE_ADDR");
	unsetenv("NOMAD_ADDR");
	unsetenv("STEPPE_TOKEN");
	unsetenv("NOMAD_TOKEN");
	unsetenv("STEPPE_NAMESPACE");
	unsetenv("NOMAD_NAMESPACE");
	unsetenv("STEPPE_REGION");
	unsetenv("NOMAD_REGION");
	http_client_config_env(&cfg);
	ck_assert_str_eq(cfg.address, "http://127.0.0.1:4646");
	ck_assert_ptr_null(cfg.token);
	setenv("NOMAD_ADDR", "http://10.0.0.1:4646", 1);
	setenv("NOMAD_TOKEN", "nomad-secret", 1);
	setenv("STEPPE_TOKEN", "steppe-secret", 1);
	setenv("NOMAD_REGION", "eu", 1);
	setenv("STEPPE_NAMESPACE", "", 1);
	setenv("NOMAD_NAMESPACE", "ops", 1);
	memset(&cfg, 0, sizeof cfg);
	cfg.region = "us";
	http_client_config_env(&cfg);
	ck_assert_str_eq(cfg.address, "http://10.0.0.1:4646");
	ck_assert_str_eq(cfg.token, "steppe-secret");
	ck_assert_str_eq(cfg.namespace, "ops");
	ck_assert_str_eq(cfg.region, "us");

	err_clear(&e);
	cfg.address = "ftp://x";
	ck_assert_int_eq(http_client_create(&cfg, &c, &e), ERR_INVAL);
	ck_assert_str_eq(e.msg, "unsupported address scheme \"ftp\"");
	ck_assert_ptr_null(c);
	cfg.address = "http://h:99999";
	ck_assert_int_eq(http_client_create(&cfg, &c, &e), ERR_INVAL);
	ck_assert_str_eq(e.msg, "invalid address port in \"h:99999\"");
}
END_TEST

static Suite *cli_format_suite(void)
{
	Suite *s = suite_create("cli_format");
	TCase *tc = unit_tcase(s, "basics", 30);
	tcase_add_test(tc, tables_align_like_columnize);
	tcase_add_test(tc, times_print_like_nomad);
	tcase_add_test(tc, relative_times_keep_two_units);
	tcase_add_test(tc, uuid_prefixes_are_whole_bytes);
	tcase_add_test(tc, json_output_is_indented_by_four);
	tc = unit_tcase(s, "servers", 30);
	tcase_add_test(tc, server_members_table);
	tcase_add_test(tc, member_leader_matches_host_and_rpc_port);
	tcase_add_test(tc, raft_peers_table);
	tc = unit_tcase(s, "jobs", 30);
	tcase_add_test(tc, job_list_table);
	tcase_add_test(tc, job_status_detail);
	tcase_add_test(tc, job_status_evals_and_failures);
	tcase_add_test(tc, job_status_periodic_and_parameterized);
	tcase_add_test(tc, job_history_blocks);
	tcase_add_test(tc, alloc_tables_and_metrics);
	tc = unit_tcase(s, "evals", 30);
	tcase_add_test(tc, eval_list_table);
	tcase_add_test(tc, eval_status_block);
	tcase_add_test(tc, monitor_lines_follow_the_reference);
	tcase_add_test(tc, monitor_reports_modified_allocs_and_failures);
	tcase_add_test(tc, monitor_deployment_block);
	tc = unit_tcase(s, "scheduling", 30);
	tcase_add_test(tc, placement_failures_read_the_same_everywhere);
	tcase_add_test(tc, plan_of_a_new_job);
	tcase_add_test(tc, plan_shows_the_server_diff_and_failures);
	tcase_add_test(tc, plan_without_changes_exits_zero);
	tcase_add_test(tc, bytes_print_like_go_humanize);
	tcase_add_test(tc, node_list_tables);
	tcase_add_test(tc, node_status_detail);
	tcase_add_test(tc, node_status_verbose);
	tcase_add_test(tc, alloc_status_detail);
	tcase_add_test(tc, alloc_status_short_and_verbose);
	tcase_add_test(tc, task_event_descriptions);
	tc = unit_tcase(s, "oom", 120);
	tcase_add_test(tc, formatters_survive_allocation_failures);
	tcase_add_test(tc, sched_formatters_survive_allocation_failures);
	tc = unit_tcase(s, "http", 30);
	tcase_add_test(tc, urls_escape_like_go);
	tcase_add_test(tc, transport_errors_read_like_go);
	tcase_add_test(tc, status_errors_read_like_nomad);
	tcase_add_test(tc, client_create_survives_allocation_failures);
	tcase_add_test(tc, config_comes_from_flags_then_steppe_then_nomad_env);
	return s;
}

UNIT_MAIN(cli_format_suite)
