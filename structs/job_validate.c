/* structs/job_validate.c: checks a canonicalised job and reports every
 * problem at once, each prefixed with where it is:
 *   group "web": task "server": missing driver
 * The rules and most wordings are Nomad's (Job.Validate, TaskGroup.Validate,
 * Task.Validate and the register endpoint's validators), lowercased, with
 * the "Task group X validation failed:" nesting replaced by the path. */
#include "structs/job.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/stime.h"

#define VALIDATE_PATH_MAX 512
#define VALIDATE_MSG_MAX  1024
#define VALIDATE_MAX_PORT 65535

struct vctx {
	struct errlist *errs;
	const struct job *job;
	char path[VALIDATE_PATH_MAX];
	size_t len;
};

/* Appends a path segment; returns the length to restore with vpop. */
static size_t vpush(struct vctx *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static size_t vpush(struct vctx *v, const char *fmt, ...)
{
	size_t old = v->len;
	va_list ap;
	int n;
	if (v->len > 0 && v->len + 2 < sizeof v->path) {
		memcpy(v->path + v->len, ": ", 3);
		v->len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(v->path + v->len, sizeof v->path - v->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		v->len += (size_t)n;
	if (v->len >= sizeof v->path)
		v->len = sizeof v->path - 1;
	return old;
}

static void vpop(struct vctx *v, size_t old)
{
	v->len = old;
	v->path[old] = '\0';
}

static void verr(struct vctx *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void verr(struct vctx *v, const char *fmt, ...)
{
	char msg[VALIDATE_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (v->len > 0)
		errlist_add(v->errs, "%s: %s", v->path, msg);
	else
		errlist_add(v->errs, "%s", msg);
}

static bool vempty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

static bool veq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static const char *vs(const char *s)
{
	return s != NULL ? s : "";
}

static bool vtype(const struct vctx *v, const char *t)
{
	return veq(v->job->type, t);
}

static bool vsystem(const struct vctx *v)
{
	return vtype(v, JOB_TYPE_SYSTEM);
}

/* Formats a duration as Go prints it ("1m30s"). */
struct vdur {
	char s[40];
};

static struct vdur vd(int64_t ns)
{
	struct vdur d;
	stime_format_duration(ns, d.s, sizeof d.s);
	return d;
}

/* ---- paths -------------------------------------------------------------- */

/* Nomad's PathEscapesAllocViaRelative: does <alloc dir>/prefix/path,
 * cleaned, leave the allocation directory? */
static bool validate_path_escapes(const char *prefix, const char *path)
{
	enum { MAX_SEGS = 256 };
	const char *seg[MAX_SEGS];
	size_t seglen[MAX_SEGS], n = 2;
	const char *parts[2] = {prefix, path};
	seg[0] = "alloc-dir", seglen[0] = 9;
	seg[1] = "alloc-id", seglen[1] = 8;
	for (int k = 0; k < 2; k++) {
		const char *p = vs(parts[k]);
		while (*p != '\0') {
			size_t l = strcspn(p, "/");
			if (l == 2 && p[0] == '.' && p[1] == '.') {
				if (n > 0)
					n--;
			} else if (l > 0 && !(l == 1 && p[0] == '.')) {
				if (n == MAX_SEGS)
					return true;
				seg[n] = p, seglen[n++] = l;
			}
			p += l + (p[l] == '/');
		}
	}
	return n < 2 || seglen[0] != 9 || strncmp(seg[0], "alloc-dir", 9) ||
	       seglen[1] != 8 || strncmp(seg[1], "alloc-id", 8);
}

/* ---- constraints, affinities, spreads ----------------------------------- */

static bool validate_is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static bool validate_is_pre_char(char c)
{
	return validate_is_alnum(c) || c == '-' || c == '~' || c == '.';
}

/* One element of a version constraint: [op] version, where op is one of
 * = != > < >= <= ~> and version is hashicorp/go-version's: numbers joined
 * by dots, then an optional prerelease ("-beta.1" or "beta1") and
 * "+metadata". */
static bool validate_version_term(const char *s, size_t n)
{
	static const char *const ops[] = {">=", "<=", "!=", "~>",
	                                  "=",  ">",  "<"};
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		size_t ol = strlen(ops[k]);
		if (n - i >= ol && strncmp(s + i, ops[k], ol) == 0) {
			i += ol;
			break;
		}
	}
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == 'v')
		i++;
	do {
		size_t start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return false;
	} while (i + 1 < n && s[i] == '.' && s[i + 1] >= '0' &&
	         s[i + 1] <= '9' && ++i);
	if (i < n && (s[i] == '-' || validate_is_alnum(s[i])))
		while (i < n && validate_is_pre_char(s[i]))
			i++;
	if (i < n && s[i] == '+' && ++i < n)
		while (i < n && validate_is_pre_char(s[i]))
			i++;
	while (i < n && s[i] == ' ')
		i++;
	return i == n;
}

static bool validate_version_constraint(const char *s)
{
	if (vempty(s))
		return false;
	while (true) {
		size_t l = strcspn(s, ",");
		if (!validate_version_term(s, l))
			return false;
		if (s[l] == '\0')
			return true;
		s += l + 1;
	}
}

static void validate_regexp(struct vctx *v, const char *re)
{
	regex_t r;
	char why[128];
	int rc = regcomp(&r, vs(re), REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &r, why, sizeof why);
		verr(v, "regular expression failed to compile: %s", why);
		return;
	}
	regfree(&r);
}

static void validate_attribute(struct vctx *v, const char *t)
{
	static const char *const exact[] = {
	    "${node.unique.id}", "${node.datacenter}", "${node.unique.name}",
	    "${node.class}", "${node.pool}"};
	static const char *const prefix[] = {"${attr.", "${device.", "${meta."};
	size_t n = strlen(t);
	if (t[0] != '$')
		return;
	if (strncmp(t, "${", 2) != 0) {
		verr(v, "attribute \"%s\" is missing an opening brace", t);
		return;
	}
	if (t[n - 1] != '}') {
		verr(v, "attribute \"%s\" is missing a closing brace", t);
		return;
	}
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (strcmp(t, exact[i]) == 0)
			return;
	for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
		if (strncmp(t, prefix[i], strlen(prefix[i])) == 0)
			return;
	verr(v, "unsupported attribute \"%s\"", t);
}

static bool validate_is_comparison(const char *op)
{
	static const char *const cmp[] = {"=", "==", "is", "!=", "not",
	                                  "<", "<=", ">",  ">="};
	for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++)
		if (strcmp(op, cmp[i]) == 0)
			return true;
	return false;
}

static bool validate_is_set_contains(const char *op)
{
	return strcmp(op, CONSTRAINT_SET_CONTAINS) == 0 ||
	       strcmp(op, CONSTRAINT_SET_CONTAINS_ALL) == 0 ||
	       strcmp(op, CONSTRAINT_SET_CONTAINS_ANY) == 0;
}

static void validate_distinct_property(struct vctx *v, const char *rt)
{
	char *end;
	unsigned long long n;
	if (vempty(rt))
		return;
	n = strtoull(rt, &end, 10);
	if (*end != '\0' || rt[0] == '-')
		verr(v, "failed to convert RTarget \"%s\" to uint64", rt);
	else if (n < 1)
		verr(v,
		     "distinct property must have an allowed count of 1 "
		     "or greater: %llu < 1",
		     n);
}

/* Returns false when the operand was unknown. */
static bool validate_operand_target(struct vctx *v, const char *op,
                                    const char *rt, const char *what)
{
	if (validate_is_set_contains(op)) {
		if (vempty(rt))
			verr(v, "set contains %s requires an RTarget", what);
	} else if (strcmp(op, CONSTRAINT_REGEX) == 0) {
		validate_regexp(v, rt);
	} else if (strcmp(op, CONSTRAINT_VERSION) == 0 ||
	           strcmp(op, CONSTRAINT_SEMVER) == 0) {
		if (!validate_version_constraint(rt))
			verr(v,
			     "%s %s is invalid: malformed constraint: \"%s\"",
			     op, what, vs(rt));
	} else if (validate_is_comparison(op)) {
		if (vempty(rt))
			verr(v, "operator \"%s\" requires an RTarget", op);
	} else {
		return false;
	}
	return true;
}

static void validate_constraint(struct vctx *v, const struct constraint *c,
                                bool task_level)
{
	const char *op = vs(c->operand);
	bool need_ltarget = true;
	if (op[0] == '\0')
		verr(v, "missing constraint operand");
	else if (strcmp(op, CONSTRAINT_DISTINCT_HOSTS) == 0)
		need_ltarget = false;
	else if (strcmp(op, CONSTRAINT_DISTINCT_PROPERTY) == 0)
		validate_distinct_property(v, c->rtarget);
	else if (strcmp(op, CONSTRAINT_IS_SET) == 0 ||
	         strcmp(op, CONSTRAINT_IS_NOT_SET) == 0) {
		if (!vempty(c->rtarget))
			verr(v, "operator \"%s\" does not support an RTarget",
			     op);
	} else if (!validate_operand_target(v, op, c->rtarget, "constraint"))
		verr(v, "unknown constraint type \"%s\"", op);
	if (need_ltarget && vempty(c->ltarget))
		verr(v, "no attribute provided but is required by operator");
	else if (need_ltarget)
		validate_attribute(v, c->ltarget);
	if (task_level && (strcmp(op, CONSTRAINT_DISTINCT_HOSTS) == 0 ||
	                   strcmp(op, CONSTRAINT_DISTINCT_PROPERTY) == 0))
		verr(v, "disallowed operand at task level: %s", op);
}

static void validate_constraints(struct vctx *v,
                                 const struct constraint_list *l,
                                 bool task_level)
{
	for (size_t i = 0; i < l->n; i++) {
		size_t old = vpush(v, "constraint %zu", i + 1);
		validate_constraint(v, &l->v[i], task_level);
		vpop(v, old);
	}
}

static void validate_affinity(struct vctx *v, const struct affinity *a)
{
	const char *op = vs(a->operand);
	if (op[0] == '\0')
		verr(v, "missing affinity operand");
	else if (!validate_operand_target(v, op, a->rtarget, "affinity"))
		verr(v, "unknown affinity operator \"%s\"", op);
	if (vempty(a->ltarget))
		verr(v, "no LTarget provided but is required");
	if (a->weight == 0)
		verr(v, "affinity weight cannot be zero");
	if (a->weight > 100 || a->weight < -100)
		verr(v, "affinity weight must be within the range [-100,100]");
}

static void validate_affinities(struct vctx *v, const struct affinity_list *l)
{
	if (vsystem(v)) {
		if (l->n > 0)
			verr(v, "system jobs may not have an affinity block");
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		size_t old = vpush(v, "affinity %zu", i + 1);
		validate_affinity(v, &l->v[i]);
		vpop(v, old);
	}
}

static void validate_spread(struct vctx *v, const struct spread *s)
{
	int64_t sum = 0;
	if (vempty(s->attribute))
		verr(v, "missing spread attribute");
	if (s->weight <= 0 || s->weight > 100)
		verr(v, "spread block must have a positive weight from 0 to "
		        "100");
	for (size_t i = 0; i < s->spread_target.n; i++) {
		const struct spread_target *t = &s->spread_target.v[i];
		for (size_t j = 0; j < i; j++)
			if (veq(s->spread_target.v[j].value, t->value)) {
				verr(v,
				     "spread target value \"%s\" already "
				     "defined",
				     vs(t->value));
				break;
			}
		if (t->percent < 0 || t->percent > 100)
			verr(v,
			     "spread target percentage for value \"%s\" "
			     "must be between 0 and 100",
			     vs(t->value));
		/* Out-of-range percents are reported above; clamping keeps
		 * the sum from overflowing. */
		sum += t->percent < 0 ? 0 : t->percent > 100 ? 101 : t->percent;
	}
	if (sum > 100)
		verr(v,
		     "sum of spread target percentages must not be greater "
		     "than 100%%; got %lld%%",
		     (long long)sum);
}

static void validate_spreads(struct vctx *v, const struct spread_list *l)
{
	if (vsystem(v)) {
		if (l->n > 0)
			verr(v, "system jobs may not have a spread block");
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		size_t old = vpush(v, "spread %zu", i + 1);
		validate_spread(v, &l->v[i]);
		vpop(v, old);
	}
}

/* ---- group policies ----------------------------------------------------- */

static void validate_restart(struct vctx *v, const struct restart_policy *r)
{
	const char *mode = vs(r->mode);
	int64_t min_interval = 5 * STIME_NS_PER_S;
	if (strcmp(mode, RESTART_MODE_DELAY) != 0 &&
	    strcmp(mode, RESTART_MODE_FAIL) != 0)
		verr(v, "unsupported restart mode: \"%s\"", mode);
	if (r->attempts.v == 0 && strcmp(mode, RESTART_MODE_FAIL) != 0)
		verr(v, "restart policy \"%s\" with %lld attempts is ambiguous",
		     mode, (long long)r->attempts.v);
	if (r->interval.v < min_interval)
		verr(v, "interval can not be less than %s (got %s)",
		     vd(min_interval).s, vd(r->interval.v).s);
	if (r->attempts.v > 0 && r->delay.v > r->interval.v / r->attempts.v)
		verr(v,
		     "cannot restart the task group %lld times in an "
		     "interval of %s with a delay of %s",
		     (long long)r->attempts.v, vd(r->interval.v).s,
		     vd(r->delay.v).s);
}

static bool validate_delay_function(const char *fn)
{
	return veq(fn, RESCHEDULE_DELAY_CONSTANT) ||
	       veq(fn, RESCHEDULE_DELAY_EXPONENTIAL) ||
	       veq(fn, RESCHEDULE_DELAY_FIBONACCI);
}

static void validate_reschedule(struct vctx *v,
                                const struct reschedule_policy *r)
{
	int64_t min_delay = 5 * STIME_NS_PER_S, min_iv = 15 * STIME_NS_PER_S;
	bool unlimited = r->unlimited.v != 0;
	if (r->attempts.v <= 0 && !unlimited)
		return; /* rescheduling is off: nothing to check */
	if (r->attempts.v > 0 && r->interval.v <= 0)
		verr(v, "interval must be a non zero value if attempts > 0");
	if (r->attempts.v > 0 && unlimited)
		verr(v,
		     "if attempts > 0, unlimited cannot also be set to true");
	if (r->delay.v < min_delay)
		verr(v, "delay cannot be less than %s (got %s)",
		     vd(min_delay).s, vd(r->delay.v).s);
	if (!validate_delay_function(r->delay_function))
		verr(v,
		     "invalid delay function \"%s\", must be one of "
		     "[\"constant\" \"exponential\" \"fibonacci\"]",
		     vs(r->delay_function));
	if (!veq(r->delay_function, RESCHEDULE_DELAY_CONSTANT)) {
		if (r->max_delay.v < min_delay)
			verr(v, "max delay cannot be less than %s (got %s)",
			     vd(min_delay).s, vd(r->max_delay.v).s);
		if (r->max_delay.v < r->delay.v)
			verr(v,
			     "max delay cannot be less than delay %s (got "
			     "%s)",
			     vd(r->delay.v).s, vd(r->max_delay.v).s);
	}
	if (!unlimited && r->interval.v < min_iv)
		verr(v, "interval cannot be less than %s (got %s)",
		     vd(min_iv).s, vd(r->interval.v).s);
}

static void validate_update(struct vctx *v, const struct update_strategy *u)
{
	const char *hc = vs(u->health_check);
	if (!veq(hc, UPDATE_HEALTH_CHECKS) &&
	    !veq(hc, UPDATE_HEALTH_TASK_STATES) &&
	    !veq(hc, UPDATE_HEALTH_MANUAL))
		verr(v, "invalid health check given: \"%s\"", hc);
	if (u->max_parallel.v < 0)
		verr(v, "max parallel can not be less than zero: %lld < 0",
		     (long long)u->max_parallel.v);
	if (u->canary.v < 0)
		verr(v, "canary count can not be less than zero: %lld < 0",
		     (long long)u->canary.v);
	if (u->canary.v == 0 && u->auto_promote.v != 0)
		verr(v, "auto promote requires a canary count greater than "
		        "zero");
	if (u->min_healthy_time.v < 0)
		verr(v, "minimum healthy time may not be less than zero: %s",
		     vd(u->min_healthy_time.v).s);
	if (u->healthy_deadline.v <= 0)
		verr(v, "healthy deadline must be greater than zero: %s",
		     vd(u->healthy_deadline.v).s);
	if (u->progress_deadline.v < 0)
		verr(v, "progress deadline must be zero or greater: %s",
		     vd(u->progress_deadline.v).s);
	if (u->min_healthy_time.v >= u->healthy_deadline.v)
		verr(v,
		     "minimum healthy time must be less than healthy "
		     "deadline: %s > %s",
		     vd(u->min_healthy_time.v).s, vd(u->healthy_deadline.v).s);
	if (u->progress_deadline.v != 0 &&
	    u->healthy_deadline.v >= u->progress_deadline.v)
		verr(v,
		     "healthy deadline must be less than progress "
		     "deadline: %s > %s",
		     vd(u->healthy_deadline.v).s, vd(u->progress_deadline.v).s);
	if (u->stagger.v <= 0)
		verr(v, "stagger must be greater than zero: %s",
		     vd(u->stagger.v).s);
}

static void validate_migrate(struct vctx *v, const struct migrate_strategy *m)
{
	const char *hc = vs(m->health_check);
	if (m->max_parallel.v < 0)
		verr(v, "max_parallel must be >= 0 but found %lld",
		     (long long)m->max_parallel.v);
	if (hc[0] == '\0' && m->max_parallel.v > 0)
		verr(v, "missing health_check");
	else if (hc[0] != '\0' && !veq(hc, UPDATE_HEALTH_CHECKS) &&
	         !veq(hc, UPDATE_HEALTH_TASK_STATES))
		verr(v, "invalid health_check: \"%s\"", hc);
	if (m->min_healthy_time.v < 0)
		verr(v, "min_healthy_time is %s and must be >= 0",
		     vd(m->min_healthy_time.v).s);
	if (m->healthy_deadline.v < 0)
		verr(v, "healthy_deadline is %s and must be >= 0",
		     vd(m->healthy_deadline.v).s);
	if (m->min_healthy_time.v > m->healthy_deadline.v)
		verr(v, "min_healthy_time must be less than healthy_deadline");
}

static void validate_disconnect(struct vctx *v,
                                const struct disconnect_strategy *d)
{
	const char *rec = vs(d->reconcile);
	if (d->stop_on_client_after.set) {
		if (d->stop_on_client_after.v < 0)
			verr(v, "stop_on_client_after must be a positive "
			        "value");
		if (!vtype(v, JOB_TYPE_SERVICE) && !vtype(v, JOB_TYPE_BATCH))
			verr(v, "stop_on_client_after can only be used with "
			        "service or batch job types");
		if (d->lost_after != 0)
			verr(v, "stop_on_client_after and lost_after are "
			        "mutually exclusive");
	}
	if (d->lost_after < 0)
		verr(v, "lost_after must be a positive value");
	if (rec[0] != '\0' && !veq(rec, DISCONNECT_RECONCILE_BEST_SCORE) &&
	    !veq(rec, DISCONNECT_RECONCILE_LONGEST_RUNNING) &&
	    !veq(rec, DISCONNECT_RECONCILE_KEEP_ORIGINAL) &&
	    !veq(rec, DISCONNECT_RECONCILE_KEEP_REPLACEMENT))
		verr(v, "invalid reconcile option: %s", rec);
}

/* Runs fn on a sub-object with a path segment around it. */
#define VALIDATE_IN(v, seg, fn, obj)                  \
	do {                                          \
		size_t validate_old_ = vpush(v, seg); \
		fn(v, obj);                           \
		vpop(v, validate_old_);               \
	} while (0)

static void validate_group_policies(struct vctx *v, const struct task_group *tg)
{
	bool sys = vsystem(v) || vtype(v, JOB_TYPE_SYSBATCH);
	if (tg->restart_policy == NULL)
		verr(v, "missing restart policy");
	else
		VALIDATE_IN(v, "restart", validate_restart, tg->restart_policy);
	if (sys && tg->reschedule_policy != NULL)
		verr(v, "system or sysbatch jobs should not have a reschedule "
		        "policy");
	else if (!sys && tg->reschedule_policy == NULL)
		verr(v, "missing reschedule policy");
	else if (!sys)
		VALIDATE_IN(v, "reschedule", validate_reschedule,
		            tg->reschedule_policy);
	if (tg->update != NULL && !vtype(v, JOB_TYPE_SERVICE) && !vsystem(v))
		verr(v, "job type \"%s\" does not allow update block",
		     vs(v->job->type));
	if (tg->update != NULL)
		VALIDATE_IN(v, "update", validate_update, tg->update);
	if (tg->migrate != NULL && !vtype(v, JOB_TYPE_SERVICE))
		verr(v, "job type \"%s\" does not allow migrate block",
		     vs(v->job->type));
	else if (tg->migrate != NULL)
		VALIDATE_IN(v, "migrate", validate_migrate, tg->migrate);
	if (tg->disconnect != NULL)
		VALIDATE_IN(v, "disconnect", validate_disconnect,
		            tg->disconnect);
}

/* ---- networks ----------------------------------------------------------- */

/* Every port of the group's networks and of its tasks' (legacy) networks,
 * checked together: labels are one namespace, static ports one per host
 * network. */
struct vports {
	const struct port *p[256];
	size_t n;
};

static void validate_port(struct vctx *v, const struct network_resource *net,
                          const struct port *p, struct vports *seen)
{
	const char *label = vs(p->label);
	if (label[0] == '\0')
		verr(v, "port label is required");
	for (size_t i = 0; i < seen->n; i++) {
		const struct port *o = seen->p[i];
		if (veq(o->label, label) && label[0] != '\0')
			verr(v, "duplicate port label \"%s\"", label);
		if (p->value != 0 && o->value == p->value &&
		    veq(vempty(o->host_network) ? "default" : o->host_network,
		        vempty(p->host_network) ? "default"
		                                : p->host_network) &&
		    !p->ignore_collision)
			verr(v,
			     "static port %lld already reserved by port "
			     "\"%s\"",
			     (long long)p->value, vs(o->label));
	}
	if (p->value < 0 || p->value > VALIDATE_MAX_PORT)
		verr(v, "port \"%s\" (%lld) must be between 0 and %d", label,
		     (long long)p->value, VALIDATE_MAX_PORT);
	if (p->to < -1)
		verr(v, "port \"%s\" cannot be mapped to negative value %lld",
		     label, (long long)p->to);
	else if (p->to > VALIDATE_MAX_PORT)
		verr(v,
		     "port \"%s\" cannot be mapped to a port (%lld) greater "
		     "than %d",
		     label, (long long)p->to, VALIDATE_MAX_PORT);
	if (p->ignore_collision && !vempty(net->mode) &&
	    !veq(net->mode, NETWORK_MODE_HOST))
		verr(v,
		     "port \"%s\" collision may not be ignored on non-host "
		     "network mode \"%s\"",
		     label, net->mode);
	if (seen->n < sizeof seen->p / sizeof seen->p[0])
		seen->p[seen->n++] = p;
}

static void validate_network(struct vctx *v, const struct network_resource *n,
                             struct vports *seen)
{
	const char *mode = vs(n->mode);
	if (mode[0] != '\0' && !veq(mode, NETWORK_MODE_HOST) &&
	    !veq(mode, NETWORK_MODE_BRIDGE) && !veq(mode, NETWORK_MODE_NONE) &&
	    strncmp(mode, "cni/", 4) != 0)
		verr(v, "invalid network mode \"%s\"", mode);
	for (size_t i = 0; i < n->reserved_ports.n; i++)
		validate_port(v, n, &n->reserved_ports.v[i], seen);
	for (size_t i = 0; i < n->dynamic_ports.n; i++)
		validate_port(v, n, &n->dynamic_ports.v[i], seen);
	for (size_t i = 0; n->cni != NULL && i < n->cni->args.n; i++) {
		const struct strmap_ent *a = &n->cni->args.v[i];
		if (strchr(a->key, ';') != NULL)
			verr(v, "invalid ';' character in CNI arg key \"%s\"",
			     a->key);
		if (a->val != NULL && strchr(a->val, ';') != NULL)
			verr(v, "invalid ';' character in CNI arg value \"%s\"",
			     a->val);
	}
}

static void validate_group_networks(struct vctx *v, const struct task_group *tg)
{
	struct vports seen = {.n = 0};
	if (tg->networks.n > 1)
		verr(v, "only one network resource is allowed per group");
	for (size_t i = 0; i < tg->networks.n; i++) {
		size_t old = vpush(v, "network");
		validate_network(v, &tg->networks.v[i], &seen);
		vpop(v, old);
	}
	for (size_t i = 0; i < tg->tasks.n; i++) {
		const struct task *t = &tg->tasks.v[i];
		size_t old = vpush(v, "task \"%s\": network", vs(t->name));
		for (size_t j = 0; t->resources && j < t->resources->networks.n;
		     j++)
			validate_network(v, &t->resources->networks.v[j],
			                 &seen);
		vpop(v, old);
	}
}

/* ---- services ----------------------------------------------------------- */

/* RFC 1123 label, with ${...} interpolations standing for "ENV-VAR". */
static bool validate_service_name(const char *name)
{
	size_t len = 0;
	char prev = 0, first = 0;
	for (const char *p = vs(name); *p != '\0'; p++) {
		char c = *p;
		if (c == '$' && p[1] == '{' && strchr(p, '}') != NULL) {
			p = strchr(p, '}');
			len += 7, c = 'R';
		} else {
			len++;
		}
		if (!validate_is_alnum(c) && c != '-')
			return false;
		if (first == 0)
			first = c;
		prev = c;
	}
	return len >= 1 && len <= 63 && first != '-' && prev != '-';
}

static bool validate_check_requires_port(const struct service_check *c)
{
	return veq(c->type, CHECK_TYPE_HTTP) || veq(c->type, CHECK_TYPE_TCP) ||
	       veq(c->type, CHECK_TYPE_GRPC);
}

static void validate_check_type(struct vctx *v, const struct service_check *c,
                                bool nomad)
{
	const char *type = vs(c->type);
	bool ok_type =
	    veq(type, CHECK_TYPE_HTTP) || veq(type, CHECK_TYPE_TCP) ||
	    (!nomad &&
	     (veq(type, CHECK_TYPE_GRPC) || veq(type, CHECK_TYPE_SCRIPT)));
	if (!ok_type)
		verr(v, "invalid check type (\"%s\"), must be one of %s", type,
		     nomad ? "tcp, http" : "grpc, tcp, http, script");
	if (veq(type, CHECK_TYPE_HTTP) && vempty(c->path))
		verr(v, "http type must have http path");
	else if (veq(type, CHECK_TYPE_HTTP) && strstr(c->path, "://") != NULL)
		verr(v, "http type must have relative http path");
	if (veq(type, CHECK_TYPE_SCRIPT) && vempty(c->command))
		verr(v, "script type must have a valid script path");
}

/* Interval and timeout are required, at least 1s each. */
static void validate_check_times(struct vctx *v, const struct service_check *c)
{
	int64_t min = STIME_NS_PER_S;
	if (c->interval == 0)
		verr(v,
		     "missing required value interval. interval cannot be "
		     "less than %s",
		     vd(min).s);
	else if (c->interval < min)
		verr(v, "interval (%s) cannot be lower than %s",
		     vd(c->interval).s, vd(min).s);
	if (c->timeout == 0)
		verr(v,
		     "missing required value timeout. timeout cannot be "
		     "less than %s",
		     vd(min).s);
	else if (c->timeout < min)
		verr(v,
		     "timeout (%s) is lower than required minimum timeout "
		     "%s",
		     vd(c->timeout).s, vd(min).s);
}

static void validate_check_common(struct vctx *v, const struct service_check *c,
                                  bool nomad)
{
	const char *am = vs(c->address_mode);
	validate_check_type(v, c, nomad);
	validate_check_times(v, c);
	if (!vempty(c->initial_status) &&
	    !veq(c->initial_status, CHECK_STATUS_PASSING) &&
	    !veq(c->initial_status, CHECK_STATUS_WARNING) &&
	    !veq(c->initial_status, CHECK_STATUS_CRITICAL))
		verr(v,
		     "invalid initial check state (%s), must be one of "
		     "\"passing\", \"warning\", \"critical\" or empty",
		     c->initial_status);
	if (veq(am, ADDRESS_MODE_AUTO))
		verr(v, "invalid address_mode \"auto\" - auto only valid for "
		        "services");
	else if (am[0] != '\0' && !veq(am, ADDRESS_MODE_HOST) &&
	         !veq(am, ADDRESS_MODE_DRIVER) &&
	         !veq(am, ADDRESS_MODE_ALLOC) &&
	         !veq(am, ADDRESS_MODE_ALLOC_IPV6))
		verr(v, "invalid address_mode \"%s\"", am);
}

static void validate_check_on_update(struct vctx *v,
                                     const struct service_check *c)
{
	const char *ou = vs(c->on_update);
	if (ou[0] != '\0' && !veq(ou, ON_UPDATE_IGNORE) &&
	    !veq(ou, ON_UPDATE_REQUIRE_HEALTHY) &&
	    !veq(ou, ON_UPDATE_IGNORE_WARNINGS))
		verr(v,
		     "on_update must be \"require_healthy\", "
		     "\"ignore_warnings\", or \"ignore\"; got \"%s\"",
		     ou);
	if (c->check_restart == NULL)
		return;
	if (veq(ou, ON_UPDATE_IGNORE))
		verr(v, "on_update value \"ignore\" is not compatible with "
		        "check_restart");
	else if (!c->check_restart->ignore_warnings &&
	         veq(ou, ON_UPDATE_IGNORE_WARNINGS))
		verr(v, "on_update value \"ignore_warnings\" not supported "
		        "with check_restart ignore_warnings value \"false\"");
	if (c->check_restart->limit < 0)
		verr(v,
		     "limit must be greater than or equal to 0 but found "
		     "%lld",
		     (long long)c->check_restart->limit);
	if (c->check_restart->grace.v < 0)
		verr(v,
		     "grace period must be greater than or equal to 0 but "
		     "found %s",
		     vd(c->check_restart->grace.v).s);
}

/* The rules Nomad's own checker has, which Consul checks do not. */
static void validate_check_nomad(struct vctx *v, const struct service_check *c)
{
	if (c->expose)
		verr(v, "expose may only be set for Consul service checks");
	if (veq(c->on_update, ON_UPDATE_IGNORE_WARNINGS))
		verr(v, "on_update may only be set to ignore_warnings for "
		        "Consul service checks");
	if (c->check_restart != NULL && c->check_restart->ignore_warnings)
		verr(v, "ignore_warnings on check_restart only supported for "
		        "Consul service checks");
	if (veq(c->address_mode, ADDRESS_MODE_DRIVER))
		verr(v, "address_mode = driver may only be set for Consul "
		        "service checks");
	if (c->success_before_passing != 0)
		verr(v, "success_before_passing may only be set for Consul "
		        "service checks");
	if (c->failures_before_critical != 0)
		verr(v, "failures_before_critical may only be set for Consul "
		        "service checks");
	if (c->failures_before_warning != 0)
		verr(v, "failures_before_warning may only be set for Consul "
		        "service checks");
	if (!vempty(c->tls_server_name))
		verr(v, "tls_server_name may only be set for Consul service "
		        "checks");
}

static void validate_check(struct vctx *v, const struct service *s,
                           const struct service_check *c)
{
	bool nomad = veq(s->provider, SERVICE_PROVIDER_NOMAD);
	if (vempty(s->port_label) && vempty(c->port_label) &&
	    validate_check_requires_port(c)) {
		verr(v,
		     "check requires a port but neither check nor service "
		     "\"%s\" have a port",
		     vs(s->name));
		return;
	}
	validate_check_common(v, c, nomad);
	validate_check_on_update(v, c);
	if (nomad)
		validate_check_nomad(v, c);
}

static void validate_service_fields(struct vctx *v, const struct service *s)
{
	const char *am = vs(s->address_mode), *ou = vs(s->on_update);
	if (!validate_service_name(s->name))
		verr(v,
		     "service name must be valid per RFC 1123 and can "
		     "contain only alphanumeric characters or dashes and "
		     "must be no longer than 63 characters: \"%s\"",
		     vs(s->name));
	if (!veq(am, "") && !veq(am, ADDRESS_MODE_AUTO) &&
	    !veq(am, ADDRESS_MODE_HOST) && !veq(am, ADDRESS_MODE_DRIVER) &&
	    !veq(am, ADDRESS_MODE_ALLOC) && !veq(am, ADDRESS_MODE_ALLOC_IPV6))
		verr(v,
		     "service address_mode must be \"auto\", \"host\", or "
		     "\"driver\"; not \"%s\"",
		     am);
	else if (!veq(am, "") && !veq(am, ADDRESS_MODE_AUTO) &&
	         !vempty(s->address))
		verr(v, "service address_mode must be \"auto\" if address is "
		        "set");
	if (ou[0] != '\0' && !veq(ou, ON_UPDATE_IGNORE) &&
	    !veq(ou, ON_UPDATE_REQUIRE_HEALTHY) &&
	    !veq(ou, ON_UPDATE_IGNORE_WARNINGS))
		verr(v,
		     "service on_update must be \"require_healthy\", "
		     "\"ignore_warnings\", or \"ignore\"; not \"%s\"",
		     ou);
	if (!veq(s->provider, SERVICE_PROVIDER_CONSUL) &&
	    !veq(s->provider, SERVICE_PROVIDER_NOMAD))
		verr(v,
		     "service provider must be \"consul\", or \"nomad\"; "
		     "not \"%s\"",
		     vs(s->provider));
	if (veq(s->provider, SERVICE_PROVIDER_NOMAD) &&
	    s->connect.kind != VALUE_NULL)
		verr(v, "service with provider nomad cannot include Connect "
		        "blocks");
	if (s->identity != NULL && s->identity->audience.n == 0)
		verr(v, "service identity must provide at least one target aud "
		        "value");
}

static void validate_service(struct vctx *v, const struct service *s)
{
	validate_service_fields(v, s);
	for (size_t i = 0; i < s->checks.n; i++) {
		const struct service_check *c = &s->checks.v[i];
		size_t old = vpush(v, "check %zu", i + 1);
		validate_check(v, s, c);
		for (size_t j = 0; j < i; j++)
			if (veq(s->checks.v[j].name, c->name)) {
				verr(v, "duplicate check name \"%s\"",
				     vs(c->name));
				break;
			}
		vpop(v, old);
	}
}

static bool validate_port_label_known(const struct task_group *tg,
                                      const struct task *t, const char *label)
{
	const struct network_resource_list *nets[2] = {
	    &tg->networks,
	    t != NULL && t->resources != NULL ? &t->resources->networks : NULL};
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; nets[k] != NULL && i < nets[k]->n; i++) {
			const struct network_resource *n = &nets[k]->v[i];
			for (size_t j = 0; j < n->reserved_ports.n; j++)
				if (veq(n->reserved_ports.v[j].label, label))
					return true;
			for (size_t j = 0; j < n->dynamic_ports.n; j++)
				if (veq(n->dynamic_ports.v[j].label, label))
					return true;
		}
	}
	return false;
}

