/* Unit tests for state/: tables, indexes, job versions, watches,
 * snapshots, allocation failures and scale. */
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/mem.h"
#include "state/state.h"
#include "structs/structs.h"
#include "tests/lib/gen.h"
#include "tests/lib/unit.h"

/* ---- helpers --------------------------------------------------------------
 */

static struct store *mk(void)
{
	struct store *s = NULL;
	ck_assert_int_eq(store_create(&s), ERR_OK);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void set_str(char **p, const char *v)
{
	mem_free(*p);
	*p = mem_strdup(v);
}

static struct job *job_new(const char *ns, const char *id)
{
	struct job *j = mem_calloc(1, sizeof *j);
	set_str(&j->namespace, ns);
	set_str(&j->id, id);
	set_str(&j->name, id);
	set_str(&j->type, "service");
	set_str(&j->status, "pending");
	j->priority = 50;
	return j;
}

static struct evaluation eval_make(const char *id, const char *ns,
                                   const char *job)
{
	struct evaluation ev = {0};
	set_str(&ev.id, id);
	set_str(&ev.namespace, ns);
	set_str(&ev.job_id, job);
	set_str(&ev.status, "pending");
	return ev;
}

static struct allocation alloc_make(const char *id, const char *ns,
                                    const char *job, const char *node)
{
	struct allocation a = {0};
	set_str(&a.id, id);
	set_str(&a.namespace, ns);
	set_str(&a.job_id, job);
	set_str(&a.node_id, node);
	set_str(&a.client_status, "pending");
	return a;
}

/* Collects visited keys as "a,b,c". */
struct keys {
	char text[4096];
	int n;
	int stop_after; /* 0: never */
};

static bool keys_add(struct keys *k, const char *key)
{
	size_t len = strlen(k->text);
	snprintf(k->text + len, sizeof k->text - len, "%s%s", len ? "," : "",
	         key);
	k->n++;
	return k->stop_after == 0 || k->n < k->stop_after;
}

static bool job_key(void *data, const struct job *j)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s/%s", j->namespace, j->id);
	return keys_add(data, buf);
}

static bool eval_key(void *data, const struct evaluation *ev)
{
	return keys_add(data, ev->id);
}

static bool alloc_key(void *data, const struct allocation *a)
{
	return keys_add(data, a->id);
}

static bool node_key(void *data, const struct node *n)
{
	return keys_add(data, n->id);
}

static bool policy_key(void *data, const struct acl_policy *p)
{
	return keys_add(data, p->name);
}

static bool token_key(void *data, const struct acl_token *t)
{
	return keys_add(data, t->accessor_id);
}

static bool namespace_key(void *data, const struct namespace *n)
{
	return keys_add(data, n->name);
}

static bool variable_key(void *data, const struct variable *v)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s/%s", v->namespace, v->path);
	return keys_add(data, buf);
}

static bool service_key(void *data, const struct service_registration *r)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s/%s/%s", r->namespace, r->service_name,
	         r->id);
	return keys_add(data, buf);
}

/* The snapshot bytes of a store: equal bytes, equal content. */
static char *snap_of(const struct store *s, size_t *len)
{
	struct buf b;
	char *out;
	buf_init(&b);
	ck_assert_int_eq(store_snapshot(s, &b), ERR_OK);
	out = buf_steal(&b, len);
	ck_assert_ptr_nonnull(out);
	return out;
}

static void assert_snap_eq(const struct store *s, const char *snap, size_t len)
{
	size_t n;
	char *now = snap_of(s, &n);
	ck_assert_uint_eq(n, len);
	ck_assert(memcmp(now, snap, n) == 0);
	mem_free(now);
}

/* ---- a fresh store --------------------------------------------------------
 */

START_TEST(fresh_store_has_default_namespace)
{
	struct store *s = mk();
	const struct namespace *ns = store_namespace(s, "default");
	struct keys k = {0};
	ck_assert_ptr_nonnull(ns);
	ck_assert_str_eq(ns->description, "Default shared namespace");
	ck_assert_uint_eq(ns->create_index, 0);
	ck_assert_uint_eq(ns->modify_index, 0);
	ck_assert_uint_eq(store_latest_index(s), 0);
	ck_assert_uint_eq(store_table_index(s, STORE_NAMESPACES), 0);
	store_each_namespace(s, NULL, namespace_key, &k);
	ck_assert_str_eq(k.text, "default");
	ck_assert_int_eq(store_delete_namespace(s, 5, "default"), ERR_INVAL);
	ck_assert_ptr_nonnull(store_namespace(s, "default"));
	ck_assert_uint_eq(store_latest_index(s), 0);
	ck_assert_ptr_null(store_job(s, "default", "x"));
	ck_assert_ptr_null(store_eval(s, "x"));
	store_destroy(s);
	store_destroy(NULL);
}
END_TEST

/* ---- jobs ------------------------------------------------------------------
 */

START_TEST(job_register_versions)
{
	struct store *s = mk();
	struct job *j = job_new("default", "web");
	const struct job *got;
	bool changed = false;
	ck_assert_int_eq(store_upsert_job(s, 10, j, &changed), ERR_OK);
	ck_assert(changed);
	got = store_job(s, "default", "web");
	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_ne(got, j);
	ck_assert_uint_eq(got->version, 0);
	ck_assert_uint_eq(got->create_index, 10);
	ck_assert_uint_eq(got->modify_index, 10);
	ck_assert_uint_eq(got->job_modify_index, 10);
	ck_assert_uint_eq(store_table_index(s, STORE_JOBS), 10);
	ck_assert_uint_eq(store_table_index(s, STORE_JOB_VERSIONS), 10);

	/* Unchanged spec: status, submit time, stable and the indexes do not
	 * count. */
	set_str(&j->status, "running");
	j->submit_time = 12345;
	j->stable = true;
	j->version = 7;
	j->modify_index = 3;
	ck_assert_int_eq(store_upsert_job(s, 11, j, &changed), ERR_OK);
	ck_assert(!changed);
	got = store_job(s, "default", "web");
	ck_assert_uint_eq(got->version, 0);
	ck_assert_uint_eq(got->modify_index, 11);
	ck_assert_uint_eq(got->job_modify_index, 10);
	ck_assert_str_eq(got->status, "pending");
	ck_assert_uint_eq(store_table_index(s, STORE_JOBS), 11);

	/* A changed spec: a new version. */
	j->priority = 70;
	j->submit_time = 999;
	ck_assert_int_eq(store_upsert_job(s, 12, j, &changed), ERR_OK);
	ck_assert(changed);
	got = store_job(s, "default", "web");
	ck_assert_uint_eq(got->version, 1);
	ck_assert_int_eq(got->priority, 70);
	ck_assert_uint_eq(got->create_index, 10);
	ck_assert_uint_eq(got->modify_index, 12);
	ck_assert_uint_eq(got->job_modify_index, 12);
	ck_assert_int_eq(got->submit_time, 999);
	ck_assert_str_eq(got->status, "running");

	size_t n = 0;
	const struct job *const *v =
	    store_job_versions(s, "default", "web", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_eq(v[0], got);
	ck_assert_uint_eq(v[1]->version, 0);
	ck_assert_int_eq(v[1]->priority, 50);
	ck_assert_uint_eq(v[1]->modify_index, 11);
	ck_assert_ptr_null(store_job_versions(s, "default", "nope", &n));
	ck_assert_uint_eq(n, 0);

	/* Status without a new version; the versions list sees it. */
	ck_assert_int_eq(store_set_job_status(s, 13, "default", "web", "dead",
	                                      "stopped by test"),
	                 ERR_OK);
	got = store_job(s, "default", "web");
	ck_assert_str_eq(got->status, "dead");
	ck_assert_str_eq(got->status_description, "stopped by test");
	ck_assert_uint_eq(got->version, 1);
	ck_assert_uint_eq(got->modify_index, 13);
	ck_assert_uint_eq(got->job_modify_index, 12);
	v = store_job_versions(s, "default", "web", &n);
	ck_assert_str_eq(v[0]->status, "dead");
	ck_assert_int_eq(
	    store_set_job_status(s, 14, "default", "x", "dead", NULL),
	    ERR_NOTFOUND);
	ck_assert_uint_eq(store_table_index(s, STORE_JOBS), 13);

	job_free(j);
	store_destroy(s);
}
END_TEST

START_TEST(job_history_is_capped)
{
	struct store *s = mk();
	struct job *j = job_new("default", "web");
	const struct job *const *v;
	size_t n;
	for (int i = 0; i < 10; i++) {
		j->priority = 10 + i;
		ck_assert_int_eq(store_upsert_job(s, 100 + i, j, NULL), ERR_OK);
	}
	v = store_job_versions(s, "default", "web", &n);
	ck_assert_uint_eq(n, STORE_JOB_VERSIONS_KEPT);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(v[i]->version, 9 - i);
	ck_assert_uint_eq(store_job(s, "default", "web")->job_modify_index,
	                  109);

	/* Purge removes the job and its versions; a new register starts
	 * again at version 0. */
	ck_assert_int_eq(store_delete_job(s, 200, "default", "web"), ERR_OK);
	ck_assert_ptr_null(store_job(s, "default", "web"));
	ck_assert_ptr_null(store_job_versions(s, "default", "web", &n));
	ck_assert_uint_eq(store_table_index(s, STORE_JOBS), 200);
	ck_assert_uint_eq(store_table_index(s, STORE_JOB_VERSIONS), 200);
	ck_assert_int_eq(store_delete_job(s, 201, "default", "web"),
	                 ERR_NOTFOUND);
	ck_assert_uint_eq(store_table_index(s, STORE_JOBS), 200);
	ck_assert_int_eq(store_upsert_job(s, 202, j, NULL), ERR_OK);
	ck_assert_uint_eq(store_job(s, "default", "web")->version, 0);
	ck_assert_uint_eq(store_job(s, "default", "web")->create_index, 202);
	job_free(j);
	store_destroy(s);
}
END_TEST

/* As Nomad: the newest stable version survives pruning even when it is
 * the oldest, and tagged versions are never pruned nor counted. */
START_TEST(job_history_keeps_stable_and_tagged)
{
	struct store *s = mk();
	struct job *j = job_new("default", "web");
	const struct job *const *v;
	size_t n;
	j->stable = true; /* version 0: stable */
	ck_assert_int_eq(store_upsert_job(s, 1, j, NULL), ERR_OK);
	j->stable = false;
	for (int i = 1; i <= 6; i++) {
		j->priority = i;
		ck_assert_int_eq(store_upsert_job(s, 1 + i, j, NULL), ERR_OK);
	}
	v = store_job_versions(s, "default", "web", &n);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(v[0]->version, 6);
	ck_assert_uint_eq(v[4]->version, 2);
	ck_assert_uint_eq(v[5]->version, 0); /* stable, kept; 1 dropped */
	job_free(j);
	store_destroy(s);

	s = mk();
	j = job_new("default", "web");
	j->version_tag = mem_calloc(1, sizeof *j->version_tag);
	set_str(&j->version_tag->name, "golden");
	ck_assert_int_eq(store_upsert_job(s, 1, j, NULL), ERR_OK);
	schema_release(&job_version_tag_schema, j->version_tag);
	mem_free(j->version_tag);
	j->version_tag = NULL;
	for (int i = 1; i <= 8; i++) {
		j->priority = i;
		ck_assert_int_eq(store_upsert_job(s, 1 + i, j, NULL), ERR_OK);
	}
	v = store_job_versions(s, "default", "web", &n);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(v[0]->version, 8);
	ck_assert_uint_eq(v[5]->version, 3);
	ck_assert_uint_eq(v[6]->version, 0);
	ck_assert_str_eq(v[6]->version_tag->name, "golden");
	job_free(j);
	store_destroy(s);
}
END_TEST

START_TEST(job_iteration_by_namespace_and_prefix)
{
	static const char *const keys[][2] = {
	    {"prod", "web"},     {"default", "web-2"}, {"default", "api"},
	    {"prod", "api"},     {"default", "web"},   {"dev", "web-3"},
	    {"default", "webx"}, {"prod", "we"},
	};
	struct store *s = mk();
	struct keys k = {0};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		struct job *j = job_new(keys[i][0], keys[i][1]);
		ck_assert_int_eq(store_upsert_job(s, i + 1, j, NULL), ERR_OK);
		job_free(j);
	}
	store_each_job(s, "default", NULL, job_key, &k);
	ck_assert_str_eq(k.text, "default/api,default/web,default/web-2,"
	                         "default/webx");
	memset(&k, 0, sizeof k);
	store_each_job(s, "default", "web", job_key, &k);
	ck_assert_str_eq(k.text, "default/web,default/web-2,default/webx");
	memset(&k, 0, sizeof k);
	store_each_job(s, NULL, "web", job_key, &k);
	ck_assert_str_eq(k.text, "default/web,default/web-2,default/webx,"
	                         "dev/web-3,prod/web");
	memset(&k, 0, sizeof k);
	store_each_job(s, "*", NULL, job_key, &k);
	ck_assert_int_eq(k.n, 8);
	ck_assert(strncmp(k.text, "default/api,", 12) == 0);
	memset(&k, 0, sizeof k);
	store_each_job(s, "*", "zzz", job_key, &k);
	ck_assert_int_eq(k.n, 0);
	memset(&k, 0, sizeof k);
	store_each_job(s, "nope", NULL, job_key, &k);
	ck_assert_int_eq(k.n, 0);
	memset(&k, 0, sizeof k);
	k.stop_after = 2;
	store_each_job(s, NULL, NULL, job_key, &k);
	ck_assert_str_eq(k.text, "default/api,default/web");

	struct job *bad = job_new("default", "");
	ck_assert_int_eq(store_upsert_job(s, 50, bad, NULL), ERR_INVAL);
	ck_assert_uint_eq(store_table_index(s, STORE_JOBS), 8);
	job_free(bad);
	store_destroy(s);
}
END_TEST

