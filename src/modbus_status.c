/* Read-only Modbus TCP status server: see modbus_status.h and the register
 * map in docs/MODBUS.md. Frames are parsed here rather than with libmodbus's
 * modbus_receive, which waits for a whole request and so would let a slow
 * client stall the daemon. */
#include "modbus_status.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "i18n.h"
#include "util.h"

#define MBAP_LEN 6      /* transaction, protocol, length; the unit id is counted in length */
#define FRAME_MAX MODBUS_STATUS_FRAME_MAX
#define READ_MAX 125    /* registers one request may read */

enum { EX_ILLEGAL_FUNCTION = 1, EX_ILLEGAL_ADDRESS = 2, EX_ILLEGAL_VALUE = 3 };

struct client {
	int fd;
	uint8_t in[FRAME_MAX];
	size_t n;
	uint64_t active; /* last activity, for eviction */
};

struct modbus_status {
	int lfd;
	int port;
	struct status_net allow[16];
	size_t nallow;
	uint64_t refused;
	struct client c[MODBUS_STATUS_CLIENTS_MAX];
	size_t nc;
	uint64_t tick;
	uint16_t regs[MODBUS_STATUS_NREGS];
};

/* ---- the register map ---- */

static uint16_t sat16(unsigned v)
{
	return v > 0xffff ? 0xffff : (uint16_t)v;
}

static void put32(uint16_t *r, int64_t v)
{
	uint32_t u = v < 0 ? 0 : v > 0xffffffffLL ? 0xffffffffu : (uint32_t)v;
	r[0] = (uint16_t)(u >> 16);
	r[1] = (uint16_t)u;
}

static void put_text(uint16_t *r, size_t nregs, const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < nregs; i++) {
		uint8_t hi = 2 * i < len ? (uint8_t)s[2 * i] : 0;
		uint8_t lo = 2 * i + 1 < len ? (uint8_t)s[2 * i + 1] : 0;
		r[i] = (uint16_t)(hi << 8 | lo);
	}
}

void modbus_status_encode(const struct status_snapshot *s, uint16_t *r)
{
	memset(r, 0, MODBUS_STATUS_NREGS * sizeof(*r));
	r[0] = MODBUS_STATUS_MAP_VERSION;
	r[1] = (uint16_t)s->station_state;
	r[2] = (uint16_t)s->amp_state;
	r[3] = s->amp_fault ? 1 : 0;
	uint64_t serial = s->serial < 0 ? 0 : (uint64_t)s->serial;
	for (int i = 0; i < 4; i++)
		r[4 + i] = (uint16_t)(serial >> (48 - 16 * i));
	put32(r + 8, s->last_broadcast);
	r[10] = (uint16_t)s->last_outcome;
	r[11] = (uint16_t)s->year;
	r[12] = (uint16_t)s->month;
	size_t nc = s->ncampaigns < MODBUS_STATUS_CAMPAIGNS_MAX ? s->ncampaigns : MODBUS_STATUS_CAMPAIGNS_MAX;
	r[13] = (uint16_t)nc;
	put32(r + 14, s->now);
	put32(r + 16, s->uptime);
	r[18] = sat16(s->queued);
	r[19] = s->journal_failing ? 1 : 0;
	put_text(r + 20, 16, s->station);
	put_text(r + 36, 8, s->commune);
	/* issue 19: the monitor input's last result */
	r[44] = (uint16_t)s->mon_state;
	r[45] = sat16(s->mon_heard);
	r[46] = sat16(s->mon_seconds);
	double lv = s->mon_level_dbfs * 10.0;
	lv = lv < -32768 ? -32768 : lv > 32767 ? 32767 : lv;
	r[47] = (uint16_t)(int16_t)(lv < 0 ? lv - 0.5 : lv + 0.5);
	put32(r + 48, s->mon_time);
	for (size_t k = 0; k < nc; k++) {
		const struct status_campaign *c = &s->campaigns[k];
		uint16_t *b = r + 100 + 16 * k;
		b[0] = sat16(c->aired);
		b[1] = sat16(c->failed);
		b[2] = sat16(c->missed);
		b[3] = sat16(c->partial);
		b[4] = sat16(c->interrupted);
		b[5] = sat16(c->target > 0 ? (unsigned)c->target : 0);
		b[6] = c->target > 0 && c->aired >= (unsigned)c->target;
		put_text(b + 8, 8, c->id);
	}
}

/* ---- the server ---- */

