/* Amplifier adapter over libmodbus: see amp.h. Each operation is a short
 * list of requests (write coils, read coils, read the fault input) sent one
 * at a time with modbus_send_raw_request; replies are read with
 * modbus_receive_confirmation once poll() reports them and are checked
 * here, byte for byte, before anything is believed. */
#include "amp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <modbus.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "util.h"

#define MAX_STEPS (2 * MAX_ZONES + 8)
#define READ_SPAN_MAX 2000 /* coils one read may cover (Modbus limit) */

enum step_kind { STEP_WRITE1, STEP_WRITEN, STEP_READ_COILS, STEP_READ_INPUT };

struct step {
	enum step_kind kind;
	uint16_t addr, count;
	uint32_t bits; /* STEP_WRITE1: 0/1; STEP_WRITEN: bit i for coil addr+i (count <= 32) */
};

struct amp {
	struct amp_config c;
	int null;
	char peer[PATHBUF + 64];
	modbus_t *mb;
	int connected;
	int unresolved;          /* host name not looked up yet: amp_set_address */
	char addr[64];           /* the host's numeric address, once looked up */
	int tfd;                 /* deadline of the request in flight */
	int64_t next_connect;    /* ms; no connection attempt before */
	int64_t backoff;
	char last_error[200];
	/* the operation in flight */
	int busy;
	struct step steps[MAX_STEPS];
	size_t nsteps, cur;
	int64_t deadline;        /* ms */
	struct seq_reading rd;
	/* the null twin's relays */
	int null_power;
	uint32_t null_zones;
};

static int64_t now_ms(void)
{
	return clock_mono_ns() / 1000000;
}

/* ---- building operations ---- */

static void add(struct amp *a, enum step_kind k, int addr, int count, uint32_t bits)
{
	if (a->nsteps < MAX_STEPS)
		a->steps[a->nsteps++] = (struct step){k, (uint16_t)addr, (uint16_t)count, bits};
}

/* Zone coils, switched to mask: one write when they are consecutive coils
 * (each once), else one write per zone. */
static void add_zone_writes(struct amp *a, uint32_t mask)
{
	size_t n = a->c.nzones;
	if (!n)
		return;
	int lo = 65535, hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (a->c.zones[i].coil < lo)
			lo = a->c.zones[i].coil;
		if (a->c.zones[i].coil > hi)
			hi = a->c.zones[i].coil;
	}
	int contiguous = (size_t)(hi - lo + 1) == n && n <= 32 && n > 1;
	for (size_t i = 0; contiguous && i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (a->c.zones[i].coil == a->c.zones[k].coil)
				contiguous = 0;
	if (contiguous) {
		uint32_t bits = 0;
		for (size_t i = 0; i < n; i++)
			if (mask & (1u << (a->c.zones[i].zone - 1)))
				bits |= 1u << (a->c.zones[i].coil - lo);
		add(a, STEP_WRITEN, lo, hi - lo + 1, bits);
		return;
	}
	for (size_t i = 0; i < n; i++)
		add(a, STEP_WRITE1, a->c.zones[i].coil, 1, (mask >> (a->c.zones[i].zone - 1)) & 1);
}

/* Read the power and zone coils: one request when they lie within 2000
 * coils of each other, else one per coil. */
static void add_coil_reads(struct amp *a)
{
	int lo = a->c.power_coil, hi = a->c.power_coil;
	for (size_t i = 0; i < a->c.nzones; i++) {
		if (a->c.zones[i].coil < lo)
			lo = a->c.zones[i].coil;
		if (a->c.zones[i].coil > hi)
			hi = a->c.zones[i].coil;
	}
	if (hi - lo + 1 <= READ_SPAN_MAX) {
		add(a, STEP_READ_COILS, lo, hi - lo + 1, 0);
		return;
	}
	add(a, STEP_READ_COILS, a->c.power_coil, 1, 0);
	for (size_t i = 0; i < a->c.nzones; i++)
		add(a, STEP_READ_COILS, a->c.zones[i].coil, 1, 0);
}

