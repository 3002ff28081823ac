/* state/mpread.c: a small msgpack cursor for reading a snapshot's outer
 * shape (maps, arrays, keys, indexes) and finding where each object
 * starts and ends, so every object is decoded on its own by the schema
 * codec. Every length is checked against the bytes left; nothing here
 * allocates. */
#include "state/state_int.h"

enum mp_kind {
	MPK_NIL,
	MPK_BOOL,
	MPK_UINT,
	MPK_INT,
	MPK_FLOAT,
	MPK_STR,
	MPK_BIN,
	MPK_EXT,
	MPK_ARRAY,
	MPK_MAP,
};

struct mp_head {
	enum mp_kind kind;
	size_t size;    /* bytes of the header */
	uint64_t body;  /* bytes after the header */
	uint64_t items; /* objects inside a container (2 per map pair) */
	uint64_t u;     /* the value of an integer (two's complement) */
};

static uint64_t mp_be(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Headers of one byte: fixints, fixmap, fixarray, fixstr, nil, bools. */
static bool mp_head_fix(unsigned b, struct mp_head *h)
{
	if (b <= 0x7f || b >= 0xe0) {
		h->kind = b <= 0x7f ? MPK_UINT : MPK_INT;
		h->u = b <= 0x7f ? b : (uint64_t)(int64_t)(int8_t)b;
	} else if (b <= 0x8f) {
		h->kind = MPK_MAP;
		h->items = 2u * (b & 0x0f);
	} else if (b <= 0x9f) {
		h->kind = MPK_ARRAY;
		h->items = b & 0x0f;
	} else if (b <= 0xbf) {
		h->kind = MPK_STR;
		h->body = b & 0x1f;
	} else if (b == 0xc0 || b == 0xc2 || b == 0xc3) {
		h->kind = b == 0xc0 ? MPK_NIL : MPK_BOOL;
	} else {
		return false;
	}
	return true;
}

/* The kind and the size of the length field of a variable header. */
static bool mp_head_var(unsigned b, enum mp_kind *kind, size_t *lenb)
{
	static const struct {
		unsigned char lo, hi;
		unsigned char kind;
	} ranges[] = {
	    {0xc4, 0xc6, MPK_BIN}, {0xc7, 0xc9, MPK_EXT},
	    {0xd9, 0xdb, MPK_STR}, {0xdc, 0xdd, MPK_ARRAY},
	    {0xde, 0xdf, MPK_MAP},
	};
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		if (b < ranges[i].lo || b > ranges[i].hi)
			continue;
		*kind = ranges[i].kind;
		*lenb = *kind == MPK_ARRAY || *kind == MPK_MAP
		            ? 2u << (b - ranges[i].lo)
		            : 1u << (b - ranges[i].lo);
		return true;
	}
	return false;
}

static int mp_truncated(const struct mpread *r, struct err *e)
{
	return err_set(e, ERR_DECODE, "truncated msgpack data at offset %zu",
	               r->pos);
}

/* Numbers with a fixed payload: floats, ints, fixext. */
static bool mp_head_num(unsigned b, struct mp_head *h)
{
	static const unsigned char fixext[] = {1, 2, 4, 8, 16};
	if (b == 0xca || b == 0xcb) {
		h->kind = MPK_FLOAT;
		h->body = b == 0xca ? 4 : 8;
	} else if (b >= 0xcc && b <= 0xd3) {
		h->kind = b <= 0xcf ? MPK_UINT : MPK_INT;
		h->body = 1u << ((b - 0xcc) & 3);
	} else if (b >= 0xd4 && b <= 0xd8) {
		h->kind = MPK_EXT;
		h->body = 1u + fixext[b - 0xd4];
	} else {
		return false;
	}
	return true;
}

static void mp_int_value(const unsigned char *p, struct mp_head *h)
{
	unsigned n = (unsigned)h->body;
	h->u = mp_be(p, n);
	if (h->kind == MPK_INT && n < 8 && (h->u >> (8 * n - 1)) & 1)
		h->u |= ~UINT64_C(0) << (8 * n);
	h->body = 0;
}

