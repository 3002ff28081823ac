/* Unit tests for jobspec/hcl*: parsing with positions, evaluation,
 * variables and locals, errors with exact positions, formatting, and
 * robustness (allocation failures, mutated input). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobspec/hcl.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "tests/lib/unit.h"

/* ---- helpers ------------------------------------------------------------ */

static struct hcl_file *parse_ok(const char *src)
{
	struct hcl_file *f = NULL;
	struct err e;
	err_clear(&e);
	int rc = hcl_parse("t.hcl", src, strlen(src), &f, &e);
	ck_assert_msg(rc == ERR_OK, "parse failed: %s", e.msg);
	return f;
}

static void parse_fails(const char *src, const char *msg)
{
	struct hcl_file *f = NULL;
	struct err e;
	err_clear(&e);
	int rc = hcl_parse("t.hcl", src, strlen(src), &f, &e);
	ck_assert_msg(rc == ERR_PARSE, "parse of <%s> did not fail", src);
	ck_assert_ptr_null(f);
	ck_assert_str_eq(e.msg, msg);
}

static void dump_val(struct buf *b, const struct hcl_val *v)
{
	switch (v->kind) {
	case HCL_NULL: buf_append_str(b, "null"); break;
	case HCL_BOOL: buf_append_str(b, v->b ? "true" : "false"); break;
	case HCL_NUMBER:
		if (v->is_int)
			buf_appendf(b, "%" PRId64, v->i);
		else
			buf_appendf(b, "%.17g", v->num);
		break;
	case HCL_STRING: buf_append_json_string(b, v->s); break;
	case HCL_LIST:
		buf_append_char(b, '[');
		for (size_t i = 0; i < v->n; i++) {
			if (i > 0)
				buf_append_char(b, ',');
			dump_val(b, &v->items[i]);
		}
		buf_append_char(b, ']');
		break;
	case HCL_OBJECT:
		buf_append_char(b, '{');
		for (size_t i = 0; i < v->n; i++) {
			if (i > 0)
				buf_append_char(b, ',');
			buf_append_json_string(b, v->keys[i]);
			buf_append_char(b, ':');
			dump_val(b, &v->items[i]);
		}
		buf_append_char(b, '}');
		break;
	}
}

/* The first attribute named name in body, or NULL. */
static const struct hcl_attr *attr(const struct hcl_body *body,
                                   const char *name)
{
	for (size_t i = 0; i < body->n; i++)
		if (body->items[i].kind == HCL_ITEM_ATTR &&
		    strcmp(body->items[i].u.attr.name, name) == 0)
			return &body->items[i].u.attr;
	return NULL;
}

/* Evaluates attribute `name` of the file's top level and dumps it, or
 * returns "ERR <message>". Caller frees. */
static char *eval_dump(const struct hcl_file *f, const struct hcl_ctx *ctx,
                       const char *name)
{
	const struct hcl_attr *a = attr(f->body, name);
	struct hcl_val v;
	struct err e;
	struct buf b;
	ck_assert_msg(a != NULL, "no attribute %s", name);
	err_clear(&e);
	buf_init(&b);
	if (hcl_eval(a->expr, ctx, f->filename, &v, &e) == ERR_OK)
		dump_val(&b, &v);
	else
		buf_appendf(&b, "ERR %s", e.msg);
	hcl_val_release(&v);
	return buf_steal(&b, NULL);
}

/* Parses "a = <expr>", evaluates a with an empty context, and compares
 * the dump with want. */
static void check_expr(const char *src, const char *want)
{
	struct hcl_file *f = parse_ok(src);
	struct hcl_ctx *ctx;
	ck_assert_int_eq(hcl_ctx_empty(&ctx), ERR_OK);
	char *got = eval_dump(f, ctx, "a");
	ck_assert_msg(strcmp(got, want) == 0, "<%s>: got %s, want %s", src, got,
	              want);
	mem_free(got);
	hcl_ctx_free(ctx);
	hcl_file_free(f);
}

/* Builds a context for src with the given overrides and dumps attribute
 * name (or the build error as "CTX <message>"). */
static char *ctx_dump(const char *src, const struct hcl_var_overrides *ov,
                      const char *name)
{
	struct hcl_file *f = parse_ok(src);
	struct hcl_ctx *ctx = NULL;
	struct err e;
	char *out;
	err_clear(&e);
	if (hcl_ctx_build(f, ov, &ctx, &e) != ERR_OK) {
		ck_assert_int_ne(e.code, ERR_OK);
		ck_assert_ptr_null(ctx);
		out = mem_asprintf("CTX %s", e.msg);
	} else {
		out = eval_dump(f, ctx, name);
	}
	hcl_ctx_free(ctx);
	hcl_file_free(f);
	return out;
}

static void check_ctx(const char *src, const struct hcl_var_overrides *ov,
                      const char *name, const char *want)
{
	char *got = ctx_dump(src, ov, name);
	ck_assert_msg(strcmp(got, want) == 0, "got %s, want %s", got, want);
	mem_free(got);
}

/* ---- structure and positions ------------------------------------------- */

START_TEST(parses_blocks_labels_and_positions)
{
	const char *src = "# a job\n"
	                  "job \"web\" {\n"
	                  "  datacenters = [\"dc1\"]\n"
	                  "  group web {\n"
	                  "    count = 3\n"
	                  "    network {\n"
	                  "      port \"http\" {}\n"
	                  "    }\n"
	                  "  }\n"
	                  "}\n";
	struct hcl_file *f = parse_ok(src);
	ck_assert_str_eq(f->filename, "t.hcl");
	ck_assert_uint_eq(f->body->n, 1);
	const struct hcl_block *job = &f->body->items[0].u.block;
	ck_assert_int_eq(f->body->items[0].kind, HCL_ITEM_BLOCK);
	ck_assert_str_eq(job->type, "job");
	ck_assert_int_eq(job->pos.line, 2);
	ck_assert_int_eq(job->pos.col, 1);
	ck_assert_uint_eq(job->nlabels, 1);
	ck_assert_str_eq(job->labels[0], "web");
	ck_assert_int_eq(job->label_pos[0].line, 2);
	ck_assert_int_eq(job->label_pos[0].col, 5);
	ck_assert_int_eq(job->body->open_pos.line, 2);
	ck_assert_int_eq(job->body->open_pos.col, 11);
	ck_assert_uint_eq(job->body->n, 2);

	const struct hcl_attr *dc = &job->body->items[0].u.attr;
	ck_assert_str_eq(dc->name, "datacenters");
	ck_assert_int_eq(dc->pos.line, 3);
	ck_assert_int_eq(dc->pos.col, 3);
	ck_assert_int_eq(dc->expr_pos.line, 3);
	ck_assert_int_eq(dc->expr_pos.col, 17);

	const struct hcl_block *grp = &job->body->items[1].u.block;
	ck_assert_str_eq(grp->type, "group");
	ck_assert_str_eq(grp->labels[0], "web"); /* a bare label */
	ck_assert_int_eq(grp->label_pos[0].col, 9);
	const struct hcl_block *net = &grp->body->items[1].u.block;
	const struct hcl_block *port = &net->body->items[0].u.block;
	ck_assert_str_eq(port->type, "port");
	ck_assert_str_eq(port->labels[0], "http");
	ck_assert_int_eq(port->pos.line, 7);
	ck_assert_int_eq(port->pos.col, 7);
	ck_assert_uint_eq(port->body->n, 0);
	hcl_file_free(f);
}
END_TEST