static void build(struct amp *a, enum amp_op op, uint32_t zones)
{
	a->nsteps = a->cur = 0;
	switch (op) {
	case AMP_POWER_ON:
	case AMP_POWER_OFF:
		add(a, STEP_WRITE1, a->c.power_coil, 1, op == AMP_POWER_ON);
		add_coil_reads(a);
		break;
	case AMP_ZONES:
		add_zone_writes(a, zones);
		add_coil_reads(a);
		if (a->c.fault_input >= 0)
			add(a, STEP_READ_INPUT, a->c.fault_input, 1, 0);
		break;
	case AMP_CHECK:
		add_coil_reads(a);
		if (a->c.fault_input >= 0)
			add(a, STEP_READ_INPUT, a->c.fault_input, 1, 0);
		break;
	case AMP_SAFE:
		add_zone_writes(a, 0);
		add(a, STEP_WRITE1, a->c.power_coil, 1, 0);
		add_coil_reads(a);
		break;
	}
}

static void step_name(const struct step *s, char *buf, size_t n)
{
	switch (s->kind) {
	case STEP_WRITE1:
		snprintf(buf, n, "writing coil %u %s", s->addr, s->bits ? "on" : "off");
		break;
	case STEP_WRITEN:
		snprintf(buf, n, "writing coils %u-%u", s->addr, s->addr + s->count - 1);
		break;
	case STEP_READ_COILS:
		if (s->count == 1)
			snprintf(buf, n, "reading coil %u", s->addr);
		else
			snprintf(buf, n, "reading coils %u-%u", s->addr, s->addr + s->count - 1);
		break;
	case STEP_READ_INPUT:
		snprintf(buf, n, "reading discrete input %u", s->addr);
		break;
	}
}

/* ---- connection ---- */

static void set_timeout(struct amp *a, int64_t ms)
{
	if (ms < 1)
		ms = 1;
	modbus_set_response_timeout(a->mb, (uint32_t)(ms / 1000), (uint32_t)(ms % 1000) * 1000);
}

static void disconnect(struct amp *a)
{
	if (a->connected)
		modbus_close(a->mb);
	a->connected = 0;
	a->busy = 0;
	clock_mono_timer_in(a->tfd, 0);
}

/* A transport failure: drop the connection, back off, report. */
static int fail_comm(struct amp *a, struct amp_result *res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_comm(struct amp *a, struct amp_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->last_error, sizeof(a->last_error), fmt, ap);
	va_end(ap);
	disconnect(a);
	a->next_connect = now_ms() + a->backoff;
	a->backoff = a->backoff * 2 > AMP_BACKOFF_MAX_MS ? AMP_BACKOFF_MAX_MS : a->backoff * 2;
	memset(res, 0, sizeof(*res));
	snprintf(res->error, sizeof(res->error), "%s: %s", a->peer, a->last_error);
	res->retry_ms = a->next_connect;
	return 1;
}

/* The module answered but refused (exception reply): the link is fine. */
static int fail_refused(struct amp *a, struct amp_result *res, const char *what)
{
	str_copy(a->last_error, what, sizeof(a->last_error));
	a->busy = 0;
	clock_mono_timer_in(a->tfd, 0);
	memset(res, 0, sizeof(*res));
	snprintf(res->error, sizeof(res->error), "%s: %s", a->peer, what);
	return 1;
}

/* An idle TCP connection the module has closed (or sent junk on). */
static int stale(struct amp *a)
{
	struct pollfd p = {.fd = modbus_get_socket(a->mb), .events = POLLIN};
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (!a->c.tcp) {
		modbus_flush(a->mb);
		return 0;
	}
	return 1;
}

/* A libmodbus context for the configured peer at host (TCP: the host as
 * configured, or its looked-up address); NULL and errno when it cannot be
 * made: ELIBACC when libmodbus itself will not load (modbus_dl.c), which
 * do_connect retries. */
