/* Unit tests for sha256_stream.c / sha256_portable.c (issue 18: the
 * daemon's SHA-256 without a library): FIPS 180-4 vectors, and the same
 * digests as libsodium's for every length around the block edges, fed in
 * every way of splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"

static void hex(const uint8_t *h, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void test_fips_vectors(void **state)
{
	uint8_t h[SHA256_LEN];
	char x[65];
	sha256("", 0, h);
	hex(h, x);
	assert_string_equal(x, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256("abc", 3, h);
	hex(h, x);
	assert_string_equal(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256(two, strlen(two), h);
	hex(h, x);
	assert_string_equal(x, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a's, in uneven pieces */
	struct sha256_ctx c;
	char a[997];
	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	size_t left = 1000000;
	while (left) {
		size_t k = left < sizeof(a) ? left : sizeof(a);
		sha256_update(&c, a, k);
		left -= k;
	}
	sha256_final(&c, h);
	hex(h, x);
	assert_string_equal(x, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	assert_string_equal(sha256_backend(), "portable");
}

static void test_same_as_libsodium(void **state)
{
	static uint8_t data[300];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof(data); n++) {
		uint8_t want[SHA256_LEN], got[SHA256_LEN];
		crypto_hash_sha256(want, data, n);
		sha256(data, n, got);
		assert_memory_equal(got, want, SHA256_LEN);
		/* split at every point, and fed a byte at a time */
		for (size_t cut = 0; cut <= n; cut += n > 140 ? 13 : 1) {
			struct sha256_ctx c;
			sha256_init(&c);
			sha256_update(&c, data, cut);
			sha256_update(&c, data + cut, n - cut);
			sha256_final(&c, got);
			assert_memory_equal(got, want, SHA256_LEN);
		}
		struct sha256_ctx c;
		sha256_init(&c);
		for (size_t i = 0; i < n; i++)
			sha256_update(&c, data + i, 1);
		sha256_final(&c, got);
		assert_memory_equal(got, want, SHA256_LEN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_same_as_libsodium),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
