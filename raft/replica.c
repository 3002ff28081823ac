/* raft/replica.c: the libraft adapter. */
#include "raft/replica.h"

#include <errno.h>
#include <raft.h>
#include <raft/uv.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "raft/fsm.h"
#include "raft/transport.h"
#include "state/state.h"

#define REPLICA_WATCH_MS         20
#define REPLICA_TRANSFER_WAIT_MS 2000

struct replica {
	struct replica_config cfg;
	char dir[512];
	char address[64];
	char region[64];
	struct raft_uv_transport transport;
	struct raft_io io;
	struct raft_fsm fsm;
	struct raft raft;
	uv_timer_t watch;
	bool was_leader;
	bool announced; /* on_leader(true) given, not yet taken back */
	bool started;
	bool raft_inited;
	bool io_inited;
	void (*stop_cb)(void *data);
	void *stop_data;
	struct raft_transfer transfer_req;
	struct raft_barrier leader_barrier;
	bool barrier_pending;
	uv_timer_t transfer_timer;
	int closing_handles;
	struct store_frozen *frozen; /* the snapshot being encoded */
	uv_work_t work; /* libraft's one async job: the snapshot collect */
	int work_status;
	struct raft_io_async_work *work_req;
	bool close_after_work;
	/* Failed writes whose callbacks wait for the next loop turn (see
	 * replica_defer). */
	struct replica_req *deferred;
	uv_timer_t defer_timer;
	/* Entries this leader wrote with their bodies at hand, oldest first
	 * (replica_apply_plan): applied from the body, not decoded. */
	struct replica_req *local, *local_tail;
};

/* The libraft request travels with ours. */
struct replica_req {
	union {
		struct raft_apply apply;
		struct raft_barrier barrier;
		struct raft_change change;
		struct raft_transfer transfer;
	} u;
	struct replica_apply *user;
	struct replica *r;
	uint64_t add_id; /* a voter being added: assign after raft_add */
	struct replica_req *next_deferred;
	int deferred_status;
	/* replica_apply_plan: the entry's index and bytes, and its body. */
	uint64_t local_index;
	const void *local_base;
	const struct fsm_plan_local *local;
	struct replica_req *next_local;
};

/* ---- libraft's heap -------------------------------------------------------
 * libraft allocates (and frees the streams we hand it) through its heap;
 * pointing it at the mem hook keeps every allocation counted. */

static void *replica_heap_malloc(void *data, size_t n)
{
	(void)data;
	return mem_malloc(n);
}

static void replica_heap_free(void *data, void *p)
{
	(void)data;
	mem_free(p);
}

static void *replica_heap_calloc(void *data, size_t n, size_t size)
{
	(void)data;
	return mem_calloc(n, size);
}

static void *replica_heap_realloc(void *data, void *p, size_t n)
{
	(void)data;
	return mem_realloc(p, n);
}

/* Over-allocates and keeps the real block just before the aligned one. */
static void *replica_heap_aligned_alloc(void *data, size_t align, size_t n)
{
	char *raw;
	uintptr_t p;
	(void)data;
	raw = mem_malloc(n + align + sizeof(void *));
	if (raw == NULL)
		return NULL;
	p = ((uintptr_t)raw + sizeof(void *) + align - 1) &
	    ~(uintptr_t)(align - 1);
	((void **)p)[-1] = raw;
	return (void *)p;
}

static void replica_heap_aligned_free(void *data, size_t align, void *p)
{
	(void)data;
	(void)align;
	if (p != NULL)
		mem_free(((void **)p)[-1]);
}

static struct raft_heap replica_heap = {
    .data = NULL,
    .malloc = replica_heap_malloc,
    .free = replica_heap_free,
    .calloc = replica_heap_calloc,
    .realloc = replica_heap_realloc,
    .aligned_alloc = replica_heap_aligned_alloc,
    .aligned_free = replica_heap_aligned_free,
};

/* ---- FSM callbacks ----------------------------------------------------- */

/* The entry at index when this leader wrote it with replica_apply_plan
 * (the same bytes: an entry a new leader wrote over it has other ones,
 * and ours is forgotten when its write fails, before that can happen). */
