/* scheduler/system.c: the system and sysbatch scheduler (Nomad's
 * SystemScheduler and its node reconciler, without deployments or
 * preemption): one allocation of every group on every ready node of the
 * job's datacenters and pool.
 *
 * Per node and group ("<job>.<group>[0]"): a live allocation is stopped
 * when the job no longer wants it or the node left the job's
 * datacenters or pool, lost on a down or missing node, left alone on a
 * node that is draining, disconnected, not ready or ineligible, updated
 * when it runs an older job version (in place when the tasks did not
 * change and it still fits, else stopped and replaced), kept otherwise.
 * A ready node without a live allocation gets one, except, for sysbatch,
 * where one already finished with this job version. Nodes that fail the
 * constraints, drivers or other checks are skipped silently; a node
 * without room is a failed placement (FailedTGAllocs) and makes a
 * blocked evaluation for that node. Destructive updates all happen at
 * once (no max_parallel without deployments). */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/sched_int.h"
#include "scheduler/scheduler_int.h"

enum sys_kind { SYS_PLACE, SYS_UPDATE, SYS_DONE };

/* A placement or an update of group gi on node. */
struct sys_tuple {
	enum sys_kind kind;
	size_t gi;
	const struct node *node;
	const struct allocation *alloc; /* update: existing; place: previous */
};

struct sys_group {
	const struct task_group *tg;
	char *name;
	size_t placed, existing, filtered;
	struct alloc_metric filtered_metric;
};

/* The allocations of one node. */
struct sys_node {
	const char *node_id;
	const struct allocation **v;
	size_t n;
	UT_hash_handle hh;
};

struct sys {
	struct sched_eval *se;
	struct sys_group *g;
	size_t ng;
	const struct node **ready; /* the job's candidates, ID order */
	size_t nready;
	struct sys_node *by_node;
	struct reconcile_node *tainted;
	size_t ntainted;
	struct sys_tuple *t;
	size_t nt, capt;
};

/* ---- set up -------------------------------------------------------------- */

static int sys_groups(struct sys *s)
{
	const struct job *job = s->se->job;
	size_t n = s->se->stopped ? 0 : job->task_groups.n;
	s->g = mem_calloc(n + 1, sizeof *s->g);
	if (s->g == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct task_group *tg = &job->task_groups.v[i];
		if (tg->count.v <= 0)
			continue;
		s->g[s->ng].tg = tg;
		s->g[s->ng].name = alloc_name_format(job->id, tg->name, 0);
		if (s->g[s->ng++].name == NULL)
			return ERR_NOMEM;
	}
	return 0;
}

static int sys_ready(struct sys *s)
{
	const struct node *const *v;
	if (s->se->st == NULL)
		return 0;
	v = select_stack_nodes(s->se->st, &s->nready);
	s->ready = mem_calloc(s->nready + 1, sizeof *s->ready);
	if (s->ready == NULL)
		return ERR_NOMEM;
	memcpy(s->ready, v, s->nready * sizeof *s->ready);
	return 0;
}

