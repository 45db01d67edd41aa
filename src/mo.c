/* GNU .mo catalogues read with pread() (mo.h). The format (GNU gettext
 * manual, "The Format of GNU MO Files"): a header of 32-bit words in the
 * writer's byte order: magic 0x950412de, revision, N strings, the offsets
 * of the table of original strings and of translations (N pairs of length
 * and offset each, sorted by original), the hash table's size S and
 * offset. Lookups follow glibc's: hash_string(msgid) % S, then steps of
 * 1 + hash % (S - 2); a slot holds 1 + the string's index, 0 for none.
 * Without a hash table, a binary search of the sorted originals. */
#include "mo.h"

#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MO_MAGIC 0x950412deu
#define MO_MAGIC_SWAPPED 0xde120495u
/* Negative answers kept at most (the messages a daemon says are few). */
#define MO_MAX_MISSES 256
/* The longest header read (its Content-Type and Plural-Forms). */
#define MO_MAX_HEADER 4096

struct mo_msg {
	struct mo_msg *next;
	uint32_t hash;
	const char *tr; /* NULL: not in the catalogue */
	char msgid[];	/* then the translation */
};

struct mo {
	int fd; /* open only while a lookup reads it */
	int swap;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	uint64_t size;
	uint32_t n, orig, trans, hsize, hoff;
	pthread_mutex_t lock;
	struct mo_msg *msgs;
	unsigned misses;
	char path[];
};

static uint32_t word(const struct mo *m, uint32_t w)
{
	return m->swap ? __builtin_bswap32(w) : w;
}

/* glibc's hash_string (hash-string.c) */
static uint32_t hash_string(const char *s)
{
	uint32_t h = 0, g;
	while (*s) {
		h = (h << 4) + (unsigned char)*s++;
		g = h & 0xf0000000u;
		if (g)
			h ^= (g >> 24) ^ g;
	}
	return h;
}

