/* The amplifier sequence: see sequence.h. One function per (state, event)
 * cell of the table at the bottom; the dispatcher turns timer changes into
 * SACT_TIMER / SACT_DISARM so handlers only say when they want waking. */
#include "sequence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct bcast {
	int active;       /* a broadcast wants the amplifier */
	int playing;      /* SACT_PLAY was issued for it */
	int played;       /* the player reached the end: the next good read-back airs it */
	uint32_t zones;
	int64_t giveup;   /* no retry starts after this */
	int64_t retry_at; /* planned retry after a fault; 0 = none planned */
	int attempts;     /* faults so far */
};

struct seq {
	struct seq_params p;
	enum seq_state st;
	struct bcast bc;
	enum seq_act op;      /* the operation in flight (SACT_POWER .. SACT_SAFE) */
	int power_cmd;        /* what the coils should read: last commanded */
	uint32_t zones_cmd;
	int unsure;           /* a coil may be on against our wish */
	int timer_on;         /* the timer is armed ... */
	int64_t timer_at;     /* ... for this instant */
	int timer_set;        /* a handler armed it during this event */
	int64_t warm_at;      /* the power came on: warm from this instant + warm-up */
	int64_t retry_delay;
	int fault_standing;   /* amp-fault journalled, amp-ok not yet */
	int fault_on;         /* it arose with the power wanted on */
	char fault[SEQ_REASON_MAX];
	int64_t fault_at;
};

typedef void (*seq_fn)(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o);

static struct seq_action *emit(struct seq_out *o, enum seq_act t)
{
	static struct seq_action spill;
	if (o->n >= SEQ_ACTIONS_MAX) /* cannot happen: no cell emits more than five */
		return &spill;
	struct seq_action *a = &o->a[o->n++];
	memset(a, 0, sizeof(*a));
	a->type = t;
	return a;
}

static void emit_reason(struct seq_out *o, enum seq_act t, const char *reason)
{
	str_copy(emit(o, t)->reason, reason, SEQ_REASON_MAX);
}

/* ---- moves ---- */

static void set_timer(struct seq *s, enum seq_state st, int64_t at)
{
	s->st = st;
	s->timer_on = 1;
	s->timer_at = at;
	s->timer_set = 1;
}

static void set_state(struct seq *s, enum seq_state st)
{
	s->st = st;
	s->timer_on = 0;
}

static void op_power(struct seq *s, int on, struct seq_out *o)
{
	s->op = SACT_POWER;
	s->power_cmd = on;
	emit(o, SACT_POWER)->on = on;
	set_state(s, SEQ_POWER);
}

static void op_zones(struct seq *s, uint32_t z, struct seq_out *o)
{
	s->op = SACT_ZONES;
	s->zones_cmd = z;
	emit(o, SACT_ZONES)->zones = z;
	set_state(s, SEQ_ZONES);
}

static void op_check(struct seq *s, struct seq_out *o)
{
	s->op = SACT_CHECK;
	emit(o, SACT_CHECK);
	set_state(s, SEQ_CHECK);
}

static void op_safe(struct seq *s, struct seq_out *o)
{
	s->op = SACT_SAFE;
	s->power_cmd = 0;
	s->zones_cmd = 0;
	emit(o, SACT_SAFE);
	set_state(s, SEQ_SAFING);
}

static void enter_hold(struct seq *s, int64_t now, struct seq_out *o)
{
	if (s->p.hold_ms > 0)
		set_timer(s, SEQ_HOLD, now + s->p.hold_ms);
	else
		op_power(s, 0, o);
}

static void enter_playing(struct seq *s, int64_t now)
{
	if (s->p.check_ms > 0)
		set_timer(s, SEQ_PLAYING, now + s->p.check_ms);
	else
		set_state(s, SEQ_PLAYING);
}

static void enter_linger(struct seq *s, int64_t now)
{
	set_timer(s, SEQ_LINGER, now + (s->p.linger_ms > 0 ? s->p.linger_ms : 0));
}

static void want(struct seq *s, const struct seq_event *ev)
{
	s->bc.active = 1;
	s->bc.playing = 0;
	s->bc.played = 0;
	/* Zones the amplifier does not switch are ignored (validation rejects
	 * slots naming them); none named = every wired zone. */
	s->bc.zones = ev->zones ? ev->zones & s->p.zones_all : s->p.zones_all;
	s->bc.giveup = ev->giveup_ms;
	s->bc.retry_at = 0;
	s->bc.attempts = 0;
	s->retry_delay = s->p.retry_min_ms;
}

