/* structs/value.c: strlist, strmap, strlistmap, bytes and the free-form
 * value tree. Every copy goes into an empty destination and leaves it
 * empty again when it fails. */
#include "structs/value.h"

#include <math.h>
#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"

/* NULL and "" are the same string value. */
static bool value_str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* ---- strlist ------------------------------------------------------------ */

int strlist_push(struct strlist *l, const char *s)
{
	char *d = mem_strdup(s != NULL ? s : "");
	char **v;
	if (d == NULL)
		return ERR_NOMEM;
	v = mem_realloc(l->v, (l->n + 1) * sizeof *v);
	if (v == NULL) {
		mem_free(d);
		return ERR_NOMEM;
	}
	v[l->n++] = d;
	l->v = v;
	return ERR_OK;
}

bool strlist_contains(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (value_str_eq(l->v[i], s))
			return true;
	return false;
}

void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		mem_free(l->v[i]);
	mem_free(l->v);
	l->v = NULL;
	l->n = 0;
}

int strlist_copy(struct strlist *dst, const struct strlist *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return ERR_OK;
	dst->v = mem_calloc(src->n, sizeof *dst->v);
	if (dst->v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < src->n; i++) {
		dst->n = i + 1;
		dst->v[i] = mem_strdup(src->v[i] != NULL ? src->v[i] : "");
		if (dst->v[i] == NULL) {
			strlist_release(dst);
			return ERR_NOMEM;
		}
	}
	return ERR_OK;
}

bool strlist_equal(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!value_str_eq(a->v[i], b->v[i]))
			return false;
	return true;
}

/* ---- strmap ------------------------------------------------------------- */

/* Binary search over entries whose first member is `char *key`. Returns
 * the index of key, or of where it would be inserted with *found false. */
static size_t value_key_search(const void *v, size_t n, size_t esize,
                               const char *key, bool *found)
{
	size_t lo = 0, hi = n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = *(char *const *)((const char *)v + mid * esize);
		int c = strcmp(k != NULL ? k : "", key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Grows an array of entries by one zeroed slot at index i. */
static int value_insert_slot(void **v, size_t *n, size_t esize, size_t i)
{
	char *p = mem_realloc(*v, (*n + 1) * esize);
	if (p == NULL)
		return ERR_NOMEM;
	memmove(p + (i + 1) * esize, p + i * esize, (*n - i) * esize);
	memset(p + i * esize, 0, esize);
	*v = p;
	(*n)++;
	return ERR_OK;
}

int strmap_set(struct strmap *m, const char *key, const char *val)
{
	bool found;
	size_t i;
	char *k = NULL, *d = mem_strdup(val != NULL ? val : "");
	if (key == NULL)
		key = "";
	if (d == NULL)
		return ERR_NOMEM;
	i = value_key_search(m->v, m->n, sizeof *m->v, key, &found);
	if (found) {
		mem_free(m->v[i].val);
		m->v[i].val = d;
		return ERR_OK;
	}
	k = mem_strdup(key);
	if (k == NULL)
		goto free_val;
	if (value_insert_slot((void **)&m->v, &m->n, sizeof *m->v, i) != 0)
		goto free_key;
	m->v[i].key = k;
	m->v[i].val = d;
	return ERR_OK;
free_key:
	mem_free(k);
free_val:
	mem_free(d);
	return ERR_NOMEM;
}

const char *strmap_get(const struct strmap *m, const char *key)
{
	bool found;
	size_t i;
	if (key == NULL)
		key = "";
	i = value_key_search(m->v, m->n, sizeof *m->v, key, &found);
	if (!found)
		return NULL;
	return m->v[i].val != NULL ? m->v[i].val : "";
}

void strmap_release(struct strmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		mem_free(m->v[i].key);
		mem_free(m->v[i].val);
	}
	mem_free(m->v);
	m->v = NULL;
	m->n = 0;
}

int strmap_copy(struct strmap *dst, const struct strmap *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return ERR_OK;
	dst->v = mem_calloc(src->n, sizeof *dst->v);
	if (dst->v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < src->n; i++) {
		const struct strmap_ent *s = &src->v[i];
		dst->n = i + 1;
		dst->v[i].key = mem_strdup(s->key != NULL ? s->key : "");
		dst->v[i].val = mem_strdup(s->val != NULL ? s->val : "");
		if (dst->v[i].key == NULL || dst->v[i].val == NULL) {
			strmap_release(dst);
			return ERR_NOMEM;
		}
	}
	return ERR_OK;
}

bool strmap_equal(const struct strmap *a, const struct strmap *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const char *bv;
		if (value_str_eq(a->v[i].key, b->v[i].key)) {
			if (!value_str_eq(a->v[i].val, b->v[i].val))
				return false;
			continue;
		}
		/* Not in the same order: one of them is unsorted. */
		bv = NULL;
		for (size_t j = 0; j < b->n && bv == NULL; j++)
			if (value_str_eq(a->v[i].key, b->v[j].key))
				bv = b->v[j].val != NULL ? b->v[j].val : "";
		if (bv == NULL || !value_str_eq(a->v[i].val, bv))
			return false;
	}
	return true;
}

