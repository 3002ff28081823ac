/* server/ep_acl.c: the ACL.* endpoints (Nomad's ACL RPCs): bootstrap,
 * policies, tokens, token resolution.
 *
 * IDs, SecretIDs (getrandom through lib/id.h), CreateTime, expiration
 * times and hashes are chosen here, on the leader, before the entry is
 * written. A SecretID is returned only by bootstrap, token creation and
 * token self (or a token reading itself); lists carry stubs without it,
 * and it never reaches a log line or an error message. */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl/acl.h"
#include "jobspec/policy.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "raft/fsm.h"
#include "raft/fsm_acl.h"
#include "server/messages_acl.h"
#include "server/server_int.h"

#define ACL_RESET_FILE       "acl-bootstrap-reset"
#define ACL_DEFAULT_MIN_TTL  (1 * STIME_NS_PER_MIN)
#define ACL_DEFAULT_MAX_TTL  (24 * STIME_NS_PER_HOUR)
#define ACL_ANONYMOUS_POLICY "anonymous"

/* ---- helpers --------------------------------------------------------------
 */

static bool ep_acl_enabled(struct server *s, struct rpc_call *call)
{
	if (s->cfg.acl_enabled)
		return true;
	rpc_call_error(call, "ACL support disabled", NULL);
	return false;
}

static int ep_acl_dup(char **dst, const char *src)
{
	char *c = src != NULL ? mem_strdup(src) : NULL;
	if (src != NULL && c == NULL)
		return ERR_NOMEM;
	mem_free(*dst);
	*dst = c;
	return ERR_OK;
}

/* SHA-256 of the parts, each followed by a NUL, into out. */
static int ep_acl_hash(struct bytes *out, const char *const *parts, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf b;
	int rc = ERR_NOMEM;
	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		buf_append_str(&b, parts[i] != NULL ? parts[i] : "");
		buf_append_char(&b, '\0');
	}
	if (!b.oom &&
	    EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) == 1) {
		bytes_release(out);
		out->v = mem_malloc(mdlen);
		if (out->v != NULL) {
			memcpy(out->v, md, mdlen);
			out->n = mdlen;
			rc = ERR_OK;
		}
	}
	buf_release(&b);
	return rc;
}

/* The reset index an operator wrote to <dir>/acl-bootstrap-reset, 0 when
 * there is none (or it does not hold a number). */
static uint64_t ep_acl_reset_index(const struct server *s)
{
	char path[600], text[64];
	FILE *f;
	size_t n;
	char *end;
	unsigned long long v;
	snprintf(path, sizeof path, "%s/%s", s->dir, ACL_RESET_FILE);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text)
		return 0;
	return (uint64_t)v;
}

/* Does the caller's token (anonymous: the "anonymous" policy) name
 * policy? */
static bool ep_acl_caller_holds(struct server *s, struct rpc_call *call,
                                const char *policy)
{
	const char *secret = call->req.auth_token;
	const struct acl_token *t;
	if (secret == NULL || secret[0] == '\0')
		return strcmp(policy, ACL_ANONYMOUS_POLICY) == 0;
	t = store_acl_token_by_secret(s->store, secret);
	return t != NULL && strlist_contains(&t->policies, policy);
}

static void ep_acl_reply_index(struct server *s, struct rpc_call *call,
                               int status, uint64_t index)
{
	struct acl_write_response r = {.index = index};
	struct rpc_meta m;
	if (status != ERR_OK) {
		server_fail(call, status);
		return;
	}
	m = server_meta(s, index);
	rpc_call_reply(call, &acl_write_response_schema, &r, &m);
}

/* Writes body (owned: freed here in every case) and answers through cb,
 * or through ep_acl_reply_index when cb is NULL. */
struct ep_acl_write {
	const struct schema *bs;
	void *body;
	server_applied_fn then;
};

static void ep_acl_written(struct server *s, struct rpc_call *call, void *ctx,
                           int status, uint64_t index)
{
	struct ep_acl_write *w = ctx;
	if (w->then != NULL)
		w->then(s, call, w->body, status, index);
	else
		ep_acl_reply_index(s, call, status, index);
	schema_release(w->bs, w->body);
	mem_free(w->body);
	mem_free(w);
}

