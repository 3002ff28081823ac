/* scheduler/propset.c: property value counts of a job's allocations
 * (Nomad's propertySet), following the plan incrementally. */
#include "scheduler/propset.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/plan.h"
#include "scheduler/sched_int.h"

/* Counts of one raw property value, or of one targeted value (where
 * `clear` holds the cleared counts after Nomad's adjustment). */
struct pcount {
	char *key;
	int64_t exist, prop, clear;
	UT_hash_handle hh;
};

struct propset {
	struct sched_ctx *ctx;
	char *ns, *job_id, *tg, *attribute, *error;
	struct strlist targets;
	uint64_t allowed;
	struct pcount *raw, *tgt;
	size_t synced;
};

/* ---- counting ----------------------------------------------------------- */

static struct pcount *count_get(struct pcount **head, const char *key)
{
	struct pcount *c = NULL;
	SCHED_HASH_FIND_STR(*head, key, c);
	if (c != NULL)
		return c;
	c = mem_calloc(1, sizeof *c);
	if (c == NULL || (c->key = mem_strdup(key)) == NULL) {
		mem_free(c);
		return NULL;
	}
	SCHED_HASH_ADD_STR(*head, key, c);
	if (!SCHED_HASH_ADDED(c)) {
		mem_free(c->key);
		mem_free(c);
		return NULL;
	}
	return c;
}

static void count_clear(struct pcount **head)
{
	struct pcount *c, *tmp;
	HASH_ITER(hh, *head, c, tmp)
	{
		HASH_DELETE(hh, *head, c);
		mem_free(c->key);
		mem_free(c);
	}
}

static const char *targeted(const struct propset *ps, const char *value)
{
	if (ps->targets.n == 0 || strlist_contains(&ps->targets, value))
		return value;
	return PROPSET_IMPLICIT_TARGET;
}

/* Nomad drops one cleared count of a value that proposed allocations use
 * again, unless only one was cleared. */
static int64_t cleared(const struct pcount *r)
{
	return r->prop > 0 && r->clear > 1 ? r->clear - 1 : r->clear;
}

enum which { EXIST, PROP, CLEAR };

/* Adds delta to one counter of raw value v and to its targeted value. */
static int count_add(struct propset *ps, const char *v, enum which w,
                     int64_t delta)
{
	struct pcount *r = count_get(&ps->raw, v);
	struct pcount *t = count_get(&ps->tgt, targeted(ps, v));
	int64_t before;
	if (r == NULL || t == NULL)
		return ERR_NOMEM;
	before = cleared(r);
	if (w == EXIST)
		r->exist += delta, t->exist += delta;
	else if (w == PROP)
		r->prop += delta, t->prop += delta;
	else
		r->clear += delta;
	t->clear += cleared(r) - before;
	return 0;
}

/* The counted use of targeted value t (Nomad's combined use map). */
static uint64_t used_of(const struct pcount *t)
{
	int64_t total;
	if (t == NULL || t->exist + t->prop <= 0)
		return 0;
	total = t->exist + t->prop - t->clear;
	return total > 0 ? (uint64_t)total : 0;
}

/* ---- reading allocations ------------------------------------------------- */

static bool wanted(const struct propset *ps, const struct allocation *a)
{
	return ps->tg == NULL || sched_str_eq(a->task_group, ps->tg);
}

/* The property value of a's node, NULL when the node or the property is
 * missing. */
static const char *alloc_value(const struct propset *ps,
                               const struct allocation *a)
{
	const struct node *n =
	    store_node(ps->ctx->store, sched_str(a->node_id));
	const char *v;
	if (n == NULL || *ps->attribute == '\0' ||
	    !feasible_resolve_target(ps->ctx, ps->attribute, n, &v))
		return NULL;
	return v;
}

struct exist_walk {
	struct propset *ps;
	int rc;
};

static bool exist_visit(void *data, const struct allocation *a)
{
	struct exist_walk *w = data;
	const char *v;
	if (allocation_terminal(a) || !wanted(w->ps, a))
		return true;
	v = alloc_value(w->ps, a);
	if (v != NULL && count_add(w->ps, v, EXIST, 1) != 0) {
		w->rc = ERR_NOMEM;
		return false;
	}
	return true;
}

static int apply_op(struct propset *ps, const struct plan_op *op)
{
	const struct allocation *a = op->alloc;
	const char *v;
	enum which w = PROP;
	int64_t delta = 1;
	if (op->kind == PLAN_OP_PREEMPT || !wanted(ps, a))
		return 0;
	if (op->kind == PLAN_OP_STOP || op->kind == PLAN_OP_UNSTOP)
		w = CLEAR;
	else if (allocation_terminal(a))
		return 0;
	if (op->kind == PLAN_OP_UNPLACE || op->kind == PLAN_OP_UNSTOP)
		delta = -1;
	v = alloc_value(ps, a);
	return v != NULL ? count_add(ps, v, w, delta) : 0;
}

/* Catches up with the plan's change log. */
static int sync(struct propset *ps)
{
	size_t n = 0;
	const struct plan_op *ops;
	if (ps->ctx->plan == NULL)
		return 0;
	ops = plan_ops(ps->ctx->plan, &n);
	for (; ps->synced < n; ps->synced++)
		if (apply_op(ps, &ops[ps->synced]) != 0)
			return ERR_NOMEM;
	return 0;
}

