#include "tests/lib/hcl_emit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/stime.h"

void hcl_emit_string(struct buf *out, const char *s)
{
	buf_append_char(out, '"');
	for (const char *p = s ? s : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			buf_append_char(out, '\\');
			buf_append_char(out, (char)c);
		} else if (c == '\n') {
			buf_append_str(out, "\\n");
		} else if (c == '\t') {
			buf_append_str(out, "\\t");
		} else if (c == '\r') {
			buf_append_str(out, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			buf_appendf(out, "\\u%04x", c);
		} else if ((c == '$' || c == '%') && p[1] == '{') {
			buf_append_char(out, (char)c);
			buf_append_char(out, (char)c);
		} else {
			buf_append_char(out, (char)c);
		}
	}
	buf_append_char(out, '"');
}

static void hcl_emit_indent(struct buf *out, int indent)
{
	for (int i = 0; i < indent; i++)
		buf_append_str(out, "  ");
}

static void hcl_emit_value(struct buf *out, const struct value *v)
{
	switch (v->kind) {
	case VALUE_NULL: buf_append_str(out, "null"); break;
	case VALUE_BOOL: buf_append_str(out, v->u.b ? "true" : "false"); break;
	case VALUE_INT: buf_appendf(out, "%" PRId64, v->u.i); break;
	case VALUE_FLOAT: buf_appendf(out, "%.17g", v->u.f); break;
	case VALUE_STRING: hcl_emit_string(out, v->u.s); break;
	case VALUE_LIST:
		buf_append_char(out, '[');
		for (size_t i = 0; i < v->u.list.n; i++) {
			hcl_emit_value(out, &v->u.list.v[i]);
			buf_append_str(out, ", ");
		}
		buf_append_char(out, ']');
		break;
	case VALUE_MAP:
		buf_append_str(out, "{\n");
		for (size_t i = 0; i < v->u.map.n; i++) {
			hcl_emit_string(out, v->u.map.v[i].key);
			buf_append_str(out, " = ");
			hcl_emit_value(out, &v->u.map.v[i].val);
			buf_append_char(out, '\n');
		}
		buf_append_char(out, '}');
		break;
	}
}

static void hcl_emit_strlist(struct buf *out, const struct strlist *l)
{
	buf_append_char(out, '[');
	for (size_t i = 0; i < l->n; i++) {
		hcl_emit_string(out, l->v[i]);
		buf_append_str(out, ", ");
	}
	buf_append_char(out, ']');
}

