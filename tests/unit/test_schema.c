/* Unit tests for structs/: the containers of value.h and the generic
 * release, copy, equal, msgpack and JSON codecs of schema.h, over a test
 * schema that uses every field type and flag. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/mem.h"
#include "structs/schema.h"
#include "structs/value.h"
#include "tests/lib/gen.h"
#include "tests/lib/unit.h"

/* ---- the test schema ---------------------------------------------------- */

#define TLEAF_FIELDS(X, S)                         \
	X(S, Name, name, STR, _, "name", SF_LABEL) \
	X(S, Count, count, INT, _, "count", 0)     \
	X(S, Tags, tags, STRLIST, _, "tags", SF_OMIT)
SCHEMA_DECLARE(tleaf, TLEAF_FIELDS);
SCHEMA_DEFINE(tleaf, TLEAF_FIELDS, 0);

/* Every field omitted when zero, like Nomad's Allocation. */
#define TSPARSE_FIELDS(X, S)                     \
	X(S, ID, id, STR, _, NULL, 0)            \
	X(S, Index, index, UINT, _, NULL, 0)     \
	X(S, Leaf, leaf, STRUCT, tleaf, NULL, 0) \
	X(S, Items, items, LIST, tleaf, NULL, 0) \
	X(S, When, when, TIME, _, NULL, 0)
SCHEMA_DECLARE(tsparse, TSPARSE_FIELDS);
SCHEMA_DEFINE(tsparse, TSPARSE_FIELDS, SCHEMA_OMITEMPTY);

#define TALL_FIELDS(X, S)                                   \
	X(S, Str, str, STR, _, "str", 0)                    \
	X(S, Bool, boolean, BOOL, _, "bool", 0)             \
	X(S, Int, integer, INT, _, "int", 0)                \
	X(S, Uint, uinteger, UINT, _, "uint", 0)            \
	X(S, Float, real, FLOAT, _, "float", 0)             \
	X(S, Dur, dur, DUR, _, "dur", 0)                    \
	X(S, NsTime, nstime, NSTIME, _, NULL, 0)            \
	X(S, Time, time, TIME, _, NULL, 0)                  \
	X(S, Bytes, bytes, BYTES, _, NULL, 0)               \
	X(S, OptBool, optbool, OPTBOOL, _, "opt_bool", 0)   \
	X(S, OptInt, optint, OPTINT, _, "opt_int", 0)       \
	X(S, OptDur, optdur, OPTDUR, _, "opt_dur", 0)       \
	X(S, Strs, strs, STRLIST, _, "strs", 0)             \
	X(S, Meta, meta, STRMAP, _, "meta", 0)              \
	X(S, Multi, multi, STRLISTMAP, _, "multi", 0)       \
	X(S, Config, config, VALUE, _, "config", 0)         \
	X(S, Leaf, leaf, STRUCT, tleaf, "leaf", 0)          \
	X(S, Sparse, sparse, PTR, tsparse, NULL, 0)         \
	X(S, Next, next, PTR, tall, NULL, 0)                \
	X(S, Leaves, leaves, LIST, tleaf, "leaves", 0)      \
	X(S, ByName, byname, MAP, tleaf, "by_name", 0)      \
	X(S, Note, note, STR, _, "note", SF_OMIT)           \
	X(S, Secret, secret, STR, _, NULL, SF_NOJSON)       \
	X(S, Always, always, LIST, tleaf, NULL, SF_NONNULL) \
	X(S, Labels, labels, STRMAP, _, NULL, SF_NONNULL)   \
	X(S, Names, names, STRLIST, _, NULL, SF_NONNULL)    \
	X(S, Extra, extra, STRUCT, tsparse, NULL, SF_OMIT)
SCHEMA_DECLARE(tall, TALL_FIELDS);
SCHEMA_DEFINE(tall, TALL_FIELDS, 0);

/* ---- helpers ------------------------------------------------------------ */

static char *dup(const char *s)
{
	char *d = mem_strdup(s);
	ck_assert_ptr_nonnull(d);
	return d;
}

static void fill_leaf(struct tleaf *l, const char *name, int64_t count)
{
	l->name = dup(name);
	l->count = count;
	ck_assert_int_eq(strlist_push(&l->tags, "t1"), 0);
	ck_assert_int_eq(strlist_push(&l->tags, "t\"2\""), 0);
}

/* A hand-written object with every field set. */
static void fill_sample(struct tall *t)
{
	struct value *v, *l;
	t->str = dup("web \"server\" ${node.unique.name} \xc3\xa9\xe2\x82\xac");
	t->boolean = true;
	t->integer = -42;
	t->uinteger = UINT64_C(9000000000000000000);
	t->real = 0.25;
	t->dur = 30 * INT64_C(1000000000);
	t->nstime = INT64_C(1700000000123456789);
	t->time = INT64_C(1700000000123456000);
	t->bytes.v = mem_malloc(3);
	ck_assert_ptr_nonnull(t->bytes.v);
	memcpy(t->bytes.v, "hi!", 3);
	t->bytes.n = 3;
	t->optbool = (struct opt){.set = true, .v = 0};
	t->optint = (struct opt){.set = true, .v = 0};
	t->optdur = (struct opt){.set = true, .v = 5};
	ck_assert_int_eq(strlist_push(&t->strs, "a"), 0);
	ck_assert_int_eq(strlist_push(&t->strs, ""), 0);
	ck_assert_int_eq(strmap_set(&t->meta, "zone", "b"), 0);
	ck_assert_int_eq(strmap_set(&t->meta, "owner", "ops"), 0);
	ck_assert_int_eq(strlistmap_add(&t->multi, "x", "1"), 0);
	ck_assert_int_eq(strlistmap_add(&t->multi, "x", "2"), 0);
	ck_assert_int_eq(strlistmap_add(&t->multi, "a", "3"), 0);
	t->config.kind = VALUE_MAP;
	v = value_map_append(&t->config, "image");
	ck_assert_int_eq(value_set_string(v, "redis:7"), 0);
	l = value_map_append(&t->config, "args");
	l->kind = VALUE_LIST;
	v = value_list_append(l);
	v->kind = VALUE_INT;
	v->u.i = 7;
	v = value_list_append(l);
	v->kind = VALUE_FLOAT;
	v->u.f = 1.5;
	v = value_list_append(l);
	v->kind = VALUE_BOOL;
	v->u.b = true;
	value_list_append(l);
	fill_leaf(&t->leaf, "leaf", 1);
	t->sparse = mem_calloc(1, sizeof *t->sparse);
	ck_assert_ptr_nonnull(t->sparse);
	t->sparse->id = dup("s1");
	t->next = mem_calloc(1, sizeof *t->next);
	ck_assert_ptr_nonnull(t->next);
	t->next->integer = 7;
	t->next->secret = dup("inner secret");
	t->leaves.v = mem_calloc(2, sizeof *t->leaves.v);
	ck_assert_ptr_nonnull(t->leaves.v);
	t->leaves.n = 2;
	fill_leaf(&t->leaves.v[0], "l0", 0);
	fill_leaf(&t->leaves.v[1], "l1", INT64_MIN);
	t->byname.v = mem_calloc(2, sizeof *t->byname.v);
	ck_assert_ptr_nonnull(t->byname.v);
	t->byname.n = 2;
	t->byname.v[0].key = dup("alpha");
	fill_leaf(&t->byname.v[0].val, "A", 1);
	t->byname.v[1].key = dup("beta");
	t->note = dup("note");
	t->secret = dup("s3cr3t");
	ck_assert_int_eq(strmap_set(&t->labels, "l", "v"), 0);
	t->extra.index = 3;
}

