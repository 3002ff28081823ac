/* scheduler/select.c: the stack: candidate nodes, per group compiled
 * state, node-only verdict caches and class eligibility (one select:
 * select_walk.c). */
#include "scheduler/select.h"

#include <math.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/select_int.h"

const char SEL_PASS[] = "";

/* ---- candidates -----------------------------------------------------------
 */

static size_t limit_for(enum select_mode mode, size_t n)
{
	size_t limit = 2;
	if (mode == SELECT_SYSTEM)
		return n;
	if (mode == SELECT_SERVICE && n > 0) {
		size_t log_limit = (size_t)ceil(log2((double)n));
		if (log_limit > limit)
			limit = log_limit;
	}
	return limit;
}

/* Drops every per-candidate verdict (the candidates changed). */
static int caches_reset(struct select_stack *st)
{
	mem_free(st->job_cache);
	st->job_cache = mem_calloc(st->n + 1, sizeof *st->job_cache);
	if (st->job_cache == NULL)
		return ERR_NOMEM;
	for (struct sel_group *g = st->groups; g != NULL; g = g->next) {
		mem_free(g->cache);
		g->cache = mem_calloc(st->n + 1, sizeof *g->cache);
		if (g->cache == NULL)
			return ERR_NOMEM;
	}
	return 0;
}

