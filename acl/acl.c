/* acl/acl.c: policy documents compiled into rule tables, and the checks
 * (see acl/acl.h for the matching and merging rules). */
#include "acl/acl.h"

#include <string.h>

#include "jobspec/policy.h"
#include "lib/mem.h"
#include "structs/acl.h"

/* One rule: a label (or, for variables, namespace "\0" path) and the
 * capabilities it grants as bits of its vocabulary. */
struct acl_rule {
	char *key;
	size_t len;
	bool glob;
	uint64_t caps;
};

struct acl_rules {
	struct acl_rule *v;
	size_t n, cap;
};

/* Coarse levels in max-privilege order: deny beats everything. */
enum acl_level {
	ACL_LEVEL_NONE = 0,
	ACL_LEVEL_LIST,
	ACL_LEVEL_READ,
	ACL_LEVEL_WRITE,
	ACL_LEVEL_DENY,
};

struct acl {
	int refs; /* < 0: static */
	bool management;
	struct acl_rules ns, vars, hv, pools;
	uint8_t level[ACL_AREA__COUNT];
	uint64_t operator_caps;
};

static struct acl acl_mgmt = {.refs = -1, .management = true};

#define BIT(i) ((uint64_t)1 << (i))

/* ---- vocabularies ------------------------------------------------------ */

static const char *const acl_ns_names[] = {
#define ACL_CAP_NAME(id, name) name,
    ACL_NS_CAPS(ACL_CAP_NAME)
#undef ACL_CAP_NAME
        NULL};

/* Index order = enum acl_var_op. */
static const char *const acl_var_names[] = {"list",    "read", "write",
                                            "destroy", "deny", NULL};
static const char *const acl_hv_names[] = {"deny", "mount-readonly",
                                           "mount-readwrite", NULL};
static const char *const acl_pool_names[] = {"deny", "read", "write", "delete",
                                             NULL};
static const char *const acl_op_names[] = {"deny",
                                           "snapshot-save",
                                           "license-read",
                                           "keyring-rotate",
                                           "keyring-read",
                                           "keyring-delete",
                                           NULL};

struct acl_vocab {
	const char *const *names;
	uint64_t deny;
};

static const struct acl_vocab acl_ns_vocab = {acl_ns_names, BIT(ACL_CAP_DENY)};
static const struct acl_vocab acl_var_vocab = {acl_var_names,
                                               BIT(ACL_VAR_DENY)};
static const struct acl_vocab acl_hv_vocab = {acl_hv_names, BIT(0)};
static const struct acl_vocab acl_pool_vocab = {acl_pool_names, BIT(0)};
static const struct acl_vocab acl_op_vocab = {acl_op_names, BIT(0)};

static int acl_vocab_index(const struct acl_vocab *v, const char *name)
{
	for (int i = 0; name != NULL && v->names[i] != NULL; i++)
		if (strcmp(v->names[i], name) == 0)
			return i;
	return -1;
}

static uint64_t acl_caps_bits(const struct acl_vocab *v,
                              const struct strlist *caps)
{
	uint64_t bits = 0;
	for (size_t i = 0; i < caps->n; i++) {
		int k = acl_vocab_index(v, caps->v[i]);
		if (k >= 0)
			bits |= BIT(k);
	}
	return bits;
}

const char *acl_cap_name(enum acl_cap cap)
{
	return (unsigned)cap < ACL_CAP__COUNT ? acl_ns_names[cap] : "";
}

int acl_cap_from_name(const char *name)
{
	return acl_vocab_index(&acl_ns_vocab, name);
}

static enum acl_level acl_level_of(const char *s)
{
	if (s == NULL)
		return ACL_LEVEL_NONE;
	if (strcmp(s, "deny") == 0)
		return ACL_LEVEL_DENY;
	if (strcmp(s, "write") == 0)
		return ACL_LEVEL_WRITE;
	if (strcmp(s, "read") == 0)
		return ACL_LEVEL_READ;
	if (strcmp(s, "list") == 0)
		return ACL_LEVEL_LIST;
	return ACL_LEVEL_NONE;
}

/* ---- globs ------------------------------------------------------------- */

/* First occurrence of n in h, or -1. */
static long acl_find(const char *h, size_t hlen, const char *n, size_t nlen)
{
	if (nlen == 0)
		return 0;
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (h[i] == n[0] && memcmp(h + i, n, nlen) == 0)
			return (long)i;
	return -1;
}

