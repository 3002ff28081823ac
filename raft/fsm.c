#include "raft/fsm.h"

#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "state/state.h"

SCHEMA_DEFINE(fsm_job_register, FSM_JOB_REGISTER_FIELDS, 0);
SCHEMA_DEFINE(fsm_job_deregister, FSM_JOB_DEREGISTER_FIELDS, 0);
SCHEMA_DEFINE(fsm_evals, FSM_EVALS_FIELDS, 0);

const struct schema *fsm_body_schema(uint8_t type)
{
	switch (type) {
	case FSM_JOB_REGISTER: return &fsm_job_register_schema;
	case FSM_JOB_DEREGISTER: return &fsm_job_deregister_schema;
	case FSM_EVAL_UPSERT:
	case FSM_EVAL_DELETE: return &fsm_evals_schema;
	default: return NULL;
	}
}

int fsm_encode(uint8_t type, const struct schema *s, const void *body,
	       struct buf *out)
{
	buf_append(out, &type, 1);
	if (s != NULL)
		return schema_msgpack_encode(s, body, out);
	return out->oom ? ERR_NOMEM : ERR_OK;
}

/* ---- job status ------------------------------------------------------- */

struct fsm_status_scan {
	bool found;
};

static bool fsm_alloc_live(void *data, const struct allocation *a)
{
	struct fsm_status_scan *scan = data;
	if (!allocation_terminal(a)) {
		scan->found = true;
		return false;
	}
	return true;
}

static bool fsm_eval_live(void *data, const struct evaluation *ev)
{
	struct fsm_status_scan *scan = data;
	if (!evaluation_terminal(ev)) {
		scan->found = true;
		return false;
	}
	return true;
}

const char *fsm_job_status(const struct store *s, const struct job *job)
{
	struct fsm_status_scan scan = {false};
	if (job->stop)
		return JOB_STATUS_DEAD;
	if (job_is_periodic(job) || job->parameterized_job != NULL ||
	    (job->type != NULL && (strcmp(job->type, JOB_TYPE_SYSTEM) == 0 ||
				   strcmp(job->type, JOB_TYPE_SYSBATCH) == 0)))
		return JOB_STATUS_RUNNING;
	store_each_job_alloc(s, job->namespace, job->id, fsm_alloc_live, &scan);
	if (scan.found)
		return JOB_STATUS_RUNNING;
	store_each_job_eval(s, job->namespace, job->id, fsm_eval_live, &scan);
	if (scan.found)
		return JOB_STATUS_PENDING;
	return JOB_STATUS_DEAD;
}

static int fsm_refresh_job_status(struct store *s, uint64_t index,
				  const char *ns, const char *id)
{
	const struct job *job = store_job(s, ns, id);
	if (job == NULL)
		return ERR_OK;
	const char *status = fsm_job_status(s, job);
	if (job->status != NULL && strcmp(job->status, status) == 0)
		return ERR_OK;
	return store_set_job_status(s, index, ns, id, status, NULL);
}

/* ---- appliers --------------------------------------------------------- */

static int fsm_upsert_eval_for_job(struct store *s, uint64_t index,
				   struct evaluation *ev, const char *ns,
				   const char *id)
{
	const struct job *job = store_job(s, ns, id);
	if (ev == NULL)
		return ERR_OK;
	if (job != NULL)
		ev->job_modify_index = job->job_modify_index;
	return store_upsert_eval(s, index, ev);
}

static int fsm_job_register(struct store *s, uint64_t index, void *body)
{
	struct fsm_job_register *b = body;
	int rc = store_upsert_job(s, index, &b->job, NULL);
	if (rc == ERR_OK)
		rc = fsm_upsert_eval_for_job(s, index, b->eval, b->job.namespace,
					     b->job.id);
	if (rc == ERR_OK)
		rc = fsm_refresh_job_status(s, index, b->job.namespace, b->job.id);
	return rc;
}

static int fsm_job_stop(struct store *s, uint64_t index,
			const struct fsm_job_deregister *b)
{
	const struct job *cur = store_job(s, b->ns, b->job_id);
	struct job stopped = {0};
	int rc;
	if (cur == NULL)
		return ERR_OK; /* Nomad: deregistering an unknown job is a no-op */
	rc = schema_copy(&job_schema, &stopped, cur);
	if (rc != ERR_OK)
		return rc;
	stopped.stop = true;
	stopped.submit_time = b->submit_time;
	rc = store_upsert_job(s, index, &stopped, NULL);
	schema_release(&job_schema, &stopped);
	return rc;
}

static int fsm_job_deregister(struct store *s, uint64_t index, void *body)
{
	struct fsm_job_deregister *b = body;
	int rc;
	if (b->purge) {
		rc = store_delete_job(s, index, b->ns, b->job_id);
		if (rc == ERR_NOTFOUND)
			rc = ERR_OK;
	} else {
		rc = fsm_job_stop(s, index, b);
	}
	if (rc == ERR_OK)
		rc = fsm_upsert_eval_for_job(s, index, b->eval, b->ns,
					     b->job_id);
	if (rc == ERR_OK)
		rc = fsm_refresh_job_status(s, index, b->ns, b->job_id);
	return rc;
}

static int fsm_evals(struct store *s, uint64_t index, uint8_t type, void *body)
{
	struct fsm_evals *b = body;
	int rc = ERR_OK;
	if (type == FSM_EVAL_UPSERT) {
		for (size_t i = 0; i < b->evals.n && rc == ERR_OK; i++)
			rc = store_upsert_eval(s, index, &b->evals.v[i]);
		for (size_t i = 0; i < b->evals.n && rc == ERR_OK; i++)
			rc = fsm_refresh_job_status(s, index,
						    b->evals.v[i].namespace,
						    b->evals.v[i].job_id);
		return rc;
	}
	for (size_t i = 0; i < b->ids.n && rc == ERR_OK; i++) {
		rc = store_delete_eval(s, index, b->ids.v[i]);
		if (rc == ERR_NOTFOUND)
			rc = ERR_OK;
	}
	return rc;
}

static int fsm_dispatch(struct store *s, uint64_t index, uint8_t type,
			void *body)
{
	switch (type) {
	case FSM_JOB_REGISTER: return fsm_job_register(s, index, body);
	case FSM_JOB_DEREGISTER: return fsm_job_deregister(s, index, body);
	case FSM_EVAL_UPSERT:
	case FSM_EVAL_DELETE: return fsm_evals(s, index, type, body);
	default: return ERR_UNSUPPORTED;
	}
}

int fsm_apply(struct store *s, uint64_t index, const void *data, size_t len,
	      struct err *e)
{
	const uint8_t *p = data;
	const struct schema *bs;
	void *body;
	int rc;
	if (len == 0)
		return err_set(e, ERR_DECODE, "empty log entry at index %llu",
			       (unsigned long long)index);
	if (p[0] == FSM_NOOP)
		return ERR_OK;
	bs = fsm_body_schema(p[0]);
	if (bs == NULL)
		return err_set(e, ERR_UNSUPPORTED,
			       "unknown log entry type %u at index %llu", p[0],
			       (unsigned long long)index);
	body = mem_calloc(1, bs->size);
	if (body == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = schema_msgpack_decode(bs, body, p + 1, len - 1, e);
	if (rc == ERR_OK) {
		rc = fsm_dispatch(s, index, p[0], body);
		if (rc != ERR_OK)
			err_set(e, rc, "apply entry type %u at index %llu: %s",
				p[0], (unsigned long long)index, err_str(rc));
	}
	schema_release(bs, body);
	mem_free(body);
	return rc;
}
