/* libFuzzer target: a job file through the whole jobspec path (HCL parse,
 * mapping to Job, canonicalisation, validation, JSON and msgpack
 * encoding). Must never crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "jobspec/jobspec.h"
#include "lib/mem.h"
#include "structs/structs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job job = {0};
	struct err e;
	struct errlist errs;
	struct buf out;
	int64_t before = mem_outstanding();
	err_clear(&e);
	schema_json_init();
	if (jobspec_parse("fuzz.hcl", (const char *)data, size, NULL, &job,
			  &e) != ERR_OK)
		goto check;
	if (job_canonicalize(&job) == ERR_OK) {
		errlist_init(&errs);
		job_validate(&job, &errs);
		errlist_release(&errs);
	}
	buf_init(&out);
	schema_json_encode_buf(&job_schema, &job, 0, &out);
	buf_reset(&out);
	schema_msgpack_encode(&job_schema, &job, &out);
	buf_release(&out);
	schema_release(&job_schema, &job);
check:
	if (mem_outstanding() != before)
		abort();
	return 0;
}
