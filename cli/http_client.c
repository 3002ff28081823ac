#include "cli/http_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/dl.h"
#include "lib/mem.h"

struct http_client {
	CURL *curl;
	char *base;      /* "http://host:port", no trailing slash */
	char *unix_path; /* unix:// addresses: the socket */
	char *host;      /* the host name, for error texts */
	long port;
	const char *token;
	const char *namespace;
	const char *region;
};

/* ---- configuration ---------------------------------------------------- */

/* STEPPE_<name>, else NOMAD_<name>, else NULL; empty counts as unset. */
static const char *http_env(const char *name)
{
	char var[64];
	const char *v;
	snprintf(var, sizeof var, "STEPPE_%s", name);
	v = getenv(var);
	if (v != NULL && v[0] != '\0')
		return v;
	snprintf(var, sizeof var, "NOMAD_%s", name);
	v = getenv(var);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void http_env_fill(const char **field, const char *name)
{
	if (*field == NULL || (*field)[0] == '\0')
		*field = http_env(name);
}

void http_client_config_env(struct http_client_config *cfg)
{
	http_env_fill(&cfg->address, "ADDR");
	http_env_fill(&cfg->token, "TOKEN");
	http_env_fill(&cfg->namespace, "NAMESPACE");
	http_env_fill(&cfg->region, "REGION");
	if (cfg->address == NULL)
		cfg->address = HTTP_CLIENT_DEFAULT_ADDR;
}

/* Splits "host[:port]" or "[v6][:port]" of an http(s) address. */
static int http_parse_hostport(struct http_client *c, const char *hp,
                               size_t len, bool tls, struct err *e)
{
	const char *colon = NULL, *host = hp;
	size_t hlen = len;
	if (len > 0 && hp[0] == '[') {
		const char *close = memchr(hp, ']', len);
		if (close == NULL)
			return err_set(e, ERR_INVAL,
			               "invalid address host "
			               "\"%.*s\"",
			               (int)len, hp);
		host = hp + 1;
		hlen = (size_t)(close - host);
		if (close + 1 < hp + len && close[1] == ':')
			colon = close + 1;
	} else {
		colon = memchr(hp, ':', len);
		if (colon != NULL)
			hlen = (size_t)(colon - hp);
	}
	c->port = tls ? 443 : 80;
	if (colon != NULL) {
		char *end;
		c->port = strtol(colon + 1, &end, 10);
		if (end != hp + len || c->port <= 0 || c->port > 65535)
			return err_set(e, ERR_INVAL,
			               "invalid address port in "
			               "\"%.*s\"",
			               (int)len, hp);
	}
	if (hlen == 0)
		return err_set(e, ERR_INVAL, "address \"%.*s\" has no host",
		               (int)len, hp);
	c->host = mem_strndup(host, hlen);
	return c->host != NULL ? ERR_OK
	                       : err_set(e, ERR_NOMEM, "out of memory");
}

static int http_parse_address(struct http_client *c, const char *addr,
                              struct err *e)
{
	const char *sep = strstr(addr, "://");
	const char *hp = sep != NULL ? sep + 3 : addr;
	size_t schemelen = sep != NULL ? (size_t)(sep - addr) : 4;
	const char *scheme = sep != NULL ? addr : "http";
	bool tls;
	if (schemelen == 4 && strncmp(scheme, "unix", 4) == 0) {
		c->unix_path = mem_strdup(hp);
		c->host = mem_strdup("127.0.0.1");
		c->base = mem_strdup("http://127.0.0.1");
		if (!c->unix_path || !c->host || !c->base)
			return err_set(e, ERR_NOMEM, "out of memory");
		return ERR_OK;
	}
	tls = schemelen == 5 && strncmp(scheme, "https", 5) == 0;
	if (!tls && !(schemelen == 4 && strncmp(scheme, "http", 4) == 0))
		return err_set(e, ERR_INVAL,
		               "unsupported address scheme \"%.*s\"",
		               (int)schemelen, scheme);
	size_t hplen = strcspn(hp, "/?#");
	int rc = http_parse_hostport(c, hp, hplen, tls, e);
	if (rc != ERR_OK)
		return rc;
	c->base =
	    mem_asprintf("%s://%.*s", tls ? "https" : "http", (int)hplen, hp);
	return c->base != NULL ? ERR_OK
	                       : err_set(e, ERR_NOMEM, "out of memory");
}

int http_client_create(const struct http_client_config *cfg,
                       struct http_client **out, struct err *e)
{
	static bool global_done;
	struct http_client *c = mem_calloc(1, sizeof *c);
	int rc;
	*out = NULL;
	if (c == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	c->token = cfg->token;
	c->namespace = cfg->namespace;
	c->region = cfg->region;
	rc = http_parse_address(
	    c, cfg->address ? cfg->address : HTTP_CLIENT_DEFAULT_ADDR, e);
	if (rc != ERR_OK)
		goto fail;
	/* libcurl is loaded here, not at start (lib/dl.h). */
	rc = dl_curl_load(e);
	if (rc != ERR_OK) {
		err_wrap(e, "the steppe CLI needs libcurl");
		goto fail;
	}
	if (!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) == 0)
		global_done = true;
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		rc = err_set(e, ERR_NOMEM, "cannot initialise libcurl");
		goto fail;
	}
	*out = c;
	return ERR_OK;
fail:
	http_client_destroy(c);
	return rc;
}

