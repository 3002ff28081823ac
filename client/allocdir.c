/* client/allocdir.c: building, resolving in, describing and removing an
 * allocation's directory (see allocdir.h).
 *
 * Every directory is opened relative to its parent with O_NOFOLLOW, so a
 * task that replaced one of its directories by a symlink cannot make the
 * agent chmod, mount or delete something outside the tree. */
#include "client/allocdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/mem.h"
#include "lib/stime.h"

/* Deeper trees are refused by destroy and disk usage (each level holds a
 * file descriptor). */
#define AD_MAX_DEPTH     512
#define AD_SECRETS_TMPFS "size=1m,mode=0700"

/* ---- names and paths ---------------------------------------------------- */

static bool ad_plain_name(const char *s)
{
	return s != NULL && *s != '\0' && strchr(s, '/') == NULL &&
	       strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
	       strlen(s) < NAME_MAX;
}

static int ad_path(char *out, size_t size, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int ad_path(char *out, size_t size, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return err_set(e, ERR_INVAL, "path too long: %.60s...", out);
	return ERR_OK;
}

/* mkdir -p for the alloc root: missing parts are made 0711 (traversable
 * by tasks running as other users, not listable). */
static int ad_mkdirs(const char *dir, struct err *e)
{
	char tmp[PATH_MAX];
	if (ad_path(tmp, sizeof tmp, e, "%s", dir) != ERR_OK)
		return ERR_INVAL;
	for (char *p = tmp + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0711) != 0 && errno != EEXIST)
			return err_set(e, ERR_IO, "create %s: %s", tmp,
			               strerror(errno));
		*p = c;
		if (c == '\0')
			return ERR_OK;
	}
}

/* Makes (if needed) and opens the directory name under dirfd, never
 * through a symlink, and sets its mode. Returns the fd or -1 with e set. */