/* ---- evaluations and allocations ----------------------------------------- */

START_TEST(evals_by_id_and_job)
{
	struct store *s = mk();
	struct keys k = {0};
	const char *rows[][3] = {
	    {"e3", "default", "web"},
	    {"e1", "default", "web"},
	    {"e2", "prod", "web"},
	    {"f1", "default", "api"},
	};
	for (size_t i = 0; i < 4; i++) {
		struct evaluation ev =
		    eval_make(rows[i][0], rows[i][1], rows[i][2]);
		ck_assert_int_eq(store_upsert_eval(s, 5 + i, &ev), ERR_OK);
		schema_release(&evaluation_schema, &ev);
	}
	ck_assert_uint_eq(store_table_index(s, STORE_EVALS), 8);
	ck_assert_uint_eq(store_eval(s, "e1")->create_index, 6);

	struct evaluation ev = eval_make("e1", "default", "web");
	set_str(&ev.status, "complete");
	ck_assert_int_eq(store_upsert_eval(s, 20, &ev), ERR_OK);
	schema_release(&evaluation_schema, &ev);
	ck_assert_str_eq(store_eval(s, "e1")->status, "complete");
	ck_assert_uint_eq(store_eval(s, "e1")->create_index, 6);
	ck_assert_uint_eq(store_eval(s, "e1")->modify_index, 20);

	store_each_eval(s, NULL, NULL, eval_key, &k);
	ck_assert_str_eq(k.text, "e1,e2,e3,f1");
	memset(&k, 0, sizeof k);
	store_each_eval(s, "default", "e", eval_key, &k);
	ck_assert_str_eq(k.text, "e1,e3");
	memset(&k, 0, sizeof k);
	store_each_job_eval(s, "default", "web", eval_key, &k);
	ck_assert_str_eq(k.text, "e1,e3");
	memset(&k, 0, sizeof k);
	store_each_job_eval(s, "*", "web", eval_key, &k);
	ck_assert_str_eq(k.text, "e1,e3,e2");
	memset(&k, 0, sizeof k);
	store_each_job_eval(s, "default", "we", eval_key, &k);
	ck_assert_int_eq(k.n, 0);

	ck_assert_int_eq(store_delete_eval(s, 21, "e3"), ERR_OK);
	ck_assert_int_eq(store_delete_eval(s, 22, "e3"), ERR_NOTFOUND);
	ck_assert_uint_eq(store_table_index(s, STORE_EVALS), 21);
	memset(&k, 0, sizeof k);
	store_each_job_eval(s, "default", "web", eval_key, &k);
	ck_assert_str_eq(k.text, "e1");
	store_destroy(s);
}
END_TEST

START_TEST(allocs_by_job_and_node)
{
	struct store *s = mk();
	struct keys k = {0};
	const char *rows[][4] = {
	    {"a4", "default", "web", "n2"},
	    {"a1", "default", "web", "n1"},
	    {"a3", "default", "api", "n1"},
	    {"a2", "prod", "web", "n2"},
	};
	for (size_t i = 0; i < 4; i++) {
		struct allocation a =
		    alloc_make(rows[i][0], rows[i][1], rows[i][2], rows[i][3]);
		ck_assert_int_eq(store_upsert_alloc(s, 10 + i, &a), ERR_OK);
		schema_release(&allocation_schema, &a);
	}
	ck_assert_uint_eq(store_alloc(s, "a1")->alloc_modify_index, 11);
	store_each_node_alloc(s, "n1", alloc_key, &k);
	ck_assert_str_eq(k.text, "a1,a3");
	memset(&k, 0, sizeof k);
	store_each_job_alloc(s, "default", "web", alloc_key, &k);
	ck_assert_str_eq(k.text, "a1,a4");
	memset(&k, 0, sizeof k);
	store_each_alloc(s, "prod", NULL, alloc_key, &k);
	ck_assert_str_eq(k.text, "a2");
	memset(&k, 0, sizeof k);
	store_each_alloc(s, NULL, "a", alloc_key, &k);
	ck_assert_str_eq(k.text, "a1,a2,a3,a4");

	/* Moving an allocation re-keys the secondary indexes. */
	struct allocation a = alloc_make("a1", "default", "api", "n2");
	ck_assert_int_eq(store_upsert_alloc(s, 30, &a), ERR_OK);
	schema_release(&allocation_schema, &a);
	ck_assert_uint_eq(store_alloc(s, "a1")->create_index, 11);
	ck_assert_uint_eq(store_alloc(s, "a1")->modify_index, 30);
	ck_assert_uint_eq(store_alloc(s, "a1")->alloc_modify_index, 30);
	memset(&k, 0, sizeof k);
	store_each_node_alloc(s, "n1", alloc_key, &k);
	ck_assert_str_eq(k.text, "a3");
	memset(&k, 0, sizeof k);
	store_each_node_alloc(s, "n2", alloc_key, &k);
	ck_assert_str_eq(k.text, "a1,a2,a4");
	memset(&k, 0, sizeof k);
	store_each_job_alloc(s, "default", "api", alloc_key, &k);
	ck_assert_str_eq(k.text, "a1,a3");

	ck_assert_int_eq(store_delete_alloc(s, 31, "a1"), ERR_OK);
	ck_assert_ptr_null(store_alloc(s, "a1"));
	memset(&k, 0, sizeof k);
	store_each_node_alloc(s, "n2", alloc_key, &k);
	ck_assert_str_eq(k.text, "a2,a4");
	ck_assert_uint_eq(store_table_index(s, STORE_ALLOCS), 31);
	store_destroy(s);
}
END_TEST

/* ---- the other tables ---------------------------------------------------- */

START_TEST(nodes_policies_namespaces)
{
	struct store *s = mk();
	struct keys k = {0};
	const char *ids[] = {"n-b", "n-a", "m-1"};
	for (int i = 0; i < 3; i++) {
		struct node n = {0};
		struct acl_policy p = {0};
		struct namespace ns = {0};
		set_str(&n.id, ids[i]);
		set_str(&p.name, ids[i]);
		set_str(&ns.name, ids[i]);
		ck_assert_int_eq(store_upsert_node(s, 1 + i, &n), ERR_OK);
		ck_assert_int_eq(store_upsert_acl_policy(s, 4 + i, &p), ERR_OK);
		ck_assert_int_eq(store_upsert_namespace(s, 7 + i, &ns), ERR_OK);
		schema_release(&node_schema, &n);
		schema_release(&acl_policy_schema, &p);
		schema_release(&namespace_schema, &ns);
	}
	store_each_node(s, "n-", node_key, &k);
	ck_assert_str_eq(k.text, "n-a,n-b");
	memset(&k, 0, sizeof k);
	store_each_acl_policy(s, NULL, policy_key, &k);
	ck_assert_str_eq(k.text, "m-1,n-a,n-b");
	memset(&k, 0, sizeof k);
	store_each_namespace(s, NULL, namespace_key, &k);
	ck_assert_str_eq(k.text, "default,m-1,n-a,n-b");
	ck_assert_uint_eq(store_node(s, "n-a")->create_index, 2);
	ck_assert_uint_eq(store_acl_policy(s, "m-1")->modify_index, 6);
	ck_assert_uint_eq(store_table_index(s, STORE_NODES), 3);
	ck_assert_uint_eq(store_table_index(s, STORE_ACL_POLICIES), 6);
	ck_assert_uint_eq(store_table_index(s, STORE_NAMESPACES), 9);
	ck_assert_int_eq(store_delete_node(s, 20, "n-a"), ERR_OK);
	ck_assert_int_eq(store_delete_acl_policy(s, 21, "n-a"), ERR_OK);
	ck_assert_int_eq(store_delete_namespace(s, 22, "n-a"), ERR_OK);
	ck_assert_int_eq(store_delete_namespace(s, 23, "n-a"), ERR_NOTFOUND);
	ck_assert_ptr_null(store_node(s, "n-a"));
	ck_assert_ptr_null(store_acl_policy(s, "n-a"));
	ck_assert_ptr_null(store_namespace(s, "n-a"));
	ck_assert_uint_eq(store_latest_index(s), 22);
	ck_assert_uint_eq(
	    store_tables_index(s, STORE_BIT(STORE_NODES) |
	                              STORE_BIT(STORE_ACL_POLICIES)),
	    21);
	store_destroy(s);
}
END_TEST

