/* scheduler/outcome.c: what sched_run hands back: the evaluation to write,
 * failed placements and queued counts, the evaluations to create, the
 * plan annotations, and the response's life cycle. */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/sched_int.h"
#include "scheduler/scheduler_int.h"

int so_set_str(char **dst, const char *s)
{
	char *c = NULL;
	if (s != NULL && (c = mem_strdup(s)) == NULL)
		return ERR_NOMEM;
	mem_free(*dst);
	*dst = c;
	return 0;
}

/* By hand: snprintf was a tenth of a placement's cost. */
void sched_new_id(struct sched_rng *rng, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	uint64_t hi = sched_rng_next(rng), lo = sched_rng_next(rng);
	char *p = out;
	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)(hi >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 0x0f];
	}
	*p = '\0';
}

/* ---- failed placements --------------------------------------------------- */

static struct alloc_metric *failed_find(const struct sched_eval *se,
                                        const char *group, size_t *at)
{
	size_t i = 0;
	while (i < se->failed.n && strcmp(se->failed.v[i].key, group) < 0)
		i++;
	if (at != NULL)
		*at = i;
	if (i < se->failed.n && strcmp(se->failed.v[i].key, group) == 0)
		return &se->failed.v[i].val;
	return NULL;
}

bool so_has_failed(const struct sched_eval *se, const char *group)
{
	return failed_find(se, sched_str(group), NULL) != NULL;
}

/* Inserts group -> *m at position at, moving *m. */
static int failed_insert(struct sched_eval *se, const char *group, size_t at,
                         struct alloc_metric *m)
{
	struct alloc_metric_map *f = &se->failed;
	struct alloc_metric_ment *v = mem_realloc(f->v, (f->n + 1) * sizeof *v);
	char *key = mem_strdup(group);
	if (v != NULL)
		f->v = v;
	if (v == NULL || key == NULL) {
		mem_free(key);
		return ERR_NOMEM;
	}
	memmove(&v[at + 1], &v[at], (f->n - at) * sizeof *v);
	v[at].key = key;
	v[at].val = *m;
	memset(m, 0, sizeof *m);
	f->n++;
	return 0;
}

int so_failed(struct sched_eval *se, const struct task_group *tg,
              struct alloc_metric *m)
{
	const char *group = sched_str(tg->name);
	size_t at;
	struct alloc_metric *first = failed_find(se, group, &at);
	int rc;
	if (first != NULL) {
		first->coalesced_failures++;
		rc = sched_metric_exhaust_resources(first, tg);
		schema_release(&alloc_metric_schema, m);
	} else {
		rc = failed_insert(se, group, at, m);
	}
	if (rc != 0) {
		schema_release(&alloc_metric_schema, m);
		return ERR_NOMEM;
	}
	return se_count(&se->queued, group, 1);
}

/* ---- desired updates and annotations ------------------------------------- */

struct reconcile_desired *so_desired(struct sched_eval *se, const char *group)
{
	struct reconcile_group *v;
	for (size_t i = 0; i < se->ndesired; i++)
		if (sched_str_eq(se->desired[i].name, group))
			return &se->desired[i].desired;
	v = mem_realloc(se->desired, (se->ndesired + 1) * sizeof *v);
	if (v == NULL)
		return NULL;
	se->desired = v;
	memset(&v[se->ndesired], 0, sizeof *v);
	v[se->ndesired].name = sched_str(group);
	return &v[se->ndesired++].desired;
}

static int put_count(struct value *m, const char *key, uint64_t n)
{
	struct value *v = value_map_append(m, key);
	if (v == NULL)
		return ERR_NOMEM;
	v->kind = VALUE_INT;
	v->u.i = (int64_t)n;
	return 0;
}

/* One group's DesiredUpdates, with Nomad's field names. */
static int desired_value(struct value *m, const struct reconcile_desired *d)
{
	m->kind = VALUE_MAP;
	if (put_count(m, "Ignore", d->ignore) ||
	    put_count(m, "Place", d->place) ||
	    put_count(m, "Migrate", d->migrate) ||
	    put_count(m, "Stop", d->stop) ||
	    put_count(m, "InPlaceUpdate", d->in_place_update) ||
	    put_count(m, "DestructiveUpdate", d->destructive_update) ||
	    put_count(m, "Canary", d->canary) ||
	    put_count(m, "Preemptions", d->preemptions) ||
	    put_count(m, "Reconnect", d->reconnect) ||
	    put_count(m, "RescheduleNow", d->reschedule_now) ||
	    put_count(m, "RescheduleLater", d->reschedule_later) ||
	    put_count(m, "Disconnect", d->disconnect))
		return ERR_NOMEM;
	return 0;
}

