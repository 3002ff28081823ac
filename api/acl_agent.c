/* api/acl_agent.c: the caller's compiled ACL for the routes an agent
 * answers itself (agent self, job parse, /v1/client/...).
 *
 * A server agent resolves in-process (server_acl_resolve, which has its
 * own cache). A client-only agent has no ACL state: it asks its servers
 * with the caller's own token, as Nomad's client does, ACL.ResolveToken
 * for the token and then ACL.GetPolicy for each of its policies (a token
 * may read the policies it holds), compiles them, and keeps the result
 * for the agent's acl.token_ttl / policy_ttl (the smaller; 30 s by
 * default, never past the token's expiry). A failed
 * resolution is never kept, and an entry whose refresh fails is dropped:
 * a deleted token stops working within the TTL. When the servers answer
 * "ACL support disabled" the cluster runs without ACLs and the caller
 * gets the management ACL (kept for the TTL too), so a client agent
 * follows the servers' setting whatever its own acl block says.
 *
 * The cache is keyed by the SecretID itself (memory only, compared in
 * constant time); no secret reaches a log line or an error message. */
#include <string.h>

#include "acl/acl.h"
#include "api/routes_int.h"
#include "jobspec/policy.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "rpc/rpc.h"
#include "server/messages_acl.h"
#include "server/server.h"
#include "structs/acl.h"

#define API_ACL_CACHE_SIZE 64
#define API_ACL_SECRET_MAX 128 /* longer secrets are resolved, not kept */

struct api_acl_entry {
	bool used;
	size_t len;
	char secret[API_ACL_SECRET_MAX];
	struct acl *acl;
	int64_t expires_ns; /* monotonic */
};

static struct {
	struct api_acl_entry e[API_ACL_CACHE_SIZE];
	size_t next; /* the slot replaced when the cache is full */
	int64_t ttl_ns;
} api_acl_cache = {.ttl_ns = 30LL * STIME_NS_PER_S};

void api_acl_set_ttl(int64_t ttl_ns)
{
	api_acl_cache.ttl_ns = ttl_ns > 0 ? ttl_ns : 0;
}

/* Constant time in the secrets' bytes: every slot is compared in full. */
static bool api_acl_same(const struct api_acl_entry *en, const char *secret,
                         size_t len)
{
	unsigned char diff = (unsigned char)(en->len != len);
	for (size_t i = 0; i < API_ACL_SECRET_MAX; i++) {
		unsigned char a = (unsigned char)en->secret[i];
		unsigned char b = i < len ? (unsigned char)secret[i] : 0;
		diff |= (unsigned char)(a ^ b);
	}
	return diff == 0;
}

static void api_acl_drop(struct api_acl_entry *en)
{
	acl_release(en->acl);
	memset(en, 0, sizeof *en);
}

void api_acl_cache_clear(void)
{
	for (size_t i = 0; i < API_ACL_CACHE_SIZE; i++)
		if (api_acl_cache.e[i].used)
			api_acl_drop(&api_acl_cache.e[i]);
	api_acl_cache.next = 0;
}

static struct api_acl_entry *api_acl_find(const char *secret, size_t len)
{
	struct api_acl_entry *found = NULL;
	int64_t now = stime_mono_ns();
	for (size_t i = 0; i < API_ACL_CACHE_SIZE; i++) {
		struct api_acl_entry *en = &api_acl_cache.e[i];
		if (!en->used)
			continue;
		if (en->expires_ns <= now) {
			api_acl_drop(en);
			continue;
		}
		if (api_acl_same(en, secret, len))
			found = en;
	}
	return found;
}

static void api_acl_forget(const char *secret, size_t len)
{
	struct api_acl_entry *en = api_acl_find(secret, len);
	if (en != NULL)
		api_acl_drop(en);
}

/* Keeps a reference to a until ttl_ns from now. */
static void api_acl_keep(const char *secret, size_t len, struct acl *a,
                         int64_t ttl_ns)
{
	struct api_acl_entry *en = api_acl_find(secret, len);
	if (len >= API_ACL_SECRET_MAX || ttl_ns <= 0)
		return;
	for (size_t i = 0; en == NULL && i < API_ACL_CACHE_SIZE; i++)
		if (!api_acl_cache.e[i].used)
			en = &api_acl_cache.e[i];
	if (en == NULL) {
		en = &api_acl_cache.e[api_acl_cache.next];
		api_acl_cache.next =
		    (api_acl_cache.next + 1) % API_ACL_CACHE_SIZE;
	}
	if (en->used)
		api_acl_drop(en);
	en->used = true;
	en->len = len;
	memcpy(en->secret, secret, len);
	en->acl = acl_ref(a);
	en->expires_ns = stime_mono_ns() + ttl_ns;
}

