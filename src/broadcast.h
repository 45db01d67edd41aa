/* The life of one broadcast, as an explicit state table beside the
 * amplifier's (sequence.c): what the daemon may do to it in each state and
 * what it becomes. Pure: loaxad performs, this decides.
 *
 *   IDLE --begin--> STARTING --play--> PLAYING --played--> DRAINING
 *                      |                  |                   |
 *                  fail/stop/preempt   end/stop/preempt    end/stop/preempt
 *                      v                  v                   v
 *                     IDLE               IDLE                IDLE
 *
 * STARTING: its file checked, the amplifier being switched on; PLAYING:
 * its `start` on disk, samples flowing; DRAINING: every sample written,
 * the amplifier's final read-back decides aired or partial. */
#ifndef LOAXA_BROADCAST_H
#define LOAXA_BROADCAST_H

enum bc_state { BC_IDLE, BC_STARTING, BC_PLAYING, BC_DRAINING, BC__NSTATES };

enum bc_event {
	BCE_BEGIN,   /* a broadcast wants to start: the amplifier is asked for */
	BCE_PLAY,    /* its start is recorded and the player runs */
	BCE_FAIL,    /* it could not start (recorded `failed`) */
	BCE_PLAYED,  /* the player wrote the last sample */
	BCE_END,     /* it ended by itself (recorded aired, partial or unheard) */
	BCE_STOP,    /* the operator stopped it */
	BCE_PREEMPT, /* an emergency (or the daemon stopping) cut it */
	BCE__N
};

/* The state ev leads to from st, or -1 when ev cannot happen in st. */
int bc_next(enum bc_state st, enum bc_event ev);
const char *bc_state_name(enum bc_state st); /* "idle", "starting", "playing", "draining" */

/* What to record when a broadcast in st is cut (stop, pre-emption, the
 * daemon stopping): "failed" before it started, "partial" while samples
 * still flowed, and after the last sample the complete play's outcome
 * ("aired", or "unheard" when it went to the fallback file, fallback). */
const char *bc_cut_outcome(enum bc_state st, int fallback);

#endif