START_TEST(one_line_blocks_and_several_labels)
{
	struct hcl_file *f = parse_ok("check { type = \"http\" }\n"
	                              "a \"b\" c \"d\" {}\n"
	                              "x {\n}");
	const struct hcl_block *chk = &f->body->items[0].u.block;
	ck_assert_uint_eq(chk->body->n, 1);
	ck_assert_str_eq(chk->body->items[0].u.attr.name, "type");
	ck_assert_int_eq(chk->body->items[0].u.attr.pos.col, 9);
	const struct hcl_block *b = &f->body->items[1].u.block;
	ck_assert_uint_eq(b->nlabels, 3);
	ck_assert_str_eq(b->labels[1], "c");
	ck_assert_str_eq(b->labels[2], "d");
	ck_assert_int_eq(b->label_pos[2].col, 9);
	ck_assert_uint_eq(f->body->items[2].u.block.body->n, 0);
	hcl_file_free(f);
}
END_TEST

START_TEST(heredoc_closes_a_single_line_block)
{
	/* the newline after a heredoc's marker belongs to the heredoc, so
	 * this is a single-line block, as in HCL */
	struct hcl_file *f = parse_ok("template { data = <<EOT\nhi\nEOT\n}\n"
	                              "y = 1\n");
	const struct hcl_body *b = f->body->items[0].u.block.body;
	ck_assert_uint_eq(b->n, 1);
	ck_assert_str_eq(b->items[0].u.attr.name, "data");
	ck_assert_uint_eq(f->body->n, 2);
	hcl_file_free(f);
	parse_fails("template { data = <<EOT\nhi\nEOT\n\n}\n",
	            "t.hcl:4:1: expected \"}\" to close single-line block "
	            "\"template\", found newline");
}
END_TEST

START_TEST(comments_of_every_kind)
{
	struct hcl_file *f = parse_ok("// top\n"
	                              "a = 1 # trailing\n"
	                              "/* multi\n"
	                              "   line */ b = 2\n"
	                              "c = /* inline */ 3 // end\n"
	                              "# last, no newline");
	ck_assert_uint_eq(f->body->n, 3);
	ck_assert_int_eq(f->body->items[1].u.attr.pos.line, 4);
	ck_assert_int_eq(f->body->items[1].u.attr.pos.col, 12);
	char *c = eval_dump(f, NULL, "c");
	ck_assert_str_eq(c, "3");
	mem_free(c);
	hcl_file_free(f);
}
END_TEST

START_TEST(crlf_and_byte_order_mark)
{
	struct hcl_file *f = parse_ok("\xEF\xBB\xBF"
	                              "a = 1\r\nb {\r\n  c = \"x\"\r\n}\r\n");
	ck_assert_uint_eq(f->body->n, 2);
	ck_assert_int_eq(f->body->items[0].u.attr.pos.col, 1);
	ck_assert_int_eq(
	    f->body->items[1].u.block.body->items[0].u.attr.pos.line, 3);
	hcl_file_free(f);
}
END_TEST

/* ---- expressions -----------------------------------------------------------
 */

START_TEST(literals_and_numbers)
{
	check_expr("a = null", "null");
	check_expr("a = true", "true");
	check_expr("a = false", "false");
	check_expr("a = 42", "42");
	check_expr("a = -7", "-7");
	check_expr("a = 1.5", "1.5");
	check_expr("a = 1e3", "1000");
	check_expr("a = 2.5E-3", "0.0025000000000000001");
	check_expr("a = 9223372036854775807", "9223372036854775807");
	check_expr("a = -9223372036854775808", "-9223372036854775808");
	check_expr("a = 99999999999999999999", "1e+20");
	/* templates format numbers like HCL: integers plainly, others in
	 * their shortest form, never in exponent notation */
	check_expr("a = \"${1.5}|${0.1}|${1e21}|${-2}|${1e-7}|${true}\"",
	           "\"1.5|0.1|1000000000000000000000|-2|0.0000001|true\"");
}
END_TEST

START_TEST(strings_and_escapes)
{
	check_expr("a = \"\"", "\"\"");
	check_expr("a = \"tab\\there\\n\\r\\\"q\\\" \\\\\"",
	           "\"tab\\there\\n\\r\\\"q\\\" \\\\\"");
	check_expr("a = \"\\u00e9\\U0001F600\"",
	           "\"\xC3\xA9\xF0\x9F\x98\x80\"");
	check_expr("a = \"caf\xC3\xA9\"", "\"caf\xC3\xA9\"");
	check_expr("a = \"$${x} %%{y} $$z 100% a$b %\"",
	           "\"${x} %{y} $$z 100% a$b %\"");
	check_expr("a = \"a ${~ \"b\" ~} c\"", "\"abc\"");
	check_expr("a = \"a\xC2\xA0"
	           "\\t${~ \" b \" ~}\xE3\x80\x80"
	           "c\"",
	           "\"a b c\"");
}
END_TEST

START_TEST(tuples_and_objects)
{
	check_expr("a = [1, \"a\", true, null,]", "[1,\"a\",true,null]");
	check_expr("a = []", "[]");
	check_expr("a = [\n  1,\n  [2, [3]],\n\n]\n", "[1,[2,[3]]]");
	check_expr("a = { z = 1, \"b\" = 2, c: 3 }",
	           "{\"z\":1,\"b\":2,\"c\":3}");
	check_expr("a = {\n  one = 1\n  two = [1,\n 2]\n\n  three = {}\n}",
	           "{\"one\":1,\"two\":[1,2],\"three\":{}}");
	check_expr("a = { 1 = \"n\", true = \"b\", (\"k\") = 3, for_x = 4 }",
	           "{\"1\":\"n\",\"true\":\"b\",\"k\":3,\"for_x\":4}");
	check_expr("a = {}", "{}");
	check_expr("a = (\n  [1]\n)", "[1]");
}
END_TEST

START_TEST(heredocs)
{
	check_expr("a = <<EOT\nline one\n  line two\nEOT\n",
	           "\"line one\\n  line two\\n\"");
	check_expr("a = <<EOT\nEOT\n", "\"\"");
	/* the closing marker may be indented; `<<-` strips the smallest
	 * indentation, ignoring blank lines */
	check_expr("a = <<-EOT\n"
	           "      first\n"
	           "        indented\n"
	           "\n"
	           "      last\n"
	           "    EOT\n",
	           "\"first\\n  indented\\n\\nlast\\n\"");
	check_expr("a = <<-EOT\n\t\tx\n\t\t  y\n\tEOT", "\"x\\n  y\\n\"");
	/* an interpolation at the start of a line means no indentation */
	check_expr("a = <<-EOT\n  x\n${\"y\"}\n  EOT\n", "\"  x\\ny\\n\"");
	check_expr("a = <<EOT\r\nx\r\nEOT\r\n", "\"x\\r\\n\"");
	/* HCL's spec suite: less indented lines, tabs and Unicode spaces
	 * count as one character each */
	check_expr("a = <<-EOT\n    Foo\n  Bar\n    Baz\n  EOT\n",
	           "\"  Foo\\nBar\\n  Baz\\n\"");
	check_expr("a = <<-EOT\n\tFoo\n  Bar\n  Baz\n  EOT\n",
	           "\"Foo\\n Bar\\n Baz\\n\"");
	check_expr("a = <<-EOT\n   \xE2\x80\x83\xE2\x80\x83"
	           "Foo\n    Bar\n  EOT\n",
	           "\"\xE2\x80\x83"
	           "Foo\\nBar\\n\"");
	/* kept-literal interpolations count as text for indentation */
	check_expr("a = <<-EOT\n    ${NOMAD_TASK_DIR}/x\n      y\n    EOT\n",
	           "\"${NOMAD_TASK_DIR}/x\\n  y\\n\"");
	/* backslashes and quotes are literal in heredocs */
	check_expr("a = <<EOT\n\\n \"q\" EOT\nEOT\n",
	           "\"\\\\n \\\"q\\\" EOT\\n\"");
}
END_TEST

