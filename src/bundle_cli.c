/* loaxactl bundle make | publish (bundle_cli.h, docs/PUSH.md). The
 * checks are the station's own (bundle.c, library.c, validate.c), run on
 * the department's machine before anything is signed or published. */
#include "bundle_cli.h"
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "civil.h"
#include "cli.h"
#include "config.h"
#include "i18n.h"
#include "journal.h"
#include "record.h"
#include "library.h"
#include "player.h"
#include "util.h"
#include "validate.h"

#define PROG "loaxactl"
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define TITLES_MAX 256
#define STATIONS_MAX 256

#ifndef LOAXA_PLUGINDIR
#define LOAXA_PLUGINDIR "/usr/local/lib/loaxa"
#endif
#define PUBLISH_HELPER "loaxa-publish"


/* getopt with loaxactl's messages; '?' after a message. */
static int next_opt(int argc, char **argv, const char *so, const struct option *lo, const char *usage)
{
	opterr = 0;
	int c = getopt_long(argc, argv, so, lo, NULL);
	if (c == '?') {
		if (optopt && optopt < 256)
			cli_usage_error(usage, _("unknown option -%c"), optopt);
		else
			cli_usage_error(usage, _("unknown option %s"), argv[optind - 1]);
	} else if (c == ':') {
		cli_usage_error(usage, _("option %s needs a value"), argv[optind - 1]);
		c = '?';
	}
	return c;
}

static void print_list(const struct errlist *e, int warning)
{
	for (size_t i = 0; i < e->n; i++)
		if (warning)
			fprintf(stderr, _("%s: warning: %s\n"), PROG, e->msg[i]);
		else
			fprintf(stderr, "%s: %s\n", PROG, e->msg[i]);
}

static int load_station_file(const char *path, struct station *st)
{
	struct errlist errs = {0};
	if (config_load_station(path, st, &errs) < 0) {
		print_list(&errs, 0);
		if (!errs.n)
			cli_err(_("%s: cannot load the station file"), path);
		errlist_free(&errs);
		station_free(st);
		return -1;
	}
	errlist_free(&errs);
	if (civil_tz_set(st->timezone) < 0) {
		cli_err(_("%s: time zone \"%s\" is not installed (install tzdata)"), path, st->timezone);
		station_free(st);
		return -1;
	}
	return 0;
}

/* Copy src to dir/name under a hidden temporary name, flushed, then
 * renamed into place; its SHA-256 and size out. 0, or -1 with errno. */
static int copy_in(const char *src, const char *dir, const char *name, char sum[65], long long *size)
{
	char tmp[PATHBUF + 300], dst[PATHBUF + 300];
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, name, (long)getpid());
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, e = 0;
	if (in < 0)
		return -1;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		e = errno;
		close(in);
		errno = e;
		return -1;
	}
	struct sha256_ctx h;
	sha256_init(&h);
	char buf[65536];
	ssize_t n;
	*size = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		sha256_update(&h, buf, n);
		for (ssize_t w = 0; w < n;) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));
			if (k < 0) {
				if (errno == EINTR)
					continue;
				n = -1;
				break;
			}
			w += k;
		}
		if (n < 0)
			break;
		*size += n;
	}
	if (n < 0 || fsync(out) < 0)
		e = errno;
	close(in);
	if (close(out) < 0 && !e)
		e = errno;
	if (!e && rename(tmp, dst) < 0)
		e = errno;
	if (e) {
		unlink(tmp);
		errno = e;
		return -1;
	}
	unsigned char d[SHA256_LEN];
	sha256_final(&h, d);
	hex_encode(d, sizeof(d), sum);
	fsync_dir_of(dst);
	return 0;
}

/* One line of UTF-8 text: what a title may be. */
static int text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int k = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
		if (k < 0 || (k == 0 && (*p < 0x20 || *p == 0x7f)))
			return 0;
		for (int i = 1; i <= k; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		p += k + 1;
	}
	return 1;
}

/* A bundle's name: NAME.conf, a plain base name (the fleet contract). */
static int bundle_name_ok(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && n <= 200 && name[0] != '.' && !strchr(name, '/') && !strcmp(name + n - 5, ".conf");
}

int bundle_message(const char *name, long long serial, const char *conf, size_t clen,
		   const char *sig, size_t slen, char **out, size_t *outlen)
{
	char head[320];
	*out = NULL;
	*outlen = 0;
	if (!bundle_name_ok(name))
		return -1;
	int hl = snprintf(head, sizeof(head), "loaxa-bundle 1 name=%s serial=%lld conf=%zu sig=%zu\n", name,
			  serial, clen, slen);
	if (hl < 0 || (size_t)hl >= sizeof(head) || (size_t)hl + clen + slen > BUNDLE_MSG_MAX)
		return -1;
	char *m = xcalloc((size_t)hl + clen + slen + 1, 1);
	memcpy(m, head, (size_t)hl);
	memcpy(m + hl, conf, clen);
	memcpy(m + hl + clen, sig, slen);
	*out = m;
	*outlen = (size_t)hl + clen + slen;
	return 0;
}

/* ---- bundle make ---- */

/* Where the serial of the last bundle made is kept: $XDG_STATE_HOME (or
 * ~/.local/state)/loaxa/bundle-serial. "" when neither is known. */
