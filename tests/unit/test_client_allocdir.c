/* Unit tests for client/allocdir: building and destroying an allocation's
 * directory (mounts included when running as root), resolving paths for
 * the file-system API, AllocFileInfo JSON and disk usage. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/allocdir.h"
#include "lib/mem.h"
#include "tests/lib/unit.h"

#define ALLOC_ID "5f1e2d3c-0000-1111-2222-333344445555"

static char root[64];
static char adir[128];

static void sh(const char *fmt, const char *arg)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, fmt, arg);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void setup_root(void)
{
	snprintf(root, sizeof root, "/tmp/steppe-ad-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(adir, sizeof adir, "%s/allocs/%s", root, ALLOC_ID);
}

static void teardown_root(void)
{
	sh("rm -rf '%s'", root);
}

static void build(void)
{
	static const char *const tasks[] = {"web", "side"};
	char allocs[128];
	struct err e;
	err_clear(&e);
	snprintf(allocs, sizeof allocs, "%s/allocs", root);
	ck_assert_msg(allocdir_build(allocs, ALLOC_ID, tasks, 2, &e) == ERR_OK,
	              "%s", e.msg);
}

static void destroy(void)
{
	char allocs[128];
	struct err e;
	err_clear(&e);
	snprintf(allocs, sizeof allocs, "%s/allocs", root);
	ck_assert_msg(allocdir_destroy(allocs, ALLOC_ID, &e) == ERR_OK, "%s",
	              e.msg);
}

static mode_t mode_of(const char *rel)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", adir, rel);
	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_mode;
}

static void write_at(const char *rel, const char *text)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", adir, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0644);
}

static void link_at(const char *target, const char *rel)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", adir, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

/* Mount points at or under dir. */
static int mounts_under(const char *dir)
{
	char line[4096], real[256];
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	ck_assert_ptr_nonnull(f);
	if (realpath(dir, real) == NULL)
		snprintf(real, sizeof real, "%s", dir);
	while (fgets(line, sizeof line, f) != NULL) {
		char mnt[2048];
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mnt) == 1 &&
		    strncmp(mnt, real, strlen(real)) == 0)
			n++;
	}
	fclose(f);
	return n;
}

/* ---- build / destroy ---------------------------------------------------- */

START_TEST(build_makes_the_layout)
{
	struct stat st;
	setup_root();
	build();
	ck_assert(S_ISDIR(mode_of("alloc/data")));
	ck_assert(S_ISDIR(mode_of("alloc/logs")));
	ck_assert_int_eq(mode_of("alloc/tmp") & 07777, 01777);
	ck_assert_int_eq(mode_of("alloc") & 0777, 0777);
	ck_assert_int_eq(mode_of("web") & 0777, 0777);
	ck_assert_int_eq(mode_of("web/local") & 0777, 0777);
	ck_assert_int_eq(mode_of("web/tmp") & 07777, 01777);
	ck_assert_int_eq(mode_of("web/secrets") & 0777, 0700);
	ck_assert(S_ISDIR(mode_of("side/local")));
	if (geteuid() == 0) {
		/* secrets is a tmpfs of its own */
		char p[256];
		struct stat t;
		snprintf(p, sizeof p, "%s/web/secrets", adir);
		ck_assert_int_eq(stat(p, &st), 0);
		snprintf(p, sizeof p, "%s/web", adir);
		ck_assert_int_eq(stat(p, &t), 0);
		ck_assert(st.st_dev != t.st_dev);
		ck_assert_int_eq(mounts_under(adir), 2);
	}
	/* Idempotent: again is fine, mounts are not stacked, files stay. */
	write_at("web/local/keep", "x");
	build();
	ck_assert(S_ISREG(mode_of("web/local/keep")));
	if (geteuid() == 0)
		ck_assert_int_eq(mounts_under(adir), 2);
	destroy();
	ck_assert_int_eq(mounts_under(adir), 0);
	ck_assert_int_eq(access(adir, F_OK), -1);
	/* Destroying what is gone is fine. */
	destroy();
	teardown_root();
}
END_TEST

