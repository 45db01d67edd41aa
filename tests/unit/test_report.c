/* Unit tests for report.c: the counting rules on hand-built record
 * streams (every outcome, only aired towards a target, on-demand plays,
 * duplicates), month attribution by due time in its own offset, a
 * schedule change mid-month, unknown schedules, periods, per-day and
 * per-bulletin figures, station identity and month coverage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "record.h"
#include "report.h"

#define VN 25200

/* Instant of local (UTC+7) y-m-d hh:mm. */
static int64_t at(int y, int m, int d, int hh, int mm)
{
	return (int64_t)civil_days(y, m, d) * 86400 + hh * 3600 + mm * 60 - VN;
}

static void feed(struct report *r, int64_t t, const char *event, const char *const *kv)
{
	static struct record rec;
	char line[RECORD_LINE_MAX + 1], err[200];
	uint8_t prev[RECORD_HASH_LEN] = {0};
	size_t len = record_format(line, sizeof(line), t, VN, event, kv, prev);
	assert_true(len > 0);
	if (record_parse(line, len, &rec, err, sizeof(err)) < 0)
		fail_msg("%s: %s", line, err);
	report_feed(r, &rec);
}

static void feed_open(struct report *r, int64_t t, const char *station, const char *commune)
{
	const char *kv[] = {"station", station, "commune", commune, "format", "1", NULL};
	feed(r, t, "open", kv);
}

static void feed_install(struct report *r, int64_t t, const char *serial, const char *sha)
{
	const char *kv[] = {"serial", serial, "sha256", sha, "file", "/etc/loaxa/schedule.conf",
			    "signer", "local", NULL};
	feed(r, t, "schedule-installed", kv);
}

/* Occurrence id for slot at due time t. */
static void occ_id(char *out, size_t n, const char *slot, int64_t due)
{
	char iso[32];
	civil_format_iso_offset(due, VN, iso);
	snprintf(out, n, "%s@%.16s", slot, iso);
}

static void feed_start(struct report *r, int64_t t, const char *occ, int64_t due,
		       const char *bulletin, const char *campaign)
{
	char d[32];
	civil_format_iso_offset(due, VN, d);
	const char *kv[] = {"occ", occ, "due", d, "bulletin", bulletin, "campaign", campaign,
			    "zones", "1;2", "level", "normal", "repeat", "1", "expected", "60.000",
			    "serial", "1", NULL};
	feed(r, t, "start", kv);
}

static void feed_end(struct report *r, int64_t t, const char *occ, const char *outcome,
		     const char *played)
{
	const char *kv[] = {"occ", occ, "outcome", outcome, "played", played, "expected", "60.000",
			    "detail", "", NULL};
	feed(r, t, "end", kv);
}

static void feed_alone(struct report *r, int64_t t, const char *event, const char *occ,
		       int64_t due, const char *campaign, const char *detail)
{
	char d[32];
	civil_format_iso_offset(due, VN, d);
	const char *kv[] = {"occ", occ, "due", d, "bulletin", "b1", "campaign", campaign,
			    "zones", "", "level", "normal", "expected", "60.000", "detail", detail, NULL};
	feed(r, t, event, kv);
}

/* A broadcast of campaign c due at t with the given outcome. */
static void broadcast(struct report *r, const char *slot, int64_t due, const char *c,
		      const char *outcome)
{
	char occ[112];
	occ_id(occ, sizeof(occ), slot, due);
	if (!strcmp(outcome, "failed") || !strcmp(outcome, "missed")) {
		feed_alone(r, due + 60, outcome, occ, due, c, "reason given");
		return;
	}
	feed_start(r, due + 2, occ, due, "b1", c);
	if (!strcmp(outcome, "aired"))
		feed_end(r, due + 62, occ, "aired", "60.000");
	else if (!strcmp(outcome, "partial"))
		feed_end(r, due + 20, occ, "partial", "18.5");
	else if (!strcmp(outcome, "unheard"))
		feed_end(r, due + 62, occ, "unheard", "60.000");
	else if (!strcmp(outcome, "interrupted")) {
		char d[32], s[32];
		civil_format_iso_offset(due, VN, d);
		civil_format_iso_offset(due + 2, VN, s);
		const char *kv[] = {"occ", occ, "due", d, "started", s, "bulletin", "b1",
				    "campaign", c, "zones", "", "expected", "60.000",
				    "detail", "power cut", NULL};
		feed(r, due + 3600, "interrupted", kv);
	}
}

