/* jobspec/hcl_format.c: canonical layout, as `nomad fmt` does it.
 *
 * The file must parse first. It is then re-emitted token by token: lines
 * stay where they are (so comments and the tree are untouched), each line
 * is indented by two spaces per bracket open before it, spaces between
 * tokens are normalised, and `=` is aligned within runs of consecutive
 * one-line attributes. Strings and heredocs are single opaque tokens
 * copied byte for byte. Formatting formatted output changes nothing.
 *
 * Two passes over the tokens keep memory to a few bytes per line: the
 * first measures every line (indentation, alignment), the second lexes
 * again and writes. */
#include "jobspec/hcl_int.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/mem.h"

struct fline {
	int indent;
	uint32_t klen; /* bytes of the first token */
	uint32_t keyw; /* width `=` is aligned to, 0 when not aligned */
	bool attr;     /* `name = value` wholly on this line */
	bool empty;
};

/* What the first pass knows about the line being read. */
struct fmeasure {
	int depth, start, low, lead;
	size_t ntok;
	bool leading;
	enum hcl_tok_kind first, second;
	size_t first_len;
};

struct fmt {
	const char *filename;
	const char *src;
	size_t len;
	struct err *e;
	struct fline *lines;
	size_t n, cap;
};

/* The next token, a whole quoted string or heredoc being one token. */
static int fnext(struct hcl_lex *lx, struct hcl_tok *t)
{
	int rc = hcl_lex_next(lx, t);
	if (rc != ERR_OK)
		return rc;
	if (t->kind == HCL_T_OQUOTE) {
		rc = hcl_lex_skip_string(lx, t->pos, 0);
		t->len = lx->off - t->off;
	} else if (t->kind == HCL_T_HEREDOC) {
		hcl_lex_skip_heredoc(lx, t);
	}
	return rc;
}

static void flex_init(struct fmt *f, struct hcl_lex *lx)
{
	hcl_lex_init(lx, f->filename, f->src, f->len, f->e);
	lx->keep_comments = true;
}

static bool is_open(enum hcl_tok_kind k)
{
	return k == HCL_T_LBRACE || k == HCL_T_LBRACK || k == HCL_T_LPAREN;
}

static bool is_close(enum hcl_tok_kind k)
{
	return k == HCL_T_RBRACE || k == HCL_T_RBRACK || k == HCL_T_RPAREN;
}

static void measure_tok(struct fmeasure *m, const struct hcl_tok *t)
{
	if (m->leading && is_close(t->kind))
		m->lead++;
	else
		m->leading = false;
	if (m->ntok == 0) {
		m->first = t->kind;
		m->first_len = t->len;
	} else if (m->ntok == 1) {
		m->second = t->kind;
	}
	m->ntok++;
	m->depth += is_open(t->kind) - is_close(t->kind);
	if (m->depth - m->start < m->low)
		m->low = m->depth - m->start;
}

/* Records the line just measured and starts the next one. */
static int measure_end(struct fmt *f, struct fmeasure *m)
{
	struct fline *l;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		struct fline *nl = mem_realloc(f->lines, cap * sizeof *nl);
		if (nl == NULL)
			return hcl_oom(f->e);
		f->lines = nl;
		f->cap = cap;
	}
	l = &f->lines[f->n++];
	memset(l, 0, sizeof *l);
	l->indent = m->start - m->lead > 0 ? m->start - m->lead : 0;
	l->empty = m->ntok == 0;
	l->klen = (uint32_t)m->first_len;
	l->attr = m->ntok >= 3 && m->low == 0 && m->depth == m->start &&
	          (m->first == HCL_T_IDENT || m->first == HCL_T_OQUOTE) &&
	          m->second == HCL_T_EQUAL;
	*m = (struct fmeasure){
	    .depth = m->depth, .start = m->depth, .leading = true};
	return ERR_OK;
}

/* Within each run of attribute lines at one indentation, the widest key
 * sets the column of `=`. */
static void align_runs(struct fmt *f)
{
	size_t i = 0, k;
	uint32_t w;
	while (i < f->n) {
		if (!f->lines[i].attr) {
			i++;
			continue;
		}
		w = 0;
		for (k = i; k < f->n && f->lines[k].attr &&
		            f->lines[k].indent == f->lines[i].indent;
		     k++)
			w = f->lines[k].klen > w ? f->lines[k].klen : w;
		for (; i < k; i++)
			f->lines[i].keyw = w;
	}
}