/* Emits `name = value` for non-block fields; returns false if nothing. */
static bool hcl_emit_scalar(struct buf *out, const struct schema_field *f,
			    const char *p)
{
	char tmp[64];
	switch (f->type) {
	case FT_STR:
		if (*(char *const *)p == NULL || **(char *const *)p == '\0')
			return false;
		buf_appendf(out, "%s = ", f->hcl);
		hcl_emit_string(out, *(char *const *)p);
		return true;
	case FT_BOOL:
		if (!*(const bool *)p)
			return false;
		buf_appendf(out, "%s = true", f->hcl);
		return true;
	case FT_INT:
	case FT_NSTIME:
	case FT_TIME:
		if (*(const int64_t *)p == 0)
			return false;
		buf_appendf(out, "%s = %" PRId64, f->hcl, *(const int64_t *)p);
		return true;
	case FT_UINT:
		if (*(const uint64_t *)p == 0)
			return false;
		buf_appendf(out, "%s = %" PRIu64, f->hcl, *(const uint64_t *)p);
		return true;
	case FT_FLOAT:
		if (*(const double *)p == 0)
			return false;
		buf_appendf(out, "%s = %.17g", f->hcl, *(const double *)p);
		return true;
	case FT_DUR:
		if (*(const int64_t *)p == 0)
			return false;
		stime_format_duration(*(const int64_t *)p, tmp, sizeof tmp);
		buf_appendf(out, "%s = \"%s\"", f->hcl, tmp);
		return true;
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: {
		const struct opt *o = (const struct opt *)p;
		if (!o->set)
			return false;
		if (f->type == FT_OPTBOOL)
			buf_appendf(out, "%s = %s", f->hcl, o->v ? "true" : "false");
		else if (f->type == FT_OPTDUR)
			buf_appendf(out, "%s = %" PRId64, f->hcl, o->v);
		else
			buf_appendf(out, "%s = %" PRId64, f->hcl, o->v);
		return true;
	}
	case FT_STRLIST: {
		const struct strlist *l = (const struct strlist *)p;
		if (l->n == 0)
			return false;
		buf_appendf(out, "%s = ", f->hcl);
		hcl_emit_strlist(out, l);
		return true;
	}
	case FT_STRMAP: {
		const struct strmap *m = (const struct strmap *)p;
		if (m->n == 0)
			return false;
		buf_appendf(out, "%s = {\n", f->hcl);
		for (size_t i = 0; i < m->n; i++) {
			hcl_emit_string(out, m->v[i].key);
			buf_append_str(out, " = ");
			hcl_emit_string(out, m->v[i].val);
			buf_append_char(out, '\n');
		}
		buf_append_char(out, '}');
		return true;
	}
	case FT_STRLISTMAP: {
		const struct strlistmap *m = (const struct strlistmap *)p;
		if (m->n == 0)
			return false;
		buf_appendf(out, "%s = {\n", f->hcl);
		for (size_t i = 0; i < m->n; i++) {
			hcl_emit_string(out, m->v[i].key);
			buf_append_str(out, " = ");
			hcl_emit_strlist(out, &m->v[i].val);
			buf_append_char(out, '\n');
		}
		buf_append_char(out, '}');
		return true;
	}
	case FT_VALUE:
		if (((const struct value *)p)->kind == VALUE_NULL)
			return false;
		buf_appendf(out, "%s = ", f->hcl);
		hcl_emit_value(out, (const struct value *)p);
		return true;
	default: return false;
	}
}

static const char *hcl_emit_label(const struct schema *s, const void *obj)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (s->fields[i].flags & SF_LABEL)
			return *(char *const *)((const char *)obj +
						s->fields[i].off);
	return NULL;
}

static bool hcl_emit_has_label(const struct schema *s)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (s->fields[i].flags & SF_LABEL)
			return true;
	return false;
}

static void hcl_emit_body(struct buf *out, const struct schema *s,
			  const void *obj, int indent);

static void hcl_emit_list(struct buf *out, const char *type,
			  const struct schema *sub, const void *p, int indent)
{
	const char *v = *(char *const *)p;
	size_t n = *(const size_t *)((const char *)p + sizeof(void *));
	for (size_t i = 0; i < n; i++)
		hcl_emit_block(out, type, sub, v + i * sub->size, indent);
}

/* Special cases of jobspec's mapping (see jobspec/jobspec.c). */
static bool hcl_emit_special(struct buf *out, const struct schema *s,
			     const struct schema_field *f, const char *p,
			     int indent)
{
	if (strcmp(s->name, "network_resource") == 0 &&
	    (strcmp(f->name, "ReservedPorts") == 0 ||
	     strcmp(f->name, "DynamicPorts") == 0)) {
		hcl_emit_list(out, "port", f->sub, p, indent);
		return true;
	}
	if (strcmp(s->name, "task") == 0 && strcmp(f->name, "Identity") == 0) {
		if (*(void *const *)p != NULL)
			hcl_emit_block(out, "identity", f->sub,
				       *(void *const *)p, indent);
		return true;
	}
	if (strcmp(s->name, "task") == 0 &&
	    strcmp(f->name, "Identities") == 0) {
		hcl_emit_list(out, "identity", f->sub, p, indent);
		return true;
	}
	return false;
}

