/* As-run assembly: turns the journal's record stream into one row per
 * broadcast with its single outcome (aired, partial, interrupted, failed,
 * missed, unheard), as `loaxactl log` exports and reports count. Pure. */
#ifndef LOAXA_ASRUN_H
#define LOAXA_ASRUN_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* OUT_UNHEARD (played to its end, to the fallback file: no loudspeaker)
 * comes last so that the older outcomes keep their numbers. */
enum outcome { OUT_AIRED, OUT_PARTIAL, OUT_INTERRUPTED, OUT_FAILED, OUT_MISSED, OUT_UNHEARD, OUT__N };
const char *outcome_name(enum outcome o);
int outcome_parse(const char *s); /* -> enum outcome or -1 */

struct broadcast {
	char station[64], commune[64];
	char occurrence[128];
	int64_t due, started, ended;        /* 0 = empty */
	int due_off, started_off, ended_off; /* UTC offsets for printing */
	char bulletin[64], campaign[64];
	enum outcome outcome;
	double seconds_played, seconds_expected;
	char zones[160];                     /* "1;2;3", "" = all */
	char level[16];
	char serial[32];                     /* schedule serial in force */
	char detail[512];
	/* issue 12: the start's origin, "signed:KEYID" (a signed push brought
	 * the bulletin) or "local"; "" when not recorded (older journals) */
	char origin[40];
	/* issue 19: what the monitor input heard (end record); heard_known 0
	 * when the station had no monitor or it was unavailable */
	int heard_known;
	double heard_seconds, heard_of;
	double monitor_dbfs;
};

struct asrun;
typedef void (*asrun_cb)(void *ctx, const struct broadcast *b);

struct asrun *asrun_new(asrun_cb cb, void *ctx);
/* Feed records in journal order; completed broadcasts go to cb. */
void asrun_feed(struct asrun *a, const struct record *r);
/* End of input: starts still open are emitted as `interrupted` when
 * `final` (a journal that will not grow, e.g. a copied folder) and
 * otherwise dropped (the daemon will record them). */
void asrun_finish(struct asrun *a, int final);
void asrun_free(struct asrun *a);
/* Lean rows, for counting (the district roll-up): only occurrence,
 * campaign, due, started, ended (with their offsets), outcome and
 * seconds_played are filled; every other field stays empty (zero).
 * Set before the first record. */
void asrun_set_lean(struct asrun *a, int lean);

#endif
