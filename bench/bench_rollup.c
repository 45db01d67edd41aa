/* Roll-up benchmark: writes STATIONS journal folders of MONTHS months each
 * (about 11 records a day: five or six broadcasts with the odd failed,
 * missed or partial one, and each station's archived schedule), then
 * times `cat` over the files and `loaxactl rollup` over the folders, with
 * the roll-up's peak RSS. Memory must not grow with the records: the same
 * stations with a quarter of the months are rolled up too (hard links).
 * Usage: bench_rollup [STATIONS [MONTHS]]   (default 500 12)
 * loaxactl: $LOAXA_BUILD/loaxactl, else build/loaxactl. Data in a temp
 * folder, removed at the end (kept when LOAXA_BENCH_KEEP is set). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "civil.h"
#include "record.h"
#include "sha256.h"
#include "util.h"

#define OFF 25200 /* +07:00 */
#define YEAR 2026

static const char schedule_text[] =
	"serial = 1;\n"
	"campaigns = (\n"
	"  { id = \"pcmd-2026\"; title = \"Phòng, chống mại dâm\"; bulletins = [\"md-01\", \"md-02\"]; target = 20; },\n"
	"  { id = \"sxh-2026\"; title = \"Phòng, chống sốt xuất huyết\"; bulletins = [\"sxh-01\"]; target = 8; }\n"
	");\n"
	"slots = (\n"
	"  { id = \"sang\"; times = [\"06:00\", \"06:30\"]; campaign = \"pcmd-2026\"; zones = [1, 2]; repeat = 2; },\n"
	"  { id = \"trua\"; times = [\"11:00\"]; campaign = \"sxh-2026\"; },\n"
	"  { id = \"chieu\"; weekdays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]; times = [\"17:00\", \"17:30\"];\n"
	"    campaign = \"pcmd-2026\"; },\n"
	"  { id = \"toi\"; times = [\"19:00\"]; bulletins = [\"thong-bao\"]; }\n"
	");\n";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct out {
	int fd;
	char *buf;
	size_t used, cap;
	uint8_t prev[RECORD_HASH_LEN];
	size_t records, bytes;
};

static void flush_out(struct out *o)
{
	if (o->used && write(o->fd, o->buf, o->used) != (ssize_t)o->used) {
		perror("write");
		exit(1);
	}
	o->bytes += o->used;
	o->used = 0;
}

static void rec(struct out *o, int64_t t, const char *event, const char *const *kv)
{
	if (o->cap - o->used < RECORD_LINE_MAX + 2)
		flush_out(o);
	size_t l = record_format(o->buf + o->used, RECORD_LINE_MAX + 1, t, OFF, event, kv, o->prev);
	if (!l) {
		fprintf(stderr, "record_format failed for %s\n", event);
		exit(1);
	}
	record_hash(o->buf + o->used, l, o->prev);
	o->buf[o->used + l] = '\n';
	o->used += l + 1;
	o->records++;
}

static int64_t instant(int32_t day, int minute)
{
	return (int64_t)day * 86400 + minute * 60 - OFF;
}

