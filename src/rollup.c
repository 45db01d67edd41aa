/* Reading journal folders for reports and the district roll-up: see
 * rollup.h. Stations are independent, so the roll-up reads them on worker
 * threads (the journal scan is bound by SHA-256); each keeps only its
 * counters and verdicts, never the records. */
#include "rollup.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"
#include "config.h"
#include "jfolder.h"
#include "journal.h"

/* ---- schedules ---- */

static struct schedule *set_add(struct sched_set *set, struct schedule *s, const char *origin)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 8;
		set->s = xrealloc(set->s, set->cap * sizeof(*set->s));
		set->origin = xrealloc(set->origin, set->cap * sizeof(*set->origin));
	}
	set->s[set->n] = s;
	str_copy(set->origin[set->n], origin, sizeof(set->origin[0]));
	return set->s[set->n++];
}

int sched_set_load(struct sched_set *set, const char *path, struct errlist *errs)
{
	struct schedule *s = xcalloc(1, sizeof(*s));
	if (config_load_schedule(path, s, errs) < 0) {
		free(s);
		return -1;
	}
	if (!s->sha256[0]) {
		errlist_add(errs, "%s: cannot read: %s", path, strerror(errno));
		schedule_free(s);
		free(s);
		return -1;
	}
	set_add(set, s, path);
	return 0;
}

void sched_set_free(struct sched_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		schedule_free(set->s[i]);
		free(set->s[i]);
	}
	free(set->s);
	free(set->origin);
	memset(set, 0, sizeof(*set));
}

static const struct schedule *set_by_sha(const struct sched_set *set, const char *sha)
{
	for (size_t i = 0; set && *sha && i < set->n; i++)
		if (!strcmp(set->s[i]->sha256, sha))
			return set->s[i];
	return NULL;
}

static const struct schedule *set_by_serial(const struct sched_set *set, long long serial)
{
	for (size_t i = 0; set && i < set->n; i++)
		if (set->s[i]->serial == serial)
			return set->s[i];
	return NULL;
}

/* Load path into cache unless a schedule with its SHA-256 is there. */
static const struct schedule *cache_load(struct sched_set *cache, const char *path, const char *sha)
{
	const struct schedule *s = set_by_sha(cache, sha);
	if (s)
		return s;
	struct errlist errs = {0};
	struct schedule *n = xcalloc(1, sizeof(*n));
	if (config_load_schedule(path, n, &errs) < 0) {
		errlist_free(&errs);
		free(n);
		return NULL;
	}
	errlist_free(&errs);
	return set_add(cache, n, path);
}

static void append(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t n, const char *fmt, ...)
{
	size_t l = strlen(buf);
	if (l + 1 >= n)
		return;
	if (l && l + 3 < n) {
		memcpy(buf + l, "; ", 3);
		l += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + l, n - l, fmt, ap);
	va_end(ap);
}

/* ---- one folder ---- */

struct scan_ctx {
	struct report *rep;
	size_t nrec;
	char newest[PATHBUF + 32];
	struct station_scan *out;
	void (*print)(void *ctx, const char *file, size_t line, const char *what);
	void *pctx;
};

static int on_record(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	struct scan_ctx *x = ctx;
	x->nrec++;
	report_feed(x->rep, r);
	return 0;
}

static void on_problem(void *ctx, const struct journal_pos *pos, const char *what)
{
	struct scan_ctx *x = ctx;
	struct station_scan *o = x->out;
	/* A folder copied without its first months: its first line links to
	 * a line that is not here. What is here is still checked. */
	if (x->nrec == 0 && pos->line == 1 && !o->begins_linked && !o->first_bad[0] &&
	    !strncmp(what, "chain broken", 12)) {
		o->begins_linked = 1;
		return;
	}
	/* What a power cut leaves; the daemon sets it aside at its next start. */
	if (!strncmp(what, "torn last line", 14) && !strcmp(pos->file, x->newest)) {
		o->torn_tail = 1;
	} else if (!o->first_bad[0]) {
		snprintf(o->first_bad, sizeof(o->first_bad), "%s:%zu: %s", pos->file, pos->line, what);
	}
	if (x->print)
		x->print(x->pctx, pos->file, pos->line, what);
}

