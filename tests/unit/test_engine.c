/* Unit tests for engine.c, the pure decision core: what starts when, queue
 * order (emergency, priority, manual, normal), pre-emption, catch-up and
 * missed occurrences, clock steps, restarts (handled ids, rotation) and
 * long gaps. `now` is injected; nothing sleeps. Zone: Asia/Ho_Chi_Minh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "config.h"
#include "engine.h"
#include "util.h"

#define MIN 60
#define HOUR 3600
#define DAY 86400

static int setup(void **state)
{
	(void)state;
	return civil_tz_set("Asia/Ho_Chi_Minh");
}

/* Local "YYYY-MM-DD HH:MM" -> instant. */
static int64_t T(const char *dt)
{
	int32_t d;
	int m;
	if (civil_parse_datetime(dt, &d, &m))
		fail_msg("bad datetime %s", dt);
	return civil_tz_instant(d, m);
}

static struct schedule *sched_new(void)
{
	struct schedule *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	snprintf(s->file, sizeof(s->file), "test.conf");
	s->serial = 1;
	return s;
}

static void sched_del(struct schedule *s)
{
	schedule_free(s);
	free(s);
}

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

static void add_campaign(struct schedule *s, const char *id, const char *bulletins)
{
	s->campaigns = realloc(s->campaigns, (s->ncampaigns + 1) * sizeof(*s->campaigns));
	assert_non_null(s->campaigns);
	struct campaign *c = &s->campaigns[s->ncampaigns++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->from_day = DAY_NONE_LO;
	c->to_day = DAY_NONE_HI;
	c->nbulletins = words(bulletins, &c->bulletins);
}

/* An every-day slot at "HH:MM ..." times; what = "campaign:ID" or bulletins. */
static struct slot *add_slot(struct schedule *s, const char *id, const char *times, enum level lv,
			     const char *what)
{
	s->slots = realloc(s->slots, (s->nslots + 1) * sizeof(*s->slots));
	assert_non_null(s->slots);
	struct slot *sl = &s->slots[s->nslots++];
	memset(sl, 0, sizeof(*sl));
	snprintf(sl->id, sizeof(sl->id), "%s", id);
	sl->from_day = DAY_NONE_LO;
	sl->to_day = DAY_NONE_HI;
	sl->repeat = 1;
	sl->level = lv;
	char (*tw)[ID_MAX];
	size_t nt = words(times, &tw);
	sl->times = calloc(nt + 1, sizeof(int));
	for (size_t i = 0; i < nt; i++)
		assert_int_equal(civil_parse_hhmm(tw[i], &sl->times[sl->ntimes++]), 0);
	free(tw);
	if (!strncmp(what, "campaign:", 9)) {
		snprintf(sl->campaign, sizeof(sl->campaign), "%s", what + 9);
		ssize_t ci = schedule_campaign_index(s, sl->campaign);
		assert_true(ci >= 0);
		sl->campaign_index = (size_t)ci;
	} else {
		sl->nbulletins = words(what, &sl->bulletins);
	}
	return sl;
}

/* A slot every `every` minutes all day. */
static void add_every(struct schedule *s, const char *id, int every, const char *what)
{
	struct slot *sl = add_slot(s, id, "", LEVEL_NORMAL, what);
	free(sl->times);
	sl->times = calloc(1441, sizeof(int));
	sl->ntimes = 0;
	for (int m = 0; m < 1440; m += every)
		sl->times[sl->ntimes++] = m;
}

static struct engine_action acts[ENGINE_ACTIONS_MAX];

static size_t tick(struct engine *e, int64_t now)
{
	return engine_tick(e, now, NULL, acts, ENGINE_ACTIONS_MAX);
}

static void expect_act(size_t i, enum engine_act type, const char *occ_id)
{
	static const char *names[] = {"START", "MISSED", "PREEMPT"};
	if (acts[i].type != type || strcmp(acts[i].occ.id, occ_id))
		fail_msg("action %zu: %s %s, expected %s %s", i, names[acts[i].type], acts[i].occ.id,
			 names[type], occ_id);
}

static void test_starts_exactly_when_due(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "a", "06:30", LEVEL_NORMAL, "b1");
	struct engine *e = engine_new(s, 30 * MIN);
	int64_t t = T("2026-12-01 06:30");
	engine_begin(e, t - HOUR);
	assert_int_equal(tick(e, t - HOUR), 0);
	assert_int_equal(tick(e, t - 1), 0);
	assert_null(engine_playing(e));
	assert_true(engine_next_wake(e) == t);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	assert_true(acts[0].occ.due == t);
	assert_string_equal(acts[0].occ.bulletin, "b1");
	assert_non_null(engine_playing(e));
	assert_string_equal(engine_playing(e)->id, "a@2026-12-01T06:30");
	assert_int_equal(tick(e, t + 1), 0);
	engine_done(e);
	assert_int_equal(tick(e, t + 100), 0);
	assert_null(engine_playing(e));
	/* The next one is tomorrow. */
	assert_true(engine_next_wake(e) == t + DAY);
	engine_free(e);
	sched_del(s);
}