static struct acl_token token_make(const char *accessor, const char *secret)
{
	struct acl_token t = {0};
	set_str(&t.accessor_id, accessor);
	set_str(&t.secret_id, secret);
	set_str(&t.type, "client");
	return t;
}

START_TEST(tokens_by_accessor_and_secret)
{
	struct store *s = mk();
	struct acl_token t = token_make("acc-1", "sec-1");
	struct keys k = {0};
	ck_assert_int_eq(store_upsert_acl_token(s, 3, &t), ERR_OK);
	schema_release(&acl_token_schema, &t);
	t = token_make("acc-2", "sec-2");
	ck_assert_int_eq(store_upsert_acl_token(s, 4, &t), ERR_OK);
	schema_release(&acl_token_schema, &t);

	ck_assert_str_eq(store_acl_token_by_secret(s, "sec-1")->accessor_id,
	                 "acc-1");
	ck_assert_ptr_eq(store_acl_token_by_secret(s, "sec-2"),
	                 store_acl_token(s, "acc-2"));
	ck_assert_ptr_null(store_acl_token_by_secret(s, "sec-3"));
	ck_assert_ptr_null(store_acl_token_by_secret(s, "sec-"));
	ck_assert_ptr_null(store_acl_token_by_secret(s, ""));
	ck_assert_ptr_null(store_acl_token_by_secret(s, NULL));

	/* Another token's secret is refused; nothing changes. */
	t = token_make("acc-3", "sec-1");
	ck_assert_int_eq(store_upsert_acl_token(s, 5, &t), ERR_EXISTS);
	schema_release(&acl_token_schema, &t);
	ck_assert_ptr_null(store_acl_token(s, "acc-3"));
	ck_assert_uint_eq(store_table_index(s, STORE_ACL_TOKENS), 4);

	/* A new secret for acc-1 replaces the old one in the index. */
	t = token_make("acc-1", "sec-9");
	ck_assert_int_eq(store_upsert_acl_token(s, 6, &t), ERR_OK);
	schema_release(&acl_token_schema, &t);
	ck_assert_ptr_null(store_acl_token_by_secret(s, "sec-1"));
	ck_assert_str_eq(store_acl_token_by_secret(s, "sec-9")->accessor_id,
	                 "acc-1");
	ck_assert_uint_eq(store_acl_token(s, "acc-1")->create_index, 3);

	store_each_acl_token(s, "acc", token_key, &k);
	ck_assert_str_eq(k.text, "acc-1,acc-2");
	ck_assert_int_eq(store_delete_acl_token(s, 7, "acc-2"), ERR_OK);
	ck_assert_ptr_null(store_acl_token_by_secret(s, "sec-2"));

	ck_assert_uint_eq(store_acl_bootstrap_index(s), 0);
	ck_assert_int_eq(store_set_acl_bootstrap_index(s, 8), ERR_OK);
	ck_assert_uint_eq(store_acl_bootstrap_index(s), 8);
	ck_assert_uint_eq(store_table_index(s, STORE_ACL_TOKENS), 8);
	store_destroy(s);
}
END_TEST

START_TEST(variables_and_services)
{
	struct store *s = mk();
	struct keys k = {0};
	const char *vars[][2] = {{"default", "app/db"},
	                         {"default", "app/api"},
	                         {"prod", "app/db"},
	                         {"default", "other"}};
	for (int i = 0; i < 4; i++) {
		struct variable v = {0};
		set_str(&v.namespace, vars[i][0]);
		set_str(&v.path, vars[i][1]);
		ck_assert_int_eq(strmap_set(&v.items, "k", "v"), ERR_OK);
		ck_assert_int_eq(store_upsert_variable(s, 10 + i, &v), ERR_OK);
		schema_release(&variable_schema, &v);
	}
	store_each_variable(s, "default", "app/", variable_key, &k);
	ck_assert_str_eq(k.text, "default/app/api,default/app/db");
	memset(&k, 0, sizeof k);
	store_each_variable(s, "*", "app/db", variable_key, &k);
	ck_assert_str_eq(k.text, "default/app/db,prod/app/db");
	ck_assert_str_eq(
	    strmap_get(&store_variable(s, "prod", "app/db")->items, "k"), "v");
	ck_assert_int_eq(store_delete_variable(s, 20, "prod", "app/db"),
	                 ERR_OK);
	ck_assert_ptr_null(store_variable(s, "prod", "app/db"));

	const char *svcs[][3] = {{"default", "web", "id-2"},
	                         {"default", "db", "id-9"},
	                         {"default", "web", "id-1"},
	                         {"prod", "web", "id-3"}};
	for (int i = 0; i < 4; i++) {
		struct service_registration r = {0};
		set_str(&r.namespace, svcs[i][0]);
		set_str(&r.service_name, svcs[i][1]);
		set_str(&r.id, svcs[i][2]);
		ck_assert_int_eq(store_upsert_service(s, 30 + i, &r), ERR_OK);
		schema_release(&service_registration_schema, &r);
	}
	memset(&k, 0, sizeof k);
	store_each_service(s, "default", "web", service_key, &k);
	ck_assert_str_eq(k.text, "default/web/id-1,default/web/id-2");
	memset(&k, 0, sizeof k);
	store_each_service(s, "default", NULL, service_key, &k);
	ck_assert_str_eq(k.text,
	                 "default/db/id-9,default/web/id-1,default/web/id-2");
	memset(&k, 0, sizeof k);
	store_each_service(s, NULL, "web", service_key, &k);
	ck_assert_str_eq(k.text, "default/web/id-1,default/web/id-2,"
	                         "prod/web/id-3");
	memset(&k, 0, sizeof k);
	store_each_service(s, "default", "we", service_key, &k);
	ck_assert_int_eq(k.n, 0);
	ck_assert_int_eq(store_delete_service(s, 40, "default", "id-1"),
	                 ERR_OK);
	ck_assert_int_eq(store_delete_service(s, 41, "prod", "id-1"),
	                 ERR_NOTFOUND);
	memset(&k, 0, sizeof k);
	store_each_service(s, "default", "web", service_key, &k);
	ck_assert_str_eq(k.text, "default/web/id-2");
	ck_assert_uint_eq(store_table_index(s, STORE_SERVICES), 40);
	store_destroy(s);
}
END_TEST

/* Keys with shared prefixes, empty parts and high bytes: the listing
 * order is the tuple order (strcmp part by part, shorter first). */
struct svc_order {
	const struct service_registration *prev;
	size_t n, bad;
};

static int tuple_cmp(const struct service_registration *a,
                     const struct service_registration *b)
{
	const char *pa[] = {a->namespace, a->service_name, a->id};
	const char *pb[] = {b->namespace, b->service_name, b->id};
	for (int i = 0; i < 3; i++) {
		int c = strcmp(pa[i] ? pa[i] : "", pb[i] ? pb[i] : "");
		if (c != 0)
			return c;
	}
	return 0;
}

static bool svc_order(void *data, const struct service_registration *r)
{
	struct svc_order *o = data;
	if (o->prev != NULL && tuple_cmp(o->prev, r) >= 0)
		o->bad++;
	o->prev = r;
	o->n++;
	return true;
}

START_TEST(ordering_matches_tuple_order)
{
	static const char *const parts[] = {
	    "",      "a", "ab",   "abcdefgh", "abcdefghi", "abcdefgh\x01",
	    "a\x01", "b", "\xff", "a\xff",    "abcdefg",
	};
	const size_t np = sizeof parts / sizeof parts[0];
	struct gen_rng r = {unit_seed()};
	struct store *s = mk();
	struct svc_order o = {0};
	size_t distinct = 0;
	for (int i = 0; i < 400; i++) {
		struct service_registration reg = {0};
		char id[32];
		set_str(&reg.namespace, parts[gen_next(&r) % np]);
		set_str(&reg.service_name, parts[gen_next(&r) % np]);
		snprintf(id, sizeof id, "%s%d", parts[gen_next(&r) % np],
		         (int)(gen_next(&r) % 5));
		set_str(&reg.id, id);
		ck_assert_int_eq(store_upsert_service(s, 1 + i, &reg), ERR_OK);
		schema_release(&service_registration_schema, &reg);
	}
	for (size_t i = 0; i < np; i++) {
		struct svc_order one = {0};
		store_each_service(s, parts[i], NULL, svc_order, &one);
		ck_assert_uint_eq(one.bad, 0);
		distinct += one.n;
	}
	store_each_service(s, NULL, NULL, svc_order, &o);
	ck_assert_uint_eq(o.bad, 0);
	ck_assert_uint_eq(o.n, distinct);
	store_destroy(s);
}
END_TEST

START_TEST(indexes_never_move_backwards)
{
	struct store *s = mk();
	struct node n = {0};
	set_str(&n.id, "n1");
	ck_assert_int_eq(store_upsert_node(s, 50, &n), ERR_OK);
	ck_assert_int_eq(store_upsert_node(s, 40, &n), ERR_OK);
	schema_release(&node_schema, &n);
	ck_assert_uint_eq(store_table_index(s, STORE_NODES), 50);
	ck_assert_uint_eq(store_node(s, "n1")->modify_index, 40);
	ck_assert_uint_eq(store_table_index(s, STORE_TABLES), 0);
	store_destroy(s);
}
END_TEST

/* ---- watches ---------------------------------------------------------------
 */

struct wt {
	struct store_watch w;
	struct store *s;
	int fired;
	uint64_t seen; /* the table index when it fired */
	unsigned mask;
	bool rearm;
	struct wt *cancel; /* unwatched from the callback */
	struct wt *add;    /* registered from the callback */
};

static void wt_cb(struct store_watch *w)
{
	struct wt *t = w->data;
	t->fired++;
	t->seen = store_tables_index(t->s, t->mask);
	store_unwatch(t->s, w); /* a no-op: it is no longer registered */
	if (t->cancel != NULL)
		store_unwatch(t->s, &t->cancel->w);
	if (t->add != NULL)
		store_watch(t->s, &t->add->w, t->add->mask, t->seen);
	if (t->rearm)
		store_watch(t->s, w, t->mask, t->seen);
}

