/* client/template.c: the task `template` block (see template.h). */
#include "client/template.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/taskenv.h"
#include "lib/fs.h"
#include "lib/mem.h"
#include "structs/job.h"

#define TPL_MAX_OUT (4u * 1024 * 1024)

static int tpl_line(const char *text, const char *at)
{
	int line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* `env "NAME"` (spaces allowed around): copies NAME into name. */
static bool tpl_env_action(const char *a, size_t n, char *name, size_t size)
{
	const char *q, *end = a + n;
	while (a < end && *a == ' ')
		a++;
	while (end > a && end[-1] == ' ')
		end--;
	if ((size_t)(end - a) < 6 || strncmp(a, "env", 3) != 0 || a[3] != ' ')
		return false;
	a += 3;
	while (a < end && *a == ' ')
		a++;
	if (a >= end || *a != '"' || end[-1] != '"' || end - a < 2)
		return false;
	q = a + 1;
	if ((size_t)(end - 1 - q) >= size || memchr(q, '"', (size_t)(end - 1 - q)))
		return false;
	memcpy(name, q, (size_t)(end - 1 - q));
	name[end - 1 - q] = '\0';
	return true;
}

int template_render(const char *text, const struct taskenv *env,
                    struct buf *out, struct err *e)
{
	const char *p = text;
	while (*p) {
		const char *open = strstr(p, "{{"), *close, *a, *b;
		char name[256];
		if (open == NULL) {
			buf_append_str(out, p);
			break;
		}
		close = strstr(open + 2, "}}");
		if (close == NULL)
			return err_set(e, ERR_PARSE, "template: %d: unclosed action",
			               tpl_line(text, open));
		a = open + 2;
		b = close;
		/* {{- trims the white space before, -}} the white space after. */
		if (*a == '-' && (a[1] == ' ' || a[1] == '\t' || a[1] == '\n')) {
			size_t keep = (size_t)(open - p);
			while (keep > 0 && strchr(" \t\r\n", p[keep - 1]))
				keep--;
			buf_append(out, p, keep);
			a++;
		} else {
			buf_append(out, p, (size_t)(open - p));
		}
		p = close + 2;
		if (b > a && b[-1] == '-' && b - 1 > a && strchr(" \t\n", b[-2])) {
			b--;
			while (*p && strchr(" \t\r\n", *p))
				p++;
		}
		if (tpl_env_action(a, (size_t)(b - a), name, sizeof name)) {
			const char *v = taskenv_get(env, name);
			buf_append_str(out, v ? v : "");
		} else {
			while (a < b && *a == ' ')
				a++;
			while (b > a && b[-1] == ' ')
				b--;
			if (b > a + 1 && a[0] == '/' && a[1] == '*')
				continue; /* a comment */
			return err_set(e, ERR_UNSUPPORTED,
			               "template: %d: unsupported action {{ %.*s }}",
			               tpl_line(text, open), (int)(b - a), a);
		}
		if (out->len > TPL_MAX_OUT)
			return err_set(e, ERR_TOOBIG, "template: output too large");
	}
	return out->oom ? err_set(e, ERR_NOMEM, "out of memory") : ERR_OK;
}

/* The destination as a host path, which must stay in the task dir or
 * the shared alloc dir (lexically, and its parent once resolved). */
static int tpl_dest(const char *dest, const char *task_dir,
                    const char *alloc_dir, char *out, size_t size,
                    struct err *e)
{
	char parent[PATH_MAX], real[PATH_MAX], rtask[PATH_MAX], ralloc[PATH_MAX];
	char *slash;
	size_t tl, al;
	if (dest == NULL || *dest == '\0')
		return err_set(e, ERR_INVAL, "template: missing destination");
	if (strstr(dest, "..") != NULL)
		return err_set(e, ERR_DENIED,
		               "template: destination \"%s\" escapes the task "
		               "directory", dest);
	if (dest[0] == '/')
		snprintf(out, size, "%s", dest);
	else if ((size_t)snprintf(out, size, "%s/%s", task_dir, dest) >= size)
		return err_set(e, ERR_INVAL, "template: destination too long");
	snprintf(parent, sizeof parent, "%s", out);
	slash = strrchr(parent, '/');
	if (slash == NULL || slash[1] == '\0')
		return err_set(e, ERR_INVAL, "template: destination \"%s\" is "
		                             "not a file", dest);
	*slash = '\0';
	if (fs_mkdirs(parent, e) != ERR_OK)
		return err_wrap(e, "template");
	if (realpath(parent, real) == NULL || realpath(task_dir, rtask) == NULL)
		return err_set(e, ERR_IO, "template: %s: %s", parent,
		               strerror(errno));
	if (alloc_dir == NULL || realpath(alloc_dir, ralloc) == NULL)
		ralloc[0] = '\0';
	tl = strlen(rtask), al = strlen(ralloc);
	if ((strncmp(real, rtask, tl) != 0 || (real[tl] && real[tl] != '/')) &&
	    (al == 0 || strncmp(real, ralloc, al) != 0 ||
	     (real[al] && real[al] != '/')))
		return err_set(e, ERR_DENIED,
		               "template: destination \"%s\" escapes the task "
		               "directory", dest);
	return ERR_OK;
}

static int tpl_read_source(const char *path, struct buf *b, struct err *e)
{
	char chunk[8192];
	FILE *f = fopen(path, "re");
	size_t n;
	if (f == NULL)
		return err_set(e, ERR_IO, "template: source %s: %s", path,
		               strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 &&
	       b->len < TPL_MAX_OUT)
		buf_append(b, chunk, n);
	fclose(f);
	return b->oom ? err_set(e, ERR_NOMEM, "out of memory") : ERR_OK;
}

int template_write(const struct task_template *t, const struct taskenv *env,
                   const char *task_dir, struct err *e)
{
	char dest[PATH_MAX], src[PATH_MAX], *idest = NULL;
	struct buf in, out;
	long mode = t->perms && *t->perms ? strtol(t->perms, NULL, 8) : 0644;
	int rc, fd;
	buf_init(&in);
	buf_init(&out);
	rc = taskenv_interpolate_host(env, t->dest_path ? t->dest_path : "",
	                              &idest, e);
	if (rc == ERR_OK)
		rc = tpl_dest(idest, task_dir, env->alloc_dir, dest, sizeof dest,
		              e);
	if (rc == ERR_OK && t->embedded_tmpl != NULL && *t->embedded_tmpl)
		buf_append_str(&in, t->embedded_tmpl);
	else if (rc == ERR_OK && t->source_path != NULL && *t->source_path) {
		if (t->source_path[0] == '/')
			snprintf(src, sizeof src, "%s", t->source_path);
		else
			snprintf(src, sizeof src, "%s/%s", task_dir,
			         t->source_path);
		rc = tpl_read_source(src, &in, e);
	}
	if (rc == ERR_OK)
		rc = template_render(buf_cstr(&in), env, &out, e);
	if (rc == ERR_OK) {
		fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		                    O_CLOEXEC, (mode_t)(mode & 07777));
		if (fd < 0 || write(fd, out.data, out.len) != (ssize_t)out.len) {
			rc = err_set(e, ERR_IO, "template: %s: %s", dest,
			             strerror(errno));
		}
		if (fd >= 0) {
			fchmod(fd, (mode_t)(mode & 07777));
			close(fd);
		}
	}
	mem_free(idest);
	buf_release(&in);
	buf_release(&out);
	return rc;
}
