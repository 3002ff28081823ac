/* scheduler/plan_cache.c: the proposed allocations of a node, their summed
 * resources and port index, built on first use and kept up to date as the
 * plan changes. */
#include <string.h>

#include "lib/mem.h"
#include "scheduler/plan_int.h"

/* ---- resources of one allocation ----------------------------------------- */

struct tri {
	int64_t cpu, mem, memmax;
};

static void tri_add(struct tri *a, const struct tri *b)
{
	a->cpu += b->cpu;
	a->mem += b->mem;
	a->memmax += b->memmax;
}

static void tri_max(struct tri *a, const struct tri *b)
{
	if (b->cpu > a->cpu)
		a->cpu = b->cpu;
	if (b->mem > a->mem)
		a->mem = b->mem;
	if (b->memmax > a->memmax)
		a->memmax = b->memmax;
}

static const struct task_lifecycle *
lifecycle_of(const struct allocated_resources *ar, const char *task)
{
	for (size_t i = 0; i < ar->task_lifecycles.n; i++)
		if (sched_str_eq(ar->task_lifecycles.v[i].key, task))
			return &ar->task_lifecycles.v[i].val;
	return NULL;
}

/* Files a task's fungible resources under its lifecycle phases. */
static void file_task(const struct task_lifecycle *lc, const struct tri *x,
                      struct tri *main, struct tri *pre, struct tri *post)
{
	const char *hook = lc != NULL ? sched_str(lc->hook) : "";
	if (*hook == '\0') {
		tri_add(main, x);
	} else if (strcmp(hook, LIFECYCLE_HOOK_PRESTART) == 0) {
		tri_add(pre, x);
		if (lc->sidecar)
			tri_add(main, x);
	} else if (strcmp(hook, LIFECYCLE_HOOK_POSTSTART) == 0) {
		tri_add(main, x);
	} else if (strcmp(hook, LIFECYCLE_HOOK_POSTSTOP) == 0) {
		tri_add(post, x);
	}
}

static void allocated_usage(struct sched_usage *u,
                            const struct allocated_resources *ar)
{
	struct tri main = {0}, pre = {0}, post = {0};
	for (size_t i = 0; i < ar->tasks.n; i++) {
		const struct allocated_task_resources *tr = &ar->tasks.v[i].val;
		const struct value *cores = &tr->cpu.reserved_cores;
		struct tri x = {tr->cpu.cpu_shares, tr->memory.memory_mb,
		                tr->memory.memory_max_mb};
		if (x.memmax < x.mem)
			x.memmax = x.mem;
		if (cores->kind == VALUE_LIST && cores->u.list.n > 0) {
			/* reserved cores are not fungible across phases */
			u->cpu += x.cpu;
			u->cores += (int64_t)cores->u.list.n;
			x.cpu = 0;
		}
		file_task(lifecycle_of(ar, ar->tasks.v[i].key), &x, &main, &pre,
		          &post);
	}
	tri_max(&main, &pre);
	tri_max(&main, &post);
	u->cpu += main.cpu;
	u->memory_mb += main.mem;
	u->memory_max_mb += main.memmax;
	u->disk_mb += ar->shared.disk_mb;
}

static void legacy_usage(struct sched_usage *u, const struct allocation *a)
{
	if (a->resources != NULL) {
		u->cpu += a->resources->cpu;
		u->memory_mb += a->resources->memory_mb;
		u->memory_max_mb += a->resources->memory_mb;
		u->disk_mb += a->resources->disk_mb;
		return;
	}
	for (size_t i = 0; i < a->task_resources.n; i++) {
		const struct resources *r = &a->task_resources.v[i].val;
		u->cpu += r->cpu;
		u->memory_mb += r->memory_mb;
		u->memory_max_mb += r->memory_mb;
	}
	if (a->shared_resources != NULL)
		u->disk_mb += a->shared_resources->disk_mb;
}

void plan_alloc_usage_add(struct sched_usage *u, const struct allocation *a)
{
	u->nallocs++;
	if (a->allocated_resources != NULL)
		allocated_usage(u, a->allocated_resources);
	else
		legacy_usage(u, a);
}

