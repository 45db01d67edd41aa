/* Tests for modbus_status.c: the register map, and the server read by
 * Debian's mbpoll (input and holding registers), writes refused with
 * exception 01, and raw clients sending what a broken or hostile peer
 * sends (wrong protocol id, impossible lengths, garbage, a request one
 * byte at a time, several requests in one segment, more clients than
 * slots). The server is driven from this process's own poll loop, as the
 * daemon drives it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "modbus_status.h"
#include "util.h"

static const struct status_campaign camps[] = {
	{.id = "pcmd-2026", .aired = 3, .failed = 1, .missed = 2, .partial = 1, .interrupted = 0, .target = 2},
	{.id = "an-toan-giao-thong", .aired = 0, .failed = 0, .missed = 5, .target = 4},
	{.id = "no-target", .aired = 70000},
};

static struct status_snapshot snap(void)
{
	struct status_snapshot s = {
		.station = "vn-hn-xa-phu-dong",
		.commune = "10123",
		.serial = 0x0102030405060708LL,
		.station_state = MBS_STATION_PLAYING,
		.amp_state = MBS_AMP_ON,
		.amp_fault = 1,
		.last_broadcast = 1795822200,
		.last_outcome = 2,
		.year = 2026,
		.month = 11,
		.now = 1795822260,
		.uptime = 86400 * 3 + 5,
		.queued = 2,
		.campaigns = camps,
		.ncampaigns = 3,
	};
	return s;
}

static void test_encode(void **state)
{
	uint16_t r[MODBUS_STATUS_NREGS];
	struct status_snapshot s = snap();
	modbus_status_encode(&s, r);
	assert_int_equal(r[0], MODBUS_STATUS_MAP_VERSION);
	assert_int_equal(r[1], 3);
	assert_int_equal(r[2], 3);
	assert_int_equal(r[3], 1);
	assert_int_equal(r[4], 0x0102);
	assert_int_equal(r[7], 0x0708);
	assert_int_equal((uint32_t)r[8] << 16 | r[9], 1795822200u);
	assert_int_equal(r[10], 2);
	assert_int_equal(r[11], 2026);
	assert_int_equal(r[12], 11);
	assert_int_equal(r[13], 3);
	assert_int_equal((uint32_t)r[14] << 16 | r[15], 1795822260u);
	assert_int_equal((uint32_t)r[16] << 16 | r[17], 86400 * 3 + 5);
	assert_int_equal(r[18], 2);
	assert_int_equal(r[20], ('v' << 8) | 'n');
	assert_int_equal(r[36], ('1' << 8) | '0');
	assert_int_equal(r[38], ('3' << 8) | 0);
	const uint16_t *b = r + 100;
	assert_int_equal(b[0], 3);
	assert_int_equal(b[1], 1);
	assert_int_equal(b[2], 2);
	assert_int_equal(b[3], 1);
	assert_int_equal(b[4], 0);
	assert_int_equal(b[5], 2);
	assert_int_equal(b[6], 1); /* 3 aired >= 2 */
	assert_int_equal(b[8], ('p' << 8) | 'c');
	b = r + 116;
	assert_int_equal(b[2], 5);
	assert_int_equal(b[6], 0); /* 0 aired < 4 */
	assert_int_equal(b[15], ('h' << 8) | 'o'); /* id cut at 16 characters */
	b = r + 132;
	assert_int_equal(b[0], 65535); /* saturates */
	assert_int_equal(b[6], 0);     /* no target: never "met" */
	assert_int_equal(r[148], 0);   /* nothing beyond the campaigns */
}

