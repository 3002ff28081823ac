/* scheduler/version.c: go-version style versions and constraints, and the
 * semver flavour of constraints (see version.h). */
#include "scheduler/version.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

struct sched_version {
	int64_t *seg;
	size_t nseg; /* at least 3 (padded with zeros) */
	size_t si;   /* segments written */
	char *pre;   /* "" when none */
	char *meta;  /* "" when none */
};

enum vc_op { VC_EQ, VC_NE, VC_GT, VC_LT, VC_GE, VC_LE, VC_PESS };

struct vc_one {
	enum vc_op op;
	struct sched_version *v;
};

struct sched_vconstraint {
	struct vc_one *v;
	size_t n;
	bool semver;
};

/* ---- parsing versions ------------------------------------------------------
 */

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '~';
}

/* Consumes `[0-9A-Za-z~-]+(\.[0-9A-Za-z~-]+)*`; the end, or NULL. */
static const char *scan_ident(const char *p)
{
	if (!ident_char(*p))
		return NULL;
	for (;;) {
		while (ident_char(*p))
			p++;
		if (*p != '.' || !ident_char(p[1]))
			return p;
		p++;
	}
}

/* Consumes the numeric segments; 0 or -1 (malformed, overflow, oom). */
static int scan_segments(const char **pp, struct sched_version *v)
{
	const char *p = *pp;
	for (;;) {
		char *end;
		int64_t *seg;
		long long x;
		if (!isdigit((unsigned char)*p))
			return -1;
		errno = 0;
		x = strtoll(p, &end, 10);
		if (errno != 0)
			return -1;
		seg = mem_realloc(v->seg, (v->si + 1) * sizeof *seg);
		if (seg == NULL)
			return -1;
		v->seg = seg;
		v->seg[v->si++] = x;
		p = end;
		if (*p != '.' || !isdigit((unsigned char)p[1]))
			break;
		p++;
	}
	*pp = p;
	return 0;
}

static int pad_segments(struct sched_version *v)
{
	size_t n = v->si < 3 ? 3 : v->si;
	int64_t *seg = mem_realloc(v->seg, n * sizeof *seg);
	if (seg == NULL)
		return -1;
	for (size_t i = v->si; i < n; i++)
		seg[i] = 0;
	v->seg = seg;
	v->nseg = n;
	return 0;
}

/* The prerelease at p: its first character and the end, or start NULL
 * when there is none (pp unchanged). -1 when malformed. */
static int scan_pre(const char **pp, const char **start, bool strict)
{
	const char *p = *pp, *end;
	*start = NULL;
	if (*p == '-' && ident_char(p[1]))
		*start = p + 1;
	else if (!strict &&
	         (isalpha((unsigned char)*p) || *p == '-' || *p == '~'))
		*start = p;
	if (*start == NULL)
		return 0;
	end = scan_ident(*start);
	if (end == NULL)
		return -1;
	*pp = end;
	return 0;
}

static int parse_tail(struct sched_version *v, const char *p, bool strict)
{
	const char *pre, *meta = NULL, *mend = NULL, *pend;
	if (scan_pre(&p, &pre, strict) != 0)
		return -1;
	pend = p;
	if (*p == '+') {
		meta = p + 1;
		mend = scan_ident(meta);
		if (mend == NULL)
			return -1;
		p = mend;
	}
	if (*p != '\0')
		return -1;
	v->pre = pre != NULL ? mem_strndup(pre, (size_t)(pend - pre))
	                     : mem_strdup("");
	v->meta = meta != NULL ? mem_strndup(meta, (size_t)(mend - meta))
	                       : mem_strdup("");
	return v->pre != NULL && v->meta != NULL ? 0 : -1;
}

struct sched_version *sched_version_parse(const char *s, bool strict)
{
	struct sched_version *v;
	const char *p = s;
	if (s == NULL)
		return NULL;
	v = mem_calloc(1, sizeof *v);
	if (v == NULL)
		return NULL;
	if (*p == 'v')
		p++;
	if (scan_segments(&p, v) != 0 || pad_segments(v) != 0 ||
	    parse_tail(v, p, strict) != 0) {
		sched_version_free(v);
		return NULL;
	}
	return v;
}

void sched_version_free(struct sched_version *v)
{
	if (v == NULL)
		return;
	mem_free(v->seg);
	mem_free(v->pre);
	mem_free(v->meta);
	mem_free(v);
}

/* ---- ordering ------------------------------------------------------------ */

/* A prerelease part Go's ParseInt accepts (no overflow: at most 18
 * digits is always safe, longer ones are read as words). */
static bool all_digits(const char *s, size_t n)
{
	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int cmp_num_str(const char *a, size_t an, const char *b, size_t bn)
{
	while (an > 1 && *a == '0')
		a++, an--;
	while (bn > 1 && *b == '0')
		b++, bn--;
	if (an != bn)
		return an < bn ? -1 : 1;
	int c = memcmp(a, b, an);
	return c < 0 ? -1 : c > 0;
}

/* One prerelease part against another (go-version's comparePart). */
static int cmp_part(const char *a, size_t an, const char *b, size_t bn)
{
	bool anum = all_digits(a, an), bnum = all_digits(b, bn);
	int c;
	if (an == bn && memcmp(a, b, an) == 0)
		return 0;
	if (an == 0)
		return bnum ? -1 : 1;
	if (bn == 0)
		return anum ? 1 : -1;
	if (anum && !bnum)
		return -1;
	if (!anum && bnum)
		return 1;
	if (anum) /* equal numbers spelled differently: Go says -1 */
		return cmp_num_str(a, an, b, bn) > 0 ? 1 : -1;
	c = memcmp(a, b, an < bn ? an : bn);
	if (c == 0)
		return an < bn ? -1 : 1;
	return c < 0 ? -1 : 1;
}

static size_t part_len(const char *s)
{
	const char *dot = strchr(s, '.');
	return dot != NULL ? (size_t)(dot - s) : strlen(s);
}

static int cmp_pre(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		size_t an = part_len(a), bn = part_len(b);
		int c = cmp_part(a, an, b, bn);
		if (c != 0)
			return c;
		a += an + (a[an] == '.');
		b += bn + (b[bn] == '.');
	}
	return 0;
}

