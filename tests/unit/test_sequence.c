/* Unit tests for sequence.c, the amplifier state machine: every event in
 * every state (a table of 72 expected cells), the timed happy path, back to
 * back broadcasts, each fault before and during playback, retries within
 * the catch-up window, fault journalling and clearing, the null twin's
 * parameters, and a long random walk checking the invariants (one
 * operation in flight, playback only on a confirmed amplifier, every
 * broadcast answered once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sequence.h"

#define WARM 2000
#define HOLD 30000
#define CHECK 1000
#define GIVEUP 120000

struct fx {
	struct seq *s;
	struct seq_params p;
	struct seq_out o;
	int64_t now;
	/* what the machine last commanded, to make a matching read-back */
	int power;
	uint32_t zones;
	int inflight;
	int64_t timer; /* -1 = none */
};

static void default_params(struct seq_params *p)
{
	memset(p, 0, sizeof(*p));
	p->warmup_ms = WARM;
	p->hold_ms = HOLD;
	p->linger_ms = 0;
	p->check_ms = CHECK;
	p->retry_min_ms = 1000;
	p->retry_max_ms = 30000;
	p->safe_retry_ms = 60000;
	p->zones_all = 0x3; /* zones 1 and 2 */
	p->power_coil = 0;
	for (int i = 0; i < MAX_ZONES; i++)
		p->zone_coil[i] = -1;
	p->zone_coil[0] = 1;
	p->zone_coil[1] = 2;
	p->fault_input = 5;
}

static void track(struct fx *f)
{
	for (size_t i = 0; i < f->o.n; i++) {
		const struct seq_action *a = &f->o.a[i];
		switch (a->type) {
		case SACT_POWER: f->power = a->on; f->inflight = 1; break;
		case SACT_ZONES: f->zones = a->zones; f->inflight = 1; break;
		case SACT_CHECK: f->inflight = 1; break;
		case SACT_SAFE: f->power = 0; f->zones = 0; f->inflight = 1; break;
		case SACT_TIMER: f->timer = a->at; assert_true(a->at >= f->now); break;
		case SACT_DISARM: f->timer = -1; break;
		default: break;
		}
	}
}

static void fx_init(struct fx *f, const struct seq_params *p)
{
	memset(f, 0, sizeof(*f));
	if (p)
		f->p = *p;
	else
		default_params(&f->p);
	f->now = 1000000;
	f->timer = -1;
	f->s = seq_new(&f->p, &f->o);
	assert_int_equal(f->o.n, 1);
	assert_int_equal(f->o.a[0].type, SACT_SAFE);
	track(f);
}

static size_t feed(struct fx *f, const struct seq_event *ev)
{
	if (ev->type == SEV_OP_OK || ev->type == SEV_OP_ERROR)
		f->inflight = 0;
	size_t n = seq_event(f->s, ev, f->now, &f->o);
	assert_int_equal(n, f->o.n);
	assert_true(n <= SEQ_ACTIONS_MAX);
	track(f);
	return n;
}

static size_t ev_begin(struct fx *f, uint32_t zones)
{
	struct seq_event e = {.type = SEV_BEGIN, .zones = zones, .giveup_ms = f->now + GIVEUP};
	return feed(f, &e);
}

static size_t ev_simple(struct fx *f, enum seq_ev t)
{
	struct seq_event e = {.type = t};
	return feed(f, &e);
}

static size_t ev_ok_rd(struct fx *f, int power, uint32_t zones, int fault)
{
	struct seq_event e = {.type = SEV_OP_OK, .rd = {.power = power, .zones = zones, .fault = fault}};
	return feed(f, &e);
}

static size_t ev_ok(struct fx *f)
{
	return ev_ok_rd(f, f->power, f->zones, 0);
}

static size_t ev_err(struct fx *f, const char *msg, int64_t retry)
{
	struct seq_event e = {.type = SEV_OP_ERROR, .error = msg, .retry_ms = retry};
	return feed(f, &e);
}

/* Jump to the armed timer and fire it. */
static size_t ev_timer(struct fx *f)
{
	if (f->timer >= 0 && f->timer > f->now)
		f->now = f->timer;
	return ev_simple(f, SEV_TIMER);
}

static int has(const struct fx *f, enum seq_act t)
{
	for (size_t i = 0; i < f->o.n; i++)
		if (f->o.a[i].type == t)
			return 1;
	return 0;
}

static const struct seq_action *find(const struct fx *f, enum seq_act t)
{
	for (size_t i = 0; i < f->o.n; i++)
		if (f->o.a[i].type == t)
			return &f->o.a[i];
	fail_msg("action %d not found", t);
	return NULL;
}

static void expect_state(const struct fx *f, enum seq_state st)
{
	if (seq_state(f->s) != st)
		fail_msg("state is %s (%d), expected %s (%d)", seq_state_name(seq_state(f->s)),
			 seq_state(f->s), seq_state_name(st), st);
}

