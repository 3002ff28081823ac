/* scheduler/feasible_group.c: the feasibility checks of one task group,
 * compiled once (constraint strings, drivers, network, volumes,
 * distinct_hosts and distinct_property). */
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/plan.h"
#include "scheduler/propset.h"
#include "scheduler/sched_int.h"

struct fg_check {
	const struct constraint *c;
	char *key;
};

struct fg_list {
	struct fg_check *v;
	size_t n;
};

/* A reason string kept for the life of the group. */
struct fg_reason {
	char *text;
	UT_hash_handle hh;
};

struct feasible_group {
	struct sched_ctx *ctx;
	const struct job *job;
	const struct task_group *tg;
	struct fg_list jobc, tgc;
	struct strlist drivers;
	bool devices, job_dh, tg_dh, job_escaped, tg_escaped;
	struct propset **props;
	size_t nprops;
	struct fg_reason *reasons;
};

/* ---- compiling ------------------------------------------------------------
 */

static bool is_distinct(const struct constraint *c)
{
	const char *op = sched_str(c->operand);
	return strcmp(op, CONSTRAINT_DISTINCT_HOSTS) == 0 ||
	       strcmp(op, CONSTRAINT_DISTINCT_PROPERTY) == 0;
}

static int checks_add(struct fg_list *l, const struct constraint_list *src,
                      bool *escaped)
{
	struct fg_check *v = mem_realloc(l->v, (l->n + src->n + 1) * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	l->v = v;
	for (size_t i = 0; i < src->n; i++) {
		const struct constraint *c = &src->v[i];
		if (feasible_target_escapes(c->ltarget) ||
		    feasible_target_escapes(c->rtarget))
			*escaped = true;
		if (is_distinct(c))
			continue;
		l->v[l->n].c = c;
		l->v[l->n].key = feasible_constraint_string(c);
		if (l->v[l->n].key == NULL)
			return ERR_NOMEM;
		l->n++;
	}
	return 0;
}

/* Go's strconv.ParseBool: 1 true, 0 false, -1 not a bool. */
static int go_bool(const char *s)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const f[] = {"0",     "f",     "F",
	                                "FALSE", "false", "False"};
	for (size_t i = 0; i < 6; i++) {
		if (strcmp(s, t[i]) == 0)
			return 1;
		if (strcmp(s, f[i]) == 0)
			return 0;
	}
	return -1;
}

/* Nomad: the first distinct_hosts constraint decides; an empty or
 * unparsable RTarget means true. */
static bool has_distinct_hosts(const struct constraint_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *rt = sched_str(l->v[i].rtarget);
		if (strcmp(sched_str(l->v[i].operand),
		           CONSTRAINT_DISTINCT_HOSTS) != 0)
			continue;
		return *rt == '\0' || go_bool(rt) != 0;
	}
	return false;
}

static int props_add(struct feasible_group *g, const struct constraint_list *l,
                     const char *tg)
{
	for (size_t i = 0; i < l->n; i++) {
		struct propset **v;
		if (strcmp(sched_str(l->v[i].operand),
		           CONSTRAINT_DISTINCT_PROPERTY) != 0)
			continue;
		v = mem_realloc(g->props, (g->nprops + 1) * sizeof *v);
		if (v == NULL)
			return ERR_NOMEM;
		g->props = v;
		if (propset_create_distinct(g->ctx, g->job, tg, &l->v[i],
		                            &g->props[g->nprops]) != 0)
			return ERR_NOMEM;
		g->nprops++;
	}
	return 0;
}

