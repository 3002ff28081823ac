/* client/allocrunner.c: one allocation on this node: its directory, one
 * task runner per task, the client status derived from the tasks, the
 * stop the servers ask for, and its removal. */
#include <stdio.h>
#include <string.h>

#include "client/allocdir.h"
#include "client/client_int.h"
#include "client/cstate.h"
#include "lib/log.h"
#include "lib/stime.h"

static const struct task_group *ar_group(const struct allocation *a)
{
	if (a->job == NULL || a->task_group == NULL)
		return NULL;
	for (size_t i = 0; i < a->job->task_groups.n; i++)
		if (a->job->task_groups.v[i].name != NULL &&
		    strcmp(a->job->task_groups.v[i].name, a->task_group) == 0)
			return &a->job->task_groups.v[i];
	return NULL;
}

static void ar_set(char **dst, const char *v)
{
	if (*dst != NULL && v != NULL && strcmp(*dst, v) == 0)
		return;
	mem_free(*dst);
	*dst = v != NULL ? mem_strdup(v) : NULL;
}

bool allocrunner_terminal(const struct allocrunner *ar)
{
	for (size_t i = 0; i < ar->ntasks; i++)
		if (!taskrunner_dead(&ar->tasks[i]))
			return false;
	return true;
}

void allocrunner_save(struct allocrunner *ar)
{
	if (!ar->destroying)
		cstate_save_alloc(ar, false);
}

/* Nomad's getClientStatus: failed beats everything, then all dead is
 * complete, any running is running, else pending. */
static void ar_status(const struct allocrunner *ar, const char **status,
                      const char **desc)
{
	bool any_running = false, any_failed = false, all_dead = true;
	for (size_t i = 0; i < ar->ntasks; i++) {
		const struct taskrunner *tr = &ar->tasks[i];
		if (tr->state.failed)
			any_failed = true;
		if (!taskrunner_dead(tr))
			all_dead = false;
		if (tr->state.state != NULL &&
		    strcmp(tr->state.state, TASK_STATE_RUNNING) == 0)
			any_running = true;
	}
	if (any_failed) {
		*status = ALLOC_CLIENT_FAILED;
		*desc = "Failed tasks";
	} else if (all_dead) {
		*status = ALLOC_CLIENT_COMPLETE;
		*desc = "All tasks have completed";
	} else if (any_running) {
		*status = ALLOC_CLIENT_RUNNING;
		*desc = "Tasks are running";
	} else {
		*status = ALLOC_CLIENT_PENDING;
		*desc = "No tasks have started";
	}
}

static void ar_kill_all(struct allocrunner *ar, const char *reason)
{
	for (size_t i = 0; i < ar->ntasks; i++)
		taskrunner_kill(&ar->tasks[i], reason);
}

/* A failed task takes its siblings down, as in Nomad. */
static void ar_kill_siblings(struct allocrunner *ar)
{
	const char *failed = NULL;
	char reason[256];
	for (size_t i = 0; i < ar->ntasks; i++)
		if (ar->tasks[i].state.failed)
			failed = ar->tasks[i].name;
	if (failed == NULL)
		return;
	snprintf(reason, sizeof reason, "Task's sibling \"%s\" failed", failed);
	for (size_t i = 0; i < ar->ntasks; i++)
		if (!taskrunner_dead(&ar->tasks[i]) &&
		    ar->tasks[i].st != TR_KILLING)
			taskrunner_kill(&ar->tasks[i], reason);
}

void allocrunner_task_changed(struct allocrunner *ar)
{
	const char *status, *desc;
	if (ar->destroying)
		return;
	ar_kill_siblings(ar);
	ar_status(ar, &status, &desc);
	ar_set(&ar->client_status, status);
	ar_set(&ar->client_desc, desc);
	if (allocrunner_terminal(ar) && ar->terminal_at_ns == 0)
		ar->terminal_at_ns = stime_mono_ns();
	allocrunner_save(ar);
	client_alloc_dirty(ar->c, ar);
	if (ar->gone && allocrunner_terminal(ar))
		allocrunner_destroy(ar);
}

