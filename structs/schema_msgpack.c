/* structs/schema_msgpack.c: the msgpack codec of every schema struct, and
 * of free-form values.
 *
 * A struct is a map keyed by GoName with zero fields left out. Decoding is
 * strict about types and lenient about shape: unknown keys are skipped,
 * nil is the zero value, a repeated key replaces the earlier one. Every
 * mismatch names the field path ("Job.TaskGroups[0].Count"). */
#include "structs/schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/utf8.h"

/* msgpack-c's MSGPACK_EMBED_STACK_SIZE: it cannot unpack deeper input. */
#define MP_MAX_NEST 32
/* Containers a VALUE may nest, matching the JSON decoder. */
#define MP_VALUE_DEPTH 64
#define MP_PATH_MAX    512
#define MP_KEY_SHOWN   64

/* The layout shared by every `struct tag_list` and `struct tag_map`. */
struct mp_array {
	char *v;
	size_t n;
};

/* Decoding state: where we are, for error messages. */
struct mp_ctx {
	struct err *e;
	char path[MP_PATH_MAX];
	size_t len;
};

/* ---- paths and errors --------------------------------------------------- */

/* Appends to the path; returns the previous length for mp_path_pop. */
__attribute__((format(printf, 2, 3))) static size_t
mp_path_push(struct mp_ctx *c, const char *fmt, ...)
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

static void mp_path_pop(struct mp_ctx *c, size_t old)
{
	c->len = old;
	c->path[old] = '\0';
}

/* Appends n bytes of s, cut like mp_path_push's vsnprintf: decoding
 * pushes a path element per field and list item, so the common ones skip
 * printf. */
static size_t mp_path_append(struct mp_ctx *c, const char *s, size_t n)
{
	size_t old = c->len, room = sizeof c->path - 1 - c->len;
	if (n > room)
		n = room;
	memcpy(c->path + c->len, s, n);
	c->len += n;
	c->path[c->len] = '\0';
	return old;
}

static size_t mp_path_field(struct mp_ctx *c, const char *name)
{
	size_t old = c->len;
	if (c->len > 0)
		mp_path_append(c, ".", 1);
	mp_path_append(c, name, strlen(name));
	return old;
}

/* "[i]" */
static size_t mp_path_index(struct mp_ctx *c, size_t i)
{
	char buf[24];
	size_t n = sizeof buf;
	buf[--n] = ']';
	do
		buf[--n] = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	buf[--n] = '[';
	return mp_path_append(c, buf + n, sizeof buf - n);
}

/* Shows at most MP_KEY_SHOWN bytes of a (valid UTF-8) key, cut on a
 * character boundary. */
static size_t mp_path_key(struct mp_ctx *c, const char *key, size_t n)
{
	if (n > MP_KEY_SHOWN) {
		n = MP_KEY_SHOWN;
		while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
			n--;
	}
	size_t old = mp_path_append(c, "[\"", 2);
	mp_path_append(c, key, strnlen(key, n)); /* as %.*s: up to a NUL */
	mp_path_append(c, "\"]", 2);
	return old;
}

/* Sets an ERR_DECODE error prefixed with the current path. */
__attribute__((format(printf, 2, 3))) static int mp_fail(struct mp_ctx *c,
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

static const char *mp_type_name(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: return "nil";
	case MSGPACK_OBJECT_BOOLEAN: return "boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "integer";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return "float";
	case MSGPACK_OBJECT_STR: return "string";
	case MSGPACK_OBJECT_ARRAY: return "array";
	case MSGPACK_OBJECT_MAP: return "map";
	case MSGPACK_OBJECT_BIN: return "binary";
	default: return "extension";
	}
}

static int mp_expect(struct mp_ctx *c, const char *want,
                     const msgpack_object *o)
{
	return mp_fail(c, "expected %s, got %s", want, mp_type_name(o));
}

/* ---- strings ------------------------------------------------------------ */

/* Checks a msgpack string: valid UTF-8 without NUL bytes. */
static int mp_check_str(struct mp_ctx *c, const char *s, size_t n,
                        const char *what)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	/* ASCII without NUL, eight bytes at a time: nearly every string. */
	while (i + 8 <= n) {
		uint64_t w;
		memcpy(&w, p + i, sizeof w);
		if (((w | ((w - 0x0101010101010101ULL) & ~w)) &
		     0x8080808080808080ULL) != 0)
			break;
		i += 8;
	}
	while (i < n) {
		size_t k = utf8_char(p + i, n - i);
		if (k == 0)
			return mp_fail(c,
			               p[i] == 0 ? "NUL byte in %s"
			                         : "invalid UTF-8 in %s",
			               what);
		i += k;
	}
	return ERR_OK;
}

/* A copy of a msgpack string, whose pointer may be NULL when empty. */
static char *mp_strndup(const char *p, size_t n)
{
	return mem_strndup(n > 0 ? p : "", n);
}

