/* Monitor input adapter (issue 19, proof of air): an ALSA capture PCM wired
 * to the amplifier's output through a line-level tap, opened when a
 * broadcast starts and closed when it ends, so nothing is captured (and
 * nothing wakes the daemon) between broadcasts. Non-blocking, serviced
 * from the daemon's poll loop like player.h; the figures and the verdict
 * come from airmeter.h. Its null twin is ALSA's `file` plugin with an
 * `infile` (the "heard" signal read from a file). */
#ifndef LOAXA_MONITOR_H
#define LOAXA_MONITOR_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "airmeter.h"

#define MONITOR_RATE 48000 /* asked for; the nearest the device has is taken */
#define MONITOR_CHANNELS 2

struct monitor;

/* Open device for capture (16-bit, MONITOR_RATE and MONITOR_CHANNELS or
 * the nearest), start it, and meter against silence_dbfs. NULL with a
 * plain reason in err (the device will not open). */
struct monitor *monitor_open(const char *device, double silence_dbfs, char *err, size_t errn);
/* Close the device and free everything; NULL is fine. */
void monitor_free(struct monitor *m);

/* The audio sent to the loudspeakers (a player_tap_fn: ctx is the monitor). */
void monitor_tap(void *ctx, const int16_t *pcm, size_t frames, long rate, int channels);

/* Descriptors to poll (returns count). None once the capture is
 * AIRMETER_MAX_LAG_S + 0.5 s ahead of what was sent (a device that is not
 * paced by a clock, such as the test twin, waits for the playback), nor
 * after a device error. */
int monitor_pollfds(struct monitor *m, struct pollfd *fds, int max);
/* Read what the device has (at most its buffer) without blocking. 0, or
 * -1 when the device failed (monitor_error says why; the figures so far
 * are kept and it is not polled any more). */
int monitor_service(struct monitor *m, struct pollfd *fds, int nfds);
/* The broadcast ended: read what the device has ready (never waiting) up to
 * the end of the lag window, close the device, and give the figures. */
void monitor_finish(struct monitor *m, struct airmeter_result *r);

/* The verdict so far, for status while the broadcast plays. */
void monitor_peek(const struct monitor *m, struct airmeter_result *r);

const char *monitor_error(const struct monitor *m); /* "" if none */
long monitor_rate(const struct monitor *m);
int monitor_channels(const struct monitor *m);

#endif
