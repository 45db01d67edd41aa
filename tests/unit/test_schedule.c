/* Unit tests for schedule.c: day matching, local times to instants (month
 * and year ends, midnight, DST in Europe/Berlin), ordering of collisions,
 * campaign rotation and blackouts. Station zone: Asia/Ho_Chi_Minh (UTC+7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "schedule.h"
#include "util.h"

#define HCM "Asia/Ho_Chi_Minh"

/* ---- helpers: build schedules in C ---- */

static int32_t D(const char *ymd)
{
	int32_t d;
	if (civil_parse_date(ymd, &d))
		fail_msg("bad date %s", ymd);
	return d;
}

/* Local "YYYY-MM-DD HH:MM" in the process zone -> instant. */
static int64_t T(const char *dt)
{
	int32_t d;
	int m;
	if (civil_parse_datetime(dt, &d, &m))
		fail_msg("bad datetime %s", dt);
	return civil_tz_instant(d, m);
}

/* UTC "YYYY-MM-DD HH:MM" -> instant. */
static int64_t UTC(const char *dt)
{
	int32_t d;
	int m;
	if (civil_parse_datetime(dt, &d, &m))
		fail_msg("bad datetime %s", dt);
	return (int64_t)d * 86400 + m * 60;
}

static struct schedule *sched_new(void)
{
	struct schedule *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->serial = 1;
	return s;
}

static void sched_del(struct schedule *s)
{
	schedule_free(s);
	free(s);
}

/* Space-separated words of `list` into a fresh ID_MAX array. */
static size_t words(const char *list, char (**out)[ID_MAX])
{
	char buf[1024];
	size_t n = 0;
	*out = NULL;
	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *sp, *w = strtok_r(buf, " ", &sp); w; w = strtok_r(NULL, " ", &sp)) {
		*out = realloc(*out, (n + 1) * sizeof(**out));
		assert_non_null(*out);
		snprintf((*out)[n++], ID_MAX, "%s", w);
	}
	return n;
}

/* A normal every-day slot at the given "HH:MM ..." times, open date range.
 * Returns its index (pointers move when slots are added). */
static size_t add_slot(struct schedule *s, const char *id, const char *times)
{
	s->slots = realloc(s->slots, (s->nslots + 1) * sizeof(*s->slots));
	assert_non_null(s->slots);
	struct slot *sl = &s->slots[s->nslots];
	memset(sl, 0, sizeof(*sl));
	snprintf(sl->id, sizeof(sl->id), "%s", id);
	sl->from_day = DAY_NONE_LO;
	sl->to_day = DAY_NONE_HI;
	sl->repeat = 1;
	char (*w)[ID_MAX];
	size_t n = words(times, &w);
	sl->times = calloc(n ? n : 1, sizeof(int));
	assert_non_null(sl->times);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(civil_parse_hhmm(w[i], &sl->times[i]), 0);
	sl->ntimes = n;
	free(w);
	sl->bulletins = NULL;
	return s->nslots++;
}

static void slot_dates(struct schedule *s, size_t si, const char *dates)
{
	struct slot *sl = &s->slots[si];
	char (*w)[ID_MAX];
	size_t n = words(dates, &w);
	free(sl->dates);
	sl->dates = calloc(n ? n : 1, sizeof(int32_t));
	assert_non_null(sl->dates);
	for (size_t i = 0; i < n; i++)
		sl->dates[i] = D(w[i]);
	sl->ndates = n;
	free(w);
}

static void slot_range(struct schedule *s, size_t si, const char *from, const char *to)
{
	s->slots[si].from_day = from ? D(from) : DAY_NONE_LO;
	s->slots[si].to_day = to ? D(to) : DAY_NONE_HI;
}

static void slot_bulletins(struct schedule *s, size_t si, const char *list)
{
	struct slot *sl = &s->slots[si];
	free(sl->bulletins);
	sl->nbulletins = words(list, &sl->bulletins);
}

static size_t add_campaign(struct schedule *s, const char *id, const char *bulletins,
			   const char *from, const char *to)
{
	s->campaigns = realloc(s->campaigns, (s->ncampaigns + 1) * sizeof(*s->campaigns));
	assert_non_null(s->campaigns);
	struct campaign *c = &s->campaigns[s->ncampaigns];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->from_day = from ? D(from) : DAY_NONE_LO;
	c->to_day = to ? D(to) : DAY_NONE_HI;
	c->nbulletins = words(bulletins, &c->bulletins);
	return s->ncampaigns++;
}

static void slot_campaign(struct schedule *s, size_t si, size_t ci)
{
	snprintf(s->slots[si].campaign, ID_MAX, "%s", s->campaigns[ci].id);
	s->slots[si].campaign_index = ci;
}

