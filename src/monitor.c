/* Monitor input adapter: ALSA capture from the amplifier's output tap,
 * non-blocking, read from the daemon's poll loop while a broadcast plays;
 * every frame read and every frame sent goes to the pure airmeter. */
#include "monitor.h"
#include "alsa_hw.h"
#include "util.h"

#include <alsa/asoundlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP_BUFFER_US 2000000u /* survives a 2 s stall of the loop */
#define CAP_PERIOD_US 100000u

struct monitor {
	snd_pcm_t *pcm;
	long rate;
	int channels;
	snd_pcm_uframes_t period, buffer;
	int16_t *buf;
	struct airmeter *meter;
	int failed;
	long xruns;
	char err[256];
};

static void set_err(char *err, size_t errn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errn, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errn)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errn, fmt, ap);
	va_end(ap);
}

static const char *cap_strerror(int e)
{
	return e == -ENOENT || e == -ENODEV ? "No such device" : snd_strerror(e);
}

struct monitor *monitor_open(const char *device, double silence_dbfs, char *err, size_t errn)
{
	snd_pcm_t *pcm = NULL;
	snd_pcm_sw_params_t *sw;
	unsigned rate, ch;
	snd_pcm_uframes_t period, buffer;
	const char *what = "";
	int e;

	if ((e = snd_pcm_open(&pcm, device, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK)) < 0) {
		set_err(err, errn, "monitor device '%s' will not open: %s", device, cap_strerror(e));
		return NULL;
	}
	snd_pcm_sw_params_alloca(&sw);
	struct alsa_hw h = {.channels = MONITOR_CHANNELS, .rate = MONITOR_RATE, .buffer_us = CAP_BUFFER_US,
			    .period_us = CAP_PERIOD_US};
	if ((e = alsa_hw_setup(pcm, &h, &what)) < 0)
		goto fail;
	rate = h.rate;
	ch = h.channels;
	period = h.period;
	buffer = h.buffer;
	what = "software parameters";
	if ((e = snd_pcm_sw_params_current(pcm, sw)) < 0 ||
	    (e = snd_pcm_sw_params_set_avail_min(pcm, sw, period)) < 0 ||
	    (e = snd_pcm_sw_params(pcm, sw)) < 0)
		goto fail;
	what = "start";
	if ((e = snd_pcm_prepare(pcm)) < 0 || (e = snd_pcm_start(pcm)) < 0)
		goto fail;

	struct monitor *m = xcalloc(1, sizeof(*m));
	m->pcm = pcm;
	m->rate = (long)rate;
	m->channels = (int)ch;
	m->period = period;
	m->buffer = buffer;
	m->buf = xcalloc(period * ch, sizeof(*m->buf));
	m->meter = airmeter_new(silence_dbfs);
	return m;
fail:
	set_err(err, errn, "monitor device '%s' will not open: %s%s%s", device, cap_strerror(e),
		*what ? " setting " : "", what);
	snd_pcm_close(pcm);
	return NULL;
}

static void close_pcm(struct monitor *m)
{
	if (m->pcm) {
		snd_pcm_drop(m->pcm);
		snd_pcm_close(m->pcm);
		m->pcm = NULL;
	}
}

void monitor_free(struct monitor *m)
{
	if (!m)
		return;
	close_pcm(m);
	airmeter_free(m->meter);
	free(m->buf);
	free(m);
}

void monitor_tap(void *ctx, const int16_t *pcm, size_t frames, long rate, int channels)
{
	struct monitor *m = ctx;
	airmeter_sent(m->meter, pcm, frames, rate, channels);
}

/* Frames the capture may still take before it is the lag window (and half
 * a second) ahead of what was sent. */
static int64_t room(const struct monitor *m)
{
	double ahead = airmeter_captured_seconds(m->meter) - airmeter_sent_seconds(m->meter);
	return (int64_t)((AIRMETER_MAX_LAG_S + 0.5 - ahead) * (double)m->rate);
}

