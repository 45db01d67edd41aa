/* Unit tests for kv.c: the control socket's reply form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "kv.h"

static void test_roundtrip_any_bytes(void **state)
{
	char buf[512], out[128];
	struct kvbuf b;
	kv_init(&b, buf, sizeof(buf));
	kv_begin(&b, 1);
	kv_put(&b, "title", "Bản tin\nok=no\r\\x41\t\x01\x7f end");
	kv_putf(&b, "count", "%d", 42);
	assert_false(b.overflow);
	assert_string_equal(buf, "loaxa=1\nok=yes\ntitle=Bản tin\\nok=no\\r\\\\x41\\t\\x01\\x7f end\ncount=42\n");
	assert_int_equal(kv_ok(buf), 1);
	assert_int_equal(kv_get(buf, "title", out, sizeof(out)), 0);
	assert_string_equal(out, "Bản tin\nok=no\r\\x41\t\x01\x7f end");
	assert_int_equal(kv_get(buf, "count", out, sizeof(out)), 0);
	assert_string_equal(out, "42");
	assert_int_equal(kv_get(buf, "coun", out, sizeof(out)), -1);
	assert_string_equal(out, "");
}

static void test_ok_and_version(void **state)
{
	assert_int_equal(kv_ok("loaxa=1\nok=no\nerror=x\n"), 0);
	assert_int_equal(kv_ok("loaxa=2\nok=yes\n"), -1);
	assert_int_equal(kv_ok("ok\nstation: x\n"), -1);
	assert_int_equal(kv_ok(""), -1);
}

static void test_overflow_never_cuts_a_field(void **state)
{
	char buf[24];
	struct kvbuf b;
	kv_init(&b, buf, sizeof(buf));
	kv_begin(&b, 1); /* 15 bytes */
	kv_put(&b, "k", "a long value that does not fit");
	assert_true(b.overflow);
	assert_string_equal(buf, "loaxa=1\nok=yes\n");
	kv_put(&b, "x", "1"); /* dropped once full */
	assert_string_equal(buf, "loaxa=1\nok=yes\n");
}

static void test_escape_cut_and_need(void **state)
{
	char out[6];
	assert_int_equal(kv_escape("a\nb\n", out, sizeof(out)), 6);
	assert_string_equal(out, "a\\nb"); /* never half an escape */
	char u[8];
	assert_int_equal(kv_unescape("\\q\\x4", 5, u, sizeof(u)), 5);
	assert_string_equal(u, "\\q\\x4");
}

static void test_next_walks_in_order(void **state)
{
	const char *r = "loaxa=1\nok=yes\nnoise line\nnext.0.due=2026-12-01T07:00:00+07:00\n";
	size_t pos = 0;
	char k[32], v[64];
	const char *want[][2] = {{"loaxa", "1"}, {"ok", "yes"}, {"next.0.due", "2026-12-01T07:00:00+07:00"}};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(kv_next(r, &pos, k, sizeof(k), v, sizeof(v)), 0);
		assert_string_equal(k, want[i][0]);
		assert_string_equal(v, want[i][1]);
	}
	assert_int_equal(kv_next(r, &pos, k, sizeof(k), v, sizeof(v)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_any_bytes),
		cmocka_unit_test(test_ok_and_version),
		cmocka_unit_test(test_overflow_never_cuts_a_field),
		cmocka_unit_test(test_escape_cut_and_need),
		cmocka_unit_test(test_next_walks_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