/* ---- asking the servers ----------------------------------------------------
 */

struct api_acl_job {
	struct http_req *req;
	api_acl_fn fn;
	void *data;
	char *secret; /* "" for the anonymous caller */
	struct strlist policies;
	size_t next;
	struct acl_policy_doc *docs;
	size_t ndocs;
	int64_t ttl_ns;
};

static void api_acl_job_free(struct api_acl_job *j)
{
	for (size_t i = 0; i < j->ndocs; i++)
		policy_release(&j->docs[i]);
	mem_free(j->docs);
	strlist_release(&j->policies);
	if (j->secret != NULL) {
		memset(j->secret, 0, strlen(j->secret));
		mem_free(j->secret);
	}
	mem_free(j);
}

/* Ends the job with an answer (status, text) instead of an ACL. */
static void api_acl_fail(struct api_acl_job *j, int status, const char *msg)
{
	api_acl_forget(j->secret, strlen(j->secret));
	http_respond_text(j->req, status, msg, NULL);
	api_acl_job_free(j);
}

/* Ends the job with a (taken) ACL. */
static void api_acl_done(struct api_acl_job *j, struct acl *a)
{
	struct http_req *req = j->req;
	api_acl_fn fn = j->fn;
	void *data = j->data;
	api_acl_keep(j->secret, strlen(j->secret), a, j->ttl_ns);
	api_acl_job_free(j);
	fn(data, req, a);
}

static int api_acl_ask(struct api_acl_job *j, const char *method,
                       const struct acl_specific_request *args, rpc_reply_fn cb)
{
	struct rpc_request r = {0};
	r.method = (char *)method;
	r.auth_token = j->secret[0] != '\0' ? j->secret : NULL;
	r.region = (char *)http_query(j->req, "region");
	/* Any server's state will do, as Nomad's clients resolve. */
	r.allow_stale = true;
	return api_dispatch(NULL, &r, &acl_specific_request_schema, args, cb,
	                    j);
}

/* A failed RPC: Nomad's status for the servers' answer, or 500. */
static void api_acl_rpc_failed(struct api_acl_job *j, int status,
                               const char *error)
{
	char msg[300];
	if (status == ERR_OK && error != NULL) {
		api_acl_fail(j, api_error_status(error), error);
		return;
	}
	snprintf(msg, sizeof msg, "failed to resolve ACL token: %s",
	         error != NULL ? error : err_str(status));
	api_acl_fail(j, 500, msg);
}

static void api_acl_next_policy(struct api_acl_job *j);

static void api_acl_got_policy(void *data, int status, const char *error,
                               const msgpack_object *reply,
                               const struct rpc_meta *meta)
{
	struct api_acl_job *j = data;
	struct single_acl_policy_response r = {0};
	struct err e;
	const char *rules;
	(void)meta;
	err_clear(&e);
	if (status != ERR_OK || error != NULL) {
		api_acl_rpc_failed(j, status, error);
		return;
	}
	if (schema_msgpack_unpack(&single_acl_policy_response_schema, &r, reply,
	                          &e) != ERR_OK) {
		api_acl_fail(j, 500, e.msg);
		return;
	}
	/* A policy deleted since (or never created) grants nothing. */
	if (r.policy != NULL) {
		rules = r.policy->rules != NULL ? r.policy->rules : "";
		if (policy_parse(r.policy->name ? r.policy->name : "", rules,
		                 strlen(rules), &j->docs[j->ndocs],
		                 &e) == ERR_OK)
			j->ndocs++;
		else
			LOG_WARN("acl",
			         "policy \"%s\" does not parse, "
			         "ignored: %s",
			         r.policy->name ? r.policy->name : "", e.msg);
	}
	schema_release(&single_acl_policy_response_schema, &r);
	api_acl_next_policy(j);
}

