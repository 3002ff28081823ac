/* state/table.c: one table: rows in a uthash table by primary key and in
 * ordered red-black trees, one per index (see state_int.h). */
#include <string.h>

#include "state/state_int.h"

/* ---- keys --------------------------------------------------------------- */

static const char *tkey_part(const struct tkey *k, unsigned i)
{
	return k->p[i] != NULL ? k->p[i] : "";
}

uint32_t tkey_hash(const struct tkey *k)
{
	uint32_t h = 2166136261u ^ k->n;
	for (unsigned i = 0; i < k->n; i++) {
		const unsigned char *c = (const unsigned char *)tkey_part(k, i);
		do {
			h ^= *c;
			h *= 16777619u;
		} while (*c++ != '\0');
	}
	/* murmur3's finaliser: FNV alone leaves the low bits weak. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Equality whose time depends on the length only. */
static bool tkey_ct_streq(const char *a, const char *b)
{
	size_t n = strlen(a);
	volatile unsigned char diff = 0;
	if (n != strlen(b))
		return false;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return diff == 0;
}

int tkey_hash_cmp(const struct tkey *a, const struct tkey *b)
{
	if (a->n != b->n)
		return 1;
	for (unsigned i = 0; i < a->n; i++) {
		const char *x = tkey_part(a, i), *y = tkey_part(b, i);
		if (a->ct || b->ct ? !tkey_ct_streq(x, y) : strcmp(x, y) != 0)
			return 1;
	}
	return 0;
}

int tkey_cmp(const struct tkey *a, const struct tkey *b)
{
	unsigned n = a->n < b->n ? a->n : b->n;
	for (unsigned i = 0; i < n; i++) {
		int c = strcmp(tkey_part(a, i), tkey_part(b, i));
		if (c != 0)
			return c;
	}
	if (a->n == b->n)
		return a->hi - b->hi;
	if (a->n < b->n)
		return a->hi ? 1 : -1;
	return b->hi ? -1 : 1;
}

void table_key(const struct keyspec *ks, const void *obj, struct tkey *out)
{
	memset(out, 0, sizeof *out);
	out->n = ks->n;
	for (unsigned i = 0; i < ks->n; i++)
		out->p[i] = *(char *const *)((const char *)obj + ks->off[i]);
}

bool tkey_empty_last(const struct tkey *k)
{
	return k->n == 0 || *tkey_part(k, k->n - 1u) == '\0';
}

/* ---- ordered indexes ---------------------------------------------------- */

/* Where two prefixes differ, the first differing byte is the one strcmp
 * would stop at in the first differing part (a part's end is its NUL; a
 * shorter key pads with zeros, which is also where it sorts), so the
 * prefixes order as the tuples do; equal prefixes decide nothing. Search
 * bounds past a key (hi) have no prefix. */
static uint64_t ixn_prefix(const struct tkey *k)
{
	uint64_t v = 0;
	unsigned got = 0;
	for (unsigned i = 0; i < k->n && got < 8; i++) {
		const char *c = tkey_part(k, i);
		do {
			v |= (uint64_t)(unsigned char)*c << (8 * (7 - got));
		} while (++got < 8 && *c++ != '\0');
	}
	return v;
}

static void ixn_set_key(struct ixn *n, const struct tkey *k)
{
	n->key = *k;
	n->pre = ixn_prefix(k);
}

static int ixn_cmp(struct ixn *a, struct ixn *b)
{
	if (a->pre != b->pre && !a->key.hi && !b->key.hi)
		return a->pre < b->pre ? -1 : 1;
	return tkey_cmp(&a->key, &b->key);
}

/* RB_GENERATE_STATIC needs a __unused that libbsd leaves undefined. */
RB_GENERATE_INTERNAL(ix_tree, ixn, rb, ixn_cmp, __attribute__((unused)) static)

static void table_ix_link(struct table *t, struct row *r)
{
	for (unsigned i = 0; i < t->d->nix; i++) {
		struct tkey k;
		table_key(&t->d->ix[i], r->obj, &k);
		r->ix[i].row = r;
		ixn_set_key(&r->ix[i], &k);
		RB_INSERT(ix_tree, &t->ix[i], &r->ix[i]);
	}
}

/* Re-keys r's index nodes after r->obj changed. */
static void table_ix_rekey(struct table *t, struct row *r)
{
	for (unsigned i = 0; i < t->d->nix; i++) {
		struct tkey k;
		table_key(&t->d->ix[i], r->obj, &k);
		if (tkey_cmp(&k, &r->ix[i].key) == 0) {
			r->ix[i].key = k;
			continue;
		}
		RB_REMOVE(ix_tree, &t->ix[i], &r->ix[i]);
		ixn_set_key(&r->ix[i], &k);
		RB_INSERT(ix_tree, &t->ix[i], &r->ix[i]);
	}
}

/* ---- the table ---------------------------------------------------------- */

void table_init(struct table *t, const struct table_desc *d)
{
	memset(t, 0, sizeof *t);
	t->d = d;
	for (unsigned i = 0; i < TABLE_MAX_IX; i++)
		RB_INIT(&t->ix[i]);
}

void table_free_obj(const struct table *t, void *obj, void *aux)
{
	if (t->d->free_aux != NULL && aux != NULL) {
		t->d->free_aux(aux);
		return;
	}
	if (t->d->unshare != NULL)
		t->d->unshare(obj);
	schema_release(t->d->schema, obj);
	mem_free(obj);
}

static void table_free_row(struct table *t, struct row *r)
{
	table_free_obj(t, r->obj, r->aux);
	mem_free(r->h2);
	mem_free(r);
}

/* Frees every row in post-order over ix[0] (an in-order walk would climb
 * through parents already freed). */
void table_clear(struct table *t)
{
	struct ixn *n, *p;
	if (t->d == NULL)
		return;
	HASH_CLEAR(hh, t->hash);
	HASH_CLEAR(hh, t->hash2);
	n = RB_ROOT(&t->ix[0]);
	while (n != NULL) {
		if (RB_LEFT(n, rb) != NULL) {
			n = RB_LEFT(n, rb);
			continue;
		}
		if (RB_RIGHT(n, rb) != NULL) {
			n = RB_RIGHT(n, rb);
			continue;
		}
		p = RB_PARENT(n, rb);
		if (p != NULL && RB_LEFT(p, rb) == n)
			RB_LEFT(p, rb) = NULL;
		else if (p != NULL)
			RB_RIGHT(p, rb) = NULL;
		table_free_row(t, n->row);
		n = p;
	}
	table_init(t, t->d);
}

struct row *table_find(const struct table *t, const struct tkey *k)
{
	struct row *head = t->hash, *out = NULL;
	HASH_FIND(hh, head, k, sizeof *k, out);
	return out;
}

struct row *table_find2(const struct table *t, const struct tkey *k)
{
	struct hent *head = t->hash2, *out = NULL;
	struct tkey ck = *k;
	ck.ct = true;
	HASH_FIND(hh, head, &ck, sizeof ck, out);
	return out != NULL ? out->row : NULL;
}

/* A second-hash entry for obj, or NULL (with *rc ERR_OK) when the table
 * has none or obj's second key is empty. */
static struct hent *table_h2_new(const struct table *t, void *obj, int *rc)
{
	struct tkey k;
	struct hent *h;
	*rc = ERR_OK;
	if (t->d->key2.n == 0)
		return NULL;
	table_key(&t->d->key2, obj, &k);
	if (tkey_empty_last(&k))
		return NULL;
	h = mem_calloc(1, sizeof *h);
	if (h == NULL) {
		*rc = ERR_NOMEM;
		return NULL;
	}
	h->key = k;
	h->key.ct = true;
	return h;
}

static int table_h2_add(struct table *t, struct hent *h, struct row *r)
{
	h->row = r;
	HASH_ADD_KEYPTR(hh, t->hash2, &h->key, sizeof h->key, h);
	if (h->hh.tbl == NULL) {
		mem_free(h);
		return ERR_NOMEM;
	}
	return ERR_OK;
}

static void table_h2_del(struct table *t, struct row *r)
{
	if (r->h2 == NULL)
		return;
	HASH_DELETE(hh, t->hash2, r->h2);
	mem_free(r->h2);
	r->h2 = NULL;
}

int table_insert(struct table *t, void *obj, struct row **out)
{
	struct row *r;
	struct hent *h;
	int rc;
	r = mem_calloc(1, sizeof *r + t->d->nix * sizeof r->ix[0]);
	if (r == NULL)
		return ERR_NOMEM;
	h = table_h2_new(t, obj, &rc);
	if (rc != ERR_OK)
		goto free_row;
	r->obj = obj;
	table_key(&t->d->key, obj, &r->key);
	HASH_ADD_KEYPTR(hh, t->hash, &r->key, sizeof r->key, r);
	if (r->hh.tbl == NULL)
		goto free_h2;
	if (h != NULL && (rc = table_h2_add(t, h, r)) != ERR_OK)
		goto unhash;
	r->h2 = h;
	table_ix_link(t, r);
	t->count++;
	if (out != NULL)
		*out = r;
	return ERR_OK;
unhash:
	HASH_DELETE(hh, t->hash, r);
	mem_free(r);
	return rc;
free_h2:
	mem_free(h);
free_row:
	mem_free(r);
	return ERR_NOMEM;
}

/* Moves r's second-hash entry to obj's second key. */
static int table_h2_rekey(struct table *t, struct row *r, void *obj)
{
	struct hent *h;
	struct tkey k;
	int rc;
	if (t->d->key2.n == 0)
		return ERR_OK;
	table_key(&t->d->key2, obj, &k);
	k.ct = true;
	if (r->h2 != NULL && !tkey_empty_last(&k) &&
	    tkey_hash_cmp(&k, &r->h2->key) == 0) {
		r->h2->key = k;
		return ERR_OK;
	}
	h = table_h2_new(t, obj, &rc);
	if (rc != ERR_OK)
		return rc;
	if (h != NULL && (rc = table_h2_add(t, h, r)) != ERR_OK)
		return rc;
	table_h2_del(t, r);
	r->h2 = h;
	return ERR_OK;
}

int table_replace(struct table *t, struct row *r, void *obj)
{
	int rc = table_h2_rekey(t, r, obj);
	if (rc != ERR_OK)
		return rc;
	r->obj = obj;
	table_key(&t->d->key, obj, &r->key);
	table_ix_rekey(t, r);
	return ERR_OK;
}

void table_remove(struct table *t, struct row *r)
{
	HASH_DELETE(hh, t->hash, r);
	table_h2_del(t, r);
	for (unsigned i = 0; i < t->d->nix; i++)
		RB_REMOVE(ix_tree, &t->ix[i], &r->ix[i]);
	mem_free(r);
	t->count--;
}

struct row *table_first(const struct table *t)
{
	struct ixn *n = RB_MIN(ix_tree, (struct ix_tree *)&t->ix[0]);
	return n != NULL ? n->row : NULL;
}

struct row *table_next(const struct table *t, const struct row *r)
{
	struct ixn *n = RB_NEXT(ix_tree, (struct ix_tree *)&t->ix[0],
	                        (struct ixn *)&r->ix[0]);
	(void)t;
	return n != NULL ? n->row : NULL;
}

/* ---- range scans -------------------------------------------------------- */

static bool scan_match(const struct ixn *n, const struct scan *sc)
{
	for (unsigned i = 0; i < sc->nfix; i++)
		if (strcmp(tkey_part(&n->key, i), sc->p[i] ? sc->p[i] : "") !=
		    0)
			return false;
	if (sc->prefix == NULL || n->key.n <= sc->nfix)
		return sc->prefix == NULL || *sc->prefix == '\0';
	return strncmp(tkey_part(&n->key, sc->nfix), sc->prefix,
	               strlen(sc->prefix)) == 0;
}

static bool scan_range(struct ix_tree *tree, const struct scan *sc,
                       table_visit_fn visit, void *ctx)
{
	struct ixn lo, *n;
	memset(&lo, 0, sizeof lo);
	for (unsigned i = 0; i < sc->nfix; i++)
		lo.key.p[i] = sc->p[i];
	lo.key.n = sc->nfix;
	if (sc->prefix != NULL && *sc->prefix != '\0')
		lo.key.p[lo.key.n++] = sc->prefix;
	lo.pre = ixn_prefix(&lo.key);
	for (n = RB_NFIND(ix_tree, tree, &lo); n != NULL;
	     n = RB_NEXT(ix_tree, tree, n)) {
		if (!scan_match(n, sc))
			break;
		if (!visit(ctx, n->row->obj))
			return false;
	}
	return true;
}

bool table_scan(const struct table *t, int ix, const struct scan *sc,
                table_visit_fn visit, void *ctx)
{
	struct ix_tree *tree = (struct ix_tree *)&t->ix[ix];
	struct ixn bound, *n;
	struct scan sub;
	if (!sc->any0)
		return scan_range(tree, sc, visit, ctx);
	/* A skip scan: one range per distinct first part. */
	n = RB_MIN(ix_tree, tree);
	while (n != NULL) {
		sub = *sc;
		sub.p[0] = tkey_part(&n->key, 0);
		if (!scan_range(tree, &sub, visit, ctx))
			return false;
		memset(&bound, 0, sizeof bound);
		bound.key.p[0] = sub.p[0];
		bound.key.n = 1;
		bound.key.hi = true;
		n = RB_NFIND(ix_tree, tree, &bound);
	}
	return true;
}