/* The newest DIR/YYYY-MM.log, as journal.c orders them; -1 if dir cannot
 * be opened. */
static int newest_log(const char *dir, char *out, size_t n)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char best[16] = "";
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *s = de->d_name;
		if (!jfolder_is_log_name(s))
			continue;
		if (strcmp(s, best) > 0)
			str_copy(best, s, sizeof(best));
	}
	closedir(d);
	if (best[0])
		snprintf(out, n, "%s/%s", dir, best);
	else
		out[0] = '\0';
	return 0;
}

int rollup_scan_station(const char *dir, struct report *rep, int final, const char *own,
			const struct sched_set *given, struct sched_set *cache,
			void (*print_problem)(void *ctx, const char *file, size_t line, const char *what),
			void *pctx, struct station_scan *out)
{
	memset(out, 0, sizeof(*out));
	/* issue 13: a collector's mirror folder, MIRROR/STATION, keeps the
	 * station's journal in journal/ (docs/FLEET.md), so that a rollup
	 * over every station folder of a mirror works. */
	char jdir[PATH_MAX];
	struct stat jsb;
	if (snprintf(jdir, sizeof(jdir), "%s/journal", dir) < (int)sizeof(jdir) && stat(jdir, &jsb) == 0 &&
	    S_ISDIR(jsb.st_mode))
		dir = jdir;
	struct scan_ctx x = {.rep = rep, .out = out, .print = print_problem, .pctx = pctx};
	if (newest_log(dir, x.newest, sizeof(x.newest)) < 0) {
		out->absent = errno == ENOENT || errno == ENOTDIR;
		snprintf(out->error, sizeof(out->error), "%s: cannot read: %s", dir, strerror(errno));
		report_finish(rep, final);
		return -1;
	}
	if (!x.newest[0]) {
		out->absent = 1;
		snprintf(out->error, sizeof(out->error), "%s: no journal files (YYYY-MM.log)", dir);
		report_finish(rep, final);
		return -1;
	}
	struct journal_scan_result res;
	char err[512];
	int rc = journal_scan(dir, NULL, NULL, on_record, on_problem, &x, &res, err, sizeof(err));
	report_finish(rep, final);
	out->files = res.files;
	out->records = res.records;
	out->problems = res.problems;
	hex_encode(res.head, RECORD_HASH_LEN, out->head);
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "%s", err);
		out->chain_ok = 0;
		return -1;
	}
	out->chain_ok = !out->first_bad[0];

	/* The schedules that were in force, each checked against its SHA-256. */
	char own_sha[65] = "";
	if (own && sha256_file(own, own_sha) < 0)
		own_sha[0] = '\0';
	for (size_t i = 0; i < report_nscheds(rep); i++) {
		const struct report_sched *sc = report_sched(rep, i);
		/* Only this folder's copies, the station's own file and the
		 * files given count: never a copy another folder happened to
		 * bring into the cache (results must not depend on order). */
		const struct schedule *s = set_by_sha(given, sc->sha256);
		if (!s && own_sha[0] && (!strcmp(own_sha, sc->sha256) || !sc->sha256[0]))
			s = cache_load(cache, own, own_sha);
		if (s && !sc->sha256[0] && s->serial != sc->serial)
			s = NULL;
		char path[PATHBUF + 64], sha[65];
		report_archive_path(dir, sc->serial, path, sizeof(path));
		if (!s && sha256_file(path, sha) == 0) {
			if (!sc->sha256[0] || !strcmp(sha, sc->sha256)) {
				s = cache_load(cache, path, sha);
				if (s && s->serial != sc->serial)
					s = NULL;
			} else {
				out->sched_missing++;
				append(out->sched_problem, sizeof(out->sched_problem),
				       "%s does not match the SHA-256 the journal recorded for serial %lld",
				       path, sc->serial);
				continue;
			}
		}
		if (!s && !sc->sha256[0])
			s = set_by_serial(given, sc->serial);
		if (s) {
			report_attach(rep, i, s);
		} else {
			out->sched_missing++;
			append(out->sched_problem, sizeof(out->sched_problem),
			       "schedule serial %lld%s%.12s%s not available", sc->serial,
			       sc->sha256[0] ? " (SHA-256 " : "", sc->sha256, sc->sha256[0] ? "...)" : "");
		}
	}
	return 0;
}