static void test_same_time_in_slot_order(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "a", "06:30", LEVEL_NORMAL, "b1");
	add_slot(s, "b", "06:30", LEVEL_NORMAL, "b2 b3");
	add_slot(s, "c", "06:30", LEVEL_NORMAL, "b4");
	struct engine *e = engine_new(s, 30 * MIN);
	int64_t t = T("2026-12-01 06:30");
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	assert_int_equal(engine_queued(e), 3);
	assert_int_equal(tick(e, t + 60), 0); /* still playing */
	engine_done(e);
	assert_int_equal(tick(e, t + 120), 1);
	expect_act(0, ACT_START, "b@2026-12-01T06:30#1");
	assert_string_equal(acts[0].occ.bulletin, "b2");
	engine_done(e);
	assert_int_equal(tick(e, t + 180), 1);
	expect_act(0, ACT_START, "b@2026-12-01T06:30#2");
	assert_string_equal(acts[0].occ.bulletin, "b3");
	engine_done(e);
	assert_int_equal(tick(e, t + 240), 1);
	expect_act(0, ACT_START, "c@2026-12-01T06:30");
	engine_done(e);
	assert_int_equal(tick(e, t + 300), 0);
	assert_int_equal(engine_queued(e), 0);
	engine_free(e);
	sched_del(s);
}

static void test_priority_first(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "thuong", "06:30", LEVEL_NORMAL, "b1");
	add_slot(s, "uu-tien", "06:30 06:35", LEVEL_PRIORITY, "b2");
	add_slot(s, "sau", "06:32", LEVEL_NORMAL, "b3");
	struct engine *e = engine_new(s, 30 * MIN);
	int64_t t = T("2026-12-01 06:30");
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "uu-tien@2026-12-01T06:30");
	/* Normal 06:30 and 06:32 wait; the priority of 06:35 goes ahead of them. */
	assert_int_equal(tick(e, t + 5 * MIN), 0);
	assert_int_equal(engine_queued(e), 3);
	engine_done(e);
	assert_int_equal(tick(e, t + 6 * MIN), 1);
	expect_act(0, ACT_START, "uu-tien@2026-12-01T06:35");
	engine_done(e);
	assert_int_equal(tick(e, t + 7 * MIN), 1);
	expect_act(0, ACT_START, "thuong@2026-12-01T06:30");
	engine_done(e);
	assert_int_equal(tick(e, t + 8 * MIN), 1);
	expect_act(0, ACT_START, "sau@2026-12-01T06:32");
	engine_free(e);
	sched_del(s);
}

