/* state/store_tables.c: how each table is keyed and indexed. */
#include <stddef.h>

#include "state/state_int.h"

#define KS1(T, a)                                        \
	{                                                \
		.n = 1, .off = { offsetof(struct T, a) } \
	}
#define KS2(T, a, b)                             \
	{                                        \
		.n = 2,                          \
		.off = { offsetof(struct T, a),  \
			 offsetof(struct T, b) } \
	}
#define KS3(T, a, b, c)                          \
	{                                        \
		.n = 3,                          \
		.off = { offsetof(struct T, a),  \
			 offsetof(struct T, b),  \
			 offsetof(struct T, c) } \
	}

#define IDX(T)                                          \
	.create_off = offsetof(struct T, create_index), \
	.modify_off = offsetof(struct T, modify_index)

static const struct table_desc jobs_desc = {
    .name = "Jobs",
    .what = "job",
    .schema = &job_schema,
    .key = KS2(job, namespace, id),
    .ix = {KS2(job, namespace, id)},
    .nix = 1,
    IDX(job),
    .touch_off = TABLE_NO_OFF,
    .ns_off = offsetof(struct job, namespace),
    .free_aux = store_jobs_free_hist,
};

static const struct table_desc evals_desc = {
    .name = "Evals",
    .what = "evaluation",
    .schema = &evaluation_schema,
    .key = KS1(evaluation, id),
    .ix = {KS1(evaluation, id), KS3(evaluation, namespace, job_id, id)},
    .nix = 2,
    IDX(evaluation),
    .touch_off = TABLE_NO_OFF,
    .ns_off = offsetof(struct evaluation, namespace),
};

/* AllocModifyIndex: set on every upsert for now (Nomad moves it only on
 * server-side changes, not on client status updates). Job: shared, from
 * the job pool (state/store_allocs.c). */
static const struct table_desc allocs_desc = {
    .name = "Allocs",
    .what = "allocation",
    .schema = &allocation_schema,
    .key = KS1(allocation, id),
    .ix = {KS1(allocation, id), KS3(allocation, namespace, job_id, id),
           KS2(allocation, node_id, id)},
    .nix = 3,
    IDX(allocation),
    .touch_off = offsetof(struct allocation, alloc_modify_index),
    .ns_off = offsetof(struct allocation, namespace),
    .copy_in = store_allocs_copy_in,
    .move_in = store_allocs_move_in,
    .release = store_allocs_release,
    .unshare = store_allocs_unshare,
};

static const struct table_desc nodes_desc = {
    .name = "Nodes",
    .what = "node",
    .schema = &node_schema,
    .key = KS1(node, id),
    .ix = {KS1(node, id)},
    .nix = 1,
    IDX(node),
    .touch_off = TABLE_NO_OFF,
    .ns_off = TABLE_NO_OFF,
};

static const struct table_desc acl_policies_desc = {
    .name = "ACLPolicies",
    .what = "ACL policy",
    .schema = &acl_policy_schema,
    .key = KS1(acl_policy, name),
    .ix = {KS1(acl_policy, name)},
    .nix = 1,
    IDX(acl_policy),
    .touch_off = TABLE_NO_OFF,
    .ns_off = TABLE_NO_OFF,
};

static const struct table_desc acl_tokens_desc = {
    .name = "ACLTokens",
    .what = "ACL token",
    .schema = &acl_token_schema,
    .key = KS1(acl_token, accessor_id),
    .ix = {KS1(acl_token, accessor_id)},
    .nix = 1,
    .key2 = KS1(acl_token, secret_id),
    IDX(acl_token),
    .touch_off = TABLE_NO_OFF,
    .ns_off = TABLE_NO_OFF,
};

static const struct table_desc namespaces_desc = {
    .name = "Namespaces",
    .what = "namespace",
    .schema = &namespace_schema,
    .key = KS1(namespace, name),
    .ix = {KS1(namespace, name)},
    .nix = 1,
    IDX(namespace),
    .touch_off = TABLE_NO_OFF,
    .ns_off = TABLE_NO_OFF,
};

static const struct table_desc variables_desc = {
    .name = "Variables",
    .what = "variable",
    .schema = &variable_schema,
    .key = KS2(variable, namespace, path),
    .ix = {KS2(variable, namespace, path)},
    .nix = 1,
    IDX(variable),
    .touch_off = TABLE_NO_OFF,
    .ns_off = offsetof(struct variable, namespace),
};

/* Found by (namespace, ID) as the delete names them; listed by service
 * name. */
static const struct table_desc services_desc = {
    .name = "Services",
    .what = "service registration",
    .schema = &service_registration_schema,
    .key = KS2(service_registration, namespace, id),
    .ix = {KS3(service_registration, namespace, service_name, id)},
    .nix = 1,
    IDX(service_registration),
    .touch_off = TABLE_NO_OFF,
    .ns_off = offsetof(struct service_registration, namespace),
};

const struct table_desc *const store_descs[STORE_TABLES] = {
    [STORE_JOBS] = &jobs_desc,
    [STORE_JOB_VERSIONS] = NULL, /* the versions live in the job's row */
    [STORE_EVALS] = &evals_desc,
    [STORE_ALLOCS] = &allocs_desc,
    [STORE_NODES] = &nodes_desc,
    [STORE_ACL_POLICIES] = &acl_policies_desc,
    [STORE_ACL_TOKENS] = &acl_tokens_desc,
    [STORE_NAMESPACES] = &namespaces_desc,
    [STORE_VARIABLES] = &variables_desc,
    [STORE_SERVICES] = &services_desc,
};

const char *const store_table_names[STORE_TABLES] = {
    [STORE_JOBS] = "Jobs",
    [STORE_JOB_VERSIONS] = "JobVersions",
    [STORE_EVALS] = "Evals",
    [STORE_ALLOCS] = "Allocs",
    [STORE_NODES] = "Nodes",
    [STORE_ACL_POLICIES] = "ACLPolicies",
    [STORE_ACL_TOKENS] = "ACLTokens",
    [STORE_NAMESPACES] = "Namespaces",
    [STORE_VARIABLES] = "Variables",
    [STORE_SERVICES] = "Services",
};
