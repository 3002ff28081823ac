/* state/snapshot.c: the whole store as one msgpack document.
 *
 *   {"Format": 2,
 *    "Indexes": {"Jobs": N, "JobVersions": N, "Evals": N, ...},
 *    "ACLBootstrapIndex": N,
 *    "Jobs": [Job...],            current versions
 *    "JobVersions": [Job...],     older kept versions
 *    "Evals": [...],
 *    "AllocJobs": [Job...],       the jobs the allocations run, each once
 *    "Allocs": [Allocation...],   without their "Job"
 *    "AllocJobRefs": [i | nil...],
 *    "Nodes": [...], "ACLPolicies": [...], "ACLTokens": [...],
 *    "Namespaces": [...], "Variables": [...], "Services": [...]}
 *
 * AllocJobRefs is aligned with Allocs: its i-th entry is the position in
 * AllocJobs of the job of the i-th allocation, nil for an allocation with
 * no job. AllocJobs holds the store's job pool (state/jobpool.c): one
 * entry per (Namespace, ID, JobModifyIndex, Version), in that order, each
 * referenced by an allocation. Format 1, written before the pool, had no
 * AllocJobs and AllocJobRefs and a full "Job" in every allocation; restore
 * reads both.
 *
 * Objects use the schema codec (unknown keys are skipped on the way back,
 * so the format can grow) and come in key order, so servers holding the
 * same state write the same bytes. */
#include <string.h>

#include "state/state_int.h"

static int snap_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	if (msgpack_pack_str(pk, n) != 0 || msgpack_pack_str_body(pk, s, n))
		return ERR_NOMEM;
	return ERR_OK;
}

static int snap_uint(msgpack_packer *pk, const char *key, uint64_t v)
{
	if (snap_str(pk, key) != ERR_OK || msgpack_pack_uint64(pk, v) != 0)
		return ERR_NOMEM;
	return ERR_OK;
}

static int snap_indexes(const struct store_frozen *f, msgpack_packer *pk)
{
	if (snap_str(pk, "Indexes") != ERR_OK ||
	    msgpack_pack_map(pk, STORE_TABLES) != 0)
		return ERR_NOMEM;
	for (unsigned t = 0; t < STORE_TABLES; t++)
		if (snap_uint(pk, store_table_names[t], f->index[t]) != ERR_OK)
			return ERR_NOMEM;
	return ERR_OK;
}

/* A key and an array of n objects of one schema. */
static int snap_objects(msgpack_packer *pk, const char *key,
                        const struct schema *sc, const void *const *objs,
                        size_t n)
{
	if (snap_str(pk, key) != ERR_OK || msgpack_pack_array(pk, n) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (schema_msgpack_pack(sc, objs[i], pk) != ERR_OK)
			return ERR_NOMEM;
	return ERR_OK;
}

/* The position of job in the view's pool (sorted by jobpool_cmp). Every
 * allocation of the view holds a reference on its job, so it is there. */
static int snap_pool_pos(const struct store_frozen *f, const struct job *job,
                         size_t *pos)
{
	size_t lo = 0, hi = f->npool;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = jobpool_cmp(f->pool[mid], job);
		if (c == 0 && f->pool[mid] == job) {
			*pos = mid;
			return ERR_OK;
		}
		if (c == 0)
			break;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ERR_INTERNAL;
}

static int snap_allocs(const struct store_frozen *f, msgpack_packer *pk)
{
	const size_t n = f->n[STORE_ALLOCS];
	const void *const *objs = f->objs[STORE_ALLOCS];
	if (snap_str(pk, "Allocs") != ERR_OK || msgpack_pack_array(pk, n) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		/* A shallow copy: the view's objects are read-only. */
		struct allocation bare = *(const struct allocation *)objs[i];
		bare.job = NULL;
		if (schema_msgpack_pack(&allocation_schema, &bare, pk))
			return ERR_NOMEM;
	}
	return ERR_OK;
}

static int snap_alloc_refs(const struct store_frozen *f, msgpack_packer *pk)
{
	const size_t n = f->n[STORE_ALLOCS];
	size_t pos;
	int rc;
	if (snap_str(pk, "AllocJobRefs") != ERR_OK ||
	    msgpack_pack_array(pk, n) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct allocation *a = f->objs[STORE_ALLOCS][i];
		if (a->job == NULL) {
			if (msgpack_pack_nil(pk) != 0)
				return ERR_NOMEM;
			continue;
		}
		if ((rc = snap_pool_pos(f, a->job, &pos)) != ERR_OK)
			return rc;
		if (msgpack_pack_uint64(pk, pos) != 0)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

/* One table's objects; STORE_JOB_VERSIONS holds jobs too; the
 * allocations come with their jobs. */
static int snap_table(const struct store_frozen *f, enum store_table ti,
                      msgpack_packer *pk)
{
	int rc;
	if (ti == STORE_JOB_VERSIONS)
		return snap_objects(pk, store_table_names[ti], &job_schema,
		                    f->objs[ti], f->n[ti]);
	if (ti != STORE_ALLOCS)
		return snap_objects(pk, store_table_names[ti],
		                    store_descs[ti]->schema, f->objs[ti],
		                    f->n[ti]);
	rc = snap_objects(pk, "AllocJobs", &job_schema,
	                  (const void *const *)f->pool, f->npool);
	if (rc == ERR_OK)
		rc = snap_allocs(f, pk);
	if (rc == ERR_OK)
		rc = snap_alloc_refs(f, pk);
	return rc;
}

static int snap_pack(const struct store_frozen *f, msgpack_packer *pk)
{
	int rc = ERR_OK;
	/* The tables, and AllocJobs and AllocJobRefs. */
	if (msgpack_pack_map(pk, 3 + STORE_TABLES + 2) != 0 ||
	    snap_uint(pk, "Format", STORE_SNAP_FORMAT) != ERR_OK ||
	    snap_indexes(f, pk) != ERR_OK ||
	    snap_uint(pk, "ACLBootstrapIndex", f->acl_bootstrap) != ERR_OK)
		return ERR_NOMEM;
	for (unsigned t = 0; t < STORE_TABLES && rc == ERR_OK; t++)
		rc = snap_table(f, t, pk);
	return rc;
}

int store_frozen_encode(const struct store_frozen *f, struct buf *out)
{
	size_t start = out->len;
	msgpack_packer pk;
	int rc;
	msgpack_packer_init(&pk, out, schema_msgpack_buf_write);
	rc = snap_pack(f, &pk);
	if (rc == ERR_OK && out->oom)
		rc = ERR_NOMEM;
	if (rc != ERR_OK) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return rc;
}

int store_snapshot(const struct store *s, struct buf *out)
{
	struct store_frozen f;
	int rc = store_frozen_build(s, &f);
	if (rc != ERR_OK)
		return rc;
	rc = store_frozen_encode(&f, out);
	store_frozen_release(&f);
	return rc;
}
