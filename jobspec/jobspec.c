#include "jobspec/jobspec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "jobspec/hcl_decode.h"
#include "lib/mem.h"
#include "structs/structs.h"

/* ---- schema field access by Go name ---------------------------------- */

static void *jobspec_member(const struct schema *s, void *obj,
			    const char *name, enum schema_type type)
{
	const struct schema_field *f = schema_field_by_name(s, name);
	if (f == NULL || f->type != type)
		return NULL;
	return (char *)obj + f->off;
}

static int jobspec_set_str(struct hcl_decode *d, const struct schema *s,
			   void *obj, const char *name, const char *val)
{
	char **p = jobspec_member(s, obj, name, FT_STR);
	if (p == NULL)
		return err_set(d->err, ERR_INTERNAL, "no string field \"%s\"",
			       name);
	mem_free(*p);
	*p = mem_strdup(val);
	return *p == NULL ? err_set(d->err, ERR_NOMEM, "out of memory") : ERR_OK;
}

/* Appends a zeroed element to the LIST field `name`; NULL on error. */
static void *jobspec_list_append(struct hcl_decode *d, const struct schema *s,
				 void *obj, const char *name,
				 const struct schema **sub)
{
	const struct schema_field *f = schema_field_by_name(s, name);
	void **v;
	size_t *n;
	char *nv;
	if (f == NULL || f->type != FT_LIST) {
		err_set(d->err, ERR_INTERNAL, "no list field \"%s\"", name);
		return NULL;
	}
	v = (void **)((char *)obj + f->off);
	n = (size_t *)((char *)obj + f->off + sizeof(void *));
	nv = mem_realloc(*v, (*n + 1) * f->sub->size);
	if (nv == NULL) {
		err_set(d->err, ERR_NOMEM, "out of memory");
		return NULL;
	}
	memset(nv + *n * f->sub->size, 0, f->sub->size);
	*v = nv;
	*sub = f->sub;
	return nv + (*n)++ * f->sub->size;
}

/* Moves a decoded element (a struct of schema sub at tmp) into a list. */
static int jobspec_list_take(struct hcl_decode *d, const struct schema *s,
			     void *obj, const char *name, void *tmp)
{
	const struct schema *sub = NULL;
	void *e = jobspec_list_append(d, s, obj, name, &sub);
	if (e == NULL)
		return d->err->code;
	memcpy(e, tmp, sub->size);
	memset(tmp, 0, sub->size);
	return ERR_OK;
}

/* ---- hooks ----------------------------------------------------------- */

/* port "label" { static = N ... } -> ReservedPorts or DynamicPorts. */
static int jobspec_port(struct hcl_decode *d, const struct schema *s,
			void *obj, const struct hcl_block *b, const char *where)
{
	const struct schema_field *rf = schema_field_by_name(s, "ReservedPorts");
	const struct schema *ps = rf->sub;
	void *tmp = mem_calloc(1, ps->size);
	int64_t *value;
	int rc;
	if (tmp == NULL)
		return err_set(d->err, ERR_NOMEM, "out of memory");
	rc = hcl_decode_block(d, ps, tmp, b, where);
	if (rc == ERR_OK) {
		value = jobspec_member(ps, tmp, "Value", FT_INT);
		rc = jobspec_list_take(d, s, obj,
				       value != NULL && *value != 0
					       ? "ReservedPorts"
					       : "DynamicPorts",
				       tmp);
	}
	schema_release(ps, tmp);
	mem_free(tmp);
	return rc;
}

