/* A small event loop over poll(), in the manner of Redis's ae: each
 * descriptor and each source of descriptors is registered once with its
 * handler; the loop asks sources for their descriptors before each poll
 * (ALSA's change while playing, libmodbus's per connection, the control
 * socket's per client), sleeps until the nearest deadline, and calls the
 * handlers in registration order. Knows nothing of loaxad.
 *
 * A module joins the loop with one descriptor (ev_fd_add), or as a
 * source whose descriptors and interest may change each turn (the MQTT
 * link: libmosquitto's want_write):
 *
 *     struct ev_source s = {.pollfds = link_pollfds, .service = link_service,
 *                           .deadline = link_deadline, .ctx = link};
 *     ev_source_add(loop, &s);
 */
#ifndef LOAXA_EV_H
#define LOAXA_EV_H

#include <poll.h>
#include <stdint.h>

#define EV_MAX_FDS 96   /* descriptors polled at once, all sources together */
#define EV_MAX_ITEMS 32 /* registered descriptors and sources */

struct ev;

typedef void (*ev_fd_cb)(void *ctx, short revents);

struct ev_source {
	/* Fill up to max descriptors to poll now; return the count. */
	int (*pollfds)(void *ctx, struct pollfd *fds, int max);
	/* Called when one of them is ready, or when the deadline has come
	 * (then every revents is 0), with the monotonic time in ms. */
	void (*service)(void *ctx, struct pollfd *fds, int n, int64_t now_ms);
	/* The monotonic instant (ms) it must be called by, -1 for none; NULL
	 * when the source never needs one. */
	int64_t (*deadline)(void *ctx);
	void *ctx;
};

/* now_ms: the monotonic clock in milliseconds. */
struct ev *ev_new(int64_t (*now_ms)(void));
void ev_free(struct ev *e);

/* One descriptor with an interest mask (0: not polled for now). Returns
 * its id, or -1 when EV_MAX_ITEMS are registered. fd -1: ignored. */
int ev_fd_add(struct ev *e, int fd, short events, ev_fd_cb cb, void *ctx);
void ev_fd_set(struct ev *e, int id, int fd); /* the descriptor was replaced */
int ev_source_add(struct ev *e, const struct ev_source *s);

/* The descriptors of item id changed during this turn (a player started or
 * stopped, a new Modbus operation began): what poll said about the old
 * ones is not handed to it. */
void ev_touch(struct ev *e, int id);
/* Make ev_run_once return after the handler running now. */
void ev_break(struct ev *e);

/* A name for item id, for ev_slowest. */
void ev_name(struct ev *e, int id, const char *name);
/* The longest a handler has run in one call since the last ask (ms) and
 * its item's name; resets. What make bench reports as the loop's stall. */
int64_t ev_slowest(struct ev *e, const char **name);
/* When the last poll() returned (now_ms's clock): the caller's work from
 * then to the next ev_run_once is the turn during which a request that
 * arrives waits. */
int64_t ev_woke(const struct ev *e);

/* One turn: poll (sleeping until a descriptor is ready or the nearest
 * deadline), then the handlers. 0, or -1 with errno when poll failed
 * (EINTR is not a failure). */
int ev_run_once(struct ev *e);

#endif
