/* As-run assembly: pairs each `start` with its `end` (or `interrupted`) by
 * occurrence id and turns failed/missed records into rows, so that every
 * broadcast comes out once with one outcome. Pure: no I/O, no clock. */
#include "asrun.h"

#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "util.h"

/* Starts open at once: normally 0 or 1. Past this the oldest is closed as
 * interrupted, so a damaged journal cannot make memory grow without bound. */
#define ASRUN_OPEN_MAX 64

static const char *const outcome_names[OUT__N] = {"aired", "partial", "interrupted", "failed",
						   "missed", "unheard"};

const char *outcome_name(enum outcome o)
{
	return (unsigned)o < OUT__N ? outcome_names[o] : "?";
}

int outcome_parse(const char *s)
{
	/* the first letters differ: one strcmp, not five */
	for (int i = 0; s && i < OUT__N; i++)
		if (s[0] == outcome_names[i][0])
			return strcmp(s, outcome_names[i]) ? -1 : i;
	return -1;
}

struct asrun {
	asrun_cb cb;
	void *ctx;
	char station[64], commune[64];
	char serial[32];
	struct broadcast slot[ASRUN_OPEN_MAX];
	int order[ASRUN_OPEN_MAX]; /* slots of the open starts, oldest first */
	size_t nopen;
	struct civil_day_cache dc; /* of the due times */
	int lean;
	struct broadcast one; /* a row with no start (lean: only its lean fields ever written) */
};

struct asrun *asrun_new(asrun_cb cb, void *ctx)
{
	struct asrun *a = xcalloc(1, sizeof(*a));
	a->cb = cb;
	a->ctx = ctx;
	for (int i = 0; i < ASRUN_OPEN_MAX; i++)
		a->order[i] = i;
	return a;
}

void asrun_set_lean(struct asrun *a, int lean)
{
	a->lean = lean;
}

void asrun_free(struct asrun *a)
{
	free(a);
}

static void copy_field(char *dst, size_t n, const struct record *r, enum record_key key)
{
	const char *v = record_get_id(r, key);
	if (v)
		str_copy(dst, v, n);
}

/* An ISO time value into t and offset; left as is (0 = empty) if bad. */
static void time_value(const char *v, int64_t *t, int *off, struct civil_day_cache *dc)
{
	int64_t x;
	if (civil_parse_iso_cached(v, &x, dc) < 0)
		return;
	*t = x;
	const char *z = v + 19;
	*off = *z == 'Z' ? 0
			 : ((z[1] - '0') * 36000 + (z[2] - '0') * 3600 + (z[4] - '0') * 600 +
			    (z[5] - '0') * 60) * (z[0] == '-' ? -1 : 1);
}

/* A seconds field ("3.213"): fixed point, exactly strtod's double for up
 * to 15 significant digits (an exact integer over an exact power of ten,
 * rounded once), strtod only beyond. Left as is if bad. */
static void seconds_value(const char *v, double *out)
{
	static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
				     1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	uint64_t n = 0; /* wraps past 19 digits, but then it is not used */
	const char *p = v;
	unsigned d;
	while ((d = (unsigned)(unsigned char)*p - '0') < 10)
		n = n * 10 + d, p++;
	size_t ip = (size_t)(p - v), frac = 0;
	if (ip && *p == '.') {
		const char *q = ++p;
		while ((d = (unsigned)(unsigned char)*p - '0') < 10)
			n = n * 10 + d, p++;
		frac = (size_t)(p - q);
		if (!frac)
			p = v; /* "5.": strtod's */
	}
	if (ip && *p == '\0' && ip + frac <= 15) {
		double x = (double)n / p10[frac];
		if (x < 1e9)
			*out = x;
		return;
	}
	char *end;
	if (!*v)
		return;
	double x = strtod(v, &end);
	if (*end == '\0' && x >= 0 && x < 1e9)
		*out = x;
}

/* Fill b's broadcast fields from whatever r carries: one pass over the
 * fields, switching on their ids (roll-ups feed millions of records
 * through here). */
