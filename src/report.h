/* Counting a station's broadcasts against its campaigns' monthly targets
 * (PRODUCT.md, "Counting rules"): per campaign and month the occurrences
 * scheduled, the outcome of every broadcast, airtime, and whether the
 * target was met; per bulletin plays and seconds; per day scheduled vs
 * aired. Pure: no I/O, no clock. The caller reads the journal (records in
 * order into report_feed) and supplies the schedules that were in force
 * (report_attach), which it finds by the serial and SHA-256 the journal
 * recorded when each was installed. See docs/REPORTS.md. */
#ifndef LOAXA_REPORT_H
#define LOAXA_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "asrun.h"
#include "model.h"
#include "record.h"

#define REPORT_MONTHS_MAX 240   /* a period is at most twenty years */
#define REPORT_NOTAIRED_MAX 500 /* broadcasts that did not air kept for listing */

/* report_new flags: what to keep besides the monthly counts. */
#define REPORT_DAILY 1u     /* per-day scheduled and aired, per campaign */
#define REPORT_BULLETINS 2u /* plays and seconds per bulletin */
#define REPORT_NOTAIRED 4u  /* the first REPORT_NOTAIRED_MAX broadcasts that did not air */

/* Months are keys y * 12 + (m - 1). */
int report_month_key(int32_t day);
void report_month_text(int key, char out[8]); /* "YYYY-MM" */

/* Where a station keeps the copy of schedule `serial` it installed:
 * JOURNAL_DIR/schedules/SERIAL.conf (travels with the journal folder; its
 * SHA-256 is in the journal's schedule-installed record). */
void report_archive_path(const char *journal_dir, long long serial, char *out, size_t n);

struct report_count {
	uint32_t scheduled;       /* distinct scheduled occurrences due (not on-demand plays) */
	uint32_t n[OUT__N];       /* broadcasts by outcome (scheduled and on demand) */
	uint32_t manual;          /* broadcasts played on demand (loaxactl play) */
	double airtime;           /* seconds played to the loudspeakers (not unheard), repeats included */
};

/* One campaign in one month. */
struct report_row {
	int month;                /* key */
	const char *campaign;     /* "" = broadcasts of no campaign */
	const char *title;        /* from the schedule, "" if not known */
	int target;               /* aired broadcasts required; 0 = none this month, -1 = unknown */
	int in_schedule;          /* a schedule in force this month has the campaign */
	int schedule_missing;     /* a schedule in force this month is not available */
	int partial_month;        /* the period covers only part of the month */
	int met;                  /* target >= 0 && aired >= target */
	struct report_count c;
};

/* A schedule that was in force: [from, to) in journal time (to = INT64_MAX
 * for the last). sha256 "" when the journal does not say (a folder that
 * begins after the install). */
struct report_sched {
	long long serial;
	char sha256[65];
	char file[256];
	int64_t from, to;
	int from_off;
	const struct schedule *s; /* report_attach; NULL = not available */
};

/* A broadcast that did not air, for listing. */
struct report_notaired {
	int64_t due;
	int due_off;
	enum outcome outcome;
	char occurrence[128];
	char bulletin[ID_MAX], campaign[ID_MAX];
	double played, expected;
	char detail[256];
};

struct report_bulletin {
	char id[ID_MAX];
	char campaign[ID_MAX];
	uint32_t plays;           /* started: aired, partial, interrupted or unheard */
	uint32_t aired;
	double seconds;           /* played to the loudspeakers */
	unsigned origin;          /* issue 12: REPORT_ORIGIN_* of its starts; 0 = none recorded */
	char signer[24];          /* key id of the latest signed start */
};

/* Where the bulletins a report counts came from, by their starts' origin
 * (journals written before issue 12 do not say). */
#define REPORT_ORIGIN_SIGNED 1u /* delivered by a signed push, pinned */
#define REPORT_ORIGIN_LOCAL 2u  /* added at the station */
/* "signed", "local", "signed+local" (some starts each way: replaced in the
 * period) or "unknown". */
const char *report_origin_name(unsigned origin);

struct report_day {
	uint32_t scheduled, aired;
};

/* Identity from the journal's `open` records. */
struct report_station {
	char station[64], commune[64], district[64]; /* district: "" unless journalled */
	int mixed;                /* open records name more than one station or commune */
	char other[160];          /* the first other "station/commune" seen */
	int64_t first, last;      /* times of the first and last record (0 = none) */
	int first_off, last_off;
	size_t records;           /* records fed */
};

struct report;

/* Count broadcasts due in local days [from_day, to_day] (a day is the
 * broadcast's due time, else its start or end, in its own UTC offset).
 * flags: REPORT_*. NULL with errno EINVAL when the period is empty or
 * longer than REPORT_MONTHS_MAX months. */
struct report *report_new(int32_t from_day, int32_t to_day, unsigned flags);
void report_free(struct report *r);

/* Every record of the journal, in order, from its first line (the
 * schedule in force and the broadcasts' starts may lie before the period;
 * late `missed` records of its occurrences after it). */
void report_feed(struct report *r, const struct record *rec);
/* End of input. final: the journal will not grow (a copied folder), so
 * starts with no end count as interrupted; otherwise they are still
 * playing and not counted. */
void report_finish(struct report *r, int final);

/* The schedules in force at some time of the period, in journal order. */
size_t report_nscheds(const struct report *r);
const struct report_sched *report_sched(const struct report *r, size_t i);
/* Supply schedule i (kept by pointer: it must outlive the report). */
void report_attach(struct report *r, size_t i, const struct schedule *s);

/* Rows, one per campaign and month with a schedule or a broadcast, by
 * month then campaign id. Call after report_finish and report_attach;
 * the array stays valid until report_free, or until report_attach or
 * report_feed is called again (the next call then rebuilds it). */
size_t report_rows(struct report *r, const struct report_row **rows);

const struct report_station *report_station_info(const struct report *r);
int report_first_month(const struct report *r);
int report_nmonths(const struct report *r);
/* 1 if the journal holds a record dated in month key m. */
int report_month_covered(const struct report *r, int m);

/* REPORT_DAILY: days from from_day for campaign id (NULL if none). */
const struct report_day *report_daily(const struct report *r, const char *campaign, size_t *ndays);
/* REPORT_BULLETINS: by bulletin id. */
size_t report_bulletins(const struct report *r, const struct report_bulletin **out);
/* REPORT_NOTAIRED: in journal order; *more = how many more were not kept. */
size_t report_notaired(const struct report *r, const struct report_notaired **out, size_t *more);

#endif