static const struct fsm_plan_local *
replica_take_local(struct replica *r, uint64_t index, const void *base)
{
	struct replica_req *q = r->local;
	if (q == NULL || q->local_index != index || q->local_base != base)
		return NULL;
	r->local = q->next_local;
	if (r->local == NULL)
		r->local_tail = NULL;
	q->next_local = NULL;
	return q->local;
}

static void replica_forget_local(struct replica *r, struct replica_req *q)
{
	struct replica_req *prev = NULL;
	for (struct replica_req *p = r->local; p != NULL; p = p->next_local) {
		if (p == q) {
			if (prev != NULL)
				prev->next_local = q->next_local;
			else
				r->local = q->next_local;
			if (r->local_tail == q)
				r->local_tail = prev;
			q->next_local = NULL;
			return;
		}
		prev = p;
	}
}

static int replica_fsm_apply(struct raft_fsm *fsm,
                             const struct raft_buffer *buf, void **result)
{
	struct replica *r = fsm->data;
	/* libraft updates last_applied after this returns. */
	uint64_t index = raft_last_applied(&r->raft) + 1;
	const struct fsm_plan_local *local =
	    replica_take_local(r, index, buf->base);
	struct err e;
	uint64_t t0 = uv_hrtime(), ms;
	int rc;
	err_clear(&e);
	if (local != NULL) {
		rc = fsm_plan_apply_local(r->cfg.store, index, local);
		if (rc != ERR_OK)
			err_set(&e, rc, "apply entry type %u at index %llu: %s",
			        FSM_ALLOC_PLAN, (unsigned long long)index,
			        err_str(rc));
	} else {
		rc = fsm_apply(r->cfg.store, index, buf->base, buf->len, &e);
	}
	if (rc != ERR_OK)
		LOG_ERROR("raft", "skipping log entry %llu: %s",
		          (unsigned long long)index, e.msg);
	ms = (uv_hrtime() - t0) / 1000000;
	if (ms >= 100)
		LOG_INFO("raft", "applying entry %llu (%zu bytes) took %llu ms",
		         (unsigned long long)index, buf->len,
		         (unsigned long long)ms);
	*result = (void *)(uintptr_t)index;
	return 0;
}

/* Snapshots (libraft fsm v3): snapshot() runs on the loop at the snapshot
 * index and freezes the store (pointer copies); snapshot_async() encodes
 * the frozen view on a pool thread while the loop goes on applying;
 * snapshot_finalize() (loop) frees the buffers and thaws the store. */
static int replica_fsm_snapshot(struct raft_fsm *fsm,
                                struct raft_buffer *bufs[], unsigned *n)
{
	struct replica *r = fsm->data;
	*bufs = NULL;
	*n = 0;
	if (r->frozen != NULL)
		return RAFT_BUSY;
	return store_freeze(r->cfg.store, &r->frozen) == ERR_OK ? 0
	                                                        : RAFT_NOMEM;
}

/* Pool thread: reads only the frozen view. buf's memory comes from the
 * mem hook, as libraft's heap does, so it is handed over as is. */
static int replica_fsm_snapshot_async(struct raft_fsm *fsm,
                                      struct raft_buffer *bufs[], unsigned *n)
{
	struct replica *r = fsm->data;
	struct buf b;
	buf_init(&b);
	if (store_frozen_encode(r->frozen, &b) != ERR_OK || b.oom) {
		buf_release(&b);
		return RAFT_NOMEM;
	}
	*bufs = raft_malloc(sizeof **bufs);
	if (*bufs == NULL) {
		buf_release(&b);
		return RAFT_NOMEM;
	}
	(*bufs)[0].base = b.data;
	(*bufs)[0].len = b.len;
	*n = 1;
	return 0;
}

static int replica_fsm_snapshot_finalize(struct raft_fsm *fsm,
                                         struct raft_buffer *bufs[],
                                         unsigned *n)
{
	struct replica *r = fsm->data;
	if (*bufs != NULL) {
		LOG_DEBUG("raft", "snapshot of %zu bytes",
		          (size_t)(*bufs)[0].len);
		for (unsigned i = 0; i < *n; i++)
			raft_free((*bufs)[i].base);
		raft_free(*bufs);
	}
	store_thaw(r->cfg.store, r->frozen);
	r->frozen = NULL;
	*bufs = NULL;
	*n = 0;
	return 0;
}

