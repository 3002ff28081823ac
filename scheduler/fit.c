/* scheduler/fit.c: the plan applier's per-node check (Nomad's
 * evaluateNodePlan and AllocsFit), see fit.h. */
#include "scheduler/fit.h"

#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/netidx.h"
#include "scheduler/rank.h"
#include "scheduler/sched_int.h"

/* One proposed allocation of the node, by ID. */
struct fit_ent {
	const char *id;
	const struct allocation *a;
	UT_hash_handle hh;
};

struct fit_set {
	struct fit_ent *head;
	int rc;
};

/* ---- the proposed set ---------------------------------------------------- */

static void set_del(struct fit_set *s, const char *id)
{
	struct fit_ent *e = NULL;
	SCHED_HASH_FIND_STR(s->head, sched_str(id), e);
	if (e != NULL) {
		HASH_DEL(s->head, e);
		mem_free(e);
	}
}

/* Adds a (replacing an entry with its ID); terminal ones are left out. */
static void set_put(struct fit_set *s, const struct allocation *a)
{
	struct fit_ent *e;
	set_del(s, a->id);
	if (allocation_terminal(a) || s->rc != 0)
		return;
	e = mem_calloc(1, sizeof *e);
	if (e == NULL) {
		s->rc = ERR_NOMEM;
		return;
	}
	e->id = sched_str(a->id);
	e->a = a;
	SCHED_HASH_ADD_STR(s->head, id, e);
	if (!SCHED_HASH_ADDED(e)) {
		mem_free(e);
		s->rc = ERR_NOMEM;
	}
}

static bool set_has(const struct fit_set *s, const char *id)
{
	struct fit_ent *e = NULL;
	SCHED_HASH_FIND_STR(s->head, sched_str(id), e);
	return e != NULL;
}

static void set_release(struct fit_set *s)
{
	struct fit_ent *e, *tmp;
	HASH_ITER(hh, s->head, e, tmp)
	{
		HASH_DEL(s->head, e);
		mem_free(e);
	}
}

static bool set_visit(void *data, const struct allocation *a)
{
	set_put(data, a);
	return true;
}

/* Stops, preemptions and replacements of pn leave, its placements come. */
static void set_apply(struct fit_set *s, const struct plan_node *pn)
{
	struct allocation *const *v;
	size_t n;
	v = plan_node_stops(pn, &n);
	for (size_t i = 0; i < n; i++)
		set_del(s, v[i]->id);
	v = plan_node_preempts(pn, &n);
	for (size_t i = 0; i < n; i++)
		set_del(s, v[i]->id);
	v = plan_node_places(pn, &n);
	for (size_t i = 0; i < n; i++)
		if (v[i]->id != NULL) /* else in the store already (its shell,
		                       * fsm_plan_apply_local) */
			set_put(s, v[i]);
}

/* The node's allocations after the store and the accepted plans. */
static void set_build(struct fit_set *s, const struct store *st,
                      const char *node_id, const struct plan *const *acc,
                      size_t nacc)
{
	store_each_node_alloc(st, node_id, set_visit, s);
	for (size_t i = 0; i < nacc; i++) {
		const struct plan_node *pn = plan_node_find(acc[i], node_id);
		if (pn != NULL)
			set_apply(s, pn);
	}
}

/* ---- AllocsFit ----------------------------------------------------------- */

static void usage_of(const struct fit_set *s, struct sched_usage *u)
{
	memset(u, 0, sizeof *u);
	for (const struct fit_ent *e = s->head; e != NULL; e = e->hh.next)
		if (!allocation_client_terminal(e->a))
			plan_alloc_usage_add(u, e->a);
}

/* A reserved core given to two allocations. */
static bool cores_overlap(const struct fit_set *s)
{
	unsigned char seen[1024] = {0};
	for (const struct fit_ent *e = s->head; e != NULL; e = e->hh.next) {
		const struct allocated_resources *ar =
		    e->a->allocated_resources;
		for (size_t t = 0; ar != NULL && t < ar->tasks.n; t++) {
			const struct value *c =
			    &ar->tasks.v[t].val.cpu.reserved_cores;
			for (size_t k = 0;
			     c->kind == VALUE_LIST && k < c->u.list.n; k++) {
				int64_t core = c->u.list.v[k].u.i;
				if (core < 0 || core >= 1024)
					continue;
				if (seen[core]++)
					return true;
			}
		}
	}
	return false;
}

