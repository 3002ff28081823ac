/* scheduler/reconcile_names.c: which name indexes of a group are in use.
 *
 * Nomad keeps a bitmap sized by the highest index; a sorted array of the
 * used indexes does the same without trusting the indexes found in
 * allocation names to be small. */
#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"
#include "scheduler/reconcile_int.h"

/* The first slot whose idx is >= idx. */
static size_t rc_names_lower(const struct rc_names *names, unsigned idx)
{
	size_t lo = 0, hi = names->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (names->v[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct rc_slot *rc_names_find(struct rc_names *names, unsigned idx)
{
	size_t i = rc_names_lower(names, idx);
	return i < names->n && names->v[i].idx == idx ? &names->v[i] : NULL;
}

static int rc_names_insert(struct rc_names *names, size_t at, unsigned idx)
{
	if (names->n == names->cap) {
		size_t cap = names->cap ? names->cap * 2 : 16;
		struct rc_slot *v = mem_realloc(names->v, cap * sizeof *v);
		if (v == NULL)
			return ERR_NOMEM;
		names->v = v;
		names->cap = cap;
	}
	memmove(&names->v[at + 1], &names->v[at],
	        (names->n - at) * sizeof names->v[0]);
	names->v[at] = (struct rc_slot){.idx = idx, .set = true};
	names->n++;
	return ERR_OK;
}

/* Marks idx used; an index already used gains a duplicate when dup is
 * true (building from allocations) and stays as is otherwise. */
static int rc_names_mark(struct rc_names *names, unsigned idx, bool dup)
{
	size_t at = rc_names_lower(names, idx);
	struct rc_slot *s;
	if (at == names->n || names->v[at].idx != idx)
		return rc_names_insert(names, at, idx);
	s = &names->v[at];
	if (s->set && dup)
		s->dup++;
	s->set = true;
	return ERR_OK;
}

int rc_names_init(struct rc_names *names, unsigned count,
                  const struct rc_entry *e, size_t n, unsigned mask)
{
	memset(names, 0, sizeof *names);
	names->count = count;
	for (size_t i = 0; i < n; i++) {
		if ((e[i].flags & mask) == 0)
			continue;
		if (rc_names_mark(names, e[i].idx, true) != ERR_OK) {
			rc_names_release(names);
			return ERR_NOMEM;
		}
	}
	return ERR_OK;
}

void rc_names_release(struct rc_names *names)
{
	mem_free(names->v);
	memset(names, 0, sizeof *names);
}

size_t rc_names_highest(struct rc_names *names, size_t k, unsigned *out)
{
	size_t m = 0;
	for (size_t i = names->n; i > 0 && m < k; i--) {
		struct rc_slot *s = &names->v[i - 1];
		if (s->set) {
			s->set = false;
			out[m++] = s->idx;
		}
	}
	return m;
}

void rc_names_unset(struct rc_names *names, unsigned idx)
{
	struct rc_slot *s = rc_names_find(names, idx);
	if (s == NULL)
		return;
	if (s->dup > 0)
		s->dup--;
	else
		s->set = false;
}

/* The free indexes in [0, count), lowest first, up to k. */
static size_t rc_names_free(const struct rc_names *names, size_t k,
                            unsigned *out)
{
	size_t m = 0, p = 0;
	for (unsigned i = 0; i < names->count && m < k; i++) {
		while (p < names->n && names->v[p].idx < i)
			p++;
		if (p < names->n && names->v[p].idx == i && names->v[p].set)
			continue;
		out[m++] = i;
	}
	return m;
}

int rc_names_next(struct rc_names *names, size_t k, unsigned *out)
{
	size_t m = rc_names_free(names, k, out);
	/* Free names exhausted: Nomad reuses indexes from 0 up. */
	for (unsigned i = 0; m < k; i++)
		out[m++] = i;
	for (size_t i = 0; i < k; i++)
		if (rc_names_mark(names, out[i], false) != ERR_OK)
			return ERR_NOMEM;
	return ERR_OK;
}
