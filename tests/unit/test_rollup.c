/* Unit tests for the district officer's desk: the official commune list
 * (header orders, no header, BOM, quotes, errors with file:line), the
 * roll-up's denominator and findings (rollup_summarise on built stations;
 * duplicates and claims through rollup_run on real folders), finding
 * journal folders under a path (jfolder), and CSV neutralisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"
#include "jfolder.h"
#include "record.h"
#include "rollup.h"
#include "textout.h"
#include "util.h"

static char dir[256];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "%s/loaxa-test-rollup.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

/* Two threads, except under qemu-user (LOAXA_NO_FORK=1, make test-arm64):
 * qemu-aarch64 7.2 hangs in pthread_create/fork on current kernels. */
static long test_jobs(void)
{
	const char *nf = getenv("LOAXA_NO_FORK");
	return nf && *nf == '1' ? 1 : 2;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* No fork (rm -rf through system()): once the roll-up's threads have run,
 * fork() hangs under qemu-user, and make test-arm64 runs this file there. */
static int rm_rf(const char *p)
{
	return nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int teardown(void **state)
{
	return rm_rf(dir);
}

static const char *put(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char d[512];
	path_dirname(path, d, sizeof(d));
	mkdir_p(d, 0755);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* ---- the commune list ---- */

static void test_list_header_any_order(void **state)
{
	struct errlist e = {0};
	struct commune_map *m = commune_map_load(
		put("l1.csv", "\xef\xbb\xbf# official list\ncode,name,district\n"
			      "27001,\"Xã Phú Cát, thôn \"\"Đông\"\"\",271\n 27002 , Xã An Khánh ,271\n\n27003,Xã Ngoài,272\n"),
		&e);
	assert_non_null(m);
	assert_int_equal(e.n, 0);
	assert_int_equal(commune_map_size(m), 3);
	const struct commune_entry *c = commune_map_get(m, "27001");
	assert_non_null(c);
	assert_string_equal(c->name, "Xã Phú Cát, thôn \"Đông\"");
	assert_string_equal(c->district, "271");
	assert_string_equal(commune_map_get(m, "27002")->name, "Xã An Khánh");
	assert_string_equal(commune_map_find(m, "27003"), "272");
	assert_null(commune_map_find(m, "99999"));
	assert_null(commune_map_single_district(m));
	commune_map_free(m);

	m = commune_map_load(put("l2.csv", "district_code,commune_code,ten_xa\r\n271,27001,Xã Một\r\n271,27002,Xã Hai\r\n"), &e);
	assert_non_null(m);
	assert_string_equal(commune_map_get(m, "27002")->name, "Xã Hai");
	assert_string_equal(commune_map_single_district(m), "271");
	commune_map_free(m);
	errlist_free(&e);
}

static void test_list_no_header(void **state)
{
	struct errlist e = {0};
	struct commune_map *m = commune_map_load(put("l3.csv", "27001,Xã Một,271\n27002,Xã Hai,272\n"), &e);
	assert_non_null(m);
	assert_string_equal(commune_map_get(m, "27001")->name, "Xã Một");
	assert_string_equal(commune_map_find(m, "27002"), "272");
	commune_map_free(m);
	m = commune_map_load(put("l4.csv", "27001,271\n27002,271\n"), &e);
	assert_non_null(m);
	assert_string_equal(commune_map_get(m, "27001")->name, "");
	assert_string_equal(commune_map_find(m, "27002"), "271");
	commune_map_free(m);
	assert_int_equal(e.n, 0);
	errlist_free(&e);
}

static void test_list_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"code,name,district\n27001,A,271\n27001,B,271\n", "l.csv:3: commune 27001 is listed twice"},
		{"code,name\n27001,A\n", "l.csv:1: the header must name the columns commune_code and district_code"},
		{"code,name,district\n27001,\"A,271\n", "l.csv:2: unterminated quote"},
		{"code,name,district\n27001,A,\n", "l.csv:2: expected a value in each named column"},
		{"27001\n", "l.csv:1: expected commune_code,name,district_code"},
		{"# nothing\n", "l.csv: no commune in the list"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct errlist e = {0};
		const char *p = put("l.csv", bad[i].text);
		assert_null(commune_map_load(p, &e));
		assert_true(e.n >= 1);
		if (!strstr(e.msg[0], bad[i].want))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, e.msg[0], bad[i].want);
		errlist_free(&e);
	}
	struct errlist e = {0};
	char nowhere[300];
	snprintf(nowhere, sizeof(nowhere), "%s/nowhere.csv", dir);
	assert_null(commune_map_load(nowhere, &e));
	assert_non_null(strstr(e.msg[0], "cannot read"));
	errlist_free(&e);
}

/* ---- the denominator ---- */