/* Constraint and affinity shortcut arguments (reference 2.9). */
static int jobspec_constraint_shortcut(struct hcl_decode *d,
				       const struct schema *s, void *obj,
				       const struct hcl_attr *a, bool *handled)
{
	static const char *const ops[] = {
		"distinct_hosts", "distinct_property", "regexp",
		"version",        "semver",            "set_contains",
		"set_contains_any", "set_contains_all",
	};
	struct hcl_val v;
	char *val = NULL;
	int rc;
	size_t i;
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(a->name, ops[i]) == 0)
			break;
	if (i == sizeof ops / sizeof ops[0])
		return ERR_OK;
	*handled = true;
	rc = hcl_decode_eval(d, a, &v);
	if (rc == ERR_OK)
		rc = hcl_decode_string(d, &v, a->name, &val);
	hcl_val_release(&v);
	if (rc != ERR_OK)
		goto out;
	rc = jobspec_set_str(d, s, obj, "Operand", ops[i]);
	if (rc != ERR_OK)
		goto out;
	if (i == 0) {
		/* Nomad drops `distinct_hosts = false`; we keep it as RTarget
		 * "false", which the scheduler treats as no constraint. */
		bool on = false;
		struct hcl_val bv = {.kind = HCL_STRING, .s = val,
				     .pos = a->expr_pos};
		rc = hcl_decode_bool(d, &bv, a->name, &on);
		if (rc == ERR_OK)
			rc = jobspec_set_str(d, s, obj, "RTarget",
					     on ? "true" : "false");
	} else if (i == 1) {
		rc = jobspec_set_str(d, s, obj, "LTarget", val ? val : "");
	} else {
		rc = jobspec_set_str(d, s, obj, "RTarget", val ? val : "");
	}
out:
	mem_free(val);
	return rc;
}

/* identity { ... }: unnamed or "default" -> Task.Identity. */
static int jobspec_identity(struct hcl_decode *d, const struct schema *s,
			    void *obj, const struct hcl_block *b,
			    const char *where)
{
	const struct schema_field *f = schema_field_by_name(s, "Identity");
	const struct schema *is = f->sub;
	void *tmp = mem_calloc(1, is->size);
	int rc;
	if (tmp == NULL)
		return err_set(d->err, ERR_NOMEM, "out of memory");
	rc = hcl_decode_block(d, is, tmp, b, where);
	if (rc != ERR_OK)
		goto out;
	char **name = jobspec_member(is, tmp, "Name", FT_STR);
	if (name == NULL || *name == NULL || **name == '\0' ||
	    strcmp(*name, "default") == 0) {
		void **slot = (void **)((char *)obj + f->off);
		if (*slot != NULL) {
			rc = hcl_decode_fail(d, b->pos,
					     "duplicate default identity in %s",
					     where);
			goto out;
		}
		*slot = tmp;
		return ERR_OK;
	}
	rc = jobspec_list_take(d, s, obj, "Identities", tmp);
out:
	schema_release(is, tmp);
	mem_free(tmp);
	return rc;
}

/* task "x" directly inside job: a group "x" holding that task. */
static int jobspec_job_task(struct hcl_decode *d, const struct schema *s,
			    void *obj, const struct hcl_block *b,
			    const char *where)
{
	const struct schema *gs = NULL, *ts = NULL;
	void *group = jobspec_list_append(d, s, obj, "TaskGroups", &gs);
	void *task;
	int rc;
	if (group == NULL)
		return d->err->code;
	task = jobspec_list_append(d, gs, group, "Tasks", &ts);
	if (task == NULL)
		return d->err->code;
	rc = hcl_decode_block(d, ts, task, b, where);
	if (rc == ERR_OK && b->nlabels == 1)
		rc = jobspec_set_str(d, gs, group, "Name", b->labels[0]);
	return rc;
}

