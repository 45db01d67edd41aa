/* Unit tests for asrun.c: one row per broadcast with exactly one outcome,
 * built from journal records (every outcome, ends without a start, starts
 * without an end at finish, the bound on open starts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asrun.h"
#include "civil.h"
#include "record.h"

#define VN 25200
#define T1 1795822200 /* 2026-11-28T06:30:00+07:00 */

struct rows {
	struct broadcast b[64];
	size_t n, total;
};

static void on_row(void *ctx, const struct broadcast *b)
{
	struct rows *r = ctx;
	if (r->n < 64)
		r->b[r->n++] = *b;
	r->total++;
}

/* Feed one record made from event and kv at time t. */
static void feed(struct asrun *a, int64_t t, const char *event, const char *const *kv)
{
	static struct record r;
	char line[RECORD_LINE_MAX + 1], err[200];
	uint8_t prev[RECORD_HASH_LEN] = {0};
	size_t len = record_format(line, sizeof(line), t, VN, event, kv, prev);
	assert_true(len > 0);
	if (record_parse(line, len, &r, err, sizeof(err)) < 0)
		fail_msg("%s: %s", line, err);
	asrun_feed(a, &r);
}

static void feed_open(struct asrun *a)
{
	const char *kv[] = {"station", "st-01", "commune", "26734", "format", "1", NULL};
	feed(a, T1 - 3600, "open", kv);
	const char *sk[] = {"serial", "41", "sha256", "ab", "file", "s.conf", "signer", "stt", NULL};
	feed(a, T1 - 1800, "schedule-installed", sk);
}

static void feed_start(struct asrun *a, int64_t t, const char *occ, const char *serial)
{
	char due[32];
	civil_format_iso_offset(T1, VN, due);
	const char *kv[] = {"occ", occ, "due", due, "bulletin", "md-01", "campaign", "pcmd",
			    "zones", "1;2", "level", "priority", "repeat", "2", "expected", "122.468",
			    "serial", serial, NULL};
	feed(a, t, "start", kv);
}

static void feed_end(struct asrun *a, int64_t t, const char *occ, const char *outcome,
		     const char *played, const char *detail)
{
	const char *kv[] = {"occ", occ, "outcome", outcome, "played", played, "expected", "122.468",
			    "detail", detail, NULL};
	feed(a, t, "end", kv);
}

static void check_start_fields(const struct broadcast *b, const char *occ)
{
	assert_string_equal(b->station, "st-01");
	assert_string_equal(b->commune, "26734");
	assert_string_equal(b->occurrence, occ);
	assert_int_equal(b->due, T1);
	assert_int_equal(b->due_off, VN);
	assert_string_equal(b->bulletin, "md-01");
	assert_string_equal(b->campaign, "pcmd");
	assert_string_equal(b->zones, "1;2");
	assert_string_equal(b->level, "priority");
	assert_true(b->seconds_expected > 122.467 && b->seconds_expected < 122.469);
}

static void test_aired_and_partial(void **state)
{
	struct rows rows = {0};
	struct asrun *a = asrun_new(on_row, &rows);
	feed_open(a);
	feed_start(a, T1 + 2, "s1-a", NULL);
	assert_int_equal(rows.n, 0);
	feed_end(a, T1 + 125, "s1-a", "aired", "122.468", "");
	feed_start(a, T1 + 200, "s1-b", "42");
	feed_end(a, T1 + 230, "s1-b", "partial", "28.5", "pre-empted by emergency em-1");
	asrun_finish(a, 1);
	asrun_free(a);

	assert_int_equal(rows.n, 2);
	const struct broadcast *b = &rows.b[0];
	check_start_fields(b, "s1-a");
	assert_int_equal(b->outcome, OUT_AIRED);
	assert_int_equal(b->started, T1 + 2);
	assert_int_equal(b->started_off, VN);
	assert_int_equal(b->ended, T1 + 125);
	assert_int_equal(b->ended_off, VN);
	assert_true(b->seconds_played > 122.467 && b->seconds_played < 122.469);
	assert_string_equal(b->serial, "41"); /* from schedule-installed */
	assert_string_equal(b->detail, "");

	b = &rows.b[1];
	check_start_fields(b, "s1-b");
	assert_int_equal(b->outcome, OUT_PARTIAL);
	assert_true(b->seconds_played > 28.49 && b->seconds_played < 28.51);
	assert_string_equal(b->serial, "42"); /* from the start record */
	assert_string_equal(b->detail, "pre-empted by emergency em-1");
}

