/* scheduler/plan.c: the plan of one evaluation: per node placements, stops
 * and preemptions, and the change log. */
#include "scheduler/plan.h"

#include <string.h>

#include "lib/mem.h"
#include "scheduler/plan_int.h"

/* ---- lists and log --------------------------------------------------------
 */

static int list_reserve(struct plan_list *l, size_t extra)
{
	size_t cap = l->cap ? l->cap : 4;
	struct allocation **v;
	if (l->cap - l->n >= extra)
		return 0;
	while (cap - l->n < extra)
		cap *= 2;
	v = mem_realloc(l->v, cap * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	l->v = v;
	l->cap = cap;
	return 0;
}

/* Callers reserve first: this cannot fail then. */
static void list_push(struct plan_list *l, struct allocation *a)
{
	l->v[l->n++] = a;
}

static void list_free(struct plan_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		allocation_free(l->v[i]);
	mem_free(l->v);
	memset(l, 0, sizeof *l);
}

static int ops_reserve(struct plan *p, size_t extra)
{
	size_t cap = p->capops ? p->capops : 64;
	struct plan_op *v;
	if (p->capops - p->nops >= extra)
		return 0;
	while (cap - p->nops < extra)
		cap *= 2;
	v = mem_realloc(p->ops, cap * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	p->ops = v;
	p->capops = cap;
	return 0;
}

/* Callers reserve first: this cannot fail then. */
static void log_op(struct plan *p, enum plan_op_kind kind,
                   const struct allocation *a)
{
	p->ops[p->nops].kind = kind;
	p->ops[p->nops++].alloc = a;
}

/* Makes room for one more entry in l and extra_ops log entries. */
static int reserve(struct plan *p, struct plan_list *l, size_t extra_ops)
{
	if (list_reserve(l, 1) != 0 || ops_reserve(p, extra_ops) != 0)
		return ERR_NOMEM;
	return 0;
}

/* ---- life cycle --------------------------------------------------------- */

int plan_create(const struct store *s, const char *eval_id, int64_t priority,
                const struct job *job, struct plan **out)
{
	struct plan *p = mem_calloc(1, sizeof *p);
	*out = NULL;
	if (p == NULL)
		return ERR_NOMEM;
	p->eval_id = mem_strdup(sched_str(eval_id));
	if (p->eval_id == NULL) {
		mem_free(p);
		return ERR_NOMEM;
	}
	p->store = s;
	p->priority = priority;
	p->job = job;
	p->snapshot_index = s != NULL ? store_latest_index(s) : 0;
	*out = p;
	return 0;
}

static void pnode_free(struct plan_node *pn)
{
	plan_cache_release(&pn->cache);
	list_free(&pn->place);
	list_free(&pn->stop);
	list_free(&pn->preempt);
	mem_free(pn->node_id);
	mem_free(pn);
}

void plan_destroy(struct plan *p)
{
	struct plan_node *pn, *tmp;
	if (p == NULL)
		return;
	plan_forget_nodes(p);
	HASH_ITER(hh, p->nodes, pn, tmp)
	{
		HASH_DELETE(hh, p->nodes, pn);
		pnode_free(pn);
	}
	list_free(&p->graveyard);
	mem_free(p->ops);
	value_release(&p->annotations);
	mem_free(p->eval_id);
	mem_free(p);
}

const struct store *plan_store(const struct plan *p)
{
	return p->store;
}

const char *plan_eval_id(const struct plan *p)
{
	return p->eval_id;
}

int64_t plan_priority(const struct plan *p)
{
	return p->priority;
}

uint64_t plan_snapshot_index(const struct plan *p)
{
	return p->snapshot_index;
}

const struct job *plan_job(const struct plan *p)
{
	return p->job;
}

void plan_set_job(struct plan *p, const struct job *job)
{
	p->job = job;
}

bool plan_all_at_once(const struct plan *p)
{
	return p->all_at_once;
}

void plan_set_all_at_once(struct plan *p, bool all)
{
	p->all_at_once = all;
}

struct value *plan_annotations(struct plan *p)
{
	return &p->annotations;
}

/* ---- nodes -------------------------------------------------------------- */

struct plan_node *plan_node_get(const struct plan *p, const char *node_id)
{
	struct plan *mp = (struct plan *)p; /* the lookup cache only */
	struct plan_node *pn = NULL;
	if (node_id == NULL)
		return NULL;
	if (p->last != NULL && strcmp(p->last->node_id, node_id) == 0)
		return p->last;
	SCHED_HASH_FIND_STR(p->nodes, node_id, pn);
	if (pn != NULL)
		mp->last = pn;
	return pn;
}

struct plan_node *plan_node_touch(struct plan *p, const char *node_id)
{
	struct plan_node *pn = plan_node_get(p, node_id);
	if (pn != NULL)
		return pn;
	pn = mem_calloc(1, sizeof *pn);
	if (pn == NULL || (pn->node_id = mem_strdup(node_id)) == NULL) {
		mem_free(pn);
		return NULL;
	}
	SCHED_HASH_ADD_STR(p->nodes, node_id, pn);
	if (!SCHED_HASH_ADDED(pn)) {
		mem_free(pn->node_id);
		mem_free(pn);
		return NULL;
	}
	return pn;
}

static bool has_keys(const struct allocation *a)
{
	return a->id != NULL && *a->id != '\0' && a->node_id != NULL &&
	       *a->node_id != '\0';
}

/* ---- placing ------------------------------------------------------------ */

/* The index of the placement with a's ID on pn, or -1. The node's cache
 * answers for new IDs without a scan of the node's placements. */
static long find_placed(struct plan_node *pn, const char *id)
{
	if (plan_cache_not_placed(pn, id))
		return -1;
	for (size_t i = 0; i < pn->place.n; i++)
		if (strcmp(pn->place.v[i]->id, id) == 0)
			return (long)i;
	return -1;
}

static int replace_placed(struct plan *p, struct plan_node *pn, long i,
                          struct allocation *a)
{
	struct allocation *old = pn->place.v[i];
	if (reserve(p, &p->graveyard, 2) != 0)
		return ERR_NOMEM;
	list_push(&p->graveyard, old);
	log_op(p, PLAN_OP_UNPLACE, old);
	log_op(p, PLAN_OP_PLACE, a);
	pn->place.v[i] = a;
	plan_cache_placed(pn, a);
	return 0;
}

int plan_place(struct plan *p, struct allocation *a)
{
	struct plan_node *pn;
	long i;
	if (!has_keys(a)) {
		allocation_free(a);
		return ERR_INVAL;
	}
	pn = plan_node_touch(p, a->node_id);
	if (pn == NULL || reserve(p, &pn->place, 1) != 0)
		goto nomem;
	i = find_placed(pn, a->id);
	if (i >= 0) {
		if (replace_placed(p, pn, i, a) != 0)
			goto nomem;
		return 0;
	}
	list_push(&pn->place, a);
	log_op(p, PLAN_OP_PLACE, a);
	p->nplace++;
	plan_cache_placed(pn, a);
	return 0;
nomem:
	allocation_free(a);
	return ERR_NOMEM;
}

/* ---- stopping ----------------------------------------------------------- */

static int append_state(struct allocation *a, const char *client_status,
                        int64_t now)
{
	struct alloc_state *v =
	    mem_realloc(a->alloc_states.v, (a->alloc_states.n + 1) * sizeof *v);
	struct alloc_state *st;
	if (v == NULL)
		return ERR_NOMEM;
	a->alloc_states.v = v;
	st = &v[a->alloc_states.n];
	memset(st, 0, sizeof *st);
	st->value = mem_strdup(client_status);
	if (st->value == NULL)
		return ERR_NOMEM;
	st->field = 0;
	st->time = now;
	a->alloc_states.n++;
	return 0;
}

static int set_str(char **dst, const char *v)
{
	char *s = mem_strdup(sched_str(v));
	if (s == NULL)
		return ERR_NOMEM;
	mem_free(*dst);
	*dst = s;
	return 0;
}

/* The stop copy: a without its Job and legacy Resources. */
static struct allocation *stop_copy(const struct allocation *a,
                                    const char *desc, const char *client_status,
                                    const char *followup, int64_t now)
{
	struct allocation tmp = *a, *c = mem_calloc(1, sizeof *c);
	tmp.job = NULL;
	tmp.resources = NULL;
	if (c == NULL || schema_copy(&allocation_schema, c, &tmp) != 0)
		goto nomem;
	if (set_str(&c->desired_status, ALLOC_DESIRED_STOP) != 0 ||
	    set_str(&c->desired_description, desc) != 0)
		goto nomem;
	if (client_status != NULL && *client_status != '\0' &&
	    (set_str(&c->client_status, client_status) != 0 ||
	     append_state(c, client_status, now) != 0))
		goto nomem;
	if (followup != NULL && *followup != '\0' &&
	    set_str(&c->followup_eval_id, followup) != 0)
		goto nomem;
	return c;
nomem:
	allocation_free(c);
	return NULL;
}

/* Appends the owned copy c to list l of its node and logs it. */
static int add_stop(struct plan *p,
                    struct plan_list *(*pick)(struct plan_node *),
                    struct allocation *c, enum plan_op_kind kind)
{
	struct plan_node *pn = plan_node_touch(p, c->node_id);
	if (pn == NULL || reserve(p, pick(pn), 1) != 0) {
		allocation_free(c);
		return ERR_NOMEM;
	}
	list_push(pick(pn), c);
	log_op(p, kind, c);
	plan_cache_stopped(pn, c->id);
	return 0;
}

static struct plan_list *pick_stop(struct plan_node *pn)
{
	return &pn->stop;
}

static struct plan_list *pick_preempt(struct plan_node *pn)
{
	return &pn->preempt;
}

int plan_stop(struct plan *p, const struct allocation *a, const char *desc,
              const char *client_status, const char *followup_eval_id,
              int64_t now, struct allocation **out)
{
	struct allocation *c;
	if (out != NULL)
		*out = NULL;
	if (!has_keys(a))
		return ERR_INVAL;
	c = stop_copy(a, desc, client_status, followup_eval_id, now);
	if (c == NULL || add_stop(p, pick_stop, c, PLAN_OP_STOP) != 0)
		return ERR_NOMEM;
	p->nstop++;
	if (out != NULL)
		*out = c;
	return 0;
}

static struct allocation *preempt_copy(const struct allocation *a,
                                       const char *by)
{
	struct allocation *c = mem_calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	if (set_str(&c->id, a->id) || set_str(&c->job_id, a->job_id) ||
	    set_str(&c->namespace, a->namespace) ||
	    set_str(&c->node_id, a->node_id) ||
	    set_str(&c->task_group, a->task_group) ||
	    set_str(&c->desired_status, ALLOC_DESIRED_EVICT) ||
	    set_str(&c->preempted_by_allocation, by))
		goto nomem;
	c->desired_description =
	    mem_asprintf("Preempted by alloc ID %s", sched_str(by));
	if (c->desired_description == NULL)
		goto nomem;
	if (a->allocated_resources != NULL) {
		c->allocated_resources =
		    mem_calloc(1, sizeof *c->allocated_resources);
		if (c->allocated_resources == NULL ||
		    schema_copy(&allocated_resources_schema,
		                c->allocated_resources,
		                a->allocated_resources) != 0)
			goto nomem;
	}
	return c;
nomem:
	allocation_free(c);
	return NULL;
}

int plan_preempt(struct plan *p, const struct allocation *a,
                 const char *by_alloc_id)
{
	struct allocation *c;
	if (!has_keys(a))
		return ERR_INVAL;
	c = preempt_copy(a, by_alloc_id);
	if (c == NULL || add_stop(p, pick_preempt, c, PLAN_OP_PREEMPT) != 0)
		return ERR_NOMEM;
	p->npreempt++;
	return 0;
}

bool plan_pop_stop(struct plan *p, const struct allocation *a)
{
	struct plan_node *pn;
	struct allocation *last;
	if (!has_keys(a) || (pn = plan_node_get(p, a->node_id)) == NULL ||
	    pn->stop.n == 0)
		return false;
	last = pn->stop.v[pn->stop.n - 1];
	if (strcmp(last->id, a->id) != 0 || reserve(p, &p->graveyard, 1) != 0)
		return false;
	pn->stop.n--;
	p->nstop--;
	list_push(&p->graveyard, last);
	log_op(p, PLAN_OP_UNSTOP, last);
	plan_cache_unstopped(pn, last->id);
	return true;
}

/* ---- reading ------------------------------------------------------------ */

static bool node_empty(const struct plan_node *pn)
{
	return pn->place.n == 0 && pn->stop.n == 0 && pn->preempt.n == 0;
}

void plan_each_node(const struct plan *p, plan_node_fn fn, void *data)
{
	for (const struct plan_node *pn = p->nodes; pn != NULL;
	     pn = pn->hh.next)
		if (!node_empty(pn) && !fn(data, pn))
			return;
}

const struct plan_node *plan_node_find(const struct plan *p,
                                       const char *node_id)
{
	return plan_node_get(p, sched_str(node_id));
}

const char *plan_node_id(const struct plan_node *pn)
{
	return pn->node_id;
}

struct allocation *const *plan_node_places(const struct plan_node *pn,
                                           size_t *n)
{
	*n = pn->place.n;
	return pn->place.v;
}

struct allocation *const *plan_node_stops(const struct plan_node *pn, size_t *n)
{
	*n = pn->stop.n;
	return pn->stop.v;
}

struct allocation *const *plan_node_preempts(const struct plan_node *pn,
                                             size_t *n)
{
	*n = pn->preempt.n;
	return pn->preempt.v;
}

size_t plan_count_places(const struct plan *p)
{
	return p->nplace;
}

size_t plan_count_stops(const struct plan *p)
{
	return p->nstop;
}

size_t plan_count_preempts(const struct plan *p)
{
	return p->npreempt;
}

bool plan_is_noop(const struct plan *p)
{
	return p->nplace == 0 && p->nstop == 0 && p->npreempt == 0;
}

const struct plan_op *plan_ops(const struct plan *p, size_t *n)
{
	*n = p->nops;
	return p->ops;
}
