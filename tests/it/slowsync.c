/* LD_PRELOAD shim for tests/it/slowflush.sh and playhash.sh: a card that
 * takes seconds to flush or to read. The next N fdatasync()/fsync() calls
 * on descriptors whose path contains $LOAXA_SHIM_MATCH (N read from, and
 * counted down in, the file $LOAXA_SHIM_SLOW_FILE) first sleep
 * $LOAXA_SHIM_SLOW_MS; likewise the next N read()/pread() calls on descriptors
 * whose path contains $LOAXA_SHIM_READ_MATCH, N in
 * $LOAXA_SHIM_SLOW_READ_FILE. Each slow call appends "begin" and "end"
 * lines (with whether it ran on the process's main thread) to that
 * file's name + ".log". */
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

#include "shim_fd.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int watched_by(int fd, const char *var)
{
	return fd_path_has(fd, getenv(var));
}

/* 1 when this call is to be slow (and one fewer is left). */
static int take_slow(const char *f)
{
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

static void note(const char *f, const char *what)
{
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

static void maybe_slow_by(int fd, const char *match_var, const char *file_var)
{
	const char *f = getenv(file_var);
	if (!f || !watched_by(fd, match_var) || !take_slow(f))
		return;
	const char *ms = getenv("LOAXA_SHIM_SLOW_MS");
	long m = ms ? atol(ms) : 3000;
	note(f, "begin");
	struct timespec d = {m / 1000, (m % 1000) * 1000000L};
	while (nanosleep(&d, &d) < 0)
		;
	note(f, "end");
}

static void maybe_slow(int fd)
{
	maybe_slow_by(fd, "LOAXA_SHIM_MATCH", "LOAXA_SHIM_SLOW_FILE");
}

ssize_t read(int fd, void *buf, size_t n)
{
	static ssize_t (*real)(int, void *, size_t);
	if (!real)
		real = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	if (getenv("LOAXA_SHIM_SLOW_READ_FILE"))
		maybe_slow_by(fd, "LOAXA_SHIM_READ_MATCH", "LOAXA_SHIM_SLOW_READ_FILE");
	return real(fd, buf, n);
}

/* The play-time hash reads with pread (its offset is shared with the
 * descriptor that plays); pread64 is the same call under large-file
 * builds. */
#define WRAP_PREAD(name)                                                              \
	ssize_t name(int fd, void *buf, size_t n, off_t off)                              \
	{                                                                                 \
		static ssize_t (*real)(int, void *, size_t, off_t);                       \
		if (!real)                                                                \
			real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, #name); \
		if (getenv("LOAXA_SHIM_SLOW_READ_FILE"))                                  \
			maybe_slow_by(fd, "LOAXA_SHIM_READ_MATCH", "LOAXA_SHIM_SLOW_READ_FILE");  \
		return real(fd, buf, n, off);                                             \
	}
WRAP_PREAD(pread)
WRAP_PREAD(pread64)

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
