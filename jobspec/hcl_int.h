/* jobspec/hcl_int.h: private to jobspec/hcl_*.c.
 *
 * The parse tree (struct hcl_file and everything below it, expressions
 * included) lives in one arena owned by the file: a parse error or
 * hcl_file_free releases it in one go, so the parser has no per-node
 * unwinding. Values (struct hcl_val) and contexts use the mem hook
 * directly because callers own and release them one by one. */
#ifndef STEPPE_JOBSPEC_HCL_INT_H
#define STEPPE_JOBSPEC_HCL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobspec/hcl.h"
#include "lib/err.h"

/* ---- arena (hcl_parse.c) --------------------------------------------- */

struct hcl_arena_chunk;

/* Bump allocator. Value type: zero it (or hcl_arena_init), release with
 * hcl_arena_release. */
struct hcl_arena {
	struct hcl_arena_chunk *head;
	char *cur;
	size_t left;
	size_t next; /* size of the next chunk */
};

void hcl_arena_init(struct hcl_arena *a);
void hcl_arena_release(struct hcl_arena *a);
/* Zeroed memory aligned for any object, or NULL when out of memory. */
void *hcl_arena_alloc(struct hcl_arena *a, size_t n);
char *hcl_arena_strndup(struct hcl_arena *a, const char *s, size_t n);

/* ---- name set (hcl_parse.c) ----------------------------------------- */

#define HCL_NAMESET_SMALL 16

struct hcl_nameslot {
	const char *name;
	uint32_t hash; /* compared before the names: fewer cache misses */
	uint32_t idx;
};

/* Maps NUL-terminated names (borrowed, must outlive the set) to indexes.
 * Linear below HCL_NAMESET_SMALL entries, hashed above, so duplicate
 * checks stay linear overall. Value type: hcl_nameset_init / _release. */
struct hcl_nameset {
	struct hcl_nameslot small[HCL_NAMESET_SMALL];
	struct hcl_nameslot *slots; /* hash table once n > SMALL */
	size_t cap;
	size_t n;
};

void hcl_nameset_init(struct hcl_nameset *s);
void hcl_nameset_release(struct hcl_nameset *s);
/* Adds name -> idx unless name is present, in which case *dup is set and
 * *prev gets the stored index. Returns ERR_OK or ERR_NOMEM. */
int hcl_nameset_put(struct hcl_nameset *s, const char *name, size_t idx,
                    bool *dup, size_t *prev);
bool hcl_nameset_get(const struct hcl_nameset *s, const char *name,
                     size_t *idx);

/* ---- errors ------------------------------------------------------------ */

