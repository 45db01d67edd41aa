/* Unit tests for util.c: paths, ids, hex, atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libgen.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void test_path_normalize(void **state)
{
	static const char *const cases[][2] = {
		{"/a/b/../c", "/a/c"},       {"/etc/loaxa/./x", "/etc/loaxa/x"},
		{"config/../var/j", "var/j"}, {"../x", "../x"},
		{"a/../../x", "../x"},       {"/../x", "/x"},
		{"/", "/"},                  {".", "."},
		{"a//b///c/", "a/b/c"},      {"/work/main/config/../audio", "/work/main/audio"},
		{"", "."},                   {"a/..", "."},
		{"../../a/b/../../..", "../../.."}, {"/a/b/../../..", "/"},
		{"./a/./b/.", "a/b"},        {"//a//..//b//", "/b"},
		{"..a/.b/...", "..a/.b/..."}, {"a/../b/../..", ".."},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char buf[256];
		str_copy(buf, cases[i][0], sizeof(buf));
		path_normalize(buf);
		assert_string_equal(buf, cases[i][1]);
	}
	char out[64];
	assert_int_equal(path_resolve("/st", "../lib", out, sizeof(out)), 0);
	assert_string_equal(out, "/lib");
	assert_int_equal(path_resolve("/st", "/abs/x", out, sizeof(out)), 0);
	assert_string_equal(out, "/abs/x");
	char tiny[4];
	assert_int_equal(path_resolve("/st", "long", tiny, sizeof(tiny)), -1);
}

static void test_id_valid(void **state)
{
	assert_true(id_valid("sxh-01"));
	assert_true(id_valid("A.b_c-9"));
	assert_false(id_valid(""));
	assert_false(id_valid(".hidden"));
	assert_false(id_valid("-x"));
	assert_false(id_valid("a b"));
	assert_false(id_valid("../etc"));
	assert_false(id_valid("a/b"));
	assert_false(id_valid("bản-tin"));
	char long_id[80];
	memset(long_id, 'a', 64);
	long_id[64] = '\0';
	assert_false(id_valid(long_id));
	long_id[63] = '\0';
	assert_true(id_valid(long_id));
}

static void test_hex(void **state)
{
	uint8_t in[4] = {0x00, 0xab, 0x7f, 0xff}, back[4];
	char hex[9];
	hex_encode(in, 4, hex);
	assert_string_equal(hex, "00ab7fff");
	assert_int_equal(hex_decode("00AB7fff", back, 4), 0);
	assert_memory_equal(in, back, 4);
	assert_int_equal(hex_decode("00ab7ff", back, 4), -1);
	assert_int_equal(hex_decode("00ab7fffx", back, 4), -1);
	assert_int_equal(hex_decode("00ag7fff", back, 4), -1);
}

static void test_write_atomic(void **state)
{
	char dir[] = "/tmp/loaxa-util.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], sum[65];
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(write_file_atomic(path, "abc", 3), 0);
	assert_int_equal(sha256_file(path, sum), 0);
	assert_string_equal(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(write_file_atomic(path, "", 0), 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(sha256_file("/nonexistent/x", sum), -1);
	char deep[160];
	snprintf(deep, sizeof(deep), "%s/a/b/c", dir);
	assert_int_equal(mkdir_p(deep, 0755), 0);
	assert_int_equal(mkdir_p(deep, 0755), 0);
	rmdir(deep);
	snprintf(deep, sizeof(deep), "%s/a/b", dir);
	rmdir(deep);
	snprintf(deep, sizeof(deep), "%s/a", dir);
	rmdir(deep);
	unlink(path);
	rmdir(dir);
}

static void test_errlist(void **state)
{
	struct errlist e = {0};
	for (int i = 0; i < 20; i++)
		errlist_add(&e, "f:%d: bad", i);
	assert_int_equal(e.n, 20);
	assert_string_equal(e.msg[19], "f:19: bad");
	assert_string_equal(e.en[19], "f:19: bad");
	errlist_free(&e);
	assert_int_equal(e.n, 0);
}

/* issue 16: each problem keeps its English (en, for the journal) beside
 * the user's language (msg), here Vietnamese from the build's catalogue
 * ($(BUILD)/locale, beside the tests/ folder of this binary). */
static void test_errlist_languages(void **state)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16], mo[PATH_MAX + 64];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(l > 0);
	exe[l] = '\0';
	snprintf(dir, sizeof(dir), "%s/../locale", dirname(exe));
	snprintf(mo, sizeof(mo), "%s/vi/LC_MESSAGES/loaxa.mo", dir);
	assert_int_equal(access(mo, R_OK), 0);
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	setenv("LANGUAGE", "vi", 1);
	bindtextdomain("loaxa", dir);
	bind_textdomain_codeset("loaxa", "UTF-8");
	textdomain("loaxa");

	struct errlist e = {0};
	errlist_add(&e, "%s: not a plain file", "tin.mp3");
	errlist_add(&e, "f:%d: bad", 3); /* not in the catalogue: the same text twice */
	errlist_put(&e, "english", "tiếng Việt");
	assert_int_equal(e.n, 3);
	assert_string_equal(e.en[0], "tin.mp3: not a plain file");
	assert_string_equal(e.msg[0], "tin.mp3: không phải tệp thông thường");
	assert_string_equal(e.en[1], "f:3: bad");
	assert_string_equal(e.msg[1], "f:3: bad");
	assert_string_equal(e.en[2], "english");
	assert_string_equal(e.msg[2], "tiếng Việt");
	errlist_free(&e);

	/* under the "C" locale gettext ignores LANGUAGE: English */
	setlocale(LC_ALL, "C");
	errlist_add(&e, "%s: not a plain file", "tin.mp3");
	assert_string_equal(e.msg[0], "tin.mp3: not a plain file");
	errlist_free(&e);
	unsetenv("LANGUAGE");
}

/* stderr redirected to a file; returns what one log_info line wrote there. */
static void log_line_to_file(const char *journal_stream_of, char *out, size_t n)
{
	char path[] = "/tmp/loaxa-test-log.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	if (journal_stream_of) {
		struct stat st;
		assert_int_equal(fstat(STDERR_FILENO, &st), 0);
		char js[64];
		snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", js, 1);
	} else {
		setenv("JOURNAL_STREAM", "1:1", 1); /* some other stream: not ours */
	}
	log_init("t", 0);
	log_info("hello %d", 7);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	ssize_t r = pread(fd, out, n - 1, 0);
	assert_true(r > 0);
	out[r] = '\0';
	close(fd);
	unlink(path);
}

static void test_log_prefix_only_for_journal(void **state)
{
	char buf[256];
	log_line_to_file("journal", buf, sizeof(buf));
	assert_string_equal(buf, "<6>t: hello 7\n");
	log_line_to_file(NULL, buf, sizeof(buf));
	assert_true(buf[0] >= '0' && buf[0] <= '9'); /* a timestamp, no "<N>" */
	assert_non_null(strstr(buf, " t: hello 7\n"));
	assert_null(strchr(buf, '<'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_normalize), cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_hex), cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_errlist), cmocka_unit_test(test_errlist_languages),
		cmocka_unit_test(test_log_prefix_only_for_journal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
