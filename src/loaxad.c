/* loaxad: the station daemon. Start-up order, wiring of the adapters
 * (journal, player, amplifier, control socket, Modbus status server,
 * clock, helper process) around the pure engine, the broadcast's state
 * table and the amplifier sequence, and the single event loop (ev.c): a
 * signalfd, a CLOCK_REALTIME timerfd for the next due occurrence,
 * monotonic timerfds (clock sync re-check; the amplifier's warm-up, hold
 * and read-back; the journal retry while records are held), the helper's
 * socket, the control socket, the Modbus descriptors while a request is
 * in flight, and ALSA's descriptors while playing, each registered once
 * with its handler. Nothing wakes it between broadcasts; nothing that can
 * wait runs in it (the helper does that). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "amp.h"
#include "sha256.h"
#include "asrun.h"
#include "broadcast.h"
#include "bundle.h"
#include "civil.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "engine.h"
#include "filecheck.h"
#include "fetchrun.h"
#include "fleet.h"
#include "fleetproto.h"
#include "ev.h"
#include "helper.h"
#include "journal.h"
#include "kv.h"
#include "notify.h"
#include "model.h"
#include "modbus_status.h"
#include "monitor.h"
#include "monview.h"
#include "player.h"
#include "replay.h"
#include "report.h"
#include "schedule.h"
#include "spool.h"
#include "sequence.h"
#include "syncer.h"
#include "util.h"
#include "validate.h"
#include "i18n.h"

#ifndef LOAXA_VERSION
#define LOAXA_VERSION "0.3.0" /* the Makefile passes debian/changelog's */
#endif
#define EXIT_CONFIG 78 /* sysexits EX_CONFIG: systemd must not restart on it */
#define SYNC_RECHECK_MS 30000
#define JOURNAL_RETRY_MS 5000 /* a failing journal is tried again this often (only then) */
#define HELD_FILE "journal-held"  /* in paths.state: records the journal could not take yet */

/* A library file the helper read: its SHA-256 holds while stat agrees. */
/* A module told when records have reached the journal (e.g. the fleet
 * uplink, which then sends what is new): registered with journal_hook. */
struct jhook {
	void (*fn)(void *ctx);
	void *ctx;
};
#define JHOOKS_MAX 4

struct daemon {
	struct station st;
	struct schedule *sched; /* never NULL: empty when none is valid */
	struct catalog cat;
	struct engine *eng;
	struct journal *j;
	struct player *pl;
	struct control *ctl;
	int sfd, tfd_due, tfd_sync;
	int tfd_wd;             /* systemd watchdog ticks (monotonic); -1 when no watchdog */
	int64_t wd_ms;          /* tick period: half of WatchdogSec= */
	double wd_played;       /* player_seconds at the last tick, to spot a stalled device */
	int wd_stalled;         /* ticks in a row with no playback progress */
	int synced;
	int waited_sync; /* started with an unsynchronised clock */
	int quit;
	/* the broadcast in progress: its state (broadcast.c), never set directly */
	enum bc_state bc;
	struct occurrence cur;
	double cur_expected;
	int64_t cur_started;
	/* bookkeeping for status and clock-step detection */
	int fallback_active;
	int audio_down; /* audio-lost journalled, audio-back not yet */
	char last_error[512];
	struct jhook jhooks[JHOOKS_MAX];
	size_t njhooks;
	int journal_failing;     /* records are held: see journal_error */
	int in_notify;
	char journal_error[256];
	int64_t mono_start;
	int64_t armed_real, armed_mono;
	int64_t armed_due; /* the instant the due timer is armed for */
	int64_t installed_at;
	char installed_signer[64];
	long long journal_serial; /* greatest serial the journal says was ever installed */
	struct spool *spool;      /* pushed bundles; NULL when the folder cannot be watched */
	struct helper *helper;    /* does the waiting work (bundles, name lookups); NULL if it died */
	int64_t helper_restart_ms; /* when it may be started again after dying */
	int resolving;            /* the amplifier's host name is being looked up */
	int trust_changed;        /* the helper still checks bundles with the old keys */
	int64_t spool_hold_ms;    /* the library was locked: no bundle before this */
	char spool_retry[SPOOL_NAME_MAX + 1]; /* the bundle to hand over again then ("" = none) */
	int spool_retry_final;
	int tfd_spool;            /* wakes the loop when that hold is over */
	int64_t resolve_again_ms; /* when to look it up again after a failure */
	char pending_reject[1024]; /* a rejection found before the journal opened */
	char pending_reject_user[1024]; /* the same in the station's language */
	/* the amplifier: amp.c performs what sequence.c decides */
	struct amp *amp;
	struct seq *seq;
	int tfd_amp;             /* the sequence's timer: warm-up, hold, read-back, retry */
	int tfd_jretry;          /* armed only while journal records are held */
	struct syncer *syncer;   /* flushes the journal off the loop (all but a start) */
	int flush_failed;        /* the last flush failed: the journal is failing until one works */
	struct syncer *hasher;   /* hashes a bulletin file off the loop before it plays */
	int pend_checking;       /* pend's file is being hashed (or waits for the hasher) */
	int pend_play_wait;      /* the amplifier is ready: play once the hash is in */
	uint64_t pend_ticket;    /* its hash job, 0 = not handed over yet */
	uint64_t hash_ticket;
	char pend_sha[65];       /* what it must hash to */
	struct occurrence pend;
	char pend_path[PATHBUF + ID_MAX];
	int pend_fd;             /* issue 12: the file checked, handed to the player; -1 */
	int pend_hfd;            /* a dup of it for the hasher, not handed over yet; -1 */
	int pend_rotating;       /* rotation chose its bulletin: rotation=yes on start/failed */
	char pend_origin[40];    /* issue 12: origin= on start: "signed:KEYID" or "local" */
	double pend_expected;
	int next_rotating;       /* the ACT_START in hand was chosen by rotation */
	int in_engine;           /* inside run_engine */
	struct ev *ev;           /* the event loop */
	int ev_amp, ev_player;   /* their descriptors change: ev_touch when they do */
	int ev_mon;              /* the monitor's, likewise (opened per broadcast) */
	int ev_helper;           /* the helper's descriptor: replaced when it is restarted */
	int engine_due;          /* a broadcast ended: run the engine when the actions are done */
	int acting;              /* depth of perform() */
	int64_t amp_fault_since; /* wall clock */
	int64_t amp_fault_last;
	/* the Modbus status server */
	struct modbus_status *mbs;
	int64_t last_bc_time;    /* last broadcast outcome recorded, and which (enum outcome + 1) */
	int last_bc_outcome;
	uint64_t jgen;           /* journal records written: the month's counts are cached by it */
	uint64_t counts_gen;
	int counts_key;
	struct status_campaign *counts;
	size_t ncounts;
	/* issue 19, proof of air: the monitor input, open only while a
	 * broadcast plays (monitor.h); its last result for status/Modbus */
	struct monitor *mon;
	int mon_down;            /* monitor-lost journalled, monitor-back not yet */
	int mon_state;           /* MBS_MON_* of the last broadcast */
	struct airmeter_result mon_last;
	int64_t mon_time;
	char mon_note[256];      /* why the monitor was last unavailable (this broadcast's, when it would not open) */
	struct fleet *fleet;     /* issue 13: MQTT link to the district; NULL = none */
	/* issue 14: a bundle message from the link, fetched by loaxa-fetch */
	struct fetchrun *fetch;  /* running now; NULL = none */
	int ev_fetch;
	char *fetch_msg;         /* the message, kept for a retry */
	size_t fetch_len;
	long long fetch_seen;    /* header serial of the newest message taken */
	int fetch_busy;          /* that message is not finished with (fetching, retry due, in the spool) */
	int64_t fetch_retry_at;  /* 0 = none */
	int64_t fetch_reap_at;   /* look for exited children then; 0 = none */
	int64_t fetch_backoff;
	char fetch_drop[SPOOL_NAME_MAX + 1]; /* dropped into the spool: its NAME, until the spool's verdict */
	long long fetch_drop_serial;
};

static void usage(FILE *f)
{
	fputs(_("usage: loaxad -c FILE [-f] [-v]\n"
		"       loaxad -c FILE --check\n"
		"       loaxad --help | --version\n"
		"  -c FILE     station file (loaxa.conf)\n"
		"  -f          stay in the foreground (log to stderr; always the case under systemd)\n"
		"  -v          log debug messages too\n"
		"  --check     validate the station file, schedule and library; exit 0 or list every error\n"
		"  --help      this text\n"
		"  --version   the version of loaxad\n"), f);
}

static void set_error(struct daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct daemon *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->last_error, sizeof(d->last_error), fmt, ap);
	va_end(ap);
	char ts[26];
	civil_tz_format(clock_now(), ts);
	size_t l = strlen(d->last_error);
	snprintf(d->last_error + l, sizeof(d->last_error) - l, " (%s)", ts);
}

/* ---- journal helpers ---- */

static void journal_state_changed(struct daemon *d);

/* Register fn to be called (from the loop) after records reach the
 * journal, durably. 0, or -1 when JHOOKS_MAX are registered. */
static int journal_hook(struct daemon *d, void (*fn)(void *ctx), void *ctx)
{
	if (d->njhooks >= JHOOKS_MAX)
		return -1;
	d->jhooks[d->njhooks++] = (struct jhook){fn, ctx};
	return 0;
}

static void journal_appended(struct daemon *d)
{
	for (size_t i = 0; i < d->njhooks; i++)
		d->jhooks[i].fn(d->jhooks[i].ctx);
}

/* The journal failed: remember why, show it, retry it on a timer. */
static void journal_failed(struct daemon *d, const char *event, int e)
{
	log_warnx(ngettext("journal: cannot record %s: %s (%zu record waits to be written)",
			   "journal: cannot record %s: %s (%zu records wait to be written)", journal_queued(d->j)),
		  event, strerror(e), journal_queued(d->j));
	if (journal_held_failed(d->j))
		log_warnx(ngettext("journal: %zu held record could not be kept in %s/%s either: it is in memory only",
				   "journal: %zu held records could not be kept in %s/%s either: they are in memory only",
				   journal_held_failed(d->j)),
			  journal_held_failed(d->j), d->st.state, HELD_FILE);
	set_error(d, "journal write failed: %s", strerror(e));
	snprintf(d->journal_error, sizeof(d->journal_error), "cannot record %s: %s", event, strerror(e));
	if (!d->journal_failing) {
		d->journal_failing = 1;
		journal_state_changed(d);
	}
	clock_mono_timer_in(d->tfd_jretry, JOURNAL_RETRY_MS);
}

static void journal_ok(struct daemon *d)
{
	if (!d->journal_failing)
		return;
	d->journal_failing = 0;
	d->journal_error[0] = '\0';
	clock_mono_timer_in(d->tfd_jretry, 0);
	log_info(_("journal: writable again; every held record is on disk%s"),
		 journal_dropped(d->j) ? _(" (but some were dropped: the queue was full)") : "");
	journal_state_changed(d);
}

/* Lines written and not yet flushed go to the flusher thread; one flush
 * at a time, so whatever is written meanwhile is grouped into the next.
 * The hooks (fleet) hear of records once they are durable. */
static void jsync_kick(struct daemon *d)
{
	if (!d->j || !journal_unsynced(d->j)) {
		if (d->j && !d->flush_failed)
			journal_appended(d);
		return;
	}
	if (!d->syncer || syncer_busy(d->syncer))
		return; /* on_syncer kicks again when the flush in progress ends */
	uint64_t ticket;
	int fd = journal_sync_begin(d->j, &ticket);
	if (fd < 0 || syncer_submit(d->syncer, fd, ticket) < 0) {
		if (fd >= 0)
			close(fd);
		d->flush_failed = 1;
		journal_failed(d, "flush", errno);
	}
}

static void on_syncer(struct daemon *d)
{
	uint64_t ticket;
	int e;
	if (!syncer_result(d->syncer, &ticket, &e) || !d->j)
		return;
	int was = journal_unsynced(d->j);
	journal_sync_end(d->j, ticket, e);
	if (e && was) {
		d->flush_failed = 1;
		journal_failed(d, "flush", e); /* the retry timer flushes again */
		return;
	}
	if (!journal_unsynced(d->j) && d->flush_failed) {
		d->flush_failed = 0;
		if (!journal_queued(d->j))
			journal_ok(d);
	}
	jsync_kick(d);
}

/* Record an event. A record the journal cannot take now is held, in order,
 * and written as soon as it can (journal_record); once the loop runs, a
 * written record is flushed off the loop (jsync_kick). 0 when written. */
static int jwrite(struct daemon *d, const char *event, const char *const *kv)
{
	if (!d->j)
		return -1;
	int64_t now = clock_now();
	int off;
	civil_tz_local(now, NULL, NULL, &off);
	d->jgen++;
	if (journal_record(d->j, now, off, event, kv) != 0) {
		journal_failed(d, event, errno);
		return -1;
	}
	if (!d->flush_failed)
		journal_ok(d);
	jsync_kick(d);
	return 0;
}

/* A `missed` record: held and written with others in one group (the next
 * record, or the end of run_engine), so that a long outage costs a few
 * flushes. Losing them in a crash is harmless: the next start finds the
 * same occurrences missed again. */
static void jdefer(struct daemon *d, const char *event, const char *const *kv)
{
	if (!d->j)
		return;
	int64_t now = clock_now();
	int off;
	civil_tz_local(now, NULL, NULL, &off);
	d->jgen++;
	if (journal_defer(d->j, now, off, event, kv) < 0)
		journal_failed(d, event, errno ? errno : ENOSPC);
}

static void jflush(struct daemon *d)
{
	if (!d->j || !journal_queued(d->j))
		return;
	if (journal_retry(d->j) == 0) {
		if (!d->flush_failed)
			journal_ok(d);
		jsync_kick(d);
	} else {
		journal_failed(d, "held records", errno);
	}
}

/* A broadcast's start: durable before the first sample, or not at all (it
 * is never held: a start that is not on disk must not play). */
static int jwrite_start(struct daemon *d, const char *const *kv)
{
	int64_t now = clock_now();
	int off;
	civil_tz_local(now, NULL, NULL, &off);
	d->jgen++;
	if (journal_retry(d->j) < 0 || journal_append(d->j, now, off, "start", kv) < 0) {
		journal_failed(d, "start", errno);
		return -1;
	}
	d->flush_failed = 0; /* flushed: the start and every line before it */
	journal_ok(d);
	journal_appended(d);
	return 0;
}

static void on_journal_retry(struct daemon *d)
{
	uint64_t x;
	(void)!read(d->tfd_jretry, &x, sizeof(x));
	if (!d->j)
		return;
	if (journal_retry(d->j) == 0) {
		if (d->flush_failed && journal_unsynced(d->j)) {
			/* A failed flush: try it again (off the loop), and again
			 * on this timer until one works. */
			clock_mono_timer_in(d->tfd_jretry, JOURNAL_RETRY_MS);
			jsync_kick(d);
			return;
		}
		d->flush_failed = 0;
		journal_ok(d);
		jsync_kick(d);
	} else {
		journal_failed(d, "held records", errno);
	}
}

static void note_outcome(struct daemon *d, enum outcome o)
{
	d->last_bc_time = clock_now();
	d->last_bc_outcome = (int)o + 1;
}

static void zones_str(uint32_t z, char *buf, size_t n)
{
	size_t l = 0;
	buf[0] = '\0';
	for (int i = 0; i < MAX_ZONES && l + 4 < n; i++)
		if (z & (1u << i))
			l += (size_t)snprintf(buf + l, n - l, "%s%d", l ? ";" : "", i + 1);
}

static double bulletin_expected(const struct daemon *d, const struct occurrence *o)
{
	const struct bulletin *b = catalog_find(&d->cat, o->bulletin);
	return b ? b->duration * (o->repeat > 0 ? o->repeat : 1) : 0;
}

