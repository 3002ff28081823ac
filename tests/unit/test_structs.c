/* Unit tests for the data model's field lists: the schema table is sound,
 * every wire struct survives msgpack and JSON round trips, the JSON of
 * canonical objects has Nomad's shape, and the small predicates and name
 * checks behave. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "structs/structs.h"
#include "tests/lib/gen.h"
#include "tests/lib/unit.h"

/* ---- the schema table --------------------------------------------------- */

static bool table_has(const struct schema *s)
{
	for (size_t i = 0; i < structs_nall; i++)
		if (structs_all[i] == s)
			return true;
	return false;
}

static bool is_snake(const char *s)
{
	if (s[0] == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static void check_schema(const struct schema *s)
{
	size_t labels = 0;
	ck_assert_msg(s->nfields > 0, "%s has no fields", s->name);
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		ck_assert_msg(isupper((unsigned char)f->name[0]),
		              "%s.%s is not a Go name", s->name, f->name);
		for (size_t j = 0; j < i; j++) {
			ck_assert_msg(strcmp(f->name, s->fields[j].name) != 0,
			              "%s: duplicate JSON name %s", s->name,
			              f->name);
			ck_assert_msg(
			    f->hcl == NULL || s->fields[j].hcl == NULL ||
			        strcmp(f->hcl, s->fields[j].hcl) != 0,
			    "%s: duplicate hcl name %s", s->name, f->hcl);
		}
		ck_assert_msg(f->hcl == NULL || is_snake(f->hcl),
		              "%s.%s: hcl name \"%s\" is not snake_case",
		              s->name, f->name, f->hcl);
		ck_assert_msg(f->sub == NULL || table_has(f->sub),
		              "%s.%s: schema %s missing from structs_all",
		              s->name, f->name, f->sub->name);
		ck_assert_msg(!(f->flags & SF_LABEL) ||
		                  (f->type == FT_STR && f->hcl == NULL),
		              "%s.%s: a label is a string without hcl name",
		              s->name, f->name);
		labels += (f->flags & SF_LABEL) != 0;
	}
	ck_assert_msg(labels <= 1, "%s has %zu label fields", s->name, labels);
}

START_TEST(schema_table_is_sound)
{
	static const char *const top[] = {
	    "job",       "allocation", "evaluation",
	    "node",      "acl_policy", "acl_token",
	    "namespace", "variable",   "service_registration"};
	ck_assert_uint_ge(structs_nall, 80);
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
		ck_assert_str_eq(structs_all[i]->name, top[i]);
	for (size_t i = 0; i < structs_nall; i++) {
		check_schema(structs_all[i]);
		ck_assert_ptr_eq(structs_schema_by_name(structs_all[i]->name),
		                 structs_all[i]);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(structs_all[i]->name,
			                     structs_all[j]->name) != 0,
			              "schema %s listed twice",
			              structs_all[i]->name);
	}
	ck_assert_ptr_null(structs_schema_by_name("nope"));
}
END_TEST

/* The hcl names a job file uses (reference 2.18). */
static const char *hcl_of(const struct schema *s, const char *go)
{
	const struct schema_field *f = schema_field_by_name(s, go);
	ck_assert_msg(f != NULL, "%s has no field %s", s->name, go);
	return f->hcl;
}

