/* Station side of the fleet link (fleet.h). Go-back-N over the journal:
 * `sent` runs ahead of `acked` by at most FLEET_WINDOW batches; an
 * acknowledgement that does not move forward (the collector missed a
 * batch, or restarted), a reconnect, or no progress for ACK_TIMEOUT_MS
 * rewinds `sent` to `acked`. The collector drops what it already holds. */
#include "fleet.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetlog.h"
#include "fleetproto.h"
#include "mqttlink.h"
#include "util.h"

#define FLEET_WINDOW 8
#define ACK_TIMEOUT_MS 60000   /* first wait for an ack; doubles while none comes */
#define ACK_TIMEOUT_MAX_MS 3600000
#define ACK_GRACE_MS 1000   /* after SUBACK: time for a retained ack to arrive */

struct inflight {
	struct fleet_pos last;
	uint8_t hash[RECORD_HASH_LEN];
};

struct fleet {
	struct mqttlink *link;
	struct fleetlog *log;
	char t_journal[FLEET_TOPIC_MAX], t_ack[FLEET_TOPIC_MAX], t_status[FLEET_TOPIC_MAX];
	/* issue 14: the downlink, and where the station stands with it */
	char t_sched_d[FLEET_TOPIC_MAX], t_sched_s[FLEET_TOPIC_MAX], t_bundle[FLEET_TOPIC_MAX];
	fleet_bundle_cb bundle_cb;
	void *bundle_ctx;
	char bstate[1024];
	int bstate_dirty;
	struct fleet_ack acked;
	int have_ack;
	struct fleet_pos sent;
	struct inflight ring[FLEET_WINDOW];
	int nring;
	int ready;            /* subscribed and the retained ack had its chance */
	int64_t grace_until;  /* 0 = not waiting */
	int more;             /* the journal may hold lines not sent */
	int64_t progress_at;  /* last ack progress (or rewind) */
	int64_t ack_timeout;
	int anchor_ok;
	char anchor_detail[256];
	int status_dirty;
	int64_t now;
	uint64_t lines_out;
	char *buf;            /* one payload */
};

static void send_lines(struct fleet *f);

static void publish_status(struct fleet *f)
{
	if (!mqttlink_up(f->link))
		return;
	struct fleet_status s = {.online = 1, .anchor_ok = f->anchor_ok};
	if (fleetlog_end(f->log, &s.end, s.end_hash) < 0)
		log_warn("fleet: cannot read the journal's end");
	str_copy(s.detail, f->anchor_detail, sizeof(s.detail));
	char p[512];
	size_t n = fleet_status_encode(p, sizeof(p), &s);
	if (n && mqttlink_publish(f->link, f->t_status, p, n, 1, 1) == 0)
		f->status_dirty = 0;
}

static void rewind_to_ack(struct fleet *f)
{
	f->sent = f->have_ack ? f->acked.pos : (struct fleet_pos){0};
	f->nring = 0;
	f->more = 1;
	f->progress_at = f->now;
}

static void on_connected(void *ctx)
{
	struct fleet *f = ctx;
	log_info("fleet: connected to the district broker");
	f->ready = 0;
	f->grace_until = 0;
	rewind_to_ack(f);
	if (mqttlink_subscribe(f->link, f->t_ack, 1) < 0)
		log_warnx("fleet: cannot subscribe to %s", f->t_ack);
	if (f->bundle_cb && (mqttlink_subscribe(f->link, f->t_sched_d, 1) < 0 ||
			     mqttlink_subscribe(f->link, f->t_sched_s, 1) < 0))
		log_warnx("fleet: cannot subscribe to %s", f->t_sched_d);
	if (f->bstate[0])
		f->bstate_dirty = 1;
	publish_status(f);
}

static void on_subscribed(void *ctx)
{
	struct fleet *f = ctx;
	if (!f->ready)
		f->grace_until = f->now + ACK_GRACE_MS;
}

static void on_disconnected(void *ctx, const char *why)
{
	struct fleet *f = ctx;
	log_warnx("fleet: link to the district broker lost (%s); the journal keeps everything until it is back", why);
	f->ready = 0;
	f->grace_until = 0;
}

