/* client/executor_log.c: Nomad's rotating task log files,
 * <log_dir>/<task>.stdout.0, .1, ... */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/executor_int.h"
#include "lib/mem.h"

/* The index of name when it is "<prefix><digits>", else -1. */
static int log_index(const char *prefix, const char *name)
{
	size_t plen = strlen(prefix);
	char *end;
	long v;
	if (strncmp(name, prefix, plen) != 0 || name[plen] < '0' ||
	    name[plen] > '9')
		return -1;
	errno = 0;
	v = strtol(name + plen, &end, 10);
	if (*end != '\0' || errno != 0 || v > INT_MAX / 2)
		return -1;
	return (int)v;
}

/* Highest existing index, or -1 when there is no file yet. */
static int log_highest(const struct executor_log *l)
{
	DIR *d = opendir(l->dir);
	struct dirent *de;
	int best = -1;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		int i = log_index(l->prefix, de->d_name);
		if (i > best)
			best = i;
	}
	closedir(d);
	return best;
}

/* Deletes the files older than the newest max_files. */
static void log_purge(const struct executor_log *l)
{
	DIR *d = opendir(l->dir);
	struct dirent *de;
	char path[4200];
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		int i = log_index(l->prefix, de->d_name);
		if (i < 0 || i > l->index - l->max_files)
			continue;
		snprintf(path, sizeof path, "%s/%s", l->dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static int log_open_index(struct executor_log *l, bool truncate)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s%d", l->dir, l->prefix, l->index);
	l->fd = open(path,
	             O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	                 (truncate ? O_TRUNC : 0),
	             0644);
	if (l->fd < 0)
		return errno;
	l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

int executor_log_open(struct executor_log *l, const char *dir, const char *task,
                      const char *stream, int max_files, int64_t max_bytes,
                      struct err *e)
{
	int rc;
	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->max_files = max_files > 0 ? max_files : 10;
	l->max_bytes = max_bytes > 0 ? max_bytes : INT64_C(10) * 1024 * 1024;
	l->dir = mem_strdup(dir);
	l->prefix = mem_asprintf("%s.%s.", task, stream);
	if (l->dir == NULL || l->prefix == NULL) {
		executor_log_close(l);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	l->index = log_highest(l);
	if (l->index < 0)
		l->index = 0;
	if ((rc = log_open_index(l, false)) != 0) {
		err_set(e, ERR_IO, "open log %s/%s%d: %s", dir, l->prefix,
		        l->index, strerror(rc));
		executor_log_close(l);
		return ERR_IO;
	}
	log_purge(l);
	return ERR_OK;
}

/* Starts the next file; the old one is complete. */
static int log_rotate(struct executor_log *l)
{
	close(l->fd);
	l->fd = -1;
	l->index++;
	int rc = log_open_index(l, true);
	log_purge(l);
	return rc;
}

int executor_log_write(struct executor_log *l, const char *data, size_t n)
{
	while (n > 0) {
		if (l->fd < 0 || l->size >= l->max_bytes) {
			int rc = log_rotate(l);
			if (rc != 0)
				return rc;
		}
		size_t room = (size_t)(l->max_bytes - l->size);
		size_t chunk = n < room ? n : room;
		ssize_t w = write(l->fd, data, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		l->size += w;
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

void executor_log_close(struct executor_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	mem_free(l->dir);
	mem_free(l->prefix);
	memset(l, 0, sizeof *l);
	l->fd = -1;
}
