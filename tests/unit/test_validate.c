/* Unit tests for validate.c: references (campaigns, bulletins), quiet hours,
 * amplifier zones and the station's local limits (weekdays, sessions a day,
 * session length). Every message must start with "file:line: ". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "config.h"
#include "validate.h"

static char tmpdir[64];
static int ntmp;

static int setup(void **state)
{
	(void)state;
	if (civil_tz_set("Asia/Ho_Chi_Minh") < 0)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/loaxa-test-validate-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void dump(const struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++)
		print_message("  | %s\n", e->msg[i]);
}

/* Every message is "file:line: ..." with a line > 0. */
static void check_format(const struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++) {
		const char *m = e->msg[i], *c = strchr(m, ':');
		if (!c || c == m || !isdigit((unsigned char)c[1]) || c[1] == '0') {
			dump(e);
			fail_msg("message without file:line: \"%s\"", m);
		}
		const char *p = c + 1;
		while (isdigit((unsigned char)*p))
			p++;
		if (p[0] != ':' || p[1] != ' ')
			fail_msg("message without file:line: \"%s\"", m);
	}
}

static void expect_err(const struct errlist *e, const char *file, int line, const char *sub)
{
	char pre[512];
	snprintf(pre, sizeof(pre), "%s:%d: ", file, line);
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->msg[i], pre, strlen(pre)) && strstr(e->msg[i] + strlen(pre), sub))
			return;
	dump(e);
	fail_msg("no error \"%s...%s\"", pre, sub);
}

/* Parse schedule text (must be syntactically fine) from a temp file. */
static const char *load(const char *text, struct schedule *s)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/s%d.conf", tmpdir, ntmp++);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	struct errlist e = {0};
	int r = config_load_schedule(path, s, &e);
	dump(&e);
	assert_int_equal(r, 0);
	errlist_free(&e);
	return path;
}

/* A station with no limits at all. */
static void open_station(struct station *st)
{
	memset(st, 0, sizeof(*st));
	st->file = "station.conf";
	st->allowed_weekdays = 0x7f;
	st->catchup_minutes = 30;
}

static void add_bulletin(struct catalog *c, const char *id, double dur)
{
	c->items = realloc(c->items, (c->n + 1) * sizeof(*c->items));
	assert_non_null(c->items);
	struct bulletin *b = &c->items[c->n++];
	memset(b, 0, sizeof(*b));
	snprintf(b->id, sizeof(b->id), "%s", id);
	b->duration = dur;
}

#define CAMP "serial = 1;\ncampaigns = ( { id = \"c\"; title = \"C\"; bulletins = [\"b1\", \"b2\"]; } );\n"

static void test_unknown_campaign(void **state)
{
	(void)state;
	struct schedule s;
	struct station st;
	struct errlist e = {0};
	open_station(&st);
	const char *f = load(CAMP "slots = (\n  { id = \"s1\"; times = [\"06:30\"]; campaign = \"c\"; },\n"
			     "  { id = \"s2\"; times = [\"07:30\"]; campaign = \"nope\"; }\n);\n", &s);
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 1);
	expect_err(&e, f, 5, "slot s2: unknown campaign \"nope\"");
	check_format(&e);
	assert_int_equal(s.slots[0].campaign_index, 0);
	assert_true(s.slots[1].campaign_index >= s.ncampaigns);
	errlist_free(&e);
	schedule_free(&s);
}

static void test_unknown_bulletin(void **state)
{
	(void)state;
	struct schedule s;
	struct station st;
	struct catalog cat = {0};
	struct errlist e = {0};
	open_station(&st);
	const char *f = load(CAMP "slots = (\n  { id = \"s1\"; times = [\"06:30\"];\n"
			     "    bulletins = [\"b1\", \"x9\"]; }\n);\n", &s);
	/* Without a catalog, bulletins are not checked. */
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 0);
	assert_int_equal(e.n, 0);
	add_bulletin(&cat, "b1", 60);
	assert_int_equal(validate_schedule(&s, &st, &cat, &e), 2);
	expect_err(&e, f, 2, "campaign c uses bulletin \"b2\", which is not in the library");
	expect_err(&e, f, 4, "slot s1 uses bulletin \"x9\"");
	check_format(&e);
	errlist_free(&e);
	add_bulletin(&cat, "b2", 60);
	add_bulletin(&cat, "x9", 60);
	assert_int_equal(validate_schedule(&s, &st, &cat, &e), 0);
	catalog_free(&cat);
	schedule_free(&s);
}