/* failed / missed: one line says it all. */
static void record_outcome(struct daemon *d, const char *event, const struct occurrence *o,
			   const char *detail)
{
	char due[26], zones[160], expected[32];
	civil_tz_format(o->due, due);
	zones_str(o->zones, zones, sizeof(zones));
	snprintf(expected, sizeof(expected), "%.3f", bulletin_expected(d, o));
	/* Whether rotation chose its bulletin (docs/SCHEDULE.md): a `failed`
	 * one moves the rotation on as a start does. */
	int rot = o == &d->pend ? d->pend_rotating : d->next_rotating;
	const char *kv[] = {"occ", o->id, "due", due, "bulletin", o->bulletin, "campaign", o->campaign,
			    "zones", zones, "level", level_name(o->level), "expected", expected,
			    "detail", detail, "rotation", strcmp(event, "failed") ? NULL : rot ? "yes" : "no",
			    NULL};
	if (!strcmp(event, "missed"))
		jdefer(d, event, kv);
	else
		jwrite(d, event, kv);
	note_outcome(d, !strcmp(event, "failed") ? OUT_FAILED : OUT_MISSED);
	if (!strcmp(event, "failed")) {
		log_warnx(_("broadcast %s (%s) failed: %s"), o->id, o->bulletin, detail);
		set_error(d, "%s failed: %s", o->id, detail);
	} else {
		log_info(_("broadcast %s (%s) missed: %s"), o->id, o->bulletin, detail);
	}
}

/* issue 19: what the monitor heard of the broadcast ending. A broadcast
 * that would be `aired` but was heard for less than min_heard of its
 * seconds becomes `partial` (dead air); a monitor that would not open or
 * was lost leaves the outcome alone and says so in the detail. The end
 * record's extra fields point into e (NULL: no monitor configured). */
struct mon_end {
	char heard[16], of[16], level[16], peak[16], detail[700];
	const char *h, *o, *l, *p;
};

static void monitor_end(struct daemon *d, const char **outcome, const char **detail,
			struct mon_end *e)
{
	memset(e, 0, sizeof(*e));
	if (!d->st.monitor_enabled)
		return;
	d->mon_time = clock_now();
	if (!d->mon) {
		snprintf(e->detail, sizeof(e->detail), "%s%smonitor unavailable: %s", *detail,
			 **detail ? "; " : "", d->mon_note);
		*detail = e->detail;
		d->mon_state = MBS_MON_UNAVAILABLE;
		memset(&d->mon_last, 0, sizeof(d->mon_last));
		return;
	}
	player_set_tap(d->pl, NULL, NULL);
	struct airmeter_result r;
	monitor_finish(d->mon, &r);
	const char *lost = monitor_error(d->mon);
	snprintf(e->heard, sizeof(e->heard), "%d", r.heard);
	snprintf(e->of, sizeof(e->of), "%d", r.seconds);
	snprintf(e->level, sizeof(e->level), "%.1f", r.level_dbfs);
	snprintf(e->peak, sizeof(e->peak), "%.1f", r.peak_dbfs);
	e->h = e->heard;
	e->o = e->of;
	e->l = e->level;
	e->p = e->peak;
	d->mon_last = r;
	d->mon_state = MBS_MON_HEARD;
	if (lost[0]) {
		/* Not the speakers' fault: counted as without a monitor. */
		snprintf(e->detail, sizeof(e->detail), "%s%smonitor unavailable: %s", *detail,
			 **detail ? "; " : "", lost);
		*detail = e->detail;
		d->mon_state = MBS_MON_UNAVAILABLE;
		str_copy(d->mon_note, lost, sizeof(d->mon_note));
		log_warnx("%s: %s", d->cur.id, lost);
		if (!d->mon_down) {
			const char *kv[] = {"device", d->st.monitor_device, "reason", lost, NULL};
			jwrite(d, "monitor-lost", kv);
			d->mon_down = 1;
		}
	} else if (r.seconds > 0 && (double)r.heard < d->st.monitor_min_heard * r.seconds - 1e-9) {
		d->mon_state = MBS_MON_DEAD_AIR;
		if (!strcmp(*outcome, "aired")) {
			snprintf(e->detail, sizeof(e->detail), "dead air at the speakers: heard %d of %d s%s%s",
				 r.heard, r.seconds, **detail ? "; " : "", *detail);
			*detail = e->detail;
			*outcome = "partial";
		}
		log_warnx(_("%s: dead air at the speakers: heard %d of %d s (level %.1f dBFS)"), d->cur.id,
			  r.heard, r.seconds, r.level_dbfs);
		set_error(d, "%s: dead air at the speakers: heard %d of %d s", d->cur.id, r.heard, r.seconds);
	}
	monitor_free(d->mon);
	d->mon = NULL;
	ev_touch(d->ev, d->ev_mon);
}

/* The broadcast's state moves only through its table (broadcast.c). */
static void bc_go(struct daemon *d, enum bc_event ev)
{
	int next = bc_next(d->bc, ev);
	if (next < 0) {
		log_warnx(_("broadcast state: event %d cannot happen while %s; ignored"), (int)ev, bc_state_name(d->bc));
		return;
	}
	d->bc = (enum bc_state)next;
}

static int bc_on(const struct daemon *d)
{
	return d->bc == BC_PLAYING || d->bc == BC_DRAINING;
}

static void record_end_ev(struct daemon *d, const char *outcome, const char *detail, enum bc_event ev);

/* Cut short by stop or pre-emption (ev). Every sample had already played
 * (the final amplifier read-back was pending): that is a complete play,
 * not a partial one (bc_cut_outcome). */
static void record_cut(struct daemon *d, const char *why, enum bc_event ev)
{
	const char *outcome = bc_cut_outcome(d->bc, d->fallback_active);
	if (d->bc == BC_DRAINING) {
		char detail[400];
		snprintf(detail, sizeof(detail), "played to the end; the final amplifier read-back was not awaited (%s)",
			 why);
		record_end_ev(d, outcome, detail, ev);
	} else {
		record_end_ev(d, outcome, why, ev);
	}
}

static void record_end(struct daemon *d, const char *outcome, const char *detail)
{
	record_end_ev(d, outcome, detail, BCE_END);
}

/* The journal's outcome word, for the log in the user's language. */
static const char *outcome_text(const char *o)
{
	if (!strcmp(o, "aired"))
		return _("aired");
	if (!strcmp(o, "partial"))
		return _("partial");
	if (!strcmp(o, "interrupted"))
		return _("interrupted");
	if (!strcmp(o, "failed"))
		return _("failed");
	return o;
}

static void record_end_ev(struct daemon *d, const char *outcome, const char *detail, enum bc_event ev)
{
	char played[32], expected[32];
	struct mon_end me;
	snprintf(played, sizeof(played), "%.3f", player_seconds(d->pl));
	snprintf(expected, sizeof(expected), "%.3f", d->cur_expected);
	monitor_end(d, &outcome, &detail, &me); /* issue 19 */
	const char *kv[] = {"occ", d->cur.id, "outcome", outcome, "played", played,
			    "expected", expected, "detail", detail,
			    "output", d->fallback_active ? "fallback" : "device", "heard", me.h, "heard_of", me.o,
			    "monitor_dbfs", me.l, "monitor_peak", me.p, NULL};
	jwrite(d, "end", kv);
	note_outcome(d, strcmp(outcome, "aired") ? OUT_PARTIAL : OUT_AIRED);
	log_info(_("broadcast %s (%s) %s: %s of %s s%s%s"), d->cur.id, d->cur.bulletin, outcome_text(outcome), played,
		 expected, *detail ? ": " : "", detail);
	bc_go(d, ev);
}

/* ---- broadcasts ---- */

/* audio-lost once when the device fails (will not open, gone mid-play, or
 * replaced by the fallback WAV file), audio-back once when it plays again. */
static void audio_lost(struct daemon *d, const char *reason, const char *file)
{
	if (d->audio_down)
		return;
	const char *kv[] = {"device", d->st.audio_device, "reason", reason, "file", file, NULL};
	jwrite(d, "audio-lost", kv);
	d->audio_down = 1;
}

static void note_fallback(struct daemon *d)
{
	int fb = player_using_fallback(d->pl);
	if (fb && !d->fallback_active)
		log_warnx(_("no sound card: audio device '%s' will not open; writing the audio to %s instead"),
			  d->st.audio_device, d->st.audio_fallback);
	if (fb) {
		audio_lost(d, "will not open; audio goes to the fallback WAV file", d->st.audio_fallback);
	} else if (d->audio_down) {
		log_info(_("audio device '%s' is back"), d->st.audio_device);
		const char *kv[] = {"device", d->st.audio_device, NULL};
		jwrite(d, "audio-back", kv);
		d->audio_down = 0;
	}
	d->fallback_active = fb;
}

/* issue 19: open the monitor input as the broadcast starts (closed by
 * record_end); one monitor-lost per outage, monitor-back when it opens
 * again. A monitor that will not open never stops the broadcast. */
static void monitor_begin(struct daemon *d)
{
	char err[256];
	if (!d->st.monitor_enabled)
		return;
	d->mon = monitor_open(d->st.monitor_device, d->st.monitor_silence_dbfs, err, sizeof(err));
	if (!d->mon) {
		str_copy(d->mon_note, err, sizeof(d->mon_note));
		if (!d->mon_down) {
			const char *kv[] = {"device", d->st.monitor_device, "reason", err, NULL};
			jwrite(d, "monitor-lost", kv);
			d->mon_down = 1;
		}
		log_warnx(_("%s; the broadcast is counted without proof of air"), err);
		set_error(d, "%s", err);
		return;
	}
	if (d->mon_down) {
		const char *kv[] = {"device", d->st.monitor_device, NULL};
		jwrite(d, "monitor-back", kv);
		log_info(_("monitor device '%s' is back"), d->st.monitor_device);
		d->mon_down = 0;
	}
	player_set_tap(d->pl, monitor_tap, d->mon);
	ev_touch(d->ev, d->ev_mon);
}

static void run_engine(struct daemon *d, const char *gap_reason);
static void request_verify(struct daemon *d);
static void seq_feed(struct daemon *d, const struct seq_event *ev);
static void seq_simple(struct daemon *d, enum seq_ev type);

static int64_t mono_ms(void)
{
	return clock_mono_ns() / 1000000;
}

/* The broadcast is over (recorded): the engine may start the next one
 * once the actions in hand are performed. */
static void broadcast_over(struct daemon *d)
{
	engine_done(d->eng);
	d->engine_due = 1;
}

/* The amplifier is on, warmed up, its zones confirmed: start the player.
 * The start is on disk before the first sample: player_start only opens
 * the decoder and the device; samples flow in player_service. 0, or -1
 * when the player would not start (recorded `failed`). */
static int begin_playing(struct daemon *d)
{
	const struct occurrence *o = &d->pend;
	char err[512];
	/* The descriptor start_broadcast checked: the player decodes it, so
	 * a file swapped in since (a FIFO, another recording) never plays. */
	int fd = d->pend_fd;
	d->pend_fd = -1;
	if (fd < 0) {
		str_copy(err, "internal error: the bulletin's file is not open", sizeof(err));
		record_outcome(d, "failed", o, err);
		bc_go(d, BCE_FAIL);
		return -1;
	}
	if (player_start_fd(d->pl, fd, d->pend_path, o->repeat > 0 ? o->repeat : 1,
			    d->st.audio_gain_db + o->gain_db, err, sizeof(err)) < 0) {
		if (strstr(err, "audio device"))
			audio_lost(d, err, NULL);
		record_outcome(d, "failed", o, err);
		bc_go(d, BCE_FAIL);
		return -1;
	}
	note_fallback(d);
	d->cur = *o;
	d->cur_expected = d->pend_expected;
	d->cur_started = clock_now();
	ev_touch(d->ev, d->ev_player);
	char due[26], zones[160], expected[32], repeat[16], serial[32];
	civil_tz_format(o->due, due);
	zones_str(o->zones, zones, sizeof(zones));
	snprintf(expected, sizeof(expected), "%.3f", d->cur_expected);
	snprintf(repeat, sizeof(repeat), "%d", o->repeat > 0 ? o->repeat : 1);
	snprintf(serial, sizeof(serial), "%lld", d->sched->serial);
	const char *kv[] = {"occ", o->id, "due", due, "bulletin", o->bulletin, "campaign", o->campaign,
			    "zones", zones, "level", level_name(o->level), "repeat", repeat,
			    "expected", expected, "serial", serial,
			    "output", d->fallback_active ? "fallback" : "device",
			    "rotation", d->pend_rotating ? "yes" : "no", "origin", d->pend_origin, NULL};
	if (o->level == LEVEL_EMERGENCY) {
		/* An emergency plays even when it cannot be recorded now; its
		 * start is held and written as soon as the journal takes it. */
		if (jwrite(d, "start", kv) < 0)
			log_warnx(_("emergency %s plays although its start is not on disk yet"), o->id);
	} else if (jwrite_start(d, kv) < 0) {
		player_stop(d->pl);
		snprintf(err, sizeof(err), "the journal cannot record its start (%s): a broadcast that cannot be recorded does not play",
			 d->journal_error);
		record_outcome(d, "failed", o, err);
		bc_go(d, BCE_FAIL);
		return -1;
	}
	bc_go(d, BCE_PLAY);
	log_info(_("playing %s: bulletin %s%s%s, %.1f s%s"), o->id, o->bulletin,
		 o->campaign[0] ? _(" of campaign ") : "", o->campaign, d->cur_expected,
		 d->fallback_active ? _(" (to the fallback WAV file)") : "");
	monitor_begin(d); /* issue 19: before the first sample (player_service) */
	return 0;
}

/* Perform the sequence's actions in order. An amplifier operation that
 * ends at once (the null twin, a refused connection) and a player that
 * will not start are fed back only after the list, so that every action
 * of one event is performed against the state that event left; the engine
 * runs only when the outermost list is done. */
static void perform(struct daemon *d, const struct seq_out *o)
{
	struct amp_result res;
	int have_res = 0, end_after = 0;
	d->acting++;
	for (size_t i = 0; i < o->n; i++) {
		const struct seq_action *a = &o->a[i];
		switch (a->type) {
		case SACT_POWER:
		case SACT_ZONES:
		case SACT_CHECK:
		case SACT_SAFE:
			if (d->quit) { /* shutting down: wait for it (bounded by the timeout) */
				amp_run(d->amp, amp_op_for(a), a->zones, &res);
				have_res = 1;
			} else {
				ev_touch(d->ev, d->ev_amp);
				have_res = amp_begin(d->amp, amp_op_for(a), a->zones, &res);
			}
			break;
		case SACT_PLAY:
			if (d->bc == BC_STARTING && d->pend_checking) {
				d->pend_play_wait = 1; /* on_hasher plays it */
				break;
			}
			if ((d->bc == BC_STARTING) && begin_playing(d) < 0) {
				end_after = 1;
				broadcast_over(d);
			}
			break;
		case SACT_AIRED:
			/* Audio that went to the fallback WAV file reached no
			 * loudspeaker: it never counts as aired. */
			if (bc_on(d)) {
				record_end(d, d->fallback_active ? "unheard" : "aired",
					   d->fallback_active ? "no sound card: played to the fallback WAV file, no loudspeaker heard it" : "");
				player_stop(d->pl);
				broadcast_over(d);
			}
			break;
		case SACT_STOP:
			if (bc_on(d)) {
				player_stop(d->pl);
				set_error(d, "%s: %s", d->cur.id, a->reason);
				record_end(d, "partial", a->reason);
				broadcast_over(d);
			}
			break;
		case SACT_FAIL:
			if (d->bc == BC_STARTING) {
				record_outcome(d, "failed", &d->pend, a->reason);
				bc_go(d, BCE_FAIL);
				broadcast_over(d);
			}
			break;
		case SACT_FAULT: {
			const char *kv[] = {"peer", amp_peer(d->amp), "reason", a->reason, NULL};
			jwrite(d, "amp-fault", kv);
			log_warnx("%s", a->reason);
			set_error(d, "%s", a->reason);
			d->amp_fault_since = d->amp_fault_last = clock_now();
			break;
		}
		case SACT_CLEARED: {
			const char *kv[] = {"peer", amp_peer(d->amp), NULL};
			jwrite(d, "amp-ok", kv);
			log_info(_("amplifier %s answers and reads back right again"), amp_peer(d->amp));
			d->amp_fault_since = 0;
			break;
		}
		case SACT_TIMER: {
			int64_t in = a->at - mono_ms();
			clock_mono_timer_in(d->tfd_amp, in < 1 ? 1 : in);
			break;
		}
		case SACT_DISARM:
			clock_mono_timer_in(d->tfd_amp, 0);
			break;
		}
	}
	if (end_after)
		seq_simple(d, SEV_END);
	if (have_res) {
		struct seq_event e = {.type = res.ok ? SEV_OP_OK : SEV_OP_ERROR, .rd = res.rd,
				      .error = res.error, .retry_ms = res.retry_ms};
		seq_feed(d, &e);
	}
	if (--d->acting == 0 && d->engine_due && !d->in_engine && !d->quit) {
		d->engine_due = 0;
		run_engine(d, NULL);
	}
}