/* Drive a fresh fixture into state st (zone 1 wanted where a broadcast is). */
static void drive_to(struct fx *f, enum seq_state st)
{
	fx_init(f, NULL);
	if (st == SEQ_SAFING)
		return;
	if (st == SEQ_UNSAFE) {
		ev_err(f, "no answer", 0);
		expect_state(f, SEQ_UNSAFE);
		return;
	}
	ev_ok(f);
	expect_state(f, SEQ_OFF);
	if (st == SEQ_OFF)
		return;
	if (st == SEQ_DOWN) {
		ev_simple(f, SEV_SHUTDOWN);
		expect_state(f, SEQ_DOWN);
		return;
	}
	ev_begin(f, 0x1);
	expect_state(f, SEQ_POWER);
	if (st == SEQ_POWER)
		return;
	if (st == SEQ_RETRY) {
		ev_err(f, "no answer", 0);
		expect_state(f, SEQ_SAFING);
		ev_ok(f);
		expect_state(f, SEQ_RETRY);
		return;
	}
	f->now += 15;
	ev_ok(f);
	expect_state(f, SEQ_WARMUP);
	if (st == SEQ_WARMUP)
		return;
	ev_timer(f);
	expect_state(f, SEQ_ZONES);
	if (st == SEQ_ZONES)
		return;
	f->now += 15;
	ev_ok(f);
	expect_state(f, SEQ_PLAYING);
	if (st == SEQ_PLAYING)
		return;
	if (st == SEQ_CHECK) {
		ev_timer(f);
		expect_state(f, SEQ_CHECK);
		return;
	}
	ev_simple(f, SEV_END);
	expect_state(f, SEQ_LINGER);
	if (st == SEQ_LINGER)
		return;
	ev_timer(f);
	expect_state(f, SEQ_ZONES);
	ev_ok(f);
	expect_state(f, SEQ_HOLD);
	if (st == SEQ_HOLD)
		return;
	fail_msg("no path to state %d", st);
}

/* ---- every event in every state ---- */

#define A_END -1
struct cell {
	enum seq_state from;
	enum seq_ev ev;
	enum seq_state to;
	int acts[6]; /* action types, A_END-terminated */
};

#define C(f, e, t, ...) {f, e, t, {__VA_ARGS__, A_END}}
#define NONE A_END

