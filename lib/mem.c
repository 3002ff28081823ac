#include "lib/mem.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int64_t mem_live;
static _Atomic int64_t mem_fault_after = -1; /* -1: injection off */
static _Atomic int64_t mem_fault_count;

/* Returns 1 when this allocation must fail. */
static int mem_should_fail(void)
{
	int64_t after = atomic_load(&mem_fault_after);
	if (after < 0)
		return 0;
	if (after > 0) {
		atomic_fetch_sub(&mem_fault_after, 1);
		return 0;
	}
	int64_t left = atomic_load(&mem_fault_count);
	if (left == 0)
		return 0;
	if (left > 0)
		atomic_fetch_sub(&mem_fault_count, 1);
	return 1;
}

void *mem_malloc(size_t n)
{
	void *p;
	if (mem_should_fail())
		return NULL;
	p = malloc(n ? n : 1);
	if (p != NULL)
		atomic_fetch_add(&mem_live, 1);
	return p;
}

void *mem_calloc(size_t count, size_t size)
{
	void *p;
	if (mem_should_fail())
		return NULL;
	p = calloc(count ? count : 1, size ? size : 1);
	if (p != NULL)
		atomic_fetch_add(&mem_live, 1);
	return p;
}

void *mem_realloc(void *p, size_t n)
{
	void *q;
	if (p == NULL)
		return mem_malloc(n);
	if (mem_should_fail())
		return NULL;
	q = realloc(p, n ? n : 1);
	return q;
}

void mem_free(void *p)
{
	if (p == NULL)
		return;
	atomic_fetch_sub(&mem_live, 1);
	free(p);
}

char *mem_strndup(const char *s, size_t n)
{
	char *d;
	if (s == NULL)
		return NULL;
	d = mem_malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *mem_strdup(const char *s)
{
	if (s == NULL)
		return NULL;
	return mem_strndup(s, strlen(s));
}

char *mem_vasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *s;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return NULL;
	s = mem_malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *mem_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	s = mem_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

int64_t mem_outstanding(void)
{
	return atomic_load(&mem_live);
}

void mem_fault_set(int64_t after, int64_t count)
{
	atomic_store(&mem_fault_count, count);
	atomic_store(&mem_fault_after, after);
}

void mem_fault_reset(void)
{
	atomic_store(&mem_fault_after, -1);
	atomic_store(&mem_fault_count, 0);
}

int mem_grow(void *pv, size_t n, size_t *cap, size_t esize)
{
	void **v = pv;
	size_t ncap;
	void *p;
	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap < *cap || ncap > SIZE_MAX / esize)
		return -1;
	p = mem_realloc(*v, ncap * esize);
	if (p == NULL)
		return -1;
	*v = p;
	*cap = ncap;
	return 0;
}
