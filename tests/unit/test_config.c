/* Unit tests for jobspec/config: the agent configuration file (HCL and
 * JSON), Nomad's merge, defaults and validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobspec/config.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "lib/stime.h"
#include "tests/lib/unit.h"

#define SEC STIME_NS_PER_S

static void parse_ok(const char *name, const char *src, struct agent_config *c)
{
	struct err e;
	err_clear(&e);
	memset(c, 0, sizeof *c);
	int rc = config_parse(name, src, strlen(src), c, &e);
	ck_assert_msg(rc == ERR_OK, "rc %d: %s", rc, e.msg);
}

static void parse_err(const char *name, const char *src, const char *want)
{
	struct agent_config c;
	struct err e;
	err_clear(&e);
	memset(&c, 0, sizeof c);
	int rc = config_parse(name, src, strlen(src), &c, &e);
	ck_assert_msg(rc == ERR_PARSE, "rc %d for:\n%s", rc, src);
	ck_assert_str_eq(e.msg, want);
	ck_assert_ptr_null(c.log_level);
}

/* Validation messages joined as errlist_to_err does. */
static void validate_err(const struct agent_config *c, const char *want)
{
	struct errlist l;
	struct err e;
	errlist_init(&l);
	err_clear(&e);
	ck_assert_int_eq(config_validate(c, &l), ERR_VALIDATE);
	errlist_to_err(&l, &e);
	ck_assert_str_eq(e.msg, want);
	errlist_release(&l);
}

static void validate_ok(const struct agent_config *c)
{
	struct errlist l;
	struct err e;
	errlist_init(&l);
	err_clear(&e);
	int rc = config_validate(c, &l);
	errlist_to_err(&l, &e);
	ck_assert_msg(rc == ERR_OK, "%s", e.msg);
	errlist_release(&l);
}

START_TEST(example_agent_hcl)
{
	struct agent_config f, c;
	struct err e;
	memset(&f, 0, sizeof f);
	memset(&c, 0, sizeof c);
	err_clear(&e);
	ck_assert_int_eq(config_parse_path("examples/agent.hcl", &f, &e),
	                 ERR_OK);
	ck_assert_str_eq(f.log_level, "DEBUG");
	ck_assert_str_eq(f.datacenter, "dc1");
	ck_assert_str_eq(f.data_dir, "/opt/steppe");
	ck_assert_str_eq(f.name, "example.com");
	ck_assert(f.acl.enabled);
	ck_assert(f.client.enabled);
	ck_assert(f.server.enabled);
	ck_assert_int_eq(f.server.bootstrap_expect, 1);
	ck_assert_uint_eq(f.files.n, 1);
	ck_assert_str_eq(f.files.v[0], "examples/agent.hcl");

	ck_assert_int_eq(config_defaults(&c), ERR_OK);
	ck_assert_int_eq(config_merge(&c, &f), ERR_OK);
	ck_assert_str_eq(c.region, "global");
	ck_assert_str_eq(c.name, "example.com");
	ck_assert_str_eq(c.log_level, "DEBUG");
	ck_assert_int_eq(c.ports.http, 4646);
	ck_assert_int_eq(c.acl.token_ttl, 30 * SEC);
	validate_ok(&c);
	config_release(&f);
	config_release(&c);
}
END_TEST

/* Modelled on Nomad's command/agent/testdata/basic.hcl, keys steppe
 * knows. */