static void replica_close_raft(struct replica *r);

/* libraft 0.15's uv io has no async_work (added in 0.16); libraft only
 * uses it for snapshot_async, one job at a time. A stop waits for it: the
 * job's callback reaches into libraft. */
static void replica_work_run(uv_work_t *w)
{
	struct replica *r = w->data;
	int rv = r->work_req->work(r->work_req);
	r->work_status = rv;
}

static void replica_work_done(uv_work_t *w, int status)
{
	struct replica *r = w->data;
	struct raft_io_async_work *req = r->work_req;
	(void)status;
	r->work_req = NULL;
	req->cb(req, r->work_status);
	if (r->close_after_work)
		replica_close_raft(r);
}

static int replica_async_work(struct raft_io *io,
                              struct raft_io_async_work *req,
                              raft_io_async_work_cb cb)
{
	struct raft *raft = io->data; /* raft_init's */
	struct replica *r = raft->data;
	if (r->work_req != NULL)
		return RAFT_BUSY;
	req->cb = cb;
	r->work_req = req;
	r->work.data = r;
	if (uv_queue_work(r->cfg.loop, &r->work, replica_work_run,
	                  replica_work_done) != 0) {
		r->work_req = NULL;
		return RAFT_IOERR;
	}
	return 0;
}

static int replica_fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
	struct replica *r = fsm->data;
	struct err e;
	int rc;
	err_clear(&e);
	rc = store_restore(r->cfg.store, buf->base, buf->len, &e);
	if (rc != ERR_OK)
		LOG_ERROR("raft", "restoring snapshot: %s", e.msg);
	else
		LOG_INFO("raft", "restored snapshot of %zu bytes", buf->len);
	if (rc == ERR_OK)
		raft_free(buf->base);
	return rc == ERR_OK ? 0 : RAFT_CORRUPT;
}

/* ---- leadership watch ----------------------------------------------- */

/* A new leader can only commit entries of its own term, so entries from
 * before an election (all of them, after a full restart) stay uncommitted
 * and unapplied until something is written. The barrier is that write. */
static void replica_established(struct raft_barrier *req, int status)
{
	struct replica *r = req->data;
	r->barrier_pending = false;
	if (status != 0) {
		LOG_WARN("raft", "leadership barrier failed: %s",
		         raft_strerror(status));
		return;
	}
	LOG_INFO("raft", "leadership established at index %llu",
	         (unsigned long long)raft_last_applied(&r->raft));
	/* Leader duties start on a state that has every earlier entry. */
	if (r->was_leader && !r->announced && r->cfg.on_leader != NULL) {
		r->announced = true;
		r->cfg.on_leader(r->cfg.data, true);
	}
}

static void replica_watch_tick(uv_timer_t *t)
{
	struct replica *r = t->data;
	bool leader = raft_state(&r->raft) == RAFT_LEADER;
	if (leader == r->was_leader)
		return;
	r->was_leader = leader;
	if (leader && !r->barrier_pending) {
		r->leader_barrier.data = r;
		if (raft_barrier(&r->raft, &r->leader_barrier,
		                 replica_established) == 0)
			r->barrier_pending = true;
	}
	LOG_INFO("raft", "%s",
	         leader ? "this server is now the leader"
	                : "this server is no longer the leader");
	if (!leader && r->announced) {
		r->announced = false;
		if (r->cfg.on_leader != NULL)
			r->cfg.on_leader(r->cfg.data, false);
	}
}

/* ---- lifecycle --------------------------------------------------------- */

static int replica_raft_error(struct err *e, const char *what, int rv,
                              const char *msg)
{
	return err_set(e, ERR_INTERNAL, "%s: %s%s%s", what, raft_strerror(rv),
	               msg && *msg ? ": " : "", msg ? msg : "");
}

