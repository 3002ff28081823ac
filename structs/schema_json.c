/* structs/schema_json.c: the JSON codec of every schema struct (Nomad's
 * HTTP shape, as Go's encoding/json writes it), and of free-form values.
 *
 * Encoding keeps descriptor order, writes empty lists and maps as null
 * (SF_NONNULL: [] / {}), times as RFC 3339, bytes as base64. Decoding
 * matches keys exactly then case-insensitively, ignores unknown keys and
 * names the field path in every error. */
#include "structs/schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/mem.h"
#include "lib/utf8.h"
#include "lib/stime.h"

#define JS_VALUE_DEPTH 64
#define JS_PATH_MAX    512
#define JS_KEY_SHOWN   64
#define JS_TIME_MAX    64

/* The layout shared by every `struct tag_list` and `struct tag_map`. */
struct js_array {
	char *v;
	size_t n;
};

struct js_ctx {
	struct err *e;
	char path[JS_PATH_MAX];
	size_t len;
};

/* jansson reports a failed allocation while parsing as a syntax error or
 * with no message at all, and its lexer may even drop a character and go
 * on, so the allocator notes every failure for the codec to check. */
static _Thread_local bool js_alloc_failed;

static void *js_malloc(size_t n)
{
	void *p = mem_malloc(n);
	if (p == NULL)
		js_alloc_failed = true;
	return p;
}

void schema_json_init(void)
{
	json_set_alloc_funcs(js_malloc, mem_free);
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* Go writes U+FFFD for each byte that is not valid UTF-8; jansson would
 * refuse the whole string. Returns a mem_malloc'd copy, or NULL on oom. */
static char *js_utf8_fix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *d = mem_malloc(3 * n + 1), *q = d;
	size_t i = 0;
	if (d == NULL)
		return NULL;
	while (i < n) {
		size_t k = utf8_char(p + i, n - i);
		if (k == 0) {
			memcpy(q, "\xef\xbf\xbd", 3);
			q += 3;
			i++;
			continue;
		}
		memcpy(q, p + i, k);
		q += k;
		i += k;
	}
	*q = '\0';
	return d;
}

static bool js_utf8_ok(const char *s, size_t n)
{
	size_t i = 0, k;
	while (i < n &&
	       (k = utf8_char((const unsigned char *)s + i, n - i)) > 0)
		i += k;
	return i == n;
}

/* A JSON string from a C string (NULL is ""); NULL only on oom. */
static json_t *js_string(const char *s)
{
	size_t n;
	char *fixed;
	json_t *j;
	if (s == NULL)
		s = "";
	n = strlen(s);
	if (js_utf8_ok(s, n))
		return json_stringn_nocheck(s, n);
	fixed = js_utf8_fix(s, n);
	if (fixed == NULL)
		return NULL;
	j = json_string_nocheck(fixed);
	mem_free(fixed);
	return j;
}

/* Sets o[key] = v, taking v's reference; -1 on oom (v is released). */
static int js_set(json_t *o, const char *key, json_t *v)
{
	size_t n;
	char *fixed;
	int r;
	if (v == NULL)
		return -1;
	if (key == NULL)
		key = "";
	n = strlen(key);
	if (js_utf8_ok(key, n))
		return json_object_setn_new_nocheck(o, key, n, v);
	fixed = js_utf8_fix(key, n);
	if (fixed == NULL) {
		json_decref(v);
		return -1;
	}
	r = json_object_set_new_nocheck(o, fixed, v);
	mem_free(fixed);
	return r;
}

/* ---- base64 ------------------------------------------------------------- */

static const char js_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard alphabet, padded, as Go's encoding/json writes []byte. */
static json_t *js_base64(const struct bytes *b)
{
	size_t n = 4 * ((b->n + 2) / 3), o = 0;
	char *d = mem_malloc(n + 1);
	json_t *j;
	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < b->n; i += 3) {
		uint32_t v = (uint32_t)b->v[i] << 16;
		size_t left = b->n - i;
		if (left > 1)
			v |= (uint32_t)b->v[i + 1] << 8;
		if (left > 2)
			v |= b->v[i + 2];
		d[o++] = js_b64[v >> 18 & 63];
		d[o++] = js_b64[v >> 12 & 63];
		d[o++] = left > 1 ? js_b64[v >> 6 & 63] : '=';
		d[o++] = left > 2 ? js_b64[v & 63] : '=';
	}
	j = json_stringn_nocheck(d, o);
	mem_free(d);
	return j;
}