/* issue 19: what the monitor heard, from the end record; the start's
 * level (normal/priority/emergency) is not confused with the monitor's. */
static void test_heard(void **state)
{
	struct rows rows = {0};
	struct asrun *a = asrun_new(on_row, &rows);
	feed_open(a);
	feed_start(a, T1 + 2, "s1-a", NULL);
	const char *kv[] = {"occ", "s1-a", "outcome", "partial", "played", "122.468", "expected", "122.468",
			    "detail", "dead air at the speakers: heard 30 of 122 s", "heard", "30",
			    "heard_of", "122", "monitor_dbfs", "-54.5", "monitor_peak", "-20.1", NULL};
	feed(a, T1 + 125, "end", kv);
	feed_start(a, T1 + 200, "s1-b", NULL);
	feed_end(a, T1 + 330, "s1-b", "aired", "122.468", ""); /* no monitor */
	feed_start(a, T1 + 400, "s1-c", NULL);
	const char *bad[] = {"occ", "s1-c", "outcome", "aired", "heard", "lots", "monitor_dbfs", "loud", NULL};
	feed(a, T1 + 530, "end", bad);
	asrun_finish(a, 1);
	asrun_free(a);
	assert_int_equal(rows.n, 3);
	const struct broadcast *b = &rows.b[0];
	check_start_fields(b, "s1-a");
	assert_int_equal(b->outcome, OUT_PARTIAL);
	assert_int_equal(b->heard_known, 1);
	assert_true(b->heard_seconds == 30 && b->heard_of == 122);
	assert_true(b->monitor_dbfs == -54.5);
	assert_int_equal(rows.b[1].heard_known, 0);
	assert_int_equal(rows.b[2].heard_known, 0);
	assert_true(rows.b[2].monitor_dbfs == 0);
}

static void test_interrupted(void **state)
{
	struct rows rows = {0};
	struct asrun *a = asrun_new(on_row, &rows);
	feed_open(a);
	/* A start closed by the daemon's `interrupted` after a crash. */
	feed_start(a, T1 + 2, "s1-a", NULL);
	const char *st = "station-start";
	const char *sk[] = {"version", "0.1", "pid", "77", "serial", "41", NULL};
	feed(a, T1 + 600, st, sk);
	char started[32], due[32];
	civil_format_iso_offset(T1 + 2, VN, started);
	civil_format_iso_offset(T1, VN, due);
	const char *ik[] = {"occ", "s1-a", "due", due, "started", started, "bulletin", "md-01",
			    "campaign", "pcmd", "zones", "1;2", "expected", "122.468",
			    "detail", "no end record (power cut?)", NULL};
	feed(a, T1 + 601, "interrupted", ik);
	assert_int_equal(rows.n, 1);
	const struct broadcast *b = &rows.b[0];
	check_start_fields(b, "s1-a");
	assert_int_equal(b->outcome, OUT_INTERRUPTED);
	assert_int_equal(b->started, T1 + 2);
	assert_int_equal(b->ended, 0);
	assert_string_equal(b->detail, "no end record (power cut?)");

	/* The same record with no start in view (an older month not read). */
	const char *ik2[] = {"occ", "s1-z", "due", due, "started", started, "bulletin", "md-02",
			     "campaign", "pcmd", "zones", "", "expected", "30", "detail", "crash", NULL};
	feed(a, T1 + 700, "interrupted", ik2);
	assert_int_equal(rows.n, 2);
	b = &rows.b[1];
	assert_int_equal(b->outcome, OUT_INTERRUPTED);
	assert_string_equal(b->occurrence, "s1-z");
	assert_int_equal(b->started, T1 + 2);
	assert_int_equal(b->started_off, VN);
	assert_int_equal(b->due, T1);
	assert_string_equal(b->bulletin, "md-02");
	assert_string_equal(b->zones, "");
	assert_string_equal(b->level, "");
	assert_string_equal(b->station, "st-01");
	assert_true(b->seconds_expected == 30);
	asrun_finish(a, 1);
	assert_int_equal(rows.n, 2);
	asrun_free(a);
}

