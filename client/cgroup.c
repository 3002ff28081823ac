#include "client/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *const cgroup_names[CGROUP_NCTL] = {"memory", "cpu",
                                                      "cpuacct", "pids"};

/* ---- small file helpers ------------------------------------------------- */

/* Writes s to path; 0 or an errno value. */
static int cg_write(const char *dir, const char *file, const char *s)
{
	char path[512];
	int fd, rc = 0;
	size_t n = strlen(s);
	if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
		return ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, s, n) != (ssize_t)n)
		rc = errno != 0 ? errno : EIO;
	close(fd);
	return rc;
}

/* Reads up to size-1 bytes of dir/file; -1 on error. */
static ssize_t cg_read(const char *dir, const char *file, char *out,
                       size_t size)
{
	char path[512];
	ssize_t n, total = 0;
	int fd;
	if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)total < size - 1 &&
	       (n = read(fd, out + total, size - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	out[total] = '\0';
	return total;
}

/* The value of "key N" in a flat-keyed file's text, or -1. */
static int64_t cg_keyed(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *p = text;
	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* The directory of rel in a hierarchy mounted at mount. */
static int cg_dir(const char *mount, const char *rel, char *out, size_t size)
{
	return snprintf(out, size, "%s/%s", mount, rel) >= (int)size ? -1 : 0;
}

/* ---- detection ---------------------------------------------------------- */

static bool cg_has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);
	for (const char *p = list; p != NULL && *p != '\0';) {
		if (strncmp(p, tok, n) == 0 && (p[n] == ',' || p[n] == '\0' ||
		                                p[n] == '\n' || p[n] == ' '))
			return true;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return false;
}

/* One mountinfo line: the v1 controllers it carries. */
static void cg_mountinfo_line(struct cgroup_sys *s, char *line)
{
	char *save = NULL, *tok, *mnt = NULL, *fstype = NULL, *opts = NULL;
	int field = 0;
	bool dash = false;
	for (tok = strtok_r(line, " \n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \n", &save), field++) {
		if (field == 4)
			mnt = tok;
		else if (!dash && strcmp(tok, "-") == 0)
			dash = true, field = 100;
		else if (dash && field == 101)
			fstype = tok;
		else if (dash && field == 103)
			opts = tok;
	}
	if (mnt == NULL || fstype == NULL || opts == NULL ||
	    strcmp(fstype, "cgroup") != 0 || strlen(mnt) >= sizeof s->mount[0])
		return;
	for (int c = 0; c < CGROUP_NCTL; c++)
		if (s->mount[c][0] == '\0' &&
		    cg_has_token(opts, cgroup_names[c]))
			snprintf(s->mount[c], sizeof s->mount[c], "%s", mnt);
}

static void cg_detect_v1(struct cgroup_sys *s)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	if (f == NULL) {
		snprintf(s->why, sizeof s->why,
		         "Failed to discover cgroup mount point");
		return;
	}
	while (fgets(line, sizeof line, f) != NULL)
		cg_mountinfo_line(s, line);
	fclose(f);
	if (s->mount[CGROUP_MEMORY][0] == '\0' ||
	    access(s->mount[CGROUP_MEMORY], W_OK) != 0) {
		snprintf(s->why, sizeof s->why,
		         "Failed to discover cgroup mount point");
		return;
	}
	s->version = 1;
}

void cgroup_detect(struct cgroup_sys *s)
{
	struct statfs fs;
	char ctl[512];
	memset(s, 0, sizeof *s);
	if (statfs("/sys/fs/cgroup", &fs) == 0 &&
	    fs.f_type == CGROUP2_SUPER_MAGIC) {
		snprintf(s->root, sizeof s->root, "/sys/fs/cgroup");
		if (cg_read(s->root, "cgroup.controllers", ctl, sizeof ctl) < 0)
			ctl[0] = '\0';
		/* The list is space separated. */
		for (char *p = ctl; *p; p++)
			if (*p == ' ' || *p == '\n')
				*p = ',';
		if (!cg_has_token(ctl, "memory")) {
			snprintf(s->why, sizeof s->why,
			         "Cgroup mount point unavailable");
			return;
		}
		s->version = 2;
		return;
	}
	cg_detect_v1(s);
}

