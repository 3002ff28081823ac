/* ACL policy rules: decode with the generic HCL decoder, validate in its
 * hook (so every error has the position of what is wrong), then expand the
 * policy shorthands as Nomad's acl/policy.go does. */
#include "jobspec/policy.h"

#include <string.h>

#include "jobspec/hcl.h"
#include "jobspec/hcl_decode.h"
#include "lib/mem.h"

SCHEMA_DEFINE(acl_variables_path_policy, ACL_VARIABLES_PATH_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_variables_policy, ACL_VARIABLES_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_namespace_policy, ACL_NAMESPACE_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_node_pool_policy, ACL_NODE_POOL_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_host_volume_policy, ACL_HOST_VOLUME_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_agent_policy, ACL_LEVEL_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_node_policy, ACL_LEVEL_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_quota_policy, ACL_LEVEL_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_plugin_policy, ACL_LEVEL_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_operator_policy, ACL_CAPS_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_sentinel_policy, ACL_CAPS_POLICY_FIELDS, 0);
SCHEMA_DEFINE(acl_policy_doc, ACL_POLICY_DOC_FIELDS, 0);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- vocabulary ------------------------------------------------------ */

static const char *const policy_levels[] = {"deny", "read", "write", "scale",
                                            NULL};
static const char *const policy_plugin_levels[] = {"deny", "read", "list",
                                                   "write", NULL};

static const char *const policy_ns_caps[] = {
    "deny",
    "list-jobs",
    "parse-job",
    "read-job",
    "submit-job",
    "dispatch-job",
    "read-logs",
    "read-fs",
    "alloc-exec",
    "alloc-node-exec",
    "alloc-lifecycle",
    "sentinel-override",
    "csi-register-plugin",
    "csi-write-volume",
    "csi-read-volume",
    "csi-list-volume",
    "csi-mount-volume",
    "host-volume-create",
    "host-volume-register",
    "host-volume-read",
    "host-volume-write",
    "host-volume-delete",
    "list-scaling-policies",
    "read-scaling-policy",
    "read-job-scaling",
    "scale-job",
    "submit-recommendation",
    "register-job",
    "revert-job",
    "deregister-job",
    "purge-job",
    "evaluate-job",
    "plan-job",
    "tag-job-version",
    "stable-job",
    "fail-deployment",
    "pause-deployment",
    "promote-deployment",
    "unblock-deployment",
    "cancel-deployment",
    "set-alloc-health-deployment",
    "gc-allocation",
    "pause-allocation",
    "force-periodic-job",
    "delete-service-registration",
    NULL,
};
static const char *const policy_var_caps[] = {"list",    "read", "write",
                                              "destroy", "deny", NULL};
static const char *const policy_pool_caps[] = {"delete", "deny", "read",
                                               "write", NULL};
static const char *const policy_hv_caps[] = {"deny", "mount-readonly",
                                             "mount-readwrite", NULL};
static const char *const policy_op_caps[] = {"deny",
                                             "snapshot-save",
                                             "license-read",
                                             "keyring-rotate",
                                             "keyring-read",
                                             "keyring-delete",
                                             NULL};
static const char *const policy_sentinel_caps[] = {
    "deny", "sentinel-read", "sentinel-submit", "sentinel-delete", NULL};

const char *const *policy_namespace_capabilities(size_t *n)
{
	*n = NELEM(policy_ns_caps) - 1;
	return policy_ns_caps;
}

const char *const *policy_variables_capabilities(size_t *n)
{
	*n = NELEM(policy_var_caps) - 1;
	return policy_var_caps;
}

const char *const *policy_node_pool_capabilities(size_t *n)
{
	*n = NELEM(policy_pool_caps) - 1;
	return policy_pool_caps;
}

const char *const *policy_host_volume_capabilities(size_t *n)
{
	*n = NELEM(policy_hv_caps) - 1;
	return policy_hv_caps;
}

const char *const *policy_operator_capabilities(size_t *n)
{
	*n = NELEM(policy_op_caps) - 1;
	return policy_op_caps;
}

static bool policy_in(const char *const *set, const char *s)
{
	for (; *set != NULL; set++)
		if (strcmp(*set, s) == 0)
			return true;
	return false;
}

/* ---- per-block rules --------------------------------------------------- */

/* What each kind of block accepts. name_chars: the characters allowed in
 * the block's label besides letters and digits (NULL: no label). */
struct policy_rule {
	const struct schema *schema;
	const char *block;
	const char *what;
	const char *name_chars;
	const char *name_re;
	const char *const *levels;
	bool need_policy;
	const char *const *caps;
};