/* Adds (sign 1) or removes (sign -1) a's resources unless it is
 * client-terminal (Nomad's AllocsFit skips those). */
static void usage_apply(struct sched_usage *u, const struct allocation *a,
                        int sign)
{
	struct sched_usage x = {0};
	if (a == NULL || allocation_client_terminal(a))
		return;
	plan_alloc_usage_add(&x, a);
	u->cpu += sign * x.cpu;
	u->cores += sign * x.cores;
	u->memory_mb += sign * x.memory_mb;
	u->memory_max_mb += sign * x.memory_max_mb;
	u->disk_mb += sign * x.disk_mb;
	u->nallocs += sign * x.nallocs;
}

/* ---- the cache ---------------------------------------------------------- */

static void net_drop(struct node_cache *c)
{
	if (c->net_valid && c->net_rc == 0)
		netidx_release(&c->net);
	c->net_valid = false;
	c->net_rc = 0;
}

/* ---- job anti-affinity counts ---------------------------------------------
 */

static bool coll_match(const struct node_cache *c, const struct allocation *a)
{
	return a != NULL && sched_str_eq(a->job_id, c->coll_job) &&
	       sched_str_eq(a->task_group, c->coll_tg);
}

/* Follows one proposed allocation leaving (-1) or coming (+1). */
static void coll_apply(struct node_cache *c, const struct allocation *a,
                       int sign)
{
	if (c->coll_valid && coll_match(c, a))
		c->coll_n += sign;
}

static void coll_drop(struct node_cache *c)
{
	mem_free((char *)c->coll_job);
	mem_free((char *)c->coll_tg);
	c->coll_job = c->coll_tg = NULL;
	c->coll_valid = false;
}

void plan_cache_release(struct node_cache *c)
{
	struct prop_ent *e, *tmp;
	coll_drop(c);
	HASH_ITER(hh, c->set, e, tmp)
	{
		HASH_DELETE(hh, c->set, e);
		mem_free(e);
	}
	net_drop(c);
	memset(c, 0, sizeof *c);
}

static struct prop_ent *ent_find(struct node_cache *c, const char *id)
{
	struct prop_ent *e = NULL;
	SCHED_HASH_FIND_STR(c->set, id, e);
	return e;
}

static struct prop_ent *ent_add(struct node_cache *c, const char *id)
{
	struct prop_ent *e = mem_calloc(1, sizeof *e);
	if (e == NULL)
		return NULL;
	e->id = id;
	SCHED_HASH_ADD_STR(c->set, id, e);
	if (!SCHED_HASH_ADDED(e)) {
		mem_free(e);
		return NULL;
	}
	return e;
}

struct build {
	struct node_cache *c;
	int rc;
};

static bool build_visit(void *data, const struct allocation *a)
{
	struct build *b = data;
	struct prop_ent *e;
	if (allocation_client_terminal(a) || a->id == NULL)
		return true;
	e = ent_add(b->c, a->id);
	if (e == NULL) {
		b->rc = ERR_NOMEM;
		return false;
	}
	e->existing = a;
	return true;
}

static void mark_stopped(struct node_cache *c, const struct plan_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct prop_ent *e = ent_find(c, l->v[i]->id);
		if (e != NULL)
			e->stopped++;
	}
}

static int add_placed(struct node_cache *c, const struct plan_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct prop_ent *e = ent_find(c, l->v[i]->id);
		if (e == NULL && (e = ent_add(c, l->v[i]->id)) == NULL)
			return ERR_NOMEM;
		e->placed = l->v[i];
	}
	return 0;
}

static int cache_build(const struct plan *p, struct plan_node *pn)
{
	struct node_cache *c = &pn->cache;
	struct build b = {c, 0};
	if (c->built)
		return 0;
	if (p->store != NULL)
		store_each_node_alloc(p->store, pn->node_id, build_visit, &b);
	mark_stopped(c, &pn->stop);
	mark_stopped(c, &pn->preempt);
	if (b.rc != 0 || add_placed(c, &pn->place) != 0) {
		plan_cache_release(c);
		return ERR_NOMEM;
	}
	for (struct prop_ent *e = c->set; e != NULL; e = e->hh.next)
		usage_apply(&c->usage, prop_effective(e), 1);
	c->built = true;
	return 0;
}

