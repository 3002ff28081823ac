/* Unit tests for acl/: policies compiled into ACL objects and checked.
 * Cases follow Nomad's acl/acl_test.go (merging, namespace and host
 * volume globs, variables matching, glob differences) plus steppe's
 * regression cases (empty policy sets, job associations). */
#include <string.h>

#include "acl/acl.h"
#include "jobspec/policy.h"
#include "lib/mem.h"
#include "structs/acl.h"
#include "tests/lib/unit.h"

#define MAXP 4

/* Parses up to MAXP policies (NULL-terminated) and compiles them. */
struct fixture {
	struct acl_policy_doc docs[MAXP];
	size_t n;
	struct acl *acl;
};

static void fx_compile(struct fixture *f, const char *const *srcs)
{
	const struct acl_policy_doc *ptrs[MAXP];
	memset(f, 0, sizeof *f);
	for (; srcs[f->n] != NULL; f->n++) {
		struct err e;
		err_clear(&e);
		ck_assert_uint_lt(f->n, MAXP);
		/* "" is Nomad's blank policy: nothing at all. */
		if (srcs[f->n][0] != '\0') {
			int rc = policy_parse("t.hcl", srcs[f->n],
			                      strlen(srcs[f->n]),
			                      &f->docs[f->n], &e);
			ck_assert_msg(rc == ERR_OK, "%s", e.msg);
		}
		ptrs[f->n] = &f->docs[f->n];
	}
	ck_assert_int_eq(acl_compile(ptrs, f->n, &f->acl), ERR_OK);
}

static void fx_release(struct fixture *f)
{
	for (size_t i = 0; i < f->n; i++)
		policy_release(&f->docs[i]);
	acl_release(f->acl);
}

/* One policy. */
static struct acl *compile1(struct fixture *f, const char *src)
{
	const char *srcs[] = {src, NULL};
	fx_compile(f, srcs);
	return f->acl;
}

static const char *read_all = "namespace \"default\" { policy = \"read\" }\n"
                              "agent { policy = \"read\" }\n"
                              "node { policy = \"read\" }\n"
                              "operator { policy = \"read\" }\n"
                              "quota { policy = \"read\" }\n";
static const char *write_all = "namespace \"default\" { policy = \"write\" }\n"
                               "agent { policy = \"write\" }\n"
                               "node { policy = \"write\" }\n"
                               "operator { policy = \"write\" }\n"
                               "quota { policy = \"write\" }\n";
static const char *deny_all = "namespace \"default\" { policy = \"deny\" }\n"
                              "agent { policy = \"deny\" }\n"
                              "node { policy = \"deny\" }\n"
                              "operator { policy = \"deny\" }\n"
                              "quota { policy = \"deny\" }\n";

static void assert_coarse(const struct acl *a, bool read, bool write)
{
	static const enum acl_area areas[] = {
	    ACL_AREA_AGENT, ACL_AREA_NODE, ACL_AREA_OPERATOR, ACL_AREA_QUOTA};
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(acl_allow(a, areas[i], ACL_READ), read);
		ck_assert_int_eq(acl_allow(a, areas[i], ACL_WRITE), write);
	}
}

START_TEST(test_management)
{
	struct acl *a = acl_management();
	ck_assert(acl_is_management(a));
	ck_assert(acl_allow_ns_op(a, "default", ACL_CAP_LIST_JOBS));
	ck_assert(acl_allow_ns_op(a, "foo", ACL_CAP_SUBMIT_JOB));
	ck_assert(acl_allow_ns(a, "foo"));
	ck_assert(acl_allow_variable(a, "foo", "a/b", ACL_VAR_DESTROY));
	assert_coarse(a, true, true);
	ck_assert(acl_allow(a, ACL_AREA_PLUGIN, ACL_WRITE));
	ck_assert(acl_ref(a) == a);
	acl_release(a); /* static: nothing happens */
	acl_release(a);
	ck_assert(acl_is_management(acl_management()));
}
END_TEST