static const struct cell cells[] = {
	C(SEQ_OFF, SEV_BEGIN, SEQ_POWER, SACT_POWER),
	C(SEQ_OFF, SEV_END, SEQ_OFF, NONE),
	C(SEQ_OFF, SEV_OP_OK, SEQ_OFF, NONE),
	C(SEQ_OFF, SEV_OP_ERROR, SEQ_OFF, NONE),
	C(SEQ_OFF, SEV_TIMER, SEQ_OFF, NONE),
	C(SEQ_OFF, SEV_SHUTDOWN, SEQ_DOWN, SACT_SAFE),
	C(SEQ_OFF, SEV_PLAYED, SEQ_OFF, NONE),

	C(SEQ_POWER, SEV_BEGIN, SEQ_POWER, NONE),
	C(SEQ_POWER, SEV_END, SEQ_POWER, NONE),
	C(SEQ_POWER, SEV_OP_OK, SEQ_WARMUP, SACT_TIMER),
	C(SEQ_POWER, SEV_OP_ERROR, SEQ_SAFING, SACT_FAULT, SACT_SAFE),
	C(SEQ_POWER, SEV_TIMER, SEQ_POWER, NONE),
	C(SEQ_POWER, SEV_SHUTDOWN, SEQ_DOWN, SACT_FAIL, SACT_SAFE),
	C(SEQ_POWER, SEV_PLAYED, SEQ_POWER, NONE),

	C(SEQ_WARMUP, SEV_BEGIN, SEQ_WARMUP, NONE),
	C(SEQ_WARMUP, SEV_END, SEQ_HOLD, SACT_TIMER),
	C(SEQ_WARMUP, SEV_OP_OK, SEQ_WARMUP, NONE),
	C(SEQ_WARMUP, SEV_OP_ERROR, SEQ_WARMUP, NONE),
	C(SEQ_WARMUP, SEV_TIMER, SEQ_ZONES, SACT_ZONES, SACT_DISARM),
	C(SEQ_WARMUP, SEV_SHUTDOWN, SEQ_DOWN, SACT_FAIL, SACT_SAFE, SACT_DISARM),
	C(SEQ_WARMUP, SEV_PLAYED, SEQ_WARMUP, NONE),

	C(SEQ_ZONES, SEV_BEGIN, SEQ_ZONES, NONE),
	C(SEQ_ZONES, SEV_END, SEQ_ZONES, NONE),
	C(SEQ_ZONES, SEV_OP_OK, SEQ_PLAYING, SACT_PLAY, SACT_TIMER),
	C(SEQ_ZONES, SEV_OP_ERROR, SEQ_SAFING, SACT_FAULT, SACT_SAFE),
	C(SEQ_ZONES, SEV_TIMER, SEQ_ZONES, NONE),
	C(SEQ_ZONES, SEV_SHUTDOWN, SEQ_DOWN, SACT_FAIL, SACT_SAFE),
	C(SEQ_ZONES, SEV_PLAYED, SEQ_ZONES, NONE),

	C(SEQ_PLAYING, SEV_BEGIN, SEQ_ZONES, SACT_ZONES, SACT_DISARM),
	C(SEQ_PLAYING, SEV_END, SEQ_LINGER, SACT_TIMER),
	C(SEQ_PLAYING, SEV_OP_OK, SEQ_PLAYING, NONE),
	C(SEQ_PLAYING, SEV_OP_ERROR, SEQ_PLAYING, NONE),
	C(SEQ_PLAYING, SEV_TIMER, SEQ_CHECK, SACT_CHECK, SACT_DISARM),
	C(SEQ_PLAYING, SEV_SHUTDOWN, SEQ_DOWN, SACT_STOP, SACT_SAFE, SACT_DISARM),
	C(SEQ_PLAYING, SEV_PLAYED, SEQ_CHECK, SACT_CHECK, SACT_DISARM),

	C(SEQ_CHECK, SEV_BEGIN, SEQ_CHECK, NONE),
	C(SEQ_CHECK, SEV_END, SEQ_CHECK, NONE),
	C(SEQ_CHECK, SEV_OP_OK, SEQ_PLAYING, SACT_TIMER),
	C(SEQ_CHECK, SEV_OP_ERROR, SEQ_SAFING, SACT_FAULT, SACT_STOP, SACT_SAFE),
	C(SEQ_CHECK, SEV_TIMER, SEQ_CHECK, NONE),
	C(SEQ_CHECK, SEV_SHUTDOWN, SEQ_DOWN, SACT_STOP, SACT_SAFE),
	C(SEQ_CHECK, SEV_PLAYED, SEQ_CHECK, NONE),

	C(SEQ_LINGER, SEV_BEGIN, SEQ_ZONES, SACT_ZONES, SACT_DISARM),
	C(SEQ_LINGER, SEV_END, SEQ_LINGER, NONE),
	C(SEQ_LINGER, SEV_OP_OK, SEQ_LINGER, NONE),
	C(SEQ_LINGER, SEV_OP_ERROR, SEQ_LINGER, NONE),
	C(SEQ_LINGER, SEV_TIMER, SEQ_ZONES, SACT_ZONES, SACT_DISARM),
	C(SEQ_LINGER, SEV_SHUTDOWN, SEQ_DOWN, SACT_SAFE, SACT_DISARM),
	C(SEQ_LINGER, SEV_PLAYED, SEQ_LINGER, NONE),

	C(SEQ_HOLD, SEV_BEGIN, SEQ_ZONES, SACT_ZONES, SACT_DISARM),
	C(SEQ_HOLD, SEV_END, SEQ_HOLD, NONE),
	C(SEQ_HOLD, SEV_OP_OK, SEQ_HOLD, NONE),
	C(SEQ_HOLD, SEV_OP_ERROR, SEQ_HOLD, NONE),
	C(SEQ_HOLD, SEV_TIMER, SEQ_POWER, SACT_POWER, SACT_DISARM),
	C(SEQ_HOLD, SEV_SHUTDOWN, SEQ_DOWN, SACT_SAFE, SACT_DISARM),
	C(SEQ_HOLD, SEV_PLAYED, SEQ_HOLD, NONE),

	C(SEQ_SAFING, SEV_BEGIN, SEQ_SAFING, NONE),
	C(SEQ_SAFING, SEV_END, SEQ_SAFING, NONE),
	C(SEQ_SAFING, SEV_OP_OK, SEQ_OFF, NONE),
	C(SEQ_SAFING, SEV_OP_ERROR, SEQ_UNSAFE, SACT_FAULT, SACT_TIMER),
	C(SEQ_SAFING, SEV_TIMER, SEQ_SAFING, NONE),
	C(SEQ_SAFING, SEV_SHUTDOWN, SEQ_DOWN, SACT_SAFE),
	C(SEQ_SAFING, SEV_PLAYED, SEQ_SAFING, NONE),

	C(SEQ_RETRY, SEV_BEGIN, SEQ_RETRY, NONE),
	C(SEQ_RETRY, SEV_END, SEQ_OFF, SACT_DISARM),
	C(SEQ_RETRY, SEV_OP_OK, SEQ_RETRY, NONE),
	C(SEQ_RETRY, SEV_OP_ERROR, SEQ_RETRY, NONE),
	C(SEQ_RETRY, SEV_TIMER, SEQ_POWER, SACT_POWER, SACT_DISARM),
	C(SEQ_RETRY, SEV_SHUTDOWN, SEQ_DOWN, SACT_FAIL, SACT_SAFE, SACT_DISARM),
	C(SEQ_RETRY, SEV_PLAYED, SEQ_RETRY, NONE),

	C(SEQ_UNSAFE, SEV_BEGIN, SEQ_POWER, SACT_POWER, SACT_DISARM),
	C(SEQ_UNSAFE, SEV_END, SEQ_UNSAFE, NONE),
	C(SEQ_UNSAFE, SEV_OP_OK, SEQ_UNSAFE, NONE),
	C(SEQ_UNSAFE, SEV_OP_ERROR, SEQ_UNSAFE, NONE),
	C(SEQ_UNSAFE, SEV_TIMER, SEQ_SAFING, SACT_SAFE, SACT_DISARM),
	C(SEQ_UNSAFE, SEV_SHUTDOWN, SEQ_DOWN, SACT_SAFE, SACT_DISARM),
	C(SEQ_UNSAFE, SEV_PLAYED, SEQ_UNSAFE, NONE),

	C(SEQ_DOWN, SEV_BEGIN, SEQ_DOWN, SACT_FAIL),
	C(SEQ_DOWN, SEV_END, SEQ_DOWN, NONE),
	C(SEQ_DOWN, SEV_OP_OK, SEQ_DOWN, NONE),
	C(SEQ_DOWN, SEV_OP_ERROR, SEQ_DOWN, SACT_FAULT),
	C(SEQ_DOWN, SEV_TIMER, SEQ_DOWN, NONE),
	C(SEQ_DOWN, SEV_SHUTDOWN, SEQ_DOWN, NONE),
	C(SEQ_DOWN, SEV_PLAYED, SEQ_DOWN, NONE),
};

static void fire(struct fx *f, enum seq_ev ev)
{
	switch (ev) {
	case SEV_BEGIN: ev_begin(f, 0x2); break;
	case SEV_OP_OK: ev_ok(f); break;
	case SEV_OP_ERROR: ev_err(f, "tcp 127.0.0.1:1502: timeout", 0); break;
	case SEV_TIMER: ev_timer(f); break;
	default: ev_simple(f, ev); break;
	}
}

