/* client/executor.c: `steppe executor SPEC`, the process that runs one
 * task (see client/driver.h for the model, client/executor_int.h for the
 * start protocol and state files).
 *
 * Process tree:
 *   raw:  executor --fork--> task (own session and process group)
 *   exec: executor --clone(NEWPID|NEWNS|NEWUTS[|NEWIPC])--> init (PID 1)
 *           init: private mounts, chroot built in the task dir, then
 *           --fork--> task (PID 2, own process group); init forwards
 *           signals to the task's group, reaps orphans and reports the
 *           task's wait status on a pipe before it exits (which kills
 *           whatever is left in the namespace).
 * With pid_mode "host" the clone child does the mounts and becomes the
 * task itself.
 *
 * The executor is single threaded; children may allocate freely. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/driver.h"
#include "client/executor_int.h"
#include "lib/mem.h"
#include "structs/schema.h"

#define EX_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define EX_DRAIN_MS 2000

struct ex {
	struct executor_spec spec;
	char state_dir[4096];
	int report_fd;
	int devnull;
	struct cgroup_sys cg;
	bool cg_made;
	bool set_user;
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int ngroups;
	char **argv, **envp; /* NULL-terminated views of spec.argv / env */
	struct executor_log log_out, log_err;
	/* pipes: [0] read, [1] write */
	int out[2], err[2], errp[2], sync[2], status[2];
	int sfd;     /* signalfd for SIGCHLD */
	pid_t child; /* raw: the task; exec: the namespace init */
	uint64_t child_ticks;
};

/* ---- small helpers ------------------------------------------------------ */

