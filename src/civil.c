/* Civil calendar arithmetic (Howard Hinnant's days_from_civil) and the
 * station's local time; see civil.h. */
#include "civil.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
		unsigned d = (unsigned)(unsigned char)s[i] - '0'; /* isdigit without the locale call */
		if (d > 9)
			return -1;
		v = v * 10 + (int)d;
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

/* Two decimal digits, or -1. */
static int d2(const char *s)
{
	unsigned a = (unsigned)(unsigned char)s[0] - '0', b;
	if (a >= 10 || (b = (unsigned)(unsigned char)s[1] - '0') >= 10)
		return -1; /* s[1] is read only when s[0] is a digit */
	return (int)(a * 10 + b);
}

int civil_parse_iso(const char *s, int64_t *t)
{
	return civil_parse_iso_cached(s, t, NULL);
}

int civil_parse_iso_cached(const char *s, int64_t *t, struct civil_day_cache *c)
{
	/* one pass, no strlen (every journal line has one or two of these);
	 * each byte is read only once the ones before it were not NUL */
	int32_t day;
	int h, mi, sec;
	if (c && c->valid && !memcmp(s, c->date, sizeof(c->date))) {
		day = c->day; /* the date's bytes were checked when it was cached */
	} else {
		if (parse_date_prefix(s, &day))
			return -1;
		if (c) {
			memcpy(c->date, s, sizeof(c->date));
			c->day = day;
			c->valid = 1;
		}
	}
	if (s[10] != 'T' || (h = d2(s + 11)) < 0 || s[13] != ':' ||
	    (mi = d2(s + 14)) < 0 || s[16] != ':' || (sec = d2(s + 17)) < 0)
		return -1;
	if (h > 23 || mi > 59 || sec > 60)
		return -1;
	const char *z = s + 19;
	int off, oh, om;
	if (z[0] == 'Z' && z[1] == '\0') {
		off = 0;
	} else if ((z[0] == '+' || z[0] == '-') && (oh = d2(z + 1)) >= 0 && z[3] == ':' &&
		   (om = d2(z + 4)) >= 0 && z[6] == '\0') {
		if (oh > 23 || om > 59)
			return -1;
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

/* ---- time zones ---- */

static int zfail(char *err, size_t errn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int zfail(char *err, size_t errn, const char *fmt, ...)
{
	if (err && errn) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errn, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Offsets beyond a day either way are not civil time. */
static int off_ok(int64_t off)
{
	return off > -86400 && off < 86400;
}

int civil_zone_parse(const unsigned char *buf, size_t len, struct civil_zone *z, char *err,
		     size_t errn)
{
	memset(z, 0, offsetof(struct civil_zone, at));
	if (len < 44 || memcmp(buf, "TZif", 4))
		return zfail(err, errn, "not a TZif file");
	int v2 = buf[4] >= '2';
	const unsigned char *h = buf;
	size_t tsize = 4;
	if (v2) {
		/* skip the 32-bit block: the 64-bit one follows with its own header */
		uint64_t skip = 44 + (uint64_t)be32(h + 32) * 5 + (uint64_t)be32(h + 36) * 6 +
				be32(h + 40) + (uint64_t)be32(h + 28) * 8 + be32(h + 24) + be32(h + 20);
		if (skip + 44 > len || memcmp(buf + skip, "TZif", 4))
			return zfail(err, errn, "truncated TZif file");
		h = buf + skip;
		tsize = 8;
	}
	uint32_t isut = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28);
	uint32_t timecnt = be32(h + 32), typecnt = be32(h + 36), charcnt = be32(h + 40);
	if (typecnt == 0 || typecnt > 256 || timecnt > CIVIL_ZONE_MAX || charcnt == 0)
		return zfail(err, errn, "bad TZif counts");
	uint64_t body = (uint64_t)timecnt * (tsize + 1) + (uint64_t)typecnt * 6 + charcnt +
			(uint64_t)leap * (tsize + 4) + isstd + isut;
	const unsigned char *p = h + 44, *end = buf + len;
	if (body > (uint64_t)(end - p))
		return zfail(err, errn, "truncated TZif file");
	const unsigned char *times = p, *idx = p + (size_t)timecnt * tsize,
			    *types = idx + timecnt;
	int32_t toff[256];
	for (uint32_t i = 0; i < typecnt; i++) {
		int64_t o = (int32_t)be32(types + 6 * i);
		if (!off_ok(o))
			return zfail(err, errn, "bad UTC offset %lld", (long long)o);
		toff[i] = (int32_t)o;
	}
	z->off0 = toff[0];
	for (uint32_t i = 0; i < timecnt; i++) {
		int64_t t = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		if (idx[i] >= typecnt)
			return zfail(err, errn, "bad type index in TZif file");
		if (i && t <= z->at[i - 1])
			return zfail(err, errn, "TZif transitions out of order");
		z->at[i] = t;
		z->off[i] = toff[idx[i]];
	}
	z->n = timecnt;
	if (!v2)
		return 0;
	/* footer: "\nRULE\n" */
	const unsigned char *f = p + body;
	if (f >= end || *f != '\n')
		return zfail(err, errn, "TZif footer missing");
	const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
	if (!nl || nl - f - 1 >= 128)
		return zfail(err, errn, "bad TZif footer");
	char rule[128];
	memcpy(rule, f + 1, (size_t)(nl - f - 1));
	rule[nl - f - 1] = '\0';
	if (rule[0] && civil_zone_rule(z, rule) < 0)
		return zfail(err, errn, "unsupported TZ rule \"%s\"", rule);
	return 0;
}

/* POSIX TZ pieces. Each returns the position after it, or NULL. */
static const char *tz_name(const char *s)
{
	if (*s == '<') {
		const char *e = strchr(s, '>');
		return e && e - s > 1 ? e + 1 : NULL;
	}
	const char *b = s;
	while (isalpha((unsigned char)*s))
		s++;
	return s - b >= 3 ? s : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds, hours up to max_h. */
static const char *tz_hms(const char *s, int max_h, long *out)
{
	int sign = 1;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	long v[3] = {0, 0, 0};
	for (int k = 0; k < 3; k++) {
		if (k && *s != ':')
			break;
		if (k)
			s++;
		if (!isdigit((unsigned char)*s))
			return NULL;
		long n = 0;
		for (int d = 0; isdigit((unsigned char)*s) && d < 3; d++)
			n = n * 10 + (*s++ - '0');
		v[k] = n;
	}
	if (v[0] > max_h || v[1] > 59 || v[2] > 59)
		return NULL;
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return s;
}

struct tz_date {
	char kind; /* 'J' (1..365, no Feb 29), 'n' (0..365), 'M' */
	int a, b, c;
	long time;
};

static const char *tz_date(const char *s, struct tz_date *d)
{
	char *e;
	d->time = 7200;
	if (*s == 'M') {
		d->kind = 'M';
		long m = strtol(s + 1, &e, 10);
		if (e == s + 1 || *e != '.')
			return NULL;
		long w = strtol(e + 1, &e, 10);
		if (*e != '.')
			return NULL;
		long wd = strtol(e + 1, &e, 10);
		if (m < 1 || m > 12 || w < 1 || w > 5 || wd < 0 || wd > 6)
			return NULL;
		d->a = (int)m, d->b = (int)w, d->c = (int)wd;
	} else {
		d->kind = *s == 'J' ? 'J' : 'n';
		const char *q = s + (*s == 'J');
		if (!isdigit((unsigned char)*q))
			return NULL;
		long n = strtol(q, &e, 10);
		if (n < (d->kind == 'J') || n > 365)
			return NULL;
		d->a = (int)n;
	}
	s = e;
	if (*s == '/' && !(s = tz_hms(s + 1, 167, &d->time)))
		return NULL;
	return s;
}

/* Local day number of a rule date in year y. */
static int32_t tz_day(const struct tz_date *d, int y)
{
	if (d->kind == 'J')
		return civil_days(y, 1, 1) + d->a - 1 + (civil_is_leap(y) && d->a >= 60);
	if (d->kind == 'n')
		return civil_days(y, 1, 1) + d->a;
	int32_t first = civil_days(y, d->a, 1);
	int wd1 = (civil_weekday(first) + 1) % 7; /* Sunday = 0, as in TZ rules */
	int32_t day = first + (d->c - wd1 + 7) % 7 + 7 * (d->b - 1);
	while (day >= first + civil_month_length(y, d->a))
		day -= 7;
	return day;
}

static int zone_add(struct civil_zone *z, int64_t at, int32_t off)
{
	if (z->n && at <= z->at[z->n - 1])
		return 0;
	if (z->n == CIVIL_ZONE_MAX)
		return -1;
	z->at[z->n] = at;
	z->off[z->n++] = off;
	return 0;
}

int civil_zone_rule(struct civil_zone *z, const char *s)
{
	long std, dst;
	struct tz_date d0, d1;
	if (!(s = tz_name(s)) || !(s = tz_hms(s, 24, &std)))
		return -1;
	std = -std; /* POSIX counts west */
	if (!*s) {
		/* no DST: the last offset holds */
		if (!off_ok(std))
			return -1;
		if (!z->n) /* otherwise the file's last change already says it */
			z->off0 = (int32_t)std;
		return 0;
	}
	if (!(s = tz_name(s)))
		return -1;
	dst = std + 3600;
	if (*s && *s != ',') {
		if (!(s = tz_hms(s, 24, &dst)))
			return -1;
		dst = -dst;
	}
	if (*s != ',' || !(s = tz_date(s + 1, &d0)) || *s != ',' || !(s = tz_date(s + 1, &d1)) || *s)
		return -1;
	if (!off_ok(std) || !off_ok(dst))
		return -1;
	int y0 = 1970;
	if (z->n) {
		int y, m, d;
		civil_from_days((int32_t)((z->at[z->n - 1] + z->off[z->n - 1]) / 86400), &y, &m, &d);
		y0 = y > 1970 ? y : 1970;
	}
	for (int y = y0; y <= 2200; y++) {
		/* DST starts at its time in standard time and ends at its time in DST */
		int64_t on = (int64_t)tz_day(&d0, y) * 86400 + d0.time - std;
		int64_t off = (int64_t)tz_day(&d1, y) * 86400 + d1.time - dst;
		int64_t a = on < off ? on : off, b = on < off ? off : on;
		int32_t oa = on < off ? (int32_t)dst : (int32_t)std, ob = on < off ? (int32_t)std : (int32_t)dst;
		if (zone_add(z, a, oa) < 0 || zone_add(z, b, ob) < 0)
			return -1;
	}
	return 0;
}

/* Index of the last change at or before t, or -1. */
static long zone_find(const struct civil_zone *z, int64_t t)
{
	long lo = 0, hi = (long)z->n; /* first change after t is in [lo, hi] */
	while (lo < hi) {
		long mid = (lo + hi) / 2;
		if (z->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

int civil_zone_offset(const struct civil_zone *z, int64_t t)
{
	long i = zone_find(z, t);
	return i < 0 ? z->off0 : z->off[i];
}

static const struct civil_zone zone_utc;
static const struct civil_zone *zone_cur = &zone_utc;

void civil_tz_use(const struct civil_zone *z)
{
	zone_cur = z ? z : &zone_utc;
}

int64_t civil_tz_instant(int32_t day, int minute)
{
	const struct civil_zone *z = zone_cur;
	int64_t wall = (int64_t)day * 86400 + (int64_t)minute * 60;
	/* Offsets in force within a day either side of the wall time: each is
	 * tried; the earliest instant that reads back as this wall time wins. */
	long i = zone_find(z, wall - 86400);
	int64_t best = INT64_MAX;
	for (long k = i; k < (long)z->n && (k < 0 || z->at[k] <= wall + 86400); k++) {
		int32_t o = k < 0 ? z->off0 : z->off[k];
		int64_t t = wall - o;
		if (t < best && civil_zone_offset(z, t) == o)
			best = t;
	}
	if (best != INT64_MAX)
		return best;
	/* in a gap: the offset before the change that opened it */
	for (long k = i + 1; k < (long)z->n && z->at[k] <= wall + 86400; k++) {
		int32_t before = k ? z->off[k - 1] : z->off0;
		if (z->at[k] + before <= wall && wall < z->at[k] + z->off[k])
			return wall - before;
	}
	return wall - civil_zone_offset(z, wall);
}

void civil_tz_local(int64_t t, int32_t *day, int *sec_of_day, int *offset)
{
	int off = civil_zone_offset(zone_cur, t);
	int64_t lt = t + off;
	int64_t d = lt >= 0 ? lt / 86400 : (lt - 86399) / 86400;
	if (day)
		*day = (int32_t)d;
	if (sec_of_day)
		*sec_of_day = (int)(lt - d * 86400);
	if (offset)
		*offset = off;
}

void civil_tz_format(int64_t t, char *buf)
{
	civil_format_iso_offset(t, civil_zone_offset(zone_cur, t), buf);
}
