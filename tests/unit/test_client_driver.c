/* Unit tests for client/drivers and the executor: real processes started
 * through the steppe binary of the same build ($STEPPE_BIN, else
 * <dir of this binary>/../steppe). exec and java tests print "skip" and
 * pass where they cannot run (not root, no cgroups, no JDK). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/driver.h"
#include "lib/id.h"
#include "lib/mem.h"
#include "tests/lib/unit.h"

/* ---- fixture ------------------------------------------------------------ */

struct fx {
	char root[256];
	char alloc_id[ID_LEN + 1];
	char alloc_dir[320], task_dir[400], state_dir[320], log_dir[400];
	char env_task_dir[450];
	struct value config;
	char *env[6];
	struct drv_task t;
};

static void fx_path(char *out, size_t size, const char *a, const char *b)
{
	ck_assert_int_lt(snprintf(out, size, "%s/%s", a, b), (int)size);
}

static void fx_mkdir(const char *dir)
{
	ck_assert_msg(mkdir(dir, 0755) == 0 || errno == EEXIST, "mkdir %s: %s",
	              dir, strerror(errno));
}

static void fx_executor_path(void)
{
	const char *bin = getenv("STEPPE_BIN");
	char self[PATH_MAX], path[PATH_MAX + 16];
	if (bin != NULL && bin[0] != '\0' && access(bin, X_OK) == 0) {
		driver_set_executor_path(bin);
		return;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	ck_assert(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof path, "%s/../steppe", self);
	ck_assert_msg(access(path, X_OK) == 0, "no steppe binary at %s", path);
	driver_set_executor_path(path);
}

static void fx_init(struct fx *f, const char *driver, const char *task)
{
	char tmp[512];
	memset(f, 0, sizeof *f);
	snprintf(f->root, sizeof f->root, "/tmp/steppe-drv-XXXXXX");
	ck_assert(mkdtemp(f->root) != NULL);
	/* A fresh ID: parallel runs must not share cgroups. */
	ck_assert_int_eq(id_new(f->alloc_id), 0);
	fx_path(f->alloc_dir, sizeof f->alloc_dir, f->root, f->alloc_id);
	fx_mkdir(f->alloc_dir);
	fx_path(tmp, sizeof tmp, f->alloc_dir, "alloc");
	fx_mkdir(tmp);
	fx_path(f->log_dir, sizeof f->log_dir, tmp, "logs");
	fx_mkdir(f->log_dir);
	fx_path(f->task_dir, sizeof f->task_dir, f->alloc_dir, task);
	fx_mkdir(f->task_dir);
	const char *subs[] = {"local", "secrets", "tmp"};
	for (int i = 0; i < 3; i++) {
		fx_path(tmp, sizeof tmp, f->task_dir, subs[i]);
		fx_mkdir(tmp);
	}
	fx_path(f->state_dir, sizeof f->state_dir, f->root, "state");
	fx_mkdir(f->state_dir);
	snprintf(f->env_task_dir, sizeof f->env_task_dir, "NOMAD_TASK_DIR=%s",
	         f->task_dir);
	f->env[0] = "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	f->env[1] = "FOO=bar baz";
	f->env[2] = f->env_task_dir;
	f->env[3] = NULL;
	f->config.kind = VALUE_MAP;
	f->t = (struct drv_task){
	    .alloc_id = f->alloc_id,
	    .task_name = task,
	    .driver = driver,
	    .alloc_dir = f->alloc_dir,
	    .task_dir = f->task_dir,
	    .state_dir = f->state_dir,
	    .log_dir = f->log_dir,
	    .config = &f->config,
	    .env = f->env,
	    .cpu_mhz = 100,
	    .memory_mb = 64,
	};
	fx_executor_path();
	/* Executors re-parent to us instead of PID 1, and are reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static int fx_rm(const char *path, const struct stat *st, int flag,
                 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void fx_release(struct fx *f)
{
	value_release(&f->config);
	nftw(f->root, fx_rm, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void fx_str(struct fx *f, const char *key, const char *val)
{
	struct value *v = value_map_append(&f->config, key);
	ck_assert(v != NULL);
	ck_assert_int_eq(value_set_string(v, val), 0);
}

/* key = [args...] (NULL-terminated). */
static void fx_list(struct fx *f, const char *key, ...)
{
	struct value *l = value_map_append(&f->config, key);
	va_list ap;
	const char *s;
	ck_assert(l != NULL);
	l->kind = VALUE_LIST;
	va_start(ap, key);
	while ((s = va_arg(ap, const char *)) != NULL) {
		struct value *it = value_list_append(l);
		ck_assert(it != NULL);
		ck_assert_int_eq(value_set_string(it, s), 0);
	}
	va_end(ap);
}

/* command = /bin/sh, args = ["-c", script]. */
static void fx_sh(struct fx *f, const char *script)
{
	fx_str(f, "command", "/bin/sh");
	fx_list(f, "args", "-c", script, NULL);
}

static int64_t fx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fx_start(struct fx *f, struct drv_handle *h)
{
	struct err e;
	err_clear(&e);
	int rc = driver_start(&f->t, h, &e);
	ck_assert_msg(rc == 0, "driver_start: %s", e.msg);
	ck_assert_int_gt(h->pid, 0);
	ck_assert_int_gt(h->executor_pid, 0);
}

/* Waits (deadline) for the executor to finish, returns its result. */
static void fx_wait(const struct drv_handle *h, int timeout_ms,
                    struct drv_exit *x)
{
	int fd = driver_wait_fd(h);
	if (fd >= 0) {
		struct pollfd p = {fd, POLLIN, 0};
		int rc = poll(&p, 1, timeout_ms);
		close(fd);
		ck_assert_msg(rc == 1, "executor still running after %d ms",
		              timeout_ms);
	}
	ck_assert(!driver_alive(h));
	ck_assert_int_eq(driver_exit_result(h, x), 0);
	driver_cleanup(h);
}

/* Waits until path exists. */
static void fx_wait_file(const char *path, int timeout_ms)
{
	int64_t deadline = fx_now_ms() + timeout_ms;
	struct timespec pause = {0, 10 * 1000 * 1000};
	while (access(path, F_OK) != 0) {
		ck_assert_msg(fx_now_ms() < deadline, "%s did not appear",
		              path);
		nanosleep(&pause, NULL);
	}
}

static char *fx_read(const char *dir, const char *name, size_t *len)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return unit_read_file(path, len);
}

/* The process is gone or a zombie. */
static bool fx_pid_gone(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return true;
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p != NULL && (p[2] == 'Z' || p[2] == 'X');
}

static bool fx_exec_usable(void)
{
	struct drv_fingerprint fp;
	ck_assert_int_eq(driver_fingerprint("exec", NULL, &fp), 0);
	bool ok = fp.detected && fp.healthy;
	if (!ok)
		printf("skip: exec driver unavailable: %s\n", fp.health_desc);
	driver_fingerprint_release(&fp);
	return ok;
}

/* ---- raw_exec ----------------------------------------------------------- */

START_TEST(raw_exec_runs_and_logs)
{
	struct fx f;
	struct drv_handle h;
	struct drv_exit x;
	char want[600];
	size_t len;
	fx_init(&f, "raw_exec", "web");
	fx_sh(&f, "echo out; echo err >&2; echo \"$FOO\"; pwd; exit 3");
	fx_start(&f, &h);
	ck_assert_str_eq(h.driver, "raw_exec");
	ck_assert(!h.isolated);
	fx_wait(&h, 5000, &x);
	ck_assert_int_eq(x.exit_code, 3);
	ck_assert_int_eq(x.signal, 0);
	ck_assert(!x.oom_killed);
	ck_assert_str_eq(x.err, "");
	char *out = fx_read(f.log_dir, "web.stdout.0", &len);
	char *err = fx_read(f.log_dir, "web.stderr.0", &len);
	ck_assert(out != NULL && err != NULL);
	snprintf(want, sizeof want, "out\nbar baz\n%s\n", f.task_dir);
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(err, "err\n");
	mem_free(out);
	mem_free(err);
	/* pid.json names both processes for a restarted agent. */
	char *pids = fx_read(f.state_dir, "pid.json", &len);
	ck_assert(pids != NULL && strstr(pids, "\"ExecutorPid\"") != NULL);
	mem_free(pids);
	fx_release(&f);
}
END_TEST

START_TEST(raw_exec_signal_kills_group)
{
	struct fx f;
	struct drv_handle h;
	struct drv_exit x;
	char path[600];
	size_t len;
	fx_init(&f, "raw_exec", "sleeper");
	fx_sh(&f, "sleep 100 & echo $! > child.pid; exec sleep 101");
	fx_start(&f, &h);
	ck_assert(driver_alive(&h));
	fx_path(path, sizeof path, f.task_dir, "child.pid");
	fx_wait_file(path, 5000);
	char *text = NULL;
	int64_t deadline = fx_now_ms() + 5000;
	while ((text = fx_read(f.task_dir, "child.pid", &len)) != NULL &&
	       len == 0 && fx_now_ms() < deadline)
		mem_free(text);
	ck_assert(text != NULL && len > 0);
	pid_t child = (pid_t)atoi(text);
	mem_free(text);
	ck_assert_int_gt(child, 0);
	ck_assert(!fx_pid_gone(child));
	ck_assert_int_eq(driver_signal(&h, SIGTERM), 0);
	fx_wait(&h, 5000, &x);
	ck_assert_int_eq(x.signal, SIGTERM);
	ck_assert_int_eq(x.exit_code, 128 + SIGTERM);
	deadline = fx_now_ms() + 3000;
	while (!fx_pid_gone(child) && fx_now_ms() < deadline)
		(void)waitpid(-1, NULL, WNOHANG);
	ck_assert_msg(fx_pid_gone(child), "the task's child survived");
	/* A task that is gone is not an error. */
	ck_assert_int_eq(driver_signal(&h, SIGTERM), 0);
	fx_release(&f);
}
END_TEST

START_TEST(raw_exec_missing_binary)
{
	struct fx f;
	struct drv_handle h;
	struct err e;
	fx_init(&f, "raw_exec", "web");
	fx_str(&f, "command", "/no/such");
	err_clear(&e);
	ck_assert_int_ne(driver_start(&f.t, &h, &e), 0);
	ck_assert_msg(strstr(e.msg, "failed to start task: exec \"/no/such\": "
	                            "no such file or directory") != NULL,
	              "got: %s", e.msg);
	/* Not in $PATH either. */
	value_release(&f.config);
	f.config.kind = VALUE_MAP;
	fx_str(&f, "command", "no-such-command-xyz");
	err_clear(&e);
	ck_assert_int_ne(driver_start(&f.t, &h, &e), 0);
	ck_assert_msg(strstr(e.msg, "executable file not found in $PATH") !=
	                  NULL,
	              "got: %s", e.msg);
	fx_release(&f);
}
END_TEST

/* Three 1 MB blocks "a", "b", "c" with 1 MB files, 2 kept. */
START_TEST(raw_exec_log_rotation)
{
	struct fx f;
	struct drv_handle h;
	struct drv_exit x;
	size_t len;
	fx_init(&f, "raw_exec", "big");
	f.t.log_max_files = 2;
	f.t.log_max_file_size_mb = 1;
	fx_sh(&f, "for c in a b c; do head -c 1048576 /dev/zero | "
	          "tr '\\0' $c; done");
	fx_start(&f, &h);
	fx_wait(&h, 10000, &x);
	ck_assert_int_eq(x.exit_code, 0);
	char path[600];
	fx_path(path, sizeof path, f.log_dir, "big.stdout.0");
	ck_assert_msg(access(path, F_OK) != 0, "oldest file kept");
	char *one = fx_read(f.log_dir, "big.stdout.1", &len);
	ck_assert(one != NULL);
	ck_assert_int_eq(len, 1048576);
	ck_assert(one[0] == 'b' && one[len - 1] == 'b');
	mem_free(one);
	char *two = fx_read(f.log_dir, "big.stdout.2", &len);
	ck_assert(two != NULL);
	ck_assert_int_eq(len, 1048576);
	ck_assert(two[0] == 'c' && two[len - 1] == 'c');
	mem_free(two);
	/* A new run (a restart) goes on from the highest index. */
	value_release(&f.config);
	f.config.kind = VALUE_MAP;
	fx_sh(&f, "echo tail");
	fx_start(&f, &h);
	fx_wait(&h, 5000, &x);
	char *three = fx_read(f.log_dir, "big.stdout.3", &len);
	ck_assert(three != NULL);
	ck_assert_str_eq(three, "tail\n");
	mem_free(three);
	fx_path(path, sizeof path, f.log_dir, "big.stdout.1");
	ck_assert_msg(access(path, F_OK) != 0, "max_files not enforced");
	fx_path(path, sizeof path, f.log_dir, "big.stdout.2");
	ck_assert(access(path, F_OK) == 0);
	fx_release(&f);
}
END_TEST

START_TEST(raw_exec_reattach)
{
	struct fx f;
	struct drv_handle h;
	struct drv_exit x;
	struct err e;
	char path[600];
	fx_init(&f, "raw_exec", "web");
	fx_sh(&f, "while [ ! -f stop ]; do sleep 0.02; done; exit 7");
	fx_start(&f, &h);
	/* The agent dies: only the persisted handle is left. */
	json_t *j = driver_handle_to_json(&h);
	ck_assert(j != NULL);
	char *saved = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	ck_assert(saved != NULL);
	memset(&h, 0xff, sizeof h);
	j = json_loads(saved, 0, NULL);
	mem_free(saved);
	ck_assert(j != NULL);
	err_clear(&e);
	ck_assert_int_eq(driver_handle_from_json(j, &h, &e), 0);
	json_decref(j);
	ck_assert(driver_alive(&h));
	uint64_t rss = 0, ticks = 0;
	ck_assert_int_eq(driver_stats(&h, &rss, &ticks), 0);
	ck_assert_uint_gt(rss, 0);
	int fd = driver_wait_fd(&h);
	ck_assert_int_ge(fd, 0);
	struct pollfd p = {fd, POLLIN, 0};
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	fx_path(path, sizeof path, f.task_dir, "stop");
	int sfd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(sfd, 0);
	close(sfd);
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	close(fd);
	ck_assert(!driver_alive(&h));
	ck_assert_int_eq(driver_exit_result(&h, &x), 0);
	ck_assert_int_eq(x.exit_code, 7);
	/* A handle whose process is gone. */
	ck_assert_int_lt(driver_wait_fd(&h), 0);
	fx_release(&f);
}
END_TEST

START_TEST(executor_killed_has_no_result)
{
	struct fx f;
	struct drv_handle h;
	struct drv_exit x;
	fx_init(&f, "raw_exec", "web");
	fx_sh(&f, "exec sleep 100");
	fx_start(&f, &h);
	ck_assert_int_eq(kill(h.executor_pid, SIGKILL), 0);
	int fd = driver_wait_fd(&h);
	if (fd >= 0) {
		struct pollfd p = {fd, POLLIN, 0};
		ck_assert_int_eq(poll(&p, 1, 5000), 1);
		close(fd);
	}
	ck_assert_int_eq(driver_exit_result(&h, &x), 0);
	ck_assert_int_eq(x.exit_code, -1);
	ck_assert_str_eq(x.err, "executor exited without a result");
	/* Cleanup kills the orphaned task. */
	driver_cleanup(&h);
	int64_t deadline = fx_now_ms() + 3000;
	while (!fx_pid_gone(h.pid) && fx_now_ms() < deadline)
		(void)waitpid(-1, NULL, WNOHANG);
	ck_assert(fx_pid_gone(h.pid));
	fx_release(&f);
}
END_TEST

/* ---- exec --------------------------------------------------------------- */

/* Whether the host's mount table mentions dir. */
static bool fx_mounted_under(const char *dir)
{
	char *text = unit_read_file("/proc/self/mountinfo", NULL);
	ck_assert(text != NULL);
	bool found = strstr(text, dir) != NULL;
	mem_free(text);
	return found;
}

START_TEST(exec_isolates)
{
	struct fx f;
	struct drv_handle h;
	struct drv_exit x;
	size_t len;
	fx_init(&f, "exec", "iso");
	if (!fx_exec_usable()) {
		fx_release(&f);
		return;
	}
	fx_sh(&f, "echo pid=$$; for p in /proc/[0-9]*; do echo proc=$p; done; "
	          "test -e /root/. && echo root=yes || echo root=no; "
	          "test -e /work && echo work=yes || echo work=no; "
	          "echo shared > /alloc/from-task; ls -d /local; "
	          "cat /proc/self/cgroup | grep memory");
	fx_start(&f, &h);
	ck_assert(h.isolated);
	char cg[300];
	snprintf(cg, sizeof cg, "steppe/%s.iso", f.alloc_id);
	ck_assert_str_eq(h.cgroup, cg);
	fx_wait(&h, 10000, &x);
	char *err = fx_read(f.log_dir, "iso.stderr.0", &len);
	char *out = fx_read(f.log_dir, "iso.stdout.0", &len);
	ck_assert(out != NULL);
	ck_assert_msg(x.exit_code == 0, "exit %d, stderr: %s", x.exit_code,
	              err != NULL ? err : "");
	ck_assert_msg(strstr(out, "pid=2\n") != NULL, "out: %s", out);
	ck_assert(strstr(out, "proc=/proc/1\n") != NULL);
	int procs = 0;
	for (const char *p = out; (p = strstr(p, "proc=")) != NULL; p++)
		procs++;
	ck_assert_msg(procs <= 3, "sees %d processes:\n%s", procs, out);
	ck_assert(strstr(out, "root=no\n") != NULL);
	ck_assert(strstr(out, "work=no\n") != NULL);
	ck_assert(strstr(out, "/local\n") != NULL);
	ck_assert_msg(strstr(out, cg) != NULL, "out: %s", out);
	mem_free(out);
	mem_free(err);
	char shared[600];
	fx_path(shared, sizeof shared, f.alloc_dir, "alloc/from-task");
	ck_assert(access(shared, F_OK) == 0);
	/* Nothing leaks onto the host: no mounts, no cgroup. */
	ck_assert(!fx_mounted_under(f.task_dir));
	char cgdir[400];
	snprintf(cgdir, sizeof cgdir, "/sys/fs/cgroup/memory/%s", cg);
	ck_assert(access(cgdir, F_OK) != 0);
	fx_release(&f);
}
END_TEST

START_TEST(exec_memory_limit_oom)
{
	struct fx f;
	struct drv_handle h;
	struct drv_exit x;
	size_t len;
	fx_init(&f, "exec", "hog");
	if (!fx_exec_usable()) {
		fx_release(&f);
		return;
	}
	f.t.memory_mb = 32;
	fx_sh(&f, "x=$(head -c 200000000 /dev/zero | tr '\\0' a); "
	          "echo survived");
	fx_start(&f, &h);
	fx_wait(&h, 20000, &x);
	ck_assert_msg(x.oom_killed, "exit %d signal %d", x.exit_code, x.signal);
	ck_assert_int_eq(x.signal, SIGKILL);
	char *out = fx_read(f.log_dir, "hog.stdout.0", &len);
	ck_assert(out != NULL && strstr(out, "survived") == NULL);
	mem_free(out);
	ck_assert(!fx_mounted_under(f.task_dir));
	fx_release(&f);
}
END_TEST

START_TEST(exec_signal_and_missing_binary)
{
	struct fx f;
	struct drv_handle h;
	struct drv_exit x;
	struct err e;
	fx_init(&f, "exec", "sleeper");
	if (!fx_exec_usable()) {
		fx_release(&f);
		return;
	}
	fx_str(&f, "command", "sleep");
	fx_list(&f, "args", "100", NULL);
	fx_start(&f, &h);
	ck_assert(driver_alive(&h));
	uint64_t rss = 0, ticks = 0;
	ck_assert_int_eq(driver_stats(&h, &rss, &ticks), 0);
	ck_assert_uint_gt(rss, 0);
	ck_assert_int_eq(driver_signal(&h, SIGTERM), 0);
	fx_wait(&h, 5000, &x);
	ck_assert_int_eq(x.signal, SIGTERM);
	ck_assert_int_eq(driver_stats(&h, &rss, &ticks), ERR_NOTFOUND);
	/* Inside the chroot the host's binaries outside it do not exist. */
	value_release(&f.config);
	f.config.kind = VALUE_MAP;
	fx_str(&f, "command", f.t.state_dir);
	err_clear(&e);
	ck_assert_int_ne(driver_start(&f.t, &h, &e), 0);
	ck_assert_msg(strstr(e.msg, "no such file or directory") != NULL,
	              "got: %s", e.msg);
	ck_assert(!fx_mounted_under(f.task_dir));
	fx_release(&f);
}
END_TEST

/* ---- java --------------------------------------------------------------- */

static const char java_src[] =
    "import com.sun.net.httpserver.HttpServer;\n"
    "import java.net.InetSocketAddress;\n"
    "public class Hello {\n"
    "  public static void main(String[] a) throws Exception {\n"
    "    int port = Integer.parseInt(System.getProperty(\"server.port\"));\n"
    "    HttpServer s = HttpServer.create(\n"
    "        new InetSocketAddress(\"127.0.0.1\", port), 0);\n"
    "    s.createContext(\"/\", x -> {\n"
    "      byte[] b = \"hello\".getBytes();\n"
    "      x.sendResponseHeaders(200, b.length);\n"
    "      x.getResponseBody().write(b);\n"
    "      x.close();\n"
    "    });\n"
    "    s.start();\n"
    "  }\n"
    "}\n";

static int fx_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t n = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
	ck_assert(getsockname(s, (struct sockaddr *)&a, &n) == 0);
	close(s);
	return ntohs(a.sin_port);
}