/* ---- the official list of communes ---- */

struct commune_map {
	struct commune_entry *e;
	size_t n;
};

/* Split one CSV line (RFC 4180 quoting, no line breaks inside) into at
 * most max trimmed fields, in place. Returns the number of fields, -1 on
 * an unterminated quote. */
static int csv_split(char *p, char **f, int max)
{
	int n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		char *w = p, *start = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p)
					return -1;
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else
					*w++ = *p++;
			}
			while (*p && *p != ',')
				p++;
		} else {
			while (*p && *p != ',')
				*w++ = *p++;
			while (w > start && (w[-1] == ' ' || w[-1] == '\t' || w[-1] == '\r' || w[-1] == '\n'))
				w--;
		}
		int more = *p == ',';
		*w = '\0';
		if (n < max)
			f[n] = start;
		n++;
		if (!more)
			return n < max ? n : max;
		p++;
	}
}

static int col_is(const char *h, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(h, *names))
			return 1;
	return 0;
}

struct commune_map *commune_map_load(const char *path, struct errlist *errs)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		errlist_add(errs, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	static const char *const code_names[] = {"commune_code", "code", "ma_xa", "mã xã", NULL};
	static const char *const name_names[] = {"name", "commune_name", "ten_xa", "tên xã", NULL};
	static const char *const dist_names[] = {"district_code", "district", "ma_huyen", "mã huyện", NULL};
	struct commune_map *m = xcalloc(1, sizeof(*m));
	size_t cap = 0, before = errs->n;
	int ci = 0, ni = -1, di = -1, header = 0, ncols = 0;
	char line[2048];
	for (int ln = 1; fgets(line, sizeof(line), f); ln++) {
		char *p = line;
		if (ln == 1 && !strncmp(p, "\xef\xbb\xbf", 3))
			p += 3; /* a spreadsheet's byte-order mark */
		if (!strchr(p, '\n') && !feof(f)) {
			errlist_add(errs, "%s:%d: line too long", path, ln);
			break;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#' || *p == '\n' || *p == '\r')
			continue;
		char *v[16];
		int n = csv_split(p, v, 16);
		if (n < 0) {
			errlist_add(errs, "%s:%d: unterminated quote", path, ln);
			continue;
		}
		if (!header && !m->n && !ncols) {
			int c = -1, na = -1, d = -1;
			for (int i = 0; i < n; i++) {
				if (col_is(v[i], code_names))
					c = i;
				else if (col_is(v[i], name_names))
					na = i;
				else if (col_is(v[i], dist_names))
					d = i;
			}
			if (c >= 0 || na >= 0 || d >= 0) {
				if (c < 0 || d < 0) {
					errlist_add(errs, "%s:%d: the header must name the columns commune_code and district_code (and name)",
						    path, ln);
					break;
				}
				header = 1, ci = c, ni = na, di = d, ncols = n;
				continue;
			}
		}
		if (!header) {
			/* No header: code,district or code,name,district. */
			if (!ncols)
				ncols = n;
			ci = 0;
			ni = ncols >= 3 ? 1 : -1;
			di = ncols >= 3 ? 2 : 1;
		}
		if (n <= ci || n <= di || (ni >= 0 && n <= ni) || !*v[ci] || !*v[di]) {
			errlist_add(errs, "%s:%d: expected %s", path, ln,
				    header ? "a value in each named column"
					   : "commune_code,name,district_code (or commune_code,district_code)");
			continue;
		}
		if (strlen(v[ci]) >= ID_MAX || strlen(v[di]) >= ID_MAX || (ni >= 0 && strlen(v[ni]) >= TITLE_MAX)) {
			errlist_add(errs, "%s:%d: value too long", path, ln);
			continue;
		}
		if (commune_map_get(m, v[ci])) {
			errlist_add(errs, "%s:%d: commune %s is listed twice", path, ln, v[ci]);
			continue;
		}
		if (m->n == cap) {
			cap = cap ? cap * 2 : 256;
			m->e = xrealloc(m->e, cap * sizeof(*m->e));
		}
		struct commune_entry *e = &m->e[m->n++];
		memset(e, 0, sizeof(*e));
		str_copy(e->code, v[ci], sizeof(e->code));
		str_copy(e->district, v[di], sizeof(e->district));
		if (ni >= 0)
			str_copy(e->name, v[ni], sizeof(e->name));
	}
	fclose(f);
	if (errs->n == before && !m->n)
		errlist_add(errs, "%s: no commune in the list", path);
	if (errs->n > before) {
		commune_map_free(m);
		return NULL;
	}
	return m;
}

const struct commune_entry *commune_map_get(const struct commune_map *m, const char *commune)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (!strcmp(m->e[i].code, commune))
			return &m->e[i];
	return NULL;
}