/* The first exhausted dimension, in Nomad's order; NULL when it fits. */
static const char *fit_dimension(const struct node *n, const struct fit_set *s)
{
	struct sched_usage cap, used;
	if (cores_overlap(s))
		return "cores";
	rank_node_capacity(n, &cap);
	usage_of(s, &used);
	if (cap.nallocs != 0 && cap.nallocs < used.nallocs)
		return "max allocation exceeded";
	if (cap.cpu < used.cpu)
		return "cpu";
	if (used.cores > 0 && cap.cores < used.cores)
		return "cores";
	if (cap.memory_mb < used.memory_mb)
		return "memory";
	if (cap.disk_mb < used.disk_mb)
		return "disk";
	return NULL;
}

static bool bandwidth_exceeded(const struct netidx *x)
{
	for (size_t i = 0; i < x->ntasknets; i++)
		if (x->tasknets[i].mbits > 0 &&
		    x->tasknets[i].used_mbits > x->tasknets[i].mbits)
			return true;
	return false;
}

/* Ports: the node's reserved ports parse and no two allocations share a
 * port. 0 (reason[0] set when it does not fit) or ERR_NOMEM. */
static int fit_ports(const struct node *n, const struct fit_set *s,
                     char *reason)
{
	struct netidx x;
	struct err e;
	int rc = netidx_init(&x, n, &e);
	if (rc == ERR_INVAL) {
		snprintf(reason, FIT_REASON_MAX,
		         "reserved node port collision: %.400s", e.msg);
		return 0;
	}
	if (rc != 0)
		return rc;
	for (const struct fit_ent *it = s->head; it != NULL; it = it->hh.next)
		if ((rc = netidx_add_alloc(&x, it->a)) != 0)
			break;
	if (rc == 0 && netidx_collision(&x))
		snprintf(reason, FIT_REASON_MAX,
		         "reserved alloc port collision: %s",
		         x.collision_reason);
	else if (rc == 0 && bandwidth_exceeded(&x))
		snprintf(reason, FIT_REASON_MAX, "bandwidth exceeded");
	netidx_release(&x);
	return rc;
}

/* A device instance given to two allocations. */
static bool devices_oversubscribed(const struct fit_set *s)
{
	struct strlist seen = {0};
	bool over = false;
	for (const struct fit_ent *e = s->head; e != NULL && !over;
	     e = e->hh.next) {
		const struct allocated_resources *ar =
		    e->a->allocated_resources;
		for (size_t t = 0; ar != NULL && t < ar->tasks.n && !over;
		     t++) {
			const struct allocated_device_resource_list *d =
			    &ar->tasks.v[t].val.devices;
			for (size_t k = 0; k < d->n && !over; k++)
				for (size_t j = 0; j < d->v[k].device_ids.n;
				     j++) {
					const char *id =
					    d->v[k].device_ids.v[j];
					if (strlist_contains(&seen, id) ||
					    strlist_push(&seen, id) != 0) {
						over = true;
						break;
					}
				}
		}
	}
	strlist_release(&seen);
	return over;
}

static int allocs_fit(const struct node *n, const struct fit_set *s,
                      char *reason)
{
	const char *dim = fit_dimension(n, s);
	int rc;
	reason[0] = '\0';
	if (dim != NULL) {
		snprintf(reason, FIT_REASON_MAX, "%s", dim);
		return 0;
	}
	rc = fit_ports(n, s, reason);
	if (rc == 0 && reason[0] == '\0' && devices_oversubscribed(s))
		snprintf(reason, FIT_REASON_MAX, "device oversubscribed");
	return rc;
}

/* ---- evaluateNodePlan ---------------------------------------------------- */

/* Every placement has client status status (NULL: any client-terminal
 * one): nothing to fit, only status updates. */
static bool places_all(const struct plan_node *pn, const char *status)
{
	size_t n;
	struct allocation *const *v = plan_node_places(pn, &n);
	for (size_t i = 0; i < n; i++)
		if (status != NULL ? !sched_str_eq(v[i]->client_status, status)
		                   : !allocation_client_terminal(v[i]))
			return false;
	return true;
}

