/* Tests for amp.c against real peers started here and stopped by their own
 * PID: the relay-board simulator tests/it/relay_sim.py (Debian's
 * python3-pymodbus, /usr/bin/python3) over TCP on 127.0.0.1 and over RTU
 * through a socat pseudo-terminal pair. Covers every operation and its
 * read-back, the order of coil writes as the board saw them, the fault
 * input, a coil that will not stay set or drops, exception replies,
 * garbage, a silent or slow board, a refused and an unanswered connect,
 * reconnecting after the board restarts, abandoning an operation, and the
 * null twin. Measures how long any single call blocks. Skipped when the
 * simulator cannot start (no pymodbus or socat). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "amp.h"
#include "clock.h"
#include "util.h"

#define PYTHON "/usr/bin/python3"

static char dir[64];
static char sim[PATH_MAX];
static pid_t tcp_pid = -1, socat_pid = -1, rtu_pid = -1;
static int tcp_port;
static int have_tcp, have_rtu;
static int64_t worst_ms; /* longest single amp_begin / amp_service call */
static int64_t slack;    /* added to timing bounds under valgrind */

static int64_t mono_ms(void)
{
	return clock_mono_ns() / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- peers ---- */

static pid_t spawn(char *const argv[], const char *out)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* no orphan peers if the test is killed */
		int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = -1;
			return;
		}
		sleep_ms(20);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

/* Wait for path to exist; 0, or -1 after ms or when pid died. */
static int wait_file(const char *path, int ms, pid_t pid)
{
	for (int t = 0; t < ms; t += 20) {
		if (access(path, F_OK) == 0)
			return 0;
		if (pid > 0 && waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		sleep_ms(20);
	}
	return -1;
}

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static pid_t start_tcp_sim(int port)
{
	char log[128], ctl[128], ready[128], err[128], ps[16];
	path_of(log, sizeof(log), "tcp.log");
	path_of(ctl, sizeof(ctl), "tcp.ctl");
	path_of(ready, sizeof(ready), "tcp.ready");
	path_of(err, sizeof(err), "tcp.err");
	unlink(ready);
	snprintf(ps, sizeof(ps), "%d", port);
	char *argv[] = {PYTHON, sim, "--tcp", ps, "--log", log, "--control", ctl, "--ready", ready, NULL};
	pid_t pid = spawn(argv, err);
	if (wait_file(ready, 15000, pid) < 0) {
		stop(&pid);
		return -1;
	}
	FILE *f = fopen(ready, "r");
	if (!f || fscanf(f, "%d", &tcp_port) != 1)
		tcp_port = 0;
	if (f)
		fclose(f);
	return pid;
}

static int group_setup(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	const char *pre = getenv("LD_PRELOAD");
	if (pre && strstr(pre, "vgpreload"))
		slack = 250;
	const char *cands[] = {"it/relay_sim.py", "tests/it/relay_sim.py", "../tests/it/relay_sim.py"};
	for (size_t i = 0; i < 3 && !sim[0]; i++)
		if (access(cands[i], R_OK) == 0 && realpath(cands[i], sim) == NULL)
			sim[0] = '\0';
	str_copy(dir, "/tmp/loaxa-amp-XXXXXX", sizeof(dir));
	if (!sim[0] || !mkdtemp(dir) || access(PYTHON, X_OK) < 0)
		return 0;
	char ctl[128];
	path_of(ctl, sizeof(ctl), "tcp.ctl");
	FILE *f = fopen(ctl, "w");
	if (f) {
		fputs("{}\n", f);
		fclose(f);
	}
	tcp_pid = start_tcp_sim(0);
	have_tcp = tcp_pid > 0 && tcp_port > 0;

	char a[128], b[128], la[160], lb[160], err[128];
	path_of(a, sizeof(a), "ptyA");
	path_of(b, sizeof(b), "ptyB");
	path_of(err, sizeof(err), "socat.err");
	snprintf(la, sizeof(la), "pty,raw,echo=0,link=%s", a);
	snprintf(lb, sizeof(lb), "pty,raw,echo=0,link=%s", b);
	char *sargv[] = {"/usr/bin/socat", "-d", "-d", la, lb, NULL};
	if (access(sargv[0], X_OK) == 0) {
		socat_pid = spawn(sargv, err);
		if (wait_file(a, 5000, socat_pid) == 0 && wait_file(b, 5000, socat_pid) == 0) {
			char log[128], rctl[128], ready[128], rerr[128];
			path_of(log, sizeof(log), "rtu.log");
			path_of(rctl, sizeof(rctl), "rtu.ctl");
			path_of(ready, sizeof(ready), "rtu.ready");
			path_of(rerr, sizeof(rerr), "rtu.err");
			char *rargv[] = {PYTHON, sim, "--rtu", b, "--log", log, "--control", rctl,
					 "--ready", ready, NULL};
			rtu_pid = spawn(rargv, rerr);
			have_rtu = wait_file(ready, 15000, rtu_pid) == 0;
		}
	}
	return 0;
}

static int group_teardown(void **state)
{
	stop(&rtu_pid);
	stop(&socat_pid);
	stop(&tcp_pid);
	if (dir[0] && strcmp(dir, "/tmp/loaxa-amp-XXXXXX")) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (!getenv("LOAXA_KEEP_TMP"))
			(void)!system(cmd);
	}
	if (worst_ms)
		printf("[ MEASURE  ] longest single amp call: %lld ms\n", (long long)worst_ms);
	return 0;
}