static void ep_acl_write(struct server *s, struct rpc_call *call, uint8_t type,
                         const struct schema *bs, void *body,
                         server_applied_fn then)
{
	struct ep_acl_write *w = mem_calloc(1, sizeof *w);
	int rc = ERR_NOMEM;
	if (w != NULL) {
		w->bs = bs;
		w->body = body;
		w->then = then;
		rc = server_apply(s, call, type, bs, body, ep_acl_written, w);
	}
	if (rc != ERR_OK) {
		server_fail(call, rc);
		schema_release(bs, body);
		mem_free(body);
		mem_free(w);
	}
}

/* ---- writes of a list: policies and tokens, upserted or deleted ------- */

/* The Args of these calls name their list as the log entry's body does
 * (Policies, Names, Tokens, AccessorIDs), so a call is decoded straight
 * into the body. */
struct ep_acl_batch {
	uint8_t type;            /* the log entry */
	const struct schema *bs; /* its body */
	size_t bsize;
	const char *what; /* "policy", "token" */
	/* Prepares item i of the list (NULL: nothing to prepare); returns
	 * NULL or why not. */
	const char *(*prepare)(struct server *s, void *body, size_t i,
	                       int64_t now, char *msg, size_t size);
	server_applied_fn then; /* NULL: answer with the index */
};

/* The length of the list a write of type is about; *other gets the
 * length of the body's other list, which such a call must leave out. */
static size_t ep_acl_batch_len(uint8_t type, const void *body, size_t *other)
{
	const struct fsm_acl_policies *p = body;
	const struct fsm_acl_tokens *t = body;
	switch (type) {
	case FSM_ACL_POLICY_UPSERT: *other = p->names.n; return p->policies.n;
	case FSM_ACL_POLICY_DELETE: *other = p->policies.n; return p->names.n;
	case FSM_ACL_TOKEN_UPSERT:
		*other = t->accessor_ids.n;
		return t->tokens.n;
	default: *other = t->tokens.n; return t->accessor_ids.n;
	}
}

/* The endpoint's rule asked for a management token already. */
static void ep_acl_batch_write(struct server *s, struct rpc_call *call,
                               const struct ep_acl_batch *b)
{
	char msg[ERR_MSG_MAX + 64];
	const char *why = NULL;
	int64_t now = stime_wall_ns();
	size_t n, other;
	void *body;
	if (!ep_acl_enabled(s, call))
		return;
	if ((body = mem_calloc(1, b->bsize)) == NULL) {
		rpc_call_error(call, "out of memory", NULL);
		return;
	}
	if (!server_args(call, b->bs, body)) {
		mem_free(body); /* the decoder released what it made */
		return;
	}
	n = ep_acl_batch_len(b->type, body, &other);
	if (n == 0 || other != 0) {
		snprintf(msg, sizeof msg, "Must specify as least one %s",
		         b->what);
		why = n == 0 ? msg : "unexpected list for this request";
	}
	for (size_t i = 0; why == NULL && b->prepare != NULL && i < n; i++)
		why = b->prepare(s, body, i, now, msg, sizeof msg);
	if (why != NULL) {
		rpc_call_error(call, why, NULL);
		schema_release(b->bs, body);
		mem_free(body);
		return;
	}
	ep_acl_write(s, call, b->type, b->bs, body, b->then);
}

/* ---- tokens: preparation ----------------------------------------------------
 */

static int ep_token_hash(struct acl_token *t)
{
	char global[2] = {t->global ? '1' : '0', '\0'};
	struct buf pol;
	int rc;
	buf_init(&pol);
	for (size_t i = 0; i < t->policies.n; i++) {
		buf_append_str(&pol, t->policies.v[i]);
		buf_append_char(&pol, ',');
	}
	const char *parts[] = {t->name, t->type, buf_cstr(&pol), global};
	rc = pol.oom ? ERR_NOMEM : ep_acl_hash(&t->hash, parts, 4);
	buf_release(&pol);
	return rc;
}

