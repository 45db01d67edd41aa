/* The journal file adapter: monthly DIR/YYYY-MM.log files, one fsynced
 * write() per record, recovery of a torn last line at open, and a fast
 * chunked reader that verifies the hash chain across files. The line
 * format itself lives in record.c; docs/JOURNAL.md describes both. */
#include "journal.h"
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"

#define SCAN_CHUNK (1u << 20)

struct journal {
	char dir[PATH_MAX];
	char *station, *commune, *district;
	int fd;              /* the current month file, -1 = none yet */
	int y, m;            /* its month */
	char path[PATH_MAX + 32];
	off_t size;          /* its length: every line before is whole (fsynced unless unsynced) */
	int lazy;            /* journal_set_lazy: records other than by journal_append are not flushed */
	int unsynced;        /* lines written since the last flush of the current file */
	uint64_t gen;        /* counts unflushed writes: the ticket of journal_sync_begin */
	uint8_t head[RECORD_HASH_LEN]; /* hash of the last line written */
	struct qrec *q;      /* records not yet durable, oldest first */
	size_t nq, capq, dropped;
	char *held_path;     /* journal_hold_file: held records kept here too */
	size_t held_failed;  /* held records the held file could not take */
	int held_present;    /* that file exists (or may) */
};

/* A record kept until the journal can take it: its own copies. */
struct qrec {
	int64_t t;
	int offset;
	char *event;
	char **kv; /* NULL-terminated pairs; NULL values already left out */
};

static void seterr(char *err, size_t errn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errn, const char *fmt, ...)
{
	if (!err || !errn)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errn, fmt, ap);
	va_end(ap);
}