START_TEST(test_merge)
{
	struct fixture f;
	const char *rw[] = {read_all, write_all, NULL};
	const char *rb[] = {read_all, "", NULL};
	const char *rd[] = {read_all, deny_all, NULL};
	fx_compile(&f, rw);
	ck_assert(!acl_is_management(f.acl));
	ck_assert(acl_allow_ns_op(f.acl, "default", ACL_CAP_LIST_JOBS));
	ck_assert(acl_allow_ns_op(f.acl, "default", ACL_CAP_SUBMIT_JOB));
	ck_assert(acl_allow_ns(f.acl, "default"));
	ck_assert(!acl_allow_ns_op(f.acl, "foo", ACL_CAP_LIST_JOBS));
	ck_assert(!acl_allow_ns(f.acl, "foo"));
	assert_coarse(f.acl, true, true);
	fx_release(&f);

	fx_compile(&f, rb);
	ck_assert(acl_allow_ns_op(f.acl, "default", ACL_CAP_LIST_JOBS));
	ck_assert(!acl_allow_ns_op(f.acl, "default", ACL_CAP_SUBMIT_JOB));
	ck_assert(!acl_allow_ns_op(f.acl, "foo", ACL_CAP_LIST_JOBS));
	assert_coarse(f.acl, true, false);
	fx_release(&f);

	fx_compile(&f, rd);
	ck_assert(!acl_allow_ns_op(f.acl, "default", ACL_CAP_LIST_JOBS));
	ck_assert(!acl_allow_ns_op(f.acl, "default", ACL_CAP_SUBMIT_JOB));
	ck_assert(!acl_allow_ns(f.acl, "default"));
	assert_coarse(f.acl, false, false);
	fx_release(&f);
}
END_TEST

/* Deny wins whichever order the policies come in. */
START_TEST(test_deny_wins_any_order)
{
	struct fixture f;
	const char *dr[] = {deny_all, read_all, NULL};
	const char *caps[] = {"namespace \"dev\" { capabilities = [\"deny\"] }",
	                      "namespace \"dev\" { policy = \"write\" }", NULL};
	fx_compile(&f, dr);
	ck_assert(!acl_allow_ns_op(f.acl, "default", ACL_CAP_LIST_JOBS));
	assert_coarse(f.acl, false, false);
	fx_release(&f);
	fx_compile(&f, caps);
	ck_assert(!acl_allow_ns_op(f.acl, "dev", ACL_CAP_READ_JOB));
	ck_assert(!acl_allow_ns(f.acl, "dev"));
	ck_assert(!acl_allow_ns(f.acl, "*"));
	fx_release(&f);
}
END_TEST

START_TEST(test_empty_set_denies)
{
	struct acl *a = NULL;
	ck_assert_int_eq(acl_compile(NULL, 0, &a), ERR_OK);
	ck_assert(!acl_is_management(a));
	ck_assert(!acl_allow_ns_op(a, "default", ACL_CAP_LIST_JOBS));
	ck_assert(!acl_allow_ns(a, "*"));
	ck_assert(!acl_allow_ns_op(a, "*", ACL_CAP_LIST_JOBS));
	ck_assert(!acl_allow_variable(a, "default", "x", ACL_VAR_LIST));
	ck_assert(!acl_allow_variable_search(a, "*"));
	for (int area = 0; area < ACL_AREA__COUNT; area++)
		ck_assert(!acl_allow(a, (enum acl_area)area, ACL_LIST));
	ck_assert(!acl_allow_host_volume(a, "v"));
	acl_release(a);
	/* NULL is not "ACLs disabled": it denies. */
	ck_assert(!acl_allow_ns_op(NULL, "default", ACL_CAP_LIST_JOBS));
	ck_assert(!acl_allow(NULL, ACL_AREA_NODE, ACL_READ));
	ck_assert(!acl_is_management(NULL));
}
END_TEST

struct ns_case {
	const char *policy;
	const char *ns;
	bool allow;
};

static void run_ns_cases(const struct ns_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fixture f;
		compile1(&f, c[i].policy);
		ck_assert_msg(acl_allow_ns(f.acl, c[i].ns) == c[i].allow,
		              "case %zu: %s on %s", i, c[i].policy, c[i].ns);
		fx_release(&f);
	}
}