static modbus_t *new_ctx(const struct amp *a, const char *host)
{
	const struct amp_config *c = &a->c;
	modbus_t *mb;
	if (c->tcp) {
		struct in_addr in;
		char port[16];
		snprintf(port, sizeof(port), "%d", c->port);
		mb = inet_pton(AF_INET, host, &in) == 1 ? modbus_new_tcp(host, c->port) : modbus_new_tcp_pi(host, port);
	} else {
		mb = modbus_new_rtu(c->device, c->baud, c->parity, c->data_bits, c->stop_bits);
	}
	if (!mb)
		return NULL;
	if (modbus_set_slave(mb, c->slave) < 0) {
		int e = errno;
		modbus_free(mb);
		errno = e;
		return NULL;
	}
	/* No separate byte timeout: the whole reply must come within the
	 * response timeout, which amp_service sets to what is left. */
	modbus_set_byte_timeout(mb, 0, 0);
	modbus_set_error_recovery(mb, MODBUS_ERROR_RECOVERY_NONE);
	return mb;
}

static int do_connect(struct amp *a, struct amp_result *res)
{
	int64_t now = now_ms();
	if (a->unresolved) {
		/* Never a name lookup here: it may wait for DNS, in the loop. */
		memset(res, 0, sizeof(*res));
		snprintf(res->error, sizeof(res->error), "%s: host name not resolved yet", a->peer);
		res->retry_ms = now + AMP_BACKOFF_MIN_MS;
		return -1;
	}
	if (now < a->next_connect) {
		memset(res, 0, sizeof(*res));
		snprintf(res->error, sizeof(res->error), "%s: %s (next attempt in %lld ms)", a->peer,
			 a->last_error[0] ? a->last_error : "not connected",
			 (long long)(a->next_connect - now));
		res->retry_ms = a->next_connect;
		return -1;
	}
	if (!a->mb && !(a->mb = new_ctx(a, a->addr[0] ? a->addr : a->c.host))) {
		/* libmodbus missing or damaged: an amplifier fault like any
		 * other, tried again with the back-off (a repaired file is used) */
		fail_comm(a, res, "%s", modbus_strerror(errno));
		return -1;
	}
	set_timeout(a, a->c.timeout_ms); /* bounds the TCP connect too */
	if (modbus_connect(a->mb) < 0) {
		int e = errno;
		if (e == EINPROGRESS || e == ETIMEDOUT)
			fail_comm(a, res, "cannot connect: no answer within %d ms", a->c.timeout_ms);
		else
			fail_comm(a, res, "cannot connect: %s", modbus_strerror(e));
		return -1;
	}
	a->connected = 1;
	return 0;
}

/* ---- requests and replies ---- */

static int send_step(struct amp *a, struct amp_result *res)
{
	const struct step *s = &a->steps[a->cur];
	uint8_t req[16];
	int n = 0;
	req[n++] = (uint8_t)a->c.slave;
	switch (s->kind) {
	case STEP_WRITE1:
		req[n++] = MODBUS_FC_WRITE_SINGLE_COIL;
		req[n++] = s->addr >> 8;
		req[n++] = s->addr & 0xff;
		req[n++] = s->bits ? 0xff : 0x00;
		req[n++] = 0x00;
		break;
	case STEP_WRITEN: {
		int bytes = (s->count + 7) / 8;
		req[n++] = MODBUS_FC_WRITE_MULTIPLE_COILS;
		req[n++] = s->addr >> 8;
		req[n++] = s->addr & 0xff;
		req[n++] = s->count >> 8;
		req[n++] = s->count & 0xff;
		req[n++] = (uint8_t)bytes;
		for (int i = 0; i < bytes; i++)
			req[n++] = (uint8_t)(s->bits >> (8 * i));
		break;
	}
	case STEP_READ_COILS:
	case STEP_READ_INPUT:
		req[n++] = s->kind == STEP_READ_COILS ? MODBUS_FC_READ_COILS : MODBUS_FC_READ_DISCRETE_INPUTS;
		req[n++] = s->addr >> 8;
		req[n++] = s->addr & 0xff;
		req[n++] = s->count >> 8;
		req[n++] = s->count & 0xff;
		break;
	}
	char what[64];
	step_name(s, what, sizeof(what));
	if (!a->c.tcp)
		modbus_flush(a->mb); /* a late reply to an abandoned request */
	if (modbus_send_raw_request(a->mb, req, n) < 0) {
		int e = errno;
		return fail_comm(a, res, "%s: %s", what, modbus_strerror(e));
	}
	a->deadline = now_ms() + a->c.timeout_ms;
	clock_mono_timer_in(a->tfd, a->c.timeout_ms);
	return 0;
}

