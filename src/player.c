/* Audio adapter: libmpg123 decodes MP3/MP2 to signed 16-bit at the file's
 * own rate and channel count; a non-blocking ALSA PCM plays it, serviced
 * from the daemon's poll loop one period at a time. Never blocks: drain is
 * non-blocking too, and a suspended device is resumed without sleeping. */
#include "player.h"
#include "alsa_hw.h"
#include "clock.h"
#include "util.h"

#include <alsa/asoundlib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <mpg123.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUFFER_US 2000000u /* ALSA ring buffer: survives a 2 s stall (an SD card's flush) */
#define PERIOD_US 50000u  /* one wake-up and one decode every 50 ms */
#define RESYNC_LIMIT 16384 /* bytes of junk skipped inside a damaged file */

struct player {
	char *device;
	char *fallback;
	enum player_state state;
	char err[256];
	int using_fallback;

	mpg123_handle *mh;
	snd_pcm_t *pcm;
	long rate;
	int channels;
	snd_pcm_uframes_t period, buffer;

	int16_t *buf;    /* one period of decoded frames */
	size_t buf_off;  /* first frame not yet written */
	size_t buf_len;  /* frames decoded into buf */
	int repeat, pass; /* pass: repeats fully decoded so far */
	char *path;       /* for messages */
	int fd;           /* the file playing: decoded afresh from it for each repeat */
	double gain_db;
	int draining;

	int64_t written; /* frames accepted by the PCM, all repeats */
	int pace_fd;     /* the fallback WAV file: a timer paces it in real time, -1 otherwise */
	int64_t pace_t0; /* monotonic ns when it started */
	int64_t played;  /* frozen figure once not PLAYING */
	long xruns;
	player_tap_fn tap; /* issue 19: the monitor's view of what is sent */
	void *tap_ctx;
};

static int live_players;

/* alsa-lib prints its own diagnostics to stderr; keep them for -v. */
static void alsa_log(const char *file, int line, const char *func, int err, const char *fmt,
		     ...) __attribute__((format(printf, 5, 6)));
static void alsa_log(const char *file, int line, const char *func, int err, const char *fmt,
		     ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_debug("alsa-lib: %s%s%s", msg, err ? ": " : "", err ? snd_strerror(err) : "");
}

/* ALSA says ENOENT for a card or PCM that is not there. */
static const char *pcm_strerror(int e)
{
	return e == -ENOENT || e == -ENODEV ? "No such device" : snd_strerror(e);
}

static void set_err(char *err, size_t errn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errn, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errn)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errn, fmt, ap);
	va_end(ap);
}

/* Files libmpg123 would scan for stray sync words and "decode" as noise. */
static const char *sniff_other_format(const unsigned char *b, size_t n)
{
	if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WAVE", 4)) {
		/* MP3 inside a WAV (format tag 0x55 / 0x50) is fine. */
		size_t i = 12;
		while (i + 8 <= n) {
			uint32_t len = b[i + 4] | b[i + 5] << 8 | b[i + 6] << 16 | (uint32_t)b[i + 7] << 24;
			if (!memcmp(b + i, "fmt ", 4)) {
				if (i + 10 <= n) {
					unsigned tag = b[i + 8] | b[i + 9] << 8;
					if (tag == 0x55 || tag == 0x50)
						return NULL;
				}
				break;
			}
			if (len > n)
				break;
			i += 8 + len + (len & 1);
		}
		return "a WAV file";
	}
	if (n >= 4 && !memcmp(b, "OggS", 4))
		return "an Ogg file";
	if (n >= 4 && !memcmp(b, "fLaC", 4))
		return "a FLAC file";
	if (n >= 8 && !memcmp(b + 4, "ftyp", 4))
		return "an MP4/M4A file";
	if (n >= 4 && !memcmp(b, "FORM", 4))
		return "an AIFF file";
	if (n >= 4 && !memcmp(b, "PK\3\4", 4))
		return "a ZIP file";
	if (n >= 5 && !memcmp(b, "%PDF-", 5))
		return "a PDF file";
	return NULL;
}