START_TEST(test_allow_namespace)
{
	static const struct ns_case c[] = {
	    {"namespace \"foo\" {}", "foo", false},
	    {"namespace \"foo\" { policy = \"deny\" }", "foo", false},
	    {"namespace \"foo\" { capabilities = [\"deny\"] }", "foo", false},
	    {"namespace \"foo\" { capabilities = [\"list-jobs\"] }", "foo",
	     true},
	    {"namespace \"foo\" { policy = \"read\" }", "foo", true},
	    {"namespace \"foo\" {}", "*", false},
	    {"namespace \"foo\" { policy = \"deny\" }", "*", false},
	    {"namespace \"foo\" { capabilities = [\"deny\"] }", "*", false},
	    {"namespace \"foo\" { capabilities = [\"list-jobs\"] }", "*", true},
	    {"namespace \"foo\" { policy = \"read\" }", "*", true},
	    {"agent { policy = \"read\" }", "*", false},
	};
	run_ns_cases(c, sizeof c / sizeof c[0]);
}
END_TEST

START_TEST(test_wildcard_namespace)
{
	static const struct ns_case c[] = {
	    {"namespace \"prod-api-*\" { policy = \"write\" }",
	     "prod-api-services", true},
	    {"namespace \"prod-api\" { policy = \"write\" }",
	     "prod-api-services", false},
	    {"namespace \"prod-api-services\" { policy = \"deny\" }\n"
	     "namespace \"prod-api-*\" { policy = \"write\" }",
	     "prod-api-services", false},
	    {"namespace \"prod-api-*\" { policy = \"deny\" }\n"
	     "namespace \"prod-api-services\" { policy = \"write\" }",
	     "prod-api-services", true},
	    /* closest character match wins: 4 vs 8 */
	    {"namespace \"*-api-services\" { policy = \"deny\" }\n"
	     "namespace \"prod-api-*\" { policy = \"write\" }",
	     "prod-api-services", false},
	    {"namespace \"prod-api-*\" { policy = \"write\" }\n"
	     "namespace \"*-api-services\" { policy = \"deny\" }",
	     "prod-api-services", false},
	    {"namespace \"prod-api-*\" { policy = \"deny\" }\n"
	     "namespace \"prod-api-services\" { policy = \"write\" }",
	     "*", true},
	    /* an exact rule granting nothing still beats a glob */
	    {"namespace \"*\" { policy = \"read\" }\n"
	     "namespace \"secret\" {}",
	     "secret", false},
	    {"namespace \"*\" { policy = \"read\" }\n"
	     "namespace \"secret\" {}",
	     "other", true},
	};
	run_ns_cases(c, sizeof c / sizeof c[0]);
}
END_TEST

/* Nomad's glob differences: len(name) - len(glob) + stars; the smallest
 * difference decides between globs. */
START_TEST(test_glob_difference)
{
	struct fixture f;
	/* "production-*" (diff 9) vs "*admin*" (diff 15) for
	 * production-admin-api: the first wins. */
	compile1(&f, "namespace \"*admin*\" { policy = \"deny\" }\n"
	             "namespace \"production-*\" { policy = \"read\" }");
	ck_assert(
	    acl_allow_ns_op(f.acl, "production-admin-api", ACL_CAP_READ_JOB));
	/* "*" (diff 20) loses to both */
	fx_release(&f);
	compile1(&f, "namespace \"*\" { policy = \"deny\" }\n"
	             "namespace \"*admin*\" { policy = \"read\" }");
	ck_assert(
	    acl_allow_ns_op(f.acl, "production-admin-api", ACL_CAP_READ_JOB));
	ck_assert(!acl_allow_ns_op(f.acl, "production", ACL_CAP_READ_JOB));
	fx_release(&f);
	/* "production-*-api" (diff 6) beats "production-*" (diff 9) */
	compile1(&f, "namespace \"production-*\" { policy = \"write\" }\n"
	             "namespace \"production-*-api\" { policy = \"deny\" }");
	ck_assert(!acl_allow_ns(f.acl, "production-admin-api"));
	ck_assert(acl_allow_ns(f.acl, "production-admin"));
	fx_release(&f);
	/* a tie (both diff 3): the glob that sorts last wins, as in Nomad */
	compile1(&f, "namespace \"prod-*\" { policy = \"read\" }\n"
	             "namespace \"*-api\" { policy = \"deny\" }");
	ck_assert(acl_allow_ns(f.acl, "prod-api"));
	fx_release(&f);
	/* "prod-*" does not match production-api without the dash */
	compile1(&f, "namespace \"prod-*\" { policy = \"write\" }");
	ck_assert(!acl_allow_ns(f.acl, "production-api"));
	fx_release(&f);
}
END_TEST

