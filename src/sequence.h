/* The amplifier sequence: a pure state machine (a state x event table of
 * functions, s6 style) that takes the amplifier and its speaker zones
 * through power on -> read back -> warm-up -> zones on -> read back -> play
 * -> zones off -> hold -> power off, and turns faults into a broadcast's
 * `failed` or `partial` with a reason. No I/O, no clock: `now` (monotonic
 * milliseconds) comes with every event, and it returns actions for the
 * daemon to perform (switch coils through amp.c, start or stop the player,
 * journal a fault, arm its one timer). See docs/MODBUS.md. */
#ifndef LOAXA_SEQUENCE_H
#define LOAXA_SEQUENCE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum seq_state {
	SEQ_OFF,     /* power and zones off (confirmed); nothing wanted */
	SEQ_POWER,   /* a power switch (SACT_POWER) is in flight */
	SEQ_WARMUP,  /* power confirmed on; waiting out the warm-up */
	SEQ_ZONES,   /* a zone switch (SACT_ZONES) is in flight */
	SEQ_PLAYING, /* zones confirmed: the broadcast plays; periodic read-back */
	SEQ_CHECK,   /* a read-back (SACT_CHECK) is in flight while playing */
	SEQ_LINGER,  /* broadcast over, zones still on: a next one switches zones directly */
	SEQ_HOLD,    /* zones off, power on until the hold time ends */
	SEQ_SAFING,  /* all coils off (SACT_SAFE) in flight: start-up, after a fault */
	SEQ_RETRY,   /* a fault stopped a broadcast from starting: retry at the timer */
	SEQ_UNSAFE,  /* the safe state could not be confirmed: try again at the timer */
	SEQ_DOWN,    /* shut down: nothing more happens */
	SEQ__NSTATES
};

enum seq_ev {
	SEV_BEGIN,    /* a broadcast wants the amplifier: .zones, .giveup_ms */
	SEV_END,      /* that broadcast is over (stopped, abandoned, or the player failed) */
	SEV_OP_OK,    /* the switch/read-back in flight completed: .rd as read back */
	SEV_OP_ERROR, /* it failed (Modbus error): .error, .retry_ms */
	SEV_TIMER,    /* the timer armed by SACT_TIMER expired */
	SEV_SHUTDOWN, /* the daemon stops: safe state */
	SEV_PLAYED,   /* the player reached the end: confirm the amplifier before it counts */
	SEV__N
};

/* Coils and the fault input as the adapter read them back. */
struct seq_reading {
	int power;      /* power coil: 1 on, 0 off */
	uint32_t zones; /* bit z-1 set when zone z's coil is on */
	int fault;      /* fault input: 1 raised, 0 clear, -1 none configured / not read */
};

struct seq_event {
	enum seq_ev type;
	uint32_t zones;       /* BEGIN: bit z-1 for zone z; 0 = every wired zone */
	int64_t giveup_ms;    /* BEGIN: no retry may start after this instant */
	struct seq_reading rd;/* OP_OK */
	const char *error;    /* OP_ERROR: what went wrong, naming the peer */
	int64_t retry_ms;     /* OP_ERROR: the adapter will not try before this (0 = any time) */
};

enum seq_act {
	SACT_POWER,   /* switch the power coil to .on; read every coil back */
	SACT_ZONES,   /* switch the zone coils to .zones; read every coil and the fault input back */
	SACT_CHECK,   /* read every coil and the fault input back (while playing) */
	SACT_SAFE,    /* every coil off, read back (abandons an operation in flight) */
	SACT_PLAY,    /* amplifier on and confirmed: journal `start`, start the player */
	SACT_STOP,    /* stop the player: the broadcast is `partial` with .reason */
	SACT_FAIL,    /* the broadcast cannot start: `failed` with .reason */
	SACT_AIRED,   /* read back after the last sample, all was well: `aired`; it is over */
	SACT_FAULT,   /* journal station event amp-fault with .reason */
	SACT_CLEARED, /* journal station event amp-ok (the fault has cleared) */
	SACT_TIMER,   /* arm the timer for instant .at (ms); replaces any earlier */
	SACT_DISARM,  /* no timer is wanted */
};

#define SEQ_REASON_MAX 320

struct seq_action {
	enum seq_act type;
	int on;          /* SACT_POWER */
	uint32_t zones;  /* SACT_ZONES */
	int64_t at;      /* SACT_TIMER */
	char reason[SEQ_REASON_MAX]; /* SACT_STOP, SACT_FAIL, SACT_FAULT */
};

#define SEQ_ACTIONS_MAX 8

struct seq_out {
	struct seq_action a[SEQ_ACTIONS_MAX];
	size_t n;
};

/* Timings and wiring. Times in ms. */
struct seq_params {
	int64_t warmup_ms;     /* power on -> zones on */
	int64_t hold_ms;       /* zones off -> power off, unless another broadcast comes */
	int64_t linger_ms;     /* zones stay on after a broadcast for a next one (0 = one loop turn) */
	int64_t check_ms;      /* read-back period while playing; 0 = none */
	int64_t retry_min_ms;  /* first retry after a fault before playback; doubles ... */
	int64_t retry_max_ms;  /* ... up to this */
	int64_t safe_retry_ms; /* retry period when the safe state is not confirmed */
	uint32_t zones_all;    /* zone bits wired to a coil */
	int power_coil;        /* for reasons */
	int zone_coil[MAX_ZONES]; /* coil of zone z at [z-1]; -1 = not wired */
	int fault_input;       /* discrete input address, -1 = none */
};

#define SEQ_CHECK_MS 1000
#define SEQ_RETRY_MIN_MS 1000
#define SEQ_RETRY_MAX_MS 30000
#define SEQ_SAFE_RETRY_MS 60000

/* Parameters from the station file's amplifier section. With no amplifier
 * (enabled = false) warm-up, hold and read-back are zero: the null adapter
 * answers at once and the broadcast starts without delay. */
void seq_params_from_config(const struct amp_config *c, struct seq_params *p);

struct seq;

/* A new sequence in SEQ_SAFING: *out holds the SACT_SAFE the caller must
 * perform first (every coil off at start-up). Never NULL (aborts on ENOMEM). */
struct seq *seq_new(const struct seq_params *p, struct seq_out *out);
void seq_free(struct seq *s);

/* Feed one event at instant now (ms); out is reset and filled with the
 * actions to perform, in order. Every event is accepted in every state (an
 * unexpected one changes nothing). Returns the number of actions. */
size_t seq_event(struct seq *s, const struct seq_event *ev, int64_t now, struct seq_out *out);

enum seq_state seq_state(const struct seq *s);
const char *seq_state_name(enum seq_state st);   /* "off", "warm-up", ... */
/* The standing fault's reason, or NULL when none. */
const char *seq_fault(const struct seq *s);
/* The last fault's reason ("" if none ever) and when it was raised (ms). */
const char *seq_last_fault(const struct seq *s, int64_t *at_ms);
/* 1 while a broadcast waits for, or uses, the amplifier. */
int seq_busy(const struct seq *s);
/* 1 when the timer is armed, with its instant in *at (may be NULL). */
int seq_timer(const struct seq *s, int64_t *at);

#endif