static int js_b64_val(unsigned char ch)
{
	const char *p = ch != 0 ? strchr(js_b64, ch) : NULL;
	return p != NULL ? (int)(p - js_b64) : -1;
}

/* Decodes s[0..n) into out->v (room for 3 bytes per 4 characters);
 * newlines are skipped as Go does. Returns the bytes written or -1. */
static long js_unbase64(const char *s, size_t n, uint8_t *out)
{
	int quad[4], q = 0, pad = 0;
	bool done = false;
	long o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\r' || ch == '\n')
			continue;
		if (done || (pad > 0 && ch != '='))
			return -1;
		if (ch == '=') {
			if (q < 2)
				return -1;
			pad++;
			quad[q++] = 0;
		} else if ((quad[q++] = js_b64_val(ch)) < 0) {
			return -1;
		}
		if (q < 4)
			continue;
		uint32_t v = (uint32_t)quad[0] << 18 | (uint32_t)quad[1] << 12 |
		             (uint32_t)quad[2] << 6 | (uint32_t)quad[3];
		out[o++] = (uint8_t)(v >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(v >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)v;
		q = 0;
		done = pad > 0;
	}
	return q == 0 ? o : -1;
}

/* ---- encoding ----------------------------------------------------------- */

static int js_ent_cmp(const void *pa, const void *pb)
{
	const struct value_ent *a = *(const struct value_ent *const *)pa;
	const struct value_ent *b = *(const struct value_ent *const *)pb;
	return strcmp(a->key != NULL ? a->key : "",
	              b->key != NULL ? b->key : "");
}

/* Keys sorted, as Go writes maps. */
static json_t *js_value_map_enc(const struct value *v)
{
	size_t n = v->u.map.n;
	const struct value_ent **idx = NULL;
	json_t *o = json_object();
	if (o == NULL || n == 0)
		return o;
	idx = mem_malloc(n * sizeof *idx);
	if (idx == NULL)
		goto free_obj;
	for (size_t i = 0; i < n; i++)
		idx[i] = &v->u.map.v[i];
	qsort(idx, n, sizeof *idx, js_ent_cmp);
	for (size_t i = 0; i < n; i++)
		if (js_set(o, idx[i]->key, value_to_json(&idx[i]->val)) != 0)
			goto free_idx;
	mem_free(idx);
	return o;
free_idx:
	mem_free(idx);
free_obj:
	json_decref(o);
	return NULL;
}

