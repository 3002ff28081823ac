/* cli/format.c: Nomad's CLI output conventions (see cli/format.h). The
 * first sections are the building blocks (tables, times, JSON readers);
 * the later ones render each remote command's API objects with them. */
#include "cli/format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/mem.h"
#include "lib/stime.h"

/* ---- tables ----------------------------------------------------------- */

void fmt_table_init(struct fmt_table *t, size_t ncols)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols > 0 ? ncols : 1;
}

void fmt_table_release(struct fmt_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		mem_free(t->cells[i]);
	mem_free(t->cells);
	fmt_table_init(t, t->ncols);
}

/* Takes ownership of cell (NULL means the allocation failed). */
static void fmt_table_push(struct fmt_table *t, char *cell)
{
	if (cell == NULL || t->oom) {
		mem_free(cell);
		t->oom = true;
		return;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char **v = mem_realloc(t->cells, cap * sizeof *v);
		if (v == NULL) {
			mem_free(cell);
			t->oom = true;
			return;
		}
		t->cells = v;
		t->cap = cap;
	}
	t->cells[t->n++] = cell;
}

static bool fmt_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

void fmt_table_add(struct fmt_table *t, const char *cell)
{
	const char *s = cell != NULL ? cell : "";
	size_t len = strlen(s);
	while (len > 0 && fmt_is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && fmt_is_space(s[len - 1]))
		len--;
	fmt_table_push(t, mem_strndup(s, len));
}

void fmt_table_addf(struct fmt_table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = mem_vasprintf(fmt, ap);
	va_end(ap);
	if (s == NULL) {
		t->oom = true;
		return;
	}
	fmt_table_add(t, s);
	mem_free(s);
}

/* Characters, not bytes: continuation bytes of UTF-8 do not count. */
static size_t fmt_width(const char *s)
{
	size_t w = 0;
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static const char *fmt_cell(const struct fmt_table *t, size_t i,
                            const char *empty)
{
	if (i >= t->n || t->cells[i][0] == '\0')
		return empty;
	return t->cells[i];
}

void fmt_table_render(const struct fmt_table *t, const char *glue,
                      const char *empty, struct buf *out)
{
	size_t rows = (t->n + t->ncols - 1) / t->ncols;
	size_t *widths;
	if (t->oom || (widths = mem_calloc(t->ncols, sizeof *widths)) == NULL) {
		out->oom = true;
		return;
	}
	for (size_t i = 0; i < rows * t->ncols; i++) {
		size_t w = fmt_width(fmt_cell(t, i, empty));
		if (w > widths[i % t->ncols])
			widths[i % t->ncols] = w;
	}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = fmt_cell(t, r * t->ncols + c, empty);
			buf_append_str(out, s);
			if (c + 1 == t->ncols)
				break;
			for (size_t w = fmt_width(s); w < widths[c]; w++)
				buf_append_char(out, ' ');
			buf_append_str(out, glue);
		}
		buf_append_char(out, '\n');
	}
	mem_free(widths);
}

void fmt_table_list(const struct fmt_table *t, struct buf *out)
{
	fmt_table_render(t, "  ", "<none>", out);
}

void fmt_table_kv(const struct fmt_table *t, struct buf *out)
{
	fmt_table_render(t, " = ", "<none>", out);
}

/* ---- scalars ---------------------------------------------------------- */

const char *fmt_time(int64_t ns, char out[FMT_TIME_MAX])
{
	out[0] = '\0';
	if (ns < STIME_NS_PER_S)
		return out;
	time_t secs = (time_t)(ns / STIME_NS_PER_S);
	struct tm tm;
	if (localtime_r(&secs, &tm) == NULL)
		return out;
	size_t n = strftime(out, FMT_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	long off = tm.tm_gmtoff;
	if (off == 0) {
		snprintf(out + n, FMT_TIME_MAX - n, "Z");
		return out;
	}
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	snprintf(out + n, FMT_TIME_MAX - n, "%c%02ld:%02ld", sign, off / 3600,
	         off / 60 % 60);
	return out;
}

/* Go's Time.Round(time.Second) on Unix ns: halves round up. */
static int64_t fmt_round_s(int64_t ns)
{
	int64_t s = ns / STIME_NS_PER_S, r = ns % STIME_NS_PER_S;
	if (r < 0) {
		s--;
		r += STIME_NS_PER_S;
	}
	return r >= STIME_NS_PER_S / 2 ? s + 1 : s;
}

const char *fmt_ago(int64_t then_ns, int64_t now_ns, char out[FMT_TIME_MAX])
{
	static const char *const units[] = {"y", "mo", "d", "h", "m", "s"};
	out[0] = '\0';
	if (then_ns == 0)
		return out;
	int64_t first = fmt_round_s(then_ns), second = fmt_round_s(now_ns);
	bool past = second >= first;
	uint64_t u =
	    past ? (uint64_t)(second - first) : (uint64_t)(first - second);
	uint64_t v[6];
	v[5] = u % 60, u /= 60;
	v[4] = u % 60, u /= 60;
	v[3] = u % 24, u /= 24;
	v[2] = u % 30, u /= 30;
	v[1] = u % 12, u /= 12;
	v[0] = u;
	size_t n = 0;
	int shown = 0;
	for (int i = 0; i < 6 && shown < 2; i++) {
		if (v[i] == 0)
			continue;
		n += (size_t)snprintf(out + n, FMT_TIME_MAX - n, "%llu%s",
		                      (unsigned long long)v[i], units[i]);
		shown++;
	}
	snprintf(out + n, FMT_TIME_MAX - n, "%s%s", shown ? "" : "0s",
	         past ? " ago" : " from now");
	return out;
}

const char *fmt_time_str(const char *rfc3339, char out[FMT_TIME_MAX])
{
	int64_t ns = 0;
	out[0] = '\0';
	if (rfc3339 == NULL || stime_parse_rfc3339(rfc3339, &ns) != 0)
		return out;
	return fmt_time(ns, out);
}

const char *fmt_duration(int64_t ns, char out[FMT_TIME_MAX])
{
	stime_format_duration(ns, out, FMT_TIME_MAX);
	return out;
}

void fmt_uuid_prefix(char *prefix)
{
	size_t len = strlen(prefix), chars = 0;
	for (size_t i = 0; i < len; i++)
		if (prefix[i] != '-')
			chars++;
	if (chars % 2 == 1)
		prefix[len - 1] = '\0';
}

void fmt_quote(struct buf *out, const char *s)
{
	buf_append_char(out, '"');
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': buf_append_str(out, "\\\""); break;
		case '\\': buf_append_str(out, "\\\\"); break;
		case '\n': buf_append_str(out, "\\n"); break;
		case '\t': buf_append_str(out, "\\t"); break;
		case '\r': buf_append_str(out, "\\r"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_appendf(out, "\\x%02x", c);
			else
				buf_append_char(out, (char)c);
		}
	}
	buf_append_char(out, '"');
}

/* ---- JSON readers ----------------------------------------------------- */

const char *fmt_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "";
}

int64_t fmt_jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return 0;
}

