/* server/server_int.h: private to server/. */
#ifndef STEPPE_SERVER_SERVER_INT_H
#define STEPPE_SERVER_SERVER_INT_H

#include "acl/acl.h"
#include "lib/id.h"
#include "raft/replica.h"
#include "server/formation.h"
#include "server/messages.h"
#include "server/server.h"
#include "state/state.h"

/* Endpoint flags. */
#define EP_ANY   0x1 /* answered by any server, never forwarded */
#define EP_WRITE 0x2 /* goes through the leader and the log */

struct server;
typedef void (*server_ep_fn)(struct server *s, struct rpc_call *call);

/* The ACL rule of an endpoint (acl_rules.c), checked before its handler
 * runs on the server that receives the call and again on the one that
 * answers it. Every endpoint names one: server_endpoint refuses
 * SRV_ACL_UNSET, so a method added without a rule fails loudly. */
enum server_acl_kind {
	SRV_ACL_UNSET = 0,
	SRV_ACL_OPEN,       /* no token needed (Status.Leader, ACL.Bootstrap) */
	SRV_ACL_GOSSIP,     /* servers' member exchange (design notes) */
	SRV_ACL_TOKEN,      /* a token that resolves (anonymous included);
	                     * the handler decides per object */
	SRV_ACL_MANAGEMENT, /* a management token */
	SRV_ACL_NS,         /* cap (or cap2) in the envelope's namespace */
	SRV_ACL_AREA,       /* area at access: node:read, operator:write */
	SRV_ACL_NODE,       /* a node's own SecretID (or management) */
};

/* Where a node RPC names the node whose SecretID may stand in for an
 * ACL token (SRV_ACL_NODE, and SRV_ACL_AREA rules that also take one). */
enum server_node_of {
	SRV_NODE_NONE = 0,
	SRV_NODE_ARG,       /* Args.NodeID */
	SRV_NODE_REGISTER,  /* Args.Node.ID; the token is Args.Node.SecretID */
	SRV_NODE_ALLOCS,    /* the stored node of Args.Alloc[].ID */
	SRV_NODE_ALLOC_IDS, /* the stored node of Args.AllocIDs[] */
};

struct server_acl_rule {
	unsigned char kind;   /* enum server_acl_kind */
	unsigned char area;   /* SRV_ACL_AREA: enum acl_area */
	unsigned char access; /* SRV_ACL_AREA: enum acl_access */
	unsigned char node;   /* enum server_node_of */
	signed char cap;      /* SRV_ACL_NS: enum acl_cap */
	signed char cap2;     /* SRV_ACL_NS: another cap that will do, -1 */
	bool object;          /* the handler checks the object's namespace
	                       * too (or filters a list by it) */
};

