/* raft/fsm_nodes.c: node registration, status, drain, eligibility and
 * deregistration entries. Each works on a copy of the stored node and
 * writes it back; times come from the entry (UpdatedAt), never a clock. */
#include <string.h>

#include "lib/mem.h"
#include "raft/fsm.h"
#include "state/state.h"

static int node_set_str(char **dst, const char *v)
{
	char *c = v != NULL ? mem_strdup(v) : NULL;
	if (v != NULL && c == NULL)
		return ERR_NOMEM;
	mem_free(*dst);
	*dst = c;
	return ERR_OK;
}

static void node_drop_events(struct node *n)
{
	for (size_t i = 0; i < n->events.n; i++)
		schema_release(&node_event_schema, &n->events.v[i]);
	mem_free(n->events.v);
	n->events.v = NULL;
	n->events.n = 0;
}

/* Keeps what registration does not own: drain, eligibility, events. */
static int node_keep_server_fields(struct node *n, const struct node *old)
{
	int rc = node_set_str(&n->scheduling_eligibility,
	                      old->scheduling_eligibility);
	if (n->drain_strategy != NULL)
		schema_release(&drain_strategy_schema, n->drain_strategy);
	mem_free(n->drain_strategy);
	n->drain_strategy = NULL;
	if (rc == ERR_OK && old->drain_strategy != NULL) {
		n->drain_strategy = mem_calloc(1, sizeof *n->drain_strategy);
		rc = n->drain_strategy == NULL
		         ? ERR_NOMEM
		         : schema_copy(&drain_strategy_schema,
		                       n->drain_strategy, old->drain_strategy);
	}
	for (size_t i = 0; rc == ERR_OK && i < old->events.n; i++)
		rc = node_add_event(n, &old->events.v[i]);
	return rc;
}

int fsm_node_register(struct store *s, uint64_t index, void *body)
{
	struct fsm_node_register *b = body;
	const struct node *old = store_node(s, b->node.id);
	struct node n = {0};
	int rc = schema_copy(&node_schema, &n, &b->node);
	if (rc == ERR_OK && old != NULL) {
		/* Events in order: the old ones, then the register event. */
		node_drop_events(&n);
		rc = node_keep_server_fields(&n, old);
	}
	if (rc == ERR_OK && b->event != NULL) {
		b->event->create_index = index;
		rc = node_add_event(&n, b->event);
	}
	if (rc == ERR_OK)
		rc = store_upsert_node(s, index, &n);
	schema_release(&node_schema, &n);
	if (rc == ERR_OK)
		rc = fsm_put_evals(s, index, b->evals.v, b->evals.n);
	return rc;
}

int fsm_node_registers(struct store *s, uint64_t index, void *body)
{
	struct fsm_node_registers *b = body;
	int rc = ERR_OK;
	for (size_t i = 0; i < b->regs.n && rc == ERR_OK; i++)
		rc = fsm_node_register(s, index, &b->regs.v[i]);
	return rc;
}

static int node_apply_drain(struct node *n, const struct fsm_node_update *b)
{
	if (n->drain_strategy != NULL)
		schema_release(&drain_strategy_schema, n->drain_strategy);
	mem_free(n->drain_strategy);
	n->drain_strategy = NULL;
	if (b->drain != NULL) {
		n->drain_strategy = mem_calloc(1, sizeof *n->drain_strategy);
		if (n->drain_strategy == NULL ||
		    schema_copy(&drain_strategy_schema, n->drain_strategy,
		                b->drain) != ERR_OK)
			return ERR_NOMEM;
		/* A draining node takes no new work. */
		return node_set_str(&n->scheduling_eligibility,
		                    NODE_INELIGIBLE);
	}
	if (b->mark_eligible)
		return node_set_str(&n->scheduling_eligibility, NODE_ELIGIBLE);
	return ERR_OK;
}

