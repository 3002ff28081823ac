/* state/state.h: the in-memory state store every server keeps, fed only by
 * the FSM (raft/) applying committed log entries, in order.
 *
 * Tables: jobs (with their versions), evaluations, allocations, nodes, ACL
 * policies, ACL tokens, namespaces, variables, service registrations. Each
 * table has its own index (the Raft index of its last change); every
 * object carries CreateIndex/ModifyIndex set here from the index passed to
 * the write. Writes take copies of what they are given; reads return
 * pointers into the store that stay valid until the next write on the same
 * loop turn (copy what you keep). Pure and single-threaded: no clocks, no
 * randomness, no I/O, so every server applying the same entries ends with
 * the same state.
 *
 * Watches wake blocking queries: a watch names a set of tables and an
 * index; it fires once, after the write that moves any of those tables past
 * that index (or at once if they already are). */
#ifndef STEPPE_STATE_STATE_H
#define STEPPE_STATE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "structs/structs.h"

enum store_table {
	STORE_JOBS = 0,
	STORE_JOB_VERSIONS,
	STORE_EVALS,
	STORE_ALLOCS,
	STORE_NODES,
	STORE_ACL_POLICIES,
	STORE_ACL_TOKENS,
	STORE_NAMESPACES,
	STORE_VARIABLES,
	STORE_SERVICES,
	STORE_TABLES, /* count */
};

#define STORE_BIT(t) (1u << (t))

/* Job versions kept per job (Nomad's job_tracked_versions default). */
#define STORE_JOB_VERSIONS_KEPT 6

struct store;

/* A new empty store holding the "default" namespace at index 0. */
int store_create(struct store **out);
void store_destroy(struct store *s);

/* The highest index of any table (0 when empty). */
uint64_t store_latest_index(const struct store *s);
/* One table's index; for a set of tables (STORE_BIT mask), the max. */
uint64_t store_table_index(const struct store *s, enum store_table t);
uint64_t store_tables_index(const struct store *s, unsigned mask);

/* ---- jobs -------------------------------------------------------------- */

/* Registers job at index. A new job gets Version 0, CreateIndex = index.
 * An existing one whose spec differs (anything but Status,
 * StatusDescription, Stable, Version, SubmitTime and the indexes) gets
 * Version + 1 and JobModifyIndex = index, and the previous version is kept
 * in the versions table (at most STORE_JOB_VERSIONS_KEPT per job). An
 * unchanged spec only moves ModifyIndex. SubmitTime comes from the caller
 * (the leader's clock, chosen before the log entry). *changed (may be NULL)
 * tells whether a new version was written. */
int store_upsert_job(struct store *s, uint64_t index, const struct job *job,
		     bool *changed);
/* Removes a job and its versions (purge). Missing: ERR_NOTFOUND, no
 * change. */
int store_delete_job(struct store *s, uint64_t index, const char *ns,
		     const char *id);
/* Sets Status (and StatusDescription) without a new version. */
int store_set_job_status(struct store *s, uint64_t index, const char *ns,
			 const char *id, const char *status, const char *desc);
const struct job *store_job(const struct store *s, const char *ns,
			    const char *id);
/* Versions newest first; *n set. Pointers valid as store_job's. */
const struct job *const *store_job_versions(const struct store *s,
					    const char *ns, const char *id,
					    size_t *n);

/* Visits jobs in (namespace, ID) order. ns NULL or "*" = every namespace;
 * prefix NULL = all. Stop early by returning false from fn. */
typedef bool (*store_job_fn)(void *data, const struct job *job);
void store_each_job(const struct store *s, const char *ns, const char *prefix,
		    store_job_fn fn, void *data);

/* ---- evaluations ---------------------------------------------------------- */

int store_upsert_eval(struct store *s, uint64_t index,
		      const struct evaluation *ev);
int store_delete_eval(struct store *s, uint64_t index, const char *id);
const struct evaluation *store_eval(const struct store *s, const char *id);
typedef bool (*store_eval_fn)(void *data, const struct evaluation *ev);
/* In ID order; ns NULL/"*" = all; prefix on the ID. */
void store_each_eval(const struct store *s, const char *ns, const char *prefix,
		     store_eval_fn fn, void *data);
/* Evaluations of one job, in ID order. */
void store_each_job_eval(const struct store *s, const char *ns,
			 const char *job_id, store_eval_fn fn, void *data);

/* ---- allocations, nodes, ACLs, namespaces, variables, services ----------
 * Same shape: upsert (copy in, indexes set), delete, get by key, visit in
 * key order with an optional prefix, plus the secondary lookups named. */

/* Allocations share their job: the store keeps one read-only copy of
 * each job version allocations run, keyed by the job's (Namespace, ID,
 * JobModifyIndex, Version), and every stored allocation whose job has that
 * key points at it (the first one stored: another job with the same key is
 * taken to be the same). With a->job NULL, an allocation already stored
 * under a->id keeps its job (client updates come without it); a new one
 * has none. The copy lives as long as an allocation points at it. A
 * stored allocation's job belongs to the store like the allocation: never
 * free or change it; copy the allocation (schema_copy, a deep copy) to
 * own one. */
int store_upsert_alloc(struct store *s, uint64_t index,
		       const struct allocation *a);
/* store_upsert_alloc that moves a's contents into the store instead of
 * copying them (the FSM's decoded entries): a is left zeroed but for its
 * job pointer, which stays a's (the stored one points at the pooled
 * copy), so releasing a afterwards frees nothing else. On failure
 * (ERR_NOMEM, ERR_INVAL) what was moved may be freed already: a stays
 * releasable, the allocation is not stored. */
int store_upsert_alloc_move(struct store *s, uint64_t index,
			    struct allocation *a);