START_TEST(test_glob)
{
#define G(p, s) acl_glob(p, strlen(p), s, strlen(s))
	ck_assert(G("*", ""));
	ck_assert(G("*", "anything"));
	ck_assert(G("", ""));
	ck_assert(!G("", "a"));
	ck_assert(G("abc", "abc"));
	ck_assert(!G("abc", "abcd"));
	ck_assert(G("a*", "a"));
	ck_assert(G("a*c", "abbbc"));
	ck_assert(G("a*c", "ac"));
	ck_assert(!G("a*c", "abcd"));
	ck_assert(G("*b*", "abc"));
	ck_assert(!G("*x*", "abc"));
	ck_assert(G("a**b", "ab"));
	ck_assert(!G("a*a", "a"));
	ck_assert(!G("ab*b", "ab"));
	ck_assert(G("project/*", "project/x"));
	ck_assert(!G("project/*", "project"));
	ck_assert(G("*-api-*", "x-api-y"));
	ck_assert(!G("*-api-*", "x-apiy"));
#undef G
}
END_TEST

struct var_case {
	const char *policy, *ns, *path;
	enum acl_var_op op;
	bool allow;
};

START_TEST(test_variables)
{
	static const struct var_case c[] = {
	    {"namespace \"ns\" {\n variables {\n path \"foo/bar\" {\n "
	     "capabilities "
	     "= [\"read\"]\n}\n}\n}",
	     "ns", "foo/bar", ACL_VAR_READ, true},
	    /* read implies list */
	    {"namespace \"ns\" {\n variables {\n path \"foo/bar\" {\n "
	     "capabilities "
	     "= [\"read\"]\n}\n}\n}",
	     "ns", "foo/bar", ACL_VAR_LIST, true},
	    {"namespace \"ns\" {\n variables {\n path \"foo/bar\" {\n "
	     "capabilities "
	     "= [\"read\"]\n}\n}\n}",
	     "ns", "foo/bar", ACL_VAR_WRITE, false},
	    {"namespace \"ns\" {\n variables {\n path \"foo/*\" {\n "
	     "capabilities = "
	     "[\"read\"]\n}\n}\n}",
	     "ns", "foo/bar", ACL_VAR_READ, true},
	    {"namespace \"ns\" {\n variables {\n path \"bar\" {\n capabilities "
	     "= "
	     "[\"read\"]\n}\n}\n}",
	     "ns", "foo/bar", ACL_VAR_READ, false},
	    {"namespace \"ns\" {\n variables {\n path \"*/foo\" {\n "
	     "capabilities = "
	     "[\"read\"]\n}\n}\n}",
	     "ns", "foo/bar", ACL_VAR_READ, false},
	    {"namespace \"*\" {\n variables {\n path \"foo/bar\" {\n "
	     "capabilities "
	     "= [\"read\"]\n}\n}\n}",
	     "ns", "foo/bar", ACL_VAR_READ, true},
	    {"namespace \"*\" {\n variables {\n path \"bar\" {\n capabilities "
	     "= "
	     "[\"read\"]\n}\n}\n}",
	     "ns", "foo/bar", ACL_VAR_READ, false},
	    /* a glob in the requested path is just a character */
	    {"namespace \"ns\" {\n variables {\n path \"foo/bar\" {\n "
	     "capabilities "
	     "= [\"read\"]\n}\n}\n}",
	     "ns", "*", ACL_VAR_READ, false},
	    /* the namespace/path separator cannot be bypassed */
	    {"namespace \"ns\" {\n variables {\n path \"foo/bar\" {\n "
	     "capabilities "
	     "= [\"read\"]\n}\n}\n}",
	     "ns*", "bar", ACL_VAR_READ, false},
	    /* a more specific deny beats a glob */
	    {"namespace \"ns\" {\n variables {\n"
	     "  path \"*\" {\n capabilities = [\"read\", \"write\"]\n}\n"
	     "  path \"secret/*\" {\n capabilities = [\"deny\"]\n}\n}\n}",
	     "ns", "secret/x", ACL_VAR_READ, false},
	    {"namespace \"ns\" {\n variables {\n"
	     "  path \"*\" {\n capabilities = [\"read\", \"write\"]\n}\n"
	     "  path \"secret/*\" {\n capabilities = [\"deny\"]\n}\n}\n}",
	     "ns", "public/x", ACL_VAR_WRITE, true},
	    /* namespace policy write grants no variables */
	    {"namespace \"ns\" { policy = \"write\" }", "ns", "a", ACL_VAR_READ,
	     false},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct fixture f;
		compile1(&f, c[i].policy);
		ck_assert_msg(acl_allow_variable(f.acl, c[i].ns, c[i].path,
		                                 c[i].op) == c[i].allow,
		              "case %zu", i);
		fx_release(&f);
	}
}
END_TEST

