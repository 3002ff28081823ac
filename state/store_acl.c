/* state/store_acl.c: ACL policies, tokens (by AccessorID and by
 * SecretID) and the bootstrap index. */
#include <stddef.h>

#include "state/state_int.h"

int store_upsert_acl_policy(struct store *s, uint64_t index,
                            const struct acl_policy *p)
{
	return store_put(s, STORE_ACL_POLICIES, index, p);
}

int store_delete_acl_policy(struct store *s, uint64_t index, const char *name)
{
	struct tkey k = tkey1(name);
	return store_del(s, STORE_ACL_POLICIES, index, &k);
}

const struct acl_policy *store_acl_policy(const struct store *s,
                                          const char *name)
{
	struct tkey k = tkey1(name);
	return store_get(s, STORE_ACL_POLICIES, &k);
}

STORE_VISIT_CALLER(policy_call, store_acl_policy_fn, acl_policy)

void store_each_acl_policy(const struct store *s, const char *prefix,
                           store_acl_policy_fn fn, void *data)
{
	struct store_visit v = {.fn = (void (*)(void))fn,
	                        .data = data,
	                        .ns_off = TABLE_NO_OFF,
	                        .call = policy_call};
	struct scan sc = {.prefix = prefix};
	table_scan(&s->t[STORE_ACL_POLICIES], 0, &sc, store_visit_obj, &v);
}

/* A SecretID held by another token is refused (ERR_EXISTS). */
int store_upsert_acl_token(struct store *s, uint64_t index,
                           const struct acl_token *t)
{
	return store_put(s, STORE_ACL_TOKENS, index, t);
}

int store_delete_acl_token(struct store *s, uint64_t index,
                           const char *accessor_id)
{
	struct tkey k = tkey1(accessor_id);
	return store_del(s, STORE_ACL_TOKENS, index, &k);
}

const struct acl_token *store_acl_token(const struct store *s,
                                        const char *accessor_id)
{
	struct tkey k = tkey1(accessor_id);
	return store_get(s, STORE_ACL_TOKENS, &k);
}

const struct acl_token *store_acl_token_by_secret(const struct store *s,
                                                  const char *secret_id)
{
	struct tkey k = tkey1(secret_id);
	const struct row *r;
	if (secret_id == NULL || *secret_id == '\0')
		return NULL;
	r = table_find2(&s->t[STORE_ACL_TOKENS], &k);
	return r != NULL ? r->obj : NULL;
}

STORE_VISIT_CALLER(token_call, store_acl_token_fn, acl_token)

void store_each_acl_token(const struct store *s, const char *prefix,
                          store_acl_token_fn fn, void *data)
{
	struct store_visit v = {.fn = (void (*)(void))fn,
	                        .data = data,
	                        .ns_off = TABLE_NO_OFF,
	                        .call = token_call};
	struct scan sc = {.prefix = prefix};
	table_scan(&s->t[STORE_ACL_TOKENS], 0, &sc, store_visit_obj, &v);
}

uint64_t store_acl_bootstrap_index(const struct store *s)
{
	return s->acl_bootstrap;
}

/* Moves the tokens table too: the bootstrap is a token event, and every
 * write moves some table index. */
int store_set_acl_bootstrap_index(struct store *s, uint64_t index)
{
	s->acl_bootstrap = index;
	store_touch(s, STORE_BIT(STORE_ACL_TOKENS), index);
	return ERR_OK;
}
