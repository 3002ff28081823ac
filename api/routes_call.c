/* api/routes_call.c: HTTP request -> in-process server RPC -> JSON answer,
 * shared by the route files (see api/routes_int.h). */
#include <stdio.h>
#include <string.h>

#include "api/routes_int.h"
#include "client/client.h"
#include "lib/mem.h"
#include "server/server.h"

struct api_pending {
	struct http_req *req;
	api_reply_fn fn;
	void (*drop)(void *data);
	void *data;
};

/* Nomad picks an error's status by its text (http.go wrap()); an unknown
 * or malformed token is a 400 (issue 6), an expired one a 403. */
int api_error_status(const char *msg)
{
	static const struct {
		const char *suffix;
		int status;
	} map[] = {
	    {"Permission denied", 403},
	    {"ACL token expired", 403},
	    {"ACL token not found", 400},
	    {"not found", 404},
	};
	size_t n = strlen(msg);
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		size_t k = strlen(map[i].suffix);
		if (n >= k && strcmp(msg + n - k, map[i].suffix) == 0)
			return map[i].status;
	}
	if (strncmp(msg, "Enforcing job modify index", 26) == 0 ||
	    strncmp(msg, "ACL support disabled", 20) == 0)
		return 400;
	return 500;
}

/* ---- the agent's roles ----------------------------------------------------
 */

static struct {
	struct server *server;
	struct client *client;
} api_be; /* one agent per process */

void api_backend_set(struct server *srv, struct client *client)
{
	api_be.server = srv;
	api_be.client = client;
}

struct server *api_backend_server(void)
{
	return api_be.server;
}

struct client *api_backend_client(void)
{
	return api_be.client;
}

int api_dispatch(struct server *srv, const struct rpc_request *r,
                 const struct schema *as, const void *args, rpc_reply_fn cb,
                 void *data)
{
	if (srv == NULL)
		srv = api_be.server;
	if (srv != NULL)
		return server_call(srv, r, as, args, cb, data);
	if (api_be.client != NULL)
		return client_rpc(api_be.client, r, as, args, cb, data);
	return ERR_UNSUPPORTED;
}

void api_dispatch_failed(struct http_req *req, int rc)
{
	if (rc == ERR_UNSUPPORTED)
		http_respond_text(req, 501, "not a server or client agent",
		                  NULL);
	else if (rc == ERR_CLOSED)
		http_respond_text(req, 503, "agent shutting down", NULL);
	else
		http_respond_text(req, 500, err_str(rc), NULL);
}

static void api_call_meta(struct http_meta *meta, const struct rpc_meta *m)
{
	memset(meta, 0, sizeof *meta);
	if (m == NULL)
		return;
	/* Nomad's indexes start at 1, even on an empty table. */
	meta->has_index = true;
	meta->index = m->index > 0 ? m->index : 1;
	meta->has_query_meta = true;
	meta->known_leader = m->known_leader;
	meta->last_contact_ms = m->last_contact_ms;
}

static void api_call_replied(void *data, int status, const char *error,
                             const msgpack_object *reply,
                             const struct rpc_meta *m)
{
	struct api_pending p = *(struct api_pending *)data;
	struct http_meta meta;
	mem_free(data);
	api_call_meta(&meta, m);
	if (status != ERR_OK || error != NULL) {
		if (status != ERR_OK)
			http_respond_text(
			    p.req, 500, error != NULL ? error : err_str(status),
			    NULL);
		else
			http_respond_text(p.req, api_error_status(error), error,
			                  &meta);
		if (p.drop != NULL)
			p.drop(p.data);
		return;
	}
	p.fn(p.data, p.req, reply, &meta);
}

static void api_call_fill(struct rpc_request *r, struct http_req *req,
                          const char *method, bool min_index_off)
{
	memset(r, 0, sizeof *r);
	r->method = (char *)method;
	r->auth_token = (char *)req->token;
	r->region = (char *)http_query(req, "region");
	r->ns = (char *)http_query(req, "namespace");
	r->allow_stale = req->stale;
	r->consistent = req->consistent;
	if (!min_index_off) {
		r->min_query_index = req->index;
		r->max_query_time = req->wait_ns;
	}
}

bool api_call_owned(struct server *srv, struct http_req *req,
                    const char *method, const struct schema *as,
                    const void *args, bool min_index_off, api_reply_fn fn,
                    void (*drop)(void *data), void *data)
{
	struct api_pending *p;
	struct rpc_request r;
	int rc;
	p = mem_calloc(1, sizeof *p);
	if (p == NULL) {
		http_respond_text(req, 500, "out of memory", NULL);
		if (drop != NULL)
			drop(data);
		return false;
	}
	p->req = req;
	p->fn = fn;
	p->drop = drop;
	p->data = data;
	api_call_fill(&r, req, method, min_index_off);
	rc = api_dispatch(srv, &r, as, args, api_call_replied, p);
	if (rc != ERR_OK) {
		mem_free(p);
		api_dispatch_failed(req, rc);
		if (drop != NULL)
			drop(data);
		return false;
	}
	return true;
}

