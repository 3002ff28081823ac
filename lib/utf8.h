/* lib/utf8.h: UTF-8 validation shared by the codecs. */
#ifndef STEPPE_LIB_UTF8_H
#define STEPPE_LIB_UTF8_H

#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 character at p, which has n bytes
 * left; 0 when it is not one (overlong forms, surrogates, beyond
 * U+10FFFF, truncated) or is NUL. n must be at least 1. */
size_t utf8_char(const unsigned char *p, size_t n);

#endif