int select_stack_set_nodes(struct select_stack *st,
                           const struct node *const *nodes, size_t n)
{
	const struct node **v = mem_calloc(n + 1, sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	if (n > 0)
		memcpy(v, nodes, n * sizeof *v);
	mem_free(st->nodes);
	st->nodes = v;
	st->n = n;
	st->offset = 0;
	st->limit = limit_for(st->mode, n);
	return caches_reset(st);
}

const struct node *const *select_stack_nodes(const struct select_stack *st,
                                             size_t *n)
{
	*n = st->n;
	return st->nodes;
}

size_t select_stack_limit(const struct select_stack *st)
{
	return st->limit;
}

const struct value *select_stack_nodes_by_dc(const struct select_stack *st)
{
	return &st->ready.by_dc;
}

/* ---- escaped constraints ---------------------------------------------------
 */

static bool list_escapes(const struct constraint_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (feasible_target_escapes(l->v[i].ltarget) ||
		    feasible_target_escapes(l->v[i].rtarget))
			return true;
	return false;
}

static bool group_escapes(const struct task_group *tg)
{
	if (list_escapes(&tg->constraints))
		return true;
	for (size_t i = 0; i < tg->tasks.n; i++)
		if (list_escapes(&tg->tasks.v[i].constraints))
			return true;
	for (size_t i = 0; i < tg->volumes.n; i++)
		if (sched_str_eq(tg->volumes.v[i].val.type, VOLUME_TYPE_CSI))
			return true;
	return false;
}

static bool job_escapes(const struct job *job)
{
	if (list_escapes(&job->constraints))
		return true;
	for (size_t i = 0; i < job->task_groups.n; i++)
		if (group_escapes(&job->task_groups.v[i]))
			return true;
	return false;
}

/* ---- life cycle --------------------------------------------------------- */

int select_stack_create(struct sched_ctx *ctx, const struct job *job,
                        enum select_mode mode, struct select_stack **out)
{
	struct select_stack *st = mem_calloc(1, sizeof *st);
	int rc;
	*out = NULL;
	if (st == NULL)
		return ERR_NOMEM;
	st->ctx = ctx;
	st->job = job;
	st->mode = mode;
	st->escaped = job_escapes(job);
	rc = sched_nodes_ready(ctx->store, &job->datacenters, job->node_pool,
	                       &st->ready);
	if (rc == 0 && mode != SELECT_SYSTEM)
		sched_rng_shuffle(&ctx->rng, (void **)st->ready.v, st->ready.n);
	if (rc == 0)
		rc = select_stack_set_nodes(st, st->ready.v, st->ready.n);
	if (rc != 0) {
		select_stack_destroy(st);
		return rc;
	}
	*out = st;
	return 0;
}

static void classes_free(struct sel_class_ent **head)
{
	struct sel_class_ent *e, *tmp;
	HASH_ITER(hh, *head, e, tmp)
	{
		HASH_DELETE(hh, *head, e);
		mem_free(e->cls);
		mem_free(e);
	}
}

static void group_free(struct sel_group *g)
{
	feasible_group_destroy(g->fg);
	rank_ask_destroy(g->ask);
	rank_spread_destroy(g->spread);
	mem_free(g->aff);
	mem_free(g->cache);
	classes_free(&g->classes);
	mem_free(g);
}

void select_stack_destroy(struct select_stack *st)
{
	if (st == NULL)
		return;
	while (st->groups != NULL) {
		struct sel_group *g = st->groups;
		st->groups = g->next;
		group_free(g);
	}
	classes_free(&st->classes);
	mem_free(st->job_cache);
	mem_free(st->pool);
	mem_free(st->nodes);
	sched_nodes_release(&st->ready);
	mem_free(st);
}

/* ---- groups ---------------------------------------------------------------
 */

static int aff_add(struct sel_group *g, const struct affinity_list *l)
{
	const struct affinity **v;
	if (l->n == 0)
		return 0;
	v = mem_realloc(g->aff, (g->naff + l->n) * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	g->aff = v;
	for (size_t i = 0; i < l->n; i++)
		g->aff[g->naff++] = &l->v[i];
	return 0;
}

static int group_compile(struct select_stack *st, struct sel_group *g)
{
	const struct task_group *tg = g->tg;
	struct sched_ctx *ctx = st->ctx;
	bool generic = st->mode != SELECT_SYSTEM;
	if (feasible_group_create(ctx, st->job, tg, &g->fg) != 0 ||
	    rank_ask_create(tg, ctx->config.memory_oversubscription, &g->ask) !=
	        0)
		return ERR_NOMEM;
	g->cache = mem_calloc(st->n + 1, sizeof *g->cache);
	if (g->cache == NULL)
		return ERR_NOMEM;
	if (!generic)
		return 0;
	if (rank_spread_create(ctx, st->job, tg, &g->spread) != 0 ||
	    aff_add(g, &st->job->affinities) != 0 ||
	    aff_add(g, &tg->affinities) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < tg->tasks.n; i++)
		if (aff_add(g, &tg->tasks.v[i].affinities) != 0)
			return ERR_NOMEM;
	return 0;
}

struct sel_group *sel_group_get(struct select_stack *st,
                                const struct task_group *tg)
{
	struct sel_group *g;
	for (g = st->groups; g != NULL; g = g->next)
		if (g->tg == tg)
			return g;
	g = mem_calloc(1, sizeof *g);
	if (g == NULL)
		return NULL;
	g->tg = tg;
	if (group_compile(st, g) != 0) {
		group_free(g);
		return NULL;
	}
	g->next = st->groups;
	st->groups = g;
	return g;
}

/* ---- class eligibility -----------------------------------------------------
 */

/* Nomad: a failure marks the class ineligible, a success marks it eligible
 * if nothing was known. */
static void class_note(struct sel_class_ent **head, const char *cls, bool ok)
{
	struct sel_class_ent *e = NULL;
	if (cls == NULL || *cls == '\0')
		return;
	SCHED_HASH_FIND_STR(*head, cls, e);
	if (e == NULL) {
		e = mem_calloc(1, sizeof *e);
		if (e == NULL || (e->cls = mem_strdup(cls)) == NULL) {
			mem_free(e);
			return;
		}
		SCHED_HASH_ADD_STR(*head, cls, e);
		if (!SCHED_HASH_ADDED(e)) {
			mem_free(e->cls);
			mem_free(e);
			return;
		}
	}
	if (!ok)
		e->status = SEL_CLASS_INELIGIBLE;
	else if (e->status == SEL_CLASS_UNKNOWN)
		e->status = SEL_CLASS_ELIGIBLE;
}

static const char *job_verdict(struct select_stack *st, struct sel_group *g,
                               const struct node *n, size_t idx)
{
	const char *v = idx < st->n ? st->job_cache[idx] : NULL;
	if (v != NULL)
		return v;
	v = feasible_group_check_job(g->fg, n);
	if (!feasible_group_job_escaped(g->fg))
		class_note(&st->classes, n->computed_class, v == NULL);
	v = v != NULL ? v : SEL_PASS;
	if (idx < st->n)
		st->job_cache[idx] = v;
	return v;
}

static const char *group_verdict(struct sel_group *g, const struct node *n,
                                 size_t idx, size_t ncand)
{
	const char *v = idx < ncand ? g->cache[idx] : NULL;
	if (v != NULL)
		return v;
	v = feasible_group_check_tg(g->fg, n);
	if (!feasible_group_tg_escaped(g->fg))
		class_note(&g->classes, n->computed_class, v == NULL);
	v = v != NULL ? v : SEL_PASS;
	if (idx < ncand)
		g->cache[idx] = v;
	return v;
}

const char *sel_static_check(struct select_stack *st, struct sel_group *g,
                             const struct node *n, size_t idx)
{
	const char *v = job_verdict(st, g, n, idx);
	if (v == SEL_PASS)
		v = group_verdict(g, n, idx, st->n);
	return v == SEL_PASS ? NULL : v;
}

static int put_bool(struct value *out, const char *cls, bool b)
{
	struct value *slot = (struct value *)value_map_get(out, cls);
	if (slot == NULL && (slot = value_map_append(out, cls)) == NULL)
		return ERR_NOMEM;
	slot->kind = VALUE_BOOL;
	slot->u.b = b;
	return 0;
}

/* Nomad's GetClasses: groups first (eligible wins), then the job
 * (ineligible wins). */
int select_stack_class_eligibility(const struct select_stack *st,
                                   struct value *out)
{
	const struct sel_class_ent *e;
	out->kind = VALUE_MAP;
	for (const struct sel_group *g = st->groups; g != NULL; g = g->next)
		for (e = g->classes; e != NULL; e = e->hh.next)
			if ((e->status == SEL_CLASS_ELIGIBLE ||
			     (e->status == SEL_CLASS_INELIGIBLE &&
			      value_map_get(out, e->cls) == NULL)) &&
			    put_bool(out, e->cls,
			             e->status == SEL_CLASS_ELIGIBLE) != 0)
				goto nomem;
	for (e = st->classes; e != NULL; e = e->hh.next)
		if ((e->status == SEL_CLASS_INELIGIBLE ||
		     (e->status == SEL_CLASS_ELIGIBLE &&
		      value_map_get(out, e->cls) == NULL)) &&
		    put_bool(out, e->cls, e->status == SEL_CLASS_ELIGIBLE) != 0)
			goto nomem;
	return 0;
nomem:
	value_release(out);
	return ERR_NOMEM;
}

bool select_stack_escaped(const struct select_stack *st)
{
	return st->escaped;
}
