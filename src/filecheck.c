/* The play-time integrity check: see filecheck.h. */
#include "filecheck.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "model.h"
#include "util.h"

struct seen {
	char *path;
	char sha256[65];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static struct seen *tab;
static size_t ntab, captab;

static int same_stat(const struct seen *s, const struct stat *sb)
{
	return s->dev == sb->st_dev && s->ino == sb->st_ino && s->size == sb->st_size &&
	       s->mtime.tv_sec == sb->st_mtim.tv_sec && s->mtime.tv_nsec == sb->st_mtim.tv_nsec &&
	       s->ctime.tv_sec == sb->st_ctim.tv_sec && s->ctime.tv_nsec == sb->st_ctim.tv_nsec;
}

static struct seen *find(const char *path)
{
	for (size_t i = 0; i < ntab; i++)
		if (!strcmp(tab[i].path, path))
			return &tab[i];
	return NULL;
}

static void drop(struct seen *s)
{
	free(s->path);
	*s = tab[--ntab];
}

void filecheck_forget(void)
{
	while (ntab)
		drop(&tab[0]);
	free(tab);
	tab = NULL;
	captab = 0;
}

/* SHA-256 of the whole of fd, as hex; its offset is left alone (pread),
 * since a dup of it may be another thread's. 0 or -1 with errno. */
static int hash_fd(int fd, char out[65])
{
	struct sha256_ctx st;
	sha256_init(&st);
	unsigned char buf[1 << 14]; /* on the stack: no 64 KiB kept resident */
	for (off_t off = 0;;) {
		ssize_t r = pread(fd, buf, sizeof(buf), off);
		if (r > 0)
			off += r;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		sha256_update(&st, buf, r);
	}
	unsigned char h[SHA256_LEN];
	sha256_final(&st, h);
	hex_encode(h, sizeof(h), out);
	return 0;
}

/* Trust path as hashing to sum from now on, if nothing changed while it
 * was read (before, after) and its times are a second older than now. */
static void remember(const char *path, const char *sum, const struct stat *before, const struct stat *after)
{
	struct seen n = {.dev = before->st_dev, .ino = before->st_ino, .size = before->st_size,
			 .mtime = before->st_mtim, .ctime = before->st_ctim};
	if (!same_stat(&n, after))
		return;
	/* A change within the file system's timestamp tick of the last one
	 * would leave mtime and ctime as they are: only a file whose times
	 * are a second older than now is trusted (racy-git's rule). A clock
	 * set back only makes files look new, which hashes them again. */
	int64_t t = (int64_t)after->st_ctim.tv_sec * 1000000000 + after->st_ctim.tv_nsec;
	int64_t m = (int64_t)after->st_mtim.tv_sec * 1000000000 + after->st_mtim.tv_nsec;
	if ((m > t ? m : t) > clock_now_ns() - 1000000000)
		return;
	struct seen *old = find(path);
	if (old)
		drop(old);
	if (ntab == captab) {
		captab = captab ? 2 * captab : 16;
		tab = xrealloc(tab, captab * sizeof(*tab));
	}
	n.path = xstrdup(path);
	str_copy(n.sha256, sum, sizeof(n.sha256));
	tab[ntab++] = n;
}

void filecheck_learn(const char *path, const char *sha256, const struct stat *at)
{
	remember(path, sha256, at, at);
}

void filecheck_learn_read(const char *path, const char *sha256, const struct stat *before,
			  const struct stat *after)
{
	remember(path, sha256, before, after);
}

int filecheck_hash_path(const char *path, char out[65], struct stat *before, struct stat *after)
{
	int fd = open_regular(path, 0, before);
	if (fd < 0)
		return -1;
	int rc = hash_fd(fd, out);
	if (rc == 0 && fstat(fd, after) < 0)
		rc = -1;
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

int filecheck_hash_fd(int fd, char out[65], struct stat *before, struct stat *after)
{
	if (fstat(fd, before) < 0)
		return -1;
	if (!S_ISREG(before->st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if (hash_fd(fd, out) < 0 || fstat(fd, after) < 0)
		return -1;
	return 0;
}

int filecheck_trusted(const char *path, const char *sha256, char *err, size_t errn)
{
	struct stat sb;
	int fd = open_regular(path, 0, &sb);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errn, "file missing: %s (%s)", path, e == EINVAL ? "not a plain file" : strerror(e));
		return -1;
	}
	close(fd);
	struct seen *s = find(path);
	return s && !strcmp(s->sha256, sha256) && same_stat(s, &sb);
}

int filecheck_trusted_fd(int fd, const char *path, const char *sha256, char *err, size_t errn)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		snprintf(err, errn, "file missing: %s (%s)", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errn, "file missing: %s (not a plain file)", path);
		return -1;
	}
	struct seen *s = find(path);
	return s && !strcmp(s->sha256, sha256) && same_stat(s, &sb);
}

int filecheck_same_file(int fd, const struct stat *before, const struct stat *after)
{
	struct stat sb;
	struct seen n = {.dev = before->st_dev, .ino = before->st_ino, .size = before->st_size,
			 .mtime = before->st_mtim, .ctime = before->st_ctim};
	return fstat(fd, &sb) == 0 && same_stat(&n, after) && same_stat(&n, &sb);
}

int filecheck_verify(const char *path, const char *sha256, int *hashed, char *err, size_t errn)
{
	/* Never blocks: a FIFO or device put in a bulletin's place is refused. */
	int fd = open_regular(path, 0, NULL);
	if (fd < 0) {
		int e = errno;
		if (hashed)
			*hashed = 0;
		snprintf(err, errn, "file missing: %s (%s)", path, e == EINVAL ? "not a plain file" : strerror(e));
		return -1;
	}
	int rc = filecheck_verify_fd(fd, path, sha256, hashed, err, errn);
	close(fd);
	return rc;
}

int filecheck_verify_fd(int fd, const char *path, const char *sha256, int *hashed, char *err,
			size_t errn)
{
	if (hashed)
		*hashed = 0;
	struct stat before, after;
	if (fstat(fd, &before) < 0) {
		snprintf(err, errn, "file missing: %s (%s)", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(before.st_mode)) {
		snprintf(err, errn, "file missing: %s (not a plain file)", path);
		return -1;
	}
	struct seen *s = find(path);
	if (s && !strcmp(s->sha256, sha256) && same_stat(s, &before))
		return 0;
	if (s)
		drop(s); /* changed, or asked for another hash: it earns trust again */
	char sum[65];
	int rc = hash_fd(fd, sum);
	int e = errno;
	if (rc == 0 && fstat(fd, &after) < 0)
		rc = -1, e = errno;
	if (hashed)
		*hashed = 1;
	log_debug("hashed %s in full", path);
	if (rc < 0) {
		snprintf(err, errn, "file missing: %s (%s)", path, strerror(e));
		return -1;
	}
	if (strcmp(sum, sha256)) {
		snprintf(err, errn, "checksum: %s does not match its catalog entry (changed or damaged)", path);
		return -1;
	}
	remember(path, sum, &before, &after);
	return 0;
}
