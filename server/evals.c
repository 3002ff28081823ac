/* server/evals.c: evaluations the server creates (IDs and times are
 * chosen here, never in the FSM). */
#include <string.h>

#include "lib/mem.h"
#include "lib/stime.h"
#include "server/server_int.h"

int server_new_eval(struct evaluation *ev, const struct job *job,
                    const char *trigger, int64_t priority, const char *node_id)
{
	char id[ID_LEN + 1];
	int64_t now = stime_wall_ns();
	if (id_new(id) != 0)
		return ERR_IO;
	ev->id = mem_strdup(id);
	ev->namespace = mem_strdup(job->namespace);
	ev->job_id = mem_strdup(job->id);
	ev->type = mem_strdup(job->type ? job->type : JOB_TYPE_SERVICE);
	ev->triggered_by = mem_strdup(trigger);
	ev->status = mem_strdup(EVAL_STATUS_PENDING);
	ev->node_id = node_id != NULL ? mem_strdup(node_id) : NULL;
	ev->priority = priority > 0 ? priority : job->priority;
	ev->job_modify_index = job->job_modify_index;
	ev->create_time = now;
	ev->modify_time = now;
	if (!ev->id || !ev->namespace || !ev->job_id || !ev->type ||
	    !ev->triggered_by || !ev->status || (node_id && !ev->node_id))
		return ERR_NOMEM;
	return ERR_OK;
}

/* ---- evaluations for a node's change ------------------------------------ */

struct node_evals {
	struct server *s;
	const char *node_id;
	struct evaluation_list *out;
	int rc;
};

static bool node_evals_has(const struct evaluation_list *l, const char *ns,
                           const char *job)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].namespace, ns) == 0 &&
		    strcmp(l->v[i].job_id, job) == 0)
			return true;
	return false;
}

int server_job_eval_add(struct evaluation_list *out, const struct job *job,
                        const char *trigger, const char *node_id)
{
	struct evaluation *v;
	if (job == NULL || node_evals_has(out, job->namespace, job->id))
		return ERR_OK;
	v = mem_realloc(out->v, (out->n + 1) * sizeof *v);
	if (v == NULL)
		return ERR_NOMEM;
	out->v = v;
	memset(&v[out->n], 0, sizeof *v);
	out->n++;
	return server_new_eval(&v[out->n - 1], job, trigger, 0, node_id);
}

static void node_evals_add(struct node_evals *ne, const struct job *job)
{
	if (ne->rc == ERR_OK)
		ne->rc = server_job_eval_add(
		    ne->out, job, EVAL_TRIGGER_NODE_UPDATE, ne->node_id);
}

static bool node_evals_alloc(void *data, const struct allocation *a)
{
	struct node_evals *ne = data;
	if (!allocation_terminal(a))
		node_evals_add(
		    ne, store_job(ne->s->store, a->namespace, a->job_id));
	return ne->rc == ERR_OK;
}

static bool node_evals_system(void *data, const struct job *job)
{
	struct node_evals *ne = data;
	if (!job->stop && job->type != NULL &&
	    (strcmp(job->type, JOB_TYPE_SYSTEM) == 0 ||
	     strcmp(job->type, JOB_TYPE_SYSBATCH) == 0))
		node_evals_add(ne, job);
	return ne->rc == ERR_OK;
}

int server_node_evals(struct server *s, const char *node_id,
                      struct evaluation_list *out)
{
	struct node_evals ne = {.s = s, .node_id = node_id, .out = out};
	store_each_node_alloc(s->store, node_id, node_evals_alloc, &ne);
	store_each_job(s->store, "*", NULL, node_evals_system, &ne);
	return ne.rc;
}
