/* client/forward.c: what a client agent's HTTP API needs from the client
 * role: sending a caller's request to the servers (a client-only agent
 * answers the server routes that way, as Nomad's client agents do) and
 * the namespace of a local allocation (for ACL checks on /v1/client/...).
 *
 * A forwarded request carries the caller's own token, never this node's
 * secret: the servers decide what the caller may do. */
#include <string.h>

#include "client/client_int.h"
#include "jobspec/config.h"
#include "rpc/rpc.h"

struct client_fwd {
	struct client *c;
	size_t server; /* the server index this call went to */
	rpc_reply_fn cb;
	void *data;
};

static void client_forwarded(void *data, int status, const char *error,
                             const msgpack_object *reply,
                             const struct rpc_meta *meta)
{
	struct client_fwd f = *(struct client_fwd *)data;
	mem_free(data);
	/* A server we cannot reach: the next request tries another one. */
	if (status != ERR_OK && f.c->next_server == f.server)
		f.c->next_server++;
	f.cb(f.data, status, error, reply, meta);
}

int client_rpc(struct client *c, const struct rpc_request *req,
               const struct schema *as, const void *args, rpc_reply_fn cb,
               void *data)
{
	struct client_fwd *f;
	struct rpc_request r = *req;
	int rc;
	if (c->stopping || c->nservers == 0)
		return ERR_CLOSED;
	f = mem_calloc(1, sizeof *f);
	if (f == NULL)
		return ERR_NOMEM;
	f->c = c;
	f->server = c->next_server;
	f->cb = cb;
	f->data = data;
	/* The servers forward to their leader themselves. */
	r.forwarded = false;
	if (r.region == NULL || r.region[0] == '\0')
		r.region = c->agent->region;
	rc = rpc_pool_call(c->pool, client_server(c), &r, as, args, 0,
	                   client_forwarded, f);
	if (rc != ERR_OK)
		mem_free(f);
	return rc;
}

int client_alloc_namespace(struct client *c, const char *alloc_id, char *out,
                           size_t size, struct err *e)
{
	struct allocrunner *ar = NULL;
	const char *ns;
	if (alloc_id != NULL)
		HASH_FIND_STR(c->runners, alloc_id, ar);
	if (ar == NULL || ar->destroying)
		return err_set(e, ERR_NOTFOUND, "unknown allocation ID \"%s\"",
		               alloc_id ? alloc_id : "");
	ns = ar->alloc != NULL && ar->alloc->namespace != NULL &&
	             ar->alloc->namespace[0] != '\0'
	         ? ar->alloc->namespace
	         : "default";
	if (strlen(ns) >= size)
		return err_set(e, ERR_INVAL, "namespace name too long");
	memcpy(out, ns, strlen(ns) + 1);
	return ERR_OK;
}