static void add_blackout(struct schedule *s, int64_t from, int64_t to, const char *reason)
{
	s->blackouts = realloc(s->blackouts, (s->nblackouts + 1) * sizeof(*s->blackouts));
	assert_non_null(s->blackouts);
	struct blackout *b = &s->blackouts[s->nblackouts++];
	memset(b, 0, sizeof(*b));
	b->from = from;
	b->to = to;
	snprintf(b->reason, sizeof(b->reason), "%s", reason);
}

static size_t expand(const struct schedule *s, int64_t from, int64_t to, size_t *rot, int flags,
		     struct occurrence **out)
{
	ssize_t n = schedule_expand(s, from, to, rot, flags, out);
	assert_true(n >= 0);
	if (n == 0)
		assert_null(*out);
	return (size_t)n;
}

/* Space-separated ids, or "id=bulletin" pairs when with_bulletin. */
static char *join(const struct occurrence *o, size_t n, int with_bulletin)
{
	size_t cap = n * (OCC_ID_MAX + ID_MAX + 2) + 1;
	char *buf = malloc(cap), *p = buf;
	assert_non_null(buf);
	*p = '\0';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s%s%s", i ? " " : "", o[i].id, with_bulletin ? "=" : "",
			     with_bulletin ? o[i].bulletin : "");
	return buf;
}

static void check_ids(const struct schedule *s, int64_t from, int64_t to, const char *want)
{
	struct occurrence *o;
	size_t n = expand(s, from, to, NULL, 0, &o);
	char *got = join(o, n, 0);
	assert_string_equal(got, want);
	free(got);
	free(o);
}

/* Every occurrence's due shows, in local time, the date and time in its id
 * (the first such instant in a DST fold; in a DST gap, a later local time
 * within two hours), and the list is sorted by due. */
static void check_dues(const struct occurrence *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *at = strchr(o[i].id, '@');
		assert_non_null(at);
		char dt[17];
		memcpy(dt, at + 1, 16);
		dt[16] = '\0';
		int32_t d, ld;
		int m, sec;
		assert_int_equal(civil_parse_datetime(dt, &d, &m), 0);
		civil_tz_local(o[i].due, &ld, &sec, NULL);
		int64_t shift = ((int64_t)ld * 86400 + sec) - ((int64_t)d * 86400 + m * 60);
		assert_true(shift >= 0 && shift <= 7200);
		if (shift == 0) { /* not the second of two */
			civil_tz_local(o[i].due - 3600, &ld, &sec, NULL);
			assert_false(ld == d && sec == m * 60);
		}
		if (i)
			assert_true(o[i - 1].due <= o[i].due);
	}
}

static int setup_zone(void **state)
{
	return civil_tz_set(HCM);
}

static int restore_zone(void **state)
{
	return civil_tz_set(HCM);
}

/* ---- day matching ---- */

static void test_weekdays(void **state)
{
	/* 2026-01-05 is a Monday. */
	static const char *const want[7] = {
		"w@2026-01-05T06:00 w@2026-01-12T06:00", "w@2026-01-06T06:00 w@2026-01-13T06:00",
		"w@2026-01-07T06:00 w@2026-01-14T06:00", "w@2026-01-08T06:00 w@2026-01-15T06:00",
		"w@2026-01-09T06:00 w@2026-01-16T06:00", "w@2026-01-10T06:00 w@2026-01-17T06:00",
		"w@2026-01-11T06:00 w@2026-01-18T06:00",
	};
	assert_int_equal(civil_weekday(D("2026-01-05")), 0);
	for (int wd = 0; wd < 7; wd++) {
		struct schedule *s = sched_new();
		size_t si = add_slot(s, "w", "06:00");
		s->slots[si].weekdays = (uint8_t)(1u << wd);
		check_ids(s, T("2026-01-05 00:00"), T("2026-01-19 00:00"), want[wd]);
		for (int32_t d = D("2026-01-05"); d < D("2026-01-19"); d++)
			assert_int_equal(schedule_slot_on_day(s, &s->slots[si], d),
					 civil_weekday(d) == wd);
		sched_del(s);
	}
}