static void hcl_emit_field(struct buf *out, const struct schema *s,
			   const struct schema_field *f, const char *p,
			   int indent)
{
	if (hcl_emit_special(out, s, f, p, indent) || f->hcl == NULL)
		return;
	switch (f->type) {
	case FT_STRUCT: hcl_emit_block(out, f->hcl, f->sub, p, indent); return;
	case FT_PTR:
		if (*(void *const *)p != NULL)
			hcl_emit_block(out, f->hcl, f->sub, *(void *const *)p,
				       indent);
		return;
	case FT_LIST: hcl_emit_list(out, f->hcl, f->sub, p, indent); return;
	case FT_MAP: {
		const char *v = *(char *const *)p;
		size_t n = *(const size_t *)(p + sizeof(void *));
		for (size_t i = 0; i < n; i++) {
			const char *e = v + i * f->esize;
			hcl_emit_indent(out, indent);
			buf_appendf(out, "%s ", f->hcl);
			hcl_emit_string(out, *(char *const *)e);
			buf_append_str(out, " {\n");
			hcl_emit_body(out, f->sub, e + f->voff, indent + 1);
			hcl_emit_indent(out, indent);
			buf_append_str(out, "}\n");
		}
		return;
	}
	default: {
		struct buf line;
		buf_init(&line);
		if (hcl_emit_scalar(&line, f, p)) {
			hcl_emit_indent(out, indent);
			buf_append(out, line.data, line.len);
			buf_append_char(out, '\n');
		}
		buf_release(&line);
	}
	}
}

static void hcl_emit_body(struct buf *out, const struct schema *s,
			  const void *obj, int indent)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		if (f->flags & SF_LABEL)
			continue;
		hcl_emit_field(out, s, f, (const char *)obj + f->off, indent);
	}
}

void hcl_emit_block(struct buf *out, const char *block_type,
		    const struct schema *s, const void *obj, int indent)
{
	hcl_emit_indent(out, indent);
	buf_append_str(out, block_type);
	if (hcl_emit_has_label(s)) {
		buf_append_char(out, ' ');
		hcl_emit_string(out, hcl_emit_label(s, obj));
	}
	buf_append_str(out, " {\n");
	hcl_emit_body(out, s, obj, indent + 1);
	hcl_emit_indent(out, indent);
	buf_append_str(out, "}\n");
}

/* ---- normalisation --------------------------------------------------- */

static size_t hcl_emit_field_size(const struct schema_field *f)
{
	switch (f->type) {
	case FT_STR: return sizeof(char *);
	case FT_BOOL: return sizeof(bool);
	case FT_INT:
	case FT_UINT:
	case FT_FLOAT:
	case FT_DUR:
	case FT_NSTIME:
	case FT_TIME: return sizeof(int64_t);
	case FT_BYTES: return sizeof(struct bytes);
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: return sizeof(struct opt);
	case FT_STRLIST: return sizeof(struct strlist);
	case FT_STRMAP: return sizeof(struct strmap);
	case FT_STRLISTMAP: return sizeof(struct strlistmap);
	case FT_VALUE: return sizeof(struct value);
	case FT_STRUCT: return f->sub->size;
	case FT_PTR: return sizeof(void *);
	case FT_LIST:
	case FT_MAP: return sizeof(void *) + sizeof(size_t);
	}
	return 0;
}

static void hcl_emit_zero_field(const struct schema_field *f, char *p)
{
	/* Release one field by wrapping it in a one-field schema. */
	struct schema_field copy = *f;
	struct schema one = {"field", hcl_emit_field_size(f), &copy, 1, 0};
	copy.off = 0;
	schema_release(&one, p);
	memset(p, 0, hcl_emit_field_size(f));
}

/* A MAP value's label field is its key once decoded. */
static void hcl_emit_label_is_key(const struct schema *sub, char *key,
				  void *val)
{
	for (size_t i = 0; i < sub->nfields; i++) {
		if (sub->fields[i].flags & SF_LABEL) {
			char **l = (char **)((char *)val + sub->fields[i].off);
			mem_free(*l);
			*l = mem_strdup(key);
		}
	}
}

static void hcl_emit_norm_list(const struct schema *sub, char *p,
			       void (*fix)(const struct schema *, void *))
{
	char *v = *(char **)p;
	size_t n = *(size_t *)(p + sizeof(void *));
	for (size_t i = 0; i < n; i++) {
		hcl_emit_normalize(sub, v + i * sub->size);
		if (fix != NULL)
			fix(sub, v + i * sub->size);
	}
}

