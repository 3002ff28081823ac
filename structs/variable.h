/* structs/variable.h: Nomad variables (reference 1.9, 2.14).
 *
 * `variable` is Nomad's VariableDecrypted (what the HTTP API reads and
 * writes), `variable_metadata` the list form without Items, and
 * `variable_encrypted` what the state store keeps (Items sealed into Data
 * with the keyring key KeyID). Nomad embeds VariableMetadata in the other
 * two; embedded fields are flattened in JSON, so they are repeated here.
 * Items never reach a log line. hcl names are those of a `var put` spec
 * file. */
#ifndef STEPPE_STRUCTS_VARIABLE_H
#define STEPPE_STRUCTS_VARIABLE_H

#include "lib/err.h"
#include "structs/schema.h"
#include "structs/status.h"

#define VARIABLE_LOCK_FIELDS(X, S)      \
	X(S, ID, id, STR, _, NULL, 0)   \
	X(S, TTL, ttl, DUR, _, NULL, 0) \
	X(S, LockDelay, lock_delay, DUR, _, NULL, 0)
SCHEMA_DECLARE(variable_lock, VARIABLE_LOCK_FIELDS);

#define VARIABLE_METADATA_FIELDS(X, S)                              \
	X(S, Namespace, namespace, STR, _, "namespace", 0)          \
	X(S, Path, path, STR, _, "path", 0)                         \
	X(S, Lock, lock, PTR, variable_lock, NULL, SF_OMIT)         \
	X(S, CreateIndex, create_index, UINT, _, "create_index", 0) \
	X(S, CreateTime, create_time, NSTIME, _, "create_time", 0)  \
	X(S, ModifyIndex, modify_index, UINT, _, "modify_index", 0) \
	X(S, ModifyTime, modify_time, NSTIME, _, "modify_time", 0)
SCHEMA_DECLARE(variable_metadata, VARIABLE_METADATA_FIELDS);

#define VARIABLE_FIELDS(X, S)          \
	VARIABLE_METADATA_FIELDS(X, S) \
	X(S, Items, items, STRMAP, _, "items", SF_OMIT)
SCHEMA_DECLARE(variable, VARIABLE_FIELDS);

#define VARIABLE_ENCRYPTED_FIELDS(X, S)     \
	VARIABLE_METADATA_FIELDS(X, S)      \
	X(S, Data, data, BYTES, _, NULL, 0) \
	X(S, KeyID, key_id, STR, _, NULL, 0)
SCHEMA_DECLARE(variable_encrypted, VARIABLE_ENCRYPTED_FIELDS);

#define VARIABLE_MAX_SIZE              65536 /* bytes of keys and values together */
#define VARIABLE_LOCK_MIN_TTL_NS       (10 * INT64_C(1000000000))
#define VARIABLE_LOCK_MAX_TTL_NS       (24 * 3600 * INT64_C(1000000000))
#define VARIABLE_LOCK_DEFAULT_TTL_NS   (15 * INT64_C(1000000000))
#define VARIABLE_LOCK_DEFAULT_DELAY_NS (15 * INT64_C(1000000000))

/* Paths: ^[a-zA-Z0-9-_~/]{1,128}$, and under the reserved top directory
 * "nomad" only "nomad/jobs...", "nomad/sentinel..." and
 * "nomad/job-templates/<name>". Returns 0 or ERR_VALIDATE with Nomad's
 * message in e (e may be NULL): "variable requires path",
 * `invalid path "x"`, ... */
int variable_validate_path(const char *path, struct err *e);

/* Namespace not "*", at least one item, at most 64 KiB of items, a valid
 * path and lock. Returns 0 or ERR_VALIDATE with the first problem in e. */
int variable_validate(const struct variable *v, struct err *e);
/* As variable_validate, but Items may be empty (a variable created only
 * to hold a lock); the lock is required. */
int variable_validate_for_lock(const struct variable *v, struct err *e);

/* Namespace "default" when empty; a lock gets an ID (fresh, random),
 * TTL 15s and LockDelay 15s when unset. Returns 0, ERR_NOMEM or
 * ERR_INTERNAL (no randomness). */
int variable_canonicalize(struct variable *v);

/* Copies the metadata part of v (everything but Items) into a zeroed md.
 * 0 or ERR_NOMEM (md released). */
int variable_metadata_from(struct variable_metadata *md,
                           const struct variable *v);

/* Sum of the lengths of keys and values, as Nomad counts a variable. */
size_t variable_items_size(const struct strmap *items);

#endif