static int ep_token_new_ids(struct acl_token *t, const char *secret)
{
	char id[ID_LEN + 1];
	if (id_new(id) != 0 || ep_acl_dup(&t->accessor_id, id) != ERR_OK)
		return ERR_IO;
	if (secret == NULL && id_new(id) != 0)
		return ERR_IO;
	return ep_acl_dup(&t->secret_id, secret != NULL ? secret : id);
}

static void ep_ttl_str(int64_t ns, char *buf, size_t size)
{
	if (ns % STIME_NS_PER_HOUR == 0)
		snprintf(buf, size, "%" PRId64 "h0m0s", ns / STIME_NS_PER_HOUR);
	else if (ns % STIME_NS_PER_MIN == 0)
		snprintf(buf, size, "%" PRId64 "m0s", ns / STIME_NS_PER_MIN);
	else
		snprintf(buf, size, "%" PRId64 "s", ns / STIME_NS_PER_S);
}

/* ExpirationTTL -> ExpirationTime, both within the configured bounds. */
static const char *ep_token_expiry(const struct server *s, struct acl_token *t,
                                   int64_t now, char *msg, size_t size)
{
	int64_t lo = s->cfg.acl_token_min_ttl_ns ? s->cfg.acl_token_min_ttl_ns
	                                         : ACL_DEFAULT_MIN_TTL;
	int64_t hi = s->cfg.acl_token_max_ttl_ns ? s->cfg.acl_token_max_ttl_ns
	                                         : ACL_DEFAULT_MAX_TTL;
	int64_t ttl;
	char b[32];
	if (t->expiration_ttl != 0 && t->expiration_time != 0)
		return "Cannot set both ExpirationTTL and ExpirationTime";
	if (t->expiration_ttl != 0)
		t->expiration_time = now + t->expiration_ttl;
	if (t->expiration_time == 0)
		return NULL;
	ttl = t->expiration_time - now;
	if (ttl < lo) {
		ep_ttl_str(lo, b, sizeof b);
		snprintf(msg, size,
		         "expiration time cannot be less than %s in the future",
		         b);
		return msg;
	}
	if (ttl > hi) {
		ep_ttl_str(hi, b, sizeof b);
		snprintf(msg, size,
		         "expiration time cannot be more than %s in the future",
		         b);
		return msg;
	}
	return NULL;
}

static const char *ep_token_validate(const struct acl_token *t, char *msg,
                                     size_t size)
{
	struct errlist errs;
	struct err e;
	errlist_init(&errs);
	err_clear(&e);
	acl_token_validate(t, &errs);
	if (errlist_to_err(&errs, &e) == ERR_OK) {
		errlist_release(&errs);
		return NULL;
	}
	errlist_release(&errs);
	snprintf(msg, size, "token invalid: %s", e.msg);
	return msg;
}

/* A new token: IDs, CreateTime and expiration chosen now. */
static const char *ep_token_create(struct server *s, struct acl_token *t,
                                   int64_t now, char *msg, size_t size)
{
	const char *why;
	t->create_time = now;
	t->create_index = t->modify_index = 0;
	why = ep_token_expiry(s, t, now, msg, size);
	if (why == NULL)
		why = ep_token_validate(t, msg, size);
	if (why == NULL && ep_token_new_ids(t, NULL) != ERR_OK)
		why = "no randomness for a token ID";
	return why;
}

/* An update keeps the secret, the times and the global flag. */
static const char *ep_token_update(struct server *s, struct acl_token *t,
                                   char *msg, size_t size)
{
	const struct acl_token *old = store_acl_token(s->store, t->accessor_id);
	if (old == NULL) {
		snprintf(msg, size, "Cannot find token %.40s", t->accessor_id);
		return msg;
	}
	if (t->global != old->global)
		return "Cannot toggle global mode";
	if (ep_acl_dup(&t->secret_id, old->secret_id) != ERR_OK)
		return "out of memory";
	t->create_time = old->create_time;
	t->expiration_time = old->expiration_time;
	t->expiration_ttl = old->expiration_ttl;
	return ep_token_validate(t, msg, size);
}