static int read_at(const struct mo *m, void *buf, size_t len, uint64_t off)
{
	if (off > m->size || len > m->size - off)
		return -1;
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(m->fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Entry i of the table at tab: its length and offset. */
static int entry(const struct mo *m, uint32_t tab, uint32_t i, uint32_t *len, uint32_t *off)
{
	uint32_t e[2];
	if (read_at(m, e, sizeof(e), (uint64_t)tab + (uint64_t)i * 8) < 0)
		return -1;
	*len = word(m, e[0]);
	*off = word(m, e[1]);
	return 0;
}

/* The string of entry i of the table at tab, NUL-terminated, on the heap. */
static char *string(const struct mo *m, uint32_t tab, uint32_t i, uint32_t *len)
{
	uint32_t off;
	if (entry(m, tab, i, len, &off) < 0 || *len == UINT32_MAX)
		return NULL;
	char *s = malloc((size_t)*len + 1);
	if (s && read_at(m, s, (size_t)*len + 1, off) == 0 && s[*len] == '\0')
		return s;
	free(s);
	return NULL;
}

/* Compares msgid (len bytes) with original i into *cmp (<0, 0, >0 as
 * strcmp); -1 when it cannot be read. An original with plural forms is
 * "singular\0plural": its first string counts. */
static int compare(const struct mo *m, uint32_t i, const char *msgid, size_t len, int *cmp)
{
	uint32_t olen, off;
	if (entry(m, m->orig, i, &olen, &off) < 0)
		return -1;
	char buf[256];
	size_t want = len + 1 < (size_t)olen + 1 ? len + 1 : (size_t)olen + 1;
	char *s = want <= sizeof(buf) ? buf : malloc(want);
	if (!s || read_at(m, s, want, off) < 0) {
		if (s != buf)
			free(s);
		return -1;
	}
	/* the original's first string ends at its first NUL, within olen + 1 */
	size_t k = 0;
	while (k < want && s[k] && s[k] == msgid[k])
		k++;
	if (k == want)
		*cmp = (k == len + 1) ? 0 : 1; /* unterminated: not a match */
	else
		*cmp = (unsigned char)msgid[k] - (unsigned char)s[k];
	if (s != buf)
		free(s);
	return 0;
}

/* The index of msgid among the originals, or -1. */
static int64_t find(const struct mo *m, const char *msgid, uint32_t hash)
{
	size_t len = strlen(msgid);
	int cmp;
	if (m->hsize > 2) {
		uint32_t idx = hash % m->hsize, incr = 1 + hash % (m->hsize - 2);
		for (uint32_t tries = 0; tries < m->hsize; tries++) {
			uint32_t slot;
			if (read_at(m, &slot, sizeof(slot), (uint64_t)m->hoff + (uint64_t)idx * 4) < 0)
				return -1;
			slot = word(m, slot);
			if (slot == 0)
				return -1;
			if (slot - 1 < m->n && compare(m, slot - 1, msgid, len, &cmp) == 0 && cmp == 0)
				return slot - 1;
			idx = idx >= m->hsize - incr ? idx - (m->hsize - incr) : idx + incr;
		}
		return -1;
	}
	uint32_t lo = 0, hi = m->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (compare(m, mid, msgid, len, &cmp) < 0)
			return -1;
		if (cmp == 0)
			return mid;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Checks the header (the translation of ""): UTF-8, one plural form. */
static int check_header(const struct mo *m, char *err, size_t errn, const char *path)
{
	uint32_t len, off;
	char h[MO_MAX_HEADER + 1];
	if (m->n == 0 || entry(m, m->orig, 0, &len, &off) < 0 || len != 0 || entry(m, m->trans, 0, &len, &off) < 0) {
		snprintf(err, errn, _("%s: no header entry"), path);
		return -1;
	}
	if (len > MO_MAX_HEADER)
		len = MO_MAX_HEADER;
	if (read_at(m, h, len, off) < 0) {
		snprintf(err, errn, _("%s: header past the end of the file"), path);
		return -1;
	}
	h[len] = '\0';
	const char *cs = strstr(h, "charset=");
	if (!cs || strncasecmp(cs + 8, "UTF-8", 5) != 0 || (cs[13] != '\n' && cs[13] != '\0' && cs[13] != ';')) {
		snprintf(err, errn, _("%s: not a UTF-8 catalogue"), path);
		return -1;
	}
	/* without Plural-Forms gettext takes English's two */
	const char *pf = strstr(h, "Plural-Forms:"), *np = pf ? strstr(pf, "nplurals=") : NULL;
	if (!np || np[9] != '1' || (np[10] >= '0' && np[10] <= '9')) {
		snprintf(err, errn, _("%s: not a catalogue of one plural form (nplurals=1)"), path);
		return -1;
	}
	return 0;
}

struct mo *mo_open(const char *path, char *err, size_t errn)
{
	struct mo *m = calloc(1, sizeof(*m) + strlen(path) + 1);
	if (!m) {
		snprintf(err, errn, _("%s: out of memory"), path);
		return NULL;
	}
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (m->fd < 0 || fstat(m->fd, &sb) < 0) {
		snprintf(err, errn, "%s: %s", path, strerror(errno));
		goto fail;
	}
	strcpy(m->path, path);
	m->size = (uint64_t)sb.st_size;
	m->dev = sb.st_dev;
	m->ino = sb.st_ino;
	m->mtime = sb.st_mtim;
	uint32_t h[7];
	if (read_at(m, h, sizeof(h), 0) < 0) {
		snprintf(err, errn, _("%s: too short for a catalogue"), path);
		goto fail;
	}
	if (h[0] == MO_MAGIC_SWAPPED)
		m->swap = 1;
	else if (h[0] != MO_MAGIC) {
		snprintf(err, errn, _("%s: not a GNU .mo catalogue"), path);
		goto fail;
	}
	if (word(m, h[1]) >> 16 != 0) {
		snprintf(err, errn, _("%s: catalogue revision %u not known"), path, (unsigned)(word(m, h[1]) >> 16));
		goto fail;
	}
	m->n = word(m, h[2]);
	m->orig = word(m, h[3]);
	m->trans = word(m, h[4]);
	m->hsize = word(m, h[5]);
	m->hoff = word(m, h[6]);
	if ((uint64_t)m->orig + (uint64_t)m->n * 8 > m->size || (uint64_t)m->trans + (uint64_t)m->n * 8 > m->size ||
	    (uint64_t)m->hoff + (uint64_t)m->hsize * 4 > m->size) {
		snprintf(err, errn, _("%s: tables past the end of the file (truncated?)"), path);
		goto fail;
	}
	if (check_header(m, err, errn, path) < 0)
		goto fail;
	/* Closed between lookups: loaxad's helper, a fork, closes every
	 * descriptor it does not know of, and a number reused by another
	 * file must not be read as the catalogue. */
	close(m->fd);
	m->fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	return m;
fail:
	if (m->fd >= 0)
		close(m->fd);
	free(m);
	return NULL;
}

void mo_close(struct mo *m)
{
	if (!m)
		return;
	for (struct mo_msg *p = m->msgs, *next; p; p = next) {
		next = p->next;
		free(p);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const char *mo_gettext(struct mo *m, const char *msgid)
{
	if (!m || !*msgid)
		return NULL;
	uint32_t hash = hash_string(msgid);
	const char *tr = NULL;
	pthread_mutex_lock(&m->lock);
	for (struct mo_msg *p = m->msgs; p; p = p->next)
		if (p->hash == hash && !strcmp(p->msgid, msgid)) {
			tr = p->tr;
			goto out;
		}
	/* the file checked at mo_open, not one put in its place since */
	struct stat sb;
	char *t = NULL;
	m->fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (m->fd >= 0 && fstat(m->fd, &sb) == 0 && sb.st_dev == m->dev && sb.st_ino == m->ino &&
	    (uint64_t)sb.st_size == m->size && sb.st_mtim.tv_sec == m->mtime.tv_sec &&
	    sb.st_mtim.tv_nsec == m->mtime.tv_nsec) {
		int64_t i = find(m, msgid, hash);
		uint32_t tlen = 0;
		t = i >= 0 ? string(m, m->trans, (uint32_t)i, &tlen) : NULL;
	}
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	if (!t && m->misses >= MO_MAX_MISSES)
		goto out;
	size_t idlen = strlen(msgid), keep = t ? strlen(t) + 1 : 0; /* the one plural form */
	struct mo_msg *p = malloc(sizeof(*p) + idlen + 1 + keep);
	if (p) {
		memcpy(p->msgid, msgid, idlen + 1);
		p->tr = NULL;
		if (t) {
			memcpy(p->msgid + idlen + 1, t, keep);
			p->tr = p->msgid + idlen + 1;
		} else
			m->misses++;
		p->hash = hash;
		p->next = m->msgs;
		m->msgs = p;
		tr = p->tr;
	}
	free(t);
out:
	pthread_mutex_unlock(&m->lock);
	return tr;
}