/* Releases the fields JSON never carries, at every level. */
static void clear_nojson(const struct schema *s, void *obj)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		char *p = (char *)obj + f->off;
		struct {
			char *v;
			size_t n;
		} *a = (void *)p;
		if (f->flags & SF_NOJSON) {
			struct schema view = {.fields = f, .nfields = 1};
			schema_release(&view, obj);
		} else if (f->type == FT_STRUCT) {
			clear_nojson(f->sub, p);
		} else if (f->type == FT_PTR && *(void **)p != NULL) {
			clear_nojson(f->sub, *(void **)p);
		} else if (f->type == FT_LIST) {
			for (size_t k = 0; k < a->n; k++)
				clear_nojson(f->sub, a->v + k * f->sub->size);
		} else if (f->type == FT_MAP) {
			for (size_t k = 0; k < a->n; k++)
				clear_nojson(f->sub,
				             a->v + k * f->esize + f->voff);
		}
	}
}

static int mp_round_trip(const struct schema *s, const void *obj, void *out,
                         struct err *e)
{
	struct buf b;
	int rc;
	buf_init(&b);
	rc = schema_msgpack_encode(s, obj, &b);
	if (rc == ERR_OK)
		rc = schema_msgpack_decode(s, out, b.data, b.len, e);
	buf_release(&b);
	return rc;
}

static int json_round_trip(const struct schema *s, const void *obj, void *out,
                           struct err *e)
{
	struct buf b;
	int rc;
	buf_init(&b);
	rc = schema_json_encode_buf(s, obj, 0, &b);
	if (rc == ERR_OK)
		rc = schema_json_decode_str(s, out, b.data, b.len, "T", e);
	buf_release(&b);
	return rc;
}

/* Compact JSON text of obj, for exact comparisons; caller frees. */
static char *json_text(const struct schema *s, const void *obj, int indent)
{
	struct buf b;
	buf_init(&b);
	ck_assert_int_eq(schema_json_encode_buf(s, obj, indent, &b), 0);
	return buf_steal(&b, NULL);
}

/* Decodes JSON text into a tall, expecting failure with message msg. */
static void json_fails(const char *text, int code, const char *msg)
{
	struct tall t = {0};
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(schema_json_decode_str(&tall_schema, &t, text,
	                                        strlen(text), "T", &e),
	                 code);
	ck_assert_str_eq(e.msg, msg);
	ck_assert(schema_equal(&tall_schema, &t, &(struct tall){0}));
}

static void json_ok(const char *text, struct tall *t)
{
	struct err e;
	err_clear(&e);
	memset(t, 0, sizeof *t);
	ck_assert_msg(schema_json_decode_str(&tall_schema, t, text,
	                                     strlen(text), "T", &e) == 0,
	              "%s: %s", text, e.msg);
}

