/* acl/acl.h: compiled ACL objects and capability checks (reference 3).
 *
 * A set of parsed policy documents (jobspec/policy.h, already expanded:
 * `policy = "read"` turned into its capabilities) is compiled once into an
 * immutable struct acl, which answers checks without allocating:
 *
 *   namespaces    acl_allow_ns_op(acl, "dev", ACL_CAP_SUBMIT_JOB)
 *                 acl_allow_ns(acl, ns): any capability there (list
 *                 filters)
 *   variables     acl_allow_variable(acl, ns, path, ACL_VAR_READ)
 *   coarse rules  acl_allow(acl, ACL_AREA_NODE, ACL_WRITE) for node,
 *                 agent, operator, quota and plugin
 *   host volumes  acl_allow_host_volume_op / acl_allow_host_volume
 *   node pools    acl_allow_node_pool_op
 *
 * Matching (Nomad's acl/acl.go): a rule whose label has no '*' matches
 * that exact name and is used whenever it exists, even when it grants
 * nothing; otherwise the matching glob with the smallest difference
 * len(name) - len(glob) + count('*') wins (ties: the glob that sorts last
 * bytewise, which is what Nomad's comparator ends up choosing). Only one
 * rule applies per check. Variables match the key namespace + "\0" +
 * path the same way, so namespace and path globs both take part.
 *
 * Merging several policies: capabilities of the same label are unioned;
 * "deny" in any of them wipes the label's set to {deny} and keeps it so
 * (deny wins). The same holds for variable paths here (Nomad unions them
 * without a deny override; steppe lets deny win there too). Coarse rules
 * take the highest level with deny > write > read > list.
 *
 * An empty set of policies allows nothing. A NULL acl allows nothing
 * either: there is no "ACLs disabled" NULL, callers are handed
 * acl_management() when ACLs are off, so a lost pointer never becomes a
 * bypass. Pure: no I/O, no clocks; objects are immutable after compile
 * and may be shared. */
#ifndef STEPPE_ACL_ACL_H
#define STEPPE_ACL_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct acl_policy_doc; /* jobspec/policy.h */
struct job_acl;        /* structs/acl.h */

/* Namespace capabilities, Nomad's names in Nomad's order. */
#define ACL_NS_CAPS(X)                                                \
	X(DENY, "deny")                                               \
	X(LIST_JOBS, "list-jobs")                                     \
	X(PARSE_JOB, "parse-job")                                     \
	X(READ_JOB, "read-job")                                       \
	X(SUBMIT_JOB, "submit-job")                                   \
	X(DISPATCH_JOB, "dispatch-job")                               \
	X(READ_LOGS, "read-logs")                                     \
	X(READ_FS, "read-fs")                                         \
	X(ALLOC_EXEC, "alloc-exec")                                   \
	X(ALLOC_NODE_EXEC, "alloc-node-exec")                         \
	X(ALLOC_LIFECYCLE, "alloc-lifecycle")                         \
	X(SENTINEL_OVERRIDE, "sentinel-override")                     \
	X(CSI_REGISTER_PLUGIN, "csi-register-plugin")                 \
	X(CSI_WRITE_VOLUME, "csi-write-volume")                       \
	X(CSI_READ_VOLUME, "csi-read-volume")                         \
	X(CSI_LIST_VOLUME, "csi-list-volume")                         \
	X(CSI_MOUNT_VOLUME, "csi-mount-volume")                       \
	X(HOST_VOLUME_CREATE, "host-volume-create")                   \
	X(HOST_VOLUME_REGISTER, "host-volume-register")               \
	X(HOST_VOLUME_READ, "host-volume-read")                       \
	X(HOST_VOLUME_WRITE, "host-volume-write")                     \
	X(HOST_VOLUME_DELETE, "host-volume-delete")                   \
	X(LIST_SCALING_POLICIES, "list-scaling-policies")             \
	X(READ_SCALING_POLICY, "read-scaling-policy")                 \
	X(READ_JOB_SCALING, "read-job-scaling")                       \
	X(SCALE_JOB, "scale-job")                                     \
	X(SUBMIT_RECOMMENDATION, "submit-recommendation")             \
	X(REGISTER_JOB, "register-job")                               \
	X(REVERT_JOB, "revert-job")                                   \
	X(DEREGISTER_JOB, "deregister-job")                           \
	X(PURGE_JOB, "purge-job")                                     \
	X(EVALUATE_JOB, "evaluate-job")                               \
	X(PLAN_JOB, "plan-job")                                       \
	X(TAG_JOB_VERSION, "tag-job-version")                         \
	X(STABLE_JOB, "stable-job")                                   \
	X(FAIL_DEPLOYMENT, "fail-deployment")                         \
	X(PAUSE_DEPLOYMENT, "pause-deployment")                       \
	X(PROMOTE_DEPLOYMENT, "promote-deployment")                   \
	X(UNBLOCK_DEPLOYMENT, "unblock-deployment")                   \
	X(CANCEL_DEPLOYMENT, "cancel-deployment")                     \
	X(SET_ALLOC_HEALTH_DEPLOYMENT, "set-alloc-health-deployment") \
	X(GC_ALLOCATION, "gc-allocation")                             \
	X(PAUSE_ALLOCATION, "pause-allocation")                       \
	X(FORCE_PERIODIC_JOB, "force-periodic-job")                   \
	X(DELETE_SERVICE_REGISTRATION, "delete-service-registration")

