#include "jobspec/jobspec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/buf.h"
#include "lib/mem.h"

static int jobspec_read_stream(FILE *f, const char *path, size_t max,
			       char **out, size_t *len, struct err *e)
{
	struct buf b;
	char chunk[65536];
	size_t n;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n > max) {
			buf_release(&b);
			return err_set(e, ERR_TOOBIG,
				       "%s:1:1: file is larger than the %zu MB "
				       "limit",
				       path, max / (1024 * 1024));
		}
		buf_append(&b, chunk, n);
	}
	if (ferror(f)) {
		buf_release(&b);
		return err_set(e, ERR_IO, "%s: read failed: %s", path,
			       strerror(errno));
	}
	*out = buf_steal(&b, len);
	return *out == NULL ? err_set(e, ERR_NOMEM, "%s: out of memory", path)
			    : ERR_OK;
}

int jobspec_read_file(const char *path, size_t max, char **out, size_t *len,
		      struct err *e)
{
	struct stat st;
	FILE *f;
	int rc;
	if (strcmp(path, "-") == 0)
		return jobspec_read_stream(stdin, "<stdin>", max, out, len, e);
	f = fopen(path, "rb");
	if (f == NULL)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return err_set(e, ERR_IO, "%s: is a directory", path);
	}
	if (fstat(fileno(f), &st) == 0 && (uint64_t)st.st_size > max) {
		fclose(f);
		return err_set(e, ERR_TOOBIG,
			       "%s:1:1: file is %.1f MB, larger than the %zu MB "
			       "limit",
			       path, (double)st.st_size / (1024.0 * 1024.0),
			       max / (1024 * 1024));
	}
	rc = jobspec_read_stream(f, path, max, out, len, e);
	fclose(f);
	return rc;
}