static int replica_init_raft(struct replica *r, struct err *e)
{
	int rv = rtrans_create(&r->transport, r->cfg.loop, r->cfg.rpc,
	                       r->region, r->cfg.peer_allowed, r->cfg.data);
	if (rv != ERR_OK)
		return err_set(e, rv, "raft transport: %s", err_str(rv));
	rv = raft_uv_init(&r->io, r->cfg.loop, r->dir, &r->transport);
	if (rv != 0)
		return replica_raft_error(e, "raft io", rv, r->io.errmsg);
	r->io_inited = true;
	/* Never move a damaged segment aside and carry on without its
	 * entries: that would silently drop acknowledged writes. */
	raft_uv_set_auto_recovery(&r->io, false);
	r->io.version = 2;
	r->io.async_work = replica_async_work;
	r->fsm.version = 3;
	r->fsm.data = r;
	r->fsm.apply = replica_fsm_apply;
	r->fsm.snapshot = replica_fsm_snapshot;
	r->fsm.snapshot_async = replica_fsm_snapshot_async;
	r->fsm.snapshot_finalize = replica_fsm_snapshot_finalize;
	r->fsm.restore = replica_fsm_restore;
	rv = raft_init(&r->raft, &r->io, &r->fsm, r->cfg.id, r->address);
	if (rv != 0)
		return replica_raft_error(e, "raft init", rv, r->raft.errmsg);
	r->raft_inited = true;
	r->raft.data = r;
	raft_set_election_timeout(&r->raft, r->cfg.election_timeout_ms
	                                        ? r->cfg.election_timeout_ms
	                                        : 1000);
	raft_set_heartbeat_timeout(&r->raft, r->cfg.heartbeat_timeout_ms
	                                         ? r->cfg.heartbeat_timeout_ms
	                                         : 100);
	raft_set_snapshot_threshold(&r->raft, r->cfg.snapshot_threshold
	                                          ? r->cfg.snapshot_threshold
	                                          : 8192);
	raft_set_snapshot_trailing(&r->raft, r->cfg.snapshot_trailing
	                                         ? r->cfg.snapshot_trailing
	                                         : 10240);
	raft_set_pre_vote(&r->raft, true);
	return ERR_OK;
}

int replica_create(const struct replica_config *cfg, struct replica **out,
                   struct err *e)
{
	struct replica *r;
	int rc;
	raft_heap_set(&replica_heap);
	r = mem_calloc(1, sizeof *r);
	if (r == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	r->cfg = *cfg;
	snprintf(r->dir, sizeof r->dir, "%s", cfg->dir);
	snprintf(r->address, sizeof r->address, "%s", cfg->address);
	snprintf(r->region, sizeof r->region, "%s",
	         cfg->region ? cfg->region : "global");
	r->cfg.dir = r->dir;
	r->cfg.address = r->address;
	r->cfg.region = r->region;
	rc = fs_mkdirs(r->dir, e);
	if (rc == ERR_OK)
		rc = replica_init_raft(r, e);
	if (rc != ERR_OK) {
		replica_destroy(r);
		return rc;
	}
	uv_timer_init(cfg->loop, &r->watch);
	r->watch.data = r;
	uv_timer_init(cfg->loop, &r->transfer_timer);
	r->transfer_timer.data = r;
	uv_timer_init(cfg->loop, &r->defer_timer);
	r->defer_timer.data = r;
	*out = r;
	return ERR_OK;
}

bool replica_has_state(const struct replica *r)
{
	char path[600];
	snprintf(path, sizeof path, "%s/metadata1", r->dir);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof path, "%s/metadata2", r->dir);
	return access(path, F_OK) == 0;
}

int replica_bootstrap(struct replica *r, const struct replica_server *servers,
                      size_t n, struct err *e)
{
	struct raft_configuration conf;
	int rv = 0;
	raft_configuration_init(&conf);
	for (size_t i = 0; i < n && rv == 0; i++)
		rv = raft_configuration_add(
		    &conf, servers[i].id, servers[i].address,
		    servers[i].voter ? RAFT_VOTER : RAFT_SPARE);
	if (rv == 0)
		rv = raft_bootstrap(&r->raft, &conf);
	raft_configuration_close(&conf);
	if (rv == RAFT_CANTBOOTSTRAP)
		return err_set(e, ERR_EXISTS,
		               "raft state exists; not bootstrapping");
	if (rv != 0)
		return replica_raft_error(e, "raft bootstrap", rv,
		                          r->raft.errmsg);
	return ERR_OK;
}