enum acl_cap {
#define ACL_CAP_ENUM(id, name) ACL_CAP_##id,
	ACL_NS_CAPS(ACL_CAP_ENUM)
#undef ACL_CAP_ENUM
	    ACL_CAP__COUNT
};

/* Variable path capabilities. */
enum acl_var_op {
	ACL_VAR_LIST = 0,
	ACL_VAR_READ,
	ACL_VAR_WRITE,
	ACL_VAR_DESTROY,
	ACL_VAR_DENY,
};

/* The blocks that hold a level only (operator may add capabilities). */
enum acl_area {
	ACL_AREA_NODE = 0,
	ACL_AREA_AGENT,
	ACL_AREA_OPERATOR,
	ACL_AREA_QUOTA,
	ACL_AREA_PLUGIN,
	ACL_AREA__COUNT
};

/* What a check asks for: write implies read, read implies list. */
enum acl_access {
	ACL_LIST = 1,
	ACL_READ = 2,
	ACL_WRITE = 3,
};

struct acl;

/* Compiles n policy documents (NULL entries skipped) into *out, which the
 * caller releases with acl_release. n == 0 gives an ACL that allows
 * nothing. Unknown capability names are ignored (they were validated when
 * the policy was written). ERR_OK or ERR_NOMEM (*out NULL). */
int acl_compile(const struct acl_policy_doc *const *policies, size_t n,
                struct acl **out);

/* The management ACL: every check passes. A static object: acl_release
 * and acl_ref accept it and do nothing. */
struct acl *acl_management(void);

/* Another reference to a; returns a. Objects are shared between the
 * resolver's cache and requests in flight; release each reference. */
struct acl *acl_ref(struct acl *a);
/* Drops one reference; frees on the last. NULL is fine. */
void acl_release(struct acl *a);

bool acl_is_management(const struct acl *a);

/* Namespace operation. ns "*" (list across namespaces) is allowed when
 * any namespace rule grants cap; otherwise "*" is matched like a name. */
bool acl_allow_ns_op(const struct acl *a, const char *ns, enum acl_cap cap);
/* True when the rule for ns grants any capability and no deny (used to
 * filter lists). ns "*": when any namespace rule does. */
bool acl_allow_ns(const struct acl *a, const char *ns);

/* Variables: the rule for (ns, path) grants op. A path's "read" implies
 * "list" (the parser adds it); "deny" grants nothing. */
bool acl_allow_variable(const struct acl *a, const char *ns, const char *path,
                        enum acl_var_op op);
/* Any variable rule could grant something in ns ("*": anywhere): the
 * loose check before a list filtered per variable. */
bool acl_allow_variable_search(const struct acl *a, const char *ns);

/* Coarse rules (node, agent, operator, quota, plugin). */
bool acl_allow(const struct acl *a, enum acl_area area, enum acl_access op);
/* An operator capability by name ("snapshot-save", "keyring-read", ...):
 * granted by the operator block's capabilities. */
bool acl_allow_operator_cap(const struct acl *a, const char *cap);

/* Host volumes ("mount-readonly", "mount-readwrite") and node pools
 * ("read", "write", "delete") by name with globs, like namespaces. */
bool acl_allow_host_volume_op(const struct acl *a, const char *name,
                              const char *cap);
bool acl_allow_host_volume(const struct acl *a, const char *name);
bool acl_allow_node_pool_op(const struct acl *a, const char *pool,
                            const char *cap);

/* Nomad's name of a capability ("submit-job"), and back (-1: unknown). */
const char *acl_cap_name(enum acl_cap cap);
int acl_cap_from_name(const char *name);

/* Whether a policy's job association applies to a workload: namespace
 * and job ID compared whole (a policy for job "web" never applies to
 * "web-admin"), group and task when the association names them. A NULL
 * or namespace-less association applies to no workload. */
bool acl_job_acl_applies(const struct job_acl *j, const char *ns,
                         const char *job_id, const char *group,
                         const char *task);

/* '*'-only glob of Nomad (ryanuber/go-glob) over byte strings: '*'
 * matches any run, including an empty one. Exposed for tests. */
bool acl_glob(const char *pat, size_t plen, const char *s, size_t slen);

#endif
