/* cli/flags.h: Go-style command-line flags, as Nomad's commands take them.
 *
 * `-name value`, `-name=value`, `--name` works too; booleans are `-name`
 * or `-name=true|false`. Parsing stops at the first argument that is not a
 * flag, or after `--`. Repeatable flags (-var a=1 -var b=2) collect into a
 * list. `-help`, `-h` and `--help` are recognised by every command. */
#ifndef STEPPE_CLI_FLAGS_H
#define STEPPE_CLI_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum flag_kind { FLAG_BOOL, FLAG_STRING, FLAG_INT, FLAG_LIST };

/* A list flag's values point into argv: nothing to free but `v`. */
struct flag_list {
	const char **v;
	size_t n;
};

struct flag {
	const char *name; /* without the dash */
	enum flag_kind kind;
	void *dst; /* bool *, const char **, int64_t *, struct flag_list * */
};

enum flag_result { FLAGS_OK, FLAGS_HELP, FLAGS_ERROR };

/* Parses argv[0..argc) against flags (terminated by a {NULL} entry).
 * On FLAGS_OK, *rest and *nrest are the remaining positional arguments. On
 * FLAGS_ERROR a message naming the flag is printed to stderr ("flag
 * provided but not defined: -x"). Lists are freed with flags_release. */
enum flag_result flags_parse(const struct flag *flags, int argc,
			     char **argv, char ***rest, int *nrest);

/* Frees the storage of every FLAG_LIST in flags. */
void flags_release(const struct flag *flags);

#endif
