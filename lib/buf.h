/* lib/buf.h: a growable byte buffer.
 *
 * Value type: buf_init / buf_release. Appends never fail loudly: on
 * allocation failure the buffer sets `oom` and ignores later appends, so a
 * caller builds a whole message and checks once at the end. The data is
 * always NUL-terminated after any append (buf_cstr). */
#ifndef STEPPE_LIB_BUF_H
#define STEPPE_LIB_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Keeps the allocation, sets len to 0 and clears oom. */
void buf_reset(struct buf *b);
/* Makes room for n more bytes; returns 0 or ERR_NOMEM (and sets oom). */
int buf_reserve(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *data, size_t n);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
void buf_appendf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vappendf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Appends s as a quoted JSON string with escapes. */
void buf_append_json_string(struct buf *b, const char *s);
/* "" when empty; never NULL. */
const char *buf_cstr(const struct buf *b);
/* Transfers the data to the caller (free with mem_free) and re-inits b.
 * Returns NULL on oom (and releases b). Never NULL otherwise. */
char *buf_steal(struct buf *b, size_t *len);

#endif
