/* SHA-256 in portable C (FIPS 180-4): the streaming functions of sha256.h
 * in every program, and the compression sha256_portable.c's one-shot back
 * end uses. Within 5-10 % of libsodium's SHA-256 (portable C too), without
 * mapping a library for it (issue 18). */
#include <string.h>

#include "sha256.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define S0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define S1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define s0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define s1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void blocks(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	for (; nblocks--; p += 64) {
		uint32_t w[64];
		for (int i = 0; i < 16; i++)
			w[i] = be32(p + 4 * i);
		for (int i = 16; i < 64; i++)
			w[i] = s1(w[i - 2]) + w[i - 7] + s0(w[i - 15]) + w[i - 16];
		uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
		/* eight rounds per pass, the letters renamed instead of moved */
#define RND(a, b, c, d, e, f, g, h, i)                                      \
	do {                                                                 \
		uint32_t t1 = h + S1(e) + CH(e, f, g) + K[i] + w[i];          \
		d += t1;                                                     \
		h = t1 + S0(a) + MAJ(a, b, c);                               \
	} while (0)
		for (int i = 0; i < 64; i += 8) {
			RND(a, b, c, d, e, f, g, k, i);
			RND(k, a, b, c, d, e, f, g, i + 1);
			RND(g, k, a, b, c, d, e, f, i + 2);
			RND(f, g, k, a, b, c, d, e, i + 3);
			RND(e, f, g, k, a, b, c, d, i + 4);
			RND(d, e, f, g, k, a, b, c, i + 5);
			RND(c, d, e, f, g, k, a, b, i + 6);
			RND(b, c, d, e, f, g, k, a, i + 7);
		}
#undef RND
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
		h[5] += f;
		h[6] += g;
		h[7] += k;
	}
}

void sha256_init(struct sha256_ctx *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof(iv));
	c->len = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t have = (size_t)(c->len % 64);
	c->len += n;
	if (have) {
		size_t k = 64 - have < n ? 64 - have : n;
		memcpy(c->buf + have, p, k);
		p += k;
		n -= k;
		if (have + k < 64)
			return;
		blocks(c->h, c->buf, 1);
	}
	blocks(c->h, p, n / 64);
	memcpy(c->buf, p + (n & ~(size_t)63), n % 64);
}

void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_LEN])
{
	size_t have = (size_t)(c->len % 64);
	uint64_t bits = c->len * 8;
	c->buf[have++] = 0x80;
	if (have > 56) {
		memset(c->buf + have, 0, 64 - have);
		blocks(c->h, c->buf, 1);
		have = 0;
	}
	memset(c->buf + have, 0, 56 - have);
	put_be32(c->buf + 56, (uint32_t)(bits >> 32));
	put_be32(c->buf + 60, (uint32_t)bits);
	blocks(c->h, c->buf, 1);
	for (int i = 0; i < 8; i++)
		put_be32(out + 4 * i, c->h[i]);
}