/* A msgpack encoder into a libc buffer, for hand-made inputs. */
struct mp_in {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static void mp_in_init(struct mp_in *m)
{
	msgpack_sbuffer_init(&m->sb);
	msgpack_packer_init(&m->pk, &m->sb, msgpack_sbuffer_write);
}

static void mp_str(struct mp_in *m, const char *s, size_t n)
{
	msgpack_pack_str(&m->pk, n);
	msgpack_pack_str_body(&m->pk, s, n);
}

static void mp_key(struct mp_in *m, const char *s)
{
	mp_str(m, s, strlen(s));
}

static int mp_in_decode(struct mp_in *m, struct tall *t, struct err *e)
{
	int rc;
	err_clear(e);
	memset(t, 0, sizeof *t);
	rc = schema_msgpack_decode(&tall_schema, t, m->sb.data, m->sb.size, e);
	msgpack_sbuffer_destroy(&m->sb);
	return rc;
}

static void mp_in_fails(struct mp_in *m, const char *msg)
{
	struct tall t;
	struct err e;
	ck_assert_int_eq(mp_in_decode(m, &t, &e), ERR_DECODE);
	ck_assert_str_eq(e.msg, msg);
	ck_assert(schema_equal(&tall_schema, &t, &(struct tall){0}));
}

/* ---- containers --------------------------------------------------------- */

START_TEST(strmap_stays_sorted_and_unique)
{
	struct strmap m = {0}, c = {0};
	struct strlistmap lm = {0};
	ck_assert_int_eq(strmap_set(&m, "b", "2"), 0);
	ck_assert_int_eq(strmap_set(&m, "a", "1"), 0);
	ck_assert_int_eq(strmap_set(&m, "c", "3"), 0);
	ck_assert_int_eq(strmap_set(&m, "b", "two"), 0);
	ck_assert_uint_eq(m.n, 3);
	ck_assert_str_eq(m.v[0].key, "a");
	ck_assert_str_eq(m.v[1].key, "b");
	ck_assert_str_eq(m.v[2].key, "c");
	ck_assert_str_eq(strmap_get(&m, "b"), "two");
	ck_assert_ptr_null(strmap_get(&m, "d"));
	ck_assert_int_eq(strmap_copy(&c, &m), 0);
	ck_assert(strmap_equal(&c, &m));
	ck_assert_int_eq(strmap_set(&c, "d", ""), 0);
	ck_assert(!strmap_equal(&c, &m));
	strmap_release(&c);
	strmap_release(&m);
	ck_assert_int_eq(strlistmap_add(&lm, "z", "1"), 0);
	ck_assert_int_eq(strlistmap_add(&lm, "a", "2"), 0);
	ck_assert_int_eq(strlistmap_add(&lm, "z", "3"), 0);
	ck_assert_uint_eq(lm.n, 2);
	ck_assert_str_eq(lm.v[0].key, "a");
	ck_assert_uint_eq(lm.v[1].val.n, 2);
	ck_assert_str_eq(lm.v[1].val.v[1], "3");
	strlistmap_release(&lm);
}
END_TEST

START_TEST(values_compare_maps_as_sets)
{
	struct value a = {0}, b = {0}, c = {0};
	a.kind = b.kind = VALUE_MAP;
	value_map_append(&a, "x")->kind = VALUE_BOOL;
	ck_assert_int_eq(value_set_string(value_map_append(&a, "y"), "s"), 0);
	ck_assert_int_eq(value_set_string(value_map_append(&b, "y"), "s"), 0);
	value_map_append(&b, "x")->kind = VALUE_BOOL;
	ck_assert(value_equal(&a, &b));
	ck_assert_int_eq(value_copy(&c, &a), 0);
	ck_assert(value_equal(&c, &b));
	ck_assert_ptr_nonnull(value_map_get(&c, "y"));
	ck_assert_ptr_null(value_map_get(&c, "z"));
	value_map_append(&c, "z");
	ck_assert(!value_equal(&c, &b));
	value_release(&a);
	value_release(&b);
	value_release(&c);
	ck_assert_int_eq(a.kind, VALUE_NULL);
}
END_TEST

/* ---- release, copy, equal ----------------------------------------------- */

START_TEST(release_zero_objects)
{
	struct tall t = {0};
	struct tsparse s = {0};
	schema_release(&tall_schema, &t);
	schema_release(&tsparse_schema, &s);
	schema_release(&tall_schema, &t);
	ck_assert(schema_equal(&tall_schema, &t, &(struct tall){0}));
	fill_sample(&t);
	schema_release(&tall_schema, &t);
	ck_assert(schema_equal(&tall_schema, &t, &(struct tall){0}));
	ck_assert_ptr_eq(schema_field_by_name(&tall_schema, "ByName"),
	                 &tall_schema.fields[20]);
	ck_assert_ptr_null(schema_field_by_name(&tall_schema, "byname"));
}
END_TEST

START_TEST(copy_equals_original)
{
	struct tall t = {0}, c = {0};
	fill_sample(&t);
	ck_assert_int_eq(schema_copy(&tall_schema, &c, &t), 0);
	ck_assert(schema_equal(&tall_schema, &t, &c));
	ck_assert_ptr_ne(c.str, t.str);
	c.next->integer++;
	ck_assert(!schema_equal(&tall_schema, &t, &c));
	c.next->integer--;
	c.optint.set = false;
	ck_assert(!schema_equal(&tall_schema, &t, &c));
	c.optint.set = true;
	ck_assert(schema_equal(&tall_schema, &t, &c));
	/* NULL and "" are one value. */
	mem_free(c.str);
	c.str = NULL;
	mem_free(t.str);
	t.str = dup("");
	ck_assert(schema_equal(&tall_schema, &t, &c));
	schema_release(&tall_schema, &c);
	schema_release(&tall_schema, &t);
}
END_TEST

/* ---- round trips -------------------------------------------------------- */

START_TEST(msgpack_round_trip_sample)
{
	struct tall t = {0}, d = {0};
	struct err e;
	fill_sample(&t);
	ck_assert_int_eq(mp_round_trip(&tall_schema, &t, &d, &e), 0);
	ck_assert(schema_equal(&tall_schema, &t, &d));
	ck_assert_str_eq(d.next->secret, "inner secret");
	schema_release(&tall_schema, &d);
	schema_release(&tall_schema, &t);
}
END_TEST

START_TEST(json_round_trip_sample)
{
	struct tall t = {0}, d = {0};
	struct err e;
	fill_sample(&t);
	ck_assert_int_eq(json_round_trip(&tall_schema, &t, &d, &e), 0);
	ck_assert_ptr_null(d.secret);
	ck_assert_ptr_null(d.next->secret);
	clear_nojson(&tall_schema, &t);
	ck_assert(schema_equal(&tall_schema, &t, &d));
	schema_release(&tall_schema, &d);
	schema_release(&tall_schema, &t);
}
END_TEST

START_TEST(random_round_trips)
{
	uint64_t seed = unit_seed();
	struct gen_rng r = {seed};
	for (int i = 0; i < 500; i++) {
		struct tall t = {0}, m = {0}, j = {0}, c = {0};
		struct err e;
		err_clear(&e);
		gen_random(&tall_schema, &t, &r, 3);
		ck_assert_int_eq(schema_copy(&tall_schema, &c, &t), 0);
		ck_assert_msg(schema_equal(&tall_schema, &t, &c),
		              "copy differs: object %d, seed %llu", i,
		              (unsigned long long)seed);
		ck_assert_msg(mp_round_trip(&tall_schema, &t, &m, &e) == 0,
		              "msgpack: object %d, seed %llu: %s", i,
		              (unsigned long long)seed, e.msg);
		ck_assert_msg(schema_equal(&tall_schema, &t, &m),
		              "msgpack differs: object %d, seed %llu", i,
		              (unsigned long long)seed);
		ck_assert_msg(json_round_trip(&tall_schema, &t, &j, &e) == 0,
		              "json: object %d, seed %llu: %s", i,
		              (unsigned long long)seed, e.msg);
		clear_nojson(&tall_schema, &t);
		ck_assert_msg(schema_equal(&tall_schema, &t, &j),
		              "json differs: object %d, seed %llu", i,
		              (unsigned long long)seed);
		schema_release(&tall_schema, &t);
		schema_release(&tall_schema, &m);
		schema_release(&tall_schema, &j);
		schema_release(&tall_schema, &c);
	}
}
END_TEST

/* ---- canonical form ----------------------------------------------------- */

/* Stricter than schema_equal: NULL and "" differ, an empty list or map
 * must have no array, and map entries must come in the same order. What
 * the leader stores from its own objects (schema_msgpack_canon) must be
 * exactly what decoding gives elsewhere. */
static bool strict_value(const struct value *a, const struct value *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == VALUE_STRING)
		return strcmp(a->u.s, b->u.s) == 0;
	if (a->kind == VALUE_LIST) {
		if (a->u.list.n != b->u.list.n)
			return false;
		for (size_t i = 0; i < a->u.list.n; i++)
			if (!strict_value(&a->u.list.v[i], &b->u.list.v[i]))
				return false;
		return true;
	}
	if (a->kind == VALUE_MAP) {
		if (a->u.map.n != b->u.map.n)
			return false;
		for (size_t i = 0; i < a->u.map.n; i++)
			if (strcmp(a->u.map.v[i].key, b->u.map.v[i].key) != 0 ||
			    !strict_value(&a->u.map.v[i].val,
			                  &b->u.map.v[i].val))
				return false;
		return true;
	}
	return memcmp(&a->u, &b->u, sizeof a->u) == 0 ||
	       (a->kind == VALUE_FLOAT && isnan(a->u.f) && isnan(b->u.f));
}

