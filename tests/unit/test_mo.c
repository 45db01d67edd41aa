/* Unit tests for mo.c, loaxad's reader of .mo catalogues (issue 18): its
 * answer for every entry of the catalogues the build made (build/locale)
 * is the C library's dgettext's, in both byte orders and without a hash
 * table too (msgfmt makes those), and a damaged catalogue is refused with
 * a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mo.h"

static char locdir[PATH_MAX], tmp[64];

/* The catalogue of domain built beside this test (build/locale). */
static void cat_path(const char *domain, char *out, size_t n)
{
	snprintf(out, n, "%s/vi/LC_MESSAGES/%s.mo", locdir, domain);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

static void spill(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static uint32_t le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

/* Every original of the (little-endian) catalogue at ref looked up in the
 * catalogue at path and with dgettext(domain): the same answers. For a
 * message with plural forms, dngettext's for 1, 2 and 5 too. */
static size_t compare_all(const char *ref, const char *path, const char *domain)
{
	size_t len;
	char *b = slurp(ref, &len);
	assert_true(len >= 28 && le32(b) == 0x950412deu);
	uint32_t n = le32(b + 8), orig = le32(b + 12);
	char err[512] = "";
	struct mo *m = mo_open(path, err, sizeof(err));
	if (!m)
		fail_msg("%s", err);
	size_t plurals = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t l = le32(b + orig + 8 * i), off = le32(b + orig + 8 * i + 4);
		const char *id = b + off;
		if (!*id)
			continue; /* the header */
		const char *want = dgettext(domain, id), *got = mo_gettext(m, id);
		if (want == id)
			assert_null(got);
		else if (!got || strcmp(got, want))
			fail_msg("%s: '%s' is '%s', glibc says '%s'", path, id, got ? got : "(none)", want);
		if (strlen(id) < l) {
			const char *pl = id + strlen(id) + 1;
			plurals++;
			for (unsigned long k = 1; k <= 5; k += 1 + 2 * (k == 2))
				assert_string_equal(got, dngettext(domain, id, pl, k));
		}
		/* the second answer is the kept one */
		assert_ptr_equal(mo_gettext(m, id), got);
	}
	assert_true(plurals > 0);
	mo_close(m);
	free(b);
	return n;
}

static int setup(void **state)
{
	(void)state;
	char exe[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(l > 0);
	exe[l] = '\0';
	*strrchr(exe, '/') = '\0'; /* build/tests */
	*strrchr(exe, '/') = '\0';
	snprintf(locdir, sizeof(locdir), "%s/locale", exe);
	snprintf(tmp, sizeof(tmp), "/tmp/loaxa-test-mo.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	/* glibc's side as loaxad had it: Vietnamese by LANGUAGE under C.UTF-8 */
	setenv("LANGUAGE", "vi", 1);
	assert_non_null(setlocale(LC_MESSAGES, "C.UTF-8"));
	bindtextdomain("loaxa", locdir);
	bindtextdomain("loaxad", locdir);
	bind_textdomain_codeset("loaxa", "UTF-8");
	bind_textdomain_codeset("loaxad", "UTF-8");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd);
}

static void test_every_message_as_glibc(void **state)
{
	(void)state;
	char p[PATH_MAX + 64];
	cat_path("loaxad", p, sizeof(p));
	assert_true(compare_all(p, p, "loaxad") > 300);
	cat_path("loaxa", p, sizeof(p));
	assert_true(compare_all(p, p, "loaxa") > 800);
}

/* msgfmt's other layouts: big-endian words, and no hash table (a binary
 * search of the sorted originals) */
static void test_big_endian_and_no_hash(void **state)
{
	(void)state;
	char p[PATH_MAX + 64], cmd[2 * PATH_MAX + 256], be[96], nh[96];
	cat_path("loaxa", p, sizeof(p));
	snprintf(be, sizeof(be), "%s/be.mo", tmp);
	snprintf(nh, sizeof(nh), "%s/nohash.mo", tmp);
	snprintf(cmd, sizeof(cmd), "msgunfmt %s | msgfmt --endianness=big -o %s - && msgunfmt %s | msgfmt --no-hash -o %s -",
		 p, be, p, nh);
	assert_int_equal(system(cmd), 0);
	size_t len;
	char *b = slurp(be, &len);
	assert_int_equal((unsigned char)b[0], 0x95); /* big-endian indeed */
	free(b);
	b = slurp(nh, &len);
	assert_int_equal(le32(b + 20), 0); /* no hash table */
	free(b);
	compare_all(p, be, "loaxa");
	compare_all(p, nh, "loaxa");
}

static void test_not_there(void **state)
{
	(void)state;
	char p[PATH_MAX + 64], err[512];
	cat_path("loaxad", p, sizeof(p));
	struct mo *m = mo_open(p, err, sizeof(err));
	assert_non_null(m);
	assert_null(mo_gettext(m, "no such message in any catalogue"));
	assert_null(mo_gettext(m, "no such message in any catalogue")); /* kept as missing */
	assert_null(mo_gettext(m, ""));
	/* a prefix of a message, and a message with more after it */
	assert_null(mo_gettext(m, "loaxad: "));
	assert_null(mo_gettext(m, "out of memory and more"));
	assert_non_null(mo_gettext(m, "out of memory"));
	assert_null(mo_gettext(NULL, "out of memory"));
	mo_close(m);
	mo_close(NULL);
}

/* A catalogue put in place of the one opened is not read. */
static void test_replaced_file(void **state)
{
	(void)state;
	char p[PATH_MAX + 64], q[96], err[512];
	cat_path("loaxad", p, sizeof(p));
	snprintf(q, sizeof(q), "%s/replaced.mo", tmp);
	size_t len;
	char *b = slurp(p, &len);
	spill(q, b, len);
	struct mo *m = mo_open(q, err, sizeof(err));
	assert_non_null(m);
	const char *oom = mo_gettext(m, "out of memory");
	assert_string_equal(oom, "hết bộ nhớ");
	char tq[128];
	snprintf(tq, sizeof(tq), "%s.new", q);
	spill(tq, b, len);
	assert_int_equal(rename(tq, q), 0);
	assert_ptr_equal(mo_gettext(m, "out of memory"), oom); /* kept */
	assert_null(mo_gettext(m, "the catalog"));
	mo_close(m);
	free(b);
}

static void refused(const char *path, const char *why)
{
	char err[512] = "";
	struct mo *m = mo_open(path, err, sizeof(err));
	if (m)
		fail_msg("%s opened", path);
	if (!strstr(err, path) || !strstr(err, why))
		fail_msg("'%s' does not say '%s'", err, why);
}

static void test_damaged_refused(void **state)
{
	(void)state;
	char p[PATH_MAX + 64], q[96], cmd[PATH_MAX + 256];
	cat_path("loaxad", p, sizeof(p));
	size_t len;
	char *b = slurp(p, &len);
	snprintf(q, sizeof(q), "%s/bad.mo", tmp);

	refused("/nonexistent/loaxad.mo", "/nonexistent/loaxad.mo: "); /* strerror's words: the locale's */
	spill(q, b, 10);
	refused(q, "too short for a catalogue");
	spill(q, b, 1000);
	refused(q, "tables past the end of the file");
	b[0] ^= 1;
	spill(q, b, len);
	refused(q, "not a GNU .mo catalogue");
	b[0] ^= 1;
	b[6] = 1; /* revision 1.0: system-dependent strings */
	spill(q, b, len);
	refused(q, "catalogue revision 1 not known");
	b[6] = 0;
	spill(q, b, len);
	char err[512];
	struct mo *m = mo_open(q, err, sizeof(err));
	assert_non_null(m); /* as it was */
	mo_close(m);

	snprintf(cmd, sizeof(cmd), "msgunfmt %s | sed 's/nplurals=1; plural=0;/nplurals=2; plural=(n != 1);/' | msgfmt -o %s -", p,
		 q);
	assert_int_equal(system(cmd), 0);
	refused(q, "not a catalogue of one plural form");
	snprintf(cmd, sizeof(cmd),
		 "printf 'msgid \"\"\\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\\\n\"\\n\\nmsgid \"a\"\\nmsgstr "
		 "\"b\"\\n' | msgfmt -o %s -",
		 q);
	assert_int_equal(system(cmd), 0);
	refused(q, "not a UTF-8 catalogue");
	snprintf(cmd, sizeof(cmd),
		 "printf 'msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\\\n\"\n\nmsgid \"a\"\nmsgstr "
		 "\"b\"\n' | msgfmt -o %s -",
		 q);
	assert_int_equal(system(cmd), 0);
	refused(q, "not a catalogue of one plural form"); /* no Plural-Forms: gettext's are two */
	snprintf(cmd, sizeof(cmd), "printf 'msgid \"a\"\\nmsgstr \"b\"\\n' | msgfmt -o %s -", q);
	assert_int_equal(system(cmd), 0);
	refused(q, "no header entry");
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_message_as_glibc), cmocka_unit_test(test_big_endian_and_no_hash),
		cmocka_unit_test(test_not_there),	       cmocka_unit_test(test_replaced_file),
		cmocka_unit_test(test_damaged_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