static json_t *js_value_list_enc(const struct value *v)
{
	json_t *a = json_array();
	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < v->u.list.n; i++) {
		if (json_array_append_new(a, value_to_json(&v->u.list.v[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *value_to_json(const struct value *v)
{
	switch (v->kind) {
	case VALUE_BOOL: return json_boolean(v->u.b);
	case VALUE_INT: return json_integer(v->u.i);
	case VALUE_FLOAT:
		return isfinite(v->u.f) ? json_real(v->u.f) : json_null();
	case VALUE_STRING: return js_string(v->u.s);
	case VALUE_LIST: return js_value_list_enc(v);
	case VALUE_MAP: return js_value_map_enc(v);
	default: return json_null();
	}
}

/* True when an omitempty member is left out. Go never omits a struct. */
static bool js_zero(const struct schema_field *f, const void *p)
{
	switch (f->type) {
	case FT_STR: {
		const char *s = *(char *const *)p;
		return s == NULL || *s == '\0';
	}
	case FT_BOOL: return !*(const bool *)p;
	case FT_INT:
	case FT_DUR:
	case FT_NSTIME:
	case FT_TIME: return *(const int64_t *)p == 0;
	case FT_UINT: return *(const uint64_t *)p == 0;
	case FT_FLOAT: return *(const double *)p == 0;
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: return !((const struct opt *)p)->set;
	case FT_VALUE: return ((const struct value *)p)->kind == VALUE_NULL;
	case FT_STRUCT: return false;
	case FT_PTR: return *(void *const *)p == NULL;
	default:
		/* BYTES and every list and map: {pointer, count}. */
		return ((const struct js_array *)p)->n == 0;
	}
}

static json_t *js_strlist(const struct strlist *l)
{
	json_t *a = json_array();
	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (json_array_append_new(a, js_string(l->v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The key of a map entry (its first member); NULL reads as "". */
static const char *js_ent_key(const char *ent)
{
	const char *k = *(char *const *)ent;
	return k != NULL ? k : "";
}

static int js_entry_cmp(const void *a, const void *b)
{
	return strcmp(js_ent_key(*(const char *const *)a),
	              js_ent_key(*(const char *const *)b));
}

/* Maps are kept sorted by key, but one built by hand may not be: then
 * *idx (mem_malloc'd, caller frees) lists the entries in key order. */
static int js_map_order(const struct js_array *m, size_t esize,
                        const char ***idx)
{
	size_t i = 1;
	*idx = NULL;
	while (i < m->n && strcmp(js_ent_key(m->v + (i - 1) * esize),
	                          js_ent_key(m->v + i * esize)) < 0)
		i++;
	if (i >= m->n)
		return 0;
	*idx = mem_malloc(m->n * sizeof **idx);
	if (*idx == NULL)
		return -1;
	for (i = 0; i < m->n; i++)
		(*idx)[i] = m->v + i * esize;
	qsort(*idx, m->n, sizeof **idx, js_entry_cmp);
	return 0;
}

static json_t *js_map_entry(const struct schema_field *f, const char *ent)
{
	if (f->type == FT_STRMAP)
		return js_string(((const struct strmap_ent *)ent)->val);
	if (f->type == FT_STRLISTMAP)
		return js_strlist(&((const struct strlistmap_ent *)ent)->val);
	return schema_json_encode(f->sub, ent + f->voff);
}

/* STRMAP, STRLISTMAP and MAP, keys in order as Go writes them. */
static json_t *js_map(const struct schema_field *f, const void *p)
{
	const struct js_array *m = p;
	size_t esize = f->type == FT_STRMAP ? sizeof(struct strmap_ent)
	               : f->type == FT_STRLISTMAP
	                   ? sizeof(struct strlistmap_ent)
	                   : f->esize;
	const char **idx;
	json_t *o;
	if (js_map_order(m, esize, &idx) != 0)
		return NULL;
	o = json_object();
	for (size_t i = 0; o != NULL && i < m->n; i++) {
		const char *ent = idx != NULL ? idx[i] : m->v + i * esize;
		if (js_set(o, *(char *const *)ent, js_map_entry(f, ent)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	mem_free(idx);
	return o;
}

static json_t *js_list(const struct schema_field *f, const void *p)
{
	const struct js_array *l = p;
	json_t *a = json_array();
	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		json_t *v = schema_json_encode(f->sub, l->v + i * f->sub->size);
		if (json_array_append_new(a, v) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *js_time(int64_t ns)
{
	char t[JS_TIME_MAX];
	stime_format_rfc3339(ns, -1, t, sizeof t);
	return json_string_nocheck(t);
}

static json_t *js_float(double d)
{
	if (!isfinite(d))
		return json_null();
	/* Go prints integral floats without a fraction. */
	if (d == trunc(d) && fabs(d) < 1e15)
		return json_integer((json_int_t)d);
	return json_real(d);
}

static json_t *js_opt(enum schema_type t, const struct opt *o)
{
	if (!o->set)
		return json_null();
	return t == FT_OPTBOOL ? json_boolean(o->v != 0) : json_integer(o->v);
}

static json_t *js_field_scalar(const struct schema_field *f, const void *p)
{
	uint64_t u;
	switch (f->type) {
	case FT_STR: return js_string(*(char *const *)p);
	case FT_BOOL: return json_boolean(*(const bool *)p);
	case FT_UINT:
		/* jansson integers are int64: larger values lose precision. */
		u = *(const uint64_t *)p;
		return u <= INT64_MAX ? json_integer((json_int_t)u)
		                      : json_real((double)u);
	case FT_FLOAT: return js_float(*(const double *)p);
	case FT_TIME: return js_time(*(const int64_t *)p);
	case FT_BYTES:
		if (((const struct bytes *)p)->n == 0)
			return json_null();
		return js_base64(p);
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: return js_opt(f->type, p);
	default:
		/* INT, DUR, NSTIME */
		return json_integer(*(const int64_t *)p);
	}
}

static json_t *js_field(const struct schema_field *f, const void *p)
{
	switch (f->type) {
	case FT_STRLIST:
	case FT_LIST:
		if (((const struct js_array *)p)->n == 0)
			return f->flags & SF_NONNULL ? json_array()
			                             : json_null();
		return f->type == FT_LIST ? js_list(f, p) : js_strlist(p);
	case FT_STRMAP:
	case FT_STRLISTMAP:
	case FT_MAP:
		if (((const struct js_array *)p)->n == 0)
			return f->flags & SF_NONNULL ? json_object()
			                             : json_null();
		return js_map(f, p);
	case FT_VALUE: return value_to_json(p);
	case FT_STRUCT: return schema_json_encode(f->sub, p);
	case FT_PTR:
		if (*(void *const *)p == NULL)
			return json_null();
		return schema_json_encode(f->sub, *(void *const *)p);
	default: return js_field_scalar(f, p);
	}
}

json_t *schema_json_encode(const struct schema *s, const void *obj)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		const char *p = (const char *)obj + f->off;
		bool omit =
		    (f->flags & SF_OMIT) || (s->flags & SCHEMA_OMITEMPTY);
		if (f->flags & SF_NOJSON)
			continue;
		if (omit && js_zero(f, p))
			continue;
		if (js_set(o, f->name, js_field(f, p)) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int js_buf_write(const char *p, size_t n, void *data)
{
	struct buf *b = data;
	buf_append(b, p, n);
	return b->oom ? -1 : 0;
}

int schema_json_encode_buf(const struct schema *s, const void *obj, int indent,
                           struct buf *out)
{
	size_t flags = JSON_PRESERVE_ORDER;
	json_t *j;
	int r;
	js_alloc_failed = false;
	j = schema_json_encode(s, obj);
	if (j == NULL)
		return ERR_NOMEM;
	if (indent > 0)
		flags |= JSON_INDENT(indent > JSON_MAX_INDENT ? JSON_MAX_INDENT
		                                              : indent);
	else
		flags |= JSON_COMPACT;
	r = json_dump_callback(j, js_buf_write, out, flags);
	json_decref(j);
	return r != 0 || out->oom || js_alloc_failed ? ERR_NOMEM : ERR_OK;
}

/* ---- paths and errors --------------------------------------------------- */

/* Appends to the path; returns the previous length for js_path_pop. */
__attribute__((format(printf, 2, 3))) static size_t
js_path_push(struct js_ctx *c, const char *fmt, ...)
{
	size_t old = c->len;
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(c->path + c->len, sizeof c->path - c->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len += (size_t)n;
	if (c->len >= sizeof c->path)
		c->len = sizeof c->path - 1;
	return old;
}

static void js_path_pop(struct js_ctx *c, size_t old)
{
	c->len = old;
	c->path[old] = '\0';
}

static size_t js_path_field(struct js_ctx *c, const char *name)
{
	return js_path_push(c, c->len > 0 ? ".%s" : "%s", name);
}

/* Shows at most JS_KEY_SHOWN bytes of a key, cut on a character
 * boundary. */
static size_t js_path_key(struct js_ctx *c, const char *key)
{
	size_t n = strlen(key);
	if (n > JS_KEY_SHOWN) {
		n = JS_KEY_SHOWN;
		while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
			n--;
	}
	return js_path_push(c, "[\"%.*s\"]", (int)n, key);
}

__attribute__((format(printf, 2, 3))) static int js_fail(struct js_ctx *c,
                                                         const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->len == 0)
		return err_set(c->e, ERR_DECODE, "%s", msg);
	return err_set(c->e, ERR_DECODE, "%s: %s", c->path, msg);
}

static const char *js_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER:
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

static int js_expect(struct js_ctx *c, const char *want, const json_t *j)
{
	return js_fail(c, "expected %s, got %s", want, js_type_name(j));
}

/* ---- decoding scalars --------------------------------------------------- */

/* A copy of a JSON string or null (""); empty strings become NULL when
 * empty_null is set. */
static int js_dup_str(struct js_ctx *c, const json_t *j, char **out,
                      bool empty_null)
{
	const char *s = "";
	size_t n = 0;
	if (json_is_string(j)) {
		s = json_string_value(j);
		n = json_string_length(j);
	} else if (!json_is_null(j)) {
		return js_expect(c, "a string", j);
	}
	if (memchr(s, '\0', n) != NULL)
		return js_fail(c, "NUL byte in string");
	if (n == 0 && empty_null)
		return ERR_OK;
	*out = mem_strndup(s, n);
	return *out == NULL ? ERR_NOMEM : ERR_OK;
}

/* An integral real within [lo, hi) as a double, for INT and UINT. */
static int js_real_int(struct js_ctx *c, double d, double lo, double hi)
{
	if (d != trunc(d))
		return js_fail(c, "expected an integer, got %g", d);
	if (!(d >= lo && d < hi))
		return js_fail(c, "integer %g out of range", d);
	return ERR_OK;
}

static int js_int(struct js_ctx *c, const json_t *j, int64_t *out)
{
	double d;
	if (json_is_null(j)) {
		*out = 0;
		return ERR_OK;
	}
	if (json_is_integer(j)) {
		*out = json_integer_value(j);
		return ERR_OK;
	}
	if (!json_is_real(j))
		return js_expect(c, "a number", j);
	d = json_real_value(j);
	if (js_real_int(c, d, -9223372036854775808.0, 9223372036854775808.0) !=
	    ERR_OK)
		return ERR_DECODE;
	*out = (int64_t)d;
	return ERR_OK;
}

static int js_uint(struct js_ctx *c, const json_t *j, uint64_t *out)
{
	double d;
	if (json_is_null(j)) {
		*out = 0;
		return ERR_OK;
	}
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);
		if (v < 0)
			return js_fail(c, "integer %lld out of range",
			               (long long)v);
		*out = (uint64_t)v;
		return ERR_OK;
	}
	if (!json_is_real(j))
		return js_expect(c, "a number", j);
	d = json_real_value(j);
	if (js_real_int(c, d, 0, 18446744073709551616.0) != ERR_OK)
		return ERR_DECODE;
	*out = (uint64_t)d;
	return ERR_OK;
}

/* Durations are integer nanoseconds, or Go duration strings ("30s"). */
static int js_dur(struct js_ctx *c, const json_t *j, int64_t *out)
{
	const char *why = NULL;
	const char *s;
	if (!json_is_string(j))
		return js_int(c, j, out);
	s = json_string_value(j);
	if (memchr(s, '\0', json_string_length(j)) != NULL ||
	    stime_parse_duration(s, out, &why) != 0)
		return js_fail(c, "invalid duration \"%.64s\": %s", s,
		               why != NULL ? why : "bad syntax");
	return ERR_OK;
}

/* Unix nanoseconds in an int64 span the years 1677 to 2262; a day of
 * margin either way keeps any UTC offset inside. */
static bool js_time_in_range(const char *s)
{
	int year = 0;
	for (int i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return true; /* the parser rejects it */
		year = year * 10 + (s[i] - '0');
	}
	return (year >= 1678 && year <= 2261) ||
	       strcmp(s, "0001-01-01T00:00:00Z") == 0;
}

static int js_time_dec(struct js_ctx *c, const json_t *j, int64_t *out)
{
	const char *s;
	if (json_is_null(j)) {
		*out = 0;
		return ERR_OK;
	}
	if (!json_is_string(j))
		return js_expect(c, "a string", j);
	s = json_string_value(j);
	if (!js_time_in_range(s))
		return js_fail(c, "time \"%.64s\" out of range", s);
	if (memchr(s, '\0', json_string_length(j)) != NULL ||
	    stime_parse_rfc3339(s, out) != 0)
		return js_fail(c, "invalid RFC 3339 time \"%.64s\"", s);
	return ERR_OK;
}

static int js_float_dec(struct js_ctx *c, const json_t *j, double *out)
{
	if (json_is_null(j))
		*out = 0;
	else if (json_is_number(j))
		*out = json_number_value(j);
	else
		return js_expect(c, "a number", j);
	return ERR_OK;
}

static int js_bool(struct js_ctx *c, const json_t *j, bool *out)
{
	if (json_is_null(j))
		*out = false;
	else if (json_is_boolean(j))
		*out = json_is_true(j);
	else
		return js_expect(c, "a boolean", j);
	return ERR_OK;
}

static int js_bytes(struct js_ctx *c, const json_t *j, struct bytes *b)
{
	size_t n;
	long got;
	if (json_is_null(j))
		return ERR_OK;
	if (!json_is_string(j))
		return js_expect(c, "a string", j);
	n = json_string_length(j);
	if (n == 0)
		return ERR_OK;
	b->v = mem_malloc(n / 4 * 3 + 3);
	if (b->v == NULL)
		return ERR_NOMEM;
	got = js_unbase64(json_string_value(j), n, b->v);
	if (got < 0)
		return js_fail(c, "invalid base64 data");
	b->n = (size_t)got;
	return ERR_OK;
}

static int js_opt_dec(struct js_ctx *c, enum schema_type t, const json_t *j,
                      struct opt *o)
{
	bool b = false;
	int rc;
	o->set = false;
	o->v = 0;
	if (json_is_null(j))
		return ERR_OK;
	if (t == FT_OPTBOOL) {
		rc = js_bool(c, j, &b);
		o->v = b;
	} else if (t == FT_OPTDUR) {
		rc = js_dur(c, j, &o->v);
	} else {
		rc = js_int(c, j, &o->v);
	}
	o->set = rc == ERR_OK;
	return rc;
}

/* ---- decoding values ---------------------------------------------------- */

static int js_value(struct js_ctx *c, struct value *v, const json_t *j,
                    int depth);

static int js_value_list(struct js_ctx *c, struct value *v, const json_t *j,
                         int depth)
{
	size_t n = json_array_size(j);
	v->kind = VALUE_LIST;
	if (n == 0)
		return ERR_OK;
	v->u.list.v = mem_calloc(n, sizeof *v->u.list.v);
	if (v->u.list.v == NULL)
		return ERR_NOMEM;
	v->u.list.n = n;
	for (size_t i = 0; i < n; i++) {
		size_t old = js_path_push(c, "[%zu]", i);
		int rc =
		    js_value(c, &v->u.list.v[i], json_array_get(j, i), depth);
		js_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

/* Keys keep the document's order. */
static int js_value_map(struct js_ctx *c, struct value *v, const json_t *j,
                        int depth)
{
	size_t n = json_object_size(j), i = 0;
	v->kind = VALUE_MAP;
	if (n == 0)
		return ERR_OK;
	v->u.map.v = mem_calloc(n, sizeof *v->u.map.v);
	if (v->u.map.v == NULL)
		return ERR_NOMEM;
	for (void *it = json_object_iter((json_t *)j); it != NULL && i < n;
	     it = json_object_iter_next((json_t *)j, it), i++) {
		const char *key = json_object_iter_key(it);
		size_t old;
		int rc;
		v->u.map.n = i + 1;
		if (strlen(key) != json_object_iter_key_len(it))
			return js_fail(c, "NUL byte in map key");
		v->u.map.v[i].key = mem_strdup(key);
		if (v->u.map.v[i].key == NULL)
			return ERR_NOMEM;
		old = js_path_key(c, key);
		rc = js_value(c, &v->u.map.v[i].val, json_object_iter_value(it),
		              depth);
		js_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int js_value(struct js_ctx *c, struct value *v, const json_t *j,
                    int depth)
{
	switch (json_typeof(j)) {
	case JSON_TRUE:
	case JSON_FALSE:
		v->kind = VALUE_BOOL;
		v->u.b = json_is_true(j);
		return ERR_OK;
	case JSON_INTEGER:
		v->kind = VALUE_INT;
		v->u.i = json_integer_value(j);
		return ERR_OK;
	case JSON_REAL:
		v->kind = VALUE_FLOAT;
		v->u.f = json_real_value(j);
		return ERR_OK;
	case JSON_STRING: {
		int rc = js_dup_str(c, j, &v->u.s, false);
		if (rc == ERR_OK)
			v->kind = VALUE_STRING;
		return rc;
	}
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (depth >= JS_VALUE_DEPTH)
			return js_fail(c, "nesting deeper than %d levels",
			               JS_VALUE_DEPTH);
		if (json_is_array(j))
			return js_value_list(c, v, j, depth + 1);
		return js_value_map(c, v, j, depth + 1);
	default: return ERR_OK;
	}
}

int value_from_json(struct value *v, const json_t *j, const char *path,
                    struct err *e)
{
	struct js_ctx c = {.e = e};
	int rc;
	if (path != NULL)
		js_path_push(&c, "%s", path);
	if (j == NULL)
		return ERR_OK;
	rc = js_value(&c, v, j, 0);
	if (rc == ERR_NOMEM)
		err_set(e, ERR_NOMEM, "out of memory");
	if (rc != ERR_OK)
		value_release(v);
	return rc;
}

/* ---- decoding structs --------------------------------------------------- */

static int js_struct(struct js_ctx *c, const struct schema *s, void *obj,
                     const json_t *j);

static int js_strlist_dec(struct js_ctx *c, const json_t *j, struct strlist *l)
{
	size_t n;
	if (json_is_null(j))
		return ERR_OK;
	if (!json_is_array(j))
		return js_expect(c, "an array", j);
	n = json_array_size(j);
	if (n == 0)
		return ERR_OK;
	l->v = mem_calloc(n, sizeof *l->v);
	if (l->v == NULL)
		return ERR_NOMEM;
	l->n = n;
	for (size_t i = 0; i < n; i++) {
		size_t old = js_path_push(c, "[%zu]", i);
		int rc = js_dup_str(c, json_array_get(j, i), &l->v[i], false);
		js_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int js_entry(struct js_ctx *c, const struct schema_field *f, char *ent,
                    const char *key, const json_t *j)
{
	size_t old;
	int rc;
	*(char **)ent = mem_strdup(key);
	if (*(char **)ent == NULL)
		return ERR_NOMEM;
	old = js_path_key(c, key);
	if (f->type == FT_STRMAP)
		rc = js_dup_str(c, j, &((struct strmap_ent *)ent)->val, false);
	else if (f->type == FT_STRLISTMAP)
		rc = js_strlist_dec(c, j, &((struct strlistmap_ent *)ent)->val);
	else
		rc = js_struct(c, f->sub, ent + f->voff, j);
	js_path_pop(c, old);
	return rc;
}

static int js_key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* STRMAP, STRLISTMAP and MAP: decoded, then sorted by key. */
static int js_map_dec(struct js_ctx *c, const struct schema_field *f,
                      const json_t *j, void *p)
{
	struct js_array *m = p;
	size_t esize = f->type == FT_STRMAP ? sizeof(struct strmap_ent)
	               : f->type == FT_STRLISTMAP
	                   ? sizeof(struct strlistmap_ent)
	                   : f->esize;
	size_t n;
	if (json_is_null(j))
		return ERR_OK;
	if (!json_is_object(j))
		return js_expect(c, "an object", j);
	n = json_object_size(j);
	if (n == 0)
		return ERR_OK;
	m->v = mem_calloc(n, esize);
	if (m->v == NULL)
		return ERR_NOMEM;
	for (void *it = json_object_iter((json_t *)j); it != NULL && m->n < n;
	     it = json_object_iter_next((json_t *)j, it)) {
		const char *key = json_object_iter_key(it);
		char *ent = m->v + m->n++ * esize;
		int rc;
		if (strlen(key) != json_object_iter_key_len(it))
			return js_fail(c, "NUL byte in map key");
		rc = js_entry(c, f, ent, key, json_object_iter_value(it));
		if (rc != ERR_OK)
			return rc;
	}
	qsort(m->v, m->n, esize, js_key_cmp);
	return ERR_OK;
}

static int js_list_dec(struct js_ctx *c, const struct schema_field *f,
                       const json_t *j, void *p)
{
	struct js_array *l = p;
	size_t n, size = f->sub->size;
	if (json_is_null(j))
		return ERR_OK;
	if (!json_is_array(j))
		return js_expect(c, "an array", j);
	n = json_array_size(j);
	if (n == 0)
		return ERR_OK;
	l->v = mem_calloc(n, size);
	if (l->v == NULL)
		return ERR_NOMEM;
	l->n = n;
	for (size_t i = 0; i < n; i++) {
		size_t old = js_path_push(c, "[%zu]", i);
		int rc =
		    js_struct(c, f->sub, l->v + i * size, json_array_get(j, i));
		js_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int js_ptr_dec(struct js_ctx *c, const struct schema_field *f,
                      const json_t *j, void **p)
{
	if (json_is_null(j))
		return ERR_OK;
	if (!json_is_object(j))
		return js_expect(c, "an object", j);
	*p = mem_calloc(1, f->sub->size);
	if (*p == NULL)
		return ERR_NOMEM;
	return js_struct(c, f->sub, *p, j);
}

static int js_field_dec(struct js_ctx *c, const struct schema_field *f, void *p,
                        const json_t *j)
{
	switch (f->type) {
	case FT_STR: return js_dup_str(c, j, p, true);
	case FT_BOOL: return js_bool(c, j, p);
	case FT_INT:
	case FT_NSTIME: return js_int(c, j, p);
	case FT_DUR: return js_dur(c, j, p);
	case FT_TIME: return js_time_dec(c, j, p);
	case FT_UINT: return js_uint(c, j, p);
	case FT_FLOAT: return js_float_dec(c, j, p);
	case FT_BYTES: return js_bytes(c, j, p);
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: return js_opt_dec(c, f->type, j, p);
	case FT_STRLIST: return js_strlist_dec(c, j, p);
	case FT_STRMAP:
	case FT_STRLISTMAP:
	case FT_MAP: return js_map_dec(c, f, j, p);
	case FT_VALUE: return js_value(c, p, j, 0);
	case FT_STRUCT: return js_struct(c, f->sub, p, j);
	case FT_PTR: return js_ptr_dec(c, f, j, p);
	case FT_LIST: return js_list_dec(c, f, j, p);
	}
	return ERR_OK;
}

/* Go's rule: an exact match wins, else the first case-insensitive one. */
static const struct schema_field *js_find_field(const struct schema *s,
                                                const char *key)
{
	const struct schema_field *fold = NULL;
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		if (f->flags & SF_NOJSON)
			continue;
		if (strcmp(f->name, key) == 0)
			return f;
		if (fold == NULL && strcasecmp(f->name, key) == 0)
			fold = f;
	}
	return fold;
}

/* Frees one member so a later key can replace it: schema_release on a
 * one-field view of size 0 touches nothing else. */
static void js_field_clear(const struct schema_field *f, void *obj)
{
	struct schema view = {.name = f->name, .fields = f, .nfields = 1};
	schema_release(&view, obj);
}

static int js_struct(struct js_ctx *c, const struct schema *s, void *obj,
                     const json_t *j)
{
	if (json_is_null(j))
		return ERR_OK;
	if (!json_is_object(j))
		return js_expect(c, "an object", j);
	for (void *it = json_object_iter((json_t *)j); it != NULL;
	     it = json_object_iter_next((json_t *)j, it)) {
		const struct schema_field *f;
		size_t old;
		int rc;
		f = js_find_field(s, json_object_iter_key(it));
		if (f == NULL)
			continue;
		js_field_clear(f, obj);
		old = js_path_field(c, f->name);
		rc = js_field_dec(c, f, (char *)obj + f->off,
		                  json_object_iter_value(it));
		js_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

int schema_json_decode(const struct schema *s, void *obj, const json_t *j,
                       const char *path, struct err *e)
{
	struct js_ctx c = {.e = e};
	int rc;
	if (path != NULL)
		js_path_push(&c, "%s", path);
	if (j == NULL)
		return ERR_OK;
	rc = js_struct(&c, s, obj, j);
	if (rc == ERR_NOMEM)
		err_set(e, ERR_NOMEM, "out of memory");
	if (rc != ERR_OK)
		schema_release(s, obj);
	return rc;
}

int schema_json_decode_str(const struct schema *s, void *obj, const char *text,
                           size_t len, const char *path, struct err *e)
{
	json_error_t je;
	json_t *j;
	int rc;
	js_alloc_failed = false;
	j = json_loadb(text, len, JSON_DECODE_ANY, &je);
	if (j != NULL && js_alloc_failed) {
		json_decref(j);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	if (j == NULL) {
		if (js_alloc_failed || je.text[0] == '\0' ||
		    json_error_code(&je) == json_error_out_of_memory)
			return err_set(e, ERR_NOMEM, "out of memory");
		return err_set(e, ERR_PARSE, "line %d, column %d: %s", je.line,
		               je.column, je.text);
	}
	rc = schema_json_decode(s, obj, j, path, e);
	json_decref(j);
	return rc;
}