/* issue 19: the monitor's last result in registers 44-49. */
static void test_encode_monitor(void **state)
{
	uint16_t r[MODBUS_STATUS_NREGS];
	struct status_snapshot s = snap();
	modbus_status_encode(&s, r);
	for (int i = 44; i < 50; i++)
		assert_int_equal(r[i], 0); /* no monitor: all 0 */
	s.mon_state = MBS_MON_DEAD_AIR;
	s.mon_heard = 3;
	s.mon_seconds = 10;
	s.mon_level_dbfs = -51.86;
	s.mon_time = 1795822230;
	modbus_status_encode(&s, r);
	assert_int_equal(r[44], 2);
	assert_int_equal(r[45], 3);
	assert_int_equal(r[46], 10);
	assert_int_equal((int16_t)r[47], -519);
	assert_int_equal((uint32_t)r[48] << 16 | r[49], 1795822230u);
	assert_int_equal(r[36], ('1' << 8) | '0'); /* the commune code is untouched */
	assert_int_equal(r[43], 0);
	s.mon_level_dbfs = -5000;
	s.mon_heard = 100000;
	modbus_status_encode(&s, r);
	assert_int_equal((int16_t)r[47], -32768);
	assert_int_equal(r[45], 65535);
	s.mon_level_dbfs = 12.34;
	modbus_status_encode(&s, r);
	assert_int_equal((int16_t)r[47], 123);
}

/* ---- a server driven from here ---- */

static struct modbus_status *srv;

static int setup(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	char err[256];
	srv = modbus_status_open("127.0.0.1", 0, err, sizeof(err));
	if (!srv)
		fail_msg("%s", err);
	struct status_snapshot s = snap();
	modbus_status_update(srv, &s);
	return 0;
}

static int teardown(void **state)
{
	modbus_status_close(srv);
	srv = NULL;
	return 0;
}

static int64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Serve for up to ms, also watching extra (may be -1): returns early when
 * extra is readable. */