static void hcl_emit_fix_reserved(const struct schema *s, void *port)
{
	const struct schema_field *f = schema_field_by_name(s, "Value");
	int64_t *v = (int64_t *)((char *)port + f->off);
	*v = 1 + (int64_t)((uint64_t)*v % 65535);
}

static void hcl_emit_fix_dynamic(const struct schema *s, void *port)
{
	const struct schema_field *f = schema_field_by_name(s, "Value");
	*(int64_t *)((char *)port + f->off) = 0;
}

static void hcl_emit_fix_named(const struct schema *s, void *ident)
{
	const struct schema_field *f = schema_field_by_name(s, "Name");
	char **name = (char **)((char *)ident + f->off);
	if (*name == NULL || **name == '\0' || strcmp(*name, "default") == 0) {
		mem_free(*name);
		*name = mem_strdup("named");
	}
}

static void hcl_emit_fix_unnamed(const struct schema *s, void *ident)
{
	const struct schema_field *f = schema_field_by_name(s, "Name");
	char **name = (char **)((char *)ident + f->off);
	mem_free(*name);
	*name = NULL;
}

static void (*hcl_emit_fixer(const struct schema *s,
			     const struct schema_field *f))(const struct schema *,
							    void *)
{
	if (strcmp(s->name, "network_resource") == 0) {
		if (strcmp(f->name, "ReservedPorts") == 0)
			return hcl_emit_fix_reserved;
		if (strcmp(f->name, "DynamicPorts") == 0)
			return hcl_emit_fix_dynamic;
	}
	if (strcmp(s->name, "task") == 0) {
		if (strcmp(f->name, "Identities") == 0)
			return hcl_emit_fix_named;
		if (strcmp(f->name, "Identity") == 0)
			return hcl_emit_fix_unnamed;
	}
	return NULL;
}

/* jobspec sets SpecType "cron" when a cron spec is given. */
static void hcl_emit_fix_periodic(const struct schema *s, void *obj)
{
	const struct schema_field *spec = schema_field_by_name(s, "Spec");
	const struct schema_field *type = schema_field_by_name(s, "SpecType");
	char *sp = *(char **)((char *)obj + spec->off);
	char **tp = (char **)((char *)obj + type->off);
	if (sp != NULL && *sp != '\0' && *tp == NULL)
		*tp = mem_strdup("cron");
}

void hcl_emit_normalize(const struct schema *s, void *obj)
{
	if (strcmp(s->name, "periodic_config") == 0) {
		for (size_t i = 0; i < s->nfields; i++)
			if (s->fields[i].hcl == NULL)
				hcl_emit_zero_field(&s->fields[i],
						    (char *)obj + s->fields[i].off);
		hcl_emit_fix_periodic(s, obj);
		return;
	}
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		char *p = (char *)obj + f->off;
		void (*fix)(const struct schema *, void *) = hcl_emit_fixer(s, f);
		if (f->hcl == NULL && !(f->flags & SF_LABEL) && fix == NULL) {
			hcl_emit_zero_field(f, p);
			continue;
		}
		if (f->type == FT_STRUCT) {
			hcl_emit_normalize(f->sub, p);
		} else if (f->type == FT_PTR && *(void **)p != NULL) {
			hcl_emit_normalize(f->sub, *(void **)p);
			if (fix != NULL)
				fix(f->sub, *(void **)p);
		} else if (f->type == FT_LIST) {
			hcl_emit_norm_list(f->sub, p, fix);
		} else if (f->type == FT_MAP) {
			char *v = *(char **)p;
			size_t n = *(size_t *)(p + sizeof(void *));
			for (size_t j = 0; j < n; j++) {
				char *e = v + j * f->esize;
				hcl_emit_normalize(f->sub, e + f->voff);
				hcl_emit_label_is_key(f->sub, *(char **)e,
						      e + f->voff);
			}
		}
	}
}