static void test_emergency_preempts(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "a", "06:30", LEVEL_NORMAL, "b1");
	add_slot(s, "p", "06:50", LEVEL_PRIORITY, "b3");
	add_slot(s, "khan", "06:40 06:55", LEVEL_EMERGENCY, "b2");
	struct engine *e = engine_new(s, 30 * MIN);
	int64_t t = T("2026-12-01 06:30");
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	assert_int_equal(tick(e, t + 10 * MIN), 2);
	expect_act(0, ACT_PREEMPT, "a@2026-12-01T06:30");
	assert_non_null(strstr(acts[0].detail, "preempted by emergency khan@2026-12-01T06:40"));
	expect_act(1, ACT_START, "khan@2026-12-01T06:40");
	assert_string_equal(engine_playing(e)->id, "khan@2026-12-01T06:40");
	/* An emergency does not pre-empt another emergency. */
	engine_done(e);
	assert_int_equal(tick(e, t + 20 * MIN), 1);
	expect_act(0, ACT_START, "p@2026-12-01T06:50");
	/* ...but does pre-empt a priority broadcast. */
	assert_int_equal(tick(e, t + 25 * MIN), 2);
	expect_act(0, ACT_PREEMPT, "p@2026-12-01T06:50");
	expect_act(1, ACT_START, "khan@2026-12-01T06:55");
	engine_free(e);
	sched_del(s);
}

