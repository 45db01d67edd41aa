/* Civil calendar arithmetic and station-local time. Dates are day numbers
 * (days since 1970-01-01 in the local calendar), times of day are minutes
 * after local midnight, instants are int64_t seconds since the Unix epoch.
 * Pure: civil_tz_* use the zone given to civil_tz_use (civil_tz_set in
 * the adapter loads it); nothing here reads a file or the clock. */
#ifndef LOAXA_CIVIL_H
#define LOAXA_CIVIL_H

#include <stddef.h>
#include <stdint.h>

#define DAY_NONE_LO INT32_MIN
#define DAY_NONE_HI INT32_MAX

int32_t civil_days(int y, int m, int d);                  /* y-m-d -> day number */
void civil_from_days(int32_t day, int *y, int *m, int *d); /* inverse */
int civil_weekday(int32_t day);                           /* 0 = Monday .. 6 = Sunday */
int civil_month_length(int y, int m);                     /* 28..31 */
int civil_is_leap(int y);

/* Strict parsers; 0 on success, -1 on malformed or out-of-range input. */
int civil_parse_date(const char *s, int32_t *day);                     /* "YYYY-MM-DD" */
int civil_parse_hhmm(const char *s, int *minute);                      /* "HH:MM", 00:00..23:59 */
int civil_parse_datetime(const char *s, int32_t *day, int *minute);    /* "YYYY-MM-DD HH:MM" */
int civil_parse_month(const char *s, int *y, int *m);                  /* "YYYY-MM" */
/* Weekday name ("mon".."sun", or full English name, case-insensitive) -> 0..6, or -1. */
int civil_parse_weekday(const char *s);
const char *civil_weekday_name(int wd); /* "Monday".. */

/* Formatting; buffers of at least 11 / 6 bytes. */
void civil_format_date(int32_t day, char *buf);   /* YYYY-MM-DD */
void civil_format_hhmm(int minute, char *buf);    /* HH:MM */

/* ISO 8601 parse with explicit offset ("2026-11-28T06:30:00+07:00" or "...Z"). */
int civil_parse_iso(const char *s, int64_t *t);
/* The same, remembering the last date's day number in c (zeroed before
 * first use; NULL = none): a journal's times repeat their date for a day's
 * worth of lines. With c, the ten bytes at s must be readable (a parsed
 * record's values are: record.h). */
struct civil_day_cache {
	char date[10];
	int32_t day;
	int valid;
};
int civil_parse_iso_cached(const char *s, int64_t *t, struct civil_day_cache *c);
/* Format t at a given UTC offset (seconds east). buf >= 26 bytes. */
void civil_format_iso_offset(int64_t t, int offset, char *buf);

/* The station's time zone: the instants its UTC offset changes, from a
 * TZif file (RFC 8536) with its POSIX-TZ footer rule expanded to the end
 * of 2200. Plain data: the adapter (civil_tz.c) reads the file once. */
#define CIVIL_ZONE_MAX 1200
struct civil_zone {
	size_t n;                  /* changes */
	int32_t off0;              /* UTC offset before the first change */
	int64_t at[CIVIL_ZONE_MAX]; /* ascending */
	int32_t off[CIVIL_ZONE_MAX]; /* offset from at[i] on */
};
/* Parse TZif bytes into z. 0, or -1 with a reason in err. */
int civil_zone_parse(const unsigned char *buf, size_t len, struct civil_zone *z, char *err,
		     size_t errn);
/* Expand a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3") after the last
 * change in z, up to 2200; a rule without DST sets the final offset.
 * 0, or -1 if malformed or too many changes. */
int civil_zone_rule(struct civil_zone *z, const char *rule);
/* UTC offset in force at t. */
int civil_zone_offset(const struct civil_zone *z, int64_t t);
/* Use z (kept by the caller, not copied) for civil_tz_*; NULL = UTC. */
void civil_tz_use(const struct civil_zone *z);

/* Adapter (civil_tz.c, not the core): load /usr/share/zoneinfo/NAME once
 * and use it; also sets TZ for the log's clock. -1 if the zone is not
 * installed (tzdata) or not a valid TZif file; the zone in use is kept. */
int civil_tz_set(const char *name);
/* The zone for work on copied journals with no station file: $TZ when it
 * names an installed zone, else Asia/Ho_Chi_Minh, else UTC. Returns the
 * name in use. */
const char *civil_tz_default(void);
/* Local civil day+minute -> instant: the first of two in a fold; a time in
 * a gap is read with the offset before it, so it lands after the gap by
 * the gap's length (as mktime does). */
int64_t civil_tz_instant(int32_t day, int minute);
/* Instant -> local day, second of day, and UTC offset (seconds east). */
void civil_tz_local(int64_t t, int32_t *day, int *sec_of_day, int *offset);
/* Instant as local ISO 8601 with offset. buf >= 26 bytes. */
void civil_tz_format(int64_t t, char *buf);

#endif
