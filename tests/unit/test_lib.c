/* Unit tests for lib/: errors, buffers, time, IDs, the mem hook. */
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "tests/lib/unit.h"

START_TEST(err_wrap_adds_context)
{
	struct err e;
	err_clear(&e);
	err_set(&e, ERR_VALIDATE, "missing driver");
	err_wrap(&e, "task \"%s\"", "server");
	err_wrap(&e, "group \"%s\"", "web");
	ck_assert_int_eq(e.code, ERR_VALIDATE);
	ck_assert_str_eq(e.msg,
	                 "group \"web\": task \"server\": missing driver");
	ck_assert_str_eq(err_str(ERR_NOLEADER), "no cluster leader");
}
END_TEST

START_TEST(errlist_joins_like_nomad)
{
	struct errlist l;
	struct err e;
	errlist_init(&l);
	err_clear(&e);
	ck_assert_int_eq(errlist_to_err(&l, &e), ERR_OK);
	errlist_add(&l, "missing %s", "driver");
	errlist_add(&l, "bad count");
	ck_assert_int_eq(errlist_to_err(&l, &e), ERR_VALIDATE);
	ck_assert_str_eq(
	    e.msg, "2 errors occurred:\n\t* missing driver\n\t* bad count");
	errlist_release(&l);
}
END_TEST

START_TEST(buf_grows_and_escapes)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		buf_appendf(&b, "%d,", i);
	ck_assert(!b.oom);
	ck_assert(strncmp(buf_cstr(&b), "0,1,2,", 6) == 0);
	buf_reset(&b);
	buf_append_json_string(&b, "a\"b\n\x01");
	ck_assert_str_eq(buf_cstr(&b), "\"a\\\"b\\n\\u0001\"");
	buf_release(&b);
}
END_TEST

START_TEST(buf_oom_is_sticky)
{
	struct buf b;
	buf_init(&b);
	mem_fault_set(0, -1);
	buf_append_str(&b, "hello");
	mem_fault_reset();
	ck_assert(b.oom);
	buf_append_str(&b, "world");
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_null(buf_steal(&b, NULL));
}
END_TEST

START_TEST(mem_grow_doubles_and_keeps_the_array_on_oom)
{
	int *v = NULL;
	size_t n = 0, cap = 0;
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(mem_grow(&v, n, &cap, sizeof *v), 0);
		v[n++] = i;
	}
	ck_assert_uint_eq(cap, 128);
	ck_assert_int_eq(mem_grow(&v, 50, &cap, sizeof *v), 0); /* room */
	ck_assert_uint_eq(cap, 128);
	n = cap;
	mem_fault_set(0, -1);
	ck_assert_int_eq(mem_grow(&v, n, &cap, sizeof *v), -1);
	mem_fault_reset();
	ck_assert_uint_eq(cap, 128);
	ck_assert_int_eq(v[99], 99);
	mem_free(v);
}
END_TEST

