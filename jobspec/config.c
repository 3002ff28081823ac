/* The agent configuration: HCL and JSON files decoded by HCL key names,
 * Nomad's merge, defaults and validation. */
#include "jobspec/config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobspec/hcl.h"
#include "jobspec/hcl_decode.h"
#include "jobspec/jobspec.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/stime.h"

SCHEMA_DEFINE(agent_ports, AGENT_PORTS_FIELDS, 0);
SCHEMA_DEFINE(agent_addresses, AGENT_ADDRS_FIELDS, 0);
SCHEMA_DEFINE(agent_advertise, AGENT_ADDRS_FIELDS, 0);
SCHEMA_DEFINE(agent_acl, AGENT_ACL_FIELDS, 0);
SCHEMA_DEFINE(agent_server_join, AGENT_SERVER_JOIN_FIELDS, 0);
SCHEMA_DEFINE(agent_server, AGENT_SERVER_FIELDS, 0);
SCHEMA_DEFINE(agent_reserved, AGENT_RESERVED_FIELDS, 0);
SCHEMA_DEFINE(agent_host_volume, AGENT_HOST_VOLUME_FIELDS, 0);
SCHEMA_DEFINE(agent_client, AGENT_CLIENT_FIELDS, 0);
SCHEMA_DEFINE(agent_plugin, AGENT_PLUGIN_FIELDS, 0);
SCHEMA_DEFINE(agent_config, AGENT_CONFIG_FIELDS, 0);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void config_release(struct agent_config *c)
{
	schema_release(&agent_config_schema, c);
}

static const struct schema_field *config_field_by_hcl(const struct schema *s,
                                                      const char *name)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (s->fields[i].hcl != NULL &&
		    strcmp(s->fields[i].hcl, name) == 0)
			return &s->fields[i];
	return NULL;
}

static const struct schema_field *config_label_field(const struct schema *s)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (s->fields[i].flags & SF_LABEL)
			return &s->fields[i];
	return NULL;
}

/* Grows a {T *v; size_t n} list by one zeroed element of size esize. */
static void *config_list_grow(void *listp, size_t esize)
{
	void **v = (void **)listp;
	size_t *n = (size_t *)((char *)listp + sizeof(void *));
	char *nv = mem_realloc(*v, (*n + 1) * esize);
	if (nv == NULL)
		return NULL;
	memset(nv + *n * esize, 0, esize);
	*v = nv;
	return nv + (*n)++ * esize;
}

/* ---- HCL ----------------------------------------------------------------- */

static int config_parse_hcl(const char *filename, const char *src, size_t len,
                            struct agent_config *out, struct err *e)
{
	struct hcl_file *f = NULL;
	struct hcl_ctx *ctx = NULL;
	struct hcl_decode d = {.filename = filename, .err = e};
	int rc = hcl_parse(filename, src, len, &f, e);
	if (rc != ERR_OK)
		return rc;
	if (hcl_ctx_empty(&ctx) != ERR_OK) {
		rc = err_set(e, ERR_NOMEM, "%s: out of memory", filename);
		goto free_file;
	}
	d.ctx = ctx;
	rc = hcl_decode_body(&d, &agent_config_schema, out, f->body, "config");
	hcl_ctx_free(ctx);
free_file:
	hcl_file_free(f);
	return rc;
}

/* ---- JSON ---------------------------------------------------------------- */

/* Nomad's JSON configuration uses the HCL key names; blocks may be objects
 * or arrays of objects, labelled blocks objects keyed by label. Positions
 * are not known after parsing, so errors name the key path. */
struct config_json {
	const char *filename;
	struct err *e;
};

static int cj_fail(const struct config_json *cj, const char *path,
                   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int cj_fail(const struct config_json *cj, const char *path,
                   const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (path[0] == '\0')
		return err_set(cj->e, ERR_PARSE, "%s: %s", cj->filename, msg);
	return err_set(cj->e, ERR_PARSE, "%s: %s: %s", cj->filename, path, msg);
}

static int cj_oom(const struct config_json *cj)
{
	return err_set(cj->e, ERR_NOMEM, "%s: out of memory", cj->filename);
}

static const char *cj_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "list";
	case JSON_STRING: return "string";
	case JSON_INTEGER:
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	default: return "null";
	}
}

static int cj_string(const struct config_json *cj, const json_t *v,
                     const char *path, char **out)
{
	char tmp[64];
	const char *s = tmp;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v))
		snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT,
		         json_integer_value(v));
	else if (json_is_real(v))
		snprintf(tmp, sizeof tmp, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		s = json_is_true(v) ? "true" : "false";
	else
		return cj_fail(cj, path, "a string is required, got %s",
		               cj_kind(v));
	mem_free(*out);
	*out = mem_strdup(s);
	return *out == NULL ? cj_oom(cj) : ERR_OK;
}