/* On-demand ids count on from the greatest one the journal holds. */
static void test_manual_seq_seeded(void **state)
{
	struct schedule s = {0};
	struct engine *e = engine_new(&s, 120);
	engine_begin(e, 0);
	engine_set_manual_seq(e, 41);
	engine_set_manual_seq(e, 5); /* never backwards */
	engine_play_now(e, 1000, "b", "", 0);
	size_t n = engine_tick(e, 1000, NULL, acts, ENGINE_ACTIONS_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(acts[0].type, ACT_START);
	const char *k = strrchr(acts[0].occ.id, '#');
	assert_non_null(k);
	assert_string_equal(k, "#42");
	engine_free(e);
}

static void test_manual_play(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "a", "06:30 06:31", LEVEL_NORMAL, "b1");
	add_slot(s, "p", "06:32", LEVEL_PRIORITY, "b3");
	struct engine *e = engine_new(s, 30 * MIN);
	int64_t t = T("2026-12-01 06:30");
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	engine_play_now(e, t + 90, "thong-bao", NULL, 0);
	assert_int_equal(engine_queued(e), 1);
	assert_int_equal(tick(e, t + 120), 0); /* no pre-emption: a plays on */
	assert_int_equal(engine_queued(e), 3); /* manual, p, a@06:31 */
	engine_done(e);
	assert_int_equal(tick(e, t + 121), 1);
	assert_int_equal(acts[0].type, ACT_START);
	assert_string_equal(acts[0].occ.bulletin, "thong-bao");
	assert_non_null(strstr(acts[0].occ.id, "manual@2026-12-01T06:31:30"));
	assert_int_equal(acts[0].occ.campaign[0], '\0');
	/* Emergency manual pre-empts. */
	engine_play_now(e, t + 150, "khan-cap", "c1", 1);
	assert_int_equal(tick(e, t + 150), 2);
	assert_int_equal(acts[0].type, ACT_PREEMPT);
	assert_string_equal(acts[0].occ.bulletin, "thong-bao");
	assert_non_null(strstr(acts[0].detail, "preempted by emergency manual@"));
	assert_int_equal(acts[1].type, ACT_START);
	assert_string_equal(acts[1].occ.bulletin, "khan-cap");
	assert_string_equal(acts[1].occ.campaign, "c1");
	assert_int_equal(acts[1].occ.level, LEVEL_EMERGENCY);
	engine_done(e);
	assert_int_equal(tick(e, t + 200), 1);
	expect_act(0, ACT_START, "p@2026-12-01T06:32");
	engine_done(e);
	assert_int_equal(tick(e, t + 250), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:31");
	engine_done(e);
	assert_int_equal(engine_stop(e), 0);
	engine_free(e);

	/* Catch-up 0: what waits is missed, a manual request (even an
	 * emergency one handled by a late tick) never is. */
	e = engine_new(s, 0);
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	engine_play_now(e, t + 10, "thuong", NULL, 0);
	engine_play_now(e, t + 20, "khan", NULL, 1);
	engine_done(e);
	assert_int_equal(tick(e, t + 45), 1);
	assert_string_equal(acts[0].occ.bulletin, "khan");
	engine_done(e);
	assert_int_equal(tick(e, t + 80), 2);
	expect_act(0, ACT_MISSED, "a@2026-12-01T06:31");
	assert_int_equal(acts[1].type, ACT_START);
	assert_string_equal(acts[1].occ.bulletin, "thuong");
	engine_free(e);
	sched_del(s);
}

static void test_catchup_late_and_missed(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "a", "06:30", LEVEL_NORMAL, "b1");
	int64_t t = T("2026-12-01 06:30");
	struct engine *e = engine_new(s, 30 * MIN);
	engine_begin(e, t - 10 * MIN);
	assert_int_equal(engine_tick(e, t + 5 * MIN, "daemon was not running", acts, ENGINE_ACTIONS_MAX), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	assert_true(acts[0].occ.due == t);
	engine_free(e);

	e = engine_new(s, 30 * MIN);
	engine_begin(e, t - 10 * MIN);
	assert_int_equal(engine_tick(e, t + 40 * MIN, "daemon was not running", acts, ENGINE_ACTIONS_MAX), 1);
	expect_act(0, ACT_MISSED, "a@2026-12-01T06:30");
	assert_non_null(strstr(acts[0].detail, "daemon was not running"));
	assert_non_null(strstr(acts[0].detail, "30 min"));
	assert_int_equal(tick(e, t + 41 * MIN), 0);
	engine_free(e);

	/* Exactly at the edge of the window it still plays. */
	e = engine_new(s, 30 * MIN);
	engine_begin(e, t - 10 * MIN);
	assert_int_equal(tick(e, t + 30 * MIN), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	engine_free(e);

	/* Waiting behind a long broadcast past the window: missed, saying why. */
	add_slot(s, "b", "06:30", LEVEL_NORMAL, "b2");
	e = engine_new(s, 30 * MIN);
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	assert_int_equal(tick(e, t + 31 * MIN), 1);
	expect_act(0, ACT_MISSED, "b@2026-12-01T06:30");
	assert_non_null(strstr(acts[0].detail, "other broadcasts were playing"));
	engine_free(e);
	sched_del(s);
}

static void test_superseded(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_every(s, "demo", 2, "b1");
	int64_t t = T("2026-12-01 08:00");
	struct engine *e = engine_new(s, 30 * MIN);
	engine_begin(e, t);
	size_t n = engine_tick(e, t + 10 * MIN, "down", acts, ENGINE_ACTIONS_MAX);
	assert_int_equal(n, 6);
	static const char *ids[] = {"08:00", "08:02", "08:04", "08:06", "08:08"};
	for (size_t i = 0; i < 5; i++) {
		char id[64];
		snprintf(id, sizeof(id), "demo@2026-12-01T%s", ids[i]);
		expect_act(i, ACT_MISSED, id);
		assert_non_null(strstr(acts[i].detail, "superseded"));
	}
	expect_act(5, ACT_START, "demo@2026-12-01T08:10");
	engine_free(e);
	sched_del(s);
}

static void test_clock_stepped_back(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "a", "06:30", LEVEL_NORMAL, "b1");
	add_slot(s, "b", "06:00 06:45", LEVEL_NORMAL, "b2");
	int64_t t = T("2026-12-01 06:30");
	struct engine *e = engine_new(s, 30 * MIN);
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	engine_done(e);
	assert_int_equal(tick(e, t + 60), 0);
	assert_int_equal(tick(e, t - HOUR), 0); /* stepped back an hour */
	assert_int_equal(tick(e, t - 30 * MIN), 1); /* b at 06:00 was never taken: it plays */
	expect_act(0, ACT_START, "b@2026-12-01T06:00");
	engine_done(e);
	assert_int_equal(tick(e, t + 60), 0); /* never a second a@06:30 */
	assert_int_equal(tick(e, t + 15 * MIN), 1);
	expect_act(0, ACT_START, "b@2026-12-01T06:45");
	engine_done(e);
	assert_int_equal(tick(e, t - 2 * HOUR), 0);
	for (int64_t x = t - 2 * HOUR; x < t + 2 * HOUR; x += 97)
		assert_int_equal(tick(e, x), 0);
	engine_free(e);
	sched_del(s);
}

static void test_clock_stepped_forward(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "a", "06:00 07:00 08:00", LEVEL_NORMAL, "b1");
	add_slot(s, "b", "07:30", LEVEL_NORMAL, "b2");
	add_slot(s, "c", "08:50", LEVEL_NORMAL, "b3");
	int64_t t = T("2026-12-01 05:55");
	struct engine *e = engine_new(s, 30 * MIN);
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 0);
	/* Stepped forward 3 hours: 08:55. */
	size_t n = engine_tick(e, t + 3 * HOUR, "the clock was stepped forward", acts, ENGINE_ACTIONS_MAX);
	int missed[3] = {0}, started = 0;
	for (size_t i = 0; i < n; i++) {
		if (acts[i].type == ACT_START) {
			started++;
			assert_string_equal(acts[i].occ.id, "c@2026-12-01T08:50");
		} else {
			assert_int_equal(acts[i].type, ACT_MISSED);
			if (!strcmp(acts[i].occ.id, "a@2026-12-01T06:00"))
				missed[0]++;
			else if (!strcmp(acts[i].occ.id, "a@2026-12-01T07:00"))
				missed[1]++;
			else if (!strcmp(acts[i].occ.id, "b@2026-12-01T07:30"))
				missed[2]++;
			else if (!strcmp(acts[i].occ.id, "a@2026-12-01T08:00"))
				missed[2] += 10;
			else
				fail_msg("unexpected %s", acts[i].occ.id);
		}
	}
	assert_int_equal(n, 5);
	assert_int_equal(started, 1);
	assert_int_equal(missed[0], 1);
	assert_int_equal(missed[1], 1);
	assert_int_equal(missed[2], 11);
	engine_done(e);
	for (int64_t x = t + 3 * HOUR; x < t + 4 * HOUR; x += 61)
		assert_int_equal(tick(e, x), 0);
	engine_free(e);
	sched_del(s);
}