static const char full_hcl[] =
    "region     = \"foobar\"\n"
    "datacenter = \"dc2\"\n"
    "name       = \"my-web\"\n"
    "data_dir   = \"/tmp/nomad\"\n"
    "plugin_dir = \"/tmp/nomad-plugins\"\n"
    "log_level  = \"ERROR\"\n"
    "log_json   = true\n"
    "log_file   = \"/var/log/nomad.log\"\n"
    "log_include_location = true\n"
    "bind_addr  = \"192.168.0.1\"\n"
    "enable_debug = true\n"
    "ports {\n  http = 1234\n  rpc  = 2345\n  serf = 3456\n}\n"
    "addresses {\n"
    "  http = \"127.0.0.1\"\n  rpc = \"127.0.0.2\"\n  serf = \"127.0.0.3\"\n"
    "}\n"
    "advertise {\n  rpc = \"127.0.0.3\"\n  serf = \"127.0.0.4\"\n}\n"
    "client {\n"
    "  enabled    = true\n"
    "  state_dir  = \"/tmp/client-state\"\n"
    "  alloc_dir  = \"/tmp/alloc\"\n"
    "  servers    = [\"a.b.c:80\", \"127.0.0.1:1234\"]\n"
    "  node_class = \"linux-medium-64bit\"\n"
    "  node_pool  = \"batch\"\n"
    "  meta {\n    foo = \"bar\"\n    baz = \"zip\"\n  }\n"
    "  server_join {\n"
    "    retry_join     = [\"1.1.1.1\", \"2.2.2.2\"]\n"
    "    retry_max      = 3\n"
    "    retry_interval = \"15s\"\n"
    "  }\n"
    "  options = {\n    \"driver.allowlist\" = \"raw_exec\"\n  }\n"
    "  chroot_env = {\n    \"/opt/myapp/etc\" = \"/etc\"\n  }\n"
    "  network_interface = \"eth0\"\n"
    "  network_speed     = 100\n"
    "  cpu_total_compute = 4444\n"
    "  memory_total_mb   = 5555\n"
    "  reserved {\n"
    "    cpu            = 10\n"
    "    memory         = 20\n"
    "    disk           = 30\n"
    "    reserved_ports = \"1,100,10-12\"\n"
    "  }\n"
    "  min_dynamic_port = 25000\n"
    "  max_dynamic_port = 26000\n"
    "  max_kill_timeout = \"10s\"\n"
    "  gc_interval      = \"6s\"\n"
    "  gc_max_allocs    = 60\n"
    "  gc_disk_usage_threshold = 82\n"
    "  no_host_uuid     = false\n"
    "  host_volume \"tmp\" {\n    path = \"/tmp\"\n  }\n"
    "  host_volume \"certs\" {\n"
    "    path      = \"/etc/ssl/certs\"\n"
    "    read_only = true\n"
    "  }\n"
    "}\n"
    "server {\n"
    "  enabled                   = true\n"
    "  authoritative_region      = \"foobar\"\n"
    "  bootstrap_expect          = 5\n"
    "  data_dir                  = \"/tmp/data\"\n"
    "  raft_protocol             = 3\n"
    "  num_schedulers            = 2\n"
    "  enabled_schedulers        = [\"service\"]\n"
    "  node_gc_threshold         = \"12h\"\n"
    "  job_gc_threshold          = \"12h\"\n"
    "  eval_gc_threshold         = \"12h\"\n"
    "  heartbeat_grace           = \"30s\"\n"
    "  min_heartbeat_ttl         = \"33s\"\n"
    "  max_heartbeats_per_second = 11.0\n"
    "  failover_heartbeat_ttl    = \"330s\"\n"
    "  retry_join                = [\"1.1.1.1\", \"2.2.2.2\"]\n"
    "  retry_max                 = 3\n"
    "  retry_interval            = \"15s\"\n"
    "  rejoin_after_leave        = true\n"
    "  encrypt                   = \"abc\"\n"
    "  raft_multiplier           = 4\n"
    "  job_max_priority          = 200\n"
    "  raft_snapshot_threshold   = 100\n"
    "  raft_snapshot_interval    = \"30s\"\n"
    "  server_join {\n"
    "    retry_join     = [\"3.3.3.3\"]\n"
    "    retry_max      = 5\n"
    "    retry_interval = \"20s\"\n"
    "  }\n"
    "}\n"
    "acl {\n"
    "  enabled           = true\n"
    "  token_ttl         = \"60s\"\n"
    "  policy_ttl        = \"61s\"\n"
    "  replication_token = \"foobar\"\n"
    "}\n"
    "telemetry {\n"
    "  collection_interval        = \"3s\"\n"
    "  publish_allocation_metrics = true\n"
    "}\n"
    "consul {\n  address = \"127.0.0.1:8500\"\n  token = \"secret\"\n}\n"
    "vault {\n  enabled = false\n}\n"
    "ui {\n  enabled = true\n  label {\n    text = \"prod\"\n  }\n}\n"
    "leave_on_interrupt   = true\n"
    "leave_on_terminate   = true\n"
    "enable_syslog        = true\n"
    "syslog_facility      = \"LOCAL1\"\n"
    "disable_update_check = true\n"
    "http_api_response_headers {\n"
    "  Access-Control-Allow-Origin = \"*\"\n"
    "}\n"
    "plugin \"docker\" {\n"
    "  args = [\"foo\", \"bar\"]\n"
    "  config {\n    foo = \"bar\"\n    nested {\n      bam = 2\n    }\n"
    "  }\n"
    "}\n"
    "plugin \"raw_exec\" {\n  config {\n    enabled = true\n  }\n}\n";