static void station(struct rollup_station *s, const char *id, const char *commune, const char *district,
		    int counts, int met, int excluded)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/copied/%s", id[0] ? id : "empty");
	str_copy(s->station, id, sizeof(s->station));
	str_copy(s->commune, commune, sizeof(s->commune));
	str_copy(s->district, district, sizeof(s->district));
	s->counts = counts;
	s->excluded = excluded;
	if (!commune[0])
		return; /* a folder with no journal */
	s->camps = calloc(1, sizeof(*s->camps));
	s->ncamps = 1;
	str_copy(s->camps[0].id, "c1", sizeof(s->camps[0].id));
	str_copy(s->camps[0].title, "Chiến dịch một", sizeof(s->camps[0].title));
	s->camps[0].months_required = 1;
	s->camps[0].months_met = met;
	s->camps[0].met = met && counts;
	s->camps[0].total.n[OUT_AIRED] = met ? 5 : 2;
	s->camps[0].total.scheduled = 5;
}

static void test_summary_with_list(void **state)
{
	struct errlist e = {0};
	struct commune_map *m = commune_map_load(
		put("d.csv", "code,name,district\n1,Một,271\n2,Hai,271\n3,Ba,271\n4,Bốn,271\n9,Chín,272\n"), &e);
	assert_non_null(m);
	struct rollup_station s[5];
	station(&s[0], "st-1", "1", "271", 1, 1, 0);  /* meets */
	station(&s[1], "st-2", "2", "271", 1, 0, 0);  /* does not */
	station(&s[2], "st-3", "3", "271", 0, 1, 0);  /* flagged: never met */
	station(&s[3], "st-9", "9", "272", 0, 1, 1);  /* another district: apart */
	station(&s[4], "st-7", "7", "271", 0, 1, 1);  /* not on the list: apart */
	struct rollup_opts o = {.district = "271", .map = m};
	struct rollup_summary *sum;
	struct rollup_totals t;
	size_t n = rollup_summarise(s, 5, &o, &sum, &t);
	assert_int_equal(n, 1);
	assert_int_equal(t.from_list, 1);
	assert_int_equal(t.communes, 4);
	assert_int_equal(t.reporting, 3);
	assert_int_equal(t.not_reporting, 1);
	assert_int_equal(t.nmissing, 1);
	assert_string_equal(t.missing[0].code, "4");
	assert_string_equal(t.missing[0].name, "Bốn");
	assert_int_equal(t.excluded, 2);
	assert_int_equal(t.flagged, 1);
	assert_string_equal(sum[0].title, "Chiến dịch một");
	assert_int_equal(sum[0].communes, 4);
	assert_int_equal(sum[0].communes_met, 1);
	assert_int_equal(sum[0].not_reporting, 1);
	assert_int_equal(sum[0].communes_not_met, 2);
	assert_int_equal(sum[0].aired, 5 + 2 + 5);
	assert_true(sum[0].percent > 24.99 && sum[0].percent < 25.01);
	free(sum);
	rollup_totals_free(&t);

	/* The whole list when no district is given. */
	o.district = NULL;
	s[3].excluded = 0;
	s[3].counts = 1;
	s[3].camps[0].met = 1;
	n = rollup_summarise(s, 5, &o, &sum, &t);
	assert_int_equal(t.communes, 5);
	assert_int_equal(sum[0].communes_met, 2);
	free(sum);
	rollup_totals_free(&t);
	for (int i = 0; i < 5; i++)
		free(s[i].camps);
	commune_map_free(m);
	errlist_free(&e);
}

static void test_summary_stations_given(void **state)
{
	struct rollup_station s[4];
	station(&s[0], "st-1", "1", "271", 1, 1, 0);
	station(&s[1], "st-1b", "1", "271", 1, 0, 0); /* a second station of commune 1 */
	station(&s[2], "", "", "", 0, 0, 0);           /* a folder with no journal */
	station(&s[3], "st-9", "9", "272", 0, 0, 1);   /* another district */
	struct rollup_opts o = {.district = "271"};
	struct rollup_summary *sum;
	struct rollup_totals t;
	size_t n = rollup_summarise(s, 4, &o, &sum, &t);
	assert_int_equal(n, 1);
	assert_int_equal(t.from_list, 0);
	assert_int_equal(t.communes, 2); /* commune 1, and the folder that did not report */
	assert_int_equal(t.not_reporting, 1);
	assert_int_equal(t.nmissing, 0);
	assert_int_equal(sum[0].communes_met, 1);
	assert_int_equal(sum[0].communes_not_met, 0);
	assert_int_equal((int)(sum[0].percent + 0.5), 50);
	free(sum);
	rollup_totals_free(&t);
	for (int i = 0; i < 4; i++)
		free(s[i].camps);
}

