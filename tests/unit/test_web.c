/* Unit tests for loaxa-web's pure parts (web_auth.c, web_page.c) and its
 * accounts file (web_users.c, with real Argon2id hashes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web_auth.h"
#include "web_page.h"
#include "web_users.h"

static void rnd_fill(uint8_t *r, uint8_t seed)
{
	for (int i = 0; i < WEB_RANDOM_BYTES; i++)
		r[i] = (uint8_t)(seed * 31 + i * 7);
}

static void test_session_lifecycle(void **state)
{
	static struct web_sessions t;
	memset(&t, 0, sizeof(t));
	uint8_t r[WEB_RANDOM_BYTES];
	rnd_fill(r, 1);
	struct web_session *s = web_session_new(&t, "canbo", WEB_STAFF, 1000, r);
	assert_int_equal(strlen(s->token), WEB_TOKEN_LEN);
	assert_int_equal(strlen(s->csrf), WEB_TOKEN_LEN);
	assert_string_not_equal(s->token, s->csrf);
	char tok[WEB_TOKEN_LEN + 1];
	strcpy(tok, s->token);
	assert_ptr_equal(web_session_find(&t, tok, 1000 + WEB_SESSION_IDLE_S - 1), s);
	/* idle: the last find moved "seen" on */
	assert_ptr_equal(web_session_find(&t, tok, 1000 + 2 * WEB_SESSION_IDLE_S - 2), s);
	assert_null(web_session_find(&t, tok, 1000 + 3 * WEB_SESSION_IDLE_S));
	assert_null(web_session_find(&t, tok, 1000)); /* ended for good */
	/* absolute limit even when active */
	s = web_session_new(&t, "canbo", WEB_STAFF, 0, r);
	strcpy(tok, s->token);
	int64_t now = 0;
	for (; now < WEB_SESSION_MAX_S; now += WEB_SESSION_IDLE_S / 2)
		assert_non_null(web_session_find(&t, tok, now));
	assert_null(web_session_find(&t, tok, now + 1));
	/* wrong tokens */
	assert_null(web_session_find(&t, "", 0));
	assert_null(web_session_find(&t, NULL, 0));
	assert_null(web_session_find(&t, "short", 0));
}

static void test_session_full_table_and_user_end(void **state)
{
	static struct web_sessions t;
	memset(&t, 0, sizeof(t));
	uint8_t r[WEB_RANDOM_BYTES];
	char first[WEB_TOKEN_LEN + 1], second[WEB_TOKEN_LEN + 1];
	for (int i = 0; i < WEB_SESSIONS_MAX + 1; i++) {
		rnd_fill(r, (uint8_t)i);
		struct web_session *s = web_session_new(&t, i % 2 ? "a" : "b", WEB_VIEWER, 100 + i, r);
		if (i == 0)
			strcpy(first, s->token);
		if (i == 1)
			strcpy(second, s->token);
	}
	/* the one seen longest ago made room */
	assert_null(web_session_find(&t, first, 200));
	assert_non_null(web_session_find(&t, second, 200));
	web_session_end_user(&t, "a");
	assert_null(web_session_find(&t, second, 200));
}

static void test_token_equal_and_b64(void **state)
{
	assert_true(web_token_equal("abc", "abc"));
	assert_false(web_token_equal("abc", "abd"));
	assert_false(web_token_equal("abc", "abcd"));
	assert_false(web_token_equal("", ""));
	char out[8];
	web_b64url((const uint8_t *)"\xfb\xff", 2, out);
	assert_string_equal(out, "-_8");
	web_b64url((const uint8_t *)"Man", 3, out);
	assert_string_equal(out, "TWFu");
}

static void test_backoff(void **state)
{
	static struct web_backoff b;
	memset(&b, 0, sizeof(b));
	const char *k = "user:canbo";
	for (int i = 0; i < WEB_BACKOFF_FREE; i++) {
		assert_int_equal(web_backoff_wait(&b, k, 10), 0);
		assert_int_equal(web_backoff_fail(&b, k, 10), 0);
	}
	/* a 1 s wait set within second 10 holds through second 11: at least
	 * 1 s whenever within second 10 the failure came */
	assert_int_equal(web_backoff_fail(&b, k, 10), 1);
	assert_int_equal(web_backoff_wait(&b, k, 10), 2);
	assert_int_equal(web_backoff_wait(&b, k, 11), 1);
	assert_int_equal(web_backoff_wait(&b, k, 12), 0);
	assert_int_equal(web_backoff_fail(&b, k, 12), 2);
	assert_int_equal(web_backoff_wait(&b, k, 14), 1);
	assert_int_equal(web_backoff_fail(&b, k, 15), 4);
	for (int i = 0; i < 20; i++)
		web_backoff_fail(&b, k, 20);
	assert_int_equal(web_backoff_wait(&b, k, 20), WEB_BACKOFF_MAX_S + 1);
	assert_int_equal(web_backoff_wait(&b, "addr:10.0.0.1", 20), 0);
	web_backoff_clear(&b, k);
	assert_int_equal(web_backoff_wait(&b, k, 20), 0);
	/* a full table forgets the oldest key, never crashes */
	char key[32];
	for (int i = 0; i < WEB_BACKOFF_SLOTS * 2; i++) {
		snprintf(key, sizeof(key), "addr:%d", i);
		web_backoff_fail(&b, key, 100 + i);
	}
	assert_int_equal(web_backoff_wait(&b, "addr:0", 100), 0);
}