static void test_monthdays(void **state)
{
	static const struct {
		uint32_t bits;
		const char *from, *to;
		size_t count;
		const char *first, *last;
	} cases[] = {
		{1u << 1, "2026-01-01", "2027-01-01", 12, "m@2026-01-01T07:00", "m@2026-12-01T07:00"},
		{1u << 15, "2026-01-01", "2027-01-01", 12, "m@2026-01-15T07:00", "m@2026-12-15T07:00"},
		{(1u << 1) | (1u << 15), "2026-01-01", "2027-01-01", 24, "m@2026-01-01T07:00",
		 "m@2026-12-15T07:00"},
		/* the 31st: Jan Mar May Jul Aug Oct Dec */
		{1u << 31, "2026-01-01", "2027-01-01", 7, "m@2026-01-31T07:00", "m@2026-12-31T07:00"},
		{1u << 30, "2026-01-01", "2027-01-01", 11, "m@2026-01-30T07:00", "m@2026-12-30T07:00"},
		/* the 29th: no February 29 in 2027, one in 2028 */
		{1u << 29, "2027-01-01", "2028-01-01", 11, "m@2027-01-29T07:00", "m@2027-12-29T07:00"},
		{1u << 29, "2028-01-01", "2029-01-01", 12, "m@2028-01-29T07:00", "m@2028-12-29T07:00"},
		{1u << 29, "2027-02-01", "2027-03-01", 0, NULL, NULL},
		{1u << 29, "2028-02-01", "2028-03-01", 1, "m@2028-02-29T07:00", "m@2028-02-29T07:00"},
	};
	for (size_t c = 0; c < ARRAY_LEN(cases); c++) {
		struct schedule *s = sched_new();
		size_t si = add_slot(s, "m", "07:00");
		s->slots[si].monthdays = cases[c].bits;
		char a[32], b[32];
		snprintf(a, sizeof(a), "%s 00:00", cases[c].from);
		snprintf(b, sizeof(b), "%s 00:00", cases[c].to);
		struct occurrence *o;
		size_t n = expand(s, T(a), T(b), NULL, 0, &o);
		assert_int_equal(n, cases[c].count);
		if (n) {
			assert_string_equal(o[0].id, cases[c].first);
			assert_string_equal(o[n - 1].id, cases[c].last);
		}
		for (size_t i = 0; i < n; i++) {
			int d = atoi(strchr(o[i].id, '@') + 9);
			assert_true((cases[c].bits >> d) & 1u);
		}
		check_dues(o, n);
		free(o);
		sched_del(s);
	}
}

static void test_leap_day_date(void **state)
{
	struct schedule *s = sched_new();
	size_t si = add_slot(s, "d", "08:00");
	slot_dates(s, si, "2028-02-29");
	check_ids(s, T("2028-02-01 00:00"), T("2028-03-01 00:00"), "d@2028-02-29T08:00");
	check_ids(s, T("2027-02-01 00:00"), T("2027-03-02 00:00"), "");
	assert_int_equal(civil_parse_date("2027-02-29", &(int32_t){0}), -1);
	sched_del(s);
}

static void test_dates_and_ranges(void **state)
{
	struct schedule *s = sched_new();
	/* unsorted dates with a duplicate */
	size_t a = add_slot(s, "dates", "09:00");
	slot_dates(s, a, "2026-06-10 2026-06-03 2026-06-10 2026-07-01");
	/* every day, range inclusive at both ends */
	size_t b = add_slot(s, "range", "10:00");
	slot_range(s, b, "2026-06-04", "2026-06-06");
	/* union: Mondays + the 1st + a date; 2026-06-01 is all three */
	size_t c = add_slot(s, "union", "11:00");
	s->slots[c].weekdays = 1;
	s->slots[c].monthdays = 1u << 1;
	slot_dates(s, c, "2026-06-01 2026-06-12");
	check_ids(s, T("2026-06-01 00:00"), T("2026-07-01 00:00"),
		  "union@2026-06-01T11:00 dates@2026-06-03T09:00 range@2026-06-04T10:00 "
		  "range@2026-06-05T10:00 range@2026-06-06T10:00 union@2026-06-08T11:00 "
		  "dates@2026-06-10T09:00 union@2026-06-12T11:00 union@2026-06-15T11:00 "
		  "union@2026-06-22T11:00 union@2026-06-29T11:00");
	/* the range bounds and the union agree with schedule_slot_on_day */
	assert_false(schedule_slot_on_day(s, &s->slots[b], D("2026-06-03")));
	assert_true(schedule_slot_on_day(s, &s->slots[b], D("2026-06-04")));
	assert_true(schedule_slot_on_day(s, &s->slots[b], D("2026-06-06")));
	assert_false(schedule_slot_on_day(s, &s->slots[b], D("2026-06-07")));
	assert_true(schedule_slot_on_day(s, &s->slots[c], D("2026-06-12")));
	assert_false(schedule_slot_on_day(s, &s->slots[c], D("2026-06-13")));
	/* a slot range restricts dates and weekdays too */
	slot_range(s, c, "2026-06-09", "2026-06-15");
	slot_range(s, a, NULL, "2026-06-09");
	check_ids(s, T("2026-06-01 00:00"), T("2026-07-01 00:00"),
		  "dates@2026-06-03T09:00 range@2026-06-04T10:00 range@2026-06-05T10:00 "
		  "range@2026-06-06T10:00 union@2026-06-12T11:00 union@2026-06-15T11:00");
	sched_del(s);
}

