/* client/cstate.c: the client's state files (see cstate.h). */
#include "client/cstate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/client_int.h"
#include "lib/buf.h"
#include "lib/fs.h"
#include "lib/log.h"

static int cstate_write(const char *path, const void *data, size_t len,
                        int mode, struct err *e)
{
	char tmp[PATH_MAX + 8];
	const char *p = data;
	int fd;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return err_set(e, ERR_IO, "%s: %s", tmp, strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int er = errno;
			close(fd);
			unlink(tmp);
			return err_set(e, ERR_IO, "%s: %s", tmp, strerror(er));
		}
		p += n, len -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		int er = errno;
		unlink(tmp);
		return err_set(e, ERR_IO, "%s: %s", path, strerror(er));
	}
	return ERR_OK;
}

int cstate_write_json(const char *path, const json_t *j, int mode,
                      struct err *e)
{
	char *s = json_dumps(j, JSON_COMPACT);
	int rc;
	if (s == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = cstate_write(path, s, strlen(s), mode, e);
	free(s);
	return rc;
}

static void cstate_path(const struct client *c, const char *id, const char *ext,
                        char *out, size_t size)
{
	snprintf(out, size, "%s/allocs/%s.%s", c->state_dir, id, ext);
}

int cstate_save_alloc(struct allocrunner *ar, bool with_alloc)
{
	struct client *c = ar->c;
	char path[PATH_MAX * 2], dir[PATH_MAX + 8];
	struct err e;
	json_t *tasks = json_object(), *j;
	int rc = ERR_OK;
	err_clear(&e);
	snprintf(dir, sizeof dir, "%s/allocs", c->state_dir);
	if (fs_mkdirs(dir, &e) != ERR_OK)
		goto fail;
	if (with_alloc) {
		struct buf b;
		buf_init(&b);
		rc = schema_msgpack_encode(&allocation_schema, ar->alloc, &b);
		cstate_path(c, ar->id, "alloc", path, sizeof path);
		if (rc == ERR_OK)
			rc = cstate_write(path, b.data, b.len, 0600, &e);
		buf_release(&b);
		if (rc != ERR_OK)
			goto fail;
	}
	for (size_t i = 0; tasks != NULL && i < ar->ntasks; i++)
		json_object_set_new(tasks, ar->tasks[i].name,
		                    taskrunner_save(&ar->tasks[i]));
	j = json_pack("{s:o,s:s?,s:s?,s:b}", "Tasks", tasks, "ClientStatus",
	              ar->client_status, "ClientDescription", ar->client_desc,
	              "Stopping", ar->stopping);
	if (j == NULL)
		return ERR_NOMEM;
	cstate_path(c, ar->id, "json", path, sizeof path);
	rc = cstate_write_json(path, j, 0600, &e);
	json_decref(j);
	if (rc == ERR_OK)
		return ERR_OK;
fail:
	LOG_ERROR("client", "saving allocation %s: %s", ar->id, e.msg);
	return e.code ? e.code : rc;
}

void cstate_remove_alloc(struct client *c, const char *id)
{
	char path[PATH_MAX * 2];
	cstate_path(c, id, "alloc", path, sizeof path);
	unlink(path);
	cstate_path(c, id, "json", path, sizeof path);
	unlink(path);
}

static int cstate_read_file(const char *path, struct buf *b)
{
	char chunk[65536];
	FILE *f = fopen(path, "rbe");
	size_t n;
	if (f == NULL)
		return ERR_IO;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	return ERR_OK;
}

static void cstate_load_one(struct client *c, const char *id)
{
	char path[PATH_MAX * 2];
	struct buf b;
	struct allocation *a = mem_calloc(1, sizeof *a);
	struct allocrunner *ar;
	json_t *saved;
	struct err e;
	err_clear(&e);
	buf_init(&b);
	cstate_path(c, id, "alloc", path, sizeof path);
	if (a == NULL || cstate_read_file(path, &b) != ERR_OK ||
	    schema_msgpack_decode(&allocation_schema, a, b.data, b.len, &e) !=
	        ERR_OK) {
		LOG_ERROR("client", "restoring allocation %s: %s", id,
		          e.msg[0] ? e.msg : "unreadable");
		buf_release(&b);
		mem_free(a);
		return;
	}
	buf_release(&b);
	cstate_path(c, id, "json", path, sizeof path);
	saved = json_load_file(path, 0, NULL);
	if (saved == NULL)
		saved = json_object();
	if (allocrunner_create(c, a, saved, &ar, &e) != ERR_OK)
		LOG_ERROR("client", "restoring allocation %s: %s", id, e.msg);
	json_decref(saved);
}

void cstate_load_allocs(struct client *c)
{
	char dir[PATH_MAX + 8];
	DIR *d;
	struct dirent *de;
	snprintf(dir, sizeof dir, "%s/allocs", c->state_dir);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char id[64];
		if (n < 7 || n - 6 >= sizeof id ||
		    strcmp(de->d_name + n - 6, ".alloc") != 0)
			continue;
		memcpy(id, de->d_name, n - 6);
		id[n - 6] = '\0';
		cstate_load_one(c, id);
	}
	closedir(d);
}
