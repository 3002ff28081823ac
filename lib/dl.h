/* lib/dl.h: libraries loaded at their first use instead of at start.
 *
 * libcurl (http artifacts, the CLI), libarchive (artifact unpacking),
 * libcrypto (artifact checksums, ACL and namespace hashes) and
 * libmicrohttpd (the agents' HTTP API) are not linked into steppe. Mapped
 * and relocated by the dynamic linker at start, with what they pull in
 * (Kerberos, LDAP, ssh and OpenSSL for libcurl; libxml2, ICU and libstdc++
 * for libarchive; GnuTLS for libmicrohttpd), they made every process,
 * an idle agent and each task's executor alike, some 8 MB bigger.
 *
 * lib/dl_<library>.c define the functions steppe calls, under the
 * libraries' own names and prototypes (their headers are included, so the
 * compiler checks every signature), forwarding to the library that the
 * first call dlopen()s. Code calls the libraries as usual. A library
 * function not listed in its dl_<library>.c fails to link: add it there.
 *
 * When a library is missing at run time its functions fail the way the
 * library reports failure (a NULL handle, an error code) and log once why.
 * Callers that can tell the user what is missing call dl_<library>_load
 * first. Thread-safe: the first use from any thread loads, once. */
#ifndef STEPPE_LIB_DL_H
#define STEPPE_LIB_DL_H

#include "lib/err.h"

/* Each loads its library (once per process) and returns ERR_OK, or
 * ERR_UNSUPPORTED with e saying which file is missing and which Debian
 * package provides it. Callable from any thread. */
int dl_curl_load(struct err *e);
int dl_archive_load(struct err *e);
int dl_crypto_load(struct err *e);
int dl_mhd_load(struct err *e);

#endif
