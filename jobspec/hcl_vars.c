/* jobspec/hcl_vars.c: hcl_ctx_build, the `variable` and `locals` blocks
 * and the value overrides (NOMAD_VAR_x, -var-file, -var), following
 * Nomad's jobspec2: defaults and variable files are constant expressions,
 * a value from the environment or the command line is a raw string when
 * the variable is a string, a number or untyped and an HCL expression
 * otherwise, and every value is converted to the declared type. */
#include "jobspec/hcl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/mem.h"

#define ENV_PREFIX "NOMAD_VAR_"

/* POSIX leaves the declaration to the program unless _GNU_SOURCE. */
extern char **environ;

enum vtype {
	VT_NONE, /* no type declared and nothing to infer one from */
	VT_ANY,
	VT_STRING,
	VT_NUMBER,
	VT_BOOL,
	VT_LIST,
	VT_MAP,
	VT_OBJECT,
	VT_TUPLE,
};

struct var_decl {
	const char *name;
	struct hcl_pos pos; /* of the block */
	const struct hcl_expr *type;
	enum vtype implied; /* from the default when no type is declared */
	bool has_value;
	struct hcl_val val;
};

struct vars_build {
	const struct hcl_file *file;
	struct var_decl *decls;
	size_t n;
	struct hcl_nameset names;
	struct hcl_ctx *ctx;
	struct err *e;
};

/* Defaults, variable files and flag values may not refer to anything. */
static const struct hcl_ctx no_refs_ctx = {.no_refs = true};

static bool valid_ident(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	      *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* ---- types --------------------------------------------------------------- */

static enum vtype type_word(const char *w)
{
	static const struct {
		const char *w;
		enum vtype t;
	} words[] = {{"string", VT_STRING},
	             {"number", VT_NUMBER},
	             {"bool", VT_BOOL},
	             {"any", VT_ANY}};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(w, words[i].w) == 0)
			return words[i].t;
	return VT_NONE;
}

/* The kind a type expression names, and its element type for list, set
 * and map; VT_NONE when the expression is not a type. */
static enum vtype type_kind(const struct hcl_expr *t,
                            const struct hcl_expr **elem)
{
	const char *f;
	*elem = NULL;
	if (t->kind == HCL_X_TRAVERSAL && t->u.trav.n == 0)
		return type_word(t->u.trav.root);
	if (t->kind != HCL_X_CALL || t->u.call.n != 1)
		return VT_NONE;
	f = t->u.call.name;
	*elem = t->u.call.args[0];
	if (strcmp(f, "list") == 0 || strcmp(f, "set") == 0)
		return VT_LIST;
	if (strcmp(f, "map") == 0)
		return VT_MAP;
	if (strcmp(f, "object") == 0 && (*elem)->kind == HCL_X_OBJECT)
		return VT_OBJECT;
	if (strcmp(f, "tuple") == 0 && (*elem)->kind == HCL_X_TUPLE)
		return VT_TUPLE;
	return VT_NONE;
}

static int type_check(struct vars_build *b, const struct hcl_expr *t);

static int type_check_attrs(struct vars_build *b, const struct hcl_expr *obj)
{
	int rc = ERR_OK;
	for (size_t i = 0; rc == ERR_OK && i < obj->u.obj.n; i++) {
		const struct hcl_expr *a = obj->u.obj.vals[i];
		if (a->kind == HCL_X_CALL && a->u.call.n >= 1 &&
		    a->u.call.n <= 2 && strcmp(a->u.call.name, "optional") == 0)
			a = a->u.call.args[0];
		rc = type_check(b, a);
	}
	return rc;
}