/* ---- faults ---- */

static const char *op_context(const struct seq *s)
{
	switch (s->op) {
	case SACT_POWER: return s->power_cmd ? "switching the power on" : "switching the power off";
	case SACT_ZONES: return s->zones_cmd ? "switching the zones on" : "switching the zones off";
	case SACT_CHECK: return s->bc.played ? "at the end of playback" : "during playback";
	default: return "switching every coil off";
	}
}

/* Compare the read-back with what was commanded. 1 when it matches; 0 with
 * the first difference in why. The fault input is judged only with the
 * power on and warmed up (judge_fault): amplifiers may hold their protect
 * output while they start. */
static int reading_ok(const struct seq *s, const struct seq_reading *rd, int judge_fault, char *why,
		      size_t n)
{
	const char *ctx = op_context(s);
	if ((rd->power != 0) != (s->power_cmd != 0)) {
		snprintf(why, n, "amplifier: power coil %d reads back %s, should be %s (%s)", s->p.power_coil,
			 rd->power ? "on" : "off", s->power_cmd ? "on" : "off", ctx);
		return 0;
	}
	uint32_t diff = (rd->zones ^ s->zones_cmd) & s->p.zones_all;
	for (int i = 0; i < MAX_ZONES; i++) {
		if (!(diff & (1u << i)))
			continue;
		int on = (rd->zones >> i) & 1;
		snprintf(why, n, "amplifier: zone %d (coil %d) reads back %s, should be %s (%s)", i + 1,
			 s->p.zone_coil[i], on ? "on" : "off", on ? "off" : "on", ctx);
		return 0;
	}
	if (judge_fault && s->p.fault_input >= 0 && rd->fault == 1) {
		snprintf(why, n, "amplifier: fault input %d raised, the amplifier reports a fault (%s)",
			 s->p.fault_input, ctx);
		return 0;
	}
	return 1;
}

static void note_fault(struct seq *s, const char *reason, int on, int64_t now, struct seq_out *o)
{
	str_copy(s->fault, reason, sizeof(s->fault));
	s->fault_at = now;
	s->fault_on |= on;
	if (!s->fault_standing) {
		s->fault_standing = 1;
		emit_reason(o, SACT_FAULT, reason);
	}
}

/* The read-back matched. A fault that arose with the power on clears only
 * when the amplifier is confirmed on and healthy (zones or check, fault
 * input judged); one that arose switching off clears on any good answer. */
static void good_op(struct seq *s, struct seq_out *o)
{
	int healthy_on = s->power_cmd && (s->op == SACT_ZONES || s->op == SACT_CHECK);
	if (healthy_on)
		s->retry_delay = s->p.retry_min_ms;
	if (s->fault_standing && (healthy_on || !s->fault_on)) {
		s->fault_standing = 0;
		s->fault_on = 0;
		emit(o, SACT_CLEARED);
	}
}

/* A broadcast that has not started met a fault: plan a retry while the
 * catch-up window allows, else fail it. 1 when a retry is planned. */
static int plan_retry(struct seq *s, const char *reason, int64_t hint, int64_t now, struct seq_out *o)
{
	s->bc.attempts++;
	int64_t t = now + s->retry_delay;
	if (hint > t)
		t = hint;
	s->retry_delay = s->retry_delay * 2 > s->p.retry_max_ms ? s->p.retry_max_ms : s->retry_delay * 2;
	if (s->retry_delay <= 0)
		s->retry_delay = 1;
	if (t <= s->bc.giveup) {
		s->bc.retry_at = t;
		return 1;
	}
	char why[SEQ_REASON_MAX];
	if (s->bc.attempts > 1)
		snprintf(why, sizeof(why), "%.250s; %d attempts within the catch-up window", reason,
			 s->bc.attempts);
	else
		str_copy(why, reason, sizeof(why));
	emit_reason(o, SACT_FAIL, why);
	s->bc.active = 0;
	return 0;
}

/* An operation with the power wanted on (or switching it off) failed or
 * read back wrong: the broadcast is cut short or retried, and every coil
 * goes off. */
