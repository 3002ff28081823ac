/* client/drivers/common.c: the driver table, config helpers and the agent's
 * side of the executor (start, signal, wait, results, handles). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/drivers/drivers_int.h"
#include "lib/mem.h"

extern char **environ;

#define DRV_START_TIMEOUT_MS 10000

static const struct driver_ops *const driver_table[] = {
    &driver_raw_exec_ops,
    &driver_exec_ops,
    &driver_java_ops,
};

static char driver_exe[4096];

static const struct driver_ops *driver_find(const char *name)
{
	for (size_t i = 0;
	     name != NULL && i < sizeof driver_table / sizeof driver_table[0];
	     i++)
		if (strcmp(driver_table[i]->name, name) == 0)
			return driver_table[i];
	return NULL;
}

void driver_set_executor_path(const char *path)
{
	snprintf(driver_exe, sizeof driver_exe, "%s", path != NULL ? path : "");
}

bool driver_known(const char *name)
{
	return driver_find(name) != NULL;
}

/* ---- config helpers ----------------------------------------------------- */

static bool drv_scalar(const struct value *v)
{
	return v->kind == VALUE_STRING || v->kind == VALUE_INT ||
	       v->kind == VALUE_FLOAT || v->kind == VALUE_BOOL;
}

static void drv_check_key(const struct value *config,
                          const struct driver_key *k, struct errlist *l)
{
	const struct value *v = value_map_get(config, k->name);
	if (v == NULL || v->kind == VALUE_NULL ||
	    (v->kind == VALUE_STRING && v->u.s[0] == '\0' && k->required)) {
		if (k->required)
			errlist_add(l, "config.%s: missing required field",
			            k->name);
		return;
	}
	switch (k->kind) {
	case DRIVER_KEY_STRING:
		if (v->kind != VALUE_STRING)
			errlist_add(l, "config.%s: must be a string", k->name);
		break;
	case DRIVER_KEY_LIST: {
		bool ok = v->kind == VALUE_LIST;
		for (size_t i = 0; ok && i < v->u.list.n; i++)
			ok = drv_scalar(&v->u.list.v[i]);
		if (!ok)
			errlist_add(l, "config.%s: must be a list of strings",
			            k->name);
		break;
	}
	case DRIVER_KEY_MODE:
		if (v->kind != VALUE_STRING ||
		    (strcmp(v->u.s, "private") != 0 &&
		     strcmp(v->u.s, "host") != 0))
			errlist_add(
			    l, "config.%s: must be \"private\" or \"host\"",
			    k->name);
		break;
	}
}

void driver_check_keys(const struct value *config,
                       const struct driver_key *keys, struct errlist *l)
{
	for (size_t i = 0; i < config->u.map.n; i++) {
		const char *name = config->u.map.v[i].key;
		const struct driver_key *k = keys;
		while (k->name != NULL && strcmp(k->name, name) != 0)
			k++;
		if (k->name == NULL)
			errlist_add(l, "config.%s: unsupported argument", name);
	}
	for (const struct driver_key *k = keys; k->name != NULL; k++)
		drv_check_key(config, k, l);
}

const char *driver_config_str(const struct value *config, const char *key)
{
	const struct value *v = value_map_get(config, key);
	if (v == NULL || v->kind != VALUE_STRING || v->u.s[0] == '\0')
		return NULL;
	return v->u.s;
}