static const char *act_name(int t)
{
	static const char *const n[] = {"POWER", "ZONES", "CHECK", "SAFE", "PLAY", "STOP",
					"FAIL", "AIRED", "FAULT", "CLEARED", "TIMER", "DISARM"};
	return t >= 0 && t < (int)(sizeof(n) / sizeof(n[0])) ? n[t] : "?";
}

static void test_every_cell(void **state)
{
	int seen[SEQ__NSTATES][SEV__N] = {{0}};
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		const struct cell *c = &cells[i];
		struct fx f;
		drive_to(&f, c->from);
		f.now += 7;
		fire(&f, c->ev);
		char got[200] = "", want[200] = "";
		for (size_t k = 0; k < f.o.n; k++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s ", act_name(f.o.a[k].type));
		for (size_t k = 0; c->acts[k] != A_END; k++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s ", act_name(c->acts[k]));
		if (strcmp(got, want) || seq_state(f.s) != c->to)
			fail_msg("cell %s x event %d: got state %s, actions [%s]; expected %s, [%s]",
				 seq_state_name(c->from), c->ev, seq_state_name(seq_state(f.s)), got,
				 seq_state_name(c->to), want);
		seen[c->from][c->ev]++;
		seq_free(f.s);
	}
	for (int st = 0; st < SEQ__NSTATES; st++)
		for (int ev = 0; ev < SEV__N; ev++)
			if (seen[st][ev] != 1)
				fail_msg("cell (%d, %d) covered %d times", st, ev, seen[st][ev]);
}

/* Events with impossible values are refused without harm. */
static void test_bad_event(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_PLAYING);
	struct seq_event e = {.type = (enum seq_ev)99};
	assert_int_equal(seq_event(f.s, &e, f.now, &f.o), 0);
	expect_state(&f, SEQ_PLAYING);
	seq_free(f.s);
}

/* ---- the timed happy path ---- */

static void test_happy_path(void **state)
{
	struct fx f;
	fx_init(&f, NULL);
	ev_ok(&f);
	int64_t t0 = f.now;
	ev_begin(&f, 0x2);
	assert_int_equal(find(&f, SACT_POWER)->on, 1);
	f.now += 20; /* the relay answered */
	ev_ok(&f);
	expect_state(&f, SEQ_WARMUP);
	assert_int_equal(find(&f, SACT_TIMER)->at, t0 + 20 + WARM);
	/* nothing before the warm-up ends */
	f.now += WARM - 1;
	assert_int_equal(ev_simple(&f, SEV_TIMER), 0);
	expect_state(&f, SEQ_WARMUP);
	f.now += 1;
	ev_simple(&f, SEV_TIMER);
	assert_int_equal(find(&f, SACT_ZONES)->zones, 0x2);
	assert_false(has(&f, SACT_PLAY));
	f.now += 20;
	ev_ok(&f);
	assert_true(has(&f, SACT_PLAY));
	assert_int_equal(find(&f, SACT_TIMER)->at, f.now + CHECK);
	expect_state(&f, SEQ_PLAYING);
	assert_true(seq_busy(f.s));
	/* three read-backs while playing */
	for (int i = 0; i < 3; i++) {
		ev_timer(&f);
		assert_true(has(&f, SACT_CHECK));
		f.now += 10;
		ev_ok(&f);
		expect_state(&f, SEQ_PLAYING);
		assert_false(has(&f, SACT_STOP));
	}
	/* the last sample: one more read-back decides `aired` */
	ev_simple(&f, SEV_PLAYED);
	assert_true(has(&f, SACT_CHECK));
	assert_false(has(&f, SACT_AIRED));
	f.now += 10;
	ev_ok(&f);
	assert_true(has(&f, SACT_AIRED));
	expect_state(&f, SEQ_LINGER);
	assert_false(seq_busy(f.s));
	ev_timer(&f);
	assert_int_equal(find(&f, SACT_ZONES)->zones, 0);
	f.now += 10;
	ev_ok(&f);
	expect_state(&f, SEQ_HOLD);
	int64_t hold_from = f.now;
	assert_int_equal(find(&f, SACT_TIMER)->at, hold_from + HOLD);
	ev_timer(&f);
	assert_int_equal(f.now, hold_from + HOLD);
	assert_int_equal(find(&f, SACT_POWER)->on, 0);
	ev_ok(&f);
	expect_state(&f, SEQ_OFF);
	assert_int_equal(f.o.n, 0);
	assert_null(seq_fault(f.s));
	assert_int_equal(seq_timer(f.s, NULL), 0);
	seq_free(f.s);
}

/* Back to back, different zones: no power cycle, zones switch directly. */
static void test_back_to_back(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_PLAYING);
	assert_int_equal(f.zones, 0x1);
	ev_simple(&f, SEV_END);
	ev_begin(&f, 0x2); /* the next broadcast, before the linger timer */
	assert_int_equal(f.o.n, 2);
	assert_int_equal(find(&f, SACT_ZONES)->zones, 0x2);
	assert_false(has(&f, SACT_POWER));
	ev_ok(&f);
	assert_true(has(&f, SACT_PLAY)); /* no warm-up: the power never went off */
	/* and once more during the hold */
	ev_simple(&f, SEV_END);
	ev_timer(&f);
	ev_ok(&f);
	expect_state(&f, SEQ_HOLD);
	f.now += HOLD / 2;
	ev_begin(&f, 0);
	assert_int_equal(find(&f, SACT_ZONES)->zones, 0x3); /* 0 = every wired zone */
	assert_false(has(&f, SACT_POWER));
	ev_ok(&f);
	assert_true(has(&f, SACT_PLAY));
	seq_free(f.s);
}

