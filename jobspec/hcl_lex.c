/* jobspec/hcl_lex.c: the HCL2 tokenizer and template scanner.
 *
 * The lexer never allocates: tokens and template pieces are spans of the
 * source. Positions are tracked incrementally (line, start of line), so a
 * column is an offset difference and every scan stays linear. */
#include "jobspec/hcl_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int hcl_fail(struct err *e, const char *filename, struct hcl_pos pos,
             const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(e, ERR_PARSE, "%s:%d:%d: %s", filename, pos.line,
	               pos.col, msg);
}

int hcl_oom(struct err *e)
{
	return err_set(e, ERR_NOMEM, "out of memory");
}

/* ---- input checks ------------------------------------------------------ */

/* Length of the UTF-8 sequence starting at s (n bytes left), or 0 with
 * *bad set to the offset of the offending byte. */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	size_t len;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		*bad = 0;
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if (i >= n) {
			*bad = 0; /* truncated by the end of input */
			return 0;
		}
		if (s[i] < (i == 1 ? lo : 0x80) ||
		    s[i] > (i == 1 ? hi : 0xBF)) {
			*bad = i;
			return 0;
		}
	}
	return len;
}

int hcl_lex_check(const char *filename, const char *src, size_t len,
                  struct err *e)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, ls = 0, n, bad;
	int line = 1;
	if (len > (size_t)INT_MAX)
		return hcl_fail(e, filename, (struct hcl_pos){1, 1},
		                "input is too large");
	while (i < len) {
		if (s[i] >= 0x80) {
			n = utf8_seq(s + i, len - i, &bad);
			if (n == 0)
				return hcl_fail(
				    e, filename,
				    (struct hcl_pos){line,
				                     (int)(i + bad - ls) + 1},
				    "invalid UTF-8 byte 0x%02X", s[i + bad]);
			i += n;
			continue;
		}
		if (s[i] == '\0')
			return hcl_fail(
			    e, filename,
			    (struct hcl_pos){line, (int)(i - ls) + 1},
			    "unexpected NUL byte");
		if (s[i] == '\n') {
			line++;
			ls = i + 1;
		}
		i++;
	}
	return ERR_OK;
}

/* ---- tokens ------------------------------------------------------------- */

void hcl_lex_init(struct hcl_lex *lx, const char *filename, const char *src,
                  size_t len, struct err *e)
{
	memset(lx, 0, sizeof *lx);
	lx->filename = filename;
	lx->src = src;
	lx->len = len;
	lx->end = len;
	lx->line = 1;
	lx->e = e;
	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
		lx->off = 3; /* a byte order mark: skipped, not counted */
		lx->line_start = 3;
	}
}

struct hcl_pos hcl_lex_pos(const struct hcl_lex *lx)
{
	return (struct hcl_pos){lx->line, (int)(lx->off - lx->line_start) + 1};
}

static int peek(const struct hcl_lex *lx, size_t k)
{
	size_t at = lx->off + k;
	return at < lx->end ? (unsigned char)lx->src[at] : -1;
}

