/* loaxa-fetch: fetches the audio of one bundle message from the fleet
 * link and drops the bundle into the station's spool (docs/FLEET.md).
 * loaxad starts it for each new bundle message, the message on stdin;
 * loaxad itself never maps libcurl or TLS (its resident memory matters)
 * and never waits on the network.
 *
 * Order, so that a bundle the station would refuse is never downloaded:
 * the signature, the schedule, district/stations and serial (bundle.c's
 * own checks), then each file not in the library already: streamed to
 * STATE/fetch/SERIAL/FILE.part, hashed while written, never more than its
 * signed size, resumed with a Range request after an interruption. When
 * every file matches, the audio, the schedule and its .minisig (last) are
 * renamed into the spool, so the spool's install applies every check.
 *
 * libcurl is loaded (dlopen) only once a bundle is to be downloaded, with
 * GnuTLS's load-time initialisation turned off: Debian's libcurl pulls in
 * GnuTLS through librtmp, whose constructor alone costs about 1 MiB
 * resident, for a protocol loaxa-fetch never enables (docs/BENCHMARKS.md).
 *
 * stdout (to loaxad): one line per event, the STATION/bundle payload
 * ("loaxa-bundle-state 1 ..."), or "dropped serial=S name=NAME.conf".
 * Exit 0: done (dropped, current or refused); 75: try again later. */
/* the calls go through pointers (below): no type-checking macros */
#define CURL_DISABLE_TYPECHECK
#define OPENSSL_SUPPRESS_DEPRECATED
#include <curl/curl.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/ssl.h> /* OPENSSL_INIT_NO_LOAD_SSL_STRINGS only: libssl comes with libcurl */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "config.h"
#include "fleetproto.h"
#include "i18n.h"
#include "library.h"
#include "util.h"

#define EXIT_RETRY 75
#define PROGRESS_MS 1000

/* Debian's OpenSSL flavour of libcurl 4 */
#ifndef CURL_SONAME
#define CURL_SONAME "libcurl.so.4"
#endif
#ifndef SYSTEM_CA_DIR
#define SYSTEM_CA_DIR "/etc/ssl/certs"
#endif
#define CURL_FUNCS(X)                                                                                       \
	X(curl_global_init) X(curl_global_cleanup) X(curl_easy_init) X(curl_easy_setopt) X(curl_easy_perform) \
	X(curl_easy_getinfo) X(curl_easy_cleanup) X(curl_easy_escape) X(curl_free) X(curl_easy_strerror)
#define CURL_PTR(f) static __typeof__(f) *p_##f;
CURL_FUNCS(CURL_PTR)
#undef CURL_PTR
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init p_curl_global_init
#define curl_global_cleanup p_curl_global_cleanup
#define curl_easy_init p_curl_easy_init
#define curl_easy_setopt p_curl_easy_setopt
#define curl_easy_perform p_curl_easy_perform
#define curl_easy_getinfo p_curl_easy_getinfo
#define curl_easy_cleanup p_curl_easy_cleanup
#define curl_easy_escape p_curl_easy_escape
#define curl_free p_curl_free
#define curl_easy_strerror p_curl_easy_strerror

/* 0, or -1 with the reason in why. tls: the download may use TLS. */
static int load_curl(int tls, char *why, size_t whyn)
{
	/* librtmp starts GnuTLS itself when it is used; nothing here uses it */
	setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 1);
	void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, whyn, "cannot load %s", dlerror());
		return -1;
	}