int replica_start(struct replica *r, struct err *e)
{
	int rv = raft_start(&r->raft);
	if (rv != 0)
		return replica_raft_error(e, "raft start", rv, r->raft.errmsg);
	r->started = true;
	uv_timer_start(&r->watch, replica_watch_tick, REPLICA_WATCH_MS,
	               REPLICA_WATCH_MS);
	return ERR_OK;
}

/* ---- stopping ------------------------------------------------------------ */

static void replica_run_deferred(uv_timer_t *t);

static void replica_handle_closed(uv_handle_t *h)
{
	struct replica *r = h->data;
	if (--r->closing_handles > 0)
		return;
	if (r->stop_cb != NULL)
		r->stop_cb(r->stop_data);
}

static void replica_raft_closed(struct raft *raft)
{
	struct replica *r = raft->data;
	/* raft_close failed what was pending: answer it now. */
	replica_run_deferred(&r->defer_timer);
	r->closing_handles = 3;
	uv_close((uv_handle_t *)&r->watch, replica_handle_closed);
	uv_close((uv_handle_t *)&r->transfer_timer, replica_handle_closed);
	uv_close((uv_handle_t *)&r->defer_timer, replica_handle_closed);
}

static void replica_close_raft(struct replica *r)
{
	uv_timer_stop(&r->transfer_timer);
	if (r->work_req != NULL) {
		r->close_after_work = true;
		return;
	}
	raft_close(&r->raft, replica_raft_closed);
}

static void replica_transfer_done(struct raft_transfer *req)
{
	struct replica *r = req->data;
	LOG_INFO("raft", "leadership transferred before leaving");
	replica_close_raft(r);
}

static void replica_transfer_timeout(uv_timer_t *t)
{
	struct replica *r = t->data;
	LOG_WARN("raft", "leadership transfer did not finish in time; leaving");
	replica_close_raft(r);
}

void replica_stop(struct replica *r, void (*cb)(void *data), void *data)
{
	r->stop_cb = cb;
	r->stop_data = data;
	uv_timer_stop(&r->watch);
	if (r->started && raft_state(&r->raft) == RAFT_LEADER &&
	    r->raft.configuration.n > 1) {
		r->transfer_req.data = r;
		if (raft_transfer(&r->raft, &r->transfer_req, 0,
		                  replica_transfer_done) == 0) {
			uv_timer_start(&r->transfer_timer,
			               replica_transfer_timeout,
			               REPLICA_TRANSFER_WAIT_MS, 0);
			return;
		}
	}
	replica_close_raft(r);
}

void replica_destroy(struct replica *r)
{
	if (r == NULL)
		return;
	if (r->io_inited)
		raft_uv_close(&r->io);
	if (r->transport.impl != NULL)
		rtrans_destroy(&r->transport);
	mem_free(r);
}

/* ---- queries ------------------------------------------------------------- */

bool replica_is_leader(const struct replica *r)
{
	return raft_state((struct raft *)&r->raft) == RAFT_LEADER;
}

uint64_t replica_leader(const struct replica *r, char *addr, size_t size)
{
	raft_id id = 0;
	const char *a = NULL;
	raft_leader((struct raft *)&r->raft, &id, &a);
	if (addr != NULL && size > 0)
		snprintf(addr, size, "%s", a != NULL ? a : "");
	return id;
}

int64_t replica_last_contact_ms(const struct replica *r)
{
	struct raft *raft = (struct raft *)&r->raft;
	if (raft_state(raft) == RAFT_LEADER)
		return 0;
	raft_time now = raft->io->time(raft->io);
	return now > raft->election_timer_start
	           ? (int64_t)(now - raft->election_timer_start)
	           : 0;
}

uint64_t replica_last_index(const struct replica *r)
{
	return raft_last_index((struct raft *)&r->raft);
}

