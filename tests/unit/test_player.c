/* Player tests against real ALSA plugins (file, null) and fixtures made at
 * run time by data/make-audio.sh: what reaches the device must be exactly
 * libmpg123's decode, repeats included; failures must say why. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <mpg123.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "player.h"

#define MAX_FIX 16

struct fixture {
	char name[64];
	long rate;
	int channels;
	long src_frames; /* PCM frames fed to the encoder */
};

static char dir[256];
static struct fixture fix[MAX_FIX];
static int nfix;

static void fpath(char *out, size_t n, const char *name)
{
	int r = snprintf(out, n, "%s/%s", dir, name);
	assert_true(r > 0 && (size_t)r < n);
}

static int group_setup(void **state)
{
	char cmd[512], line[256];
	FILE *f;
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/loaxa-player.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof cmd, "data/make-audio.sh '%s'", dir);
	if (system(cmd) != 0)
		return -1;
	fpath(cmd, sizeof cmd, "manifest.txt");
	if (!(f = fopen(cmd, "r")))
		return -1;
	while (nfix < MAX_FIX && fgets(line, sizeof line, f)) {
		struct fixture *x = &fix[nfix];
		if (sscanf(line, "%63s %ld %d %ld", x->name, &x->rate, &x->channels,
			   &x->src_frames) == 4)
			nfix++;
	}
	fclose(f);
	return nfix >= 5 ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[300];
	if (dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

struct pcm {
	unsigned char *data;
	size_t len;
	long rate;
	int channels;
};

/* Reference: libmpg123 straight to signed 16-bit at the file's format. */
static void ref_decode(const char *path, struct pcm *out)
{
	mpg123_handle *mh = mpg123_new(NULL, NULL);
	int enc, r;
	size_t cap = 1 << 20, got;

	assert_non_null(mh);
	mpg123_param(mh, MPG123_ADD_FLAGS, MPG123_QUIET, 0);
	assert_int_equal(mpg123_open(mh, path), MPG123_OK);
	assert_int_equal(mpg123_getformat(mh, &out->rate, &out->channels, &enc), MPG123_OK);
	mpg123_format_none(mh);
	assert_int_equal(mpg123_format(mh, out->rate, out->channels, MPG123_ENC_SIGNED_16),
			 MPG123_OK);
	out->data = malloc(cap);
	out->len = 0;
	for (;;) {
		if (cap - out->len < 65536) {
			cap *= 2;
			out->data = realloc(out->data, cap);
			assert_non_null(out->data);
		}
		r = mpg123_read(mh, out->data + out->len, cap - out->len, &got);
		out->len += got;
		if (r == MPG123_DONE)
			break;
		assert_true(r == MPG123_OK || r == MPG123_NEW_FORMAT);
	}
	mpg123_close(mh);
	mpg123_delete(mh);
}

static void read_whole(const char *path, struct pcm *out)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	out->len = (size_t)st.st_size;
	out->data = malloc(out->len + 1);
	assert_int_equal(fread(out->data, 1, out->len, f), out->len);
	fclose(f);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Drive the player as the daemon does until it leaves PLAYING. */
static enum player_state run(struct player *p)
{
	struct pollfd fds[8];
	enum player_state st = player_state(p);
	double t0 = now_s();
	while (st == PLAYER_PLAYING) {
		int n = player_pollfds(p, fds, 8);
		assert_true(n > 0);
		assert_true(poll(fds, (nfds_t)n, 2000) >= 0 || errno == EINTR);
		st = player_service(p, fds, n);
		assert_true(now_s() - t0 < 20.0);
	}
	return st;
}

static void raw_device(char *out, size_t n, const char *file)
{
	int r = snprintf(out, n, "file:FILE='%s/%s',FORMAT=raw", dir, file);
	assert_true(r > 0 && (size_t)r < n);
}

/* issue 19: the tap sees exactly the frames the device took. */
struct tapped {
	unsigned char *data;
	size_t len, cap;
	long rate;
	int channels;
};

static void tap_collect(void *ctx, const int16_t *pcm, size_t frames, long rate, int channels)
{
	struct tapped *t = ctx;
	size_t n = frames * (size_t)channels * sizeof(*pcm);
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->data = realloc(t->data, t->cap);
		assert_non_null(t->data);
	}
	memcpy(t->data + t->len, pcm, n);
	t->len += n;
	t->rate = rate;
	t->channels = channels;
}

