/* scheduler/reconcile_result.c: building and freeing reconcile results. */
#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"
#include "scheduler/reconcile_int.h"

/* Makes room for one more element of size esz in *v (n used, *cap
 * allocated). */
static int rc_grow(void *v, size_t n, size_t *cap, size_t esz)
{
	void **pv = v;
	void *nv;
	size_t ncap;
	if (n < *cap)
		return ERR_OK;
	ncap = *cap ? *cap * 2 : 8;
	nv = mem_realloc(*pv, ncap * esz);
	if (nv == NULL)
		return ERR_NOMEM;
	*pv = nv;
	*cap = ncap;
	return ERR_OK;
}

int rc_result_new(struct rc_result **out)
{
	*out = mem_calloc(1, sizeof **out);
	return *out != NULL ? ERR_OK : ERR_NOMEM;
}

/* alloc_name_format ("job.group[idx]") without printf, which was a
 * good part of reconciling a large count. */
static char *rc_name(const char *job_id, const char *group, unsigned idx)
{
	char num[16], *name, *p;
	size_t lj = job_id != NULL ? strlen(job_id) : 0;
	size_t lg = group != NULL ? strlen(group) : 0, ln = 0;
	do
		num[sizeof num - 1 - ln++] = (char)('0' + idx % 10);
	while ((idx /= 10) != 0);
	if ((p = name = mem_malloc(lj + lg + ln + 4)) == NULL)
		return NULL;
	memcpy(p, job_id != NULL ? job_id : "", lj);
	p += lj;
	*p++ = '.';
	memcpy(p, group != NULL ? group : "", lg);
	p += lg;
	*p++ = '[';
	memcpy(p, &num[sizeof num - ln], ln);
	p += ln;
	*p++ = ']';
	*p = '\0';
	return name;
}

int rc_add_place(struct rc_ctx *c, const struct task_group *tg, unsigned idx,
                 const struct allocation *previous, unsigned how)
{
	struct reconcile_result *r = &c->res->pub;
	struct reconcile_place *p;
	char *name;
	if (rc_grow(&r->place, r->nplace, &c->res->cap_place, sizeof *p) != 0)
		return ERR_NOMEM;
	name = rc_name(c->job_id, tg->name, idx);
	if (name == NULL)
		return ERR_NOMEM;
	p = &r->place[r->nplace++];
	*p = (struct reconcile_place){
	    .tg = tg,
	    .name = name,
	    .index = idx,
	    .previous = previous,
	    .reschedule = how == RC_PLACE_RESCHEDULE,
	    .lost = how == RC_PLACE_LOST,
	    .migrate = how == RC_PLACE_MIGRATE,
	};
	return ERR_OK;
}

int rc_add_stop(struct rc_ctx *c, const struct allocation *a,
                const char *client_status, const char *description)
{
	struct reconcile_result *r = &c->res->pub;
	if (rc_grow(&r->stop, r->nstop, &c->res->cap_stop, sizeof *r->stop))
		return ERR_NOMEM;
	r->stop[r->nstop++] = (struct reconcile_stop){
	    .alloc = a,
	    .client_status = client_status,
	    .description = description,
	};
	return ERR_OK;
}

int rc_add_update(struct rc_ctx *c, bool inplace, const struct allocation *a,
                  const struct task_group *tg)
{
	struct reconcile_result *r = &c->res->pub;
	struct reconcile_update **v = inplace ? &r->inplace : &r->destructive;
	size_t *n = inplace ? &r->ninplace : &r->ndestructive;
	size_t *cap = inplace ? &c->res->cap_inplace : &c->res->cap_destructive;
	if (rc_grow(v, *n, cap, sizeof **v) != ERR_OK)
		return ERR_NOMEM;
	(*v)[(*n)++] = (struct reconcile_update){.alloc = a, .tg = tg};
	return ERR_OK;
}

int rc_add_followup(struct rc_ctx *c, const char *group, int64_t wait_until,
                    bool first, const struct allocation **allocs, size_t n)
{
	struct reconcile_result *r = &c->res->pub;
	const struct allocation **copy;
	if (rc_grow(&r->followup, r->nfollowup, &c->res->cap_followup,
	            sizeof *r->followup) != ERR_OK)
		return ERR_NOMEM;
	copy = mem_malloc(n * sizeof *copy);
	if (copy == NULL)
		return ERR_NOMEM;
	memcpy(copy, allocs, n * sizeof *copy);
	r->followup[r->nfollowup++] = (struct reconcile_followup){
	    .group = group,
	    .wait_until = wait_until,
	    .trigger = first ? EVAL_TRIGGER_ALLOC_RESCHEDULE
	                     : EVAL_TRIGGER_RETRY_FAILED_ALLOC,
	    .description = first ? RECONCILE_DESC_FOLLOWUP_EVAL : "",
	    .allocs = copy,
	    .nallocs = n,
	};
	return ERR_OK;
}

struct reconcile_desired *rc_add_group(struct rc_ctx *c, const char *name)
{
	struct reconcile_result *r = &c->res->pub;
	struct reconcile_group *g;
	if (rc_grow(&r->groups, r->ngroups, &c->res->cap_groups,
	            sizeof *r->groups) != ERR_OK)
		return NULL;
	g = &r->groups[r->ngroups++];
	memset(g, 0, sizeof *g);
	g->name = name;
	return &g->desired;
}

void rc_truncate_place(struct rc_ctx *c, size_t keep)
{
	struct reconcile_result *r = &c->res->pub;
	while (r->nplace > keep)
		mem_free(r->place[--r->nplace].name);
}

void reconcile_result_free(struct reconcile_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nplace; i++)
		mem_free(r->place[i].name);
	for (size_t i = 0; i < r->nfollowup; i++)
		mem_free(r->followup[i].allocs);
	mem_free(r->place);
	mem_free(r->stop);
	mem_free(r->inplace);
	mem_free(r->destructive);
	mem_free(r->followup);
	mem_free(r->groups);
	/* r is the first member of the struct rc_result it came from. */
	mem_free(r);
}

const struct reconcile_desired *
reconcile_result_desired(const struct reconcile_result *r, const char *group)
{
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < r->ngroups; i++)
		if (rc_str_eq(r->groups[i].name, group))
			return &r->groups[i].desired;
	return NULL;
}
