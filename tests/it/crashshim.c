/* LD_PRELOAD shim for the recovery torture test (tests/it/recovery.sh):
 * kills the process with SIGKILL at one chosen instant of its file I/O,
 * as a power cut would stop it. Only calls on descriptors whose path
 * contains $LOAXA_SHIM_MATCH count. Each such write(), ftruncate(),
 * fsync() or fdatasync() has two kill points: 2k-1 "inside" (a write
 * puts half its bytes down first; the others have not acted yet) and 2k
 * "just after". $LOAXA_SHIM_KILL_AT picks one (1-based); the number of
 * points passed is appended to $LOAXA_SHIM_COUNT_FILE at exit, if set. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim_fd.h"

static long kill_at = -1, point;
static const char *match;

__attribute__((constructor)) static void shim_init(void)
{
	const char *k = getenv("LOAXA_SHIM_KILL_AT");
	kill_at = k ? atol(k) : -1;
	match = getenv("LOAXA_SHIM_MATCH");
}

static int watched(int fd)
{
	return fd_path_has(fd, match);
}

/* 1 when this point is the one to die at. */
static int here(void)
{
	return ++point == kill_at;
}

static void die(void)
{
	raise(SIGKILL);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (!watched(fd))
		return real(fd, buf, n);
	if (here()) {
		if (n > 1)
			real(fd, buf, n / 2);
		die();
	}
	ssize_t r = real(fd, buf, n);
	if (here())
		die();
	return r;
}

#define WRAP1(name, type)                                               \
	int name(int fd, type a)                                        \
	{                                                               \
		static int (*real)(int, type);                          \
		if (!real)                                              \
			real = (int (*)(int, type))dlsym(RTLD_NEXT, #name); \
		if (!watched(fd))                                       \
			return real(fd, a);                             \
		if (here())                                             \
			die();                                          \
		int r = real(fd, a);                                    \
		if (here())                                             \
			die();                                          \
		return r;                                               \
	}

WRAP1(ftruncate, off_t)

#define WRAP0(name)                                                 \
	int name(int fd)                                            \
	{                                                           \
		static int (*real)(int);                            \
		if (!real)                                          \
			real = (int (*)(int))dlsym(RTLD_NEXT, #name); \
		if (!watched(fd))                                   \
			return real(fd);                            \
		if (here())                                         \
			die();                                      \
		int r = real(fd);                                   \
		if (here())                                         \
			die();                                      \
		return r;                                           \
	}

WRAP0(fsync)
WRAP0(fdatasync)

__attribute__((destructor)) static void shim_fini(void)
{
	const char *f = getenv("LOAXA_SHIM_COUNT_FILE");
	if (f) {
		FILE *o = fopen(f, "a");
		if (o) {
			fprintf(o, "%ld\n", point);
			fclose(o);
		}
	}
}