/* ---- life cycle --------------------------------------------------------- */

static int dup_str(char **dst, const char *s)
{
	*dst = mem_strdup(s);
	return *dst == NULL && s != NULL ? ERR_NOMEM : 0;
}

int propset_create(struct sched_ctx *ctx, const struct job *job, const char *tg,
                   const char *attribute, const struct strlist *targets,
                   uint64_t allowed, struct propset **out)
{
	struct propset *ps = mem_calloc(1, sizeof *ps);
	struct exist_walk w = {ps, 0};
	*out = NULL;
	if (ps == NULL)
		return ERR_NOMEM;
	ps->ctx = ctx;
	ps->allowed = allowed;
	if (dup_str(&ps->ns, sched_str(job->namespace)) != 0 ||
	    dup_str(&ps->job_id, sched_str(job->id)) != 0 ||
	    dup_str(&ps->tg, tg) != 0 ||
	    dup_str(&ps->attribute, sched_str(attribute)) != 0 ||
	    (targets != NULL && strlist_copy(&ps->targets, targets) != 0))
		goto nomem;
	store_each_job_alloc(ctx->store, ps->ns, ps->job_id, exist_visit, &w);
	if (w.rc != 0 || sync(ps) != 0)
		goto nomem;
	*out = ps;
	return 0;
nomem:
	propset_destroy(ps);
	return ERR_NOMEM;
}

/* Go's strconv.ParseUint(v, 10, 64); the error text on failure. */
static char *parse_allowed(const char *v, uint64_t *out)
{
	const char *why = "invalid syntax";
	bool digits = *v != '\0';
	for (const char *p = v; *p != '\0'; p++)
		digits = digits && isdigit((unsigned char)*p);
	if (digits) {
		errno = 0;
		*out = strtoull(v, NULL, 10);
		if (errno == 0)
			return NULL;
		why = "value out of range";
	}
	return mem_asprintf("failed to convert RTarget \"%s\" to uint64: "
	                    "strconv.ParseUint: parsing \"%s\": %s",
	                    v, v, why);
}

int propset_create_distinct(struct sched_ctx *ctx, const struct job *job,
                            const char *tg, const struct constraint *c,
                            struct propset **out)
{
	const char *rt = sched_str(c->rtarget);
	uint64_t allowed = 1;
	char *error = *rt != '\0' ? parse_allowed(rt, &allowed) : NULL;
	int rc = propset_create(ctx, job, tg, c->ltarget, NULL, allowed, out);
	if (rc != 0) {
		mem_free(error);
		return rc;
	}
	(*out)->error = error;
	return 0;
}

void propset_destroy(struct propset *ps)
{
	if (ps == NULL)
		return;
	count_clear(&ps->raw);
	count_clear(&ps->tgt);
	strlist_release(&ps->targets);
	mem_free(ps->ns);
	mem_free(ps->job_id);
	mem_free(ps->tg);
	mem_free(ps->attribute);
	mem_free(ps->error);
	mem_free(ps);
}

const char *propset_attribute(const struct propset *ps)
{
	return ps->attribute;
}

/* ---- queries ------------------------------------------------------------ */

int propset_used(struct propset *ps, const struct node *n, bool *found,
                 const char **value, uint64_t *count, char *why, size_t len)
{
	struct pcount *t = NULL;
	const char *v;
	*found = false;
	*count = 0;
	*value = "";
	if (ps->error != NULL) {
		snprintf(why, len, "%s", ps->error);
		return 0;
	}
	if (*ps->attribute == '\0' ||
	    !feasible_resolve_target(ps->ctx, ps->attribute, n, &v)) {
		snprintf(why, len, "missing property \"%s\"", ps->attribute);
		return 0;
	}
	if (sync(ps) != 0)
		return ERR_NOMEM;
	*value = targeted(ps, v);
	SCHED_HASH_FIND_STR(ps->tgt, *value, t);
	*count = used_of(t);
	*found = true;
	return 0;
}

int propset_satisfies(struct propset *ps, const struct node *n, bool *ok,
                      char *why, size_t len)
{
	const char *v;
	uint64_t count;
	int rc = propset_used(ps, n, ok, &v, &count, why, len);
	if (rc != 0 || !*ok)
		return rc;
	*ok = count < ps->allowed;
	if (!*ok)
		snprintf(why, len,
		         "distinct_property: %s=%s used by %llu allocs",
		         ps->attribute, v, (unsigned long long)count);
	return 0;
}

int propset_min_max(struct propset *ps, uint64_t *min, uint64_t *max,
                    size_t *nvalues)
{
	*min = *max = 0;
	*nvalues = 0;
	if (sync(ps) != 0)
		return ERR_NOMEM;
	for (const struct pcount *t = ps->tgt; t != NULL; t = t->hh.next) {
		uint64_t c = used_of(t);
		if (t->exist + t->prop <= 0)
			continue;
		(*nvalues)++;
		if (c > 0 && (*min == 0 || c < *min))
			*min = c;
		if (c > *max)
			*max = c;
	}
	return 0;
}
