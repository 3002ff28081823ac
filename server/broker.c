/* server/broker.c: the evaluation broker (see broker.h). */
#include "server/broker.h"

#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"

#define HASH_NONFATAL_OOM    1
#define uthash_malloc(sz)    mem_malloc(sz)
#define uthash_free(ptr, sz) mem_free(ptr)
#include <uthash.h>

enum bev_state { BEV_READY, BEV_QUEUED, BEV_OUT, BEV_DELAYED, BEV_BLOCKED };

struct bjob;

struct bev {
	UT_hash_handle hh; /* by id */
	char id[ID_LEN + 1];
	struct bjob *job;
	int64_t prio;
	uint64_t seq;
	int64_t wait_until;
	enum bev_state state;
	struct bev *next; /* the job's queue, or the delay list */
};

struct bjob {
	UT_hash_handle hh; /* by key "ns\x1fjob" */
	char *key;
	struct bev *out;         /* handed out, or NULL */
	struct bev *ready;       /* in the heap, or NULL */
	struct bev *head, *tail; /* queued behind */
	struct bev *blocked;     /* the job's blocked eval */
};

struct broker {
	struct bev *evs;
	struct bjob *jobs;
	struct bev **heap;
	size_t nheap, capheap;
	struct bev *delayed;
	size_t nblocked;
	uint64_t seq;
};

int broker_create(struct broker **out)
{
	*out = mem_calloc(1, sizeof **out);
	return *out != NULL ? ERR_OK : ERR_NOMEM;
}

void broker_clear(struct broker *b)
{
	struct bev *e, *te;
	struct bjob *j, *tj;
	HASH_ITER(hh, b->evs, e, te)
	{
		HASH_DEL(b->evs, e);
		mem_free(e);
	}
	HASH_ITER(hh, b->jobs, j, tj)
	{
		HASH_DEL(b->jobs, j);
		mem_free(j->key);
		mem_free(j);
	}
	b->nheap = 0;
	b->delayed = NULL;
	b->nblocked = 0;
}

void broker_destroy(struct broker *b)
{
	if (b == NULL)
		return;
	broker_clear(b);
	mem_free(b->heap);
	mem_free(b);
}

/* ---- the ready heap: priority desc, then arrival ------------------------ */

static bool bev_before(const struct bev *a, const struct bev *c)
{
	return a->prio != c->prio ? a->prio > c->prio : a->seq < c->seq;
}

static void heap_swap(struct broker *b, size_t i, size_t k)
{
	struct bev *t = b->heap[i];
	b->heap[i] = b->heap[k];
	b->heap[k] = t;
}

