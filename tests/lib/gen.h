/* tests/lib/gen.h: seeded random objects of any schema, for property
 * tests (codec round trips, copy/equal) and fuzz seeds.
 *
 * The same seed gives the same objects. Every allocation goes through
 * lib/mem.h; the caller releases what gen_random fills with
 * schema_release. Allocation failure aborts: these are test helpers. */
#ifndef STEPPE_TESTS_GEN_H
#define STEPPE_TESTS_GEN_H

#include <stdint.h>

#include "structs/schema.h"

struct gen_rng {
	uint64_t s;
};

/* The next 64 random bits (splitmix64). */
uint64_t gen_next(struct gen_rng *r);

/* A mem_malloc'd string, never NULL, from a varied alphabet: ASCII,
 * quotes, backslashes, "${", newlines, 2-, 3- and 4-byte UTF-8; sometimes
 * empty. */
char *gen_string(struct gen_rng *r);

/* Fills the zeroed obj with random values of every field. depth bounds
 * recursion: at depth 0, PTR fields stay NULL and LIST and MAP fields
 * empty. Values survive a msgpack and a JSON round trip unchanged
 * (finite floats, UINT below 2^63, unique sorted map keys). */
void gen_random(const struct schema *s, void *obj, struct gen_rng *r,
                int depth);

#endif