START_TEST(test_variables_deny_across_policies)
{
	struct fixture f;
	const char *p[] = {
	    "namespace \"ns\" {\n variables {\n path \"a\" {\n capabilities = "
	    "[\"read\"]\n}\n}\n}",
	    "namespace \"ns\" {\n variables {\n path \"a\" {\n capabilities = "
	    "[\"deny\"]\n}\n}\n}",
	    NULL};
	fx_compile(&f, p);
	ck_assert(!acl_allow_variable(f.acl, "ns", "a", ACL_VAR_READ));
	ck_assert(!acl_allow_variable_search(f.acl, "ns"));
	fx_release(&f);
	compile1(&f, "namespace \"n*\" {\n variables {\n path \"a/*\" {\n "
	             "capabilities = [\"list\"]\n}\n}\n}");
	ck_assert(acl_allow_variable_search(f.acl, "ns"));
	ck_assert(acl_allow_variable_search(f.acl, "*"));
	ck_assert(!acl_allow_variable_search(f.acl, "other"));
	ck_assert(acl_allow_variable(f.acl, "ns", "a/b", ACL_VAR_LIST));
	ck_assert(!acl_allow_variable(f.acl, "ns", "a/b", ACL_VAR_READ));
	fx_release(&f);
}
END_TEST

START_TEST(test_host_volumes)
{
	static const struct {
		const char *policy;
		bool allow;
	} c[] = {
	    {"host_volume \"prod-api-*\" { policy = \"write\" }", true},
	    {"host_volume \"prod-api\" { policy = \"write\" }", false},
	    {"host_volume \"prod-api-services\" { policy = \"deny\" }\n"
	     "host_volume \"prod-api-*\" { policy = \"write\" }",
	     false},
	    {"host_volume \"prod-api-*\" { policy = \"deny\" }\n"
	     "host_volume \"prod-api-services\" { policy = \"write\" }",
	     true},
	    {"host_volume \"*-api-services\" { policy = \"deny\" }\n"
	     "host_volume \"prod-api-*\" { policy = \"write\" }",
	     false},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct fixture f;
		compile1(&f, c[i].policy);
		ck_assert_msg(acl_allow_host_volume(
		                  f.acl, "prod-api-services") == c[i].allow,
		              "case %zu", i);
		fx_release(&f);
	}
}
END_TEST

START_TEST(test_host_volume_ops_and_pools)
{
	struct fixture f;
	compile1(&f, "host_volume \"data\" { policy = \"read\" }\n"
	             "node_pool \"gpu-*\" { policy = \"read\" }\n"
	             "node_pool \"gpu-secret\" { policy = \"deny\" }");
	ck_assert(acl_allow_host_volume_op(f.acl, "data", "mount-readonly"));
	ck_assert(!acl_allow_host_volume_op(f.acl, "data", "mount-readwrite"));
	ck_assert(!acl_allow_host_volume_op(f.acl, "other", "mount-readonly"));
	ck_assert(acl_allow_node_pool_op(f.acl, "gpu-a", "read"));
	ck_assert(!acl_allow_node_pool_op(f.acl, "gpu-a", "write"));
	ck_assert(!acl_allow_node_pool_op(f.acl, "gpu-secret", "read"));
	fx_release(&f);
}
END_TEST