START_TEST(hcl_names_follow_the_jobspec)
{
	ck_assert_str_eq(hcl_of(&constraint_schema, "LTarget"), "attribute");
	ck_assert_str_eq(hcl_of(&constraint_schema, "RTarget"), "value");
	ck_assert_str_eq(hcl_of(&constraint_schema, "Operand"), "operator");
	ck_assert_str_eq(hcl_of(&log_config_schema, "MaxFileSizeMB"),
	                 "max_file_size");
	ck_assert_str_eq(hcl_of(&task_template_schema, "EmbeddedTmpl"), "data");
	ck_assert_str_eq(hcl_of(&task_template_schema, "DestPath"),
	                 "destination");
	ck_assert_str_eq(hcl_of(&task_artifact_schema, "GetterSource"),
	                 "source");
	ck_assert_str_eq(hcl_of(&task_artifact_schema, "RelativeDest"),
	                 "destination");
	ck_assert_str_eq(hcl_of(&task_artifact_schema, "GetterHeaders"),
	                 "headers");
	ck_assert_str_eq(hcl_of(&ephemeral_disk_schema, "SizeMB"), "size");
	ck_assert_str_eq(hcl_of(&resources_schema, "MemoryMB"), "memory");
	ck_assert_str_eq(hcl_of(&job_schema, "TaskGroups"), "group");
	ck_assert_str_eq(hcl_of(&task_group_schema, "Tasks"), "task");
	ck_assert_str_eq(hcl_of(&task_group_schema, "Networks"), "network");
	ck_assert_str_eq(hcl_of(&task_group_schema, "Volumes"), "volume");
	ck_assert_str_eq(hcl_of(&task_group_schema, "RestartPolicy"),
	                 "restart");
	ck_assert_str_eq(hcl_of(&task_schema, "Templates"), "template");
	ck_assert_str_eq(hcl_of(&task_schema, "LogConfig"), "logs");
	ck_assert_str_eq(hcl_of(&spread_schema, "SpreadTarget"), "target");
	ck_assert_str_eq(hcl_of(&port_schema, "Value"), "static");
	ck_assert_ptr_null(hcl_of(&network_resource_schema, "ReservedPorts"));
	ck_assert_ptr_null(hcl_of(&network_resource_schema, "DynamicPorts"));
	ck_assert_ptr_null(hcl_of(&task_schema, "Identity"));
	ck_assert_ptr_null(hcl_of(&job_schema, "Status"));
	ck_assert_ptr_null(hcl_of(&job_schema, "ID"));
	ck_assert(schema_field_by_name(&job_schema, "ID")->flags & SF_LABEL);
	ck_assert(schema_field_by_name(&spread_target_schema, "Value")->flags &
	          SF_LABEL);
	ck_assert(allocation_schema.flags & SCHEMA_OMITEMPTY);
	ck_assert(evaluation_schema.flags & SCHEMA_OMITEMPTY);
	ck_assert(network_resource_schema.flags & SCHEMA_OMITEMPTY);
	ck_assert(port_schema.flags & SCHEMA_OMITEMPTY);
}
END_TEST

/* ---- round trips -------------------------------------------------------- */

/* Frees every SF_NOJSON member (they do not travel in JSON), recursively.
 * The data model only marks strings and string maps. */
static void strip_nojson(const struct schema *s, void *obj)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		char *p = (char *)obj + f->off;
		if (f->flags & SF_NOJSON) {
			ck_assert(f->type == FT_STR || f->type == FT_STRMAP);
			if (f->type == FT_STR) {
				mem_free(*(char **)p);
				*(char **)p = NULL;
			} else {
				strmap_release((struct strmap *)p);
			}
			continue;
		}
		if (f->type == FT_STRUCT)
			strip_nojson(f->sub, p);
		else if (f->type == FT_PTR && *(void **)p != NULL)
			strip_nojson(f->sub, *(void **)p);
		else if (f->type == FT_LIST) {
			struct {
				char *v;
				size_t n;
			} *l = (void *)p;
			for (size_t j = 0; j < l->n; j++)
				strip_nojson(f->sub, l->v + j * f->sub->size);
		} else if (f->type == FT_MAP) {
			struct {
				char *v;
				size_t n;
			} *m = (void *)p;
			for (size_t j = 0; j < m->n; j++)
				strip_nojson(f->sub,
				             m->v + j * f->esize + f->voff);
		}
	}
}