const char *commune_map_find(const struct commune_map *m, const char *commune)
{
	const struct commune_entry *e = commune_map_get(m, commune);
	return e ? e->district : NULL;
}

size_t commune_map_size(const struct commune_map *m)
{
	return m ? m->n : 0;
}

const struct commune_entry *commune_map_at(const struct commune_map *m, size_t i)
{
	return &m->e[i];
}

const char *commune_map_single_district(const struct commune_map *m)
{
	if (!m || !m->n)
		return NULL;
	for (size_t i = 1; i < m->n; i++)
		if (strcmp(m->e[i].district, m->e[0].district))
			return NULL;
	return m->e[0].district;
}

void commune_map_free(struct commune_map *m)
{
	if (!m)
		return;
	free(m->e);
	free(m);
}

/* ---- the roll-up ---- */

static void cross_check(struct rollup_station *st, size_t n);

static struct rollup_camp *camp_of(struct rollup_station *st, const char *id)
{
	for (size_t i = 0; i < st->ncamps; i++)
		if (!strcmp(st->camps[i].id, id))
			return &st->camps[i];
	st->camps = xrealloc(st->camps, (st->ncamps + 1) * sizeof(*st->camps));
	struct rollup_camp *c = &st->camps[st->ncamps++];
	memset(c, 0, sizeof(*c));
	str_copy(c->id, id, sizeof(c->id));
	return c;
}

static void add_count(struct report_count *to, const struct report_count *c)
{
	to->scheduled += c->scheduled;
	for (int o = 0; o < OUT__N; o++)
		to->n[o] += c->n[o];
	to->manual += c->manual;
	to->airtime += c->airtime;
}

