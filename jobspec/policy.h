/* jobspec/policy.h: Nomad's ACL policy language (the `Rules` of an ACL
 * policy) parsed, validated and expanded.
 *
 * The parsed document mirrors Nomad's acl.Policy, whose JSON is the
 * `RulesJSON` of an ACL policy read back from the API:
 *
 *   namespace "<name or glob>" {          repeatable, label required
 *     policy       = "read"               deny | read | write | scale
 *     capabilities = ["submit-job"]       fine-grained, added to policy
 *     variables {                         at most one
 *       path "<glob>" { capabilities = ["read", "list"] }
 *     }
 *   }
 *   node_pool "<glob>" { policy, capabilities }
 *   host_volume "<glob>" { policy, capabilities }
 *   agent { policy }  node { policy }  quota { policy }
 *   operator { policy, capabilities }  sentinel { policy, capabilities }
 *   plugin { policy }                      deny | read | list | write
 *
 * After parsing, the `policy` shorthand of each block is expanded into
 * its capabilities exactly as Nomad does (acl/policy.go): the expansion is
 * appended to the capabilities written by hand, host volume capabilities
 * imply the lesser ones, a variable path's "read" adds "list" and "deny"
 * collapses its list to ["deny"]. `Policy` keeps the string as written.
 * Like Nomad, duplicates the expansion produces are kept; the ACL module
 * treats capability lists as sets. */
#ifndef STEPPE_JOBSPEC_POLICY_H
#define STEPPE_JOBSPEC_POLICY_H

#include <stddef.h>

#include "lib/err.h"
#include "structs/schema.h"

#define ACL_VARIABLES_PATH_POLICY_FIELDS(X, S)            \
	X(S, PathSpec, path_spec, STR, _, NULL, SF_LABEL) \
	X(S, Capabilities, capabilities, STRLIST, _, "capabilities", 0)
SCHEMA_DECLARE(acl_variables_path_policy, ACL_VARIABLES_PATH_POLICY_FIELDS);

#define ACL_VARIABLES_POLICY_FIELDS(X, S) \
	X(S, Paths, paths, LIST, acl_variables_path_policy, "path", 0)
SCHEMA_DECLARE(acl_variables_policy, ACL_VARIABLES_POLICY_FIELDS);

#define ACL_NAMESPACE_POLICY_FIELDS(X, S)                               \
	X(S, Name, name, STR, _, NULL, SF_LABEL)                        \
	X(S, Policy, policy, STR, _, "policy", 0)                       \
	X(S, Capabilities, capabilities, STRLIST, _, "capabilities", 0) \
	X(S, Variables, variables, PTR, acl_variables_policy, "variables", 0)
SCHEMA_DECLARE(acl_namespace_policy, ACL_NAMESPACE_POLICY_FIELDS);

#define ACL_NODE_POOL_POLICY_FIELDS(X, S)         \
	X(S, Name, name, STR, _, NULL, SF_LABEL)  \
	X(S, Policy, policy, STR, _, "policy", 0) \
	X(S, Capabilities, capabilities, STRLIST, _, "capabilities", 0)
SCHEMA_DECLARE(acl_node_pool_policy, ACL_NODE_POOL_POLICY_FIELDS);

#define ACL_HOST_VOLUME_POLICY_FIELDS(X, S)       \
	X(S, Name, name, STR, _, NULL, SF_LABEL)  \
	X(S, Policy, policy, STR, _, "policy", 0) \
	X(S, Capabilities, capabilities, STRLIST, _, "capabilities", 0)
SCHEMA_DECLARE(acl_host_volume_policy, ACL_HOST_VOLUME_POLICY_FIELDS);