#define CURL_SYM(f)                                                     \
	if (!(p_##f = (__typeof__(p_##f))dlsym(h, #f))) {                \
		snprintf(why, whyn, "cannot load %s: no %s", CURL_SONAME, #f); \
		return -1;                                              \
	}
	CURL_FUNCS(CURL_SYM)
#undef CURL_SYM
	if (!tls) {
		/* Plain HTTP runs no TLS: OpenSSL need not read its configuration,
		 * name every legacy cipher and digest, or load its error strings,
		 * as curl_global_init would have it do (1.3 MiB resident). Each is
		 * done once per process, so asking first for "not" makes curl's
		 * later request a no-op. libssl comes with libcurl (its scope).
		 * TLS would not verify a certificate after this (tried). */
		const uint64_t no = OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
				    OPENSSL_INIT_NO_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS;
		OPENSSL_init_crypto(no, NULL);
		int (*init_ssl)(uint64_t, const void *) = (int (*)(uint64_t, const void *))dlsym(h, "OPENSSL_init_ssl");
		if (init_ssl)
			init_ssl(no | OPENSSL_INIT_NO_LOAD_SSL_STRINGS, NULL);
	}
	return 0;
}

static long long g_serial;
/* freed at exit, whichever way main returns */
static char *g_msg;
static struct bundle_file *g_files;
static int *g_need;
static struct catalog g_cat;
static struct errlist g_errs, g_cerrs;

static struct station g_st;

static void cleanup(void)
{
	station_free(&g_st);
	free(g_msg);
	free(g_files);
	free(g_need);
	catalog_free(&g_cat);
	errlist_free(&g_errs);
	errlist_free(&g_cerrs);
}
static long long g_got, g_total;
static int g_curl_loaded;
static int64_t g_last_progress;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say_state(const char *state, int with_bytes, const char *detail)
{
	struct fleet_bstate b = {.serial = g_serial, .got = with_bytes ? g_got : -1,
				 .total = with_bytes ? g_total : -1};
	str_copy(b.state, state, sizeof(b.state));
	str_copy(b.detail, detail ? detail : "", sizeof(b.detail));
	char line[1024];
	size_t n = fleet_bstate_encode(line, sizeof(line), &b);
	if (n) {
		printf("%s\n", line);
		fflush(stdout);
	}
}

static void progress(int force)
{
	int64_t t = now_ms();
	if (force || t - g_last_progress >= PROGRESS_MS) {
		g_last_progress = t;
		say_state("fetching", 1, NULL);
	}
}

struct dl {
	FILE *out;
	SHA256_CTX *md;
	long long have, limit;
	int too_big;
};

static size_t on_data(char *p, size_t sz, size_t nm, void *ctx)
{
	struct dl *d = ctx;
	size_t n = sz * nm;
	if (d->have + (long long)n > d->limit) {
		d->too_big = 1;
		return 0;
	}
	if (fwrite(p, 1, n, d->out) != n)
		return 0;
	SHA256_Update(d->md, p, n);
	d->have += (long long)n;
	g_got += (long long)n;
	progress(0);
	return n;
}

/* libcurl calls it about once a second even while nothing arrives. */
static int on_xfer(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	progress(0);
	return 0;
}

/* Hash what an earlier attempt left in part into md; its size. */
static long long hash_part(const char *part, SHA256_CTX *md)
{
	FILE *f = fopen(part, "rb");
	if (!f)
		return 0;
	char buf[65536];
	size_t k;
	long long n = 0;
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0) {
		SHA256_Update(md, buf, k);
		n += (long long)k;
	}
	fclose(f);
	return n;
}

enum got { GOT_OK, GOT_RETRY, GOT_BAD };

/* One file into dir/FILE (via FILE.part). why: the reason when not GOT_OK. */
static enum got fetch_one(CURL *c, const struct station *st, const char *dir, const struct bundle_file *bf,
			  long long limit, char *why, size_t whyn)
{
	char part[PATHBUF + 300], done[PATHBUF + 300], url[2048];
	snprintf(part, sizeof(part), "%s/%s.part", dir, bf->file);
	snprintf(done, sizeof(done), "%s/%s", dir, bf->file);
	char *esc = curl_easy_escape(c, bf->file, 0);
	const char *base = st->fleet.audio_url;
	size_t bl = strlen(base);
	snprintf(url, sizeof(url), "%s%s%s", base, bl && base[bl - 1] == '/' ? "" : "/", esc ? esc : bf->file);
	curl_free(esc);

	for (int attempt = 0; attempt < 2; attempt++) {
		/* the low-level calls: no EVP fetch, which builds OpenSSL's
		 * algorithm tables on the heap */
		SHA256_CTX mdc, *md = &mdc;
		SHA256_Init(md);
		long long have = hash_part(part, md);
		if (have > limit) { /* cannot be this file: start again */
			unlink(part);
			SHA256_Init(md);
			have = 0;
		}
		g_got += have;
		struct dl d = {.md = md, .have = have, .limit = limit};
		d.out = fopen(part, "ab");
		if (!d.out) {
			snprintf(why, whyn, "cannot write %s: %s", part, strerror(errno));
			return GOT_RETRY;
		}
		CURLcode rc = CURLE_OK;
		long code = 0;
		if (have < limit || bf->size < 0) {
			curl_easy_setopt(c, CURLOPT_URL, url);
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
			curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
			curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)have);
			rc = curl_easy_perform(c);
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		}
		int bad_close = fflush(d.out) != 0 || fdatasync(fileno(d.out)) != 0;
		bad_close |= fclose(d.out) != 0;
		uint8_t h[32];
		SHA256_Final(h, md);
		if (rc == CURLE_RANGE_ERROR && attempt == 0) {
			/* the server would not resume: from the start */
			g_got -= d.have;
			unlink(part);
			continue;
		}
		if (d.too_big) {
			unlink(part);
			snprintf(why, whyn, "%s is larger on the server than the %lld bytes in the signed schedule", bf->file,
				 limit);
			return GOT_BAD;
		}
		if (code == 416 && have > 0 && d.have == have)
			rc = CURLE_OK; /* nothing left to send: it was complete (the hash decides) */
		if (rc != CURLE_OK) {
			snprintf(why, whyn, "%s: %s", url, curl_easy_strerror(rc));
			return GOT_RETRY;
		}
		if (bad_close) {
			snprintf(why, whyn, "cannot write %s: %s", part, strerror(errno));
			return GOT_RETRY;
		}
		if (bf->size >= 0 && d.have < bf->size) {
			snprintf(why, whyn, "%s: the server sent %lld of %lld bytes", url, d.have, bf->size);
			return GOT_RETRY;
		}
		char hx[65];
		hex_encode(h, 32, hx);
		if (strcmp(hx, bf->sha256)) {
			unlink(part);
			snprintf(why, whyn,
				 "%s does not match the SHA-256 in the signed schedule (changed after signing, or not completely copied): it is %.16s..., the schedule says %.16s...",
				 bf->file, hx, bf->sha256);
			return GOT_BAD;
		}
		if (rename(part, done) < 0) {
			snprintf(why, whyn, "cannot rename %s: %s", part, strerror(errno));
			return GOT_RETRY;
		}
		return GOT_OK;
	}
	snprintf(why, whyn, "%s: the server restarted the file twice", url);
	return GOT_RETRY;
}

