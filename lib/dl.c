#include "lib/dl_int.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"

void dl_lib_open(struct dl_lib *lib)
{
	/* RTLD_LOCAL: nothing loaded later binds to these by accident. */
	void *h;
	const char *why;
	if (lib->around != NULL)
		lib->around(true);
	h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (lib->around != NULL)
		lib->around(false);
	if (h == NULL) {
		why = dlerror();
		snprintf(lib->why, sizeof lib->why, "%s",
		         why != NULL ? why : lib->soname);
		return;
	}
	for (size_t i = 0; i < lib->nsyms; i++) {
		void *p = dlsym(h, lib->syms[i].name);
		if (p == NULL) {
			snprintf(lib->why, sizeof lib->why,
			         "%s: no function %s (too old?)", lib->soname,
			         lib->syms[i].name);
			return; /* stays mapped: it may be in use elsewhere */
		}
		/* POSIX: a void * from dlsym converts to the function's
		 * pointer type; memcpy keeps that out of ISO C's sight. */
		memcpy((char *)lib->fns + lib->syms[i].off, &p, sizeof p);
	}
	lib->ok = true;
}

int dl_lib_err(const struct dl_lib *lib, struct err *e)
{
	return err_set(e, ERR_UNSUPPORTED, "%s (apt install %s)", lib->why,
	               lib->package);
}

void dl_lib_complain(struct dl_lib *lib)
{
	if (!__atomic_exchange_n(&lib->told, true, __ATOMIC_RELAXED))
		LOG_ERROR("dl", "%s (apt install %s)", lib->why, lib->package);
}