/* One station: MONTHS monthly files from January. */
static void station(const char *base, int k, int months, const char *sha, struct out *o)
{
	char dir[4200], path[4300], sid[32], commune[16];
	snprintf(dir, sizeof(dir), "%s/full/st-%03d", base, k);
	snprintf(sid, sizeof(sid), "st-%03d", k);
	snprintf(commune, sizeof(commune), "%05d", 26000 + k);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/schedules", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/schedules/1.conf", dir);
	int sfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (sfd < 0 || write(sfd, schedule_text, strlen(schedule_text)) != (ssize_t)strlen(schedule_text)) {
		perror(path);
		exit(1);
	}
	close(sfd);
	memset(o->prev, 0, sizeof(o->prev));
	unsigned n = (unsigned)k * 7919u;
	static const struct {
		int minute;
		const char *slot, *campaign, *bulletin, *expected;
		int weekdays_only;
	} slots[] = {
		{360, "sang", "pcmd-2026", "md-01", "183.500", 0},
		{390, "sang", "pcmd-2026", "md-02", "183.500", 0},
		{660, "trua", "sxh-2026", "sxh-01", "61.234", 0},
		{1020, "chieu", "pcmd-2026", "md-01", "91.750", 1},
		{1050, "chieu", "pcmd-2026", "md-02", "91.750", 1},
		{1140, "toi", "", "thong-bao", "45.000", 0},
	};
	for (int m = 1; m <= months; m++) {
		snprintf(path, sizeof(path), "%s/%04d-%02d.log", dir, YEAR, m);
		o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o->fd < 0) {
			perror(path);
			exit(1);
		}
		int32_t d0 = civil_days(YEAR, m, 1);
		const char *okv[] = {"station", sid, "commune", commune, "format", "1", NULL};
		rec(o, instant(d0, 0), "open", okv);
		if (m == 1) {
			const char *skv[] = {"version", "0.1", "pid", "812", "serial", "1", NULL};
			rec(o, instant(d0, 0) + 1, "station-start", skv);
			const char *ikv[] = {"serial", "1", "sha256", sha, "file", "/etc/loaxa/schedule.conf",
					     "signer", "local", NULL};
			rec(o, instant(d0, 0) + 2, "schedule-installed", ikv);
		}
		for (int32_t day = d0; day < d0 + civil_month_length(YEAR, m); day++) {
			int weekend = civil_weekday(day) >= 5;
			for (size_t s = 0; s < ARRAY_LEN(slots); s++) {
				if (slots[s].weekdays_only && weekend)
					continue;
				int64_t due = instant(day, slots[s].minute);
				char occ[64], dues[32];
				civil_format_iso_offset(due, OFF, dues);
				snprintf(occ, sizeof(occ), "%s@%.16s", slots[s].slot, dues);
				const char *bkv[] = {"occ", occ, "due", dues, "bulletin", slots[s].bulletin,
						     "campaign", slots[s].campaign, "zones", "1;2",
						     "level", "normal", "expected", slots[s].expected,
						     "detail", "cannot open md-01.mp3: No such file or directory", NULL};
				n = n * 1103515245u + 12345u;
				unsigned r = (n >> 16) % 100;
				if (r < 2) {
					rec(o, due + 1, "failed", bkv);
					continue;
				}
				if (r < 4) {
					bkv[14] = "detail";
					bkv[15] = "not started within the catch-up window (2 min): the station was not running";
					rec(o, due + 300, "missed", bkv);
					continue;
				}
				const char *skv[] = {"occ", occ, "due", dues, "bulletin", slots[s].bulletin,
						     "campaign", slots[s].campaign, "zones", "1;2",
						     "level", "normal", "repeat", "2",
						     "expected", slots[s].expected, "serial", "1", NULL};
				rec(o, due + 2, "start", skv);
				const char *ekv[] = {"occ", occ, "outcome", r < 5 ? "partial" : "aired",
						     "played", r < 5 ? "12.500" : slots[s].expected,
						     "expected", slots[s].expected, "detail",
						     r < 5 ? "stopped: loaxactl stop" : "", NULL};
				rec(o, due + 2 + (int64_t)atof(slots[s].expected), "end", ekv);
			}
		}
		flush_out(o);
		close(o->fd);
	}
}