/* The node's status alone decides: 1 fits, 0 rejected (reason set), -1
 * go on with the fit. */
static int node_verdict(const struct node *n, const struct plan_node *pn,
                        char *reason)
{
	const char *st = sched_str(n != NULL ? n->status : NULL);
	const char *why = NULL;
	if (places_all(pn, NULL))
		return 1;
	if (n == NULL)
		why = FIT_REASON_NO_NODE;
	else if (strcmp(st, NODE_STATUS_DOWN) == 0)
		why = places_all(pn, ALLOC_CLIENT_LOST) ? NULL
		                                        : FIT_REASON_NOT_READY;
	else if (strcmp(st, NODE_STATUS_DISCONNECTED) == 0)
		why = places_all(pn, ALLOC_CLIENT_UNKNOWN)
		          ? NULL
		          : FIT_REASON_DISCONNECTED;
	else if (strcmp(st, NODE_STATUS_READY) == 0)
		return -1;
	else
		why = FIT_REASON_NOT_READY;
	if (why == NULL)
		return 1;
	snprintf(reason, FIT_REASON_MAX, "%s", why);
	return 0;
}

/* Ineligible, or draining (Nomad marks a draining node ineligible). */
static bool node_ineligible(const struct node *n)
{
	return sched_str_eq(n->scheduling_eligibility, NODE_INELIGIBLE) ||
	       n->drain_strategy != NULL;
}

/* Every placement updates an allocation the node already runs. */
static bool places_subset(const struct plan_node *pn, const struct fit_set *s)
{
	size_t n;
	struct allocation *const *v = plan_node_places(pn, &n);
	for (size_t i = 0; i < n; i++)
		if (!set_has(s, v[i]->id))
			return false;
	return true;
}

static int fit_proposed(const struct store *st, const struct node *n,
                        const struct plan_node *pn,
                        const struct plan *const *acc, size_t nacc, bool *fits,
                        char *reason)
{
	struct fit_set s = {0};
	int rc;
	set_build(&s, st, n->id, acc, nacc);
	if (s.rc == 0 && places_subset(pn, &s)) {
		*fits = true;
	} else if (s.rc == 0 && node_ineligible(n)) {
		snprintf(reason, FIT_REASON_MAX, "%s", FIT_REASON_NOT_ELIGIBLE);
	} else if (s.rc == 0) {
		set_apply(&s, pn);
		if (s.rc == 0 && (rc = allocs_fit(n, &s, reason)) != 0)
			s.rc = rc;
		*fits = s.rc == 0 && reason[0] == '\0';
	}
	rc = s.rc;
	set_release(&s);
	return rc;
}

int fit_node(const struct store *s, const struct plan_node *pn,
             const struct plan *const *accepted, size_t n, bool *fits,
             char *reason)
{
	const struct node *node;
	int v;
	size_t np = 0;
	*fits = false;
	reason[0] = '\0';
	plan_node_places(pn, &np);
	if (np == 0) {
		*fits = true;
		return 0;
	}
	node = store_node(s, plan_node_id(pn));
	v = node_verdict(node, pn, reason);
	if (v >= 0) {
		*fits = v == 1;
		return 0;
	}
	return fit_proposed(s, node, pn, accepted, n, fits, reason);
}

/* ---- whole plans --------------------------------------------------------- */

struct fit_walk {
	const struct store *s;
	const struct plan *const *acc;
	size_t nacc;
	struct fit_result *out;
	bool all_at_once;
	int rc;
};