void plan_cache_placed(struct plan_node *pn, const struct allocation *a)
{
	struct node_cache *c = &pn->cache;
	struct prop_ent *e;
	const struct allocation *old;
	if (!c->built)
		return;
	e = ent_find(c, a->id);
	if (e == NULL && (e = ent_add(c, a->id)) == NULL) {
		plan_cache_release(c);
		return;
	}
	old = prop_effective(e);
	e->placed = a;
	usage_apply(&c->usage, old, -1);
	usage_apply(&c->usage, a, 1);
	coll_apply(c, old, -1);
	coll_apply(c, a, 1);
	if (old != NULL)
		net_drop(c);
	else if (c->net_valid && c->net_rc == 0 &&
	         netidx_add_alloc(&c->net, a) != 0)
		net_drop(c);
}

bool plan_cache_not_placed(struct plan_node *pn, const char *id)
{
	struct prop_ent *e;
	if (!pn->cache.built)
		return false;
	e = ent_find(&pn->cache, id);
	return e == NULL || e->placed == NULL;
}

void plan_cache_stopped(struct plan_node *pn, const char *id)
{
	struct node_cache *c = &pn->cache;
	struct prop_ent *e;
	const struct allocation *old;
	if (!c->built || (e = ent_find(c, id)) == NULL)
		return;
	old = prop_effective(e);
	e->stopped++;
	if (old != NULL && prop_effective(e) == NULL) {
		usage_apply(&c->usage, old, -1);
		coll_apply(c, old, -1);
		net_drop(c);
	}
}

void plan_cache_unstopped(struct plan_node *pn, const char *id)
{
	struct node_cache *c = &pn->cache;
	struct prop_ent *e;
	const struct allocation *now;
	if (!c->built || (e = ent_find(c, id)) == NULL || e->stopped == 0)
		return;
	e->stopped--;
	now = prop_effective(e);
	if (e->stopped > 0 || e->placed != NULL || now == NULL)
		return;
	usage_apply(&c->usage, now, 1);
	coll_apply(c, now, 1);
	if (c->net_valid && c->net_rc == 0 &&
	    netidx_add_alloc(&c->net, now) != 0)
		net_drop(c);
}

/* ---- queries ------------------------------------------------------------ */

static size_t ncache_slot(const struct plan_ncache *nc, const struct node *n)
{
	size_t i = (size_t)(((uintptr_t)n >> 4) * 0x9E3779B97F4A7C15ULL >> 32) &
	           nc->mask;
	while (nc->v[i].n != NULL && nc->v[i].n != n)
		i = (i + 1) & nc->mask;
	return i;
}

/* Makes room for one more entry; false on oom (the cache is skipped). */
static bool ncache_reserve(struct plan *p)
{
	struct plan_ncache *nc = p->ncache, grown = {0};
	if (nc == NULL) {
		nc = p->ncache = mem_calloc(1, sizeof *nc);
		if (nc == NULL)
			return false;
	}
	if (nc->v != NULL && 2 * (nc->used + 1) <= nc->mask + 1)
		return true;
	grown.mask = nc->v == NULL ? 1023 : 2 * nc->mask + 1;
	grown.v = mem_calloc(grown.mask + 1, sizeof *grown.v);
	if (grown.v == NULL)
		return false;
	for (size_t i = 0; nc->v != NULL && i <= nc->mask; i++)
		if (nc->v[i].n != NULL)
			grown.v[ncache_slot(&grown, nc->v[i].n)] = nc->v[i];
	grown.used = nc->used;
	mem_free(nc->v);
	*nc = grown;
	return true;
}

static struct plan_node *near(struct plan *p, const struct node *n,
                              struct plan_node *pn)
{
	p->near_n = n;
	p->near_pn = pn;
	return pn;
}