/* ---- ACL.Bootstrap ------------------------------------------------------ */

static void ep_acl_bootstrapped(struct server *s, struct rpc_call *call,
                                void *ctx, int status, uint64_t index)
{
	struct fsm_acl_bootstrap *b = ctx;
	struct acl_tokens_response r = {0};
	const struct acl_token *t;
	char msg[160];
	uint64_t done = store_acl_bootstrap_index(s->store);
	if (status != ERR_OK) {
		server_fail(call, status);
		return;
	}
	t = store_acl_token(s->store, b->token.accessor_id);
	if (done != index || t == NULL) {
		/* Another bootstrap got there first. */
		snprintf(msg, sizeof msg,
		         "ACL bootstrap already done (reset index: %" PRIu64
		         ")",
		         done);
		rpc_call_error(call, msg, NULL);
		return;
	}
	r.tokens.v = (struct acl_token *)t; /* borrowed */
	r.tokens.n = 1;
	r.index = index;
	struct rpc_meta m = server_meta(s, index);
	rpc_call_reply(call, &acl_tokens_response_schema, &r, &m);
	LOG_INFO("acl",
	         "ACL bootstrap done at index %" PRIu64
	         ": management token %s created",
	         index, t->accessor_id);
}

/* Nomad's refusals: already done, or a reset file naming another index. */
static bool ep_acl_may_bootstrap(struct server *s, struct rpc_call *call)
{
	uint64_t done = store_acl_bootstrap_index(s->store), want;
	char msg[200];
	if (done == 0)
		return true;
	want = ep_acl_reset_index(s);
	if (want == done)
		return true;
	if (want == 0)
		snprintf(msg, sizeof msg,
		         "ACL bootstrap already done (reset index: %" PRIu64
		         ")",
		         done);
	else
		snprintf(msg, sizeof msg,
		         "Invalid bootstrap reset index (specified %" PRIu64
		         ", reset index: %" PRIu64 ")",
		         want, done);
	rpc_call_error(call, msg, NULL);
	return false;
}

static int ep_acl_bootstrap_token(struct acl_token *t, const char *secret,
                                  int64_t now)
{
	int rc = ep_token_new_ids(t, secret);
	if (rc == ERR_OK)
		rc = ep_acl_dup(&t->name, "Bootstrap Token");
	if (rc == ERR_OK)
		rc = ep_acl_dup(&t->type, ACL_TOKEN_TYPE_MANAGEMENT);
	t->global = true;
	t->create_time = now;
	if (rc == ERR_OK)
		rc = ep_token_hash(t);
	return rc;
}

static void ep_acl_bootstrap(struct server *s, struct rpc_call *call)
{
	struct acl_bootstrap_request args = {0};
	struct fsm_acl_bootstrap *body = NULL;
	const char *secret;
	if (!ep_acl_enabled(s, call) ||
	    !server_args(call, &acl_bootstrap_request_schema, &args))
		return;
	secret = args.bootstrap_secret != NULL && args.bootstrap_secret[0]
	             ? args.bootstrap_secret
	             : NULL;
	if (secret != NULL && (!id_valid(secret) ||
	                       store_acl_token_by_secret(s->store, secret))) {
		rpc_call_error(call, "invalid acl token", NULL);
		goto out;
	}
	if (!ep_acl_may_bootstrap(s, call))
		goto out;
	body = mem_calloc(1, sizeof *body);
	if (body == NULL || ep_acl_bootstrap_token(&body->token, secret,
	                                           stime_wall_ns()) != ERR_OK) {
		rpc_call_error(call, "out of memory", NULL);
		if (body != NULL)
			schema_release(&fsm_acl_bootstrap_schema, body);
		mem_free(body);
		goto out;
	}
	body->reset_index = store_acl_bootstrap_index(s->store);
	ep_acl_write(s, call, FSM_ACL_BOOTSTRAP, &fsm_acl_bootstrap_schema,
	             body, ep_acl_bootstrapped);
out:
	schema_release(&acl_bootstrap_request_schema, &args);
}