static int ad_dir_at(int dirfd, const char *name, mode_t mode,
                     const char *shown, struct err *e)
{
	int fd;
	if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST) {
		err_set(e, ERR_IO, "create %s: %s", shown, strerror(errno));
		return -1;
	}
	fd = openat(dirfd, name,
	            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		struct stat st;
		bool link =
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode);
		err_set(e, ERR_IO, "open %s: %s", shown,
		        link ? "is a symlink, not a directory" : strerror(err));
		return -1;
	}
	if (fchmod(fd, mode) != 0) {
		err_set(e, ERR_IO, "chmod %s: %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* "a/b" into out for messages, truncated to fit. */
static void ad_join(char *out, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > size - 1)
		la = size - 1;
	memcpy(out, a, la);
	if (la + 1 < size)
		out[la++] = '/';
	if (lb > size - 1 - la)
		lb = size - 1 - la;
	memcpy(out + la, b, lb);
	out[la + lb] = '\0';
}

/* Makes name under dirfd and closes it. */
static int ad_subdir(int dirfd, const char *name, mode_t mode,
                     const char *parent, struct err *e)
{
	char shown[PATH_MAX];
	int fd;
	ad_join(shown, sizeof shown, parent, name);
	fd = ad_dir_at(dirfd, name, mode, shown, e);
	if (fd < 0)
		return e->code ? e->code : ERR_IO;
	close(fd);
	return ERR_OK;
}

/* ---- build -------------------------------------------------------------- */

/* secrets/ on a tmpfs when the agent may mount (root); a plain 0700
 * directory otherwise. Already mounted (another device than its parent):
 * kept. */
static void ad_secrets_tmpfs(int taskfd, int secfd)
{
	struct stat a, b;
	char target[64];
	if (geteuid() != 0 || fstat(taskfd, &a) != 0 || fstat(secfd, &b) != 0 ||
	    a.st_dev != b.st_dev)
		return;
	/* Through the fd: the path cannot be swapped for a symlink. */
	snprintf(target, sizeof target, "/proc/self/fd/%d", secfd);
	if (mount("tmpfs", target, "tmpfs", MS_NOEXEC | MS_NOSUID | MS_NODEV,
	          AD_SECRETS_TMPFS) != 0)
		return; /* not allowed here: the 0700 directory stays */
}

static int ad_build_task(int allocfd, const char *task, const char *shown,
                         struct err *e)
{
	char tshown[PATH_MAX];
	int taskfd, secfd, rc;
	ad_join(tshown, sizeof tshown, shown, task);
	taskfd = ad_dir_at(allocfd, task, 0777, tshown, e);
	if (taskfd < 0)
		return e->code;
	rc = ad_subdir(taskfd, "local", 0777, tshown, e);
	if (rc == ERR_OK)
		rc = ad_subdir(taskfd, "tmp", 01777, tshown, e);
	if (rc == ERR_OK) {
		char sshown[PATH_MAX];
		ad_join(sshown, sizeof sshown, tshown, "secrets");
		secfd = ad_dir_at(taskfd, "secrets", 0700, sshown, e);
		if (secfd < 0) {
			rc = e->code;
		} else {
			ad_secrets_tmpfs(taskfd, secfd);
			close(secfd);
		}
	}
	close(taskfd);
	return rc;
}

static int ad_build_shared(int allocfd, const char *shown, struct err *e)
{
	char sshown[PATH_MAX];
	int fd, rc;
	ad_join(sshown, sizeof sshown, shown, "alloc");
	fd = ad_dir_at(allocfd, "alloc", 0777, sshown, e);
	if (fd < 0)
		return e->code;
	rc = ad_subdir(fd, "data", 0777, sshown, e);
	if (rc == ERR_OK)
		rc = ad_subdir(fd, "logs", 0777, sshown, e);
	if (rc == ERR_OK)
		rc = ad_subdir(fd, "tmp", 01777, sshown, e);
	close(fd);
	return rc;
}

int allocdir_build(const char *alloc_root, const char *alloc_id,
                   const char *const *tasks, size_t ntasks, struct err *e)
{
	char shown[PATH_MAX];
	int rootfd, allocfd, rc;
	if (!ad_plain_name(alloc_id))
		return err_set(e, ERR_INVAL, "invalid allocation ID \"%s\"",
		               alloc_id ? alloc_id : "");
	for (size_t i = 0; i < ntasks; i++)
		if (!ad_plain_name(tasks[i]) || strcmp(tasks[i], "alloc") == 0)
			return err_set(e, ERR_INVAL,
			               "invalid task name \"%s\" for a "
			               "directory",
			               tasks[i] ? tasks[i] : "");
	if (ad_path(shown, sizeof shown, e, "%s/%s", alloc_root, alloc_id) !=
	        ERR_OK ||
	    ad_mkdirs(alloc_root, e) != ERR_OK)
		return e->code;
	rootfd = open(alloc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_set(e, ERR_IO, "open %s: %s", alloc_root,
		               strerror(errno));
	allocfd = ad_dir_at(rootfd, alloc_id, 0755, shown, e);
	close(rootfd);
	if (allocfd < 0)
		return e->code;
	rc = ad_build_shared(allocfd, shown, e);
	for (size_t i = 0; i < ntasks && rc == ERR_OK; i++)
		rc = ad_build_task(allocfd, tasks[i], shown, e);
	close(allocfd);
	return rc;
}

int allocdir_chown_task(const char *alloc_dir, const char *task, uid_t uid,
                        gid_t gid, struct err *e)
{
	static const char *const subs[] = {".", "local", "secrets", "tmp"};
	char path[PATH_MAX];
	int taskfd;
	if (!ad_plain_name(task))
		return err_set(e, ERR_INVAL, "invalid task name \"%s\"",
		               task ? task : "");
	if (ad_path(path, sizeof path, e, "%s/%s", alloc_dir, task) != ERR_OK)
		return ERR_INVAL;
	taskfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (taskfd < 0)
		return err_set(e, ERR_IO, "open %s: %s", path, strerror(errno));
	for (size_t i = 0; i < 4; i++)
		if (fchownat(taskfd, subs[i], uid, gid, AT_SYMLINK_NOFOLLOW) !=
		    0) {
			err_set(e, ERR_IO, "chown %s/%s: %s", path, subs[i],
			        strerror(errno));
			close(taskfd);
			return ERR_IO;
		}
	close(taskfd);
	return ERR_OK;
}

/* ---- mounts ------------------------------------------------------------- */

static void ad_unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' &&
		    r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
			              (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static int ad_len_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Mount points at or under dir, from /proc/self/mountinfo. */
static int ad_mounts_under(const char *dir, char ***out, size_t *n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t dlen = strlen(dir), cap = 0;
	char line[PATH_MAX * 2 + 512];
	*out = NULL;
	*n = 0;
	if (f == NULL)
		return ERR_IO;
	while (fgets(line, sizeof line, f) != NULL) {
		char mnt[PATH_MAX];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		ad_unescape(mnt);
		if (strncmp(mnt, dir, dlen) != 0 ||
		    (mnt[dlen] != '\0' && mnt[dlen] != '/'))
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			char **v = mem_realloc(*out, nc * sizeof *v);
			if (v == NULL)
				break;
			*out = v;
			cap = nc;
		}
		if (((*out)[*n] = mem_strdup(mnt)) == NULL)
			break;
		(*n)++;
	}
	fclose(f);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, ad_len_desc);
	return ERR_OK;
}

static int ad_unmount_all(const char *dir, struct err *e)
{
	char **mnts;
	size_t n;
	int rc = ERR_OK;
	if (ad_mounts_under(dir, &mnts, &n) != ERR_OK)
		return err_set(e, ERR_IO, "read /proc/self/mountinfo: %s",
		               strerror(errno));
	for (size_t i = 0; i < n; i++) {
		if (rc == ERR_OK &&
		    umount2(mnts[i], MNT_DETACH | UMOUNT_NOFOLLOW) != 0 &&
		    errno != EINVAL && errno != ENOENT)
			rc = err_set(e, ERR_IO, "unmount %s: %s", mnts[i],
			             strerror(errno));
		mem_free(mnts[i]);
	}
	mem_free(mnts);
	return rc;
}

/* ---- walking ------------------------------------------------------------ */

struct ad_walk {
	dev_t dev;
	bool remove;
	uint64_t bytes;
	struct err *e;
};

static int ad_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ad_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mem_free(names[i]);
	mem_free(names);
}