static bool strict_str(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static bool strict_equal(const struct schema *s, const void *a, const void *b);

static bool strict_field(const struct schema_field *f, const char *pa,
                         const char *pb)
{
	const struct strlist *la = (const void *)pa, *lb = (const void *)pb;
	const struct bytes *ba = (const void *)pa, *bb = (const void *)pb;
	size_t esize;
	switch (f->type) {
	case FT_STR: return strict_str(*(char *const *)pa, *(char *const *)pb);
	case FT_VALUE: return strict_value((const void *)pa, (const void *)pb);
	case FT_STRUCT: return strict_equal(f->sub, pa, pb);
	case FT_PTR:
		if (*(void *const *)pa == NULL || *(void *const *)pb == NULL)
			return *(void *const *)pa == *(void *const *)pb;
		return strict_equal(f->sub, *(void *const *)pa,
		                    *(void *const *)pb);
	case FT_BYTES:
		return ba->n == bb->n && (ba->v == NULL) == (bb->v == NULL) &&
		       (ba->n == 0 || memcmp(ba->v, bb->v, ba->n) == 0);
	case FT_STRLIST:
		if (la->n != lb->n || (la->v == NULL) != (lb->v == NULL))
			return false;
		for (size_t i = 0; i < la->n; i++)
			if (!strict_str(la->v[i], lb->v[i]))
				return false;
		return true;
	case FT_LIST:
	case FT_MAP:
	case FT_STRMAP:
	case FT_STRLISTMAP: {
		const struct bytes *xa = ba, *xb = bb; /* {pointer, count} */
		esize = f->type == FT_LIST     ? f->sub->size
		        : f->type == FT_STRMAP ? sizeof(struct strmap_ent)
		        : f->type == FT_STRLISTMAP
		            ? sizeof(struct strlistmap_ent)
		            : f->esize;
		if (xa->n != xb->n || (xa->v == NULL) != (xb->v == NULL))
			return false;
		for (size_t i = 0; i < xa->n; i++) {
			const char *ea = (const char *)xa->v + i * esize;
			const char *eb = (const char *)xb->v + i * esize;
			if (f->type == FT_LIST) {
				if (!strict_equal(f->sub, ea, eb))
					return false;
				continue;
			}
			if (strcmp(*(char *const *)ea, *(char *const *)eb) != 0)
				return false;
			if (f->type == FT_MAP &&
			    !strict_equal(f->sub, ea + f->voff, eb + f->voff))
				return false;
			if (f->type == FT_STRMAP &&
			    !strict_str(((const struct strmap_ent *)ea)->val,
			                ((const struct strmap_ent *)eb)->val))
				return false;
			if (f->type == FT_STRLISTMAP) {
				struct schema_field lf = {.type = FT_STRLIST};
				if (!strict_field(
				        &lf,
				        (const char *)&(
				            (const struct strlistmap_ent *)ea)
				            ->val,
				        (const char *)&(
				            (const struct strlistmap_ent *)eb)
				            ->val))
					return false;
			}
		}
		return true;
	}
	default: {
		/* scalars and options: schema_equal on a one-field view */
		struct schema view = {
		    .name = f->name, .fields = f, .nfields = 1};
		return schema_equal(&view, pa - f->off, pb - f->off);
	}
	}
}

static bool strict_equal(const struct schema *s, const void *a, const void *b)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		if (!strict_field(f, (const char *)a + f->off,
		                  (const char *)b + f->off))
			return false;
	}
	return true;
}

/* Random objects, with empty strings and unsorted maps among them: their
 * canonical form is exactly what decoding their encoding gives. */
START_TEST(msgpack_canon_is_the_decoded_form)
{
	uint64_t seed = unit_seed();
	struct gen_rng r = {seed};
	size_t differed = 0;
	for (int i = 0; i < 300; i++) {
		struct tall t = {0}, m = {0};
		struct err e;
		err_clear(&e);
		gen_random(&tall_schema, &t, &r, 3);
		/* an empty string and a map out of order */
		if (t.str == NULL)
			t.str = dup("");
		ck_assert_int_eq(strmap_set(&t.meta, "zz", "1"), 0);
		ck_assert_int_eq(strmap_set(&t.meta, "aa", ""), 0);
		{ /* strmap_set keeps keys sorted: swap the ends */
			struct strmap_ent x = t.meta.v[0];
			t.meta.v[0] = t.meta.v[t.meta.n - 1];
			t.meta.v[t.meta.n - 1] = x;
		}
		ck_assert_msg(mp_round_trip(&tall_schema, &t, &m, &e) == 0,
		              "object %d, seed %llu: %s", i,
		              (unsigned long long)seed, e.msg);
		differed += !strict_equal(&tall_schema, &t, &m);
		schema_msgpack_canon(&tall_schema, &t);
		ck_assert_msg(strict_equal(&tall_schema, &t, &m),
		              "canonical form differs: object %d, seed %llu", i,
		              (unsigned long long)seed);
		schema_release(&tall_schema, &t);
		schema_release(&tall_schema, &m);
	}
	ck_assert_uint_gt(differed, 0); /* the check can fail */
}
END_TEST