static int heap_push(struct broker *b, struct bev *e)
{
	size_t i;
	if (b->nheap == b->capheap) {
		size_t cap = b->capheap ? b->capheap * 2 : 64;
		struct bev **h = mem_realloc(b->heap, cap * sizeof *h);
		if (h == NULL)
			return ERR_NOMEM;
		b->heap = h;
		b->capheap = cap;
	}
	i = b->nheap++;
	b->heap[i] = e;
	while (i > 0 && bev_before(b->heap[i], b->heap[(i - 1) / 2])) {
		heap_swap(b, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return ERR_OK;
}

static struct bev *heap_pop(struct broker *b)
{
	struct bev *top = b->heap[0];
	size_t i = 0;
	b->heap[0] = b->heap[--b->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < b->nheap && bev_before(b->heap[l], b->heap[m]))
			m = l;
		if (r < b->nheap && bev_before(b->heap[r], b->heap[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(b, i, m);
		i = m;
	}
	return top;
}

/* ---- jobs ------------------------------------------------------------------
 */

static struct bjob *job_get(struct broker *b, const char *ns, const char *id)
{
	size_t nl = strlen(ns ? ns : ""), il = strlen(id ? id : "");
	char *key = mem_malloc(nl + il + 2);
	struct bjob *j;
	if (key == NULL)
		return NULL;
	memcpy(key, ns ? ns : "", nl);
	key[nl] = '\x1f';
	memcpy(key + nl + 1, id ? id : "", il + 1);
	HASH_FIND(hh, b->jobs, key, nl + il + 1, j);
	if (j != NULL) {
		mem_free(key);
		return j;
	}
	j = mem_calloc(1, sizeof *j);
	if (j == NULL) {
		mem_free(key);
		return NULL;
	}
	j->key = key;
	HASH_ADD_KEYPTR(hh, b->jobs, key, nl + il + 1, j);
	return j;
}

/* Makes e the job's ready eval, or queues it behind. */
static int job_offer(struct broker *b, struct bev *e)
{
	struct bjob *j = e->job;
	if (j->out == NULL && j->ready == NULL) {
		if (heap_push(b, e) != ERR_OK)
			return ERR_NOMEM;
		j->ready = e;
		e->state = BEV_READY;
		return ERR_OK;
	}
	e->state = BEV_QUEUED;
	e->next = NULL;
	if (j->tail != NULL)
		j->tail->next = e;
	else
		j->head = e;
	j->tail = e;
	return ERR_OK;
}

static void bev_forget(struct broker *b, struct bev *e)
{
	HASH_DEL(b->evs, e);
	mem_free(e);
}

static int put_blocked(struct broker *b, struct bev *e)
{
	struct bjob *j = e->job;
	if (j->blocked != NULL) { /* the newer one replaces it */
		bev_forget(b, j->blocked);
		b->nblocked--;
	}
	j->blocked = e;
	e->state = BEV_BLOCKED;
	b->nblocked++;
	return ERR_OK;
}

int broker_put(struct broker *b, const struct evaluation *ev, int64_t now)
{
	bool blocked =
	    ev->status && strcmp(ev->status, EVAL_STATUS_BLOCKED) == 0;
	bool pending =
	    ev->status && strcmp(ev->status, EVAL_STATUS_PENDING) == 0;
	size_t len = ev->id ? strlen(ev->id) : 0;
	struct bev *e;
	if ((!blocked && !pending) || len == 0 || len > ID_LEN)
		return ERR_OK;
	HASH_FIND(hh, b->evs, ev->id, len, e);
	if (e != NULL)
		return ERR_OK;
	e = mem_calloc(1, sizeof *e);
	if (e == NULL)
		return ERR_NOMEM;
	memcpy(e->id, ev->id, len);
	e->prio = ev->priority;
	e->seq = ++b->seq;
	e->wait_until = ev->wait_until;
	e->job = job_get(b, ev->namespace, ev->job_id);
	if (e->job == NULL) {
		mem_free(e);
		return ERR_NOMEM;
	}
	HASH_ADD(hh, b->evs, id, len, e);
	if (blocked)
		return put_blocked(b, e);
	if (e->wait_until > now) {
		e->state = BEV_DELAYED;
		e->next = b->delayed;
		b->delayed = e;
		return ERR_OK;
	}
	return job_offer(b, e);
}

bool broker_next(struct broker *b, char id[ID_LEN + 1])
{
	struct bev *e;
	if (b->nheap == 0)
		return false;
	e = heap_pop(b);
	e->job->ready = NULL;
	e->job->out = e;
	e->state = BEV_OUT;
	memcpy(id, e->id, ID_LEN + 1);
	return true;
}

void broker_done(struct broker *b, const char *eval_id)
{
	size_t len = strlen(eval_id);
	struct bev *e, *nx;
	struct bjob *j;
	HASH_FIND(hh, b->evs, eval_id, len, e);
	if (e == NULL || e->state != BEV_OUT)
		return;
	j = e->job;
	j->out = NULL;
	bev_forget(b, e);
	nx = j->head;
	if (nx == NULL)
		return;
	j->head = nx->next;
	if (j->head == NULL)
		j->tail = NULL;
	if (job_offer(b, nx) != ERR_OK)
		bev_forget(b, nx); /* lost until the next leadership */
}

size_t broker_unblock(struct broker *b)
{
	struct bjob *j, *tmp;
	size_t n = 0;
	HASH_ITER(hh, b->jobs, j, tmp)
	{
		struct bev *e = j->blocked;
		if (e == NULL)
			continue;
		j->blocked = NULL;
		b->nblocked--;
		if (job_offer(b, e) != ERR_OK)
			bev_forget(b, e);
		else
			n++;
	}
	return n;
}

int64_t broker_tick(struct broker *b, int64_t now)
{
	struct bev **pp = &b->delayed, *e;
	int64_t next = -1;
	while ((e = *pp) != NULL) {
		if (e->wait_until <= now) {
			*pp = e->next;
			if (job_offer(b, e) != ERR_OK)
				bev_forget(b, e);
			continue;
		}
		if (next < 0 || e->wait_until - now < next)
			next = e->wait_until - now;
		pp = &e->next;
	}
	return next;
}

size_t broker_ready(const struct broker *b)
{
	return b->nheap;
}

size_t broker_blocked(const struct broker *b)
{
	return b->nblocked;
}
