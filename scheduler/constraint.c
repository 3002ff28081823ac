/* scheduler/constraint.c: constraint targets and operators (Nomad's
 * resolveTarget and checkConstraint). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/feasible.h"
#include "scheduler/sched_int.h"
#include "scheduler/version.h"

/* ---- targets ------------------------------------------------------------ */

/* strmap_get with a key of length len (not NUL-terminated). */
static const char *strmap_getn(const struct strmap *m, const char *key,
                               size_t len)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = m->v[mid].key;
		int c = strncmp(k, key, len);
		if (c == 0 && k[len] != '\0')
			c = 1;
		if (c == 0)
			return m->v[mid].val;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ${<prefix>key} in a map: the key is what follows the prefix, without
 * one trailing "}". */
static bool map_target(const struct strmap *m, const char *target,
                       size_t prefix, const char **out)
{
	const char *key = target + prefix;
	size_t len = strlen(key);
	const char *v;
	if (len > 0 && key[len - 1] == '}')
		len--;
	v = strmap_getn(m, key, len);
	*out = v != NULL ? v : "";
	return v != NULL;
}

bool feasible_resolve_target(const struct sched_ctx *ctx, const char *target,
                             const struct node *n, const char **out)
{
	target = sched_str(target);
	*out = "";
	if (strncmp(target, "${", 2) != 0) {
		*out = target;
		return true;
	}
	if (strcmp(target, "${node.unique.id}") == 0)
		*out = sched_str(n->id);
	else if (strcmp(target, "${node.datacenter}") == 0)
		*out = sched_str(n->datacenter);
	else if (strcmp(target, "${node.unique.name}") == 0)
		*out = sched_str(n->name);
	else if (strcmp(target, "${node.class}") == 0)
		*out = sched_str(n->node_class);
	else if (strcmp(target, "${node.pool}") == 0)
		*out = sched_str(n->node_pool);
	else if (strcmp(target, "${node.region}") == 0)
		*out = sched_str(ctx != NULL ? ctx->region : NULL);
	else if (strncmp(target, "${attr.", 7) == 0)
		return map_target(&n->attributes, target, 7, out);
	else if (strncmp(target, "${meta.", 7) == 0)
		return map_target(&n->meta, target, 7, out);
	else
		return false;
	return true;
}

