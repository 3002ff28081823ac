/* server/broker.h: the leader's evaluation broker (Nomad's EvalBroker and
 * BlockedEvals, in one loop-thread structure).
 *
 * Pending evaluations wait in a ready queue ordered by priority (higher
 * first), then arrival. At most one evaluation per job is handed out at a
 * time: the others of that job wait behind it, in arrival order, and the
 * next becomes ready when the one handed out is done. Evaluations with a
 * WaitUntil in the future wait in a delay list until broker_tick finds
 * them due. Blocked evaluations (one per job: a newer one replaces the
 * older) wait until broker_unblock, called when capacity may have changed
 * (a node became ready or eligible, allocations stopped).
 *
 * The broker keeps IDs and ordering keys only: the evaluation itself is
 * read from the state store when it is handed out. Leader only; rebuilt
 * from state on every leadership gain. */
#ifndef STEPPE_SERVER_BROKER_H
#define STEPPE_SERVER_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/id.h"
#include "structs/structs.h"

struct broker;

int broker_create(struct broker **out);
void broker_destroy(struct broker *b);
/* Forgets everything (leadership lost). */
void broker_clear(struct broker *b);
/* Takes an evaluation written to state: "pending" (ready, or delayed
 * while WaitUntil is after now) or "blocked". Other statuses and IDs
 * already held are ignored. Returns 0 or ERR_NOMEM. */
int broker_put(struct broker *b, const struct evaluation *ev, int64_t now);
/* Hands out the next ready evaluation: its ID into id. False when none. */
bool broker_next(struct broker *b, char id[ID_LEN + 1]);
/* The evaluation handed out is finished (or abandoned): its job's next
 * evaluation, if any, becomes ready. */
void broker_done(struct broker *b, const char *eval_id);
/* Capacity changed: every blocked evaluation becomes ready. Returns how
 * many. */
size_t broker_unblock(struct broker *b);
/* Moves the delayed evaluations due at now to the ready queue. Returns
 * the ns until the next one is due, or -1 when none waits. */
int64_t broker_tick(struct broker *b, int64_t now);
size_t broker_ready(const struct broker *b);
size_t broker_blocked(const struct broker *b);

#endif