bool acl_glob(const char *pat, size_t plen, const char *s, size_t slen)
{
	const char *end = pat + plen, *part = pat;
	bool first = true;
	if (plen == 0)
		return slen == 0;
	if (memchr(pat, '*', plen) == NULL)
		return plen == slen && memcmp(pat, s, plen) == 0;
	for (;;) {
		const char *star = memchr(part, '*', (size_t)(end - part));
		size_t n =
		    star != NULL ? (size_t)(star - part) : (size_t)(end - part);
		long idx;
		if (star == NULL) /* the last part ends the subject */
			return n <= slen && memcmp(s + slen - n, part, n) == 0;
		idx = acl_find(s, slen, part, n);
		if (idx < 0 || (first && idx != 0))
			return false;
		s += (size_t)idx + n;
		slen -= (size_t)idx + n;
		part = star + 1;
		first = false;
		if (part == end) /* a trailing '*' takes the rest */
			return true;
	}
}

static size_t acl_stars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '*';
	return k;
}

static int acl_keycmp(const struct acl_rule *a, const struct acl_rule *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->key, b->key, n);
	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* The exact rule for s, else the closest matching glob, else NULL. */
static const struct acl_rule *acl_match(const struct acl_rules *r,
                                        const char *s, size_t len)
{
	const struct acl_rule *best = NULL;
	long bestd = 0;
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].glob && r->v[i].len == len &&
		    memcmp(r->v[i].key, s, len) == 0)
			return &r->v[i];
	for (size_t i = 0; i < r->n; i++) {
		const struct acl_rule *g = &r->v[i];
		long d;
		if (!g->glob || !acl_glob(g->key, g->len, s, len))
			continue;
		d = (long)len - (long)g->len + (long)acl_stars(g->key, g->len);
		if (best == NULL || d < bestd ||
		    (d == bestd && acl_keycmp(g, best) > 0)) {
			best = g;
			bestd = d;
		}
	}
	return best;
}

/* ---- compiling --------------------------------------------------------- */

/* Adds caps under key (len bytes), merging with deny winning. */
static int acl_rules_add(struct acl_rules *r, const char *key, size_t len,
                         uint64_t caps, uint64_t deny)
{
	struct acl_rule *x = NULL;
	for (size_t i = 0; i < r->n && x == NULL; i++)
		if (r->v[i].len == len && memcmp(r->v[i].key, key, len) == 0)
			x = &r->v[i];
	if (x == NULL) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 4;
			struct acl_rule *v = mem_realloc(r->v, cap * sizeof *v);
			if (v == NULL)
				return ERR_NOMEM;
			r->v = v;
			r->cap = cap;
		}
		x = &r->v[r->n];
		x->key = mem_malloc(len + 1);
		if (x->key == NULL)
			return ERR_NOMEM;
		memcpy(x->key, key, len);
		x->key[len] = '\0';
		x->len = len;
		x->glob = memchr(key, '*', len) != NULL;
		x->caps = 0;
		r->n++;
	}
	if (x->caps & deny)
		return ERR_OK;
	x->caps = (caps & deny) ? deny : (x->caps | caps);
	return ERR_OK;
}

static void acl_rules_free(struct acl_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		mem_free(r->v[i].key);
	mem_free(r->v);
}

static int acl_add_vars(struct acl *a, const struct acl_namespace_policy *ns)
{
	const struct acl_variables_policy *vp = ns->variables;
	size_t nlen = ns->name != NULL ? strlen(ns->name) : 0;
	int rc = ERR_OK;
	for (size_t i = 0; vp != NULL && i < vp->paths.n && rc == ERR_OK; i++) {
		const struct acl_variables_path_policy *p = &vp->paths.v[i];
		size_t plen = p->path_spec != NULL ? strlen(p->path_spec) : 0;
		char *key = mem_malloc(nlen + plen + 2);
		if (key == NULL)
			return ERR_NOMEM;
		memcpy(key, ns->name != NULL ? ns->name : "", nlen);
		key[nlen] = '\0';
		memcpy(key + nlen + 1, p->path_spec != NULL ? p->path_spec : "",
		       plen);
		rc = acl_rules_add(
		    &a->vars, key, nlen + 1 + plen,
		    acl_caps_bits(&acl_var_vocab, &p->capabilities),
		    acl_var_vocab.deny);
		mem_free(key);
	}
	return rc;
}

static int acl_add_named(struct acl_rules *r, const char *name,
                         const struct strlist *caps, const struct acl_vocab *v)
{
	const char *n = name != NULL ? name : "";
	return acl_rules_add(r, n, strlen(n), acl_caps_bits(v, caps), v->deny);
}

static void acl_raise(struct acl *a, enum acl_area area, const char *level)
{
	enum acl_level l = acl_level_of(level);
	if (l > a->level[area])
		a->level[area] = (uint8_t)l;
}