static void seq_feed(struct daemon *d, const struct seq_event *ev)
{
	struct seq_out out;
	seq_event(d->seq, ev, mono_ms(), &out);
	perform(d, &out);
}

static void seq_simple(struct daemon *d, enum seq_ev type)
{
	struct seq_event e = {.type = type};
	seq_feed(d, &e);
}

/* Hand the starting broadcast's file to the hasher, unless it is busy
 * (with a file of a broadcast that is gone: then when that ends). */
static void hash_submit(struct daemon *d)
{
	if (!d->pend_checking || d->pend_ticket || !d->hasher || syncer_busy(d->hasher) || d->pend_hfd < 0)
		return;
	d->pend_ticket = ++d->hash_ticket;
	if (syncer_submit_hash(d->hasher, d->pend_hfd, d->pend_ticket) < 0)
		d->pend_ticket = 0;
	else
		d->pend_hfd = -1; /* the hasher's now */
}

static int begin_playing(struct daemon *d);

/* The hasher is done with the starting broadcast's file: it plays (now,
 * or when the amplifier is ready) if it hashed right, else it failed. */
static void on_hasher(struct daemon *d)
{
	uint64_t ticket;
	int e;
	struct syncer_hash h;
	if (!syncer_result_hash(d->hasher, &ticket, &e, &h))
		return;
	if (d->bc != BC_STARTING || !d->pend_checking || ticket != d->pend_ticket) {
		hash_submit(d); /* for a broadcast that is gone */
		return;
	}
	d->pend_checking = 0;
	char err[PATHBUF + ID_MAX + 128];
	if (e) {
		snprintf(err, sizeof(err), "file missing: %s (%s)", d->pend_path,
			 e == EINVAL ? "not a plain file" : strerror(e));
	} else if (strcmp(h.sha256, d->pend_sha)) {
		snprintf(err, sizeof(err), "checksum: %s does not match its catalog entry (changed or damaged)",
			 d->pend_path);
	} else if (!filecheck_same_file(d->pend_fd, &h.before, &h.after)) {
		/* The hasher read the path again: what plays is the descriptor
		 * opened first, so it must be the very file that hashed right. */
		snprintf(err, sizeof(err), "checksum: %s changed while it was being checked", d->pend_path);
	} else {
		filecheck_learn_read(d->pend_path, h.sha256, &h.before, &h.after);
		log_debug("%s: hashed right off the loop", d->pend_path);
		if (d->pend_play_wait) {
			d->pend_play_wait = 0;
			if (begin_playing(d) < 0) {
				broadcast_over(d);
				seq_simple(d, SEV_END);
			}
		}
		return;
	}
	log_warnx("%s: %s", d->pend.id, err);
	record_outcome(d, "failed", &d->pend, err);
	bc_go(d, BCE_FAIL);
	broadcast_over(d);
	seq_simple(d, SEV_END);
}

/* Check the bulletin, then ask the amplifier sequence for the amplifier;
 * the player starts on its SACT_PLAY. Returns 1 if the broadcast is
 * starting or playing, 0 if it failed (recorded). */
static int start_broadcast(struct daemon *d, const struct occurrence *o)
{
	char path[PATHBUF + ID_MAX], err[512];
	const struct bulletin *b = catalog_find(&d->cat, o->bulletin);
	if (!b) {
		snprintf(err, sizeof(err), "bulletin %s is not in the library", o->bulletin);
		record_outcome(d, "failed", o, err);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", d->st.library, b->file);
	/* issue 12: opened once, never waiting (a FIFO is refused, not read),
	 * no symbolic link; this descriptor is checked and is what plays. */
	int fd = open_regular(path, 1, NULL);
	if (fd < 0) {
		int e = errno;
		snprintf(err, sizeof(err), "file missing: %s (%s)", path,
			 e == EINVAL ? "not a plain file" : e == ELOOP ? "a symbolic link" : strerror(e));
		record_outcome(d, "failed", o, err);
		return 0;
	}
	/* The helper hashes the library off the loop after each load
	 * (filecheck_learn); here the file is one fstat unless it changed.
	 * One that did (or that the helper has not read yet) is hashed by
	 * the hasher thread while the amplifier is switched on, and plays
	 * only once it hashed right (on_hasher). */
	int trusted = filecheck_trusted_fd(fd, path, b->sha256, err, sizeof(err));
	if (trusted < 0) {
		close(fd);
		record_outcome(d, "failed", o, err);
		return 0;
	}
	if (!trusted && !d->hasher) {
		if (filecheck_verify_fd(fd, path, b->sha256, NULL, err, sizeof(err)) < 0) {
			close(fd);
			record_outcome(d, "failed", o, err);
			return 0;
		}
		log_debug("%s: hashed in the loop (no hasher thread)", path);
		trusted = 1;
	}
	log_debug("%s: %s", path, trusted ? "unchanged since it last hashed right"
					   : "changed, or not yet read by the helper: hashed off the loop before it plays");
	/* issue 12: a pushed bulletin plays only as signed, whatever the catalog says. */
	const char *pin = schedule_pinned_sha(d->sched, b->id);
	if (pin && strcmp(b->sha256, pin)) {
		snprintf(err, sizeof(err), "checksum: %s is not the recording the signed schedule names for %s (SHA-256 %.16s..., signed %.16s...)",
			 path, b->id, b->sha256, pin);
		close(fd);
		record_outcome(d, "failed", o, err);
		return 0;
	}
	/* The hasher reads a dup of the very descriptor that will play. */
	int hfd = -1;
	if (!trusted) {
		hfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (hfd < 0) { /* no descriptor to spare: checked here, once */
			if (filecheck_verify_fd(fd, path, b->sha256, NULL, err, sizeof(err)) < 0) {
				close(fd);
				record_outcome(d, "failed", o, err);
				return 0;
			}
			trusted = 1;
		}
	}
	if (d->pend_fd >= 0)
		close(d->pend_fd); /* a start that never reached the player */
	if (d->pend_hfd >= 0)
		close(d->pend_hfd);
	d->pend_fd = fd;
	d->pend_hfd = hfd;
	d->pend = *o;
	d->pend_rotating = d->next_rotating;
	if (b->signer[0])
		snprintf(d->pend_origin, sizeof(d->pend_origin), "signed:%s", b->signer);
	else
		str_copy(d->pend_origin, "local", sizeof(d->pend_origin));
	str_copy(d->pend_path, path, sizeof(d->pend_path));
	d->pend_expected = b->duration * (o->repeat > 0 ? o->repeat : 1);
	d->pend_checking = !trusted;
	d->pend_play_wait = 0;
	d->pend_ticket = 0;
	str_copy(d->pend_sha, b->sha256, sizeof(d->pend_sha));
	hash_submit(d);
	bc_go(d, BCE_BEGIN);
	/* The amplifier is retried for this occurrence while it is within the
	 * catch-up window (an on-demand play is due when asked for). */
	int64_t left_s = o->due + (int64_t)d->st.catchup_minutes * 60 - clock_now();
	struct seq_event e = {.type = SEV_BEGIN, .zones = o->zones, .giveup_ms = mono_ms() + left_s * 1000};
	seq_feed(d, &e);
	return (d->bc == BC_STARTING) || bc_on(d);
}

static void update_notify_status(struct daemon *d);

/* Before the clock is synchronised nothing is due: the realtime timer only
 * watches for the clock being set (cancel-on-set), armed a year ahead of
 * whatever the clock says now, never at a fixed date that the clock might
 * already have passed (the 2038 spin). */
static void arm_clock_watch(struct daemon *d)
{
	if (clock_timer_at(d->tfd_due, clock_now() + 366 * 86400) < 0)
		log_warn(_("cannot arm the clock watch"));
}

/* After the catalog is (re)loaded: the helper hashes its files. */
static void request_verify(struct daemon *d)
{
	if (!d->helper || !d->cat.n)
		return;
	const char *paths[HELPER_VERIFY_MAX];
	char (*buf)[PATHBUF + ID_MAX] = xcalloc(HELPER_VERIFY_MAX, sizeof(*buf));
	for (size_t i = 0; i < d->cat.n; i += HELPER_VERIFY_MAX) {
		size_t k = 0;
		for (; k < HELPER_VERIFY_MAX && i + k < d->cat.n; k++) {
			snprintf(buf[k], sizeof(buf[k]), "%s/%s", d->st.library, d->cat.items[i + k].file);
			paths[k] = buf[k];
		}
		if (helper_verify(d->helper, paths, k) < 0)
			log_warn(_("cannot hand the library check to the helper"));
	}
	free(buf);
}

static void verified(const struct helper_reply *r)
{
	char v[64], k[32], path[PATHBUF + ID_MAX], sha[65];
	kv_get(r->raw, "n", v, sizeof(v));
	size_t n = strtoul(v, NULL, 10), learned = 0;
	for (size_t i = 0; i < n && i < HELPER_VERIFY_MAX; i++) {
		struct stat at;
		memset(&at, 0, sizeof(at));
		snprintf(k, sizeof(k), "path.%zu", i);
		kv_get(r->raw, k, path, sizeof(path));
		snprintf(k, sizeof(k), "sha.%zu", i);
		kv_get(r->raw, k, sha, sizeof(sha));
		if (strlen(sha) != 64)
			continue; /* unreadable, or changed while read: checked at play time */
		snprintf(k, sizeof(k), "size.%zu", i);
		kv_get(r->raw, k, v, sizeof(v));
		at.st_size = (off_t)atoll(v);
		snprintf(k, sizeof(k), "mtime.%zu", i);
		kv_get(r->raw, k, v, sizeof(v));
		long long ns = atoll(v);
		at.st_mtim.tv_sec = ns / 1000000000LL, at.st_mtim.tv_nsec = ns % 1000000000LL;
		snprintf(k, sizeof(k), "ctime.%zu", i);
		kv_get(r->raw, k, v, sizeof(v));
		ns = atoll(v);
		at.st_ctim.tv_sec = ns / 1000000000LL, at.st_ctim.tv_nsec = ns % 1000000000LL;
		snprintf(k, sizeof(k), "ino.%zu", i);
		kv_get(r->raw, k, v, sizeof(v));
		at.st_ino = (ino_t)strtoull(v, NULL, 10);
		snprintf(k, sizeof(k), "dev.%zu", i);
		kv_get(r->raw, k, v, sizeof(v));
		at.st_dev = (dev_t)strtoull(v, NULL, 10);
		filecheck_learn(path, sha, &at);
		learned++;
	}
	log_debug("helper: %zu of %zu library files hashed off the loop", learned, n);
}

static void arm_due_timer(struct daemon *d)
{
	int64_t t = engine_next_wake(d->eng);
	d->armed_due = t;
	if (clock_timer_at(d->tfd_due, t) < 0)
		log_warn(_("cannot arm the due timer"));
	d->armed_real = clock_now_ns();
	d->armed_mono = clock_mono_ns();
	char ts[26];
	civil_tz_format(t, ts);
	log_debug("sleeping until %s", ts);

	update_notify_status(d);
}

/* systemctl status shows this line ("Status:"). */
static void update_notify_status(struct daemon *d)
{
	if (!d->synced)
		return;
	struct occurrence next;
	char nts[26] = "", jf[320] = "";
	size_t k = engine_upcoming(d->eng, clock_now(), &next, 1);
	if (k)
		civil_tz_format(next.due, nts);
	if (d->journal_failing)
		snprintf(jf, sizeof(jf), "JOURNAL FAILING (%s): only emergencies play; ", d->journal_error);
	if (bc_on(d) && k)
		notify_status("%splaying %s (bulletin %s); next %s at %s", jf, d->cur.id, d->cur.bulletin,
			      next.bulletin, nts);
	else if (bc_on(d))
		notify_status("%splaying %s (bulletin %s)", jf, d->cur.id, d->cur.bulletin);
	else if (k)
		notify_status("%sidle, schedule serial %lld; next %s (bulletin %s) at %s", jf, d->sched->serial,
			      next.id, next.bulletin, nts);
	else
		notify_status("%sidle, schedule serial %lld; nothing due in the next %d days", jf,
			      d->sched->serial, ENGINE_HORIZON / 86400);
}

static void journal_state_changed(struct daemon *d)
{
	if (!d->in_notify) {
		d->in_notify = 1;
		update_notify_status(d);
		d->in_notify = 0;
	}
}

/* Healthy: the loop turns (this runs from it) and a broadcast that plays
 * makes progress; an audio device that stopped taking samples for two
 * ticks in a row stops the pings, and systemd restarts the daemon. */
static void on_watchdog(struct daemon *d)
{
	uint64_t x;
	(void)!read(d->tfd_wd, &x, sizeof(x));
	clock_mono_timer_in(d->tfd_wd, d->wd_ms);
	if (bc_on(d)) {
		double s = player_seconds(d->pl);
		d->wd_stalled = s == d->wd_played ? d->wd_stalled + 1 : 0;
		d->wd_played = s;
	} else {
		d->wd_stalled = 0;
	}
	if (d->wd_stalled < 2)
		notify_watchdog();
	else
		log_warnx(_("audio device stalled: %s has played nothing for %lld ms"), d->cur.id,
			  (long long)(d->wd_stalled * d->wd_ms));
}

/* Let the engine decide, perform what it says, until it is quiet. */
/* Actions taken per engine_tick: it keeps the rest for the next tick. A
 * few at a time, so that this frame is 5 KiB, not the 39 KiB of
 * ENGINE_ACTIONS_MAX, under a broadcast's start (issue 18: the stack's
 * depth is resident for good). */
#define RUN_BATCH 8

static void run_engine(struct daemon *d, const char *gap_reason)
{
	struct engine_action acts[RUN_BATCH];
	d->in_engine++;
	for (int rounds = 0; rounds < 1000000; rounds++) {
		size_t n = engine_tick(d->eng, clock_now(), gap_reason, acts, RUN_BATCH);
		if (!n)
			break;
		for (size_t i = 0; i < n; i++) {
			struct engine_action *a = &acts[i];
			switch (a->type) {
			case ACT_MISSED:
				record_outcome(d, "missed", &a->occ, a->detail);
				break;
			case ACT_PREEMPT:
				if (bc_on(d)) {
					player_stop(d->pl);
					record_cut(d, a->detail, BCE_PREEMPT);
					seq_simple(d, SEV_END);
				} else if ((d->bc == BC_STARTING)) {
					char why[300];
					snprintf(why, sizeof(why), "%s before it started (the amplifier was being switched on)",
						 a->detail);
					record_outcome(d, "failed", &d->pend, why);
					bc_go(d, BCE_PREEMPT);
					seq_simple(d, SEV_END);
				}
				break;
			case ACT_START:
				d->next_rotating = a->rotating;
				if (!start_broadcast(d, &a->occ))
					engine_done(d->eng);
				break;
			}
		}
	}
	d->in_engine--;
	jflush(d);
	d->engine_due = 0; /* the loop above has seen every end */
	arm_due_timer(d);
}

/* The player stopped by itself. Played to the end, it is `aired` only
 * when the amplifier's read-back after the last sample confirms it was on
 * (SACT_AIRED; SACT_STOP makes it partial). */
static void finish_broadcast(struct daemon *d, enum player_state ps)
{
	if (ps == PLAYER_DONE) {
		bc_go(d, BCE_PLAYED);
		seq_simple(d, SEV_PLAYED);
		return;
	}
	const char *why = player_error(d->pl);
	if (!strncmp(why, "audio device lost", 17))
		audio_lost(d, why, NULL);
	set_error(d, "%s: %s", d->cur.id, why);
	record_end(d, "partial", why);
	player_stop(d->pl);
	engine_done(d->eng);
	seq_simple(d, SEV_END);
	run_engine(d, NULL);
}

/* ---- schedule loading ---- */

static const struct schedule empty_schedule;

/* Parse and validate st.schedule into *out. 0, or -1 with a summary in why
 * (English, for the journal) and why_user (the station's language). */
static int load_schedule(struct daemon *d, struct schedule *out, char *why, char *why_user, size_t n)
{
	struct errlist errs = {0};
	int r = config_load_schedule(d->st.schedule, out, &errs);
	if (r == 0 && validate_schedule(out, &d->st, &d->cat, &errs))
		r = -1;
	if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_warnx("%s", errs.msg[i]);
		snprintf(why, n, "%s%s", errs.n ? errs.en[0] : "invalid schedule",
			 errs.n > 1 ? " (and more: see loaxactl schedule check)" : "");
		snprintf(why_user, n, "%s%s", errs.n ? errs.msg[0] : _("invalid schedule"),
			 errs.n > 1 ? _(" (and more: see loaxactl schedule check)") : "");
		schedule_free(out);
	} else if (bundle_serial_raise(&d->st, out->serial) < 0) {
		/* issue 12: the highest serial ever in force, kept on its own. */
		log_warn(_("cannot record serial %lld in %s/%s"), out->serial, d->st.state, BUNDLE_SERIAL_FILE);
	}
	errlist_free(&errs);
	return r;
}

