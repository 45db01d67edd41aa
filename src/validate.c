/* Cross-checks of a parsed schedule against the station file and the
 * catalog: see validate.h and docs/SCHEDULE.md ("Validation"). */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "i18n.h"
#include "schedule.h"
#include "suggest.h"

/* Days checked for each slot from its first day: any combination of
 * weekday and day of month appears within this span. */
#define CHECK_DAYS 400
/* Start for open-ended patterns; the calendar repeats, so any year works. */
#define DEFAULT_ANCHOR_Y 2026
/* Quiet-hour times reported one by one per slot before a summary. */
#define QUIET_LIST 3

int validate_in_quiet_hours(const struct station *st, int m)
{
	if (st->quiet_from == st->quiet_to)
		return 0;
	if (st->quiet_from < st->quiet_to)
		return m >= st->quiet_from && m < st->quiet_to;
	return m >= st->quiet_from || m < st->quiet_to;
}

static double bulletin_seconds(const struct catalog *cat, const char *id)
{
	const struct bulletin *b = cat ? catalog_find(cat, id) : NULL;
	return b ? b->duration : 0;
}

/* Longest single play of what the slot may air (campaign: its longest bulletin). */
static double slot_seconds(const struct schedule *s, const struct slot *sl, const struct catalog *cat)
{
	double total = 0;
	if (sl->nbulletins) {
		for (size_t i = 0; i < sl->nbulletins; i++)
			total += bulletin_seconds(cat, sl->bulletins[i]);
	} else if (sl->campaign[0] && sl->campaign_index < s->ncampaigns) {
		const struct campaign *c = &s->campaigns[sl->campaign_index];
		for (size_t i = 0; i < c->nbulletins; i++) {
			double d = bulletin_seconds(cat, c->bulletins[i]);
			if (d > total)
				total = d;
		}
	}
	return total * sl->repeat;
}

static int32_t slot_first_day(const struct schedule *s, const struct slot *sl, int32_t anchor)
{
	int32_t d = sl->from_day;
	if (sl->campaign[0] && sl->campaign_index < s->ncampaigns) {
		int32_t cf = s->campaigns[sl->campaign_index].from_day;
		if (cf != DAY_NONE_LO && (d == DAY_NONE_LO || cf > d))
			d = cf;
	}
	if (d == DAY_NONE_LO) {
		d = anchor;
		for (size_t i = 0; i < sl->ndates; i++)
			if (sl->dates[i] < d)
				d = sl->dates[i];
	}
	return d;
}

/* Weekdays as civil_weekday() numbers them (Monday first), for messages. */
static const char *const wd_one[] = {N_("a Monday"), N_("a Tuesday"), N_("a Wednesday"), N_("a Thursday"),
				     N_("a Friday"), N_("a Saturday"), N_("a Sunday")};