static void round_trip(const struct schema *s, struct gen_rng *r)
{
	void *obj = mem_calloc(1, s->size), *out = mem_calloc(1, s->size);
	struct buf b;
	struct err e;
	ck_assert_ptr_nonnull(obj);
	ck_assert_ptr_nonnull(out);
	gen_random(s, obj, r, 2);
	buf_init(&b);
	err_clear(&e);
	ck_assert_int_eq(schema_msgpack_encode(s, obj, &b), 0);
	ck_assert_msg(schema_msgpack_decode(s, out, b.data, b.len, &e) == 0,
	              "%s msgpack: %s", s->name, e.msg);
	ck_assert_msg(schema_equal(s, obj, out), "%s: msgpack round trip",
	              s->name);
	schema_release(s, out);
	buf_reset(&b);
	strip_nojson(s, obj);
	ck_assert_int_eq(schema_json_encode_buf(s, obj, 0, &b), 0);
	ck_assert_msg(schema_json_decode_str(s, out, b.data, b.len, "T", &e) ==
	                  0,
	              "%s JSON: %s", s->name, e.msg);
	ck_assert_msg(schema_equal(s, obj, out), "%s: JSON round trip: %s",
	              s->name, buf_cstr(&b));
	buf_release(&b);
	schema_release(s, out);
	schema_release(s, obj);
	mem_free(out);
	mem_free(obj);
}

START_TEST(every_schema_round_trips)
{
	struct gen_rng r = {unit_seed()};
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < structs_nall; i++)
			round_trip(structs_all[i], &r);
}
END_TEST

/* ---- JSON shape --------------------------------------------------------- */

static char *json_of(const struct schema *s, const void *obj)
{
	struct buf b;
	buf_init(&b);
	ck_assert_int_eq(schema_json_encode_buf(s, obj, 0, &b), 0);
	return buf_steal(&b, NULL);
}

static void ck_contains(const char *text, const char *part)
{
	ck_assert_msg(strstr(text, part) != NULL, "missing %s in %s", part,
	              text);
}

static void ck_lacks(const char *text, const char *part)
{
	ck_assert_msg(strstr(text, part) == NULL, "unexpected %s in %s", part,
	              text);
}

START_TEST(canonical_job_json)
{
	static const char *const want[] = {
	    "\"KillTimeout\":5000000000",
	    "\"Datacenters\":[\"*\"]",
	    "\"Region\":\"global\"",
	    "\"Namespace\":\"default\"",
	    "\"Type\":\"service\"",
	    "\"Priority\":50",
	    "\"NodePool\":\"default\"",
	    "\"Count\":1",
	    "\"LogConfig\":{\"MaxFiles\":10,\"MaxFileSizeMB\":10,"
	    "\"Disabled\":false}",
	    "\"EphemeralDisk\":{\"Sticky\":false,\"SizeMB\":300,"
	    "\"Migrate\":false}",
	    "\"RestartPolicy\":{\"Attempts\":2,\"Interval\":1800000000000,"
	    "\"Delay\":15000000000,\"Mode\":\"fail\","
	    "\"RenderTemplates\":false}",
	    "\"ReschedulePolicy\":{\"Attempts\":0,\"Interval\":0,"
	    "\"Delay\":30000000000,\"DelayFunction\":\"exponential\","
	    "\"MaxDelay\":3600000000000,\"Unlimited\":true}",
	    "\"Update\":{\"Stagger\":30000000000,\"MaxParallel\":1,"
	    "\"HealthCheck\":\"\",\"MinHealthyTime\":0,"
	    "\"HealthyDeadline\":0,\"ProgressDeadline\":0,"
	    "\"AutoRevert\":false,\"AutoPromote\":false,\"Canary\":0}",
	    "\"Resources\":{\"CPU\":100,\"Cores\":0,\"MemoryMB\":300",
	    "\"Identity\":{\"Name\":\"default\",\"Audience\":"
	    "[\"nomadproject.io\"]",
	    "\"Status\":\"\"",
	    "\"Version\":0",
	    "\"Migrate\":{\"MaxParallel\":1,\"HealthCheck\":\"checks\","
	    "\"MinHealthyTime\":10000000000,\"HealthyDeadline\":300000000000}",
	};
	static const char *const sparse =
	    "{\"ID\":\"web\",\"TaskGroups\":[{\"Name\":\"web\",\"Tasks\":["
	    "{\"Name\":\"server\",\"Driver\":\"raw_exec\"}]}]}";
	struct job job = {0};
	struct err e;
	char *text;
	err_clear(&e);
	ck_assert_int_eq(schema_json_decode_str(&job_schema, &job, sparse,
	                                        strlen(sparse), "Job", &e),
	                 0);
	ck_assert_int_eq(job_canonicalize(&job), 0);
	text = json_of(&job_schema, &job);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_contains(text, want[i]);
	/* api-only blocks are gone from the stored form */
	ck_lacks(text, "\"Reschedule\":");
	ck_lacks(text, "\"CheckRestart\":null,\"Kind\"");
	mem_free(text);
	schema_release(&job_schema, &job);
}
END_TEST