/* ---- JSON text ---------------------------------------------------------- */

START_TEST(json_exact_text)
{
	struct tall t = {0};
	struct tsparse s = {0};
	struct tleaf l = {0};
	struct value *v;
	char *text;
	t.str = dup("web");
	t.integer = 3;
	t.real = 2;
	t.time = INT64_C(1700000000123456000);
	t.bytes.v = mem_malloc(3);
	ck_assert_ptr_nonnull(t.bytes.v);
	memcpy(t.bytes.v, "hi!", 3);
	t.bytes.n = 3;
	t.optint.set = true;
	ck_assert_int_eq(strlist_push(&t.strs, "a"), 0);
	t.config.kind = VALUE_MAP;
	v = value_map_append(&t.config, "b");
	v->kind = VALUE_FLOAT;
	v->u.f = NAN;
	v = value_map_append(&t.config, "a");
	v->kind = VALUE_FLOAT;
	v->u.f = 0.5;
	t.secret = dup("hidden");
	text = json_text(&tall_schema, &t, 0);
	ck_assert_str_eq(
	    text, "{\"Str\":\"web\",\"Bool\":false,\"Int\":3,\"Uint\":0,"
	          "\"Float\":2,\"Dur\":0,\"NsTime\":0,"
	          "\"Time\":\"2023-11-14T22:13:20.123456Z\",\"Bytes\":\"aGkh\","
	          "\"OptBool\":null,\"OptInt\":0,\"OptDur\":null,"
	          "\"Strs\":[\"a\"],\"Meta\":null,\"Multi\":null,"
	          "\"Config\":{\"a\":0.5,\"b\":null},"
	          "\"Leaf\":{\"Name\":\"\",\"Count\":0},\"Sparse\":null,"
	          "\"Next\":null,\"Leaves\":null,\"ByName\":null,\"Always\":[],"
	          "\"Labels\":{},\"Names\":[],"
	          "\"Extra\":{\"Leaf\":{\"Name\":\"\",\"Count\":0}}}");
	mem_free(text);
	schema_release(&tall_schema, &t);

	s.id = dup("x");
	s.items.v = mem_calloc(1, sizeof *s.items.v);
	ck_assert_ptr_nonnull(s.items.v);
	s.items.n = 1;
	fill_leaf(&s.items.v[0], "n", 1);
	s.when = 1000000000;
	text = json_text(&tsparse_schema, &s, 0);
	ck_assert_str_eq(text,
	                 "{\"ID\":\"x\",\"Leaf\":{\"Name\":\"\",\"Count\":0},"
	                 "\"Items\":[{\"Name\":\"n\",\"Count\":1,\"Tags\":"
	                 "[\"t1\",\"t\\\"2\\\"\"]}],"
	                 "\"When\":\"1970-01-01T00:00:01Z\"}");
	mem_free(text);
	schema_release(&tsparse_schema, &s);

	l.name = dup("a");
	l.count = 2;
	text = json_text(&tleaf_schema, &l, 2);
	ck_assert_str_eq(text, "{\n  \"Name\": \"a\",\n  \"Count\": 2\n}");
	mem_free(text);
	schema_release(&tleaf_schema, &l);
	text = json_text(&tsparse_schema, &s, 0);
	ck_assert_str_eq(text, "{\"Leaf\":{\"Name\":\"\",\"Count\":0}}");
	mem_free(text);
}
END_TEST

START_TEST(json_zero_time_and_invalid_utf8)
{
	struct tall t = {0};
	char *text;
	t.str = dup("a\xff"
	            "b");
	text = json_text(&tall_schema, &t, 0);
	ck_assert_ptr_nonnull(strstr(text, "\"Str\":\"a\xef\xbf\xbd"
	                                   "b\""));
	ck_assert_ptr_nonnull(
	    strstr(text, "\"Time\":\"0001-01-01T00:00:00Z\""));
	mem_free(text);
	schema_release(&tall_schema, &t);
}
END_TEST

START_TEST(json_sorts_hand_built_maps)
{
	struct tall t = {0};
	char *text;
	t.byname.v = mem_calloc(3, sizeof *t.byname.v);
	ck_assert_ptr_nonnull(t.byname.v);
	t.byname.n = 3;
	t.byname.v[0].key = dup("b");
	t.byname.v[1].key = dup("c");
	t.byname.v[2].key = dup("a");
	t.byname.v[2].val.count = 1;
	text = json_text(&tall_schema, &t, 0);
	ck_assert_ptr_nonnull(
	    strstr(text, "\"ByName\":{\"a\":{\"Name\":\"\",\"Count\":1},"
	                 "\"b\":{\"Name\":\"\",\"Count\":0},"
	                 "\"c\":{\"Name\":\"\",\"Count\":0}}"));
	mem_free(text);
	schema_release(&tall_schema, &t);
}
END_TEST

/* ---- JSON decoding ------------------------------------------------------ */

