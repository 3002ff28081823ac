/* lib/mem.h: every allocation of steppe's own code goes through here.
 *
 * The hook counts outstanding blocks so tests can assert there are none at
 * teardown, and can inject failures (fail the Nth allocation from now) so
 * tests exercise out-of-memory paths. jansson is pointed at the hook by
 * structs/ (schema_json_init); msgpack-c has no allocator API and uses libc.
 * Thread-safe: the counters are atomic (libuv's thread pool allocates too). */
#ifndef STEPPE_LIB_MEM_H
#define STEPPE_LIB_MEM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *mem_malloc(size_t n);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);

/* NULL in gives NULL out (not an error). Caller frees. */
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);
char *mem_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *mem_vasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* Room for one more element in a growable array: when *n == *cap, the
 * array at *pv (elements of esize bytes) is reallocated to twice its
 * capacity (first 16). 0, or -1 on oom (array and *cap unchanged). The
 * caller then stores element (*n)++. */
int mem_grow(void *pv, size_t n, size_t *cap, size_t esize);

/* Blocks currently allocated through the hook (allocations minus frees). */
int64_t mem_outstanding(void);

/* Fault injection for tests: the allocation `after` calls from now fails
 * (0 = the very next one), and `count` allocations fail from there
 * (-1 = all). mem_fault_reset() turns injection off. */
void mem_fault_set(int64_t after, int64_t count);
void mem_fault_reset(void);

#endif
