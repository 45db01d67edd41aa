/* The control socket, both ends: see control.h. The daemon side is
 * non-blocking and bounded: at most CONTROL_CLIENTS_MAX clients, each with
 * one request line of at most CONTROL_REQ_MAX bytes, or it is refused. */
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

#include "util.h"

#define REPLY_MAX 16384

struct client {
	int fd;
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
	struct client cl[CONTROL_CLIENTS_MAX];
};

static int fill_addr(struct sockaddr_un *sa, const char *path, char *err, size_t errn)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errn, "control socket path is too long: %s", path);
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
		snprintf(err, errn, "another loaxad is already running on %s", path);
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
		snprintf(err, errn, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (group && *group) {
		struct group *g = getgrnam(group);
		/* Already ours (the usual case under systemd): no chown, which
		 * the unit's system call filter refuses. */
		if (!g || (g->gr_gid != getegid() && chown(path, (uid_t)-1, g->gr_gid) < 0))
			log_warnx("control socket %s: cannot give it to group '%s'%s", path, group,
				  g ? "" : " (no such group)");
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

static void reply(struct client *cl, const char *text)
{
	cl->out = xstrdup(text);
	cl->outlen = strlen(text);
	cl->outoff = 0;
	shutdown(cl->fd, SHUT_RD);
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

static void on_readable(struct control *c, struct client *cl)
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
		if (cl->len >= CONTROL_REQ_MAX) {
			reply(cl, "error: request too long\n");
			flush(cl);
		}
		return;
	}
	*nl = '\0';
	if (nl > cl->req && nl[-1] == '\r')
		nl[-1] = '\0';
	if (memchr(cl->req, '\0', (size_t)(nl - cl->req))) {
		reply(cl, "error: malformed request\n");
		flush(cl);
		return;
	}
	char *out = xcalloc(1, REPLY_MAX);
	c->h(c->ctx, cl->req, out, REPLY_MAX);
	if (!*out)
		str_copy(out, "error: no reply\n", REPLY_MAX);
	cl->out = out;
	cl->outlen = strlen(out);
	cl->outoff = 0;
	flush(cl);
}

void control_service(struct control *c, const struct pollfd *fds, int nfds)
{
	for (int k = 0; k < nfds; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == c->lfd) {
			for (;;) {
				int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0)
					break;
				int slot = -1;
				for (int i = 0; i < CONTROL_CLIENTS_MAX && slot < 0; i++)
					if (c->cl[i].fd < 0)
						slot = i;
				if (slot < 0) {
					static const char busy[] = "error: too many clients, try again\n";
					(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
					close(fd);
					continue;
				}
				c->cl[slot].fd = fd;
			}
			continue;
		}
		for (int i = 0; i < CONTROL_CLIENTS_MAX; i++) {
			struct client *cl = &c->cl[i];
			if (cl->fd != fds[k].fd)
				continue;
			if (cl->out)
				flush(cl);
			else if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
				on_readable(c, cl);
			break;
		}
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
			snprintf(err, errn, "loaxad is not running (no one answers on %s); start it with: systemctl start loaxad",
				 path);
		else if (e == EACCES || e == EPERM)
			snprintf(err, errn, "permission denied on %s: run as root or as a member of the station's control group",
				 path);
		else
			snprintf(err, errn, "cannot reach loaxad on %s: %s", path, strerror(e));
		return -1;
	}
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char line[CONTROL_REQ_MAX + 2];
	int n = snprintf(line, sizeof(line), "%s\n", request);
	if (n >= (int)sizeof(line) - 1) {
		close(fd);
		snprintf(err, errn, "request too long");
		return -1;
	}
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		snprintf(err, errn, "cannot send to loaxad: %s", strerror(errno));
		close(fd);
		return -1;
	}
	size_t cap = 4096, len = 0;
	char *buf = xcalloc(1, cap);
	for (;;) {
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errn, "no answer from loaxad: %s", strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return 0;
}
