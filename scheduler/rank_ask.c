/* scheduler/rank_ask.c: what a task group asks for, and turning a node's
 * offer into the placement's AllocatedResources. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/plan.h"
#include "scheduler/rank_int.h"
#include "scheduler/sched_int.h"

/* ---- building the ask ------------------------------------------------------
 */

static int cmp_task(const void *a, const void *b)
{
	const struct task *x = *(const struct task *const *)a;
	const struct task *y = *(const struct task *const *)b;
	return strcmp(sched_str(x->name), sched_str(y->name));
}

static void task_amounts(const struct task *t, bool oversub,
                         struct allocated_task_resources *tr)
{
	const struct resources *r = t->resources;
	if (r == NULL)
		return;
	tr->cpu.cpu_shares = r->cores > 0 ? 0 : r->cpu; /* cores: per node */
	tr->memory.memory_mb = r->memory_mb + r->secrets_mb;
	if (!oversub)
		return;
	if (r->memory_max_mb > 0)
		tr->memory.memory_max_mb = r->memory_max_mb + r->secrets_mb;
	else if (r->memory_max_mb == -1)
		tr->memory.memory_max_mb = -1;
}

static int add_lifecycle(struct allocated_resources *ar, const struct task *t)
{
	struct task_lifecycle_ment *e =
	    &ar->task_lifecycles.v[ar->task_lifecycles.n];
	e->key = mem_strdup(sched_str(t->name));
	if (e->key == NULL)
		return ERR_NOMEM;
	ar->task_lifecycles.n++;
	return schema_copy(&task_lifecycle_schema, &e->val, t->lifecycle);
}

/* One template entry per task, in name order (maps are sorted). */
static int build_tasks(struct rank_ask *a, const struct task **tasks, size_t n,
                       bool oversub)
{
	struct allocated_resources *ar = &a->tmpl;
	ar->tasks.v = mem_calloc(n + 1, sizeof *ar->tasks.v);
	ar->task_lifecycles.v =
	    mem_calloc(n + 1, sizeof *ar->task_lifecycles.v);
	a->task_net = mem_calloc(n + 1, sizeof *a->task_net);
	a->cores = mem_calloc(n + 1, sizeof *a->cores);
	if (ar->tasks.v == NULL || ar->task_lifecycles.v == NULL ||
	    a->task_net == NULL || a->cores == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct task *t = tasks[i];
		struct allocated_task_resources_ment *e = &ar->tasks.v[i];
		if ((e->key = mem_strdup(sched_str(t->name))) == NULL)
			return ERR_NOMEM;
		ar->tasks.n++;
		task_amounts(t, oversub, &e->val);
		if (t->lifecycle != NULL && add_lifecycle(ar, t) != 0)
			return ERR_NOMEM;
		if (t->resources != NULL && t->resources->cores > 0) {
			a->cores[i] = t->resources->cores;
			a->ncores += t->resources->cores;
		}
		if (t->resources != NULL && t->resources->networks.n > 0) {
			a->task_net[i] = &t->resources->networks.v[0];
			a->any_task_net = true;
		}
	}
	return 0;
}

static int build(struct rank_ask *a, bool oversub)
{
	const struct task_group *tg = a->tg;
	const struct task **tasks = mem_calloc(tg->tasks.n + 1, sizeof *tasks);
	struct allocation tmp = {0};
	int rc;
	if (tasks == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < tg->tasks.n; i++)
		tasks[i] = &tg->tasks.v[i];
	qsort(tasks, tg->tasks.n, sizeof *tasks, cmp_task);
	rc = build_tasks(a, tasks, tg->tasks.n, oversub);
	mem_free(tasks);
	if (rc != 0)
		return rc;
	a->tmpl.shared.disk_mb =
	    tg->ephemeral_disk != NULL ? tg->ephemeral_disk->size_mb : 0;
	a->net = tg->networks.n > 0 ? &tg->networks.v[0] : NULL;
	tmp.allocated_resources = &a->tmpl;
	plan_alloc_usage_add(&a->usage, &tmp);
	return 0;
}

int rank_ask_create(const struct task_group *tg, bool memory_oversubscription,
                    struct rank_ask **out)
{
	struct rank_ask *a = mem_calloc(1, sizeof *a);
	*out = NULL;
	if (a == NULL)
		return ERR_NOMEM;
	a->tg = tg;
	if (build(a, memory_oversubscription) != 0) {
		rank_ask_destroy(a);
		return ERR_NOMEM;
	}
	*out = a;
	return 0;
}