static int compile_tasks(struct feasible_group *g)
{
	const struct task_group *tg = g->tg;
	for (size_t i = 0; i < tg->tasks.n; i++) {
		const struct task *t = &tg->tasks.v[i];
		const char *d = sched_str(t->driver);
		if (!strlist_contains(&g->drivers, d) &&
		    strlist_push(&g->drivers, d) != 0)
			return ERR_NOMEM;
		if (checks_add(&g->tgc, &t->constraints, &g->tg_escaped) != 0)
			return ERR_NOMEM;
		if (t->resources != NULL && t->resources->devices.n > 0)
			g->devices = true;
	}
	for (size_t i = 0; i < tg->volumes.n; i++)
		if (sched_str_eq(tg->volumes.v[i].val.type, VOLUME_TYPE_CSI))
			g->tg_escaped = true;
	return 0;
}

static int compile(struct feasible_group *g)
{
	const struct job *job = g->job;
	const struct task_group *tg = g->tg;
	if (checks_add(&g->jobc, &job->constraints, &g->job_escaped) != 0 ||
	    checks_add(&g->tgc, &tg->constraints, &g->tg_escaped) != 0 ||
	    compile_tasks(g) != 0)
		return ERR_NOMEM;
	g->job_dh = has_distinct_hosts(&job->constraints);
	g->tg_dh = has_distinct_hosts(&tg->constraints);
	if (props_add(g, &job->constraints, NULL) != 0 ||
	    props_add(g, &tg->constraints, tg->name) != 0)
		return ERR_NOMEM;
	return 0;
}

int feasible_group_create(struct sched_ctx *ctx, const struct job *job,
                          const struct task_group *tg,
                          struct feasible_group **out)
{
	struct feasible_group *g = mem_calloc(1, sizeof *g);
	*out = NULL;
	if (g == NULL)
		return ERR_NOMEM;
	g->ctx = ctx;
	g->job = job;
	g->tg = tg;
	if (compile(g) != 0) {
		feasible_group_destroy(g);
		return ERR_NOMEM;
	}
	*out = g;
	return 0;
}

static void list_free(struct fg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		mem_free(l->v[i].key);
	mem_free(l->v);
}

void feasible_group_destroy(struct feasible_group *g)
{
	struct fg_reason *r, *tmp;
	if (g == NULL)
		return;
	list_free(&g->jobc);
	list_free(&g->tgc);
	strlist_release(&g->drivers);
	for (size_t i = 0; i < g->nprops; i++)
		propset_destroy(g->props[i]);
	mem_free(g->props);
	HASH_ITER(hh, g->reasons, r, tmp)
	{
		HASH_DELETE(hh, g->reasons, r);
		mem_free(r->text);
		mem_free(r);
	}
	mem_free(g);
}

bool feasible_group_job_escaped(const struct feasible_group *g)
{
	return g->job_escaped;
}

bool feasible_group_tg_escaped(const struct feasible_group *g)
{
	return g->tg_escaped;
}

/* text kept by g (fallback when memory runs out). */
static const char *intern(struct feasible_group *g, const char *text,
                          const char *fallback)
{
	struct fg_reason *r = NULL;
	SCHED_HASH_FIND_STR(g->reasons, text, r);
	if (r != NULL)
		return r->text;
	r = mem_calloc(1, sizeof *r);
	if (r == NULL || (r->text = mem_strdup(text)) == NULL) {
		mem_free(r);
		return fallback;
	}
	SCHED_HASH_ADD_STR(g->reasons, text, r);
	if (!SCHED_HASH_ADDED(r)) {
		mem_free(r->text);
		mem_free(r);
		return fallback;
	}
	return r->text;
}

/* ---- node-only checks -----------------------------------------------------
 */

static const char *check_list(struct feasible_group *g, const struct fg_list *l,
                              const struct node *n)
{
	for (size_t i = 0; i < l->n; i++)
		if (!feasible_meets_constraint(g->ctx, l->v[i].c, n))
			return l->v[i].key;
	return NULL;
}

const char *feasible_group_check_job(struct feasible_group *g,
                                     const struct node *n)
{
	return check_list(g, &g->jobc, n);
}