static void test_campaign_clip(void **state)
{
	struct schedule *s = sched_new();
	size_t ci = add_campaign(s, "camp", "A", "2026-04-10", "2026-04-20");
	size_t si = add_slot(s, "c", "06:30");
	slot_campaign(s, si, ci);
	slot_range(s, si, "2026-04-15", "2026-04-30");
	check_ids(s, T("2026-04-01 00:00"), T("2026-05-01 00:00"),
		  "c@2026-04-15T06:30 c@2026-04-16T06:30 c@2026-04-17T06:30 c@2026-04-18T06:30 "
		  "c@2026-04-19T06:30 c@2026-04-20T06:30");
	assert_false(schedule_slot_on_day(s, &s->slots[si], D("2026-04-21")));
	assert_false(schedule_slot_on_day(s, &s->slots[si], D("2026-04-12")));
	/* the campaign range also clips a slot naming it with explicit bulletins */
	slot_bulletins(s, si, "X");
	slot_range(s, si, "2026-04-01", "2026-04-11");
	check_ids(s, T("2026-04-01 00:00"), T("2026-05-01 00:00"),
		  "c@2026-04-10T06:30 c@2026-04-11T06:30");
	sched_del(s);
}

static void test_slot_on_day_matches_expand(void **state)
{
	struct schedule *s = sched_new();
	size_t ci = add_campaign(s, "camp", "A B", "2026-02-01", "2026-11-30");
	size_t si = add_slot(s, "mix", "12:00");
	s->slots[si].weekdays = (1u << 2) | (1u << 6);
	s->slots[si].monthdays = (1u << 1) | (1u << 31);
	slot_dates(s, si, "2026-03-03 2026-12-25 2026-05-05");
	slot_range(s, si, "2026-01-15", "2026-12-31");
	slot_campaign(s, si, ci);
	struct occurrence *o;
	size_t n = expand(s, T("2026-01-01 00:00"), T("2027-01-01 00:00"), NULL, 0, &o);
	size_t j = 0, days = 0;
	for (int32_t d = D("2026-01-01"); d < D("2027-01-01"); d++) {
		char want[40], date[11];
		civil_format_date(d, date);
		snprintf(want, sizeof(want), "mix@%sT12:00", date);
		int on = schedule_slot_on_day(s, &s->slots[si], d);
		int got = j < n && !strcmp(o[j].id, want);
		assert_int_equal(on, got);
		j += (size_t)got;
		days += (size_t)on;
	}
	assert_int_equal(j, n);
	assert_true(days > 80 && days < 130); /* ~2/7 of 303 days + 1sts, 31sts, dates */
	check_dues(o, n);
	free(o);
	sched_del(s);
}

/* ---- windows, midnight, month and year ends ---- */

static void test_windows(void **state)
{
	static const struct {
		const char *times, *from, *to, *want;
	} cases[] = {
		/* from inclusive, to exclusive, at exact due times */
		{"00:00", "2026-05-01 00:00", "2026-05-03 00:00", "s@2026-05-01T00:00 s@2026-05-02T00:00"},
		{"00:00", "2026-04-30 23:59", "2026-05-02 00:00", "s@2026-05-01T00:00"},
		{"06:00 18:00", "2026-05-01 06:00", "2026-05-02 06:00",
		 "s@2026-05-01T06:00 s@2026-05-01T18:00"},
		{"06:00 18:00", "2026-05-01 06:01", "2026-05-01 18:00", ""},
		{"06:00", "2026-05-01 06:00", "2026-05-01 06:00", ""},
		{"06:00", "2026-05-02 06:00", "2026-05-01 06:00", ""},
		/* month end */
		{"00:15 23:30", "2026-01-31 23:00", "2026-02-01 01:00",
		 "s@2026-01-31T23:30 s@2026-02-01T00:15"},
		{"23:59", "2026-02-28 00:00", "2026-03-02 00:00", "s@2026-02-28T23:59 s@2026-03-01T23:59"},
		/* year end */
		{"00:15 23:30", "2026-12-31 23:00", "2027-01-01 01:00",
		 "s@2026-12-31T23:30 s@2027-01-01T00:15"},
		{"00:00 23:59", "2026-12-31 23:59", "2027-01-01 00:01",
		 "s@2026-12-31T23:59 s@2027-01-01T00:00"},
	};
	for (size_t c = 0; c < ARRAY_LEN(cases); c++) {
		struct schedule *s = sched_new();
		add_slot(s, "s", cases[c].times);
		check_ids(s, T(cases[c].from), T(cases[c].to), cases[c].want);
		sched_del(s);
	}
}

static void test_dues_are_local(void **state)
{
	struct schedule *s = sched_new();
	add_slot(s, "s", "00:00 06:30 23:30");
	struct occurrence *o;
	size_t n = expand(s, UTC("2026-12-30 17:00"), UTC("2027-01-01 17:00"), NULL, 0, &o);
	assert_int_equal(n, 6);
	/* UTC+7: local midnight is 17:00 UTC the day before */
	assert_string_equal(o[0].id, "s@2026-12-31T00:00");
	assert_true(o[0].due == UTC("2026-12-30 17:00"));
	assert_true(o[1].due == UTC("2026-12-30 23:30"));
	assert_true(o[2].due == UTC("2026-12-31 16:30"));
	assert_string_equal(o[5].id, "s@2027-01-01T23:30");
	assert_true(o[5].due == UTC("2027-01-01 16:30"));
	free(o);
	/* an empty schedule and an empty window give 0 and NULL */
	struct schedule *e = sched_new();
	n = expand(e, T("2026-01-01 00:00"), T("2027-01-01 00:00"), NULL, 0, &o);
	assert_int_equal(n, 0);
	sched_del(e);
	sched_del(s);
}