int cgroup_path(const char *parent, const char *alloc_id, const char *task,
                char *out, size_t size, struct err *e)
{
	char p[256];
	size_t len;
	if (parent == NULL)
		parent = "steppe";
	while (*parent == '/')
		parent++;
	if (snprintf(p, sizeof p, "%s", parent) >= (int)sizeof p)
		return err_set(e, ERR_INVAL, "cgroup_parent too long");
	len = strlen(p);
	while (len > 0 && p[len - 1] == '/')
		p[--len] = '\0';
	if (strcmp(p, "..") == 0 || strncmp(p, "../", 3) == 0 ||
	    strstr(p, "/../") != NULL ||
	    (len >= 3 && strcmp(p + len - 3, "/..") == 0))
		return err_set(e, ERR_INVAL,
		               "cgroup_parent \"%s\": must not "
		               "contain \"..\"",
		               parent);
	int n = len > 0 ? snprintf(out, size, "%s/%s.%s", p, alloc_id, task)
	                : snprintf(out, size, "%s.%s", alloc_id, task);
	if (n < 0 || (size_t)n >= size)
		return err_set(e, ERR_INVAL, "cgroup path too long");
	for (char *q = out + len + (len > 0); *q; q++)
		if (*q == '/')
			*q = '_';
	return ERR_OK;
}

/* ---- create / join ------------------------------------------------------ */

/* mkdir -p of mount/rel, writing v2 subtree_control on the way down so the
 * leaf gets the controllers. */
static int cg_mkdirs(const char *mount, const char *rel, bool v2, struct err *e)
{
	char dir[512];
	if (cg_dir(mount, rel, dir, sizeof dir) != 0)
		return err_set(e, ERR_INVAL, "cgroup path too long");
	for (char *p = dir + strlen(mount) + 1;; p++) {
		bool end = *p == '\0';
		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (v2) {
			/* Enables the controllers for the children of the
			 * parent directory; any may be unavailable. */
			char parent[512];
			snprintf(parent, sizeof parent, "%s", dir);
			char *slash = strrchr(parent, '/');
			if (slash != NULL)
				*slash = '\0';
			(void)cg_write(parent, "cgroup.subtree_control",
			               "+memory");
			(void)cg_write(parent, "cgroup.subtree_control",
			               "+cpu");
			(void)cg_write(parent, "cgroup.subtree_control",
			               "+pids");
		}
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return err_set(e, ERR_IO, "create cgroup %s: %s", dir,
			               strerror(errno));
		if (end)
			break;
		*p = '/';
	}
	return ERR_OK;
}

static int cg_set(const char *dir, const char *file, int64_t v, struct err *e)
{
	char num[32];
	int rc;
	snprintf(num, sizeof num, "%lld", (long long)v);
	rc = cg_write(dir, file, num);
	if (rc != 0)
		return err_set(e, ERR_IO, "write %s/%s: %s", dir, file,
		               strerror(rc));
	return ERR_OK;
}

static int cg_create_v1(const struct cgroup_sys *s, const char *rel,
                        const struct cgroup_limits *l, struct err *e)
{
	char dir[512];
	int rc;
	for (int c = 0; c < CGROUP_NCTL; c++) {
		if (s->mount[c][0] == '\0')
			continue;
		if ((rc = cg_mkdirs(s->mount[c], rel, false, e)) != 0)
			return rc;
	}
	cg_dir(s->mount[CGROUP_MEMORY], rel, dir, sizeof dir);
	if (l->memory_bytes > 0) {
		if ((rc = cg_set(dir, "memory.limit_in_bytes", l->memory_bytes,
		                 e)) != 0)
			return rc;
		/* No swapping past the limit where swap accounting exists. */
		char num[32];
		snprintf(num, sizeof num, "%lld", (long long)l->memory_bytes);
		(void)cg_write(dir, "memory.memsw.limit_in_bytes", num);
	}
	if (l->memory_soft_bytes > 0 &&
	    (rc = cg_set(dir, "memory.soft_limit_in_bytes",
	                 l->memory_soft_bytes, e)) != 0)
		return rc;
	if (l->cpu_shares > 0 && s->mount[CGROUP_CPU][0] != '\0') {
		cg_dir(s->mount[CGROUP_CPU], rel, dir, sizeof dir);
		if ((rc = cg_set(dir, "cpu.shares", l->cpu_shares, e)) != 0)
			return rc;
	}
	return ERR_OK;
}

