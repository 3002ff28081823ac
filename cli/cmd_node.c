/* cli/cmd_node.c: `node status`, `node eligibility` and `node drain`. The
 * first half renders the API's node objects as Nomad's node_status.go does
 * (pure functions, declared in cli/cli.h for the tests); the second half
 * is the commands. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "lib/mem.h"
#include "lib/stime.h"

#define CLI_MIB (1024ull * 1024)

/* ---- small pieces ----------------------------------------------------- */

const char *cli_fmt_bytes(uint64_t n, char out[CLI_BYTES_MAX])
{
	static const char *const sizes[] = {"B",   "KiB", "MiB", "GiB",
	                                    "TiB", "PiB", "EiB"};
	double val;
	int e = 0;
	if (n < 10) {
		snprintf(out, CLI_BYTES_MAX, "%llu B", (unsigned long long)n);
		return out;
	}
	while (e < 6 && n / 1024 >= (1ull << (10 * e)))
		e++;
	val = floor((double)n / pow(1024, e) * 10 + 0.5) / 10;
	snprintf(out, CLI_BYTES_MAX, val < 10 ? "%.1f %s" : "%.0f %s", val,
	         sizes[e]);
	return out;
}

static void cli_node_title(struct buf *out, const char *title)
{
	buf_appendf(out, "\n%s\n", title);
}

static void cli_kv(struct fmt_table *t, const char *key, const char *val)
{
	fmt_table_add(t, key);
	fmt_table_add(t, val);
}

static int cli_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj for which keep() holds (NULL: all), sorted, in an
 * array the caller frees; NULL with *n 0 when none (b->oom set on oom). */
static const char **cli_keys(const json_t *obj,
                             bool (*keep)(const char *key, const json_t *v),
                             size_t *n, struct buf *b)
{
	size_t k = json_object_size(obj);
	const char **keys = k ? mem_malloc(k * sizeof *keys) : NULL;
	const char *key;
	json_t *v;
	*n = 0;
	if (keys == NULL) {
		b->oom |= k > 0;
		return NULL;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		if (keep == NULL || keep(key, v))
			keys[(*n)++] = key;
	}
	qsort(keys, *n, sizeof *keys, cli_cmp_str);
	return keys;
}

/* The keys of obj (as cli_keys) joined with sep into b. */
static void cli_join_keys(struct buf *b, const json_t *obj, const char *sep,
                          bool (*keep)(const char *key, const json_t *v))
{
	size_t n;
	const char **keys = cli_keys(obj, keep, &n, b);
	for (size_t i = 0; i < n; i++)
		buf_appendf(b, "%s%s", i ? sep : "", keys[i]);
	mem_free(keys);
}

/* A key whose value is the sorted keys of obj joined with ",". */
static void cli_kv_keys(struct fmt_table *t, const char *key, const json_t *obj)
{
	struct buf b;
	buf_init(&b);
	cli_join_keys(&b, obj, ",", NULL);
	t->oom |= b.oom;
	cli_kv(t, key, buf_cstr(&b));
	buf_release(&b);
}

/* ---- node lists ------------------------------------------------------- */

static void cli_node_list_head(struct fmt_table *t,
                               const struct cli_node_list_opts *o)
{
	fmt_table_add(t, "ID");
	fmt_table_add(t, "Node Pool");
	fmt_table_add(t, "DC");
	fmt_table_add(t, "Name");
	fmt_table_add(t, "Class");
	if (o->os)
		fmt_table_add(t, "OS");
	if (o->verbose) {
		fmt_table_add(t, "Address");
		fmt_table_add(t, "Version");
	}
	fmt_table_add(t, "Drain");
	fmt_table_add(t, "Eligibility");
	fmt_table_add(t, "Status");
	if (o->running != NULL)
		fmt_table_add(t, "Running Allocs");
}

static void cli_node_list_row(struct fmt_table *t, const json_t *n,
                              const struct cli_node_list_opts *o)
{
	int length = o->verbose ? FMT_FULL_ID : FMT_SHORT_ID;
	fmt_table_addf(t, "%.*s", length, fmt_jstr(n, "ID"));
	fmt_table_add(t, fmt_jstr(n, "NodePool"));
	fmt_table_add(t, fmt_jstr(n, "Datacenter"));
	fmt_table_add(t, fmt_jstr(n, "Name"));
	fmt_table_add(t, fmt_jstr(n, "NodeClass"));
	if (o->os)
		fmt_table_add(
		    t, fmt_jstr(json_object_get(n, "Attributes"), "os.name"));
	if (o->verbose) {
		fmt_table_add(t, fmt_jstr(n, "Address"));
		fmt_table_add(t, fmt_jstr(n, "Version"));
	}
	fmt_table_add(t, fmt_jbool(n, "Drain") ? "true" : "false");
	fmt_table_add(t, fmt_jstr(n, "SchedulingEligibility"));
	fmt_table_add(t, fmt_jstr(n, "Status"));
	if (o->running != NULL)
		fmt_table_addf(
		    t, "%lld",
		    (long long)fmt_jint(o->running, fmt_jstr(n, "ID")));
}