static void check_full(const struct agent_config *c)
{
	ck_assert_str_eq(c->region, "foobar");
	ck_assert_str_eq(c->datacenter, "dc2");
	ck_assert_str_eq(c->name, "my-web");
	ck_assert_str_eq(c->data_dir, "/tmp/nomad");
	ck_assert_str_eq(c->plugin_dir, "/tmp/nomad-plugins");
	ck_assert_str_eq(c->log_level, "ERROR");
	ck_assert(c->log_json && c->log_include_location && c->enable_debug);
	ck_assert_str_eq(c->log_file, "/var/log/nomad.log");
	ck_assert_str_eq(c->bind_addr, "192.168.0.1");
	ck_assert_int_eq(c->ports.http, 1234);
	ck_assert_int_eq(c->ports.rpc, 2345);
	ck_assert_int_eq(c->ports.serf, 3456);
	ck_assert_str_eq(c->addresses.rpc, "127.0.0.2");
	ck_assert_ptr_null(c->advertise.http);
	ck_assert_str_eq(c->advertise.serf, "127.0.0.4");
	ck_assert(c->leave_on_interrupt && c->leave_on_terminate);
	ck_assert(c->enable_syslog);
	ck_assert_str_eq(c->syslog_facility, "LOCAL1");
	ck_assert(c->disable_update_check.set && c->disable_update_check.v);
	ck_assert_str_eq(strmap_get(&c->http_api_response_headers,
	                            "Access-Control-Allow-Origin"),
	                 "*");
	ck_assert(c->acl.enabled);
	ck_assert_int_eq(c->acl.token_ttl, 60 * SEC);
	ck_assert_int_eq(c->acl.policy_ttl, 61 * SEC);
	ck_assert_str_eq(c->acl.replication_token, "foobar");
	ck_assert_int_eq(c->telemetry.kind, VALUE_MAP);
	ck_assert_int_eq(c->consul.kind, VALUE_MAP);
	ck_assert_int_eq(c->ui.kind, VALUE_MAP);
}

static void check_full_client(const struct agent_client *cl)
{
	ck_assert(cl->enabled);
	ck_assert_str_eq(cl->state_dir, "/tmp/client-state");
	ck_assert_uint_eq(cl->servers.n, 2);
	ck_assert_str_eq(cl->servers.v[1], "127.0.0.1:1234");
	ck_assert_str_eq(cl->node_class, "linux-medium-64bit");
	ck_assert_str_eq(cl->node_pool, "batch");
	ck_assert_str_eq(strmap_get(&cl->meta, "baz"), "zip");
	ck_assert_str_eq(strmap_get(&cl->options, "driver.allowlist"),
	                 "raw_exec");
	ck_assert_str_eq(strmap_get(&cl->chroot_env, "/opt/myapp/etc"), "/etc");
	ck_assert_uint_eq(cl->server_join.retry_join.n, 2);
	ck_assert_int_eq(cl->server_join.retry_max, 3);
	ck_assert_int_eq(cl->server_join.retry_interval, 15 * SEC);
	ck_assert_str_eq(cl->network_interface, "eth0");
	ck_assert_int_eq(cl->cpu_total_compute, 4444);
	ck_assert_int_eq(cl->memory_total_mb, 5555);
	ck_assert_int_eq(cl->reserved.cpu, 10);
	ck_assert_int_eq(cl->reserved.memory_mb, 20);
	ck_assert_int_eq(cl->reserved.disk_mb, 30);
	ck_assert_str_eq(cl->reserved.reserved_ports, "1,100,10-12");
	ck_assert_int_eq(cl->min_dynamic_port, 25000);
	ck_assert_int_eq(cl->max_kill_timeout, 10 * SEC);
	ck_assert_int_eq(cl->gc_interval, 6 * SEC);
	ck_assert_int_eq(cl->gc_max_allocs, 60);
	ck_assert(cl->gc_disk_usage_threshold == 82.0);
	ck_assert(cl->no_host_uuid.set && !cl->no_host_uuid.v);
	ck_assert_uint_eq(cl->host_volumes.n, 2);
	ck_assert_str_eq(cl->host_volumes.v[0].name, "tmp");
	ck_assert_str_eq(cl->host_volumes.v[0].path, "/tmp");
	ck_assert(!cl->host_volumes.v[0].read_only);
	ck_assert(cl->host_volumes.v[1].read_only);
}

static void check_full_server(const struct agent_server *s)
{
	ck_assert(s->enabled);
	ck_assert_str_eq(s->authoritative_region, "foobar");
	ck_assert_int_eq(s->bootstrap_expect, 5);
	ck_assert_str_eq(s->data_dir, "/tmp/data");
	ck_assert_int_eq(s->raft_protocol, 3);
	ck_assert(s->num_schedulers.set && s->num_schedulers.v == 2);
	ck_assert_str_eq(s->enabled_schedulers.v[0], "service");
	ck_assert_int_eq(s->node_gc_threshold, 12 * STIME_NS_PER_HOUR);
	ck_assert_int_eq(s->heartbeat_grace, 30 * SEC);
	ck_assert_int_eq(s->min_heartbeat_ttl, 33 * SEC);
	ck_assert(s->max_heartbeats_per_second == 11.0);
	ck_assert_int_eq(s->failover_heartbeat_ttl, 330 * SEC);
	ck_assert_uint_eq(s->retry_join.n, 2);
	ck_assert_int_eq(s->retry_max, 3);
	ck_assert_int_eq(s->retry_interval, 15 * SEC);
	ck_assert(s->rejoin_after_leave);
	ck_assert_str_eq(s->encrypt, "abc");
	ck_assert(s->raft_multiplier.set && s->raft_multiplier.v == 4);
	ck_assert(s->job_max_priority.set && s->job_max_priority.v == 200);
	ck_assert_int_eq(s->raft_snapshot_threshold.v, 100);
	ck_assert_int_eq(s->raft_snapshot_interval.v, 30 * SEC);
	ck_assert_uint_eq(s->server_join.retry_join.n, 1);
	ck_assert_str_eq(s->server_join.retry_join.v[0], "3.3.3.3");
	ck_assert_int_eq(s->server_join.retry_max, 5);
	ck_assert_int_eq(s->server_join.retry_interval, 20 * SEC);
}