static bool validate_is_number(const char *s)
{
	if (vempty(s))
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A port a service or its checks name must be a port of the group (or
 * task) network, unless it is a number with address_mode "driver". */
static void validate_service_port(struct vctx *v, const struct task_group *tg,
                                  const struct task *t, const char *label,
                                  const char *address_mode)
{
	if (vempty(label))
		return;
	if (validate_is_number(label)) {
		if (!veq(address_mode, ADDRESS_MODE_DRIVER))
			verr(v,
			     "cannot use a numeric port %s without setting "
			     "address_mode=\"driver\"",
			     label);
		return;
	}
	if (!validate_port_label_known(tg, t, label))
		verr(v, "port label \"%s\" does not exist", label);
}

static void validate_task_service(struct vctx *v, const struct task_group *tg,
                                  const struct task *t, const struct service *s)
{
	validate_service(v, s);
	if (veq(s->address_mode, ADDRESS_MODE_ALLOC) ||
	    veq(s->address_mode, ADDRESS_MODE_ALLOC_IPV6))
		verr(v,
		     "cannot use address_mode=\"%s\", only services "
		     "defined in a \"group\" block can use this mode",
		     s->address_mode);
	if (!vempty(s->task_name) && !veq(s->task_name, t->name))
		verr(v,
		     "may only specify task the service belongs to, got "
		     "\"%s\"",
		     s->task_name);
	if (s->connect.kind != VALUE_NULL)
		verr(v, "cannot have \"connect\" block, only services defined "
		        "in a \"group\" block can");
	validate_service_port(v, tg, t, s->port_label, s->address_mode);
	for (size_t i = 0; i < s->checks.n; i++) {
		const struct service_check *c = &s->checks.v[i];
		size_t old = vpush(v, "check %zu", i + 1);
		if (validate_check_requires_port(c) && !vempty(c->port_label))
			validate_service_port(v, tg, t, c->port_label,
			                      c->address_mode);
		vpop(v, old);
	}
}

static void validate_group_service(struct vctx *v, const struct task_group *tg,
                                   const struct service *s)
{
	validate_service(v, s);
	if (veq(s->address_mode, ADDRESS_MODE_DRIVER))
		verr(v, "cannot use address_mode=\"driver\", only services "
		        "defined in a \"task\" block can use this mode");
	/* Group services may name a port by number (Connect sidecars). */
	if (!validate_is_number(s->port_label))
		validate_service_port(v, tg, NULL, s->port_label,
		                      s->address_mode);
	for (size_t i = 0; i < s->checks.n; i++) {
		const struct service_check *c = &s->checks.v[i];
		size_t old = vpush(v, "check %zu", i + 1);
		if (!vempty(c->task_name) &&
		    task_group_lookup_task(tg, c->task_name) == NULL)
			verr(v, "refers to non-existent task \"%s\"",
			     c->task_name);
		if (validate_check_requires_port(c) && !vempty(c->port_label))
			validate_service_port(v, tg, NULL, c->port_label,
			                      c->address_mode);
		vpop(v, old);
	}
}

/* Services are identified by (name, task, port); a group uses one
 * provider. */
static void validate_group_services_unique(struct vctx *v,
                                           const struct task_group *tg)
{
	const struct service *all[256];
	const char *owner[256];
	size_t n = 0;
	for (size_t i = 0; i < tg->services.n && n < 256; i++, n++)
		all[n] = &tg->services.v[i], owner[n] = "group";
	for (size_t i = 0; i < tg->tasks.n; i++)
		for (size_t j = 0; j < tg->tasks.v[i].services.n && n < 256;
		     j++, n++)
			all[n] = &tg->tasks.v[i].services.v[j],
			owner[n] = vs(tg->tasks.v[i].name);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (veq(all[i]->name, all[j]->name) &&
			    veq(owner[i], owner[j]) &&
			    veq(all[i]->port_label, all[j]->port_label)) {
				verr(v, "duplicate service \"%s\" in %s",
				     vs(all[i]->name), owner[i]);
				break;
			}
		}
		if (i > 0 && !veq(all[i]->provider, all[0]->provider)) {
			verr(v, "multiple service providers used: task group "
			        "services must use the same provider");
			return;
		}
	}
}

