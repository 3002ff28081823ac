/* client/taskrunner.c: one task's life on the client: environment,
 * artifacts, start through its driver, watching its executor, the restart
 * policy, kill_signal then SIGKILL after kill_timeout, and Nomad's task
 * events along the way.
 *
 * States (enum tr_state) and the moves allowed between them:
 *   pending  -> prestart | dead
 *   prestart -> running | waiting | dead      (one pool job: env,
 *                                              artifacts, driver_start)
 *   running  -> killing | waiting | dead | prestart (restart)
 *   waiting  -> prestart | dead               (restart delay timer)
 *   killing  -> dead | waiting                (user restart)
 *   dead     -> (final)
 * Every move goes through tr_move, which refuses and logs anything else. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client_int.h"
#include "client/getter.h"
#include "client/template.h"
#include "jobspec/config.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "lib/stime.h"
#include "structs/status.h"

static void tr_closed_one(struct taskrunner *tr);

static const char *const tr_names[TR__COUNT] = {
    "pending", "prestart", "starting", "running", "waiting", "killing", "dead"};

static const unsigned tr_allowed[TR__COUNT] = {
    [TR_PENDING] = 1u << TR_PRESTART | 1u << TR_DEAD,
    [TR_PRESTART] = 1u << TR_RUNNING | 1u << TR_WAITING | 1u << TR_DEAD,
    [TR_STARTING] = 0,
    [TR_RUNNING] =
        1u << TR_KILLING | 1u << TR_WAITING | 1u << TR_DEAD | 1u << TR_PRESTART,
    [TR_WAITING] = 1u << TR_PRESTART | 1u << TR_DEAD,
    [TR_KILLING] = 1u << TR_DEAD | 1u << TR_WAITING,
    [TR_DEAD] = 0,
};

const char *tr_state_name(enum tr_state s)
{
	return s < TR__COUNT ? tr_names[s] : "?";
}

static bool tr_move(struct taskrunner *tr, enum tr_state to)
{
	if (tr->st == to)
		return true;
	if (!(tr_allowed[tr->st] & (1u << to))) {
		LOG_ERROR("client", "task %s/%s: refused move %s -> %s",
		          tr->ar->id, tr->name, tr_state_name(tr->st),
		          tr_state_name(to));
		return false;
	}
	LOG_DEBUG("client", "task %s/%s: %s -> %s", tr->ar->id, tr->name,
	          tr_state_name(tr->st), tr_state_name(to));
	tr->st = to;
	return true;
}

static void tr_set_state(struct taskrunner *tr, const char *state)
{
	if (tr->state.state != NULL && strcmp(tr->state.state, state) == 0)
		return;
	mem_free(tr->state.state);
	tr->state.state = mem_strdup(state);
}

bool taskrunner_dead(const struct taskrunner *tr)
{
	return tr->st == TR_DEAD;
}

/* ---- events ---------------------------------------------------------------
 */

#define TR_MAX_EVENTS 10 /* Nomad keeps the newest ten */

void taskrunner_event(struct taskrunner *tr, const char *type,
                      const char *display, const char *key, const char *val)
{
	struct task_event_list *l = &tr->state.events;
	struct task_event *ev;
	if (l->n == TR_MAX_EVENTS) {
		schema_release(&task_event_schema, &l->v[0]);
		memmove(&l->v[0], &l->v[1], (l->n - 1) * sizeof l->v[0]);
		l->n--;
	} else {
		struct task_event *v =
		    mem_realloc(l->v, (l->n + 1) * sizeof *v);
		if (v == NULL)
			return;
		l->v = v;
	}
	ev = &l->v[l->n++];
	memset(ev, 0, sizeof *ev);
	ev->type = mem_strdup(type);
	ev->time = stime_wall_ns();
	ev->display_message = mem_strdup(display ? display : "");
	ev->message = mem_strdup(display ? display : "");
	if (key != NULL && val != NULL)
		strmap_set(&ev->details, key, val);
	LOG_INFO("client", "task %s/%s: %s: %s", tr->ar->id, tr->name, type,
	         display ? display : "");
}

static struct task_event *tr_last_event(struct taskrunner *tr)
{
	return tr->state.events.n ? &tr->state.events.v[tr->state.events.n - 1]
	                          : NULL;
}

/* ---- helpers --------------------------------------------------------------
 */