/* A schedule with campaigns (id, target) pairs. */
struct fake {
	struct schedule s;
	struct campaign c[4];
};

static void fake_init(struct fake *f, long long serial, const char *sha)
{
	memset(f, 0, sizeof(*f));
	f->s.serial = serial;
	snprintf(f->s.sha256, sizeof(f->s.sha256), "%s", sha);
	f->s.campaigns = f->c;
}

static void fake_campaign(struct fake *f, const char *id, int target)
{
	struct campaign *c = &f->c[f->s.ncampaigns++];
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->title, sizeof(c->title), "Title of %s", id);
	c->target = target;
	c->from_day = DAY_NONE_LO;
	c->to_day = DAY_NONE_HI;
}

static const struct report_row *row_of(struct report *r, const char *campaign, const char *month)
{
	const struct report_row *rows;
	size_t n = report_rows(r, &rows);
	for (size_t i = 0; i < n; i++) {
		char m[8];
		report_month_text(rows[i].month, m);
		if (!strcmp(rows[i].campaign, campaign) && !strcmp(m, month))
			return &rows[i];
	}
	return NULL;
}

#define SHA1 "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA2 "2222222222222222222222222222222222222222222222222222222222222222"

static struct report *november(unsigned flags)
{
	struct report *r = report_new(civil_days(2026, 11, 1), civil_days(2026, 11, 30), flags);
	assert_non_null(r);
	return r;
}

static void test_every_outcome(void **state)
{
	struct report *r = november(REPORT_BULLETINS | REPORT_NOTAIRED);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	feed_install(r, at(2026, 11, 1, 0, 0) + 1, "1", SHA1);
	broadcast(r, "s", at(2026, 11, 2, 6, 30), "pcmd", "aired");
	broadcast(r, "s", at(2026, 11, 3, 6, 30), "pcmd", "partial");
	broadcast(r, "s", at(2026, 11, 4, 6, 30), "pcmd", "interrupted");
	broadcast(r, "s", at(2026, 11, 5, 6, 30), "pcmd", "failed");
	broadcast(r, "s", at(2026, 11, 6, 6, 30), "pcmd", "missed");
	broadcast(r, "s", at(2026, 11, 7, 6, 30), "pcmd", "aired");
	/* played on demand: counts as a broadcast, not as scheduled */
	broadcast(r, "manual", at(2026, 11, 8, 9, 0), "pcmd", "aired");
	report_finish(r, 1);

	struct fake f;
	fake_init(&f, 1, SHA1);
	fake_campaign(&f, "pcmd", 3);
	assert_int_equal(report_nscheds(r), 1);
	report_attach(r, 0, &f.s);

	const struct report_row *w = row_of(r, "pcmd", "2026-11");
	assert_non_null(w);
	assert_int_equal(w->target, 3);
	assert_int_equal(w->c.scheduled, 6);
	assert_int_equal(w->c.manual, 1);
	assert_int_equal(w->c.n[OUT_AIRED], 3);
	assert_int_equal(w->c.n[OUT_PARTIAL], 1);
	assert_int_equal(w->c.n[OUT_INTERRUPTED], 1);
	assert_int_equal(w->c.n[OUT_FAILED], 1);
	assert_int_equal(w->c.n[OUT_MISSED], 1);
	assert_true(w->c.airtime > 198.4 && w->c.airtime < 198.6); /* 3 x 60 + 18.5 */
	assert_true(w->met);
	assert_true(w->in_schedule);
	assert_false(w->partial_month);
	assert_string_equal(w->title, "Title of pcmd");

	const struct report_bulletin *b;
	assert_int_equal(report_bulletins(r, &b), 1);
	assert_string_equal(b[0].id, "b1");
	assert_int_equal(b[0].plays, 5); /* aired x3, partial, interrupted */
	assert_int_equal(b[0].aired, 3);

	const struct report_notaired *na;
	size_t more;
	assert_int_equal(report_notaired(r, &na, &more), 4);
	assert_int_equal(more, 0);
	assert_int_equal(na[3].outcome, OUT_MISSED);
	assert_string_equal(na[3].detail, "reason given");
	report_free(r);
}