static int jobspec_hook(struct hcl_decode *d, const struct schema *s,
			void *obj, const struct hcl_item *it, const char *where,
			bool *handled)
{
	bool block = it->kind == HCL_ITEM_BLOCK;
	const char *name = block ? it->u.block.type : it->u.attr.name;
	if (s == &network_resource_schema && block &&
	    strcmp(name, "port") == 0) {
		*handled = true;
		return jobspec_port(d, s, obj, &it->u.block, where);
	}
	if ((s == &constraint_schema || s == &affinity_schema) && !block)
		return jobspec_constraint_shortcut(d, s, obj, &it->u.attr,
						   handled);
	if (s == &task_schema && block && strcmp(name, "identity") == 0) {
		*handled = true;
		return jobspec_identity(d, s, obj, &it->u.block, where);
	}
	if (s == &job_schema && block && strcmp(name, "task") == 0) {
		*handled = true;
		return jobspec_job_task(d, s, obj, &it->u.block, where);
	}
	return ERR_OK;
}

/* ---- after decoding ----------------------------------------------------- */

/* What jobspec2's normalizeJob does beyond the generic mapping. */
static int jobspec_normalize(struct job *job, struct err *e)
{
	struct periodic_config *p = job->periodic;
	if (p != NULL && (p->spec != NULL && *p->spec != '\0') &&
	    p->spec_type == NULL) {
		p->spec_type = mem_strdup("cron");
		if (p->spec_type == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
	}
	return ERR_OK;
}

/* ---- files ------------------------------------------------------------ */

static int jobspec_decode_file(struct hcl_decode *d, const struct hcl_file *f,
			       struct job *out)
{
	const struct hcl_block *job = NULL;
	for (size_t i = 0; i < f->body->n; i++) {
		const struct hcl_item *it = &f->body->items[i];
		if (it->kind == HCL_ITEM_ATTR)
			return hcl_decode_fail(d, it->u.attr.pos,
					       "unexpected argument \"%s\" at the "
					       "top level; a job file holds one "
					       "\"job\" block",
					       it->u.attr.name);
		if (hcl_is_meta_block(it->u.block.type))
			continue;
		if (strcmp(it->u.block.type, "job") != 0)
			return hcl_decode_fail(d, it->u.block.pos,
					       "unsupported block type \"%s\" at "
					       "the top level; a job file holds "
					       "one \"job\" block",
					       it->u.block.type);
		if (job != NULL)
			return hcl_decode_fail(d, it->u.block.pos,
					       "only one \"job\" block is allowed "
					       "per file; the first is at %d:%d",
					       job->pos.line, job->pos.col);
		job = &it->u.block;
	}
	if (job == NULL)
		return hcl_decode_fail(d, (struct hcl_pos){1, 1},
				       "no \"job\" block found");
	int rc = hcl_decode_block(d, &job_schema, out, job, "job file");
	return rc == ERR_OK ? jobspec_normalize(out, d->err) : rc;
}

int jobspec_parse(const char *filename, const char *src, size_t len,
		  const struct hcl_var_overrides *vars, struct job *out,
		  struct err *e)
{
	static const struct hcl_var_overrides none = {0};
	struct hcl_file *file = NULL;
	struct hcl_ctx *ctx = NULL;
	struct hcl_decode d = {.filename = filename, .hook = jobspec_hook,
			       .err = e};
	int rc = hcl_parse(filename, src, len, &file, e);
	if (rc != ERR_OK)
		return rc;
	rc = hcl_ctx_build(file, vars != NULL ? vars : &none, &ctx, e);
	if (rc != ERR_OK)
		goto free_file;
	d.ctx = ctx;
	rc = jobspec_decode_file(&d, file, out);
	if (rc != ERR_OK)
		schema_release(&job_schema, out);
	hcl_ctx_free(ctx);
free_file:
	hcl_file_free(file);
	return rc;
}

int jobspec_parse_file(const char *path, const struct hcl_var_overrides *vars,
		       struct job *out, struct err *e)
{
	char *src = NULL;
	size_t len = 0;
	int rc = jobspec_read_file(path, JOBSPEC_MAX_FILE, &src, &len, e);
	if (rc != ERR_OK)
		return rc;
	rc = jobspec_parse(strcmp(path, "-") == 0 ? "<stdin>" : path, src,
			   len, vars, out, e);
	mem_free(src);
	return rc;
}
