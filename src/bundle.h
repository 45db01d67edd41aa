/* The push bundle: a schedule signed by the department that names the
 * audio files it needs with their SHA-256 (its `files` section), plus
 * NAME.conf.minisig; see docs/PUSH.md. Verification (minisign.c), parsing
 * (config.c), validation (validate.c), the serial check, and the install
 * of schedule and audio together or not at all; the spool side: a refused
 * bundle goes to SPOOL/rejected/ beside NAME.why, an installed one is
 * removed. Used by loaxad (the spool) and loaxactl (schedule install and
 * verify), so both apply the same checks. */
#ifndef LOAXA_BUNDLE_H
#define LOAXA_BUNDLE_H

#include <stdint.h>

#include "config.h"
#include "minisign.h"
#include "model.h"
#include "util.h"

#define BUNDLE_CONF_MAX (1 << 20) /* a schedule larger than 1 MiB is refused */
#define BUNDLE_UNSIGNED "unsigned"
#define BUNDLE_SERIAL_FILE "serial-high" /* in paths.state: the highest serial ever installed */

struct bundle_file;

enum bundle_status {
	BUNDLE_OK,       /* installed (a dry run: would be) */
	BUNDLE_SAME,     /* this very schedule is the one in force: nothing to do */
	BUNDLE_WAIT,     /* audio files missing or still short: look again later (errs says which) */
	BUNDLE_REJECTED, /* refused: every reason in errs, the first one the main one */
};

struct bundle_request {
	const char *conf;          /* the schedule file */
	const char *sig;           /* its .minisig; NULL = unsigned (an operator's --unsigned) */
	const char *audio_dir;     /* where the files it names are; NULL = the schedule's folder */
	long long running_serial;  /* the new serial must be greater (and than the installed file's) */
	const char *running_sha;   /* SHA-256 of the schedule in force; NULL or "" = none */
	int final;                 /* files still missing or short are a rejection, not a wait */
	int dry_run;               /* check everything, change nothing (loaxactl schedule verify) */
	int no_symlinks;           /* refuse symbolic links (the spool) */
	int short_names;           /* messages name files without their folder (the spool) */
	int64_t now;               /* "added at" of the new bulletins */
};

struct bundle_result {
	long long serial;                         /* 0 until the schedule was read */
	char sha256[65];                          /* of the schedule's bytes */
	char signer[MINISIGN_KEYID_HEX + 16];     /* key id, or BUNDLE_UNSIGNED */
	char comment[MINISIGN_COMMENT_MAX + 1];   /* trusted comment; "" when unsigned */
	size_t ncampaigns, nslots;
	size_t nfiles;                            /* audio files the schedule names */
	size_t ncopied;                           /* ... new to the library (copied in) */
};

/* Verify, validate and (unless rq->dry_run) install a bundle: the audio
 * files into the library and its catalog, NAME.minisig beside the station's
 * schedule (removed when unsigned), then the schedule renamed into place,
 * last, so that a power cut at any point leaves either the old schedule in
 * force or the new one complete. Takes the library's lock while it works.
 * Warnings (e.g. damaged spots skipped) go to warns. */
enum bundle_status bundle_install(const struct station *st, const struct bundle_request *rq,
				  struct bundle_result *res, struct errlist *errs,
				  struct errlist *warns);

/* Issue 14: the checks a bundle message from the fleet link passes
 * before any audio is fetched, on the schedule's and signature's bytes in
 * memory, in the order of bundle_install: a trusted signature, the
 * schedule parses, names this station, and its serial is greater than
 * running_serial, the installed schedule's and serial-high. Then its
 * files section into *files (malloc'd, free it). BUNDLE_OK, BUNDLE_SAME
 * (this schedule is the one in force), or BUNDLE_REJECTED with the reasons
 * in errs (the same words as bundle_install). */
enum bundle_status bundle_precheck(const struct station *st, const char *name, const char *conf, size_t clen,
				   const char *sig, size_t slen, long long running_serial,
				   const char *running_sha, struct bundle_result *res,
				   struct bundle_file **files, size_t *nfiles, struct errlist *errs);

/* Who signed the schedule file at path, by its PATH.minisig and the
 * station's trusted keys: 1 and the key id in signer (and the trusted
 * comment), or 0 and BUNDLE_UNSIGNED with the reason in note (no
 * signature file, no trusted key, does not verify). sha256: when not NULL,
 * the bytes checked must have this SHA-256 (else 0, "changed meanwhile"). */
int bundle_signer(const struct station *st, const char *path, const char *sha256, char *signer,
		  size_t sn, char *comment, size_t cn, char *note, size_t nn);

/* 1 if the station's trust.revoked lists keyid (as minisign prints it):
 * a bundle it signed is refused, even when the key is still in trust.keys. */
int bundle_key_revoked(const struct station *st, const char *keyid);

/* The highest serial ever installed at this station, kept on its own in
 * STATE/serial-high (0 when none). A schedule is installed only with a
 * greater serial than this, than the schedule file's and than the
 * journal's, so neither a lost schedule file nor a journal scan window
 * lets an old one in again. */
long long bundle_serial_high(const struct station *st);
/* Raise it to serial (never lowers it); written atomically. 0 or -1. */
int bundle_serial_raise(const struct station *st, long long serial);

/* Before signing (loaxactl schedule check, bundle make): each entry of a
 * files section against the file beside the schedule in audio_dir:
 * present, a plain file, its size, its SHA-256, bulletin add's checks, and
 * not an id the library (cat, may be NULL) holds with other content. name:
 * the schedule as messages call it. Every problem goes to errs; the
 * bulletins the entries without problems would add are appended to add
 * (room for nfiles more). Returns the number of entries with problems. */
size_t bundle_check_files(const struct station *st, const char *name, const struct bundle_file *files,
			  size_t nfiles, const char *audio_dir, const struct catalog *cat, int64_t now,
			  struct bulletin *add, size_t *nadd, struct errlist *errs, struct errlist *warns);

/* Spool side. name: the bundle's NAME (of NAME.conf). Nothing of a spool
 * file is parsed before its signature verifies with a trusted key. */

/* Move NAME.conf, NAME.conf.minisig and the audio files it names (those
 * no other bundle in the spool names) into SPOOL/rejected/, after writing
 * SPOOL/rejected/NAME.why: when, which schedule and signer, and every
 * reason in why. 0, or -1 with a message in err. */
int bundle_spool_reject(const struct station *st, const char *name, const struct bundle_result *res,
			const struct errlist *why, int64_t now, char *err, size_t errn);

/* Remove an installed bundle's files from the spool (audio no other
 * bundle names, then the schedule and its signature). */
void bundle_spool_remove(const struct station *st, const char *name);

/* Remove what an interrupted install left (hidden copies in the library,
 * a staged schedule), unless the process that made it still runs. */
void bundle_clean_staged(const struct station *st);

#endif
