/* The start-up replay of the journal: what the daemon must know again
 * after a restart, from the records it wrote before. Pure (core ring): fed
 * the records in order, it marks the engine's handled occurrences and, at
 * the end, restores the campaign rotations and the on-demand id counter.
 *
 *  - occurrences started, failed, missed or interrupted (due within the
 *    engine's memory, 3 days) are handled: never taken again;
 *  - each campaign continues after the last bulletin rotation chose for it
 *    (schedule_record_rotates: the one rule of docs/SCHEDULE.md);
 *  - on-demand ids count on from the greatest manual@TIME#K;
 *  - the schedule last installed (serial, SHA-256, signer, when), the
 *    greatest serial ever installed;
 *  - whether an audio-lost still waits for its audio-back;
 *  - the last broadcast outcome and its time (Modbus status). */
#ifndef LOAXA_REPLAY_H
#define LOAXA_REPLAY_H

#include <stdint.h>

#include "engine.h"
#include "record.h"
#include "schedule.h"

struct replay {
	const struct schedule *s;
	struct engine *eng;
	int64_t now;
	/* results */
	int64_t last_time;              /* of the last record fed */
	long long installed_serial, max_serial;
	char installed_sha[65];
	char installed_signer[64];
	int64_t installed_at;
	int audio_down;
	int monitor_down; /* a monitor-lost still waits for its monitor-back */
	int64_t last_bc_time;
	int last_bc_outcome;            /* enum outcome + 1; 0 = none */
	unsigned manual_seq;
	char (*last_bulletin)[ID_MAX];  /* per campaign of s: the last rotation pick */
};

/* s and eng must outlive the replay; now: the wall clock. */
void replay_init(struct replay *r, const struct schedule *s, struct engine *eng, int64_t now);
void replay_feed(struct replay *r, const struct record *rec);
/* Restore the rotations and the on-demand counter into the engine. */
void replay_finish(struct replay *r);
void replay_free(struct replay *r);

#endif