START_TEST(nomad_template_passes_through)
{
	const char *src = "template {\n"
	                  "  data = <<EOH\n"
	                  "upstream backend {\n"
	                  "{{ range nomadService \"hello\" }}\n"
	                  "  server {{ .Address }}:{{ .Port }};\n"
	                  "{{ else }}server 127.0.0.1:65535; # force a 502\n"
	                  "{{ end }}\n"
	                  "}\n"
	                  "rule = \"Host(`{{ env \"NOMAD_IP_http\" }}`)\"\n"
	                  "path=${NOMAD_ALLOC_DIR}/data $${literal} 100%\n"
	                  "EOH\n"
	                  "}\n";
	struct hcl_file *f = parse_ok(src);
	const struct hcl_body *body = f->body->items[0].u.block.body;
	struct hcl_val v;
	struct err e;
	ck_assert_int_eq(
	    hcl_eval(attr(body, "data")->expr, NULL, "t.hcl", &v, &e), ERR_OK);
	ck_assert_str_eq(v.s,
	                 "upstream backend {\n"
	                 "{{ range nomadService \"hello\" }}\n"
	                 "  server {{ .Address }}:{{ .Port }};\n"
	                 "{{ else }}server 127.0.0.1:65535; # force a 502\n"
	                 "{{ end }}\n"
	                 "}\n"
	                 "rule = \"Host(`{{ env \"NOMAD_IP_http\" }}`)\"\n"
	                 "path=${NOMAD_ALLOC_DIR}/data ${literal} 100%\n");
	ck_assert_int_eq(v.pos.line, 2);
	ck_assert_int_eq(v.pos.col, 10);
	hcl_val_release(&v);
	hcl_file_free(f);
}
END_TEST

START_TEST(unknown_roots_stay_literal)
{
	check_expr("a = \"${NOMAD_PORT_http}\"", "\"${NOMAD_PORT_http}\"");
	check_expr("a = \"${attr.kernel.name}\"", "\"${attr.kernel.name}\"");
	check_expr("a = \"http://${NOMAD_IP_http}:${NOMAD_PORT_http}/\"",
	           "\"http://${NOMAD_IP_http}:${NOMAD_PORT_http}/\"");
	check_expr("a = \"${node.unique.id}\"", "\"${node.unique.id}\"");
	check_expr("a = \"${meta.rack}\"", "\"${meta.rack}\"");
	check_expr("a = \"${NOMAD_ALLOC_DIR}/x\"", "\"${NOMAD_ALLOC_DIR}/x\"");
	check_expr("a = \"$${x}\"", "\"${x}\"");
	/* byte for byte, spacing and indexes included */
	check_expr("a = \"${ attr.unique.network.ip-address }\"",
	           "\"${ attr.unique.network.ip-address }\"");
	check_expr("a = \"${meta[\"a b\"]}\"", "\"${meta[\\\"a b\\\"]}\"");
	check_expr("a = [\"-port=${NOMAD_PORT_http}\", \"${1}\"]",
	           "[\"-port=${NOMAD_PORT_http}\",1]");
}
END_TEST

START_TEST(eval_errors_have_positions)
{
	check_expr("a = var.x", "ERR t.hcl:1:5: undefined variable \"x\"");
	check_expr("a = local.y", "ERR t.hcl:1:5: undefined local value \"y\"");
	check_expr("a = attr.kernel.name",
	           "ERR t.hcl:1:5: unknown variable \"attr\"");
	check_expr("a = NOMAD_PORT_http",
	           "ERR t.hcl:1:5: unknown variable \"NOMAD_PORT_http\"");
	check_expr("a = var",
	           "ERR t.hcl:1:5: \"var\" must be followed by a name, like "
	           "var.name");
	check_expr("a = \"x${var.y}\"",
	           "ERR t.hcl:1:9: undefined variable \"y\"");
	check_expr("a = \"x${null}\"",
	           "ERR t.hcl:1:9: cannot use a null value in a string "
	           "template");
	check_expr("a = \"x${[1]}\"",
	           "ERR t.hcl:1:9: cannot use a list value in a string "
	           "template");
	check_expr("a = \"x${{}}\"",
	           "ERR t.hcl:1:9: cannot use an object value in a string "
	           "template");
	check_expr("a = { a = 1, b = 2, a = 3 }",
	           "ERR t.hcl:1:21: duplicate object key \"a\"; previously set "
	           "at t.hcl:1:7");
	check_expr("a = { ([]) = 1 }",
	           "ERR t.hcl:1:7: object key must be a string, got list");
	check_expr("a = list(string)",
	           "ERR t.hcl:1:5: function calls are not supported");
}
END_TEST

/* ---- parse errors -----------------------------------------------------------
 */

START_TEST(structural_errors)
{
	parse_fails("a = 1\na = 2",
	            "t.hcl:2:1: duplicate argument \"a\"; previously set at "
	            "t.hcl:1:1");
	parse_fails(
	    "job \"x\" {\n  count = 1\n  group \"g\" {}\n  count = 2\n}",
	    "t.hcl:4:3: duplicate argument \"count\"; previously set at "
	    "t.hcl:2:3");
	parse_fails("job \"x\" {\n  group \"y\" {\n}\n",
	            "t.hcl:1:9: block \"job\" is missing its closing \"}\"");
	parse_fails("a =\nb = 1",
	            "t.hcl:1:4: missing value for argument \"a\"");
	parse_fails("a = ", "t.hcl:1:5: missing value for argument \"a\"");
	parse_fails("x { a = }", "t.hcl:1:9: missing value for argument \"a\"");
	parse_fails("a = 1 b = 2",
	            "t.hcl:1:7: expected a newline after argument \"a\", found "
	            "\"b\"");
	parse_fails("x {} y {}",
	            "t.hcl:1:6: expected a newline after block \"x\", found "
	            "\"y\"");
	parse_fails("port \"http\" { static = 1, to = 2 }",
	            "t.hcl:1:25: expected \"}\" to close single-line block "
	            "\"port\", found \",\"");
	parse_fails(
	    "a { b {} }",
	    "t.hcl:1:7: expected \"=\" after \"b\": a single-line block "
	    "holds at most one argument");
	parse_fails(
	    "a \"x\" y\n",
	    "t.hcl:1:8: expected \"{\" after the labels of block \"a\", "
	    "found newline");
	parse_fails("a",
	            "t.hcl:1:2: expected \"=\" or \"{\" after \"a\", found "
	            "end of file");
	/* HCL1's quoted argument names are accepted (see
	 * quoted_argument_names); a quoted block type is not. */
	parse_fails("\"a\" {}", "t.hcl:1:1: a quoted name must be followed "
	                        "by \"=\"");
	parse_fails("}", "t.hcl:1:1: expected an argument or block name, found "
	                 "\"}\"");
	parse_fails("x \"${a}\" {}",
	            "t.hcl:1:4: interpolation is not allowed in block labels");
}
END_TEST