static const char *exception_name(int code)
{
	switch (code) {
	case 1: return "illegal function";
	case 2: return "illegal data address";
	case 3: return "illegal data value";
	case 4: return "server device failure";
	case 5: return "acknowledge";
	case 6: return "server device busy";
	case 10: return "gateway path unavailable";
	case 11: return "gateway target device failed to respond";
	default: return "unknown exception";
	}
}

static void apply_coil(struct amp *a, int coil, int on)
{
	if (coil == a->c.power_coil)
		a->rd.power = on;
	for (size_t i = 0; i < a->c.nzones; i++) {
		if (a->c.zones[i].coil != coil)
			continue;
		uint32_t bit = 1u << (a->c.zones[i].zone - 1);
		a->rd.zones = on ? a->rd.zones | bit : a->rd.zones & ~bit;
	}
}

/* Check the reply to the current step. 0 good, 1 exception (what filled),
 * -1 malformed (what filled). */
static int check_reply(struct amp *a, const uint8_t *rsp, int len, char *what, size_t n)
{
	const struct step *s = &a->steps[a->cur];
	int off = modbus_get_header_length(a->mb);
	int crc = a->c.tcp ? 0 : 2;
	int body = len - off - crc; /* function code onwards */
	uint8_t fn = s->kind == STEP_WRITE1        ? MODBUS_FC_WRITE_SINGLE_COIL
		     : s->kind == STEP_WRITEN      ? MODBUS_FC_WRITE_MULTIPLE_COILS
		     : s->kind == STEP_READ_COILS  ? MODBUS_FC_READ_COILS
						   : MODBUS_FC_READ_DISCRETE_INPUTS;
	if (off < 1 || body < 2) {
		snprintf(what, n, "reply too short (%d bytes)", len);
		return -1;
	}
	if (a->c.tcp && (rsp[2] || rsp[3])) {
		snprintf(what, n, "reply with protocol id %u, not Modbus", rsp[2] << 8 | rsp[3]);
		return -1;
	}
	if (a->c.tcp && (rsp[0] || rsp[1])) { /* requests go out with transaction id 0 */
		snprintf(what, n, "reply with transaction id %u to 0", rsp[0] << 8 | rsp[1]);
		return -1;
	}
	if (rsp[off - 1] != (uint8_t)a->c.slave) {
		snprintf(what, n, "reply from unit %u, not %d", rsp[off - 1], a->c.slave);
		return -1;
	}
	const uint8_t *p = rsp + off;
	if (p[0] == (fn | 0x80)) {
		snprintf(what, n, "exception %u (%s)", p[1], exception_name(p[1]));
		return 1;
	}
	if (p[0] != fn) {
		snprintf(what, n, "reply with function %u to function %u", p[0], fn);
		return -1;
	}
	switch (s->kind) {
	case STEP_READ_COILS:
	case STEP_READ_INPUT: {
		int bytes = (s->count + 7) / 8;
		if (body != 2 + bytes || p[1] != bytes) {
			snprintf(what, n, "reply of %d bytes for %u bits", body, s->count);
			return -1;
		}
		for (int i = 0; i < s->count; i++) {
			int on = (p[2 + i / 8] >> (i % 8)) & 1;
			if (s->kind == STEP_READ_INPUT)
				a->rd.fault = on;
			else
				apply_coil(a, s->addr + i, on);
		}
		return 0;
	}
	case STEP_WRITE1:
		/* Some boards echo the coil's new state rather than the request:
		 * a different value is for the read-back to judge. */
		if (body != 5 || (p[1] << 8 | p[2]) != s->addr || (p[3] != 0xff && p[3]) || p[4]) {
			snprintf(what, n, "write reply does not echo the request");
			return -1;
		}
		return 0;
	case STEP_WRITEN:
		if (body != 5 || (p[1] << 8 | p[2]) != s->addr || (p[3] << 8 | p[4]) != s->count) {
			snprintf(what, n, "write reply does not echo the request");
			return -1;
		}
		return 0;
	}
	return -1;
}