START_TEST(durations_parse_like_go)
{
	static const struct {
		const char *in;
		int64_t ns;
	} ok[] = {
	    {"0", 0},
	    {"30s", 30 * STIME_NS_PER_S},
	    {"1h30m", 90 * STIME_NS_PER_MIN},
	    {"1.5h", 90 * STIME_NS_PER_MIN},
	    {"300ms", 300 * STIME_NS_PER_MS},
	    {"-2m", -2 * STIME_NS_PER_MIN},
	    {"10us", 10 * STIME_NS_PER_US},
	    {"5m10s", 310 * STIME_NS_PER_S},
	    {"-2562047h47m16.854775808s", INT64_MIN},
	    {"2562047h47m16.854775807s", INT64_MAX},
	};
	static const char *const bad[] = {"",
	                                  "10",
	                                  "3x",
	                                  "s",
	                                  "1.s5",
	                                  "99999999999999999999h",
	                                  "2562047h47m16.854775808s"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t got = -1;
		ck_assert_msg(stime_parse_duration(ok[i].in, &got, NULL) == 0,
		              "%s", ok[i].in);
		ck_assert_msg(got == ok[i].ns, "%s: %lld", ok[i].in,
		              (long long)got);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t got;
		const char *why = NULL;
		ck_assert_msg(stime_parse_duration(bad[i], &got, &why) != 0,
		              "%s accepted", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(durations_format_like_go)
{
	static const struct {
		int64_t ns;
		const char *out;
	} cases[] = {
	    {0, "0s"},
	    {5 * STIME_NS_PER_S, "5s"},
	    {90 * STIME_NS_PER_MIN, "1h30m0s"},
	    {300 * STIME_NS_PER_MS, "300ms"},
	    {1500, "1.5\xc2\xb5s"},
	    {STIME_NS_PER_S + 500 * STIME_NS_PER_MS, "1.5s"},
	    {-61 * STIME_NS_PER_S, "-1m1s"},
	    {42, "42ns"},
	};
	char out[64];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		stime_format_duration(cases[i].ns, out, sizeof out);
		ck_assert_str_eq(out, cases[i].out);
	}
}
END_TEST

START_TEST(rfc3339_round_trip)
{
	char out[64];
	int64_t ns = 0;
	stime_format_rfc3339(0, -1, out, sizeof out);
	ck_assert_str_eq(out, "0001-01-01T00:00:00Z");
	ck_assert_int_eq(stime_parse_rfc3339(out, &ns), 0);
	ck_assert_int_eq(ns, 0);
	int64_t t = INT64_C(1700000000123456000);
	stime_format_rfc3339(t, -1, out, sizeof out);
	ck_assert_str_eq(out, "2023-11-14T22:13:20.123456Z");
	ck_assert_int_eq(stime_parse_rfc3339(out, &ns), 0);
	ck_assert_int_eq(ns, t);
	ck_assert_int_eq(
	    stime_parse_rfc3339("2023-11-14T23:13:20.123456+01:00", &ns), 0);
	ck_assert_int_eq(ns, t);
	ck_assert_int_ne(stime_parse_rfc3339("2023-13-14T23:13:20Z", &ns), 0);
}
END_TEST

START_TEST(ids_are_uuid_shaped_and_distinct)
{
	char a[ID_LEN + 1], b[ID_LEN + 1];
	ck_assert_int_eq(id_new(a), 0);
	ck_assert_int_eq(id_new(b), 0);
	ck_assert(id_valid(a));
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(a[14], '4');
	ck_assert(!id_valid("not-an-id"));
}
END_TEST

static char captured[512];
static void capture(void *data, enum log_level level, const char *line)
{
	(void)data;
	(void)level;
	snprintf(captured, sizeof captured, "%s", line);
}

START_TEST(log_levels_and_json)
{
	enum log_level lvl;
	ck_assert_int_eq(log_level_parse("debug", &lvl), 0);
	ck_assert_int_eq(lvl, LOG_DEBUG);
	ck_assert_int_ne(log_level_parse("loud", &lvl), 0);
	log_set_sink(capture, NULL);
	log_set_level(LOG_WARN);
	captured[0] = '\0';
	LOG_INFO("agent", "hidden");
	ck_assert_str_eq(captured, "");
	LOG_WARN("agent", "shown %d", 1);
	ck_assert_ptr_nonnull(strstr(captured, "[WARN]  agent: shown 1"));
	log_set_json(true);
	LOG_ERROR("rpc", "q\"uote");
	ck_assert_ptr_nonnull(strstr(captured, "\"@level\":\"error\""));
	ck_assert_ptr_nonnull(strstr(captured, "\"@message\":\"q\\\"uote\""));
	log_set_json(false);
	log_set_sink(NULL, NULL);
	log_set_level(LOG_INFO);
}
END_TEST

static Suite *lib_suite(void)
{
	Suite *s = suite_create("lib");
	TCase *tc = unit_tcase(s, "core", 10);
	tcase_add_test(tc, err_wrap_adds_context);
	tcase_add_test(tc, errlist_joins_like_nomad);
	tcase_add_test(tc, buf_grows_and_escapes);
	tcase_add_test(tc, buf_oom_is_sticky);
	tcase_add_test(tc, mem_grow_doubles_and_keeps_the_array_on_oom);
	tcase_add_test(tc, durations_parse_like_go);
	tcase_add_test(tc, durations_format_like_go);
	tcase_add_test(tc, rfc3339_round_trip);
	tcase_add_test(tc, ids_are_uuid_shaped_and_distinct);
	tcase_add_test(tc, log_levels_and_json);
	return s;
}

UNIT_MAIN(lib_suite)