/* "YYYY-MM.log" with a real month. */
static int log_name(const char *n, int *y, int *m)
{
	if (strlen(n) != 11 || strcmp(n + 7, ".log"))
		return 0;
	char month[8];
	memcpy(month, n, 7);
	month[7] = '\0';
	return civil_parse_month(month, y, m) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Sorted list of the monthly log files in dir. 0, or -1 with errno. */
static int list_logs(const char *dir, char ***out, size_t *nout)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int y, m;
	errno = 0;
	while ((de = readdir(d))) {
		if (!log_name(de->d_name, &y, &m))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	int e = errno;
	closedir(d);
	if (e) {
		free_names(names, n);
		errno = e;
		return -1;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*nout = n;
	return 0;
}

/* A month of records is a few hundred kB; this only stops a runaway file
 * from taking the board's memory at start-up. */
#define JOURNAL_FILE_MAX ((size_t)1 << 30)

static void month_of(int64_t t, int offset, int *y, int *m)
{
	int64_t lt = t + offset;
	int32_t day = (int32_t)(lt >= 0 ? lt / 86400 : (lt - 86399) / 86400);
	int d;
	civil_from_days(day, y, m, &d);
}

/* Start of the line that ends just before position end (end is the index of
 * its newline, or of the end of an unterminated tail). */
static size_t line_start(const char *b, size_t end)
{
	size_t s = end;
	while (s > 0 && b[s - 1] != '\n')
		s--;
	return s;
}

/* Hash of the last newline-terminated line in b[0, len), or 0 if none. */
static int last_line_hash(const char *b, size_t len, uint8_t out[RECORD_HASH_LEN])
{
	while (len > 0 && b[len - 1] != '\n')
		len--; /* ignore an unterminated tail */
	if (len == 0)
		return 0;
	size_t s = line_start(b, len - 1);
	record_hash(b + s, len - 1 - s, out);
	return 1;
}

static int append_fsync(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (close(fd) < 0)
		return -1;
	return fsync_dir_of(path);
}

/* A `start` not yet matched by an `end` or `interrupted`, during open. */
struct pending {
	const char *line;
	size_t len;
	char *occ;
};

struct pendlist {
	struct pending *p;
	size_t n, cap;
	const char *torn_name; /* "YYYY-MM.torn" whose accounted bytes are summed */
	uint64_t torn_accounted; /* bytes of it that `torn` records account for */
};

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void pend_remove(struct pendlist *pl, const char *occ)
{
	for (size_t i = 0; i < pl->n; i++) {
		if (strcmp(pl->p[i].occ, occ))
			continue;
		free(pl->p[i].occ);
		memmove(&pl->p[i], &pl->p[i + 1], (pl->n - i - 1) * sizeof(pl->p[0]));
		pl->n--;
		return;
	}
}

/* Track starts and ends over the complete lines of b[0, len). */
static void pend_scan(struct pendlist *pl, const char *b, size_t len, struct record *r,
		      int64_t *last_time)
{
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(b + pos, '\n', len - pos);
		if (!nl)
			break;
		size_t l = (size_t)(nl - (b + pos));
		const char *line = b + pos;
		pos += l + 1;
		if (record_parse(line, l, r, NULL, 0) < 0)
			continue;
		*last_time = r->time;
		if (!strcmp(r->event, "torn")) {
			const char *saved = record_get(r, "saved"), *bytes = record_get(r, "bytes");
			if (saved && bytes && pl->torn_name && !strcmp(base_name(saved), pl->torn_name))
				pl->torn_accounted += strtoull(bytes, NULL, 10);
			continue;
		}
		const char *occ = record_get(r, "occ");
		if (!occ)
			continue;
		if (!strcmp(r->event, "end") || !strcmp(r->event, "interrupted")) {
			pend_remove(pl, occ);
		} else if (!strcmp(r->event, "start")) {
			pend_remove(pl, occ); /* a second start of the same occurrence replaces the first */
			if (pl->n == pl->cap) {
				pl->cap = pl->cap ? 2 * pl->cap : 8;
				pl->p = xrealloc(pl->p, pl->cap * sizeof(pl->p[0]));
			}
			pl->p[pl->n++] = (struct pending){line, l, xstrdup(occ)};
		}
	}
}

/* Crash-safe set-aside of a torn tail b[good_end, len) of the log at path
 * into DIR/YYYY-MM.torn, reconciled with what `torn` records already
 * account for (accounted bytes of that file): a power cut at any instant
 * (in the append, before the cut, before the `torn` record is on disk)
 * leaves bytes of the .torn file that no record names, and they are
 * reported here, with the new tail if any, as one piece [at, at+bytes).
 * A tail already (wholly or partly) saved by the interrupted run is not
 * saved twice. */
static int set_aside(const char *dir, const char *name, const char *path, const char *b, size_t len,
		     size_t good_end, uint64_t accounted, struct journal_recovery *rec, char *err,
		     size_t errn)
{
	char torn[PATH_MAX];
	snprintf(torn, sizeof(torn), "%s/%.7s.torn", dir, name);
	char *tb = NULL;
	size_t tlen_file = 0;
	if (read_file_all(torn, JOURNAL_FILE_MAX, 1, &tb, &tlen_file) < 0 && errno != ENOENT) {
		seterr(err, errn, "%s: %s", torn, strerror(errno));
		return -1;
	}
	uint64_t at = accounted < tlen_file ? accounted : tlen_file; /* a shortened .torn: what is there */
	size_t ulen = tlen_file - (size_t)at;
	const char *tail = b + good_end;
	size_t tlen = len - good_end, skip = 0;
	if (tlen && ulen && ulen <= tlen && !memcmp(tb + at, tail, ulen))
		skip = ulen; /* the interrupted run saved this much of the same tail */
	free(tb);
	if (tlen) {
		if (skip < tlen && append_fsync(torn, tail + skip, tlen - skip) < 0) {
			seterr(err, errn, "%s: cannot save torn line: %s", torn, strerror(errno));
			return -1;
		}
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)good_end) < 0 || fsync(fd) < 0) {
			int e = errno;
			seterr(err, errn, "%s: cannot cut torn line: %s", path, strerror(e));
			if (fd >= 0)
				close(fd);
			errno = e;
			return -1;
		}
		close(fd);
	}
	size_t total = tlen_file + (tlen - skip);
	if (total > at) {
		rec->torn_bytes = total - (size_t)at;
		rec->torn_at = (long)at;
		str_copy(rec->torn_file, torn, sizeof(rec->torn_file));
		str_copy(rec->torn_log, path, sizeof(rec->torn_log));
		rec->torn_offset = (long)good_end;
	}
	return 0;
}

