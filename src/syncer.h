/* The journal's flusher (issue 11): fdatasync on a thread of its own, so
 * that records which need not be durable before the loop goes on (every
 * one but a broadcast's `start`) never make the loop wait on the card.
 * One flush at a time; its end is signalled on a descriptor the event
 * loop polls. Whatever is written while a flush runs is grouped into the
 * next one. */
#ifndef LOAXA_SYNCER_H
#define LOAXA_SYNCER_H

#include <stdint.h>

struct syncer;

/* NULL with errno when the thread or its descriptor cannot be made. */
struct syncer *syncer_new(void);
/* Waits for a flush in progress to end, then stops the thread. */
void syncer_free(struct syncer *s);
/* Readable when a flush has ended: then call syncer_result. */
int syncer_fd(const struct syncer *s);
/* 1 while a flush is running or its result has not been taken. */
int syncer_busy(const struct syncer *s);
/* fdatasync(fd) on the thread, which then closes fd (the caller hands a
 * dup). ticket comes back with the result. 0, or -1 (EBUSY) when busy. */
int syncer_submit(struct syncer *s, int fd, uint64_t ticket);
/* The ended flush: 1 with its ticket and errno (0 = durable), 0 when
 * none has ended. */
int syncer_result(struct syncer *s, uint64_t *ticket, int *err);

#endif