static void test_only_aired_counts(void **state)
{
	struct report *r = november(0);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	feed_install(r, at(2026, 11, 1, 0, 0), "1", SHA1);
	broadcast(r, "s", at(2026, 11, 2, 6, 30), "pcmd", "aired");
	for (int d = 3; d < 10; d++)
		broadcast(r, "s", at(2026, 11, d, 6, 30), "pcmd", d % 2 ? "partial" : "interrupted");
	/* an end with an unknown outcome is partial, never aired */
	char occ[112];
	occ_id(occ, sizeof(occ), "s", at(2026, 11, 20, 6, 30));
	feed_start(r, at(2026, 11, 20, 6, 30), occ, at(2026, 11, 20, 6, 30), "b1", "pcmd");
	feed_end(r, at(2026, 11, 20, 6, 31), occ, "airedd", "60");
	report_finish(r, 1);
	struct fake f;
	fake_init(&f, 1, SHA1);
	fake_campaign(&f, "pcmd", 2);
	report_attach(r, 0, &f.s);
	const struct report_row *w = row_of(r, "pcmd", "2026-11");
	assert_non_null(w);
	assert_int_equal(w->c.n[OUT_AIRED], 1);
	assert_int_equal(w->c.n[OUT_PARTIAL], 5);
	assert_int_equal(w->c.n[OUT_INTERRUPTED], 3);
	assert_false(w->met);
	report_free(r);
}

/* Played to its end, but to the fallback file: counted apart, never
 * toward the target, no airtime, listed as not aired. */
static void test_unheard_apart(void **state)
{
	struct report *r = november(REPORT_BULLETINS | REPORT_NOTAIRED | REPORT_DAILY);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	feed_install(r, at(2026, 11, 1, 0, 0), "1", SHA1);
	broadcast(r, "s", at(2026, 11, 2, 6, 30), "pcmd", "aired");
	broadcast(r, "s", at(2026, 11, 3, 6, 30), "pcmd", "unheard");
	broadcast(r, "s", at(2026, 11, 4, 6, 30), "pcmd", "unheard");
	broadcast(r, "s", at(2026, 11, 5, 6, 30), "pcmd", "partial");
	report_finish(r, 1);
	struct fake f;
	fake_init(&f, 1, SHA1);
	fake_campaign(&f, "pcmd", 2);
	report_attach(r, 0, &f.s);
	const struct report_row *w = row_of(r, "pcmd", "2026-11");
	assert_non_null(w);
	assert_int_equal(w->c.scheduled, 4);
	assert_int_equal(w->c.n[OUT_AIRED], 1);
	assert_int_equal(w->c.n[OUT_UNHEARD], 2);
	assert_int_equal(w->c.n[OUT_PARTIAL], 1);
	assert_false(w->met); /* 1 aired of 2: the unheard ones do not help */
	assert_true(w->c.airtime > 78.4 && w->c.airtime < 78.6); /* 60 + 18.5, not the fallback's */
	size_t nd;
	const struct report_day *d = report_daily(r, "pcmd", &nd);
	assert_non_null(d);
	assert_int_equal(d[2].scheduled, 1);
	assert_int_equal(d[2].aired, 0);
	const struct report_bulletin *b;
	assert_int_equal(report_bulletins(r, &b), 1);
	assert_int_equal(b[0].plays, 4);
	assert_int_equal(b[0].aired, 1);
	const struct report_notaired *na;
	size_t more;
	assert_int_equal(report_notaired(r, &na, &more), 3);
	assert_int_equal(na[0].outcome, OUT_UNHEARD);
	assert_string_equal(outcome_name(na[0].outcome), "unheard");
	assert_int_equal(outcome_parse("unheard"), OUT_UNHEARD);
	report_free(r);
}