/* Everything under STATE/fetch but the folder keep ("" = all). */
static void clean_fetch(const char *top, const char *keep)
{
	DIR *dir = opendir(top);
	if (!dir)
		return;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, keep))
			continue;
		char sub[PATHBUF + 300];
		snprintf(sub, sizeof(sub), "%s/%s", top, e->d_name);
		DIR *s = opendir(sub);
		if (!s) {
			continue;
		}
		struct dirent *f;
		while ((f = readdir(s))) {
			if (f->d_name[0] == '.' && (!f->d_name[1] || (f->d_name[1] == '.' && !f->d_name[2])))
				continue;
			char p[2 * PATHBUF + 600];
			snprintf(p, sizeof(p), "%s/%s", sub, f->d_name);
			unlink(p);
		}
		closedir(s);
		rmdir(sub);
	}
	closedir(dir);
}

/* Into the spool under a temporary name, then renamed: the drop protocol. */
static int drop_bytes(const char *spool, const char *name, const void *data, size_t len)
{
	char tmp[PATHBUF + 300], dst[PATHBUF + 300];
	snprintf(tmp, sizeof(tmp), "%s/.%s.fetch", spool, name);
	snprintf(dst, sizeof(dst), "%s/%s", spool, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	int bad = write(fd, data, len) != (ssize_t)len || fdatasync(fd) != 0;
	bad |= close(fd) != 0;
	if (bad || rename(tmp, dst) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int drop_file(const char *spool, const char *src, const char *name)
{
	char tmp[PATHBUF + 300], dst[PATHBUF + 300];
	snprintf(tmp, sizeof(tmp), "%s/.%s.fetch", spool, name);
	snprintf(dst, sizeof(dst), "%s/%s", spool, name);
	if (rename(src, tmp) < 0) {
		if (errno != EXDEV)
			return -1;
		/* another file system: copy */
		char *data = NULL;
		size_t len = 0;
		if (read_file_all(src, (size_t)1 << 31, 1, &data, &len) < 0)
			return -1;
		char base[300];
		snprintf(base, sizeof(base), "%s", name);
		int r = drop_bytes(spool, base, data, len);
		free(data);
		return r;
	}
	return rename(tmp, dst);
}

/* Each file marked in need into dir: 0, 1 (one was refused: the reason
 * published) or EXIT_RETRY. */
static int fetch_all(const struct station *st, const char *name, const char *dir, const struct bundle_file *files,
		     size_t nfiles, const int *need, int64_t max_bytes)
{
	char lwhy[512];
	/* a proxy from the environment may be reached over TLS: then as https */
	int tls = !strncmp(st->fleet.audio_url, "https://", 8);
	static const char *const proxies[] = {"http_proxy", "all_proxy", "ALL_PROXY"};
	for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		tls |= getenv(proxies[i]) && getenv(proxies[i])[0];
	if (load_curl(tls, lwhy, sizeof(lwhy)) < 0) {
		log_warnx(_("bundle %s: download interrupted, trying again later: %s"), name, lwhy);
		say_state("waiting", 1, lwhy);
		return EXIT_RETRY;
	}
	g_curl_loaded = 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* a server that stalls */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "loaxa-fetch");
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (st->fleet.ca_file[0]) {
		curl_easy_setopt(c, CURLOPT_CAINFO, st->fleet.ca_file);
	} else {
		/* The system's CAs from the hashed folder, each read when a chain
		 * names it: Debian's default CAINFO, the whole bundle, is parsed
		 * into about 0.85 MiB of heap at every TLS connection. */
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(c, CURLOPT_CAPATH, SYSTEM_CA_DIR);
	}
	progress(1);
	int rc = 0;
	for (size_t i = 0; i < nfiles && rc == 0; i++) {
		if (!need[i])
			continue;
		char done[PATHBUF + 300], why[1024];
		struct stat sb;
		snprintf(done, sizeof(done), "%s/%s", dir, files[i].file);
		if (stat(done, &sb) == 0) { /* verified by an earlier run */
			g_got += sb.st_size;
			continue;
		}
		long long limit = files[i].size >= 0 ? files[i].size : max_bytes;
		enum got g = fetch_one(c, st, dir, &files[i], limit, why, sizeof(why));
		if (g == GOT_BAD) {
			log_warnx(_("bundle %s refused: %s"), name, why);
			say_state("refused", 0, why);
			rc = 1;
		} else if (g == GOT_RETRY) {
			log_warnx(_("bundle %s: download interrupted, trying again later: %s"), name, why);
			say_state("waiting", 1, why);
			rc = EXIT_RETRY;
		}
	}
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return rc;
}

/* The end of a run that loaded libcurl: straight out, without its 30
 * libraries' destructors, which would only touch (and make resident)
 * another 0.6 MiB of their code in a process about to end. Everything is
 * written and flushed by then. Under the sanitizers, the normal way (the
 * leak check runs at exit). */
static int leave(int code)
{
#ifndef __SANITIZE_ADDRESS__
	if (g_curl_loaded) {
		fflush(stdout);
		fflush(stderr);
		_exit(code);
	}
#endif
	return code;
}

static void usage(void)
{
	fprintf(stderr, "%s", _("usage: loaxa-fetch -c STATION-FILE [--running SERIAL] [--running-sha SHA256] <MESSAGE\n"));
}

int main(int argc, char **argv)
{
	i18n_init();
	log_init("loaxa-fetch", 0);
	const char *cfg = NULL, *running_sha = "";
	long long running = 0;
	static const struct option opts[] = {{"running", required_argument, NULL, 'r'},
					     {"running-sha", required_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int o;
	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (o == 'c')
			cfg = optarg;
		else if (o == 'r')
			running = strtoll(optarg, NULL, 10);
		else if (o == 's')
			running_sha = optarg;
		else {
			usage();
			return o == 'h' ? 0 : 2;
		}
	}
	if (!cfg || optind != argc) {
		usage();
		return 2;
	}
	/* dies with the daemon that started it */
	pid_t parent = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		return EXIT_RETRY;

	atexit(cleanup);
	struct station *st = &g_st; /* freed by cleanup */
	if (config_load_station(cfg, st, &g_errs) < 0) {
		for (size_t i = 0; i < g_errs.n; i++)
			log_warnx("%s", g_errs.msg[i]);
		return 2;
	}
	i18n_set_language(st->language);
	/* the message: at most 1 MiB + 8 KiB after a short header */
	size_t cap = FLEET_BUNDLE_MAX + 1024, len = 0;
	char *msg = g_msg = xcalloc(1, cap + 1);
	ssize_t k;
	while (len < cap && (k = read(0, msg + len, cap - len)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			log_warn("%s", _("cannot read the bundle message"));
			return 2;
		}
		len += (size_t)k;
	}
	struct fleet_bundle_msg m;
	char err[512];
	if (fleet_bundle_decode(msg, len, &m, err, sizeof(err)) < 0) {
		log_warnx(_("bundle message refused: %s"), err);
		say_state("refused", 0, err);
		return 0;
	}
	g_serial = m.serial;
	char name[FLEET_BUNDLE_NAME_MAX + 1];
	str_copy(name, m.name, sizeof(name));
	name[strlen(name) - 5] = 0; /* NAME of NAME.conf */

	/* one fetch at a time, even one left by a daemon that was killed */
	char top[PATHBUF + 16], lockp[PATHBUF + 32];
	snprintf(top, sizeof(top), "%s/fetch", st->state);
	if (mkdir_p(top, 0750) < 0) {
		log_warn(_("cannot make %s"), top);
		say_state("waiting", 0, "cannot make the fetch folder");
		return EXIT_RETRY;
	}
	snprintf(lockp, sizeof(lockp), "%s/.lock", top);
	int lk = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (lk < 0 || flock(lk, LOCK_EX) < 0) {
		log_warn(_("cannot lock %s"), lockp);
		return EXIT_RETRY;
	}

	struct bundle_result res;
	size_t nfiles = 0;
	enum bundle_status bs = bundle_precheck(st, m.name, m.conf, m.conf_len, m.sig, m.sig_len, running, running_sha,
						&res, &g_files, &nfiles, &g_errs);
	struct bundle_file *files = g_files;
	long long high = running > bundle_serial_high(st) ? running : bundle_serial_high(st);
	if (res.serial)
		g_serial = res.serial;
	if (bs == BUNDLE_SAME || (bs == BUNDLE_REJECTED && res.serial > 0 && res.serial <= high &&
				  strstr(g_errs.n ? g_errs.msg[0] : "", "is not greater than the running serial"))) {
		say_state("current", 0, NULL);
		return 0;
	}
	if (bs != BUNDLE_OK) {
		log_warnx(_("bundle %s refused: %s"), m.name, g_errs.n ? g_errs.msg[0] : "?");
		say_state("refused", 0, g_errs.n ? g_errs.msg[0] : "refused");
		return 0;
	}
	if (!st->fleet.audio_url[0] && nfiles) {
		say_state("refused", 0, "this station has no fleet.audio_url to fetch the audio from");
		return 0;
	}

	char dir[PATHBUF + 64], sdir[32];
	snprintf(sdir, sizeof(sdir), "%lld", res.serial);
	snprintf(dir, sizeof(dir), "%s/%s", top, sdir);
	clean_fetch(top, sdir);
	if (mkdir_p(dir, 0750) < 0) {
		say_state("waiting", 0, "cannot make the fetch folder");
		return EXIT_RETRY;
	}

	/* what the library has already with the same content is not fetched */
	char catpath[PATHBUF + 16];
	library_catalog_path(st, catpath, sizeof(catpath));
	catalog_load(catpath, &g_cat, &g_cerrs);
	int64_t max_bytes = library_max_bytes(st);
	int *need = g_need = xcalloc(nfiles + 1, sizeof(int));
	size_t todo = 0;
	for (size_t i = 0; i < nfiles; i++) {
		const struct bulletin *b = catalog_find(&g_cat, files[i].bulletin);
		need[i] = !(b && !strcmp(b->sha256, files[i].sha256));
		if (need[i])
			g_total += files[i].size >= 0 ? files[i].size : 0;
		todo += need[i];
	}

	int rc = 0;
	if (todo)
		rc = fetch_all(st, m.name, dir, files, nfiles, need, max_bytes);
	if (rc == 1) {
		clean_fetch(top, "");
		return leave(0);
	}
	if (rc)
		return leave(rc);
	progress(1);

	/* the drop protocol: audio, the schedule, its signature last */
	char signame[FLEET_BUNDLE_NAME_MAX + 16];
	snprintf(signame, sizeof(signame), "%s.minisig", m.name);
	for (size_t i = 0; i < nfiles; i++) {
		char done[PATHBUF + 300];
		if (!need[i])
			continue;
		snprintf(done, sizeof(done), "%s/%s", dir, files[i].file);
		if (drop_file(st->spool, done, files[i].file) < 0) {
			log_warn(_("cannot put %s into the spool %s"), files[i].file, st->spool);
			say_state("waiting", 1, "cannot write into the spool");
			return leave(EXIT_RETRY);
		}
	}
	if (drop_bytes(st->spool, m.name, m.conf, m.conf_len) < 0 ||
	    drop_bytes(st->spool, signame, m.sig, m.sig_len) < 0) {
		log_warn(_("cannot put %s into the spool %s"), m.name, st->spool);
		say_state("waiting", 1, "cannot write into the spool");
		return leave(EXIT_RETRY);
	}
	char sigpath[PATHBUF + 300];
	snprintf(sigpath, sizeof(sigpath), "%s/%s", st->spool, signame);
	fsync_dir_of(sigpath);
	clean_fetch(top, "");
	printf("dropped serial=%lld name=%s\n", res.serial, m.name);
	fflush(stdout);
	return leave(0);
}
