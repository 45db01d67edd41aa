/* Benchmark driver for the monitor input (issue 19): plays one file to an
 * ALSA PCM through player_* in a poll loop, as loaxad does, and with a
 * capture device given also runs the monitor (monitor_* fed by the
 * player's tap) in the same loop. bench/monitor-bench.sh counts the
 * instructions of both under callgrind: the difference is the monitor's.
 * Usage: bench_monitor FILE PLAYDEV [CAPDEV] */
#include "monitor.h"
#include "player.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	struct pollfd fds[32];
	char err[256];
	int rc = 0;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s FILE PLAYDEV [CAPDEV]\n", argv[0]);
		return 2;
	}
	struct player *p = player_new(argv[2], "");
	struct monitor *m = NULL;
	if (player_start(p, argv[1], 1, 0.0, err, sizeof err) < 0) {
		fprintf(stderr, "bench_monitor: %s\n", err);
		player_free(p);
		return 1;
	}
	if (argc > 3) {
		m = monitor_open(argv[3], -50, err, sizeof err);
		if (!m) {
			fprintf(stderr, "bench_monitor: %s\n", err);
			player_free(p);
			return 1;
		}
		player_set_tap(p, monitor_tap, m);
	}
	enum player_state st = PLAYER_PLAYING;
	while (st == PLAYER_PLAYING) {
		int n = player_pollfds(p, fds, 16);
		int nm = m ? monitor_pollfds(m, fds + n, 16) : 0;
		if (poll(fds, (nfds_t)(n + nm), 1000) < 0 && errno != EINTR) {
			perror("bench_monitor: poll");
			rc = 1;
			break;
		}
		st = player_service(p, fds, n);
		if (nm && monitor_service(m, fds + n, nm) < 0)
			fprintf(stderr, "bench_monitor: %s\n", monitor_error(m));
	}
	if (st == PLAYER_ERROR) {
		fprintf(stderr, "bench_monitor: %s\n", player_error(p));
		rc = 1;
	}
	if (m) {
		struct airmeter_result r;
		player_set_tap(p, NULL, NULL);
		monitor_finish(m, &r);
		printf("heard %d of %d s, level %.1f dBFS, captured %.1f s\n", r.heard, r.seconds,
		       r.level_dbfs, r.captured_s);
		monitor_free(m);
	}
	player_free(p);
	return rc;
}