struct journal *journal_open(const char *dir, const char *station, const char *commune,
			     const char *district,
			     struct journal_recovery *rec, char *err, size_t errn)
{
	struct journal_recovery dummy;
	if (!rec)
		rec = &dummy;
	memset(rec, 0, sizeof(*rec));
	if (strlen(dir) > PATH_MAX - 32) {
		errno = ENAMETOOLONG;
		seterr(err, errn, "%s: path too long", dir);
		return NULL;
	}
	if (mkdir_p(dir, 0750) < 0) {
		seterr(err, errn, "%s: cannot create: %s", dir, strerror(errno));
		return NULL;
	}
	char **names = NULL;
	size_t n = 0;
	if (list_logs(dir, &names, &n) < 0) {
		seterr(err, errn, "%s: cannot read: %s", dir, strerror(errno));
		return NULL;
	}

	struct journal *j = xcalloc(1, sizeof(*j));
	str_copy(j->dir, dir, sizeof(j->dir));
	j->station = station ? xstrdup(station) : NULL;
	j->commune = commune ? xstrdup(commune) : NULL;
	j->district = district && *district ? xstrdup(district) : NULL;
	j->fd = -1;
	if (n == 0) {
		free_names(names, n);
		return j;
	}

	char *pb = NULL, *nb = NULL;
	size_t plen = 0, nlen = 0;
	struct record *r = xcalloc(1, sizeof(*r));
	struct pendlist pl = {0};
	uint8_t base[RECORD_HASH_LEN] = {0};
	const char *newest = names[n - 1];
	snprintf(j->path, sizeof(j->path), "%s/%s", dir, newest);
	log_name(newest, &j->y, &j->m);

	if (n > 1) {
		char prev[PATH_MAX];
		snprintf(prev, sizeof(prev), "%s/%s", dir, names[n - 2]);
		if (read_file_all(prev, JOURNAL_FILE_MAX, 0, &pb, &plen) < 0) {
			seterr(err, errn, "%s: %s", prev, strerror(errno));
			goto fail;
		}
		last_line_hash(pb, plen, base);
	}
	if (read_file_all(j->path, JOURNAL_FILE_MAX, 0, &nb, &nlen) < 0) {
		seterr(err, errn, "%s: %s", j->path, strerror(errno));
		goto fail;
	}

	/* Only the last line can be torn: every earlier one was fsynced before
	 * the next was written. A bad line further up is tampering, left for
	 * journal_scan to report. */
	size_t good = nlen;
	if (nlen > 0) {
		if (nb[nlen - 1] != '\n') {
			good = line_start(nb, nlen);
		} else {
			/* A whole line that parses but does not link is an edit
			 * (of it or the line before), not a torn write: setting it
			 * aside would hide the tampering, so it stays for
			 * journal_scan to report. */
			size_t s = line_start(nb, nlen - 1);
			if (record_parse(nb + s, nlen - 1 - s, r, NULL, 0) < 0)
				good = s;
		}
	}
	char torn_name[16];
	snprintf(torn_name, sizeof(torn_name), "%.7s.torn", newest);
	pl.torn_name = torn_name;
	if (pb)
		pend_scan(&pl, pb, plen, r, &rec->last_time);
	pend_scan(&pl, nb, good, r, &rec->last_time);
	if (set_aside(dir, newest, j->path, nb, nlen, good, pl.torn_accounted, rec, err, errn) < 0)
		goto fail;
	j->size = (off_t)good;
	if (!last_line_hash(nb, good, j->head))
		memcpy(j->head, base, sizeof(j->head));
	if (pl.n) {
		rec->open_starts = xcalloc(pl.n, sizeof(*rec->open_starts));
		for (size_t i = 0; i < pl.n; i++)
			record_parse(pl.p[i].line, pl.p[i].len, &rec->open_starts[i], NULL, 0);
		rec->nopen = pl.n;
	}

	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (j->fd < 0) {
		seterr(err, errn, "%s: %s", j->path, strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < pl.n; i++)
		free(pl.p[i].occ);
	free(pl.p);
	free(r);
	free(pb);
	free(nb);
	free_names(names, n);
	if (rec == &dummy) /* nobody asked for the open starts */
		journal_recovery_free(&dummy);
	return j;

fail:;
	int e = errno;
	for (size_t i = 0; i < pl.n; i++)
		free(pl.p[i].occ);
	free(pl.p);
	free(r);
	free(pb);
	free(nb);
	free_names(names, n);
	journal_recovery_free(rec);
	journal_close(j);
	errno = e;
	return NULL;
}

void journal_recovery_free(struct journal_recovery *rec)
{
	if (!rec)
		return;
	free(rec->open_starts);
	rec->open_starts = NULL;
	rec->nopen = 0;
}

/* Make DIR/YYYY-MM.log the current file. */
static int switch_file(struct journal *j, int y, int m)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%04d-%02d.log", j->dir, y, m);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || fsync_dir_of(path) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* The month's last lines go down before the chain moves on (once a
	 * month: the flusher only ever sees the current file). */
	if (j->fd >= 0 && j->unsynced && fdatasync(j->fd) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	j->unsynced = 0;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	j->y = y;
	j->m = m;
	j->size = st.st_size;
	str_copy(j->path, path, sizeof(j->path));
	return 0;
}