bool feasible_target_escapes(const char *target)
{
	static const char *const prefixes[] = {
	    "${unique.", "${node.unique.", "${attr.unique.", "${meta.unique."};
	target = sched_str(target);
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(target, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

char *feasible_constraint_string(const struct constraint *c)
{
	return mem_asprintf("%s %s %s", sched_str(c->ltarget),
	                    sched_str(c->operand), sched_str(c->rtarget));
}

/* ---- ordering ----------------------------------------------------------- */

/* Go's strconv.ParseInt(s, 10, 64). */
static bool parse_int(const char *s, long long *out)
{
	char *end;
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	for (const char *q = p; *q != '\0'; q++)
		if (!isdigit((unsigned char)*q))
			return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Go's strconv.ParseFloat(s, 64), near enough: no leading space. */
static bool parse_float(const char *s, double *out)
{
	char *end;
	if (*s == '\0' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return *end == '\0' && errno != ERANGE;
}

static int op_index(const char *op)
{
	static const char *const ops[] = {"<", "<=", ">", ">="};
	for (int i = 0; i < 4; i++)
		if (strcmp(op, ops[i]) == 0)
			return i;
	return -1;
}

static bool order_holds(int op, int cmp)
{
	switch (op) {
	case 0: return cmp < 0;
	case 1: return cmp <= 0;
	case 2: return cmp > 0;
	case 3: return cmp >= 0;
	}
	return false;
}

/* Integers, else floats, else lexically (Nomad's checkOrder). */
static bool check_order(const char *op, const char *l, const char *r)
{
	long long li, ri;
	double lf, rf;
	int cmp, k = op_index(op);
	if (parse_int(l, &li) && parse_int(r, &ri))
		cmp = (li > ri) - (li < ri);
	else if (parse_float(l, &lf) && parse_float(r, &rf)) {
		if (lf != lf || rf != rf) /* NaN: every order is false */
			return false;
		cmp = (lf > rf) - (lf < rf);
	} else
		cmp = strcmp(l, r);
	return order_holds(k, cmp);
}

/* ---- sets ---------------------------------------------------------------- */

/* The next comma separated item of *pp, trimmed: [*start, *end). */
static void next_item(const char **pp, const char **start, const char **end)
{
	const char *p = *pp, *comma = strchr(p, ',');
	const char *e = comma != NULL ? comma : p + strlen(p);
	*pp = comma != NULL ? comma + 1 : NULL;
	while (p < e && isspace((unsigned char)*p))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	*start = p;
	*end = e;
}

static bool set_has(const char *set, const char *item, size_t len)
{
	const char *p = set, *s, *e;
	while (p != NULL) {
		next_item(&p, &s, &e);
		if ((size_t)(e - s) == len && strncmp(s, item, len) == 0)
			return true;
	}
	return false;
}

static bool set_contains(const char *l, const char *r, bool any)
{
	const char *p = r, *s, *e;
	while (p != NULL) {
		next_item(&p, &s, &e);
		bool has = set_has(l, s, (size_t)(e - s));
		if (any && has)
			return true;
		if (!any && !has)
			return false;
	}
	return !any;
}

/* ---- operators ------------------------------------------------------------
 */

static bool check_version(struct sched_ctx *ctx, const char *l, const char *r,
                          bool semver)
{
	const struct sched_vconstraint *c;
	struct sched_version *v = sched_version_parse(l, false);
	bool ok;
	if (v == NULL)
		return false;
	c = sched_cache_vconstraint(ctx, r, semver);
	ok = c != NULL && sched_vconstraint_check(c, v);
	sched_version_free(v);
	return ok;
}

static bool check_regexp(struct sched_ctx *ctx, const char *l, const char *r)
{
	const regex_t *re = sched_cache_regex(ctx, r);
	return re != NULL && regexec(re, l, 0, NULL, 0) == 0;
}

static bool op_is(const char *op, const char *a, const char *b)
{
	return strcmp(op, a) == 0 || (b != NULL && strcmp(op, b) == 0);
}

/* The operators that need both sides. */
static bool check_both(struct sched_ctx *ctx, const char *op, const char *l,
                       const char *r)
{
	if (op_is(op, "=", "==") || strcmp(op, "is") == 0)
		return strcmp(l, r) == 0;
	if (op_index(op) >= 0)
		return check_order(op, l, r);
	if (strcmp(op, CONSTRAINT_VERSION) == 0)
		return check_version(ctx, l, r, false);
	if (strcmp(op, CONSTRAINT_SEMVER) == 0)
		return check_version(ctx, l, r, true);
	if (strcmp(op, CONSTRAINT_REGEX) == 0)
		return check_regexp(ctx, l, r);
	if (op_is(op, CONSTRAINT_SET_CONTAINS, CONSTRAINT_SET_CONTAINS_ALL))
		return set_contains(l, r, false);
	if (strcmp(op, CONSTRAINT_SET_CONTAINS_ANY) == 0)
		return set_contains(l, r, true);
	return false;
}

bool feasible_check_operand(struct sched_ctx *ctx, const char *operand,
                            const char *l, bool lfound, const char *r,
                            bool rfound)
{
	const char *op = sched_str(operand);
	l = sched_str(l);
	r = sched_str(r);
	if (op_is(op, CONSTRAINT_DISTINCT_HOSTS, CONSTRAINT_DISTINCT_PROPERTY))
		return true;
	if (op_is(op, "!=", "not"))
		return strcmp(l, r) != 0;
	if (strcmp(op, CONSTRAINT_IS_SET) == 0)
		return lfound;
	if (strcmp(op, CONSTRAINT_IS_NOT_SET) == 0)
		return !lfound;
	return lfound && rfound && check_both(ctx, op, l, r);
}

bool feasible_meets_constraint(struct sched_ctx *ctx,
                               const struct constraint *c, const struct node *n)
{
	const char *l, *r;
	bool lf = feasible_resolve_target(ctx, c->ltarget, n, &l);
	bool rf = feasible_resolve_target(ctx, c->rtarget, n, &r);
	return feasible_check_operand(ctx, c->operand, l, lf, r, rf);
}

bool feasible_matches_affinity(struct sched_ctx *ctx, const struct affinity *a,
                               const struct node *n)
{
	const char *l, *r;
	bool lf = feasible_resolve_target(ctx, a->ltarget, n, &l);
	bool rf = feasible_resolve_target(ctx, a->rtarget, n, &r);
	return feasible_check_operand(ctx, a->operand, l, lf, r, rf);
}
