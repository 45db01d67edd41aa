/* Reading station journal folders for reports: one folder into a report
 * (chain verified, schedules in force found and checked against the
 * SHA-256 the journal recorded), and many folders, in parallel, into
 * per-commune compliance for a district officer. The I/O around report.c.
 * See docs/REPORTS.md. */
#ifndef LOAXA_ROLLUP_H
#define LOAXA_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "report.h"
#include "util.h"

/* Schedules by SHA-256: those given on the command line (--schedule) and
 * those loaded from folders on the way. Not shared between threads. */
struct sched_set {
	struct schedule **s;
	char (*origin)[PATHBUF]; /* file it came from */
	size_t n, cap;
	size_t ngiven;           /* the first ngiven were given by the user */
};

/* Load a schedule file into the set (parsed, campaigns only; references
 * are not validated). 0, or -1 with the problems in errs. */
int sched_set_load(struct sched_set *set, const char *path, struct errlist *errs);
void sched_set_free(struct sched_set *set);

/* What reading one journal folder found. */
struct station_scan {
	int absent;              /* the folder or its journal files do not exist */
	char error[512];         /* the folder could not be read ("" = it could) */
	size_t files, records, problems;
	int chain_ok;            /* no edited, deleted, reordered or damaged line */
	int begins_linked;       /* its first line links to a month not in the folder */
	int torn_tail;           /* the newest file ends in a torn line (power cut) */
	char first_bad[600];     /* "FILE:LINE: what" of the first problem that breaks the chain */
	char head[65];           /* hash of the last line */
	/* schedules in force that could not be found or did not match */
	char sched_problem[512];
	size_t sched_missing;
};

/* Read journal folder dir into rep (report_feed, report_finish with
 * final), verify its chain, then attach the schedules that were in force:
 * by SHA-256 from `given` (may be NULL), the station's own schedule file
 * `own` (may be NULL: a live station's installed schedule), or the copy
 * the station archived (report_archive_path), verified against the
 * journal. Loaded schedules go into `cache`, which must outlive rep.
 * print_problem: called for each journal problem (may be NULL). Returns 0,
 * or -1 when the folder could not be read (out->error, out->absent). */
int rollup_scan_station(const char *dir, struct report *rep, int final, const char *own,
			const struct sched_set *given, struct sched_set *cache,
			void (*print_problem)(void *ctx, const char *file, size_t line, const char *what),
			void *pctx, struct station_scan *out);

/* The official list of communes (code, name, district), from a CSV file:
 * a header line naming the columns commune_code, name and district_code
 * (in any order; a byte-order mark and # comments allowed), or no header
 * and the columns commune_code,name,district_code (commune_code,
 * district_code with two). NULL with "file:line: what" in errs. */
struct commune_entry {
	char code[ID_MAX];
	char name[TITLE_MAX];    /* "" when the list has no names */
	char district[ID_MAX];
};
struct commune_map;
struct commune_map *commune_map_load(const char *path, struct errlist *errs);
const struct commune_entry *commune_map_get(const struct commune_map *m, const char *commune);
/* District code of a commune, or NULL when it is not on the list. */
const char *commune_map_find(const struct commune_map *m, const char *commune);
size_t commune_map_size(const struct commune_map *m); /* 0 for NULL */
const struct commune_entry *commune_map_at(const struct commune_map *m, size_t i);
/* The district when every commune on the list is of one district, else NULL. */
const char *commune_map_single_district(const struct commune_map *m);
void commune_map_free(struct commune_map *m);

/* One campaign at one station over the period. */
struct rollup_camp {
	char id[ID_MAX];
	char title[TITLE_MAX];
	int months_required;     /* months in which it had a target > 0 */
	int months_met;
	int months_unknown;      /* months whose target is not known (schedule missing) */
	int target;              /* the last monthly target seen */
	struct report_count total;
	int met;                 /* every required month met and the station counts */
	char reason[400];        /* why not, "" when met */
};

struct rollup_station {
	char dir[PATHBUF];
	char station[64], commune[64], district[64];
	char district_from[16];  /* "journal", "map" or "" (unknown) */
	char commune_name[TITLE_MAX]; /* from the commune list, "" if not known */
	int excluded;            /* not in the denominator: another district, or not on the list */
	char excluded_why[256];
	int counts;              /* may count as compliant: no flag below */
	char flags[1024];        /* why it does not count, "; "-separated */
	char missing[256];       /* months of the period with no journal, "YYYY-MM ..." */
	struct station_scan scan;
	struct rollup_camp *camps;
	size_t ncamps;
};

struct rollup_opts {
	int32_t from_day, to_day;        /* the period, local days inclusive */
	const char *district;            /* the district rolled up: others are listed apart; NULL = any */
	const struct commune_map *map;   /* the official list (the denominator); may be NULL */
	const struct sched_set *given;   /* --schedule files, may be NULL */
	int jobs;                        /* worker threads; 0 = one per CPU (at most 8) */
};

/* Read every folder (in parallel) and evaluate each station, then flag
 * what only shows across folders: the same station given twice, two
 * stations claiming one commune. *out: n stations in the order given
 * (free with rollup_free). 0, or -1 with errno (EINVAL for a bad period). */
int rollup_run(const char *const *dirs, size_t n, const struct rollup_opts *o,
	       struct rollup_station **out);
void rollup_free(struct rollup_station *s, size_t n);

/* The denominator. With a commune list: the communes of the district on
 * it (o->district; every commune on it when NULL), those with no journal
 * among them not reporting. Without: the distinct communes of the
 * stations given (from_list 0), folders with no journal not reporting.
 * Excluded stations (other districts, not on the list) are in neither. */
struct rollup_totals {
	int from_list;
	size_t communes;         /* the denominator */
	size_t reporting, not_reporting;
	size_t excluded;         /* stations listed apart */
	size_t flagged;          /* stations in the denominator not counted */
	struct commune_entry *missing; /* listed communes with no journal, in list order */
	size_t nmissing;
};

/* Per campaign: communes meeting the target (a station of theirs counts
 * and met it), not meeting, not reporting, out of the denominator. */
struct rollup_summary {
	char id[ID_MAX];
	char title[TITLE_MAX];
	size_t communes, communes_met, communes_not_met, not_reporting, stations_flagged;
	uint64_t aired, scheduled;
	double percent;          /* communes_met / communes * 100 */
};
/* Campaigns with a target (or one not known) at some station in the
 * denominator, sorted by id, and the totals *t (free with
 * rollup_totals_free). o: as given to rollup_run. Free *out. */
size_t rollup_summarise(const struct rollup_station *s, size_t n, const struct rollup_opts *o,
			struct rollup_summary **out, struct rollup_totals *t);
void rollup_totals_free(struct rollup_totals *t);

#endif
