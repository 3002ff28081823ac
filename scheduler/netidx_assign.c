/* scheduler/netidx_assign.c: assigning ports to a network ask (Nomad's
 * AssignPorts and AssignTaskNetwork). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "scheduler/netidx.h"
#include "scheduler/netidx_int.h"
#include "scheduler/sched_int.h"

/* Ports that must not be picked as dynamic ports: the ask's static ports
 * on the same host network and the ports already offered. */
struct avoid {
	const struct port_list *reserved;
	const char *hostnet; /* NULL: every reserved port counts */
	const int64_t *offered;
	size_t noffered;
};

static const char *hostnet_of(const struct port *p)
{
	const char *h = p->host_network;
	return h != NULL && *h != '\0' ? h : NETWORK_DEFAULT_HOST_NETWORK;
}

static bool avoided(const struct avoid *a, int64_t port)
{
	for (size_t i = 0; i < a->reserved->n; i++) {
		const struct port *p = &a->reserved->v[i];
		if (p->value == port &&
		    (a->hostnet == NULL ||
		     strcmp(hostnet_of(p), a->hostnet) == 0))
			return true;
	}
	for (size_t i = 0; i < a->noffered; i++)
		if (a->offered[i] == port)
			return true;
	return false;
}

static bool port_free(const struct netidx_used *u, const struct avoid *a,
                      int64_t port)
{
	return !netidx_bit(u, port) && !avoided(a, port);
}

/* Up to NETIDX_RAND_TRIES random probes in [min, max). */
static bool pick_random(const struct netidx *x, const struct netidx_used *u,
                        const struct avoid *a, struct sched_rng *rng,
                        int64_t *out)
{
	for (int i = 0; i < NETIDX_RAND_TRIES; i++) {
		int64_t p = x->min_dynamic;
		if (x->max_dynamic > x->min_dynamic)
			p += (int64_t)sched_rng_below(
			    rng, (uint64_t)(x->max_dynamic - x->min_dynamic));
		if (port_free(u, a, p)) {
			*out = p;
			return true;
		}
	}
	return false;
}

/* A uniformly chosen free port of [min, max], scanning them all. */
static bool pick_precise(const struct netidx *x, const struct netidx_used *u,
                         const struct avoid *a, struct sched_rng *rng,
                         int64_t *out)
{
	int64_t lo = x->min_dynamic < 0 ? 0 : x->min_dynamic;
	int64_t hi = x->max_dynamic >= NETIDX_MAX_PORT ? NETIDX_MAX_PORT - 1
	                                               : x->max_dynamic;
	uint64_t count = 0, k;
	for (int64_t p = lo; p <= hi; p++)
		count += port_free(u, a, p);
	if (count == 0)
		return false;
	k = sched_rng_below(rng, count);
	for (int64_t p = lo; p <= hi; p++)
		if (port_free(u, a, p) && k-- == 0) {
			*out = p;
			return true;
		}
	return false;
}

/* ---- group network asks ----------------------------------------------------
 */

struct assign {
	const struct netidx *x;
	const struct network_resource *ask;
	struct sched_rng *rng;
	struct allocated_port_mapping_list *offer;
	int64_t *offered;
	char *why;
};

/* Borrows the label (the ask's) and ip (the node's, via the index). */
static void offer_add(struct assign *as, const struct port *p, int64_t value,
                      int64_t to, const char *ip)
{
	struct allocated_port_mapping *m = &as->offer->v[as->offer->n];
	m->label = p->label != NULL ? p->label : (char *)"";
	m->host_ip = (char *)ip;
	m->value = value;
	m->to = to;
	m->ignore_collision = p->ignore_collision;
	as->offered[as->offer->n++] = value;
}

static int conflict(char *why, const char *fmt, const char *a, int64_t b)
{
	snprintf(why, NETIDX_WHY_MAX, fmt, a, (long long)b);
	return ERR_CONFLICT;
}