static void test_mark_handled_restart(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "a", "06:30 06:40", LEVEL_NORMAL, "b1");
	int64_t t = T("2026-12-01 06:30");
	struct engine *e = engine_new(s, 30 * MIN);
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	engine_free(e); /* crash while playing */

	e = engine_new(s, 30 * MIN);
	engine_mark_handled(e, "a@2026-12-01T06:30", t);
	engine_mark_handled(e, "a@2026-12-01T06:30", t); /* twice is harmless */
	engine_begin(e, t - MIN);
	assert_true(engine_next_wake(e) == t + 10 * MIN);
	assert_int_equal(tick(e, t + 2 * MIN), 0);
	assert_int_equal(tick(e, t + 10 * MIN), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:40");
	engine_free(e);
	sched_del(s);
}

static void test_rotation_across_restart(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_campaign(s, "pcmd", "A B C");
	add_slot(s, "r", "06:00 07:00 08:00 09:00 10:00", LEVEL_NORMAL, "campaign:pcmd");
	int64_t t = T("2026-12-01 06:00");
	struct engine *e = engine_new(s, 30 * MIN);
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	assert_string_equal(acts[0].occ.bulletin, "A");
	engine_done(e);
	assert_int_equal(tick(e, t + HOUR), 1);
	assert_string_equal(acts[0].occ.bulletin, "B");
	engine_done(e);
	char last[ID_MAX];
	snprintf(last, sizeof(last), "%s", acts[0].occ.bulletin);
	engine_free(e);

	/* Restart: the journal says B was the last one; C comes next, then A. */
	e = engine_new(s, 30 * MIN);
	engine_set_rotation(e, "pcmd", last);
	engine_set_rotation(e, "no-such-campaign", "B");
	engine_begin(e, t + HOUR + 1);
	struct occurrence up[4];
	assert_int_equal(engine_upcoming(e, t + HOUR + 1, up, 3), 3);
	assert_string_equal(up[0].bulletin, "C");
	assert_string_equal(up[1].bulletin, "A");
	assert_string_equal(up[2].bulletin, "B");
	assert_int_equal(tick(e, t + 2 * HOUR), 1);
	expect_act(0, ACT_START, "r@2026-12-01T08:00");
	assert_string_equal(acts[0].occ.bulletin, "C");
	engine_done(e);
	assert_int_equal(tick(e, t + 3 * HOUR), 1);
	assert_string_equal(acts[0].occ.bulletin, "A");
	engine_done(e);
	/* A missed occurrence does not use up a bulletin: it names the one due. */
	assert_int_equal(tick(e, t + 4 * HOUR + 31 * MIN), 1);
	expect_act(0, ACT_MISSED, "r@2026-12-01T10:00");
	assert_string_equal(acts[0].occ.bulletin, "B");
	assert_int_equal(tick(e, t + DAY), 1);
	assert_string_equal(acts[0].occ.bulletin, "B");
	engine_free(e);

	/* A new schedule keeps the rotation of a campaign it still has. */
	struct schedule *s2 = sched_new();
	add_campaign(s2, "khac", "X Y");
	add_campaign(s2, "pcmd", "A B C");
	add_slot(s2, "r2", "06:00", LEVEL_NORMAL, "campaign:pcmd");
	e = engine_new(s, 30 * MIN);
	engine_set_rotation(e, "pcmd", "A");
	engine_set_schedule(e, s2);
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "r2@2026-12-01T06:00");
	assert_string_equal(acts[0].occ.bulletin, "B");
	engine_free(e);
	sched_del(s2);
	sched_del(s);
}