/* Sets e to "FILE:LINE:COL: message" with ERR_PARSE; returns ERR_PARSE. */
int hcl_fail(struct err *e, const char *filename, struct hcl_pos pos,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int hcl_oom(struct err *e);

/* ---- lexer (hcl_lex.c) ------------------------------------------------ */

enum hcl_tok_kind {
	HCL_T_EOF,
	HCL_T_NEWLINE,
	HCL_T_COMMENT, /* only with keep_comments */
	HCL_T_IDENT,
	HCL_T_NUMBER,
	HCL_T_OQUOTE,  /* `"`: the lexer stops right after it */
	HCL_T_HEREDOC, /* `<<EOT\n`: the lexer stops at the content */
	HCL_T_LBRACE,
	HCL_T_RBRACE,
	HCL_T_STRIP_RBRACE, /* `~}` */
	HCL_T_LBRACK,
	HCL_T_RBRACK,
	HCL_T_LPAREN,
	HCL_T_RPAREN,
	HCL_T_EQUAL,
	HCL_T_COLON,
	HCL_T_COMMA,
	HCL_T_DOT,
	HCL_T_ELLIPSIS,
	HCL_T_QUESTION,
	HCL_T_ARROW,
	HCL_T_MINUS,
	HCL_T_STAR,
	HCL_T_OP, /* every other operator: + / % == != < > <= >= && || ! */
};

struct hcl_tok {
	enum hcl_tok_kind kind;
	struct hcl_pos pos;
	size_t off; /* source bytes; a heredoc spans through its marker */
	size_t len;
	/* HCL_T_HEREDOC only */
	bool hd_flush; /* `<<-` */
	size_t hd_marker, hd_marker_len;
	size_t hd_body, hd_body_end; /* content, whole lines */
	size_t hd_end;               /* just after the closing marker */
	int hd_end_line;
	size_t hd_end_line_start;
};

/* A tokenizer over src[0, end). The parser drives it one token at a time
 * and switches to template scanning after `"`, `${` and heredoc
 * introductions, so there is no lexer-side mode stack. */
struct hcl_lex {
	const char *filename;
	const char *src;
	size_t len;
	size_t end; /* current bound, <= len (heredoc content) */
	size_t off;
	int line;
	size_t line_start;
	bool keep_comments;
	struct err *e;
};

/* Checks that src is valid UTF-8 without NUL bytes, reporting the
 * position of the first bad byte. */
int hcl_lex_check(const char *filename, const char *src, size_t len,
                  struct err *e);
void hcl_lex_init(struct hcl_lex *lx, const char *filename, const char *src,
                  size_t len, struct err *e);
struct hcl_pos hcl_lex_pos(const struct hcl_lex *lx);
int hcl_lex_next(struct hcl_lex *lx, struct hcl_tok *t);
/* Moves to just after a heredoc's closing marker. */
void hcl_lex_skip_heredoc(struct hcl_lex *lx, const struct hcl_tok *t);
/* Describes a token for "found X" messages into buf. */
const char *hcl_tok_desc(const struct hcl_lex *lx, const struct hcl_tok *t,
                         char *buf, size_t n);

enum hcl_piece_kind { HCL_P_LIT, HCL_P_INTERP, HCL_P_END };

/* One piece of a template. Heredoc literals end after each newline so
 * that line-leading literals can be found for `<<-`. */
struct hcl_piece {
	enum hcl_piece_kind kind;
	struct hcl_pos pos;
	size_t off, len; /* raw source bytes */
	bool strip;      /* HCL_P_INTERP: `${~` */
};

/* Scans the next template piece from the lexer position. open is the
 * opening quote (for "missing closing quote"); heredoc pieces end at the
 * lexer bound. */
int hcl_lex_piece(struct hcl_lex *lx, bool heredoc, struct hcl_pos open,
                  struct hcl_piece *pc);
/* Decodes a literal piece (escapes when quoted, `$${` and `%%{` always)
 * into dst, which has room for pc->len + 1 bytes; sets *n. */
int hcl_lex_decode(const struct hcl_lex *lx, const struct hcl_piece *pc,
                   bool quoted, char *dst, size_t *n);
/* Skips a quoted string whose `"` was just lexed, interpolations included
 * (for the formatter). */
int hcl_lex_skip_string(struct hcl_lex *lx, struct hcl_pos open, int depth);

/* ---- expressions (hcl_parse.c builds, hcl_eval.c evaluates) --------- */

enum hcl_expr_kind {
	HCL_X_LITERAL,
	HCL_X_TEMPLATE,
	HCL_X_TUPLE,
	HCL_X_OBJECT,
	HCL_X_TRAVERSAL,
	HCL_X_PAREN,
	HCL_X_CALL, /* only type constructors: list(string) */
};

/* A template part: a literal (x == NULL) or an interpolation. An
 * interpolation whose root is not var or local (${NOMAD_PORT_http}) is
 * kept byte for byte as part of a literal. Consecutive literals are
 * melded, and a template of at most one literal is an HCL_X_LITERAL
 * string instead. */
struct hcl_tpart {
	const char *lit;
	size_t len;
	struct hcl_expr *x;
	struct hcl_pos pos;
};

struct hcl_step {
	const char *name; /* attribute; NULL for an index */
	struct hcl_expr *index;
	struct hcl_pos pos;
};

struct hcl_expr {
	enum hcl_expr_kind kind;
	struct hcl_pos pos;
	union {
		struct {
			enum hcl_kind kind;
			bool b;
			double num;
			int64_t i;
			bool is_int;
			const char *s;
		} lit;
		struct {
			struct hcl_tpart *parts;
			size_t n;
		} tmpl;
		struct {
			struct hcl_expr **items;
			size_t n;
		} tuple;
		struct {
			struct hcl_expr **keys;
			struct hcl_expr **vals;
			size_t n;
		} obj;
		struct {
			const char *root;
			struct hcl_step *steps;
			size_t n;
		} trav;
		struct hcl_expr *paren;
		struct {
			const char *name;
			struct hcl_expr **args;
			size_t n;
		} call;
	} u;
};

/* Parses src as one expression (for -var values) into arena a. */
int hcl_parse_expr(const char *filename, const char *src, size_t len,
                   struct hcl_arena *a, struct hcl_expr **out, struct err *e);

/* ---- values and contexts (hcl_eval.c) -------------------------------- */

struct hcl_ctx_entry {
	char *name;
	struct hcl_val val;
};

struct hcl_ctx_table {
	struct hcl_ctx_entry *items;
	size_t n, cap;
	struct hcl_nameset index;
};

struct hcl_ctx {
	struct hcl_ctx_table vars;
	struct hcl_ctx_table locals;
	bool no_refs; /* defaults and variable files: no references */
};

/* Adds name with value *v (moved in: *v is zeroed) to t. */
int hcl_ctx_table_add(struct hcl_ctx_table *t, const char *name,
                      struct hcl_val *v);
/* Formats a number as HCL does in templates: integers without a fraction,
 * others in the shortest decimal form that reads back the same, never in
 * exponent notation. buf needs HCL_NUM_BUF bytes. */
#define HCL_NUM_BUF 400
void hcl_num_format(const struct hcl_val *v, char *buf);
/* Nesting depth of a value (1 for scalars). */
int hcl_val_depth(const struct hcl_val *v);
/* Sets the position of v and of everything inside it. */
void hcl_val_set_pos(struct hcl_val *v, struct hcl_pos pos);

#endif