uint64_t replica_applied_index(const struct replica *r)
{
	return raft_last_applied((struct raft *)&r->raft);
}

size_t replica_servers(const struct replica *r, struct replica_server *out,
                       size_t max)
{
	const struct raft_configuration *c = &r->raft.configuration;
	size_t n = 0;
	for (unsigned i = 0; i < c->n && n < max; i++, n++) {
		out[n].id = c->servers[i].id;
		snprintf(out[n].address, sizeof out[n].address, "%s",
		         c->servers[i].address);
		out[n].voter = c->servers[i].role == RAFT_VOTER;
	}
	return c->n;
}

/* ---- writes ------------------------------------------------------------ */

static int replica_status(int rv)
{
	switch (rv) {
	case 0: return ERR_OK;
	case RAFT_NOTLEADER:
	case RAFT_LEADERSHIPLOST: return ERR_NOLEADER;
	case RAFT_NOMEM: return ERR_NOMEM;
	case RAFT_BADID:
	case RAFT_NOTFOUND: return ERR_NOTFOUND;
	case RAFT_DUPLICATEID:
	case RAFT_DUPLICATEADDRESS: return ERR_EXISTS;
	case RAFT_CANTCHANGE: return ERR_CONFLICT;
	case RAFT_SHUTDOWN:
	case RAFT_CANCELED: return ERR_CLOSED;
	default: return ERR_INTERNAL;
	}
}

static void replica_finish(struct replica_req *q, int status, uint64_t index)
{
	struct replica_apply *user = q->user;
	mem_free(q);
	user->priv = NULL;
	user->cb(user, status, index);
}

static void replica_run_deferred(uv_timer_t *t)
{
	struct replica *r = t->data;
	while (r->deferred != NULL) {
		struct replica_req *q = r->deferred;
		r->deferred = q->next_deferred;
		replica_finish(q, q->deferred_status, 0);
	}
}

/* libraft 0.15 fails outstanding writes (RAFT_LEADERSHIPLOST) from inside
 * its step-down, after freeing the leader's replication progress but
 * before it stops calling itself leader. A callback that wrote again at
 * that moment (a worker retrying a plan) made raft_apply replicate with
 * the freed progress: a crash in progressState(). Failures therefore
 * reach our callers on the next loop turn, when the step-down is over. */
static void replica_defer(struct replica_req *q, int status)
{
	struct replica *r = q->r;
	struct replica_req **tail = &r->deferred;
	q->deferred_status = status;
	q->next_deferred = NULL;
	while (*tail != NULL)
		tail = &(*tail)->next_deferred;
	*tail = q;
	uv_timer_start(&r->defer_timer, replica_run_deferred, 0, 0);
}

static void replica_applied(struct raft_apply *req, int status, void *result)
{
	struct replica_req *q = req->data;
	if (q->local != NULL)
		replica_forget_local(q->r, q); /* never applied from it now */
	if (status != 0) {
		replica_defer(req->data, replica_status(status));
		return;
	}
	replica_finish(req->data, ERR_OK, (uint64_t)(uintptr_t)result);
}

static struct replica_req *replica_req_new(struct replica *r,
                                           struct replica_apply *user)
{
	struct replica_req *q = mem_calloc(1, sizeof *q);
	if (q == NULL)
		return NULL;
	q->user = user;
	q->r = r;
	user->priv = q;
	return q;
}

static int replica_append(struct replica *r, struct replica_apply *req,
                          uint8_t type, const struct schema *s,
                          const void *body, const struct fsm_plan_local *l)
{
	struct raft_buffer rb;
	struct buf b;
	struct replica_req *q;
	int rv;
	if (raft_state(&r->raft) != RAFT_LEADER)
		return ERR_NOLEADER;
	buf_init(&b);
	if (fsm_encode(type, s, body, &b) != ERR_OK || b.oom) {
		buf_release(&b);
		return ERR_NOMEM;
	}
	/* libraft's heap is the mem hook: the encoded bytes are handed
	 * over as they are. */
	rb.len = b.len;
	rb.base = b.data;
	q = replica_req_new(r, req);
	if (q == NULL) {
		buf_release(&b);
		return ERR_NOMEM;
	}
	q->u.apply.data = q;
	rv = raft_apply(&r->raft, &q->u.apply, &rb, 1, replica_applied);
	if (rv != 0) {
		buf_release(&b);
		mem_free(q);
		req->priv = NULL;
		return replica_status(rv);
	}
	if (l != NULL) {
		q->local = l;
		q->local_index = q->u.apply.index;
		q->local_base = rb.base;
		if (r->local_tail != NULL)
			r->local_tail->next_local = q;
		else
			r->local = q;
		r->local_tail = q;
	}
	return ERR_OK;
}

