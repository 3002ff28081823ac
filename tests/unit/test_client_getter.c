/* Unit tests for client/getter (the artifact block): file and HTTP
 * sources (a small HTTP server on 127.0.0.1 runs in a thread of the
 * test), checksums, archives, modes, and destinations that try to leave
 * the task directory. */
#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/getter.h"
#include "lib/mem.h"
#include "tests/lib/unit.h"

#define HELLO "hello artifact\n"

static char root[64]; /* test scratch dir */
static char src[128]; /* files served / copied */
static char task_dir[128];
static char alloc_dir[128]; /* the shared alloc/ dir */

static void sh(const char *fmt, const char *arg)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, fmt, arg);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void put(const char *dir, const char *rel, const void *data, size_t n)
{
	char path[512];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static char *slurp(const char *dir, const char *rel)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	return unit_read_file(path, NULL);
}

static bool exists(const char *dir, const char *rel)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

#define ASSERT_CONTENT(dir, rel, want)                                      \
	do {                                                                \
		char *got_ = slurp((dir), (rel));                           \
		ck_assert_msg(got_ != NULL, "%s/%s missing", (dir), (rel)); \
		ck_assert_str_eq(got_, (want));                             \
		mem_free(got_);                                             \
	} while (0)

/* ---- archives ----------------------------------------------------------- */

struct ent {
	const char *name;
	char type;        /* 'f' file, 'd' dir, 'l' symlink */
	const char *data; /* content or link target */
};

