/* Unit tests for filecheck.c: the play-time integrity check hashes a file
 * the first time, trusts it while its inode, size and times stay, and
 * hashes it again after any change (content, touch, replacement). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "filecheck.h"
#include "syncer.h"
#include "util.h"

#include <poll.h>

/* qemu-user 7.2 hangs in pthread_create on current kernels: make
 * test-arm64 (LOAXA_NO_FORK=1) skips what needs a second thread. */
static int no_threads(void)
{
	const char *nf = getenv("LOAXA_NO_FORK");
	return nf && *nf == '1';
}

static char dir[64], path[128], offset_file[128];

static void put(const char *p, const char *content)
{
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

/* The clock the check sees: files written now look `ahead` seconds old. */
static void clock_ahead(long ahead)
{
	char v[32];
	snprintf(v, sizeof(v), "%ld\n", ahead);
	put(offset_file, v);
	clock_reload_offset();
}

static int setup(void **state)
{
	str_copy(dir, "/tmp/loaxa-filecheck.XXXXXX", sizeof(dir));
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/tin.mp3", dir);
	snprintf(offset_file, sizeof(offset_file), "%s/offset", dir);
	setenv("LOAXA_TEST_CLOCK_OFFSET_FILE", offset_file, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	filecheck_forget();
	return system(cmd);
}

/* sha256 of "abc" and of "abd" */
#define H_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define H_ABD "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9"

static void test_hash_once_then_trust(void **state)
{
	char err[512];
	int hashed;
	put(path, "abc");
	clock_ahead(10);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 1);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 0);

	/* same size, new bytes, mtime put back: ctime still moved */
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "d", 1, 2), 1);
	struct timespec ts[2] = {sb.st_atim, sb.st_mtim};
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
	clock_ahead(20);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), -1);
	assert_int_equal(hashed, 1);
	assert_non_null(strstr(err, "checksum: "));
	assert_non_null(strstr(err, "does not match its catalog entry"));
	/* a failure is never trusted: asked again, it hashes again */
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), -1);
	assert_int_equal(hashed, 1);
	/* the hash the caller expects is part of the trust */
	assert_int_equal(filecheck_verify(path, H_ABD, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 1);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), -1);
	assert_int_equal(hashed, 1);
	filecheck_forget();
}

static void test_replaced_touched_missing(void **state)
{
	char err[512], other[160];
	int hashed;
	put(path, "abc");
	clock_ahead(10);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 0);
	/* replaced by a rename: another inode, hashed again (same bytes: fine) */
	snprintf(other, sizeof(other), "%s/new", dir);
	put(other, "abc");
	assert_int_equal(rename(other, path), 0);
	clock_ahead(20);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 1);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 0);
	/* touched: times moved, hashed again */
	assert_int_equal(utimensat(AT_FDCWD, path, NULL, 0), 0);
	clock_ahead(30);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 1);
	/* a load forgets */
	filecheck_forget();
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 1);
	/* gone */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "file missing: "));
	assert_non_null(strstr(err, "No such file"));
	filecheck_forget();
}

static void test_fresh_file_not_trusted(void **state)
{
	/* written within the last second (the file system's clock tick could
	 * hide a second write): hashed every time until it is older */
	char err[512];
	int hashed;
	put(path, "abc");
	clock_ahead(0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
		assert_int_equal(hashed, 1);
	}
	clock_ahead(5);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 1);
	assert_int_equal(filecheck_verify(path, H_ABC, &hashed, err, sizeof(err)), 0);
	assert_int_equal(hashed, 0);
	filecheck_forget();
}