static int cg_create_v2(const struct cgroup_sys *s, const char *rel,
                        const struct cgroup_limits *l, struct err *e)
{
	char dir[512];
	int rc;
	if ((rc = cg_mkdirs(s->root, rel, true, e)) != 0)
		return rc;
	cg_dir(s->root, rel, dir, sizeof dir);
	if (l->memory_bytes > 0 &&
	    (rc = cg_set(dir, "memory.max", l->memory_bytes, e)) != 0)
		return rc;
	if (l->memory_bytes > 0)
		(void)cg_write(dir, "memory.swap.max", "0");
	if (l->memory_soft_bytes > 0 &&
	    (rc = cg_set(dir, "memory.low", l->memory_soft_bytes, e)) != 0)
		return rc;
	if (l->cpu_shares > 0) {
		/* runc's conversion of cpu.shares [2, 262144] to cpu.weight
		 * [1, 10000]. */
		int64_t sh = l->cpu_shares < 2 ? 2 : l->cpu_shares;
		if (sh > 262144)
			sh = 262144;
		int64_t w = 1 + ((sh - 2) * 9999) / 262142;
		char num[32];
		snprintf(num, sizeof num, "%lld", (long long)w);
		(void)cg_write(dir, "cpu.weight", num);
	}
	return ERR_OK;
}

int cgroup_create(const struct cgroup_sys *s, const char *rel,
                  const struct cgroup_limits *l, struct err *e)
{
	int rc;
	if (s->version == 1)
		rc = cg_create_v1(s, rel, l, e);
	else if (s->version == 2)
		rc = cg_create_v2(s, rel, l, e);
	else
		return err_set(e, ERR_UNSUPPORTED, "cgroups: %s", s->why);
	if (rc != 0)
		cgroup_destroy(s, rel);
	return rc;
}

int cgroup_join(const struct cgroup_sys *s, const char *rel, pid_t pid,
                struct err *e)
{
	char dir[512], num[32];
	int rc;
	snprintf(num, sizeof num, "%d", (int)pid);
	for (int c = 0; c < CGROUP_NCTL; c++) {
		const char *mount = s->version == 2 ? s->root : s->mount[c];
		if (mount[0] == '\0')
			continue;
		if (cg_dir(mount, rel, dir, sizeof dir) != 0)
			return err_set(e, ERR_INVAL, "cgroup path too long");
		if ((rc = cg_write(dir, "cgroup.procs", num)) != 0)
			return err_set(e, ERR_IO, "join cgroup %s: %s", dir,
			               strerror(rc));
		if (s->version == 2)
			break;
	}
	return ERR_OK;
}

bool cgroup_oom_killed(const struct cgroup_sys *s, const char *rel, bool *maybe)
{
	char dir[512], text[1024];
	*maybe = false;
	if (s->version == 2) {
		cg_dir(s->root, rel, dir, sizeof dir);
		return cg_read(dir, "memory.events", text, sizeof text) >= 0 &&
		       cg_keyed(text, "oom_kill") > 0;
	}
	if (s->version != 1 || s->mount[CGROUP_MEMORY][0] == '\0')
		return false;
	cg_dir(s->mount[CGROUP_MEMORY], rel, dir, sizeof dir);
	if (cg_read(dir, "memory.oom_control", text, sizeof text) >= 0) {
		int64_t n = cg_keyed(text, "oom_kill");
		if (n >= 0)
			return n > 0;
	}
	if (cg_read(dir, "memory.failcnt", text, sizeof text) > 0)
		*maybe = strtoll(text, NULL, 10) > 0;
	return false;
}

