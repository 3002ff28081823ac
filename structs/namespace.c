/* structs/namespace.c: the descriptors of namespaces and their checks. */
#include "structs/namespace.h"

#include <string.h>

SCHEMA_DEFINE(namespace_capabilities, NAMESPACE_CAPABILITIES_FIELDS, 0);
SCHEMA_DEFINE(namespace_node_pool_config, NAMESPACE_NODE_POOL_CONFIG_FIELDS, 0);
SCHEMA_DEFINE(namespace, NAMESPACE_FIELDS, 0);

static bool namespace_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

int namespace_validate_name(const char *name, struct err *e)
{
	size_t n = 0;
	for (const char *p = name; p != NULL && *p != '\0'; p++, n++)
		if (!namespace_name_char(*p))
			n = 129;
	if (n >= 1 && n <= 128)
		return ERR_OK;
	return err_set(e, ERR_VALIDATE,
	               "invalid name \"%s\". Must match regex "
	               "^[a-zA-Z0-9-]{1,128}$",
	               name != NULL ? name : "");
}

int namespace_validate(const struct namespace *ns, struct errlist *errs)
{
	size_t before = errs->n;
	struct err e;
	const struct namespace_node_pool_config *np =
	    ns->node_pool_configuration;
	if (namespace_validate_name(ns->name, &e) != ERR_OK)
		errlist_add(errs, "%s", e.msg);
	if (ns->description != NULL &&
	    strlen(ns->description) > NAMESPACE_MAX_DESCRIPTION)
		errlist_add(errs, "description longer than %d",
		            NAMESPACE_MAX_DESCRIPTION);
	if (np != NULL && np->allowed.n > 0 && np->denied.n > 0)
		errlist_add(errs, "invalid node pool configuration: allowed "
		                  "and denied node pools are mutually "
		                  "exclusive");
	return errs->n > before ? ERR_VALIDATE : ERR_OK;
}

bool namespace_allows_driver(const struct namespace *ns, const char *driver)
{
	const struct namespace_capabilities *c = ns->capabilities;
	if (c == NULL)
		return true;
	if (strlist_contains(&c->disabled_task_drivers, driver))
		return false;
	return c->enabled_task_drivers.n == 0 ||
	       strlist_contains(&c->enabled_task_drivers, driver);
}