static int reject_add(struct fit_result *r, const char *node_id,
                      const char *reason)
{
	struct fit_reject *v = mem_realloc(r->v, (r->n + 1) * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	r->v = v;
	v[r->n].node_id = mem_strdup(sched_str(node_id));
	v[r->n].reason = mem_strdup(sched_str(reason));
	r->n++;
	if (v[r->n - 1].node_id == NULL || v[r->n - 1].reason == NULL)
		return ERR_NOMEM;
	return 0;
}

static bool walk_node(void *data, const struct plan_node *pn)
{
	struct fit_walk *w = data;
	char reason[FIT_REASON_MAX];
	bool fits = false;
	w->rc = fit_node(w->s, pn, w->acc, w->nacc, &fits, reason);
	if (w->rc == 0 && !fits)
		w->rc = reject_add(w->out, plan_node_id(pn), reason);
	return w->rc == 0;
}

/* AllAtOnce: every other node is rejected with the first. */
static bool walk_all(void *data, const struct plan_node *pn)
{
	struct fit_walk *w = data;
	if (!fit_result_rejected(w->out, plan_node_id(pn)))
		w->rc = reject_add(w->out, plan_node_id(pn),
		                   FIT_REASON_ALL_AT_ONCE);
	return w->rc == 0;
}

int fit_plan(const struct store *s, const struct plan *p,
             const struct plan *const *accepted, size_t n,
             struct fit_result *out)
{
	struct fit_walk w = {s, accepted, n, out, false, 0};
	memset(out, 0, sizeof *out);
	plan_each_node(p, walk_node, &w);
	if (w.rc == 0 && out->n > 0 && plan_all_at_once(p)) {
		out->all_rejected = true;
		plan_each_node(p, walk_all, &w);
	}
	if (w.rc != 0)
		fit_result_release(out);
	return w.rc;
}

bool fit_result_rejected(const struct fit_result *r, const char *node_id)
{
	for (size_t i = 0; i < r->n; i++)
		if (sched_str_eq(r->v[i].node_id, node_id))
			return true;
	return false;
}

void fit_result_release(struct fit_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		mem_free(r->v[i].node_id);
		mem_free(r->v[i].reason);
	}
	mem_free(r->v);
	memset(r, 0, sizeof *r);
}

/* ---- the accepted part --------------------------------------------------- */

struct copy_walk {
	struct plan *q;
	const struct fit_result *r;
	int rc;
};

static int copy_places(struct plan *q, const struct plan_node *pn)
{
	size_t n;
	struct allocation *const *v = plan_node_places(pn, &n);
	for (size_t i = 0; i < n; i++) {
		struct allocation *c = mem_calloc(1, sizeof *c);
		if (c == NULL ||
		    schema_copy(&allocation_schema, c, v[i]) != 0) {
			mem_free(c);
			return ERR_NOMEM;
		}
		if (plan_place(q, c) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

/* Stops and preemptions are re-made from their copies: with no client
 * status or follow-up given, plan_stop keeps the copy's own. */
static int copy_stops(struct plan *q, const struct plan_node *pn)
{
	size_t n;
	struct allocation *const *v = plan_node_stops(pn, &n);
	for (size_t i = 0; i < n; i++)
		if (plan_stop(q, v[i], v[i]->desired_description, NULL, NULL, 0,
		              NULL) != 0)
			return ERR_NOMEM;
	v = plan_node_preempts(pn, &n);
	for (size_t i = 0; i < n; i++)
		if (plan_preempt(q, v[i], v[i]->preempted_by_allocation) != 0)
			return ERR_NOMEM;
	return 0;
}

static bool copy_node(void *data, const struct plan_node *pn)
{
	struct copy_walk *w = data;
	if (fit_result_rejected(w->r, plan_node_id(pn)))
		return true;
	w->rc = copy_stops(w->q, pn);
	if (w->rc == 0)
		w->rc = copy_places(w->q, pn);
	return w->rc == 0;
}

int fit_plan_accepted(const struct plan *p, const struct fit_result *r,
                      struct plan **out)
{
	struct plan *q = NULL;
	struct copy_walk w = {0};
	*out = NULL;
	if (plan_create(plan_store(p), plan_eval_id(p), plan_priority(p),
	                plan_job(p), &q) != 0)
		return ERR_NOMEM;
	plan_set_all_at_once(q, plan_all_at_once(p));
	w.q = q;
	w.r = r;
	/* plan_annotations only hands out the slot: reading through it
	 * does not change p. */
	if (value_copy(plan_annotations(q),
	               plan_annotations((struct plan *)p)) != 0)
		w.rc = ERR_NOMEM;
	if (w.rc == 0 && !r->all_rejected)
		plan_each_node(p, copy_node, &w);
	if (w.rc != 0) {
		plan_destroy(q);
		return ERR_NOMEM;
	}
	*out = q;
	return 0;
}