START_TEST(omit_empty_and_secrets)
{
	struct allocation a = {0};
	struct evaluation ev = {0};
	struct acl_token t = {0};
	char *text;
	a.id = mem_strdup("a1");
	ck_assert_int_eq(strmap_set(&a.signed_identities, "web", "jwt"), 0);
	text = json_of(&allocation_schema, &a);
	ck_contains(text, "\"ID\":\"a1\"");
	ck_lacks(text, "NodeID");
	ck_lacks(text, "CreateIndex");
	ck_lacks(text, "jwt");
	mem_free(text);
	ev.leader_acl = mem_strdup("secret-token");
	ev.status = mem_strdup(EVAL_STATUS_PENDING);
	text = json_of(&evaluation_schema, &ev);
	ck_assert_str_eq(text, "{\"Status\":\"pending\"}");
	mem_free(text);
	t.accessor_id = mem_strdup("acc");
	text = json_of(&acl_token_schema, &t);
	ck_lacks(text, "ExpirationTime");
	ck_contains(text, "\"CreateTime\":\"0001-01-01T00:00:00Z\"");
	mem_free(text);
	schema_release(&acl_token_schema, &t);
	schema_release(&evaluation_schema, &ev);
	schema_release(&allocation_schema, &a);
}
END_TEST

/* ---- predicates and helpers --------------------------------------------- */

START_TEST(allocation_predicates)
{
	struct allocation a = {0};
	char *name;
	a.desired_status = mem_strdup(ALLOC_DESIRED_RUN);
	a.client_status = mem_strdup(ALLOC_CLIENT_RUNNING);
	ck_assert(!allocation_terminal(&a));
	mem_free(a.client_status);
	a.client_status = mem_strdup(ALLOC_CLIENT_LOST);
	ck_assert(allocation_client_terminal(&a));
	ck_assert(!allocation_server_terminal(&a));
	ck_assert(allocation_terminal(&a));
	ck_assert(alloc_desired_status_terminal(ALLOC_DESIRED_EVICT));
	ck_assert(!alloc_client_status_terminal(ALLOC_CLIENT_UNKNOWN));
	ck_assert(!alloc_client_status_terminal(NULL));
	ck_assert_ptr_null(allocation_task_group(&a));
	schema_release(&allocation_schema, &a);

	name = alloc_name_format("web", "cache", 12);
	ck_assert_str_eq(name, "web.cache[12]");
	ck_assert_int_eq(alloc_name_index(name), 12);
	mem_free(name);
	ck_assert_int_eq(alloc_name_index("web.cache"), -1);
	ck_assert_int_eq(alloc_name_index("x[a]"), -1);
	ck_assert_int_eq(alloc_name_index("a.b[3]x"), -1);
}
END_TEST

START_TEST(metric_counts)
{
	struct alloc_metric m = {0};
	char *text;
	ck_assert_int_eq(
	    alloc_metric_count_add(&m.dimension_exhausted, "memory", 1), 0);
	ck_assert_int_eq(
	    alloc_metric_count_add(&m.dimension_exhausted, "memory", 2), 0);
	ck_assert_int_eq(
	    alloc_metric_count_add(&m.dimension_exhausted, "cpu", 1), 0);
	ck_assert_int_eq(
	    alloc_metric_count_get(&m.dimension_exhausted, "memory"), 3);
	ck_assert_int_eq(alloc_metric_count_get(&m.nodes_available, "dc1"), 0);
	text = json_of(&alloc_metric_schema, &m);
	ck_contains(text, "\"DimensionExhausted\":{\"cpu\":1,\"memory\":3}");
	mem_free(text);
	schema_release(&alloc_metric_schema, &m);
}
END_TEST

