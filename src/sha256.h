/* SHA-256, the core's only hash: one function, given by exactly one back
 * end linked into each program (the core names no crypto library):
 *   sha256_portable.c  portable C (sha256_stream.c); the daemon, the tests
 *                      (in libloaxa.a). No library mapped for it (issue 18).
 *   sha256_openssl.c   OpenSSL's SHA-256 with the CPU's SHA instructions;
 *                      loaxactl, whose roll-up hashes millions of lines.
 * A program links sha256_openssl.o before libloaxa.a to choose it. The
 * streaming functions (files, long lines) are sha256_stream.c's in every
 * program. */
#ifndef LOAXA_SHA256_H
#define LOAXA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

/* The digest of n bytes at p into out. Thread-safe; never fails. */
void sha256(const void *p, size_t n, uint8_t out[SHA256_LEN]);
/* Streaming: init, any number of updates, final. */
struct sha256_ctx {
	uint32_t h[8];
	uint64_t len; /* bytes so far */
	uint8_t buf[64];
};
void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_LEN]);

/* Which back end this program has ("portable", "openssl"). */
const char *sha256_backend(void);

#endif
