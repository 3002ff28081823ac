#include "jobspec/hcl_decode.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/stime.h"


int hcl_decode_fail(struct hcl_decode *d, struct hcl_pos pos, const char *fmt,
		    ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(d->err, ERR_PARSE, "%s:%d:%d: %s", d->filename,
		       pos.line, pos.col, msg);
}

static int hcl_decode_oom(struct hcl_decode *d)
{
	return err_set(d->err, ERR_NOMEM, "%s: out of memory", d->filename);
}

char *hcl_decode_where(const struct hcl_block *b)
{
	if (b->nlabels > 0)
		return mem_asprintf("%s \"%s\"", b->type, b->labels[0]);
	return mem_strdup(b->type);
}

int hcl_decode_eval(struct hcl_decode *d, const struct hcl_attr *a,
		    struct hcl_val *out)
{
	memset(out, 0, sizeof *out);
	return hcl_eval(a->expr, d->ctx, d->filename, out, d->err);
}

/* ---- scalar conversions --------------------------------------------- */

static int hcl_decode_type_error(struct hcl_decode *d, const struct hcl_val *v,
				 const char *what, const char *want)
{
	if (v->kind == HCL_STRING)
		return hcl_decode_fail(d, v->pos,
				       "invalid value for \"%s\": %s is "
				       "required, got string \"%.60s\"",
				       what, want, v->s);
	return hcl_decode_fail(d, v->pos,
			       "invalid value for \"%s\": %s is required, got %s",
			       what, want, hcl_kind_name(v->kind));
}

int hcl_decode_string(struct hcl_decode *d, const struct hcl_val *v,
		      const char *what, char **out)
{
	char tmp[64];
	const char *s;
	switch (v->kind) {
	case HCL_STRING: s = v->s; break;
	case HCL_BOOL: s = v->b ? "true" : "false"; break;
	case HCL_NUMBER:
		if (v->is_int)
			snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
		else
			snprintf(tmp, sizeof tmp, "%.17g", v->num);
		s = tmp;
		break;
	case HCL_NULL:
		mem_free(*out);
		*out = NULL;
		return ERR_OK;
	default: return hcl_decode_type_error(d, v, what, "a string");
	}
	mem_free(*out);
	*out = mem_strdup(s);
	return *out == NULL ? hcl_decode_oom(d) : ERR_OK;
}

/* Parses a whole numeric string as HCL's string-to-number conversion. */
static int hcl_decode_numeric_string(const char *s, double *num, int64_t *i,
				     bool *is_int)
{
	char *end;
	if (*s == '\0')
		return -1;
	errno = 0;
	long long ll = strtoll(s, &end, 10);
	if (*end == '\0' && errno == 0) {
		*i = ll;
		*num = (double)ll;
		*is_int = true;
		return 0;
	}
	errno = 0;
	double f = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(f))
		return -1;
	*num = f;
	*is_int = false;
	return 0;
}

int hcl_decode_int(struct hcl_decode *d, const struct hcl_val *v,
		   const char *what, int64_t *out)
{
	double num = v->num;
	int64_t i = v->i;
	bool is_int = v->is_int;
	if (v->kind == HCL_NULL)
		return ERR_OK;
	if (v->kind == HCL_STRING) {
		if (hcl_decode_numeric_string(v->s, &num, &i, &is_int) != 0)
			return hcl_decode_type_error(d, v, what, "a number");
	} else if (v->kind != HCL_NUMBER) {
		return hcl_decode_type_error(d, v, what, "a number");
	}
	if (!is_int) {
		if (num != floor(num) || num < -9.2e18 || num > 9.2e18)
			return hcl_decode_fail(d, v->pos,
					       "invalid value for \"%s\": a "
					       "whole number is required",
					       what);
		i = (int64_t)num;
	}
	*out = i;
	return ERR_OK;
}

static int hcl_decode_float(struct hcl_decode *d, const struct hcl_val *v,
			    const char *what, double *out)
{
	int64_t i;
	bool is_int;
	if (v->kind == HCL_NULL)
		return ERR_OK;
	if (v->kind == HCL_NUMBER) {
		*out = v->num;
		return ERR_OK;
	}
	if (v->kind == HCL_STRING &&
	    hcl_decode_numeric_string(v->s, out, &i, &is_int) == 0)
		return ERR_OK;
	return hcl_decode_type_error(d, v, what, "a number");
}