static void serial_state_path(char *out, size_t n)
{
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	if (x && x[0] == '/')
		snprintf(out, n, "%s/loaxa/bundle-serial", x);
	else if (h && h[0] == '/')
		snprintf(out, n, "%s/.local/state/loaxa/bundle-serial", h);
	else
		out[0] = '\0';
}

/* The greatest serial of the state file and of OUTDIR's push-N.conf. */
static long long last_serial_made(const char *state, const char *outdir)
{
	long long last = 0;
	char *text = NULL;
	size_t len;
	if (state[0] && read_file_all(state, 64, 0, &text, &len) == 0) {
		long long v = strtoll(text, NULL, 10);
		if (v > last)
			last = v;
	}
	free(text);
	DIR *d = opendir(outdir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		long long v;
		int used = 0;
		if (sscanf(de->d_name, "push-%lld.conf%n", &v, &used) == 1 && de->d_name[used] == '\0' &&
		    v > last)
			last = v;
	}
	if (d)
		closedir(d);
	return last;
}

static int has_id(char (*ids)[ID_MAX], size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ids[i], id))
			return 1;
	return 0;
}

struct make_opts {
	const char *schedule, *audio, *outdir, *district, *station_file;
	char (*stations)[ID_MAX];
	size_t nstations;
	long long serial;
	const char *title_id[TITLES_MAX], *title_text[TITLES_MAX];
	size_t ntitles;
};

static int last_installed(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	(void)pos;
	if (!strcmp(r->event, "schedule-installed")) {
		const char *v = record_get(r, "serial");
		long long sr = v ? atoll(v) : 0;
		if (sr > *(long long *)ctx)
			*(long long *)ctx = sr;
	}
	return 0;
}

/* The greatest serial the station's journal says it installed (0: none
 * or no journal), as loaxactl schedule verify counts it. */
static long long journal_serial(const struct station *st)
{
	long long serial = 0;
	struct journal_scan_result res;
	char err[512];
	if (journal_scan(st->journal, NULL, NULL, last_installed, NULL, &serial, &res, err, sizeof(err)) < 0)
		return 0;
	return serial;
}

/* Remove what a refused make left: the staging folder, and OUTDIR when it
 * was made for this bundle. */
