/* Schedule expansion (see schedule.h): which slots play on which local days,
 * the instants they fall due, blackouts and campaign rotation. Pure: calendar
 * math from civil.c, local time <-> instant only through civil_tz_*. */
#include "schedule.h"

#include "civil.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DAY_SECONDS 86400
#define DAY_MINUTES 1440

/* One local day of the expansion window. */
struct day_info {
	int64_t start;  /* instant of local 00:00 (moved forward if in a gap) */
	char date[11];  /* YYYY-MM-DD */
	uint8_t wd;     /* 0 = Monday */
	uint8_t md;     /* 1..31 */
	uint8_t plain;  /* no offset change this day: due = start + 60 * minute */
};

/* An occurrence before sorting; the full record is built in final order. */
struct cand {
	int64_t due;
	size_t slot;
	int32_t dayi;   /* index into the day table */
	uint32_t k;     /* bulletin index for explicit-bulletin slots, else 0 */
	int16_t minute;
	uint8_t level;
};

static const struct campaign *slot_campaign(const struct schedule *s, const struct slot *sl)
{
	if (!sl->campaign[0] || sl->campaign_index >= s->ncampaigns)
		return NULL;
	return &s->campaigns[sl->campaign_index];
}

static int slot_every_day(const struct slot *sl)
{
	return !sl->weekdays && !sl->monthdays && !sl->ndates;
}

static int slot_pattern(const struct slot *sl, int wd, int md)
{
	return ((sl->weekdays >> wd) & 1u) || ((sl->monthdays >> md) & 1u);
}

int schedule_slot_on_day(const struct schedule *s, const struct slot *sl, int32_t day)
{
	const struct campaign *c = slot_campaign(s, sl);
	if (day < sl->from_day || day > sl->to_day)
		return 0;
	if (c && (day < c->from_day || day > c->to_day))
		return 0;
	if (slot_every_day(sl))
		return 1;
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	if (slot_pattern(sl, civil_weekday(day), d))
		return 1;
	for (size_t i = 0; i < sl->ndates; i++)
		if (sl->dates[i] == day)
			return 1;
	return 0;
}

const char *schedule_blackout_at(const struct schedule *s, int64_t t)
{
	for (size_t i = 0; i < s->nblackouts; i++)
		if (t >= s->blackouts[i].from && t < s->blackouts[i].to)
			return s->blackouts[i].reason;
	return NULL;
}

size_t schedule_rotation_after(const struct campaign *c, const char *last_bulletin)
{
	if (!c || !last_bulletin || !c->nbulletins)
		return 0;
	for (size_t i = 0; i < c->nbulletins; i++)
		if (!strcmp(c->bulletins[i], last_bulletin))
			return (i + 1) % c->nbulletins;
	return 0;
}

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	if (a->level != b->level)
		return a->level > b->level ? -1 : 1; /* emergency first */
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	if (a->dayi != b->dayi) /* same slot, same due: only in a DST gap */
		return a->dayi < b->dayi ? -1 : 1;
	if (a->minute != b->minute)
		return a->minute < b->minute ? -1 : 1;
	return a->k < b->k ? -1 : a->k > b->k;
}