/* Keep the exact schedule (and its signature) beside the journal, so that
 * reports on a copied journal folder know what was in force. */
/* Not inlined: its buffers are on the stack only while it runs (issue 18). */
static __attribute__((noinline)) void archive_schedule(struct daemon *d, const struct schedule *s)
{
	char dst[PATHBUF + 64], sum[65], src_sig[PATHBUF + 16], dst_sig[PATHBUF + 80];
	size_t len;
	report_archive_path(d->st.journal, s->serial, dst, sizeof(dst));
	/* A durable copy: the helper makes it, the loop does not wait. */
	if (d->helper && helper_archive(d->helper, s->file, s->sha256, dst) == 0)
		return;
	if (sha256_file(dst, sum) == 0 && !strcmp(sum, s->sha256))
		return; /* already there */
	char *buf;
	if (read_file_all(s->file, 1 << 20, 0, &buf, &len) < 0) {
		log_warn(_("cannot archive schedule %s"), s->file);
		return;
	}
	unsigned char h[32];
	sha256(buf, len, h);
	hex_encode(h, sizeof(h), sum);
	char dir[PATHBUF + 64];
	path_dirname(dst, dir, sizeof(dir));
	if (strcmp(sum, s->sha256))
		log_warnx(_("schedule %s changed since it was loaded: not archived"), s->file);
	else if (mkdir_p(dir, 0750) < 0 || write_file_atomic(dst, buf, len) < 0)
		log_warn(_("cannot archive schedule serial %lld in %s"), s->serial, dst);
	free(buf);
	snprintf(src_sig, sizeof(src_sig), "%s.minisig", s->file);
	snprintf(dst_sig, sizeof(dst_sig), "%s.minisig", dst);
	if (read_file_all(src_sig, 1 << 16, 0, &buf, &len) == 0) {
		if (write_file_atomic(dst_sig, buf, len) < 0)
			log_warn(_("cannot archive %s"), src_sig);
		free(buf);
	}
}

/* At most n-1 bytes of s, cut on a UTF-8 character boundary. */
static void utf8_cut(char *out, const char *s, size_t n)
{
	size_t l = str_copy(out, s, n);
	if (l < n)
		return;
	l = n - 1;
	while (l && ((unsigned char)out[l] & 0xc0) == 0x80)
		l--;
	out[l] = '\0';
}

/* Who signed it comes from the .minisig installed beside the schedule
 * (bundle_install puts it there; --unsigned removes it), checked again
 * here with the station's keys: a local edit shows as unsigned. bundle:
 * the spool bundle it came from, or NULL. */
static void journal_installed(struct daemon *d, const struct schedule *s, const char *bundle)
{
	archive_schedule(d, s);
	/* Only the comment's first 399 bytes are recorded (cm): no 8 KiB
	 * buffer for the rest, deep in the stack at start-up (issue 18). */
	char serial[32], signer[64], note[600], cm[400], comment[sizeof(cm) + 8];
	snprintf(serial, sizeof(serial), "%lld", s->serial);
	int ok = bundle_signer(&d->st, s->file, s->sha256, signer, sizeof(signer), comment,
			       sizeof(comment), note, sizeof(note));
	utf8_cut(cm, ok ? comment : note, sizeof(cm));
	const char *kv[] = {"serial", serial, "sha256", s->sha256, "file", s->file, "signer", signer,
			    ok ? "comment" : "signature", cm, "bundle", bundle, NULL};
	jwrite(d, "schedule-installed", kv);
	d->installed_at = clock_now();
	str_copy(d->installed_signer, signer, sizeof(d->installed_signer));
	if (s->serial > d->journal_serial)
		d->journal_serial = s->serial;
	char nc[64], ns[64];
	snprintf(nc, sizeof(nc), ngettext("%zu campaign", "%zu campaigns", s->ncampaigns), s->ncampaigns);
	snprintf(ns, sizeof(ns), ngettext("%zu slot", "%zu slots", s->nslots), s->nslots);
	log_info(_("schedule serial %lld installed (%s, %s), %s%s%s"), s->serial,
		 nc, ns, ok ? _("signed by key ") : _("unsigned: "), ok ? signer : note,
		 bundle ? _(", from the spool") : "");
}

/* file: what was refused (the station's schedule, or a spool bundle). */
/* why: in English for the journal; why_user: the same for the log. */
static void journal_rejected_file(struct daemon *d, long long serial, const char *file,
				  const char *why, const char *why_user, const char *bundle)
{
	char sr[32], reason[1200];
	snprintf(sr, sizeof(sr), "%lld", serial);
	utf8_cut(reason, why, sizeof(reason));
	const char *kv[] = {"serial", serial ? sr : "", "file", file, "reason", reason, "bundle", bundle,
			    NULL};
	jwrite(d, "schedule-rejected", kv);
	set_error(d, "schedule rejected: %s", why);
	log_warnx(_("schedule %s rejected, keeping serial %lld: %s"), file, d->sched->serial, why_user);
}

static void journal_rejected(struct daemon *d, long long serial, const char *why, const char *why_user)
{
	journal_rejected_file(d, serial, d->st.schedule, why, why_user, NULL);
}

/* Reload the catalog and the schedule; the old ones stay on any error.
 * bundle: the spool bundle just installed, or NULL. */
static int do_reload_from(struct daemon *d, struct kvbuf *r, const char *bundle, const char *lang)
{
	char msg[1024];
	struct errlist errs = {0};
	struct catalog cat;
	char libcat[PATHBUF + 16];
	snprintf(libcat, sizeof(libcat), "%s/catalog.conf", d->st.library);
	if (catalog_load(libcat, &cat, &errs) == 0) {
		catalog_free(&d->cat);
		d->cat = cat;
		request_verify(d);
	} else {
		for (size_t i = 0; i < errs.n; i++)
			log_warnx("%s", errs.msg[i]);
		catalog_free(&cat);
	}
	errlist_free(&errs);

	struct schedule *s = xcalloc(1, sizeof(*s));
	char why[900], whyu[900];
	if (load_schedule(d, s, why, whyu, sizeof(why)) < 0) {
		journal_rejected(d, 0, why, whyu);
		kv_begin(r, 0);
		kv_putf(r, "error", "schedule rejected, serial %lld keeps running: %s", d->sched->serial, why);
		/* the reason as the station's language gives it (the .why file's) */
		if (control_message(lang, msg, sizeof(msg), "schedule rejected, serial %lld keeps running: %s",
				    d->sched->serial, whyu))
			kv_put(r, "message", msg);
		kv_putf(r, "schedule.serial", "%lld", d->sched->serial);
		free(s);
		return -1;
	}
	if (s->serial <= d->sched->serial) {
		int same = !strcmp(s->sha256, d->sched->sha256);
		if (!same) {
			snprintf(why, sizeof(why), "serial %lld is not greater than the running serial %lld",
				 s->serial, d->sched->serial);
			snprintf(whyu, sizeof(whyu), _("serial %lld is not greater than the running serial %lld"),
				 s->serial, d->sched->serial);
			journal_rejected(d, s->serial, why, whyu);
			kv_begin(r, 0);
			kv_putf(r, "error", "schedule rejected: %s", why);
			if (control_message(lang, msg, sizeof(msg), "schedule rejected: %s", whyu))
				kv_put(r, "message", msg);
			kv_putf(r, "schedule.serial", "%lld", d->sched->serial);
		} else {
			kv_begin(r, 1);
			kv_put(r, "schedule.changed", "no");
			kv_putf(r, "schedule.serial", "%lld", s->serial);
			kv_putf(r, "library.count", "%zu", d->cat.n);
		}
		schedule_free(s);
		free(s);
		return same ? 0 : -1;
	}
	engine_set_schedule(d->eng, s);
	if (d->sched != &empty_schedule) {
		schedule_free(d->sched);
		free(d->sched);
	}
	d->sched = s;
	journal_installed(d, s, bundle);
	kv_begin(r, 1);
	kv_put(r, "schedule.changed", "yes");
	kv_putf(r, "schedule.serial", "%lld", s->serial);
	kv_putf(r, "library.count", "%zu", d->cat.n);
	if (d->synced)
		run_engine(d, NULL);
	return 0;
}

/* The station file's trust section again (issue 14): added keys and
 * revocations count without a restart. The rest of the station file
 * still needs one. The helper checks bundles with its own copy of the
 * keys: it is replaced as soon as it is idle (process_spool). */
