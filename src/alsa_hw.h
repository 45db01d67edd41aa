/* The ALSA hardware set-up the player and the monitor share: interleaved
 * 16-bit samples, a channel count and rate, a buffer and period time,
 * committed, then the sizes the device chose. An adapter helper: only
 * player.c and monitor.c include it. */
#ifndef LOAXA_ALSA_HW_H
#define LOAXA_ALSA_HW_H

#include <alsa/asoundlib.h>

struct alsa_hw {
	unsigned channels, rate;   /* in: wanted; out: what the device took */
	int exact_channels;        /* 1: exactly channels, else the nearest */
	int resample;              /* 1: let ALSA resample to the rate */
	int exact_rate;            /* 1: any other rate is -ERANGE (rate: the nearest) */
	const char *rate_what;     /* the rate's name in an error ("sample rate") */
	unsigned buffer_us, period_us;
	snd_pcm_uframes_t period, buffer; /* out, in frames */
};

/* Configure pcm as h asks and commit. 0, or a negative ALSA error code
 * with *what naming the setting that failed ("16-bit samples", ...). */
int alsa_hw_setup(snd_pcm_t *pcm, struct alsa_hw *h, const char **what);

#endif
