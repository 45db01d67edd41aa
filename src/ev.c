/* The event loop: see ev.h. */
#include "ev.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct item {
	int used;
	int is_source;
	int fd;
	short events;
	ev_fd_cb cb;
	struct ev_source src;
	void *ctx;
	int at, n;       /* its descriptors in this turn's array */
	unsigned touched; /* turn number it was last touched in */
	const char *name;
};

struct ev {
	int64_t (*now_ms)(void);
	struct item it[EV_MAX_ITEMS];
	int nit;
	unsigned turn;
	int brk;
	int64_t slowest;
	const char *slowest_name;
	int64_t woke;
};

void ev_name(struct ev *e, int id, const char *name)
{
	if (id >= 0 && id < e->nit)
		e->it[id].name = name;
}

int64_t ev_woke(const struct ev *e)
{
	return e->woke;
}

int64_t ev_slowest(struct ev *e, const char **name)
{
	int64_t s = e->slowest;
	if (name)
		*name = e->slowest_name ? e->slowest_name : "";
	e->slowest = 0;
	e->slowest_name = NULL;
	return s;
}

struct ev *ev_new(int64_t (*now_ms)(void))
{
	struct ev *e = xcalloc(1, sizeof(*e));
	e->now_ms = now_ms;
	e->turn = 1;
	return e;
}

void ev_free(struct ev *e)
{
	free(e);
}

static struct item *new_item(struct ev *e, int *id)
{
	if (e->nit >= EV_MAX_ITEMS)
		return NULL;
	*id = e->nit++;
	struct item *i = &e->it[*id];
	memset(i, 0, sizeof(*i));
	i->used = 1;
	return i;
}

int ev_fd_add(struct ev *e, int fd, short events, ev_fd_cb cb, void *ctx)
{
	int id;
	struct item *i = new_item(e, &id);
	if (!i)
		return -1;
	i->fd = fd;
	i->events = events;
	i->cb = cb;
	i->ctx = ctx;
	return id;
}

void ev_fd_set(struct ev *e, int id, int fd)
{
	if (id >= 0 && id < e->nit) {
		e->it[id].fd = fd;
		e->it[id].touched = e->turn;
	}
}

int ev_source_add(struct ev *e, const struct ev_source *s)
{
	int id;
	struct item *i = new_item(e, &id);
	if (!i)
		return -1;
	i->is_source = 1;
	i->src = *s;
	return id;
}

void ev_touch(struct ev *e, int id)
{
	if (id >= 0 && id < e->nit)
		e->it[id].touched = e->turn;
}

void ev_break(struct ev *e)
{
	e->brk = 1;
}

int ev_run_once(struct ev *e)
{
	struct pollfd fds[EV_MAX_FDS];
	int n = 0;
	int64_t now = e->now_ms(), next = -1;
	e->turn++;
	e->brk = 0;
	for (int k = 0; k < e->nit; k++) {
		struct item *i = &e->it[k];
		i->at = n;
		i->n = 0;
		if (i->is_source) {
			if (i->src.pollfds)
				i->n = i->src.pollfds(i->src.ctx, fds + n, EV_MAX_FDS - n);
			if (i->src.deadline) {
				int64_t d = i->src.deadline(i->src.ctx);
				if (d >= 0 && (next < 0 || d < next))
					next = d;
			}
		} else if (i->fd >= 0 && i->events && n < EV_MAX_FDS) {
			fds[n] = (struct pollfd){.fd = i->fd, .events = i->events};
			i->n = 1;
		}
		n += i->n;
	}
	/* Only a deadline bounds the sleep: with none, nothing wakes the
	 * loop but its descriptors. */
	int timeout = -1;
	if (next >= 0) {
		int64_t in = next - now;
		timeout = in <= 0 ? 0 : in >= INT_MAX ? INT_MAX : (int)in + 1;
	}
	if (poll(fds, (nfds_t)n, timeout) < 0)
		return errno == EINTR ? 0 : -1;
	unsigned turn = e->turn;
	now = e->woke = e->now_ms();
	for (int k = 0; k < e->nit && !e->brk; k++) {
		struct item *i = &e->it[k];
		/* Touched by an earlier handler this turn: its poll results
		 * describe descriptors it no longer has. */
		if (i->touched == turn)
			continue;
		int any = 0;
		for (int j = 0; j < i->n; j++)
			any |= fds[i->at + j].revents != 0;
		int64_t t0 = e->now_ms();
		if (i->is_source) {
			int64_t d = i->src.deadline ? i->src.deadline(i->src.ctx) : -1;
			if (any || (d >= 0 && d <= now))
				i->src.service(i->src.ctx, fds + i->at, i->n, now);
		} else if (any) {
			i->cb(i->ctx, fds[i->at].revents);
		}
		int64_t took = e->now_ms() - t0;
		if (took > e->slowest) {
			e->slowest = took;
			e->slowest_name = i->name;
		}
	}
	return 0;
}