static void rm_rf(const char *p)
{
	char cmd[4400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", p);
}

/* CPU seconds (user + system) of the last run, and of the best one: on a
 * loaded machine they show what wall time on free cores would. */
static double last_cpu;

static double ru_cpu(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 + (double)ru->ru_stime.tv_sec +
	       ru->ru_stime.tv_usec / 1e6;
}

/* Run argv with stdout to /dev/null; wall seconds, peak RSS (KiB). */
static double run(char *const *argv, long *maxrss_kib, int *status)
{
	double t0 = now_s();
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	struct rusage ru;
	if (wait4(pid, status, 0, &ru) < 0) {
		perror("wait4");
		exit(1);
	}
	double dt = now_s() - t0;
	*maxrss_kib = ru.ru_maxrss;
	last_cpu = ru_cpu(&ru);
	return dt;
}

static double cat_files(const char *dir)
{
	char cmd[4400];
	/* cat's 128 KiB buffer above glibc's mmap threshold costs it a page
	 * fault storm per file on some machines: give it a fair heap buffer */
	snprintf(cmd, sizeof(cmd),
		 "find '%s' -name '*.log' -print0 | GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4194304 xargs -0 cat >/dev/null",
		 dir);
	double best = 1e9, best_cpu = 1e9;
	for (int i = 0; i < 3; i++) {
		struct rusage r0, r1;
		getrusage(RUSAGE_CHILDREN, &r0);
		double t0 = now_s();
		if (system(cmd) != 0) {
			fprintf(stderr, "cat failed\n");
			exit(1);
		}
		double dt = now_s() - t0;
		getrusage(RUSAGE_CHILDREN, &r1);
		double c = ru_cpu(&r1) - ru_cpu(&r0);
		best = dt < best ? dt : best;
		best_cpu = c < best_cpu ? c : best_cpu;
	}
	last_cpu = best_cpu;
	return best;
}

/* The bound (issue 18): only SHA-256 every line of the same files, with
 * loaxactl's back end, on this one thread, the files read as journal_scan
 * reads them (1 MiB read()s, memchr for the line ends). A roll-up that
 * verifies the chain does at least this much. Best of 3; CPU seconds of
 * this thread in last_cpu. */
static volatile uint8_t hash_sink;

static double hash_alone(const char *dir, int nst, int months)
{
	enum { CHUNK = 1 << 20 };
	char *buf = xcalloc(1, CHUNK);
	double best = 1e9, best_cpu = 1e9;
	for (int i = 0; i < 3; i++) {
		struct timespec c0, c1;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		double t0 = now_s();
		for (int k = 0; k < nst; k++)
			for (int m = 1; m <= months; m++) {
				char path[4400];
				snprintf(path, sizeof(path), "%s/st-%03d/%04d-%02d.log", dir, k, YEAR, m);
				int fd = open(path, O_RDONLY | O_CLOEXEC);
				if (fd < 0) {
					perror(path);
					exit(1);
				}
				size_t have = 0;
				ssize_t r;
				while ((r = read(fd, buf + have, CHUNK - have)) > 0) {
					have += (size_t)r;
					size_t pos = 0;
					char *nl;
					while ((nl = memchr(buf + pos, '\n', have - pos))) {
						uint8_t h[RECORD_HASH_LEN];
						size_t len = (size_t)(nl - (buf + pos));
						record_hash(buf + pos, len, h);
						hash_sink ^= h[0]; /* the digests are used */
						pos += len + 1;
					}
					memmove(buf, buf + pos, have - pos);
					have -= pos;
				}
				close(fd);
			}
		double dt = now_s() - t0;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		double c = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
		best = dt < best ? dt : best;
		best_cpu = c < best_cpu ? c : best_cpu;
	}
	free(buf);
	last_cpu = best_cpu;
	return best;
}

/* loaxactl rollup over every station folder under dir; best of 3. */
static double rollup(const char *ctl, const char *dir, int nst, int months, int jobs, long *rss)
{
	char **argv = xcalloc((size_t)nst + 12, sizeof(*argv));
	char to[16], jb[16];
	snprintf(jb, sizeof(jb), "%d", jobs);
	snprintf(to, sizeof(to), "%04d-%02d", YEAR, months);
	int a = 0;
	argv[a++] = (char *)ctl;
	argv[a++] = "rollup";
	argv[a++] = "--from";
	argv[a++] = "2026-01";
	argv[a++] = "--to";
	argv[a++] = to;
	argv[a++] = "--format";
	argv[a++] = "csv";
	argv[a++] = "--jobs";
	argv[a++] = jb;
	for (int k = 0; k < nst; k++) {
		argv[a] = xcalloc(1, 4300);
		snprintf(argv[a++], 4300, "%s/st-%03d", dir, k);
	}
	argv[a] = NULL;
	double best = 1e9, best_cpu = 1e9;
	long peak = 0;
	for (int i = 0; i < 3; i++) {
		long r;
		int status;
		double dt = run(argv, &r, &status);
		best_cpu = last_cpu < best_cpu ? last_cpu : best_cpu;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "loaxactl rollup failed (status %d)\n", status);
			exit(1);
		}
		best = dt < best ? dt : best;
		peak = r > peak ? r : peak;
	}
	*rss = peak;
	last_cpu = best_cpu;
	for (int k = 0; k < nst; k++)
		free(argv[10 + k]);
	free(argv);
	return best;
}