static int tr_signal_number(const char *name)
{
	static const struct {
		const char *n;
		int s;
	} map[] = {{"SIGINT", SIGINT},   {"SIGTERM", SIGTERM},
	           {"SIGHUP", SIGHUP},   {"SIGQUIT", SIGQUIT},
	           {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1},
	           {"SIGUSR2", SIGUSR2}, {"SIGABRT", SIGABRT},
	           {"SIGALRM", SIGALRM}, {"SIGWINCH", SIGWINCH}};
	if (name == NULL || *name == '\0')
		return SIGINT; /* Nomad's default kill_signal */
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(map[i].n, name) == 0 ||
		    strcasecmp(map[i].n + 3, name) == 0)
			return map[i].s;
	return SIGINT;
}

static int64_t tr_kill_timeout(const struct taskrunner *tr)
{
	int64_t t = tr->task->kill_timeout > 0 ? tr->task->kill_timeout
	                                       : 5 * STIME_NS_PER_S;
	if (t > tr->ar->c->max_kill_timeout_ns)
		t = tr->ar->c->max_kill_timeout_ns;
	return t;
}

static bool tr_batch(const struct taskrunner *tr)
{
	const char *t = tr->ar->alloc->job ? tr->ar->alloc->job->type : NULL;
	return t != NULL && (strcmp(t, JOB_TYPE_BATCH) == 0 ||
	                     strcmp(t, JOB_TYPE_SYSBATCH) == 0);
}

static void tr_changed(struct taskrunner *tr)
{
	allocrunner_task_changed(tr->ar);
}

static void tr_timer_start(struct taskrunner *tr, uv_timer_cb cb,
                           int64_t delay_ns)
{
	uint64_t ms = delay_ns > 0 ? (uint64_t)(delay_ns / STIME_NS_PER_MS) : 0;
	uv_timer_start(&tr->timer, cb, ms, 0);
}

static void tr_finish(struct taskrunner *tr, bool failed)
{
	uv_timer_stop(&tr->timer);
	if (!tr_move(tr, TR_DEAD))
		tr->st = TR_DEAD;
	tr_set_state(tr, TASK_STATE_DEAD);
	tr->state.failed = tr->state.failed || failed;
	tr->state.finished_at = stime_wall_ns();
	if (tr->env_ready) {
		taskenv_release(&tr->env);
		tr->env_ready = false;
	}
}

/* ---- start (one pool job) -------------------------------------------------
 */

enum tr_phase {
	TRP_OK,
	TRP_VALIDATE,
	TRP_SETUP,
	TRP_ARTIFACT,
	TRP_TEMPLATE,
	TRP_START,
};

struct tr_job {
	struct taskrunner *tr;
	enum tr_phase phase;
	bool fetched;
	struct drv_handle h;
	struct err e;
};

static bool tr_chroot(const char *driver)
{
	return strcmp(driver, "exec") == 0 ||
	       (strcmp(driver, "java") == 0 && geteuid() == 0 &&
	        access("/sys/fs/cgroup/memory", F_OK) == 0);
}

static int tr_prepare(struct taskrunner *tr, struct tr_job *j,
                      struct value *config)
{
	struct allocrunner *ar = tr->ar;
	char task_dir[PATH_MAX * 2];
	const char *driver = tr->task->driver ? tr->task->driver : "";
	struct taskenv_input in = {
	    .alloc = ar->alloc,
	    .task = tr->task,
	    .node = &ar->c->node,
	    .alloc_dir = ar->dir,
	    .task_dir = task_dir,
	    .chroot = tr_chroot(driver),
	    .region = ar->c->agent->region,
	};
	snprintf(task_dir, sizeof task_dir, "%s/%s", ar->dir, tr->name);
	j->phase = TRP_VALIDATE;
	if (driver_validate(driver, &tr->task->config, &j->e) != ERR_OK)
		return j->e.code;
	j->phase = TRP_SETUP;
	if (!tr->env_ready) {
		if (taskenv_build(&in, &tr->env, &j->e) != ERR_OK)
			return j->e.code;
		tr->env_ready = true;
	}
	if (taskenv_interpolate_value(&tr->env, &tr->task->config, config,
	                              &j->e) != ERR_OK)
		return j->e.code;
	j->phase = TRP_ARTIFACT;
	for (size_t i = 0; i < tr->task->artifacts.n; i++) {
		j->fetched = true;
		if (getter_fetch(&tr->task->artifacts.v[i], &tr->env, task_dir,
		                 &j->e) != ERR_OK)
			return j->e.code;
	}
	j->phase = TRP_TEMPLATE;
	for (size_t i = 0; i < tr->task->templates.n; i++)
		if (template_write(&tr->task->templates.v[i], &tr->env, task_dir,
		                   &j->e) != ERR_OK)
			return j->e.code;
	return ERR_OK;
}

