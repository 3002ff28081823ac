/* scheduler/select_walk.c: one select: walk the candidates, filter, rank,
 * limit, keep the best (Nomad's iterator chain from the random source to
 * the max score iterator), and report the metrics. */
#include <stdint.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/plan.h"
#include "scheduler/select_int.h"

#define SEL_MAX_SKIP 3
#define SEL_TOP      5
#define SEL_NSCORES  6

struct sel_score {
	const char *name;
	double v;
};

/* A feasible node that fits, with its scores. */
struct sel_option {
	const struct node *node;
	double score;
	struct rank_offer offer;
	struct sel_score scores[SEL_NSCORES];
	size_t nscores;
};

struct walk {
	struct select_stack *st;
	struct sel_group *g;
	const struct select_options *opts;
	const struct node *const *nodes;
	size_t n, visited;
	size_t *offset;
	bool cached;
	struct alloc_metric *m;
	/* options made so far (at most one per node) */
	struct sel_option *pool;
	size_t npool;
	/* the limit iterator */
	size_t limit, seen;
	struct sel_option *skipped[SEL_MAX_SKIP];
	size_t nskipped, skip_index;
	/* the best scores seen (ScoreMetaData), best first */
	struct sel_option *top[SEL_TOP];
	size_t ntop;
	int rc;
};

/* ---- scoring one node ------------------------------------------------------
 */

static void add_score(struct sel_option *o, const char *name, double v)
{
	if (o->nscores < SEL_NSCORES) {
		o->scores[o->nscores].name = name;
		o->scores[o->nscores++].v = v;
	}
}

static bool penalized(const struct select_options *opts, const char *id)
{
	for (size_t i = 0; opts != NULL && i < opts->npenalty; i++)
		if (sched_str_eq(opts->penalty_nodes[i], id))
			return true;
	return false;
}

/* The generic scores after binpack; sum and count of the applied ones. */
static int generic_scores(struct walk *w, struct sel_option *o, double *sum,
                          int *count)
{
	struct sel_group *g = w->g;
	const struct task_group *tg = g->tg;
	int64_t coll;
	double v;
	if (rank_collisions(w->st->ctx, o->node, w->st->job->id, tg->name,
	                    &coll) != 0)
		return ERR_NOMEM;
	v = rank_anti_affinity(coll, tg->count.v);
	add_score(o, RANK_SCORE_ANTI_AFFINITY, v);
	if (coll > 0)
		*sum += v, (*count)++;
	v = penalized(w->opts, o->node->id) ? -1.0 : 0.0;
	add_score(o, RANK_SCORE_RESCHEDULE, v);
	if (v != 0)
		*sum += v, (*count)++;
	v = rank_affinity(w->st->ctx, g->aff, g->naff, o->node);
	add_score(o, RANK_SCORE_AFFINITY, v);
	if (g->naff > 0)
		*sum += v, (*count)++;
	if (!rank_spread_active(g->spread))
		return 0;
	if (rank_spread_score(g->spread, o->node, &v) != 0)
		return ERR_NOMEM;
	if (v != 0) {
		add_score(o, RANK_SCORE_SPREAD, v);
		*sum += v, (*count)++;
	}
	return 0;
}

/* Keeps the SEL_TOP best normalized scores, earlier first on ties. */
static void top_note(struct walk *w, struct sel_option *o)
{
	size_t i = w->ntop;
	if (i == SEL_TOP && w->top[SEL_TOP - 1]->score >= o->score)
		return;
	if (i == SEL_TOP)
		i--;
	while (i > 0 && w->top[i - 1]->score < o->score) {
		w->top[i] = w->top[i - 1];
		i--;
	}
	w->top[i] = o;
	if (w->ntop < SEL_TOP)
		w->ntop++;
}

static int rank_node(struct walk *w, struct sel_option *o)
{
	char dim[RANK_DIM_MAX];
	double fit, sum;
	int count = 1;
	int rc = rank_binpack_offer(w->st->ctx, o->node, w->g->ask, &o->offer,
	                            &fit, dim);
	if (rc == ERR_CONFLICT)
		return sched_metric_exhaust(w->m, o->node, dim) != 0
		           ? ERR_NOMEM
		           : ERR_CONFLICT;
	if (rc != 0)
		return rc;
	sum = fit / RANK_MAX_FIT;
	add_score(o, RANK_SCORE_BINPACK, sum);
	if (w->st->mode != SELECT_SYSTEM &&
	    generic_scores(w, o, &sum, &count) != 0)
		return ERR_NOMEM;
	o->score = sum / count;
	top_note(w, o);
	return 0;
}