void http_client_destroy(struct http_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	mem_free(c->base);
	mem_free(c->unix_path);
	mem_free(c->host);
	mem_free(c);
}

int http_client_open(struct http_client_config *cfg, struct http_client **out)
{
	struct err e;
	err_clear(&e);
	http_client_config_env(cfg);
	if (http_client_create(cfg, out, &e) != ERR_OK) {
		fprintf(stderr, "Error initializing client: %s\n", e.msg);
		return 1;
	}
	return 0;
}

/* ---- URLs ------------------------------------------------------------- */

static bool http_unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
	       ch == '.' || ch == '~';
}

void http_client_path_escape(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (http_unreserved(ch) || strchr("$&+,:;=@", ch) != NULL)
			buf_append_char(out, (char)ch);
		else
			buf_appendf(out, "%%%02X", ch);
	}
}

void http_client_query_escape(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (http_unreserved(ch))
			buf_append_char(out, (char)ch);
		else if (ch == ' ')
			buf_append_char(out, '+');
		else
			buf_appendf(out, "%%%02X", ch);
	}
}

void http_client_url(struct buf *out, const char *base, const char *path,
                     const struct strmap *params)
{
	buf_append_str(out, base);
	buf_append_str(out, path);
	for (size_t i = 0; params != NULL && i < params->n; i++) {
		buf_append_char(out, i == 0 ? '?' : '&');
		http_client_query_escape(out, params->v[i].key);
		buf_append_char(out, '=');
		http_client_query_escape(
		    out, params->v[i].val ? params->v[i].val : "");
	}
}

/* ---- errors ----------------------------------------------------------- */

/* strerror as Go spells syscall errors: the same words, lowercase. */
static void http_errno_text(int os_errno, char *out, size_t size)
{
	char tmp[128];
	const char *s = os_errno != 0 ? strerror_r(os_errno, tmp, sizeof tmp)
	                              : "connection refused";
	snprintf(out, size, "%s", s);
	if (out[0] >= 'A' && out[0] <= 'Z')
		out[0] = (char)(out[0] - 'A' + 'a');
}

int http_client_transport_error(struct err *e, const char *method,
                                const char *url, enum http_client_fail fail,
                                int os_errno, const char *dial,
                                const char *host, const char *detail)
{
	char op[16], why[160];
	size_t i = 0;
	for (; method[i] != '\0' && i + 1 < sizeof op; i++)
		op[i] = i == 0 ? method[i] : (char)(method[i] | 0x20);
	op[i] = '\0';
	switch (fail) {
	case HTTP_CLIENT_FAIL_CONNECT:
		http_errno_text(os_errno, why, sizeof why);
		return err_set(e, ERR_IO, "%s \"%s\": dial %s: connect: %s", op,
		               url, dial, why);
	case HTTP_CLIENT_FAIL_RESOLVE:
		return err_set(e, ERR_IO,
		               "%s \"%s\": dial tcp: lookup %s: no "
		               "such host",
		               op, url, host);
	case HTTP_CLIENT_FAIL_TIMEOUT:
		return err_set(e, ERR_IO, "%s \"%s\": dial %s: i/o timeout", op,
		               url, dial);
	case HTTP_CLIENT_FAIL_EOF:
		return err_set(e, ERR_IO, "%s \"%s\": EOF", op, url);
	case HTTP_CLIENT_FAIL_OTHER: break;
	}
	return err_set(e, ERR_IO, "%s \"%s\": %s", op, url,
	               detail != NULL ? detail : "request failed");
}