static void tr_start_run(uv_work_t *w)
{
	struct tr_job *j = w->data;
	struct taskrunner *tr = j->tr;
	struct allocrunner *ar = tr->ar;
	const struct resources *res = tr->task->resources;
	const struct log_config *lc = tr->task->log_config;
	struct value config = {0};
	char task_dir[PATH_MAX * 2], state_dir[PATH_MAX * 2],
	    log_dir[PATH_MAX * 2];
	char **envp = NULL;
	struct drv_task t = {0};
	if (tr_prepare(tr, j, &config) != ERR_OK)
		goto out;
	snprintf(task_dir, sizeof task_dir, "%s/%s", ar->dir, tr->name);
	snprintf(state_dir, sizeof state_dir, "%s/tasks/%s/%s",
	         ar->c->state_dir, ar->id, tr->name);
	snprintf(log_dir, sizeof log_dir, "%s/alloc/logs", ar->dir);
	j->phase = TRP_SETUP;
	if (fs_mkdirs(state_dir, &j->e) != ERR_OK)
		goto out;
	envp = taskenv_envp(&tr->env);
	if (envp == NULL) {
		err_set(&j->e, ERR_NOMEM, "out of memory");
		goto out;
	}
	t = (struct drv_task){
	    .alloc_id = ar->id,
	    .task_name = tr->name,
	    .driver = tr->task->driver,
	    .alloc_dir = ar->dir,
	    .task_dir = task_dir,
	    .state_dir = state_dir,
	    .log_dir = log_dir,
	    .config = &config,
	    .env = envp,
	    .user = tr->task->user,
	    .cpu_mhz = res ? res->cpu : 100,
	    .memory_mb = res ? res->memory_mb : 300,
	    .memory_max_mb = res ? res->memory_max_mb : 0,
	    .log_max_files = lc ? (int)lc->max_files : 0,
	    .log_max_file_size_mb = lc ? lc->max_file_size_mb : 0,
	    .cgroup_parent = ar->c->agent->client.cgroup_parent,
	    .chroot_env = ar->c->agent->client.chroot_env.n
	                      ? &ar->c->agent->client.chroot_env
	                      : NULL,
	};
	j->phase = TRP_START;
	if (driver_start(&t, &j->h, &j->e) == ERR_OK)
		j->phase = TRP_OK;
out:
	taskenv_envp_free(envp);
	value_release(&config);
}

static void tr_watch(struct taskrunner *tr);
static void tr_exited(struct taskrunner *tr, const struct drv_exit *x);
static void tr_begin(struct taskrunner *tr);

static void tr_start_failed(struct taskrunner *tr, struct tr_job *j)
{
	struct drv_exit x = {.exit_code = -1};
	switch (j->phase) {
	case TRP_VALIDATE:
		taskrunner_event(tr, TASK_EVENT_FAILED_VALIDATION, j->e.msg,
		                 "validation_error", j->e.msg);
		tr_finish(tr, true);
		return;
	case TRP_TEMPLATE:
		/* A template that cannot render never will: the task fails. */
		taskrunner_event(tr, TASK_EVENT_SETUP_FAILURE, j->e.msg,
		                 "setup_error", j->e.msg);
		if (tr_last_event(tr) != NULL)
			tr_last_event(tr)->fails_task = true;
		tr_finish(tr, true);
		return;
	case TRP_ARTIFACT:
		taskrunner_event(tr, TASK_EVENT_ARTIFACT_DOWNLOAD_FAILED,
		                 j->e.msg, "download_error", j->e.msg);
		break;
	case TRP_SETUP:
		taskrunner_event(tr, TASK_EVENT_SETUP_FAILURE, j->e.msg,
		                 "setup_error", j->e.msg);
		break;
	default:
		taskrunner_event(tr, TASK_EVENT_DRIVER_FAILURE, j->e.msg,
		                 "driver_error", j->e.msg);
		break;
	}
	tr->failed_start = true;
	snprintf(x.err, sizeof x.err, "%.200s", j->e.msg);
	/* A failed start counts against the restart policy like an exit. */
	tr->st = TR_RUNNING;
	tr_exited(tr, &x);
}

