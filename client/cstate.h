/* client/cstate.h: the client's state on disk, so a restarted agent finds
 * its allocations and adopts their running tasks.
 *
 *   <state_dir>/node.json            node ID and secret (0600)
 *   <state_dir>/allocs/<id>.alloc    the allocation (msgpack, wire form)
 *   <state_dir>/allocs/<id>.json     task states, driver handles, restart
 *                                    counters (written on every change)
 * Files are replaced atomically (write, fsync, rename). */
#ifndef STEPPE_CLIENT_CSTATE_H
#define STEPPE_CLIENT_CSTATE_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/err.h"

struct client;
struct allocrunner;

/* Writes j to path atomically with mode. */
int cstate_write_json(const char *path, const json_t *j, int mode,
                      struct err *e);
/* Restores every saved allocation as a runner (client.c calls it once). */
void cstate_load_allocs(struct client *c);
/* Saves the allocation itself (once per version) and the runner's tasks. */
int cstate_save_alloc(struct allocrunner *ar, bool with_alloc);
/* Forgets a destroyed allocation. */
void cstate_remove_alloc(struct client *c, const char *id);

#endif