/* Nomad's NetworkChecker for the group's first network. */
static const char *check_network(struct feasible_group *g, const struct node *n)
{
	const struct network_resource *nw = &g->tg->networks.v[0];
	const char *mode = sched_str(nw->mode);
	char buf[512];
	if (strcmp(mode, NETWORK_MODE_NONE) == 0)
		return NULL;
	if (!feasible_has_network_mode(n, mode))
		return FILTER_NETWORK;
	for (int k = 0; k < 2; k++) {
		const struct port_list *l =
		    k ? &nw->reserved_ports : &nw->dynamic_ports;
		for (size_t i = 0; i < l->n; i++) {
			const char *hn = l->v[i].host_network, *v;
			if (hn == NULL || *hn == '\0')
				continue;
			if (!feasible_resolve_target(g->ctx, hn, n, &v))
				snprintf(buf, sizeof buf,
				         "invalid host network \"%s\" template "
				         "for port \"%s\"",
				         hn, sched_str(l->v[i].label));
			else if (!feasible_has_host_network(n, v))
				snprintf(buf, sizeof buf,
				         "missing host network \"%s\" for port "
				         "\"%s\"",
				         v, sched_str(l->v[i].label));
			else
				continue;
			return intern(g, buf, FILTER_NETWORK);
		}
	}
	return NULL;
}

const char *feasible_group_check_tg(struct feasible_group *g,
                                    const struct node *n)
{
	const char *why;
	for (size_t i = 0; i < g->drivers.n; i++)
		if (!feasible_has_driver(n, g->drivers.v[i]))
			return FILTER_DRIVERS;
	if ((why = check_list(g, &g->tgc, n)) != NULL)
		return why;
	if (g->devices && !feasible_has_devices(n, g->tg))
		return FILTER_DEVICES;
	if (g->tg->networks.n > 0)
		return check_network(g, n);
	return NULL;
}

const char *feasible_group_check_available(struct feasible_group *g,
                                           const struct node *n,
                                           const char *alloc_name)
{
	const struct volume_request_map *vols = &g->tg->volumes;
	char buf[512];
	for (size_t i = 0; i < vols->n; i++) {
		const struct volume_request *req = &vols->v[i].val;
		if (sched_str_eq(req->type, VOLUME_TYPE_CSI)) {
			snprintf(buf, sizeof buf, "missing CSI volume(s) %s",
			         sched_str(req->source));
			return intern(g, buf, FILTER_HOST_VOLUMES);
		}
		if (!feasible_has_host_volume(n, req, alloc_name))
			return FILTER_HOST_VOLUMES;
	}
	return NULL;
}

/* ---- plan-dependent checks ------------------------------------------------
 */

struct dh_walk {
	const struct feasible_group *g;
	bool collide;
};

static bool dh_visit(void *data, const struct allocation *a)
{
	struct dh_walk *w = data;
	const struct job *job = w->g->job;
	bool job_hit = sched_str_eq(a->job_id, job->id) &&
	               sched_str_eq(a->namespace, job->namespace);
	bool tg_hit = sched_str_eq(a->task_group, w->g->tg->name);
	w->collide = (w->g->job_dh && job_hit) || (job_hit && tg_hit);
	return !w->collide;
}

int feasible_group_check_distinct(struct feasible_group *g,
                                  const struct node *n, bool *ok, char *why,
                                  size_t len)
{
	*ok = true;
	if (g->job_dh || g->tg_dh) {
		struct dh_walk w = {g, false};
		if (plan_each_proposed(g->ctx->plan, n, dh_visit, &w) != 0)
			return ERR_NOMEM;
		if (w.collide) {
			*ok = false;
			snprintf(why, len, "%s", FILTER_DISTINCT_HOSTS);
			return 0;
		}
	}
	for (size_t i = 0; i < g->nprops && *ok; i++)
		if (propset_satisfies(g->props[i], n, ok, why, len) != 0)
			return ERR_NOMEM;
	return 0;
}