static void check_full_plugins(const struct agent_config *c)
{
	const struct value *cfg, *nested, *bam;
	ck_assert_uint_eq(c->plugins.n, 2);
	ck_assert_str_eq(c->plugins.v[0].name, "docker");
	ck_assert_uint_eq(c->plugins.v[0].args.n, 2);
	cfg = &c->plugins.v[0].config;
	ck_assert_str_eq(value_map_get(cfg, "foo")->u.s, "bar");
	nested = value_map_get(cfg, "nested");
	ck_assert_ptr_nonnull(nested);
	ck_assert_int_eq(nested->kind, VALUE_LIST);
	bam = value_map_get(&nested->u.list.v[0], "bam");
	ck_assert_int_eq(bam->kind, VALUE_INT);
	ck_assert_int_eq(bam->u.i, 2);
	ck_assert_str_eq(c->plugins.v[1].name, "raw_exec");
	cfg = value_map_get(&c->plugins.v[1].config, "enabled");
	ck_assert_int_eq(cfg->kind, VALUE_BOOL);
	ck_assert(cfg->u.b);
}

START_TEST(full_nomad_config_hcl)
{
	struct agent_config c;
	parse_ok("basic.hcl", full_hcl, &c);
	check_full(&c);
	check_full_client(&c.client);
	check_full_server(&c.server);
	check_full_plugins(&c);
	validate_ok(&c);
	config_release(&c);
}
END_TEST

/* The JSON equivalent in the shapes Nomad's testdata uses: blocks as
 * objects or lists of objects, labelled blocks keyed by label. */
static const char full_json[] =
    "{\n"
    "  \"region\": \"foobar\", \"datacenter\": \"dc2\", \"name\": "
    "\"my-web\",\n"
    "  \"data_dir\": \"/tmp/nomad\", \"plugin_dir\": "
    "\"/tmp/nomad-plugins\",\n"
    "  \"log_level\": \"ERROR\", \"log_json\": true,\n"
    "  \"log_file\": \"/var/log/nomad.log\", \"log_include_location\": "
    "true,\n"
    "  \"bind_addr\": \"192.168.0.1\", \"enable_debug\": true,\n"
    "  \"ports\": [{\"http\": 1234, \"rpc\": 2345, \"serf\": 3456}],\n"
    "  \"addresses\": {\"http\": \"127.0.0.1\", \"rpc\": \"127.0.0.2\"},\n"
    "  \"advertise\": [{\"rpc\": \"127.0.0.3\", \"serf\": "
    "\"127.0.0.4\"}],\n"
    "  \"acl\": [{\"enabled\": true, \"token_ttl\": \"60s\", "
    "\"policy_ttl\": \"61s\", \"replication_token\": \"foobar\"}],\n"
    "  \"telemetry\": {\"collection_interval\": \"3s\"},\n"
    "  \"consul\": [{\"address\": \"127.0.0.1:8500\"}],\n"
    "  \"ui\": {\"enabled\": true},\n"
    "  \"leave_on_interrupt\": true, \"leave_on_terminate\": true,\n"
    "  \"enable_syslog\": true, \"syslog_facility\": \"LOCAL1\",\n"
    "  \"disable_update_check\": true,\n"
    "  \"http_api_response_headers\": [{\"Access-Control-Allow-Origin\": "
    "\"*\"}],\n"
    "  \"plugin\": [{\"docker\": [{\"args\": [\"foo\", \"bar\"],\n"
    "      \"config\": [{\"foo\": \"bar\", \"nested\": [{\"bam\": 2}]}]}]},\n"
    "    {\"raw_exec\": {\"config\": {\"enabled\": true}}}],\n"
    "  \"client\": [{\n"
    "    \"enabled\": true, \"state_dir\": \"/tmp/client-state\",\n"
    "    \"alloc_dir\": \"/tmp/alloc\",\n"
    "    \"servers\": [\"a.b.c:80\", \"127.0.0.1:1234\"],\n"
    "    \"node_class\": \"linux-medium-64bit\", \"node_pool\": \"batch\",\n"
    "    \"meta\": [{\"foo\": \"bar\", \"baz\": \"zip\"}],\n"
    "    \"server_join\": [{\"retry_join\": [\"1.1.1.1\", \"2.2.2.2\"],\n"
    "       \"retry_max\": 3, \"retry_interval\": \"15s\"}],\n"
    "    \"options\": {\"driver.allowlist\": \"raw_exec\"},\n"
    "    \"chroot_env\": {\"/opt/myapp/etc\": \"/etc\"},\n"
    "    \"network_interface\": \"eth0\", \"network_speed\": 100,\n"
    "    \"cpu_total_compute\": 4444, \"memory_total_mb\": \"5555\",\n"
    "    \"reserved\": {\"cpu\": 10, \"memory\": 20, \"disk\": 30,\n"
    "       \"reserved_ports\": \"1,100,10-12\"},\n"
    "    \"min_dynamic_port\": 25000, \"max_dynamic_port\": 26000,\n"
    "    \"max_kill_timeout\": \"10s\", \"gc_interval\": \"6s\",\n"
    "    \"gc_max_allocs\": 60, \"gc_disk_usage_threshold\": 82,\n"
    "    \"no_host_uuid\": false,\n"
    "    \"host_volume\": [{\"tmp\": [{\"path\": \"/tmp\"}]},\n"
    "       {\"certs\": {\"path\": \"/etc/ssl/certs\", \"read_only\": "
    "true}}]\n"
    "  }],\n"
    "  \"server\": {\n"
    "    \"enabled\": true, \"authoritative_region\": \"foobar\",\n"
    "    \"bootstrap_expect\": 5, \"data_dir\": \"/tmp/data\",\n"
    "    \"raft_protocol\": 3, \"num_schedulers\": 2,\n"
    "    \"enabled_schedulers\": [\"service\"],\n"
    "    \"node_gc_threshold\": \"12h\", \"job_gc_threshold\": \"12h\",\n"
    "    \"eval_gc_threshold\": \"12h\", \"heartbeat_grace\": \"30s\",\n"
    "    \"min_heartbeat_ttl\": \"33s\", \"max_heartbeats_per_second\": "
    "11.0,\n"
    "    \"failover_heartbeat_ttl\": \"330s\",\n"
    "    \"retry_join\": [\"1.1.1.1\", \"2.2.2.2\"], \"retry_max\": 3,\n"
    "    \"retry_interval\": \"15s\", \"rejoin_after_leave\": true,\n"
    "    \"encrypt\": \"abc\", \"raft_multiplier\": 4,\n"
    "    \"job_max_priority\": 200, \"raft_snapshot_threshold\": 100,\n"
    "    \"raft_snapshot_interval\": \"30s\",\n"
    "    \"server_join\": {\"retry_join\": [\"3.3.3.3\"], \"retry_max\": 5,\n"
    "       \"retry_interval\": \"20s\"}\n"
    "  }\n"
    "}\n";

