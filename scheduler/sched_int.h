/* scheduler/sched_int.h: private helpers shared by the scheduler's files:
 * uthash wired to the mem hook, string keys, and the context caches. */
#ifndef STEPPE_SCHEDULER_SCHED_INT_H
#define STEPPE_SCHEDULER_SCHED_INT_H

#include <regex.h>
#include <stdbool.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/sched.h"
#include "scheduler/version.h"

/* uthash: every allocation through the mem hook; an item whose insertion
 * ran out of memory is not added and has hh.tbl == NULL. */
#define HASH_NONFATAL_OOM    1
#define uthash_malloc(sz)    mem_malloc(sz)
#define uthash_free(ptr, sz) mem_free(ptr)
#define HASH_FUNCTION(keyptr, keylen, hashv) \
	((hashv) = sched_hash_bytes((keyptr), (size_t)(keylen)))

/* FNV-1a: uthash's default hash has switch fall-throughs that
 * -Wimplicit-fallthrough flags under clang. */
static inline unsigned sched_hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

#include <uthash.h>

/* Adds item (a struct with `UT_hash_handle hh` and key string member
 * `field`) to head; afterwards SCHED_HASH_ADDED(item) tells whether it
 * was added (false: out of memory). */
#define SCHED_HASH_ADD_STR(head, field, item) \
	HASH_ADD_KEYPTR(hh, head, (item)->field, strlen((item)->field), item)
#define SCHED_HASH_ADDED(item) ((item)->hh.tbl != NULL)

#define SCHED_HASH_FIND_STR(head, key, out) \
	HASH_FIND(hh, head, key, strlen(key), out)

/* NULL and "" are the same string. */
static inline const char *sched_str(const char *s)
{
	return s != NULL ? s : "";
}

static inline bool sched_str_eq(const char *a, const char *b)
{
	return strcmp(sched_str(a), sched_str(b)) == 0;
}

/* The compiled regexp for pattern (POSIX extended, cached per context);
 * NULL when it does not compile or memory ran out. */
const regex_t *sched_cache_regex(struct sched_ctx *ctx, const char *pattern);
/* The parsed version constraint (cached per context); NULL when
 * malformed or memory ran out. */
const struct sched_vconstraint *
sched_cache_vconstraint(struct sched_ctx *ctx, const char *s, bool semver);

#endif
