/* tests/lib/unit.h: glue for Check-based unit tests.
 *
 * Every test case gets the checked fixture unit_setup/unit_teardown, which
 * asserts that the test left no allocation of the mem hook outstanding.
 * Tests run forked (Check's default), so a crash fails one test, not the
 * binary. Random tests take their seed from UNIT_SEED (or the clock) and
 * print it on failure through unit_seed(). */
#ifndef STEPPE_TESTS_UNIT_H
#define STEPPE_TESTS_UNIT_H

#include <check.h>
#include <stdint.h>

/* Adds tc to s with the leak-checking fixture. */
void unit_add(Suite *s, TCase *tc);
/* Creates a test case with the fixture and a timeout in seconds. */
TCase *unit_tcase(Suite *s, const char *name, double timeout);
/* Runs the suite and returns the process exit code (0 when all passed). */
int unit_run(Suite *s);
/* The seed for random tests: UNIT_SEED from the environment, else a
 * clock-derived one; printed once so a failure can be replayed. */
uint64_t unit_seed(void);
/* Reads a whole file into a mem_malloc'd NUL-terminated buffer; NULL on
 * error. */
char *unit_read_file(const char *path, size_t *len);

#define UNIT_MAIN(suite_fn)              \
	int main(void)                   \
	{                                \
		return unit_run(suite_fn()); \
	}

#endif