static void wt_init(struct wt *t, struct store *s, unsigned mask)
{
	memset(t, 0, sizeof *t);
	t->w.data = t;
	t->w.cb = wt_cb;
	t->s = s;
	t->mask = mask;
}

static void put_node(struct store *s, uint64_t index, const char *id)
{
	struct node n = {0};
	set_str(&n.id, id);
	ck_assert_int_eq(store_upsert_node(s, index, &n), ERR_OK);
	schema_release(&node_schema, &n);
}

static void put_eval(struct store *s, uint64_t index, const char *id)
{
	struct evaluation ev = eval_make(id, "default", "web");
	ck_assert_int_eq(store_upsert_eval(s, index, &ev), ERR_OK);
	schema_release(&evaluation_schema, &ev);
}

/* Stores allocation id of job (NULL: none) on node "n1". */
static void put_alloc(struct store *s, uint64_t index, const char *id,
                      const struct job *job)
{
	struct allocation a = alloc_make(id, "default", "web", "n1");
	a.job = (struct job *)job; /* borrowed: copied in */
	ck_assert_int_eq(store_upsert_alloc(s, index, &a), ERR_OK);
	a.job = NULL;
	schema_release(&allocation_schema, &a);
}

START_TEST(watch_fires_after_the_right_write)
{
	struct store *s = mk();
	struct wt a, b, multi;
	put_node(s, 5, "n0");
	wt_init(&a, s, STORE_BIT(STORE_NODES));
	wt_init(&b, s, STORE_BIT(STORE_EVALS));
	wt_init(&multi, s, STORE_BIT(STORE_JOBS) | STORE_BIT(STORE_EVALS));
	store_watch(s, &a.w, a.mask, 5);
	store_watch(s, &b.w, b.mask, 5);
	store_watch(s, &multi.w, multi.mask, 5);
	ck_assert_int_eq(a.fired + b.fired + multi.fired, 0);
	put_eval(s, 4, "e0"); /* evals move to 4: not past 5 */
	ck_assert_int_eq(b.fired + multi.fired, 0);
	put_node(s, 6, "n1");
	ck_assert_int_eq(a.fired, 1);
	ck_assert_uint_eq(a.seen, 6);
	ck_assert_int_eq(b.fired + multi.fired, 0);
	put_eval(s, 7, "e1");
	ck_assert_int_eq(b.fired, 1);
	ck_assert_int_eq(multi.fired, 1);
	ck_assert_uint_eq(multi.seen, 7);
	put_node(s, 8, "n2");
	put_eval(s, 9, "e2");
	ck_assert_int_eq(a.fired, 1); /* once per registration */
	ck_assert_int_eq(b.fired, 1);
	ck_assert_int_eq(multi.fired, 1);
	store_destroy(s);
}
END_TEST

START_TEST(watch_immediate_cancel_and_rearm)
{
	struct store *s = mk();
	struct wt now, cancel, re, victim, killer;
	put_node(s, 10, "n0");
	wt_init(&now, s, STORE_BIT(STORE_NODES));
	store_watch(s, &now.w, now.mask, 9);
	ck_assert_int_eq(now.fired, 1); /* already past: fires at once */
	ck_assert(!now.w.armed);

	wt_init(&cancel, s, STORE_BIT(STORE_NODES));
	store_watch(s, &cancel.w, cancel.mask, 10);
	store_unwatch(s, &cancel.w);
	store_unwatch(s, &cancel.w);
	put_node(s, 11, "n1");
	ck_assert_int_eq(cancel.fired, 0);

	/* Re-armed from its callback: fires on each later write. */
	wt_init(&re, s, STORE_BIT(STORE_NODES));
	re.rearm = true;
	store_watch(s, &re.w, re.mask, 11);
	put_node(s, 12, "n2");
	ck_assert_int_eq(re.fired, 1);
	ck_assert(re.w.armed);
	put_node(s, 13, "n3");
	ck_assert_int_eq(re.fired, 2);
	re.rearm = false;
	put_node(s, 14, "n4");
	ck_assert_int_eq(re.fired, 3);
	ck_assert(!re.w.armed);
	put_node(s, 15, "n5");
	ck_assert_int_eq(re.fired, 3);

	/* A callback that cancels another watch ready in the same write. */
	wt_init(&killer, s, STORE_BIT(STORE_NODES));
	wt_init(&victim, s, STORE_BIT(STORE_NODES));
	killer.cancel = &victim;
	store_watch(s, &killer.w, killer.mask, 15);
	store_watch(s, &victim.w, victim.mask, 15);
	put_node(s, 16, "n6");
	ck_assert_int_eq(killer.fired, 1);
	ck_assert_int_eq(victim.fired, 0);
	ck_assert(!victim.w.armed);
	store_destroy(s);
}
END_TEST

START_TEST(watch_registered_from_callback_waits)
{
	struct store *s = mk();
	struct wt first, second;
	wt_init(&first, s, STORE_BIT(STORE_NODES));
	wt_init(&second, s, STORE_BIT(STORE_NODES));
	first.add = &second;
	store_watch(s, &first.w, first.mask, 0);
	put_node(s, 1, "n1");
	ck_assert_int_eq(first.fired, 1);
	ck_assert_int_eq(second.fired, 0); /* waits past index 1 */
	ck_assert(second.w.armed);
	put_node(s, 2, "n2");
	ck_assert_int_eq(second.fired, 1);
	/* Destroying a store disarms what is still registered. */
	store_watch(s, &second.w, second.mask, 2);
	store_destroy(s);
	ck_assert(!second.w.armed);
	ck_assert_int_eq(second.fired, 1);
}
END_TEST

START_TEST(many_watches)
{
	enum { N = 3000 };
	static struct wt w[N];
	struct store *s = mk();
	int fired = 0;
	for (int i = 0; i < N; i++) {
		unsigned t = i % 3 == 0 ? STORE_NODES : STORE_EVALS;
		wt_init(&w[i], s,
		        i % 7 == 0
		            ? STORE_BIT(STORE_NODES) | STORE_BIT(STORE_EVALS)
		            : STORE_BIT(t));
		store_watch(s, &w[i].w, w[i].mask, 0);
	}
	put_node(s, 1, "n1");
	for (int i = 0; i < N; i++) {
		bool want = (w[i].mask & STORE_BIT(STORE_NODES)) != 0;
		ck_assert_int_eq(w[i].fired, want ? 1 : 0);
		fired += w[i].fired;
	}
	ck_assert_int_gt(fired, N / 3);
	put_eval(s, 2, "e1");
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(w[i].fired, 1);
	store_destroy(s);
}
END_TEST

/* ---- snapshots ------------------------------------------------------------
 */

static char *keyf(const char *fmt, int i)
{
	return mem_asprintf(fmt, i);
}

static const char *const nss[] = {"default", "prod", "dev"};

/* Fills every table with random objects under unique keys. */
static void fill_random(struct store *s, struct gen_rng *r, int n)
{
	uint64_t index = 100;
	for (int i = 0; i < n; i++) {
		struct job j = {0};
		gen_random(&job_schema, &j, r, 2);
		set_str(&j.namespace, nss[i % 3]);
		mem_free(j.id);
		j.id = keyf("job-%d", i);
		for (int v = 0; v <= i % 4; v++) {
			j.priority = v;
			ck_assert_int_eq(store_upsert_job(s, index++, &j, NULL),
			                 ERR_OK);
		}
		schema_release(&job_schema, &j);
	}
#define FILL(T, sch, upsert, KEYS)                                \
	for (int i = 0; i < n; i++) {                             \
		struct T o = {0};                                 \
		gen_random(&sch, &o, r, 2);                       \
		KEYS;                                             \
		ck_assert_int_eq(upsert(s, index++, &o), ERR_OK); \
		schema_release(&sch, &o);                         \
	}
	FILL(evaluation, evaluation_schema, store_upsert_eval, {
		mem_free(o.id);
		o.id = keyf("eval-%d", i);
	});
	FILL(allocation, allocation_schema, store_upsert_alloc, {
		mem_free(o.id);
		o.id = keyf("alloc-%d", i);
	});
	FILL(node, node_schema, store_upsert_node, {
		mem_free(o.id);
		o.id = keyf("node-%d", i);
	});
	FILL(acl_policy, acl_policy_schema, store_upsert_acl_policy, {
		mem_free(o.name);
		o.name = keyf("policy-%d", i);
	});
	FILL(acl_token, acl_token_schema, store_upsert_acl_token, {
		mem_free(o.accessor_id);
		o.accessor_id = keyf("acc-%d", i);
		mem_free(o.secret_id);
		o.secret_id = keyf("sec-%d", i);
	});
	FILL(namespace, namespace_schema, store_upsert_namespace, {
		mem_free(o.name);
		o.name = keyf("ns-%d", i);
	});
	FILL(variable, variable_schema, store_upsert_variable, {
		mem_free(o.path);
		o.path = keyf("var/%d", i);
	});
	FILL(service_registration, service_registration_schema,
	     store_upsert_service, {
		     mem_free(o.id);
		     o.id = keyf("svc-%d", i);
	     });
#undef FILL
	ck_assert_int_eq(store_set_acl_bootstrap_index(s, index), ERR_OK);
}

/* Visited objects, in order. */
struct objs {
	const void *v[512];
	size_t n;
};

#define COLLECT(name, type)                                \
	static bool name(void *data, const struct type *o) \
	{                                                  \
		struct objs *c = data;                     \
		ck_assert_uint_lt(c->n, 512);              \
		c->v[c->n++] = o;                          \
		return true;                               \
	}
COLLECT(c_job, job)
COLLECT(c_eval, evaluation)
COLLECT(c_alloc, allocation)
COLLECT(c_node, node)
COLLECT(c_policy, acl_policy)
COLLECT(c_token, acl_token)
COLLECT(c_namespace, namespace)
COLLECT(c_variable, variable)
COLLECT(c_service, service_registration)

static void objs_eq(const struct schema *sch, const struct objs *a,
                    const struct objs *b)
{
	ck_assert_uint_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		ck_assert_msg(schema_equal(sch, a->v[i], b->v[i]),
		              "%s %zu differs", sch->name, i);
}

