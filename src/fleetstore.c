/* The collector's mirror (fleetstore.h). One record per station in a
 * small open-addressing table; the journal files are the truth, the
 * fleet.state file is a summary rewritten (rename, no fsync: it can be
 * rebuilt) whenever it changes. */
#include "fleetstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetlog.h"
#include "i18n.h"
#include "kv.h"
#include "record.h"
#include "util.h"

#define GAP_ACK_HOLDOFF 1 /* seconds between acks repeated for gaps */
#define FLEET_HELD_MAX 16 /* early batches kept per station */
#define FLEET_HELD_BYTES (64u << 20)

struct fstation {
	char id[FLEET_ID_MAX];
	char district[FLEET_ID_MAX];
	struct fleet_head head;
	int broken;
	char verdict[512];
	int64_t last_heard;
	int online;            /* -1 unknown */
	struct fleet_pos end;
	int anchor_ok;         /* as the station reports it; -1 unknown */
	char anchor_detail[256];
	char serial[32];
	char fault[400];       /* "KIND TIME detail" of the newest fault record */
	char monitor[200];     /* proof of air of the newest broadcast with a monitor */
	/* issue 14: where the station stands with the newest bundle (STATION/bundle) */
	char bundle_serial[32], bundle_state[16], bundle_detail[FLEET_BSTATE_DETAIL_MAX + 1];
	int64_t gap_acked;
	uint64_t lines;        /* stored since the collector started */
	/* group commit: written, not yet forced to storage */
	int fd;                /* open on fd_month's file while dirty; -1 */
	char fd_month[8];
	int new_file;          /* its name must be made durable too */
	int pending;           /* on the pending list: sync and/or ack */
	struct { char *p; size_t len; } held[FLEET_HELD_MAX]; /* early batches */
	int nheld;
};

struct fleetstore {
	char mirror[PATH_MAX];
	struct fstation **tab;
	size_t cap, n;
	struct fstation **pend; /* waiting for fleetstore_commit */
	size_t npend, cappend;
	size_t held_bytes;      /* early batches kept, all stations */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct fstation **slot(struct fleetstore *s, const char *id)
{
	size_t i = hash_str(id) & (s->cap - 1);
	while (s->tab[i] && strcmp(s->tab[i]->id, id))
		i = (i + 1) & (s->cap - 1);
	return &s->tab[i];
}

static struct fstation *add(struct fleetstore *s, const char *id, const char *district)
{
	if ((s->n + 1) * 2 > s->cap) {
		struct fstation **old = s->tab;
		size_t oc = s->cap;
		s->cap = oc ? oc * 2 : 64;
		s->tab = xcalloc(s->cap, sizeof(*s->tab));
		for (size_t i = 0; i < oc; i++)
			if (old[i])
				*slot(s, old[i]->id) = old[i];
		free(old);
	}
	struct fstation *st = xcalloc(1, sizeof(*st));
	str_copy(st->id, id, sizeof(st->id));
	str_copy(st->district, district, sizeof(st->district));
	st->online = -1;
	st->anchor_ok = -1;
	st->fd = -1;
	*slot(s, id) = st;
	s->n++;
	return st;
}

static void path_of(const struct fleetstore *s, const char *id, const char *rest, char *out, size_t n)
{
	snprintf(out, n, "%s/%s/%s", s->mirror, id, rest);
}

static void save_state(struct fleetstore *s, const struct fstation *st)
{
	char buf[4096], held[32], end[32];
	struct kvbuf b;
	kv_init(&b, buf, sizeof(buf));
	kv_begin(&b, 1);
	kv_put(&b, "station", st->id);
	kv_put(&b, "district", st->district);
	kv_putf(&b, "last_heard", "%lld", (long long)st->last_heard);
	kv_put(&b, "online", st->online < 0 ? "" : st->online ? "yes" : "no");
	fleet_pos_format(&st->head.pos, held, sizeof(held));
	fleet_pos_format(&st->end, end, sizeof(end));
	kv_put(&b, "held", held);
	kv_put(&b, "end", end);
	kv_put(&b, "serial", st->serial);
	kv_put(&b, "fault", st->fault);
	kv_put(&b, "monitor", st->monitor);
	kv_put(&b, "verdict", st->broken ? "broken" : "ok");
	kv_put(&b, "verdict_detail", st->verdict);
	kv_put(&b, "anchor", st->anchor_ok < 0 ? "" : st->anchor_ok ? "ok" : "broken");
	kv_put(&b, "anchor_detail", st->anchor_detail);
	kv_put(&b, "bundle_serial", st->bundle_serial);
	kv_put(&b, "bundle_state", st->bundle_state);
	kv_put(&b, "bundle_detail", st->bundle_detail);
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	path_of(s, st->id, "fleet.state", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, b.len) != (ssize_t)b.len || close(fd) < 0 || rename(tmp, path) < 0) {
		log_warn(_("collector: cannot write %s"), path);
		if (fd >= 0)
			unlink(tmp);
	}
}

