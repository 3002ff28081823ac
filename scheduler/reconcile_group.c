/* scheduler/reconcile_group.c: the steps that turn a classified group into
 * stops, updates and placements (Nomad's computeGroup and helpers). */
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"
#include "scheduler/reconcile_int.h"

static bool rc_has(const struct rc_entry *e, unsigned flags)
{
	return (e->flags & flags) != 0;
}

static size_t rc_count(const struct rc_group *g, unsigned flags)
{
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++)
		if (rc_has(&g->e[i], flags) && !rc_has(&g->e[i], RC_STOP))
			n++;
	return n;
}

static bool rc_in(const unsigned *v, size_t n, unsigned idx)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == idx)
			return true;
	return false;
}

static size_t rc_group_count(const struct rc_group *g)
{
	return rc_tg_count(g->tg);
}

/* ---- reschedule later --------------------------------------------------- */

static int rc_later_cmp(const void *pa, const void *pb)
{
	const struct rc_entry *a = *(const struct rc_entry *const *)pa;
	const struct rc_entry *b = *(const struct rc_entry *const *)pb;
	if (a->resched_at != b->resched_at)
		return a->resched_at < b->resched_at ? -1 : 1;
	if (a->idx != b->idx)
		return a->idx < b->idx ? -1 : 1;
	return strcmp(a->a->id != NULL ? a->a->id : "",
	              b->a->id != NULL ? b->a->id : "");
}

/* Cuts the sorted entries into batches of RECONCILE_BATCH_WINDOW_NS. */
static int rc_batch_later(struct rc_ctx *c, struct rc_group *g,
                          struct rc_entry **later, size_t n,
                          const struct allocation **allocs)
{
	size_t first = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && later[i]->resched_at - later[first]->resched_at <
		                 RECONCILE_BATCH_WINDOW_NS)
			continue;
		for (size_t j = first; j < i; j++)
			allocs[j - first] = later[j]->a;
		if (rc_add_followup(c, g->name, later[first]->resched_at,
		                    first == 0, allocs, i - first) != ERR_OK)
			return ERR_NOMEM;
		first = i;
	}
	return ERR_OK;
}

int rc_followups(struct rc_ctx *c, struct rc_group *g)
{
	size_t n = 0;
	struct rc_entry **later;
	const struct allocation **allocs;
	int rc = ERR_NOMEM;
	for (size_t i = 0; i < g->n; i++)
		n += rc_has(&g->e[i], RC_LATER);
	g->d->reschedule_later = n;
	if (n == 0)
		return ERR_OK;
	later = mem_malloc(n * sizeof *later);
	allocs = mem_malloc(n * sizeof *allocs);
	if (later == NULL || allocs == NULL)
		goto free_arrays;
	n = 0;
	for (size_t i = 0; i < g->n; i++)
		if (rc_has(&g->e[i], RC_LATER))
			later[n++] = &g->e[i];
	qsort(later, n, sizeof *later, rc_later_cmp);
	rc = rc_batch_later(c, g, later, n, allocs);
free_arrays:
	mem_free(allocs);
	mem_free(later);
	return rc;
}

/* ---- stops -------------------------------------------------------------- */

static int rc_stop_entry(struct rc_ctx *c, struct rc_group *g,
                         struct rc_entry *e, const char *client_status,
                         const char *description)
{
	if (rc_add_stop(c, e->a, client_status, description) != ERR_OK)
		return ERR_NOMEM;
	e->flags = (e->flags & ~(RC_UNTAINTED | RC_MIGRATE)) | RC_STOP;
	g->d->stop++;
	return ERR_OK;
}

/* Over count: stop the migrating allocations with the highest indexes
 * first (they are leaving their node anyway). */
static int rc_stop_migrating(struct rc_ctx *c, struct rc_group *g,
                             struct rc_names *names, size_t *remove,
                             unsigned *buf)
{
	struct rc_names mig;
	size_t k;
	if (rc_names_init(&mig, names->count, g->e, g->n, RC_MIGRATE) != 0)
		return ERR_NOMEM;
	k = rc_names_highest(&mig, *remove, buf);
	rc_names_release(&mig);
	for (size_t i = g->n; i > 0 && *remove > 0; i--) {
		struct rc_entry *e = &g->e[i - 1];
		if (!rc_has(e, RC_MIGRATE) || rc_has(e, RC_STOP) ||
		    !rc_in(buf, k, e->idx))
			continue;
		if (rc_stop_entry(c, g, e, NULL, RECONCILE_DESC_NOT_NEEDED))
			return ERR_NOMEM;
		rc_names_unset(names, e->idx);
		(*remove)--;
	}
	return ERR_OK;
}