void cli_fmt_node_list(const json_t *nodes, const struct cli_node_list_opts *o,
                       struct buf *out)
{
	size_t ncols = 8 + o->os + 2 * o->verbose + (o->running != NULL);
	struct fmt_table t;
	if (json_array_size(nodes) == 0) {
		buf_append_str(out, "No nodes registered\n");
		return;
	}
	fmt_table_init(&t, ncols);
	cli_node_list_head(&t, o);
	for (size_t i = 0; i < json_array_size(nodes); i++)
		cli_node_list_row(&t, json_array_get(nodes, i), o);
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

void cli_fmt_node_stubs(const json_t *nodes, bool verbose, struct buf *out)
{
	static const char *const head[] = {
	    "ID", "DC", "Name", "Class", "Drain", "Eligibility", "Status"};
	int length = verbose ? FMT_FULL_ID : FMT_SHORT_ID;
	struct fmt_table t;
	fmt_table_init(&t, 7);
	for (size_t i = 0; i < 7; i++)
		fmt_table_add(&t, head[i]);
	for (size_t i = 0; i < json_array_size(nodes); i++) {
		const json_t *n = json_array_get(nodes, i);
		fmt_table_addf(&t, "%.*s", length, fmt_jstr(n, "ID"));
		fmt_table_add(&t, fmt_jstr(n, "Datacenter"));
		fmt_table_add(&t, fmt_jstr(n, "Name"));
		fmt_table_add(&t, fmt_jstr(n, "NodeClass"));
		fmt_table_add(&t, fmt_jbool(n, "Drain") ? "true" : "false");
		fmt_table_add(&t, fmt_jstr(n, "SchedulingEligibility"));
		fmt_table_add(&t, fmt_jstr(n, "Status"));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

/* ---- one node: the key/value block ------------------------------------ */

/* Nomad's formatDrain. */
static void cli_node_drain(struct fmt_table *t, const json_t *node)
{
	const json_t *d = json_object_get(node, "DrainStrategy");
	char tm[FMT_TIME_MAX];
	struct buf b;
	if (!json_is_object(d)) {
		cli_kv(t, "Drain", fmt_jbool(node, "Drain") ? "true" : "false");
		return;
	}
	buf_init(&b);
	buf_append_str(&b, "true");
	if (fmt_jint(d, "Deadline") < 0)
		buf_append_str(&b, "; force drain");
	else if (fmt_time_str(fmt_jstr(d, "ForceDeadline"), tm)[0] == '\0')
		buf_append_str(&b, "; no deadline");
	else
		buf_appendf(&b, "; %s deadline", tm);
	if (fmt_jbool(d, "IgnoreSystemJobs"))
		buf_append_str(&b, "; ignoring system jobs");
	t->oom |= b.oom;
	cli_kv(t, "Drain", buf_cstr(&b));
	buf_release(&b);
}

static bool cli_detected_driver(const char *key, const json_t *v)
{
	(void)key;
	return fmt_jbool(v, "Detected");
}

/* "Driver Status": the detected drivers, "(unhealthy)" after the sick. */
static void cli_node_driver_status(struct fmt_table *t, const json_t *node)
{
	const json_t *drivers = json_object_get(node, "Drivers");
	struct buf b;
	size_t n;
	const char **keys;
	buf_init(&b);
	keys = cli_keys(drivers, cli_detected_driver, &n, &b);
	for (size_t i = 0; i < n; i++)
		buf_appendf(
		    &b, "%s%s%s", i ? "," : "", keys[i],
		    fmt_jbool(json_object_get(drivers, keys[i]), "Healthy")
		        ? ""
		        : " (unhealthy)");
	t->oom |= b.oom;
	cli_kv(t, "Driver Status", buf_cstr(&b));
	buf_release(&b);
	mem_free(keys);
}

static bool cli_enabled_driver_attr(const char *key, const json_t *v)
{
	const char *s = json_string_value(v);
	return strncmp(key, "driver.", 7) == 0 &&
	       strchr(key + 7, '.') == NULL && s != NULL && strcmp(s, "1") == 0;
}

/* "Drivers" of -short: the driver.<name> = "1" attributes. */
static void cli_node_drivers_attr(struct fmt_table *t, const json_t *node)
{
	struct buf b;
	size_t n;
	const char **keys;
	buf_init(&b);
	keys = cli_keys(json_object_get(node, "Attributes"),
	                cli_enabled_driver_attr, &n, &b);
	for (size_t i = 0; i < n; i++)
		buf_appendf(&b, "%s%s", i ? "," : "", keys[i] + 7);
	t->oom |= b.oom;
	cli_kv(t, "Drivers", buf_cstr(&b));
	buf_release(&b);
	mem_free(keys);
}

/* Adds the names of the CSI volumes alloc's group claims to names.
 * Returns 0, or -1 on oom. */
static int cli_alloc_csi_names(const json_t *a, json_t *names)
{
	const json_t *tgs =
	    json_object_get(json_object_get(a, "Job"), "TaskGroups");
	for (size_t g = 0; g < json_array_size(tgs); g++) {
		const json_t *tg = json_array_get(tgs, g), *v;
		const char *key;
		if (strcmp(fmt_jstr(tg, "Name"), fmt_jstr(a, "TaskGroup")) != 0)
			continue;
		json_object_foreach(json_object_get(tg, "Volumes"), key, v)
		{
			if (strcmp(fmt_jstr(v, "Type"), "csi") == 0 &&
			    json_object_set_new(names, fmt_jstr(v, "Name"),
			                        json_null()) != 0)
				return -1;
		}
	}
	return 0;
}

/* The CSI volumes the running allocations' groups claim, sorted. */
static void cli_node_csi_volumes(struct fmt_table *t, const json_t *running)
{
	json_t *names = json_object();
	struct buf b;
	bool oom = names == NULL;
	for (size_t i = 0; !oom && i < json_array_size(running); i++)
		oom =
		    cli_alloc_csi_names(json_array_get(running, i), names) != 0;
	buf_init(&b);
	b.oom = oom;
	cli_join_keys(&b, names, ",", NULL);
	t->oom |= b.oom;
	cli_kv(t, "CSI Volumes", buf_cstr(&b));
	buf_release(&b);
	json_decref(names);
}

static void cli_node_kv(const struct cli_node_view *v, const json_t *running,
                        struct buf *out)
{
	const json_t *n = v->node;
	struct fmt_table t;
	fmt_table_init(&t, 2);
	cli_kv(&t, "ID", fmt_jstr(n, "ID"));
	cli_kv(&t, "Name", fmt_jstr(n, "Name"));
	cli_kv(&t, "Node Pool", fmt_jstr(n, "NodePool"));
	cli_kv(&t, "Class", fmt_jstr(n, "NodeClass"));
	cli_kv(&t, "DC", fmt_jstr(n, "Datacenter"));
	cli_node_drain(&t, n);
	cli_kv(&t, "Eligibility", fmt_jstr(n, "SchedulingEligibility"));
	cli_kv(&t, "Status", fmt_jstr(n, "Status"));
	cli_kv_keys(&t, "CSI Controllers",
	            json_object_get(n, "CSIControllerPlugins"));
	cli_kv_keys(&t, "CSI Drivers", json_object_get(n, "CSINodePlugins"));
	if (v->short_only || !v->verbose) {
		cli_kv_keys(&t, "Host Volumes",
		            json_object_get(n, "HostVolumes"));
		cli_kv_keys(&t, "Host Networks",
		            json_object_get(n, "HostNetworks"));
		cli_node_csi_volumes(&t, running);
	}
	if (v->short_only)
		cli_node_drivers_attr(&t, n);
	else if (!v->verbose)
		cli_node_driver_status(&t, n);
	fmt_table_kv(&t, out);
	fmt_table_release(&t);
}

/* ---- one node: the sections ------------------------------------------- */

/* A titled table of a map's entries (sorted by key), printed only when
 * the map has some: the head cells, then row() for each entry. */
static void cli_map_table(const char *title, const json_t *m,
                          const char *const *head, size_t ncols,
                          void (*row)(struct fmt_table *t, const char *key,
                                      const json_t *v),
                          struct buf *out)
{
	struct fmt_table t;
	size_t n;
	const char **keys = cli_keys(m, NULL, &n, out);
	if (n == 0)
		return;
	fmt_table_init(&t, ncols);
	for (size_t i = 0; i < ncols; i++)
		fmt_table_add(&t, head[i]);
	for (size_t i = 0; i < n; i++)
		row(&t, keys[i], json_object_get(m, keys[i]));
	cli_node_title(out, title);
	fmt_table_list(&t, out);
	fmt_table_release(&t);
	mem_free(keys);
}

static void cli_volume_row(struct fmt_table *t, const char *name,
                           const json_t *v)
{
	fmt_table_add(t, name);
	fmt_table_add(t, fmt_jbool(v, "ReadOnly") ? "true" : "false");
	fmt_table_add(t, fmt_jstr(v, "Path"));
}

static void cli_network_row(struct fmt_table *t, const char *name,
                            const json_t *v)
{
	fmt_table_add(t, name);
	fmt_table_add(t, fmt_jstr(v, "CIDR"));
	fmt_table_add(t, fmt_jstr(v, "Interface"));
	fmt_table_add(t, fmt_jstr(v, "ReservedPorts"));
}

static void cli_driver_row(struct fmt_table *t, const char *name,
                           const json_t *d)
{
	char tm[FMT_TIME_MAX];
	fmt_table_add(t, name);
	fmt_table_add(t, fmt_jbool(d, "Detected") ? "true" : "false");
	fmt_table_add(t, fmt_jbool(d, "Healthy") ? "true" : "false");
	fmt_table_add(t, fmt_jstr(d, "HealthDescription"));
	fmt_table_add(t, fmt_time_str(fmt_jstr(d, "UpdateTime"), tm));
}

/* -verbose: Host Volumes and Host Networks (when there are some), then
 * the Drivers table (always titled). */
static void cli_node_verbose_tables(const json_t *node, struct buf *out)
{
	static const char *const vh[] = {"Name", "ReadOnly", "Source"};
	static const char *const nh[] = {"Name", "CIDR", "Interface",
	                                 "ReservedPorts"};
	static const char *const dh[] = {"Driver", "Detected", "Healthy",
	                                 "Message", "Time"};
	const json_t *drivers = json_object_get(node, "Drivers");
	cli_map_table("Host Volumes", json_object_get(node, "HostVolumes"), vh,
	              3, cli_volume_row, out);
	cli_map_table("Host Networks", json_object_get(node, "HostNetworks"),
	              nh, 4, cli_network_row, out);
	if (json_object_size(drivers) == 0) {
		struct fmt_table t;
		fmt_table_init(&t, 5);
		for (size_t i = 0; i < 5; i++)
			fmt_table_add(&t, dh[i]);
		cli_node_title(out, "Drivers");
		fmt_table_list(&t, out);
		fmt_table_release(&t);
		return;
	}
	cli_map_table("Drivers", drivers, dh, 5, cli_driver_row, out);
}

/* An event's Details as "k: v, k: v" (keys sorted). */
static void cli_event_details(struct fmt_table *t, const json_t *details)
{
	struct buf b;
	size_t n;
	const char **keys;
	buf_init(&b);
	keys = cli_keys(details, NULL, &n, &b);
	for (size_t i = 0; i < n; i++)
		buf_appendf(&b, "%s%s: %s", i ? ", " : "", keys[i],
		            fmt_jstr(details, keys[i]));
	t->oom |= b.oom;
	fmt_table_add(t, buf_cstr(&b));
	buf_release(&b);
	mem_free(keys);
}

/* Node Events, newest first; a driver's events name the driver. */
static void cli_node_events(const json_t *node, bool verbose, struct buf *out)
{
	const json_t *events = json_object_get(node, "Events");
	char tm[FMT_TIME_MAX];
	struct fmt_table t;
	cli_node_title(out, "Node Events");
	fmt_table_init(&t, verbose ? 4 : 3);
	fmt_table_add(&t, "Time");
	fmt_table_add(&t, "Subsystem");
	fmt_table_add(&t, "Message");
	if (verbose)
		fmt_table_add(&t, "Details");
	for (size_t i = json_array_size(events); i-- > 0;) {
		const json_t *e = json_array_get(events, i);
		const json_t *details = json_object_get(e, "Details");
		const char *driver = fmt_jstr(details, "driver");
		fmt_table_add(&t, fmt_time_str(fmt_jstr(e, "Timestamp"), tm));
		if (driver[0] != '\0')
			fmt_table_addf(&t, "Driver: %s", driver);
		else
			fmt_table_add(&t, fmt_jstr(e, "Subsystem"));
		fmt_table_add(&t, fmt_jstr(e, "Message"));
		if (verbose)
			cli_event_details(&t, details);
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

/* What an allocation holds: its AllocatedResources (tasks' CPU and
 * memory, the shared disk), else the legacy Resources. */
static void cli_alloc_usage(const json_t *a, int64_t use[3])
{
	const json_t *ar = json_object_get(a, "AllocatedResources");
	const json_t *r = json_object_get(a, "Resources");
	const char *key;
	json_t *task;
	if (!json_is_object(ar)) {
		use[0] += fmt_jint(r, "CPU");
		use[1] += fmt_jint(r, "MemoryMB");
		use[2] += fmt_jint(r, "DiskMB");
		return;
	}
	json_object_foreach(json_object_get(ar, "Tasks"), key, task)
	{
		use[0] += fmt_jint(json_object_get(task, "Cpu"), "CpuShares");
		use[1] += fmt_jint(json_object_get(task, "Memory"), "MemoryMB");
	}
	use[2] += fmt_jint(json_object_get(ar, "Shared"), "DiskMB");
}

/* Resource `kind` (Cpu/Memory/Disk) of the node minus its reservation. */
static int64_t cli_node_total(const json_t *node, const char *kind,
                              const char *field)
{
	const json_t *r = json_object_get(node, "NodeResources");
	const json_t *res = json_object_get(node, "ReservedResources");
	return fmt_jint(json_object_get(r, kind), field) -
	       fmt_jint(json_object_get(res, kind), field);
}

/* "used/total" of megabytes, as go-humanize prints them. */
static void cli_mb_cell(struct fmt_table *t, int64_t used, int64_t total)
{
	char a[CLI_BYTES_MAX], b[CLI_BYTES_MAX];
	fmt_table_addf(t, "%s/%s", cli_fmt_bytes((uint64_t)used * CLI_MIB, a),
	               cli_fmt_bytes((uint64_t)total * CLI_MIB, b));
}

/* Allocated Resources: what the running allocations hold of what the
 * node offers. */
static void cli_node_resources(const json_t *node, const json_t *running,
                               struct buf *out)
{
	int64_t use[3] = {0, 0, 0}, max = fmt_jint(node, "NodeMaxAllocs");
	size_t n = json_array_size(running);
	struct fmt_table t;
	for (size_t i = 0; i < n; i++)
		cli_alloc_usage(json_array_get(running, i), use);
	cli_node_title(out, "Allocated Resources");
	fmt_table_init(&t, 4);
	fmt_table_add(&t, "CPU");
	fmt_table_add(&t, "Memory");
	fmt_table_add(&t, "Disk");
	fmt_table_add(&t, "Alloc Count");
	fmt_table_addf(&t, "%lld/%lld MHz", (long long)use[0],
	               (long long)cli_node_total(node, "Cpu", "CpuShares"));
	cli_mb_cell(&t, use[1], cli_node_total(node, "Memory", "MemoryMB"));
	cli_mb_cell(&t, use[2], cli_node_total(node, "Disk", "DiskMB"));
	if (max != 0)
		fmt_table_addf(&t, "%zu/%lld", n, (long long)max);
	else
		fmt_table_addf(&t, "%zu", n);
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

static void cli_node_alloc_row(struct fmt_table *t, const json_t *a,
                               bool verbose, int64_t now)
{
	int length = verbose ? FMT_FULL_ID : FMT_SHORT_ID;
	char tm[FMT_TIME_MAX];
	fmt_table_addf(t, "%.*s", length, fmt_jstr(a, "ID"));
	if (verbose)
		fmt_table_addf(t, "%.*s", length, fmt_jstr(a, "EvalID"));
	fmt_table_addf(t, "%.*s", length, fmt_jstr(a, "NodeID"));
	fmt_table_add(t, fmt_jstr(a, "TaskGroup"));
	fmt_table_addf(
	    t, "%lld",
	    (long long)fmt_jint(json_object_get(a, "Job"), "Version"));
	fmt_table_add(t, fmt_jstr(a, "DesiredStatus"));
	fmt_table_add(t, fmt_jstr(a, "ClientStatus"));
	if (verbose) {
		fmt_table_add(t, fmt_time(fmt_jint(a, "CreateTime"), tm));
		fmt_table_add(t, fmt_time(fmt_jint(a, "ModifyTime"), tm));
	} else {
		fmt_table_add(t, fmt_ago(fmt_jint(a, "CreateTime"), now, tm));
		fmt_table_add(t, fmt_ago(fmt_jint(a, "ModifyTime"), now, tm));
	}
}

void cli_fmt_alloc_list(const json_t *allocs, bool verbose, int64_t now,
                        struct buf *out)
{
	static const char *const head[] = {"ID",         "Eval ID", "Node ID",
	                                   "Task Group", "Version", "Desired",
	                                   "Status",     "Created", "Modified"};
	struct fmt_table t;
	if (json_array_size(allocs) == 0) {
		buf_append_str(out, "No allocations placed\n");
		return;
	}
	fmt_table_init(&t, verbose ? 9 : 8);
	for (size_t i = 0; i < 9; i++)
		if (verbose || i != 1)
			fmt_table_add(&t, head[i]);
	for (size_t i = 0; i < json_array_size(allocs); i++)
		cli_node_alloc_row(&t, json_array_get(allocs, i), verbose, now);
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

static bool cli_not_unique(const char *key, const json_t *v)
{
	(void)v;
	return key[0] != '\0' && strncmp(key, "unique.", 7) != 0;
}

/* A key/value section of a string map (keep as for cli_keys). An empty
 * map prints an empty line, as Nomad's empty formatKV does. */
static void cli_node_map(const char *title, const json_t *m,
                         bool (*keep)(const char *key, const json_t *v),
                         struct buf *out)
{
	struct fmt_table t;
	size_t n;
	const char **keys = cli_keys(m, keep, &n, out);
	cli_node_title(out, title);
	fmt_table_init(&t, 2);
	for (size_t i = 0; i < n; i++)
		cli_kv(&t, keys[i], fmt_jstr(m, keys[i]));
	if (n == 0)
		buf_append_char(out, '\n');
	else
		fmt_table_kv(&t, out);
	fmt_table_release(&t);
	mem_free(keys);
}

static json_t *cli_running_allocs(const json_t *allocs)
{
	json_t *r = json_array();
	for (size_t i = 0; r != NULL && i < json_array_size(allocs); i++) {
		json_t *a = json_array_get(allocs, i);
		if (strcmp(fmt_jstr(a, "ClientStatus"), "running") == 0 &&
		    json_array_append(r, a) != 0) {
			json_decref(r);
			return NULL;
		}
	}
	return r;
}

void cli_fmt_node_status(const struct cli_node_view *v, struct buf *out)
{
	json_t *running = cli_running_allocs(v->allocs);
	out->oom |= running == NULL;
	cli_node_kv(v, running, out);
	if (!v->short_only) {
		if (v->verbose)
			cli_node_verbose_tables(v->node, out);
		cli_node_events(v->node, v->verbose, out);
		cli_node_resources(v->node, running, out);
	}
	cli_node_title(out, "Allocations");
	cli_fmt_alloc_list(v->allocs, v->verbose, v->now, out);
	if (v->verbose) {
		cli_node_map("Attributes",
		             json_object_get(v->node, "Attributes"), NULL, out);
		cli_node_map("Meta", json_object_get(v->node, "Meta"),
		             cli_not_unique, out);
	}
	json_decref(running);
}

/* ---- finding a node --------------------------------------------------- */

/* How a command words a failed lookup. */
struct cli_node_lookup {
	const char *what; /* "Error querying node info" */
	bool or_id;       /* "No node(s) with prefix or id ..." */
	bool verbose;     /* full IDs in the "matched multiple" list */
};

static int cli_node_pick(const json_t *nodes, const char *prefix,
                         const struct cli_node_lookup *l, char **id)
{
	struct buf b;
	if (json_array_size(nodes) == 0) {
		fprintf(stderr, "No node(s) with prefix %s\"%s\" found\n",
		        l->or_id ? "or id " : "", prefix);
		return 1;
	}
	if (json_array_size(nodes) > 1) {
		buf_init(&b);
		cli_fmt_node_stubs(nodes, l->verbose, &b);
		fprintf(stderr, "Prefix matched multiple nodes\n\n%s",
		        buf_cstr(&b));
		buf_release(&b);
		return 1;
	}
	*id = mem_strdup(fmt_jstr(json_array_get(nodes, 0), "ID"));
	if (*id != NULL)
		return 0;
	fprintf(stderr, "Error: out of memory\n");
	return 1;
}

/* GET /v1/node/<id><suffix> into *out; prints what went wrong after
 * what ("Error querying node info: ..."). */
static int cli_node_get(struct http_client *c, const char *id,
                        const char *suffix, const char *what, json_t **out)
{
	char *path = http_client_path("/v1/node/", id, suffix);
	struct err e;
	int rc = 1;
	err_clear(&e);
	*out = NULL;
	if (path == NULL)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_get_json(c, path, NULL, out, NULL, &e) != 0)
		fprintf(stderr, "%s: %s\n", what, e.msg);
	else
		rc = 0;
	mem_free(path);
	return rc;
}

/* Resolves arg (an ID or prefix of one) through /v1/nodes?prefix= and
 * reads the node. Prints what went wrong and returns 1, or 0 with *node
 * (the caller decrefs). */
static int cli_node_find(struct http_client *c, const char *arg,
                         const struct cli_node_lookup *l, json_t **node)
{
	struct strmap q = {0};
	char *prefix = mem_strdup(arg), *id = NULL;
	json_t *nodes = NULL;
	struct err e;
	int rc = 1;
	err_clear(&e);
	*node = NULL;
	if (strlen(arg) == 1) {
		fprintf(stderr, "Identifier must contain at least two "
		                "characters.\n");
		goto out;
	}
	if (prefix == NULL ||
	    (fmt_uuid_prefix(prefix), strmap_set(&q, "prefix", prefix) != 0)) {
		fprintf(stderr, "Error: out of memory\n");
		goto out;
	}
	if (http_client_get_json(c, "/v1/nodes", &q, &nodes, NULL, &e) != 0)
		fprintf(stderr, "%s: %s\n", l->what, e.msg);
	else if (cli_node_pick(nodes, prefix, l, &id) == 0)
		rc = cli_node_get(c, id, NULL, l->what, node);
out:
	json_decref(nodes);
	strmap_release(&q);
	mem_free(prefix);
	mem_free(id);
	return rc;
}

/* ---- node status ------------------------------------------------------ */

struct cli_node_status_opts {
	bool verbose, short_only, json, os, quiet, allocs;
};

/* -allocs: node ID -> number of its running allocations. */
static json_t *cli_node_running(struct http_client *c, const json_t *nodes)
{
	json_t *counts = json_object();
	for (size_t i = 0; counts != NULL && i < json_array_size(nodes); i++) {
		const char *id = fmt_jstr(json_array_get(nodes, i), "ID");
		json_t *allocs = NULL, *running;
		if (cli_node_get(c, id, "/allocations",
		                 "Error querying node allocations",
		                 &allocs) != 0) {
			json_decref(counts);
			return NULL;
		}
		running = cli_running_allocs(allocs);
		json_object_set_new(
		    counts, id,
		    json_integer((json_int_t)json_array_size(running)));
		json_decref(running);
		json_decref(allocs);
	}
	return counts;
}

static int cli_node_list_print(struct http_client *c, const json_t *nodes,
                               const struct cli_node_status_opts *o)
{
	struct cli_node_list_opts lo = {o->verbose, o->os, NULL};
	json_t *running = NULL;
	struct buf out;
	int rc;
	buf_init(&out);
	if (o->json) {
		fmt_json(nodes, &out);
	} else if (o->quiet) {
		for (size_t i = 0; i < json_array_size(nodes); i++)
			buf_appendf(&out, "%s\n",
			            fmt_jstr(json_array_get(nodes, i), "ID"));
	} else {
		if (o->allocs && json_array_size(nodes) > 0 &&
		    (running = cli_node_running(c, nodes)) == NULL) {
			buf_release(&out);
			return 1;
		}
		lo.running = running;
		cli_fmt_node_list(nodes, &lo, &out);
	}
	rc = cli_output(&out);
	json_decref(running);
	buf_release(&out);
	return rc;
}

static int cli_node_list(struct http_client *c,
                         const struct cli_node_status_opts *o)
{
	struct strmap q = {0};
	json_t *nodes = NULL;
	struct err e;
	int rc = 1;
	err_clear(&e);
	if (o->quiet && (o->verbose || o->json)) {
		fprintf(stderr,
		        "-quiet cannot be used with -verbose or -json\n");
		return 1;
	}
	if (o->os && strmap_set(&q, "os", "true") != 0)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_get_json(c, "/v1/nodes", &q, &nodes, NULL, &e))
		fprintf(stderr, "Error querying node status: %s\n", e.msg);
	else
		rc = cli_node_list_print(c, nodes, o);
	json_decref(nodes);
	strmap_release(&q);
	return rc;
}

static int cli_node_show(struct http_client *c, const char *arg,
                         const struct cli_node_status_opts *o)
{
	const struct cli_node_lookup l = {"Error querying node info", false,
	                                  o->verbose};
	struct cli_node_view v = {.verbose = o->verbose,
	                          .short_only = o->short_only,
	                          .now = stime_wall_ns()};
	json_t *node = NULL, *allocs = NULL;
	struct buf out;
	int rc = 1;
	buf_init(&out);
	if (cli_node_find(c, arg, &l, &node) != 0)
		goto out;
	if (o->json) {
		fmt_json(node, &out);
	} else {
		if (cli_node_get(c, fmt_jstr(node, "ID"), "/allocations",
		                 "Error querying node allocations",
		                 &allocs) != 0)
			goto out;
		v.node = node;
		v.allocs = allocs;
		cli_fmt_node_status(&v, &out);
	}
	rc = cli_output(&out);
out:
	json_decref(node);
	json_decref(allocs);
	buf_release(&out);
	return rc;
}

int cli_cmd_node_status(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct cli_node_status_opts o = {0};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"verbose", FLAG_BOOL, &o.verbose},
	    {"short", FLAG_BOOL, &o.short_only},
	    {"json", FLAG_BOOL, &o.json},
	    {"os", FLAG_BOOL, &o.os},
	    {"quiet", FLAG_BOOL, &o.quiet},
	    {"allocs", FLAG_BOOL, &o.allocs},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest > 1)
		return cli_usage_error(cmd, "This command takes either one or "
		                            "no arguments");
	if (http_client_open(&rc, &c) != 0)
		return 1;
	if (nrest == 0)
		code = cli_node_list(c, &o);
	else
		code = cli_node_show(c, rest[0], &o);
	http_client_destroy(c);
	return code;
}

/* ---- node eligibility ------------------------------------------------- */

static int cli_node_set_eligibility(struct http_client *c, const char *id,
                                    bool enable)
{
	char *path = http_client_path("/v1/node/", id, "/eligibility");
	json_t *body = json_pack("{s:s}", "Eligibility",
	                         enable ? "eligible" : "ineligible");
	struct err e;
	int rc = 1;
	err_clear(&e);
	if (path == NULL || body == NULL)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_send_json(c, "PUT", path, NULL, body, NULL, NULL,
	                               &e) != 0)
		fprintf(stderr, "Error updating scheduling eligibility: %s\n",
		        e.msg);
	else
		rc = 0;
	if (rc == 0)
		printf("Node \"%s\" scheduling eligibility set: %s for "
		       "scheduling\n",
		       id, enable ? "eligible" : "ineligible");
	json_decref(body);
	mem_free(path);
	return rc;
}

int cli_cmd_node_eligibility(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct cli_node_lookup l = {
	    "Error updating scheduling eligibility", true, true};
	struct http_client_config rc = {0};
	bool enable = false, disable = false;
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"enable", FLAG_BOOL, &enable},
	    {"disable", FLAG_BOOL, &disable},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	json_t *node = NULL;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (enable == disable)
		return cli_usage_error(cmd,
		                       "Either the '-enable' or '-disable' "
		                       "flag must be set");
	if (nrest != 1)
		return cli_usage_error(cmd,
		                       "Node ID must be specified if -self "
		                       "isn't being used");
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = cli_node_find(c, rest[0], &l, &node);
	if (code == 0)
		code =
		    cli_node_set_eligibility(c, fmt_jstr(node, "ID"), enable);
	json_decref(node);
	http_client_destroy(c);
	return code;
}

/* ---- node drain ------------------------------------------------------- */

#define CLI_DRAIN_DEFAULT_NS STIME_NS_PER_HOUR

struct cli_drain_opts {
	bool enable, disable, detach, force, no_deadline, ignore_system;
	bool keep_ineligible, yes;
	const char *deadline, *message;
	struct flag_list meta;
	int64_t deadline_ns; /* what goes in DrainSpec.Deadline */
};

/* Go's time.ParseDuration error text for s. */
static void cli_duration_error(const char *s, const char *why)
{
	const char *what =
	    strncmp(why, "missing unit", 12) == 0   ? "missing unit in duration"
	    : strncmp(why, "unknown unit", 12) == 0 ? "unknown unit in duration"
	                                            : "invalid duration";
	fprintf(stderr, "Failed to parse deadline \"%s\": time: %s \"%s\"\n", s,
	        what, s);
}

/* The deadline the flags ask for: -force is -1s, -no-deadline 0, else
 * -deadline or an hour. Returns -1 to go on, else the exit code. */
static int cli_drain_deadline(struct cli_drain_opts *o)
{
	const char *why = NULL;
	if (o->force) {
		o->deadline_ns = -STIME_NS_PER_S;
	} else if (o->no_deadline) {
		o->deadline_ns = 0;
	} else if (o->deadline != NULL) {
		if (stime_parse_duration(o->deadline, &o->deadline_ns, &why)) {
			cli_duration_error(o->deadline, why ? why : "");
			return 1;
		}
		if (o->deadline_ns <= 0) {
			fprintf(stderr,
			        "A positive drain duration must be given\n");
			return 1;
		}
	} else {
		o->deadline_ns = CLI_DRAIN_DEFAULT_NS;
	}
	return -1;
}

/* Nomad's checks of the flag combination. Returns -1 to go on. */
static int cli_drain_check(const struct cli_cmd *cmd, struct cli_drain_opts *o,
                           int nrest)
{
	bool strategy = o->deadline != NULL || o->force || o->no_deadline ||
	                o->ignore_system;
	if (o->enable == o->disable)
		return cli_usage_error(cmd,
		                       "Either the '-enable' or '-disable' "
		                       "flag must be set, unless using "
		                       "'-monitor'");
	if (nrest != 1)
		return cli_usage_error(cmd,
		                       "Node ID must be specified if -self "
		                       "isn't being used");
	if (o->disable && strategy)
		return cli_usage_error(cmd, "-disable can't be combined with "
		                            "flags configuring drain strategy");
	if (o->deadline != NULL && (o->force || o->no_deadline))
		return cli_usage_error(cmd, "-deadline can't be combined with "
		                            "-force or -no-deadline");
	if (o->force && o->no_deadline)
		return cli_usage_error(cmd, "-force and -no-deadline are "
		                            "mutually exclusive");
	return cli_drain_deadline(o);
}

/* Adds a -meta "k=v" (or "k") to m. 0, or -1 on oom. */
static int cli_drain_meta_flag(json_t *m, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *k;
	int rc;
	if (kv[0] == '\0')
		return 0;
	if (eq == NULL)
		return json_object_set_new(m, kv, json_string(""));
	k = mem_strndup(kv, (size_t)(eq - kv));
	rc = k == NULL ? -1 : json_object_set_new(m, k, json_string(eq + 1));
	mem_free(k);
	return rc;
}

/* The drain's metadata: a cancel keeps the last drain's, then -m and
 * -meta k=v are added. */
static json_t *cli_drain_meta(const json_t *node,
                              const struct cli_drain_opts *o)
{
	const json_t *last =
	    json_object_get(json_object_get(node, "LastDrain"), "Meta");
	json_t *m = o->disable && json_is_object(last) ? json_deep_copy(last)
	                                               : json_object();
	int rc = m == NULL;
	if (rc == 0 && o->message != NULL && o->message[0] != '\0')
		rc = json_object_set_new(
		    m, o->enable ? "message" : "cancel_message",
		    json_string(o->message));
	for (size_t i = 0; rc == 0 && i < o->meta.n; i++)
		rc = cli_drain_meta_flag(m, o->meta.v[i]);
	if (rc != 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static json_t *cli_drain_body(const json_t *node,
                              const struct cli_drain_opts *o)
{
	json_t *body = json_object(), *spec = json_null();
	json_t *meta = cli_drain_meta(node, o);
	if (o->enable)
		spec = json_pack("{s:I, s:b}", "Deadline",
		                 (json_int_t)o->deadline_ns, "IgnoreSystemJobs",
		                 (int)o->ignore_system);
	if (body == NULL || meta == NULL || spec == NULL) {
		json_decref(body);
		json_decref(meta);
		json_decref(spec);
		return NULL;
	}
	if (json_object_set_new(body, "DrainSpec", spec) != 0 ||
	    json_object_set_new(body, "MarkEligible",
	                        json_boolean(!o->keep_ineligible)) != 0 ||
	    json_object_set_new(body, "Meta", meta) != 0) {
		json_decref(body);
		return NULL;
	}
	return body;
}

static int cli_drain_send(struct http_client *c, const json_t *node,
                          const struct cli_drain_opts *o)
{
	const char *id = fmt_jstr(node, "ID");
	char *path = http_client_path("/v1/node/", id, "/drain");
	json_t *body = cli_drain_body(node, o);
	struct err e;
	int rc = 1;
	err_clear(&e);
	if (path == NULL || body == NULL)
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_send_json(c, "PUT", path, NULL, body, NULL, NULL,
	                               &e) != 0)
		fprintf(stderr, "Error updating drain specification: %s\n",
		        e.msg);
	else
		rc = 0;
	if (rc == 0)
		printf("Node \"%s\" drain strategy %s\n", id,
		       o->enable ? "set" : "unset");
	json_decref(body);
	mem_free(path);
	return rc;
}

/* Prints each allocation that got DesiredTransition.Migrate once. */
static void cli_drain_note_marked(const json_t *allocs, struct strlist *seen)
{
	char tm[FMT_TIME_MAX];
	for (size_t i = 0; i < json_array_size(allocs); i++) {
		const json_t *a = json_array_get(allocs, i);
		const char *id = fmt_jstr(a, "ID");
		if (!json_is_true(json_object_get(
		        json_object_get(a, "DesiredTransition"), "Migrate")) ||
		    strlist_contains(seen, id) || strlist_push(seen, id) != 0)
			continue;
		printf("%s: Alloc \"%s\" marked for migration\n",
		       fmt_time(stime_wall_ns(), tm), id);
	}
	fflush(stdout);
}

/* Follows the drain until the node reports it complete (Nomad's drain
 * monitor, shorter): allocations marked for migration as they are, then
 * the end. Returns the exit code. */
static int cli_drain_monitor(struct http_client *c, const char *id)
{
	char *npath = http_client_path("/v1/node/", id, NULL);
	char *apath = http_client_path("/v1/node/", id, "/allocations");
	char tm[FMT_TIME_MAX];
	struct strlist seen = {0};
	uint64_t aidx = 0;
	struct err e;
	int rc = -1;
	err_clear(&e);
	if (npath == NULL || apath == NULL) {
		fprintf(stderr, "Error: out of memory\n");
		rc = 1;
	} else {
		printf("%s: Ctrl-C to stop monitoring: will not cancel the "
		       "node drain\n",
		       fmt_time(stime_wall_ns(), tm));
	}
	while (rc < 0) {
		json_t *allocs = NULL, *node = NULL;
		uint64_t nidx = 0;
		if (cli_poll_get(c, apath, false, &aidx, &allocs, &e) != 0 ||
		    cli_poll_get(c, npath, false, &nidx, &node, &e) != 0) {
			fprintf(stderr, "Error monitoring node: %s\n", e.msg);
			rc = 1;
		} else {
			cli_drain_note_marked(allocs, &seen);
			if (json_is_null(json_object_get(node, "DrainStrategy")) ||
			    json_object_get(node, "DrainStrategy") == NULL) {
				printf("%s: Node \"%s\" drain complete\n",
				       fmt_time(stime_wall_ns(), tm), id);
				rc = 0;
			}
		}
		json_decref(allocs);
		json_decref(node);
	}
	strlist_release(&seen);
	mem_free(npath);
	mem_free(apath);
	return rc;
}

/* Asks before acting on a node named by a prefix. -1 to go on. */
static int cli_drain_confirm(const char *arg, const json_t *node,
                             const struct cli_drain_opts *o)
{
	char *prefix = mem_strdup(arg), q[256];
	bool same, ok;
	int rc;
	if (prefix == NULL) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	fmt_uuid_prefix(prefix);
	same = strcmp(prefix, fmt_jstr(node, "ID")) == 0;
	mem_free(prefix);
	if (same || o->yes)
		return -1;
	snprintf(q, sizeof q,
	         "Are you sure you want to %s drain mode for node \"%s\"? "
	         "[y/N]",
	         o->enable ? "enable" : "disable", fmt_jstr(node, "ID"));
	rc = cli_confirm(q, "Canceling drain toggle", &ok);
	return rc != 0 || !ok ? rc : -1;
}

int cli_cmd_node_drain(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct cli_node_lookup l = {"Error toggling drain mode",
	                                         true, true};
	struct http_client_config rc = {0};
	struct cli_drain_opts o = {0};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"enable", FLAG_BOOL, &o.enable},
	    {"disable", FLAG_BOOL, &o.disable},
	    {"deadline", FLAG_STRING, &o.deadline},
	    {"detach", FLAG_BOOL, &o.detach},
	    {"force", FLAG_BOOL, &o.force},
	    {"no-deadline", FLAG_BOOL, &o.no_deadline},
	    {"ignore-system", FLAG_BOOL, &o.ignore_system},
	    {"keep-ineligible", FLAG_BOOL, &o.keep_ineligible},
	    {"m", FLAG_STRING, &o.message},
	    {"meta", FLAG_LIST, &o.meta},
	    {"yes", FLAG_BOOL, &o.yes},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	json_t *node = NULL;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code < 0)
		code = cli_drain_check(cmd, &o, nrest);
	if (code >= 0 || http_client_open(&rc, &c) != 0)
		goto out;
	code = cli_node_find(c, rest[0], &l, &node);
	if (code == 0)
		code = cli_drain_confirm(rest[0], node, &o);
	if (code < 0)
		code = cli_drain_send(c, node, &o);
	if (code == 0 && o.enable && !o.detach)
		code = cli_drain_monitor(c, fmt_jstr(node, "ID"));
out:
	if (code < 0)
		code = 1;
	json_decref(node);
	http_client_destroy(c);
	flags_release(flags);
	return code;
}
