/* Unit tests for the endpoints' ACL rules (server/acl_rules.c, the rule
 * table in every server/ep_*.c): every registered method has a rule, a
 * rule-less endpoint is refused, and server_acl_check answers calls as a
 * caller sees it: tokens, namespaces, coarse areas, node secrets. Calls
 * are real rpc/ calls dispatched in-process to a handler that runs the
 * check against a store filled here. */
#include <msgpack.h>
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/stime.h"
#include "server/server_int.h"
#include "tests/lib/unit.h"

/* ---- the table ------------------------------------------------------------
 */

struct methods {
	char names[128][64];
	char rules[128][64];
	size_t n;
};

static void collect(void *data, const char *method, const char *rule)
{
	struct methods *m = data;
	ck_assert_uint_lt(m->n, 128);
	snprintf(m->names[m->n], 64, "%s", method);
	snprintf(m->rules[m->n], 64, "%s", rule);
	m->n++;
}

static const char *rule_of(const struct methods *m, const char *method)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->names[i], method) == 0)
			return m->rules[i];
	return NULL;
}

START_TEST(test_every_method_has_a_rule)
{
	static struct methods m;
	memset(&m, 0, sizeof m);
	server_each_method(collect, &m);
	ck_assert_uint_ge(m.n, 40);
	for (size_t i = 0; i < m.n; i++) {
		ck_assert_msg(strcmp(m.rules[i], "unset") != 0 &&
		                  m.rules[i][0] != '\0',
		              "%s has no ACL rule", m.names[i]);
		for (size_t j = i + 1; j < m.n; j++)
			ck_assert_msg(strcmp(m.names[i], m.names[j]) != 0,
			              "%s registered twice", m.names[i]);
	}
	/* Nomad's rules for a few, and the node RPCs of client agents. */
	ck_assert_str_eq(rule_of(&m, "Status.Leader"), "open");
	ck_assert_str_eq(rule_of(&m, "Status.Members"), "node:read");
	ck_assert_str_eq(rule_of(&m, "Job.Register"),
	                 "namespace:submit-job+object");
	ck_assert_str_eq(rule_of(&m, "Job.Scale"),
	                 "namespace:scale-job|submit-job");
	ck_assert_str_eq(rule_of(&m, "Job.List"), "namespace:list-jobs+object");
	ck_assert_str_eq(rule_of(&m, "Alloc.GetAlloc"),
	                 "namespace:read-job+object");
	ck_assert_str_eq(rule_of(&m, "Node.UpdateDrain"), "node:write");
	ck_assert_str_eq(rule_of(&m, "Node.Deregister"),
	                 "node:write|node-secret");
	ck_assert_str_eq(rule_of(&m, "Node.UpdateAlloc"), "node-secret");
	ck_assert_str_eq(rule_of(&m, "Operator.RaftRemovePeerByID"),
	                 "operator:write");
	ck_assert_str_eq(rule_of(&m, "ACL.UpsertTokens"), "management");
	ck_assert_str_eq(rule_of(&m, "Namespace.ListNamespaces"),
	                 "token+object");
	ck_assert_str_eq(rule_of(&m, "Cluster.Exchange"), "gossip");
}
END_TEST

static void never(struct server *s, struct rpc_call *call)
{
	(void)s;
	(void)call;
}

START_TEST(test_endpoint_without_rule_refused)
{
	struct server *s = mem_calloc(1, sizeof *s);
	struct server_ep_def def = {"Test.NoRule", 0, {0}, never};
	ck_assert_int_eq(server_endpoint(s, &def), ERR_INVAL);
	ck_assert_uint_eq(s->neps, 0);
	mem_free(s);
}
END_TEST

START_TEST(test_secret_equal)
{
	ck_assert(server_secret_equal("abc", "abc"));
	ck_assert(!server_secret_equal("abc", "abd"));
	ck_assert(!server_secret_equal("ab", "abc"));
	ck_assert(!server_secret_equal("abcd", "abc"));
	ck_assert(!server_secret_equal("", ""));
	ck_assert(!server_secret_equal(NULL, "abc"));
	ck_assert(!server_secret_equal("abc", NULL));
}
END_TEST