static void make_archive(const char *rel, const char *format,
                         const char *filter, const struct ent *e, size_t n)
{
	char path[512];
	struct archive *a = archive_write_new();
	snprintf(path, sizeof path, "%s/%s", src, rel);
	ck_assert_int_eq(archive_write_set_format_by_name(a, format),
	                 ARCHIVE_OK);
	if (filter != NULL)
		ck_assert_int_eq(archive_write_add_filter_by_name(a, filter),
		                 ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		size_t len = e[i].type == 'f' ? strlen(e[i].data) : 0;
		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_filetype(ae, e[i].type == 'f'   ? AE_IFREG
		                               : e[i].type == 'd' ? AE_IFDIR
		                                                  : AE_IFLNK);
		archive_entry_set_perm(ae, e[i].type == 'd' ? 0755 : 04755);
		archive_entry_set_size(ae, (la_int64_t)len);
		if (e[i].type == 'l')
			archive_entry_set_symlink(ae, e[i].data);
		ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
		if (len > 0)
			ck_assert_int_eq(archive_write_data(a, e[i].data, len),
			                 (la_ssize_t)len);
		archive_entry_free(ae);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* ---- a tiny HTTP server ------------------------------------------------- */

static int srv_fd = -1;
static int srv_port;
static pthread_t srv_thread;

static void srv_reply(int c, const char *status, const char *extra,
                      const char *body, size_t n)
{
	char head[512];
	int len = snprintf(head, sizeof head,
	                   "HTTP/1.1 %s\r\nContent-Length: %zu\r\n%s"
	                   "Connection: close\r\n\r\n",
	                   status, n, extra);
	if (write(c, head, (size_t)len) < 0 || (n && write(c, body, n) < 0))
		return;
}

static void srv_one(int c)
{
	char req[4096], path[512], file[700];
	size_t got = 0;
	ssize_t r;
	size_t n;
	char *body;
	while (got < sizeof req - 1 &&
	       (r = read(c, req + got, sizeof req - 1 - got)) > 0) {
		got += (size_t)r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[got] = '\0';
	if (sscanf(req, "GET %511s", path) != 1)
		return srv_reply(c, "400 Bad Request", "", "", 0);
	*strchrnul(path, '?') = '\0';
	if (strcmp(path, "/redir") == 0)
		return srv_reply(c, "302 Found", "Location: /hello.txt\r\n", "",
		                 0);
	if (strcmp(path, "/to-file") == 0)
		return srv_reply(c, "302 Found",
		                 "Location: file:///etc/passwd\r\n", "", 0);
	if (strcmp(path, "/guarded.txt") == 0 &&
	    strstr(req, "\r\nX-Token: abc\r\n") == NULL)
		return srv_reply(c, "403 Forbidden", "", "no", 2);
	snprintf(file, sizeof file, "%s%s", src, path);
	body = unit_read_file(file, &n);
	if (body == NULL)
		return srv_reply(c, "404 Not Found", "", "missing", 7);
	srv_reply(c, "200 OK", "", body, n);
	mem_free(body);
}

static void *srv_loop(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(srv_fd, NULL, NULL);
		if (c < 0)
			return NULL;
		srv_one(c);
		close(c);
	}
}

static void srv_start(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(srv_fd, 0);
	ck_assert_int_eq(bind(srv_fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(srv_fd, 16), 0);
	ck_assert_int_eq(getsockname(srv_fd, (struct sockaddr *)&a, &len), 0);
	srv_port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&srv_thread, NULL, srv_loop, NULL), 0);
}

static void srv_stop(void)
{
	shutdown(srv_fd, SHUT_RDWR);
	pthread_join(srv_thread, NULL);
	close(srv_fd);
	srv_fd = -1;
}

/* ---- fixture ------------------------------------------------------------ */

static void setup(void)
{
	snprintf(root, sizeof root, "/tmp/steppe-get-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(src, sizeof src, "%s/src", root);
	snprintf(task_dir, sizeof task_dir, "%s/a1/web", root);
	snprintf(alloc_dir, sizeof alloc_dir, "%s/a1/alloc", root);
	sh("mkdir -p '%s'", src);
	sh("mkdir -p '%s/local' ", task_dir);
	sh("mkdir -p '%s/data'", alloc_dir);
	put(src, "hello.txt", HELLO, strlen(HELLO));
	put(src, "guarded.txt", HELLO, strlen(HELLO));
	srv_start();
}

static void teardown(void)
{
	srv_stop();
	sh("rm -rf '%s'", root);
}

static void art_init(struct task_artifact *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void art_init(struct task_artifact *a, const char *fmt, ...)
{
	va_list ap;
	memset(a, 0, sizeof *a);
	va_start(ap, fmt);
	a->getter_source = mem_vasprintf(fmt, ap);
	va_end(ap);
}

static int fetch(struct task_artifact *a, const struct taskenv *env,
                 struct err *e)
{
	int rc;
	err_clear(e);
	rc = getter_fetch(a, env, task_dir, e);
	schema_release(&task_artifact_schema, a);
	return rc;
}

/* A taskenv with just what the getter reads (host paths). */
static void env_init(struct taskenv *env)
{
	char v[256];
	memset(env, 0, sizeof *env);
	env->alloc_dir = mem_strdup(alloc_dir);
	env->task_dir = mem_strdup(task_dir);
	snprintf(v, sizeof v, "%s/local", task_dir);
	strmap_set(&env->host_env, "NOMAD_TASK_DIR", v);
	strmap_set(&env->host_env, "NOMAD_ALLOC_DIR", alloc_dir);
	strmap_set(&env->env, "NOMAD_TASK_DIR", "/local");
	strmap_set(&env->env, "VERSION", "1.2");
	strmap_set(&env->host_env, "VERSION", "1.2");
	strmap_set(&env->node_attrs, "attr.kernel.name", "linux");
}

/* ---- file sources ------------------------------------------------------- */

START_TEST(file_source_any_mode)
{
	struct task_artifact a;
	struct err e;
	art_init(&a, "file://%s/hello.txt", src);
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/hello.txt", HELLO);
	/* A plain absolute path works too; no temporary file is left. */
	art_init(&a, "%s/hello.txt", src);
	a.relative_dest = mem_strdup("local/sub/dir");
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/sub/dir/hello.txt", HELLO);
	sh("test -z \"$(ls -A '%s/local' | grep steppe-artifact)\"", task_dir);
	/* file:// URLs are percent-decoded. */
	put(src, "with space.txt", "sp\n", 3);
	art_init(&a, "file://%s/with%%20space.txt", src);
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/with space.txt", "sp\n");
	/* Missing source. */
	art_init(&a, "file://%s/nope.txt", src);
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "nope.txt\": No such file"));
}
END_TEST

START_TEST(file_mode_and_rename)
{
	struct task_artifact a;
	struct err e;
	art_init(&a, "file://%s/hello.txt", src);
	a.getter_mode = mem_strdup("file");
	a.relative_dest = mem_strdup("local/conf/renamed.cfg");
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/conf/renamed.cfg", HELLO);
	/* The default in file mode is local/<name>. */
	art_init(&a, "file://%s/hello.txt", src);
	a.getter_mode = mem_strdup("file");
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/hello.txt", HELLO);
	/* dir mode needs an archive or a directory. */
	art_init(&a, "file://%s/hello.txt", src);
	a.getter_mode = mem_strdup("dir");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "needs an archive"));
	art_init(&a, "file://%s/hello.txt", src);
	a.getter_mode = mem_strdup("bogus");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "invalid mode \"bogus\""));
}
END_TEST