int replica_apply(struct replica *r, struct replica_apply *req, uint8_t type,
                  const struct schema *s, const void *body)
{
	return replica_append(r, req, type, s, body, NULL);
}

int replica_apply_plan(struct replica *r, struct replica_apply *req,
                       const struct fsm_plan_local *l)
{
	return replica_append(r, req, FSM_ALLOC_PLAN, &fsm_plan_schema, l->body,
	                      l);
}

static void replica_barriered(struct raft_barrier *req, int status)
{
	struct replica_req *q = req->data;
	if (status != 0) {
		replica_defer(q, replica_status(status));
		return;
	}
	replica_finish(q, ERR_OK, raft_last_applied(&q->r->raft));
}

int replica_barrier(struct replica *r, struct replica_apply *req)
{
	struct replica_req *q = replica_req_new(r, req);
	int rv;
	if (q == NULL)
		return ERR_NOMEM;
	q->u.barrier.data = q;
	rv = raft_barrier(&r->raft, &q->u.barrier, replica_barriered);
	if (rv != 0) {
		mem_free(q);
		req->priv = NULL;
		return replica_status(rv);
	}
	return ERR_OK;
}

static void replica_changed(struct raft_change *req, int status)
{
	struct replica_req *q = req->data;
	if (status == 0 && q->add_id != 0) {
		/* Step two of adding a voter: promote the new spare. */
		uint64_t id = q->add_id;
		q->add_id = 0;
		int rv = raft_assign(&q->r->raft, &q->u.change, id, RAFT_VOTER,
		                     replica_changed);
		if (rv == 0)
			return;
		status = rv;
	}
	replica_finish(q, replica_status(status), 0);
}

int replica_add_voter(struct replica *r, struct replica_apply *req, uint64_t id,
                      const char *address)
{
	struct replica_req *q = replica_req_new(r, req);
	int rv;
	if (q == NULL)
		return ERR_NOMEM;
	q->u.change.data = q;
	q->add_id = id;
	rv = raft_add(&r->raft, &q->u.change, id, address, replica_changed);
	if (rv == RAFT_DUPLICATEID) {
		/* Already there as a non-voter: promote it. */
		q->add_id = 0;
		rv = raft_assign(&r->raft, &q->u.change, id, RAFT_VOTER,
		                 replica_changed);
	}
	if (rv != 0) {
		mem_free(q);
		req->priv = NULL;
		return replica_status(rv);
	}
	return ERR_OK;
}

int replica_remove(struct replica *r, struct replica_apply *req, uint64_t id)
{
	struct replica_req *q = replica_req_new(r, req);
	int rv;
	if (q == NULL)
		return ERR_NOMEM;
	q->u.change.data = q;
	rv = raft_remove(&r->raft, &q->u.change, id, replica_changed);
	if (rv != 0) {
		mem_free(q);
		req->priv = NULL;
		return replica_status(rv);
	}
	return ERR_OK;
}

static void replica_transferred(struct raft_transfer *req)
{
	replica_finish(req->data, ERR_OK, 0);
}

int replica_transfer(struct replica *r, struct replica_apply *req, uint64_t id)
{
	struct replica_req *q = replica_req_new(r, req);
	int rv;
	if (q == NULL)
		return ERR_NOMEM;
	q->u.transfer.data = q;
	rv = raft_transfer(&r->raft, &q->u.transfer, id, replica_transferred);
	if (rv != 0) {
		mem_free(q);
		req->priv = NULL;
		return replica_status(rv);
	}
	return ERR_OK;
}