START_TEST(build_rejects_bad_names)
{
	static const char *const bad[] = {"../x", "alloc", "a/b", ".", ""};
	char allocs[128];
	struct err e;
	setup_root();
	snprintf(allocs, sizeof allocs, "%s/allocs", root);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *tasks[] = {bad[i]};
		err_clear(&e);
		ck_assert_int_eq(allocdir_build(allocs, ALLOC_ID, tasks, 1, &e),
		                 ERR_INVAL);
		ck_assert_ptr_nonnull(strstr(e.msg, "invalid task name"));
	}
	ck_assert_int_eq(allocdir_build(allocs, "../evil", NULL, 0, &e),
	                 ERR_INVAL);
	ck_assert_int_eq(allocdir_destroy(allocs, "..", &e), ERR_INVAL);
	teardown_root();
}
END_TEST

START_TEST(build_never_follows_a_task_symlink)
{
	char outside[128], local[256];
	struct err e;
	static const char *const tasks[] = {"web"};
	char allocs[128];
	setup_root();
	build();
	snprintf(outside, sizeof outside, "%s/outside", root);
	ck_assert_int_eq(mkdir(outside, 0700), 0);
	/* The task replaced its local/ by a symlink to somewhere else. */
	snprintf(local, sizeof local, "%s/web/local", adir);
	sh("rmdir '%s'", local);
	ck_assert_int_eq(symlink(outside, local), 0);
	snprintf(allocs, sizeof allocs, "%s/allocs", root);
	err_clear(&e);
	ck_assert_int_eq(allocdir_build(allocs, ALLOC_ID, tasks, 1, &e),
	                 ERR_IO);
	ck_assert_ptr_nonnull(strstr(e.msg, "symlink"));
	ck_assert_int_eq(mode_of("../../outside") & 0777, 0700);
	destroy();
	teardown_root();
}
END_TEST

START_TEST(destroy_keeps_what_links_point_to)
{
	char outside[128], keep[160], mnt[256];
	struct stat st;
	setup_root();
	build();
	snprintf(outside, sizeof outside, "%s/outside", root);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	snprintf(keep, sizeof keep, "%s/precious", outside);
	ck_assert_int_eq(close(open(keep, O_CREAT | O_WRONLY, 0644)), 0);
	link_at(outside, "web/local/link-dir");
	link_at(keep, "alloc/data/link-file");
	write_at("web/local/file", "data");
	if (geteuid() == 0) {
		/* A bind mount of the outside dir inside the tree (as a
		 * chroot would have) is unmounted, not emptied. */
		snprintf(mnt, sizeof mnt, "%s/web/local/bound", adir);
		ck_assert_int_eq(mkdir(mnt, 0755), 0);
		ck_assert_int_eq(mount(outside, mnt, NULL, MS_BIND, NULL), 0);
		ck_assert_int_eq(mounts_under(adir), 3);
	}
	destroy();
	ck_assert_int_eq(access(adir, F_OK), -1);
	ck_assert_int_eq(stat(keep, &st), 0);
	ck_assert_int_eq(mounts_under(adir), 0);
	teardown_root();
}
END_TEST

/* ---- resolve ------------------------------------------------------------ */

static int resolve(const char *rel, char *out, struct err *e)
{
	err_clear(e);
	return allocdir_resolve(adir, rel, out, 512, e);
}