/* ---- collisions ---- */

static void test_levels_same_due(void **state)
{
	struct schedule *s = sched_new();
	size_t a = add_slot(s, "n-a", "07:00");
	slot_bulletins(s, a, "na");
	size_t p = add_slot(s, "pr", "07:00");
	slot_bulletins(s, p, "pb");
	s->slots[p].level = LEVEL_PRIORITY;
	size_t e = add_slot(s, "em", "07:00");
	slot_bulletins(s, e, "eb");
	s->slots[e].level = LEVEL_EMERGENCY;
	s->slots[e].zones = 0x5;
	s->slots[e].repeat = 3;
	s->slots[e].gain_db = -6.5;
	size_t m = add_slot(s, "multi", "07:00");
	slot_bulletins(s, m, "x y z");
	size_t b = add_slot(s, "n-b", "06:59 07:00");
	slot_bulletins(s, b, "nb");
	size_t p2 = add_slot(s, "pr2", "07:00");
	slot_bulletins(s, p2, "p2");
	s->slots[p2].level = LEVEL_PRIORITY;

	struct occurrence *o;
	size_t n = expand(s, T("2026-08-01 00:00"), T("2026-08-02 00:00"), NULL, 0, &o);
	char *got = join(o, n, 1);
	assert_string_equal(got, "n-b@2026-08-01T06:59=nb em@2026-08-01T07:00=eb "
				 "pr@2026-08-01T07:00=pb pr2@2026-08-01T07:00=p2 "
				 "n-a@2026-08-01T07:00=na multi@2026-08-01T07:00#1=x "
				 "multi@2026-08-01T07:00#2=y multi@2026-08-01T07:00#3=z "
				 "n-b@2026-08-01T07:00=nb");
	free(got);
	assert_int_equal(o[1].level, LEVEL_EMERGENCY);
	assert_int_equal(o[1].slot, e);
	assert_int_equal(o[1].zones, 0x5);
	assert_int_equal(o[1].repeat, 3);
	assert_true(o[1].gain_db == -6.5);
	assert_string_equal(o[1].campaign, "");
	assert_null(o[1].blackout);
	assert_int_equal(o[2].level, LEVEL_PRIORITY);
	assert_int_equal(o[5].slot, m);
	for (size_t i = 5; i < 8; i++)
		assert_true(o[i].due == o[4].due);
	free(o);
	sched_del(s);
}

/* ---- rotation ---- */

static void test_rotation_cycles(void **state)
{
	struct schedule *s = sched_new();
	size_t ci = add_campaign(s, "camp", "A B C", NULL, NULL);
	size_t si = add_slot(s, "r", "06:00");
	slot_campaign(s, si, ci);
	static const char *const want[] = {"A", "B", "C", "A", "B"};
	size_t rot[1] = {0};
	int32_t d0 = D("2026-09-01");
	/* one call per day with the same rot array: a daemon restarting daily */
	for (int i = 0; i < 5; i++) {
		struct occurrence *o;
		int64_t from = civil_tz_instant(d0 + i, 0), to = civil_tz_instant(d0 + i + 1, 0);
		assert_int_equal(expand(s, from, to, rot, 0, &o), 1);
		assert_string_equal(o[0].bulletin, want[i]);
		assert_string_equal(o[0].campaign, "camp");
		free(o);
	}
	assert_int_equal(rot[0], 2);
	/* rot == NULL: every rotation starts at 0 */
	struct occurrence *o;
	size_t n = expand(s, T("2026-09-01 00:00"), T("2026-09-05 00:00"), NULL, 0, &o);
	char *got = join(o, n, 1);
	assert_string_equal(got, "r@2026-09-01T06:00=A r@2026-09-02T06:00=B r@2026-09-03T06:00=C "
				 "r@2026-09-04T06:00=A");
	free(got);
	free(o);
	/* restart from the last bulletin in the journal */
	rot[0] = schedule_rotation_after(&s->campaigns[ci], "B");
	assert_int_equal(expand(s, T("2026-09-10 00:00"), T("2026-09-11 00:00"), rot, 0, &o), 1);
	assert_string_equal(o[0].bulletin, "C");
	assert_int_equal(rot[0], 0);
	free(o);
	/* a rotation position past the end wraps */
	rot[0] = 7;
	assert_int_equal(expand(s, T("2026-09-10 00:00"), T("2026-09-11 00:00"), rot, 0, &o), 1);
	assert_string_equal(o[0].bulletin, "B");
	free(o);
	sched_del(s);
}