bool fmt_jbool(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static int fmt_json_cb(const char *buffer, size_t size, void *data)
{
	struct buf *out = data;
	buf_append(out, buffer, size);
	return out->oom ? -1 : 0;
}

int fmt_json(const json_t *j, struct buf *out)
{
	size_t flags = JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
	if (j == NULL) {
		buf_append_str(out, "null\n");
		return out->oom ? -1 : 0;
	}
	if (json_dump_callback(j, fmt_json_cb, out, flags) != 0) {
		out->oom = true;
		return -1;
	}
	buf_append_char(out, '\n');
	return out->oom ? -1 : 0;
}

/* A scalar field as text: strings as they are, numbers in decimal, bools
 * as true/false; "" for anything else. */
static const char *fmt_jtext(const json_t *o, const char *key, char tmp[32])
{
	const json_t *v = json_object_get(o, key);
	tmp[0] = '\0';
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(tmp, 32, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(tmp, 32, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(tmp, 32, "%s", json_is_true(v) ? "true" : "false");
	return tmp;
}

static const char *fmt_bool(bool b)
{
	return b ? "true" : "false";
}

static int fmt_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj, sorted; the caller frees the array (not the keys).
 * NULL with *n = 0 when obj has none; NULL with out->oom set on oom. */
static const char **fmt_sorted_keys(const json_t *obj, size_t *n,
                                    struct buf *out)
{
	const char **keys;
	const char *key;
	json_t *v;
	size_t i = 0;
	*n = json_is_object(obj) ? json_object_size(obj) : 0;
	if (*n == 0)
		return NULL;
	keys = mem_malloc(*n * sizeof *keys);
	if (keys == NULL) {
		*n = 0;
		out->oom = true;
		return NULL;
	}
	json_object_foreach((json_t *)obj, key, v) keys[i++] = key;
	qsort(keys, *n, sizeof *keys, fmt_cmp_str);
	return keys;
}

/* The elements of arr in an array the caller frees, sorted by cmp (which
 * compares const json_t * const *). */
static const json_t **fmt_sorted(const json_t *arr, size_t *n,
                                 int (*cmp)(const void *, const void *),
                                 struct buf *out)
{
	const json_t **v;
	*n = json_is_array(arr) ? json_array_size(arr) : 0;
	if (*n == 0)
		return NULL;
	v = mem_malloc(*n * sizeof *v);
	if (v == NULL) {
		*n = 0;
		out->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < *n; i++)
		v[i] = json_array_get(arr, i);
	qsort(v, *n, sizeof *v, cmp);
	return v;
}

/* A section title: Nomad prints "\n[bold]Title[reset]". */
static void fmt_title(struct buf *out, const char *title)
{
	buf_appendf(out, "\n%s\n", title);
}

/* ---- servers and Raft ---------------------------------------------- */

static const char *fmt_tag(const json_t *member, const char *key)
{
	return fmt_jstr(json_object_get(member, "Tags"), key);
}

bool fmt_member_is_leader(const json_t *member, const json_t *leaders)
{
	const char *addr = fmt_jstr(member, "Addr");
	const char *port = fmt_tag(member, "port");
	const char *leader = json_string_value(
	    json_object_get(leaders, fmt_tag(member, "region")));
	char joined[300];
	if (leader == NULL)
		return false;
	snprintf(joined, sizeof joined,
	         strchr(addr, ':') != NULL ? "[%s]:%s" : "%s:%s", addr, port);
	return strcmp(joined, leader) == 0;
}

static int fmt_cmp_member(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa;
	const json_t *b = *(const json_t *const *)pb;
	int c = strcmp(fmt_tag(a, "region"), fmt_tag(b, "region"));
	if (c == 0)
		c = strcmp(fmt_tag(a, "dc"), fmt_tag(b, "dc"));
	return c != 0 ? c : strcmp(fmt_jstr(a, "Name"), fmt_jstr(b, "Name"));
}

int fmt_sort_members(json_t *members)
{
	struct buf dummy;
	size_t n;
	json_t **v;
	buf_init(&dummy);
	v = (json_t **)fmt_sorted(members, &n, fmt_cmp_member, &dummy);
	if (dummy.oom)
		return -1;
	for (size_t i = 0; i < n; i++)
		json_incref(v[i]);
	json_array_clear(members);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(members, v[i]);
	mem_free(v);
	return 0;
}

static void fmt_member_tags(struct buf *cell, const json_t *member)
{
	const char *key;
	json_t *v;
	bool first = true;
	json_object_foreach(json_object_get(member, "Tags"), key, v)
	{
		buf_appendf(cell, "%s%s=%s", first ? "" : ",", key,
		            json_is_string(v) ? json_string_value(v) : "");
		first = false;
	}
}

static void fmt_member_row(struct fmt_table *t, const json_t *m,
                           const json_t *leaders, bool verbose)
{
	fmt_table_add(t, fmt_jstr(m, "Name"));
	fmt_table_add(t, fmt_jstr(m, "Addr"));
	fmt_table_addf(t, "%lld", (long long)fmt_jint(m, "Port"));
	fmt_table_add(t, fmt_jstr(m, "Status"));
	fmt_table_add(t, fmt_bool(fmt_member_is_leader(m, leaders)));
	if (verbose)
		fmt_table_addf(t, "%lld",
		               (long long)fmt_jint(m, "ProtocolCur"));
	fmt_table_add(t, fmt_tag(m, "raft_vsn"));
	fmt_table_add(t, fmt_tag(m, "build"));
	fmt_table_add(t, fmt_tag(m, "dc"));
	fmt_table_add(t, fmt_tag(m, "region"));
	if (verbose) {
		struct buf cell;
		buf_init(&cell);
		fmt_member_tags(&cell, m);
		if (cell.oom)
			t->oom = true;
		fmt_table_add(t, buf_cstr(&cell));
		buf_release(&cell);
	}
}

void fmt_server_members(const json_t *members, const json_t *leaders,
                        bool verbose, struct buf *out)
{
	static const char *const std[] = {
	    "Name",         "Address", "Port",       "Status", "Leader",
	    "Raft Version", "Build",   "Datacenter", "Region"};
	static const char *const verb[] = {
	    "Name",       "Address",  "Port",         "Status",
	    "Leader",     "Protocol", "Raft Version", "Build",
	    "Datacenter", "Region",   "Tags"};
	const char *const *head = verbose ? verb : std;
	size_t ncols = verbose ? 11 : 9, n;
	struct fmt_table t;
	const json_t **v = fmt_sorted(members, &n, fmt_cmp_member, out);
	fmt_table_init(&t, ncols);
	for (size_t i = 0; i < ncols; i++)
		fmt_table_add(&t, head[i]);
	for (size_t i = 0; i < n; i++)
		fmt_member_row(&t, v[i], leaders, verbose);
	fmt_table_list(&t, out);
	fmt_table_release(&t);
	mem_free(v);
}

static int fmt_cmp_peer(const void *pa, const void *pb)
{
	return strcmp(fmt_jstr(*(const json_t *const *)pa, "Node"),
	              fmt_jstr(*(const json_t *const *)pb, "Node"));
}

void fmt_raft_peers(const json_t *config, struct buf *out)
{
	static const char *const head[] = {"Node",  "ID",    "Address",
	                                   "State", "Voter", "RaftProtocol"};
	struct fmt_table t;
	char tmp[32];
	size_t n;
	const json_t **v = fmt_sorted(json_object_get(config, "Servers"), &n,
	                              fmt_cmp_peer, out);
	fmt_table_init(&t, 6);
	for (size_t i = 0; i < 6; i++)
		fmt_table_add(&t, head[i]);
	for (size_t i = 0; i < n; i++) {
		fmt_table_add(&t, fmt_jstr(v[i], "Node"));
		fmt_table_add(&t, fmt_jstr(v[i], "ID"));
		fmt_table_add(&t, fmt_jstr(v[i], "Address"));
		fmt_table_add(&t, fmt_jbool(v[i], "Leader") ? "leader"
		                                            : "follower");
		fmt_table_add(&t, fmt_bool(fmt_jbool(v[i], "Voter")));
		fmt_table_add(&t, fmt_jtext(v[i], "RaftProtocol", tmp));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
	mem_free(v);
}

/* ---- jobs ------------------------------------------------------------- */

static void fmt_job_type(struct fmt_table *t, const json_t *stub)
{
	fmt_table_addf(t, "%s%s%s", fmt_jstr(stub, "Type"),
	               fmt_jbool(stub, "Periodic") ? "/periodic" : "",
	               fmt_jbool(stub, "ParameterizedJob") ? "/parameterized"
	                                                   : "");
}

static void fmt_job_statusc(struct fmt_table *t, const json_t *job)
{
	fmt_table_addf(t, "%s%s", fmt_jstr(job, "Status"),
	               fmt_jbool(job, "Stop") ? " (stopped)" : "");
}

/* The namespace of a list stub: its summary's, as Nomad prints it. */
static const char *fmt_stub_namespace(const json_t *stub)
{
	const char *ns =
	    fmt_jstr(json_object_get(stub, "JobSummary"), "Namespace");
	return ns[0] != '\0' ? ns : fmt_jstr(stub, "Namespace");
}

void fmt_job_list(const json_t *stubs, bool all_ns, struct buf *out)
{
	struct fmt_table t;
	char tm[FMT_TIME_MAX];
	if (json_array_size(stubs) == 0) {
		buf_append_str(out, "No running jobs\n");
		return;
	}
	fmt_table_init(&t, all_ns ? 6 : 5);
	fmt_table_add(&t, "ID");
	if (all_ns)
		fmt_table_add(&t, "Namespace");
	fmt_table_add(&t, "Type");
	fmt_table_add(&t, "Priority");
	fmt_table_add(&t, "Status");
	fmt_table_add(&t, "Submit Date");
	for (size_t i = 0; i < json_array_size(stubs); i++) {
		const json_t *j = json_array_get(stubs, i);
		fmt_table_add(&t, fmt_jstr(j, "ID"));
		if (all_ns)
			fmt_table_add(&t, fmt_stub_namespace(j));
		fmt_job_type(&t, j);
		fmt_table_addf(&t, "%lld", (long long)fmt_jint(j, "Priority"));
		fmt_job_statusc(&t, j);
		fmt_table_add(&t, fmt_time(fmt_jint(j, "SubmitTime"), tm));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

static void fmt_kv(struct fmt_table *t, const char *key, const char *val)
{
	fmt_table_add(t, key);
	fmt_table_add(t, val);
}

static void fmt_join_strs(struct buf *b, const json_t *arr, const char *sep)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		buf_appendf(b, "%s%s", i ? sep : "", s != NULL ? s : "");
	}
}

/* A key whose value is the strings of arr joined with sep. */
static void fmt_kv_join(struct fmt_table *t, const char *key, const json_t *arr,
                        const char *sep)
{
	struct buf b;
	buf_init(&b);
	fmt_join_strs(&b, arr, sep);
	if (b.oom)
		t->oom = true;
	fmt_kv(t, key, buf_cstr(&b));
	buf_release(&b);
}

static bool fmt_job_periodic(const json_t *job)
{
	return json_is_object(json_object_get(job, "Periodic"));
}

static bool fmt_job_param(const json_t *job)
{
	return json_is_object(json_object_get(job, "ParameterizedJob"));
}

static void fmt_job_header(const json_t *job, struct buf *out)
{
	struct fmt_table t;
	char tm[FMT_TIME_MAX];
	bool periodic = fmt_job_periodic(job), param = fmt_job_param(job);
	fmt_table_init(&t, 2);
	fmt_kv(&t, "ID", fmt_jstr(job, "ID"));
	fmt_kv(&t, "Name", fmt_jstr(job, "Name"));
	fmt_kv(&t, "Submit Date", fmt_time(fmt_jint(job, "SubmitTime"), tm));
	fmt_kv(&t, "Type", fmt_jstr(job, "Type"));
	fmt_table_add(&t, "Priority");
	fmt_table_addf(&t, "%lld", (long long)fmt_jint(job, "Priority"));
	fmt_kv_join(&t, "Datacenters", json_object_get(job, "Datacenters"),
	            ",");
	fmt_kv(&t, "Namespace", fmt_jstr(job, "Namespace"));
	fmt_kv(&t, "Node Pool", fmt_jstr(job, "NodePool"));
	fmt_table_add(&t, "Status");
	fmt_job_statusc(&t, job);
	fmt_kv(&t, "Periodic", fmt_bool(periodic));
	fmt_kv(&t, "Parameterized", fmt_bool(param));
	if (fmt_jstr(job, "DispatchIdempotencyToken")[0] != '\0')
		fmt_kv(&t, "Idempotency Token",
		       fmt_jstr(job, "DispatchIdempotencyToken"));
	/* The next launch needs the cron schedule evaluated; steppe has
	 * no cron parser yet, so only the stopped case is shown. */
	if (periodic && !param && fmt_jbool(job, "Stop"))
		fmt_kv(&t, "Next Periodic Launch", "none (job stopped)");
	fmt_table_kv(&t, out);
	fmt_table_release(&t);
}

static const char *const fmt_summary_cols[] = {
    "Queued", "Starting", "Running", "Failed", "Complete", "Lost", "Unknown"};

static void fmt_summary_row(struct fmt_table *t, const char *tg,
                            const json_t *s)
{
	fmt_table_add(t, tg);
	for (size_t i = 0; i < 7; i++)
		fmt_table_addf(t, "%lld",
		               (long long)fmt_jint(s, fmt_summary_cols[i]));
}

static void fmt_summary_groups(const json_t *groups, struct buf *out)
{
	struct fmt_table t;
	size_t n;
	const char **tgs = fmt_sorted_keys(groups, &n, out);
	fmt_title(out, "Summary");
	fmt_table_init(&t, 8);
	fmt_table_add(&t, "Task Group");
	for (size_t i = 0; i < 7; i++)
		fmt_table_add(&t, fmt_summary_cols[i]);
	for (size_t i = 0; i < n; i++)
		fmt_summary_row(&t, tgs[i], json_object_get(groups, tgs[i]));
	fmt_table_list(&t, out);
	fmt_table_release(&t);
	mem_free(tgs);
}

/* Which summary column an allocation's ClientStatus counts in. */
static const char *fmt_summary_col(const char *client_status)
{
	static const char *const map[][2] = {
	    {"pending", "Starting"}, {"running", "Running"},
	    {"failed", "Failed"},    {"complete", "Complete"},
	    {"lost", "Lost"},        {"unknown", "Unknown"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(client_status, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* A group's counters object in groups, created on first use. */
static json_t *fmt_summary_group(json_t *groups, const char *tg)
{
	json_t *g = json_object_get(groups, tg);
	if (g == NULL && json_object_set_new(groups, tg, json_object()) == 0)
		g = json_object_get(groups, tg);
	return g;
}

/* A JobSummary "Summary" object counted from the allocations, for servers
 * that do not serve /v1/job/:id/summary. Queued stays 0. NULL on oom. */
static json_t *fmt_summary_synth(const json_t *job, const json_t *allocs)
{
	json_t *groups = json_object();
	const json_t *tgs = json_object_get(job, "TaskGroups");
	for (size_t i = 0; groups && i < json_array_size(tgs); i++)
		if (!fmt_summary_group(
		        groups, fmt_jstr(json_array_get(tgs, i), "Name")))
			goto oom;
	for (size_t i = 0; groups && i < json_array_size(allocs); i++) {
		const json_t *a = json_array_get(allocs, i);
		const char *col = fmt_summary_col(fmt_jstr(a, "ClientStatus"));
		json_t *g = fmt_summary_group(groups, fmt_jstr(a, "TaskGroup"));
		if (g == NULL)
			goto oom;
		if (col != NULL &&
		    json_object_set_new(
		        g, col, json_integer(fmt_jint(g, col) + 1)) != 0)
			goto oom;
	}
	return groups;
oom:
	json_decref(groups);
	return NULL;
}

static void fmt_children(const json_t *children, bool param, struct buf *out)
{
	struct fmt_table t;
	fmt_title(out,
	          param ? "Parameterized Job Summary" : "Children Job Summary");
	fmt_table_init(&t, 3);
	fmt_table_add(&t, "Pending");
	fmt_table_add(&t, "Running");
	fmt_table_add(&t, "Dead");
	fmt_table_addf(&t, "%lld", (long long)fmt_jint(children, "Pending"));
	fmt_table_addf(&t, "%lld", (long long)fmt_jint(children, "Running"));
	fmt_table_addf(&t, "%lld", (long long)fmt_jint(children, "Dead"));
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

static void fmt_job_summary(const struct fmt_job_status *in, struct buf *out)
{
	bool periodic = fmt_job_periodic(in->job);
	bool param = fmt_job_param(in->job);
	const json_t *children = json_object_get(in->summary, "Children");
	if (!periodic && !param) {
		if (in->summary != NULL) {
			fmt_summary_groups(
			    json_object_get(in->summary, "Summary"), out);
		} else {
			json_t *g = fmt_summary_synth(in->job, in->allocs);
			if (g == NULL)
				out->oom = true;
			fmt_summary_groups(g, out);
			json_decref(g);
		}
	}
	if (json_is_object(children) &&
	    (param || periodic ||
	     fmt_jint(children, "Pending") + fmt_jint(children, "Running") +
	             fmt_jint(children, "Dead") >
	         0))
		fmt_children(children, param, out);
}

/* Previously Launched Jobs / Dispatched Jobs: the children whose ParentID
 * is this job. */
static void fmt_job_children(const struct fmt_job_status *in, bool param,
                             struct buf *out)
{
	const char *id = fmt_jstr(in->job, "ID");
	struct fmt_table t;
	if (json_array_size(in->children) == 0) {
		buf_append_str(out, param ? "\nNo dispatched instances of "
		                            "parameterized job found\n"
		                          : "\nNo instances of periodic job "
		                            "found\n");
		return;
	}
	fmt_title(out, param ? "Dispatched Jobs" : "Previously Launched Jobs");
	fmt_table_init(&t, 2);
	fmt_table_add(&t, "ID");
	fmt_table_add(&t, "Status");
	for (size_t i = 0; i < json_array_size(in->children); i++) {
		const json_t *c = json_array_get(in->children, i);
		if (strcmp(fmt_jstr(c, "ParentID"), id) != 0)
			continue;
		fmt_table_add(&t, fmt_jstr(c, "ID"));
		fmt_table_add(&t, fmt_jstr(c, "Status"));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

static void fmt_param_info(const json_t *job, struct buf *out)
{
	const json_t *p = json_object_get(job, "ParameterizedJob");
	struct fmt_table t;
	fmt_title(out, "Parameterized Job");
	fmt_table_init(&t, 2);
	fmt_kv(&t, "Payload", fmt_jstr(p, "Payload"));
	fmt_kv_join(&t, "Required Metadata", json_object_get(p, "MetaRequired"),
	            ", ");
	fmt_kv_join(&t, "Optional Metadata", json_object_get(p, "MetaOptional"),
	            ", ");
	fmt_table_kv(&t, out);
	fmt_table_release(&t);
}

/* Nomad's evalFailureStatus text. */
static const char *fmt_eval_failures(const json_t *eval)
{
	if (strcmp(fmt_jstr(eval, "Status"), "blocked") == 0)
		return "N/A - In Progress";
	return fmt_bool(
	    json_object_size(json_object_get(eval, "FailedTGAllocs")) > 0);
}

static void fmt_job_evals(const struct fmt_job_status *in, int length,
                          struct buf *out)
{
	struct fmt_table t;
	fmt_title(out, "Evaluations");
	fmt_table_init(&t, 5);
	fmt_table_add(&t, "ID");
	fmt_table_add(&t, "Priority");
	fmt_table_add(&t, "Triggered By");
	fmt_table_add(&t, "Status");
	fmt_table_add(&t, "Placement Failures");
	for (size_t i = 0; i < json_array_size(in->evals); i++) {
		const json_t *e = json_array_get(in->evals, i);
		fmt_table_addf(&t, "%.*s", length, fmt_jstr(e, "ID"));
		fmt_table_addf(&t, "%lld", (long long)fmt_jint(e, "Priority"));
		fmt_table_add(&t, fmt_jstr(e, "TriggeredBy"));
		fmt_table_add(&t, fmt_jstr(e, "Status"));
		fmt_table_add(&t, fmt_eval_failures(e));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

/* The evaluation whose placement failures `job status` explains: the
 * newest one with failures, and only while some evaluation is blocked. */
static const json_t *fmt_failed_eval(const json_t *evals)
{
	const json_t *latest = NULL;
	bool blocked = false;
	for (size_t i = 0; i < json_array_size(evals); i++) {
		const json_t *e = json_array_get(evals, i);
		if (strcmp(fmt_jstr(e, "Status"), "blocked") == 0)
			blocked = true;
		if (json_object_size(json_object_get(e, "FailedTGAllocs")) == 0)
			continue;
		if (latest == NULL || fmt_jint(latest, "CreateIndex") <
		                          fmt_jint(e, "CreateIndex"))
			latest = e;
	}
	return blocked ? latest : NULL;
}

#define FMT_MAX_FAILED_TGS 5

static void fmt_placement_failure(const json_t *eval, struct buf *out)
{
	const json_t *failed = json_object_get(eval, "FailedTGAllocs");
	size_t n;
	const char **tgs = fmt_sorted_keys(failed, &n, out);
	fmt_title(out, "Placement Failure");
	for (size_t i = 0; i < n && i < FMT_MAX_FAILED_TGS; i++) {
		buf_append_str(out, "Task Group ");
		fmt_quote(out, tgs[i]);
		buf_append_str(out, ":\n");
		fmt_alloc_metrics(json_object_get(failed, tgs[i]), "  ", out);
		if (i != n - 1)
			buf_append_char(out, '\n');
	}
	if (n > FMT_MAX_FAILED_TGS)
		buf_appendf(out,
		            "\nPlacement failures truncated. To see "
		            "remainder run:\nsteppe eval status %s\n",
		            fmt_jstr(eval, "ID"));
	mem_free(tgs);
}

static void fmt_job_actions(const json_t *job, struct buf *out)
{
	const json_t *tgs = json_object_get(job, "TaskGroups");
	struct fmt_table t;
	fmt_table_init(&t, 3);
	fmt_table_add(&t, "Action Name");
	fmt_table_add(&t, "Task Group");
	fmt_table_add(&t, "Task");
	for (size_t g = 0; g < json_array_size(tgs); g++) {
		const json_t *tg = json_array_get(tgs, g);
		const json_t *tasks = json_object_get(tg, "Tasks");
		for (size_t k = 0; k < json_array_size(tasks); k++) {
			const json_t *task = json_array_get(tasks, k);
			const json_t *acts = json_object_get(task, "Actions");
			for (size_t a = 0; a < json_array_size(acts); a++) {
				fmt_table_add(
				    &t,
				    fmt_jstr(json_array_get(acts, a), "Name"));
				fmt_table_add(&t, fmt_jstr(tg, "Name"));
				fmt_table_add(&t, fmt_jstr(task, "Name"));
			}
		}
	}
	if (t.n > 3) {
		fmt_title(out, "Actions");
		fmt_table_list(&t, out);
	}
	fmt_table_release(&t);
}

static void fmt_job_info(const struct fmt_job_status *in, struct buf *out)
{
	int length = in->verbose ? FMT_FULL_ID : FMT_SHORT_ID;
	const json_t *failed = fmt_failed_eval(in->evals);
	fmt_job_summary(in, out);
	if (in->verbose || in->show_evals)
		fmt_job_evals(in, length, out);
	if (failed != NULL)
		fmt_placement_failure(failed, out);
	if (json_is_object(in->deployment)) {
		fmt_title(out, "Latest Deployment");
		fmt_deployment(in->deployment, length, false, out);
	}
	fmt_job_actions(in->job, out);
	fmt_title(out, "Allocations");
	fmt_alloc_stubs(in->allocs, in->verbose, length, in->now, out);
}

void fmt_job_status(const struct fmt_job_status *in, struct buf *out)
{
	bool periodic = fmt_job_periodic(in->job);
	bool param = fmt_job_param(in->job);
	fmt_job_header(in->job, out);
	if (in->short_only)
		return;
	if (periodic && !param) {
		fmt_job_summary(in, out);
		fmt_job_children(in, false, out);
	} else if (param) {
		fmt_param_info(in->job, out);
		fmt_job_summary(in, out);
		fmt_job_children(in, true, out);
	} else {
		fmt_job_info(in, out);
	}
}

static void fmt_job_version(const json_t *job, struct buf *out)
{
	const json_t *tag = json_object_get(job, "VersionTag");
	struct fmt_table t;
	char tm[FMT_TIME_MAX];
	fmt_table_init(&t, 2);
	fmt_table_add(&t, "Version");
	fmt_table_addf(&t, "%lld", (long long)fmt_jint(job, "Version"));
	fmt_kv(&t, "Stable", fmt_bool(fmt_jbool(job, "Stable")));
	fmt_kv(&t, "Submit Date", fmt_time(fmt_jint(job, "SubmitTime"), tm));
	if (json_is_object(tag)) {
		fmt_kv(&t, "Tag Name", fmt_jstr(tag, "Name"));
		if (fmt_jstr(tag, "Description")[0] != '\0')
			fmt_kv(&t, "Tag Description",
			       fmt_jstr(tag, "Description"));
	}
	fmt_table_render(&t, " = ", "", out);
	fmt_table_release(&t);
}

void fmt_job_versions(const json_t *versions, struct buf *out)
{
	for (size_t i = 0; i < json_array_size(versions); i++) {
		if (i > 0)
			buf_append_char(out, '\n');
		fmt_job_version(json_array_get(versions, i), out);
	}
}

/* ---- deployments and allocations ------------------------------------- */

struct fmt_deploy_cols {
	bool autorevert, canaries, deadline;
};

static struct fmt_deploy_cols fmt_deploy_cols(const json_t *tgs)
{
	struct fmt_deploy_cols c = {false, false, false};
	const char *key;
	json_t *s;
	json_object_foreach((json_t *)tgs, key, s)
	{
		c.autorevert |= fmt_jbool(s, "AutoRevert");
		c.canaries |= fmt_jint(s, "DesiredCanaries") > 0;
		c.deadline |= fmt_jint(s, "ProgressDeadline") != 0;
	}
	return c;
}

static void fmt_deploy_row(struct fmt_table *t, const char *tg, const json_t *s,
                           struct fmt_deploy_cols c)
{
	char tm[FMT_TIME_MAX];
	fmt_table_add(t, tg);
	if (c.autorevert)
		fmt_table_add(t, fmt_bool(fmt_jbool(s, "AutoRevert")));
	if (c.canaries)
		fmt_table_add(t, fmt_jint(s, "DesiredCanaries") > 0
		                     ? fmt_bool(fmt_jbool(s, "Promoted"))
		                     : "N/A");
	fmt_table_addf(t, "%lld", (long long)fmt_jint(s, "DesiredTotal"));
	if (c.canaries)
		fmt_table_addf(t, "%lld",
		               (long long)fmt_jint(s, "DesiredCanaries"));
	fmt_table_addf(t, "%lld", (long long)fmt_jint(s, "PlacedAllocs"));
	fmt_table_addf(t, "%lld", (long long)fmt_jint(s, "HealthyAllocs"));
	fmt_table_addf(t, "%lld", (long long)fmt_jint(s, "UnhealthyAllocs"));
	if (c.deadline) {
		fmt_time_str(fmt_jstr(s, "RequireProgressBy"), tm);
		fmt_table_add(t, tm[0] != '\0' ? tm : "N/A");
	}
}

static void fmt_deploy_groups(const json_t *tgs, struct buf *out)
{
	struct fmt_deploy_cols c = fmt_deploy_cols(tgs);
	struct fmt_table t;
	size_t n;
	const char **names = fmt_sorted_keys(tgs, &n, out);
	fmt_table_init(&t, 5 + c.autorevert + 2 * c.canaries + c.deadline);
	fmt_table_add(&t, "Task Group");
	if (c.autorevert)
		fmt_table_add(&t, "Auto Revert");
	if (c.canaries)
		fmt_table_add(&t, "Promoted");
	fmt_table_add(&t, "Desired");
	if (c.canaries)
		fmt_table_add(&t, "Canaries");
	fmt_table_add(&t, "Placed");
	fmt_table_add(&t, "Healthy");
	fmt_table_add(&t, "Unhealthy");
	if (c.deadline)
		fmt_table_add(&t, "Progress Deadline");
	for (size_t i = 0; i < n; i++)
		fmt_deploy_row(&t, names[i], json_object_get(tgs, names[i]), c);
	fmt_table_list(&t, out);
	fmt_table_release(&t);
	mem_free(names);
}

void fmt_deployment(const json_t *d, int length, bool with_job, struct buf *out)
{
	struct fmt_table t;
	const json_t *tgs = json_object_get(d, "TaskGroups");
	if (!json_is_object(d)) {
		buf_append_str(out, "No deployment found\n");
		return;
	}
	fmt_table_init(&t, 2);
	fmt_table_add(&t, "ID");
	fmt_table_addf(&t, "%.*s", length, fmt_jstr(d, "ID"));
	if (with_job) {
		fmt_kv(&t, "Job ID", fmt_jstr(d, "JobID"));
		fmt_table_add(&t, "Job Version");
		fmt_table_addf(&t, "%lld",
		               (long long)fmt_jint(d, "JobVersion"));
	}
	fmt_kv(&t, "Status", fmt_jstr(d, "Status"));
	fmt_kv(&t, "Description", fmt_jstr(d, "StatusDescription"));
	fmt_table_kv(&t, out);
	fmt_table_release(&t);
	if (json_object_size(tgs) == 0)
		return;
	buf_append_str(out, "\nDeployed\n");
	fmt_deploy_groups(tgs, out);
}

static void fmt_alloc_row(struct fmt_table *t, const json_t *a, bool verbose,
                          int length, int64_t now)
{
	char tm[FMT_TIME_MAX];
	fmt_table_addf(t, "%.*s", length, fmt_jstr(a, "ID"));
	if (verbose)
		fmt_table_addf(t, "%.*s", length, fmt_jstr(a, "EvalID"));
	fmt_table_addf(t, "%.*s", length, fmt_jstr(a, "NodeID"));
	if (verbose)
		fmt_table_add(t, fmt_jstr(a, "NodeName"));
	fmt_table_add(t, fmt_jstr(a, "TaskGroup"));
	fmt_table_addf(t, "%lld", (long long)fmt_jint(a, "JobVersion"));
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

void fmt_alloc_stubs(const json_t *allocs, bool verbose, int length,
                     int64_t now, struct buf *out)
{
	static const char *const head[] = {
	    "ID",      "Eval ID", "Node ID", "Node Name", "Task Group",
	    "Version", "Desired", "Status",  "Created",   "Modified"};
	struct fmt_table t;
	if (json_array_size(allocs) == 0) {
		buf_append_str(out, "No allocations placed\n");
		return;
	}
	fmt_table_init(&t, verbose ? 10 : 8);
	for (size_t i = 0; i < 10; i++)
		if (verbose || (i != 1 && i != 3))
			fmt_table_add(&t, head[i]);
	for (size_t i = 0; i < json_array_size(allocs); i++)
		fmt_alloc_row(&t, json_array_get(allocs, i), verbose, length,
		              now);
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

/* One line per entry of a map of node counts: "<prefix>* Class "c": 2
 * nodes excluded by filter" or "<prefix>* Dimension "cpu" exhausted on 2
 * nodes". */
static void fmt_metric_map(const json_t *m, const char *prefix,
                           const char *what, bool exhausted, struct buf *out)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)m, key, v)
	{
		long long n = (long long)json_integer_value(v);
		buf_appendf(out, "%s* %s ", prefix, what);
		fmt_quote(out, key);
		if (exhausted)
			buf_appendf(out, " exhausted on %lld nodes\n", n);
		else
			buf_appendf(out, ": %lld nodes excluded by filter\n",
			            n);
	}
}

void fmt_alloc_metrics(const json_t *metric, const char *prefix,
                       struct buf *out)
{
	const char *key;
	json_t *v;
	if (fmt_jint(metric, "NodesEvaluated") == 0)
		buf_appendf(out, "%s* No nodes were eligible for evaluation\n",
		            prefix);
	json_object_foreach(json_object_get(metric, "NodesAvailable"), key, v)
	{
		if (json_integer_value(v) != 0)
			continue;
		buf_appendf(out, "%s* No nodes are available in datacenter ",
		            prefix);
		fmt_quote(out, key);
		buf_append_char(out, '\n');
	}
	fmt_metric_map(json_object_get(metric, "ClassFiltered"), prefix,
	               "Class", false, out);
	fmt_metric_map(json_object_get(metric, "ConstraintFiltered"), prefix,
	               "Constraint", false, out);
	if (fmt_jint(metric, "NodesExhausted") > 0)
		buf_appendf(out, "%s* Resources exhausted on %lld nodes\n",
		            prefix,
		            (long long)fmt_jint(metric, "NodesExhausted"));
	fmt_metric_map(json_object_get(metric, "ClassExhausted"), prefix,
	               "Class", true, out);
	fmt_metric_map(json_object_get(metric, "DimensionExhausted"), prefix,
	               "Dimension", true, out);
	const json_t *quota = json_object_get(metric, "QuotaExhausted");
	for (size_t i = 0; i < json_array_size(quota); i++) {
		buf_appendf(out, "%s* Quota limit hit ", prefix);
		fmt_quote(out, json_string_value(json_array_get(quota, i)));
		buf_append_char(out, '\n');
	}
}

/* ---- evaluations ------------------------------------------------------ */

void fmt_eval_list(const json_t *evals, bool verbose, struct buf *out)
{
	static const char *const head[] = {
	    "ID",        "Priority", "Triggered By", "Job ID",
	    "Namespace", "Node ID",  "Status",       "Placement Failures"};
	int length = verbose ? FMT_FULL_ID : FMT_SHORT_ID;
	struct fmt_table t;
	fmt_table_init(&t, 8);
	for (size_t i = 0; i < 8; i++)
		fmt_table_add(&t, head[i]);
	for (size_t i = 0; i < json_array_size(evals); i++) {
		const json_t *e = json_array_get(evals, i);
		fmt_table_addf(&t, "%.*s", length, fmt_jstr(e, "ID"));
		fmt_table_addf(&t, "%lld", (long long)fmt_jint(e, "Priority"));
		fmt_table_add(&t, fmt_jstr(e, "TriggeredBy"));
		fmt_table_add(&t, fmt_jstr(e, "JobID"));
		fmt_table_add(&t, fmt_jstr(e, "Namespace"));
		fmt_table_addf(&t, "%.*s", length, fmt_jstr(e, "NodeID"));
		fmt_table_add(&t, fmt_jstr(e, "Status"));
		fmt_table_add(&t, fmt_eval_failures(e));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

/* The key/value lines between Namespace and Priority that depend on what
 * triggered the evaluation. */
static void fmt_eval_trigger(struct fmt_table *t, const json_t *e)
{
	const char *by = fmt_jstr(e, "TriggeredBy");
	if (strcmp(by, "node-update") == 0 && fmt_jstr(e, "NodeID")[0])
		fmt_kv(t, "Node ID", fmt_jstr(e, "NodeID"));
	else if (strcmp(by, "max-plan-attempts") == 0 &&
	         fmt_jstr(e, "PreviousEval")[0])
		fmt_kv(t, "Previous Eval", fmt_jstr(e, "PreviousEval"));
}

static void fmt_eval_kv(const json_t *e, bool verbose, int64_t now,
                        struct buf *out)
{
	int length = verbose ? FMT_FULL_ID : FMT_SHORT_ID;
	const char *desc = fmt_jstr(e, "StatusDescription");
	char tm[FMT_TIME_MAX];
	struct fmt_table t;
	fmt_table_init(&t, 2);
	fmt_table_add(&t, "ID");
	fmt_table_addf(&t, "%.*s", length, fmt_jstr(e, "ID"));
	fmt_kv(&t, "Create Time",
	       verbose ? fmt_time(fmt_jint(e, "CreateTime"), tm)
	               : fmt_ago(fmt_jint(e, "CreateTime"), now, tm));
	fmt_kv(&t, "Modify Time",
	       verbose ? fmt_time(fmt_jint(e, "ModifyTime"), tm)
	               : fmt_ago(fmt_jint(e, "ModifyTime"), now, tm));
	fmt_kv(&t, "Status", fmt_jstr(e, "Status"));
	fmt_kv(&t, "Status Description",
	       desc[0] != '\0' ? desc : fmt_jstr(e, "Status"));
	fmt_kv(&t, "Type", fmt_jstr(e, "Type"));
	fmt_kv(&t, "TriggeredBy", fmt_jstr(e, "TriggeredBy"));
	fmt_kv(&t, "Job ID", fmt_jstr(e, "JobID"));
	fmt_kv(&t, "Namespace", fmt_jstr(e, "Namespace"));
	fmt_eval_trigger(&t, e);
	fmt_table_add(&t, "Priority");
	fmt_table_addf(&t, "%lld", (long long)fmt_jint(e, "Priority"));
	fmt_kv(&t, "Placement Failures", fmt_eval_failures(e));
	if (fmt_time_str(fmt_jstr(e, "WaitUntil"), tm)[0] != '\0')
		fmt_kv(&t, "Wait Until", tm);
	if (fmt_jstr(e, "QuotaLimitReached")[0] != '\0')
		fmt_kv(&t, "Quota Limit Reached",
		       fmt_jstr(e, "QuotaLimitReached"));
	static const char *const links[][2] = {
	    {"Previous Eval", "PreviousEval"},
	    {"Next Eval", "NextEval"},
	    {"Blocked Eval", "BlockedEval"}};
	for (size_t i = 0; i < 3; i++) {
		fmt_table_add(&t, links[i][0]);
		fmt_table_addf(&t, "%.*s", length, fmt_jstr(e, links[i][1]));
	}
	fmt_table_kv(&t, out);
	fmt_table_release(&t);
}

static void fmt_related_evals(const json_t *related, int length,
                              struct buf *out)
{
	static const char *const head[] = {"ID",           "Priority",
	                                   "Triggered By", "Node ID",
	                                   "Status",       "Description"};
	struct fmt_table t;
	fmt_title(out, "Related Evaluations");
	fmt_table_init(&t, 6);
	for (size_t i = 0; i < 6; i++)
		fmt_table_add(&t, head[i]);
	for (size_t i = 0; i < json_array_size(related); i++) {
		const json_t *e = json_array_get(related, i);
		fmt_table_addf(&t, "%.*s", length, fmt_jstr(e, "ID"));
		fmt_table_addf(&t, "%lld", (long long)fmt_jint(e, "Priority"));
		fmt_table_add(&t, fmt_jstr(e, "TriggeredBy"));
		fmt_table_addf(&t, "%.*s", length, fmt_jstr(e, "NodeID"));
		fmt_table_add(&t, fmt_jstr(e, "Status"));
		fmt_table_add(&t, fmt_jstr(e, "StatusDescription"));
	}
	fmt_table_list(&t, out);
	fmt_table_release(&t);
}

/* Plan Annotations: the fixed columns, then each optional one that is
 * non-zero for some group (all of them with verbose). */
static void fmt_plan_annotations(const json_t *updates, bool verbose,
                                 struct buf *out)
{
	static const char *const fixed[][2] = {
	    {"Ignore", "Ignore"},
	    {"Place", "Place"},
	    {"Stop", "Stop"},
	    {"InPlace", "InPlaceUpdate"},
	    {"Destructive", "DestructiveUpdate"},
	    {"Migrate", "Migrate"},
	    {"Canary", "Canary"},
	    {"Preemptions", "Preemptions"},
	    {"Reschedule Now", "RescheduleNow"},
	    {"Reschedule Later", "RescheduleLater"},
	    {"Disconnect", "Disconnect"},
	    {"Reconnect", "Reconnect"}};
	bool show[12];
	size_t n, ncols = 1;
	const char **tgs = fmt_sorted_keys(updates, &n, out);
	struct fmt_table t;
	for (size_t c = 0; c < 12; c++) {
		int64_t sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += fmt_jint(json_object_get(updates, tgs[i]),
			                fixed[c][1]);
		show[c] = c < 5 || verbose || sum > 0;
		ncols += show[c];
	}
	fmt_title(out, "Plan Annotations");
	fmt_table_init(&t, ncols);
	fmt_table_add(&t, "Task Group");
	for (size_t c = 0; c < 12; c++)
		if (show[c])
			fmt_table_add(&t, fixed[c][0]);
	for (size_t i = 0; i < n; i++) {
		fmt_table_add(&t, tgs[i]);
		for (size_t c = 0; c < 12; c++)
			if (show[c])
				fmt_table_addf(
				    &t, "%lld",
				    (long long)fmt_jint(
				        json_object_get(updates, tgs[i]),
				        fixed[c][1]));
	}
	fmt_table_render(&t, "  ", "", out);
	fmt_table_release(&t);
	mem_free(tgs);
}

static void fmt_failed_tg(const char *tg, const json_t *metric, struct buf *out)
{
	int64_t coalesced = fmt_jint(metric, "CoalescedFailures");
	buf_append_str(out, "Task Group ");
	fmt_quote(out, tg);
	buf_appendf(out, " (failed to place %lld allocation%s):\n",
	            (long long)coalesced + 1, coalesced > 0 ? "s" : "");
}

static void fmt_failed_placements(const json_t *e, int length, struct buf *out)
{
	const json_t *failed = json_object_get(e, "FailedTGAllocs");
	size_t n;
	const char **tgs = fmt_sorted_keys(failed, &n, out);
	fmt_title(out, "Failed Placements");
	for (size_t i = 0; i < n; i++) {
		fmt_failed_tg(tgs[i], json_object_get(failed, tgs[i]), out);
		fmt_alloc_metrics(json_object_get(failed, tgs[i]), "  ", out);
	}
	if (fmt_jstr(e, "BlockedEval")[0] != '\0') {
		buf_append_str(out, "\nEvaluation ");
		buf_appendf(out, "\"%.*s\"", length,
		            fmt_jstr(e, "BlockedEval"));
		buf_append_str(out, " waiting for additional capacity to place "
		                    "remainder\n");
	}
	mem_free(tgs);
}

void fmt_eval_status(const json_t *eval, const json_t *allocs, bool verbose,
                     int64_t now, struct buf *out)
{
	int length = verbose ? FMT_FULL_ID : FMT_SHORT_ID;
	const json_t *plan = json_object_get(eval, "PlanAnnotations");
	const json_t *updates = json_object_get(plan, "DesiredTGUpdates");
	fmt_eval_kv(eval, verbose, now, out);
	if (json_array_size(json_object_get(eval, "RelatedEvals")) > 0)
		fmt_related_evals(json_object_get(eval, "RelatedEvals"), length,
		                  out);
	if (json_object_size(updates) > 0)
		fmt_plan_annotations(updates, verbose, out);
	if (json_array_size(allocs) > 0) {
		fmt_title(out, "Placed Allocations");
		fmt_alloc_stubs(allocs, false, length, now, out);
	}
	if (json_object_size(json_object_get(eval, "FailedTGAllocs")) > 0)
		fmt_failed_placements(eval, length, out);
}

/* Appends each line of text with prefix before it (not before empty
 * lines), every line ending with "\n". */
static void fmt_indent(struct buf *out, const char *prefix, const char *text)
{
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		buf_appendf(out, "%s%.*s\n", len > 0 ? prefix : "", (int)len,
		            text);
		text += len + (nl != NULL);
	}
}

/* ---- the evaluation monitor ------------------------------------------- */

/* Starts a monitor line: "==> " for news about the evaluation itself,
 * four spaces for details, then the time. */
static void fmt_mon_line(struct buf *out, bool info, int64_t now)
{
	char tm[FMT_TIME_MAX];
	buf_appendf(out, "%s%s: ", info ? "==> " : "    ", fmt_time(now, tm));
}

/* Appends `"<first length chars of s>"`. */
static void fmt_mon_id(struct buf *out, const char *s, int length)
{
	char id[FMT_FULL_ID + 1];
	snprintf(id, sizeof id, "%.*s", length, s);
	fmt_quote(out, id);
}

static const json_t *fmt_find_alloc(const json_t *allocs, const char *id)
{
	for (size_t i = 0; i < json_array_size(allocs); i++) {
		const json_t *a = json_array_get(allocs, i);
		if (strcmp(fmt_jstr(a, "ID"), id) == 0)
			return a;
	}
	return NULL;
}

/* "Evaluation triggered by node/job", "within deployment": printed once,
 * when the field first has a value. */
static void fmt_mon_eval_fields(const json_t *prev, const json_t *eval,
                                int length, int64_t now, struct buf *out)
{
	if (!fmt_jstr(prev, "NodeID")[0] && fmt_jstr(eval, "NodeID")[0]) {
		fmt_mon_line(out, false, now);
		buf_append_str(out, "Evaluation triggered by node ");
		fmt_mon_id(out, fmt_jstr(eval, "NodeID"), length);
		buf_append_char(out, '\n');
	}
	if (!fmt_jstr(prev, "JobID")[0] && fmt_jstr(eval, "JobID")[0]) {
		fmt_mon_line(out, false, now);
		buf_append_str(out, "Evaluation triggered by job ");
		fmt_quote(out, fmt_jstr(eval, "JobID"));
		buf_append_char(out, '\n');
	}
	if (!fmt_jstr(prev, "DeploymentID")[0] &&
	    fmt_jstr(eval, "DeploymentID")[0]) {
		fmt_mon_line(out, false, now);
		buf_append_str(out, "Evaluation within deployment: ");
		fmt_mon_id(out, fmt_jstr(eval, "DeploymentID"), length);
		buf_append_char(out, '\n');
	}
}

/* A new allocation: "modified" when it predates the evaluation (placed by
 * an earlier one), "created" when this evaluation placed it to run. */
static void fmt_mon_new_alloc(const json_t *a, const json_t *eval, int length,
                              int64_t now, struct buf *out)
{
	const char *verb;
	if (fmt_jint(a, "CreateIndex") < fmt_jint(eval, "CreateIndex"))
		verb = "modified";
	else if (strcmp(fmt_jstr(a, "DesiredStatus"), "run") == 0)
		verb = "created";
	else
		return;
	fmt_mon_line(out, false, now);
	buf_append_str(out, "Allocation ");
	fmt_mon_id(out, fmt_jstr(a, "ID"), length);
	buf_appendf(out, " %s: node ", verb);
	fmt_mon_id(out, fmt_jstr(a, "NodeID"), length);
	buf_append_str(out, ", group ");
	fmt_quote(out, fmt_jstr(a, "TaskGroup"));
	buf_append_char(out, '\n');
}

static void fmt_mon_alloc_status(const json_t *old, const json_t *a, int length,
                                 int64_t now, struct buf *out)
{
	const char *desc = fmt_jstr(a, "ClientDescription");
	if (strcmp(fmt_jstr(old, "ClientStatus"),
	           fmt_jstr(a, "ClientStatus")) == 0)
		return;
	fmt_mon_line(out, false, now);
	buf_append_str(out, "Allocation ");
	fmt_mon_id(out, fmt_jstr(a, "ID"), length);
	buf_append_str(out, " status changed: ");
	fmt_quote(out, fmt_jstr(old, "ClientStatus"));
	buf_append_str(out, " -> ");
	fmt_quote(out, fmt_jstr(a, "ClientStatus"));
	if (desc[0] != '\0')
		buf_appendf(out, " (%s)", desc);
	buf_append_char(out, '\n');
}

void fmt_monitor_update(const json_t *prev_eval, const json_t *prev_allocs,
                        const json_t *eval, const json_t *allocs, int length,
                        int64_t now, struct buf *out)
{
	const char *old_status =
	    prev_eval ? fmt_jstr(prev_eval, "Status") : "pending";
	const char *status = fmt_jstr(eval, "Status");
	fmt_mon_eval_fields(prev_eval, eval, length, now, out);
	for (size_t i = 0; i < json_array_size(allocs); i++) {
		const json_t *a = json_array_get(allocs, i);
		const json_t *old =
		    fmt_find_alloc(prev_allocs, fmt_jstr(a, "ID"));
		if (old == NULL)
			fmt_mon_new_alloc(a, eval, length, now, out);
		else
			fmt_mon_alloc_status(old, a, length, now, out);
	}
	if (strcmp(status, "pending") != 0 && strcmp(old_status, status) != 0) {
		fmt_mon_line(out, false, now);
		buf_append_str(out, "Evaluation status changed: ");
		fmt_quote(out, old_status);
		buf_append_str(out, " -> ");
		fmt_quote(out, status);
		buf_append_char(out, '\n');
	}
}

bool fmt_eval_terminal(const json_t *eval)
{
	const char *s = fmt_jstr(eval, "Status");
	return strcmp(s, "complete") == 0 || strcmp(s, "failed") == 0 ||
	       strcmp(s, "canceled") == 0;
}

/* The failed groups of a finished evaluation, each line prefixed as the
 * monitor's detail lines are. */
static void fmt_mon_failures(const json_t *eval, int length, int64_t now,
                             struct buf *out)
{
	const json_t *failed = json_object_get(eval, "FailedTGAllocs");
	size_t n;
	const char **tgs = fmt_sorted_keys(failed, &n, out);
	for (size_t i = 0; i < n; i++) {
		struct buf m;
		buf_init(&m);
		fmt_mon_line(out, false, now);
		fmt_failed_tg(tgs[i], json_object_get(failed, tgs[i]), out);
		fmt_alloc_metrics(json_object_get(failed, tgs[i]), "  ", &m);
		if (m.len == 0)
			buf_append_char(out, '\n');
		fmt_indent(out, "    ", buf_cstr(&m));
		out->oom |= m.oom;
		buf_release(&m);
	}
	mem_free(tgs);
	if (fmt_jstr(eval, "BlockedEval")[0] == '\0')
		return;
	fmt_mon_line(out, false, now);
	buf_append_str(out, "Evaluation ");
	fmt_mon_id(out, fmt_jstr(eval, "BlockedEval"), length);
	buf_append_str(out, " waiting for additional capacity to place "
	                    "remainder\n");
}

bool fmt_monitor_finished(const json_t *eval, int length, int64_t now,
                          struct buf *out)
{
	bool failed =
	    json_object_size(json_object_get(eval, "FailedTGAllocs")) > 0;
	fmt_mon_line(out, true, now);
	buf_append_str(out, "Evaluation ");
	fmt_mon_id(out, fmt_jstr(eval, "ID"), length);
	buf_append_str(out, " finished with status ");
	fmt_quote(out, fmt_jstr(eval, "Status"));
	if (!failed) {
		buf_append_char(out, '\n');
		return false;
	}
	buf_append_str(out, " but failed to place all allocations:\n");
	fmt_mon_failures(eval, length, now, out);
	return true;
}

void fmt_monitor_deployment(const json_t *d, int length, int64_t now,
                            struct buf *out)
{
	const char *status = fmt_jstr(d, "Status");
	char tm[FMT_TIME_MAX];
	struct buf block;
	bool ok = strcmp(status, "successful") == 0;
	buf_appendf(out, "  %s Deployment ", ok ? "\xe2\x9c\x93" : "!");
	fmt_mon_id(out, fmt_jstr(d, "ID"), length);
	buf_appendf(out, " %s\n\n    %s\n", status, fmt_time(now, tm));
	buf_init(&block);
	fmt_deployment(d, length, true, &block);
	fmt_indent(out, "    ", buf_cstr(&block));
	out->oom |= block.oom;
	buf_release(&block);
}
