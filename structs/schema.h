/* structs/schema.h: one field list per struct, and the descriptors and
 * codecs generated from it.
 *
 * A wire struct is declared once, as an X-macro field list:
 *
 *   #define CONSTRAINT_FIELDS(X, S)                                  \
 *           X(S, LTarget, ltarget, STR, _, "attribute", 0)           \
 *           X(S, RTarget, rtarget, STR, _, "value", 0)               \
 *           X(S, Operand, operand, STR, _, "operator", 0)
 *   SCHEMA_DECLARE(constraint, CONSTRAINT_FIELDS)      (in the header)
 *   SCHEMA_DEFINE(constraint, CONSTRAINT_FIELDS, 0)    (in one .c file)
 *
 * Entry: X(S, GoName, c_member, TYPE, sub, hcl_name, flags)
 *   GoName   - the JSON and msgpack key, Nomad's Go field name verbatim
 *   c_member - the C member name
 *   TYPE     - one of the SCHEMA_CTYPE_* names below
 *   sub      - the element struct tag for STRUCT, PTR, LIST and MAP; `_`
 *              otherwise
 *   hcl_name - the jobspec/config key (snake_case), or NULL when the field
 *              cannot be written in HCL
 *   flags    - SF_* below, or 0
 *
 * SCHEMA_DECLARE defines `struct tag`, `struct tag_list` ({T *v; size_t
 * n}), `struct tag_map` (entries {char *key; T val}, sorted by key) and
 * declares `tag_schema`. Structs must be declared after the structs they
 * embed (STRUCT, LIST, MAP); PTR may point at a later one.
 *
 * From the descriptor, the generic functions below release, copy and
 * compare any struct, and encode/decode it as msgpack (the wire, the Raft
 * log and snapshots: a map keyed by GoName, zero fields omitted, unknown
 * keys skipped so the format can grow) and as JSON (Nomad's HTTP shape). */
#ifndef STEPPE_STRUCTS_SCHEMA_H
#define STEPPE_STRUCTS_SCHEMA_H

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "structs/value.h"

enum schema_type {
	FT_STR,        /* char * ; NULL and "" are the same value          */
	FT_BOOL,       /* bool                                              */
	FT_INT,        /* int64_t                                           */
	FT_UINT,       /* uint64_t (indexes, versions)                      */
	FT_FLOAT,      /* double                                            */
	FT_DUR,        /* int64_t ns; JSON integer; HCL "30s"               */
	FT_NSTIME,     /* int64_t Unix ns; JSON integer                     */
	FT_TIME,       /* int64_t Unix ns; JSON RFC3339Nano, 0 = Go zero    */
	FT_BYTES,      /* struct bytes; JSON base64; msgpack bin            */
	FT_OPTBOOL,    /* struct opt; JSON true/false or null               */
	FT_OPTINT,     /* struct opt; JSON integer or null                  */
	FT_OPTDUR,     /* struct opt; JSON integer ns or null; HCL "30s"    */
	FT_STRLIST,    /* struct strlist; JSON array or null                */
	FT_STRMAP,     /* struct strmap; JSON object or null                */
	FT_STRLISTMAP, /* struct strlistmap; JSON object of arrays or null  */
	FT_VALUE,      /* struct value; any JSON                            */
	FT_STRUCT,     /* struct sub, embedded                              */
	FT_PTR,        /* struct sub *, NULL = JSON null                    */
	FT_LIST,       /* struct sub_list; JSON array or null               */
	FT_MAP,        /* struct sub_map; JSON object or null               */
};

/* Field flags. */
#define SF_OMIT    0x01 /* JSON: omit when zero (Go `omitempty`)            */
#define SF_NOJSON  0x02 /* never in JSON (secrets, internal state)          */
#define SF_LABEL   0x04 /* HCL: the block's first label fills this field   */
#define SF_NONNULL 0x08 /* JSON: an empty list/map encodes as [] / {}      */

/* Schema flags. */
#define SCHEMA_OMITEMPTY 0x01 /* every field behaves as SF_OMIT            */

struct schema;

struct schema_field {
	const char *name; /* GoName */
	const char *hcl;  /* NULL: not in HCL */
	enum schema_type type;
	unsigned flags;
	size_t off;               /* offsetof the member */
	const struct schema *sub; /* STRUCT, PTR, LIST, MAP */
	size_t esize;             /* MAP: sizeof entry */
	size_t voff;              /* MAP: offsetof entry.val */
};

struct schema {
	const char *name; /* the struct tag, e.g. "job" */
	size_t size;
	const struct schema_field *fields;
	size_t nfields;
	unsigned flags;
};