int main(int argc, char **argv)
{
	int nst = argc > 1 ? atoi(argv[1]) : 500;
	int months = argc > 2 ? atoi(argv[2]) : 12;
	int quick = getenv("LOAXA_BENCH_QUICK") != NULL; /* no quarter run, no one-thread run */
	if (nst < 1 || nst > 9999 || months < 4 || months > 12) {
		fprintf(stderr, "usage: %s [STATIONS (1-9999) [MONTHS (4-12)]]\n", argv[0]);
		return 2;
	}
	const char *b = getenv("LOAXA_BUILD");
	char ctl[4200];
	snprintf(ctl, sizeof(ctl), "%s/loaxactl", b && *b ? b : "build");
	if (access(ctl, X_OK) < 0) {
		fprintf(stderr, "%s: not built\n", ctl);
		return 1;
	}
	char base[] = "/tmp/loaxa-bench-rollup-XXXXXX";
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	char full[4200], quarter[4200], sp[4300], sha[65];
	snprintf(full, sizeof(full), "%s/full", base);
	snprintf(quarter, sizeof(quarter), "%s/quarter", base);
	mkdir(full, 0755);
	mkdir(quarter, 0755);
	snprintf(sp, sizeof(sp), "%s/schedule.conf", base);
	if (write_file_atomic(sp, schedule_text, strlen(schedule_text)) < 0 || sha256_file(sp, sha) < 0) {
		perror(sp);
		return 1;
	}

	/* Generate: two processes, each half of the stations. */
	double t0 = now_s();
	int fds[2][2];
	pid_t kids[2];
	for (int h = 0; h < 2; h++) {
		if (pipe(fds[h]) < 0)
			return 1;
		kids[h] = fork();
		if (kids[h] == 0) {
			struct out o = {.cap = 1 << 20};
			o.buf = xcalloc(1, o.cap);
			for (int k = h; k < nst; k += 2)
				station(base, k, months, sha, &o);
			size_t v[2] = {o.records, o.bytes};
			if (write(fds[h][1], v, sizeof(v)) != sizeof(v))
				_exit(1);
			_exit(0);
		}
		close(fds[h][1]);
	}
	size_t records = 0, bytes = 0;
	for (int h = 0; h < 2; h++) {
		size_t v[2] = {0, 0};
		if (read(fds[h][0], v, sizeof(v)) != sizeof(v)) {
			fprintf(stderr, "generator %d failed\n", h);
			return 1;
		}
		close(fds[h][0]);
		int st;
		waitpid(kids[h], &st, 0);
		records += v[0];
		bytes += v[1];
	}
	double gen = now_s() - t0;
	printf("generated %d stations x %d months: %zu records, %.1f MB, in %.2f s\n", nst, months,
	       records, (double)bytes / 1e6, gen);

	/* The same stations with the first quarter of the months (hard links). */
	int qm = months / 4;
	for (int k = 0; k < nst; k++) {
		char d[4400], s[4400], t[4400];
		snprintf(d, sizeof(d), "%s/st-%03d", quarter, k);
		mkdir(d, 0755);
		snprintf(t, sizeof(t), "%s/schedules", d);
		mkdir(t, 0755);
		snprintf(s, sizeof(s), "%s/st-%03d/schedules/1.conf", full, k);
		snprintf(t, sizeof(t), "%s/schedules/1.conf", d);
		if (link(s, t) < 0)
			perror(t);
		for (int m = 1; m <= qm; m++) {
			snprintf(s, sizeof(s), "%s/st-%03d/%04d-%02d.log", full, k, YEAR, m);
			snprintf(t, sizeof(t), "%s/%04d-%02d.log", d, YEAR, m);
			if (link(s, t) < 0)
				perror(t);
		}
	}

	double tc = cat_files(full), cc = last_cpu;
	printf("cat (page cache)           %8.3f s  %8.1f MB/s  %10.0f records/s  (CPU %.3f s)\n", tc,
	       bytes / tc / 1e6, records / tc, cc);
	double th = hash_alone(full, nst, months), ch = last_cpu;
	printf("the hash alone, 1 thread   %8.3f s  %8.1f MB/s  %10.0f records/s  (CPU %.3f s)  %s\n", th,
	       bytes / th / 1e6, records / th, ch, sha256_backend());
	printf("the hash alone: %.3f s CPU = %.2f of cat's speed (CPU), %.0f ns a record; "
	       "a roll-up that verifies the chain cannot beat this\n",
	       ch, cc / ch, ch / records * 1e9);
	long rss, rss1, rss_q;
	if (!quick) {
		double t1 = rollup(ctl, full, nst, months, 1, &rss1), c1 = last_cpu;
		printf("loaxactl rollup, 1 thread  %8.3f s  %8.1f MB/s  %10.0f records/s  (CPU %.3f s)  peak RSS %ld KiB\n",
		       t1, bytes / t1 / 1e6, records / t1, c1, rss1);
		printf("rollup speed / cat speed, 1 thread: %.2f wall, %.2f CPU  (goal >= 0.40) %s\n", tc / t1,
		       cc / c1, tc / t1 >= 0.40 ? "ok" : "MISSED");
		printf("rollup CPU / the hash alone's, 1 thread: %.2f (%.0f ns a record beside the hash)\n",
		       c1 / ch, (c1 - ch) / records * 1e9);
	}
	double tr = rollup(ctl, full, nst, months, 2, &rss), c2 = last_cpu;
	printf("loaxactl rollup, 2 threads %8.3f s  %8.1f MB/s  %10.0f records/s  (CPU %.3f s)  peak RSS %ld KiB\n",
	       tr, bytes / tr / 1e6, records / tr, c2, rss);
	if (records > 7000000) {
		printf("the %d-station year (%.1f M records), 2 threads: %.3f s, CPU/2 %.3f s (goal <= 1.5 s) %s\n",
		       nst, records / 1e6, tr, c2 / 2, tr <= 1.5 ? "ok" : "MISSED");
		printf("of which the hash alone would take %.3f s a thread; the rest %.3f s (%.0f ns a record)\n",
		       ch / 2, (c2 - ch) / 2, (c2 - ch) / records * 1e9);
	}
	if (!quick) {
		double tq = rollup(ctl, quarter, nst, qm, 2, &rss_q);
		printf("same stations, %d months (1/4 of the records): %.3f s, peak RSS %ld KiB (%+.1f%% vs all records)\n",
		       qm, tq, rss_q, 100.0 * (double)(rss - rss_q) / (double)rss_q);
	}

	if (getenv("LOAXA_BENCH_KEEP"))
		printf("data kept in %s\n", base);
	else
		rm_rf(base);
	return 0;
}