/* Table shorthands (caps and areas from acl/acl.h). */
/* clang-format off */
#define SRV_RULE_OPEN   {.kind = SRV_ACL_OPEN}
#define SRV_RULE_GOSSIP {.kind = SRV_ACL_GOSSIP}
#define SRV_RULE_TOKEN  {.kind = SRV_ACL_TOKEN, .object = true}
#define SRV_RULE_MGMT   {.kind = SRV_ACL_MANAGEMENT}
#define SRV_RULE_NS(c)  {.kind = SRV_ACL_NS, .cap = ACL_CAP_##c, .cap2 = -1}
#define SRV_RULE_NS_OBJ(c) \
	{.kind = SRV_ACL_NS, .cap = ACL_CAP_##c, .cap2 = -1, .object = true}
#define SRV_RULE_NS2(c, d) \
	{.kind = SRV_ACL_NS, .cap = ACL_CAP_##c, .cap2 = ACL_CAP_##d}
#define SRV_RULE_AREA(a, x) \
	{.kind = SRV_ACL_AREA, .area = ACL_AREA_##a, .access = ACL_##x}
#define SRV_RULE_AREA_OBJ(a, x) \
	{.kind = SRV_ACL_AREA, .area = ACL_AREA_##a, .access = ACL_##x, \
	 .object = true}
#define SRV_RULE_AREA_OR_NODE(a, x, by) \
	{.kind = SRV_ACL_AREA, .area = ACL_AREA_##a, .access = ACL_##x, \
	 .node = SRV_NODE_##by}
#define SRV_RULE_NODE(by) {.kind = SRV_ACL_NODE, .node = SRV_NODE_##by}
/* clang-format on */

/* One endpoint: its method, flags, rule and handler. */
struct server_ep_def {
	const char *method;
	unsigned flags;
	struct server_acl_rule rule;
	server_ep_fn fn;
};

/* The endpoints of one file. */
struct server_ep_table {
	const struct server_ep_def *v;
	size_t n;
};

#define SERVER_EP_TABLE(name, defs) \
	const struct server_ep_table name = {defs, sizeof defs / sizeof defs[0]}

struct server_ep {
	struct server *s;
	const struct server_ep_def *def;
};

struct server_wait;  /* a call held until a leader is known */
struct server_block; /* a blocking query waiting (endpoint.c) */
struct server_acl_cache;
struct broker;
struct heartbeats;
struct wjob;

struct server {
	struct server_config cfg;
	char name[128];
	char region[64];
	char datacenter[64];
	char dir[512];
	char rpc_addr[64];
	char http_addr[64];
	char node_id[ID_LEN + 1];
	uint64_t raft_id;
	const char **join;
	size_t njoin;

	struct rpc_server *rpc;
	struct rpc_pool *pool;
	struct store *store;
	struct replica *replica;
	bool replica_started;

	struct server_members members;
	struct strlist bootstrap; /* members.c: what we bootstrapped with */
	uv_timer_t member_timer;
	char formation_why[256];
	bool adding_voter;
	struct replica_apply add_req;
	/* Peers an operator removed, and when (wall ns): the leader does
	 * not add them back before it hears from them again. */
	struct server_removed {
		uint64_t id;
		int64_t at;
	} removed[8];

	/* Leader duties (worker.c). */
	struct broker *broker;
	struct heartbeats *heartbeats;
	uv_timer_t broker_timer;
	bool leading;
	bool draining_write;             /* drainer.c: a write is in flight */
	struct alloc_batch *alloc_batch; /* alloc_batch.c: being collected */
	uv_timer_t alloc_batch_timer;
	struct reg_batch *reg_batch; /* ep_node.c: Node.Register calls */
	uv_timer_t reg_batch_timer;
	int64_t drainer_last_ns; /* drainer.c: last step (monotonic) */
	int workers;             /* evaluations being scheduled */
	struct wjob *inflight;   /* plans submitted, not yet applied */
	uint64_t sched_seq;

	struct server_ep *eps;
	size_t neps;
	struct server_acl_cache *acl_cache; /* acl_resolve.c */
	struct server_wait *waits;
	struct server_block *blocks;

	bool stopping;
	int closing;
	void (*stop_cb)(void *data);
	void *stop_data;
};

/* endpoint.c: registers def (a static table entry) on the RPC server.
 * ERR_INVAL (logged) when def has no ACL rule. */
int server_endpoint(struct server *s, const struct server_ep_def *def);
/* Registers every table below; ERR_OK or the first failure. */
int server_register_endpoints(struct server *s);
/* Meta for replies: the given index, leader knowledge, last contact. */
struct rpc_meta server_meta(const struct server *s, uint64_t index);
/* Blocking queries: returns true when the call was parked (fn runs again
 * when a table in mask passes the call's MinQueryIndex or its wait ends);
 * false means answer now. */
bool server_block(struct server *s, struct rpc_call *call, unsigned mask,
                  server_ep_fn fn);
/* Like server_block, but the query's own index decides (Nomad's blocking
 * queries: a write to the tables that leaves index_fn at or below the
 * call's MinQueryIndex keeps the call waiting). */
typedef uint64_t (*server_index_fn)(struct server *s, struct rpc_call *call);
bool server_block_on(struct server *s, struct rpc_call *call, unsigned mask,
                     server_ep_fn fn, server_index_fn index_fn);
/* Decodes the call's Args into a zeroed obj; on failure answers the call
 * with the decode error and returns false. */
bool server_args(struct rpc_call *call, const struct schema *as, void *obj);
/* Writes one log entry; cb gets (call, status, index). */
typedef void (*server_applied_fn)(struct server *s, struct rpc_call *call,
                                  void *ctx, int status, uint64_t index);
int server_apply(struct server *s, struct rpc_call *call, uint8_t type,
                 const struct schema *bs, const void *body,
                 server_applied_fn cb, void *ctx);
/* A plan entry this leader applies from l (replica_apply_plan). */
int server_apply_plan(struct server *s, const struct fsm_plan_local *l,
                      server_applied_fn cb, void *ctx);
void server_waits_cancel(struct server *s);
/* Answers every waiting blocking query ("server shutting down"): a
 * stopping agent does not wait out their wait times. */
void server_blocks_cancel(struct server *s);
/* "No cluster leader" for ERR_NOLEADER, else err_str(rc). */
const char *server_err_msg(int rc);
/* Ends call with server_err_msg(rc). */
void server_fail(struct rpc_call *call, int rc);
/* The call's namespace, else fallback (e.g. the job's), else "default". */
const char *server_namespace(const struct rpc_call *call, const char *fallback);

/* members.c */
int server_members_init(struct server *s);
void server_members_start(struct server *s);
void server_members_stop(struct server *s);
/* A Raft peer must be a known server (configuration or members) whose
 * known address has the connection's source IP. */
bool server_peer_allowed(void *data, uint64_t id, const char *address,
                         const char *peer);
/* Notes that an operator removed Raft peer id just now. */
void server_note_removed(struct server *s, uint64_t id);

/* evals.c: a new pending evaluation of job (ID and times chosen now;
 * the caller releases ev). ERR_OK, ERR_NOMEM, ERR_IO. */
int server_new_eval(struct evaluation *ev, const struct job *job,
                    const char *trigger, int64_t priority, const char *node_id);
/* Node-update evaluations after node_id changed: every job with a live
 * allocation there and every system or sysbatch job; appended to out
 * (the caller releases it). */
int server_node_evals(struct server *s, const char *node_id,
                      struct evaluation_list *out);
/* Appends a pending evaluation of job (trigger, node_id) to out unless out
 * already has one for that job. ERR_OK, ERR_NOMEM, ERR_IO. */
int server_job_eval_add(struct evaluation_list *out, const struct job *job,
                        const char *trigger, const char *node_id);

/* alloc_batch.c: the leader collects Node.UpdateAlloc bodies for a few
 * milliseconds and writes them as one entry, answering each call when it
 * is applied. add takes body's lists (on ERR_NOMEM the call is not
 * taken); flush writes what is collected (failing the calls when this
 * server stops or no longer leads). */
struct fsm_alloc_update;
int server_alloc_batch_add(struct server *s, struct rpc_call *call,
                           struct fsm_alloc_update *body, bool freed);
void server_alloc_batch_flush(struct server *s);
/* ep_node.c: writes the Node.Register calls collected so far. */
void server_reg_batch_flush(struct server *s);

/* drainer.c: the leader moves draining nodes' allocations (a few at a
 * time, per the groups' migrate.max_parallel; batch allocations at the
 * deadline; system ones last) and reports drains complete. */
struct drain_decision {
	struct strlist migrate; /* allocations to mark, in store order */
	bool done;              /* nothing left to move: drain complete */
};
/* Pure: what the drainer does next on draining node n at now. Release
 * with drain_decision_release. ERR_OK or ERR_NOMEM. */
int drainer_decide(const struct store *st, const struct node *n, int64_t now,
                   struct drain_decision *out);
void drain_decision_release(struct drain_decision *d);
/* Leader: one step for every draining node; one write at a time. */
void server_drainer_tick(struct server *s);

/* worker.c: the leader's scheduling (broker, workers, plan applier). */
int server_leader_init(struct server *s);
void server_leader_destroy(struct server *s);
/* Leadership gained (after the barrier) or lost. */
void server_on_leader(void *data, bool leader);
/* Evaluations just written to state, for the broker (leader only). */
void server_evals_written(struct server *s, const struct evaluation *evs,
                          size_t n);
/* Capacity may have changed: blocked evaluations retry. */
void server_capacity_changed(struct server *s);
/* The heartbeat answer for node_id: resets its timer; TTL in ns. */
int64_t server_heartbeat(struct server *s, const char *node_id);
void server_heartbeat_forget(struct server *s, const char *node_id);

/* The endpoint tables: members.c, ep_status.c, ep_job.c, ep_node.c,
 * ep_alloc.c, ep_acl.c, ep_namespace.c. */
extern const struct server_ep_table server_member_eps, server_status_eps,
    server_job_eps, server_node_eps, server_alloc_eps, server_acl_eps,
    server_namespace_eps;
/* The node with this ID, or the only one whose ID starts with it. */
const struct node *server_find_node(struct server *s, const char *id);

/* acl_resolve.c: the caller of call (its AuthToken) as a compiled ACL;
 * on failure answers call with the error and returns NULL. Release the
 * result with acl_release. */
struct acl *server_acl_caller(struct server *s, struct rpc_call *call);
/* Answers call with "Permission denied" unless a is management; returns
 * whether it is. */
bool server_acl_need_management(struct rpc_call *call, const struct acl *a);
/* One call per endpoint: true when the caller may use capability cap
 * (enum acl_cap) in namespace ns; otherwise the call is answered
 * (Permission denied, or the token error) and the endpoint returns. */
bool server_acl_allow_ns_op(struct server *s, struct rpc_call *call,
                            const char *ns, int cap);
void server_acl_cache_free(struct server *s);
/* Quietly: whether the caller of call may use cap in ns (object checks
 * after the endpoint's rule passed; false when the token no longer
 * resolves). */
bool server_acl_may(struct server *s, const struct rpc_call *call,
                    const char *ns, int cap);

/* acl_rules.c: the dispatch check. True when call may reach its handler;
 * otherwise it was answered ("Permission denied", "ACL token not found",
 * "ACL token expired", "node not found"). leader_decides: the call is on
 * its way to the leader, which checks again, so a token or node this
 * server does not know yet (replication lag) is left to it. */
bool server_acl_check(struct server *s, struct rpc_call *call,
                      const struct server_acl_rule *r, bool leader_decides);
/* The rule as text ("namespace:submit-job", "node:write|node-secret"). */
void server_acl_rule_str(const struct server_acl_rule *r, char *buf,
                         size_t size);
/* Equality of two secrets in time independent of where they differ
 * (NULL and "" match nothing). */
bool server_secret_equal(const char *a, const char *b);

#endif
