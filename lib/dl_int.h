/* lib/dl_int.h: the loader behind lib/dl_<library>.c (see lib/dl.h).
 *
 * A dl_<library>.c lists the functions it forwards once, in an X-macro,
 * and gets from it a table of pointers typed after the header's
 * prototypes, the symbol names with their offsets in that table, and a
 * struct dl_lib naming the file: */
#ifndef STEPPE_LIB_DL_INT_H
#define STEPPE_LIB_DL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/dl.h"

struct dl_sym {
	const char *name;
	size_t off; /* of the pointer in the library's table */
};

struct dl_lib {
	const char *soname;  /* "libcurl.so.4" */
	const char *package; /* the Debian package with the file */
	const struct dl_sym *syms;
	size_t nsyms;
	void *fns; /* the table syms point into */
	/* Optional: called with true just before dlopen, false after. */
	void (*around)(bool opening);
	pthread_once_t once;
	bool ok;
	bool told;     /* the failure has been logged */
	char why[400]; /* why loading failed */
};

/* Opens lib->soname and fills lib->fns; sets lib->ok, else lib->why.
 * Called once, through pthread_once. */
void dl_lib_open(struct dl_lib *lib);

/* ERR_UNSUPPORTED into e, naming the file and its package. */
int dl_lib_err(const struct dl_lib *lib, struct err *e);

/* Logs (once per library) why it could not be loaded. */
void dl_lib_complain(struct dl_lib *lib);

/* In a dl_<library>.c, with LIST(X) naming the functions:
 *   DL_TABLE(LIST)
 *   DL_LIBRARY(curl, "libcurl.so.4", "libcurl4")
 * declare `fn` (the table), `dl_lib`, `dl_ready()` (true once loaded; for
 * the forwarders) and define dl_curl_load. More struct dl_lib fields may
 * follow the package: DL_LIBRARY(x, "libx.so.1", "libx1", .around = f). */
#define DL_SLOT(name) __typeof__(name) *name;
#define DL_SYM(name)  {#name, offsetof(__typeof__(fn), name)},
#define DL_TABLE(LIST)        \
	static struct {       \
		LIST(DL_SLOT) \
	} fn;                 \
	static const struct dl_sym dl_syms[] = {LIST(DL_SYM)};
#define DL_LIBRARY(prefix, so, pkg, ...)                                       \
	static struct dl_lib dl_lib = {.soname = so,                           \
	                               .package = pkg,                         \
	                               .syms = dl_syms,                        \
	                               .nsyms =                                \
	                                   sizeof dl_syms / sizeof dl_syms[0], \
	                               .fns = &fn,                             \
	                               .once = PTHREAD_ONCE_INIT,              \
	                               __VA_ARGS__};                           \
	static void dl_open_once(void)                                         \
	{                                                                      \
		dl_lib_open(&dl_lib);                                          \
	}                                                                      \
	static bool dl_ready(void)                                             \
	{                                                                      \
		pthread_once(&dl_lib.once, dl_open_once);                      \
		if (!dl_lib.ok)                                                \
			dl_lib_complain(&dl_lib);                              \
		return dl_lib.ok;                                              \
	}                                                                      \
	int dl_##prefix##_load(struct err *e)                                  \
	{                                                                      \
		pthread_once(&dl_lib.once, dl_open_once);                      \
		return dl_lib.ok ? ERR_OK : dl_lib_err(&dl_lib, e);            \
	}

/* A forwarder returning what the library returns, or fail when it is
 * missing; a void one. */
#define DL_FWD(ret, name, fail, params, args)            \
	ret name params                                  \
	{                                                \
		return dl_ready() ? fn.name args : fail; \
	}
#define DL_FWD_VOID(name, params, args) \
	void name params                \
	{                               \
		if (dl_ready())         \
			fn.name args;   \
	}
/* For the functions that free what the library made: a NULL pointer
 * came from no library, so it loads none (a getter without a checksum
 * frees its NULL digest context). */
#define DL_FWD_FREE(name, type)              \
	void name(type p)                    \
	{                                    \
		if (p != NULL && dl_ready()) \
			fn.name(p);          \
	}

#endif
