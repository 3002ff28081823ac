/* server/heartbeat.c: per-node heartbeat timers (see heartbeat.h). */
#include "server/heartbeat.h"

#include <string.h>

#include "lib/err.h"
#include "lib/id.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"

#define HASH_NONFATAL_OOM    1
#define uthash_malloc(sz)    mem_malloc(sz)
#define uthash_free(ptr, sz) mem_free(ptr)
#include <uthash.h>

struct hb_node {
	UT_hash_handle hh;
	uv_timer_t timer;
	struct heartbeats *owner;
	char id[ID_LEN + 1];
};

struct heartbeats {
	uv_loop_t *loop;
	struct heartbeat_config cfg;
	struct hb_node *nodes;
	size_t n;
	uint64_t rng;
	int closing; /* timers still closing */
	bool destroyed;
};

int heartbeats_create(uv_loop_t *loop, const struct heartbeat_config *c,
                      struct heartbeats **out)
{
	struct heartbeats *h = mem_calloc(1, sizeof *h);
	if (h == NULL)
		return ERR_NOMEM;
	h->loop = loop;
	h->cfg = *c;
	if (h->cfg.min_ttl_ns <= 0)
		h->cfg.min_ttl_ns = 10 * STIME_NS_PER_S;
	if (h->cfg.grace_ns <= 0)
		h->cfg.grace_ns = 10 * STIME_NS_PER_S;
	if (h->cfg.max_per_second <= 0)
		h->cfg.max_per_second = 50;
	if (h->cfg.failover_ttl_ns <= 0)
		h->cfg.failover_ttl_ns = 30 * STIME_NS_PER_S;
	h->rng = (uint64_t)stime_wall_ns() | 1;
	*out = h;
	return ERR_OK;
}

static void hb_closed(uv_handle_t *t)
{
	struct hb_node *n = t->data;
	struct heartbeats *h = n->owner;
	mem_free(n);
	if (--h->closing == 0 && h->destroyed)
		mem_free(h);
}

static void hb_drop(struct heartbeats *h, struct hb_node *n)
{
	HASH_DEL(h->nodes, n);
	h->n--;
	h->closing++;
	uv_close((uv_handle_t *)&n->timer, hb_closed);
}

static void hb_fire(uv_timer_t *t)
{
	struct hb_node *n = t->data;
	struct heartbeats *h = n->owner;
	char id[ID_LEN + 1];
	memcpy(id, n->id, sizeof id);
	hb_drop(h, n);
	LOG_WARN("server", "node %s missed its heartbeat", id);
	h->cfg.expired(h->cfg.data, id);
}

static struct hb_node *hb_get(struct heartbeats *h, const char *id)
{
	struct hb_node *n;
	size_t len = strlen(id);
	if (len > ID_LEN)
		return NULL;
	HASH_FIND(hh, h->nodes, id, len, n);
	if (n != NULL)
		return n;
	n = mem_calloc(1, sizeof *n);
	if (n == NULL)
		return NULL;
	memcpy(n->id, id, len);
	n->owner = h;
	uv_timer_init(h->loop, &n->timer);
	n->timer.data = n;
	HASH_ADD(hh, h->nodes, id, len, n);
	h->n++;
	return n;
}

/* xorshift64: the random part of TTLs. */
static uint64_t hb_rand(struct heartbeats *h)
{
	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 7;
	h->rng ^= h->rng << 17;
	return h->rng;
}

int64_t heartbeats_reset(struct heartbeats *h, const char *node_id)
{
	struct hb_node *n = hb_get(h, node_id);
	int64_t ttl = h->cfg.min_ttl_ns;
	int64_t rate = (int64_t)((double)h->n / h->cfg.max_per_second *
	                         (double)STIME_NS_PER_S);
	if (n == NULL)
		return 0;
	if (rate > ttl)
		ttl = rate;
	ttl += (int64_t)(hb_rand(h) % (uint64_t)ttl);
	uv_timer_start(&n->timer, hb_fire,
	               (uint64_t)((ttl + h->cfg.grace_ns) / STIME_NS_PER_MS),
	               0);
	return ttl;
}

/* The failover TTL, but never shorter than the longest TTL a node may
 * have been given (twice the rate-based TTL) plus the grace: a large
 * cluster's nodes heartbeat less often than a small one's. The count is
 * the nodes armed so far, so arm them all first (server_on_leader does),
 * or accept that early ones get the shorter bound. */
static int64_t hb_failover_ns(const struct heartbeats *h, size_t nodes)
{
	int64_t ttl = h->cfg.min_ttl_ns;
	int64_t rate = (int64_t)((double)nodes / h->cfg.max_per_second *
	                         (double)STIME_NS_PER_S);
	if (rate > ttl)
		ttl = rate;
	ttl = 2 * ttl + h->cfg.grace_ns;
	return ttl > h->cfg.failover_ttl_ns ? ttl : h->cfg.failover_ttl_ns;
}

void heartbeats_arm_failover(struct heartbeats *h, const char *node_id,
                             size_t nodes)
{
	struct hb_node *n = hb_get(h, node_id);
	if (n != NULL)
		uv_timer_start(
		    &n->timer, hb_fire,
		    (uint64_t)(hb_failover_ns(h, nodes) / STIME_NS_PER_MS), 0);
}

void heartbeats_forget(struct heartbeats *h, const char *node_id)
{
	struct hb_node *n;
	size_t len = strlen(node_id);
	HASH_FIND(hh, h->nodes, node_id, len, n);
	if (n != NULL)
		hb_drop(h, n);
}

void heartbeats_clear(struct heartbeats *h)
{
	struct hb_node *n, *tmp;
	HASH_ITER(hh, h->nodes, n, tmp)
	hb_drop(h, n);
}

size_t heartbeats_count(const struct heartbeats *h)
{
	return h->n;
}

void heartbeats_destroy(struct heartbeats *h)
{
	if (h == NULL)
		return;
	heartbeats_clear(h);
	h->destroyed = true;
	if (h->closing == 0)
		mem_free(h);
}