START_TEST(checksums)
{
	struct task_artifact a;
	struct err e;
	char want[200];
	/* The expected digests of HELLO, computed by sha256sum/md5sum. */
	FILE *p;
	char sha[80] = "", md5[40] = "";
	snprintf(want, sizeof want, "sha256sum '%s/hello.txt'", src);
	p = popen(want, "r");
	ck_assert_int_eq(fscanf(p, "%64s", sha), 1);
	pclose(p);
	snprintf(want, sizeof want, "md5sum '%s/hello.txt'", src);
	p = popen(want, "r");
	ck_assert_int_eq(fscanf(p, "%32s", md5), 1);
	pclose(p);

	art_init(&a, "file://%s/hello.txt", src);
	snprintf(want, sizeof want, "sha256:%s", sha);
	strmap_set(&a.getter_options, "checksum", want);
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/hello.txt", HELLO);
	/* A bare md5 (type from its length). */
	art_init(&a, "file://%s/hello.txt", src);
	strmap_set(&a.getter_options, "checksum", md5);
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);

	sh("rm -f '%s/local/hello.txt'", task_dir);
	art_init(&a, "file://%s/hello.txt", src);
	strmap_set(&a.getter_options, "checksum",
	           "sha256:0000000000000000000000000000000000000000000000000000"
	           "000000000000");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_IO);
	snprintf(want, sizeof want,
	         "checksum mismatch: expected 0000000000000000000000000000000"
	         "000000000000000000000000000000000, got %s",
	         sha);
	ck_assert_msg(strstr(e.msg, want) != NULL, "%s", e.msg);
	ck_assert(!exists(task_dir, "local/hello.txt"));
	sh("test -z \"$(ls -A '%s/local')\"", task_dir);

	art_init(&a, "file://%s/hello.txt", src);
	strmap_set(&a.getter_options, "checksum", "crc32:abcd");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "unsupported checksum type"));
	art_init(&a, "file://%s/hello.txt", src);
	strmap_set(&a.getter_options, "checksum", "sha1:xyz");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "invalid sha1 checksum"));
}
END_TEST