bool api_call(struct server *srv, struct http_req *req, const char *method,
              const struct schema *as, const void *args, bool min_index_off,
              api_reply_fn fn, void *data)
{
	return api_call_owned(srv, req, method, as, args, min_index_off, fn,
	                      NULL, data);
}

void *api_reply_decode(struct http_req *req, const struct schema *s,
                       const msgpack_object *reply)
{
	void *obj = mem_calloc(1, s->size);
	struct err e;
	err_clear(&e);
	if (obj == NULL) {
		http_respond_text(req, 500, "out of memory", NULL);
		return NULL;
	}
	if (reply != NULL &&
	    schema_msgpack_unpack(s, obj, reply, &e) != ERR_OK) {
		mem_free(obj);
		http_respond_text(req, 500, e.msg, NULL);
		return NULL;
	}
	return obj;
}

void api_obj_free(const struct schema *s, void *obj)
{
	if (obj == NULL)
		return;
	schema_release(s, obj);
	mem_free(obj);
}

void api_reply_json(struct http_req *req, json_t *j,
                    const struct http_meta *meta)
{
	if (j == NULL)
		http_respond_text(req, 500, "out of memory", meta);
	else
		http_respond_json(req, 200, j, meta);
}

/* The part of the encoded reply the shape names (a new reference; json
 * null for a missing field), or NULL on oom. */
static json_t *api_shape_pick(const struct api_shape *sh, const void *obj)
{
	json_t *whole = schema_json_encode(sh->s, obj);
	json_t *part;
	if (whole == NULL || sh->field == NULL)
		return whole;
	part = json_object_get(whole, sh->field);
	part = part != NULL ? json_incref(part) : json_null();
	json_decref(whole);
	return part;
}

/* Sets key to null in every object of arr. 0, or -1 on oom. */
static int api_shape_clear(json_t *arr, const char *key)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		if (json_is_object(o) &&
		    json_object_set_new(o, key, json_null()) != 0)
			return -1;
	}
	return 0;
}

static void api_shape_reply(void *data, struct http_req *req,
                            const msgpack_object *reply,
                            const struct http_meta *meta)
{
	const struct api_shape *sh = data;
	void *obj = api_reply_decode(req, sh->s, reply);
	json_t *j;
	if (obj == NULL)
		return;
	j = api_shape_pick(sh, obj);
	api_obj_free(sh->s, obj);
	if (j != NULL && sh->missing != NULL && json_is_null(j)) {
		json_decref(j);
		http_respond_text(req, 404, sh->missing, meta);
		return;
	}
	if (j != NULL && sh->clear != NULL && api_shape_clear(j, sh->clear)) {
		json_decref(j);
		j = NULL;
	}
	api_reply_json(req, j, meta);
}

void api_call_shaped(struct server *srv, struct http_req *req,
                     const char *method, const struct schema *as,
                     const void *args, const struct api_shape *shape)
{
	api_call(srv, req, method, as, args, false, api_shape_reply,
	         (void *)shape);
}

json_t *api_body_json(struct http_req *req)
{
	json_error_t jerr;
	json_t *j;
	char msg[256];
	if (req->body_len == 0) {
		http_respond_text(req, 400, "Request body is empty", NULL);
		return NULL;
	}
	j = json_loadb(req->body, req->body_len, JSON_DECODE_ANY, &jerr);
	if (j == NULL) {
		snprintf(msg, sizeof msg, "%d:%d: %s", jerr.line, jerr.column,
		         jerr.text);
		http_respond_text(req, 400, msg, NULL);
	}
	return j;
}

bool api_body_decode(struct http_req *req, const struct schema *s, void *obj,
                     const json_t *j, const char *path)
{
	struct err e;
	err_clear(&e);
	if (schema_json_decode(s, obj, j, path, &e) == ERR_OK)
		return true;
	http_respond_text(req, 400, e.msg, NULL);
	return false;
}

/* Go's strconv.ParseBool: 1 true, 0 false, -1 invalid. */
static int api_parse_bool(const char *s)
{
	static const char *const yes[] = {"1",    "t",    "T",
	                                  "TRUE", "true", "True"};
	static const char *const no[] = {"0",     "f",     "F",
	                                 "FALSE", "false", "False"};
	for (size_t i = 0; i < 6; i++) {
		if (strcmp(s, yes[i]) == 0)
			return 1;
		if (strcmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

bool api_query_bool(const struct http_req *req, const char *name, bool *out,
                    char *msg, size_t msg_size)
{
	const char *v = http_query(req, name);
	int b;
	if (v == NULL || v[0] == '\0')
		return true;
	b = api_parse_bool(v);
	if (b >= 0) {
		*out = b == 1;
		return true;
	}
	snprintf(msg, msg_size,
	         "Failed to parse value of \"%s\" (%s) as a bool: "
	         "strconv.ParseBool: parsing \"%s\": invalid syntax",
	         name, v, v);
	return false;
}
