/* client/executor_int.h: what the driver side (client/drivers/) and the
 * executor process (client/executor.c) share: the spec file the executor
 * runs from, the rotating log writer and small /proc helpers. Not for other
 * folders.
 *
 * Start protocol on the executor's fd 3 (a pipe to driver_start):
 *   "executor <pid> <start_ticks>\n"      as soon as it runs
 *   "ok <pid> <start_ticks>\n"             the task runs (exec: its init)
 *   "err <message>\n"                      the task could not start
 * State files in the task's state_dir: spec.json (written by driver_start),
 * pid.json {"TaskPid","ExecutorPid","StartTicks","TaskStartTicks"} and
 * exit.json {"ExitCode","Signal","OOMKilled","Err"}, both written
 * atomically (tmp + rename) by the executor. */
#ifndef STEPPE_CLIENT_EXECUTOR_INT_H
#define STEPPE_CLIENT_EXECUTOR_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client/cgroup.h"
#include "lib/err.h"
#include "structs/value.h"

#define EXECUTOR_SPEC_FILE "spec.json"
#define EXECUTOR_EXIT_FILE "exit.json"
#define EXECUTOR_PID_FILE  "pid.json"
#define EXECUTOR_LOG_FILE  "executor.log"

/* Everything the executor needs; owned strings. */
struct executor_spec {
	char *driver, *alloc_id, *task_name;
	struct strlist argv; /* argv[0] is resolved by the executor */
	struct strlist env;  /* "K=V" */
	char *task_dir, *alloc_dir, *log_dir;
	char *work_dir; /* NULL: task dir (in the chroot "/") */
	char *user;     /* NULL: unchanged */
	bool isolate;   /* exec isolation: namespaces + chroot */
	bool pid_host, ipc_host;
	struct strmap chroot; /* host source -> path inside the task dir */
	char *cgroup;         /* relative cgroup path or NULL */
	struct cgroup_limits limits;
	int log_max_files;
	int64_t log_max_bytes;
};

void executor_spec_release(struct executor_spec *s);
/* New reference, NULL on oom. */
json_t *executor_spec_to_json(const struct executor_spec *s);
/* Fills *s (released on failure) or fails with ERR_DECODE naming the key. */
int executor_spec_from_json(const json_t *j, struct executor_spec *s,
                            struct err *e);

/* Writes data to path through path.tmp + rename (+ fsync). */
int executor_write_atomic(const char *path, const char *data, size_t len,
                          struct err *e);
/* The same for a JSON object (compact). */
int executor_write_json(const char *path, const json_t *j, struct err *e);

/* /proc/<pid>/stat: state letter and start time (field 22). 0 or -1 when
 * the process does not exist. pid 0 reads /proc/self. */
int executor_proc_stat(pid_t pid, char *state, uint64_t *start_ticks,
                       pid_t *pgid);

/* ---- rotating log files ------------------------------------------------- */

/* <dir>/<task>.<stream>.N: appends to the highest existing index, starts
 * the next file once max_bytes are written and keeps at most max_files. */
struct executor_log {
	char *dir;
	char *prefix; /* "<task>.<stream>." */
	int index;
	int fd;
	int64_t size;
	int max_files;
	int64_t max_bytes;
};

int executor_log_open(struct executor_log *l, const char *dir, const char *task,
                      const char *stream, int max_files, int64_t max_bytes,
                      struct err *e);
/* Writes all of data, rotating as needed. 0 or an errno value. */
int executor_log_write(struct executor_log *l, const char *data, size_t n);
void executor_log_close(struct executor_log *l);

#endif
