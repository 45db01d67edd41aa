/* Unit tests for replay.c: what the daemon learns back from its journal at
 * start-up, fed real record lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civil.h"
#include "config.h"
#include "engine.h"
#include "record.h"
#include "replay.h"

static struct schedule sched;

static int setup(void **state)
{
	char path[] = "/tmp/loaxa-tr-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text =
		"serial = 4;\n"
		"campaigns = ( { id = \"c\"; title = \"C\"; bulletins = [\"b1\", \"b2\", \"b3\"]; } );\n"
		"slots = ( { id = \"r\"; times = [\"06:30\", \"06:40\"]; campaign = \"c\"; },\n"
		"          { id = \"e\"; times = [\"06:35\"]; bulletins = [\"b3\"]; campaign = \"c\"; } );\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct errlist errs = {0};
	int r = config_load_schedule(path, &sched, &errs);
	unlink(path);
	if (r < 0)
		fail_msg("%s", errs.n ? errs.msg[0] : "schedule");
	errlist_free(&errs);
	return 0;
}

static int teardown(void **state)
{
	schedule_free(&sched);
	return 0;
}

static int64_t T(const char *iso)
{
	int64_t t;
	assert_int_equal(civil_parse_iso(iso, &t), 0);
	return t;
}

/* Feed one record: event and key/value pairs, at ISO time. */
static void feed(struct replay *r, const char *iso, const char *event, const char *const *kv)
{
	static char line[RECORD_LINE_MAX + 1];
	static struct record rec;
	uint8_t prev[RECORD_HASH_LEN] = {0};
	size_t n = record_format(line, sizeof(line), T(iso), 25200, event, kv, prev);
	assert_true(n > 0);
	assert_int_equal(record_parse(line, n, &rec, NULL, 0), 0);
	replay_feed(r, &rec);
}

static void test_rotation_one_rule(void **state)
{
	struct engine *e = engine_new(&sched, 120);
	struct replay r;
	replay_init(&r, &sched, e, T("2030-01-15T07:00:00+07:00"));
	const char *s1[] = {"occ", "r@2030-01-15T06:30", "due", "2030-01-15T06:30:00+07:00", "bulletin", "b1",
			    "campaign", "c", "rotation", "yes", NULL};
	feed(&r, "2030-01-15T06:30:00+07:00", "start", s1);
	/* An explicit bulletin of the campaign, and an on-demand play of one:
	 * the rotation stays after b1. */
	const char *s2[] = {"occ", "e@2030-01-15T06:35", "due", "2030-01-15T06:35:00+07:00", "bulletin", "b3",
			    "campaign", "c", "rotation", "no", NULL};
	feed(&r, "2030-01-15T06:35:00+07:00", "start", s2);
	const char *s3[] = {"occ", "manual@2030-01-15T06:36:00#7", "due", "2030-01-15T06:36:00+07:00",
			    "bulletin", "b3", "campaign", "c", NULL};
	feed(&r, "2030-01-15T06:36:00+07:00", "start", s3);
	const char *e3[] = {"occ", "manual@2030-01-15T06:36:00#7", "outcome", "unheard", NULL};
	feed(&r, "2030-01-15T06:36:05+07:00", "end", e3);
	assert_string_equal(r.last_bulletin[0], "b1");
	assert_int_equal(r.manual_seq, 7);
	assert_int_equal(r.last_bc_outcome, 2); /* unheard counts as partial: never aired */
	replay_finish(&r);
	replay_free(&r);
	/* The engine takes 06:40 with b2, and will not take 06:30 again. */
	engine_begin(e, T("2030-01-15T06:29:00+07:00"));
	struct engine_action acts[ENGINE_ACTIONS_MAX];
	size_t n = engine_tick(e, T("2030-01-15T06:40:00+07:00"), NULL, acts, ENGINE_ACTIONS_MAX);
	int started = 0;
	for (size_t i = 0; i < n; i++) {
		assert_string_not_equal(acts[i].occ.id, "r@2030-01-15T06:30");
		assert_string_not_equal(acts[i].occ.id, "e@2030-01-15T06:35");
		if (acts[i].type == ACT_START) {
			assert_string_equal(acts[i].occ.id, "r@2030-01-15T06:40");
			assert_string_equal(acts[i].occ.bulletin, "b2");
			assert_int_equal(acts[i].rotating, 1);
			started = 1;
		}
	}
	assert_true(started);
	/* On-demand ids count on. */
	engine_done(e);
	engine_play_now(e, T("2030-01-15T06:41:00+07:00"), "b1", "c", 0);
	n = engine_tick(e, T("2030-01-15T06:41:00+07:00"), NULL, acts, ENGINE_ACTIONS_MAX);
	assert_int_equal(n, 1);
	assert_non_null(strstr(acts[0].occ.id, "#8"));
	engine_free(e);
}

static void test_schedule_audio_and_old_journals(void **state)
{
	struct engine *e = engine_new(&sched, 120);
	struct replay r;
	replay_init(&r, &sched, e, T("2030-01-15T07:00:00+07:00"));
	const char *i1[] = {"serial", "3", "sha256", "aa", "signer", "KEY1", NULL};
	feed(&r, "2030-01-10T08:00:00+07:00", "schedule-installed", i1);
	const char *i2[] = {"serial", "2", "sha256", "bb", "signer", "unsigned", NULL};
	feed(&r, "2030-01-11T08:00:00+07:00", "schedule-installed", i2);
	const char *al[] = {"device", "default", NULL};
	feed(&r, "2030-01-12T08:00:00+07:00", "audio-lost", al);
	/* A journal of before rotation= : the slot decides (r rotates, e not). */
	const char *s1[] = {"occ", "r@2030-01-15T06:30", "bulletin", "b2", "campaign", "c", NULL};
	feed(&r, "2030-01-15T06:30:00+07:00", "failed", s1);
	const char *s2[] = {"occ", "e@2030-01-15T06:35", "bulletin", "b3", "campaign", "c", NULL};
	feed(&r, "2030-01-15T06:35:00+07:00", "start", s2);
	assert_int_equal(r.installed_serial, 2);
	assert_int_equal(r.max_serial, 3);
	assert_string_equal(r.installed_sha, "bb");
	assert_string_equal(r.installed_signer, "unsigned");
	assert_int_equal(r.installed_at, T("2030-01-11T08:00:00+07:00"));
	assert_int_equal(r.audio_down, 1);
	assert_string_equal(r.last_bulletin[0], "b2");
	assert_int_equal(r.last_time, T("2030-01-15T06:35:00+07:00"));
	const char *ab[] = {"device", "default", NULL};
	feed(&r, "2030-01-15T06:36:00+07:00", "audio-back", ab);
	assert_int_equal(r.audio_down, 0);
	replay_finish(&r);
	replay_free(&r);
	engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotation_one_rule),
		cmocka_unit_test(test_schedule_audio_and_old_journals),
	};
	civil_tz_set("Asia/Ho_Chi_Minh");
	return cmocka_run_group_tests(tests, setup, teardown);
}