/* ---- policies -------------------------------------------------------------
 */

/* Validates p and fills RulesJSON and Hash; NULL, or why not. */
static const char *ep_policy_prepare(struct server *s, struct acl_policy *p,
                                     size_t idx, char *msg, size_t size)
{
	struct acl_policy_doc doc = {0};
	struct errlist errs;
	struct err e;
	const char *rules = p->rules != NULL ? p->rules : "";
	json_t *j;
	errlist_init(&errs);
	err_clear(&e);
	acl_policy_validate(p, &errs);
	if (errlist_to_err(&errs, &e) != ERR_OK) {
		errlist_release(&errs);
		snprintf(msg, size, "policy %zu invalid: %s", idx, e.msg);
		return msg;
	}
	errlist_release(&errs);
	if (p->job_acl != NULL && p->job_acl->namespace != NULL &&
	    p->job_acl->namespace[0] != '\0' &&
	    store_namespace(s->store, p->job_acl->namespace) == NULL) {
		snprintf(msg, size,
		         "policy %zu invalid: namespace \"%.128s\" does not "
		         "exist",
		         idx, p->job_acl->namespace);
		return msg;
	}
	if (policy_parse("rules", rules, strlen(rules), &doc, &e) != ERR_OK) {
		snprintf(msg, size,
		         "policy %zu invalid: failed to parse rules: %s", idx,
		         e.msg);
		return msg;
	}
	j = schema_json_encode(&acl_policy_doc_schema, &doc);
	policy_release(&doc);
	value_release(&p->rules_json);
	if (j == NULL ||
	    value_from_json(&p->rules_json, j, "RulesJSON", &e) != ERR_OK) {
		json_decref(j);
		return "out of memory";
	}
	json_decref(j);
	const char *parts[] = {p->name,
	                       p->description,
	                       rules,
	                       p->job_acl ? p->job_acl->namespace : NULL,
	                       p->job_acl ? p->job_acl->job_id : NULL,
	                       p->job_acl ? p->job_acl->group : NULL,
	                       p->job_acl ? p->job_acl->task : NULL};
	return ep_acl_hash(&p->hash, parts, 7) == ERR_OK ? NULL
	                                                 : "out of memory";
}

static const char *ep_policy_item(struct server *s, void *body, size_t i,
                                  int64_t now, char *msg, size_t size)
{
	struct fsm_acl_policies *b = body;
	(void)now;
	return ep_policy_prepare(s, &b->policies.v[i], i, msg, size);
}

static void ep_acl_upsert_policies(struct server *s, struct rpc_call *call)
{
	static const struct ep_acl_batch b = {FSM_ACL_POLICY_UPSERT,
	                                      &fsm_acl_policies_schema,
	                                      sizeof(struct fsm_acl_policies),
	                                      "policy",
	                                      ep_policy_item,
	                                      NULL};
	ep_acl_batch_write(s, call, &b);
}

static void ep_acl_delete_policies(struct server *s, struct rpc_call *call)
{
	static const struct ep_acl_batch b = {FSM_ACL_POLICY_DELETE,
	                                      &fsm_acl_policies_schema,
	                                      sizeof(struct fsm_acl_policies),
	                                      "policy",
	                                      NULL,
	                                      NULL};
	ep_acl_batch_write(s, call, &b);
}

struct ep_policy_list {
	struct server *s;
	struct rpc_call *call;
	bool all;
	struct acl_policy_list_response r;
	size_t cap;
	bool oom;
};

static bool ep_add_policy(void *data, const struct acl_policy *p)
{
	struct ep_policy_list *l = data;
	struct acl_policy_list_stub *st;
	if (!l->all && !ep_acl_caller_holds(l->s, l->call, p->name))
		return true;
	if (mem_grow(&l->r.policies.v, l->r.policies.n, &l->cap, sizeof *st) !=
	    0) {
		l->oom = true;
		return false;
	}
	st = &l->r.policies.v[l->r.policies.n++];
	*st = (struct acl_policy_list_stub){
	    /* borrowed from the store */
	    .name = p->name,
	    .description = p->description,
	    .job_acl = p->job_acl,
	    .hash = p->hash,
	    .create_index = p->create_index,
	    .modify_index = p->modify_index,
	};
	return true;
}

