/* See fetchrun.h. */
#include "fetchrun.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define LINE_MAX_ 2048
#define CANCELLED_MAX 16

extern char **environ;

struct fetchrun {
	pid_t pid;
	int fd;
	int status;
	long maxrss_kb;
	char buf[LINE_MAX_];
	size_t n;
};

static pid_t cancelled[CANCELLED_MAX];

struct fetchrun *fetchrun_start(const char *prog, const char *station_file, long long running_serial,
				const char *running_sha, const void *msg, size_t len, char *err, size_t errn)
{
	int mfd = memfd_create("loaxa-bundle", MFD_CLOEXEC), p[2] = {-1, -1};
	if (mfd < 0 || write(mfd, msg, len) != (ssize_t)len || lseek(mfd, 0, SEEK_SET) != 0 ||
	    pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errn, "cannot hand the bundle message over: %s", strerror(errno));
		if (mfd >= 0)
			close(mfd);
		return NULL;
	}
	char serial[32];
	snprintf(serial, sizeof(serial), "%lld", running_serial);
	char *argv[] = {(char *)prog, "-c", (char *)station_file, "--running", serial,
			"--running-sha", (char *)(running_sha ? running_sha : ""), NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, mfd, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	/* loaxad blocks its signals (signalfd) and ignores SIGPIPE: the child
	 * must not inherit that, or SIGTERM could not stop it. */
	posix_spawnattr_t at;
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGUSR2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int e = posix_spawn(&pid, prog, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(mfd);
	close(p[1]);
	if (e) {
		snprintf(err, errn, "cannot start %s: %s", prog, strerror(e));
		close(p[0]);
		return NULL;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	struct fetchrun *r = xcalloc(1, sizeof(*r));
	r->pid = pid;
	r->fd = p[0];
	r->status = -1;
	return r;
}

int fetchrun_fd(const struct fetchrun *r)
{
	return r ? r->fd : -1;
}

int fetchrun_read(struct fetchrun *r, void (*cb)(void *ctx, const char *line), void *ctx)
{
	for (;;) {
		if (r->fd < 0)
			return 1;
		ssize_t k = read(r->fd, r->buf + r->n, sizeof(r->buf) - 1 - r->n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (k == 0) {
			close(r->fd);
			r->fd = -1;
			return 1;
		}
		r->n += (size_t)k;
		char *s = r->buf, *nl;
		while ((nl = memchr(s, '\n', r->n - (size_t)(s - r->buf)))) {
			*nl = 0;
			cb(ctx, s);
			s = nl + 1;
		}
		r->n -= (size_t)(s - r->buf);
		memmove(r->buf, s, r->n);
		if (r->n == sizeof(r->buf) - 1)
			r->n = 0; /* a line too long: not ours */
	}
}

static int decode(int ws)
{
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
}

int fetchrun_status(struct fetchrun *r)
{
	int ws;
	struct rusage ru;
	if (r->status < 0 && r->pid > 0 && wait4(r->pid, &ws, WNOHANG, &ru) == r->pid) {
		r->status = decode(ws);
		r->maxrss_kb = ru.ru_maxrss;
		r->pid = 0;
	}
	return r->status;
}

long fetchrun_maxrss_kb(const struct fetchrun *r)
{
	return r->maxrss_kb;
}

void fetchrun_free(struct fetchrun *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

void fetchrun_cancel(struct fetchrun *r)
{
	if (!r)
		return;
	if (fetchrun_status(r) < 0 && r->pid > 0) {
		kill(r->pid, SIGTERM);
		for (int i = 0; i < CANCELLED_MAX; i++)
			if (!cancelled[i]) {
				cancelled[i] = r->pid;
				break;
			}
	}
	fetchrun_free(r);
}

int fetchrun_reap_cancelled(void)
{
	int left = 0, ws;
	for (int i = 0; i < CANCELLED_MAX; i++) {
		if (!cancelled[i])
			continue;
		pid_t k = waitpid(cancelled[i], &ws, WNOHANG);
		if (k == cancelled[i] || (k < 0 && errno == ECHILD))
			cancelled[i] = 0;
		else
			left++;
	}
	return left;
}