/* Rejects anything that is not a type expression, at its position. */
static int type_check(struct vars_build *b, const struct hcl_expr *t)
{
	const struct hcl_expr *elem;
	enum vtype k = type_kind(t, &elem);
	int rc = ERR_OK;
	if (k == VT_NONE)
		return hcl_fail(b->e, b->file->filename, t->pos,
		                "invalid type: use string, number, bool, any, "
		                "list(T), set(T), map(T), object({...}) or "
		                "tuple([...])");
	if (k == VT_LIST || k == VT_MAP)
		return type_check(b, elem);
	if (k == VT_OBJECT)
		return type_check_attrs(b, elem);
	for (size_t i = 0; k == VT_TUPLE && rc == ERR_OK && i < elem->u.tuple.n;
	     i++)
		rc = type_check(b, elem->u.tuple.items[i]);
	return rc;
}

/* ---- conversions --------------------------------------------------------- */

struct conv {
	const char *var;      /* variable name, for messages */
	const char *filename; /* where the value came from */
	struct err *e;
};

static const char *type_want(enum vtype k)
{
	switch (k) {
	case VT_STRING: return "a string";
	case VT_NUMBER: return "a number";
	case VT_BOOL: return "a bool";
	case VT_LIST: return "a list";
	case VT_MAP: return "a map";
	case VT_OBJECT: return "an object";
	case VT_TUPLE: return "a tuple";
	default: return "a value";
	}
}

static int conv_fail(const struct conv *c, const struct hcl_val *v,
                     enum vtype k)
{
	if (v->kind == HCL_STRING)
		return hcl_fail(c->e, c->filename, v->pos,
		                "invalid value for variable \"%s\": %s is "
		                "required, got string \"%.60s\"",
		                c->var, type_want(k), v->s);
	return hcl_fail(c->e, c->filename, v->pos,
	                "invalid value for variable \"%s\": %s is required, "
	                "got %s",
	                c->var, type_want(k), hcl_kind_name(v->kind));
}

static int to_string(const struct conv *c, struct hcl_val *v)
{
	char num[HCL_NUM_BUF];
	char *s;
	if (v->kind == HCL_STRING)
		return ERR_OK;
	if (v->kind != HCL_NUMBER && v->kind != HCL_BOOL)
		return conv_fail(c, v, VT_STRING);
	if (v->kind == HCL_NUMBER)
		hcl_num_format(v, num);
	s = mem_strdup(v->kind == HCL_BOOL ? (v->b ? "true" : "false") : num);
	if (s == NULL)
		return hcl_oom(c->e);
	v->kind = HCL_STRING;
	v->s = s;
	return ERR_OK;
}