static const char *const wd_many[] = {N_("Mondays"), N_("Tuesdays"), N_("Wednesdays"), N_("Thursdays"),
				      N_("Fridays"), N_("Saturdays"), N_("Sundays")};

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static void check_limits(struct schedule *s, const struct station *st, const struct catalog *cat,
			 struct errlist *errs, size_t *n)
{
	int32_t anchor = civil_days(DEFAULT_ANCHOR_Y, 1, 1);
	size_t cap = 0, nd = 0;
	int32_t *days = NULL;
	char d1[11], t1[6];

	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (sl->level == LEVEL_EMERGENCY || !sl->ntimes)
			continue;
		int32_t first = slot_first_day(s, sl, anchor);
		int weekday_reported = 0;
		/* The window, then the slot's explicit dates: a date years after
		 * `first` lies outside the window but must obey the weekdays too. */
		for (int32_t d = first, k = 0; k < CHECK_DAYS + (int32_t)sl->ndates; d++, k++) {
			if (k >= CHECK_DAYS)
				d = sl->dates[k - CHECK_DAYS];
			if (!schedule_slot_on_day(s, sl, d))
				continue;
			int wd = civil_weekday(d);
			if (!(st->allowed_weekdays & (1u << wd)) && !weekday_reported) {
				civil_format_date(d, d1);
				/* the weekday in English for en, translated for msg */
				static const char fmt[] = N_("%s:%d: slot %s plays on %s, %s; the station allows no broadcast on %s (%s:%d)");
				char en[800], tr[800];
				snprintf(en, sizeof(en), fmt, s->file, sl->line, sl->id, d1, wd_one[wd], wd_many[wd],
					 st->file, st->weekdays_line);
				snprintf(tr, sizeof(tr), _(fmt), s->file, sl->line, sl->id, d1, _(wd_one[wd]),
					 _(wd_many[wd]), st->file, st->weekdays_line);
				errlist_put(errs, en, tr);
				(*n)++;
				weekday_reported = 1;
			}
			if (nd == cap) {
				cap = cap ? cap * 2 : 1024;
				days = xrealloc(days, cap * sizeof(*days));
			}
			days[nd++] = d;
		}
	}
	if (!nd || (!st->max_sessions_per_day && !st->max_session_minutes)) {
		free(days);
		return;
	}
	qsort(days, nd, sizeof(*days), cmp_i32);

	size_t bad_days = 0;
	int32_t first_bad = 0;
	int first_line = 0;
	char first_times[128] = ""; /* the first few session times, for the message */
	size_t first_nt = 0;
	char *long_reported = xcalloc(s->nslots + 1, 1);
	for (size_t i = 0; i < nd; i++) {
		if (i && days[i] == days[i - 1])
			continue;
		int32_t d = days[i];
		static double secs[1440];
		static size_t last_slot[1440];
		static unsigned char used[1440];
		/* The minutes in use, so that a day costs its sessions, not 1440
		 * steps (a year of days is checked per schedule). */
		static int32_t mins[1440];
		size_t nt = 0;
		for (size_t j = 0; j < s->nslots; j++) {
			struct slot *sl = &s->slots[j];
			if (sl->level == LEVEL_EMERGENCY || !schedule_slot_on_day(s, sl, d))
				continue;
			for (size_t k = 0; k < sl->ntimes; k++) {
				int m = sl->times[k];
				if (!used[m]) {
					used[m] = 1;
					secs[m] = 0;
					mins[nt++] = m;
				}
				secs[m] += slot_seconds(s, sl, cat);
				last_slot[m] = j;
			}
		}
		qsort(mins, nt, sizeof(*mins), cmp_i32);
		if (st->max_sessions_per_day && nt > (size_t)st->max_sessions_per_day) {
			if (!bad_days++) {
				first_bad = d;
				first_nt = nt;
				/* At most 12 times listed (a slot every minute has 1440);
				 * the line is that of the first session over the limit. */
				size_t len = 0, k = 0;
				for (size_t q = 0; q < nt; q++) {
					int m = mins[q];
					if (k == (size_t)st->max_sessions_per_day)
						first_line = s->slots[last_slot[m]].line;
					if (k++ == 12) {
						snprintf(first_times + len, sizeof(first_times) - len, ", ...");
						break;
					}
					civil_format_hhmm(m, t1);
					len += (size_t)snprintf(first_times + len, sizeof(first_times) - len, "%s%s",
								len ? ", " : "", t1);
				}
			}
		}
		for (size_t q = 0; st->max_session_minutes && q < nt; q++) {
			int m = mins[q];
			size_t j = last_slot[m];
			if (secs[m] <= st->max_session_minutes * 60.0 || long_reported[j])
				continue;
			long_reported[j] = 1;
			civil_format_date(d, d1);
			civil_format_hhmm(m, t1);
			int whole = (int)(secs[m] + 0.5);
			errlist_add(errs, "%s:%d: slot %s: the session at %s on %s lasts up to %d min %02d s; the station allows %d minutes a session (%s:%d)",
				    s->file, s->slots[j].line, s->slots[j].id, t1, d1, whole / 60, whole % 60,
				    st->max_session_minutes, st->file, st->session_line);
			(*n)++;
		}
		for (size_t q = 0; q < nt; q++)
			used[mins[q]] = 0;
	}
	if (bad_days) {
		civil_format_date(first_bad, d1);
		static const char fmt[] = N_("%s:%d: %zu sessions on %s (%s); the station allows at most %d a day (%s:%d)%s");
		static const char more[] = N_(" (and on other days too)");
		char en[800], tr[800];
		snprintf(en, sizeof(en), fmt, s->file, first_line, first_nt, d1, first_times,
			 st->max_sessions_per_day, st->file, st->sessions_line, bad_days > 1 ? more : "");
		snprintf(tr, sizeof(tr), _(fmt), s->file, first_line, first_nt, d1, first_times,
			 st->max_sessions_per_day, st->file, st->sessions_line, bad_days > 1 ? _(more) : "");
		errlist_put(errs, en, tr);
		(*n)++;
	}
	free(long_reported);
	free(days);
}

