/* The control socket, both ends: see control.h. The daemon side is
 * non-blocking and bounded: at most CONTROL_CLIENTS_MAX clients, each with
 * one request line of at most CONTROL_REQ_MAX bytes and CONTROL_IDLE_MS to
 * send it. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "i18n.h"
#include "util.h"

#define REPLY_MAX 16384

struct client {
	int fd;
	int64_t deadline; /* monotonic ms: dropped if not done by then */
	uint64_t seq;     /* accept order: the smallest is the oldest */
	struct control_peer peer;
	char req[CONTROL_REQ_MAX + 1];
	size_t len;
	char *out; /* reply being written */
	size_t outlen, outoff;
};

struct control {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	control_handler h;
	void *ctx;
	uint64_t accepted;
	struct client cl[CONTROL_CLIENTS_MAX];
};

static int fill_addr(struct sockaddr_un *sa, const char *path, char *err, size_t errn)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errn, _("control socket path is too long: %s"), path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

struct control *control_open(const char *path, const char *group, control_handler h, void *ctx,
			     char *err, size_t errn)
{
	struct sockaddr_un sa;
	if (fill_addr(&sa, path, err, errn) < 0)
		return NULL;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errn, "socket: %s", strerror(errno));
		return NULL;
	}
	/* A socket file nobody answers on is left over from a crash. */
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		close(fd);
		snprintf(err, errn, _("another loaxad is already running on %s"), path);
		return NULL;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);
	char dir[sizeof(sa.sun_path)];
	path_dirname(path, dir, sizeof(dir));
	mkdir_p(dir, 0755);
	mode_t old = umask(0117);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, CONTROL_CLIENTS_MAX) < 0) {
		snprintf(err, errn, _("cannot listen on %s: %s"), path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (group && *group) {
		struct group *g = getgrnam(group);
		/* Already ours (the usual case under systemd): no chown, which
		 * the unit's system call filter refuses. */
		if (!g || (g->gr_gid != getegid() && chown(path, (uid_t)-1, g->gr_gid) < 0))
			log_warnx(_("control socket %s: cannot give it to group '%s'%s"), path, group,
				  g ? "" : _(" (no such group)"));
	}
	chmod(path, 0660);
	struct control *c = xcalloc(1, sizeof(*c));
	c->lfd = fd;
	str_copy(c->path, path, sizeof(c->path));
	c->h = h;
	c->ctx = ctx;
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		c->cl[i].fd = -1;
	return c;
}

static void drop(struct client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		drop(&c->cl[i]);
	close(c->lfd);
	unlink(c->path);
	free(c);
}

int control_pollfds(struct control *c, struct pollfd *fds, int max)
{
	int n = 0;
	if (n < max)
		fds[n++] = (struct pollfd){.fd = c->lfd, .events = POLLIN};
	for (int i = 0; i < CONTROL_CLIENTS_MAX && n < max; i++)
		if (c->cl[i].fd >= 0)
			fds[n++] = (struct pollfd){.fd = c->cl[i].fd,
						   .events = c->cl[i].out ? POLLOUT : POLLIN};
	return n;
}

int64_t control_deadline(const struct control *c)
{
	int64_t t = -1;
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (c->cl[i].fd >= 0 && (t < 0 || c->cl[i].deadline < t))
			t = c->cl[i].deadline;
	return t;
}

static void flush(struct client *cl)
{
	while (cl->outoff < cl->outlen) {
		ssize_t w = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			break;
		}
		cl->outoff += (size_t)w;
	}
	drop(cl);
}

int control_message(const char *lang, char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = lang && *lang && i18n_vformat(lang, out, n, fmt, ap);
	va_end(ap);
	return r;
}

/* A refusal in the reply form, sent without waiting (it is small, and the
 * socket buffer empty), then the client is gone. */
