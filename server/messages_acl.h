/* server/messages_acl.h: arguments and replies of the ACL.* and
 * Namespace.* endpoints (Nomad's ACLTokenBootstrapRequest,
 * ACLPolicyUpsertRequest, ... trimmed to what steppe uses). */
#ifndef STEPPE_SERVER_MESSAGES_ACL_H
#define STEPPE_SERVER_MESSAGES_ACL_H

#include "structs/structs.h"

/* ACL.Bootstrap: ResetIndex is filled by the server from the reset file;
 * BootstrapSecret (a UUID) is an operator-chosen SecretID. */
#define ACL_BOOTSTRAP_REQUEST_FIELDS(X, S)              \
	X(S, ResetIndex, reset_index, UINT, _, NULL, 0) \
	X(S, BootstrapSecret, bootstrap_secret, STR, _, NULL, 0)
SCHEMA_DECLARE(acl_bootstrap_request, ACL_BOOTSTRAP_REQUEST_FIELDS);

/* ACL.Bootstrap and ACL.UpsertTokens answer the tokens written. */
#define ACL_TOKENS_RESPONSE_FIELDS(X, S)                        \
	X(S, Tokens, tokens, LIST, acl_token, NULL, SF_NONNULL) \
	X(S, Index, index, UINT, _, NULL, 0)
SCHEMA_DECLARE(acl_tokens_response, ACL_TOKENS_RESPONSE_FIELDS);

#define ACL_POLICY_UPSERT_REQUEST_FIELDS(X, S) \
	X(S, Policies, policies, LIST, acl_policy, NULL, 0)
SCHEMA_DECLARE(acl_policy_upsert_request, ACL_POLICY_UPSERT_REQUEST_FIELDS);

/* ACL.DeletePolicies (Names), Namespace.DeleteNamespaces (Namespaces). */
#define ACL_NAMES_REQUEST_FIELDS(X, S)          \
	X(S, Names, names, STRLIST, _, NULL, 0) \
	X(S, Namespaces, namespaces, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(acl_names_request, ACL_NAMES_REQUEST_FIELDS);

/* The answer to a write that returns nothing but its index. */
#define ACL_WRITE_RESPONSE_FIELDS(X, S) X(S, Index, index, UINT, _, NULL, 0)
SCHEMA_DECLARE(acl_write_response, ACL_WRITE_RESPONSE_FIELDS);

/* ACL.GetPolicy (Name), ACL.GetToken (AccessorID), ACL.ResolveToken
 * (SecretID), Namespace.GetNamespace (Name); lists take Prefix. */
#define ACL_SPECIFIC_REQUEST_FIELDS(X, S)                  \
	X(S, Name, name, STR, _, NULL, 0)                  \
	X(S, AccessorID, accessor_id, STR, _, NULL, 0)     \
	X(S, SecretID, secret_id, STR, _, NULL, SF_NOJSON) \
	X(S, Prefix, prefix, STR, _, NULL, 0)              \
	X(S, GlobalOnly, global_only, BOOL, _, NULL, 0)
SCHEMA_DECLARE(acl_specific_request, ACL_SPECIFIC_REQUEST_FIELDS);

/* Nomad's ACLPolicyListStub. */
#define ACL_POLICY_LIST_STUB_FIELDS(X, S)                 \
	X(S, Name, name, STR, _, NULL, 0)                 \
	X(S, Description, description, STR, _, NULL, 0)   \
	X(S, JobACL, job_acl, PTR, job_acl, NULL, 0)      \
	X(S, Hash, hash, BYTES, _, NULL, 0)               \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0) \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(acl_policy_list_stub, ACL_POLICY_LIST_STUB_FIELDS);

#define ACL_POLICY_LIST_RESPONSE_FIELDS(X, S) \
	X(S, Policies, policies, LIST, acl_policy_list_stub, NULL, SF_NONNULL)
SCHEMA_DECLARE(acl_policy_list_response, ACL_POLICY_LIST_RESPONSE_FIELDS);

#define SINGLE_ACL_POLICY_RESPONSE_FIELDS(X, S) \
	X(S, Policy, policy, PTR, acl_policy, NULL, 0)
SCHEMA_DECLARE(single_acl_policy_response, SINGLE_ACL_POLICY_RESPONSE_FIELDS);

#define ACL_TOKEN_UPSERT_REQUEST_FIELDS(X, S) \
	X(S, Tokens, tokens, LIST, acl_token, NULL, 0)
SCHEMA_DECLARE(acl_token_upsert_request, ACL_TOKEN_UPSERT_REQUEST_FIELDS);

#define ACL_TOKEN_DELETE_REQUEST_FIELDS(X, S) \
	X(S, AccessorIDs, accessor_ids, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(acl_token_delete_request, ACL_TOKEN_DELETE_REQUEST_FIELDS);

/* Nomad's ACLTokenListStub: no SecretID, no ExpirationTTL. */
#define ACL_TOKEN_LIST_STUB_FIELDS(X, S)                              \
	X(S, AccessorID, accessor_id, STR, _, NULL, 0)                \
	X(S, Name, name, STR, _, NULL, 0)                             \
	X(S, Type, type, STR, _, NULL, 0)                             \
	X(S, Policies, policies, STRLIST, _, NULL, 0)                 \
	X(S, Roles, roles, LIST, acl_token_role_link, NULL, 0)        \
	X(S, Global, global, BOOL, _, NULL, 0)                        \
	X(S, Hash, hash, BYTES, _, NULL, 0)                           \
	X(S, CreateTime, create_time, TIME, _, NULL, 0)               \
	X(S, ExpirationTime, expiration_time, TIME, _, NULL, SF_OMIT) \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)             \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(acl_token_list_stub, ACL_TOKEN_LIST_STUB_FIELDS);

#define ACL_TOKEN_LIST_RESPONSE_FIELDS(X, S) \
	X(S, Tokens, tokens, LIST, acl_token_list_stub, NULL, SF_NONNULL)
SCHEMA_DECLARE(acl_token_list_response, ACL_TOKEN_LIST_RESPONSE_FIELDS);

/* ACL.GetToken and ACL.ResolveToken. */
#define SINGLE_ACL_TOKEN_RESPONSE_FIELDS(X, S) \
	X(S, Token, token, PTR, acl_token, NULL, 0)
SCHEMA_DECLARE(single_acl_token_response, SINGLE_ACL_TOKEN_RESPONSE_FIELDS);

#define NAMESPACE_UPSERT_REQUEST_FIELDS(X, S) \
	X(S, Namespaces, namespaces, LIST, namespace, NULL, 0)
SCHEMA_DECLARE(namespace_upsert_request, NAMESPACE_UPSERT_REQUEST_FIELDS);

#define NAMESPACE_LIST_RESPONSE_FIELDS(X, S) \
	X(S, Namespaces, namespaces, LIST, namespace, NULL, SF_NONNULL)
SCHEMA_DECLARE(namespace_list_response, NAMESPACE_LIST_RESPONSE_FIELDS);

#define SINGLE_NAMESPACE_RESPONSE_FIELDS(X, S) \
	X(S, Namespace, namespace, PTR, namespace, NULL, 0)
SCHEMA_DECLARE(single_namespace_response, SINGLE_NAMESPACE_RESPONSE_FIELDS);

#endif
