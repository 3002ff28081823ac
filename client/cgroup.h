/* client/cgroup.h: the cgroups of exec-isolated tasks, v1 or v2.
 *
 * A task's cgroup is a path relative to each hierarchy's root,
 * "<parent>/<alloc_id>.<task>". On v1 it exists in every mounted
 * controller of memory, cpu, cpuacct and pids (memory is required); on v2
 * (/sys/fs/cgroup is a cgroup2 mount whose cgroup.controllers lists memory)
 * it is one directory. Detection reads /proc/self/mountinfo; nothing is
 * assumed. All functions are blocking file-system calls and thread-safe. */
#ifndef STEPPE_CLIENT_CGROUP_H
#define STEPPE_CLIENT_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

enum cgroup_ctl {
	CGROUP_MEMORY,
	CGROUP_CPU,
	CGROUP_CPUACCT,
	CGROUP_PIDS,
	CGROUP_NCTL
};

struct cgroup_sys {
	int version;                  /* 0 = unusable, 1, 2 */
	char mount[CGROUP_NCTL][256]; /* v1: per controller, "" if absent */
	char root[256];               /* v2: the unified mount */
	char why[128];                /* when version == 0 */
};

struct cgroup_limits {
	int64_t memory_bytes;      /* hard limit; 0 = none */
	int64_t memory_soft_bytes; /* soft limit; 0 = none */
	int64_t cpu_shares; /* v1 cpu.shares; v2 weight derived; 0 = none */
};

/* Finds the hierarchies. Always fills *s; s->version is 0 with a reason in
 * s->why ("Failed to discover cgroup mount point") when no memory
 * controller is usable. */
void cgroup_detect(struct cgroup_sys *s);

/* Builds "<parent>/<alloc>.<task>" into out (parent NULL = "steppe",
 * leading '/' dropped; '/' in names become '_'). ERR_INVAL when it does
 * not fit or parent holds "..". */
int cgroup_path(const char *parent, const char *alloc_id, const char *task,
                char *out, size_t size, struct err *e);

/* Creates rel in every hierarchy and writes the limits. */
int cgroup_create(const struct cgroup_sys *s, const char *rel,
                  const struct cgroup_limits *l, struct err *e);

/* Moves pid into rel (every hierarchy). */
int cgroup_join(const struct cgroup_sys *s, const char *rel, pid_t pid,
                struct err *e);

/* True when the kernel OOM-killed a process of rel (v1 memory.oom_control
 * oom_kill, v2 memory.events oom_kill). *maybe is set when only
 * memory.failcnt shows the limit was hit (older v1 kernels). */
bool cgroup_oom_killed(const struct cgroup_sys *s, const char *rel,
                       bool *maybe);

/* SIGKILLs every process in rel once (no waiting). */
void cgroup_kill(const struct cgroup_sys *s, const char *rel);

/* SIGKILLs every process left in rel, waits (bounded, 2 s) until none is
 * left and removes the directories. Missing directories are fine. */
void cgroup_destroy(const struct cgroup_sys *s, const char *rel);

/* Memory in use (v1 rss + mapped_file...; v2 anon + file) and CPU time in
 * clock ticks. ERR_NOTFOUND when rel does not exist. */
int cgroup_stats(const struct cgroup_sys *s, const char *rel,
                 uint64_t *rss_bytes, uint64_t *cpu_ticks);

#endif