static int pump(int ms, int extra)
{
	int64_t until = ms_now() + ms;
	for (;;) {
		struct pollfd fds[MODBUS_STATUS_CLIENTS_MAX + 2];
		int n = modbus_status_pollfds(srv, fds, MODBUS_STATUS_CLIENTS_MAX + 1);
		if (extra >= 0)
			fds[n++] = (struct pollfd){.fd = extra, .events = POLLIN};
		int64_t left = until - ms_now();
		if (left < 0)
			left = 0;
		int r = poll(fds, (nfds_t)n, (int)left);
		if (r < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		int hit = 0;
		if (r > 0) {
			modbus_status_service(srv, fds, extra >= 0 ? n - 1 : n);
			hit = extra >= 0 && fds[n - 1].revents;
		}
		if (hit)
			return 1;
		if (left == 0)
			return 0;
	}
}

static int mbpoll_inprocess(const char *const *args, char *out, size_t n);

/* Run mbpoll with args, serving meanwhile; its output in out, exit status
 * returned. qemu-user 7.2 hangs in fork() on this kernel, so the cross
 * runs (LOAXA_NO_FORK=1, set by make test-arm64/test-armhf) send the same
 * requests from this process and print the replies as mbpoll does. */
static int mbpoll(const char *const *args, char *out, size_t n)
{
	const char *nf = getenv("LOAXA_NO_FORK");
	if (nf && *nf == '1')
		return mbpoll_inprocess(args, out, n);
	if (access("/usr/bin/mbpoll", X_OK) < 0)
		return -2;
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		char port[16];
		snprintf(port, sizeof(port), "%d", modbus_status_port(srv));
		const char *argv[32] = {"/usr/bin/mbpoll", "-m", "tcp", "-p", port, "-1", "-o", "2"};
		int k = 8, i = 0;
		for (; args[i] && strcmp(args[i], "--") && k < 28; i++)
			argv[k++] = args[i];
		argv[k++] = "127.0.0.1"; /* then the values to write, if any */
		for (i += args[i] != NULL; args[i] && k < 30; i++)
			argv[k++] = args[i];
		argv[k] = NULL;
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	size_t l = 0;
	int64_t until = ms_now() + 10000;
	for (;;) {
		if (ms_now() > until) {
			kill(pid, SIGKILL);
			break;
		}
		if (!pump(100, p[0]))
			continue;
		ssize_t r = read(p[0], out + l, n - 1 - l);
		if (r <= 0)
			break;
		l += (size_t)r;
	}
	out[l] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The value mbpoll printed for reference ref ("[ref]: \tV"). */
static long printed(const char *out, int ref)
{
	char key[16];
	snprintf(key, sizeof(key), "[%d]:", ref);
	const char *p = strstr(out, key);
	if (!p)
		fail_msg("mbpoll did not print %s:\n%s", key, out);
	return strtol(p + strlen(key), NULL, 10);
}

#define NEED_MBPOLL(rc)                                         \
	do {                                                    \
		if ((rc) == -2) {                               \
			print_message("mbpoll not installed: skipped\n"); \
			skip();                                 \
		}                                               \
	} while (0)

static void test_mbpoll_reads(void **state)
{
	char out[8192];
	/* input registers (function 4), references from 1: register 0 = [1] */
	const char *a1[] = {"-t", "3", "-r", "1", "-c", "20", NULL};
	int rc = mbpoll(a1, out, sizeof(out));
	NEED_MBPOLL(rc);
	if (rc != 0)
		fail_msg("mbpoll exit %d:\n%s", rc, out);
	assert_int_equal(printed(out, 1), 1);
	assert_int_equal(printed(out, 2), 3);
	assert_int_equal(printed(out, 3), 3);
	assert_int_equal(printed(out, 4), 1);
	assert_int_equal(printed(out, 5), 0x0102);
	assert_int_equal(printed(out, 12), 2026);
	assert_int_equal(printed(out, 13), 11);
	assert_int_equal(printed(out, 14), 3);
	/* holding registers (function 3): the first campaign's block */
	const char *a2[] = {"-t", "4", "-r", "101", "-c", "8", NULL};
	rc = mbpoll(a2, out, sizeof(out));
	if (rc != 0)
		fail_msg("mbpoll exit %d:\n%s", rc, out);
	assert_int_equal(printed(out, 101), 3);
	assert_int_equal(printed(out, 102), 1);
	assert_int_equal(printed(out, 103), 2);
	assert_int_equal(printed(out, 106), 2);
	assert_int_equal(printed(out, 107), 1);
	/* an update is served at once */
	struct status_snapshot s = snap();
	s.station_state = MBS_STATION_IDLE;
	modbus_status_update(srv, &s);
	const char *a3[] = {"-t", "3", "-r", "2", "-c", "1", NULL};
	rc = mbpoll(a3, out, sizeof(out));
	assert_int_equal(rc, 0);
	assert_int_equal(printed(out, 2), 1);
	s = snap();
	modbus_status_update(srv, &s);
}

static void test_mbpoll_writes_refused(void **state)
{
	char out[8192];
	const char *w1[] = {"-t", "4", "-r", "1", "--", "5", NULL}; /* function 6 */
	int rc = mbpoll(w1, out, sizeof(out));
	NEED_MBPOLL(rc);
	assert_int_not_equal(rc, 0);
	if (!strstr(out, "Illegal function"))
		fail_msg("mbpoll said:\n%s", out);
	const char *w2[] = {"-t", "4", "-r", "1", "--", "5", "6", NULL}; /* function 16 */
	rc = mbpoll(w2, out, sizeof(out));
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "Illegal function"));
	const char *w3[] = {"-t", "0", "-r", "1", "--", "1", NULL}; /* function 5 */
	rc = mbpoll(w3, out, sizeof(out));
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "Illegal function"));
	const char *w4[] = {"-t", "0", "-r", "1", "--", "1", "0", NULL}; /* function 15 */
	rc = mbpoll(w4, out, sizeof(out));
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "Illegal function"));
	/* and the registers did not change */
	const char *r1[] = {"-t", "4", "-r", "1", "-c", "2", NULL};
	rc = mbpoll(r1, out, sizeof(out));
	assert_int_equal(rc, 0);
	assert_int_equal(printed(out, 1), 1);
	assert_int_equal(printed(out, 2), 3);
}

/* ---- raw clients ---- */

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)modbus_status_port(srv)),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pump(20, -1); /* accepted */
	return fd;
}

