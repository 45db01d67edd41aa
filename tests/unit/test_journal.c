/* Unit tests for journal.c on real files in a temp folder: monthly files and
 * the cross-file chain, recovery of a torn last line cut at every byte,
 * tamper detection by journal_scan, open starts found after a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"
#include "journal.h"
#include "record.h"
#include "syncer.h"

#include <poll.h>

/* qemu-user 7.2 hangs in pthread_create on current kernels: make
 * test-arm64 (LOAXA_NO_FORK=1) skips what needs a second thread. */
static int no_threads(void)
{
	const char *nf = getenv("LOAXA_NO_FORK");
	return nf && *nf == '1';
}

#define VN 25200

static int64_t lt(int y, int mo, int d, int h, int mi)
{
	return (int64_t)civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 - VN;
}

/* ---- file helpers ---- */

static char *tmpdir(void)
{
	char *d = strdup("/tmp/loaxa-tj-XXXXXX");
	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void rm_tree(char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		char p[4200];
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* DIR/NAME in a scratch buffer that lives until the next 16 calls: for
 * immediate use only. PATH() makes one that lasts. */
static char *path_in(const char *dir, const char *name)
{
	static char p[16][4200];
	static int k;
	k = (k + 1) % 16;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

#define PATH(var, dir, name) \
	char var[4200];      \
	snprintf(var, sizeof(var), "%s/%s", dir, name)

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*len = 0;
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	size_t r;
	while ((r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			b = realloc(b, cap *= 2);
	}
	fclose(f);
	b[n] = '\0'; /* n < cap: the loop grows b when full; callers strstr it */
	*len = n;
	return b;
}

static void spit(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Offset of the start of 1-based line n in b (len if past the end). */
static size_t line_off(const char *b, size_t len, size_t n)
{
	size_t off = 0;
	for (size_t i = 1; i < n && off < len; i++) {
		const char *nl = memchr(b + off, '\n', len - off);
		off = nl ? (size_t)(nl - b) + 1 : len;
	}
	return off;
}

static size_t count_lines(const char *b, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += b[i] == '\n';
	return n;
}

/* ---- journal helpers ---- */

static struct journal *jopen(const char *dir, struct journal_recovery *rec)
{
	char err[300];
	struct journal *j = journal_open(dir, "st-01", "26734", "271", rec, err, sizeof(err));
	if (!j)
		fail_msg("journal_open: %s", err);
	return j;
}

static void put(struct journal *j, int64_t t, const char *event, const char *occ)
{
	const char *kv[] = {"occ", occ, "detail", "Tuyên truyền phòng, chống mại dâm", NULL};
	if (journal_append(j, t, VN, event, kv) < 0)
		fail_msg("journal_append: %s", strerror(errno));
}

static void put_start(struct journal *j, int64_t t, const char *occ)
{
	char due[32];
	civil_format_iso_offset(t, VN, due);
	const char *kv[] = {"occ", occ, "due", due, "bulletin", "md-01", "campaign", "pcmd",
			    "zones", "1;2", "level", "normal", "repeat", "1", "expected", "61.234",
			    "serial", "7", NULL};
	assert_int_equal(journal_append(j, t, VN, "start", kv), 0);
}

struct seen {
	size_t problems;
	char first_file[4200];
	size_t first_line;
	size_t records;
};

static void on_problem(void *ctx, const struct journal_pos *pos, const char *what)
{
	struct seen *s = ctx;
	if (!s->problems++) {
		snprintf(s->first_file, sizeof(s->first_file), "%s", pos->file);
		s->first_line = pos->line;
	}
}

static int on_record(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	((struct seen *)ctx)->records++;
	return 0;
}

static struct journal_scan_result scan(const char *dir, struct seen *s)
{
	struct journal_scan_result res;
	char err[300];
	memset(s, 0, sizeof(*s));
	if (journal_scan(dir, NULL, NULL, on_record, on_problem, s, &res, err, sizeof(err)) < 0)
		fail_msg("journal_scan: %s", err);
	assert_int_equal(s->problems, res.problems);
	assert_int_equal(s->records, res.records);
	return res;
}

/* first_bad must name FILE:LINE: */
static void assert_first_bad(const struct journal_scan_result *res, const char *dir,
			     const char *file, size_t line, const char *what)
{
	char want[4300];
	snprintf(want, sizeof(want), "%s/%s:%zu: ", dir, file, line);
	if (strncmp(res->first_bad, want, strlen(want)) || !strstr(res->first_bad, what))
		fail_msg("first_bad \"%s\", wanted \"%s%s...\"", res->first_bad, want, what);
}

/* ---- tests ---- */

static void test_month_boundary(void **state)
{
	char *dir = tmpdir();
	struct journal_recovery rec;
	struct journal *j = jopen(dir, &rec);
	assert_int_equal(rec.nopen, 0);
	assert_int_equal(rec.torn_bytes, 0);
	assert_int_equal(rec.last_time, 0);
	journal_recovery_free(&rec);
	for (int i = 0; i < 6; i++) {
		char occ[16];
		snprintf(occ, sizeof(occ), "o%d", i);
		put(j, lt(2026, 11, 30, 23, 57) + 60 * i, "missed", occ);
	}
	journal_close(j);

	size_t nlen, dlen;
	char *nov = slurp(path_in(dir, "2026-11.log"), &nlen);
	char *dec = slurp(path_in(dir, "2026-12.log"), &dlen);
	assert_non_null(nov);
	assert_non_null(dec);
	assert_int_equal(count_lines(nov, nlen), 4); /* open + 23:57, 23:58, 23:59 */
	assert_int_equal(count_lines(dec, dlen), 4); /* open + 00:00, 00:01, 00:02 */
	static struct record r;
	size_t l1 = line_off(nov, nlen, 2) - 1;
	assert_int_equal(record_parse(nov, l1, &r, NULL, 0), 0);
	assert_string_equal(r.event, "open");
	assert_string_equal(record_get(&r, "station"), "st-01");
	assert_string_equal(record_get(&r, "commune"), "26734");
	assert_string_equal(record_get(&r, "format"), "1");
	uint8_t zero[RECORD_HASH_LEN] = {0};
	assert_memory_equal(r.prev, zero, RECORD_HASH_LEN);

	/* December's open record chains to November's last line. */
	size_t last = line_off(nov, nlen, 4);
	uint8_t h[RECORD_HASH_LEN];
	record_hash(nov + last, nlen - 1 - last, h);
	size_t d1 = line_off(dec, dlen, 2) - 1;
	assert_int_equal(record_parse(dec, d1, &r, NULL, 0), 0);
	assert_string_equal(r.event, "open");
	assert_int_equal(r.time, lt(2026, 12, 1, 0, 0));
	assert_memory_equal(r.prev, h, RECORD_HASH_LEN);
	assert_non_null(strstr(dec + d1 + 1, "2026-12-01T00:00:00+07:00 missed occ=o3 "));

	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	assert_int_equal(res.chain_ok, 1);
	assert_int_equal(res.files, 2);
	assert_int_equal(res.records, 8);
	assert_int_equal(res.problems, 0);
	assert_string_equal(res.first_bad, "");
	size_t dl = line_off(dec, dlen, 4);
	record_hash(dec + dl, dlen - 1 - dl, h);
	assert_memory_equal(res.head, h, RECORD_HASH_LEN);

	/* A month range: the chain is checked from the first file read. */
	char err[200];
	assert_int_equal(journal_scan(dir, "2026-12", NULL, NULL, NULL, NULL, &res, err, sizeof(err)), 0);
	assert_int_equal(res.files, 1);
	assert_int_equal(res.records, 4);
	assert_int_equal(res.chain_ok, 1);
	assert_int_equal(journal_scan(dir, NULL, "2026-11", NULL, NULL, NULL, &res, err, sizeof(err)), 0);
	assert_int_equal(res.files, 1);
	assert_int_equal(res.chain_ok, 1);
	assert_int_equal(journal_scan(dir, "2027-01", NULL, NULL, NULL, NULL, &res, err, sizeof(err)), 0);
	assert_int_equal(res.files, 0);
	assert_int_equal(journal_scan(dir, "2026-1", NULL, NULL, NULL, NULL, &res, err, sizeof(err)), -1);
	free(nov);
	free(dec);
	rm_tree(dir);
}

/* The state every torn-line case starts from: open, start o1 (never ended),
 * start o2, end o2 (the last line). */
static void build_torn_base(const char *dir)
{
	struct journal *j = jopen(dir, NULL);
	put_start(j, lt(2026, 11, 28, 6, 30), "o1");
	put_start(j, lt(2026, 11, 28, 6, 35), "o2");
	const char *kv[] = {"occ", "o2", "outcome", "aired", "played", "61.234", "expected", "61.234",
			    "detail", "say \"xin chào\"\n", NULL};
	assert_int_equal(journal_append(j, lt(2026, 11, 28, 6, 36), VN, "end", kv), 0);
	journal_close(j);
}

static void check_recovered(const char *dir, const char *orig, size_t l0, const char *torn,
			    size_t tornlen)
{
	PATH(log, dir, "2026-11.log");
	PATH(tf, dir, "2026-11.torn");
	struct journal_recovery rec;
	struct journal *j = jopen(dir, &rec);
	/* A power cut before the `torn` record is on disk: the next open
	 * reports the same piece again, without saving it twice. */
	journal_recovery_free(&rec);
	journal_close(j);
	j = jopen(dir, &rec);
	assert_int_equal(rec.torn_bytes, tornlen);
	assert_int_equal(rec.torn_at, 0);
	assert_int_equal(rec.torn_offset, (long)l0);
	assert_string_equal(rec.torn_file, tf);
	assert_string_equal(rec.torn_log, log);
	assert_int_equal(rec.last_time, lt(2026, 11, 28, 6, 35));
	/* o2's end was cut, so both starts are open now. */
	assert_int_equal(rec.nopen, 2);
	assert_string_equal(record_get(&rec.open_starts[0], "occ"), "o1");
	assert_string_equal(record_get(&rec.open_starts[1], "occ"), "o2");
	journal_recovery_free(&rec);

	size_t n;
	char *b = slurp(tf, &n);
	assert_int_equal(n, tornlen);
	assert_memory_equal(b, torn, tornlen);
	free(b);
	b = slurp(log, &n);
	assert_int_equal(n, l0);
	assert_memory_equal(b, orig, l0);
	free(b);

	char nb[32];
	snprintf(nb, sizeof(nb), "%zu", tornlen);
	const char *tkv[] = {"file", log, "bytes", nb, "saved", tf, "at", "0", NULL};
	assert_int_equal(journal_append(j, lt(2026, 11, 28, 7, 0), VN, "torn", tkv), 0);
	put(j, lt(2026, 11, 28, 7, 0), "interrupted", "o2");
	journal_close(j);
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	if (!res.chain_ok || res.problems)
		fail_msg("after recovery: %s", res.first_bad);
	assert_int_equal(res.records, 5);

	/* Nothing more to recover the second time. */
	j = jopen(dir, &rec);
	assert_int_equal(rec.torn_bytes, 0);
	assert_int_equal(rec.nopen, 1);
	assert_int_equal(rec.last_time, lt(2026, 11, 28, 7, 0));
	journal_recovery_free(&rec);
	journal_close(j);
}

static void test_torn_every_offset(void **state)
{
	char *dir = tmpdir();
	build_torn_base(dir);
	PATH(log, dir, "2026-11.log");
	PATH(tf, dir, "2026-11.torn");
	size_t len;
	char *orig = slurp(log, &len);
	assert_int_equal(count_lines(orig, len), 4);
	size_t l0 = line_off(orig, len, 4);
	int cases = 0;

	/* Cut anywhere inside the last line, newline included. */
	for (size_t cut = l0 + 1; cut < len; cut++) {
		spit(log, orig, cut);
		unlink(tf);
		check_recovered(dir, orig, l0, orig + l0, cut - l0);
		cases++;
	}
	assert_true(cases > 100);

	/* A complete last line that does not parse (blocks of NULs after a
	 * power cut, or garbage with a newline). */
	char *bad = malloc(len);
	memcpy(bad, orig, len);
	memset(bad + l0, 0, len - l0);
	spit(log, bad, len);
	unlink(tf);
	check_recovered(dir, orig, l0, bad + l0, len - l0);
	memcpy(bad, orig, len);
	bad[l0 + 30] = '"';
	spit(log, bad, len);
	unlink(tf);
	check_recovered(dir, orig, l0, bad + l0, len - l0);
	/* A complete, parsable last line whose link is wrong was edited, not
	 * torn: it stays where it is and the scan reports the tampering. */
	memcpy(bad, orig, len);
	bad[len - 2] = bad[len - 2] == '0' ? '1' : '0';
	spit(log, bad, len);
	unlink(tf);
	{
		struct journal_recovery rec;
		journal_close(jopen(dir, &rec));
		assert_int_equal(rec.torn_bytes, 0);
		journal_recovery_free(&rec);
		size_t n;
		char *b = slurp(log, &n);
		assert_int_equal(n, len);
		assert_memory_equal(b, bad, len);
		free(b);
		struct seen s;
		struct journal_scan_result res = scan(dir, &s);
		assert_false(res.chain_ok);
		assert_non_null(strstr(res.first_bad, "2026-11.log:4"));
	}

	/* Torn pieces are appended to the month's .torn file; bytes there that
	 * no `torn` record accounts for are reported with them, as one piece. */
	spit(log, orig, l0 + 10);
	spit(tf, "earlier", 7);
	struct journal_recovery rec;
	journal_close(jopen(dir, &rec));
	assert_int_equal(rec.torn_bytes, 17);
	assert_int_equal(rec.torn_at, 0);
	size_t n;
	char *b = slurp(tf, &n);
	assert_int_equal(n, 17);
	assert_memory_equal(b, "earlier", 7);
	assert_memory_equal(b + 7, orig + l0, 10);
	free(b);
	journal_recovery_free(&rec);

	free(bad);
	free(orig);
	rm_tree(dir);
}

/* The open record of a new month is torn: the file is emptied and the next
 * append writes it again, chained to the previous month. */
static void test_torn_first_line_of_month(void **state)
{
	char *dir = tmpdir();
	struct journal *j = jopen(dir, NULL);
	put(j, lt(2026, 11, 30, 23, 0), "missed", "a");
	put(j, lt(2026, 12, 1, 1, 0), "missed", "b");
	journal_close(j);
	PATH(dec, dir, "2026-12.log");
	size_t len;
	char *d = slurp(dec, &len);
	size_t l2 = line_off(d, len, 2);
	for (size_t cut = 1; cut < l2; cut += 7) {
		spit(dec, d, cut);
		unlink(path_in(dir, "2026-12.torn"));
		struct journal_recovery rec;
		j = jopen(dir, &rec);
		assert_int_equal(rec.torn_bytes, cut);
		assert_int_equal(rec.torn_offset, 0);
		assert_int_equal(rec.last_time, lt(2026, 11, 30, 23, 0));
		journal_recovery_free(&rec);
		put(j, lt(2026, 12, 1, 2, 0), "missed", "c");
		journal_close(j);
		struct seen s;
		struct journal_scan_result res = scan(dir, &s);
		if (!res.chain_ok || res.problems)
			fail_msg("cut %zu: %s", cut, res.first_bad);
		assert_int_equal(res.records, 4); /* open a, open c */
	}
	free(d);
	rm_tree(dir);
}

/* Two months: November lines 1..6, December lines 1..4. */
static void build_two_months(const char *dir)
{
	struct journal *j = jopen(dir, NULL);
	put_start(j, lt(2026, 11, 28, 6, 30), "o1");
	put(j, lt(2026, 11, 28, 6, 31), "end", "o1");
	put_start(j, lt(2026, 11, 29, 6, 30), "o2");
	put(j, lt(2026, 11, 29, 6, 31), "end", "o2");
	put(j, lt(2026, 11, 30, 6, 30), "missed", "o3");
	put_start(j, lt(2026, 12, 1, 6, 30), "o4");
	put(j, lt(2026, 12, 1, 6, 31), "end", "o4");
	put(j, lt(2026, 12, 2, 6, 30), "failed", "o5");
	journal_close(j);
}

struct tamper {
	char *nov, *dec;
	size_t nlen, dlen;
};

static void restore(const char *dir, const struct tamper *t)
{
	spit(path_in(dir, "2026-11.log"), t->nov, t->nlen);
	spit(path_in(dir, "2026-12.log"), t->dec, t->dlen);
}

/* Write nov with line a replaced by the bytes of line b (1-based). */
static void write_lines(const char *path, const char *b, size_t len, const size_t *order, size_t n)
{
	char *out = malloc(len + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t s = line_off(b, len, order[i]), e = line_off(b, len, order[i] + 1);
		memcpy(out + o, b + s, e - s);
		o += e - s;
	}
	spit(path, out, o);
	free(out);
}

static void expect_bad(const char *dir, const char *file, size_t line, size_t problems,
		       const char *what)
{
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	assert_int_equal(res.chain_ok, 0);
	assert_first_bad(&res, dir, file, line, what);
	if (res.problems != problems)
		fail_msg("%zu problems, wanted %zu (first: %s)", res.problems, problems, res.first_bad);
	assert_string_equal(s.first_file, path_in(dir, file));
	assert_int_equal(s.first_line, line);
}

/* journal_open must leave a tampered journal exactly as it was. */
static void expect_open_untouched(const char *dir)
{
	size_t n1, d1, n2, d2;
	char *nov = slurp(path_in(dir, "2026-11.log"), &n1), *dec = slurp(path_in(dir, "2026-12.log"), &d1);
	struct journal_recovery rec;
	journal_close(jopen(dir, &rec));
	assert_int_equal(rec.torn_bytes, 0);
	journal_recovery_free(&rec);
	char *nov2 = slurp(path_in(dir, "2026-11.log"), &n2), *dec2 = slurp(path_in(dir, "2026-12.log"), &d2);
	assert_int_equal(n1, n2);
	assert_int_equal(d1, d2);
	assert_memory_equal(nov, nov2, n1);
	if (d1)
		assert_memory_equal(dec, dec2, d1);
	assert_false(exists(path_in(dir, "2026-11.torn")));
	assert_false(exists(path_in(dir, "2026-12.torn")));
	free(nov);
	free(dec);
	free(nov2);
	free(dec2);
}

static void test_tamper(void **state)
{
	char *dir = tmpdir();
	build_two_months(dir);
	struct tamper t;
	t.nov = slurp(path_in(dir, "2026-11.log"), &t.nlen);
	t.dec = slurp(path_in(dir, "2026-12.log"), &t.dlen);
	assert_int_equal(count_lines(t.nov, t.nlen), 6);
	assert_int_equal(count_lines(t.dec, t.dlen), 4);
	PATH(nov, dir, "2026-11.log");
	PATH(dec, dir, "2026-12.log");
	const char *broken = "chain broken";

	/* One byte changed in a value of line 3: line 4's link breaks. */
	restore(dir, &t);
	char *b = malloc(t.nlen);
	memcpy(b, t.nov, t.nlen);
	char *occ = strstr(b + line_off(b, t.nlen, 3), "occ=o1");
	assert_non_null(occ);
	occ[5] = '9';
	spit(nov, b, t.nlen);
	expect_bad(dir, "2026-11.log", 4, 1, broken);
	expect_open_untouched(dir);

	/* One byte changed so that line 3 no longer parses: lines 3 and 4. */
	memcpy(b, t.nov, t.nlen);
	occ = strstr(b + line_off(b, t.nlen, 3), "occ=o1");
	occ[3] = '#';
	spit(nov, b, t.nlen);
	expect_bad(dir, "2026-11.log", 3, 2, "unparsable line: ");
	expect_open_untouched(dir);

	/* Every single byte of November changed in turn is caught. */
	for (size_t i = 0; i < t.nlen; i++) {
		memcpy(b, t.nov, t.nlen);
		b[i] ^= 0x01;
		spit(nov, b, t.nlen);
		struct journal_scan_result res;
		char err[200];
		assert_int_equal(journal_scan(dir, NULL, NULL, NULL, NULL, NULL, &res, err, sizeof(err)), 0);
		if (res.chain_ok)
			fail_msg("byte %zu changed and not detected", i);
	}
	free(b);

	/* Line 3 deleted. */
	restore(dir, &t);
	size_t del3[] = {1, 2, 4, 5, 6};
	write_lines(nov, t.nov, t.nlen, del3, 5);
	expect_bad(dir, "2026-11.log", 3, 1, broken);
	expect_open_untouched(dir);

	/* Lines 3 and 4 swapped: lines 3, 4 and 5 no longer link. */
	restore(dir, &t);
	size_t swap[] = {1, 2, 4, 3, 5, 6};
	write_lines(nov, t.nov, t.nlen, swap, 6);
	expect_bad(dir, "2026-11.log", 3, 3, broken);
	expect_open_untouched(dir);

	/* The first line of the second month edited (the station name). */
	restore(dir, &t);
	b = malloc(t.dlen);
	memcpy(b, t.dec, t.dlen);
	char *st = strstr(b, "station=st-01");
	assert_non_null(st);
	st[12] = '2';
	spit(dec, b, t.dlen);
	expect_bad(dir, "2026-12.log", 2, 1, broken);
	free(b);

	/* November's last line deleted: December's first line no longer links. */
	restore(dir, &t);
	size_t del6[] = {1, 2, 3, 4, 5};
	write_lines(nov, t.nov, t.nlen, del6, 5);
	expect_bad(dir, "2026-12.log", 1, 1, broken);

	/* The whole first month removed: December's open does not chain to zeros. */
	restore(dir, &t);
	unlink(nov);
	expect_bad(dir, "2026-12.log", 1, 1, broken);

	/* Restored, all is well again. */
	restore(dir, &t);
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	assert_int_equal(res.chain_ok, 1);
	assert_int_equal(res.records, 10);

	free(t.nov);
	free(t.dec);
	rm_tree(dir);
}

static void test_open_starts_after_crash(void **state)
{
	char *dir = tmpdir();
	struct journal *j = jopen(dir, NULL);
	put_start(j, lt(2026, 11, 28, 6, 30), "A");
	put(j, lt(2026, 11, 28, 6, 31), "end", "A");
	put_start(j, lt(2026, 11, 28, 7, 30), "B");
	put_start(j, lt(2026, 11, 28, 7, 31), "C");
	put(j, lt(2026, 11, 28, 7, 40), "interrupted", "C");
	/* "crash": no end for B, no close */
	struct journal_recovery rec;
	struct journal *j2 = jopen(dir, &rec);
	assert_int_equal(rec.nopen, 1);
	const struct record *r = &rec.open_starts[0];
	assert_string_equal(r->event, "start");
	assert_string_equal(record_get(r, "occ"), "B");
	assert_string_equal(record_get(r, "bulletin"), "md-01");
	assert_string_equal(record_get(r, "zones"), "1;2");
	assert_int_equal(r->time, lt(2026, 11, 28, 7, 30));
	assert_int_equal(r->offset, VN);
	assert_int_equal(rec.last_time, lt(2026, 11, 28, 7, 40));
	journal_recovery_free(&rec);
	journal_close(j);

	/* Across the month boundary: started on 30 November, reopened in
	 * December (the newest file then holds no start of its own). */
	put_start(j2, lt(2026, 11, 30, 23, 50), "N1");
	put_start(j2, lt(2026, 11, 30, 23, 55), "N2");
	put(j2, lt(2026, 12, 1, 0, 5), "end", "N2");
	put_start(j2, lt(2026, 12, 1, 6, 0), "D1");
	put(j2, lt(2026, 12, 1, 6, 1), "end", "D1");
	journal_close(j2);
	j = jopen(dir, &rec);
	assert_int_equal(rec.nopen, 2);
	assert_string_equal(record_get(&rec.open_starts[0], "occ"), "B");
	assert_string_equal(record_get(&rec.open_starts[1], "occ"), "N1");
	assert_string_equal(record_get(&rec.open_starts[1], "due"), "2026-11-30T23:50:00+07:00");
	journal_recovery_free(&rec);
	/* The daemon records them; then nothing is open. */
	put(j, lt(2026, 12, 1, 7, 0), "interrupted", "B");
	put(j, lt(2026, 12, 1, 7, 0), "interrupted", "N1");
	journal_close(j);
	j = jopen(dir, &rec);
	assert_int_equal(rec.nopen, 0);
	assert_null(rec.open_starts);
	journal_close(j);
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	assert_int_equal(res.chain_ok, 1);
	assert_int_equal(res.files, 2);
	rm_tree(dir);
}

static void test_append_survives_reopen(void **state)
{
	char *dir = tmpdir();
	struct journal *j = jopen(dir, NULL);
	for (int i = 0; i < 20; i++)
		put(j, lt(2026, 11, 1, 6, 0) + i, "missed", "x");
	/* Read back while the writer is still open: all of it is on disk. */
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	assert_int_equal(res.records, 21);
	assert_int_equal(res.chain_ok, 1);
	uint8_t head[RECORD_HASH_LEN];
	memcpy(head, res.head, sizeof(head));
	journal_close(j);

	struct journal_recovery rec;
	j = jopen(dir, &rec);
	assert_int_equal(rec.torn_bytes, 0);
	assert_int_equal(rec.last_time, lt(2026, 11, 1, 6, 0) + 19);
	journal_recovery_free(&rec);
	put(j, lt(2026, 11, 1, 7, 0), "amp-ok", NULL);
	journal_close(j);
	res = scan(dir, &s);
	assert_int_equal(res.records, 22);
	assert_int_equal(res.chain_ok, 1);
	assert_memory_not_equal(res.head, head, RECORD_HASH_LEN);
	size_t n;
	char *b = slurp(path_in(dir, "2026-11.log"), &n);
	assert_int_equal(b[n - 1], '\n');
	assert_int_equal(count_lines(b, n), 22);
	free(b);
	rm_tree(dir);
}

static void test_append_refuses_bad_record(void **state)
{
	char *dir = tmpdir();
	struct journal *j = jopen(dir, NULL);
	put(j, lt(2026, 11, 1, 6, 0), "missed", "x");
	const char *kv[] = {"Bad Key", "x", NULL};
	errno = 0;
	assert_int_equal(journal_append(j, lt(2026, 11, 1, 6, 1), VN, "missed", kv), -1);
	assert_int_equal(errno, EINVAL);
	static char big[RECORD_LINE_MAX + 10];
	memset(big, 'x', sizeof(big) - 1);
	const char *kv2[] = {"detail", big, NULL};
	assert_int_equal(journal_append(j, lt(2026, 11, 1, 6, 1), VN, "failed", kv2), -1);
	put(j, lt(2026, 11, 1, 6, 2), "missed", "y");
	journal_close(j);
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	assert_int_equal(res.records, 3);
	assert_int_equal(res.chain_ok, 1);
	rm_tree(dir);
}

/* The clock stepped back into the previous month: records stay in the
 * newest file so that the chain keeps following the file order. */
static void test_clock_back(void **state)
{
	char *dir = tmpdir();
	struct journal *j = jopen(dir, NULL);
	put(j, lt(2026, 12, 1, 0, 10), "missed", "a");
	put(j, lt(2026, 11, 30, 23, 50), "clock-stepped", NULL);
	journal_close(j);
	assert_false(exists(path_in(dir, "2026-11.log")));
	j = jopen(dir, NULL);
	put(j, lt(2026, 11, 30, 23, 55), "missed", "b");
	put(j, lt(2026, 12, 1, 0, 20), "missed", "c");
	journal_close(j);
	assert_false(exists(path_in(dir, "2026-11.log")));
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	assert_int_equal(res.records, 5);
	assert_int_equal(res.chain_ok, 1);
	rm_tree(dir);
}

static void test_scan_torn_and_odd_files(void **state)
{
	char *dir = tmpdir();
	struct journal *j = jopen(dir, NULL);
	put(j, lt(2026, 11, 30, 23, 0), "missed", "a");
	put(j, lt(2026, 12, 1, 1, 0), "missed", "b");
	journal_close(j);
	/* Files that are not YYYY-MM.log are ignored. */
	spit(path_in(dir, "notes.txt"), "hello\n", 6);
	spit(path_in(dir, "2026-13.log"), "junk\n", 5);
	spit(path_in(dir, "2026-11.log.bak"), "junk\n", 5);

	/* A torn tail at the end of the newest file is reported, but it is the
	 * expected trace of a crash, not tampering. */
	PATH(dec, dir, "2026-12.log");
	size_t n;
	char *d = slurp(dec, &n);
	char *more = malloc(n + 20);
	memcpy(more, d, n);
	memcpy(more + n, "2026-12-01T01:0", 15);
	spit(dec, more, n + 15);
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	assert_int_equal(res.files, 2);
	assert_int_equal(res.records, 4);
	assert_int_equal(res.problems, 1);
	assert_int_equal(res.chain_ok, 1);
	assert_first_bad(&res, dir, "2026-12.log", 3, "torn last line (no newline)");

	/* The same in an older file is a broken chain. */
	spit(dec, d, n);
	PATH(nov, dir, "2026-11.log");
	size_t nn;
	char *nv = slurp(nov, &nn);
	nv = realloc(nv, nn + 5);
	memcpy(nv + nn, "2026-", 5);
	spit(nov, nv, nn + 5);
	res = scan(dir, &s);
	assert_int_equal(res.chain_ok, 0);
	assert_first_bad(&res, dir, "2026-11.log", 3, "torn last line");
	free(nv);
	free(more);
	free(d);

	/* A line longer than the reader's buffer (1 MiB) is one bad line. */
	spit(nov, "", 0);
	size_t big = (3u << 20) + 5;
	char *huge = malloc(big);
	memset(huge, 'x', big);
	huge[big - 1] = '\n';
	spit(nov, huge, big);
	free(huge);
	res = scan(dir, &s);
	assert_int_equal(res.chain_ok, 0);
	assert_first_bad(&res, dir, "2026-11.log", 1, "too long");
	assert_int_equal(res.records, 2);

	/* Empty or missing folders. */
	char err[300];
	assert_int_equal(journal_scan("/nonexistent/loaxa", NULL, NULL, NULL, NULL, NULL, &res, err,
				      sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/loaxa"));
	char *empty = tmpdir();
	assert_int_equal(journal_scan(empty, NULL, NULL, NULL, NULL, NULL, &res, err, sizeof(err)), 0);
	assert_int_equal(res.files, 0);
	assert_int_equal(res.chain_ok, 1);
	rm_tree(empty);
	rm_tree(dir);
}

static int stop_after_two(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	return ++*(int *)ctx == 2;
}

static void test_scan_stops_and_positions(void **state)
{
	char *dir = tmpdir();
	build_two_months(dir);
	int n = 0;
	struct journal_scan_result res;
	char err[200];
	assert_int_equal(journal_scan(dir, NULL, NULL, stop_after_two, NULL, &n, &res, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(res.records, 2);
	/* journal_open in a folder path that cannot be made. */
	assert_null(journal_open("/proc/loaxa/x", "s", "c", NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/proc/loaxa/x"));
	rm_tree(dir);
}


/* A journal that cannot grow (RLIMIT_FSIZE: a real EFBIG from write(),
 * as a full card gives ENOSPC): records are held in order, nothing partial
 * stays in the file, and they are all written, chained, once it can. */
static void test_records_held_until_room(void **state)
{
	char *dir = tmpdir();
	struct journal *j = jopen(dir, NULL);
	put(j, lt(2026, 11, 30, 6, 0), "missed", "a");
	struct stat st;
	assert_int_equal(stat(path_in(dir, "2026-11.log"), &st), 0);
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size + 10; /* not even one more line fits */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	const char *kv1[] = {"occ", "b", "skip", NULL, "detail", "x y", NULL};
	const char *kv2[] = {"occ", "c", NULL};
	int r1 = journal_record(j, lt(2026, 11, 30, 6, 1), VN, "failed", kv1), e1 = errno;
	int r2 = journal_record(j, lt(2026, 11, 30, 6, 2), VN, "missed", kv2);
	size_t q2 = journal_queued(j);
	int r3 = journal_retry(j);
	struct stat st2;
	int sr = stat(path_in(dir, "2026-11.log"), &st2);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r1, 1);
	assert_int_equal(e1, EFBIG); /* the real reason, after a short write */
	assert_int_equal(r2, 1);
	assert_int_equal(q2, 2);
	assert_int_equal(r3, -1);
	assert_int_equal(journal_queued(j), 2);
	assert_int_equal(sr, 0);
	assert_int_equal(st2.st_size, st.st_size); /* nothing partial left behind */
	/* The next record goes after the held ones. */
	assert_int_equal(journal_record(j, lt(2026, 11, 30, 6, 3), VN, "missed", kv2), 0);
	assert_int_equal(journal_queued(j), 0);
	assert_int_equal(journal_dropped(j), 0);
	journal_close(j);
	size_t len;
	char *b = slurp(path_in(dir, "2026-11.log"), &len);
	assert_non_null(b);
	assert_int_equal(count_lines(b, len), 5);
	assert_non_null(strstr(b, " failed occ=b detail=\"x y\" prev="));
	char *pb = strstr(b, " failed occ=b"), *pc = strstr(b, " missed occ=c");
	assert_true(pb && pc && pb < pc);
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	assert_true(res.chain_ok);
	assert_int_equal(s.records, 5);
	free(b);
	rm_tree(dir);
}


/* Deferred records are written in groups, in order, across a month
 * boundary, chained; a record that can never be written is dropped and
 * counted, not blocking the rest. */
static void test_deferred_groups(void **state)
{
	char *dir = tmpdir();
	struct journal *j = jopen(dir, NULL);
	put(j, lt(2026, 11, 1, 0, 0), "missed", "first");
	int64_t t0 = lt(2026, 11, 1, 0, 5);
	size_t n = 10000; /* more than one flush, more than one group */
	for (size_t i = 0; i < n; i++) {
		char occ[32];
		snprintf(occ, sizeof(occ), "m%zu", i);
		const char *kv[] = {"occ", occ, "detail", "the station was not running", NULL};
		assert_int_equal(journal_defer(j, t0 + (int64_t)i * 600, VN, "missed", kv), 0);
		if (i == 10) {
			const char *bad[] = {"prev", "x", NULL}; /* never writable */
			assert_int_equal(journal_defer(j, t0 + (int64_t)i * 600, VN, "missed", bad), 0);
		}
	}
	assert_true(journal_queued(j) < JOURNAL_DEFER_FLUSH + 2); /* it flushed by itself */
	const char *kv[] = {"occ", "last", NULL};
	assert_int_equal(journal_record(j, t0 + (int64_t)n * 600, VN, "failed", kv), 0);
	assert_int_equal(journal_queued(j), 0);
	assert_int_equal(journal_dropped(j), 1);
	journal_close(j);
	/* 10000 x 10 min: November into December and January. */
	assert_true(exists(path_in(dir, "2026-12.log")));
	assert_true(exists(path_in(dir, "2027-01.log")));
	struct seen s;
	struct journal_scan_result res = scan(dir, &s);
	if (!res.chain_ok || res.problems)
		fail_msg("grouped: %s", res.first_bad);
	assert_int_equal(s.records, 3 + 1 + n + 1); /* 3 opens, first, the deferred, last */
	size_t len;
	char *b = slurp(path_in(dir, "2027-01.log"), &len);
	assert_non_null(strstr(b, " failed occ=last prev="));
	free(b);
	b = slurp(path_in(dir, "2026-11.log"), &len);
	char *p0 = strstr(b, " occ=m0 "), *p1 = strstr(b, " occ=m1 "), *p11 = strstr(b, " occ=m11 ");
	assert_true(p0 && p1 && p11 && p0 < p1 && p1 < p11);
	free(b);
	rm_tree(dir);
}

/* Lazy mode (issue 11): records are written, not flushed, until the
 * flusher thread has run fdatasync; a write during a flush waits for the
 * next; a start (journal_append) flushes everything; month changes and
 * close flush what is left; the lines are all there and chained. */
static void flush_once(struct journal *j, struct syncer *s, int write_meanwhile)
{
	uint64_t ticket;
	int fd = journal_sync_begin(j, &ticket);
	assert_true(fd >= 0);
	assert_int_equal(syncer_submit(s, fd, ticket), 0);
	assert_true(syncer_busy(s));
	assert_int_equal(syncer_submit(s, 0, ticket), -1); /* one at a time */
	if (write_meanwhile) {
		const char *kv[] = {"request", "stop", NULL};
		assert_int_equal(journal_record(j, lt(2026, 11, 2, 0, 1), VN, "request", kv), 0);
	}
	struct pollfd p = {syncer_fd(s), POLLIN, 0};
	assert_int_equal(poll(&p, 1, 10000), 1);
	uint64_t t;
	int e = -1;
	assert_int_equal(syncer_result(s, &t, &e), 1);
	assert_int_equal(e, 0);
	assert_true(t == ticket);
	assert_false(syncer_busy(s));
	assert_int_equal(syncer_result(s, &t, &e), 0);
	journal_sync_end(j, t, e);
}

static void test_lazy_flush(void **state)
{
	if (no_threads())
		skip();
	char *dir = tmpdir();
	struct journal *j = jopen(dir, NULL);
	struct syncer *s = syncer_new();
	assert_non_null(s);
	assert_false(journal_unsynced(j));
	put(j, lt(2026, 11, 1, 0, 0), "station-start", "a");
	assert_false(journal_unsynced(j)); /* not lazy: flushed at once */
	journal_set_lazy(j, 1);
	const char *kv[] = {"occ", "x", NULL};
	assert_int_equal(journal_record(j, lt(2026, 11, 2, 0, 0), VN, "end", kv), 0);
	assert_true(journal_unsynced(j));
	flush_once(j, s, 1); /* a record written during the flush ... */
	assert_true(journal_unsynced(j)); /* ... waits for the next one */
	flush_once(j, s, 0);
	assert_false(journal_unsynced(j));
	/* missed records, grouped, are not flushed either */
	assert_int_equal(journal_defer(j, lt(2026, 11, 2, 0, 2), VN, "missed", kv), 0);
	assert_int_equal(journal_retry(j), 0);
	assert_true(journal_unsynced(j));
	/* a start is flushed, and every line before it with it */
	assert_int_equal(journal_append(j, lt(2026, 11, 2, 0, 3), VN, "start", kv), 0);
	assert_false(journal_unsynced(j));
	assert_int_equal(journal_record(j, lt(2026, 11, 30, 23, 0), VN, "end", kv), 0);
	assert_true(journal_unsynced(j));
	/* a new month: November is flushed before December's first line */
	assert_int_equal(journal_record(j, lt(2026, 12, 1, 0, 0), VN, "request", kv), 0);
	assert_true(journal_unsynced(j));
	/* a stale ticket (before the last write) leaves it unflushed */
	journal_sync_end(j, 0, 0);
	assert_true(journal_unsynced(j));
	syncer_free(s);
	journal_close(j); /* flushes the rest */
	struct seen sn;
	struct journal_scan_result res = scan(dir, &sn);
	if (!res.chain_ok || res.problems)
		fail_msg("lazy: %s", res.first_bad);
	assert_int_equal(sn.records, 2 + 7); /* 2 opens, 7 records */
	syncer_free(NULL);
	rm_tree(dir);
}

/* Held records kept on disk (issue 11): what a run held and partly wrote
 * before it ended is taken back, the part already in the journal not
 * again; a record the journal cannot take goes to the held file, which
 * is removed once the journal has it. */
static void held_line(FILE *f, int64_t t, const char *event, const char *occ)
{
	static const uint8_t zero[RECORD_HASH_LEN];
	const char *kv[] = {"occ", occ, "detail", "Tuyên truyền phòng, chống mại dâm", NULL}; /* as put() */
	char buf[RECORD_LINE_MAX + 1];
	size_t len = record_format(buf, sizeof(buf), t, VN, event, kv, zero);
	assert_true(len > 0);
	fprintf(f, "%.*s\n", (int)len, buf);
}

static void count_queued(void *ctx, const struct record *r)
{
	char *seen = ctx;
	strcat(seen, record_get(r, "occ"));
}

static void test_held_file(void **state)
{
	char *dir = tmpdir(), *hdir = tmpdir();
	char held[4200];
	snprintf(held, sizeof(held), "%s/journal-held", hdir);
	struct journal *j = jopen(dir, NULL);
	put(j, lt(2026, 11, 30, 6, 0), "station-start", "a");
	/* the last run held x, y, z, wrote x and y, and was killed */
	put(j, lt(2026, 11, 30, 6, 1), "failed", "x");
	put(j, lt(2026, 11, 30, 6, 2), "start", "y");
	journal_close(j);
	FILE *f = fopen(held, "w");
	assert_non_null(f);
	held_line(f, lt(2026, 11, 30, 6, 1), "failed", "x");
	held_line(f, lt(2026, 11, 30, 6, 2), "start", "y");
	held_line(f, lt(2026, 11, 30, 6, 3), "end", "z");
	fputs("2026-11-30T06:04:00+07:00 end occ=t", f); /* torn: never whole */
	fclose(f);
	j = jopen(dir, NULL);
	char err[256];
	assert_int_equal(journal_hold_file(j, held, err, sizeof(err)), 1);
	char seen[64] = "";
	journal_each_queued(j, count_queued, seen);
	assert_string_equal(seen, "z");
	assert_int_equal(journal_retry(j), 0);
	assert_false(exists(held)); /* in the journal and flushed: done with */
	/* Now the journal cannot grow: the record goes to the held file. */
	for (int i = 0; i < 20; i++)
		put(j, lt(2026, 11, 30, 7, i), "request", "padding");
	struct stat st;
	assert_int_equal(stat(path_in(dir, "2026-11.log"), &st), 0);
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size + 10;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	const char *kv[] = {"occ", "w", NULL};
	int r = journal_record(j, lt(2026, 11, 30, 8, 0), VN, "end", kv);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, 1);
	size_t len;
	char *b = slurp(held, &len);
	assert_non_null(b);
	assert_non_null(strstr(b, " end occ=w prev=0000"));
	free(b);
	assert_int_equal(journal_held_failed(j), 0);
	assert_int_equal(journal_retry(j), 0);
	assert_false(exists(held));
	journal_close(j);
	struct seen sn;
	struct journal_scan_result res = scan(dir, &sn);
	if (!res.chain_ok || res.problems)
		fail_msg("held: %s", res.first_bad);
	assert_int_equal(sn.records, 1 + 3 + 1 + 20 + 1); /* open, a x y, z, padding, w */
	b = slurp(path_in(dir, "2026-11.log"), &len);
	char *px = strstr(b, " occ=x "), *pz = strstr(b, " occ=z ");
	assert_true(px && pz && px < pz && !strstr(px + 1, " occ=x ") && !strstr(pz + 1, " occ=z "));
	free(b);
	rm_tree(dir);
	rm_tree(hdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_boundary),
		cmocka_unit_test(test_records_held_until_room),
		cmocka_unit_test(test_deferred_groups),
		cmocka_unit_test(test_lazy_flush),
		cmocka_unit_test(test_held_file),
		cmocka_unit_test(test_torn_every_offset),
		cmocka_unit_test(test_torn_first_line_of_month),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_open_starts_after_crash),
		cmocka_unit_test(test_append_survives_reopen),
		cmocka_unit_test(test_append_refuses_bad_record),
		cmocka_unit_test(test_clock_back),
		cmocka_unit_test(test_scan_torn_and_odd_files),
		cmocka_unit_test(test_scan_stops_and_positions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
