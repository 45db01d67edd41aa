/* The bulletin library: audio files in one folder plus catalog.conf (id,
 * title, campaign, duration, rate, channels, SHA-256, added at). Adding
 * decodes the whole file first, so a bad file is refused at load time;
 * files and catalog are written atomically (temp, fsync, rename, fsync the
 * folder), so a power cut never leaves a half file under a real name. */
#ifndef LOAXA_LIBRARY_H
#define LOAXA_LIBRARY_H

#include "model.h"
#include "util.h"

struct library_add_opts {
	const char *id, *title, *campaign; /* campaign may be NULL */
	int replace;                       /* an existing id is refused without it */
	int64_t now;                       /* "added at" */
};

/* The largest audio file the station takes: audio.max_bulletin_minutes at
 * a bit rate above any MPEG audio's, plus 1 MiB. Larger files are refused
 * before (or as soon as) they are read. */
int64_t library_max_bytes(const struct station *st);

/* Path of the catalog of a station's library. */
void library_catalog_path(const struct station *st, char *out, size_t n);

/* Check src and copy it in. Plain-words problems go to errs (the file is
 * then refused: nothing changed); warnings (e.g. resampling) to warns.
 * 0 or -1. The added entry is copied to *added when not NULL. */
int library_add(const struct station *st, const char *src, const struct library_add_opts *o,
		struct bulletin *added, struct errlist *errs, struct errlist *warns);

/* 1 if b is pinned to its signed hash: it came with a signed push
 * (b->signer) and the schedule in force, signed (its .minisig is beside
 * it), uses it; the reason, for people, in why. library_add --replace and
 * library_remove refuse pinned bulletins. */
int library_pinned(const struct station *st, const struct bulletin *b, char *why, size_t whyn);

/* Remove id from the catalog, then its file (refused when pinned). 0 or
 * -1 with a message. */
int library_remove(const struct station *st, const char *id, char *err, size_t errn);

/* Re-hash every file against the catalog; each problem (missing, changed,
 * unknown file) goes to problems. Returns the number of problems, or -1 if
 * the catalog cannot be read (its errors in problems). */
int library_verify(const struct station *st, struct errlist *problems);

/* Rebuild catalog.conf from the audio files in the folder (titles and
 * campaigns kept from the old catalog where it can still be read). Files
 * that do not decode are reported in problems and left out. Returns the
 * number of bulletins in the new catalog, or -1. */
int library_rebuild(const struct station *st, int64_t now, struct errlist *problems);

/* ---- pushed bulletins (bundle.c, docs/PUSH.md) ---- */

/* A bulletin on its way in: checked, copied into the library under a
 * hidden name, not yet in the catalog. */
struct library_staged {
	struct bulletin b;        /* the entry it will get (b.file: its final name) */
	char tmp[PATHBUF + 80];   /* the hidden copy; "" when none */
};

/* Hold the library's lock (flock on LIBRARY/.lock, created if needed) so
 * that two installers never write the catalog at once. Blocks. The
 * descriptor to give to library_unlock, or -1 with errno. */
int library_lock(const struct station *st);
void library_unlock(int fd);

/* Hash src and apply bulletin add's checks (decodes, not silent, not too
 * long) to it in place, without copying: fills *b (b->file is the name it
 * would get). Refused (errs, naming the file as shown) unless its SHA-256
 * is sha256. 0 or -1. */
int library_check(const struct station *st, const char *src, const char *shown,
		  const char *sha256, const char *id,
		  const char *title, const char *campaign, int64_t now, struct bulletin *b,
		  struct errlist *errs, struct errlist *warns);

/* Copy src into the library as a hidden file (hashing the bytes copied),
 * then check that copy as library_check does: what was checked is what
 * will play. 0, or -1 with errs and nothing left behind. */
int library_stage(const struct station *st, const char *src, const char *shown,
		  const char *sha256, const char *id,
		  const char *title, const char *campaign, int64_t now, struct library_staged *out,
		  struct errlist *errs, struct errlist *warns);

/* Give staged files their names and add them to the catalog in one atomic
 * catalog write (call with the lock held). Ids must be new to the catalog
 * (one already there with the same SHA-256 is skipped). On failure the
 * catalog is unchanged and the new names are removed. 0 or -1 with errs. */
int library_commit(const struct station *st, struct library_staged *s, size_t n,
		   struct errlist *errs);

/* Remove the hidden copies of staged files not committed. */
void library_unstage(struct library_staged *s, size_t n);

/* Remove hidden copies left in the library by a power cut or a crash
 * during a push (those of a process still running are kept). */
void library_clean_staged(const struct station *st);

#endif
