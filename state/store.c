/* state/store.c: the store itself: creation, table indexes, and the
 * upsert / delete / get shared by every table but jobs. */
#include <string.h>

#include "state/state_int.h"

#define STORE_ALL_MASK ((1u << STORE_TABLES) - 1u)

int store_create_empty(struct store **out)
{
	struct store *s = mem_calloc(1, sizeof *s);
	*out = NULL;
	if (s == NULL)
		return ERR_NOMEM;
	for (unsigned t = 0; t < STORE_TABLES; t++)
		if (store_descs[t] != NULL)
			table_init(&s->t[t], store_descs[t]);
	jobpool_init(&s->jobs);
	store_watch_init(s);
	*out = s;
	return ERR_OK;
}

/* Nomad creates "default" in every new state store (and again before a
 * restore). Here it is at index 0, so a fresh store's indexes are all 0;
 * api/ floors the indexes it reports at 1 as Nomad's endpoints do. */
int store_ensure_default_namespace(struct store *s)
{
	struct tkey k = tkey1("default");
	struct namespace *ns;
	if (table_find(&s->t[STORE_NAMESPACES], &k) != NULL)
		return ERR_OK;
	ns = mem_calloc(1, sizeof *ns);
	if (ns == NULL)
		return ERR_NOMEM;
	ns->name = mem_strdup("default");
	ns->description = mem_strdup("Default shared namespace");
	if (ns->name == NULL || ns->description == NULL ||
	    table_insert(&s->t[STORE_NAMESPACES], ns, NULL) != ERR_OK) {
		schema_release(&namespace_schema, ns);
		mem_free(ns);
		return ERR_NOMEM;
	}
	return ERR_OK;
}

int store_create(struct store **out)
{
	int rc = store_create_empty(out);
	if (rc != ERR_OK)
		return rc;
	rc = store_ensure_default_namespace(*out);
	if (rc != ERR_OK) {
		store_destroy(*out);
		*out = NULL;
	}
	return rc;
}

void store_destroy(struct store *s)
{
	if (s == NULL)
		return;
	store_watch_drop(s);
	store_graves_free(s);
	/* Objects leave their shared parts alone (unshare): the pool goes
	 * last, whatever its references. */
	for (unsigned t = 0; t < STORE_TABLES; t++)
		table_clear(&s->t[t]);
	jobpool_clear(&s->jobs);
	mem_free(s);
}

/* ---- indexes ------------------------------------------------------------ */

uint64_t store_tables_index(const struct store *s, unsigned mask)
{
	uint64_t max = 0;
	mask &= STORE_ALL_MASK;
	for (unsigned t = 0; t < STORE_TABLES; t++)
		if ((mask & STORE_BIT(t)) && s->index[t] > max)
			max = s->index[t];
	return max;
}

uint64_t store_table_index(const struct store *s, enum store_table t)
{
	return (unsigned)t < STORE_TABLES ? s->index[t] : 0;
}

uint64_t store_latest_index(const struct store *s)
{
	return store_tables_index(s, STORE_ALL_MASK);
}

void store_touch(struct store *s, unsigned mask, uint64_t index)
{
	unsigned moved = 0;
	for (unsigned t = 0; t < STORE_TABLES; t++)
		if ((mask & STORE_BIT(t)) && index > s->index[t]) {
			s->index[t] = index;
			moved |= STORE_BIT(t);
		}
	/* A watch waits for an index to pass its minimum, which was reached
	 * when it registered: only a move can make it ready. The writes after
	 * the first of an entry (same index) look at no watch. */
	if (moved != 0)
		store_watch_fire(s, moved, false);
}

/* ---- the generic write path --------------------------------------------- */

static uint64_t *store_u64(void *obj, size_t off)
{
	return (uint64_t *)(void *)((char *)obj + off);
}

/* The second key (a token's SecretID) must not belong to another row. */
static int store_check_key2(const struct table *t, const struct row *r,
                            const void *obj)
{
	const struct row *other;
	struct tkey k;
	if (t->d->key2.n == 0)
		return ERR_OK;
	table_key(&t->d->key2, obj, &k);
	if (tkey_empty_last(&k))
		return ERR_OK;
	other = table_find2(t, &k);
	return other != NULL && other != r ? ERR_EXISTS : ERR_OK;
}

static void store_set_indexes(const struct table_desc *d, void *obj,
                              const struct row *old, uint64_t index)
{
	*store_u64(obj, d->create_off) =
	    old != NULL ? *store_u64(old->obj, d->create_off) : index;
	*store_u64(obj, d->modify_off) = index;
	if (d->touch_off != TABLE_NO_OFF)
		*store_u64(obj, d->touch_off) = index;
}

