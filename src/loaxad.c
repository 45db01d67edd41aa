/* loaxad: the station daemon. Start-up order, wiring of the adapters
 * (journal, player, amplifier, control socket, Modbus status server, clock)
 * around the pure engine and amplifier sequence, and the single event loop:
 * poll() over a signalfd, a CLOCK_REALTIME timerfd for the next due
 * occurrence, monotonic timerfds (clock sync re-check; the amplifier's
 * warm-up, hold and read-back), the control socket, the Modbus
 * descriptors while a request is in flight, and ALSA's descriptors while
 * playing. Nothing wakes it between broadcasts. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "amp.h"
#include "asrun.h"
#include "bundle.h"
#include "civil.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "engine.h"
#include "journal.h"
#include "notify.h"
#include "model.h"
#include "modbus_status.h"
#include "player.h"
#include "report.h"
#include "schedule.h"
#include "spool.h"
#include "sequence.h"
#include "util.h"
#include "validate.h"

#define LOAXA_VERSION "0.3.0"
#define EXIT_CONFIG 78 /* sysexits EX_CONFIG: systemd must not restart on it */
#define SYNC_RECHECK_MS 30000
#define MAX_POLL 64

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
	/* the broadcast in progress */
	int playing;
	struct occurrence cur;
	double cur_expected;
	int64_t cur_started;
	/* bookkeeping for status and clock-step detection */
	int fallback_active;
	int audio_down; /* audio-lost journalled, audio-back not yet */
	char last_error[512];
	int64_t mono_start;
	int64_t armed_real, armed_mono;
	int64_t armed_due; /* the instant the due timer is armed for */
	int64_t installed_at;
	char installed_signer[64];
	long long journal_serial; /* greatest serial the journal says was ever installed */
	struct spool *spool;      /* pushed bundles; NULL when the folder cannot be watched */
	char pending_reject[1024]; /* a rejection found before the journal opened */
	/* the amplifier: amp.c performs what sequence.c decides */
	struct amp *amp;
	struct seq *seq;
	int tfd_amp;             /* the sequence's timer: warm-up, hold, read-back, retry */
	int starting;            /* a broadcast waits for the amplifier: pend */
	struct occurrence pend;
	char pend_path[PATHBUF + ID_MAX];
	double pend_expected;
	int player_done;         /* played to the end; the last read-back decides */
	int in_engine;           /* inside run_engine */
	unsigned long amp_ops;   /* operations begun: poll results of an older one are stale */
	unsigned long bc_gen;    /* players started: likewise */
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
};