static void validate_group_services(struct vctx *v, const struct task_group *tg)
{
	for (size_t i = 0; i < tg->services.n; i++) {
		const struct service *s = &tg->services.v[i];
		size_t old = vpush(v, "service \"%s\"", vs(s->name));
		validate_group_service(v, tg, s);
		vpop(v, old);
	}
	validate_group_services_unique(v, tg);
}

/* ---- tasks -------------------------------------------------------------- */

static void validate_devices(struct vctx *v, const struct resources *r)
{
	for (size_t i = 0; i < r->devices.n; i++)
		if (vempty(r->devices.v[i].name))
			verr(v,
			     "device %zu: device name must be given as one "
			     "of the following: type, vendor/type, or "
			     "vendor/type/name",
			     i + 1);
	if (r->numa != NULL && !veq(r->numa->affinity, "none") &&
	    !veq(r->numa->affinity, "prefer") &&
	    !veq(r->numa->affinity, "require"))
		verr(v,
		     "numa affinity must be one of none, prefer, or require");
}

static void validate_resources(struct vctx *v, const struct resources *r)
{
	if (r->cores > 0 && r->cpu > 0)
		verr(v, "task can only ask for 'cpu' or 'cores' resource, not "
		        "both");
	if (r->cores < 0)
		verr(v, "cores value (%lld) cannot be negative",
		     (long long)r->cores);
	if (r->cpu < 1 && r->cores == 0)
		verr(v, "minimum CPU value is 1; got %lld", (long long)r->cpu);
	if (r->memory_mb < 10)
		verr(v, "minimum MemoryMB value is 10; got %lld",
		     (long long)r->memory_mb);
	if (r->disk_mb > 0)
		verr(v, "task can't ask for disk resources, they have to be "
		        "specified at the task group level");
	if (r->memory_max_mb != 0 && r->memory_max_mb != -1 &&
	    r->memory_max_mb < r->memory_mb)
		verr(v,
		     "memory_max value (%lld) should be larger than memory "
		     "value (%lld)",
		     (long long)r->memory_max_mb, (long long)r->memory_mb);
	if (r->secrets_mb > r->memory_mb)
		verr(v,
		     "secrets value (%lld) cannot be larger than memory "
		     "value (%lld)",
		     (long long)r->secrets_mb, (long long)r->memory_mb);
	if (r->secrets_mb < 0)
		verr(v, "secrets value (%lld) cannot be negative",
		     (long long)r->secrets_mb);
	validate_devices(v, r);
}

