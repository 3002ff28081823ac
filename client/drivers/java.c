/* client/drivers/java.c: `java [jvm_options] -jar jar | -cp cp class
 * [args]`, exec-isolated when exec is usable (root + memory cgroup), else
 * like raw_exec. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/drivers/drivers_int.h"

extern char **environ;

#define JAVA_VERSION_TIMEOUT_MS 15000

static const struct driver_key java_keys[] = {
    {"class", DRIVER_KEY_STRING, false},
    {"class_path", DRIVER_KEY_STRING, false},
    {"jar_path", DRIVER_KEY_STRING, false},
    {"jvm_options", DRIVER_KEY_LIST, false},
    {"args", DRIVER_KEY_LIST, false},
    {"work_dir", DRIVER_KEY_STRING, false},
    {"pid_mode", DRIVER_KEY_MODE, false},
    {"ipc_mode", DRIVER_KEY_MODE, false},
    {NULL, DRIVER_KEY_STRING, false},
};

static void java_validate(const struct value *config, struct errlist *l)
{
	driver_check_keys(config, java_keys, l);
	if (driver_config_str(config, "jar_path") == NULL &&
	    driver_config_str(config, "class") == NULL)
		errlist_add(l,
		            "config.jar_path or config.class: one is required");
}

/* ---- fingerprint -------------------------------------------------------- */

static int64_t java_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs `java -version` and collects its output (it prints to stderr).
 * Returns 0 when java ran and exited 0. */
static int java_version_output(char *out, size_t size)
{
	char *argv[] = {"java", "-version", NULL};
	posix_spawn_file_actions_t fa;
	int p[2], st = 0, rc;
	size_t len = 0;
	pid_t pid;
	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	rc = posix_spawnp(&pid, "java", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		return -1;
	}
	int64_t deadline = java_now_ms() + JAVA_VERSION_TIMEOUT_MS;
	for (;;) {
		struct pollfd pfd = {p[0], POLLIN, 0};
		int64_t left = deadline - java_now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		ssize_t n = read(p[0], out + len, size - 1 - len);
		if (n <= 0 || (len += (size_t)n) >= size - 1)
			break;
	}
	out[len] = '\0';
	close(p[0]);
	/* Its output ends a moment before it can be reaped. */
	struct timespec pause = {0, 5 * 1000 * 1000};
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (java_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Copies line (up to newline) trimmed into out. */
static void java_trim_line(const char *line, char *out, size_t size)
{
	const char *end = strchr(line, '\n');
	size_t n = end != NULL ? (size_t)(end - line) : strlen(line);
	while (n > 0 && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\r' ||
	                 line[n - 1] == '\t'))
		n--;
	snprintf(out, size, "%.*s", (int)n, line);
}

/* Nomad's parse: three lines (after an optional "Picked up
 * _JAVA_OPTIONS"); the version is the quoted part of the first. */
static int java_parse_version(const char *text, char *version, char *runtime,
                              char *vm, size_t size)
{
	const char *lines[4] = {0};
	int n = 0;
	while (*text == '\n' || *text == ' ')
		text++;
	if (strncmp(text, "Picked up _JAVA_OPTIONS", 23) == 0) {
		text = strchr(text, '\n');
		if (text == NULL)
			return -1;
		text++;
	}
	for (const char *p = text; p != NULL && *p != '\0' && n < 4;) {
		lines[n++] = p;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (n != 3)
		return -1;
	java_trim_line(lines[0], version, size);
	const char *q = strstr(lines[0], "version \"");
	if (q != NULL) {
		q += 9;
		const char *end = strchr(q, '"');
		if (end != NULL)
			snprintf(version, size, "%.*s", (int)(end - q), q);
	}
	java_trim_line(lines[1], runtime, size);
	java_trim_line(lines[2], vm, size);
	return 0;
}

static int java_fingerprint(const struct value *plugin_config,
                            struct drv_fingerprint *out)
{
	char text[4096], version[256], runtime[256], vm[256];
	(void)plugin_config;
	if (java_version_output(text, sizeof text) != 0 ||
	    java_parse_version(text, version, runtime, vm, sizeof version) !=
	        0) {
		driver_fp_set(out, false, false, "");
		return ERR_OK;
	}
	if (strmap_set(&out->attrs, "driver.java.version", version) != 0 ||
	    strmap_set(&out->attrs, "driver.java.runtime", runtime) != 0 ||
	    strmap_set(&out->attrs, "driver.java.vm", vm) != 0)
		return ERR_NOMEM;
	driver_fp_set(out, true, true, "Healthy");
	return ERR_OK;
}

/* ---- start -------------------------------------------------------------- */

static int java_argv(const struct drv_task *t, struct strlist *argv)
{
	const struct value *c = t->config;
	const char *jar = driver_config_str(c, "jar_path");
	const char *cp = driver_config_str(c, "class_path");
	if (strlist_push(argv, "java") != 0 ||
	    driver_config_list(c, "jvm_options", argv) != 0)
		return ERR_NOMEM;
	if (jar != NULL) {
		if (strlist_push(argv, "-jar") != 0 ||
		    strlist_push(argv, jar) != 0)
			return ERR_NOMEM;
	} else {
		if (cp != NULL && (strlist_push(argv, "-cp") != 0 ||
		                   strlist_push(argv, cp) != 0))
			return ERR_NOMEM;
		if (strlist_push(argv, driver_config_str(c, "class")) != 0)
			return ERR_NOMEM;
	}
	return driver_config_list(c, "args", argv);
}

static int java_prepare(const struct drv_task *t, struct executor_spec *s,
                        struct err *e)
{
	char why[128];
	if (java_argv(t, &s->argv) != 0)
		return err_set(e, ERR_NOMEM, "out of memory");
	if (!driver_exec_usable(why, sizeof why))
		return ERR_OK;
	return driver_exec_isolate(t, s, e);
}

const struct driver_ops driver_java_ops = {
    .name = "java",
    .validate = java_validate,
    .fingerprint = java_fingerprint,
    .prepare = java_prepare,
};