static void ep_acl_list_policies(struct server *s, struct rpc_call *call)
{
	struct acl_specific_request args = {0};
	struct ep_policy_list l = {.s = s, .call = call};
	struct acl *a;
	if (!ep_acl_enabled(s, call) ||
	    server_block(s, call, STORE_BIT(STORE_ACL_POLICIES),
	                 ep_acl_list_policies))
		return;
	if ((a = server_acl_caller(s, call)) == NULL)
		return;
	l.all = acl_is_management(a);
	acl_release(a);
	if (!server_args(call, &acl_specific_request_schema, &args))
		return;
	store_each_acl_policy(s->store, args.prefix, ep_add_policy, &l);
	if (l.oom) {
		rpc_call_error(call, "out of memory", NULL);
	} else {
		struct rpc_meta m = server_meta(
		    s, store_table_index(s->store, STORE_ACL_POLICIES));
		rpc_call_reply(call, &acl_policy_list_response_schema, &l.r,
		               &m);
	}
	mem_free(l.r.policies.v);
	schema_release(&acl_specific_request_schema, &args);
}

static void ep_acl_get_policy(struct server *s, struct rpc_call *call)
{
	struct acl_specific_request args = {0};
	struct single_acl_policy_response r = {0};
	struct acl *a;
	bool mgmt;
	if (!ep_acl_enabled(s, call) ||
	    server_block(s, call, STORE_BIT(STORE_ACL_POLICIES),
	                 ep_acl_get_policy))
		return;
	if ((a = server_acl_caller(s, call)) == NULL)
		return;
	mgmt = acl_is_management(a);
	acl_release(a);
	if (!server_args(call, &acl_specific_request_schema, &args))
		return;
	if (!mgmt &&
	    !ep_acl_caller_holds(s, call, args.name ? args.name : "")) {
		rpc_call_error(call, "Permission denied", NULL);
		goto out;
	}
	r.policy = (struct acl_policy *)store_acl_policy(
	    s->store, args.name ? args.name : "");
	struct rpc_meta m = server_meta(
	    s, r.policy ? r.policy->modify_index
	                : store_table_index(s->store, STORE_ACL_POLICIES));
	rpc_call_reply(call, &single_acl_policy_response_schema, &r, &m);
out:
	schema_release(&acl_specific_request_schema, &args);
}

/* ---- tokens
 * ------------------------------------------------------------------ */

/* Answers with the tokens just written, as stored; the SecretID only for
 * the ones created by this call. */
static void ep_acl_tokens_written(struct server *s, struct rpc_call *call,
                                  void *ctx, int status, uint64_t index)
{
	struct fsm_acl_tokens *b = ctx;
	struct acl_tokens_response r = {.index = index};
	if (status != ERR_OK) {
		server_fail(call, status);
		return;
	}
	r.tokens.v =
	    mem_calloc(b->tokens.n ? b->tokens.n : 1, sizeof *r.tokens.v);
	if (r.tokens.v == NULL) {
		rpc_call_error(call, "out of memory", NULL);
		return;
	}
	for (size_t i = 0; i < b->tokens.n; i++) {
		const struct acl_token *t =
		    store_acl_token(s->store, b->tokens.v[i].accessor_id);
		if (t == NULL)
			continue;
		r.tokens.v[r.tokens.n] = *t; /* borrowed */
		/* ModifyIndex == CreateIndex: created by this entry */
		if (t->create_index != index)
			r.tokens.v[r.tokens.n].secret_id = NULL;
		r.tokens.n++;
	}
	struct rpc_meta m = server_meta(s, index);
	rpc_call_reply(call, &acl_tokens_response_schema, &r, &m);
	mem_free(r.tokens.v);
}