/* The acknowledged line must be in our journal, unchanged: it anchors it. */
static void check_anchor(struct fleet *f, const struct fleet_ack *a)
{
	uint8_t h[RECORD_HASH_LEN];
	char ps[32];
	fleet_pos_format(&a->pos, ps, sizeof(ps));
	int r = a->pos.month[0] ? fleetlog_line_hash(f->log, &a->pos, h) : 0;
	int ok = r == 0 && (!a->pos.month[0] || !memcmp(h, a->hash, RECORD_HASH_LEN));
	if (r < 0) {
		log_warn("fleet: cannot read the journal at %s", ps);
		return;
	}
	if (!ok) {
		snprintf(f->anchor_detail, sizeof(f->anchor_detail), r == 1
			 ? "the district holds line %s, which this journal no longer has"
			 : "line %s differs from the one the district holds", ps);
		if (f->anchor_ok)
			log_warnx("fleet: %s", f->anchor_detail);
		f->anchor_ok = 0;
		f->status_dirty = 1;
		/* Send the differing line again so the collector sees it for itself. */
		if (r == 0 && a->pos.line > 1) {
			f->sent = a->pos;
			f->sent.line--;
		}
	} else if (!f->anchor_ok) {
		f->anchor_ok = 1;
		f->anchor_detail[0] = 0;
		f->status_dirty = 1;
	}
}

static void on_ack(struct fleet *f, const struct fleet_ack *a)
{
	/* Progress through what this session sent: drop those batches. */
	int k = -1;
	for (int i = 0; i < f->nring; i++)
		if (fleet_pos_cmp(&f->ring[i].last, &a->pos) <= 0)
			k = i;
	int matched = k >= 0 && !fleet_pos_cmp(&f->ring[k].last, &a->pos) &&
		      !memcmp(f->ring[k].hash, a->hash, RECORD_HASH_LEN);
	f->acked = *a;
	f->have_ack = 1;
	if (matched) {
		memmove(f->ring, f->ring + k + 1, (size_t)(f->nring - k - 1) * sizeof(f->ring[0]));
		f->nring -= k + 1;
		f->progress_at = f->now;
		f->ack_timeout = ACK_TIMEOUT_MS;
		f->more = 1;
		if (!f->anchor_ok) {
			f->anchor_ok = 1;
			f->anchor_detail[0] = 0;
			f->status_dirty = 1;
		}
	} else {
		/* Not one of ours: a retained ack after (re)connecting, a
		 * collector that restarted or missed a batch. Go on from it. */
		rewind_to_ack(f);
		check_anchor(f, a);
	}
	if (!f->ready) {
		f->ready = 1;
		f->grace_until = 0;
	}
}

static void on_message(void *ctx, const struct mqttlink_msg *m)
{
	struct fleet *f = ctx;
	if (!strcmp(m->topic, f->t_sched_d) || !strcmp(m->topic, f->t_sched_s)) {
		if (m->len && f->bundle_cb) /* empty: a cleared retained message */
			f->bundle_cb(f->bundle_ctx, m->payload, m->len, m->retained);
		return;
	}
	if (strcmp(m->topic, f->t_ack))
		return;
	struct fleet_ack a;
	char err[128];
	if (fleet_ack_decode(m->payload, m->len, &a, err, sizeof(err)) < 0) {
		log_warnx("fleet: %s: %s", m->topic, err);
		return;
	}
	on_ack(f, &a);
}

