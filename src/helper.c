/* The helper process: see helper.h. */
#include "helper.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "kv.h"
#include "minisign.h"

struct helper {
	int fd;
	pid_t pid;
	int pending;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put_list(struct kvbuf *b, const char *prefix, const struct errlist *e)
{
	kv_putf(b, prefix, "%zu", e->n);
	for (size_t i = 0; i < e->n; i++) {
		char k[32];
		snprintf(k, sizeof(k), "%s.%zu", prefix, i);
		kv_put(b, k, e->msg[i]);
		snprintf(k, sizeof(k), "%s.%zu.en", prefix, i);
		kv_put(b, k, e->en[i]);
	}
}

static void get_list(const char *m, const char *prefix, struct errlist *e)
{
	char v[4096], en[4096];
	kv_get(m, prefix, v, sizeof(v));
	size_t n = strtoul(v, NULL, 10);
	for (size_t i = 0; i < n && i < 10000; i++) {
		char k[32];
		snprintf(k, sizeof(k), "%s.%zu", prefix, i);
		if (kv_get(m, k, v, sizeof(v)) < 0)
			continue;
		snprintf(k, sizeof(k), "%s.%zu.en", prefix, i);
		errlist_put(e, kv_get(m, k, en, sizeof(en)) == 0 ? en : v, v);
	}
}

/* ---- the helper's side ---- */

/* 1 when another program holds the library's lock now (it is taken
 * without blocking: the bundle is tried again later). */
static int library_busy(const struct station *st)
{
	char path[PATHBUF + 16];
	snprintf(path, sizeof(path), "%s/.lock", st->library);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int busy = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd); /* releases it: bundle_install takes it for the work */
	return busy;
}

static void job_bundle(const struct station *st, const char *m, struct kvbuf *out)
{
	char name[256], running[32], sha[80], final[8], now[32];
	kv_get(m, "name", name, sizeof(name));
	kv_get(m, "running_serial", running, sizeof(running));
	kv_get(m, "running_sha", sha, sizeof(sha));
	kv_get(m, "final", final, sizeof(final));
	kv_get(m, "now", now, sizeof(now));
	char conf[PATHBUF + 300], sig[PATHBUF + 300];
	snprintf(conf, sizeof(conf), "%s/%s.conf", st->spool, name);
	snprintf(sig, sizeof(sig), "%s/%s.conf.minisig", st->spool, name);
	struct bundle_request rq = {.conf = conf, .sig = sig, .audio_dir = st->spool,
				    .running_serial = atoll(running), .running_sha = sha,
				    .final = !strcmp(final, "yes"), .no_symlinks = 1, .short_names = 1,
				    .now = atoll(now)};
	struct bundle_result res;
	struct errlist errs = {0}, warns = {0};
	int64_t t0 = now_ms();
	memset(&res, 0, sizeof(res));
	int hold_ms = 0;
	enum bundle_status bs = BUNDLE_WAIT;
	if (library_busy(st)) {
		errlist_add(&errs, "the library is locked by another program (loaxactl bulletin add?)");
		hold_ms = LIBRARY_RETRY_MS;
	} else if (st->ntrust_keys && !minisign_available()) {
		/* The station's fault (libsodium missing or damaged), not the
		 * bundle's: kept in the spool and tried again, not rejected. */
		errlist_add(&errs, "signatures cannot be checked: libsodium will not load (the log says why)");
		hold_ms = SIGCHECK_RETRY_MS;
	} else {
		bs = bundle_install(st, &rq, &res, &errs, &warns);
	}
	char tidy[512] = "";
	if (bs == BUNDLE_SAME || bs == BUNDLE_OK)
		bundle_spool_remove(st, name);
	else if (bs == BUNDLE_REJECTED)
		bundle_spool_reject(st, name, &res, &errs, rq.now, tidy, sizeof(tidy));
	kv_begin(out, 1);
	kv_put(out, "job", "bundle");
	kv_put(out, "name", name);
	kv_putf(out, "status", "%d", (int)bs);
	kv_putf(out, "serial", "%lld", res.serial);
	kv_put(out, "sha256", res.sha256);
	kv_put(out, "signer", res.signer);
	kv_put(out, "comment", res.comment);
	kv_putf(out, "ncampaigns", "%zu", res.ncampaigns);
	kv_putf(out, "nslots", "%zu", res.nslots);
	kv_putf(out, "nfiles", "%zu", res.nfiles);
	kv_putf(out, "ncopied", "%zu", res.ncopied);
	kv_put(out, "tidy_error", tidy);
	kv_putf(out, "hold_ms", "%d", hold_ms);
	kv_putf(out, "ms", "%lld", (long long)(now_ms() - t0));
	put_list(out, "err", &errs);
	put_list(out, "warn", &warns);
	errlist_free(&errs);
	errlist_free(&warns);
}

