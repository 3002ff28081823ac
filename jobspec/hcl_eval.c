/* jobspec/hcl_eval.c: expressions to values, and the value helpers.
 *
 * Values are built in place inside the caller's struct hcl_val: arrays are
 * allocated zeroed with their final length first, so a failure half way
 * leaves a value hcl_val_release can always free. Recursion follows the
 * expression tree, whose depth the parser bounds. */
#include "jobspec/hcl_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/mem.h"

const char *hcl_kind_name(enum hcl_kind k)
{
	switch (k) {
	case HCL_NULL: return "null";
	case HCL_BOOL: return "bool";
	case HCL_NUMBER: return "number";
	case HCL_STRING: return "string";
	case HCL_LIST: return "list";
	case HCL_OBJECT: return "object";
	}
	return "unknown";
}

bool hcl_is_meta_block(const char *type)
{
	return type != NULL &&
	       (strcmp(type, "variable") == 0 || strcmp(type, "locals") == 0);
}

/* ---- values ------------------------------------------------------------ */

void hcl_val_release(struct hcl_val *v)
{
	if (v == NULL)
		return;
	mem_free(v->s);
	for (size_t i = 0; i < v->n; i++) {
		if (v->items != NULL)
			hcl_val_release(&v->items[i]);
		if (v->keys != NULL)
			mem_free(v->keys[i]);
	}
	mem_free(v->items);
	mem_free(v->keys);
	mem_free(v->key_pos);
	memset(v, 0, sizeof *v);
}

/* Allocates zeroed item (and for objects key) arrays of n entries. */
static int val_alloc(struct hcl_val *v, enum hcl_kind k, size_t n)
{
	v->kind = k;
	if (n == 0)
		return ERR_OK;
	v->items = mem_calloc(n, sizeof *v->items);
	if (v->items == NULL)
		return ERR_NOMEM;
	v->n = n;
	if (k != HCL_OBJECT)
		return ERR_OK;
	v->keys = mem_calloc(n, sizeof *v->keys);
	v->key_pos = mem_calloc(n, sizeof *v->key_pos);
	return v->keys == NULL || v->key_pos == NULL ? ERR_NOMEM : ERR_OK;
}

static int val_copy_into(struct hcl_val *dst, const struct hcl_val *src)
{
	int rc;
	*dst = *src;
	dst->s = NULL;
	dst->items = NULL;
	dst->keys = NULL;
	dst->key_pos = NULL;
	dst->n = 0;
	if (src->s != NULL && (dst->s = mem_strdup(src->s)) == NULL)
		return ERR_NOMEM;
	if (src->kind != HCL_LIST && src->kind != HCL_OBJECT)
		return ERR_OK;
	rc = val_alloc(dst, src->kind, src->n);
	for (size_t i = 0; rc == ERR_OK && i < src->n; i++) {
		rc = val_copy_into(&dst->items[i], &src->items[i]);
		if (rc == ERR_OK && src->kind == HCL_OBJECT) {
			dst->key_pos[i] = src->key_pos[i];
			if ((dst->keys[i] = mem_strdup(src->keys[i])) == NULL)
				rc = ERR_NOMEM;
		}
	}
	return rc;
}

int hcl_val_copy(struct hcl_val *dst, const struct hcl_val *src)
{
	int rc = val_copy_into(dst, src);
	if (rc != ERR_OK)
		hcl_val_release(dst);
	return rc;
}

int hcl_val_depth(const struct hcl_val *v)
{
	int d = 0, c;
	if (v->kind == HCL_LIST || v->kind == HCL_OBJECT)
		for (size_t i = 0; i < v->n; i++)
			if ((c = hcl_val_depth(&v->items[i])) > d)
				d = c;
	return d + 1;
}

