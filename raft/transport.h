/* raft/transport.h: private to raft/. libraft's raft_uv_transport built on
 * the RPC layer (see raft/transport.c). */
#ifndef STEPPE_RAFT_TRANSPORT_H
#define STEPPE_RAFT_TRANSPORT_H

#include <raft/uv.h>
#include <stdbool.h>
#include <stdint.h>

struct rpc_server;

/* Fills t with our transport. `allowed` (may be NULL) vets peers whose
 * hello passed the basic checks (non-zero ID, same region). Destroy with
 * rtrans_destroy after libraft closed it. */
int rtrans_create(struct raft_uv_transport *t, uv_loop_t *loop,
		  struct rpc_server *rpc, const char *region,
		  bool (*allowed)(void *data, uint64_t id, const char *address,
				  const char *peer),
		  void *data);
void rtrans_destroy(struct raft_uv_transport *t);

#endif