/* Play `name` `repeat` times into a raw file; check it equals the decode,
 * and that the tap saw the same bytes. */
static void play_exact(const char *name, int repeat)
{
	char dev[512], path[300], out[300], err[256];
	struct pcm ref, got;
	struct player *p;
	int i;

	fpath(path, sizeof path, name);
	fpath(out, sizeof out, "out.raw");
	raw_device(dev, sizeof dev, "out.raw");
	ref_decode(path, &ref);
	unlink(out);

	p = player_new(dev, NULL);
	struct tapped tap = {0};
	player_set_tap(p, tap_collect, &tap);
	if (player_start(p, path, repeat, 0.0, err, sizeof err) != 0)
		fail_msg("%s: %s", name, err);
	assert_int_equal(player_state(p), PLAYER_PLAYING);
	assert_int_equal(player_using_fallback(p), 0);
	assert_int_equal(run(p), PLAYER_DONE);
	assert_string_equal(player_error(p), "");

	read_whole(out, &got);
	if (tap.len != got.len || memcmp(tap.data, got.data, got.len) != 0)
		fail_msg("%s: the tap saw %zu bytes, the device got %zu (or they differ)", name, tap.len,
			 got.len);
	assert_int_equal(tap.rate, ref.rate);
	assert_int_equal(tap.channels, ref.channels);
	free(tap.data);
	if (got.len != ref.len * (size_t)repeat)
		fail_msg("%s: %zu bytes played, %zu expected", name, got.len,
			 ref.len * (size_t)repeat);
	for (i = 0; i < repeat; i++)
		if (memcmp(got.data + ref.len * (size_t)i, ref.data, ref.len) != 0)
			fail_msg("%s: repeat %d differs from the decode", name, i + 1);
	/* seconds = frames / rate, summed over repeats, exactly */
	assert_true(fabs(player_seconds(p) - (double)(ref.len / (2 * (size_t)ref.channels)) *
						 repeat / (double)ref.rate) < 1e-9);
	player_free(p);
	free(ref.data);
	free(got.data);
}

static void test_play_every_format(void **state)
{
	for (int i = 0; i < nfix; i++)
		play_exact(fix[i].name, 1);
}

static void test_play_repeat_twice(void **state)
{
	play_exact("v22k-mono.mp3", 2);
	play_exact("v44k-stereo.mp3", 3);
}

static int16_t peak_of(const struct pcm *b)
{
	int m = 0;
	for (size_t i = 0; i + 1 < b->len; i += 2) {
		int16_t s;
		memcpy(&s, b->data + i, 2);
		if (abs(s) > m)
			m = abs(s);
	}
	return (int16_t)(m > 32767 ? 32767 : m);
}

static void test_gain_halves_peak(void **state)
{
	char dev[512], path[300], out[300], err[256];
	struct pcm ref, got;
	struct player *p;
	double ratio;

	fpath(path, sizeof path, "v44k-stereo.mp3");
	fpath(out, sizeof out, "gain.raw");
	raw_device(dev, sizeof dev, "gain.raw");
	ref_decode(path, &ref);
	p = player_new(dev, "");
	assert_int_equal(player_start(p, path, 1, -6.0, err, sizeof err), 0);
	assert_int_equal(run(p), PLAYER_DONE);
	read_whole(out, &got);
	assert_int_equal(got.len, ref.len);
	ratio = (double)peak_of(&got) / peak_of(&ref);
	if (ratio < 0.47 || ratio > 0.53)
		fail_msg("peak ratio %.3f at -6 dB", ratio);
	player_free(p);
	free(ref.data);
	free(got.data);
}