static void test_next_wake_and_upcoming(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_campaign(s, "c", "A B");
	add_slot(s, "a", "06:30 18:00", LEVEL_NORMAL, "campaign:c");
	add_slot(s, "b", "06:30", LEVEL_NORMAL, "x1");
	int64_t t = T("2026-12-01 06:30");
	struct engine *e = engine_new(s, 30 * MIN);
	engine_begin(e, t - HOUR);
	assert_true(engine_next_wake(e) == t);
	engine_mark_handled(e, "a@2026-12-01T06:30", t);
	engine_mark_handled(e, "b@2026-12-01T06:30", t);
	assert_true(engine_next_wake(e) == T("2026-12-01 18:00"));

	engine_free(e);
	e = engine_new(s, 30 * MIN);
	engine_begin(e, t - HOUR);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "a@2026-12-01T06:30");
	assert_string_equal(acts[0].occ.bulletin, "A");
	/* b waits in the queue; then the schedule from now on. */
	struct occurrence up[8];
	size_t n = engine_upcoming(e, t + 1, up, 4);
	assert_int_equal(n, 4);
	assert_string_equal(up[0].id, "b@2026-12-01T06:30");
	assert_string_equal(up[1].id, "a@2026-12-01T18:00");
	assert_string_equal(up[1].bulletin, "B");
	assert_string_equal(up[2].id, "a@2026-12-02T06:30");
	assert_string_equal(up[2].bulletin, "A");
	assert_string_equal(up[3].id, "b@2026-12-02T06:30");
	assert_int_equal(engine_upcoming(e, t + 1, up, 0), 0);
	assert_true(engine_next_wake(e) == T("2026-12-01 18:00"));

	/* Nothing at all: the end of the horizon. */
	struct schedule *empty = sched_new();
	struct engine *e2 = engine_new(empty, 60);
	engine_begin(e2, t);
	assert_true(engine_next_wake(e2) == t + ENGINE_HORIZON);
	assert_int_equal(engine_upcoming(e2, t, up, 8), 0);
	assert_int_equal(engine_tick(e2, t + DAY, NULL, acts, ENGINE_ACTIONS_MAX), 0);
	engine_free(e2);
	sched_del(empty);
	engine_free(e);
	sched_del(s);
}