static void test_failed_and_missed(void **state)
{
	struct rows rows = {0};
	struct asrun *a = asrun_new(on_row, &rows);
	feed_open(a);
	char due[32];
	civil_format_iso_offset(T1, VN, due);
	const char *fk[] = {"occ", "s1-f", "due", due, "bulletin", "md-01", "campaign", "pcmd",
			    "zones", "3", "level", "normal", "expected", "61.234",
			    "detail", "bulletin file missing: /var/lib/loaxa/md-01.mp3", NULL};
	feed(a, T1 + 1, "failed", fk);
	const char *mk[] = {"occ", "s1-m", "due", due, "bulletin", "md-01", "campaign", "pcmd",
			    "zones", "3", "level", "emergency", "expected", "61.234",
			    "detail", "daemon down", NULL};
	feed(a, T1 + 9000, "missed", mk);
	asrun_finish(a, 0);
	asrun_free(a);
	assert_int_equal(rows.n, 2);
	for (int i = 0; i < 2; i++) {
		const struct broadcast *b = &rows.b[i];
		assert_int_equal(b->outcome, i ? OUT_MISSED : OUT_FAILED);
		assert_string_equal(b->occurrence, i ? "s1-m" : "s1-f");
		assert_int_equal(b->due, T1);
		assert_int_equal(b->started, 0);
		assert_int_equal(b->ended, 0);
		assert_string_equal(b->level, i ? "emergency" : "normal");
		assert_string_equal(b->zones, "3");
		assert_string_equal(b->serial, "41");
		assert_true(b->seconds_played == 0);
		assert_true(b->seconds_expected > 61.23 && b->seconds_expected < 61.24);
		assert_string_equal(b->detail, i ? "daemon down" : "bulletin file missing: /var/lib/loaxa/md-01.mp3");
	}
}

static void test_end_without_start(void **state)
{
	struct rows rows = {0};
	struct asrun *a = asrun_new(on_row, &rows);
	feed_open(a);
	feed_end(a, T1 + 125, "s1-x", "aired", "122.468", "");
	feed_end(a, T1 + 130, "s1-y", "bogus", "1", "");
	asrun_finish(a, 1);
	asrun_free(a);
	assert_int_equal(rows.n, 2);
	const struct broadcast *b = &rows.b[0];
	assert_string_equal(b->occurrence, "s1-x");
	assert_int_equal(b->outcome, OUT_AIRED);
	assert_int_equal(b->started, 0);
	assert_int_equal(b->due, 0);
	assert_int_equal(b->ended, T1 + 125);
	assert_string_equal(b->station, "st-01");
	/* An outcome that is not understood never counts as aired. */
	assert_int_equal(rows.b[1].outcome, OUT_PARTIAL);
}

static void test_open_at_finish(void **state)
{
	for (int final = 0; final <= 1; final++) {
		struct rows rows = {0};
		struct asrun *a = asrun_new(on_row, &rows);
		feed_open(a);
		feed_start(a, T1 + 2, "s1-a", NULL);
		feed_start(a, T1 + 200, "s1-b", NULL);
		feed_end(a, T1 + 300, "s1-a", "aired", "122.468", "");
		assert_int_equal(rows.n, 1);
		asrun_finish(a, final);
		asrun_free(a);
		if (!final) {
			assert_int_equal(rows.n, 1); /* the daemon will record it */
			continue;
		}
		assert_int_equal(rows.n, 2);
		const struct broadcast *b = &rows.b[1];
		check_start_fields(b, "s1-b");
		assert_int_equal(b->outcome, OUT_INTERRUPTED);
		assert_int_equal(b->started, T1 + 200);
		assert_int_equal(b->ended, 0);
		assert_string_equal(b->detail, "no end record");
	}
}