/* Next request, or the end of the operation. 1 when over. */
static int advance(struct amp *a, struct amp_result *res)
{
	if (++a->cur < a->nsteps)
		return send_step(a, res);
	a->busy = 0;
	clock_mono_timer_in(a->tfd, 0);
	a->backoff = AMP_BACKOFF_MIN_MS;
	a->last_error[0] = '\0';
	memset(res, 0, sizeof(*res));
	res->ok = 1;
	res->rd = a->rd;
	return 1;
}

/* ---- the interface ---- */

struct amp *amp_new(const struct amp_config *c, char *err, size_t errn)
{
	struct amp *a = xcalloc(1, sizeof(*a));
	a->c = *c;
	a->tfd = -1;
	a->backoff = AMP_BACKOFF_MIN_MS;
	if (!c->enabled) {
		a->null = 1;
		str_copy(a->peer, "none configured", sizeof(a->peer));
		return a;
	}
	if (c->tcp) {
		struct in_addr in;
		struct in6_addr in6;
		/* An IPv4 address connects without a name lookup; an IPv6 one
		 * through getaddrinfo, which does not wait for it; a host name
		 * must be resolved first (amp_set_address). */
		a->unresolved = inet_pton(AF_INET, c->host, &in) != 1 && inet_pton(AF_INET6, c->host, &in6) != 1;
		snprintf(a->peer, sizeof(a->peer), "tcp %s:%d slave %d", c->host, c->port, c->slave);
	} else {
		snprintf(a->peer, sizeof(a->peer), "rtu %s %d %d%c%d slave %d", c->device, c->baud,
			 c->data_bits, c->parity, c->stop_bits, c->slave);
	}
	a->mb = new_ctx(a, c->host);
	if (!a->mb && errno != ELIBACC) { /* a setting libmodbus refuses */
		snprintf(err, errn, "amplifier %s: %s", a->peer, modbus_strerror(errno));
		free(a);
		return NULL;
	}
	a->tfd = clock_mono_timer_new();
	if (a->tfd < 0) {
		snprintf(err, errn, "amplifier: timerfd: %s", strerror(errno));
		if (a->mb)
			modbus_free(a->mb);
		free(a);
		return NULL;
	}
	return a;
}

void amp_free(struct amp *a)
{
	if (!a)
		return;
	if (a->mb) {
		disconnect(a);
		modbus_free(a->mb);
	}
	if (a->tfd >= 0)
		close(a->tfd);
	free(a);
}

int amp_needs_address(const struct amp *a, char *host, size_t n)
{
	if (!a->unresolved)
		return 0;
	str_copy(host, a->c.host, n);
	return 1;
}

int amp_set_address(struct amp *a, const char *addr, char *err, size_t errn)
{
	struct in_addr in;
	struct in6_addr in6;
	if (inet_pton(AF_INET, addr, &in) != 1 && inet_pton(AF_INET6, addr, &in6) != 1) {
		snprintf(err, errn, "amplifier %s: not a numeric address: %s", a->peer, addr);
		return -1;
	}
	modbus_t *mb = new_ctx(a, addr);
	if (!mb && errno != ELIBACC) {
		snprintf(err, errn, "amplifier %s: %s", a->peer, modbus_strerror(errno));
		return -1;
	}
	str_copy(a->addr, addr, sizeof(a->addr));
	amp_cancel(a);
	disconnect(a);
	if (a->mb)
		modbus_free(a->mb);
	a->mb = mb; /* NULL without libmodbus: do_connect makes it */
	a->unresolved = 0;
	a->next_connect = 0;
	return 0;
}

int amp_enabled(const struct amp *a)
{
	return !a->null;
}

const char *amp_peer(const struct amp *a)
{
	return a->peer;
}

int amp_connected(const struct amp *a)
{
	return a->null || a->connected;
}

int amp_busy(const struct amp *a)
{
	return a->busy;
}

void amp_cancel(struct amp *a)
{
	if (a->busy)
		disconnect(a);
}

