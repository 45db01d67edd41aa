/* Civil calendar arithmetic and station-local time. Dates are day numbers
 * (days since 1970-01-01 in the local calendar), times of day are minutes
 * after local midnight, instants are int64_t seconds since the Unix epoch.
 * Pure except civil_tz_* which consult the process time zone (TZ, set once
 * at start-up by civil_tz_set); none of them reads the clock. */
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
/* Format t at a given UTC offset (seconds east). buf >= 26 bytes. */
void civil_format_iso_offset(int64_t t, int offset, char *buf);

/* Process time zone. civil_tz_set sets TZ ("Asia/Ho_Chi_Minh"); -1 if the
 * zone is not installed (tzdata). */
int civil_tz_set(const char *name);
/* Local civil day+minute -> instant (first of two in a DST fold; a time in a
 * gap is moved forward, as mktime does). */
int64_t civil_tz_instant(int32_t day, int minute);
/* Instant -> local day, second of day, and UTC offset (seconds east). */
void civil_tz_local(int64_t t, int32_t *day, int *sec_of_day, int *offset);
/* Instant as local ISO 8601 with offset. buf >= 26 bytes. */
void civil_tz_format(int64_t t, char *buf);

#endif
