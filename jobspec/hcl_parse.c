/* jobspec/hcl_parse.c: recursive descent over the token stream into a tree
 * with positions. Everything is allocated from the file's arena, so an
 * error anywhere just drops the arena. Nesting is bounded by HCL_MAX_DEPTH
 * so the recursion (here, in the evaluator and in the formatter) is
 * bounded too. */
#include "jobspec/hcl_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

/* ---- arena ------------------------------------------------------------- */

/* Chunks double from 8 KiB to 1 MiB: small files stay small, big ones
 * get few large (mmap'd, already zeroed) chunks. */
#define ARENA_FIRST 8192
#define ARENA_MAX   (1 << 20)
#define ARENA_ALIGN 8 /* pointers, size_t, double: no long double here */

struct hcl_arena_chunk {
	struct hcl_arena_chunk *next;
	max_align_t data[];
};

void hcl_arena_init(struct hcl_arena *a)
{
	memset(a, 0, sizeof *a);
}

void hcl_arena_release(struct hcl_arena *a)
{
	struct hcl_arena_chunk *c = a->head, *next;
	while (c != NULL) {
		next = c->next;
		mem_free(c);
		c = next;
	}
	hcl_arena_init(a);
}

/* A large block gets a chunk of its own behind the current one, so the
 * rest of the current chunk is not wasted. */
static void *arena_alloc_big(struct hcl_arena *a, size_t n)
{
	struct hcl_arena_chunk *c = mem_calloc(1, sizeof *c + n);
	if (c == NULL)
		return NULL;
	if (a->head != NULL) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		a->head = c;
	}
	return c->data;
}

void *hcl_arena_alloc(struct hcl_arena *a, size_t n)
{
	struct hcl_arena_chunk *c;
	void *p;
	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (n == 0)
		n = ARENA_ALIGN;
	if (n > a->left) {
		size_t size = a->next ? a->next : ARENA_FIRST;
		if (n >= size / 4)
			return arena_alloc_big(a, n);
		c = mem_calloc(1, sizeof *c + size);
		if (c == NULL)
			return NULL;
		c->next = a->head;
		a->head = c;
		a->cur = (char *)c->data;
		a->left = size;
		a->next = size < ARENA_MAX ? size * 2 : size;
	}
	p = a->cur;
	a->cur += n;
	a->left -= n;
	return p;
}

char *hcl_arena_strndup(struct hcl_arena *a, const char *s, size_t n)
{
	char *d = hcl_arena_alloc(a, n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- name set ---------------------------------------------------------- */

/* FNV-1a with a final avalanche: FNV's low bits, which the mask keeps,
 * are poorly mixed on their own. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static struct hcl_nameslot *ns_slot(struct hcl_nameslot *slots, size_t cap,
                                    const char *name, uint32_t h)
{
	size_t i = h & (cap - 1);
	while (slots[i].name != NULL &&
	       (slots[i].hash != h || strcmp(slots[i].name, name) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

void hcl_nameset_init(struct hcl_nameset *s)
{
	s->slots = NULL;
	s->cap = 0;
	s->n = 0;
}

void hcl_nameset_release(struct hcl_nameset *s)
{
	mem_free(s->slots);
	hcl_nameset_init(s);
}

static int ns_rehash(struct hcl_nameset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct hcl_nameslot *ns = mem_calloc(cap, sizeof *ns), *old;
	size_t oldn;
	if (ns == NULL)
		return ERR_NOMEM;
	old = s->slots ? s->slots : s->small;
	oldn = s->slots ? s->cap : s->n;
	for (size_t i = 0; i < oldn; i++)
		if (old[i].name != NULL)
			*ns_slot(ns, cap, old[i].name, old[i].hash) = old[i];
	mem_free(s->slots);
	s->slots = ns;
	s->cap = cap;
	return ERR_OK;
}

/* The slot holding name, or the empty slot where it would go; NULL when
 * the set is still a small array without it. */
static struct hcl_nameslot *ns_find(const struct hcl_nameset *s,
                                    const char *name, uint32_t h)
{
	if (s->slots != NULL)
		return ns_slot(s->slots, s->cap, name, h);
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->small[i].name, name) == 0)
			return (struct hcl_nameslot *)&s->small[i];
	return NULL;
}

bool hcl_nameset_get(const struct hcl_nameset *s, const char *name, size_t *idx)
{
	const struct hcl_nameslot *hit;
	hit = ns_find(s, name, s->slots ? (uint32_t)name_hash(name) : 0);
	if (hit == NULL || hit->name == NULL)
		return false;
	if (idx != NULL)
		*idx = hit->idx;
	return true;
}

int hcl_nameset_put(struct hcl_nameset *s, const char *name, size_t idx,
                    bool *dup, size_t *prev)
{
	uint32_t h = (uint32_t)name_hash(name);
	struct hcl_nameslot *slot = NULL;
	*dup = false;
	if (s->slots == NULL) {
		slot = ns_find(s, name, h);
		if (slot == NULL && s->n < HCL_NAMESET_SMALL) {
			s->small[s->n++] =
			    (struct hcl_nameslot){name, h, (uint32_t)idx};
			return ERR_OK;
		}
	}
	if (slot == NULL) {
		if ((s->n + 1) * 2 > s->cap && ns_rehash(s) != ERR_OK)
			return ERR_NOMEM;
		slot = ns_slot(s->slots, s->cap, name, h);
	}
	if (slot->name != NULL) {
		*dup = true;
		*prev = slot->idx;
		return ERR_OK;
	}
	*slot = (struct hcl_nameslot){name, h, (uint32_t)idx};
	s->n++;
	return ERR_OK;
}

/* ---- parser state ------------------------------------------------------ */

struct hcl_parser {
	struct hcl_lex lx;
	struct hcl_tok tok;
	struct hcl_arena *a;
	const char *filename;
	struct err *e;
	int depth;
	bool skip_nl; /* inside ( [ ${ newlines are whitespace */
	/* Arrays under construction (items, parts, pointers) are pushed here
	 * and copied to the arena at their exact size when complete; nested
	 * constructs push above their parent's elements. */
	char *scr;
	size_t scr_len, scr_cap;
	char *txt; /* literal text of templates being parsed */
	size_t txt_len, txt_cap;
	size_t hd_end; /* just after the last heredoc's closing marker */
};