struct fleet *fleet_new(const struct station *st, char *err, size_t errn)
{
	err[0] = 0;
	const struct fleet_config *fc = &st->fleet;
	if (!fc->enabled)
		return NULL;
	struct mqttlink_conf c = {.keepalive = fc->keepalive, .retry_max = fc->retry_max};
	if (mqttlink_parse_url(fc->broker, &c, err, errn) < 0)
		return NULL;
	str_copy(c.ca_file, fc->ca_file, sizeof(c.ca_file));
	str_copy(c.username, fc->username, sizeof(c.username));
	if (fc->password_file[0] && mqttlink_read_password(fc->password_file, &c) < 0) {
		snprintf(err, errn, "cannot read the password file %s: %s", fc->password_file, strerror(errno));
		return NULL;
	}
	snprintf(c.client_id, sizeof(c.client_id), "loaxa-%s-%s", st->district_code, st->id);
	struct fleet *f = xcalloc(1, sizeof(*f));
	if (!fleet_topic(f->t_journal, sizeof(f->t_journal), st->district_code, st->id, FLEET_T_JOURNAL) ||
	    !fleet_topic(f->t_ack, sizeof(f->t_ack), st->district_code, st->id, FLEET_T_ACK) ||
	    !fleet_topic(f->t_status, sizeof(f->t_status), st->district_code, st->id, FLEET_T_STATUS) ||
	    !fleet_topic(f->t_sched_s, sizeof(f->t_sched_s), st->district_code, st->id, FLEET_T_SCHEDULE) ||
	    !fleet_topic(f->t_bundle, sizeof(f->t_bundle), st->district_code, st->id, FLEET_T_BUNDLE) ||
	    !fleet_district_topic(f->t_sched_d, sizeof(f->t_sched_d), st->district_code)) {
		snprintf(err, errn, "station id or district code not usable in a topic");
		free(f);
		return NULL;
	}
	str_copy(c.will_topic, f->t_status, sizeof(c.will_topic));
	str_copy(c.will_payload, "offline", sizeof(c.will_payload));
	struct mqttlink_cb cb = {.connected = on_connected, .disconnected = on_disconnected,
				 .message = on_message, .subscribed = on_subscribed};
	f->link = mqttlink_new(&c, &cb, f, err, errn);
	if (!f->link) {
		free(f);
		return NULL;
	}
	explicit_bzero(c.password, sizeof(c.password));
	f->log = fleetlog_new(st->journal);
	f->buf = xcalloc(1, FLEET_PAYLOAD_MAX + 1);
	f->anchor_ok = 1;
	f->more = 1;
	f->ack_timeout = ACK_TIMEOUT_MS;
	return f;
}

void fleet_check(const struct station *st, struct errlist *errs)
{
	if (!st->fleet.enabled)
		return;
	char err[600];
	struct fleet *f = fleet_new(st, err, sizeof(err));
	if (!f)
		errlist_add(errs, "%s:%d: fleet: %s", st->file, st->fleet.line, err);
	fleet_free(f);
}

void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	/* The last lines (station-stop) go now, not at the next start; a clean
	 * stop sends no will, so say `offline` ourselves. */
	if (mqttlink_up(f->link) && f->ready) {
		f->more = 1;
		if (f->nring == FLEET_WINDOW)
			f->nring--; /* room for one more: the ring is not used again */
		send_lines(f);
	}
	if (mqttlink_up(f->link))
		mqttlink_publish(f->link, f->t_status, "offline", 7, 1, 1);
	mqttlink_free(f->link);
	fleetlog_free(f->log);
	free(f->buf);
	free(f);
}

int fleet_fd(const struct fleet *f)
{
	return f ? mqttlink_fd(f->link) : -1;
}

short fleet_events(const struct fleet *f)
{
	return f ? mqttlink_events(f->link) : 0;
}

static int can_send(const struct fleet *f)
{
	return mqttlink_up(f->link) && f->ready && f->more && f->nring < FLEET_WINDOW;
}

int64_t fleet_deadline_ms(const struct fleet *f, int64_t now_mono_ms)
{
	if (!f)
		return INT64_MAX;
	int64_t t = mqttlink_deadline_ms(f->link, now_mono_ms);
	if (can_send(f) || ((f->status_dirty || f->bstate_dirty) && mqttlink_up(f->link)))
		return now_mono_ms;
	if (f->grace_until && f->grace_until < t)
		t = f->grace_until;
	if (f->nring && f->progress_at + f->ack_timeout < t)
		t = f->progress_at + f->ack_timeout;
	return t;
}