static const char *ep_token_prepare(struct server *s, struct acl_token *t,
                                    int64_t now, char *msg, size_t size)
{
	const char *why;
	if (t->accessor_id == NULL || t->accessor_id[0] == '\0')
		why = ep_token_create(s, t, now, msg, size);
	else
		why = ep_token_update(s, t, msg, size);
	if (why == NULL && ep_token_hash(t) != ERR_OK)
		why = "out of memory";
	return why;
}

static const char *ep_token_item(struct server *s, void *body, size_t i,
                                 int64_t now, char *msg, size_t size)
{
	struct fsm_acl_tokens *b = body;
	return ep_token_prepare(s, &b->tokens.v[i], now, msg, size);
}

static void ep_acl_upsert_tokens(struct server *s, struct rpc_call *call)
{
	static const struct ep_acl_batch b = {FSM_ACL_TOKEN_UPSERT,
	                                      &fsm_acl_tokens_schema,
	                                      sizeof(struct fsm_acl_tokens),
	                                      "token",
	                                      ep_token_item,
	                                      ep_acl_tokens_written};
	ep_acl_batch_write(s, call, &b);
}

static void ep_acl_delete_tokens(struct server *s, struct rpc_call *call)
{
	static const struct ep_acl_batch b = {FSM_ACL_TOKEN_DELETE,
	                                      &fsm_acl_tokens_schema,
	                                      sizeof(struct fsm_acl_tokens),
	                                      "token",
	                                      NULL,
	                                      NULL};
	ep_acl_batch_write(s, call, &b);
}

struct ep_token_list {
	bool global_only;
	struct acl_token_list_response r;
	size_t cap;
	bool oom;
};

static bool ep_add_token(void *data, const struct acl_token *t)
{
	struct ep_token_list *l = data;
	struct acl_token_list_stub *st;
	if (l->global_only && !t->global)
		return true;
	if (mem_grow(&l->r.tokens.v, l->r.tokens.n, &l->cap, sizeof *st) != 0) {
		l->oom = true;
		return false;
	}
	st = &l->r.tokens.v[l->r.tokens.n++];
	*st = (struct acl_token_list_stub){
	    /* borrowed from the store; no SecretID */
	    .accessor_id = t->accessor_id,
	    .name = t->name,
	    .type = t->type,
	    .policies = t->policies,
	    .roles = t->roles,
	    .global = t->global,
	    .hash = t->hash,
	    .create_time = t->create_time,
	    .expiration_time = t->expiration_time,
	    .create_index = t->create_index,
	    .modify_index = t->modify_index,
	};
	return true;
}

static void ep_acl_list_tokens(struct server *s, struct rpc_call *call)
{
	struct acl_specific_request args = {0};
	struct ep_token_list l = {0};
	if (!ep_acl_enabled(s, call) ||
	    server_block(s, call, STORE_BIT(STORE_ACL_TOKENS),
	                 ep_acl_list_tokens))
		return;
	if (!server_args(call, &acl_specific_request_schema, &args))
		return;
	l.global_only = args.global_only;
	store_each_acl_token(s->store, args.prefix, ep_add_token, &l);
	if (l.oom) {
		rpc_call_error(call, "out of memory", NULL);
	} else {
		struct rpc_meta m = server_meta(
		    s, store_table_index(s->store, STORE_ACL_TOKENS));
		rpc_call_reply(call, &acl_token_list_response_schema, &l.r, &m);
	}
	mem_free(l.r.tokens.v);
	schema_release(&acl_specific_request_schema, &args);
}

static void ep_token_reply(struct server *s, struct rpc_call *call,
                           const struct acl_token *t, bool with_secret)
{
	struct single_acl_token_response r = {0};
	struct acl_token copy;
	if (t != NULL) {
		copy = *t; /* shallow, borrowed */
		if (!with_secret)
			copy.secret_id = NULL;
		r.token = &copy;
	}
	struct rpc_meta m =
	    server_meta(s, t != NULL && t->modify_index
	                       ? t->modify_index
	                       : store_table_index(s->store, STORE_ACL_TOKENS));
	rpc_call_reply(call, &single_acl_token_response_schema, &r, &m);
}

