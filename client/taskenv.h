/* client/taskenv.h: the environment Nomad gives a task, and ${...}
 * interpolation of task fields at run time (Nomad's client/taskenv).
 *
 * taskenv_build computes, from the allocation, task and node:
 *   NOMAD_ALLOC_DIR, NOMAD_TASK_DIR, NOMAD_SECRETS_DIR   (/alloc, /local,
 *       /secrets when chroot; host paths otherwise)
 *   NOMAD_CPU_LIMIT, NOMAD_CPU_CORES (reserved cores only),
 *   NOMAD_MEMORY_LIMIT, NOMAD_MEMORY_MAX_LIMIT (when set)
 *   NOMAD_ALLOC_ID, NOMAD_SHORT_ALLOC_ID, NOMAD_ALLOC_NAME,
 *   NOMAD_ALLOC_INDEX, NOMAD_GROUP_NAME, NOMAD_TASK_NAME, NOMAD_JOB_ID,
 *   NOMAD_JOB_NAME, NOMAD_JOB_PARENT_ID (when any), NOMAD_DC,
 *   NOMAD_PARENT_CGROUP (when the node has one), NOMAD_NAMESPACE,
 *   NOMAD_REGION
 *   per port label L of the group network (AllocatedResources.Shared):
 *     NOMAD_IP_L, NOMAD_HOST_IP_L (host IP), NOMAD_PORT_L and
 *     NOMAD_ALLOC_PORT_L (To when mapped, else the host port),
 *     NOMAD_HOST_PORT_L, NOMAD_ADDR_L and NOMAD_HOST_ADDR_L (host
 *     ip:port, IPv6 bracketed); with a network namespace address
 *     (Allocation.NetworkStatus) also NOMAD_ALLOC_INTERFACE_L,
 *     NOMAD_ALLOC_IP_L, NOMAD_ALLOC_ADDR_L (namespace ip:To)
 *   per port of a legacy task network: NOMAD_IP_L, NOMAD_IPv4_L /
 *     NOMAD_IPv6_L, NOMAD_PORT_L, NOMAD_HOST_PORT_L, NOMAD_ADDR_L; and
 *     for other tasks' ports NOMAD_{ADDR,IP,PORT}_<task>_L
 *   NOMAD_META_<key> and NOMAD_META_<KEY> (job, then group, then task
 *     meta; a dispatched job's optional meta defaults to "")
 *   PATH (a default, unless the task sets it): the agent's own
 *     environment is NOT passed to tasks
 *   the task's env block, each value interpolated against the above
 *   extra_env verbatim (template env files, workload tokens)
 * Keys starting NOMAD_ADDR_, NOMAD_IP_, NOMAD_PORT_, NOMAD_HOST_PORT_ or
 * NOMAD_META_ have characters other than [A-Za-z0-9_.] replaced by '_',
 * as Nomad does.
 *
 * Interpolation (Nomad's args.ReplaceEnv): every `${NAME}` whose NAME is
 * made of [A-Za-z0-9_.-] is replaced by, in order, the task environment's
 * NAME or the node value: attr.<attribute>, meta.<node meta>,
 * node.unique.id, node.unique.name, node.datacenter, node.region,
 * node.class, node.pool (also node.attr.X / node.meta.X). `${env["NAME"]}`
 * reads the environment only. Anything else, or an unknown name, is left
 * as written. There is no escape at run time (Nomad has none either: the
 * job file parser already turned `$${` into `${`).
 *
 * A taskenv is a value type: zero it, taskenv_build, taskenv_release.
 * After build it is read-only, so any thread may read it. */
#ifndef STEPPE_CLIENT_TASKENV_H
#define STEPPE_CLIENT_TASKENV_H

#include <stdbool.h>

#include "lib/err.h"
#include "structs/alloc.h"
#include "structs/node.h"
#include "structs/value.h"

/* The PATH a task gets when its env block sets none. */
#define TASKENV_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct taskenv_input {
	const struct allocation *alloc; /* with its Job attached */
	const struct task *task;        /* a task of alloc's group */
	const struct node *node;        /* attr., meta., node.* lookups */
	const char *region;             /* NULL/"": the job's region */
	/* Host paths: the allocation's directory "<alloc_root>/<alloc_id>"
	 * and the task's "<alloc_dir>/<task>". */
	const char *alloc_dir;
	const char *task_dir;
	/* exec / java isolation: the task sees /alloc, /local, /secrets. */
	bool chroot;
	/* Set last, verbatim (may be NULL). */
	const struct strmap *extra_env;
};

struct taskenv {
	struct strmap env;        /* what the task gets, sorted by key */
	struct strmap host_env;   /* the same with host directory paths */
	struct strmap node_attrs; /* attr.X, meta.X, node.unique.id, ... */
	char *alloc_dir;          /* host "<alloc_dir>/alloc" */
	char *task_dir;           /* host task dir */
};

/* Builds out (zeroed or released) from in. Errors: ERR_INVAL when the
 * allocation has no job, or the task or paths are missing (named);
 * ERR_NOMEM. On error out is released. */
int taskenv_build(const struct taskenv_input *in, struct taskenv *out,
                  struct err *e);
/* Frees what env holds and zeroes it (a zeroed env is fine). */
void taskenv_release(struct taskenv *env);

/* The value of an environment variable of the task, or NULL. */
const char *taskenv_get(const struct taskenv *env, const char *name);

/* Interpolates in (see the top of this file) into *out (mem_malloc'd,
 * caller frees). NULL in gives "". Errors: ERR_NOMEM. */
int taskenv_interpolate(const struct taskenv *env, const char *in, char **out,
                        struct err *e);
/* The same, with the host's directory paths for NOMAD_ALLOC_DIR,
 * NOMAD_TASK_DIR and NOMAD_SECRETS_DIR (Nomad's client-side paths: an
 * artifact or template destination). */
int taskenv_interpolate_host(const struct taskenv *env, const char *in,
                             char **out, struct err *e);
/* Deep-copies in into a zeroed out, interpolating every string value (map
 * keys are kept). On error out is released. */
int taskenv_interpolate_value(const struct taskenv *env, const struct value *in,
                              struct value *out, struct err *e);

/* The environment as a NULL-terminated, key-sorted "K=V" array in one
 * allocation: free it with taskenv_envp_free. NULL on oom. */
char **taskenv_envp(const struct taskenv *env);
void taskenv_envp_free(char **envp);

#endif