static void control(const char *which, const char *json)
{
	char path[128], tmp[140];
	snprintf(path, sizeof(path), "%s/%s.ctl", dir, which);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

/* The coil writes the board logged since line `from`, as "C=V" words. */
static size_t coil_history(const char *which, size_t from, char *out, size_t n, double *first,
			   double *last)
{
	char path[128], line[256];
	snprintf(path, sizeof(path), "%s/%s.log", dir, which);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t k = 0, l = 0;
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (k++ < from)
			continue;
		double mono, wall;
		int coil, v;
		char extra[32] = "";
		if (sscanf(line, "%lf %lf coil %d %d %31s", &mono, &wall, &coil, &v, extra) >= 4) {
			l += (size_t)snprintf(out + l, n - l, "%s%d=%d%s", l ? " " : "", coil, v,
					     extra[0] ? "d" : "");
			if (first && !*first)
				*first = mono;
			if (last)
				*last = mono;
		}
	}
	fclose(f);
	return k;
}

static size_t log_mark(const char *which)
{
	char buf[4096];
	return coil_history(which, (size_t)-1, buf, sizeof(buf), NULL, NULL);
}

static struct amp_config cfg_tcp(int port, int timeout_ms)
{
	struct amp_config c;
	memset(&c, 0, sizeof(c));
	c.enabled = 1;
	c.tcp = 1;
	str_copy(c.host, "127.0.0.1", sizeof(c.host));
	c.port = port;
	c.slave = 1;
	c.timeout_ms = timeout_ms;
	c.power_coil = 0;
	c.zones[0] = (struct zone_coil){.zone = 1, .coil = 1};
	c.zones[1] = (struct zone_coil){.zone = 2, .coil = 2};
	c.nzones = 2;
	c.fault_input = 5;
	return c;
}

static struct amp_config cfg_rtu(int timeout_ms)
{
	struct amp_config c = cfg_tcp(0, timeout_ms);
	c.tcp = 0;
	static char dev[PATHBUF];
	snprintf(dev, sizeof(dev), "%s/ptyA", dir);
	c.device = dev;
	c.baud = 9600;
	c.parity = 'N';
	c.data_bits = 8;
	c.stop_bits = 1;
	return c;
}

static struct amp *new_amp(const struct amp_config *c)
{
	char err[256];
	struct amp *a = amp_new(c, err, sizeof(err));
	if (!a)
		fail_msg("amp_new: %s", err);
	return a;
}