static void expect_start_fails(const char *device, const char *file, const char *want)
{
	char path[300], err[256];
	struct player *p = player_new(device, NULL);
	if (file[0] == '/')
		snprintf(path, sizeof path, "%s", file);
	else
		fpath(path, sizeof path, file);
	err[0] = '\0';
	assert_int_equal(player_start(p, path, 1, 0.0, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("%s: error \"%s\" lacks \"%s\"", file, err, want);
	assert_string_equal(player_error(p), err);
	assert_int_not_equal(player_state(p), PLAYER_PLAYING);
	assert_int_equal(player_pollfds(p, NULL, 0), 0);
	assert_true(player_seconds(p) == 0.0);
	player_free(p);
}

static void test_start_failures(void **state)
{
	char want[400];
	fpath(want, sizeof want, "no-such.mp3");
	expect_start_fails("null", "no-such.mp3", "file not found: ");
	expect_start_fails("null", "no-such.mp3", want);
	expect_start_fails("null", "empty.mp3", "not an MP3/MP2 file (empty)");
	expect_start_fails("null", "random.mp3", "not an MP3/MP2 file");
	expect_start_fails("null", "wav-renamed.mp3", "not an MP3/MP2 file (it is a WAV file)");
	expect_start_fails("null", "/", "not a regular file");
	expect_start_fails("hw:9,0", "v22k-mono.mp3",
			   "audio device 'hw:9,0' will not open: No such device");
	expect_start_fails("no_such_pcm", "v22k-mono.mp3", "audio device 'no_such_pcm' will not open");
}

static void test_fallback_wav(void **state)
{
	char path[300], wav[300], err[256];
	struct pcm ref, got;
	struct player *p;
	uint32_t riff_len, data_len;

	fpath(path, sizeof path, "v48k-stereo.mp3");
	/* a quote and a comma in the name must survive ALSA's parser */
	fpath(wav, sizeof wav, "fall back's,1.wav");
	ref_decode(path, &ref);
	p = player_new("hw:9,0", wav);
	if (player_start(p, path, 1, 0.0, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(player_using_fallback(p), 1);
	/* why the real device failed stays readable for the log */
	assert_non_null(strstr(player_error(p), "audio device 'hw:9,0' will not open"));
	assert_int_equal(run(p), PLAYER_DONE);
	read_whole(wav, &got);
	assert_true(got.len >= 44);
	assert_memory_equal(got.data, "RIFF", 4);
	assert_memory_equal(got.data + 8, "WAVE", 4);
	assert_int_equal(got.len, 44 + ref.len);
	memcpy(&riff_len, got.data + 4, 4);
	memcpy(&data_len, got.data + 40, 4);
	assert_int_equal(riff_len, got.len - 8);
	assert_int_equal(data_len, ref.len);
	assert_memory_equal(got.data + 44, ref.data, ref.len);
	assert_true(fabs(player_seconds(p) - (double)ref.len / 4 / 48000) < 1e-9);

	/* a device that works: the fallback is not used */
	player_free(p);
	p = player_new("null", wav);
	assert_int_equal(player_start(p, path, 1, 0.0, err, sizeof err), 0);
	assert_int_equal(player_using_fallback(p), 0);
	assert_string_equal(player_error(p), "");
	assert_int_equal(run(p), PLAYER_DONE);
	player_free(p);
	free(ref.data);
	free(got.data);
}

/* libmpg123 plays every whole frame of a cut file and ends without an
 * error: a truncated bulletin plays what exists and comes out DONE. */
static void test_truncated_plays_what_exists(void **state)
{
	char path[300], err[256];
	struct pcm ref, full;
	struct audio_info ai;
	struct player *p;

	play_exact("truncated.mp3", 1);
	fpath(path, sizeof path, "truncated.mp3");
	ref_decode(path, &ref);
	fpath(path, sizeof path, "v22k-mono.mp3");
	ref_decode(path, &full);
	assert_true(ref.len > full.len / 3 && ref.len < full.len / 2);
	fpath(path, sizeof path, "truncated.mp3");
	assert_int_equal(audio_scan(path, &ai, err, sizeof err), 0);
	assert_int_equal(ai.frames, (int64_t)(ref.len / 2));
	p = player_new("null", NULL);
	assert_int_equal(player_start(p, path, 1, 0.0, err, sizeof err), 0);
	assert_int_equal(run(p), PLAYER_DONE);
	player_free(p);
	free(ref.data);
	free(full.data);
}

static void test_stop_midway(void **state)
{
	char path[300], err[256];
	struct pollfd fds[8];
	struct player *p = player_new("null", NULL);
	double full, s;
	int n;

	fpath(path, sizeof path, "v48k-stereo.mp3");
	assert_int_equal(player_start(p, path, 2, 0.0, err, sizeof err), 0);
	assert_true(player_seconds(p) == 0.0);
	n = player_pollfds(p, fds, 8);
	assert_true(poll(fds, (nfds_t)n, 2000) > 0);
	assert_int_equal(player_service(p, fds, n), PLAYER_PLAYING);
	s = player_seconds(p);
	player_stop(p);
	assert_int_equal(player_state(p), PLAYER_IDLE);
	assert_int_equal(player_pollfds(p, fds, 8), 0);
	assert_int_equal(player_service(p, NULL, 0), PLAYER_IDLE);
	full = 2.0 * 151118 / 48000;
	assert_true(player_seconds(p) > 0.0);
	assert_true(player_seconds(p) < full / 2);
	assert_true(player_seconds(p) == s);
	/* the same player starts again from zero */
	assert_int_equal(player_start(p, path, 1, 0.0, err, sizeof err), 0);
	assert_int_equal(run(p), PLAYER_DONE);
	assert_true(player_seconds(p) > 3.0);
	player_free(p);
}

/* A block of junk in the middle: libmpg123 resyncs and plays on. */
static void test_damaged_middle(void **state)
{
	char path[300], bad[300], err[256];
	struct pcm src;
	struct audio_info ai;
	struct player *p;
	FILE *f;

	fpath(path, sizeof path, "v44k-stereo.mp3");
	fpath(bad, sizeof bad, "damaged.mp3");
	read_whole(path, &src);
	memset(src.data + src.len / 2, 0x55, 3000);
	f = fopen(bad, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(src.data, 1, src.len, f), src.len);
	fclose(f);
	assert_int_equal(audio_scan(bad, &ai, err, sizeof err), 0);
	assert_true(ai.decode_errors >= 1);
	p = player_new("null", NULL);
	assert_int_equal(player_start(p, bad, 1, 0.0, err, sizeof err), 0);
	assert_int_equal(run(p), PLAYER_DONE);
	assert_true(fabs(player_seconds(p) - ai.duration) < 1e-9);
	player_free(p);
	free(src.data);
}

static void test_scan_figures(void **state)
{
	char path[300], err[256];
	for (int i = 0; i < nfix; i++) {
		struct fixture *x = &fix[i];
		struct audio_info ai;
		struct pcm ref;
		/* samples per MPEG frame: 1152, or 576 for MPEG-2/2.5 layer III */
		long fsz = strstr(x->name, ".mp2") || x->rate >= 32000 ? 1152 : 576;

		fpath(path, sizeof path, x->name);
		if (audio_scan(path, &ai, err, sizeof err) != 0)
			fail_msg("%s: %s", x->name, err);
		ref_decode(path, &ref);
		assert_int_equal(ai.rate, x->rate);
		assert_int_equal(ai.channels, x->channels);
		assert_int_equal(ai.encoding_mpeg_layer, strstr(x->name, ".mp2") ? 2 : 3);
		assert_int_equal(ai.decode_errors, 0);
		/* exactly what playback plays */
		assert_int_equal(ai.frames, (int64_t)(ref.len / (2 * (size_t)x->channels)));
		assert_true(fabs(ai.duration - (double)ai.frames / x->rate) < 1e-9);
		/* The source length, give or take a frame; libmpg123 cannot trim
		 * the encoder's delay where lame wrote no gapless info (MPEG-2/2.5
		 * here), so allow lame's 1105-sample delay on top. */
		if (ai.frames < x->src_frames - fsz || ai.frames > x->src_frames + 1105 + fsz)
			fail_msg("%s: %lld frames, source had %ld", x->name, (long long)ai.frames,
				 x->src_frames);
		if (strcmp(x->name, "silent.mp3") == 0)
			assert_true(ai.peak == 0.0);
		else if (ai.peak < 0.2 || ai.peak > 1.0)
			fail_msg("%s: peak %.3f", x->name, ai.peak);
		free(ref.data);
	}
}

static void test_scan_rejects(void **state)
{
	static const struct {
		const char *file, *want;
	} bad[] = {
		{"no-such.mp3", "file not found: "},
		{"empty.mp3", "not an MP3/MP2 file (empty)"},
		{"random.mp3", "not an MP3/MP2 file"},
		{"wav-renamed.mp3", "not an MP3/MP2 file (it is a WAV file)"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[300], err[256] = "";
		struct audio_info ai;
		fpath(path, sizeof path, bad[i].file);
		assert_int_equal(audio_scan(path, &ai, err, sizeof err), -1);
		if (!strstr(err, bad[i].want) || !strstr(err, path))
			fail_msg("%s: \"%s\"", bad[i].file, err);
	}
}

static void test_null_device_and_restart(void **state)
{
	char path[300], err[256];
	struct player *p = player_new("null", NULL);
	assert_int_equal(player_state(p), PLAYER_IDLE);
	assert_string_equal(player_error(p), "");
	fpath(path, sizeof path, "v08k-mono.mp3");
	assert_int_equal(player_start(p, path, 1, 0.0, err, sizeof err), 0);
	assert_int_equal(run(p), PLAYER_DONE);
	assert_true(fabs(player_seconds(p) - 18432.0 / 8000) < 1e-9);
	/* a failed start after a good one clears the figures */
	fpath(path, sizeof path, "random.mp3");
	assert_int_equal(player_start(p, path, 1, 0.0, err, sizeof err), -1);
	assert_int_equal(player_state(p), PLAYER_IDLE);
	assert_true(player_seconds(p) == 0.0);
	/* start while playing stops the first broadcast */
	fpath(path, sizeof path, "v22k-mono.mp3");
	assert_int_equal(player_start(p, path, 1, 0.0, err, sizeof err), 0);
	fpath(path, sizeof path, "v44k-stereo.mp3");
	assert_int_equal(player_start(p, path, 1, 0.0, err, sizeof err), 0);
	assert_int_equal(run(p), PLAYER_DONE);
	assert_true(fabs(player_seconds(p) - 94642.0 / 44100) < 1e-9);
	player_free(p);
	player_free(NULL);
}

/* issue 12: the player decodes the descriptor it was given, never the path
 * again: a FIFO renamed over the bulletin after it was opened and checked
 * does not play, nor block, also for a repeat. Opened by path, a FIFO or a
 * symbolic link is refused at once. */
static void test_swapped_for_fifo(void **state)
{
	(void)state;
	char src[300], path[300], fifo[300], link[300], out[300], dev[400], err[256], cmd[700];
	struct pcm ref, got;
	fpath(src, sizeof src, "v22k-mono.mp3");
	fpath(path, sizeof path, "swap.mp3");
	fpath(fifo, sizeof fifo, "swap.fifo");
	fpath(link, sizeof link, "swap-link.mp3");
	fpath(out, sizeof out, "out.raw");
	raw_device(dev, sizeof dev, "out.raw");
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, path);
	assert_int_equal(system(cmd), 0);
	ref_decode(src, &ref);
	unlink(out);
	unlink(fifo);

	int fd = player_open_file(path, 1, err, sizeof err);
	assert_true(fd >= 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(rename(fifo, path), 0); /* the swap, after the check */
	struct player *p = player_new(dev, NULL);
	if (player_start_fd(p, fd, path, 2, 0.0, err, sizeof err) != 0)
		fail_msg("start: %s", err);
	assert_int_equal(run(p), PLAYER_DONE);
	read_whole(out, &got);
	assert_int_equal(got.len, 2 * ref.len);
	assert_memory_equal(got.data, ref.data, ref.len);
	assert_memory_equal(got.data + ref.len, ref.data, ref.len);

	/* By path, now a FIFO: refused at once, nothing opened for long. */
	assert_int_equal(player_start(p, path, 1, 0.0, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(symlink(src, link), 0);
	assert_int_equal(player_start(p, link, 1, 0.0, err, sizeof err), -1);
	assert_non_null(strstr(err, "a symbolic link"));
	assert_int_not_equal(player_state(p), PLAYER_PLAYING);
	player_free(p);
	unlink(link);
	unlink(path);
	free(ref.data);
	free(got.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_play_every_format),
		cmocka_unit_test(test_play_repeat_twice),
		cmocka_unit_test(test_gain_halves_peak),
		cmocka_unit_test(test_start_failures),
		cmocka_unit_test(test_fallback_wav),
		cmocka_unit_test(test_truncated_plays_what_exists),
		cmocka_unit_test(test_stop_midway),
		cmocka_unit_test(test_damaged_middle),
		cmocka_unit_test(test_scan_figures),
		cmocka_unit_test(test_scan_rejects),
		cmocka_unit_test(test_null_device_and_restart),
		cmocka_unit_test(test_swapped_for_fifo),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