static void tr_start_done(uv_work_t *w, int status)
{
	struct tr_job *j = w->data;
	struct taskrunner *tr = j->tr;
	tr->work_busy = false;
	if (status != 0 && j->phase == TRP_OK)
		j->phase = TRP_START;
	if (j->phase == TRP_OK) {
		tr->handle = j->h;
		tr->has_handle = true;
	}
	if (tr->closing) {
		/* Agent stopping: keep the handle on disk for the next run. */
		allocrunner_save(tr->ar);
		mem_free(j);
		tr_closed_one(tr);
		return;
	}
	if (j->fetched)
		taskrunner_event(tr, TASK_EVENT_DOWNLOADING_ARTIFACTS,
		                 "Client is downloading artifacts", NULL, NULL);
	if (j->phase != TRP_OK) {
		tr_start_failed(tr, j);
		mem_free(j);
		tr_changed(tr);
		return;
	}
	mem_free(j);
	tr_move(tr, TR_RUNNING);
	tr->failed_start = false;
	tr_set_state(tr, TASK_STATE_RUNNING);
	if (tr->state.started_at == 0)
		tr->state.started_at = stime_wall_ns();
	taskrunner_event(tr, TASK_EVENT_STARTED, "Task started by client", NULL,
	                 NULL);
	tr_watch(tr);
	if (tr->kill_asked) {
		tr->kill_asked = false;
		taskrunner_kill(tr, tr->kill_reason);
	}
	tr_changed(tr);
}

static void tr_begin(struct taskrunner *tr)
{
	struct tr_job *j = mem_calloc(1, sizeof *j);
	if (!tr_move(tr, TR_PRESTART))
		return;
	if (j == NULL) {
		taskrunner_event(tr, TASK_EVENT_SETUP_FAILURE, "out of memory",
		                 NULL, NULL);
		tr_finish(tr, true);
		return;
	}
	j->tr = tr;
	err_clear(&j->e);
	tr->work.data = j;
	if (uv_queue_work(tr->ar->c->loop, &tr->work, tr_start_run,
	                  tr_start_done) != 0) {
		mem_free(j);
		taskrunner_event(tr, TASK_EVENT_SETUP_FAILURE,
		                 "cannot queue the task start", NULL, NULL);
		tr_finish(tr, true);
		return;
	}
	tr->work_busy = true;
}

void taskrunner_start(struct taskrunner *tr)
{
	if (tr->st != TR_PENDING)
		return;
	tr_set_state(tr, TASK_STATE_PENDING);
	taskrunner_event(tr, TASK_EVENT_RECEIVED, "Task received by client",
	                 NULL, NULL);
	taskrunner_event(tr, TASK_EVENT_SETUP, TASK_EVENT_BUILDING_TASK_DIR,
	                 "message", TASK_EVENT_BUILDING_TASK_DIR);
	tr_begin(tr);
}

/* ---- watching the executor ------------------------------------------------
 */

static void tr_poll_closed(uv_handle_t *h)
{
	struct taskrunner *tr = h->data;
	if (tr->pidfd >= 0)
		close(tr->pidfd);
	tr->pidfd = -1;
	if (tr->poll_counted) {
		tr->poll_counted = false;
		tr_closed_one(tr);
	}
}

static void tr_unwatch(struct taskrunner *tr)
{
	if (!tr->polling)
		return;
	tr->polling = false;
	uv_poll_stop(&tr->poll);
	uv_close((uv_handle_t *)&tr->poll, tr_poll_closed);
}

static void tr_collect(struct taskrunner *tr)
{
	struct drv_exit x = {0};
	if (driver_exit_result(&tr->handle, &x) != ERR_OK) {
		x.exit_code = -1;
		snprintf(x.err, sizeof x.err, "unreadable exit result");
	}
	driver_cleanup(&tr->handle);
	tr->has_handle = false;
	tr_exited(tr, &x);
	tr_changed(tr);
}

