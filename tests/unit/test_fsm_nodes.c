/* Unit tests for batched node registrations (FSM_NODE_REGISTER_BATCH,
 * raft/fsm_nodes.c): every registration of the entry is stored, in
 * order, as separate FSM_NODE_REGISTER entries would store them. */
#include <string.h>

#include "lib/mem.h"
#include "raft/fsm.h"
#include "state/state.h"
#include "tests/lib/sched_fixture.h"
#include "tests/lib/unit.h"

/* Encodes body as an entry of type and applies it at index. */
static int apply(struct store *s, uint64_t index, uint8_t type,
                 const struct schema *bs, const void *body)
{
	struct buf b;
	struct err e;
	int rc;
	buf_init(&b);
	err_clear(&e);
	ck_assert_int_eq(fsm_encode(type, bs, body, &b), ERR_OK);
	rc = fsm_apply(s, index, b.data, b.len, &e);
	buf_release(&b);
	return rc;
}

START_TEST(a_batch_stores_every_registration_in_order)
{
	struct store *s = sfx_store();
	struct fsm_node_register regs[3];
	struct fsm_node_registers body = {.regs = {regs, 3}};
	struct node *a = sfx_node("a", "dc1"), *b = sfx_node("b", "dc1");
	struct node *a2 = sfx_node("a", "dc2");
	memset(regs, 0, sizeof regs);
	regs[0].node = *a;
	regs[1].node = *b;
	regs[2].node = *a2; /* "a" again, later in the same entry */
	ck_assert_int_eq(apply(s, 10, FSM_NODE_REGISTER_BATCH,
	                       &fsm_node_registers_schema, &body),
	                 ERR_OK);
	ck_assert_uint_eq(store_node_count(s), 2);
	ck_assert_str_eq(store_node(s, "a")->datacenter, "dc2");
	ck_assert_str_eq(store_node(s, "b")->datacenter, "dc1");
	ck_assert_uint_eq(store_node(s, "b")->create_index, 10);
	node_free(a);
	node_free(b);
	node_free(a2);
	store_destroy(s);
}
END_TEST

START_TEST(a_bad_batch_changes_nothing)
{
	struct store *s = sfx_store();
	static const uint8_t bad[] = {FSM_NODE_REGISTER_BATCH,
	                              0,
	                              0,
	                              0,
	                              0,
	                              0,
	                              0,
	                              2,
	                              0x91,
	                              0x01,
	                              0,
	                              0,
	                              0,
	                              0,
	                              0,
	                              0};
	struct err e;
	err_clear(&e);
	ck_assert_int_ne(fsm_apply(s, 11, bad, sizeof bad, &e), ERR_OK);
	ck_assert_uint_eq(store_node_count(s), 0);
	store_destroy(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fsm_nodes");
	TCase *tc = unit_tcase(s, "register_batch", 10);
	tcase_add_test(tc, a_batch_stores_every_registration_in_order);
	tcase_add_test(tc, a_bad_batch_changes_nothing);
	return s;
}

UNIT_MAIN(suite)
