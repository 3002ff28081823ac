/* scheduler/netidx.c: the port index of one node: building it from the
 * node and allocations, port range specs (assignment: netidx_assign.c). */
#include "scheduler/netidx.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/netidx_int.h"
#include "scheduler/sched_int.h"

#define BITMAP_BYTES (NETIDX_MAX_PORT / 8)
#define CHUNK_BYTES  (NETIDX_CHUNK_PORTS / 8)

/* ---- bitmaps per IP ------------------------------------------------------ */

const struct netidx_used *netidx_find_used(const struct netidx *x,
                                           const char *ip)
{
	ip = sched_str(ip);
	for (size_t i = 0; i < x->nused; i++)
		if (strcmp(x->used[i].ip, ip) == 0)
			return &x->used[i];
	return NULL;
}

/* The bitmap of ip, created empty on first use; NULL on oom. */
static struct netidx_used *used_for(struct netidx *x, const char *ip)
{
	struct netidx_used *u = (struct netidx_used *)netidx_find_used(x, ip);
	if (u != NULL)
		return u;
	if (x->nused == x->capused) {
		size_t cap = x->capused ? x->capused * 2 : 4;
		u = mem_realloc(x->used, cap * sizeof *u);
		if (u == NULL)
			return NULL;
		x->used = u;
		x->capused = cap;
	}
	u = &x->used[x->nused];
	memset(u, 0, sizeof *u);
	u->ip = mem_strdup(sched_str(ip));
	if (u->ip == NULL)
		return NULL;
	x->nused++;
	return u;
}

static void used_release(struct netidx_used *u)
{
	mem_free(u->ip);
	for (size_t c = 0; c < NETIDX_CHUNKS; c++)
		mem_free(u->chunk[c]);
}

bool netidx_bit(const struct netidx_used *u, int64_t port)
{
	const uint8_t *c;
	if (u == NULL || port < 0 || port >= NETIDX_MAX_PORT)
		return false;
	c = u->chunk[port / NETIDX_CHUNK_PORTS];
	port %= NETIDX_CHUNK_PORTS;
	return c != NULL && ((c[port >> 3] >> (port & 7)) & 1);
}

/* The chunk holding port, allocated on first use; NULL on oom (noted). */
static uint8_t *chunk_for(struct netidx_used *u, int64_t port)
{
	uint8_t **c = &u->chunk[port / NETIDX_CHUNK_PORTS];
	if (*c == NULL && (*c = mem_calloc(1, CHUNK_BYTES)) == NULL)
		u->oom = true;
	return *c;
}

/* Sets port (out-of-range ports are ignored); false on oom. */
static bool bit_set(struct netidx_used *u, int64_t port)
{
	uint8_t *c;
	if (port < 0 || port >= NETIDX_MAX_PORT)
		return true;
	if ((c = chunk_for(u, port)) == NULL)
		return false;
	port %= NETIDX_CHUNK_PORTS;
	c[port >> 3] |= (uint8_t)(1u << (port & 7));
	return true;
}

/* ORs a flat NETIDX_MAX_PORT-bit bitmap into u; false on oom. */
static bool bits_or(struct netidx_used *u, const uint8_t *flat)
{
	for (size_t c = 0; c < NETIDX_CHUNKS; c++) {
		const uint8_t *src = flat + c * CHUNK_BYTES;
		uint8_t *dst;
		size_t i = 0;
		while (i < CHUNK_BYTES && src[i] == 0)
			i++;
		if (i == CHUNK_BYTES)
			continue;
		if ((dst = chunk_for(u, (int64_t)(c * NETIDX_CHUNK_PORTS))) ==
		    NULL)
			return false;
		for (; i < CHUNK_BYTES; i++)
			dst[i] |= src[i];
	}
	return true;
}

static void flat_set(uint8_t *bits, int64_t port)
{
	if (port >= 0 && port < NETIDX_MAX_PORT)
		bits[port >> 3] |= (uint8_t)(1u << (port & 7));
}

bool netidx_port_used(const struct netidx *x, const char *ip, int64_t port)
{
	return netidx_bit(netidx_find_used(x, ip), port);
}

bool netidx_collision(const struct netidx *x)
{
	return x->collision;
}

/* ---- port range specs ---------------------------------------------------- */

