/* structs/acl.h: ACL policies and tokens (reference 2.13 and 3).
 *
 * ACLToken.SecretID is an ordinary field: the API layer blanks it where
 * Nomad does (list stubs, other tokens). ExpirationTime is a *time.Time in
 * Nomad (JSON null when unset); here 0 means unset and it is left out of
 * the JSON then (SF_OMIT). RulesJSON is the parsed policy, free-form. */
#ifndef STEPPE_STRUCTS_ACL_H
#define STEPPE_STRUCTS_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "structs/schema.h"
#include "structs/status.h"

/* Attaches a policy to workloads: {Namespace[, JobID[, Group[, Task]]]}. */
#define JOB_ACL_FIELDS(X, S)                        \
	X(S, Namespace, namespace, STR, _, NULL, 0) \
	X(S, JobID, job_id, STR, _, NULL, 0)        \
	X(S, Group, group, STR, _, NULL, 0)         \
	X(S, Task, task, STR, _, NULL, 0)
SCHEMA_DECLARE(job_acl, JOB_ACL_FIELDS);

#define ACL_POLICY_FIELDS(X, S)                           \
	X(S, Name, name, STR, _, NULL, 0)                 \
	X(S, Description, description, STR, _, NULL, 0)   \
	X(S, Rules, rules, STR, _, NULL, 0)               \
	X(S, RulesJSON, rules_json, VALUE, _, NULL, 0)    \
	X(S, JobACL, job_acl, PTR, job_acl, NULL, 0)      \
	X(S, Hash, hash, BYTES, _, NULL, 0)               \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0) \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(acl_policy, ACL_POLICY_FIELDS);

#define ACL_TOKEN_ROLE_LINK_FIELDS(X, S) \
	X(S, ID, id, STR, _, NULL, 0)    \
	X(S, Name, name, STR, _, NULL, 0)
SCHEMA_DECLARE(acl_token_role_link, ACL_TOKEN_ROLE_LINK_FIELDS);

#define ACL_TOKEN_FIELDS(X, S)                                        \
	X(S, AccessorID, accessor_id, STR, _, NULL, 0)                \
	X(S, SecretID, secret_id, STR, _, NULL, 0)                    \
	X(S, Name, name, STR, _, NULL, 0)                             \
	X(S, Type, type, STR, _, NULL, 0)                             \
	X(S, Policies, policies, STRLIST, _, NULL, 0)                 \
	X(S, Roles, roles, LIST, acl_token_role_link, NULL, 0)        \
	X(S, Global, global, BOOL, _, NULL, 0)                        \
	X(S, Hash, hash, BYTES, _, NULL, 0)                           \
	X(S, CreateTime, create_time, TIME, _, NULL, 0)               \
	X(S, ExpirationTime, expiration_time, TIME, _, NULL, SF_OMIT) \
	X(S, ExpirationTTL, expiration_ttl, DUR, _, NULL, 0)          \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)             \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)
SCHEMA_DECLARE(acl_token, ACL_TOKEN_FIELDS);

#define ACL_MAX_DESCRIPTION 256
#define ACL_MAX_TOKEN_NAME  256

/* Policy names: ^[a-zA-Z0-9-]{1,128}$. Returns 0, or ERR_VALIDATE with
 * "invalid name 'x'" in e (e may be NULL). */
int acl_policy_validate_name(const char *name, struct err *e);

/* Name, description length and JobACL consistency (JobID needs Namespace,
 * Group needs JobID, Task needs Group). The rules themselves are checked
 * by acl/ (which parses them). Appends to errs; returns ERR_OK or
 * ERR_VALIDATE. */
int acl_policy_validate(const struct acl_policy *p, struct errlist *errs);

/* Name length, type and its policies/roles, a non-negative TTL. Appends
 * to errs; returns ERR_OK or ERR_VALIDATE. */
int acl_token_validate(const struct acl_token *t, struct errlist *errs);

/* True for a management token. */
bool acl_token_is_management(const struct acl_token *t);
/* True when the token has an expiration time at or before now (Unix ns). */
bool acl_token_expired(const struct acl_token *t, int64_t now);

#endif