START_TEST(json_accepts_go_spellings)
{
	struct tall t;
	json_ok("{\"int\":5,\"LEAF\":{\"name\":\"x\"},\"Secret\":\"s\","
	        "\"secret\":\"s\",\"Nope\":{\"deep\":[1,{}]},\"Dur\":\"1m30s\","
	        "\"OptDur\":\"2s\",\"Time\":\"2023-11-14T23:13:20.5+01:00\","
	        "\"Uint\":1e3,\"Bytes\":\"aG\\nkh\",\"Float\":1,"
	        "\"Strs\":[null,\"b\"],\"Meta\":{\"z\":\"1\",\"a\":null},"
	        "\"ByName\":{\"q\":null,\"p\":{\"Count\":2}}}",
	        &t);
	ck_assert_int_eq(t.integer, 5);
	ck_assert_str_eq(t.leaf.name, "x");
	ck_assert_ptr_null(t.secret);
	ck_assert_int_eq(t.dur, 90 * INT64_C(1000000000));
	ck_assert(t.optdur.set);
	ck_assert_int_eq(t.optdur.v, 2 * INT64_C(1000000000));
	ck_assert_int_eq(t.time, INT64_C(1700000000500000000));
	ck_assert_uint_eq(t.uinteger, 1000);
	ck_assert_uint_eq(t.bytes.n, 3);
	ck_assert_int_eq(memcmp(t.bytes.v, "hi!", 3), 0);
	ck_assert(t.real == 1.0);
	ck_assert_str_eq(t.strs.v[0], "");
	ck_assert_str_eq(t.meta.v[0].key, "a");
	ck_assert_str_eq(t.meta.v[0].val, "");
	ck_assert_str_eq(t.byname.v[0].key, "p");
	ck_assert_int_eq(t.byname.v[0].val.count, 2);
	ck_assert_str_eq(t.byname.v[1].key, "q");
	schema_release(&tall_schema, &t);
	/* A later key replaces an earlier one; an exact match wins. */
	json_ok("{\"str\":\"a\",\"Str\":\"b\"}", &t);
	ck_assert_str_eq(t.str, "b");
	schema_release(&tall_schema, &t);
	json_ok("{\"Str\":\"b\",\"STR\":\"c\",\"Leaves\":[{}],"
	        "\"leaves\":[{},{}]}",
	        &t);
	ck_assert_str_eq(t.str, "c");
	ck_assert_uint_eq(t.leaves.n, 2);
	schema_release(&tall_schema, &t);
	json_ok("null", &t);
	json_ok("{\"Str\":null,\"Next\":null,\"OptBool\":null}", &t);
	ck_assert(!t.optbool.set);
}
END_TEST

START_TEST(json_errors_name_the_path)
{
	json_fails("{\"Leaves\":[{\"Count\":1},{\"Count\":\"x\"}]}", ERR_DECODE,
	           "T.Leaves[1].Count: expected a number, got string");
	json_fails("{\"Int\":1.5}", ERR_DECODE,
	           "T.Int: expected an integer, got 1.5");
	json_fails("{\"Int\":1e300}", ERR_DECODE,
	           "T.Int: integer 1e+300 out of range");
	json_fails("{\"Uint\":-1}", ERR_DECODE,
	           "T.Uint: integer -1 out of range");
	json_fails("{\"Meta\":{\"k\":1}}", ERR_DECODE,
	           "T.Meta[\"k\"]: expected a string, got number");
	json_fails("{\"Strs\":\"a\"}", ERR_DECODE,
	           "T.Strs: expected an array, got string");
	json_fails("{\"Leaf\":[]}", ERR_DECODE,
	           "T.Leaf: expected an object, got array");
	json_fails("{\"Time\":\"yesterday\"}", ERR_DECODE,
	           "T.Time: invalid RFC 3339 time \"yesterday\"");
	json_fails("{\"Time\":\"9999-01-01T00:00:00Z\"}", ERR_DECODE,
	           "T.Time: time \"9999-01-01T00:00:00Z\" out of range");
	json_fails("{\"Bytes\":\"!!\"}", ERR_DECODE,
	           "T.Bytes: invalid base64 data");
	json_fails("{\"Bytes\":\"aGk=aGk=\"}", ERR_DECODE,
	           "T.Bytes: invalid base64 data");
	json_fails("{\"ByName\":{\"x\":{\"Tags\":[1]}}}", ERR_DECODE,
	           "T.ByName[\"x\"].Tags[0]: expected a string, got number");
	json_fails("{\"Next\":{\"Next\":{\"Bool\":\"yes\"}}}", ERR_DECODE,
	           "T.Next.Next.Bool: expected a boolean, got string");
	json_fails("{\"OptBool\":1}", ERR_DECODE,
	           "T.OptBool: expected a boolean, got number");
	json_fails("{\"Multi\":{\"a\":[\"x\",{}]}}", ERR_DECODE,
	           "T.Multi[\"a\"][1]: expected a string, got object");
	json_fails("{\"Config\":{\"a\":\"x\\u0000y\"}}", ERR_PARSE,
	           "line 1, column 25: \\u0000 is not allowed without "
	           "JSON_ALLOW_NUL near '\"x\\u0000y\"'");
	json_fails("[1]", ERR_DECODE, "T: expected an object, got array");
	json_fails("{\"Str\": }", ERR_PARSE,
	           "line 1, column 9: unexpected token near '}'");
	json_fails("{} x", ERR_PARSE,
	           "line 1, column 4: end of file expected near 'x'");
	json_fails("", ERR_PARSE,
	           "line 1, column 0: unexpected token near end of file");
}
END_TEST

START_TEST(json_duration_errors)
{
	struct tall t = {0};
	struct err e;
	const char *text = "{\"Dur\":\"5x\"}";
	ck_assert_int_eq(schema_json_decode_str(&tall_schema, &t, text,
	                                        strlen(text), "Job", &e),
	                 ERR_DECODE);
	ck_assert_msg(
	    strncmp(e.msg, "Job.Dur: invalid duration \"5x\": ", 32) == 0, "%s",
	    e.msg);
}
END_TEST

/* Builds `prefix` + n opening brackets + n closing ones + `suffix`. */
static char *nested(const char *prefix, int n, const char *suffix)
{
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, prefix);
	for (int i = 0; i < n; i++)
		buf_append_char(&b, '[');
	for (int i = 0; i < n; i++)
		buf_append_char(&b, ']');
	buf_append_str(&b, suffix);
	return buf_steal(&b, NULL);
}

