/* Unit tests for lib/dl*: libraries loaded at first use. Each test runs
 * in its own forked process, so "not loaded yet" is observable. */
#define CURL_DISABLE_TYPECHECK
#include <archive.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/dl.h"
#include "lib/dl_int.h"
#include "tests/lib/unit.h"

/* True when a file whose name contains name is mapped in this process. */
static bool mapped(const char *name)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");
	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, name) != NULL;
	fclose(f);
	return found;
}

START_TEST(nothing_heavy_is_mapped_at_start)
{
	ck_assert(!mapped("libcurl"));
	ck_assert(!mapped("libarchive"));
	ck_assert(!mapped("libcrypto"));
	ck_assert(!mapped("libmicrohttpd"));
	ck_assert(!mapped("libgnutls"));
	ck_assert(!mapped("libxml2")); /* and ICU, libstdc++ with it */
}
END_TEST

START_TEST(first_use_loads)
{
	struct err e;
	err_clear(&e);
	ck_assert_str_eq(curl_easy_strerror(CURLE_OK), "No error");
	ck_assert(mapped("libcurl"));
	ck_assert(!mapped("libarchive"));
	ck_assert_int_eq(dl_curl_load(&e), ERR_OK);
	ck_assert_int_eq(dl_archive_load(&e), ERR_OK);
	ck_assert(mapped("libarchive"));
	ck_assert_int_eq(dl_mhd_load(&e), ERR_OK);
	ck_assert(mapped("libmicrohttpd"));
}
END_TEST

START_TEST(freeing_null_loads_nothing)
{
	curl_easy_cleanup(NULL);
	curl_slist_free_all(NULL);
	EVP_MD_CTX_free(NULL);
	ck_assert_int_eq(archive_read_free(NULL), ARCHIVE_OK);
	ck_assert(!mapped("libcurl"));
	ck_assert(!mapped("libcrypto"));
	ck_assert(!mapped("libarchive"));
}
END_TEST

START_TEST(forwarded_digests_and_setopt)
{
	static const unsigned char want[] = {
	    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char *url = NULL;
	long port = -1;
	CURL *h;
	ck_assert_int_eq(EVP_Digest("abc", 3, md, &n, EVP_sha256(), NULL), 1);
	ck_assert_uint_eq(n, sizeof want);
	ck_assert_mem_eq(md, want, sizeof want);
	ck_assert_int_eq(EVP_MD_get_size(EVP_sha512()), 64);
	/* Each argument type of the variadic forwarders: long, string,
	 * curl_off_t, and a pointer for getinfo. */
	h = curl_easy_init();
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(curl_easy_setopt(h, CURLOPT_URL, "http://127.0.0.1/x"),
	                 CURLE_OK);
	ck_assert_int_eq(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L), CURLE_OK);
	ck_assert_int_eq(
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)1000),
	    CURLE_OK);
	ck_assert_int_eq(curl_easy_setopt(h, CURLOPT_MAXREDIRS, -2L),
	                 CURLE_BAD_FUNCTION_ARGUMENT);
	ck_assert_int_eq(curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &url),
	                 CURLE_OK);
	ck_assert_str_eq(url, "http://127.0.0.1/x");
	ck_assert_int_eq(curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &port),
	                 CURLE_OK);
	ck_assert_int_eq(port, 0);
	curl_easy_cleanup(h);
}
END_TEST

START_TEST(base64_is_rfc4648)
{
	static const char *const in[] = {"",     "f",     "fo",    "foo",
	                                 "foob", "fooba", "foobar"};
	static const char *const out[] = {
	    "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	unsigned char buf[16];
	unsigned char bin[3] = {0xff, 0xfe, 0x00};
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		int n = EVP_EncodeBlock(buf, (const unsigned char *)in[i],
		                        (int)strlen(in[i]));
		ck_assert_str_eq((char *)buf, out[i]);
		ck_assert_int_eq(n, (int)strlen(out[i]));
	}
	EVP_EncodeBlock(buf, bin, 3);
	ck_assert_str_eq((char *)buf, "//4A");
	ck_assert(!mapped("libcrypto")); /* written here, not loaded */
}
END_TEST

START_TEST(missing_library_names_its_package)
{
	static int (*slot)(void);
	static const struct dl_sym syms[] = {{"steppe_none", 0}};
	struct dl_lib lib = {.soname = "libsteppe-missing.so.0",
	                     .package = "steppe-missing0",
	                     .syms = syms,
	                     .nsyms = 1,
	                     .fns = &slot};
	struct err e;
	err_clear(&e);
	dl_lib_open(&lib);
	ck_assert(!lib.ok);
	ck_assert_int_eq(dl_lib_err(&lib, &e), ERR_UNSUPPORTED);
	ck_assert_msg(strstr(e.msg, "libsteppe-missing.so.0") != NULL &&
	                  strstr(e.msg, "(apt install steppe-missing0)") !=
	                      NULL,
	              "%s", e.msg);
	/* A library that is there but lacks a function. */
	lib.soname = "libc.so.6";
	dl_lib_open(&lib);
	ck_assert(!lib.ok);
	dl_lib_err(&lib, &e);
	ck_assert_msg(strstr(e.msg, "libc.so.6: no function steppe_none") !=
	                  NULL,
	              "%s", e.msg);
	ck_assert_ptr_null(slot);
}
END_TEST

/* GnuTLS finds its opt-out in the executable only if the link exported it
 * (the Makefile's --export-dynamic-symbol). */
START_TEST(gnutls_opt_out_is_exported)
{
	ck_assert_ptr_nonnull(dlsym(RTLD_DEFAULT, "_gnutls_global_init_skip"));
	ck_assert_ptr_nonnull(dlsym(RTLD_DEFAULT, "gnutls_global_init"));
}
END_TEST

static Suite *dl_suite(void)
{
	Suite *s = suite_create("dl");
	TCase *tc = unit_tcase(s, "core", 10);
	tcase_add_test(tc, nothing_heavy_is_mapped_at_start);
	tcase_add_test(tc, first_use_loads);
	tcase_add_test(tc, freeing_null_loads_nothing);
	tcase_add_test(tc, forwarded_digests_and_setopt);
	tcase_add_test(tc, base64_is_rfc4648);
	tcase_add_test(tc, missing_library_names_its_package);
	tcase_add_test(tc, gnutls_opt_out_is_exported);
	return s;
}

UNIT_MAIN(dl_suite)