static void job_archive(const char *m, struct kvbuf *out)
{
	char src[PATHBUF + 64], dst[PATHBUF + 64], sha[80], sum[65], error[300] = "";
	kv_get(m, "src", src, sizeof(src));
	kv_get(m, "dst", dst, sizeof(dst));
	kv_get(m, "sha256", sha, sizeof(sha));
	char *buf = NULL;
	size_t len;
	if (sha256_file(dst, sum) == 0 && !strcmp(sum, sha)) {
		/* already there */
	} else if (sha256_file(src, sum) < 0 || strcmp(sum, sha)) {
		snprintf(error, sizeof(error), _("schedule %s changed since it was loaded: not archived"), src);
	} else if (read_file_all(src, 1 << 20, 0, &buf, &len) < 0) {
		snprintf(error, sizeof(error), _("cannot read %s: %s"), src, strerror(errno));
	} else {
		char dir[PATHBUF + 64];
		path_dirname(dst, dir, sizeof(dir));
		if (mkdir_p(dir, 0750) < 0 || write_file_atomic(dst, buf, len) < 0)
			snprintf(error, sizeof(error), _("cannot archive %s as %s: %s"), src, dst, strerror(errno));
		free(buf);
		buf = NULL;
		char ss[PATHBUF + 80], ds[PATHBUF + 80];
		snprintf(ss, sizeof(ss), "%s.minisig", src);
		snprintf(ds, sizeof(ds), "%s.minisig", dst);
		if (!error[0] && read_file_all(ss, 1 << 16, 0, &buf, &len) == 0 && write_file_atomic(ds, buf, len) < 0)
			snprintf(error, sizeof(error), _("cannot archive %s: %s"), ss, strerror(errno));
	}
	free(buf);
	kv_begin(out, 1);
	kv_put(out, "job", "archive");
	kv_put(out, "error", error);
}

static void job_verify(const char *m, struct kvbuf *out)
{
	char v[32], k[32], path[PATHBUF + 300], sum[65];
	kv_get(m, "n", v, sizeof(v));
	size_t n = strtoul(v, NULL, 10);
	kv_begin(out, 1);
	kv_put(out, "job", "verify");
	kv_putf(out, "n", "%zu", n);
	for (size_t i = 0; i < n && i < HELPER_VERIFY_MAX; i++) {
		snprintf(k, sizeof(k), "path.%zu", i);
		kv_get(m, k, path, sizeof(path));
		kv_put(out, k, path);
		struct stat before, after;
		/* What stat says before and after the read must agree: a file
		 * changing meanwhile is not vouched for. */
		int ok = stat(path, &before) == 0 && sha256_file(path, sum) == 0 && stat(path, &after) == 0 &&
			 before.st_size == after.st_size && before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
			 before.st_mtim.tv_nsec == after.st_mtim.tv_nsec && before.st_ino == after.st_ino &&
			 before.st_ctim.tv_sec == after.st_ctim.tv_sec && before.st_ctim.tv_nsec == after.st_ctim.tv_nsec &&
			 before.st_dev == after.st_dev;
		snprintf(k, sizeof(k), "sha.%zu", i);
		kv_put(out, k, ok ? sum : "");
		snprintf(k, sizeof(k), "size.%zu", i);
		kv_putf(out, k, "%lld", ok ? (long long)after.st_size : -1LL);
		snprintf(k, sizeof(k), "mtime.%zu", i);
		kv_putf(out, k, "%lld", ok ? (long long)after.st_mtim.tv_sec * 1000000000LL + after.st_mtim.tv_nsec : 0LL);
		snprintf(k, sizeof(k), "ctime.%zu", i);
		kv_putf(out, k, "%lld", ok ? (long long)after.st_ctim.tv_sec * 1000000000LL + after.st_ctim.tv_nsec : 0LL);
		snprintf(k, sizeof(k), "ino.%zu", i);
		kv_putf(out, k, "%llu", ok ? (unsigned long long)after.st_ino : 0ULL);
		snprintf(k, sizeof(k), "dev.%zu", i);
		kv_putf(out, k, "%llu", ok ? (unsigned long long)after.st_dev : 0ULL);
	}
}