static void test_html_escape_any_bytes(void **state)
{
	struct wbuf b = {0};
	wb_html(&b, "<script>\"x\" & 'y'</script>\x01\x7f Bản tin\n");
	assert_string_equal(b.p, "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;\xef\xbf\xbd\xef\xbf\xbd Bản tin\n");
	wb_printf(&b, "%d", 42);
	size_t len;
	char *p = wb_take(&b, &len);
	assert_int_equal(len, strlen(p));
	assert_null(b.p);
	free(p);
	for (int i = 0; i < 10000; i++)
		wb_put(&b, "0123456789");
	assert_int_equal(b.len, 100000);
	wb_free(&b);
}

static void test_lang(void **state)
{
	assert_int_equal(web_lang_pick(NULL), WEB_VI);
	assert_int_equal(web_lang_pick(""), WEB_VI);
	assert_int_equal(web_lang_pick("vi-VN,vi;q=0.9,en;q=0.8"), WEB_VI);
	assert_int_equal(web_lang_pick("en-US,en;q=0.9"), WEB_EN);
	assert_int_equal(web_lang_pick("en"), WEB_EN);
	assert_int_equal(web_lang_pick("fr;q=0.5,en;q=0.9"), WEB_EN);
	assert_int_equal(web_lang_pick("eng"), WEB_VI);
	assert_int_equal(web_lang_pick("de,en;q=0.5"), WEB_VI);
}

static void test_csv(void **state)
{
	const char *text = "a,b,c\n\"x,1\",\"say \"\"hi\"\"\",\r\nlast\n";
	const char *p = text;
	char *f[4], scratch[128];
	assert_int_equal(web_csv_row(&p, f, 4, scratch, sizeof(scratch)), 3);
	assert_string_equal(f[2], "c");
	assert_int_equal(web_csv_row(&p, f, 4, scratch, sizeof(scratch)), 3);
	assert_string_equal(f[0], "x,1");
	assert_string_equal(f[1], "say \"hi\"");
	assert_string_equal(f[2], "");
	assert_int_equal(web_csv_row(&p, f, 4, scratch, sizeof(scratch)), 1);
	assert_string_equal(f[0], "last");
	assert_int_equal(web_csv_row(&p, f, 4, scratch, sizeof(scratch)), -1);
	/* more fields than room: cut, never overflow */
	p = "1,2,3,4,5,6\n";
	assert_int_equal(web_csv_row(&p, f, 4, scratch, 8), 4);
	assert_int_equal(*p, '\0');
}

static void test_id_from_filename_and_month(void **state)
{
	char id[64];
	web_id_from_filename("C:\\Users\\x\\Bản tin số 1.mp3", id, sizeof(id));
	assert_string_equal(id, "B-n-tin-s-1");
	web_id_from_filename("../../etc/passwd", id, sizeof(id));
	assert_string_equal(id, "passwd");
	web_id_from_filename(".hidden.mp3", id, sizeof(id));
	assert_string_equal(id, "hidden");
	web_id_from_filename("ảảả.mp3", id, sizeof(id));
	assert_string_equal(id, "");
	assert_true(web_month_valid("2026-11"));
	assert_false(web_month_valid("2026-13"));
	assert_false(web_month_valid("2026-00"));
	assert_false(web_month_valid("2026-1"));
	assert_false(web_month_valid("../../x"));
}