static void make_cleanup(const char *stage, const char *outdir, int made_outdir)
{
	DIR *d = opendir(stage);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char p[PATHBUF * 2];
		snprintf(p, sizeof(p), "%s/%s", stage, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(stage);
	if (made_outdir)
		rmdir(outdir);
}

static int bundle_make(struct make_opts *o)
{
	struct station st;
	int have_station = o->station_file != NULL;
	if (have_station) {
		if (load_station_file(o->station_file, &st) < 0)
			return EXIT_FAIL;
	} else {
		/* Bulletin add's checks with a station's defaults. */
		station_init(&st);
		st.max_bulletin_minutes = 30;
		str_copy(st.audio_device, "default", sizeof(st.audio_device));
		civil_tz_set(civil_tz_default());
	}
	struct errlist errs = {0}, warns = {0};
	struct schedule s;
	int r = config_load_schedule_all(o->schedule, &s, &errs);
	if (r != 0) {
		print_list(&errs, 0);
		cli_err(_("%s was not made into a bundle: fix the schedule first"), o->schedule);
		if (r > 0)
			schedule_free(&s);
		errlist_free(&errs);
		station_free(&st);
		return EXIT_FAIL;
	}
	int rc = EXIT_FAIL, made_outdir = 0;
	char stage[PATHBUF + 64] = "", state[PATHBUF + 64], confname[64], confpath[PATHBUF + 128];
	char (*used)[ID_MAX] = NULL;
	struct bundle_file *files = NULL;
	char *text = NULL, *out = NULL;
	size_t nused = 0, nfiles = 0, tlen = 0, olen = 0;

	/* Where it may play. */
	const char *district = o->district;
	if (district && s.district[0] && strcmp(district, s.district))
		errlist_add(&errs, _("%s:%d: the schedule says district = \"%s\", --district says %s: give one"),
			    o->schedule, s.district_line, s.district, district);
	if (!district)
		district = s.district[0] ? s.district : have_station ? st.district_code : "";
	if (!district[0])
		errlist_add(&errs, _("which district is it for? give --district CODE (the stations' station.district_code)"));
	else if (!id_valid(district))
		errlist_add(&errs, _("district \"%s\" is not a district code (letters, digits, '.', '_', '-')"), district);
	char (*stations)[ID_MAX] = o->nstations ? o->stations : s.stations;
	size_t nstations = o->nstations ? o->nstations : s.nstations;
	if (have_station && district[0] && strcmp(district, st.district_code))
		errlist_add(&errs, _("the bundle is for district %s, but station %s (%s) is in district %s: it would refuse it"),
			    district, st.id, o->station_file, st.district_code);
	if (have_station && nstations && !has_id(stations, nstations, st.id))
		errlist_add(&errs, _("the bundle's stations do not include station %s (%s): it would refuse it"), st.id,
			    o->station_file);

	/* The bulletins it uses, each with the first campaign naming it. */
	size_t cap = 0;
	for (size_t i = 0; i < s.ncampaigns; i++)
		cap += s.campaigns[i].nbulletins;
	for (size_t i = 0; i < s.nslots; i++)
		cap += s.slots[i].nbulletins;
	used = xcalloc(cap + 1, sizeof(*used));
	const char **camp = xcalloc(cap + 1, sizeof(*camp));
	for (size_t i = 0; i < s.ncampaigns; i++)
		for (size_t k = 0; k < s.campaigns[i].nbulletins; k++)
			if (!has_id(used, nused, s.campaigns[i].bulletins[k])) {
				camp[nused] = s.campaigns[i].id;
				str_copy(used[nused++], s.campaigns[i].bulletins[k], ID_MAX);
			}
	for (size_t i = 0; i < s.nslots; i++)
		for (size_t k = 0; k < s.slots[i].nbulletins; k++)
			if (!has_id(used, nused, s.slots[i].bulletins[k])) {
				camp[nused] = "";
				str_copy(used[nused++], s.slots[i].bulletins[k], ID_MAX);
			}
	for (size_t i = 0; i < o->ntitles; i++)
		if (!has_id(used, nused, o->title_id[i]))
			errlist_add(&errs, _("--title %s=...: the schedule does not use bulletin %s"), o->title_id[i],
				    o->title_id[i]);

	/* Its audio: ID.mp3 or ID.mp2 in the audio folder. */
	struct stat sb;
	if (stat(o->audio, &sb) < 0 || !S_ISDIR(sb.st_mode))
		errlist_add(&errs, _("%s: not a folder of audio files (--audio DIR)"), o->audio);
	const char **srcname = xcalloc(cap + 1, sizeof(*srcname));
	for (size_t i = 0; i < nused; i++) {
		static const char *const ext[] = {"mp3", "mp2"};
		srcname[i] = NULL;
		for (int e = 0; e < 2; e++) {
			char p[PATHBUF + 300];
			snprintf(p, sizeof(p), "%s/%s.%s", o->audio, used[i], ext[e]);
			if (stat(p, &sb) < 0)
				continue;
			if (srcname[i])
				errlist_add(&errs, _("%s/%s.mp3 and %s.mp2 are both there: which one is bulletin %s? remove one"),
					    o->audio, used[i], used[i], used[i]);
			else
				srcname[i] = ext[e];
		}
		if (!srcname[i] && !have_station)
			errlist_add(&warns, _("bulletin %s has no file in %s (%s.mp3 or .mp2): the stations must already have it"),
				    used[i], o->audio, used[i]);
	}
	DIR *d = opendir(o->audio);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || de->d_name[0] == '.' ||
		    (strcasecmp(de->d_name + l - 4, ".mp3") && strcasecmp(de->d_name + l - 4, ".mp2")))
			continue;
		char id[ID_MAX];
		int found = 0;
		if (l - 4 < sizeof(id)) {
			memcpy(id, de->d_name, l - 4);
			id[l - 4] = '\0';
			for (size_t i = 0; i < nused; i++)
				found |= !strcmp(used[i], id) && srcname[i] && !strcmp(de->d_name + l - 3, srcname[i]);
		}
		if (!found)
			errlist_add(&warns, _("%s/%s is left out: the schedule uses no bulletin of that name (files are matched as BULLETIN-ID.mp3 or .mp2)"),
				    o->audio, de->d_name);
	}
	if (d)
		closedir(d);

	/* The serial: given, or date-based, above every bundle made before. */
	serial_state_path(state, sizeof(state));
	long long last = last_serial_made(state, o->outdir), serial = o->serial;
	if (serial) {
		if (serial <= last)
			errlist_add(&errs, _("--serial %lld is not greater than the last bundle made (%lld): stations never install an older serial again"),
				    serial, last);
		if (serial < s.serial)
			errlist_add(&errs, _("--serial %lld is below the schedule's own serial %lld"), serial, s.serial);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		serial = ((long long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday) * 100 + 1;
		if (serial <= last)
			serial = last + 1;
		if (serial < s.serial)
			serial = s.serial;
	}
	if (errs.n)
		goto refused;

	/* Stage everything in a hidden folder of OUTDIR: a refusal leaves
	 * OUTDIR as it was. */
	if (stat(o->outdir, &sb) < 0) {
		if (mkdir_p(o->outdir, 0755) < 0) {
			errlist_add(&errs, _("%s: cannot create it: %s"), o->outdir, strerror(errno));
			goto refused;
		}
		made_outdir = 1;
	} else if (!S_ISDIR(sb.st_mode)) {
		errlist_add(&errs, _("%s: not a folder (-o OUTDIR)"), o->outdir);
		goto refused;
	}
	snprintf(stage, sizeof(stage), "%s/.bundle-make.%ld", o->outdir, (long)getpid());
	if (mkdir(stage, 0755) < 0) {
		errlist_add(&errs, _("%s: cannot create it: %s"), stage, strerror(errno));
		stage[0] = '\0';
		goto refused;
	}
	files = xcalloc(nused + 1, sizeof(*files));
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < nused; i++) {
		if (!srcname[i])
			continue; /* the stations' libraries must have it: checked with -c */
		struct bundle_file *f = &files[nfiles];
		char src[PATHBUF + 300], staged[PATHBUF + 400], old[PATHBUF + 300];
		snprintf(f->file, sizeof(f->file), "%s.%s", used[i], srcname[i]);
		snprintf(src, sizeof(src), "%s/%s", o->audio, f->file);
		snprintf(staged, sizeof(staged), "%s/%s", stage, f->file);
		str_copy(f->bulletin, used[i], sizeof(f->bulletin));
		str_copy(f->campaign, camp[i], sizeof(f->campaign));
		if (copy_in(src, stage, f->file, f->sha256, &f->size) < 0) {
			errlist_add(&errs, _("%s: cannot copy it: %s"), src, strerror(errno));
			continue;
		}
		/* An older bundle's audio in OUTDIR is never replaced. */
		char osum[65];
		snprintf(old, sizeof(old), "%s/%s", o->outdir, f->file);
		if (sha256_file(old, osum) == 0 && strcmp(osum, f->sha256))
			errlist_add(&errs, _("%s is already in %s with other content (an earlier bundle's recording): a new recording needs a new bulletin id"),
				    f->file, o->outdir);
		const char *title = NULL;
		for (size_t k = 0; k < o->ntitles; k++)
			if (!strcmp(o->title_id[k], f->bulletin))
				title = o->title_text[k];
		char tag[TITLE_MAX];
		if (!title && audio_tag_title(staged, tag, sizeof(tag)))
			title = tag;
		str_copy(f->title, title ? title : f->bulletin, sizeof(f->title));
		/* bulletin add's checks, on the copy that will be shipped. */
		struct bulletin b;
		if (library_check(&st, staged, src, f->sha256, f->bulletin, f->title, f->campaign, now, &b,
				  &errs, &warns) == 0)
			nfiles++;
	}
	if (errs.n)
		goto refused;

	/* The schedule with its serial, binding and files section. */
	if (read_file_all(o->schedule, BUNDLE_CONF_MAX, 0, &text, &tlen) < 0) {
		errlist_add(&errs, _("%s: cannot read it: %s"), o->schedule, strerror(errno));
		goto refused;
	}
	snprintf(confname, sizeof(confname), "push-%lld.conf", serial);
	char header[PATHBUF + 512], ts[26];
	civil_tz_format(now, ts);
	snprintf(header, sizeof(header),
		 "# %s: made by loaxactl bundle make from %s at %s.\n"
		 "# Sign it as it is (one changed byte and every station refuses it):\n"
		 "#   minisign -S -s KEY.key -m %s -t \"COMMENT\"\n",
		 confname, o->schedule, ts, confname);
	if (config_write_bundle(o->schedule, text, tlen, header, serial, district, stations, nstations, files,
				nfiles, &out, &olen, &errs) < 0)
		goto refused;
	if (olen > BUNDLE_CONF_MAX) {
		errlist_add(&errs, _("the bundle's schedule would be %zu bytes: stations take at most %d"), olen,
			    BUNDLE_CONF_MAX);
		goto refused;
	}
	snprintf(confpath, sizeof(confpath), "%s/%s", stage, confname);
	if (write_file_atomic(confpath, out, olen) < 0) {
		errlist_add(&errs, _("%s: cannot write it: %s"), confpath, strerror(errno));
		goto refused;
	}
	/* What was written reads back as written (and as schedule check sees it). */
	{
		struct bundle_file *back = NULL;
		size_t nback = 0, nadd = 0;
		struct schedule s2;
		if (config_load_schedule_all(confpath, &s2, &errs) == 0)
			schedule_free(&s2);
		if (config_load_bundle_files(confpath, &back, &nback, &errs) == 0 && nback == nfiles) {
			struct bulletin *add = xcalloc(nback + 1, sizeof(*add));
			bundle_check_files(&st, confname, back, nback, stage, NULL, now, add, &nadd, &errs, &warns);
			free(add);
		} else if (!errs.n) {
			errlist_add(&errs, _("%s: the files section did not read back as written"), confpath);
		}
		free(back);
		if (errs.n)
			goto refused;
	}

	/* The whole station-side check, as the station would run it, on its
	 * own files (a dry run: nothing of the station is changed). */
	if (have_station) {
		struct bundle_request rq = {.conf = confpath, .sig = NULL, .audio_dir = stage, .final = 1,
					    .running_serial = journal_serial(&st), .dry_run = 1,
					    .short_names = 1, .now = now};
		struct bundle_result res;
		enum bundle_status bs = bundle_install(&st, &rq, &res, &errs, &warns);
		if (bs != BUNDLE_OK) {
			if (bs == BUNDLE_SAME)
				errlist_add(&errs, _("it is the schedule station %s already runs"), st.id);
			cli_err(_("station %s (%s) would refuse this bundle:"), st.id, o->station_file);
			goto refused;
		}
	}

	/* Into OUTDIR: the audio, then the schedule, last. */
	for (size_t i = 0; i <= nfiles; i++) {
		const char *n = i < nfiles ? files[i].file : confname;
		char a[PATHBUF + 400], b[PATHBUF + 300];
		snprintf(a, sizeof(a), "%s/%s", stage, n);
		snprintf(b, sizeof(b), "%s/%s", o->outdir, n);
		if (rename(a, b) < 0) {
			errlist_add(&errs, _("%s: cannot move it into place: %s"), b, strerror(errno));
			goto refused;
		}
	}
	fsync_dir_of(confpath);
	make_cleanup(stage, o->outdir, 0);
	if (state[0]) {
		char dir[PATHBUF + 64], line[32];
		path_dirname(state, dir, sizeof(dir));
		int n = snprintf(line, sizeof(line), "%lld\n", serial);
		if (mkdir_p(dir, 0755) < 0 || write_file_atomic(state, line, (size_t)n) < 0)
			errlist_add(&warns, _("cannot record serial %lld in %s: %s (the next bundle made here may reuse it)"),
				    serial, state, strerror(errno));
	}
	print_list(&warns, 1);
	printf(_("made %s/%s: serial %lld for district %s"), o->outdir, confname, serial, district);
	if (nstations) {
		printf(_(", stations"));
		for (size_t i = 0; i < nstations; i++)
			printf("%s %s", i ? "," : "", stations[i]);
	}
	printf("\n");
	printf(ngettext("%zu audio file beside it:", "%zu audio files beside it:", nfiles), nfiles);
	for (size_t i = 0; i < nfiles; i++)
		printf(" %s (%s)", files[i].file, files[i].title);
	printf("\n");
	if (have_station)
		printf(_("checked as station %s would check it: it would install it\n"), st.id);
	printf(_("next: minisign -S -s KEY.key -m %s/%s -t \"COMMENT\"\n"), o->outdir, confname);
	rc = EXIT_OK;
	goto out;

