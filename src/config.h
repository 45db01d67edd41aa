/* Reading and writing loaxa's libconfig files: the station file, the
 * schedule file and the bulletin catalog. The only module that includes
 * libconfig.h. Every problem found goes into an errlist as
 * "file:line: what is wrong"; parsing carries on to find them all. */
#ifndef LOAXA_CONFIG_H
#define LOAXA_CONFIG_H

#include "model.h"
#include "util.h"

/* Load a station file; relative paths resolve against its folder.
 * 0, or -1 with every problem in errs (st is then unusable). */
int config_load_station(const char *path, struct station *st, struct errlist *errs);
/* A zeroed station whose paths are all "" (free it with station_free). */
void station_init(struct station *st);
/* Free the station's paths (after config_load_station, whatever it
 * returned; before loading into the same struct again). */
void station_free(struct station *st);

#define CONFIG_SCHEDULE_MAX (4 << 20)  /* a schedule file larger than this is not one */
#define CONFIG_CATALOG_MAX (64 << 20)

/* Parse a schedule file: syntax, keys, types and values. References and
 * station rules are checked by validate_schedule. 0, or -1 with errs
 * (s is freed on failure). Read without blocking (a FIFO is "not a plain
 * file"), at most CONFIG_SCHEDULE_MAX bytes; never follows @include. */
int config_load_schedule(const char *path, struct schedule *s, struct errlist *errs);
/* issue 16: as config_load_schedule, but a file with field errors is kept
 * for validation, so that every problem is listed in one pass. 0: no
 * problem; 1: problems appended to errs, s holds what could be read (free
 * it); -1: unreadable or a syntax error (alone: libconfig stops at the
 * first), nothing to free. */
int config_load_schedule_all(const char *path, struct schedule *s, struct errlist *errs);
/* The same from len bytes of text in memory (text[len] must be NUL);
 * name is what messages call the file. s->sha256 is of these bytes. */
int config_parse_schedule(const char *name, const char *text, size_t len, struct schedule *s,
			  struct errlist *errs);
/* The line of the first "@include" (any case) in text, or 0: schedules,
 * bundles and the catalog never include anything; only the station file
 * may. */
size_t config_include_at(const char *text, size_t len);

/* One audio file a pushed schedule brings (its `files` section; see
 * docs/PUSH.md). The SHA-256 is covered by the schedule's signature. */
struct bundle_file {
	char bulletin[ID_MAX];  /* the id it gets in the library */
	char file[256];         /* plain file name, beside the schedule */
	char sha256[65];        /* lower-case hex */
	long long size;         /* bytes; -1 when not given */
	char title[TITLE_MAX];  /* default: the id */
	char campaign[ID_MAX];  /* "" = none */
	int line;
	int bad;                /* config_load_bundle_files_all: kept though it has problems */
};

/* Parse the `files` section of a schedule file (none: *nfiles = 0).
 * 0, or -1 with every problem in errs; *files is malloc'd (free it). */
int config_load_bundle_files(const char *path, struct bundle_file **files, size_t *nfiles,
			     struct errlist *errs);
/* The same from text in memory (text[len] must be NUL). */
int config_parse_bundle_files(const char *name, const char *text, size_t len,
			      struct bundle_file **files, size_t *nfiles, struct errlist *errs);

/* As config_load_bundle_files, but the entries without problems are kept
 * (every problem still in errs): 0, 1 (problems), or -1 (unreadable). */
int config_load_bundle_files_all(const char *path, struct bundle_file **files, size_t *nfiles,
				 struct errlist *errs);

/* loaxactl bundle make: the schedule text with its serial, district,
 * stations (none: all of the district) and files section replaced by
 * these, written out by libconfig after header (comment lines). *out is
 * malloc'd. 0, or -1 with errs. */
int config_write_bundle(const char *name, const char *text, size_t len, const char *header,
			long long serial, const char *district, char (*stations)[ID_MAX],
			size_t nstations, const struct bundle_file *files, size_t nfiles, char **out,
			size_t *outlen, struct errlist *errs);

/* Load the catalog (a missing file is an empty catalog). 0 or -1 with errs. */
int catalog_load(const char *path, struct catalog *c, struct errlist *errs);
/* Write the catalog atomically (temp file, fsync, rename). 0 or -1/errno. */
int catalog_save(const struct catalog *c);

/* Issue 13: the district collector's file (loaxa-collector -c FILE):
 * collector = { broker = "mqtts://HOST:PORT"; district = "271";
 *   mirror = "/var/lib/loaxa-collector"; username = "..."; password_file = "...";
 *   ca_file = "..."; keepalive = 60; };  district "+" = every district
 * (a provincial collector behind a bridge). */
struct collector_config {
	char file[PATHBUF];
	char broker[512];
	char district[ID_MAX];
	char mirror[PATHBUF];
	char username[128];
	char password_file[PATHBUF];
	char ca_file[PATHBUF];
	int keepalive;
	int retry_max;
};
/* 0, or -1 with every problem in errs. Relative paths resolve against the
 * file's folder. */
int config_load_collector(const char *path, struct collector_config *cc, struct errlist *errs);

#endif