static int pfail(struct hcl_parser *p, struct hcl_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int pfail(struct hcl_parser *p, struct hcl_pos pos, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return hcl_fail(p->e, p->filename, pos, "%s", msg);
}

/* "<what>, found <current token>" at the current token. */
static int pfound(struct hcl_parser *p, const char *what)
{
	char buf[48];
	return pfail(p, p->tok.pos, "%s, found %s", what,
	             hcl_tok_desc(&p->lx, &p->tok, buf, sizeof buf));
}

static int poom(struct hcl_parser *p)
{
	return hcl_oom(p->e);
}

static int next(struct hcl_parser *p)
{
	int rc;
	do {
		rc = hcl_lex_next(&p->lx, &p->tok);
		if (rc != ERR_OK)
			return rc;
	} while (p->skip_nl && p->tok.kind == HCL_T_NEWLINE);
	return ERR_OK;
}

static int enter(struct hcl_parser *p, struct hcl_pos pos)
{
	if (++p->depth > HCL_MAX_DEPTH)
		return pfail(p, pos, "nesting too deep (limit is %d levels)",
		             HCL_MAX_DEPTH);
	return ERR_OK;
}

static bool tok_is(const struct hcl_parser *p, enum hcl_tok_kind k)
{
	return p->tok.kind == k;
}

static bool tok_ident(const struct hcl_parser *p, const char *word)
{
	size_t n = strlen(word);
	return p->tok.kind == HCL_T_IDENT && p->tok.len == n &&
	       memcmp(p->lx.src + p->tok.off, word, n) == 0;
}

static char *tok_text(struct hcl_parser *p)
{
	return hcl_arena_strndup(p->a, p->lx.src + p->tok.off, p->tok.len);
}

static struct hcl_expr *new_expr(struct hcl_parser *p, enum hcl_expr_kind k,
                                 struct hcl_pos pos)
{
	struct hcl_expr *x = hcl_arena_alloc(p->a, sizeof *x);
	if (x != NULL) {
		x->kind = k;
		x->pos = pos;
	}
	return x;
}

/* Pushes one element (size bytes, a multiple of 8) on the scratch stack.
 * Growth may move the stack: hold offsets, not pointers, across pushes. */
static int spush(struct hcl_parser *p, const void *elem, size_t size)
{
	if (p->scr_cap - p->scr_len < size) {
		size_t cap = p->scr_cap ? p->scr_cap * 2 : 4096;
		char *ns;
		while (cap - p->scr_len < size)
			cap *= 2;
		if ((ns = mem_realloc(p->scr, cap)) == NULL)
			return poom(p);
		p->scr = ns;
		p->scr_cap = cap;
	}
	memcpy(p->scr + p->scr_len, elem, size);
	p->scr_len += size;
	return ERR_OK;
}

static int spush_ptr(struct hcl_parser *p, const void *ptr)
{
	return spush(p, &ptr, sizeof ptr);
}

/* The elements pushed since base, as an arena array; pops them. */
static int sfinish(struct hcl_parser *p, size_t base, size_t size, void **arr,
                   size_t *n)
{
	size_t bytes = p->scr_len - base;
	*n = bytes / size;
	*arr = NULL;
	p->scr_len = base;
	if (bytes == 0)
		return ERR_OK;
	if ((*arr = hcl_arena_alloc(p->a, bytes)) == NULL)
		return poom(p);
	memcpy(*arr, p->scr + base, bytes);
	return ERR_OK;
}

static int parse_expr(struct hcl_parser *p, struct hcl_expr **out);

/* ---- literals ---------------------------------------------------------- */

/* Fills a number literal from the digits of the current token. */
static int number_value(struct hcl_parser *p, bool neg, struct hcl_expr *x)
{
	const char *s = p->lx.src + p->tok.off;
	size_t n = p->tok.len, k = 0;
	uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	char buf[1100], *end;
	unsigned d;
	x->u.lit.kind = HCL_NUMBER;
	while (k < n && s[k] >= '0' && s[k] <= '9') {
		d = (unsigned)(s[k] - '0');
		if (u > (lim - d) / 10)
			break; /* too big for int64: read as a double */
		u = u * 10 + d;
		k++;
	}
	if (k == n) {
		x->u.lit.is_int = true;
		x->u.lit.i = neg ? (int64_t)(0 - u) : (int64_t)u;
		x->u.lit.num = neg ? -(double)u : (double)u;
		return ERR_OK;
	}
	if (n >= sizeof buf)
		return pfail(p, x->pos, "number literal is too long");
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	x->u.lit.num = strtod(buf, &end);
	if (!isfinite(x->u.lit.num))
		return pfail(p, x->pos, "number %s is out of range", buf);
	if (neg)
		x->u.lit.num = -x->u.lit.num;
	if (x->u.lit.num == floor(x->u.lit.num) &&
	    fabs(x->u.lit.num) < 9.2e18) {
		x->u.lit.is_int = true;
		x->u.lit.i = (int64_t)x->u.lit.num;
	}
	return ERR_OK;
}

static int parse_number(struct hcl_parser *p, bool neg, struct hcl_pos pos,
                        struct hcl_expr **out)
{
	struct hcl_expr *x = new_expr(p, HCL_X_LITERAL, pos);
	int rc;
	if (x == NULL)
		return poom(p);
	rc = number_value(p, neg, x);
	if (rc != ERR_OK)
		return rc;
	*out = x;
	return next(p);
}

static struct hcl_expr *new_string(struct hcl_parser *p, const char *s,
                                   struct hcl_pos pos)
{
	struct hcl_expr *x = new_expr(p, HCL_X_LITERAL, pos);
	if (x != NULL) {
		x->u.lit.kind = HCL_STRING;
		x->u.lit.s = s;
	}
	return x;
}

/* ---- templates --------------------------------------------------------- */

/* A template piece while its template is parsed: literal text lives on
 * the byte scratch stack (txt) at off, so consecutive literals meld by
 * growing len; kept-literal interpolations (${NOMAD_PORT_http}) are
 * literal text too. lead marks a piece that starts a heredoc line. */
struct tpiece {
	size_t off, len;
	struct hcl_expr *x;
	struct hcl_pos pos;
	bool lead;
};

struct tstate {
	size_t base;  /* first piece on the scratch stack */
	size_t n;     /* pieces so far */
	bool heredoc; /* no escapes; pieces end at newlines */
	bool flush;   /* `<<-`: line-leading literals stay separate */
	bool line_start;
	bool strip_next; /* the previous interpolation ended with `~}` */
};

/* Byte length of the Unicode white space character at s (n bytes left),
 * or 0: HCL strips and measures indentation with Go's unicode.IsSpace. */
static size_t space_at(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
		return 1;
	if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
		return 2; /* U+0085, U+00A0 */
	if (n < 3)
		return 0;
	if ((s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) ||
	    (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) ||
	    (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F))
		return 3; /* U+1680, U+3000, U+205F */
	if (s[0] == 0xE2 && s[1] == 0x80 &&
	    (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
		return 3; /* U+2000..U+200A, U+2028, U+2029, U+202F */
	return 0;
}

/* Bytes of white space at the start of s. */
static size_t lead_space(const char *s, size_t len, size_t max_chars,
                         size_t *chars)
{
	size_t b = 0, k, c = 0;
	while (b < len && c < max_chars && (k = space_at(s + b, len - b)) > 0) {
		b += k;
		c++;
	}
	if (chars != NULL)
		*chars = c;
	return b;
}

/* Length of s without its trailing white space. */
static size_t trim_end(const char *s, size_t len)
{
	while (len > 0) {
		size_t st = len - 1;
		while (st > 0 && len - st < 3 &&
		       ((unsigned char)s[st] & 0xC0) == 0x80)
			st--; /* back to the first byte of a UTF-8 sequence */
		if (space_at(s + st, len - st) != len - st)
			break;
		len = st;
	}
	return len;
}

static int txt_reserve(struct hcl_parser *p, size_t n)
{
	size_t cap;
	char *nt;
	if (p->txt_cap - p->txt_len > n)
		return ERR_OK;
	cap = p->txt_cap ? p->txt_cap * 2 : 4096;
	while (cap - p->txt_len <= n)
		cap *= 2;
	if ((nt = mem_realloc(p->txt, cap)) == NULL)
		return poom(p);
	p->txt = nt;
	p->txt_cap = cap;
	return ERR_OK;
}

static struct tpiece *piece_at(struct hcl_parser *p, const struct tstate *ts,
                               size_t i)
{
	return (struct tpiece *)(p->scr + ts->base) + i;
}

/* The last piece when it is literal text ending where txt ends. */
static struct tpiece *last_lit(struct hcl_parser *p, const struct tstate *ts)
{
	struct tpiece *t;
	if (ts->n == 0)
		return NULL;
	t = piece_at(p, ts, ts->n - 1);
	return t->x == NULL && t->off + t->len == p->txt_len ? t : NULL;
}

/* Adds len bytes just written at the end of txt as literal text. */
static int add_text(struct hcl_parser *p, struct tstate *ts, size_t len,
                    struct hcl_pos pos)
{
	struct tpiece *last = last_lit(p, ts);
	struct tpiece t = {p->txt_len, len, NULL, pos, ts->line_start};
	bool lead = ts->line_start;
	ts->line_start = len > 0 && p->txt[p->txt_len + len - 1] == '\n';
	if (last != NULL && !(ts->flush && lead)) {
		last->len += len;
		p->txt_len += len;
		return ERR_OK;
	}
	p->txt_len += len;
	ts->n++;
	return spush(p, &t, sizeof t);
}

static int add_literal(struct hcl_parser *p, struct tstate *ts,
                       const struct hcl_piece *pc)
{
	size_t n, k = 0;
	char *d;
	int rc = txt_reserve(p, pc->len + 1);
	if (rc != ERR_OK)
		return rc;
	d = p->txt + p->txt_len;
	rc = hcl_lex_decode(&p->lx, pc, !ts->heredoc, d, &n);
	if (rc != ERR_OK)
		return rc;
	if (ts->strip_next) {
		k = lead_space(d, n, SIZE_MAX, NULL);
		memmove(d, d + k, n - k);
		ts->strip_next = false;
	}
	return add_text(p, ts, n - k, pc->pos);
}

static bool keeps_raw(const struct hcl_expr *x)
{
	return x->kind == HCL_X_TRAVERSAL &&
	       strcmp(x->u.trav.root, "var") != 0 &&
	       strcmp(x->u.trav.root, "local") != 0;
}

/* After `${`: the expression and the closing `}`; the lexer is left just
 * after the `}` for the template scanner. */
static int parse_interp(struct hcl_parser *p, const struct hcl_piece *pc,
                        struct hcl_expr **x, bool *strip_right)
{
	bool saved = p->skip_nl;
	int rc = enter(p, pc->pos);
	if (rc != ERR_OK)
		return rc;
	p->skip_nl = true;
	rc = next(p);
	if (rc == ERR_OK)
		rc = parse_expr(p, x);
	if (rc != ERR_OK)
		return rc;
	/* a quote here is almost always the end of the enclosing string */
	if (tok_is(p, HCL_T_EOF) || tok_is(p, HCL_T_OQUOTE))
		return pfail(p, pc->pos,
		             "interpolation is missing its closing \"}\"");
	if (!tok_is(p, HCL_T_RBRACE) && !tok_is(p, HCL_T_STRIP_RBRACE))
		return pfound(p, "expected \"}\" to end the interpolation");
	*strip_right = tok_is(p, HCL_T_STRIP_RBRACE);
	p->skip_nl = saved;
	p->depth--;
	return ERR_OK;
}

static int add_interp(struct hcl_parser *p, struct tstate *ts,
                      const struct hcl_piece *pc)
{
	struct tpiece *last = last_lit(p, ts);
	struct tpiece t = {0, 0, NULL, pc->pos, ts->line_start};
	size_t raw;
	int rc;
	if (pc->strip && last != NULL) {
		last->len = trim_end(p->txt + last->off, last->len);
		p->txt_len = last->off + last->len;
	}
	rc = parse_interp(p, pc, &t.x, &ts->strip_next);
	if (rc != ERR_OK)
		return rc;
	if (keeps_raw(t.x)) { /* the source bytes, `${` to `}` */
		raw = p->lx.off - pc->off;
		if ((rc = txt_reserve(p, raw)) != ERR_OK)
			return rc;
		memcpy(p->txt + p->txt_len, p->lx.src + pc->off, raw);
		return add_text(p, ts, raw, pc->pos);
	}
	ts->line_start = false;
	ts->n++;
	return spush(p, &t, sizeof t);
}

static bool is_blank_line(const char *s, size_t len)
{
	return len > 0 && s[len - 1] == '\n' &&
	       lead_space(s, len, SIZE_MAX, NULL) == len;
}

/* Line-leading pieces that count for `<<-` indentation: blank lines do
 * not, as in HCL. */
static bool flush_counts(struct hcl_parser *p, const struct tpiece *t)
{
	return t->lead &&
	       (t->x != NULL || !is_blank_line(p->txt + t->off, t->len));
}

/* `<<-`: removes the smallest indentation of the line-leading literals
 * from each of them; an interpolation starting a line means no
 * indentation at all. */
static void flush_pieces(struct hcl_parser *p, const struct tstate *ts)
{
	size_t min = SIZE_MAX, k, b;
	for (size_t i = 0; i < ts->n; i++) {
		const struct tpiece *t = piece_at(p, ts, i);
		if (!flush_counts(p, t))
			continue;
		k = 0; /* characters, as HCL counts them, not bytes */
		if (t->x == NULL)
			lead_space(p->txt + t->off, t->len, SIZE_MAX, &k);
		min = k < min ? k : min;
	}
	if (min == SIZE_MAX || min == 0)
		return;
	for (size_t i = 0; i < ts->n; i++) {
		struct tpiece *t = piece_at(p, ts, i);
		if (!flush_counts(p, t))
			continue;
		b = lead_space(p->txt + t->off, t->len, min, NULL);
		t->off += b;
		t->len -= b;
		t->pos.col += (int)b;
	}
}

/* Copies a run of literal pieces [i, j) into one arena string. */
static char *meld(struct hcl_parser *p, const struct tstate *ts, size_t i,
                  size_t j, size_t *len)
{
	size_t total = 0, o = 0;
	char *d;
	for (size_t k = i; k < j; k++)
		total += piece_at(p, ts, k)->len;
	if ((d = hcl_arena_alloc(p->a, total + 1)) == NULL)
		return NULL;
	for (size_t k = i; k < j; k++) {
		const struct tpiece *t = piece_at(p, ts, k);
		memcpy(d + o, p->txt + t->off, t->len);
		o += t->len;
	}
	d[o] = '\0';
	*len = total;
	return d;
}

/* The end of the run of literal pieces starting at i (or i + 1 for an
 * interpolation); sets *empty when the run holds no text. */
static size_t run_end(struct hcl_parser *p, const struct tstate *ts, size_t i,
                      bool *empty)
{
	size_t j = i + 1, len = piece_at(p, ts, i)->len;
	*empty = false;
	if (piece_at(p, ts, i)->x != NULL)
		return j;
	for (; j < ts->n && piece_at(p, ts, j)->x == NULL; j++)
		len += piece_at(p, ts, j)->len;
	*empty = len == 0;
	return j;
}

static int plain_string(struct hcl_parser *p, const struct tstate *ts,
                        struct hcl_expr *x)
{
	size_t len;
	const char *s = ts->n ? meld(p, ts, 0, ts->n, &len) : "";
	if (s == NULL)
		return poom(p);
	memset(&x->u, 0, sizeof x->u);
	x->kind = HCL_X_LITERAL;
	x->u.lit.kind = HCL_STRING;
	x->u.lit.s = s;
	return ERR_OK;
}

/* Turns the pieces into the template's parts, melding literal runs; a
 * template without interpolations is a plain string. */
static int emit_parts(struct hcl_parser *p, const struct tstate *ts,
                      struct hcl_expr *x)
{
	size_t m = 0, interps = 0, j;
	struct hcl_tpart *parts;
	bool empty;
	for (size_t i = 0; i < ts->n; i = j) {
		j = run_end(p, ts, i, &empty);
		m += !empty;
		interps += piece_at(p, ts, i)->x != NULL;
	}
	if (interps == 0)
		return plain_string(p, ts, x);
	if ((parts = hcl_arena_alloc(p->a, m * sizeof *parts)) == NULL)
		return poom(p);
	x->u.tmpl.parts = parts;
	x->u.tmpl.n = m;
	for (size_t i = 0; i < ts->n; i = j) {
		const struct tpiece *t = piece_at(p, ts, i);
		j = run_end(p, ts, i, &empty);
		if (empty)
			continue;
		parts->pos = t->pos;
		parts->x = t->x;
		if (t->x == NULL &&
		    (parts->lit = meld(p, ts, i, j, &parts->len)) == NULL)
			return poom(p);
		parts++;
	}
	return ERR_OK;
}

/* The pieces of a template up to its end (closing quote or heredoc
 * bound). */
static int template_parts(struct hcl_parser *p, bool heredoc, bool flush,
                          struct hcl_pos open, struct hcl_expr *x)
{
	struct tstate ts = {.base = p->scr_len,
	                    .heredoc = heredoc,
	                    .flush = flush,
	                    .line_start = true};
	size_t tbase = p->txt_len;
	struct hcl_piece pc;
	int rc;
	for (;;) {
		rc = hcl_lex_piece(&p->lx, heredoc, open, &pc);
		if (rc != ERR_OK || pc.kind == HCL_P_END)
			break;
		rc = pc.kind == HCL_P_LIT ? add_literal(p, &ts, &pc)
		                          : add_interp(p, &ts, &pc);
		if (rc != ERR_OK)
			return rc;
	}
	if (rc == ERR_OK && flush)
		flush_pieces(p, &ts);
	if (rc == ERR_OK)
		rc = emit_parts(p, &ts, x);
	p->scr_len = ts.base;
	p->txt_len = tbase;
	return rc;
}

static int parse_quoted(struct hcl_parser *p, struct hcl_expr **out)
{
	struct hcl_expr *x = new_expr(p, HCL_X_TEMPLATE, p->tok.pos);
	int rc;
	if (x == NULL)
		return poom(p);
	rc = template_parts(p, false, false, x->pos, x);
	if (rc != ERR_OK)
		return rc;
	*out = x;
	return next(p);
}

static int parse_heredoc(struct hcl_parser *p, struct hcl_expr **out)
{
	struct hcl_tok hd = p->tok;
	struct hcl_expr *x = new_expr(p, HCL_X_TEMPLATE, hd.pos);
	size_t saved_end = p->lx.end;
	int rc;
	if (x == NULL)
		return poom(p);
	p->lx.end = hd.hd_body_end;
	rc = template_parts(p, true, hd.hd_flush, hd.pos, x);
	p->lx.end = saved_end;
	if (rc != ERR_OK)
		return rc;
	hcl_lex_skip_heredoc(&p->lx, &hd);
	p->hd_end = hd.hd_end;
	*out = x;
	return next(p);
}

/* ---- collections ------------------------------------------------------- */

static int no_for(struct hcl_parser *p)
{
	if (tok_ident(p, "for"))
		return pfail(p, p->tok.pos,
		             "for expressions are not supported");
	return ERR_OK;
}

/* Opens a bracketed construct: depth, newline mode, first token. */
static int open_group(struct hcl_parser *p, bool skip_nl, bool *saved)
{
	int rc = enter(p, p->tok.pos);
	if (rc != ERR_OK)
		return rc;
	*saved = p->skip_nl;
	p->skip_nl = skip_nl;
	return next(p);
}

/* Consumes the closing token of a group and restores the newline mode
 * before looking at what follows. */
static int close_group(struct hcl_parser *p, bool saved)
{
	p->skip_nl = saved;
	p->depth--;
	return next(p);
}

static int parse_tuple(struct hcl_parser *p, struct hcl_expr **out)
{
	struct hcl_expr *x = new_expr(p, HCL_X_TUPLE, p->tok.pos), *item;
	size_t base = p->scr_len;
	void *arr = NULL;
	bool saved;
	int rc;
	if (x == NULL)
		return poom(p);
	rc = open_group(p, true, &saved);
	if (rc == ERR_OK)
		rc = no_for(p);
	while (rc == ERR_OK && !tok_is(p, HCL_T_RBRACK)) {
		if (tok_is(p, HCL_T_EOF))
			return pfail(p, x->pos,
			             "list is missing its closing \"]\"");
		rc = parse_expr(p, &item);
		if (rc == ERR_OK)
			rc = spush_ptr(p, item);
		if (rc != ERR_OK)
			return rc;
		if (tok_is(p, HCL_T_COMMA))
			rc = next(p);
		else if (tok_is(p, HCL_T_EOF))
			return pfail(p, x->pos,
			             "list is missing its closing \"]\"");
		else if (!tok_is(p, HCL_T_RBRACK))
			return pfound(
			    p, "expected \",\" or \"]\" after list item");
	}
	if (rc == ERR_OK)
		rc = sfinish(p, base, sizeof item, &arr, &x->u.tuple.n);
	if (rc != ERR_OK)
		return rc;
	x->u.tuple.items = arr;
	*out = x;
	return close_group(p, saved);
}

static int skip_newlines(struct hcl_parser *p)
{
	int rc = ERR_OK;
	while (rc == ERR_OK && tok_is(p, HCL_T_NEWLINE))
		rc = next(p);
	return rc;
}

static int parse_term(struct hcl_parser *p, struct hcl_expr **out);

/* An object key: a bare identifier is a literal name, anything else an
 * expression evaluated to a string. */
static int object_key(struct hcl_parser *p, struct hcl_expr **key)
{
	if (tok_is(p, HCL_T_IDENT)) {
		char *name = tok_text(p);
		if (name == NULL ||
		    (*key = new_string(p, name, p->tok.pos)) == NULL)
			return poom(p);
		return next(p);
	}
	return parse_expr(p, key);
}

/* Pushes the key and the value of one item. */
static int object_item(struct hcl_parser *p)
{
	struct hcl_expr *k, *v;
	int rc = object_key(p, &k);
	if (rc != ERR_OK)
		return rc;
	if (!tok_is(p, HCL_T_EQUAL) && !tok_is(p, HCL_T_COLON))
		return pfound(p, "expected \"=\" or \":\" after object key");
	rc = next(p);
	if (rc == ERR_OK)
		rc = parse_expr(p, &v);
	if (rc == ERR_OK)
		rc = spush_ptr(p, k);
	if (rc == ERR_OK)
		rc = spush_ptr(p, v);
	return rc;
}

/* Splits the pushed key/value pairs into the object's two arrays. */
static int object_finish(struct hcl_parser *p, size_t base, struct hcl_expr *x)
{
	struct hcl_expr **pairs;
	size_t n = (p->scr_len - base) / (2 * sizeof *pairs);
	p->scr_len = base;
	x->u.obj.n = n;
	if (n == 0)
		return ERR_OK;
	pairs = (struct hcl_expr **)(p->scr + base);
	x->u.obj.keys = hcl_arena_alloc(p->a, n * sizeof *pairs);
	x->u.obj.vals = hcl_arena_alloc(p->a, n * sizeof *pairs);
	if (x->u.obj.keys == NULL || x->u.obj.vals == NULL)
		return poom(p);
	for (size_t i = 0; i < n; i++) {
		x->u.obj.keys[i] = pairs[2 * i];
		x->u.obj.vals[i] = pairs[2 * i + 1];
	}
	return ERR_OK;
}

static int parse_object(struct hcl_parser *p, struct hcl_expr **out)
{
	struct hcl_expr *x = new_expr(p, HCL_X_OBJECT, p->tok.pos);
	size_t base = p->scr_len;
	bool saved;
	int rc;
	if (x == NULL)
		return poom(p);
	rc = open_group(p, false, &saved);
	if (rc == ERR_OK)
		rc = skip_newlines(p);
	if (rc == ERR_OK)
		rc = no_for(p);
	while (rc == ERR_OK) {
		rc = skip_newlines(p);
		if (rc != ERR_OK || tok_is(p, HCL_T_RBRACE))
			break;
		if (tok_is(p, HCL_T_EOF))
			return pfail(p, x->pos,
			             "object is missing its closing \"}\"");
		rc = object_item(p);
		if (rc != ERR_OK)
			return rc;
		if (tok_is(p, HCL_T_COMMA))
			rc = next(p);
		else if (tok_is(p, HCL_T_EOF))
			return pfail(p, x->pos,
			             "object is missing its closing \"}\"");
		else if (!tok_is(p, HCL_T_NEWLINE) && !tok_is(p, HCL_T_RBRACE))
			return pfound(p, "expected \",\", newline or \"}\" "
			                 "after object item");
	}
	if (rc == ERR_OK)
		rc = object_finish(p, base, x);
	if (rc != ERR_OK)
		return rc;
	*out = x;
	return close_group(p, saved);
}

static int parse_paren(struct hcl_parser *p, struct hcl_expr **out)
{
	struct hcl_expr *x = new_expr(p, HCL_X_PAREN, p->tok.pos);
	bool saved;
	int rc;
	if (x == NULL)
		return poom(p);
	rc = open_group(p, true, &saved);
	if (rc == ERR_OK)
		rc = parse_expr(p, &x->u.paren);
	if (rc != ERR_OK)
		return rc;
	if (tok_is(p, HCL_T_EOF))
		return pfail(p, x->pos, "missing closing \")\"");
	if (!tok_is(p, HCL_T_RPAREN))
		return pfound(p, "expected \")\"");
	*out = x;
	return close_group(p, saved);
}

/* ---- references -------------------------------------------------------- */

static bool is_type_ctor(const char *name)
{
	static const char *const ctors[] = {"list",   "set",   "map",
	                                    "object", "tuple", "optional"};
	for (size_t i = 0; i < sizeof ctors / sizeof ctors[0]; i++)
		if (strcmp(name, ctors[i]) == 0)
			return true;
	return false;
}

/* Only type constructors (`type = list(string)` in variable blocks) get
 * this far; they are inspected, never evaluated. */
static int parse_call(struct hcl_parser *p, const char *name,
                      struct hcl_pos pos, struct hcl_expr **out)
{
	struct hcl_expr *x, *arg;
	struct hcl_pos lp = p->tok.pos;
	size_t base = p->scr_len;
	void *arr = NULL;
	bool saved;
	int rc;
	if (!is_type_ctor(name))
		return pfail(p, pos, "function calls are not supported");
	if ((x = new_expr(p, HCL_X_CALL, pos)) == NULL)
		return poom(p);
	x->u.call.name = name;
	rc = open_group(p, true, &saved);
	while (rc == ERR_OK && !tok_is(p, HCL_T_RPAREN)) {
		if (tok_is(p, HCL_T_EOF))
			return pfail(p, lp, "missing closing \")\"");
		rc = parse_expr(p, &arg);
		if (rc == ERR_OK)
			rc = spush_ptr(p, arg);
		if (rc != ERR_OK)
			return rc;
		if (tok_is(p, HCL_T_COMMA))
			rc = next(p);
		else if (!tok_is(p, HCL_T_RPAREN) && !tok_is(p, HCL_T_EOF))
			return pfound(p,
			              "expected \",\" or \")\" after argument");
	}
	if (rc == ERR_OK)
		rc = sfinish(p, base, sizeof arg, &arr, &x->u.call.n);
	if (rc != ERR_OK)
		return rc;
	x->u.call.args = arr;
	*out = x;
	return close_group(p, saved);
}

static int step_index(struct hcl_parser *p, struct hcl_step *st)
{
	struct hcl_pos lb = p->tok.pos;
	bool saved;
	int rc = open_group(p, true, &saved);
	if (rc != ERR_OK)
		return rc;
	if (tok_is(p, HCL_T_STAR))
		return pfail(p, lb, "splat expressions are not supported");
	rc = parse_expr(p, &st->index);
	if (rc != ERR_OK)
		return rc;
	if (tok_is(p, HCL_T_EOF))
		return pfail(p, lb, "missing closing \"]\"");
	if (!tok_is(p, HCL_T_RBRACK))
		return pfound(p, "expected \"]\" after index");
	return close_group(p, saved);
}

/* `.name`, `.0` (legacy index) or `.*` (splat, rejected). */
static int step_attr(struct hcl_parser *p, struct hcl_step *st)
{
	struct hcl_pos dot = p->tok.pos;
	const char *s;
	int rc = next(p);
	if (rc != ERR_OK)
		return rc;
	st->pos = p->tok.pos;
	if (tok_is(p, HCL_T_IDENT)) {
		if ((st->name = tok_text(p)) == NULL)
			return poom(p);
		return next(p);
	}
	if (tok_is(p, HCL_T_STAR))
		return pfail(p, dot, "splat expressions are not supported");
	if (!tok_is(p, HCL_T_NUMBER))
		return pfound(p, "expected an attribute name after \".\"");
	s = p->lx.src + p->tok.off;
	for (size_t i = 0; i < p->tok.len; i++)
		if (s[i] < '0' || s[i] > '9')
			return pfail(p, st->pos, "invalid index \"%.*s\"",
			             (int)p->tok.len, s);
	return parse_number(p, false, st->pos, &st->index);
}

static int parse_traversal(struct hcl_parser *p, const char *root,
                           struct hcl_pos pos, struct hcl_expr **out)
{
	struct hcl_expr *x = new_expr(p, HCL_X_TRAVERSAL, pos);
	size_t base = p->scr_len;
	struct hcl_step st;
	void *arr = NULL;
	int rc = ERR_OK;
	if (x == NULL)
		return poom(p);
	x->u.trav.root = root;
	while (rc == ERR_OK &&
	       (tok_is(p, HCL_T_DOT) || tok_is(p, HCL_T_LBRACK))) {
		memset(&st, 0, sizeof st);
		st.pos = p->tok.pos;
		rc = tok_is(p, HCL_T_DOT) ? step_attr(p, &st)
		                          : step_index(p, &st);
		if (rc == ERR_OK)
			rc = spush(p, &st, sizeof st);
	}
	if (rc == ERR_OK)
		rc = sfinish(p, base, sizeof st, &arr, &x->u.trav.n);
	x->u.trav.steps = arr;
	*out = x;
	return rc;
}

static int parse_ident_term(struct hcl_parser *p, struct hcl_expr **out)
{
	struct hcl_pos pos = p->tok.pos;
	char *name = tok_text(p);
	struct hcl_expr *x;
	int rc;
	if (name == NULL)
		return poom(p);
	rc = next(p);
	if (rc != ERR_OK)
		return rc;
	if (strcmp(name, "true") == 0 || strcmp(name, "false") == 0 ||
	    strcmp(name, "null") == 0) {
		if ((x = new_expr(p, HCL_X_LITERAL, pos)) == NULL)
			return poom(p);
		x->u.lit.kind = name[0] == 'n' ? HCL_NULL : HCL_BOOL;
		x->u.lit.b = name[0] == 't';
		*out = x;
		return ERR_OK;
	}
	if (tok_is(p, HCL_T_LPAREN))
		return parse_call(p, name, pos, out);
	return parse_traversal(p, name, pos, out);
}

/* ---- expressions ------------------------------------------------------- */

static int parse_term(struct hcl_parser *p, struct hcl_expr **out)
{
	struct hcl_pos pos = p->tok.pos;
	int rc;
	switch (p->tok.kind) {
	case HCL_T_NUMBER: return parse_number(p, false, pos, out);
	case HCL_T_MINUS:
		rc = next(p);
		if (rc != ERR_OK)
			return rc;
		if (!tok_is(p, HCL_T_NUMBER))
			return pfail(p, pos, "operator \"-\" is not supported");
		return parse_number(p, true, pos, out);
	case HCL_T_OP:
	case HCL_T_STAR:
		return pfail(p, pos, "operator \"%.*s\" is not supported",
		             (int)p->tok.len, p->lx.src + p->tok.off);
	case HCL_T_IDENT: return parse_ident_term(p, out);
	case HCL_T_OQUOTE: return parse_quoted(p, out);
	case HCL_T_HEREDOC: return parse_heredoc(p, out);
	case HCL_T_LBRACK: return parse_tuple(p, out);
	case HCL_T_LBRACE: return parse_object(p, out);
	case HCL_T_LPAREN: return parse_paren(p, out);
	default: return pfound(p, "expected an expression");
	}
}

/* Whatever follows a term must not continue the expression: operators,
 * conditionals and postfix access on non-references are rejected here
 * with a precise message instead of a confusing one later. */
static int check_after_term(struct hcl_parser *p, const struct hcl_expr *x)
{
	switch (p->tok.kind) {
	case HCL_T_OP:
	case HCL_T_MINUS:
	case HCL_T_STAR:
		return pfail(p, p->tok.pos,
		             "operator \"%.*s\" is not supported",
		             (int)p->tok.len, p->lx.src + p->tok.off);
	case HCL_T_QUESTION:
		return pfail(p, p->tok.pos,
		             "conditional expressions are not supported");
	case HCL_T_DOT:
	case HCL_T_LBRACK:
		if (x->kind != HCL_X_TRAVERSAL)
			return pfail(p, p->tok.pos,
			             "attribute access and indexing are only "
			             "supported on references like var.x");
		return ERR_OK;
	default: return ERR_OK;
	}
}

static int parse_expr(struct hcl_parser *p, struct hcl_expr **out)
{
	int rc = parse_term(p, out);
	if (rc != ERR_OK)
		return rc;
	return check_after_term(p, *out);
}

/* ---- bodies ------------------------------------------------------------ */

static int parse_body(struct hcl_parser *p, struct hcl_body *body,
                      const char *owner);

static int parse_attr_value(struct hcl_parser *p, struct hcl_attr *a)
{
	int rc = next(p); /* the `=` */
	if (rc != ERR_OK)
		return rc;
	if (tok_is(p, HCL_T_NEWLINE) || tok_is(p, HCL_T_EOF) ||
	    tok_is(p, HCL_T_RBRACE))
		return pfail(p, p->tok.pos, "missing value for argument \"%s\"",
		             a->name);
	a->expr_pos = p->tok.pos;
	return parse_expr(p, &a->expr);
}

static int parse_label(struct hcl_parser *p, char **out)
{
	struct hcl_pos open = p->tok.pos;
	struct hcl_piece pc;
	size_t n;
	char *d;
	int rc;
	*out = "";
	for (;;) {
		rc = hcl_lex_piece(&p->lx, false, open, &pc);
		if (rc != ERR_OK)
			return rc;
		if (pc.kind == HCL_P_END)
			break;
		if (pc.kind == HCL_P_INTERP)
			return pfail(p, pc.pos,
			             "interpolation is not allowed "
			             "in block labels");
		if ((d = hcl_arena_alloc(p->a, pc.len + 1)) == NULL)
			return poom(p);
		rc = hcl_lex_decode(&p->lx, &pc, true, d, &n);
		if (rc != ERR_OK)
			return rc;
		*out = d; /* a literal runs to the quote */
	}
	return next(p);
}

struct label {
	char *s;
	struct hcl_pos pos;
};

static int parse_labels(struct hcl_parser *p, struct hcl_block *b)
{
	size_t base = p->scr_len;
	struct label l, *ls;
	int rc = ERR_OK;
	while (rc == ERR_OK &&
	       (tok_is(p, HCL_T_OQUOTE) || tok_is(p, HCL_T_IDENT))) {
		l.pos = p->tok.pos;
		if (tok_is(p, HCL_T_IDENT)) {
			if ((l.s = tok_text(p)) == NULL)
				return poom(p);
			rc = next(p);
		} else {
			rc = parse_label(p, &l.s);
		}
		if (rc == ERR_OK)
			rc = spush(p, &l, sizeof l);
	}
	b->nlabels = (p->scr_len - base) / sizeof l;
	p->scr_len = base;
	if (rc != ERR_OK || b->nlabels == 0)
		return rc;
	ls = (struct label *)(p->scr + base);
	b->labels = hcl_arena_alloc(p->a, b->nlabels * sizeof *b->labels);
	b->label_pos = hcl_arena_alloc(p->a, b->nlabels * sizeof *b->label_pos);
	if (b->labels == NULL || b->label_pos == NULL)
		return poom(p);
	for (size_t i = 0; i < b->nlabels; i++) {
		b->labels[i] = ls[i].s;
		b->label_pos[i] = ls[i].pos;
	}
	return ERR_OK;
}

/* `{ name = value }` on one line. */
static int parse_oneline(struct hcl_parser *p, struct hcl_block *b)
{
	struct hcl_item *it = hcl_arena_alloc(p->a, sizeof *it);
	struct hcl_attr *a;
	int rc;
	if (it == NULL)
		return poom(p);
	if (!tok_is(p, HCL_T_IDENT))
		return pfound(p, "expected an argument name or \"}\"");
	it->kind = HCL_ITEM_ATTR;
	a = &it->u.attr;
	a->pos = p->tok.pos;
	if ((a->name = tok_text(p)) == NULL)
		return poom(p);
	rc = next(p);
	if (rc != ERR_OK)
		return rc;
	if (!tok_is(p, HCL_T_EQUAL))
		return pfail(p, p->tok.pos,
		             "expected \"=\" after \"%s\": a single-line block "
		             "holds at most one argument",
		             a->name);
	rc = parse_attr_value(p, a);
	/* as in HCL, the newline ending a heredoc's closing marker belongs
	 * to the heredoc: `x { data = <<EOT ... EOT` then `}` is one line */
	if (rc == ERR_OK && tok_is(p, HCL_T_NEWLINE) && p->tok.off == p->hd_end)
		rc = next(p);
	if (rc != ERR_OK)
		return rc;
	if (!tok_is(p, HCL_T_RBRACE)) {
		char what[160];
		snprintf(what, sizeof what,
		         "expected \"}\" to close single-line block \"%s\"",
		         b->type);
		return pfound(p, what);
	}
	b->body->items = it;
	b->body->n = 1;
	return ERR_OK;
}

static int parse_block(struct hcl_parser *p, struct hcl_block *b)
{
	char what[160];
	int rc = parse_labels(p, b);
	if (rc != ERR_OK)
		return rc;
	if (!tok_is(p, HCL_T_LBRACE)) {
		snprintf(what, sizeof what,
		         b->nlabels ? "expected \"{\" after the labels of "
		                      "block \"%s\""
		                    : "expected \"=\" or \"{\" after \"%s\"",
		         b->type);
		return pfound(p, what);
	}
	if ((b->body = hcl_arena_alloc(p->a, sizeof *b->body)) == NULL)
		return poom(p);
	b->body->open_pos = p->tok.pos;
	rc = enter(p, p->tok.pos);
	if (rc == ERR_OK)
		rc = next(p);
	if (rc != ERR_OK || tok_is(p, HCL_T_RBRACE))
		goto close;
	if (tok_is(p, HCL_T_NEWLINE))
		rc = parse_body(p, b->body, b->type);
	else
		rc = parse_oneline(p, b);
close:
	if (rc != ERR_OK)
		return rc;
	p->depth--;
	return next(p);
}

/* After an item: a newline, or the end of the file. */
static int item_end(struct hcl_parser *p, const struct hcl_item *it)
{
	char what[160];
	if (tok_is(p, HCL_T_NEWLINE) || tok_is(p, HCL_T_EOF))
		return ERR_OK;
	if (it->kind == HCL_ITEM_ATTR)
		snprintf(what, sizeof what,
		         "expected a newline after argument \"%s\"",
		         it->u.attr.name);
	else
		snprintf(what, sizeof what,
		         "expected a newline after block \"%s\"",
		         it->u.block.type);
	return pfound(p, what);
}

static int parse_item(struct hcl_parser *p, struct hcl_item *it)
{
	struct hcl_pos pos = p->tok.pos;
	char *name;
	int rc;
	bool quoted = tok_is(p, HCL_T_OQUOTE);
	if (quoted) {
		/* HCL1 allows a quoted argument name ("driver.raw_exec.enable"
		 * = "1" in old agent configs and docs); HCL2 does not. Accept
		 * it for arguments, where the meaning is unambiguous. */
		rc = parse_label(p, &name);
		if (rc != ERR_OK)
			return rc;
		if (!tok_is(p, HCL_T_EQUAL))
			return pfail(p, pos,
			             "a quoted name must be followed by \"=\"");
	} else {
		if (!tok_is(p, HCL_T_IDENT))
			return pfound(p, "expected an argument or block name");
		if ((name = tok_text(p)) == NULL)
			return poom(p);
		rc = next(p);
		if (rc != ERR_OK)
			return rc;
	}
	if (tok_is(p, HCL_T_EQUAL)) {
		it->kind = HCL_ITEM_ATTR;
		it->u.attr.name = name;
		it->u.attr.pos = pos;
		rc = parse_attr_value(p, &it->u.attr);
	} else {
		it->kind = HCL_ITEM_BLOCK;
		it->u.block.type = name;
		it->u.block.pos = pos;
		rc = parse_block(p, &it->u.block);
	}
	return rc != ERR_OK ? rc : item_end(p, it);
}

/* An attribute may appear once per body; base is where the body's items
 * start on the scratch stack. */
static int check_dup(struct hcl_parser *p, struct hcl_nameset *names,
                     size_t base, const struct hcl_item *it, size_t idx)
{
	const struct hcl_item *items;
	const struct hcl_attr *a = &it->u.attr;
	size_t prev;
	bool dup;
	if (it->kind != HCL_ITEM_ATTR)
		return ERR_OK;
	if (hcl_nameset_put(names, a->name, idx, &dup, &prev) != ERR_OK)
		return poom(p);
	if (!dup)
		return ERR_OK;
	items = (struct hcl_item *)(p->scr + base);
	return pfail(p, a->pos,
	             "duplicate argument \"%s\"; previously set at %s:%d:%d",
	             a->name, p->filename, items[prev].u.attr.pos.line,
	             items[prev].u.attr.pos.col);
}

static int body_items(struct hcl_parser *p, struct hcl_body *body,
                      const char *owner, struct hcl_nameset *names)
{
	size_t base = p->scr_len, n = 0;
	struct hcl_item it;
	void *arr = NULL;
	int rc;
	for (;;) {
		rc = skip_newlines(p);
		if (rc != ERR_OK)
			return rc;
		if (tok_is(p, HCL_T_EOF) && owner != NULL)
			return pfail(
			    p, body->open_pos,
			    "block \"%s\" is missing its closing \"}\"", owner);
		if (tok_is(p, HCL_T_EOF) ||
		    (tok_is(p, HCL_T_RBRACE) && owner != NULL))
			break;
		memset(&it, 0, sizeof it);
		rc = parse_item(p, &it);
		if (rc == ERR_OK)
			rc = check_dup(p, names, base, &it, n);
		if (rc == ERR_OK)
			rc = spush(p, &it, sizeof it);
		if (rc != ERR_OK)
			return rc;
		n++;
	}
	rc = sfinish(p, base, sizeof it, &arr, &body->n);
	body->items = arr;
	return rc;
}

/* Items up to the closing `}` of block `owner`, or to the end of the file
 * when owner is NULL. */
static int parse_body(struct hcl_parser *p, struct hcl_body *body,
                      const char *owner)
{
	struct hcl_nameset names;
	int rc;
	hcl_nameset_init(&names);
	rc = body_items(p, body, owner, &names);
	hcl_nameset_release(&names);
	return rc;
}

/* ---- entry points ------------------------------------------------------ */

struct hcl_file_impl {
	struct hcl_file f;
	struct hcl_arena a;
};

static void parser_init(struct hcl_parser *p, const char *filename,
                        const char *src, size_t len, struct hcl_arena *a,
                        struct err *e)
{
	memset(p, 0, sizeof *p);
	hcl_lex_init(&p->lx, filename, src, len, e);
	p->a = a;
	p->filename = filename;
	p->e = e;
}

int hcl_parse(const char *filename, const char *src, size_t len,
              struct hcl_file **out, struct err *e)
{
	struct hcl_file_impl *impl;
	struct hcl_parser p;
	int rc;
	*out = NULL;
	if (filename == NULL)
		filename = "<input>";
	if (src == NULL)
		src = "";
	rc = hcl_lex_check(filename, src, len, e);
	if (rc != ERR_OK)
		return rc;
	if ((impl = mem_calloc(1, sizeof *impl)) == NULL)
		return hcl_oom(e);
	parser_init(&p, filename, src, len, &impl->a, e);
	impl->f.filename =
	    hcl_arena_strndup(&impl->a, filename, strlen(filename));
	impl->f.body = hcl_arena_alloc(&impl->a, sizeof *impl->f.body);
	if (impl->f.filename == NULL || impl->f.body == NULL)
		rc = hcl_oom(e);
	if (rc == ERR_OK) {
		impl->f.body->open_pos = (struct hcl_pos){1, 1};
		rc = next(&p);
	}
	if (rc == ERR_OK)
		rc = parse_body(&p, impl->f.body, NULL);
	mem_free(p.scr);
	mem_free(p.txt);
	if (rc != ERR_OK) {
		hcl_file_free(&impl->f);
		return rc;
	}
	*out = &impl->f;
	return ERR_OK;
}

void hcl_file_free(struct hcl_file *f)
{
	struct hcl_file_impl *impl = (struct hcl_file_impl *)f;
	if (f == NULL)
		return;
	hcl_arena_release(&impl->a);
	mem_free(impl);
}

int hcl_parse_expr(const char *filename, const char *src, size_t len,
                   struct hcl_arena *a, struct hcl_expr **out, struct err *e)
{
	struct hcl_parser p;
	int rc = hcl_lex_check(filename, src, len, e);
	if (rc != ERR_OK)
		return rc;
	parser_init(&p, filename, src, len, a, e);
	p.skip_nl = true;
	rc = next(&p);
	if (rc == ERR_OK)
		rc = parse_expr(&p, out);
	if (rc == ERR_OK && !tok_is(&p, HCL_T_EOF))
		rc = pfound(&p, "expected the end of the value");
	mem_free(p.scr);
	mem_free(p.txt);
	return rc;
}
