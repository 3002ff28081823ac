#include "raft/fsm.h"

#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "raft/fsm_acl.h"
#include "state/state.h"

SCHEMA_DEFINE(fsm_job_register, FSM_JOB_REGISTER_FIELDS, 0);
SCHEMA_DEFINE(fsm_job_deregister, FSM_JOB_DEREGISTER_FIELDS, 0);
SCHEMA_DEFINE(fsm_evals, FSM_EVALS_FIELDS, 0);
SCHEMA_DEFINE(fsm_node_register, FSM_NODE_REGISTER_FIELDS, 0);
SCHEMA_DEFINE(fsm_node_registers, FSM_NODE_REGISTERS_FIELDS, 0);
SCHEMA_DEFINE(fsm_node_update, FSM_NODE_UPDATE_FIELDS, 0);
SCHEMA_DEFINE(fsm_plan, FSM_PLAN_FIELDS, 0);
SCHEMA_DEFINE(fsm_alloc_update, FSM_ALLOC_UPDATE_FIELDS, 0);
SCHEMA_DEFINE(fsm_alloc_transition, FSM_ALLOC_TRANSITION_FIELDS, 0);

const struct schema *fsm_body_schema(uint8_t type)
{
	switch (type) {
	case FSM_JOB_REGISTER: return &fsm_job_register_schema;
	case FSM_JOB_DEREGISTER: return &fsm_job_deregister_schema;
	case FSM_EVAL_UPSERT:
	case FSM_EVAL_DELETE: return &fsm_evals_schema;
	case FSM_NODE_REGISTER: return &fsm_node_register_schema;
	case FSM_NODE_REGISTER_BATCH: return &fsm_node_registers_schema;
	case FSM_NODE_DEREGISTER:
	case FSM_NODE_STATUS:
	case FSM_NODE_DRAIN:
	case FSM_NODE_ELIGIBILITY: return &fsm_node_update_schema;
	case FSM_ALLOC_PLAN: return &fsm_plan_schema;
	case FSM_ALLOC_CLIENT_UPDATE: return &fsm_alloc_update_schema;
	case FSM_ALLOC_TRANSITION: return &fsm_alloc_transition_schema;
	default: return fsm_acl_body_schema(type);
	}
}

/* Entry layout: [type][3 zero bytes][body length, 4 bytes big-endian]
 * [msgpack body][zero padding to a multiple of 8]. libraft's on-disk
 * batches assume 8-byte-aligned entry sizes, so every entry is padded and
 * the length says where the body ends. */
#define FSM_HEADER 8

int fsm_encode(uint8_t type, const struct schema *s, const void *body,
               struct buf *out)
{
	static const char zeros[8];
	uint8_t hdr[FSM_HEADER] = {type, 0, 0, 0, 0, 0, 0, 0};
	size_t start = out->len, blen;
	buf_append(out, hdr, sizeof hdr);
	if (s != NULL && schema_msgpack_encode(s, body, out) != ERR_OK)
		return ERR_NOMEM;
	if (out->oom)
		return ERR_NOMEM;
	blen = out->len - start - FSM_HEADER;
	if (blen > UINT32_MAX)
		return ERR_TOOBIG;
	out->data[start + 4] = (char)(blen >> 24);
	out->data[start + 5] = (char)(blen >> 16);
	out->data[start + 6] = (char)(blen >> 8);
	out->data[start + 7] = (char)blen;
	buf_append(out, zeros, (8 - (out->len - start) % 8) % 8);
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

int fsm_refresh_job_status(struct store *s, uint64_t index, const char *ns,
                           const char *id)
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
		rc = fsm_upsert_eval_for_job(s, index, b->eval,
		                             b->job.namespace, b->job.id);
	if (rc == ERR_OK)
		rc = fsm_refresh_job_status(s, index, b->job.namespace,
		                            b->job.id);
	return rc;
}

static int fsm_job_stop(struct store *s, uint64_t index,
                        const struct fsm_job_deregister *b)
{
	const struct job *cur = store_job(s, b->ns, b->job_id);
	struct job stopped = {0};
	int rc;
	if (cur == NULL)
		return ERR_OK; /* Nomad: deregistering an unknown job is a no-op
		                */
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

int fsm_put_evals(struct store *s, uint64_t index, const struct evaluation *evs,
                  size_t n)
{
	int rc = ERR_OK;
	for (size_t i = 0; i < n && rc == ERR_OK; i++)
		rc = store_upsert_eval(s, index, &evs[i]);
	for (size_t i = 0; i < n && rc == ERR_OK; i++)
		rc = fsm_refresh_job_status(s, index, evs[i].namespace,
		                            evs[i].job_id);
	return rc;
}

static int fsm_evals(struct store *s, uint64_t index, uint8_t type, void *body)
{
	struct fsm_evals *b = body;
	int rc = ERR_OK;
	if (type == FSM_EVAL_UPSERT)
		return fsm_put_evals(s, index, b->evals.v, b->evals.n);
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
	case FSM_NODE_REGISTER: return fsm_node_register(s, index, body);
	case FSM_NODE_REGISTER_BATCH: return fsm_node_registers(s, index, body);
	case FSM_NODE_DEREGISTER:
	case FSM_NODE_STATUS:
	case FSM_NODE_DRAIN:
	case FSM_NODE_ELIGIBILITY: return fsm_node_update(s, index, type, body);
	case FSM_ALLOC_PLAN: return fsm_plan_apply(s, index, body);
	case FSM_ALLOC_CLIENT_UPDATE: return fsm_alloc_update(s, index, body);
	case FSM_ALLOC_TRANSITION: return fsm_alloc_transition(s, index, body);
	case FSM_ACL_BOOTSTRAP:
	case FSM_ACL_POLICY_UPSERT:
	case FSM_ACL_POLICY_DELETE:
	case FSM_ACL_TOKEN_UPSERT:
	case FSM_ACL_TOKEN_DELETE:
	case FSM_NAMESPACE_UPSERT:
	case FSM_NAMESPACE_DELETE: return fsm_acl_apply(s, index, type, body);
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
	size_t blen;
	if (len < FSM_HEADER)
		return err_set(e, ERR_DECODE, "short log entry at index %llu",
		               (unsigned long long)index);
	blen = (size_t)p[4] << 24 | (size_t)p[5] << 16 | (size_t)p[6] << 8 |
	       (size_t)p[7];
	if (blen > len - FSM_HEADER)
		return err_set(
		    e, ERR_DECODE,
		    "log entry at index %llu: body length %zu beyond "
		    "the entry",
		    (unsigned long long)index, blen);
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
	rc = schema_msgpack_decode(bs, body, p + FSM_HEADER, blen, e);
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