/* A broadcast arrives while the power is being switched off. */
static void test_begin_during_power_off(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_HOLD);
	ev_timer(&f);
	assert_int_equal(find(&f, SACT_POWER)->on, 0);
	ev_begin(&f, 0x1);
	assert_int_equal(f.o.n, 0); /* waits for the switch in flight */
	ev_ok(&f);
	assert_int_equal(find(&f, SACT_POWER)->on, 1);
	ev_ok(&f);
	expect_state(&f, SEQ_WARMUP); /* it went off: warm up again */
	seq_free(f.s);
}

/* A broadcast abandoned while the power comes on: hold, then off. */
static void test_end_during_power_on(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_POWER);
	ev_simple(&f, SEV_END);
	assert_int_equal(f.o.n, 0);
	ev_ok(&f);
	expect_state(&f, SEQ_HOLD);
	ev_timer(&f);
	ev_ok(&f);
	expect_state(&f, SEQ_OFF);
	seq_free(f.s);
}

/* A warm-up cut short by the end of its broadcast still has to finish
 * before the next broadcast's zones come on. */
static void test_warmup_abandoned(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_WARMUP);
	int64_t warm_end = f.timer;
	ev_simple(&f, SEV_END);
	expect_state(&f, SEQ_HOLD);
	assert_int_equal(find(&f, SACT_TIMER)->at, f.now + HOLD);
	f.now += 500;
	ev_begin(&f, 0x1);
	expect_state(&f, SEQ_WARMUP);
	assert_int_equal(find(&f, SACT_TIMER)->at, warm_end);
	assert_false(has(&f, SACT_ZONES));
	ev_timer(&f);
	assert_int_equal(find(&f, SACT_ZONES)->zones, 0x1);
	seq_free(f.s);
}

/* The broadcast ends while a read-back is in flight; or another begins. */
static void test_end_during_check(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_CHECK);
	ev_simple(&f, SEV_END);
	ev_ok(&f);
	expect_state(&f, SEQ_LINGER);
	seq_free(f.s);

	/* a fault found after the end: journalled, safe state, nothing to cut */
	drive_to(&f, SEQ_CHECK);
	ev_simple(&f, SEV_END);
	ev_ok_rd(&f, 1, 0x1, 1);
	assert_true(has(&f, SACT_FAULT));
	assert_true(has(&f, SACT_SAFE));
	assert_false(has(&f, SACT_STOP));
	seq_free(f.s);

	drive_to(&f, SEQ_CHECK);
	ev_simple(&f, SEV_END);
	ev_begin(&f, 0x2);
	ev_ok(&f);
	assert_int_equal(find(&f, SACT_ZONES)->zones, 0x2);
	ev_ok(&f);
	assert_true(has(&f, SACT_PLAY));
	seq_free(f.s);

	drive_to(&f, SEQ_CHECK);
	ev_simple(&f, SEV_END);
	ev_err(&f, "timeout", 0); /* the zones may be on: safe state, no broadcast to cut */
	assert_true(has(&f, SACT_SAFE));
	assert_false(has(&f, SACT_STOP));
	assert_false(has(&f, SACT_FAIL));
	seq_free(f.s);
}

/* A read-back in flight when the player ends decides; a fault found by
 * the last read-back makes the broadcast partial, never aired. */
static void test_final_check(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_CHECK);
	ev_simple(&f, SEV_PLAYED);
	assert_int_equal(f.o.n, 0);
	ev_ok(&f);
	assert_true(has(&f, SACT_AIRED));
	expect_state(&f, SEQ_LINGER);
	seq_free(f.s);

	drive_to(&f, SEQ_PLAYING);
	ev_simple(&f, SEV_PLAYED);
	ev_ok_rd(&f, 1, 0x1, 1);
	assert_false(has(&f, SACT_AIRED));
	const char *r = find(&f, SACT_STOP)->reason;
	assert_non_null(strstr(r, "fault input 5 raised"));
	assert_non_null(strstr(r, "at the end of playback"));
	assert_false(seq_busy(f.s));
	seq_free(f.s);

	drive_to(&f, SEQ_PLAYING);
	ev_simple(&f, SEV_PLAYED);
	ev_err(&f, "timeout", 0);
	assert_false(has(&f, SACT_AIRED));
	assert_non_null(strstr(find(&f, SACT_STOP)->reason, "timeout (at the end of playback)"));
	seq_free(f.s);
}

/* ---- faults ---- */

static void test_power_readback_mismatch(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_POWER);
	ev_ok_rd(&f, 0, 0, 0); /* the power coil will not stay set */
	const struct seq_action *a = find(&f, SACT_FAULT);
	assert_non_null(strstr(a->reason, "power coil 0 reads back off, should be on"));
	assert_non_null(strstr(a->reason, "switching the power on"));
	assert_true(has(&f, SACT_SAFE));
	assert_false(has(&f, SACT_PLAY));
	assert_false(has(&f, SACT_FAIL)); /* retried within the window */
	assert_true(seq_busy(f.s));
	assert_non_null(seq_fault(f.s));
	seq_free(f.s);
}

static void test_zone_readback_mismatch(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_ZONES);
	ev_ok_rd(&f, 1, 0x0, 0);
	assert_non_null(strstr(find(&f, SACT_FAULT)->reason, "zone 1 (coil 1) reads back off, should be on"));
	assert_false(has(&f, SACT_PLAY));
	seq_free(f.s);

	/* a zone on that should be off */
	drive_to(&f, SEQ_ZONES);
	ev_ok_rd(&f, 1, 0x3, 0);
	assert_non_null(strstr(find(&f, SACT_FAULT)->reason, "zone 2 (coil 2) reads back on, should be off"));
	seq_free(f.s);
}