static int cj_int(const struct config_json *cj, const json_t *v,
                  const char *path, int64_t *out)
{
	double f;
	char *end;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return ERR_OK;
	}
	if (json_is_real(v)) {
		f = json_real_value(v);
		if (f != floor(f) || fabs(f) > 9.2e18)
			return cj_fail(cj, path, "a whole number is required");
		*out = (int64_t)f;
		return ERR_OK;
	}
	if (json_is_string(v) && json_string_value(v)[0] != '\0') {
		errno = 0;
		long long ll = strtoll(json_string_value(v), &end, 10);
		if (*end == '\0' && errno == 0) {
			*out = ll;
			return ERR_OK;
		}
	}
	return cj_fail(cj, path, "a number is required, got %s", cj_kind(v));
}

static int cj_float(const struct config_json *cj, const json_t *v,
                    const char *path, double *out)
{
	char *end;
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return ERR_OK;
	}
	if (json_is_string(v) && json_string_value(v)[0] != '\0') {
		double f = strtod(json_string_value(v), &end);
		if (*end == '\0' && isfinite(f)) {
			*out = f;
			return ERR_OK;
		}
	}
	return cj_fail(cj, path, "a number is required, got %s", cj_kind(v));
}

static int cj_bool(const struct config_json *cj, const json_t *v,
                   const char *path, bool *out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (s != NULL && strcmp(s, "true") == 0)
		*out = true;
	else if (s != NULL && strcmp(s, "false") == 0)
		*out = false;
	else
		return cj_fail(cj, path, "a bool is required, got %s",
		               cj_kind(v));
	return ERR_OK;
}

static int cj_duration(const struct config_json *cj, const json_t *v,
                       const char *path, int64_t *out)
{
	const char *why = NULL;
	if (json_is_integer(v))
		return cj_int(cj, v, path, out);
	if (!json_is_string(v))
		return cj_fail(cj, path,
		               "a duration string is required, got %s",
		               cj_kind(v));
	if (stime_parse_duration(json_string_value(v), out, &why) != 0)
		return cj_fail(cj, path, "invalid duration \"%.60s\": %s",
		               json_string_value(v), why);
	return ERR_OK;
}