static void jobs_eq(const struct store *x, const struct store *y)
{
	struct objs a = {0}, b = {0};
	store_each_job(x, NULL, NULL, c_job, &a);
	store_each_job(y, NULL, NULL, c_job, &b);
	objs_eq(&job_schema, &a, &b);
	for (size_t i = 0; i < a.n; i++) {
		const struct job *j = a.v[i];
		size_t na, nb;
		const struct job *const *va =
		    store_job_versions(x, j->namespace, j->id, &na);
		const struct job *const *vb =
		    store_job_versions(y, j->namespace, j->id, &nb);
		ck_assert_uint_eq(na, nb);
		for (size_t v = 0; v < na; v++)
			ck_assert(schema_equal(&job_schema, va[v], vb[v]));
	}
}

#define TABLE_EQ(each, fn, sch, ...)          \
	do {                                  \
		struct objs a = {0}, b = {0}; \
		each(x, __VA_ARGS__, fn, &a); \
		each(y, __VA_ARGS__, fn, &b); \
		objs_eq(&sch, &a, &b);        \
	} while (0)

static void stores_eq(const struct store *x, const struct store *y)
{
	jobs_eq(x, y);
	TABLE_EQ(store_each_eval, c_eval, evaluation_schema, NULL, NULL);
	TABLE_EQ(store_each_alloc, c_alloc, allocation_schema, NULL, NULL);
	TABLE_EQ(store_each_node, c_node, node_schema, NULL);
	TABLE_EQ(store_each_acl_policy, c_policy, acl_policy_schema, NULL);
	TABLE_EQ(store_each_acl_token, c_token, acl_token_schema, NULL);
	TABLE_EQ(store_each_namespace, c_namespace, namespace_schema, NULL);
	TABLE_EQ(store_each_variable, c_variable, variable_schema, NULL, NULL);
	TABLE_EQ(store_each_service, c_service, service_registration_schema,
	         NULL, NULL);
	for (unsigned t = 0; t < STORE_TABLES; t++)
		ck_assert_uint_eq(store_table_index(x, t),
		                  store_table_index(y, t));
	ck_assert_uint_eq(store_acl_bootstrap_index(x),
	                  store_acl_bootstrap_index(y));
}

START_TEST(snapshot_round_trip_random)
{
	struct gen_rng r = {unit_seed() + (uint64_t)_i};
	struct store *a = mk(), *b = mk();
	struct err e;
	size_t len;
	char *snap;
	fill_random(a, &r, 12);
	snap = snap_of(a, &len);
	ck_assert_int_eq(store_restore(b, snap, len, &e), ERR_OK);
	stores_eq(a, b);
	assert_snap_eq(b, snap, len); /* deterministic bytes */
	ck_assert(store_acl_token_by_secret(b, "sec-3") != NULL);
	ck_assert_str_eq(store_acl_token_by_secret(b, "sec-3")->accessor_id,
	                 "acc-3");
	/* Restoring over a filled store replaces everything. */
	ck_assert_int_eq(store_restore(a, snap, len, &e), ERR_OK);
	stores_eq(a, b);
	mem_free(snap);
	store_destroy(a);
	store_destroy(b);
}
END_TEST

/* A frozen view encodes the store as it was when frozen, whatever the
 * writes after it (replace, delete, in-place job updates, version pruning,
 * a restore); the objects it reads stay alive until the thaw (the fixture
 * checks nothing leaks, ASan that nothing was freed early). */
START_TEST(frozen_view_survives_writes)
{
	struct gen_rng r = {unit_seed() + (uint64_t)_i};
	struct store *a = mk(), *other = mk();
	struct store_frozen *f;
	struct job *j = job_new("default", "web");
	struct buf b;
	struct err e;
	size_t len, olen;
	char *snap, *osnap;
	const struct job *v0;
	fill_random(a, &r, 12);
	ck_assert_int_eq(store_upsert_job(a, 500, j, NULL), ERR_OK);
	/* Two allocations sharing the job's version 0. */
	put_alloc(a, 500, "fz-1", store_job(a, "default", "web"));
	put_alloc(a, 500, "fz-2", store_job(a, "default", "web"));
	v0 = store_alloc(a, "fz-1")->job;
	ck_assert_ptr_eq(store_alloc(a, "fz-2")->job, v0);
	snap = snap_of(a, &len);
	ck_assert_int_eq(store_freeze(a, &f), ERR_OK);
	/* Writes of every kind after the freeze. */
	for (uint64_t i = 0; i < 10; i++) {
		j->priority = 60 + (int64_t)i; /* new versions, pruned at 6 */
		ck_assert_int_eq(store_upsert_job(a, 501 + i, j, NULL), ERR_OK);
	}
	ck_assert_int_eq(store_upsert_job(a, 520, j, NULL), ERR_OK);
	/* The pooled version 0 loses its allocations (it waits for the
	 * thaw), then comes back as a new copy. */
	put_alloc(a, 520, "fz-2", store_job(a, "default", "web"));
	ck_assert_int_eq(store_delete_alloc(a, 520, "fz-1"), ERR_OK);
	ck_assert_uint_eq(v0->version, 0); /* still readable */
	put_alloc(a, 520, "fz-3", v0);
	ck_assert_ptr_ne(store_alloc(a, "fz-3")->job, v0);
	ck_assert_int_eq(
	    store_set_job_status(a, 521, "default", "web", "running", "up"),
	    ERR_OK);
	ck_assert_int_eq(store_delete_job(a, 522, "default", "web"), ERR_OK);
	fill_random(other, &r, 5);
	osnap = snap_of(other, &olen);
	ck_assert_int_eq(store_restore(a, osnap, olen, &e), ERR_OK);
	/* The view still encodes the store as it was. */
	buf_init(&b);
	ck_assert_int_eq(store_frozen_encode(f, &b), ERR_OK);
	ck_assert_uint_eq(b.len, len);
	ck_assert(memcmp(b.data, snap, len) == 0);
	buf_release(&b);
	store_thaw(a, f);
	assert_snap_eq(a, osnap, olen);
	job_free(j);
	mem_free(snap);
	mem_free(osnap);
	store_destroy(a);
	store_destroy(other);
}
END_TEST

START_TEST(restore_replaces_and_fires_watches)
{
	struct store *a = mk(), *b = mk();
	struct wt nodes, evals, jobs;
	struct err e;
	size_t len;
	char *snap;
	put_node(a, 40, "n1");
	put_eval(a, 41, "e1");
	snap = snap_of(a, &len);
	put_node(b, 3, "old");
	put_eval(b, 41, "e-old");
	wt_init(&nodes, b, STORE_BIT(STORE_NODES));
	wt_init(&evals, b, STORE_BIT(STORE_EVALS));
	wt_init(&jobs, b, STORE_BIT(STORE_JOBS));
	store_watch(b, &nodes.w, nodes.mask, 3);
	store_watch(b, &evals.w, evals.mask, 41);
	store_watch(b, &jobs.w, jobs.mask, 0);
	ck_assert_int_eq(store_restore(b, snap, len, &e), ERR_OK);
	ck_assert_int_eq(nodes.fired, 1); /* 3 -> 40 */
	ck_assert_int_eq(evals.fired, 0); /* 41 -> 41 */
	ck_assert_int_eq(jobs.fired, 0);
	ck_assert_ptr_null(store_node(b, "old"));
	ck_assert_ptr_nonnull(store_node(b, "n1"));
	ck_assert_ptr_null(store_eval(b, "e-old"));
	ck_assert_ptr_nonnull(store_namespace(b, "default"));
	store_unwatch(b, &evals.w);
	store_unwatch(b, &jobs.w);
	mem_free(snap);
	store_destroy(a);
	store_destroy(b);
}
END_TEST

/* Packs a hand-made snapshot document. */
struct mp {
	struct buf b;
	msgpack_packer pk;
};

static int mp_write(void *data, const char *p, size_t n)
{
	buf_append(data, p, n);
	return 0;
}

static void mp_init(struct mp *m)
{
	buf_init(&m->b);
	msgpack_packer_init(&m->pk, &m->b, mp_write);
}

static void mp_str(struct mp *m, const char *s)
{
	msgpack_pack_str(&m->pk, strlen(s));
	msgpack_pack_str_body(&m->pk, s, strlen(s));
}

/* Restores m into a store that already has a node: the error must be
 * `want` and the node still there. */
static void restore_fails(struct mp *m, int code, const char *want)
{
	struct store *s = mk();
	struct err e;
	size_t len;
	char *before;
	put_node(s, 7, "keep");
	before = snap_of(s, &len);
	ck_assert_int_eq(store_restore(s, m->b.data, m->b.len, &e), code);
	ck_assert_str_eq(e.msg, want);
	assert_snap_eq(s, before, len);
	mem_free(before);
	buf_release(&m->b);
	store_destroy(s);
}

START_TEST(restore_errors_name_the_problem)
{
	struct mp m;

	mp_init(&m);
	msgpack_pack_array(&m.pk, 0);
	restore_fails(&m, ERR_DECODE, "expected a map at offset 0");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 0);
	restore_fails(&m, ERR_DECODE, "missing snapshot format");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 3);
	restore_fails(&m, ERR_UNSUPPORTED, "unsupported snapshot format 3");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 0);
	restore_fails(&m, ERR_UNSUPPORTED, "unsupported snapshot format 0");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 1);
	mp_str(&m, "Allocs");
	msgpack_pack_array(&m.pk, 2);
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "ID");
	mp_str(&m, "a1");
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "ID");
	mp_str(&m, "a2");
	mp_str(&m, "AllocModifyIndex");
	mp_str(&m, "x");
	restore_fails(&m, ERR_DECODE,
	              "table \"Allocs\": item 1: Allocation.AllocModifyIndex: "
	              "expected integer, got string");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 1);
	mp_str(&m, "Nodes");
	msgpack_pack_array(&m.pk, 2);
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "ID");
	mp_str(&m, "n1");
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "ID");
	mp_str(&m, "n1");
	restore_fails(&m, ERR_DECODE,
	              "table \"Nodes\": item 1: duplicate node \"n1\"");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 1);
	mp_str(&m, "Evals");
	msgpack_pack_array(&m.pk, 1);
	msgpack_pack_map(&m.pk, 0);
	restore_fails(&m, ERR_DECODE,
	              "table \"Evals\": item 0: missing \"ID\"");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 1);
	mp_str(&m, "JobVersions");
	msgpack_pack_array(&m.pk, 1);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "ID");
	mp_str(&m, "web");
	mp_str(&m, "Namespace");
	mp_str(&m, "default");
	restore_fails(&m, ERR_DECODE,
	              "table \"JobVersions\": item 0: no job \"web\" in "
	              "namespace \"default\"");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 3);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 1);
	mp_str(&m, "Nodes");
	msgpack_pack_array(&m.pk, 0);
	mp_str(&m, "Nodes");
	msgpack_pack_array(&m.pk, 0);
	restore_fails(&m, ERR_DECODE, "duplicate key \"Nodes\"");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 1);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 1);
	msgpack_pack_nil(&m.pk);
	restore_fails(&m, ERR_DECODE,
	              "trailing bytes after the snapshot at offset 9");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 1);
	mp_str(&m, "Evals");
	msgpack_pack_array(&m.pk, 1000000);
	restore_fails(&m, ERR_DECODE, "truncated msgpack data at offset 20");

	/* A string running past the end, at the top and inside a table. */
	mp_init(&m);
	buf_append(&m.b,
	           "\x81\xa6"
	           "Form",
	           6);
	restore_fails(&m, ERR_DECODE, "truncated msgpack data at offset 1");
	mp_init(&m);
	buf_append(&m.b,
	           "\x81\xa5"
	           "Nodes"
	           "\x91\x81\xa2"
	           "I",
	           11);
	restore_fails(&m, ERR_DECODE, "truncated msgpack data at offset 9");
	mp_init(&m);
	buf_append(&m.b, "\x81\xc1", 2);
	restore_fails(&m, ERR_DECODE, "invalid msgpack byte 0xc1 at offset 1");
}
END_TEST