/* ---- strlistmap --------------------------------------------------------- */

void strlistmap_release(struct strlistmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		mem_free(m->v[i].key);
		strlist_release(&m->v[i].val);
	}
	mem_free(m->v);
	m->v = NULL;
	m->n = 0;
}

int strlistmap_copy(struct strlistmap *dst, const struct strlistmap *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return ERR_OK;
	dst->v = mem_calloc(src->n, sizeof *dst->v);
	if (dst->v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < src->n; i++) {
		const struct strlistmap_ent *s = &src->v[i];
		dst->n = i + 1;
		dst->v[i].key = mem_strdup(s->key != NULL ? s->key : "");
		if (dst->v[i].key == NULL ||
		    strlist_copy(&dst->v[i].val, &s->val) != ERR_OK) {
			strlistmap_release(dst);
			return ERR_NOMEM;
		}
	}
	return ERR_OK;
}

static const struct strlist *strlistmap_find(const struct strlistmap *m,
                                             const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (value_str_eq(m->v[i].key, key))
			return &m->v[i].val;
	return NULL;
}

bool strlistmap_equal(const struct strlistmap *a, const struct strlistmap *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct strlist *bl = &b->v[i].val;
		if (!value_str_eq(a->v[i].key, b->v[i].key))
			bl = strlistmap_find(b, a->v[i].key);
		if (bl == NULL || !strlist_equal(&a->v[i].val, bl))
			return false;
	}
	return true;
}

int strlistmap_add(struct strlistmap *m, const char *key, const char *val)
{
	struct strlistmap_ent ent = {0};
	bool found;
	size_t i;
	if (key == NULL)
		key = "";
	i = value_key_search(m->v, m->n, sizeof *m->v, key, &found);
	if (found)
		return strlist_push(&m->v[i].val, val);
	ent.key = mem_strdup(key);
	if (ent.key == NULL)
		return ERR_NOMEM;
	if (strlist_push(&ent.val, val) != ERR_OK)
		goto free_ent;
	if (value_insert_slot((void **)&m->v, &m->n, sizeof *m->v, i) != 0)
		goto free_ent;
	m->v[i] = ent;
	return ERR_OK;
free_ent:
	mem_free(ent.key);
	strlist_release(&ent.val);
	return ERR_NOMEM;
}

/* ---- bytes -------------------------------------------------------------- */

void bytes_release(struct bytes *b)
{
	mem_free(b->v);
	b->v = NULL;
	b->n = 0;
}

int bytes_copy(struct bytes *dst, const struct bytes *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return ERR_OK;
	dst->v = mem_malloc(src->n);
	if (dst->v == NULL)
		return ERR_NOMEM;
	memcpy(dst->v, src->v, src->n);
	dst->n = src->n;
	return ERR_OK;
}

bool bytes_equal(const struct bytes *a, const struct bytes *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n) == 0);
}

/* ---- value -------------------------------------------------------------- */

void value_release(struct value *v)
{
	switch (v->kind) {
	case VALUE_STRING: mem_free(v->u.s); break;
	case VALUE_LIST:
		for (size_t i = 0; i < v->u.list.n; i++)
			value_release(&v->u.list.v[i]);
		mem_free(v->u.list.v);
		break;
	case VALUE_MAP:
		for (size_t i = 0; i < v->u.map.n; i++) {
			mem_free(v->u.map.v[i].key);
			value_release(&v->u.map.v[i].val);
		}
		mem_free(v->u.map.v);
		break;
	default: break;
	}
	memset(v, 0, sizeof *v);
}