int driver_config_list(const struct value *config, const char *key,
                       struct strlist *out)
{
	const struct value *v = value_map_get(config, key);
	char num[64];
	if (v == NULL || v->kind != VALUE_LIST)
		return ERR_OK;
	for (size_t i = 0; i < v->u.list.n; i++) {
		const struct value *it = &v->u.list.v[i];
		const char *s = num;
		switch (it->kind) {
		case VALUE_STRING: s = it->u.s; break;
		case VALUE_INT:
			snprintf(num, sizeof num, "%" PRId64, it->u.i);
			break;
		case VALUE_FLOAT:
			snprintf(num, sizeof num, "%g", it->u.f);
			break;
		case VALUE_BOOL: s = it->u.b ? "true" : "false"; break;
		default: continue;
		}
		if (strlist_push(out, s) != 0)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

bool driver_config_host(const struct value *config, const char *key)
{
	const char *s = driver_config_str(config, key);
	return s != NULL && strcmp(s, "host") == 0;
}

int driver_validate(const char *name, const struct value *config, struct err *e)
{
	const struct driver_ops *ops = driver_find(name);
	static const struct value empty = {.kind = VALUE_MAP};
	struct errlist l;
	int rc;
	if (ops == NULL)
		return err_set(e, ERR_NOTFOUND, "unknown driver \"%s\"",
		               name != NULL ? name : "");
	if (config == NULL || config->kind == VALUE_NULL)
		config = &empty;
	if (config->kind != VALUE_MAP)
		return err_set(e, ERR_VALIDATE, "config: must be a map");
	errlist_init(&l);
	ops->validate(config, &l);
	rc = errlist_to_err(&l, e);
	errlist_release(&l);
	return rc;
}

/* ---- fingerprint -------------------------------------------------------- */

void driver_fp_set(struct drv_fingerprint *f, bool detected, bool healthy,
                   const char *desc)
{
	f->detected = detected;
	f->healthy = healthy;
	snprintf(f->health_desc, sizeof f->health_desc, "%s", desc);
}

int driver_fingerprint(const char *name, const struct value *plugin_config,
                       struct drv_fingerprint *out)
{
	const struct driver_ops *ops = driver_find(name);
	char key[64];
	int rc;
	memset(out, 0, sizeof *out);
	if (ops == NULL)
		return ERR_NOTFOUND;
	if ((rc = ops->fingerprint(plugin_config, out)) != 0) {
		driver_fingerprint_release(out);
		return rc;
	}
	snprintf(key, sizeof key, "driver.%s", name);
	if (out->detected && out->healthy &&
	    strmap_set(&out->attrs, key, "1") != 0) {
		driver_fingerprint_release(out);
		return ERR_NOMEM;
	}
	return ERR_OK;
}

void driver_fingerprint_release(struct drv_fingerprint *f)
{
	strmap_release(&f->attrs);
}

/* ---- exec isolation ----------------------------------------------------- */

bool driver_exec_usable(char *why, size_t size)
{
	struct cgroup_sys cg;
	if (geteuid() != 0) {
		snprintf(why, size, "Driver must run as root");
		return false;
	}
	cgroup_detect(&cg);
	if (cg.version == 0) {
		snprintf(why, size, "%s", cg.why);
		return false;
	}
	why[0] = '\0';
	return true;
}

/* Nomad's default chroot_env, only what exists on this host. */
static int drv_default_chroot(struct strmap *m)
{
	static const char *const dirs[] = {"/bin",   "/etc",           "/lib",
	                                   "/lib32", "/lib64",         "/sbin",
	                                   "/usr",   "/run/resolvconf"};
	struct stat st;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (stat(dirs[i], &st) == 0 &&
		    strmap_set(m, dirs[i], dirs[i]) != 0)
			return ERR_NOMEM;
	return ERR_OK;
}

static bool drv_clean_abs(const char *p)
{
	return p[0] == '/' && strcmp(p, "/") != 0 &&
	       strstr(p, "/../") == NULL &&
	       (strlen(p) < 3 || strcmp(p + strlen(p) - 3, "/..") != 0);
}

static int drv_chroot(const struct drv_task *t, struct strmap *m, struct err *e)
{
	if (t->chroot_env == NULL)
		return drv_default_chroot(m) != 0
		           ? err_set(e, ERR_NOMEM, "out of memory")
		           : ERR_OK;
	for (size_t i = 0; i < t->chroot_env->n; i++) {
		const char *src = t->chroot_env->v[i].key;
		const char *dst = t->chroot_env->v[i].val;
		if (!drv_clean_abs(src) || !drv_clean_abs(dst))
			return err_set(e, ERR_INVAL,
			               "chroot_env \"%s\" = \"%s\": paths must "
			               "be absolute, not \"/\", without \"..\"",
			               src, dst);
		if (strmap_set(m, src, dst) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
	}
	return ERR_OK;
}

int driver_exec_isolate(const struct drv_task *t, struct executor_spec *s,
                        struct err *e)
{
	char why[128], rel[256];
	int rc;
	if (!driver_exec_usable(why, sizeof why))
		return err_set(e, ERR_UNSUPPORTED,
		               "%s driver needs root and a memory cgroup: %s",
		               t->driver, why);
	if ((rc = cgroup_path(t->cgroup_parent, t->alloc_id, t->task_name, rel,
	                      sizeof rel, e)) != 0)
		return rc;
	s->isolate = true;
	s->pid_host = driver_config_host(t->config, "pid_mode");
	s->ipc_host = driver_config_host(t->config, "ipc_mode");
	s->cgroup = mem_strdup(rel);
	if (s->cgroup == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	int64_t mb = t->memory_max_mb > 0 ? t->memory_max_mb : t->memory_mb;
	s->limits.memory_bytes = mb > 0 ? mb * 1024 * 1024 : 0;
	if (t->memory_max_mb > 0 && t->memory_mb > 0 &&
	    t->memory_max_mb > t->memory_mb)
		s->limits.memory_soft_bytes = t->memory_mb * 1024 * 1024;
	s->limits.cpu_shares =
	    t->cpu_mhz > 0 ? (t->cpu_mhz < 2 ? 2 : t->cpu_mhz) : 0;
	return drv_chroot(t, &s->chroot, e);
}

/* ---- start -------------------------------------------------------------- */

static int drv_spec_common(const struct drv_task *t, struct executor_spec *s,
                           struct err *e)
{
	s->driver = mem_strdup(t->driver);
	s->alloc_id = mem_strdup(t->alloc_id);
	s->task_name = mem_strdup(t->task_name);
	s->task_dir = mem_strdup(t->task_dir);
	s->alloc_dir = mem_strdup(t->alloc_dir);
	s->log_dir = mem_strdup(t->log_dir);
	s->user = mem_strdup(t->user);
	s->work_dir = mem_strdup(driver_config_str(t->config, "work_dir"));
	s->log_max_files = t->log_max_files > 0 ? t->log_max_files : 10;
	s->log_max_bytes =
	    (t->log_max_file_size_mb > 0 ? t->log_max_file_size_mb : 10) *
	    1024 * 1024;
	if (s->driver == NULL || s->alloc_id == NULL || s->task_name == NULL ||
	    s->task_dir == NULL || s->alloc_dir == NULL || s->log_dir == NULL ||
	    (t->user != NULL && s->user == NULL))
		return err_set(e, ERR_NOMEM, "out of memory");
	for (char *const *p = t->env; p != NULL && *p != NULL; p++)
		if (strlist_push(&s->env, *p) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
	return ERR_OK;
}

static void drv_state_path(const char *dir, const char *file, char *out,
                           size_t size)
{
	snprintf(out, size, "%s/%s", dir, file);
}

static int drv_write_spec(const struct drv_task *t,
                          const struct executor_spec *s, struct err *e)
{
	char path[4200];
	json_t *j = executor_spec_to_json(s);
	int rc;
	if (j == NULL)
		return err_set(e, ERR_INVAL,
		               "encode executor spec: out of memory or a "
		               "string that is not UTF-8");
	drv_state_path(t->state_dir, EXECUTOR_SPEC_FILE, path, sizeof path);
	rc = executor_write_json(path, j, e);
	json_decref(j);
	/* Results of an earlier run would be mistaken for this one's. */
	drv_state_path(t->state_dir, EXECUTOR_EXIT_FILE, path, sizeof path);
	unlink(path);
	drv_state_path(t->state_dir, EXECUTOR_PID_FILE, path, sizeof path);
	unlink(path);
	return rc;
}

static void drv_close_from(int lowfd)
{
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
	for (int fd = lowfd; fd < 65536; fd++)
		close(fd);
}

/* In the executor's process before exec (async-signal-safe calls only):
 * report pipe on fd 3, stdin/stdout on /dev/null, stderr to log_path. */
static void __attribute__((noreturn))
drv_exec_executor(int wfd, const char *exe, char *const argv[],
                  const char *log_path)
{
	if (wfd == 3)
		(void)fcntl(3, F_SETFD, 0);
	else if (dup2(wfd, 3) < 0)
		_exit(127);
	int nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
	}
	int lg = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (lg >= 0)
		dup2(lg, 2);
	drv_close_from(4);
	execve(exe, argv, environ);
	_exit(127);
}

/* Double fork: the executor is never our child. Returns the report pipe's
 * read end. */
static int drv_spawn(const char *exe, const char *spec_path,
                     const char *log_path, int *rfd, struct err *e)
{
	char *argv[] = {(char *)exe, "executor", (char *)spec_path, NULL};
	int p[2], st;
	pid_t mid;
	if (pipe2(p, O_CLOEXEC) != 0)
		return err_set(e, ERR_IO, "pipe: %s", strerror(errno));
	mid = fork();
	if (mid < 0) {
		int saved = errno;
		close(p[0]);
		close(p[1]);
		return err_set(e, ERR_IO, "fork: %s", strerror(saved));
	}
	if (mid == 0) {
		pid_t g = fork();
		if (g != 0)
			_exit(g < 0 ? 1 : 0);
		drv_exec_executor(p[1], exe, argv, log_path);
	}
	close(p[1]);
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		close(p[0]);
		return err_set(e, ERR_IO, "fork executor: failed");
	}
	*rfd = p[0];
	return ERR_OK;
}

static int64_t drv_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads until two lines arrived, EOF or the deadline. */
static size_t drv_read_report(int fd, char *buf, size_t size)
{
	size_t len = 0;
	int64_t deadline = drv_now_ms() + DRV_START_TIMEOUT_MS;
	buf[0] = '\0';
	for (;;) {
		char *nl = strchr(buf, '\n');
		if (nl != NULL && strchr(nl + 1, '\n') != NULL)
			break;
		int64_t left = deadline - drv_now_ms();
		struct pollfd pfd = {fd, POLLIN, 0};
		if (left <= 0 || len >= size - 1)
			break;
		int rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return len;
}

/* Interprets the report lines into h. */
static int drv_parse_report(char *buf, const char *log_path,
                            struct drv_handle *h, struct err *e)
{
	char *line2 = strchr(buf, '\n');
	int epid = 0, tpid = 0;
	unsigned long long eticks = 0, tticks = 0;
	if (line2 == NULL ||
	    sscanf(buf, "executor %d %llu", &epid, &eticks) != 2)
		return err_set(e, ERR_IO,
		               "failed to start task: executor did not run "
		               "(see %s)",
		               log_path);
	*line2++ = '\0';
	h->executor_pid = epid;
	h->executor_start_ticks = eticks;
	char *end = strchr(line2, '\n');
	if (end == NULL) {
		if (epid > 0)
			(void)kill(epid, SIGKILL);
		return err_set(e, ERR_TIMEOUT,
		               "failed to start task: the executor did not "
		               "report within %d s",
		               DRV_START_TIMEOUT_MS / 1000);
	}
	*end = '\0';
	if (strncmp(line2, "err ", 4) == 0)
		return err_set(e, ERR_IO, "failed to start task: %s",
		               line2 + 4);
	if (sscanf(line2, "ok %d %llu", &tpid, &tticks) != 2 || tpid <= 0)
		return err_set(e, ERR_IO,
		               "failed to start task: bad executor report "
		               "\"%.100s\"",
		               line2);
	h->pid = tpid;
	h->task_start_ticks = tticks;
	return ERR_OK;
}

static int drv_launch(const struct drv_task *t, const struct executor_spec *s,
                      struct drv_handle *h, struct err *e)
{
	char exe[4096], spec[4200], logp[4200], report[2048];
	int rfd = -1, rc;
	if (driver_exe[0] != '\0') {
		snprintf(exe, sizeof exe, "%s", driver_exe);
	} else {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n <= 0)
			return err_set(e, ERR_IO, "find own binary: %s",
			               strerror(errno));
		exe[n] = '\0';
		/* The binary was replaced or removed under the running agent
		 * (an upgrade): the image still runs through /proc/self/exe,
		 * which the forked child resolves to the agent's own. */
		if (access(exe, X_OK) != 0)
			snprintf(exe, sizeof exe, "/proc/self/exe");
	}
	if (access(exe, X_OK) != 0)
		return err_set(e, ERR_IO,
		               "failed to start task: executor %s: %s", exe,
		               strerror(errno));
	if ((rc = drv_write_spec(t, s, e)) != 0)
		return rc;
	drv_state_path(t->state_dir, EXECUTOR_SPEC_FILE, spec, sizeof spec);
	drv_state_path(t->state_dir, EXECUTOR_LOG_FILE, logp, sizeof logp);
	if ((rc = drv_spawn(exe, spec, logp, &rfd, e)) != 0)
		return rc;
	drv_read_report(rfd, report, sizeof report);
	close(rfd);
	memset(h, 0, sizeof *h);
	snprintf(h->driver, sizeof h->driver, "%s", t->driver);
	snprintf(h->state_dir, sizeof h->state_dir, "%s", t->state_dir);
	if (s->cgroup != NULL)
		snprintf(h->cgroup, sizeof h->cgroup, "%s", s->cgroup);
	h->isolated = s->isolate;
	return drv_parse_report(report, logp, h, e);
}

int driver_start(const struct drv_task *t, struct drv_handle *h, struct err *e)
{
	const struct driver_ops *ops = driver_find(t->driver);
	struct executor_spec s;
	int rc;
	memset(&s, 0, sizeof s);
	if (ops == NULL)
		return err_set(e, ERR_NOTFOUND, "unknown driver \"%s\"",
		               t->driver != NULL ? t->driver : "");
	if ((rc = driver_validate(t->driver, t->config, e)) != 0)
		return err_wrap(e, "invalid driver config");
	if (strlen(t->state_dir) >= sizeof h->state_dir)
		return err_set(e, ERR_INVAL, "state dir path too long");
	if ((rc = drv_spec_common(t, &s, e)) != 0 ||
	    (rc = ops->prepare(t, &s, e)) != 0)
		goto out;
	rc = drv_launch(t, &s, h, e);
out:
	executor_spec_release(&s);
	return rc;
}

/* ---- the running task --------------------------------------------------- */

/* The process pid still is the one started at ticks (zombies excluded). */
static bool drv_same(int pid, uint64_t ticks, bool zombie_ok)
{
	char state;
	uint64_t t;
	if (pid <= 0 || executor_proc_stat(pid, &state, &t, NULL) != 0)
		return false;
	if (!zombie_ok && (state == 'Z' || state == 'X'))
		return false;
	return t == ticks;
}

int driver_signal(const struct drv_handle *h, int sig)
{
	if (h->pid <= 0 || sig < 0 || sig >= NSIG)
		return ERR_INVAL;
	if (!drv_same(h->pid, h->task_start_ticks, false))
		return ERR_OK;
	int rc = h->isolated ? kill(h->pid, sig) : kill(-h->pid, sig);
	if (rc != 0 && errno == ESRCH && !h->isolated)
		rc = kill(h->pid, sig);
	if (rc != 0 && errno == EPERM)
		return ERR_DENIED;
	return ERR_OK;
}

bool driver_alive(const struct drv_handle *h)
{
	return drv_same(h->executor_pid, h->executor_start_ticks, false);
}

int driver_wait_fd(const struct drv_handle *h)
{
	if (h->executor_pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	int fd = (int)syscall(SYS_pidfd_open, h->executor_pid, 0);
	if (fd < 0)
		return -1;
	/* Opened first, checked second: the pidfd pins the process. */
	if (!drv_same(h->executor_pid, h->executor_start_ticks, true)) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

static int drv_read_exit(const char *path, struct drv_exit *x, struct err *e)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	json_int_t code = 0, sig = 0;
	int oom = 0;
	const char *msg = "";
	if (j == NULL)
		return err_set(e, ERR_DECODE, "read %s: %s", path, jerr.text);
	if (json_unpack_ex(j, &jerr, 0, "{s:I, s:I, s?b, s?s}", "ExitCode",
	                   &code, "Signal", &sig, "OOMKilled", &oom, "Err",
	                   &msg) != 0) {
		err_set(e, ERR_DECODE, "read %s: %s", path, jerr.text);
		json_decref(j);
		return ERR_DECODE;
	}
	x->exit_code = (int)code;
	x->signal = (int)sig;
	x->oom_killed = oom != 0;
	snprintf(x->err, sizeof x->err, "%s", msg);
	json_decref(j);
	return ERR_OK;
}

int driver_exit_result(const struct drv_handle *h, struct drv_exit *x)
{
	char path[4200];
	struct err e;
	struct stat st;
	memset(x, 0, sizeof *x);
	/* Our child when we are its subreaper: collect the zombie. */
	if (h->executor_pid > 0 && !driver_alive(h))
		(void)waitpid(h->executor_pid, NULL, WNOHANG);
	drv_state_path(h->state_dir, EXECUTOR_EXIT_FILE, path, sizeof path);
	if (stat(path, &st) != 0) {
		x->exit_code = -1;
		snprintf(x->err, sizeof x->err,
		         "executor exited without a result");
		return ERR_OK;
	}
	return drv_read_exit(path, x, &e);
}

void driver_cleanup(const struct drv_handle *h)
{
	if (drv_same(h->pid, h->task_start_ticks, false))
		(void)kill(h->isolated ? h->pid : -h->pid, SIGKILL);
	if (h->cgroup[0] != '\0') {
		struct cgroup_sys cg;
		cgroup_detect(&cg);
		if (cg.version != 0)
			cgroup_destroy(&cg, h->cgroup);
	}
}

/* ---- handle codec ------------------------------------------------------- */

json_t *driver_handle_to_json(const struct drv_handle *h)
{
	return json_pack(
	    "{s:s, s:i, s:i, s:I, s:I, s:s, s:s, s:b}", "Driver", h->driver,
	    "Pid", h->pid, "ExecutorPid", h->executor_pid, "ExecutorStartTicks",
	    (json_int_t)h->executor_start_ticks, "TaskStartTicks",
	    (json_int_t)h->task_start_ticks, "StateDir", h->state_dir, "Cgroup",
	    h->cgroup, "Isolated", h->isolated);
}

static int drv_json_str(const json_t *j, const char *key, char *out,
                        size_t size, struct err *e)
{
	const json_t *v = json_object_get(j, key);
	if (v == NULL || !json_is_string(v))
		return err_set(e, ERR_DECODE, "handle.%s: must be a string",
		               key);
	if (json_string_length(v) >= size)
		return err_set(e, ERR_DECODE, "handle.%s: too long", key);
	snprintf(out, size, "%s", json_string_value(v));
	return ERR_OK;
}

static int drv_json_int(const json_t *j, const char *key, int64_t *out,
                        struct err *e)
{
	const json_t *v = json_object_get(j, key);
	if (v == NULL || !json_is_integer(v) || json_integer_value(v) < 0)
		return err_set(e, ERR_DECODE,
		               "handle.%s: must be a non-negative integer",
		               key);
	*out = json_integer_value(v);
	return ERR_OK;
}

int driver_handle_from_json(const json_t *j, struct drv_handle *h,
                            struct err *e)
{
	int64_t pid = 0, epid = 0, et = 0, tt = 0;
	int rc;
	memset(h, 0, sizeof *h);
	if (!json_is_object(j))
		return err_set(e, ERR_DECODE, "handle: must be an object");
	if ((rc = drv_json_str(j, "Driver", h->driver, sizeof h->driver, e)) ||
	    (rc = drv_json_int(j, "Pid", &pid, e)) ||
	    (rc = drv_json_int(j, "ExecutorPid", &epid, e)) ||
	    (rc = drv_json_int(j, "ExecutorStartTicks", &et, e)) ||
	    (rc = drv_json_int(j, "TaskStartTicks", &tt, e)) ||
	    (rc = drv_json_str(j, "StateDir", h->state_dir, sizeof h->state_dir,
	                       e)) ||
	    (rc = drv_json_str(j, "Cgroup", h->cgroup, sizeof h->cgroup, e)))
		return rc;
	if (pid > INT32_MAX || epid > INT32_MAX)
		return err_set(e, ERR_DECODE, "handle.Pid: out of range");
	if (!driver_known(h->driver))
		return err_set(e, ERR_DECODE,
		               "handle.Driver: unknown driver "
		               "\"%s\"",
		               h->driver);
	h->pid = (int)pid;
	h->executor_pid = (int)epid;
	h->executor_start_ticks = (uint64_t)et;
	h->task_start_ticks = (uint64_t)tt;
	h->isolated = json_is_true(json_object_get(j, "Isolated"));
	return ERR_OK;
}

/* ---- stats -------------------------------------------------------------- */

/* utime + stime and rss pages of one /proc/<pid>/stat if its pgid is pgid. */
static bool drv_proc_usage(const char *pid, int pgid, uint64_t *ticks,
                           uint64_t *pages)
{
	char path[300], buf[1024];
	int fd;
	ssize_t n;
	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return false;
	/* Fields from 3 on: state ppid pgrp ... utime(14) stime(15) ...
	 * rss(24). */
	unsigned long long v[25] = {0};
	int field = 2;
	for (char *q = p + 1; *q != '\0' && field < 24; q++)
		if (*q == ' ') {
			field++;
			v[field] = strtoull(q + 1, NULL, 10);
		}
	if (field < 24 || (int)v[5] != pgid)
		return false;
	*ticks += v[14] + v[15];
	*pages += v[24];
	return true;
}

int driver_stats(const struct drv_handle *h, uint64_t *rss_bytes,
                 uint64_t *cpu_ticks)
{
	*rss_bytes = 0;
	*cpu_ticks = 0;
	if (h->cgroup[0] != '\0') {
		struct cgroup_sys cg;
		cgroup_detect(&cg);
		return cgroup_stats(&cg, h->cgroup, rss_bytes, cpu_ticks);
	}
	if (!drv_same(h->pid, h->task_start_ticks, false))
		return ERR_NOTFOUND;
	DIR *d = opendir("/proc");
	struct dirent *de;
	uint64_t pages = 0;
	if (d == NULL)
		return ERR_NOTFOUND;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			drv_proc_usage(de->d_name, h->pid, cpu_ticks, &pages);
	closedir(d);
	*rss_bytes = pages * (uint64_t)sysconf(_SC_PAGESIZE);
	return ERR_OK;
}