static void validate_logs(struct vctx *v, const struct log_config *l,
                          const struct ephemeral_disk *disk)
{
	if (l->max_files < 1)
		verr(v, "minimum number of files is 1; got %lld",
		     (long long)l->max_files);
	if (l->max_file_size_mb < 1)
		verr(v, "minimum file size is 1MB; got %lld",
		     (long long)l->max_file_size_mb);
	int64_t usage;
	if (__builtin_mul_overflow(l->max_files, l->max_file_size_mb, &usage))
		usage = INT64_MAX;
	if (disk != NULL && l->max_files > 0 && l->max_file_size_mb > 0 &&
	    disk->size_mb <= usage)
		verr(v,
		     "log storage (%lld MB) must be less than requested "
		     "disk capacity (%lld MB)",
		     (long long)usage, (long long)disk->size_mb);
}

static void validate_artifact(struct vctx *v, const struct task_artifact *a)
{
	const char *mode = vs(a->getter_mode);
	if (vempty(a->getter_source))
		verr(v, "source must be specified");
	if (mode[0] != '\0' && !veq(mode, ARTIFACT_MODE_ANY) &&
	    !veq(mode, ARTIFACT_MODE_FILE) && !veq(mode, ARTIFACT_MODE_DIR))
		verr(v,
		     "invalid artifact mode \"%s\"; must be one of: any, "
		     "file, dir",
		     mode);
	if (validate_path_escapes("task", a->relative_dest))
		verr(v, "destination escapes allocation directory");
}