/* Unknown keys and tables are skipped; absent tables are empty; the
 * default namespace comes back when the snapshot lacks it. */
START_TEST(restore_accepts_a_grown_format)
{
	struct store *s = mk();
	struct err e;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 4);
	mp_str(&m, "Future");
	msgpack_pack_array(&m.pk, 1);
	msgpack_pack_map(&m.pk, 0);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 1);
	mp_str(&m, "Indexes");
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Nodes");
	msgpack_pack_uint64(&m.pk, 33);
	mp_str(&m, "Quotas");
	msgpack_pack_uint64(&m.pk, 9);
	mp_str(&m, "Nodes");
	msgpack_pack_array(&m.pk, 1);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "ID");
	mp_str(&m, "n1");
	mp_str(&m, "Unknown");
	msgpack_pack_true(&m.pk);
	put_eval(s, 3, "e1");
	ck_assert_int_eq(store_restore(s, m.b.data, m.b.len, &e), ERR_OK);
	ck_assert_ptr_nonnull(store_node(s, "n1"));
	ck_assert_ptr_null(store_eval(s, "e1"));
	ck_assert_ptr_nonnull(store_namespace(s, "default"));
	ck_assert_uint_eq(store_table_index(s, STORE_NODES), 33);
	ck_assert_uint_eq(store_table_index(s, STORE_EVALS), 0);
	buf_release(&m.b);
	store_destroy(s);
}
END_TEST

START_TEST(restore_truncated_or_corrupt)
{
	struct gen_rng r = {unit_seed()};
	struct store *a = mk(), *b = mk();
	char *snap, *before;
	size_t len, blen;
	struct err e;
	fill_random(a, &r, 3);
	snap = snap_of(a, &len);
	put_node(b, 1, "keep");
	before = snap_of(b, &blen);
	for (size_t cut = 0; cut < len; cut += 1 + cut / 64) {
		ck_assert_int_ne(store_restore(b, snap, cut, &e), ERR_OK);
		ck_assert(e.msg[0] != '\0');
	}
	assert_snap_eq(b, before, blen);
	for (int i = 0; i < 300; i++) {
		char *bad = mem_malloc(len);
		memcpy(bad, snap, len);
		for (int k = 0; k < 3; k++)
			bad[gen_next(&r) % len] = (char)gen_next(&r);
		if (store_restore(b, bad, len, &e) == ERR_OK) {
			/* Still a valid snapshot: put b back as it was. */
			ck_assert_int_eq(store_restore(b, before, blen, &e),
			                 ERR_OK);
		}
		assert_snap_eq(b, before, blen);
		mem_free(bad);
	}
	mem_free(before);
	mem_free(snap);
	store_destroy(a);
	store_destroy(b);
}
END_TEST

/* ---- allocations share their job ------------------------------------------
 */

/* A heap job with random content (task groups, tasks...) and the key
 * given. */
static struct job *rich_job(struct gen_rng *r, const char *id, uint64_t version,
                            uint64_t jmi)
{
	struct job *j = mem_calloc(1, sizeof *j);
	gen_random(&job_schema, j, r, 3);
	set_str(&j->namespace, "default");
	set_str(&j->id, id);
	j->version = version;
	j->job_modify_index = jmi;
	return j;
}

/* Blocks of the mem hook one copy of j takes. */
static int64_t job_blocks(const struct job *j)
{
	int64_t before = mem_outstanding(), n;
	struct job *copy = job_dup(j);
	ck_assert_ptr_nonnull(copy);
	n = mem_outstanding() - before;
	job_free(copy);
	return n;
}

static char *alloc_id(int i)
{
	return keyf("alloc-%05d", i);
}

/* Stores allocations [from, to) of job (NULL: none); returns how many
 * blocks the store grew by. */
static int64_t put_allocs(struct store *s, uint64_t index, int from, int to,
                          const struct job *job)
{
	int64_t before = mem_outstanding();
	size_t failed = 0;
	for (int i = from; i < to; i++) {
		char *id = alloc_id(i);
		struct allocation a = alloc_make(id, "default", "web", "n1");
		a.job = (struct job *)job;
		failed += store_upsert_alloc(s, index, &a) != ERR_OK;
		a.job = NULL;
		schema_release(&allocation_schema, &a);
		mem_free(id);
	}
	ck_assert_uint_eq(failed, 0);
	return mem_outstanding() - before;
}

static const struct job *job_of(const struct store *s, int i)
{
	char *id = alloc_id(i);
	const struct allocation *a = store_alloc(s, id);
	mem_free(id);
	ck_assert_ptr_nonnull(a);
	return a->job;
}

/* The distinct job pointers of the allocations. */
struct jobptrs {
	const struct job *v[16];
	size_t n, allocs;
};

static bool jobptrs_add(void *data, const struct allocation *a)
{
	struct jobptrs *p = data;
	size_t i;
	p->allocs++;
	for (i = 0; i < p->n && p->v[i] != a->job; i++)
		;
	if (i == p->n && p->n < 16)
		p->v[p->n++] = a->job;
	return true;
}

static size_t distinct_jobs(const struct store *s)
{
	struct jobptrs p = {0};
	store_each_alloc(s, NULL, NULL, jobptrs_add, &p);
	return p.n;
}

START_TEST(allocs_share_one_job)
{
	enum { N = 10000 };
	struct gen_rng r = {unit_seed()};
	struct job *j = rich_job(&r, "web", 0, 10);
	struct store *plain = mk(), *shared = mk();
	int64_t copy = job_blocks(j), d_plain, d_shared;
	d_plain = put_allocs(plain, 5, 0, N, NULL);
	d_shared = put_allocs(shared, 5, 0, N, j);
	/* One copy of the job, and its pool entry, for all of them. */
	ck_assert_int_eq(d_shared - d_plain, copy + 1);
	ck_assert_int_lt(d_shared, d_plain + N * copy / 100);
	ck_assert_uint_eq(distinct_jobs(shared), 1);
	ck_assert_ptr_ne(job_of(shared, 0), j);
	ck_assert_ptr_eq(job_of(shared, 0), job_of(shared, N - 1));
	ck_assert(schema_equal(&job_schema, job_of(shared, 0), j));
	ck_assert_ptr_null(job_of(plain, 0));
	store_destroy(plain);
	store_destroy(shared);
	job_free(j);
}
END_TEST

START_TEST(alloc_upsert_without_job_keeps_it)
{
	struct gen_rng r = {unit_seed()};
	struct job *j = rich_job(&r, "web", 0, 10);
	struct store *s = mk();
	struct allocation a = alloc_make("a1", "default", "web", "n1");
	const struct job *p;
	put_alloc(s, 10, "a1", j);
	p = store_alloc(s, "a1")->job;
	/* A client update: no job, a new status. */
	set_str(&a.client_status, "running");
	ck_assert_int_eq(store_upsert_alloc(s, 11, &a), ERR_OK);
	ck_assert_ptr_eq(store_alloc(s, "a1")->job, p);
	ck_assert_str_eq(store_alloc(s, "a1")->client_status, "running");
	ck_assert_uint_eq(store_alloc(s, "a1")->modify_index, 11);
	/* A new allocation without a job has none. */
	put_alloc(s, 12, "a2", NULL);
	ck_assert_ptr_null(store_alloc(s, "a2")->job);
	/* The stored job itself, or an equal key with other content: the
	 * pooled one. */
	put_alloc(s, 13, "a3", p);
	ck_assert_ptr_eq(store_alloc(s, "a3")->job, p);
	j->priority = 99;
	put_alloc(s, 14, "a4", j);
	ck_assert_ptr_eq(store_alloc(s, "a4")->job, p);
	ck_assert_int_ne(p->priority, 99);
	schema_release(&allocation_schema, &a);
	store_destroy(s);
	job_free(j);
}
END_TEST

/* Half the allocations move to a new version: two pooled jobs; the old
 * one goes with its last allocation. */
START_TEST(new_job_version_moves_allocs)
{
	enum { N = 100 };
	struct gen_rng r = {unit_seed()};
	struct job *v0 = rich_job(&r, "web", 0, 10);
	struct job *v1 = job_dup(v0);
	struct store *s = mk();
	const struct job *p0, *p1;
	int64_t before;
	v1->version = 1;
	v1->job_modify_index = 20;
	v1->priority = v0->priority == 50 ? 60 : 50;
	put_allocs(s, 10, 0, N, v0);
	p0 = job_of(s, 0);
	put_allocs(s, 20, 0, N / 2, v1);
	p1 = job_of(s, 0);
	ck_assert_ptr_ne(p0, p1);
	ck_assert_uint_eq(distinct_jobs(s), 2);
	ck_assert_ptr_eq(job_of(s, N / 2 - 1), p1);
	ck_assert_ptr_eq(job_of(s, N / 2), p0);
	ck_assert_uint_eq(p0->version, 0);
	ck_assert_uint_eq(p1->version, 1);
	put_allocs(s, 21, N / 2, N - 1, v1);
	ck_assert_uint_eq(distinct_jobs(s), 2);
	/* The last move frees version 0 and its pool entry. */
	before = mem_outstanding();
	put_allocs(s, 22, N - 1, N, v1);
	ck_assert_int_eq(mem_outstanding() - before, -(job_blocks(v0) + 1));
	ck_assert_uint_eq(distinct_jobs(s), 1);
	ck_assert_ptr_eq(job_of(s, N - 1), p1);
	store_destroy(s);
	job_free(v0);
	job_free(v1);
}
END_TEST

/* Deleting, replacing and restoring drop the allocations' references:
 * the store comes back to the same number of blocks. */
