/* Schedule expansion: the occurrences a schedule asks for between two
 * instants, in the order they must play. Pure: no I/O, no clock; the
 * process time zone (civil_tz_*) maps local slot times to instants. */
#ifndef LOAXA_SCHEDULE_H
#define LOAXA_SCHEDULE_H

#include "model.h"

#define OCC_ID_MAX 112

struct occurrence {
	char id[OCC_ID_MAX];   /* stable: "SLOT@YYYY-MM-DDTHH:MM", "#k" appended (k from 1)
	                          for the k-th bulletin of a slot listing several */
	int64_t due;           /* instant */
	size_t slot;           /* index into schedule->slots */
	char bulletin[ID_MAX]; /* explicit bulletin, or the campaign's in rotation */
	char campaign[ID_MAX]; /* slot's campaign, "" for none */
	uint32_t zones;
	int repeat;
	double gain_db;
	enum level level;
	const char *blackout;  /* reason when suppressed by a blackout, else NULL */
};

/* Flags for schedule_expand. */
#define EXPAND_SUPPRESSED 1 /* also return blacked-out occurrences (blackout != NULL) */

/* Every occurrence due in [from, to), sorted by due time, then level
 * (emergency first), then slot order, then bulletin order. Campaign slots
 * take the campaign's bulletin at rot[campaign index] and advance it
 * (rot has s->ncampaigns entries; NULL = every rotation starts at 0).
 * Suppressed occurrences do not advance the rotation. Returns the count
 * and a malloc'd array in *out (free it), or -1 with errno (ENOMEM). */
ssize_t schedule_expand(const struct schedule *s, int64_t from, int64_t to, size_t *rot,
			int flags, struct occurrence **out);

/* 1 if the slot plays on local day `day` (its date range, its campaign's
 * date range, weekdays/days of month/dates; none of those = every day). */
int schedule_slot_on_day(const struct schedule *s, const struct slot *sl, int32_t day);

/* The reason of the blackout covering instant t, or NULL. */
const char *schedule_blackout_at(const struct schedule *s, int64_t t);

/* The rotation rule (docs/SCHEDULE.md): a campaign's rotation moves on only
 * when a campaign slot without bulletins of its own takes the campaign's
 * next bulletin (it starts or fails); an explicit bulletin of the campaign
 * or an on-demand play of one does not move it. For a journal `start` or
 * `failed` record of occurrence occ: rotation is its `rotation` field
 * ("yes"/"no"; NULL when absent, in journals written before issue 11: then
 * an on-demand id does not, a slot of s decides by the rule, and a slot s
 * no longer has does, as those journals were read). 1 if that record moved
 * its campaign on. */
int schedule_record_rotates(const struct schedule *s, const char *occ, const char *rotation);

/* Next rotation position of a campaign after `last_bulletin` was attempted:
 * the index after it in the campaign's list, or 0 if not found / NULL. */
size_t schedule_rotation_after(const struct campaign *c, const char *last_bulletin);

#endif