static int zone_mapped(const struct station *st, int zone)
{
	for (size_t i = 0; i < st->amp.nzones; i++)
		if (st->amp.zones[i].zone == zone)
			return 1;
	return 0;
}

/* owner_fmt: N_("campaign %s") or N_("slot %s"), with owner_id. */
static void check_bulletin(const struct schedule *s, const struct catalog *cat, const char *id,
			   int line, const char *owner_fmt, const char *owner_id, struct errlist *errs, size_t *n)
{
	if (!cat || catalog_find(cat, id))
		return;
	struct suggest sg;
	suggest_init(&sg, id);
	for (size_t i = 0; i < cat->n; i++)
		suggest_offer(&sg, cat->items[i].id);
	static const char fmt_sg[] = N_("%s:%d: %s uses bulletin \"%s\", which is not in the library: did you mean \"%s\"?");
	static const char fmt_add[] = N_("%s:%d: %s uses bulletin \"%s\", which is not in the library (add it with: loaxactl bulletin add FILE --id %s)");
	const char *fmt = suggest_result(&sg) ? fmt_sg : fmt_add;
	const char *last = suggest_result(&sg) ? suggest_result(&sg) : id;
	char oe[ID_MAX + 64], ot[ID_MAX + 64], en[800], tr[800];
	snprintf(oe, sizeof(oe), owner_fmt, owner_id);
	snprintf(ot, sizeof(ot), _(owner_fmt), owner_id);
	snprintf(en, sizeof(en), fmt, s->file, line, oe, id, last);
	snprintf(tr, sizeof(tr), _(fmt), s->file, line, ot, id, last);
	errlist_put(errs, en, tr);
	(*n)++;
}

size_t validate_binding(const struct schedule *s, const struct station *st, int required,
			struct errlist *errs)
{
	if (!s->district[0]) {
		if (!required)
			return 0;
		if (st->district_code[0])
			errlist_add(errs, "%s: the signed schedule names no district: a signed schedule must say where it may play (for this station %s: district = \"%s\";)",
				    s->file, st->id, st->district_code);
		else
			errlist_add(errs, "%s: the signed schedule names no district, and this station (%s) has no station.district_code in %s: a signed schedule must say where it may play",
				    s->file, st->id, st->file);
		return 1;
	}
	if (!st->district_code[0]) {
		errlist_add(errs, "%s:%d: the schedule is for district %s, but this station (%s) has no station.district_code in %s",
			    s->file, s->district_line, s->district, st->id, st->file);
		return 1;
	}
	if (strcmp(s->district, st->district_code)) {
		errlist_add(errs, "%s:%d: the schedule is for district %s, not for this station's district %s (station %s)",
			    s->file, s->district_line, s->district, st->district_code, st->id);
		return 1;
	}
	if (!s->nstations)
		return 0;
	for (size_t i = 0; i < s->nstations; i++)
		if (!strcmp(s->stations[i], st->id))
			return 0;
	if (s->nstations == 1)
		errlist_add(errs, "%s:%d: the schedule is for 1 other station of district %s (%s), not for this station %s",
			    s->file, s->stations_line, s->district, s->stations[0], st->id);
	else
		errlist_add(errs, "%s:%d: the schedule is for %zu other stations of district %s (%s, ...), not for this station %s",
			    s->file, s->stations_line, s->nstations, s->district, s->stations[0], st->id);
	return 1;
}