static void test_month_by_due(void **state)
{
	struct report *r = report_new(civil_days(2026, 11, 1), civil_days(2026, 12, 31), 0);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	feed_install(r, at(2026, 11, 1, 0, 0), "1", SHA1);
	/* due 23:50 on the 30th, ended in December: November's */
	char occ[112];
	int64_t due = at(2026, 11, 30, 23, 50);
	occ_id(occ, sizeof(occ), "s", due);
	feed_start(r, due, occ, due, "b1", "pcmd");
	feed_open(r, at(2026, 12, 1, 0, 0), "st-01", "26734");
	feed_end(r, at(2026, 12, 1, 0, 20), occ, "aired", "60");
	/* November's occurrence found missed in December (station was down) */
	occ_id(occ, sizeof(occ), "s", at(2026, 11, 29, 6, 30));
	feed_alone(r, at(2026, 12, 2, 8, 0), "missed", occ, at(2026, 11, 29, 6, 30), "pcmd",
		   "the station was not running");
	broadcast(r, "s", at(2026, 12, 1, 0, 0), "pcmd", "aired");
	report_finish(r, 1);
	struct fake f;
	fake_init(&f, 1, SHA1);
	fake_campaign(&f, "pcmd", 1);
	report_attach(r, 0, &f.s);
	const struct report_row *n = row_of(r, "pcmd", "2026-11");
	const struct report_row *d = row_of(r, "pcmd", "2026-12");
	assert_non_null(n);
	assert_non_null(d);
	assert_int_equal(n->c.n[OUT_AIRED], 1);
	assert_int_equal(n->c.n[OUT_MISSED], 1);
	assert_int_equal(n->c.scheduled, 2);
	assert_int_equal(d->c.n[OUT_AIRED], 1);
	assert_int_equal(d->c.scheduled, 1);
	assert_true(report_month_covered(r, report_month_key(civil_days(2026, 11, 1))));
	assert_true(report_month_covered(r, report_month_key(civil_days(2026, 12, 1))));
	report_free(r);
}

static void test_schedule_change_mid_month(void **state)
{
	struct report *r = november(REPORT_DAILY);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	feed_install(r, at(2026, 11, 1, 0, 0), "1", SHA1);
	for (int d = 1; d <= 14; d++) /* serial 1: one a day */
		broadcast(r, "old", at(2026, 11, d, 6, 30), "pcmd", d == 3 ? "missed" : "aired");
	feed_install(r, at(2026, 11, 15, 0, 0), "2", SHA2);
	for (int d = 15; d <= 30; d++) { /* serial 2: two a day, a new campaign */
		broadcast(r, "new", at(2026, 11, d, 6, 30), "pcmd", "aired");
		broadcast(r, "new", at(2026, 11, d, 17, 0), "pcmd", d == 20 ? "failed" : "aired");
		if (d % 7 == 0)
			broadcast(r, "sxh", at(2026, 11, d, 18, 0), "sxh", "aired");
	}
	report_finish(r, 1);
	assert_int_equal(report_nscheds(r), 2);
	assert_string_equal(report_sched(r, 0)->sha256, SHA1);
	assert_int_equal(report_sched(r, 1)->serial, 2);
	assert_int_equal(report_sched(r, 0)->to, at(2026, 11, 15, 0, 0));
	struct fake f1, f2;
	fake_init(&f1, 1, SHA1);
	fake_campaign(&f1, "pcmd", 10);
	fake_init(&f2, 2, SHA2);
	fake_campaign(&f2, "pcmd", 40);
	fake_campaign(&f2, "sxh", 4);
	fake_campaign(&f2, "idle", 2); /* in force, never broadcast */
	report_attach(r, 0, &f1.s);
	report_attach(r, 1, &f2.s);
	const struct report_row *p = row_of(r, "pcmd", "2026-11");
	assert_non_null(p);
	assert_int_equal(p->c.scheduled, 14 + 32);
	assert_int_equal(p->c.n[OUT_AIRED], 13 + 31);
	assert_int_equal(p->c.n[OUT_MISSED], 1);
	assert_int_equal(p->c.n[OUT_FAILED], 1);
	assert_int_equal(p->target, 40); /* the last word of the month */
	assert_true(p->met);
	const struct report_row *s = row_of(r, "sxh", "2026-11");
	assert_non_null(s);
	assert_int_equal(s->c.n[OUT_AIRED], 2); /* the 21st and the 28th */
	assert_false(s->met);
	const struct report_row *i = row_of(r, "idle", "2026-11");
	assert_non_null(i);
	assert_int_equal(i->c.scheduled, 0);
	assert_false(i->met);
	size_t nd;
	const struct report_day *d = report_daily(r, "pcmd", &nd);
	assert_int_equal(nd, 30);
	assert_int_equal(d[2].scheduled, 1);
	assert_int_equal(d[2].aired, 0);
	assert_int_equal(d[19].scheduled, 2);
	assert_int_equal(d[19].aired, 1);
	assert_int_equal(d[29].aired, 2);
	report_free(r);
}