START_TEST(tar_gz_unpacks)
{
	static const struct ent ents[] = {
	    {"./bin/", 'd', NULL},
	    {"./bin/app", 'f', "#!/bin/sh\necho hi\n"},
	    {"conf/app.yml", 'f', "port: 8080\n"},
	    {"conf/current", 'l', "app.yml"},
	};
	struct task_artifact a;
	struct err e;
	struct stat st;
	char path[256];
	make_archive("app.tar.gz", "pax", "gzip", ents, 4);
	art_init(&a, "file://%s/app.tar.gz", src);
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/bin/app", "#!/bin/sh\necho hi\n");
	ASSERT_CONTENT(task_dir, "local/conf/app.yml", "port: 8080\n");
	ASSERT_CONTENT(task_dir, "local/conf/current", "port: 8080\n");
	ck_assert(!exists(task_dir, "local/app.tar.gz"));
	/* Executable bits kept, set-id bits never restored. */
	snprintf(path, sizeof path, "%s/local/bin/app", task_dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(st.st_mode & S_IXUSR);
	ck_assert(!(st.st_mode & S_ISUID));
	/* archive = false keeps the archive as it is. */
	art_init(&a, "file://%s/app.tar.gz", src);
	strmap_set(&a.getter_options, "archive", "false");
	a.relative_dest = mem_strdup("local/raw");
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ck_assert(exists(task_dir, "local/raw/app.tar.gz"));
	ck_assert(!exists(task_dir, "local/raw/bin"));
	/* dir mode with an archive into the shared alloc dir. */
	art_init(&a, "file://%s/app.tar.gz", src);
	a.getter_mode = mem_strdup("dir");
	a.relative_dest = mem_strdup("../alloc/data/app");
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(alloc_dir, "data/app/conf/app.yml", "port: 8080\n");
}
END_TEST

START_TEST(zip_and_single_gz)
{
	static const struct ent zents[] = {{"a/one.txt", 'f', "one\n"},
	                                   {"two.txt", 'f', "two\n"}};
	static const struct ent gz[] = {{"data", 'f', "compressed\n"}};
	struct task_artifact a;
	struct err e;
	make_archive("bundle.zip", "zip", NULL, zents, 2);
	make_archive("notes.txt.gz", "raw", "gzip", gz, 1);
	art_init(&a, "file://%s/bundle.zip", src);
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/a/one.txt", "one\n");
	ASSERT_CONTENT(task_dir, "local/two.txt", "two\n");
	/* One compressed file: decompressed, the extension dropped. */
	art_init(&a, "file://%s/notes.txt.gz", src);
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/notes.txt", "compressed\n");
	/* file mode: decompressed to the destination path. */
	art_init(&a, "file://%s/notes.txt.gz", src);
	a.getter_mode = mem_strdup("file");
	a.relative_dest = mem_strdup("local/n.txt");
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/n.txt", "compressed\n");
	/* file mode with a multi-file archive is refused. */
	art_init(&a, "file://%s/bundle.zip", src);
	a.getter_mode = mem_strdup("file");
	a.relative_dest = mem_strdup("local/one");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "more than one file"));
	ck_assert(!exists(task_dir, "local/one"));
}
END_TEST

START_TEST(hostile_archives_are_refused)
{
	static const struct ent dotdot[] = {{"ok.txt", 'f', "fine\n"},
	                                    {"../evil.txt", 'f', "evil\n"}};
	static const struct ent abs[] = {{"/tmp/steppe-evil.txt", 'f', "x\n"}};
	struct ent via_link[] = {{"lnk", 'l', root},
	                         {"lnk/evil.txt", 'f', "evil\n"}};
	struct task_artifact a;
	struct err e;
	make_archive("dotdot.tar", "pax", NULL, dotdot, 2);
	make_archive("abs.tar", "pax", NULL, abs, 1);
	make_archive("link.tar", "pax", NULL, via_link, 2);

	art_init(&a, "file://%s/dotdot.tar", src);
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_DENIED);
	ck_assert_msg(strstr(e.msg, "archive entry \"../evil.txt\" is outside "
	                            "the destination") != NULL,
	              "%s", e.msg);
	ck_assert(!exists(task_dir, "evil.txt"));

	art_init(&a, "file://%s/abs.tar", src);
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_DENIED);
	ck_assert_int_ne(access("/tmp/steppe-evil.txt", F_OK), 0);

	art_init(&a, "file://%s/link.tar", src);
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_DENIED);
	ck_assert_msg(strstr(e.msg, "goes through a symlink") != NULL, "%s",
	              e.msg);
	ck_assert(!exists(root, "evil.txt"));
}
END_TEST

