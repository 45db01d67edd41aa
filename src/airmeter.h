/* Proof of air, the pure part: levels of what was sent to the loudspeakers
 * (the decoded audio) and of what the monitor input captured from the
 * amplifier's output, and the verdict, second by second, of whether the
 * bulletin was heard. No I/O, no clock: samples in, figures out.
 *
 * Both streams are cut into 100 ms blocks at their own rate and channel
 * count (they need not match); a block keeps its mean square over every
 * sample of every channel and its peak.
 *
 * The rule (docs/MONITOR.md): second k of the bulletin is the sent frames
 * [k*rate, (k+1)*rate); a last piece shorter than half a second is not a
 * second. It is QUIET when what was sent in it is below silence_dbfs (RMS)
 * or more than AIRMETER_QUIET_BELOW_DB below the loudest second sent so
 * far. Its captured level is the highest RMS over a window of the same
 * length starting D seconds later in the capture, for D = 0, 0.1, ...,
 * AIRMETER_MAX_LAG_S (the tap's delay, and the capture's head start over
 * the playback); windows that run past the capture are cut to what there
 * is. Second k is HEARD when it is quiet (a pause is not a fault) or its
 * captured level is at or above silence_dbfs. */
#ifndef LOAXA_AIRMETER_H
#define LOAXA_AIRMETER_H

#include <stddef.h>
#include <stdint.h>

#define AIRMETER_BLOCKS_PER_S 10
#define AIRMETER_MAX_LAG_S 1.0
#define AIRMETER_QUIET_BELOW_DB 30.0
#define AIRMETER_FLOOR_DBFS (-120.0) /* what digital silence reads as */

struct airmeter;

struct airmeter_result {
	int seconds;          /* seconds of the bulletin sent (M) */
	int heard;            /* of those, heard (N) */
	int quiet;            /* of those, quiet: heard without needing the monitor */
	double level_dbfs;    /* RMS of everything captured (AIRMETER_FLOOR_DBFS if none) */
	double peak_dbfs;     /* peak of everything captured */
	double sent_dbfs;     /* RMS of everything sent */
	double captured_s;    /* seconds captured */
};

/* A meter for one broadcast. silence_dbfs: the threshold (e.g. -50). */
struct airmeter *airmeter_new(double silence_dbfs);
void airmeter_free(struct airmeter *m);

/* Frames sent to the loudspeakers, signed 16-bit interleaved, at rate and
 * channels (a change of either starts a new block). */
void airmeter_sent(struct airmeter *m, const int16_t *pcm, size_t frames, long rate, int channels);
/* Frames captured by the monitor, likewise. */
void airmeter_captured(struct airmeter *m, const int16_t *pcm, size_t frames, long rate,
		       int channels);

/* Seconds sent and captured so far (whole 100 ms blocks and the open one). */
double airmeter_sent_seconds(const struct airmeter *m);
double airmeter_captured_seconds(const struct airmeter *m);

/* The verdict over everything fed so far (the open blocks included). */
void airmeter_result(const struct airmeter *m, struct airmeter_result *r);

/* 20*log10 of an amplitude (0..1 of full scale), floored. */
double airmeter_dbfs(double amplitude);

#endif
