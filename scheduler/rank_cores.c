/* scheduler/rank_cores.c: reserving whole CPU cores for tasks that ask for
 * `cores` (a simple version of Nomad's core selector: no NUMA). */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/plan.h"
#include "scheduler/rank_int.h"
#include "scheduler/sched_int.h"

struct cores_used {
	uint8_t *used;
	int64_t total;
};

static void mark(struct cores_used *c, const struct value *l)
{
	if (l->kind != VALUE_LIST)
		return;
	for (size_t i = 0; i < l->u.list.n; i++) {
		const struct value *v = &l->u.list.v[i];
		if (v->kind == VALUE_INT && v->u.i >= 0 && v->u.i < c->total)
			c->used[v->u.i] = 1;
	}
}

static bool mark_alloc(void *data, const struct allocation *a)
{
	const struct allocated_resources *ar = a->allocated_resources;
	if (ar == NULL || allocation_client_terminal(a))
		return true;
	for (size_t i = 0; i < ar->tasks.n; i++)
		mark(data, &ar->tasks.v[i].val.cpu.reserved_cores);
	return true;
}

static int pick(struct cores_used *c, int64_t want, struct rank_offer *o)
{
	o->core_ids = mem_calloc((size_t)want + 1, sizeof *o->core_ids);
	if (o->core_ids == NULL)
		return ERR_NOMEM;
	for (int64_t i = 0; i < c->total && (int64_t)o->ncore_ids < want; i++)
		if (!c->used[i])
			o->core_ids[o->ncore_ids++] = i;
	return 0;
}

int rank_assign_cores(struct sched_ctx *ctx, const struct node *n,
                      const struct rank_ask *ask, struct rank_offer *o,
                      char *dim)
{
	const struct node_resources *r = n->node_resources;
	struct cores_used c = {0};
	int rc;
	if (ask->ncores == 0)
		return 0;
	c.total = r != NULL ? r->cpu.total_cpu_cores : 0;
	if (c.total < ask->ncores)
		goto exhausted;
	c.used = mem_calloc((size_t)c.total, 1);
	if (c.used == NULL)
		return ERR_NOMEM;
	if (n->reserved_resources != NULL)
		mark(&c, &n->reserved_resources->cpu.reserved_cpu_cores);
	rc = plan_each_proposed(ctx->plan, n, mark_alloc, &c);
	if (rc == 0)
		rc = pick(&c, ask->ncores, o);
	mem_free(c.used);
	if (rc != 0)
		return rc;
	o->mhz_per_core = r->cpu.cpu_shares / c.total;
	if ((int64_t)o->ncore_ids == ask->ncores)
		return 0;
exhausted:
	snprintf(dim, RANK_DIM_MAX, "cores");
	return ERR_CONFLICT;
}
