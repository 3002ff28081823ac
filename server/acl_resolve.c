/* server/acl_resolve.c: SecretID -> token -> policies -> compiled ACL,
 * with a small cache of compiled ACLs keyed by AccessorID and dropped as
 * a whole whenever the ACL policy or token tables move. The token itself
 * is looked up on every call (a constant-time compare of the secret in
 * the store's hash), so deletions and expiry take effect at once.
 * Secrets never reach a log line or an error message. */
#include <string.h>

#include "acl/acl.h"
#include "jobspec/policy.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "server/server_int.h"

#define ACL_CACHE_SIZE 64
#define ACL_ANONYMOUS  "anonymous"

struct server_acl_entry {
	char key[ID_LEN + 1]; /* AccessorID, or "anonymous" */
	struct acl *acl;
};

struct server_acl_cache {
	uint64_t index; /* of the ACL tables when the entries were made */
	struct server_acl_entry e[ACL_CACHE_SIZE];
	size_t n, next;
};

static unsigned server_acl_mask(void)
{
	return STORE_BIT(STORE_ACL_POLICIES) | STORE_BIT(STORE_ACL_TOKENS);
}

static void server_acl_cache_clear(struct server_acl_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		acl_release(c->e[i].acl);
	c->n = 0;
	c->next = 0;
}

void server_acl_cache_free(struct server *s)
{
	if (s->acl_cache == NULL)
		return;
	server_acl_cache_clear(s->acl_cache);
	mem_free(s->acl_cache);
	s->acl_cache = NULL;
}

/* The cache, emptied when the ACL tables moved; NULL on oom. */
static struct server_acl_cache *server_acl_cache(struct server *s)
{
	uint64_t index = store_tables_index(s->store, server_acl_mask());
	if (s->acl_cache == NULL) {
		s->acl_cache = mem_calloc(1, sizeof *s->acl_cache);
		if (s->acl_cache == NULL)
			return NULL;
		s->acl_cache->index = index;
	}
	if (s->acl_cache->index != index) {
		server_acl_cache_clear(s->acl_cache);
		s->acl_cache->index = index;
	}
	return s->acl_cache;
}

static struct acl *server_acl_cached(struct server_acl_cache *c,
                                     const char *key)
{
	for (size_t i = 0; c != NULL && i < c->n; i++)
		if (strcmp(c->e[i].key, key) == 0)
			return acl_ref(c->e[i].acl);
	return NULL;
}

static void server_acl_remember(struct server_acl_cache *c, const char *key,
                                struct acl *a)
{
	struct server_acl_entry *e;
	if (c == NULL || strlen(key) > ID_LEN)
		return;
	if (c->n < ACL_CACHE_SIZE) {
		e = &c->e[c->n++];
	} else {
		e = &c->e[c->next];
		c->next = (c->next + 1) % ACL_CACHE_SIZE;
		acl_release(e->acl);
	}
	memcpy(e->key, key, strlen(key) + 1);
	e->acl = acl_ref(a);
}

/* Compiles the named policies that exist (others are ignored, as in
 * Nomad: a token may name a policy created later). A stored policy whose
 * rules no longer parse grants nothing and is logged by name. */
static int server_acl_compile(struct server *s, const struct strlist *names,
                              struct acl **out)
{
	struct acl_policy_doc *docs = NULL;
	const struct acl_policy_doc **ptrs = NULL;
	size_t n = 0;
	int rc = ERR_NOMEM;
	if (names->n > 0) {
		docs = mem_calloc(names->n, sizeof *docs);
		ptrs = mem_calloc(names->n, sizeof *ptrs);
		if (docs == NULL || ptrs == NULL)
			goto out;
	}
	for (size_t i = 0; i < names->n; i++) {
		const struct acl_policy *p =
		    store_acl_policy(s->store, names->v[i]);
		const char *rules;
		struct err e;
		if (p == NULL)
			continue;
		rules = p->rules != NULL ? p->rules : "";
		err_clear(&e);
		if (policy_parse(p->name, rules, strlen(rules), &docs[n], &e) !=
		    ERR_OK) {
			LOG_WARN("acl",
			         "policy \"%s\" does not parse, ignored: %s",
			         p->name, e.msg);
			continue;
		}
		ptrs[n] = &docs[n];
		n++;
	}
	rc = acl_compile(ptrs, n, out);
out:
	for (size_t i = 0; i < n; i++)
		policy_release(&docs[i]);
	mem_free(docs);
	mem_free(ptrs);
	return rc;
}

static int server_acl_for(struct server *s, const char *key,
                          const struct strlist *policies, struct acl **out)
{
	struct server_acl_cache *c = server_acl_cache(s);
	int rc;
	*out = server_acl_cached(c, key);
	if (*out != NULL)
		return ERR_OK;
	rc = server_acl_compile(s, policies, out);
	if (rc == ERR_OK)
		server_acl_remember(c, key, *out);
	return rc;
}

bool server_acl_enabled(const struct server *s)
{
	return s->cfg.acl_enabled;
}

int server_acl_resolve(struct server *s, const char *secret, struct acl **out,
                       struct err *e)
{
	const struct acl_token *t;
	int rc;
	*out = NULL;
	if (!s->cfg.acl_enabled) {
		*out = acl_management();
		return ERR_OK;
	}
	if (secret == NULL || secret[0] == '\0') {
		static char anon[] = ACL_ANONYMOUS;
		char *names[] = {anon};
		struct strlist l = {names, 1};
		rc = server_acl_for(s, ACL_ANONYMOUS, &l, out);
		return rc == ERR_OK ? ERR_OK
		                    : err_set(e, rc, "%s", err_str(rc));
	}
	t = store_acl_token_by_secret(s->store, secret);
	if (t == NULL)
		return err_set(e, ERR_NOTFOUND, "ACL token not found");
	if (acl_token_expired(t, stime_wall_ns()))
		return err_set(e, ERR_DENIED, "ACL token expired");
	if (acl_token_is_management(t)) {
		*out = acl_management();
		return ERR_OK;
	}
	rc = server_acl_for(s, t->accessor_id != NULL ? t->accessor_id : "",
	                    &t->policies, out);
	return rc == ERR_OK ? ERR_OK : err_set(e, rc, "%s", err_str(rc));
}

struct acl *server_acl_caller(struct server *s, struct rpc_call *call)
{
	struct acl *a = NULL;
	struct err e;
	err_clear(&e);
	if (server_acl_resolve(s, call->req.auth_token, &a, &e) != ERR_OK) {
		rpc_call_error(call, e.msg, NULL);
		return NULL;
	}
	return a;
}

bool server_acl_need_management(struct rpc_call *call, const struct acl *a)
{
	if (acl_is_management(a))
		return true;
	rpc_call_error(call, "Permission denied", NULL);
	return false;
}

bool server_acl_allow_ns_op(struct server *s, struct rpc_call *call,
                            const char *ns, int cap)
{
	struct acl *a = server_acl_caller(s, call);
	bool ok;
	if (a == NULL)
		return false;
	ok = acl_allow_ns_op(a, ns, (enum acl_cap)cap);
	acl_release(a);
	if (!ok)
		rpc_call_error(call, "Permission denied", NULL);
	return ok;
}

bool server_acl_may(struct server *s, const struct rpc_call *call,
                    const char *ns, int cap)
{
	struct acl *a = NULL;
	struct err e;
	bool ok;
	err_clear(&e);
	if (server_acl_resolve(s, call->req.auth_token, &a, &e) != ERR_OK)
		return false;
	ok = acl_allow_ns_op(a, ns, (enum acl_cap)cap);
	acl_release(a);
	return ok;
}
