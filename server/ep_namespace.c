/* server/ep_namespace.c: the Namespace.* endpoints. Writes need a
 * management token (the endpoints' rule); reads show only the
 * namespaces the caller has some capability in. "default" always exists and
 * cannot be deleted; a namespace holding a job that is not dead cannot be
 * deleted (checked here and again when the entry is applied). */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "acl/acl.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "raft/fsm.h"
#include "raft/fsm_acl.h"
#include "server/messages_acl.h"
#include "server/server_int.h"

static void ep_ns_reply(struct server *s, struct rpc_call *call, uint64_t index)
{
	struct acl_write_response r = {.index = index};
	struct rpc_meta m = server_meta(s, index);
	rpc_call_reply(call, &acl_write_response_schema, &r, &m);
}

static void ep_ns_written(struct server *s, struct rpc_call *call, void *ctx,
                          int status, uint64_t index)
{
	struct fsm_namespaces *b = ctx;
	char why[512];
	const char *busy = "";
	if (status != ERR_OK) {
		server_fail(call, status);
		goto out;
	}
	/* A delete refused at apply time leaves the namespaces in place. */
	for (size_t i = 0; i < b->names.n && busy[0] == '\0'; i++)
		if (store_namespace(s->store, b->names.v[i]) != NULL)
			busy = fsm_namespace_busy(s->store, b->names.v[i], why,
			                          sizeof why);
	if (busy[0] != '\0')
		rpc_call_error(call, busy, NULL);
	else
		ep_ns_reply(s, call, index);
out:
	schema_release(&fsm_namespaces_schema, b);
	mem_free(b);
}

static void ep_ns_write(struct server *s, struct rpc_call *call, uint8_t type,
                        struct fsm_namespaces *body)
{
	int rc = server_apply(s, call, type, &fsm_namespaces_schema, body,
	                      ep_ns_written, body);
	if (rc != ERR_OK) {
		server_fail(call, rc);
		schema_release(&fsm_namespaces_schema, body);
		mem_free(body);
	}
}

/* Validates ns and fills its Hash; NULL, or why not. */
static const char *ep_ns_prepare(struct namespace *ns, char *msg, size_t size)
{
	struct errlist errs;
	struct err e;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf b;
	errlist_init(&errs);
	err_clear(&e);
	namespace_validate(ns, &errs);
	if (errlist_to_err(&errs, &e) != ERR_OK) {
		errlist_release(&errs);
		snprintf(msg, size, "Invalid namespace: %s", e.msg);
		return msg;
	}
	errlist_release(&errs);
	ns->create_index = ns->modify_index = 0;
	bytes_release(&ns->hash);
	buf_init(&b);
	if (schema_msgpack_encode(&namespace_schema, ns, &b) != ERR_OK ||
	    b.oom ||
	    EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    (ns->hash.v = mem_malloc(mdlen)) == NULL) {
		buf_release(&b);
		return "out of memory";
	}
	buf_release(&b);
	memcpy(ns->hash.v, md, mdlen);
	ns->hash.n = mdlen;
	return NULL;
}

static void ep_ns_upsert(struct server *s, struct rpc_call *call)
{
	struct namespace_upsert_request args = {0};
	struct fsm_namespaces *body;
	char msg[ERR_MSG_MAX + 64];
	const char *why = NULL;
	if (!server_args(call, &namespace_upsert_request_schema, &args))
		return;
	if (args.namespaces.n == 0)
		why = "must specify at least one namespace";
	for (size_t i = 0; why == NULL && i < args.namespaces.n; i++)
		why = ep_ns_prepare(&args.namespaces.v[i], msg, sizeof msg);
	body = why == NULL ? mem_calloc(1, sizeof *body) : NULL;
	if (why == NULL && body == NULL)
		why = "out of memory";
	if (why != NULL) {
		rpc_call_error(call, why, NULL);
		schema_release(&namespace_upsert_request_schema, &args);
		return;
	}
	body->namespaces = args.namespaces; /* moved */
	ep_ns_write(s, call, FSM_NAMESPACE_UPSERT, body);
}

/* Nomad's endpoint refusals, before anything is written. */
static const char *ep_ns_deletable(struct server *s, const char *name,
                                   char *msg, size_t size)
{
	char why[512];
	if (strcmp(name, "default") == 0)
		return "default namespace can not be deleted";
	if (store_namespace(s->store, name) == NULL) {
		snprintf(msg, size, "namespace \"%.128s\" doesn't exist", name);
		return msg;
	}
	if (fsm_namespace_busy(s->store, name, why, sizeof why)[0] != '\0') {
		snprintf(
		    msg, size,
		    "namespace \"%.128s\" has non-terminal jobs in regions: "
		    "[%s]",
		    name, s->region);
		return msg;
	}
	return NULL;
}

