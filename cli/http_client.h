/* cli/http_client.h: the CLI's client of steppe's (Nomad's) HTTP API, over
 * libcurl. cli/ is the only home of libcurl.
 *
 * One struct http_client per command run: it keeps one curl handle so
 * successive requests reuse the connection. Every request carries the
 * configured region and namespace as query parameters (unless the caller
 * gives its own) and the token in X-Nomad-Token; the token is never
 * printed or logged. Failures read like Nomad's Go client:
 *   Get "http://127.0.0.1:4646/v1/jobs": dial tcp 127.0.0.1:4646: connect:
 *   connection refused
 *   Unexpected response code: 404 (job not found)
 * Single-threaded: a client is used by one thread at a time. */
#ifndef STEPPE_CLI_HTTP_CLIENT_H
#define STEPPE_CLI_HTTP_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "structs/value.h"

#define HTTP_CLIENT_DEFAULT_ADDR "http://127.0.0.1:4646"

/* Largest response body accepted, in bytes. */
#define HTTP_CLIENT_MAX_BODY (512u * 1024 * 1024)

/* Where and as whom to talk. Strings are borrowed: they must outlive the
 * client (flag values point into argv, env values into environ). */
struct http_client_config {
	const char *address;   /* http://host:port, https://..., unix:///p */
	const char *token;     /* ACL SecretID, or NULL */
	const char *namespace; /* NULL: the server's default */
	const char *region;    /* NULL: the agent's region */
};

/* Fills each NULL or empty field from the environment: STEPPE_ADDR,
 * STEPPE_TOKEN, STEPPE_NAMESPACE, STEPPE_REGION, each falling back to its
 * NOMAD_ twin; the address then defaults to HTTP_CLIENT_DEFAULT_ADDR. */
void http_client_config_env(struct http_client_config *cfg);

struct http_client;

/* Creates a client for cfg (after http_client_config_env if wanted). An
 * address without a scheme gets "http://". Errors: ERR_INVAL for an
 * unusable address, ERR_NOMEM. *out is NULL on error. */
int http_client_create(const struct http_client_config *cfg,
                       struct http_client **out, struct err *e);
/* Frees the client; NULL is fine. */
void http_client_destroy(struct http_client *c);

/* For commands: applies the environment to cfg, creates the client, and on
 * failure prints "Error initializing client: ..." to stderr. Returns 0,
 * or 1 (the exit code) with *out NULL. */
int http_client_open(struct http_client_config *cfg, struct http_client **out);

/* What a response said besides its body. */
struct http_client_meta {
	long status;           /* HTTP status, 0 when no response came */
	uint64_t index;        /* X-Nomad-Index, 0 when absent */
	bool known_leader;     /* X-Nomad-KnownLeader: true */
	uint64_t last_contact; /* X-Nomad-LastContact, ms */
	bool empty_body;       /* the body was empty or white space only */
	char next_token[256];  /* X-Nomad-NextToken: more pages follow */
};

struct http_client_request {
	const char *method;          /* "GET", "PUT", "POST", "DELETE" */
	const char *path;            /* "/v1/jobs": segments already escaped */
	const struct strmap *params; /* query parameters, or NULL */
	const char *body;            /* NULL: no body */
	size_t body_len;
};

/* Performs one request and appends the response body to body (which may
 * be NULL to drop it). Returns ERR_OK for a 2xx status. A transport
 * failure is ERR_IO with Go's wording ("Put \"URL\": dial tcp ..."); a
 * non-2xx status is ERR_NOTFOUND (404), ERR_DENIED (403), ERR_INVAL (400)
 * or ERR_INTERNAL (others) with "Unexpected response code: N (body)". meta
 * (may be NULL) is filled in every case. */
int http_client_do(struct http_client *c, const struct http_client_request *req,
                   struct buf *body, struct http_client_meta *meta,
                   struct err *e);

/* Receives a streamed 2xx body piece by piece; non-zero stops the
 * transfer (not an error). */