static void test_rotation_after(void **state)
{
	struct schedule *s = sched_new();
	add_campaign(s, "abc", "A B C", NULL, NULL);
	add_campaign(s, "empty", NULL, NULL, NULL);
	add_campaign(s, "one", "X", NULL, NULL);
	static const struct {
		size_t c;
		const char *last;
		size_t want;
	} cases[] = {
		{0, "A", 1}, {0, "B", 2}, {0, "C", 0}, {0, "Z", 0}, {0, NULL, 0},
		{0, "", 0},  {1, "A", 0}, {1, NULL, 0}, {2, "X", 0}, {2, "Y", 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		assert_int_equal(schedule_rotation_after(&s->campaigns[cases[i].c], cases[i].last),
				 cases[i].want);
	assert_int_equal(schedule_rotation_after(NULL, "A"), 0);
	/* a campaign without bulletins yields "" */
	size_t si = add_slot(s, "e", "06:00");
	slot_campaign(s, si, 1);
	struct occurrence *o;
	assert_int_equal(expand(s, T("2026-09-01 00:00"), T("2026-09-02 00:00"), NULL, 0, &o), 1);
	assert_string_equal(o[0].bulletin, "");
	free(o);
	sched_del(s);
}

static void test_rotation_same_time(void **state)
{
	struct schedule *s = sched_new();
	size_t ci = add_campaign(s, "camp", "A B C", NULL, NULL);
	size_t x = add_slot(s, "x", "06:00");
	slot_campaign(s, x, ci);
	size_t y = add_slot(s, "y", "06:00");
	slot_campaign(s, y, ci);
	size_t rot[1] = {0};
	struct occurrence *o;
	size_t n = expand(s, T("2026-10-01 00:00"), T("2026-10-03 00:00"), rot, 0, &o);
	char *got = join(o, n, 1);
	assert_string_equal(got, "x@2026-10-01T06:00=A y@2026-10-01T06:00=B x@2026-10-02T06:00=C "
				 "y@2026-10-02T06:00=A");
	free(got);
	free(o);
	assert_int_equal(rot[0], 1);
	/* the later slot at a higher level plays first and takes the next bulletin */
	s->slots[y].level = LEVEL_PRIORITY;
	rot[0] = 0;
	n = expand(s, T("2026-10-01 00:00"), T("2026-10-02 00:00"), rot, 0, &o);
	got = join(o, n, 1);
	assert_string_equal(got, "y@2026-10-01T06:00=A x@2026-10-01T06:00=B");
	free(got);
	free(o);
	sched_del(s);
}

/* ---- blackouts ---- */

static void test_blackout_midnight(void **state)
{
	struct schedule *s = sched_new();
	size_t ci = add_campaign(s, "camp", "A B C", NULL, NULL);
	size_t nrm = add_slot(s, "nrm", "21:00 22:00");
	slot_campaign(s, nrm, ci);
	size_t pri = add_slot(s, "pri", "05:00");
	slot_bulletins(s, pri, "p");
	s->slots[pri].level = LEVEL_PRIORITY;
	size_t emg = add_slot(s, "emg", "23:00");
	slot_bulletins(s, emg, "e");
	s->slots[emg].level = LEVEL_EMERGENCY;
	size_t end = add_slot(s, "end", "06:00");
	slot_bulletins(s, end, "n");
	add_blackout(s, T("2026-12-31 22:00"), T("2027-01-01 06:00"), "Tet");

	assert_null(schedule_blackout_at(s, T("2026-12-31 22:00") - 1));
	assert_string_equal(schedule_blackout_at(s, T("2026-12-31 22:00")), "Tet");
	assert_string_equal(schedule_blackout_at(s, T("2027-01-01 05:59")), "Tet");
	assert_null(schedule_blackout_at(s, T("2027-01-01 06:00")));

	int64_t from = T("2026-12-31 12:00"), to = T("2027-01-01 23:00");
	size_t rot[1] = {0};
	struct occurrence *o;
	size_t n = expand(s, from, to, rot, 0, &o);
	char *got = join(o, n, 1);
	assert_string_equal(got, "nrm@2026-12-31T21:00=A emg@2026-12-31T23:00=e "
				 "end@2027-01-01T06:00=n nrm@2027-01-01T21:00=B "
				 "nrm@2027-01-01T22:00=C");
	free(got);
	for (size_t i = 0; i < n; i++)
		assert_null(o[i].blackout);
	free(o);
	assert_int_equal(rot[0], 0);

	rot[0] = 0;
	n = expand(s, from, to, rot, EXPAND_SUPPRESSED, &o);
	got = join(o, n, 1);
	/* nrm@22:00 would play B; B is still next after it */
	assert_string_equal(got, "nrm@2026-12-31T21:00=A nrm@2026-12-31T22:00=B "
				 "emg@2026-12-31T23:00=e pri@2027-01-01T05:00=p "
				 "end@2027-01-01T06:00=n nrm@2027-01-01T21:00=B "
				 "nrm@2027-01-01T22:00=C");
	free(got);
	static const int suppressed[] = {0, 1, 0, 1, 0, 0, 0};
	assert_int_equal(n, ARRAY_LEN(suppressed));
	for (size_t i = 0; i < n; i++) {
		if (suppressed[i])
			assert_ptr_equal(o[i].blackout, s->blackouts[0].reason);
		else
			assert_null(o[i].blackout);
	}
	free(o);
	assert_int_equal(rot[0], 0);

	/* a blackout wholly outside the window changes nothing */
	check_ids(s, T("2027-01-02 00:00"), T("2027-01-03 00:00"),
		  "pri@2027-01-02T05:00 end@2027-01-02T06:00 nrm@2027-01-02T21:00 "
		  "nrm@2027-01-02T22:00 emg@2027-01-02T23:00");
	sched_del(s);
}

/* ---- stable ids across split windows ---- */

static struct schedule *mixed_schedule(void)
{
	struct schedule *s = sched_new();
	size_t c1 = add_campaign(s, "c1", "A B C", NULL, NULL);
	size_t c2 = add_campaign(s, "c2", "P Q", "2026-01-20", "2026-02-20");
	size_t a = add_slot(s, "daily", "06:00 17:30");
	slot_campaign(s, a, c1);
	size_t b = add_slot(s, "mon-fri", "06:00 11:00");
	s->slots[b].weekdays = 0x1f;
	slot_campaign(s, b, c1);
	size_t c = add_slot(s, "first", "00:00 06:00");
	s->slots[c].monthdays = (1u << 1) | (1u << 15);
	slot_bulletins(s, c, "u v");
	size_t d = add_slot(s, "c2", "06:00");
	slot_campaign(s, d, c2);
	s->slots[d].level = LEVEL_PRIORITY;
	size_t e = add_slot(s, "dates", "23:59");
	slot_dates(s, e, "2026-01-31 2026-02-14");
	s->slots[e].level = LEVEL_EMERGENCY;
	add_blackout(s, T("2026-02-16 00:00"), T("2026-02-18 12:00"), "Tet");
	return s;
}

static void test_split_stable(void **state)
{
	struct schedule *s = mixed_schedule();
	int64_t a = T("2026-01-01 00:00"), c = T("2026-03-01 00:00");
	const int64_t splits[] = {
		a, T("2026-01-15 00:00"), T("2026-01-15 06:00"), T("2026-01-20 06:00") + 1,
		T("2026-01-31 23:59"), T("2026-02-17 09:00"), c - 1, c,
	};
	for (int flags = 0; flags <= EXPAND_SUPPRESSED; flags += EXPAND_SUPPRESSED) {
		size_t rot_all[2] = {0, 0};
		struct occurrence *all;
		size_t n = expand(s, a, c, rot_all, flags, &all);
		assert_true(n > 200);
		check_dues(all, n);
		for (size_t k = 0; k < ARRAY_LEN(splits); k++) {
			size_t rot[2] = {0, 0};
			struct occurrence *p1, *p2;
			size_t n1 = expand(s, a, splits[k], rot, flags, &p1);
			size_t n2 = expand(s, splits[k], c, rot, flags, &p2);
			assert_int_equal(n1 + n2, n);
			for (size_t i = 0; i < n; i++) {
				const struct occurrence *x = i < n1 ? &p1[i] : &p2[i - n1];
				assert_string_equal(x->id, all[i].id);
				assert_true(x->due == all[i].due);
				assert_string_equal(x->bulletin, all[i].bulletin);
				assert_int_equal(x->slot, all[i].slot);
				assert_true(x->blackout == all[i].blackout);
			}
			assert_memory_equal(rot, rot_all, sizeof(rot));
			free(p1);
			free(p2);
		}
		free(all);
	}
	sched_del(s);
}

/* ---- DST (Europe/Berlin): folds and gaps do not crash and stay sensible ---- */

static void test_berlin_dst(void **state)
{
	assert_int_equal(civil_tz_set("Europe/Berlin"), 0);
	struct schedule *s = sched_new();
	add_slot(s, "s", "01:00 02:30 03:00");
	struct occurrence *o;

	/* 2026-03-29: 02:00 CET -> 03:00 CEST; 02:30 does not exist and is
	 * moved forward by the gap (as mktime does), to 03:30 CEST */
	size_t n = expand(s, T("2026-03-29 00:00"), T("2026-03-30 00:00"), NULL, 0, &o);
	char *got = join(o, n, 0);
	assert_string_equal(got, "s@2026-03-29T01:00 s@2026-03-29T03:00 s@2026-03-29T02:30");
	free(got);
	assert_true(o[0].due == UTC("2026-03-29 00:00")); /* 01:00 CET */
	assert_true(o[1].due == UTC("2026-03-29 01:00")); /* 03:00 CEST */
	assert_true(o[2].due == UTC("2026-03-29 01:30")); /* 03:30 CEST */
	check_dues(o, n);
	free(o);

	/* 2026-10-25: 03:00 CEST -> 02:00 CET; 02:30 happens twice and plays
	 * once, at the first (CEST), whatever mktime was last asked */
	for (int k = 0; k < 3; k++) {
		civil_tz_instant(D(k == 1 ? "2026-07-01" : "2026-12-01"), 600);
		n = expand(s, T("2026-10-25 00:00") - 86400 * k, T("2026-10-26 00:00"), NULL, 0, &o);
		got = join(o, n, 0);
		assert_string_equal(got + strlen(got) - 56,
				    "s@2026-10-25T01:00 s@2026-10-25T02:30 s@2026-10-25T03:00");
		free(got);
		assert_true(o[n - 3].due == UTC("2026-10-24 23:00"));
		assert_true(o[n - 2].due == UTC("2026-10-25 00:30"));
		assert_true(o[n - 1].due == UTC("2026-10-25 02:00"));
		check_dues(o, n);
		free(o);
	}

	/* the same with a winter time computed just before the fold time */
	struct schedule *s2 = sched_new();
	add_slot(s2, "late", "03:00");
	add_slot(s2, "f", "02:30");
	n = expand(s2, T("2026-10-25 00:00"), T("2026-10-26 00:00"), NULL, 0, &o);
	assert_int_equal(n, 2);
	assert_string_equal(o[0].id, "f@2026-10-25T02:30");
	assert_true(o[0].due == UTC("2026-10-25 00:30"));
	free(o);
	sched_del(s2);

	/* a whole year: every due is civil_tz_instant of its id's local time */
	n = expand(s, T("2026-01-01 00:00"), T("2027-01-01 00:00"), NULL, 0, &o);
	assert_int_equal(n, 365 * 3);
	check_dues(o, n);
	assert_true(o[0].due == UTC("2026-01-01 00:00"));
	assert_true(o[n - 1].due == UTC("2026-12-31 02:00"));
	free(o);
	sched_del(s);
	assert_int_equal(civil_tz_set(HCM), 0);
}

static void test_year_cross_check(void **state)
{
	struct schedule *s = mixed_schedule();
	struct occurrence *o;
	size_t n = expand(s, T("2026-01-01 00:00"), T("2028-01-01 00:00"), NULL, EXPAND_SUPPRESSED, &o);
	assert_true(n > 1000);
	check_dues(o, n);
	for (size_t i = 1; i < n; i++)
		assert_string_not_equal(o[i - 1].id, o[i].id);
	free(o);
	sched_del(s);
}


/* The rotation rule for journal records (docs/SCHEDULE.md). */
static void test_record_rotates(void **state)
{
	struct schedule *s = sched_new();
	size_t r = add_slot(s, "rot", "06:30");
	snprintf(s->slots[r].campaign, ID_MAX, "c");
	size_t e = add_slot(s, "expl", "06:35");
	snprintf(s->slots[e].campaign, ID_MAX, "c");
	s->slots[e].nbulletins = words("b3", &s->slots[e].bulletins);
	size_t p = add_slot(s, "plain", "07:00");
	(void)p;
	assert_int_equal(schedule_record_rotates(s, "rot@2030-01-15T06:30", NULL), 1);
	assert_int_equal(schedule_record_rotates(s, "expl@2030-01-15T06:35", NULL), 0);
	assert_int_equal(schedule_record_rotates(s, "plain@2030-01-15T07:00", NULL), 0);
	assert_int_equal(schedule_record_rotates(s, "manual@2030-01-15T07:00:01#3", NULL), 0);
	assert_int_equal(schedule_record_rotates(s, "gone@2030-01-15T07:00", NULL), 1);
	/* The record's own word wins. */
	assert_int_equal(schedule_record_rotates(s, "expl@2030-01-15T06:35", "yes"), 1);
	assert_int_equal(schedule_record_rotates(s, "rot@2030-01-15T06:30", "no"), 0);
	assert_int_equal(schedule_record_rotates(s, NULL, NULL), 0);
	sched_del(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekdays),
		cmocka_unit_test(test_monthdays),
		cmocka_unit_test(test_leap_day_date),
		cmocka_unit_test(test_dates_and_ranges),
		cmocka_unit_test(test_campaign_clip),
		cmocka_unit_test(test_slot_on_day_matches_expand),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_dues_are_local),
		cmocka_unit_test(test_levels_same_due),
		cmocka_unit_test(test_rotation_cycles),
		cmocka_unit_test(test_rotation_after),
		cmocka_unit_test(test_rotation_same_time),
		cmocka_unit_test(test_blackout_midnight),
		cmocka_unit_test(test_split_stable),
		cmocka_unit_test_teardown(test_berlin_dst, restore_zone),
		cmocka_unit_test(test_year_cross_check),
		cmocka_unit_test(test_record_rotates),
	};
	return cmocka_run_group_tests(tests, setup_zone, NULL);
}
