/* cli/cmd_alloc.c: `alloc status`. The first half renders an Allocation
 * as Nomad's alloc_status.go does (pure functions, declared in cli/cli.h
 * for the tests); the second half is the command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/format.h"
#include "lib/mem.h"
#include "lib/stime.h"

#define CLI_MIB (1024ull * 1024)

static void cli_kv(struct fmt_table *t, const char *key, const char *val)
{
	fmt_table_add(t, key);
	fmt_table_add(t, val);
}

static void cli_kv_int(struct fmt_table *t, const char *key, int64_t v)
{
	fmt_table_add(t, key);
	fmt_table_addf(t, "%lld", (long long)v);
}

/* The group of the allocation's job, or NULL. */
static const json_t *cli_alloc_group(const json_t *alloc)
{
	const json_t *tgs =
	    json_object_get(json_object_get(alloc, "Job"), "TaskGroups");
	for (size_t i = 0; i < json_array_size(tgs); i++) {
		const json_t *tg = json_array_get(tgs, i);
		if (strcmp(fmt_jstr(tg, "Name"),
		           fmt_jstr(alloc, "TaskGroup")) == 0)
			return tg;
	}
	return NULL;
}

/* The Lifecycle block of a task of the allocation's group, or NULL. */
static const json_t *cli_task_lifecycle(const json_t *alloc, const char *task)
{
	const json_t *tasks = json_object_get(cli_alloc_group(alloc), "Tasks");
	for (size_t i = 0; i < json_array_size(tasks); i++) {
		const json_t *t = json_array_get(tasks, i);
		const json_t *lc = json_object_get(t, "Lifecycle");
		if (strcmp(fmt_jstr(t, "Name"), task) == 0)
			return json_is_object(lc) ? lc : NULL;
	}
	return NULL;
}

/* Nomad's lifecycleDisplayName: "main", "prestart", "poststart sidecar". */
static void cli_lifecycle_name(const json_t *lc, char out[64])
{
	if (lc == NULL || fmt_jstr(lc, "Hook")[0] == '\0')
		snprintf(out, 64, "main");
	else
		snprintf(out, 64, "%s%s", fmt_jstr(lc, "Hook"),
		         fmt_jbool(lc, "Sidecar") ? " sidecar" : "");
}

/* ---- placement metrics ------------------------------------------------ */

static int cli_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The scorer names of every ScoreMetaData entry, sorted and unique, as
 * the keys of a new object (NULL on oom). */
static json_t *cli_scorers(const json_t *meta)
{
	json_t *names = json_object();
	for (size_t i = 0; names != NULL && i < json_array_size(meta); i++) {
		const char *key;
		json_t *v;
		json_object_foreach(
		    json_object_get(json_array_get(meta, i), "Scores"), key, v)
		{
			if (json_object_set_new(names, key, json_null()) != 0) {
				json_decref(names);
				return NULL;
			}
		}
	}
	return names;
}

