/* Benchmark of schedule_expand: a 200-slot schedule (weekday, day-of-month,
 * date-list and every-day slots, campaigns in rotation, a few blackouts)
 * expanded over one year in Asia/Ho_Chi_Minh.
 * Usage: bench_schedule [repetitions]   (default 50) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civil.h"
#include "schedule.h"

#define NSLOTS 200
#define NCAMPAIGNS 8

static void *xmalloc0(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		perror("calloc");
		exit(1);
	}
	return p;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void build(struct schedule *s)
{
	unsigned seed = 12345;
#define RND(n) ((seed = seed * 1103515245u + 12345u), (seed >> 16) % (unsigned)(n))
	int32_t y0 = civil_days(2026, 1, 1);

	s->ncampaigns = NCAMPAIGNS;
	s->campaigns = xmalloc0(NCAMPAIGNS * sizeof(*s->campaigns));
	for (size_t c = 0; c < NCAMPAIGNS; c++) {
		struct campaign *cp = &s->campaigns[c];
		snprintf(cp->id, sizeof(cp->id), "campaign-%zu", c);
		cp->from_day = c % 2 ? y0 + (int32_t)(30 * c) : DAY_NONE_LO;
		cp->to_day = c % 2 ? y0 + 200 + (int32_t)(20 * c) : DAY_NONE_HI;
		cp->nbulletins = 2 + c % 4;
		cp->bulletins = xmalloc0(cp->nbulletins * sizeof(*cp->bulletins));
		for (size_t b = 0; b < cp->nbulletins; b++)
			snprintf(cp->bulletins[b], ID_MAX, "c%zu-bulletin-%zu", c, b);
	}

	s->nslots = NSLOTS;
	s->slots = xmalloc0(NSLOTS * sizeof(*s->slots));
	for (size_t i = 0; i < NSLOTS; i++) {
		struct slot *sl = &s->slots[i];
		snprintf(sl->id, sizeof(sl->id), "slot-%03zu", i);
		sl->from_day = DAY_NONE_LO;
		sl->to_day = DAY_NONE_HI;
		sl->repeat = 1 + (int)(i % 2);
		sl->level = i % 23 == 0 ? LEVEL_PRIORITY : LEVEL_NORMAL;
		switch (i % 4) {
		case 0: /* weekdays */
			sl->weekdays = (uint8_t)(1 + RND(127));
			break;
		case 1: /* days of the month */
			sl->monthdays = (1u << 1) | (1u << 15) | (1u << (1 + RND(31)));
			break;
		case 2: /* a list of dates */
			sl->ndates = 10 + RND(40);
			sl->dates = xmalloc0(sl->ndates * sizeof(*sl->dates));
			for (size_t d = 0; d < sl->ndates; d++)
				sl->dates[d] = y0 + (int32_t)RND(365);
			break;
		default: /* every day, sometimes within a range */
			if (i % 8 == 7) {
				sl->from_day = y0 + (int32_t)RND(100);
				sl->to_day = sl->from_day + 100 + (int32_t)RND(200);
			}
			break;
		}
		sl->ntimes = 1 + RND(3);
		sl->times = xmalloc0(sl->ntimes * sizeof(*sl->times));
		int t = 5 * 60 + (int)RND(60);
		for (size_t k = 0; k < sl->ntimes; k++) {
			sl->times[k] = t;
			t += 4 * 60 + (int)RND(240);
		}
		if (i % 3) { /* campaign rotation */
			size_t c = i % NCAMPAIGNS;
			snprintf(sl->campaign, sizeof(sl->campaign), "%s", s->campaigns[c].id);
			sl->campaign_index = c;
		} else {
			sl->nbulletins = 1 + i % 3 / 2 + (i % 9 == 0);
			sl->bulletins = xmalloc0(sl->nbulletins * sizeof(*sl->bulletins));
			for (size_t b = 0; b < sl->nbulletins; b++)
				snprintf(sl->bulletins[b], ID_MAX, "news-%zu-%zu", i, b);
		}
	}

	static const struct {
		int m, d, days;
		const char *reason;
	} bo[] = {{2, 16, 4, "Tet"}, {4, 30, 1, "Reunification Day"}, {9, 2, 2, "National Day"},
		  {7, 27, 1, "Mourning"}};
	s->nblackouts = sizeof(bo) / sizeof(bo[0]);
	s->blackouts = xmalloc0(s->nblackouts * sizeof(*s->blackouts));
	for (size_t b = 0; b < s->nblackouts; b++) {
		int32_t d = civil_days(2026, bo[b].m, bo[b].d);
		s->blackouts[b].from = civil_tz_instant(d, 0);
		s->blackouts[b].to = civil_tz_instant(d + bo[b].days, 0);
		snprintf(s->blackouts[b].reason, TITLE_MAX, "%s", bo[b].reason);
	}
#undef RND
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 50;
	if (reps < 1)
		reps = 1;
	if (civil_tz_set("Asia/Ho_Chi_Minh")) {
		fprintf(stderr, "bench_schedule: time zone Asia/Ho_Chi_Minh not installed\n");
		return 1;
	}
	struct schedule s;
	memset(&s, 0, sizeof(s));
	build(&s);
	int64_t from = civil_tz_instant(civil_days(2026, 1, 1), 0);
	int64_t to = civil_tz_instant(civil_days(2027, 1, 1), 0);

	size_t *rot = xmalloc0(s.ncampaigns * sizeof(*rot));
	ssize_t n = 0, nsup = 0;
	double best = 1e30, total = 0;
	for (int r = 0; r < reps + 1; r++) { /* the first run warms up */
		struct occurrence *o;
		double t0 = now_ms();
		n = schedule_expand(&s, from, to, rot, 0, &o);
		double dt = now_ms() - t0;
		if (n < 0) {
			perror("schedule_expand");
			return 1;
		}
		free(o);
		if (r == 0)
			continue;
		total += dt;
		if (dt < best)
			best = dt;
	}
	struct occurrence *o;
	nsup = schedule_expand(&s, from, to, NULL, EXPAND_SUPPRESSED, &o);
	free(o);
	double mean = total / reps;
	printf("schedule_expand: %zu slots, %zu campaigns, %zu blackouts, one year (2026)\n",
	       s.nslots, s.ncampaigns, s.nblackouts);
	printf("  occurrences: %zd (%zd with suppressed)\n", n, nsup);
	printf("  %d repetitions: mean %.3f ms, best %.3f ms per expansion\n", reps, mean, best);
	printf("  %.0f occurrences/s (mean)\n", (double)n / (mean / 1e3));
	free(rot);
	schedule_free(&s);
	return 0;
}
