/* sd_notify without libsystemd: see notify.h. One short-lived datagram
 * socket per message; the daemon sends a handful a minute at most, so a
 * kept descriptor would buy nothing and complicate fork-free tests. */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NOTIFY_MSG_MAX 2048

int notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 || len > sizeof(sa.sun_path) - 1) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sa.sun_path, path, len);
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the name is the bytes after the NUL, no terminator */
	else
		salen++;

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	size_t n = strlen(msg);
	ssize_t r = sendto(fd, msg, n, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	int e = errno;
	close(fd);
	if (r < 0) {
		errno = e;
		return -1;
	}
	if ((size_t)r != n) {
		errno = EMSGSIZE;
		return -1;
	}
	return 1;
}

static int vsendf(const char *prefix, const char *fmt, va_list ap)
{
	char buf[NOTIFY_MSG_MAX];
	size_t l = (size_t)snprintf(buf, sizeof(buf), "%s", prefix);
	vsnprintf(buf + l, sizeof(buf) - l, fmt, ap);
	return notify_send(buf);
}

int notify_sendf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsendf("", fmt, ap);
	va_end(ap);
	return r;
}

/* "STATUS=" + text with its newlines turned into spaces, into buf. */
static void status_line(char *buf, size_t n, const char *fmt, va_list ap)
{
	size_t l = (size_t)snprintf(buf, n, "STATUS=");
	vsnprintf(buf + l, n - l, fmt, ap);
	for (char *p = buf + l; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void status_of(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void status_of(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status_line(buf, n, fmt, ap);
	va_end(ap);
}

int notify_status(const char *fmt, ...)
{
	if (!getenv("NOTIFY_SOCKET"))
		return 0;
	char buf[NOTIFY_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	status_line(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return notify_send(buf);
}

/* first, then "\nSTATUS=<status>" when status is given. */
static int with_status(const char *first, const char *status)
{
	if (!status)
		return notify_send(first);
	char st[NOTIFY_MSG_MAX - 32], buf[NOTIFY_MSG_MAX];
	status_of(st, sizeof(st), "%s", status);
	snprintf(buf, sizeof(buf), "%s\n%s", first, st);
	return notify_send(buf);
}

int notify_ready(const char *status)
{
	return with_status("READY=1", status);
}

int notify_watchdog(void)
{
	return notify_send("WATCHDOG=1");
}

int notify_stopping(const char *status)
{
	return with_status("STOPPING=1", status);
}

uint64_t notify_watchdog_usec(void)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	if (!us || !*us)
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(us, &end, 10);
	if (errno || *end || v == 0 || us[0] == '-')
		return 0;
	if (pid && *pid) {
		errno = 0;
		unsigned long long p = strtoull(pid, &end, 10);
		if (errno || *end || pid[0] == '-' || p != (unsigned long long)getpid())
			return 0; /* meant for another process (e.g. our parent) */
	}
	return (uint64_t)v;
}