static const struct policy_rule policy_rules[] = {
    {&acl_namespace_policy_schema, "namespace", "namespace", "-*",
     "^[a-zA-Z0-9-*]{1,128}$", policy_levels, false, policy_ns_caps},
    {&acl_node_pool_policy_schema, "node_pool", "node pool", "-_*",
     "^[a-zA-Z0-9-_*]{1,128}$", policy_levels, false, policy_pool_caps},
    {&acl_host_volume_policy_schema, "host_volume", "host volume", "-*",
     "^[a-zA-Z0-9-*]{1,128}$", policy_levels, false, policy_hv_caps},
    {&acl_agent_policy_schema, "agent", "agent", NULL, NULL, policy_levels,
     true, NULL},
    {&acl_node_policy_schema, "node", "node", NULL, NULL, policy_levels, true,
     NULL},
    {&acl_operator_policy_schema, "operator", "operator", NULL, NULL,
     policy_levels, false, policy_op_caps},
    {&acl_sentinel_policy_schema, "sentinel", "sentinel", NULL, NULL,
     policy_levels, false, policy_sentinel_caps},
    {&acl_quota_policy_schema, "quota", "quota", NULL, NULL, policy_levels,
     true, NULL},
    {&acl_plugin_policy_schema, "plugin", "plugin", NULL, NULL,
     policy_plugin_levels, true, NULL},
    {&acl_variables_path_policy_schema, "path", "variable", NULL, NULL, NULL,
     false, policy_var_caps},
};

static const struct policy_rule *policy_rule_by_schema(const struct schema *s)
{
	for (size_t i = 0; i < NELEM(policy_rules); i++)
		if (policy_rules[i].schema == s)
			return &policy_rules[i];
	return NULL;
}

static const struct policy_rule *policy_rule_by_block(const char *type)
{
	for (size_t i = 0; i < NELEM(policy_rules); i++)
		if (strcmp(policy_rules[i].block, type) == 0)
			return &policy_rules[i];
	return NULL;
}

/* Decoding state shared with the hook. */
struct policy_state {
	const char *ns; /* label of the namespace block being decoded */
};

