/* Unit tests for raft/fsm_acl.c: ACL and namespace log entries applied to
 * a store, through fsm_encode / fsm_apply as every server applies them. */
#include <string.h>

#include "raft/fsm.h"
#include "raft/fsm_acl.h"
#include "state/state.h"
#include "tests/lib/unit.h"

static int apply(struct store *s, uint64_t index, uint8_t type,
                 const void *body)
{
	struct buf b;
	struct err e;
	int rc;
	buf_init(&b);
	err_clear(&e);
	ck_assert_int_eq(fsm_encode(type, fsm_body_schema(type), body, &b),
	                 ERR_OK);
	rc = fsm_apply(s, index, b.data, b.len, &e);
	buf_release(&b);
	return rc;
}

static struct fsm_acl_bootstrap boot(char *accessor, char *secret,
                                     uint64_t reset)
{
	struct fsm_acl_bootstrap b = {0};
	b.token.accessor_id = accessor;
	b.token.secret_id = secret;
	b.token.name = "Bootstrap Token";
	b.token.type = "management";
	b.token.global = true;
	b.reset_index = reset;
	return b;
}

START_TEST(test_bootstrap_once)
{
	struct store *s;
	struct fsm_acl_bootstrap b1 = boot("a1", "s1", 0);
	struct fsm_acl_bootstrap b2 = boot("a2", "s2", 0);
	struct fsm_acl_bootstrap b3 = boot("a3", "s3", 7);
	struct fsm_acl_bootstrap b4 = boot("a4", "s4", 5);
	ck_assert_int_eq(store_create(&s), ERR_OK);
	ck_assert_uint_eq(store_acl_bootstrap_index(s), 0);
	ck_assert_int_eq(apply(s, 5, FSM_ACL_BOOTSTRAP, &b1), ERR_OK);
	ck_assert_uint_eq(store_acl_bootstrap_index(s), 5);
	ck_assert_ptr_nonnull(store_acl_token_by_secret(s, "s1"));
	/* a second bootstrap changes nothing, on every server alike */
	ck_assert_int_eq(apply(s, 6, FSM_ACL_BOOTSTRAP, &b2), ERR_OK);
	ck_assert_uint_eq(store_acl_bootstrap_index(s), 5);
	ck_assert_ptr_null(store_acl_token(s, "a2"));
	/* a reset naming another index too */
	ck_assert_int_eq(apply(s, 7, FSM_ACL_BOOTSTRAP, &b3), ERR_OK);
	ck_assert_ptr_null(store_acl_token(s, "a3"));
	/* the right reset index bootstraps again; the old token stays */
	ck_assert_int_eq(apply(s, 8, FSM_ACL_BOOTSTRAP, &b4), ERR_OK);
	ck_assert_uint_eq(store_acl_bootstrap_index(s), 8);
	ck_assert_ptr_nonnull(store_acl_token(s, "a4"));
	ck_assert_ptr_nonnull(store_acl_token(s, "a1"));
	store_destroy(s);
}
END_TEST

START_TEST(test_policies_and_tokens)
{
	struct store *s;
	struct acl_policy p = {.name = "dev",
	                       .rules = "node { policy = \"read\" }"};
	struct fsm_acl_policies up = {.policies = {&p, 1}};
	char *names[] = {"dev", "missing"};
	struct fsm_acl_policies del = {.names = {names, 2}};
	char *pol[] = {"dev"};
	struct acl_token t = {.accessor_id = "acc",
	                      .secret_id = "sec",
	                      .type = "client",
	                      .policies = {pol, 1}};
	struct fsm_acl_tokens tup = {.tokens = {&t, 1}};
	char *ids[] = {"acc"};
	struct fsm_acl_tokens tdel = {.accessor_ids = {ids, 1}};
	ck_assert_int_eq(store_create(&s), ERR_OK);
	ck_assert_int_eq(apply(s, 3, FSM_ACL_POLICY_UPSERT, &up), ERR_OK);
	ck_assert_ptr_nonnull(store_acl_policy(s, "dev"));
	ck_assert_uint_eq(store_acl_policy(s, "dev")->create_index, 3);
	ck_assert_int_eq(apply(s, 4, FSM_ACL_TOKEN_UPSERT, &tup), ERR_OK);
	ck_assert_str_eq(store_acl_token_by_secret(s, "sec")->accessor_id,
	                 "acc");
	ck_assert_ptr_null(store_acl_token_by_secret(s, "se"));
	ck_assert_ptr_null(store_acl_token_by_secret(s, "secx"));
	ck_assert_int_eq(apply(s, 5, FSM_ACL_POLICY_DELETE, &del), ERR_OK);
	ck_assert_ptr_null(store_acl_policy(s, "dev"));
	ck_assert_int_eq(apply(s, 6, FSM_ACL_TOKEN_DELETE, &tdel), ERR_OK);
	ck_assert_ptr_null(store_acl_token_by_secret(s, "sec"));
	ck_assert_uint_eq(store_table_index(s, STORE_ACL_TOKENS), 6);
	store_destroy(s);
}
END_TEST

