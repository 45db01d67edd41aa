/* LD_PRELOAD shim for tests/it/slowflush.sh: a card that takes seconds to
 * flush. The next N fdatasync()/fsync() calls on descriptors whose path
 * contains $LOAXA_SHIM_MATCH (N read from, and counted down in, the file
 * $LOAXA_SHIM_SLOW_FILE) first sleep $LOAXA_SHIM_SLOW_MS. Each slow call
 * appends "begin" and "end" lines (with whether it ran on the process's
 * main thread) to $LOAXA_SHIM_SLOW_FILE.log. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int watched(int fd)
{
	const char *match = getenv("LOAXA_SHIM_MATCH");
	if (!match || !*match)
		return 0;
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return strstr(path, match) != NULL;
}

/* 1 when this call is to be slow (and one fewer is left). */
static int take_slow(void)
{
	const char *f = getenv("LOAXA_SHIM_SLOW_FILE");
	if (!f)
		return 0;
	pthread_mutex_lock(&mu);
	int slow = 0;
	FILE *in = fopen(f, "r");
	long left = 0;
	if (in) {
		if (fscanf(in, "%ld", &left) != 1)
			left = 0;
		fclose(in);
	}
	if (left > 0) {
		FILE *out = fopen(f, "w");
		if (out) {
			fprintf(out, "%ld\n", left - 1);
			fclose(out);
		}
		slow = 1;
	}
	pthread_mutex_unlock(&mu);
	return slow;
}

static void note(const char *what)
{
	const char *f = getenv("LOAXA_SHIM_SLOW_FILE");
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s.log", f);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	FILE *o = fopen(p, "a");
	if (o) {
		fprintf(o, "%s %lld.%03ld %s\n", what, (long long)ts.tv_sec, ts.tv_nsec / 1000000,
			syscall(SYS_gettid) == getpid() ? "main" : "thread");
		fclose(o);
	}
}

static void maybe_slow(int fd)
{
	if (!watched(fd) || !take_slow())
		return;
	const char *ms = getenv("LOAXA_SHIM_SLOW_MS");
	long m = ms ? atol(ms) : 3000;
	note("begin");
	struct timespec d = {m / 1000, (m % 1000) * 1000000L};
	while (nanosleep(&d, &d) < 0)
		;
	note("end");
}

#define WRAP0(name)                                                 \
	int name(int fd)                                            \
	{                                                           \
		static int (*real)(int);                            \
		if (!real)                                          \
			real = (int (*)(int))dlsym(RTLD_NEXT, #name); \
		maybe_slow(fd);                                     \
		return real(fd);                                    \
	}

WRAP0(fsync)
WRAP0(fdatasync)