START_TEST(directory_source_is_copied)
{
	struct task_artifact a;
	struct err e;
	sh("mkdir -p '%s/tree/sub'", src);
	put(src, "tree/top.txt", "top\n", 4);
	put(src, "tree/sub/deep.txt", "deep\n", 5);
	art_init(&a, "file://%s/tree", src);
	a.relative_dest = mem_strdup("local/tree");
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/tree/top.txt", "top\n");
	ASSERT_CONTENT(task_dir, "local/tree/sub/deep.txt", "deep\n");
}
END_TEST

/* ---- destinations ------------------------------------------------------- */

START_TEST(destination_escapes_are_refused)
{
	char outside[160];
	struct task_artifact a;
	struct taskenv env;
	struct err e;
	art_init(&a, "file://%s/hello.txt", src);
	a.relative_dest = mem_strdup("../../../etc");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(e.msg, "escapes the task directory"));
	art_init(&a, "file://%s/hello.txt", src);
	a.relative_dest = mem_strdup("/etc");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_DENIED);
	/* A symlink the task left in its directory is not followed. */
	snprintf(outside, sizeof outside, "%s/outside", root);
	sh("mkdir -p '%s'", outside);
	sh("ln -s ../../outside '%s/local/escape'", task_dir);
	art_init(&a, "file://%s/hello.txt", src);
	a.relative_dest = mem_strdup("local/escape");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(e.msg, "is a symlink"));
	ck_assert(!exists(outside, "hello.txt"));
	art_init(&a, "file://%s/hello.txt", src);
	a.relative_dest = mem_strdup("local/escape/deeper");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_DENIED);
	ck_assert(!exists(outside, "deeper"));
	/* Interpolated with the host paths: the shared alloc dir is fine. */
	env_init(&env);
	art_init(&a, "file://%s/hello.txt", src);
	a.relative_dest = mem_strdup("${NOMAD_ALLOC_DIR}/data/v${VERSION}");
	ck_assert_msg(fetch(&a, &env, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(alloc_dir, "data/v1.2/hello.txt", HELLO);
	taskenv_release(&env);
}
END_TEST

START_TEST(unsupported_sources)
{
	struct task_artifact a;
	struct err e;
	art_init(&a, "git::https://example.com/repo.git");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_UNSUPPORTED);
	ck_assert_str_eq(e.msg,
	                 "artifact \"git::https://example.com/repo.git\": "
	                 "getter \"git\" is not supported");
	art_init(&a, "s3://bucket/key");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_UNSUPPORTED);
	art_init(&a, "relative/path.txt");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_INVAL);
	art_init(&a, "%s", "");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "missing source"));
}
END_TEST

/* ---- http --------------------------------------------------------------- */