/* The fault input is not judged during warm-up (protect relays), only once
 * the zones switch: raised then, the broadcast does not start. */
static void test_fault_input_before_playback(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_POWER);
	ev_ok_rd(&f, 1, 0, 1);
	expect_state(&f, SEQ_WARMUP);
	ev_timer(&f);
	ev_ok_rd(&f, 1, 0x1, 1);
	assert_non_null(strstr(find(&f, SACT_FAULT)->reason, "fault input 5 raised"));
	assert_false(has(&f, SACT_PLAY));
	assert_true(has(&f, SACT_SAFE));
	expect_state(&f, SEQ_SAFING);
	seq_free(f.s);
}

static void test_fault_input_during_playback(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_CHECK);
	ev_ok_rd(&f, 1, 0x1, 1);
	const struct seq_action *st = find(&f, SACT_STOP);
	assert_non_null(strstr(st->reason, "fault input 5 raised"));
	assert_non_null(strstr(st->reason, "during playback"));
	assert_true(has(&f, SACT_FAULT));
	assert_true(has(&f, SACT_SAFE));
	assert_false(seq_busy(f.s));
	/* the partial broadcast is not retried */
	ev_ok(&f);
	expect_state(&f, SEQ_OFF);
	assert_int_equal(f.o.n, 0);
	seq_free(f.s);
}

static void test_coil_drops_during_playback(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_CHECK);
	ev_ok_rd(&f, 0, 0x1, 0);
	assert_non_null(strstr(find(&f, SACT_STOP)->reason, "power coil 0 reads back off"));
	seq_free(f.s);
}

static void test_modbus_error_during_playback(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_CHECK);
	ev_err(&f, "tcp 127.0.0.1:1502 slave 1: timeout, no answer within 500 ms", 0);
	const struct seq_action *st = find(&f, SACT_STOP);
	assert_non_null(strstr(st->reason, "timeout, no answer within 500 ms"));
	assert_non_null(strstr(st->reason, "during playback"));
	seq_free(f.s);
}

/* Retries back off 1, 2, 4 ... s and stop at the catch-up window. */
static void test_retry_until_giveup(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_OFF);
	int64_t t0 = f.now;
	struct seq_event b = {.type = SEV_BEGIN, .zones = 1, .giveup_ms = t0 + 10000};
	feed(&f, &b);
	int64_t expect_delay = 1000;
	int faults = 0, attempts = 0;
	for (;;) {
		attempts++;
		f.now += 5;
		ev_err(&f, "Connection refused", 0);
		faults += has(&f, SACT_FAULT);
		if (has(&f, SACT_FAIL))
			break;
		ev_ok(&f); /* safe state confirmed */
		expect_state(&f, SEQ_RETRY);
		assert_int_equal(f.timer, f.now + expect_delay);
		expect_delay *= 2;
		ev_timer(&f);
		assert_int_equal(find(&f, SACT_POWER)->on, 1);
	}
	assert_int_equal(faults, 1); /* amp-fault journalled once, not per attempt */
	/* 1+2+4 s of waits fit in 10 s, the next 8 s do not */
	assert_int_equal(attempts, 4);
	const char *r = find(&f, SACT_FAIL)->reason;
	assert_non_null(strstr(r, "Connection refused"));
	assert_non_null(strstr(r, "4 attempts within the catch-up window"));
	assert_false(seq_busy(f.s));
	ev_ok(&f);
	expect_state(&f, SEQ_OFF);
	assert_non_null(seq_fault(f.s)); /* still standing: never confirmed on */
	seq_free(f.s);
}

/* The retry then succeeds: the fault clears once the amplifier is
 * confirmed on and healthy, and the broadcast plays. */
static void test_retry_then_clear(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_RETRY);
	assert_non_null(seq_fault(f.s));
	ev_timer(&f);
	ev_ok(&f);
	assert_false(has(&f, SACT_CLEARED)); /* on, but not yet judged healthy */
	ev_timer(&f);
	ev_ok(&f);
	assert_true(has(&f, SACT_CLEARED));
	assert_true(has(&f, SACT_PLAY));
	assert_null(seq_fault(f.s));
	int64_t at;
	assert_string_equal(seq_last_fault(f.s, &at), "amplifier: no answer (switching the power on)");
	seq_free(f.s);
}

/* The adapter's reconnect back-off is honoured. */
static void test_retry_hint(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_POWER);
	ev_err(&f, "waiting to reconnect", f.now + 7000);
	ev_ok(&f);
	assert_int_equal(f.timer, f.now + 7000);
	seq_free(f.s);
}

/* Past the window already: fail at once, no retry. */
static void test_no_window(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_OFF);
	struct seq_event b = {.type = SEV_BEGIN, .zones = 1, .giveup_ms = f.now};
	feed(&f, &b);
	ev_err(&f, "Connection refused", 0);
	const char *r = find(&f, SACT_FAIL)->reason;
	assert_string_equal(r, "amplifier: Connection refused (switching the power on)");
	seq_free(f.s);
}

/* Start-up safe state cannot be confirmed: retry slowly; a fault raised
 * while switching off clears on the next good answer. */