/* {"DesiredTGUpdates": {...}, "PreemptedAllocs": null} into the plan. */
static int annotate(struct sched_eval *se)
{
	struct value *a = plan_annotations(se->out->plan), *tg, *v;
	value_release(a);
	a->kind = VALUE_MAP;
	/* Appending moves the map's entries: tg is looked up last. */
	if (value_map_append(a, "DesiredTGUpdates") == NULL ||
	    value_map_append(a, "PreemptedAllocs") == NULL)
		return ERR_NOMEM;
	tg = (struct value *)value_map_get(a, "DesiredTGUpdates");
	tg->kind = VALUE_MAP;
	for (size_t i = 0; i < se->ndesired; i++)
		if ((v = value_map_append(tg, se->desired[i].name)) == NULL ||
		    desired_value(v, &se->desired[i].desired) != 0)
			return ERR_NOMEM;
	return value_copy(&se->out->eval.plan_annotations, a);
}

/* ---- evaluations --------------------------------------------------------- */

struct evaluation *so_new_eval(struct sched_eval *se)
{
	struct evaluation_list *l = &se->out->new_evals;
	const struct evaluation *ev = se->ev;
	struct evaluation *v = mem_realloc(l->v, (l->n + 1) * sizeof *v), *e;
	char id[37];
	if (v == NULL)
		return NULL;
	l->v = v;
	e = &v[l->n++];
	memset(e, 0, sizeof *e);
	sched_new_id(&se->ctx.rng, id);
	if (so_set_str(&e->id, id) ||
	    so_set_str(&e->namespace, ev->namespace) ||
	    so_set_str(&e->job_id, ev->job_id) ||
	    so_set_str(&e->type, ev->type) ||
	    so_set_str(&e->previous_eval, ev->id))
		return NULL;
	e->priority = ev->priority;
	e->job_modify_index = ev->job_modify_index;
	e->create_time = se->rq->now;
	e->modify_time = se->rq->now;
	return e;
}

/* Moves map src into dst (dst released first). */
static void move_value(struct value *dst, struct value *src)
{
	value_release(dst);
	*dst = *src;
	memset(src, 0, sizeof *src);
}

/* Copies src's FailedTGAllocs, and ClassEligibility unless escaped, with
 * EscapedComputedClass, into the blocked evaluation b. */
static int copy_blocked_fields(struct evaluation *b,
                               const struct evaluation *src)
{
	struct evaluation part = {0}, copy = {0};
	part.failed_tg_allocs = src->failed_tg_allocs;
	if (!src->escaped_computed_class)
		part.class_eligibility = src->class_eligibility;
	if (schema_copy(&evaluation_schema, &copy, &part) != 0)
		return ERR_NOMEM;
	b->failed_tg_allocs = copy.failed_tg_allocs;
	b->class_eligibility = copy.class_eligibility;
	b->escaped_computed_class = src->escaped_computed_class;
	return 0;
}

static int blocked_eval(struct sched_eval *se)
{
	struct evaluation *ev = &se->out->eval;
	struct evaluation *b = so_new_eval(se);
	if (b == NULL || so_set_str(&b->status, EVAL_STATUS_BLOCKED) ||
	    so_set_str(&b->triggered_by, EVAL_TRIGGER_QUEUED_ALLOCS) ||
	    so_set_str(&b->status_description, SCHED_DESC_BLOCKED_PLACEMENTS) ||
	    (se->blocked_node[0] != '\0' &&
	     so_set_str(&b->node_id, se->blocked_node)) ||
	    copy_blocked_fields(b, ev) != 0)
		return ERR_NOMEM;
	return so_set_str(&ev->blocked_eval, b->id);
}

/* ClassEligibility and EscapedComputedClass of the stack. */
static int eligibility(struct sched_eval *se)
{
	struct evaluation *ev = &se->out->eval;
	value_release(&ev->class_eligibility);
	ev->escaped_computed_class = false;
	if (se->st == NULL)
		return 0;
	ev->escaped_computed_class = select_stack_escaped(se->st);
	return select_stack_class_eligibility(se->st, &ev->class_eligibility);
}