static void ex_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void ex_write_all(int fd, const char *s, size_t n)
{
	while (fd >= 0 && n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* strerror with a lowercase first letter, as Go prints OS errors. */
static void ex_strerror(int errnum, char *out, size_t size)
{
	snprintf(out, size, "%s", strerror(errnum));
	if (out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z'))
		out[0] = (char)(out[0] - 'A' + 'a');
}

static int64_t ex_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ex_report(struct ex *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ex_report(struct ex *x, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';
	ex_write_all(x->report_fd, line, (size_t)n);
}

/* A child's failure: message on the error pipe, then exit. */
static void ex_child_fail(int errfd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void ex_child_fail(int errfd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n > 0)
		ex_write_all(errfd, msg,
		             (size_t)n < sizeof msg ? (size_t)n
		                                    : sizeof msg - 1);
	_exit(127);
}

static void ex_signals_default(void)
{
	sigset_t none;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---- state files -------------------------------------------------------- */

static void ex_state_path(const struct ex *x, const char *file, char *out,
                          size_t size)
{
	snprintf(out, size, "%s/%s", x->state_dir, file);
}

static void ex_write_exit(struct ex *x, int code, int sig, bool oom,
                          const char *errmsg)
{
	char path[4200];
	struct err e;
	json_t *j =
	    json_pack("{s:i, s:i, s:b, s:s}", "ExitCode", code, "Signal", sig,
	              "OOMKilled", oom, "Err", errmsg != NULL ? errmsg : "");
	if (j == NULL)
		return;
	ex_state_path(x, EXECUTOR_EXIT_FILE, path, sizeof path);
	if (executor_write_json(path, j, &e) != 0)
		fprintf(stderr, "executor: %s\n", e.msg);
	json_decref(j);
}

static void ex_write_pids(struct ex *x, uint64_t self_ticks)
{
	char path[4200];
	struct err e;
	json_t *j = json_pack(
	    "{s:i, s:i, s:I, s:I, s:s}", "TaskPid", (int)x->child,
	    "ExecutorPid", (int)getpid(), "StartTicks", (json_int_t)self_ticks,
	    "TaskStartTicks", (json_int_t)x->child_ticks, "Cgroup",
	    x->spec.cgroup != NULL ? x->spec.cgroup : "");
	if (j == NULL)
		return;
	ex_state_path(x, EXECUTOR_PID_FILE, path, sizeof path);
	if (executor_write_json(path, j, &e) != 0)
		fprintf(stderr, "executor: %s\n", e.msg);
	json_decref(j);
}

/* ---- the task's process ------------------------------------------------- */

static bool ex_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static const char *ex_env_path(char **envp)
{
	for (char **p = envp; *p != NULL; p++)
		if (strncmp(*p, "PATH=", 5) == 0)
			return *p + 5;
	return EX_DEFAULT_PATH;
}

/* Nomad's lookup: absolute as is; else <root>/local/cmd, <root>/cmd; else
 * (no slash) $PATH of the task's environment. root is the task dir ("" in
 * the chroot). Returns 0, or -1 when not found in $PATH. */
static int ex_resolve(const char *cmd, const char *root, char **envp, char *out,
                      size_t size)
{
	if (cmd[0] == '/') {
		snprintf(out, size, "%s", cmd);
		return 0;
	}
	snprintf(out, size, "%s/local/%s", root, cmd);
	if (ex_is_file(out))
		return 0;
	snprintf(out, size, "%s/%s", root, cmd);
	if (ex_is_file(out) || strchr(cmd, '/') != NULL)
		return 0;
	const char *path = ex_env_path(envp);
	while (*path != '\0') {
		const char *end = strchr(path, ':');
		size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
		snprintf(out, size, "%.*s/%s", (int)len, len ? path : ".", cmd);
		if (ex_is_file(out) && access(out, X_OK) == 0)
			return 0;
		path += len;
		if (*path == ':')
			path++;
	}
	return -1;
}

/* In the task's process: stdio, session, directory, credentials, exec.
 * root is the task dir as this process sees it ("" inside the chroot). */
static void __attribute__((noreturn))
ex_task_exec(struct ex *x, const char *root)
{
	char path[4200], why[128];
	int errfd = x->errp[1];
	ex_signals_default();
	setsid();
	if (dup2(x->devnull, 0) < 0 || dup2(x->out[1], 1) < 0 ||
	    dup2(x->err[1], 2) < 0)
		ex_child_fail(errfd, "set up stdio: %s", strerror(errno));
	const char *wd = x->spec.work_dir;
	if (wd == NULL)
		snprintf(path, sizeof path, "%s", root[0] ? root : "/");
	else if (wd[0] == '/')
		snprintf(path, sizeof path, "%s", wd);
	else
		snprintf(path, sizeof path, "%s/%s", root, wd);
	if (chdir(path) != 0) {
		ex_strerror(errno, why, sizeof why);
		ex_child_fail(errfd, "chdir %s: %s", path, why);
	}
	if (x->set_user && (setgroups((size_t)x->ngroups, x->groups) != 0 ||
	                    setgid(x->gid) != 0 || setuid(x->uid) != 0)) {
		ex_strerror(errno, why, sizeof why);
		ex_child_fail(errfd, "switch to user \"%s\": %s", x->spec.user,
		              why);
	}
	const char *cmd = x->argv[0];
	if (ex_resolve(cmd, root, x->envp, path, sizeof path) != 0)
		ex_child_fail(errfd,
		              "exec \"%s\": executable file not found in $PATH",
		              cmd);
	execve(path, x->argv, x->envp);
	ex_strerror(errno, why, sizeof why);
	ex_child_fail(errfd, "exec \"%s\": %s", cmd, why);
}

/* ---- the exec isolation: chroot and namespace init ---------------------- */

static int ex_mkdirs(const char *dir)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Creates the mount point target for src (a directory or an empty file). */
static int ex_mountpoint(const char *src, const char *target)
{
	struct stat st;
	if (stat(src, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		return ex_mkdirs(target);
	char parent[4200];
	snprintf(parent, sizeof parent, "%s", target);
	char *slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent) {
		*slash = '\0';
		if (ex_mkdirs(parent) != 0)
			return -1;
	}
	int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EISDIR ? 0 : -1;
	close(fd);
	return 0;
}

/* Flags a read-only remount must keep (they may be locked). */
static unsigned long ex_kept_flags(const char *path)
{
	struct statvfs v;
	unsigned long f = 0;
	if (statvfs(path, &v) != 0)
		return 0;
	if (v.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (v.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (v.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (v.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (v.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static void ex_bind(int errfd, const char *src, const char *target, bool ro)
{
	char why[128];
	if (ex_mountpoint(src, target) != 0 ||
	    mount(src, target, NULL, MS_BIND | MS_REC, NULL) != 0 ||
	    (ro && mount(NULL, target, NULL,
	                 MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID |
	                     ex_kept_flags(target),
	                 NULL) != 0)) {
		ex_strerror(errno, why, sizeof why);
		ex_child_fail(errfd, "bind mount %s: %s", src, why);
	}
}

static int ex_cmp_dst(const void *a, const void *b)
{
	const struct strmap_ent *x = a, *y = b;
	return strcmp(x->val, y->val);
}

/* With merged /usr, /bin is a symlink to usr/bin: when an entry is a
 * symlink whose destination another entry brings in under the same path,
 * the symlink is recreated instead of mounting the directory twice. */
static bool ex_link_within(int errfd, const struct strmap *map,
                           const struct strmap_ent *ent, const char *target)
{
	char link[4096], real[4096], why[128];
	struct stat st;
	ssize_t n;
	bool covered = false;
	if (strcmp(ent->key, ent->val) != 0 || lstat(ent->key, &st) != 0 ||
	    !S_ISLNK(st.st_mode) || realpath(ent->key, real) == NULL ||
	    (n = readlink(ent->key, link, sizeof link - 1)) <= 0)
		return false;
	link[n] = '\0';
	for (size_t i = 0; i < map->n && !covered; i++) {
		size_t len = strlen(map->v[i].key);
		covered = strcmp(map->v[i].key, map->v[i].val) == 0 &&
		          strncmp(real, map->v[i].key, len) == 0 &&
		          (real[len] == '/' || real[len] == '\0') &&
		          lstat(map->v[i].key, &st) == 0 &&
		          !S_ISLNK(st.st_mode);
	}
	if (!covered)
		return false;
	if (symlink(link, target) != 0 && errno != EEXIST) {
		ex_strerror(errno, why, sizeof why);
		ex_child_fail(errfd, "symlink %s: %s", target, why);
	}
	return true;
}

/* A small /dev: tmpfs with the usual device nodes bound from the host. */
static void ex_build_dev(struct ex *x, int errfd)
{
	static const char *const nodes[] = {"null",   "zero",    "full",
	                                    "random", "urandom", "tty"};
	char dev[4200], src[64], dst[4300], why[128];
	snprintf(dev, sizeof dev, "%s/dev", x->spec.task_dir);
	if (ex_mkdirs(dev) != 0 ||
	    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME,
	          "mode=755,size=65536k") != 0) {
		ex_strerror(errno, why, sizeof why);
		ex_child_fail(errfd, "mount /dev: %s", why);
	}
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
		snprintf(src, sizeof src, "/dev/%s", nodes[i]);
		snprintf(dst, sizeof dst, "%s/%s", dev, nodes[i]);
		if (access(src, F_OK) == 0)
			ex_bind(errfd, src, dst, false);
	}
	snprintf(dst, sizeof dst, "%s/pts", dev);
	if (mkdir(dst, 0755) == 0)
		(void)mount("devpts", dst, "devpts", MS_NOSUID | MS_NOEXEC,
		            "newinstance,ptmxmode=0666,mode=0620");
	snprintf(dst, sizeof dst, "%s/shm", dev);
	if (mkdir(dst, 01777) == 0)
		(void)mount("shm", dst, "tmpfs", MS_NOSUID | MS_NODEV,
		            "mode=1777,size=65536k");
	static const char *const links[][2] = {
	    {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
	    {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
	    {"pts/ptmx", "ptmx"},
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(dst, sizeof dst, "%s/%s", dev, links[i][1]);
		(void)symlink(links[i][0], dst);
	}
}

/* In the new mount namespace: everything private, then the chroot env
 * read-only, the shared alloc dir, a fresh /proc and a small /dev. */
static void ex_build_root(struct ex *x, int errfd)
{
	struct executor_spec *s = &x->spec;
	char target[4300], src[4200], why[128];
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		ex_strerror(errno, why, sizeof why);
		ex_child_fail(errfd, "make mounts private: %s", why);
	}
	/* Parents before children: sort by destination. */
	qsort(s->chroot.v, s->chroot.n, sizeof s->chroot.v[0], ex_cmp_dst);
	for (size_t i = 0; i < s->chroot.n; i++) {
		snprintf(target, sizeof target, "%s%s", s->task_dir,
		         s->chroot.v[i].val);
		if (!ex_link_within(errfd, &s->chroot, &s->chroot.v[i], target))
			ex_bind(errfd, s->chroot.v[i].key, target, true);
	}
	snprintf(src, sizeof src, "%s/alloc", s->alloc_dir);
	snprintf(target, sizeof target, "%s/alloc", s->task_dir);
	ex_bind(errfd, src, target, false);
	snprintf(target, sizeof target, "%s/proc", s->task_dir);
	if (ex_mkdirs(target) != 0 ||
	    mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	          NULL) != 0) {
		ex_strerror(errno, why, sizeof why);
		ex_child_fail(errfd, "mount /proc: %s", why);
	}
	ex_build_dev(x, errfd);
	if (chroot(s->task_dir) != 0 || chdir("/") != 0) {
		ex_strerror(errno, why, sizeof why);
		ex_child_fail(errfd, "chroot %s: %s", s->task_dir, why);
	}
}

/* PID 1 of the task's namespace: forwards signals to the task's process
 * group, reaps everything, reports the task's wait status, exits. */
static void __attribute__((noreturn)) ex_init_loop(pid_t task, int status_fd)
{
	sigset_t all;
	sigfillset(&all);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si), st;
		pid_t p;
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			if (kill(-task, sig) != 0)
				(void)kill(task, sig);
			continue;
		}
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == task) {
				ex_write_all(status_fd, (const char *)&st,
				             sizeof st);
				_exit(0);
			}
	}
}

/* The clone child of an exec-isolated task. */
static void __attribute__((noreturn)) ex_isolated_child(struct ex *x)
{
	int errfd = x->errp[1];
	char why[128];
	ex_build_root(x, errfd);
	if (x->spec.pid_host)
		ex_task_exec(x, "");
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* Blocked signals are never dropped, even for a namespace init. */
	pid_t task = fork();
	if (task < 0) {
		ex_strerror(errno, why, sizeof why);
		ex_child_fail(errfd, "fork: %s", why);
	}
	if (task == 0)
		ex_task_exec(x, "");
	ex_close(&x->errp[1]);
	ex_close(&x->out[1]);
	ex_close(&x->err[1]);
	ex_close(&x->devnull);
	ex_init_loop(task, x->status[1]);
}

/* ---- the executor ------------------------------------------------------- */

static int ex_load(struct ex *x, const char *spec_path, struct err *e)
{
	json_error_t jerr;
	json_t *j = json_load_file(spec_path, 0, &jerr);
	int rc;
	if (j == NULL)
		return err_set(e, ERR_DECODE, "read spec %s: %s", spec_path,
		               jerr.text);
	rc = executor_spec_from_json(j, &x->spec, e);
	json_decref(j);
	if (rc != 0)
		return err_wrap(e, "spec %s", spec_path);
	x->argv = mem_calloc(x->spec.argv.n + 1, sizeof *x->argv);
	x->envp = mem_calloc(x->spec.env.n + 1, sizeof *x->envp);
	if (x->argv == NULL || x->envp == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	memcpy(x->argv, x->spec.argv.v, x->spec.argv.n * sizeof *x->argv);
	if (x->spec.env.n > 0)
		memcpy(x->envp, x->spec.env.v, x->spec.env.n * sizeof *x->envp);
	return ERR_OK;
}

static int ex_lookup_user(struct ex *x, struct err *e)
{
	const char *name = x->spec.user;
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (name == NULL || name[0] == '\0')
		return ERR_OK;
	if (getpwnam_r(name, &pw, buf, sizeof buf, &res) != 0 || res == NULL)
		return err_set(e, ERR_NOTFOUND, "user \"%s\" not found", name);
	if (geteuid() != 0) {
		if (pw.pw_uid == geteuid())
			return ERR_OK;
		return err_set(e, ERR_DENIED,
		               "cannot run as user \"%s\": the client is "
		               "not running as root",
		               name);
	}
	x->uid = pw.pw_uid;
	x->gid = pw.pw_gid;
	x->ngroups = (int)(sizeof x->groups / sizeof x->groups[0]);
	if (getgrouplist(name, pw.pw_gid, x->groups, &x->ngroups) < 0)
		x->ngroups = (int)(sizeof x->groups / sizeof x->groups[0]);
	x->set_user = true;
	return ERR_OK;
}

static int ex_pipe(int p[2], struct err *e)
{
	if (pipe2(p, O_CLOEXEC) != 0)
		return err_set(e, ERR_IO, "pipe: %s", strerror(errno));
	return ERR_OK;
}

/* Logs, cgroup, pipes: everything before the fork. */
static int ex_prepare(struct ex *x, struct err *e)
{
	struct executor_spec *s = &x->spec;
	int rc;
	if ((rc = ex_lookup_user(x, e)) != 0)
		return rc;
	x->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (x->devnull < 0)
		return err_set(e, ERR_IO, "open /dev/null: %s",
		               strerror(errno));
	if ((rc = executor_log_open(&x->log_out, s->log_dir, s->task_name,
	                            "stdout", s->log_max_files,
	                            s->log_max_bytes, e)) != 0 ||
	    (rc = executor_log_open(&x->log_err, s->log_dir, s->task_name,
	                            "stderr", s->log_max_files,
	                            s->log_max_bytes, e)) != 0)
		return rc;
	if (s->cgroup != NULL && s->cgroup[0] != '\0') {
		cgroup_detect(&x->cg);
		if ((rc = cgroup_create(&x->cg, s->cgroup, &s->limits, e)) != 0)
			return rc;
		x->cg_made = true;
	}
	if ((rc = ex_pipe(x->out, e)) != 0 || (rc = ex_pipe(x->err, e)) != 0 ||
	    (rc = ex_pipe(x->errp, e)) != 0 ||
	    (rc = ex_pipe(x->sync, e)) != 0 ||
	    (rc = ex_pipe(x->status, e)) != 0)
		return rc;
	return ERR_OK;
}

/* In any child: drop what belongs to the executor only. */
static void ex_child_close(struct ex *x)
{
	ex_close(&x->report_fd);
	ex_close(&x->out[0]);
	ex_close(&x->err[0]);
	ex_close(&x->errp[0]);
	ex_close(&x->sync[1]);
	ex_close(&x->status[0]);
	ex_close(&x->sfd);
	if (x->log_out.fd >= 0)
		ex_close(&x->log_out.fd);
	if (x->log_err.fd >= 0)
		ex_close(&x->log_err.fd);
}

static void __attribute__((noreturn)) ex_child(struct ex *x)
{
	char b;
	ex_child_close(x);
	/* Wait until the executor put us in the cgroup (or gave up). */
	if (read(x->sync[0], &b, 1) != 1)
		_exit(127);
	ex_close(&x->sync[0]);
	if (x->spec.isolate)
		ex_isolated_child(x);
	ex_task_exec(x, x->spec.task_dir);
}

static pid_t ex_spawn(struct ex *x)
{
	if (!x->spec.isolate)
		return fork();
	unsigned long flags = CLONE_NEWNS | CLONE_NEWUTS;
	if (!x->spec.pid_host)
		flags |= CLONE_NEWPID;
	if (!x->spec.ipc_host)
		flags |= CLONE_NEWIPC;
	/* Like fork (no new stack): the child runs on a copy of ours. */
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL,
	                      NULL);
}

/* Reads the children's error pipe to EOF: "" means the exec succeeded. */
static void ex_read_start_error(struct ex *x, char *msg, size_t size)
{
	size_t len = 0;
	ssize_t n;
	msg[0] = '\0';
	for (;;) {
		n = read(x->errp[0], msg + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) >= size - 1)
			break;
	}
	msg[len] = '\0';
	ex_close(&x->errp[0]);
}

/* Forks the task and waits for its exec. 0, or an error with the start
 * failure's message. */
static int ex_start(struct ex *x, struct err *e)
{
	char msg[1024];
	int st;
	x->child = ex_spawn(x);
	if (x->child < 0)
		return err_set(e, ERR_IO, "fork: %s", strerror(errno));
	if (x->child == 0)
		ex_child(x);
	ex_close(&x->out[1]);
	ex_close(&x->err[1]);
	ex_close(&x->errp[1]);
	ex_close(&x->sync[0]);
	ex_close(&x->status[1]);
	if (x->cg_made &&
	    cgroup_join(&x->cg, x->spec.cgroup, x->child, e) != 0) {
		kill(x->child, SIGKILL);
		waitpid(x->child, &st, 0);
		return e->code;
	}
	ex_write_all(x->sync[1], "1", 1);
	ex_close(&x->sync[1]);
	ex_read_start_error(x, msg, sizeof msg);
	if (msg[0] != '\0') {
		kill(x->child, SIGKILL);
		waitpid(x->child, &st, 0);
		return err_set(e, ERR_IO, "%s", msg);
	}
	(void)executor_proc_stat(x->child, NULL, &x->child_ticks, NULL);
	return ERR_OK;
}

/* Copies what is available on *fd into l; closes *fd at EOF. */
static void ex_pump(int *fd, struct executor_log *l)
{
	char buf[65536];
	ssize_t n = read(*fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		ex_close(fd);
		return;
	}
	int rc = executor_log_write(l, buf, (size_t)n);
	if (rc != 0)
		fprintf(stderr, "executor: write log: %s\n", strerror(rc));
}

/* Reaps every exited child (the executor is a subreaper, so a raw task's
 * orphans end up here). Returns true when the task's own child was among
 * them, with its wait status. Leftovers are killed while that child is
 * still a zombie, so its pid and process group cannot be reused yet. */
static bool ex_reap(struct ex *x, int *status)
{
	bool done = false;
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
		    si.si_pid == 0)
			return done;
		if (si.si_pid != x->child) {
			(void)waitpid(si.si_pid, NULL, 0);
			continue;
		}
		if (!x->spec.isolate)
			(void)kill(-x->child, SIGKILL);
		else if (x->spec.pid_host && x->cg_made)
			cgroup_kill(&x->cg, x->spec.cgroup);
		while (waitpid(x->child, status, 0) < 0 && errno == EINTR)
			;
		done = true;
	}
}

/* Copies logs until the child exited and the pipes are drained (bounded
 * once the child is gone). Returns the child's wait status. */
static int ex_wait(struct ex *x)
{
	int status = 0;
	bool exited = false;
	int64_t deadline = 0;
	for (;;) {
		struct pollfd p[3] = {{x->sfd, POLLIN, 0},
		                      {x->out[0], POLLIN, 0},
		                      {x->err[0], POLLIN, 0}};
		if (exited && ((x->out[0] < 0 && x->err[0] < 0) ||
		               ex_now_ms() >= deadline))
			break;
		int timeout = exited ? (int)(deadline - ex_now_ms()) : -1;
		if (poll(p, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents != 0)
			ex_pump(&x->out[0], &x->log_out);
		if (p[2].revents != 0)
			ex_pump(&x->err[0], &x->log_err);
		if (p[0].revents == 0)
			continue;
		struct signalfd_siginfo si;
		(void)!read(x->sfd, &si, sizeof si);
		if (ex_reap(x, &status) && !exited) {
			exited = true;
			deadline = ex_now_ms() + EX_DRAIN_MS;
		}
	}
	(void)ex_reap(x, &status);
	return status;
}

static void ex_finish(struct ex *x, int status)
{
	int tst = status, code, sig = 0;
	bool oom = false, maybe = false;
	/* The init reports the task's own status. */
	if (x->spec.isolate && !x->spec.pid_host &&
	    read(x->status[0], &tst, sizeof tst) != (ssize_t)sizeof tst)
		tst = status;
	if (WIFEXITED(tst)) {
		code = WEXITSTATUS(tst);
	} else if (WIFSIGNALED(tst)) {
		sig = WTERMSIG(tst);
		code = 128 + sig;
	} else {
		code = -1;
	}
	if (x->spec.cgroup != NULL && x->spec.cgroup[0] != '\0' &&
	    x->cg.version != 0) {
		oom = cgroup_oom_killed(&x->cg, x->spec.cgroup, &maybe) ||
		      (maybe && sig == SIGKILL);
		cgroup_destroy(&x->cg, x->spec.cgroup);
		x->cg_made = false;
	}
	ex_write_exit(x, code, sig, oom, NULL);
}

static void ex_release(struct ex *x)
{
	if (x->cg_made)
		cgroup_destroy(&x->cg, x->spec.cgroup);
	executor_log_close(&x->log_out);
	executor_log_close(&x->log_err);
	int *fds[] = {&x->out[0],    &x->out[1],    &x->err[0],  &x->err[1],
	              &x->errp[0],   &x->errp[1],   &x->sync[0], &x->sync[1],
	              &x->status[0], &x->status[1], &x->devnull, &x->report_fd,
	              &x->sfd};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		ex_close(fds[i]);
	mem_free(x->argv);
	mem_free(x->envp);
	executor_spec_release(&x->spec);
}

static int ex_run(struct ex *x, const char *spec_path)
{
	struct err e;
	sigset_t chld;
	int status;
	err_clear(&e);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if (ex_load(x, spec_path, &e) != 0 || ex_prepare(x, &e) != 0 ||
	    (x->sfd = signalfd(-1, &chld, SFD_CLOEXEC)) < 0 ||
	    ex_start(x, &e) != 0) {
		if (e.code == ERR_OK)
			err_set(&e, ERR_IO, "signalfd: %s", strerror(errno));
		ex_report(x, "err %s", e.msg);
		if (x->spec.task_name != NULL)
			ex_write_exit(x, -1, 0, false, e.msg);
		return 1;
	}
	uint64_t self_ticks = 0;
	(void)executor_proc_stat(0, NULL, &self_ticks, NULL);
	ex_write_pids(x, self_ticks);
	ex_report(x, "ok %d %llu", (int)x->child,
	          (unsigned long long)x->child_ticks);
	ex_close(&x->report_fd);
	status = ex_wait(x);
	ex_finish(x, status);
	return 0;
}

int executor_main(int argc, char **argv)
{
	struct ex x;
	uint64_t ticks = 0;
	memset(&x, 0, sizeof x);
	int *fds[] = {&x.out[0],    &x.out[1],    &x.err[0],  &x.err[1],
	              &x.errp[0],   &x.errp[1],   &x.sync[0], &x.sync[1],
	              &x.status[0], &x.status[1], &x.devnull, &x.sfd};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		*fds[i] = -1;
	x.log_out.fd = x.log_err.fd = -1;
	schema_json_init();
	ex_signals_default();
	(void)signal(SIGPIPE, SIG_IGN); /* a vanished agent is not fatal */
	setsid();
	/* A raw task's orphans are re-parented to us and reaped here. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	x.report_fd = fcntl(3, F_GETFD) >= 0 ? 3 : -1;
	if (x.report_fd >= 0)
		(void)fcntl(3, F_SETFD, FD_CLOEXEC);
	(void)executor_proc_stat(0, NULL, &ticks, NULL);
	ex_report(&x, "executor %d %llu", (int)getpid(),
	          (unsigned long long)ticks);
	if (argc != 2) {
		ex_report(&x, "err usage: steppe executor SPEC");
		fprintf(stderr, "usage: steppe executor SPEC (internal)\n");
		ex_close(&x.report_fd);
		return 1;
	}
	snprintf(x.state_dir, sizeof x.state_dir, "%s", argv[1]);
	char *slash = strrchr(x.state_dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(x.state_dir, sizeof x.state_dir, ".");
	int rc = ex_run(&x, argv[1]);
	ex_release(&x);
	return rc;
}