/* One record as one write(), then fdatasync (unless !sync: then the line is
 * only noted as not yet flushed); on any failure the file is cut back so
 * that no partial line stays behind. */
static int write_record(struct journal *j, int64_t t, int offset, const char *event,
			const char *const *kv, int sync)
{
	char buf[RECORD_LINE_MAX + 2];
	size_t len = record_format(buf, sizeof(buf), t, offset, event, kv, j->head);
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	buf[len] = '\n';
	/* One write() normally; after a short one (a full card) the rest is
	 * tried once more only to learn why (ENOSPC), then the file is cut. */
	size_t done = 0;
	int e = EIO;
	while (done < len + 1) {
		ssize_t w = write(j->fd, buf + done, len + 1 - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			break;
		}
		done += (size_t)w;
	}
	if (done == len + 1) {
		if (!sync) {
			j->unsynced = 1;
			j->gen++;
		}
		if (!sync || fdatasync(j->fd) == 0) {
			if (sync)
				j->unsynced = 0; /* the whole file is on the card */
			record_hash(buf, len, j->head);
			j->size += (off_t)(len + 1);
			return 0;
		}
		e = errno;
	}
	if (ftruncate(j->fd, j->size) == 0)
		fdatasync(j->fd);
	errno = e;
	return -1;
}

static int append_rec(struct journal *j, int64_t t, int offset, const char *event,
		      const char *const *kv, int sync)
{
	int y, m;
	month_of(t, offset, &y, &m);
	/* Never write into an older file (the clock may have stepped back):
	 * the chain runs through the files in name order. */
	if (j->fd < 0 || y * 12 + m > j->y * 12 + j->m) {
		if (switch_file(j, y, m) < 0)
			return -1;
	}
	if (j->size == 0) {
		const char *okv[] = {"station", j->station, "commune", j->commune, "district", j->district,
				     "format", "1", NULL};
		if (write_record(j, t, offset, "open", okv, sync) < 0)
			return -1;
	}
	return write_record(j, t, offset, event, kv, sync);
}

int journal_append(struct journal *j, int64_t t, int offset, const char *event,
		   const char *const *kv)
{
	return append_rec(j, t, offset, event, kv, 1);
}

void journal_set_lazy(struct journal *j, int lazy)
{
	j->lazy = lazy;
}

int journal_unsynced(const struct journal *j)
{
	return j && j->fd >= 0 && j->unsynced;
}

int journal_sync_begin(struct journal *j, uint64_t *ticket)
{
	int fd = fcntl(j->fd, F_DUPFD_CLOEXEC, 0);
	if (fd >= 0)
		*ticket = j->gen;
	return fd;
}

void journal_sync_end(struct journal *j, uint64_t ticket, int err)
{
	/* Lines written during the flush (gen moved on) wait for the next. */
	if (!err && ticket == j->gen)
		j->unsynced = 0;
}


static void qrec_free(struct qrec *r)
{
	free(r->event);
	for (char **p = r->kv; p && *p; p++)
		free(*p);
	free(r->kv);
}

#define GROUP_MAX (256 * 1024) /* bytes of held records written with one write() */

/* Write buf (len bytes: whole lines) at the end of the current file with
 * one write() and one fdatasync (none when lazy); on failure cut the file
 * back. */
static int write_lines(struct journal *j, const char *buf, size_t len)
{
	size_t done = 0;
	int e = EIO;
	while (done < len) {
		ssize_t w = write(j->fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			break;
		}
		done += (size_t)w;
	}
	if (done == len) {
		if (j->lazy) {
			j->unsynced = 1;
			j->gen++;
		}
		if (j->lazy || fdatasync(j->fd) == 0) {
			if (!j->lazy)
				j->unsynced = 0;
			j->size += (off_t)len;
			return 0;
		}
		e = errno;
	}
	if (ftruncate(j->fd, j->size) == 0)
		fdatasync(j->fd);
	errno = e;
	return -1;
}