START_TEST(unclosed_things_point_at_the_opener)
{
	parse_fails("a = [1, 2",
	            "t.hcl:1:5: list is missing its closing \"]\"");
	parse_fails("a = [1, 2\nb = 3",
	            "t.hcl:2:1: expected \",\" or \"]\" after list item, found "
	            "\"b\"");
	parse_fails("a = { b = 1",
	            "t.hcl:1:5: object is missing its closing \"}\"");
	parse_fails("a = { b = 1 c = 2 }",
	            "t.hcl:1:13: expected \",\", newline or \"}\" after object "
	            "item, found \"c\"");
	parse_fails("a = \"abc", "t.hcl:1:5: string is missing its closing "
	                         "quote");
	parse_fails("a = \"abc\nb = 1",
	            "t.hcl:1:5: string is missing its closing quote");
	parse_fails("a = \"${var.x\"",
	            "t.hcl:1:6: interpolation is missing its closing \"}\"");
	parse_fails("a = <<EOT\nabc\n",
	            "t.hcl:1:5: heredoc is missing its closing \"EOT\" line");
	parse_fails("x {\n  a = <<-EOT\n    abc\n  EOTX\n}\n",
	            "t.hcl:2:7: heredoc is missing its closing \"EOT\" line");
	parse_fails("a = (1", "t.hcl:1:5: missing closing \")\"");
	parse_fails("a = var.x[0", "t.hcl:1:10: missing closing \"]\"");
	parse_fails("a = 1\n/* open", "t.hcl:2:1: comment is missing its "
	                              "closing \"*/\"");
	parse_fails("a = <<EOT x\nEOT",
	            "t.hcl:1:5: invalid heredoc: expected a newline after "
	            "\"<<EOT\"");
	parse_fails("a = <<\nEOT", "t.hcl:1:5: invalid heredoc: expected an "
	                           "identifier after \"<<\"");
}
END_TEST

START_TEST(unsupported_constructs)
{
	parse_fails("a = upper(\"x\")",
	            "t.hcl:1:5: function calls are not supported");
	parse_fails("a = [for x in y: x]",
	            "t.hcl:1:6: for expressions are not supported");
	parse_fails("a = {for k, v in y: k => v}",
	            "t.hcl:1:6: for expressions are not supported");
	parse_fails("a = x ? 1 : 2",
	            "t.hcl:1:7: conditional expressions are not supported");
	parse_fails("a = 1 + 2", "t.hcl:1:7: operator \"+\" is not supported");
	parse_fails("a = [1 == 2]", "t.hcl:1:8: operator \"==\" is not "
	                            "supported");
	parse_fails("a = var.a && var.b",
	            "t.hcl:1:11: operator \"&&\" is not supported");
	parse_fails("a = !true", "t.hcl:1:5: operator \"!\" is not supported");
	parse_fails("a = -var.x", "t.hcl:1:5: operator \"-\" is not supported");
	parse_fails("a = 2 * 3", "t.hcl:1:7: operator \"*\" is not supported");
	parse_fails("a = var.x.*", "t.hcl:1:10: splat expressions are not "
	                           "supported");
	parse_fails("a = var.x[*].y",
	            "t.hcl:1:10: splat expressions are not supported");
	parse_fails("a = \"%{ if true }x%{ endif }\"",
	            "t.hcl:1:6: template directives are not supported; write "
	            "\"%%{\" for a literal \"%{\"");
	parse_fails("a = <<EOT\nok\n  %{ for x in y }\nEOT\n",
	            "t.hcl:3:3: template directives are not supported; write "
	            "\"%%{\" for a literal \"%{\"");
	parse_fails("a = [1, 2][0]",
	            "t.hcl:1:11: attribute access and indexing are only "
	            "supported on references like var.x");
	parse_fails(
	    "a = \"${HOME:-x}\"",
	    "t.hcl:1:12: expected \"}\" to end the interpolation, found "
	    "\":\"");
}
END_TEST

START_TEST(lexical_errors)
{
	parse_fails("a = @", "t.hcl:1:5: unexpected character \"@\"");
	parse_fails("a = 1\nb = \x01",
	            "t.hcl:2:5: unexpected character U+0001");
	parse_fails("a = \"ok\" \xC3\xA9 = 1",
	            "t.hcl:1:10: unexpected character \"\xC3\xA9\"");
	parse_fails("a = \"\xFF\"", "t.hcl:1:6: invalid UTF-8 byte 0xFF");
	parse_fails("a = \"\xC3(\"", "t.hcl:1:7: invalid UTF-8 byte 0x28");
	parse_fails("a = \"\xED\xA0\x80\"",
	            "t.hcl:1:7: invalid UTF-8 byte 0xA0");
	parse_fails("a = 1\n\n  # \xE2\x82", "t.hcl:3:5: invalid UTF-8 byte "
	                                     "0xE2");
	parse_fails("a = \"\\q\"",
	            "t.hcl:1:6: invalid escape sequence \"\\q\"");
	parse_fails("a = \"x\\u12\"", "t.hcl:1:7: invalid unicode escape: "
	                              "\"\\u\" needs 4 hex digits");
	parse_fails("a = \"\\uD800\"", "t.hcl:1:6: invalid unicode escape "
	                               "\"\\uD800\"");
	parse_fails("a = \"\\U00110000\"",
	            "t.hcl:1:6: invalid unicode escape \"\\U00110000\"");
	parse_fails("a = \"\\u0000\"", "t.hcl:1:6: invalid unicode escape: "
	                               "strings cannot hold NUL characters");
	parse_fails("a = 1e999", "t.hcl:1:5: number 1e999 is out of range");
	parse_fails("a = var.x.0.1", "t.hcl:1:11: invalid index \"0.1\"");
	parse_fails("a = ~", "t.hcl:1:5: unexpected character \"~\"");
	parse_fails("a = $x", "t.hcl:1:5: unexpected character \"$\"");
	parse_fails("a = [,]",
	            "t.hcl:1:6: expected an expression, found \",\"");
	parse_fails("a = \"${}\"", "t.hcl:1:8: expected an expression, found "
	                           "\"}\"");

	struct hcl_file *f = NULL;
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(hcl_parse("nul.hcl", "a = \"x\0y\"", 9, &f, &e),
	                 ERR_PARSE);
	ck_assert_str_eq(e.msg, "nul.hcl:1:7: unexpected NUL byte");
}
END_TEST

START_TEST(nesting_is_limited)
{
	struct buf b;
	char *src;
	buf_init(&b);
	buf_append_str(&b, "a = ");
	for (int i = 0; i < HCL_MAX_DEPTH; i++)
		buf_append_char(&b, '[');
	for (int i = 0; i < HCL_MAX_DEPTH; i++)
		buf_append_char(&b, ']');
	src = buf_steal(&b, NULL);
	struct hcl_file *f = parse_ok(src);
	hcl_file_free(f);
	mem_free(src);

	buf_init(&b);
	buf_append_str(&b, "a = ");
	for (int i = 0; i <= HCL_MAX_DEPTH; i++)
		buf_append_str(&b, "{x=");
	src = buf_steal(&b, NULL);
	parse_fails(src, "t.hcl:1:197: nesting too deep (limit is 64 levels)");
	mem_free(src);

	buf_init(&b);
	for (int i = 0; i <= HCL_MAX_DEPTH; i++)
		buf_append_str(&b, "b {\n");
	src = buf_steal(&b, NULL);
	parse_fails(src, "t.hcl:65:3: nesting too deep (limit is 64 levels)");
	mem_free(src);

	buf_init(&b);
	buf_append_str(&b, "a = ");
	for (int i = 0; i < 100000; i++)
		buf_append_str(&b, "\"${");
	src = buf_steal(&b, NULL);
	parse_fails(src, "t.hcl:1:198: nesting too deep (limit is 64 levels)");
	mem_free(src);
}
END_TEST

/* ---- variables and locals --------------------------------------------------
 */