static int cj_strlist(const struct config_json *cj, const json_t *v,
                      const char *path, struct strlist *out)
{
	size_t i;
	const json_t *item;
	if (!json_is_array(v))
		return cj_fail(cj, path,
		               "a list of strings is required, got %s",
		               cj_kind(v));
	strlist_release(out);
	json_array_foreach(v, i, item)
	{
		char *s = NULL;
		int rc = cj_string(cj, item, path, &s);
		if (rc == ERR_OK && strlist_push(out, s) != 0)
			rc = cj_oom(cj);
		mem_free(s);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int cj_strmap(const struct config_json *cj, const json_t *v,
                     const char *path, struct strmap *out)
{
	const char *key;
	const json_t *val;
	size_t i;
	if (json_is_array(v)) {
		json_array_foreach(v, i, val)
		{
			int rc = cj_strmap(cj, val, path, out);
			if (rc != ERR_OK)
				return rc;
		}
		return ERR_OK;
	}
	if (!json_is_object(v))
		return cj_fail(cj, path, "a map of strings is required, got %s",
		               cj_kind(v));
	json_object_foreach((json_t *)v, key, val)
	{
		char *s = NULL;
		int rc = cj_string(cj, val, path, &s);
		if (rc == ERR_OK && strmap_set(out, key, s) != 0)
			rc = cj_oom(cj);
		mem_free(s);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

/* A free-form block: `[{...}]` (one block) is unwrapped to its object. */
static int cj_value(const struct config_json *cj, const json_t *v,
                    const char *path, struct value *out)
{
	if (json_is_array(v) && json_array_size(v) == 1 &&
	    json_is_object(json_array_get(v, 0)))
		v = json_array_get(v, 0);
	value_release(out);
	return value_from_json(out, v, path, cj->e);
}

static int cj_opt(const struct config_json *cj, const struct schema_field *f,
                  const json_t *v, const char *path, struct opt *o)
{
	bool b = false;
	int rc;
	if (f->type == FT_OPTBOOL) {
		rc = cj_bool(cj, v, path, &b);
		o->v = b;
	} else if (f->type == FT_OPTDUR) {
		rc = cj_duration(cj, v, path, &o->v);
	} else {
		rc = cj_int(cj, v, path, &o->v);
	}
	o->set = rc == ERR_OK;
	return rc;
}

static int cj_scalar(const struct config_json *cj, const struct schema_field *f,
                     const json_t *v, const char *path, char *p)
{
	switch (f->type) {
	case FT_STR: return cj_string(cj, v, path, (char **)p);
	case FT_BOOL: return cj_bool(cj, v, path, (bool *)p);
	case FT_INT: return cj_int(cj, v, path, (int64_t *)p);
	case FT_FLOAT: return cj_float(cj, v, path, (double *)p);
	case FT_DUR: return cj_duration(cj, v, path, (int64_t *)p);
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR: return cj_opt(cj, f, v, path, (struct opt *)p);
	case FT_STRLIST: return cj_strlist(cj, v, path, (struct strlist *)p);
	case FT_STRMAP: return cj_strmap(cj, v, path, (struct strmap *)p);
	case FT_VALUE: return cj_value(cj, v, path, (struct value *)p);
	default: return cj_fail(cj, path, "this key cannot be set from JSON");
	}
}

static int cj_body(const struct config_json *cj, const struct schema *s,
                   void *obj, const json_t *j, const char *path);

/* `"plugin": {"docker": {...}, "exec": [{...}]}` or a list of such
 * objects. */
static int cj_labelled(const struct config_json *cj,
                       const struct schema_field *f, void *listp,
                       const json_t *j, const char *path)
{
	const struct schema_field *lf = config_label_field(f->sub);
	const char *key;
	const json_t *body;
	size_t i;
	char sub[256];
	int rc = ERR_OK;
	if (json_is_array(j)) {
		json_array_foreach(j, i, body)
		{
			rc = cj_labelled(cj, f, listp, body, path);
			if (rc != ERR_OK)
				return rc;
		}
		return ERR_OK;
	}
	if (!json_is_object(j))
		return cj_fail(cj, path, "an object is required, got %s",
		               cj_kind(j));
	json_object_foreach((json_t *)j, key, body)
	{
		char *e = config_list_grow(listp, f->sub->size);
		if (e == NULL)
			return cj_oom(cj);
		*(char **)(e + lf->off) = mem_strdup(key);
		if (*(char **)(e + lf->off) == NULL)
			return cj_oom(cj);
		snprintf(sub, sizeof sub, "%s \"%s\"", path, key);
		rc = cj_body(cj, f->sub, e, body, sub);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int cj_field(const struct config_json *cj, const struct schema_field *f,
                    void *obj, const json_t *v, const char *path)
{
	char *p = (char *)obj + f->off;
	if (json_is_null(v))
		return ERR_OK;
	switch (f->type) {
	case FT_STRUCT: return cj_body(cj, f->sub, p, v, path);
	case FT_LIST:
		if (config_label_field(f->sub) != NULL)
			return cj_labelled(cj, f, p, v, path);
		p = config_list_grow(p, f->sub->size);
		return p == NULL ? cj_oom(cj) : cj_body(cj, f->sub, p, v, path);
	default: return cj_scalar(cj, f, v, path, p);
	}
}

static int cj_body(const struct config_json *cj, const struct schema *s,
                   void *obj, const json_t *j, const char *path)
{
	const char *key;
	const json_t *v;
	size_t i;
	char sub[256];
	int rc = ERR_OK;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
		{
			rc = cj_body(cj, s, obj, v, path);
			if (rc != ERR_OK)
				return rc;
		}
		return ERR_OK;
	}
	if (!json_is_object(j))
		return cj_fail(cj, path, "an object is required, got %s",
		               cj_kind(j));
	json_object_foreach((json_t *)j, key, v)
	{
		const struct schema_field *f = config_field_by_hcl(s, key);
		if (f == NULL)
			return cj_fail(cj, path, "unsupported key \"%s\"", key);
		snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "",
		         key);
		rc = cj_field(cj, f, obj, v, sub);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static int config_parse_json(const char *filename, const char *src, size_t len,
                             struct agent_config *out, struct err *e)
{
	struct config_json cj = {.filename = filename, .e = e};
	json_error_t jerr;
	json_t *root = json_loadb(src, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc;
	if (root == NULL)
		return err_set(e, ERR_PARSE, "%s:%d:%d: %s", filename,
		               jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root))
		rc = cj_fail(&cj, "", "the configuration must be an object");
	else
		rc = cj_body(&cj, &agent_config_schema, out, root, "");
	json_decref(root);
	return rc;
}

static bool config_is_json(const char *filename, const char *src, size_t len)
{
	size_t n = strlen(filename);
	if (n >= 5 && strcmp(filename + n - 5, ".json") == 0)
		return true;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' ||
		    src[i] == '\r')
			continue;
		return src[i] == '{';
	}
	return false;
}

int config_parse(const char *filename, const char *src, size_t len,
                 struct agent_config *out, struct err *e)
{
	int rc;
	if (len > CONFIG_MAX_FILE)
		return err_set(
		    e, ERR_TOOBIG,
		    "%s:1:1: configuration is %zu bytes, larger than "
		    "the %u byte limit",
		    filename, len, CONFIG_MAX_FILE);
	if (config_is_json(filename, src, len))
		rc = config_parse_json(filename, src, len, out, e);
	else
		rc = config_parse_hcl(filename, src, len, out, e);
	if (rc != ERR_OK)
		config_release(out);
	return rc;
}

/* ---- files and directories --------------------------------------------- */

static int config_io_error(struct err *e, const char *path, int errnum)
{
	char why[128];
	snprintf(why, sizeof why, "%s", strerror(errnum));
	if (why[0] >= 'A' && why[0] <= 'Z')
		why[0] = (char)(why[0] - 'A' + 'a');
	return err_set(e, ERR_IO, "%s: %s", path, why);
}

/* Parses one file and merges it over out. */
static int config_load_file(const char *path, struct agent_config *out,
                            struct err *e)
{
	struct agent_config one = {0};
	char *src = NULL;
	size_t len = 0;
	int rc = jobspec_read_file(path, CONFIG_MAX_FILE, &src, &len, e);
	if (rc != ERR_OK)
		return rc;
	rc = config_parse(path, src, len, &one, e);
	mem_free(src);
	if (rc != ERR_OK)
		return rc;
	if (strlist_push(&one.files, path) != 0 ||
	    config_merge(out, &one) != ERR_OK)
		rc = err_set(e, ERR_NOMEM, "%s: out of memory", path);
	config_release(&one);
	return rc;
}

/* Editor leftovers, as Nomad's isTemporaryFile: vim's "x~", emacs's ".#x"
 * and "#x#". */
static bool config_wanted_name(const char *name)
{
	size_t n = strlen(name);
	bool hcl = n > 4 && strcmp(name + n - 4, ".hcl") == 0;
	bool json = n > 5 && strcmp(name + n - 5, ".json") == 0;
	if (!hcl && !json)
		return false;
	if (strncmp(name, ".#", 2) == 0)
		return false;
	return !(name[0] == '#' && name[n - 1] == '#');
}

static int config_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular *.hcl / *.json files of dir, sorted. */
static int config_dir_files(const char *dir, struct strlist *files,
                            struct err *e)
{
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);
	if (d == NULL)
		return config_io_error(e, dir, errno);
	while ((de = readdir(d)) != NULL) {
		char *path;
		if (!config_wanted_name(de->d_name))
			continue;
		path = mem_asprintf("%s/%s", dir, de->d_name);
		if (path == NULL) {
			closedir(d);
			return err_set(e, ERR_NOMEM, "%s: out of memory", dir);
		}
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    strlist_push(files, path) != 0) {
			mem_free(path);
			closedir(d);
			return err_set(e, ERR_NOMEM, "%s: out of memory", dir);
		}
		mem_free(path);
	}
	closedir(d);
	if (files->n > 1)
		qsort(files->v, files->n, sizeof *files->v, config_cmp_str);
	return ERR_OK;
}

static int config_load_dir(const char *dir, struct agent_config *out,
                           struct err *e)
{
	struct strlist files = {0};
	int rc = config_dir_files(dir, &files, e);
	for (size_t i = 0; i < files.n && rc == ERR_OK; i++)
		rc = config_load_file(files.v[i], out, e);
	strlist_release(&files);
	return rc;
}

int config_parse_path(const char *path, struct agent_config *out, struct err *e)
{
	struct stat st;
	int rc;
	if (stat(path, &st) != 0)
		return config_io_error(e, path, errno);
	if (S_ISDIR(st.st_mode))
		rc = config_load_dir(path, out, e);
	else
		rc = config_load_file(path, out, e);
	if (rc != ERR_OK)
		config_release(out);
	return rc;
}

/* ---- merge --------------------------------------------------------------- */

/* Lists Nomad's Merge appends instead of replacing. */
static bool config_appends(const struct schema *s, const struct schema_field *f)
{
	static const struct {
		const struct schema *s;
		const char *name;
	} appends[] = {
	    {&agent_client_schema, "Servers"},
	    {&agent_server_schema, "RetryJoin"},
	    {&agent_server_schema, "StartJoin"},
	    {&agent_server_schema, "EnabledSchedulers"},
	    {&agent_config_schema, "Files"},
	};
	for (size_t i = 0; i < NELEM(appends); i++)
		if (appends[i].s == s && strcmp(appends[i].name, f->name) == 0)
			return true;
	return false;
}

static int config_merge_obj(const struct schema *s, void *dst, const void *src);

static int config_merge_strlist(struct strlist *d, const struct strlist *s,
                                bool append)
{
	struct strlist tmp = {0};
	if (s->n == 0)
		return ERR_OK;
	if (append) {
		for (size_t i = 0; i < s->n; i++)
			if (strlist_push(d, s->v[i]) != 0)
				return ERR_NOMEM;
		return ERR_OK;
	}
	if (strlist_copy(&tmp, s) != 0)
		return ERR_NOMEM;
	strlist_release(d);
	*d = tmp;
	return ERR_OK;
}

static int config_merge_strmap(struct strmap *d, const struct strmap *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (strmap_set(d, s->v[i].key, s->v[i].val) != 0)
			return ERR_NOMEM;
	return ERR_OK;
}

static int config_merge_value(struct value *d, const struct value *s)
{
	struct value tmp = {0};
	if (s->kind == VALUE_NULL)
		return ERR_OK;
	if (value_copy(&tmp, s) != 0)
		return ERR_NOMEM;
	value_release(d);
	*d = tmp;
	return ERR_OK;
}

static int config_merge_str(char **d, char *const *s)
{
	char *tmp;
	if (*s == NULL || (*s)[0] == '\0')
		return ERR_OK;
	tmp = mem_strdup(*s);
	if (tmp == NULL)
		return ERR_NOMEM;
	mem_free(*d);
	*d = tmp;
	return ERR_OK;
}

/* Element size and count of a {T *v; size_t n} list. */
static void *config_list_at(const void *listp, size_t esize, size_t i)
{
	return *(char *const *)listp + i * esize;
}

static size_t config_list_len(const void *listp)
{
	return *(const size_t *)((const char *)listp + sizeof(void *));
}

/* The element of a labelled list whose label is name, or NULL. */
static void *config_list_find(const struct schema *sub, const void *listp,
                              const char *name)
{
	const struct schema_field *lf = config_label_field(sub);
	for (size_t i = 0; i < config_list_len(listp); i++) {
		char *e = config_list_at(listp, sub->size, i);
		const char *label = *(char **)(e + lf->off);
		if (label != NULL && strcmp(label, name) == 0)
			return e;
	}
	return NULL;
}

/* Labelled elements (plugins, host volumes) merge by name: a plugin field
 * by field as Nomad's PluginConfig.Merge, a host volume replaced whole as
 * HostVolumeSliceMerge; unlabelled lists append. */
static int config_merge_list(const struct schema *sub, void *d, const void *s)
{
	const struct schema_field *lf = config_label_field(sub);
	for (size_t i = 0; i < config_list_len(s); i++) {
		const char *se = config_list_at(s, sub->size, i);
		const char *label = lf ? *(char *const *)(se + lf->off) : NULL;
		char *de = label ? config_list_find(sub, d, label) : NULL;
		if (de != NULL && sub != &agent_host_volume_schema) {
			if (config_merge_obj(sub, de, se) != ERR_OK)
				return ERR_NOMEM;
			continue;
		}
		if (de != NULL)
			schema_release(sub, de);
		else if ((de = config_list_grow(d, sub->size)) == NULL)
			return ERR_NOMEM;
		if (schema_copy(sub, de, se) != ERR_OK)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

static int config_merge_ptr(const struct schema *sub, void **d, void *const *s)
{
	if (*s == NULL)
		return ERR_OK;
	if (*d != NULL)
		return config_merge_obj(sub, *d, *s);
	*d = mem_calloc(1, sub->size);
	if (*d == NULL)
		return ERR_NOMEM;
	return schema_copy(sub, *d, *s);
}

static int config_merge_field(const struct schema *s,
                              const struct schema_field *f, char *d,
                              const char *sp)
{
	switch (f->type) {
	case FT_STR: return config_merge_str((char **)d, (char *const *)sp);
	case FT_BOOL:
		if (*(const bool *)sp)
			*(bool *)d = true;
		return ERR_OK;
	case FT_INT:
	case FT_UINT:
	case FT_DUR:
	case FT_NSTIME:
	case FT_TIME:
		if (*(const int64_t *)sp != 0)
			*(int64_t *)d = *(const int64_t *)sp;
		return ERR_OK;
	case FT_FLOAT:
		if (*(const double *)sp != 0.0)
			*(double *)d = *(const double *)sp;
		return ERR_OK;
	case FT_OPTBOOL:
	case FT_OPTINT:
	case FT_OPTDUR:
		if (((const struct opt *)sp)->set)
			*(struct opt *)d = *(const struct opt *)sp;
		return ERR_OK;
	case FT_STRLIST:
		return config_merge_strlist((struct strlist *)d,
		                            (const struct strlist *)sp,
		                            config_appends(s, f));
	case FT_STRMAP:
		return config_merge_strmap((struct strmap *)d,
		                           (const struct strmap *)sp);
	case FT_VALUE:
		return config_merge_value((struct value *)d,
		                          (const struct value *)sp);
	case FT_STRUCT: return config_merge_obj(f->sub, d, sp);
	case FT_PTR:
		return config_merge_ptr(f->sub, (void **)d, (void *const *)sp);
	case FT_LIST: return config_merge_list(f->sub, d, sp);
	default: return ERR_INTERNAL;
	}
}

static int config_merge_obj(const struct schema *s, void *dst, const void *src)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];
		int rc = config_merge_field(s, f, (char *)dst + f->off,
		                            (const char *)src + f->off);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

int config_merge(struct agent_config *dst, const struct agent_config *src)
{
	return config_merge_obj(&agent_config_schema, dst, src);
}

/* ---- defaults ------------------------------------------------------------ */

static int config_default_strings(struct agent_config *c, const char *host)
{
	struct {
		char **dst;
		const char *val;
	} strs[] = {
	    {&c->region, "global"},
	    {&c->datacenter, "dc1"},
	    {&c->name, host},
	    {&c->bind_addr, "0.0.0.0"},
	    {&c->log_level, "INFO"},
	    {&c->syslog_facility, "LOCAL0"},
	    {&c->client.node_pool, "default"},
	};
	for (size_t i = 0; i < NELEM(strs); i++) {
		*strs[i].dst = mem_strdup(strs[i].val);
		if (*strs[i].dst == NULL)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

static struct opt config_opt(int64_t v)
{
	struct opt o = {.set = true, .v = v};
	return o;
}

static void config_default_server(struct agent_server *s, long ncpu)
{
	s->raft_protocol = 3;
	s->raft_multiplier = config_opt(1);
	s->num_schedulers = config_opt(ncpu > 0 ? ncpu : 1);
	s->node_gc_threshold = 24 * STIME_NS_PER_HOUR;
	s->job_gc_interval = 5 * STIME_NS_PER_MIN;
	s->job_gc_threshold = 4 * STIME_NS_PER_HOUR;
	s->eval_gc_threshold = STIME_NS_PER_HOUR;
	s->batch_eval_gc_threshold = 24 * STIME_NS_PER_HOUR;
	s->deployment_gc_threshold = STIME_NS_PER_HOUR;
	s->heartbeat_grace = 10 * STIME_NS_PER_S;
	s->min_heartbeat_ttl = 10 * STIME_NS_PER_S;
	s->max_heartbeats_per_second = 50.0;
	/* Nomad waits 5 minutes; a new leader here re-arms every node's timer
	 * with 30 s so lost nodes are noticed within a minute. */
	s->failover_heartbeat_ttl = 30 * STIME_NS_PER_S;
	s->server_join.retry_interval = 30 * STIME_NS_PER_S;
	s->raft_snapshot_threshold = config_opt(8192);
	s->raft_snapshot_interval = config_opt(120 * STIME_NS_PER_S);
	s->raft_trailing_logs = config_opt(10240);
	s->job_default_priority = config_opt(50);
	s->job_max_priority = config_opt(100);
	s->job_max_count = config_opt(50000);
}

static void config_default_client(struct agent_client *c)
{
	c->max_kill_timeout = 30 * STIME_NS_PER_S;
	c->min_dynamic_port = 20000;
	c->max_dynamic_port = 32000;
	c->gc_interval = STIME_NS_PER_MIN;
	c->gc_parallel_destroys = 2;
	c->gc_disk_usage_threshold = 80;
	c->gc_inode_usage_threshold = 70;
	c->gc_max_allocs = 50;
	c->no_host_uuid = config_opt(true);
	c->server_join.retry_interval = 30 * STIME_NS_PER_S;
}

int config_defaults(struct agent_config *c)
{
	char host[256] = "localhost";
	if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	if (config_default_strings(c, host) != ERR_OK) {
		config_release(c);
		return ERR_NOMEM;
	}
	c->ports.http = 4646;
	c->ports.rpc = 4647;
	c->ports.serf = 4648;
	c->disable_update_check = config_opt(false);
	c->acl.token_ttl = 30 * STIME_NS_PER_S;
	c->acl.policy_ttl = 30 * STIME_NS_PER_S;
	c->acl.role_ttl = 30 * STIME_NS_PER_S;
	c->acl.token_min_expiration_ttl = STIME_NS_PER_MIN;
	c->acl.token_max_expiration_ttl = 24 * STIME_NS_PER_HOUR;
	config_default_server(&c->server, sysconf(_SC_NPROCESSORS_ONLN));
	config_default_client(&c->client);
	return ERR_OK;
}

/* ---- validation -------------------------------------------------------- */

static bool config_streq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static void config_check_port(struct errlist *errs, const char *name,
                              int64_t port, int64_t min)
{
	if (port < min || port > 65535)
		errlist_add(errs,
		            "%s: %" PRId64 " is not a valid port (%" PRId64
		            "-65535)",
		            name, port, min);
}

static void config_check_nonneg(struct errlist *errs, const char *name,
                                int64_t v)
{
	if (v < 0)
		errlist_add(errs, "%s: must not be negative, got %" PRId64,
		            name, v);
}

static void config_check_abs(struct errlist *errs, const char *name,
                             const char *dir)
{
	if (dir != NULL && dir[0] != '\0' && dir[0] != '/')
		errlist_add(errs, "%s: must be an absolute path, got \"%s\"",
		            name, dir);
}

static void config_check_range(struct errlist *errs, const char *name,
                               const struct opt *o, int64_t lo, int64_t hi)
{
	if (o->set && (o->v < lo || o->v > hi))
		errlist_add(errs,
		            "%s: must be between %" PRId64 " and %" PRId64
		            ", got %" PRId64,
		            name, lo, hi, o->v);
}

static void config_validate_agent(const struct agent_config *c,
                                  struct errlist *errs)
{
	enum log_level lvl;
	const char *ll = c->log_level;
	if (ll != NULL && ll[0] != '\0' && log_level_parse(ll, &lvl) != 0)
		errlist_add(errs,
		            "log_level: invalid log level \"%s\"; valid levels "
		            "are TRACE, DEBUG, INFO, WARN, ERROR, OFF",
		            ll);
	config_check_port(errs, "ports.http", c->ports.http, 1);
	config_check_port(errs, "ports.rpc", c->ports.rpc, 1);
	config_check_port(errs, "ports.serf", c->ports.serf, 1);
	config_check_abs(errs, "data_dir", c->data_dir);
	config_check_abs(errs, "plugin_dir", c->plugin_dir);
	config_check_nonneg(errs, "acl.token_ttl", c->acl.token_ttl);
	config_check_nonneg(errs, "acl.policy_ttl", c->acl.policy_ttl);
	config_check_nonneg(errs, "acl.role_ttl", c->acl.role_ttl);
	for (size_t i = 0; i < c->plugins.n; i++)
		for (size_t j = 0; j < i; j++)
			if (config_streq(c->plugins.v[i].name,
			                 c->plugins.v[j].name))
				errlist_add(errs,
				            "plugin \"%s\": defined twice",
				            c->plugins.v[i].name);
}

static void config_validate_raft(const struct agent_server *s,
                                 struct errlist *errs)
{
	if (s->raft_protocol != 0 && s->raft_protocol != 3)
		errlist_add(errs,
		            "server.raft_protocol: must be 3, got %" PRId64,
		            s->raft_protocol);
	config_check_range(errs, "server.raft_multiplier", &s->raft_multiplier,
	                   1, 10);
	if (s->raft_snapshot_threshold.set)
		config_check_nonneg(errs, "server.raft_snapshot_threshold",
		                    s->raft_snapshot_threshold.v);
	if (s->raft_trailing_logs.set)
		config_check_nonneg(errs, "server.raft_trailing_logs",
		                    s->raft_trailing_logs.v);
	if (s->raft_snapshot_interval.set &&
	    s->raft_snapshot_interval.v <= 5 * STIME_NS_PER_MS)
		errlist_add(errs, "server.raft_snapshot_interval: must be "
		                  "greater than 5ms");
}

static void config_validate_server(const struct agent_server *s,
                                   struct errlist *errs)
{
	int64_t max_prio =
	    s->job_max_priority.set ? s->job_max_priority.v : 100;
	config_check_nonneg(errs, "server.bootstrap_expect",
	                    s->bootstrap_expect);
	if (s->bootstrap_expect > 0 && !s->enabled)
		errlist_add(errs, "server.bootstrap_expect: bootstrap requires "
		                  "server mode to be enabled");
	config_validate_raft(s, errs);
	if (s->num_schedulers.set)
		config_check_nonneg(errs, "server.num_schedulers",
		                    s->num_schedulers.v);
	config_check_range(errs, "server.job_max_priority",
	                   &s->job_max_priority, 100, 32766);
	config_check_range(errs, "server.job_default_priority",
	                   &s->job_default_priority, 50, max_prio);
	if (s->job_max_count.set)
		config_check_nonneg(errs, "server.job_max_count",
		                    s->job_max_count.v);
	config_check_nonneg(errs, "server.heartbeat_grace", s->heartbeat_grace);
	config_check_nonneg(errs, "server.min_heartbeat_ttl",
	                    s->min_heartbeat_ttl);
	config_check_nonneg(errs, "server.failover_heartbeat_ttl",
	                    s->failover_heartbeat_ttl);
	if (s->max_heartbeats_per_second < 0)
		errlist_add(errs,
		            "server.max_heartbeats_per_second: must not be "
		            "negative");
	config_check_abs(errs, "server.data_dir", s->data_dir);
}

/* "1,100,10-12" */
static bool config_port_ranges_ok(const char *s)
{
	while (*s != '\0') {
		char *end;
		long lo, hi;
		while (*s == ' ')
			s++;
		lo = strtol(s, &end, 10);
		if (end == s || lo < 0 || lo > 65535)
			return false;
		hi = lo;
		s = end;
		if (*s == '-') {
			hi = strtol(s + 1, &end, 10);
			if (end == s + 1 || hi < lo || hi > 65535)
				return false;
			s = end;
		}
		while (*s == ' ')
			s++;
		if (*s != ',' && *s != '\0')
			return false;
		if (*s == ',' && *++s == '\0')
			return false;
	}
	return true;
}

static bool config_pool_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 128)
		return false;
	for (; *name != '\0'; name++)
		if (!((*name >= 'a' && *name <= 'z') ||
		      (*name >= 'A' && *name <= 'Z') ||
		      (*name >= '0' && *name <= '9') || *name == '-' ||
		      *name == '_'))
			return false;
	return true;
}

static void config_validate_client_res(const struct agent_client *c,
                                       struct errlist *errs)
{
	const char *rp = c->reserved.reserved_ports;
	config_check_nonneg(errs, "client.reserved.cpu", c->reserved.cpu);
	config_check_nonneg(errs, "client.reserved.memory",
	                    c->reserved.memory_mb);
	config_check_nonneg(errs, "client.reserved.disk", c->reserved.disk_mb);
	if (rp != NULL && rp[0] != '\0' && !config_port_ranges_ok(rp))
		errlist_add(errs,
		            "client.reserved.reserved_ports: invalid port "
		            "ranges \"%s\"",
		            rp);
	for (size_t i = 0; i < c->host_volumes.n; i++) {
		const struct agent_host_volume *hv = &c->host_volumes.v[i];
		if (hv->path == NULL || hv->path[0] == '\0')
			errlist_add(errs,
			            "client.host_volume \"%s\": missing path",
			            hv->name);
		for (size_t j = 0; j < i; j++)
			if (config_streq(hv->name, c->host_volumes.v[j].name))
				errlist_add(
				    errs,
				    "client.host_volume \"%s\": defined "
				    "twice",
				    hv->name);
	}
}

static void config_validate_client(const struct agent_client *c,
                                   struct errlist *errs)
{
	const char *pool = c->node_pool;
	config_check_port(errs, "client.min_dynamic_port", c->min_dynamic_port,
	                  0);
	config_check_port(errs, "client.max_dynamic_port", c->max_dynamic_port,
	                  0);
	if (c->min_dynamic_port > c->max_dynamic_port)
		errlist_add(errs,
		            "client.min_dynamic_port: %" PRId64 " is greater "
		            "than client.max_dynamic_port %" PRId64,
		            c->min_dynamic_port, c->max_dynamic_port);
	if (pool != NULL && pool[0] != '\0' && !config_pool_name_ok(pool))
		errlist_add(errs,
		            "client.node_pool: invalid node pool name \"%s\": "
		            "must match ^[a-zA-Z0-9-_]{1,128}$",
		            pool);
	else if (pool != NULL && strcmp(pool, "all") == 0)
		errlist_add(errs,
		            "client.node_pool: a node may not register in "
		            "node pool \"all\"");
	config_check_abs(errs, "client.state_dir", c->state_dir);
	config_check_abs(errs, "client.alloc_dir", c->alloc_dir);
	config_check_nonneg(errs, "client.max_kill_timeout",
	                    c->max_kill_timeout);
	config_check_nonneg(errs, "client.gc_max_allocs", c->gc_max_allocs);
	config_validate_client_res(c, errs);
}

int config_validate(const struct agent_config *c, struct errlist *errs)
{
	size_t before = errs->n;
	config_validate_agent(c, errs);
	config_validate_server(&c->server, errs);
	config_validate_client(&c->client, errs);
	return errs->n > before ? ERR_VALIDATE : ERR_OK;
}
