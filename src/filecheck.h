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

#endif