void store_drop_obj(struct store *s, enum store_table ti, void *obj, void *aux)
{
	const struct table_desc *d = s->t[ti].d;
	if (d->release != NULL)
		d->release(s, obj);
	store_free_obj(s, ti, obj, aux);
}

/* Links copy in place of r's object, or as a new row. */
static int store_link(struct store *s, enum store_table ti, struct row *r,
                      void *copy)
{
	struct table *t = &s->t[ti];
	void *old;
	int rc;
	if (r == NULL)
		return table_insert(t, copy, NULL);
	old = r->obj;
	rc = table_replace(t, r, copy);
	if (rc == ERR_OK)
		store_drop_obj(s, ti, old, NULL);
	return rc;
}

/* The copy store_put stores: the table's copy_in, or a deep copy. */
static int store_copy_in(struct store *s, const struct table_desc *d,
                         void *copy, const void *obj, const struct row *r)
{
	if (d->copy_in != NULL)
		return d->copy_in(s, copy, obj, r != NULL ? r->obj : NULL);
	return schema_copy(d->schema, copy, obj);
}

/* store_put_move's: obj's contents go to copy, obj is left releasable. */
static int store_move_in(struct store *s, const struct table_desc *d,
                         void *copy, void *obj, const struct row *r)
{
	if (d->move_in != NULL)
		return d->move_in(s, copy, obj, r != NULL ? r->obj : NULL);
	memcpy(copy, obj, d->schema->size);
	memset(obj, 0, d->schema->size);
	return ERR_OK;
}

static int store_put_in(struct store *s, enum store_table ti, uint64_t index,
                        void *obj, bool move)
{
	struct table *t = &s->t[ti];
	const struct table_desc *d = t->d;
	struct row *r;
	struct tkey k;
	void *copy;
	int rc;
	table_key(&d->key, obj, &k);
	if (tkey_empty_last(&k))
		return ERR_INVAL;
	copy = mem_calloc(1, d->schema->size);
	if (copy == NULL)
		return ERR_NOMEM;
	r = table_find(t, &k);
	rc = move ? store_move_in(s, d, copy, obj, r)
	          : store_copy_in(s, d, copy, obj, r);
	if (rc != ERR_OK)
		goto free_copy;
	rc = store_check_key2(t, r, copy);
	if (rc != ERR_OK)
		goto release;
	store_set_indexes(d, copy, r, index);
	rc = store_link(s, ti, r, copy);
	if (rc != ERR_OK)
		goto release;
	store_touch(s, STORE_BIT(ti), index);
	return ERR_OK;
release:
	/* Never seen by a frozen view: freed at once. */
	if (d->release != NULL)
		d->release(s, copy);
	table_free_obj(t, copy, NULL);
	return rc;
free_copy:
	mem_free(copy);
	return rc;
}

int store_put(struct store *s, enum store_table ti, uint64_t index,
              const void *obj)
{
	return store_put_in(s, ti, index, (void *)obj, false);
}

int store_put_move(struct store *s, enum store_table ti, uint64_t index,
                   void *obj)
{
	return store_put_in(s, ti, index, obj, true);
}

int store_del(struct store *s, enum store_table ti, uint64_t index,
              const struct tkey *k)
{
	struct table *t = &s->t[ti];
	struct row *r = table_find(t, k);
	void *obj, *aux;
	if (r == NULL)
		return ERR_NOTFOUND;
	obj = r->obj;
	aux = r->aux;
	table_remove(t, r);
	store_drop_obj(s, ti, obj, aux);
	store_touch(s, STORE_BIT(ti), index);
	return ERR_OK;
}

const void *store_get(const struct store *s, enum store_table t,
                      const struct tkey *k)
{
	const struct row *r = table_find(&s->t[t], k);
	return r != NULL ? r->obj : NULL;
}

/* ---- iteration ---------------------------------------------------------- */

bool store_ns_any(const char *ns)
{
	return ns == NULL || strcmp(ns, "*") == 0;
}

bool store_visit_obj(void *ctx, const void *obj)
{
	const struct store_visit *v = ctx;
	if (v->ns != NULL && v->ns_off != TABLE_NO_OFF) {
		const char *ns =
		    *(char *const *)((const char *)obj + v->ns_off);
		if (strcmp(ns != NULL ? ns : "", v->ns) != 0)
			return true;
	}
	return v->call(v, obj);
}