static void evaluate(struct rollup_station *st, const struct rollup_opts *o, struct sched_set *cache)
{
	struct report *rep = report_new(o->from_day, o->to_day, 0);
	if (!rep) {
		append(st->flags, sizeof(st->flags), "bad period");
		return;
	}
	int rc = rollup_scan_station(st->dir, rep, 1, NULL, o->given, cache, NULL, NULL, &st->scan);
	const struct report_station *info = report_station_info(rep);
	str_copy(st->station, info->station, sizeof(st->station));
	str_copy(st->commune, info->commune, sizeof(st->commune));
	if (info->district[0]) {
		str_copy(st->district, info->district, sizeof(st->district));
		str_copy(st->district_from, "journal", sizeof(st->district_from));
	} else if (info->commune[0] && commune_map_find(o->map, info->commune)) {
		str_copy(st->district, commune_map_find(o->map, info->commune), sizeof(st->district));
		str_copy(st->district_from, "map", sizeof(st->district_from));
	}

	if (rc < 0) {
		append(st->flags, sizeof(st->flags), "%s", st->scan.error);
	} else {
		if (!st->scan.chain_ok)
			append(st->flags, sizeof(st->flags), "journal fails verification: %s",
			       st->scan.first_bad);
		if (info->mixed)
			append(st->flags, sizeof(st->flags),
			       "the folder holds records of more than one station (%s/%s and %s)",
			       info->station, info->commune, info->other);
		int fm = report_first_month(rep), nm = report_nmonths(rep), nmiss = 0;
		for (int m = fm; m < fm + nm; m++) {
			if (report_month_covered(rep, m))
				continue;
			char t[8];
			report_month_text(m, t);
			if (nmiss < 12)
				append(st->missing, sizeof(st->missing), "%s", t);
			nmiss++;
		}
		if (nmiss > 12)
			append(st->missing, sizeof(st->missing), "and %d more", nmiss - 12);
		if (nmiss)
			append(st->flags, sizeof(st->flags), "no journal for %d month%s of the period (%s)",
			       nmiss, nmiss == 1 ? "" : "s", st->missing);
		if (st->scan.sched_missing)
			append(st->flags, sizeof(st->flags), "%s", st->scan.sched_problem);
	}
	const struct commune_entry *ce = st->commune[0] ? commune_map_get(o->map, st->commune) : NULL;
	if (ce)
		str_copy(st->commune_name, ce->name, sizeof(st->commune_name));
	/* Out of the denominator: another district, or (with the official
	 * list) a commune that is not on it. */
	if (o->district && st->district[0] && strcmp(st->district, o->district)) {
		st->excluded = 1;
		snprintf(st->excluded_why, sizeof(st->excluded_why), "belongs to district %s, not %s (from the %s)",
			 st->district, o->district,
			 !strcmp(st->district_from, "map") ? "commune list" : "journal");
	} else if (o->map && st->commune[0] && !ce) {
		st->excluded = 1;
		snprintf(st->excluded_why, sizeof(st->excluded_why), "commune %s is not on the commune list",
			 st->commune);
	} else if (o->map && !st->commune[0]) {
		st->excluded = 1;
		snprintf(st->excluded_why, sizeof(st->excluded_why),
			 "no journal, so its commune is not known");
	} else if (o->district && !st->district[0] && st->commune[0]) {
		append(st->flags, sizeof(st->flags),
		       "district not known (its journal does not say, and no commune list was given)");
	}
	if (st->excluded)
		append(st->flags, sizeof(st->flags), "%s", st->excluded_why);
	st->counts = !st->flags[0];

	const struct report_row *rows;
	size_t nr = report_rows(rep, &rows);
	for (size_t i = 0; i < nr; i++) {
		const struct report_row *w = &rows[i];
		if (!w->campaign[0])
			continue;
		struct rollup_camp *c = camp_of(st, w->campaign);
		if (w->title[0])
			str_copy(c->title, w->title, sizeof(c->title));
		add_count(&c->total, &w->c);
		char t[8];
		report_month_text(w->month, t);
		if (w->target < 0) {
			c->months_unknown++;
			append(c->reason, sizeof(c->reason), "%s: target not known (schedule missing)", t);
		} else if (w->in_schedule && w->target > 0) {
			c->target = w->target;
			c->months_required++;
			if (w->met) {
				c->months_met++;
			} else {
				const struct report_count *k = &w->c;
				char extra[128] = "";
				int l = 0;
				static const int show[] = {OUT_PARTIAL, OUT_INTERRUPTED, OUT_FAILED, OUT_MISSED,
							   OUT_UNHEARD};
				for (size_t j = 0; j < ARRAY_LEN(show); j++)
					if (k->n[show[j]])
						l += snprintf(extra + l, sizeof(extra) - (size_t)l, "%s%u %s",
							      l ? ", " : " (", k->n[show[j]],
							      outcome_name((enum outcome)show[j]));
				if (l)
					snprintf(extra + l, sizeof(extra) - (size_t)l, ")");
				append(c->reason, sizeof(c->reason), "%s: %u of %d aired%s", t,
				       k->n[OUT_AIRED], w->target, extra);
			}
		}
	}
	for (size_t i = 0; i < st->ncamps; i++) {
		struct rollup_camp *c = &st->camps[i];
		c->met = st->counts && c->months_required > 0 && c->months_met == c->months_required &&
			 !c->months_unknown;
		if (!c->months_required && !c->months_unknown)
			append(c->reason, sizeof(c->reason), "no target in the period");
		else if (!st->counts && !c->reason[0])
			append(c->reason, sizeof(c->reason), "station not counted: see its flags");
		if (c->met)
			c->reason[0] = '\0';
	}
	report_free(rep);
}