static void test_unsafe(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_UNSAFE);
	assert_int_equal(f.timer, f.now + 60000);
	ev_timer(&f);
	assert_true(has(&f, SACT_SAFE));
	ev_err(&f, "no answer", 0);
	expect_state(&f, SEQ_UNSAFE);
	assert_false(has(&f, SACT_FAULT)); /* still the same standing fault */
	ev_timer(&f);
	ev_ok(&f);
	assert_true(has(&f, SACT_CLEARED));
	expect_state(&f, SEQ_OFF);
	seq_free(f.s);

	/* a coil stuck on reads back wrong */
	fx_init(&f, NULL);
	ev_ok_rd(&f, 1, 0, 0);
	assert_non_null(strstr(find(&f, SACT_FAULT)->reason, "power coil 0 reads back on, should be off"));
	expect_state(&f, SEQ_UNSAFE);
	seq_free(f.s);
}

/* A broadcast during an unconfirmed safe state tries the amplifier. */
static void test_begin_while_safing_fails(void **state)
{
	struct fx f;
	fx_init(&f, NULL);
	ev_begin(&f, 1);
	ev_err(&f, "no answer", 0);
	expect_state(&f, SEQ_RETRY);
	assert_int_equal(f.timer, f.now + 1000);
	ev_timer(&f);
	assert_true(has(&f, SACT_POWER));
	seq_free(f.s);

	fx_init(&f, NULL);
	ev_begin(&f, 1);
	ev_ok(&f); /* safe confirmed: straight on */
	assert_int_equal(find(&f, SACT_POWER)->on, 1);
	seq_free(f.s);
}

static void test_shutdown_reasons(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_PLAYING);
	ev_simple(&f, SEV_SHUTDOWN);
	assert_string_equal(find(&f, SACT_STOP)->reason, "the daemon was stopped during the broadcast");
	ev_ok(&f);
	assert_int_equal(f.o.n, 0);
	seq_free(f.s);

	drive_to(&f, SEQ_RETRY);
	ev_simple(&f, SEV_SHUTDOWN);
	assert_non_null(strstr(find(&f, SACT_FAIL)->reason, "before the amplifier was ready (amplifier: no answer"));
	seq_free(f.s);

	/* safe state at shutdown reads back wrong: journalled */
	drive_to(&f, SEQ_OFF);
	ev_simple(&f, SEV_SHUTDOWN);
	ev_ok_rd(&f, 0, 0x2, 0);
	assert_non_null(strstr(find(&f, SACT_FAULT)->reason, "zone 2 (coil 2) reads back on"));
	seq_free(f.s);
}

/* No amplifier: the null adapter's parameters play at once. */
static void test_null_params(void **state)
{
	struct amp_config c;
	memset(&c, 0, sizeof(c));
	c.enabled = 0;
	c.warmup_ms = 2000;
	c.hold_s = 30;
	c.fault_input = 3;
	c.nzones = 1;
	c.zones[0].zone = 1;
	c.zones[0].coil = 4;
	struct seq_params p;
	seq_params_from_config(&c, &p);
	assert_int_equal(p.warmup_ms, 0);
	assert_int_equal(p.hold_ms, 0);
	assert_int_equal(p.check_ms, 0);
	assert_int_equal(p.fault_input, -1);
	assert_int_equal(p.zones_all, 1);
	struct fx f;
	fx_init(&f, &p);
	ev_ok(&f);
	ev_begin(&f, 0);
	ev_ok(&f);
	assert_int_equal(find(&f, SACT_ZONES)->zones, 1); /* no warm-up */
	ev_ok(&f);
	assert_true(has(&f, SACT_PLAY));
	assert_false(has(&f, SACT_TIMER)); /* no read-back while playing */
	ev_simple(&f, SEV_END);
	ev_timer(&f);
	ev_ok(&f);
	assert_int_equal(find(&f, SACT_POWER)->on, 0); /* no hold */
	ev_ok(&f);
	expect_state(&f, SEQ_OFF);
	seq_free(f.s);

	c.enabled = 1;
	seq_params_from_config(&c, &p);
	assert_int_equal(p.warmup_ms, 2000);
	assert_int_equal(p.hold_ms, 30000);
	assert_int_equal(p.check_ms, SEQ_CHECK_MS);
	assert_int_equal(p.fault_input, 3);
	assert_int_equal(p.zone_coil[0], 4);
	assert_int_equal(p.zone_coil[1], -1);
}

static void test_unwired_zones_ignored(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_HOLD);
	ev_begin(&f, 0x6); /* zones 2 and 3; 3 is not wired */
	assert_int_equal(find(&f, SACT_ZONES)->zones, 0x2);
	seq_free(f.s);
}

/* A timer that is not due (stale after a re-arm) changes nothing. */
static void test_stale_timer(void **state)
{
	struct fx f;
	drive_to(&f, SEQ_HOLD);
	f.now += 10;
	assert_int_equal(ev_simple(&f, SEV_TIMER), 0);
	expect_state(&f, SEQ_HOLD);
	seq_free(f.s);
}

static void test_names(void **state)
{
	for (int i = 0; i < SEQ__NSTATES; i++) {
		assert_non_null(seq_state_name((enum seq_state)i));
		assert_string_not_equal(seq_state_name((enum seq_state)i), "?");
	}
	assert_string_equal(seq_state_name(SEQ__NSTATES), "?");
}