/* The held records, oldest first, in groups: as many lines as fit in
 * GROUP_MAX (and belong in the current file) with one write() and one
 * fdatasync, so that thousands of `missed` records after a long outage
 * cost a few flushes, not thousands. */
int journal_retry(struct journal *j)
{
	size_t done = 0;
	int rc = 0;
	char *buf = NULL;
	while (done < j->nq) {
		struct qrec *r = &j->q[done];
		int y, m;
		month_of(r->t, r->offset, &y, &m);
		/* The first record of a group goes through journal_append: it
		 * switches month files and writes their `open` record. */
		if (j->fd < 0 || y * 12 + m > j->y * 12 + j->m || j->size == 0) {
			if (append_rec(j, r->t, r->offset, r->event, (const char *const *)r->kv, !j->lazy) < 0) {
				if (errno == EINVAL) { /* a record that can never be written */
					j->dropped++;
					qrec_free(r);
					done++;
					continue;
				}
				rc = -1;
				break;
			}
			qrec_free(r);
			done++;
			continue;
		}
		if (!buf)
			buf = xcalloc(1, GROUP_MAX + RECORD_LINE_MAX + 2);
		size_t len = 0, k = done;
		uint8_t head[RECORD_HASH_LEN], start_head[RECORD_HASH_LEN];
		memcpy(head, j->head, sizeof(head));
		memcpy(start_head, j->head, sizeof(start_head));
		while (k < j->nq && len < GROUP_MAX) {
			struct qrec *q = &j->q[k];
			month_of(q->t, q->offset, &y, &m);
			if (y * 12 + m > j->y * 12 + j->m)
				break; /* a new month: the next group */
			size_t l = record_format(buf + len, RECORD_LINE_MAX + 1, q->t, q->offset, q->event,
						 (const char *const *)q->kv, head);
			if (l == 0) {
				/* Never writable: dropped, counted, not blocking the rest. */
				j->dropped++;
				qrec_free(q);
				memmove(q, q + 1, (j->nq - k - 1) * sizeof(*q));
				j->nq--;
				continue;
			}
			record_hash(buf + len, l, head);
			buf[len + l] = '\n';
			len += l + 1;
			k++;
		}
		if (len == 0)
			continue;
		if (write_lines(j, buf, len) < 0) {
			memcpy(j->head, start_head, sizeof(j->head));
			rc = -1;
			break;
		}
		memcpy(j->head, head, sizeof(j->head));
		for (size_t i = done; i < k; i++)
			qrec_free(&j->q[i]);
		done = k;
	}
	int e = errno;
	free(buf);
	if (done) {
		memmove(j->q, j->q + done, (j->nq - done) * sizeof(*j->q));
		j->nq -= done;
	}
	/* Every held record is in the journal: once it is on the card, the
	 * held file has done its work (a crash before the unlink leaves it;
	 * the next journal_hold_file finds its records in the journal). */
	if (rc == 0 && j->nq == 0 && j->held_present && j->fd >= 0 && fdatasync(j->fd) == 0) {
		j->unsynced = 0;
		if (unlink(j->held_path) == 0 || errno == ENOENT) {
			fsync_dir_of(j->held_path);
			j->held_present = 0;
		}
	}
	errno = e;
	return rc;
}

static struct qrec *queue_add(struct journal *j, int64_t t, int offset, const char *event,
			      const char *const *kv)
{
	if (j->nq >= JOURNAL_QUEUE_MAX) {
		j->dropped++;
		return NULL;
	}
	if (j->nq == j->capq) {
		j->capq = j->capq ? 2 * j->capq : 16;
		j->q = xrealloc(j->q, j->capq * sizeof(*j->q));
	}
	struct qrec *r = &j->q[j->nq++];
	size_t n = 0;
	for (size_t i = 0; kv && kv[i]; i += 2)
		n += 2;
	r->t = t;
	r->offset = offset;
	r->event = xstrdup(event);
	r->kv = xcalloc(n + 1, sizeof(*r->kv));
	n = 0;
	for (size_t i = 0; kv && kv[i]; i += 2) {
		if (!kv[i + 1])
			continue;
		r->kv[n++] = xstrdup(kv[i]);
		r->kv[n++] = xstrdup(kv[i + 1]);
	}
	return r;
}