/* The node's entry with its cache built; NULL on oom. */
static struct plan_node *cached(struct plan *p, const struct node *n)
{
	struct plan_ncache *nc = p->ncache;
	struct plan_node *pn;
	size_t i;
	if (p->near_n == n)
		return p->near_pn;
	if (nc != NULL && nc->v != NULL) {
		i = ncache_slot(nc, n);
		if (nc->v[i].n == n)
			return near(p, n, nc->v[i].pn);
	}
	pn = plan_node_touch(p, sched_str(n->id));
	if (pn == NULL || cache_build(p, pn) != 0)
		return NULL;
	if (ncache_reserve(p)) {
		nc = p->ncache;
		i = ncache_slot(nc, n);
		nc->v[i].n = n;
		nc->v[i].pn = pn;
		nc->used++;
		near(p, n, pn);
	}
	return pn;
}

void plan_forget_nodes(struct plan *p)
{
	if (p == NULL)
		return;
	p->near_n = NULL;
	p->near_pn = NULL;
	if (p->ncache == NULL)
		return;
	mem_free(p->ncache->v);
	mem_free(p->ncache);
	p->ncache = NULL;
}

int plan_each_proposed(struct plan *p, const struct node *n, plan_alloc_fn fn,
                       void *data)
{
	struct plan_node *pn = cached(p, n);
	if (pn == NULL)
		return ERR_NOMEM;
	for (struct prop_ent *e = pn->cache.set; e != NULL; e = e->hh.next) {
		const struct allocation *a = prop_effective(e);
		if (a != NULL && !fn(data, a))
			break;
	}
	return 0;
}

int plan_node_usage(struct plan *p, const struct node *n,
                    struct sched_usage *out)
{
	struct plan_node *pn = cached(p, n);
	if (pn == NULL)
		return ERR_NOMEM;
	*out = pn->cache.usage;
	return 0;
}

static int net_build(struct node_cache *c, const struct node *n)
{
	int rc = netidx_init(&c->net, n, NULL);
	if (rc == ERR_INVAL) {
		c->net_valid = true;
		c->net_rc = ERR_INVAL;
		return 0;
	}
	if (rc != 0)
		return rc;
	for (struct prop_ent *e = c->set; e != NULL; e = e->hh.next) {
		const struct allocation *a = prop_effective(e);
		if (a != NULL && netidx_add_alloc(&c->net, a) != 0) {
			netidx_release(&c->net);
			return ERR_NOMEM;
		}
	}
	c->net_valid = true;
	c->net_rc = 0;
	return 0;
}

int plan_node_netidx(struct plan *p, const struct node *n,
                     const struct netidx **out)
{
	struct plan_node *pn = cached(p, n);
	*out = NULL;
	if (pn == NULL)
		return ERR_NOMEM;
	if (!pn->cache.net_valid && net_build(&pn->cache, n) != 0)
		return ERR_NOMEM;
	if (pn->cache.net_rc != 0)
		return pn->cache.net_rc;
	*out = &pn->cache.net;
	return 0;
}

int plan_node_collisions(struct plan *p, const struct node *n,
                         const char *job_id, const char *tg, int64_t *out)
{
	struct plan_node *pn = cached(p, n);
	struct node_cache *c;
	*out = 0;
	if (pn == NULL)
		return ERR_NOMEM;
	c = &pn->cache;
	if (!c->coll_valid || !sched_str_eq(c->coll_job, job_id) ||
	    !sched_str_eq(c->coll_tg, tg)) {
		coll_drop(c);
		c->coll_job = mem_strdup(sched_str(job_id));
		c->coll_tg = mem_strdup(sched_str(tg));
		if (c->coll_job == NULL || c->coll_tg == NULL) {
			coll_drop(c);
			return ERR_NOMEM;
		}
		c->coll_n = 0;
		for (struct prop_ent *e = c->set; e != NULL; e = e->hh.next)
			if (coll_match(c, prop_effective(e)))
				c->coll_n++;
		c->coll_valid = true;
	}
	*out = c->coll_n;
	return 0;
}
