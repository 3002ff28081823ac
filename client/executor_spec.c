/* client/executor_spec.c: the executor's spec file and the state files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/executor_int.h"
#include "lib/mem.h"

void executor_spec_release(struct executor_spec *s)
{
	mem_free(s->driver);
	mem_free(s->alloc_id);
	mem_free(s->task_name);
	strlist_release(&s->argv);
	strlist_release(&s->env);
	mem_free(s->task_dir);
	mem_free(s->alloc_dir);
	mem_free(s->log_dir);
	mem_free(s->work_dir);
	mem_free(s->user);
	strmap_release(&s->chroot);
	mem_free(s->cgroup);
	memset(s, 0, sizeof *s);
}

/* ---- encode ------------------------------------------------------------- */

static int sp_set(json_t *o, const char *key, json_t *v)
{
	return v == NULL || json_object_set_new(o, key, v) != 0 ? -1 : 0;
}

static int sp_set_str(json_t *o, const char *key, const char *s)
{
	return s == NULL ? 0 : sp_set(o, key, json_string(s));
}

static json_t *sp_list(const struct strlist *l)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < l->n; i++)
		if (json_array_append_new(a, json_string(l->v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *sp_map(const struct strmap *m)
{
	json_t *o = json_object();
	for (size_t i = 0; o != NULL && i < m->n; i++)
		if (sp_set(o, m->v[i].key, json_string(m->v[i].val)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

json_t *executor_spec_to_json(const struct executor_spec *s)
{
	json_t *o = json_object();
	int rc = o == NULL ? -1 : 0;
	rc |= sp_set_str(o, "Driver", s->driver);
	rc |= sp_set_str(o, "AllocID", s->alloc_id);
	rc |= sp_set_str(o, "Task", s->task_name);
	rc |= sp_set(o, "Argv", sp_list(&s->argv));
	rc |= sp_set(o, "Env", sp_list(&s->env));
	rc |= sp_set_str(o, "TaskDir", s->task_dir);
	rc |= sp_set_str(o, "AllocDir", s->alloc_dir);
	rc |= sp_set_str(o, "LogDir", s->log_dir);
	rc |= sp_set_str(o, "WorkDir", s->work_dir);
	rc |= sp_set_str(o, "User", s->user);
	rc |= sp_set(o, "Isolation", json_string(s->isolate ? "exec" : "none"));
	rc |=
	    sp_set(o, "PIDMode", json_string(s->pid_host ? "host" : "private"));
	rc |=
	    sp_set(o, "IPCMode", json_string(s->ipc_host ? "host" : "private"));
	rc |= sp_set(o, "Chroot", sp_map(&s->chroot));
	rc |= sp_set_str(o, "Cgroup", s->cgroup);
	rc |=
	    sp_set(o, "MemoryLimitBytes", json_integer(s->limits.memory_bytes));
	rc |= sp_set(o, "MemorySoftBytes",
	             json_integer(s->limits.memory_soft_bytes));
	rc |= sp_set(o, "CPUShares", json_integer(s->limits.cpu_shares));
	rc |= sp_set(o, "LogMaxFiles", json_integer(s->log_max_files));
	rc |= sp_set(o, "LogMaxFileSizeBytes", json_integer(s->log_max_bytes));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- decode ------------------------------------------------------------- */

static int sp_str(const json_t *j, const char *key, bool required, char **out,
                  struct err *e)
{
	const json_t *v = json_object_get(j, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return err_set(e, ERR_DECODE, "%s: missing", key);
		return ERR_OK;
	}
	if (!json_is_string(v))
		return err_set(e, ERR_DECODE, "%s: must be a string", key);
	*out = mem_strdup(json_string_value(v));
	return *out == NULL ? err_set(e, ERR_NOMEM, "out of memory") : ERR_OK;
}

static int sp_strlist(const json_t *j, const char *key, struct strlist *out,
                      struct err *e)
{
	const json_t *v = json_object_get(j, key), *it;
	size_t i;
	if (v == NULL)
		return ERR_OK;
	if (!json_is_array(v))
		return err_set(e, ERR_DECODE, "%s: must be a list", key);
	json_array_foreach(v, i, it)
	{
		if (!json_is_string(it))
			return err_set(e, ERR_DECODE,
			               "%s[%zu]: must be a string", key, i);
		if (strlist_push(out, json_string_value(it)) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
	}
	return ERR_OK;
}

static int sp_int(const json_t *j, const char *key, int64_t *out, struct err *e)
{
	const json_t *v = json_object_get(j, key);
	if (v == NULL)
		return ERR_OK;
	if (!json_is_integer(v))
		return err_set(e, ERR_DECODE, "%s: must be an integer", key);
	*out = json_integer_value(v);
	return ERR_OK;
}

static int sp_mode(const json_t *j, const char *key, const char *yes, bool *out,
                   struct err *e)
{
	const json_t *v = json_object_get(j, key);
	if (v == NULL)
		return ERR_OK;
	if (!json_is_string(v))
		return err_set(e, ERR_DECODE, "%s: must be a string", key);
	*out = strcmp(json_string_value(v), yes) == 0;
	return ERR_OK;
}

static int sp_chroot(const json_t *j, struct strmap *out, struct err *e)
{
	const json_t *m = json_object_get(j, "Chroot"), *v;
	const char *k;
	if (m == NULL)
		return ERR_OK;
	if (!json_is_object(m))
		return err_set(e, ERR_DECODE, "Chroot: must be an object");
	json_object_foreach((json_t *)m, k, v)
	{
		if (!json_is_string(v))
			return err_set(e, ERR_DECODE,
			               "Chroot.%s: must be a string", k);
		if (strmap_set(out, k, json_string_value(v)) != 0)
			return err_set(e, ERR_NOMEM, "out of memory");
	}
	return ERR_OK;
}

int executor_spec_from_json(const json_t *j, struct executor_spec *s,
                            struct err *e)
{
	int64_t files = 0;
	int rc;
	memset(s, 0, sizeof *s);
	if (!json_is_object(j))
		return err_set(e, ERR_DECODE, "spec: must be an object");
	if ((rc = sp_str(j, "Driver", false, &s->driver, e)) ||
	    (rc = sp_str(j, "AllocID", true, &s->alloc_id, e)) ||
	    (rc = sp_str(j, "Task", true, &s->task_name, e)) ||
	    (rc = sp_strlist(j, "Argv", &s->argv, e)) ||
	    (rc = sp_strlist(j, "Env", &s->env, e)) ||
	    (rc = sp_str(j, "TaskDir", true, &s->task_dir, e)) ||
	    (rc = sp_str(j, "AllocDir", true, &s->alloc_dir, e)) ||
	    (rc = sp_str(j, "LogDir", true, &s->log_dir, e)) ||
	    (rc = sp_str(j, "WorkDir", false, &s->work_dir, e)) ||
	    (rc = sp_str(j, "User", false, &s->user, e)) ||
	    (rc = sp_mode(j, "Isolation", "exec", &s->isolate, e)) ||
	    (rc = sp_mode(j, "PIDMode", "host", &s->pid_host, e)) ||
	    (rc = sp_mode(j, "IPCMode", "host", &s->ipc_host, e)) ||
	    (rc = sp_chroot(j, &s->chroot, e)) ||
	    (rc = sp_str(j, "Cgroup", false, &s->cgroup, e)) ||
	    (rc = sp_int(j, "MemoryLimitBytes", &s->limits.memory_bytes, e)) ||
	    (rc = sp_int(j, "MemorySoftBytes", &s->limits.memory_soft_bytes,
	                 e)) ||
	    (rc = sp_int(j, "CPUShares", &s->limits.cpu_shares, e)) ||
	    (rc = sp_int(j, "LogMaxFiles", &files, e)) ||
	    (rc = sp_int(j, "LogMaxFileSizeBytes", &s->log_max_bytes, e)))
		goto fail;
	if (s->argv.n == 0) {
		rc = err_set(e, ERR_DECODE, "Argv: must not be empty");
		goto fail;
	}
	s->log_max_files = files > 0 && files < 100000 ? (int)files : 10;
	if (s->log_max_bytes <= 0)
		s->log_max_bytes = INT64_C(10) * 1024 * 1024;
	return ERR_OK;
fail:
	executor_spec_release(s);
	return rc;
}

/* ---- state files -------------------------------------------------------- */

int executor_write_atomic(const char *path, const char *data, size_t len,
                          struct err *e)
{
	char tmp[4200];
	int fd;
	size_t off = 0;
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return err_set(e, ERR_INVAL, "path too long: %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, ERR_IO, "create %s: %s", tmp,
		               strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = errno;
			close(fd);
			unlink(tmp);
			return err_set(e, ERR_IO, "write %s: %s", tmp,
			               strerror(saved));
		}
		off += (size_t)n;
	}
	(void)fsync(fd);
	close(fd);
	if (rename(tmp, path) != 0) {
		int saved = errno;
		unlink(tmp);
		return err_set(e, ERR_IO, "rename %s: %s", tmp,
		               strerror(saved));
	}
	return ERR_OK;
}

int executor_write_json(const char *path, const json_t *j, struct err *e)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;
	if (text == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = executor_write_atomic(path, text, strlen(text), e);
	mem_free(text);
	return rc;
}

int executor_proc_stat(pid_t pid, char *state, uint64_t *start_ticks,
                       pid_t *pgid)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;
	if (pid == 0)
		snprintf(path, sizeof path, "/proc/self/stat");
	else
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields start
	 * after the last ')'. Field 3 is the state, 5 the pgid, 22 the start
	 * time. */
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return -1;
	p += 2;
	char st = *p;
	long long pg = 0;
	unsigned long long ticks = 0;
	int field = 3;
	for (char *q = p; *q != '\0' && field <= 22; q++) {
		if (*q != ' ')
			continue;
		field++;
		if (field == 5)
			pg = strtoll(q + 1, NULL, 10);
		else if (field == 22)
			ticks = strtoull(q + 1, NULL, 10);
	}
	if (field < 22)
		return -1;
	if (state != NULL)
		*state = st;
	if (start_ticks != NULL)
		*start_ticks = ticks;
	if (pgid != NULL)
		*pgid = (pid_t)pg;
	return 0;
}
