/* structs/variable.c: the descriptors of variables and their checks. */
#include "structs/variable.h"

#include <string.h>

#include "lib/id.h"
#include "lib/mem.h"

SCHEMA_DEFINE(variable_lock, VARIABLE_LOCK_FIELDS, 0);
SCHEMA_DEFINE(variable_metadata, VARIABLE_METADATA_FIELDS, 0);
SCHEMA_DEFINE(variable, VARIABLE_FIELDS, 0);
SCHEMA_DEFINE(variable_encrypted, VARIABLE_ENCRYPTED_FIELDS, 0);

static bool variable_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '~' ||
	       c == '/';
}

/* Segment i (0-based) of path, and its length through *len; NULL when
 * there are fewer segments. */
static const char *variable_segment(const char *path, int i, size_t *len)
{
	for (; i > 0; i--) {
		path = strchr(path, '/');
		if (path == NULL)
			return NULL;
		path++;
	}
	*len = strcspn(path, "/");
	return path;
}

static bool variable_seg_is(const char *seg, size_t len, const char *s)
{
	return seg != NULL && len == strlen(s) && strncmp(seg, s, len) == 0;
}

/* The rules for paths under the reserved "nomad" directory. */
static int variable_validate_reserved(const char *path, struct err *e)
{
	size_t l1 = 0, l2 = 0, l3 = 0;
	const char *s1 = variable_segment(path, 1, &l1);
	const char *s2 = variable_segment(path, 2, &l2);
	const char *s3 = variable_segment(path, 3, &l3);
	if (s1 == NULL)
		return err_set(e, ERR_VALIDATE,
		               "\"nomad\" is a reserved top-level directory "
		               "path, but you may write variables to "
		               "\"nomad/jobs\", \"nomad/job-templates\", "
		               "\"nomad/sentinel\", or below");
	if (variable_seg_is(s1, l1, "jobs") ||
	    variable_seg_is(s1, l1, "sentinel"))
		return ERR_OK;
	if (variable_seg_is(s1, l1, "job-templates") && s2 != NULL &&
	    s3 == NULL)
		return ERR_OK;
	if (variable_seg_is(s1, l1, "job-templates"))
		return err_set(
		    e, ERR_VALIDATE,
		    "\"nomad/job-templates\" is a reserved directory "
		    "path, but you may write variables at the level "
		    "below it, for example, "
		    "\"nomad/job-templates/template-name\"");
	return err_set(
	    e, ERR_VALIDATE,
	    "only paths at \"nomad/jobs\" or \"nomad/job-templates\" "
	    "and below are valid paths under the top-level "
	    "\"nomad\" directory");
}

int variable_validate_path(const char *path, struct err *e)
{
	size_t n = 0, l0 = 0;
	const char *s0;
	if (path == NULL || path[0] == '\0')
		return err_set(e, ERR_VALIDATE, "variable requires path");
	for (const char *p = path; *p != '\0'; p++, n++)
		if (!variable_path_char(*p))
			n = 129;
	if (n > 128)
		return err_set(e, ERR_VALIDATE, "invalid path \"%s\"", path);
	s0 = variable_segment(path, 0, &l0);
	if (!variable_seg_is(s0, l0, "nomad"))
		return ERR_OK;
	return variable_validate_reserved(path, e);
}

static int variable_validate_lock(const struct variable_lock *l, struct err *e)
{
	if (l->lock_delay < 0 || l->ttl < 0)
		return err_set(e, ERR_VALIDATE,
		               "lock delay and TTL must be positive");
	if (l->ttl > VARIABLE_LOCK_MAX_TTL_NS ||
	    l->ttl < VARIABLE_LOCK_MIN_TTL_NS)
		return err_set(e, ERR_VALIDATE,
		               "TTL must be between 10 seconds and 24 hours");
	return ERR_OK;
}

size_t variable_items_size(const struct strmap *items)
{
	size_t n = 0;
	for (size_t i = 0; i < items->n; i++)
		n += strlen(items->v[i].key) +
		     (items->v[i].val != NULL ? strlen(items->v[i].val) : 0);
	return n;
}

static int variable_validate_common(const struct variable *v, bool need_items,
                                    struct err *e)
{
	if (v->namespace != NULL && strcmp(v->namespace, "*") == 0)
		return err_set(e, ERR_VALIDATE,
		               "can not target wildcard (\"*\")namespace");
	if (need_items && v->items.n == 0)
		return err_set(e, ERR_VALIDATE, "empty variables are invalid");
	if (variable_items_size(&v->items) > VARIABLE_MAX_SIZE)
		return err_set(e, ERR_VALIDATE,
		               "variables are limited to 64KiB in total size");
	return variable_validate_path(v->path, e);
}

int variable_validate(const struct variable *v, struct err *e)
{
	if (variable_validate_common(v, true, e) != ERR_OK)
		return ERR_VALIDATE;
	return v->lock != NULL ? variable_validate_lock(v->lock, e) : ERR_OK;
}

int variable_validate_for_lock(const struct variable *v, struct err *e)
{
	if (variable_validate_common(v, false, e) != ERR_OK)
		return ERR_VALIDATE;
	if (v->lock == NULL)
		return err_set(e, ERR_VALIDATE, "missing lock");
	return variable_validate_lock(v->lock, e);
}

int variable_canonicalize(struct variable *v)
{
	char id[ID_LEN + 1];
	if (v->namespace == NULL || v->namespace[0] == '\0') {
		char *ns = mem_strdup(JOB_DEFAULT_NAMESPACE);
		if (ns == NULL)
			return ERR_NOMEM;
		mem_free(v->namespace);
		v->namespace = ns;
	}
	if (v->lock == NULL)
		return 0;
	if (v->lock->lock_delay == 0)
		v->lock->lock_delay = VARIABLE_LOCK_DEFAULT_DELAY_NS;
	if (v->lock->ttl == 0)
		v->lock->ttl = VARIABLE_LOCK_DEFAULT_TTL_NS;
	if (v->lock->id != NULL && v->lock->id[0] != '\0')
		return 0;
	if (id_new(id) != 0)
		return ERR_INTERNAL;
	mem_free(v->lock->id);
	v->lock->id = mem_strdup(id);
	return v->lock->id != NULL ? 0 : ERR_NOMEM;
}

int variable_metadata_from(struct variable_metadata *md,
                           const struct variable *v)
{
	memset(md, 0, sizeof(*md));
	md->create_index = v->create_index;
	md->create_time = v->create_time;
	md->modify_index = v->modify_index;
	md->modify_time = v->modify_time;
	if ((v->namespace != NULL &&
	     (md->namespace = mem_strdup(v->namespace)) == NULL) ||
	    (v->path != NULL && (md->path = mem_strdup(v->path)) == NULL))
		goto release_md;
	if (v->lock != NULL) {
		md->lock = mem_calloc(1, sizeof(*md->lock));
		if (md->lock == NULL ||
		    schema_copy(&variable_lock_schema, md->lock, v->lock) != 0)
			goto release_md;
	}
	return 0;
release_md:
	schema_release(&variable_metadata_schema, md);
	return ERR_NOMEM;
}
