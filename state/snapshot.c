/* state/snapshot.c: the whole store as one msgpack document.
 *
 *   {"Format": 1,
 *    "Indexes": {"Jobs": N, "JobVersions": N, "Evals": N, ...},
 *    "ACLBootstrapIndex": N,
 *    "Jobs": [Job...],            current versions
 *    "JobVersions": [Job...],     older kept versions
 *    "Evals": [...], "Allocs": [...], "Nodes": [...], "ACLPolicies": [...],
 *    "ACLTokens": [...], "Namespaces": [...], "Variables": [...],
 *    "Services": [...]}
 *
 * Objects use the schema codec (unknown keys are skipped on the way back,
 * so the format can grow) and come in key order, so servers holding the
 * same state write the same bytes. */
#include <string.h>

#include "state/state_int.h"

#define SNAP_FORMAT 1

static int snap_write(void *data, const char *p, size_t n)
{
	struct buf *b = data;
	buf_append(b, p, n);
	return b->oom ? -1 : 0;
}

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

/* One table's objects; STORE_JOB_VERSIONS holds jobs too. */
static int snap_table(const struct store_frozen *f, enum store_table ti,
                      msgpack_packer *pk)
{
	const struct schema *sc =
	    ti == STORE_JOB_VERSIONS ? &job_schema : store_descs[ti]->schema;
	if (snap_str(pk, store_table_names[ti]) != ERR_OK ||
	    msgpack_pack_array(pk, f->n[ti]) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < f->n[ti]; i++)
		if (schema_msgpack_pack(sc, f->objs[ti][i], pk) != ERR_OK)
			return ERR_NOMEM;
	return ERR_OK;
}

static int snap_pack(const struct store_frozen *f, msgpack_packer *pk)
{
	if (msgpack_pack_map(pk, 3 + STORE_TABLES) != 0 ||
	    snap_uint(pk, "Format", SNAP_FORMAT) != ERR_OK ||
	    snap_indexes(f, pk) != ERR_OK ||
	    snap_uint(pk, "ACLBootstrapIndex", f->acl_bootstrap) != ERR_OK)
		return ERR_NOMEM;
	for (unsigned t = 0; t < STORE_TABLES; t++)
		if (snap_table(f, t, pk) != ERR_OK)
			return ERR_NOMEM;
	return ERR_OK;
}

int store_frozen_encode(const struct store_frozen *f, struct buf *out)
{
	size_t start = out->len;
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, snap_write);
	if (snap_pack(f, &pk) != ERR_OK || out->oom) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return ERR_NOMEM;
	}
	return ERR_OK;
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
