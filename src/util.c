/* Small helpers shared by every module: see util.h. */
#include "util.h"
#include "sha256.h"
#include "i18n.h"
#include "kv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *log_name = "loaxa";
static int log_verbose, log_to_journal;

/* systemd sets JOURNAL_STREAM=DEV:INODE when stderr is the journal; a pipe
 * or file that merely is not a terminal must not get "<N>" prefixes. */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *progname, int verbose)
{
	log_name = progname;
	log_verbose = verbose;
	log_to_journal = stderr_is_journal();
}

static void vlog(int prio, const char *fmt, va_list ap, int err)
{
	char raw[1024], buf[1024], pfx[32];
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* One event, one line: a name with a newline (a file dropped in the
	 * spool) must not forge another. */
	kv_escape(raw, buf, sizeof(buf));
	/* journald reads "<N>" as the priority and adds its own time; anyone
	 * else (a terminal, a pipe, a log file) reads a time. */
	if (log_to_journal) {
		snprintf(pfx, sizeof(pfx), "<%d>", prio);
	} else {
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(pfx, sizeof(pfx), "%Y-%m-%d %H:%M:%S ", &tm);
	}
	if (err)
		fprintf(stderr, "%s%s: %s: %s\n", pfx, log_name, buf, strerror(err));
	else
		fprintf(stderr, "%s%s: %s\n", pfx, log_name, buf);
}

#define LOGFN(name, prio, witherr)                 \
	void name(const char *fmt, ...)            \
	{                                          \
		int e = errno;                     \
		va_list ap;                        \
		va_start(ap, fmt);                 \
		vlog(prio, fmt, ap, witherr ? e : 0); \
		va_end(ap);                        \
		errno = e;                         \
	}
LOGFN(log_info, 6, 0)
LOGFN(log_warnx, 4, 0)
LOGFN(log_warn, 4, 1)

void log_debug(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(7, fmt, ap, 0);
	va_end(ap);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(2, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void fatal(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(2, fmt, ap, e);
	va_end(ap);
	exit(1);
}

size_t str_copy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);
	if (n) {
		size_t c = len < n - 1 ? len : n - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return len;
}

int id_valid(const char *s)
{
	size_t n = 0;
	if (!s || !*s || *s == '.' || *s == '-')
		return 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return n < 64;
}

void hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *in, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(in[2 * i]), lo = hi < 0 ? -1 : hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return in[2 * n] == '\0' ? 0 : -1;
}

int sha256_file(const char *path, char out[65])
{
	return sha256_file_max(path, INT64_MAX, 0, out);
}

int open_regular(const char *path, int no_symlinks, struct stat *sb)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (no_symlinks ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -1;
	struct stat tmp;
	if (!sb)
		sb = &tmp;
	if (fstat(fd, sb) < 0 || !S_ISREG(sb->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	/* Regular files ignore O_NONBLOCK; clear it anyway for plain reads. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int sha256_file_max(const char *path, int64_t max, int no_symlinks, char out[65])
{
	struct stat sb;
	int fd = open_regular(path, no_symlinks, &sb);
	if (fd < 0)
		return -1;
	if (sb.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	int64_t total = 0;
	struct sha256_ctx st;
	sha256_init(&st);
	unsigned char buf[1 << 14]; /* on the stack: 16 KiB, not 64 resident in loaxad for good (issue 18) */
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r > 0 && (total += r) > max) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		sha256_update(&st, buf, r);
	}
	close(fd);
	unsigned char h[SHA256_LEN];
	sha256_final(&st, h);
	hex_encode(h, sizeof(h), out);
	return 0;
}

void errlist_put(struct errlist *e, const char *en, const char *msg)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 8;
		e->msg = xrealloc(e->msg, e->cap * sizeof(*e->msg));
		e->en = xrealloc(e->en, e->cap * sizeof(*e->en));
	}
	e->msg[e->n] = xstrdup(msg);
	e->en[e->n++] = xstrdup(en);
}

void errlist_add(struct errlist *e, const char *fmt, ...)
{
	char en[1024], buf[1024];
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	vsnprintf(en, sizeof(en), fmt, ap);
	va_end(ap);
	const char *tr = gettext(fmt);
	if (tr == fmt) {
		va_end(aq);
		errlist_put(e, en, en);
		return;
	}
	/* the catalogue's format was checked against fmt by msgfmt --check */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(buf, sizeof(buf), tr, aq);
#pragma GCC diagnostic pop
	va_end(aq);
	errlist_put(e, en, buf);
}

void errlist_free(struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->msg[i]);
		free(e->en[i]);
	}
	free(e->msg);
	free(e->en);
	e->msg = e->en = NULL;
	e->n = e->cap = 0;
}

int path_resolve(const char *base_dir, const char *path, char *out, size_t n)
{
	int r;
	if (path[0] == '/' || !base_dir || !*base_dir)
		r = snprintf(out, n, "%s", path);
	else
		r = snprintf(out, n, "%s/%s", base_dir, path);
	if (r < 0 || (size_t)r >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	path_normalize(out);
	return 0;
}

void path_normalize(char *p)
{
	/* Lexical: "a/./b/../c" -> "a/c"; a leading ".." of a relative path
	 * stays. In place, no copy: it runs under the deepest start-up frames,
	 * and a stack page once touched stays resident (issue 18). The output
	 * is never longer than what has been read (w <= r). */
	int abs = p[0] == '/';
	char *root = p + abs, *r = root, *w = root;
	size_t n = 0; /* segments written that a ".." may take back */
	for (;;) {
		while (*r == '/')
			r++;
		if (!*r)
			break;
		const char *s = r;
		while (*r && *r != '/')
			r++;
		size_t k = (size_t)(r - s);
		if (k == 1 && s[0] == '.')
			continue;
		if (k == 2 && s[0] == '.' && s[1] == '.') {
			if (n) {
				while (w > root && w[-1] != '/')
					w--;
				if (w > root)
					w--;
				n--;
				continue;
			}
			if (abs)
				continue;
		} else
			n++;
		if (w > root)
			*w++ = '/';
		memmove(w, s, k);
		w += k;
	}
	if (w == p)
		*w++ = '.';
	*w = '\0';
}

void path_dirname(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		str_copy(out, ".", n);
		return;
	}
	size_t len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= n)
		len = n - 1;
	memcpy(out, path, len);
	out[len] = '\0';
}

int mkdir_p(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	if (str_copy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	path_dirname(path, dir, sizeof(dir));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Never through a link or into a file someone else planted. */
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return fsync_dir_of(path);
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		fatalx("out of memory");
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		fatalx("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		fatalx("out of memory");
	return p;
}

/* Sized from fstat, grown only if the file grows while being read. */
int read_file_all(const char *path, size_t max, int no_symlinks, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (no_symlinks ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -1;
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	size_t cap = (size_t)sb.st_size + 1, n = 0;
	if (cap > max + 1)
		cap = max + 1;
	char *b = xcalloc(cap + 1, 1);
	for (;;) {
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			if (cap > max) {
				free(b);
				close(fd);
				errno = EFBIG;
				return -1;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			b = xrealloc(b, cap + 1);
		}
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}