/* What the state file remembers that the journal cannot say again. */
static void load_state(struct fleetstore *s, struct fstation *st)
{
	char path[PATH_MAX], *buf, v[512];
	size_t len;
	path_of(s, st->id, "fleet.state", path, sizeof(path));
	if (read_file_all(path, 65536, 1, &buf, &len) < 0)
		return;
	if (kv_get(buf, "district", v, sizeof(v)) == 0 && v[0])
		str_copy(st->district, v, sizeof(st->district));
	if (kv_get(buf, "last_heard", v, sizeof(v)) == 0)
		st->last_heard = strtoll(v, NULL, 10);
	if (kv_get(buf, "online", v, sizeof(v)) == 0 && v[0])
		st->online = !strcmp(v, "yes");
	if (kv_get(buf, "end", v, sizeof(v)) == 0)
		fleet_pos_parse(v, &st->end);
	kv_get(buf, "serial", st->serial, sizeof(st->serial));
	kv_get(buf, "fault", st->fault, sizeof(st->fault));
	kv_get(buf, "monitor", st->monitor, sizeof(st->monitor));
	kv_get(buf, "bundle_serial", st->bundle_serial, sizeof(st->bundle_serial));
	kv_get(buf, "bundle_state", st->bundle_state, sizeof(st->bundle_state));
	kv_get(buf, "bundle_detail", st->bundle_detail, sizeof(st->bundle_detail));
	if (kv_get(buf, "verdict", v, sizeof(v)) == 0 && !strcmp(v, "broken")) {
		st->broken = 1;
		kv_get(buf, "verdict_detail", st->verdict, sizeof(st->verdict));
	}
	if (kv_get(buf, "anchor", v, sizeof(v)) == 0 && v[0])
		st->anchor_ok = !strcmp(v, "ok");
	kv_get(buf, "anchor_detail", st->anchor_detail, sizeof(st->anchor_detail));
	free(buf);
}

/* Cut a torn last line (no newline) off the newest month file. */
static int repair_tail(const char *jdir, const char *month)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s.log", jdir, month);
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct stat sb;
	if (fstat(fd, &sb) < 0 || sb.st_size == 0) {
		close(fd);
		return 0;
	}
	char buf[RECORD_LINE_MAX + 2];
	off_t from = sb.st_size > (off_t)sizeof(buf) ? sb.st_size - (off_t)sizeof(buf) : 0;
	ssize_t n = pread(fd, buf, (size_t)(sb.st_size - from), from);
	int r = 0;
	if (n > 0 && buf[n - 1] != '\n') {
		ssize_t i = n - 1;
		while (i >= 0 && buf[i] != '\n')
			i--;
		off_t keep = from + i + 1;
		log_warnx(_("collector: %s: cutting %lld bytes of a torn last line (never acknowledged)"), path,
			  (long long)(sb.st_size - keep));
		r = ftruncate(fd, keep) < 0 || fdatasync(fd) < 0 ? -1 : 0;
	}
	close(fd);
	return r;
}

static int load_station(struct fleetstore *s, const char *id)
{
	char jdir[PATH_MAX];
	path_of(s, id, "journal", jdir, sizeof(jdir));
	struct fleetlog *l = fleetlog_new(jdir);
	struct fleet_pos end;
	uint8_t h[RECORD_HASH_LEN];
	int r = fleetlog_end(l, &end, h);
	if (r == 0 && end.month[0]) {
		/* the newest file may hold a torn line past `end` */
		if (repair_tail(jdir, end.month) < 0)
			r = -1;
	}
	fleetlog_free(l);
	if (r < 0)
		return -1;
	struct fstation *st = add(s, id, "");
	st->head.pos = end;
	memcpy(st->head.hash, h, RECORD_HASH_LEN);
	load_state(s, st);
	return 0;
}

