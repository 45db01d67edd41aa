/* Audio adapter: decodes MP3/MP2 with libmpg123 and writes it to an ALSA
 * PCM at the file's own rate and channel count, driven by the daemon's
 * event loop (non-blocking PCM, ALSA's poll descriptors). ALSA's own `null`
 * and `file` plugins are this adapter's null twin: no sound card needed. */
#ifndef LOAXA_PLAYER_H
#define LOAXA_PLAYER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

enum player_state {
	PLAYER_IDLE,
	PLAYER_PLAYING, /* keep polling player_pollfds */
	PLAYER_DONE,    /* played every repeat to its end (device drained) */
	PLAYER_ERROR,   /* stopped early: player_error() says why */
};

struct player;

/* device: ALSA PCM name ("default", "hw:1,0", "file:FILE=/x.raw,FORMAT=raw").
 * fallback_wav: if non-empty and `device` cannot be opened, audio goes to
 * this WAV file through ALSA's file plugin (slave null) instead. */
struct player *player_new(const char *device, const char *fallback_wav);
void player_free(struct player *p);

/* Open the decoder and the PCM and start playing path `repeat` times back to
 * back at gain_db (0 = unchanged; applied by libmpg123's volume). Returns 0,
 * or -1 with a plain reason in err when it cannot start (file missing, not
 * audio, device will not open): the broadcast is then `failed`. */
int player_start(struct player *p, const char *path, int repeat, double gain_db, char *err,
		 size_t errn);
/* The same for a file the caller opened (player_open_file) and checked:
 * the player decodes that descriptor, never path again (path only names
 * it in messages), so what was checked is what plays (issue 12). Takes fd:
 * closed when the player is done with it, also on failure. */
int player_start_fd(struct player *p, int fd, const char *path, int repeat, double gain_db,
		    char *err, size_t errn);
/* Open path once for reading without waiting (O_NONBLOCK, then cleared: a
 * FIFO cannot hang the caller), O_NOFOLLOW when no_symlinks; it must be a
 * regular file. The descriptor, or -1 with a plain reason in err. */
int player_open_file(const char *path, int no_symlinks, char *err, size_t errn);

/* Descriptors to poll while PLAYER_PLAYING (fills up to max; returns count). */
int player_pollfds(struct player *p, struct pollfd *fds, int max);
/* Call when any of those descriptors is ready (revents filled in); decodes
 * and writes as much as the device takes without blocking, recovers xruns,
 * and returns the new state. */
enum player_state player_service(struct player *p, struct pollfd *fds, int nfds);
/* Stop now (drop what is buffered); state becomes PLAYER_IDLE. */
void player_stop(struct player *p);

enum player_state player_state(const struct player *p);
/* Seconds of audio played so far in this broadcast (all repeats), from
 * frames written minus those still queued in the device; not wall time. */
double player_seconds(const struct player *p);
/* Reason for PLAYER_ERROR or the last failed start ("" if none). */
const char *player_error(const struct player *p);
/* Non-zero when the last start used the fallback WAV file. */
int player_using_fallback(const struct player *p);

/* issue 19 (proof of air): fn sees every frame the device accepted, signed
 * 16-bit interleaved at the file's rate and channels, as it is written (the
 * monitor compares them with what it captures). NULL fn: none. Kept across
 * starts; called from player_service only. */
typedef void (*player_tap_fn)(void *ctx, const int16_t *pcm, size_t frames, long rate, int channels);
void player_set_tap(struct player *p, player_tap_fn fn, void *ctx);

/* Decode a whole file without playing it (load-time validation, catalog).
 * Memory does not grow with the file's length. */
struct audio_info {
	double duration;   /* seconds */
	int64_t frames;
	long rate;
	int channels;
	int encoding_mpeg_layer; /* 1, 2 or 3 */
	double peak;       /* 0..1 of full scale, for silence detection */
	long decode_errors;/* frames libmpg123 had to skip/resync */
	int64_t cut_short_bytes; /* non-zero: the file was cut short (shorter than its
	                            Xing/Info tag says, or its last frame is incomplete) */
};
int audio_scan(const char *path, struct audio_info *info, char *err, size_t errn);

/* The file's title tag (ID3v2 TIT2, else ID3v1), as UTF-8 without control
 * characters, in out: 1, or 0 when it has none (or is not MPEG audio). */
int audio_tag_title(const char *path, char *out, size_t n);

/* Can ALSA device play this rate and channel count as they are (1), only
 * with conversion (0), or could the device not be asked (-1, e.g. busy)? */
int player_device_supports(const char *device, long rate, int channels);

#endif
