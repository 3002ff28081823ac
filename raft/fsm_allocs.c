/* raft/fsm_allocs.c: committed plans and client allocation updates.
 *
 * Both merge a diff into the stored allocation through a shallow copy
 * (borrowing the stored and the entry's pointers) that the store then
 * copies in: nothing here owns memory but the entry itself. A new
 * allocation is moved out of the entry instead (the entry is released
 * right after, fsm.c). */
#include <string.h>

#include "lib/mem.h"
#include "raft/fsm.h"
#include "state/state.h"

/* An in-place update keeps what the client reported. */
static void alloc_keep_client(struct allocation *tmp,
                              const struct allocation *old)
{
	tmp->client_status = old->client_status;
	tmp->client_description = old->client_description;
	tmp->task_states = old->task_states;
	tmp->alloc_states = old->alloc_states;
	tmp->network_status = old->network_status;
	tmp->deployment_status = old->deployment_status;
	tmp->create_time = old->create_time;
}

/* Nomad's FSM links a replacement to the allocation it replaces. */
static int alloc_link_previous(struct store *s, uint64_t index, const char *id,
                               const char *previous)
{
	const struct allocation *prev;
	struct allocation tmp;
	if (previous == NULL || *previous == '\0')
		return ERR_OK;
	prev = store_alloc(s, previous);
	if (prev == NULL || (prev->next_allocation != NULL &&
	                     strcmp(prev->next_allocation, id) == 0))
		return ERR_OK;
	tmp = *prev;
	tmp.next_allocation = (char *)id;
	return store_upsert_alloc(s, index, &tmp);
}

/* A new allocation (most of a plan): its contents move into the store
 * (from the entry's decoded copy, or from the leader's plan), not copied
 * again. */
static int plan_put_new(struct store *s, uint64_t index, const struct job *job,
                        struct allocation *u)
{
	/* Owned by the stored allocation once moved. */
	const char *id = u->id, *previous = u->previous_allocation;
	struct job *own = u->job;
	int rc;
	if (own == NULL)
		u->job = (struct job *)job; /* borrowed from the entry */
	rc = store_upsert_alloc_move(s, index, u);
	u->job = own;
	if (rc == ERR_OK)
		rc = alloc_link_previous(s, index, id, previous);
	return rc;
}

static int plan_put(struct store *s, uint64_t index, const struct job *job,
                    struct allocation *u, struct allocation *from)
{
	const struct allocation *old = store_alloc(s, u->id);
	struct allocation tmp;
	if (old == NULL)
		return plan_put_new(s, index, job, from);
	tmp = *u;
	if (tmp.job == NULL)
		tmp.job = (struct job *)job;
	alloc_keep_client(&tmp, old);
	return store_upsert_alloc(s, index, &tmp);
}

/* s, or NULL when empty: as a decoded entry has it (the encoding leaves
 * empty strings out), for the leader's merge of its own plan's diffs. */