static double cli_jreal(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* The score table of -verbose: Node, one column per scorer, final score. */
static void cli_score_table(const json_t *meta, struct buf *out)
{
	json_t *names = cli_scorers(meta);
	size_t n = json_object_size(names), k = 0;
	const char **keys = n ? mem_malloc(n * sizeof *keys) : NULL;
	const char *key;
	json_t *v;
	struct fmt_table t;
	if (names == NULL || (n > 0 && keys == NULL)) {
		out->oom = true;
		json_decref(names);
		return;
	}
	json_object_foreach(names, key, v) keys[k++] = key;
	qsort(keys, n, sizeof *keys, cli_cmp_str);
	fmt_table_init(&t, n + 2);
	fmt_table_add(&t, "Node");
	for (size_t i = 0; i < n; i++)
		fmt_table_add(&t, keys[i]);
	fmt_table_add(&t, "final score");
	for (size_t i = 0; i < json_array_size(meta); i++) {
		const json_t *m = json_array_get(meta, i);
		fmt_table_add(&t, fmt_jstr(m, "NodeID"));
		for (size_t s = 0; s < n; s++)
			fmt_table_addf(
			    &t, "%.3g",
			    cli_jreal(json_object_get(m, "Scores"), keys[s]));
		fmt_table_addf(&t, "%.3g", cli_jreal(m, "NormScore"));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
	mem_free(keys);
	json_decref(names);
}

void cli_fmt_alloc_metrics_scores(const json_t *metric, struct buf *out)
{
	const json_t *meta = json_object_get(metric, "ScoreMetaData");
	size_t before = out->len;
	fmt_alloc_metrics(metric, "  ", out);
	if (json_array_size(meta) > 0)
		cli_score_table(meta, out);
	if (out->len == before)
		buf_append_char(out, '\n');
}

/* ---- the key/value block ---------------------------------------------- */

/* Max Run Deadline: CreateTime plus the group's max_run_duration. */
static bool cli_max_run_deadline(const json_t *alloc, int64_t *deadline)
{
	int64_t d = fmt_jint(cli_alloc_group(alloc), "MaxRunDuration");
	int64_t created = fmt_jint(alloc, "CreateTime");
	if (d <= 0 || created == 0)
		return false;
	*deadline = created + d;
	return true;
}

/* Nomad's RescheduleInfo: attempts within the policy's interval, of how
 * many. */
static void cli_reschedule_info(const json_t *alloc, int64_t now,
                                int64_t *attempted, int64_t *total)
{
	const json_t *p =
	    json_object_get(cli_alloc_group(alloc), "ReschedulePolicy");
	const json_t *ev = json_object_get(
	    json_object_get(alloc, "RescheduleTracker"), "Events");
	int64_t interval = fmt_jint(p, "Interval");
	*attempted = 0;
	*total = fmt_jint(p, "Attempts");
	if (*total <= 0 || interval <= 0)
		return;
	for (size_t i = 0; i < json_array_size(ev); i++)
		if (now - fmt_jint(json_array_get(ev, i), "RescheduleTime") <
		    interval)
			(*attempted)++;
}

static void cli_alloc_times(struct fmt_table *t, const json_t *a, bool verbose,
                            int64_t now)
{
	char tm[FMT_TIME_MAX];
	int64_t deadline;
	cli_kv(t, "Created",
	       verbose ? fmt_time(fmt_jint(a, "CreateTime"), tm)
	               : fmt_ago(fmt_jint(a, "CreateTime"), now, tm));
	cli_kv(t, "Modified",
	       verbose ? fmt_time(fmt_jint(a, "ModifyTime"), tm)
	               : fmt_ago(fmt_jint(a, "ModifyTime"), now, tm));
	if (cli_max_run_deadline(a, &deadline))
		cli_kv(t, "Max Run Deadline",
		       verbose ? fmt_time(deadline, tm)
		               : fmt_ago(deadline, now, tm));
}

static void cli_alloc_deployment(struct fmt_table *t, const json_t *a,
                                 int length)
{
	const json_t *ds = json_object_get(a, "DeploymentStatus");
	const json_t *healthy = json_object_get(ds, "Healthy");
	const char *health = "unset";
	if (fmt_jstr(a, "DeploymentID")[0] == '\0')
		return;
	if (json_is_boolean(healthy))
		health = json_is_true(healthy) ? "healthy" : "unhealthy";
	fmt_table_add(t, "Deployment ID");
	fmt_table_addf(t, "%.*s", length, fmt_jstr(a, "DeploymentID"));
	cli_kv(t, "Deployment Health", health);
	if (fmt_jbool(ds, "Canary"))
		cli_kv(t, "Canary", "true");
}

/* Reschedule Attempts, Replacement Alloc ID, Reschedule Eligibility. */
static void cli_alloc_reschedule(struct fmt_table *t,
                                 const struct cli_alloc_view *v, int length)
{
	const json_t *a = v->alloc;
	const json_t *ev =
	    json_object_get(json_object_get(a, "RescheduleTracker"), "Events");
	char tm[FMT_TIME_MAX];
	int64_t attempted, total, wait = 0;
	if (json_array_size(ev) > 0) {
		cli_reschedule_info(a, fmt_jint(a, "ModifyTime"), &attempted,
		                    &total);
		if (total > 0) {
			fmt_table_add(t, "Reschedule Attempts");
			fmt_table_addf(t, "%lld/%lld", (long long)attempted,
			               (long long)total);
		}
	}
	if (fmt_jstr(a, "NextAllocation")[0] != '\0') {
		fmt_table_add(t, "Replacement Alloc ID");
		fmt_table_addf(t, "%.*s", length,
		               fmt_jstr(a, "NextAllocation"));
	}
	if (v->followup != NULL &&
	    stime_parse_rfc3339(fmt_jstr(v->followup, "WaitUntil"), &wait) ==
	        0 &&
	    wait > v->now)
		cli_kv(t, "Reschedule Eligibility", fmt_ago(wait, v->now, tm));
}

static void cli_alloc_metrics_kv(struct fmt_table *t, const json_t *a)
{
	const json_t *m = json_object_get(a, "Metrics");
	char dur[FMT_TIME_MAX];
	cli_kv_int(t, "Evaluated Nodes", fmt_jint(m, "NodesEvaluated"));
	cli_kv_int(t, "Filtered Nodes", fmt_jint(m, "NodesFiltered"));
	cli_kv_int(t, "Exhausted Nodes", fmt_jint(m, "NodesExhausted"));
	cli_kv(t, "Allocation Time",
	       fmt_duration(fmt_jint(m, "AllocationTime"), dur));
	cli_kv_int(t, "Failures", fmt_jint(m, "CoalescedFailures"));
}

static void cli_alloc_kv(const struct cli_alloc_view *v, struct buf *out)
{
	int length = v->verbose ? FMT_FULL_ID : FMT_SHORT_ID;
	const json_t *a = v->alloc;
	struct fmt_table t;
	fmt_table_init(&t, 2);
	cli_kv(&t, "ID", fmt_jstr(a, "ID"));
	fmt_table_add(&t, "Eval ID");
	fmt_table_addf(&t, "%.*s", length, fmt_jstr(a, "EvalID"));
	cli_kv(&t, "Name", fmt_jstr(a, "Name"));
	fmt_table_add(&t, "Node ID");
	fmt_table_addf(&t, "%.*s", length, fmt_jstr(a, "NodeID"));
	cli_kv(&t, "Node Name", fmt_jstr(a, "NodeName"));
	cli_kv(&t, "Job ID", fmt_jstr(a, "JobID"));
	cli_kv_int(&t, "Job Version",
	           fmt_jint(json_object_get(a, "Job"), "Version"));
	cli_kv(&t, "Client Status", fmt_jstr(a, "ClientStatus"));
	cli_kv(&t, "Client Description", fmt_jstr(a, "ClientDescription"));
	cli_kv(&t, "Desired Status", fmt_jstr(a, "DesiredStatus"));
	cli_kv(&t, "Desired Description", fmt_jstr(a, "DesiredDescription"));
	cli_alloc_times(&t, a, v->verbose, v->now);
	cli_alloc_deployment(&t, a, length);
	cli_alloc_reschedule(&t, v, length);
	if (v->verbose)
		cli_alloc_metrics_kv(&t, a);
	fmt_table_kv(&t, out);
	fmt_table_release(&t);
}

static void cli_alloc_short_kv(const struct cli_alloc_view *v, struct buf *out)
{
	struct fmt_table t;
	fmt_table_init(&t, 2);
	cli_kv(&t, "ID", fmt_jstr(v->alloc, "ID"));
	cli_kv(&t, "Name", fmt_jstr(v->alloc, "Name"));
	cli_alloc_times(&t, v->alloc, false, v->now);
	fmt_table_kv(&t, out);
	fmt_table_release(&t);
}

/* ---- addresses -------------------------------------------------------- */

static void cli_port_row(struct fmt_table *t, const char *label,
                         const json_t *p, const char *ip)
{
	fmt_table_add(t, label);
	fmt_table_add(t, "yes");
	if (fmt_jint(p, "To") > 0)
		fmt_table_addf(t, "%s:%lld -> %lld", ip,
		               (long long)fmt_jint(p, "Value"),
		               (long long)fmt_jint(p, "To"));
	else
		fmt_table_addf(t, "%s:%lld", ip,
		               (long long)fmt_jint(p, "Value"));
}

static bool cli_net_has_ports(const json_t *nw)
{
	return json_array_size(json_object_get(nw, "ReservedPorts")) +
	           json_array_size(json_object_get(nw, "DynamicPorts")) >
	       0;
}

/* Allocation Addresses: the group's ports, as placed. */
static void cli_alloc_addresses(const json_t *alloc, struct buf *out)
{
	const json_t *shared = json_object_get(
	    json_object_get(alloc, "AllocatedResources"), "Shared");
	const json_t *nw =
	    json_array_get(json_object_get(shared, "Networks"), 0);
	const json_t *ports = json_object_get(shared, "Ports");
	static const char *const lists[] = {"DynamicPorts", "ReservedPorts"};
	struct fmt_table t;
	if (!cli_net_has_ports(nw))
		return;
	fmt_table_init(&t, 3);
	fmt_table_add(&t, "Label");
	fmt_table_add(&t, "Dynamic");
	fmt_table_add(&t, "Address");
	for (size_t i = 0; i < json_array_size(ports); i++) {
		const json_t *p = json_array_get(ports, i);
		char *label = mem_asprintf("*%s", fmt_jstr(p, "Label"));
		t.oom |= label == NULL;
		cli_port_row(&t, label ? label : "", p, fmt_jstr(p, "HostIP"));
		mem_free(label);
	}
	for (size_t l = 0; json_array_size(ports) == 0 && l < 2; l++) {
		const json_t *list = json_object_get(nw, lists[l]);
		for (size_t i = 0; i < json_array_size(list); i++) {
			const json_t *p = json_array_get(list, i);
			cli_port_row(&t, fmt_jstr(p, "Label"), p,
			             fmt_jstr(nw, "IP"));
		}
	}
	buf_append_str(out, "\nAllocation Addresses");
	if (fmt_jstr(nw, "Mode")[0] != '\0')
		buf_appendf(out, " (mode = \"%s\")", fmt_jstr(nw, "Mode"));
	buf_append_str(out, ":\n");
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

/* ---- tasks ------------------------------------------------------------ */

/* What a task was given: CPU MHz, memory and max memory MB, cores, its
 * networks; from the legacy TaskResources or else AllocatedResources. */
struct cli_task_res {
	int64_t cpu, mem, mem_max, cores, disk;
	const json_t *networks;
};

static bool cli_task_res(const json_t *a, const char *task,
                         struct cli_task_res *r)
{
	const json_t *legacy =
	    json_object_get(json_object_get(a, "TaskResources"), task);
	const json_t *ar = json_object_get(a, "AllocatedResources");
	const json_t *at = json_object_get(json_object_get(ar, "Tasks"), task);
	memset(r, 0, sizeof *r);
	r->disk = json_is_object(json_object_get(a, "Resources"))
	              ? fmt_jint(json_object_get(a, "Resources"), "DiskMB")
	              : fmt_jint(json_object_get(ar, "Shared"), "DiskMB");
	if (json_is_object(legacy)) {
		r->cpu = fmt_jint(legacy, "CPU");
		r->mem = fmt_jint(legacy, "MemoryMB");
		r->mem_max = fmt_jint(legacy, "MemoryMaxMB");
		r->cores = fmt_jint(legacy, "Cores");
		r->networks = json_object_get(legacy, "Networks");
		return true;
	}
	if (!json_is_object(at))
		return false;
	r->cpu = fmt_jint(json_object_get(at, "Cpu"), "CpuShares");
	r->mem = fmt_jint(json_object_get(at, "Memory"), "MemoryMB");
	r->mem_max = fmt_jint(json_object_get(at, "Memory"), "MemoryMaxMB");
	r->cores = (int64_t)json_array_size(
	    json_object_get(json_object_get(at, "Cpu"), "ReservedCores"));
	r->networks = json_object_get(at, "Networks");
	return true;
}

/* "label: ip:port" for each port of the task's networks. */
static json_t *cli_task_addrs(const json_t *networks)
{
	static const char *const lists[] = {"DynamicPorts", "ReservedPorts"};
	json_t *addrs = json_array();
	for (size_t n = 0; addrs && n < json_array_size(networks); n++) {
		const json_t *nw = json_array_get(networks, n);
		for (size_t l = 0; l < 2; l++) {
			const json_t *ps = json_object_get(nw, lists[l]);
			for (size_t i = 0; i < json_array_size(ps); i++) {
				const json_t *p = json_array_get(ps, i);
				char *s = mem_asprintf(
				    "%s: %s:%lld", fmt_jstr(p, "Label"),
				    fmt_jstr(nw, "IP"),
				    (long long)fmt_jint(p, "Value"));
				int rc = s == NULL ||
				         json_array_append_new(addrs,
				                               json_string(s));
				mem_free(s);
				if (rc != 0) {
					json_decref(addrs);
					return NULL;
				}
			}
		}
	}
	return addrs;
}

/* The rows after the first: the max memory and the second address, then
 * one row per further address. */
static void cli_task_res_rows(struct fmt_table *t, const struct cli_task_res *r,
                              const json_t *addrs)
{
	char b[CLI_BYTES_MAX];
	bool max = r->mem_max != 0 && r->mem_max != r->mem;
	if (max || json_array_size(addrs) > 1) {
		fmt_table_add(t, NULL);
		if (max)
			fmt_table_addf(
			    t, "Max: %s",
			    cli_fmt_bytes((uint64_t)r->mem_max * CLI_MIB, b));
		else
			fmt_table_add(t, NULL);
		fmt_table_add(t, NULL);
		fmt_table_add(t, json_string_value(json_array_get(addrs, 1)));
	}
	for (size_t i = 2; i < json_array_size(addrs); i++) {
		fmt_table_add(t, NULL);
		fmt_table_add(t, NULL);
		fmt_table_add(t, NULL);
		fmt_table_add(t, json_string_value(json_array_get(addrs, i)));
	}
}

/* Task Resources: CPU, memory, disk and addresses. Empty cells stay
 * empty, as Nomad's formatListWithSpaces leaves them. */
static void cli_task_resources(const json_t *a, const char *task,
                               struct buf *out)
{
	char b[2][CLI_BYTES_MAX];
	struct cli_task_res r;
	struct fmt_table t;
	json_t *addrs;
	if (!cli_task_res(a, task, &r))
		return;
	addrs = cli_task_addrs(r.networks);
	out->oom |= addrs == NULL;
	buf_append_str(out, "Task Resources:\n");
	fmt_table_init(&t, 4);
	if (r.cores > 0)
		fmt_table_addf(&t, "CPU (%lld cores)", (long long)r.cores);
	else
		fmt_table_add(&t, "CPU");
	fmt_table_add(&t, "Memory");
	fmt_table_add(&t, "Disk");
	fmt_table_add(&t, "Addresses");
	fmt_table_addf(&t, "%lld MHz", (long long)r.cpu);
	fmt_table_add(&t, cli_fmt_bytes((uint64_t)r.mem * CLI_MIB, b[0]));
	fmt_table_add(&t, cli_fmt_bytes((uint64_t)r.disk * CLI_MIB, b[1]));
	fmt_table_add(&t, json_string_value(json_array_get(addrs, 0)));
	cli_task_res_rows(&t, &r, addrs);
	fmt_table_render(&t, "  ", "", out);
	fmt_table_release(&t);
	json_decref(addrs);
}

/* Nomad's buildDisplayMessage for events without a DisplayMessage. */
static void cli_event_message(const json_t *e, struct buf *b);

static const char *cli_task_time(const json_t *state, const char *key,
                                 char tm[FMT_TIME_MAX])
{
	fmt_time_str(fmt_jstr(state, key), tm);
	return tm[0] != '\0' ? tm : "N/A";
}

/* Task Events and Recent Events (newest first). */
static void cli_task_events(const json_t *state, struct buf *out)
{
	const json_t *events = json_object_get(state, "Events");
	char tm[FMT_TIME_MAX];
	struct fmt_table t;
	buf_append_str(out, "Task Events:\n");
	fmt_table_init(&t, 2);
	cli_kv(&t, "Started At", cli_task_time(state, "StartedAt", tm));
	cli_kv(&t, "Finished At", cli_task_time(state, "FinishedAt", tm));
	cli_kv_int(&t, "Total Restarts", fmt_jint(state, "Restarts"));
	cli_kv(&t, "Last Restart", cli_task_time(state, "LastRestart", tm));
	fmt_table_kv(&t, out);
	fmt_table_release(&t);
	buf_append_str(out, "\nRecent Events:\n");
	fmt_table_init(&t, 3);
	fmt_table_add(&t, "Time");
	fmt_table_add(&t, "Type");
	fmt_table_add(&t, "Description");
	for (size_t i = json_array_size(events); i-- > 0;) {
		const json_t *e = json_array_get(events, i);
		struct buf msg;
		buf_init(&msg);
		cli_event_message(e, &msg);
		t.oom |= msg.oom;
		fmt_table_add(&t, fmt_time(fmt_jint(e, "Time"), tm));
		fmt_table_add(&t, fmt_jstr(e, "Type"));
		fmt_table_add(&t, buf_cstr(&msg));
		buf_release(&msg);
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

/* ---- event descriptions ----------------------------------------------- */

/* The text of a field, or else a fallback. */
static const char *cli_or(const json_t *e, const char *key, const char *dflt)
{
	const char *s = fmt_jstr(e, key);
	return s[0] != '\0' ? s : dflt;
}

static void cli_event_killing(const json_t *e, struct buf *b)
{
	char dur[FMT_TIME_MAX];
	if (fmt_jstr(e, "KillReason")[0] != '\0')
		buf_appendf(b, "Killing task: %s", fmt_jstr(e, "KillReason"));
	else if (fmt_jint(e, "KillTimeout") != 0)
		buf_appendf(b,
		            "Sent interrupt. Waiting %s before force killing",
		            fmt_duration(fmt_jint(e, "KillTimeout"), dur));
	else
		buf_append_str(b, "Sent interrupt");
}

static void cli_event_terminated(const json_t *e, struct buf *b)
{
	buf_appendf(b, "Exit Code: %lld", (long long)fmt_jint(e, "ExitCode"));
	if (fmt_jint(e, "Signal") != 0)
		buf_appendf(b, ", Signal: %lld",
		            (long long)fmt_jint(e, "Signal"));
	if (fmt_jstr(e, "Message")[0] != '\0') {
		buf_append_str(b, ", Exit Message: ");
		fmt_quote(b, fmt_jstr(e, "Message"));
	}
}

static void cli_event_restarting(const json_t *e, struct buf *b)
{
	const char *why = fmt_jstr(e, "RestartReason");
	char dur[FMT_TIME_MAX];
	fmt_duration(fmt_jint(e, "StartDelay"), dur);
	if (why[0] != '\0' && strcmp(why, "Restart within policy") != 0)
		buf_appendf(b, "%s - Task restarting in %s", why, dur);
	else
		buf_appendf(b, "Task restarting in %s", dur);
}

static void cli_event_signaling(const json_t *e, struct buf *b)
{
	const char *sig = fmt_jstr(e, "TaskSignal");
	const char *why = fmt_jstr(e, "TaskSignalReason");
	if (sig[0] == '\0' && why[0] == '\0')
		buf_append_str(b, "Task being sent a signal");
	else if (sig[0] == '\0')
		buf_append_str(b, why);
	else if (why[0] == '\0')
		buf_appendf(b, "Task being sent signal %s", sig);
	else
		buf_appendf(b, "Task being sent signal %s: %s", sig, why);
}

static void cli_event_sibling(const json_t *e, struct buf *b)
{
	if (fmt_jstr(e, "FailedSibling")[0] == '\0') {
		buf_append_str(b, "Task's sibling failed");
		return;
	}
	buf_append_str(b, "Task's sibling ");
	fmt_quote(b, fmt_jstr(e, "FailedSibling"));
	buf_append_str(b, " failed");
}

/* Event types whose text is a field, or a fixed text when it is empty
 * (field NULL: always the text). */
static const struct {
	const char *type, *field, *text;
} cli_event_texts[] = {
    {"Task Setup", "Message", ""},
    {"Started", NULL, "Task started by client"},
    {"Received", NULL, "Task received by client"},
    {"Failed Validation", "ValidationError", "Validation of task failed"},
    {"Setup Failure", "SetupError", "Task setup failed"},
    {"Driver Failure", "DriverError", "Failed to start task"},
    {"Downloading Artifacts", NULL, "Client is downloading artifacts"},
    {"Failed Artifact Download", "DownloadError",
     "Failed to download artifacts"},
    {"Killed", "KillError", "Task successfully killed"},
    {"Not Restarting", "RestartReason", "Task exceeded restart policy"},
    {"Restart Signaled", "RestartReason", "Task signaled to restart"},
    {"Driver", "DriverMessage", ""},
    {"Leader Task Dead", NULL, "Leader Task in Group dead"},
    {"Reconnected", NULL, "Client reconnected"},
};

static const struct {
	const char *type;
	void (*fn)(const json_t *e, struct buf *b);
} cli_event_fns[] = {
    {"Killing", cli_event_killing},
    {"Terminated", cli_event_terminated},
    {"Restarting", cli_event_restarting},
    {"Signaling", cli_event_signaling},
    {"Sibling Task Failed", cli_event_sibling},
};

static void cli_event_message(const json_t *e, struct buf *b)
{
	const char *type = fmt_jstr(e, "Type");
	size_t i;
	if (fmt_jstr(e, "DisplayMessage")[0] != '\0') {
		buf_append_str(b, fmt_jstr(e, "DisplayMessage"));
		return;
	}
	for (i = 0; i < sizeof cli_event_texts / sizeof *cli_event_texts; i++)
		if (strcmp(type, cli_event_texts[i].type) == 0) {
			buf_append_str(b,
			               cli_event_texts[i].field == NULL
			                   ? cli_event_texts[i].text
			                   : cli_or(e, cli_event_texts[i].field,
			                            cli_event_texts[i].text));
			return;
		}
	for (i = 0; i < sizeof cli_event_fns / sizeof *cli_event_fns; i++)
		if (strcmp(type, cli_event_fns[i].type) == 0) {
			cli_event_fns[i].fn(e, b);
			return;
		}
	buf_append_str(b, fmt_jstr(e, "Message"));
}

/* ---- the whole status ------------------------------------------------- */

/* A task name and where Nomad's order puts it: tasks with a non-sidecar
 * lifecycle hook, then sidecars, then main tasks; by name within each. */
struct cli_task_key {
	const char *name;
	int rank;
};

static int cli_cmp_task(const void *pa, const void *pb)
{
	const struct cli_task_key *a = pa, *b = pb;
	return a->rank != b->rank ? a->rank - b->rank
	                          : strcmp(a->name, b->name);
}

/* The tasks of TaskStates in Nomad's order; the caller frees. */
static struct cli_task_key *cli_tasks_sorted(const json_t *alloc, size_t *n,
                                             struct buf *out)
{
	const json_t *states = json_object_get(alloc, "TaskStates");
	struct cli_task_key *keys;
	const char *key;
	json_t *v;
	size_t i = 0;
	*n = json_object_size(states);
	if (*n == 0)
		return NULL;
	keys = mem_malloc(*n * sizeof *keys);
	if (keys == NULL) {
		*n = 0;
		out->oom = true;
		return NULL;
	}
	json_object_foreach((json_t *)states, key, v)
	{
		const json_t *lc = cli_task_lifecycle(alloc, key);
		keys[i].name = key;
		keys[i++].rank = lc == NULL ? 2 : fmt_jbool(lc, "Sidecar");
	}
	qsort(keys, *n, sizeof *keys, cli_cmp_task);
	return keys;
}

static void cli_alloc_tasks(const json_t *a, struct buf *out)
{
	const json_t *states = json_object_get(a, "TaskStates");
	size_t n;
	struct cli_task_key *keys = cli_tasks_sorted(a, &n, out);
	for (size_t i = 0; i < n; i++) {
		const char *name = keys[i].name;
		const json_t *lc = cli_task_lifecycle(a, name);
		const json_t *st = json_object_get(states, name);
		char lname[64];
		cli_lifecycle_name(lc, lname);
		buf_append_str(out, "\nTask ");
		fmt_quote(out, name);
		if (lc != NULL && fmt_jstr(lc, "Hook")[0] != '\0')
			buf_appendf(out, " (%s)", lname);
		buf_append_str(out, " is ");
		fmt_quote(out, fmt_jstr(st, "State"));
		buf_append_char(out, '\n');
		cli_task_resources(a, name, out);
		buf_append_char(out, '\n');
		cli_task_events(st, out);
	}
	mem_free(keys);
}

/* -short: the Tasks table. */
static void cli_alloc_tasks_short(const json_t *a, struct buf *out)
{
	const json_t *states = json_object_get(a, "TaskStates");
	char tm[FMT_TIME_MAX], lname[64];
	struct fmt_table t;
	size_t n;
	struct cli_task_key *keys = cli_tasks_sorted(a, &n, out);
	buf_append_str(out, "\nTasks\n");
	fmt_table_init(&t, 5);
	fmt_table_add(&t, "Name");
	fmt_table_add(&t, "State");
	fmt_table_add(&t, "Last Event");
	fmt_table_add(&t, "Time");
	fmt_table_add(&t, "Lifecycle");
	for (size_t i = 0; i < n; i++) {
		const json_t *st = json_object_get(states, keys[i].name);
		const json_t *ev = json_object_get(st, "Events");
		const json_t *last =
		    json_array_get(ev, json_array_size(ev) - 1);
		fmt_table_add(&t, keys[i].name);
		fmt_table_add(&t, fmt_jstr(st, "State"));
		fmt_table_add(&t, fmt_jstr(last, "Type"));
		fmt_table_add(&t,
		              last ? fmt_time(fmt_jint(last, "Time"), tm) : "");
		cli_lifecycle_name(cli_task_lifecycle(a, keys[i].name), lname);
		fmt_table_add(&t, lname);
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
	mem_free(keys);
}

void cli_fmt_alloc_status(const struct cli_alloc_view *v, struct buf *out)
{
	if (v->short_only) {
		cli_alloc_short_kv(v, out);
		cli_alloc_tasks_short(v->alloc, out);
	} else {
		cli_alloc_kv(v, out);
		cli_alloc_addresses(v->alloc, out);
		cli_alloc_tasks(v->alloc, out);
	}
	if (v->verbose) {
		buf_append_str(out, "\nPlacement Metrics\n");
		cli_fmt_alloc_metrics_scores(
		    json_object_get(v->alloc, "Metrics"), out);
	}
}

/* ---- alloc status ----------------------------------------------------- */

struct cli_alloc_opts {
	bool verbose, short_only, json, stats;
};

/* Resolves arg through /v1/allocations?prefix=. Returns -1 with *stub (a
 * new reference) to go on; otherwise the exit code after printing. A
 * prefix matching several allocations lists them and exits 0, as Nomad. */
static int cli_alloc_find(struct http_client *c, const char *arg, bool verbose,
                          json_t **stub)
{
	struct strmap q = {0};
	char *prefix = mem_strdup(arg);
	json_t *allocs = NULL;
	struct buf b;
	struct err e;
	int rc = 1;
	err_clear(&e);
	buf_init(&b);
	if (prefix == NULL ||
	    (fmt_uuid_prefix(prefix), strmap_set(&q, "prefix", prefix) != 0))
		fprintf(stderr, "Error: out of memory\n");
	else if (http_client_get_json(c, "/v1/allocations", &q, &allocs, NULL,
	                              &e) != 0)
		fprintf(stderr, "Error querying allocation: %s\n", e.msg);
	else if (json_array_size(allocs) == 0)
		fprintf(stderr,
		        "No allocation(s) with prefix or id \"%s\" found\n",
		        prefix);
	else if (json_array_size(allocs) > 1) {
		buf_append_str(&b, "Prefix matched multiple allocations\n\n");
		fmt_alloc_stubs(allocs, verbose,
		                verbose ? FMT_FULL_ID : FMT_SHORT_ID,
		                stime_wall_ns(), &b);
		rc = cli_output(&b);
	} else {
		*stub = json_incref(json_array_get(allocs, 0));
		rc = -1;
	}
	json_decref(allocs);
	strmap_release(&q);
	mem_free(prefix);
	buf_release(&b);
	return rc;
}

/* GET prefix<id> in namespace ns into *out; errors as http_client. */
static int cli_alloc_get(struct http_client *c, const char *prefix,
                         const char *id, const char *ns, json_t **out,
                         struct err *e)
{
	struct strmap q = {0};
	char *path = http_client_path(prefix, id, NULL);
	int rc = ERR_NOMEM;
	*out = NULL;
	if (path == NULL || (ns[0] != '\0' && strmap_set(&q, "namespace", ns)))
		err_set(e, ERR_NOMEM, "out of memory");
	else
		rc = http_client_get_json(c, path, &q, out, NULL, e);
	strmap_release(&q);
	mem_free(path);
	return rc;
}

/* The allocation arg names, read in full. Returns -1 with *alloc (the
 * caller decrefs) to go on, else the exit code after printing. */
int cli_alloc_lookup(struct http_client *c, const char *arg, bool verbose,
                     json_t **alloc)
{
	json_t *stub = NULL;
	struct err e;
	int code = cli_alloc_find(c, arg, verbose, &stub);
	err_clear(&e);
	if (code < 0 &&
	    cli_alloc_get(c, "/v1/allocation/", fmt_jstr(stub, "ID"),
	                  fmt_jstr(stub, "Namespace"), alloc, &e) != 0) {
		fprintf(stderr, "Error querying allocation: %s\n", e.msg);
		code = 1;
	}
	json_decref(stub);
	return code;
}

static int cli_alloc_show(struct http_client *c, const json_t *alloc,
                          const struct cli_alloc_opts *o)
{
	struct cli_alloc_view v = {.alloc = alloc,
	                           .verbose = o->verbose,
	                           .short_only = o->short_only,
	                           .now = stime_wall_ns()};
	const char *followup = fmt_jstr(alloc, "FollowupEvalID");
	json_t *eval = NULL;
	struct buf out;
	struct err e;
	int rc;
	err_clear(&e);
	buf_init(&out);
	/* Only for Reschedule Eligibility: an error just leaves it out. */
	if (!o->short_only && followup[0] != '\0')
		cli_alloc_get(c, "/v1/evaluation/", followup,
		              fmt_jstr(alloc, "Namespace"), &eval, &e);
	v.followup = json_is_object(eval) ? eval : NULL;
	if (o->json)
		fmt_json(alloc, &out);
	else
		cli_fmt_alloc_status(&v, &out);
	rc = cli_output(&out);
	json_decref(eval);
	buf_release(&out);
	return rc;
}

/* -json without an allocation: every allocation, as the API lists them. */
static int cli_alloc_list_json(struct http_client_config *rc)
{
	struct http_client *c = NULL;
	json_t *allocs = NULL;
	struct buf out;
	struct err e;
	int code = 1;
	err_clear(&e);
	buf_init(&out);
	if (http_client_open(rc, &c) != 0)
		return 1;
	if (http_client_get_json(c, "/v1/allocations", NULL, &allocs, NULL,
	                         &e) != 0) {
		fprintf(stderr, "Error querying allocations: %s\n", e.msg);
	} else {
		fmt_json(allocs, &out);
		code = cli_output(&out);
	}
	json_decref(allocs);
	buf_release(&out);
	http_client_destroy(c);
	return code;
}

int cli_cmd_alloc_status(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct http_client_config rc = {0};
	struct cli_alloc_opts o = {0};
	struct flag flags[] = {
	    CLI_REMOTE_FLAGS(&rc),
	    {"verbose", FLAG_BOOL, &o.verbose},
	    {"short", FLAG_BOOL, &o.short_only},
	    {"json", FLAG_BOOL, &o.json},
	    {"stats", FLAG_BOOL, &o.stats},
	    {NULL, FLAG_BOOL, NULL},
	};
	struct http_client *c = NULL;
	json_t *alloc = NULL;
	char **rest;
	int nrest, code = cli_flags(cmd, flags, argc, argv, &rest, &nrest);
	if (code >= 0)
		return code;
	if (nrest == 0 && o.json)
		return cli_alloc_list_json(&rc);
	if (nrest != 1)
		return cli_usage_error(cmd, "This command takes one of the "
		                            "following argument conditions:\n"
		                            " * A single <allocation>\n"
		                            " * No arguments, with output "
		                            "format specified");
	if (strlen(rest[0]) == 1) {
		fprintf(stderr, "Identifier must contain at least two "
		                "characters.\n");
		return 1;
	}
	if (http_client_open(&rc, &c) != 0)
		return 1;
	code = cli_alloc_lookup(c, rest[0], o.verbose, &alloc);
	if (code < 0)
		code = cli_alloc_show(c, alloc, &o);
	json_decref(alloc);
	http_client_destroy(c);
	return code;
}