/* "\"deny\", \"read\", \"write\", \"scale\"" into buf. */
static const char *policy_levels_str(const char *const *levels, char *buf,
                                     size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (; *levels != NULL && off < size; levels++) {
		int n = snprintf(buf + off, size - off, "%s\"%s\"",
		                 off > 0 ? ", " : "", *levels);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

static bool policy_name_ok(const char *name, const char *extra)
{
	size_t n = strlen(name);
	if (n == 0 || n > 128)
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		char c = *p;
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		             (c >= '0' && c <= '9');
		if (!alnum && strchr(extra, c) == NULL)
			return false;
	}
	return true;
}

/* ---- validation in the hook -------------------------------------------- */

static int policy_check_level(struct hcl_decode *d, const struct policy_rule *r,
                              const struct hcl_attr *a)
{
	struct hcl_val v;
	char *s = NULL;
	char levels[128];
	int rc = hcl_decode_eval(d, a, &v);
	if (rc == ERR_OK)
		rc = hcl_decode_string(d, &v, a->name, &s);
	if (rc == ERR_OK &&
	    (s != NULL && s[0] != '\0' ? !policy_in(r->levels, s)
	                               : r->need_policy))
		rc = hcl_decode_fail(
		    d, v.pos,
		    "invalid %s policy \"%.60s\": must be one "
		    "of %s",
		    r->what, s != NULL ? s : "",
		    policy_levels_str(r->levels, levels, sizeof levels));
	mem_free(s);
	hcl_val_release(&v);
	return rc;
}

static int policy_check_cap(struct hcl_decode *d, const struct policy_rule *r,
                            const struct hcl_val *item,
                            const struct policy_state *st)
{
	char *s = NULL;
	int rc = hcl_decode_string(d, item, "capabilities", &s);
	if (rc != ERR_OK || (s != NULL && policy_in(r->caps, s)))
		goto free_s;
	if (r->schema == &acl_variables_path_policy_schema)
		rc = hcl_decode_fail(d, item->pos,
		                     "invalid variable capability \"%.60s\" in "
		                     "namespace \"%s\"",
		                     s != NULL ? s : "", st->ns);
	else
		rc = hcl_decode_fail(d, item->pos,
		                     "invalid %s capability \"%.60s\"", r->what,
		                     s != NULL ? s : "");
free_s:
	mem_free(s);
	return rc;
}

/* Checks every element; a value that is not a list is left to the generic
 * decoder, which reports it. */
static int policy_check_caps(struct hcl_decode *d, const struct policy_rule *r,
                             const struct hcl_attr *a)
{
	const struct policy_state *st = d->data;
	struct hcl_val v;
	int rc = hcl_decode_eval(d, a, &v);
	if (rc == ERR_OK && v.kind == HCL_LIST)
		for (size_t i = 0; i < v.n && rc == ERR_OK; i++)
			rc = policy_check_cap(d, r, &v.items[i], st);
	hcl_val_release(&v);
	return rc;
}

static bool policy_body_has(const struct hcl_body *body, enum hcl_item_kind k,
                            const char *name)
{
	for (size_t i = 0; i < body->n; i++) {
		const struct hcl_item *it = &body->items[i];
		const char *n =
		    k == HCL_ITEM_ATTR ? it->u.attr.name : it->u.block.type;
		if (it->kind == k && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

/* A top-level block: its label names something, and blocks that hold only
 * a policy must have one. */
static int policy_check_top_block(struct hcl_decode *d,
                                  const struct hcl_block *b)
{
	struct policy_state *st = d->data;
	const struct policy_rule *r = policy_rule_by_block(b->type);
	char levels[128];
	if (r == NULL || r->schema == &acl_variables_path_policy_schema)
		return ERR_OK;
	if (r->name_chars != NULL && b->nlabels > 0) {
		if (!policy_name_ok(b->labels[0], r->name_chars))
			return hcl_decode_fail(
			    d, b->label_pos[0],
			    "invalid %s name \"%.60s\": must "
			    "match %s",
			    r->what, b->labels[0], r->name_re);
		if (r->schema == &acl_namespace_policy_schema)
			st->ns = b->labels[0];
	}
	if (r->need_policy &&
	    !policy_body_has(b->body, HCL_ITEM_ATTR, "policy"))
		return hcl_decode_fail(
		    d, b->pos,
		    "missing policy in \"%s\" block: must be "
		    "one of %s",
		    b->type,
		    policy_levels_str(r->levels, levels, sizeof levels));
	return ERR_OK;
}

static int policy_check_path_block(struct hcl_decode *d,
                                   const struct hcl_block *b)
{
	const struct policy_state *st = d->data;
	if (b->nlabels == 0)
		return ERR_OK; /* the generic decoder asks for the label */
	if (b->labels[0][0] == '\0')
		return hcl_decode_fail(d, b->label_pos[0],
		                       "missing variable path in namespace "
		                       "\"%s\"",
		                       st->ns);
	if (b->labels[0][0] == '/')
		return hcl_decode_fail(d, b->label_pos[0],
		                       "invalid variable path \"%.60s\" in "
		                       "namespace \"%s\": cannot start with a "
		                       "leading \"/\"",
		                       b->labels[0], st->ns);
	return ERR_OK;
}

static int policy_check_block(struct hcl_decode *d, const struct schema *s,
                              const struct hcl_block *b)
{
	const struct policy_state *st = d->data;
	if (s == &acl_policy_doc_schema)
		return policy_check_top_block(d, b);
	if (s == &acl_namespace_policy_schema &&
	    strcmp(b->type, "variables") == 0 &&
	    !policy_body_has(b->body, HCL_ITEM_BLOCK, "path"))
		return hcl_decode_fail(d, b->pos,
		                       "invalid variable policy: no variable "
		                       "paths in namespace \"%s\"",
		                       st->ns);
	if (s == &acl_variables_policy_schema && strcmp(b->type, "path") == 0)
		return policy_check_path_block(d, b);
	return ERR_OK;
}

/* Validates items before the generic decoder stores them; never consumes
 * an item itself. */
static int policy_hook(struct hcl_decode *d, const struct schema *s, void *obj,
                       const struct hcl_item *it, const char *where,
                       bool *handled)
{
	const struct policy_rule *r;
	(void)obj;
	(void)where;
	*handled = false;
	if (it->kind == HCL_ITEM_BLOCK)
		return policy_check_block(d, s, &it->u.block);
	r = policy_rule_by_schema(s);
	if (r == NULL)
		return ERR_OK;
	if (r->levels != NULL && strcmp(it->u.attr.name, "policy") == 0)
		return policy_check_level(d, r, &it->u.attr);
	if (r->caps != NULL && strcmp(it->u.attr.name, "capabilities") == 0)
		return policy_check_caps(d, r, &it->u.attr);
	return ERR_OK;
}

/* ---- expansion ----------------------------------------------------------- */

static int policy_push_all(struct strlist *l, const char *const *caps)
{
	for (; *caps != NULL; caps++)
		if (strlist_push(l, *caps) != 0)
			return ERR_NOMEM;
	return ERR_OK;
}

static const char *const ns_read[] = {"list-jobs",
                                      "parse-job",
                                      "read-job",
                                      "csi-list-volume",
                                      "csi-read-volume",
                                      "read-job-scaling",
                                      "list-scaling-policies",
                                      "read-scaling-policy",
                                      "host-volume-read",
                                      NULL};
static const char *const ns_write_extra[] = {"scale-job",
                                             "submit-job",
                                             "dispatch-job",
                                             "read-logs",
                                             "read-fs",
                                             "alloc-exec",
                                             "alloc-lifecycle",
                                             "csi-mount-volume",
                                             "csi-write-volume",
                                             "submit-recommendation",
                                             "host-volume-create",
                                             NULL};
static const char *const ns_scale[] = {"list-scaling-policies",
                                       "read-scaling-policy",
                                       "read-job-scaling",
                                       "scale-job",
                                       "read-job",
                                       "submit-recommendation",
                                       NULL};
static const char *const only_deny[] = {"deny", NULL};

static int policy_expand_ns_level(struct strlist *caps, const char *level)
{
	int rc = ERR_OK;
	if (level == NULL || level[0] == '\0')
		return ERR_OK;
	if (strcmp(level, "deny") == 0)
		return policy_push_all(caps, only_deny);
	if (strcmp(level, "scale") == 0)
		return policy_push_all(caps, ns_scale);
	if (strcmp(level, "read") == 0 || strcmp(level, "write") == 0)
		rc = policy_push_all(caps, ns_read);
	if (rc == ERR_OK && strcmp(level, "write") == 0)
		rc = policy_push_all(caps, ns_write_extra);
	return rc;
}

/* Host volume capabilities imply the lesser ones (Nomad's
 * expandNamespaceCapabilities): appended after everything else. */
static int policy_expand_ns_implied(struct strlist *caps)
{
	static const char *const hv_write[] = {
	    "host-volume-register", "host-volume-create", "host-volume-delete",
	    "host-volume-read", NULL};
	static const char *const hv_register[] = {"host-volume-create",
	                                          "host-volume-read", NULL};
	static const char *const hv_create[] = {"host-volume-read", NULL};
	size_t n = caps->n;
	int rc = ERR_OK;
	for (size_t i = 0; i < n && rc == ERR_OK; i++) {
		const char *c = caps->v[i];
		if (strcmp(c, "host-volume-write") == 0)
			rc = policy_push_all(caps, hv_write);
		else if (strcmp(c, "host-volume-register") == 0)
			rc = policy_push_all(caps, hv_register);
		else if (strcmp(c, "host-volume-create") == 0)
			rc = policy_push_all(caps, hv_create);
	}
	return rc;
}

static int policy_expand_var_caps(struct strlist *caps)
{
	if (strlist_contains(caps, "deny")) {
		strlist_release(caps);
		return strlist_push(caps, "deny") == 0 ? ERR_OK : ERR_NOMEM;
	}
	if (strlist_contains(caps, "read") && !strlist_contains(caps, "list"))
		return strlist_push(caps, "list") == 0 ? ERR_OK : ERR_NOMEM;
	return ERR_OK;
}

static int policy_expand_ns(struct acl_namespace_policy *ns)
{
	int rc = policy_expand_ns_level(&ns->capabilities, ns->policy);
	if (rc == ERR_OK)
		rc = policy_expand_ns_implied(&ns->capabilities);
	if (ns->variables == NULL)
		return rc;
	for (size_t i = 0; i < ns->variables->paths.n && rc == ERR_OK; i++)
		rc = policy_expand_var_caps(
		    &ns->variables->paths.v[i].capabilities);
	return rc;
}

/* deny / read / write to capabilities for the blocks whose shorthand is a
 * plain table (node pools, host volumes, operator, sentinel). */
struct policy_levels_map {
	const char *const *deny, *const *read, *const *write;
};

static int policy_expand_level(struct strlist *caps, const char *level,
                               const struct policy_levels_map *m)
{
	const char *const *add = NULL;
	if (level == NULL)
		return ERR_OK;
	if (strcmp(level, "deny") == 0)
		add = m->deny;
	else if (strcmp(level, "read") == 0)
		add = m->read;
	else if (strcmp(level, "write") == 0)
		add = m->write;
	return add != NULL ? policy_push_all(caps, add) : ERR_OK;
}

static const struct policy_levels_map pool_map = {
    only_deny, (const char *const[]){"read", NULL},
    (const char *const[]){"delete", "read", "write", NULL}};
static const struct policy_levels_map hv_map = {
    only_deny, (const char *const[]){"mount-readonly", NULL},
    (const char *const[]){"mount-readonly", "mount-readwrite", NULL}};
static const struct policy_levels_map op_map = {
    only_deny, (const char *const[]){"license-read", "keyring-read", NULL},
    (const char *const[]){"snapshot-save", "license-read", "keyring-rotate",
                          "keyring-read", "keyring-delete", NULL}};
static const struct policy_levels_map sentinel_map = {
    only_deny, (const char *const[]){"sentinel-read", NULL},
    (const char *const[]){"sentinel-read", "sentinel-submit", "sentinel-delete",
                          NULL}};

static int policy_expand(struct acl_policy_doc *p)
{
	int rc = ERR_OK;
	for (size_t i = 0; i < p->namespaces.n && rc == ERR_OK; i++)
		rc = policy_expand_ns(&p->namespaces.v[i]);
	for (size_t i = 0; i < p->node_pools.n && rc == ERR_OK; i++)
		rc = policy_expand_level(&p->node_pools.v[i].capabilities,
		                         p->node_pools.v[i].policy, &pool_map);
	for (size_t i = 0; i < p->host_volumes.n && rc == ERR_OK; i++)
		rc = policy_expand_level(&p->host_volumes.v[i].capabilities,
		                         p->host_volumes.v[i].policy, &hv_map);
	if (rc == ERR_OK && p->operator!= NULL)
		rc = policy_expand_level(&p->operator->capabilities,
		                         p->operator->policy, &op_map);
	if (rc == ERR_OK && p->sentinel != NULL)
		rc = policy_expand_level(&p->sentinel->capabilities,
		                         p->sentinel->policy, &sentinel_map);
	return rc;
}

/* ---- entry point ------------------------------------------------------- */

static bool policy_is_empty(const struct acl_policy_doc *p)
{
	return p->namespaces.n == 0 && p->node_pools.n == 0 &&
	       p->host_volumes.n == 0 && p->agent == NULL && p->node == NULL &&
	       p->operator== NULL && p->sentinel == NULL &&
	       p->quota == NULL && p->plugin == NULL;
}

static int policy_decode(const char *filename, const struct hcl_file *f,
                         struct acl_policy_doc *out, struct err *e)
{
	struct policy_state st = {.ns = ""};
	struct hcl_ctx *ctx = NULL;
	struct hcl_decode d = {
	    .data = &st,
	    .filename = filename,
	    .hook = policy_hook,
	    .err = e,
	};
	int rc = hcl_ctx_empty(&ctx);
	if (rc != ERR_OK)
		return err_set(e, ERR_NOMEM, "%s: out of memory", filename);
	d.ctx = ctx;
	rc =
	    hcl_decode_body(&d, &acl_policy_doc_schema, out, f->body, "policy");
	hcl_ctx_free(ctx);
	return rc;
}

int policy_parse(const char *filename, const char *src, size_t len,
                 struct acl_policy_doc *out, struct err *e)
{
	struct hcl_file *f = NULL;
	int rc;
	if (len > POLICY_MAX_SIZE)
		return err_set(e, ERR_PARSE,
		               "%s:1:1: policy is %zu bytes, larger than the "
		               "%u byte limit",
		               filename, len, POLICY_MAX_SIZE);
	rc = hcl_parse(filename, src, len, &f, e);
	if (rc != ERR_OK)
		return rc;
	rc = policy_decode(filename, f, out, e);
	hcl_file_free(f);
	if (rc == ERR_OK && policy_is_empty(out))
		rc = err_set(e, ERR_PARSE, "%s:1:1: invalid policy: no rules",
		             filename);
	if (rc == ERR_OK && policy_expand(out) != ERR_OK)
		rc = err_set(e, ERR_NOMEM, "%s: out of memory", filename);
	if (rc == ERR_OK) {
		out->raw = mem_strndup(src, len);
		if (out->raw == NULL)
			rc = err_set(e, ERR_NOMEM, "%s: out of memory",
			             filename);
	}
	if (rc != ERR_OK)
		policy_release(out);
	return rc;
}

void policy_release(struct acl_policy_doc *doc)
{
	schema_release(&acl_policy_doc_schema, doc);
}