typedef int (*http_client_stream_fn)(void *data, const char *bytes, size_t n);
/* Like http_client_do, but a 2xx body goes to fn as it arrives (for
 * `alloc logs -f`); an error body is kept for the error message. */
int http_client_stream(struct http_client *c,
                       const struct http_client_request *req,
                       http_client_stream_fn fn, void *data,
                       struct http_client_meta *meta, struct err *e);

/* GET path and decode the JSON body into *out (a new reference the
 * caller decrefs; NULL for an empty body). Errors as http_client_do, plus
 * ERR_DECODE for a body that is not JSON. */
int http_client_get_json(struct http_client *c, const char *path,
                         const struct strmap *params, json_t **out,
                         struct http_client_meta *meta, struct err *e);
/* Sends body (NULL: none) as JSON with method and decodes the answer like
 * http_client_get_json; out may be NULL to ignore it. */
int http_client_send_json(struct http_client *c, const char *method,
                          const char *path, const struct strmap *params,
                          const json_t *body, json_t **out,
                          struct http_client_meta *meta, struct err *e);

/* Like http_client_get_json, but a 404 with an empty body (a route this
 * server does not serve, as opposed to "job not found") is not an error:
 * it returns ERR_OK with *out NULL. Lets the CLI work against servers
 * that serve only part of the API. */
int http_client_get_optional(struct http_client *c, const char *path,
                             const struct strmap *params, json_t **out,
                             struct err *e);

/* prefix + segment escaped as one path segment + suffix (may be NULL):
 * http_client_path("/v1/job/", "a b", "/versions") is "/v1/job/a%20b/versions".
 * The caller frees; NULL on oom. */
char *http_client_path(const char *prefix, const char *segment,
                       const char *suffix);

/* ---- pure helpers (exposed for tests) -------------------------------- */

/* Appends s escaped as one path segment, as Go's url.PathEscape does
 * ("a/b c" -> "a%2Fb%20c"). */
void http_client_path_escape(struct buf *out, const char *s);
/* Appends s escaped as a query value, as Go's url.QueryEscape does
 * ("a b&c" -> "a+b%26c"). */
void http_client_query_escape(struct buf *out, const char *s);
/* Appends base + path + "?" + params encoded in key order (Go's
 * url.Values.Encode); no "?" without params. */
void http_client_url(struct buf *out, const char *base, const char *path,
                     const struct strmap *params);

/* How a request failed before any response, for http_client_transport_error. */
enum http_client_fail {
	HTTP_CLIENT_FAIL_CONNECT, /* connect(2) failed with os_errno */
	HTTP_CLIENT_FAIL_RESOLVE, /* the host name did not resolve */
	HTTP_CLIENT_FAIL_TIMEOUT, /* no connection or answer in time */
	HTTP_CLIENT_FAIL_EOF,     /* the server closed without answering */
	HTTP_CLIENT_FAIL_OTHER,   /* detail says what */
};

/* Sets e (ERR_IO) to Go's text for a failed request: `Get "URL": dial
 * tcp HOST:PORT: connect: connection refused`, `...: dial tcp: lookup
 * HOST: no such host`, `...: EOF`. dial is "tcp HOST:PORT" or "unix PATH";
 * host is the name looked up; detail is used for HTTP_CLIENT_FAIL_OTHER. */
int http_client_transport_error(struct err *e, const char *method,
                                const char *url, enum http_client_fail fail,
                                int os_errno, const char *dial,
                                const char *host, const char *detail);

/* Sets e to Nomad's text for a non-2xx answer: "Unexpected response code:
 * 404 (job not found)", the body trimmed, without the parentheses when
 * it is empty. The code is ERR_NOTFOUND (404), ERR_DENIED (403), ERR_INVAL
 * (400) or ERR_INTERNAL, and is returned. */
int http_client_status_error(struct err *e, long status, const char *body,
                             size_t len);

#endif
