/* Unit tests for notify.c: the datagrams systemd would receive on a path
 * socket and on an abstract one, the no-op outside systemd, bad addresses,
 * and the watchdog interval from WATCHDOG_USEC / WATCHDOG_PID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

struct peer {
	char dir[64];
	char path[128];
	int fd;
};

/* A datagram socket standing in for systemd's notify socket. */
static int bind_dgram(const char *name, int abstract)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	size_t len = strlen(name);
	memcpy(sa.sun_path + (abstract ? 1 : 0), name, len);
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, salen), 0);
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* The next datagram, NUL-terminated, into buf. */
static const char *recv_msg(int fd, char *buf, size_t n)
{
	ssize_t r = recv(fd, buf, n - 1, 0);
	assert_true(r >= 0);
	buf[r] = '\0';
	return buf;
}

static int setup_path(void **state)
{
	struct peer *p = calloc(1, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/loaxa-notify-XXXXXX");
	if (!mkdtemp(p->dir))
		return -1;
	snprintf(p->path, sizeof(p->path), "%s/notify", p->dir);
	p->fd = bind_dgram(p->path, 0);
	setenv("NOTIFY_SOCKET", p->path, 1);
	*state = p;
	return 0;
}

static int teardown_path(void **state)
{
	struct peer *p = *state;
	close(p->fd);
	unlink(p->path);
	rmdir(p->dir);
	unsetenv("NOTIFY_SOCKET");
	free(p);
	return 0;
}

static void test_path_socket(void **state)
{
	struct peer *p = *state;
	char buf[4096];
	assert_int_equal(notify_ready("idle; next 2026-12-01T06:30:00+07:00 sang-thu-hai"), 1);
	assert_string_equal(recv_msg(p->fd, buf, sizeof(buf)),
			    "READY=1\nSTATUS=idle; next 2026-12-01T06:30:00+07:00 sang-thu-hai");
	assert_int_equal(notify_ready(NULL), 1);
	assert_string_equal(recv_msg(p->fd, buf, sizeof(buf)), "READY=1");
	assert_int_equal(notify_status("playing %s (%d of %d)", "pcmd-01", 1, 2), 1);
	assert_string_equal(recv_msg(p->fd, buf, sizeof(buf)), "STATUS=playing pcmd-01 (1 of 2)");
	assert_int_equal(notify_watchdog(), 1);
	assert_string_equal(recv_msg(p->fd, buf, sizeof(buf)), "WATCHDOG=1");
	assert_int_equal(notify_stopping("stopping on SIGTERM"), 1);
	assert_string_equal(recv_msg(p->fd, buf, sizeof(buf)), "STOPPING=1\nSTATUS=stopping on SIGTERM");
	assert_int_equal(notify_sendf("EXTEND_TIMEOUT_USEC=%d", 5000000), 1);
	assert_string_equal(recv_msg(p->fd, buf, sizeof(buf)), "EXTEND_TIMEOUT_USEC=5000000");
}

static void test_status_one_line(void **state)
{
	struct peer *p = *state;
	char buf[4096];
	/* A newline would start a new assignment: systemd would read "X=1". */
	assert_int_equal(notify_status("last error: bad\nX=1\r"), 1);
	assert_string_equal(recv_msg(p->fd, buf, sizeof(buf)), "STATUS=last error: bad X=1 ");
	assert_int_equal(notify_stopping("a\nb"), 1);
	assert_string_equal(recv_msg(p->fd, buf, sizeof(buf)), "STOPPING=1\nSTATUS=a b");
	/* Very long status: truncated, still one datagram. */
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(notify_status("%s", big), 1);
	recv_msg(p->fd, buf, sizeof(buf));
	assert_true(strncmp(buf, "STATUS=xxx", 10) == 0);
	assert_true(strlen(buf) < 2048);
}

static void test_abstract_socket(void **state)
{
	(void)state;
	char name[64], env[80], buf[256];
	snprintf(name, sizeof(name), "loaxa-test-notify-%ld", (long)getpid());
	/* Bound without the trailing NUL, as systemd binds its abstract socket. */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, name, strlen(name));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))), 0);
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(env, sizeof(env), "@%s", name);
	setenv("NOTIFY_SOCKET", env, 1);
	assert_int_equal(notify_watchdog(), 1);
	assert_string_equal(recv_msg(fd, buf, sizeof(buf)), "WATCHDOG=1");
	assert_int_equal(notify_ready("ok"), 1);
	assert_string_equal(recv_msg(fd, buf, sizeof(buf)), "READY=1\nSTATUS=ok");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void test_not_under_systemd(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_ready("x"), 0);
	assert_int_equal(notify_status("x"), 0);
	assert_int_equal(notify_watchdog(), 0);
	assert_int_equal(notify_stopping(NULL), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(notify_watchdog(), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void test_bad_socket(void **state)
{
	(void)state;
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	errno = 0;
	assert_int_equal(notify_watchdog(), -1);
	assert_int_equal(errno, EINVAL);
	setenv("NOTIFY_SOCKET", "@", 1);
	assert_int_equal(notify_watchdog(), -1);
	assert_int_equal(errno, EINVAL);
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longp, 1);
	assert_int_equal(notify_watchdog(), -1);
	assert_int_equal(errno, EINVAL);
	/* Nobody listening: an error, never a crash or a hang. */
	setenv("NOTIFY_SOCKET", "/nonexistent/loaxa/notify", 1);
	assert_int_equal(notify_watchdog(), -1);
	assert_true(errno == ENOENT || errno == ECONNREFUSED);
	unsetenv("NOTIFY_SOCKET");
}

static void test_watchdog_usec(void **state)
{
	(void)state;
	char pid[32], other[32];
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(other, sizeof(other), "%ld", (long)getpid() + 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	setenv("WATCHDOG_PID", other, 1);
	assert_int_equal(notify_watchdog_usec(), 0); /* meant for another process */
	setenv("WATCHDOG_PID", "12x", 1);
	assert_int_equal(notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_PID");
	static const char *const bad[] = {"", "0", "-5", "30s", "abc", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("WATCHDOG_USEC", bad[i], 1);
		assert_int_equal(notify_watchdog_usec(), 0);
	}
	setenv("WATCHDOG_USEC", "18446744073709551615", 1); /* systemd's "infinity" fits */
	assert_true(notify_watchdog_usec() == UINT64_MAX);
	unsetenv("WATCHDOG_USEC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path_socket, setup_path, teardown_path),
		cmocka_unit_test_setup_teardown(test_status_one_line, setup_path, teardown_path),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_not_under_systemd),
		cmocka_unit_test(test_bad_socket),
		cmocka_unit_test(test_watchdog_usec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