/* Every group of the job listed in QueuedAllocations, then moved in. */
static int queued(struct sched_eval *se)
{
	const struct job *job = se->job;
	for (size_t i = 0; job != NULL && i < job->task_groups.n; i++)
		if (se_count(&se->queued, job->task_groups.v[i].name, 0) != 0)
			return ERR_NOMEM;
	if (se->queued.kind == VALUE_NULL)
		se->queued.kind = VALUE_MAP;
	move_value(&se->out->eval.queued_allocations, &se->queued);
	return 0;
}

static void move_failed(struct sched_eval *se)
{
	struct evaluation *ev = &se->out->eval;
	struct evaluation drop = {0};
	drop.failed_tg_allocs = ev->failed_tg_allocs;
	schema_release(&evaluation_schema, &drop);
	ev->failed_tg_allocs = se->failed;
	memset(&se->failed, 0, sizeof se->failed);
}

/* The evaluation's status: complete, or still blocked (Nomad's
 * ReblockEval), and the blocked evaluation when one is due. */
static int conclude(struct sched_eval *se)
{
	struct evaluation *ev = &se->out->eval;
	bool failed = ev->failed_tg_allocs.n > 0;
	bool reblock =
	    failed && sched_str_eq(se->ev->status, EVAL_STATUS_BLOCKED);
	if (failed && eligibility(se) != 0)
		return ERR_NOMEM;
	if (so_set_str(&ev->status,
	               reblock ? EVAL_STATUS_BLOCKED : EVAL_STATUS_COMPLETE) ||
	    so_set_str(&ev->status_description, NULL))
		return ERR_NOMEM;
	if (failed && !reblock && se->want_blocked && !se->rq->dry_run)
		return blocked_eval(se);
	return 0;
}

int so_finish(struct sched_eval *se)
{
	struct evaluation *ev = &se->out->eval;
	if (schema_copy(&evaluation_schema, ev, se->ev) != 0)
		return ERR_NOMEM;
	ev->modify_time = se->rq->now;
	move_failed(se);
	if (queued(se) != 0 || conclude(se) != 0)
		return ERR_NOMEM;
	if (ev->annotate_plan || se->rq->dry_run)
		return annotate(se);
	return 0;
}

int so_fail(struct sched_eval *se, const char *desc)
{
	struct evaluation *ev = &se->out->eval;
	if (schema_copy(&evaluation_schema, ev, se->ev) != 0 ||
	    so_set_str(&ev->status, EVAL_STATUS_FAILED) != 0 ||
	    so_set_str(&ev->status_description, desc) != 0)
		return ERR_NOMEM;
	ev->modify_time = se->rq->now;
	return 0;
}

/* ---- the response -------------------------------------------------------- */

void sched_response_release(struct sched_response *r)
{
	if (r == NULL)
		return;
	plan_destroy(r->plan);
	job_free(r->job);
	schema_release(&evaluation_schema, &r->eval);
	for (size_t i = 0; i < r->new_evals.n; i++)
		schema_release(&evaluation_schema, &r->new_evals.v[i]);
	mem_free(r->new_evals.v);
	memset(r, 0, sizeof *r);
}

int sched_conflict_blocked_eval(const struct evaluation *ev, int64_t now,
                                struct sched_rng *rng, struct evaluation *out)
{
	char id[37];
	memset(out, 0, sizeof *out);
	sched_new_id(rng, id);
	if (so_set_str(&out->id, id) ||
	    so_set_str(&out->namespace, ev->namespace) ||
	    so_set_str(&out->job_id, ev->job_id) ||
	    so_set_str(&out->type, ev->type) ||
	    so_set_str(&out->node_id, ev->node_id) ||
	    so_set_str(&out->status, EVAL_STATUS_BLOCKED) ||
	    so_set_str(&out->triggered_by, EVAL_TRIGGER_MAX_PLANS) ||
	    so_set_str(&out->status_description,
	               SCHED_DESC_BLOCKED_CONFLICTS) ||
	    so_set_str(&out->previous_eval, ev->id) ||
	    copy_blocked_fields(out, ev) != 0) {
		schema_release(&evaluation_schema, out);
		return ERR_NOMEM;
	}
	out->priority = ev->priority;
	out->job_modify_index = ev->job_modify_index;
	out->create_time = now;
	out->modify_time = now;
	return 0;
}