int amp_begin(struct amp *a, enum amp_op op, uint32_t zones, struct amp_result *res)
{
	memset(res, 0, sizeof(*res));
	if (a->null) {
		uint32_t all = 0;
		for (size_t i = 0; i < a->c.nzones; i++)
			all |= 1u << (a->c.zones[i].zone - 1);
		switch (op) {
		case AMP_POWER_ON: a->null_power = 1; break;
		case AMP_POWER_OFF: a->null_power = 0; break;
		case AMP_ZONES: a->null_zones = zones & all; break;
		case AMP_CHECK: break;
		case AMP_SAFE: a->null_power = 0; a->null_zones = 0; break;
		}
		res->ok = 1;
		res->rd.power = a->null_power;
		res->rd.zones = a->null_zones;
		res->rd.fault = -1;
		return 1;
	}
	amp_cancel(a);
	if (a->connected && stale(a))
		disconnect(a); /* the module closed an idle connection: a new one now */
	build(a, op, zones);
	a->rd.power = 0;
	a->rd.zones = 0;
	a->rd.fault = -1;
	if (!a->connected && do_connect(a, res) < 0)
		return 1;
	a->busy = 1;
	if (send_step(a, res))
		return 1;
	return 0;
}

int amp_pollfds(struct amp *a, struct pollfd *fds, int max)
{
	if (!a->busy || max < 2)
		return 0;
	fds[0] = (struct pollfd){.fd = modbus_get_socket(a->mb), .events = POLLIN};
	fds[1] = (struct pollfd){.fd = a->tfd, .events = POLLIN};
	return 2;
}

int amp_service(struct amp *a, const struct pollfd *fds, int nfds, struct amp_result *res)
{
	if (!a->busy)
		return 0;
	int sock = modbus_get_socket(a->mb);
	short sock_ev = 0, timer_ev = 0;
	for (int i = 0; i < nfds; i++) {
		if (fds[i].fd == sock)
			sock_ev |= fds[i].revents;
		else if (fds[i].fd == a->tfd)
			timer_ev |= fds[i].revents;
	}
	char what[64], why[128];
	step_name(&a->steps[a->cur], what, sizeof(what));
	if (sock_ev) {
		uint8_t rsp[MODBUS_TCP_MAX_ADU_LENGTH];
		set_timeout(a, a->deadline - now_ms()); /* never past the deadline */
		int len = modbus_receive_confirmation(a->mb, rsp);
		if (len < 0) {
			int e = errno;
			if (e == ETIMEDOUT)
				return fail_comm(a, res, "%s: incomplete reply within %d ms", what,
						 a->c.timeout_ms);
			return fail_comm(a, res, "%s: %s", what,
					 e == ECONNRESET ? "connection closed by the module" : modbus_strerror(e));
		}
		if (len == 0) /* RTU: a frame for another slave on the bus */
			return 0;
		int r = check_reply(a, rsp, len, why, sizeof(why));
		if (r < 0)
			return fail_comm(a, res, "%s: %s", what, why);
		if (r > 0) {
			char msg[200];
			snprintf(msg, sizeof(msg), "%s: %s", what, why);
			return fail_refused(a, res, msg);
		}
		return advance(a, res);
	}
	if (timer_ev) {
		uint64_t x;
		(void)!read(a->tfd, &x, sizeof(x));
		if (now_ms() >= a->deadline)
			return fail_comm(a, res, "%s: timeout, no answer within %d ms", what, a->c.timeout_ms);
	}
	return 0;
}

int amp_run(struct amp *a, enum amp_op op, uint32_t zones, struct amp_result *res)
{
	int done = amp_begin(a, op, zones, res);
	while (!done) {
		struct pollfd fds[2];
		int n = amp_pollfds(a, fds, 2);
		if (n <= 0)
			break;
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			amp_cancel(a);
			snprintf(res->error, sizeof(res->error), "%s: poll: %s", a->peer, strerror(errno));
			res->ok = 0;
			break;
		}
		done = amp_service(a, fds, n, res);
	}
	return res->ok ? 0 : -1;
}

enum amp_op amp_op_for(const struct seq_action *act)
{
	switch (act->type) {
	case SACT_POWER: return act->on ? AMP_POWER_ON : AMP_POWER_OFF;
	case SACT_ZONES: return AMP_ZONES;
	case SACT_CHECK: return AMP_CHECK;
	default: return AMP_SAFE;
	}
}