static void test_quiet_hours(void **state)
{
	(void)state;
	struct station st;
	open_station(&st);
	assert_false(validate_in_quiet_hours(&st, 0));
	st.quiet_from = 12 * 60;
	st.quiet_to = 13 * 60;
	assert_false(validate_in_quiet_hours(&st, 12 * 60 - 1));
	assert_true(validate_in_quiet_hours(&st, 12 * 60));
	assert_true(validate_in_quiet_hours(&st, 12 * 60 + 59));
	assert_false(validate_in_quiet_hours(&st, 13 * 60));
	st.quiet_from = 22 * 60;
	st.quiet_to = 5 * 60;
	assert_true(validate_in_quiet_hours(&st, 22 * 60));
	assert_true(validate_in_quiet_hours(&st, 23 * 60 + 59));
	assert_true(validate_in_quiet_hours(&st, 0));
	assert_true(validate_in_quiet_hours(&st, 4 * 60 + 59));
	assert_false(validate_in_quiet_hours(&st, 5 * 60));
	assert_false(validate_in_quiet_hours(&st, 21 * 60 + 59));
	assert_false(validate_in_quiet_hours(&st, 12 * 60));

	struct schedule s;
	struct errlist e = {0};
	const char *f = load(CAMP "slots = (\n"
			     "  { id = \"trua\"; times = [\"11:59\", \"12:30\", \"13:00\"]; campaign = \"c\"; },\n"
			     "  { id = \"dem\"; times = [\"21:59\", \"23:00\", \"04:59\", \"05:00\"]; campaign = \"c\"; },\n"
			     "  { id = \"khan\"; times = [\"23:30\", \"12:15\"]; campaign = \"c\"; level = \"emergency\"; }\n);\n",
			     &s);
	st.quiet_line = 9;
	st.quiet_from = 12 * 60;
	st.quiet_to = 13 * 60;
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 1);
	expect_err(&e, f, 4, "slot trua: 12:30 is inside the station's quiet hours 12:00-13:00 (station.conf:9)");
	check_format(&e);
	errlist_free(&e);
	st.quiet_from = 22 * 60;
	st.quiet_to = 5 * 60;
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 2);
	expect_err(&e, f, 5, "slot dem: 23:00 is inside the station's quiet hours 22:00-05:00");
	expect_err(&e, f, 5, "slot dem: 04:59 is inside");
	check_format(&e);
	errlist_free(&e);
	schedule_free(&s);

	/* Every minute of the night: one message per slot, not hundreds. */
	f = load(CAMP "slots = (\n  { id = \"dem\"; every_minutes = 2; campaign = \"c\"; }\n);\n", &s);
	size_t n = validate_schedule(&s, &st, NULL, &e);
	assert_int_equal(n, 4); /* 00:00, 00:02, 00:04 and a summary */
	expect_err(&e, f, 4, "slot dem: and 207 more times inside");
	expect_err(&e, f, 4, "slot dem: 00:00 is inside the station's quiet hours 22:00-05:00");
	check_format(&e);
	errlist_free(&e);
	schedule_free(&s);
}

static void test_zones(void **state)
{
	(void)state;
	struct station st = {0};
	struct schedule s;
	struct errlist e = {0};
	assert_int_equal(config_load_station("data/config/station-limits.conf", &st, &e), 0);
	const char *f = load(CAMP "slots = (\n"
			     "  { id = \"a\"; weekdays = [\"mon\"]; times = [\"06:30\"]; campaign = \"c\"; zones = [1, 2]; },\n"
			     "  { id = \"b\"; weekdays = [\"mon\"]; times = [\"17:30\"]; campaign = \"c\"; zones = [2, 3, 32]; },\n"
			     "  { id = \"c\"; weekdays = [\"tue\"]; times = [\"17:30\"]; campaign = \"c\"; }\n);\n",
			     &s);
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 2);
	expect_err(&e, f, 5, "slot b: zone 3 is not wired to the amplifier");
	expect_err(&e, f, 5, "slot b: zone 32 is not wired");
	check_format(&e);
	errlist_free(&e);
	/* Amplifier off, or no zone map: nothing to check. */
	st.amp.enabled = 0;
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 0);
	st.amp.enabled = 1;
	st.amp.nzones = 0;
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 0);
	schedule_free(&s);
	station_free(&st);
}

