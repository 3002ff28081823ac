/* Unit tests for client/template: the rendered subset and where a
 * template may be written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/taskenv.h"
#include "client/template.h"
#include "lib/mem.h"
#include "structs/job.h"
#include "tests/lib/unit.h"

static void env_fill(struct taskenv *env)
{
	memset(env, 0, sizeof *env);
	strmap_set(&env->env, "NOMAD_PORT_http", "23456");
	strmap_set(&env->env, "NOMAD_IP_http", "127.0.0.5");
}

static char *render(const char *text, struct err *e, int *rc)
{
	struct taskenv env;
	struct buf out;
	char *s;
	env_fill(&env);
	buf_init(&out);
	err_clear(e);
	*rc = template_render(text, &env, &out, e);
	s = mem_strdup(buf_cstr(&out));
	buf_release(&out);
	strmap_release(&env.env);
	return s;
}

START_TEST(literal_and_env)
{
	struct err e;
	int rc;
	char *s = render("addr={{ env \"NOMAD_IP_http\" }}:{{env \"NOMAD_PORT_http\"}}"
	                 " missing=[{{ env \"NOPE\" }}]\n",
	                 &e, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, "addr=127.0.0.5:23456 missing=[]\n");
	mem_free(s);
}
END_TEST

START_TEST(trim_markers_and_comments)
{
	struct err e;
	int rc;
	char *s = render("a   {{- env \"NOMAD_PORT_http\" -}}   \n b{{/* note */}}c", &e,
	                 &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, "a23456b" "c");
	mem_free(s);
}
END_TEST

START_TEST(unsupported_action_named_with_line)
{
	struct err e;
	int rc;
	char *s = render("line one\n{{ with nomadVar \"x\" }}{{ end }}", &e, &rc);
	ck_assert_int_ne(rc, 0);
	ck_assert_str_eq(e.msg,
	                 "template: 2: unsupported action {{ with nomadVar \"x\" }}");
	mem_free(s);
	s = render("x {{ env \"A\"", &e, &rc);
	ck_assert_int_eq(rc, ERR_PARSE);
	ck_assert_str_eq(e.msg, "template: 1: unclosed action");
	mem_free(s);
}
END_TEST

START_TEST(write_confined_with_perms)
{
	char dir[] = "/tmp/steppe-tpl-XXXXXX", path[800], task[600];
	struct task_template t = {0};
	struct taskenv env;
	struct stat st;
	struct err e;
	char *body;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(task, sizeof task, "%s/web", dir);
	ck_assert_int_eq(mkdir(task, 0755), 0);
	env_fill(&env);
	t.dest_path = (char *)"local/conf/app.conf";
	t.embedded_tmpl = (char *)"port={{ env \"NOMAD_PORT_http\" }}\n";
	t.perms = (char *)"0600";
	err_clear(&e);
	ck_assert_int_eq(template_write(&t, &env, task, &e), 0);
	snprintf(path, sizeof path, "%s/local/conf/app.conf", task);
	body = unit_read_file(path, NULL);
	ck_assert_str_eq(body, "port=23456\n");
	mem_free(body);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	t.dest_path = (char *)"../escape.txt";
	ck_assert_int_eq(template_write(&t, &env, task, &e), ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(e.msg, "escapes the task directory"));
	t.dest_path = (char *)"/etc/steppe-should-not-exist";
	ck_assert_int_eq(template_write(&t, &env, task, &e), ERR_DENIED);
	ck_assert_int_ne(access("/etc/steppe-should-not-exist", F_OK), 0);
	strmap_release(&env.env);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("client_template");
	TCase *tc = unit_tcase(s, "template", 10);
	tcase_add_test(tc, literal_and_env);
	tcase_add_test(tc, trim_markers_and_comments);
	tcase_add_test(tc, unsupported_action_named_with_line);
	tcase_add_test(tc, write_confined_with_perms);
	return s;
}

UNIT_MAIN(suite)
