#include "lib/buf.h"

#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "lib/mem.h"

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void buf_release(struct buf *b)
{
	mem_free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;
	char *d;
	if (b->oom)
		return ERR_NOMEM;
	if (n > SIZE_MAX - b->len - 1)
		goto oom;
	need = b->len + n + 1;
	if (need <= b->cap)
		return ERR_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	d = mem_realloc(b->data, cap);
	if (d == NULL)
		goto oom;
	b->data = d;
	b->cap = cap;
	return ERR_OK;
oom:
	b->oom = true;
	return ERR_NOMEM;
}

void buf_append(struct buf *b, const void *data, size_t n)
{
	if (buf_reserve(b, n) != ERR_OK)
		return;
	if (n > 0)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_append_char(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_vappendf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || buf_reserve(b, (size_t)n) != ERR_OK)
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vappendf(b, fmt, ap);
	va_end(ap);
}

void buf_append_json_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	buf_append_char(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': buf_append_str(b, "\\\""); break;
		case '\\': buf_append_str(b, "\\\\"); break;
		case '\n': buf_append_str(b, "\\n"); break;
		case '\r': buf_append_str(b, "\\r"); break;
		case '\t': buf_append_str(b, "\\t"); break;
		default:
			if (*p < 0x20) {
				char esc[7] = {'\\', 'u', '0', '0',
					       hex[*p >> 4], hex[*p & 15], 0};
				buf_append_str(b, esc);
			} else {
				buf_append_char(b, (char)*p);
			}
		}
	}
	buf_append_char(b, '"');
}

const char *buf_cstr(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *buf_steal(struct buf *b, size_t *len)
{
	char *d;
	if (b->oom) {
		buf_release(b);
		return NULL;
	}
	if (b->data == NULL && buf_reserve(b, 0) != ERR_OK)
		return NULL;
	b->data[b->len] = '\0';
	d = b->data;
	if (len != NULL)
		*len = b->len;
	buf_init(b);
	return d;
}