static void test_schedule_unknown(void **state)
{
	struct report *r = november(0);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	feed_install(r, at(2026, 11, 1, 0, 0), "1", SHA1);
	broadcast(r, "s", at(2026, 11, 2, 6, 30), "pcmd", "aired");
	report_finish(r, 1);
	/* nothing attached */
	const struct report_row *w = row_of(r, "pcmd", "2026-11");
	assert_non_null(w);
	assert_int_equal(w->target, -1);
	assert_true(w->schedule_missing);
	assert_false(w->met);
	report_free(r);
}

static void test_same_install_twice(void **state)
{
	struct report *r = november(0);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	feed_install(r, at(2026, 11, 1, 0, 0), "1", SHA1);
	feed_install(r, at(2026, 11, 9, 0, 0), "1", SHA1); /* re-journalled at a restart */
	report_finish(r, 1);
	assert_int_equal(report_nscheds(r), 1);
	assert_int_equal(report_sched(r, 0)->to, INT64_MAX);
	report_free(r);
}

static void test_folder_without_install(void **state)
{
	struct report *r = november(0);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	const char *kv[] = {"version", "0.1", "pid", "42", "serial", "7", NULL};
	feed(r, at(2026, 11, 1, 0, 1), "station-start", kv);
	report_finish(r, 1);
	assert_int_equal(report_nscheds(r), 1);
	assert_int_equal(report_sched(r, 0)->serial, 7);
	assert_string_equal(report_sched(r, 0)->sha256, "");
	report_free(r);
}

static void test_duplicate_occurrence(void **state)
{
	struct report *r = november(0);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	broadcast(r, "s", at(2026, 11, 2, 6, 30), "pcmd", "failed");
	broadcast(r, "s", at(2026, 11, 2, 6, 30), "pcmd", "failed"); /* taken again */
	report_finish(r, 1);
	const struct report_row *w = row_of(r, "pcmd", "2026-11");
	assert_non_null(w);
	assert_int_equal(w->c.scheduled, 1);
	assert_int_equal(w->c.n[OUT_FAILED], 2);
	assert_int_equal(w->target, 0); /* no schedule in the journal, none missing */
	report_free(r);
}

static void test_open_start_at_finish(void **state)
{
	for (int final = 0; final <= 1; final++) {
		struct report *r = november(0);
		feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
		char occ[112];
		occ_id(occ, sizeof(occ), "s", at(2026, 11, 2, 6, 30));
		feed_start(r, at(2026, 11, 2, 6, 30), occ, at(2026, 11, 2, 6, 30), "b1", "pcmd");
		report_finish(r, final);
		const struct report_row *w = row_of(r, "pcmd", "2026-11");
		if (final) {
			assert_non_null(w);
			assert_int_equal(w->c.n[OUT_INTERRUPTED], 1);
		} else {
			assert_null(w); /* still playing on a live station */
		}
		report_free(r);
	}
}