void hcl_val_set_pos(struct hcl_val *v, struct hcl_pos pos)
{
	v->pos = pos;
	if (v->kind != HCL_LIST && v->kind != HCL_OBJECT)
		return;
	for (size_t i = 0; i < v->n; i++) {
		hcl_val_set_pos(&v->items[i], pos);
		if (v->key_pos != NULL)
			v->key_pos[i] = pos;
	}
}

/* Builds the fixed-point form of the shortest digits that read back as x
 * (Go's strconv 'f' with precision -1, which HCL uses). */
static void num_fixed(double x, char *buf)
{
	char tmp[40], digits[24];
	int p, e, nd = 0, o = 0;
	const char *s;
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	s = tmp;
	if (*s == '-')
		buf[o++] = *s++;
	for (; *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	e = atoi(s + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (e < 0) {
		buf[o++] = '0';
		buf[o++] = '.';
		for (int z = 0; z < -e - 1; z++)
			buf[o++] = '0';
		memcpy(buf + o, digits, (size_t)nd);
		o += nd;
	} else {
		for (int i = 0; i <= e || i < nd; i++) {
			if (i == e + 1)
				buf[o++] = '.';
			buf[o++] = i < nd ? digits[i] : '0';
		}
	}
	buf[o] = '\0';
}

void hcl_num_format(const struct hcl_val *v, char *buf)
{
	if (v->is_int)
		snprintf(buf, HCL_NUM_BUF, "%" PRId64, v->i);
	else if (!isfinite(v->num))
		snprintf(buf, HCL_NUM_BUF, "%g", v->num);
	else
		num_fixed(v->num, buf);
}

/* ---- contexts ------------------------------------------------------------ */

int hcl_ctx_empty(struct hcl_ctx **out)
{
	*out = mem_calloc(1, sizeof **out);
	return *out == NULL ? ERR_NOMEM : ERR_OK;
}

static void table_release(struct hcl_ctx_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		mem_free(t->items[i].name);
		hcl_val_release(&t->items[i].val);
	}
	mem_free(t->items);
	hcl_nameset_release(&t->index);
}

void hcl_ctx_free(struct hcl_ctx *ctx)
{
	if (ctx == NULL)
		return;
	table_release(&ctx->vars);
	table_release(&ctx->locals);
	mem_free(ctx);
}

int hcl_ctx_table_add(struct hcl_ctx_table *t, const char *name,
                      struct hcl_val *v)
{
	char *copy = mem_strdup(name);
	struct hcl_ctx_entry *items;
	size_t prev;
	bool dup;
	if (copy == NULL)
		return ERR_NOMEM;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		items = mem_realloc(t->items, cap * sizeof *items);
		if (items == NULL)
			goto oom;
		t->items = items;
		t->cap = cap;
	}
	if (hcl_nameset_put(&t->index, copy, t->n, &dup, &prev) != ERR_OK)
		goto oom;
	if (dup) { /* the later value wins */
		mem_free(copy);
		hcl_val_release(&t->items[prev].val);
		t->items[prev].val = *v;
	} else {
		t->items[t->n].name = copy;
		t->items[t->n++].val = *v;
	}
	memset(v, 0, sizeof *v);
	return ERR_OK;
oom:
	mem_free(copy);
	return ERR_NOMEM;
}

/* ---- evaluation ---------------------------------------------------------- */

struct ev {
	const struct hcl_ctx *ctx;
	const char *filename;
	struct err *e;
};

