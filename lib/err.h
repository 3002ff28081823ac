/* lib/err.h: the project's one error table and contextual error messages.
 *
 * Every fallible function returns an int from enum err_code (0 = ok). Long
 * lived objects and multi-step operations carry a struct err whose message
 * gains context as it crosses layers:
 *   "decode job: group \"web\": task \"server\": missing driver".
 * Messages are lowercase, without a trailing full stop, names in quotes.
 * HTTP status codes are chosen only in api/. */
#ifndef STEPPE_LIB_ERR_H
#define STEPPE_LIB_ERR_H

#include <stddef.h>

#define ERR_TABLE(X)                                   \
	X(OK, "ok")                                    \
	X(NOMEM, "out of memory")                      \
	X(INVAL, "invalid argument")                   \
	X(PARSE, "parse error")                        \
	X(DECODE, "decode error")                      \
	X(VALIDATE, "validation failed")               \
	X(UNSUPPORTED, "not supported")                \
	X(NOTFOUND, "not found")                       \
	X(EXISTS, "already exists")                    \
	X(CONFLICT, "conflict")                        \
	X(TOOBIG, "too large")                         \
	X(IO, "i/o error")                             \
	X(DENIED, "permission denied")                 \
	X(NOLEADER, "no cluster leader")               \
	X(TIMEOUT, "timed out")                        \
	X(CLOSED, "closed")                            \
	X(INTERNAL, "internal error")

enum err_code {
#define ERR_ENUM(name, str) ERR_##name,
	ERR_TABLE(ERR_ENUM)
#undef ERR_ENUM
	ERR__COUNT
};

/* Static string for a code; never NULL. */
const char *err_str(int code);

#define ERR_MSG_MAX 1024

/* A code with a message. Value type: embed it, err_clear() it. */
struct err {
	int code;
	char msg[ERR_MSG_MAX];
};

/* Resets to ERR_OK with an empty message. */
void err_clear(struct err *e);

/* Sets code and a printf-style message; returns code so callers can
 * `return err_set(e, ERR_INVAL, "bad %s", x);`. e may be NULL. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the message with context and ": "; keeps the code. Returns the
 * code. A message that would overflow is truncated with "...". */
int err_wrap(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A list of messages, for validators that report every problem at once.
 * Value type: errlist_init / errlist_release. */
struct errlist {
	char **msgs;
	size_t n;
	size_t cap;
};

void errlist_init(struct errlist *l);
void errlist_release(struct errlist *l);
/* Appends one formatted message; on allocation failure the message is
 * dropped and l->oom is noted by an "out of memory" entry when possible. */
void errlist_add(struct errlist *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends every message of src with prefix + ": " before each. */
void errlist_add_prefixed(struct errlist *l, const char *prefix,
			  const struct errlist *src);
/* Joins into e as "N errors occurred:\n\t* a\n\t* b" (Nomad's multierror
 * wording) or the single message when n == 1; returns ERR_VALIDATE, or
 * ERR_OK when the list is empty. */
int errlist_to_err(const struct errlist *l, struct err *e);

#endif
