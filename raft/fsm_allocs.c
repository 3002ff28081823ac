/* raft/fsm_allocs.c: committed plans and client allocation updates.
 *
 * Both merge a diff into the stored allocation through a shallow copy
 * (borrowing the stored and the entry's pointers) that the store then
 * copies in: nothing here owns memory but the entry itself. */
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
static int alloc_link_previous(struct store *s, uint64_t index,
                               const struct allocation *a)
{
	const struct allocation *prev;
	struct allocation tmp;
	if (a->previous_allocation == NULL || *a->previous_allocation == '\0')
		return ERR_OK;
	prev = store_alloc(s, a->previous_allocation);
	if (prev == NULL || (prev->next_allocation != NULL &&
	                     strcmp(prev->next_allocation, a->id) == 0))
		return ERR_OK;
	tmp = *prev;
	tmp.next_allocation = a->id;
	return store_upsert_alloc(s, index, &tmp);
}

static int plan_put(struct store *s, uint64_t index, const struct job *job,
                    const struct allocation *u)
{
	const struct allocation *old = store_alloc(s, u->id);
	struct allocation tmp = *u;
	int rc;
	if (tmp.job == NULL)
		tmp.job = (struct job *)job;
	if (old != NULL)
		alloc_keep_client(&tmp, old);
	rc = store_upsert_alloc(s, index, &tmp);
	if (rc == ERR_OK && old == NULL)
		rc = alloc_link_previous(s, index, u);
	return rc;
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
	tmp.desired_status = d->desired_status;
	tmp.desired_description = d->desired_description;
	if (d->client_status != NULL && *d->client_status != '\0')
		tmp.client_status = d->client_status;
	if (d->followup_eval_id != NULL)
		tmp.followup_eval_id = d->followup_eval_id;
	if (d->preempted_by_allocation != NULL)
		tmp.preempted_by_allocation = d->preempted_by_allocation;
	if (d->alloc_states.n > 0)
		tmp.alloc_states = d->alloc_states;
	if (d->modify_time != 0)
		tmp.modify_time = d->modify_time;
	return store_upsert_alloc(s, index, &tmp);
}

int fsm_plan_apply(struct store *s, uint64_t index, void *body)
{
	struct fsm_plan *b = body;
	int rc = ERR_OK;
	for (size_t i = 0; i < b->stopped.n && rc == ERR_OK; i++)
		rc = plan_stop(s, index, &b->stopped.v[i]);
	for (size_t i = 0; i < b->preempted.n && rc == ERR_OK; i++)
		rc = plan_stop(s, index, &b->preempted.v[i]);
	for (size_t i = 0; i < b->updated.n && rc == ERR_OK; i++)
		rc = plan_put(s, index, b->job, &b->updated.v[i]);
	if (rc == ERR_OK)
		rc = fsm_put_evals(s, index, b->evals.v, b->evals.n);
	if (rc == ERR_OK && b->job != NULL)
		rc = fsm_refresh_job_status(s, index, b->job->namespace,
		                            b->job->id);
	return rc;
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