static const char *vars_src =
    "variable \"port\" {\n"
    "  type        = number\n"
    "  default     = 8080\n"
    "  description = \"the port\"\n"
    "}\n"
    "variable \"name\" {\n"
    "  type = string\n"
    "}\n"
    "variable \"tags\" {\n"
    "  type    = list(string)\n"
    "  default = [\"a\", 1, true]\n"
    "}\n"
    "variable \"debug\" {\n"
    "  default = false\n"
    "}\n"
    "variable \"meta\" {\n"
    "  type    = map(string)\n"
    "  default = { rack = \"r1\" }\n"
    "}\n"
    "locals {\n"
    "  url  = \"http://${local.host}:${var.port}/\"\n"
    "  host = \"${var.name}.example.com\"\n"
    "}\n"
    "locals {\n"
    "  all = [local.url, var.tags[1], var.meta.rack, var.meta[\"rack\"]]\n"
    "}\n"
    "port  = var.port\n"
    "sport = \"${var.port}\"\n"
    "url   = local.url\n"
    "all   = local.all\n"
    "tags  = var.tags\n"
    "debug = var.debug\n"
    "first = var.tags.0\n";

START_TEST(variables_defaults_and_locals)
{
	const char *vars[] = {"name=web"};
	struct hcl_var_overrides ov = {.vars = vars, .nvars = 1};
	check_ctx(vars_src, &ov, "port", "8080");
	check_ctx(vars_src, &ov, "sport", "8080"); /* stays a number */
	check_ctx(vars_src, &ov, "url", "\"http://web.example.com:8080/\"");
	check_ctx(vars_src, &ov, "all",
	          "[\"http://web.example.com:8080/\",\"1\",\"r1\",\"r1\"]");
	check_ctx(vars_src, &ov, "tags", "[\"a\",\"1\",\"true\"]");
	check_ctx(vars_src, &ov, "debug", "false");
	check_ctx(vars_src, &ov, "first", "\"a\"");
	check_ctx(vars_src, NULL, "port",
	          "CTX t.hcl:6:1: no value for required variable \"name\"");
}
END_TEST

static char *write_temp(const char *content)
{
	char path[] = "/tmp/test_hcl_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)),
	                 (ssize_t)strlen(content));
	close(fd);
	return mem_strdup(path);
}

START_TEST(overrides_in_precedence_order)
{
	char *f1 = write_temp("port = 9000\nname = \"from-file\"\n");
	char *f2 = write_temp("# later files win\nport = 9001\n");
	const char *files[] = {f1, f2};
	const char *vars[] = {"debug=true", "tags=[\"x\", 2]"};
	struct hcl_var_overrides ov = {.var_files = files,
	                               .nvar_files = 2,
	                               .vars = vars,
	                               .nvars = 2,
	                               .use_env = true};
	setenv("NOMAD_VAR_port", "7000", 1);
	setenv("NOMAD_VAR_name", "from-env", 1);
	setenv("NOMAD_VAR_undeclared", "ignored", 1);
	check_ctx(vars_src, &ov, "port", "9001");
	check_ctx(vars_src, &ov, "url",
	          "\"http://from-file.example.com:9001/\"");
	check_ctx(vars_src, &ov, "debug", "true");
	check_ctx(vars_src, &ov, "tags", "[\"x\",\"2\"]");

	/* the environment alone; -var beats it */
	struct hcl_var_overrides env = {.use_env = true};
	check_ctx(vars_src, &env, "url",
	          "\"http://from-env.example.com:7000/\"");
	const char *port[] = {"port=1234"};
	env.vars = port;
	env.nvars = 1;
	check_ctx(vars_src, &env, "port", "1234");
	/* without use_env the environment is not read */
	struct hcl_var_overrides none = {0};
	check_ctx(vars_src, &none, "port",
	          "CTX t.hcl:6:1: no value for required variable \"name\"");
	unsetenv("NOMAD_VAR_port");
	unsetenv("NOMAD_VAR_name");
	unsetenv("NOMAD_VAR_undeclared");
	unlink(f1);
	unlink(f2);
	mem_free(f1);
	mem_free(f2);
}
END_TEST

START_TEST(var_flag_values_follow_the_type)
{
	const char *src =
	    "variable \"s\" {}\n"
	    "variable \"n\" { type = number }\n"
	    "variable \"b\" { type = bool }\n"
	    "variable \"l\" { type = list(number) }\n"
	    "variable \"m\" { type = map(string) }\n"
	    "variable \"i\" { default = 3 }\n"
	    "s = var.s\nn = var.n\nb = var.b\nl = var.l\nm = var.m\n"
	    "i = var.i\n";
	const char *vars[] = {"s=[1, 2]",     "n=42",        "b=true",
	                      "l=[1, \"2\"]", "m={ a = 1 }", "i=7"};
	struct hcl_var_overrides ov = {.vars = vars, .nvars = 6};
	check_ctx(src, &ov, "s", "\"[1, 2]\""); /* untyped: raw string */
	check_ctx(src, &ov, "n", "42");
	check_ctx(src, &ov, "b", "true");
	check_ctx(src, &ov, "l", "[1,2]");
	check_ctx(src, &ov, "m", "{\"a\":\"1\"}");
	check_ctx(src, &ov, "i", "7"); /* typed by its default */

	const char *bad_n[] = {"s=", "n=abc", "b=1", "l=[]", "m={}"};
	ov.vars = bad_n;
	check_ctx(src, &ov, "n",
	          "CTX <value for var.n from arguments>:1:1: invalid value for "
	          "variable \"n\": a number is required, got string \"abc\"");
	const char *bad_b[] = {"s=", "n=1", "b=1", "l=[]", "m={}"};
	ov.vars = bad_b;
	check_ctx(src, &ov, "b",
	          "CTX <value for var.b from arguments>:1:1: invalid value for "
	          "variable \"b\": a bool is required, got number");
	const char *bad_l[] = {"s=", "n=1", "b=true", "l=[1, [2]]", "m={}"};
	ov.vars = bad_l;
	check_ctx(src, &ov, "l",
	          "CTX <value for var.l from arguments>:1:5: invalid value for "
	          "variable \"l\": a number is required, got list");
	const char *bad_syntax[] = {"l=[1, 2"};
	ov.vars = bad_syntax;
	ov.nvars = 1;
	check_ctx(src, &ov, "l",
	          "CTX <value for var.l from arguments>:1:1: list is missing "
	          "its closing \"]\"");
	const char *refs[] = {"l=[var.x]"};
	ov.vars = refs;
	check_ctx(src, &ov, "l",
	          "CTX <value for var.l from arguments>:1:2: variables are not "
	          "allowed here");
	const char *undeclared[] = {"nope=1"};
	ov.vars = undeclared;
	check_ctx(
	    src, &ov, "s",
	    "CTX -var \"nope=1\": value for undeclared variable \"nope\"");
	const char *malformed[] = {"=1"};
	ov.vars = malformed;
	check_ctx(src, &ov, "s",
	          "CTX invalid -var \"=1\": expected name=value");
}
END_TEST

