/* jobspec/hcl.h: an HCL2 native-syntax parser with line:column positions,
 * and an evaluator for the subset of expressions Nomad files use.
 *
 * Two steps, as in HCL itself: hcl_parse() turns source text into a tree of
 * bodies, attributes and blocks whose attribute values are unevaluated
 * expressions; hcl_eval() turns one expression into a value, resolving
 * `var.x` / `local.x` through a context. Consumers (jobspec, agent config,
 * ACL policies) walk the tree and evaluate attributes as they go.
 *
 * Supported expressions: null, true, false, numbers, quoted strings with
 * escapes, heredocs (<<EOT and <<-EOT), templates with ${...}
 * interpolation, tuples [...] and objects {...} (trailing commas allowed),
 * and traversals rooted at `var` or `local` (var.x, var.x.y, var.x[0]).
 * Interpolations whose root is anything else (${NOMAD_PORT_http},
 * ${attr.kernel.name}, ${node.unique.id}, ${meta.x}) stay literal in the
 * result, byte for byte; `$${` gives a literal `${` and `%%{` a literal
 * `%{`. Function calls, for expressions, conditionals, operators, splats
 * and template directives (%{if}) are errors "... not supported" with the
 * position, never silently wrong values.
 *
 * All errors are "FILE:LINE:COL: message" in err->msg (code ERR_PARSE).
 * Lines and columns count from 1; columns count bytes. The parser accepts
 * any input without crashing or hanging; input must be valid UTF-8 and is
 * limited in nesting depth (HCL_MAX_DEPTH). */
#ifndef STEPPE_JOBSPEC_HCL_H
#define STEPPE_JOBSPEC_HCL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define HCL_MAX_DEPTH 64

struct hcl_pos {
	int line;
	int col;
};

struct hcl_expr; /* opaque: evaluate with hcl_eval */
struct hcl_body;

struct hcl_attr {
	char *name;
	struct hcl_pos pos; /* of the name */
	struct hcl_expr *expr;
	struct hcl_pos expr_pos; /* where the value starts */
};

struct hcl_block {
	char *type;
	struct hcl_pos pos; /* of the type keyword */
	char **labels;
	struct hcl_pos *label_pos;
	size_t nlabels;
	struct hcl_body *body;
};

enum hcl_item_kind { HCL_ITEM_ATTR, HCL_ITEM_BLOCK };

struct hcl_item {
	enum hcl_item_kind kind;
	union {
		struct hcl_attr attr;
		struct hcl_block block;
	} u;
};

/* Items in source order. */
struct hcl_body {
	struct hcl_item *items;
	size_t n;
	struct hcl_pos open_pos; /* the `{` of a block body; 1:1 for a file */
};

struct hcl_file {
	char *filename;
	struct hcl_body *body;
};

/* Parses src (len bytes, need not be NUL-terminated). filename is used in
 * messages. On success *out is a new file the caller frees with
 * hcl_file_free. */
int hcl_parse(const char *filename, const char *src, size_t len,
	      struct hcl_file **out, struct err *e);
void hcl_file_free(struct hcl_file *f);

/* ---- values -------------------------------------------------------- */

enum hcl_kind {
	HCL_NULL = 0,
	HCL_BOOL,
	HCL_NUMBER,
	HCL_STRING,
	HCL_LIST,
	HCL_OBJECT,
};

/* An evaluated value. Numbers keep both forms: `num` always, and `i` with
 * is_int when the literal was integral and fits int64. Objects keep keys
 * in source order, with positions. Value type: hcl_val_release. */
struct hcl_val {
	enum hcl_kind kind;
	struct hcl_pos pos;
	bool b;
	double num;
	int64_t i;
	bool is_int;
	char *s;      /* HCL_STRING: NUL-terminated, valid UTF-8 */
	struct hcl_val *items; /* HCL_LIST items, HCL_OBJECT values */
	char **keys;           /* HCL_OBJECT keys */
	struct hcl_pos *key_pos;
	size_t n;
};

void hcl_val_release(struct hcl_val *v);
int hcl_val_copy(struct hcl_val *dst, const struct hcl_val *src);
/* "string", "number", "bool", "null", "list", "object". */
const char *hcl_kind_name(enum hcl_kind k);

/* ---- evaluation ------------------------------------------------------ */

/* Variables and locals visible to expressions. Opaque; built from a file's
 * `variable` and `locals` blocks plus overrides. */
struct hcl_ctx;

/* Overrides for variable values, in increasing precedence: NOMAD_VAR_x
 * environment variables (when use_env), -var-file files (HCL `name =
 * value` attributes), -var "name=value" strings. */
struct hcl_var_overrides {
	const char *const *var_files;
	size_t nvar_files;
	const char *const *vars; /* "name=value" */
	size_t nvars;
	bool use_env;
};

/* Builds the context for file: collects every top-level `variable "x"`
 * block (default, type, description; validation blocks are rejected as
 * not supported), applies overrides (a value for an undeclared variable is
 * an error naming it; a variable with no default and no value is an error
 * "No value for required variable"), then evaluates `locals` blocks in
 * dependency order. A -var value for a variable whose type is not string
 * is parsed as an HCL expression. Caller frees with hcl_ctx_free. */
int hcl_ctx_build(const struct hcl_file *file,
		  const struct hcl_var_overrides *ov, struct hcl_ctx **out,
		  struct err *e);
/* An empty context (no variables): references to var.* are errors. */
int hcl_ctx_empty(struct hcl_ctx **out);
void hcl_ctx_free(struct hcl_ctx *ctx);

/* Evaluates x in ctx into a zeroed out. filename names the file in
 * errors. */
int hcl_eval(const struct hcl_expr *x, const struct hcl_ctx *ctx,
	     const char *filename, struct hcl_val *out, struct err *e);

/* True for block types the evaluator consumes itself (`variable`,
 * `locals`), which body walkers should skip at the top level. */
bool hcl_is_meta_block(const char *type);

/* Formats the file at `src` canonically (HCL's `fmt`: two-space
 * indentation, `=` aligned within runs of attributes, one space inside
 * single-line braces). Comments are kept. Appends to a mem_malloc'd
 * string in *out. */
int hcl_format(const char *filename, const char *src, size_t len, char **out,
	       struct err *e);

#endif
