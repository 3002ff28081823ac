/* tests/lib/hcl_emit.h: writes any schema struct back as HCL, for the
 * HCL -> Job round-trip property tests. Inverse of jobspec's mapping for
 * the fields a job file can set (hcl name != NULL), plus its special
 * cases: ports, the default identity, labels. */
#ifndef STEPPE_TESTS_HCL_EMIT_H
#define STEPPE_TESTS_HCL_EMIT_H

#include "lib/buf.h"
#include "structs/schema.h"

/* Appends `block_type "label" { ... }` for obj to out. */
void hcl_emit_block(struct buf *out, const char *block_type,
		    const struct schema *s, const void *obj, int indent);

/* Appends s as an HCL quoted string, escaping quotes, backslashes, control
 * characters, "${" and "%{". */
void hcl_emit_string(struct buf *out, const char *s);

/* Makes a random object representable in HCL: clears fields a job file
 * cannot set (hcl == NULL and not a label or special case), gives reserved
 * ports a non-zero Value and dynamic ports Value 0, keeps named identities
 * named and the default identity unnamed. */
void hcl_emit_normalize(const struct schema *s, void *obj);

#endif