static void send_lines(struct fleet *f)
{
	struct fleet_pos end;
	uint8_t endh[RECORD_HASH_LEN];
	if (fleetlog_end(f->log, &end, endh) < 0) {
		log_warn("fleet: cannot read the journal");
		f->more = 0;
		return;
	}
	while (can_send(f)) {
		size_t len;
		struct fleet_pos last;
		int n = fleetlog_batch(f->log, &f->sent, &end, f->buf, &len, &last);
		if (n < 0) {
			log_warn("fleet: cannot read the journal after line %s:%ld", f->sent.month, f->sent.line);
			f->more = 0;
			return;
		}
		if (n == 0) {
			f->more = 0;
			return;
		}
		if (mqttlink_publish(f->link, f->t_journal, f->buf, len, 1, 0) < 0)
			return;
		/* the hash of the batch's last line, to match its ack */
		struct inflight *in = &f->ring[f->nring++];
		in->last = last;
		const char *e = f->buf + len - 1, *s = e;
		while (s > f->buf && s[-1] != '\n')
			s--;
		record_hash(s, (size_t)(e - s), in->hash);
		if (f->nring == 1) /* the acknowledgement clock starts with the first in flight */
			f->progress_at = f->now;
		f->sent = last;
		f->lines_out += (uint64_t)n;
	}
}

void fleet_handle(struct fleet *f, short revents, int64_t now_mono_ms)
{
	if (!f)
		return;
	f->now = now_mono_ms;
	mqttlink_handle(f->link, revents, now_mono_ms);
	if (!mqttlink_up(f->link))
		return;
	if (f->grace_until && now_mono_ms >= f->grace_until) {
		f->grace_until = 0;
		f->ready = 1; /* no ack retained: the collector holds nothing yet */
	}
	if (f->nring && now_mono_ms >= f->progress_at + f->ack_timeout) {
		log_warnx("fleet: no acknowledgement for %lld s: sending again from %s:%ld",
			  (long long)(f->ack_timeout / 1000), f->acked.pos.month[0] ? f->acked.pos.month : "-",
			  f->acked.pos.line);
		rewind_to_ack(f);
		f->ack_timeout = f->ack_timeout * 2 > ACK_TIMEOUT_MAX_MS ? ACK_TIMEOUT_MAX_MS : f->ack_timeout * 2;
	}
	if (f->status_dirty)
		publish_status(f);
	if (f->bstate_dirty &&
	    mqttlink_publish(f->link, f->t_bundle, f->bstate, strlen(f->bstate), 1, 1) == 0)
		f->bstate_dirty = 0;
	send_lines(f);
	/* Publishing queued output: write it now rather than wait for a poll. */
	if (fleet_events(f) & POLLOUT)
		mqttlink_handle(f->link, POLLOUT, now_mono_ms);
}

void fleet_journal_appended(struct fleet *f)
{
	if (f)
		f->more = 1;
}

void fleet_set_bundle_cb(struct fleet *f, fleet_bundle_cb cb, void *ctx)
{
	f->bundle_cb = cb;
	f->bundle_ctx = ctx;
	if (cb && mqttlink_up(f->link) &&
	    (mqttlink_subscribe(f->link, f->t_sched_d, 1) < 0 || mqttlink_subscribe(f->link, f->t_sched_s, 1) < 0))
		log_warnx("fleet: cannot subscribe to %s", f->t_sched_d);
}

void fleet_bundle_state(struct fleet *f, const char *payload)
{
	str_copy(f->bstate, payload, sizeof(f->bstate));
	f->bstate_dirty = 1;
}

void fleet_info(const struct fleet *f, struct fleet_info *i)
{
	memset(i, 0, sizeof(*i));
	if (!f)
		return;
	struct mqttlink_stats s;
	mqttlink_stats(f->link, &s);
	i->up = mqttlink_up(f->link);
	i->anchor_ok = f->anchor_ok;
	fleet_pos_format(&f->acked.pos, i->acked, sizeof(i->acked));
	fleet_pos_format(&f->sent, i->sent, sizeof(i->sent));
	i->wakeups = s.wakeups;
	i->bytes_out = s.bytes_out;
	i->lines_out = f->lines_out;
	i->connects = s.connects;
}