static void test_restarted_occurrence_and_bound(void **state)
{
	struct rows rows = {0};
	struct asrun *a = asrun_new(on_row, &rows);
	feed_open(a);
	/* Started twice with no end between: the first is interrupted. */
	feed_start(a, T1, "s1-a", NULL);
	feed_start(a, T1 + 10, "s1-a", NULL);
	feed_end(a, T1 + 130, "s1-a", "aired", "122.468", "");
	assert_int_equal(rows.n, 2);
	assert_int_equal(rows.b[0].outcome, OUT_INTERRUPTED);
	assert_int_equal(rows.b[0].started, T1);
	assert_int_equal(rows.b[1].outcome, OUT_AIRED);
	assert_int_equal(rows.b[1].started, T1 + 10);

	/* 200,000 starts that never end: memory stays bounded, every one
	 * still comes out exactly once. Under valgrind (LOAXA_TEST_VALGRIND,
	 * tests/run.sh) 5,000: the same path (64 open at most either way), a
	 * fortieth of its time. */
	const int nstarts = getenv("LOAXA_TEST_VALGRIND") ? 5000 : 200000;
	rows.n = rows.total = 0;
	char occ[32];
	for (int i = 0; i < nstarts; i++) {
		snprintf(occ, sizeof(occ), "o%d", i);
		feed_start(a, T1 + i, occ, NULL);
	}
	asrun_finish(a, 1);
	assert_int_equal(rows.total, nstarts);
	assert_int_equal(rows.b[0].outcome, OUT_INTERRUPTED);
	assert_string_equal(rows.b[0].occurrence, "o0");
	asrun_free(a);
}


/* Lean rows (the roll-up's): the same lean fields as full rows, every
 * other field empty, over every kind of row. */
static void feed_all(struct asrun *a)
{
	feed_open(a);
	char due[32], started[32];
	civil_format_iso_offset(T1, VN, due);
	civil_format_iso_offset(T1 + 2, VN, started);
	feed_start(a, T1 + 2, "s1-a", NULL);
	feed_end(a, T1 + 125, "s1-a", "aired", "122.468", "");
	feed_start(a, T1 + 200, "s1-b", "42");
	feed_end(a, T1 + 300, "s1-b", "partial", "12.5", "stopped");
	feed_start(a, T1 + 400, "s1-c", NULL);
	const char *ik[] = {"occ", "s1-c", "due", due, "started", started, "bulletin", "md-01",
			    "campaign", "pcmd", "detail", "no end record (power cut?)", NULL};
	feed(a, T1 + 500, "interrupted", ik);
	const char *ik2[] = {"occ", "s1-z", "due", due, "started", started, "campaign", "other",
			     "played", "3", NULL};
	feed(a, T1 + 600, "interrupted", ik2);
	const char *fk[] = {"occ", "s1-f", "due", due, "bulletin", "md-01", "campaign", "pcmd",
			    "zones", "3", "level", "normal", "expected", "61.234", "detail", "gone", NULL};
	feed(a, T1 + 700, "failed", fk);
	feed(a, T1 + 800, "missed", fk);
	feed_end(a, T1 + 900, "s1-x", "unheard", "100.25", "");
	const char *hk[] = {"occ", "s1-h", "outcome", "aired", "played", "9", "heard", "8.5",
			    "heard_of", "9", "monitor_dbfs", "-20.5", "origin", "local", NULL};
	feed(a, T1 + 950, "end", hk);
	feed_start(a, T1 + 1000, "s1-d", NULL);
	feed_start(a, T1 + 1010, "s1-d", NULL);
	feed_start(a, T1 + 1020, "s1-e", NULL);
	asrun_finish(a, 1);
}