/* Copies a str (or nil, as "") into *out; empty strings become NULL when
 * empty_null is set. */
static int mp_dup_str(struct mp_ctx *c, const msgpack_object *o, char **out,
                      bool empty_null)
{
	const char *s = "";
	size_t n = 0;
	if (o->type == MSGPACK_OBJECT_STR) {
		s = o->via.str.ptr;
		n = o->via.str.size;
	} else if (o->type != MSGPACK_OBJECT_NIL) {
		return mp_expect(c, "string", o);
	}
	if (mp_check_str(c, s, n, "string") != ERR_OK)
		return ERR_DECODE;
	if (n == 0 && empty_null)
		return ERR_OK;
	*out = mp_strndup(s, n);
	return *out == NULL ? ERR_NOMEM : ERR_OK;
}

/* ---- map keys ----------------------------------------------------------- */

static int mp_kv_cmp(const void *pa, const void *pb)
{
	const msgpack_object_kv *a = *(const msgpack_object_kv *const *)pa;
	const msgpack_object_kv *b = *(const msgpack_object_kv *const *)pb;
	uint32_t na = a->key.via.str.size, nb = b->key.via.str.size;
	int r =
	    memcmp(a->key.via.str.ptr, b->key.via.str.ptr, na < nb ? na : nb);
	if (r != 0)
		return r;
	if (na != nb)
		return na < nb ? -1 : 1;
	/* Equal keys keep their order: the pointers index one array. */
	return a < b ? -1 : a > b;
}

static bool mp_key_eq(const msgpack_object_kv *a, const msgpack_object_kv *b)
{
	return a->key.via.str.size == b->key.via.str.size &&
	       memcmp(a->key.via.str.ptr, b->key.via.str.ptr,
	              a->key.via.str.size) == 0;
}

/* Lists the pairs of map o sorted by key, keeping only the last of equal
 * keys. *out is mem_malloc'd (NULL when empty); the caller frees it. */
static int mp_map_index(struct mp_ctx *c, const msgpack_object *o,
                        const msgpack_object_kv ***out, size_t *n)
{
	const msgpack_object_kv **idx;
	size_t total = o->via.map.size, k = 0;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < total; i++) {
		const msgpack_object *key = &o->via.map.ptr[i].key;
		if (key->type != MSGPACK_OBJECT_STR)
			return mp_fail(c, "expected string key, got %s",
			               mp_type_name(key));
		if (mp_check_str(c, key->via.str.ptr, key->via.str.size,
		                 "map key") != ERR_OK)
			return ERR_DECODE;
	}
	if (total == 0)
		return ERR_OK;
	idx = mem_malloc(total * sizeof *idx);
	if (idx == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < total; i++)
		idx[i] = &o->via.map.ptr[i];
	qsort(idx, total, sizeof *idx, mp_kv_cmp);
	for (size_t i = 0; i < total; i++)
		if (i + 1 == total || !mp_key_eq(idx[i], idx[i + 1]))
			idx[k++] = idx[i];
	*out = idx;
	*n = k;
	return ERR_OK;
}

/* ---- free-form values --------------------------------------------------- */

static int mp_value(struct mp_ctx *c, struct value *v, const msgpack_object *o,
                    int depth);