START_TEST(test_namespaces)
{
	struct store *s;
	struct namespace ns[] = {{.name = "dev", .description = "d"},
	                         {.name = "ops"}};
	struct fsm_namespaces up = {.namespaces = {ns, 2}};
	char *del_dev[] = {"dev"}, *del_both[] = {"ops", "dev"},
	     *del_def[] = {"default"};
	struct fsm_namespaces d1 = {.names = {del_both, 2}};
	struct fsm_namespaces d2 = {.names = {del_dev, 1}};
	struct fsm_namespaces d3 = {.names = {del_def, 1}};
	struct job job = {.id = "web", .namespace = "dev", .type = "batch"};
	struct evaluation ev = {.id = "e1",
	                        .namespace = "dev",
	                        .job_id = "web",
	                        .status = "pending",
	                        .type = "batch"};
	struct fsm_job_register reg = {.eval = &ev};
	char why[512];
	ck_assert_int_eq(store_create(&s), ERR_OK);
	ck_assert_ptr_nonnull(store_namespace(s, "default"));
	ck_assert_int_eq(apply(s, 2, FSM_NAMESPACE_UPSERT, &up), ERR_OK);
	ck_assert_str_eq(store_namespace(s, "dev")->description, "d");
	reg.job = job;
	ck_assert_int_eq(apply(s, 3, FSM_JOB_REGISTER, &reg), ERR_OK);
	ck_assert_str_eq(fsm_namespace_busy(s, "dev", why, sizeof why),
	                 "namespace \"dev\" contains at least one "
	                 "non-terminal job \"web\". All jobs must be terminal "
	                 "in namespace before it can be deleted");
	/* all or nothing: ops stays too */
	ck_assert_int_eq(apply(s, 4, FSM_NAMESPACE_DELETE, &d1), ERR_OK);
	ck_assert_ptr_nonnull(store_namespace(s, "ops"));
	ck_assert_ptr_nonnull(store_namespace(s, "dev"));
	ck_assert_int_eq(apply(s, 5, FSM_NAMESPACE_DELETE, &d3), ERR_OK);
	ck_assert_ptr_nonnull(store_namespace(s, "default"));
	/* a dead job does not hold the namespace */
	ck_assert_int_eq(store_set_job_status(s, 6, "dev", "web", "dead", NULL),
	                 ERR_OK);
	ck_assert_str_eq(fsm_namespace_busy(s, "dev", why, sizeof why), "");
	ck_assert_int_eq(apply(s, 7, FSM_NAMESPACE_DELETE, &d2), ERR_OK);
	ck_assert_ptr_null(store_namespace(s, "dev"));
	store_destroy(s);
}
END_TEST

/* Snapshots carry the ACL tables and the bootstrap index. */
START_TEST(test_snapshot_roundtrip)
{
	struct store *s, *r;
	struct fsm_acl_bootstrap b = boot("acc", "sec", 0);
	struct acl_policy p = {.name = "dev", .rules = "x"};
	struct fsm_acl_policies up = {.policies = {&p, 1}};
	struct namespace ns = {.name = "dev"};
	struct fsm_namespaces nup = {.namespaces = {&ns, 1}};
	struct buf out;
	struct err e;
	ck_assert_int_eq(store_create(&s), ERR_OK);
	ck_assert_int_eq(store_create(&r), ERR_OK);
	ck_assert_int_eq(apply(s, 4, FSM_ACL_BOOTSTRAP, &b), ERR_OK);
	ck_assert_int_eq(apply(s, 5, FSM_ACL_POLICY_UPSERT, &up), ERR_OK);
	ck_assert_int_eq(apply(s, 6, FSM_NAMESPACE_UPSERT, &nup), ERR_OK);
	buf_init(&out);
	err_clear(&e);
	ck_assert_int_eq(store_snapshot(s, &out), ERR_OK);
	ck_assert_int_eq(store_restore(r, out.data, out.len, &e), ERR_OK);
	ck_assert_uint_eq(store_acl_bootstrap_index(r), 4);
	ck_assert_ptr_nonnull(store_acl_token_by_secret(r, "sec"));
	ck_assert_ptr_nonnull(store_acl_policy(r, "dev"));
	ck_assert_ptr_nonnull(store_namespace(r, "dev"));
	ck_assert_ptr_nonnull(store_namespace(r, "default"));
	buf_release(&out);
	store_destroy(s);
	store_destroy(r);
}
END_TEST

static Suite *fsm_acl_suite(void)
{
	Suite *s = suite_create("fsm_acl");
	TCase *tc = unit_tcase(s, "fsm_acl", 10);
	tcase_add_test(tc, test_bootstrap_once);
	tcase_add_test(tc, test_policies_and_tokens);
	tcase_add_test(tc, test_namespaces);
	tcase_add_test(tc, test_snapshot_roundtrip);
	return s;
}

UNIT_MAIN(fsm_acl_suite)