/* The shorthand expansions as Nomad's expandNamespacePolicy. */
START_TEST(test_policy_shorthands)
{
	struct fixture f;
	compile1(&f, "namespace \"r\" { policy = \"read\" }\n"
	             "namespace \"w\" { policy = \"write\" }\n"
	             "namespace \"s\" { policy = \"scale\" }");
	ck_assert(acl_allow_ns_op(f.acl, "r", ACL_CAP_LIST_JOBS));
	ck_assert(acl_allow_ns_op(f.acl, "r", ACL_CAP_READ_JOB));
	ck_assert(acl_allow_ns_op(f.acl, "r", ACL_CAP_HOST_VOLUME_READ));
	ck_assert(!acl_allow_ns_op(f.acl, "r", ACL_CAP_SUBMIT_JOB));
	ck_assert(!acl_allow_ns_op(f.acl, "r", ACL_CAP_READ_LOGS));
	ck_assert(acl_allow_ns_op(f.acl, "w", ACL_CAP_SUBMIT_JOB));
	ck_assert(acl_allow_ns_op(f.acl, "w", ACL_CAP_ALLOC_EXEC));
	ck_assert(acl_allow_ns_op(f.acl, "w", ACL_CAP_HOST_VOLUME_CREATE));
	ck_assert(!acl_allow_ns_op(f.acl, "w", ACL_CAP_ALLOC_NODE_EXEC));
	ck_assert(!acl_allow_ns_op(f.acl, "w", ACL_CAP_CSI_REGISTER_PLUGIN));
	ck_assert(!acl_allow_ns_op(f.acl, "w", ACL_CAP_HOST_VOLUME_WRITE));
	ck_assert(acl_allow_ns_op(f.acl, "s", ACL_CAP_SCALE_JOB));
	ck_assert(acl_allow_ns_op(f.acl, "s", ACL_CAP_READ_JOB));
	ck_assert(!acl_allow_ns_op(f.acl, "s", ACL_CAP_LIST_JOBS));
	ck_assert(!acl_allow_ns_op(f.acl, "s", ACL_CAP_SUBMIT_JOB));
	fx_release(&f);
}
END_TEST

/* The walkthrough's policies as written (examples/policies). */
START_TEST(test_walkthrough_policies)
{
	struct fixture f;
	compile1(&f, "namespace \"dev\" {\n"
	             "  policy       = \"read\"\n"
	             "  capabilities = [\"submit-job\", \"dispatch-job\", "
	             "\"read-logs\"]\n}\n");
	ck_assert(acl_allow_ns_op(f.acl, "dev", ACL_CAP_SUBMIT_JOB));
	ck_assert(acl_allow_ns_op(f.acl, "dev", ACL_CAP_READ_LOGS));
	ck_assert(acl_allow_ns_op(f.acl, "dev", ACL_CAP_LIST_JOBS));
	ck_assert(!acl_allow_ns_op(f.acl, "dev", ACL_CAP_ALLOC_EXEC));
	ck_assert(!acl_allow_ns_op(f.acl, "default", ACL_CAP_SUBMIT_JOB));
	ck_assert(!acl_allow_ns_op(f.acl, "default", ACL_CAP_LIST_JOBS));
	ck_assert(!acl_allow_ns(f.acl, "default"));
	ck_assert(acl_allow_ns_op(f.acl, "*", ACL_CAP_LIST_JOBS));
	ck_assert(
	    !acl_allow_variable(f.acl, "dev", "nomad/jobs", ACL_VAR_READ));
	ck_assert(!acl_allow(f.acl, ACL_AREA_NODE, ACL_READ));
	fx_release(&f);

	compile1(&f, "namespace \"*\" { policy = \"read\" }\n"
	             "node { policy = \"read\" }\n"
	             "agent { policy = \"read\" }\n");
	ck_assert(acl_allow_ns_op(f.acl, "default", ACL_CAP_LIST_JOBS));
	ck_assert(acl_allow_ns_op(f.acl, "anything", ACL_CAP_READ_JOB));
	ck_assert(!acl_allow_ns_op(f.acl, "default", ACL_CAP_SUBMIT_JOB));
	ck_assert(acl_allow(f.acl, ACL_AREA_NODE, ACL_READ));
	ck_assert(!acl_allow(f.acl, ACL_AREA_NODE, ACL_WRITE));
	ck_assert(acl_allow(f.acl, ACL_AREA_AGENT, ACL_READ));
	ck_assert(!acl_allow(f.acl, ACL_AREA_OPERATOR, ACL_READ));
	fx_release(&f);
}
END_TEST