static void ep_ns_delete(struct server *s, struct rpc_call *call)
{
	struct acl_names_request args = {0};
	struct fsm_namespaces *body;
	char msg[512];
	const char *why = NULL;
	if (!server_args(call, &acl_names_request_schema, &args))
		return;
	if (args.namespaces.n == 0)
		why = "must specify at least one namespace to delete";
	for (size_t i = 0; why == NULL && i < args.namespaces.n; i++)
		why = ep_ns_deletable(s, args.namespaces.v[i], msg, sizeof msg);
	body = why == NULL ? mem_calloc(1, sizeof *body) : NULL;
	if (why == NULL && body == NULL)
		why = "out of memory";
	if (why != NULL) {
		rpc_call_error(call, why, NULL);
		schema_release(&acl_names_request_schema, &args);
		return;
	}
	body->names = args.namespaces; /* moved */
	args.namespaces = (struct strlist){0};
	schema_release(&acl_names_request_schema, &args);
	ep_ns_write(s, call, FSM_NAMESPACE_DELETE, body);
}

struct ep_ns_list {
	const struct acl *acl;
	struct namespace_list_response r;
	size_t cap;
	bool oom;
};

static bool ep_ns_add(void *data, const struct namespace *ns)
{
	struct ep_ns_list *l = data;
	if (!acl_allow_ns(l->acl, ns->name))
		return true;
	if (mem_grow(&l->r.namespaces.v, l->r.namespaces.n, &l->cap,
	             sizeof *ns) != 0) {
		l->oom = true;
		return false;
	}
	l->r.namespaces.v[l->r.namespaces.n++] = *ns; /* borrowed */
	return true;
}

static void ep_ns_list(struct server *s, struct rpc_call *call)
{
	struct acl_specific_request args = {0};
	struct ep_ns_list l = {0};
	struct acl *a;
	if (server_block(s, call, STORE_BIT(STORE_NAMESPACES), ep_ns_list))
		return;
	if ((a = server_acl_caller(s, call)) == NULL)
		return;
	if (!server_args(call, &acl_specific_request_schema, &args)) {
		acl_release(a);
		return;
	}
	l.acl = a;
	store_each_namespace(s->store, args.prefix, ep_ns_add, &l);
	if (l.oom) {
		rpc_call_error(call, "out of memory", NULL);
	} else {
		struct rpc_meta m = server_meta(
		    s, store_table_index(s->store, STORE_NAMESPACES));
		rpc_call_reply(call, &namespace_list_response_schema, &l.r, &m);
	}
	mem_free(l.r.namespaces.v);
	acl_release(a);
	schema_release(&acl_specific_request_schema, &args);
}

static void ep_ns_get(struct server *s, struct rpc_call *call)
{
	struct acl_specific_request args = {0};
	struct single_namespace_response r = {0};
	struct acl *a;
	const char *name;
	if (server_block(s, call, STORE_BIT(STORE_NAMESPACES), ep_ns_get))
		return;
	if ((a = server_acl_caller(s, call)) == NULL)
		return;
	if (!server_args(call, &acl_specific_request_schema, &args)) {
		acl_release(a);
		return;
	}
	name = args.name != NULL ? args.name : "";
	if (!acl_allow_ns(a, name)) {
		rpc_call_error(call, "Permission denied", NULL);
	} else {
		r.namespace =
		    (struct namespace *)store_namespace(s->store, name);
		struct rpc_meta m = server_meta(
		    s, r.namespace != NULL
		           ? r.namespace->modify_index
		           : store_table_index(s->store, STORE_NAMESPACES));
		rpc_call_reply(call, &single_namespace_response_schema, &r, &m);
	}
	acl_release(a);
	schema_release(&acl_specific_request_schema, &args);
}

/* Writes need a management token (the rule); reads show only the
 * namespaces the caller has some capability in (the handlers). */
static const struct server_ep_def namespace_eps[] = {
    {"Namespace.UpsertNamespaces", EP_WRITE, SRV_RULE_MGMT, ep_ns_upsert},
    {"Namespace.DeleteNamespaces", EP_WRITE, SRV_RULE_MGMT, ep_ns_delete},
    {"Namespace.ListNamespaces", 0, SRV_RULE_TOKEN, ep_ns_list},
    {"Namespace.GetNamespace", 0, SRV_RULE_TOKEN, ep_ns_get},
};
SERVER_EP_TABLE(server_namespace_eps, namespace_eps);