static void say(int fd, const uint8_t *b, size_t n)
{
	assert_int_equal(send(fd, b, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read what the server sent, serving meanwhile. Returns bytes, 0 on EOF,
 * -1 when nothing came. */
static ssize_t hear(int fd, uint8_t *b, size_t n, int ms)
{
	int64_t until = ms_now() + ms;
	while (ms_now() < until) {
		if (pump(20, fd)) {
			ssize_t r = recv(fd, b, n, MSG_DONTWAIT);
			if (r >= 0)
				return r;
			if (errno == ECONNRESET)
				return 0;
		}
	}
	return -1;
}

static size_t req(uint8_t *b, uint16_t tid, uint8_t unit, uint8_t fn, uint16_t addr, uint16_t qty)
{
	uint8_t f[] = {tid >> 8, tid & 0xff, 0, 0, 0, 6, unit, fn, addr >> 8, addr & 0xff, qty >> 8, qty & 0xff};
	memcpy(b, f, sizeof(f));
	return sizeof(f);
}

/* The subset of mbpoll's command line the tests use (-t 0|3|4, -r REF,
 * -c N, "--" values), as Modbus TCP frames from this process; output in
 * mbpoll's own form ("[ref]: \tV", "Illegal function"); 0 or 1 like it. */
static int mbpoll_inprocess(const char *const *args, char *out, size_t n)
{
	int type = 4, ref = 1, count = 1, nval = 0;
	long val[8];
	size_t i = 0;
	for (; args[i] && strcmp(args[i], "--"); i += 2) {
		int v = atoi(args[i + 1]);
		if (!strcmp(args[i], "-t"))
			type = v;
		else if (!strcmp(args[i], "-r"))
			ref = v;
		else if (!strcmp(args[i], "-c"))
			count = v;
	}
	for (i += args[i] != NULL; args[i] && nval < 8; i++)
		val[nval++] = strtol(args[i], NULL, 10);
	uint8_t b[260], fn;
	size_t len;
	uint16_t addr = (uint16_t)(ref - 1);
	if (!nval) {
		fn = type == 0 ? 1 : type == 3 ? 4 : 3;
		len = req(b, 7, 1, fn, addr, (uint16_t)count);
	} else if (nval == 1) {
		fn = type == 0 ? 5 : 6;
		uint16_t v = type == 0 ? (val[0] ? 0xff00 : 0) : (uint16_t)val[0];
		len = req(b, 7, 1, fn, addr, v);
	} else {
		fn = type == 0 ? 15 : 16;
		len = req(b, 7, 1, fn, addr, (uint16_t)nval);
		size_t pdu = type == 0 ? 1 : 2 * (size_t)nval;
		b[len++] = (uint8_t)pdu;
		if (type == 0) {
			uint8_t bits = 0;
			for (int k = 0; k < nval; k++)
				bits |= (uint8_t)((val[k] ? 1 : 0) << k);
			b[len++] = bits;
		} else {
			for (int k = 0; k < nval; k++)
				b[len++] = (uint8_t)(val[k] >> 8), b[len++] = (uint8_t)val[k];
		}
		b[4] = (uint8_t)((len - 6) >> 8), b[5] = (uint8_t)(len - 6);
	}
	int fd = dial();
	say(fd, b, len);
	uint8_t a[260];
	ssize_t r = hear(fd, a, sizeof(a), 2000);
	close(fd);
	size_t l = 0;
	out[0] = '\0';
	if (r < 9) {
		snprintf(out, n, "no reply (%zd)\n", r);
		return 1;
	}
	if (a[7] & 0x80) {
		snprintf(out, n, "Read/Write failed: %s\n", a[8] == 1 ? "Illegal function" : "Modbus exception");
		return 1;
	}
	if (fn == 3 || fn == 4) {
		for (int k = 0; k < count && 9 + 2 * k + 1 < r; k++)
			l += (size_t)snprintf(out + l, l < n ? n - l : 0, "[%d]: \t%d\n", ref + k,
					      (int16_t)(a[9 + 2 * k] << 8 | a[10 + 2 * k]));
	} else if (fn == 1) {
		for (int k = 0; k < count && 9 + k / 8 < r; k++)
			l += (size_t)snprintf(out + l, l < n ? n - l : 0, "[%d]: \t%d\n", ref + k, a[9 + k / 8] >> (k % 8) & 1);
	}
	return 0;
}

static void test_raw_read_and_exceptions(void **state)
{
	int fd = dial();
	uint8_t q[64], a[300];
	size_t n = req(q, 0x1234, 7, 4, 0, 3);
	say(fd, q, n);
	ssize_t r = hear(fd, a, sizeof(a), 1000);
	assert_int_equal(r, 6 + 1 + 2 + 6);
	assert_int_equal(a[0], 0x12);
	assert_int_equal(a[1], 0x34); /* transaction echoed */
	assert_int_equal(a[5], 9);    /* unit + fn + count + 6 */
	assert_int_equal(a[6], 7);    /* unit echoed */
	assert_int_equal(a[7], 4);
	assert_int_equal(a[8], 6);
	assert_int_equal(a[9] << 8 | a[10], 1);
	static const struct {
		uint8_t fn;
		uint16_t addr, qty;
		uint8_t ex;
	} bad[] = {
		{5, 0, 0xff00, 1}, {6, 0, 1, 1}, {15, 0, 1, 1}, {16, 0, 1, 1}, {1, 0, 1, 1},
		{2, 0, 1, 1},      {0x2b, 0, 0, 1}, {3, 0, 0, 3}, {3, 0, 126, 3},
		{3, MODBUS_STATUS_NREGS - 1, 2, 2}, {4, 0xffff, 1, 2},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = req(q, (uint16_t)i, 1, bad[i].fn, bad[i].addr, bad[i].qty);
		say(fd, q, n);
		r = hear(fd, a, sizeof(a), 1000);
		assert_int_equal(r, 9);
		assert_int_equal(a[7], bad[i].fn | 0x80);
		if (a[8] != bad[i].ex)
			fail_msg("function %u: exception %u, expected %u", bad[i].fn, a[8], bad[i].ex);
	}
	/* the last register is readable, and 125 at once */
	n = req(q, 1, 1, 3, MODBUS_STATUS_NREGS - 1, 1);
	say(fd, q, n);
	assert_int_equal(hear(fd, a, sizeof(a), 1000), 11);
	n = req(q, 1, 1, 3, 0, 125);
	say(fd, q, n);
	size_t got = 0;
	while (got < 6 + 3 + 250) {
		r = hear(fd, a + got, sizeof(a) - got, 1000);
		assert_true(r > 0);
		got += (size_t)r;
	}
	assert_int_equal(got, 259);
	/* a write request with a longer PDU (function 16, two registers) */
	uint8_t w[] = {0, 9, 0, 0, 0, 11, 1, 16, 0, 0, 0, 2, 4, 0, 1, 0, 2};
	say(fd, w, sizeof(w));
	r = hear(fd, a, sizeof(a), 1000);
	assert_int_equal(r, 9);
	assert_int_equal(a[7], 0x90);
	assert_int_equal(a[8], 1);
	assert_int_equal(modbus_status_clients(srv), 1);
	close(fd);
	pump(50, -1);
	assert_int_equal(modbus_status_clients(srv), 0);
}

/* Byte by byte, and two requests in one segment. */
static void test_slow_and_pipelined(void **state)
{
	int fd = dial();
	uint8_t q[64], a[128];
	size_t n = req(q, 42, 1, 4, 1, 1);
	for (size_t i = 0; i + 1 < n; i++) {
		say(fd, q + i, 1);
		assert_int_equal(hear(fd, a, sizeof(a), 30), -1); /* nothing yet */
	}
	say(fd, q + n - 1, 1);
	assert_int_equal(hear(fd, a, sizeof(a), 1000), 11);
	assert_int_equal(a[9] << 8 | a[10], 3);
	n = req(q, 1, 1, 4, 2, 1);
	n += req(q + n, 2, 1, 4, 3, 1);
	say(fd, q, n);
	size_t got = 0;
	while (got < 22) {
		ssize_t r = hear(fd, a + got, sizeof(a) - got, 1000);
		assert_true(r > 0);
		got += (size_t)r;
	}
	assert_int_equal(a[1], 1);
	assert_int_equal(a[9] << 8 | a[10], 3);
	assert_int_equal(a[12], 2);
	assert_int_equal(a[20] << 8 | a[21], 1);
	close(fd);
}

/* Not Modbus TCP: dropped, and the server goes on serving. */
static void test_malformed_dropped(void **state)
{
	static const uint8_t proto[] = {0, 1, 0, 1, 0, 6, 1, 4, 0, 0, 0, 1};
	static const uint8_t len0[] = {0, 1, 0, 0, 0, 0, 1, 4, 0, 0, 0, 1};
	static const uint8_t len1[] = {0, 1, 0, 0, 0, 1, 1, 4, 0, 0, 0, 1};
	static const uint8_t lenbig[] = {0, 1, 0, 0, 0x01, 0x2c, 1, 4, 0, 0, 0, 1};
	static const uint8_t http[] = "GET / HTTP/1.0\r\n\r\n";
	static const struct {
		const uint8_t *b;
		size_t n;
	} cases[] = {{proto, sizeof(proto)}, {len0, sizeof(len0)}, {len1, sizeof(len1)},
		     {lenbig, sizeof(lenbig)}, {http, sizeof(http) - 1}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = dial();
		say(fd, cases[i].b, cases[i].n);
		uint8_t a[64];
		ssize_t r = hear(fd, a, sizeof(a), 1000);
		if (r != 0)
			fail_msg("case %zu: got %zd, expected the connection closed", i, r);
		close(fd);
	}
	/* random garbage */
	uint64_t x = 12345;
	for (int k = 0; k < 50; k++) {
		int fd = dial();
		uint8_t g[200];
		for (size_t i = 0; i < sizeof(g); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			g[i] = (uint8_t)x;
		}
		say(fd, g, 1 + (size_t)(x % sizeof(g)));
		pump(5, -1);
		close(fd);
	}
	/* a wrong-length PDU for function 4 is an exception, not a drop */
	int fd = dial();
	uint8_t odd[] = {0, 1, 0, 0, 0, 4, 1, 4, 0, 0};
	say(fd, odd, sizeof(odd));
	uint8_t a[64];
	assert_int_equal(hear(fd, a, sizeof(a), 1000), 9);
	assert_int_equal(a[7], 0x84);
	assert_int_equal(a[8], 3);
	close(fd);
	pump(50, -1);
	char out[4096];
	const char *r1[] = {"-t", "3", "-r", "1", "-c", "1", NULL};
	int rc = mbpoll(r1, out, sizeof(out));
	if (rc != -2)
		assert_int_equal(rc, 0);
}

/* More clients than slots: the least recently active makes room; a new
 * client is always served. */
static void test_many_clients(void **state)
{
	int fds[3 * MODBUS_STATUS_CLIENTS_MAX];
	size_t n = sizeof(fds) / sizeof(fds[0]);
	for (size_t i = 0; i < n; i++)
		fds[i] = dial();
	assert_int_equal(modbus_status_clients(srv), MODBUS_STATUS_CLIENTS_MAX);
	uint8_t q[16], a[64];
	size_t l = req(q, 5, 1, 4, 0, 1);
	say(fds[n - 1], q, l); /* the newest is served */
	assert_int_equal(hear(fds[n - 1], a, sizeof(a), 1000), 11);
	ssize_t r0 = hear(fds[0], a, sizeof(a), 200);
	if (r0 != 0)
		fail_msg("oldest client: %zd (%s), %zu clients", r0, strerror(errno), modbus_status_clients(srv));
	/* an idle half-sent client is evicted in favour of new ones */
	int slow = dial();
	say(slow, q, 5);
	pump(20, -1);
	int fresh[MODBUS_STATUS_CLIENTS_MAX];
	for (size_t i = 0; i < MODBUS_STATUS_CLIENTS_MAX; i++) {
		fresh[i] = dial();
		say(fresh[i], q, l);
		assert_int_equal(hear(fresh[i], a, sizeof(a), 1000), 11);
	}
	assert_int_equal(hear(slow, a, sizeof(a), 200), 0);
	close(slow);
	for (size_t i = 0; i < MODBUS_STATUS_CLIENTS_MAX; i++)
		close(fresh[i]);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	pump(100, -1);
	assert_int_equal(modbus_status_clients(srv), 0);
}

static void test_open_errors(void **state)
{
	char err[256];
	assert_null(modbus_status_open("not-an-address", 1502, err, sizeof(err)));
	assert_non_null(strstr(err, "numeric"));
	assert_null(modbus_status_open("127.0.0.1", modbus_status_port(srv), err, sizeof(err)));
	assert_non_null(strstr(err, "cannot listen on 127.0.0.1 port"));
	struct modbus_status *m6 = modbus_status_open("::1", 0, err, sizeof(err));
	if (m6) /* IPv6 loopback, where the machine has it */
		modbus_status_close(m6);
}

/* issue 12: amplifier.status.allow. */
static void test_allow_networks(void **state)
{
	(void)state;
	struct status_net n[3];
	assert_int_equal(modbus_status_net_parse("192.168.1.0/24", &n[0]), 0);
	assert_int_equal(modbus_status_net_parse("10.0.0.5", &n[1]), 0);
	assert_int_equal(modbus_status_net_parse("fd00::/8", &n[2]), 0);
	assert_int_equal(n[1].bits, 32);
	assert_int_equal(modbus_status_net_parse("192.168.1.0/33", &n[0]), -1);
	assert_int_equal(modbus_status_net_parse("192.168.1.0/", &n[0]), -1);
	assert_int_equal(modbus_status_net_parse("host.example", &n[0]), -1);
	assert_int_equal(modbus_status_net_parse("", &n[0]), -1);
	assert_int_equal(modbus_status_net_parse("192.168.1.0/24", &n[0]), 0);
	uint8_t a[16] = {192, 168, 1, 77};
	assert_true(modbus_status_net_match(AF_INET, a, n, 3));
	a[2] = 2;
	assert_false(modbus_status_net_match(AF_INET, a, n, 3));
	uint8_t b[4] = {10, 0, 0, 5}, c[4] = {10, 0, 0, 6};
	assert_true(modbus_status_net_match(AF_INET, b, n, 3));
	assert_false(modbus_status_net_match(AF_INET, c, n, 3));
	uint8_t v6[16] = {0xfd, 0x12};
	assert_true(modbus_status_net_match(AF_INET6, v6, n, 3));
	v6[0] = 0xfe;
	assert_false(modbus_status_net_match(AF_INET6, v6, n, 3));
	/* An IPv4 client on an IPv6 socket arrives as ::ffff:a.b.c.d. */
	uint8_t m4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 9};
	assert_true(modbus_status_net_match(AF_INET6, m4, n, 3));
	struct status_net any;
	assert_int_equal(modbus_status_net_parse("0.0.0.0/0", &any), 0);
	assert_true(modbus_status_net_match(AF_INET, c, &any, 1));
}

static void test_allow_refuses_others(void **state)
{
	(void)state;
	char err[256];
	uint8_t b[300];
	const char other[][64] = {"192.0.2.0/24"}, local[][64] = {"10.1.2.3", "127.0.0.0/8"};
	assert_int_equal(modbus_status_allow(srv, other, 1, err, sizeof(err)), 0);
	int fd = dial();
	size_t n = req(b, 1, 1, 3, 0, 2);
	send(fd, b, n, MSG_NOSIGNAL);
	assert_int_equal(hear(fd, b, sizeof(b), 500), 0); /* closed, nothing said */
	assert_int_equal(modbus_status_clients(srv), 0);
	close(fd);
	assert_int_equal(modbus_status_allow(srv, local, 2, err, sizeof(err)), 0);
	fd = dial();
	n = req(b, 2, 1, 3, 0, 2);
	say(fd, b, n);
	assert_int_equal(hear(fd, b, sizeof(b), 1000), 13);
	close(fd);
	const char bad[][64] = {"not-a-net"};
	assert_int_equal(modbus_status_allow(srv, bad, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not-a-net"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_monitor),
		cmocka_unit_test_setup_teardown(test_mbpoll_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mbpoll_writes_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_read_and_exceptions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_and_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test(test_allow_networks),
		cmocka_unit_test_setup_teardown(test_allow_refuses_others, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