static int node_apply(struct node *n, uint8_t type, uint64_t index,
                      const struct fsm_node_update *b)
{
	int rc = ERR_OK;
	switch (type) {
	case FSM_NODE_STATUS:
		rc = node_set_str(&n->status, b->status);
		n->status_updated_at = b->updated_at;
		if (rc == ERR_OK && node_status_terminal(b->status))
			n->last_missed_heartbeat_index = index;
		break;
	case FSM_NODE_DRAIN: rc = node_apply_drain(n, b); break;
	case FSM_NODE_ELIGIBILITY:
		rc = node_set_str(&n->scheduling_eligibility, b->eligibility);
		break;
	default: return ERR_UNSUPPORTED;
	}
	if (rc == ERR_OK && b->event != NULL) {
		struct node_event ev = *b->event;
		ev.create_index = index;
		rc = node_add_event(n, &ev);
	}
	return rc;
}

static int node_update_one(struct store *s, uint64_t index, uint8_t type,
                           const struct fsm_node_update *b)
{
	const struct node *old = store_node(s, b->node_id);
	struct node n = {0};
	int rc;
	if (old == NULL)
		return ERR_OK; /* gone meanwhile: nothing to change */
	rc = schema_copy(&node_schema, &n, old);
	if (rc == ERR_OK)
		rc = node_apply(&n, type, index, b);
	if (rc == ERR_OK)
		rc = store_upsert_node(s, index, &n);
	schema_release(&node_schema, &n);
	return rc;
}

static bool node_collect_live(void *data, const struct allocation *a)
{
	struct strlist *ids = data;
	const struct job *job = a->job;
	bool system = job != NULL && job->type != NULL &&
	              (strcmp(job->type, JOB_TYPE_SYSTEM) == 0 ||
	               strcmp(job->type, JOB_TYPE_SYSBATCH) == 0);
	/* System jobs stay on a draining node (Nomad stops them last). */
	if (!allocation_terminal(a) && !system)
		return strlist_push(ids, a->id) == ERR_OK;
	return true;
}

/* A drain asks the scheduler to move the node's allocations: each gets
 * DesiredTransition.Migrate, which the reconciler turns into a stop here
 * and a placement elsewhere (all at once: migrate.max_parallel is not
 * applied yet). */
static int node_mark_migrate(struct store *s, uint64_t index,
                             const char *node_id)
{
	struct strlist ids = {0};
	int rc = ERR_OK;
	store_each_node_alloc(s, node_id, node_collect_live, &ids);
	for (size_t i = 0; i < ids.n && rc == ERR_OK; i++) {
		const struct allocation *a = store_alloc(s, ids.v[i]);
		struct allocation tmp;
		if (a == NULL)
			continue;
		tmp = *a;
		tmp.desired_transition.migrate.set = true;
		tmp.desired_transition.migrate.v = 1;
		rc = store_upsert_alloc(s, index, &tmp);
	}
	strlist_release(&ids);
	return rc;
}

/* False for the drainer's "complete" of a drain that is no longer the
 * node's (cancelled or replaced since). */
static bool node_drain_current(const struct store *s, uint8_t type,
                               const struct fsm_node_update *b)
{
	const struct node *n;
	if (type != FSM_NODE_DRAIN || b->drain != NULL ||
	    b->drain_started_at == 0)
		return true;
	n = store_node(s, b->node_id);
	return n != NULL && n->drain_strategy != NULL &&
	       n->drain_strategy->started_at == b->drain_started_at;
}

int fsm_node_update(struct store *s, uint64_t index, uint8_t type, void *body)
{
	struct fsm_node_update *b = body;
	int rc = ERR_OK;
	if (type == FSM_NODE_DEREGISTER) {
		for (size_t i = 0; i < b->node_ids.n && rc == ERR_OK; i++) {
			rc = store_delete_node(s, index, b->node_ids.v[i]);
			if (rc == ERR_NOTFOUND)
				rc = ERR_OK;
		}
	} else if (!node_drain_current(s, type, b)) {
		rc = ERR_OK; /* a drain completed that another replaced */
	} else {
		rc = node_update_one(s, index, type, b);
		if (rc == ERR_OK && type == FSM_NODE_DRAIN &&
		    b->drain != NULL && !b->drainer)
			rc = node_mark_migrate(s, index, b->node_id);
	}
	if (rc == ERR_OK)
		rc = fsm_put_evals(s, index, b->evals.v, b->evals.n);
	return rc;
}