/* ---- the check ------------------------------------------------------------
 */

#define N1    "11111111-1111-1111-1111-111111111111"
#define N2    "22222222-2222-2222-2222-222222222222"
#define S1    "aaaaaaaa-0000-0000-0000-000000000001"
#define S2    "aaaaaaaa-0000-0000-0000-000000000002"
#define MGMT  "bbbbbbbb-0000-0000-0000-000000000001"
#define DEV   "bbbbbbbb-0000-0000-0000-000000000002"
#define NODER "bbbbbbbb-0000-0000-0000-000000000003"
#define OLD   "bbbbbbbb-0000-0000-0000-000000000004"
#define NONE  "bbbbbbbb-0000-0000-0000-000000000005"

struct env {
	uv_loop_t loop;
	struct rpc_server *rpc;
	struct server *s;
	struct server_acl_rule rule;
	bool leader_decides;
	bool answered, passed;
	char error[256];
	int stopped;
};

static void h_check(void *data, struct rpc_call *call)
{
	struct env *e = data;
	if (server_acl_check(e->s, call, &e->rule, e->leader_decides))
		rpc_call_reply(call, NULL, NULL, NULL);
}

static void on_reply(void *data, int status, const char *error,
                     const msgpack_object *reply, const struct rpc_meta *m)
{
	struct env *e = data;
	(void)reply;
	(void)m;
	ck_assert_int_eq(status, ERR_OK);
	e->answered = true;
	e->passed = error == NULL;
	snprintf(e->error, sizeof e->error, "%s", error ? error : "");
}

static void put_token(struct store *st, uint64_t idx, char *acc, char *sec,
                      const char *type, char *policy, int64_t exp)
{
	char *pol[] = {policy};
	struct acl_token t = {.accessor_id = acc,
	                      .secret_id = sec,
	                      .type = (char *)type,
	                      .policies = {pol, policy ? 1 : 0},
	                      .expiration_time = exp};
	ck_assert_int_eq(store_upsert_acl_token(st, idx, &t), ERR_OK);
}

static void put_node(struct store *st, uint64_t idx, char *id, char *secret)
{
	struct node n = {.id = id, .secret_id = secret};
	ck_assert_int_eq(store_upsert_node(st, idx, &n), ERR_OK);
}

static void put_alloc(struct store *st, uint64_t idx, char *id, char *node)
{
	struct allocation a = {
	    .id = id, .namespace = "default", .job_id = "web", .node_id = node};
	ck_assert_int_eq(store_upsert_alloc(st, idx, &a), ERR_OK);
}

static void env_fill(struct store *st)
{
	struct acl_policy dev = {
	    .name = "dev", .rules = "namespace \"dev\" { policy = \"write\" }"};
	struct acl_policy noder = {.name = "noder",
	                           .rules = "node { policy = \"read\" }"};
	ck_assert_int_eq(store_upsert_acl_policy(st, 2, &dev), ERR_OK);
	ck_assert_int_eq(store_upsert_acl_policy(st, 3, &noder), ERR_OK);
	put_token(st, 4, "acc-mgmt", MGMT, "management", NULL, 0);
	put_token(st, 5, "acc-dev", DEV, "client", "dev", 0);
	put_token(st, 6, "acc-noder", NODER, "client", "noder", 0);
	put_token(st, 7, "acc-old", OLD, "client", "dev",
	          stime_wall_ns() - STIME_NS_PER_S);
	put_token(st, 8, "acc-none", NONE, "client", NULL, 0);
	put_node(st, 9, N1, S1);
	put_node(st, 10, N2, S2);
	put_alloc(st, 11, "alloc-1a", N1);
	put_alloc(st, 12, "alloc-1b", N1);
	put_alloc(st, 13, "alloc-2a", N2);
}

