/* Counting broadcasts against campaign targets: see report.h. The journal
 * streams through asrun (one row per broadcast, one outcome) into small
 * per-campaign monthly counters, so memory depends on the period and the
 * number of campaigns, never on the number of records. Pure. */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "util.h"

/* Recently counted occurrence ids, so that an occurrence journalled twice
 * (taken again after a clock step) counts once as scheduled. A lossy cache:
 * duplicates lie a few days apart, far inside RECENT_WINDOW rows. */
#define RECENT_SLOTS 8192
#define RECENT_WINDOW 4096
#define RECENT_PROBE 8

struct rcamp {
	char id[ID_MAX];
	const char *title;
	struct report_count *m; /* nmonths */
	struct report_day *d;   /* ndays, REPORT_DAILY */
};

struct recent {
	uint64_t h;
	uint64_t seq; /* 0 = empty */
};

struct report {
	unsigned flags;
	int32_t from_day, to_day;
	int first_month, nmonths;
	size_t ndays;
	struct asrun *a;
	struct report_station st;
	uint8_t covered[REPORT_MONTHS_MAX];
	int32_t last_cov_day;
	int have_cov_day;

	struct rcamp *camps;
	size_t ncamps, capcamps, last_camp;

	struct report_sched *sch;
	size_t nsch, capsch;
	char cur_serial[32];

	struct report_bulletin *bul;
	size_t nbul, capbul, last_bul;
	struct report_notaired *na;
	size_t nna, na_more;

	struct recent *recent;
	uint64_t seq;
	int32_t row_day; /* the last row's day and its month's index */
	int row_mi;

	struct report_row *rows;
	size_t nrows;
	int rows_valid;           /* rows are up to date */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int32_t day_of(int64_t t, int off)
{
	return (int32_t)floor_div(t + off, 86400);
}

int report_month_key(int32_t day)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	return y * 12 + m - 1;
}

void report_month_text(int key, char out[8])
{
	int y = key / 12, m = key % 12 + 1;
	if (y < 0 || y > 9999)
		y = 0;
	snprintf(out, 8, "%04d-%02d", y, m);
}

/* First day of month key k. */
static int32_t month_first_day(int k)
{
	return civil_days(k / 12, k % 12 + 1, 1);
}