int player_open_file(const char *path, int no_symlinks, char *err, size_t errn)
{
	int fd = open_regular(path, no_symlinks, NULL);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		set_err(err, errn, "file not found: %s", path);
	else if (errno == EINVAL)
		set_err(err, errn, "not a regular file: %s", path);
	else if (errno == ELOOP)
		set_err(err, errn, "a symbolic link, not played: %s", path);
	else
		set_err(err, errn, "cannot read %s: %s", path, strerror(errno));
	return -1;
}

/* Decode what fd holds (a regular file, read from its start; path names it
 * in messages) to signed 16-bit at its own rate and channels. libmpg123
 * reads that descriptor: whatever is at path now plays no part. fd stays
 * the caller's. NULL with a plain reason in err. */
static mpg123_handle *dec_open(int fd, const char *path, long *rate, int *channels, int *layer,
			       char *err, size_t errn)
{
	struct stat st;
	unsigned char head[512];
	const char *other;
	ssize_t n;
	int e, enc;
	mpg123_handle *mh;
	struct mpg123_frameinfo fi;

	if (fstat(fd, &st) < 0) {
		set_err(err, errn, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errn, "not a regular file: %s", path);
		return NULL;
	}
	if (st.st_size == 0) {
		set_err(err, errn, "not an MP3/MP2 file (empty): %s", path);
		return NULL;
	}
	n = pread(fd, head, sizeof head, 0);
	if (n < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		set_err(err, errn, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((other = sniff_other_format(head, (size_t)n))) {
		set_err(err, errn, "not an MP3/MP2 file (it is %s): %s", other, path);
		return NULL;
	}

	mpg123_init(); /* a no-op since 1.27; needed before */
	mh = mpg123_new(NULL, &e);
	if (!mh) {
		set_err(err, errn, "cannot start the MP3 decoder: %s", mpg123_plain_strerror(e));
		return NULL;
	}
	mpg123_param(mh, MPG123_ADD_FLAGS, MPG123_QUIET, 0);
	mpg123_param(mh, MPG123_RESYNC_LIMIT, RESYNC_LIMIT, 0);
	if (mpg123_open_fd(mh, fd) != MPG123_OK) {
		set_err(err, errn, "cannot read %s: %s", path, mpg123_strerror(mh));
		goto fail;
	}
	if ((e = mpg123_getformat(mh, rate, channels, &enc)) != MPG123_OK) {
		if (e == MPG123_DONE)
			set_err(err, errn, "not an MP3/MP2 file (no MPEG audio frames): %s", path);
		else
			set_err(err, errn, "not an MP3/MP2 file (%s): %s", mpg123_strerror(mh), path);
		goto fail;
	}
	if (mpg123_info(mh, &fi) == MPG123_OK && layer)
		*layer = fi.layer;
	mpg123_format_none(mh);
	if (mpg123_format(mh, *rate, *channels, MPG123_ENC_SIGNED_16) != MPG123_OK) {
		set_err(err, errn, "cannot decode %s at %ld Hz: %s", path, *rate,
			mpg123_strerror(mh));
		goto fail;
	}
	return mh;
fail:
	mpg123_close(mh);
	mpg123_delete(mh);
	return NULL;
}

/* ALSA config string argument: single-quoted, ' and \ escaped. */
static void quote_arg(const char *s, char *out, size_t n)
{
	size_t j = 0;
	if (n < 3) {
		if (n)
			*out = '\0';
		return;
	}
	out[j++] = '\'';
	for (; *s && j + 3 < n; s++) {
		if (*s == '\'' || *s == '\\')
			out[j++] = '\\';
		out[j++] = *s;
	}
	out[j++] = '\'';
	out[j] = '\0';
}

/* Open and configure device for p->rate/p->channels S16. 0, or -1 with a
 * reason in err. */
static int pcm_open(struct player *p, const char *device, const char *label, char *err,
		    size_t errn)
{
	snd_pcm_t *pcm = NULL;
	snd_pcm_sw_params_t *sw = NULL;
	snd_pcm_uframes_t period, buffer;
	const char *what = "";
	int e;

	if ((e = snd_pcm_open(&pcm, device, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK)) < 0) {
		set_err(err, errn, "audio device '%s' will not open: %s", label, pcm_strerror(e));
		return -1;
	}
	if ((e = snd_pcm_sw_params_malloc(&sw)) < 0)
		goto fail;
	struct alsa_hw h = {.channels = (unsigned)p->channels, .rate = (unsigned)p->rate, .exact_channels = 1,
			    .resample = 1, .exact_rate = 1, .rate_what = "the file's sample rate",
			    .buffer_us = BUFFER_US, .period_us = PERIOD_US};
	if ((e = alsa_hw_setup(pcm, &h, &what)) == -ERANGE) {
		/* Playing at another rate would change pitch and length. */
		set_err(err, errn,
			"audio device '%s' cannot play %ld Hz (nearest %u Hz); use a plughw: or "
			"default device",
			label, p->rate, h.rate);
		goto fail_msg;
	}
	if (e < 0)
		goto fail;
	period = h.period;
	buffer = h.buffer;
	what = "software parameters";
	if ((e = snd_pcm_sw_params_current(pcm, sw)) < 0 ||
	    /* start once the buffer is full: the most headroom against stalls;
	     * a file shorter than the buffer is started by the drain */
	    (e = snd_pcm_sw_params_set_start_threshold(pcm, sw, buffer)) < 0 ||
	    (e = snd_pcm_sw_params_set_avail_min(pcm, sw, period)) < 0 ||
	    (e = snd_pcm_sw_params(pcm, sw)) < 0)
		goto fail;
	snd_pcm_sw_params_free(sw);
	p->pcm = pcm;
	p->period = period;
	p->buffer = buffer;
	return 0;
fail:
	set_err(err, errn, "audio device '%s' will not open: %s%s%s", label, pcm_strerror(e),
		*what ? " setting " : "", what);
fail_msg:
	if (sw)
		snd_pcm_sw_params_free(sw);
	snd_pcm_close(pcm);
	return -1;
}

struct player *player_new(const char *device, const char *fallback_wav)
{
	struct player *p = xcalloc(1, sizeof *p);
	p->device = xstrdup(device && *device ? device : "default");
	p->fallback = xstrdup(fallback_wav ? fallback_wav : "");
	p->state = PLAYER_IDLE;
	p->pace_fd = -1;
	p->fd = -1;
	if (live_players++ == 0)
		snd_lib_error_set_handler(alsa_log);
	return p;
}

static void close_all(struct player *p)
{
	if (p->pcm) {
		snd_pcm_drop(p->pcm);
		snd_pcm_close(p->pcm);
		p->pcm = NULL;
	}
	if (p->mh) {
		mpg123_close(p->mh);
		mpg123_delete(p->mh);
		p->mh = NULL;
	}
	free(p->buf);
	p->buf = NULL;
	p->buf_off = p->buf_len = 0;
	p->draining = 0;
	if (p->pace_fd >= 0)
		close(p->pace_fd);
	p->pace_fd = -1;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

void player_free(struct player *p)
{
	if (!p)
		return;
	close_all(p);
	free(p->device);
	free(p->fallback);
	free(p->path);
	free(p);
	/* alsa-lib keeps the parsed configuration in a global cache. */
	if (--live_players == 0)
		snd_config_update_free_global();
}

/* Frames still queued in the device (0 when unknown). */
static snd_pcm_sframes_t queued(const struct player *p)
{
	snd_pcm_sframes_t d = 0;
	if (!p->pcm || snd_pcm_delay(p->pcm, &d) < 0 || d < 0)
		return 0;
	return d;
}

static int64_t played_now(const struct player *p)
{
	int64_t f = p->written - (int64_t)queued(p);
	return f < 0 ? 0 : f;
}

int player_start(struct player *p, const char *path, int repeat, double gain_db, char *err,
		 size_t errn)
{
	if (p->state == PLAYER_PLAYING)
		player_stop(p);
	close_all(p);
	p->state = PLAYER_IDLE;
	p->written = p->played = 0;
	int fd = player_open_file(path, 1, p->err, sizeof p->err);
	if (fd < 0) {
		set_err(err, errn, "%s", p->err);
		return -1;
	}
	return player_start_fd(p, fd, path, repeat, gain_db, err, errn);
}

/* The fallback WAV file instead of the device that failed (p->err says
 * why). Its own frame: its 12 KiB of names are on the stack only then. */
static __attribute__((noinline)) int open_fallback(struct player *p)
{
	char q[2 * PATH_MAX + 3], dev[sizeof q + 32];
	char devfail[256];
	str_copy(devfail, p->err, sizeof devfail);
	if (strlen(p->fallback) >= PATH_MAX) {
		set_err(p->err, sizeof p->err, "%s; fallback file name too long", devfail);
		return -1;
	}
	quote_arg(p->fallback, q, sizeof q);
	snprintf(dev, sizeof dev, "file:FILE=%s,FORMAT=wav", q);
	if (pcm_open(p, dev, p->fallback, p->err, sizeof p->err) < 0)
		return -1;
	p->using_fallback = 1;
	/* A file takes samples at once; a loudspeaker does not. Paced in
	 * real time, stop and pre-emption behave as with a sound card. */
	p->pace_fd = clock_mono_timer_new();
	p->pace_t0 = clock_mono_ns();
	if (p->pace_fd >= 0)
		clock_mono_timer_in(p->pace_fd, 1);
	/* Keep why the real device failed, for the log. */
	str_copy(p->err, devfail, sizeof p->err);
	return 0;
}

int player_start_fd(struct player *p, int fd, const char *path, int repeat, double gain_db,
		    char *err, size_t errn)
{

	if (p->state == PLAYER_PLAYING)
		player_stop(p);
	close_all(p);
	p->err[0] = '\0';
	p->using_fallback = 0;
	p->written = p->played = 0;
	p->xruns = 0;
	p->pass = 0;
	p->repeat = repeat < 1 ? 1 : repeat;
	p->state = PLAYER_IDLE;
	free(p->path);
	p->path = xstrdup(path);
	p->gain_db = gain_db;
	p->fd = fd;

	p->mh = dec_open(fd, path, &p->rate, &p->channels, NULL, p->err, sizeof p->err);
	if (!p->mh)
		goto fail;
	if (gain_db != 0.0 && mpg123_volume(p->mh, pow(10.0, gain_db / 20.0)) != MPG123_OK) {
		set_err(p->err, sizeof p->err, "cannot set gain %.1f dB: %s", gain_db,
			mpg123_strerror(p->mh));
		goto fail;
	}
	if (pcm_open(p, p->device, p->device, p->err, sizeof p->err) < 0 &&
	    (!*p->fallback || open_fallback(p) < 0))
		goto fail;
	p->buf = xcalloc(p->period * (size_t)p->channels, sizeof *p->buf);
	p->state = PLAYER_PLAYING;
	return 0;
fail:
	close_all(p);
	set_err(err, errn, "%s", p->err);
	return -1;
}

int player_pollfds(struct player *p, struct pollfd *fds, int max)
{
	int n;
	if (p->state != PLAYER_PLAYING || !p->pcm || max <= 0)
		return 0;
	if (p->pace_fd >= 0) {
		fds[0] = (struct pollfd){.fd = p->pace_fd, .events = POLLIN};
		return 1;
	}
	n = snd_pcm_poll_descriptors(p->pcm, fds, (unsigned)max);
	return n < 0 ? 0 : n;
}

static enum player_state finish(struct player *p, enum player_state st)
{
	p->played = st == PLAYER_DONE ? p->written : played_now(p);
	p->state = st;
	close_all(p);
	return st;
}

static enum player_state device_lost(struct player *p, int e)
{
	set_err(p->err, sizeof p->err, "audio device lost: %s", snd_strerror(e));
	return finish(p, PLAYER_ERROR);
}

/* xrun or suspend: recover without sleeping. 0 to go on, else an error. */
static int recover(struct player *p, int e)
{
	if (e == -EPIPE) {
		p->xruns++;
		return snd_pcm_prepare(p->pcm);
	}
	if (e == -ESTRPIPE) {
		int r = snd_pcm_resume(p->pcm);
		if (r == -EAGAIN)
			return -EAGAIN; /* still resuming: try on the next wake-up */
		p->xruns++;
		if (r < 0)
			r = snd_pcm_prepare(p->pcm);
		return r;
	}
	return e;
}

/* Decode the next period into buf. 1 with frames, 0 at the end of a pass,
 * -1 on a decoder error (p->err set). */
static int decode(struct player *p)
{
	size_t want = p->period * (size_t)p->channels * sizeof *p->buf, done = 0;
	size_t fbytes = (size_t)p->channels * sizeof *p->buf;
	int idle = 0;
	while (done < want) {
		size_t got = 0;
		int r = mpg123_read(p->mh, (unsigned char *)p->buf + done, want - done, &got);
		done += got;
		if (r == MPG123_OK || r == MPG123_NEW_FORMAT) {
			/* guard against a decoder that keeps returning nothing */
			if (got == 0 && ++idle > 64)
				break;
			continue;
		}
		if (r == MPG123_DONE)
			break;
		set_err(p->err, sizeof p->err, "decoder error: %s", mpg123_strerror(p->mh));
		return -1;
	}
	p->buf_off = 0;
	p->buf_len = done / fbytes;
	return p->buf_len > 0;
}

static enum player_state drain_step(struct player *p)
{
	snd_pcm_state_t st;
	if (!p->draining) {
		int e = snd_pcm_drain(p->pcm);
		if (e == 0)
			return finish(p, PLAYER_DONE);
		if (e == -EPIPE)  /* ran dry just before: all of it played */
			return finish(p, PLAYER_DONE);
		if (e != -EAGAIN)
			return device_lost(p, e);
		p->draining = 1;
	}
	st = snd_pcm_state(p->pcm);
	switch (st) {
	case SND_PCM_STATE_DRAINING:
	case SND_PCM_STATE_RUNNING:
		return PLAYER_PLAYING;
	case SND_PCM_STATE_DISCONNECTED:
		return device_lost(p, -ENODEV);
	default: /* SETUP, XRUN at the very end, ...: nothing left to play */
		return finish(p, PLAYER_DONE);
	}
}

enum player_state player_service(struct player *p, struct pollfd *fds, int nfds)
{
	snd_pcm_uframes_t budget;

	if (p->state != PLAYER_PLAYING)
		return p->state;
	if (p->pace_fd >= 0) {
		/* Paced: up to one period ahead of real time, then sleep a period. */
		uint64_t x;
		(void)!read(p->pace_fd, &x, sizeof(x));
		int64_t due = (clock_mono_ns() - p->pace_t0) / 1000 * p->rate / 1000000 + (int64_t)p->period;
		clock_mono_timer_in(p->pace_fd, PERIOD_US / 1000);
		if (!p->draining && due <= p->written)
			return PLAYER_PLAYING;
		if (!p->draining) {
			budget = (snd_pcm_uframes_t)(due - p->written);
			goto write;
		}
	} else if (fds && nfds > 0) {
		unsigned short rev = 0;
		int e = snd_pcm_poll_descriptors_revents(p->pcm, fds, (unsigned)nfds, &rev);
		if (e < 0)
			return device_lost(p, e);
		if (!(rev & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) && !p->draining)
			return PLAYER_PLAYING; /* woken for nothing */
	}
	if (p->draining)
		return drain_step(p);

	/* At most a quarter second per call (and a buffer's worth), so that
	 * a device that takes samples at once (null, file) cannot keep the
	 * loop here; a real device takes only what it has room for. */
	budget = p->buffer < (snd_pcm_uframes_t)p->rate / 4 ? p->buffer : (snd_pcm_uframes_t)p->rate / 4;
	if (budget < p->period)
		budget = p->period;
write:
	while (budget > 0) {
		snd_pcm_sframes_t n;
		size_t len;
		if (p->buf_off == p->buf_len) {
			int r = decode(p);
			if (r < 0)
				return finish(p, PLAYER_ERROR);
			if (r == 0) {
				if (++p->pass < p->repeat) {
					/* A fresh decoder: mpg123_seek(0) leaves some
					 * decoders' state behind, and a repeat must be
					 * the same samples again. */
					mpg123_close(p->mh);
					mpg123_delete(p->mh);
					p->mh = dec_open(p->fd, p->path, &(long){0}, &(int){0}, NULL, p->err,
							 sizeof p->err);
					if (!p->mh || (p->gain_db != 0.0 &&
						       mpg123_volume(p->mh, pow(10.0, p->gain_db / 20.0)) !=
							       MPG123_OK)) {
						if (p->mh)
							set_err(p->err, sizeof p->err,
								"decoder error: cannot restart for the repeat");
						return finish(p, PLAYER_ERROR);
					}
					continue;
				}
				return drain_step(p);
			}
		}
		len = p->buf_len - p->buf_off;
		if (len > budget)
			len = budget;
		n = snd_pcm_writei(p->pcm, p->buf + p->buf_off * (size_t)p->channels, len);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			int e = recover(p, (int)n);
			if (e == -EAGAIN)
				break;
			if (e < 0)
				return device_lost(p, e);
			continue;
		}
		if (p->tap)
			p->tap(p->tap_ctx, p->buf + p->buf_off * (size_t)p->channels, (size_t)n, p->rate,
			       p->channels);
		p->buf_off += (size_t)n;
		p->written += n;
		budget -= (snd_pcm_uframes_t)n;
		if ((size_t)n < len)
			break; /* device full */
	}
	return PLAYER_PLAYING;
}

void player_stop(struct player *p)
{
	if (p->state == PLAYER_PLAYING)
		p->played = played_now(p);
	close_all(p);
	p->state = PLAYER_IDLE;
}

enum player_state player_state(const struct player *p)
{
	return p->state;
}

double player_seconds(const struct player *p)
{
	int64_t f = p->state == PLAYER_PLAYING ? played_now(p) : p->played;
	return p->rate > 0 ? (double)f / (double)p->rate : 0.0;
}

const char *player_error(const struct player *p)
{
	return p->err;
}

int player_using_fallback(const struct player *p)
{
	return p->using_fallback;
}

void player_set_tap(struct player *p, player_tap_fn fn, void *ctx)
{
	p->tap = fn;
	p->tap_ctx = ctx;
}

/* LAME and most encoders put a Xing/Info tag in the first frame saying how
 * many bytes the stream has. A file shorter than that was cut short (a copy
 * interrupted). Returns the announced byte count when the file is more than
 * 3% short of it, else 0. */
static int64_t xing_cut_short(const char *path)
{
	unsigned char b[8192];
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(b, 1, sizeof(b), f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	for (size_t i = 0; i + 16 <= n; i++) {
		if (memcmp(b + i, "Xing", 4) && memcmp(b + i, "Info", 4))
			continue;
		uint32_t flags = (uint32_t)b[i + 4] << 24 | (uint32_t)b[i + 5] << 16 | (uint32_t)b[i + 6] << 8 | b[i + 7];
		size_t at = i + 8 + ((flags & 1) ? 4 : 0);
		if (!(flags & 2) || at + 4 > n)
			return 0;
		int64_t bytes = (int64_t)b[at] << 24 | (int64_t)b[at + 1] << 16 | (int64_t)b[at + 2] << 8 | b[at + 3];
		/* the tag sits a few dozen bytes into its frame, after any ID3v2 */
		int64_t have = size - (int64_t)i + 64;
		return bytes > 0 && have < bytes * 97 / 100 ? bytes : 0;
	}
	return 0;
}

/* A copy cut off mid-frame leaves the start of a frame (sync bits) after
 * the last whole frame libmpg123 decoded. Returns the file size then. */
static int64_t partial_last_frame(const char *path, off_t end)
{
	unsigned char b[4];
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	int64_t r = 0;
	if (size > end && fseek(f, (long)end, SEEK_SET) == 0 && fread(b, 1, 2, f) == 2 &&
	    b[0] == 0xff && (b[1] & 0xe0) == 0xe0)
		r = size;
	fclose(f);
	return r;
}

int audio_scan(const char *path, struct audio_info *info, char *err, size_t errn)
{
	long rate;
	int channels, layer = 0, r;
	double peak = 0;
	int64_t frames = 0;
	off_t next = -1;
	long resyncs = 0;
	mpg123_handle *mh;

	memset(info, 0, sizeof *info);
	int fd = player_open_file(path, 0, err, errn);
	if (fd < 0)
		return -1;
	mh = dec_open(fd, path, &rate, &channels, &layer, err, errn);
	if (!mh) {
		close(fd);
		return -1;
	}
	info->cut_short_bytes = xing_cut_short(path);
	for (;;) {
		unsigned char *audio = NULL;
		size_t bytes = 0, i, n;
		off_t num, pos;
		struct mpg123_frameinfo fi;
		int16_t s, m = 0;

		/* One frame at a time into libmpg123's own buffer: fixed memory. */
		r = mpg123_decode_frame(mh, &num, &audio, &bytes);
		if (r == MPG123_DONE)
			break;
		if (r == MPG123_NEW_FORMAT)
			continue;
		if (r != MPG123_OK) {
			set_err(err, errn, "%s: decoder error after %.1f s: %s", path,
				rate > 0 ? (double)frames / rate : 0.0, mpg123_strerror(mh));
			goto fail;
		}
		/* A frame that does not start where the last one ended means
		 * libmpg123 skipped junk to find its way again. */
		pos = mpg123_framepos(mh);
		if (next >= 0 && pos != next)
			resyncs++;
		if (mpg123_info(mh, &fi) == MPG123_OK && fi.framesize > 0)
			next = pos + fi.framesize;
		n = bytes / sizeof(int16_t);
		for (i = 0; i < n; i++) {
			memcpy(&s, audio + i * sizeof s, sizeof s);
			if (s == INT16_MIN)
				s = INT16_MAX;
			if (s < 0)
				s = (int16_t)-s;
			if (s > m)
				m = s;
		}
		if (m / 32767.0 > peak)
			peak = m / 32767.0;
		frames += (int64_t)(bytes / (sizeof(int16_t) * (size_t)channels));
	}
	if (frames == 0) {
		set_err(err, errn, "not an MP3/MP2 file (no audio decoded): %s", path);
		goto fail;
	}
	if (!info->cut_short_bytes && next > 0)
		info->cut_short_bytes = partial_last_frame(path, next);
	mpg123_close(mh);
	mpg123_delete(mh);
	close(fd);
	int64_t hf = info->cut_short_bytes;
	memset(info, 0, sizeof *info);
	info->cut_short_bytes = hf;
	info->frames = frames;
	info->rate = rate;
	info->channels = channels;
	info->duration = (double)frames / (double)rate;
	info->encoding_mpeg_layer = layer;
	info->peak = peak;
	info->decode_errors = resyncs;
	return 0;
fail:
	mpg123_close(mh);
	mpg123_delete(mh);
	close(fd);
	return -1;
}

int player_device_supports(const char *device, long rate, int channels)
{
	snd_pcm_t *pcm;
	snd_pcm_hw_params_t *hw;
	snd_lib_error_set_handler(alsa_log);
	if (snd_pcm_open(&pcm, device, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK) < 0)
		return -1;
	snd_pcm_hw_params_alloca(&hw);
	int r = -1;
	if (snd_pcm_hw_params_any(pcm, hw) >= 0) {
		/* plug devices (default, plughw:) convert and accept any rate;
		 * a hw: device refuses one it cannot play, as the player would. */
		r = snd_pcm_hw_params_test_rate(pcm, hw, (unsigned)rate, 0) == 0 &&
		    snd_pcm_hw_params_test_channels(pcm, hw, (unsigned)channels) == 0;
	}
	snd_pcm_close(pcm);
	return r;
}

int audio_tag_title(const char *path, char *out, size_t n)
{
	long rate;
	int channels, layer = 0;
	char err[256];
	mpg123_id3v1 *v1 = NULL;
	mpg123_id3v2 *v2 = NULL;
	out[0] = '\0';
	int fd = player_open_file(path, 0, err, sizeof(err));
	if (fd < 0)
		return 0;
	mpg123_handle *mh = dec_open(fd, path, &rate, &channels, &layer, err, sizeof(err));
	if (!mh) {
		close(fd);
		return 0;
	}
	if ((mpg123_meta_check(mh) & MPG123_ID3) && mpg123_id3(mh, &v1, &v2) == MPG123_OK) {
		if (v2 && v2->title && v2->title->fill > 1 && v2->title->p) {
			snprintf(out, n, "%s", v2->title->p);
			if (strlen(v2->title->p) >= n) { /* cut: not in the middle of a character */
				size_t l = strlen(out);
				while (l && ((unsigned char)out[l - 1] & 0xC0) == 0x80)
					l--;
				if (l && (unsigned char)out[l - 1] >= 0xC0)
					l--;
				out[l] = '\0';
			}
		} else if (v1) {
			size_t k = 0;
			for (; k < sizeof(v1->title) && v1->title[k] && k + 1 < n; k++)
				out[k] = v1->title[k] & 0x80 ? '?' : v1->title[k]; /* Latin-1: not UTF-8 */
			out[k] = '\0';
		}
	}
	mpg123_close(mh);
	mpg123_delete(mh);
	close(fd);
	/* Trim, and no control characters (a title is one line of a catalog). */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	size_t l = strlen(out);
	while (l && out[l - 1] == ' ')
		out[--l] = '\0';
	return out[0] != '\0';
}