/* str_copy of a field, whose length the parse measured. */
#define COPY(dst, f) copy_len(dst, sizeof(dst), f)
static void copy_len(char *dst, size_t n, const struct record_field *f)
{
	size_t c = f->len < n - 1 ? f->len : n - 1;
	const char *s = f->val;
	/* sixteen bytes at a time, the last block overlapping: a memcpy of
	 * unknown length inlines as `rep movsq`, slow to start for ~20 bytes */
	if (c >= 16) {
		size_t i = 0;
		for (; i + 16 < c; i += 16)
			memcpy(dst + i, s + i, 16);
		memcpy(dst + c - 16, s + c - 16, 16);
	} else if (c >= 8) {
		memcpy(dst, s, 8);
		memcpy(dst + c - 8, s + c - 8, 8);
	} else {
		for (size_t i = 0; i < c; i++)
			dst[i] = s[i];
	}
	dst[c] = '\0';
}

static void take(struct broadcast *b, const struct record *r, struct civil_day_cache *dc)
{
	for (size_t i = 0; i < r->nf; i++) {
		const struct record_field *f = &r->f[i];
		const char *v = f->val;
		switch (f->id) {
		case RK_OCC: COPY(b->occurrence, f); break;
		case RK_DUE: time_value(v, &b->due, &b->due_off, dc); break;
		case RK_DETAIL: COPY(b->detail, f); break;
		case RK_BULLETIN: COPY(b->bulletin, f); break;
		case RK_CAMPAIGN: COPY(b->campaign, f); break;
		case RK_ZONES: COPY(b->zones, f); break;
		case RK_LEVEL: COPY(b->level, f); break;
		case RK_SERIAL: COPY(b->serial, f); break;
		case RK_ORIGIN: COPY(b->origin, f); break;
		case RK_EXPECTED: seconds_value(v, &b->seconds_expected); break;
		case RK_PLAYED: seconds_value(v, &b->seconds_played); break;
		case RK_HEARD: /* issue 19 */
			b->heard_seconds = -1;
			seconds_value(v, &b->heard_seconds);
			b->heard_known = b->heard_seconds >= 0;
			if (!b->heard_known)
				b->heard_seconds = 0;
			break;
		case RK_HEARD_OF: seconds_value(v, &b->heard_of); break;
		case RK_MONITOR_DBFS: {
			char *end;
			double d = strtod(v, &end);
			if (*v && *end == '\0' && d >= -200 && d <= 0)
				b->monitor_dbfs = d;
			break;
		}
		default: break;
		}
	}
}

/* take() of the lean fields only (asrun_set_lean). */
static void take_lean(struct broadcast *b, const struct record *r, struct civil_day_cache *dc)
{
	for (size_t i = 0; i < r->nf; i++) {
		const struct record_field *f = &r->f[i];
		switch (f->id) {
		case RK_OCC: COPY(b->occurrence, f); break;
		case RK_DUE: time_value(f->val, &b->due, &b->due_off, dc); break;
		case RK_CAMPAIGN: COPY(b->campaign, f); break;
		case RK_PLAYED: seconds_value(f->val, &b->seconds_played); break;
		default: break;
		}
	}
}

static void fill(struct asrun *a, struct broadcast *b, const struct record *r)
{
	if (a->lean)
		take_lean(b, r, &a->dc);
	else
		take(b, r, &a->dc);
}

static void new_row(struct asrun *a, struct broadcast *b)
{
	if (a->lean) {
		/* the rest was zeroed once and is never written */
		b->occurrence[0] = b->campaign[0] = '\0';
		b->due = b->started = b->ended = 0;
		b->due_off = b->started_off = b->ended_off = 0;
		b->seconds_played = 0;
		b->outcome = OUT_AIRED;
		return;
	}
	memset(b, 0, sizeof(*b));
	str_copy(b->station, a->station, sizeof(b->station));
	str_copy(b->commune, a->commune, sizeof(b->commune));
	str_copy(b->serial, a->serial, sizeof(b->serial));
}