/* Bounded copy of an ID_MAX field. */
static void copy_id(char *dst, const char *src)
{
	size_t n = strnlen(src, ID_MAX - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "SLOT@YYYY-MM-DDTHH:MM" and "#k" (k from 1) when the slot lists several
 * bulletins. Longest: 63 + 17 + 21 < OCC_ID_MAX. Hand-made: snprintf would
 * dominate the cost of a year's expansion. */
static void make_id(char *dst, const char *slot, const char *date, int minute, size_t k,
		    size_t nb)
{
	size_t n = strnlen(slot, ID_MAX - 1);
	memcpy(dst, slot, n);
	dst[n++] = '@';
	memcpy(dst + n, date, 10);
	n += 10;
	dst[n++] = 'T';
	dst[n++] = (char)('0' + minute / 600);
	dst[n++] = (char)('0' + minute / 60 % 10);
	dst[n++] = ':';
	dst[n++] = (char)('0' + minute % 60 / 10);
	dst[n++] = (char)('0' + minute % 10);
	if (nb > 1) {
		char tmp[24];
		size_t t = 0, v = k + 1;
		do {
			tmp[t++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		dst[n++] = '#';
		while (t)
			dst[n++] = tmp[--t];
	}
	dst[n] = '\0';
}

/* Local days are computed only in 1900..2299: dates parse in 1970..2200,
 * and mktime/localtime fail far outside time_t's comfortable range. */
static int64_t clamp_instant(int64_t t)
{
	const int64_t lo = (int64_t)civil_days(1900, 1, 2) * DAY_SECONDS;
	const int64_t hi = (int64_t)civil_days(2299, 12, 30) * DAY_SECONDS;
	return t < lo ? lo : t > hi ? hi : t;
}

/* Day table for local days d0 .. d0+nd-1 (and the start of d0+nd). */
static void fill_days(struct day_info *days, int32_t d0, size_t nd)
{
	for (size_t i = 0; i <= nd; i++)
		days[i].start = civil_tz_instant(d0 + (int32_t)i, 0);
	for (size_t i = 0; i < nd; i++) {
		int32_t day = d0 + (int32_t)i, ld;
		int y, m, d, sod, off0, off1;
		civil_from_days(day, &y, &m, &d);
		civil_format_date(day, days[i].date);
		days[i].wd = (uint8_t)civil_weekday(day);
		days[i].md = (uint8_t)d;
		/* A plain day starts at 00:00 sharp, lasts 86400 s and keeps one
		 * UTC offset; a DST day (23 or 25 hours, or midnight in a gap)
		 * goes through dst_day_instant per time. */
		civil_tz_local(days[i].start, &ld, &sod, &off0);
		civil_tz_local(days[i + 1].start - 1, NULL, NULL, &off1);
		days[i].plain = ld == day && sod == 0 && off0 == off1 &&
				days[i + 1].start - days[i].start == DAY_SECONDS;
	}
}

static int local_is(int64_t t, int32_t day, int sec)
{
	int32_t ld;
	int lsec;
	civil_tz_local(t, &ld, &lsec, NULL);
	return ld == day && lsec == sec;
}

/* Local day+minute -> instant on a day whose UTC offset changes: the first
 * of the two instants in a fold, moved forward by the gap in a gap (the
 * civil_tz_instant contract). Worked out from the offsets around the day,
 * not with mktime: glibc's mktime resolves a fold from its previous call's
 * guess, so the same time could expand to different instants. */
static int64_t dst_day_instant(const struct day_info *di, int32_t day, int minute)
{
	const int64_t probe[4] = {di[0].start - 1, di[0].start, di[1].start - 1, di[1].start};
	int64_t wall = (int64_t)day * DAY_SECONDS + 60 * (int64_t)minute;
	int64_t best = INT64_MAX, latest = INT64_MIN;
	for (int i = 0; i < 4; i++) {
		int off;
		civil_tz_local(probe[i], NULL, NULL, &off);
		int64_t t = wall - off;
		if (t > latest)
			latest = t;
		if (t < best && local_is(t, day, minute * 60))
			best = t;
	}
	if (best != INT64_MAX)
		return best;
	/* In a gap: read with the smaller offset, which lands after the gap.
	 * Anything stranger (several changes in a day): leave it to mktime. */
	if (latest >= di[0].start && latest < di[1].start)
		return latest;
	return civil_tz_instant(day, minute);
}

/* Append the candidates of slot si to *cv (grown as needed); 0 or -1. */
static int slot_cands(const struct schedule *s, size_t si, const struct day_info *days,
		      int32_t d0, size_t nd, uint8_t *mark, int64_t from, int64_t to,
		      struct cand **cv, size_t *n, size_t *cap)
{
	const struct slot *sl = &s->slots[si];
	const struct campaign *c = slot_campaign(s, sl);
	int32_t lo = d0, hi = d0 + (int32_t)nd - 1;
	if (sl->from_day > lo)
		lo = sl->from_day;
	if (sl->to_day < hi)
		hi = sl->to_day;
	if (c && c->from_day > lo)
		lo = c->from_day;
	if (c && c->to_day < hi)
		hi = c->to_day;
	if (lo > hi || !sl->ntimes)
		return 0;
	size_t a = (size_t)(lo - d0), b = (size_t)(hi - d0);

	if (slot_every_day(sl)) {
		memset(mark + a, 1, b - a + 1);
	} else {
		for (size_t i = a; i <= b; i++)
			mark[i] = (uint8_t)slot_pattern(sl, days[i].wd, days[i].md);
		for (size_t j = 0; j < sl->ndates; j++)
			if (sl->dates[j] >= lo && sl->dates[j] <= hi)
				mark[sl->dates[j] - d0] = 1;
	}

	size_t nb = sl->nbulletins ? sl->nbulletins : 1;
	for (size_t i = a; i <= b; i++) {
		if (!mark[i])
			continue;
		for (size_t t = 0; t < sl->ntimes; t++) {
			int minute = sl->times[t];
			if (minute < 0 || minute >= DAY_MINUTES)
				continue; /* rejected by validation */
			int64_t due = days[i].plain ? days[i].start + 60 * (int64_t)minute
						    : dst_day_instant(&days[i], d0 + (int32_t)i, minute);
			if (due < from || due >= to)
				continue;
			if (*n + nb > *cap) {
				size_t ncap = *cap ? *cap * 2 : 256;
				while (ncap < *n + nb)
					ncap *= 2;
				if (ncap > SIZE_MAX / sizeof(struct cand))
					return -1;
				struct cand *p = realloc(*cv, ncap * sizeof(struct cand));
				if (!p)
					return -1;
				*cv = p;
				*cap = ncap;
			}
			for (size_t k = 0; k < nb; k++) {
				struct cand *x = &(*cv)[(*n)++];
				x->due = due;
				x->slot = si;
				x->dayi = (int32_t)i;
				x->k = (uint32_t)k;
				x->minute = (int16_t)minute;
				x->level = (uint8_t)sl->level;
			}
		}
	}
	memset(mark + a, 0, b - a + 1);
	return 0;
}

/* The reason of the first blackout among idx[0..n) covering t, or NULL. */
static const char *blackout_in(const struct schedule *s, const size_t *idx, size_t n, int64_t t)
{
	for (size_t i = 0; i < n; i++) {
		const struct blackout *b = &s->blackouts[idx[i]];
		if (t >= b->from && t < b->to)
			return b->reason;
	}
	return NULL;
}

/* On return *out is NULL when the count is 0 (free(NULL) is safe). */
ssize_t schedule_expand(const struct schedule *s, int64_t from, int64_t to, size_t *rot,
			int flags, struct occurrence **out)
{
	struct day_info *days = NULL;
	uint8_t *mark = NULL;
	struct cand *cv = NULL;
	size_t *tmprot = NULL, *bidx = NULL, nbo = 0;
	struct occurrence *occ = NULL;
	size_t n = 0, cap = 0, cnt = 0;

	*out = NULL;
	from = clamp_instant(from);
	to = clamp_instant(to);
	if (from >= to || !s->nslots)
		return 0;

	/* Local days from the day before `from` to the day after `to`: a slot
	 * time on any of them may fall due inside the window. */
	int32_t dfrom, dto;
	civil_tz_local(from, &dfrom, NULL, NULL);
	civil_tz_local(to, &dto, NULL, NULL);
	int32_t d0 = dfrom - 1;
	size_t nd = (size_t)(dto + 1 - d0) + 1;

	days = malloc((nd + 1) * sizeof(*days));
	mark = calloc(nd, 1);
	if (s->nblackouts)
		bidx = malloc(s->nblackouts * sizeof(*bidx));
	if (!rot && s->ncampaigns)
		rot = tmprot = calloc(s->ncampaigns, sizeof(*rot));
	if (!days || !mark || (s->nblackouts && !bidx) || (!rot && s->ncampaigns))
		goto nomem;
	fill_days(days, d0, nd);

	for (size_t i = 0; i < s->nblackouts; i++)
		if (s->blackouts[i].from < to && s->blackouts[i].to > from)
			bidx[nbo++] = i;

	for (size_t si = 0; si < s->nslots; si++)
		if (slot_cands(s, si, days, d0, nd, mark, from, to, &cv, &n, &cap))
			goto nomem;
	if (!n)
		goto done;
	qsort(cv, n, sizeof(*cv), cand_cmp);

	if (n > SIZE_MAX / sizeof(*occ) || !(occ = malloc(n * sizeof(*occ))))
		goto nomem;
	/* Rotation is assigned here, in play order. */
	for (size_t i = 0; i < n; i++) {
		const struct cand *x = &cv[i];
		const struct slot *sl = &s->slots[x->slot];
		const char *reason = NULL;
		if (sl->level != LEVEL_EMERGENCY && nbo)
			reason = blackout_in(s, bidx, nbo, x->due);
		if (reason && !(flags & EXPAND_SUPPRESSED))
			continue;
		struct occurrence *o = &occ[cnt++];
		make_id(o->id, sl->id, days[x->dayi].date, x->minute, x->k, sl->nbulletins);
		o->due = x->due;
		o->slot = x->slot;
		o->bulletin[0] = '\0';
		if (sl->nbulletins) {
			copy_id(o->bulletin, sl->bulletins[x->k]);
		} else if (sl->campaign[0] && sl->campaign_index < s->ncampaigns) {
			const struct campaign *c = &s->campaigns[sl->campaign_index];
			size_t *r = &rot[sl->campaign_index];
			if (c->nbulletins) {
				copy_id(o->bulletin, c->bulletins[*r % c->nbulletins]);
				if (!reason)
					*r = (*r % c->nbulletins + 1) % c->nbulletins;
			}
		}
		copy_id(o->campaign, sl->campaign);
		o->zones = sl->zones;
		o->repeat = sl->repeat;
		o->gain_db = sl->gain_db;
		o->level = sl->level;
		o->blackout = reason;
	}
	if (!cnt) {
		free(occ);
		occ = NULL;
	} else if (cnt < n / 2) {
		struct occurrence *p = realloc(occ, cnt * sizeof(*occ));
		if (p)
			occ = p;
	}

done:
	free(days);
	free(mark);
	free(cv);
	free(bidx);
	free(tmprot);
	*out = occ;
	return (ssize_t)cnt;
nomem:
	free(days);
	free(mark);
	free(cv);
	free(bidx);
	free(tmprot);
	free(occ);
	errno = ENOMEM;
	return -1;
}

int schedule_record_rotates(const struct schedule *s, const char *occ, const char *rotation)
{
	if (rotation)
		return !strcmp(rotation, "yes");
	const char *at = occ ? strchr(occ, '@') : NULL;
	if (!at || !strncmp(occ, "manual@", 7))
		return 0;
	size_t n = (size_t)(at - occ);
	for (size_t i = 0; i < s->nslots; i++) {
		const struct slot *sl = &s->slots[i];
		if (strlen(sl->id) == n && !strncmp(sl->id, occ, n))
			return sl->campaign[0] && !sl->nbulletins;
	}
	return 1; /* a slot of an older schedule: as those journals counted it */
}
