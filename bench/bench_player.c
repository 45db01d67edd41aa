/* Benchmark driver: plays one file to an ALSA PCM (default "null") through
 * player_* in a poll loop, as loaxad does, and exits. Prints nothing while
 * playing; prints the error, if any, at the end.
 * Usage: bench_player FILE [DEVICE] [REPEAT] */
#include "player.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	struct pollfd fds[16];
	struct player *p;
	enum player_state st;
	char err[256];
	int n, rc = 0;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s FILE [DEVICE] [REPEAT]\n", argv[0]);
		return 2;
	}
	p = player_new(argc > 2 ? argv[2] : "null", "");
	if (player_start(p, argv[1], argc > 3 ? atoi(argv[3]) : 1, 0.0, err, sizeof err) < 0) {
		fprintf(stderr, "bench_player: %s\n", err);
		player_free(p);
		return 1;
	}
	for (st = PLAYER_PLAYING; st == PLAYER_PLAYING;) {
		n = player_pollfds(p, fds, 16);
		if (poll(fds, (nfds_t)n, 1000) < 0 && errno != EINTR) {
			perror("bench_player: poll");
			rc = 1;
			break;
		}
		st = player_service(p, fds, n);
	}
	if (st == PLAYER_ERROR) {
		fprintf(stderr, "bench_player: %s\n", player_error(p));
		rc = 1;
	} else if (getenv("BENCH_VERBOSE")) {
		fprintf(stderr, "bench_player: played %.3f s\n", player_seconds(p));
	}
	player_free(p);
	return rc;
}