static bool validate_octal_perms(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 4)
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '7')
			return false;
	return true;
}

static void validate_template_mode(struct vctx *v,
                                   const struct task_template *t)
{
	const char *mode = vs(t->change_mode);
	if (veq(mode, TEMPLATE_CHANGE_SIGNAL)) {
		if (vempty(t->change_signal))
			verr(v, "must specify signal value when change mode "
			        "is signal");
		if (t->envvars)
			verr(v, "cannot use signals with env var templates");
	} else if (veq(mode, TEMPLATE_CHANGE_SCRIPT)) {
		if (t->change_script == NULL)
			verr(v, "must specify change script configuration "
			        "value when change mode is script");
		else if (vempty(t->change_script->command))
			verr(v, "must specify script path value when change "
			        "mode is script");
		else if (t->change_script->timeout < 0)
			verr(v, "must specify positive timeout value for "
			        "change script");
	} else if (!veq(mode, TEMPLATE_CHANGE_NOOP) &&
	           !veq(mode, TEMPLATE_CHANGE_RESTART)) {
		verr(v, "invalid change mode. must be one of the following: "
		        "noop, signal, script, restart");
	}
}

static void validate_template(struct vctx *v, const struct task_template *t)
{
	if (vempty(t->source_path) && vempty(t->embedded_tmpl))
		verr(v, "must specify a source path or have an embedded "
		        "template");
	if (vempty(t->dest_path))
		verr(v, "must specify a destination for the template");
	else if (validate_path_escapes("task", t->dest_path))
		verr(v, "destination escapes allocation directory");
	validate_template_mode(v, t);
	if (t->splay.v < 0)
		verr(v, "must specify positive splay value");
	if (!vempty(t->perms) && !validate_octal_perms(t->perms))
		verr(v, "failed to parse \"%s\" as octal", t->perms);
	if (t->wait != NULL && t->wait->min.set && t->wait->max.set &&
	    t->wait->min.v > t->wait->max.v)
		verr(v, "wait min %s is greater than max %s",
		     vd(t->wait->min.v).s, vd(t->wait->max.v).s);
}

