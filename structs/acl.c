/* structs/acl.c: descriptors and cheap checks of ACL policies and tokens. */
#include "structs/acl.h"

#include <string.h>

SCHEMA_DEFINE(job_acl, JOB_ACL_FIELDS, 0);
SCHEMA_DEFINE(acl_policy, ACL_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_token_role_link, ACL_TOKEN_ROLE_LINK_FIELDS, 0);
SCHEMA_DEFINE(acl_token, ACL_TOKEN_FIELDS, 0);

static bool acl_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

static bool acl_eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

static bool acl_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

int acl_policy_validate_name(const char *name, struct err *e)
{
	size_t n = 0;
	for (const char *p = name; p != NULL && *p != '\0'; p++, n++)
		if (!acl_name_char(*p))
			n = 129;
	if (n >= 1 && n <= 128)
		return ERR_OK;
	return err_set(e, ERR_VALIDATE, "invalid name '%s'",
	               name != NULL ? name : "");
}

int acl_policy_validate(const struct acl_policy *p, struct errlist *errs)
{
	size_t before = errs->n;
	struct err e;
	const struct job_acl *j = p->job_acl;
	if (acl_policy_validate_name(p->name, &e) != ERR_OK)
		errlist_add(errs, "%s", e.msg);
	if (p->description != NULL &&
	    strlen(p->description) > ACL_MAX_DESCRIPTION)
		errlist_add(errs, "description longer than %d",
		            ACL_MAX_DESCRIPTION);
	if (j != NULL && !acl_empty(j->job_id) && acl_empty(j->namespace))
		errlist_add(errs, "namespace must be set to set job ID");
	if (j != NULL && !acl_empty(j->group) && acl_empty(j->job_id))
		errlist_add(errs, "job ID must be set to set group");
	if (j != NULL && !acl_empty(j->task) && acl_empty(j->group))
		errlist_add(errs, "group must be set to set task");
	return errs->n > before ? ERR_VALIDATE : ERR_OK;
}

int acl_token_validate(const struct acl_token *t, struct errlist *errs)
{
	size_t before = errs->n;
	bool linked = t->policies.n > 0 || t->roles.n > 0;
	if (t->name != NULL && strlen(t->name) > ACL_MAX_TOKEN_NAME)
		errlist_add(errs, "token name too long");
	if (acl_eq(t->type, ACL_TOKEN_TYPE_CLIENT) && !linked)
		errlist_add(errs, "client token missing policies or roles");
	else if (acl_eq(t->type, ACL_TOKEN_TYPE_MANAGEMENT) && linked)
		errlist_add(errs, "management token cannot be associated with "
		                  "policies or roles");
	else if (!acl_eq(t->type, ACL_TOKEN_TYPE_CLIENT) &&
	         !acl_eq(t->type, ACL_TOKEN_TYPE_MANAGEMENT))
		errlist_add(errs, "token type must be client or management");
	if (t->expiration_ttl < 0)
		errlist_add(errs,
		            "token expiration TTL should not be negative");
	if (t->expiration_time != 0 && t->create_time != 0 &&
	    t->create_time > t->expiration_time)
		errlist_add(errs,
		            "expiration time cannot be before create time");
	return errs->n > before ? ERR_VALIDATE : ERR_OK;
}

bool acl_token_is_management(const struct acl_token *t)
{
	return acl_eq(t->type, ACL_TOKEN_TYPE_MANAGEMENT);
}

bool acl_token_expired(const struct acl_token *t, int64_t now)
{
	return t->expiration_time != 0 && t->expiration_time <= now;
}