/* ---- destroy ------------------------------------------------------------ */

/* SIGKILLs the pids listed in dir/cgroup.procs; returns how many. */
static int cg_kill_procs(const char *dir)
{
	char text[8192];
	int n = 0;
	if (cg_read(dir, "cgroup.procs", text, sizeof text) <= 0)
		return 0;
	for (char *p = text; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
			n++;
		p = end;
		while (*p == '\n')
			p++;
	}
	return n;
}

static int64_t cg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Kills the members of dir and removes it, retrying while the kernel still
 * counts dying processes (EBUSY) until deadline. */
static void cg_remove_dir(const char *dir, int64_t deadline)
{
	struct timespec pause = {0, 5 * 1000 * 1000};
	(void)cg_write(dir, "cgroup.kill", "1"); /* v2, Linux 5.14+ */
	for (;;) {
		cg_kill_procs(dir);
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY || cg_now_ms() >= deadline)
			return;
		nanosleep(&pause, NULL);
	}
}

void cgroup_kill(const struct cgroup_sys *s, const char *rel)
{
	char dir[512];
	if (rel == NULL || rel[0] == '\0')
		return;
	for (int c = 0; c < CGROUP_NCTL; c++) {
		const char *mount = s->version == 2 ? s->root : s->mount[c];
		if (mount[0] == '\0' ||
		    cg_dir(mount, rel, dir, sizeof dir) != 0)
			continue;
		cg_kill_procs(dir);
		if (s->version == 2 || c == CGROUP_MEMORY)
			break;
	}
}

void cgroup_destroy(const struct cgroup_sys *s, const char *rel)
{
	char dir[512];
	int64_t deadline = cg_now_ms() + 2000;
	if (rel == NULL || rel[0] == '\0')
		return;
	for (int c = 0; c < CGROUP_NCTL; c++) {
		const char *mount = s->version == 2 ? s->root : s->mount[c];
		if (mount[0] == '\0' ||
		    cg_dir(mount, rel, dir, sizeof dir) != 0)
			continue;
		cg_remove_dir(dir, deadline);
		if (s->version == 2)
			break;
	}
}

/* ---- stats -------------------------------------------------------------- */

int cgroup_stats(const struct cgroup_sys *s, const char *rel,
                 uint64_t *rss_bytes, uint64_t *cpu_ticks)
{
	char dir[512], text[8192];
	int64_t v;
	long hz = sysconf(_SC_CLK_TCK);
	*rss_bytes = 0;
	*cpu_ticks = 0;
	if (s->version == 2) {
		cg_dir(s->root, rel, dir, sizeof dir);
		if (cg_read(dir, "memory.stat", text, sizeof text) < 0)
			return ERR_NOTFOUND;
		if ((v = cg_keyed(text, "anon")) > 0)
			*rss_bytes = (uint64_t)v;
		if (cg_read(dir, "cpu.stat", text, sizeof text) >= 0 &&
		    (v = cg_keyed(text, "usage_usec")) > 0)
			*cpu_ticks = (uint64_t)v * (uint64_t)hz / 1000000u;
		return ERR_OK;
	}
	if (s->version != 1)
		return ERR_NOTFOUND;
	cg_dir(s->mount[CGROUP_MEMORY], rel, dir, sizeof dir);
	if (cg_read(dir, "memory.stat", text, sizeof text) < 0)
		return ERR_NOTFOUND;
	v = cg_keyed(text, "total_rss");
	if (v < 0)
		v = cg_keyed(text, "rss");
	if (v > 0)
		*rss_bytes = (uint64_t)v;
	if (s->mount[CGROUP_CPUACCT][0] != '\0') {
		cg_dir(s->mount[CGROUP_CPUACCT], rel, dir, sizeof dir);
		if (cg_read(dir, "cpuacct.stat", text, sizeof text) >= 0) {
			int64_t u = cg_keyed(text, "user"),
			        sy = cg_keyed(text, "system");
			*cpu_ticks = (uint64_t)(u > 0 ? u : 0) +
			             (uint64_t)(sy > 0 ? sy : 0);
		}
	}
	return ERR_OK;
}