void rank_ask_destroy(struct rank_ask *a)
{
	if (a == NULL)
		return;
	schema_release(&allocated_resources_schema, &a->tmpl);
	mem_free(a->task_net);
	mem_free(a->cores);
	mem_free(a);
}

void rank_ask_usage(const struct rank_ask *a, struct sched_usage *u)
{
	*u = a->usage;
}

const struct sched_usage *rank_ask_usage_ref(const struct rank_ask *a)
{
	return &a->usage;
}

const struct network_resource *rank_ask_network(const struct rank_ask *a)
{
	return a->net;
}

bool rank_ask_needs_ports(const struct rank_ask *a)
{
	return a->net != NULL || a->any_task_net;
}

/* ---- offers ---------------------------------------------------------------
 */

void rank_offer_init(struct rank_offer *o)
{
	memset(o, 0, offsetof(struct rank_offer, port_buf));
}

void rank_offer_release(struct rank_offer *o)
{
	mem_free(o->core_ids);
	if (o->resolved != NULL) {
		schema_release(&network_resource_schema, o->resolved);
		mem_free(o->resolved);
	}
	if (o->ports.v != o->port_buf)
		mem_free(o->ports.v); /* the strings are borrowed */
	for (size_t i = 0; i < o->ntask_nets; i++)
		schema_release(&network_resource_schema, &o->task_nets[i]);
	mem_free(o->task_nets);
	rank_offer_init(o);
}

static bool has_template(const struct port_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *hn = l->v[i].host_network;
		if (hn != NULL && strncmp(hn, "${", 2) == 0)
			return true;
	}
	return false;
}

static int resolve_ports(struct sched_ctx *ctx, const struct node *n,
                         struct port_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		char *hn = l->v[i].host_network, *copy;
		const char *v;
		if (hn == NULL || strncmp(hn, "${", 2) != 0)
			continue;
		if (!feasible_resolve_target(ctx, hn, n, &v))
			return ERR_CONFLICT;
		if ((copy = mem_strdup(v)) == NULL)
			return ERR_NOMEM;
		mem_free(hn);
		l->v[i].host_network = copy;
	}
	return 0;
}

/* Only templated host networks differ per node: the others borrow the
 * group's ask, which saves a deep copy per candidate node. */
int rank_resolve_ask(struct sched_ctx *ctx, const struct node *n,
                     const struct network_resource *net, struct rank_offer *o)
{
	struct network_resource *r;
	int rc;
	o->ask = net;
	if (!has_template(&net->dynamic_ports) &&
	    !has_template(&net->reserved_ports))
		return 0;
	if ((r = mem_calloc(1, sizeof *r)) == NULL)
		return ERR_NOMEM;
	o->resolved = r;
	o->ask = r;
	rc = schema_copy(&network_resource_schema, r, net);
	if (rc == 0)
		rc = resolve_ports(ctx, n, &r->dynamic_ports);
	if (rc == 0)
		rc = resolve_ports(ctx, n, &r->reserved_ports);
	return rc;
}