static void acl_add_coarse(struct acl *a, const struct acl_policy_doc *p)
{
	if (p->node != NULL)
		acl_raise(a, ACL_AREA_NODE, p->node->policy);
	if (p->agent != NULL)
		acl_raise(a, ACL_AREA_AGENT, p->agent->policy);
	if (p->quota != NULL)
		acl_raise(a, ACL_AREA_QUOTA, p->quota->policy);
	if (p->plugin != NULL)
		acl_raise(a, ACL_AREA_PLUGIN, p->plugin->policy);
	if (p->operator!= NULL) {
		acl_raise(a, ACL_AREA_OPERATOR, p->operator->policy);
		if (!(a->operator_caps & acl_op_vocab.deny)) {
			uint64_t c = acl_caps_bits(&acl_op_vocab,
			                           &p->operator->capabilities);
			a->operator_caps = (c & acl_op_vocab.deny)
			                       ? acl_op_vocab.deny
			                       : a->operator_caps | c;
		}
	}
}

static int acl_add_policy(struct acl *a, const struct acl_policy_doc *p)
{
	int rc = ERR_OK;
	for (size_t i = 0; i < p->namespaces.n && rc == ERR_OK; i++) {
		const struct acl_namespace_policy *ns = &p->namespaces.v[i];
		rc = acl_add_vars(a, ns);
		if (rc == ERR_OK)
			rc = acl_add_named(&a->ns, ns->name, &ns->capabilities,
			                   &acl_ns_vocab);
	}
	for (size_t i = 0; i < p->host_volumes.n && rc == ERR_OK; i++)
		rc = acl_add_named(&a->hv, p->host_volumes.v[i].name,
		                   &p->host_volumes.v[i].capabilities,
		                   &acl_hv_vocab);
	for (size_t i = 0; i < p->node_pools.n && rc == ERR_OK; i++)
		rc = acl_add_named(&a->pools, p->node_pools.v[i].name,
		                   &p->node_pools.v[i].capabilities,
		                   &acl_pool_vocab);
	if (rc == ERR_OK)
		acl_add_coarse(a, p);
	return rc;
}

int acl_compile(const struct acl_policy_doc *const *policies, size_t n,
                struct acl **out)
{
	struct acl *a = mem_calloc(1, sizeof *a);
	int rc = ERR_OK;
	*out = NULL;
	if (a == NULL)
		return ERR_NOMEM;
	a->refs = 1;
	for (size_t i = 0; i < n && rc == ERR_OK; i++)
		if (policies[i] != NULL)
			rc = acl_add_policy(a, policies[i]);
	if (rc != ERR_OK) {
		acl_release(a);
		return rc;
	}
	*out = a;
	return ERR_OK;
}

struct acl *acl_management(void)
{
	return &acl_mgmt;
}

struct acl *acl_ref(struct acl *a)
{
	if (a != NULL && a->refs > 0)
		a->refs++;
	return a;
}

void acl_release(struct acl *a)
{
	if (a == NULL || a->refs < 0 || --a->refs > 0)
		return;
	acl_rules_free(&a->ns);
	acl_rules_free(&a->vars);
	acl_rules_free(&a->hv);
	acl_rules_free(&a->pools);
	mem_free(a);
}

bool acl_is_management(const struct acl *a)
{
	return a != NULL && a->management;
}

/* ---- checks ------------------------------------------------------------ */

static bool acl_any_rule(const struct acl_rules *r, uint64_t want,
                         uint64_t deny)
{
	for (size_t i = 0; i < r->n; i++) {
		uint64_t c = r->v[i].caps;
		if (want != 0 ? (c & want) != 0 : (c != 0 && !(c & deny)))
			return true;
	}
	return false;
}

bool acl_allow_ns_op(const struct acl *a, const char *ns, enum acl_cap cap)
{
	const struct acl_rule *r;
	if (a == NULL || ns == NULL || (unsigned)cap >= ACL_CAP__COUNT)
		return false;
	if (a->management)
		return true;
	if (strcmp(ns, "*") == 0 && acl_any_rule(&a->ns, BIT(cap), 0))
		return true;
	r = acl_match(&a->ns, ns, strlen(ns));
	return r != NULL && (r->caps & BIT(cap)) != 0;
}

bool acl_allow_ns(const struct acl *a, const char *ns)
{
	const struct acl_rule *r;
	uint64_t deny = acl_ns_vocab.deny;
	if (a == NULL || ns == NULL)
		return false;
	if (a->management)
		return true;
	if (strcmp(ns, "*") == 0 && acl_any_rule(&a->ns, 0, deny))
		return true;
	r = acl_match(&a->ns, ns, strlen(ns));
	return r != NULL && r->caps != 0 && !(r->caps & deny);
}

