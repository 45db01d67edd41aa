/* The spool watcher: see spool.h. One inotify watch on the folder, one
 * monotonic timerfd for the settle time and the waits; the folder is
 * listed again only after it has been quiet for SPOOL_SETTLE_MS, so a
 * large copy costs one wake-up per inotify event and nothing else. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"
#include "clock.h"
#include "i18n.h"
#include "kv.h"
#include "util.h"

#ifndef LOAXA_DOCDIR
#define LOAXA_DOCDIR "/usr/local/share/doc/loaxa"
#endif

/* A file seen created or modified and not closed since counts as being
 * written for at most this long without another event (a writer stalled
 * for longer, or a hard link that never sends a close). */
#define DIRTY_STALE_MIN_MS 30000

enum state { E_NEW, E_READY, E_HANDED, E_DEFERRED, E_DONE };

struct entry {
	char name[SPOOL_NAME_MAX + 1];
	enum state state;
	int64_t first_seen, mark; /* ms; mark: when deferred or done */
	int seen, has_conf, has_sig;
};

struct dirty {
	char name[NAME_MAX + 1];
	int64_t last;
};

struct spool {
	char dir[PATHBUF];
	int ifd, tfd;
	int64_t wait_ms, stale_ms;
	int64_t last_event;
	struct entry *e;
	size_t ne, cap;
	struct dirty *d;
	size_t nd, dcap;
};

static int64_t now_ms(void)
{
	return clock_mono_ns() / 1000000;
}

int spool_temp_name(const char *n)
{
	static const char *const ends[] = {".part", ".tmp", ".partial", ".crdownload", ".swp",
					   "~", ".filepart", NULL};
	size_t len = strlen(n);
	if (!len || n[0] == '.' || strstr(n, ".tmp.") || len > SPOOL_NAME_MAX)
		return 1;
	for (const char *const *e = ends; *e; e++) {
		size_t l = strlen(*e);
		if (len >= l && !strcmp(n + len - l, *e))
			return 1;
	}
	return 0;
}

static struct dirty *dirty_find(struct spool *sp, const char *name)
{
	for (size_t i = 0; i < sp->nd; i++)
		if (!strcmp(sp->d[i].name, name))
			return &sp->d[i];
	return NULL;
}

static void dirty_set(struct spool *sp, const char *name, int64_t t)
{
	struct dirty *x = dirty_find(sp, name);
	if (!x) {
		if (sp->nd == sp->dcap) {
			sp->dcap = sp->dcap ? 2 * sp->dcap : 8;
			sp->d = xrealloc(sp->d, sp->dcap * sizeof(*sp->d));
		}
		x = &sp->d[sp->nd++];
		str_copy(x->name, name, sizeof(x->name));
	}
	x->last = t;
}

static void dirty_clear(struct spool *sp, const char *name)
{
	struct dirty *x = dirty_find(sp, name);
	if (x)
		*x = sp->d[--sp->nd];
}

static struct entry *entry_find(struct spool *sp, const char *name)
{
	for (size_t i = 0; i < sp->ne; i++)
		if (!strcmp(sp->e[i].name, name))
			return &sp->e[i];
	return NULL;
}

static struct entry *entry_get(struct spool *sp, const char *name, int64_t now)
{
	struct entry *x = entry_find(sp, name);
	if (x)
		return x;
	if (sp->ne == sp->cap) {
		sp->cap = sp->cap ? 2 * sp->cap : 8;
		sp->e = xrealloc(sp->e, sp->cap * sizeof(*sp->e));
	}
	x = &sp->e[sp->ne++];
	memset(x, 0, sizeof(*x));
	str_copy(x->name, name, sizeof(x->name));
	x->state = E_NEW;
	x->first_seen = now;
	return x;
}

/* 1 if some process has the file open for writing (a read lease is refused
 * then). 0 if not, or if the kernel will not say (not our file, no
 * CAP_LEASE, a file system without leases): inotify's view decides then. */
