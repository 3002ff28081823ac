/* agent/loopwatch.c: the busy-loop warning (see loopwatch.h). */
#include "agent/loopwatch.h"

#include "lib/err.h"
#include "lib/log.h"

static void loopwatch_prepare(uv_prepare_t *h)
{
	struct loopwatch *w = h->data;
	uint64_t now = uv_hrtime();
	uint64_t idle = uv_metrics_idle_time(h->loop);
	uint64_t span = now - w->last_ns, rest = idle - w->last_idle;
	uint64_t busy = span > rest ? span - rest : 0;
	w->last_ns = now;
	w->last_idle = idle;
	if (busy > w->worst_ns)
		w->worst_ns = busy;
	if (busy >= w->warn_ns)
		LOG_WARN("agent", "event loop blocked for %llu ms",
		         (unsigned long long)(busy / 1000000));
}

int loopwatch_start(struct loopwatch *w, uv_loop_t *loop, unsigned warn_ms)
{
	if (uv_loop_configure(loop, UV_METRICS_IDLE_TIME) != 0)
		return ERR_UNSUPPORTED;
	w->warn_ns = (uint64_t)warn_ms * 1000000;
	w->worst_ns = 0;
	w->last_ns = uv_hrtime();
	w->last_idle = uv_metrics_idle_time(loop);
	uv_prepare_init(loop, &w->prep);
	w->prep.data = w;
	uv_prepare_start(&w->prep, loopwatch_prepare);
	uv_unref((uv_handle_t *)&w->prep);
	return ERR_OK;
}
