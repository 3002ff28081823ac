/* scheduler/spread.c: spread scoring (Nomad's SpreadIterator). */
#include <string.h>

#include "lib/mem.h"
#include "scheduler/propset.h"
#include "scheduler/rank.h"
#include "scheduler/sched_int.h"

struct spread_want {
	const char *value;
	double desired;
};

/* One property set per spread block (the job's first, then the group's),
 * with the desired counts of its attribute. */
struct spread_attr {
	struct propset *ps;
	const struct spread *info; /* the block that defines the targets */
	struct spread_want *targets;
	size_t ntargets;
};

struct rank_spread {
	struct sched_ctx *ctx;
	const struct task_group *tg;
	struct spread_attr *attrs;
	size_t nattrs;
	double sum_weights;
	double lowest_boost;
};

/* ---- building -------------------------------------------------------------
 */

static int target_values(const struct spread *sp, struct strlist *out)
{
	for (size_t i = 0; i < sp->spread_target.n; i++)
		if (strlist_push(out,
		                 sched_str(sp->spread_target.v[i].value)) != 0)
			return ERR_NOMEM;
	return 0;
}

/* Nomad computes the desired counts from the group's spreads then the
 * job's, the last block for an attribute winning. */
static const struct spread *
info_for(const struct job *job, const struct task_group *tg, const char *attr)
{
	const struct spread *found = NULL;
	for (size_t i = 0; i < tg->spreads.n; i++)
		if (sched_str_eq(tg->spreads.v[i].attribute, attr))
			found = &tg->spreads.v[i];
	for (size_t i = 0; i < job->spreads.n; i++)
		if (sched_str_eq(job->spreads.v[i].attribute, attr))
			found = &job->spreads.v[i];
	return found;
}

static int desired_counts(struct spread_attr *a, int64_t count)
{
	const struct spread *sp = a->info;
	double sum = 0;
	a->targets = mem_calloc(sp->spread_target.n + 1, sizeof *a->targets);
	if (a->targets == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < sp->spread_target.n; i++) {
		double d = (double)sp->spread_target.v[i].percent / 100.0 *
		           (double)count;
		a->targets[a->ntargets].value =
		    sched_str(sp->spread_target.v[i].value);
		a->targets[a->ntargets++].desired = d;
		sum += d;
	}
	if (sum > 0 && sum < (double)count) {
		a->targets[a->ntargets].value = PROPSET_IMPLICIT_TARGET;
		a->targets[a->ntargets++].desired = (double)count - sum;
	}
	return 0;
}

static int add_attr(struct rank_spread *s, const struct job *job,
                    const struct spread *sp, int64_t count)
{
	struct spread_attr *a;
	struct strlist targets = {0};
	int rc;
	a = mem_realloc(s->attrs, (s->nattrs + 1) * sizeof *a);
	if (a == NULL)
		return ERR_NOMEM;
	s->attrs = a;
	a = &s->attrs[s->nattrs];
	memset(a, 0, sizeof *a);
	a->info = info_for(job, s->tg, sched_str(sp->attribute));
	rc = target_values(sp, &targets);
	if (rc == 0)
		rc = propset_create(s->ctx, job, s->tg->name, sp->attribute,
		                    &targets, 0, &a->ps);
	strlist_release(&targets);
	if (rc == 0) {
		s->nattrs++;
		rc = desired_counts(a, count);
	}
	return rc;
}

static int build(struct rank_spread *s, const struct job *job)
{
	int64_t count = s->tg->count.set ? s->tg->count.v : 1;
	for (size_t i = 0; i < job->spreads.n; i++)
		if (add_attr(s, job, &job->spreads.v[i], count) != 0)
			return ERR_NOMEM;
	for (size_t i = 0; i < s->tg->spreads.n; i++)
		if (add_attr(s, job, &s->tg->spreads.v[i], count) != 0)
			return ERR_NOMEM;
	for (size_t i = 0; i < s->tg->spreads.n; i++)
		s->sum_weights += (double)s->tg->spreads.v[i].weight;
	for (size_t i = 0; i < job->spreads.n; i++)
		s->sum_weights += (double)job->spreads.v[i].weight;
	return 0;
}

int rank_spread_create(struct sched_ctx *ctx, const struct job *job,
                       const struct task_group *tg, struct rank_spread **out)
{
	struct rank_spread *s = mem_calloc(1, sizeof *s);
	*out = NULL;
	if (s == NULL)
		return ERR_NOMEM;
	s->ctx = ctx;
	s->tg = tg;
	s->lowest_boost = -1.0;
	if (build(s, job) != 0) {
		rank_spread_destroy(s);
		return ERR_NOMEM;
	}
	*out = s;
	return 0;
}

void rank_spread_destroy(struct rank_spread *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nattrs; i++) {
		propset_destroy(s->attrs[i].ps);
		mem_free(s->attrs[i].targets);
	}
	mem_free(s->attrs);
	mem_free(s);
}

bool rank_spread_active(const struct rank_spread *s)
{
	return s != NULL && s->nattrs > 0;
}

/* ---- scoring --------------------------------------------------------------
 */

/* Nomad's evenSpreadScoreBoost for a value used current times. */
static int even_boost(struct spread_attr *a, uint64_t current, double *out)
{
	uint64_t min, max;
	size_t n;
	if (propset_min_max(a->ps, &min, &max, &n) != 0)
		return ERR_NOMEM;
	if (n == 0)
		*out = 0;
	else if (current != min)
		*out = min == 0 ? -1.0
		                : ((double)min - (double)current) / (double)min;
	else if (min == max)
		*out = -1.0;
	else if (min == 0)
		*out = 1.0;
	else
		*out = ((double)max - (double)min) / (double)min;
	return 0;
}

static const struct spread_want *find_target(const struct spread_attr *a,
                                             const char *value)
{
	for (size_t i = 0; i < a->ntargets; i++)
		if (strcmp(a->targets[i].value, value) == 0)
			return &a->targets[i];
	for (size_t i = 0; i < a->ntargets; i++)
		if (strcmp(a->targets[i].value, PROPSET_IMPLICIT_TARGET) == 0)
			return &a->targets[i];
	return NULL;
}

static double target_boost(struct rank_spread *s, const struct spread_attr *a,
                           const char *value, uint64_t used)
{
	const struct spread_want *t = find_target(a, value);
	double weight, boost;
	if (t == NULL)
		return -1.0;
	if (t->desired == 0)
		return s->lowest_boost;
	weight =
	    s->sum_weights != 0 ? (double)a->info->weight / s->sum_weights : 0;
	boost = (t->desired - (double)used) / t->desired * weight;
	if (boost < s->lowest_boost)
		s->lowest_boost = boost;
	return boost;
}

static int attr_score(struct rank_spread *s, struct spread_attr *a,
                      const struct node *n, double *total)
{
	char why[256];
	const char *value;
	uint64_t used;
	bool found;
	double boost;
	if (propset_used(a->ps, n, &found, &value, &used, why, sizeof why) != 0)
		return ERR_NOMEM;
	if (!found) {
		*total -= 1.0;
		return 0;
	}
	if (a->info == NULL || a->ntargets == 0) {
		if (even_boost(a, used, &boost) != 0)
			return ERR_NOMEM;
		*total += boost;
		return 0;
	}
	*total += target_boost(s, a, value, used + 1);
	return 0;
}

int rank_spread_score(struct rank_spread *s, const struct node *n,
                      double *score)
{
	*score = 0;
	for (size_t i = 0; i < s->nattrs; i++)
		if (attr_score(s, &s->attrs[i], n, score) != 0)
			return ERR_NOMEM;
	return 0;
}