static int threads(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* The hasher's answer, once it comes (within 10 s): its ticket, error
 * and hash. */
static void await_hash(struct syncer *s, uint64_t *t, int *e, struct syncer_hash *h)
{
	struct pollfd p = {syncer_fd(s), POLLIN, 0};
	assert_int_equal(poll(&p, 1, 10000), 1);
	*e = -1;
	assert_int_equal(syncer_result_hash(s, t, e, h), 1);
}

/* issue 18: a syncer's thread starts with its first job, and one never
 * used is freed without one. */
static void test_thread_starts_with_first_job(void **state)
{
	if (no_threads())
		skip();
	(void)state;
	int before = threads();
	assert_true(before >= 1);
	struct syncer *idle = syncer_new(), *s = syncer_new();
	assert_non_null(idle);
	assert_non_null(s);
	assert_int_equal(threads(), before);
	put(path, "abc");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(syncer_submit_hash(s, fd, 3), 0);
	assert_int_equal(threads(), before + 1);
	uint64_t t;
	int e;
	struct syncer_hash h;
	await_hash(s, &t, &e, &h);
	assert_true(t == 3);
	assert_int_equal(e, 0);
	assert_string_equal(h.sha256, H_ABC);
	syncer_free(idle);
	syncer_free(s);
	assert_int_equal(threads(), before);
}

/* The check in two halves (issue 11): trusted or not with one fstat, the
 * hash made on the hasher thread, then trusted as a hash made here. */
static void test_trusted_and_hashed_off_thread(void **state)
{
	if (no_threads())
		skip();
	char err[512];
	put(path, "abc");
	clock_ahead(10);
	assert_int_equal(filecheck_trusted(path, H_ABC, err, sizeof(err)), 0); /* never hashed */
	struct syncer *s = syncer_new();
	assert_non_null(s);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(filecheck_trusted_fd(fd, path, H_ABC, err, sizeof(err)), 0);
	assert_int_equal(syncer_submit_hash(s, dup(fd), 7), 0); /* the thread closes its dup */
	int spare = dup(fd);
	assert_int_equal(syncer_submit_hash(s, spare, 8), -1); /* one at a time */
	close(spare);
	uint64_t t;
	int e;
	struct syncer_hash h;
	await_hash(s, &t, &e, &h);
	assert_true(t == 7);
	assert_int_equal(e, 0);
	assert_string_equal(h.sha256, H_ABC);
	assert_int_equal(h.before.st_size, 3);
	assert_int_equal(filecheck_same_file(fd, &h.before, &h.after), 1);
	filecheck_learn_read(path, h.sha256, &h.before, &h.after);
	assert_int_equal(filecheck_trusted(path, H_ABC, err, sizeof(err)), 1);
	assert_int_equal(filecheck_trusted_fd(fd, path, H_ABC, err, sizeof(err)), 1);
	assert_int_equal(filecheck_trusted(path, H_ABD, err, sizeof(err)), 0); /* another hash expected */
	put(path, "abd"); /* rewritten: ctime and mtime move */
	clock_ahead(20);
	assert_int_equal(filecheck_trusted(path, H_ABC, err, sizeof(err)), 0);
	assert_int_equal(filecheck_same_file(fd, &h.before, &h.after), 0); /* not what was hashed */
	close(fd);
	/* Not a regular file (a folder here; a FIFO alike): refused, never read. */
	int dfd = open(dir, O_RDONLY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(filecheck_trusted_fd(dfd, dir, H_ABC, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a plain file"));
	assert_int_equal(syncer_submit_hash(s, dfd, 9), 0);
	await_hash(s, &t, &e, &h);
	assert_true(t == 9);
	assert_int_equal(e, EINVAL);
	char other[160];
	snprintf(other, sizeof(other), "%s/none.mp3", dir);
	assert_int_equal(filecheck_trusted(other, H_ABC, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "file missing: "));
	syncer_free(s);
	filecheck_forget();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_once_then_trust),
		cmocka_unit_test(test_replaced_touched_missing),
		cmocka_unit_test(test_fresh_file_not_trusted),
		cmocka_unit_test(test_trusted_and_hashed_off_thread),
		cmocka_unit_test(test_thread_starts_with_first_job),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
