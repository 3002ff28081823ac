/* lib/dl_crypto.c: libcrypto's digests, loaded at first use (see
 * lib/dl.h), and its base64 encoder written here: the client's log
 * streaming encodes every frame, which alone should not map libcrypto. */
#include <openssl/evp.h>

#include "lib/dl_int.h"

#define CRYPTO_FNS(X)         \
	X(EVP_md5)            \
	X(EVP_sha1)           \
	X(EVP_sha256)         \
	X(EVP_sha512)         \
	X(EVP_MD_get_size)    \
	X(EVP_MD_CTX_new)     \
	X(EVP_MD_CTX_free)    \
	X(EVP_DigestInit_ex)  \
	X(EVP_DigestUpdate)   \
	X(EVP_DigestFinal_ex) \
	X(EVP_Digest)

DL_TABLE(CRYPTO_FNS)
DL_LIBRARY(crypto, "libcrypto.so.3", "libssl3")

DL_FWD(const EVP_MD *, EVP_md5, NULL, (void), ())
DL_FWD(const EVP_MD *, EVP_sha1, NULL, (void), ())
DL_FWD(const EVP_MD *, EVP_sha256, NULL, (void), ())
DL_FWD(const EVP_MD *, EVP_sha512, NULL, (void), ())
DL_FWD(int, EVP_MD_get_size, -1, (const EVP_MD *md), (md))
DL_FWD(EVP_MD_CTX *, EVP_MD_CTX_new, NULL, (void), ())
DL_FWD_FREE(EVP_MD_CTX_free, EVP_MD_CTX *)
DL_FWD(int, EVP_DigestInit_ex, 0,
       (EVP_MD_CTX * c, const EVP_MD *md, ENGINE *impl), (c, md, impl))
DL_FWD(int, EVP_DigestUpdate, 0, (EVP_MD_CTX * c, const void *d, size_t n),
       (c, d, n))
DL_FWD(int, EVP_DigestFinal_ex, 0,
       (EVP_MD_CTX * c, unsigned char *md, unsigned *n), (c, md, n))
DL_FWD(int, EVP_Digest, 0,
       (const void *d, size_t n, unsigned char *md, unsigned *size,
        const EVP_MD *type, ENGINE *impl),
       (d, n, md, size, type, impl))

/* As OpenSSL's: standard base64 with padding, no line breaks, a NUL
 * after; returns the length without it. */
int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char *w = t;
	for (; n > 0; f += 3, n -= 3) {
		unsigned long v = (unsigned long)f[0] << 16;
		if (n > 1)
			v |= (unsigned long)f[1] << 8;
		if (n > 2)
			v |= f[2];
		*w++ = (unsigned char)abc[v >> 18];
		*w++ = (unsigned char)abc[(v >> 12) & 63];
		*w++ = n > 1 ? (unsigned char)abc[(v >> 6) & 63] : '=';
		*w++ = n > 2 ? (unsigned char)abc[v & 63] : '=';
	}
	*w = '\0';
	return (int)(w - t);
}
