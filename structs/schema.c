/* structs/schema.c: release, copy and compare any struct by walking its
 * field descriptors. */
#include "structs/schema.h"

#include <math.h>
#include <string.h>

#include "lib/mem.h"

/* The layout shared by every `struct tag_list` and `struct tag_map`. */
struct schema_array {
	char *v;
	size_t n;
};

static bool schema_str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static size_t schema_scalar_size(enum schema_type t)
{
	switch (t) {
	case FT_BOOL: return sizeof(bool);
	case FT_INT:
	case FT_DUR:
	case FT_NSTIME:
	case FT_TIME: return sizeof(int64_t);
	case FT_UINT: return sizeof(uint64_t);
	case FT_FLOAT: return sizeof(double);
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: return sizeof(struct opt);
	default: return 0;
	}
}

/* ---- release ------------------------------------------------------------ */

static void schema_release_list(const struct schema_field *f, void *p)
{
	struct schema_array *a = p;
	for (size_t i = 0; i < a->n; i++)
		schema_release(f->sub, a->v + i * f->sub->size);
	mem_free(a->v);
	a->v = NULL;
	a->n = 0;
}

static void schema_release_map(const struct schema_field *f, void *p)
{
	struct schema_array *a = p;
	for (size_t i = 0; i < a->n; i++) {
		char *ent = a->v + i * f->esize;
		mem_free(*(char **)ent);
		schema_release(f->sub, ent + f->voff);
	}
	mem_free(a->v);
	a->v = NULL;
	a->n = 0;
}

/* Frees one member and zeroes it. */
static void schema_release_field(const struct schema_field *f, void *p)
{
	switch (f->type) {
	case FT_STR:
		mem_free(*(char **)p);
		*(char **)p = NULL;
		break;
	case FT_BYTES: bytes_release(p); break;
	case FT_STRLIST: strlist_release(p); break;
	case FT_STRMAP: strmap_release(p); break;
	case FT_STRLISTMAP: strlistmap_release(p); break;
	case FT_VALUE: value_release(p); break;
	case FT_STRUCT: schema_release(f->sub, p); break;
	case FT_PTR:
		if (*(void **)p != NULL) {
			schema_release(f->sub, *(void **)p);
			mem_free(*(void **)p);
			*(void **)p = NULL;
		}
		break;
	case FT_LIST: schema_release_list(f, p); break;
	case FT_MAP: schema_release_map(f, p); break;
	default: memset(p, 0, schema_scalar_size(f->type)); break;
	}
}

void schema_release(const struct schema *s, void *obj)
{
	for (size_t i = 0; i < s->nfields; i++)
		schema_release_field(&s->fields[i],
		                     (char *)obj + s->fields[i].off);
	/* A one-field view (size 0) releases just its member. */
	memset(obj, 0, s->size);
}

/* ---- copy --------------------------------------------------------------- */

static int schema_copy_fields(const struct schema *s, void *dst,
                              const void *src);