/* ---- feasibility of one node ----------------------------------------------
 */

/* 0 feasible, ERR_CONFLICT filtered (recorded), ERR_NOMEM. */
static int feasible(struct walk *w, const struct node *n, size_t idx)
{
	struct sel_group *g = w->g;
	char why[512];
	const char *alloc_name = w->opts != NULL ? w->opts->alloc_name : NULL;
	const char *reason = sel_static_check(w->st, g, n, idx);
	bool ok = true;
	if (reason == NULL)
		reason = feasible_group_check_available(g->fg, n, alloc_name);
	if (reason == NULL) {
		if (feasible_group_check_distinct(g->fg, n, &ok, why,
		                                  sizeof why) != 0)
			return ERR_NOMEM;
		reason = ok ? NULL : why;
	}
	if (reason == NULL)
		return 0;
	return sched_metric_filter(w->m, n, reason) != 0 ? ERR_NOMEM
	                                                 : ERR_CONFLICT;
}

/* ---- the source and the limit -----------------------------------------------
 */

/* The next feasible node that fits, ranked; NULL when every node of the
 * walk was seen (or on error, w->rc set). */
static struct sel_option *source_next(struct walk *w)
{
	while (w->rc == 0 && w->visited < w->n) {
		size_t idx = *w->offset;
		const struct node *n = w->nodes[idx];
		struct sel_option *o;
		int rc;
		*w->offset = (idx + 1) % w->n;
		w->visited++;
		w->m->nodes_evaluated++;
		rc = feasible(w, n, w->cached ? idx : SIZE_MAX);
		if (rc == ERR_CONFLICT)
			continue;
		o = &w->pool[w->npool];
		o->node = n;
		o->score = 0;
		o->nscores = 0;
		rank_offer_init(&o->offer);
		if (rc == 0)
			rc = rank_node(w, o);
		if (rc == 0) {
			w->npool++;
			return o;
		}
		rank_offer_release(&o->offer);
		if (rc != ERR_CONFLICT)
			w->rc = rc;
	}
	return NULL;
}

static struct sel_option *next_option(struct walk *w)
{
	struct sel_option *o = source_next(w);
	if (o == NULL && w->rc == 0 && w->skip_index < w->nskipped)
		return w->skipped[w->skip_index++];
	return o;
}

/* Nomad's LimitIterator: options scoring <= 0 are put aside (at most
 * SEL_MAX_SKIP) and used only when the source runs dry. */
static struct sel_option *limit_next(struct walk *w)
{
	struct sel_option *o;
	if (w->seen == w->limit || (o = next_option(w)) == NULL)
		return NULL;
	while (o != NULL && o->score <= 0 && w->nskipped < SEL_MAX_SKIP) {
		w->skipped[w->nskipped++] = o;
		o = source_next(w);
	}
	w->seen++;
	return o != NULL ? o : next_option(w);
}

static struct sel_option *max_score(struct walk *w)
{
	struct sel_option *best = NULL, *o;
	while ((o = limit_next(w)) != NULL)
		if (best == NULL || o->score > best->score)
			best = o;
	return w->rc == 0 ? best : NULL;
}

/* ---- one walk -------------------------------------------------------------
 */

static size_t group_limit(const struct walk *w)
{
	const struct sched_config *cfg = &w->st->ctx->config;
	const struct sel_group *g = w->g;
	int64_t count = g->tg->count.v;
	if (w->st->mode == SELECT_SYSTEM)
		return SIZE_MAX;
	if (g->naff == 0 && !rank_spread_active(g->spread))
		return w->st->limit;
	if (cfg->affinity_node_limit <= 0)
		return SIZE_MAX;
	return (size_t)(count > cfg->affinity_node_limit
	                    ? count
	                    : cfg->affinity_node_limit);
}

static void walk_release(struct walk *w)
{
	for (size_t i = 0; i < w->npool; i++)
		rank_offer_release(&w->pool[i].offer);
}

/* Options live in the stack's pool, one slot per node of the walk, so
 * pointers to them stay valid during the walk; it only ever grows. */
