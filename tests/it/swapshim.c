/* LD_PRELOAD shim for tests/it/playswap.sh (issue 12): right after the
 * process that loaded it (not a child it forks) first opens
 * $LOAXA_SWAP_PATH, renames $LOAXA_SWAP_FIFO over that path, as someone
 * with write access to the library could between loaxad's check of a
 * bulletin and its playing; then creates $LOAXA_SWAP_DONE. Every later
 * open of the path by name meets the FIFO (and a blocking open of it would
 * hang: nobody writes to it). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static const char *swap_path, *swap_fifo, *swap_done;
static pid_t owner;
static int swapped;

__attribute__((constructor)) static void shim_init(void)
{
	swap_path = getenv("LOAXA_SWAP_PATH");
	swap_fifo = getenv("LOAXA_SWAP_FIFO");
	swap_done = getenv("LOAXA_SWAP_DONE");
	owner = getpid();
}

static void after_open(const char *path, int fd)
{
	if (fd < 0 || swapped || !swap_path || !swap_fifo || !path || strcmp(path, swap_path) ||
	    getpid() != owner)
		return;
	swapped = 1;
	if (rename(swap_fifo, swap_path) == 0 && swap_done) {
		FILE *f = fopen(swap_done, "w");
		if (f)
			fclose(f);
	}
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

#define WRAP_OPEN(name)                                                       \
	int name(const char *path, int flags, ...)                            \
	{                                                                     \
		static int (*real)(const char *, int, ...);                   \
		if (!real)                                                    \
			real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name); \
		va_list ap;                                                   \
		va_start(ap, flags);                                          \
		mode_t m = mode_arg(flags, ap);                               \
		va_end(ap);                                                   \
		int fd = real(path, flags, m);                                \
		after_open(path, fd);                                         \
		return fd;                                                    \
	}
WRAP_OPEN(open)
WRAP_OPEN(open64)

#define WRAP_OPENAT(name)                                                     \
	int name(int dir, const char *path, int flags, ...)                   \
	{                                                                     \
		static int (*real)(int, const char *, int, ...);              \
		if (!real)                                                    \
			real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, #name); \
		va_list ap;                                                   \
		va_start(ap, flags);                                          \
		mode_t m = mode_arg(flags, ap);                               \
		va_end(ap);                                                   \
		int fd = real(dir, path, flags, m);                           \
		after_open(path, fd);                                         \
		return fd;                                                    \
	}
WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)

/* _FORTIFY_SOURCE's checked forms, which callers with flags not known at
 * compile time reach instead of open(). */
int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
	static int (*real)(const char *, int);
	if (!real)
		real = (int (*)(const char *, int))dlsym(RTLD_NEXT, "__open_2");
	int fd = real(path, flags);
	after_open(path, fd);
	return fd;
}
int __open64_2(const char *path, int flags);
int __open64_2(const char *path, int flags)
{
	static int (*real)(const char *, int);
	if (!real)
		real = (int (*)(const char *, int))dlsym(RTLD_NEXT, "__open64_2");
	int fd = real(path, flags);
	after_open(path, fd);
	return fd;
}