static int open_for_writing(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK; /* someone holds a write lease */
	int busy = 0;
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	else if (errno == EAGAIN)
		busy = 1;
	close(fd);
	return busy;
}

/* NAME of "NAME.conf" or "NAME.conf.minisig" into out; 1 = conf, 2 = sig, 0 = neither. */
static int bundle_part(const char *f, char *out, size_t n)
{
	static const char conf[] = ".conf", sig[] = ".conf.minisig";
	size_t len = strlen(f);
	int kind = 0;
	size_t base = 0;
	if (len > sizeof(sig) - 1 && !strcmp(f + len - (sizeof(sig) - 1), sig)) {
		kind = 2;
		base = len - (sizeof(sig) - 1);
	} else if (len > sizeof(conf) - 1 && !strcmp(f + len - (sizeof(conf) - 1), conf)) {
		kind = 1;
		base = len - (sizeof(conf) - 1);
	}
	if (!kind || base >= n)
		return 0;
	memcpy(out, f, base);
	out[base] = '\0';
	return kind;
}

/* Arm the timer for the earliest of: the end of the settle time, a file
 * being written going stale, a half or deferred bundle's wait running out
 * (not while a file is being written: its close will wake us). */
static void rearm(struct spool *sp, int64_t now, int busy)
{
	int64_t next = INT64_MAX;
	if (now - sp->last_event < SPOOL_SETTLE_MS)
		next = sp->last_event + SPOOL_SETTLE_MS;
	for (size_t i = 0; i < sp->nd; i++)
		if (sp->d[i].last + sp->stale_ms < next)
			next = sp->d[i].last + sp->stale_ms;
	for (size_t i = 0; i < sp->ne; i++) {
		const struct entry *x = &sp->e[i];
		if (!busy && (x->state == E_NEW || x->state == E_DEFERRED) &&
		    x->first_seen + sp->wait_ms < next)
			next = x->first_seen + sp->wait_ms;
	}
	if (next == INT64_MAX)
		clock_mono_timer_in(sp->tfd, 0);
	else
		clock_mono_timer_in(sp->tfd, next - now < 1 ? 1 : next - now);
}

const char *spool_odd_file(const struct stat *sb)
{
	switch (sb->st_mode & S_IFMT) {
	case S_IFREG:
		return sb->st_nlink > 1 ? N_("a hard link (one file under several names; the spool takes only files copied into it)")
					: NULL;
	case S_IFDIR:
		return NULL;
	case S_IFLNK:
		return N_("a symbolic link (the spool takes only plain files)");
	case S_IFIFO:
		return N_("a FIFO (named pipe; the spool takes only plain files)");
	case S_IFCHR:
	case S_IFBLK:
		return N_("a device file (the spool takes only plain files)");
	case S_IFSOCK:
		return N_("a socket (the spool takes only plain files)");
	default:
		return "not a plain file";
	}
}

/* Move name to rejected/ with name.why, at once: nothing but plain files
 * is ever read from the spool, and an odd file must not hold up a good
 * bundle (a FIFO or a link never sends the close a copy ends with). */
static void reject_odd(struct spool *sp, int dfd, const char *name, const char *why)
{
	char esc[4 * NAME_MAX + 8], ts[26], text[8 * NAME_MAX + 512], path[PATHBUF + 2 * NAME_MAX];
	kv_escape(name, esc, sizeof(esc));
	civil_tz_format(clock_now(), ts);
	static const char push_doc[] = LOAXA_DOCDIR "/PUSH.md";
	int n = snprintf(text, sizeof(text),
			 _("loaxa: the spool refused the file %s at %s\nreason: %s\nIt was never read. Only plain files, copied into the spool, can be part of a bundle (see %s).\n"),
			 esc, ts, _(why), push_doc);
	snprintf(path, sizeof(path), "%s/rejected/%s.why", sp->dir, name);
	if (write_file_atomic(path, text, (size_t)n) < 0)
		log_warn(_("spool: cannot write %s"), path);
	snprintf(path, sizeof(path), "%s/rejected", sp->dir);
	int rfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 || renameat(dfd, name, rfd, name) < 0) {
		log_warn(_("spool: %s is %s, but cannot be moved to rejected/"), name, _(why));
		unlinkat(dfd, name, 0); /* never looked at again either way */
	} else {
		log_warnx(_("spool: %s is %s: moved to rejected/"), name, _(why));
	}
	if (rfd >= 0)
		close(rfd);
	dirty_clear(sp, name);
}