void report_archive_path(const char *journal_dir, long long serial, char *out, size_t n)
{
	snprintf(out, n, "%s/schedules/%lld.conf", journal_dir, serial);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

/* 1 if id was counted within the recent window; records it otherwise. */
static int recent_seen(struct report *r, const char *id)
{
	uint64_t h = fnv1a(id);
	uint64_t now = ++r->seq;
	size_t base = (size_t)(h % RECENT_SLOTS), victim = base;
	uint64_t oldest = UINT64_MAX;
	for (size_t k = 0; k < RECENT_PROBE; k++) {
		struct recent *e = &r->recent[(base + k) % RECENT_SLOTS];
		int live = e->seq && now - e->seq <= RECENT_WINDOW;
		if (live && e->h == h)
			return 1;
		uint64_t age = live ? e->seq : 0;
		if (age < oldest) {
			oldest = age;
			victim = (base + k) % RECENT_SLOTS;
		}
	}
	r->recent[victim].h = h;
	r->recent[victim].seq = now;
	return 0;
}

static struct rcamp *camp_get(struct report *r, const char *id)
{
	if (r->ncamps && !strcmp(r->camps[r->last_camp].id, id))
		return &r->camps[r->last_camp];
	for (size_t i = 0; i < r->ncamps; i++) {
		if (!strcmp(r->camps[i].id, id)) {
			r->last_camp = i;
			return &r->camps[i];
		}
	}
	if (r->ncamps == r->capcamps) {
		r->capcamps = r->capcamps ? r->capcamps * 2 : 8;
		r->camps = xrealloc(r->camps, r->capcamps * sizeof(*r->camps));
	}
	struct rcamp *c = &r->camps[r->ncamps];
	memset(c, 0, sizeof(*c));
	str_copy(c->id, id, sizeof(c->id));
	c->title = "";
	c->m = xcalloc((size_t)r->nmonths, sizeof(*c->m));
	if (r->flags & REPORT_DAILY)
		c->d = xcalloc(r->ndays, sizeof(*c->d));
	r->last_camp = r->ncamps;
	return &r->camps[r->ncamps++];
}

static struct report_bulletin *bul_get(struct report *r, const char *id, const char *campaign)
{
	if (r->nbul && !strcmp(r->bul[r->last_bul].id, id))
		return &r->bul[r->last_bul];
	for (size_t i = 0; i < r->nbul; i++) {
		if (!strcmp(r->bul[i].id, id)) {
			r->last_bul = i;
			return &r->bul[i];
		}
	}
	if (r->nbul == r->capbul) {
		r->capbul = r->capbul ? r->capbul * 2 : 16;
		r->bul = xrealloc(r->bul, r->capbul * sizeof(*r->bul));
	}
	struct report_bulletin *b = &r->bul[r->nbul];
	memset(b, 0, sizeof(*b));
	str_copy(b->id, id, sizeof(b->id));
	str_copy(b->campaign, campaign, sizeof(b->campaign));
	r->last_bul = r->nbul;
	return &r->bul[r->nbul++];
}

/* One broadcast from asrun. */
static void count_row(void *ctx, const struct broadcast *b)
{
	struct report *r = ctx;
	int64_t t = b->due ? b->due : b->started ? b->started : b->ended;
	int off = b->due ? b->due_off : b->started ? b->started_off : b->ended_off;
	if (!t)
		return;
	int32_t day = day_of(t, off);
	if (day < r->from_day || day > r->to_day)
		return;
	if (day != r->row_day) { /* rows come a few a day, in order */
		r->row_day = day;
		r->row_mi = report_month_key(day) - r->first_month;
	}
	int mi = r->row_mi;
	if (mi < 0 || mi >= r->nmonths)
		return;
	enum outcome o = b->outcome < OUT__N ? b->outcome : OUT_PARTIAL;
	int manual = !strncmp(b->occurrence, "manual@", 7);
	int sched = !manual && !(b->occurrence[0] && recent_seen(r, b->occurrence));

	struct rcamp *c = camp_get(r, b->campaign);
	struct report_count *k = &c->m[mi];
	k->n[o]++;
	if (o != OUT_UNHEARD) /* played to the fallback file: no loudspeaker, no airtime */
		k->airtime += b->seconds_played;
	k->manual += (uint32_t)manual;
	k->scheduled += (uint32_t)sched;
	if (c->d) {
		struct report_day *d = &c->d[day - r->from_day];
		d->scheduled += (uint32_t)sched;
		d->aired += o == OUT_AIRED;
	}
	if ((r->flags & REPORT_BULLETINS) && b->bulletin[0]) {
		struct report_bulletin *u = bul_get(r, b->bulletin, b->campaign);
		u->plays += o == OUT_AIRED || o == OUT_PARTIAL || o == OUT_INTERRUPTED || o == OUT_UNHEARD;
		u->aired += o == OUT_AIRED;
		if (o != OUT_UNHEARD)
			u->seconds += b->seconds_played;
		if (!strncmp(b->origin, "signed:", 7)) {
			u->origin |= REPORT_ORIGIN_SIGNED;
			str_copy(u->signer, b->origin + 7, sizeof(u->signer));
		} else if (!strcmp(b->origin, "local")) {
			u->origin |= REPORT_ORIGIN_LOCAL;
		}
	}
	if ((r->flags & REPORT_NOTAIRED) && o != OUT_AIRED) {
		if (r->nna == REPORT_NOTAIRED_MAX) {
			r->na_more++;
			return;
		}
		struct report_notaired *n = &r->na[r->nna++];
		n->due = t;
		n->due_off = off;
		n->outcome = o;
		str_copy(n->occurrence, b->occurrence, sizeof(n->occurrence));
		str_copy(n->bulletin, b->bulletin, sizeof(n->bulletin));
		str_copy(n->campaign, b->campaign, sizeof(n->campaign));
		n->played = b->seconds_played;
		n->expected = b->seconds_expected;
		str_copy(n->detail, b->detail, sizeof(n->detail));
	}
}

struct report *report_new(int32_t from_day, int32_t to_day, unsigned flags)
{
	if (to_day < from_day) {
		errno = EINVAL;
		return NULL;
	}
	int fm = report_month_key(from_day), lm = report_month_key(to_day);
	if (lm - fm + 1 > REPORT_MONTHS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	struct report *r = xcalloc(1, sizeof(*r));
	r->flags = flags;
	r->from_day = from_day;
	r->to_day = to_day;
	r->first_month = fm;
	r->nmonths = lm - fm + 1;
	r->ndays = (size_t)(to_day - from_day) + 1;
	r->a = asrun_new(count_row, r);
	r->row_day = INT32_MIN;
	/* count_row reads the rest of a row only for these */
	asrun_set_lean(r->a, !(flags & (REPORT_BULLETINS | REPORT_NOTAIRED)));
	r->recent = xcalloc(RECENT_SLOTS, sizeof(*r->recent));
	if (flags & REPORT_NOTAIRED)
		r->na = xcalloc(REPORT_NOTAIRED_MAX, sizeof(*r->na));
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	asrun_free(r->a);
	for (size_t i = 0; i < r->ncamps; i++) {
		free(r->camps[i].m);
		free(r->camps[i].d);
	}
	free(r->camps);
	free(r->sch);
	free(r->bul);
	free(r->na);
	free(r->recent);
	free(r->rows);
	free(r);
}

static void copy_val(char *dst, size_t n, const struct record *rec, const char *key)
{
	const char *v = record_get(rec, key);
	str_copy(dst, v ? v : "", n);
}

/* A schedule comes into force at rec's time. Re-installing the one in
 * force (the daemon does at some restarts) changes nothing. */
static void sched_begin(struct report *r, const struct record *rec, const char *serial,
			const char *sha)
{
	if (r->nsch) {
		struct report_sched *p = &r->sch[r->nsch - 1];
		if (atoll(serial) == p->serial && (!strcmp(p->sha256, sha) || !*sha))
			return;
		if (atoll(serial) == p->serial && !p->sha256[0]) {
			/* station-start named the serial; the install that follows
			 * (the daemon writes it next) gives its SHA-256 */
			str_copy(p->sha256, sha, sizeof(p->sha256));
			copy_val(p->file, sizeof(p->file), rec, "file");
			return;
		}
		p->to = rec->time;
	}
	if (r->nsch == r->capsch) {
		r->capsch = r->capsch ? r->capsch * 2 : 4;
		r->sch = xrealloc(r->sch, r->capsch * sizeof(*r->sch));
	}
	struct report_sched *s = &r->sch[r->nsch++];
	memset(s, 0, sizeof(*s));
	s->serial = atoll(serial);
	str_copy(s->sha256, sha, sizeof(s->sha256));
	copy_val(s->file, sizeof(s->file), rec, "file");
	s->from = rec->time;
	s->from_off = rec->offset;
	s->to = INT64_MAX;
	str_copy(r->cur_serial, serial, sizeof(r->cur_serial));
}

void report_feed(struct report *r, const struct record *rec)
{
	struct report_station *st = &r->st;
	r->rows_valid = 0;
	if (!st->records) {
		st->first = rec->time;
		st->first_off = rec->offset;
	}
	st->records++;
	st->last = rec->time;
	st->last_off = rec->offset;

	int32_t day = day_of(rec->time, rec->offset);
	if (!r->have_cov_day || day != r->last_cov_day) {
		r->have_cov_day = 1;
		r->last_cov_day = day;
		int mi = report_month_key(day) - r->first_month;
		if (mi >= 0 && mi < r->nmonths)
			r->covered[mi] = 1;
	}

	switch (rec->event_id) {
	case RE_OPEN: {
		const char *s = record_get_id(rec, RK_STATION), *c = record_get_id(rec, RK_COMMUNE);
		const char *d = record_get_id(rec, RK_DISTRICT);
		s = s ? s : "";
		c = c ? c : "";
		if (!st->station[0] && !st->commune[0]) {
			str_copy(st->station, s, sizeof(st->station));
			str_copy(st->commune, c, sizeof(st->commune));
		} else if (strcmp(st->station, s) || strcmp(st->commune, c)) {
			if (!st->mixed)
				snprintf(st->other, sizeof(st->other), "%s/%s", s, c);
			st->mixed = 1;
		}
		if (d && *d)
			str_copy(st->district, d, sizeof(st->district));
		break;
	}
	case RE_SCHEDULE_INSTALLED: {
		const char *serial = record_get_id(rec, RK_SERIAL), *sha = record_get_id(rec, RK_SHA256);
		sched_begin(r, rec, serial ? serial : "0", sha ? sha : "");
		break;
	}
	case RE_STATION_START:
	case RE_START:
		/* A folder that begins after the install: the serial the
		 * station ran is known, its SHA-256 is not. */
		if (!r->nsch) {
			const char *serial = record_get_id(rec, RK_SERIAL);
			if (serial && *serial && strcmp(serial, "0"))
				sched_begin(r, rec, serial, "");
		}
		break;
	default: break;
	}
	asrun_feed(r->a, rec);
}

void report_finish(struct report *r, int final)
{
	asrun_finish(r->a, final);
	r->rows_valid = 0;
}

size_t report_nscheds(const struct report *r)
{
	return r->nsch;
}

const struct report_sched *report_sched(const struct report *r, size_t i)
{
	return i < r->nsch ? &r->sch[i] : NULL;
}

void report_attach(struct report *r, size_t i, const struct schedule *s)
{
	if (i < r->nsch)
		r->sch[i].s = s;
	r->rows_valid = 0;
}

static const struct campaign *find_campaign(const struct schedule *s, const char *id)
{
	for (size_t i = 0; i < s->ncampaigns; i++)
		if (!strcmp(s->campaigns[i].id, id))
			return &s->campaigns[i];
	return NULL;
}

/* Local days [*a, *b] of month mi during which schedule i was in force
 * and inside the period; 0 if none. */
static int sched_days_in_month(const struct report *r, const struct report_sched *s, int mi,
			       int32_t *a, int32_t *b)
{
	int key = r->first_month + mi;
	int32_t lo = month_first_day(key), hi = month_first_day(key + 1) - 1;
	if (lo < r->from_day)
		lo = r->from_day;
	if (hi > r->to_day)
		hi = r->to_day;
	int32_t f = day_of(s->from, s->from_off);
	int32_t t = s->to == INT64_MAX ? INT32_MAX : day_of(s->to - 1, s->from_off);
	if (f > lo)
		lo = f;
	if (t < hi)
		hi = t;
	*a = lo;
	*b = hi;
	return lo <= hi;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct report_row *a = pa, *b = pb;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	return strcmp(a->campaign, b->campaign);
}

size_t report_rows(struct report *r, const struct report_row **out)
{
	if (r->rows_valid) {
		*out = r->rows;
		return r->nrows;
	}
	/* Every campaign of a schedule in force gets a row, broadcasts or not. */
	for (size_t i = 0; i < r->nsch; i++) {
		const struct schedule *s = r->sch[i].s;
		if (!s)
			continue;
		for (int mi = 0; mi < r->nmonths; mi++) {
			int32_t a, b;
			if (!sched_days_in_month(r, &r->sch[i], mi, &a, &b))
				continue;
			for (size_t k = 0; k < s->ncampaigns; k++) {
				const struct campaign *c = &s->campaigns[k];
				if (c->from_day <= b && c->to_day >= a)
					camp_get(r, c->id)->title = c->title;
			}
		}
	}
	free(r->rows);
	r->rows = xcalloc(r->ncamps * (size_t)r->nmonths + 1, sizeof(*r->rows));
	r->nrows = 0;
	for (size_t ci = 0; ci < r->ncamps; ci++) {
		struct rcamp *c = &r->camps[ci];
		for (int mi = 0; mi < r->nmonths; mi++) {
			struct report_row w = {.month = r->first_month + mi, .campaign = c->id,
					       .title = c->title, .c = c->m[mi]};
			int32_t lo = month_first_day(w.month), hi = month_first_day(w.month + 1) - 1;
			w.partial_month = lo < r->from_day || hi > r->to_day;
			/* The target is the last word of the schedules in force in
			 * the month; unknown when a later one cannot be read. */
			int unknown = 0;
			for (size_t i = 0; i < r->nsch; i++) {
				int32_t a, b;
				if (!sched_days_in_month(r, &r->sch[i], mi, &a, &b))
					continue;
				const struct schedule *s = r->sch[i].s;
				if (!s) {
					w.schedule_missing = 1;
					unknown = 1;
					continue;
				}
				const struct campaign *k = c->id[0] ? find_campaign(s, c->id) : NULL;
				if (k && k->from_day <= b && k->to_day >= a) {
					w.in_schedule = 1;
					w.target = k->target;
					w.title = k->title;
					unknown = 0;
				}
			}
			if (!w.in_schedule)
				w.target = 0;
			if (unknown && c->id[0])
				w.target = -1;
			int any = w.c.scheduled || w.c.manual;
			for (int o = 0; o < OUT__N; o++)
				any |= w.c.n[o] != 0;
			if (!any && !w.in_schedule)
				continue;
			w.met = w.target >= 0 && w.c.n[OUT_AIRED] >= (uint32_t)w.target;
			r->rows[r->nrows++] = w;
		}
	}
	qsort(r->rows, r->nrows, sizeof(*r->rows), row_cmp);
	r->rows_valid = 1;
	*out = r->rows;
	return r->nrows;
}

const struct report_station *report_station_info(const struct report *r)
{
	return &r->st;
}

int report_first_month(const struct report *r)
{
	return r->first_month;
}

int report_nmonths(const struct report *r)
{
	return r->nmonths;
}

int report_month_covered(const struct report *r, int m)
{
	int mi = m - r->first_month;
	return mi >= 0 && mi < r->nmonths && r->covered[mi];
}

const struct report_day *report_daily(const struct report *r, const char *campaign, size_t *ndays)
{
	*ndays = r->ndays;
	for (size_t i = 0; i < r->ncamps; i++)
		if (!strcmp(r->camps[i].id, campaign))
			return r->camps[i].d;
	return NULL;
}

const char *report_origin_name(unsigned origin)
{
	switch (origin & (REPORT_ORIGIN_SIGNED | REPORT_ORIGIN_LOCAL)) {
	case REPORT_ORIGIN_SIGNED: return "signed";
	case REPORT_ORIGIN_LOCAL: return "local";
	case REPORT_ORIGIN_SIGNED | REPORT_ORIGIN_LOCAL: return "signed+local";
	default: return "unknown";
	}
}

size_t report_bulletins(const struct report *r, const struct report_bulletin **out)
{
	*out = r->bul;
	return r->nbul;
}

size_t report_notaired(const struct report *r, const struct report_notaired **out, size_t *more)
{
	*out = r->na;
	if (more)
		*more = r->na_more;
	return r->nna;
}