struct fleetstore *fleetstore_open(const char *mirror, char *err, size_t errn)
{
	if (mkdir_p(mirror, 0755) < 0) {
		snprintf(err, errn, _("%s: cannot create it: %s"), mirror, strerror(errno));
		return NULL;
	}
	struct fleetstore *s = xcalloc(1, sizeof(*s));
	str_copy(s->mirror, mirror, sizeof(s->mirror));
	s->cap = 64;
	s->tab = xcalloc(s->cap, sizeof(*s->tab));
	DIR *d = opendir(mirror);
	if (!d) {
		snprintf(err, errn, _("%s: cannot read: %s"), mirror, strerror(errno));
		fleetstore_close(s);
		return NULL;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!id_valid(e->d_name))
			continue;
		char jdir[PATH_MAX];
		struct stat sb;
		path_of(s, e->d_name, "journal", jdir, sizeof(jdir));
		if (stat(jdir, &sb) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		if (load_station(s, e->d_name) < 0) {
			snprintf(err, errn, _("%s: cannot read: %s"), jdir, strerror(errno));
			closedir(d);
			fleetstore_close(s);
			return NULL;
		}
	}
	closedir(d);
	return s;
}

void fleetstore_close(struct fleetstore *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++) {
		if (s->tab[i] && s->tab[i]->fd >= 0)
			close(s->tab[i]->fd);
		for (int k = 0; s->tab[i] && k < s->tab[i]->nheld; k++)
			free(s->tab[i]->held[k].p);
		free(s->tab[i]);
	}
	free(s->tab);
	free(s->pend);
	free(s);
}

size_t fleetstore_count(const struct fleetstore *s)
{
	return s->n;
}

void fleetstore_each(struct fleetstore *s,
		     void (*cb)(void *ctx, const char *district, const char *station, const struct fleet_ack *a),
		     void *ctx)
{
	for (size_t i = 0; i < s->cap; i++) {
		struct fstation *st = s->tab[i];
		if (!st || !st->district[0] || st->broken)
			continue;
		struct fleet_ack a = {.pos = st->head.pos};
		memcpy(a.hash, st->head.hash, RECORD_HASH_LEN);
		cb(ctx, st->district, st->id, &a);
	}
}

/* The station, created on first contact; NULL (with out->msg) when the
 * id is held for another district: one station, one district. */
static struct fstation *station_for(struct fleetstore *s, const char *district, const char *id,
				    struct fleetstore_out *out)
{
	struct fstation *st = *slot(s, id);
	if (!st) {
		char dir[PATH_MAX];
		path_of(s, id, "journal", dir, sizeof(dir));
		if (mkdir_p(dir, 0755) < 0) {
			out->problem = 1;
			snprintf(out->msg, sizeof(out->msg), _("%s: cannot create it: %s"), dir, strerror(errno));
			return NULL;
		}
		st = add(s, id, district);
		log_info(_("new station %s (district %s)"), id, district);
	}
	if (!st->district[0])
		str_copy(st->district, district, sizeof(st->district));
	if (strcmp(st->district, district)) {
		out->problem = 1;
		snprintf(out->msg, sizeof(out->msg), _("%s/%s: wrong station: %s belongs to district %s; dropped"),
			 district, id, id, st->district);
		return NULL;
	}
	return st;
}

/* Acknowledge at the next commit, after what is written is durable. */
static void want_ack(struct fleetstore *s, struct fstation *st)
{
	if (st->pending)
		return;
	if (s->npend == s->cappend) {
		s->cappend = s->cappend ? s->cappend * 2 : 64;
		s->pend = xrealloc(s->pend, s->cappend * sizeof(*s->pend));
	}
	s->pend[s->npend++] = st;
	st->pending = 1;
}

static void flag(struct fleetstore *s, struct fstation *st, const char *why, struct fleetstore_out *out)
{
	st->broken = 1;
	str_copy(st->verdict, why, sizeof(st->verdict));
	out->problem = 1;
	snprintf(out->msg, sizeof(out->msg), _("%s/%s: CHAIN BROKEN: %s"), st->district, st->id, why);
}

