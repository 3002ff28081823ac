/* structs/namespace.h: namespaces (reference 2.15). hcl names are those of
 * a `namespace apply` spec file (name = "...", capabilities {},
 * node_pool_config {}, meta {}). Vault and Consul configurations are
 * Enterprise features, carried free-form. */
#ifndef STEPPE_STRUCTS_NAMESPACE_H
#define STEPPE_STRUCTS_NAMESPACE_H

#include "lib/err.h"
#include "structs/schema.h"
#include "structs/status.h"

#define NAMESPACE_CAPABILITIES_FIELDS(X, S)                            \
	X(S, EnabledTaskDrivers, enabled_task_drivers, STRLIST, _,     \
	  "enabled_task_drivers", 0)                                   \
	X(S, DisabledTaskDrivers, disabled_task_drivers, STRLIST, _,   \
	  "disabled_task_drivers", 0)                                  \
	X(S, EnabledNetworkModes, enabled_network_modes, STRLIST, _,   \
	  "enabled_network_modes", 0)                                  \
	X(S, DisabledNetworkModes, disabled_network_modes, STRLIST, _, \
	  "disabled_network_modes", 0)
SCHEMA_DECLARE(namespace_capabilities, NAMESPACE_CAPABILITIES_FIELDS);

/* Default is the node pool of jobs that name none. */
#define NAMESPACE_NODE_POOL_CONFIG_FIELDS(X, S)           \
	X(S, Default, default_pool, STR, _, "default", 0) \
	X(S, Allowed, allowed, STRLIST, _, "allowed", 0)  \
	X(S, Denied, denied, STRLIST, _, "denied", 0)
SCHEMA_DECLARE(namespace_node_pool_config, NAMESPACE_NODE_POOL_CONFIG_FIELDS);

#define NAMESPACE_FIELDS(X, S)                                                 \
	X(S, Name, name, STR, _, "name", 0)                                    \
	X(S, Description, description, STR, _, "description", 0)               \
	X(S, Quota, quota, STR, _, "quota", 0)                                 \
	X(S, Capabilities, capabilities, PTR, namespace_capabilities,          \
	  "capabilities", 0)                                                   \
	X(S, NodePoolConfiguration, node_pool_configuration, PTR,              \
	  namespace_node_pool_config, "node_pool_config", 0)                   \
	X(S, VaultConfiguration, vault_configuration, VALUE, _, "vault", 0)    \
	X(S, ConsulConfiguration, consul_configuration, VALUE, _, "consul", 0) \
	X(S, Meta, meta, STRMAP, _, "meta", 0)                                 \
	X(S, Hash, hash, BYTES, _, NULL, 0)                                    \
	X(S, CreateIndex, create_index, UINT, _, NULL, 0)                      \
	X(S, ModifyIndex, modify_index, UINT, _, NULL, 0)                      \
	X(S, RequiredExtraClaims, required_extra_claims, STRMAP, _,            \
	  "required_extra_claims", 0)                                          \
	X(S, OptionalExtraClaims, optional_extra_claims, STRMAP, _,            \
	  "optional_extra_claims", 0)
SCHEMA_DECLARE(namespace, NAMESPACE_FIELDS);

#define NAMESPACE_MAX_DESCRIPTION 256

/* Namespace names: ^[a-zA-Z0-9-]{1,128}$. Returns 0, or ERR_VALIDATE with
 * `invalid name "x". Must match regex ^[a-zA-Z0-9-]{1,128}$` (Nomad's
 * wording) in e (e may be NULL). */
int namespace_validate_name(const char *name, struct err *e);

/* Name, description length (at most 256) and node pool configuration
 * (allowed and denied are exclusive). Appends to errs; returns ERR_OK or
 * ERR_VALIDATE. */
int namespace_validate(const struct namespace *ns, struct errlist *errs);

/* True when the namespace lets jobs use this task driver (enabled list
 * empty or containing it, and not disabled). */
bool namespace_allows_driver(const struct namespace *ns, const char *driver);

#endif