/* ---- generators ------------------------------------------------------ */

#define SCHEMA_CTYPE_STR(sub)        char *
#define SCHEMA_CTYPE_BOOL(sub)       bool
#define SCHEMA_CTYPE_INT(sub)        int64_t
#define SCHEMA_CTYPE_UINT(sub)       uint64_t
#define SCHEMA_CTYPE_FLOAT(sub)      double
#define SCHEMA_CTYPE_DUR(sub)        int64_t
#define SCHEMA_CTYPE_NSTIME(sub)     int64_t
#define SCHEMA_CTYPE_TIME(sub)       int64_t
#define SCHEMA_CTYPE_BYTES(sub)      struct bytes
#define SCHEMA_CTYPE_OPTBOOL(sub)    struct opt
#define SCHEMA_CTYPE_OPTINT(sub)     struct opt
#define SCHEMA_CTYPE_OPTDUR(sub)     struct opt
#define SCHEMA_CTYPE_STRLIST(sub)    struct strlist
#define SCHEMA_CTYPE_STRMAP(sub)     struct strmap
#define SCHEMA_CTYPE_STRLISTMAP(sub) struct strlistmap
#define SCHEMA_CTYPE_VALUE(sub)      struct value
#define SCHEMA_CTYPE_STRUCT(sub)     struct sub
#define SCHEMA_CTYPE_PTR(sub)        struct sub *
#define SCHEMA_CTYPE_LIST(sub)       struct sub##_list
#define SCHEMA_CTYPE_MAP(sub)        struct sub##_map

#define SCHEMA_MEMBER(S, go_, c_, T_, sub_, hcl_, fl_) \
	SCHEMA_CTYPE_##T_(sub_) c_;

#define SCHEMA_DECLARE(tag, FIELDS)        \
	struct tag {                       \
		FIELDS(SCHEMA_MEMBER, tag) \
	};                                 \
	struct tag##_list {                \
		struct tag *v;             \
		size_t n;                  \
	};                                 \
	struct tag##_ment {                \
		char *key;                 \
		struct tag val;            \
	};                                 \
	struct tag##_map {                 \
		struct tag##_ment *v;      \
		size_t n;                  \
	};                                 \
	extern const struct schema tag##_schema

#define SCHEMA_SUBP_STRUCT(sub) &sub##_schema
#define SCHEMA_SUBP_PTR(sub)    &sub##_schema
#define SCHEMA_SUBP_LIST(sub)   &sub##_schema
#define SCHEMA_SUBP_MAP(sub)    &sub##_schema
#define SCHEMA_SUBP_SCALAR(sub) NULL
#define SCHEMA_SUBP_STR         SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_BOOL        SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_INT         SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_UINT        SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_FLOAT       SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_DUR         SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_NSTIME      SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_TIME        SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_BYTES       SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_OPTBOOL     SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_OPTINT      SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_OPTDUR      SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_STRLIST     SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_STRMAP      SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_STRLISTMAP  SCHEMA_SUBP_SCALAR
#define SCHEMA_SUBP_VALUE       SCHEMA_SUBP_SCALAR

#define SCHEMA_FIELD(S, go_, c_, T_, sub_, hcl_, fl_) \
	{.name = #go_,                                \
	 .hcl = hcl_,                                 \
	 .type = FT_##T_,                             \
	 .flags = (fl_),                              \
	 .off = offsetof(struct S, c_),               \
	 .sub = SCHEMA_SUBP_##T_(sub_),               \
	 .esize = SCHEMA_MAPESIZE_##T_(sub_),         \
	 .voff = SCHEMA_MAPVOFF_##T_(sub_)},

#define SCHEMA_MAPESIZE_MAP(sub)   sizeof(struct sub##_ment)
#define SCHEMA_MAPVOFF_MAP(sub)    offsetof(struct sub##_ment, val)
#define SCHEMA_MAPZERO(sub)        0
#define SCHEMA_MAPESIZE_STR        SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_BOOL       SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_INT        SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_UINT       SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_FLOAT      SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_DUR        SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_NSTIME     SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_TIME       SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_BYTES      SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_OPTBOOL    SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_OPTINT     SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_OPTDUR     SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_STRLIST    SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_STRMAP     SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_STRLISTMAP SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_VALUE      SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_STRUCT     SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_PTR        SCHEMA_MAPZERO
#define SCHEMA_MAPESIZE_LIST       SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_STR         SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_BOOL        SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_INT         SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_UINT        SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_FLOAT       SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_DUR         SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_NSTIME      SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_TIME        SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_BYTES       SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_OPTBOOL     SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_OPTINT      SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_OPTDUR      SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_STRLIST     SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_STRMAP      SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_STRLISTMAP  SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_VALUE       SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_STRUCT      SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_PTR         SCHEMA_MAPZERO
#define SCHEMA_MAPVOFF_LIST        SCHEMA_MAPZERO

#define SCHEMA_DEFINE(tag, FIELDS, sflags)                  \
	static const struct schema_field tag##_fields[] = { \
	    FIELDS(SCHEMA_FIELD, tag)};                     \
	const struct schema tag##_schema = {                \
	    #tag, sizeof(struct tag), tag##_fields,         \
	    sizeof tag##_fields / sizeof tag##_fields[0], (sflags)}

