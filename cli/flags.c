#include "cli/flags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

static const struct flag *flags_find(const struct flag *flags, const char *name,
				     size_t len)
{
	for (const struct flag *f = flags; f->name != NULL; f++)
		if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
			return f;
	return NULL;
}

static int flags_list_push(struct flag_list *l, const char *v)
{
	const char **nv = mem_realloc(l->v, (l->n + 1) * sizeof *nv);
	if (nv == NULL)
		return -1;
	nv[l->n++] = v;
	l->v = nv;
	return 0;
}

static int flags_set_bool(const struct flag *f, const char *val)
{
	bool *dst = f->dst;
	if (val == NULL || strcmp(val, "true") == 0 || strcmp(val, "1") == 0) {
		*dst = true;
		return 0;
	}
	if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0) {
		*dst = false;
		return 0;
	}
	fprintf(stderr, "invalid boolean value \"%s\" for -%s\n", val, f->name);
	return -1;
}

static int flags_set(const struct flag *f, const char *val)
{
	char *end;
	switch (f->kind) {
	case FLAG_BOOL: return flags_set_bool(f, val);
	case FLAG_STRING: *(const char **)f->dst = val; return 0;
	case FLAG_INT:
		errno = 0;
		*(int64_t *)f->dst = strtoll(val, &end, 10);
		if (*val == '\0' || *end != '\0' || errno != 0) {
			fprintf(stderr, "invalid value \"%s\" for -%s: not an "
					"integer\n",
				val, f->name);
			return -1;
		}
		return 0;
	case FLAG_LIST:
		if (flags_list_push(f->dst, val) != 0) {
			fprintf(stderr, "out of memory\n");
			return -1;
		}
		return 0;
	}
	return -1;
}

static bool flags_is_help(const char *name, size_t len)
{
	return (len == 4 && strncmp(name, "help", 4) == 0) ||
	       (len == 1 && name[0] == 'h');
}

enum flag_result flags_parse(const struct flag *flags, int argc,
			     char **argv, char ***rest, int *nrest)
{
	int i = 0;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		const char *name = a + (a[1] == '-' ? 2 : 1);
		const char *eq = strchr(name, '=');
		size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if (flags_is_help(name, len))
			return FLAGS_HELP;
		const struct flag *f = flags_find(flags, name, len);
		if (f == NULL) {
			fprintf(stderr, "flag provided but not defined: -%.*s\n",
				(int)len, name);
			return FLAGS_ERROR;
		}
		const char *val = eq != NULL ? eq + 1 : NULL;
		if (val == NULL && f->kind != FLAG_BOOL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "flag needs an argument: -%s\n",
					f->name);
				return FLAGS_ERROR;
			}
			val = argv[++i];
		}
		if (flags_set(f, val) != 0)
			return FLAGS_ERROR;
	}
	*rest = argv + i;
	*nrest = argc - i;
	return FLAGS_OK;
}

void flags_release(const struct flag *flags)
{
	for (const struct flag *f = flags; f->name != NULL; f++) {
		if (f->kind == FLAG_LIST) {
			struct flag_list *l = f->dst;
			mem_free(l->v);
			l->v = NULL;
			l->n = 0;
		}
	}
}
