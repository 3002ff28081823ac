/* libFuzzer target for the ACL policy and agent configuration parsers:
 * every input goes through policy_parse and config_parse (HCL, or JSON
 * when it starts with `{`); whatever parses is merged, validated and
 * encoded so those paths run on odd values too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jobspec/config.h"
#include "jobspec/policy.h"
#include "lib/buf.h"

static void fuzz_policy(const char *src, size_t len)
{
	struct acl_policy_doc p;
	struct err e;
	struct buf b;
	memset(&p, 0, sizeof p);
	if (policy_parse("fuzz.policy.hcl", src, len, &p, &e) != ERR_OK)
		return;
	buf_init(&b);
	schema_json_encode_buf(&acl_policy_doc_schema, &p, 0, &b);
	buf_release(&b);
	policy_release(&p);
}

static void fuzz_config(const char *src, size_t len)
{
	struct agent_config c, d;
	struct errlist errs;
	struct err e;
	memset(&c, 0, sizeof c);
	memset(&d, 0, sizeof d);
	if (config_parse("fuzz.hcl", src, len, &c, &e) != ERR_OK)
		return;
	errlist_init(&errs);
	if (config_defaults(&d) == ERR_OK && config_merge(&d, &c) == ERR_OK)
		config_validate(&d, &errs);
	errlist_release(&errs);
	config_release(&c);
	config_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_policy((const char *)data, size);
	fuzz_config((const char *)data, size);
	return 0;
}