START_TEST(variable_declaration_errors)
{
	check_ctx("variable \"x\" {\n  default = 1\n  validation {\n"
	          "    condition = true\n  }\n}\n",
	          NULL, "x",
	          "CTX t.hcl:3:3: validation blocks are not supported");
	check_ctx(
	    "variable \"x\" { default = 1 }\nvariable \"x\" { default = 2 }\n",
	    NULL, "x",
	    "CTX t.hcl:2:1: duplicate variable \"x\"; previously declared "
	    "at t.hcl:1:1");
	check_ctx(
	    "variable { default = 1 }\n", NULL, "x",
	    "CTX t.hcl:1:1: a variable block needs exactly one label, the "
	    "variable name");
	check_ctx("variable \"1x\" { default = 1 }\n", NULL, "x",
	          "CTX t.hcl:1:10: invalid variable name \"1x\"");
	check_ctx("variable \"x\" { sensitive = true }\n", NULL, "x",
	          "CTX t.hcl:1:16: unsupported argument \"sensitive\" in "
	          "variable \"x\"");
	check_ctx(
	    "variable \"x\" { type = strin }\n", NULL, "x",
	    "CTX t.hcl:1:23: invalid type: use string, number, bool, any, "
	    "list(T), set(T), map(T), object({...}) or tuple([...])");
	check_ctx(
	    "variable \"x\" { type = list(strin) }\n", NULL, "x",
	    "CTX t.hcl:1:28: invalid type: use string, number, bool, any, "
	    "list(T), set(T), map(T), object({...}) or tuple([...])");
	check_ctx(
	    "variable \"x\" {\n  type    = number\n  default = \"abc\"\n}\n",
	    NULL, "x",
	    "CTX t.hcl:3:13: invalid value for variable \"x\": a number "
	    "is required, got string \"abc\"");
	check_ctx("variable \"x\" { default = var.y }\n", NULL, "x",
	          "CTX t.hcl:1:26: variables are not allowed here");
	check_ctx("variable \"o\" {\n"
	          "  type    = object({ a = string, b = optional(number) })\n"
	          "  default = { a = \"x\" }\n"
	          "}\n"
	          "x = var.o.a\n",
	          NULL, "x", "\"x\"");
	check_ctx("variable \"n\" { default = null }\nx = var.n\n", NULL, "x",
	          "null");
}
END_TEST

START_TEST(var_file_errors)
{
	const char *src = "variable \"x\" { default = 1 }\n";
	char *f1 = write_temp("x = 2\ny = 3\n");
	char *f2 = write_temp("variable \"x\" {}\n");
	char *f3 = write_temp("x = \"abc\n");
	const char *files[] = {f1};
	struct hcl_var_overrides ov = {.var_files = files, .nvar_files = 1};
	char want[512];
	snprintf(want, sizeof want,
	         "CTX %s:2:1: value for undeclared variable \"y\"", f1);
	check_ctx(src, &ov, "x", want);
	files[0] = f2;
	snprintf(want, sizeof want,
	         "CTX %s:1:1: blocks are not allowed in a variable file; set "
	         "values as name = value",
	         f2);
	check_ctx(src, &ov, "x", want);
	files[0] = f3;
	snprintf(want, sizeof want,
	         "CTX %s:1:5: string is missing its closing quote", f3);
	check_ctx(src, &ov, "x", want);
	files[0] = "/nonexistent/vars.hcl";
	check_ctx(src, &ov, "x",
	          "CTX cannot read variable file \"/nonexistent/vars.hcl\": No "
	          "such file or directory");
	unlink(f1);
	unlink(f2);
	unlink(f3);
	mem_free(f1);
	mem_free(f2);
	mem_free(f3);
}
END_TEST

START_TEST(locals_order_and_cycles)
{
	check_ctx("locals {\n  c = [local.b, local.a]\n  b = \"${local.a}!\"\n"
	          "  a = \"x\"\n}\nv = local.c\n",
	          NULL, "v", "[\"x!\",\"x\"]");
	check_ctx("locals {\n  a = local.b\n  b = local.c\n  c = local.b\n}\n",
	          NULL, "a",
	          "CTX t.hcl:3:3: cycle in local values: \"b\" depends on "
	          "itself");
	check_ctx("locals {\n  a = local.a\n}\n", NULL, "a",
	          "CTX t.hcl:2:3: cycle in local values: \"a\" depends on "
	          "itself");
	check_ctx(
	    "locals {\n  a = 1\n}\nlocals {\n  a = 2\n}\n", NULL, "a",
	    "CTX t.hcl:5:3: duplicate local value \"a\"; previously set at "
	    "t.hcl:2:3");
	check_ctx("locals {\n  a = local.zz\n}\n", NULL, "a",
	          "CTX t.hcl:2:7: undefined local value \"zz\"");
	check_ctx("locals \"x\" {\n  a = 1\n}\n", NULL, "a",
	          "CTX t.hcl:1:1: a locals block takes no labels");
	check_ctx("locals {\n  a {\n  }\n}\n", NULL, "a",
	          "CTX t.hcl:2:3: blocks are not allowed in locals");
	ck_assert(hcl_is_meta_block("variable"));
	ck_assert(hcl_is_meta_block("locals"));
	ck_assert(!hcl_is_meta_block("job"));
}
END_TEST

START_TEST(long_local_chains_are_fine)
{
	struct buf b;
	char *src;
	buf_init(&b);
	buf_append_str(&b, "locals {\n");
	for (int i = 0; i < 20000; i++)
		buf_appendf(&b, "  l%d = local.l%d\n", i, i + 1);
	buf_append_str(&b, "  l20000 = \"end\"\n}\nv = local.l0\n");
	src = buf_steal(&b, NULL);
	check_ctx(src, NULL, "v", "\"end\"");
	mem_free(src);

	/* values cannot grow without bound through locals */
	buf_init(&b);
	buf_append_str(&b, "locals {\n  l0 = 1\n");
	for (int i = 1; i < 200; i++)
		buf_appendf(&b, "  l%d = [local.l%d]\n", i, i - 1);
	buf_append_str(&b, "}\nv = 1\n");
	src = buf_steal(&b, NULL);
	check_ctx(src, NULL, "v",
	          "CTX t.hcl:130:10: value of local \"l128\" is nested too "
	          "deeply");
	mem_free(src);
}
END_TEST

/* ---- values
 * ------------------------------------------------------------------ */

START_TEST(value_helpers)
{
	struct hcl_file *f = parse_ok("a = { x = [1, \"s\"], y = null }");
	struct hcl_val v, c;
	struct err e;
	struct buf b1, b2;
	ck_assert_int_eq(
	    hcl_eval(f->body->items[0].u.attr.expr, NULL, "t.hcl", &v, &e),
	    ERR_OK);
	ck_assert_int_eq(hcl_val_copy(&c, &v), ERR_OK);
	buf_init(&b1);
	buf_init(&b2);
	dump_val(&b1, &v);
	dump_val(&b2, &c);
	ck_assert_str_eq(buf_cstr(&b1), buf_cstr(&b2));
	ck_assert_int_eq(c.key_pos[1].col, 21);
	ck_assert_int_eq(c.items[0].items[1].pos.col, 15);
	hcl_val_release(&v);
	hcl_val_release(&c);
	hcl_val_release(&c); /* released values are empty */
	buf_release(&b1);
	buf_release(&b2);
	ck_assert_str_eq(hcl_kind_name(HCL_STRING), "string");
	ck_assert_str_eq(hcl_kind_name(HCL_OBJECT), "object");
	ck_assert_str_eq(hcl_kind_name(HCL_NULL), "null");
	hcl_file_free(f);
}
END_TEST

/* ---- formatting
 * -------------------------------------------------------------- */

/* A canonical text of the tree with every attribute evaluated; positions
 * are left out so formatted and original files compare equal. */