bool acl_allow_variable(const struct acl *a, const char *ns, const char *path,
                        enum acl_var_op op)
{
	char small[512], *key = small;
	size_t nlen, plen;
	const struct acl_rule *r;
	bool ok;
	if (a == NULL || ns == NULL || path == NULL || op > ACL_VAR_DENY)
		return false;
	if (a->management)
		return true;
	if (op == ACL_VAR_DENY)
		return false;
	nlen = strlen(ns);
	plen = strlen(path);
	if (nlen + plen + 1 > sizeof small) {
		key = mem_malloc(nlen + plen + 1);
		if (key == NULL)
			return false;
	}
	memcpy(key, ns, nlen);
	key[nlen] = '\0';
	memcpy(key + nlen + 1, path, plen);
	r = acl_match(&a->vars, key, nlen + 1 + plen);
	ok = r != NULL && !(r->caps & acl_var_vocab.deny) &&
	     (r->caps & BIT(op)) != 0;
	if (key != small)
		mem_free(key);
	return ok;
}

bool acl_allow_variable_search(const struct acl *a, const char *ns)
{
	if (a == NULL || ns == NULL)
		return false;
	if (a->management)
		return true;
	for (size_t i = 0; i < a->vars.n; i++) {
		const struct acl_rule *r = &a->vars.v[i];
		size_t nlen = strlen(r->key); /* the namespace part */
		if (r->caps == 0 || (r->caps & acl_var_vocab.deny))
			continue;
		if (strcmp(ns, "*") == 0 ||
		    acl_glob(r->key, nlen, ns, strlen(ns)))
			return true;
	}
	return false;
}

bool acl_allow(const struct acl *a, enum acl_area area, enum acl_access op)
{
	enum acl_level l;
	if (a == NULL || (unsigned)area >= ACL_AREA__COUNT)
		return false;
	if (a->management)
		return true;
	l = (enum acl_level)a->level[area];
	return l != ACL_LEVEL_DENY && (int)l >= (int)op;
}

bool acl_allow_operator_cap(const struct acl *a, const char *cap)
{
	int k;
	if (a == NULL)
		return false;
	if (a->management)
		return true;
	k = acl_vocab_index(&acl_op_vocab, cap);
	return k > 0 && !(a->operator_caps & acl_op_vocab.deny) &&
	       (a->operator_caps & BIT(k)) != 0;
}

static bool acl_named_op(const struct acl *a, const struct acl_rules *rules,
                         const struct acl_vocab *v, const char *name,
                         const char *cap)
{
	const struct acl_rule *r;
	int k;
	if (a == NULL || name == NULL)
		return false;
	if (a->management)
		return true;
	k = acl_vocab_index(v, cap);
	r = acl_match(rules, name, strlen(name));
	return k >= 0 && r != NULL && !(r->caps & v->deny) &&
	       (r->caps & BIT(k)) != 0;
}

bool acl_allow_host_volume_op(const struct acl *a, const char *name,
                              const char *cap)
{
	return acl_named_op(a, a != NULL ? &a->hv : NULL, &acl_hv_vocab, name,
	                    cap);
}

bool acl_allow_host_volume(const struct acl *a, const char *name)
{
	const struct acl_rule *r;
	if (a == NULL || name == NULL)
		return false;
	if (a->management)
		return true;
	r = acl_match(&a->hv, name, strlen(name));
	return r != NULL && r->caps != 0 && !(r->caps & acl_hv_vocab.deny);
}

bool acl_allow_node_pool_op(const struct acl *a, const char *pool,
                            const char *cap)
{
	return acl_named_op(a, a != NULL ? &a->pools : NULL, &acl_pool_vocab,
	                    pool, cap);
}

/* ---- workload associations ---------------------------------------------- */

static bool acl_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static bool acl_same(const char *want, const char *have)
{
	return have != NULL && strcmp(want, have) == 0;
}

bool acl_job_acl_applies(const struct job_acl *j, const char *ns,
                         const char *job_id, const char *group,
                         const char *task)
{
	if (j == NULL || !acl_set(j->namespace) || !acl_same(j->namespace, ns))
		return false;
	if (!acl_set(j->job_id))
		return true; /* every workload of the namespace */
	if (!acl_same(j->job_id, job_id))
		return false;
	if (acl_set(j->group) && !acl_same(j->group, group))
		return false;
	return !acl_set(j->task) || acl_same(j->task, task);
}
