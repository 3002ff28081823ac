/* server/acl_rules.c: the ACL rule of every endpoint, checked on the
 * dispatch path (endpoint.c) before the handler runs.
 *
 * A caller is an ACL token (server_acl_resolve: management, policies, or
 * no token at all, the anonymous policy) or, for the node RPCs a client
 * agent makes, a node: its SecretID stands in for the token, and only
 * for the node the call names. A SecretID that is not an ACL token
 * reaches nothing else ("ACL token not found", as Nomad answers). With
 * ACLs off every rule passes: the handlers keep checking a node's secret
 * in the arguments as before.
 *
 * The node a call names is read from the Args map without decoding it
 * (Node.UpdateAlloc carries whole allocations): keys match exactly and a
 * repeated key counts by its last value, as the schema decoder reads
 * them, so the check and the handler always see the same node. */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "server/server_int.h"

#define RULE_DENIED "Permission denied"

bool server_secret_equal(const char *a, const char *b)
{
	size_t la, lb;
	unsigned char d;
	if (a == NULL || b == NULL || a[0] == '\0' || b[0] == '\0')
		return false;
	la = strlen(a);
	lb = strlen(b);
	d = la != lb;
	/* Every byte of b is read whatever a holds. */
	for (size_t i = 0; i < lb; i++)
		d |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
	return d == 0;
}

/* ---- the node a call names (msgpack walk) ------------------------------ */

/* The value of key in map o (the last one when repeated), or NULL. */
static const msgpack_object *rule_field(const msgpack_object *o,
                                        const char *key)
{
	const msgpack_object *v = NULL;
	size_t kl = strlen(key);
	if (o == NULL || o->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR &&
		    kv->key.via.str.size == kl &&
		    memcmp(kv->key.via.str.ptr, key, kl) == 0)
			v = &kv->val;
	}
	return v;
}

/* A string value copied into buf; "" when absent, nil, not a string or
 * too long (no node has such an ID). */
static const char *rule_str(const msgpack_object *o, char *buf, size_t size)
{
	buf[0] = '\0';
	if (o != NULL && o->type == MSGPACK_OBJECT_STR &&
	    o->via.str.size < size &&
	    memchr(o->via.str.ptr, '\0', o->via.str.size) == NULL) {
		memcpy(buf, o->via.str.ptr, o->via.str.size);
		buf[o->via.str.size] = '\0';
	}
	return buf;
}

/* What a node credential check found. */
enum rule_node_verdict {
	NODE_OK,
	NODE_DENIED,  /* another node's, or a node named twice */
	NODE_MISSING, /* the named node does not exist (here) */
	NODE_UNKNOWN, /* the secret is nobody's */
};

struct rule_allocs_node {
	const struct node *n; /* of the first known allocation */
	bool seen, mixed;
};

static void rule_alloc_node(struct server *s, const char *alloc_id,
                            struct rule_allocs_node *an)
{
	const struct allocation *a = store_alloc(s->store, alloc_id);
	const struct node *n;
	if (a == NULL)
		return; /* garbage collected: the update skips it */
	n = a->node_id != NULL ? store_node(s->store, a->node_id) : NULL;
	if (!an->seen) {
		an->seen = true;
		an->n = n;
	} else if (an->n != n) {
		an->mixed = true;
	}
}

/* The node holding every known allocation of the list (items are maps
 * with an ID, or ID strings). */
static void rule_allocs_node(struct server *s, const msgpack_object *list,
                             bool maps, struct rule_allocs_node *an)
{
	char id[ID_LEN + 8];
	if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (uint32_t i = 0; i < list->via.array.size && !an->mixed; i++) {
		const msgpack_object *it = &list->via.array.ptr[i];
		rule_str(maps ? rule_field(it, "ID") : it, id, sizeof id);
		if (id[0] != '\0')
			rule_alloc_node(s, id, an);
	}
}

struct rule_secret_scan {
	const char *secret;
	bool found;
};

static bool rule_scan_node(void *data, const struct node *n)
{
	struct rule_secret_scan *sc = data;
	if (server_secret_equal(sc->secret, n->secret_id))
		sc->found = true;
	return !sc->found;
}

/* No allocation names a node: the secret must still be some node's
 * (a scan, only for calls about allocations the servers no longer
 * hold). */
static enum rule_node_verdict rule_any_node(struct server *s,
                                            const char *secret)
{
	struct rule_secret_scan sc = {.secret = secret};
	store_each_node(s->store, NULL, rule_scan_node, &sc);
	return sc.found ? NODE_OK : NODE_UNKNOWN;
}

static enum rule_node_verdict rule_node_secret(const struct node *n,
                                               const char *secret)
{
	return server_secret_equal(secret, n->secret_id) ? NODE_OK
	                                                 : NODE_DENIED;
}

/* Node.Register: the token is the SecretID being registered, and the
 * node's stored one when it exists (the first registration sets it). */
static enum rule_node_verdict
rule_register(struct server *s, const msgpack_object *args, const char *secret)
{
	const msgpack_object *node = rule_field(args, "Node");
	char id[128], sec[128];
	const struct node *n;
	rule_str(rule_field(node, "ID"), id, sizeof id);
	rule_str(rule_field(node, "SecretID"), sec, sizeof sec);
	if (!server_secret_equal(secret, sec))
		return NODE_DENIED;
	n = id[0] != '\0' ? store_node(s->store, id) : NULL;
	if (n != NULL && n->secret_id != NULL && n->secret_id[0] != '\0')
		return rule_node_secret(n, secret);
	return NODE_OK;
}

