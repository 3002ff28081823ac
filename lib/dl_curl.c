/* lib/dl_curl.c: libcurl, loaded at first use (see lib/dl.h). */
#define CURL_DISABLE_TYPECHECK /* the setopt macros would hide the names */
#include <curl/curl.h>
#include <stdarg.h>

#include "lib/dl_int.h"

#define CURL_FNS(X)                 \
	X(curl_global_init)         \
	X(curl_global_cleanup)      \
	X(curl_easy_init)           \
	X(curl_easy_cleanup)        \
	X(curl_easy_reset)          \
	X(curl_easy_setopt)         \
	X(curl_easy_getinfo)        \
	X(curl_easy_perform)        \
	X(curl_easy_strerror)       \
	X(curl_slist_append)        \
	X(curl_slist_free_all)      \
	X(curl_multi_init)          \
	X(curl_multi_cleanup)       \
	X(curl_multi_setopt)        \
	X(curl_multi_add_handle)    \
	X(curl_multi_remove_handle) \
	X(curl_multi_perform)       \
	X(curl_multi_poll)          \
	X(curl_multi_info_read)

DL_TABLE(CURL_FNS)
DL_LIBRARY(curl, "libcurl.so.4", "libcurl4")

typedef void (*dl_curl_fnptr)(void);

DL_FWD(CURLcode, curl_global_init, CURLE_FAILED_INIT, (long flags), (flags))
DL_FWD_VOID(curl_global_cleanup, (void), ())
DL_FWD(CURL *, curl_easy_init, NULL, (void), ())
DL_FWD_FREE(curl_easy_cleanup, CURL *)
DL_FWD_VOID(curl_easy_reset, (CURL * h), (h))
DL_FWD(CURLcode, curl_easy_perform, CURLE_FAILED_INIT, (CURL * h), (h))
DL_FWD(const char *, curl_easy_strerror, "libcurl is not loaded",
       (CURLcode code), (code))
DL_FWD(struct curl_slist *, curl_slist_append, NULL,
       (struct curl_slist * l, const char *s), (l, s))
DL_FWD_FREE(curl_slist_free_all, struct curl_slist *)
DL_FWD(CURLM *, curl_multi_init, NULL, (void), ())
DL_FWD(CURLMcode, curl_multi_add_handle, CURLM_INTERNAL_ERROR,
       (CURLM * m, CURL *h), (m, h))
DL_FWD(CURLMcode, curl_multi_remove_handle, CURLM_INTERNAL_ERROR,
       (CURLM * m, CURL *h), (m, h))
DL_FWD(CURLMcode, curl_multi_perform, CURLM_INTERNAL_ERROR,
       (CURLM * m, int *running), (m, running))
DL_FWD(CURLMcode, curl_multi_poll, CURLM_INTERNAL_ERROR,
       (CURLM * m, struct curl_waitfd *extra, unsigned n, int ms, int *ret),
       (m, extra, n, ms, ret))
DL_FWD(CURLMsg *, curl_multi_info_read, NULL, (CURLM * m, int *left), (m, left))

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return m == NULL    ? CURLM_BAD_HANDLE
	       : dl_ready() ? fn.curl_multi_cleanup(m)
	                    : CURLM_INTERNAL_ERROR;
}

/* The options' argument types follow from their numbers, as in libcurl:
 * long, pointer, function pointer, curl_off_t, blob pointer. */
CURLcode curl_easy_setopt(CURL *h, CURLoption o, ...)
{
	CURLcode rc;
	va_list ap;
	if (!dl_ready())
		return CURLE_FAILED_INIT;
	va_start(ap, o);
	if (o < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.curl_easy_setopt(h, o, va_arg(ap, long));
	else if (o < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.curl_easy_setopt(h, o, va_arg(ap, void *));
	else if (o < CURLOPTTYPE_OFF_T)
		rc = fn.curl_easy_setopt(h, o, va_arg(ap, dl_curl_fnptr));
	else if (o < CURLOPTTYPE_BLOB)
		rc = fn.curl_easy_setopt(h, o, va_arg(ap, curl_off_t));
	else
		rc = fn.curl_easy_setopt(h, o, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption o, ...)
{
	CURLMcode rc;
	va_list ap;
	if (!dl_ready())
		return CURLM_INTERNAL_ERROR;
	va_start(ap, o);
	if (o < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.curl_multi_setopt(m, o, va_arg(ap, long));
	else if (o < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.curl_multi_setopt(m, o, va_arg(ap, void *));
	else if (o < CURLOPTTYPE_OFF_T)
		rc = fn.curl_multi_setopt(m, o, va_arg(ap, dl_curl_fnptr));
	else
		rc = fn.curl_multi_setopt(m, o, va_arg(ap, curl_off_t));
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	CURLcode rc;
	va_list ap;
	if (!dl_ready())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	rc = fn.curl_easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}