/* The "tcp IP:PORT" or "unix PATH" a failed request was dialling. */
static void http_dial(struct http_client *c, char *out, size_t size)
{
	char *ip = NULL;
	long port = 0;
	if (c->unix_path != NULL) {
		snprintf(out, size, "unix %s", c->unix_path);
		return;
	}
	if (curl_easy_getinfo(c->curl, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK ||
	    ip == NULL || ip[0] == '\0')
		ip = c->host;
	if (curl_easy_getinfo(c->curl, CURLINFO_PRIMARY_PORT, &port) !=
	        CURLE_OK ||
	    port <= 0)
		port = c->port;
	snprintf(out, size, strchr(ip, ':') ? "tcp [%s]:%ld" : "tcp %s:%ld", ip,
	         port);
}

static int http_curl_error(struct http_client *c, const char *method,
                           const char *url, CURLcode code, struct err *e)
{
	char dial[300], detail[300];
	long os_errno = 0;
	enum http_client_fail fail = HTTP_CLIENT_FAIL_OTHER;
	curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os_errno);
	http_dial(c, dial, sizeof dial);
	snprintf(detail, sizeof detail, "%s", curl_easy_strerror(code));
	if (detail[0] >= 'A' && detail[0] <= 'Z')
		detail[0] = (char)(detail[0] - 'A' + 'a');
	switch (code) {
	case CURLE_COULDNT_CONNECT: fail = HTTP_CLIENT_FAIL_CONNECT; break;
	case CURLE_COULDNT_RESOLVE_HOST: fail = HTTP_CLIENT_FAIL_RESOLVE; break;
	case CURLE_OPERATION_TIMEDOUT: fail = HTTP_CLIENT_FAIL_TIMEOUT; break;
	case CURLE_GOT_NOTHING: fail = HTTP_CLIENT_FAIL_EOF; break;
	default: break;
	}
	return http_client_transport_error(e, method, url, fail, (int)os_errno,
	                                   dial, c->host, detail);
}

int http_client_status_error(struct err *e, long status, const char *body,
                             size_t len)
{
	int code = status == 404   ? ERR_NOTFOUND
	           : status == 403 ? ERR_DENIED
	           : status == 400 ? ERR_INVAL
	                           : ERR_INTERNAL;
	while (len > 0 && strchr(" \t\r\n", *body) != NULL)
		body++, len--;
	while (len > 0 && strchr(" \t\r\n", body[len - 1]) != NULL)
		len--;
	if (len == 0)
		return err_set(e, code, "Unexpected response code: %ld",
		               status);
	return err_set(e, code, "Unexpected response code: %ld (%.*s)", status,
	               (int)len, body);
}

/* ---- requests --------------------------------------------------------- */

struct http_sink {
	struct buf *body;
	bool too_big;
	/* Streaming (http_client_stream): a 2xx body goes to fn. */
	http_client_stream_fn fn;
	void *fn_data;
	CURL *h;
	int mode; /* 0 undecided, 1 to fn, 2 buffered (an error body) */
	bool stopped;
};

static size_t http_write_cb(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct http_sink *s = data;
	size_t n = size * nmemb;
	if (s->fn != NULL && s->mode == 0) {
		long status = 0;
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
		s->mode = status >= 200 && status <= 299 ? 1 : 2;
	}
	if (s->mode == 1) {
		if (s->fn(s->fn_data, ptr, n) != 0) {
			s->stopped = true;
			return 0;
		}
		return n;
	}
	if (s->body->len + n > HTTP_CLIENT_MAX_BODY) {
		s->too_big = true;
		return 0;
	}
	buf_append(s->body, ptr, n);
	return s->body->oom ? 0 : n;
}

static uint64_t http_header_u64(const char *v, size_t len)
{
	uint64_t n = 0;
	for (size_t i = 0; i < len && v[i] >= '0' && v[i] <= '9'; i++)
		n = n * 10 + (uint64_t)(v[i] - '0');
	return n;
}

static bool http_header_is(const char *line, size_t len, const char *name,
                           const char **val, size_t *vlen)
{
	size_t nlen = strlen(name);
	if (len <= nlen || strncasecmp(line, name, nlen) != 0 ||
	    line[nlen] != ':')
		return false;
	*val = line + nlen + 1;
	*vlen = len - nlen - 1;
	while (*vlen > 0 && (**val == ' ' || **val == '\t'))
		(*val)++, (*vlen)--;
	return true;
}