START_TEST(eval_and_node_predicates)
{
	struct evaluation ev = {0};
	struct evaluation_stub stub;
	struct node n = {0};
	struct node_event nev = {0};
	ck_assert(eval_status_terminal(EVAL_STATUS_CANCELED));
	ck_assert(!eval_status_terminal(EVAL_STATUS_BLOCKED));
	ev.id = mem_strdup("e1");
	ev.status = mem_strdup(EVAL_STATUS_COMPLETE);
	ev.priority = 70;
	ck_assert(evaluation_terminal(&ev));
	ck_assert_int_eq(evaluation_stub_from(&stub, &ev), 0);
	ck_assert_str_eq(stub.id, "e1");
	ck_assert_int_eq(stub.priority, 70);
	schema_release(&evaluation_stub_schema, &stub);
	schema_release(&evaluation_schema, &ev);

	n.status = mem_strdup(NODE_STATUS_READY);
	n.scheduling_eligibility = mem_strdup(NODE_ELIGIBLE);
	ck_assert(node_ready(&n));
	n.drain_strategy = mem_calloc(1, sizeof(*n.drain_strategy));
	ck_assert(!node_ready(&n));
	ck_assert(node_status_terminal(NODE_STATUS_DOWN));
	ck_assert(!node_status_terminal(NODE_STATUS_DISCONNECTED));
	for (int i = 0; i < 12; i++) {
		char msg[32];
		snprintf(msg, sizeof msg, "event %d", i);
		nev.message = msg;
		ck_assert_int_eq(node_add_event(&n, &nev), 0);
	}
	ck_assert_uint_eq(n.events.n, NODE_MAX_EVENTS);
	ck_assert_str_eq(n.events.v[0].message, "event 2");
	ck_assert_str_eq(n.events.v[9].message, "event 11");
	schema_release(&node_schema, &n);
}
END_TEST

START_TEST(name_checks)
{
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(namespace_validate_name("prod-1", &e), ERR_OK);
	ck_assert_int_eq(namespace_validate_name("prod_1", &e), ERR_VALIDATE);
	ck_assert_str_eq(e.msg, "invalid name \"prod_1\". Must match regex "
	                        "^[a-zA-Z0-9-]{1,128}$");
	ck_assert_int_eq(namespace_validate_name("", NULL), ERR_VALIDATE);
	ck_assert_int_eq(acl_policy_validate_name("readonly", &e), ERR_OK);
	ck_assert_int_eq(acl_policy_validate_name("read only", &e),
	                 ERR_VALIDATE);
	ck_assert_str_eq(e.msg, "invalid name 'read only'");

	ck_assert_int_eq(variable_validate_path("project/app", &e), ERR_OK);
	ck_assert_int_eq(variable_validate_path("nomad/jobs/web/web", &e),
	                 ERR_OK);
	ck_assert_int_eq(variable_validate_path("nomad/job-templates/t", &e),
	                 ERR_OK);
	ck_assert_int_eq(variable_validate_path("", &e), ERR_VALIDATE);
	ck_assert_str_eq(e.msg, "variable requires path");
	ck_assert_int_eq(variable_validate_path("a b", &e), ERR_VALIDATE);
	ck_assert_str_eq(e.msg, "invalid path \"a b\"");
	ck_assert_int_eq(variable_validate_path("nomad", &e), ERR_VALIDATE);
	ck_assert_int_eq(variable_validate_path("nomad/job-templates", &e),
	                 ERR_VALIDATE);
	ck_assert_int_eq(variable_validate_path("nomad/other", &e),
	                 ERR_VALIDATE);
	ck_assert_str_eq(e.msg, "only paths at \"nomad/jobs\" or "
	                        "\"nomad/job-templates\" and below are valid "
	                        "paths under the top-level \"nomad\" "
	                        "directory");
}
END_TEST

