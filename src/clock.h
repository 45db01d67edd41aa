/* The station's clock: the only module that reads the time or asks the
 * kernel whether it is synchronised. Tests may shift the wall clock the
 * daemon sees by a whole number of seconds (LOAXA_TEST_CLOCK_OFFSET_FILE,
 * re-read on SIGUSR2 as if the clock had been stepped). */
#ifndef LOAXA_CLOCK_H
#define LOAXA_CLOCK_H

#include <stdint.h>

#include "model.h"

void clock_init(void);            /* reads the test offset, if any */
int clock_reload_offset(void);    /* re-read it; 1 if it changed */
int64_t clock_now(void);          /* wall clock, seconds since the epoch */
int64_t clock_now_ns(void);       /* wall clock, nanoseconds */
int64_t clock_mono_ns(void);      /* monotonic, nanoseconds */

/* 1 when the station may trust the wall clock: require_sync off, or
 * sync_file exists, or adjtimex reports it synchronised. */
int clock_synced(const struct station *st);

/* A CLOCK_REALTIME timerfd whose expiry is cancelled when the clock is set. */
int clock_timer_new(void);
/* Arm it for wall-clock instant t (seconds); 0 or -1/errno. */
int clock_timer_at(int fd, int64_t t);
/* After poll says readable: 0 = expired, 1 = the clock was set (re-plan), -1 = spurious. */
int clock_timer_read(int fd);

/* A monotonic timerfd, armed after ms milliseconds (0 disarms). */
int clock_mono_timer_new(void);
int clock_mono_timer_in(int fd, int64_t ms);

#endif
