/* Unit tests for server/formation: who bootstraps, who waits, who joins. */
#include <string.h>

#include "lib/mem.h"
#include "server/formation.h"
#include "tests/lib/unit.h"

static void add(struct server_members *m, const char *name, uint64_t raft_id,
                int64_t expect, bool has_raft, int64_t seen)
{
	struct server_member x = {0};
	struct server_members one = {0};
	x.name = (char *)name;
	x.raft_id = raft_id;
	x.region = (char *)"global";
	x.addr = (char *)"127.0.0.1:4647";
	x.expect = expect;
	x.has_raft = has_raft;
	x.last_seen = seen;
	one.members.v = &x;
	one.members.n = 1;
	ck_assert_int_eq(formation_merge(m, &one, "global"), ERR_OK);
}

START_TEST(waits_until_expected_servers_known)
{
	struct server_members m = {0};
	struct formation_decision d;
	add(&m, "s1", 30, 3, false, 100);
	add(&m, "s2", 10, 3, false, 100);
	formation_refresh(&m, 30, 100);
	formation_decide(&m, 30, false, 3, &d);
	ck_assert_int_eq(d.action, FORMATION_WAIT);
	ck_assert_str_eq(d.why, "waiting for more servers before "
	                        "bootstrapping: 2 of 3 expected servers known");
	add(&m, "s3", 20, 3, false, 100);
	formation_decide(&m, 30, false, 3, &d);
	ck_assert_int_eq(d.action, FORMATION_BOOTSTRAP);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_uint_eq(d.ids[0], 10);
	ck_assert_uint_eq(d.ids[1], 20);
	ck_assert_uint_eq(d.ids[2], 30);
	schema_release(&server_members_schema, &m);
}
END_TEST

START_TEST(every_server_picks_the_same_configuration)
{
	/* s1 knows an extra fourth server; the chosen three still agree. */
	struct server_members a = {0}, b = {0};
	struct formation_decision da, db;
	add(&a, "s1", 5, 3, false, 1);
	add(&a, "s2", 7, 3, false, 1);
	add(&a, "s3", 9, 3, false, 1);
	add(&a, "s4", 11, 3, false, 1);
	add(&b, "s1", 5, 3, false, 1);
	add(&b, "s2", 7, 3, false, 1);
	add(&b, "s3", 9, 3, false, 1);
	formation_decide(&a, 5, false, 3, &da);
	formation_decide(&b, 9, false, 3, &db);
	ck_assert_int_eq(da.action, FORMATION_BOOTSTRAP);
	ck_assert_int_eq(db.action, FORMATION_BOOTSTRAP);
	ck_assert_uint_eq(da.n, db.n);
	ck_assert(memcmp(da.ids, db.ids, da.n * sizeof da.ids[0]) == 0);
	schema_release(&server_members_schema, &a);
	schema_release(&server_members_schema, &b);
}
END_TEST

START_TEST(existing_cluster_means_join)
{
	struct server_members m = {0};
	struct formation_decision d;
	add(&m, "s1", 1, 3, true, 1);
	add(&m, "s4", 4, 3, false, 1);
	formation_decide(&m, 4, false, 3, &d);
	ck_assert_int_eq(d.action, FORMATION_JOIN);
	formation_decide(&m, 4, true, 3, &d);
	ck_assert_int_eq(d.action, FORMATION_NONE);
	schema_release(&server_members_schema, &m);
}
END_TEST

START_TEST(named_in_an_existing_bootstrap_means_bootstrap_with_it)
{
	/* s1 and s3 bootstrapped {1, 2, 3} while s2 still knew two servers;
	 * s2 must bootstrap the same configuration: with none it would
	 * neither vote nor stand, and losing one of the others would leave
	 * the cluster without a quorum. */
	struct server_members m = {0};
	struct formation_decision d;
	add(&m, "s1", 1, 3, true, 1);
	add(&m, "s2", 2, 3, false, 1);
	ck_assert_int_eq(
	    strlist_push(&m.members.v[0].bootstrap, "1@127.0.0.1:4647"),
	    ERR_OK);
	ck_assert_int_eq(
	    strlist_push(&m.members.v[0].bootstrap, "2@127.0.0.2:4647"),
	    ERR_OK);
	ck_assert_int_eq(
	    strlist_push(&m.members.v[0].bootstrap, "3@127.0.0.3:4647"),
	    ERR_OK);
	formation_decide(&m, 2, false, 3, &d);
	ck_assert_int_eq(d.action, FORMATION_BOOTSTRAP);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_uint_eq(d.ids[1], 2);
	ck_assert_str_eq(d.addrs[2], "127.0.0.3:4647");
	/* A server the configuration does not name joins. */
	add(&m, "s4", 4, 3, false, 1);
	formation_decide(&m, 4, false, 3, &d);
	ck_assert_int_eq(d.action, FORMATION_JOIN);
	schema_release(&server_members_schema, &m);
}
END_TEST

START_TEST(conflicting_expect_and_failed_members)
{
	struct server_members m = {0};
	struct formation_decision d;
	int64_t now = 100LL * 1000000000LL;
	add(&m, "s1", 1, 3, false, now);
	add(&m, "s2", 2, 5, false, now);
	formation_refresh(&m, 1, now);
	formation_decide(&m, 1, false, 3, &d);
	ck_assert_int_eq(d.action, FORMATION_WAIT);
	ck_assert(strstr(d.why, "expects 5 servers") != NULL);
	/* A member not heard from is failed and does not count. */
	formation_refresh(&m, 1, now + FORMATION_FAILED_AFTER_NS + 1);
	ck_assert_str_eq(m.members.v[1].status, "failed");
	formation_decide(&m, 1, false, 3, &d);
	ck_assert(strstr(d.why, "1 of 3") != NULL);
	schema_release(&server_members_schema, &m);
}
END_TEST

START_TEST(merge_keeps_newest_and_ignores_other_regions)
{
	struct server_members m = {0}, other = {0};
	struct server_member x = {0};
	add(&m, "s1", 1, 3, false, 10);
	add(&m, "s1-renamed", 1, 3, false, 5);
	ck_assert_str_eq(m.members.v[0].name, "s1");
	add(&m, "s1-new", 1, 3, true, 20);
	ck_assert_uint_eq(m.members.n, 1);
	ck_assert_str_eq(m.members.v[0].name, "s1-new");
	x.raft_id = 9;
	x.region = (char *)"europe";
	other.members.v = &x;
	other.members.n = 1;
	ck_assert_int_eq(formation_merge(&m, &other, "global"), ERR_OK);
	ck_assert_uint_eq(m.members.n, 1);
	schema_release(&server_members_schema, &m);
}
END_TEST

static Suite *formation_suite(void)
{
	Suite *s = suite_create("formation");
	TCase *tc = unit_tcase(s, "decide", 10);
	tcase_add_test(tc, waits_until_expected_servers_known);
	tcase_add_test(tc, every_server_picks_the_same_configuration);
	tcase_add_test(tc, existing_cluster_means_join);
	tcase_add_test(tc,
	               named_in_an_existing_bootstrap_means_bootstrap_with_it);
	tcase_add_test(tc, conflicting_expect_and_failed_members);
	tcase_add_test(tc, merge_keeps_newest_and_ignores_other_regions);
	return s;
}

UNIT_MAIN(formation_suite)