static void emit(struct asrun *a, const struct broadcast *b)
{
	if (a->cb)
		a->cb(a->ctx, b);
}

/* Position in order[] of the open start of occ, or -1. */
static long find_open(struct asrun *a, const char *occ)
{
	for (size_t i = 0; occ && i < a->nopen; i++)
		if (!strcmp(a->slot[a->order[i]].occurrence, occ))
			return (long)i;
	return -1;
}

/* Remove the i-th open start; its slot is returned, valid until the next
 * start (no copy of the row). */
static struct broadcast *take_open(struct asrun *a, size_t i)
{
	int s = a->order[i];
	memmove(&a->order[i], &a->order[i + 1], (a->nopen - i - 1) * sizeof(a->order[0]));
	a->order[--a->nopen] = s; /* free slots sit past nopen */
	return &a->slot[s];
}

static void close_unended(struct asrun *a, size_t i)
{
	struct broadcast *b = take_open(a, i);
	b->outcome = OUT_INTERRUPTED;
	if (!a->lean)
		str_copy(b->detail, "no end record", sizeof(b->detail));
	emit(a, b);
}

void asrun_feed(struct asrun *a, const struct record *r)
{
	int ev = r->event_id;
	if (ev == RE_OTHER || ev == RE_STATION_START)
		return;
	const char *occ = record_get_id(r, RK_OCC);
	struct broadcast *nb = &a->one, *b;
	long i;

	switch (ev) {
	case RE_OPEN:
		copy_field(a->station, sizeof(a->station), r, RK_STATION);
		copy_field(a->commune, sizeof(a->commune), r, RK_COMMUNE);
		break;
	case RE_SCHEDULE_INSTALLED:
		copy_field(a->serial, sizeof(a->serial), r, RK_SERIAL);
		break;
	case RE_START: {
		if (!a->lean)
			copy_field(a->serial, sizeof(a->serial), r, RK_SERIAL);
		if ((i = find_open(a, occ)) >= 0)
			close_unended(a, (size_t)i); /* started again with no end between */
		if (a->nopen == ASRUN_OPEN_MAX)
			close_unended(a, 0);
		struct broadcast *o = &a->slot[a->order[a->nopen++]];
		new_row(a, o);
		fill(a, o, r);
		o->detail[0] = '\0';
		o->seconds_played = 0;
		o->started = r->time;
		o->started_off = r->offset;
		break;
	}
	case RE_END: {
		if ((i = find_open(a, occ)) >= 0) {
			b = take_open(a, (size_t)i);
		} else {
			b = nb;
			new_row(a, b);
		}
		fill(a, b, r);
		int o = outcome_parse(record_get_id(r, RK_OUTCOME));
		/* Only an explicit aired counts: a missing or unknown outcome is partial. */
		b->outcome = o < 0 ? OUT_PARTIAL : (enum outcome)o;
		b->ended = r->time;
		b->ended_off = r->offset;
		emit(a, b);
		break;
	}
	case RE_INTERRUPTED:
		if ((i = find_open(a, occ)) >= 0) {
			b = take_open(a, (size_t)i);
		} else {
			b = nb;
			new_row(a, b);
			const char *sv = record_get_id(r, RK_STARTED);
			if (sv)
				time_value(sv, &b->started, &b->started_off, &a->dc);
		}
		fill(a, b, r);
		b->outcome = OUT_INTERRUPTED;
		emit(a, b);
		break;
	case RE_FAILED:
	case RE_MISSED:
		new_row(a, nb);
		fill(a, nb, r);
		nb->outcome = ev == RE_FAILED ? OUT_FAILED : OUT_MISSED;
		emit(a, nb);
		break;
	}
}

void asrun_finish(struct asrun *a, int final)
{
	while (a->nopen) {
		if (final)
			close_unended(a, 0);
		else
			a->nopen = 0;
	}
}