static bool ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(int c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int lex_fail(struct hcl_lex *lx, struct hcl_pos pos, const char *fmt,
                    const char *arg, int argn)
{
	return hcl_fail(lx->e, lx->filename, pos, fmt, argn, arg);
}

static int unexpected(struct hcl_lex *lx)
{
	unsigned c = (unsigned char)lx->src[lx->off];
	struct hcl_pos pos = hcl_lex_pos(lx);
	int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (c >= 0x21 && c < 0x7F)
		return hcl_fail(lx->e, lx->filename, pos,
		                "unexpected character \"%c\"", (char)c);
	if (c < 0x80)
		return hcl_fail(lx->e, lx->filename, pos,
		                "unexpected character U+%04X", c);
	if ((size_t)n > lx->end - lx->off)
		n = (int)(lx->end - lx->off);
	return lex_fail(lx, pos, "unexpected character \"%.*s\"",
	                lx->src + lx->off, n);
}

static int tok(struct hcl_lex *lx, struct hcl_tok *t, enum hcl_tok_kind k,
               size_t len)
{
	t->kind = k;
	t->len = len;
	lx->off += len;
	if (k == HCL_T_NEWLINE) {
		lx->line++;
		lx->line_start = lx->off;
	}
	return ERR_OK;
}

/* Two-character operator when the next byte is `second`, else k1/len 1. */
static int tok2(struct hcl_lex *lx, struct hcl_tok *t, int second,
                enum hcl_tok_kind k2, enum hcl_tok_kind k1)
{
	if (peek(lx, 1) == second)
		return tok(lx, t, k2, 2);
	return tok(lx, t, k1, 1);
}

static int lex_number(struct hcl_lex *lx, struct hcl_tok *t)
{
	size_t k = 0;
	while (is_digit(peek(lx, k)))
		k++;
	if (peek(lx, k) == '.' && is_digit(peek(lx, k + 1))) {
		k++;
		while (is_digit(peek(lx, k)))
			k++;
	}
	if (peek(lx, k) == 'e' || peek(lx, k) == 'E') {
		size_t s = k + 1;
		if (peek(lx, s) == '+' || peek(lx, s) == '-')
			s++;
		if (is_digit(peek(lx, s))) {
			k = s;
			while (is_digit(peek(lx, k)))
				k++;
		}
	}
	return tok(lx, t, HCL_T_NUMBER, k);
}

static int lex_ident(struct hcl_lex *lx, struct hcl_tok *t)
{
	size_t k = 1;
	while (ident_char(peek(lx, k)))
		k++;
	return tok(lx, t, HCL_T_IDENT, k);
}

/* Finds the line holding only the marker (after optional indentation);
 * fills the token's heredoc fields. */
static int heredoc_find_end(struct hcl_lex *lx, struct hcl_tok *t)
{
	const char *s = lx->src;
	const char *m = s + t->hd_marker;
	size_t ls = t->hd_body, le, q, te, mlen = t->hd_marker_len;
	int line = lx->line + 1;
	while (ls < lx->end) {
		const char *nl = memchr(s + ls, '\n', lx->end - ls);
		le = nl != NULL ? (size_t)(nl - s) : lx->end;
		q = ls;
		while (q < le && (s[q] == ' ' || s[q] == '\t'))
			q++;
		te = le > q && s[le - 1] == '\r' ? le - 1 : le;
		if (te - q == mlen && memcmp(s + q, m, mlen) == 0) {
			t->hd_body_end = ls;
			t->hd_end = q + mlen;
			t->hd_end_line = line;
			t->hd_end_line_start = ls;
			return ERR_OK;
		}
		if (nl == NULL)
			break;
		ls = le + 1;
		line++;
	}
	return lex_fail(lx, t->pos,
	                "heredoc is missing its closing \"%.*s\" line", m,
	                (int)mlen);
}

static int lex_heredoc(struct hcl_lex *lx, struct hcl_tok *t)
{
	const char *s = lx->src;
	size_t p = lx->off + 2;
	int rc;
	t->hd_flush = p < lx->end && s[p] == '-';
	if (t->hd_flush)
		p++;
	t->hd_marker = p;
	if (p >= lx->end || !ident_start((unsigned char)s[p]))
		return lex_fail(lx, t->pos,
		                "invalid heredoc: expected an identifier after "
		                "\"%.*s\"",
		                s + lx->off, (int)(p - lx->off));
	while (p < lx->end && ident_char((unsigned char)s[p]))
		p++;
	t->hd_marker_len = p - t->hd_marker;
	if (p + 1 < lx->end && s[p] == '\r' && s[p + 1] == '\n')
		p++;
	if (p >= lx->end || s[p] != '\n')
		return lex_fail(
		    lx, t->pos,
		    "invalid heredoc: expected a newline after "
		    "\"%.*s\"",
		    s + lx->off,
		    (int)(t->hd_marker + t->hd_marker_len - lx->off));
	t->hd_body = p + 1;
	rc = heredoc_find_end(lx, t);
	if (rc != ERR_OK)
		return rc;
	t->kind = HCL_T_HEREDOC;
	t->len = t->hd_end - t->off;
	lx->off = t->hd_body;
	lx->line++;
	lx->line_start = lx->off;
	return ERR_OK;
}

/* Skips a comment starting at the lexer position; a line comment stops
 * before its newline (which is then a token of its own). */
static int skip_comment(struct hcl_lex *lx, struct hcl_tok *t)
{
	const char *s = lx->src;
	size_t p = lx->off;
	if (s[p] == '#' || s[p + 1] == '/') {
		const char *nl = memchr(s + p, '\n', lx->end - p);
		size_t e = nl != NULL ? (size_t)(nl - s) : lx->end;
		if (e > p && s[e - 1] == '\r')
			e--;
		t->len = e - p;
		lx->off = e;
		return ERR_OK;
	}
	for (p += 2; p + 1 < lx->end; p++) {
		if (s[p] == '*' && s[p + 1] == '/') {
			t->len = p + 2 - lx->off;
			lx->off = p + 2;
			return ERR_OK;
		}
		if (s[p] == '\n') {
			lx->line++;
			lx->line_start = p + 1;
		}
	}
	return hcl_fail(lx->e, lx->filename, t->pos,
	                "comment is missing its closing \"*/\"");
}

static int lex_punct(struct hcl_lex *lx, struct hcl_tok *t, int c)
{
	switch (c) {
	case '"': return tok(lx, t, HCL_T_OQUOTE, 1);
	case '{': return tok(lx, t, HCL_T_LBRACE, 1);
	case '}': return tok(lx, t, HCL_T_RBRACE, 1);
	case '[': return tok(lx, t, HCL_T_LBRACK, 1);
	case ']': return tok(lx, t, HCL_T_RBRACK, 1);
	case '(': return tok(lx, t, HCL_T_LPAREN, 1);
	case ')': return tok(lx, t, HCL_T_RPAREN, 1);
	case ',': return tok(lx, t, HCL_T_COMMA, 1);
	case ':': return tok(lx, t, HCL_T_COLON, 1);
	case '?': return tok(lx, t, HCL_T_QUESTION, 1);
	case '-': return tok(lx, t, HCL_T_MINUS, 1);
	case '*': return tok(lx, t, HCL_T_STAR, 1);
	case '+':
	case '%':
	case '/': return tok(lx, t, HCL_T_OP, 1);
	case '!': return tok2(lx, t, '=', HCL_T_OP, HCL_T_OP);
	case '>': return tok2(lx, t, '=', HCL_T_OP, HCL_T_OP);
	case '=':
		if (peek(lx, 1) == '>')
			return tok(lx, t, HCL_T_ARROW, 2);
		return tok2(lx, t, '=', HCL_T_OP, HCL_T_EQUAL);
	case '<':
		if (peek(lx, 1) == '<')
			return lex_heredoc(lx, t);
		return tok2(lx, t, '=', HCL_T_OP, HCL_T_OP);
	case '.':
		if (peek(lx, 1) == '.' && peek(lx, 2) == '.')
			return tok(lx, t, HCL_T_ELLIPSIS, 3);
		return tok(lx, t, HCL_T_DOT, 1);
	case '&':
	case '|':
		if (peek(lx, 1) == c)
			return tok(lx, t, HCL_T_OP, 2);
		return unexpected(lx);
	case '~':
		if (peek(lx, 1) == '}')
			return tok(lx, t, HCL_T_STRIP_RBRACE, 2);
		return unexpected(lx);
	case '\n': return tok(lx, t, HCL_T_NEWLINE, 1);
	case '\r':
		if (peek(lx, 1) == '\n')
			return tok(lx, t, HCL_T_NEWLINE, 2);
		return unexpected(lx);
	default: return unexpected(lx);
	}
}

int hcl_lex_next(struct hcl_lex *lx, struct hcl_tok *t)
{
	int c, rc;
	for (;;) {
		while ((c = peek(lx, 0)) == ' ' || c == '\t')
			lx->off++;
		t->pos = hcl_lex_pos(lx);
		t->off = lx->off;
		t->len = 0;
		if (c < 0) {
			t->kind = HCL_T_EOF;
			return ERR_OK;
		}
		if (c == '#' ||
		    (c == '/' && (peek(lx, 1) == '/' || peek(lx, 1) == '*'))) {
			rc = skip_comment(lx, t);
			if (rc != ERR_OK)
				return rc;
			if (lx->keep_comments) {
				t->kind = HCL_T_COMMENT;
				return ERR_OK;
			}
			continue;
		}
		if (is_digit(c))
			return lex_number(lx, t);
		if (ident_start(c))
			return lex_ident(lx, t);
		return lex_punct(lx, t, c);
	}
}

void hcl_lex_skip_heredoc(struct hcl_lex *lx, const struct hcl_tok *t)
{
	lx->off = t->hd_end;
	lx->line = t->hd_end_line;
	lx->line_start = t->hd_end_line_start;
}

const char *hcl_tok_desc(const struct hcl_lex *lx, const struct hcl_tok *t,
                         char *buf, size_t n)
{
	switch (t->kind) {
	case HCL_T_EOF: return "end of file";
	case HCL_T_NEWLINE: return "newline";
	case HCL_T_COMMENT: return "comment";
	case HCL_T_OQUOTE: return "a string";
	case HCL_T_HEREDOC: return "a heredoc";
	default:
		snprintf(buf, n, "\"%.*s\"", t->len > 32 ? 32 : (int)t->len,
		         lx->src + t->off);
		return buf;
	}
}

/* ---- templates ---------------------------------------------------------- */

/* Length of the literal starting at the lexer position. */
static size_t piece_scan(const struct hcl_lex *lx, bool heredoc)
{
	const char *s = lx->src;
	size_t i = lx->off, end = lx->end;
	while (i < end) {
		char c = s[i];
		if ((c == '$' || c == '%') && i + 1 < end && s[i + 1] == '{')
			break;
		if ((c == '$' || c == '%') && i + 2 < end && s[i + 1] == c &&
		    s[i + 2] == '{') {
			i += 3;
			continue;
		}
		if (heredoc) {
			i++;
			if (c == '\n')
				break;
			continue;
		}
		if (c == '"' || c == '\n' ||
		    (c == '\r' && i + 1 < end && s[i + 1] == '\n'))
			break;
		if (c == '\\' && i + 1 < end && s[i + 1] != '\n' &&
		    s[i + 1] != '\r')
			i++;
		i++;
	}
	return i - lx->off;
}

int hcl_lex_piece(struct hcl_lex *lx, bool heredoc, struct hcl_pos open,
                  struct hcl_piece *pc)
{
	size_t n = piece_scan(lx, heredoc);
	int c;
	pc->pos = hcl_lex_pos(lx);
	pc->off = lx->off;
	pc->len = n;
	pc->strip = false;
	if (n > 0) {
		pc->kind = HCL_P_LIT;
		lx->off += n;
		if (heredoc && lx->src[lx->off - 1] == '\n') {
			lx->line++;
			lx->line_start = lx->off;
		}
		return ERR_OK;
	}
	c = peek(lx, 0);
	if (c < 0 && heredoc) {
		pc->kind = HCL_P_END;
		return ERR_OK;
	}
	if (c == '"') {
		pc->kind = HCL_P_END;
		lx->off++;
		return ERR_OK;
	}
	if (c == '$') {
		pc->kind = HCL_P_INTERP;
		lx->off += 2;
		pc->strip = peek(lx, 0) == '~';
		lx->off += pc->strip;
		return ERR_OK;
	}
	if (c == '%')
		return hcl_fail(lx->e, lx->filename, pc->pos,
		                "template directives are not supported; write "
		                "\"%%%%{\" for a literal \"%%{\"");
	return hcl_fail(lx->e, lx->filename, open,
	                "string is missing its closing quote");
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t utf8_put(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xC0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xE0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		d[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	d[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* \uNNNN or \UNNNNNNNN at s[at] (the backslash). */
static int decode_unicode(const struct hcl_lex *lx, const char *s, size_t len,
                          size_t at, struct hcl_pos pos, char *dst, size_t *o)
{
	int nd = s[at + 1] == 'u' ? 4 : 8;
	uint32_t cp = 0;
	for (int k = 0; k < nd; k++) {
		size_t i = at + 2 + (size_t)k;
		int h = i < len ? hexval((unsigned char)s[i]) : -1;
		if (h < 0)
			return hcl_fail(
			    lx->e, lx->filename, pos,
			    "invalid unicode escape: \"\\%c\" needs "
			    "%d hex digits",
			    s[at + 1], nd);
		cp = cp << 4 | (uint32_t)h;
	}
	if (cp == 0)
		return hcl_fail(lx->e, lx->filename, pos,
		                "invalid unicode escape: strings cannot hold "
		                "NUL characters");
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return hcl_fail(lx->e, lx->filename, pos,
		                "invalid unicode escape \"\\%.*s\"", nd + 1,
		                s + at + 1);
	*o += utf8_put(dst + *o, cp);
	return ERR_OK;
}

static int decode_escape(const struct hcl_lex *lx, const struct hcl_piece *pc,
                         size_t *i, char *dst, size_t *o)
{
	const char *s = lx->src + pc->off;
	size_t at = *i, n;
	struct hcl_pos pos = {pc->pos.line, pc->pos.col + (int)at};
	static const char from[] = "nrt\"\\", to[] = "\n\r\t\"\\";
	const char *hit;
	int rc;
	if (at + 1 >= pc->len)
		return hcl_fail(lx->e, lx->filename, pos,
		                "invalid escape sequence at end of line");
	hit = strchr(from, s[at + 1]);
	if (hit != NULL && *hit != '\0') {
		dst[(*o)++] = to[hit - from];
		*i += 2;
		return ERR_OK;
	}
	if (s[at + 1] == 'u' || s[at + 1] == 'U') {
		rc = decode_unicode(lx, s, pc->len, at, pos, dst, o);
		*i += s[at + 1] == 'u' ? 6 : 10;
		return rc;
	}
	unsigned c = (unsigned char)s[at + 1];
	n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0x80 ? 2 : 1;
	if (at + 1 + n > pc->len)
		n = pc->len - at - 1;
	return hcl_fail(lx->e, lx->filename, pos,
	                "invalid escape sequence \"\\%.*s\"", (int)n,
	                s + at + 1);
}

int hcl_lex_decode(const struct hcl_lex *lx, const struct hcl_piece *pc,
                   bool quoted, char *dst, size_t *n)
{
	const char *s = lx->src + pc->off;
	size_t i = 0, o = 0;
	int rc;
	while (i < pc->len) {
		char c = s[i];
		if ((c == '$' || c == '%') && i + 2 < pc->len &&
		    s[i + 1] == c && s[i + 2] == '{') {
			dst[o++] = c;
			dst[o++] = '{';
			i += 3;
		} else if (quoted && c == '\\') {
			rc = decode_escape(lx, pc, &i, dst, &o);
			if (rc != ERR_OK)
				return rc;
		} else {
			dst[o++] = c;
			i++;
		}
	}
	dst[o] = '\0';
	*n = o;
	return ERR_OK;
}

static int skip_interp(struct hcl_lex *lx, struct hcl_pos pos, int depth)
{
	struct hcl_tok t;
	long nest = 0;
	int rc;
	for (;;) {
		rc = hcl_lex_next(lx, &t);
		if (rc != ERR_OK)
			return rc;
		switch (t.kind) {
		case HCL_T_EOF:
			return hcl_fail(lx->e, lx->filename, pos,
			                "interpolation is missing its closing "
			                "\"}\"");
		case HCL_T_LBRACE: nest++; break;
		case HCL_T_RBRACE:
		case HCL_T_STRIP_RBRACE:
			if (nest-- == 0)
				return ERR_OK;
			break;
		case HCL_T_OQUOTE:
			rc = hcl_lex_skip_string(lx, t.pos, depth + 1);
			if (rc != ERR_OK)
				return rc;
			break;
		case HCL_T_HEREDOC: hcl_lex_skip_heredoc(lx, &t); break;
		default: break;
		}
	}
}

int hcl_lex_skip_string(struct hcl_lex *lx, struct hcl_pos open, int depth)
{
	struct hcl_piece pc;
	int rc;
	if (depth > HCL_MAX_DEPTH)
		return hcl_fail(lx->e, lx->filename, open,
		                "nesting too deep (limit is %d levels)",
		                HCL_MAX_DEPTH);
	for (;;) {
		rc = hcl_lex_piece(lx, false, open, &pc);
		if (rc != ERR_OK || pc.kind == HCL_P_END)
			return rc;
		if (pc.kind == HCL_P_INTERP) {
			rc = skip_interp(lx, pc.pos, depth + 1);
			if (rc != ERR_OK)
				return rc;
		}
	}
}