/* Management, or the token itself (then with its SecretID, which the
 * caller already holds). */
static void ep_acl_get_token(struct server *s, struct rpc_call *call)
{
	struct acl_specific_request args = {0};
	const struct acl_token *t, *self = NULL;
	struct acl *a;
	bool mgmt;
	if (!ep_acl_enabled(s, call) ||
	    server_block(s, call, STORE_BIT(STORE_ACL_TOKENS),
	                 ep_acl_get_token))
		return;
	if ((a = server_acl_caller(s, call)) == NULL)
		return;
	mgmt = acl_is_management(a);
	acl_release(a);
	if (!server_args(call, &acl_specific_request_schema, &args))
		return;
	t = store_acl_token(s->store, args.accessor_id ? args.accessor_id : "");
	if (call->req.auth_token != NULL && call->req.auth_token[0] != '\0')
		self =
		    store_acl_token_by_secret(s->store, call->req.auth_token);
	if (!mgmt && (t == NULL || t != self))
		rpc_call_error(call, "Permission denied", NULL);
	else
		ep_token_reply(s, call, t, t != NULL && t == self);
	schema_release(&acl_specific_request_schema, &args);
}

/* The token of a SecretID (the args' or else the caller's): token self.
 * No secret is the anonymous token. */
static void ep_acl_resolve_token(struct server *s, struct rpc_call *call)
{
	static char anon_name[] = "anonymous";
	static char *anon_policies[] = {anon_name};
	static struct acl_token anon = {
	    .accessor_id = anon_name,
	    .name = "Anonymous Token",
	    .type = ACL_TOKEN_TYPE_CLIENT,
	    .policies = {anon_policies, 1},
	};
	struct acl_specific_request args = {0};
	const struct acl_token *t;
	const char *secret;
	if (!ep_acl_enabled(s, call) ||
	    !server_args(call, &acl_specific_request_schema, &args))
		return;
	secret = args.secret_id != NULL && args.secret_id[0]
	             ? args.secret_id
	             : call->req.auth_token;
	if (secret == NULL || secret[0] == '\0') {
		ep_token_reply(s, call, &anon, false);
		goto out;
	}
	t = store_acl_token_by_secret(s->store, secret);
	if (t == NULL)
		rpc_call_error(call, "ACL token not found", NULL);
	else if (acl_token_expired(t, stime_wall_ns()))
		rpc_call_error(call, "ACL token expired", NULL);
	else
		ep_token_reply(s, call, t, true);
out:
	schema_release(&acl_specific_request_schema, &args);
}

/* Writes and the token list need a management token; reads of a policy
 * or token are for holders (checked by the handlers); bootstrap and
 * token resolution are open (their own rules, as Nomad's). */
static const struct server_ep_def acl_eps[] = {
    {"ACL.Bootstrap", EP_WRITE, SRV_RULE_OPEN, ep_acl_bootstrap},
    {"ACL.UpsertPolicies", EP_WRITE, SRV_RULE_MGMT, ep_acl_upsert_policies},
    {"ACL.DeletePolicies", EP_WRITE, SRV_RULE_MGMT, ep_acl_delete_policies},
    {"ACL.ListPolicies", 0, SRV_RULE_TOKEN, ep_acl_list_policies},
    {"ACL.GetPolicy", 0, SRV_RULE_TOKEN, ep_acl_get_policy},
    {"ACL.UpsertTokens", EP_WRITE, SRV_RULE_MGMT, ep_acl_upsert_tokens},
    {"ACL.DeleteTokens", EP_WRITE, SRV_RULE_MGMT, ep_acl_delete_tokens},
    {"ACL.ListTokens", 0, SRV_RULE_MGMT, ep_acl_list_tokens},
    {"ACL.GetToken", 0, SRV_RULE_TOKEN, ep_acl_get_token},
    {"ACL.ResolveToken", 0, SRV_RULE_OPEN, ep_acl_resolve_token},
};
SERVER_EP_TABLE(server_acl_eps, acl_eps);