static int mp_value_list(struct mp_ctx *c, struct value *v,
                         const msgpack_object *o, int depth)
{
	size_t n = o->via.array.size;
	v->kind = VALUE_LIST;
	if (n == 0)
		return ERR_OK;
	v->u.list.v = mem_calloc(n, sizeof *v->u.list.v);
	if (v->u.list.v == NULL)
		return ERR_NOMEM;
	v->u.list.n = n;
	for (size_t i = 0; i < n; i++) {
		size_t old = mp_path_index(c, i);
		int rc =
		    mp_value(c, &v->u.list.v[i], &o->via.array.ptr[i], depth);
		mp_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int mp_value_map_fill(struct mp_ctx *c, struct value *v,
                             const msgpack_object_kv **idx, int depth)
{
	for (size_t i = 0; i < v->u.map.n; i++) {
		const msgpack_object_str *k = &idx[i]->key.via.str;
		struct value_ent *ent = &v->u.map.v[i];
		size_t old;
		int rc;
		ent->key = mp_strndup(k->ptr, k->size);
		if (ent->key == NULL)
			return ERR_NOMEM;
		old = mp_path_key(c, k->ptr, k->size);
		rc = mp_value(c, &ent->val, &idx[i]->val, depth);
		mp_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

/* Maps come out sorted by key, as every encoder writes them. */
static int mp_value_map(struct mp_ctx *c, struct value *v,
                        const msgpack_object *o, int depth)
{
	const msgpack_object_kv **idx;
	size_t n;
	int rc = mp_map_index(c, o, &idx, &n);
	if (rc != ERR_OK)
		return rc;
	v->kind = VALUE_MAP;
	if (n > 0) {
		v->u.map.v = mem_calloc(n, sizeof *v->u.map.v);
		if (v->u.map.v == NULL) {
			rc = ERR_NOMEM;
			goto free_idx;
		}
		v->u.map.n = n;
		rc = mp_value_map_fill(c, v, idx, depth);
	}
free_idx:
	mem_free(idx);
	return rc;
}

static int mp_value_str(struct mp_ctx *c, struct value *v, const char *s,
                        size_t n)
{
	if (mp_check_str(c, s, n, "string") != ERR_OK)
		return ERR_DECODE;
	v->u.s = mp_strndup(s, n);
	if (v->u.s == NULL)
		return ERR_NOMEM;
	v->kind = VALUE_STRING;
	return ERR_OK;
}

static int mp_value(struct mp_ctx *c, struct value *v, const msgpack_object *o,
                    int depth)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: return ERR_OK;
	case MSGPACK_OBJECT_BOOLEAN:
		v->kind = VALUE_BOOL;
		v->u.b = o->via.boolean;
		return ERR_OK;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (o->via.u64 > INT64_MAX)
			return mp_fail(c, "integer %llu out of range",
			               (unsigned long long)o->via.u64);
		v->kind = VALUE_INT;
		v->u.i = (int64_t)o->via.u64;
		return ERR_OK;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		v->kind = VALUE_INT;
		v->u.i = o->via.i64;
		return ERR_OK;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		v->kind = VALUE_FLOAT;
		v->u.f = o->via.f64;
		return ERR_OK;
	case MSGPACK_OBJECT_STR:
		return mp_value_str(c, v, o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_BIN:
		return mp_value_str(c, v, o->via.bin.ptr, o->via.bin.size);
	case MSGPACK_OBJECT_ARRAY:
	case MSGPACK_OBJECT_MAP:
		if (depth >= MP_VALUE_DEPTH)
			return mp_fail(c, "nesting deeper than %d levels",
			               MP_VALUE_DEPTH);
		if (o->type == MSGPACK_OBJECT_ARRAY)
			return mp_value_list(c, v, o, depth + 1);
		return mp_value_map(c, v, o, depth + 1);
	default: return mp_expect(c, "a value", o);
	}
}

int value_msgpack_unpack(struct value *v, const msgpack_object *o,
                         const char *path, struct err *e)
{
	struct mp_ctx c = {.e = e};
	int rc;
	if (path != NULL)
		mp_path_push(&c, "%s", path);
	rc = mp_value(&c, v, o, 0);
	if (rc == ERR_NOMEM)
		err_set(e, ERR_NOMEM, "out of memory");
	if (rc != ERR_OK)
		value_release(v);
	return rc;
}

static int mp_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	if (msgpack_pack_str(pk, n) != 0 || msgpack_pack_str_body(pk, s, n))
		return ERR_NOMEM;
	return ERR_OK;
}

static int mp_ent_cmp(const void *pa, const void *pb)
{
	const struct value_ent *a = *(const struct value_ent *const *)pa;
	const struct value_ent *b = *(const struct value_ent *const *)pb;
	return strcmp(a->key != NULL ? a->key : "",
	              b->key != NULL ? b->key : "");
}

/* Maps are written sorted by key so equal values encode the same. */
static int mp_pack_value_map(const struct value *v, msgpack_packer *pk)
{
	size_t n = v->u.map.n;
	const struct value_ent **idx;
	int rc = ERR_OK;
	if (msgpack_pack_map(pk, n) != 0)
		return ERR_NOMEM;
	if (n == 0)
		return ERR_OK;
	idx = mem_malloc(n * sizeof *idx);
	if (idx == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		idx[i] = &v->u.map.v[i];
	qsort(idx, n, sizeof *idx, mp_ent_cmp);
	for (size_t i = 0; i < n && rc == ERR_OK; i++) {
		rc = mp_pack_str(pk, idx[i]->key);
		if (rc == ERR_OK)
			rc = value_msgpack_pack(&idx[i]->val, pk);
	}
	mem_free(idx);
	return rc;
}

int value_msgpack_pack(const struct value *v, msgpack_packer *pk)
{
	int r = 0;
	switch (v->kind) {
	case VALUE_NULL: r = msgpack_pack_nil(pk); break;
	case VALUE_BOOL:
		r = v->u.b ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
		break;
	case VALUE_INT: r = msgpack_pack_int64(pk, v->u.i); break;
	case VALUE_FLOAT: r = msgpack_pack_double(pk, v->u.f); break;
	case VALUE_STRING: return mp_pack_str(pk, v->u.s);
	case VALUE_LIST:
		if (msgpack_pack_array(pk, v->u.list.n) != 0)
			return ERR_NOMEM;
		for (size_t i = 0; i < v->u.list.n; i++)
			if (value_msgpack_pack(&v->u.list.v[i], pk) != 0)
				return ERR_NOMEM;
		break;
	case VALUE_MAP: return mp_pack_value_map(v, pk);
	}
	return r != 0 ? ERR_NOMEM : ERR_OK;
}

/* ---- schema decoding ---------------------------------------------------- */

static int mp_struct(struct mp_ctx *c, const struct schema *s, void *obj,
                     const msgpack_object *o);

static int mp_int(struct mp_ctx *c, const msgpack_object *o, int64_t *out)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: *out = 0; return ERR_OK;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (o->via.u64 > INT64_MAX)
			return mp_fail(c, "integer %llu out of range",
			               (unsigned long long)o->via.u64);
		*out = (int64_t)o->via.u64;
		return ERR_OK;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: *out = o->via.i64; return ERR_OK;
	default: return mp_expect(c, "integer", o);
	}
}

static int mp_uint(struct mp_ctx *c, const msgpack_object *o, uint64_t *out)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: *out = 0; return ERR_OK;
	case MSGPACK_OBJECT_POSITIVE_INTEGER: *out = o->via.u64; return ERR_OK;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return mp_fail(c, "integer %lld out of range",
		               (long long)o->via.i64);
	default: return mp_expect(c, "integer", o);
	}
}

