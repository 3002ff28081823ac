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

/* What a memoized fit is a function of: capacity and usage (cpu and
 * memory), and the algorithm. */
struct sched_fit_key {
	int64_t cap_cpu, cap_mem, used_cpu, used_mem;
	int algo;
};

/* The ranking computes the fit of the same capacity and usage again and
 * again (a node's usage changes only when something is placed on it;
 * nodes are often alike), and the fit's pow calls were a good part of a
 * candidate's cost. The memo keeps the last fit of each slot: true with
 * *fit set when k was the last key of its slot. */
bool sched_cache_fit_get(struct sched_ctx *ctx, const struct sched_fit_key *k,
                         double *fit);
/* Remembers fit for k (nothing on oom). */
void sched_cache_fit_put(struct sched_ctx *ctx, const struct sched_fit_key *k,
                         double fit);

#endif