/* amp_run, timing every call that could block the daemon. */
static int run(struct amp *a, enum amp_op op, uint32_t z, struct amp_result *r, int64_t *longest)
{
	int64_t t0 = mono_ms();
	int done = amp_begin(a, op, z, r);
	int64_t worst = mono_ms() - t0;
	int64_t until = mono_ms() + 10000;
	while (!done) {
		struct pollfd fds[4];
		int n = amp_pollfds(a, fds, 4);
		assert_int_equal(n, 2);
		assert_true(poll(fds, (nfds_t)n, 10000) > 0);
		if (mono_ms() > until)
			fail_msg("operation still in flight after 10 s");
		t0 = mono_ms();
		done = amp_service(a, fds, n, r);
		if (mono_ms() - t0 > worst)
			worst = mono_ms() - t0;
	}
	if (worst > worst_ms)
		worst_ms = worst;
	if (longest)
		*longest = worst;
	assert_false(amp_busy(a));
	return r->ok ? 0 : -1;
}

static void expect_ok(struct amp *a, enum amp_op op, uint32_t z, int power, uint32_t zones, int fault)
{
	struct amp_result r;
	if (run(a, op, z, &r, NULL) < 0)
		fail_msg("operation %d failed: %s", op, r.error);
	assert_int_equal(r.rd.power, power);
	assert_int_equal(r.rd.zones, zones);
	assert_int_equal(r.rd.fault, fault);
}

static void expect_error(struct amp *a, enum amp_op op, const char *needle, int64_t max_block)
{
	struct amp_result r;
	int64_t longest;
	assert_int_equal(run(a, op, 0x1, &r, &longest), -1);
	if (!strstr(r.error, needle))
		fail_msg("error \"%s\" does not say \"%s\"", r.error, needle);
	if (longest > max_block + slack)
		fail_msg("a call blocked %lld ms (at most %lld expected)", (long long)longest,
			 (long long)max_block);
}

#define NEED(x)                                      \
	do {                                         \
		if (!(x)) {                          \
			print_message("simulator not available: skipped\n"); \
			skip();                      \
		}                                    \
	} while (0)

/* Wait out the reconnect back-off after an error. */
static void wait_backoff(const struct amp_result *r)
{
	int64_t w = r->retry_ms - mono_ms();
	if (w > 0)
		sleep_ms((int)w + 5);
}

/* ---- the operations over both transports ---- */

static void sequence_on(const char *which, struct amp_config c)
{
	control(which, "{}");
	struct amp *a = new_amp(&c);
	assert_true(amp_enabled(a));
	size_t mark = log_mark(which);
	expect_ok(a, AMP_SAFE, 0, 0, 0, -1);
	expect_ok(a, AMP_POWER_ON, 0, 1, 0, -1);
	expect_ok(a, AMP_ZONES, 0x3, 1, 0x3, 0);
	expect_ok(a, AMP_CHECK, 0, 1, 0x3, 0);
	expect_ok(a, AMP_ZONES, 0x2, 1, 0x2, 0);
	expect_ok(a, AMP_ZONES, 0, 1, 0, 0);
	expect_ok(a, AMP_POWER_OFF, 0, 0, 0, -1);
	char h[512];
	coil_history(which, mark, h, sizeof(h), NULL, NULL);
	/* safe: zones (one write of coils 1-2) then power; on; zones; off */
	assert_string_equal(h, "1=0 2=0 0=0 0=1 1=1 2=1 1=0 2=1 1=0 2=0 0=0");
	assert_true(amp_connected(a));
	amp_free(a);
}

static void test_tcp_sequence(void **state)
{
	NEED(have_tcp);
	sequence_on("tcp", cfg_tcp(tcp_port, 500));
}

static void test_rtu_sequence(void **state)
{
	NEED(have_rtu);
	sequence_on("rtu", cfg_rtu(500));
	struct amp_config c = cfg_rtu(500);
	struct amp *a = new_amp(&c);
	assert_non_null(strstr(amp_peer(a), "rtu "));
	assert_non_null(strstr(amp_peer(a), "9600 8N1 slave 1"));
	amp_free(a);
}

