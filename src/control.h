/* The control socket: a Unix stream socket (mode 0660, group from the
 * station file) that loaxactl uses to talk to loaxad.
 *
 * Protocol: the client sends one request line (at most CONTROL_REQ_MAX
 * bytes including the newline): "status", "play ID", "play ID emergency",
 * "stop", "reload". The daemon answers with a first line "ok" or
 * "error: MESSAGE", then zero or more lines of text, then closes. */
#ifndef LOAXA_CONTROL_H
#define LOAXA_CONTROL_H

#include <poll.h>
#include <stddef.h>

#define CONTROL_REQ_MAX 512
#define CONTROL_CLIENTS_MAX 8

struct control;

/* Handler: fill reply (NUL-terminated, first line "ok" or "error: ...").
 * The request line has no newline and is at most CONTROL_REQ_MAX bytes. */
typedef void (*control_handler)(void *ctx, const char *request, char *reply, size_t replyn);

/* Listen on path (a stale socket file is replaced; a live one is an error).
 * group "" keeps the daemon's group. NULL with a message in err. */
struct control *control_open(const char *path, const char *group, control_handler h, void *ctx,
			     char *err, size_t errn);
void control_close(struct control *c);

/* Poll descriptors (listener and clients); returns count. */
int control_pollfds(struct control *c, struct pollfd *fds, int max);
/* Handle whatever is ready among those descriptors. Never blocks. */
void control_service(struct control *c, const struct pollfd *fds, int nfds);

/* Client side (loaxactl): send request, read the whole reply into a
 * malloc'd string. -1 with a message for people in err (daemon not
 * running, permission denied, ...). */
int control_request(const char *path, const char *request, char **reply, char *err, size_t errn);

#endif
