/* Issue 14: one loaxa-fetch process (src/loaxa-fetch.c), started by loaxad
 * for a bundle message from the fleet link. The message goes to its stdin
 * through a memfd (no pipe to feed from the loop, nothing on the card);
 * its stdout, one event a line, comes back through a non-blocking pipe the
 * loop polls. Nothing here waits: a child is reaped when it has exited,
 * and one cancelled is reaped later. */
#ifndef LOAXA_FETCHRUN_H
#define LOAXA_FETCHRUN_H

#include <stddef.h>
#include <sys/types.h>

struct fetchrun;

/* prog: the loaxa-fetch binary. NULL with err. */
struct fetchrun *fetchrun_start(const char *prog, const char *station_file, long long running_serial,
				const char *running_sha, const void *msg, size_t len, char *err, size_t errn);
/* The pipe to poll for POLLIN; -1 once it reached its end. */
int fetchrun_fd(const struct fetchrun *r);
/* Read what is there; cb gets each complete line (without "\n"). 1 at
 * the end of the output, else 0. */
int fetchrun_read(struct fetchrun *r, void (*cb)(void *ctx, const char *line), void *ctx);
/* Its exit status (0..255; 128+N when killed by signal N), or -1 while it runs. */
int fetchrun_status(struct fetchrun *r);
/* Its peak resident memory (KiB), once its status was read. */
long fetchrun_maxrss_kb(const struct fetchrun *r);
/* Stop it (SIGTERM) and free; it is reaped by a later fetchrun_reap_cancelled. */
void fetchrun_cancel(struct fetchrun *r);
/* Reap children cancelled earlier that have exited; how many still run. */
int fetchrun_reap_cancelled(void);
/* Free a child whose status was read. */
void fetchrun_free(struct fetchrun *r);

#endif
