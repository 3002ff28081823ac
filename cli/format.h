/* cli/format.h: Nomad's CLI output conventions as pure functions.
 *
 * Aligned tables and key/value blocks (Nomad's columnize: columns padded to
 * their widest cell, glue "  " or " = ", empty cells "<none>"), times as
 * Nomad prints them (RFC 3339 in the local zone, "5m ago" in tables), ID
 * truncation and prefix handling, and the text of each remote command built
 * from the HTTP API's JSON objects. Nothing here does I/O: JSON comes in,
 * text is appended to a struct buf (every line ends with "\n"), and the
 * current time is an argument. JSON readers are tolerant: a missing or
 * mistyped field reads as "", 0 or false, as Go decodes it. */
#ifndef STEPPE_CLI_FORMAT_H
#define STEPPE_CLI_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* How many characters of a UUID to show: Nomad's shortId and fullId. */
#define FMT_SHORT_ID 8
#define FMT_FULL_ID  36

/* Room for any time or duration string these functions produce. */
#define FMT_TIME_MAX 48

/* ---- tables ----------------------------------------------------------- */

/* Rows of cells, row-major, ncols per row. Value type: fmt_table_init /
 * fmt_table_release. Adds never fail loudly: on allocation failure `oom`
 * is set and fmt_table_render appends nothing but sets out->oom. */
struct fmt_table {
	size_t ncols;
	char **cells;
	size_t n;
	size_t cap;
	bool oom;
};

void fmt_table_init(struct fmt_table *t, size_t ncols);
void fmt_table_release(struct fmt_table *t);
/* Appends the next cell (NULL is empty). Leading and trailing white space
 * is trimmed, as columnize does. */
