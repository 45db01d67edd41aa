/* Journal benchmarks: fsynced appends (what the daemon pays per record) and
 * writing then verifying a million records with journal_scan (what
 * `loaxactl log verify` and reports pay). Usage: bench_journal [SCALE]
 * (SCALE multiplies the record counts; default 1). Data lives in a temp
 * folder that is removed at the end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "civil.h"
#include "journal.h"
#include "record.h"

#define T0 1793466000 /* 2026-10-31T17:00:00Z = 2026-11-01T00:00:00+07:00 */
#define OFF 25200

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char p[4200];
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int count_cb(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	(*(size_t *)ctx)++;
	return 0;
}

static void bench_append(const char *base, long n)
{
	char dir[4200], err[256];
	snprintf(dir, sizeof(dir), "%s/append", base);
	struct journal_recovery rec;
	struct journal *j = journal_open(dir, "st-01", "26734", "271", &rec, err, sizeof(err));
	if (!j) {
		fprintf(stderr, "journal_open: %s\n", err);
		exit(1);
	}
	journal_recovery_free(&rec);
	char occ[32];
	const char *kv[] = {"occ", occ, "outcome", "aired", "played", "61.234", "expected", "61.234",
			    "detail", "", NULL};
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		snprintf(occ, sizeof(occ), "s1-%ld", i);
		if (journal_append(j, T0 + i, OFF, "end", kv) < 0) {
			perror("journal_append");
			exit(1);
		}
	}
	double dt = now_s() - t0;
	journal_close(j);
	printf("append+fdatasync   %8ld records  %10.0f records/s  %8.1f us/record\n", n, n / dt,
	       dt * 1e6 / n);
	rm_tree(dir);
}

/* Write n records straight to monthly files (buffered, as a long-running
 * station would have produced them) and return the bytes written. */
static size_t write_journal(const char *dir, long n, int typical)
{
	mkdir(dir, 0750);
	uint8_t prev[RECORD_HASH_LEN] = {0};
	size_t cap = 1 << 20, used = 0, total = 0;
	char *buf = malloc(cap + RECORD_LINE_MAX + 2);
	int fd = -1, cur_m = -1;
	char occ[48], due[32];
	for (long i = 0; i < n; i++) {
		int64_t t = T0 + i * 3; /* a million records span two months */
		int y, m, d;
		civil_from_days((int32_t)((t + OFF) / 86400), &y, &m, &d);
		if (m != cur_m) {
			if (fd >= 0) {
				if (write(fd, buf, used) != (ssize_t)used)
					exit(1);
				close(fd);
				total += used;
				used = 0;
			}
			char path[4300];
			snprintf(path, sizeof(path), "%s/%04d-%02d.log", dir, y, m);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
			if (fd < 0)
				exit(1);
			cur_m = m;
			const char *okv[] = {"station", "st-01", "commune", "26734", "format", "1", NULL};
			size_t l = record_format(buf + used, RECORD_LINE_MAX + 1, t, OFF, "open", okv, prev);
			record_hash(buf + used, l, prev);
			buf[used + l] = '\n';
			used += l + 1;
		}
		size_t l;
		if (typical) {
			snprintf(occ, sizeof(occ), "s1-20261130-0630-%ld", i);
			civil_format_iso_offset(t, OFF, due);
			const char *kv[] = {"occ", occ, "due", due, "bulletin", "mai-dam-01", "campaign",
					    "pcmd-2026", "zones", "1;2", "level", "normal", "repeat", "2",
					    "expected", "183.500", "serial", "2026113001", NULL};
			l = record_format(buf + used, RECORD_LINE_MAX + 1, t, OFF, "start", kv, prev);
		} else {
			l = record_format(buf + used, RECORD_LINE_MAX + 1, t, OFF, "amp-ok", NULL, prev);
		}
		record_hash(buf + used, l, prev);
		buf[used + l] = '\n';
		used += l + 1;
		if (used >= cap) {
			if (write(fd, buf, used) != (ssize_t)used)
				exit(1);
			total += used;
			used = 0;
		}
	}
	if (write(fd, buf, used) != (ssize_t)used)
		exit(1);
	total += used;
	close(fd);
	free(buf);
	return total;
}

static void bench_scan(const char *base, long n, int typical)
{
	char dir[4200], err[256];
	snprintf(dir, sizeof(dir), "%s/scan%d", base, typical);
	const char *what = typical ? "start records" : "short records";
	double t0 = now_s();
	size_t bytes = write_journal(dir, n, typical);
	double dw = now_s() - t0;
	printf("write %-13s %8ld records  %10.0f records/s  %8.1f MB/s  (%.0f bytes/record)\n", what,
	       n, n / dw, bytes / dw / 1e6, (double)bytes / n);

	/* Read back (from the page cache) and verify the whole chain. */
	struct journal_scan_result res;
	size_t seen = 0;
	t0 = now_s();
	if (journal_scan(dir, NULL, NULL, count_cb, NULL, &seen, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "journal_scan: %s\n", err);
		exit(1);
	}
	double ds = now_s() - t0;
	if (!res.chain_ok || seen != (size_t)n + res.files) {
		fprintf(stderr, "verify failed: chain_ok=%d records=%zu %s\n", res.chain_ok, seen,
			res.first_bad);
		exit(1);
	}
	printf("scan+verify %-7s %8ld records  %10.0f records/s  %8.1f MB/s  (%zu files)\n",
	       typical ? "start" : "short", n, n / ds, bytes / ds / 1e6, res.files);
	rm_tree(dir);
}

int main(int argc, char **argv)
{
	double scale = argc > 1 ? atof(argv[1]) : 1.0;
	if (scale <= 0) {
		fprintf(stderr, "usage: %s [SCALE]\n", argv[0]);
		return 2;
	}
	char base[] = "/tmp/loaxa-bench-XXXXXX";
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	long n_append = (long)(10000 * scale), n_scan = (long)(1000000 * scale);
	if (n_append < 1)
		n_append = 1;
	if (n_scan < 1)
		n_scan = 1;
	printf("journal benchmarks in %s (scale %g)\n", base, scale);
	bench_append(base, n_append);
	bench_scan(base, n_scan, 0);
	bench_scan(base, n_scan, 1);
	rm_tree(base);
	return 0;
}