struct modbus_status *modbus_status_open(const char *address, int port, char *err, size_t errn)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE};
	struct addrinfo *ai = NULL;
	char ps[16];
	snprintf(ps, sizeof(ps), "%d", port);
	int e = getaddrinfo(address && *address ? address : NULL, ps, &hints, &ai);
	if (e) {
		snprintf(err, errn, "Modbus status server: address %s: %s (give a numeric IPv4 or IPv6 address)",
			 address, gai_strerror(e));
		return NULL;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errn, "Modbus status server: cannot listen on %s port %d: %s", address, port,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return NULL;
	}
	freeaddrinfo(ai);
	struct modbus_status *m = xcalloc(1, sizeof(*m));
	m->lfd = fd;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	m->port = port;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		char hbuf[64], sbuf[16];
		if (getnameinfo((struct sockaddr *)&ss, sl, hbuf, sizeof(hbuf), sbuf, sizeof(sbuf),
				NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			m->port = atoi(sbuf);
	}
	struct status_snapshot none = {0};
	modbus_status_encode(&none, m->regs);
	return m;
}

int modbus_status_net_parse(const char *s, struct status_net *out)
{
	char a[64];
	const char *slash = strchr(s, '/');
	size_t al = slash ? (size_t)(slash - s) : strlen(s);
	if (!al || al >= sizeof(a))
		return -1;
	memcpy(a, s, al);
	a[al] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, a, out->addr) == 1) {
		out->family = AF_INET;
		out->bits = 32;
	} else if (inet_pton(AF_INET6, a, out->addr) == 1) {
		out->family = AF_INET6;
		out->bits = 128;
	} else {
		return -1;
	}
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || b < 0 || b > out->bits)
			return -1;
		out->bits = (int)b;
	}
	return 0;
}

int modbus_status_net_match(int family, const uint8_t *addr, const struct status_net *nets, size_t n)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (family == AF_INET6 && !memcmp(addr, mapped, 12)) {
		family = AF_INET;
		addr += 12;
	}
	for (size_t i = 0; i < n; i++) {
		if (nets[i].family != family)
			continue;
		int bits = nets[i].bits, k = 0;
		for (; bits >= 8; bits -= 8, k++)
			if (addr[k] != nets[i].addr[k])
				break;
		if (bits >= 8)
			continue;
		uint8_t mask = (uint8_t)(0xff00 >> bits);
		if (!bits || (addr[k] & mask) == (nets[i].addr[k] & mask))
			return 1;
	}
	return 0;
}