static int ar_build(struct allocrunner *ar, struct err *e)
{
	const struct task_group *tg = ar_group(ar->alloc);
	const char **names;
	int rc;
	if (tg == NULL)
		return err_set(e, ERR_INVAL, "task group \"%s\" not in its job",
		               ar->alloc->task_group ? ar->alloc->task_group
		                                     : "");
	ar->tasks =
	    mem_calloc(tg->tasks.n ? tg->tasks.n : 1, sizeof *ar->tasks);
	names = mem_calloc(tg->tasks.n + 1, sizeof *names);
	if (ar->tasks == NULL || names == NULL) {
		mem_free(names);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	ar->ntasks = tg->tasks.n;
	for (size_t i = 0; i < tg->tasks.n; i++) {
		taskrunner_init(&ar->tasks[i], ar, &tg->tasks.v[i]);
		names[i] = tg->tasks.v[i].name;
	}
	rc = allocdir_build(ar->c->alloc_root, ar->id, names, tg->tasks.n, e);
	mem_free(names);
	return rc;
}

int allocrunner_create(struct client *c, struct allocation *alloc,
                       const json_t *saved, struct allocrunner **out,
                       struct err *e)
{
	struct allocrunner *ar = mem_calloc(1, sizeof *ar);
	bool stop = alloc_desired_status_terminal(alloc->desired_status);
	const json_t *tasks = json_object_get(saved, "Tasks");
	*out = NULL;
	if (ar == NULL) {
		schema_release(&allocation_schema, alloc);
		mem_free(alloc);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	ar->c = c;
	ar->alloc = alloc;
	snprintf(ar->id, sizeof ar->id, "%s", alloc->id);
	snprintf(ar->dir, sizeof ar->dir, "%s/%s", c->alloc_root, ar->id);
	if (ar_build(ar, e) != ERR_OK) {
		allocrunner_free(ar);
		return e->code;
	}
	HASH_ADD_STR(c->runners, id, ar);
	if (saved == NULL)
		cstate_save_alloc(ar, true);
	for (size_t i = 0; i < ar->ntasks; i++) {
		struct taskrunner *tr = &ar->tasks[i];
		if (saved != NULL)
			taskrunner_restore(tr,
			                   json_object_get(tasks, tr->name));
		else if (stop ||
		         alloc_client_status_terminal(alloc->client_status))
			taskrunner_kill(tr, NULL); /* never ran: just dead */
		else
			taskrunner_start(tr);
	}
	if (saved != NULL && json_is_true(json_object_get(saved, "Stopping")))
		ar->stopping = true;
	if (stop && !ar->stopping) {
		ar->stopping = true;
		ar_kill_all(ar, "alloc was stopped");
	}
	LOG_INFO("client", "allocation %s (%s) %s", ar->id,
	         alloc->name ? alloc->name : "",
	         saved ? "restored" : "received");
	allocrunner_task_changed(ar);
	*out = ar;
	return ERR_OK;
}

void allocrunner_update(struct allocrunner *ar, struct allocation *alloc)
{
	struct allocation *a = ar->alloc;
	bool stop = alloc_desired_status_terminal(alloc->desired_status);
	/* Running tasks point into the job they started with; only the
	 * server's desires and indexes move over. */
	ar_set(&a->desired_status, alloc->desired_status);
	ar_set(&a->desired_description, alloc->desired_description);
	a->desired_transition = alloc->desired_transition;
	a->alloc_modify_index = alloc->alloc_modify_index;
	a->modify_index = alloc->modify_index;
	ar_set(&a->next_allocation, alloc->next_allocation);
	schema_release(&allocation_schema, alloc);
	mem_free(alloc);
	if (!ar->destroying)
		cstate_save_alloc(ar, true);
	if (stop && !ar->stopping) {
		ar->stopping = true;
		LOG_INFO("client", "allocation %s: stopping (%s)", ar->id,
		         a->desired_description ? a->desired_description
		                                : "desired status stop");
		ar_kill_all(ar, "alloc was stopped");
		allocrunner_task_changed(ar);
	}
}

void allocrunner_forget(struct allocrunner *ar)
{
	ar->gone = true;
	if (allocrunner_terminal(ar)) {
		allocrunner_destroy(ar);
		return;
	}
	ar->stopping = true;
	ar_kill_all(ar, "alloc was garbage collected");
}

/* Called as each task runner finishes closing its handles. */
static void ar_closed_one(struct allocrunner *ar)
{
	if (--ar->pending_closes > 0)
		return;
	if (ar->destroying) {
		struct err e;
		err_clear(&e);
		if (allocdir_destroy(ar->c->alloc_root, ar->id, &e) != ERR_OK)
			LOG_WARN("client", "removing allocation %s: %s", ar->id,
			         e.msg);
		cstate_remove_alloc(ar->c, ar->id);
	}
	client_runner_closed(ar->c, ar);
}

void allocrunner_tr_closed(struct allocrunner *ar)
{
	ar_closed_one(ar);
}

static void ar_close_tasks(struct allocrunner *ar)
{
	ar->pending_closes = (unsigned)ar->ntasks + 1;
	for (size_t i = 0; i < ar->ntasks; i++)
		taskrunner_close(&ar->tasks[i]);
	ar_closed_one(ar);
}

void allocrunner_destroy(struct allocrunner *ar)
{
	if (ar->destroying)
		return;
	ar->destroying = true;
	ar_close_tasks(ar);
}

void allocrunner_close(struct allocrunner *ar)
{
	if (ar->destroying)
		return;
	allocrunner_save(ar);
	ar->destroying = false;
	ar_close_tasks(ar);
}

void allocrunner_free(struct allocrunner *ar)
{
	if (ar == NULL)
		return;
	for (size_t i = 0; i < ar->ntasks; i++)
		taskrunner_release(&ar->tasks[i]);
	mem_free(ar->tasks);
	if (ar->alloc != NULL)
		schema_release(&allocation_schema, ar->alloc);
	mem_free(ar->alloc);
	mem_free(ar->client_status);
	mem_free(ar->client_desc);
	mem_free(ar);
}