static enum rule_node_verdict rule_node_check(struct server *s,
                                              const struct rpc_call *call,
                                              unsigned by, const char *secret)
{
	struct rule_allocs_node an = {0};
	char id[128];
	const struct node *n;
	switch (by) {
	case SRV_NODE_REGISTER: return rule_register(s, call->args, secret);
	case SRV_NODE_ARG:
		rule_str(rule_field(call->args, "NodeID"), id, sizeof id);
		n = id[0] != '\0' ? store_node(s->store, id) : NULL;
		return n != NULL ? rule_node_secret(n, secret) : NODE_MISSING;
	case SRV_NODE_ALLOCS:
	case SRV_NODE_ALLOC_IDS:
		rule_allocs_node(s,
		                 rule_field(call->args, by == SRV_NODE_ALLOCS
		                                            ? "Alloc"
		                                            : "AllocIDs"),
		                 by == SRV_NODE_ALLOCS, &an);
		if (an.mixed || (an.seen && an.n == NULL))
			return NODE_DENIED; /* several nodes, or a gone one */
		return an.seen ? rule_node_secret(an.n, secret)
		               : rule_any_node(s, secret);
	default: return NODE_UNKNOWN;
	}
}

/* ---- the check ------------------------------------------------------------
 */

static bool rule_allows(const struct server_acl_rule *r, const struct acl *a,
                        const struct rpc_call *call)
{
	const char *ns;
	switch (r->kind) {
	case SRV_ACL_TOKEN: return true;
	case SRV_ACL_MANAGEMENT:
	case SRV_ACL_NODE: return acl_is_management(a);
	case SRV_ACL_AREA:
		return acl_allow(a, (enum acl_area)r->area,
		                 (enum acl_access)r->access);
	case SRV_ACL_NS:
		ns = server_namespace(call, NULL);
		return acl_allow_ns_op(a, ns, (enum acl_cap)r->cap) ||
		       (r->cap2 >= 0 &&
		        acl_allow_ns_op(a, ns, (enum acl_cap)r->cap2));
	default: return false;
	}
}

/* A token that is not an ACL token, on a rule that takes a node's
 * SecretID. */
static bool rule_check_node(struct server *s, struct rpc_call *call,
                            const struct server_acl_rule *r,
                            bool leader_decides)
{
	switch (rule_node_check(s, call, r->node, call->req.auth_token)) {
	case NODE_OK: return true;
	case NODE_MISSING:
		/* Registered through the leader a moment ago, maybe. */
		if (leader_decides)
			return true;
		rpc_call_error(call, "node not found", NULL);
		return false;
	case NODE_UNKNOWN:
		if (leader_decides)
			return true;
		rpc_call_error(call, "ACL token not found", NULL);
		return false;
	default: rpc_call_error(call, RULE_DENIED, NULL); return false;
	}
}

bool server_acl_check(struct server *s, struct rpc_call *call,
                      const struct server_acl_rule *r, bool leader_decides)
{
	const char *secret = call->req.auth_token;
	struct acl *a = NULL;
	struct err e;
	bool ok;
	if (!s->cfg.acl_enabled || r->kind == SRV_ACL_OPEN ||
	    r->kind == SRV_ACL_GOSSIP)
		return true;
	if (r->node != SRV_NODE_NONE && secret != NULL && secret[0] != '\0' &&
	    store_acl_token_by_secret(s->store, secret) == NULL)
		return rule_check_node(s, call, r, leader_decides);
	err_clear(&e);
	if (server_acl_resolve(s, secret, &a, &e) != ERR_OK) {
		/* A token created a moment ago may not be here yet. */
		if (leader_decides && e.code == ERR_NOTFOUND)
			return true;
		rpc_call_error(call, e.msg, NULL);
		return false;
	}
	ok = rule_allows(r, a, call);
	acl_release(a);
	if (!ok)
		rpc_call_error(call, RULE_DENIED, NULL);
	return ok;
}

/* ---- the rule as text ----------------------------------------------------
 */

static const char *rule_area_name(unsigned area)
{
	static const char *const names[] = {"node", "agent", "operator",
	                                    "quota", "plugin"};
	return area < sizeof names / sizeof names[0] ? names[area] : "?";
}

static const char *rule_access_name(unsigned access)
{
	return access == ACL_WRITE  ? "write"
	       : access == ACL_READ ? "read"
	                            : "list";
}

void server_acl_rule_str(const struct server_acl_rule *r, char *buf,
                         size_t size)
{
	int n = 0;
	switch (r->kind) {
	case SRV_ACL_OPEN: n = snprintf(buf, size, "open"); break;
	case SRV_ACL_GOSSIP: n = snprintf(buf, size, "gossip"); break;
	case SRV_ACL_TOKEN: n = snprintf(buf, size, "token"); break;
	case SRV_ACL_MANAGEMENT: n = snprintf(buf, size, "management"); break;
	case SRV_ACL_NODE: n = snprintf(buf, size, "node-secret"); break;
	case SRV_ACL_AREA:
		n = snprintf(buf, size, "%s:%s%s", rule_area_name(r->area),
		             rule_access_name(r->access),
		             r->node != SRV_NODE_NONE ? "|node-secret" : "");
		break;
	case SRV_ACL_NS:
		n = snprintf(
		    buf, size, "namespace:%s%s%s",
		    acl_cap_name((enum acl_cap)r->cap), r->cap2 >= 0 ? "|" : "",
		    r->cap2 >= 0 ? acl_cap_name((enum acl_cap)r->cap2) : "");
		break;
	default: n = snprintf(buf, size, "unset"); break;
	}
	if (r->object && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "+object");
}