refused:
	print_list(&warns, 1);
	print_list(&errs, 0);
	cli_err(_("no bundle was made from %s; nothing was written"), o->schedule);
	if (stage[0] || made_outdir)
		make_cleanup(stage[0] ? stage : "/nonexistent", o->outdir, made_outdir);
out:
	free(srcname);
	free(camp);
	free(used);
	free(files);
	free(text);
	free(out);
	schedule_free(&s);
	errlist_free(&errs);
	errlist_free(&warns);
	station_free(&st);
	return rc;
}

static int cmd_bundle_make(int argc, char **argv, const char *station_file)
{
	static const struct option lo[] = {
		{"audio", required_argument, NULL, 'a'},   {"output", required_argument, NULL, 'o'},
		{"district", required_argument, NULL, 'd'}, {"station", required_argument, NULL, 's'},
		{"serial", required_argument, NULL, 'n'},  {"title", required_argument, NULL, 't'},
		{"config", required_argument, NULL, 'c'},  {"help", no_argument, NULL, 'h'},
		{0}};
	const char *usage = "bundle make SCHEDULE --audio DIR -o OUTDIR [--district CODE] [--station ID]... [--serial N] [--title ID=TEXT]... [-c STATION-FILE]";
	static char stations[STATIONS_MAX][ID_MAX];
	struct make_opts o = {.station_file = station_file, .stations = stations};
	int c;
	optind = 0;
	while ((c = next_opt(argc, argv, ":a:o:d:s:n:t:c:h", lo, usage)) != -1) {
		char *end, *eq;
		switch (c) {
		case 'a': o.audio = optarg; break;
		case 'o': o.outdir = optarg; break;
		case 'd': o.district = optarg; break;
		case 'c': o.station_file = optarg; break;
		case 's':
			if (!id_valid(optarg))
				return cli_usage_error(usage, _("--station %s: not a station id"), optarg);
			if (o.nstations == STATIONS_MAX)
				return cli_usage_error(usage, _("at most %d --station"), STATIONS_MAX);
			str_copy(stations[o.nstations++], optarg, ID_MAX);
			break;
		case 'n':
			errno = 0;
			o.serial = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || o.serial < 1)
				return cli_usage_error(usage, _("--serial %s: not a positive number"), optarg);
			break;
		case 't':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1])
				return cli_usage_error(usage, _("--title %s: give BULLETIN-ID=TEXT"), optarg);
			if (o.ntitles == TITLES_MAX)
				return cli_usage_error(usage, _("at most %d --title"), TITLES_MAX);
			*eq = '\0';
			if (strlen(eq + 1) >= TITLE_MAX)
				return cli_usage_error(usage, _("--title %s: at most %d bytes"), optarg, TITLE_MAX - 1);
			if (!text_ok(eq + 1))
				return cli_usage_error(usage, _("--title %s: the title must be one line of UTF-8 text"), optarg);
			o.title_id[o.ntitles] = optarg;
			o.title_text[o.ntitles++] = eq + 1;
			break;
		case 'h':
			printf(_("usage: loaxactl [-c FILE] %s\n"), usage);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(usage, optind >= argc ? _("which schedule file?") : _("one schedule file at a time"));
	o.schedule = argv[optind];
	if (!o.audio)
		return cli_usage_error(usage, _("where is the audio? give --audio DIR"));
	if (!o.outdir)
		return cli_usage_error(usage, _("where should the bundle go? give -o OUTDIR"));
	return bundle_make(&o);
}