static int schema_copy_list(const struct schema_field *f, void *dst,
                            const void *src)
{
	struct schema_array *d = dst;
	const struct schema_array *a = src;
	if (a->n == 0)
		return ERR_OK;
	d->v = mem_calloc(a->n, f->sub->size);
	if (d->v == NULL)
		return ERR_NOMEM;
	d->n = a->n;
	for (size_t i = 0; i < a->n; i++) {
		size_t off = i * f->sub->size;
		if (schema_copy_fields(f->sub, d->v + off, a->v + off) != 0)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

static int schema_copy_map(const struct schema_field *f, void *dst,
                           const void *src)
{
	struct schema_array *d = dst;
	const struct schema_array *a = src;
	if (a->n == 0)
		return ERR_OK;
	d->v = mem_calloc(a->n, f->esize);
	if (d->v == NULL)
		return ERR_NOMEM;
	d->n = a->n;
	for (size_t i = 0; i < a->n; i++) {
		char *de = d->v + i * f->esize;
		const char *se = a->v + i * f->esize;
		const char *key = *(char *const *)se;
		*(char **)de = mem_strdup(key != NULL ? key : "");
		if (*(char **)de == NULL ||
		    schema_copy_fields(f->sub, de + f->voff, se + f->voff) != 0)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

static int schema_copy_ptr(const struct schema_field *f, void *dst,
                           const void *src)
{
	const void *s = *(void *const *)src;
	void *d;
	if (s == NULL)
		return ERR_OK;
	d = mem_calloc(1, f->sub->size);
	if (d == NULL)
		return ERR_NOMEM;
	*(void **)dst = d;
	return schema_copy_fields(f->sub, d, s);
}

/* Copies one member into a zeroed one; on failure the member may hold a
 * partial copy that schema_release frees. */
static int schema_copy_field(const struct schema_field *f, void *d,
                             const void *s)
{
	switch (f->type) {
	case FT_STR:
		if (*(char *const *)s == NULL)
			return ERR_OK;
		*(char **)d = mem_strdup(*(char *const *)s);
		return *(char **)d == NULL ? ERR_NOMEM : ERR_OK;
	case FT_BYTES: return bytes_copy(d, s);
	case FT_STRLIST: return strlist_copy(d, s);
	case FT_STRMAP: return strmap_copy(d, s);
	case FT_STRLISTMAP: return strlistmap_copy(d, s);
	case FT_VALUE: return value_copy(d, s);
	case FT_STRUCT: return schema_copy_fields(f->sub, d, s);
	case FT_PTR: return schema_copy_ptr(f, d, s);
	case FT_LIST: return schema_copy_list(f, d, s);
	case FT_MAP: return schema_copy_map(f, d, s);
	default: memcpy(d, s, schema_scalar_size(f->type)); return ERR_OK;
	}
}

static int schema_copy_fields(const struct schema *s, void *dst,
                              const void *src)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		int rc = schema_copy_field(f, (char *)dst + f->off,
		                           (const char *)src + f->off);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

int schema_copy(const struct schema *s, void *dst, const void *src)
{
	int rc = schema_copy_fields(s, dst, src);
	if (rc != ERR_OK)
		schema_release(s, dst);
	return rc;
}

/* ---- equal -------------------------------------------------------------- */

static bool schema_list_equal(const struct schema_field *f, const void *pa,
                              const void *pb)
{
	const struct schema_array *a = pa, *b = pb;
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		size_t off = i * f->sub->size;
		if (!schema_equal(f->sub, a->v + off, b->v + off))
			return false;
	}
	return true;
}

static const char *schema_map_find(const struct schema_field *f,
                                   const struct schema_array *m,
                                   const char *key)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *e = m->v + i * f->esize;
		if (schema_str_eq(*(char *const *)e, key))
			return e;
	}
	return NULL;
}

static bool schema_map_equal(const struct schema_field *f, const void *pa,
                             const void *pb)
{
	const struct schema_array *a = pa, *b = pb;
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const char *ae = a->v + i * f->esize;
		const char *be = b->v + i * f->esize;
		const char *key = *(char *const *)ae;
		if (!schema_str_eq(key, *(char *const *)be))
			be = schema_map_find(f, b, key);
		if (be == NULL ||
		    !schema_equal(f->sub, ae + f->voff, be + f->voff))
			return false;
	}
	return true;
}

static bool schema_opt_equal(enum schema_type t, const struct opt *a,
                             const struct opt *b)
{
	if (a->set != b->set)
		return false;
	if (!a->set)
		return true;
	return t == FT_OPTBOOL ? (a->v != 0) == (b->v != 0) : a->v == b->v;
}

static bool schema_ptr_equal(const struct schema_field *f, const void *pa,
                             const void *pb)
{
	const void *a = *(void *const *)pa, *b = *(void *const *)pb;
	if (a == NULL || b == NULL)
		return a == b;
	return schema_equal(f->sub, a, b);
}

static bool schema_float_equal(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

static bool schema_field_equal(const struct schema_field *f, const void *a,
                               const void *b)
{
	switch (f->type) {
	case FT_STR: return schema_str_eq(*(char *const *)a, *(char *const *)b);
	case FT_BOOL: return *(const bool *)a == *(const bool *)b;
	case FT_FLOAT:
		return schema_float_equal(*(const double *)a,
		                          *(const double *)b);
	case FT_BYTES: return bytes_equal(a, b);
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: return schema_opt_equal(f->type, a, b);
	case FT_STRLIST: return strlist_equal(a, b);
	case FT_STRMAP: return strmap_equal(a, b);
	case FT_STRLISTMAP: return strlistmap_equal(a, b);
	case FT_VALUE: return value_equal(a, b);
	case FT_STRUCT: return schema_equal(f->sub, a, b);
	case FT_PTR: return schema_ptr_equal(f, a, b);
	case FT_LIST: return schema_list_equal(f, a, b);
	case FT_MAP: return schema_map_equal(f, a, b);
	default:
		/* INT, UINT, DUR, NSTIME, TIME: 64-bit integers. */
		return memcmp(a, b, sizeof(int64_t)) == 0;
	}
}

bool schema_equal(const struct schema *s, const void *a, const void *b)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		if (!schema_field_equal(f, (const char *)a + f->off,
		                        (const char *)b + f->off))
			return false;
	}
	return true;
}

const struct schema_field *schema_field_by_name(const struct schema *s,
                                                const char *name)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return &s->fields[i];
	return NULL;
}