static int assign_static(struct assign *as, const struct port *p)
{
	const char *hn = hostnet_of(p);
	bool collided = false;
	for (size_t i = 0; i < as->x->naddrs; i++) {
		const struct netidx_addr *addr = &as->x->addrs[i];
		if (strcmp(addr->alias, hn) != 0)
			continue;
		if (p->value < 0 || p->value >= NETIDX_MAX_PORT)
			return conflict(as->why,
			                "invalid port %s%lld (out of "
			                "range)",
			                "", p->value);
		if (!p->ignore_collision &&
		    netidx_port_used(as->x, addr->address, p->value)) {
			collided = true;
			continue;
		}
		offer_add(as, p, p->value, p->to, addr->address);
		return 0;
	}
	if (collided)
		return conflict(as->why, "reserved port collision %s=%lld",
		                sched_str(p->label), p->value);
	snprintf(as->why, NETIDX_WHY_MAX,
	         "no addresses available for %s network", hn);
	return ERR_CONFLICT;
}

static int assign_dynamic(struct assign *as, const struct port *p)
{
	const char *hn = hostnet_of(p);
	struct avoid av = {&as->ask->reserved_ports, hn, as->offered,
	                   as->offer->n};
	bool tried = false;
	for (size_t i = 0; i < as->x->naddrs; i++) {
		const struct netidx_addr *addr = &as->x->addrs[i];
		const struct netidx_used *u;
		int64_t v;
		if (strcmp(addr->alias, hn) != 0)
			continue;
		tried = true;
		u = netidx_find_used(as->x, addr->address);
		if (!pick_random(as->x, u, &av, as->rng, &v) &&
		    !pick_precise(as->x, u, &av, as->rng, &v))
			continue;
		offer_add(as, p, v, p->to == -1 ? v : p->to, addr->address);
		return 0;
	}
	if (tried)
		snprintf(as->why, NETIDX_WHY_MAX,
		         "dynamic port selection failed");
	else
		snprintf(as->why, NETIDX_WHY_MAX,
		         "no addresses available for %s network", hn);
	return ERR_CONFLICT;
}

/* Ports offered so far fit here for any usual ask: one allocation less
 * per candidate node. */
#define NETIDX_OFFERED_INLINE 16

int netidx_assign_ports(const struct netidx *x,
                        const struct network_resource *ask,
                        struct sched_rng *rng,
                        struct allocated_port_mapping_list *offer, char *why)
{
	size_t total = ask->reserved_ports.n + ask->dynamic_ports.n;
	int64_t inl[NETIDX_OFFERED_INLINE];
	struct assign as = {x, ask, rng, offer, inl, why};
	int rc = 0;
	offer->n = 0;
	if (total > NETIDX_OFFERED_INLINE &&
	    (as.offered = mem_calloc(total, sizeof *as.offered)) == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; rc == 0 && i < ask->reserved_ports.n; i++)
		rc = assign_static(&as, &ask->reserved_ports.v[i]);
	for (size_t i = 0; rc == 0 && i < ask->dynamic_ports.n; i++)
		rc = assign_dynamic(&as, &ask->dynamic_ports.v[i]);
	if (as.offered != inl)
		mem_free(as.offered);
	if (rc != 0)
		offer->n = 0;
	return rc;
}

/* ---- legacy task network asks -------------------------------------------- */

/* count dynamic ports for ask on u, random probes first, then a precise
 * scan for all of them. */
static bool pick_many(const struct netidx *x, const struct netidx_used *u,
                      const struct network_resource *ask, struct sched_rng *rng,
                      int64_t *out)
{
	size_t n = ask->dynamic_ports.n;
	struct avoid av = {&ask->reserved_ports, NULL, out, 0};
	for (av.noffered = 0; av.noffered < n; av.noffered++)
		if (!pick_random(x, u, &av, rng, &out[av.noffered]))
			break;
	if (av.noffered == n)
		return true;
	for (av.noffered = 0; av.noffered < n; av.noffered++)
		if (!pick_precise(x, u, &av, rng, &out[av.noffered]))
			return false;
	return true;
}