int monitor_pollfds(struct monitor *m, struct pollfd *fds, int max)
{
	if (!m || !m->pcm || m->failed || max <= 0 || room(m) <= 0)
		return 0;
	int n = snd_pcm_poll_descriptors(m->pcm, fds, (unsigned)max);
	return n < 0 ? 0 : n;
}

static int fail(struct monitor *m, int e)
{
	set_err(m->err, sizeof(m->err), "monitor device lost: %s", snd_strerror(e));
	m->failed = 1;
	close_pcm(m);
	return -1;
}

/* Read up to `limit` frames (and at most a buffer's worth). 0, or -1. */
static int read_some(struct monitor *m, int64_t limit)
{
	snd_pcm_uframes_t budget = m->buffer;
	while (budget > 0 && limit > 0) {
		snd_pcm_uframes_t want = m->period;
		if ((int64_t)want > limit)
			want = (snd_pcm_uframes_t)limit;
		if (want > budget)
			want = budget;
		snd_pcm_sframes_t n = snd_pcm_readi(m->pcm, m->buf, want);
		if (n == -EAGAIN || n == 0)
			return 0;
		if (n == -EPIPE || n == -ESTRPIPE) {
			/* Overrun: frames were lost, the alignment with what is
			 * sent shifts by as much; the lag window absorbs a little. */
			m->xruns++;
			int e = n == -ESTRPIPE ? snd_pcm_resume(m->pcm) : -1;
			if (e == -EAGAIN)
				return 0;
			if (e < 0 && ((e = snd_pcm_prepare(m->pcm)) < 0 || (e = snd_pcm_start(m->pcm)) < 0))
				return fail(m, e);
			continue;
		}
		if (n < 0)
			return fail(m, (int)n);
		airmeter_captured(m->meter, m->buf, (size_t)n, m->rate, m->channels);
		budget -= (snd_pcm_uframes_t)n;
		limit -= n;
	}
	return 0;
}

int monitor_service(struct monitor *m, struct pollfd *fds, int nfds)
{
	if (!m || !m->pcm || m->failed)
		return m && m->failed ? -1 : 0;
	if (fds && nfds > 0) {
		unsigned short rev = 0;
		int e = snd_pcm_poll_descriptors_revents(m->pcm, fds, (unsigned)nfds, &rev);
		if (e < 0)
			return fail(m, e);
		if (rev & (POLLERR | POLLNVAL)) {
			snd_pcm_state_t st = snd_pcm_state(m->pcm);
			if (st == SND_PCM_STATE_DISCONNECTED)
				return fail(m, -ENODEV);
		}
		if (!(rev & (POLLIN | POLLERR)))
			return 0;
	}
	return read_some(m, room(m));
}

void monitor_finish(struct monitor *m, struct airmeter_result *r)
{
	if (m->pcm && !m->failed) {
		/* The tail: up to the lag window past the last frame sent. */
		double tail = airmeter_sent_seconds(m->meter) + AIRMETER_MAX_LAG_S -
			      airmeter_captured_seconds(m->meter);
		for (int i = 0; i < 64 && tail > 0; i++) {
			double before = airmeter_captured_seconds(m->meter);
			if (read_some(m, (int64_t)(tail * (double)m->rate + 0.5)) < 0)
				break;
			double got = airmeter_captured_seconds(m->meter) - before;
			if (got <= 0)
				break;
			tail -= got;
		}
	}
	close_pcm(m);
	airmeter_result(m->meter, r);
}

void monitor_peek(const struct monitor *m, struct airmeter_result *r)
{
	airmeter_result(m->meter, r);
}

const char *monitor_error(const struct monitor *m)
{
	return m ? m->err : "";
}

long monitor_rate(const struct monitor *m)
{
	return m->rate;
}

int monitor_channels(const struct monitor *m)
{
	return m->channels;
}