static void tr_on_exit(uv_poll_t *p, int status, int events)
{
	struct taskrunner *tr = p->data;
	(void)status, (void)events;
	tr_unwatch(tr);
	tr_collect(tr);
}

static void tr_gone_cb(uv_timer_t *t)
{
	tr_collect(t->data);
}

static void tr_watch(struct taskrunner *tr)
{
	tr->pidfd = driver_wait_fd(&tr->handle);
	if (tr->pidfd < 0 ||
	    uv_poll_init(tr->ar->c->loop, &tr->poll, tr->pidfd) != 0) {
		if (tr->pidfd >= 0)
			close(tr->pidfd);
		tr->pidfd = -1;
		/* Gone already: collect on the next turn, not re-entrantly. */
		uv_timer_start(&tr->timer, tr_gone_cb, 0, 0);
		return;
	}
	tr->poll.data = tr;
	tr->polling = true;
	uv_poll_start(&tr->poll, UV_READABLE, tr_on_exit);
}

/* ---- exits and the restart policy -----------------------------------------
 */

static void tr_restart_cb(uv_timer_t *t)
{
	struct taskrunner *tr = t->data;
	if (tr->st == TR_WAITING)
		tr_begin(tr);
}

static void tr_terminated_event(struct taskrunner *tr, const struct drv_exit *x)
{
	char msg[512], code[16], sig[16];
	int n = snprintf(msg, sizeof msg, "Exit Code: %d", x->exit_code);
	if (x->signal != 0)
		n += snprintf(msg + n, sizeof msg - (size_t)n, ", Signal: %d",
		              x->signal);
	if (x->oom_killed)
		snprintf(msg + n, sizeof msg - (size_t)n,
		         ", Exit Message: \"OOM Killed\"");
	else if (x->err[0])
		snprintf(msg + n, sizeof msg - (size_t)n,
		         ", Exit Message: \"%s\"", x->err);
	taskrunner_event(tr, TASK_EVENT_TERMINATED, msg, NULL, NULL);
	snprintf(code, sizeof code, "%d", x->exit_code);
	snprintf(sig, sizeof sig, "%d", x->signal);
	if (tr_last_event(tr) != NULL) {
		struct task_event *ev = tr_last_event(tr);
		ev->exit_code = x->exit_code;
		ev->signal = x->signal;
		strmap_set(&ev->details, "exit_code", code);
		strmap_set(&ev->details, "signal", sig);
		if (x->oom_killed)
			strmap_set(&ev->details, "oom_killed", "true");
	}
}

static void tr_restart_in(struct taskrunner *tr, int64_t delay,
                          const char *reason)
{
	char d[64], msg[128];
	stime_format_duration(delay, d, sizeof d);
	snprintf(msg, sizeof msg, "Task restarting in %s", d);
	taskrunner_event(tr, TASK_EVENT_RESTARTING, msg, "restart_reason",
	                 reason);
	if (tr_last_event(tr) != NULL) {
		tr_last_event(tr)->restart_reason = mem_strdup(reason);
		tr_last_event(tr)->start_delay = delay;
	}
	tr->state.restarts++;
	tr->state.last_restart = stime_wall_ns();
	tr_set_state(tr, TASK_STATE_PENDING);
	tr_move(tr, TR_WAITING);
	tr_timer_start(tr, tr_restart_cb, delay);
}

/* Nomad's restart tracker: attempts within interval; then "fail" ends
 * the task, "delay" waits for the interval to end. */