static void test_period(void **state)
{
	/* 10..20 November: outside days not counted, the month is partial */
	struct report *r = report_new(civil_days(2026, 11, 10), civil_days(2026, 11, 20), 0);
	feed_open(r, at(2026, 10, 1, 0, 0), "st-01", "26734");
	for (int d = 1; d <= 30; d++)
		broadcast(r, "s", at(2026, 11, d, 6, 30), "pcmd", "aired");
	report_finish(r, 1);
	const struct report_row *w = row_of(r, "pcmd", "2026-11");
	assert_non_null(w);
	assert_int_equal(w->c.n[OUT_AIRED], 11);
	assert_true(w->partial_month);
	assert_int_equal(report_nmonths(r), 1);
	report_free(r);

	errno = 0;
	assert_null(report_new(civil_days(2026, 11, 2), civil_days(2026, 11, 1), 0));
	assert_int_equal(errno, EINVAL);
	assert_null(report_new(civil_days(2000, 1, 1), civil_days(2030, 1, 1), 0));
	r = report_new(civil_days(2026, 1, 1), civil_days(2026, 12, 31), 0);
	assert_int_equal(report_nmonths(r), 12);
	report_free(r);
}

static void test_station_and_coverage(void **state)
{
	struct report *r = report_new(civil_days(2026, 10, 1), civil_days(2026, 12, 31), 0);
	feed_open(r, at(2026, 10, 3, 0, 0), "st-01", "26734");
	feed_open(r, at(2026, 12, 1, 0, 0), "st-01", "26734");
	const struct report_station *s = report_station_info(r);
	assert_string_equal(s->station, "st-01");
	assert_string_equal(s->commune, "26734");
	assert_false(s->mixed);
	int oct = report_month_key(civil_days(2026, 10, 1));
	assert_true(report_month_covered(r, oct));
	assert_false(report_month_covered(r, oct + 1));
	assert_true(report_month_covered(r, oct + 2));
	const char *kv[] = {"station", "st-02", "commune", "26737", "district", "274", NULL};
	feed(r, at(2026, 12, 2, 0, 0), "open", kv);
	assert_true(s->mixed);
	assert_string_equal(s->other, "st-02/26737");
	assert_string_equal(s->district, "274");
	assert_int_equal(s->records, 3);
	report_free(r);
}

static void test_months_and_paths(void **state)
{
	char m[8], p[256];
	report_month_text(report_month_key(civil_days(2027, 2, 28)), m);
	assert_string_equal(m, "2027-02");
	assert_int_equal(report_month_key(civil_days(2026, 12, 31)) + 1,
			 report_month_key(civil_days(2027, 1, 1)));
	report_archive_path("/var/lib/loaxa/journal", 2026112001LL, p, sizeof(p));
	assert_string_equal(p, "/var/lib/loaxa/journal/schedules/2026112001.conf");
}

static void test_notaired_bound(void **state)
{
	struct report *r = report_new(civil_days(2026, 1, 1), civil_days(2026, 12, 31), REPORT_NOTAIRED);
	for (int i = 0; i < REPORT_NOTAIRED_MAX + 20; i++)
		broadcast(r, "s", at(2026, 1, 1, 0, 0) + (int64_t)i * 3600, "pcmd", "missed");
	report_finish(r, 1);
	const struct report_notaired *na;
	size_t more;
	assert_int_equal(report_notaired(r, &na, &more), REPORT_NOTAIRED_MAX);
	assert_int_equal(more, 20);
	const struct report_row *w = row_of(r, "pcmd", "2026-01");
	assert_int_equal(w->c.n[OUT_MISSED], REPORT_NOTAIRED_MAX + 20); /* counted all the same */
	report_free(r);
}