/* Go's strconv.ParseUint(s, 10, 0) with its error text. */
static int parse_uint(const char *s, size_t len, uint64_t *out, struct err *e)
{
	char buf[64];
	bool digits = len > 0;
	snprintf(buf, sizeof buf, "%.*s", (int)len, s);
	for (size_t i = 0; i < len; i++)
		digits = digits && isdigit((unsigned char)s[i]);
	if (!digits)
		return err_set(e, ERR_INVAL,
		               "strconv.ParseUint: parsing \"%s\": invalid "
		               "syntax",
		               buf);
	errno = 0;
	*out = strtoull(buf, NULL, 10);
	if (errno != 0 || len >= sizeof buf)
		return err_set(e, ERR_INVAL,
		               "strconv.ParseUint: parsing \"%s\": value out "
		               "of range",
		               buf);
	return 0;
}

struct port_spec {
	void (*fn)(void *data, unsigned port);
	void *data;
	uint64_t count;
};

static int spec_range(struct port_spec *ps, uint64_t start, uint64_t end,
                      struct err *e)
{
	if (end < start)
		return err_set(e, ERR_INVAL,
		               "invalid range: ending value (%llu) less than "
		               "starting (%llu) value",
		               (unsigned long long)end,
		               (unsigned long long)start);
	if (start == 0)
		return err_set(e, ERR_INVAL, "port must be > 0");
	if (end > NETIDX_MAX_PORT)
		return err_set(e, ERR_INVAL, "port must be < %d but found %llu",
		               NETIDX_MAX_PORT, (unsigned long long)end);
	ps->count += start == end ? 1 : end - start;
	if (ps->count > NETIDX_MAX_PORT)
		return err_set(e, ERR_INVAL,
		               "maximum of %d ports can be reserved",
		               NETIDX_MAX_PORT);
	for (uint64_t p = start; p <= end; p++)
		if (p < NETIDX_MAX_PORT)
			ps->fn(ps->data, (unsigned)p);
	return 0;
}

static int spec_part(struct port_spec *ps, const char *p, size_t len,
                     struct err *e)
{
	const char *dash = memchr(p, '-', len);
	uint64_t a, b;
	if (dash == NULL) {
		if (len == 0)
			return err_set(e, ERR_INVAL,
			               "can't specify empty port");
		if (parse_uint(p, len, &a, e) != 0)
			return ERR_INVAL;
		return spec_range(ps, a, a, e);
	}
	if (memchr(dash + 1, '-', len - (size_t)(dash + 1 - p)) != NULL)
		return err_set(e, ERR_INVAL,
		               "can only parse single port numbers or port "
		               "ranges (ex. 80,100-120,150)");
	if (parse_uint(p, (size_t)(dash - p), &a, e) != 0 ||
	    parse_uint(dash + 1, len - (size_t)(dash + 1 - p), &b, e) != 0)
		return ERR_INVAL;
	return spec_range(ps, a, b, e);
}

int netidx_parse_ports(const char *spec, void (*fn)(void *data, unsigned port),
                       void *data, struct err *e)
{
	struct port_spec ps = {.fn = fn, .data = data};
	const char *p = sched_str(spec);
	if (*p == '\0')
		return 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma != NULL ? comma : p + strlen(p);
		const char *s = p;
		while (s < end && isspace((unsigned char)*s))
			s++;
		while (end > s && isspace((unsigned char)end[-1]))
			end--;
		if (spec_part(&ps, s, (size_t)(end - s), e) != 0)
			return ERR_INVAL;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* ---- building from a node ------------------------------------------------ */

static void set_port_cb(void *data, unsigned port)
{
	bit_set(data, port); /* oom noted in the bitmap */
}

static void set_flat_cb(void *data, unsigned port)
{
	flat_set(data, port);
}

/* Marks the global reserved ports and the spec's ports as used on ip. */
static int reserve_on(struct netidx *x, const char *ip, const uint8_t *global,
                      const char *spec, const char *alias, struct err *e)
{
	struct netidx_used *u = used_for(x, ip);
	if (u == NULL)
		return ERR_NOMEM;
	if (global != NULL && !bits_or(u, global))
		return ERR_NOMEM;
	if (spec == NULL || *spec == '\0')
		return 0;
	if (netidx_parse_ports(spec, set_port_cb, u, e) != 0)
		return err_wrap(e,
		                "error parsing reserved_ports for network "
		                "\"%s\"",
		                sched_str(alias));
	return u->oom ? ERR_NOMEM : 0;
}

static int add_tasknets(struct netidx *x, const struct node_resources *r,
                        const uint8_t *global, struct err *e)
{
	x->tasknets = mem_calloc(r->networks.n + 1, sizeof *x->tasknets);
	if (x->tasknets == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < r->networks.n; i++) {
		const struct network_resource *nw = &r->networks.v[i];
		struct netidx_tasknet *t = &x->tasknets[x->ntasknets];
		if (nw->device == NULL || *nw->device == '\0')
			continue;
		t->device = nw->device;
		t->cidr = sched_str(nw->cidr);
		t->ip = sched_str(nw->ip);
		t->mbits = nw->mbits;
		x->ntasknets++;
		if (reserve_on(x, nw->ip, global, NULL, NULL, e) != 0)
			return ERR_NOMEM;
	}
	return 0;
}

static size_t count_addrs(const struct node_resources *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->node_networks.n; i++)
		n += r->node_networks.v[i].addresses.n;
	return n;
}

