/* api/http_router.c: route table and matching.
 *
 * A pattern is a list of segments: literals, ":name" captures and a final
 * "*" capturing the rest. Among the routes whose pattern matches a path,
 * the most specific wins: comparing segment by segment, a literal beats a
 * capture, which beats the wildcard (so exact routes win and longer
 * literal prefixes win). Routes with the same shape share the path; the
 * first one registered that allows the method answers, and when none does
 * the answer is 405. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/http_int.h"
#include "lib/err.h"
#include "lib/mem.h"

static const struct {
	const char *name;
	unsigned bit;
} http_method_names[] = {
    {"GET", HTTP_M_GET},         {"HEAD", HTTP_M_HEAD},
    {"POST", HTTP_M_POST},       {"PUT", HTTP_M_PUT},
    {"DELETE", HTTP_M_DELETE},   {"PATCH", HTTP_M_PATCH},
    {"OPTIONS", HTTP_M_OPTIONS},
};

static unsigned http_method_bitn(const char *m, size_t n)
{
	for (size_t i = 0;
	     i < sizeof(http_method_names) / sizeof(http_method_names[0]);
	     i++) {
		const char *name = http_method_names[i].name;
		if (strlen(name) == n && strncmp(name, m, n) == 0)
			return http_method_names[i].bit;
	}
	return 0;
}

unsigned http_method_bit(const char *method)
{
	return http_method_bitn(method, strlen(method));
}

/* "PUT|POST" -> bits; 0 when any name is unknown. */
static unsigned http_parse_methods(const char *methods)
{
	unsigned bits = 0;
	const char *p = methods;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		unsigned bit = http_method_bitn(p, n);
		if (bit == 0)
			return 0;
		bits |= bit;
		if (bar == NULL)
			return bits;
		p = bar + 1;
	}
}

/* Splits rt->pattern in place; ERR_INVAL for a malformed pattern. */
static int http_compile(struct http_route_ent *rt)
{
	char *p = rt->pattern + 1;
	size_t n = 0, ncap = 0;
	if (rt->pattern[0] != '/')
		return ERR_INVAL;
	if (*p == '\0')
		return 0; /* "/" */
	for (const char *c = p; *c != '\0'; c++)
		n += *c == '/';
	rt->segs = mem_calloc(n + 1, sizeof(*rt->segs));
	if (rt->segs == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i <= n; i++) {
		char *slash = strchr(p, '/');
		struct http_seg *g = &rt->segs[i];
		if (slash != NULL)
			*slash = '\0';
		g->lit = p;
		g->kind = strcmp(p, "*") == 0 ? HTTP_SEG_REST
		          : p[0] == ':'       ? HTTP_SEG_PARAM
		                              : HTTP_SEG_LIT;
		if (*p == '\0' || (g->kind == HTTP_SEG_PARAM && p[1] == '\0') ||
		    (g->kind == HTTP_SEG_REST && i != n))
			return ERR_INVAL;
		ncap += g->kind != HTTP_SEG_LIT;
		p = slash != NULL ? slash + 1 : p;
	}
	rt->nsegs = n + 1;
	return ncap > HTTP_MAX_PARAMS ? ERR_INVAL : 0;
}

static void http_route_free(struct http_route_ent *rt)
{
	if (rt == NULL)
		return;
	mem_free(rt->segs);
	mem_free(rt->pattern);
	mem_free(rt);
}

int http_route(struct http_server *s, const char *methods, const char *pattern,
               http_handler_fn fn, void *data)
{
	struct http_route_ent *rt;
	int rc;
	if (s == NULL || methods == NULL || pattern == NULL || fn == NULL)
		return ERR_INVAL;
	rt = mem_calloc(1, sizeof(*rt));
	if (rt == NULL)
		return ERR_NOMEM;
	rt->methods = http_parse_methods(methods);
	rt->pattern = mem_strdup(pattern);
	rt->fn = fn;
	rt->data = data;
	rc = rt->pattern == NULL ? ERR_NOMEM : http_compile(rt);
	if (rc == 0 && rt->methods == 0)
		rc = ERR_INVAL;
	if (rc != 0) {
		http_route_free(rt);
		return rc;
	}
	if (s->routes_tail == NULL)
		s->routes_tail = &s->routes;
	*s->routes_tail = rt;
	s->routes_tail = &rt->next;
	return 0;
}