/* Zone coils that are not consecutive: one write each. */
static void test_scattered_coils(void **state)
{
	NEED(have_tcp);
	control("tcp", "{}");
	struct amp_config c = cfg_tcp(tcp_port, 500);
	c.power_coil = 10;
	c.zones[0].coil = 3;
	c.zones[1].coil = 7;
	c.fault_input = -1;
	struct amp *a = new_amp(&c);
	size_t mark = log_mark("tcp");
	expect_ok(a, AMP_POWER_ON, 0, 1, 0, -1);
	expect_ok(a, AMP_ZONES, 0x2, 1, 0x2, -1);
	expect_ok(a, AMP_SAFE, 0, 0, 0, -1);
	char h[512];
	coil_history("tcp", mark, h, sizeof(h), NULL, NULL);
	assert_string_equal(h, "10=1 3=0 7=1 3=0 7=0 10=0");
	amp_free(a);
}

static void fault_input_on(const char *which, struct amp_config c)
{
	control(which, "{\"inputs\": {\"5\": 1}}");
	struct amp *a = new_amp(&c);
	expect_ok(a, AMP_POWER_ON, 0, 1, 0, -1); /* not read while powering */
	expect_ok(a, AMP_ZONES, 0x1, 1, 0x1, 1);
	expect_ok(a, AMP_CHECK, 0, 1, 0x1, 1);
	control(which, "{}");
	expect_ok(a, AMP_CHECK, 0, 1, 0x1, 0);
	expect_ok(a, AMP_SAFE, 0, 0, 0, -1);
	amp_free(a);
}

static void test_tcp_fault_input(void **state)
{
	NEED(have_tcp);
	fault_input_on("tcp", cfg_tcp(tcp_port, 500));
}

static void test_rtu_fault_input(void **state)
{
	NEED(have_rtu);
	fault_input_on("rtu", cfg_rtu(500));
}

/* The board acknowledges the write but the coil reads back off: the
 * adapter reports what it read, the sequence judges. */
static void test_stuck_and_dropping_coil(void **state)
{
	NEED(have_tcp);
	control("tcp", "{\"stuck\": [0]}");
	struct amp_config c = cfg_tcp(tcp_port, 500);
	struct amp *a = new_amp(&c);
	expect_ok(a, AMP_POWER_ON, 0, 0, 0, -1);
	control("tcp", "{\"drop\": {\"2\": 150}}");
	expect_ok(a, AMP_POWER_ON, 0, 1, 0, -1);
	expect_ok(a, AMP_ZONES, 0x3, 1, 0x3, 0);
	sleep_ms(250);
	expect_ok(a, AMP_CHECK, 0, 1, 0x1, 0);
	control("tcp", "{}");
	expect_ok(a, AMP_SAFE, 0, 0, 0, -1);
	amp_free(a);
}

static void exception_on(const char *which, struct amp_config c)
{
	control(which, "{\"mode\": \"exception\", \"exception\": 4}");
	struct amp *a = new_amp(&c);
	size_t mark = log_mark(which);
	expect_error(a, AMP_POWER_ON, "writing coil 0 on: exception 4 (server device failure)", 100);
	char h[256];
	coil_history(which, mark, h, sizeof(h), NULL, NULL);
	assert_string_equal(h, ""); /* nothing was switched */
	/* an answer is an answer: no reconnect, no back-off */
	control(which, "{\"mode\": \"exception\", \"exception\": 2}");
	expect_error(a, AMP_CHECK, "reading coils 0-2: exception 2 (illegal data address)", 100);
	assert_true(amp_connected(a));
	control(which, "{}");
	expect_ok(a, AMP_SAFE, 0, 0, 0, -1);
	amp_free(a);
}

static void test_tcp_exception(void **state)
{
	NEED(have_tcp);
	exception_on("tcp", cfg_tcp(tcp_port, 500));
}

static void test_rtu_exception(void **state)
{
	NEED(have_rtu);
	exception_on("rtu", cfg_rtu(500));
}

/* Silent or slow beyond the timeout: the operation fails at the timeout,
 * no call blocks longer, and the adapter backs off before reconnecting. */