static int measure(struct fmt *f)
{
	struct fmeasure m = {.leading = true};
	struct hcl_lex lx;
	struct hcl_tok t;
	int rc;
	flex_init(f, &lx);
	do {
		rc = fnext(&lx, &t);
		if (rc != ERR_OK)
			return rc;
		if (t.kind == HCL_T_NEWLINE || t.kind == HCL_T_EOF)
			rc = measure_end(f, &m);
		else
			measure_tok(&m, &t);
	} while (rc == ERR_OK && t.kind != HCL_T_EOF);
	align_runs(f);
	return rc;
}

/* Spaces between two tokens on one line; before is the token before
 * prev. */
static size_t gap(enum hcl_tok_kind before, enum hcl_tok_kind prev,
                  enum hcl_tok_kind cur)
{
	if (before == HCL_T_NUMBER && prev == HCL_T_DOT && cur == HCL_T_NUMBER)
		return 1; /* `x.0. 1`: `0.1` would read as one number */
	if (cur == HCL_T_COMMA || cur == HCL_T_COLON || cur == HCL_T_DOT ||
	    cur == HCL_T_RBRACK || cur == HCL_T_RPAREN || cur == HCL_T_ELLIPSIS)
		return 0;
	if (prev == HCL_T_LBRACK || prev == HCL_T_LPAREN || prev == HCL_T_DOT ||
	    prev == HCL_T_MINUS)
		return 0;
	if (prev == HCL_T_LBRACE && cur == HCL_T_RBRACE)
		return 0;
	if ((cur == HCL_T_LBRACK || cur == HCL_T_LPAREN) &&
	    (prev == HCL_T_IDENT || prev == HCL_T_RBRACK ||
	     prev == HCL_T_RPAREN))
		return 0; /* index or type constructor */
	return 1;
}

static void spaces(struct buf *b, size_t n)
{
	static const char sp[] = "                                ";
	while (n > 0) {
		size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
		buf_append(b, sp, k);
		n -= k;
	}
}

static void emit_tok(struct fmt *f, struct buf *b, const struct hcl_tok *t)
{
	const char *s = f->src + t->off;
	size_t len = t->len;
	if (t->kind == HCL_T_COMMENT && !(s[0] == '/' && s[1] == '*'))
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
		                   s[len - 1] == '\r'))
			len--; /* line comments lose trailing blanks */
	buf_append(b, s, len);
}

/* Blank lines before the first and after the last line with tokens are
 * dropped. */
static void content_lines(const struct fmt *f, size_t *first, size_t *last)
{
	*first = 0;
	*last = f->n;
	while (*first < *last && f->lines[*first].empty)
		(*first)++;
	while (*last > *first && f->lines[*last - 1].empty)
		(*last)--;
}

static int emit(struct fmt *f, struct buf *b)
{
	enum hcl_tok_kind before = HCL_T_NEWLINE, prev = HCL_T_NEWLINE;
	size_t line = 0, ntok = 0, first, last;
	struct hcl_lex lx;
	struct hcl_tok t;
	int rc;
	content_lines(f, &first, &last);
	flex_init(f, &lx);
	for (;;) {
		const struct fline *l = &f->lines[line];
		if ((rc = fnext(&lx, &t)) != ERR_OK || t.kind == HCL_T_EOF)
			return rc;
		if (t.kind == HCL_T_NEWLINE) {
			if (line >= first && line < last)
				buf_append_char(b, '\n');
			line++;
			ntok = 0;
			continue;
		}
		if (ntok == 0)
			spaces(b, (size_t)l->indent * 2);
		else if (ntok == 1 && l->keyw > 0)
			spaces(b, l->keyw - l->klen + 1);
		else
			spaces(b, gap(before, prev, t.kind));
		emit_tok(f, b, &t);
		before = prev;
		prev = t.kind;
		ntok++;
	}
}

int hcl_format(const char *filename, const char *src, size_t len, char **out,
               struct err *e)
{
	struct fmt f = {.filename = filename != NULL ? filename : "<input>",
	                .src = src != NULL ? src : "",
	                .len = len,
	                .e = e};
	struct hcl_file *file;
	struct buf b;
	int rc;
	*out = NULL;
	rc = hcl_parse(f.filename, f.src, len, &file, e);
	if (rc != ERR_OK)
		return rc;
	hcl_file_free(file);
	buf_init(&b);
	rc = measure(&f);
	if (rc == ERR_OK)
		rc = emit(&f, &b);
	if (rc == ERR_OK) {
		/* the last line with tokens has no newline token when the
		 * file does not end with one */
		if (b.len > 0 && b.data[b.len - 1] != '\n')
			buf_append_char(&b, '\n');
		if ((*out = buf_steal(&b, NULL)) == NULL)
			rc = hcl_oom(e);
	}
	buf_release(&b);
	mem_free(f.lines);
	return rc;
}