static void fault(struct seq *s, const char *reason, int64_t hint, int64_t now, struct seq_out *o)
{
	note_fault(s, reason, s->power_cmd, now, o);
	if (s->bc.active && s->bc.playing) {
		emit_reason(o, SACT_STOP, reason);
		s->bc.active = 0;
	} else if (s->bc.active) {
		plan_retry(s, reason, hint, now, o);
	}
	s->unsure = 1;
	op_safe(s, o);
}

/* Switching every coil off failed or read back wrong. */
static void safe_failed(struct seq *s, const char *reason, int64_t hint, int64_t now, struct seq_out *o)
{
	note_fault(s, reason, 0, now, o);
	s->unsure = 1;
	if (s->bc.active && !s->bc.retry_at)
		plan_retry(s, reason, hint, now, o);
	if (s->bc.active)
		set_timer(s, SEQ_RETRY, s->bc.retry_at > now ? s->bc.retry_at : now);
	else
		set_timer(s, SEQ_UNSAFE, now + s->p.safe_retry_ms);
}

static void error_reason(const struct seq *s, const struct seq_event *ev, char *why, size_t n)
{
	snprintf(why, n, "amplifier: %.240s (%s)", ev->error && *ev->error ? ev->error : "Modbus error",
		 op_context(s));
}

/* ---- the cells ---- */

static void ignore(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o) {}

/* BEGIN */
static void begin_power(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	want(s, ev);
	op_power(s, 1, o);
}

static void begin_later(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	want(s, ev); /* acted on when the operation in flight or the timer completes */
}

static void begin_zones(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	want(s, ev); /* power is on: switch the zones directly, no new warm-up ... */
	if (now < s->warm_at)
		set_timer(s, SEQ_WARMUP, s->warm_at); /* ... but finish one cut short */
	else
		op_zones(s, s->bc.zones, o);
}

static void begin_refused(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	emit_reason(o, SACT_FAIL, "the daemon is stopping");
}

/* END */
static void end_later(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	s->bc.active = 0;
}

static void end_warmup(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	s->bc.active = 0;
	enter_hold(s, now, o);
}

static void end_playing(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	s->bc.active = 0;
	enter_linger(s, now);
}

static void end_retry(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	s->bc.active = 0;
	if (s->unsure)
		set_timer(s, SEQ_UNSAFE, now + s->p.safe_retry_ms);
	else
		set_state(s, SEQ_OFF);
}

/* OP_OK */
static void power_done(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	char why[SEQ_REASON_MAX];
	if (!reading_ok(s, &ev->rd, 0, why, sizeof(why))) {
		fault(s, why, 0, now, o);
		return;
	}
	if (!s->power_cmd)
		s->unsure = 0;
	good_op(s, o);
	if (s->power_cmd)
		s->warm_at = now + s->p.warmup_ms;
	if (s->bc.active && s->power_cmd) {
		if (s->p.warmup_ms > 0)
			set_timer(s, SEQ_WARMUP, s->warm_at);
		else
			op_zones(s, s->bc.zones, o);
	} else if (s->bc.active) {
		op_power(s, 1, o); /* the power went off as a broadcast came: on again */
	} else if (s->power_cmd) {
		enter_hold(s, now, o);
	} else {
		set_state(s, SEQ_OFF);
	}
}

static void zones_done(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	char why[SEQ_REASON_MAX];
	if (!reading_ok(s, &ev->rd, 1, why, sizeof(why))) {
		fault(s, why, 0, now, o);
		return;
	}
	good_op(s, o);
	if (s->bc.active && s->bc.zones == s->zones_cmd) {
		s->bc.playing = 1;
		emit(o, SACT_PLAY);
		enter_playing(s, now);
	} else if (s->bc.active) {
		op_zones(s, s->bc.zones, o);
	} else if (s->zones_cmd) {
		op_zones(s, 0, o);
	} else {
		enter_hold(s, now, o);
	}
}

static void check_done(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	char why[SEQ_REASON_MAX];
	if (!reading_ok(s, &ev->rd, 1, why, sizeof(why))) {
		fault(s, why, 0, now, o); /* even if the broadcast ended meanwhile */
		return;
	}
	good_op(s, o);
	if (s->bc.active && s->bc.playing && s->bc.played) {
		emit(o, SACT_AIRED); /* on and healthy from the first sample to the last */
		s->bc.active = 0;
		enter_linger(s, now);
	} else if (s->bc.active && s->bc.playing) {
		enter_playing(s, now);
	}
	else if (s->bc.active)
		op_zones(s, s->bc.zones, o); /* another broadcast took over meanwhile */
	else
		enter_linger(s, now);        /* the broadcast ended meanwhile */
}

