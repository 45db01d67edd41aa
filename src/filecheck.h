/* The play-time integrity check (issue 18; docs/DESIGN.md, "A changed
 * file never airs unnoticed"): a bulletin's file is hashed in full when it
 * is first checked after a load, and again whenever its device, inode,
 * size, mtime or ctime differ from what they were when it last hashed
 * right; otherwise the check is one fstat. Any write, truncation,
 * replacement (rename, copy), touch or chmod changes one of them; ctime
 * cannot be set back from user space. One table per process (the daemon's
 * library). Not thread-safe. */
#ifndef LOAXA_FILECHECK_H
#define LOAXA_FILECHECK_H

#include <stddef.h>

/* 0 if the file at path has the SHA-256 sha256 (64 hex digits): taken on
 * trust if it is unchanged since it last hashed to that very value, hashed
 * now otherwise (*hashed = 1; hashed may be NULL). -1 with err: "file
 * missing: PATH (why)" or "checksum: PATH does not match its catalog entry
 * (changed or damaged)". The expected hash is the caller's (the catalog's,
 * or a signature's). */
int filecheck_verify(const char *path, const char *sha256, int *hashed, char *err, size_t errn);
/* The same check of a file already open (fd, a regular file; its offset
 * is moved), so that the caller plays the very file it checked. */
int filecheck_verify_fd(int fd, const char *path, const char *sha256, int *hashed, char *err,
			size_t errn);
/* Forget every file: the next check of each hashes it afresh (a library
 * reload, `bulletin verify`). */
void filecheck_forget(void);

struct stat;
/* What another process (loaxad's helper) hashed: path had the SHA-256
 * sha256 while its stat was at (unchanged over the read). Trusted on the
 * same terms as a hash made here. */
void filecheck_learn(const char *path, const char *sha256, const struct stat *at);

/* The check in two halves, so that the hashing can run off the loop
 * (issue 11): filecheck_trusted says, with one open and fstat, whether
 * the file is unchanged since it last hashed to sha256 (1), must be
 * hashed (0), or is missing (-1, err as filecheck_verify's).
 * filecheck_hash_path hashes it (any thread: it touches no table), with
 * its stat before and after the read; 0 or -1 with errno.
 * filecheck_learn_read trusts what it found, on the same terms as a hash
 * made by filecheck_verify. */
int filecheck_trusted(const char *path, const char *sha256, char *err, size_t errn);
/* filecheck_trusted of a file already open (issue 12: the descriptor that
 * will play); -1 also when it is not a regular file. */
int filecheck_trusted_fd(int fd, const char *path, const char *sha256, char *err, size_t errn);
/* 1 if fd is the file a hash read (its stat before and after the read,
 * from filecheck_hash_path), unchanged since. */
int filecheck_same_file(int fd, const struct stat *before, const struct stat *after);
int filecheck_hash_path(const char *path, char out[65], struct stat *before, struct stat *after);
/* The same of a file already open (a regular file: else EINVAL). */
int filecheck_hash_fd(int fd, char out[65], struct stat *before, struct stat *after);
void filecheck_learn_read(const char *path, const char *sha256, const struct stat *before,
			  const struct stat *after);

#endif
