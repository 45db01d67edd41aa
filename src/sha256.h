/* SHA-256, the core's only hash: one function, given by exactly one back
 * end linked into each program (the core names no crypto library):
 *   sha256_sodium.c   libsodium; the daemon, the tests (in libloaxa.a)
 *   sha256_openssl.c  OpenSSL's SHA-256 with the CPU's SHA instructions;
 *                     loaxactl, whose roll-up hashes millions of lines.
 * A program links sha256_openssl.o before libloaxa.a to choose it. */
#ifndef LOAXA_SHA256_H
#define LOAXA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

/* The digest of n bytes at p into out. Thread-safe; never fails. */
void sha256(const void *p, size_t n, uint8_t out[SHA256_LEN]);
/* Which back end this program has ("libsodium", "openssl"). */
const char *sha256_backend(void);

#endif