int hcl_decode_bool(struct hcl_decode *d, const struct hcl_val *v,
		    const char *what, bool *out)
{
	if (v->kind == HCL_NULL)
		return ERR_OK;
	if (v->kind == HCL_BOOL) {
		*out = v->b;
		return ERR_OK;
	}
	if (v->kind == HCL_STRING && strcmp(v->s, "true") == 0) {
		*out = true;
		return ERR_OK;
	}
	if (v->kind == HCL_STRING && strcmp(v->s, "false") == 0) {
		*out = false;
		return ERR_OK;
	}
	return hcl_decode_type_error(d, v, what, "a bool");
}

static int hcl_decode_duration(struct hcl_decode *d, const struct hcl_val *v,
			       const char *what, int64_t *out)
{
	const char *why = NULL;
	if (v->kind == HCL_NUMBER)
		return hcl_decode_int(d, v, what, out);
	if (v->kind != HCL_STRING)
		return hcl_decode_type_error(d, v, what, "a duration string");
	if (stime_parse_duration(v->s, out, &why) != 0)
		return hcl_decode_fail(d, v->pos,
				       "invalid duration \"%.60s\" for \"%s\": %s",
				       v->s, what, why);
	return ERR_OK;
}

int hcl_decode_value(struct hcl_decode *d, const struct hcl_val *v,
		     const char *what, struct value *out)
{
	int rc = ERR_OK;
	value_release(out);
	switch (v->kind) {
	case HCL_NULL: return ERR_OK;
	case HCL_BOOL:
		out->kind = VALUE_BOOL;
		out->u.b = v->b;
		return ERR_OK;
	case HCL_NUMBER:
		if (v->is_int) {
			out->kind = VALUE_INT;
			out->u.i = v->i;
		} else {
			out->kind = VALUE_FLOAT;
			out->u.f = v->num;
		}
		return ERR_OK;
	case HCL_STRING:
		return value_set_string(out, v->s) == 0 ? ERR_OK
							: hcl_decode_oom(d);
	case HCL_LIST:
		out->kind = VALUE_LIST;
		for (size_t i = 0; i < v->n && rc == ERR_OK; i++) {
			struct value *e = value_list_append(out);
			rc = e == NULL ? hcl_decode_oom(d)
				       : hcl_decode_value(d, &v->items[i], what, e);
		}
		return rc;
	case HCL_OBJECT:
		out->kind = VALUE_MAP;
		for (size_t i = 0; i < v->n && rc == ERR_OK; i++) {
			struct value *e = value_map_append(out, v->keys[i]);
			rc = e == NULL ? hcl_decode_oom(d)
				       : hcl_decode_value(d, &v->items[i], what, e);
		}
		return rc;
	}
	return ERR_INTERNAL;
}

/* ---- attribute values into fields ------------------------------------ */

static int hcl_decode_strlist(struct hcl_decode *d, const struct hcl_val *v,
			      const char *what, struct strlist *out)
{
	if (v->kind == HCL_NULL)
		return ERR_OK;
	if (v->kind != HCL_LIST)
		return hcl_decode_type_error(d, v, what, "a list of strings");
	strlist_release(out);
	for (size_t i = 0; i < v->n; i++) {
		char *s = NULL;
		int rc = hcl_decode_string(d, &v->items[i], what, &s);
		if (rc != ERR_OK)
			return rc;
		rc = strlist_push(out, s != NULL ? s : "");
		mem_free(s);
		if (rc != 0)
			return hcl_decode_oom(d);
	}
	return ERR_OK;
}

static int hcl_decode_strmap(struct hcl_decode *d, const struct hcl_val *v,
			     const char *what, struct strmap *out)
{
	if (v->kind == HCL_NULL)
		return ERR_OK;
	if (v->kind != HCL_OBJECT)
		return hcl_decode_type_error(d, v, what, "a map of strings");
	for (size_t i = 0; i < v->n; i++) {
		char *s = NULL;
		int rc = hcl_decode_string(d, &v->items[i], v->keys[i], &s);
		if (rc != ERR_OK)
			return rc;
		rc = strmap_set(out, v->keys[i], s != NULL ? s : "");
		mem_free(s);
		if (rc != 0)
			return hcl_decode_oom(d);
	}
	return ERR_OK;
}

