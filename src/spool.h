/* The spool watcher: inotify on the folder where the department drops
 * schedule bundles (NAME.conf + NAME.conf.minisig + the audio files the
 * schedule names; docs/PUSH.md). It hands a bundle over only when the
 * folder has been quiet for a moment and no file in it is still being
 * written; it knows nothing of signatures or schedules (bundle.c does).
 *
 * A file counts as still being written when inotify saw it created or
 * modified and not yet closed, or when a read lease cannot be taken on it
 * (F_SETLEASE: refused while any process has it open for writing; only
 * possible on files the daemon owns). Temporary names (.NAME..., *.part,
 * *.tmp, *~, ...) are never bundles. */
#ifndef LOAXA_SPOOL_H
#define LOAXA_SPOOL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_SETTLE_MS 1000 /* quiet time after the last change before looking */
#define SPOOL_NAME_MAX 200

struct spool;

/* Watch dir (created if missing, with dir/rejected). wait_ms: how long a
 * half bundle (a schedule without its .minisig, or the reverse) waits for
 * its other half before it is handed over anyway, to be refused. NULL with
 * a message in err. */
struct spool *spool_open(const char *dir, int64_t wait_ms, char *err, size_t errn);
void spool_close(struct spool *sp);

struct stat;
/* Why a file in the spool is refused at once, or NULL for a plain file
 * (one name only) or a folder: a symbolic link, a hard link, a FIFO, a
 * device, a socket. Such files are moved to SPOOL/rejected/ beside
 * NAME.why when the folder is next looked at, never opened, and never
 * hold up a bundle. */
const char *spool_odd_file(const struct stat *sb);

/* Poll descriptors (the inotify descriptor and a monotonic timer); count. */
int spool_pollfds(struct spool *sp, struct pollfd *fds, int max);
/* Read whatever is ready among those descriptors. Never blocks. */
void spool_service(struct spool *sp, const struct pollfd *fds, int nfds);

/* The next bundle to look at, in name order: NAME (of NAME.conf) into
 * name, the milliseconds since it was first seen into *age_ms. 1, or 0
 * when none is ready. Once handed over, a bundle is not handed over again
 * until spool_defer or spool_done is called for it. */
int spool_next(struct spool *sp, char *name, size_t n, int64_t *age_ms);
/* Not complete yet (an audio file missing or still arriving): hand it over
 * again after the next change in the folder, or when its wait is over. */
void spool_defer(struct spool *sp, const char *name);
/* Handled (installed, or moved to rejected/): forget it. */
void spool_done(struct spool *sp, const char *name);

/* 1 if name is a temporary name (a copy in progress), never part of a bundle. */
int spool_temp_name(const char *name);

#endif
