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

/* Path of the catalog of a station's library. */
void library_catalog_path(const struct station *st, char *out, size_t n);

/* Check src and copy it in. Plain-words problems go to errs (the file is
 * then refused: nothing changed); warnings (e.g. resampling) to warns.
 * 0 or -1. The added entry is copied to *added when not NULL. */
int library_add(const struct station *st, const char *src, const struct library_add_opts *o,
		struct bulletin *added, struct errlist *errs, struct errlist *warns);

/* Remove id from the catalog, then its file. 0 or -1 with a message. */
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

#endif
