/* raft/fsm_acl.c: ACL bootstrap, policies, tokens and namespaces applied
 * to the store. Deterministic: every decision reads only the entry and
 * the store. */
#include "raft/fsm_acl.h"

#include <stdio.h>
#include <string.h>

#include "raft/fsm.h"
#include "state/state.h"

SCHEMA_DEFINE(fsm_acl_bootstrap, FSM_ACL_BOOTSTRAP_FIELDS, 0);
SCHEMA_DEFINE(fsm_acl_policies, FSM_ACL_POLICIES_FIELDS, 0);
SCHEMA_DEFINE(fsm_acl_tokens, FSM_ACL_TOKENS_FIELDS, 0);
SCHEMA_DEFINE(fsm_namespaces, FSM_NAMESPACES_FIELDS, 0);

const struct schema *fsm_acl_body_schema(uint8_t type)
{
	switch (type) {
	case FSM_ACL_BOOTSTRAP: return &fsm_acl_bootstrap_schema;
	case FSM_ACL_POLICY_UPSERT:
	case FSM_ACL_POLICY_DELETE: return &fsm_acl_policies_schema;
	case FSM_ACL_TOKEN_UPSERT:
	case FSM_ACL_TOKEN_DELETE: return &fsm_acl_tokens_schema;
	case FSM_NAMESPACE_UPSERT:
	case FSM_NAMESPACE_DELETE: return &fsm_namespaces_schema;
	default: return NULL;
	}
}

static int fsm_acl_bootstrap(struct store *s, uint64_t index,
                             const struct fsm_acl_bootstrap *b)
{
	uint64_t done = store_acl_bootstrap_index(s);
	int rc;
	/* Refused the same way on every server: no change at all. */
	if (done != 0 && b->reset_index != done)
		return ERR_OK;
	rc = store_upsert_acl_token(s, index, &b->token);
	if (rc == ERR_OK)
		rc = store_set_acl_bootstrap_index(s, index);
	return rc;
}

static int fsm_acl_policies(struct store *s, uint64_t index, uint8_t type,
                            const struct fsm_acl_policies *b)
{
	int rc = ERR_OK;
	if (type == FSM_ACL_POLICY_UPSERT) {
		for (size_t i = 0; i < b->policies.n && rc == ERR_OK; i++)
			rc = store_upsert_acl_policy(s, index,
			                             &b->policies.v[i]);
		return rc;
	}
	for (size_t i = 0; i < b->names.n && rc == ERR_OK; i++) {
		rc = store_delete_acl_policy(s, index, b->names.v[i]);
		if (rc == ERR_NOTFOUND)
			rc = ERR_OK;
	}
	return rc;
}

static int fsm_acl_tokens(struct store *s, uint64_t index, uint8_t type,
                          const struct fsm_acl_tokens *b)
{
	int rc = ERR_OK;
	if (type == FSM_ACL_TOKEN_UPSERT) {
		for (size_t i = 0; i < b->tokens.n && rc == ERR_OK; i++)
			rc = store_upsert_acl_token(s, index, &b->tokens.v[i]);
		return rc;
	}
	for (size_t i = 0; i < b->accessor_ids.n && rc == ERR_OK; i++) {
		rc = store_delete_acl_token(s, index, b->accessor_ids.v[i]);
		if (rc == ERR_NOTFOUND)
			rc = ERR_OK;
	}
	return rc;
}

struct fsm_busy_scan {
	const struct job *job;
};

static bool fsm_busy_job(void *data, const struct job *job)
{
	struct fsm_busy_scan *scan = data;
	if (job->status != NULL && strcmp(job->status, JOB_STATUS_DEAD) == 0)
		return true;
	scan->job = job;
	return false;
}

const char *fsm_namespace_busy(const struct store *s, const char *ns, char *buf,
                               size_t size)
{
	struct fsm_busy_scan scan = {NULL};
	if (ns == NULL || strcmp(ns, "default") == 0) {
		snprintf(buf, size, "default namespace can not be deleted");
		return buf;
	}
	store_each_job(s, ns, NULL, fsm_busy_job, &scan);
	if (scan.job == NULL)
		return "";
	snprintf(buf, size,
	         "namespace \"%s\" contains at least one non-terminal job "
	         "\"%s\". All jobs must be terminal in namespace before it "
	         "can be deleted",
	         ns, scan.job->id);
	return buf;
}

static int fsm_namespaces(struct store *s, uint64_t index, uint8_t type,
                          const struct fsm_namespaces *b)
{
	char why[512];
	int rc = ERR_OK;
	if (type == FSM_NAMESPACE_UPSERT) {
		for (size_t i = 0; i < b->namespaces.n && rc == ERR_OK; i++)
			rc = store_upsert_namespace(s, index,
			                            &b->namespaces.v[i]);
		return rc;
	}
	for (size_t i = 0; i < b->names.n; i++)
		if (fsm_namespace_busy(s, b->names.v[i], why, sizeof why)[0])
			return ERR_OK; /* refused as a whole, everywhere */
	for (size_t i = 0; i < b->names.n && rc == ERR_OK; i++) {
		rc = store_delete_namespace(s, index, b->names.v[i]);
		if (rc == ERR_NOTFOUND)
			rc = ERR_OK;
	}
	return rc;
}

int fsm_acl_apply(struct store *s, uint64_t index, uint8_t type, void *body)
{
	switch (type) {
	case FSM_ACL_BOOTSTRAP: return fsm_acl_bootstrap(s, index, body);
	case FSM_ACL_POLICY_UPSERT:
	case FSM_ACL_POLICY_DELETE:
		return fsm_acl_policies(s, index, type, body);
	case FSM_ACL_TOKEN_UPSERT:
	case FSM_ACL_TOKEN_DELETE: return fsm_acl_tokens(s, index, type, body);
	case FSM_NAMESPACE_UPSERT:
	case FSM_NAMESPACE_DELETE: return fsm_namespaces(s, index, type, body);
	default: return ERR_UNSUPPORTED;
	}
}
