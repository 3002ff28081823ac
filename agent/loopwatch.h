/* agent/loopwatch.h: warns when the event loop was busy (not waiting for
 * I/O) for longer than a threshold between two polls. Everything in an
 * agent runs on one loop, so a long turn delays Raft heartbeats and every
 * request: the warning names how long, so an operator (or a test log) can
 * see it. */
#ifndef STEPPE_AGENT_LOOPWATCH_H
#define STEPPE_AGENT_LOOPWATCH_H

#include <stdint.h>
#include <uv.h>

struct loopwatch {
	uv_prepare_t prep;
	uint64_t last_ns;   /* hrtime at the previous prepare */
	uint64_t last_idle; /* the loop's idle time then */
	uint64_t warn_ns;
	uint64_t worst_ns;
};

/* Starts watching loop (call before uv_run: it enables the loop's idle
 * time metric). The handle does not keep the loop alive and is closed
 * with the loop's other handles. Turns busier than warn_ms are logged at WARN.
 */
int loopwatch_start(struct loopwatch *w, uv_loop_t *loop, unsigned warn_ms);

#endif