static int value_copy_list(struct value *dst, const struct value *src)
{
	size_t n = src->u.list.n;
	dst->kind = VALUE_LIST;
	if (n == 0)
		return ERR_OK;
	dst->u.list.v = mem_calloc(n, sizeof *dst->u.list.v);
	if (dst->u.list.v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		dst->u.list.n = i + 1;
		if (value_copy(&dst->u.list.v[i], &src->u.list.v[i]) != 0)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

static int value_copy_map(struct value *dst, const struct value *src)
{
	size_t n = src->u.map.n;
	dst->kind = VALUE_MAP;
	if (n == 0)
		return ERR_OK;
	dst->u.map.v = mem_calloc(n, sizeof *dst->u.map.v);
	if (dst->u.map.v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct value_ent *s = &src->u.map.v[i];
		dst->u.map.n = i + 1;
		dst->u.map.v[i].key = mem_strdup(s->key != NULL ? s->key : "");
		if (dst->u.map.v[i].key == NULL ||
		    value_copy(&dst->u.map.v[i].val, &s->val) != 0)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

int value_copy(struct value *dst, const struct value *src)
{
	int rc = ERR_OK;
	memset(dst, 0, sizeof *dst);
	switch (src->kind) {
	case VALUE_STRING: rc = value_set_string(dst, src->u.s); break;
	case VALUE_LIST: rc = value_copy_list(dst, src); break;
	case VALUE_MAP: rc = value_copy_map(dst, src); break;
	default: *dst = *src; break;
	}
	if (rc != ERR_OK)
		value_release(dst);
	return rc;
}

static bool value_map_equal(const struct value *a, const struct value *b)
{
	if (a->u.map.n != b->u.map.n)
		return false;
	for (size_t i = 0; i < a->u.map.n; i++) {
		const struct value_ent *ae = &a->u.map.v[i];
		const struct value *bv = &b->u.map.v[i].val;
		if (!value_str_eq(ae->key, b->u.map.v[i].key))
			bv = value_map_get(b, ae->key != NULL ? ae->key : "");
		if (bv == NULL || !value_equal(&ae->val, bv))
			return false;
	}
	return true;
}

bool value_equal(const struct value *a, const struct value *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case VALUE_NULL: return true;
	case VALUE_BOOL: return a->u.b == b->u.b;
	case VALUE_INT: return a->u.i == b->u.i;
	case VALUE_FLOAT:
		return a->u.f == b->u.f || (isnan(a->u.f) && isnan(b->u.f));
	case VALUE_STRING: return value_str_eq(a->u.s, b->u.s);
	case VALUE_LIST:
		if (a->u.list.n != b->u.list.n)
			return false;
		for (size_t i = 0; i < a->u.list.n; i++)
			if (!value_equal(&a->u.list.v[i], &b->u.list.v[i]))
				return false;
		return true;
	case VALUE_MAP: return value_map_equal(a, b);
	}
	return false;
}

int value_set_string(struct value *v, const char *s)
{
	char *d = mem_strdup(s != NULL ? s : "");
	if (d == NULL)
		return ERR_NOMEM;
	value_release(v);
	v->kind = VALUE_STRING;
	v->u.s = d;
	return ERR_OK;
}

struct value *value_list_append(struct value *v)
{
	struct value *p;
	if (v->kind != VALUE_LIST)
		return NULL;
	p = mem_realloc(v->u.list.v, (v->u.list.n + 1) * sizeof *p);
	if (p == NULL)
		return NULL;
	v->u.list.v = p;
	p = &p[v->u.list.n++];
	memset(p, 0, sizeof *p);
	return p;
}

struct value *value_map_append(struct value *v, const char *key)
{
	struct value_ent *p;
	char *k;
	if (v->kind != VALUE_MAP)
		return NULL;
	k = mem_strdup(key != NULL ? key : "");
	if (k == NULL)
		return NULL;
	p = mem_realloc(v->u.map.v, (v->u.map.n + 1) * sizeof *p);
	if (p == NULL) {
		mem_free(k);
		return NULL;
	}
	v->u.map.v = p;
	p = &p[v->u.map.n++];
	memset(p, 0, sizeof *p);
	p->key = k;
	return &p->val;
}

const struct value *value_map_get(const struct value *v, const char *key)
{
	if (v == NULL || v->kind != VALUE_MAP)
		return NULL;
	for (size_t i = 0; i < v->u.map.n; i++)
		if (value_str_eq(v->u.map.v[i].key, key))
			return &v->u.map.v[i].val;
	return NULL;
}
