/* systemd's service notification protocol (sd_notify(3)) without
 * libsystemd: datagrams of "NAME=value" lines sent to $NOTIFY_SOCKET, and
 * the watchdog interval from $WATCHDOG_USEC / $WATCHDOG_PID. Outside
 * systemd (no NOTIFY_SOCKET) every call is a no-op that returns 0. */
#ifndef LOAXA_NOTIFY_H
#define LOAXA_NOTIFY_H

#include <stdint.h>

/* Send msg (one or more "NAME=value" lines) as one datagram to
 * $NOTIFY_SOCKET: an absolute path, or "@name" for an abstract socket.
 * 1 sent, 0 not under systemd (NOTIFY_SOCKET unset or empty), -1 errno set
 * (EINVAL: the variable is not a path we can use; else socket/sendto). */
int notify_send(const char *msg);

/* printf-style notify_send. Newlines inside a STATUS= value would start a
 * new assignment: callers format one line per assignment. */
int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "READY=1" plus "STATUS=<status>" when status is not NULL. */
int notify_ready(const char *status);

/* "STATUS=<text>"; newlines in the text are sent as spaces. */
int notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "WATCHDOG=1": the event loop is alive and healthy. */
int notify_watchdog(void);

/* "STOPPING=1" plus "STATUS=<status>" when status is not NULL. */
int notify_stopping(const char *status);

/* The watchdog interval systemd expects pings within, in microseconds:
 * $WATCHDOG_USEC when set, a positive number, and $WATCHDOG_PID is unset
 * or our pid; else 0 (no watchdog). Ping at half of it. */
uint64_t notify_watchdog_usec(void);

#endif