static void test_lean(void **state)
{
	static struct rows full, lean;
	memset(&full, 0, sizeof(full));
	memset(&lean, 0, sizeof(lean));
	struct asrun *a = asrun_new(on_row, &full), *l = asrun_new(on_row, &lean);
	asrun_set_lean(l, 1);
	feed_all(a);
	feed_all(l);
	asrun_free(a);
	asrun_free(l);
	assert_int_equal(full.n, 11);
	assert_int_equal(lean.n, full.n);
	for (size_t i = 0; i < full.n; i++) {
		const struct broadcast *f = &full.b[i], *b = &lean.b[i];
		assert_string_equal(b->occurrence, f->occurrence);
		assert_string_equal(b->campaign, f->campaign);
		assert_int_equal(b->due, f->due);
		assert_int_equal(b->due_off, f->due_off);
		assert_int_equal(b->started, f->started);
		assert_int_equal(b->started_off, f->started_off);
		assert_int_equal(b->ended, f->ended);
		assert_int_equal(b->ended_off, f->ended_off);
		assert_int_equal(b->outcome, f->outcome);
		assert_true(b->seconds_played == f->seconds_played);
		assert_string_equal(b->station, "");
		assert_string_equal(b->commune, "");
		assert_string_equal(b->bulletin, "");
		assert_string_equal(b->zones, "");
		assert_string_equal(b->level, "");
		assert_string_equal(b->serial, "");
		assert_string_equal(b->detail, "");
		assert_string_equal(b->origin, "");
		assert_true(b->seconds_expected == 0 && b->heard_seconds == 0 && b->heard_of == 0 &&
			    b->monitor_dbfs == 0 && b->heard_known == 0);
	}
	/* the full rows do carry the rest */
	assert_string_equal(full.b[0].station, "st-01");
	assert_string_equal(full.b[3].campaign, "other");
	assert_true(full.b[3].seconds_played == 3);
	assert_string_equal(full.b[10].detail, "no end record");
}

static void test_outcome_names(void **state)
{
	const char *names[] = {"aired", "partial", "interrupted", "failed", "missed", "unheard"};
	for (int i = 0; i < OUT__N; i++) {
		assert_string_equal(outcome_name((enum outcome)i), names[i]);
		assert_int_equal(outcome_parse(names[i]), i);
	}
	assert_int_equal(outcome_parse("Aired"), -1);
	assert_int_equal(outcome_parse(""), -1);
	assert_int_equal(outcome_parse(NULL), -1);
	assert_string_equal(outcome_name(OUT__N), "?");
}

/* Seconds are parsed in fixed point: the very double strtod gives, and the
 * same refusals. */
static void test_seconds_fixed_point(void **state)
{
	(void)state;
	static const char *vals[] = {"0", "3.213", "60.000", "0.1", "0.3", "1799.999", "123456789.5",
		"2.675", "0.000001", "999999999.999999", "12345678901234567", "1e3", "5.", ".5",
		"-1", "1.2.3", "abc", "1,5", "00017.250", "4294967296.1", "1000000000", "123456789012345",
		"99999999.9999999", "9999999.99999999", "0.00000000000001", "000000000000000000001",
		"12345678901234567890123.5", "5.x", "+5", " 5", "5 "};
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (size_t k = 0; k < 2000 + sizeof(vals) / sizeof(vals[0]); k++) {
		char v[40];
		if (k < sizeof(vals) / sizeof(vals[0])) {
			snprintf(v, sizeof(v), "%s", vals[k]);
		} else {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			snprintf(v, sizeof(v), "%llu.%0*llu", (unsigned long long)(seed % 100000),
				 (int)(seed >> 60) % 7 + 1, (unsigned long long)((seed >> 20) % 1000000));
		}
		struct rows rows = {0};
		struct asrun *a = asrun_new(on_row, &rows);
		const char *kv[] = {"occ", "s@x", "outcome", "aired", "played", v, "expected", v, NULL};
		feed(a, T1, "end", kv);
		assert_int_equal(rows.n, 1);
		char *end;
		double want = strtod(v, &end);
		int good = *end == '\0' && want >= 0 && want < 1e9;
		if (good ? rows.b[0].seconds_played != want : rows.b[0].seconds_played != 0)
			fail_msg("played=%s read as %.17g (strtod %.17g)", v, rows.b[0].seconds_played, want);
		assert_true(rows.b[0].seconds_expected == rows.b[0].seconds_played);
		asrun_free(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seconds_fixed_point),
		cmocka_unit_test(test_aired_and_partial),
		cmocka_unit_test(test_interrupted),
		cmocka_unit_test(test_heard),
		cmocka_unit_test(test_failed_and_missed),
		cmocka_unit_test(test_end_without_start),
		cmocka_unit_test(test_open_at_finish),
		cmocka_unit_test(test_restarted_occurrence_and_bound),
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test(test_lean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