int store_delete_alloc(struct store *s, uint64_t index, const char *id);
const struct allocation *store_alloc(const struct store *s, const char *id);
typedef bool (*store_alloc_fn)(void *data, const struct allocation *a);
void store_each_alloc(const struct store *s, const char *ns, const char *prefix,
		      store_alloc_fn fn, void *data);
void store_each_job_alloc(const struct store *s, const char *ns,
			  const char *job_id, store_alloc_fn fn, void *data);
void store_each_node_alloc(const struct store *s, const char *node_id,
			   store_alloc_fn fn, void *data);

int store_upsert_node(struct store *s, uint64_t index, const struct node *n);
int store_delete_node(struct store *s, uint64_t index, const char *id);
/* How many nodes the store holds (O(1)). */
size_t store_node_count(const struct store *s);
const struct node *store_node(const struct store *s, const char *id);
typedef bool (*store_node_fn)(void *data, const struct node *n);
void store_each_node(const struct store *s, const char *prefix,
		     store_node_fn fn, void *data);

int store_upsert_acl_policy(struct store *s, uint64_t index,
			    const struct acl_policy *p);
int store_delete_acl_policy(struct store *s, uint64_t index, const char *name);
const struct acl_policy *store_acl_policy(const struct store *s,
					  const char *name);
typedef bool (*store_acl_policy_fn)(void *data, const struct acl_policy *p);
void store_each_acl_policy(const struct store *s, const char *prefix,
			   store_acl_policy_fn fn, void *data);

int store_upsert_acl_token(struct store *s, uint64_t index,
			   const struct acl_token *t);
int store_delete_acl_token(struct store *s, uint64_t index,
			   const char *accessor_id);
const struct acl_token *store_acl_token(const struct store *s,
					const char *accessor_id);
/* Lookup by SecretID (constant-time compare of candidates). */
const struct acl_token *store_acl_token_by_secret(const struct store *s,
						  const char *secret_id);
typedef bool (*store_acl_token_fn)(void *data, const struct acl_token *t);
void store_each_acl_token(const struct store *s, const char *prefix,
			  store_acl_token_fn fn, void *data);
/* The index at which ACLs were bootstrapped; 0 = not yet. */
uint64_t store_acl_bootstrap_index(const struct store *s);
int store_set_acl_bootstrap_index(struct store *s, uint64_t index);

int store_upsert_namespace(struct store *s, uint64_t index,
			   const struct namespace *n);
int store_delete_namespace(struct store *s, uint64_t index, const char *name);
const struct namespace *store_namespace(const struct store *s,
					const char *name);
typedef bool (*store_namespace_fn)(void *data, const struct namespace *n);
void store_each_namespace(const struct store *s, const char *prefix,
			  store_namespace_fn fn, void *data);

int store_upsert_variable(struct store *s, uint64_t index,
			  const struct variable *v);
int store_delete_variable(struct store *s, uint64_t index, const char *ns,
			  const char *path);
const struct variable *store_variable(const struct store *s, const char *ns,
				      const char *path);
typedef bool (*store_variable_fn)(void *data, const struct variable *v);
void store_each_variable(const struct store *s, const char *ns,
			 const char *prefix, store_variable_fn fn, void *data);

int store_upsert_service(struct store *s, uint64_t index,
			 const struct service_registration *r);
int store_delete_service(struct store *s, uint64_t index, const char *ns,
			 const char *id);
typedef bool (*store_service_fn)(void *data,
				 const struct service_registration *r);
/* Registrations of one service name (NULL: all), in (name, ID) order. */
void store_each_service(const struct store *s, const char *ns,
			const char *name, store_service_fn fn, void *data);

/* ---- watches ------------------------------------------------------------ */

/* Caller-owned. Fires once: cb runs after the write that moves a watched
 * table past min_index, then the watch is no longer registered. */
struct store_watch {
	void *data;
	void (*cb)(struct store_watch *w);
	/* private */
	unsigned mask;
	uint64_t min_index;
	struct store_watch *next, *prev;
	bool armed;
};

/* Registers w; if the tables are already past min_index, cb runs before
 * this returns. */
void store_watch(struct store *s, struct store_watch *w, unsigned mask,
		 uint64_t min_index);
/* Unregisters w if still armed; safe to call twice and from cb. */
void store_unwatch(struct store *s, struct store_watch *w);

/* ---- snapshots --------------------------------------------------------- */

/* Appends every table (and the table indexes) as one msgpack document
 * (each job of the allocations once: see state/snapshot.c). ERR_OK,
 * ERR_NOMEM, or ERR_INTERNAL if an allocation's job is not pooled (a
 * bug). */
int store_snapshot(const struct store *s, struct buf *out);

/* A frozen view: the store's objects as of one moment, readable from
 * another thread while the loop goes on writing. Freezing is O(objects)
 * pointer copies; while any view is frozen the store never frees or
 * changes an object in place (writes replace objects, and what they
 * replace or delete waits until the last thaw). */
struct store_frozen;
/* Freezes s. ERR_OK or ERR_NOMEM (nothing frozen). */
int store_freeze(struct store *s, struct store_frozen **out);
/* store_snapshot's document for the frozen view. Reads only the view:
 * safe on another thread while the loop writes to the store. */
int store_frozen_encode(const struct store_frozen *f, struct buf *out);
/* Releases the view (loop thread); after the last one, frees what the
 * store kept for it. f may be NULL. */
void store_thaw(struct store *s, struct store_frozen *f);
/* Replaces the whole content of s with a snapshot; on error s is
 * unchanged. Fires every watch whose tables moved. */
int store_restore(struct store *s, const void *data, size_t len,
		  struct err *e);

#endif