static void dump_body(struct buf *b, const struct hcl_body *body,
                      const char *filename)
{
	for (size_t i = 0; i < body->n; i++) {
		const struct hcl_item *it = &body->items[i];
		if (it->kind == HCL_ITEM_BLOCK) {
			buf_append_str(b, it->u.block.type);
			for (size_t k = 0; k < it->u.block.nlabels; k++)
				buf_appendf(b, " \"%s\"",
				            it->u.block.labels[k]);
			buf_append_str(b, " {");
			dump_body(b, it->u.block.body, filename);
			buf_append_str(b, "}");
			continue;
		}
		struct hcl_val v;
		struct err e;
		buf_appendf(b, "%s=", it->u.attr.name);
		if (hcl_eval(it->u.attr.expr, NULL, filename, &v, &e) == ERR_OK)
			dump_val(b, &v);
		else
			buf_append_str(b, strchr(e.msg, ' ')); /* no position */
		hcl_val_release(&v);
		buf_append_char(b, ';');
	}
}

static char *tree_text(const char *src, size_t len)
{
	struct hcl_file *f;
	struct err e;
	struct buf b;
	if (hcl_parse("t.hcl", src, len, &f, &e) != ERR_OK)
		return mem_asprintf("PARSE %s", e.msg);
	buf_init(&b);
	dump_body(&b, f->body, f->filename);
	hcl_file_free(f);
	return buf_steal(&b, NULL);
}

static char *format_ok(const char *src)
{
	char *out = NULL;
	struct err e;
	err_clear(&e);
	ck_assert_msg(hcl_format("t.hcl", src, strlen(src), &out, &e) == ERR_OK,
	              "format failed: %s", e.msg);
	return out;
}

/* Formatting twice gives the same text and the tree does not change. */
static void check_format_stable(const char *src)
{
	char *once = format_ok(src), *twice = format_ok(once);
	char *t0 = tree_text(src, strlen(src)),
	     *t1 = tree_text(once, strlen(once));
	ck_assert_str_eq(once, twice);
	ck_assert_str_eq(t0, t1);
	mem_free(once);
	mem_free(twice);
	mem_free(t0);
	mem_free(t1);
}

static const char *messy = "\n\n# header comment   \n"
                           "job   \"web\"{\n"
                           "datacenters=[\"dc1\" ,\"dc2\"]\n"
                           "  type =   \"service\" // inline\n"
                           "\n"
                           "    group \"g\" {\n"
                           "  count=3\n"
                           "      meta { rack = \"r1\"}\n"
                           "  network {\n"
                           "          port \"http\" {   }\n"
                           "  }\n"
                           "   task \"t\" {\n"
                           "  driver=\"raw_exec\"\n"
                           "  config {\n"
                           "    command=\"/bin/sh\"\n"
                           "    args=[\n"
                           "   \"-c\",\n"
                           "        \"echo ${NOMAD_PORT_http} $${x}\",\n"
                           "    ]\n"
                           "    obj = {a=1,\n"
                           "    bb=[ -1 , var.x[0], var.y.z ]}\n"
                           "  }\n"
                           "      template {\n"
                           "   data = <<-EOT\n"
                           "        keep   {{ .Me }}\n"
                           "          as is\n"
                           "        EOT\n"
                           "   destination = \"local/x\"\n"
                           "      }\n"
                           "  /* block\n"
                           "     comment */\n"
                           "   }\n"
                           "}\n}\n\n\n";

START_TEST(format_is_canonical)
{
	char *out = format_ok(messy);
	ck_assert_str_eq(out, "# header comment\n"
	                      "job \"web\" {\n"
	                      "  datacenters = [\"dc1\", \"dc2\"]\n"
	                      "  type        = \"service\" // inline\n"
	                      "\n"
	                      "  group \"g\" {\n"
	                      "    count = 3\n"
	                      "    meta { rack = \"r1\" }\n"
	                      "    network {\n"
	                      "      port \"http\" {}\n"
	                      "    }\n"
	                      "    task \"t\" {\n"
	                      "      driver = \"raw_exec\"\n"
	                      "      config {\n"
	                      "        command = \"/bin/sh\"\n"
	                      "        args = [\n"
	                      "          \"-c\",\n"
	                      "          \"echo ${NOMAD_PORT_http} $${x}\",\n"
	                      "        ]\n"
	                      "        obj = { a = 1,\n"
	                      "          bb = [-1, var.x[0], var.y.z] }\n"
	                      "      }\n"
	                      "      template {\n"
	                      "        data        = <<-EOT\n"
	                      "        keep   {{ .Me }}\n"
	                      "          as is\n"
	                      "        EOT\n"
	                      "        destination = \"local/x\"\n"
	                      "      }\n"
	                      "      /* block\n"
	                      "     comment */\n"
	                      "    }\n"
	                      "  }\n"
	                      "}\n");
	mem_free(out);
	check_format_stable(messy);
}
END_TEST

START_TEST(format_keeps_examples_stable)
{
	static const char *files[] = {
	    "examples/hello.hcl",
	    "examples/traefik.hcl",
	    "examples/blueprint.hcl",
	    "examples/agent.hcl",
	    "examples/policies/dev.policy.hcl",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		size_t len;
		char *src = unit_read_file(files[i], &len);
		if (src == NULL)
			continue; /* run from elsewhere than the repository */
		check_format_stable(src);
		mem_free(src);
	}
	char *bad = NULL;
	struct err e;
	ck_assert_int_eq(hcl_format("t.hcl", "a = [", 5, &bad, &e), ERR_PARSE);
	ck_assert_str_eq(e.msg, "t.hcl:1:5: list is missing its closing \"]\"");
	ck_assert_ptr_null(bad);
	/* spacing never merges tokens: `0. 1` must not become `0.1` */
	char *idx = format_ok("a = var.x.0 . 1\r\n# c \r \n");
	ck_assert_str_eq(idx, "a = var.x.0. 1\n# c\n");
	check_format_stable(idx);
	mem_free(idx);
	char *empty = format_ok("\n\n");
	ck_assert_str_eq(empty, "");
	mem_free(empty);
}
END_TEST

/* ---- robustness ------------------------------------------------------------
 */

static const char *job_src =
    "variable \"image\" {\n  default = \"nginx\"\n}\n"
    "locals {\n  port = 8080\n  name = \"web-${var.image}\"\n}\n"
    "job \"web\" {\n"
    "  datacenters = [\"dc1\"]\n"
    "  meta = { owner = \"me\", \"k\" = local.port }\n"
    "  group \"g\" {\n"
    "    network {\n      port \"http\" { to = local.port }\n    }\n"
    "    task \"t\" {\n"
    "      config {\n"
    "        image = var.image\n"
    "        args  = [\"-p\", \"${NOMAD_PORT_http}\", \"${local.port}\"]\n"
    "      }\n"
    "      template {\n"
    "        data = <<-EOT\n"
    "          {{ range nomadService \"web\" }}${local.name}{{ end }}\n"
    "        EOT\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* Parse, build, evaluate everything, format: the whole pipeline. */
static int pipeline(const char *src, size_t len)
{
	struct hcl_file *f = NULL;
	struct hcl_ctx *ctx = NULL;
	struct err e;
	char *fmt = NULL;
	char *text;
	int rc = hcl_parse("t.hcl", src, len, &f, &e);
	if (rc == ERR_OK)
		rc = hcl_ctx_build(f, NULL, &ctx, &e);
	if (rc == ERR_OK) {
		struct buf b;
		buf_init(&b);
		for (size_t i = 0; i < f->body->n; i++) {
			const struct hcl_item *it = &f->body->items[i];
			struct hcl_val v;
			if (it->kind != HCL_ITEM_ATTR)
				continue;
			rc = hcl_eval(it->u.attr.expr, ctx, "t.hcl", &v, &e);
			hcl_val_release(&v);
			if (rc != ERR_OK)
				break;
		}
		buf_release(&b);
	}
	if (rc == ERR_OK)
		rc = hcl_format("t.hcl", src, len, &fmt, &e);
	if (rc == ERR_OK && (text = tree_text(src, len)) == NULL)
		rc = ERR_NOMEM;
	else if (rc == ERR_OK)
		mem_free(text);
	mem_free(fmt);
	hcl_ctx_free(ctx);
	hcl_file_free(f);
	return rc;
}