int journal_defer(struct journal *j, int64_t t, int offset, const char *event, const char *const *kv)
{
	if (j->nq >= JOURNAL_DEFER_FLUSH && journal_retry(j) < 0 && j->nq >= JOURNAL_QUEUE_MAX) {
		j->dropped++;
		return -1;
	}
	return queue_add(j, t, offset, event, kv) ? 0 : -1;
}

/* One held record, appended to the held file and flushed (only while the
 * journal fails, so seldom). Lines carry a zero prev: they are not part
 * of the chain, only its future content. */
static int held_append(struct journal *j, int64_t t, int offset, const char *event,
		       const char *const *kv)
{
	if (!j->held_path)
		return 0;
	static const uint8_t zero[RECORD_HASH_LEN];
	char buf[RECORD_LINE_MAX + 2];
	size_t len = record_format(buf, sizeof(buf), t, offset, event, kv, zero);
	if (len == 0)
		return 0; /* never writable: the journal drops it too */
	buf[len] = '\n';
	int created = !j->held_present;
	j->held_present = 1;
	int fd = open(j->held_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	int rc = write(fd, buf, len + 1) == (ssize_t)(len + 1) && fdatasync(fd) == 0 ? 0 : -1;
	int e = errno;
	close(fd);
	if (rc == 0 && created)
		fsync_dir_of(j->held_path);
	errno = e;
	return rc;
}

int journal_record(struct journal *j, int64_t t, int offset, const char *event, const char *const *kv)
{
	if (journal_retry(j) == 0 && append_rec(j, t, offset, event, kv, !j->lazy) == 0)
		return 0;
	int e = errno;
	if (!queue_add(j, t, offset, event, kv)) {
		errno = e;
		return -1;
	}
	if (held_append(j, t, offset, event, kv) < 0)
		j->held_failed++;
	errno = e;
	return 1;
}

size_t journal_queued(const struct journal *j)
{
	return j ? j->nq : 0;
}

size_t journal_dropped(const struct journal *j)
{
	return j ? j->dropped : 0;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	journal_retry(j);
	for (size_t i = 0; i < j->nq; i++)
		qrec_free(&j->q[i]);
	free(j->q);
	if (j->fd >= 0) {
		if (j->unsynced)
			fdatasync(j->fd);
		close(j->fd);
	}
	free(j->station);
	free(j->commune);
	free(j->district);
	free(j->held_path);
	free(j);
}

/* The line of a record without its prev: what a held record and the
 * journal line it became have in common. Hashed. */
static void record_content_hash(const struct record *r, uint8_t out[RECORD_HASH_LEN])
{
	static const uint8_t zero[RECORD_HASH_LEN];
	char buf[RECORD_LINE_MAX + 1];
	record_hash(buf, record_format_parsed(buf, sizeof(buf), r, zero), out);
}

/* The last n records of the journal but `open` and `missed` (never held
 * in the file), as content hashes, in a ring. */
struct tail {
	uint8_t (*h)[RECORD_HASH_LEN];
	size_t n, count;
};

static int tail_cb(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	struct tail *t = ctx;
	if (!strcmp(r->event, "open") || !strcmp(r->event, "missed"))
		return 0;
	record_content_hash(r, t->h[t->count % t->n]);
	t->count++;
	return 0;
}

int journal_hold_file(struct journal *j, const char *file, char *err, size_t errn)
{
	free(j->held_path);
	j->held_path = xstrdup(file);
	j->held_present = 0;
	char *b = NULL;
	size_t len = 0;
	if (read_file_all(file, (size_t)JOURNAL_QUEUE_MAX * (RECORD_LINE_MAX + 1), 1, &b, &len) < 0) {
		if (errno == ENOENT)
			return 0;
		seterr(err, errn, "%s: %s", file, strerror(errno));
		return -1;
	}
	j->held_present = 1;
	/* The held records, in order (a torn last line, cut by a power
	 * failure while it was written, was never more than in memory). */
	struct record *r = xcalloc(1, sizeof(*r));
	size_t cap = 0, n = 0;
	struct qrec *held = NULL;
	uint8_t (*hh)[RECORD_HASH_LEN] = NULL;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(b + pos, '\n', len - pos);
		if (!nl)
			break;
		size_t l = (size_t)(nl - (b + pos));
		int bad = record_parse(b + pos, l, r, NULL, 0) < 0;
		pos += l + 1;
		if (bad || n == JOURNAL_QUEUE_MAX)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			held = xrealloc(held, cap * sizeof(*held));
			hh = xrealloc(hh, cap * sizeof(*hh));
		}
		struct qrec *q = &held[n];
		q->t = r->time;
		q->offset = r->offset;
		q->event = xstrdup(r->event);
		q->kv = xcalloc(2 * r->nf + 1, sizeof(*q->kv));
		for (size_t i = 0; i < r->nf; i++) {
			q->kv[2 * i] = xstrdup(r->f[i].key);
			q->kv[2 * i + 1] = xstrdup(r->f[i].val);
		}
		record_content_hash(r, hh[n]);
		n++;
	}
	free(b);
	free(r);
	/* Those a run that ended already wrote (before it could remove the
	 * file) are the journal's last records: k of them, k as large as
	 * matches. */
	size_t k = 0;
	if (n) {
		struct tail t = {xcalloc(n, sizeof(*t.h)), n, 0};
		char from[8];
		int y = j->y, m = j->m - 1;
		if (m == 0) {
			m = 12;
			y--;
		}
		snprintf(from, sizeof(from), "%04d-%02d", y, m);
		struct journal_scan_result res;
		if (j->fd >= 0 && journal_scan(j->dir, from, NULL, tail_cb, NULL, &t, &res, NULL, 0) == 0) {
			size_t have = t.count < n ? t.count : n;
			for (k = have; k > 0; k--) {
				size_t i;
				for (i = 0; i < k; i++)
					if (memcmp(t.h[(t.count - k + i) % n], hh[i], RECORD_HASH_LEN))
						break;
				if (i == k)
					break;
			}
		}
		free(t.h);
	}
	for (size_t i = 0; i < n; i++) {
		if (i < k || j->nq >= JOURNAL_QUEUE_MAX) {
			if (i >= k)
				j->dropped++;
			qrec_free(&held[i]);
			continue;
		}
		if (j->nq == j->capq) {
			j->capq = j->capq ? 2 * j->capq : 16;
			j->q = xrealloc(j->q, j->capq * sizeof(*j->q));
		}
		j->q[j->nq++] = held[i];
	}
	free(held);
	free(hh);
	return (int)(n - k);
}

