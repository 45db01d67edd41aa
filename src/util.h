/* Small helpers shared by every module: logging with journald priority
 * prefixes, bounded string copies, hex and SHA-256 helpers, error lists. */
#ifndef LOAXA_UTIL_H
#define LOAXA_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Logging to stderr with "<N>" prefixes so journald keeps the level. */
void log_init(const char *progname, int verbose);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* appends strerror(errno) */
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy at most n-1 bytes and NUL-terminate; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t n);
/* 1 if s is a safe identifier: [A-Za-z0-9._-], 1..63 chars, not starting with '.'. */
int id_valid(const char *s);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void hex_encode(const uint8_t *in, size_t n, char *out);
/* Parse exactly 2n hex digits; 0 or -1. */
int hex_decode(const char *in, uint8_t *out, size_t n);

/* SHA-256 of a whole file, as 64 hex chars + NUL. 0, or -1 with errno
 * (EINVAL: not a regular file; a FIFO never blocks). */
int sha256_file(const char *path, char out[65]);
/* The same, refusing (EFBIG) a file of more than max bytes, before or
 * while reading it, and (ELOOP) a symbolic link when no_symlinks. */
int sha256_file_max(const char *path, int64_t max, int no_symlinks, char out[65]);
struct stat;
/* Open a file for reading that must be a regular file: O_NONBLOCK (a FIFO
 * cannot hang the caller), O_NOFOLLOW when no_symlinks, then fstat. The
 * descriptor (its stat in *sb when not NULL), or -1 with errno (EINVAL:
 * not a regular file; ELOOP: a symbolic link). */
int open_regular(const char *path, int no_symlinks, struct stat *sb);

/* A growable list of "file:line: what is wrong" messages: msg[i] in the
 * user's language, en[i] the same in English for what never changes with
 * the language (journal records, control replies, protocol fields).
 * errlist_add formats fmt as given for en and as gettext(fmt) for msg, so
 * fmt is given untranslated (xgettext keyword errlist_add:2). */
struct errlist {
	char **msg;
	char **en;
	size_t n, cap;
};
void errlist_add(struct errlist *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a message already written in both (en, msg). */
void errlist_put(struct errlist *e, const char *en, const char *msg);
void errlist_free(struct errlist *e);

/* Join dir and a relative path (absolute paths are returned as is). */
int path_resolve(const char *base_dir, const char *path, char *out, size_t n);
/* Remove "." and "dir/.." components in place (lexically). */
void path_normalize(char *path);
/* Directory part of path into out ("." when none). */
void path_dirname(const char *path, char *out, size_t n);
/* mkdir -p with mode; 0 or -1. */
int mkdir_p(const char *path, unsigned mode);
/* fsync the directory holding path. */
int fsync_dir_of(const char *path);
/* Read a whole regular file of at most max bytes into a malloc'd,
 * NUL-terminated *buf. 0, or -1 with errno (EFBIG: larger than max;
 * EINVAL: not a regular file; ELOOP with no_symlinks: a symbolic link). */
int read_file_all(const char *path, size_t max, int no_symlinks, char **buf, size_t *len);
/* Write data to path atomically: temp file, fsync, rename, fsync dir. */
int write_file_atomic(const char *path, const void *data, size_t len);

void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

#endif