struct pool {
	const char *const *dirs;
	struct rollup_station *st;
	size_t n;
	const struct rollup_opts *o;
	atomic_size_t next;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct sched_set cache = {0};
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			break;
		str_copy(p->st[i].dir, p->dirs[i], sizeof(p->st[i].dir));
		evaluate(&p->st[i], p->o, &cache);
	}
	sched_set_free(&cache);
	return NULL;
}

int rollup_run(const char *const *dirs, size_t n, const struct rollup_opts *o,
	       struct rollup_station **out)
{
	if (o->to_day < o->from_day) {
		errno = EINVAL;
		return -1;
	}
	struct pool p = {.dirs = dirs, .n = n, .o = o};
	atomic_init(&p.next, 0);
	p.st = xcalloc(n + 1, sizeof(*p.st));
	long jobs = o->jobs;
	if (jobs <= 0) {
		jobs = sysconf(_SC_NPROCESSORS_ONLN);
		if (jobs > 8)
			jobs = 8;
	}
	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > n)
		jobs = n ? (long)n : 1;
	pthread_t *th = xcalloc((size_t)jobs, sizeof(*th));
	long started = 0;
	for (long i = 1; i < jobs; i++) {
		if (pthread_create(&th[i], NULL, worker, &p) != 0)
			break;
		started = i;
	}
	worker(&p); /* this thread works too */
	for (long i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	free(th);
	cross_check(p.st, n);
	*out = p.st;
	return 0;
}

void rollup_free(struct rollup_station *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		free(s[i].camps);
	free(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_summary(const void *a, const void *b)
{
	return strcmp(((const struct rollup_summary *)a)->id, ((const struct rollup_summary *)b)->id);
}

/* Findings across folders: the same station given twice, or two stations
 * claiming one commune. Each such station is flagged (not counted) until
 * the officer removes the stray copy or resolves the claim. */
static void cross_check(struct rollup_station *st, size_t n)
{
	char *dup = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		if (!st[i].station[0] || st[i].excluded || dup[i])
			continue;
		size_t k = 0;
		char list[800] = "";
		for (size_t j = i; j < n; j++)
			if (!st[j].excluded && !strcmp(st[j].station, st[i].station)) {
				k++;
				append(list, sizeof(list), "%s", st[j].dir);
			}
		if (k < 2)
			continue;
		for (size_t j = i; j < n; j++)
			if (!st[j].excluded && !strcmp(st[j].station, st[i].station)) {
				dup[j] = 1;
				append(st[j].flags, sizeof(st[j].flags),
				       "the same station's journal is given %zu times (%s)", k, list);
				st[j].counts = 0;
			}
	}
	memset(dup, 0, n + 1);
	for (size_t i = 0; i < n; i++) {
		if (!st[i].commune[0] || st[i].excluded || dup[i])
			continue;
		size_t k = 0;
		char list[800] = "";
		for (size_t j = i; j < n; j++)
			if (!st[j].excluded && !strcmp(st[j].commune, st[i].commune)) {
				/* the same station twice is one claim */
				int seen = 0;
				for (size_t q = i; q < j && !seen; q++)
					seen = !st[q].excluded && !strcmp(st[q].commune, st[i].commune) &&
					       !strcmp(st[q].station, st[j].station);
				if (!seen) {
					k++;
					append(list, sizeof(list), "%s", st[j].station);
				}
			}
		if (k < 2)
			continue;
		for (size_t j = i; j < n; j++)
			if (!st[j].excluded && !strcmp(st[j].commune, st[i].commune)) {
				dup[j] = 1;
				append(st[j].flags, sizeof(st[j].flags), "commune %s is claimed by %zu stations (%s)",
				       st[j].commune, k, list);
				st[j].counts = 0;
			}
	}
	free(dup);
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < st[i].ncamps; c++)
			if (!st[i].counts && st[i].camps[c].met) {
				st[i].camps[c].met = 0;
				str_copy(st[i].camps[c].reason, "station not counted: see its flags",
					 sizeof(st[i].camps[c].reason));
			}
}

/* A station's commune key: its code, or its folder when it has none. */
static const char *commune_key(const struct rollup_station *s)
{
	return s->commune[0] ? s->commune : s->dir;
}

static size_t distinct(const char **v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || strcmp(v[k - 1], v[i]))
			v[k++] = v[i];
	return k;
}

