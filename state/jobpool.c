/* state/jobpool.c: the interned jobs of allocations (see state_int.h).
 *
 * 100,000 allocations of a few hundred jobs would otherwise hold 100,000
 * deep copies of the same job versions. The pool keeps one copy per
 * (Namespace, ID, JobModifyIndex, Version): a job version never changes
 * once registered (anything else moves JobModifyIndex), so that key names
 * its content. A red-black tree rather than a hash: pools are small (the
 * live versions of the jobs) and a snapshot lists them in key order. */
#include <string.h>

#include "state/state_int.h"

static const char *jobpool_str(const char *s)
{
	return s != NULL ? s : "";
}

static int jobpool_u64cmp(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

int jobpool_cmp(const struct job *a, const struct job *b)
{
	int c = strcmp(jobpool_str(a->namespace), jobpool_str(b->namespace));
	if (c == 0)
		c = strcmp(jobpool_str(a->id), jobpool_str(b->id));
	if (c == 0)
		c = jobpool_u64cmp(a->job_modify_index, b->job_modify_index);
	if (c == 0)
		c = jobpool_u64cmp(a->version, b->version);
	return c;
}

static int jobpool_ent_cmp(struct jobpool_ent *a, struct jobpool_ent *b)
{
	return jobpool_cmp(a->job, b->job);
}

/* RB_GENERATE_STATIC needs a __unused that libbsd leaves undefined. */
RB_GENERATE_INTERNAL(jobpool_tree, jobpool_ent, rb, jobpool_ent_cmp,
                     __attribute__((unused)) static)

void jobpool_init(struct jobpool *p)
{
	RB_INIT(&p->tree);
	p->count = 0;
}

static void jobpool_remove(struct jobpool *p, struct jobpool_ent *e)
{
	RB_REMOVE(jobpool_tree, &p->tree, e);
	p->count--;
	mem_free(e);
}

void jobpool_clear(struct jobpool *p)
{
	struct jobpool_ent *e, *next;
	RB_FOREACH_SAFE(e, jobpool_tree, &p->tree, next)
	{
		job_free(e->job);
		jobpool_remove(p, e);
	}
}

struct jobpool_ent *jobpool_find(const struct jobpool *p, const struct job *j)
{
	struct jobpool_ent key = {.job = (struct job *)j};
	return RB_FIND(jobpool_tree, (struct jobpool_tree *)&p->tree, &key);
}

int jobpool_insert(struct jobpool *p, struct job *j, struct jobpool_ent **out)
{
	struct jobpool_ent *e;
	if (jobpool_find(p, j) != NULL)
		return ERR_EXISTS;
	e = mem_calloc(1, sizeof *e);
	if (e == NULL)
		return ERR_NOMEM;
	e->job = j;
	RB_INSERT(jobpool_tree, &p->tree, e);
	p->count++;
	if (out != NULL)
		*out = e;
	return ERR_OK;
}

int jobpool_ref(struct jobpool *p, const struct job *j, struct job **out)
{
	struct jobpool_ent *e = jobpool_find(p, j);
	struct job *copy;
	if (e == NULL) {
		copy = job_dup(j);
		if (copy == NULL)
			return ERR_NOMEM;
		if (jobpool_insert(p, copy, &e) != ERR_OK) {
			job_free(copy);
			return ERR_NOMEM;
		}
	}
	e->refs++;
	*out = e->job;
	return ERR_OK;
}

int jobpool_adopt(struct jobpool *p, struct job *j, struct job **out)
{
	struct jobpool_ent *e = jobpool_find(p, j);
	if (e != NULL) {
		job_free(j);
	} else if (jobpool_insert(p, j, &e) != ERR_OK) {
		return ERR_NOMEM;
	}
	e->refs++;
	*out = e->job;
	return ERR_OK;
}

struct job *jobpool_unref(struct jobpool *p, const struct job *j)
{
	struct jobpool_ent *e = jobpool_find(p, j);
	struct job *dead;
	if (e == NULL || e->job != j || e->refs == 0)
		return NULL;
	if (--e->refs > 0)
		return NULL;
	dead = e->job;
	jobpool_remove(p, e);
	return dead;
}

void jobpool_prune(struct jobpool *p)
{
	struct jobpool_ent *e, *next;
	RB_FOREACH_SAFE(e, jobpool_tree, &p->tree, next)
	{
		if (e->refs > 0)
			continue;
		job_free(e->job);
		jobpool_remove(p, e);
	}
}

struct jobpool_ent *jobpool_first(const struct jobpool *p)
{
	return RB_MIN(jobpool_tree, (struct jobpool_tree *)&p->tree);
}

struct jobpool_ent *jobpool_next(const struct jobpool *p,
                                 const struct jobpool_ent *e)
{
	(void)p;
	return RB_NEXT(jobpool_tree, (struct jobpool_tree *)&p->tree,
	               (struct jobpool_ent *)e);
}
