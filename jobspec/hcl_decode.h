/* jobspec/hcl_decode.h: decodes an HCL body into any struct that has a
 * schema (structs/schema.h), using the fields' hcl names.
 *
 * Rules: an attribute sets a scalar, list of strings, map or free-form
 * value field; a block fills a STRUCT or PTR field (once), appends to a
 * LIST field (repeatable), adds a labelled entry to a MAP field, or fills
 * a STRMAP / STRLISTMAP / VALUE field from its attributes. A block's first
 * label goes to the element's SF_LABEL field. Values convert as HCL does:
 * numbers and bools to strings, numeric strings to numbers, "true" and
 * "false" to bools, Go duration strings ("30s") to durations.
 *
 * Anything else is an error "FILE:LINE:COL: message" naming the argument or
 * block and where it was found (`unsupported argument "foo" in task
 * "server"`). A hook sees every item first, for the few places where a
 * format does not follow the generic rules (ports, constraint shortcuts). */
#ifndef STEPPE_JOBSPEC_HCL_DECODE_H
#define STEPPE_JOBSPEC_HCL_DECODE_H

#include <stdbool.h>

#include "jobspec/hcl.h"
#include "lib/err.h"
#include "structs/schema.h"

struct hcl_decode;

/* Called for each item of every body before the generic rules. Set
 * *handled when the hook consumed the item. `where` describes the
 * enclosing block for messages ("group \"web\""). Returns an err code. */
typedef int (*hcl_decode_hook_fn)(struct hcl_decode *d,
				  const struct schema *s, void *obj,
				  const struct hcl_item *item, const char *where,
				  bool *handled);

/* Caller-owned decoding context. */
struct hcl_decode {
	void *data; /* for the hook */
	const char *filename;
	const struct hcl_ctx *ctx;
	hcl_decode_hook_fn hook; /* may be NULL */
	struct err *err;
};

/* Decodes every item of body into obj (of schema s). On error obj keeps
 * what was decoded so far; the caller releases it. */
int hcl_decode_body(struct hcl_decode *d, const struct schema *s, void *obj,
		    const struct hcl_body *body, const char *where);

/* Decodes block b as an element of schema s into obj: checks the label
 * count (one label when s has an SF_LABEL field, none otherwise), stores
 * the label and decodes the body. `where` names the parent. */
int hcl_decode_block(struct hcl_decode *d, const struct schema *s, void *obj,
		     const struct hcl_block *b, const char *where);

/* Evaluates an attribute's expression; the caller releases *out. */
int hcl_decode_eval(struct hcl_decode *d, const struct hcl_attr *a,
		    struct hcl_val *out);

/* Conversions used by the generic rules and by hooks. `what` names the
 * argument in messages. */
int hcl_decode_string(struct hcl_decode *d, const struct hcl_val *v,
		      const char *what, char **out);
int hcl_decode_int(struct hcl_decode *d, const struct hcl_val *v,
		   const char *what, int64_t *out);
int hcl_decode_bool(struct hcl_decode *d, const struct hcl_val *v,
		    const char *what, bool *out);
int hcl_decode_value(struct hcl_decode *d, const struct hcl_val *v,
		     const char *what, struct value *out);

/* Sets d->err to "FILE:LINE:COL: <message>" (ERR_PARSE) and returns
 * ERR_PARSE. */
int hcl_decode_fail(struct hcl_decode *d, struct hcl_pos pos, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/* "block \"label\"" or "block" for messages; mem_malloc'd. */
char *hcl_decode_where(const struct hcl_block *b);

#endif