static bool rc_stoppable(const struct rc_entry *e)
{
	return rc_has(e, RC_UNTAINTED) && !rc_has(e, RC_STOP) &&
	       !allocation_server_terminal(e->a);
}

/* Over count: stop the untainted allocations with the highest indexes,
 * then (duplicate names) any others, highest first. */
static int rc_stop_untainted(struct rc_ctx *c, struct rc_group *g,
                             struct rc_names *names, size_t remove,
                             unsigned *buf)
{
	size_t k = rc_names_highest(names, remove, buf);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = g->n; i > 0 && remove > 0; i--) {
			struct rc_entry *e = &g->e[i - 1];
			if (!rc_stoppable(e) ||
			    (pass == 0 && !rc_in(buf, k, e->idx)))
				continue;
			if (rc_stop_entry(c, g, e, NULL,
			                  RECONCILE_DESC_NOT_NEEDED) != ERR_OK)
				return ERR_NOMEM;
			remove--;
		}
	}
	return ERR_OK;
}

/* Untainted allocations that are not "unknown" plus migrating ones. */
static size_t rc_running(const struct rc_group *g)
{
	size_t n = rc_count(g, RC_MIGRATE);
	for (size_t i = 0; i < g->n; i++)
		if (rc_has(&g->e[i], RC_UNTAINTED) &&
		    !rc_str_eq(g->e[i].a->client_status, ALLOC_CLIENT_UNKNOWN))
			n++;
	return n;
}

int rc_compute_stop(struct rc_ctx *c, struct rc_group *g,
                    struct rc_names *names)
{
	size_t running, remove;
	unsigned *buf;
	int rc = ERR_OK;
	for (size_t i = 0; i < g->n; i++)
		if (rc_has(&g->e[i], RC_LOST) &&
		    rc_stop_entry(c, g, &g->e[i], ALLOC_CLIENT_LOST,
		                  RECONCILE_DESC_LOST) != ERR_OK)
			return ERR_NOMEM;
	running = rc_running(g);
	if (running <= rc_group_count(g))
		return ERR_OK;
	remove = running - rc_group_count(g);
	buf = mem_malloc(remove * sizeof *buf);
	if (buf == NULL)
		return ERR_NOMEM;
	if (rc_count(g, RC_MIGRATE) > 0)
		rc = rc_stop_migrating(c, g, names, &remove, buf);
	if (rc == ERR_OK && remove > 0)
		rc = rc_stop_untainted(c, g, names, remove, buf);
	mem_free(buf);
	return rc;
}

/* ---- updates ------------------------------------------------------------ */

static enum reconcile_update_kind rc_update_kind(const struct rc_ctx *c,
                                                 const struct rc_group *g,
                                                 const struct allocation *a)
{
	if (c->in->update != NULL)
		return c->in->update(c->in->update_data, a, c->in->job, g->tg);
	return reconcile_update_default(a, c->in->job, g->tg);
}

int rc_compute_updates(struct rc_ctx *c, struct rc_group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		struct rc_entry *e = &g->e[i];
		if (!rc_has(e, RC_UNTAINTED) || rc_has(e, RC_STOP))
			continue;
		switch (rc_update_kind(c, g, e->a)) {
		case RECONCILE_UPDATE_IGNORE: g->d->ignore++; break;
		case RECONCILE_UPDATE_DESTRUCTIVE:
			e->flags |= RC_DESTRUCT;
			break;
		case RECONCILE_UPDATE_INPLACE:
			if (rc_add_update(c, true, e->a, g->tg) != ERR_OK)
				return ERR_NOMEM;
			e->flags |= RC_INPLACE;
			g->d->in_place_update++;
			break;
		}
	}
	return ERR_OK;
}