static void env_init(struct env *e, bool acl_enabled)
{
	memset(e, 0, sizeof *e);
	ck_assert_int_eq(uv_loop_init(&e->loop), 0);
	ck_assert_int_eq(rpc_server_create(&e->loop, &e->rpc), ERR_OK);
	ck_assert_int_eq(rpc_server_handle(e->rpc, "Test.Check", h_check, e),
	                 ERR_OK);
	e->s = mem_calloc(1, sizeof *e->s);
	ck_assert_ptr_nonnull(e->s);
	e->s->cfg.acl_enabled = acl_enabled;
	ck_assert_int_eq(store_create(&e->s->store), ERR_OK);
	env_fill(e->s->store);
}

static void on_stopped(void *data)
{
	((struct env *)data)->stopped++;
}

static void env_close(struct env *e)
{
	rpc_server_stop(e->rpc, on_stopped, e);
	while (e->stopped == 0)
		uv_run(&e->loop, UV_RUN_ONCE);
	rpc_server_destroy(e->rpc);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&e->loop), 0);
	server_acl_cache_free(e->s);
	store_destroy(e->s->store);
	mem_free(e->s);
}

/* Calls Test.Check under rule with token, namespace and raw Args (a
 * msgpack object, NULL for none); returns "ok" or the error. */
static const char *call_raw(struct env *e, struct server_acl_rule rule,
                            const char *token, const char *ns,
                            const msgpack_object *args)
{
	struct rpc_request req = {.method = "Test.Check",
	                          .auth_token = (char *)token,
	                          .ns = (char *)ns};
	e->rule = rule;
	e->answered = false;
	ck_assert_int_eq(
	    rpc_server_dispatch(e->rpc, &req, NULL, args, on_reply, e), ERR_OK);
	while (!e->answered)
		uv_run(&e->loop, UV_RUN_ONCE);
	return e->passed ? "ok" : e->error;
}

static const char *call(struct env *e, struct server_acl_rule rule,
                        const char *token, const char *ns)
{
	return call_raw(e, rule, token, ns, NULL);
}

/* Args packed from alternating key, value strings (value NULL: nil);
 * the unpacked object lives in z until msgpack_zone_destroy. */
static msgpack_object pack_map(msgpack_zone *z, msgpack_sbuffer *sb, int n,
                               const char *const *kv)
{
	msgpack_packer pk;
	msgpack_object o;
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, (size_t)n);
	for (int i = 0; i < 2 * n; i++) {
		if (kv[i] == NULL) {
			msgpack_pack_nil(&pk);
			continue;
		}
		msgpack_pack_str(&pk, strlen(kv[i]));
		msgpack_pack_str_body(&pk, kv[i], strlen(kv[i]));
	}
	msgpack_zone_init(z, 1024);
	ck_assert_int_eq(msgpack_unpack(sb->data, sb->size, NULL, z, &o),
	                 MSGPACK_UNPACK_SUCCESS);
	return o;
}