static int add_addrs(struct netidx *x, const struct node_resources *r,
                     const uint8_t *global, struct err *e)
{
	x->addrs = mem_calloc(count_addrs(r) + 1, sizeof *x->addrs);
	if (x->addrs == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < r->node_networks.n; i++) {
		const struct node_network_resource *nw = &r->node_networks.v[i];
		for (size_t j = 0; j < nw->addresses.n; j++) {
			const struct node_network_address *a =
			    &nw->addresses.v[j];
			int rc;
			x->addrs[x->naddrs].alias = sched_str(a->alias);
			x->addrs[x->naddrs++].address = sched_str(a->address);
			rc = reserve_on(x, a->address, global,
			                a->reserved_ports, a->alias, e);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* The node's global reserved host ports as a bitmap (NULL when none). */
static int global_reserved(const struct node *n, uint8_t **out, struct err *e)
{
	const struct node_reserved_resources *rr = n->reserved_resources;
	const char *spec = rr != NULL ? rr->networks.reserved_host_ports : NULL;
	uint8_t *bits;
	*out = NULL;
	if (spec == NULL || *spec == '\0')
		return 0;
	bits = mem_calloc(1, BITMAP_BYTES);
	if (bits == NULL)
		return ERR_NOMEM;
	if (netidx_parse_ports(spec, set_flat_cb, bits, e) != 0) {
		mem_free(bits);
		return err_wrap(e, "error parsing reserved_ports");
	}
	*out = bits;
	return 0;
}

int netidx_init(struct netidx *x, const struct node *n, struct err *e)
{
	const struct node_resources *r = n->node_resources;
	struct node_resources empty = {0};
	uint8_t *global = NULL;
	struct err local;
	int rc;
	if (e == NULL) {
		err_clear(&local);
		e = &local;
	}
	memset(x, 0, sizeof *x);
	x->min_dynamic = NETIDX_DEFAULT_MIN_PORT;
	x->max_dynamic = NETIDX_DEFAULT_MAX_PORT;
	if (r == NULL)
		r = &empty;
	if (r->min_dynamic_port > 0)
		x->min_dynamic = r->min_dynamic_port;
	if (r->max_dynamic_port > 0)
		x->max_dynamic = r->max_dynamic_port;
	rc = global_reserved(n, &global, e);
	if (rc == 0)
		rc = add_tasknets(x, r, global, e);
	if (rc == 0)
		rc = add_addrs(x, r, global, e);
	mem_free(global);
	if (rc != 0)
		netidx_release(x);
	return rc;
}

void netidx_release(struct netidx *x)
{
	for (size_t i = 0; i < x->nused; i++)
		used_release(&x->used[i]);
	mem_free(x->used);
	mem_free(x->addrs);
	mem_free(x->tasknets);
	memset(x, 0, sizeof *x);
}

static int copy_used(struct netidx *dst, const struct netidx *src)
{
	dst->used = mem_calloc(src->nused + 1, sizeof *dst->used);
	if (dst->used == NULL)
		return ERR_NOMEM;
	dst->capused = src->nused + 1;
	for (size_t i = 0; i < src->nused; i++) {
		const struct netidx_used *from = &src->used[i];
		struct netidx_used *u = &dst->used[i];
		dst->nused++; /* released as a whole on failure */
		if ((u->ip = mem_strdup(from->ip)) == NULL)
			return ERR_NOMEM;
		for (size_t c = 0; c < NETIDX_CHUNKS; c++) {
			if (from->chunk[c] == NULL)
				continue;
			u->chunk[c] = mem_malloc(CHUNK_BYTES);
			if (u->chunk[c] == NULL)
				return ERR_NOMEM;
			memcpy(u->chunk[c], from->chunk[c], CHUNK_BYTES);
		}
	}
	return 0;
}

int netidx_copy(struct netidx *dst, const struct netidx *src)
{
	*dst = *src;
	dst->used = NULL;
	dst->nused = dst->capused = 0;
	dst->addrs = mem_calloc(src->naddrs + 1, sizeof *dst->addrs);
	dst->tasknets = mem_calloc(src->ntasknets + 1, sizeof *dst->tasknets);
	if (dst->addrs == NULL || dst->tasknets == NULL)
		goto nomem;
	memcpy(dst->addrs, src->addrs, src->naddrs * sizeof *dst->addrs);
	memcpy(dst->tasknets, src->tasknets,
	       src->ntasknets * sizeof *dst->tasknets);
	if (copy_used(dst, src) != 0)
		goto nomem;
	return 0;
nomem:
	netidx_release(dst);
	return ERR_NOMEM;
}

/* ---- adding allocations -------------------------------------------------- */

static void note_collision(struct netidx *x, const char *what, const char *id)
{
	if (x->collision)
		return;
	x->collision = true;
	snprintf(x->collision_reason, sizeof x->collision_reason,
	         "collision when reserving port %s%s", what, id);
}

int netidx_add_ports(struct netidx *x,
                     const struct allocated_port_mapping_list *ports,
                     bool *collide)
{
	bool hit = false;
	for (size_t i = 0; i < ports->n; i++) {
		const struct allocated_port_mapping *p = &ports->v[i];
		struct netidx_used *u;
		if (p->value < 0 || p->value >= NETIDX_MAX_PORT) {
			hit = true;
			break;
		}
		u = used_for(x, p->host_ip);
		if (u == NULL)
			return ERR_NOMEM;
		if (netidx_bit(u, p->value))
			hit = hit || !p->ignore_collision;
		else if (!bit_set(u, p->value))
			return ERR_NOMEM;
	}
	if (collide != NULL)
		*collide = hit;
	return 0;
}

/* Whether a port of l was in use already (or out of range); an oom is
 * noted in u. */
static bool add_port_list(struct netidx_used *u, const struct port_list *l)
{
	bool hit = false;
	for (size_t i = 0; i < l->n; i++) {
		int64_t v = l->v[i].value;
		if (v < 0 || v >= NETIDX_MAX_PORT)
			return true;
		if (netidx_bit(u, v))
			hit = true;
		else
			bit_set(u, v);
	}
	return hit;
}

int netidx_add_network(struct netidx *x, const struct network_resource *n,
                       bool *collide)
{
	struct netidx_used *u = used_for(x, n->ip);
	bool hit;
	if (u == NULL)
		return ERR_NOMEM;
	hit = add_port_list(u, &n->reserved_ports);
	hit = add_port_list(u, &n->dynamic_ports) || hit;
	if (u->oom)
		return ERR_NOMEM;
	for (size_t i = 0; i < x->ntasknets; i++)
		if (sched_str_eq(x->tasknets[i].device, n->device)) {
			x->tasknets[i].used_mbits += n->mbits;
			break;
		}
	if (collide != NULL)
		*collide = hit;
	return 0;
}

static int add_networks(struct netidx *x, const struct network_resource_list *l,
                        bool first_only, const char *id)
{
	for (size_t i = 0; i < l->n && (!first_only || i == 0); i++) {
		bool hit = false;
		if (netidx_add_network(x, &l->v[i], &hit) != 0)
			return ERR_NOMEM;
		if (hit)
			note_collision(x, "for network in alloc ", id);
	}
	return 0;
}

static int add_allocated(struct netidx *x, const struct allocated_resources *r,
                         const char *id)
{
	bool hit = false;
	if (r->shared.ports.n > 0) {
		if (netidx_add_ports(x, &r->shared.ports, &hit) != 0)
			return ERR_NOMEM;
		if (hit)
			note_collision(x, "for alloc ", id);
		return 0;
	}
	if (add_networks(x, &r->shared.networks, false, id) != 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < r->tasks.n; i++)
		if (add_networks(x, &r->tasks.v[i].val.networks, true, id) != 0)
			return ERR_NOMEM;
	return 0;
}

int netidx_add_alloc(struct netidx *x, const struct allocation *a)
{
	const char *id = sched_str(a->id);
	if (allocation_client_terminal(a))
		return 0;
	if (a->allocated_resources != NULL)
		return add_allocated(x, a->allocated_resources, id);
	for (size_t i = 0; i < a->task_resources.n; i++)
		if (add_networks(x, &a->task_resources.v[i].val.networks, true,
		                 id) != 0)
			return ERR_NOMEM;
	return 0;
}