static int hcl_decode_strlistmap(struct hcl_decode *d, const struct hcl_val *v,
				 const char *what, struct strlistmap *out)
{
	if (v->kind == HCL_NULL)
		return ERR_OK;
	if (v->kind != HCL_OBJECT)
		return hcl_decode_type_error(d, v, what,
					     "a map of lists of strings");
	for (size_t i = 0; i < v->n; i++) {
		struct strlist l = {0};
		int rc = hcl_decode_strlist(d, &v->items[i], v->keys[i], &l);
		for (size_t j = 0; rc == ERR_OK && j < l.n; j++)
			if (strlistmap_add(out, v->keys[i], l.v[j]) != 0)
				rc = hcl_decode_oom(d);
		strlist_release(&l);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int hcl_decode_opt(struct hcl_decode *d, const struct hcl_val *v,
			  const struct schema_field *f, struct opt *o)
{
	int rc;
	bool b = false;
	if (v->kind == HCL_NULL) {
		o->set = false;
		o->v = 0;
		return ERR_OK;
	}
	if (f->type == FT_OPTBOOL) {
		rc = hcl_decode_bool(d, v, f->hcl, &b);
		o->v = b;
	} else if (f->type == FT_OPTDUR) {
		rc = hcl_decode_duration(d, v, f->hcl, &o->v);
	} else {
		rc = hcl_decode_int(d, v, f->hcl, &o->v);
	}
	o->set = rc == ERR_OK;
	return rc;
}

static int hcl_decode_scalar(struct hcl_decode *d, const struct hcl_val *v,
			     const struct schema_field *f, char *p)
{
	int64_t i = 0;
	int rc;
	switch (f->type) {
	case FT_STR: return hcl_decode_string(d, v, f->hcl, (char **)p);
	case FT_BOOL: return hcl_decode_bool(d, v, f->hcl, (bool *)p);
	case FT_INT:
	case FT_NSTIME:
	case FT_TIME: return hcl_decode_int(d, v, f->hcl, (int64_t *)p);
	case FT_UINT:
		rc = hcl_decode_int(d, v, f->hcl, &i);
		if (rc == ERR_OK && i < 0)
			return hcl_decode_fail(d, v->pos,
					       "invalid value for \"%s\": must "
					       "not be negative",
					       f->hcl);
		*(uint64_t *)p = (uint64_t)i;
		return rc;
	case FT_FLOAT: return hcl_decode_float(d, v, f->hcl, (double *)p);
	case FT_DUR: return hcl_decode_duration(d, v, f->hcl, (int64_t *)p);
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: return hcl_decode_opt(d, v, f, (struct opt *)p);
	case FT_STRLIST:
		return hcl_decode_strlist(d, v, f->hcl, (struct strlist *)p);
	case FT_STRMAP:
		return hcl_decode_strmap(d, v, f->hcl, (struct strmap *)p);
	case FT_STRLISTMAP:
		return hcl_decode_strlistmap(d, v, f->hcl,
					     (struct strlistmap *)p);
	case FT_VALUE:
		return hcl_decode_value(d, v, f->hcl, (struct value *)p);
	default: return ERR_INTERNAL;
	}
}

static bool hcl_decode_is_block_type(const struct schema_field *f)
{
	return f->type == FT_STRUCT || f->type == FT_PTR ||
	       f->type == FT_LIST || f->type == FT_MAP;
}

static int hcl_decode_attr(struct hcl_decode *d, const struct schema_field *f,
			   void *obj, const struct hcl_attr *a,
			   const char *where)
{
	struct hcl_val v;
	int rc;
	if (hcl_decode_is_block_type(f) || f->type == FT_BYTES)
		return hcl_decode_fail(d, a->pos,
				       "\"%s\" in %s must be a block, not an "
				       "argument",
				       a->name, where);
	rc = hcl_decode_eval(d, a, &v);
	if (rc != ERR_OK)
		return rc;
	rc = hcl_decode_scalar(d, &v, f, (char *)obj + f->off);
	hcl_val_release(&v);
	return rc;
}

/* ---- blocks into fields --------------------------------------------- */

static const struct schema_field *hcl_decode_label_field(const struct schema *s)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (s->fields[i].flags & SF_LABEL)
			return &s->fields[i];
	return NULL;
}

static int hcl_decode_labels(struct hcl_decode *d, const struct hcl_block *b,
			     size_t want, const char *where)
{
	if (b->nlabels < want)
		return hcl_decode_fail(d, b->pos,
				       "missing name for \"%s\" block in %s: "
				       "a label is required",
				       b->type, where);
	if (b->nlabels > want)
		return hcl_decode_fail(d, b->label_pos[want],
				       "extraneous label for \"%s\" block in "
				       "%s: %s",
				       b->type, where,
				       want == 0 ? "no labels are expected"
						 : "only one label is expected");
	return ERR_OK;
}

int hcl_decode_block(struct hcl_decode *d, const struct schema *s, void *obj,
		     const struct hcl_block *b, const char *where)
{
	const struct schema_field *lf = hcl_decode_label_field(s);
	char *inner;
	int rc = hcl_decode_labels(d, b, lf != NULL ? 1 : 0, where);
	if (rc != ERR_OK)
		return rc;
	if (lf != NULL) {
		char **dst = (char **)((char *)obj + lf->off);
		mem_free(*dst);
		*dst = mem_strdup(b->labels[0]);
		if (*dst == NULL)
			return hcl_decode_oom(d);
	}
	inner = hcl_decode_where(b);
	if (inner == NULL)
		return hcl_decode_oom(d);
	rc = hcl_decode_body(d, s, obj, b->body, inner);
	mem_free(inner);
	return rc;
}

/* Grows a {T *v; size_t n} list by one zeroed element of size esize. */
static void *hcl_decode_list_grow(void *listp, size_t esize)
{
	void **v = (void **)listp;
	size_t *n = (size_t *)((char *)listp + sizeof(void *));
	char *nv = mem_realloc(*v, (*n + 1) * esize);
	if (nv == NULL)
		return NULL;
	memset(nv + *n * esize, 0, esize);
	*v = nv;
	return nv + (*n)++ * esize;
}

static int hcl_decode_map_block(struct hcl_decode *d,
				const struct schema_field *f, void *p,
				const struct hcl_block *b, const char *where)
{
	struct {
		char *v;
		size_t n;
	} *m = p;
	int rc = hcl_decode_labels(d, b, 1, where);
	if (rc != ERR_OK)
		return rc;
	size_t at = m->n;
	for (size_t i = 0; i < m->n; i++) {
		int c = strcmp(*(char **)(m->v + i * f->esize), b->labels[0]);
		if (c == 0)
			return hcl_decode_fail(d, b->label_pos[0],
					       "duplicate \"%s\" block \"%s\" in "
					       "%s",
					       b->type, b->labels[0], where);
		if (c > 0 && at == m->n)
			at = i;
	}
	if (hcl_decode_list_grow(p, f->esize) == NULL)
		return hcl_decode_oom(d);
	/* Maps stay sorted by key: open a slot at the insertion point. */
	char *ent = m->v + at * f->esize;
	memmove(ent + f->esize, ent, (m->n - 1 - at) * f->esize);
	memset(ent, 0, f->esize);
	*(char **)ent = mem_strdup(b->labels[0]);
	if (*(char **)ent == NULL)
		return hcl_decode_oom(d);
	struct hcl_block unlabeled = *b;
	unlabeled.nlabels = 0;
	/* The label is the key; the value's own label field (if any) also
	 * gets it so a named volume knows its name. */
	if (hcl_decode_label_field(f->sub) != NULL)
		unlabeled.nlabels = 1;
	return hcl_decode_block(d, f->sub, ent + f->voff, &unlabeled, where);
}

/* Attributes of a block body as a map (meta { a = "b" }). */
static int hcl_decode_attrs_as_object(struct hcl_decode *d,
				      const struct hcl_block *b,
				      struct hcl_val *out)
{
	const struct hcl_body *body = b->body;
	memset(out, 0, sizeof *out);
	out->kind = HCL_OBJECT;
	out->pos = b->pos;
	out->items = mem_calloc(body->n ? body->n : 1, sizeof *out->items);
	out->keys = mem_calloc(body->n ? body->n : 1, sizeof *out->keys);
	out->key_pos = mem_calloc(body->n ? body->n : 1, sizeof *out->key_pos);
	if (out->items == NULL || out->keys == NULL || out->key_pos == NULL)
		return hcl_decode_oom(d);
	for (size_t i = 0; i < body->n; i++) {
		const struct hcl_item *it = &body->items[i];
		if (it->kind != HCL_ITEM_ATTR)
			return hcl_decode_fail(d, it->u.block.pos,
					       "unexpected block \"%s\" in \"%s\": "
					       "only arguments are allowed here",
					       it->u.block.type, b->type);
		out->keys[out->n] = mem_strdup(it->u.attr.name);
		if (out->keys[out->n] == NULL)
			return hcl_decode_oom(d);
		out->key_pos[out->n] = it->u.attr.pos;
		int rc = hcl_decode_eval(d, &it->u.attr, &out->items[out->n]);
		out->n++;
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int hcl_decode_value_block(struct hcl_decode *d,
				  const struct hcl_block *b, struct value *out);

/* Nested blocks inside a free-form block become lists of maps under the
 * block type, as Nomad's driver config decoding does. */
static int hcl_decode_value_body(struct hcl_decode *d, const struct hcl_block *b,
				 struct value *out)
{
	int rc = ERR_OK;
	if (out->kind != VALUE_MAP) {
		value_release(out);
		out->kind = VALUE_MAP;
	}
	for (size_t i = 0; i < b->body->n && rc == ERR_OK; i++) {
		const struct hcl_item *it = &b->body->items[i];
		if (it->kind == HCL_ITEM_ATTR) {
			struct hcl_val v;
			struct value *e;
			if (value_map_get(out, it->u.attr.name) != NULL)
				return hcl_decode_fail(
					d, it->u.attr.pos,
					"argument \"%s\" conflicts with a block "
					"of the same name",
					it->u.attr.name);
			e = value_map_append(out, it->u.attr.name);
			if (e == NULL)
				return hcl_decode_oom(d);
			rc = hcl_decode_eval(d, &it->u.attr, &v);
			if (rc == ERR_OK)
				rc = hcl_decode_value(d, &v, it->u.attr.name, e);
			hcl_val_release(&v);
		} else {
			rc = hcl_decode_value_block(d, &it->u.block, out);
		}
	}
	return rc;
}

static int hcl_decode_value_block(struct hcl_decode *d,
				  const struct hcl_block *b, struct value *out)
{
	struct value *list = (struct value *)value_map_get(out, b->type);
	struct value *e;
	if (b->nlabels > 0)
		return hcl_decode_fail(d, b->label_pos[0],
				       "extraneous label for \"%s\" block: no "
				       "labels are expected",
				       b->type);
	if (list == NULL) {
		list = value_map_append(out, b->type);
		if (list == NULL)
			return hcl_decode_oom(d);
		list->kind = VALUE_LIST;
	} else if (list->kind != VALUE_LIST) {
		return hcl_decode_fail(d, b->pos,
				       "block \"%s\" conflicts with an argument "
				       "of the same name",
				       b->type);
	}
	e = value_list_append(list);
	if (e == NULL)
		return hcl_decode_oom(d);
	e->kind = VALUE_MAP;
	return hcl_decode_value_body(d, b, e);
}

static int hcl_decode_map_like_block(struct hcl_decode *d,
				     const struct schema_field *f, char *p,
				     const struct hcl_block *b,
				     const char *where)
{
	struct hcl_val v;
	int rc = hcl_decode_labels(d, b, 0, where);
	if (rc != ERR_OK)
		return rc;
	if (f->type == FT_VALUE)
		return hcl_decode_value_body(d, b, (struct value *)p);
	rc = hcl_decode_attrs_as_object(d, b, &v);
	if (rc == ERR_OK)
		rc = hcl_decode_scalar(d, &v, f, p);
	hcl_val_release(&v);
	return rc;
}

static int hcl_decode_field_block(struct hcl_decode *d,
				  const struct schema_field *f, void *obj,
				  const struct hcl_block *b, const char *where)
{
	char *p = (char *)obj + f->off;
	switch (f->type) {
	case FT_STRUCT: return hcl_decode_block(d, f->sub, p, b, where);
	case FT_PTR:
		if (*(void **)p == NULL) {
			*(void **)p = mem_calloc(1, f->sub->size);
			if (*(void **)p == NULL)
				return hcl_decode_oom(d);
		}
		return hcl_decode_block(d, f->sub, *(void **)p, b, where);
	case FT_LIST: {
		void *e = hcl_decode_list_grow(p, f->sub->size);
		if (e == NULL)
			return hcl_decode_oom(d);
		return hcl_decode_block(d, f->sub, e, b, where);
	}
	case FT_MAP: return hcl_decode_map_block(d, f, p, b, where);
	case FT_STRMAP:
	case FT_STRLISTMAP:
	case FT_VALUE: return hcl_decode_map_like_block(d, f, p, b, where);
	default:
		return hcl_decode_fail(d, b->pos,
				       "\"%s\" in %s is an argument, not a block; "
				       "write %s = ...",
				       b->type, where, b->type);
	}
}

/* ---- bodies --------------------------------------------------------- */

static const struct schema_field *hcl_decode_find(const struct schema *s,
						  const char *name,
						  size_t *index)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const char *h = s->fields[i].hcl;
		if (h != NULL && strcmp(h, name) == 0) {
			*index = i;
			return &s->fields[i];
		}
	}
	return NULL;
}

/* Single blocks (STRUCT, PTR, maps given as blocks) may appear once. */
static bool hcl_decode_single(const struct schema_field *f)
{
	return f->type != FT_LIST && f->type != FT_MAP;
}

static int hcl_decode_item(struct hcl_decode *d, const struct schema *s,
			   void *obj, const struct hcl_item *it,
			   const char *where, struct hcl_pos *seen)
{
	bool is_attr = it->kind == HCL_ITEM_ATTR;
	const char *name = is_attr ? it->u.attr.name : it->u.block.type;
	struct hcl_pos pos = is_attr ? it->u.attr.pos : it->u.block.pos;
	size_t idx = 0;
	const struct schema_field *f = hcl_decode_find(s, name, &idx);
	if (f == NULL) {
		if (is_attr)
			return hcl_decode_fail(d, pos,
					       "unsupported argument \"%s\" in %s",
					       name, where);
		return hcl_decode_fail(d, pos,
				       "unsupported block type \"%s\" in %s",
				       name, where);
	}
	if (hcl_decode_single(f) && seen[idx].line != 0)
		return hcl_decode_fail(d, pos,
				       "duplicate \"%s\" in %s; previously set "
				       "at %s:%d:%d",
				       name, where, d->filename, seen[idx].line,
				       seen[idx].col);
	seen[idx] = pos;
	if (is_attr)
		return hcl_decode_attr(d, f, obj, &it->u.attr, where);
	return hcl_decode_field_block(d, f, obj, &it->u.block, where);
}

int hcl_decode_body(struct hcl_decode *d, const struct schema *s, void *obj,
		    const struct hcl_body *body, const char *where)
{
	struct hcl_pos *seen;
	int rc = ERR_OK;
	seen = mem_calloc(s->nfields ? s->nfields : 1, sizeof *seen);
	if (seen == NULL)
		return hcl_decode_oom(d);
	for (size_t i = 0; i < body->n && rc == ERR_OK; i++) {
		const struct hcl_item *it = &body->items[i];
		bool handled = false;
		if (d->hook != NULL) {
			rc = d->hook(d, s, obj, it, where, &handled);
			if (rc != ERR_OK || handled)
				continue;
		}
		rc = hcl_decode_item(d, s, obj, it, where, seen);
	}
	mem_free(seen);
	return rc;
}