START_TEST(full_nomad_config_json)
{
	struct agent_config c;
	parse_ok("basic.json", full_json, &c);
	check_full(&c);
	check_full_client(&c.client);
	check_full_server(&c.server);
	check_full_plugins(&c);
	config_release(&c);
}
END_TEST

START_TEST(json_errors)
{
	parse_err("c.json", "{\"client\": {\"enabled\": true, \"bogus\": 1}}",
	          "c.json: client: unsupported key \"bogus\"");
	parse_err("c.json", "{\"bogus\": 1}",
	          "c.json: unsupported key \"bogus\"");
	parse_err("c.json", "{\"server\": {\"bootstrap_expect\": \"three\"}}",
	          "c.json: server.bootstrap_expect: a number is required, got "
	          "string");
	parse_err("c.json", "{\"acl\": {\"token_ttl\": \"10x\"}}",
	          "c.json: acl.token_ttl: invalid duration \"10x\": unknown "
	          "unit in duration");
	parse_err("c.json", "{\"ports\": 4646}",
	          "c.json: ports: an object is required, got number");
	parse_err("c.json", "[1, 2]",
	          "c.json: the configuration must be an object");
	parse_err("c.json", "{\"region\": \"a\",\n  \"region\": \"b\"}",
	          "c.json:2:10: duplicate object key near '\"region\"'");
}
END_TEST

START_TEST(block_forms)
{
	struct agent_config c;
	/* meta as an argument, the old top-level retry_join form, a plugin
	 * with no config, an empty client block */
	parse_ok("c.hcl",
	         "client {\n"
	         "  meta = { rack = \"r1\", \"node.kind\" = \"edge\" }\n"
	         "  host_volume \"data\" {\n    path = \"/srv/data\"\n  }\n"
	         "}\n"
	         "server {\n  retry_join = [\"10.0.0.1\"]\n}\n"
	         "plugin \"raw_exec\" {}\n"
	         "ports {\n  http = \"8080\"\n}\n",
	         &c);
	ck_assert_str_eq(strmap_get(&c.client.meta, "rack"), "r1");
	ck_assert_str_eq(strmap_get(&c.client.meta, "node.kind"), "edge");
	ck_assert_str_eq(c.client.host_volumes.v[0].path, "/srv/data");
	ck_assert_str_eq(c.server.retry_join.v[0], "10.0.0.1");
	ck_assert_uint_eq(c.plugins.n, 1);
	ck_assert_int_eq(c.plugins.v[0].config.kind, VALUE_NULL);
	ck_assert_int_eq(c.ports.http, 8080);
	config_release(&c);
}
END_TEST