START_TEST(resolve_inside_and_refusals)
{
	char out[512], want[512], real[256];
	struct err e;
	setup_root();
	build();
	ck_assert_ptr_nonnull(realpath(adir, real));
	write_at("web/local/file", "hello");
	write_at("alloc/logs/web.stdout.0", "log");
	link_at("/etc", "web/local/etc-link");
	link_at("../local/file", "web/local/inner");
	link_at("../secrets", "web/local/to-secrets");
	link_at("../../../../..", "alloc/data/up");

	ck_assert_int_eq(resolve("alloc/logs/web.stdout.0", out, &e), ERR_OK);
	snprintf(want, sizeof want, "%s/alloc/logs/web.stdout.0", real);
	ck_assert_str_eq(out, want);
	/* A leading "/" is the allocation directory (nomad alloc fs). */
	ck_assert_int_eq(resolve("/alloc/logs/web.stdout.0", out, &e), ERR_OK);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(resolve("/", out, &e), ERR_OK);
	ck_assert_str_eq(out, real);
	ck_assert_int_eq(resolve("", out, &e), ERR_OK);
	ck_assert_str_eq(out, real);
	/* ".." that stays inside is fine; a symlink that stays inside too. */
	ck_assert_int_eq(resolve("web/../alloc/logs", out, &e), ERR_OK);
	ck_assert_int_eq(resolve("web/local/inner", out, &e), ERR_OK);
	snprintf(want, sizeof want, "%s/web/local/file", real);
	ck_assert_str_eq(out, want);

	ck_assert_int_eq(resolve("../x", out, &e), ERR_DENIED);
	ck_assert_str_eq(e.msg, "path escapes the allocation directory");
	ck_assert_int_eq(resolve("alloc/../../etc/passwd", out, &e),
	                 ERR_DENIED);
	ck_assert_str_eq(e.msg, "path escapes the allocation directory");
	ck_assert_int_eq(resolve("/../../etc/passwd", out, &e), ERR_DENIED);
	ck_assert_int_eq(resolve("web/local/etc-link/passwd", out, &e),
	                 ERR_DENIED);
	ck_assert_str_eq(e.msg, "path escapes the allocation directory");
	ck_assert_int_eq(resolve("alloc/data/up", out, &e), ERR_DENIED);

	ck_assert_int_eq(resolve("web/secrets", out, &e), ERR_DENIED);
	ck_assert_str_eq(e.msg, "permission denied: secrets");
	ck_assert_int_eq(resolve("web/secrets/token", out, &e), ERR_DENIED);
	ck_assert_str_eq(e.msg, "permission denied: secrets");
	ck_assert_int_eq(resolve("web/local/to-secrets", out, &e), ERR_DENIED);
	ck_assert_str_eq(e.msg, "permission denied: secrets");

	ck_assert_int_eq(resolve("web/local/missing", out, &e), ERR_NOTFOUND);
	ck_assert_str_eq(e.msg, "web/local/missing: no such file or directory");
	destroy();
	teardown_root();
}
END_TEST

/* ---- AllocFileInfo ------------------------------------------------------ */

static json_t *entry(json_t *arr, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "Name")),
		           name) == 0)
			return v;
	}
	ck_abort_msg("no entry %s", name);
	return NULL;
}

