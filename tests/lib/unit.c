#include "tests/lib/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/mem.h"
#include "structs/schema.h"

static int64_t unit_mem_base;

static void unit_setup(void)
{
	schema_json_init();
	mem_fault_reset();
	unit_mem_base = mem_outstanding();
}

static void unit_teardown(void)
{
	mem_fault_reset();
	ck_assert_msg(mem_outstanding() == unit_mem_base,
		      "leak: %lld allocation(s) outstanding after the test",
		      (long long)(mem_outstanding() - unit_mem_base));
}

void unit_add(Suite *s, TCase *tc)
{
	tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
	suite_add_tcase(s, tc);
}

TCase *unit_tcase(Suite *s, const char *name, double timeout)
{
	TCase *tc = tcase_create(name);
	tcase_set_timeout(tc, timeout);
	unit_add(s, tc);
	return tc;
}

int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

uint64_t unit_seed(void)
{
	static uint64_t seed;
	static int have;
	if (!have) {
		const char *env = getenv("UNIT_SEED");
		if (env != NULL && *env != '\0') {
			seed = strtoull(env, NULL, 0);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec;
		}
		have = 1;
		fprintf(stderr, "random seed: UNIT_SEED=%llu\n",
			(unsigned long long)seed);
	}
	return seed;
}

char *unit_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	data = mem_malloc((size_t)n + 1);
	if (data == NULL)
		goto out;
	if (fread(data, 1, (size_t)n, f) != (size_t)n) {
		mem_free(data);
		data = NULL;
		goto out;
	}
	data[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
out:
	fclose(f);
	return data;
}