/* The names in directory fd ("." and ".." left out), sorted. */
static int ad_names(int fd, char ***out, size_t *n)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (d == NULL) {
		if (dfd >= 0)
			close(dfd);
		return ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **v = mem_realloc(*out, nc * sizeof *v);
			if (v == NULL)
				goto oom;
			*out = v;
			cap = nc;
		}
		if (((*out)[*n] = mem_strdup(de->d_name)) == NULL)
			goto oom;
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, ad_cmp_names);
	return ERR_OK;
oom:
	closedir(d);
	ad_names_free(*out, *n);
	*out = NULL;
	*n = 0;
	return ERR_NOMEM;
}

static int ad_walk_at(struct ad_walk *w, int dirfd, const char *name,
                      const char *shown, int depth);

static int ad_walk_dir(struct ad_walk *w, int fd, const char *shown, int depth)
{
	char **names;
	size_t n;
	int rc;
	if (w->remove)
		(void)fchmod(fd, 0700); /* entries of a 0500 dir, non-root */
	rc = ad_names(fd, &names, &n);
	if (rc != ERR_OK)
		return err_set(w->e, rc, "read %s: %s", shown,
		               rc == ERR_NOMEM ? "out of memory"
		                               : strerror(errno));
	for (size_t i = 0; i < n && rc == ERR_OK; i++) {
		char sub[PATH_MAX];
		ad_join(sub, sizeof sub, shown, names[i]);
		rc = ad_walk_at(w, fd, names[i], sub, depth + 1);
	}
	ad_names_free(names, n);
	return rc;
}

