/* scheduler/reconcile.c: reconcile_compute, group by group (Nomad's
 * AllocReconciler.Compute and computeGroup). */
#include "scheduler/reconcile.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"
#include "scheduler/reconcile_int.h"

bool rc_str_eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

const struct task_group *rc_alloc_group(const struct allocation *a)
{
	return allocation_task_group(a);
}

unsigned rc_tg_count(const struct task_group *tg)
{
	if (tg->count.v <= 0)
		return 0;
	return tg->count.v > UINT_MAX ? UINT_MAX : (unsigned)tg->count.v;
}

enum reconcile_update_kind reconcile_update_default(const struct allocation *a,
                                                    const struct job *job,
                                                    const struct task_group *tg)
{
	if (a->job == NULL)
		return RECONCILE_UPDATE_DESTRUCTIVE;
	if (a->job->job_modify_index == job->job_modify_index &&
	    a->job->version == job->version)
		return RECONCILE_UPDATE_IGNORE;
	if (tasks_updated(job, a->job, tg->name))
		return RECONCILE_UPDATE_DESTRUCTIVE;
	if (allocation_terminal(a))
		return RECONCILE_UPDATE_IGNORE;
	return RECONCILE_UPDATE_INPLACE;
}

/* ---- entries ------------------------------------------------------------ */

static const char *rc_group_of(const struct rc_entry *e)
{
	return e->a->task_group != NULL ? e->a->task_group : "";
}

static int rc_entry_cmp(const void *pa, const void *pb)
{
	const struct rc_entry *a = pa, *b = pb;
	int d = strcmp(rc_group_of(a), rc_group_of(b));
	if (d != 0)
		return d;
	if (a->idx != b->idx)
		return a->idx < b->idx ? -1 : 1;
	return strcmp(a->a->id != NULL ? a->a->id : "",
	              b->a->id != NULL ? b->a->id : "");
}

/* The name index, 0 when the name has none (as Nomad's Index()). */
static unsigned rc_index_of(const struct allocation *a)
{
	long long idx = alloc_name_index(a->name);
	return idx >= 0 && idx <= UINT_MAX ? (unsigned)idx : 0;
}

/* Every allocation as an entry, sorted by group, index and ID. */
static int rc_entries(const struct reconcile_input *in, struct rc_entry **out,
                      size_t *n)
{
	struct rc_entry *e =
	    mem_calloc(in->nallocs ? in->nallocs : 1, sizeof *e);
	size_t m = 0;
	if (e == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < in->nallocs; i++) {
		if (in->allocs[i] == NULL)
			continue;
		e[m].a = in->allocs[i];
		e[m].idx = rc_index_of(in->allocs[i]);
		m++;
	}
	qsort(e, m, sizeof *e, rc_entry_cmp);
	*out = e;
	*n = m;
	return ERR_OK;
}