START_TEST(json_value_depth_is_bounded)
{
	struct tall t = {0};
	struct err e;
	char *ok = nested("{\"Config\":", 64, "}");
	char *deep = nested("{\"Config\":", 65, "}");
	char *deeper = nested("{\"Config\":", 2000, "}");
	ck_assert_int_eq(
	    schema_json_decode_str(&tall_schema, &t, ok, strlen(ok), "T", &e),
	    0);
	schema_release(&tall_schema, &t);
	ck_assert_int_eq(schema_json_decode_str(&tall_schema, &t, deep,
	                                        strlen(deep), "T", &e),
	                 ERR_DECODE);
	ck_assert_msg(strstr(e.msg, "[0][0]: nesting deeper than 64 levels") !=
	                  NULL,
	              "%s", e.msg);
	ck_assert_int_eq(schema_json_decode_str(&tall_schema, &t, deeper,
	                                        strlen(deeper), "T", &e),
	                 ERR_DECODE);
	mem_free(ok);
	mem_free(deep);
	mem_free(deeper);
}
END_TEST

/* ---- msgpack decoding --------------------------------------------------- */

START_TEST(msgpack_errors_name_the_path)
{
	struct mp_in m;
	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Leaves");
	msgpack_pack_array(&m.pk, 2);
	msgpack_pack_map(&m.pk, 0);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Count");
	mp_key(&m, "x");
	mp_in_fails(&m, "Tall.Leaves[1].Count: expected integer, got string");

	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Uint");
	msgpack_pack_int64(&m.pk, -1);
	mp_in_fails(&m, "Tall.Uint: integer -1 out of range");

	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Int");
	msgpack_pack_uint64(&m.pk, UINT64_MAX);
	mp_in_fails(&m, "Tall.Int: integer 18446744073709551615 out of range");

	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Str");
	mp_str(&m, "a\0b", 3);
	mp_in_fails(&m, "Tall.Str: NUL byte in string");

	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Strs");
	msgpack_pack_array(&m.pk, 1);
	mp_str(&m, "\xed\xa0\x80", 3); /* a UTF-16 surrogate */
	mp_in_fails(&m, "Tall.Strs[0]: invalid UTF-8 in string");

	/* Past the eight-byte ASCII fast path, and inside it. */
	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Str");
	mp_str(&m, "abcdefghijklmn\0pq", 17);
	mp_in_fails(&m, "Tall.Str: NUL byte in string");

	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Str");
	mp_str(&m, "abcdefghijk\xffmnopqrstu", 21);
	mp_in_fails(&m, "Tall.Str: invalid UTF-8 in string");

	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Meta");
	msgpack_pack_map(&m.pk, 1);
	msgpack_pack_int(&m.pk, 1);
	mp_key(&m, "a");
	mp_in_fails(&m, "Tall.Meta: expected string key, got integer");

	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "ByName");
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "k");
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Name");
	msgpack_pack_double(&m.pk, 1.5);
	mp_in_fails(&m, "Tall.ByName[\"k\"].Name: expected string, got float");

	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "Config");
	msgpack_pack_ext(&m.pk, 1, 1);
	msgpack_pack_ext_body(&m.pk, "x", 1);
	mp_in_fails(&m, "Tall.Config: expected a value, got extension");

	mp_in_init(&m);
	msgpack_pack_array(&m.pk, 0);
	mp_in_fails(&m, "Tall: expected map, got array");
}
END_TEST

START_TEST(msgpack_raw_input_checks)
{
	static const struct {
		const char *data;
		size_t len;
		const char *msg;
	} cases[] = {
	    {"\x80\xc0", 2, "trailing bytes after msgpack object at offset 1"},
	    {"\xc1", 1, "invalid msgpack byte 0xc1 at offset 0"},
	    {"\xdd\xff\xff\xff\xff\xc0", 6, "truncated msgpack data"},
	    {"\xdf\x7f\xff\xff\xff", 5, "truncated msgpack data"},
	    {"\xdb\xff\xff\xff\xff", 5, "truncated msgpack data"},
	    {"", 0, "truncated msgpack data"},
	};
	char deep[40];
	struct tall t = {0};
	struct err e;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(schema_msgpack_decode(&tall_schema, &t,
		                                       cases[i].data,
		                                       cases[i].len, &e),
		                 ERR_DECODE);
		ck_assert_str_eq(e.msg, cases[i].msg);
	}
	/* {"Config": [[[...]]]}: 32 containers decode, 33 do not. */
	deep[0] = (char)0x81;
	deep[1] = (char)0xa6;
	memcpy(deep + 2, "Config", 6);
	memset(deep + 8, 0x91, 31);
	deep[39] = (char)0xc0;
	ck_assert_int_eq(schema_msgpack_decode(&tall_schema, &t, deep, 40, &e),
	                 0);
	schema_release(&tall_schema, &t);
	deep[39] = (char)0x91;
	ck_assert_int_eq(schema_msgpack_decode(&tall_schema, &t, deep, 40, &e),
	                 ERR_DECODE);
	ck_assert_str_eq(e.msg, "msgpack nesting deeper than 32 levels");
}
END_TEST

START_TEST(msgpack_repeated_keys_replace)
{
	struct mp_in m;
	struct tall t;
	struct err e;
	mp_in_init(&m);
	msgpack_pack_map(&m.pk, 5);
	mp_key(&m, "Str");
	mp_key(&m, "first");
	mp_key(&m, "Unknown");
	msgpack_pack_map(&m.pk, 1);
	mp_key(&m, "x");
	msgpack_pack_array(&m.pk, 0);
	mp_key(&m, "Str");
	mp_key(&m, "second");
	mp_key(&m, "Meta");
	msgpack_pack_map(&m.pk, 3);
	mp_key(&m, "k");
	mp_key(&m, "1");
	mp_key(&m, "k");
	mp_key(&m, "2");
	mp_key(&m, "a");
	msgpack_pack_nil(&m.pk);
	mp_key(&m, "Leaf");
	msgpack_pack_nil(&m.pk);
	ck_assert_int_eq(mp_in_decode(&m, &t, &e), 0);
	ck_assert_str_eq(t.str, "second");
	ck_assert_uint_eq(t.meta.n, 2);
	ck_assert_str_eq(t.meta.v[0].key, "a");
	ck_assert_str_eq(t.meta.v[0].val, "");
	ck_assert_str_eq(strmap_get(&t.meta, "k"), "2");
	schema_release(&tall_schema, &t);
}
END_TEST