static void tr_policy(struct taskrunner *tr, const struct drv_exit *x)
{
	const struct restart_policy *rp = tr->task->restart_policy;
	bool ok = x->exit_code == 0 && x->signal == 0 && !x->oom_killed &&
	          !tr->failed_start;
	int64_t now = stime_wall_ns();
	int64_t attempts = rp && rp->attempts.set ? rp->attempts.v : 2;
	int64_t interval =
	    rp && rp->interval.set ? rp->interval.v : 30 * 60 * STIME_NS_PER_S;
	int64_t delay = rp && rp->delay.set ? rp->delay.v : 15 * STIME_NS_PER_S;
	const char *mode = rp && rp->mode ? rp->mode : RESTART_MODE_FAIL;
	char msg[256], iv[64];
	if (ok && tr_batch(tr)) {
		taskrunner_event(tr, TASK_EVENT_NOT_RESTARTING,
		                 "Restart unnecessary as task terminated "
		                 "successfully",
		                 NULL, NULL);
		tr_finish(tr, false);
		return;
	}
	if (tr->interval_start_ns == 0 ||
	    now - tr->interval_start_ns > interval) {
		tr->interval_start_ns = now;
		tr->attempts = 0;
	}
	tr->attempts++;
	if (tr->attempts <= attempts) {
		/* Nomad adds up to 25% jitter to the delay. */
		int64_t jitter =
		    delay > 0 ? (int64_t)(random() % (delay / 4 + 1)) : 0;
		tr_restart_in(tr, delay + jitter, "Restart within policy");
		return;
	}
	stime_format_duration(interval, iv, sizeof iv);
	snprintf(msg, sizeof msg,
	         "Exceeded allowed attempts %lld in interval %s and mode is "
	         "\"%s\"",
	         (long long)attempts, iv, mode);
	if (strcmp(mode, RESTART_MODE_DELAY) == 0) {
		int64_t wait = tr->interval_start_ns + interval - now;
		tr->interval_start_ns = 0;
		tr_restart_in(tr, wait > delay ? wait : delay, msg);
		return;
	}
	taskrunner_event(tr, TASK_EVENT_NOT_RESTARTING, msg, NULL, NULL);
	if (tr_last_event(tr) != NULL)
		tr_last_event(tr)->fails_task = true;
	tr_finish(tr, true);
}

static void tr_exited(struct taskrunner *tr, const struct drv_exit *x)
{
	bool killing = tr->st == TR_KILLING;
	uv_timer_stop(&tr->timer);
	if (!tr->failed_start)
		tr_terminated_event(tr, x);
	if (killing && tr->restart_asked) {
		tr->restart_asked = false;
		tr_restart_in(tr, 0, "User requested restart");
		return;
	}
	if (killing || tr->ar->stopping) {
		taskrunner_event(tr, TASK_EVENT_KILLED,
		                 "Task successfully killed", NULL, NULL);
		tr_finish(tr, false);
		return;
	}
	if (x->oom_killed)
		LOG_WARN("client",
		         "task %s/%s: killed for exceeding its memory "
		         "limit",
		         tr->ar->id, tr->name);
	tr_policy(tr, x);
}

/* ---- kill and restart ------------------------------------------------------
 */

static void tr_force_kill(uv_timer_t *t)
{
	struct taskrunner *tr = t->data;
	if (tr->st == TR_KILLING && tr->has_handle)
		driver_signal(&tr->handle, SIGKILL);
}

static void tr_send_kill(struct taskrunner *tr)
{
	int64_t timeout = tr_kill_timeout(tr);
	char d[64], msg[128];
	stime_format_duration(timeout, d, sizeof d);
	snprintf(msg, sizeof msg,
	         "Sent interrupt. Waiting %s before force killing", d);
	taskrunner_event(tr, TASK_EVENT_KILLING, msg, NULL, NULL);
	if (tr_last_event(tr) != NULL)
		tr_last_event(tr)->kill_timeout = timeout;
	tr_move(tr, TR_KILLING);
	driver_signal(&tr->handle, tr_signal_number(tr->task->kill_signal));
	tr_timer_start(tr, tr_force_kill, timeout);
}

void taskrunner_kill(struct taskrunner *tr, const char *reason)
{
	switch (tr->st) {
	case TR_PENDING:
	case TR_WAITING:
		uv_timer_stop(&tr->timer);
		if (reason != NULL)
			taskrunner_event(tr, TASK_EVENT_KILLED,
			                 "Task successfully killed", NULL,
			                 NULL);
		tr_finish(tr, false);
		break;
	case TR_PRESTART:
	case TR_STARTING:
		tr->kill_asked = true;
		mem_free(tr->kill_reason);
		tr->kill_reason = reason ? mem_strdup(reason) : NULL;
		break;
	case TR_RUNNING:
		if (!tr->has_handle) {
			tr_finish(tr, false);
			break;
		}
		tr_send_kill(tr);
		break;
	default: break;
	}
}