/* Args {"NodeID": id}. */
static const char *call_node(struct env *e, struct server_acl_rule rule,
                             const char *token, const char *id)
{
	const char *kv[] = {"NodeID", id};
	msgpack_sbuffer sb;
	msgpack_zone z;
	msgpack_object o = pack_map(&z, &sb, 1, kv);
	const char *r = call_raw(e, rule, token, NULL, &o);
	msgpack_zone_destroy(&z);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

/* Args encoded by a schema. */
static const char *call_args(struct env *e, struct server_acl_rule rule,
                             const char *token, const struct schema *as,
                             const void *args)
{
	struct rpc_request req = {.method = "Test.Check",
	                          .auth_token = (char *)token};
	e->rule = rule;
	e->answered = false;
	ck_assert_int_eq(
	    rpc_server_dispatch(e->rpc, &req, as, args, on_reply, e), ERR_OK);
	while (!e->answered)
		uv_run(&e->loop, UV_RUN_ONCE);
	return e->passed ? "ok" : e->error;
}

static const struct server_acl_rule r_open = SRV_RULE_OPEN,
                                    r_gossip = SRV_RULE_GOSSIP,
                                    r_token = SRV_RULE_TOKEN,
                                    r_mgmt = SRV_RULE_MGMT,
                                    r_read = SRV_RULE_NS(READ_JOB),
                                    r_scale =
                                        SRV_RULE_NS2(SCALE_JOB, SUBMIT_JOB),
                                    r_node_read = SRV_RULE_AREA(NODE, READ),
                                    r_node_write = SRV_RULE_AREA(NODE, WRITE),
                                    r_node_arg = SRV_RULE_NODE(ARG),
                                    r_node_or_write =
                                        SRV_RULE_AREA_OR_NODE(NODE, WRITE, ARG),
                                    r_register = SRV_RULE_NODE(REGISTER),
                                    r_allocs = SRV_RULE_NODE(ALLOCS),
                                    r_alloc_ids = SRV_RULE_NODE(ALLOC_IDS);

START_TEST(test_disabled_allows_everything)
{
	struct env e;
	env_init(&e, false);
	ck_assert_str_eq(call(&e, r_mgmt, "no-such-token", NULL), "ok");
	ck_assert_str_eq(call(&e, r_read, NULL, "prod"), "ok");
	ck_assert_str_eq(call_node(&e, r_node_arg, S2, N1), "ok");
	env_close(&e);
}
END_TEST

START_TEST(test_tokens)
{
	struct env e;
	env_init(&e, true);
	ck_assert_str_eq(call(&e, r_open, "no-such-token", NULL), "ok");
	ck_assert_str_eq(call(&e, r_gossip, NULL, NULL), "ok");
	ck_assert_str_eq(call(&e, r_token, NULL, NULL), "ok"); /* anonymous */
	ck_assert_str_eq(call(&e, r_token, "no-such-token", NULL),
	                 "ACL token not found");
	ck_assert_str_eq(call(&e, r_token, OLD, NULL), "ACL token expired");
	ck_assert_str_eq(call(&e, r_mgmt, DEV, NULL), "Permission denied");
	ck_assert_str_eq(call(&e, r_mgmt, NULL, NULL), "Permission denied");
	ck_assert_str_eq(call(&e, r_mgmt, MGMT, NULL), "ok");
	/* a token with no policies is allowed nothing */
	ck_assert_str_eq(call(&e, r_read, NONE, "dev"), "Permission denied");
	ck_assert_str_eq(call(&e, r_node_read, NONE, NULL),
	                 "Permission denied");
	/* an unknown token on its way to the leader: the leader decides */
	e.leader_decides = true;
	ck_assert_str_eq(call(&e, r_mgmt, "no-such-token", NULL), "ok");
	ck_assert_str_eq(call(&e, r_mgmt, DEV, NULL), "Permission denied");
	ck_assert_str_eq(call(&e, r_mgmt, OLD, NULL), "ACL token expired");
	env_close(&e);
}
END_TEST

START_TEST(test_namespaces_and_areas)
{
	struct env e;
	env_init(&e, true);
	ck_assert_str_eq(call(&e, r_read, DEV, "dev"), "ok");
	ck_assert_str_eq(call(&e, r_read, DEV, NULL), "Permission denied");
	ck_assert_str_eq(call(&e, r_read, DEV, "default"), "Permission denied");
	ck_assert_str_eq(call(&e, r_read, DEV, "*"), "ok");
	ck_assert_str_eq(call(&e, r_read, NODER, "*"), "Permission denied");
	ck_assert_str_eq(call(&e, r_scale, DEV, "dev"), "ok"); /* submit-job */
	ck_assert_str_eq(call(&e, r_read, MGMT, "prod"), "ok");
	ck_assert_str_eq(call(&e, r_node_read, NODER, NULL), "ok");
	ck_assert_str_eq(call(&e, r_node_write, NODER, NULL),
	                 "Permission denied");
	ck_assert_str_eq(call(&e, r_node_read, DEV, NULL), "Permission denied");
	env_close(&e);
}
END_TEST

START_TEST(test_node_secret_by_node_id)
{
	struct env e;
	env_init(&e, true);
	ck_assert_str_eq(call_node(&e, r_node_arg, S1, N1), "ok");
	ck_assert_str_eq(call_node(&e, r_node_arg, S1, N2),
	                 "Permission denied");
	ck_assert_str_eq(call_node(&e, r_node_arg, S1,
	                           "33333333-3333-3333-3333-333333333333"),
	                 "node not found");
	ck_assert_str_eq(call_node(&e, r_node_arg, MGMT, N2), "ok");
	ck_assert_str_eq(call_node(&e, r_node_arg, NODER, N1),
	                 "Permission denied");
	ck_assert_str_eq(call_node(&e, r_node_arg, NULL, N1),
	                 "Permission denied");
	/* node:write, or the node itself */
	ck_assert_str_eq(call_node(&e, r_node_or_write, S2, N2), "ok");
	ck_assert_str_eq(call_node(&e, r_node_or_write, S2, N1),
	                 "Permission denied");
	ck_assert_str_eq(call_node(&e, r_node_or_write, NODER, N1),
	                 "Permission denied");
	/* a node secret is no ACL token anywhere else */
	ck_assert_str_eq(call(&e, r_mgmt, S1, NULL), "ACL token not found");
	ck_assert_str_eq(call(&e, r_read, S1, "default"),
	                 "ACL token not found");
	ck_assert_str_eq(call(&e, r_node_write, S1, NULL),
	                 "ACL token not found");
	env_close(&e);
}
END_TEST

START_TEST(test_node_secret_repeated_key)
{
	/* The decoder keeps the last NodeID; so does the check. */
	const char *kv[] = {"NodeID", N1, "NodeID", N2};
	struct env e;
	msgpack_sbuffer sb;
	msgpack_zone z;
	msgpack_object o;
	env_init(&e, true);
	o = pack_map(&z, &sb, 2, kv);
	ck_assert_str_eq(call_raw(&e, r_node_arg, S1, NULL, &o),
	                 "Permission denied");
	ck_assert_str_eq(call_raw(&e, r_node_arg, S2, NULL, &o), "ok");
	msgpack_zone_destroy(&z);
	msgpack_sbuffer_destroy(&sb);
	env_close(&e);
}
END_TEST

START_TEST(test_node_register)
{
	struct env e;
	struct node_register_request r = {0};
	env_init(&e, true);
	/* a new node: the token is the secret it registers */
	r.node.id = "44444444-4444-4444-4444-444444444444";
	r.node.secret_id = "cccccccc-0000-0000-0000-000000000001";
	ck_assert_str_eq(call_args(&e, r_register, r.node.secret_id,
	                           &node_register_request_schema, &r),
	                 "ok");
	ck_assert_str_eq(
	    call_args(&e, r_register, S1, &node_register_request_schema, &r),
	    "Permission denied");
	ck_assert_str_eq(
	    call_args(&e, r_register, NULL, &node_register_request_schema, &r),
	    "Permission denied");
	/* an existing node: only with its own secret */
	r.node.id = N1;
	r.node.secret_id = S2;
	ck_assert_str_eq(
	    call_args(&e, r_register, S2, &node_register_request_schema, &r),
	    "Permission denied");
	r.node.secret_id = S1;
	ck_assert_str_eq(
	    call_args(&e, r_register, S1, &node_register_request_schema, &r),
	    "ok");
	ck_assert_str_eq(
	    call_args(&e, r_register, MGMT, &node_register_request_schema, &r),
	    "ok");
	ck_assert_str_eq(
	    call_args(&e, r_register, DEV, &node_register_request_schema, &r),
	    "Permission denied");
	env_close(&e);
}
END_TEST

static const char *call_alloc_ids(struct env *e, const char *token, char **ids,
                                  size_t n)
{
	struct allocs_get_request r = {.alloc_ids = {ids, n}};
	return call_args(e, r_alloc_ids, token, &allocs_get_request_schema, &r);
}

START_TEST(test_node_secret_by_allocations)
{
	struct env e;
	char *own[] = {"alloc-1a", "alloc-1b", "gone"};
	char *other[] = {"alloc-2a"};
	char *mixed[] = {"alloc-1a", "alloc-2a"};
	char *gone[] = {"gone"};
	struct allocation up[2] = {{.id = "alloc-1a", .node_id = N1},
	                           {.id = "alloc-2a", .node_id = N1}};
	struct alloc_update_request ur = {.allocs = {up, 1}};
	env_init(&e, true);
	ck_assert_str_eq(call_alloc_ids(&e, S1, own, 3), "ok");
	ck_assert_str_eq(call_alloc_ids(&e, S1, other, 1), "Permission denied");
	ck_assert_str_eq(call_alloc_ids(&e, S2, other, 1), "ok");
	ck_assert_str_eq(call_alloc_ids(&e, S1, mixed, 2), "Permission denied");
	ck_assert_str_eq(call_alloc_ids(&e, MGMT, mixed, 2), "ok");
	ck_assert_str_eq(call_alloc_ids(&e, NODER, own, 2),
	                 "Permission denied");
	/* only unknown allocations: any node's secret, nobody else's */
	ck_assert_str_eq(call_alloc_ids(&e, S2, gone, 1), "ok");
	ck_assert_str_eq(call_alloc_ids(&e, "no-such-secret", gone, 1),
	                 "ACL token not found");
	/* updates: the stored node counts, not the one the update claims */
	ck_assert_str_eq(
	    call_args(&e, r_allocs, S1, &alloc_update_request_schema, &ur),
	    "ok");
	ur.allocs.n = 2;
	ck_assert_str_eq(
	    call_args(&e, r_allocs, S1, &alloc_update_request_schema, &ur),
	    "Permission denied");
	ur.allocs.v = &up[1];
	ur.allocs.n = 1;
	ck_assert_str_eq(
	    call_args(&e, r_allocs, S1, &alloc_update_request_schema, &ur),
	    "Permission denied");
	ck_assert_str_eq(
	    call_args(&e, r_allocs, S2, &alloc_update_request_schema, &ur),
	    "ok");
	env_close(&e);
}
END_TEST

START_TEST(test_rule_names)
{
	struct server_acl_rule unset = {0};
	char buf[64];
	server_acl_rule_str(&r_node_or_write, buf, sizeof buf);
	ck_assert_str_eq(buf, "node:write|node-secret");
	server_acl_rule_str(&r_scale, buf, sizeof buf);
	ck_assert_str_eq(buf, "namespace:scale-job|submit-job");
	server_acl_rule_str(&unset, buf, sizeof buf);
	ck_assert_str_eq(buf, "unset");
	server_acl_rule_str(&r_read, buf, 8); /* cut, terminated */
	ck_assert_str_eq(buf, "namespa");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("server_acl");
	TCase *tc = unit_tcase(s, "table", 10);
	tcase_add_test(tc, test_every_method_has_a_rule);
	tcase_add_test(tc, test_endpoint_without_rule_refused);
	tcase_add_test(tc, test_secret_equal);
	tcase_add_test(tc, test_rule_names);
	tc = unit_tcase(s, "check", 10);
	tcase_add_test(tc, test_disabled_allows_everything);
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_namespaces_and_areas);
	tcase_add_test(tc, test_node_secret_by_node_id);
	tcase_add_test(tc, test_node_secret_repeated_key);
	tcase_add_test(tc, test_node_register);
	tcase_add_test(tc, test_node_secret_by_allocations);
	return s;
}

UNIT_MAIN(suite)
