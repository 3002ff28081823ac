/* scheduler/reconcile_int.h: what the reconciler's files share.
 *
 * One group is reconciled at a time over an array of entries, one per
 * allocation of the group, sorted by name index then ID. Nomad's
 * allocation sets (untainted, migrate, lost, reschedule now/later) are
 * flags on the entries, so set operations are flag tests. */
#ifndef STEPPE_SCHEDULER_RECONCILE_INT_H
#define STEPPE_SCHEDULER_RECONCILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/reconcile.h"

/* Entry flags: the first three are exclusive (an entry with none of them
 * and no NOW is ignored). NOW and LATER come from the reschedule filter;
 * STOP marks an entry computeStop removed; the update kinds come from
 * the update callback; DONE marks the entries of a group already
 * reconciled. */
#define RC_UNTAINTED 0x01u
#define RC_MIGRATE   0x02u
#define RC_LOST      0x04u
#define RC_NOW       0x08u
#define RC_LATER     0x10u
#define RC_STOP      0x20u
#define RC_INPLACE   0x40u
#define RC_DESTRUCT  0x80u
#define RC_DONE      0x100u /* its group was reconciled */

struct rc_entry {
	const struct allocation *a;
	unsigned idx;       /* name index; 0 when the name has none */
	unsigned flags;     /* RC_* */
	int64_t resched_at; /* RC_LATER: when it may be rescheduled */
};

/* The allocations' used name indexes (Nomad's AllocNameIndex): sorted
 * slots, each index once, with `set` as Nomad's bitmap bit and `dup` the
 * extra allocations holding the same index. */
struct rc_slot {
	unsigned idx;
	bool set;
	unsigned dup;
};

struct rc_names {
	struct rc_slot *v;
	size_t n;
	size_t cap;
	unsigned count; /* the group count: Next picks in [0, count) */
};

/* A result with its vectors' capacities. */
struct rc_result {
	struct reconcile_result pub;
	size_t cap_place, cap_stop, cap_inplace, cap_destructive;
	size_t cap_followup, cap_groups;
};

/* The state of one reconcile_compute call. */
struct rc_ctx {
	const struct reconcile_input *in;
	const struct reconcile_node **tainted; /* sorted by node_id */
	struct rc_result *res;
	const char *job_id;
};

/* One group being reconciled. */
struct rc_group {
	const char *name;
	const struct task_group *tg; /* NULL: removed from the job */
	struct rc_entry *e;
	size_t n;
	struct reconcile_desired *d;
};

/* ---- reconcile_names.c ---- */

/* Builds the index from the entries whose flags intersect mask. 0 or
 * ERR_NOMEM (names is then empty). */
int rc_names_init(struct rc_names *names, unsigned count,
                  const struct rc_entry *e, size_t n, unsigned mask);
void rc_names_release(struct rc_names *names);
/* Takes up to k highest used indexes out of the index, highest first,
 * into out[k]; returns how many. */
size_t rc_names_highest(struct rc_names *names, size_t k, unsigned *out);
/* Marks idx unused (or drops one duplicate of it). */
void rc_names_unset(struct rc_names *names, unsigned idx);
/* Picks k indexes for new allocations into out[k], marking them used:
 * free ones in [0, count) lowest first, then from 0 again. 0 or
 * ERR_NOMEM. */
int rc_names_next(struct rc_names *names, size_t k, unsigned *out);

/* ---- reconcile_result.c ---- */

int rc_result_new(struct rc_result **out);
/* Appends copies; a place's name is formatted here. 0 or ERR_NOMEM. */
int rc_add_place(struct rc_ctx *c, const struct task_group *tg, unsigned idx,
                 const struct allocation *previous, unsigned how);
int rc_add_stop(struct rc_ctx *c, const struct allocation *a,
                const char *client_status, const char *description);
int rc_add_update(struct rc_ctx *c, bool inplace, const struct allocation *a,
                  const struct task_group *tg);
int rc_add_followup(struct rc_ctx *c, const char *group, int64_t wait_until,
                    bool first, const struct allocation **allocs, size_t n);
/* Appends a zeroed group entry and returns its counters (NULL on oom). */
struct reconcile_desired *rc_add_group(struct rc_ctx *c, const char *name);
/* Drops placements from index `keep` on (frees their names). */
void rc_truncate_place(struct rc_ctx *c, size_t keep);

/* How a placement relates to its previous allocation (rc_add_place). */
#define RC_PLACE_NEW        0u
#define RC_PLACE_RESCHEDULE 1u
#define RC_PLACE_LOST       2u
#define RC_PLACE_MIGRATE    3u

/* ---- reconcile_classify.c ---- */

/* Sorts the tainted list into c->tainted. 0 or ERR_NOMEM. */
int rc_tainted_index(struct rc_ctx *c);
/* Sets each entry's category (RC_UNTAINTED, RC_MIGRATE, RC_LOST, or none
 * for ignored) and returns how many were ignored. */
size_t rc_classify(const struct rc_ctx *c, struct rc_entry *e, size_t n);
/* Classifies and stops every entry (a removed or stopped group); returns
 * the number stopped, or -1 on oom. */
long rc_stop_all(struct rc_ctx *c, struct rc_entry *e, size_t n);

/* ---- reconcile_resched.c ---- */

/* Nomad's filterByRescheduleable over the untainted and migrating
 * entries: sets RC_NOW / RC_LATER (and resched_at), and drops from
 * untainted the entries that must not count. */
void rc_filter_reschedule(const struct rc_ctx *c, struct rc_entry *e, size_t n);

/* ---- reconcile_group.c ---- */

/* The steps of one group after classification, in Nomad's order. */
int rc_followups(struct rc_ctx *c, struct rc_group *g);
int rc_compute_stop(struct rc_ctx *c, struct rc_group *g,
                    struct rc_names *names);
int rc_compute_updates(struct rc_ctx *c, struct rc_group *g);
int rc_compute_place(struct rc_ctx *c, struct rc_group *g,
                     struct rc_names *names, size_t *placed);
int rc_compute_destructive(struct rc_ctx *c, struct rc_group *g, size_t limit);
int rc_compute_migrations(struct rc_ctx *c, struct rc_group *g);

/* ---- helpers ---- */

/* NULL and "" are equal, as everywhere in the data model. */
bool rc_str_eq(const char *a, const char *b);
static inline bool rc_str_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}
/* A nullable bool (*bool in Nomad) that is set and true. */
static inline bool rc_opt_true(const struct opt *o)
{
	return o->set && o->v != 0;
}
/* The allocation's group in its own job version, or NULL. */
const struct task_group *rc_alloc_group(const struct allocation *a);
/* A group's count, clamped to [0, UINT_MAX]. */
unsigned rc_tg_count(const struct task_group *tg);

#endif
