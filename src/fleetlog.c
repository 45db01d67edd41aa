/* Journal folder reader by position (fleetlog.h): plain read-only opens,
 * nothing written. A cursor (month, line, byte offset) is kept so that
 * reading on from the last batch seeks instead of counting lines again. */
#include "fleetlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct cursor {
	char month[8];
	long line;  /* lines before offset */
	off_t off;  /* byte offset just after line `line` */
};

struct fleetlog {
	char dir[4096];
	struct cursor c;      /* where the last batch ended */
	struct cursor endc;   /* the newest file's count, as far as counted */
};

struct fleetlog *fleetlog_new(const char *dir)
{
	struct fleetlog *l = xcalloc(1, sizeof(*l));
	str_copy(l->dir, dir, sizeof(l->dir));
	return l;
}

void fleetlog_free(struct fleetlog *l)
{
	free(l);
}

static int is_log_name(const char *n, char month[8])
{
	if (strlen(n) != 11 || strcmp(n + 7, ".log"))
		return 0;
	memcpy(month, n, 7);
	month[7] = 0;
	return fleet_month_valid(month);
}

/* The first month file strictly after `after` ("" = the first one), or the
 * newest when newest is set. 1 found, 0 none, -1 errno. */
static int find_month(const struct fleetlog *l, const char *after, int newest, char out[8])
{
	DIR *d = opendir(l->dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct dirent *e;
	int found = 0;
	char m[8];
	while ((e = readdir(d))) {
		if (!is_log_name(e->d_name, m))
			continue;
		if (newest) {
			if (!found || strcmp(m, out) > 0) {
				memcpy(out, m, 8);
				found = 1;
			}
		} else if (strcmp(m, after) > 0 && (!found || strcmp(m, out) < 0)) {
			memcpy(out, m, 8);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

static int open_month(const struct fleetlog *l, const char *month)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s.log", l->dir, month);
	return open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

/* Move cursor c forward to line `line` of its month (reading from c's
 * offset, or from the start when c is past it). 1 reached, 0 the file has
 * fewer whole lines (c at its end), -1 errno. */
static int seek_line(int fd, struct cursor *c, long line)
{
	if (c->line > line) {
		c->line = 0;
		c->off = 0;
	}
	char buf[16384];
	while (c->line < line) {
		ssize_t n = pread(fd, buf, sizeof(buf), c->off);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		ssize_t i = 0, whole = 0;
		for (; i < n && c->line < line; i++)
			if (buf[i] == '\n') {
				c->line++;
				whole = i + 1;
			}
		if (!whole)
			return 0; /* a line longer than the buffer or torn: stop */
		c->off += whole;
	}
	return 1;
}

static void at_month(struct cursor *c, const char *month)
{
	if (strcmp(c->month, month)) {
		memcpy(c->month, month, 8);
		c->line = 0;
		c->off = 0;
	}
}

int fleetlog_batch(struct fleetlog *l, const struct fleet_pos *after, const struct fleet_pos *end,
		   char *buf, size_t *plen, struct fleet_pos *last)
{
	struct fleet_batch b = {.after = *after, .end = *end};
	char month[8];
	long first;
	int fd = -1;
	if (after->month[0]) {
		memcpy(month, after->month, 8);
		fd = open_month(l, month);
		if (fd < 0 && errno != ENOENT)
			return -1;
		if (fd >= 0) {
			at_month(&l->c, month);
			int r = seek_line(fd, &l->c, after->line);
			if (r < 0)
				goto fail;
			if (r == 0) { /* the month holds fewer lines than `after`: nothing to send from it */
				close(fd);
				fd = -1;
			}
		}
	}
	first = after->line + 1;
	if (fd >= 0) {
		char probe;
		ssize_t n = pread(fd, &probe, 1, l->c.off);
		if (n < 0)
			goto fail;
		if (n == 0) { /* month done: the next one */
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		/* Only a month the chain moved on to: `after` was this month's last line. */
		int f = find_month(l, after->month, 0, month);
		if (f <= 0)
			return f;
		fd = open_month(l, month);
		if (fd < 0)
			return errno == ENOENT ? 0 : -1;
		at_month(&l->c, month);
		l->c.line = 0;
		l->c.off = 0;
		first = 1;
	}
	memcpy(b.month, month, 8);
	b.first = first;
	/* Read lines into the payload after room for the header. */
	const size_t hdr_room = 160;
	size_t used = hdr_room;
	off_t off = l->c.off;
	char *body = buf + hdr_room;
	while (b.count < FLEET_BATCH_LINES) {
		size_t room = FLEET_PAYLOAD_MAX - used;
		if (room < RECORD_LINE_MAX + 1 && b.count)
			break;
		ssize_t n = pread(fd, buf + used, room, off);
		if (n < 0)
			goto fail;
		char *nl = n ? memchr(buf + used, '\n', (size_t)n) : NULL;
		if (!nl)
			break; /* end of the file, or a torn last line */
		size_t ll = (size_t)(nl - (buf + used)) + 1;
		used += ll;
		off += (off_t)ll;
		b.count++;
	}
	close(fd);
	if (!b.count)
		return 0;
	size_t blen = used - hdr_room;
	char hdr[160];
	size_t hl = fleet_batch_header(hdr, sizeof(hdr), &b);
	if (!hl) {
		errno = EOVERFLOW;
		return -1;
	}
	memmove(buf + hl, body, blen);
	memcpy(buf, hdr, hl);
	*plen = hl + blen;
	l->c.line = first - 1 + (long)b.count;
	l->c.off = off;
	memcpy(last->month, month, 8);
	last->line = l->c.line;
	return (int)b.count;
fail:
	{
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
	}
	return -1;
}

/* Hash of the line ending just before offset off (start at `start`). */
static int hash_line_before(int fd, off_t start, off_t off, uint8_t hash[RECORD_HASH_LEN])
{
	size_t len = (size_t)(off - start);
	if (len == 0 || len > RECORD_LINE_MAX + 1) {
		errno = EINVAL;
		return -1;
	}
	char buf[RECORD_LINE_MAX + 1];
	if (pread(fd, buf, len, start) != (ssize_t)len)
		return -1;
	record_hash(buf, len - 1, hash);
	return 0;
}

/* Start offset of the line that ends at off (search backwards). */
static off_t line_start(int fd, off_t off)
{
	char buf[RECORD_LINE_MAX + 2];
	off_t from = off - (off_t)sizeof(buf);
	if (from < 0)
		from = 0;
	ssize_t n = pread(fd, buf, (size_t)(off - from), from);
	if (n != off - from)
		return -1;
	for (ssize_t i = n - 2; i >= 0; i--)
		if (buf[i] == '\n')
			return from + i + 1;
	return from;
}

int fleetlog_end(struct fleetlog *l, struct fleet_pos *end, uint8_t hash[RECORD_HASH_LEN])
{
	memset(end, 0, sizeof(*end));
	memset(hash, 0, RECORD_HASH_LEN);
	char month[8], prev[8] = "";
	/* The newest month with a whole line (an empty newest file falls back). */
	for (;;) {
		int f = find_month(l, "", 1, month);
		if (f < 0)
			return -1;
		if (f == 0)
			return 0;
		if (prev[0]) {
			/* look for the newest month before prev */
			DIR *d = opendir(l->dir);
			if (!d)
				return -1;
			struct dirent *e;
			char m[8];
			int found = 0;
			while ((e = readdir(d)))
				if (is_log_name(e->d_name, m) && strcmp(m, prev) < 0 &&
				    (!found || strcmp(m, month) > 0)) {
					memcpy(month, m, 8);
					found = 1;
				}
			closedir(d);
			if (!found)
				return 0;
		}
		int fd = open_month(l, month);
		if (fd < 0)
			return errno == ENOENT ? 0 : -1;
		at_month(&l->endc, month);
		struct stat st;
		if (fstat(fd, &st) < 0) {
			close(fd);
			return -1;
		}
		if (st.st_size < l->endc.off) { /* shrank: count again */
			l->endc.line = 0;
			l->endc.off = 0;
		}
		if (seek_line(fd, &l->endc, LONG_MAX) < 0) { /* to the end */
			close(fd);
			return -1;
		}
		if (l->endc.line > 0) {
			off_t s = line_start(fd, l->endc.off);
			int r = s < 0 ? -1 : hash_line_before(fd, s, l->endc.off, hash);
			close(fd);
			if (r < 0)
				return -1;
			memcpy(end->month, month, 8);
			end->line = l->endc.line;
			return 0;
		}
		close(fd);
		memcpy(prev, month, 8);
	}
}

int fleetlog_line_hash(struct fleetlog *l, const struct fleet_pos *pos, uint8_t hash[RECORD_HASH_LEN])
{
	if (!pos->month[0] || pos->line < 1)
		return 1;
	int fd = open_month(l, pos->month);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	struct cursor c = {.line = 0, .off = 0};
	memcpy(c.month, pos->month, 8);
	int r = seek_line(fd, &c, pos->line - 1);
	off_t start = c.off;
	if (r == 1)
		r = seek_line(fd, &c, pos->line);
	if (r == 1)
		r = hash_line_before(fd, start, c.off, hash) < 0 ? -1 : 0;
	else if (r == 0)
		r = 1;
	int e = errno;
	close(fd);
	errno = e;
	return r;
}