static void validate_templates(struct vctx *v, const struct task *t)
{
	for (size_t i = 0; i < t->templates.n; i++) {
		const struct task_template *tm = &t->templates.v[i];
		size_t old = vpush(v, "template %zu", i + 1);
		validate_template(v, tm);
		vpop(v, old);
		for (size_t j = 0; j < i; j++)
			if (!vempty(tm->dest_path) &&
			    veq(t->templates.v[j].dest_path, tm->dest_path)) {
				verr(v,
				     "template %zu has same destination as "
				     "%zu",
				     i + 1, j + 1);
				break;
			}
	}
}

static bool validate_identity_name(const char *s)
{
	size_t n = 0;
	for (; s != NULL && *s != '\0'; s++, n++)
		if (!validate_is_alnum(*s) && *s != '-' && *s != '_')
			return false;
	return n >= 1 && n <= 128;
}

static void validate_identity(struct vctx *v, const struct workload_identity *w)
{
	const char *mode = vs(w->change_mode);
	bool def =
	    vempty(w->name) || veq(w->name, WORKLOAD_IDENTITY_DEFAULT_NAME);
	if (!validate_identity_name(w->name))
		verr(v, "invalid name \"%s\"", vs(w->name));
	for (size_t i = 0; i < w->audience.n; i++)
		if (vempty(w->audience.v[i]))
			verr(v, "an empty string is an invalid audience (%zu)",
			     i + 1);
	if (mode[0] == '\0' || veq(mode, "noop") || veq(mode, "restart")) {
		if (!vempty(w->change_signal))
			verr(v,
			     "can only use change_signal=\"%s\" with "
			     "change_mode=\"signal\"",
			     w->change_signal);
	} else if (veq(mode, "signal")) {
		if (vempty(w->change_signal))
			verr(v, "change_signal must be specified when using "
			        "change_mode=\"signal\"");
	} else {
		verr(v, "invalid change_mode: %s", mode);
	}
	if (w->ttl > 0 && def)
		verr(v, "ttl for default identity not yet supported");
	if (w->ttl < 0)
		verr(v, "ttl must be >= 0");
	if (!vempty(w->filepath) && !w->file)
		verr(v, "file parameter must be true in order to specify "
		        "filepath");
}