/* PLAYED */
static void played_check(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	s->bc.played = 1;
	op_check(s, o); /* the last read-back decides */
}

static void played_later(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	s->bc.played = 1; /* the read-back in flight decides */
}

static void safe_done(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	char why[SEQ_REASON_MAX];
	if (!reading_ok(s, &ev->rd, 0, why, sizeof(why))) {
		safe_failed(s, why, 0, now, o);
		return;
	}
	s->unsure = 0;
	good_op(s, o);
	if (s->bc.active && s->bc.retry_at > now)
		set_timer(s, SEQ_RETRY, s->bc.retry_at);
	else if (s->bc.active)
		op_power(s, 1, o);
	else
		set_state(s, SEQ_OFF);
}

static void down_result(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	char why[SEQ_REASON_MAX];
	if (ev->type == SEV_OP_ERROR) {
		error_reason(s, ev, why, sizeof(why));
		note_fault(s, why, 0, now, o);
	} else if (!reading_ok(s, &ev->rd, 0, why, sizeof(why))) {
		note_fault(s, why, 0, now, o);
	}
}

/* OP_ERROR */
static void op_failed(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	char why[SEQ_REASON_MAX];
	error_reason(s, ev, why, sizeof(why));
	fault(s, why, ev->retry_ms, now, o);
}

static void safe_error(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	char why[SEQ_REASON_MAX];
	error_reason(s, ev, why, sizeof(why));
	safe_failed(s, why, ev->retry_ms, now, o);
}

/* TIMER */
static void warmup_over(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	op_zones(s, s->bc.zones, o);
}

static void check_now(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	op_check(s, o);
}

static void linger_over(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	op_zones(s, 0, o);
}

static void hold_over(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	op_power(s, 0, o);
}

static void retry_now(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	s->bc.retry_at = 0;
	op_power(s, 1, o);
}

static void safe_again(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	op_safe(s, o);
}

/* SHUTDOWN */
static void stop_all(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	if (s->bc.active && s->bc.playing) {
		emit_reason(o, SACT_STOP, "the daemon was stopped during the broadcast");
	} else if (s->bc.active) {
		char why[SEQ_REASON_MAX];
		if (s->fault_standing)
			snprintf(why, sizeof(why), "the daemon was stopped before the amplifier was ready (%.240s)",
				 s->fault);
		else
			str_copy(why, "the daemon was stopped before the amplifier was ready", sizeof(why));
		emit_reason(o, SACT_FAIL, why);
	}
	s->bc.active = 0;
	op_safe(s, o);
	set_state(s, SEQ_DOWN);
}

static const seq_fn table[SEQ__NSTATES][SEV__N] = {
	/*               BEGIN          END          OP_OK        OP_ERROR     TIMER        SHUTDOWN  PLAYED */
	[SEQ_OFF]     = {begin_power,   ignore,      ignore,      ignore,      ignore,      stop_all, ignore},
	[SEQ_POWER]   = {begin_later,   end_later,   power_done,  op_failed,   ignore,      stop_all, ignore},
	[SEQ_WARMUP]  = {begin_later,   end_warmup,  ignore,      ignore,      warmup_over, stop_all, ignore},
	[SEQ_ZONES]   = {begin_later,   end_later,   zones_done,  op_failed,   ignore,      stop_all, ignore},
	[SEQ_PLAYING] = {begin_zones,   end_playing, ignore,      ignore,      check_now,   stop_all, played_check},
	[SEQ_CHECK]   = {begin_later,   end_later,   check_done,  op_failed,   ignore,      stop_all, played_later},
	[SEQ_LINGER]  = {begin_zones,   ignore,      ignore,      ignore,      linger_over, stop_all, ignore},
	[SEQ_HOLD]    = {begin_zones,   ignore,      ignore,      ignore,      hold_over,   stop_all, ignore},
	[SEQ_SAFING]  = {begin_later,   end_later,   safe_done,   safe_error,  ignore,      stop_all, ignore},
	[SEQ_RETRY]   = {begin_later,   end_retry,   ignore,      ignore,      retry_now,   stop_all, ignore},
	[SEQ_UNSAFE]  = {begin_power,   ignore,      ignore,      ignore,      safe_again,  stop_all, ignore},
	[SEQ_DOWN]    = {begin_refused, ignore,      down_result, down_result, ignore,      ignore,   ignore},
};