static size_t http_header_cb(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct http_client_meta *m = data;
	size_t len = size * nmemb;
	const char *v;
	size_t vlen;
	if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		m->index = 0;
		m->known_leader = false;
		m->last_contact = 0;
		m->next_token[0] = '\0';
	} else if (http_header_is(ptr, len, "X-Nomad-Index", &v, &vlen)) {
		m->index = http_header_u64(v, vlen);
	} else if (http_header_is(ptr, len, "X-Nomad-KnownLeader", &v, &vlen)) {
		m->known_leader = vlen >= 4 && strncmp(v, "true", 4) == 0;
	} else if (http_header_is(ptr, len, "X-Nomad-LastContact", &v, &vlen)) {
		m->last_contact = http_header_u64(v, vlen);
	} else if (http_header_is(ptr, len, "X-Nomad-NextToken", &v, &vlen)) {
		while (vlen > 0 && strchr(" \t\r\n", v[vlen - 1]) != NULL)
			vlen--;
		if (vlen < sizeof m->next_token) {
			memcpy(m->next_token, v, vlen);
			m->next_token[vlen] = '\0';
		}
	}
	return len;
}

/* The request's parameters plus the client's region and namespace where
 * the caller did not set them. */
static int http_params(struct http_client *c, const struct strmap *given,
                       struct strmap *out)
{
	if (given != NULL && strmap_copy(out, given) != ERR_OK)
		return ERR_NOMEM;
	if (c->region != NULL && c->region[0] != '\0' &&
	    strmap_get(out, "region") == NULL &&
	    strmap_set(out, "region", c->region) != ERR_OK)
		return ERR_NOMEM;
	if (c->namespace != NULL && c->namespace[0] != '\0' &&
	    strmap_get(out, "namespace") == NULL &&
	    strmap_set(out, "namespace", c->namespace) != ERR_OK)
		return ERR_NOMEM;
	return ERR_OK;
}

static struct curl_slist *http_headers(struct http_client *c, bool json_body)
{
	struct curl_slist *h = NULL, *t;
	char *tok = NULL;
	h = curl_slist_append(h, "Expect:");
	if (h != NULL && json_body) {
		t = curl_slist_append(h, "Content-Type: application/json");
		if (t == NULL)
			goto fail;
		h = t;
	}
	if (h != NULL && c->token != NULL && c->token[0] != '\0') {
		tok = mem_asprintf("X-Nomad-Token: %s", c->token);
		t = tok != NULL ? curl_slist_append(h, tok) : NULL;
		if (t == NULL)
			goto fail;
		h = t;
	}
	mem_free(tok);
	return h;
fail:
	mem_free(tok);
	curl_slist_free_all(h);
	return NULL;
}

static void http_setopts(struct http_client *c,
                         const struct http_client_request *req, const char *url,
                         struct curl_slist *hdrs, struct http_sink *sink,
                         struct http_client_meta *m)
{
	CURL *h = c->curl;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "steppe/" STEPPE_VERSION);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, m);
	if (c->unix_path != NULL)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->unix_path);
	if (strcmp(req->method, "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body != NULL || strcmp(req->method, "PUT") == 0 ||
	    strcmp(req->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		                 req->body != NULL ? req->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)(req->body ? req->body_len : 0));
	}
}

static bool http_blank(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (strchr(" \t\r\n", b->data[i]) == NULL)
			return false;
	return true;
}

/* Runs the prepared transfer and turns its outcome into an error code. */
static int http_perform(struct http_client *c, const char *method,
                        const char *url, struct http_sink *sink,
                        struct http_client_meta *m, struct err *e)
{
	CURLcode code = curl_easy_perform(c->curl);
	if (sink->stopped && code == CURLE_WRITE_ERROR)
		code = CURLE_OK; /* the caller had enough */
	if (sink->body->oom)
		return err_set(e, ERR_NOMEM, "out of memory");
	if (sink->too_big) {
		http_client_transport_error(e, method, url,
		                            HTTP_CLIENT_FAIL_OTHER, 0, "", "",
		                            "response body too large");
		return e != NULL ? (e->code = ERR_TOOBIG) : ERR_TOOBIG;
	}
	if (code != CURLE_OK)
		return http_curl_error(c, method, url, code, e);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &m->status);
	m->empty_body = http_blank(sink->body);
	if (m->status < 200 || m->status > 299)
		return http_client_status_error(
		    e, m->status, buf_cstr(sink->body), sink->body->len);
	return ERR_OK;
}

/* One request through sink: http_client_do buffers the body,
 * http_client_stream hands a 2xx body to its callback. */