/* List the folder and decide which bundles are ready. */
static void evaluate(struct spool *sp)
{
	int64_t now = now_ms();
	if (now - sp->last_event < SPOOL_SETTLE_MS) {
		rearm(sp, now, 0);
		return;
	}
	/* Odd files first: they must not count as being written. */
	DIR *odd = opendir(sp->dir);
	struct dirent *oe;
	while (odd && (oe = readdir(odd))) {
		struct stat sb;
		const char *why;
		if (!strcmp(oe->d_name, ".") || !strcmp(oe->d_name, ".."))
			continue;
		if (fstatat(dirfd(odd), oe->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (why = spool_odd_file(&sb)))
			reject_odd(sp, dirfd(odd), oe->d_name, why);
	}
	if (odd)
		closedir(odd);
	for (size_t i = 0; i < sp->nd;) {
		if (now - sp->d[i].last >= sp->stale_ms) {
			log_warnx(_("spool: %s was left open for writing for %lld s with no change; taking it as complete"),
				  sp->d[i].name, (long long)(sp->stale_ms / 1000));
			sp->d[i] = sp->d[--sp->nd];
			continue;
		}
		i++;
	}
	int busy = sp->nd > 0;
	const char *busy_name = busy ? sp->d[0].name : NULL;

	DIR *dir = opendir(sp->dir);
	if (!dir) {
		log_warn(_("spool: cannot list %s"), sp->dir);
		rearm(sp, now, 0);
		return;
	}
	for (size_t i = 0; i < sp->ne; i++) {
		sp->e[i].seen = 0;
		sp->e[i].has_conf = sp->e[i].has_sig = 0;
	}
	struct dirent *de;
	char lease_busy[NAME_MAX + 1] = "";
	while ((de = readdir(dir))) {
		struct stat sb;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode))
			continue;
		if (!busy && open_for_writing(dirfd(dir), de->d_name)) {
			busy = 1;
			str_copy(lease_busy, de->d_name, sizeof(lease_busy));
		}
		char name[SPOOL_NAME_MAX + 1];
		int kind = spool_temp_name(de->d_name) ? 0 : bundle_part(de->d_name, name, sizeof(name));
		if (!kind || spool_temp_name(name))
			continue;
		struct entry *x = entry_get(sp, name, now);
		x->seen = 1;
		if (kind == 1)
			x->has_conf = 1;
		else
			x->has_sig = 1;
	}
	closedir(dir);
	for (size_t i = 0; i < sp->ne;) {
		if (!sp->e[i].seen && sp->e[i].state != E_HANDED) {
			sp->e[i] = sp->e[--sp->ne];
			continue;
		}
		i++;
	}
	if (busy) {
		log_debug("spool: %s is still being written; waiting", lease_busy[0] ? lease_busy : busy_name);
		rearm(sp, now, 1);
		return;
	}
	for (size_t i = 0; i < sp->ne; i++) {
		struct entry *x = &sp->e[i];
		int64_t deadline = x->first_seen + sp->wait_ms;
		switch (x->state) {
		case E_DONE:
			if (sp->last_event <= x->mark)
				break;
			/* Its files are still there and something changed: anew. */
			x->state = E_NEW;
			x->first_seen = now;
			deadline = now + sp->wait_ms;
			/* fall through */
		case E_NEW:
			if ((x->has_conf && x->has_sig) || now >= deadline)
				x->state = E_READY;
			break;
		case E_DEFERRED:
			if (sp->last_event > x->mark || now >= deadline)
				x->state = E_READY;
			break;
		case E_READY:
		case E_HANDED:
			break;
		}
	}
	rearm(sp, now, 0);
}