static int listed_in(const struct commune_entry *e, const struct rollup_opts *o)
{
	return !o->district || !strcmp(e->district, o->district);
}

size_t rollup_summarise(const struct rollup_station *s, size_t n, const struct rollup_opts *o,
			struct rollup_summary **out, struct rollup_totals *t)
{
	memset(t, 0, sizeof(*t));
	size_t nmap = commune_map_size(o->map);
	const char **keys = xcalloc(n + nmap + 1, sizeof(*keys));
	size_t nk = 0;
	for (size_t i = 0; i < n; i++) {
		t->excluded += s[i].excluded;
		t->flagged += !s[i].counts && !s[i].excluded;
		if (!s[i].excluded && (s[i].commune[0] || !o->map))
			keys[nk++] = commune_key(&s[i]);
	}
	size_t reporting = distinct(keys, nk);
	if (o->map) {
		t->from_list = 1;
		for (size_t i = 0; i < nmap; i++) {
			const struct commune_entry *e = commune_map_at(o->map, i);
			if (!listed_in(e, o))
				continue;
			t->communes++;
			int found = bsearch(&(const char *){e->code}, keys, reporting, sizeof(*keys), cmp_str) != NULL;
			if (!found) {
				t->missing = xrealloc(t->missing, (t->nmissing + 1) * sizeof(*t->missing));
				t->missing[t->nmissing++] = *e;
			}
		}
		t->not_reporting = t->nmissing;
		t->reporting = t->communes - t->nmissing;
	} else {
		/* Without a list the denominator is the stations given: a folder
		 * with no journal is a commune that did not report. */
		t->communes = reporting;
		for (size_t i = 0; i < n; i++)
			t->not_reporting += !s[i].excluded && !s[i].commune[0];
		t->reporting = t->communes - t->not_reporting;
	}

	struct rollup_summary *sum = NULL;
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].excluded)
			continue;
		for (size_t k = 0; k < s[i].ncamps; k++) {
			const struct rollup_camp *c = &s[i].camps[k];
			/* only campaigns with a target somewhere are compliance items */
			if (!c->months_required && !c->months_unknown)
				continue;
			size_t j;
			for (j = 0; j < ns && strcmp(sum[j].id, c->id); j++)
				;
			if (j == ns) {
				sum = xrealloc(sum, (ns + 1) * sizeof(*sum));
				memset(&sum[ns], 0, sizeof(*sum));
				str_copy(sum[ns].id, c->id, sizeof(sum[ns].id));
				ns++;
			}
		}
	}
	for (size_t j = 0; j < ns; j++)
		for (size_t i = 0; i < n && !sum[j].title[0]; i++)
			for (size_t k = 0; k < s[i].ncamps; k++)
				if (!strcmp(s[i].camps[k].id, sum[j].id) && s[i].camps[k].title[0] && !s[i].excluded)
					str_copy(sum[j].title, s[i].camps[k].title, sizeof(sum[j].title));
	if (ns)
		qsort(sum, ns, sizeof(*sum), cmp_summary);
	for (size_t j = 0; j < ns; j++) {
		nk = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i].excluded)
				continue;
			sum[j].stations_flagged += !s[i].counts;
			for (size_t k = 0; k < s[i].ncamps; k++) {
				const struct rollup_camp *c = &s[i].camps[k];
				if (strcmp(c->id, sum[j].id))
					continue;
				sum[j].aired += c->total.n[OUT_AIRED];
				sum[j].scheduled += c->total.scheduled;
				if (c->met)
					keys[nk++] = commune_key(&s[i]);
			}
		}
		sum[j].communes = t->communes;
		sum[j].communes_met = distinct(keys, nk);
		sum[j].not_reporting = t->not_reporting;
		sum[j].communes_not_met = sum[j].communes - sum[j].communes_met - sum[j].not_reporting;
		sum[j].percent = sum[j].communes ? 100.0 * (double)sum[j].communes_met / (double)sum[j].communes : 0;
	}
	free(keys);
	*out = sum;
	return ns;
}

void rollup_totals_free(struct rollup_totals *t)
{
	free(t->missing);
	memset(t, 0, sizeof(*t));
}