static int walk_run(struct walk *w, struct sel_option **best)
{
	struct select_stack *st = w->st;
	if (st->cap_pool < w->n + 1) {
		void *v = mem_realloc(st->pool, (w->n + 1) * sizeof *w->pool);
		if (v == NULL)
			return ERR_NOMEM;
		st->pool = v;
		st->cap_pool = w->n + 1;
	}
	w->pool = st->pool;
	w->limit = group_limit(w);
	*best = max_score(w);
	return w->rc;
}

/* ---- the result ------------------------------------------------------------
 */

/* The scores map is sized once (value_map_append grows it by one). */
static int meta_of(const struct sel_option *o, struct node_score_meta *m)
{
	struct value *sc = &m->scores;
	m->node_id = mem_strdup(sched_str(o->node->id));
	if (m->node_id == NULL)
		return ERR_NOMEM;
	m->norm_score = o->score;
	sc->kind = VALUE_MAP;
	if (o->nscores == 0)
		return 0;
	sc->u.map.v = mem_calloc(o->nscores, sizeof *sc->u.map.v);
	if (sc->u.map.v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < o->nscores; i++) {
		struct value_ent *e = &sc->u.map.v[i];
		if ((e->key = mem_strdup(o->scores[i].name)) == NULL)
			return ERR_NOMEM;
		sc->u.map.n++;
		e->val.kind = VALUE_FLOAT;
		e->val.u.f = o->scores[i].v;
	}
	return 0;
}

static int metrics_finish(struct walk *w)
{
	struct alloc_metric *m = w->m;
	struct select_stack *st = w->st;
	size_t keep = w->ntop;
	int max = st->ctx->config.score_meta_max;
	m->nodes_in_pool = (int64_t)st->ready.n;
	m->node_pool = mem_strdup(sched_str(st->job->node_pool));
	if (m->node_pool == NULL ||
	    value_copy(&m->nodes_available, &st->ready.by_dc) != 0)
		return ERR_NOMEM;
	if (max > 0 && (size_t)max < keep)
		keep = (size_t)max;
	m->score_meta_data.v =
	    mem_calloc(keep + 1, sizeof *m->score_meta_data.v);
	if (m->score_meta_data.v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < keep; i++) {
		m->score_meta_data.n++;
		if (meta_of(w->top[i], &m->score_meta_data.v[i]) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

static int result_fill(struct walk *w, const struct sel_option *best,
                       struct select_result *out)
{
	int rc = metrics_finish(w);
	if (rc != 0)
		return rc;
	if (best == NULL)
		return sched_metric_exhaust_resources(w->m, w->g->tg);
	out->node = best->node;
	out->score = best->score;
	return rank_build_resources(w->g->ask, best->node, &best->offer,
	                            &out->resources);
}

/* One walk over nodes; 0 with out filled when a node was found or
 * last is true, ERR_CONFLICT when nothing fit (out untouched). */
static int select_over(struct select_stack *st, struct sel_group *g,
                       const struct select_options *opts,
                       const struct node *const *nodes, size_t n,
                       size_t *offset, bool cached, bool last,
                       struct select_result *out)
{
	struct walk w = {.st = st,
	                 .g = g,
	                 .opts = opts,
	                 .nodes = nodes,
	                 .n = n,
	                 .offset = offset,
	                 .cached = cached,
	                 .m = &out->metrics};
	struct sel_option *best = NULL;
	int rc = walk_run(&w, &best);
	if (rc == 0 && best == NULL && !last)
		rc = ERR_CONFLICT;
	else if (rc == 0)
		rc = result_fill(&w, best, out);
	walk_release(&w);
	return rc;
}

int select_stack_select(struct select_stack *st, const struct task_group *tg,
                        const struct select_options *opts,
                        struct select_result *out)
{
	struct sel_group *g = sel_group_get(st, tg);
	int rc;
	memset(out, 0, sizeof *out);
	if (g == NULL)
		return ERR_NOMEM;
	if (opts != NULL && opts->preferred_node != NULL) {
		size_t off = 0;
		rc = select_over(st, g, opts, &opts->preferred_node, 1, &off,
		                 false, false, out);
		if (rc != ERR_CONFLICT)
			goto out;
		select_result_release(out);
	}
	rc = select_over(st, g, opts, st->nodes, st->n, &st->offset, true, true,
	                 out);
out:
	if (rc != 0)
		select_result_release(out);
	return rc;
}

void select_result_release(struct select_result *r)
{
	schema_release(&allocated_resources_schema, &r->resources);
	schema_release(&alloc_metric_schema, &r->metrics);
	memset(r, 0, sizeof *r);
}
