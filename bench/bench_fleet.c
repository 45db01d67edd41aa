/* Fleet link benchmark (issue 13): many simulated stations in one
 * process, each the real station-side code (fleet.c on its own journal
 * folder, its own MQTT session), all on one poll loop, against a real
 * broker and a real loaxa-collector (bench/fleet-bench.sh runs them).
 *   bench_fleet make DIR N LINES          N journals of LINES chained lines
 *   bench_fleet run DIR N LINES PORT      connect all at once; print how long
 *                                         until every line is acknowledged
 *                                         (stored and verified by the collector) */
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fleet.h"
#include "model.h"
#include "record.h"
#include "util.h"

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int make(const char *dir, int n, int lines)
{
	char path[4200];
	for (int s = 0; s < n; s++) {
		snprintf(path, sizeof(path), "%s/st-%04d/journal", dir, s);
		if (mkdir_p(path, 0755) < 0)
			return 1;
		snprintf(path, sizeof(path), "%s/st-%04d/journal/2030-01.log", dir, s);
		FILE *f = fopen(path, "w");
		if (!f)
			return 1;
		uint8_t prev[RECORD_HASH_LEN] = {0};
		char id[32], line[RECORD_LINE_MAX + 1], occ[64], due[40];
		snprintf(id, sizeof(id), "st-%04d", s);
		for (int i = 0; i < lines; i++) {
			int64_t t = 1893430800 + (int64_t)i * 6 * 3600; /* four broadcasts a day */
			size_t len;
			if (i == 0) {
				const char *kv[] = {"station", id, "commune", id, "district", "271", "format", "1", NULL};
				len = record_format(line, sizeof(line), t, 25200, "open", kv, prev);
			} else {
				snprintf(occ, sizeof(occ), "q@2030-01-%02dT%02d:00", 1 + i / 4, (i % 4) * 6);
				snprintf(due, sizeof(due), "2030-01-%02dT%02d:00:00+07:00", 1 + i / 4, (i % 4) * 6);
				const char *kv[] = {"occ", occ, "due", due, "bulletin", "tin-a", "campaign", "pcmd-2030",
						    "outcome", "aired", "played", "61.234", "expected", "61.234", "zones", "1;2",
						    "detail", "", NULL};
				len = record_format(line, sizeof(line), t, 25200, "end", kv, prev);
			}
			if (!len)
				return 1;
			fwrite(line, 1, len, f);
			fputc('\n', f);
			record_hash(line, len, prev);
		}
		if (fclose(f))
			return 1;
	}
	return 0;
}

static int run(const char *dir, int n, int lines, int port)
{
	struct fleet **f = xcalloc((size_t)n, sizeof(*f));
	struct pollfd *fds = xcalloc((size_t)n, sizeof(*fds));
	int64_t *done_at = xcalloc((size_t)n, sizeof(*done_at));
	char want[32];
	snprintf(want, sizeof(want), "2030-01:%d", lines);
	int64_t t0 = mono_ms();
	for (int s = 0; s < n; s++) {
		static struct station st;
		memset(&st, 0, sizeof(st));
		snprintf(st.id, sizeof(st.id), "st-%04d", s);
		snprintf(st.district_code, sizeof(st.district_code), "271");
		char journal[PATHBUF];
		snprintf(journal, sizeof(journal), "%s/st-%04d/journal", dir, s);
		st.journal = journal; /* fleet_new copies it */
		st.fleet.password_file = st.fleet.ca_file = "";
		st.fleet.enabled = 1;
		snprintf(st.fleet.broker, sizeof(st.fleet.broker), "mqtt://127.0.0.1:%d", port);
		st.fleet.keepalive = 300;
		st.fleet.retry_max = 2;
		char err[512];
		f[s] = fleet_new(&st, err, sizeof(err));
		if (!f[s]) {
			fprintf(stderr, "bench_fleet: %s\n", err);
			return 1;
		}
		fleet_handle(f[s], 0, t0); /* start connecting */
	}
	int done = 0;
	int64_t deadline = t0 + 300000;
	uint64_t tcp_bytes = 0;
	while (done < n && mono_ms() < deadline) {
		int64_t now = mono_ms(), next = now + 1000;
		for (int s = 0; s < n; s++) {
			fds[s] = (struct pollfd){.fd = fleet_fd(f[s]), .events = fleet_events(f[s])};
			int64_t d = fleet_deadline_ms(f[s], now);
			if (d < next)
				next = d;
		}
		int timeout = next <= now ? 0 : (int)(next - now);
		if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return 1;
		now = mono_ms();
		for (int s = 0; s < n; s++) {
			if (fds[s].revents || now >= fleet_deadline_ms(f[s], now))
				fleet_handle(f[s], fds[s].fd >= 0 ? fds[s].revents : 0, now);
			if (!done_at[s]) {
				struct fleet_info fi;
				fleet_info(f[s], &fi);
				if (!strcmp(fi.acked, want)) {
					done_at[s] = now;
					done++;
				}
			}
		}
	}
	int64_t t1 = mono_ms();
	uint64_t payload = 0, out_lines = 0, connects = 0, wakeups = 0;
	for (int s = 0; s < n; s++) {
		struct fleet_info fi;
		fleet_info(f[s], &fi);
		payload += fi.bytes_out;
		out_lines += fi.lines_out;
		connects += fi.connects;
		wakeups += fi.wakeups;
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);
		int fd = fleet_fd(f[s]);
		if (fd >= 0 && getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0)
			tcp_bytes += ti.tcpi_bytes_acked;
	}
	printf("stations                      %d (one process, one poll loop; plain TCP, QoS 1)\n", n);
	printf("journal lines                 %d each, %llu in all\n", lines, (unsigned long long)n * (unsigned long long)lines);
	printf("all acknowledged (stored, verified) after %.2f s  (%d of %d stations)\n", (double)(t1 - t0) / 1000, done, n);
	printf("lines published               %llu (%.3f per journal line: resends)\n", (unsigned long long)out_lines,
	       (double)out_lines / ((double)n * lines));
	printf("MQTT connections              %llu\n", (unsigned long long)connects);
	printf("payload bytes per record      %.1f\n", (double)payload / ((double)n * lines));
	printf("TCP bytes sent per record     %.1f  (MQTT framing, status, acks' PUBACKs included)\n",
	       (double)tcp_bytes / ((double)n * lines));
	for (int s = 0; s < n; s++)
		fleet_free(f[s]);
	free(f);
	free(fds);
	free(done_at);
	return done == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	log_init("bench_fleet", 0);
	if (argc == 5 && !strcmp(argv[1], "make"))
		return make(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "run"))
		return run(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: bench_fleet make DIR N LINES | run DIR N LINES PORT\n");
	return 2;
}