START_TEST(bad_input_messages)
{
	parse_err("c.hcl", "client {\n  enabled = true\n  bogus = 1\n}\n",
	          "c.hcl:3:3: unsupported argument \"bogus\" in client");
	parse_err("c.hcl", "tls {\n  http = true\n}\n",
	          "c.hcl:1:1: unsupported block type \"tls\" in config");
	parse_err(
	    "c.hcl", "server {\n  bootstrap_expect = \"three\"\n}\n",
	    "c.hcl:2:22: invalid value for \"bootstrap_expect\": a number "
	    "is required, got string \"three\"");
	parse_err(
	    "c.hcl", "server {\n  heartbeat_grace = \"10x\"\n}\n",
	    "c.hcl:2:21: invalid duration \"10x\" for \"heartbeat_grace\": "
	    "unknown unit in duration");
	parse_err(
	    "c.hcl", "client {\n  host_volume {\n    path = \"/x\"\n  }\n}\n",
	    "c.hcl:2:3: missing name for \"host_volume\" block in client: "
	    "a label is required");
	parse_err(
	    "c.hcl", "client {\n}\nclient {\n}\n",
	    "c.hcl:3:1: duplicate \"client\" in config; previously set at "
	    "c.hcl:1:1");
	parse_err("c.hcl", "ports = 4646\n",
	          "c.hcl:1:1: \"ports\" in config must be a block, not an "
	          "argument");
}
END_TEST

START_TEST(validation_messages)
{
	struct agent_config c;
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(config_defaults(&c), ERR_OK);
	validate_ok(&c);

	mem_free(c.log_level);
	c.log_level = mem_strdup("LOUD");
	validate_err(&c, "log_level: invalid log level \"LOUD\"; valid levels "
	                 "are TRACE, DEBUG, INFO, WARN, ERROR, OFF");
	mem_free(c.log_level);
	c.log_level = mem_strdup("warn");
	validate_ok(&c);

	c.server.bootstrap_expect = 3;
	validate_err(&c, "server.bootstrap_expect: bootstrap requires server "
	                 "mode to be enabled");
	c.server.enabled = true;
	validate_ok(&c);
	c.server.bootstrap_expect = -1;
	c.server.raft_multiplier.v = 11;
	c.ports.http = 70000;
	validate_err(&c,
	             "3 errors occurred:\n"
	             "\t* ports.http: 70000 is not a valid port (1-65535)\n"
	             "\t* server.bootstrap_expect: must not be negative, "
	             "got -1\n"
	             "\t* server.raft_multiplier: must be between 1 and 10, "
	             "got 11");
	config_release(&c);
}
END_TEST

START_TEST(validation_client)
{
	struct agent_config c;
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(config_defaults(&c), ERR_OK);
	c.client.min_dynamic_port = 30000;
	c.client.max_dynamic_port = 20000;
	validate_err(&c, "client.min_dynamic_port: 30000 is greater than "
	                 "client.max_dynamic_port 20000");
	c.client.max_dynamic_port = 32000;
	mem_free(c.data_dir);
	c.data_dir = mem_strdup("relative/dir");
	validate_err(
	    &c, "data_dir: must be an absolute path, got \"relative/dir\"");
	mem_free(c.data_dir);
	c.data_dir = NULL;
	mem_free(c.client.node_pool);
	c.client.node_pool = mem_strdup("all");
	validate_err(&c, "client.node_pool: a node may not register in node "
	                 "pool \"all\"");
	mem_free(c.client.reserved.reserved_ports);
	c.client.reserved.reserved_ports = mem_strdup("1,x");
	c.server.raft_protocol = 2;
	validate_err(&c,
	             "3 errors occurred:\n"
	             "\t* server.raft_protocol: must be 3, got 2\n"
	             "\t* client.node_pool: a node may not register in node "
	             "pool \"all\"\n"
	             "\t* client.reserved.reserved_ports: invalid port "
	             "ranges \"1,x\"");
	config_release(&c);

	struct agent_config f;
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(config_defaults(&c), ERR_OK);
	parse_ok("c.hcl", "client {\n  host_volume \"x\" {\n  }\n}\n", &f);
	ck_assert_int_eq(config_merge(&c, &f), ERR_OK);
	validate_err(&c, "client.host_volume \"x\": missing path");
	config_release(&f);
	config_release(&c);
}
END_TEST