static int ev_fail(struct ev *ev, struct hcl_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ev_fail(struct ev *ev, struct hcl_pos pos, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return hcl_fail(ev->e, ev->filename, pos, "%s", msg);
}

static const char *article(enum hcl_kind k)
{
	return k == HCL_OBJECT ? "an" : "a";
}

static int ev_expr(struct ev *ev, const struct hcl_expr *x,
                   struct hcl_val *out);

static int ev_literal(struct ev *ev, const struct hcl_expr *x,
                      struct hcl_val *out)
{
	out->kind = x->u.lit.kind;
	out->b = x->u.lit.b;
	out->num = x->u.lit.num;
	out->i = x->u.lit.i;
	out->is_int = x->u.lit.is_int;
	if (x->u.lit.kind == HCL_STRING &&
	    (out->s = mem_strdup(x->u.lit.s)) == NULL)
		return hcl_oom(ev->e);
	return ERR_OK;
}

/* Appends a scalar's text to a template result. */
static int append_val(struct ev *ev, struct buf *b, const struct hcl_val *v,
                      struct hcl_pos pos)
{
	char num[HCL_NUM_BUF];
	switch (v->kind) {
	case HCL_STRING: buf_append_str(b, v->s); return ERR_OK;
	case HCL_BOOL:
		buf_append_str(b, v->b ? "true" : "false");
		return ERR_OK;
	case HCL_NUMBER:
		hcl_num_format(v, num);
		buf_append_str(b, num);
		return ERR_OK;
	default:
		return ev_fail(ev, pos,
		               "cannot use %s %s value in a string "
		               "template",
		               article(v->kind), hcl_kind_name(v->kind));
	}
}

static int template_concat(struct ev *ev, const struct hcl_expr *x,
                           struct buf *b)
{
	struct hcl_val tmp;
	int rc;
	for (size_t i = 0; i < x->u.tmpl.n; i++) {
		const struct hcl_tpart *t = &x->u.tmpl.parts[i];
		if (t->x == NULL) {
			buf_append(b, t->lit, t->len);
		} else {
			memset(&tmp, 0, sizeof tmp);
			rc = ev_expr(ev, t->x, &tmp);
			if (rc == ERR_OK)
				rc = append_val(ev, b, &tmp, t->x->pos);
			hcl_val_release(&tmp);
			if (rc != ERR_OK)
				return rc;
		}
	}
	return ERR_OK;
}

/* A template that is one interpolation yields the value itself (a number
 * stays a number); anything else is a string. */
static int ev_template(struct ev *ev, const struct hcl_expr *x,
                       struct hcl_val *out)
{
	const struct hcl_tpart *t = x->u.tmpl.parts;
	struct buf b;
	int rc;
	if (x->u.tmpl.n == 1 && t[0].x != NULL)
		return ev_expr(ev, t[0].x, out);
	buf_init(&b);
	rc = template_concat(ev, x, &b);
	if (rc != ERR_OK) {
		buf_release(&b);
		return rc;
	}
	out->kind = HCL_STRING;
	out->s = buf_steal(&b, NULL);
	return out->s == NULL ? hcl_oom(ev->e) : ERR_OK;
}

static int ev_tuple(struct ev *ev, const struct hcl_expr *x,
                    struct hcl_val *out)
{
	int rc = val_alloc(out, HCL_LIST, x->u.tuple.n);
	if (rc != ERR_OK)
		return hcl_oom(ev->e);
	for (size_t i = 0; rc == ERR_OK && i < x->u.tuple.n; i++)
		rc = ev_expr(ev, x->u.tuple.items[i], &out->items[i]);
	return rc;
}

/* Evaluates an object key to a string (numbers and bools convert). */
static int ev_key(struct ev *ev, const struct hcl_expr *kx, char **out)
{
	struct hcl_val k = {0};
	char num[HCL_NUM_BUF];
	int rc = ev_expr(ev, kx, &k);
	if (rc != ERR_OK)
		goto out;
	if (k.kind == HCL_STRING) {
		*out = k.s;
		k.s = NULL;
	} else if (k.kind == HCL_NUMBER || k.kind == HCL_BOOL) {
		if (k.kind == HCL_NUMBER)
			hcl_num_format(&k, num);
		*out = mem_strdup(k.kind == HCL_BOOL ? (k.b ? "true" : "false")
		                                     : num);
		if (*out == NULL)
			rc = hcl_oom(ev->e);
	} else {
		rc = ev_fail(ev, kx->pos, "object key must be a string, got %s",
		             hcl_kind_name(k.kind));
	}
out:
	hcl_val_release(&k);
	return rc;
}

static int object_items(struct ev *ev, const struct hcl_expr *x,
                        struct hcl_val *out, struct hcl_nameset *seen)
{
	size_t prev;
	bool dup;
	int rc = ERR_OK;
	for (size_t i = 0; rc == ERR_OK && i < x->u.obj.n; i++) {
		const struct hcl_expr *kx = x->u.obj.keys[i];
		rc = ev_key(ev, kx, &out->keys[i]);
		if (rc != ERR_OK)
			return rc;
		out->key_pos[i] = kx->pos;
		if (hcl_nameset_put(seen, out->keys[i], i, &dup, &prev) !=
		    ERR_OK)
			return hcl_oom(ev->e);
		if (dup)
			return ev_fail(
			    ev, kx->pos,
			    "duplicate object key \"%s\"; previously "
			    "set at %s:%d:%d",
			    out->keys[i], ev->filename, out->key_pos[prev].line,
			    out->key_pos[prev].col);
		rc = ev_expr(ev, x->u.obj.vals[i], &out->items[i]);
	}
	return rc;
}

static int ev_object(struct ev *ev, const struct hcl_expr *x,
                     struct hcl_val *out)
{
	struct hcl_nameset seen;
	int rc = val_alloc(out, HCL_OBJECT, x->u.obj.n);
	if (rc != ERR_OK)
		return hcl_oom(ev->e);
	hcl_nameset_init(&seen);
	rc = object_items(ev, x, out, &seen);
	hcl_nameset_release(&seen);
	return rc;
}

static int find_key(const struct hcl_val *obj, const char *key, size_t *i)
{
	for (*i = 0; *i < obj->n; (*i)++)
		if (strcmp(obj->keys[*i], key) == 0)
			return 0;
	return -1;
}

static int index_list(struct ev *ev, const struct hcl_step *st,
                      const struct hcl_val *c, const struct hcl_val *key,
                      const struct hcl_val **cur)
{
	char num[HCL_NUM_BUF];
	if (key->kind != HCL_NUMBER)
		return ev_fail(ev, st->index->pos,
		               "a list index must be a number, got %s",
		               hcl_kind_name(key->kind));
	if (!key->is_int || key->i < 0 || (uint64_t)key->i >= c->n) {
		hcl_num_format(key, num);
		return ev_fail(ev, st->index->pos,
		               "index %s is out of range for a list of "
		               "length %zu",
		               num, c->n);
	}
	*cur = &c->items[key->i];
	return ERR_OK;
}

static int index_object(struct ev *ev, const struct hcl_step *st,
                        const struct hcl_val *c, const struct hcl_val *key,
                        const struct hcl_val **cur)
{
	char num[HCL_NUM_BUF];
	const char *k = num;
	size_t i;
	if (key->kind == HCL_STRING)
		k = key->s;
	else if (key->kind == HCL_NUMBER)
		hcl_num_format(key, num);
	else
		return ev_fail(ev, st->index->pos,
		               "an object key must be a string, got %s",
		               hcl_kind_name(key->kind));
	if (find_key(c, k, &i) != 0)
		return ev_fail(ev, st->index->pos, "object has no key \"%s\"",
		               k);
	*cur = &c->items[i];
	return ERR_OK;
}

static int ev_step(struct ev *ev, const struct hcl_step *st,
                   const struct hcl_val **cur)
{
	const struct hcl_val *c = *cur;
	struct hcl_val key = {0};
	size_t i;
	int rc;
	if (st->name != NULL) {
		if (c->kind != HCL_OBJECT)
			return ev_fail(ev, st->pos,
			               "cannot read attribute \"%s\" of %s %s "
			               "value",
			               st->name, article(c->kind),
			               hcl_kind_name(c->kind));
		if (find_key(c, st->name, &i) != 0)
			return ev_fail(ev, st->pos,
			               "object has no attribute \"%s\"",
			               st->name);
		*cur = &c->items[i];
		return ERR_OK;
	}
	if (c->kind != HCL_LIST && c->kind != HCL_OBJECT)
		return ev_fail(ev, st->pos, "cannot index %s %s value",
		               article(c->kind), hcl_kind_name(c->kind));
	rc = ev_expr(ev, st->index, &key);
	if (rc == ERR_OK)
		rc = c->kind == HCL_LIST ? index_list(ev, st, c, &key, cur)
		                         : index_object(ev, st, c, &key, cur);
	hcl_val_release(&key);
	return rc;
}

/* The value a traversal names; only var.* and local.* resolve. */
static int ev_root(struct ev *ev, const struct hcl_expr *x,
                   const struct hcl_val **cur)
{
	const char *root = x->u.trav.root, *name;
	const struct hcl_ctx_table *t;
	bool is_var = strcmp(root, "var") == 0;
	size_t idx;
	if (ev->ctx != NULL && ev->ctx->no_refs)
		return ev_fail(ev, x->pos, "variables are not allowed here");
	if (!is_var && strcmp(root, "local") != 0)
		return ev_fail(ev, x->pos, "unknown variable \"%s\"", root);
	if (x->u.trav.n == 0 || x->u.trav.steps[0].name == NULL)
		return ev_fail(ev, x->pos,
		               "\"%s\" must be followed by a name, like "
		               "%s.name",
		               root, root);
	name = x->u.trav.steps[0].name;
	t = ev->ctx == NULL ? NULL : is_var ? &ev->ctx->vars : &ev->ctx->locals;
	if (t == NULL || !hcl_nameset_get(&t->index, name, &idx))
		return ev_fail(ev, x->pos,
		               is_var ? "undefined variable \"%s\""
		                      : "undefined local value \"%s\"",
		               name);
	*cur = &t->items[idx].val;
	return ERR_OK;
}

static int ev_traversal(struct ev *ev, const struct hcl_expr *x,
                        struct hcl_val *out)
{
	const struct hcl_val *cur;
	int rc = ev_root(ev, x, &cur);
	for (size_t i = 1; rc == ERR_OK && i < x->u.trav.n; i++)
		rc = ev_step(ev, &x->u.trav.steps[i], &cur);
	if (rc != ERR_OK)
		return rc;
	if (hcl_val_copy(out, cur) != ERR_OK)
		return hcl_oom(ev->e);
	/* errors about this value should point here, not at its origin,
	 * which may be another file or a command-line flag */
	hcl_val_set_pos(out, x->pos);
	return ERR_OK;
}

static int ev_expr(struct ev *ev, const struct hcl_expr *x, struct hcl_val *out)
{
	out->pos = x->pos;
	switch (x->kind) {
	case HCL_X_LITERAL: return ev_literal(ev, x, out);
	case HCL_X_TEMPLATE: return ev_template(ev, x, out);
	case HCL_X_TUPLE: return ev_tuple(ev, x, out);
	case HCL_X_OBJECT: return ev_object(ev, x, out);
	case HCL_X_TRAVERSAL: return ev_traversal(ev, x, out);
	case HCL_X_PAREN: return ev_expr(ev, x->u.paren, out);
	case HCL_X_CALL:
		return ev_fail(ev, x->pos, "function calls are not supported");
	}
	return ev_fail(ev, x->pos, "unsupported expression");
}

int hcl_eval(const struct hcl_expr *x, const struct hcl_ctx *ctx,
             const char *filename, struct hcl_val *out, struct err *e)
{
	struct ev ev = {ctx, filename != NULL ? filename : "<input>", e};
	int rc;
	memset(out, 0, sizeof *out);
	if (x == NULL)
		return err_set(e, ERR_INVAL, "no expression to evaluate");
	rc = ev_expr(&ev, x, out);
	if (rc != ERR_OK)
		hcl_val_release(out);
	return rc;
}