size_t seq_event(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *o)
{
	o->n = 0;
	if ((unsigned)ev->type >= SEV__N || (unsigned)s->st >= SEQ__NSTATES)
		return 0;
	/* A timer that is not (or no longer) due is stale: the one armed now
	 * will come. */
	if (ev->type == SEV_TIMER && (!s->timer_on || now < s->timer_at))
		return 0;
	int before = s->timer_on;
	s->timer_set = 0;
	table[s->st][ev->type](s, ev, now, o);
	if (s->timer_set && s->timer_on)
		emit(o, SACT_TIMER)->at = s->timer_at;
	else if (before && !s->timer_on)
		emit(o, SACT_DISARM);
	return o->n;
}

void seq_params_from_config(const struct amp_config *c, struct seq_params *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < MAX_ZONES; i++)
		p->zone_coil[i] = -1;
	p->power_coil = c->power_coil;
	p->fault_input = -1;
	p->retry_min_ms = SEQ_RETRY_MIN_MS;
	p->retry_max_ms = SEQ_RETRY_MAX_MS;
	p->safe_retry_ms = SEQ_SAFE_RETRY_MS;
	for (size_t i = 0; i < c->nzones && i < MAX_ZONES; i++) {
		int z = c->zones[i].zone;
		if (z >= 1 && z <= MAX_ZONES) {
			p->zones_all |= 1u << (z - 1);
			p->zone_coil[z - 1] = c->zones[i].coil;
		}
	}
	if (!c->enabled)
		return; /* the null adapter: no delays, nothing to read back */
	p->warmup_ms = c->warmup_ms;
	p->hold_ms = (int64_t)c->hold_s * 1000;
	p->check_ms = SEQ_CHECK_MS;
	p->fault_input = c->fault_input;
}

struct seq *seq_new(const struct seq_params *p, struct seq_out *out)
{
	struct seq *s = xcalloc(1, sizeof(*s));
	s->p = *p;
	if (s->p.retry_min_ms <= 0)
		s->p.retry_min_ms = 1;
	if (s->p.retry_max_ms < s->p.retry_min_ms)
		s->p.retry_max_ms = s->p.retry_min_ms;
	if (s->p.safe_retry_ms <= 0)
		s->p.safe_retry_ms = 1;
	s->retry_delay = s->p.retry_min_ms;
	s->unsure = 1; /* nobody knows what the coils were left at */
	out->n = 0;
	op_safe(s, out);
	return s;
}

void seq_free(struct seq *s)
{
	free(s);
}

enum seq_state seq_state(const struct seq *s)
{
	return s->st;
}

const char *seq_state_name(enum seq_state st)
{
	static const char *const names[SEQ__NSTATES] = {
		[SEQ_OFF] = "off",
		[SEQ_POWER] = "switching the power",
		[SEQ_WARMUP] = "warming up",
		[SEQ_ZONES] = "switching zones",
		[SEQ_PLAYING] = "on, playing",
		[SEQ_CHECK] = "on, playing",
		[SEQ_LINGER] = "on, zones on",
		[SEQ_HOLD] = "on, holding",
		[SEQ_SAFING] = "switching off",
		[SEQ_RETRY] = "off, waiting to retry",
		[SEQ_UNSAFE] = "not confirmed off",
		[SEQ_DOWN] = "stopped",
	};
	return (unsigned)st < SEQ__NSTATES ? names[st] : "?";
}

const char *seq_fault(const struct seq *s)
{
	return s->fault_standing ? s->fault : NULL;
}

const char *seq_last_fault(const struct seq *s, int64_t *at_ms)
{
	if (at_ms)
		*at_ms = s->fault_at;
	return s->fault;
}

int seq_busy(const struct seq *s)
{
	return s->bc.active;
}

int seq_timer(const struct seq *s, int64_t *at)
{
	if (at)
		*at = s->timer_on ? s->timer_at : 0;
	return s->timer_on;
}
