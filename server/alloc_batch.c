/* server/alloc_batch.c: Node.UpdateAlloc calls that reach the leader
 * within a short window are written as one log entry (Nomad batches them
 * the same way, every 50 ms), and every caller is answered when it is
 * applied. A thousand clients reporting at once cost a handful of entries
 * instead of a thousand. */
#include <string.h>

#include "lib/log.h"
#include "lib/mem.h"
#include "raft/fsm.h"
#include "server/server_int.h"

#define ALLOC_BATCH_MS         10
#define ALLOC_BATCH_MAX_ALLOCS 4096 /* written at once above this */

struct alloc_batch {
	struct fsm_alloc_update body;
	struct rpc_call **calls;
	size_t ncalls, capcalls;
	bool freed;
};

static void alloc_batch_free(struct alloc_batch *b)
{
	schema_release(&fsm_alloc_update_schema, &b->body);
	mem_free(b->calls);
	mem_free(b);
}

static void alloc_batch_applied(struct server *s, struct rpc_call *call,
                                void *ctx, int status, uint64_t index)
{
	struct alloc_batch *b = ctx;
	(void)call;
	for (size_t i = 0; i < b->ncalls; i++) {
		if (status != ERR_OK) {
			server_fail(b->calls[i], status);
		} else {
			struct node_update_response r = {.index = index};
			struct rpc_meta m = server_meta(s, index);
			rpc_call_reply(b->calls[i],
			               &node_update_response_schema, &r, &m);
		}
	}
	if (status == ERR_OK) {
		server_evals_written(s, b->body.evals.v, b->body.evals.n);
		if (b->freed)
			server_capacity_changed(s);
	}
	alloc_batch_free(b);
}

void server_alloc_batch_flush(struct server *s)
{
	struct alloc_batch *b = s->alloc_batch;
	int rc;
	if (b == NULL)
		return;
	s->alloc_batch = NULL;
	uv_timer_stop(&s->alloc_batch_timer);
	rc = s->stopping ? ERR_NOLEADER
	                 : server_apply(s, NULL, FSM_ALLOC_CLIENT_UPDATE,
	                                &fsm_alloc_update_schema, &b->body,
	                                alloc_batch_applied, b);
	if (rc != ERR_OK)
		alloc_batch_applied(s, NULL, b, rc, 0);
}

static void alloc_batch_timer_cb(uv_timer_t *t)
{
	server_alloc_batch_flush(t->data);
}

/* Moves the list's entries to the end of dst; false on oom (dst keeps
 * what it had). */
static bool alloc_batch_take(void **dst_v, size_t *dst_n, void **src_v,
                             size_t *src_n, size_t esize)
{
	char *v;
	if (*src_n == 0)
		return true;
	v = mem_realloc(*dst_v, (*dst_n + *src_n) * esize);
	if (v == NULL)
		return false;
	memcpy(v + *dst_n * esize, *src_v, *src_n * esize);
	*dst_v = v;
	*dst_n += *src_n;
	mem_free(*src_v);
	*src_v = NULL;
	*src_n = 0;
	return true;
}

int server_alloc_batch_add(struct server *s, struct rpc_call *call,
                           struct fsm_alloc_update *body, bool freed)
{
	struct alloc_batch *b = s->alloc_batch;
	if (b == NULL) {
		b = mem_calloc(1, sizeof *b);
		if (b == NULL)
			return ERR_NOMEM;
		s->alloc_batch = b;
		uv_timer_start(&s->alloc_batch_timer, alloc_batch_timer_cb,
		               ALLOC_BATCH_MS, 0);
	}
	if (mem_grow(&b->calls, b->ncalls, &b->capcalls, sizeof *b->calls) != 0)
		return ERR_NOMEM;
	/* Allocations first: evaluations are only added when they are. */
	if (!alloc_batch_take((void **)&b->body.allocs.v, &b->body.allocs.n,
	                      (void **)&body->allocs.v, &body->allocs.n,
	                      sizeof *body->allocs.v))
		return ERR_NOMEM;
	/* On oom here the call fails and its client reports again: its
	 * allocations, already in the batch, are then written twice, which
	 * changes nothing. */
	if (!alloc_batch_take((void **)&b->body.evals.v, &b->body.evals.n,
	                      (void **)&body->evals.v, &body->evals.n,
	                      sizeof *body->evals.v))
		return ERR_NOMEM;
	b->calls[b->ncalls++] = call;
	b->freed = b->freed || freed;
	if (b->body.allocs.n >= ALLOC_BATCH_MAX_ALLOCS)
		server_alloc_batch_flush(s);
	return ERR_OK;
}