int modbus_status_allow(struct modbus_status *m, const char (*nets)[64], size_t n, char *err,
			size_t errn)
{
	if (n > ARRAY_LEN(m->allow)) {
		snprintf(err, errn, "Modbus status server: at most %zu allowed networks", ARRAY_LEN(m->allow));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (modbus_status_net_parse(nets[i], &m->allow[i]) < 0) {
			snprintf(err, errn, "Modbus status server: \"%s\" is not an address or a network", nets[i]);
			m->nallow = 0;
			return -1;
		}
	m->nallow = n;
	return 0;
}

/* 1 if the peer may be served (no allow list, or in it). */
static int peer_allowed(const struct modbus_status *m, const struct sockaddr_storage *ss)
{
	if (!m->nallow)
		return 1;
	if (ss->ss_family == AF_INET)
		return modbus_status_net_match(AF_INET, (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr,
					       m->allow, m->nallow);
	if (ss->ss_family == AF_INET6)
		return modbus_status_net_match(AF_INET6, ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr,
					       m->allow, m->nallow);
	return 0;
}

static void drop(struct modbus_status *m, size_t i)
{
	close(m->c[i].fd);
	m->c[i] = m->c[--m->nc];
}

void modbus_status_close(struct modbus_status *m)
{
	if (!m)
		return;
	while (m->nc)
		drop(m, m->nc - 1);
	close(m->lfd);
	free(m);
}

int modbus_status_port(const struct modbus_status *m)
{
	return m->port;
}

size_t modbus_status_clients(const struct modbus_status *m)
{
	return m->nc;
}

void modbus_status_update(struct modbus_status *m, const struct status_snapshot *s)
{
	modbus_status_encode(s, m->regs);
}

int modbus_status_pollfds(struct modbus_status *m, struct pollfd *fds, int max)
{
	int n = 0;
	if (max < 1)
		return 0;
	fds[n++] = (struct pollfd){.fd = m->lfd, .events = POLLIN};
	for (size_t i = 0; i < m->nc && n < max; i++)
		fds[n++] = (struct pollfd){.fd = m->c[i].fd, .events = POLLIN};
	return n;
}

/* Answer one request PDU (pdu[0] is the function). Returns the reply PDU's length. */
static size_t answer(const uint16_t *regs, const uint8_t *pdu, size_t len, uint8_t *out)
{
	uint8_t fn = pdu[0];
	uint8_t ex = 0;
	if (fn == 3 || fn == 4) {
		unsigned addr = len == 5 ? (unsigned)(pdu[1] << 8 | pdu[2]) : 0;
		unsigned qty = len == 5 ? (unsigned)(pdu[3] << 8 | pdu[4]) : 0;
		if (len != 5 || qty < 1 || qty > READ_MAX) {
			ex = EX_ILLEGAL_VALUE;
		} else if (addr + qty > MODBUS_STATUS_NREGS) {
			ex = EX_ILLEGAL_ADDRESS;
		} else {
			out[0] = fn;
			out[1] = (uint8_t)(2 * qty);
			for (unsigned i = 0; i < qty; i++) {
				out[2 + 2 * i] = (uint8_t)(regs[addr + i] >> 8);
				out[3 + 2 * i] = (uint8_t)regs[addr + i];
			}
			return 2 + 2 * qty;
		}
	} else {
		ex = EX_ILLEGAL_FUNCTION; /* writes (5, 6, 15, 16) and all else: read-only */
	}
	out[0] = (uint8_t)(fn | 0x80);
	out[1] = ex;
	return 2;
}

long modbus_status_frame(const uint16_t *regs, const uint8_t *in, size_t n,
			 uint8_t out[MODBUS_STATUS_FRAME_MAX], size_t *outlen)
{
	if (n < MBAP_LEN + 1)
		return 0;
	unsigned proto = (unsigned)(in[2] << 8 | in[3]);
	unsigned len = (unsigned)(in[4] << 8 | in[5]); /* unit id + PDU */
	if (proto != 0 || len < 2 || len > FRAME_MAX - MBAP_LEN)
		return -1;
	size_t total = MBAP_LEN + len;
	if (n < total)
		return 0;
	size_t plen = answer(regs, in + MBAP_LEN + 1, len - 1, out + MBAP_LEN + 1);
	memcpy(out, in, 4); /* transaction and protocol id */
	out[4] = (uint8_t)((plen + 1) >> 8);
	out[5] = (uint8_t)(plen + 1);
	out[6] = in[6]; /* unit id, echoed */
	*outlen = MBAP_LEN + 1 + plen;
	return (long)total;
}

/* Parse and answer every whole frame in the client's buffer. 0, or -1 to
 * drop the client (not Modbus TCP, or it does not take our reply). */
static int serve_frames(struct modbus_status *m, struct client *c)
{
	for (;;) {
		uint8_t out[FRAME_MAX];
		size_t olen = 0;
		long total = modbus_status_frame(m->regs, c->in, c->n, out, &olen);
		if (total <= 0)
			return (int)total;
		ssize_t w = send(c->fd, out, olen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w != (ssize_t)olen)
			return -1; /* a client that does not read its replies */
		memmove(c->in, c->in + total, c->n - (size_t)total);
		c->n -= (size_t)total;
	}
}

static void accept_clients(struct modbus_status *m)
{
	for (int k = 0; k < 16; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(m->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (!peer_allowed(m, &ss)) {
			close(fd); /* not on amplifier.status.allow: not a byte read or sent */
			if (!m->refused++) {
				char h[64] = "?";
				getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), NULL, 0, NI_NUMERICHOST);
				log_warnx(_("Modbus status server: refused a client from %s (not in amplifier.status.allow; further refusals are not logged)"),
					  h);
			}
			continue;
		}
		if (m->nc == MODBUS_STATUS_CLIENTS_MAX) {
			size_t old = 0; /* make room: the least recently active goes */
			for (size_t i = 1; i < m->nc; i++)
				if (m->c[i].active < m->c[old].active)
					old = i;
			drop(m, old);
		}
		struct client *c = &m->c[m->nc++];
		c->fd = fd;
		c->n = 0;
		c->active = ++m->tick;
	}
}

static void read_client(struct modbus_status *m, size_t i)
{
	struct client *c = &m->c[i];
	ssize_t r = recv(c->fd, c->in + c->n, sizeof(c->in) - c->n, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (r <= 0) {
		drop(m, i);
		return;
	}
	c->n += (size_t)r;
	c->active = ++m->tick;
	if (serve_frames(m, c) < 0)
		drop(m, i);
}

void modbus_status_service(struct modbus_status *m, const struct pollfd *fds, int nfds)
{
	int listener = 0;
	for (int k = 0; k < nfds; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == m->lfd) {
			listener = 1;
			continue;
		}
		/* find the client by descriptor: drop() reorders the table */
		for (size_t i = 0; i < m->nc; i++)
			if (m->c[i].fd == fds[k].fd) {
				read_client(m, i);
				break;
			}
	}
	if (listener)
		accept_clients(m); /* after reading, so an evicted slot is not read from */
}