/* One HTTP GET; true when the answer holds "hello". */
static bool fx_http_hello(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port)};
	char buf[1024];
	size_t len = 0;
	ssize_t n;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
		close(s);
		return false;
	}
	const char req[] = "GET / HTTP/1.0\r\n\r\n";
	if (write(s, req, sizeof req - 1) != (ssize_t)sizeof req - 1) {
		close(s);
		return false;
	}
	while (len < sizeof buf - 1 &&
	       (n = read(s, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(s);
	return strstr(buf, "hello") != NULL;
}

static bool fx_build_jar(struct fx *f)
{
	char cmd[2048], path[600];
	fx_path(path, sizeof path, f->root, "Hello.java");
	FILE *fp = fopen(path, "w");
	ck_assert(fp != NULL);
	fputs(java_src, fp);
	fclose(fp);
	snprintf(cmd, sizeof cmd,
	         "cd %s && javac -d classes Hello.java && "
	         "jar cfe %s/local/app.jar Hello -C classes . ",
	         f->root, f->task_dir);
	return system(cmd) == 0;
}

START_TEST(java_http_server)
{
	struct fx f;
	struct drv_handle h;
	struct drv_exit x;
	struct drv_fingerprint fp;
	char opt[64];
	fx_init(&f, "java", "app");
	ck_assert_int_eq(driver_fingerprint("java", NULL, &fp), 0);
	bool have =
	    fp.detected && system("javac -version >/dev/null 2>&1") == 0;
	if (have) {
		ck_assert(fp.healthy);
		ck_assert_str_eq(strmap_get(&fp.attrs, "driver.java"), "1");
		const char *v = strmap_get(&fp.attrs, "driver.java.version");
		ck_assert(v != NULL && v[0] >= '1' && v[0] <= '9');
		ck_assert(strmap_get(&fp.attrs, "driver.java.runtime") != NULL);
		ck_assert(strmap_get(&fp.attrs, "driver.java.vm") != NULL);
	}
	driver_fingerprint_release(&fp);
	if (!have || !fx_build_jar(&f)) {
		printf("skip: no JDK (java, javac, jar)\n");
		fx_release(&f);
		return;
	}
	int port = fx_free_port();
	snprintf(opt, sizeof opt, "-Dserver.port=%d", port);
	fx_str(&f, "jar_path", "local/app.jar");
	fx_list(&f, "jvm_options", opt, "-Xmx64m", "-Xss512k", NULL);
	f.t.memory_mb = 512;
	fx_start(&f, &h);
	/* Isolated exactly when the exec driver is usable. */
	ck_assert_int_eq(h.isolated, fx_exec_usable());
	int64_t deadline = fx_now_ms() + 25000;
	struct timespec pause = {0, 50 * 1000 * 1000};
	bool ok = false;
	while (!(ok = fx_http_hello(port)) && fx_now_ms() < deadline &&
	       driver_alive(&h))
		nanosleep(&pause, NULL);
	if (!ok) {
		size_t len;
		char *err = fx_read(f.log_dir, "app.stderr.0", &len);
		ck_abort_msg("no answer from the java task (isolated %d): %s",
		             h.isolated, err != NULL ? err : "");
	}
	ck_assert_int_eq(driver_signal(&h, SIGTERM), 0);
	fx_wait(&h, 10000, &x);
	ck_assert(x.exit_code != 0 || x.signal != 0);
	ck_assert(!fx_mounted_under(f.task_dir));
	fx_release(&f);
}
END_TEST

/* ---- pure parts --------------------------------------------------------- */

static void fx_expect_invalid(const char *driver, const struct value *config,
                              const char *want)
{
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(driver_validate(driver, config, &e), ERR_VALIDATE);
	ck_assert_msg(strstr(e.msg, want) != NULL, "want \"%s\" in \"%s\"",
	              want, e.msg);
}

START_TEST(validate_messages)
{
	struct value c = {.kind = VALUE_MAP};
	struct err e;
	fx_expect_invalid("raw_exec", &c,
	                  "config.command: missing required "
	                  "field");
	fx_expect_invalid("raw_exec", NULL,
	                  "config.command: missing required "
	                  "field");
	fx_expect_invalid("java", &c,
	                  "config.jar_path or config.class: one is required");
	ck_assert_int_eq(
	    value_set_string(value_map_append(&c, "command"), "/bin/true"), 0);
	err_clear(&e);
	ck_assert_int_eq(driver_validate("raw_exec", &c, &e), 0);
	ck_assert_int_eq(driver_validate("exec", &c, &e), 0);
	ck_assert_int_eq(value_set_string(value_map_append(&c, "args"), "-x"),
	                 0);
	fx_expect_invalid("raw_exec", &c,
	                  "config.args: must be a list of strings");
	ck_assert_int_eq(value_set_string(value_map_append(&c, "foo"), "1"), 0);
	fx_expect_invalid("raw_exec", &c, "config.foo: unsupported argument");
	ck_assert_int_eq(
	    value_set_string(value_map_append(&c, "pid_mode"), "shared"), 0);
	fx_expect_invalid("exec", &c,
	                  "config.pid_mode: must be \"private\" or \"host\"");
	/* raw_exec has no pid_mode; every problem is listed. */
	err_clear(&e);
	driver_validate("raw_exec", &c, &e);
	ck_assert_msg(strstr(e.msg, "3 errors occurred") != NULL, "%s", e.msg);
	value_release(&c);
	/* A list of numbers is accepted (as text), a nested list is not. */
	c.kind = VALUE_MAP;
	ck_assert_int_eq(
	    value_set_string(value_map_append(&c, "class"), "Main"), 0);
	struct value *l = value_map_append(&c, "args");
	l->kind = VALUE_LIST;
	struct value *n = value_list_append(l);
	n->kind = VALUE_INT;
	n->u.i = 8080;
	ck_assert_int_eq(driver_validate("java", &c, &e), 0);
	value_list_append(l)->kind = VALUE_LIST;
	fx_expect_invalid("java", &c, "config.args: must be a list of strings");
	value_release(&c);
	ck_assert_int_eq(driver_validate("docker2", NULL, &e), ERR_NOTFOUND);
	ck_assert(!driver_known("docker2"));
	ck_assert(driver_known("raw_exec") && driver_known("exec") &&
	          driver_known("java"));
}
END_TEST

START_TEST(fingerprint_raw_exec)
{
	struct drv_fingerprint fp;
	struct value cfg = {.kind = VALUE_MAP};
	ck_assert_int_eq(driver_fingerprint("raw_exec", NULL, &fp), 0);
	ck_assert(fp.detected && fp.healthy);
	ck_assert_str_eq(strmap_get(&fp.attrs, "driver.raw_exec"), "1");
	driver_fingerprint_release(&fp);
	struct value *en = value_map_append(&cfg, "enabled");
	en->kind = VALUE_BOOL;
	en->u.b = false;
	ck_assert_int_eq(driver_fingerprint("raw_exec", &cfg, &fp), 0);
	ck_assert(!fp.detected && !fp.healthy);
	ck_assert_str_eq(fp.health_desc, "disabled");
	ck_assert(strmap_get(&fp.attrs, "driver.raw_exec") == NULL);
	driver_fingerprint_release(&fp);
	value_release(&cfg);
	ck_assert_int_eq(driver_fingerprint("nope", NULL, &fp), ERR_NOTFOUND);
	ck_assert_int_eq(driver_fingerprint("exec", NULL, &fp), 0);
	if (geteuid() != 0)
		ck_assert(!fp.detected);
	driver_fingerprint_release(&fp);
}
END_TEST

START_TEST(handle_json)
{
	struct drv_handle h = {.pid = 42,
	                       .executor_pid = 41,
	                       .executor_start_ticks = 123456789012ull,
	                       .task_start_ticks = 7,
	                       .isolated = true};
	struct drv_handle back;
	struct err e;
	snprintf(h.driver, sizeof h.driver, "exec");
	snprintf(h.state_dir, sizeof h.state_dir, "/var/steppe/x");
	snprintf(h.cgroup, sizeof h.cgroup, "steppe/a.b");
	json_t *j = driver_handle_to_json(&h);
	ck_assert(j != NULL);
	ck_assert_int_eq(driver_handle_from_json(j, &back, &e), 0);
	ck_assert_mem_eq(&h, &back, sizeof h);
	json_object_set_new(j, "Pid", json_string("x"));
	ck_assert_int_eq(driver_handle_from_json(j, &back, &e), ERR_DECODE);
	ck_assert_str_eq(e.msg, "handle.Pid: must be a non-negative integer");
	json_object_set_new(j, "Pid", json_integer(1));
	json_object_set_new(j, "Driver", json_string("docker2"));
	ck_assert_int_eq(driver_handle_from_json(j, &back, &e), ERR_DECODE);
	json_decref(j);
	ck_assert(!driver_alive(&h) || getpid() == 41);
}
END_TEST

static Suite *client_driver_suite(void)
{
	Suite *s = suite_create("client_driver");
	TCase *tc = unit_tcase(s, "pure", 10);
	tcase_add_test(tc, validate_messages);
	tcase_add_test(tc, fingerprint_raw_exec);
	tcase_add_test(tc, handle_json);
	tc = unit_tcase(s, "raw_exec", 30);
	tcase_add_test(tc, raw_exec_runs_and_logs);
	tcase_add_test(tc, raw_exec_signal_kills_group);
	tcase_add_test(tc, raw_exec_missing_binary);
	tcase_add_test(tc, raw_exec_log_rotation);
	tcase_add_test(tc, raw_exec_reattach);
	tcase_add_test(tc, executor_killed_has_no_result);
	tc = unit_tcase(s, "exec", 40);
	tcase_add_test(tc, exec_isolates);
	tcase_add_test(tc, exec_memory_limit_oom);
	tcase_add_test(tc, exec_signal_and_missing_binary);
	tc = unit_tcase(s, "java", 60);
	tcase_add_test(tc, java_http_server);
	return s;
}

UNIT_MAIN(client_driver_suite)