START_TEST(acl_namespace_variable_checks)
{
	struct acl_policy p = {0};
	struct acl_token t = {0};
	struct namespace ns = {0};
	struct variable v = {0};
	struct variable_metadata md;
	struct errlist errs;
	struct err e;
	errlist_init(&errs);
	p.name = mem_strdup("ok");
	p.job_acl = mem_calloc(1, sizeof(*p.job_acl));
	p.job_acl->task = mem_strdup("t");
	ck_assert_int_eq(acl_policy_validate(&p, &errs), ERR_VALIDATE);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msgs[0], "group must be set to set task");
	errlist_release(&errs);

	t.type = mem_strdup(ACL_TOKEN_TYPE_CLIENT);
	ck_assert_int_eq(acl_token_validate(&t, &errs), ERR_VALIDATE);
	ck_assert_str_eq(errs.msgs[0],
	                 "client token missing policies or roles");
	errlist_release(&errs);
	t.expiration_time = 100;
	ck_assert(acl_token_expired(&t, 100));
	ck_assert(!acl_token_expired(&t, 99));

	ns.name = mem_strdup("dev");
	ns.capabilities = mem_calloc(1, sizeof(*ns.capabilities));
	ck_assert_int_eq(
	    strlist_push(&ns.capabilities->disabled_task_drivers, "docker"), 0);
	ck_assert_int_eq(namespace_validate(&ns, &errs), ERR_OK);
	ck_assert(!namespace_allows_driver(&ns, "docker"));
	ck_assert(namespace_allows_driver(&ns, "raw_exec"));

	err_clear(&e);
	v.path = mem_strdup("app/config");
	ck_assert_int_eq(variable_validate(&v, &e), ERR_VALIDATE);
	ck_assert_str_eq(e.msg, "empty variables are invalid");
	ck_assert_int_eq(strmap_set(&v.items, "k", "v"), 0);
	v.lock = mem_calloc(1, sizeof(*v.lock));
	ck_assert_int_eq(variable_canonicalize(&v), 0);
	ck_assert_str_eq(v.namespace, "default");
	ck_assert_int_eq(v.lock->ttl, 15 * STIME_NS_PER_S);
	ck_assert_uint_eq(strlen(v.lock->id), 36);
	ck_assert_int_eq(variable_validate(&v, &e), ERR_OK);
	ck_assert_int_eq(variable_metadata_from(&md, &v), 0);
	ck_assert_str_eq(md.path, "app/config");
	ck_assert_str_eq(md.lock->id, v.lock->id);
	schema_release(&variable_metadata_schema, &md);

	errlist_release(&errs);
	schema_release(&variable_schema, &v);
	schema_release(&namespace_schema, &ns);
	schema_release(&acl_token_schema, &t);
	schema_release(&acl_policy_schema, &p);
}
END_TEST

START_TEST(service_registration_checks)
{
	struct service_registration r = {0};
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(service_registration_validate(&r, &e), ERR_VALIDATE);
	ck_assert_str_eq(e.msg, "missing required field \"ID\"");
	r.id = mem_strdup("_nomad-task-1");
	r.service_name = mem_strdup("web");
	r.namespace = mem_strdup("default");
	r.node_id = mem_strdup("n");
	r.datacenter = mem_strdup("dc1");
	r.job_id = mem_strdup("web");
	r.alloc_id = mem_strdup("a");
	r.address = mem_strdup("0.0.0.0");
	ck_assert_int_eq(service_registration_validate(&r, &e), ERR_VALIDATE);
	ck_assert_str_eq(e.msg, "invalid service registration address");
	mem_free(r.address);
	r.address = mem_strdup("10.0.0.1");
	ck_assert_int_eq(service_registration_validate(&r, &e), ERR_OK);
	schema_release(&service_registration_schema, &r);
}
END_TEST

static Suite *structs_suite(void)
{
	Suite *s = suite_create("structs");
	TCase *tc = unit_tcase(s, "schemas", 60);
	tcase_add_test(tc, schema_table_is_sound);
	tcase_add_test(tc, hcl_names_follow_the_jobspec);
	tcase_add_test(tc, every_schema_round_trips);
	tcase_add_test(tc, canonical_job_json);
	tcase_add_test(tc, omit_empty_and_secrets);
	tc = unit_tcase(s, "helpers", 30);
	tcase_add_test(tc, allocation_predicates);
	tcase_add_test(tc, metric_counts);
	tcase_add_test(tc, eval_and_node_predicates);
	tcase_add_test(tc, name_checks);
	tcase_add_test(tc, acl_namespace_variable_checks);
	tcase_add_test(tc, service_registration_checks);
	return s;
}

UNIT_MAIN(structs_suite)