static void timeout_on(const char *which, struct amp_config c, const char *mode)
{
	control(which, mode);
	struct amp *a = new_amp(&c);
	struct amp_result r;
	int64_t t0 = mono_ms(), longest;
	assert_int_equal(run(a, AMP_POWER_ON, 0, &r, &longest), -1);
	int64_t took = mono_ms() - t0;
	if (!strstr(r.error, "writing coil 0 on: timeout, no answer within 300 ms"))
		fail_msg("error: %s", r.error);
	print_message("%s %s: operation failed after %lld ms, longest single call %lld ms (timeout 300)\n",
		      which, mode, (long long)took, (long long)longest);
	assert_true(took >= 295 && took < 600 + slack);
	assert_true(longest < 300 + 50 + slack);
	assert_false(amp_connected(a));
	int64_t wait = r.retry_ms - mono_ms();
	assert_true(wait > 800 - slack && wait <= AMP_BACKOFF_MIN_MS);
	/* during the back-off: fails at once, naming the last error */
	t0 = mono_ms();
	assert_int_equal(run(a, AMP_CHECK, 0, &r, NULL), -1);
	assert_true(mono_ms() - t0 < 100 + slack);
	assert_non_null(strstr(r.error, "timeout, no answer within 300 ms (next attempt in "));
	control(which, "{}");
	wait_backoff(&r);
	expect_ok(a, AMP_SAFE, 0, 0, 0, -1);
	amp_free(a);
}

static void test_tcp_silent(void **state)
{
	NEED(have_tcp);
	timeout_on("tcp", cfg_tcp(tcp_port, 300), "{\"mode\": \"silent\"}");
}

static void test_tcp_slow(void **state)
{
	NEED(have_tcp);
	timeout_on("tcp", cfg_tcp(tcp_port, 300), "{\"mode\": \"slow\", \"delay_ms\": 600}");
}

static void test_rtu_silent(void **state)
{
	NEED(have_rtu);
	timeout_on("rtu", cfg_rtu(300), "{\"mode\": \"silent\"}");
}

static void test_rtu_slow(void **state)
{
	NEED(have_rtu);
	timeout_on("rtu", cfg_rtu(300), "{\"mode\": \"slow\", \"delay_ms\": 500}");
	/* a reply arriving after the timeout is flushed, not taken for the next */
	control("rtu", "{\"mode\": \"slow\", \"delay_ms\": 400}");
	struct amp_config c = cfg_rtu(300);
	struct amp *a = new_amp(&c);
	struct amp_result r;
	assert_int_equal(run(a, AMP_POWER_ON, 0, &r, NULL), -1);
	control("rtu", "{}");
	wait_backoff(&r);
	expect_ok(a, AMP_POWER_OFF, 0, 0, 0, -1);
	amp_free(a);
}

/* Nobody listens: refused at once; the back-off doubles. */
static void test_tcp_down(void **state)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	close(s); /* a port nobody listens on */
	struct amp_config c = cfg_tcp(ntohs(sa.sin_port), 300);
	struct amp *a = new_amp(&c);
	struct amp_result r;
	int64_t t0 = mono_ms();
	assert_int_equal(run(a, AMP_POWER_ON, 0, &r, NULL), -1);
	print_message("refused connect: failed after %lld ms\n", (long long)(mono_ms() - t0));
	assert_true(mono_ms() - t0 < 100 + slack);
	assert_non_null(strstr(r.error, "cannot connect: Connection refused"));
	assert_non_null(strstr(r.error, "tcp 127.0.0.1:"));
	assert_true(r.retry_ms - mono_ms() > 900 - slack);
	wait_backoff(&r);
	assert_int_equal(run(a, AMP_POWER_ON, 0, &r, NULL), -1);
	int64_t wait = r.retry_ms - mono_ms();
	assert_true(wait > 1900 - slack && wait <= 2000);
	amp_free(a);
}

/* A connect nobody answers (SYNs dropped: the listener's queue is full) is
 * cut off at the timeout. */
static void test_tcp_connect_unanswered(void **state)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 0), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &sl), 0);
	int fill[8], nfill = 0;
	for (; nfill < 8; nfill++) { /* fill the accept queue */
		fill[nfill] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[nfill], (struct sockaddr *)&sa, sizeof(sa));
	}
	sleep_ms(50);
	struct amp_config c = cfg_tcp(ntohs(sa.sin_port), 300);
	struct amp *a = new_amp(&c);
	struct amp_result r;
	int64_t t0 = mono_ms(), longest;
	assert_int_equal(run(a, AMP_POWER_ON, 0, &r, &longest), -1);
	int64_t took = mono_ms() - t0;
	print_message("unanswered connect: failed after %lld ms (timeout 300): %s\n", (long long)took,
		      r.error);
	assert_non_null(strstr(r.error, "cannot connect: no answer within 300 ms"));
	assert_true(longest <= 300 + 50 + slack);
	amp_free(a);
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
	close(l);
}

