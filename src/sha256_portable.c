/* SHA-256 back end: the portable code of sha256_stream.c (see sha256.h);
 * the daemon's, which maps no crypto library for it (issue 18). */
#include "sha256.h"

void sha256(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final(&c, out);
}

const char *sha256_backend(void)
{
	return "portable";
}