static void job_resolve(const char *m, struct kvbuf *out)
{
	char host[256], addr[64] = "", error[256] = "";
	kv_get(m, "host", host, sizeof(host));
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	int e = getaddrinfo(host, NULL, &hints, &ai);
	/* IPv4 first: relay modules on a station's LAN speak IPv4. */
	const struct addrinfo *pick = NULL;
	for (const struct addrinfo *p = e ? NULL : ai; p; p = p->ai_next)
		if (p->ai_family == AF_INET || (!pick && p->ai_family == AF_INET6))
			if (!pick || pick->ai_family != AF_INET)
				pick = p;
	if (e)
		snprintf(error, sizeof(error), "%s", gai_strerror(e));
	else if (!pick)
		snprintf(error, sizeof(error), "no IPv4 or IPv6 address");
	else if (pick->ai_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)pick->ai_addr)->sin_addr, addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)pick->ai_addr)->sin6_addr, addr, sizeof(addr));
	if (ai)
		freeaddrinfo(ai);
	kv_begin(out, 1);
	kv_put(out, "job", "resolve");
	kv_put(out, "host", host);
	kv_put(out, "addr", addr);
	kv_put(out, "error", error);
}

static void __attribute__((noreturn)) helper_main(int fd, const struct station *st)
{
	char *in = xcalloc(1, HELPER_MSG_MAX + 1), *out = xcalloc(1, HELPER_MSG_MAX);
	for (;;) {
		ssize_t n = recv(fd, in, HELPER_MSG_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the daemon is gone */
		in[n] = '\0';
		struct kvbuf b;
		kv_init(&b, out, HELPER_MSG_MAX);
		char job[32];
		kv_get(in, "job", job, sizeof(job));
		if (!strcmp(job, "bundle"))
			job_bundle(st, in, &b);
		else if (!strcmp(job, "resolve"))
			job_resolve(in, &b);
		else if (!strcmp(job, "archive"))
			job_archive(in, &b);
		else if (!strcmp(job, "verify"))
			job_verify(in, &b);
		else {
			kv_begin(&b, 0);
			kv_put(&b, "error", "unknown job");
		}
		if (send(fd, out, b.len, MSG_NOSIGNAL) < 0)
			_exit(0);
	}
}

/* ---- the daemon's side ---- */

struct helper *helper_start(const struct station *st, char *err, size_t errn)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errn, _("helper: socketpair: %s"), strerror(errno));
		return NULL;
	}
	int sz = HELPER_MSG_MAX * 2;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		snprintf(err, errn, _("helper: fork: %s"), strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		/* Only its socket and stdio: no listener, timer or device of
		 * the daemon's. It dies with the daemon, below its priority. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGUSR2, SIG_IGN);
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		prctl(PR_SET_NAME, "loaxad-helper");
		(void)!setpriority(PRIO_PROCESS, 0, 10);
		helper_main(3, st);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	struct helper *h = xcalloc(1, sizeof(*h));
	h->fd = sv[0];
	h->pid = pid;
	return h;
}

void helper_stop(struct helper *h)
{
	if (!h)
		return;
	close(h->fd);
	/* A job in hand (a long decode) is not waited for: bundle_install
	 * leaves nothing half done that the next start does not clean. */
	kill(h->pid, SIGTERM);
	while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(h);
}

int helper_fd(const struct helper *h)
{
	return h ? h->fd : -1;
}

int helper_pending(const struct helper *h)
{
	return h ? h->pending : 0;
}