/* Fault and schedule serial, from the records themselves. bad: English,
 * as it may become the chain's verdict (fleet.state, like the details). */
static void note_record(struct fstation *st, const char *line, size_t len, const char *station,
			char *bad, size_t badn)
{
	struct record *r = malloc(sizeof(*r));
	char why[128];
	if (!r || record_parse(line, len, r, why, sizeof(why)) < 0) {
		free(r);
		return;
	}
	const char *ev = r->event, *v;
	if (!strcmp(ev, "open") && (v = record_get(r, "station")) && strcmp(v, station))
		snprintf(bad, badn, "a journal of station \"%s\" sent as %s", v, station);
	if ((!strcmp(ev, "station-start") || !strcmp(ev, "schedule-installed")) && (v = record_get(r, "serial")) && v[0])
		str_copy(st->serial, v, sizeof(st->serial));
	/* issue 19: what the monitor heard of the last broadcast it listened to */
	const char *of;
	if (!strcmp(ev, "end") && (v = record_get(r, "heard")) && (of = record_get(r, "heard_of")))
		snprintf(st->monitor, sizeof(st->monitor), "heard %s of %s s %s", v, of, r->time_str);
	else if (!strcmp(ev, "monitor-lost"))
		snprintf(st->monitor, sizeof(st->monitor), "unavailable %s", r->time_str);
	const char *kind = !strcmp(ev, "amp-fault") ? "amplifier" : !strcmp(ev, "audio-lost") ? "audio"
			 : !strcmp(ev, "torn") ? "journal" : !strcmp(ev, "monitor-lost") ? "monitor" : NULL;
	if (kind) {
		const char *d = record_get(r, "detail");
		if (!d)
			d = record_get(r, "reason");
		snprintf(st->fault, sizeof(st->fault), "%s %s %s", kind, r->time_str, d ? d : "");
	}
	free(r);
}