START_TEST(defaults_like_nomad)
{
	struct agent_config c;
	char host[256] = "";
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(config_defaults(&c), ERR_OK);
	gethostname(host, sizeof host);
	ck_assert_str_eq(c.name, host[0] ? host : "localhost");
	ck_assert_str_eq(c.region, "global");
	ck_assert_str_eq(c.datacenter, "dc1");
	ck_assert_str_eq(c.bind_addr, "0.0.0.0");
	ck_assert_str_eq(c.log_level, "INFO");
	ck_assert_int_eq(c.ports.http, 4646);
	ck_assert_int_eq(c.ports.rpc, 4647);
	ck_assert_int_eq(c.ports.serf, 4648);
	ck_assert_int_eq(c.acl.token_ttl, 30 * SEC);
	ck_assert_int_eq(c.acl.policy_ttl, 30 * SEC);
	ck_assert(!c.server.enabled && !c.client.enabled);
	ck_assert_int_eq(c.server.raft_protocol, 3);
	ck_assert(c.server.raft_multiplier.set &&
	          c.server.raft_multiplier.v == 1);
	ck_assert(c.server.num_schedulers.v >= 1);
	ck_assert_int_eq(c.server.heartbeat_grace, 10 * SEC);
	ck_assert_int_eq(c.server.min_heartbeat_ttl, 10 * SEC);
	ck_assert(c.server.max_heartbeats_per_second == 50.0);
	ck_assert_int_eq(c.server.failover_heartbeat_ttl, 30 * SEC);
	ck_assert_int_eq(c.server.node_gc_threshold, 24 * STIME_NS_PER_HOUR);
	ck_assert_int_eq(c.server.job_gc_threshold, 4 * STIME_NS_PER_HOUR);
	ck_assert_int_eq(c.server.eval_gc_threshold, STIME_NS_PER_HOUR);
	ck_assert_int_eq(c.server.job_max_priority.v, 100);
	ck_assert_int_eq(c.server.server_join.retry_interval, 30 * SEC);
	ck_assert_str_eq(c.client.node_pool, "default");
	ck_assert_int_eq(c.client.min_dynamic_port, 20000);
	ck_assert_int_eq(c.client.max_dynamic_port, 32000);
	ck_assert_int_eq(c.client.gc_interval, 60 * SEC);
	ck_assert_int_eq(c.client.max_kill_timeout, 30 * SEC);
	config_release(&c);
}
END_TEST

START_TEST(merge_like_nomad)
{
	struct agent_config a, b;
	parse_ok("a.hcl",
	         "region = \"east\"\n"
	         "log_json = true\n"
	         "client {\n"
	         "  enabled = true\n"
	         "  servers = [\"s1\"]\n"
	         "  meta {\n    a = \"1\"\n    b = \"2\"\n  }\n"
	         "  server_join {\n    retry_join = [\"x\", \"y\"]\n  }\n"
	         "  host_volume \"v\" {\n    path = \"/a\"\n    read_only = "
	         "true\n  }\n"
	         "}\n"
	         "server {\n  retry_join = [\"r1\"]\n  raft_multiplier = 2\n}\n"
	         "plugin \"docker\" {\n  args = [\"a\"]\n"
	         "  config {\n    x = 1\n  }\n}\n",
	         &a);
	parse_ok("b.hcl",
	         "datacenter = \"dc9\"\n"
	         "log_json = false\n"
	         "client {\n"
	         "  enabled = false\n"
	         "  servers = [\"s2\"]\n"
	         "  meta {\n    b = \"3\"\n    c = \"4\"\n  }\n"
	         "  server_join {\n    retry_join = [\"z\"]\n  }\n"
	         "  host_volume \"v\" {\n    path = \"/b\"\n  }\n"
	         "}\n"
	         "server {\n  retry_join = [\"r2\"]\n}\n"
	         "plugin \"docker\" {\n  config {\n    y = 2\n  }\n}\n"
	         "plugin \"exec\" {}\n",
	         &b);
	ck_assert_int_eq(config_merge(&a, &b), ERR_OK);
	ck_assert_str_eq(a.region, "east");
	ck_assert_str_eq(a.datacenter, "dc9");
	ck_assert(a.log_json);                    /* false never unsets */
	ck_assert(a.client.enabled);              /* likewise */
	ck_assert_uint_eq(a.client.servers.n, 2); /* appended */
	ck_assert_str_eq(a.client.servers.v[1], "s2");
	ck_assert_str_eq(strmap_get(&a.client.meta, "a"), "1");
	ck_assert_str_eq(strmap_get(&a.client.meta, "b"), "3");
	ck_assert_str_eq(strmap_get(&a.client.meta, "c"), "4");
	ck_assert_uint_eq(a.client.server_join.retry_join.n, 1); /* replaced */
	ck_assert_str_eq(a.client.server_join.retry_join.v[0], "z");
	ck_assert_uint_eq(a.client.host_volumes.n, 1);
	ck_assert_str_eq(a.client.host_volumes.v[0].path, "/b");
	ck_assert(!a.client.host_volumes.v[0].read_only); /* replaced whole */
	ck_assert_uint_eq(a.server.retry_join.n, 2);
	ck_assert_int_eq(a.server.raft_multiplier.v, 2);
	ck_assert_uint_eq(a.plugins.n, 2);
	ck_assert_str_eq(a.plugins.v[0].args.v[0], "a");
	ck_assert_ptr_null(value_map_get(&a.plugins.v[0].config, "x"));
	ck_assert_ptr_nonnull(value_map_get(&a.plugins.v[0].config, "y"));
	ck_assert_str_eq(a.plugins.v[1].name, "exec");
	config_release(&a);
	config_release(&b);
}
END_TEST

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(directory_merges_in_order)
{
	char dir[] = "/tmp/steppe-config-XXXXXX";
	char sub[600], want[600];
	struct agent_config c;
	struct err e;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "20-override.json",
	           "{\"log_level\": \"WARN\", \"client\": {\"servers\": "
	           "[\"b\"]}}");
	write_file(dir, "10-base.hcl",
	           "log_level = \"DEBUG\"\nregion = \"r\"\n"
	           "client {\n  servers = [\"a\"]\n}\n");
	write_file(dir, "notes.txt", "not a config");
	write_file(dir, "30-edit.hcl~", "broken {");
	write_file(dir, ".#40-lock.hcl", "broken {");
	snprintf(sub, sizeof sub, "%s/sub.hcl", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);

	memset(&c, 0, sizeof c);
	err_clear(&e);
	int rc = config_parse_path(dir, &c, &e);
	ck_assert_msg(rc == ERR_OK, "%s", e.msg);
	ck_assert_str_eq(c.log_level, "WARN");
	ck_assert_str_eq(c.region, "r");
	ck_assert_uint_eq(c.client.servers.n, 2);
	ck_assert_str_eq(c.client.servers.v[0], "a");
	ck_assert_uint_eq(c.files.n, 2);
	snprintf(want, sizeof want, "%s/10-base.hcl", dir);
	ck_assert_str_eq(c.files.v[0], want);
	config_release(&c);

	/* a broken file names itself */
	write_file(dir, "15-bad.hcl", "client {\n  enabled = maybe\n}\n");
	memset(&c, 0, sizeof c);
	ck_assert_int_ne(config_parse_path(dir, &c, &e), ERR_OK);
	snprintf(want, sizeof want, "%s/15-bad.hcl:2:", dir);
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);

	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(missing_path)
{
	struct agent_config c;
	struct err e;
	memset(&c, 0, sizeof c);
	err_clear(&e);
	ck_assert_int_eq(config_parse_path("/nonexistent/agent.hcl", &c, &e),
	                 ERR_IO);
	ck_assert_str_eq(e.msg,
	                 "/nonexistent/agent.hcl: no such file or directory");
}
END_TEST