/* Visits (and with w->remove deletes) name under dirfd. */
static int ad_walk_at(struct ad_walk *w, int dirfd, const char *name,
                      const char *shown, int depth)
{
	struct stat st;
	int fd, rc;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? ERR_OK
		                       : err_set(w->e, ERR_IO, "stat %s: %s",
		                                 shown, strerror(errno));
	w->bytes += (uint64_t)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode)) {
		if (w->remove && unlinkat(dirfd, name, 0) != 0 &&
		    errno != ENOENT)
			return err_set(w->e, ERR_IO, "remove %s: %s", shown,
			               strerror(errno));
		return ERR_OK;
	}
	if (st.st_dev != w->dev && !w->remove)
		return ERR_OK; /* another file system: not this disk's usage */
	if (st.st_dev != w->dev)
		return err_set(w->e, ERR_IO, "%s is a mount point: not removed",
		               shown);
	if (depth > AD_MAX_DEPTH)
		return err_set(w->e, ERR_IO, "%s: directory tree too deep",
		               shown);
	fd = openat(dirfd, name,
	            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(w->e, ERR_IO, "open %s: %s", shown,
		               strerror(errno));
	rc = ad_walk_dir(w, fd, shown, depth);
	close(fd);
	if (rc == ERR_OK && w->remove &&
	    unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
		rc = err_set(w->e, ERR_IO, "remove %s: %s", shown,
		             strerror(errno));
	return rc;
}

/* Walks the tree at path (its parent directory opened for the unlink). */
static int ad_walk_path(struct ad_walk *w, const char *path)
{
	char parent[PATH_MAX], *slash;
	const char *base;
	struct stat st;
	int pfd, rc;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? ERR_OK
		                       : err_set(w->e, ERR_IO, "stat %s: %s",
		                                 path, strerror(errno));
	w->dev = st.st_dev;
	snprintf(parent, sizeof parent, "%s", path);
	slash = strrchr(parent, '/');
	if (slash == NULL) {
		snprintf(parent, sizeof parent, ".");
		base = path;
	} else {
		base = path + (slash - parent) + 1;
		if (slash == parent)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return err_set(w->e, ERR_IO, "open %s: %s", parent,
		               strerror(errno));
	rc = ad_walk_at(w, pfd, base, path, 0);
	close(pfd);
	return rc;
}

int allocdir_destroy(const char *alloc_root, const char *alloc_id,
                     struct err *e)
{
	char path[PATH_MAX], real[PATH_MAX];
	struct ad_walk w = {.remove = true, .e = e};
	struct stat st;
	if (!ad_plain_name(alloc_id))
		return err_set(e, ERR_INVAL, "invalid allocation ID \"%s\"",
		               alloc_id ? alloc_id : "");
	if (ad_path(path, sizeof path, e, "%s/%s", alloc_root, alloc_id) !=
	    ERR_OK)
		return ERR_INVAL;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? ERR_OK
		                       : err_set(e, ERR_IO, "stat %s: %s", path,
		                                 strerror(errno));
	if (S_ISDIR(st.st_mode) && realpath(path, real) != NULL &&
	    ad_unmount_all(real, e) != ERR_OK)
		return e->code;
	return ad_walk_path(&w, path);
}

int allocdir_disk_usage(const char *alloc_dir, uint64_t *bytes)
{
	struct err e;
	struct ad_walk w = {.e = &e};
	int rc;
	err_clear(&e);
	rc = ad_walk_path(&w, alloc_dir);
	*bytes = w.bytes;
	return rc == ERR_OK ? ERR_OK : ERR_IO;
}

/* ---- resolving ---------------------------------------------------------- */

/* Lexically cleans rel into out ("a/b", "" for the root); -1 when ".."
 * climbs above the root. */
static int ad_clean(const char *rel, char *out, size_t size)
{
	size_t len = 0;
	const char *p = rel;
	out[0] = '\0';
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (len == 0)
				return -1;
			while (len > 0 && out[len - 1] != '/')
				len--;
			len = len > 0 ? len - 1 : 0;
			out[len] = '\0';
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (len + n + 2 > size)
				return -2;
			if (len > 0)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
			out[len] = '\0';
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

/* Whether a path relative to the alloc dir is in a task's secrets. */
static bool ad_in_secrets(const char *rel)
{
	const char *slash = strchr(rel, '/');
	size_t n;
	if (slash == NULL ||
	    (slash - rel == 5 && strncmp(rel, "alloc", 5) == 0))
		return false;
	n = strcspn(slash + 1, "/");
	return n == 7 && strncmp(slash + 1, "secrets", 7) == 0;
}

int allocdir_resolve(const char *alloc_dir, const char *rel, char *out,
                     size_t outlen, struct err *e)
{
	char base[PATH_MAX], clean[PATH_MAX], joined[PATH_MAX], real[PATH_MAX];
	size_t blen;
	int c;
	if (realpath(alloc_dir, base) == NULL)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
		               "allocation directory: %s", strerror(errno));
	c = ad_clean(rel ? rel : "", clean, sizeof clean);
	if (c == -1)
		return err_set(e, ERR_DENIED,
		               "path escapes the allocation directory");
	if (c != 0)
		return err_set(e, ERR_INVAL, "path too long");
	if (ad_in_secrets(clean))
		return err_set(e, ERR_DENIED, "permission denied: secrets");
	if (ad_path(joined, sizeof joined, e, "%s%s%s", base,
	            clean[0] ? "/" : "", clean) != ERR_OK)
		return ERR_INVAL;
	if (realpath(joined, real) == NULL)
		return errno == ENOENT || errno == ENOTDIR
		           ? err_set(e, ERR_NOTFOUND,
		                     "%s: no such file or directory",
		                     clean[0] ? clean : "/")
		           : err_set(e, ERR_IO, "%s: %s", clean,
		                     strerror(errno));
	blen = strlen(base);
	if (strncmp(real, base, blen) != 0 ||
	    (real[blen] != '\0' && real[blen] != '/' && strcmp(base, "/") != 0))
		return err_set(e, ERR_DENIED,
		               "path escapes the allocation directory");
	if (ad_in_secrets(real[blen] == '/' ? real + blen + 1 : real + blen))
		return err_set(e, ERR_DENIED, "permission denied: secrets");
	if (strlen(real) >= outlen)
		return err_set(e, ERR_INVAL, "path too long");
	memcpy(out, real, strlen(real) + 1);
	return ERR_OK;
}

/* ---- AllocFileInfo ------------------------------------------------------ */

/* Go's os.FileMode.String(). */
static void ad_go_mode(mode_t m, char *out)
{
	static const char rwx[] = "rwxrwxrwx";
	size_t w = 0;
	if (S_ISDIR(m))
		out[w++] = 'd';
	if (S_ISLNK(m))
		out[w++] = 'L';
	if (S_ISBLK(m) || S_ISCHR(m))
		out[w++] = 'D';
	if (S_ISFIFO(m))
		out[w++] = 'p';
	if (S_ISSOCK(m))
		out[w++] = 'S';
	if (m & S_ISUID)
		out[w++] = 'u';
	if (m & S_ISGID)
		out[w++] = 'g';
	if (S_ISCHR(m))
		out[w++] = 'c';
	if (m & S_ISVTX)
		out[w++] = 't';
	if (w == 0)
		out[w++] = '-';
	for (int i = 0; i < 9; i++)
		out[w++] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	out[w] = '\0';
}

/* A small subset of Go's http.DetectContentType. */
static const char *ad_sniff(const char *path)
{
	unsigned char b[512];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, b, sizeof b);
	close(fd);
	if (n < 0)
		return NULL;
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return "application/x-gzip";
	if (n >= 4 && memcmp(b, "PK\x03\x04", 4) == 0)
		return "application/zip";
	if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return "application/pdf";
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	for (ssize_t i = 0; i < n; i++)
		if (b[i] < 0x20 && b[i] != '\n' && b[i] != '\r' &&
		    b[i] != '\t' && b[i] != '\f' && b[i] != 0x1b)
			return "application/octet-stream";
	return "text/plain; charset=utf-8";
}

static json_t *ad_info(const struct stat *st, const char *name,
                       const char *ctype)
{
	char mode[32], when[64];
	int64_t ns =
	    (int64_t)st->st_mtim.tv_sec * STIME_NS_PER_S + st->st_mtim.tv_nsec;
	json_t *j;
	ad_go_mode(st->st_mode, mode);
	stime_format_rfc3339(ns, -1, when, sizeof when);
	j = json_pack("{s:s, s:b, s:I, s:s, s:s}", "Name", name ? name : "",
	              "IsDir", S_ISDIR(st->st_mode), "Size",
	              (json_int_t)st->st_size, "FileMode", mode, "ModTime",
	              when);
	if (j != NULL && ctype != NULL &&
	    json_object_set_new(j, "ContentType", json_string(ctype)) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *allocdir_stat_json(const char *path, const char *name)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return NULL;
	return ad_info(&st, name, S_ISREG(st.st_mode) ? ad_sniff(path) : NULL);
}

int allocdir_list_json(const char *path, json_t **out, struct err *e)
{
	char **names;
	size_t n;
	json_t *arr;
	int fd, rc;
	*out = NULL;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e,
		               errno == ENOENT    ? ERR_NOTFOUND
		               : errno == ENOTDIR ? ERR_INVAL
		                                  : ERR_IO,
		               "list %s: %s", path, strerror(errno));
	rc = ad_names(fd, &names, &n);
	arr = rc == ERR_OK ? json_array() : NULL;
	for (size_t i = 0; arr != NULL && i < n; i++) {
		struct stat st;
		json_t *j;
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue; /* removed meanwhile */
		j = ad_info(&st, names[i], NULL);
		if (j == NULL || json_array_append_new(arr, j) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	close(fd);
	if (rc == ERR_OK)
		ad_names_free(names, n);
	if (arr == NULL)
		return err_set(
		    e, rc == ERR_OK ? ERR_NOMEM : rc, "list %s: %s", path,
		    rc == ERR_IO ? strerror(errno) : "out of memory");
	*out = arr;
	return ERR_OK;
}