START_TEST(alloc_job_references_dropped)
{
	struct gen_rng r = {unit_seed()};
	struct job *j = rich_job(&r, "web", 0, 10);
	struct job *k = rich_job(&r, "api", 0, 11);
	struct store *s = mk();
	struct err e;
	size_t elen;
	char *empty = snap_of(s, &elen);
	int64_t base;
	/* A restored empty store: the shape every restore below leaves. */
	ck_assert_int_eq(store_restore(s, empty, elen, &e), ERR_OK);
	base = mem_outstanding();
	put_allocs(s, 10, 0, 2, j);
	ck_assert_int_eq(store_delete_alloc(s, 11, "alloc-00000"), ERR_OK);
	ck_assert(schema_equal(&job_schema, job_of(s, 1), j));
	ck_assert_int_eq(store_delete_alloc(s, 12, "alloc-00001"), ERR_OK);
	ck_assert_int_eq(mem_outstanding(), base);
	/* Replaced: j's copy goes, k's comes. */
	put_allocs(s, 13, 0, 1, j);
	base = mem_outstanding();
	put_allocs(s, 14, 0, 1, k);
	ck_assert_int_eq(mem_outstanding() - base,
	                 job_blocks(k) - job_blocks(j));
	ck_assert_int_eq(store_delete_alloc(s, 15, "alloc-00000"), ERR_OK);
	base = mem_outstanding();
	/* Restored over. */
	put_allocs(s, 16, 0, 5, j);
	put_allocs(s, 17, 5, 9, k);
	ck_assert_int_eq(store_restore(s, empty, elen, &e), ERR_OK);
	ck_assert_int_eq(mem_outstanding(), base);
	/* Destroyed with shared jobs in it: the fixture checks leaks. */
	put_allocs(s, 18, 0, 5, j);
	mem_free(empty);
	store_destroy(s);
	job_free(j);
	job_free(k);
}
END_TEST

/* A snapshot holds each job once; a restore links the allocations to
 * one copy each and writes the same bytes again. */
START_TEST(snapshot_links_alloc_jobs)
{
	struct gen_rng r = {unit_seed()};
	struct job *jobs[3] = {rich_job(&r, "web", 0, 10),
	                       rich_job(&r, "web", 1, 20),
	                       rich_job(&r, "api", 0, 11)};
	struct store *s = mk(), *plain = mk(), *b = mk();
	size_t len, plen, once = 0;
	struct err e;
	char *snap, *psnap;
	for (int i = 0; i < 3; i++) {
		struct buf enc;
		buf_init(&enc);
		ck_assert_int_eq(
		    schema_msgpack_encode(&job_schema, jobs[i], &enc), ERR_OK);
		once += enc.len;
		buf_release(&enc);
		put_allocs(s, 10, 100 * i, 100 * i + 100, jobs[i]);
		put_allocs(plain, 10, 100 * i, 100 * i + 100, NULL);
	}
	put_allocs(s, 11, 300, 310, NULL);
	put_allocs(plain, 11, 300, 310, NULL);
	snap = snap_of(s, &len);
	psnap = snap_of(plain, &plen);
	/* Every job once: an entry of AllocJobRefs is a byte either way. */
	ck_assert_uint_eq(len - plen, once);
	ck_assert_int_eq(store_restore(b, snap, len, &e), ERR_OK);
	assert_snap_eq(b, snap, len);
	ck_assert_uint_eq(distinct_jobs(b), 4); /* and NULL */
	for (int i = 0; i < 3; i++) {
		ck_assert(
		    schema_equal(&job_schema, job_of(b, 100 * i), jobs[i]));
		ck_assert_ptr_eq(job_of(b, 100 * i), job_of(b, 100 * i + 99));
	}
	ck_assert_ptr_null(job_of(b, 305));
	mem_free(snap);
	mem_free(psnap);
	store_destroy(s);
	store_destroy(plain);
	store_destroy(b);
	for (int i = 0; i < 3; i++)
		job_free(jobs[i]);
}
END_TEST

/* Packs allocation id carrying job (format 1). */
static void mp_alloc(struct mp *m, const char *id, const struct job *job)
{
	struct allocation a = alloc_make(id, "default", "web", "n1");
	a.job = (struct job *)job;
	ck_assert_int_eq(schema_msgpack_pack(&allocation_schema, &a, &m->pk),
	                 ERR_OK);
	a.job = NULL;
	schema_release(&allocation_schema, &a);
}

/* Format 1: every allocation carries its job; equal ones are pooled. */
START_TEST(restore_format_1_alloc_jobs)
{
	struct gen_rng r = {unit_seed()};
	struct job *j = rich_job(&r, "web", 0, 10);
	struct job *k = rich_job(&r, "api", 0, 11);
	struct store *b = mk(), *c = mk();
	struct err e;
	size_t len;
	char *snap;
	struct mp m;
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 1);
	mp_str(&m, "Allocs");
	msgpack_pack_array(&m.pk, 4);
	mp_alloc(&m, "alloc-00000", j);
	mp_alloc(&m, "alloc-00001", k);
	mp_alloc(&m, "alloc-00002", j);
	mp_alloc(&m, "alloc-00003", NULL);
	ck_assert_int_eq(store_restore(b, m.b.data, m.b.len, &e), ERR_OK);
	ck_assert_uint_eq(distinct_jobs(b), 3);
	ck_assert_ptr_eq(job_of(b, 0), job_of(b, 2));
	ck_assert(schema_equal(&job_schema, job_of(b, 0), j));
	ck_assert(schema_equal(&job_schema, job_of(b, 1), k));
	ck_assert_ptr_null(job_of(b, 3));
	/* Written again in format 2, which restores to the same bytes. */
	snap = snap_of(b, &len);
	ck_assert_int_eq(store_restore(c, snap, len, &e), ERR_OK);
	assert_snap_eq(c, snap, len);
	ck_assert_ptr_eq(job_of(c, 0), job_of(c, 2));
	mem_free(snap);
	buf_release(&m.b);
	store_destroy(b);
	store_destroy(c);
	job_free(j);
	job_free(k);
}
END_TEST

/* {"Format": 2, "AllocJobs": [web, jobs2...], "Allocs": [a1 (with
 * inline_job)], "AllocJobRefs": refs} with refs given as packed by
 * pack_refs. */
static void mp_linked(struct mp *m, const struct job *jobs2,
                      const struct job *inline_job,
                      void (*pack_refs)(struct mp *m))
{
	struct job web = {0};
	web.namespace = "default";
	web.id = "web";
	mp_init(m);
	msgpack_pack_map(&m->pk, 4);
	mp_str(m, "Format");
	msgpack_pack_uint64(&m->pk, 2);
	mp_str(m, "AllocJobs");
	msgpack_pack_array(&m->pk, jobs2 != NULL ? 2 : 1);
	schema_msgpack_pack(&job_schema, &web, &m->pk);
	if (jobs2 != NULL)
		schema_msgpack_pack(&job_schema, jobs2, &m->pk);
	mp_str(m, "Allocs");
	msgpack_pack_array(&m->pk, 1);
	mp_alloc(m, "a1", inline_job);
	mp_str(m, "AllocJobRefs");
	pack_refs(m);
}

static void refs_0(struct mp *m)
{
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_uint64(&m->pk, 0);
}

static void refs_3(struct mp *m)
{
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_uint64(&m->pk, 3);
}

static void refs_two(struct mp *m)
{
	msgpack_pack_array(&m->pk, 2);
	msgpack_pack_uint64(&m->pk, 0);
	msgpack_pack_nil(&m->pk);
}

static void refs_str(struct mp *m)
{
	msgpack_pack_array(&m->pk, 1);
	mp_str(m, "web");
}

START_TEST(restore_alloc_job_errors)
{
	struct job web = {0};
	struct mp m;
	web.namespace = "default";
	web.id = "web";

	mp_linked(&m, NULL, NULL, refs_3);
	restore_fails(
	    &m, ERR_DECODE,
	    "table \"Allocs\": item 0: allocation \"a1\": job "
	    "reference 3 is past the end of \"AllocJobs\" (length 1)");

	mp_linked(&m, NULL, NULL, refs_two);
	restore_fails(&m, ERR_DECODE,
	              "\"AllocJobRefs\" has 2 entries for 1 allocations");

	mp_linked(&m, NULL, &web, refs_0);
	restore_fails(&m, ERR_DECODE,
	              "table \"Allocs\": item 0: allocation \"a1\": both "
	              "\"Job\" and a job reference");

	mp_linked(&m, &web, NULL, refs_0);
	restore_fails(&m, ERR_DECODE,
	              "\"AllocJobs\": item 1: duplicate job \"web\" in "
	              "namespace \"default\" at version 0 and JobModifyIndex "
	              "0");

	mp_linked(&m, NULL, NULL, refs_str);
	restore_fails(&m, ERR_DECODE,
	              "table \"Allocs\": item 0: \"AllocJobRefs\": item 0: "
	              "expected an unsigned integer at offset 1");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 2);
	mp_str(&m, "AllocJobRefs");
	msgpack_pack_array(&m.pk, 1);
	msgpack_pack_nil(&m.pk);
	restore_fails(&m, ERR_DECODE,
	              "\"AllocJobRefs\" has 1 entries for 0 allocations");

	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 2);
	mp_str(&m, "AllocJobs");
	msgpack_pack_map(&m.pk, 0);
	restore_fails(&m, ERR_DECODE,
	              "\"AllocJobs\": expected an array at offset 0");
}
END_TEST

/* Restores m into a new store and returns its snapshot. */
static char *restored_snap(struct mp *m, size_t *len)
{
	struct store *b = mk();
	struct err e;
	char *snap;
	ck_assert_int_eq(store_restore(b, m->b.data, m->b.len, &e), ERR_OK);
	snap = snap_of(b, len);
	store_destroy(b);
	buf_release(&m->b);
	return snap;
}

static void refs_nil(struct mp *m)
{
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_nil(&m->pk);
}

/* A job of AllocJobs that no allocation runs is dropped. */
START_TEST(restore_drops_unused_alloc_jobs)
{
	struct gen_rng r = {unit_seed()};
	struct job *j = rich_job(&r, "api", 0, 10);
	size_t alen, blen;
	char *a, *b;
	struct mp m;
	mp_linked(&m, j, NULL, refs_0); /* AllocJobs [web, api] */
	a = restored_snap(&m, &alen);
	mp_linked(&m, NULL, NULL, refs_0); /* AllocJobs [web] */
	b = restored_snap(&m, &blen);
	ck_assert_uint_eq(alen, blen);
	ck_assert(memcmp(a, b, alen) == 0);
	mem_free(a);
	mem_free(b);
	mp_linked(&m, j, NULL, refs_nil); /* nobody runs a job */
	a = restored_snap(&m, &alen);
	mp_init(&m);
	msgpack_pack_map(&m.pk, 2);
	mp_str(&m, "Format");
	msgpack_pack_uint64(&m.pk, 2);
	mp_str(&m, "Allocs");
	msgpack_pack_array(&m.pk, 1);
	mp_alloc(&m, "a1", NULL);
	b = restored_snap(&m, &blen);
	ck_assert_uint_eq(alen, blen);
	ck_assert(memcmp(a, b, alen) == 0);
	mem_free(a);
	mem_free(b);
	job_free(j);
}
END_TEST

