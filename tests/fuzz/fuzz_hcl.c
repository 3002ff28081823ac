/* libFuzzer target for jobspec/hcl*: parses the input, evaluates every
 * attribute of every block with an empty context and then with the
 * context its variables and locals build, formats it (checking that
 * formatting is idempotent), and frees everything. Any crash, hang, leak
 * or sanitizer report is a finding. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jobspec/hcl.h"
#include "lib/mem.h"

static void fuzz_body(const struct hcl_body *body, const struct hcl_ctx *ctx,
                      const char *filename)
{
	for (size_t i = 0; i < body->n; i++) {
		const struct hcl_item *it = &body->items[i];
		struct hcl_val v, copy;
		struct err e;
		if (it->kind == HCL_ITEM_BLOCK) {
			fuzz_body(it->u.block.body, ctx, filename);
			continue;
		}
		if (hcl_eval(it->u.attr.expr, ctx, filename, &v, &e) ==
		        ERR_OK &&
		    hcl_val_copy(&copy, &v) == ERR_OK)
			hcl_val_release(&copy);
		hcl_val_release(&v);
	}
}

/* Formatted output must parse and format to itself. */
static void fuzz_format_again(const char *once)
{
	char *twice = NULL;
	struct err e;
	if (hcl_format("fuzz.hcl", once, strlen(once), &twice, &e) != ERR_OK ||
	    strcmp(once, twice) != 0)
		__builtin_trap();
	mem_free(twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	struct hcl_file *f = NULL;
	struct hcl_ctx *ctx = NULL;
	char *out = NULL;
	struct err e;
	if (hcl_parse("fuzz.hcl", src, size, &f, &e) == ERR_OK &&
	    hcl_ctx_empty(&ctx) == ERR_OK)
		fuzz_body(f->body, ctx, f->filename);
	hcl_ctx_free(ctx);
	ctx = NULL;
	/* contexts built from the file exercise variables and locals */
	if (f != NULL && hcl_ctx_build(f, NULL, &ctx, &e) == ERR_OK)
		fuzz_body(f->body, ctx, f->filename);
	hcl_ctx_free(ctx);
	hcl_file_free(f);
	if (hcl_format("fuzz.hcl", src, size, &out, &e) == ERR_OK)
		fuzz_format_again(out);
	mem_free(out);
	return 0;
}
