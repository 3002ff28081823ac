#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"

static const char *const err_strings[] = {
#define ERR_STR(name, str) str,
	ERR_TABLE(ERR_STR)
#undef ERR_STR
};

const char *err_str(int code)
{
	if (code < 0 || code >= ERR__COUNT)
		return "unknown error";
	return err_strings[code];
}

void err_clear(struct err *e)
{
	e->code = ERR_OK;
	e->msg[0] = '\0';
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;
	if (e == NULL)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

static void err_mark_truncated(char *buf, size_t size)
{
	if (size >= 4)
		memcpy(buf + size - 4, "...", 4);
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	char prefix[ERR_MSG_MAX];
	char old[ERR_MSG_MAX];
	va_list ap;
	int n;
	if (e == NULL)
		return ERR_INTERNAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	if (old[0] == '\0')
		n = snprintf(e->msg, sizeof e->msg, "%s", prefix);
	else
		n = snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
	if (n < 0 || (size_t)n >= sizeof e->msg)
		err_mark_truncated(e->msg, sizeof e->msg);
	return e->code;
}

void errlist_init(struct errlist *l)
{
	l->msgs = NULL;
	l->n = 0;
	l->cap = 0;
}

void errlist_release(struct errlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		mem_free(l->msgs[i]);
	mem_free(l->msgs);
	errlist_init(l);
}

static void errlist_push(struct errlist *l, char *msg)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **m = mem_realloc(l->msgs, cap * sizeof *m);
		if (m == NULL) {
			mem_free(msg);
			return;
		}
		l->msgs = m;
		l->cap = cap;
	}
	l->msgs[l->n++] = msg;
}

void errlist_add(struct errlist *l, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = mem_vasprintf(fmt, ap);
	va_end(ap);
	if (msg != NULL)
		errlist_push(l, msg);
}

void errlist_add_prefixed(struct errlist *l, const char *prefix,
			  const struct errlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		errlist_add(l, "%s: %s", prefix, src->msgs[i]);
}

int errlist_to_err(const struct errlist *l, struct err *e)
{
	size_t off;
	if (l->n == 0)
		return ERR_OK;
	if (l->n == 1)
		return err_set(e, ERR_VALIDATE, "%s", l->msgs[0]);
	err_set(e, ERR_VALIDATE, "%zu errors occurred:", l->n);
	off = strlen(e->msg);
	for (size_t i = 0; i < l->n && off < sizeof e->msg; i++) {
		int w = snprintf(e->msg + off, sizeof e->msg - off, "\n\t* %s",
				 l->msgs[i]);
		if (w < 0 || (size_t)w >= sizeof e->msg - off) {
			err_mark_truncated(e->msg, sizeof e->msg);
			break;
		}
		off += (size_t)w;
	}
	return ERR_VALIDATE;
}
