/* libFuzzer target for the msgpack codec of every wire struct: the first
 * input byte picks a schema from structs_all, the rest is decoded. What
 * decodes must encode, decode again to an equal object and leave no
 * allocation behind. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/buf.h"
#include "lib/mem.h"
#include "structs/schema.h"
#include "structs/structs.h"

static void fuzz_round_trip(const struct schema *s, void *a, void *b)
{
	struct buf out;
	struct err e;
	buf_init(&out);
	if (schema_msgpack_encode(s, a, &out) != ERR_OK)
		abort();
	if (schema_msgpack_decode(s, b, out.data, out.len, &e) != ERR_OK)
		abort();
	if (!schema_equal(s, a, b))
		abort();
	schema_release(s, b);
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct schema *s;
	int64_t base = mem_outstanding();
	struct err e;
	void *a, *b;
	if (size < 1 || structs_nall == 0)
		return 0;
	s = structs_all[data[0] % structs_nall];
	a = mem_calloc(1, s->size);
	b = mem_calloc(1, s->size);
	if (a == NULL || b == NULL)
		abort();
	if (schema_msgpack_decode(s, a, data + 1, size - 1, &e) == ERR_OK) {
		fuzz_round_trip(s, a, b);
		schema_release(s, a);
	}
	mem_free(a);
	mem_free(b);
	if (mem_outstanding() != base)
		abort();
	return 0;
}