int rc_compute_destructive(struct rc_ctx *c, struct rc_group *g, size_t limit)
{
	for (size_t i = 0; i < g->n; i++) {
		if (!rc_has(&g->e[i], RC_DESTRUCT))
			continue;
		if (limit == 0) {
			g->d->ignore++;
			continue;
		}
		if (rc_add_update(c, false, g->e[i].a, g->tg) != ERR_OK)
			return ERR_NOMEM;
		g->d->destructive_update++;
		limit--;
	}
	return ERR_OK;
}

/* ---- placements --------------------------------------------------------- */

/* New names for what is still missing after reschedules and lost
 * replacements. */
static int rc_place_new(struct rc_ctx *c, struct rc_group *g,
                        struct rc_names *names, size_t k)
{
	unsigned *idx;
	int rc = ERR_OK;
	if (k == 0)
		return ERR_OK;
	idx = mem_malloc(k * sizeof *idx);
	if (idx == NULL)
		return ERR_NOMEM;
	rc = rc_names_next(names, k, idx);
	for (size_t i = 0; i < k && rc == ERR_OK; i++)
		rc = rc_add_place(c, g->tg, idx[i], NULL, RC_PLACE_NEW);
	mem_free(idx);
	return rc;
}

/* Stops the failed allocations that were rescheduled. */
static int rc_stop_rescheduled(struct rc_ctx *c, struct rc_group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct rc_entry *e = &g->e[i];
		if (!rc_has(e, RC_NOW) || rc_has(e, RC_MIGRATE) ||
		    rc_str_eq(e->a->client_status, ALLOC_CLIENT_UNKNOWN))
			continue;
		if (rc_add_stop(c, e->a, NULL, RECONCILE_DESC_RESCHEDULED))
			return ERR_NOMEM;
		g->d->stop++;
	}
	return ERR_OK;
}

int rc_compute_place(struct rc_ctx *c, struct rc_group *g,
                     struct rc_names *names, size_t *placed)
{
	size_t start = c->res->pub.nplace;
	size_t count = rc_group_count(g);
	size_t existing = rc_count(g, RC_UNTAINTED) + rc_count(g, RC_MIGRATE);
	for (size_t i = 0; i < g->n; i++) {
		if (!rc_has(&g->e[i], RC_NOW))
			continue;
		existing++;
		if (rc_add_place(c, g->tg, g->e[i].idx, g->e[i].a,
		                 RC_PLACE_RESCHEDULE) != ERR_OK)
			return ERR_NOMEM;
	}
	for (size_t i = 0; i < g->n && existing < count; i++) {
		if (!rc_has(&g->e[i], RC_LOST))
			continue;
		existing++;
		if (rc_add_place(c, g->tg, g->e[i].idx, g->e[i].a,
		                 RC_PLACE_LOST) != ERR_OK)
			return ERR_NOMEM;
	}
	if (rc_place_new(c, g, names,
	                 existing < count ? count - existing : 0) != ERR_OK)
		return ERR_NOMEM;
	*placed = c->res->pub.nplace - start;
	g->d->place += *placed;
	return rc_stop_rescheduled(c, g);
}

/* Whether a migrating batch allocation leaves without a replacement: the
 * reschedule logic places it (`alloc stop`), or the batch drainer said
 * not to. */
static bool rc_migrate_no_place(const struct allocation *a)
{
	const struct desired_transition *dt = &a->desired_transition;
	if (a->job == NULL || !rc_str_eq(a->job->type, JOB_TYPE_BATCH))
		return false;
	return rc_opt_true(&dt->reschedule) ||
	       rc_opt_true(&dt->migrate_disable_placement);
}

int rc_compute_migrations(struct rc_ctx *c, struct rc_group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		struct rc_entry *e = &g->e[i];
		if (!rc_has(e, RC_MIGRATE) || rc_has(e, RC_STOP))
			continue;
		g->d->migrate++;
		if (rc_add_stop(c, e->a, NULL, RECONCILE_DESC_MIGRATING))
			return ERR_NOMEM;
		if (rc_migrate_no_place(e->a))
			continue;
		if (rc_add_place(c, g->tg, e->idx, e->a, RC_PLACE_MIGRATE))
			return ERR_NOMEM;
	}
	return ERR_OK;
}
