/* The station's clock: see clock.h. */
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

/* Stations run for years: a 32-bit time_t would wrap in 2038. The build
 * asks for 64 bits (-D_TIME_BITS=64) on 32-bit ARM too. */
_Static_assert(sizeof(time_t) >= 8, "time_t must be 64-bit: build with -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64");

static int64_t test_offset;

static int64_t read_offset(void)
{
	const char *f = getenv("LOAXA_TEST_CLOCK_OFFSET_FILE");
	if (!f || !*f)
		return 0;
	FILE *fp = fopen(f, "r");
	long long v = 0;
	if (fp) {
		if (fscanf(fp, "%lld", &v) != 1)
			v = 0;
		fclose(fp);
	}
	return v;
}

/* Stations run for decades: a 32-bit time_t would wrap in 2038 (armhf
 * builds need -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64). */
_Static_assert(sizeof(time_t) >= 8, "loaxa needs a 64-bit time_t");

void clock_init(void)
{
	test_offset = read_offset();
}

int clock_reload_offset(void)
{
	int64_t o = read_offset();
	int changed = o != test_offset;
	test_offset = o;
	return changed;
}

int64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + test_offset * 1000000000;
}

int64_t clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec + test_offset;
}

int64_t clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int clock_synced(const struct station *st)
{
	if (!st->require_clock_sync)
		return 1;
	if (st->sync_file[0])
		return access(st->sync_file, F_OK) == 0;
	struct timex tx = {0};
	int state = adjtimex(&tx);
	return state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

int clock_timer_new(void)
{
	return timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
}

int clock_timer_at(int fd, int64_t t)
{
	struct itimerspec its = {0};
	its.it_value.tv_sec = (time_t)(t - test_offset);
	if (its.it_value.tv_sec <= 0)
		its.it_value.tv_nsec = 1;
	return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

int clock_timer_read(int fd)
{
	uint64_t n;
	ssize_t r = read(fd, &n, sizeof(n));
	if (r == sizeof(n))
		return 0;
	if (r < 0 && errno == ECANCELED)
		return 1;
	return -1;
}

int clock_mono_timer_new(void)
{
	return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

int clock_mono_timer_in(int fd, int64_t ms)
{
	struct itimerspec its = {0};
	its.it_value.tv_sec = (time_t)(ms / 1000);
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
	return timerfd_settime(fd, 0, &its, NULL);
}