/* The run of entries of group name (empty when it has none). */
static void rc_find_run(struct rc_entry *e, size_t n, const char *name,
                        struct rc_group *g)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(rc_group_of(&e[mid]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	g->e = &e[lo];
	g->n = 0;
	while (lo + g->n < n && strcmp(rc_group_of(&e[lo + g->n]), name) == 0)
		g->n++;
}

/* Keeps the entries for which keep() holds, in order. */
static size_t rc_compact(struct rc_group *g, const struct rc_ctx *c,
                         bool (*keep)(const struct rc_ctx *,
                                      const struct allocation *))
{
	size_t m = 0, dropped;
	for (size_t i = 0; i < g->n; i++)
		if (keep(c, g->e[i].a))
			g->e[m++] = g->e[i];
	dropped = g->n - m;
	g->n = m;
	return dropped;
}

static bool rc_keep_nonterminal(const struct rc_ctx *c,
                                const struct allocation *a)
{
	(void)c;
	return !allocation_terminal(a);
}

/* Nomad's filterServerTerminalAllocs: stopped allocations no longer
 * count, except batch ones (a completed batch allocation keeps its slot)
 * not marked for rescheduling. */
static bool rc_keep_not_stopped(const struct rc_ctx *c,
                                const struct allocation *a)
{
	(void)c;
	if (!allocation_server_terminal(a))
		return true;
	return a->job != NULL && rc_str_eq(a->job->type, JOB_TYPE_BATCH) &&
	       !rc_opt_true(&a->desired_transition.reschedule);
}

/* Batch: terminal allocations of an older job version are ignored. */
static bool rc_keep_not_old_terminal(const struct rc_ctx *c,
                                     const struct allocation *a)
{
	const struct job *j = c->in->job;
	bool older = a->job == NULL || a->job->version < j->version ||
	             a->job->create_index < j->create_index;
	return !(older && allocation_terminal(a));
}

/* ---- one group ---------------------------------------------------------- */

static int rc_stop_group(struct rc_ctx *c, struct rc_group *g)
{
	long stopped = rc_stop_all(c, g->e, g->n);
	if (stopped < 0)
		return ERR_NOMEM;
	g->d->stop += (uint64_t)stopped;
	return ERR_OK;
}

/* Classification and the reschedule filter. */
static void rc_classify_group(struct rc_ctx *c, struct rc_group *g)
{
	if (c->in->batch)
		g->d->ignore += rc_compact(g, c, rc_keep_not_old_terminal);
	g->d->ignore += rc_classify(c, g->e, g->n);
	rc_filter_reschedule(c, g->e, g->n);
	for (size_t i = 0; i < g->n; i++)
		g->d->reschedule_now += (g->e[i].flags & RC_NOW) != 0;
}

/* Stops, updates and placements once the entries are sorted. */
static int rc_change_group(struct rc_ctx *c, struct rc_group *g,
                           struct rc_names *names)
{
	size_t start = c->res->pub.nplace, placed = 0, count;
	if (rc_compute_stop(c, g, names) != ERR_OK ||
	    rc_compute_updates(c, g) != ERR_OK ||
	    rc_compute_place(c, g, names, &placed) != ERR_OK)
		return ERR_NOMEM;
	count = rc_tg_count(g->tg);
	/* Updates all at once (no max_parallel): as many as the count
	 * leaves room for beside this evaluation's placements. */
	if (rc_compute_destructive(c, g,
	                           count - (placed < count ? placed : count)) ||
	    rc_compute_migrations(c, g) != ERR_OK)
		return ERR_NOMEM;
	if (c->res->pub.nplace - start > count) {
		rc_truncate_place(c, start + count);
		g->d->place = count;
	}
	return ERR_OK;
}

static int rc_run_group(struct rc_ctx *c, struct rc_group *g)
{
	struct rc_names names;
	int rc;
	rc_compact(g, c, rc_keep_not_stopped);
	if (g->tg == NULL || rc_tg_count(g->tg) == 0)
		return rc_stop_group(c, g);
	rc_classify_group(c, g);
	if (rc_followups(c, g) != ERR_OK)
		return ERR_NOMEM;
	if (rc_names_init(&names, rc_tg_count(g->tg), g->e, g->n,
	                  RC_UNTAINTED | RC_MIGRATE | RC_NOW | RC_LOST))
		return ERR_NOMEM;
	rc = rc_change_group(c, g, &names);
	rc_names_release(&names);
	return rc;
}

/* ---- all groups --------------------------------------------------------- */

static bool rc_job_stopped(const struct job *job)
{
	return job == NULL || job->stop;
}

static int rc_do_group(struct rc_ctx *c, struct rc_group *g)
{
	g->d = rc_add_group(c, g->name);
	if (g->d == NULL)
		return ERR_NOMEM;
	if (!rc_job_stopped(c->in->job))
		return rc_run_group(c, g);
	rc_compact(g, c, rc_keep_nonterminal);
	return rc_stop_group(c, g);
}

/* The job's groups, in the job's order; their entries end up RC_DONE,
 * so rc_do_removed skips them. */
static int rc_do_job_groups(struct rc_ctx *c, struct rc_entry *e, size_t n)
{
	const struct job *job = c->in->job;
	for (size_t i = 0; job != NULL && i < job->task_groups.n; i++) {
		const struct task_group *tg = &job->task_groups.v[i];
		struct rc_group g = {.name = tg->name, .tg = tg};
		size_t run;
		rc_find_run(e, n, tg->name != NULL ? tg->name : "", &g);
		run = g.n;
		if (run > 0 && g.e[0].flags == RC_DONE)
			continue; /* a duplicate group name */
		if (rc_do_group(c, &g) != ERR_OK)
			return ERR_NOMEM;
		for (size_t j = 0; j < run; j++)
			g.e[j].flags = RC_DONE;
	}
	return ERR_OK;
}

/* The groups only allocations name: removed from the job. */
static int rc_do_removed(struct rc_ctx *c, struct rc_entry *e, size_t n)
{
	size_t i = 0;
	while (i < n) {
		struct rc_group g = {.name = rc_group_of(&e[i])};
		size_t run;
		rc_find_run(e, n, g.name, &g);
		run = g.n;
		if (e[i].flags != RC_DONE && rc_do_group(c, &g) != ERR_OK)
			return ERR_NOMEM;
		i += run;
	}
	return ERR_OK;
}

static int rc_compute(struct rc_ctx *c)
{
	struct rc_entry *e;
	size_t n;
	int rc;
	if (rc_tainted_index(c) != ERR_OK)
		return ERR_NOMEM;
	if (rc_entries(c->in, &e, &n) != ERR_OK)
		return ERR_NOMEM;
	rc = rc_do_job_groups(c, e, n);
	if (rc == ERR_OK)
		rc = rc_do_removed(c, e, n);
	mem_free(e);
	return rc;
}

int reconcile_compute(const struct reconcile_input *in,
                      struct reconcile_result **out)
{
	struct rc_ctx c = {.in = in};
	int rc;
	if (out != NULL)
		*out = NULL;
	if (in == NULL || out == NULL ||
	    (in->job != NULL && rc_str_empty(in->job->id)) ||
	    (in->nallocs > 0 && in->allocs == NULL) ||
	    (in->ntainted > 0 && in->tainted == NULL))
		return ERR_INVAL;
	c.job_id = in->job != NULL ? in->job->id : "";
	if (rc_result_new(&c.res) != ERR_OK)
		return ERR_NOMEM;
	rc = rc_compute(&c);
	mem_free(c.tainted);
	if (rc != ERR_OK) {
		reconcile_result_free(&c.res->pub);
		return rc;
	}
	*out = &c.res->pub;
	return ERR_OK;
}