static void refuse_fd(int fd, const char *why, const char *lang)
{
	char buf[1024], msg[512];
	struct kvbuf b;
	kv_init(&b, buf, sizeof(buf));
	kv_begin(&b, 0);
	kv_put(&b, "error", why);
	if (control_message(lang, msg, sizeof(msg), why))
		kv_put(&b, "message", msg);
	shutdown(fd, SHUT_RD);
	(void)!send(fd, buf, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void refuse(struct client *cl, const char *why)
{
	refuse_fd(cl->fd, why, cl->peer.lang);
	cl->fd = -1;
	drop(cl);
}

static void on_readable(struct control *c, struct client *cl, int64_t now_ms)
{
	ssize_t r = recv(cl->fd, cl->req + cl->len, CONTROL_REQ_MAX - cl->len, 0);
	if (r < 0) {
		if (errno != EAGAIN && errno != EINTR)
			drop(cl);
		return;
	}
	if (r == 0) {
		drop(cl); /* closed before a whole line */
		return;
	}
	cl->len += (size_t)r;
	char *nl = memchr(cl->req, '\n', cl->len);
	if (!nl) {
		if (cl->len >= CONTROL_REQ_MAX)
			refuse(cl, N_("request too long"));
		return;
	}
	*nl = '\0';
	if (nl > cl->req && nl[-1] == '\r')
		*--nl = '\0';
	if (memchr(cl->req, '\0', (size_t)(nl - cl->req)) || strchr(cl->req, '\r')) {
		refuse(cl, N_("malformed request"));
		return;
	}
	int bad = control_split_opts(cl->req, cl->peer.as, sizeof(cl->peer.as), cl->peer.lang,
				     sizeof(cl->peer.lang));
	if (bad == -1) {
		refuse(cl, N_("malformed as=NAME: NAME is 1 to 32 of A-Z a-z 0-9 . _ -"));
		return;
	}
	if (bad == -2) {
		refuse(cl, N_("malformed lang=LANG: LANG is 2 to 16 of A-Z a-z _ -"));
		return;
	}
	char *out = xcalloc(1, REPLY_MAX);
	struct kvbuf b;
	kv_init(&b, out, REPLY_MAX);
	c->h(c->ctx, &cl->peer, cl->req, &b);
	if (!b.len) {
		kv_begin(&b, 0);
		const char *why = N_("no reply");
		char msg[128];
		kv_put(&b, "error", why);
		if (control_message(cl->peer.lang, msg, sizeof(msg), why))
			kv_put(&b, "message", msg);
	}
	shutdown(cl->fd, SHUT_RD);
	cl->out = out;
	cl->outlen = b.len;
	cl->outoff = 0;
	cl->deadline = now_ms + CONTROL_IDLE_MS;
	flush(cl);
}

static void peer_of(int fd, struct control_peer *p)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);
	memset(p, 0, sizeof(*p));
	p->uid = p->gid = p->pid = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0) {
		p->uid = (long)cr.uid;
		p->gid = (long)cr.gid;
		p->pid = (long)cr.pid;
	}
}

static void on_accept(struct control *c, int64_t now_ms)
{
	for (;;) {
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		int slot = -1, oldest = -1;
		for (int i = 0; i < CONTROL_CLIENTS_MAX && slot < 0; i++) {
			struct client *cl = &c->cl[i];
			if (cl->fd < 0)
				slot = i;
			else if (!cl->out && (oldest < 0 || cl->seq < c->cl[oldest].seq))
				oldest = i;
		}
		if (slot < 0 && oldest >= 0) {
			log_info(_("control socket full: evicting the client idle the longest"));
			refuse(&c->cl[oldest], N_("evicted: the control socket was full and this connection had been idle the longest"));
			slot = oldest;
		}
		if (slot < 0) {
			refuse_fd(fd, N_("too many clients: every slot is busy answering; try again"), "");
			continue;
		}
		struct client *cl = &c->cl[slot];
		cl->fd = fd;
		cl->seq = ++c->accepted;
		cl->deadline = now_ms + CONTROL_IDLE_MS;
		peer_of(fd, &cl->peer);
	}
}

void control_service(struct control *c, const struct pollfd *fds, int nfds, int64_t now_ms)
{
	for (int k = 0; k < nfds; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == c->lfd) {
			on_accept(c, now_ms);
			continue;
		}
		for (int i = 0; i < CONTROL_CLIENTS_MAX; i++) {
			struct client *cl = &c->cl[i];
			if (cl->fd != fds[k].fd)
				continue;
			if (cl->out)
				flush(cl);
			else if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
				on_readable(c, cl, now_ms);
			break;
		}
	}
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		struct client *cl = &c->cl[i];
		if (cl->fd < 0 || cl->deadline > now_ms)
			continue;
		if (cl->out)
			drop(cl); /* it does not read its reply */
		else
			refuse(cl, N_("timed out: no whole request line within 5 seconds"));
	}
}

int control_request(const char *path, const char *request, char **out, char *err, size_t errn)
{
	struct sockaddr_un sa;
	*out = NULL;
	if (fill_addr(&sa, path, err, errn) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errn, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			snprintf(err, errn, _("loaxad is not running (no one answers on %s); start it with: systemctl start loaxad"),
				 path);
		else if (e == EACCES || e == EPERM)
			snprintf(err, errn, _("permission denied on %s: run as root or as a member of the station's control group"),
				 path);
		else
			snprintf(err, errn, _("cannot reach loaxad on %s: %s"), path, strerror(e));
		return -1;
	}
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char line[CONTROL_REQ_MAX + 2];
	int n = snprintf(line, sizeof(line), "%s\n", request);
	if (n >= (int)sizeof(line) - 1) {
		close(fd);
		snprintf(err, errn, _("request too long"));
		return -1;
	}
	/* A refused client finds the daemon's reason waiting even when the
	 * send fails (the daemon closed its end after answering). */
	int send_errno = 0;
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		send_errno = errno ? errno : EPIPE;
	size_t cap = 4096, len = 0;
	char *buf = xcalloc(1, cap);
	for (;;) {
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		/* A daemon that refused us before reading our request closes a
		 * socket with unread data: the kernel then says "reset" after
		 * the reply, instead of an end of file. */
		if (r < 0 && errno == ECONNRESET && len)
			break;
		if (r < 0) {
			snprintf(err, errn, "%s: %s", send_errno ? _("cannot send to loaxad") : _("no answer from loaxad"),
				 strerror(send_errno ? send_errno : errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!len && send_errno) {
		snprintf(err, errn, _("cannot send to loaxad: %s"), strerror(send_errno));
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}
