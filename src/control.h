/* The control socket: a Unix stream socket (mode 0660, group from the
 * station file) that loaxactl and loaxa-web use to talk to loaxad.
 *
 * Protocol (docs/CONTROL.md): the client sends one request line (at most
 * CONTROL_REQ_MAX bytes including the newline; "\n" or "\r\n"):
 * "status", "play ID", "play ID emergency", "stop", "reload", optionally
 * followed by a last token "as=NAME" (NAME: [A-Za-z0-9._-]{1,32}), the
 * account of a person a client acts for, and/or "lang=LANG", the language
 * for human text (a "message=" next to the English "error="). The daemon answers in the kv.h
 * form ("loaxa=1", "ok=yes|no", "error=..." or fields), then closes.
 *
 * Bounded: at most CONTROL_CLIENTS_MAX clients. A client that sends no
 * whole request (or does not read its reply) within CONTROL_IDLE_MS is
 * told so and dropped; when all slots are taken, the client idle the
 * longest (still sending its request) is evicted, told why, to make room;
 * when every slot is busy answering, the newcomer is refused, told why. */
#ifndef LOAXA_CONTROL_H
#define LOAXA_CONTROL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctlreq.h"
#include "kv.h"

#define CONTROL_CLIENTS_MAX 8
#define CONTROL_IDLE_MS 5000

struct control;

/* Who asked: the kernel's word for the peer (SO_PEERCRED; uid -1 when it
 * could not be had) and the optional as=NAME it gave ("" when none). */
struct control_peer {
	long uid, gid, pid;
	char as[CONTROL_AS_MAX + 1];
	char lang[CONTROL_LANG_MAX + 1]; /* lang=LANG, "" when none */
};

/* Handler: build the reply in r (kv_begin first). request has no newline,
 * no "as=" token, at most CONTROL_REQ_MAX bytes. */
typedef void (*control_handler)(void *ctx, const struct control_peer *peer, const char *request,
				struct kvbuf *r);

/* A reply's human text in the language the client asked for: fmt (the
 * English of error=, untranslated) formatted in lang into out. 1 when that
 * gives a translation (put it in message=), 0 when lang is "" or has none. */
int control_message(const char *lang, char *out, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Listen on path (a stale socket file is replaced; a live one is an error).
 * group "" keeps the daemon's group. NULL with a message in err. */
struct control *control_open(const char *path, const char *group, control_handler h, void *ctx,
			     char *err, size_t errn);
void control_close(struct control *c);

/* Poll descriptors (listener and clients); returns count. */
int control_pollfds(struct control *c, struct pollfd *fds, int max);
/* Handle whatever is ready among those descriptors, and drop clients idle
 * past their deadline. now_ms: the monotonic clock. Never blocks. */
void control_service(struct control *c, const struct pollfd *fds, int nfds, int64_t now_ms);
/* The earliest instant (monotonic ms) a client's idle deadline falls, or
 * -1 when no client is connected (the loop then sleeps without limit). */
int64_t control_deadline(const struct control *c);

/* Client side (loaxactl): send request, read the whole reply into a
 * malloc'd string. -1 with a message for people in err (daemon not
 * running, permission denied, ...). A daemon that refuses the connection
 * still answers: its reply is returned. */
int control_request(const char *path, const char *request, char **reply, char *err, size_t errn);

#endif