/* ---- bundle publish ---- */

/* The helper that speaks MQTT (only it links libmosquitto): beside this
 * program (a build tree), else in LOAXA_PLUGINDIR. */
static void helper_path(char *out, size_t n)
{
	char self[PATHBUF];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (k > 0) {
		self[k] = '\0';
		char dir[PATHBUF];
		path_dirname(self, dir, sizeof(dir));
		snprintf(out, n, "%s/" PUBLISH_HELPER, dir);
		if (access(out, X_OK) == 0)
			return;
	}
	snprintf(out, n, "%s/" PUBLISH_HELPER, LOAXA_PLUGINDIR);
}

struct pub_opts {
	const char *conf, *sig, *broker, *user, *password_file, *ca_file, *district, *station, *webroot;
	const char *key, *station_file;
	int force, clear, timeout;
};

/* Run the helper with the message on its standard input. Its exit status. */
static int run_helper(const struct pub_opts *o, const char *topic, const char *msg, size_t len)
{
	char helper[PATHBUF + 32], tmo[16];
	helper_path(helper, sizeof(helper));
	snprintf(tmo, sizeof(tmo), "%d", o->timeout);
	const char *args[20];
	int a = 0;
	args[a++] = helper;
	args[a++] = "--broker";
	args[a++] = o->broker;
	args[a++] = "--topic";
	args[a++] = topic;
	args[a++] = "--timeout";
	args[a++] = tmo;
	if (o->user) {
		args[a++] = "--user";
		args[a++] = o->user;
	}
	if (o->password_file) {
		args[a++] = "--password-file";
		args[a++] = o->password_file;
	}
	if (o->ca_file) {
		args[a++] = "--ca-file";
		args[a++] = o->ca_file;
	}
	args[a] = NULL;
	int p[2];
	if (pipe(p) < 0) {
		cli_err(_("cannot start %s: %s"), helper, strerror(errno));
		return EXIT_FAIL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		cli_err(_("cannot start %s: %s"), helper, strerror(errno));
		close(p[0]);
		close(p[1]);
		return EXIT_FAIL;
	}
	if (pid == 0) {
		dup2(p[0], 0);
		close(p[0]);
		close(p[1]);
		execv(helper, (char *const *)args);
		fprintf(stderr, _("%s: cannot run %s: %s\n"), PROG, helper, strerror(errno));
		_exit(127);
	}
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	for (size_t w = 0; w < len;) {
		ssize_t k = write(p[1], msg + w, len - w);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		w += (size_t)k;
	}
	close(p[1]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return EXIT_OK;
	return EXIT_FAIL;
}

static int topic_for(char *out, size_t n, const char *district, const char *station)
{
	if (station)
		return snprintf(out, n, "loaxa/v1/%s/%s/schedule", district, station) < (int)n ? 0 : -1;
	return snprintf(out, n, "loaxa/v1/%s/schedule", district) < (int)n ? 0 : -1;
}

static int bundle_publish(const struct pub_opts *o)
{
	char topic[512];
	if (o->clear) {
		if (!o->district || !id_valid(o->district) || (o->station && !id_valid(o->station))) {
			cli_err(_("--clear needs --district CODE (and --station ID for one station's topic)"));
			return EXIT_USAGE;
		}
		topic_for(topic, sizeof(topic), o->district, o->station);
		if (run_helper(o, topic, "", 0) != EXIT_OK) {
			cli_err(_("the retained bundle on %s was not cleared"), topic);
			return EXIT_FAIL;
		}
		printf(_("cleared the retained bundle on %s\n"), topic);
		return EXIT_OK;
	}

	struct errlist errs = {0}, warns = {0};
	char *conf = NULL, *sig = NULL, *msg = NULL, sigdef[PATHBUF + 16], dir[PATHBUF];
	size_t clen = 0, slen = 0, mlen = 0, nfiles = 0;
	struct bundle_file *files = NULL;
	struct schedule s;
	int have_sched = 0, rc = EXIT_FAIL;
	const char *name = strrchr(o->conf, '/');
	name = name ? name + 1 : o->conf;
	const char *sigpath = o->sig;
	if (!sigpath) {
		snprintf(sigdef, sizeof(sigdef), "%s.minisig", o->conf);
		sigpath = sigdef;
	}
	path_dirname(o->conf, dir, sizeof(dir));
	if (!bundle_name_ok(name)) {
		errlist_add(&errs, _("%s: a bundle is named NAME.conf (a plain name, not starting with '.', at most 200 bytes)"),
			    o->conf);
		goto refused;
	}
	if (read_file_all(o->conf, BUNDLE_CONF_MAX, 0, &conf, &clen) < 0) {
		errlist_add(&errs, _("%s: cannot read it: %s"), o->conf,
			    errno == EFBIG ? _("larger than any schedule a station takes") : strerror(errno));
		goto refused;
	}
	if (read_file_all(sigpath, MINISIGN_SIGFILE_MAX, 0, &sig, &slen) < 0) {
		if (errno == ENOENT)
			errlist_add(&errs, _("%s is not signed: %s is missing (minisign -S -s KEY.key -m %s)"), o->conf,
				    sigpath, o->conf);
		else
			errlist_add(&errs, _("%s: cannot read it: %s"), sigpath, strerror(errno));
		goto refused;
	}

	/* The signature: trusted (with keys), or at least well formed. */
	struct minisign_key keys[TRUST_KEYS_MAX];
	char revoked[TRUST_REVOKED_MAX][TRUST_KEYID_LEN];
	size_t nk = 0, nrevoked = 0;
	char err[512];
	if (o->key) {
		char *kt = NULL;
		size_t kl;
		int kr = read_file_all(o->key, 4096, 0, &kt, &kl) == 0
				 ? minisign_key_parse(kt, &keys[0], err, sizeof(err))
				 : minisign_key_parse(o->key, &keys[0], err, sizeof(err));
		free(kt);
		if (kr < 0) {
			errlist_add(&errs, _("--key %s: %s"), o->key, err);
			goto refused;
		}
		nk = 1;
	} else if (o->station_file) {
		struct station st;
		if (load_station_file(o->station_file, &st) < 0)
			goto refused;
		for (size_t i = 0; i < st.ntrust_keys; i++)
			if (minisign_key_parse(st.trust_keys[i], &keys[nk], err, sizeof(err)) == 0)
				nk++;
		nrevoked = st.ntrust_revoked;
		memcpy(revoked, st.trust_revoked, sizeof(revoked));
		station_free(&st);
		if (!nk) {
			errlist_add(&errs, _("%s has no trusted key (trust.keys) to check the signature with"),
				    o->station_file);
			goto refused;
		}
	}
	struct minisign_result mr;
	if (minisign_verify(conf, clen, sig, slen, keys, nk, &mr, err, sizeof(err)) < 0 &&
	    (nk || strncmp(err, "no trusted key", 14))) {
		errlist_add(&errs, _("%s: the signature %s does not hold: %s"), o->conf, sigpath, err);
		goto refused;
	}
	for (size_t i = 0; i < nrevoked; i++)
		if (!strcmp(revoked[i], mr.keyid)) {
			errlist_add(&errs, _("%s is signed by key %s, which %s has revoked (trust.revoked)"), o->conf,
				    mr.keyid, o->station_file);
			goto refused;
		}

	/* The schedule it signs: where it may play, and its audio. */
	if (config_parse_schedule(name, conf, clen, &s, &errs) < 0)
		goto refused;
	have_sched = 1;
	if (!s.district[0]) {
		errlist_add(&errs, _("%s names no district: every station would refuse it (make it with loaxactl bundle make)"),
			    o->conf);
		goto refused;
	}
	if (o->district && strcmp(o->district, s.district)) {
		errlist_add(&errs, _("%s is signed for district %s, not %s"), o->conf, s.district, o->district);
		goto refused;
	}
	if (o->station && s.nstations) {
		int listed = 0;
		for (size_t i = 0; i < s.nstations; i++)
			listed |= !strcmp(s.stations[i], o->station);
		if (!listed) {
			errlist_add(&errs, _("%s does not list station %s in its stations: that station would refuse it"),
				    o->conf, o->station);
			goto refused;
		}
	}
	if (config_parse_bundle_files(name, conf, clen, &files, &nfiles, &errs) < 0)
		goto refused;

	/* Every file first; then the copies. A file of that name already in
	 * the web folder with other content may be what stations still fetch
	 * for an older bundle: replaced only with --force. */
	struct stat sb;
	if (stat(o->webroot, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		errlist_add(&errs, _("%s: not a folder (--webroot DIR: where the stations' fleet.audio_url points)"),
			    o->webroot);
		goto refused;
	}
	int *todo = xcalloc(nfiles + 1, sizeof(int));
	size_t ncopy = 0, nthere = 0;
	for (size_t i = 0; i < nfiles; i++) {
		const struct bundle_file *f = &files[i];
		char src[PATHBUF + 300], dst[PATHBUF + 300], sum[65] = "", dsum[65] = "";
		snprintf(src, sizeof(src), "%s/%s", dir, f->file);
		snprintf(dst, sizeof(dst), "%s/%s", o->webroot, f->file);
		int have_dst = sha256_file(dst, dsum) == 0;
		if (sha256_file(src, sum) < 0) {
			if (have_dst && !strcmp(dsum, f->sha256)) {
				nthere++;
				continue; /* published before */
			}
			errlist_add(&errs, _("%s: cannot read it: %s (the stations would find no %s)"), src,
				    strerror(errno), f->file);
			continue;
		}
		if (strcmp(sum, f->sha256)) {
			errlist_add(&errs, _("%s does not match the SHA-256 the signed schedule gives it (line %d): every station would refuse the bundle"),
				    src, f->line);
			continue;
		}
		if (have_dst && !strcmp(dsum, sum)) {
			nthere++;
			continue;
		}
		if (have_dst && !o->force) {
			errlist_add(&errs, _("%s is already in %s with other content (stations may still be fetching it for an earlier bundle): give the new recording a new name, or --force"),
				    f->file, o->webroot);
			continue;
		}
		todo[i] = 1;
	}
	if (errs.n) {
		free(todo);
		goto refused;
	}
	if (bundle_message(name, s.serial, conf, clen, sig, slen, &msg, &mlen) < 0) {
		free(todo);
		errlist_add(&errs, _("%s: the message would be larger than %d bytes"), o->conf, BUNDLE_MSG_MAX);
		goto refused;
	}
	for (size_t i = 0; i < nfiles; i++) {
		char src[PATHBUF + 300], sum[65];
		long long size;
		if (!todo[i])
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, files[i].file);
		if (copy_in(src, o->webroot, files[i].file, sum, &size) < 0)
			errlist_add(&errs, _("%s: cannot copy it into %s: %s"), src, o->webroot, strerror(errno));
		else if (strcmp(sum, files[i].sha256))
			errlist_add(&errs, _("%s changed while it was copied into %s"), src, o->webroot);
		else
			ncopy++;
	}
	free(todo);
	if (errs.n)
		goto refused;

	/* The audio is in place: now the stations may be told. */
	topic_for(topic, sizeof(topic), s.district, o->station);
	if (run_helper(o, topic, msg, mlen) != EXIT_OK) {
		cli_err(_("%s was not published (the audio stays in %s)"), o->conf, o->webroot);
		goto out;
	}
	printf(_("published %s (serial %lld, signed by key %s) to %s, retained\n"), name, s.serial, mr.keyid,
	       topic);
	printf(_("audio in %s: %zu copied, %zu already there\n"), o->webroot, ncopy, nthere);
	rc = EXIT_OK;
	goto out;

refused:
	print_list(&warns, 1);
	print_list(&errs, 0);
	cli_err(_("%s was not published"), o->conf);
out:
	if (have_sched)
		schedule_free(&s);
	free(files);
	free(conf);
	free(sig);
	free(msg);
	errlist_free(&errs);
	errlist_free(&warns);
	return rc;
}

static int cmd_bundle_publish(int argc, char **argv, const char *station_file)
{
	static const struct option lo[] = {
		{"sig", required_argument, NULL, 'S'},      {"broker", required_argument, NULL, 'b'},
		{"user", required_argument, NULL, 'u'},     {"password-file", required_argument, NULL, 'p'},
		{"ca-file", required_argument, NULL, 'C'},  {"district", required_argument, NULL, 'd'},
		{"station", required_argument, NULL, 's'},  {"webroot", required_argument, NULL, 'w'},
		{"force", no_argument, NULL, 'f'},          {"clear", no_argument, NULL, 'x'},
		{"key", required_argument, NULL, 'k'},      {"config", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 'T'},  {"help", no_argument, NULL, 'h'},
		{0}};
	const char *usage = "bundle publish NAME.conf [--sig NAME.conf.minisig] --broker URL [--user USER --password-file FILE] [--ca-file FILE] [--district CODE] [--station ID] --webroot DIR [--force] [--key FILE.pub | -c STATION-FILE] [--timeout S] | bundle publish --clear --district CODE [--station ID] --broker URL ...";
	struct pub_opts o = {.station_file = station_file, .timeout = 30};
	int c;
	optind = 0;
	while ((c = next_opt(argc, argv, ":S:b:u:p:C:d:s:w:fxk:c:T:h", lo, usage)) != -1) {
		char *end;
		switch (c) {
		case 'S': o.sig = optarg; break;
		case 'b': o.broker = optarg; break;
		case 'u': o.user = optarg; break;
		case 'p': o.password_file = optarg; break;
		case 'C': o.ca_file = optarg; break;
		case 'd': o.district = optarg; break;
		case 's': o.station = optarg; break;
		case 'w': o.webroot = optarg; break;
		case 'f': o.force = 1; break;
		case 'x': o.clear = 1; break;
		case 'k': o.key = optarg; break;
		case 'c': o.station_file = optarg; break;
		case 'T':
			o.timeout = (int)strtol(optarg, &end, 10);
			if (end == optarg || *end || o.timeout < 1 || o.timeout > 3600)
				return cli_usage_error(usage, _("--timeout %s: seconds, 1 to 3600"), optarg);
			break;
		case 'h':
			printf(_("usage: loaxactl [-c FILE] %s\n"), usage);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (!o.broker)
		return cli_usage_error(usage, _("which broker? give --broker mqtt://HOST:PORT or mqtts://HOST:PORT"));
	if (o.user && !o.password_file)
		return cli_usage_error(usage, _("--user needs --password-file FILE"));
	if (o.station && !id_valid(o.station))
		return cli_usage_error(usage, _("--station %s: not a station id"), o.station);
	if (o.district && !id_valid(o.district))
		return cli_usage_error(usage, _("district \"%s\" is not a district code (letters, digits, '.', '_', '-')"),
				   o.district);
	if (o.clear) {
		if (optind != argc)
			return cli_usage_error(usage, _("--clear takes no bundle file"));
		return bundle_publish(&o);
	}
	if (optind != argc - 1)
		return cli_usage_error(usage, optind >= argc ? _("which bundle? give NAME.conf") : _("one bundle at a time"));
	if (!o.webroot)
		return cli_usage_error(usage, _("where do the stations fetch the audio? give --webroot DIR"));
	o.conf = argv[optind];
	return bundle_publish(&o);
}

int cmd_bundle(int argc, char **argv, const char *station_file)
{
	const char *usage = "bundle make SCHEDULE --audio DIR -o OUTDIR ... | bundle publish NAME.conf --broker URL --webroot DIR ...";
	if (argc < 2)
		return cli_usage_error(usage, _("which bundle command? make or publish"));
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		printf(_("usage: loaxactl [-c FILE] %s\n"), usage);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "make"))
		return cmd_bundle_make(argc - 1, argv + 1, station_file);
	if (!strcmp(argv[1], "publish"))
		return cmd_bundle_publish(argc - 1, argv + 1, station_file);
	return cli_usage_error(usage, _("unknown bundle command \"%s\""), argv[1]);
}