static size_t digits(const char *s)
{
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/* A decimal number as HCL writes it, with an optional sign: no spaces,
 * hex, infinities or NaN, which strtod would take. */
static bool number_syntax(const char *s)
{
	size_t n;
	if (*s == '-' || *s == '+')
		s++;
	if ((n = digits(s)) == 0)
		return false;
	s += n;
	if (*s == '.') {
		if ((n = digits(s + 1)) == 0)
			return false;
		s += n + 1;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if ((n = digits(s)) == 0)
			return false;
		s += n;
	}
	return *s == '\0';
}

/* HCL's string-to-number conversion: the whole string is a number. */
static int to_number(const struct conv *c, struct hcl_val *v)
{
	char *end;
	double d;
	long long ll;
	if (v->kind == HCL_NUMBER)
		return ERR_OK;
	if (v->kind != HCL_STRING || !number_syntax(v->s))
		return conv_fail(c, v, VT_NUMBER);
	errno = 0;
	d = strtod(v->s, &end);
	if (errno != 0 || d - d != 0)
		return conv_fail(c, v, VT_NUMBER);
	errno = 0;
	ll = strtoll(v->s, &end, 10);
	v->is_int = *end == '\0' && errno == 0;
	v->i = v->is_int ? ll : 0;
	if (!v->is_int && d == (double)(long long)d && d > -9.2e18 &&
	    d < 9.2e18) {
		v->is_int = true;
		v->i = (int64_t)d;
	}
	v->num = d;
	mem_free(v->s);
	v->s = NULL;
	v->kind = HCL_NUMBER;
	return ERR_OK;
}

static int to_bool(const struct conv *c, struct hcl_val *v)
{
	if (v->kind == HCL_BOOL)
		return ERR_OK;
	if (v->kind != HCL_STRING ||
	    (strcmp(v->s, "true") != 0 && strcmp(v->s, "false") != 0))
		return conv_fail(c, v, VT_BOOL);
	v->b = v->s[0] == 't';
	mem_free(v->s);
	v->s = NULL;
	v->kind = HCL_BOOL;
	return ERR_OK;
}

/* Converts v in place to type t (or to kind k when t is NULL). */
static int convert(const struct conv *c, const struct hcl_expr *t, enum vtype k,
                   struct hcl_val *v)
{
	const struct hcl_expr *elem = NULL;
	int rc = ERR_OK;
	if (t != NULL)
		k = type_kind(t, &elem);
	if (v->kind == HCL_NULL)
		return ERR_OK;
	switch (k) {
	case VT_STRING: return to_string(c, v);
	case VT_NUMBER: return to_number(c, v);
	case VT_BOOL: return to_bool(c, v);
	case VT_LIST:
	case VT_TUPLE:
		if (v->kind != HCL_LIST)
			return conv_fail(c, v, k);
		break;
	case VT_MAP:
	case VT_OBJECT:
		if (v->kind != HCL_OBJECT)
			return conv_fail(c, v, k);
		break;
	default: return ERR_OK;
	}
	for (size_t i = 0; elem != NULL && rc == ERR_OK && i < v->n; i++)
		rc = convert(c, elem, VT_NONE, &v->items[i]);
	return rc;
}

static enum vtype decl_kind(const struct var_decl *d)
{
	const struct hcl_expr *elem;
	return d->type != NULL ? type_kind(d->type, &elem) : d->implied;
}

/* Replaces d's value with v (moved in), converted to d's type. */
static int decl_set(struct var_decl *d, struct hcl_val *v, const char *filename,
                    struct err *e)
{
	struct conv c = {d->name, filename, e};
	int rc = convert(&c, d->type, d->implied, v);
	if (rc != ERR_OK) {
		hcl_val_release(v);
		return rc;
	}
	hcl_val_release(&d->val);
	d->val = *v;
	d->has_value = true;
	memset(v, 0, sizeof *v);
	return ERR_OK;
}

/* ---- declarations -------------------------------------------------------- */

static enum vtype implied_kind(const struct hcl_val *v)
{
	switch (v->kind) {
	case HCL_STRING: return VT_STRING;
	case HCL_NUMBER: return VT_NUMBER;
	case HCL_BOOL: return VT_BOOL;
	case HCL_LIST: return VT_TUPLE;
	case HCL_OBJECT: return VT_OBJECT;
	default: return VT_NONE;
	}
}

static int decl_item(struct vars_build *b, struct var_decl *d,
                     const struct hcl_item *it, const struct hcl_attr **def)
{
	const char *fn = b->file->filename;
	const struct hcl_attr *a = &it->u.attr;
	if (it->kind == HCL_ITEM_BLOCK) {
		if (strcmp(it->u.block.type, "validation") == 0)
			return hcl_fail(b->e, fn, it->u.block.pos,
			                "validation blocks are not supported");
		return hcl_fail(b->e, fn, it->u.block.pos,
		                "unsupported block \"%s\" in variable \"%s\"",
		                it->u.block.type, d->name);
	}
	if (strcmp(a->name, "default") == 0) {
		*def = a;
		return ERR_OK;
	}
	if (strcmp(a->name, "type") == 0) {
		d->type = a->expr;
		return type_check(b, a->expr);
	}
	if (strcmp(a->name, "description") == 0)
		return ERR_OK;
	return hcl_fail(b->e, fn, a->pos,
	                "unsupported argument \"%s\" in variable \"%s\"",
	                a->name, d->name);
}

static int decl_body(struct vars_build *b, struct var_decl *d,
                     const struct hcl_block *blk)
{
	const struct hcl_attr *def = NULL;
	struct hcl_val v;
	int rc = ERR_OK;
	for (size_t i = 0; rc == ERR_OK && i < blk->body->n; i++)
		rc = decl_item(b, d, &blk->body->items[i], &def);
	if (rc != ERR_OK || def == NULL)
		return rc;
	rc = hcl_eval(def->expr, &no_refs_ctx, b->file->filename, &v, b->e);
	if (rc != ERR_OK)
		return rc;
	if (d->type == NULL)
		d->implied = implied_kind(&v);
	return decl_set(d, &v, b->file->filename, b->e);
}

static int decl_var(struct vars_build *b, const struct hcl_block *blk)
{
	const char *fn = b->file->filename;
	struct var_decl *d = &b->decls[b->n];
	size_t prev;
	bool dup;
	if (blk->nlabels != 1)
		return hcl_fail(b->e, fn, blk->pos,
		                "a variable block needs exactly one label, "
		                "the variable name");
	if (!valid_ident(blk->labels[0]))
		return hcl_fail(b->e, fn, blk->label_pos[0],
		                "invalid variable name \"%s\"", blk->labels[0]);
	if (hcl_nameset_put(&b->names, blk->labels[0], b->n, &dup, &prev))
		return hcl_oom(b->e);
	if (dup)
		return hcl_fail(
		    b->e, fn, blk->pos,
		    "duplicate variable \"%s\"; previously declared "
		    "at %s:%d:%d",
		    blk->labels[0], fn, b->decls[prev].pos.line,
		    b->decls[prev].pos.col);
	d->name = blk->labels[0];
	d->pos = blk->pos;
	b->n++;
	return decl_body(b, d, blk);
}

static bool is_block(const struct hcl_item *it, const char *type)
{
	return it->kind == HCL_ITEM_BLOCK &&
	       strcmp(it->u.block.type, type) == 0;
}

static int collect_vars(struct vars_build *b)
{
	const struct hcl_body *body = b->file->body;
	size_t n = 0;
	int rc = ERR_OK;
	for (size_t i = 0; i < body->n; i++)
		n += is_block(&body->items[i], "variable");
	b->decls = mem_calloc(n, sizeof *b->decls);
	if (b->decls == NULL)
		return hcl_oom(b->e);
	for (size_t i = 0; rc == ERR_OK && i < body->n; i++)
		if (is_block(&body->items[i], "variable"))
			rc = decl_var(b, &body->items[i].u.block);
	return rc;
}

static struct var_decl *find_decl(struct vars_build *b, const char *name)
{
	size_t idx;
	if (!hcl_nameset_get(&b->names, name, &idx))
		return NULL;
	return &b->decls[idx];
}

/* ---- overrides ----------------------------------------------------------- */

/* A value from the environment or a -var flag. */
static int set_from_string(struct vars_build *b, struct var_decl *d,
                           const char *value, const char *from)
{
	char fn[300];
	enum vtype k = decl_kind(d);
	struct hcl_arena a;
	struct hcl_expr *x;
	struct hcl_val v = {.kind = HCL_STRING, .pos = {1, 1}};
	int rc;
	snprintf(fn, sizeof fn, "<value for var.%s from %s>", d->name, from);
	rc = hcl_lex_check(fn, value, strlen(value), b->e);
	if (rc != ERR_OK)
		return rc;
	if (k == VT_NONE || k == VT_STRING || k == VT_NUMBER) {
		if ((v.s = mem_strdup(value)) == NULL)
			return hcl_oom(b->e);
		return decl_set(d, &v, fn, b->e);
	}
	hcl_arena_init(&a);
	rc = hcl_parse_expr(fn, value, strlen(value), &a, &x, b->e);
	if (rc == ERR_OK)
		rc = hcl_eval(x, &no_refs_ctx, fn, &v, b->e);
	hcl_arena_release(&a);
	return rc != ERR_OK ? rc : decl_set(d, &v, fn, b->e);
}

static int apply_env(struct vars_build *b)
{
	size_t plen = strlen(ENV_PREFIX);
	char name[256];
	int rc;
	for (char **ep = environ; ep != NULL && *ep != NULL; ep++) {
		const char *nm = *ep + plen, *eq;
		struct var_decl *d;
		if (strncmp(*ep, ENV_PREFIX, plen) != 0 ||
		    (eq = strchr(nm, '=')) == NULL ||
		    (size_t)(eq - nm) >= sizeof name)
			continue;
		memcpy(name, nm, (size_t)(eq - nm));
		name[eq - nm] = '\0';
		/* undeclared NOMAD_VAR_x are ignored: the environment is
		 * shared with everything else the user runs */
		if ((d = find_decl(b, name)) == NULL)
			continue;
		rc = set_from_string(b, d, eq + 1, "env");
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int read_file(const char *path, char **data, size_t *len, struct err *e)
{
	char chunk[65536];
	struct buf b;
	size_t n;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return err_set(e, ERR_IO,
		               "cannot read variable file \"%s\": %s", path,
		               strerror(errno));
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(f)) {
		fclose(f);
		buf_release(&b);
		return err_set(e, ERR_IO, "cannot read variable file \"%s\"",
		               path);
	}
	fclose(f);
	*data = buf_steal(&b, len);
	return *data == NULL ? hcl_oom(e) : ERR_OK;
}

static int var_file_item(struct vars_build *b, const struct hcl_file *vf,
                         const struct hcl_item *it)
{
	const struct hcl_attr *a = &it->u.attr;
	struct var_decl *d;
	struct hcl_val v;
	int rc;
	if (it->kind == HCL_ITEM_BLOCK)
		return hcl_fail(b->e, vf->filename, it->u.block.pos,
		                "blocks are not allowed in a variable file; "
		                "set values as name = value");
	if ((d = find_decl(b, a->name)) == NULL)
		return hcl_fail(b->e, vf->filename, a->pos,
		                "value for undeclared variable \"%s\"",
		                a->name);
	rc = hcl_eval(a->expr, &no_refs_ctx, vf->filename, &v, b->e);
	return rc != ERR_OK ? rc : decl_set(d, &v, vf->filename, b->e);
}

static int apply_var_file(struct vars_build *b, const char *path)
{
	struct hcl_file *vf = NULL;
	char *data = NULL;
	size_t len = 0;
	int rc = read_file(path, &data, &len, b->e);
	if (rc == ERR_OK)
		rc = hcl_parse(path, data, len, &vf, b->e);
	for (size_t i = 0; rc == ERR_OK && i < vf->body->n; i++)
		rc = var_file_item(b, vf, &vf->body->items[i]);
	hcl_file_free(vf);
	mem_free(data);
	return rc;
}

static int apply_var_flag(struct vars_build *b, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct var_decl *d;
	char *name;
	int rc;
	if (eq == NULL || eq == arg)
		return err_set(b->e, ERR_PARSE,
		               "invalid -var \"%s\": expected name=value", arg);
	if ((name = mem_strndup(arg, (size_t)(eq - arg))) == NULL)
		return hcl_oom(b->e);
	d = find_decl(b, name);
	if (d == NULL)
		rc =
		    err_set(b->e, ERR_PARSE,
		            "-var \"%s\": value for undeclared variable \"%s\"",
		            arg, name);
	else
		rc = set_from_string(b, d, eq + 1, "arguments");
	mem_free(name);
	return rc;
}

static int apply_overrides(struct vars_build *b,
                           const struct hcl_var_overrides *ov)
{
	int rc = ERR_OK;
	if (ov == NULL)
		return ERR_OK;
	if (ov->use_env)
		rc = apply_env(b);
	for (size_t i = 0; rc == ERR_OK && i < ov->nvar_files; i++)
		rc = apply_var_file(b, ov->var_files[i]);
	for (size_t i = 0; rc == ERR_OK && i < ov->nvars; i++)
		rc = apply_var_flag(b, ov->vars[i]);
	return rc;
}

static int publish_vars(struct vars_build *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct var_decl *d = &b->decls[i];
		if (!d->has_value)
			return hcl_fail(b->e, b->file->filename, d->pos,
			                "no value for required variable \"%s\"",
			                d->name);
	}
	for (size_t i = 0; i < b->n; i++)
		if (hcl_ctx_table_add(&b->ctx->vars, b->decls[i].name,
		                      &b->decls[i].val) != ERR_OK)
			return hcl_oom(b->e);
	return ERR_OK;
}

/* ---- locals ---------------------------------------------------------------
 */

struct local_def {
	const struct hcl_attr *attr;
	size_t indeg;
	bool done;
};

struct edge {
	size_t from, to; /* `to` refers to `from` */
};

struct locals_build {
	struct vars_build *b;
	struct local_def *defs;
	size_t n;
	struct hcl_nameset names;
	struct edge *edges;
	size_t nedges, cap;
	size_t *out_start, *out_adj; /* dependents of each local */
	size_t *in_start, *in_adj;   /* dependencies of each local */
};

static int add_edge(struct locals_build *lb, size_t from, size_t to)
{
	if (lb->nedges == lb->cap) {
		size_t cap = lb->cap ? lb->cap * 2 : 16;
		struct edge *ne = mem_realloc(lb->edges, cap * sizeof *ne);
		if (ne == NULL)
			return ERR_NOMEM;
		lb->edges = ne;
		lb->cap = cap;
	}
	lb->edges[lb->nedges++] = (struct edge){from, to};
	return ERR_OK;
}

/* Records an edge for every local.X that x refers to. */
static int walk_refs(struct locals_build *lb, const struct hcl_expr *x,
                     size_t to)
{
	size_t j;
	int rc = ERR_OK;
	switch (x->kind) {
	case HCL_X_TRAVERSAL:
		if (strcmp(x->u.trav.root, "local") == 0 && x->u.trav.n > 0 &&
		    x->u.trav.steps[0].name != NULL &&
		    hcl_nameset_get(&lb->names, x->u.trav.steps[0].name, &j))
			rc = add_edge(lb, j, to);
		for (size_t i = 0; rc == ERR_OK && i < x->u.trav.n; i++)
			if (x->u.trav.steps[i].index != NULL)
				rc =
				    walk_refs(lb, x->u.trav.steps[i].index, to);
		return rc;
	case HCL_X_TEMPLATE:
		for (size_t i = 0; rc == ERR_OK && i < x->u.tmpl.n; i++)
			if (x->u.tmpl.parts[i].x != NULL)
				rc = walk_refs(lb, x->u.tmpl.parts[i].x, to);
		return rc;
	case HCL_X_TUPLE:
		for (size_t i = 0; rc == ERR_OK && i < x->u.tuple.n; i++)
			rc = walk_refs(lb, x->u.tuple.items[i], to);
		return rc;
	case HCL_X_OBJECT:
		for (size_t i = 0; rc == ERR_OK && i < x->u.obj.n; i++) {
			rc = walk_refs(lb, x->u.obj.keys[i], to);
			if (rc == ERR_OK)
				rc = walk_refs(lb, x->u.obj.vals[i], to);
		}
		return rc;
	case HCL_X_PAREN: return walk_refs(lb, x->u.paren, to);
	default: return ERR_OK;
	}
}

static int local_add(struct locals_build *lb, const struct hcl_item *it)
{
	const char *fn = lb->b->file->filename;
	const struct hcl_attr *a = &it->u.attr;
	size_t prev;
	bool dup;
	if (it->kind == HCL_ITEM_BLOCK)
		return hcl_fail(lb->b->e, fn, it->u.block.pos,
		                "blocks are not allowed in locals");
	if (hcl_nameset_put(&lb->names, a->name, lb->n, &dup, &prev))
		return hcl_oom(lb->b->e);
	if (dup)
		return hcl_fail(lb->b->e, fn, a->pos,
		                "duplicate local value \"%s\"; previously set "
		                "at %s:%d:%d",
		                a->name, fn, lb->defs[prev].attr->pos.line,
		                lb->defs[prev].attr->pos.col);
	lb->defs[lb->n++].attr = a;
	return ERR_OK;
}

static int collect_locals(struct locals_build *lb)
{
	const struct hcl_body *body = lb->b->file->body;
	size_t n = 0;
	int rc = ERR_OK;
	for (size_t i = 0; i < body->n; i++)
		if (is_block(&body->items[i], "locals"))
			n += body->items[i].u.block.body->n;
	lb->defs = mem_calloc(n, sizeof *lb->defs);
	if (lb->defs == NULL)
		return hcl_oom(lb->b->e);
	for (size_t i = 0; rc == ERR_OK && i < body->n; i++) {
		const struct hcl_block *blk = &body->items[i].u.block;
		if (!is_block(&body->items[i], "locals"))
			continue;
		if (blk->nlabels != 0)
			return hcl_fail(lb->b->e, lb->b->file->filename,
			                blk->pos,
			                "a locals block takes no labels");
		for (size_t k = 0; rc == ERR_OK && k < blk->body->n; k++)
			rc = local_add(lb, &blk->body->items[k]);
	}
	for (size_t i = 0; rc == ERR_OK && i < lb->n; i++)
		if ((rc = walk_refs(lb, lb->defs[i].attr->expr, i)) != ERR_OK)
			rc = hcl_oom(lb->b->e);
	return rc;
}

/* Compressed adjacency: start[i]..start[i+1] index adj, keyed by `from`
 * (by_to false) or `to`. */
static int csr(struct locals_build *lb, bool by_to, size_t **start,
               size_t **adj)
{
	size_t *fill;
	*start = mem_calloc(lb->n + 1, sizeof **start);
	*adj = mem_calloc(lb->nedges, sizeof **adj);
	fill = mem_calloc(lb->n + 1, sizeof *fill);
	if (*start == NULL || *adj == NULL || fill == NULL) {
		mem_free(fill);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < lb->nedges; i++)
		(*start)[(by_to ? lb->edges[i].to : lb->edges[i].from) + 1]++;
	for (size_t i = 0; i < lb->n; i++)
		(*start)[i + 1] += (*start)[i];
	for (size_t i = 0; i < lb->nedges; i++) {
		size_t k = by_to ? lb->edges[i].to : lb->edges[i].from;
		(*adj)[(*start)[k] + fill[k]++] =
		    by_to ? lb->edges[i].from : lb->edges[i].to;
	}
	mem_free(fill);
	return ERR_OK;
}

static int eval_local(struct locals_build *lb, size_t i)
{
	const struct hcl_attr *a = lb->defs[i].attr;
	struct vars_build *b = lb->b;
	struct hcl_val v;
	int rc = hcl_eval(a->expr, b->ctx, b->file->filename, &v, b->e);
	if (rc != ERR_OK)
		return rc;
	if (hcl_val_depth(&v) > 2 * HCL_MAX_DEPTH) {
		hcl_val_release(&v);
		return hcl_fail(b->e, b->file->filename, a->expr_pos,
		                "value of local \"%s\" is nested too deeply",
		                a->name);
	}
	rc = hcl_ctx_table_add(&b->ctx->locals, a->name, &v);
	hcl_val_release(&v);
	lb->defs[i].done = true;
	return rc != ERR_OK ? hcl_oom(b->e) : ERR_OK;
}

/* Walks dependencies from a local left over by the topological sort;
 * after n steps it is inside a cycle. */
static int cycle_error(struct locals_build *lb)
{
	size_t cur = 0;
	const struct hcl_attr *a;
	while (lb->defs[cur].done)
		cur++;
	for (size_t step = 0; step < lb->n; step++)
		for (size_t k = lb->in_start[cur]; k < lb->in_start[cur + 1];
		     k++)
			if (!lb->defs[lb->in_adj[k]].done) {
				cur = lb->in_adj[k];
				break;
			}
	a = lb->defs[cur].attr;
	return hcl_fail(lb->b->e, lb->b->file->filename, a->pos,
	                "cycle in local values: \"%s\" depends on itself",
	                a->name);
}

/* Kahn's algorithm, seeded in source order. */
static int eval_locals(struct locals_build *lb)
{
	size_t *queue = mem_calloc(lb->n, sizeof *queue), head = 0, tail = 0;
	int rc = ERR_OK;
	if (queue == NULL)
		return hcl_oom(lb->b->e);
	for (size_t i = 0; i < lb->nedges; i++)
		lb->defs[lb->edges[i].to].indeg++;
	for (size_t i = 0; i < lb->n; i++)
		if (lb->defs[i].indeg == 0)
			queue[tail++] = i;
	while (rc == ERR_OK && head < tail) {
		size_t i = queue[head++];
		rc = eval_local(lb, i);
		for (size_t k = lb->out_start[i];
		     rc == ERR_OK && k < lb->out_start[i + 1]; k++)
			if (--lb->defs[lb->out_adj[k]].indeg == 0)
				queue[tail++] = lb->out_adj[k];
	}
	mem_free(queue);
	if (rc == ERR_OK && tail < lb->n)
		rc = cycle_error(lb);
	return rc;
}

static int build_locals(struct vars_build *b)
{
	struct locals_build lb = {.b = b};
	int rc;
	hcl_nameset_init(&lb.names);
	rc = collect_locals(&lb);
	if (rc == ERR_OK && (csr(&lb, false, &lb.out_start, &lb.out_adj) ||
	                     csr(&lb, true, &lb.in_start, &lb.in_adj)))
		rc = hcl_oom(b->e);
	if (rc == ERR_OK)
		rc = eval_locals(&lb);
	mem_free(lb.out_start);
	mem_free(lb.out_adj);
	mem_free(lb.in_start);
	mem_free(lb.in_adj);
	mem_free(lb.edges);
	mem_free(lb.defs);
	hcl_nameset_release(&lb.names);
	return rc;
}

/* ---- entry point ------------------------------------------------------------
 */

int hcl_ctx_build(const struct hcl_file *file,
                  const struct hcl_var_overrides *ov, struct hcl_ctx **out,
                  struct err *e)
{
	static const struct hcl_body empty_body;
	static const struct hcl_file empty = {"<input>",
	                                      (struct hcl_body *)&empty_body};
	struct vars_build b = {.file = file != NULL ? file : &empty, .e = e};
	int rc;
	*out = NULL;
	hcl_nameset_init(&b.names);
	if (hcl_ctx_empty(&b.ctx) != ERR_OK)
		return hcl_oom(e);
	rc = collect_vars(&b);
	if (rc == ERR_OK)
		rc = apply_overrides(&b, ov);
	if (rc == ERR_OK)
		rc = publish_vars(&b);
	if (rc == ERR_OK)
		rc = build_locals(&b);
	for (size_t i = 0; i < b.n; i++)
		hcl_val_release(&b.decls[i].val);
	mem_free(b.decls);
	hcl_nameset_release(&b.names);
	if (rc != ERR_OK) {
		hcl_ctx_free(b.ctx);
		return rc;
	}
	*out = b.ctx;
	return ERR_OK;
}
