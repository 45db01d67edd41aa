/* Unit tests for minisign.c against the real minisign tool: throw-away key
 * pairs (minisign -G -W) and signatures made at test time, pre-hashed (the
 * default) and legacy (-l); then every way a signature can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "minisign.h"
#include "util.h"

static char dir[64];
static struct minisign_key key1, key2;
static char id1[MINISIGN_KEYID_HEX], id2[MINISIGN_KEYID_HEX];
static char pub1_line[128];

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Read a whole file into a malloc'd buffer (NUL-terminated). */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap + 1);
	size_t r;
	while ((r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			b = realloc(b, (cap *= 2) + 1);
	}
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

static const char *path(const char *name)
{
	static char p[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void write_text(const char *name, const char *text, size_t len)
{
	FILE *f = fopen(path(name), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The key id minisign printed in the .pub file's comment. */
static void pub_comment_id(const char *pubfile, char out[MINISIGN_KEYID_HEX])
{
	size_t n;
	char *t = slurp(pubfile, &n);
	assert_non_null(t);
	const char *p = strstr(t, "public key ");
	assert_non_null(p);
	snprintf(out, MINISIGN_KEYID_HEX, "%.*s", (int)strcspn(p + 11, "\r\n"), p + 11);
	free(t);
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	if (system("command -v minisign >/dev/null 2>&1") != 0) {
		fprintf(stderr, "minisign is not installed (apt-get install minisign)\n");
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/loaxa-test-minisign-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	if (run("cd %s && minisign -G -W -p k1.pub -s k1.key >/dev/null && "
		"minisign -G -W -p k2.pub -s k2.key >/dev/null", dir) != 0)
		return -1;
	char err[256];
	size_t n;
	char *t = slurp(path("k1.pub"), &n);
	if (!t || minisign_key_parse(t, &key1, err, sizeof(err)) < 0)
		return -1;
	const char *nl = strchr(t, '\n');
	snprintf(pub1_line, sizeof(pub1_line), "%.*s", (int)strcspn(nl + 1, "\n"), nl + 1);
	free(t);
	t = slurp(path("k2.pub"), &n);
	if (!t || minisign_key_parse(t, &key2, err, sizeof(err)) < 0)
		return -1;
	free(t);
	minisign_keyid_hex(key1.id, id1);
	minisign_keyid_hex(key2.id, id2);

	/* The data: a small schedule with Vietnamese text, and another file. */
	static const char sched[] = "serial = 7;\n# Phòng, chống sốt xuất huyết\nslots = ();\n";
	write_text("s.conf", sched, sizeof(sched) - 1);
	static const char other[] = "serial = 8;\nslots = ();\n";
	write_text("other.conf", other, sizeof(other) - 1);
	if (run("cd %s && minisign -S -s k1.key -m s.conf -t 'bundle push-7 Sở TT&TT' >/dev/null &&"
		" minisign -S -l -s k1.key -m s.conf -x s.legacy.minisig >/dev/null &&"
		" minisign -S -s k2.key -m s.conf -x s.k2.minisig >/dev/null &&"
		" minisign -S -s k1.key -m other.conf >/dev/null", dir) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return run("rm -rf '%s'", dir) == 0 ? 0 : -1;
}

/* Verify data file dname with signature file sname against keys. */
static int verify(const char *dname, const char *sname, const struct minisign_key *keys,
		  size_t nkeys, struct minisign_result *res, char *err, size_t errn)
{
	size_t dl, sl;
	char *d = slurp(path(dname), &dl);
	char *s = slurp(path(sname), &sl);
	assert_non_null(d);
	assert_non_null(s);
	int r = minisign_verify(d, dl, s, sl, keys, nkeys, res, err, errn);
	free(d);
	free(s);
	return r;
}

static void test_key_parse(void **state)
{
	(void)state;
	char cid[MINISIGN_KEYID_HEX], err[256];
	pub_comment_id(path("k1.pub"), cid);
	assert_string_equal(id1, cid); /* the id minisign prints */
	struct minisign_key k;
	assert_int_equal(minisign_key_parse(pub1_line, &k, err, sizeof(err)), 0);
	assert_memory_equal(&k, &key1, sizeof(k));
	char padded[160];
	snprintf(padded, sizeof(padded), "  %s \r\n", pub1_line);
	assert_int_equal(minisign_key_parse(padded, &k, err, sizeof(err)), 0);
	assert_memory_equal(&k, &key1, sizeof(k));

	static const char *const bad[] = {"", "RWQ", "not base64 at all!", "RWQ+++", NULL};
	for (const char *const *b = bad; *b; b++) {
		err[0] = '\0';
		assert_int_equal(minisign_key_parse(*b, &k, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "is not a minisign public key"));
	}
	/* Right length, wrong algorithm: "Xx" instead of "Ed". */
	uint8_t raw[42];
	memset(raw, 7, sizeof(raw));
	raw[0] = 'X';
	raw[1] = 'x';
	char b64[80];
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(minisign_key_parse(b64, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an Ed25519"));
	/* A signature line is not a key. */
	size_t n;
	char *s = slurp(path("s.conf.minisig"), &n);
	const char *l2 = strchr(s, '\n') + 1;
	char line[200];
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(l2, "\n"), l2);
	assert_int_equal(minisign_key_parse(line, &k, err, sizeof(err)), -1);
	free(s);
}

/* minisign.c decodes base64 itself (issue 18): it must accept and refuse
 * what libsodium's strict decoder does, for keys altered one character at
 * a time (every alphabet character, '=', a space, a '-') and cut short. */
static void test_key_base64_as_libsodium(void **state)
{
	(void)state;
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= -";
	size_t len = strlen(pub1_line);
	char key[128], err[256];
	for (size_t i = 0; i < len; i += (i < len - 3 ? 5 : 1))
		for (const char *c = alphabet; *c; c++) {
			snprintf(key, sizeof(key), "%s", pub1_line);
			key[i] = *c;
			uint8_t raw[42];
			size_t got = 0;
			const char *end = NULL;
			int want = sodium_base642bin(raw, sizeof(raw), key, len, NULL, &got, &end,
						     sodium_base64_VARIANT_ORIGINAL) == 0 &&
					   got == sizeof(raw) && end == key + len && raw[0] == 'E' && raw[1] == 'd'
				   ? 0
				   : -1;
			struct minisign_key k;
			assert_int_equal(minisign_key_parse(key, &k, err, sizeof(err)), want);
			if (want == 0)
				assert_memory_equal(k.pk, raw + 10, MINISIGN_PK_BYTES);
		}
	for (size_t cut = 1; cut < len; cut++) {
		snprintf(key, sizeof(key), "%.*s", (int)cut, pub1_line);
		struct minisign_key k;
		assert_int_equal(minisign_key_parse(key, &k, err, sizeof(err)), -1);
	}
}

static void test_keyid_format(void **state)
{
	(void)state;
	/* As minisign prints it: the little-endian number, no leading zeros. */
	static const struct {
		uint8_t id[8];
		const char *want;
	} cases[] = {
		{{0x6a, 0xa1, 0x5c, 0x7a, 0x69, 0xd7, 0xf9, 0x6e}, "6EF9D7697A5CA16A"},
		{{0xe0, 0x55, 0x62, 0xd5, 0x1d, 0xa9, 0xc0, 0x0e}, "EC0A91DD56255E0"},
		{{1, 0, 0, 0, 0, 0, 0, 0}, "1"},
		{{0, 0, 0, 0, 0, 0, 0, 0}, "0"},
		{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "FFFFFFFFFFFFFFFF"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char out[MINISIGN_KEYID_HEX];
		minisign_keyid_hex(cases[i].id, out);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_prehashed_good(void **state)
{
	(void)state;
	struct minisign_result res;
	char err[512] = "";
	int r = verify("s.conf", "s.conf.minisig", &key1, 1, &res, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(r, 0);
	assert_int_equal(res.prehashed, 1);
	assert_string_equal(res.keyid, id1);
	assert_string_equal(res.trusted_comment, "bundle push-7 Sở TT&TT");
}

static void test_legacy_good(void **state)
{
	(void)state;
	struct minisign_result res;
	char err[512] = "";
	int r = verify("s.conf", "s.legacy.minisig", &key1, 1, &res, err, sizeof(err));
	if (r)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(r, 0);
	assert_int_equal(res.prehashed, 0);
	assert_string_equal(res.keyid, id1);
	/* minisign's default trusted comment: timestamp and file name, tab-separated. */
	assert_non_null(strstr(res.trusted_comment, "timestamp:"));
	assert_non_null(strstr(res.trusted_comment, "file:s.conf"));
}

static void test_several_keys(void **state)
{
	(void)state;
	struct minisign_key both[2] = {key2, key1};
	struct minisign_result res;
	char err[512];
	assert_int_equal(verify("s.conf", "s.conf.minisig", both, 2, &res, err, sizeof(err)), 0);
	assert_string_equal(res.keyid, id1);
	assert_int_equal(verify("s.conf", "s.k2.minisig", both, 2, &res, err, sizeof(err)), 0);
	assert_string_equal(res.keyid, id2);
}

static void test_unknown_key(void **state)
{
	(void)state;
	struct minisign_result res;
	char err[512], want[128];
	assert_int_equal(verify("s.conf", "s.conf.minisig", &key2, 1, &res, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "signed by an unknown key %s", id1);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, id2)); /* and says which key it trusts */
	assert_string_equal(res.keyid, id1);
	/* No key at all. */
	assert_int_equal(verify("s.conf", "s.conf.minisig", NULL, 0, &res, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no trusted key"));
}

static void test_data_changed(void **state)
{
	(void)state;
	size_t n;
	char *d = slurp(path("s.conf"), &n);
	char *s;
	size_t sl;
	char err[512];
	s = slurp(path("s.conf.minisig"), &sl);
	for (size_t i = 0; i < n; i += 7) {
		d[i] ^= 1; /* one bit of one byte */
		assert_int_equal(minisign_verify(d, n, s, sl, &key1, 1, NULL, err, sizeof(err)), -1);
		assert_string_equal(err, "signature does not match the file (changed after signing?)");
		d[i] ^= 1;
	}
	/* Truncated, and one byte longer. */
	assert_int_equal(minisign_verify(d, n - 1, s, sl, &key1, 1, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "signature does not match the file (changed after signing?)");
	d = realloc(d, n + 2);
	d[n] = '\n';
	assert_int_equal(minisign_verify(d, n + 1, s, sl, &key1, 1, NULL, err, sizeof(err)), -1);
	assert_int_equal(minisign_verify(d, n, s, sl, &key1, 1, NULL, err, sizeof(err)), 0);
	free(s);
	/* The legacy signature too. */
	s = slurp(path("s.legacy.minisig"), &sl);
	d[0] ^= 0x20;
	assert_int_equal(minisign_verify(d, n, s, sl, &key1, 1, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "signature does not match the file (changed after signing?)");
	free(s);
	free(d);
}

static void test_other_files_signature(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(verify("s.conf", "other.conf.minisig", &key1, 1, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "signature does not match the file (changed after signing?)");
	assert_int_equal(verify("other.conf", "other.conf.minisig", &key1, 1, NULL, err, sizeof(err)), 0);
}

/* Replace line k (0-based) of a signature file's text. */
static char *with_line(const char *signame, int k, const char *line, size_t *outlen)
{
	size_t n;
	char *s = slurp(path(signame), &n);
	char *out = malloc(n + strlen(line) + 8);
	size_t o = 0;
	const char *p = s;
	for (int i = 0; *p; i++) {
		size_t len = strcspn(p, "\n");
		if (i == k)
			o += (size_t)sprintf(out + o, "%s\n", line);
		else
			o += (size_t)sprintf(out + o, "%.*s\n", (int)len, p);
		p += len + (p[len] == '\n');
	}
	free(s);
	*outlen = o;
	return out;
}

static void test_trusted_comment_altered(void **state)
{
	(void)state;
	size_t dl, sl;
	char *d = slurp(path("s.conf"), &dl);
	char err[512];
	char *s = with_line("s.conf.minisig", 2, "trusted comment: bundle push-9 Sở TT&TT", &sl);
	assert_int_equal(minisign_verify(d, dl, s, sl, &key1, 1, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "trusted comment was altered");
	free(s);
	s = with_line("s.legacy.minisig", 2, "trusted comment: timestamp:0", &sl);
	assert_int_equal(minisign_verify(d, dl, s, sl, &key1, 1, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "trusted comment was altered");
	free(s);
	/* The untrusted comment may say anything. */
	s = with_line("s.conf.minisig", 0, "untrusted comment: anything at all", &sl);
	assert_int_equal(minisign_verify(d, dl, s, sl, &key1, 1, NULL, err, sizeof(err)), 0);
	free(s);
	free(d);
}

static void test_algorithm_swapped(void **state)
{
	(void)state;
	/* A pre-hashed signature relabelled legacy (and back) must not verify. */
	size_t dl, sl;
	char *d = slurp(path("s.conf"), &dl);
	char *s = slurp(path("s.conf.minisig"), &sl);
	const char *l2 = strchr(s, '\n') + 1;
	size_t l2len = strcspn(l2, "\n");
	uint8_t raw[74];
	size_t got;
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), l2, l2len, NULL, &got, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(got, 74);
	assert_int_equal(raw[1], 'D');
	raw[1] = 'd';
	char b64[128], err[512];
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	free(s);
	s = with_line("s.conf.minisig", 1, b64, &sl);
	assert_int_equal(minisign_verify(d, dl, s, sl, &key1, 1, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "signature does not match the file (changed after signing?)");
	free(s);
	raw[1] = 'X';
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	s = with_line("s.conf.minisig", 1, b64, &sl);
	assert_int_equal(minisign_verify(d, dl, s, sl, &key1, 1, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "malformed signature file (line 2)"));
	assert_non_null(strstr(err, "unsupported signature algorithm"));
	free(s);
	free(d);
}

static void test_malformed(void **state)
{
	(void)state;
	size_t dl, sl;
	char *d = slurp(path("s.conf"), &dl);
	char *good = slurp(path("s.conf.minisig"), &sl);
	char err[512];
	static const struct {
		int line;     /* which line to replace (-1: use text as the whole file) */
		const char *text;
		int want;     /* expected line number in the message */
	} cases[] = {
		{-1, "", 1},
		{-1, "hello\n", 1},
		{0, "untrusted: x", 1},
		{1, "RUQ not base64!", 2},
		{1, "", 2},
		{1, "RURqoVx6adf5bi6URZOmo1ya", 2}, /* too short */
		{2, "trusted: x", 3},
		{2, "", 3},
		{3, "", 4},
		{3, "Zah76n/a6NHQmu7", 4},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *s;
		if (cases[i].line < 0) {
			s = strdup(cases[i].text);
			sl = strlen(s);
		} else {
			s = with_line("s.conf.minisig", cases[i].line, cases[i].text, &sl);
		}
		char want[64];
		snprintf(want, sizeof(want), "malformed signature file (line %d)", cases[i].want);
		err[0] = '\0';
		assert_int_equal(minisign_verify(d, dl, s, sl, &key1, 1, NULL, err, sizeof(err)), -1);
		if (!strstr(err, want))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, want);
		free(s);
	}
	/* Cut short at every length: never accepted, always a clear message. */
	size_t glen = strlen(good);
	for (size_t n = 0; n + 1 < glen; n++) {
		err[0] = '\0';
		int r = minisign_verify(d, dl, good, n, &key1, 1, NULL, err, sizeof(err));
		assert_int_equal(r, -1);
		assert_true(strstr(err, "malformed signature file (line ") == err ||
			    !strcmp(err, "trusted comment was altered"));
	}
	/* Only a missing final newline is harmless (and CRLF line ends). */
	assert_int_equal(minisign_verify(d, dl, good, glen - 1, &key1, 1, NULL, err, sizeof(err)), 0);
	char crlf[1024];
	size_t o = 0;
	for (size_t i = 0; i < glen; i++) {
		if (good[i] == '\n')
			crlf[o++] = '\r';
		crlf[o++] = good[i];
	}
	assert_int_equal(minisign_verify(d, dl, crlf, o, &key1, 1, NULL, err, sizeof(err)), 0);
	/* Text after the four lines is refused; blank lines are not. */
	char more[1024];
	snprintf(more, sizeof(more), "%s\n\n", good);
	assert_int_equal(minisign_verify(d, dl, more, strlen(more), &key1, 1, NULL, err, sizeof(err)), 0);
	snprintf(more, sizeof(more), "%sextra\n", good);
	assert_int_equal(minisign_verify(d, dl, more, strlen(more), &key1, 1, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "malformed signature file (line 5)"));
	/* A NUL inside a line. */
	memcpy(more, good, glen);
	more[3] = '\0';
	assert_int_equal(minisign_verify(d, dl, more, glen, &key1, 1, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "malformed signature file (line 1)"));
	free(good);
	free(d);
}

static void test_empty_data(void **state)
{
	(void)state;
	write_text("empty", "", 0);
	assert_int_equal(run("cd %s && minisign -S -s k1.key -m empty >/dev/null && "
			     "minisign -S -l -s k1.key -m empty -x empty.l.minisig >/dev/null", dir), 0);
	char err[512];
	assert_int_equal(verify("empty", "empty.minisig", &key1, 1, NULL, err, sizeof(err)), 0);
	assert_int_equal(verify("empty", "empty.l.minisig", &key1, 1, NULL, err, sizeof(err)), 0);
	assert_int_equal(verify("s.conf", "empty.minisig", &key1, 1, NULL, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_key_base64_as_libsodium),
		cmocka_unit_test(test_keyid_format),
		cmocka_unit_test(test_prehashed_good),
		cmocka_unit_test(test_legacy_good),
		cmocka_unit_test(test_several_keys),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_data_changed),
		cmocka_unit_test(test_other_files_signature),
		cmocka_unit_test(test_trusted_comment_altered),
		cmocka_unit_test(test_algorithm_swapped),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_empty_data),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