void journal_each_queued(const struct journal *j, void (*cb)(void *ctx, const struct record *r), void *ctx)
{
	static const uint8_t zero[RECORD_HASH_LEN];
	struct record *r = xcalloc(1, sizeof(*r));
	char buf[RECORD_LINE_MAX + 1];
	for (size_t i = 0; j && i < j->nq; i++) {
		const struct qrec *q = &j->q[i];
		size_t len = record_format(buf, sizeof(buf), q->t, q->offset, q->event,
					   (const char *const *)q->kv, zero);
		if (len && record_parse(buf, len, r, NULL, 0) == 0)
			cb(ctx, r);
	}
	free(r);
}

size_t journal_held_failed(const struct journal *j)
{
	return j ? j->held_failed : 0;
}

/* ---- reading ---- */

struct scan {
	journal_record_cb cb;
	journal_problem_cb pcb;
	void *ctx;
	struct journal_scan_result *res;
	uint8_t prev[RECORD_HASH_LEN];
	struct record_link link; /* prev, spelled (when have_prev) */
	int have_prev;
	const char *path;
	size_t line;
	int stop;
	struct civil_day_cache dc;
	struct record rec;
};

static void problem(struct scan *s, const char *what, int breaks)
{
	struct journal_pos pos = {s->path, s->line};
	s->res->problems++;
	if (breaks)
		s->res->chain_ok = 0;
	if (!s->res->first_bad[0])
		snprintf(s->res->first_bad, sizeof(s->res->first_bad), "%s:%zu: %s", s->path, s->line,
			 what);
	if (s->pcb)
		s->pcb(s->ctx, &pos, what);
}