START_TEST(list_and_stat_json)
{
	char path[256];
	json_t *arr, *v;
	struct err e;
	const char *when;
	setup_root();
	build();
	write_at("web/local/hello.txt", "hello world\n");
	link_at("hello.txt", "web/local/ln");
	snprintf(path, sizeof path, "%s/web/local/blob", adir);
	{
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fwrite("\x00\x01\x02", 1, 3, f);
		fclose(f);
	}

	err_clear(&e);
	ck_assert_int_eq(allocdir_list_json(adir, &arr, &e), ERR_OK);
	ck_assert_uint_eq(json_array_size(arr), 3);
	/* sorted by name */
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(arr, 0), "Name")),
	    "alloc");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(arr, 2), "Name")),
	    "web");
	v = entry(arr, "web");
	ck_assert(json_is_true(json_object_get(v, "IsDir")));
	ck_assert_str_eq(json_string_value(json_object_get(v, "FileMode")),
	                 "drwxrwxrwx");
	ck_assert_ptr_null(json_object_get(v, "ContentType"));
	when = json_string_value(json_object_get(v, "ModTime"));
	ck_assert_ptr_nonnull(when);
	ck_assert_int_eq(when[4], '-');
	ck_assert_int_eq(when[strlen(when) - 1], 'Z');
	json_decref(arr);

	snprintf(path, sizeof path, "%s/web", adir);
	ck_assert_int_eq(allocdir_list_json(path, &arr, &e), ERR_OK);
	ck_assert_str_eq(
	    json_string_value(json_object_get(entry(arr, "tmp"), "FileMode")),
	    "dtrwxrwxrwx");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     entry(arr, "secrets"), "FileMode")),
	                 "drwx------");
	json_decref(arr);

	snprintf(path, sizeof path, "%s/web/local", adir);
	ck_assert_int_eq(allocdir_list_json(path, &arr, &e), ERR_OK);
	v = entry(arr, "hello.txt");
	ck_assert(json_is_false(json_object_get(v, "IsDir")));
	ck_assert_int_eq(json_integer_value(json_object_get(v, "Size")), 12);
	ck_assert_str_eq(json_string_value(json_object_get(v, "FileMode")),
	                 "-rw-r--r--");
	ck_assert_str_eq(
	    json_string_value(json_object_get(entry(arr, "ln"), "FileMode")),
	    "Lrwxrwxrwx");
	json_decref(arr);

	snprintf(path, sizeof path, "%s/web/local/hello.txt", adir);
	v = allocdir_stat_json(path, "hello.txt");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(json_string_value(json_object_get(v, "ContentType")),
	                 "text/plain; charset=utf-8");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "Size")), 12);
	json_decref(v);
	snprintf(path, sizeof path, "%s/web/local/blob", adir);
	v = allocdir_stat_json(path, "blob");
	ck_assert_str_eq(json_string_value(json_object_get(v, "ContentType")),
	                 "application/octet-stream");
	json_decref(v);
	snprintf(path, sizeof path, "%s/web/local/none", adir);
	ck_assert_ptr_null(allocdir_stat_json(path, "none"));

	ck_assert_int_eq(allocdir_list_json(path, &arr, &e), ERR_NOTFOUND);
	snprintf(path, sizeof path, "%s/web/local/hello.txt", adir);
	ck_assert_int_eq(allocdir_list_json(path, &arr, &e), ERR_INVAL);
	destroy();
	teardown_root();
}
END_TEST

START_TEST(disk_usage_counts_files)
{
	char path[256], *big;
	uint64_t before = 0, after = 0;
	FILE *f;
	setup_root();
	build();
	ck_assert_int_eq(allocdir_disk_usage(adir, &before), ERR_OK);
	snprintf(path, sizeof path, "%s/alloc/data/big", adir);
	big = mem_calloc(1, 256 * 1024);
	memset(big, 'x', 256 * 1024);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite(big, 1, 256 * 1024, f);
	fclose(f);
	mem_free(big);
	ck_assert_int_eq(allocdir_disk_usage(adir, &after), ERR_OK);
	ck_assert_uint_ge(after, before + 256 * 1024);
	destroy();
	ck_assert_int_eq(allocdir_disk_usage(adir, &after), ERR_OK);
	ck_assert_uint_eq(after, 0);
	teardown_root();
}
END_TEST

static Suite *client_allocdir_suite(void)
{
	Suite *s = suite_create("client_allocdir");
	TCase *tc = unit_tcase(s, "build", 30);
	tcase_add_test(tc, build_makes_the_layout);
	tcase_add_test(tc, build_rejects_bad_names);
	tcase_add_test(tc, build_never_follows_a_task_symlink);
	tcase_add_test(tc, destroy_keeps_what_links_point_to);
	tc = unit_tcase(s, "fs", 30);
	tcase_add_test(tc, resolve_inside_and_refusals);
	tcase_add_test(tc, list_and_stat_json);
	tcase_add_test(tc, disk_usage_counts_files);
	return s;
}

/* As root, the tests mount (tmpfs, bind): they run in a mount namespace
 * of their own, so a failing test never leaves a mount behind. */
int main(void)
{
	if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0)
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	return unit_run(client_allocdir_suite());
}