static void reload_trust(struct daemon *d)
{
	struct station *n = xcalloc(1, sizeof(*n));
	struct errlist errs = {0};
	if (config_load_station(d->st.file, n, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_warnx("%s", errs.msg[i]);
		log_warnx(_("%s has problems: the trusted keys stay as they were"), d->st.file);
	} else if (n->ntrust_keys != d->st.ntrust_keys || n->ntrust_revoked != d->st.ntrust_revoked ||
		   memcmp(n->trust_keys, d->st.trust_keys, sizeof(n->trust_keys)) ||
		   memcmp(n->trust_revoked, d->st.trust_revoked, sizeof(n->trust_revoked))) {
		memcpy(d->st.trust_keys, n->trust_keys, sizeof(n->trust_keys));
		d->st.ntrust_keys = n->ntrust_keys;
		memcpy(d->st.trust_revoked, n->trust_revoked, sizeof(n->trust_revoked));
		d->st.ntrust_revoked = n->ntrust_revoked;
		d->trust_changed = 1;
		log_info(_("trusted keys read again from %s: %zu trusted, %zu revoked"), d->st.file,
			 d->st.ntrust_keys, d->st.ntrust_revoked);
	}
	errlist_free(&errs);
	station_free(n);
	free(n);
}

static void process_spool(struct daemon *d);

static int do_reload(struct daemon *d, struct kvbuf *r, const char *lang)
{
	reload_trust(d);
	int rc = do_reload_from(d, r, NULL, lang);
	d->spool_hold_ms = 0; /* a bundle held back (library locked, libsodium repaired) goes now */
	process_spool(d);
	return rc;
}

/* ---- pushed bundles (the spool; docs/PUSH.md) ---- */

/* Hand the next ready bundle to the helper: verifying, staging, copying
 * and decoding happen there, one bundle at a time, while the loop goes on
 * (a broadcast may play meanwhile). */
static void process_spool(struct daemon *d)
{
	char name[SPOOL_NAME_MAX + 1];
	int64_t age;
	if (d->trust_changed && !d->helper)
		d->trust_changed = 0; /* the next one starts with the new keys */
	if (d->trust_changed && d->helper && !helper_pending(d->helper) && !d->resolving) {
		char err[256];
		helper_stop(d->helper);
		d->helper = helper_start(&d->st, err, sizeof(err));
		if (!d->helper) {
			log_warnx("%s", err);
			d->helper_restart_ms = mono_ms() + 1000;
		}
		ev_fd_set(d->ev, d->ev_helper, helper_fd(d->helper));
		d->trust_changed = 0;
	}
	if (!d->synced || !d->spool)
		return;
	if (!d->helper && mono_ms() >= d->helper_restart_ms) {
		char err[256];
		d->helper = helper_start(&d->st, err, sizeof(err));
		if (!d->helper) {
			log_warnx("%s", err);
			d->helper_restart_ms = mono_ms() + 60000;
		}
		ev_fd_set(d->ev, d->ev_helper, helper_fd(d->helper));
	}
	if (!d->helper || helper_pending(d->helper) || mono_ms() < d->spool_hold_ms)
		return;
	int final;
	if (d->spool_retry[0]) { /* the one that found the library locked */
		str_copy(name, d->spool_retry, sizeof(name));
		final = d->spool_retry_final;
		d->spool_retry[0] = '\0';
	} else if (spool_next(d->spool, name, sizeof(name), &age)) {
		final = age >= (int64_t)d->st.bundle_wait_s * 1000;
	} else {
		return;
	}
	long long running = d->sched->serial > d->journal_serial ? d->sched->serial : d->journal_serial;
	if (helper_bundle(d->helper, name, running, d->sched->sha256, final, clock_now()) < 0) {
		log_warn(_("bundle %s: cannot hand it to the helper"), name);
		return;
	}
	log_debug("bundle %s: handed to the helper", name);
}

/* A TCP amplifier given by host name: the helper looks it up, never the
 * loop; until then its operations fail at once and are retried. */
static void request_resolve(struct daemon *d)
{
	char host[256];
	if (d->resolving || !d->helper || !amp_needs_address(d->amp, host, sizeof(host)) ||
	    mono_ms() < d->resolve_again_ms)
		return;
	if (helper_resolve(d->helper, host) == 0)
		d->resolving = 1;
}

static void resolved(struct daemon *d, const struct helper_reply *r)
{
	char err[256];
	d->resolving = 0;
	if (!r->addr[0]) {
		log_warnx(_("amplifier host %s: %s; looking it up again in 30 s"), r->host, r->error);
		set_error(d, "amplifier host %s: %s", r->host, r->error);
		d->resolve_again_ms = mono_ms() + 30000;
	} else if (amp_set_address(d->amp, r->addr, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		d->resolve_again_ms = mono_ms() + 30000;
	} else {
		log_info(_("amplifier host %s is %s"), r->host, r->addr);
	}
}

static void fetch_publish(struct daemon *d, long long serial, const char *state, const char *detail);

/* issue 14: the spool's verdict on a bundle loaxa-fetch dropped there. */
static void fetch_verdict(struct daemon *d, const struct helper_reply *r)
{
	if (!d->fetch_drop[0] || strcmp(d->fetch_drop, r->name) || r->status == BUNDLE_WAIT)
		return;
	long long serial = r->res.serial ? r->res.serial : d->fetch_drop_serial;
	if (r->status == BUNDLE_OK)
		fetch_publish(d, serial, "installed", NULL);
	else if (r->status == BUNDLE_SAME)
		fetch_publish(d, serial, "current", NULL);
	else
		fetch_publish(d, serial, "refused", r->errs.n ? r->errs.en[0] : "refused"); /* MQTT: English */
	d->fetch_drop[0] = 0;
	d->fetch_busy = 0;
}

/* The helper's answer about a bundle: journal it, switch schedules. */
static void bundle_done(struct daemon *d, struct helper_reply *r)
{
	fetch_verdict(d, r);
	const char *name = r->name;
	char conf[PATHBUF + 256], msg[1024];
	struct kvbuf kb;
	kv_init(&kb, msg, sizeof(msg));
	snprintf(conf, sizeof(conf), "%s/%s.conf", d->st.spool, name);
	for (size_t i = 0; i < r->warns.n; i++)
		log_warnx(_("bundle %s: %s"), name, r->warns.msg[i]);
	switch (r->status) {
	case BUNDLE_SAME:
		log_info(_("bundle %s is the schedule in force already; removed from the spool"), name);
		spool_done(d->spool, name);
		break;
	case BUNDLE_WAIT:
		if (r->hold_ms > 0) {
			/* Never wait on the lock (or a repair): try again in a while. */
			int ms = r->hold_ms;
			log_info(_("bundle %s: %s; trying again in %d s"), name, r->errs.n ? r->errs.msg[0] : _("library locked"),
				 ms / 1000);
			d->spool_hold_ms = mono_ms() + ms;
			clock_mono_timer_in(d->tfd_spool, ms);
			str_copy(d->spool_retry, name, sizeof(d->spool_retry));
			d->spool_retry_final = 0;
			break;
		}
		log_info(_("bundle %s: waiting (up to %d s in all) for: %s"), name, d->st.bundle_wait_s,
			 r->errs.n ? r->errs.msg[0] : "?");
		spool_defer(d->spool, name);
		break;
	case BUNDLE_REJECTED:
		for (size_t i = 1; i < r->errs.n; i++)
			log_warnx(_("bundle %s: also: %s"), name, r->errs.msg[i]);
		journal_rejected_file(d, r->res.serial, conf, r->errs.n ? r->errs.en[0] : "refused",
				      r->errs.n ? r->errs.msg[0] : _("refused"), name);
		if (r->tidy_error[0])
			log_warnx(_("bundle %s: %s"), name, r->tidy_error);
		spool_done(d->spool, name);
		break;
	case BUNDLE_OK:
		log_info(ngettext("bundle %s: serial %lld verified (key %s) and installed; %zu new bulletin (%lld ms in the helper)",
				  "bundle %s: serial %lld verified (key %s) and installed; %zu new bulletins (%lld ms in the helper)",
				  r->res.ncopied),
			 name, r->res.serial, r->res.signer, r->res.ncopied, (long long)r->ms);
		spool_done(d->spool, name);
		do_reload_from(d, &kb, name, "");
		break;
	}
}

static void on_helper(struct daemon *d)
{
	struct helper_reply r;
	char err[256];
	int k;
	while ((k = helper_read(d->helper, &r, err, sizeof(err))) > 0) {
		if (r.job == HELPER_BUNDLE)
			bundle_done(d, &r);
		else if (r.job == HELPER_RESOLVE)
			resolved(d, &r);
		else if (r.job == HELPER_ARCHIVE && r.error[0])
			log_warnx("%s", r.error);
		else if (r.job == HELPER_VERIFY)
			verified(&r);
		helper_reply_free(&r);
	}
	if (k < 0) {
		log_warnx(_("%s: starting another"), err);
		set_error(d, "%s", err);
		helper_stop(d->helper);
		d->helper = NULL;
		d->resolving = 0;
		ev_fd_set(d->ev, d->ev_helper, -1);
		d->helper_restart_ms = mono_ms() + 1000;
	}
	process_spool(d);
}

/* ---- start-up once the clock can be trusted ---- */

static int scan_cb(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	replay_feed(ctx, r);
	return 0;
}

static void replay_held(void *ctx, const struct record *r)
{
	replay_feed(ctx, r);
}

/* The held records a crashed run left (journal_hold_file): their starts
 * with no end (as lines), and the occurrences they end. */
struct held_starts {
	char **open, **closed;
	size_t nopen, nclosed, capo, capc;
};

static void strv_add(char ***v, size_t *n, size_t *cap, char *s)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = s;
}

static int held_closed(const struct held_starts *h, const char *occ)
{
	for (size_t i = 0; i < h->nclosed; i++)
		if (!strcmp(h->closed[i], occ))
			return 1;
	return 0;
}

static void held_starts_cb(void *ctx, const struct record *r)
{
	struct held_starts *h = ctx;
	const char *occ = record_get(r, "occ");
	if (!occ)
		return;
	int start = !strcmp(r->event, "start");
	if (!start && strcmp(r->event, "end") && strcmp(r->event, "interrupted"))
		return;
	for (size_t i = 0; i < h->nopen; i++) { /* a start ended, or started again */
		struct record *o = xcalloc(1, sizeof(*o));
		int same = record_parse(h->open[i], strlen(h->open[i]), o, NULL, 0) == 0 &&
			   !strcmp(record_get(o, "occ") ? record_get(o, "occ") : "", occ);
		free(o);
		if (same) {
			free(h->open[i]);
			h->open[i] = h->open[--h->nopen];
			break;
		}
	}
	if (!start) {
		strv_add(&h->closed, &h->nclosed, &h->capc, xstrdup(occ));
		return;
	}
	static const uint8_t zero[RECORD_HASH_LEN];
	char line[RECORD_LINE_MAX + 1];
	size_t len = record_format_parsed(line, sizeof(line), r, zero);
	if (len)
		strv_add(&h->open, &h->nopen, &h->capo, xstrdup(line));
}

/* A start found with no end at start-up: the broadcast was cut. */
static void record_interrupted(struct daemon *d, const struct record *s)
{
	const char *occ = record_get(s, "occ");
	char started[26];
	civil_format_iso_offset(s->time, s->offset, started);
	const char *kv[] = {"occ", occ ? occ : "", "due", record_get(s, "due"),
			    "started", started, "bulletin", record_get(s, "bulletin"),
			    "campaign", record_get(s, "campaign"), "zones", record_get(s, "zones"),
			    "expected", record_get(s, "expected"),
			    "detail", "no end record: the station stopped (crash or power cut) during the broadcast",
			    NULL};
	jwrite(d, "interrupted", kv);
	log_warnx(_("broadcast %s was interrupted by a crash or power cut"), occ ? occ : "?");
}

static void scan_problem(void *ctx, const struct journal_pos *pos, const char *what)
{
	log_warnx(_("journal %s:%zu: %s"), pos->file, pos->line, what);
}

static void on_synced(struct daemon *d)
{
	char err[512];
	struct journal_recovery rec;
	memset(&rec, 0, sizeof(rec));
	d->j = journal_open(d->st.journal, d->st.id, d->st.commune_code, d->st.district_code, &rec,
			    err, sizeof(err));
	if (!d->j)
		fatalx(_("cannot open the journal %s: %s"), d->st.journal, err);
	d->synced = 1;
	/* Records held while the journal could not take them are kept in the
	 * state folder too, so that a crash does not lose them (issue 11);
	 * what the last run left there is written first, once. */
	char held[PATHBUF + 32];
	snprintf(held, sizeof(held), "%s/" HELD_FILE, d->st.state);
	int nheld = journal_hold_file(d->j, held, err, sizeof(err));
	if (nheld < 0)
		log_warnx(_("%s: records the journal cannot take will be held in memory only"), err);
	else if (nheld > 0)
		log_info(ngettext("journal: %d record the last run held in %s is written first",
				  "journal: %d records the last run held in %s are written first", nheld),
			 nheld, held);
	struct held_starts hs = {0}; /* before any record: the first one writes them */
	journal_each_queued(d->j, held_starts_cb, &hs);
	int64_t now = clock_now();

	if (rec.torn_bytes) {
		char off[32], bytes[32], at[32];
		snprintf(off, sizeof(off), "%ld", rec.torn_offset);
		snprintf(bytes, sizeof(bytes), "%zu", rec.torn_bytes);
		snprintf(at, sizeof(at), "%ld", rec.torn_at);
		const char *kv[] = {"file", rec.torn_log, "offset", off, "bytes", bytes, "saved",
				    rec.torn_file, "at", at, NULL};
		jwrite(d, "torn", kv);
		log_warnx(_("journal: a torn last line (%zu bytes, power cut while writing) was set aside in %s"),
			  rec.torn_bytes, rec.torn_file);
	}
	/* Starts with no end: in the journal (unless a held record ends
	 * them) and among the held records. */
	for (size_t i = 0; i < rec.nopen; i++) {
		const char *occ = record_get(&rec.open_starts[i], "occ");
		if (!held_closed(&hs, occ ? occ : ""))
			record_interrupted(d, &rec.open_starts[i]);
	}
	struct record *hr = xcalloc(1, sizeof(*hr));
	for (size_t i = 0; i < hs.nopen; i++) {
		if (record_parse(hs.open[i], strlen(hs.open[i]), hr, NULL, 0) == 0)
			record_interrupted(d, hr);
		free(hs.open[i]);
	}
	free(hr);
	for (size_t i = 0; i < hs.nclosed; i++)
		free(hs.closed[i]);
	free(hs.open);
	free(hs.closed);
	int64_t last = rec.last_time;
	journal_recovery_free(&rec);

	/* What the journal says: handled occurrences, rotation, schedule in force. */
	struct replay ss;
	replay_init(&ss, d->sched, d->eng, now);
	int32_t today;
	civil_tz_local(now, &today, NULL, NULL);
	int y, m, dd;
	civil_from_days(today - 62, &y, &m, &dd);
	char from_month[8];
	snprintf(from_month, sizeof(from_month), "%04d-%02d", y, m);
	struct journal_scan_result res;
	if (journal_scan(d->st.journal, from_month, NULL, scan_cb, scan_problem, &ss, &res, err,
			 sizeof(err)) < 0)
		log_warnx(_("journal: cannot read back %s: %s"), d->st.journal, err);
	else if (!res.chain_ok)
		log_warnx(_("journal: the hash chain does not verify (%s); run loaxactl log verify"), res.first_bad);
	/* Held records not in the journal yet count as handled all the same. */
	journal_each_queued(d->j, replay_held, &ss);
	d->journal_serial = ss.max_serial;
	d->audio_down = ss.audio_down;
	d->mon_down = ss.monitor_down;
	d->last_bc_time = ss.last_bc_time;
	d->last_bc_outcome = ss.last_bc_outcome;
	replay_finish(&ss);
	replay_free(&ss);

	char pid[16], serial[32];
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(serial, sizeof(serial), "%lld", d->sched->serial);
	const char *kv[] = {"version", LOAXA_VERSION, "pid", pid, "serial", serial, NULL};
	jwrite(d, "station-start", kv);
	if (d->waited_sync) {
		jwrite(d, "clock-synced", NULL);
		log_info(_("the clock is synchronised: broadcasting starts"));
	}
	if (seq_fault(d->seq)) { /* raised before the journal could be opened */
		const char *fk[] = {"peer", amp_peer(d->amp), "reason", seq_fault(d->seq), NULL};
		jwrite(d, "amp-fault", fk);
	}

	if (d->pending_reject[0]) {
		journal_rejected(d, 0, d->pending_reject, d->pending_reject_user);
	} else if (d->sched->serial && (d->sched->serial != ss.installed_serial ||
					strcmp(d->sched->sha256, ss.installed_sha))) {
		if (d->sched->serial < ss.installed_serial ||
		    (d->sched->serial == ss.installed_serial && strcmp(d->sched->sha256, ss.installed_sha))) {
			char why[256], whyu[256];
			snprintf(why, sizeof(why), "serial %lld is not greater than serial %lld installed before",
				 d->sched->serial, ss.installed_serial);
			snprintf(whyu, sizeof(whyu), _("serial %lld is not greater than serial %lld installed before"),
				 d->sched->serial, ss.installed_serial);
			struct schedule *old = d->sched;
			d->sched = (struct schedule *)&empty_schedule;
			engine_set_schedule(d->eng, d->sched);
			journal_rejected(d, old->serial, why, whyu);
			schedule_free(old);
			free(old);
		} else {
			/* Installed now: occurrences of the catch-up window still count. */
			journal_installed(d, d->sched, NULL);
		}
	} else {
		d->installed_at = ss.installed_at;
		str_copy(d->installed_signer, ss.installed_signer, sizeof(d->installed_signer));
	}

	/* Occurrences since the last record (or the catch-up window on a new
	 * station) are taken: late within the window, missed beyond it. */
	int64_t catchup = (int64_t)d->st.catchup_minutes * 60;
	int64_t since = last ? last - catchup : now - catchup;
	if (ss.installed_at > since)
		since = ss.installed_at;
	engine_begin(d->eng, since);
	log_info(_("station %s ready: schedule serial %lld, journal %s"), d->st.id, d->sched->serial,
		 d->st.journal);
	run_engine(d, last ? "the station was not running (or its clock was not synchronised)" : NULL);
	/* From now on only a start is flushed in the loop (issue 11). */
	if (d->syncer)
		journal_set_lazy(d->j, 1);
}

/* ---- the Modbus status server ---- */

static int month_key_of(int64_t t)
{
	int32_t day;
	civil_tz_local(t, &day, NULL, NULL);
	return report_month_key(day);
}

struct count_ctx {
	struct daemon *d;
	int key;
	struct asrun *a;
};

static void count_row(void *ctx, const struct broadcast *b)
{
	struct count_ctx *c = ctx;
	int64_t t = b->due ? b->due : b->started ? b->started : b->ended;
	if (!t || month_key_of(t) != c->key)
		return;
	for (size_t i = 0; i < c->d->ncounts; i++) {
		struct status_campaign *sc = &c->d->counts[i];
		if (strcmp(sc->id, b->campaign))
			continue;
		switch (b->outcome) {
		case OUT_AIRED: sc->aired++; break;
		case OUT_PARTIAL: /* fall through */
		case OUT_UNHEARD: sc->partial++; break; /* status has no unheard column: not aired */
		case OUT_INTERRUPTED: sc->interrupted++; break;
		case OUT_FAILED: sc->failed++; break;
		case OUT_MISSED: sc->missed++; break;
		default: break;
		}
		return;
	}
}

static int count_record(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	struct count_ctx *c = ctx;
	asrun_feed(c->a, r);
	return 0;
}

/* This month's outcomes for each campaign of the running schedule, counted
 * from the journal as reports count them; cached until a record is
 * written or the month turns. */
static void month_counts(struct daemon *d, int64_t now)
{
	int key = month_key_of(now);
	if (d->counts && d->counts_gen == d->jgen && d->counts_key == key)
		return;
	free(d->counts);
	d->ncounts = d->sched->ncampaigns;
	d->counts = xcalloc(d->ncounts + 1, sizeof(*d->counts));
	for (size_t i = 0; i < d->ncounts; i++) {
		str_copy(d->counts[i].id, d->sched->campaigns[i].id, sizeof(d->counts[i].id));
		d->counts[i].target = d->sched->campaigns[i].target;
	}
	d->counts_gen = d->jgen;
	d->counts_key = key;
	struct count_ctx c = {.d = d, .key = key};
	c.a = asrun_new(count_row, &c);
	char month[16], err[256];
	snprintf(month, sizeof(month), "%04d-%02d", key / 12, key % 12 + 1);
	struct journal_scan_result res;
	if (journal_scan(d->st.journal, month, month, count_record, NULL, &c, &res, err, sizeof(err)) < 0)
		log_warnx(_("Modbus status: cannot count this month's broadcasts: %s"), err);
	asrun_finish(c.a, 0);
	asrun_free(c.a);
}

static int amp_state_code(const struct daemon *d)
{
	if (!amp_enabled(d->amp))
		return MBS_AMP_NONE;
	switch (seq_state(d->seq)) {
	case SEQ_POWER:
	case SEQ_WARMUP:
	case SEQ_ZONES:
	case SEQ_SAFING: return MBS_AMP_SWITCHING;
	case SEQ_PLAYING:
	case SEQ_CHECK:
	case SEQ_LINGER: return MBS_AMP_ON;
	case SEQ_HOLD: return MBS_AMP_HOLD;
	case SEQ_RETRY: return MBS_AMP_RETRY;
	case SEQ_UNSAFE: return MBS_AMP_UNSAFE;
	default: return MBS_AMP_OFF;
	}
}

/* Fill the status server's registers: only when a client has sent
 * something, so that an unpolled server costs nothing. */
static void status_snapshot(struct daemon *d)
{
	int64_t now = clock_now();
	struct status_snapshot s;
	memset(&s, 0, sizeof(s));
	str_copy(s.station, d->st.id, sizeof(s.station));
	str_copy(s.commune, d->st.commune_code, sizeof(s.commune));
	s.serial = d->sched->serial;
	s.station_state = !d->synced ? MBS_STATION_WAITING_CLOCK
			  : bc_on(d) ? MBS_STATION_PLAYING
			  : (d->bc == BC_STARTING) ? MBS_STATION_STARTING
					: MBS_STATION_IDLE;
	s.amp_state = amp_state_code(d);
	s.amp_fault = seq_fault(d->seq) != NULL;
	s.journal_failing = d->journal_failing;
	s.last_broadcast = d->last_bc_time;
	s.last_outcome = d->last_bc_outcome;
	int key = month_key_of(now);
	s.year = key / 12;
	s.month = key % 12 + 1;
	s.now = now;
	s.uptime = (clock_mono_ns() - d->mono_start) / 1000000000;
	s.queued = d->synced ? (unsigned)engine_queued(d->eng) : 0;
	/* issue 19 */
	s.mon_state = !d->st.monitor_enabled ? MBS_MON_NONE : d->mon_time ? d->mon_state : MBS_MON_NOT_YET;
	s.mon_heard = (unsigned)d->mon_last.heard;
	s.mon_seconds = (unsigned)d->mon_last.seconds;
	s.mon_level_dbfs = d->mon_time && d->mon_state != MBS_MON_UNAVAILABLE ? d->mon_last.level_dbfs : 0;
	s.mon_time = d->mon_time;
	if (d->synced) {
		month_counts(d, now);
		s.campaigns = d->counts;
		s.ncampaigns = d->ncounts;
	}
	modbus_status_update(d->mbs, &s);
}

/* ---- control requests ---- */

static const char *daemon_state_name(const struct daemon *d)
{
	if (!d->synced)
		return "waiting-clock";
	if ((d->bc == BC_STARTING))
		return "starting";
	if (bc_on(d))
		return (d->bc == BC_DRAINING) ? "draining" : "playing";
	return "idle";
}

/* issue 19: the monitor's status fields (monview.h). A structured
 * (kv.h) status reply takes them as they are: monitor_view_put(d, r). */
static void monitor_view_put(struct daemon *d, struct kvbuf *r)
{
	struct monview v = {.state = MONVIEW_NONE};
	char at[26] = "";
	if (d->st.monitor_enabled) {
		v.device = d->st.monitor_device;
		if (d->mon_time)
			civil_tz_format(d->mon_time, at);
		v.at = at;
		v.state = !d->mon_time ? MONVIEW_NOT_YET
			  : d->mon_state == MBS_MON_UNAVAILABLE ? MONVIEW_UNAVAILABLE
			  : d->mon_state == MBS_MON_DEAD_AIR ? MONVIEW_DEAD_AIR
							      : MONVIEW_HEARD;
		v.heard = d->mon_last.heard;
		v.of = d->mon_last.seconds;
		v.dbfs = d->mon_last.level_dbfs;
		v.peak = d->mon_last.peak_dbfs;
		v.reason = v.state == MONVIEW_UNAVAILABLE || (v.state == MONVIEW_NOT_YET && d->mon_down) ? d->mon_note
															: "";
		if (bc_on(d) && d->mon) {
			struct airmeter_result sofar;
			monitor_peek(d->mon, &sofar);
			v.listening = 1;
			v.now_heard = sofar.heard;
			v.now_of = sofar.seconds;
			v.now_dbfs = sofar.level_dbfs;
		}
	}
	monview_put(r, &v);
}

static void put_time(struct kvbuf *r, const char *key, int64_t t)
{
	char ts[26] = "";
	if (t)
		civil_tz_format(t, ts);
	kv_put(r, key, ts);
}

/* Every field is always there (empty when it does not apply), so that a
 * client tells "none" from "this daemon does not say". docs/CONTROL.md. */
static void status_reply(struct daemon *d, struct kvbuf *r)
{
	int64_t now = clock_now();
	kv_begin(r, 1);
	kv_put(r, "station.id", d->st.id);
	kv_put(r, "station.name", d->st.name);
	kv_put(r, "commune", d->st.commune_code);
	kv_put(r, "district", d->st.district_code);
	put_time(r, "time", now);
	kv_put(r, "synced", d->synced ? "yes" : "no");
	kv_put(r, "state", daemon_state_name(d));
	const struct occurrence *o = (d->bc == BC_STARTING) ? &d->pend : bc_on(d) ? &d->cur : NULL;
	const struct bulletin *b = o ? catalog_find(&d->cat, o->bulletin) : NULL;
	kv_put(r, "playing.occurrence", o ? o->id : "");
	kv_put(r, "playing.bulletin", o ? o->bulletin : "");
	kv_put(r, "playing.title", b ? b->title : "");
	kv_put(r, "playing.campaign", o ? o->campaign : "");
	kv_put(r, "playing.level", o ? level_name(o->level) : "");
	if (bc_on(d))
		kv_putf(r, "playing.seconds", "%.3f", player_seconds(d->pl));
	else
		kv_put(r, "playing.seconds", o ? "0.000" : "");
	if (o)
		kv_putf(r, "playing.expected", "%.3f", (d->bc == BC_STARTING) ? d->pend_expected : d->cur_expected);
	else
		kv_put(r, "playing.expected", "");
	struct occurrence next[3];
	size_t k = d->synced ? engine_upcoming(d->eng, now, next, 3) : 0;
	kv_putf(r, "next.count", "%zu", k);
	kv_putf(r, "next.horizon_days", "%d", ENGINE_HORIZON / 86400);
	for (size_t i = 0; i < k; i++) {
		char key[32];
		const struct bulletin *nb = catalog_find(&d->cat, next[i].bulletin);
		snprintf(key, sizeof(key), "next.%zu.due", i);
		put_time(r, key, next[i].due);
		snprintf(key, sizeof(key), "next.%zu.occurrence", i);
		kv_put(r, key, next[i].id);
		snprintf(key, sizeof(key), "next.%zu.bulletin", i);
		kv_put(r, key, next[i].bulletin);
		snprintf(key, sizeof(key), "next.%zu.title", i);
		kv_put(r, key, nb ? nb->title : "");
		snprintf(key, sizeof(key), "next.%zu.campaign", i);
		kv_put(r, key, next[i].campaign);
		snprintf(key, sizeof(key), "next.%zu.level", i);
		kv_put(r, key, level_name(next[i].level));
	}
	kv_putf(r, "schedule.serial", "%lld", d->sched->serial);
	kv_put(r, "schedule.sha256", d->sched->sha256);
	int sgn = d->installed_signer[0] && strcmp(d->installed_signer, "unsigned");
	kv_put(r, "schedule.signed", sgn ? "yes" : "no");
	put_time(r, "schedule.installed", d->installed_at);
	kv_put(r, "schedule.signer", d->installed_signer);
	/* A revoked key's schedule keeps playing (silence is worse) until a
	 * new one comes; status says so. */
	kv_put(r, "schedule.signer_revoked", sgn && bundle_key_revoked(&d->st, d->installed_signer) ? "yes" : "no");
	kv_putf(r, "trust.keys", "%zu", d->st.ntrust_keys);
	kv_putf(r, "trust.revoked", "%zu", d->st.ntrust_revoked);
	kv_putf(r, "library.count", "%zu", d->cat.n);
	size_t nsigned = 0;
	for (size_t i = 0; i < d->cat.n; i++)
		nsigned += d->cat.items[i].signer[0] != '\0';
	kv_putf(r, "library.signed", "%zu", nsigned); /* delivered by a signed push, pinned */
	kv_putf(r, "library.local", "%zu", d->cat.n - nsigned);
	kv_put(r, "push", !d->st.ntrust_keys ? "refused" : d->spool ? "watching" : "not-watched");
	kv_put(r, "push.spool", d->st.spool);
	kv_put(r, "audio.device", d->st.audio_device);
	kv_put(r, "audio.fallback", d->fallback_active ? "yes" : "no");
	kv_put(r, "audio.fallback.file", d->st.audio_fallback);
	monitor_view_put(d, r); /* issue 19 */
	if (!amp_enabled(d->amp)) {
		kv_put(r, "amp", "none");
		kv_put(r, "amp.peer", "");
		kv_put(r, "amp.connected", "");
		kv_put(r, "amp.fault", "");
		kv_put(r, "amp.fault.since", "");
		kv_put(r, "amp.fault.last", "");
		kv_put(r, "amp.fault.last_at", "");
	} else {
		const char *standing = seq_fault(d->seq), *last = seq_last_fault(d->seq, NULL);
		kv_put(r, "amp", seq_state_name(seq_state(d->seq)));
		kv_put(r, "amp.peer", amp_peer(d->amp));
		kv_put(r, "amp.connected", amp_connected(d->amp) ? "yes" : "no");
		kv_put(r, "amp.fault", standing ? standing : "");
		put_time(r, "amp.fault.since", standing ? d->amp_fault_since : 0);
		kv_put(r, "amp.fault.last", last ? last : "");
		put_time(r, "amp.fault.last_at", last && last[0] ? d->amp_fault_last : 0);
	}
	if (d->st.amp.status_enabled) {
		kv_put(r, "modbus", d->mbs ? "listening" : "not-running");
		kv_put(r, "modbus.address", d->st.amp.status_address);
		kv_putf(r, "modbus.port", "%d", d->mbs ? modbus_status_port(d->mbs) : d->st.amp.status_port);
	} else {
		kv_put(r, "modbus", "off");
		kv_put(r, "modbus.address", "");
		kv_put(r, "modbus.port", "");
	}
	kv_putf(r, "queued", "%zu", d->synced ? engine_queued(d->eng) : 0);
	kv_put(r, "journal", d->journal_failing ? "failing" : "ok");
	kv_put(r, "journal.error", d->journal_failing ? d->journal_error : "");
	kv_put(r, "last_error", d->last_error);
	kv_putf(r, "uptime_s", "%lld", (long long)((clock_mono_ns() - d->mono_start) / 1000000000));
}

/* Who asked, journalled before the request acts (docs/JOURNAL.md). */
static void journal_request(struct daemon *d, const struct control_peer *p, const char *what,
			    const char *bulletin, int emergency)
{
	char uid[24], pid[24];
	snprintf(uid, sizeof(uid), "%ld", p->uid);
	snprintf(pid, sizeof(pid), "%ld", p->pid);
	const char *kv[] = {"request", what, "bulletin", bulletin,
			    "emergency", bulletin ? (emergency ? "yes" : "no") : NULL,
			    "uid", uid, "pid", pid, "as", p->as[0] ? p->as : NULL, NULL};
	jwrite(d, "request", kv);
	log_info(_("control: %s%s%s%s by uid %ld%s%s"), what, bulletin ? " " : "", bulletin ? bulletin : "",
		 emergency ? _(" (emergency)") : "", p->uid, p->as[0] ? _(" as ") : "", p->as);
}

/* error= in English (machine-readable, docs/CONTROL.md), and message= the
 * same in the language the client asked for (lang=), when there is one. */
static void reply_error(struct kvbuf *r, const char *lang, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reply_error(struct kvbuf *r, const char *lang, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kv_begin(r, 0);
	kv_put(r, "error", msg);
	va_start(ap, fmt);
	int tr = lang[0] && i18n_vformat(lang, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (tr)
		kv_put(r, "message", msg);
}

static void on_play(struct daemon *d, const struct control_peer *p, const char *id, int em,
		    struct kvbuf *r)
{
	const struct bulletin *b = catalog_find(&d->cat, id);
	if (!d->synced) {
		reply_error(r, p->lang, "the clock is not synchronised yet; nothing can play or be logged until it is");
		return;
	}
	if (!b) {
		reply_error(r, p->lang, "no bulletin '%.100s' in the library (see: loaxactl bulletin list)", id);
		return;
	}
	journal_request(d, p, "play", b->id, em);
	int was = bc_on(d) || (d->bc == BC_STARTING);
	char was_id[OCC_ID_MAX] = "";
	if (was)
		str_copy(was_id, bc_on(d) ? d->cur.id : d->pend.id, sizeof(was_id));
	size_t queued = engine_queued(d->eng);
	engine_play_now(d->eng, clock_now(), b->id, b->campaign, em);
	run_engine(d, NULL);
	/* Say what happened, not what was hoped for. */
	const struct occurrence *now = bc_on(d) ? &d->cur : (d->bc == BC_STARTING) ? &d->pend : NULL;
	int ours = now && !strncmp(now->id, "manual@", 7) && !strcmp(now->bulletin, b->id) &&
		   strcmp(now->id, was_id);
	if (ours) {
		kv_begin(r, 1);
		kv_put(r, "result", (d->bc == BC_STARTING) ? "starting" : was && em ? "preempted" : "playing");
		kv_put(r, "occurrence", now->id);
		kv_put(r, "bulletin", b->id);
		kv_put(r, "preempted", was && em ? was_id : "");
	} else if (engine_queued(d->eng) > queued) {
		kv_begin(r, 1);
		kv_put(r, "result", "queued");
		kv_put(r, "occurrence", "");
		kv_put(r, "bulletin", b->id);
		kv_put(r, "preempted", "");
	} else {
		if (d->journal_failing && !em)
			reply_error(r, p->lang,
				    "%s could not play: the journal cannot record its start (%s); only an emergency plays until it can",
				    b->id, d->journal_error);
		else if (d->last_error[0])
			reply_error(r, p->lang, "%s could not play: %s", b->id, d->last_error);
		else
			reply_error(r, p->lang, "%s could not play: see the journal", b->id);
		kv_put(r, "bulletin", b->id);
	}
}

static void on_stop(struct daemon *d, const struct control_peer *p, struct kvbuf *r)
{
	journal_request(d, p, "stop", NULL, 0);
	if ((bc_on(d) || (d->bc == BC_STARTING)) && engine_stop(d->eng)) {
		char id[OCC_ID_MAX];
		if (bc_on(d)) {
			str_copy(id, d->cur.id, sizeof(id));
			player_stop(d->pl);
			record_cut(d, "stopped by the operator (loaxactl stop)", BCE_STOP);
		} else {
			str_copy(id, d->pend.id, sizeof(id));
			record_outcome(d, "failed", &d->pend,
				       "stopped by the operator (loaxactl stop) before the amplifier was ready");
			bc_go(d, BCE_STOP);
		}
		seq_simple(d, SEV_END);
		run_engine(d, NULL);
		kv_begin(r, 1);
		kv_put(r, "result", "stopped");
		kv_put(r, "occurrence", id);
	} else {
		kv_begin(r, 1);
		kv_put(r, "result", "nothing");
		kv_put(r, "occurrence", "");
	}
}

static void on_request(void *ctx, const struct control_peer *p, const char *req, struct kvbuf *r)
{
	struct daemon *d = ctx;
	struct ctlreq q;
	switch (ctlreq_parse(req, &q)) {
	case CTLREQ_EMPTY:
		reply_error(r, p->lang, "empty request");
		break;
	case CTLREQ_STATUS:
		status_reply(d, r);
		break;
	case CTLREQ_PLAY:
		on_play(d, p, q.id, q.emergency, r);
		break;
	case CTLREQ_STOP:
		on_stop(d, p, r);
		break;
	case CTLREQ_RELOAD:
		journal_request(d, p, "reload", NULL, 0);
		do_reload(d, r, p->lang);
		break;
	case CTLREQ_UNKNOWN:
		reply_error(r, p->lang,
			    "unknown request (status, play ID [emergency], stop, reload; optionally as=NAME and lang=LANG last)");
		break;
	}
}

/* ---- the event loop ---- */

/* The wall clock jumped (the kernel cancelled the due timer, or the test
 * hook moved it): how far, from the monotonic clock; journal it, re-plan. */
static void clock_stepped(struct daemon *d)
{
	int64_t real = clock_now_ns(), mono = clock_mono_ns();
	int64_t delta = ((real - d->armed_real) - (mono - d->armed_mono)) / 1000000000;
	char ds[32], from[26], to[26];
	snprintf(ds, sizeof(ds), "%lld", (long long)delta);
	civil_tz_format(real / 1000000000, to);
	civil_tz_format(real / 1000000000 - delta, from);
	const char *kv[] = {"delta", ds, "from", from, "to", to, NULL};
	jwrite(d, "clock-stepped", kv);
	log_warnx(_("the clock was stepped by %lld s"), (long long)delta);
	run_engine(d, delta > 0 ? "the clock was stepped forward" : NULL);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info(_("stopping on %s"), si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			d->quit = 1;
			break;
		case SIGHUP: {
			char msg[1024];
			struct kvbuf kb;
			kv_init(&kb, msg, sizeof(msg));
			const char *kv[] = {"request", "reload", "by", "SIGHUP", NULL};
			jwrite(d, "request", kv);
			do_reload(d, &kb, "");
			break;
		}
		case SIGUSR2:
			/* Test hook: the injected clock moved, as if stepped; and
			 * a look at the clock's synchronisation now, not in 30 s. */
			if (!d->synced) {
				clock_reload_offset();
				if (clock_synced(&d->st))
					on_synced(d);
			} else if (clock_reload_offset()) {
				uint64_t dummy;
				(void)!read(d->tfd_due, &dummy, sizeof(dummy));
				goto stepped;
			}
			break;
		}
	}
	return;
stepped:
	clock_stepped(d);
}

static void on_due_timer(struct daemon *d)
{
	int r = clock_timer_read(d->tfd_due);
	if (r < 0)
		return;
	if (!d->synced) {
		/* The clock was set while we wait for it: look again now. */
		if (clock_synced(&d->st))
			on_synced(d);
		else
			arm_clock_watch(d);
		return;
	}
	if (r == 1) {
		clock_stepped(d);
		return;
	}
	/* make bench reads this line to measure how late the timer fires. */
	log_debug("due timer fired %.3f ms after its instant",
		  (double)(clock_now_ns() - d->armed_due * 1000000000) / 1e6);
	run_engine(d, NULL);
}

/* ---- the loop's handlers (registered once, in run) ---- */

static void ev_signal(void *ctx, short rev)
{
	struct daemon *d = ctx;
	on_signal(d);
	if (d->quit)
		ev_break(d->ev);
}

static void ev_due(void *ctx, short rev)
{
	on_due_timer(ctx);
}

static void ev_sync(void *ctx, short rev)
{
	struct daemon *d = ctx;
	uint64_t x;
	(void)!read(d->tfd_sync, &x, sizeof(x));
	if (!d->synced && clock_synced(&d->st))
		on_synced(d);
	else if (!d->synced)
		clock_mono_timer_in(d->tfd_sync, SYNC_RECHECK_MS);
}

static void ev_amp_timer(void *ctx, short rev)
{
	struct daemon *d = ctx;
	uint64_t x;
	if (read(d->tfd_amp, &x, sizeof(x)) == sizeof(x))
		seq_simple(d, SEV_TIMER);
}

static void ev_watchdog(void *ctx, short rev)
{
	on_watchdog(ctx);
}

static void ev_jretry(void *ctx, short rev)
{
	on_journal_retry(ctx);
}

static void ev_syncer(void *ctx, short rev)
{
	on_syncer(ctx);
}

static void ev_hasher(void *ctx, short rev)
{
	on_hasher(ctx);
}

static void ev_spool_hold(void *ctx, short rev)
{
	struct daemon *d = ctx;
	uint64_t x;
	(void)!read(d->tfd_spool, &x, sizeof(x)); /* process_spool runs after the turn */
}

static void ev_helper(void *ctx, short rev)
{
	struct daemon *d = ctx;
	if (d->helper)
		on_helper(d);
}

static int src_amp_fds(void *ctx, struct pollfd *fds, int max)
{
	return amp_pollfds(((struct daemon *)ctx)->amp, fds, max < 2 ? max : 2);
}

static void src_amp(void *ctx, struct pollfd *fds, int n, int64_t now)
{
	struct daemon *d = ctx;
	struct amp_result res;
	if (amp_service(d->amp, fds, n, &res)) {
		struct seq_event e = {.type = res.ok ? SEV_OP_OK : SEV_OP_ERROR, .rd = res.rd,
				      .error = res.error, .retry_ms = res.retry_ms};
		seq_feed(d, &e);
	}
}

static int src_player_fds(void *ctx, struct pollfd *fds, int max)
{
	struct daemon *d = ctx;
	return bc_on(d) && !(d->bc == BC_DRAINING) ? player_pollfds(d->pl, fds, max) : 0;
}

static void src_player(void *ctx, struct pollfd *fds, int n, int64_t now)
{
	struct daemon *d = ctx;
	if (!bc_on(d) || (d->bc == BC_DRAINING))
		return;
	enum player_state ps = player_service(d->pl, fds, n);
	if (ps == PLAYER_DONE || ps == PLAYER_ERROR)
		finish_broadcast(d, ps);
}

static int src_control_fds(void *ctx, struct pollfd *fds, int max)
{
	return control_pollfds(((struct daemon *)ctx)->ctl, fds, max);
}

static void src_control(void *ctx, struct pollfd *fds, int n, int64_t now)
{
	control_service(((struct daemon *)ctx)->ctl, fds, n, now);
}

static int64_t src_control_deadline(void *ctx)
{
	return control_deadline(((struct daemon *)ctx)->ctl);
}

static int src_spool_fds(void *ctx, struct pollfd *fds, int max)
{
	return spool_pollfds(((struct daemon *)ctx)->spool, fds, max);
}

static void src_spool(void *ctx, struct pollfd *fds, int n, int64_t now)
{
	spool_service(((struct daemon *)ctx)->spool, fds, n);
}

static int src_mbs_fds(void *ctx, struct pollfd *fds, int max)
{
	struct daemon *d = ctx;
	return d->mbs ? modbus_status_pollfds(d->mbs, fds, max) : 0;
}

static void src_mbs(void *ctx, struct pollfd *fds, int n, int64_t now)
{
	struct daemon *d = ctx;
	status_snapshot(d);
	modbus_status_service(d->mbs, fds, n);
}

/* issue 19: the monitor's capture, only while a broadcast plays */
static int src_monitor_fds(void *ctx, struct pollfd *fds, int max)
{
	struct daemon *d = ctx;
	return bc_on(d) && d->mon ? monitor_pollfds(d->mon, fds, max) : 0;
}

static void src_monitor(void *ctx, struct pollfd *fds, int n, int64_t now)
{
	struct daemon *d = ctx;
	if (bc_on(d) && d->mon && monitor_service(d->mon, fds, n) < 0)
		log_warnx("%s", monitor_error(d->mon));
}

/* issue 13: the fleet link's MQTT socket, its interest (want_write) and
 * its next keepalive or reconnect */
static int src_fleet_fds(void *ctx, struct pollfd *fds, int max)
{
	struct daemon *d = ctx;
	int fd = fleet_fd(d->fleet);
	if (fd < 0 || max < 1)
		return 0;
	fds[0] = (struct pollfd){.fd = fd, .events = fleet_events(d->fleet)};
	return 1;
}

static void src_fleet(void *ctx, struct pollfd *fds, int n, int64_t now)
{
	struct daemon *d = ctx;
	fleet_handle(d->fleet, n ? fds[0].revents : 0, now);
}

static int64_t src_fleet_deadline(void *ctx)
{
	struct daemon *d = ctx;
	int64_t t = fleet_deadline_ms(d->fleet, mono_ms());
	return t == INT64_MAX ? -1 : t;
}

static void fleet_appended(void *ctx)
{
	fleet_journal_appended(ctx);
}


/* ---- issue 14: bundles from the fleet link (docs/FLEET.md) ---- */

#define FETCH_RETRY_FIRST_MS 2000
#define FETCH_RETRY_MAX_MS 300000

static void fetch_publish(struct daemon *d, long long serial, const char *state, const char *detail)
{
	struct fleet_bstate b = {.serial = serial, .got = -1, .total = -1};
	str_copy(b.state, state, sizeof(b.state));
	str_copy(b.detail, detail ? detail : "", sizeof(b.detail));
	char line[1024];
	if (fleet_bstate_encode(line, sizeof(line), &b))
		fleet_bundle_state(d->fleet, line);
}

static long long running_serial(const struct daemon *d)
{
	return d->sched->serial > d->journal_serial ? d->sched->serial : d->journal_serial;
}

/* loaxa-fetch beside loaxad (a build tree), else where it is installed. */
static void fetch_prog(char *out, size_t n)
{
	char self[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (k > 0) {
		self[k] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(out, n, "%s/loaxa-fetch", self);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, n, "%s/loaxa-fetch", LOAXA_PLUGINDIR);
}

static void fetch_start(struct daemon *d)
{
	char prog[PATH_MAX + 32], err[512];
	d->fetch_retry_at = 0;
	fetch_prog(prog, sizeof(prog));
	d->fetch = fetchrun_start(prog, d->st.file, running_serial(d), d->sched->sha256, d->fetch_msg, d->fetch_len,
				  err, sizeof(err));
	if (!d->fetch) {
		log_warnx("fleet: %s", err);
		d->fetch_retry_at = mono_ms() + d->fetch_backoff;
		return;
	}
	ev_fd_set(d->ev, d->ev_fetch, fetchrun_fd(d->fetch));
	ev_touch(d->ev, d->ev_fetch);
}

/* A message on the district's or the station's `schedule` topic. */
static void on_bundle_msg(void *ctx, const void *payload, size_t len, int retained)
{
	struct daemon *d = ctx;
	struct fleet_bundle_msg m;
	char err[256];
	if (fleet_bundle_decode(payload, len, &m, err, sizeof(err)) < 0) {
		log_warnx(_("fleet: a bundle message was ignored: %s"), err);
		return;
	}
	/* Older than one taken, or this one again: still in hand, or finished
	 * with and only delivered again after a reconnect (a refused bundle is
	 * tried again when the department publishes it again). */
	if (m.serial < d->fetch_seen || (m.serial == d->fetch_seen && (d->fetch_busy || retained)))
		return;
	d->fetch_seen = m.serial;
	if (d->fetch)
		d->fetch_reap_at = mono_ms();
	fetchrun_cancel(d->fetch); /* a newer bundle replaces the one fetched */
	d->fetch = NULL;
	ev_fd_set(d->ev, d->ev_fetch, -1);
	ev_touch(d->ev, d->ev_fetch);
	d->fetch_drop[0] = 0;
	d->fetch_retry_at = 0;
	if (m.serial <= running_serial(d)) {
		fetch_publish(d, m.serial, "current", NULL);
		d->fetch_busy = 0;
		return;
	}
	log_info(_("fleet: bundle %s (serial %lld) received; fetching its audio"), m.name, m.serial);
	free(d->fetch_msg);
	d->fetch_msg = xcalloc(1, len);
	memcpy(d->fetch_msg, payload, len);
	d->fetch_len = len;
	d->fetch_busy = 1;
	d->fetch_backoff = FETCH_RETRY_FIRST_MS;
	fetch_start(d);
}

static void fetch_line(void *ctx, const char *line)
{
	struct daemon *d = ctx;
	struct fleet_bstate b;
	char err[128], name[FLEET_BUNDLE_NAME_MAX + 1];
	long long serial;
	if (fleet_bstate_decode(line, strlen(line), &b, err, sizeof(err)) == 0) {
		fleet_bundle_state(d->fleet, line);
		if (!strcmp(b.state, "refused") || !strcmp(b.state, "current"))
			d->fetch_busy = 0;
	} else if (sscanf(line, "dropped serial=%lld name=%200s", &serial, name) == 2 &&
		   fleet_bundle_name_valid(name)) {
		name[strlen(name) - 5] = 0;
		str_copy(d->fetch_drop, name, sizeof(d->fetch_drop));
		d->fetch_drop_serial = serial;
		log_info(_("fleet: bundle %s (serial %lld) fetched and put into the spool"), name, serial);
	}
}

static void fetch_reaped(struct daemon *d, int status)
{
	log_debug("fleet: loaxa-fetch exited with status %d (peak RSS %ld KiB)", status, fetchrun_maxrss_kb(d->fetch));
	fetchrun_free(d->fetch);
	d->fetch = NULL;
	ev_fd_set(d->ev, d->ev_fetch, -1);
	ev_touch(d->ev, d->ev_fetch);
	if (status == 0 || !d->fetch_busy)
		return;
	/* 75: a download failed (it said why); anything else: it died */
	if (status != 75)
		log_warnx(_("fleet: loaxa-fetch ended with status %d; trying again in %lld s"), status,
			  (long long)(d->fetch_backoff / 1000));
	d->fetch_retry_at = mono_ms() + d->fetch_backoff;
	d->fetch_backoff = d->fetch_backoff * 2 > FETCH_RETRY_MAX_MS ? FETCH_RETRY_MAX_MS : d->fetch_backoff * 2;
}

static void ev_fetch(void *ctx, short rev)
{
	struct daemon *d = ctx;
	if (d->fetch && fetchrun_read(d->fetch, fetch_line, d)) {
		ev_fd_set(d->ev, d->ev_fetch, -1); /* its end: reaped by the deadline */
		d->fetch_reap_at = mono_ms();
	}
}

/* Reaping, retries, and children cancelled: all on a deadline. */
static int src_fetch_fds(void *ctx, struct pollfd *fds, int max)
{
	return 0;
}

static void src_fetch(void *ctx, struct pollfd *fds, int n, int64_t now)
{
	struct daemon *d = ctx;
	int waiting = fetchrun_reap_cancelled();
	if (d->fetch && fetchrun_fd(d->fetch) < 0) {
		int status = fetchrun_status(d->fetch);
		if (status >= 0)
			fetch_reaped(d, status);
		else
			waiting = 1;
	}
	/* an exited child is reaped within moments: look again soon */
	d->fetch_reap_at = waiting ? now + 20 : 0;
	if (!d->fetch && d->fetch_retry_at && now >= d->fetch_retry_at) {
		log_debug("fleet: fetching again");
		fetch_start(d);
	}
}

static int64_t src_fetch_deadline(void *ctx)
{
	struct daemon *d = ctx;
	int64_t t = d->fetch_reap_at ? d->fetch_reap_at : -1;
	if (!d->fetch && d->fetch_retry_at && (t < 0 || d->fetch_retry_at < t))
		t = d->fetch_retry_at;
	return t;
}

/* Every descriptor and timer once, with its handler; called in this order
 * each turn (a signal first: TERM stops the turn). */
static void loop_register(struct daemon *d)
{
	struct ev *e = d->ev = ev_new(mono_ms);
	ev_name(e, ev_fd_add(e, d->sfd, POLLIN, ev_signal, d), "signal");
	d->ev_amp = ev_source_add(e, &(struct ev_source){.pollfds = src_amp_fds, .service = src_amp, .ctx = d});
	ev_name(e, d->ev_amp, "amplifier");
	ev_name(e, ev_fd_add(e, d->tfd_wd, POLLIN, ev_watchdog, d), "watchdog");
	ev_name(e, ev_fd_add(e, d->tfd_jretry, POLLIN, ev_jretry, d), "journal retry");
	if (d->syncer)
		ev_name(e, ev_fd_add(e, syncer_fd(d->syncer), POLLIN, ev_syncer, d), "journal flush");
	if (d->hasher)
		ev_name(e, ev_fd_add(e, syncer_fd(d->hasher), POLLIN, ev_hasher, d), "play-time hash");
	d->ev_helper = ev_fd_add(e, helper_fd(d->helper), POLLIN, ev_helper, d);
	ev_name(e, d->ev_helper, "helper");
	ev_name(e, ev_fd_add(e, d->tfd_amp, POLLIN, ev_amp_timer, d), "amplifier timer");
	ev_name(e, ev_fd_add(e, d->tfd_spool, POLLIN, ev_spool_hold, d), "spool hold");
	ev_name(e, ev_fd_add(e, d->tfd_due, POLLIN, ev_due, d), "due timer");
	ev_name(e, ev_fd_add(e, d->tfd_sync, POLLIN, ev_sync, d), "clock sync");
	d->ev_player = ev_source_add(e, &(struct ev_source){.pollfds = src_player_fds, .service = src_player, .ctx = d});
	ev_name(e, d->ev_player, "player");
	ev_name(e, ev_source_add(e, &(struct ev_source){.pollfds = src_control_fds, .service = src_control,
						       .deadline = src_control_deadline, .ctx = d}),
		"control");
	ev_name(e, ev_source_add(e, &(struct ev_source){.pollfds = src_spool_fds, .service = src_spool, .ctx = d}),
		"spool");
	ev_name(e, ev_source_add(e, &(struct ev_source){.pollfds = src_mbs_fds, .service = src_mbs, .ctx = d}),
		"modbus status");
	d->ev_mon = ev_source_add(e, &(struct ev_source){.pollfds = src_monitor_fds, .service = src_monitor, .ctx = d});
	ev_name(e, d->ev_mon, "monitor");
}

/* The fleet link joins the loop once it exists (after the journal). */
static void loop_register_fleet(struct daemon *d)
{
	if (!d->fleet)
		return;
	ev_name(d->ev, ev_source_add(d->ev, &(struct ev_source){.pollfds = src_fleet_fds, .service = src_fleet,
								.deadline = src_fleet_deadline, .ctx = d}),
		"fleet");
	if (journal_hook(d, fleet_appended, d->fleet) < 0)
		log_warnx(_("fleet: no room for the journal hook"));
	/* issue 14: the downlink */
	d->ev_fetch = ev_fd_add(d->ev, -1, POLLIN, ev_fetch, d);
	ev_name(d->ev, d->ev_fetch, "fetch");
	ev_name(d->ev, ev_source_add(d->ev, &(struct ev_source){.pollfds = src_fetch_fds, .service = src_fetch,
								.deadline = src_fetch_deadline, .ctx = d}),
		"fetch timer");
	fleet_set_bundle_cb(d->fleet, on_bundle_msg, d);
}

static int run(struct daemon *d)
{
	char err[512];
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->helper = helper_start(&d->st, err, sizeof(err));
	if (!d->helper)
		fatalx("%s", err);
	/* After the helper's fork: it starts with no thread but its own. */
	d->syncer = syncer_new();
	if (!d->syncer)
		log_warn("cannot set up the journal's flusher: every record is flushed in the loop");
	d->hasher = syncer_new();
	if (!d->hasher)
		log_warn("cannot set up the hasher: a changed bulletin file is hashed in the loop");
	d->tfd_due = clock_timer_new();
	d->tfd_sync = clock_mono_timer_new();
	d->tfd_amp = clock_mono_timer_new();
	d->tfd_jretry = clock_mono_timer_new();
	d->pend_fd = -1;
	d->pend_hfd = -1;
	d->tfd_spool = clock_mono_timer_new();
	if (d->sfd < 0 || d->tfd_due < 0 || d->tfd_sync < 0 || d->tfd_amp < 0 || d->tfd_jretry < 0 ||
	    d->tfd_spool < 0)
		fatal(_("cannot create the event loop's descriptors"));
	d->mono_start = clock_mono_ns();
	d->tfd_wd = -1;
	uint64_t wd_usec = notify_watchdog_usec();
	if (wd_usec) {
		d->wd_ms = (int64_t)(wd_usec / 2000);
		if (d->wd_ms < 1)
			d->wd_ms = 1;
		d->tfd_wd = clock_mono_timer_new();
		if (d->tfd_wd < 0 || clock_mono_timer_in(d->tfd_wd, d->wd_ms) < 0)
			fatal(_("cannot arm the watchdog timer"));
	}
	loop_register(d);

	d->ctl = control_open(d->st.control, d->st.control_group, on_request, d, err, sizeof(err));
	if (!d->ctl)
		fatalx("%s", err);
	bundle_clean_staged(&d->st);
	d->spool = spool_open(d->st.spool, (int64_t)d->st.bundle_wait_s * 1000, err, sizeof(err));
	if (!d->spool)
		log_warnx(_("%s: pushed schedules will not be picked up"), err);
	else if (!d->st.ntrust_keys)
		log_warnx(_("no trusted key (trust.keys in %s): pushed schedules will be refused"), d->st.file);
	/* issue 13: the fleet link; a problem with it never stops the station */
	d->fleet = fleet_new(&d->st, err, sizeof(err));
	if (!d->fleet && err[0])
		log_warnx(_("fleet: %s; running without the link to the district"), err);
	loop_register_fleet(d);
	d->pl = player_new(d->st.audio_device, d->st.audio_fallback);
	if (!d->pl)
		fatalx(_("cannot create the audio player"));

	struct errlist errs = {0};
	char libcat[PATHBUF + 16];
	snprintf(libcat, sizeof(libcat), "%s/catalog.conf", d->st.library);
	if (catalog_load(libcat, &d->cat, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_warnx("%s", errs.msg[i]);
		set_error(d, "library catalog unreadable: %s", errs.n ? errs.msg[0] : libcat);
	}
	errlist_free(&errs);
	log_info(ngettext("library %s: %zu bulletin", "library %s: %zu bulletins", d->cat.n), d->st.library, d->cat.n);
	request_verify(d);

	d->sched = xcalloc(1, sizeof(*d->sched));
	if (load_schedule(d, d->sched, d->pending_reject, d->pending_reject_user, sizeof(d->pending_reject)) < 0) {
		free(d->sched);
		d->sched = (struct schedule *)&empty_schedule;
		log_warnx(_("running with no schedule until a valid one is installed"));
	}
	d->eng = engine_new(d->sched, d->st.catchup_minutes * 60);

	/* The amplifier: every coil off first (safe state), without waiting. */
	d->amp = amp_new(&d->st.amp, err, sizeof(err));
	if (!d->amp)
		fatalx("%s", err);
	struct seq_params sp;
	seq_params_from_config(&d->st.amp, &sp);
	struct seq_out so;
	d->seq = seq_new(&sp, &so);
	request_resolve(d);
	if (amp_enabled(d->amp))
		log_info(_("amplifier %s: switching every coil off"), amp_peer(d->amp));
	perform(d, &so);
	if (d->st.amp.status_enabled) {
		d->mbs = modbus_status_open(d->st.amp.status_address, d->st.amp.status_port, err, sizeof(err));
		if (d->mbs) {
			log_info(_("Modbus status server on %s port %d"), d->st.amp.status_address,
				 modbus_status_port(d->mbs));
			/* issue 12: who may connect (amplifier.status.allow). */
			if (modbus_status_allow(d->mbs, d->st.amp.status_allow, d->st.amp.nstatus_allow, err,
						sizeof(err)) < 0)
				fatalx("%s", err);
			if (!d->st.amp.nstatus_allow && strcmp(d->st.amp.status_address, "127.0.0.1") &&
			    strcmp(d->st.amp.status_address, "::1"))
				log_warnx(_("Modbus status server on %s with no amplifier.status.allow: anyone who can reach that address can read it"),
					  d->st.amp.status_address);
		} else {
			log_warnx(_("%s; running without it"), err);
			set_error(d, "%s", err);
		}
	}

	if (clock_synced(&d->st)) {
		on_synced(d);
	} else {
		log_warnx(_("the clock is not synchronised yet: nothing will play or be logged until it is"));
		d->waited_sync = 1;
		clock_mono_timer_in(d->tfd_sync, SYNC_RECHECK_MS);
		arm_clock_watch(d);
	}

	if (!d->synced)
		notify_status("waiting for the clock to be synchronised; nothing plays until it is");
	notify_ready(NULL);

	while (!d->quit) {
		if (ev_run_once(d->ev) < 0)
			fatal("poll");
		if (!d->quit) {
			process_spool(d);
			request_resolve(d);
		}
		/* make bench reads these lines: what kept the loop from others,
		 * and the whole turn (every handler and the work after them):
		 * the longest a request arriving meanwhile waits for the loop. */
		const char *who;
		int64_t slow = ev_slowest(d->ev, &who);
		if (slow >= 10)
			log_debug("loop: %s took %lld ms", who, (long long)slow);
		int64_t busy = mono_ms() - ev_woke(d->ev);
		if (busy >= 10)
			log_debug("loop: the turn was busy %lld ms", (long long)busy);
	}

	notify_stopping(bc_on(d) ? "stopping: the broadcast playing is recorded partial" : "stopping");
	/* Safe state: the sequence ends what plays or waits (partial / failed
	 * with the reason) and switches every coil off, waiting for it. */
	amp_cancel(d->amp);
	seq_simple(d, SEV_SHUTDOWN);
	if (bc_on(d)) {
		player_stop(d->pl);
		record_cut(d, "the daemon was stopped during the broadcast", BCE_PREEMPT);
	}
	if (d->synced) {
		const char *kv[] = {"reason", "stopped by signal", NULL};
		jwrite(d, "station-stop", kv);
	}
	log_info(_("stopped"));
	fleet_free(d->fleet); /* issue 13 */
	fetchrun_cancel(d->fetch); /* issue 14 */
	free(d->fetch_msg);
	modbus_status_close(d->mbs);
	amp_free(d->amp);
	seq_free(d->seq);
	free(d->counts);
	close(d->tfd_amp);
	close(d->tfd_jretry);
	close(d->tfd_spool);
	control_close(d->ctl);
	spool_close(d->spool);
	helper_stop(d->helper);
	player_free(d->pl);
	syncer_free(d->syncer);
	syncer_free(d->hasher);
	journal_close(d->j); /* flushes what the flusher had not */
	engine_free(d->eng);
	if (d->sched != &empty_schedule) {
		schedule_free(d->sched);
		free(d->sched);
	}
	catalog_free(&d->cat);
	filecheck_forget();
	ev_free(d->ev);
	close(d->sfd);
	close(d->tfd_due);
	close(d->tfd_sync);
	if (d->tfd_wd >= 0)
		close(d->tfd_wd);
	return 0;
}

/* ---- --check ---- */

/* Ask the relay module for its coils and fault input (reads only: the
 * daemon may be playing). Unreachable is a warning, not an error: the
 * station still plays, and the journal will say why broadcasts failed. */
static void check_amplifier(struct daemon *d, struct errlist *errs)
{
	if (!d->st.amp.enabled)
		return;
	char err[256];
	struct amp *a = amp_new(&d->st.amp, err, sizeof(err));
	if (!a) {
		errlist_add(errs, "%s: %s", d->st.file, err);
		return;
	}
	struct amp_result r;
	char host[256];
	if (amp_needs_address(a, host, sizeof(host))) {
		/* --check is no event loop: the lookup may wait here. */
		struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
		char addr[64] = "";
		int e = getaddrinfo(host, NULL, &hints, &ai);
		if (!e && ai->ai_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, addr, sizeof(addr));
		else if (!e && ai->ai_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, addr, sizeof(addr));
		if (ai)
			freeaddrinfo(ai);
		if (!addr[0] || amp_set_address(a, addr, err, sizeof(err)) < 0)
			fprintf(stderr, _("%s: warning: amplifier host %s: %s\n"), d->st.file, host,
				e ? gai_strerror(e) : addr[0] ? err : _("no address"));
	}
	if (amp_run(a, AMP_CHECK, 0, &r) < 0) {
		fprintf(stderr, _("%s: warning: amplifier unreachable: %s\n"), d->st.file, r.error);
	} else {
		char zones[160];
		zones_str(r.rd.zones, zones, sizeof(zones));
		printf("%s: amplifier %s answers: power %s, zones on: %s%s\n", d->st.file, amp_peer(a),
		       r.rd.power ? "on" : "off", zones[0] ? zones : "none",
		       r.rd.fault < 0 ? "" : r.rd.fault ? ", FAULT INPUT RAISED" : ", fault input clear");
		if (r.rd.fault == 1)
			fprintf(stderr, _("%s: warning: the amplifier's fault input %d is raised\n"), d->st.file,
				d->st.amp.fault_input);
	}
	amp_free(a);
}

static int check(struct daemon *d)
{
	struct errlist errs = {0};
	char libcat[PATHBUF + 16];
	snprintf(libcat, sizeof(libcat), "%s/catalog.conf", d->st.library);
	catalog_load(libcat, &d->cat, &errs);
	for (size_t i = 0; i < d->cat.n; i++) {
		const struct bulletin *b = &d->cat.items[i];
		char path[PATHBUF + ID_MAX], sum[65];
		snprintf(path, sizeof(path), "%s/%s", d->st.library, b->file);
		if (sha256_file(path, sum) < 0)
			errlist_add(&errs, "%s: bulletin %s: file missing: %s", libcat, b->id, path);
		else if (strcmp(sum, b->sha256))
			errlist_add(&errs, "%s: bulletin %s: %s does not match its SHA-256 (changed or damaged)",
				    libcat, b->id, path);
	}
	struct schedule s;
	if (config_load_schedule(d->st.schedule, &s, &errs) == 0) {
		validate_schedule(&s, &d->st, &d->cat, &errs);
		if (!errs.n) { /* issue 16: singular and plural */
			char a[64], b[64], c[64];
			snprintf(a, sizeof(a), ngettext("%zu campaign", "%zu campaigns", s.ncampaigns), s.ncampaigns);
			snprintf(b, sizeof(b), ngettext("%zu slot", "%zu slots", s.nslots), s.nslots);
			snprintf(c, sizeof(c), ngettext("%zu blackout", "%zu blackouts", s.nblackouts), s.nblackouts);
			printf(_("%s: serial %lld, %s, %s, %s\n"), d->st.schedule, s.serial, a, b, c);
		}
		schedule_free(&s);
	}
	check_amplifier(d, &errs);
	fleet_check(&d->st, &errs); /* issue 13 */
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	int bad = errs.n != 0;
	if (bad)
		fprintf(stderr, ngettext("%zu problem found\n", "%zu problems found\n", errs.n), errs.n);
	else
		printf(ngettext("%s: station %s OK; library %zu bulletin OK\n",
				"%s: station %s OK; library %zu bulletins OK\n", d->cat.n),
		       d->st.file, d->st.id, d->cat.n);
	errlist_free(&errs);
	catalog_free(&d->cat);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"check", no_argument, NULL, 'C'},
					     {"help", no_argument, NULL, 'h'},
					     {"version", no_argument, NULL, 'V'},
					     {NULL, 0, NULL, 0}};
	const char *conf = NULL;
	int do_check = 0, verbose = 0, c;
	i18n_init_own(LOAXAD_TEXTDOMAIN); /* issue 18: no locale files; the catalogue read, not mapped */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:fvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'f': break; /* always foreground: systemd supervises, logs go to stderr */
		case 'v': verbose = 1; break;
		case 'C': do_check = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("loaxad %s\n", LOAXA_VERSION); return 0;
		case ':':
			fprintf(stderr, _("loaxad: option %s needs a value\n"), argv[optind - 1]);
			usage(stderr);
			return 2;
		default:
			if (optopt && optopt < 256)
				fprintf(stderr, _("loaxad: unknown option -%c\n"), optopt);
			else
				fprintf(stderr, _("loaxad: unknown option %s\n"), argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (!conf) {
		fputs(_("loaxad: no station file: give it with -c FILE (installed: -c /etc/loaxa/loaxa.conf)\n"),
		      stderr);
		usage(stderr);
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, _("loaxad: unexpected argument \"%s\" (loaxad takes options only)\n"), argv[optind]);
		usage(stderr);
		return 2;
	}
	log_init("loaxad", verbose);
	static struct daemon d;
	struct errlist errs = {0};
	if (config_load_station(conf, &d.st, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		fprintf(stderr,
			ngettext("loaxad: %zu problem in the station file; not starting\n",
				 "loaxad: %zu problems in the station file; not starting\n", errs.n),
			errs.n);
		errlist_free(&errs);
		return do_check ? 1 : EXIT_CONFIG;
	}
	/* A systemd service has no user locale: the station file may choose. */
	i18n_set_language(d.st.language);
	if (civil_tz_set(d.st.timezone) < 0) {
		fprintf(stderr, _("loaxad: time zone %s is not installed (tzdata)\n"), d.st.timezone);
		return do_check ? 1 : EXIT_CONFIG;
	}
	clock_init();
	if (do_check)
		return check(&d);
	return run(&d);
}