/* Malformed replies: a clear error, the connection dropped, and the next
 * operation after the back-off works. */
static void test_tcp_garbage(void **state)
{
	NEED(have_tcp);
	static const struct {
		const char *kind, *says;
	} g[] = {
		{"proto", "protocol id 7"},
		{"short", "incomplete reply within 300 ms"},
		{"function", "reply with function 3 to function 5"},
		{"noise", "writing coil 0 on: "},
	};
	struct amp_config c = cfg_tcp(tcp_port, 300);
	struct amp *a = new_amp(&c);
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		char js[128];
		snprintf(js, sizeof(js), "{\"mode\": \"garbage\", \"garbage\": \"%s\"}", g[i].kind);
		control("tcp", js);
		struct amp_result r;
		assert_int_equal(run(a, AMP_POWER_ON, 0, &r, NULL), -1);
		if (!strstr(r.error, g[i].says))
			fail_msg("garbage %s: error \"%s\"", g[i].kind, r.error);
		assert_false(amp_connected(a));
		control("tcp", "{}");
		wait_backoff(&r);
		expect_ok(a, AMP_CHECK, 0, 1, 0, 0);
	}
	expect_ok(a, AMP_SAFE, 0, 0, 0, -1);
	amp_free(a);
}

/* The board restarts between operations: the dead connection is noticed
 * before the next request, which goes out on a new one. */
static void test_tcp_board_restart(void **state)
{
	NEED(have_tcp);
	control("tcp", "{}");
	struct amp_config c = cfg_tcp(tcp_port, 500);
	struct amp *a = new_amp(&c);
	expect_ok(a, AMP_POWER_ON, 0, 1, 0, -1);
	int port = tcp_port;
	stop(&tcp_pid);
	sleep_ms(50);
	struct amp_result r;
	assert_int_equal(run(a, AMP_CHECK, 0, &r, NULL), -1); /* down */
	assert_non_null(strstr(r.error, "Connection refused"));
	tcp_pid = start_tcp_sim(port);
	assert_true(tcp_pid > 0);
	assert_int_equal(tcp_port, port);
	wait_backoff(&r);
	expect_ok(a, AMP_CHECK, 0, 0, 0, 0); /* a new board: every coil off */
	/* and once more, restarted while connected and idle */
	stop(&tcp_pid);
	tcp_pid = start_tcp_sim(port);
	assert_true(tcp_pid > 0);
	expect_ok(a, AMP_POWER_ON, 0, 1, 0, -1);
	amp_free(a);
}

/* Poll an operation in flight to its end (bounded: never spins). */
static void finish(struct amp *a, struct amp_result *r)
{
	int64_t until = mono_ms() + 10000;
	for (;;) {
		struct pollfd fds[2];
		int n = amp_pollfds(a, fds, 2);
		assert_int_equal(n, 2);
		assert_true(poll(fds, (nfds_t)n, 2000) > 0);
		if (amp_service(a, fds, n, r))
			return;
		if (mono_ms() > until)
			fail_msg("operation still in flight after 10 s");
	}
}

/* An operation abandoned in flight: its late reply is not taken for the
 * next operation's. */