void fmt_table_add(struct fmt_table *t, const char *cell);
void fmt_table_addf(struct fmt_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends the rows: each column but the last padded (by UTF-8 characters)
 * to its widest cell, then glue; empty cells print as `empty`. */
void fmt_table_render(const struct fmt_table *t, const char *glue,
                      const char *empty, struct buf *out);
/* Nomad's formatList: glue "  ", empty "<none>". */
void fmt_table_list(const struct fmt_table *t, struct buf *out);
/* Nomad's formatKV: glue " = ", empty "<none>". */
void fmt_table_kv(const struct fmt_table *t, struct buf *out);

/* ---- scalars ---------------------------------------------------------- */

/* Nomad's formatTime: "2006-01-02T15:04:05Z07:00" in the local zone ("Z"
 * for UTC); "" for times before 1970-01-01T00:00:01Z (the zero time).
 * Returns out. */
const char *fmt_time(int64_t ns, char out[FMT_TIME_MAX]);
/* Nomad's prettyTimeDiff between then and now, both rounded to the
 * second: the two largest non-zero units of y, mo (30 d), d, h, m, s, then
 * " ago" or " from now" ("5m ago", "1h3m ago", "0s ago"); "" when then is
 * 0. Returns out. */
const char *fmt_ago(int64_t then_ns, int64_t now_ns, char out[FMT_TIME_MAX]);
/* An RFC 3339 string (as in Deployment RequireProgressBy, Evaluation
 * WaitUntil) as fmt_time prints it; "" when unparsable or zero. */
const char *fmt_time_str(const char *rfc3339, char out[FMT_TIME_MAX]);
/* Go's time.Duration String() of ns ("5s", "1m30s"). Returns out. */
const char *fmt_duration(int64_t ns, char out[FMT_TIME_MAX]);
/* Nomad's sanitizeUUIDPrefix, in place: drops the last character when
 * the prefix has an odd number of non-hyphen characters, because the
 * servers look UUID prefixes up by whole bytes. */
void fmt_uuid_prefix(char *prefix);
/* Appends Go's "%q" of s: double quotes, with \" \\ \n \t and control
 * characters escaped. */
void fmt_quote(struct buf *out, const char *s);

/* ---- JSON readers ----------------------------------------------------- */

/* o[key] as a string; "" when o is not an object, key is missing or the
 * value is not a string. Never NULL. */
const char *fmt_jstr(const json_t *o, const char *key);
/* o[key] as an integer (a real is truncated); 0 otherwise. */
int64_t fmt_jint(const json_t *o, const char *key);
/* o[key] as a bool; false otherwise. */
bool fmt_jbool(const json_t *o, const char *key);
/* Appends j as Nomad's -json output does: 4-space indent, keys in the
 * order received, then "\n". Returns 0, or -1 on oom (out->oom set). */
int fmt_json(const json_t *j, struct buf *out);

/* ---- servers and Raft ---------------------------------------------- */

/* True when the member (an /v1/agent/members Members entry) is its
 * region's leader: Addr joined with its "port" tag equals leaders[region]
 * (leaders: object region -> "ip:port" from /v1/status/leader). */
bool fmt_member_is_leader(const json_t *member, const json_t *leaders);
/* Sorts an array of members in place by region, datacenter and name, as
 * Nomad orders them. Returns 0, or -1 on oom (the array is unchanged). */
int fmt_sort_members(json_t *members);
/* `server members`: Members sorted by region, datacenter and name;
 * columns Name Address Port Status Leader Raft Version Build Datacenter
 * Region, -verbose adding Protocol and Tags. */
void fmt_server_members(const json_t *members, const json_t *leaders,
                        bool verbose, struct buf *out);
/* `operator raft list-peers` from /v1/operator/raft/configuration:
 * Servers sorted by Node; columns Node ID Address State Voter
 * RaftProtocol. */
void fmt_raft_peers(const json_t *config, struct buf *out);

/* ---- jobs ------------------------------------------------------------- */

/* `job status` without an ID from []JobListStub: "ID Type Priority Status
 * Submit Date" (Namespace after ID when all_ns), or "No running jobs". */
void fmt_job_list(const json_t *stubs, bool all_ns, struct buf *out);

/* Everything `job status ID` shows. Only job is required; the others may
 * be NULL (not fetched, or the server lacks the endpoint). */
struct fmt_job_status {
	const json_t *job;        /* Job */
	const json_t *summary;    /* JobSummary; NULL: counted from allocs */
	const json_t *allocs;     /* []AllocListStub */
	const json_t *evals;      /* []Evaluation */
	const json_t *deployment; /* latest Deployment, or NULL/null */
	const json_t *children;   /* []JobListStub: periodic/dispatched */
	bool verbose;             /* full IDs, exact times, evals table */
	bool show_evals;          /* -evals */
	bool short_only;          /* -short: the key/value block only */
	int64_t now;
};
void fmt_job_status(const struct fmt_job_status *in, struct buf *out);

/* `job history` from the Versions of /v1/job/:id/versions: a "Version /
 * Stable / Submit Date" block per version, blank lines between. */
void fmt_job_versions(const json_t *versions, struct buf *out);

/* The Latest Deployment block of `job status` (with_job false: ID, Status,
 * Description) or of a deployment monitor (with_job true: adds Job ID and
 * Job Version), then the "Deployed" task group table. "No deployment
 * found" for NULL. */
void fmt_deployment(const json_t *d, int length, bool with_job,
                    struct buf *out);

/* An allocation table from []AllocListStub ("No allocations placed" when
 * empty). verbose: full columns with Eval ID and Node Name and exact
 * times; otherwise relative times. */
void fmt_alloc_stubs(const json_t *allocs, bool verbose, int length,
                     int64_t now, struct buf *out);

/* The placement-failure explanation of an AllocMetric, one line per
 * reason, each starting with prefix ("  * Resources exhausted on 1
 * nodes"). */
void fmt_alloc_metrics(const json_t *metric, const char *prefix,
                       struct buf *out);

/* ---- evaluations ------------------------------------------------------ */

/* `eval list` table from []Evaluation: ID Priority Triggered By Job ID
 * Namespace Node ID Status Placement Failures. */
void fmt_eval_list(const json_t *evals, bool verbose, struct buf *out);
/* `eval status ID`: the key/value block, then Placed Allocations (allocs
 * may be NULL) and Failed Placements. */
void fmt_eval_status(const json_t *eval, const json_t *allocs, bool verbose,
                     int64_t now, struct buf *out);

/* ---- the evaluation monitor (job run, job stop, eval status -monitor) - */

/* Lines for what changed between two polls of one evaluation: prev_eval
 * and prev_allocs are the previous poll (NULL before the first), eval and
 * allocs ([]AllocListStub of this evaluation) the new one. Lines start
 * with 4 spaces and the time. */
void fmt_monitor_update(const json_t *prev_eval, const json_t *prev_allocs,
                        const json_t *eval, const json_t *allocs, int length,
                        int64_t now, struct buf *out);
/* True when the evaluation's Status is complete, failed or canceled. */
bool fmt_eval_terminal(const json_t *eval);
/* The "==> ...: Evaluation "x" finished with status "complete"" line of a
 * terminal evaluation, with the placement failures when there were some.
 * Returns true when allocations failed to place. */
bool fmt_monitor_finished(const json_t *eval, int length, int64_t now,
                          struct buf *out);
/* The end of a deployment watch: "  ✓ Deployment "x" successful" (or
 * "! ..." when it did not succeed), a blank line, then the time and the
 * deployment block indented by 4. */
void fmt_monitor_deployment(const json_t *d, int length, int64_t now,
                            struct buf *out);

#endif
