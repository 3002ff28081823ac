/* api/http_uri.c: the request target: path segments, percent-decoding,
 * the query string, and Nomad's common query options.
 *
 * The router works on the raw path split at '/' before decoding, so an
 * ID containing "%2F" stays one segment. The query follows Go's
 * url.ParseQuery: pairs split at '&', '+' is a space, a pair with ';' or a
 * bad escape is dropped. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/http_int.h"
#include "lib/err.h"
#include "lib/mem.h"
#include "lib/stime.h"

static int http_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int http_pct_decode(char *s, bool plus)
{
	char *w = s;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '%') {
			int hi = http_hexval(p[1]);
			int lo = hi < 0 ? -1 : http_hexval(p[2]);
			if (lo < 0 || (hi | lo) == 0)
				return -1;
			*w++ = (char)(hi << 4 | lo);
			p += 2;
		} else if (plus && *p == '+') {
			*w++ = ' ';
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return 0;
}

static size_t http_count_char(const char *s, size_t n, char c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* "/a/b%2Fc/" -> segs "a", "b/c", "" with their raw offsets. */
static int http_split_path(struct http_ctx *r, const char *raw, size_t len)
{
	size_t n = len <= 1 ? 0 : http_count_char(raw + 1, len - 1, '/') + 1;
	char *p;
	r->nsegs = 0;
	r->segstore = mem_strndup(raw + 1, len - 1);
	r->segs = mem_calloc(n + 1, sizeof(*r->segs));
	r->segraw = mem_calloc(n + 1, sizeof(*r->segraw));
	if (r->segstore == NULL || r->segs == NULL || r->segraw == NULL)
		return ERR_NOMEM;
	p = r->segstore;
	for (size_t i = 0; i < n; i++) {
		char *slash = strchr(p, '/');
		r->segs[i] = p;
		r->segraw[i] = (size_t)(p - r->segstore) + 1;
		if (slash != NULL)
			*slash = '\0';
		if (http_pct_decode(p, false) != 0)
			return ERR_INVAL;
		p = slash != NULL ? slash + 1 : p + strlen(p);
	}
	r->nsegs = n;
	return 0;
}

/* Splits "a=1&b&c=%20" into decoded pairs; drops what Go drops. */
static int http_split_query(struct http_ctx *r, const char *raw)
{
	size_t n = http_count_char(raw, strlen(raw), '&') + 1;
	char *p, *next;
	r->qstore = mem_strdup(raw);
	r->qnames = mem_calloc(n, sizeof(*r->qnames));
	r->qvals = mem_calloc(n, sizeof(*r->qvals));
	if (r->qstore == NULL || r->qnames == NULL || r->qvals == NULL)
		return ERR_NOMEM;
	for (p = r->qstore; p != NULL; p = next) {
		char *amp = strchr(p, '&'), *eq;
		next = amp != NULL ? amp + 1 : NULL;
		if (amp != NULL)
			*amp = '\0';
		if (*p == '\0' || strchr(p, ';') != NULL)
			continue;
		eq = strchr(p, '=');
		if (eq != NULL)
			*eq = '\0';
		if (http_pct_decode(p, true) != 0 ||
		    (eq != NULL && http_pct_decode(eq + 1, true) != 0))
			continue;
		r->qnames[r->nq] = p;
		r->qvals[r->nq] = eq != NULL ? eq + 1 : "";
		r->nq++;
	}
	return 0;
}

int http_uri_parse(struct http_ctx *r)
{
	const char *q = strchr(r->uri, '?');
	size_t len = q != NULL ? (size_t)(q - r->uri) : strlen(r->uri);
	int rc;
	r->path_ok = len > 0 && r->uri[0] == '/';
	r->path = mem_strndup(r->uri, len);
	if (r->path == NULL)
		return ERR_NOMEM;
	r->pub.path = r->path;
	if (r->path_ok) {
		rc = http_split_path(r, r->uri, len);
		if (rc != 0)
			return rc;
		if (http_pct_decode(r->path, false) != 0)
			return ERR_INVAL;
	}
	return http_split_query(r, q != NULL ? q + 1 : "");
}

const char *http_query(const struct http_req *req, const char *name)
{
	const struct http_ctx *r = (const struct http_ctx *)req;
	for (size_t i = 0; i < r->nq; i++)
		if (strcmp(r->qnames[i], name) == 0)
			return r->qvals[i];
	return NULL;
}

size_t http_query_all(const struct http_req *req, const char *name,
                      const char **out, size_t max)
{
	const struct http_ctx *r = (const struct http_ctx *)req;
	size_t n = 0;
	for (size_t i = 0; i < r->nq && n < max; i++)
		if (strcmp(r->qnames[i], name) == 0)
			out[n++] = r->qvals[i];
	return n;
}

/* Go's strconv.ParseBool. */
static int http_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1",    "t",    "T",
	                                  "TRUE", "true", "True"};
	static const char *const no[] = {"0",     "f",     "F",
	                                 "FALSE", "false", "False"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Go's strconv.ParseUint(v, 10, 64). */
static int http_parse_u64(const char *v, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* ?stale and ?stale=true are true; a bad value is a 400 (Nomad's text). */
static const char *http_flag_option(const struct http_ctx *r, const char *name,
                                    bool *out)
{
	const char *v = http_query(&r->pub, name);
	if (v == NULL)
		return NULL;
	if (*v == '\0') {
		*out = true;
		return NULL;
	}
	if (http_parse_bool(v, out) == 0)
		return NULL;
	if (strcmp(name, "stale") == 0)
		return "Expect `true` or `false` for `stale` query string "
		       "parameter";
	return "Expect `true` or `false` for `consistent` query string "
	       "parameter";
}

static const char *http_wait_option(struct http_ctx *r)
{
	const char *v = http_query(&r->pub, "wait");
	int64_t d;
	if (v == NULL || *v == '\0')
		return NULL;
	if (stime_parse_duration(v, &d, NULL) != 0)
		return "Invalid wait time";
	/* Nomad uses its default for a wait <= 0 and clamps at 5 min. */
	r->pub.wait_ns = d < 0                  ? 0
	                 : d > HTTP_MAX_WAIT_NS ? HTTP_MAX_WAIT_NS
	                                        : d;
	return NULL;
}

/* The order of Nomad's parse(): stale, wait, index. */
const char *http_parse_options(struct http_ctx *r)
{
	const char *msg, *v;
	msg = http_flag_option(r, "stale", &r->pub.stale);
	if (msg == NULL)
		msg = http_flag_option(r, "consistent", &r->pub.consistent);
	if (msg == NULL)
		msg = http_wait_option(r);
	if (msg != NULL)
		return msg;
	v = http_query(&r->pub, "index");
	if (v != NULL && *v != '\0' && http_parse_u64(v, &r->pub.index) != 0)
		return "Invalid index";
	/* Nomad: any value but "0" turns pretty printing on. */
	v = http_query(&r->pub, "pretty");
	r->pub.pretty = v != NULL && strcmp(v, "0") != 0;
	return NULL;
}
