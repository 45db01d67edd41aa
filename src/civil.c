/* Civil calendar arithmetic (Howard Hinnant's days_from_civil) and the
 * station's local time; see civil.h. */
#include "civil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

int civil_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int civil_month_length(int y, int m)
{
	static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && civil_is_leap(y) ? 29 : len[m - 1];
}

int32_t civil_days(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t)doe - 719468;
}

void civil_from_days(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int yy = (int)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yy + (*m <= 2);
}

int civil_weekday(int32_t day)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	int w = (int)((day % 7 + 7 + 3) % 7);
	return w;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_date_prefix(const char *s, int32_t *day)
{
	int y, m, d;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
	    digits(s + 8, 2, &d))
		return -1;
	if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > civil_month_length(y, m))
		return -1;
	*day = civil_days(y, m, d);
	return 0;
}

int civil_parse_date(const char *s, int32_t *day)
{
	if (strlen(s) != 10)
		return -1;
	return parse_date_prefix(s, day);
}

static int parse_hhmm_prefix(const char *s, int *minute)
{
	int h, m;
	if (digits(s, 2, &h) || s[2] != ':' || digits(s + 3, 2, &m))
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*minute = h * 60 + m;
	return 0;
}

int civil_parse_hhmm(const char *s, int *minute)
{
	if (strlen(s) != 5)
		return -1;
	return parse_hhmm_prefix(s, minute);
}

int civil_parse_datetime(const char *s, int32_t *day, int *minute)
{
	if (strlen(s) != 16 || (s[10] != ' ' && s[10] != 'T'))
		return -1;
	if (parse_date_prefix(s, day) || parse_hhmm_prefix(s + 11, minute))
		return -1;
	return 0;
}

int civil_parse_month(const char *s, int *y, int *m)
{
	if (strlen(s) != 7 || digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m))
		return -1;
	if (*y < 1970 || *y > 2200 || *m < 1 || *m > 12)
		return -1;
	return 0;
}

static const char *const wd_names[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
				       "Friday", "Saturday", "Sunday"};

int civil_parse_weekday(const char *s)
{
	for (int i = 0; i < 7; i++) {
		if (!strcasecmp(s, wd_names[i]) ||
		    (strlen(s) == 3 && !strncasecmp(s, wd_names[i], 3)))
			return i;
	}
	return -1;
}

const char *civil_weekday_name(int wd)
{
	return wd >= 0 && wd < 7 ? wd_names[wd] : "?";
}

void civil_format_date(int32_t day, char *buf)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, m, d);
	memcpy(buf, tmp, 10);
	buf[10] = '\0';
}

void civil_format_hhmm(int minute, char *buf)
{
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%02d:%02d", minute / 60, minute % 60);
	memcpy(buf, tmp, 5);
	buf[5] = '\0';
}

int civil_parse_iso(const char *s, int64_t *t)
{
	int32_t day;
	int h, mi, sec, oh, om;
	if (strlen(s) < 20 || parse_date_prefix(s, &day) || s[10] != 'T' || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (h > 23 || mi > 59 || sec > 60)
		return -1;
	const char *z = s + 19;
	int off;
	if (z[0] == 'Z' && z[1] == '\0') {
		off = 0;
	} else if ((z[0] == '+' || z[0] == '-') && strlen(z) == 6 && !digits(z + 1, 2, &oh) &&
		   z[3] == ':' && !digits(z + 4, 2, &om) && oh < 24 && om < 60) {
		off = (oh * 3600 + om * 60) * (z[0] == '-' ? -1 : 1);
	} else {
		return -1;
	}
	*t = (int64_t)day * 86400 + h * 3600 + mi * 60 + sec - off;
	return 0;
}

void civil_format_iso_offset(int64_t t, int offset, char *buf)
{
	int64_t lt = t + offset;
	int32_t day = (int32_t)(lt >= 0 ? lt / 86400 : (lt - 86399) / 86400);
	int sod = (int)(lt - (int64_t)day * 86400);
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	int a = offset < 0 ? -offset : offset;
	char tmp[96];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d, sod / 3600,
		 sod / 60 % 60, sod % 60, offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	memcpy(buf, tmp, 25);
	buf[25] = '\0';
}

int civil_tz_set(const char *name)
{
	char path[512];
	struct stat sb;
	/* access() alone let "" and folders ("Asia") through: glibc then runs
	 * silently on UTC. Whether the file is really TZif is config.c's check. */
	if (snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name) >= (int)sizeof(path))
		return -1;
	if (strcmp(name, "UTC") && (!name[0] || strstr(name, "..") || stat(path, &sb) != 0 ||
				    !S_ISREG(sb.st_mode)))
		return -1;
	setenv("TZ", name, 1);
	tzset();
	return 0;
}

int64_t civil_tz_instant(int32_t day, int minute)
{
	/* mktime with tm_isdst = -1 picks a side of a DST fold from its
	 * previous call: try both and keep the earlier instant that maps back
	 * to the same local time; in a gap neither does, and mktime's forward
	 * move is kept. */
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	int64_t best = 0, fallback = 0;
	int found = 0;
	for (int dst = 0; dst <= 1; dst++) {
		struct tm tm = {0};
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		tm.tm_hour = minute / 60;
		tm.tm_min = minute % 60;
		tm.tm_isdst = dst;
		int64_t t = (int64_t)mktime(&tm);
		if (!dst)
			fallback = t;
		if (tm.tm_isdst == dst && tm.tm_hour == minute / 60 && tm.tm_min == minute % 60 &&
		    tm.tm_mday == d && (!found || t < best)) {
			best = t;
			found = 1;
		}
	}
	return found ? best : fallback;
}

void civil_tz_local(int64_t t, int32_t *day, int *sec_of_day, int *offset)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	if (day)
		*day = civil_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (sec_of_day)
		*sec_of_day = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	if (offset)
		*offset = (int)tm.tm_gmtoff;
}

void civil_tz_format(int64_t t, char *buf)
{
	int off;
	civil_tz_local(t, NULL, NULL, &off);
	civil_format_iso_offset(t, off, buf);
}
