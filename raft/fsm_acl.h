/* raft/fsm_acl.h: the bodies of the ACL and namespace log entries
 * (FSM_ACL_BOOTSTRAP .. FSM_NAMESPACE_DELETE) and their appliers
 * (raft/fsm_acl.c). Everything in a body is chosen by the leader before
 * the entry is written: AccessorIDs, SecretIDs, CreateTime, hashes. */
#ifndef STEPPE_RAFT_FSM_ACL_H
#define STEPPE_RAFT_FSM_ACL_H

#include <stdint.h>

#include "structs/structs.h"

struct store;

/* FSM_ACL_BOOTSTRAP: the first management token. Applied only when ACLs
 * were never bootstrapped, or when ResetIndex is the index of the last
 * bootstrap (an operator reset); otherwise the entry changes nothing, on
 * every server alike. The leader tells the outcome from the store: the
 * bootstrap index is the entry's index when it was applied. */
#define FSM_ACL_BOOTSTRAP_FIELDS(X, S)                 \
	X(S, Token, token, STRUCT, acl_token, NULL, 0) \
	X(S, ResetIndex, reset_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(fsm_acl_bootstrap, FSM_ACL_BOOTSTRAP_FIELDS);

/* FSM_ACL_POLICY_UPSERT (Policies) and FSM_ACL_POLICY_DELETE (Names). */
#define FSM_ACL_POLICIES_FIELDS(X, S)                       \
	X(S, Policies, policies, LIST, acl_policy, NULL, 0) \
	X(S, Names, names, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(fsm_acl_policies, FSM_ACL_POLICIES_FIELDS);

/* FSM_ACL_TOKEN_UPSERT (Tokens) and FSM_ACL_TOKEN_DELETE (AccessorIDs). */
#define FSM_ACL_TOKENS_FIELDS(X, S)                    \
	X(S, Tokens, tokens, LIST, acl_token, NULL, 0) \
	X(S, AccessorIDs, accessor_ids, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(fsm_acl_tokens, FSM_ACL_TOKENS_FIELDS);

/* FSM_NAMESPACE_UPSERT (Namespaces) and FSM_NAMESPACE_DELETE (Names). A
 * delete is all or nothing: when any name is "default" or still holds a
 * job that is not dead, nothing is deleted (the endpoint checked the
 * same before writing; this closes the race with a job registered in
 * between). */
#define FSM_NAMESPACES_FIELDS(X, S)                            \
	X(S, Namespaces, namespaces, LIST, namespace, NULL, 0) \
	X(S, Names, names, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(fsm_namespaces, FSM_NAMESPACES_FIELDS);

/* The schema of an ACL or namespace entry type, NULL for other types. */
const struct schema *fsm_acl_body_schema(uint8_t type);
/* Applies an ACL or namespace entry (type as above). */
int fsm_acl_apply(struct store *s, uint64_t index, uint8_t type, void *body);

/* Why namespace ns cannot be deleted now ("" when it can): Nomad's
 * state-store wording, `namespace "x" contains at least one non-terminal
 * job "y". All jobs must be terminal in namespace before it can be
 * deleted`. Pure; used by the endpoint and by apply. */
const char *fsm_namespace_busy(const struct store *s, const char *ns, char *buf,
                               size_t size);

#endif