static void test_weekday_limit(void **state)
{
	(void)state;
	struct station st = {0};
	struct schedule s;
	struct errlist e = {0};
	assert_int_equal(config_load_station("data/config/station-limits.conf", &st, &e), 0);
	const char *f = load(CAMP "slots = (\n"
			     "  { id = \"ok\"; weekdays = [\"mon\", \"fri\"]; times = [\"06:30\"]; campaign = \"c\"; },\n"
			     "  { id = \"thu-bay\";\n    weekdays = [\"sat\"];\n    times = [\"07:30\"]; campaign = \"c\"; },\n"
			     "  { id = \"hang-ngay\"; times = [\"17:00\"]; campaign = \"c\"; },\n"
			     "  { id = \"khan\"; weekdays = [\"sun\"]; times = [\"09:00\"]; campaign = \"c\"; level = \"emergency\"; },\n"
			     "  { id = \"ngay-le\"; dates = [\"2031-05-03\"]; times = [\"08:00\"]; campaign = \"c\"; },\n"
			     "  { id = \"ngay-15\"; days = [15]; times = [\"08:00\"]; campaign = \"c\";\n"
			     "    from = \"2027-03-01\"; to = \"2027-06-30\"; }\n);\n",
			     &s);
	size_t n = validate_schedule(&s, &st, NULL, &e);
	expect_err(&e, f, 5, "slot thu-bay plays on");
	expect_err(&e, f, 5, "a Saturday; the station allows no broadcast on Saturdays (data/config/station-limits.conf:12)");
	expect_err(&e, f, 8, "slot hang-ngay plays on");
	/* 2031-05-03 is a Saturday, years after any default window. */
	expect_err(&e, f, 10, "slot ngay-le plays on 2031-05-03, a Saturday");
	/* Within its from..to, the 15th is a weekend day only on 2027-05-15. */
	expect_err(&e, f, 11, "slot ngay-15 plays on 2027-05-15, a Saturday");
	/* And Mondays 2027-03-15 has ok, hang-ngay and ngay-15: the third is
	 * hang-ngay's 17:00. */
	expect_err(&e, f, 8, "3 sessions on ");
	assert_int_equal(n, 5);
	assert_int_equal(e.n, 5);
	check_format(&e);
	errlist_free(&e);
	schedule_free(&s);
	station_free(&st);
}

static void test_sessions_per_day(void **state)
{
	(void)state;
	struct station st = {0};
	struct schedule s;
	struct errlist e = {0};
	assert_int_equal(config_load_station("data/config/station-limits.conf", &st, &e), 0);
	const char *f = load(CAMP "slots = (\n"
			     "  { id = \"sang\"; weekdays = [\"mon\", \"wed\"]; times = [\"06:00\"]; campaign = \"c\"; },\n"
			     "  { id = \"trua\"; weekdays = [\"mon\"]; times = [\"11:00\"]; campaign = \"c\"; },\n"
			     "  { id = \"chieu\"; weekdays = [\"wed\"]; times = [\"17:00\"]; campaign = \"c\"; },\n"
			     "  { id = \"chieu2\"; weekdays = [\"mon\"];\n    times = [\"17:00\"]; campaign = \"c\"; },\n"
			     "  { id = \"cung-luc\"; weekdays = [\"wed\"]; times = [\"06:00\"]; bulletins = [\"b1\"]; }\n);\n",
			     &s);
	/* Monday: 06:00, 11:00, 17:00 = 3 sessions; Wednesday: 06:00 (two slots), 17:00 = 2. */
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 1);
	expect_err(&e, f, 7, "3 sessions on ");
	expect_err(&e, f, 7, "(06:00, 11:00, 17:00); the station allows at most 2 a day (data/config/station-limits.conf:14)");
	check_format(&e);
	errlist_free(&e);
	schedule_free(&s);

	/* A session every minute must not overflow the message. */
	f = load(CAMP "slots = (\n  { id = \"moi-phut\"; weekdays = [\"mon\"]; every_minutes = 1;\n"
		 "    campaign = \"c\"; }\n);\n", &s);
	st.quiet_from = st.quiet_to = 0;
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 1);
	expect_err(&e, f, 4, "1440 sessions on ");
	check_format(&e);
	errlist_free(&e);
	schedule_free(&s);
	station_free(&st);
}

