/* scheduler/reconcile_classify.c: sorting a group's allocations by the
 * health of their nodes (Nomad's classifyAllocs, without the
 * disconnected-client cases steppe does not implement yet). */
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"
#include "scheduler/reconcile_int.h"

bool reconcile_node_tainted(const struct node *n)
{
	if (n == NULL)
		return true;
	return rc_str_eq(n->status, NODE_STATUS_DOWN) ||
	       rc_str_eq(n->status, NODE_STATUS_DISCONNECTED) ||
	       n->drain_strategy != NULL;
}

static int rc_tainted_cmp(const void *pa, const void *pb)
{
	const struct reconcile_node *a =
	    *(const struct reconcile_node *const *)pa;
	const struct reconcile_node *b =
	    *(const struct reconcile_node *const *)pb;
	return strcmp(a->node_id != NULL ? a->node_id : "",
	              b->node_id != NULL ? b->node_id : "");
}

int rc_tainted_index(struct rc_ctx *c)
{
	size_t n = c->in->ntainted;
	if (n == 0)
		return ERR_OK;
	c->tainted = mem_malloc(n * sizeof *c->tainted);
	if (c->tainted == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		c->tainted[i] = &c->in->tainted[i];
	qsort(c->tainted, n, sizeof *c->tainted, rc_tainted_cmp);
	return ERR_OK;
}

/* The tainted entry of node_id, or NULL when the node is healthy. */
static const struct reconcile_node *rc_tainted_find(const struct rc_ctx *c,
                                                    const char *node_id)
{
	struct reconcile_node key = {.node_id = node_id};
	const struct reconcile_node *kp = &key;
	const struct reconcile_node *const *hit;
	if (c->tainted == NULL)
		return NULL;
	hit = bsearch(&kp, c->tainted, c->in->ntainted, sizeof *c->tainted,
	              rc_tainted_cmp);
	return hit != NULL ? *hit : NULL;
}

/* The group configures a disconnect window (lost_after or the older
 * max_client_disconnect). */
static bool rc_has_lost_after(const struct allocation *a)
{
	const struct task_group *tg = rc_alloc_group(a);
	if (tg == NULL)
		return false;
	if (tg->disconnect != NULL && tg->disconnect->lost_after > 0)
		return true;
	return tg->max_client_disconnect.set && tg->max_client_disconnect.v > 0;
}

/* disconnect { replace = false }: allocations of a lost node stay. */
static bool rc_replace_on_disconnect(const struct allocation *a)
{
	const struct task_group *tg = rc_alloc_group(a);
	if (tg == NULL || tg->disconnect == NULL ||
	    !tg->disconnect->replace.set)
		return true;
	return tg->disconnect->replace.v != 0;
}

static unsigned rc_classify_disconnected(const struct allocation *a)
{
	if (rc_str_eq(a->client_status, ALLOC_CLIENT_UNKNOWN))
		return RC_UNTAINTED;
	if (rc_str_eq(a->client_status, ALLOC_CLIENT_PENDING))
		return RC_LOST;
	/* With a disconnect window Nomad marks it "unknown" and may replace
	 * it; here it keeps running and counting until its node is down. */
	return rc_has_lost_after(a) ? RC_UNTAINTED : RC_LOST;
}

static unsigned rc_classify_tainted(const struct allocation *a,
                                    const struct reconcile_node *n)
{
	if (n->status == NULL)
		return RC_LOST; /* the node is gone */
	if (!node_status_terminal(n->status))
		return RC_UNTAINTED;
	if (!rc_replace_on_disconnect(a) &&
	    (rc_str_eq(a->client_status, ALLOC_CLIENT_UNKNOWN) ||
	     rc_str_eq(a->client_status, ALLOC_CLIENT_RUNNING)))
		return RC_UNTAINTED;
	return RC_LOST;
}

/* First matching rule wins, in Nomad's order. 0 means ignore. */
static unsigned rc_classify_one(const struct rc_ctx *c,
                                const struct allocation *a)
{
	const struct desired_transition *dt = &a->desired_transition;
	const struct reconcile_node *n;
	if (allocation_server_terminal(a))
		return rc_opt_true(&dt->migrate_disable_placement)
		           ? RC_UNTAINTED
		           : 0;
	if (allocation_client_terminal(a)) {
		bool canary = a->deployment_status != NULL &&
		              a->deployment_status->canary;
		return canary && rc_opt_true(&dt->migrate) ? RC_MIGRATE
		                                           : RC_UNTAINTED;
	}
	n = rc_tainted_find(c, a->node_id);
	if (n != NULL && rc_str_eq(n->status, NODE_STATUS_DISCONNECTED))
		return rc_classify_disconnected(a);
	if (rc_opt_true(&dt->migrate))
		return RC_MIGRATE;
	if (n == NULL)
		return RC_UNTAINTED;
	return rc_classify_tainted(a, n);
}

size_t rc_classify(const struct rc_ctx *c, struct rc_entry *e, size_t n)
{
	size_t ignored = 0;
	for (size_t i = 0; i < n; i++) {
		e[i].flags = rc_classify_one(c, e[i].a);
		if (e[i].flags == 0)
			ignored++;
	}
	return ignored;
}

long rc_stop_all(struct rc_ctx *c, struct rc_entry *e, size_t n)
{
	long stopped = 0;
	rc_classify(c, e, n);
	for (size_t i = 0; i < n; i++) {
		const struct allocation *a = e[i].a;
		int rc;
		if (e[i].flags == RC_LOST)
			rc = rc_add_stop(c, a, ALLOC_CLIENT_LOST,
			                 RECONCILE_DESC_LOST);
		else if (e[i].flags != 0 ||
		         rc_str_eq(a->client_status, ALLOC_CLIENT_UNKNOWN))
			rc = rc_add_stop(c, a, NULL, RECONCILE_DESC_NOT_NEEDED);
		else
			continue;
		if (rc != ERR_OK)
			return -1;
		stopped++;
	}
	return stopped;
}