START_TEST(agent_self_json_shape)
{
	struct agent_config c;
	struct buf b;
	parse_ok("c.hcl",
	         "server {\n  enabled = true\n  encrypt = \"k\"\n}\n"
	         "acl {\n  replication_token = \"secret\"\n}\n"
	         "consul {\n  token = \"secret\"\n}\n",
	         &c);
	buf_init(&b);
	ck_assert_int_eq(
	    schema_json_encode_buf(&agent_config_schema, &c, 0, &b), ERR_OK);
	const char *j = buf_cstr(&b);
	ck_assert_msg(strstr(j, "\"Server\":{\"Enabled\":true") != NULL, "%s",
	              j);
	ck_assert_msg(strstr(j, "\"AdvertiseAddrs\":{") != NULL, "%s", j);
	ck_assert_msg(strstr(j, "secret") == NULL, "%s", j);
	ck_assert_msg(strstr(j, "\"k\"") == NULL, "%s", j);
	buf_release(&b);
	config_release(&c);
}
END_TEST

START_TEST(out_of_memory_is_clean)
{
	int ok = 0;
	for (int64_t k = 0; k < 20000 && !ok; k++) {
		struct agent_config c, d;
		struct err e;
		memset(&c, 0, sizeof c);
		memset(&d, 0, sizeof d);
		err_clear(&e);
		mem_fault_set(k, 1);
		int rc = config_parse("basic.hcl", full_hcl, strlen(full_hcl),
		                      &c, &e);
		if (rc == ERR_OK) {
			rc = config_defaults(&d);
			if (rc == ERR_OK)
				rc = config_merge(&d, &c);
			ok = rc == ERR_OK;
		} else {
			ck_assert_msg(rc == ERR_NOMEM, "fault %lld: rc %d: %s",
			              (long long)k, rc, e.msg);
		}
		mem_fault_reset();
		config_release(&c);
		config_release(&d);
	}
	ck_assert(ok);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = unit_tcase(s, "parse", 30);
	tcase_add_test(tc, example_agent_hcl);
	tcase_add_test(tc, full_nomad_config_hcl);
	tcase_add_test(tc, full_nomad_config_json);
	tcase_add_test(tc, json_errors);
	tcase_add_test(tc, block_forms);
	tcase_add_test(tc, bad_input_messages);
	tcase_add_test(tc, agent_self_json_shape);
	tc = unit_tcase(s, "semantics", 30);
	tcase_add_test(tc, validation_messages);
	tcase_add_test(tc, validation_client);
	tcase_add_test(tc, defaults_like_nomad);
	tcase_add_test(tc, merge_like_nomad);
	tcase_add_test(tc, directory_merges_in_order);
	tcase_add_test(tc, missing_path);
	tc = unit_tcase(s, "memory", 300);
	tcase_add_test(tc, out_of_memory_is_clean);
	return s;
}

UNIT_MAIN(config_suite)