static int sys_index_one(struct sys *s, const struct allocation *a)
{
	const char *id = sched_str(a->node_id);
	struct sys_node *e = NULL;
	const struct allocation **v;
	SCHED_HASH_FIND_STR(s->by_node, id, e);
	if (e == NULL) {
		if ((e = mem_calloc(1, sizeof *e)) == NULL)
			return ERR_NOMEM;
		e->node_id = id;
		SCHED_HASH_ADD_STR(s->by_node, node_id, e);
		if (!SCHED_HASH_ADDED(e)) {
			mem_free(e);
			return ERR_NOMEM;
		}
	}
	v = mem_realloc(e->v, (e->n + 1) * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	e->v = v;
	v[e->n++] = a;
	return 0;
}

static int sys_index(struct sys *s)
{
	for (size_t i = 0; i < s->se->allocs.n; i++)
		if (sys_index_one(s, s->se->allocs.v[i]) != 0)
			return ERR_NOMEM;
	return 0;
}

static void sys_release(struct sys *s)
{
	struct sys_node *e, *tmp;
	HASH_ITER(hh, s->by_node, e, tmp)
	{
		HASH_DELETE(hh, s->by_node, e);
		mem_free(e->v);
		mem_free(e);
	}
	for (size_t i = 0; i < s->ng; i++) {
		mem_free(s->g[i].name);
		schema_release(&alloc_metric_schema, &s->g[i].filtered_metric);
	}
	mem_free(s->g);
	mem_free(s->ready);
	mem_free(s->tainted);
	mem_free(s->t);
}

/* ---- classification ------------------------------------------------------ */

static int sys_tuple_add(struct sys *s, enum sys_kind kind, size_t gi,
                         const struct node *n, const struct allocation *a)
{
	if (s->nt == s->capt) {
		size_t cap = s->capt != 0 ? s->capt * 2 : 16;
		struct sys_tuple *v = mem_realloc(s->t, cap * sizeof *v);
		if (v == NULL)
			return ERR_NOMEM;
		s->t = v;
		s->capt = cap;
	}
	s->t[s->nt++] = (struct sys_tuple){kind, gi, n, a};
	return 0;
}

/* The group index the allocation's name stands for, or -1. */
static long sys_required(const struct sys *s, const struct allocation *a)
{
	for (size_t i = 0; i < s->ng; i++)
		if (sched_str_eq(s->g[i].name, a->name))
			return (long)i;
	return -1;
}

static const struct node *sys_ready_find(const struct sys *s, const char *id)
{
	size_t lo = 0, hi = s->nready;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sched_str(s->ready[mid]->id), sched_str(id));
		if (c == 0)
			return s->ready[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool sys_job_changed(const struct sys *s, const struct allocation *a)
{
	const struct job *job = s->se->job;
	return a->job == NULL ||
	       a->job->job_modify_index != job->job_modify_index ||
	       a->job->version != job->version;
}

static int sys_stop(struct sys *s, const struct allocation *a, const char *desc,
                    const char *client_status)
{
	struct reconcile_desired *d = so_desired(s->se, a->task_group);
	if (d == NULL)
		return ERR_NOMEM;
	if (sched_str_eq(desc, RECONCILE_DESC_NODE_TAINTED))
		d->migrate++;
	else
		d->stop++;
	return plan_stop(s->se->out->plan, a, desc, client_status, NULL,
	                 s->se->rq->now, NULL);
}

static int sys_ignore(struct sys *s, const struct allocation *a, long gi)
{
	struct reconcile_desired *d = so_desired(s->se, a->task_group);
	if (d == NULL)
		return ERR_NOMEM;
	d->ignore++;
	if (gi >= 0)
		s->g[gi].existing++;
	return 0;
}

/* Nomad's diffSystemAllocsForNode for one live allocation. */
static int sys_live(struct sys *s, const struct allocation *a)
{
	long gi = sys_required(s, a);
	const struct reconcile_node *tn =
	    se_tainted_find(s->tainted, s->ntainted, a->node_id);
	const struct node *n;
	if (gi < 0)
		return sys_stop(s, a, RECONCILE_DESC_NOT_NEEDED, NULL);
	if (a->desired_transition.migrate.set &&
	    a->desired_transition.migrate.v)
		return sys_stop(s, a, RECONCILE_DESC_NODE_TAINTED, NULL);
	if (tn != NULL) {
		if (tn->status == NULL || node_status_terminal(tn->status))
			return sys_stop(s, a, RECONCILE_DESC_LOST,
			                ALLOC_CLIENT_LOST);
		return sys_ignore(s, a, gi);
	}
	n = store_node(s->se->rq->store, sched_str(a->node_id));
	if (n != NULL && !node_ready(n))
		return sys_ignore(s, a, gi);
	if ((n = sys_ready_find(s, a->node_id)) == NULL)
		return sys_stop(s, a, RECONCILE_DESC_NOT_NEEDED, NULL);
	if (sys_job_changed(s, a)) {
		s->g[gi].existing++;
		return sys_tuple_add(s, SYS_UPDATE, (size_t)gi, n, a);
	}
	return sys_ignore(s, a, gi);
}

static int sys_classify_live(struct sys *s)
{
	for (size_t i = 0; i < s->se->allocs.n; i++) {
		const struct allocation *a = s->se->allocs.v[i];
		if (!allocation_terminal(a) && sys_live(s, a) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

/* What node e holds under name: live (true) or the newest terminal. */
static bool sys_on_node(const struct sys_node *e, const char *name,
                        const struct allocation **term)
{
	*term = NULL;
	for (size_t i = 0; e != NULL && i < e->n; i++) {
		const struct allocation *a = e->v[i];
		if (!sched_str_eq(a->name, name))
			continue;
		if (!allocation_terminal(a))
			return true;
		if (*term == NULL || (*term)->create_index < a->create_index)
			*term = a;
	}
	return false;
}

static int sys_wanted(struct sys *s, const struct node *n, size_t gi)
{
	const struct sys_node *e = NULL;
	const struct allocation *term;
	SCHED_HASH_FIND_STR(s->by_node, sched_str(n->id), e);
	if (sys_on_node(e, s->g[gi].name, &term))
		return 0;
	if (term != NULL && sched_str_eq(s->se->ev->type, JOB_TYPE_SYSBATCH)) {
		if (!sys_job_changed(s, term))
			return sys_ignore(s, term, (long)gi);
		s->g[gi].existing++;
		return sys_tuple_add(s, SYS_UPDATE, gi, n, term);
	}
	return sys_tuple_add(s, SYS_PLACE, gi, n, term);
}

static int sys_classify_nodes(struct sys *s)
{
	for (size_t i = 0; i < s->nready; i++) {
		if (se_tainted_find(s->tainted, s->ntainted, s->ready[i]->id))
			continue;
		for (size_t gi = 0; gi < s->ng; gi++)
			if (sys_wanted(s, s->ready[i], gi) != 0)
				return ERR_NOMEM;
	}
	return 0;
}

/* ---- updates ------------------------------------------------------------- */

/* In place when the tasks did not change and it still fits (a terminal
 * sysbatch allocation needs nothing then); else stopped and replaced. */
static int sys_update(struct sys *s, struct sys_tuple *t)
{
	const struct task_group *tg = s->g[t->gi].tg;
	const struct allocation *a = t->alloc;
	struct reconcile_desired *d = so_desired(s->se, tg->name);
	bool done = allocation_terminal(a);
	if (d == NULL)
		return ERR_NOMEM;
	if (a->job != NULL && !tasks_updated(s->se->job, a->job, tg->name)) {
		if (!done && se_inplace(s->se, a, t->node, tg, &done) != 0)
			return ERR_NOMEM;
		if (done) {
			d->in_place_update++;
			t->kind = SYS_DONE;
			return 0;
		}
	}
	d->destructive_update++;
	t->kind = SYS_PLACE;
	if (allocation_terminal(a))
		return 0;
	return plan_stop(s->se->out->plan, a, RECONCILE_DESC_UPDATING, NULL,
	                 NULL, s->se->rq->now, NULL);
}

static int sys_updates(struct sys *s)
{
	for (size_t i = 0; i < s->nt; i++)
		if (s->t[i].kind == SYS_UPDATE && sys_update(s, &s->t[i]) != 0)
			return ERR_NOMEM;
	return 0;
}

/* ---- placements ---------------------------------------------------------- */

/* Nomad's mergeNodeFiltered: the filter counts of every node. */
static int sys_merge_filtered(struct sys_group *g, struct alloc_metric *m)
{
	struct alloc_metric *acc = &g->filtered_metric;
	const struct value *maps[2] = {&m->class_filtered,
	                               &m->constraint_filtered};
	struct value *into[2] = {&acc->class_filtered,
	                         &acc->constraint_filtered};
	if (g->filtered++ == 0) {
		*acc = *m;
		memset(m, 0, sizeof *m);
		return 0;
	}
	acc->nodes_evaluated += m->nodes_evaluated;
	acc->nodes_filtered += m->nodes_filtered;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0;
		     maps[k]->kind == VALUE_MAP && i < maps[k]->u.map.n; i++)
			if (alloc_metric_count_add(
			        into[k], maps[k]->u.map.v[i].key,
			        maps[k]->u.map.v[i].val.u.i) != 0)
				return ERR_NOMEM;
	return 0;
}

static int sys_not_placed(struct sys *s, const struct sys_tuple *t,
                          struct select_result *r)
{
	struct sys_group *g = &s->g[t->gi];
	if (r->metrics.nodes_filtered > 0)
		return sys_merge_filtered(g, &r->metrics);
	if (!so_has_failed(s->se, g->tg->name)) {
		s->se->want_blocked = true;
		snprintf(s->se->blocked_node, sizeof s->se->blocked_node, "%s",
		         sched_str(t->node->id));
	}
	return so_failed(s->se, g->tg, &r->metrics);
}

static int sys_place(struct sys *s, const struct sys_tuple *t)
{
	struct sys_group *g = &s->g[t->gi];
	struct select_options o = {.alloc_name = g->name};
	struct reconcile_desired *d = so_desired(s->se, g->tg->name);
	struct select_result r;
	int rc;
	if (d == NULL || select_stack_set_nodes(s->se->st, &t->node, 1) != 0)
		return ERR_NOMEM;
	rc = select_stack_select(s->se->st, g->tg, &o, &r);
	if (rc != 0)
		return rc;
	if (r.node != NULL) {
		g->placed++;
		d->place++;
		rc = se_place_new(s->se, g->tg, g->name, t->alloc, &r, NULL);
	} else {
		rc = sys_not_placed(s, t, &r);
	}
	select_result_release(&r);
	return rc;
}

/* A group placed nowhere, with nothing running anywhere, because every
 * node was filtered out: reported with the filter counts (no blocked
 * evaluation: more capacity would not help). */
static int sys_all_filtered(struct sys *s)
{
	for (size_t i = 0; i < s->ng; i++) {
		struct sys_group *g = &s->g[i];
		if (g->placed > 0 || g->existing > 0 || g->filtered == 0 ||
		    so_has_failed(s->se, g->tg->name))
			continue;
		if (so_failed(s->se, g->tg, &g->filtered_metric) != 0 ||
		    se_count(&s->se->queued, g->tg->name, -1) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

static int sys_placements(struct sys *s)
{
	for (size_t i = 0; i < s->nt; i++)
		if (s->t[i].kind == SYS_PLACE && sys_place(s, &s->t[i]) != 0)
			return ERR_NOMEM;
	return sys_all_filtered(s);
}

/* Every group of the job in the annotations, even with nothing to do. */
static int sys_desired_groups(struct sys *s)
{
	for (size_t i = 0; i < s->ng; i++)
		if (so_desired(s->se, s->g[i].tg->name) == NULL)
			return ERR_NOMEM;
	return 0;
}

int sched_system(struct sched_eval *se)
{
	struct sys s = {.se = se};
	int rc = sys_groups(&s);
	se->want_blocked = false;
	if (rc == 0)
		rc = sys_ready(&s);
	if (rc == 0)
		rc = sys_index(&s);
	if (rc == 0)
		rc = se_tainted(se, &s.tainted, &s.ntainted);
	if (rc == 0)
		rc = se_mark_lost(se, s.tainted, s.ntainted);
	if (rc == 0)
		rc = sys_desired_groups(&s);
	if (rc == 0)
		rc = sys_classify_live(&s);
	if (rc == 0)
		rc = sys_classify_nodes(&s);
	if (rc == 0)
		rc = sys_updates(&s);
	if (rc == 0)
		rc = sys_placements(&s);
	sys_release(&s);
	return rc;
}