static int http_run(struct http_client *c, const struct http_client_request *req,
                    struct http_sink *sink, struct http_client_meta *meta,
                    struct err *e)
{
	struct strmap params = {0};
	struct buf url;
	struct http_client_meta m = {0};
	struct curl_slist *hdrs = NULL;
	int rc = ERR_NOMEM;
	buf_init(&url);
	if (http_params(c, req->params, &params) != ERR_OK)
		goto out;
	http_client_url(&url, c->base, req->path, &params);
	hdrs = http_headers(c, req->body != NULL);
	if (url.oom || hdrs == NULL)
		goto out;
	http_setopts(c, req, buf_cstr(&url), hdrs, sink, &m);
	rc = http_perform(c, req->method, buf_cstr(&url), sink, &m, e);
out:
	if (rc == ERR_NOMEM)
		err_set(e, ERR_NOMEM, "out of memory");
	if (meta != NULL)
		*meta = m;
	curl_slist_free_all(hdrs);
	strmap_release(&params);
	buf_release(&url);
	return rc;
}

int http_client_do(struct http_client *c, const struct http_client_request *req,
                   struct buf *body, struct http_client_meta *meta,
                   struct err *e)
{
	struct buf resp;
	struct http_sink sink = {.body = &resp};
	int rc;
	buf_init(&resp);
	rc = http_run(c, req, &sink, meta, e);
	if (rc == ERR_OK && body != NULL) {
		buf_append(body, resp.data, resp.len);
		if (body->oom)
			rc = err_set(e, ERR_NOMEM, "out of memory");
	}
	buf_release(&resp);
	return rc;
}

int http_client_stream(struct http_client *c,
                       const struct http_client_request *req,
                       http_client_stream_fn fn, void *data,
                       struct http_client_meta *meta, struct err *e)
{
	struct buf resp;
	struct http_sink sink = {
	    .body = &resp, .fn = fn, .fn_data = data, .h = c->curl};
	int rc;
	buf_init(&resp);
	rc = http_run(c, req, &sink, meta, e);
	buf_release(&resp);
	return rc;
}

static int http_decode(const struct buf *body, json_t **out, struct err *e)
{
	json_error_t jerr;
	*out = NULL;
	if (http_blank(body))
		return ERR_OK;
	*out = json_loadb(body->data, body->len, JSON_DECODE_ANY, &jerr);
	if (*out == NULL)
		return err_set(e, ERR_DECODE, "error decoding response: %s",
		               jerr.text);
	return ERR_OK;
}

int http_client_get_json(struct http_client *c, const char *path,
                         const struct strmap *params, json_t **out,
                         struct http_client_meta *meta, struct err *e)
{
	return http_client_send_json(c, "GET", path, params, NULL, out, meta,
	                             e);
}

static int http_dump_cb(const char *buffer, size_t size, void *data)
{
	struct buf *b = data;
	buf_append(b, buffer, size);
	return b->oom ? -1 : 0;
}

int http_client_send_json(struct http_client *c, const char *method,
                          const char *path, const struct strmap *params,
                          const json_t *body, json_t **out,
                          struct http_client_meta *meta, struct err *e)
{
	struct http_client_request req = {method, path, params, NULL, 0};
	struct buf in, resp;
	json_t *j = NULL;
	int rc;
	buf_init(&in);
	buf_init(&resp);
	if (out != NULL)
		*out = NULL;
	if (body != NULL) {
		if (json_dump_callback(body, http_dump_cb, &in,
		                       JSON_COMPACT | JSON_ENCODE_ANY |
		                           JSON_PRESERVE_ORDER) != 0) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto out;
		}
		req.body = buf_cstr(&in);
		req.body_len = in.len;
	}
	rc = http_client_do(c, &req, &resp, meta, e);
	if (rc == ERR_OK && out != NULL) {
		rc = http_decode(&resp, &j, e);
		*out = j;
	}
out:
	buf_release(&in);
	buf_release(&resp);
	return rc;
}

int http_client_get_optional(struct http_client *c, const char *path,
                             const struct strmap *params, json_t **out,
                             struct err *e)
{
	struct http_client_meta m;
	int rc = http_client_get_json(c, path, params, out, &m, e);
	if (rc == ERR_NOTFOUND && m.empty_body) {
		if (e != NULL)
			err_clear(e);
		return ERR_OK;
	}
	return rc;
}

char *http_client_path(const char *prefix, const char *segment,
                       const char *suffix)
{
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, prefix);
	http_client_path_escape(&b, segment);
	if (suffix != NULL)
		buf_append_str(&b, suffix);
	return buf_steal(&b, NULL);
}
