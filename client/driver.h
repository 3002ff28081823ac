/* client/driver.h: the task drivers raw_exec, exec and java.
 *
 * Every task runs under a small executor process: the steppe binary itself
 * re-executed as `steppe executor STATE_DIR/spec.json` (client/executor.c).
 * The executor starts its own session, so it outlives the agent; a
 * restarted agent finds it again from the persisted drv_handle ("reattach").
 * It starts the task (raw: own process group; exec: PID, mount, IPC and UTS
 * namespaces, a chroot built from bind mounts, cgroup limits), copies the
 * task's stdout/stderr into rotating files <log_dir>/<task>.stdout.N, waits
 * for the task, and writes STATE_DIR/exit.json before it exits.
 *
 * The executor is started through a double fork, so it is never the agent's
 * child. Without a subreaper its exit is reaped by PID 1; an agent that sets
 * PR_SET_CHILD_SUBREAPER gets executors re-parented to itself, and
 * driver_exit_result reaps them.
 *
 * With exec isolation the task's handle pid is its PID namespace's init (a
 * small part of the executor that forks the task, forwards every signal to
 * the task's process group and reaps orphans; the task is PID 2). When the
 * init dies (e.g. SIGKILL) the kernel kills the whole namespace.
 *
 * Thread-safety: driver_start, driver_fingerprint may block and are called
 * from pool threads; all other functions are cheap and re-entrant. */
#ifndef STEPPE_CLIENT_DRIVER_H
#define STEPPE_CLIENT_DRIVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "structs/value.h"

struct drv_task { /* all strings borrowed */
	const char *alloc_id, *task_name,
	    *driver; /* "raw_exec" | "exec" | "java" */
	const char
	    *alloc_dir; /* <alloc_root>/<alloc_id> (holds alloc/, <task>/) */
	const char
	    *task_dir; /* <alloc_dir>/<task>: local/, secrets/, tmp/ exist */
	const char *state_dir; /* private dir: spec.json, exit.json, pid.json */
	const char *log_dir;   /* <alloc_dir>/alloc/logs (exists) */
	const struct value *config; /* task driver config, interpolated */
	char *const *env; /* NULL-terminated "K=V": the complete environment */
	const char *user; /* NULL = unchanged */
	int64_t cpu_mhz, memory_mb, memory_max_mb;
	int log_max_files;
	int64_t log_max_file_size_mb;    /* 0 = Nomad defaults 10 / 10 */
	const char *cgroup_parent;       /* NULL = "steppe" */
	const struct strmap *chroot_env; /* src -> dst; NULL = default */
};

/* A plain value: the client persists it (driver_handle_to_json) to find a
 * running task again after its own restart. */
struct drv_handle {
	char driver[16];
	int pid; /* raw: the task (and its process group); exec: the PID
	            namespace's init, host pid */
	int executor_pid;
	uint64_t executor_start_ticks; /* /proc/<pid>/stat field 22 */
	uint64_t task_start_ticks;     /* the same for pid */
	char state_dir[4096];
	char cgroup[256]; /* relative cgroup path ("steppe/<alloc>.<task>") or
	                     "" */
	bool isolated;    /* exec isolation (exec, and java when possible) */
};

struct drv_exit {
	int exit_code;
	int signal;
	bool oom_killed;
	char err[256];
};

struct drv_fingerprint {
	bool detected, healthy;
	char health_desc[128];
	/* "driver.<name>" -> "1" when detected and healthy, plus driver
	 * specific ones ("driver.java.version" -> "17.0.15"). */
	struct strmap attrs;
};

/* The binary run as `<path> executor SPEC`. Default: /proc/self/exe read at
 * start time. Call before any driver_start (not synchronised). */
void driver_set_executor_path(const char *path);

/* "raw_exec", "exec" or "java". */
bool driver_known(const char *name);

/* Detects a driver (blocking: java forks `java -version`; call from a pool
 * thread). plugin_config is the agent's plugin "<name>" { config {...} }
 * map or NULL; raw_exec reads `enabled` (default true). Fills *out (release
 * with driver_fingerprint_release) and returns 0, or ERR_NOTFOUND for an
 * unknown driver, ERR_NOMEM. */
int driver_fingerprint(const char *name, const struct value *plugin_config,
                       struct drv_fingerprint *out);
void driver_fingerprint_release(struct drv_fingerprint *f);

/* Checks a task's driver config; every problem is reported, each naming
 * its field ("config.command: missing required field"). Pure, no I/O.
 * Returns 0, ERR_VALIDATE or ERR_NOTFOUND (unknown driver). */
int driver_validate(const char *name, const struct value *config,
                    struct err *e);

/* Starts t through a new executor and fills *h. Blocking (fork/exec, then
 * waits up to 10 s for the executor's start report): call from a pool
 * thread; thread-safe. A start failure returns an error whose message
 * carries the OS error: `failed to start task: exec "/no/such": no such
 * file or directory`. */
int driver_start(const struct drv_task *t, struct drv_handle *h, struct err *e);

/* Sends sig to the task: raw its process group, exec the namespace init
 * (which forwards it; SIGKILL kills the namespace). A task that is gone is
 * not an error. Returns 0 or ERR_INVAL / ERR_DENIED. */
int driver_signal(const struct drv_handle *h, int sig);

/* True while the executor runs and is the same process (start ticks). */
bool driver_alive(const struct drv_handle *h);

/* A pidfd for the executor (readable once it exits) for uv_poll; the caller
 * closes it. -1 with errno (ESRCH) when the executor is gone already. */
int driver_wait_fd(const struct drv_handle *h);

/* After the executor is gone: reads exit.json into *x. When it is missing
 * (the executor was killed) x->err is "executor exited without a result",
 * exit_code -1, and 0 is still returned. Returns ERR_DECODE for a corrupt
 * file. Reaps the executor when it is our child. */
int driver_exit_result(const struct drv_handle *h, struct drv_exit *x);

/* Removes leftovers after the executor is gone: kills what is left of the
 * task (cgroup members; raw: its process group when the pid is still the
 * task's) and removes the cgroup directories. */
void driver_cleanup(const struct drv_handle *h);

/* Handle codec for the client's state file. to_json returns a new
 * reference (NULL on oom); from_json fills *h or fails with ERR_DECODE
 * naming the field. */
json_t *driver_handle_to_json(const struct drv_handle *h);
int driver_handle_from_json(const json_t *j, struct drv_handle *h,
                            struct err *e);

/* Current memory (RSS bytes) and CPU time (clock ticks, user + system) of
 * the task: its cgroup, or its process group. Returns 0 or ERR_NOTFOUND. */
int driver_stats(const struct drv_handle *h, uint64_t *rss_bytes,
                 uint64_t *cpu_ticks);

/* Entry point of `steppe executor SPEC` (dispatched from cli/); argv[0] is
 * "executor". Expects the start-report pipe on fd 3. Returns the process
 * exit code. */
int executor_main(int argc, char **argv);

#endif