void taskrunner_restart(struct taskrunner *tr)
{
	if (tr->st != TR_RUNNING || !tr->has_handle)
		return;
	taskrunner_event(tr, TASK_EVENT_RESTART_SIGNAL,
	                 "User requested restart", NULL, NULL);
	tr->restart_asked = true;
	tr_send_kill(tr);
	tr_changed(tr);
}

/* ---- persistence ----------------------------------------------------------
 */

json_t *taskrunner_save(const struct taskrunner *tr)
{
	json_t *j = json_object();
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "State",
	                    schema_json_encode(&task_state_schema, &tr->state));
	json_object_set_new(j, "Runner", json_string(tr_state_name(tr->st)));
	json_object_set_new(j, "Attempts", json_integer(tr->attempts));
	json_object_set_new(j, "IntervalStart",
	                    json_integer(tr->interval_start_ns));
	if (tr->has_handle)
		json_object_set_new(j, "Handle",
		                    driver_handle_to_json(&tr->handle));
	return j;
}

static void tr_adopt(struct taskrunner *tr)
{
	tr->st = TR_RUNNING;
	tr_set_state(tr, TASK_STATE_RUNNING);
	LOG_INFO("client", "task %s/%s: adopted running task (pid %d)",
	         tr->ar->id, tr->name, tr->handle.pid);
	tr_watch(tr);
}

void taskrunner_restore(struct taskrunner *tr, const json_t *saved)
{
	const json_t *h = json_object_get(saved, "Handle");
	const char *runner =
	    json_string_value(json_object_get(saved, "Runner"));
	struct err e;
	err_clear(&e);
	if (saved == NULL) {
		taskrunner_start(tr);
		return;
	}
	schema_release(&task_state_schema, &tr->state);
	memset(&tr->state, 0, sizeof tr->state);
	if (schema_json_decode(&task_state_schema, &tr->state,
	                       json_object_get(saved, "State"), "",
	                       &e) != ERR_OK)
		memset(&tr->state, 0, sizeof tr->state);
	tr->attempts = json_integer_value(json_object_get(saved, "Attempts"));
	tr->interval_start_ns =
	    json_integer_value(json_object_get(saved, "IntervalStart"));
	if (h != NULL &&
	    driver_handle_from_json(h, &tr->handle, &e) == ERR_OK) {
		tr->has_handle = true;
		if (driver_alive(&tr->handle)) {
			tr_adopt(tr);
			return;
		}
		/* It ended while the agent was away. */
		tr->st = TR_RUNNING;
		uv_timer_start(&tr->timer, tr_gone_cb, 0, 0);
		return;
	}
	if (runner != NULL && strcmp(runner, "dead") == 0) {
		tr->st = TR_DEAD;
		tr_set_state(tr, TASK_STATE_DEAD);
		return;
	}
	/* Pending or waiting to restart: start again. */
	tr->st = TR_PENDING;
	tr_begin(tr);
}

/* ---- life of the runner itself --------------------------------------------
 */

void taskrunner_init(struct taskrunner *tr, struct allocrunner *ar,
                     const struct task *task)
{
	memset(tr, 0, sizeof *tr);
	tr->ar = ar;
	tr->task = task;
	tr->pidfd = -1;
	snprintf(tr->name, sizeof tr->name, "%s", task->name ? task->name : "");
	uv_timer_init(ar->c->loop, &tr->timer);
	tr->timer.data = tr;
	tr->timer_open = true;
	tr_set_state(tr, TASK_STATE_PENDING);
}

/* Each handle a closing runner waits for reports here once; the last
 * one tells the alloc runner. */
static void tr_closed_one(struct taskrunner *tr)
{
	if (--tr->closing_left == 0)
		allocrunner_tr_closed(tr->ar);
}

static void tr_timer_closed(uv_handle_t *h)
{
	tr_closed_one(h->data);
}

void taskrunner_close(struct taskrunner *tr)
{
	tr->closing = true;
	tr->closing_left =
	    1 + (tr->polling ? 1u : 0u) + (tr->work_busy ? 1u : 0u);
	if (tr->polling) {
		tr->poll_counted = true;
		tr_unwatch(tr);
	}
	uv_close((uv_handle_t *)&tr->timer, tr_timer_closed);
}

void taskrunner_release(struct taskrunner *tr)
{
	schema_release(&task_state_schema, &tr->state);
	if (tr->env_ready)
		taskenv_release(&tr->env);
	mem_free(tr->kill_reason);
}