size_t validate_schedule(struct schedule *s, const struct station *st, const struct catalog *cat,
			 struct errlist *errs)
{
	size_t n = validate_binding(s, st, 0, errs);
	static const char who_c[] = N_("campaign %s"), who_s[] = N_("slot %s");
	char t1[6], q1[6], q2[6];

	for (size_t i = 0; i < s->ncampaigns; i++) {
		const struct campaign *c = &s->campaigns[i];
		for (size_t k = 0; k < c->nbulletins; k++)
			check_bulletin(s, cat, c->bulletins[k], c->line, who_c, c->id, errs, &n);
	}
	for (size_t i = 0; i < s->nslots; i++) {
		struct slot *sl = &s->slots[i];
		if (sl->campaign[0]) {
			ssize_t ci = schedule_campaign_index(s, sl->campaign);
			struct suggest sg;
			suggest_init(&sg, sl->campaign);
			for (size_t k = 0; ci < 0 && k < s->ncampaigns; k++)
				suggest_offer(&sg, s->campaigns[k].id);
			if (ci < 0 && suggest_result(&sg)) {
				errlist_add(errs, "%s:%d: slot %s: unknown campaign \"%s\": did you mean \"%s\"?",
					    s->file, sl->line, sl->id, sl->campaign, suggest_result(&sg));
				n++;
				sl->campaign_index = s->ncampaigns;
			} else if (ci < 0) {
				errlist_add(errs, "%s:%d: slot %s: unknown campaign \"%s\"", s->file,
					    sl->line, sl->id, sl->campaign);
				n++;
				sl->campaign_index = s->ncampaigns;
			} else {
				sl->campaign_index = (size_t)ci;
			}
		}
		for (size_t k = 0; k < sl->nbulletins; k++)
			check_bulletin(s, cat, sl->bulletins[k], sl->line, who_s, sl->id, errs, &n);
		if (sl->level != LEVEL_EMERGENCY) {
			/* Up to QUIET_LIST times one by one, then one summary: an
			 * every_minutes slot would otherwise give hundreds. */
			size_t nq = 0;
			civil_format_hhmm(st->quiet_from, q1);
			civil_format_hhmm(st->quiet_to, q2);
			for (size_t k = 0; k < sl->ntimes; k++) {
				if (!validate_in_quiet_hours(st, sl->times[k]) || nq++ >= QUIET_LIST)
					continue;
				civil_format_hhmm(sl->times[k], t1);
				errlist_add(errs, "%s:%d: slot %s: %s is inside the station's quiet hours %s-%s (%s:%d)",
					    s->file, sl->line, sl->id, t1, q1, q2, st->file, st->quiet_line);
				n++;
			}
			if (nq == QUIET_LIST + 1) {
				errlist_add(errs, "%s:%d: slot %s: and 1 more time inside the station's quiet hours %s-%s (%s:%d)",
					    s->file, sl->line, sl->id, q1, q2, st->file, st->quiet_line);
				n++;
			} else if (nq > QUIET_LIST) {
				errlist_add(errs, "%s:%d: slot %s: and %zu more times inside the station's quiet hours %s-%s (%s:%d)",
					    s->file, sl->line, sl->id, nq - QUIET_LIST, q1, q2, st->file, st->quiet_line);
				n++;
			}
		}
		if (st->amp.enabled && st->amp.nzones) {
			for (int z = 1; z <= MAX_ZONES; z++) {
				if ((sl->zones & (1u << (z - 1))) && !zone_mapped(st, z)) {
					errlist_add(errs, "%s:%d: slot %s: zone %d is not wired to the amplifier (see %s, amplifier.zones)",
						    s->file, sl->line, sl->id, z, st->file);
					n++;
				}
			}
		}
	}
	/* Limits need campaign_index resolved: run after the loop above. */
	check_limits(s, st, cat, errs, &n);
	return n;
}
