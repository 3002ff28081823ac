/* lib/id.h: random UUIDv4-style identifiers ("8-4-4-4-12" lowercase hex),
 * as Nomad uses for jobs' allocations, evaluations, nodes and tokens. */
#ifndef STEPPE_LIB_ID_H
#define STEPPE_LIB_ID_H

#include <stdbool.h>

#define ID_LEN 36

/* Writes a fresh random ID and its NUL into out (37 bytes). Uses the
 * kernel's CSPRNG (getrandom), so IDs may serve as secrets. Returns 0, or
 * -1 if the kernel gave no randomness. */
int id_new(char out[ID_LEN + 1]);

/* True when s is exactly 36 characters of the 8-4-4-4-12 hex shape. */
bool id_valid(const char *s);

#endif
