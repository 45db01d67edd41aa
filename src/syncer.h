/* Worker threads of the event loop (issue 11): one slow job at a time,
 * its end signalled on a descriptor the loop polls, so that the loop never
 * waits on the card. loaxad runs two: the journal's flusher (fdatasync of
 * every record but a broadcast's `start`; whatever is written while a
 * flush runs is grouped into the next) and the play-time hasher (a
 * bulletin file not known unchanged since it last hashed right is hashed
 * before it plays, while the amplifier is switched on). */
#ifndef LOAXA_SYNCER_H
#define LOAXA_SYNCER_H

#include <stdint.h>
#include <sys/stat.h>

struct syncer;

/* NULL with errno when its descriptor cannot be made. The thread starts
 * with the first job (should it not start, that job runs in the caller). */
struct syncer *syncer_new(void);
/* Waits for a job in progress to end, then stops the thread. */
void syncer_free(struct syncer *s);
/* Readable when a job has ended: then call syncer_result. */
int syncer_fd(const struct syncer *s);
/* 1 while a job is running or its result has not been taken. */
int syncer_busy(const struct syncer *s);
/* fdatasync(fd) on the thread, which then closes fd (the caller hands a
 * dup). ticket comes back with the result. 0, or -1 (EBUSY) when busy. */
int syncer_submit(struct syncer *s, int fd, uint64_t ticket);
/* SHA-256 of the regular file open on fd (filecheck_hash_fd) on the
 * thread, which then closes fd (the caller hands a dup), likewise. */
int syncer_submit_hash(struct syncer *s, int fd, uint64_t ticket);

struct syncer_hash {
	char sha256[65];
	struct stat before, after;
};
/* The ended job: 1 with its ticket and errno (0 = done: durable, or
 * hashed into *h when h is not NULL), 0 when none has ended. */
int syncer_result(struct syncer *s, uint64_t *ticket, int *err);
int syncer_result_hash(struct syncer *s, uint64_t *ticket, int *err, struct syncer_hash *h);

#endif
