/* SHA-256 back end: OpenSSL (see sha256.h). Its SHA-256 uses the CPU's SHA
 * instructions where there are some, twice libsodium's portable code on a
 * district PC rolling up millions of journal lines. The low-level calls on
 * a stack context: no EVP fetch, allocation or lock per line, and no
 * openssl.cnf read. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "sha256.h"

void sha256(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, p, n);
	SHA256_Final(out, &c);
}

const char *sha256_backend(void)
{
	return "openssl";
}
