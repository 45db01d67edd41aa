/* Tests for monitor.c against ALSA's own `file` plugin with an `infile`
 * (the "heard" signal read from a file): opening, a device that is not
 * there, the capture never running more than the lag window ahead of what
 * was sent (a device with no clock of its own), the tail read at the end,
 * and the figures that come out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <alsa/asoundlib.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"

static char dir[64];

static int group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/loaxa-test-monitor-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char rc[128], cfg[512], env[256];
	snprintf(rc, sizeof(rc), "%s/asoundrc", dir);
	FILE *f = fopen(rc, "w");
	if (!f)
		return -1;
	snprintf(cfg, sizeof(cfg),
		 "pcm.montone { type file; slave.pcm null; file \"/dev/null\"; infile \"%s/tone.raw\"; format raw }\n"
		 "pcm.mongone { type file; slave.pcm null; file \"/dev/null\"; infile \"%s/absent.raw\"; format raw }\n",
		 dir, dir);
	fputs(cfg, f);
	fclose(f);
	/* Before the first ALSA call: alsa-lib reads its configuration once. */
	snprintf(env, sizeof(env), "/usr/share/alsa/alsa.conf:%s", rc);
	setenv("ALSA_CONFIG_PATH", env, 1);
	/* 3 s of a -12 dBFS tone at 48 kHz stereo, then 6 s of silence (past
	 * the end of its infile the plugin leaves the buffer as it was). */
	snprintf(rc, sizeof(rc), "%s/tone.raw", dir);
	f = fopen(rc, "wb");
	if (!f)
		return -1;
	for (int i = 0; i < 9 * 48000; i++) {
		int16_t v = i >= 3 * 48000 ? 0 :
			(int16_t)lrint(32767 * pow(10, -12 / 20.0) * sin(2 * M_PI * 440 * i / 48000.0));
		int16_t fr[2] = {v, v};
		fwrite(fr, sizeof(fr), 1, f);
	}
	fclose(f);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	char cmd[128];
	snd_config_update_free_global(); /* alsa-lib's configuration cache */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_absent(void **state)
{
	(void)state;
	char err[256];
	assert_null(monitor_open("mongone", -50, err, sizeof(err)));
	assert_non_null(strstr(err, "monitor device 'mongone' will not open"));
	assert_null(monitor_open("hw:77,0", -50, err, sizeof(err)));
	assert_non_null(strstr(err, "will not open"));
	monitor_free(NULL);
	assert_string_equal(monitor_error(NULL), "");
}

/* Send `secs` seconds of a -6 dBFS 22050 Hz mono tone, servicing the
 * monitor as the daemon's loop does, then finish. */
static void run(struct monitor *m, double secs, struct airmeter_result *r, double *max_ahead)
{
	static int16_t chunk[2205];
	for (int i = 0; i < 2205; i++)
		chunk[i] = (int16_t)lrint(32767 * 0.5 * sin(2 * M_PI * 440 * i / 22050.0));
	*max_ahead = 0;
	int idle = 0;
	for (int sent = 0; sent < (int)(secs * 10); sent++) {
		monitor_tap(m, chunk, 2205, 22050, 1);
		struct pollfd fds[8];
		int n = monitor_pollfds(m, fds, 8);
		if (!n) {
			idle++;
			continue;
		}
		assert_true(poll(fds, (nfds_t)n, 1000) > 0);
		assert_int_equal(monitor_service(m, fds, n), 0);
	}
	(void)idle;
	monitor_finish(m, r);
}

static void test_heard_then_silence(void **state)
{
	(void)state;
	char err[256];
	struct monitor *m = monitor_open("montone", -50, err, sizeof(err));
	if (!m)
		fail_msg("%s", err);
	assert_int_equal(monitor_rate(m), MONITOR_RATE);
	assert_int_equal(monitor_channels(m), MONITOR_CHANNELS);
	/* Nothing sent yet: it may run 1.5 s ahead, then it is not polled. */
	struct pollfd fds[8];
	for (int i = 0; i < 100; i++) {
		int n = monitor_pollfds(m, fds, 8);
		if (!n)
			break;
		assert_true(poll(fds, (nfds_t)n, 1000) > 0);
		assert_int_equal(monitor_service(m, fds, n), 0);
	}
	assert_int_equal(monitor_pollfds(m, fds, 8), 0);

	struct airmeter_result r;
	double ahead;
	run(m, 6, &r, &ahead);
	/* 6 s sent; the tap heard the first 3 s. */
	assert_int_equal(r.seconds, 6);
	assert_int_equal(r.heard, 3);
	assert_int_equal(r.quiet, 0);
	/* Captured: what was sent and the lag window after it (and at most
	 * the half second of slack allowed while polling). */
	assert_true(r.captured_s > 6 + AIRMETER_MAX_LAG_S - 0.01);
	assert_true(r.captured_s < 6 + AIRMETER_MAX_LAG_S + 0.5 + 0.11);
	assert_true(fabs(r.peak_dbfs - (-12)) < 0.1);
	/* -12 dBFS sine = -15 dBFS RMS over 3 of the 7 s captured */
	assert_true(fabs(r.level_dbfs - (-15.05 + 10 * log10(3 / r.captured_s))) < 0.3);
	assert_true(fabs(r.sent_dbfs - (-9.03)) < 0.1);
	assert_int_equal(monitor_pollfds(m, fds, 8), 0); /* closed */
	assert_string_equal(monitor_error(m), "");
	monitor_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_heard_then_silence),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