START_TEST(msgpack_truncations_fail_cleanly)
{
	struct tall t = {0};
	struct buf b;
	struct err e;
	fill_sample(&t);
	buf_init(&b);
	ck_assert_int_eq(schema_msgpack_encode(&tall_schema, &t, &b), 0);
	schema_release(&tall_schema, &t);
	for (size_t len = 0; len < b.len; len++) {
		ck_assert_int_eq(
		    schema_msgpack_decode(&tall_schema, &t, b.data, len, &e),
		    ERR_DECODE);
		ck_assert(schema_equal(&tall_schema, &t, &(struct tall){0}));
	}
	ck_assert_int_eq(
	    schema_msgpack_decode(&tall_schema, &t, b.data, b.len, &e), 0);
	schema_release(&tall_schema, &t);
	buf_release(&b);
}
END_TEST

/* ---- allocation failures ------------------------------------------------ */

struct fault_case {
	struct tall sample;
	struct buf wire; /* msgpack of sample */
	char *json;      /* JSON text of sample */
};

typedef int (*fault_fn)(struct fault_case *fc);

/* Fails the k-th allocation for k = 0, 1, 2... until op succeeds; every
 * failing run must report ERR_NOMEM and leave nothing allocated. */
static void fault_loop(const char *what, fault_fn op, struct fault_case *fc)
{
	for (int64_t k = 0;; k++) {
		int64_t base = mem_outstanding();
		int rc;
		mem_fault_set(k, 1);
		rc = op(fc);
		mem_fault_reset();
		if (rc == ERR_OK)
			break;
		ck_assert_msg(rc == ERR_NOMEM, "%s: fault %lld gave %d", what,
		              (long long)k, rc);
		ck_assert_msg(mem_outstanding() == base,
		              "%s: fault %lld leaked %lld", what, (long long)k,
		              (long long)(mem_outstanding() - base));
		ck_assert_int_lt(k, 100000);
	}
}

static int fault_copy(struct fault_case *fc)
{
	struct tall c = {0};
	int rc = schema_copy(&tall_schema, &c, &fc->sample);
	if (rc == ERR_OK)
		ck_assert(schema_equal(&tall_schema, &c, &fc->sample));
	else
		ck_assert(schema_equal(&tall_schema, &c, &(struct tall){0}));
	schema_release(&tall_schema, &c);
	return rc;
}

static int fault_mp_encode(struct fault_case *fc)
{
	struct buf b;
	int rc;
	buf_init(&b);
	rc = schema_msgpack_encode(&tall_schema, &fc->sample, &b);
	if (rc == ERR_OK) {
		ck_assert_uint_eq(b.len, fc->wire.len);
		ck_assert_int_eq(memcmp(b.data, fc->wire.data, b.len), 0);
	}
	buf_release(&b);
	return rc;
}

static int fault_mp_decode(struct fault_case *fc)
{
	struct tall d = {0};
	struct err e;
	int rc = schema_msgpack_decode(&tall_schema, &d, fc->wire.data,
	                               fc->wire.len, &e);
	if (rc == ERR_OK) {
		ck_assert(schema_equal(&tall_schema, &d, &fc->sample));
		schema_release(&tall_schema, &d);
	} else {
		ck_assert_str_eq(e.msg, "out of memory");
	}
	return rc;
}

static int fault_json_encode(struct fault_case *fc)
{
	struct buf b;
	int rc;
	buf_init(&b);
	rc = schema_json_encode_buf(&tall_schema, &fc->sample, 2, &b);
	if (rc == ERR_OK)
		ck_assert_str_eq(buf_cstr(&b), fc->json);
	buf_release(&b);
	return rc;
}

static int fault_json_decode(struct fault_case *fc)
{
	struct tall d = {0};
	struct err e;
	int rc = schema_json_decode_str(&tall_schema, &d, fc->json,
	                                strlen(fc->json), "T", &e);
	if (rc == ERR_OK) {
		ck_assert(schema_equal(&tall_schema, &d, &fc->sample));
		schema_release(&tall_schema, &d);
	}
	return rc;
}

START_TEST(allocation_failures_are_clean)
{
	struct fault_case fc = {0};
	schema_json_init();
	fill_sample(&fc.sample);
	clear_nojson(&tall_schema, &fc.sample);
	buf_init(&fc.wire);
	ck_assert_int_eq(
	    schema_msgpack_encode(&tall_schema, &fc.sample, &fc.wire), 0);
	fc.json = json_text(&tall_schema, &fc.sample, 2);
	fault_loop("copy", fault_copy, &fc);
	fault_loop("msgpack encode", fault_mp_encode, &fc);
	fault_loop("msgpack decode", fault_mp_decode, &fc);
	fault_loop("json encode", fault_json_encode, &fc);
	fault_loop("json decode", fault_json_decode, &fc);
	mem_free(fc.json);
	buf_release(&fc.wire);
	schema_release(&tall_schema, &fc.sample);
}
END_TEST

static Suite *schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = unit_tcase(s, "core", 30);
	tcase_add_test(tc, strmap_stays_sorted_and_unique);
	tcase_add_test(tc, values_compare_maps_as_sets);
	tcase_add_test(tc, release_zero_objects);
	tcase_add_test(tc, copy_equals_original);
	tcase_add_test(tc, msgpack_round_trip_sample);
	tcase_add_test(tc, json_round_trip_sample);
	tcase_add_test(tc, json_exact_text);
	tcase_add_test(tc, json_zero_time_and_invalid_utf8);
	tcase_add_test(tc, json_sorts_hand_built_maps);
	tcase_add_test(tc, json_accepts_go_spellings);
	tcase_add_test(tc, json_errors_name_the_path);
	tcase_add_test(tc, json_duration_errors);
	tcase_add_test(tc, json_value_depth_is_bounded);
	tcase_add_test(tc, msgpack_errors_name_the_path);
	tcase_add_test(tc, msgpack_raw_input_checks);
	tcase_add_test(tc, msgpack_repeated_keys_replace);
	tcase_add_test(tc, msgpack_truncations_fail_cleanly);
	tcase_add_test(tc, allocation_failures_are_clean);
	tc = unit_tcase(s, "random", 120);
	tcase_add_test(tc, random_round_trips);
	tcase_add_test(tc, msgpack_canon_is_the_decoded_form);
	return s;
}

UNIT_MAIN(schema_suite)
