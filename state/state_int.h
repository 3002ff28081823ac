/* state/state_int.h: the store's private structures, shared by the files
 * of state/ only.
 *
 * A table is a set of rows, one per object. Each row sits in a uthash
 * table by its primary key and in up to TABLE_MAX_IX ordered red-black
 * trees (libbsd <bsd/sys/tree.h>): ix[0] gives the listing order, the
 * others are secondary indexes. Keys are tuples of the object's own
 * strings (struct tkey points into the object, nothing is copied), so a
 * write allocates only the object copy and, for a new key, the row.
 * Secondary index keys end with the primary key, which makes them unique.
 * Tuples order part by part, bytewise (strcmp), a shorter tuple before the
 * longer ones it begins: the order of Nomad's go-memdb compound indexes.
 *
 * Objects in a table are never changed in place while s->frozen > 0 (a
 * snapshot is reading them on another thread): write a copy and replace,
 * and free through store_free_obj, never table_free_obj directly. The same
 * holds for what objects share (the pooled jobs of allocations): a pooled
 * job is never changed, and one that loses its last reference is freed
 * through store_free_obj too. */
#ifndef STEPPE_STATE_STATE_INT_H
#define STEPPE_STATE_STATE_INT_H

#include <bsd/sys/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mem.h"
#include "state/state.h"

#define TKEY_MAX     3
#define TABLE_MAX_IX 3

/* A key: up to TKEY_MAX strings (NULL reads as ""). */
struct tkey {
	const char *p[TKEY_MAX];
	uint8_t n;
	/* Search bounds only: sorts after every key beginning with p. */
	bool hi;
	/* Equality in constant time for the length (secrets). */
	bool ct;
};

uint32_t tkey_hash(const struct tkey *k);
/* 0 when equal (the uthash key compare). */
int tkey_hash_cmp(const struct tkey *a, const struct tkey *b);
/* <0, 0, >0 in tuple order (see the top of this file). */
int tkey_cmp(const struct tkey *a, const struct tkey *b);
/* True when the last part is empty: an object without its key. */
bool tkey_empty_last(const struct tkey *k);

static inline struct tkey tkey1(const char *a)
{
	struct tkey k = {.p = {a}, .n = 1};
	return k;
}

static inline struct tkey tkey2(const char *a, const char *b)
{
	struct tkey k = {.p = {a, b}, .n = 2};
	return k;
}

/* uthash: every allocation through the mem hook, out-of-memory reported
 * to the caller (the item is then not added), keys are struct tkey. */
#define HASH_NONFATAL_OOM    1
#define uthash_malloc(sz)    mem_malloc(sz)
#define uthash_free(ptr, sz) mem_free(ptr)
#define HASH_FUNCTION(keyptr, keylen, hashv) \
	((hashv) = tkey_hash((const struct tkey *)(const void *)(keyptr)))
#define HASH_KEYCMP(a, b, n)                                  \
	tkey_hash_cmp((const struct tkey *)(const void *)(a), \
	              (const struct tkey *)(const void *)(b))
#include <uthash.h>

/* Which string members of an object make a key. */
struct keyspec {
	uint8_t n;
	size_t off[TKEY_MAX];
};

struct row;

/* A node of one ordered index. */
struct ixn {
	RB_ENTRY(ixn) rb;
	struct tkey key;
	/* The key's first 8 bytes, parts NUL-terminated, big-endian: orders
	 * most pairs without touching the strings. */
	uint64_t pre;
	struct row *row;
};
RB_HEAD(ix_tree, ixn);

/* An entry of the optional second (unique) hash, tokens by SecretID. */
struct hent {
	UT_hash_handle hh;
	struct tkey key;
	struct row *row;
};

struct row {
	UT_hash_handle hh;
	struct tkey key;
	void *obj;
	/* Jobs: the struct job_hist that owns obj and the older versions. */
	void *aux;
	struct hent *h2;
	struct ixn ix[];
};

struct store;