static int make_task_offer(const struct netidx_tasknet *t, const char *ip,
                           const struct network_resource *ask,
                           const int64_t *ports, struct network_resource *offer)
{
	if (schema_copy(&network_resource_schema, offer, ask) != 0)
		return ERR_NOMEM;
	mem_free(offer->device);
	mem_free(offer->ip);
	mem_free(offer->cidr);
	mem_free(offer->hostname);
	offer->cidr = offer->hostname = NULL;
	offer->device = mem_strdup(t->device);
	offer->ip = mem_strdup(ip);
	if (offer->device == NULL || offer->ip == NULL) {
		schema_release(&network_resource_schema, offer);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < offer->dynamic_ports.n; i++) {
		struct port *p = &offer->dynamic_ports.v[i];
		p->value = ports[i];
		if (p->to == -1)
			p->to = ports[i];
	}
	return 0;
}

/* 0 offered, ERR_NOMEM, or ERR_CONFLICT (why set; try the next IP). */
static int try_ip(const struct netidx *x, const struct netidx_tasknet *t,
                  const char *ip, const struct network_resource *ask,
                  struct sched_rng *rng, struct network_resource *offer,
                  char *why)
{
	const struct netidx_used *u = netidx_find_used(x, ip);
	int64_t *ports;
	int rc;
	for (size_t i = 0; i < ask->reserved_ports.n; i++) {
		const struct port *p = &ask->reserved_ports.v[i];
		if (p->value < 0 || p->value >= NETIDX_MAX_PORT)
			return conflict(why,
			                "invalid port %s%lld (out of range)",
			                "", p->value);
		if (netidx_bit(u, p->value))
			return conflict(why, "reserved port collision %s=%lld",
			                sched_str(p->label), p->value);
	}
	ports = mem_calloc(ask->dynamic_ports.n + 1, sizeof *ports);
	if (ports == NULL)
		return ERR_NOMEM;
	if (!pick_many(x, u, ask, rng, ports)) {
		mem_free(ports);
		snprintf(why, NETIDX_WHY_MAX, "dynamic port selection failed");
		return ERR_CONFLICT;
	}
	rc = make_task_offer(t, ip, ask, ports, offer);
	mem_free(ports);
	return rc;
}

/* Parses an IPv4 CIDR into its first address and its size. */
static bool parse_cidr4(const char *cidr, uint32_t *first, uint64_t *size)
{
	char buf[64];
	const char *slash = strchr(cidr, '/');
	struct in_addr a;
	long bits;
	char *end;
	if (slash == NULL || (size_t)(slash - cidr) >= sizeof buf)
		return false;
	snprintf(buf, sizeof buf, "%.*s", (int)(slash - cidr), cidr);
	bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || bits < 0 || bits > 32 ||
	    inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*size = (uint64_t)1 << (32 - bits);
	*first = ntohl(a.s_addr) & (uint32_t) ~(*size - 1);
	return true;
}

/* Tries every IP of t's CIDR (at most 65536). */
static int try_tasknet(const struct netidx *x, const struct netidx_tasknet *t,
                       const struct network_resource *ask,
                       struct sched_rng *rng, struct network_resource *offer,
                       char *why)
{
	uint32_t first;
	uint64_t size;
	if (!parse_cidr4(t->cidr, &first, &size))
		return ERR_CONFLICT;
	if (t->used_mbits + ask->mbits > t->mbits) {
		snprintf(why, NETIDX_WHY_MAX, "bandwidth exceeded");
		return ERR_CONFLICT;
	}
	for (uint64_t i = 0; i < size && i < NETIDX_MAX_PORT; i++) {
		struct in_addr a = {.s_addr = htonl(first + (uint32_t)i)};
		char ip[INET_ADDRSTRLEN];
		int rc;
		inet_ntop(AF_INET, &a, ip, sizeof ip);
		rc = try_ip(x, t, ip, ask, rng, offer, why);
		if (rc != ERR_CONFLICT)
			return rc;
	}
	return ERR_CONFLICT;
}

int netidx_assign_task_network(const struct netidx *x,
                               const struct network_resource *ask,
                               struct sched_rng *rng,
                               struct network_resource *offer, char *why)
{
	snprintf(why, NETIDX_WHY_MAX, "no networks available");
	for (size_t i = 0; i < x->ntasknets; i++) {
		int rc = try_tasknet(x, &x->tasknets[i], ask, rng, offer, why);
		if (rc != ERR_CONFLICT)
			return rc;
	}
	return ERR_CONFLICT;
}
