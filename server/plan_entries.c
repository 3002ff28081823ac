/* server/plan_entries.c: a checked plan as bounded FSM_ALLOC_PLAN bodies
 * (see plan_entries.h). */
#include "server/plan_entries.h"

#include <string.h>

#include "lib/mem.h"

struct split {
	struct plan_entries *out;
	const char *eval_id;
	const struct job *job;
	size_t max, count; /* count: changes in the current body */
	bool oom;
};

static struct fsm_plan *split_body(struct split *sp)
{
	struct plan_entries *e = sp->out;
	struct fsm_plan *v = mem_realloc(e->v, (e->n + 1) * sizeof *v);
	struct fsm_plan_local *l;
	if (v == NULL) {
		sp->oom = true;
		return NULL;
	}
	e->v = v;
	l = mem_realloc(e->local, (e->n + 1) * sizeof *l);
	if (l == NULL) {
		sp->oom = true;
		return NULL;
	}
	e->local = l;
	memset(&l[e->n], 0, sizeof l[e->n]);
	memset(&v[e->n], 0, sizeof v[e->n]);
	v[e->n].eval_id = (char *)sp->eval_id;
	v[e->n].job = (struct job *)sp->job;
	sp->count = 0;
	return &v[e->n++];
}

/* A block of shallow metric copies, one per placement of a node. */
struct entry_metrics {
	struct entry_metrics *next;
	struct alloc_metric v[];
};

/* Placements keep their Metrics with the chosen node's score only
 * (ScoreMetaData[0], the best): the runner-up nodes' scores were half of
 * an entry's bytes and of every server's decoding, and they are kept
 * nowhere else either (Nomad keeps five). */
static void trim(struct split *sp, struct allocation *v, size_t n)
{
	struct entry_metrics *m;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].metrics != NULL && v[i].metrics->score_meta_data.n > 1)
			k++;
	if (k == 0)
		return;
	m = mem_malloc(sizeof *m + k * sizeof m->v[0]);
	if (m == NULL) {
		sp->oom = true;
		return;
	}
	m->next = sp->out->metrics;
	sp->out->metrics = m;
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].metrics == NULL ||
		    v[i].metrics->score_meta_data.n <= 1)
			continue;
		m->v[k] = *v[i].metrics;
		m->v[k].score_meta_data.n = 1;
		v[i].metrics = &m->v[k++];
	}
}

/* The plan's own allocations behind the placements body b gets next
 * (b->updated before they are added). */
static void places_add(struct split *sp, const struct fsm_plan *b,
                       struct allocation *const *src, size_t n)
{
	struct fsm_plan_local *l = &sp->out->local[sp->out->n - 1];
	struct allocation **v;
	if (n == 0 || sp->oom)
		return;
	v = mem_realloc((void *)l->places, (b->updated.n + n) * sizeof *v);
	if (v == NULL) {
		sp->oom = true;
		return;
	}
	memcpy(&v[b->updated.n], src, n * sizeof *v);
	l->places = v;
}

static void list_add(struct split *sp, struct allocation_list *dst,
                     struct allocation *const *src, size_t n)
{
	struct allocation *v;
	if (n == 0 || sp->oom)
		return;
	v = mem_realloc(dst->v, (dst->n + n) * sizeof *v);
	if (v == NULL) {
		sp->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[dst->n + i] = *src[i]; /* shallow: borrowed from the plan */
	dst->v = v;
	dst->n += n;
}

/* Stops and preemptions travel as diffs: only what the FSM merges into
 * the stored allocation (fsm_allocs.c), not the whole copy. */
static void diffs(struct allocation_list *l, size_t from)
{
	for (size_t i = from; i < l->n; i++) {
		const struct allocation a = l->v[i];
		struct allocation *d = &l->v[i];
		memset(d, 0, sizeof *d);
		d->id = a.id;
		d->desired_status = a.desired_status;
		d->desired_description = a.desired_description;
		d->client_status = a.client_status;
		d->followup_eval_id = a.followup_eval_id;
		d->preempted_by_allocation = a.preempted_by_allocation;
		d->alloc_states = a.alloc_states;
		d->modify_time = a.modify_time;
	}
}

static bool split_node(void *data, const struct plan_node *pn)
{
	struct split *sp = data;
	struct allocation *const *places, *const *stops, *const *preempts;
	size_t np, ns, nx, from;
	struct fsm_plan *b;
	places = plan_node_places(pn, &np);
	stops = plan_node_stops(pn, &ns);
	preempts = plan_node_preempts(pn, &nx);
	if (np + ns + nx == 0)
		return true;
	b = &sp->out->v[sp->out->n - 1];
	if (sp->max > 0 && sp->count > 0 && sp->count + np + ns + nx > sp->max)
		b = split_body(sp);
	if (b == NULL)
		return false;
	from = b->updated.n;
	places_add(sp, b, places, np);
	list_add(sp, &b->updated, places, np);
	if (!sp->oom)
		trim(sp, &b->updated.v[from], np);
	from = b->stopped.n;
	list_add(sp, &b->stopped, stops, ns);
	diffs(&b->stopped, from);
	from = b->preempted.n;
	list_add(sp, &b->preempted, preempts, nx);
	diffs(&b->preempted, from);
	sp->count += np + ns + nx;
	return !sp->oom;
}

static int evals_add(struct evaluation_list *dst,
                     const struct evaluation_list *src)
{
	struct evaluation *v;
	if (src == NULL || src->n == 0)
		return ERR_OK;
	v = mem_realloc(dst->v, (dst->n + src->n) * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	memcpy(&v[dst->n], src->v, src->n * sizeof *v); /* shallow */
	dst->v = v;
	dst->n += src->n;
	return ERR_OK;
}

int plan_entries_build(const struct plan *p, const char *eval_id,
                       const struct job *job,
                       const struct evaluation_list *first_evals,
                       const struct evaluation_list *last_evals, size_t max,
                       struct plan_entries *out)
{
	struct split sp = {
	    .out = out, .eval_id = eval_id, .job = job, .max = max};
	memset(out, 0, sizeof *out);
	if (split_body(&sp) == NULL)
		return ERR_NOMEM;
	if (p != NULL)
		plan_each_node(p, split_node, &sp);
	if (sp.oom || evals_add(&out->v[0].evals, first_evals) != ERR_OK ||
	    evals_add(&out->v[out->n - 1].evals, last_evals) != ERR_OK) {
		plan_entries_release(out);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < out->n; i++)
		out->local[i].body = &out->v[i];
	return ERR_OK;
}

void plan_entries_release(struct plan_entries *e)
{
	for (size_t i = 0; i < e->n; i++) {
		mem_free(e->v[i].updated.v);
		mem_free(e->v[i].stopped.v);
		mem_free(e->v[i].preempted.v);
		mem_free(e->v[i].evals.v);
		mem_free((void *)e->local[i].places);
	}
	mem_free(e->v);
	mem_free(e->local);
	while (e->metrics != NULL) {
		struct entry_metrics *next = e->metrics->next;
		mem_free(e->metrics);
		e->metrics = next;
	}
	memset(e, 0, sizeof *e);
}