static void scan_line(struct scan *s, const char *line, size_t len, const uint8_t *long_hash)
{
	uint8_t h[RECORD_HASH_LEN];
	char e[200], msg[260];
	s->line++;
	if (long_hash) {
		memcpy(h, long_hash, sizeof(h));
		snprintf(msg, sizeof(msg), "unparsable line: line too long (%zu bytes, at most %d)", len,
			 RECORD_LINE_MAX);
		problem(s, msg, 1);
	} else {
		record_hash(line, len, h);
		if (record_parse_linked(line, len, &s->rec, &s->dc, s->have_prev ? &s->link : NULL, e,
					sizeof(e)) < 0) {
			snprintf(msg, sizeof(msg), "unparsable line: %s", e);
			problem(s, msg, 1);
		} else {
			if (s->have_prev && memcmp(s->rec.prev, s->prev, sizeof(s->prev)) != 0)
				problem(s,
					"chain broken: prev does not match the line before "
					"(edited, deleted or reordered line)",
					1);
			s->res->records++;
			if (s->cb) {
				struct journal_pos pos = {s->path, s->line};
				if (s->cb(s->ctx, &s->rec, &pos))
					s->stop = 1;
			}
		}
	}
	memcpy(s->prev, h, sizeof(h));
	record_link_set(&s->link, h);
	s->have_prev = 1;
}

/* Read one file in big chunks; lines longer than the buffer are hashed as
 * they stream past. */
static int scan_file(struct scan *s, const char *path, char *buf, size_t cap, int last_file)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	s->path = path;
	s->line = 0;
	size_t have = 0, long_len = 0;
	int in_long = 0;
	struct sha256_ctx st;
	for (;;) {
		ssize_t r = read(fd, buf + have, cap - have);
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
		have += (size_t)r;
		size_t pos = 0;
		while (!s->stop) {
			char *nl = memchr(buf + pos, '\n', have - pos);
			if (!nl)
				break;
			size_t len = (size_t)(nl - (buf + pos));
			if (in_long) {
				uint8_t h[RECORD_HASH_LEN];
				sha256_update(&st, buf + pos, len);
				sha256_final(&st, h);
				scan_line(s, NULL, long_len + len, h);
				in_long = 0;
			} else {
				scan_line(s, buf + pos, len, NULL);
			}
			pos += len + 1;
		}
		if (s->stop)
			break;
		size_t rem = have - pos;
		if (rem == cap) { /* no newline in a full buffer */
			if (!in_long) {
				sha256_init(&st);
				long_len = 0;
				in_long = 1;
			}
			sha256_update(&st, buf, rem);
			long_len += rem;
			have = 0;
		} else {
			memmove(buf, buf + pos, rem);
			have = rem;
		}
	}
	close(fd);
	if (!s->stop && (have > 0 || in_long)) {
		/* Not part of the chain: the writer cuts such a tail at its next
		 * start. Expected after a crash at the end of the newest file. */
		s->line++;
		problem(s, "torn last line (no newline)", !last_file);
	}
	return 0;
}

int journal_scan(const char *dir, const char *from_month, const char *to_month,
		 journal_record_cb cb, journal_problem_cb pcb, void *ctx,
		 struct journal_scan_result *res, char *err, size_t errn)
{
	memset(res, 0, sizeof(*res));
	res->chain_ok = 1;
	int y, m;
	if ((from_month && civil_parse_month(from_month, &y, &m) < 0) ||
	    (to_month && civil_parse_month(to_month, &y, &m) < 0)) {
		seterr(err, errn, "bad month (expected YYYY-MM)");
		errno = EINVAL;
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	if (list_logs(dir, &names, &n) < 0) {
		seterr(err, errn, "%s: cannot read: %s", dir, strerror(errno));
		return -1;
	}
	size_t first = 0, last = n; /* [first, last) in range */
	while (first < n && from_month && strncmp(names[first], from_month, 7) < 0)
		first++;
	while (last > first && to_month && strncmp(names[last - 1], to_month, 7) > 0)
		last--;

	struct scan *s = xcalloc(1, sizeof(*s));
	s->cb = cb;
	s->pcb = pcb;
	s->ctx = ctx;
	s->res = res;
	s->have_prev = first == 0; /* else the chain starts at the first file read */
	char *buf = xrealloc(NULL, SCAN_CHUNK);
	int rc = 0;
	for (size_t i = first; i < last && !s->stop; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (scan_file(s, path, buf, SCAN_CHUNK, i + 1 == last) < 0) {
			seterr(err, errn, "%s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		res->files++;
	}
	memcpy(res->head, s->prev, sizeof(res->head));
	int e = errno;
	free(buf);
	free(s);
	free_names(names, n);
	errno = e;
	return rc;
}