/* Run ticks at `now` (starting and finishing what starts) until quiet;
 * count actions; every call returns at most max. */
static void drain(struct engine *e, int64_t now, size_t max, size_t *starts, size_t *missed,
		  char (*seen)[OCC_ID_MAX], size_t *nseen)
{
	struct engine_action a[ENGINE_ACTIONS_MAX];
	for (int rounds = 0; rounds < 100000; rounds++) {
		size_t n = engine_tick(e, now, "daemon was not running", a, max);
		assert_true(n <= max);
		if (!n && engine_next_wake(e) > now)
			return;
		for (size_t i = 0; i < n; i++) {
			assert_int_not_equal(a[i].type, ACT_PREEMPT);
			for (size_t k = *nseen; k-- > 0 && k + 50 > *nseen;)
				if (!strcmp(seen[k], a[i].occ.id))
					fail_msg("%s taken twice", a[i].occ.id);
			snprintf(seen[(*nseen)++], OCC_ID_MAX, "%s", a[i].occ.id);
			if (a[i].type == ACT_START) {
				(*starts)++;
				engine_done(e);
			} else {
				(*missed)++;
			}
		}
	}
	fail_msg("no progress");
}

static void long_gap(size_t max)
{
	struct schedule *s = sched_new();
	add_every(s, "demo", 2, "b1");
	int64_t t0 = T("2026-12-01 00:00");
	int64_t now = t0 + 3 * DAY;
	struct engine *e = engine_new(s, 30 * MIN);
	engine_begin(e, t0);
	size_t starts = 0, missed = 0, nseen = 0;
	char (*seen)[OCC_ID_MAX] = calloc(3 * 720 + 10, OCC_ID_MAX);
	assert_non_null(seen);
	drain(e, now, max, &starts, &missed, seen, &nseen);
	/* t0, t0+2min, ..., t0+3 days: 3 * 720 + 1 occurrences. */
	assert_int_equal(starts + missed, 3 * 720 + 1);
	assert_int_equal(starts, 1);
	assert_string_equal(seen[nseen - 1], "demo@2026-12-04T00:00");
	/* And the next ones play on time. */
	size_t n = tick(e, now + 2 * MIN);
	assert_int_equal(n, 1);
	expect_act(0, ACT_START, "demo@2026-12-04T00:02");
	free(seen);
	engine_free(e);
	sched_del(s);
}

static void test_long_gap(void **state)
{
	(void)state;
	long_gap(ENGINE_ACTIONS_MAX);
	long_gap(9);
	long_gap(3);
	long_gap(1);
}

/* A slot listing many bulletins, superseded with little room per tick. */
static void test_gap_many_bulletins_small_max(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "nhieu", "06:00 06:10 06:20", LEVEL_NORMAL, "b1 b2 b3 b4 b5 b6 b7 b8 b9 b10 b11 b12");
	int64_t t = T("2026-12-01 06:00");
	for (size_t max = 1; max <= ENGINE_ACTIONS_MAX; max = max * 2 + 1) {
		struct engine *e = engine_new(s, 30 * MIN);
		engine_begin(e, t - MIN);
		size_t starts = 0, missed = 0, nseen = 0;
		char (*seen)[OCC_ID_MAX] = calloc(64, OCC_ID_MAX);
		drain(e, t + 25 * MIN, max, &starts, &missed, seen, &nseen);
		/* 36 occurrences: the last one's 12 bulletins all play in turn. */
		assert_int_equal(starts + missed, 36);
		assert_int_equal(starts, 12);
		free(seen);
		engine_free(e);
	}
	sched_del(s);
}