/* ---- allocation failures ------------------------------------------------ */

/* Runs op with the n-th allocation failing, for n = 0, 1, ... until op
 * succeeds; each failure must leave the store exactly as it was. */
static void fault_loop(struct store *s, int (*op)(struct store *, void *),
                       void *arg, int expect_fail)
{
	size_t len;
	char *before = snap_of(s, &len);
	int rc, n;
	for (n = 0;; n++) {
		mem_fault_set(n, 1);
		rc = op(s, arg);
		mem_fault_reset();
		if (rc == ERR_OK)
			break;
		ck_assert_int_eq(rc, expect_fail);
		assert_snap_eq(s, before, len);
	}
	mem_free(before);
}

static int op_job(struct store *s, void *arg)
{
	struct job *j = arg;
	j->priority++;
	return store_upsert_job(s, 500 + (uint64_t)j->priority, j, NULL);
}

static int op_alloc(struct store *s, void *arg)
{
	return store_upsert_alloc(s, 600, arg);
}

static int op_token(struct store *s, void *arg)
{
	return store_upsert_acl_token(s, 700, arg);
}

static int op_status(struct store *s, void *arg)
{
	(void)arg;
	return store_set_job_status(s, 800, "default", "web", "running",
	                            "because");
}

static int op_restore(struct store *s, void *arg)
{
	struct buf *b = arg;
	return store_restore(s, b->data, b->len, NULL);
}

START_TEST(allocation_failures_leave_the_store_intact)
{
	struct gen_rng r = {unit_seed()};
	struct store *s = mk(), *src = mk();
	struct job *j = job_new("default", "web");
	struct allocation a = {0};
	struct acl_token t = token_make("acc", "sec");
	struct buf b;
	for (int i = 0; i < 9; i++) /* new job, new versions, pruning */
		fault_loop(s, op_job, j, ERR_NOMEM);
	fault_loop(s, op_status, NULL, ERR_NOMEM);
	gen_random(&allocation_schema, &a, &r, 3);
	set_str(&a.id, "alloc-1");
	fault_loop(s, op_alloc, &a, ERR_NOMEM); /* insert */
	set_str(&a.node_id, "another-node");
	fault_loop(s, op_alloc, &a, ERR_NOMEM); /* replace */
	{
		struct job *own = a.job, *other = job_new("default", "api");
		a.job = other;
		fault_loop(s, op_alloc, &a, ERR_NOMEM); /* another job */
		a.job = NULL;
		set_str(&a.client_status, "running");
		fault_loop(s, op_alloc, &a, ERR_NOMEM); /* keeps it */
		ck_assert_str_eq(store_alloc(s, "alloc-1")->job->id, "api");
		a.job = own;
		job_free(other);
	}
	fault_loop(s, op_token, &t, ERR_NOMEM);
	set_str(&t.secret_id, "sec-2");
	fault_loop(s, op_token, &t, ERR_NOMEM); /* the secret moves */
	ck_assert_ptr_null(store_acl_token_by_secret(s, "sec"));
	ck_assert_ptr_nonnull(store_acl_token_by_secret(s, "sec-2"));

	fill_random(src, &r, 4);
	buf_init(&b);
	ck_assert_int_eq(store_snapshot(src, &b), ERR_OK);
	fault_loop(s, op_restore, &b, ERR_NOMEM);
	stores_eq(s, src);
	buf_release(&b);

	/* Snapshot writing fails cleanly too. */
	for (int n = 0;; n++) {
		int rc;
		buf_init(&b);
		mem_fault_set(n, 1);
		rc = store_snapshot(s, &b);
		mem_fault_reset();
		buf_release(&b);
		if (rc == ERR_OK)
			break;
		ck_assert_int_eq(rc, ERR_NOMEM);
	}
	schema_release(&allocation_schema, &a);
	schema_release(&acl_token_schema, &t);
	job_free(j);
	store_destroy(src);
	store_destroy(s);
}
END_TEST

/* ---- scale
 * ------------------------------------------------------------------- */

/* Check's assertions write to a pipe each time: the hot loops below
 * count mismatches and assert once. */
struct counter {
	size_t n, bad;
	const char *want_node, *want_job;
};

static bool count_alloc(void *data, const struct allocation *a)
{
	struct counter *c = data;
	if (c->want_node != NULL && strcmp(a->node_id, c->want_node) != 0)
		c->bad++;
	if (c->want_job != NULL && strcmp(a->job_id, c->want_job) != 0)
		c->bad++;
	if (a->job != NULL && strcmp(a->job->id, a->job_id) != 0)
		c->bad++;
	c->n++;
	return true;
}

/* Registers JOBS jobs job-0000... with a task group each (random content
 * of depth 3: hundreds of allocations per copy). */
static void scale_jobs(struct store *s, struct gen_rng *r, int jobs)
{
	char id[64];
	for (int i = 0; i < jobs; i++) {
		struct job j = {0};
		gen_random(&job_schema, &j, r, 3);
		snprintf(id, sizeof id, "job-%04d", i);
		set_str(&j.namespace, "default");
		set_str(&j.id, id);
		ck_assert_int_eq(store_upsert_job(s, 1, &j, NULL), ERR_OK);
		schema_release(&job_schema, &j);
	}
}

/* The leader's load: 100,000 allocations of 500 jobs on 10,000 nodes,
 * each allocation with its job, as the plan applier stores them. */
START_TEST(scale_100k_allocations)
{
	enum { ALLOCS = 100000, NODES = 10000, JOBS = 500 };
	struct gen_rng r = {unit_seed()};
	struct store *s = mk();
	struct allocation a = {0};
	char id[64], node[64], job[64];
	struct counter c = {0};
	size_t failed = 0, bad = 0;
	int64_t before;
	scale_jobs(s, &r, JOBS);
	before = mem_outstanding();
	set_str(&a.namespace, "default");
	set_str(&a.client_status, "running");
	for (int i = 0; i < ALLOCS; i++) {
		snprintf(id, sizeof id, "%08x-0000-4000-8000-%012d",
		         i * 2654435761u, i);
		snprintf(node, sizeof node, "node-%05d", i % NODES);
		snprintf(job, sizeof job, "job-%04d", i % JOBS);
		a.id = id;
		a.node_id = node;
		a.job_id = job;
		a.job = (struct job *)store_job(s, "default", job);
		if (store_upsert_alloc(s, 2 + (uint64_t)i, &a) != ERR_OK)
			failed++;
	}
	ck_assert_uint_eq(failed, 0);
	/* The allocation, its 5 strings and its row (and the hash table's
	 * share): the jobs are pooled, not copied. */
	ck_assert_int_lt(mem_outstanding() - before, 8 * ALLOCS + JOBS * 500);
	a.id = a.node_id = a.job_id = NULL;
	a.job = NULL;
	schema_release(&allocation_schema, &a);
	for (int n = 0; n < NODES; n++) {
		snprintf(node, sizeof node, "node-%05d", n);
		c = (struct counter){.want_node = node};
		store_each_node_alloc(s, node, count_alloc, &c);
		bad += c.bad + (c.n != ALLOCS / NODES);
	}
	ck_assert_uint_eq(bad, 0);
	for (int j = 0; j < JOBS; j++) {
		snprintf(job, sizeof job, "job-%04d", j);
		c = (struct counter){.want_job = job};
		store_each_job_alloc(s, "default", job, count_alloc, &c);
		bad += c.bad + (c.n != ALLOCS / JOBS);
	}
	ck_assert_uint_eq(bad, 0);
	c = (struct counter){0};
	store_each_alloc(s, "*", NULL, count_alloc, &c);
	ck_assert_uint_eq(c.n, ALLOCS);
	ck_assert_uint_eq(store_table_index(s, STORE_ALLOCS), ALLOCS + 1);
	store_destroy(s);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = unit_tcase(s, "tables", 30);
	tcase_add_test(tc, fresh_store_has_default_namespace);
	tcase_add_test(tc, job_register_versions);
	tcase_add_test(tc, job_history_is_capped);
	tcase_add_test(tc, job_history_keeps_stable_and_tagged);
	tcase_add_test(tc, job_iteration_by_namespace_and_prefix);
	tcase_add_test(tc, evals_by_id_and_job);
	tcase_add_test(tc, allocs_by_job_and_node);
	tcase_add_test(tc, nodes_policies_namespaces);
	tcase_add_test(tc, tokens_by_accessor_and_secret);
	tcase_add_test(tc, variables_and_services);
	tcase_add_test(tc, indexes_never_move_backwards);
	tcase_add_test(tc, ordering_matches_tuple_order);
	tc = unit_tcase(s, "watches", 30);
	tcase_add_test(tc, watch_fires_after_the_right_write);
	tcase_add_test(tc, watch_immediate_cancel_and_rearm);
	tcase_add_test(tc, watch_registered_from_callback_waits);
	tcase_add_test(tc, many_watches);
	tc = unit_tcase(s, "snapshots", 60);
	tcase_add_loop_test(tc, snapshot_round_trip_random, 0, 8);
	tcase_add_loop_test(tc, frozen_view_survives_writes, 0, 4);
	tcase_add_test(tc, restore_replaces_and_fires_watches);
	tcase_add_test(tc, restore_errors_name_the_problem);
	tcase_add_test(tc, restore_accepts_a_grown_format);
	tcase_add_test(tc, restore_truncated_or_corrupt);
	tc = unit_tcase(s, "shared jobs", 60);
	tcase_add_test(tc, allocs_share_one_job);
	tcase_add_test(tc, alloc_upsert_without_job_keeps_it);
	tcase_add_test(tc, new_job_version_moves_allocs);
	tcase_add_test(tc, alloc_job_references_dropped);
	tcase_add_test(tc, snapshot_links_alloc_jobs);
	tcase_add_test(tc, restore_format_1_alloc_jobs);
	tcase_add_test(tc, restore_alloc_job_errors);
	tcase_add_test(tc, restore_drops_unused_alloc_jobs);
	tc = unit_tcase(s, "faults", 120);
	tcase_add_test(tc, allocation_failures_leave_the_store_intact);
	tc = unit_tcase(s, "scale", 60);
	tcase_add_test(tc, scale_100k_allocations);
	return s;
}

UNIT_MAIN(state_suite)