START_TEST(http_downloads)
{
	static const struct ent ents[] = {{"srv/run.sh", 'f', "run\n"}};
	struct task_artifact a;
	struct taskenv env;
	struct err e;
	char sha[80] = "", cmd[300];
	FILE *p;
	art_init(&a, "http://127.0.0.1:%d/hello.txt", srv_port);
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/hello.txt", HELLO);
	/* Redirects are followed. */
	art_init(&a, "http://127.0.0.1:%d/redir", srv_port);
	a.relative_dest = mem_strdup("local/r");
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/r/redir", HELLO);
	/* Headers are sent (interpolated). */
	env_init(&env);
	strmap_set(&env.env, "TOKEN", "abc");
	art_init(&a, "http://127.0.0.1:%d/guarded.txt", srv_port);
	strmap_set(&a.getter_headers, "X-Token", "${TOKEN}");
	ck_assert_msg(fetch(&a, &env, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/guarded.txt", HELLO);
	taskenv_release(&env);
	/* An archive with its checksum in the URL (go-getter style). */
	make_archive("srv.tgz", "pax", "gzip", ents, 1);
	snprintf(cmd, sizeof cmd, "sha256sum '%s/srv.tgz'", src);
	p = popen(cmd, "r");
	ck_assert_int_eq(fscanf(p, "%64s", sha), 1);
	pclose(p);
	art_init(&a, "http://127.0.0.1:%d/srv.tgz?checksum=sha256:%s", srv_port,
	         sha);
	ck_assert_msg(fetch(&a, NULL, &e) == ERR_OK, "%s", e.msg);
	ASSERT_CONTENT(task_dir, "local/srv/run.sh", "run\n");
}
END_TEST

START_TEST(http_errors)
{
	struct task_artifact a;
	struct err e;
	char want[200];
	art_init(&a, "http://127.0.0.1:%d/missing.bin", srv_port);
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_IO);
	snprintf(want, sizeof want,
	         "artifact \"http://127.0.0.1:%d/missing.bin\": bad response "
	         "code: 404",
	         srv_port);
	ck_assert_str_eq(e.msg, want);
	ck_assert(!exists(task_dir, "local/missing.bin"));
	sh("test -z \"$(ls -A '%s/local')\"", task_dir);
	/* The password never shows in the error. */
	art_init(&a, "http://bob:s3cret@127.0.0.1:%d/guarded.txt", srv_port);
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_IO);
	ck_assert_ptr_null(strstr(e.msg, "s3cret"));
	ck_assert_ptr_nonnull(strstr(e.msg, "bob:xxxxx@127.0.0.1"));
	ck_assert_ptr_nonnull(strstr(e.msg, "bad response code: 403"));
	/* A redirect to file:// is not followed. */
	art_init(&a, "http://127.0.0.1:%d/to-file", srv_port);
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_IO);
	ck_assert(!exists(task_dir, "local/to-file"));
	/* Nothing listens on port 1. */
	art_init(&a, "http://127.0.0.1:1/x");
	ck_assert_int_eq(fetch(&a, NULL, &e), ERR_IO);
	ck_assert_ptr_nonnull(
	    strstr(e.msg, "artifact \"http://127.0.0.1:1/x\""));
}
END_TEST

START_TEST(redact_urls)
{
	char out[200];
	getter_redact("https://u:p@h/x?y=1", out, sizeof out);
	ck_assert_str_eq(out, "https://u:xxxxx@h/x?y=1");
	getter_redact("https://u@h/x", out, sizeof out);
	ck_assert_str_eq(out, "https://u@h/x");
	getter_redact("https://h/x@y", out, sizeof out);
	ck_assert_str_eq(out, "https://h/x@y");
	getter_redact("/plain/path", out, sizeof out);
	ck_assert_str_eq(out, "/plain/path");
}
END_TEST

static Suite *client_getter_suite(void)
{
	Suite *s = suite_create("client_getter");
	TCase *tc = unit_tcase(s, "file", 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, file_source_any_mode);
	tcase_add_test(tc, file_mode_and_rename);
	tcase_add_test(tc, checksums);
	tcase_add_test(tc, tar_gz_unpacks);
	tcase_add_test(tc, zip_and_single_gz);
	tcase_add_test(tc, hostile_archives_are_refused);
	tcase_add_test(tc, directory_source_is_copied);
	tcase_add_test(tc, destination_escapes_are_refused);
	tcase_add_test(tc, unsupported_sources);
	tc = unit_tcase(s, "http", 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, http_downloads);
	tcase_add_test(tc, http_errors);
	tc = unit_tcase(s, "redact", 10);
	tcase_add_test(tc, redact_urls);
	return s;
}

UNIT_MAIN(client_getter_suite)
