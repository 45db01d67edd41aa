/* The helper process: work that can wait (on a lock, a disk, the network
 * or the CPU) is done here, never in loaxad's event loop, as OpenNTPD
 * gives its DNS and privileged work to other processes. Forked at
 * start-up; parent and helper speak over a SOCK_SEQPACKET socketpair, one
 * message per request and per reply, each in the kv.h form. The helper
 * does one job at a time, in order; it dies with the daemon.
 *
 * Jobs: a spool bundle (verify its signature, stage, copy and decode its
 * audio under the library lock, install: bundle_install) and the spool
 * tidied after it (bundle_spool_remove / bundle_spool_reject); the
 * amplifier's host name looked up (getaddrinfo); the schedule in force
 * copied beside the journal, flushed (its archive). The loop then only
 * journals the outcome and switches to the new schedule, or gives the
 * address to the amplifier. */
#ifndef LOAXA_HELPER_H
#define LOAXA_HELPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bundle.h"
#include "model.h"
#include "util.h"

#define HELPER_MSG_MAX 65536

struct helper;

enum helper_job { HELPER_BUNDLE = 1, HELPER_RESOLVE = 2, HELPER_ARCHIVE = 3, HELPER_VERIFY = 4 };

#define HELPER_VERIFY_MAX 100 /* files in one verify job */

/* A bundle held back by the station, not refused, is tried again after: */
#define LIBRARY_RETRY_MS 2000  /* the library locked by another program */
#define SIGCHECK_RETRY_MS 60000 /* no signature can be checked: libsodium will not load */

struct helper_reply {
	enum helper_job job;
	/* HELPER_BUNDLE */
	char name[256];                 /* the bundle's NAME */
	enum bundle_status status;
	struct bundle_result res;
	struct errlist errs, warns;
	char tidy_error[512];           /* the spool could not be tidied: why ("" = it was) */
	int64_t ms;                     /* how long the job took */
	int hold_ms;                    /* BUNDLE_WAIT held back by the station (library locked, no
					 * signature check): try again after this; 0 if not held */
	/* HELPER_RESOLVE */
	char host[256], addr[64];       /* addr "" when it did not resolve: error says why */
	char error[256];
	/* HELPER_VERIFY: the reply itself, "n", then per file i "path.i",
	 * "sha.i" ("" = unreadable), "size.i", "mtime.i", "ctime.i" (ns), "ino.i", "dev.i" */
	char *raw;
};

/* Fork the helper with its own copy of *st. NULL with a message in err. */
struct helper *helper_start(const struct station *st, char *err, size_t errn);
/* Close the socket (the helper exits when it sees that) and reap it. */
void helper_stop(struct helper *h);
/* The descriptor to poll for POLLIN (a reply, or the helper gone). */
int helper_fd(const struct helper *h);
/* Jobs sent and not answered yet. */
int helper_pending(const struct helper *h);

/* Queue a job. 0, or -1 with errno (the helper is gone). */
int helper_bundle(struct helper *h, const char *name, long long running_serial, const char *running_sha,
		  int final, int64_t now);

/* Copy the schedule file src (and src.minisig) to dst (and dst.minisig),
 * durably, unless dst already has these bytes; only if src still has
 * SHA-256 sha. The reply's error says what went wrong ("" = done). */
int helper_archive(struct helper *h, const char *src, const char *sha, const char *dst);

/* SHA-256 of each of n files (at most HELPER_VERIFY_MAX), with what
 * stat says of each when it was read. */
int helper_verify(struct helper *h, const char *const *paths, size_t n);

/* Look host up (numeric IPv4 or IPv6 address). */
int helper_resolve(struct helper *h, const char *host);

/* After POLLIN: 1 with a reply in *r (free it with helper_reply_free), 0
 * when nothing is there yet, -1 when the helper is gone (err says why). */
int helper_read(struct helper *h, struct helper_reply *r, char *err, size_t errn);
void helper_reply_free(struct helper_reply *r);

#endif