static void test_cookie(void **state)
{
	char v[64];
	assert_int_equal(web_cookie_get("a=1; loaxa_session=abc; b=2", "loaxa_session", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(web_cookie_get("xloaxa_session=abc", "loaxa_session", v, sizeof(v)), -1);
	assert_int_equal(web_cookie_get("loaxa_session=0123456789", "loaxa_session", v, 4), -1);
	assert_int_equal(web_cookie_get("", "loaxa_session", v, sizeof(v)), -1);
}

static void test_origin(void **state)
{
	assert_true(web_origin_ok(NULL, "192.168.1.10:8080"));
	assert_true(web_origin_ok("http://192.168.1.10:8080", "192.168.1.10:8080"));
	assert_true(web_origin_ok("https://loa-xa:8443", "LOA-XA:8443"));
	assert_false(web_origin_ok("http://evil.example", "192.168.1.10:8080"));
	assert_false(web_origin_ok("http://192.168.1.10:8081", "192.168.1.10:8080"));
	assert_false(web_origin_ok("null", "192.168.1.10:8080"));
	assert_false(web_origin_ok("http://x", NULL));
}

static void test_users_roundtrip(void **state)
{
	char dir[] = "/tmp/loaxa-test-web.XXXXXX", path[128], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web-users", dir);
	struct errlist errs = {0};
	struct web_users u;
	assert_int_equal(web_users_load(path, &u, &errs), 0); /* missing: no accounts */
	assert_int_equal(u.n, 0);
	assert_int_equal(web_users_set(path, "canbo", WEB_STAFF, "mat-khau-1", err, sizeof(err)), 0);
	assert_int_equal(web_users_set(path, "xem", WEB_VIEWER, "mat-khau-2", err, sizeof(err)), 0);
	assert_int_equal(web_users_set(path, "bad name", WEB_VIEWER, "mat-khau-2", err, sizeof(err)), -1);
	assert_int_equal(web_users_set(path, "ngan", WEB_VIEWER, "short", err, sizeof(err)), -1);
	assert_int_equal(web_users_set(path, "a23456789012345678901234567890123", WEB_VIEWER, "mat-khau-2", err, sizeof(err)), -1);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 037, 0); /* 0640 at most */
	assert_int_equal(web_users_load(path, &u, &errs), 0);
	assert_int_equal(u.n, 2);
	enum web_role role = WEB_VIEWER;
	assert_int_equal(web_users_check(&u, "canbo", "mat-khau-1", &role), 1);
	assert_int_equal(role, WEB_STAFF);
	assert_int_equal(web_users_check(&u, "canbo", "mat-khau-2", &role), 0);
	assert_int_equal(web_users_check(&u, "nobody", "mat-khau-1", &role), 0);
	/* an unknown account costs what a known one does: the dummy hash is
	 * Argon2id with the accounts' own cost, and a real hash */
	assert_int_equal(crypto_pwhash_str_needs_rehash(web_users_dummy_hash, WEB_PWHASH_OPS, WEB_PWHASH_MEM), 0);
	assert_int_equal(crypto_pwhash_str_verify(web_users_dummy_hash, "loaxa", 5), 0);
	assert_int_equal(web_users_check(&u, "nobody", "loaxa", &role), 0);
	assert_int_equal(web_users_check(&u, "xem", "mat-khau-2", &role), 1);
	assert_int_equal(role, WEB_VIEWER);
	web_users_free(&u);
	/* a new password replaces the old one; the other account stays */
	assert_int_equal(web_users_set(path, "canbo", WEB_VIEWER, "mat-khau-3", err, sizeof(err)), 0);
	assert_int_equal(web_users_load(path, &u, &errs), 0);
	assert_int_equal(u.n, 2);
	assert_int_equal(web_users_check(&u, "canbo", "mat-khau-1", &role), 0);
	assert_int_equal(web_users_check(&u, "canbo", "mat-khau-3", &role), 1);
	assert_int_equal(role, WEB_VIEWER);
	web_users_free(&u);
	/* a damaged file: every line named, nothing loaded */
	FILE *f = fopen(path, "a");
	fputs("broken\nx admin $argon2id$v=19$m=1,t=1,p=1$aa$bb\ny staff plaintext\n", f);
	fclose(f);
	assert_int_equal(web_users_load(path, &u, &errs), -1);
	assert_int_equal(u.n, 0);
	assert_int_equal(errs.n, 3);
	assert_non_null(strstr(errs.msg[0], ":4: expected"));
	assert_non_null(strstr(errs.msg[1], ":5: role is staff or viewer"));
	assert_non_null(strstr(errs.msg[2], ":6: the password hash is not an Argon2id hash"));
	errlist_free(&errs);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_lifecycle),
		cmocka_unit_test(test_session_full_table_and_user_end),
		cmocka_unit_test(test_token_equal_and_b64),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_html_escape_any_bytes),
		cmocka_unit_test(test_lang),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_id_from_filename_and_month),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_users_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