/* What a table stores and how it is keyed. */
struct table_desc {
	const char *name; /* snapshot key, e.g. "Allocs" */
	const char *what; /* for messages, e.g. "allocation" */
	const struct schema *schema;
	struct keyspec key;              /* primary key (hash) */
	struct keyspec ix[TABLE_MAX_IX]; /* ix[0]: listing order */
	uint8_t nix;
	struct keyspec key2;           /* n = 0: no second hash */
	size_t create_off, modify_off; /* CreateIndex, ModifyIndex */
	size_t touch_off;              /* another index set on upsert */
	size_t ns_off;                 /* Namespace member, for filters */
	/* Frees row->aux and what it owns (row->obj included). */
	void (*free_aux)(void *aux);
	/* Objects that share parts with other objects (allocations: their
	 * interned job). All three NULL for a table of plain deep copies.
	 * copy_in: store_put's copy of obj into the zeroed dst, taking a
	 * reference on each shared part (old: the object it replaces, or
	 * NULL); on error dst is released and holds nothing. release: drops
	 * those references when an object leaves the table (or a put
	 * fails); it never writes to obj, which a frozen view may be
	 * reading. unshare: just before obj is freed, forgets the shared
	 * parts so the free leaves them alone. */
	int (*copy_in)(struct store *s, void *dst, const void *obj,
	               const void *old);
	void (*release)(struct store *s, void *obj);
	void (*unshare)(void *obj);
	/* store_put_move's copy_in: moves obj's contents into the zeroed
	 * dst and leaves obj owning only what it kept (the parts dst shares
	 * instead); on error neither changes. NULL: a plain move. */
	int (*move_in)(struct store *s, void *dst, void *obj, const void *old);
};

#define TABLE_NO_OFF ((size_t)-1)

struct table {
	const struct table_desc *d;
	struct row *hash;
	struct hent *hash2;
	struct ix_tree ix[TABLE_MAX_IX];
	size_t count;
};

/* A range of one ordered index: rows whose first nfix key parts equal p
 * (p[0] any value when any0, which needs nfix >= 1) and whose next part
 * starts with prefix (NULL: anything). Visits must not write to the
 * store. */
struct scan {
	const char *p[TKEY_MAX];
	uint8_t nfix;
	const char *prefix;
	bool any0;
};

/* Return false to stop. */
typedef bool (*table_visit_fn)(void *ctx, const void *obj);

/* ---- state/table.c ------------------------------------------------------ */

void table_init(struct table *t, const struct table_desc *d);
/* Frees every row and every object. */
void table_clear(struct table *t);
/* The key ks makes from obj. */
void table_key(const struct keyspec *ks, const void *obj, struct tkey *out);
struct row *table_find(const struct table *t, const struct tkey *k);
struct row *table_find2(const struct table *t, const struct tkey *k);
/* Adds a row for obj (whose keys must be free: the caller checked with
 * table_find / table_find2). The row owns obj on success; on ERR_NOMEM
 * nothing changed and obj is still the caller's. */
int table_insert(struct table *t, void *obj, struct row **out);
/* Points r at obj (same primary key), re-keying the indexes. The caller
 * keeps the old object. ERR_NOMEM (only when the second key changes):
 * nothing changed. */
int table_replace(struct table *t, struct row *r, void *obj);
/* Unlinks and frees r; the caller keeps r->obj and r->aux. */
void table_remove(struct table *t, struct row *r);
/* Frees a row's object(s) as the table owns them (not what they share:
 * see unshare). */
void table_free_obj(const struct table *t, void *obj, void *aux);
/* Visits the range in index order; returns false when visit stopped. */
bool table_scan(const struct table *t, int ix, const struct scan *sc,
                table_visit_fn visit, void *ctx);
/* Rows in ix[0] order. */
struct row *table_first(const struct table *t);
struct row *table_next(const struct table *t, const struct row *r);

/* ---- state/jobpool.c ---------------------------------------------------- */

/* The jobs allocations run, interned: one read-only copy per (Namespace,
 * ID, JobModifyIndex, Version), shared by every allocation of that job
 * version and counted. Ordered by that key (NULL strings read as ""),
 * which is also the order of a snapshot's "AllocJobs". A pooled job is
 * never changed; it leaves the pool with its last reference. */
struct jobpool_ent {
	RB_ENTRY(jobpool_ent) rb;
	struct job *job; /* owned */
	size_t refs;
};
RB_HEAD(jobpool_tree, jobpool_ent);

struct jobpool {
	struct jobpool_tree tree;
	size_t count;
};