static void test_blackout_and_stop(void **state)
{
	(void)state;
	struct schedule *s = sched_new();
	add_slot(s, "a", "06:30", LEVEL_NORMAL, "b1");
	add_slot(s, "khan", "06:30", LEVEL_EMERGENCY, "b2");
	s->blackouts = calloc(1, sizeof(*s->blackouts));
	s->nblackouts = 1;
	s->blackouts[0].from = T("2026-12-01 00:00");
	s->blackouts[0].to = T("2026-12-02 00:00");
	snprintf(s->blackouts[0].reason, sizeof(s->blackouts[0].reason), "Quốc tang");
	int64_t t = T("2026-12-01 06:30");
	struct engine *e = engine_new(s, 30 * MIN);
	engine_begin(e, t - MIN);
	assert_int_equal(tick(e, t), 1);
	expect_act(0, ACT_START, "khan@2026-12-01T06:30"); /* a is blacked out */
	assert_int_equal(engine_stop(e), 1);
	assert_null(engine_playing(e));
	assert_int_equal(engine_stop(e), 0);
	assert_int_equal(tick(e, t + HOUR), 0);
	assert_int_equal(engine_queued(e), 0);
	assert_int_equal(tick(e, t + DAY), 1);
	expect_act(0, ACT_START, "khan@2026-12-02T06:30");
	engine_done(e);
	assert_int_equal(tick(e, t + DAY + 1), 1);
	expect_act(0, ACT_START, "a@2026-12-02T06:30");
	engine_free(e);
	sched_del(s);
}

/* The demo schedule, parsed from its file, driven for a day. */
static void test_demo_schedule_day(void **state)
{
	(void)state;
	struct schedule s;
	struct errlist errs = {0};
	assert_int_equal(config_load_schedule("../config/demo-schedule.conf", &s, &errs), 0);
	s.slots[0].campaign_index = 0;
	int64_t t = T("2026-12-01 00:00");
	struct engine *e = engine_new(&s, 2 * MIN);
	engine_begin(e, t);
	size_t starts = 0;
	for (int64_t now = t; now < t + DAY;) {
		size_t n = tick(e, now);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(acts[i].type, ACT_START);
			assert_true(acts[i].occ.due == now);
			assert_string_equal(acts[i].occ.bulletin, "ban-tin-mau");
			starts++;
		}
		if (n) {
			engine_done(e);
			continue;
		}
		now = engine_next_wake(e);
	}
	assert_int_equal(starts, 720);
	engine_free(e);
	schedule_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_exactly_when_due),
		cmocka_unit_test(test_same_time_in_slot_order),
		cmocka_unit_test(test_priority_first),
		cmocka_unit_test(test_emergency_preempts),
		cmocka_unit_test(test_manual_play),
		cmocka_unit_test(test_manual_seq_seeded),
		cmocka_unit_test(test_catchup_late_and_missed),
		cmocka_unit_test(test_superseded),
		cmocka_unit_test(test_clock_stepped_back),
		cmocka_unit_test(test_clock_stepped_forward),
		cmocka_unit_test(test_mark_handled_restart),
		cmocka_unit_test(test_rotation_across_restart),
		cmocka_unit_test(test_next_wake_and_upcoming),
		cmocka_unit_test(test_long_gap),
		cmocka_unit_test(test_gap_many_bulletins_small_max),
		cmocka_unit_test(test_blackout_and_stop),
		cmocka_unit_test(test_demo_schedule_day),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
