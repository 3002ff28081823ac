/* tests/unit/test_api_acl.c: the HTTP side of ACLs that runs without a
 * cluster: Nomad's statuses for ACL errors, the route listing the ACL e2e
 * table is checked against, and the dispatch of a request on an agent
 * with neither role. (Resolution through servers and the per-route
 * checks run in tests/e2e/acl_http.sh.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/http.h"
#include "api/routes.h"
#include "api/routes_int.h"
#include "lib/mem.h"
#include "rpc/rpc.h"
#include "tests/lib/unit.h"

START_TEST(error_statuses_follow_nomad_and_issue_6)
{
	ck_assert_int_eq(api_error_status("Permission denied"), 403);
	ck_assert_int_eq(api_error_status("rpc error: Permission denied"), 403);
	ck_assert_int_eq(api_error_status("ACL token expired"), 403);
	/* Unknown and malformed tokens: 400, not a 404 for "not found". */
	ck_assert_int_eq(api_error_status("ACL token not found"), 400);
	ck_assert_int_eq(api_error_status("ACL support disabled"), 400);
	ck_assert_int_eq(api_error_status("job not found"), 404);
	ck_assert_int_eq(api_error_status("Enforcing job modify index 3: "
	                                  "job exists with conflicting job "
	                                  "modify index: 4"),
	                 400);
	ck_assert_int_eq(api_error_status("No cluster leader"), 500);
}
END_TEST

static void collect(void *data, const char *method, const char *pattern)
{
	char line[256];
	snprintf(line, sizeof line, "%s %s\n", method, pattern);
	strcat(data, line);
}

static void never(void *data, struct http_req *req)
{
	(void)data, (void)req;
}

START_TEST(each_route_rebuilds_patterns_per_method)
{
	uv_loop_t loop;
	struct http_server *h = NULL;
	char out[1024] = "";
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_int_eq(http_server_create(&loop, &h), 0);
	ck_assert_int_eq(
	    http_route(h, "GET|DELETE", "/v1/job/:id", never, NULL), 0);
	ck_assert_int_eq(
	    http_route(h, "PUT|POST", "/v1/client/fs/cat/*", never, NULL), 0);
	ck_assert_int_eq(http_route(h, "GET", "/", never, NULL), 0);
	http_server_each_route(h, collect, out);
	ck_assert_str_eq(out, "GET /v1/job/:id\nDELETE /v1/job/:id\n"
	                      "POST /v1/client/fs/cat/*\n"
	                      "PUT /v1/client/fs/cat/*\nGET /\n");
	http_server_destroy(h);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

/* The listing `steppe agent -routes` prints: every route, the agent and
 * client ones included, one method per line. */
START_TEST(routes_print_lists_every_route)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(api_routes_print(f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "GET /v1/agent/self\n"));
	ck_assert_ptr_nonnull(strstr(text, "PUT /v1/jobs/parse\n"));
	ck_assert_ptr_nonnull(strstr(text, "POST /v1/jobs/parse\n"));
	ck_assert_ptr_nonnull(strstr(text, "DELETE /v1/acl/token/:accessor\n"));
	ck_assert_ptr_nonnull(strstr(text, "GET /v1/client/fs/logs/:alloc\n"));
	ck_assert_ptr_nonnull(strstr(text, "GET /v1/client/stats\n"));
	for (char *p = text; *p != '\0'; p = strchr(p, '\n') + 1) {
		ck_assert(strncmp(p, "GET /v1/", 8) == 0 ||
		          strncmp(p, "PUT /v1/", 8) == 0 ||
		          strncmp(p, "POST /v1/", 9) == 0 ||
		          strncmp(p, "DELETE /v1/", 11) == 0);
		ck_assert_ptr_nonnull(strchr(p, '\n'));
	}
	free(text); /* open_memstream's buffer is libc's */
}
END_TEST

static void no_reply(void *data, int status, const char *error,
                     const msgpack_object *reply, const struct rpc_meta *m)
{
	(void)status, (void)error, (void)reply, (void)m;
	*(int *)data = 1;
}

/* An agent with neither role has nobody to ask: the dispatch says so at
 * once and never calls back (the route answers 501). */
START_TEST(dispatch_without_a_role_is_unsupported)
{
	struct rpc_request r = {.method = "Job.List"};
	int called = 0;
	api_backend_set(NULL, NULL);
	ck_assert_int_eq(api_dispatch(NULL, &r, NULL, NULL, no_reply, &called),
	                 ERR_UNSUPPORTED);
	ck_assert_int_eq(called, 0);
	api_acl_cache_clear();
}
END_TEST

static Suite *api_acl_suite(void)
{
	Suite *s = suite_create("api_acl");
	TCase *tc = unit_tcase(s, "api_acl", 30);
	tcase_add_test(tc, error_statuses_follow_nomad_and_issue_6);
	tcase_add_test(tc, each_route_rebuilds_patterns_per_method);
	tcase_add_test(tc, routes_print_lists_every_route);
	tcase_add_test(tc, dispatch_without_a_role_is_unsupported);
	return s;
}

UNIT_MAIN(api_acl_suite)
