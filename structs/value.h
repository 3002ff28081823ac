/* structs/value.h: the small containers the data model is built from.
 *
 * strlist  - list of strings ([]string)
 * strmap   - string to string map (map[string]string), kept sorted by key
 *            with unique keys, so encodings are deterministic
 * strlistmap - string to list of strings (map[string][]string)
 * bytes    - binary blob ([]byte; base64 in JSON, bin in msgpack)
 * opt      - a nullable scalar (*int, *bool, *time.Duration): `set` says
 *            whether it is present; JSON null when unset
 * value    - a free-form JSON-like tree (a task's driver `config`)
 *
 * All are value types: zero-initialised is empty, *_release frees and
 * re-zeroes. Functions returning int give 0 or ERR_NOMEM. */
#ifndef STEPPE_STRUCTS_VALUE_H
#define STEPPE_STRUCTS_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strlist {
	char **v;
	size_t n;
};

struct strmap_ent {
	char *key;
	char *val;
};
struct strmap {
	struct strmap_ent *v;
	size_t n;
};

struct strlistmap_ent {
	char *key;
	struct strlist val;
};
struct strlistmap {
	struct strlistmap_ent *v;
	size_t n;
};

struct bytes {
	uint8_t *v;
	size_t n;
};

struct opt {
	bool set;
	int64_t v;
};

enum value_kind {
	VALUE_NULL = 0,
	VALUE_BOOL,
	VALUE_INT,
	VALUE_FLOAT,
	VALUE_STRING,
	VALUE_LIST,
	VALUE_MAP,
};

struct value_ent;

/* A free-form value. Maps keep insertion order (HCL source order); the
 * encoders emit keys sorted, as Go's encoding/json does. */
struct value {
	enum value_kind kind;
	union {
		bool b;
		int64_t i;
		double f;
		char *s;
		struct {
			struct value *v;
			size_t n;
		} list;
		struct {
			struct value_ent *v;
			size_t n;
		} map;
	} u;
};

struct value_ent {
	char *key;
	struct value val;
};

int strlist_push(struct strlist *l, const char *s);
bool strlist_contains(const struct strlist *l, const char *s);
void strlist_release(struct strlist *l);
int strlist_copy(struct strlist *dst, const struct strlist *src);
bool strlist_equal(const struct strlist *a, const struct strlist *b);

/* Inserts or replaces key's value (copies both). */
int strmap_set(struct strmap *m, const char *key, const char *val);
/* NULL when absent. */
const char *strmap_get(const struct strmap *m, const char *key);
void strmap_release(struct strmap *m);
int strmap_copy(struct strmap *dst, const struct strmap *src);
bool strmap_equal(const struct strmap *a, const struct strmap *b);

void strlistmap_release(struct strlistmap *m);
int strlistmap_copy(struct strlistmap *dst, const struct strlistmap *src);
bool strlistmap_equal(const struct strlistmap *a, const struct strlistmap *b);
/* Appends val to key's list, creating the key (sorted) if needed. */
int strlistmap_add(struct strlistmap *m, const char *key, const char *val);

void bytes_release(struct bytes *b);
int bytes_copy(struct bytes *dst, const struct bytes *src);
bool bytes_equal(const struct bytes *a, const struct bytes *b);

void value_release(struct value *v);
int value_copy(struct value *dst, const struct value *src);
/* Deep equality; maps compare as sets of keys (order-insensitive). */
bool value_equal(const struct value *a, const struct value *b);
/* Builders for decoders: each takes ownership of nothing and copies. */
int value_set_string(struct value *v, const char *s);
/* Appends a NULL value to a list/map and returns a pointer to it (NULL on
 * oom); v must already be VALUE_LIST / VALUE_MAP. */
struct value *value_list_append(struct value *v);
struct value *value_map_append(struct value *v, const char *key);
/* Map lookup by key, NULL when absent or v is not a map. */
const struct value *value_map_get(const struct value *v, const char *key);

#endif