/* agent, node, quota and plugin blocks hold a policy only. */
#define ACL_LEVEL_POLICY_FIELDS(X, S) X(S, Policy, policy, STR, _, "policy", 0)
SCHEMA_DECLARE(acl_agent_policy, ACL_LEVEL_POLICY_FIELDS);
SCHEMA_DECLARE(acl_node_policy, ACL_LEVEL_POLICY_FIELDS);
SCHEMA_DECLARE(acl_quota_policy, ACL_LEVEL_POLICY_FIELDS);
SCHEMA_DECLARE(acl_plugin_policy, ACL_LEVEL_POLICY_FIELDS);

/* operator and sentinel blocks take capabilities too. */
#define ACL_CAPS_POLICY_FIELDS(X, S)              \
	X(S, Policy, policy, STR, _, "policy", 0) \
	X(S, Capabilities, capabilities, STRLIST, _, "capabilities", 0)
SCHEMA_DECLARE(acl_operator_policy, ACL_CAPS_POLICY_FIELDS);
SCHEMA_DECLARE(acl_sentinel_policy, ACL_CAPS_POLICY_FIELDS);

/* Raw is the source text; ExtraKeysHCL is always null (Nomad clears it
 * after a strict parse) and is kept for the JSON shape only. */
#define ACL_POLICY_DOC_FIELDS(X, S)                                           \
	X(S, Namespaces, namespaces, LIST, acl_namespace_policy, "namespace", \
	  0)                                                                  \
	X(S, NodePools, node_pools, LIST, acl_node_pool_policy, "node_pool",  \
	  0)                                                                  \
	X(S, HostVolumes, host_volumes, LIST, acl_host_volume_policy,         \
	  "host_volume", 0)                                                   \
	X(S, Agent, agent, PTR, acl_agent_policy, "agent", 0)                 \
	X(S, Node, node, PTR, acl_node_policy, "node", 0)                     \
	X(S, Operator, operator, PTR, acl_operator_policy, "operator", 0)     \
	X(S, Sentinel, sentinel, PTR, acl_sentinel_policy, "sentinel", 0)     \
	X(S, Quota, quota, PTR, acl_quota_policy, "quota", 0)                 \
	X(S, Plugin, plugin, PTR, acl_plugin_policy, "plugin", 0)             \
	X(S, Raw, raw, STR, _, NULL, 0)                                       \
	X(S, ExtraKeysHCL, extra_keys_hcl, STRLIST, _, NULL, 0)
SCHEMA_DECLARE(acl_policy_doc, ACL_POLICY_DOC_FIELDS);

/* Largest policy text accepted, in bytes. */
#define POLICY_MAX_SIZE (1024u * 1024)

/* Parses, validates and expands the policy rules in src (len bytes, need
 * not be NUL-terminated) into a zeroed out. filename names the source in
 * messages, which are "FILE:LINE:COL: message":
 *   missing name for "namespace" block in policy: a label is required
 *   invalid namespace name "a b": must match ^[a-zA-Z0-9-*]{1,128}$
 *   invalid namespace policy "foo": must be one of "deny", "read", ...
 *   invalid namespace capability "foo"
 *   invalid variable path "/x" in namespace "dev": cannot start with a
 *     leading "/"
 *   unsupported block type "bogus" in policy
 *   invalid policy: no rules
 * Returns ERR_OK, ERR_PARSE or ERR_NOMEM. On success the caller releases
 * out with schema_release(&acl_policy_doc_schema, out) (or policy_release);
 * on error out is released. */
int policy_parse(const char *filename, const char *src, size_t len,
                 struct acl_policy_doc *out, struct err *e);

void policy_release(struct acl_policy_doc *doc);

/* Every capability valid in a namespace block, in Nomad's order. Static
 * storage; *n receives the count. */
const char *const *policy_namespace_capabilities(size_t *n);
/* The same for variable paths, node pools, host volumes and operator. */
const char *const *policy_variables_capabilities(size_t *n);
const char *const *policy_node_pool_capabilities(size_t *n);
const char *const *policy_host_volume_capabilities(size_t *n);
const char *const *policy_operator_capabilities(size_t *n);

#endif