static int mp_float(struct mp_ctx *c, const msgpack_object *o, double *out)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: *out = 0; return ERR_OK;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: *out = o->via.f64; return ERR_OK;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*out = (double)o->via.u64;
		return ERR_OK;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*out = (double)o->via.i64;
		return ERR_OK;
	default: return mp_expect(c, "number", o);
	}
}

static int mp_bool(struct mp_ctx *c, const msgpack_object *o, bool *out)
{
	if (o->type == MSGPACK_OBJECT_NIL) {
		*out = false;
		return ERR_OK;
	}
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return mp_expect(c, "boolean", o);
	*out = o->via.boolean;
	return ERR_OK;
}

static int mp_bytes(struct mp_ctx *c, const msgpack_object *o, struct bytes *b)
{
	const char *p;
	size_t n;
	if (o->type == MSGPACK_OBJECT_NIL)
		return ERR_OK;
	if (o->type == MSGPACK_OBJECT_BIN) {
		p = o->via.bin.ptr;
		n = o->via.bin.size;
	} else if (o->type == MSGPACK_OBJECT_STR) {
		p = o->via.str.ptr;
		n = o->via.str.size;
	} else {
		return mp_expect(c, "binary", o);
	}
	if (n == 0)
		return ERR_OK;
	b->v = mem_malloc(n);
	if (b->v == NULL)
		return ERR_NOMEM;
	memcpy(b->v, p, n);
	b->n = n;
	return ERR_OK;
}

static int mp_opt(struct mp_ctx *c, enum schema_type t, const msgpack_object *o,
                  struct opt *out)
{
	bool b = false;
	int rc;
	if (o->type == MSGPACK_OBJECT_NIL) {
		out->set = false;
		out->v = 0;
		return ERR_OK;
	}
	if (t == FT_OPTBOOL) {
		rc = mp_bool(c, o, &b);
		out->v = b;
	} else {
		rc = mp_int(c, o, &out->v);
	}
	out->set = rc == ERR_OK;
	return rc;
}

