/* structs/eval.c: the descriptors of evaluations and their predicates. */
#include "structs/eval.h"

#include <string.h>

#include "lib/mem.h"

SCHEMA_DEFINE(evaluation_stub, EVALUATION_STUB_FIELDS, 0);
SCHEMA_DEFINE(evaluation, EVALUATION_FIELDS, SCHEMA_OMITEMPTY);

bool eval_status_terminal(const char *status)
{
	return status != NULL && (strcmp(status, EVAL_STATUS_COMPLETE) == 0 ||
	                          strcmp(status, EVAL_STATUS_FAILED) == 0 ||
	                          strcmp(status, EVAL_STATUS_CANCELED) == 0);
}

bool evaluation_terminal(const struct evaluation *e)
{
	return eval_status_terminal(e->status);
}

static int eval_dup(char **dst, const char *src)
{
	if (src == NULL)
		return 0;
	*dst = mem_strdup(src);
	return *dst != NULL ? 0 : ERR_NOMEM;
}

int evaluation_stub_from(struct evaluation_stub *stub,
                         const struct evaluation *e)
{
	memset(stub, 0, sizeof(*stub));
	stub->priority = e->priority;
	stub->wait_until = e->wait_until;
	stub->create_index = e->create_index;
	stub->modify_index = e->modify_index;
	stub->create_time = e->create_time;
	stub->modify_time = e->modify_time;
	if (eval_dup(&stub->id, e->id) ||
	    eval_dup(&stub->namespace, e->namespace) ||
	    eval_dup(&stub->type, e->type) ||
	    eval_dup(&stub->triggered_by, e->triggered_by) ||
	    eval_dup(&stub->job_id, e->job_id) ||
	    eval_dup(&stub->node_id, e->node_id) ||
	    eval_dup(&stub->deployment_id, e->deployment_id) ||
	    eval_dup(&stub->status, e->status) ||
	    eval_dup(&stub->status_description, e->status_description) ||
	    eval_dup(&stub->next_eval, e->next_eval) ||
	    eval_dup(&stub->previous_eval, e->previous_eval) ||
	    eval_dup(&stub->blocked_eval, e->blocked_eval)) {
		schema_release(&evaluation_stub_schema, stub);
		return ERR_NOMEM;
	}
	return 0;
}

void evaluation_free(struct evaluation *e)
{
	if (e == NULL)
		return;
	schema_release(&evaluation_schema, e);
	mem_free(e);
}