/* ---- a long random walk with invariants ---- */

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void test_random_walk(void **state)
{
	struct fx f;
	fx_init(&f, NULL);
	int wanted = 0, playing = 0, played = 0, begins = 0, answers = 0, aired = 0;
	int op_kind = SACT_SAFE; /* the operation in flight */
	int64_t powered_at = -1; /* when the power was confirmed on, -1 = off/unknown */
	for (int step = 0; step < 200000; step++) {
		f.now += rnd(3000);
		int pick = rnd(10);
		int inflight = f.inflight;
		struct seq_event e = {0};
		struct seq_reading good = {.power = f.power, .zones = f.zones, .fault = 0};
		int good_reading = 0;
		if (pick < 2 && !wanted) {
			e.type = SEV_BEGIN;
			e.zones = rnd(4);
			e.giveup_ms = f.now + rnd(20000);
		} else if (pick < 3 && wanted && playing && !played && rnd(2)) {
			e.type = SEV_PLAYED;
		} else if (pick < 3 && wanted) {
			e.type = SEV_END;
		} else if (pick < 7 && f.inflight) {
			if (rnd(8)) {
				e.type = SEV_OP_OK;
				e.rd = good;
				if (!rnd(6))
					e.rd.power = !e.rd.power;
				if (!rnd(6))
					e.rd.fault = 1;
				if (!rnd(8))
					e.rd.zones ^= 1u << rnd(2);
				int judged = op_kind == SACT_ZONES || op_kind == SACT_CHECK;
				good_reading = e.rd.power == good.power && e.rd.zones == good.zones &&
					       !(judged && e.rd.fault == 1);
			} else {
				e.type = SEV_OP_ERROR;
				e.error = "timeout";
			}
		} else if (pick < 9 && f.timer >= 0) {
			if (f.now < f.timer)
				f.now = f.timer;
			e.type = SEV_TIMER;
		} else if (pick == 9 && !rnd(500)) {
			e.type = SEV_SHUTDOWN;
		} else {
			continue;
		}
		int completing = e.type == SEV_OP_OK || e.type == SEV_OP_ERROR;
		int before_kind = op_kind;
		int before_power = f.power;
		feed(&f, &e);
		/* track the amplifier as confirmed by read-backs */
		if (completing) {
			if (e.type == SEV_OP_OK && good_reading && before_kind == SACT_POWER && before_power)
				powered_at = f.now;
			else if (!(e.type == SEV_OP_OK && good_reading && f.power))
				powered_at = -1;
		}
		if (e.type == SEV_BEGIN) {
			wanted = 1;
			playing = played = 0;
			begins++;
		}
		if (e.type == SEV_END)
			wanted = playing = played = 0;
		if (e.type == SEV_PLAYED)
			played = 1;
		int ops = 0;
		for (size_t i = 0; i < f.o.n; i++) {
			const struct seq_action *a = &f.o.a[i];
			switch (a->type) {
			case SACT_POWER:
			case SACT_ZONES:
			case SACT_CHECK:
			case SACT_SAFE:
				ops++;
				/* never a second operation while one is in flight */
				if (e.type != SEV_SHUTDOWN)
					assert_true(!inflight || completing);
				op_kind = a->type;
				break;
			case SACT_PLAY:
				assert_true(wanted);
				assert_false(playing);
				/* only on a confirmed, warmed-up amplifier with its zones */
				assert_true(completing && e.type == SEV_OP_OK && good_reading);
				assert_int_equal(before_kind, SACT_ZONES);
				assert_true(e.rd.zones == f.zones);
				assert_true(powered_at >= 0);
				assert_true(f.now - powered_at >= WARM);
				playing = 1;
				answers++;
				break;
			case SACT_STOP:
				assert_true(playing);
				assert_true(a->reason[0]);
				wanted = playing = played = 0;
				break;
			case SACT_AIRED:
				/* only after the last sample, on a good final read-back */
				assert_true(playing && played);
				assert_true(completing && e.type == SEV_OP_OK && good_reading);
				assert_int_equal(before_kind, SACT_CHECK);
				wanted = playing = played = 0;
				aired++;
				break;
			case SACT_FAIL:
				if (seq_state(f.s) != SEQ_DOWN || wanted) {
					assert_true(wanted);
					assert_false(playing);
					answers++;
				}
				assert_true(a->reason[0]);
				wanted = 0;
				break;
			default:
				break;
			}
		}
		assert_true(ops <= 1);
		assert_int_equal(seq_busy(f.s), wanted);
		if (seq_state(f.s) == SEQ_DOWN) {
			seq_free(f.s);
			fx_init(&f, NULL);
			wanted = playing = played = 0;
			op_kind = SACT_SAFE;
			powered_at = -1;
		}
	}
	assert_true(begins > 1000);
	assert_true(answers > 500);
	assert_true(aired > 100);
	seq_free(f.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cell),
		cmocka_unit_test(test_bad_event),
		cmocka_unit_test(test_happy_path),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_begin_during_power_off),
		cmocka_unit_test(test_end_during_power_on),
		cmocka_unit_test(test_warmup_abandoned),
		cmocka_unit_test(test_end_during_check),
		cmocka_unit_test(test_final_check),
		cmocka_unit_test(test_power_readback_mismatch),
		cmocka_unit_test(test_zone_readback_mismatch),
		cmocka_unit_test(test_fault_input_before_playback),
		cmocka_unit_test(test_fault_input_during_playback),
		cmocka_unit_test(test_coil_drops_during_playback),
		cmocka_unit_test(test_modbus_error_during_playback),
		cmocka_unit_test(test_retry_until_giveup),
		cmocka_unit_test(test_retry_then_clear),
		cmocka_unit_test(test_retry_hint),
		cmocka_unit_test(test_no_window),
		cmocka_unit_test(test_unsafe),
		cmocka_unit_test(test_begin_while_safing_fails),
		cmocka_unit_test(test_shutdown_reasons),
		cmocka_unit_test(test_null_params),
		cmocka_unit_test(test_unwired_zones_ignored),
		cmocka_unit_test(test_stale_timer),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_random_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