/* Written now, forced to storage by fleetstore_commit. */
static int append_lines(struct fleetstore *s, struct fstation *st, const char *month, const char *buf,
			size_t len)
{
	if (st->fd >= 0 && strcmp(st->fd_month, month)) {
		/* a new month in the same burst: the old file's lines first */
		if (fdatasync(st->fd) < 0)
			return -1;
		close(st->fd);
		st->fd = -1;
	}
	if (st->fd < 0) {
		char path[PATH_MAX], rel[32];
		snprintf(rel, sizeof(rel), "journal/%s.log", month);
		path_of(s, st->id, rel, path, sizeof(path));
		st->new_file |= access(path, F_OK) != 0;
		st->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (st->fd < 0)
			return -1;
		memcpy(st->fd_month, month, 8);
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(st->fd, buf + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

int fleetstore_commit(struct fleetstore *s,
		      void (*ack)(void *ctx, const char *district, const char *station, const struct fleet_ack *a),
		      void *ctx)
{
	size_t dirty = 0;
	int any = -1;
	for (size_t i = 0; i < s->npend; i++)
		if (s->pend[i]->fd >= 0) {
			dirty++;
			any = s->pend[i]->fd;
		}
	/* One station: its file (and folder for a new file). Many: one
	 * syncfs for the whole burst, far cheaper than a sync per file. */
	int r = 0;
	if (dirty == 1) {
		for (size_t i = 0; i < s->npend; i++) {
			struct fstation *st = s->pend[i];
			if (st->fd < 0)
				continue;
			r = fdatasync(st->fd);
			if (!r && st->new_file) {
				char path[PATH_MAX], rel[32];
				snprintf(rel, sizeof(rel), "journal/%s.log", st->fd_month);
				path_of(s, st->id, rel, path, sizeof(path));
				r = fsync_dir_of(path);
			}
		}
	} else if (dirty > 1) {
		r = syncfs(any);
	}
	if (r < 0)
		return -1;
	for (size_t i = 0; i < s->npend; i++) {
		struct fstation *st = s->pend[i];
		if (st->fd >= 0) {
			close(st->fd);
			st->fd = -1;
			st->new_file = 0;
		}
		st->pending = 0;
		if (!st->broken && ack) {
			struct fleet_ack a = {.pos = st->head.pos};
			memcpy(a.hash, st->head.hash, RECORD_HASH_LEN);
			ack(ctx, st->district, st->id, &a);
		}
	}
	s->npend = 0;
	return 0;
}

/* Apply a decoded batch: store the run of lines that continue the chain,
 * in one write. *gap when it stopped at a line whose predecessor is
 * missing, *dups when every line was already held. -1 on a write error. */
static int apply(struct fleetstore *s, struct fstation *st, const struct fleet_batch *b, const char *station,
		 struct fleetstore_out *out, int *gap, int *dups, char *err, size_t errn)
{
	size_t from = 0, n = 0;
	*gap = *dups = 0;
	struct fleet_head h = st->head;
	struct fleet_pos after = b->after;
	for (size_t i = 0; i < b->count; i++) {
		struct fleet_pos pos;
		memcpy(pos.month, b->month, 8);
		pos.line = b->first + (long)i;
		char bad[200] = "";
		enum fleet_step k = fleet_check_line(&h, &after, &pos, b->line[i], b->len[i], err, errn);
		if (k == FLEET_APPEND) {
			note_record(st, b->line[i], b->len[i], station, bad, sizeof(bad));
			if (bad[0]) {
				k = FLEET_BAD;
				snprintf(err, errn, "line %s:%ld: %s", pos.month, pos.line, bad);
			}
		}
		if (k == FLEET_APPEND) {
			if (!n)
				from = i;
			n++;
			h.pos = pos;
			record_hash(b->line[i], b->len[i], h.hash);
		} else if (k == FLEET_DUP) {
			(*dups)++;
		} else if (k == FLEET_GAP) {
			*gap = 1;
			break;
		} else {
			if (n)
				break; /* store what came before; the next batch meets the problem again */
			flag(s, st, err, out);
			return 0;
		}
		after = pos;
	}
	*dups = !n && !*gap && *dups;
	if (!n)
		return 0;
	const char *start = b->line[from];
	size_t blen = (size_t)(b->line[from + n - 1] + b->len[from + n - 1] + 1 - start);
	if (append_lines(s, st, b->month, start, blen) < 0)
		return -1;
	st->head = h;
	st->lines += n;
	out->stored += n;
	return 0;
}

static void drop_held(struct fleetstore *s, struct fstation *st, int i)
{
	s->held_bytes -= st->held[i].len;
	free(st->held[i].p);
	st->held[i] = st->held[--st->nheld];
}

/* Batches that arrived early (bridges and resends reorder), tried again
 * each time the chain moves on. */
static int replay_held(struct fleetstore *s, struct fstation *st, const char *station,
		       struct fleetstore_out *out, char *err, size_t errn)
{
	int progress = 1;
	while (progress && st->nheld && !st->broken) {
		progress = 0;
		for (int i = 0; i < st->nheld && !st->broken; i++) {
			struct fleet_batch b;
			int gap, dups;
			size_t before = out->stored;
			if (fleet_batch_decode(st->held[i].p, st->held[i].len, &b, err, errn) < 0 ||
			    apply(s, st, &b, station, out, &gap, &dups, err, errn) < 0)
				return -1;
			if (!gap) {
				drop_held(s, st, i);
				progress |= out->stored > before;
				i--;
			}
		}
	}
	return 0;
}

static void hold(struct fleetstore *s, struct fstation *st, const void *payload, size_t len)
{
	if (st->nheld == FLEET_HELD_MAX || s->held_bytes + len > FLEET_HELD_BYTES)
		return;
	for (int i = 0; i < st->nheld; i++)
		if (st->held[i].len == len && !memcmp(st->held[i].p, payload, len))
			return;
	st->held[st->nheld].p = xcalloc(1, len);
	memcpy(st->held[st->nheld].p, payload, len);
	st->held[st->nheld++].len = len;
	s->held_bytes += len;
}

int fleetstore_journal(struct fleetstore *s, const char *district, const char *station,
		       const void *payload, size_t len, int64_t now, struct fleetstore_out *out)
{
	memset(out, 0, sizeof(*out));
	struct fstation *st = station_for(s, district, station, out);
	if (!st)
		return 0;
	st->last_heard = now;
	struct fleet_batch b;
	char err[600];
	if (fleet_batch_decode(payload, len, &b, err, sizeof(err)) < 0) {
		out->problem = 1;
		snprintf(out->msg, sizeof(out->msg), _("%s/%s: malformed batch dropped: %s"), district, station, err);
		save_state(s, st);
		return 0;
	}
	if (fleet_pos_cmp(&b.end, &st->end) > 0)
		st->end = b.end;
	if (st->broken) {
		while (st->nheld)
			drop_held(s, st, 0);
		save_state(s, st);
		return 0; /* flagged: nothing more is taken until someone looks */
	}
	int gap, dups;
	if (apply(s, st, &b, station, out, &gap, &dups, err, sizeof(err)) < 0)
		return -1;
	if (out->stored) {
		if (replay_held(s, st, station, out, err, sizeof(err)) < 0)
			return -1;
		want_ack(s, st);
	} else if (gap) {
		int was = st->nheld;
		hold(s, st, payload, len);
		out->problem = 1;
		if (st->nheld > was)
			snprintf(out->msg, sizeof(out->msg),
				 _("%s/%s: out of order, held back until the lines before it arrive: %s"), district,
				 station, err);
		else
			snprintf(out->msg, sizeof(out->msg), _("%s/%s: out of order, dropped: %s"), district, station,
				 err);
		if (now - st->gap_acked >= GAP_ACK_HOLDOFF) {
			st->gap_acked = now;
			want_ack(s, st); /* tells the station where to go on from */
		}
	} else if (dups) {
		want_ack(s, st); /* it missed our ack: say it again */
	}
	save_state(s, st);
	return 0;
}

int fleetstore_status(struct fleetstore *s, const char *district, const char *station,
		      const void *payload, size_t len, int retained, int64_t now, struct fleetstore_out *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return 0; /* a retained status being cleared */
	struct fstation *st = station_for(s, district, station, out);
	if (!st)
		return 0;
	struct fleet_status fs;
	char err[200];
	if (fleet_status_decode(payload, len, &fs, err, sizeof(err)) < 0) {
		out->problem = 1;
		snprintf(out->msg, sizeof(out->msg), _("%s/%s: malformed status dropped: %s"), district, station, err);
		return 0;
	}
	if (!retained)
		st->last_heard = now;
	st->online = fs.online;
	if (fs.online) {
		if (fleet_pos_cmp(&fs.end, &st->end) > 0) /* late messages say less */
			st->end = fs.end;
		st->anchor_ok = fs.anchor_ok;
		str_copy(st->anchor_detail, fs.detail, sizeof(st->anchor_detail));
		uint8_t held[RECORD_HASH_LEN];
		int have = 0;
		if (!st->broken && fleet_pos_cmp(&fs.end, &st->head.pos) <= 0 && fs.end.month[0]) {
			char jdir[PATH_MAX];
			path_of(s, st->id, "journal", jdir, sizeof(jdir));
			struct fleetlog *l = fleetlog_new(jdir);
			int r = fleetlog_line_hash(l, &fs.end, held);
			fleetlog_free(l);
			if (r < 0)
				return -1;
			have = r == 0;
		}
		if (!st->broken && fleet_end_diverged(&st->head, &fs.end, fs.end_hash, have ? held : NULL, err, sizeof(err)))
			flag(s, st, err, out);
		else if (!st->broken && !fs.anchor_ok)
			flag(s, st, fs.detail[0] ? fs.detail : "the station reports its journal no longer continues what the district holds", out);
	}
	save_state(s, st);
	return 0;
}

int fleetstore_bundle(struct fleetstore *s, const char *district, const char *station, const void *payload,
		      size_t len, struct fleetstore_out *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return 0;
	struct fstation *st = station_for(s, district, station, out);
	if (!st)
		return 0;
	struct fleet_bstate b;
	char err[200];
	if (fleet_bstate_decode(payload, len, &b, err, sizeof(err)) < 0) {
		out->problem = 1;
		snprintf(out->msg, sizeof(out->msg), _("%s/%s: malformed bundle state dropped: %s"), district, station,
			 err);
		return 0;
	}
	snprintf(st->bundle_serial, sizeof(st->bundle_serial), "%lld", b.serial);
	str_copy(st->bundle_state, b.state, sizeof(st->bundle_state));
	if (b.got >= 0 && !b.detail[0])
		snprintf(st->bundle_detail, sizeof(st->bundle_detail), "%lld of %lld bytes", b.got, b.total);
	else
		str_copy(st->bundle_detail, b.detail, sizeof(st->bundle_detail));
	save_state(s, st);
	return 0;
}