static int mp_strlist(struct mp_ctx *c, const msgpack_object *o,
                      struct strlist *l)
{
	if (o->type == MSGPACK_OBJECT_NIL)
		return ERR_OK;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return mp_expect(c, "array", o);
	if (o->via.array.size == 0)
		return ERR_OK;
	l->v = mem_calloc(o->via.array.size, sizeof *l->v);
	if (l->v == NULL)
		return ERR_NOMEM;
	l->n = o->via.array.size;
	for (size_t i = 0; i < l->n; i++) {
		size_t old = mp_path_index(c, i);
		int rc = mp_dup_str(c, &o->via.array.ptr[i], &l->v[i], false);
		mp_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

/* Decodes one map entry value: a string, a list of strings or a struct. */
static int mp_entry(struct mp_ctx *c, const struct schema_field *f, char *ent,
                    const msgpack_object_kv *kv)
{
	const msgpack_object_str *k = &kv->key.via.str;
	size_t old;
	int rc;
	*(char **)ent = mp_strndup(k->ptr, k->size);
	if (*(char **)ent == NULL)
		return ERR_NOMEM;
	old = mp_path_key(c, k->ptr, k->size);
	if (f->type == FT_STRMAP) {
		struct strmap_ent *se = (struct strmap_ent *)ent;
		rc = mp_dup_str(c, &kv->val, &se->val, false);
	} else if (f->type == FT_STRLISTMAP) {
		struct strlistmap_ent *le = (struct strlistmap_ent *)ent;
		rc = mp_strlist(c, &kv->val, &le->val);
	} else {
		rc = mp_struct(c, f->sub, ent + f->voff, &kv->val);
	}
	mp_path_pop(c, old);
	return rc;
}

/* STRMAP, STRLISTMAP and MAP: entries sorted by key, one per key. */
static int mp_map(struct mp_ctx *c, const struct schema_field *f,
                  const msgpack_object *o, void *p)
{
	struct mp_array *a = p;
	const msgpack_object_kv **idx;
	size_t n, esize = f->type == FT_STRMAP ? sizeof(struct strmap_ent)
	                  : f->type == FT_STRLISTMAP
	                      ? sizeof(struct strlistmap_ent)
	                      : f->esize;
	int rc;
	if (o->type == MSGPACK_OBJECT_NIL)
		return ERR_OK;
	if (o->type != MSGPACK_OBJECT_MAP)
		return mp_expect(c, "map", o);
	rc = mp_map_index(c, o, &idx, &n);
	if (rc != ERR_OK || n == 0)
		return rc;
	a->v = mem_calloc(n, esize);
	if (a->v == NULL) {
		rc = ERR_NOMEM;
		goto free_idx;
	}
	a->n = n;
	for (size_t i = 0; i < n && rc == ERR_OK; i++)
		rc = mp_entry(c, f, a->v + i * esize, idx[i]);
free_idx:
	mem_free(idx);
	return rc;
}

static int mp_list(struct mp_ctx *c, const struct schema_field *f,
                   const msgpack_object *o, void *p)
{
	struct mp_array *a = p;
	size_t size = f->sub->size;
	if (o->type == MSGPACK_OBJECT_NIL)
		return ERR_OK;
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return mp_expect(c, "array", o);
	if (o->via.array.size == 0)
		return ERR_OK;
	a->v = mem_calloc(o->via.array.size, size);
	if (a->v == NULL)
		return ERR_NOMEM;
	a->n = o->via.array.size;
	for (size_t i = 0; i < a->n; i++) {
		size_t old = mp_path_index(c, i);
		int rc =
		    mp_struct(c, f->sub, a->v + i * size, &o->via.array.ptr[i]);
		mp_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int mp_ptr(struct mp_ctx *c, const struct schema_field *f,
                  const msgpack_object *o, void **p)
{
	if (o->type == MSGPACK_OBJECT_NIL)
		return ERR_OK;
	if (o->type != MSGPACK_OBJECT_MAP)
		return mp_expect(c, "map", o);
	*p = mem_calloc(1, f->sub->size);
	if (*p == NULL)
		return ERR_NOMEM;
	return mp_struct(c, f->sub, *p, o);
}

/* Decodes one member from o into the zeroed member at p. */
static int mp_field(struct mp_ctx *c, const struct schema_field *f, void *p,
                    const msgpack_object *o)
{
	switch (f->type) {
	case FT_STR: return mp_dup_str(c, o, p, true);
	case FT_BOOL: return mp_bool(c, o, p);
	case FT_INT:
	case FT_DUR:
	case FT_NSTIME:
	case FT_TIME: return mp_int(c, o, p);
	case FT_UINT: return mp_uint(c, o, p);
	case FT_FLOAT: return mp_float(c, o, p);
	case FT_BYTES: return mp_bytes(c, o, p);
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: return mp_opt(c, f->type, o, p);
	case FT_STRLIST: return mp_strlist(c, o, p);
	case FT_STRMAP:
	case FT_STRLISTMAP:
	case FT_MAP: return mp_map(c, f, o, p);
	case FT_VALUE: return mp_value(c, p, o, 0);
	case FT_STRUCT: return mp_struct(c, f->sub, p, o);
	case FT_PTR: return mp_ptr(c, f, o, p);
	case FT_LIST: return mp_list(c, f, o, p);
	}
	return ERR_OK;
}

static bool mp_name_is(const char *name, const msgpack_object_str *k)
{
	return k->size > 0 && name[0] == k->ptr[0] && strlen(name) == k->size &&
	       memcmp(name, k->ptr, k->size) == 0;
}

/* The field named k. Our encoder writes fields in schema order, so the
 * search starts at *next (the field after the previous key's) and wraps
 * around. */
static const struct schema_field *
mp_find_field(const struct schema *s, const msgpack_object_str *k, size_t *next)
{
	for (size_t j = 0; j < s->nfields; j++) {
		size_t i = (*next + j) % s->nfields;
		if (mp_name_is(s->fields[i].name, k)) {
			*next = i + 1;
			return &s->fields[i];
		}
	}
	return NULL;
}

/* Frees one member so a repeated key can replace it: schema_release on a
 * one-field view of size 0 touches nothing else. */
static void mp_field_clear(const struct schema_field *f, void *obj)
{
	struct schema view = {.name = f->name, .fields = f, .nfields = 1};
	schema_release(&view, obj);
}

static int mp_struct(struct mp_ctx *c, const struct schema *s, void *obj,
                     const msgpack_object *o)
{
	if (o->type == MSGPACK_OBJECT_NIL)
		return ERR_OK;
	if (o->type != MSGPACK_OBJECT_MAP)
		return mp_expect(c, "map", o);
	size_t next = 0;
	for (size_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		const struct schema_field *f;
		size_t old;
		int rc;
		if (kv->key.type != MSGPACK_OBJECT_STR)
			return mp_fail(c, "expected string key, got %s",
			               mp_type_name(&kv->key));
		f = mp_find_field(s, &kv->key.via.str, &next);
		if (f == NULL)
			continue;
		mp_field_clear(f, obj);
		old = mp_path_field(c, f->name);
		rc = mp_field(c, f, (char *)obj + f->off, &kv->val);
		mp_path_pop(c, old);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

/* The path root: the struct tag in Go's spelling ("task_group" ->
 * "TaskGroup"). */
static void mp_path_root(struct mp_ctx *c, const char *tag)
{
	bool up = true;
	for (; *tag != '\0' && c->len + 1 < sizeof c->path; tag++) {
		if (*tag == '_') {
			up = true;
			continue;
		}
		c->path[c->len++] = up && *tag >= 'a' && *tag <= 'z'
		                        ? (char)(*tag - 'a' + 'A')
		                        : *tag;
		up = false;
	}
	c->path[c->len] = '\0';
}

int schema_msgpack_unpack(const struct schema *s, void *obj,
                          const msgpack_object *o, struct err *e)
{
	struct mp_ctx c = {.e = e};
	int rc;
	mp_path_root(&c, s->name);
	rc = mp_struct(&c, s, obj, o);
	if (rc == ERR_NOMEM)
		err_set(e, ERR_NOMEM, "out of memory");
	if (rc != ERR_OK)
		schema_release(s, obj);
	return rc;
}

/* ---- raw input checks --------------------------------------------------- */

static uint64_t mp_be(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* One header: its size, the size of the payload after it, and for a
 * container the number of objects inside (2 per map pair). Returns -1 for
 * a byte msgpack never uses, 1 when the header itself is cut. */
static int mp_head(const unsigned char *p, size_t n, size_t *head,
                   uint64_t *body, uint64_t *items, bool *container)
{
	static const unsigned char fixext[] = {1, 2, 4, 8, 16};
	unsigned b = p[0];
	size_t lenb = 0;
	*head = 1, *body = 0, *items = 0, *container = false;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;
	if (b <= 0x9f) {
		*container = true;
		*items = b <= 0x8f ? 2 * (b & 0x0f) : b & 0x0f;
		return 0;
	}
	if (b <= 0xbf) {
		*body = b & 0x1f;
		return 0;
	}
	if (b == 0xc1)
		return -1;
	if (b >= 0xca && b <= 0xd3) {
		*body = b == 0xca ? 4 : b == 0xcb ? 8 : 1u << ((b - 0xcc) & 3);
		return 0;
	}
	if (b >= 0xd4 && b <= 0xd8) {
		*body = 1 + fixext[b - 0xd4];
		return 0;
	}
	/* bin 8/16/32, ext 8/16/32, str 8/16/32, array 16/32, map 16/32 */
	lenb = b <= 0xc6   ? 1u << (b - 0xc4)
	       : b <= 0xc9 ? 1u << (b - 0xc7)
	       : b <= 0xdb ? 1u << (b - 0xd9)
	       : b <= 0xdd ? 2u << (b - 0xdc)
	                   : 2u << (b - 0xde);
	if (n < 1 + lenb)
		return 1;
	*head = 1 + lenb;
	*body = mp_be(p + 1, lenb);
	if (b >= 0xc7 && b <= 0xc9)
		*body += 1; /* the ext type byte */
	if (b >= 0xdc) {
		*container = true;
		*items = b >= 0xde ? 2 * *body : *body;
		*body = 0;
	}
	return 0;
}

/* Pops the containers that the object just read completes. */
static void mp_scan_done(uint64_t *left, int *top)
{
	while (*top > 0) {
		if (--left[*top - 1] > 0)
			return;
		(*top)--;
	}
}

/* Checks that data is exactly one well-formed object whose containers
 * nest at most MP_MAX_NEST deep and claim no more objects than the bytes
 * left could hold, so msgpack-c allocates in proportion to the input. */
static int mp_scan(const unsigned char *p, size_t len, struct err *e)
{
	uint64_t left[MP_MAX_NEST];
	int top = 0;
	size_t pos = 0;
	do {
		size_t head;
		uint64_t body, items;
		bool container;
		int r;
		if (pos >= len)
			goto truncated;
		r = mp_head(p + pos, len - pos, &head, &body, &items,
		            &container);
		if (r < 0)
			return err_set(e, ERR_DECODE,
			               "invalid msgpack byte 0x%02x at offset "
			               "%zu",
			               p[pos], pos);
		if (r > 0 || body > len - pos - head)
			goto truncated;
		pos += head + body;
		if (container && top == MP_MAX_NEST)
			return err_set(e, ERR_DECODE,
			               "msgpack nesting deeper than %d levels",
			               MP_MAX_NEST);
		if (container && items > len - pos)
			goto truncated;
		if (container && items > 0)
			left[top++] = items;
		else
			mp_scan_done(left, &top);
	} while (top > 0);
	if (pos != len)
		return err_set(e, ERR_DECODE,
		               "trailing bytes after msgpack object at offset "
		               "%zu",
		               pos);
	return ERR_OK;
truncated:
	return err_set(e, ERR_DECODE, "truncated msgpack data");
}

int schema_msgpack_decode(const struct schema *s, void *obj, const void *data,
                          size_t len, struct err *e)
{
	msgpack_unpacked u;
	msgpack_unpack_return r;
	size_t off = 0;
	int rc = mp_scan(data, len, e);
	if (rc != ERR_OK)
		return rc;
	msgpack_unpacked_init(&u);
	r = msgpack_unpack_next(&u, data, len, &off);
	if (r == MSGPACK_UNPACK_SUCCESS && off == len)
		rc = schema_msgpack_unpack(s, obj, &u.data, e);
	else if (r == MSGPACK_UNPACK_NOMEM_ERROR)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	else
		rc = err_set(e, ERR_DECODE, "invalid msgpack data");
	msgpack_unpacked_destroy(&u);
	return rc;
}

/* ---- schema encoding ---------------------------------------------------- */

static bool mp_struct_empty(const struct schema *s, const void *obj);

/* True when the member holds its zero value and is left out. A set opt is
 * always written, even when 0. */
static bool mp_field_empty(const struct schema_field *f, const void *p)
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
	case FT_STRUCT: return mp_struct_empty(f->sub, p);
	case FT_PTR: return *(void *const *)p == NULL;
	default:
		/* BYTES and every list and map: {pointer, count}. */
		return ((const struct mp_array *)p)->n == 0;
	}
}

static bool mp_struct_empty(const struct schema *s, const void *obj)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (!mp_field_empty(&s->fields[i],
		                    (const char *)obj + s->fields[i].off))
			return false;
	return true;
}

static int mp_pack_strlist(const struct strlist *l, msgpack_packer *pk)
{
	if (msgpack_pack_array(pk, l->n) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (mp_pack_str(pk, l->v[i]) != ERR_OK)
			return ERR_NOMEM;
	return ERR_OK;
}

static int mp_pack_map(const struct schema_field *f, const void *p,
                       msgpack_packer *pk)
{
	const struct mp_array *a = p;
	size_t esize = f->type == FT_STRMAP ? sizeof(struct strmap_ent)
	               : f->type == FT_STRLISTMAP
	                   ? sizeof(struct strlistmap_ent)
	                   : f->esize;
	if (msgpack_pack_map(pk, a->n) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < a->n; i++) {
		const char *ent = a->v + i * esize;
		int rc = mp_pack_str(pk, *(char *const *)ent);
		if (rc == ERR_OK && f->type == FT_STRMAP)
			rc = mp_pack_str(pk,
			                 ((const struct strmap_ent *)ent)->val);
		else if (rc == ERR_OK && f->type == FT_STRLISTMAP)
			rc = mp_pack_strlist(
			    &((const struct strlistmap_ent *)ent)->val, pk);
		else if (rc == ERR_OK)
			rc = schema_msgpack_pack(f->sub, ent + f->voff, pk);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int mp_pack_list(const struct schema_field *f, const void *p,
                        msgpack_packer *pk)
{
	const struct mp_array *a = p;
	if (msgpack_pack_array(pk, a->n) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < a->n; i++)
		if (schema_msgpack_pack(f->sub, a->v + i * f->sub->size, pk))
			return ERR_NOMEM;
	return ERR_OK;
}

static int mp_pack_scalar(const struct schema_field *f, const void *p,
                          msgpack_packer *pk)
{
	const struct opt *o = p;
	const struct bytes *b = p;
	switch (f->type) {
	case FT_BOOL:
		return *(const bool *)p ? msgpack_pack_true(pk)
		                        : msgpack_pack_false(pk);
	case FT_UINT: return msgpack_pack_uint64(pk, *(const uint64_t *)p);
	case FT_FLOAT: return msgpack_pack_double(pk, *(const double *)p);
	case FT_BYTES:
		return msgpack_pack_bin(pk, b->n) ||
		       msgpack_pack_bin_body(pk, b->v, b->n);
	case FT_OPTBOOL:
		return o->v ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	case FT_OPTINT:
	case FT_OPTDUR: return msgpack_pack_int64(pk, o->v);
	default:
		/* INT, DUR, NSTIME, TIME */
		return msgpack_pack_int64(pk, *(const int64_t *)p);
	}
}

static int mp_pack_field(const struct schema_field *f, const void *p,
                         msgpack_packer *pk)
{
	switch (f->type) {
	case FT_STR: return mp_pack_str(pk, *(char *const *)p);
	case FT_STRLIST: return mp_pack_strlist(p, pk);
	case FT_STRMAP:
	case FT_STRLISTMAP:
	case FT_MAP: return mp_pack_map(f, p, pk);
	case FT_VALUE: return value_msgpack_pack(p, pk);
	case FT_STRUCT: return schema_msgpack_pack(f->sub, p, pk);
	case FT_PTR: return schema_msgpack_pack(f->sub, *(void *const *)p, pk);
	case FT_LIST: return mp_pack_list(f, p, pk);
	default: return mp_pack_scalar(f, p, pk) != 0 ? ERR_NOMEM : ERR_OK;
	}
}

int schema_msgpack_pack(const struct schema *s, const void *obj,
                        msgpack_packer *pk)
{
	return schema_msgpack_pack_open(s, obj, 0, pk);
}

int schema_msgpack_pack_open(const struct schema *s, const void *obj,
                             size_t extra, msgpack_packer *pk)
{
	size_t n = extra;
	for (size_t i = 0; i < s->nfields; i++)
		if (!mp_field_empty(&s->fields[i],
		                    (const char *)obj + s->fields[i].off))
			n++;
	if (msgpack_pack_map(pk, n) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		const char *p = (const char *)obj + f->off;
		if (mp_field_empty(f, p))
			continue;
		if (mp_pack_str(pk, f->name) != ERR_OK ||
		    mp_pack_field(f, p, pk) != ERR_OK)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

/* ---- what decoding the encoding gives ----------------------------------- */

static int mp_canon_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void mp_canon_value(struct value *v)
{
	if (v->kind == VALUE_LIST) {
		for (size_t i = 0; i < v->u.list.n; i++)
			mp_canon_value(&v->u.list.v[i]);
	} else if (v->kind == VALUE_MAP) {
		if (v->u.map.n > 1) /* qsort wants an array, even for none */
			qsort(v->u.map.v, v->u.map.n, sizeof v->u.map.v[0],
			      mp_canon_cmp);
		for (size_t i = 0; i < v->u.map.n; i++)
			mp_canon_value(&v->u.map.v[i].val);
	}
}

/* Non-empty members: what the decoder rebuilds differently. */
static void mp_canon_field(const struct schema_field *f, void *p)
{
	struct mp_array *a = p;
	size_t esize;
	switch (f->type) {
	case FT_STRUCT: schema_msgpack_canon(f->sub, p); break;
	case FT_PTR: schema_msgpack_canon(f->sub, *(void **)p); break;
	case FT_VALUE: mp_canon_value(p); break;
	case FT_LIST:
		for (size_t i = 0; i < a->n; i++)
			schema_msgpack_canon(f->sub, a->v + i * f->sub->size);
		break;
	case FT_STRMAP:
	case FT_STRLISTMAP:
	case FT_MAP:
		esize = f->type == FT_STRMAP ? sizeof(struct strmap_ent)
		        : f->type == FT_STRLISTMAP
		            ? sizeof(struct strlistmap_ent)
		            : f->esize;
		if (a->n > 1)
			qsort(a->v, a->n, esize, mp_canon_cmp);
		for (size_t i = 0; f->type == FT_MAP && i < a->n; i++)
			schema_msgpack_canon(f->sub,
			                     a->v + i * esize + f->voff);
		break;
	default: break;
	}
}

void schema_msgpack_canon(const struct schema *s, void *obj)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		char *p = (char *)obj + f->off;
		/* A struct member is canonical once its members are (an
		 * empty one ends up zeroed): one walk, not one to test it
		 * for emptiness and one more. */
		if (f->type != FT_STRUCT && mp_field_empty(f, p))
			mp_field_clear(f, obj);
		else
			mp_canon_field(f, p);
	}
}

int schema_msgpack_buf_write(void *data, const char *p, size_t n)
{
	struct buf *b = data;
	buf_append(b, p, n);
	return b->oom ? -1 : 0;
}

int schema_msgpack_encode(const struct schema *s, const void *obj,
                          struct buf *out)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, schema_msgpack_buf_write);
	if (schema_msgpack_pack(s, obj, &pk) != ERR_OK || out->oom)
		return ERR_NOMEM;
	return ERR_OK;
}