START_TEST(allocation_failures_are_clean)
{
	const char *srcs[] = {job_src, messy, vars_src};
	for (size_t s = 0; s < sizeof srcs / sizeof srcs[0]; s++) {
		int64_t k;
		int rc = ERR_NOMEM;
		const char *vars[] = {"name=x"};
		for (k = 0; k < 100000 && rc != ERR_OK; k++) {
			int64_t before = mem_outstanding();
			mem_fault_set(k, 1);
			if (s == 2) {
				/* vars_src needs -var name=x */
				struct hcl_file *f = NULL;
				struct hcl_ctx *ctx = NULL;
				struct hcl_var_overrides ov = {.vars = vars,
				                               .nvars = 1};
				struct err e;
				rc = hcl_parse("t.hcl", srcs[s],
				               strlen(srcs[s]), &f, &e);
				if (rc == ERR_OK)
					rc = hcl_ctx_build(f, &ov, &ctx, &e);
				hcl_ctx_free(ctx);
				hcl_file_free(f);
			} else {
				rc = pipeline(srcs[s], strlen(srcs[s]));
			}
			mem_fault_reset();
			ck_assert_msg(rc == ERR_OK || rc == ERR_NOMEM,
			              "k=%lld rc=%d", (long long)k, rc);
			ck_assert_int_eq(mem_outstanding(), before);
		}
		ck_assert_int_eq(rc, ERR_OK);
		ck_assert_int_gt(k, 5);
	}
}
END_TEST

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void mutate(char *s, size_t *len, size_t cap)
{
	static const char pool[] = "{}[]()\"$%~<<-=:,.#/*\n\\\x01\xC3\xFF"
	                           "EOT${var.x}";
	int edits = 1 + (int)(rnd() % 4);
	for (int i = 0; i<edits && * len> 0; i++) {
		size_t at = rnd() % *len;
		switch (rnd() % 4) {
		case 0: s[at] = pool[rnd() % (sizeof pool - 1)]; break;
		case 1:
			memmove(s + at, s + at + 1, *len - at - 1);
			(*len)--;
			break;
		case 2:
			if (*len + 1 < cap) {
				memmove(s + at + 1, s + at, *len - at);
				s[at] = pool[rnd() % (sizeof pool - 1)];
				(*len)++;
			}
			break;
		default: *len = at + (*len - at) / 2; break;
		}
	}
}

START_TEST(mutated_input_never_crashes)
{
	const char *srcs[] = {job_src, messy, vars_src};
	size_t cap = 8192;
	char *buf = mem_malloc(cap);
	rnd_state = unit_seed() | 1;
	for (int round = 0; round < 3000; round++) {
		const char *src = srcs[round % 3];
		size_t len = strlen(src);
		int64_t before = mem_outstanding();
		memcpy(buf, src, len);
		mutate(buf, &len, cap);
		int rc = pipeline(buf, len);
		ck_assert_msg(rc == ERR_OK || rc == ERR_PARSE || rc == ERR_IO,
		              "round %d rc %d", round, rc);
		ck_assert_int_eq(mem_outstanding(), before);
	}
	mem_free(buf);
}
END_TEST

START_TEST(large_input_is_linear)
{
	/* a few megabytes, in one body and in many blocks: quadratic
	 * behaviour would blow the test's timeout */
	struct buf b;
	char *src;
	size_t len;
	buf_init(&b);
	for (int i = 0; i < 60000; i++)
		buf_appendf(&b, "attr_%d = \"value ${NOMAD_PORT_%d} %d\"\n", i,
		            i, i);
	for (int i = 0; i < 20000; i++)
		buf_appendf(&b,
		            "task \"t%d\" {\n  config { args = [\"a\", %d] }\n"
		            "  data = <<-EOT\n    x\n    EOT\n}\n",
		            i, i);
	src = buf_steal(&b, &len);
	ck_assert_int_eq(pipeline(src, len), ERR_OK);
	mem_free(src);
}
END_TEST

START_TEST(quoted_argument_names)
{
	/* Old agent configs and Nomad's docs write HCL1's quoted names. */
	const char *src = "options {\n  \"driver.raw_exec.enable\" = \"1\"\n}\n";
	struct hcl_file *f = NULL;
	struct err e;
	err_clear(&e);
	ck_assert_int_eq(hcl_parse("t.hcl", src, strlen(src), &f, &e), ERR_OK);
	const struct hcl_body *b = f->body->items[0].u.block.body;
	ck_assert_uint_eq(b->n, 1);
	ck_assert_int_eq(b->items[0].kind, HCL_ITEM_ATTR);
	ck_assert_str_eq(b->items[0].u.attr.name, "driver.raw_exec.enable");
	ck_assert_int_eq(b->items[0].u.attr.pos.line, 2);
	ck_assert_int_eq(b->items[0].u.attr.pos.col, 3);
	hcl_file_free(f);
}
END_TEST

static Suite *hcl_suite(void)
{
	Suite *s = suite_create("hcl");
	TCase *tc = unit_tcase(s, "parse", 10);
	tcase_add_test(tc, parses_blocks_labels_and_positions);
	tcase_add_test(tc, one_line_blocks_and_several_labels);
	tcase_add_test(tc, heredoc_closes_a_single_line_block);
	tcase_add_test(tc, comments_of_every_kind);
	tcase_add_test(tc, crlf_and_byte_order_mark);
	tc = unit_tcase(s, "expressions", 10);
	tcase_add_test(tc, literals_and_numbers);
	tcase_add_test(tc, strings_and_escapes);
	tcase_add_test(tc, tuples_and_objects);
	tcase_add_test(tc, heredocs);
	tcase_add_test(tc, nomad_template_passes_through);
	tcase_add_test(tc, unknown_roots_stay_literal);
	tcase_add_test(tc, eval_errors_have_positions);
	tcase_add_test(tc, value_helpers);
	tc = unit_tcase(s, "errors", 10);
	tcase_add_test(tc, structural_errors);
	tcase_add_test(tc, quoted_argument_names);
	tcase_add_test(tc, unclosed_things_point_at_the_opener);
	tcase_add_test(tc, unsupported_constructs);
	tcase_add_test(tc, lexical_errors);
	tcase_add_test(tc, nesting_is_limited);
	tc = unit_tcase(s, "variables", 20);
	tcase_add_test(tc, variables_defaults_and_locals);
	tcase_add_test(tc, overrides_in_precedence_order);
	tcase_add_test(tc, var_flag_values_follow_the_type);
	tcase_add_test(tc, variable_declaration_errors);
	tcase_add_test(tc, var_file_errors);
	tcase_add_test(tc, locals_order_and_cycles);
	tcase_add_test(tc, long_local_chains_are_fine);
	tc = unit_tcase(s, "format", 10);
	tcase_add_test(tc, format_is_canonical);
	tcase_add_test(tc, format_keeps_examples_stable);
	tc = unit_tcase(s, "robustness", 120);
	tcase_add_test(tc, allocation_failures_are_clean);
	tcase_add_test(tc, mutated_input_never_crashes);
	tcase_add_test(tc, large_input_is_linear);
	return s;
}

UNIT_MAIN(hcl_suite)