void jobpool_init(struct jobpool *p);
/* Frees every pooled job, whatever its references. */
void jobpool_clear(struct jobpool *p);
/* <0, 0, >0: a and b in pool order (by key only). */
int jobpool_cmp(const struct job *a, const struct job *b);
/* The entry with j's key, or NULL. */
struct jobpool_ent *jobpool_find(const struct jobpool *p, const struct job *j);
/* Takes a reference on the pooled job with j's key, pooling a deep copy
 * of j when there is none; *out is the pooled job. ERR_OK or ERR_NOMEM
 * (nothing changed). */
int jobpool_ref(struct jobpool *p, const struct job *j, struct job **out);
/* Like jobpool_ref, but j is heap-allocated and given away: pooled as is,
 * or freed when its key is already there. On ERR_NOMEM j is still the
 * caller's. */
int jobpool_adopt(struct jobpool *p, struct job *j, struct job **out);
/* Drops a reference on the pooled job j. After the last one, j leaves
 * the pool and is returned: the caller frees it (store_free_obj, a frozen
 * view may be reading it). NULL otherwise, or when j is not pooled. */
struct job *jobpool_unref(struct jobpool *p, const struct job *j);
/* Pools j (heap, given away on success) with no reference. ERR_EXISTS
 * when its key is taken, ERR_NOMEM: j is then still the caller's. */
int jobpool_insert(struct jobpool *p, struct job *j, struct jobpool_ent **out);
/* Frees the jobs nobody references (restore, never while frozen). */
void jobpool_prune(struct jobpool *p);
/* Entries in pool order. */
struct jobpool_ent *jobpool_first(const struct jobpool *p);
struct jobpool_ent *jobpool_next(const struct jobpool *p,
                                 const struct jobpool_ent *e);

/* ---- the store ---------------------------------------------------------- */

/* An object (and its row's aux) whose free waits for the frozen views. */
struct grave {
	enum store_table t;
	void *obj, *aux;
};

struct store {
	struct table t[STORE_TABLES]; /* STORE_JOB_VERSIONS unused */
	/* The jobs of the allocations (see state/jobpool.c). */
	struct jobpool jobs;
	/* Frozen views alive; while > 0 nothing is freed or written in
	 * place: see store_free_obj and store_writable. */
	unsigned frozen;
	struct grave *grave;
	size_t ngrave, capgrave;
	struct store *grave_stores; /* whole stores replaced by a restore */
	struct store *grave_next;
	uint64_t index[STORE_TABLES];
	uint64_t acl_bootstrap;
	/* Watch lists (circular, sentinel heads): one per table for
	 * single-table watches, one for the rest. */
	struct store_watch watches[STORE_TABLES];
	struct store_watch multi;
	struct store_watch firing;
};

extern const struct table_desc *const store_descs[STORE_TABLES];
/* The snapshot key of each table (STORE_JOB_VERSIONS included). */
extern const char *const store_table_names[STORE_TABLES];

/* A store with empty tables (no default namespace). */
int store_create_empty(struct store **out);
/* Adds the "default" namespace at index 0 when it is missing. */
int store_ensure_default_namespace(struct store *s);
/* Moves the tables of mask to index (never backwards) and fires the
 * watches that became ready. */
void store_touch(struct store *s, unsigned mask, uint64_t index);

/* The objects of a frozen view, per table in snapshot order, and the
 * pooled jobs of the allocations in pool order. */
struct store_frozen {
	uint64_t index[STORE_TABLES];
	uint64_t acl_bootstrap;
	const void **objs[STORE_TABLES];
	size_t n[STORE_TABLES];
	const struct job **pool;
	size_t npool;
};
/* Fills f from s without freezing s (the caller encodes at once). */
int store_frozen_build(const struct store *s, struct store_frozen *f);
void store_frozen_release(struct store_frozen *f);

/* Frees obj (and aux) of table t now, or after the last thaw. A pooled
 * job that lost its last reference goes as (STORE_JOBS, job, NULL). */
void store_free_obj(struct store *s, enum store_table t, void *obj, void *aux);
/* An object left table t (replaced or deleted): drops what it shares
 * (the table's release hook), then store_free_obj. */
void store_drop_obj(struct store *s, enum store_table t, void *obj, void *aux);
/* Destroys tmp now, or after the last thaw (restore's old tables). */
void store_free_store(struct store *s, struct store *tmp);
/* Frees what waited for the frozen views (none may be left). */
void store_graves_free(struct store *s);

/* Copies obj into table t at index (the upsert of every table but jobs):
 * CreateIndex kept or set, ModifyIndex (and touch_off) = index. */
