/* tests/lib/gen.c: random objects of any schema for property tests. */
#include "tests/lib/gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

#define GEN_MAX_ITEMS   3
#define GEN_VALUE_DEPTH 3

/* The layout shared by every `struct tag_list` and `struct tag_map`. */
struct gen_array {
	char *v;
	size_t n;
};

static void *gen_check(void *p)
{
	if (p == NULL) {
		fprintf(stderr, "gen: out of memory\n");
		abort();
	}
	return p;
}

static void gen_ok(int rc)
{
	if (rc != 0) {
		fprintf(stderr, "gen: out of memory\n");
		abort();
	}
}

uint64_t gen_next(struct gen_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint64_t gen_below(struct gen_rng *r, uint64_t n)
{
	return n == 0 ? 0 : gen_next(r) % n;
}

char *gen_string(struct gen_rng *r)
{
	static const char *const pieces[] = {
	    "a",  "Z",  "0", "7",  "_",  "-",  " ", ".",   "\"",
	    "\\", "${", "}", "%{", "\n", "\t", "/", "<",   "&",
	    "é",  "ß",  "€", "日", "😀",  "𝄞",  "ü", "web", "job",
	};
	size_t npieces = sizeof pieces / sizeof pieces[0];
	size_t count = gen_below(r, 8) == 0 ? 0 : gen_below(r, 12) + 1;
	char *s = gen_check(mem_malloc(count * 4 + 1));
	size_t len = 0;
	for (size_t i = 0; i < count; i++) {
		const char *p = pieces[gen_below(r, npieces)];
		size_t n = strlen(p);
		memcpy(s + len, p, n);
		len += n;
	}
	s[len] = '\0';
	return s;
}

static int64_t gen_int(struct gen_rng *r)
{
	switch (gen_below(r, 5)) {
	case 0: return (int64_t)gen_below(r, 201) - 100;
	case 1: return gen_below(r, 2) ? INT64_MAX : INT64_MIN;
	case 2: return (int64_t)gen_below(r, 1u << 20);
	default: return (int64_t)gen_next(r);
	}
}

/* Durations: human-scale ones and the whole range except INT64_MIN,
 * which has no Go duration string that lib/stime parses back. */
static int64_t gen_dur(struct gen_rng *r)
{
	static const int64_t units[] = {1,          1000,        1000000,
	                                1000000000, 60000000000, 3600000000000};
	int64_t v;
	if (gen_below(r, 2) == 0)
		return ((int64_t)gen_below(r, 2001) - 1000) *
		       units[gen_below(r, 6)];
	v = gen_int(r);
	return v == INT64_MIN ? v + 1 : v;
}

static uint64_t gen_uint(struct gen_rng *r)
{
	switch (gen_below(r, 4)) {
	case 0: return gen_below(r, 100);
	case 1: return INT64_MAX;
	default: return gen_next(r) >> 1;
	}
}

/* 0, or a time between 1970 and 2200 with nanoseconds. */
static int64_t gen_time(struct gen_rng *r)
{
	const int64_t max_s = INT64_C(7258118400); /* 2200-01-01 */
	if (gen_below(r, 4) == 0)
		return 0;
	return (int64_t)gen_below(r, (uint64_t)max_s) * 1000000000 +
	       (int64_t)gen_below(r, 1000000000);
}

/* A finite double that is not an integer. */
static double gen_fraction(struct gen_rng *r)
{
	double d =
	    ldexp((double)(gen_next(r) >> 11), -(int)gen_below(r, 60) - 1);
	if (d == trunc(d))
		d += 0.5;
	return gen_below(r, 2) ? -d : d;
}

static double gen_float(struct gen_rng *r)
{
	uint64_t bits;
	double d;
	switch (gen_below(r, 4)) {
	case 0: return (double)gen_int(r) / 4;
	case 1: return gen_fraction(r);
	default:
		do {
			bits = gen_next(r);
			memcpy(&d, &bits, sizeof d);
		} while (!isfinite(d));
		return d;
	}
}

static void gen_value(struct value *v, struct gen_rng *r, int depth)
{
	uint64_t kind = gen_below(r, depth > 0 ? 7 : 5);
	switch (kind) {
	case 0: v->kind = VALUE_NULL; break;
	case 1:
		v->kind = VALUE_BOOL;
		v->u.b = gen_below(r, 2);
		break;
	case 2:
		v->kind = VALUE_INT;
		v->u.i = gen_int(r);
		break;
	case 3:
		v->kind = VALUE_FLOAT;
		v->u.f = gen_fraction(r);
		break;
	case 4:
		v->kind = VALUE_STRING;
		v->u.s = gen_string(r);
		break;
	case 5:
		v->kind = VALUE_LIST;
		for (uint64_t i = gen_below(r, GEN_MAX_ITEMS + 1); i > 0; i--)
			gen_value(gen_check(value_list_append(v)), r,
			          depth - 1);
		break;
	default:
		v->kind = VALUE_MAP;
		for (uint64_t i = gen_below(r, GEN_MAX_ITEMS + 1); i > 0; i--) {
			char *k = gen_string(r);
			if (value_map_get(v, k) == NULL)
				gen_value(gen_check(value_map_append(v, k)), r,
				          depth - 1);
			mem_free(k);
		}
		break;
	}
}

static void gen_strlist(struct strlist *l, struct gen_rng *r)
{
	for (uint64_t i = gen_below(r, GEN_MAX_ITEMS + 1); i > 0; i--) {
		char *s = gen_string(r);
		gen_ok(strlist_push(l, s));
		mem_free(s);
	}
}

static void gen_strmap(struct strmap *m, struct gen_rng *r)
{
	for (uint64_t i = gen_below(r, GEN_MAX_ITEMS + 1); i > 0; i--) {
		char *k = gen_string(r), *v = gen_string(r);
		gen_ok(strmap_set(m, k, v));
		mem_free(k);
		mem_free(v);
	}
}

static void gen_strlistmap(struct strlistmap *m, struct gen_rng *r)
{
	/* Few distinct keys, so some lists get several values. */
	static const char *const keys[] = {"", "a", "b", "é", "${x}"};
	for (uint64_t i = gen_below(r, GEN_MAX_ITEMS * 2 + 1); i > 0; i--) {
		char *v = gen_string(r);
		gen_ok(strlistmap_add(m, keys[gen_below(r, 5)], v));
		mem_free(v);
	}
}

static void gen_bytes(struct bytes *b, struct gen_rng *r)
{
	b->n = gen_below(r, 21);
	if (b->n == 0)
		return;
	b->v = gen_check(mem_malloc(b->n));
	for (size_t i = 0; i < b->n; i++)
		b->v[i] = (uint8_t)gen_next(r);
}

static void gen_list(const struct schema_field *f, void *p, struct gen_rng *r,
                     int depth)
{
	struct gen_array *a = p;
	size_t n = depth > 0 ? gen_below(r, GEN_MAX_ITEMS + 1) : 0;
	if (n == 0)
		return;
	a->v = gen_check(mem_calloc(n, f->sub->size));
	a->n = n;
	for (size_t i = 0; i < n; i++)
		gen_random(f->sub, a->v + i * f->sub->size, r, depth - 1);
}

static int gen_key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Unique keys, sorted, as the codecs keep them. */
static void gen_map(const struct schema_field *f, void *p, struct gen_rng *r,
                    int depth)
{
	struct gen_array *m = p;
	size_t want = depth > 0 ? gen_below(r, GEN_MAX_ITEMS + 1) : 0;
	if (want == 0)
		return;
	m->v = gen_check(mem_calloc(want, f->esize));
	for (size_t i = 0; i < want; i++) {
		char *k = gen_string(r);
		bool dup = false;
		for (size_t j = 0; j < m->n && !dup; j++)
			dup = strcmp(*(char **)(m->v + j * f->esize), k) == 0;
		if (dup) {
			mem_free(k);
			continue;
		}
		*(char **)(m->v + m->n * f->esize) = k;
		gen_random(f->sub, m->v + m->n * f->esize + f->voff, r,
		           depth - 1);
		m->n++;
	}
	qsort(m->v, m->n, f->esize, gen_key_cmp);
}

static void gen_opt(enum schema_type t, struct opt *o, struct gen_rng *r)
{
	o->set = gen_below(r, 2);
	if (o->set && t == FT_OPTBOOL)
		o->v = (int64_t)gen_below(r, 2);
	else if (o->set)
		o->v = t == FT_OPTDUR ? gen_dur(r) : gen_int(r);
}

static void gen_field(const struct schema_field *f, void *p, struct gen_rng *r,
                      int depth)
{
	switch (f->type) {
	case FT_STR:
		if (gen_below(r, 8) != 0)
			*(char **)p = gen_string(r);
		break;
	case FT_BOOL: *(bool *)p = gen_below(r, 2); break;
	case FT_INT:
	case FT_NSTIME: *(int64_t *)p = gen_int(r); break;
	case FT_DUR: *(int64_t *)p = gen_dur(r); break;
	case FT_TIME: *(int64_t *)p = gen_time(r); break;
	case FT_UINT: *(uint64_t *)p = gen_uint(r); break;
	case FT_FLOAT: *(double *)p = gen_float(r); break;
	case FT_BYTES: gen_bytes(p, r); break;
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: gen_opt(f->type, p, r); break;
	case FT_STRLIST: gen_strlist(p, r); break;
	case FT_STRMAP: gen_strmap(p, r); break;
	case FT_STRLISTMAP: gen_strlistmap(p, r); break;
	case FT_VALUE: gen_value(p, r, GEN_VALUE_DEPTH); break;
	case FT_STRUCT: gen_random(f->sub, p, r, depth - 1); break;
	case FT_PTR:
		if (depth > 0 && gen_below(r, 2)) {
			*(void **)p = gen_check(mem_calloc(1, f->sub->size));
			gen_random(f->sub, *(void **)p, r, depth - 1);
		}
		break;
	case FT_LIST: gen_list(f, p, r, depth); break;
	case FT_MAP: gen_map(f, p, r, depth); break;
	}
}

void gen_random(const struct schema *s, void *obj, struct gen_rng *r, int depth)
{
	/* Some objects stay sparse so zero fields get exercised too. */
	unsigned skip = (unsigned)gen_below(r, 4);
	for (size_t i = 0; i < s->nfields; i++) {
		if (skip > 0 && gen_below(r, 4) < skip)
			continue;
		gen_field(&s->fields[i], (char *)obj + s->fields[i].off, r,
		          depth);
	}
}