static int task_nets_on(struct sched_ctx *ctx, const struct rank_ask *ask,
                        struct rank_offer *o, struct netidx *scratch, char *dim)
{
	char why[NETIDX_WHY_MAX];
	for (size_t i = 0; i < ask->tmpl.tasks.n; i++) {
		struct network_resource *offer = &o->task_nets[i];
		int rc;
		if (ask->task_net[i] == NULL)
			continue;
		rc = netidx_assign_task_network(scratch, ask->task_net[i],
		                                &ctx->rng, offer, why);
		if (rc == ERR_CONFLICT) {
			snprintf(dim, RANK_DIM_MAX, "network: %s", why);
			return rc;
		}
		if (rc != 0 || netidx_add_network(scratch, offer, NULL) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

int rank_offer_task_networks(struct sched_ctx *ctx, const struct rank_ask *ask,
                             struct rank_offer *o, char *dim)
{
	struct netidx scratch;
	int rc;
	if (!ask->any_task_net || o->idx == NULL)
		return 0;
	o->task_nets = mem_calloc(ask->tmpl.tasks.n + 1, sizeof *o->task_nets);
	if (o->task_nets == NULL)
		return ERR_NOMEM;
	o->ntask_nets = ask->tmpl.tasks.n;
	if (netidx_copy(&scratch, o->idx) != 0)
		return ERR_NOMEM;
	rc = netidx_add_ports(&scratch, &o->ports, NULL);
	if (rc == 0)
		rc = task_nets_on(ctx, ask, o, &scratch, dim);
	netidx_release(&scratch);
	return rc;
}

/* ---- resources of the placement -------------------------------------------
 */

/* The host IP Nomad records on the shared network. */
static const char *shared_ip(const struct node *n)
{
	const struct node_resources *r = n->node_resources;
	const char *ip = NULL;
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < r->node_networks.n; i++) {
		const struct node_network_resource *nw = &r->node_networks.v[i];
		if (sched_str_eq(nw->mode, NETWORK_MODE_HOST) &&
		    nw->addresses.n > 0)
			return nw->addresses.v[0].address;
	}
	if (r->node_networks.n > 0)
		return NULL;
	for (size_t i = 0; i < r->networks.n; i++)
		if (sched_str_eq(r->networks.v[i].mode, NETWORK_MODE_HOST))
			ip = r->networks.v[i].ip;
	return ip;
}

/* Nomad's AllocatedPortsToNetworkResouce, into the zeroed out. */
static int shared_network(const struct rank_offer *o, const struct node *n,
                          struct network_resource *out)
{
	const char *ip = shared_ip(n);
	if (schema_copy(&network_resource_schema, out, o->ask) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < out->dynamic_ports.n; i++) {
		struct port *p = &out->dynamic_ports.v[i];
		for (size_t j = 0; j < o->ports.n; j++)
			if (sched_str_eq(o->ports.v[j].label, p->label)) {
				p->value = o->ports.v[j].value;
				p->to = o->ports.v[j].to;
				break;
			}
	}
	if (ip != NULL) {
		mem_free(out->ip);
		if ((out->ip = mem_strdup(ip)) == NULL)
			return ERR_NOMEM;
	}
	return 0;
}

static int copy_ports(const struct allocated_port_mapping_list *src,
                      struct allocated_port_mapping_list *dst)
{
	dst->v = mem_calloc(src->n + 1, sizeof *dst->v);
	if (dst->v == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < src->n; i++) {
		if (schema_copy(&allocated_port_mapping_schema, &dst->v[i],
		                &src->v[i]) != 0)
			return ERR_NOMEM;
		dst->n++;
	}
	return 0;
}

static int one_network(struct network_resource_list *l,
                       const struct network_resource *src)
{
	l->v = mem_calloc(1, sizeof *l->v);
	if (l->v == NULL)
		return ERR_NOMEM;
	l->n = 1;
	return schema_copy(&network_resource_schema, &l->v[0], src);
}

static int add_networks(const struct rank_ask *ask, const struct node *n,
                        const struct rank_offer *o,
                        struct allocated_resources *res)
{
	struct network_resource_list *nets = &res->shared.networks;
	int rc = 0;
	if (ask->net != NULL) {
		if ((nets->v = mem_calloc(1, sizeof *nets->v)) == NULL)
			return ERR_NOMEM;
		nets->n = 1;
		rc = shared_network(o, n, &nets->v[0]);
		if (rc == 0)
			rc = copy_ports(&o->ports, &res->shared.ports);
	}
	for (size_t i = 0; rc == 0 && i < o->ntask_nets; i++)
		if (ask->task_net[i] != NULL)
			rc = one_network(&res->tasks.v[i].val.networks,
			                 &o->task_nets[i]);
	return rc;
}

/* The reserved cores of each task (in ask order) and their bandwidth. */
static int add_cores(const struct rank_ask *ask, const struct rank_offer *o,
                     struct allocated_resources *res)
{
	size_t next = 0;
	for (size_t i = 0; i < res->tasks.n && next < o->ncore_ids; i++) {
		struct allocated_cpu_resources *cpu = &res->tasks.v[i].val.cpu;
		if (ask->cores[i] == 0)
			continue;
		cpu->reserved_cores.kind = VALUE_LIST;
		for (int64_t k = 0; k < ask->cores[i]; k++) {
			struct value *v =
			    value_list_append(&cpu->reserved_cores);
			if (v == NULL)
				return ERR_NOMEM;
			v->kind = VALUE_INT;
			v->u.i = o->core_ids[next++];
		}
		cpu->cpu_shares = ask->cores[i] * o->mhz_per_core;
	}
	return 0;
}

int rank_build_resources(const struct rank_ask *ask, const struct node *n,
                         const struct rank_offer *o,
                         struct allocated_resources *res)
{
	if (schema_copy(&allocated_resources_schema, res, &ask->tmpl) != 0)
		return ERR_NOMEM;
	if (add_networks(ask, n, o, res) != 0 || add_cores(ask, o, res) != 0) {
		schema_release(&allocated_resources_schema, res);
		return ERR_NOMEM;
	}
	return 0;
}