struct spool *spool_open(const char *dir, int64_t wait_ms, char *err, size_t errn)
{
	char rej[PATHBUF + 16];
	snprintf(rej, sizeof(rej), "%s/rejected", dir);
	if (mkdir_p(rej, 0750) < 0) {
		snprintf(err, errn, _("cannot create the spool folder %s: %s"), rej, strerror(errno));
		return NULL;
	}
	struct spool *sp = xcalloc(1, sizeof(*sp));
	str_copy(sp->dir, dir, sizeof(sp->dir));
	sp->wait_ms = wait_ms;
	sp->stale_ms = wait_ms > DIRTY_STALE_MIN_MS ? wait_ms : DIRTY_STALE_MIN_MS;
	sp->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	sp->tfd = clock_mono_timer_new();
	if (sp->ifd < 0 || sp->tfd < 0 ||
	    inotify_add_watch(sp->ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY |
						IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR) < 0) {
		snprintf(err, errn, _("cannot watch the spool folder %s: %s"), dir, strerror(errno));
		spool_close(sp);
		return NULL;
	}
	/* Bundles left from before start are looked at once the folder is quiet. */
	sp->last_event = now_ms();
	rearm(sp, sp->last_event, 0);
	return sp;
}

void spool_close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->ifd >= 0)
		close(sp->ifd);
	if (sp->tfd >= 0)
		close(sp->tfd);
	free(sp->e);
	free(sp->d);
	free(sp);
}

int spool_pollfds(struct spool *sp, struct pollfd *fds, int max)
{
	if (!sp || max < 2)
		return 0;
	fds[0] = (struct pollfd){.fd = sp->ifd, .events = POLLIN};
	fds[1] = (struct pollfd){.fd = sp->tfd, .events = POLLIN};
	return 2;
}

static void read_events(struct spool *sp)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	int64_t now = now_ms();
	for (;;) {
		ssize_t n = read(sp->ifd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			sp->last_event = now;
			if (ev->mask & IN_Q_OVERFLOW) {
				sp->nd = 0; /* unknown now: leases and the settle time decide */
				continue;
			}
			if (!ev->len || (ev->mask & IN_ISDIR))
				continue;
			if (ev->mask & (IN_CREATE | IN_MODIFY))
				dirty_set(sp, ev->name, now);
			if (ev->mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
				dirty_clear(sp, ev->name);
		}
	}
}

void spool_service(struct spool *sp, const struct pollfd *fds, int nfds)
{
	if (!sp || nfds < 2)
		return;
	int any = 0;
	if (fds[0].revents) {
		read_events(sp);
		any = 1;
	}
	if (fds[1].revents) {
		uint64_t x;
		(void)!read(sp->tfd, &x, sizeof(x));
		any = 1;
	}
	if (any)
		evaluate(sp);
}

int spool_next(struct spool *sp, char *name, size_t n, int64_t *age_ms)
{
	if (!sp)
		return 0;
	/* Something changed since the folder was looked at: look again first. */
	if (now_ms() - sp->last_event < SPOOL_SETTLE_MS || sp->nd)
		return 0;
	struct entry *best = NULL;
	for (size_t i = 0; i < sp->ne; i++)
		if (sp->e[i].state == E_READY && (!best || strcmp(sp->e[i].name, best->name) < 0))
			best = &sp->e[i];
	if (!best)
		return 0;
	best->state = E_HANDED;
	str_copy(name, best->name, n);
	if (age_ms)
		*age_ms = now_ms() - best->first_seen;
	return 1;
}

void spool_defer(struct spool *sp, const char *name)
{
	struct entry *x = sp ? entry_find(sp, name) : NULL;
	if (!x)
		return;
	x->state = E_DEFERRED;
	x->mark = now_ms();
	rearm(sp, x->mark, 0);
}

void spool_done(struct spool *sp, const char *name)
{
	struct entry *x = sp ? entry_find(sp, name) : NULL;
	if (!x)
		return;
	x->state = E_DONE;
	x->mark = now_ms();
}