static void api_acl_next_policy(struct api_acl_job *j)
{
	const struct acl_policy_doc **ptrs;
	struct acl *a = NULL;
	int rc;
	if (j->next < j->policies.n) {
		struct acl_specific_request args = {
		    .name = j->policies.v[j->next++]};
		rc = api_acl_ask(j, "ACL.GetPolicy", &args, api_acl_got_policy);
		if (rc != ERR_OK)
			api_acl_rpc_failed(j, rc, NULL);
		return;
	}
	ptrs = mem_calloc(j->ndocs + 1, sizeof *ptrs);
	if (ptrs == NULL) {
		api_acl_fail(j, 500, "out of memory");
		return;
	}
	for (size_t i = 0; i < j->ndocs; i++)
		ptrs[i] = &j->docs[i];
	rc = acl_compile(ptrs, j->ndocs, &a);
	mem_free(ptrs);
	if (rc != ERR_OK)
		api_acl_fail(j, 500, "out of memory");
	else
		api_acl_done(j, a);
}

/* The token: management, or its policies to fetch. */
static void api_acl_got_token(void *data, int status, const char *error,
                              const msgpack_object *reply,
                              const struct rpc_meta *meta)
{
	struct api_acl_job *j = data;
	struct single_acl_token_response r = {0};
	struct err e;
	int64_t left;
	(void)meta;
	err_clear(&e);
	if (status == ERR_OK && error != NULL &&
	    strncmp(error, "ACL support disabled", 20) == 0) {
		api_acl_done(j, acl_management());
		return;
	}
	if (status != ERR_OK || error != NULL) {
		api_acl_rpc_failed(j, status, error);
		return;
	}
	if (schema_msgpack_unpack(&single_acl_token_response_schema, &r, reply,
	                          &e) != ERR_OK ||
	    r.token == NULL) {
		schema_release(&single_acl_token_response_schema, &r);
		api_acl_fail(j, 500,
		             e.msg[0] ? e.msg : "no token in the answer");
		return;
	}
	if (r.token->expiration_time != 0) {
		left = r.token->expiration_time - stime_wall_ns();
		if (left <= 0) {
			schema_release(&single_acl_token_response_schema, &r);
			api_acl_fail(j, 403, "ACL token expired");
			return;
		}
		if (left < j->ttl_ns)
			j->ttl_ns = left;
	}
	if (acl_token_is_management(r.token)) {
		schema_release(&single_acl_token_response_schema, &r);
		api_acl_done(j, acl_management());
		return;
	}
	j->policies = r.token->policies;
	memset(&r.token->policies, 0, sizeof r.token->policies);
	schema_release(&single_acl_token_response_schema, &r);
	j->docs = mem_calloc(j->policies.n + 1, sizeof *j->docs);
	if (j->docs == NULL) {
		api_acl_fail(j, 500, "out of memory");
		return;
	}
	api_acl_next_policy(j);
}

static void api_acl_from_servers(struct http_req *req, api_acl_fn fn,
                                 void *data)
{
	const char *secret = req->token != NULL ? req->token : "";
	struct api_acl_entry *en = api_acl_find(secret, strlen(secret));
	struct acl_specific_request args = {0};
	struct api_acl_job *j;
	int rc;
	if (en != NULL) {
		fn(data, req, acl_ref(en->acl));
		return;
	}
	j = mem_calloc(1, sizeof *j);
	if (j == NULL || (j->secret = mem_strdup(secret)) == NULL) {
		mem_free(j);
		http_respond_text(req, 500, "out of memory", NULL);
		return;
	}
	j->req = req;
	j->fn = fn;
	j->data = data;
	j->ttl_ns = api_acl_cache.ttl_ns;
	args.secret_id = j->secret[0] != '\0' ? j->secret : NULL;
	rc = api_acl_ask(j, "ACL.ResolveToken", &args, api_acl_got_token);
	if (rc != ERR_OK) {
		api_acl_job_free(j);
		api_dispatch_failed(req, rc);
	}
}

void api_acl_resolve(struct http_req *req, api_acl_fn fn, void *data)
{
	struct server *srv = api_backend_server();
	struct acl *a = NULL;
	struct err e;
	int rc;
	if (srv == NULL) {
		api_acl_from_servers(req, fn, data);
		return;
	}
	err_clear(&e);
	rc = server_acl_resolve(srv, req->token, &a, &e);
	if (rc == ERR_NOMEM) {
		http_respond_text(req, 500, "out of memory", NULL);
		return;
	}
	if (rc != ERR_OK) {
		http_respond_text(req, api_error_status(e.msg), e.msg, NULL);
		return;
	}
	fn(data, req, a);
}
