/* libFuzzer target for store_restore on arbitrary bytes. A failed restore
 * must leave the store as it was; a successful one must snapshot to a
 * document that restores to the same bytes again; nothing may leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/mem.h"
#include "state/state.h"

static void fuzz_snapshot(const struct store *s, struct buf *out)
{
	buf_init(out);
	if (store_snapshot(s, out) != ERR_OK)
		abort();
}

/* The bytes of s after restoring data must equal data. */
static void fuzz_stable(const struct buf *data)
{
	struct store *s;
	struct buf again;
	struct err e;
	if (store_create(&s) != ERR_OK)
		abort();
	if (store_restore(s, data->data, data->len, &e) != ERR_OK)
		abort();
	fuzz_snapshot(s, &again);
	if (again.len != data->len ||
	    memcmp(again.data, data->data, data->len) != 0)
		abort();
	buf_release(&again);
	store_destroy(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t base = mem_outstanding();
	struct buf before, after;
	struct store *s;
	struct err e;
	if (store_create(&s) != ERR_OK)
		abort();
	fuzz_snapshot(s, &before);
	if (store_restore(s, data, size, &e) == ERR_OK) {
		fuzz_snapshot(s, &after);
		fuzz_stable(&after);
	} else {
		if (e.msg[0] == '\0')
			abort();
		fuzz_snapshot(s, &after);
		if (after.len != before.len ||
		    memcmp(after.data, before.data, before.len) != 0)
			abort();
	}
	buf_release(&before);
	buf_release(&after);
	store_destroy(s);
	if (mem_outstanding() != base)
		abort();
	return 0;
}