static void test_cancel(void **state)
{
	NEED(have_tcp);
	control("tcp", "{\"mode\": \"slow\", \"delay_ms\": 200}");
	struct amp_config c = cfg_tcp(tcp_port, 1000);
	struct amp *a = new_amp(&c);
	struct amp_result r;
	assert_int_equal(amp_begin(a, AMP_POWER_ON, 0, &r), 0);
	assert_true(amp_busy(a));
	struct pollfd fds[2];
	assert_int_equal(amp_pollfds(a, fds, 2), 2);
	amp_cancel(a);
	assert_false(amp_busy(a));
	assert_int_equal(amp_pollfds(a, fds, 2), 0);
	assert_int_equal(amp_begin(a, AMP_CHECK, 0, &r), 0); /* a new connection, no back-off */
	finish(a, &r);
	assert_true(r.ok);
	control("tcp", "{}");
	expect_ok(a, AMP_SAFE, 0, 0, 0, -1);
	/* amp_begin while busy abandons the first operation */
	control("tcp", "{\"mode\": \"slow\", \"delay_ms\": 100}");
	assert_int_equal(amp_begin(a, AMP_POWER_ON, 0, &r), 0);
	assert_int_equal(amp_begin(a, AMP_CHECK, 0, &r), 0);
	finish(a, &r);
	assert_true(r.ok);
	control("tcp", "{}");
	expect_ok(a, AMP_SAFE, 0, 0, 0, -1);
	amp_free(a);
}

/* Serial port that does not exist: a clear error, no crash. */
static void test_rtu_no_device(void **state)
{
	struct amp_config c = cfg_rtu(300);
	c.device = "/dev/nonexistent-loaxa-tty";
	struct amp *a = new_amp(&c);
	struct amp_result r;
	assert_int_equal(run(a, AMP_SAFE, 0, &r, NULL), -1);
	assert_non_null(strstr(r.error, "rtu /dev/nonexistent-loaxa-tty 9600 8N1 slave 1: cannot connect"));
	amp_free(a);
}

static void test_null_twin(void **state)
{
	struct amp_config c = cfg_tcp(1, 300);
	c.enabled = 0;
	struct amp *a = new_amp(&c);
	assert_false(amp_enabled(a));
	assert_string_equal(amp_peer(a), "none configured");
	struct amp_result r;
	assert_int_equal(amp_begin(a, AMP_POWER_ON, 0, &r), 1);
	assert_true(r.ok);
	assert_int_equal(r.rd.power, 1);
	assert_int_equal(r.rd.fault, -1);
	assert_int_equal(amp_begin(a, AMP_ZONES, 0x7, &r), 1);
	assert_int_equal(r.rd.zones, 0x3); /* only the wired zones */
	struct pollfd fds[2];
	assert_int_equal(amp_pollfds(a, fds, 2), 0);
	assert_int_equal(amp_run(a, AMP_CHECK, 0, &r), 0);
	assert_int_equal(r.rd.power, 1);
	assert_int_equal(r.rd.zones, 0x3);
	assert_int_equal(amp_run(a, AMP_SAFE, 0, &r), 0);
	assert_int_equal(r.rd.power, 0);
	assert_int_equal(r.rd.zones, 0);
	assert_true(amp_connected(a));
	amp_free(a);
}

static void test_op_for(void **state)
{
	struct seq_action act = {.type = SACT_POWER, .on = 1};
	assert_int_equal(amp_op_for(&act), AMP_POWER_ON);
	act.on = 0;
	assert_int_equal(amp_op_for(&act), AMP_POWER_OFF);
	act.type = SACT_ZONES;
	assert_int_equal(amp_op_for(&act), AMP_ZONES);
	act.type = SACT_CHECK;
	assert_int_equal(amp_op_for(&act), AMP_CHECK);
	act.type = SACT_SAFE;
	assert_int_equal(amp_op_for(&act), AMP_SAFE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_sequence),
		cmocka_unit_test(test_rtu_sequence),
		cmocka_unit_test(test_scattered_coils),
		cmocka_unit_test(test_tcp_fault_input),
		cmocka_unit_test(test_rtu_fault_input),
		cmocka_unit_test(test_stuck_and_dropping_coil),
		cmocka_unit_test(test_tcp_exception),
		cmocka_unit_test(test_rtu_exception),
		cmocka_unit_test(test_tcp_silent),
		cmocka_unit_test(test_tcp_slow),
		cmocka_unit_test(test_rtu_silent),
		cmocka_unit_test(test_rtu_slow),
		cmocka_unit_test(test_tcp_down),
		cmocka_unit_test(test_tcp_connect_unanswered),
		cmocka_unit_test(test_tcp_garbage),
		cmocka_unit_test(test_tcp_board_restart),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_rtu_no_device),
		cmocka_unit_test(test_null_twin),
		cmocka_unit_test(test_op_for),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