static void usage(FILE *f)
{
	fprintf(f, "usage: loaxad -c FILE [-f] [-v]\n"
		   "       loaxad -c FILE --check\n"
		   "  -c FILE   station file (loaxa.conf)\n"
		   "  -f        stay in the foreground (log to stderr; always the case under systemd)\n"
		   "  -v        log debug messages too\n"
		   "  --check   validate the station file, schedule and library; exit 0 or list every error\n");
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

static void jwrite(struct daemon *d, const char *event, const char *const *kv)
{
	if (!d->j)
		return;
	int64_t now = clock_now();
	int off;
	civil_tz_local(now, NULL, NULL, &off);
	if (journal_append(d->j, now, off, event, kv) < 0) {
		log_warn("journal: cannot record %s", event);
		set_error(d, "journal write failed: %s", strerror(errno));
	}
	d->jgen++;
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
	const char *kv[] = {"occ", o->id, "due", due, "bulletin", o->bulletin, "campaign", o->campaign,
			    "zones", zones, "level", level_name(o->level), "expected", expected,
			    "detail", detail, NULL};
	jwrite(d, event, kv);
	note_outcome(d, !strcmp(event, "failed") ? OUT_FAILED : OUT_MISSED);
	if (!strcmp(event, "failed")) {
		log_warnx("broadcast %s (%s) failed: %s", o->id, o->bulletin, detail);
		set_error(d, "%s failed: %s", o->id, detail);
	} else {
		log_info("broadcast %s (%s) missed: %s", o->id, o->bulletin, detail);
	}
}

static void record_end(struct daemon *d, const char *outcome, const char *detail)
{
	char played[32], expected[32];
	snprintf(played, sizeof(played), "%.3f", player_seconds(d->pl));
	snprintf(expected, sizeof(expected), "%.3f", d->cur_expected);
	const char *kv[] = {"occ", d->cur.id, "outcome", outcome, "played", played,
			    "expected", expected, "detail", detail, NULL};
	jwrite(d, "end", kv);
	note_outcome(d, strcmp(outcome, "aired") ? OUT_PARTIAL : OUT_AIRED);
	log_info("broadcast %s (%s) %s: %s of %s s%s%s", d->cur.id, d->cur.bulletin, outcome, played,
		 expected, *detail ? ": " : "", detail);
	d->playing = 0;
	d->player_done = 0;
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
		log_warnx("no sound card: audio device '%s' will not open; writing the audio to %s instead",
			  d->st.audio_device, d->st.audio_fallback);
	if (fb) {
		audio_lost(d, "will not open; audio goes to the fallback WAV file", d->st.audio_fallback);
	} else if (d->audio_down) {
		log_info("audio device '%s' is back", d->st.audio_device);
		const char *kv[] = {"device", d->st.audio_device, NULL};
		jwrite(d, "audio-back", kv);
		d->audio_down = 0;
	}
	d->fallback_active = fb;
}

static void run_engine(struct daemon *d, const char *gap_reason);
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
	d->starting = 0;
	if (player_start(d->pl, d->pend_path, o->repeat > 0 ? o->repeat : 1,
			 d->st.audio_gain_db + o->gain_db, err, sizeof(err)) < 0) {
		if (strstr(err, "audio device"))
			audio_lost(d, err, NULL);
		record_outcome(d, "failed", o, err);
		return -1;
	}
	note_fallback(d);
	d->cur = *o;
	d->cur_expected = d->pend_expected;
	d->cur_started = clock_now();
	d->playing = 1;
	d->player_done = 0;
	d->bc_gen++;
	char due[26], zones[160], expected[32], repeat[16], serial[32];
	civil_tz_format(o->due, due);
	zones_str(o->zones, zones, sizeof(zones));
	snprintf(expected, sizeof(expected), "%.3f", d->cur_expected);
	snprintf(repeat, sizeof(repeat), "%d", o->repeat > 0 ? o->repeat : 1);
	snprintf(serial, sizeof(serial), "%lld", d->sched->serial);
	const char *kv[] = {"occ", o->id, "due", due, "bulletin", o->bulletin, "campaign", o->campaign,
			    "zones", zones, "level", level_name(o->level), "repeat", repeat,
			    "expected", expected, "serial", serial, NULL};
	jwrite(d, "start", kv);
	log_info("playing %s: bulletin %s%s%s, %.1f s%s", o->id, o->bulletin,
		 o->campaign[0] ? " of campaign " : "", o->campaign, d->cur_expected,
		 d->fallback_active ? " (to the fallback WAV file)" : "");
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
				d->amp_ops++;
				have_res = amp_begin(d->amp, amp_op_for(a), a->zones, &res);
			}
			break;
		case SACT_PLAY:
			if (d->starting && begin_playing(d) < 0) {
				end_after = 1;
				broadcast_over(d);
			}
			break;
		case SACT_AIRED:
			if (d->playing) {
				record_end(d, "aired",
					   d->fallback_active ? "no sound card: played to the fallback WAV file" : "");
				player_stop(d->pl);
				broadcast_over(d);
			}
			break;
		case SACT_STOP:
			if (d->playing) {
				player_stop(d->pl);
				set_error(d, "%s: %s", d->cur.id, a->reason);
				record_end(d, "partial", a->reason);
				broadcast_over(d);
			}
			break;
		case SACT_FAIL:
			if (d->starting) {
				d->starting = 0;
				record_outcome(d, "failed", &d->pend, a->reason);
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
			log_info("amplifier %s answers and reads back right again", amp_peer(d->amp));
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

/* Check the bulletin, then ask the amplifier sequence for the amplifier;
 * the player starts on its SACT_PLAY. Returns 1 if the broadcast is
 * starting or playing, 0 if it failed (recorded). */
static int start_broadcast(struct daemon *d, const struct occurrence *o)
{
	char path[PATHBUF + ID_MAX], err[512], sum[65];
	const struct bulletin *b = catalog_find(&d->cat, o->bulletin);
	if (!b) {
		snprintf(err, sizeof(err), "bulletin %s is not in the library", o->bulletin);
		record_outcome(d, "failed", o, err);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", d->st.library, b->file);
	if (sha256_file(path, sum) < 0) {
		snprintf(err, sizeof(err), "file missing: %s (%s)", path,
			 errno == EINVAL ? "not a plain file" : strerror(errno));
		record_outcome(d, "failed", o, err);
		return 0;
	}
	if (strcmp(sum, b->sha256)) {
		snprintf(err, sizeof(err), "checksum: %s does not match its catalog entry (changed or damaged)",
			 path);
		record_outcome(d, "failed", o, err);
		return 0;
	}
	/* issue 12: a pushed bulletin plays only as signed, whatever the catalog says. */
	const char *pin = schedule_pinned_sha(d->sched, b->id);
	if (pin && strcmp(sum, pin)) {
		snprintf(err, sizeof(err), "checksum: %s is not the recording the signed schedule names for %s (SHA-256 %.16s..., signed %.16s...)",
			 path, b->id, sum, pin);
		record_outcome(d, "failed", o, err);
		return 0;
	}
	d->pend = *o;
	str_copy(d->pend_path, path, sizeof(d->pend_path));
	d->pend_expected = b->duration * (o->repeat > 0 ? o->repeat : 1);
	d->starting = 1;
	/* The amplifier is retried for this occurrence while it is within the
	 * catch-up window (an on-demand play is due when asked for). */
	int64_t left_s = o->due + (int64_t)d->st.catchup_minutes * 60 - clock_now();
	struct seq_event e = {.type = SEV_BEGIN, .zones = o->zones, .giveup_ms = mono_ms() + left_s * 1000};
	seq_feed(d, &e);
	return d->starting || d->playing;
}

static void arm_due_timer(struct daemon *d)
{
	int64_t t = engine_next_wake(d->eng);
	d->armed_due = t;
	if (clock_timer_at(d->tfd_due, t) < 0)
		log_warn("cannot arm the due timer");
	d->armed_real = clock_now_ns();
	d->armed_mono = clock_mono_ns();
	char ts[26];
	civil_tz_format(t, ts);
	log_debug("sleeping until %s", ts);

	/* systemctl status shows this line ("Status:"). */
	struct occurrence next;
	char nts[26] = "";
	size_t k = engine_upcoming(d->eng, clock_now(), &next, 1);
	if (k)
		civil_tz_format(next.due, nts);
	if (d->playing && k)
		notify_status("playing %s (bulletin %s); next %s at %s", d->cur.id, d->cur.bulletin,
			      next.bulletin, nts);
	else if (d->playing)
		notify_status("playing %s (bulletin %s)", d->cur.id, d->cur.bulletin);
	else if (k)
		notify_status("idle, schedule serial %lld; next %s (bulletin %s) at %s", d->sched->serial,
			      next.id, next.bulletin, nts);
	else
		notify_status("idle, schedule serial %lld; nothing due in the next %d days",
			      d->sched->serial, ENGINE_HORIZON / 86400);
}

/* Healthy: the loop turns (this runs from it) and a broadcast that plays
 * makes progress; an audio device that stopped taking samples for two
 * ticks in a row stops the pings, and systemd restarts the daemon. */
static void on_watchdog(struct daemon *d)
{
	uint64_t x;
	(void)!read(d->tfd_wd, &x, sizeof(x));
	clock_mono_timer_in(d->tfd_wd, d->wd_ms);
	if (d->playing) {
		double s = player_seconds(d->pl);
		d->wd_stalled = s == d->wd_played ? d->wd_stalled + 1 : 0;
		d->wd_played = s;
	} else {
		d->wd_stalled = 0;
	}
	if (d->wd_stalled < 2)
		notify_watchdog();
	else
		log_warnx("audio device stalled: %s has played nothing for %lld ms", d->cur.id,
			  (long long)(d->wd_stalled * d->wd_ms));
}

/* Let the engine decide, perform what it says, until it is quiet. */
static void run_engine(struct daemon *d, const char *gap_reason)
{
	struct engine_action acts[ENGINE_ACTIONS_MAX];
	d->in_engine++;
	for (int rounds = 0; rounds < 100000; rounds++) {
		size_t n = engine_tick(d->eng, clock_now(), gap_reason, acts, ENGINE_ACTIONS_MAX);
		if (!n)
			break;
		for (size_t i = 0; i < n; i++) {
			struct engine_action *a = &acts[i];
			switch (a->type) {
			case ACT_MISSED:
				record_outcome(d, "missed", &a->occ, a->detail);
				break;
			case ACT_PREEMPT:
				if (d->playing) {
					player_stop(d->pl);
					record_end(d, "partial", a->detail);
					seq_simple(d, SEV_END);
				} else if (d->starting) {
					char why[300];
					snprintf(why, sizeof(why), "%s before it started (the amplifier was being switched on)",
						 a->detail);
					d->starting = 0;
					record_outcome(d, "failed", &d->pend, why);
					seq_simple(d, SEV_END);
				}
				break;
			case ACT_START:
				if (!start_broadcast(d, &a->occ))
					engine_done(d->eng);
				break;
			}
		}
	}
	d->in_engine--;
	d->engine_due = 0; /* the loop above has seen every end */
	arm_due_timer(d);
}

/* The player stopped by itself. Played to the end, it is `aired` only
 * when the amplifier's read-back after the last sample confirms it was on
 * (SACT_AIRED; SACT_STOP makes it partial). */
static void finish_broadcast(struct daemon *d, enum player_state ps)
{
	if (ps == PLAYER_DONE) {
		d->player_done = 1;
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

/* Parse and validate st.schedule into *out. 0, or -1 with a summary in why. */
static int load_schedule(struct daemon *d, struct schedule *out, char *why, size_t n)
{
	struct errlist errs = {0};
	int r = config_load_schedule(d->st.schedule, out, &errs);
	if (r == 0 && validate_schedule(out, &d->st, &d->cat, &errs))
		r = -1;
	if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_warnx("%s", errs.msg[i]);
		snprintf(why, n, "%s%s", errs.n ? errs.msg[0] : "invalid schedule",
			 errs.n > 1 ? " (and more: see loaxactl schedule check)" : "");
		schedule_free(out);
	} else if (bundle_serial_raise(&d->st, out->serial) < 0) {
		/* issue 12: the highest serial ever in force, kept on its own. */
		log_warn("cannot record serial %lld in %s/" BUNDLE_SERIAL_FILE, out->serial, d->st.state);
	}
	errlist_free(&errs);
	return r;
}

/* Keep the exact schedule (and its signature) beside the journal, so that
 * reports on a copied journal folder know what was in force. */
static void archive_schedule(struct daemon *d, const struct schedule *s)
{
	char dst[PATHBUF + 64], sum[65], src_sig[PATHBUF + 16], dst_sig[PATHBUF + 80];
	size_t len;
	report_archive_path(d->st.journal, s->serial, dst, sizeof(dst));
	if (sha256_file(dst, sum) == 0 && !strcmp(sum, s->sha256))
		return; /* already there */
	char *buf;
	if (read_file_all(s->file, 1 << 20, 0, &buf, &len) < 0) {
		log_warn("cannot archive schedule %s", s->file);
		return;
	}
	unsigned char h[32];
	crypto_hash_sha256(h, (const unsigned char *)buf, len);
	hex_encode(h, sizeof(h), sum);
	char dir[PATHBUF + 64];
	path_dirname(dst, dir, sizeof(dir));
	if (strcmp(sum, s->sha256))
		log_warnx("schedule %s changed since it was loaded: not archived", s->file);
	else if (mkdir_p(dir, 0750) < 0 || write_file_atomic(dst, buf, len) < 0)
		log_warn("cannot archive schedule serial %lld in %s", s->serial, dst);
	free(buf);
	snprintf(src_sig, sizeof(src_sig), "%s.minisig", s->file);
	snprintf(dst_sig, sizeof(dst_sig), "%s.minisig", dst);
	if (read_file_all(src_sig, 1 << 16, 0, &buf, &len) == 0) {
		if (write_file_atomic(dst_sig, buf, len) < 0)
			log_warn("cannot archive %s", src_sig);
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
	char serial[32], signer[64], comment[MINISIGN_COMMENT_MAX + 1], note[600], cm[400];
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
	log_info("schedule serial %lld installed (%zu campaigns, %zu slots), %s%s%s", s->serial,
		 s->ncampaigns, s->nslots, ok ? "signed by key " : "unsigned: ", ok ? signer : note,
		 bundle ? ", from the spool" : "");
}

/* file: what was refused (the station's schedule, or a spool bundle). */
static void journal_rejected_file(struct daemon *d, long long serial, const char *file,
				  const char *why, const char *bundle)
{
	char sr[32], reason[1200];
	snprintf(sr, sizeof(sr), "%lld", serial);
	utf8_cut(reason, why, sizeof(reason));
	const char *kv[] = {"serial", serial ? sr : "", "file", file, "reason", reason, "bundle", bundle,
			    NULL};
	jwrite(d, "schedule-rejected", kv);
	set_error(d, "schedule rejected: %s", why);
	log_warnx("schedule %s rejected, keeping serial %lld: %s", file, d->sched->serial, why);
}

static void journal_rejected(struct daemon *d, long long serial, const char *why)
{
	journal_rejected_file(d, serial, d->st.schedule, why, NULL);
}

/* Reload the catalog and the schedule; the old ones stay on any error.
 * bundle: the spool bundle just installed, or NULL. */
static int do_reload_from(struct daemon *d, char *msg, size_t n, const char *bundle)
{
	struct errlist errs = {0};
	struct catalog cat;
	char libcat[PATHBUF + 16];
	snprintf(libcat, sizeof(libcat), "%s/catalog.conf", d->st.library);
	if (catalog_load(libcat, &cat, &errs) == 0) {
		catalog_free(&d->cat);
		d->cat = cat;
	} else {
		for (size_t i = 0; i < errs.n; i++)
			log_warnx("%s", errs.msg[i]);
		catalog_free(&cat);
	}
	errlist_free(&errs);

	struct schedule *s = xcalloc(1, sizeof(*s));
	char why[900];
	if (load_schedule(d, s, why, sizeof(why)) < 0) {
		journal_rejected(d, 0, why);
		snprintf(msg, n, "error: schedule rejected, serial %lld keeps running: %s\n", d->sched->serial, why);
		free(s);
		return -1;
	}
	if (s->serial <= d->sched->serial) {
		int same = !strcmp(s->sha256, d->sched->sha256);
		if (!same) {
			snprintf(why, sizeof(why), "serial %lld is not greater than the running serial %lld",
				 s->serial, d->sched->serial);
			journal_rejected(d, s->serial, why);
			snprintf(msg, n, "error: schedule rejected: %s\n", why);
		} else {
			snprintf(msg, n, "ok\nschedule unchanged (serial %lld); library reloaded (%zu bulletins)\n",
				 s->serial, d->cat.n);
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
	snprintf(msg, n, "ok\nschedule serial %lld installed; library has %zu bulletins\n", s->serial, d->cat.n);
	if (d->synced)
		run_engine(d, NULL);
	return 0;
}

static int do_reload(struct daemon *d, char *msg, size_t n)
{
	return do_reload_from(d, msg, n, NULL);
}

/* ---- pushed bundles (the spool; docs/PUSH.md) ---- */

/* Look at the bundles the spool has ready. Not while a broadcast starts
 * or plays: checking a bundle decodes its audio, which would starve the
 * device (and it blocks the loop for that long). */
static void process_spool(struct daemon *d)
{
	char name[SPOOL_NAME_MAX + 1];
	int64_t age;
	while (d->synced && !d->playing && !d->starting &&
	       spool_next(d->spool, name, sizeof(name), &age)) {
		char conf[PATHBUF + 256], sig[PATHBUF + 256], err[512], msg[1024];
		snprintf(conf, sizeof(conf), "%s/%s.conf", d->st.spool, name);
		snprintf(sig, sizeof(sig), "%s/%s.conf.minisig", d->st.spool, name);
		long long running = d->sched->serial > d->journal_serial ? d->sched->serial : d->journal_serial;
		struct bundle_request rq = {.conf = conf, .sig = sig, .audio_dir = d->st.spool,
					    .running_serial = running, .running_sha = d->sched->sha256,
					    .final = age >= (int64_t)d->st.bundle_wait_s * 1000,
					    .no_symlinks = 1, .short_names = 1, .now = clock_now()};
		struct bundle_result res;
		struct errlist errs = {0}, warns = {0};
		enum bundle_status bs = bundle_install(&d->st, &rq, &res, &errs, &warns);
		for (size_t i = 0; i < warns.n; i++)
			log_warnx("bundle %s: %s", name, warns.msg[i]);
		switch (bs) {
		case BUNDLE_SAME:
			log_info("bundle %s is the schedule in force already; removed from the spool", name);
			bundle_spool_remove(&d->st, name);
			spool_done(d->spool, name);
			break;
		case BUNDLE_WAIT:
			log_info("bundle %s: waiting (up to %d s in all) for: %s", name, d->st.bundle_wait_s,
				 errs.n ? errs.msg[0] : "?");
			spool_defer(d->spool, name);
			break;
		case BUNDLE_REJECTED:
			for (size_t i = 1; i < errs.n; i++)
				log_warnx("bundle %s: also: %s", name, errs.msg[i]);
			journal_rejected_file(d, res.serial, conf, errs.n ? errs.msg[0] : "refused", name);
			if (bundle_spool_reject(&d->st, name, &res, &errs, clock_now(), err, sizeof(err)) < 0)
				log_warnx("bundle %s: %s", name, err);
			spool_done(d->spool, name);
			break;
		case BUNDLE_OK:
			log_info("bundle %s: serial %lld verified (key %s) and installed; %zu new bulletin(s)",
				 name, res.serial, res.signer, res.ncopied);
			bundle_spool_remove(&d->st, name);
			spool_done(d->spool, name);
			do_reload_from(d, msg, sizeof(msg), name);
			break;
		}
		errlist_free(&errs);
		errlist_free(&warns);
	}
}

/* ---- start-up once the clock can be trusted ---- */

struct scan_state {
	struct daemon *d;
	int64_t now, last_time, installed_at;
	long long installed_serial, max_serial;
	char installed_sha[65];
	char installed_signer[64];
	char (*last_bulletin)[ID_MAX]; /* per campaign of the running schedule */
};

static int scan_cb(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	struct scan_state *s = ctx;
	s->last_time = r->time;
	const char *ev = r->event;
	/* A device lost before a restart is still owed its audio-back. */
	if (!strcmp(ev, "audio-lost"))
		s->d->audio_down = 1;
	else if (!strcmp(ev, "audio-back"))
		s->d->audio_down = 0;
	if (!strcmp(ev, "schedule-installed")) {
		const char *sr = record_get(r, "serial"), *sh = record_get(r, "sha256");
		const char *sg = record_get(r, "signer");
		s->installed_serial = sr ? atoll(sr) : 0;
		if (s->installed_serial > s->max_serial)
			s->max_serial = s->installed_serial;
		str_copy(s->installed_sha, sh ? sh : "", sizeof(s->installed_sha));
		str_copy(s->installed_signer, sg ? sg : "", sizeof(s->installed_signer));
		s->installed_at = r->time;
		return 0;
	}
	const char *occ = record_get(r, "occ");
	if (!occ)
		return 0;
	int oc = !strcmp(ev, "end") ? outcome_parse(record_get(r, "outcome") ? record_get(r, "outcome") : "")
				    : outcome_parse(ev);
	if (oc >= 0) {
		s->d->last_bc_time = r->time;
		s->d->last_bc_outcome = oc + 1;
	}
	if (!strcmp(ev, "start") || !strcmp(ev, "failed") || !strcmp(ev, "missed") ||
	    !strcmp(ev, "interrupted")) {
		const char *due = record_get(r, "due");
		int64_t t = r->time;
		if (due)
			civil_parse_iso(due, &t);
		if (t >= s->now - 3 * 86400)
			engine_mark_handled(s->d->eng, occ, t);
	}
	if (!strcmp(ev, "start") || !strcmp(ev, "failed")) {
		const char *c = record_get(r, "campaign"), *b = record_get(r, "bulletin");
		ssize_t ci = c && *c ? schedule_campaign_index(s->d->sched, c) : -1;
		if (ci >= 0 && b)
			str_copy(s->last_bulletin[ci], b, ID_MAX);
	}
	return 0;
}

static void scan_problem(void *ctx, const struct journal_pos *pos, const char *what)
{
	log_warnx("journal %s:%zu: %s", pos->file, pos->line, what);
}

static void on_synced(struct daemon *d)
{
	char err[512];
	struct journal_recovery rec;
	memset(&rec, 0, sizeof(rec));
	d->j = journal_open(d->st.journal, d->st.id, d->st.commune_code, d->st.district_code, &rec,
			    err, sizeof(err));
	if (!d->j)
		fatalx("cannot open the journal %s: %s", d->st.journal, err);
	d->synced = 1;
	int64_t now = clock_now();

	if (rec.torn_bytes) {
		char off[32], bytes[32];
		snprintf(off, sizeof(off), "%ld", rec.torn_offset);
		snprintf(bytes, sizeof(bytes), "%zu", rec.torn_bytes);
		const char *kv[] = {"file", rec.torn_log, "offset", off, "bytes", bytes, "saved",
				    rec.torn_file, NULL};
		jwrite(d, "torn", kv);
		log_warnx("journal: a torn last line (%zu bytes, power cut while writing) was set aside in %s",
			  rec.torn_bytes, rec.torn_file);
	}
	for (size_t i = 0; i < rec.nopen; i++) {
		const struct record *s = &rec.open_starts[i];
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
		log_warnx("broadcast %s was interrupted by a crash or power cut", occ ? occ : "?");
	}
	int64_t last = rec.last_time;
	journal_recovery_free(&rec);

	/* What the journal says: handled occurrences, rotation, schedule in force. */
	struct scan_state ss = {.d = d, .now = now};
	ss.last_bulletin = xcalloc(d->sched->ncampaigns + 1, ID_MAX);
	int32_t today;
	civil_tz_local(now, &today, NULL, NULL);
	int y, m, dd;
	civil_from_days(today - 62, &y, &m, &dd);
	char from_month[8];
	snprintf(from_month, sizeof(from_month), "%04d-%02d", y, m);
	struct journal_scan_result res;
	if (journal_scan(d->st.journal, from_month, NULL, scan_cb, scan_problem, &ss, &res, err,
			 sizeof(err)) < 0)
		log_warnx("journal: cannot read back %s: %s", d->st.journal, err);
	else if (!res.chain_ok)
		log_warnx("journal: the hash chain does not verify (%s); run loaxactl log verify", res.first_bad);
	d->journal_serial = ss.max_serial;
	for (size_t i = 0; i < d->sched->ncampaigns; i++)
		if (ss.last_bulletin[i][0])
			engine_set_rotation(d->eng, d->sched->campaigns[i].id, ss.last_bulletin[i]);
	free(ss.last_bulletin);

	char pid[16], serial[32];
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(serial, sizeof(serial), "%lld", d->sched->serial);
	const char *kv[] = {"version", LOAXA_VERSION, "pid", pid, "serial", serial, NULL};
	jwrite(d, "station-start", kv);
	if (d->waited_sync) {
		jwrite(d, "clock-synced", NULL);
		log_info("the clock is synchronised: broadcasting starts");
	}
	if (seq_fault(d->seq)) { /* raised before the journal could be opened */
		const char *fk[] = {"peer", amp_peer(d->amp), "reason", seq_fault(d->seq), NULL};
		jwrite(d, "amp-fault", fk);
	}

	if (d->pending_reject[0]) {
		journal_rejected(d, 0, d->pending_reject);
	} else if (d->sched->serial && (d->sched->serial != ss.installed_serial ||
					strcmp(d->sched->sha256, ss.installed_sha))) {
		if (d->sched->serial < ss.installed_serial ||
		    (d->sched->serial == ss.installed_serial && strcmp(d->sched->sha256, ss.installed_sha))) {
			char why[256];
			snprintf(why, sizeof(why), "serial %lld is not greater than serial %lld installed before",
				 d->sched->serial, ss.installed_serial);
			struct schedule *old = d->sched;
			d->sched = (struct schedule *)&empty_schedule;
			engine_set_schedule(d->eng, d->sched);
			journal_rejected(d, old->serial, why);
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
	log_info("station %s ready: schedule serial %lld, journal %s", d->st.id, d->sched->serial,
		 d->st.journal);
	run_engine(d, last ? "the station was not running (or its clock was not synchronised)" : NULL);
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
		case OUT_PARTIAL: sc->partial++; break;
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
		log_warnx("Modbus status: cannot count this month's broadcasts: %s", err);
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
			  : d->playing ? MBS_STATION_PLAYING
			  : d->starting ? MBS_STATION_STARTING
					: MBS_STATION_IDLE;
	s.amp_state = amp_state_code(d);
	s.amp_fault = seq_fault(d->seq) != NULL;
	s.last_broadcast = d->last_bc_time;
	s.last_outcome = d->last_bc_outcome;
	int key = month_key_of(now);
	s.year = key / 12;
	s.month = key % 12 + 1;
	s.now = now;
	s.uptime = (clock_mono_ns() - d->mono_start) / 1000000000;
	s.queued = d->synced ? (unsigned)engine_queued(d->eng) : 0;
	if (d->synced) {
		month_counts(d, now);
		s.campaigns = d->counts;
		s.ncampaigns = d->ncounts;
	}
	modbus_status_update(d->mbs, &s);
}

/* ---- control requests ---- */

static void fmt_duration(int64_t s, char *buf, size_t n)
{
	snprintf(buf, n, "%lldh %02lldm %02llds", (long long)(s / 3600), (long long)(s / 60 % 60),
		 (long long)(s % 60));
}

static void status_reply(struct daemon *d, char *out, size_t n)
{
	size_t l = 0;
#define P(...) (l += (size_t)snprintf(out + l, l < n ? n - l : 0, __VA_ARGS__))
	int64_t now = clock_now();
	char ts[26], up[32];
	P("ok\n");
	P("station:   %s (%s), commune %s\n", d->st.name, d->st.id, d->st.commune_code);
	civil_tz_format(now, ts);
	P("time:      %s%s\n", ts, d->synced ? "" : " (NOT synchronised: nothing plays until it is)");
	if (d->starting) {
		P("state:     starting: the amplifier is being switched on (%s)\n",
		  seq_state_name(seq_state(d->seq)));
		P("playing:   %s  bulletin %s%s%s  (not started: waiting for the amplifier)\n", d->pend.id,
		  d->pend.bulletin, d->pend.campaign[0] ? "  campaign " : "", d->pend.campaign);
	} else if (d->playing) {
		P("state:     playing%s\n", d->player_done ? " (played; reading the amplifier back)" : "");
		P("playing:   %s  bulletin %s%s%s  %.1f of %.1f s\n", d->cur.id, d->cur.bulletin,
		  d->cur.campaign[0] ? "  campaign " : "", d->cur.campaign, player_seconds(d->pl),
		  d->cur_expected);
	} else {
		P("state:     %s\n", d->synced ? "idle" : "waiting for the clock to be synchronised");
	}
	struct occurrence next[3];
	size_t k = d->synced ? engine_upcoming(d->eng, now, next, 3) : 0;
	for (size_t i = 0; i < k; i++) {
		civil_tz_format(next[i].due, ts);
		P("next:      %s  %s  bulletin %s  %s\n", ts, next[i].id, next[i].bulletin,
		  level_name(next[i].level));
	}
	if (!k)
		P("next:      nothing scheduled in the next %d days\n", ENGINE_HORIZON / 86400);
	if (d->installed_at) {
		civil_tz_format(d->installed_at, ts);
		P("schedule:  serial %lld, %.12s, installed %s by %s\n", d->sched->serial, d->sched->sha256,
		  ts, d->installed_signer[0] ? d->installed_signer : "?");
	} else {
		P("schedule:  serial %lld\n", d->sched->serial);
	}
	P("library:   %zu bulletins\n", d->cat.n);
	P("push:      %s%s\n", !d->st.ntrust_keys ? "refused: no trusted key (trust.keys)" : d->spool ? "watching " : "spool not watched: ",
	  d->st.ntrust_keys ? d->st.spool : "");
	P("audio:     %s%s%s\n", d->st.audio_device, d->fallback_active ? ", no sound card: writing to " : "",
	  d->fallback_active ? d->st.audio_fallback : "");
	if (!amp_enabled(d->amp)) {
		P("amplifier: none configured\n");
	} else {
		P("amplifier: %s, %s%s\n", amp_peer(d->amp), seq_state_name(seq_state(d->seq)),
		  amp_connected(d->amp) ? "" : " (not connected)");
		const char *standing = seq_fault(d->seq), *last = seq_last_fault(d->seq, NULL);
		if (standing) {
			civil_tz_format(d->amp_fault_since, ts);
			P("amp fault: %s (since %s)\n", standing, ts);
		} else if (last[0]) {
			civil_tz_format(d->amp_fault_last, ts);
			P("amp fault: none (last: %s, at %s; cleared)\n", last, ts);
		} else {
			P("amp fault: none\n");
		}
	}
	if (d->st.amp.status_enabled)
		P("modbus:    status server %s on %s port %d\n", d->mbs ? "listening" : "NOT running",
		  d->st.amp.status_address, d->mbs ? modbus_status_port(d->mbs) : d->st.amp.status_port);
	P("queued:    %zu\n", d->synced ? engine_queued(d->eng) : 0);
	P("last error: %s\n", d->last_error[0] ? d->last_error : "none");
	fmt_duration((clock_mono_ns() - d->mono_start) / 1000000000, up, sizeof(up));
	P("uptime:    %s\n", up);
#undef P
}

static void on_request(void *ctx, const char *req, char *out, size_t n)
{
	struct daemon *d = ctx;
	char cmd[16] = "", arg[CONTROL_REQ_MAX] = "", opt[32] = "", extra[8] = "";
	int k = sscanf(req, "%15s %511s %31s %7s", cmd, arg, opt, extra);
	if (k <= 0) {
		snprintf(out, n, "error: empty request\n");
		return;
	}
	if (!strcmp(cmd, "status") && k == 1) {
		status_reply(d, out, n);
	} else if (!strcmp(cmd, "play") && (k == 2 || (k == 3 && !strcmp(opt, "emergency")))) {
		const struct bulletin *b = catalog_find(&d->cat, arg);
		if (!d->synced) {
			snprintf(out, n, "error: the clock is not synchronised yet; nothing can play or be logged until it is\n");
		} else if (!b) {
			snprintf(out, n, "error: no bulletin '%.100s' in the library (see: loaxactl bulletin list)\n", arg);
		} else {
			int em = k == 3;
			int was = d->playing || d->starting;
			size_t queued = engine_queued(d->eng);
			engine_play_now(d->eng, clock_now(), b->id, b->campaign, em);
			log_info("operator asked to play %s%s", b->id, em ? " as an emergency" : "");
			run_engine(d, NULL);
			/* Say what happened, not what was hoped for. */
			const struct occurrence *now = d->playing ? &d->cur : d->starting ? &d->pend : NULL;
			int ours = now && !strncmp(now->id, "manual@", 7) && !strcmp(now->bulletin, b->id);
			if (ours)
				snprintf(out, n, "ok\n%s %s\n", b->id,
					 d->starting ? "is starting (the amplifier is coming on)"
					 : was && em ? "pre-empted the broadcast that was playing and is playing now"
						     : "is playing now");
			else if (engine_queued(d->eng) > queued)
				snprintf(out, n, "ok\n%s plays next, when the current broadcast ends\n", b->id);
			else
				snprintf(out, n, "error: %s could not play: %s\n", b->id,
					 d->last_error[0] ? d->last_error : "see the journal");
		}
	} else if (!strcmp(cmd, "stop") && k == 1) {
		if ((d->playing || d->starting) && engine_stop(d->eng)) {
			char id[OCC_ID_MAX];
			if (d->playing) {
				str_copy(id, d->cur.id, sizeof(id));
				player_stop(d->pl);
				record_end(d, "partial", "stopped by the operator (loaxactl stop)");
			} else {
				str_copy(id, d->pend.id, sizeof(id));
				d->starting = 0;
				record_outcome(d, "failed", &d->pend,
					       "stopped by the operator (loaxactl stop) before the amplifier was ready");
			}
			seq_simple(d, SEV_END);
			run_engine(d, NULL);
			snprintf(out, n, "ok\nstopped %s\n", id);
		} else {
			snprintf(out, n, "ok\nnothing was playing\n");
		}
	} else if (!strcmp(cmd, "reload") && k == 1) {
		do_reload(d, out, n);
	} else {
		snprintf(out, n, "error: unknown request (status, play ID [emergency], stop, reload)\n");
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
	log_warnx("the clock was stepped by %lld s", (long long)delta);
	run_engine(d, delta > 0 ? "the clock was stepped forward" : NULL);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("stopping on %s", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			d->quit = 1;
			break;
		case SIGHUP: {
			char msg[1024];
			do_reload(d, msg, sizeof(msg));
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
			clock_timer_at(d->tfd_due, INT32_MAX);
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
	d->tfd_due = clock_timer_new();
	d->tfd_sync = clock_mono_timer_new();
	d->tfd_amp = clock_mono_timer_new();
	if (d->sfd < 0 || d->tfd_due < 0 || d->tfd_sync < 0 || d->tfd_amp < 0)
		fatal("cannot create the event loop's descriptors");
	d->mono_start = clock_mono_ns();
	d->tfd_wd = -1;
	uint64_t wd_usec = notify_watchdog_usec();
	if (wd_usec) {
		d->wd_ms = (int64_t)(wd_usec / 2000);
		if (d->wd_ms < 1)
			d->wd_ms = 1;
		d->tfd_wd = clock_mono_timer_new();
		if (d->tfd_wd < 0 || clock_mono_timer_in(d->tfd_wd, d->wd_ms) < 0)
			fatal("cannot arm the watchdog timer");
	}

	d->ctl = control_open(d->st.control, d->st.control_group, on_request, d, err, sizeof(err));
	if (!d->ctl)
		fatalx("%s", err);
	bundle_clean_staged(&d->st);
	d->spool = spool_open(d->st.spool, (int64_t)d->st.bundle_wait_s * 1000, err, sizeof(err));
	if (!d->spool)
		log_warnx("%s: pushed schedules will not be picked up", err);
	else if (!d->st.ntrust_keys)
		log_warnx("no trusted key (trust.keys in %s): pushed schedules will be refused", d->st.file);
	d->pl = player_new(d->st.audio_device, d->st.audio_fallback);
	if (!d->pl)
		fatalx("cannot create the audio player");

	struct errlist errs = {0};
	char libcat[PATHBUF + 16];
	snprintf(libcat, sizeof(libcat), "%s/catalog.conf", d->st.library);
	if (catalog_load(libcat, &d->cat, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_warnx("%s", errs.msg[i]);
		set_error(d, "library catalog unreadable: %s", errs.n ? errs.msg[0] : libcat);
	}
	errlist_free(&errs);
	log_info("library %s: %zu bulletins", d->st.library, d->cat.n);

	d->sched = xcalloc(1, sizeof(*d->sched));
	if (load_schedule(d, d->sched, d->pending_reject, sizeof(d->pending_reject)) < 0) {
		free(d->sched);
		d->sched = (struct schedule *)&empty_schedule;
		log_warnx("running with no schedule until a valid one is installed");
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
	if (amp_enabled(d->amp))
		log_info("amplifier %s: switching every coil off", amp_peer(d->amp));
	perform(d, &so);
	if (d->st.amp.status_enabled) {
		d->mbs = modbus_status_open(d->st.amp.status_address, d->st.amp.status_port, err, sizeof(err));
		if (d->mbs) {
			log_info("Modbus status server on %s port %d", d->st.amp.status_address,
				 modbus_status_port(d->mbs));
			/* issue 12: who may connect (amplifier.status.allow). */
			if (modbus_status_allow(d->mbs, d->st.amp.status_allow, d->st.amp.nstatus_allow, err,
						sizeof(err)) < 0)
				fatalx("%s", err);
			if (!d->st.amp.nstatus_allow && strcmp(d->st.amp.status_address, "127.0.0.1") &&
			    strcmp(d->st.amp.status_address, "::1"))
				log_warnx("Modbus status server on %s with no amplifier.status.allow: anyone who can reach that address can read it",
					  d->st.amp.status_address);
		} else {
			log_warnx("%s; running without it", err);
			set_error(d, "%s", err);
		}
	}

	if (clock_synced(&d->st)) {
		on_synced(d);
	} else {
		log_warnx("the clock is not synchronised yet: nothing will play or be logged until it is");
		d->waited_sync = 1;
		clock_mono_timer_in(d->tfd_sync, SYNC_RECHECK_MS);
		clock_timer_at(d->tfd_due, INT32_MAX);
	}

	if (!d->synced)
		notify_status("waiting for the clock to be synchronised; nothing plays until it is");
	notify_ready(NULL);

	while (!d->quit) {
		struct pollfd fds[MAX_POLL];
		int n = 0;
		fds[n++] = (struct pollfd){.fd = d->sfd, .events = POLLIN};
		fds[n++] = (struct pollfd){.fd = d->tfd_due, .events = POLLIN};
		fds[n++] = (struct pollfd){.fd = d->tfd_sync, .events = POLLIN};
		fds[n++] = (struct pollfd){.fd = d->tfd_amp, .events = POLLIN};
		fds[n++] = (struct pollfd){.fd = d->tfd_wd, .events = POLLIN}; /* -1: ignored by poll */
		int amp_at = n, namp = amp_pollfds(d->amp, fds + n, 2);
		n += namp;
		int sp_at = n, nsp = spool_pollfds(d->spool, fds + n, 2);
		n += nsp;
		int nctl = control_pollfds(d->ctl, fds + n, CONTROL_CLIENTS_MAX + 1);
		int ctl_at = n;
		n += nctl;
		int mbs_at = n, nmbs = 0;
		if (d->mbs) {
			nmbs = modbus_status_pollfds(d->mbs, fds + n, MODBUS_STATUS_CLIENTS_MAX + 1);
			n += nmbs;
		}
		int pl_at = n, npl = 0;
		if (d->playing && !d->player_done) {
			npl = player_pollfds(d->pl, fds + n, MAX_POLL - n);
			n += npl;
		}
		unsigned long ops = d->amp_ops, gen = d->bc_gen;
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (fds[0].revents)
			on_signal(d);
		if (d->quit)
			break;
		/* Readiness seen by poll is only good for what was polled: skip
		 * a Modbus operation or a player that has changed since. */
		int amp_ready = 0;
		for (int i = 0; i < namp; i++)
			amp_ready |= fds[amp_at + i].revents != 0;
		if (amp_ready && d->amp_ops == ops) {
			struct amp_result res;
			if (amp_service(d->amp, fds + amp_at, namp, &res)) {
				struct seq_event e = {.type = res.ok ? SEV_OP_OK : SEV_OP_ERROR, .rd = res.rd,
						      .error = res.error, .retry_ms = res.retry_ms};
				seq_feed(d, &e);
			}
		}
		if (fds[4].revents)
			on_watchdog(d);
		if (fds[3].revents) {
			uint64_t x;
			if (read(d->tfd_amp, &x, sizeof(x)) == sizeof(x))
				seq_simple(d, SEV_TIMER);
		}
		if (fds[1].revents)
			on_due_timer(d);
		if (fds[2].revents) {
			uint64_t x;
			(void)!read(d->tfd_sync, &x, sizeof(x));
			if (!d->synced && clock_synced(&d->st))
				on_synced(d);
			else if (!d->synced)
				clock_mono_timer_in(d->tfd_sync, SYNC_RECHECK_MS);
		}
		if (npl && d->playing && !d->player_done && d->bc_gen == gen) {
			int any = 0;
			for (int i = 0; i < npl; i++)
				any |= fds[pl_at + i].revents != 0;
			if (any) {
				enum player_state ps = player_service(d->pl, fds + pl_at, npl);
				if (ps == PLAYER_DONE || ps == PLAYER_ERROR)
					finish_broadcast(d, ps);
			}
		}
		control_service(d->ctl, fds + ctl_at, nctl);
		spool_service(d->spool, fds + sp_at, nsp);
		process_spool(d);
		if (nmbs) {
			int any = 0;
			for (int i = 0; i < nmbs; i++)
				any |= fds[mbs_at + i].revents != 0;
			if (any) {
				status_snapshot(d);
				modbus_status_service(d->mbs, fds + mbs_at, nmbs);
			}
		}
	}

	notify_stopping(d->playing ? "stopping: the broadcast playing is recorded partial" : "stopping");
	/* Safe state: the sequence ends what plays or waits (partial / failed
	 * with the reason) and switches every coil off, waiting for it. */
	amp_cancel(d->amp);
	seq_simple(d, SEV_SHUTDOWN);
	if (d->playing) {
		player_stop(d->pl);
		record_end(d, "partial", "the daemon was stopped during the broadcast");
	}
	if (d->synced) {
		const char *kv[] = {"reason", "stopped by signal", NULL};
		jwrite(d, "station-stop", kv);
	}
	log_info("stopped");
	modbus_status_close(d->mbs);
	amp_free(d->amp);
	seq_free(d->seq);
	free(d->counts);
	close(d->tfd_amp);
	control_close(d->ctl);
	spool_close(d->spool);
	player_free(d->pl);
	journal_close(d->j);
	engine_free(d->eng);
	if (d->sched != &empty_schedule) {
		schedule_free(d->sched);
		free(d->sched);
	}
	catalog_free(&d->cat);
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
	if (amp_run(a, AMP_CHECK, 0, &r) < 0) {
		fprintf(stderr, "%s: warning: amplifier unreachable: %s\n", d->st.file, r.error);
	} else {
		char zones[160];
		zones_str(r.rd.zones, zones, sizeof(zones));
		printf("%s: amplifier %s answers: power %s, zones on: %s%s\n", d->st.file, amp_peer(a),
		       r.rd.power ? "on" : "off", zones[0] ? zones : "none",
		       r.rd.fault < 0 ? "" : r.rd.fault ? ", FAULT INPUT RAISED" : ", fault input clear");
		if (r.rd.fault == 1)
			fprintf(stderr, "%s: warning: the amplifier's fault input %d is raised\n", d->st.file,
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
		if (!errs.n)
			printf("%s: serial %lld, %zu campaigns, %zu slots, %zu blackouts\n", d->st.schedule,
			       s.serial, s.ncampaigns, s.nslots, s.nblackouts);
		schedule_free(&s);
	}
	check_amplifier(d, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	int bad = errs.n != 0;
	if (bad)
		fprintf(stderr, "%zu problem(s) found\n", errs.n);
	else
		printf("%s: station %s OK; library %zu bulletins OK\n", d->st.file, d->st.id, d->cat.n);
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
	while ((c = getopt_long(argc, argv, "c:fvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'f': break; /* always foreground: systemd supervises, logs go to stderr */
		case 'v': verbose = 1; break;
		case 'C': do_check = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("loaxad %s\n", LOAXA_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!conf || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("loaxad", verbose);
	static struct daemon d;
	struct errlist errs = {0};
	if (config_load_station(conf, &d.st, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		fprintf(stderr, "loaxad: %zu problem(s) in the station file; not starting\n", errs.n);
		errlist_free(&errs);
		return do_check ? 1 : EXIT_CONFIG;
	}
	if (civil_tz_set(d.st.timezone) < 0) {
		fprintf(stderr, "loaxad: time zone %s is not installed (tzdata)\n", d.st.timezone);
		return do_check ? 1 : EXIT_CONFIG;
	}
	clock_init();
	if (do_check)
		return check(&d);
	return run(&d);
}