/* A journal folder of one month holding only its `open` record. */
static void journal(const char *name, const char *station_id, const char *commune)
{
	char path[600], line[RECORD_LINE_MAX + 1];
	uint8_t prev[RECORD_HASH_LEN] = {0};
	const char *kv[] = {"station", station_id, "commune", commune, "format", "1", NULL};
	int64_t t = (int64_t)civil_days(2026, 11, 1) * 86400 - 25200;
	size_t len = record_format(line, sizeof(line), t, 25200, "open", kv, prev);
	assert_true(len > 0);
	snprintf(path, sizeof(path), "%s/%s/2026-11.log", dir, name);
	line[len] = '\n';
	line[len + 1] = '\0';
	put(path + strlen(dir) + 1, line);
}

static void test_duplicates_and_claims(void **state)
{
	journal("r/a", "st-1", "1");
	journal("r/a2", "st-1", "1");
	journal("r/b", "st-2", "2");
	journal("r/c", "st-3", "2");
	journal("r/d", "st-4", "4");
	char p[5][400];
	const char *dirs[5];
	const char *names[] = {"a", "a2", "b", "c", "d"};
	for (int i = 0; i < 5; i++) {
		snprintf(p[i], sizeof(p[i]), "%s/r/%s", dir, names[i]);
		dirs[i] = p[i];
	}
	struct rollup_opts o = {.from_day = civil_days(2026, 11, 1), .to_day = civil_days(2026, 11, 30), .jobs = test_jobs()};
	struct rollup_station *s;
	assert_int_equal(rollup_run(dirs, 5, &o, &s), 0);
	assert_non_null(strstr(s[0].flags, "the same station's journal is given 2 times"));
	assert_non_null(strstr(s[1].flags, "the same station's journal is given 2 times"));
	assert_null(strstr(s[0].flags, "claimed"));
	assert_non_null(strstr(s[2].flags, "commune 2 is claimed by 2 stations (st-2; st-3)"));
	assert_non_null(strstr(s[3].flags, "commune 2 is claimed by 2 stations"));
	assert_null(strstr(s[4].flags, "claimed"));
	assert_null(strstr(s[4].flags, "given"));
	for (int i = 0; i < 4; i++)
		assert_int_equal(s[i].counts, 0);
	rollup_free(s, 5);
}

/* ---- journal folders under a path ---- */

static void test_jfolder(void **state)
{
	put("j/plain/2026-11.log", "x\n");
	put("j/station/journal/2026-10.log", "x\n");
	put("j/station/journal/notes.txt", "x\n");
	put("j/mirror/b/journal/2026-11.log", "x\n");
	put("j/mirror/a/2026-11.log", "x\n");
	put("j/mirror/c/readme", "x\n");
	put("j/mirror/.tmp/journal/2026-11.log", "x\n");
	put("j/mirror/file.log", "x\n");
	put("j/empty/2026-1.log", "x\n");
	char p[400];
	struct jfolder_list l = {0};
	snprintf(p, sizeof(p), "%s/j/plain", dir);
	assert_int_equal(jfolder_find(p, &l), 1);
	assert_string_equal(l.dir[0], p);
	snprintf(p, sizeof(p), "%s/j/station/", dir);
	assert_int_equal(jfolder_find(p, &l), 1);
	assert_non_null(strstr(l.dir[1], "/j/station/journal"));
	assert_null(strstr(l.dir[1], "//"));
	snprintf(p, sizeof(p), "%s/j/mirror", dir);
	assert_int_equal(jfolder_find(p, &l), 2);
	assert_non_null(strstr(l.dir[2], "/j/mirror/a"));
	assert_non_null(strstr(l.dir[3], "/j/mirror/b/journal"));
	snprintf(p, sizeof(p), "%s/j/empty", dir);
	assert_int_equal(jfolder_find(p, &l), 0);
	snprintf(p, sizeof(p), "%s/j/nowhere", dir);
	assert_int_equal(jfolder_find(p, &l), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(l.n, 4);
	jfolder_list_free(&l);
	assert_int_equal(jfolder_is_log_name("2026-11.log"), 1);
	assert_int_equal(jfolder_is_log_name("2026-11.log.1"), 0);
	assert_int_equal(jfolder_is_log_name("26-11.log"), 0);
}

/* ---- CSV for spreadsheets ---- */

static void test_csv_neutralised(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""},
		{"+1", "'+1"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"=a,b", "\"'=a,b\""},
		{"plain", "plain"},
		{"a=b", "a=b"},
		{"", ""},
		{"Xã Một", "Xã Một"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		out_csv_text(f, cases[i].in);
		fclose(f);
		assert_string_equal(buf, cases[i].out);
		free(buf);
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	out_csv_bom(f);
	out_csv_field(f, "-2");
	out_csv_end(f);
	fclose(f);
	assert_string_equal(buf, "\xef\xbb\xbf-2\r\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_header_any_order),
		cmocka_unit_test(test_list_no_header),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_summary_with_list),
		cmocka_unit_test(test_summary_stations_given),
		cmocka_unit_test(test_duplicates_and_claims),
		cmocka_unit_test(test_jfolder),
		cmocka_unit_test(test_csv_neutralised),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