static void validate_task_identities(struct vctx *v, const struct task *t)
{
	if (t->identity != NULL) {
		size_t old = vpush(v, "identity \"%s\"", vs(t->identity->name));
		validate_identity(v, t->identity);
		vpop(v, old);
	}
	for (size_t i = 0; i < t->identities.n; i++) {
		const struct workload_identity *w = &t->identities.v[i];
		size_t old = vpush(v, "identity \"%s\"", vs(w->name));
		if (veq(w->name, WORKLOAD_IDENTITY_DEFAULT_NAME))
			verr(v, "duplicate default identities found");
		validate_identity(v, w);
		vpop(v, old);
	}
}

static void validate_task_name(struct vctx *v, const struct task *t)
{
	if (veq(t->name, "alloc"))
		verr(v, "task cannot be named \"alloc\"");
	if (t->name != NULL && strpbrk(t->name, "/\\") != NULL)
		verr(v, "task name cannot include slashes");
}

static void validate_task_times(struct vctx *v, const struct task_group *tg,
                                const struct task *t)
{
	const struct update_strategy *u = tg->update;
	if (t->kill_timeout < 0)
		verr(v, "kill_timeout must be a positive value");
	else if (vtype(v, JOB_TYPE_SERVICE) && u != NULL &&
	         u->progress_deadline.v > 0 &&
	         t->kill_timeout > u->progress_deadline.v)
		verr(v,
		     "kill_timeout (%s) longer than the group's "
		     "progress_deadline (%s)",
		     vd(t->kill_timeout).s, vd(u->progress_deadline.v).s);
	if (t->shutdown_delay < 0)
		verr(v, "shutdown_delay must be a positive value");
}

static void validate_task_blocks(struct vctx *v, const struct task_group *tg,
                                 const struct task *t)
{
	const struct task_lifecycle *lc = t->lifecycle;
	if (t->resources == NULL)
		verr(v, "missing task resources");
	else
		VALIDATE_IN(v, "resources", validate_resources, t->resources);
	if (t->log_config == NULL)
		verr(v, "missing log config");
	else
		validate_logs(v, t->log_config, tg->ephemeral_disk);
	if (t->dispatch_payload != NULL &&
	    validate_path_escapes("task/local/", t->dispatch_payload->file))
		verr(v, "dispatch_payload: destination escapes allocation "
		        "directory");
	if (lc != NULL && vempty(lc->hook))
		verr(v, "lifecycle: no lifecycle hook provided");
	else if (lc != NULL && !veq(lc->hook, LIFECYCLE_HOOK_PRESTART) &&
	         !veq(lc->hook, LIFECYCLE_HOOK_POSTSTART) &&
	         !veq(lc->hook, LIFECYCLE_HOOK_POSTSTOP))
		verr(v, "lifecycle: invalid hook: %s", lc->hook);
	for (size_t i = 0; i < t->volume_mounts.n; i++) {
		const struct volume_mount *m = &t->volume_mounts.v[i];
		bool known = false;
		for (size_t j = 0; j < tg->volumes.n && !known; j++)
			known = veq(tg->volumes.v[j].key, m->volume);
		if (!known)
			verr(v,
			     "volume_mount %zu references undefined volume "
			     "\"%s\"",
			     i + 1, vs(m->volume));
	}
}

static void validate_task(struct vctx *v, const struct task_group *tg,
                          const struct task *t)
{
	validate_task_name(v, t);
	if (vempty(t->driver))
		verr(v, "missing driver");
	validate_task_times(v, tg, t);
	validate_task_blocks(v, tg, t);
	validate_constraints(v, &t->constraints, true);
	validate_affinities(v, &t->affinities);
	for (size_t i = 0; i < t->services.n; i++) {
		size_t old =
		    vpush(v, "service \"%s\"", vs(t->services.v[i].name));
		validate_task_service(v, tg, t, &t->services.v[i]);
		vpop(v, old);
	}
	for (size_t i = 0; i < t->artifacts.n; i++) {
		size_t old = vpush(v, "artifact %zu", i + 1);
		validate_artifact(v, &t->artifacts.v[i]);
		vpop(v, old);
	}
	validate_templates(v, t);
	validate_task_identities(v, t);
}

/* ---- groups ------------------------------------------------------------- */

static void validate_group_tasks(struct vctx *v, const struct task_group *tg)
{
	size_t leaders = 0, mains = 0;
	for (size_t i = 0; i < tg->tasks.n; i++) {
		const struct task *t = &tg->tasks.v[i];
		size_t old;
		leaders += t->leader;
		mains += task_is_main(t);
		if (vempty(t->name)) {
			verr(v, "task %zu missing name", i + 1);
			continue;
		}
		if (task_group_lookup_task(tg, t->name) != t) {
			verr(v, "duplicate task \"%s\"", t->name);
			continue;
		}
		old = vpush(v, "task \"%s\"", t->name);
		validate_task(v, tg, t);
		vpop(v, old);
	}
	if (tg->tasks.n == 0)
		verr(v, "missing tasks for task group");
	if (leaders > 1)
		verr(v, "only one task may be marked as leader");
	if (tg->tasks.n > 0 && mains == 0)
		verr(v, "must have at least one main task");
}

static void validate_volume(struct vctx *v, const struct task_group *tg,
                            const struct volume_request *vr)
{
	bool sys = vsystem(v) || vtype(v, JOB_TYPE_SYSBATCH);
	if (!veq(vr->type, VOLUME_TYPE_HOST) &&
	    !veq(vr->type, VOLUME_TYPE_CSI)) {
		verr(v, "volume has unrecognized type %s", vs(vr->type));
		return;
	}
	if (vempty(vr->source))
		verr(v, "volume has an empty source");
	if (vr->per_alloc && sys)
		verr(v, "volume cannot be per_alloc for system or sysbatch "
		        "jobs");
	if (vr->per_alloc && tg->update != NULL && tg->update->canary.v > 0)
		verr(v, "volume cannot be per_alloc when canaries are in use");
	if (vr->per_alloc && vr->sticky)
		verr(v, "volume cannot be per_alloc and sticky at the same "
		        "time");
	if (veq(vr->type, VOLUME_TYPE_HOST) && vr->mount_options != NULL)
		verr(v, "host volumes cannot have mount options");
}

