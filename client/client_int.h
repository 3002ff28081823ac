/* client/client_int.h: what client.c, allocrunner.c, taskrunner.c and
 * cstate.c share. Not for other folders. */
#ifndef STEPPE_CLIENT_CLIENT_INT_H
#define STEPPE_CLIENT_CLIENT_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "client/client.h"
#include "client/driver.h"
#include "client/taskenv.h"
#include "lib/mem.h"
#include "structs/alloc.h"
#include "structs/node.h"

#define HASH_NONFATAL_OOM    1
#define uthash_malloc(sz)    mem_malloc(sz)
#define uthash_free(ptr, sz) mem_free(ptr)
#include <uthash.h>

struct allocrunner;

/* Task runner lifecycle (STYLE 5: a table of allowed moves in
 * taskrunner.c checks every transition). */
enum tr_state {
	TR_PENDING,  /* created, not started */
	TR_PRESTART, /* building the environment, fetching artifacts */
	TR_STARTING, /* driver_start running on the pool */
	TR_RUNNING,  /* the executor is alive */
	TR_WAITING,  /* between an exit and the restart (delay timer) */
	TR_KILLING,  /* kill_signal sent, SIGKILL after kill_timeout */
	TR_DEAD,     /* final */
	TR__COUNT
};

struct taskrunner {
	struct allocrunner *ar;
	const struct task *task; /* inside ar->alloc->job */
	char name[128];
	enum tr_state st;
	struct task_state state; /* Nomad's TaskState, reported upward */
	struct drv_handle handle;
	bool has_handle;
	int pidfd;
	uv_poll_t poll;
	bool polling;
	uv_timer_t timer;
	bool timer_open;
	uv_work_t work;
	bool work_busy;  /* a pool job holds this runner */
	bool kill_asked; /* stop wanted while work was busy */
	bool restart_asked;
	bool failed_start; /* the last start attempt failed */
	char *kill_reason;
	/* Restart tracker: attempts in the current interval. */
	int64_t interval_start_ns;
	int64_t attempts;
	/* Result of a pool job. */
	int work_rc;
	struct err work_err;
	struct taskenv env;
	bool env_ready;
	bool closing;
	unsigned closing_left; /* handles still closing */
	bool poll_counted;
};

struct allocrunner {
	UT_hash_handle hh;
	struct client *c;
	char id[48];
	struct allocation *alloc; /* owned; Job attached */
	struct taskrunner *tasks;
	size_t ntasks;
	char dir[PATH_MAX + 64];
	char *client_status;
	char *client_desc;
	bool dirty;             /* a status change not yet sent */
	bool stopping;          /* desired stop: tasks are being killed */
	bool gone;              /* the servers forgot it: destroy when dead */
	bool destroying;        /* handles closing */
	int64_t terminal_at_ns; /* when every task became dead */
	unsigned pending_closes;
};

struct client {
	uv_loop_t *loop;
	struct rpc_pool *pool;
	const struct agent_config *agent;
	char *http_addr;
	char *executor_path;
	char state_dir[PATH_MAX];
	char alloc_root[PATH_MAX];
	char node_id[48];
	char secret_id[48];
	struct node node; /* the registration */
	char **servers;
	size_t nservers, next_server;
	struct allocrunner *runners;
	bool fingerprinted, registered, stopping;
	/* The next pull is a consistent read (the leader's state): the
	 * first after a registration, which a lagging server may not have
	 * applied yet (Nomad's client does the same). */
	bool pull_consistent;
	uint64_t alloc_index; /* of the last pull whose allocations came */
	/* The pull being followed by Alloc.GetAllocs: its index and the
	 * allocations asked for (client_got_allocs checks all came). */
	uint64_t fetch_index;
	struct strlist fetching;
	uv_timer_t hb_timer, update_timer, gc_timer, retry_timer;
	uv_work_t fp_work;
	bool fp_busy;
	int64_t ttl_ns;
	unsigned inflight; /* RPCs not yet answered */
	unsigned updates_inflight;
	int64_t gc_max_age_ns;
	int64_t gc_max_allocs;
	int64_t max_kill_timeout_ns;
	void (*stop_cb)(void *data);
	void *stop_data;
	unsigned closing_handles;
};

/* ---- client.c ------------------------------------------------------------ */
/* Marks ar's status changed: the next update batch carries it. */
void client_alloc_dirty(struct client *c, struct allocrunner *ar);
/* Called by a runner when it has finished closing (after destroy). */
void client_runner_closed(struct client *c, struct allocrunner *ar);
/* The chosen server, rotating on failures. */
const char *client_server(struct client *c);

/* ---- allocrunner.c ------------------------------------------------------- */
/* Creates a runner for alloc (taken) and starts its tasks, or, when saved
 * is set, restores the saved task states and adopts live tasks. */
int allocrunner_create(struct client *c, struct allocation *alloc,
                       const json_t *saved, struct allocrunner **out,
                       struct err *e);
/* A newer version of the allocation from the servers (taken). */
void allocrunner_update(struct allocrunner *ar, struct allocation *alloc);
/* The servers no longer list it: stop what runs, then destroy. */
void allocrunner_forget(struct allocrunner *ar);
/* Stops watching without killing (agent stopping). */
void allocrunner_close(struct allocrunner *ar);
/* A task runner changed state: recompute the client status, persist. */
void allocrunner_task_changed(struct allocrunner *ar);
/* Removes the directory and state of a dead allocation, then closes. */
void allocrunner_destroy(struct allocrunner *ar);
bool allocrunner_terminal(const struct allocrunner *ar);
void allocrunner_free(struct allocrunner *ar);
/* A task runner finished closing its handles. */
void allocrunner_tr_closed(struct allocrunner *ar);
/* Saves the allocation and task states under the state dir. */
void allocrunner_save(struct allocrunner *ar);

/* ---- taskrunner.c -------------------------------------------------------- */
void taskrunner_init(struct taskrunner *tr, struct allocrunner *ar,
                     const struct task *task);
void taskrunner_start(struct taskrunner *tr);
/* Adopts a saved task: its handle (when alive) or its exit. */
void taskrunner_restore(struct taskrunner *tr, const json_t *saved);
void taskrunner_kill(struct taskrunner *tr, const char *reason);
void taskrunner_restart(struct taskrunner *tr);
/* Closes handles without touching the task; closed_cb counts down. */
void taskrunner_close(struct taskrunner *tr);
void taskrunner_release(struct taskrunner *tr);
bool taskrunner_dead(const struct taskrunner *tr);
json_t *taskrunner_save(const struct taskrunner *tr);
/* Appends a task event with Nomad's type and display message. */
void taskrunner_event(struct taskrunner *tr, const char *type,
                      const char *display, const char *key, const char *val);
const char *tr_state_name(enum tr_state s);

#endif