void http_server_each_route(const struct http_server *s,
                            void (*fn)(void *data, const char *method,
                                       const char *pattern),
                            void *data)
{
	char pattern[1024];
	for (const struct http_route_ent *rt = s->routes; rt != NULL;
	     rt = rt->next) {
		size_t n = 0;
		/* The pattern was split in place: join its segments. */
		pattern[0] = '/';
		pattern[1] = '\0';
		for (size_t i = 0; i < rt->nsegs && n < sizeof pattern; i++)
			n += (size_t)snprintf(pattern + n, sizeof pattern - n,
			                      "/%s", rt->segs[i].lit);
		for (size_t m = 0; m < sizeof(http_method_names) /
		                           sizeof(http_method_names[0]);
		     m++)
			if (rt->methods & http_method_names[m].bit)
				fn(data, http_method_names[m].name, pattern);
	}
}

void http_routes_free(struct http_server *s)
{
	struct http_route_ent *rt = s->routes, *next;
	for (; rt != NULL; rt = next) {
		next = rt->next;
		http_route_free(rt);
	}
	s->routes = NULL;
	s->routes_tail = NULL;
}

static bool http_route_fits(const struct http_route_ent *rt,
                            const struct http_ctx *r)
{
	size_t i;
	for (i = 0; i < rt->nsegs; i++) {
		const struct http_seg *g = &rt->segs[i];
		if (g->kind == HTTP_SEG_REST)
			return i < r->nsegs; /* the '/' before it is there */
		if (i >= r->nsegs)
			return false;
		if (g->kind == HTTP_SEG_PARAM ? r->segs[i][0] == '\0'
		                              : strcmp(g->lit, r->segs[i]) != 0)
			return false;
	}
	return i == r->nsegs;
}

/* < 0 when a is more specific than b; 0 for the same shape. */
static int http_route_cmp(const struct http_route_ent *a,
                          const struct http_route_ent *b)
{
	size_t n = a->nsegs < b->nsegs ? a->nsegs : b->nsegs;
	for (size_t i = 0; i < n; i++)
		if (a->segs[i].kind != b->segs[i].kind)
			return (int)a->segs[i].kind - (int)b->segs[i].kind;
	return 0;
}

static int http_fill_params(const struct http_route_ent *rt, struct http_ctx *r)
{
	r->pub.nparams = 0;
	for (size_t i = 0; i < rt->nsegs; i++) {
		if (rt->segs[i].kind == HTTP_SEG_PARAM) {
			r->pub.params[r->pub.nparams++] = r->segs[i];
		} else if (rt->segs[i].kind == HTTP_SEG_REST) {
			const char *raw = r->uri + r->segraw[i];
			size_t len = strcspn(raw, "?");
			r->rest = mem_strndup(raw, len);
			if (r->rest == NULL)
				return ERR_NOMEM;
			/* Segments decoded already, so this one does too. */
			(void)http_pct_decode(r->rest, false);
			r->pub.params[r->pub.nparams++] = r->rest;
		}
	}
	return 0;
}

int http_router_match(const struct http_server *s, struct http_ctx *r,
                      const struct http_route_ent **out)
{
	const struct http_route_ent *best = NULL, *rt;
	unsigned bit = http_method_bit(r->pub.method);
	*out = NULL;
	if (!r->path_ok)
		return 404;
	for (rt = s->routes; rt != NULL; rt = rt->next)
		if (http_route_fits(rt, r) &&
		    (best == NULL || http_route_cmp(rt, best) < 0))
			best = rt;
	if (best == NULL)
		return 404;
	for (rt = best; rt != NULL; rt = rt->next)
		if ((rt->methods & bit) != 0 && http_route_fits(rt, r) &&
		    http_route_cmp(rt, best) == 0)
			break;
	if (rt == NULL)
		return 405;
	if (http_fill_params(rt, r) != 0)
		return 500;
	*out = rt;
	return 0;
}
