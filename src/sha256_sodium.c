/* SHA-256 back end: libsodium (see sha256.h). The daemon's: it keeps
 * libcrypto out of its address space. */
#include <sodium.h>

#include "sha256.h"

void sha256(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	crypto_hash_sha256(out, p, (unsigned long long)n);
}

const char *sha256_backend(void)
{
	return "libsodium";
}
