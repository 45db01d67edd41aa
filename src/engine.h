/* The station's decision core: which occurrence plays when, what is missed,
 * what an emergency pre-empts. A pure state machine: the daemon feeds it
 * the time and events and performs the actions it returns (play, record
 * missed, stop the current broadcast). Never reads the clock. */
#ifndef LOAXA_ENGINE_H
#define LOAXA_ENGINE_H

#include "schedule.h"

enum engine_act {
	ACT_START,   /* play occ now (its bulletin is assigned, rotation advanced) */
	ACT_MISSED,  /* record occ `missed` with detail */
	ACT_PREEMPT, /* stop what is playing: `partial`, detail "preempted by ..." */
};

struct engine_action {
	enum engine_act type;
	struct occurrence occ;
	char detail[192];
	int rotating; /* ACT_START: the campaign's rotation chose occ.bulletin (it advanced) */
};

#define ENGINE_ACTIONS_MAX 64
#define ENGINE_HORIZON (8 * 86400) /* how far ahead the next due is looked for */

struct engine;

/* catchup_s: how late an occurrence may still start. The schedule must
 * outlive the engine or be replaced with engine_set_schedule. */
struct engine *engine_new(const struct schedule *s, int catchup_s);
void engine_free(struct engine *e);

/* Swap in a new schedule. Occurrences already due and queued keep their
 * place; rotation positions carry over by campaign id. */
void engine_set_schedule(struct engine *e, const struct schedule *s);

/* Occurrences due at or after `since` are considered (start-up: the time of
 * the last journal record, bounded by the catch-up rules in loaxad.c). */
void engine_begin(struct engine *e, int64_t since);
/* An occurrence the journal already shows as started, failed or missed:
 * never taken again (restart, clock stepped back). */
void engine_mark_handled(struct engine *e, const char *occ_id, int64_t due);
/* Restore a campaign's rotation: the next bulletin after `last_bulletin`. */
void engine_set_rotation(struct engine *e, const char *campaign, const char *last_bulletin);

/* Advance to `now`: take every occurrence due up to now, record as missed
 * those past the catch-up window (detail says why: gap_reason, e.g.
 * "daemon was not running", or that another broadcast was playing) and
 * those superseded by a later occurrence of the same slot, and start the
 * head of the queue if nothing plays. Fills acts; returns their count. */
size_t engine_tick(struct engine *e, int64_t now, const char *gap_reason,
		   struct engine_action *acts, size_t max);

/* The broadcast started by ACT_START is over (any outcome, or it failed to
 * start). Call engine_tick afterwards. */
void engine_done(struct engine *e);

/* Queue a bulletin to play now (loaxactl play). Emergency pre-empts what
 * plays (at the next engine_tick); otherwise it plays next, ahead of
 * scheduled normal and priority occurrences. */
void engine_play_now(struct engine *e, int64_t now, const char *bulletin, const char *campaign,
		     int emergency);

/* On-demand occurrence ids are "manual@TIME#K" with K counting up from
 * seq + 1: the daemon seeds seq with the greatest K its journal holds, so
 * that an id is never reused across restarts. */
void engine_set_manual_seq(struct engine *e, unsigned seq);
/* Stop the broadcast in progress (loaxactl stop): returns 1 if something
 * was playing (the caller records it `partial`), 0 otherwise. */
int engine_stop(struct engine *e);

/* The instant the daemon must next wake for (first due occurrence not yet
 * taken; if none within ENGINE_HORIZON, the end of the horizon). */
int64_t engine_next_wake(const struct engine *e);

/* Up to n upcoming occurrences (queued first, then scheduled from now),
 * with the bulletins rotation would give them. Returns the count. */
size_t engine_upcoming(const struct engine *e, int64_t now, struct occurrence *out, size_t n);

/* What is playing (NULL if nothing) and how many wait in the queue. */
const struct occurrence *engine_playing(const struct engine *e);
size_t engine_queued(const struct engine *e);

#endif