/* issue 12: each bulletin's origin, from its starts' origin= field. */
static void feed_start_origin(struct report *r, int64_t t, const char *occ, const char *bulletin,
			      const char *origin)
{
	char d[32];
	civil_format_iso_offset(t, VN, d);
	const char *kv[] = {"occ", occ, "due", d, "bulletin", bulletin, "campaign", "pcmd",
			    "zones", "", "level", "normal", "repeat", "1", "expected", "60.000",
			    "serial", "1", origin ? "origin" : NULL, origin, NULL};
	feed(r, t, "start", kv);
	feed_end(r, t + 60, occ, "aired", "60.000");
}

static const struct report_bulletin *bul(struct report *r, const char *id)
{
	const struct report_bulletin *b;
	size_t n = report_bulletins(r, &b);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(b[i].id, id))
			return &b[i];
	fail_msg("no bulletin %s", id);
	return NULL;
}

static void test_bulletin_origin(void **state)
{
	(void)state;
	struct report *r = november(REPORT_BULLETINS);
	feed_open(r, at(2026, 11, 1, 0, 0), "st-01", "26734");
	feed_install(r, at(2026, 11, 1, 0, 0) + 1, "1", SHA1);
	feed_start_origin(r, at(2026, 11, 2, 6, 0), "s@1", "signed", "signed:A1B2C3D4E5F60718");
	feed_start_origin(r, at(2026, 11, 2, 7, 0), "s@2", "local", "local");
	feed_start_origin(r, at(2026, 11, 2, 8, 0), "s@3", "old", NULL); /* before issue 12 */
	feed_start_origin(r, at(2026, 11, 3, 6, 0), "s@4", "both", "local");
	feed_start_origin(r, at(2026, 11, 4, 6, 0), "s@5", "both", "signed:00112233AABBCCDD");
	feed_start_origin(r, at(2026, 11, 5, 6, 0), "s@6", "odd", "something-else");
	/* a failed broadcast says nothing of where its bulletin came from */
	feed_alone(r, at(2026, 11, 6, 6, 0), "failed", "s@7", at(2026, 11, 6, 6, 0), "pcmd", "x");
	report_finish(r, 1);
	assert_int_equal(bul(r, "signed")->origin, REPORT_ORIGIN_SIGNED);
	assert_string_equal(bul(r, "signed")->signer, "A1B2C3D4E5F60718");
	assert_int_equal(bul(r, "local")->origin, REPORT_ORIGIN_LOCAL);
	assert_string_equal(bul(r, "local")->signer, "");
	assert_int_equal(bul(r, "old")->origin, 0);
	assert_int_equal(bul(r, "both")->origin, REPORT_ORIGIN_SIGNED | REPORT_ORIGIN_LOCAL);
	assert_string_equal(bul(r, "both")->signer, "00112233AABBCCDD");
	assert_int_equal(bul(r, "odd")->origin, 0);
	assert_int_equal(bul(r, "b1")->origin, 0);
	assert_string_equal(report_origin_name(bul(r, "signed")->origin), "signed");
	assert_string_equal(report_origin_name(bul(r, "local")->origin), "local");
	assert_string_equal(report_origin_name(bul(r, "both")->origin), "signed+local");
	assert_string_equal(report_origin_name(0), "unknown");
	report_free(r);
}

int main(void)
{
	civil_tz_set("Asia/Ho_Chi_Minh");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_outcome),
		cmocka_unit_test(test_only_aired_counts),
		cmocka_unit_test(test_unheard_apart),
		cmocka_unit_test(test_month_by_due),
		cmocka_unit_test(test_schedule_change_mid_month),
		cmocka_unit_test(test_schedule_unknown),
		cmocka_unit_test(test_same_install_twice),
		cmocka_unit_test(test_folder_without_install),
		cmocka_unit_test(test_duplicate_occurrence),
		cmocka_unit_test(test_open_start_at_finish),
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_station_and_coverage),
		cmocka_unit_test(test_months_and_paths),
		cmocka_unit_test(test_notaired_bound),
		cmocka_unit_test(test_bulletin_origin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