/* Reads the header at r->pos (without moving) and checks that the body
 * fits in what is left. */
static int mp_head(const struct mpread *r, struct mp_head *h, struct err *e)
{
	const unsigned char *p = r->p + r->pos;
	size_t left = r->len - r->pos, lenb;
	*h = (struct mp_head){.size = 1};
	if (left == 0)
		return mp_truncated(r, e);
	if (mp_head_fix(p[0], h))
		goto check;
	if (mp_head_num(p[0], h)) {
		if (h->body > left - 1)
			return mp_truncated(r, e);
		if (h->kind == MPK_UINT || h->kind == MPK_INT) {
			h->size += (size_t)h->body;
			mp_int_value(p + 1, h);
		}
		return ERR_OK;
	}
	if (!mp_head_var(p[0], &h->kind, &lenb))
		return err_set(e, ERR_DECODE,
		               "invalid msgpack byte 0x%02x at offset %zu",
		               p[0], r->pos);
	if (lenb > left - 1)
		return mp_truncated(r, e);
	h->size = 1 + lenb;
	h->body = mp_be(p + 1, lenb) + (h->kind == MPK_EXT ? 1 : 0);
	if (h->kind == MPK_ARRAY || h->kind == MPK_MAP) {
		h->items = h->kind == MPK_MAP ? 2 * h->body : h->body;
		h->body = 0;
	}
check:
	if (h->body > left - h->size)
		return mp_truncated(r, e);
	return ERR_OK;
}

static int mp_expect(struct mpread *r, enum mp_kind kind, const char *what,
                     struct mp_head *h, struct err *e)
{
	int rc = mp_head(r, h, e);
	if (rc != ERR_OK)
		return rc;
	if (h->kind != kind)
		return err_set(e, ERR_DECODE, "expected %s at offset %zu", what,
		               r->pos);
	r->pos += h->size;
	return ERR_OK;
}

int mpread_map(struct mpread *r, uint64_t *n, struct err *e)
{
	struct mp_head h;
	int rc = mp_expect(r, MPK_MAP, "a map", &h, e);
	*n = h.items / 2;
	return rc;
}

int mpread_array(struct mpread *r, uint64_t *n, struct err *e)
{
	struct mp_head h;
	int rc = mp_expect(r, MPK_ARRAY, "an array", &h, e);
	*n = h.items;
	return rc;
}

int mpread_str(struct mpread *r, const char **s, size_t *n, struct err *e)
{
	struct mp_head h;
	int rc = mp_expect(r, MPK_STR, "a string", &h, e);
	if (rc != ERR_OK)
		return rc;
	*s = (const char *)r->p + r->pos;
	*n = (size_t)h.body;
	r->pos += (size_t)h.body;
	return ERR_OK;
}

int mpread_uint(struct mpread *r, uint64_t *v, struct err *e)
{
	struct mp_head h;
	int rc = mp_head(r, &h, e);
	if (rc != ERR_OK)
		return rc;
	if (h.kind != MPK_UINT && !(h.kind == MPK_INT && (int64_t)h.u >= 0))
		return err_set(e, ERR_DECODE,
		               "expected an unsigned integer at offset %zu",
		               r->pos);
	*v = h.u;
	r->pos += h.size;
	return ERR_OK;
}

int mpread_skip(struct mpread *r, size_t *start, struct err *e)
{
	uint64_t left = 1;
	*start = r->pos;
	while (left > 0) {
		struct mp_head h;
		int rc = mp_head(r, &h, e);
		if (rc != ERR_OK)
			return rc;
		r->pos += h.size + (size_t)h.body;
		left += h.items - 1;
		/* Every object takes a byte at least. */
		if (left > r->len - r->pos)
			return mp_truncated(r, e);
	}
	return ERR_OK;
}

bool mpread_nil(struct mpread *r)
{
	if (r->pos >= r->len || r->p[r->pos] != 0xc0)
		return false;
	r->pos++;
	return true;
}
