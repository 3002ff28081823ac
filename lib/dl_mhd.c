/* lib/dl_mhd.c: libmicrohttpd, loaded when an agent starts its HTTP API
 * (see lib/dl.h): a task's executor, the CLI and the tools never map it
 * nor the GnuTLS it brings. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "lib/dl_int.h"

#define MHD_FNS(X)                                            \
	X(MHD_start_daemon_va)                                \
	X(MHD_stop_daemon)                                    \
	X(MHD_quiesce_daemon)                                 \
	X(MHD_run)                                            \
	X(MHD_get_timeout)                                    \
	X(MHD_get_daemon_info)                                \
	X(MHD_get_connection_info)                            \
	X(MHD_get_connection_values)                          \
	X(MHD_suspend_connection)                             \
	X(MHD_resume_connection)                              \
	X(MHD_queue_response)                                 \
	X(MHD_create_response_from_buffer)                    \
	X(MHD_create_response_from_buffer_with_free_callback) \
	X(MHD_create_response_from_callback)                  \
	X(MHD_add_response_header)                            \
	X(MHD_destroy_response)

/* GnuTLS, which libmicrohttpd links, initialises itself as it is loaded
 * (its constructor, then libmicrohttpd's calling gnutls_global_init):
 * about 1 MB of code and tables paged in for TLS, which steppe's HTTP API
 * does not serve. The two functions below, exported from the executable
 * (the Makefile's --export-dynamic-symbol), are found before GnuTLS's own:
 * the first is GnuTLS's documented opt-out (GNUTLS_SKIP_GLOBAL_INIT in
 * <gnutls/gnutls.h>); the second answers libmicrohttpd's call while it is
 * being loaded and passes any other call (a library that does use TLS)
 * to the real one. */
static _Thread_local bool dl_mhd_opening;

int _gnutls_global_init_skip(void);
int gnutls_global_init(void);

int _gnutls_global_init_skip(void)
{
	return 1;
}

int gnutls_global_init(void)
{
	void *h, *real;
	int (*init)(void);
	if (dl_mhd_opening)
		return 0;
	h = dlopen("libgnutls.so.30", RTLD_LAZY | RTLD_NOLOAD);
	real = h != NULL ? dlsym(h, "gnutls_global_init") : NULL;
	if (real == NULL)
		return -1; /* no GnuTLS loaded: nothing to initialise */
	memcpy(&init, &real, sizeof init);
	return init();
}

static void dl_mhd_around(bool opening)
{
	dl_mhd_opening = opening;
}

DL_TABLE(MHD_FNS)
DL_LIBRARY(mhd, "libmicrohttpd.so.12", "libmicrohttpd12",
           .around = dl_mhd_around)

typedef struct MHD_Daemon *dl_d;
typedef struct MHD_Connection *dl_c;
typedef struct MHD_Response *dl_r;

DL_FWD_FREE(MHD_stop_daemon, dl_d)
DL_FWD(MHD_socket, MHD_quiesce_daemon, MHD_INVALID_SOCKET, (dl_d d), (d))
DL_FWD(enum MHD_Result, MHD_run, MHD_NO, (dl_d d), (d))
DL_FWD(enum MHD_Result, MHD_get_timeout, MHD_NO,
       (dl_d d, MHD_UNSIGNED_LONG_LONG *t), (d, t))
DL_FWD(int, MHD_get_connection_values, 0,
       (dl_c c, enum MHD_ValueKind k, MHD_KeyValueIterator it, void *data),
       (c, k, it, data))
DL_FWD_VOID(MHD_suspend_connection, (dl_c c), (c))
DL_FWD_VOID(MHD_resume_connection, (dl_c c), (c))
DL_FWD(enum MHD_Result, MHD_queue_response, MHD_NO,
       (dl_c c, unsigned status, dl_r r), (c, status, r))
DL_FWD(dl_r, MHD_create_response_from_buffer, NULL,
       (size_t n, void *buf, enum MHD_ResponseMemoryMode mode), (n, buf, mode))
DL_FWD(dl_r, MHD_create_response_from_buffer_with_free_callback, NULL,
       (size_t n, void *buf, MHD_ContentReaderFreeCallback fr), (n, buf, fr))
DL_FWD(dl_r, MHD_create_response_from_callback, NULL,
       (uint64_t n, size_t block, MHD_ContentReaderCallback cb, void *data,
        MHD_ContentReaderFreeCallback fr),
       (n, block, cb, data, fr))
DL_FWD(enum MHD_Result, MHD_add_response_header, MHD_NO,
       (dl_r r, const char *name, const char *value), (r, name, value))
DL_FWD_FREE(MHD_destroy_response, dl_r)

struct MHD_Daemon *MHD_start_daemon(unsigned flags, uint16_t port,
                                    MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls,
                                    ...)
{
	struct MHD_Daemon *d = NULL;
	va_list ap;
	if (!dl_ready())
		return NULL;
	va_start(ap, dh_cls);
	d = fn.MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

/* The information steppe asks for (client address, connection fd, epoll
 * fd) takes no further argument. */
const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c,
                        enum MHD_ConnectionInfoType type, ...)
{
	return dl_ready() ? fn.MHD_get_connection_info(c, type) : NULL;
}

const union MHD_DaemonInfo *
MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType type, ...)
{
	return dl_ready() ? fn.MHD_get_daemon_info(d, type) : NULL;
}