/* ---- generic operations ---------------------------------------------- */

/* Frees every member and zeroes *obj. Safe on a zeroed or partially
 * decoded object. */
void schema_release(const struct schema *s, void *obj);
/* Deep copy into a zeroed dst. On ERR_NOMEM dst is released. */
int schema_copy(const struct schema *s, void *dst, const void *src);
/* Deep equality. NULL and "" strings are equal; empty and absent lists,
 * maps and values are equal; maps compare by key. */
bool schema_equal(const struct schema *s, const void *a, const void *b);
/* The field called name (GoName, exact), or NULL. */
const struct schema_field *schema_field_by_name(const struct schema *s,
                                                const char *name);

/* ---- msgpack ----------------------------------------------------------- */

/* Packs obj as a msgpack map (zero fields omitted). */
int schema_msgpack_pack(const struct schema *s, const void *obj,
                        msgpack_packer *pk);
/* Like schema_msgpack_pack, but the map holds `extra` more entries that
 * the caller packs right after (key, value, ...): how an envelope carries
 * a typed body ("Args", "Reply") without copying it. */
int schema_msgpack_pack_open(const struct schema *s, const void *obj,
                             size_t extra, msgpack_packer *pk);
/* The msgpack_packer callback that appends to a struct buf (data). */
int schema_msgpack_buf_write(void *data, const char *p, size_t n);
/* Appends the encoding of obj to out. */
int schema_msgpack_encode(const struct schema *s, const void *obj,
                          struct buf *out);
/* Decodes a msgpack object into a zeroed obj. Unknown keys are skipped;
 * a type mismatch is an error naming the field path ("Job.TaskGroups[0]
 * .Count: expected integer"). On error obj is released. */
int schema_msgpack_unpack(const struct schema *s, void *obj,
                          const msgpack_object *o, struct err *e);
/* Makes obj what decoding its own encoding would give: the members the
 * encoder leaves out (empty strings, lists and maps, unset options...)
 * are released and zeroed, and maps sorted by key, through every nested
 * struct. For an object stored as it was built, next to copies decoded
 * from its encoding elsewhere (the leader's own plan entries). */
void schema_msgpack_canon(const struct schema *s, void *obj);
/* Decodes exactly one msgpack object spanning data[0..len). */
int schema_msgpack_decode(const struct schema *s, void *obj, const void *data,
                          size_t len, struct err *e);

/* ---- JSON -------------------------------------------------------------- */

/* Points jansson's allocator at the mem hook. Call once before any JSON
 * use (main, test setup). */
void schema_json_init(void);
/* New reference, NULL on oom. */
json_t *schema_json_encode(const struct schema *s, const void *obj);
/* Appends compact (indent 0) or indented JSON text to out. */
int schema_json_encode_buf(const struct schema *s, const void *obj, int indent,
                           struct buf *out);
/* Decodes j into a zeroed obj. Keys match GoName exactly, then
 * case-insensitively (as Go's encoding/json does); unknown keys are
 * ignored; null leaves the zero value. Errors name the path, starting
 * with `path` ("Job"): "Job.TaskGroups[0].Count: expected a number, got
 * string". On error obj is released. */
int schema_json_decode(const struct schema *s, void *obj, const json_t *j,
                       const char *path, struct err *e);
/* Parses text and decodes it; JSON syntax errors name line:column. */
int schema_json_decode_str(const struct schema *s, void *obj, const char *text,
                           size_t len, const char *path, struct err *e);

/* The free-form value codecs, shared with other folders. */
json_t *value_to_json(const struct value *v);
int value_from_json(struct value *v, const json_t *j, const char *path,
                    struct err *e);
int value_msgpack_pack(const struct value *v, msgpack_packer *pk);
int value_msgpack_unpack(struct value *v, const msgpack_object *o,
                         const char *path, struct err *e);

#endif