int store_put(struct store *s, enum store_table t, uint64_t index,
              const void *obj);
/* store_put that takes obj's contents instead of copying them (obj is
 * left zeroed but for what the table shares, see move_in). On an error
 * after the move, what was moved is freed: obj stays releasable. */
int store_put_move(struct store *s, enum store_table t, uint64_t index,
                   void *obj);
/* Deletes the row with key k; ERR_NOTFOUND when missing. */
int store_del(struct store *s, enum store_table t, uint64_t index,
              const struct tkey *k);
/* The object with key k, or NULL. */
const void *store_get(const struct store *s, enum store_table t,
                      const struct tkey *k);

/* Typed iteration: fn is the caller's callback cast to void (*)(void) and
 * call casts it back to its real type. */
struct store_visit {
	void (*fn)(void);
	void *data;
	const char *ns; /* filter on the table's ns_off; NULL: none */
	size_t ns_off;
	bool (*call)(const struct store_visit *v, const void *obj);
};
bool store_visit_obj(void *ctx, const void *obj);
/* NULL or "*": every namespace. */
bool store_ns_any(const char *ns);

#define STORE_VISIT_CALLER(name, fntype, type)                             \
	static bool name(const struct store_visit *v, const void *obj)     \
	{                                                                  \
		return ((fntype)v->fn)(v->data, (const struct type *)obj); \
	}

/* ---- state/watch.c ------------------------------------------------------ */

void store_watch_init(struct store *s);
/* Fires the ready watches of the tables in mask; with force, every watch
 * of those tables. */
void store_watch_fire(struct store *s, unsigned mask, bool force);
/* Disarms every watch without firing it. */
void store_watch_drop(struct store *s);

/* ---- state/store_allocs.c ----------------------------------------------- */

/* The allocations table's hooks (see struct table_desc): the stored copy
 * points at the pooled job of a->job, or keeps old's job when a->job is
 * NULL. */
int store_allocs_copy_in(struct store *s, void *dst, const void *obj,
                         const void *old);
int store_allocs_move_in(struct store *s, void *dst, void *obj,
                         const void *old);
void store_allocs_release(struct store *s, void *obj);
void store_allocs_unshare(void *obj);
/* Restore: points the decoded allocation a at the pooled job equal to its
 * own (old snapshots carry a job in every allocation), freeing a's.
 * ERR_OK or ERR_NOMEM (a unchanged). */
int store_allocs_adopt_job(struct store *s, struct allocation *a);

/* ---- state/store_jobs.c ------------------------------------------------- */

/* A job's versions, newest first; v[0] is the current job (row->obj). */
struct job_hist {
	struct job **v;
	size_t n, cap;
};
/* The free_aux of the jobs table. */
void store_jobs_free_hist(void *aux);
/* Restore: adds j (whose key is free) as a job with no older version; 0
 * or ERR_NOMEM (j is then still the caller's). */
int store_jobs_restore(struct table *t, struct job *j);
/* Restore: adds an older version to a job already in t (owned by t on
 * success). ERR_DECODE when there is no such job or the version is not
 * older than the current one or already there. */
int store_jobs_add_version(struct table *t, struct job *old, struct err *e);

/* ---- snapshots (state/snapshot.c, state/restore.c) ---------------------- */

/* The format store_snapshot writes, and the oldest store_restore reads
 * (1: every allocation carries its job). */
#define STORE_SNAP_FORMAT     2
#define STORE_SNAP_FORMAT_MIN 1

/* ---- state/mpread.c ----------------------------------------------------- */

/* A cursor over msgpack bytes that never trusts a length. Each read
 * checks the type, moves past what it read and fails with ERR_DECODE and
 * the byte offset ("truncated msgpack data at offset 12", "expected a
 * map at offset 0") without moving. */
struct mpread {
	const unsigned char *p;
	size_t len, pos;
};

int mpread_map(struct mpread *r, uint64_t *n, struct err *e);
int mpread_array(struct mpread *r, uint64_t *n, struct err *e);
int mpread_str(struct mpread *r, const char **s, size_t *n, struct err *e);
int mpread_uint(struct mpread *r, uint64_t *v, struct err *e);
/* True (and moved past it) when the next object is nil. */
bool mpread_nil(struct mpread *r);
/* Skips one whole object; *start is where it began. */
int mpread_skip(struct mpread *r, size_t *start, struct err *e);

#endif