static void test_session_length(void **state)
{
	(void)state;
	struct station st = {0};
	struct schedule s;
	struct catalog cat = {0};
	struct errlist e = {0};
	assert_int_equal(config_load_station("data/config/station-limits.conf", &st, &e), 0);
	add_bulletin(&cat, "b1", 300); /* 5 min */
	add_bulletin(&cat, "b2", 420); /* 7 min */
	add_bulletin(&cat, "x", 200);
	const char *f = load(CAMP "slots = (\n"
			     "  { id = \"ngan\"; weekdays = [\"mon\"]; times = [\"06:00\"]; campaign = \"c\"; repeat = 2; },\n"
			     "  { id = \"dai\"; weekdays = [\"tue\"]; times = [\"06:00\"];\n    campaign = \"c\"; repeat = 3; },\n"
			     "  { id = \"hai-ban\"; weekdays = [\"wed\"]; times = [\"06:00\"];\n"
			     "    bulletins = [\"b1\", \"b2\", \"x\"]; },\n"
			     "  { id = \"khan\"; weekdays = [\"thu\"]; times = [\"06:00\"]; campaign = \"c\"; repeat = 20;\n"
			     "    level = \"emergency\"; }\n);\n",
			     &s);
	/* ngan: 7 min x 2 = 14 min (ok); dai: 7 x 3 = 21 min; hai-ban: 5+7+3:20 = 15:20. */
	assert_int_equal(validate_schedule(&s, &st, &cat, &e), 2);
	expect_err(&e, f, 5, "slot dai: the session at 06:00 on ");
	expect_err(&e, f, 5, "lasts up to 21 min 00 s; the station allows 15 minutes a session (data/config/station-limits.conf:13)");
	expect_err(&e, f, 7, "slot hai-ban: the session at 06:00");
	expect_err(&e, f, 7, "lasts up to 15 min 20 s");
	check_format(&e);
	errlist_free(&e);
	/* Two slots at the same time make one session: their lengths add up. */
	schedule_free(&s);
	f = load(CAMP "slots = (\n"
		 "  { id = \"a\"; weekdays = [\"mon\"]; times = [\"06:00\"]; bulletins = [\"b2\"]; },\n"
		 "  { id = \"b\"; weekdays = [\"mon\"]; times = [\"06:00\"]; bulletins = [\"b1\", \"x\"]; }\n);\n", &s);
	assert_int_equal(validate_schedule(&s, &st, &cat, &e), 1);
	expect_err(&e, f, 5, "lasts up to 15 min 20 s");
	errlist_free(&e);
	schedule_free(&s);
	catalog_free(&cat);
	station_free(&st);
}

static void test_sample_schedule_clean(void **state)
{
	(void)state;
	struct station st = {0};
	struct schedule s;
	struct catalog cat = {0};
	struct errlist e = {0};
	/* The installed station's rules, generous enough for the sample. */
	assert_int_equal(config_load_station("data/config/station-limits.conf", &st, &e), 0);
	st.allowed_weekdays = 0x7f;
	st.max_session_minutes = 30;
	st.max_sessions_per_day = 3;
	st.amp.zones[st.amp.nzones].zone = 3;
	st.amp.zones[st.amp.nzones++].coil = 3;
	static const char *ids[] = {"pcmd-01", "pcmd-02", "pcmd-03", "sxh-01", "sxh-02"};
	for (size_t i = 0; i < 5; i++)
		add_bulletin(&cat, ids[i], 180 + 30 * (double)i);
	assert_int_equal(config_load_schedule("../config/schedule.conf", &s, &e), 0);
	size_t n = validate_schedule(&s, &st, &cat, &e);
	dump(&e);
	assert_int_equal(n, 0);
	assert_int_equal(s.slots[0].campaign_index, 1);
	assert_int_equal(s.slots[1].campaign_index, 0);
	/* With the Hà Nội rules (weekdays only, 2 sessions, 15 min) it breaks some. */
	st.allowed_weekdays = 0x1f;
	st.weekdays_line = 12;
	st.max_sessions_per_day = 1;
	st.max_session_minutes = 5;
	n = validate_schedule(&s, &st, &cat, &e);
	assert_true(n >= 3);
	check_format(&e);
	errlist_free(&e);
	/* Unknown bulletins once the library lacks one. */
	cat.n = 4;
	st.allowed_weekdays = 0x7f;
	st.max_session_minutes = 30;
	st.max_sessions_per_day = 3;
	n = validate_schedule(&s, &st, &cat, &e);
	assert_int_equal(n, 1);
	expect_err(&e, "../config/schedule.conf", 21, "campaign sxh uses bulletin \"sxh-02\"");
	errlist_free(&e);
	schedule_free(&s);
	catalog_free(&cat);
	station_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_campaign),
		cmocka_unit_test(test_unknown_bulletin),
		cmocka_unit_test(test_quiet_hours),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_weekday_limit),
		cmocka_unit_test(test_sessions_per_day),
		cmocka_unit_test(test_session_length),
		cmocka_unit_test(test_sample_schedule_clean),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
