/* Unit tests for airmeter.c: levels in dBFS and the "heard" verdict,
 * table-driven: the same audio heard, silence, cut half-way, 30 dB down,
 * quiet passages, the tap's delay, and sent/captured streams of different
 * rates and channel counts fed in odd chunk sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "airmeter.h"

/* A signal: tone of `db` dBFS peak for [from, to) seconds, silence
 * elsewhere; up to three such pieces. */
struct piece {
	double from, to, db;
};
struct signal {
	long rate;
	int channels;
	double len;  /* seconds */
	double delay; /* seconds of silence before it all (the tap's delay) */
	struct piece p[3];
};

/* Render s into a fresh buffer; *frames set. */
static int16_t *render(const struct signal *s, size_t *frames)
{
	size_t n = (size_t)((s->len + s->delay) * (double)s->rate + 0.5);
	int16_t *b = calloc(n * (size_t)s->channels + 1, sizeof(*b));
	double amp[3]; /* once, not per sample: valgrind makes libm slow */
	for (int k = 0; k < 3; k++)
		amp[k] = pow(10, s->p[k].db / 20);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / (double)s->rate - s->delay;
		double v = 0;
		for (int k = 0; k < 3; k++)
			if (s->p[k].to > s->p[k].from && t >= s->p[k].from && t < s->p[k].to)
				v = amp[k] * sin(2 * M_PI * 440 * t);
		for (int c = 0; c < s->channels; c++) /* right channel at half, like the fixtures */
			b[i * (size_t)s->channels + (size_t)c] = (int16_t)lrint(v * 32767.0 * (c ? 0.5 : 1.0));
	}
	*frames = n;
	return b;
}

/* Feed in chunks of `chunk` frames (0 = all at once). */
static void feed(struct airmeter *m, int sent, const struct signal *s, size_t chunk)
{
	size_t n;
	int16_t *b = render(s, &n);
	if (!chunk)
		chunk = n ? n : 1;
	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;
		if (sent)
			airmeter_sent(m, b + i * (size_t)s->channels, k, s->rate, s->channels);
		else
			airmeter_captured(m, b + i * (size_t)s->channels, k, s->rate, s->channels);
	}
	free(b);
}

struct vcase {
	const char *what;
	double silence;
	struct signal sent, cap;
	size_t chunk;
	int seconds, heard_lo, heard_hi, quiet_lo, quiet_hi;
};

static const struct vcase cases[] = {
	{"the same audio heard", -50, {22050, 1, 10, 0, {{0, 10, -6}}}, {48000, 2, 11, 0, {{0, 10, -6}}},
	 0, 10, 10, 10, 0, 0},
	{"silence at the speakers", -50, {22050, 1, 10, 0, {{0, 10, -6}}}, {48000, 2, 11, 0, {{0, 0, 0}}}, 0,
	 10, 0, 0, 0, 0},
	{"cut half-way", -50, {44100, 2, 10, 0, {{0, 10, -6}}}, {44100, 2, 11, 0, {{0, 5, -6}}}, 4410, 10,
	 5, 6, 0, 0},
	{"30 dB down: still above the threshold", -50, {22050, 1, 10, 0, {{0, 10, -6}}},
	 {48000, 2, 11, 0, {{0, 10, -36}}}, 0, 10, 10, 10, 0, 0},
	{"below the threshold", -50, {22050, 1, 10, 0, {{0, 10, -6}}}, {48000, 2, 11, 0, {{0, 10, -60}}},
	 0, 10, 0, 0, 0, 0},
	{"a pause in the bulletin is not a fault", -50, {8000, 1, 10, 0, {{0, 3, -6}, {7, 10, -6}}},
	 {44100, 1, 11, 0, {{0, 3, -6}, {7, 10, -6}}}, 333, 10, 10, 10, 4, 4},
	{"a passage below the threshold is quiet", -50, {22050, 1, 10, 0, {{0, 5, -6}, {5, 10, -57}}},
	 {48000, 2, 11, 0, {{0, 5, -6}}}, 0, 10, 10, 10, 5, 5},
	{"a passage 30 dB under the loudest is quiet", -70, {22050, 1, 10, 0, {{0, 5, -6}, {5, 10, -40}}},
	 {48000, 2, 11, 0, {{0, 5, -6}}}, 0, 10, 10, 10, 5, 5},
	{"the tap's delay (0.7 s) is allowed for", -50, {22050, 1, 10, 0, {{0, 10, -6}}},
	 {48000, 2, 11, 0.7, {{0, 10, -6}}}, 1000, 10, 10, 10, 0, 0},
	{"a 3 s delay is beyond the window", -50, {22050, 1, 2, 0, {{0, 2, -6}}},
	 {48000, 2, 3, 3, {{0, 2, -6}}}, 0, 2, 0, 0, 0, 0},
	{"11025 Hz sent, 8000 Hz captured", -50, {11025, 2, 6.6, 0, {{0, 6.6, -10}}},
	 {8000, 1, 7, 0, {{0, 6.6, -10}}}, 777, 7, 7, 7, 0, 0},
	{"a last piece under half a second is not a second", -50, {22050, 1, 6.4, 0, {{0, 6.4, -6}}},
	 {22050, 1, 7, 0, {{0, 6.4, -6}}}, 0, 6, 6, 6, 0, 0},
	{"a capture shorter than the bulletin", -50, {22050, 1, 8, 0, {{0, 8, -6}}},
	 {48000, 2, 4, 0, {{0, 4, -6}}}, 0, 8, 4, 4, 0, 0},
	{"nothing sent", -50, {22050, 1, 0, 0, {{0, 0, 0}}}, {48000, 2, 2, 0, {{0, 2, -6}}}, 0, 0, 0, 0, 0, 0},
};