START_TEST(test_coarse_levels)
{
	struct fixture f;
	const char *p[] = {"plugin { policy = \"list\" }",
	                   "plugin { policy = \"read\" }\n"
	                   "operator { capabilities = [\"snapshot-save\"] }",
	                   NULL};
	fx_compile(&f, p);
	ck_assert(acl_allow(f.acl, ACL_AREA_PLUGIN, ACL_LIST));
	ck_assert(acl_allow(f.acl, ACL_AREA_PLUGIN, ACL_READ));
	ck_assert(!acl_allow(f.acl, ACL_AREA_PLUGIN, ACL_WRITE));
	ck_assert(acl_allow_operator_cap(f.acl, "snapshot-save"));
	ck_assert(!acl_allow_operator_cap(f.acl, "keyring-read"));
	ck_assert(!acl_allow_operator_cap(f.acl, "deny"));
	fx_release(&f);
	compile1(&f, "operator { policy = \"write\" }");
	ck_assert(acl_allow(f.acl, ACL_AREA_OPERATOR, ACL_READ));
	ck_assert(acl_allow_operator_cap(f.acl, "keyring-rotate"));
	fx_release(&f);
}
END_TEST

START_TEST(test_cap_names)
{
	ck_assert_str_eq(acl_cap_name(ACL_CAP_SUBMIT_JOB), "submit-job");
	ck_assert_str_eq(acl_cap_name(ACL_CAP_DELETE_SERVICE_REGISTRATION),
	                 "delete-service-registration");
	ck_assert_int_eq(acl_cap_from_name("read-logs"), ACL_CAP_READ_LOGS);
	ck_assert_int_eq(acl_cap_from_name("nope"), -1);
	/* every capability the parser accepts is known here, in order */
	size_t n;
	const char *const *all = policy_namespace_capabilities(&n);
	ck_assert_uint_eq(n, ACL_CAP__COUNT);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(acl_cap_from_name(all[i]), (int)i);
	ck_assert(!acl_allow_ns_op(acl_management(), "x", ACL_CAP__COUNT));
}
END_TEST

START_TEST(test_job_acl)
{
	struct job_acl j = {.namespace = "default", .job_id = "web"};
	struct job_acl ns_wide = {.namespace = "default"};
	struct job_acl grp = {
	    .namespace = "default", .job_id = "web", .group = "g", .task = "t"};
	ck_assert(acl_job_acl_applies(&j, "default", "web", "g", "t"));
	ck_assert(!acl_job_acl_applies(&j, "default", "web-admin", "g", "t"));
	ck_assert(!acl_job_acl_applies(&j, "default", "we", "g", "t"));
	ck_assert(!acl_job_acl_applies(&j, "other", "web", "g", "t"));
	ck_assert(
	    acl_job_acl_applies(&ns_wide, "default", "anything", "g", "t"));
	ck_assert(!acl_job_acl_applies(&ns_wide, "defaults", "x", "g", "t"));
	ck_assert(acl_job_acl_applies(&grp, "default", "web", "g", "t"));
	ck_assert(!acl_job_acl_applies(&grp, "default", "web", "g2", "t"));
	ck_assert(!acl_job_acl_applies(&grp, "default", "web", "g", "t2"));
	ck_assert(!acl_job_acl_applies(NULL, "default", "web", "g", "t"));
	struct job_acl none = {0};
	ck_assert(!acl_job_acl_applies(&none, "default", "web", "g", "t"));
}
END_TEST

static Suite *acl_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = unit_tcase(s, "acl", 10);
	tcase_add_test(tc, test_management);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_deny_wins_any_order);
	tcase_add_test(tc, test_empty_set_denies);
	tcase_add_test(tc, test_allow_namespace);
	tcase_add_test(tc, test_wildcard_namespace);
	tcase_add_test(tc, test_glob_difference);
	tcase_add_test(tc, test_glob);
	tcase_add_test(tc, test_variables);
	tcase_add_test(tc, test_variables_deny_across_policies);
	tcase_add_test(tc, test_host_volumes);
	tcase_add_test(tc, test_host_volume_ops_and_pools);
	tcase_add_test(tc, test_policy_shorthands);
	tcase_add_test(tc, test_walkthrough_policies);
	tcase_add_test(tc, test_coarse_levels);
	tcase_add_test(tc, test_cap_names);
	tcase_add_test(tc, test_job_acl);
	return s;
}

UNIT_MAIN(acl_suite)