static char *nonempty(char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* A stop or a preemption: the diff's server-side fields. */
static int plan_stop(struct store *s, uint64_t index,
                     const struct allocation *d)
{
	const struct allocation *old = store_alloc(s, d->id);
	struct allocation tmp;
	if (old == NULL)
		return ERR_OK;
	tmp = *old;
	tmp.desired_status = nonempty(d->desired_status);
	tmp.desired_description = nonempty(d->desired_description);
	if (d->client_status != NULL && *d->client_status != '\0')
		tmp.client_status = d->client_status;
	if (nonempty(d->followup_eval_id) != NULL)
		tmp.followup_eval_id = d->followup_eval_id;
	if (nonempty(d->preempted_by_allocation) != NULL)
		tmp.preempted_by_allocation = d->preempted_by_allocation;
	if (d->alloc_states.n > 0)
		tmp.alloc_states = d->alloc_states;
	if (d->modify_time != 0)
		tmp.modify_time = d->modify_time;
	return store_upsert_alloc(s, index, &tmp);
}

/* The stored allocations keep the chosen node's score alone, as entries
 * carry it (server/plan_entries.c). */
static void keep_best_score(struct alloc_metric *m)
{
	if (m == NULL)
		return;
	for (size_t k = 1; k < m->score_meta_data.n; k++)
		schema_release(&node_score_meta_schema,
		               &m->score_meta_data.v[k]);
	if (m->score_meta_data.n > 1)
		m->score_meta_data.n = 1;
}

/* The leader's own evaluations (borrowed from its scheduler's answer),
 * stored as their decoded copies would be. */
static int put_evals_canon(struct store *s, uint64_t index,
                           const struct evaluation_list *l)
{
	struct evaluation_list c = {0};
	int rc = ERR_OK;
	if (l->n == 0)
		return ERR_OK;
	c.v = mem_calloc(l->n, sizeof *c.v);
	if (c.v == NULL)
		return ERR_NOMEM;
	c.n = l->n;
	for (size_t i = 0; i < l->n && rc == ERR_OK; i++) {
		rc = schema_copy(&evaluation_schema, &c.v[i], &l->v[i]);
		if (rc == ERR_OK)
			schema_msgpack_canon(&evaluation_schema, &c.v[i]);
	}
	if (rc == ERR_OK)
		rc = fsm_put_evals(s, index, c.v, c.n);
	for (size_t i = 0; i < c.n; i++)
		schema_release(&evaluation_schema, &c.v[i]);
	mem_free(c.v);
	return rc;
}

static int plan_apply(struct store *s, uint64_t index, struct fsm_plan *b,
                      struct allocation *const *places)
{
	int rc = ERR_OK;
	for (size_t i = 0; i < b->stopped.n && rc == ERR_OK; i++)
		rc = plan_stop(s, index, &b->stopped.v[i]);
	for (size_t i = 0; i < b->preempted.n && rc == ERR_OK; i++)
		rc = plan_stop(s, index, &b->preempted.v[i]);
	for (size_t i = 0; i < b->updated.n && rc == ERR_OK; i++) {
		struct allocation *from = &b->updated.v[i];
		if (places != NULL) {
			from = places[i];
			keep_best_score(from->metrics);
			schema_msgpack_canon(&allocation_schema, from);
		}
		rc = plan_put(s, index, b->job, &b->updated.v[i], from);
	}
	if (rc == ERR_OK && places != NULL)
		rc = put_evals_canon(s, index, &b->evals);
	else if (rc == ERR_OK)
		rc = fsm_put_evals(s, index, b->evals.v, b->evals.n);
	if (rc == ERR_OK && b->job != NULL)
		rc = fsm_refresh_job_status(s, index, b->job->namespace,
		                            b->job->id);
	return rc;
}

int fsm_plan_apply(struct store *s, uint64_t index, void *body)
{
	return plan_apply(s, index, body, NULL);
}

int fsm_plan_apply_local(struct store *s, uint64_t index,
                         const struct fsm_plan_local *l)
{
	return plan_apply(s, index, l->body, l->places);
}

static int alloc_client_put(struct store *s, uint64_t index,
                            const struct allocation *u)
{
	const struct allocation *old = store_alloc(s, u->id);
	struct allocation tmp;
	if (old == NULL)
		return ERR_OK; /* garbage collected meanwhile */
	tmp = *old;
	tmp.client_status = u->client_status;
	tmp.client_description = u->client_description;
	if (u->task_states.n > 0)
		tmp.task_states = u->task_states;
	if (u->deployment_status != NULL)
		tmp.deployment_status = u->deployment_status;
	if (u->network_status != NULL)
		tmp.network_status = u->network_status;
	if (u->modify_time != 0)
		tmp.modify_time = u->modify_time;
	return store_upsert_alloc(s, index, &tmp);
}

int fsm_alloc_transition(struct store *s, uint64_t index, void *body)
{
	struct fsm_alloc_transition *b = body;
	int rc = ERR_OK;
	for (size_t i = 0; i < b->alloc_ids.n && rc == ERR_OK; i++) {
		const struct allocation *old =
		    store_alloc(s, b->alloc_ids.v[i]);
		struct allocation tmp;
		if (old == NULL)
			continue; /* garbage collected meanwhile */
		tmp = *old;
		tmp.desired_transition.migrate.set = true;
		tmp.desired_transition.migrate.v = b->migrate;
		rc = store_upsert_alloc(s, index, &tmp);
	}
	if (rc == ERR_OK)
		rc = fsm_put_evals(s, index, b->evals.v, b->evals.n);
	return rc;
}

int fsm_alloc_update(struct store *s, uint64_t index, void *body)
{
	struct fsm_alloc_update *b = body;
	int rc = ERR_OK;
	for (size_t i = 0; i < b->allocs.n && rc == ERR_OK; i++)
		rc = alloc_client_put(s, index, &b->allocs.v[i]);
	if (rc == ERR_OK)
		rc = fsm_put_evals(s, index, b->evals.v, b->evals.n);
	for (size_t i = 0; i < b->allocs.n && rc == ERR_OK; i++) {
		const struct allocation *a = store_alloc(s, b->allocs.v[i].id);
		if (a != NULL)
			rc = fsm_refresh_job_status(s, index, a->namespace,
			                            a->job_id);
	}
	return rc;
}