static void test_verdicts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];
		struct airmeter *m = airmeter_new(c->silence);
		feed(m, 1, &c->sent, c->chunk);
		feed(m, 0, &c->cap, c->chunk ? c->chunk + 1 : 0);
		struct airmeter_result r;
		airmeter_result(m, &r);
		if (r.seconds != c->seconds || r.heard < c->heard_lo || r.heard > c->heard_hi ||
		    r.quiet < c->quiet_lo || r.quiet > c->quiet_hi)
			fail_msg("%s: %d seconds (want %d), heard %d (want %d..%d), quiet %d (want %d..%d)",
				 c->what, r.seconds, c->seconds, r.heard, c->heard_lo, c->heard_hi, r.quiet,
				 c->quiet_lo, c->quiet_hi);
		airmeter_free(m);
	}
}

/* RMS and peak in dBFS: a sine of peak A reads A - 3.01 dB RMS. */
static void test_levels(void **state)
{
	(void)state;
	struct airmeter *m = airmeter_new(-50);
	struct signal s = {48000, 2, 2, 0, {{0, 2, -20}}};
	feed(m, 0, &s, 0);
	struct signal t = {22050, 1, 2, 0, {{0, 2, -6}}};
	feed(m, 1, &t, 0);
	struct airmeter_result r;
	airmeter_result(m, &r);
	/* stereo: the right channel at half (-6.02 dB): mean of both powers */
	double want = 10 * log10((pow(10, -2.0) + pow(10, -2.0) / 4) / 2) - 3.0103;
	assert_true(fabs(r.level_dbfs - want) < 0.05);
	assert_true(fabs(r.peak_dbfs - (-20)) < 0.05);
	assert_true(fabs(r.sent_dbfs - (-6 - 3.0103)) < 0.05);
	assert_true(fabs(r.captured_s - 2.0) < 1e-9);
	assert_true(fabs(airmeter_sent_seconds(m) - 2.0) < 1e-9);
	airmeter_free(m);

	m = airmeter_new(-50);
	airmeter_result(m, &r);
	assert_int_equal(r.seconds, 0);
	assert_true(r.level_dbfs == AIRMETER_FLOOR_DBFS);
	assert_true(r.peak_dbfs == AIRMETER_FLOOR_DBFS);
	int16_t zero[100] = {0};
	airmeter_captured(m, zero, 100, 8000, 1);
	airmeter_result(m, &r);
	assert_true(r.level_dbfs == AIRMETER_FLOOR_DBFS);
	assert_true(fabs(airmeter_captured_seconds(m) - 100.0 / 8000) < 1e-9);
	airmeter_free(m);

	assert_true(airmeter_dbfs(1.0) == 0.0);
	assert_true(fabs(airmeter_dbfs(0.5) - (-6.0206)) < 1e-3);
	assert_true(airmeter_dbfs(0) == AIRMETER_FLOOR_DBFS);
	assert_true(airmeter_dbfs(1e-9) == AIRMETER_FLOOR_DBFS);
}

/* Chunk sizes do not change the figures; full scale does not overflow. */
static void test_chunks(void **state)
{
	(void)state;
	struct signal s = {44100, 2, 3.3, 0, {{0, 1, -6}, {2, 3.3, -12}}};
	struct airmeter_result a, b;
	struct airmeter *m = airmeter_new(-50);
	feed(m, 1, &s, 0);
	feed(m, 0, &s, 0);
	airmeter_result(m, &a);
	airmeter_free(m);
	m = airmeter_new(-50);
	feed(m, 1, &s, 1);
	feed(m, 0, &s, 4409);
	airmeter_result(m, &b);
	airmeter_free(m);
	assert_int_equal(a.seconds, b.seconds);
	assert_int_equal(a.heard, b.heard);
	assert_int_equal(a.quiet, b.quiet);
	assert_true(fabs(a.level_dbfs - b.level_dbfs) < 1e-6);

	int16_t full[4] = {INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN};
	m = airmeter_new(-50);
	airmeter_captured(m, full, 2, 8000, 2);
	airmeter_result(m, &a);
	assert_true(fabs(a.level_dbfs) < 1e-9 && fabs(a.peak_dbfs) < 1e-9);
	airmeter_sent(m, NULL, 5, 8000, 1); /* ignored, like a bad format */
	airmeter_sent(m, full, 1, 0, 1);
	assert_true(airmeter_sent_seconds(m) == 0);
	airmeter_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_chunks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
