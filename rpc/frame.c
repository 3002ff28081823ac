/* rpc/frame.c: length-prefixed frames and the checks a received body
 * passes before msgpack-c sees it. Pure: no sockets, so the fuzz target
 * drives it directly. */
#include <string.h>

#include "lib/mem.h"
#include "rpc/rpc_int.h"

/* msgpack-c's MSGPACK_EMBED_STACK_SIZE: it cannot unpack deeper input. */
#define RPC_MAX_NEST 32
/* First allocation for a frame body; it grows as bytes arrive, so a
 * length alone never makes us allocate much. */
#define RPC_BODY_FIRST (16u * 1024)

static const msgpack_object rpc_nil = {.type = MSGPACK_OBJECT_NIL};

/* ---- reader ---- */

void rpc_reader_init(struct rpc_reader *r)
{
	memset(r, 0, sizeof *r);
}

void rpc_reader_release(struct rpc_reader *r)
{
	mem_free(r->body);
	rpc_reader_init(r);
}

size_t rpc_reader_need(const struct rpc_reader *r)
{
	if (r->nhdr < sizeof r->hdr)
		return sizeof r->hdr - r->nhdr;
	return r->want - r->have;
}

/* Completes the header; checks the length and starts a body. */
static int reader_header(struct rpc_reader *r, struct err *e)
{
	uint32_t len = (uint32_t)r->hdr[0] << 24 | (uint32_t)r->hdr[1] << 16 |
	               (uint32_t)r->hdr[2] << 8 | r->hdr[3];
	if (len == 0)
		return err_set(e, ERR_DECODE, "empty frame");
	if (len > RPC_MAX_FRAME)
		return err_set(e, ERR_TOOBIG,
		               "frame of %u bytes exceeds the limit of %u", len,
		               RPC_MAX_FRAME);
	r->want = len;
	r->have = 0;
	r->cap = len < RPC_BODY_FIRST ? len : RPC_BODY_FIRST;
	r->body = mem_malloc(r->cap);
	if (r->body == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	return ERR_OK;
}

/* Makes room for n more body bytes, doubling up to the frame length. */
static int reader_grow(struct rpc_reader *r, size_t n, struct err *e)
{
	size_t cap = r->cap;
	char *p;
	if (r->have + n <= cap)
		return ERR_OK;
	while (cap < r->have + n)
		cap *= 2;
	if (cap > r->want)
		cap = r->want;
	p = mem_realloc(r->body, cap);
	if (p == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	r->body = p;
	r->cap = cap;
	return ERR_OK;
}

int rpc_reader_next(struct rpc_reader *r, const char **p, size_t *n,
                    char **body, size_t *len, struct err *e)
{
	size_t k;
	int rc;
	*body = NULL;
	*len = 0;
	while (r->nhdr < sizeof r->hdr) {
		if (*n == 0)
			return ERR_OK;
		r->hdr[r->nhdr++] = (unsigned char)**p;
		(*p)++, (*n)--;
		if (r->nhdr == sizeof r->hdr &&
		    (rc = reader_header(r, e)) != ERR_OK)
			return rc;
	}
	k = r->want - r->have < *n ? r->want - r->have : *n;
	if ((rc = reader_grow(r, k, e)) != ERR_OK)
		return rc;
	memcpy(r->body + r->have, *p, k);
	r->have += k;
	*p += k, *n -= k;
	if (r->have < r->want)
		return ERR_OK;
	*body = r->body;
	*len = r->want;
	r->body = NULL;
	r->nhdr = r->want = r->have = r->cap = 0;
	return ERR_OK;
}

/* ---- msgpack structure check ---- */

static uint64_t be_uint(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The shape of one msgpack header byte. */
struct mp_shape {
	size_t lenb;    /* bytes of the length that follows (0: none) */
	uint64_t fixed; /* payload bytes when lenb is 0, or extra bytes */
	int kind;       /* 0 scalar, 1 array, 2 map, -1 never used */
};

static struct mp_shape mp_shape_of(unsigned b)
{
	static const unsigned char fixext[] = {1, 2, 4, 8, 16};
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return (struct mp_shape){0, 0, 0};
	if (b <= 0x8f)
		return (struct mp_shape){0, 2 * (b & 0x0f), 2};
	if (b <= 0x9f)
		return (struct mp_shape){0, b & 0x0f, 1};
	if (b <= 0xbf)
		return (struct mp_shape){0, b & 0x1f, 0};
	if (b >= 0xc4 && b <= 0xc6) /* bin 8/16/32 */
		return (struct mp_shape){1u << (b - 0xc4), 0, 0};
	if (b >= 0xc7 && b <= 0xc9) /* ext 8/16/32: + the type byte */
		return (struct mp_shape){1u << (b - 0xc7), 1, 0};
	if (b == 0xca || b == 0xcb)
		return (struct mp_shape){0, b == 0xca ? 4 : 8, 0};
	if (b >= 0xcc && b <= 0xd3) /* uint and int 8..64 */
		return (struct mp_shape){0, 1u << ((b - 0xcc) & 3), 0};
	if (b >= 0xd4 && b <= 0xd8) /* fixext: type byte + data */
		return (struct mp_shape){0, 1u + fixext[b - 0xd4], 0};
	if (b >= 0xd9 && b <= 0xdb) /* str 8/16/32 */
		return (struct mp_shape){1u << (b - 0xd9), 0, 0};
	if (b == 0xdc || b == 0xdd)
		return (struct mp_shape){2u << (b - 0xdc), 0, 1};
	if (b == 0xde || b == 0xdf)
		return (struct mp_shape){2u << (b - 0xde), 0, 2};
	return (struct mp_shape){0, 0, -1}; /* 0xc1 */
}

struct mp_scan {
	const unsigned char *p;
	size_t len, pos;
	uint64_t left[RPC_MAX_NEST]; /* objects each open container awaits */
	int top;
	uint64_t objects;
};

/* Pops the containers that the object just read completes. */
static void scan_done(struct mp_scan *s)
{
	while (s->top > 0) {
		if (--s->left[s->top - 1] > 0)
			return;
		s->top--;
	}
}

/* Reads one header at s->pos (and a scalar's payload). */
static int scan_one(struct mp_scan *s, struct err *e)
{
	struct mp_shape sh = mp_shape_of(s->p[s->pos]);
	size_t avail = s->len - s->pos;
	uint64_t size = sh.fixed, items = 0;
	if (sh.kind < 0)
		return err_set(e, ERR_DECODE,
		               "invalid msgpack byte 0x%02x at offset %zu",
		               s->p[s->pos], s->pos);
	if (avail < 1 + sh.lenb)
		goto truncated;
	if (sh.lenb > 0)
		size = be_uint(s->p + s->pos + 1, sh.lenb) *
		           (sh.kind == 2 ? 2 : 1) +
		       sh.fixed;
	s->pos += 1 + sh.lenb;
	avail -= 1 + sh.lenb;
	if (sh.kind == 0) {
		if (size > avail)
			goto truncated;
		s->pos += size;
		scan_done(s);
		return ERR_OK;
	}
	items = size;
	if (items > avail)
		goto truncated;
	if (s->top == RPC_MAX_NEST)
		return err_set(e, ERR_DECODE,
		               "msgpack nesting deeper than %d levels",
		               RPC_MAX_NEST);
	s->objects += items;
	if (s->objects > RPC_MAX_OBJECTS)
		return err_set(e, ERR_DECODE,
		               "more than %u msgpack objects in one frame",
		               RPC_MAX_OBJECTS);
	if (items > 0)
		s->left[s->top++] = items;
	else
		scan_done(s);
	return ERR_OK;
truncated:
	return err_set(e, ERR_DECODE, "truncated msgpack data");
}

int rpc_msgpack_check(const void *data, size_t len, struct err *e)
{
	struct mp_scan s = {.p = data, .len = len};
	int rc;
	if (len == 0 || mp_shape_of(s.p[0]).kind != 2)
		return err_set(e, ERR_DECODE, "frame is not a msgpack map");
	do {
		if (s.pos >= s.len)
			return err_set(e, ERR_DECODE, "truncated msgpack data");
		if ((rc = scan_one(&s, e)) != ERR_OK)
			return rc;
	} while (s.top > 0);
	if (s.pos != len)
		return err_set(e, ERR_DECODE,
		               "trailing bytes after msgpack map at offset %zu",
		               s.pos);
	return ERR_OK;
}

/* ---- messages ---- */

static const msgpack_object *msg_find(const msgpack_object *map,
                                      const char *key)
{
	const msgpack_object *found = &rpc_nil;
	size_t n = strlen(key);
	/* The last of repeated keys wins, as in schema_msgpack_unpack. */
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    memcmp(k->via.str.ptr, key, n) == 0)
			found = &map->via.map.ptr[i].val;
	}
	return found;
}

int rpc_msg_parse(struct rpc_msg *m, char *body, size_t len, const char *key,
                  struct err *e)
{
	msgpack_unpack_return r;
	size_t off = 0;
	int rc;
	memset(m, 0, sizeof *m);
	if ((rc = rpc_msgpack_check(body, len, e)) != ERR_OK)
		goto free_body;
	msgpack_unpacked_init(&m->u);
	r = msgpack_unpack_next(&m->u, body, len, &off);
	if (r != MSGPACK_UNPACK_SUCCESS || off != len ||
	    m->u.data.type != MSGPACK_OBJECT_MAP) {
		rc = r == MSGPACK_UNPACK_NOMEM_ERROR
		         ? err_set(e, ERR_NOMEM, "out of memory")
		         : err_set(e, ERR_DECODE, "invalid msgpack data");
		goto destroy;
	}
	m->body = body;
	m->root = &m->u.data;
	m->extra = key != NULL ? msg_find(m->root, key) : &rpc_nil;
	return ERR_OK;
destroy:
	msgpack_unpacked_destroy(&m->u);
free_body:
	mem_free(body);
	memset(m, 0, sizeof *m);
	return rc;
}

void rpc_msg_release(struct rpc_msg *m)
{
	if (m->root != NULL)
		msgpack_unpacked_destroy(&m->u);
	mem_free(m->body);
	memset(m, 0, sizeof *m);
}