static int send_msg(struct helper *h, const char *buf, size_t len)
{
	/* Requests are small and at most a few are in flight: the socket
	 * buffer takes them at once. */
	if (send(h->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		return -1;
	h->pending++;
	return 0;
}

int helper_bundle(struct helper *h, const char *name, long long running_serial, const char *running_sha,
		  int final, int64_t now)
{
	char buf[1024];
	struct kvbuf b;
	kv_init(&b, buf, sizeof(buf));
	kv_put(&b, "job", "bundle");
	kv_put(&b, "name", name);
	kv_putf(&b, "running_serial", "%lld", running_serial);
	kv_put(&b, "running_sha", running_sha ? running_sha : "");
	kv_put(&b, "final", final ? "yes" : "no");
	kv_putf(&b, "now", "%lld", (long long)now);
	if (b.overflow) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return send_msg(h, buf, b.len);
}

int helper_archive(struct helper *h, const char *src, const char *sha, const char *dst)
{
	char buf[3 * PATHBUF + 512];
	struct kvbuf b;
	kv_init(&b, buf, sizeof(buf));
	kv_put(&b, "job", "archive");
	kv_put(&b, "src", src);
	kv_put(&b, "sha256", sha);
	kv_put(&b, "dst", dst);
	if (b.overflow) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return send_msg(h, buf, b.len);
}

int helper_verify(struct helper *h, const char *const *paths, size_t n)
{
	char *buf = xcalloc(1, HELPER_MSG_MAX);
	struct kvbuf b;
	kv_init(&b, buf, HELPER_MSG_MAX);
	kv_put(&b, "job", "verify");
	kv_putf(&b, "n", "%zu", n);
	for (size_t i = 0; i < n && i < HELPER_VERIFY_MAX; i++) {
		char k[32];
		snprintf(k, sizeof(k), "path.%zu", i);
		kv_put(&b, k, paths[i]);
	}
	int r = b.overflow ? (errno = ENAMETOOLONG, -1) : send_msg(h, buf, b.len);
	free(buf);
	return r;
}

int helper_resolve(struct helper *h, const char *host)
{
	char buf[512];
	struct kvbuf b;
	kv_init(&b, buf, sizeof(buf));
	kv_put(&b, "job", "resolve");
	kv_put(&b, "host", host);
	if (b.overflow) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return send_msg(h, buf, b.len);
}

int helper_read(struct helper *h, struct helper_reply *r, char *err, size_t errn)
{
	memset(r, 0, sizeof(*r));
	char *m = xcalloc(1, HELPER_MSG_MAX + 1);
	ssize_t n = recv(h->fd, m, HELPER_MSG_MAX, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(m);
		return 0;
	}
	if (n <= 0) {
		snprintf(err, errn, "the helper process is gone%s%s", n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		free(m);
		return -1;
	}
	char job[32], v[64];
	kv_get(m, "job", job, sizeof(job));
	h->pending--;
	if (!strcmp(job, "verify")) {
		r->job = HELPER_VERIFY;
		r->raw = m;
		return 1;
	} else if (!strcmp(job, "archive")) {
		r->job = HELPER_ARCHIVE;
		kv_get(m, "error", r->error, sizeof(r->error));
	} else if (!strcmp(job, "resolve")) {
		r->job = HELPER_RESOLVE;
		kv_get(m, "host", r->host, sizeof(r->host));
		kv_get(m, "addr", r->addr, sizeof(r->addr));
		kv_get(m, "error", r->error, sizeof(r->error));
	} else if (!strcmp(job, "bundle")) {
		r->job = HELPER_BUNDLE;
		kv_get(m, "name", r->name, sizeof(r->name));
		kv_get(m, "status", v, sizeof(v));
		r->status = (enum bundle_status)atoi(v);
		kv_get(m, "serial", v, sizeof(v));
		r->res.serial = atoll(v);
		kv_get(m, "sha256", r->res.sha256, sizeof(r->res.sha256));
		kv_get(m, "signer", r->res.signer, sizeof(r->res.signer));
		kv_get(m, "comment", r->res.comment, sizeof(r->res.comment));
		kv_get(m, "ncampaigns", v, sizeof(v));
		r->res.ncampaigns = strtoul(v, NULL, 10);
		kv_get(m, "nslots", v, sizeof(v));
		r->res.nslots = strtoul(v, NULL, 10);
		kv_get(m, "nfiles", v, sizeof(v));
		r->res.nfiles = strtoul(v, NULL, 10);
		kv_get(m, "ncopied", v, sizeof(v));
		r->res.ncopied = strtoul(v, NULL, 10);
		kv_get(m, "tidy_error", r->tidy_error, sizeof(r->tidy_error));
		kv_get(m, "hold_ms", v, sizeof(v));
		r->hold_ms = atoi(v);
		kv_get(m, "ms", v, sizeof(v));
		r->ms = atoll(v);
		get_list(m, "err", &r->errs);
		get_list(m, "warn", &r->warns);
	} else {
		snprintf(err, errn, "the helper answered something unknown");
		free(m);
		return -1;
	}
	free(m);
	return 1;
}

void helper_reply_free(struct helper_reply *r)
{
	errlist_free(&r->errs);
	errlist_free(&r->warns);
	free(r->raw);
	r->raw = NULL;
}