static void validate_group_durations(struct vctx *v,
                                     const struct task_group *tg)
{
	if (tg->shutdown_delay.set && tg->shutdown_delay.v < 0)
		verr(v, "shutdown_delay must be a positive value");
	if (!tg->max_run_duration.set)
		return;
	if (tg->max_run_duration.v <= 0)
		verr(v, "max_run_duration must be greater than zero");
	if (!vtype(v, JOB_TYPE_BATCH) && !vtype(v, JOB_TYPE_SYSBATCH))
		verr(v, "job type \"%s\" does not allow max_run_duration",
		     vs(v->job->type));
}

static void validate_group(struct vctx *v, const struct task_group *tg)
{
	if (tg->count.v < 0)
		verr(v, "count must be >= 0");
	if (vsystem(v) && tg->count.v > 1)
		verr(v, "count %lld cannot exceed 1 with the system scheduler",
		     (long long)tg->count.v);
	validate_group_durations(v, tg);
	validate_constraints(v, &tg->constraints, false);
	validate_affinities(v, &tg->affinities);
	validate_spreads(v, &tg->spreads);
	validate_group_policies(v, tg);
	if (tg->ephemeral_disk == NULL)
		verr(v, "missing ephemeral disk");
	else if (tg->ephemeral_disk->size_mb < 10)
		verr(v, "minimum DiskMB value is 10; got %lld",
		     (long long)tg->ephemeral_disk->size_mb);
	for (size_t i = 0; i < tg->volumes.n; i++) {
		size_t old = vpush(v, "volume \"%s\"", tg->volumes.v[i].key);
		validate_volume(v, tg, &tg->volumes.v[i].val);
		vpop(v, old);
	}
	validate_group_networks(v, tg);
	validate_group_services(v, tg);
	validate_group_tasks(v, tg);
}

static int vgroup_cmp(const void *a, const void *b)
{
	const struct task_group *x = *(const struct task_group *const *)a;
	const struct task_group *y = *(const struct task_group *const *)b;
	int c = strcmp(vs(x->name), vs(y->name));
	return c != 0 ? c : (x < y ? -1 : x > y);
}

/* dup[i]: group i repeats an earlier group's name. Sorting keeps this
 * O(n log n) for jobs with thousands of groups. NULL on oom. */
static bool *vgroup_dups(const struct job *job)
{
	size_t n = job->task_groups.n;
	const struct task_group **order = mem_calloc(n ? n : 1, sizeof *order);
	bool *dup = mem_calloc(n ? n : 1, sizeof *dup);
	if (order == NULL || dup == NULL) {
		mem_free(order);
		mem_free(dup);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = &job->task_groups.v[i];
	qsort(order, n, sizeof *order, vgroup_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(vs(order[i]->name), vs(order[i - 1]->name)) == 0)
			dup[order[i] - job->task_groups.v] = true;
	mem_free(order);
	return dup;
}

static void validate_groups(struct vctx *v, const struct job *job)
{
	bool *dup = vgroup_dups(job);
	if (job->task_groups.n == 0)
		verr(v, "missing job task groups");
	for (size_t i = 0; i < job->task_groups.n; i++) {
		const struct task_group *tg = &job->task_groups.v[i];
		size_t old;
		if (vempty(tg->name)) {
			verr(v, "group %zu missing name", i + 1);
			continue;
		}
		if (dup != NULL ? dup[i] : job_lookup_group(job, tg->name) != tg) {
			verr(v, "duplicate group \"%s\"", tg->name);
			continue;
		}
		old = vpush(v, "group \"%s\"", tg->name);
		validate_group(v, tg);
		vpop(v, old);
	}
	mem_free(dup);
}

/* ---- job ---------------------------------------------------------------- */

static void validate_job_type(struct vctx *v, const struct job *job)
{
	const char *t = vs(job->type);
	if (t[0] == '\0')
		verr(v, "missing job type");
	else if (veq(t, JOB_TYPE_CORE))
		verr(v, "job type cannot be core");
	else if (!veq(t, JOB_TYPE_SERVICE) && !veq(t, JOB_TYPE_BATCH) &&
	         !veq(t, JOB_TYPE_SYSTEM) && !veq(t, JOB_TYPE_SYSBATCH))
		verr(v, "invalid job type: \"%s\"", t);
}

static void validate_job_identity(struct vctx *v, const struct job *job)
{
	bool multiregion = job->multiregion.kind != VALUE_NULL;
	if (vempty(job->region) && !multiregion)
		verr(v, "missing job region");
	if (vempty(job->id))
		verr(v, "missing job ID");
	else if (strchr(job->id, ' ') != NULL)
		verr(v, "job ID contains a space");
	if (vempty(job->name))
		verr(v, "missing job name");
	if (vempty(job->namespace))
		verr(v, "job must be in a namespace");
	validate_job_type(v, job);
	if (job->priority < JOB_MIN_PRIORITY ||
	    job->priority > JOB_MAX_PRIORITY)
		verr(v, "job priority must be between [%d, %d]",
		     JOB_MIN_PRIORITY, JOB_MAX_PRIORITY);
	if (job->datacenters.n == 0 && !multiregion)
		verr(v, "missing job datacenters");
	for (size_t i = 0; i < job->datacenters.n; i++)
		if (vempty(job->datacenters.v[i]))
			verr(v, "job datacenter must be non-empty string");
	if (job->payload.n > 0)
		verr(v, "job can't be submitted with a payload, only "
		        "dispatched");
	if (job->ui != NULL && job->ui->description != NULL &&
	    strlen(job->ui->description) > 1000)
		verr(v,
		     "ui description must be under 1000 characters, "
		     "currently %zu",
		     strlen(job->ui->description));
}

static void validate_periodic(struct vctx *v, const struct periodic_config *p)
{
	bool batch = vtype(v, JOB_TYPE_BATCH) || vtype(v, JOB_TYPE_SYSBATCH);
	if (!batch)
		verr(v, "periodic can only be used with \"batch\" or "
		        "\"sysbatch\" scheduler");
	if (!vempty(p->spec) && p->specs.n > 0)
		verr(v, "only cron or crons may be used");
	if (vempty(p->spec) && p->specs.n == 0)
		verr(v, "must specify a spec");
	if (!veq(p->spec_type, PERIODIC_SPEC_CRON) &&
	    !veq(p->spec_type, "test"))
		verr(v, "unknown periodic specification type \"%s\"",
		     vs(p->spec_type));
}

static void validate_parameterized(struct vctx *v,
                                   const struct parameterized_job_config *p)
{
	const char *pl = vs(p->payload);
	if (!vtype(v, JOB_TYPE_BATCH) && !vtype(v, JOB_TYPE_SYSBATCH))
		verr(v, "parameterized job can only be used with \"batch\" or "
		        "\"sysbatch\" scheduler");
	if (!veq(pl, DISPATCH_PAYLOAD_OPTIONAL) &&
	    !veq(pl, DISPATCH_PAYLOAD_REQUIRED) &&
	    !veq(pl, DISPATCH_PAYLOAD_FORBIDDEN))
		verr(v, "unknown payload requirement: \"%s\"", pl);
	for (size_t i = 0; i < p->meta_required.n; i++)
		if (strlist_contains(&p->meta_optional, p->meta_required.v[i]))
			verr(v,
			     "required and optional meta keys should be "
			     "disjoint: \"%s\" is in both",
			     p->meta_required.v[i]);
}

int job_validate(const struct job *job, struct errlist *errs)
{
	struct vctx v = {.errs = errs, .job = job, .path = "", .len = 0};
	size_t before = errs->n;
	validate_job_identity(&v, job);
	validate_constraints(&v, &job->constraints, false);
	validate_affinities(&v, &job->affinities);
	validate_spreads(&v, &job->spreads);
	if (job_is_periodic(job))
		VALIDATE_IN(&v, "periodic", validate_periodic, job->periodic);
	if (job_is_parameterized(job))
		VALIDATE_IN(&v, "parameterized", validate_parameterized,
		            job->parameterized_job);
	validate_groups(&v, job);
	return errs->n > before ? ERR_VALIDATE : ERR_OK;
}