static bool equal_segments(const struct sched_version *a,
                           const struct sched_version *b)
{
	if (a->nseg != b->nseg)
		return false;
	for (size_t i = 0; i < a->nseg; i++)
		if (a->seg[i] != b->seg[i])
			return false;
	return true;
}

static int cmp_segments(const struct sched_version *a,
                        const struct sched_version *b)
{
	size_t n = a->nseg > b->nseg ? a->nseg : b->nseg;
	for (size_t i = 0; i < n; i++) {
		int64_t x = i < a->nseg ? a->seg[i] : 0;
		int64_t y = i < b->nseg ? b->seg[i] : 0;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

int sched_version_compare(const struct sched_version *a,
                          const struct sched_version *b)
{
	if (!equal_segments(a, b))
		return cmp_segments(a, b);
	if (strcmp(a->pre, b->pre) == 0)
		return 0;
	if (*a->pre == '\0')
		return 1;
	if (*b->pre == '\0')
		return -1;
	return cmp_pre(a->pre, b->pre);
}

/* ---- constraints ----------------------------------------------------------
 */

static bool go_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static const char *scan_op(const char *p, enum vc_op *op, bool semver)
{
	static const struct {
		const char *s;
		enum vc_op op;
	} ops[] = {{"<=", VC_LE}, {">=", VC_GE}, {"!=", VC_NE}, {"~>", VC_PESS},
	           {"<", VC_LT},  {">", VC_GT},  {"=", VC_EQ}};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].s);
		if (strncmp(p, ops[i].s, n) != 0)
			continue;
		if (semver && ops[i].op == VC_PESS)
			return NULL;
		*op = ops[i].op;
		return p + n;
	}
	*op = VC_EQ;
	return p;
}

/* One "<op> <version>" between start and end. */
static int parse_one(const char *start, const char *end, bool semver,
                     struct vc_one *out)
{
	const char *p = start, *q = end;
	char *text;
	while (p < q && go_space(*p))
		p++;
	while (q > p && go_space(q[-1]))
		q--;
	text = mem_strndup(p, (size_t)(q - p));
	if (text == NULL)
		return -1;
	p = scan_op(text, &out->op, semver);
	if (p != NULL) {
		while (go_space(*p))
			p++;
		out->v = sched_version_parse(p, semver);
	}
	mem_free(text);
	return out->v != NULL ? 0 : -1;
}

struct sched_vconstraint *sched_vconstraint_parse(const char *s, bool semver)
{
	struct sched_vconstraint *c;
	size_t n = 1;
	if (s == NULL)
		return NULL;
	for (const char *p = s; *p != '\0'; p++)
		n += *p == ',';
	c = mem_calloc(1, sizeof *c);
	if (c == NULL || (c->v = mem_calloc(n, sizeof *c->v)) == NULL) {
		mem_free(c);
		return NULL;
	}
	c->semver = semver;
	for (const char *p = s;; p++) {
		const char *comma = strchr(p, ',');
		const char *end = comma != NULL ? comma : p + strlen(p);
		if (parse_one(p, end, semver, &c->v[c->n++]) != 0) {
			sched_vconstraint_free(c);
			return NULL;
		}
		if (comma == NULL)
			break;
		p = comma;
	}
	return c;
}

void sched_vconstraint_free(struct sched_vconstraint *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		sched_version_free(c->v[i].v);
	mem_free(c->v);
	mem_free(c);
}

/* go-version's prereleaseCheck. */
static bool pre_check(const struct sched_version *v,
                      const struct sched_version *c)
{
	bool vpre = *v->pre != '\0', cpre = *c->pre != '\0';
	if (cpre && vpre)
		return equal_segments(v, c);
	return !(vpre && !cpre);
}

static bool pessimistic(const struct sched_version *v,
                        const struct sched_version *c)
{
	size_t cs = c->nseg;
	if (!pre_check(v, c) || (*c->pre != '\0' && *v->pre == '\0'))
		return false;
	if (sched_version_compare(v, c) < 0 || cs > v->nseg)
		return false;
	for (size_t i = 0; i + 1 < c->si; i++)
		if (v->seg[i] != c->seg[i])
			return false;
	return c->seg[cs - 1] <= v->seg[cs - 1];
}

static bool check_one(const struct vc_one *one, const struct sched_version *v,
                      bool semver)
{
	int cmp = sched_version_compare(v, one->v);
	bool pre = semver || pre_check(v, one->v);
	switch (one->op) {
	case VC_EQ: return cmp == 0;
	case VC_NE: return cmp != 0;
	case VC_GT: return pre && cmp > 0;
	case VC_LT: return pre && cmp < 0;
	case VC_GE: return pre && cmp >= 0;
	case VC_LE: return pre && cmp <= 0;
	case VC_PESS: return pessimistic(v, one->v);
	}
	return false;
}

bool sched_vconstraint_check(const struct sched_vconstraint *c,
                             const struct sched_version *v)
{
	for (size_t i = 0; i < c->n; i++)
		if (!check_one(&c->v[i], v, c->semver))
			return false;
	return true;
}
