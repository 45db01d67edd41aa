/* loaxactl: the tool for commune staff and district officers. Daemon
 * commands go over the control socket; schedule, catalog and journal
 * commands read the files directly, so they work offline on a copied
 * folder. Exit status: 0 ok, 1 bad input or state, 2 wrong usage. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asrun.h"
#include "bundle.h"
#include "cli.h"
#include "bundle_cli.h"
#include "civil.h"
#include "config.h"
#include "control.h"
#include "ctlview.h"
#include "jfolder.h"
#include "kv.h"
#include "journal.h"
#include "library.h"
#include "model.h"
#include "record.h"
#include "report_cli.h"
#include "fleet_cli.h" /* issue 13 */
#include "schedule.h"
#include "textout.h"
#include "util.h"
#include "validate.h"
#include "i18n.h"
#include "web_users.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

#define DEFAULT_CONF "/etc/loaxa/loaxa.conf"
#define PROG "loaxactl"

#define CSV_HEADER                                                                                 \
	"station_id,commune_code,occurrence,due,started,ended,bulletin_id,campaign_id,outcome,"    \
	"seconds_played,seconds_expected,zones,detail,heard_seconds" /* issue 19: after detail */

static const char *conf_path;
static int conf_named; /* -c or $LOAXA_CONF: not just the default */
static struct station st;

/* ---- usage and messages ---- */

/* printf format: %s is the default station file. */
static const char usage_text[] =
	N_("usage: loaxactl [-c FILE] COMMAND [ARGS]\n"
	"       loaxactl --help | --version\n"
	"\n"
	"Daemon (through its control socket):\n"
	"  status [--fields]               what is playing, what is next (--fields: as key=value)\n"
	"  play ID [--emergency]           play a bulletin now\n"
	"  stop                            stop what is playing\n"
	"  reload                          re-read the schedule, the library and the trusted keys\n"
	"\n"
	"Offline (reads the files directly):\n"
	"  schedule check FILE             validate a schedule against this station\n"
	"  schedule verify FILE [--sig FILE.minisig]\n"
	"                                  check signature, serial, audio and schedule; install nothing\n"
	"  schedule install FILE [--sig FILE.minisig | --unsigned]\n"
	"                                  the same checks, then install it (with its audio) and\n"
	"                                  switch the running daemon to it\n"
	"  schedule show [--from DATE] [--days N] [--file FILE]\n"
	"                                  the plan, day by day (DATE is YYYY-MM-DD)\n"
	"  log [--from DATE] [--to DATE] [--format text|csv|json] [--bom] [--journal DIR]\n"
	"                                  the as-run log, one row per broadcast\n"
	"  log verify [--journal DIR] [--head HASH]\n"
	"                                  check the journal's hash chain (and that a head kept\n"
	"                                  from an earlier visit is still in it)\n"
	"  report [--month YYYY-MM | --from DATE --to DATE] [--format text|csv|json|html|pdf]\n"
	"         [--journal DIR] [--schedule FILE]... [--communes FILE] [--output FILE]\n"
	"         [--bom] [--issuer T] [--office T] [--place T] [--sign-for T] [--signer-title T]\n"
	"         [--signer NAME] [--recipients 'A;B'] [--date YYYY-MM-DD]\n"
	"                                  counts per campaign and month against the targets\n"
	"  rollup [--month YYYY-MM | --from DATE --to DATE] [--format text|csv|json|html|pdf]\n"
	"         [--district CODE] [--communes FILE] [--schedule FILE]... [--jobs N]\n"
	"         [--output FILE] [--bom] [--issuer T] ... (as report) DIR...\n"
	"                                  many stations' journal folders: communes meeting\n"
	"                                  each target (needs no -c)\n"
	"  (--journal DIR and rollup's DIR: a copied journal folder, a station folder, or a\n"
	"   folder of them such as a collector's mirror; no station file needed)\n"
	"  fleet status [MIRROR] [--format text|csv|json]\n"
	"                                  the district collector's stations: last heard, online,\n"
	"                                  lines behind, last fault, chain verdict (needs no -c)\n"
	"  bulletin add FILE --id ID --title TITLE [--campaign C] [--replace]\n"
	"                                  check an MP3/MP2 file and add it to the library\n"
	"  bulletin list [--ids]           the bulletin library, with each one's next play\n"
	"                                  (--ids: only the ids, one a line)\n"
	"  bulletin remove ID [--force]    take a bulletin out of the library\n"
	"  bulletin verify [--rebuild]     re-check every file; --rebuild remakes the catalog\n"
	"  bundle make SCHEDULE --audio DIR -o OUTDIR [--district CODE] [--station ID]...\n"
	"         [--serial N] [--title ID=TEXT]...\n"
	"                                  the department: a bundle ready to sign (serial, district,\n"
	"                                  files section); each file checked as bulletin add does;\n"
	"                                  with -c, also as that station would check it\n"
	"  bundle publish NAME.conf --broker URL [--user U --password-file F] [--ca-file F]\n"
	"         --webroot DIR [--station ID] [--key FILE.pub] [--force] | --clear --district CODE\n"
	"                                  a signed bundle on the fleet link: its audio into DIR,\n"
	"                                  the schedule retained on the district's topic\n"
	"  web user add NAME [--role staff|viewer]\n"
	"                                  an account for the web page (loaxa-web); the\n"
	"                                  password is read from the terminal\n"
	"  help                            this text\n"
	"\n"
	"-c FILE, --config FILE\n"
	"           station file (default: $LOAXA_CONF, else %s)\n"
	"--help     this text; COMMAND --help: that command's usage\n"
	"--version  the version of loaxactl\n");

/* "1 campaign", "3 campaigns": fmt comes from ngettext(). Returns buf. */
static const char *plural(char *buf, size_t n, const char *fmt, size_t k) __attribute__((format(printf, 3, 0)));
static const char *plural(char *buf, size_t n, const char *fmt, size_t k)
{
	snprintf(buf, n, fmt, k);
	return buf;
}


static int help(const char *usage)
{
	printf(_("usage: loaxactl [-c FILE] %s\n"), usage);
	return EXIT_OK;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* "schedule show ...": argv[1] names the subcommand, run with argv from it. */
static int dispatch(int argc, char **argv, const struct command *subs, size_t n, const char *usage)
{
	if (argc < 2)
		return cli_usage_error(usage, _("%s what?"), argv[0]);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return help(usage);
	return cli_usage_error(usage, _("unknown %s command \"%s\""), argv[0], argv[1]);
}

/* getopt_long over a subcommand's argv (argv[0] = its name). Returns the
 * option, -1 at the end, or '?' after printing a usage error. */
static int next_opt(int argc, char **argv, const char *shortopts, const struct option *lo,
		    const char *usage)
{
	opterr = 0;
	int c = getopt_long(argc, argv, shortopts, lo, NULL);
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

static void print_errs(const struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->msg[i]);
}

/* Load the station file and set the process time zone. 0, or -1 after
 * printing every problem. */
static int load_station(void)
{
	struct errlist errs = {0};
	if (config_load_station(conf_path, &st, &errs) < 0) {
		print_errs(&errs);
		if (!errs.n)
			cli_err(_("%s: cannot load the station file"), conf_path);
		errlist_free(&errs);
		return -1;
	}
	errlist_free(&errs);
	if (civil_tz_set(st.timezone) < 0) {
		cli_err(_("%s: time zone \"%s\" is not installed (install tzdata)"), conf_path, st.timezone);
		return -1;
	}
	return 0;
}

static void catalog_path(char *out, size_t n)
{
	snprintf(out, n, "%s/catalog.conf", st.library);
}

/* ---- daemon commands ---- */

/* No one answers on the socket: say how to start loaxad from where this
 * loaxactl runs. A loaxad beside it outside the system folders is a
 * checkout's build (or an unpacked tree): start that one, in the foreground. */
static void not_running(void)
{
	char exe[PATHBUF], d[PATHBUF + 16];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (l > 0) {
		exe[l] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(d, sizeof(d), "%s/loaxad", exe);
			if (strncmp(exe, "/usr/", 5) && strcmp(exe, "/bin") && strcmp(exe, "/sbin") &&
			    access(d, X_OK) == 0) {
				cli_err(_("loaxad is not running (no one answers on %s); start it from here with: %s -c %s"),
				       st.control, d, conf_path);
				return;
			}
		}
	}
	cli_err(_("loaxad is not running (no one answers on %s); start it with: systemctl start loaxad"), st.control);
}

/* control_request with "lang=LANG" added when this program speaks a
 * language other than English (docs/CONTROL.md): the daemon then adds
 * message=, its error in that language. Only for what people read. */
static int ask_daemon(const char *req, char **reply, char *err, size_t errn)
{
	char lang[CONTROL_LANG_MAX + 1], line[CONTROL_REQ_MAX];
	i18n_language(lang, sizeof(lang));
	if (!lang[0])
		return control_request(st.control, req, reply, err, errn);
	snprintf(line, sizeof(line), "%s lang=%s", req, lang);
	return control_request(st.control, line, reply, err, errn);
}

/* A refusal's words for people: message= when the daemon gave one, else
 * error= through the catalogue: the socket's own refusals (full, evicted,
 * timed out) are fixed texts, sent before the request's lang= is read. */
static void refusal(const char *reply, char *out, size_t n)
{
	if (kv_get(reply, "message", out, n) == 0 && out[0])
		return;
	if (kv_get(reply, "error", out, n) < 0 || !out[0])
		return;
	const char *t = _(out);
	if (t != out)
		str_copy(out, t, n);
}

/* Send req, render the structured reply (ctlview.c). fields: print the
 * reply's fields as they are ("key=value" lines) instead. */
static int daemon_request_as(const char *req, int fields)
{
	if (load_station() < 0)
		return EXIT_FAIL;
	char *reply = NULL, err[512];
	errno = 0;
	if ((fields ? control_request(st.control, req, &reply, err, sizeof(err))
		    : ask_daemon(req, &reply, err, sizeof(err))) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			not_running();
		else
			cli_err("%s", err);
		return EXIT_FAIL;
	}
	int ok = kv_ok(reply), rc = EXIT_OK;
	char cmd[16] = "";
	sscanf(req, "%15s", cmd);
	if (ok < 0) {
		cli_err(_("unexpected answer from loaxad on %s (not a loaxa=%s reply): \"%.80s\""), st.control, KV_VERSION,
		       reply);
		rc = EXIT_FAIL;
	} else if (!ok) {
		char e[1024] = "";
		refusal(reply, e, sizeof(e));
		cli_err("%s", *e ? e : _("loaxad refused the request without saying why"));
		rc = EXIT_FAIL;
	} else if (fields) {
		fputs(reply, stdout);
	} else {
		ctlview_render(cmd, reply, stdout);
	}
	free(reply);
	return rc;
}

static int daemon_request(const char *req)
{
	return daemon_request_as(req, 0);
}

/* status, stop, reload: no arguments (status: --fields). */
static int cmd_simple(int argc, char **argv)
{
	static const struct option lo[] = {{"help", no_argument, NULL, 'h'}, {"fields", no_argument, NULL, 'F'}, {0}};
	const char *usage = !strcmp(argv[0], "status") ? "status [--fields]" : argv[0];
	int c, fields = 0;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		if (c == 'h')
			return help(usage);
		if (c == 'F' && !strcmp(argv[0], "status")) {
			fields = 1;
			continue;
		}
		if (c == 'F')
			return cli_usage_error(usage, _("--fields is for status only"));
		return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error(usage, _("%s takes no arguments"), argv[0]);
	return daemon_request_as(argv[0], fields);
}

static int cmd_play(int argc, char **argv)
{
	static const struct option lo[] = {
		{"emergency", no_argument, NULL, 'e'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *usage = "play ID [--emergency]";
	int c, emergency = 0;
	optind = 0;
	while ((c = next_opt(argc, argv, ":eh", lo, usage)) != -1) {
		if (c == 'e')
			emergency = 1;
		else if (c == 'h')
			return help(usage);
		else
			return EXIT_USAGE;
	}
	if (optind != argc - 1)
		return cli_usage_error(usage, optind >= argc ? _("which bulletin? give its ID")
							 : _("play takes one bulletin ID"));
	const char *id = argv[optind];
	if (!id_valid(id)) {
		cli_err(_("\"%s\" is not a bulletin id (letters, digits, '.', '_', '-'; see loaxactl bulletin list)"),
		       id);
		return EXIT_FAIL;
	}
	char req[CONTROL_REQ_MAX];
	snprintf(req, sizeof(req), "play %s%s", id, emergency ? " emergency" : "");
	return daemon_request(req);
}

/* ---- schedule ---- */

/* Load and validate a schedule. cat: the library to check bulletins
 * against (NULL: not checked). Prints problems; 0 or -1 (s freed). */
static int schedule_load_checked(const char *path, struct schedule *s, const struct catalog *cat,
				 struct errlist *errs)
{
	/* One pass (issue 16): field errors and references together. */
	int r = config_load_schedule_all(path, s, errs);
	if (r < 0)
		return -1;
	if (validate_schedule(s, &st, cat, errs) > 0 || r > 0) {
		schedule_free(s);
		return -1;
	}
	return 0;
}

static void report_problems(const struct errlist *errs, const char *file)
{
	print_errs(errs);
	size_t n = errs->n ? errs->n : 1;
	fprintf(stderr, ngettext("%zu problem in %s\n", "%zu problems in %s\n", n), n, file);
}

static int cmd_schedule_check(int argc, char **argv)
{
	static const struct option lo[] = {{"help", no_argument, NULL, 'h'}, {0}};
	const char *usage = "schedule check FILE";
	int c;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		if (c == 'h')
			return help(usage);
		return EXIT_USAGE;
	}
	if (optind != argc - 1)
		return cli_usage_error(usage, optind >= argc ? _("which schedule file?")
							 : _("schedule check takes one file"));
	const char *file = argv[optind];
	if (load_station() < 0)
		return EXIT_FAIL;

	struct errlist errs = {0};
	struct catalog cat;
	char cp[PATHBUF + 16];
	catalog_path(cp, sizeof(cp));
	int cat_ok = catalog_load(cp, &cat, &errs) == 0;
	/* A broken catalog is reported; bulletins are then not checked, as
	 * the list of what the library holds is not known. */
	struct schedule s;
	int rc = EXIT_OK;
	/* Its files section (a bundle before signing): every entry against
	 * the file beside it, and the bulletins it brings count as in the
	 * library for the validation. */
	struct bundle_file *files = NULL;
	size_t nfiles = 0, nadd = 0;
	struct errlist ferrs = {0};
	int fr = config_load_bundle_files_all(file, &files, &nfiles, &ferrs);
	/* A file that does not parse: the schedule's own reading says why, better. */
	for (size_t i = 0; fr >= 0 && i < ferrs.n; i++)
		errlist_put(&errs, ferrs.en[i], ferrs.msg[i]);
	errlist_free(&ferrs);
	fr = fr > 0;
	struct catalog merged = {0};
	if (cat_ok) {
		merged.items = xcalloc(cat.n + nfiles + 1, sizeof(*merged.items));
		if (cat.n)
			memcpy(merged.items, cat.items, cat.n * sizeof(*cat.items));
		merged.n = cat.n;
	}
	struct bulletin *add = xcalloc(nfiles + 1, sizeof(*add));
	struct errlist warns = {0};
	if (nfiles) {
		char dir[PATHBUF];
		path_dirname(file, dir, sizeof(dir));
		bundle_check_files(&st, file, files, nfiles, dir, cat_ok ? &cat : NULL, (int64_t)time(NULL),
				   add, &nadd, &errs, &warns);
		for (size_t i = 0; i < warns.n; i++)
			fprintf(stderr, _("%s: warning: %s\n"), PROG, warns.msg[i]);
		if (cat_ok)
			for (size_t i = 0; i < nadd; i++)
				merged.items[merged.n++] = add[i];
		/* An entry already reported is not "missing from the library" too. */
		for (size_t i = 0; cat_ok && i < nfiles; i++)
			if (!catalog_find(&merged, files[i].bulletin))
				str_copy(merged.items[merged.n++].id, files[i].bulletin, ID_MAX);
	}
	size_t nerr_files = errs.n;
	int sched_ok = schedule_load_checked(file, &s, cat_ok ? &merged : NULL, &errs) == 0;
	if (sched_ok && (fr != 0 || nerr_files)) {
		schedule_free(&s);
		sched_ok = 0;
	}
	free(merged.items);
	free(add);
	free(files);
	errlist_free(&warns);
	/* The files section and the schedule read the same file: each problem once. */
	size_t k = 0;
	for (size_t i = 0; i < errs.n; i++) {
		int dup = 0;
		for (size_t j = 0; j < k && !dup; j++)
			dup = !strcmp(errs.msg[j], errs.msg[i]);
		if (dup) {
			free(errs.msg[i]);
			free(errs.en[i]);
		} else {
			errs.en[k] = errs.en[i];
			errs.msg[k++] = errs.msg[i];
		}
	}
	errs.n = k;
	if (sched_ok && cat_ok) {
		char a[64], b[64], d[64];
		printf(_("%s: serial %lld, %s, %s, %s: OK\n"), file, s.serial,
		       plural(a, sizeof(a), ngettext("%zu campaign", "%zu campaigns", s.ncampaigns), s.ncampaigns),
		       plural(b, sizeof(b), ngettext("%zu slot", "%zu slots", s.nslots), s.nslots),
		       plural(d, sizeof(d), ngettext("%zu blackout", "%zu blackouts", s.nblackouts), s.nblackouts));
	} else {
		report_problems(&errs, file);
		rc = EXIT_FAIL;
	}
	if (sched_ok)
		schedule_free(&s);
	catalog_free(&cat);
	errlist_free(&errs);
	return rc;
}

struct rot_ctx {
	const struct schedule *s;
	size_t *rot;
};

/* Rotation continues after the last bulletin each campaign attempted. */
static int rot_record(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	struct rot_ctx *x = ctx;
	if (strcmp(r->event, "start") && strcmp(r->event, "failed"))
		return 0;
	const char *camp = record_get(r, "campaign");
	const char *bul = record_get(r, "bulletin");
	if (!camp || !*camp || !bul ||
	    !schedule_record_rotates(x->s, record_get(r, "occ"), record_get(r, "rotation")))
		return 0;
	ssize_t ci = schedule_campaign_index(x->s, camp);
	if (ci >= 0)
		x->rot[ci] = schedule_rotation_after(&x->s->campaigns[ci], bul);
	return 0;
}

static const char *const vi_weekday[7] = {"Thứ Hai", "Thứ Ba",  "Thứ Tư",  "Thứ Năm",
					  "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"};

static void zones_text(uint32_t z, char *buf, size_t n, char sep)
{
	if (!z) {
		str_copy(buf, "all", n);
		return;
	}
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < MAX_ZONES; i++) {
		if (!(z & (1u << i)))
			continue;
		int w = len ? snprintf(buf + len, n - len, "%c%d", sep, i + 1)
			    : snprintf(buf, n, "%d", i + 1);
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
}

static int32_t local_day(int64_t t, int *sod)
{
	int32_t day;
	int s, off;
	civil_tz_local(t, &day, &s, &off);
	if (sod)
		*sod = s;
	return day;
}

static int cmd_schedule_show(int argc, char **argv)
{
	static const struct option lo[] = {{"from", required_argument, NULL, 'f'},
					   {"days", required_argument, NULL, 'd'},
					   {"file", required_argument, NULL, 's'},
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "schedule show [--from DATE] [--days N] [--file FILE]";
	const char *from_s = NULL, *file = NULL;
	long days = 7;
	int c;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		char *end;
		switch (c) {
		case 'f':
			from_s = optarg;
			break;
		case 's':
			file = optarg;
			break;
		case 'd':
			errno = 0;
			days = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || days < 1 || days > 366)
				return cli_usage_error(usage, _("--days takes a number of days from 1 to 366, not \"%s\""),
						   optarg);
			break;
		case 'h':
			return help(usage);
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(usage, _("unexpected argument \"%s\""), argv[optind]);
	int32_t from_day = 0;
	if (from_s && civil_parse_date(from_s, &from_day) < 0)
		return cli_usage_error(usage, _("--from takes a date YYYY-MM-DD, not \"%s\""), from_s);
	if (load_station() < 0)
		return EXIT_FAIL;
	if (!file)
		file = st.schedule;
	int64_t now = (int64_t)time(NULL);
	if (!from_s)
		from_day = local_day(now, NULL);

	/* The plan is shown even when bulletins are missing from the library:
	 * those occurrences are marked, as they would fail. */
	struct errlist errs = {0};
	struct catalog cat;
	char cp[PATHBUF + 16];
	catalog_path(cp, sizeof(cp));
	int cat_ok = catalog_load(cp, &cat, &errs) == 0;
	if (!cat_ok) {
		print_errs(&errs);
		errlist_free(&errs);
		fprintf(stderr, _("%s: the library's catalog has problems; bulletins are not checked\n"), PROG);
	}
	struct schedule s;
	if (schedule_load_checked(file, &s, NULL, &errs) < 0) {
		report_problems(&errs, file);
		errlist_free(&errs);
		catalog_free(&cat);
		return EXIT_FAIL;
	}
	errlist_free(&errs);

	size_t *rot = xcalloc(s.ncampaigns + 1, sizeof(*rot));
	struct rot_ctx rx = {&s, rot};
	struct journal_scan_result res;
	char err[512];
	if (journal_scan(st.journal, NULL, NULL, rot_record, NULL, &rx, &res, err, sizeof(err)) < 0) {
		if (errno != ENOENT)
			fprintf(stderr, _("%s: %s (rotations start at the first bulletin)\n"), PROG, err);
	} else if (res.problems) {
		fprintf(stderr,
			ngettext("%s: the journal has %zu problem (see loaxactl log verify); first: %s\n",
				 "%s: the journal has %zu problems (see loaxactl log verify); first: %s\n", res.problems),
			PROG, res.problems, res.first_bad);
	}

	/* Expanded a day at a time so that memory stays small on a long plan;
	 * rot carries the rotations from one day to the next. */
	int64_t from_t = civil_tz_instant(from_day, 0);
	int64_t t = now;
	while (t < from_t) { /* what plays until then moves the rotations on */
		int64_t u = t + 7 * 86400 < from_t ? t + 7 * 86400 : from_t;
		struct occurrence *occ = NULL;
		if (schedule_expand(&s, t, u, rot, 0, &occ) < 0)
			break;
		free(occ);
		t = u;
	}

	int wb = 8, wc = 1, wz = 3, l;
	char z[160];
	for (size_t i = 0; i < s.ncampaigns; i++) {
		l = (int)strlen(s.campaigns[i].id);
		wc = l > wc ? l : wc;
		for (size_t k = 0; k < s.campaigns[i].nbulletins; k++)
			if ((l = (int)strlen(s.campaigns[i].bulletins[k])) > wb)
				wb = l;
	}
	for (size_t i = 0; i < s.nslots; i++) {
		for (size_t k = 0; k < s.slots[i].nbulletins; k++)
			if ((l = (int)strlen(s.slots[i].bulletins[k])) > wb)
				wb = l;
		zones_text(s.slots[i].zones, z, sizeof(z), ',');
		if ((l = (int)strlen(z)) > wz)
			wz = l;
	}

	char d1[11], d2[11];
	civil_format_date(from_day, d1);
	civil_format_date(from_day + (int32_t)days - 1, d2);
	printf(_("%s (%s), commune %s\n"), st.name, st.id, st.commune_code);
	printf(_("schedule %s, serial %lld\n"), file, s.serial);
	printf(ngettext("plan %s to %s, %ld day, times in %s\n", "plan %s to %s, %ld days, times in %s\n",
			(unsigned long)days),
	       d1, d2, days, st.timezone);
	size_t total = 0, blacked = 0, missing = 0;
	int rc = EXIT_OK;
	for (int32_t day = from_day; day < from_day + (int32_t)days; day++) {
		char ds[11];
		int wd = civil_weekday(day);
		civil_format_date(day, ds);
		printf("\n%s %s (%s)\n", vi_weekday[wd], ds, civil_weekday_name(wd));
		struct occurrence *occ = NULL;
		ssize_t n = schedule_expand(&s, civil_tz_instant(day, 0), civil_tz_instant(day + 1, 0),
					    rot, EXPAND_SUPPRESSED, &occ);
		if (n < 0) {
			cli_err(_("cannot expand %s: %s"), file, strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			const struct occurrence *o = &occ[i];
			char hm[6];
			int sod;
			local_day(o->due, &sod);
			civil_format_hhmm(sod / 60, hm);
			zones_text(o->zones, z, sizeof(z), ',');
			printf(_("  %s  %-*s  campaign %-*s  zones %-*s  x%d  %-9s  slot %s"), hm, wb,
			       o->bulletin, wc, o->campaign[0] ? o->campaign : "-", wz, z, o->repeat,
			       level_name(o->level), o->id);
			if (o->blackout) {
				printf(_("  (blackout: %s, will not play)"), o->blackout);
				blacked++;
			} else if (cat_ok && !catalog_find(&cat, o->bulletin)) {
				printf(_("  (not in the library: will fail)"));
				missing++;
			}
			putchar('\n');
		}
		if (!n)
			puts(_("  (nothing scheduled)"));
		total += (size_t)n;
		free(occ);
	}
	if (rc == EXIT_OK) {
		printf(ngettext("\n%zu broadcast planned", "\n%zu broadcasts planned", total), total);
		if (blacked)
			printf(_(", %zu in blackouts"), blacked);
		if (missing)
			printf(_(", %zu with a bulletin missing from the library (%s)"), missing, cp);
		putchar('\n');
	}
	free(rot);
	schedule_free(&s);
	catalog_free(&cat);
	return rc;
}

/* ---- schedule install / verify (signed push by hand; docs/PUSH.md) ---- */

static int last_installed(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	if (!strcmp(r->event, "schedule-installed")) {
		const char *sr = record_get(r, "serial");
		*(long long *)ctx = sr ? atoll(sr) : 0;
	}
	return 0;
}

/* The serial the station runs: the greatest of what the daemon says and
 * the last schedule-installed in the journal (the installed file's own
 * serial is checked by bundle_install). */
static long long running_serial(int *daemon_up)
{
	long long serial = 0, js = 0;
	char *reply = NULL, err[512];
	*daemon_up = 0;
	if (control_request(st.control, "status", &reply, err, sizeof(err)) == 0) {
		*daemon_up = 1;
		char v[32];
		if (kv_ok(reply) == 1 && kv_get(reply, "schedule.serial", v, sizeof(v)) == 0)
			serial = atoll(v);
	}
	free(reply);
	struct journal_scan_result res;
	if (journal_scan(st.journal, NULL, NULL, last_installed, NULL, &js, &res, err, sizeof(err)) == 0 &&
	    js > serial)
		serial = js;
	return serial;
}

/* The journal's outcome names (asrun.c) in words, for text output. */
static const char *const outcome_words[OUT__N] = {N_("aired"), N_("partial"), N_("interrupted"),
						   N_("failed"), N_("missed"), N_("unheard")};

/* Text columns are counted in code points, not bytes (Vietnamese in NFC
 * has no combining marks): s padded to width, on the left or the right. */
static int cols_of(const char *s)
{
	int cols = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		cols += (*p & 0xc0) != 0x80;
	return cols;
}

static void put_col(const char *s, int width, int right)
{
	int cols = cols_of(s);
	for (; right && cols < width; cols++)
		putchar(' ');
	fputs(s, stdout);
	for (; cols < width; cols++)
		putchar(' ');
}

/* The log's outcome column: as wide as its widest word in this language. */
static int outcome_col(void)
{
	int w = 11;
	for (int o = 0; o < OUT__N; o++) {
		int cols = cols_of(_(outcome_words[o]));
		w = cols > w ? cols : w;
	}
	return w;
}

static void print_bundle_errs(const struct errlist *warns, const struct errlist *errs)
{
	for (size_t i = 0; i < warns->n; i++)
		fprintf(stderr, _("%s: warning: %s\n"), PROG, warns->msg[i]);
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s: %s\n", PROG, errs->msg[i]);
}

static void print_signer(const struct bundle_result *r)
{
	if (strcmp(r->signer, BUNDLE_UNSIGNED))
		printf(_("signed by key %s; trusted comment: %s\n"), r->signer, r->comment);
	else
		printf(_("not signed\n"));
}

/* Shared option parsing: FILE, --sig SIG, --unsigned (install only). */
static int schedule_bundle_args(int argc, char **argv, const char *usage, int allow_unsigned,
				const char **file, const char **sig, int *unsig, char *defsig, size_t dn)
{
	static const struct option lo[] = {{"sig", required_argument, NULL, 's'},
					   {"unsigned", no_argument, NULL, 'u'},
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	int c;
	*sig = NULL;
	*unsig = 0;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		if (c == 's')
			*sig = optarg;
		else if (c == 'u' && allow_unsigned)
			*unsig = 1;
		else if (c == 'u')
			return cli_usage_error(usage, _("--unsigned is only for schedule install"));
		else if (c == 'h')
			return help(usage) + 100;
		else
			return EXIT_USAGE;
	}
	if (optind != argc - 1)
		return cli_usage_error(usage, optind >= argc ? _("which schedule file?") : _("one schedule file at a time"));
	*file = argv[optind];
	if (*sig && *unsig)
		return cli_usage_error(usage, _("give --sig or --unsigned, not both"));
	if (!*sig && !*unsig) {
		/* The usual name, when it is there. */
		snprintf(defsig, dn, "%s.minisig", *file);
		if (access(defsig, F_OK) == 0)
			*sig = defsig;
		else
			return cli_usage_error(usage, _("%s has no signature %s: give --sig FILE.minisig%s"), *file, defsig,
					   allow_unsigned ? _(", or --unsigned to install a local schedule") : "");
	}
	return -1;
}

static int cmd_schedule_verify(int argc, char **argv)
{
	const char *usage = "schedule verify FILE [--sig FILE.minisig]";
	const char *file, *sig;
	int unsig;
	char defsig[PATHBUF + 16];
	int r = schedule_bundle_args(argc, argv, usage, 0, &file, &sig, &unsig, defsig, sizeof(defsig));
	if (r >= 0)
		return r >= 100 ? EXIT_OK : r;
	if (load_station() < 0)
		return EXIT_FAIL;
	struct errlist errs = {0}, warns = {0};
	struct bundle_result res;
	char inst_sha[65] = "";
	if (sha256_file(st.schedule, inst_sha) < 0)
		inst_sha[0] = '\0';
	int up;
	struct bundle_request rq = {.conf = file, .sig = sig, .running_serial = running_serial(&up),
				    .final = 1, .dry_run = 1, .now = (int64_t)time(NULL)};
	enum bundle_status bs = bundle_install(&st, &rq, &res, &errs, &warns);
	int rc = EXIT_OK;
	if (bs == BUNDLE_REJECTED && inst_sha[0] && !strcmp(res.sha256, inst_sha) && errs.n == 1 &&
	    strstr(errs.msg[0], "is not greater than the running serial")) {
		/* The schedule in force: signed (or not) as checked above. */
		printf(_("%s is the schedule in force: serial %lld, SHA-256 %.12s...\n"), file, res.serial,
		       res.sha256);
		print_signer(&res);
	} else if (bs == BUNDLE_OK) {
		print_bundle_errs(&warns, &errs);
		char a[64], b[64], d[64];
		printf(_("%s: serial %lld, %s, %s, %s (%zu new to the library): OK, this station would install it\n"),
		       file, res.serial,
		       plural(a, sizeof(a), ngettext("%zu campaign", "%zu campaigns", res.ncampaigns), res.ncampaigns),
		       plural(b, sizeof(b), ngettext("%zu slot", "%zu slots", res.nslots), res.nslots),
		       plural(d, sizeof(d), ngettext("%zu audio file", "%zu audio files", res.nfiles), res.nfiles),
		       res.ncopied);
		print_signer(&res);
	} else {
		print_bundle_errs(&warns, &errs);
		fprintf(stderr, _("%s: %s would be refused: %s\n"), PROG, file, errs.n ? errs.msg[0] : "?");
		rc = EXIT_FAIL;
	}
	errlist_free(&errs);
	errlist_free(&warns);
	return rc;
}

static int cmd_schedule_install(int argc, char **argv)
{
	const char *usage = "schedule install FILE [--sig FILE.minisig | --unsigned]";
	const char *file, *sig;
	int unsig;
	char defsig[PATHBUF + 16];
	int r = schedule_bundle_args(argc, argv, usage, 1, &file, &sig, &unsig, defsig, sizeof(defsig));
	if (r >= 0)
		return r >= 100 ? EXIT_OK : r;
	if (load_station() < 0)
		return EXIT_FAIL;
	if (unsig && st.ntrust_keys)
		fprintf(stderr, _("%s: warning: installing an UNSIGNED schedule; the journal and loaxactl status will show it as unsigned\n"),
			PROG);
	struct errlist errs = {0}, warns = {0};
	struct bundle_result res;
	char inst_sha[65] = "";
	if (sha256_file(st.schedule, inst_sha) < 0)
		inst_sha[0] = '\0';
	int up;
	struct bundle_request rq = {.conf = file, .sig = unsig ? NULL : sig,
				    .running_serial = running_serial(&up), .running_sha = inst_sha,
				    .final = 1, .now = (int64_t)time(NULL)};
	enum bundle_status bs = bundle_install(&st, &rq, &res, &errs, &warns);
	print_bundle_errs(&warns, &errs);
	int rc = EXIT_OK;
	if (bs == BUNDLE_SAME) {
		printf(_("%s is already the schedule in force; nothing to do\n"), file);
	} else if (bs != BUNDLE_OK) {
		fprintf(stderr, _("%s: %s was not installed; the schedule in force is unchanged\n"), PROG, file);
		rc = EXIT_FAIL;
	} else {
		char a[64], b[64], d[64];
		printf(_("installed %s as %s: serial %lld, %s, %s; %s\n"), file, st.schedule, res.serial,
		       plural(a, sizeof(a), ngettext("%zu campaign", "%zu campaigns", res.ncampaigns), res.ncampaigns),
		       plural(b, sizeof(b), ngettext("%zu slot", "%zu slots", res.nslots), res.nslots),
		       plural(d, sizeof(d),
			      ngettext("%zu new bulletin copied into the library",
				       "%zu new bulletins copied into the library", res.ncopied),
			      res.ncopied));
		print_signer(&res);
		char *reply = NULL, err[512];
		if (ask_daemon("reload", &reply, err, sizeof(err)) < 0) {
			printf(_("%s; it takes the new schedule when it starts\n"), err);
		} else if (kv_ok(reply) == 1) {
			printf(_("loaxad has switched to serial %lld\n"), res.serial);
		} else {
			char e[1024] = "";
			refusal(reply, e, sizeof(e));
			fprintf(stderr, _("%s: loaxad did not take it: %s\n"), PROG, *e ? e : reply);
			rc = EXIT_FAIL;
		}
		free(reply);
	}
	errlist_free(&errs);
	errlist_free(&warns);
	return rc;
}

static int cmd_schedule(int argc, char **argv)
{
	static const struct command subs[] = {
		{"check", cmd_schedule_check},     {"verify", cmd_schedule_verify},
		{"install", cmd_schedule_install}, {"show", cmd_schedule_show},
	};
	return dispatch(argc, argv, subs, ARRAY_LEN(subs),
			"schedule check FILE | verify FILE [--sig SIG] | install FILE [--sig SIG | --unsigned] | show [--from DATE] [--days N] [--file FILE]");
}

/* ---- log ---- */

enum fmt { FMT_TEXT, FMT_CSV, FMT_JSON };

struct log_ctx {
	struct asrun *a;
	enum fmt fmt;
	int have_from, have_to;
	int64_t from_t, to_t; /* [from_t, to_t) */
	size_t rows;
	size_t count[OUT__N];
	char **open;          /* occurrences started and not yet ended */
	size_t nopen;
};

static void seconds_text(double s, char *buf, size_t n)
{
	snprintf(buf, n, "%.3f", s);
	char *dot = strchr(buf, '.');
	if (!dot)
		return;
	char *e = buf + strlen(buf) - 1;
	while (e > dot && *e == '0')
		*e-- = '\0';
	if (e == dot)
		*e = '\0';
}

static void time_text(int64_t t, int off, char *buf)
{
	if (t)
		civil_format_iso_offset(t, off, buf);
	else
		buf[0] = '\0';
}




#define NCOLS 14
static const char *const col_names[NCOLS] = {
	"station_id",   "commune_code", "occurrence",     "due",      "started",
	"ended",        "bulletin_id",  "campaign_id",    "outcome",  "seconds_played",
	"seconds_expected", "zones",    "detail",
	"heard_seconds"}; /* issue 19: seconds the monitor heard; empty / null without one */

static void print_row(struct log_ctx *x, const struct broadcast *b)
{
	char due[32], started[32], ended[32], played[32], expected[32], zones[sizeof(b->zones)];
	char heard[32] = "";
	if (b->heard_known)
		snprintf(heard, sizeof(heard), "%.0f", b->heard_seconds);
	time_text(b->due, b->due_off, due);
	time_text(b->started, b->started_off, started);
	time_text(b->ended, b->ended_off, ended);
	seconds_text(b->seconds_played, played, sizeof(played));
	seconds_text(b->seconds_expected, expected, sizeof(expected));
	str_copy(zones, b->zones, sizeof(zones));
	for (char *p = zones; *p; p++)
		if (*p == ',' || *p == ' ')
			*p = ';';

	if (x->fmt == FMT_TEXT) {
		int64_t t = b->due ? b->due : b->started ? b->started : b->ended;
		int off = b->due ? b->due_off : b->started ? b->started_off : b->ended_off;
		char when[32];
		time_text(t, off, when);
		if (when[0]) {
			when[10] = ' ';
			when[16] = '\0';
		}
		char secs[80], detail[sizeof(b->detail)];
		snprintf(secs, sizeof(secs), "%s/%s", played, expected);
		str_copy(detail, b->detail, sizeof(detail));
		for (char *p = detail; *p; p++) /* one row, one line */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		printf("%-16s  ", when[0] ? when : "-");
		put_col((unsigned)b->outcome < OUT__N ? _(outcome_words[b->outcome]) : "?", outcome_col(), 0);
		printf("  %-20s  %-16s  %13s%s%s\n", b->bulletin[0] ? b->bulletin : "-",
		       b->campaign[0] ? b->campaign : "-", secs, detail[0] ? "  " : "", detail);
		return;
	}
	const char *v[NCOLS] = {b->station,  b->commune,  b->occurrence,
				due,         started,     ended,
				b->bulletin, b->campaign, outcome_name(b->outcome),
				played,      expected,    zones,
				b->detail,   heard};
	if (x->fmt == FMT_CSV) {
		for (int i = 0; i < NCOLS; i++) {
			if (i)
				putchar(',');
			if (i == 3 || i == 4 || i == 5 || i == 9 || i == 10 || i == 13)
				out_csv_field(stdout, v[i]); /* times and numbers formatted here */
			else
				out_csv_text(stdout, v[i]); /* from the journal: never a formula */
		}
		out_csv_end(stdout);
		return;
	}
	fputs(x->rows ? ",\n  {" : "\n  {", stdout);
	for (int i = 0; i < NCOLS; i++) {
		printf("%s\"%s\": ", i ? ", " : "", col_names[i]);
		if (i == 9 || i == 10 || (i == 13 && v[i][0]))
			fputs(v[i], stdout); /* seconds: numbers */
		else if (i == 13)
			fputs("null", stdout);
		else
			out_json_string(stdout, v[i]);
	}
	putchar('}');
}

static void log_row(void *ctx, const struct broadcast *b)
{
	struct log_ctx *x = ctx;
	int64_t t = b->due ? b->due : b->started ? b->started : b->ended;
	if ((x->have_from && t < x->from_t) || (x->have_to && t >= x->to_t))
		return;
	print_row(x, b);
	x->rows++;
	x->count[b->outcome < OUT__N ? b->outcome : OUT_PARTIAL]++;
}

static void open_remove(struct log_ctx *x, const char *occ)
{
	for (size_t i = 0; occ && i < x->nopen; i++) {
		if (!strcmp(x->open[i], occ)) {
			free(x->open[i]);
			x->open[i] = x->open[--x->nopen];
			return;
		}
	}
}

static int log_record(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	struct log_ctx *x = ctx;
	const char *occ = record_get(r, "occ");
	if (!strcmp(r->event, "start") && occ) {
		open_remove(x, occ);
		x->open = xrealloc(x->open, (x->nopen + 1) * sizeof(*x->open));
		x->open[x->nopen++] = xstrdup(occ);
	} else if (!strcmp(r->event, "end") || !strcmp(r->event, "interrupted")) {
		open_remove(x, occ);
	}
	asrun_feed(x->a, r);
	return 0;
}

static void print_problem(void *ctx, const struct journal_pos *pos, const char *what)
{
	fprintf(stderr, "%s:%zu: %s\n", pos->file, pos->line, what);
}

static void month_of(int32_t day, int delta, char out[24])
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	m += delta;
	if (m < 1)
		m += 12, y--;
	if (m > 12)
		m -= 12, y++;
	if (y < 0)
		y = 0, m = 1;
	if (y > 9999)
		y = 9999, m = 12;
	snprintf(out, 24, "%04d-%02d", y, m);
}

/* The journal folders a reading command works on: --journal PATH (a
 * journal folder, a station folder, or a folder of them: a copied folder or
 * a collector's mirror; no station file needed), else the station's own.
 * 0, or -1 after a message. */
static int journal_dirs(const char *journal, struct jfolder_list *l)
{
	if (!journal || conf_named) {
		if (load_station() < 0)
			return -1;
	} else {
		civil_tz_default();
	}
	if (!journal) {
		l->dir = xcalloc(1, sizeof(*l->dir));
		l->dir[0] = xstrdup(st.journal);
		l->n = l->cap = 1;
		return 0;
	}
	int n = jfolder_find(journal, l);
	if (n < 0) {
		cli_err(_("%s: cannot read: %s"), journal, strerror(errno));
		return -1;
	}
	if (n == 0) {
		cli_err(_("%s: no journal files (YYYY-MM.log) in it, in %s/journal, or in its subfolders"), journal,
		       journal);
		return -1;
	}
	return 0;
}

/* Where a head kept from an earlier visit is: the line some later line's
 * prev names, or the last line. */
struct head_find {
	uint8_t want[RECORD_HASH_LEN];
	int found;           /* 1: a later line links to it */
	size_t after;        /* records after it */
	char where[4200];    /* FILE:LINE of the line after it */
};

static int head_cb(void *ctx, const struct record *r, const struct journal_pos *pos)
{
	struct head_find *h = ctx;
	if (h->found) {
		h->after++;
	} else if (!memcmp(r->prev, h->want, RECORD_HASH_LEN)) {
		h->found = 1;
		h->after = 1;
		snprintf(h->where, sizeof(h->where), "%s:%zu", pos->file, pos->line);
	}
	return 0;
}

static int cmd_log_verify(int argc, char **argv)
{
	static const struct option lo[] = {{"journal", required_argument, NULL, 'j'},
					   {"head", required_argument, NULL, 'H'},
					   {"help", no_argument, NULL, 'h'}, {0}};
	const char *usage = "log verify [--journal DIR] [--head HASH]";
	const char *journal = NULL, *want = NULL;
	int c;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		if (c == 'j') {
			journal = optarg;
			continue;
		}
		if (c == 'H') {
			want = optarg;
			continue;
		}
		if (c == 'h')
			return help(usage);
		return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error(usage, _("unexpected argument \"%s\""), argv[optind]);
	struct head_find hf = {0};
	if (want && (strlen(want) != RECORD_HASH_LEN * 2 || hex_decode(want, hf.want, RECORD_HASH_LEN) < 0))
		return cli_usage_error(usage, _("--head takes the 64 hex digits log verify printed as the chain head"));
	struct jfolder_list dirs = {0};
	if (journal_dirs(journal, &dirs) < 0)
		return EXIT_FAIL;
	if (want && dirs.n > 1) {
		jfolder_list_free(&dirs);
		return cli_usage_error(usage, _("--head names one station's head: give one station's journal folder"));
	}
	int rc = EXIT_OK;
	for (size_t i = 0; i < dirs.n; i++) {
		const char *dir = dirs.dir[i];
		struct journal_scan_result res;
		char err[512];
		/* several folders (a mirror): each line names its folder */
		char who[PATHBUF + 8] = "";
		if (dirs.n > 1)
			snprintf(who, sizeof(who), "%s: ", dir);
		if (journal_scan(dir, NULL, NULL, want ? head_cb : NULL, print_problem, &hf, &res, err,
				 sizeof(err)) < 0) {
			if (errno == ENOENT)
				cli_err(_("no journal at %s (nothing recorded yet, or the wrong folder)"), dir);
			else
				cli_err("%s", err);
			rc = EXIT_FAIL;
			continue;
		}
		/* A torn last line of the newest file alone does not fail the
		 * check (docs/JOURNAL.md): the daemon sets it aside at its next start. */
		if (!res.chain_ok) {
			char a[64], b[64];
			cli_err(_("%sjournal NOT OK: %s in %s; first: %s"), who,
			       plural(a, sizeof(a), ngettext("%zu problem", "%zu problems", res.problems), res.problems),
			       plural(b, sizeof(b), ngettext("%zu file", "%zu files", res.files), res.files),
			       res.first_bad);
			rc = EXIT_FAIL;
			continue;
		}
		char head[RECORD_HASH_LEN * 2 + 1];
		hex_encode(res.head, RECORD_HASH_LEN, head);
		char a[64], b[64];
		printf(_("%sjournal OK: %s in %s, chain head %s\n"), who,
		       plural(a, sizeof(a), ngettext("%zu record", "%zu records", res.records), res.records),
		       plural(b, sizeof(b), ngettext("%zu file", "%zu files", res.files), res.files), head);
		if (res.problems)
			printf(_("%snote: %s (a power cut while writing; set aside at the daemon's next start)\n"), who,
			       res.first_bad);
		if (want) {
			if (!memcmp(res.head, hf.want, RECORD_HASH_LEN)) {
				printf(_("head %.12s... is the last line: nothing was added since\n"), want);
			} else if (hf.found) {
				printf(ngettext("head %.12s... is still in the journal; %zu record added since (from %s)\n",
						"head %.12s... is still in the journal; %zu records added since (from %s)\n",
						hf.after),
				       want, hf.after, hf.where);
			} else {
				cli_err(_("journal NOT OK: the head %s kept earlier is not in it: lines were cut off the end, or the journal was replaced"),
				       want);
				rc = EXIT_FAIL;
			}
		}
	}
	jfolder_list_free(&dirs);
	return rc;
}

static int cmd_log(int argc, char **argv)
{
	static const struct option lo[] = {{"from", required_argument, NULL, 'f'},
					   {"to", required_argument, NULL, 't'},
					   {"format", required_argument, NULL, 'F'},
					   {"journal", required_argument, NULL, 'j'},
					   {"bom", no_argument, NULL, 'B'},
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "log [--from DATE] [--to DATE] [--format text|csv|json] [--bom] [--journal DIR] | "
			    "log verify [--journal DIR] [--head HASH]";
	const char *journal = NULL;
	int bom = 0;
	if (argc >= 2 && !strcmp(argv[1], "verify"))
		return cmd_log_verify(argc - 1, argv + 1);
	const char *from_s = NULL, *to_s = NULL;
	struct log_ctx x = {0};
	int c;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		switch (c) {
		case 'f':
			from_s = optarg;
			break;
		case 't':
			to_s = optarg;
			break;
		case 'j':
			journal = optarg;
			break;
		case 'B':
			bom = 1;
			break;
		case 'F':
			if (!strcmp(optarg, "text"))
				x.fmt = FMT_TEXT;
			else if (!strcmp(optarg, "csv"))
				x.fmt = FMT_CSV;
			else if (!strcmp(optarg, "json"))
				x.fmt = FMT_JSON;
			else
				return cli_usage_error(usage, _("--format is text, csv or json, not \"%s\""), optarg);
			break;
		case 'h':
			return help(usage);
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(usage, _("unexpected argument \"%s\""), argv[optind]);
	int32_t from_day = 0, to_day = 0;
	if (from_s && civil_parse_date(from_s, &from_day) < 0)
		return cli_usage_error(usage, _("--from takes a date YYYY-MM-DD, not \"%s\""), from_s);
	if (to_s && civil_parse_date(to_s, &to_day) < 0)
		return cli_usage_error(usage, _("--to takes a date YYYY-MM-DD, not \"%s\""), to_s);
	if (from_s && to_s && from_day > to_day)
		return cli_usage_error(usage, _("--from %s is after --to %s"), from_s, to_s);
	if (bom && x.fmt != FMT_CSV)
		return cli_usage_error(usage, _("--bom is for --format csv"));
	struct jfolder_list dirs = {0};
	if (journal_dirs(journal, &dirs) < 0)
		return EXIT_FAIL;

	/* Read a month either side: a broadcast's start and end may sit in
	 * different monthly files; rows are filtered by date below. */
	char from_m[24], to_m[24];
	if (from_s) {
		x.have_from = 1;
		x.from_t = civil_tz_instant(from_day, 0);
		month_of(from_day, -1, from_m);
	}
	if (to_s) {
		x.have_to = 1;
		x.to_t = civil_tz_instant(to_day + 1, 0);
		month_of(to_day, +1, to_m);
	}

	if (x.fmt == FMT_CSV) {
		if (bom)
			out_csv_bom(stdout);
		fputs(CSV_HEADER, stdout);
		out_csv_end(stdout);
	} else if (x.fmt == FMT_JSON)
		putchar('[');
	else {
		put_col(_("DUE"), 16, 0);
		fputs("  ", stdout);
		put_col(_("OUTCOME"), outcome_col(), 0);
		fputs("  ", stdout);
		put_col(_("BULLETIN"), 20, 0);
		fputs("  ", stdout);
		put_col(_("CAMPAIGN"), 16, 0);
		fputs("  ", stdout);
		put_col(_("PLAYED/EXP s"), 13, 1);
		printf("  %s\n", _("DETAIL"));
	}

	int rc = EXIT_OK, absent = 0;
	size_t problems = 0, records = 0;
	for (size_t i = 0; i < dirs.n; i++) {
		if (x.fmt == FMT_TEXT && dirs.n > 1) /* rows name no station in text: say whose */
			printf("== %s\n", dirs.dir[i]);
		x.a = asrun_new(log_row, &x);
		struct journal_scan_result res;
		char err[512];
		if (journal_scan(dirs.dir[i], from_s ? from_m : NULL, to_s ? to_m : NULL, log_record,
				 print_problem, &x, &res, err, sizeof(err)) < 0) {
			if (errno == ENOENT) {
				absent = 1;
			} else {
				cli_err("%s", err);
				rc = EXIT_FAIL;
			}
		} else {
			problems += res.problems;
			records += res.records;
		}
		/* A live station's open start is still playing; a copied
		 * folder's never ends: interrupted, as the daemon would say. */
		asrun_finish(x.a, journal != NULL);
		asrun_free(x.a);
		if (journal) {
			for (size_t k = 0; k < x.nopen; k++)
				free(x.open[k]);
			x.nopen = 0;
		}
	}
	jfolder_list_free(&dirs);

	if (x.fmt == FMT_JSON) {
		fputs(x.rows ? "\n]\n" : "]\n", stdout);
	} else if (x.fmt == FMT_TEXT) {
		if (!x.rows) {
			puts(absent || !records ? _("no broadcasts recorded yet")
						    : _("no broadcasts in that period"));
		} else {
			printf(ngettext("%zu broadcast:", "%zu broadcasts:", x.rows), x.rows);
			for (int o = 0; o < OUT__N; o++)
				if (o != OUT_UNHEARD || x.count[o]) /* only a station playing to the fallback file has any */
					printf("%s %zu %s", o ? _(",") : "", x.count[o], _(outcome_words[o]));
			putchar('\n');
		}
		if (x.nopen)
			fprintf(stderr,
				ngettext("%zu broadcast in progress (not listed until it ends)\n",
					 "%zu broadcasts in progress (not listed until they end)\n", x.nopen),
				x.nopen);
	}
	for (size_t i = 0; i < x.nopen; i++)
		free(x.open[i]);
	free(x.open);
	if (rc == EXIT_OK && !absent && problems) {
		cli_err(ngettext("the journal has %zu problem (listed above); run loaxactl log verify",
				"the journal has %zu problems (listed above); run loaxactl log verify", problems),
		       problems);
		rc = EXIT_FAIL;
	}
	if (fflush(stdout) != 0) {
		cli_err(_("cannot write the output: %s"), strerror(errno));
		rc = EXIT_FAIL;
	}
	return rc;
}

/* ---- bulletins ---- */

/* When each catalog bulletin next plays under the installed schedule
 * (rotation continued from the journal), looking 31 days ahead; 0 = not
 * within that. Silent on a schedule that does not load. */
static void next_plays(const struct catalog *cat, int64_t *next)
{
	struct errlist errs = {0};
	struct schedule s;
	if (config_load_schedule(st.schedule, &s, &errs) < 0) {
		errlist_free(&errs);
		return;
	}
	validate_schedule(&s, &st, NULL, &errs);
	errlist_free(&errs);
	size_t *rot = xcalloc(s.ncampaigns + 1, sizeof(*rot));
	struct rot_ctx rx = {&s, rot};
	struct journal_scan_result res;
	char err[512];
	journal_scan(st.journal, NULL, NULL, rot_record, NULL, &rx, &res, err, sizeof(err));
	int64_t now = (int64_t)time(NULL);
	size_t left = cat->n;
	for (int64_t t = now; t < now + 31 * 86400 && left; t += 86400) {
		struct occurrence *occ = NULL;
		ssize_t n = schedule_expand(&s, t, t + 86400, rot, 0, &occ);
		for (ssize_t k = 0; k < n; k++) {
			const struct bulletin *b = catalog_find(cat, occ[k].bulletin);
			size_t i = b ? (size_t)(b - cat->items) : 0;
			if (b && !next[i]) {
				next[i] = occ[k].due;
				left--;
			}
		}
		free(occ);
	}
	free(rot);
	schedule_free(&s);
}

/* Ask a running daemon to pick up the library; quiet when it is not running. */
static void tell_daemon_reload(void)
{
	char *reply = NULL, err[512];
	if (control_request(st.control, "reload", &reply, err, sizeof(err)) == 0 && kv_ok(reply) >= 0)
		printf(_("loaxad has reloaded the library\n"));
	free(reply);
}

static int cmd_bulletin_add(int argc, char **argv)
{
	static const struct option lo[] = {{"id", required_argument, NULL, 'i'},
					   {"title", required_argument, NULL, 't'},
					   {"campaign", required_argument, NULL, 'C'},
					   {"replace", no_argument, NULL, 'r'},
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "bulletin add FILE --id ID --title TITLE [--campaign C] [--replace]";
	struct library_add_opts o = {0};
	int c;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		switch (c) {
		case 'i': o.id = optarg; break;
		case 't': o.title = optarg; break;
		case 'C': o.campaign = optarg; break;
		case 'r': o.replace = 1; break;
		case 'h': return help(usage);
		default: return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(usage, optind >= argc ? _("which file?") : _("one file at a time"));
	if (!o.id || !o.title)
		return cli_usage_error(usage, _("--id and --title are needed"));
	if (load_station() < 0)
		return EXIT_FAIL;
	o.now = (int64_t)time(NULL);
	struct errlist errs = {0}, warns = {0};
	struct bulletin b;
	int r = library_add(&st, argv[optind], &o, &b, &errs, &warns);
	for (size_t i = 0; i < warns.n; i++)
		fprintf(stderr, _("%s: warning: %s\n"), PROG, warns.msg[i]);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s: %s\n", PROG, errs.msg[i]);
	errlist_free(&warns);
	errlist_free(&errs);
	if (r < 0) {
		fprintf(stderr, _("%s: nothing was added\n"), PROG);
		return EXIT_FAIL;
	}
	long secs = (long)(b.duration + 0.5);
	printf(_("added %s: \"%s\", %ld:%02ld, %d Hz %s, SHA-256 %.12s..., in %s/%s\n"), b.id, b.title,
	       secs / 60, secs % 60, b.rate, b.channels == 1 ? "mono" : "stereo", b.sha256,
	       st.library, b.file);
	tell_daemon_reload();
	return EXIT_OK;
}

/* 1 if the installed schedule names bulletin id (who in *who). */
static int schedule_uses(const char *id, char *who, size_t n)
{
	struct errlist errs = {0};
	struct schedule s;
	int used = 0;
	if (config_load_schedule(st.schedule, &s, &errs) == 0) {
		for (size_t i = 0; i < s.ncampaigns && !used; i++)
			for (size_t k = 0; k < s.campaigns[i].nbulletins && !used; k++)
				if (!strcmp(s.campaigns[i].bulletins[k], id)) {
					snprintf(who, n, _("campaign %s"), s.campaigns[i].id);
					used = 1;
				}
		for (size_t i = 0; i < s.nslots && !used; i++)
			for (size_t k = 0; k < s.slots[i].nbulletins && !used; k++)
				if (!strcmp(s.slots[i].bulletins[k], id)) {
					snprintf(who, n, _("slot %s"), s.slots[i].id);
					used = 1;
				}
		schedule_free(&s);
	}
	errlist_free(&errs);
	return used;
}

static int cmd_bulletin_remove(int argc, char **argv)
{
	static const struct option lo[] = {{"force", no_argument, NULL, 'f'},
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "bulletin remove ID [--force]";
	int force = 0, c;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		if (c == 'f')
			force = 1;
		else if (c == 'h')
			return help(usage);
		else
			return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return cli_usage_error(usage, _("which bulletin?"));
	const char *id = argv[optind];
	if (load_station() < 0)
		return EXIT_FAIL;
	char who[128], err[1024];
	if (!force && schedule_uses(id, who, sizeof(who))) {
		cli_err(_("%s is still used by the installed schedule (%s); it would fail when due. Remove it from the schedule first, or use --force"),
		       id, who);
		return EXIT_FAIL;
	}
	/* Never pull a bulletin out from under the broadcast that plays it. */
	char *reply = NULL, playing[ID_MAX + 1];
	if (control_request(st.control, "status", &reply, err, sizeof(err)) == 0 && kv_ok(reply) == 1) {
		kv_get(reply, "playing.bulletin", playing, sizeof(playing));
		if (!strcmp(playing, id)) {
			cli_err(_("%s is playing now; try again when the broadcast has ended"), id);
			free(reply);
			return EXIT_FAIL;
		}
	}
	free(reply);
	if (library_remove(&st, id, err, sizeof(err)) < 0) {
		cli_err("%s", err);
		return EXIT_FAIL;
	}
	printf(_("removed %s from the library\n"), id);
	tell_daemon_reload();
	return EXIT_OK;
}

static int cmd_bulletin_verify(int argc, char **argv)
{
	static const struct option lo[] = {{"rebuild", no_argument, NULL, 'r'},
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "bulletin verify [--rebuild]";
	int rebuild = 0, c;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		if (c == 'r')
			rebuild = 1;
		else if (c == 'h')
			return help(usage);
		else
			return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error(usage, _("unexpected argument \"%s\""), argv[optind]);
	if (load_station() < 0)
		return EXIT_FAIL;
	struct errlist probs = {0};
	int rc = EXIT_OK;
	if (rebuild) {
		int n = library_rebuild(&st, (int64_t)time(NULL), &probs);
		for (size_t i = 0; i < probs.n; i++)
			fprintf(stderr, "%s: %s\n", PROG, probs.msg[i]);
		if (n < 0) {
			rc = EXIT_FAIL;
		} else {
			printf(ngettext("catalog rebuilt from the files: %d bulletin; check titles with: loaxactl bulletin list\n",
					"catalog rebuilt from the files: %d bulletins; check titles with: loaxactl bulletin list\n",
					(unsigned long)n),
			       n);
			tell_daemon_reload();
			rc = probs.n ? EXIT_FAIL : EXIT_OK;
		}
	} else {
		int n = library_verify(&st, &probs);
		for (size_t i = 0; i < probs.n; i++)
			fprintf(stderr, "%s: %s\n", PROG, probs.msg[i]);
		if (n == 0) {
			printf(_("library OK: every file matches its catalog entry\n"));
		} else {
			fprintf(stderr,
				ngettext("%s: %d problem in the library\n", "%s: %d problems in the library\n",
					 (unsigned long)(n < 0 ? 1 : n)),
				PROG, n < 0 ? 1 : n);
			rc = EXIT_FAIL;
		}
	}
	errlist_free(&probs);
	return rc;
}

static int cmd_bulletin_list(int argc, char **argv)
{
	static const struct option lo[] = {{"help", no_argument, NULL, 'h'}, {"ids", no_argument, NULL, 'I'}, {0}};
	const char *usage = "bulletin list [--ids]";
	int c, ids_only = 0;
	optind = 0;
	while ((c = next_opt(argc, argv, ":h", lo, usage)) != -1) {
		if (c == 'h')
			return help(usage);
		if (c == 'I') {
			ids_only = 1;
			continue;
		}
		return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error(usage, _("unexpected argument \"%s\""), argv[optind]);
	if (load_station() < 0)
		return EXIT_FAIL;
	struct errlist errs = {0};
	struct catalog cat;
	char cp[PATHBUF + 16];
	catalog_path(cp, sizeof(cp));
	if (catalog_load(cp, &cat, &errs) < 0) {
		report_problems(&errs, cp);
		fprintf(stderr, _("%s: the catalog is damaged; rebuild it from the files with: loaxactl bulletin verify --rebuild\n"),
			PROG);
		errlist_free(&errs);
		catalog_free(&cat);
		return EXIT_FAIL;
	}
	errlist_free(&errs);
	if (ids_only) { /* for scripts and shell completion: ids only, one a line */
		for (size_t i = 0; i < cat.n; i++)
			puts(cat.items[i].id);
		catalog_free(&cat);
		return EXIT_OK;
	}
	if (!cat.n) {
		printf(_("no bulletins in %s\n"), cp);
		catalog_free(&cat);
		return EXIT_OK;
	}
	int64_t *next = xcalloc(cat.n + 1, sizeof(*next));
	next_plays(&cat, next);
	int wi = cols_of(_("ID")), wc = cols_of(_("CAMPAIGN")), wd = cols_of(_("DURATION"));
	wd = wd > 8 ? wd : 8;
	for (size_t i = 0; i < cat.n; i++) {
		int l = (int)strlen(cat.items[i].id);
		wi = l > wi ? l : wi;
		l = (int)strlen(cat.items[i].campaign);
		wc = l > wc ? l : wc;
	}
	/* The title goes last: its width in columns is not its width in bytes. */
	put_col(_("ID"), wi, 0);
	fputs("  ", stdout);
	put_col(_("CAMPAIGN"), wc, 0);
	fputs("  ", stdout);
	put_col(_("DURATION"), wd, 1);
	fputs("  ", stdout);
	put_col(_("ADDED"), 10, 0);
	fputs("  ", stdout);
	put_col(_("SHA256"), 12, 0);
	fputs("  ", stdout);
	put_col(_("NEXT PLAY"), 16, 0);
	fputs("  ", stdout);
	put_col(_("ORIGIN"), 23, 0);
	printf("  %s\n", _("TITLE"));
	for (size_t i = 0; i < cat.n; i++) {
		const struct bulletin *b = &cat.items[i];
		long secs = (long)(b->duration + 0.5);
		char dur[32], np[26] = "-";
		snprintf(dur, sizeof(dur), "%ld:%02ld", secs / 60, secs % 60);
		if (next[i]) {
			civil_tz_format(next[i], np);
			np[10] = ' ';
			np[16] = '\0';
		}
		/* Signed: pushed by the department, pinned to its signed hash. */
		char origin[40];
		if (b->signer[0])
			snprintf(origin, sizeof(origin), "signed:%s", b->signer);
		else
			str_copy(origin, "local", sizeof(origin));
		printf("%-*s  %-*s  %*s  %-10.10s  %-12.12s  %-16s  %-23s  %s\n", wi, b->id, wc,
		       b->campaign[0] ? b->campaign : "-", wd, dur, b->added[0] ? b->added : "-",
		       b->sha256, np, origin, b->title);
	}
	free(next);
	catalog_free(&cat);
	return EXIT_OK;
}

static int cmd_bulletin(int argc, char **argv)
{
	static const struct command subs[] = {
		{"add", cmd_bulletin_add},       {"list", cmd_bulletin_list},
		{"remove", cmd_bulletin_remove}, {"verify", cmd_bulletin_verify},
	};
	return dispatch(argc, argv, subs, ARRAY_LEN(subs), "bulletin add|list|remove|verify ...");
}

/* report loads the station file after checking its arguments; on a
 * copied folder only when one was named (-c or $LOAXA_CONF). */
static int report_load_station(int required, const struct station **out)
{
	*out = NULL;
	if (!required && !conf_named)
		return 0;
	if (load_station() < 0)
		return -1;
	*out = &st;
	return 0;
}

static int cmd_report_station(int argc, char **argv)
{
	return cmd_report(argc, argv, report_load_station);
}

/* loaxactl web user add (issue 17): accounts for loaxa-web. */
static int cmd_web(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return web_users_cmd("", argc, argv);
	if (load_station() < 0)
		return EXIT_FAIL;
	return web_users_cmd(st.web_users, argc, argv);
}

/* The department's side of the push: no station file needed (-c: check against one). */
static int cmd_bundle_any(int argc, char **argv)
{
	return cmd_bundle(argc, argv, conf_named ? conf_path : NULL);
}

static int cmd_help(int argc, char **argv)
{
	printf(_(usage_text), DEFAULT_CONF);
	return EXIT_OK;
}

/* ---- main ---- */

static const struct command commands[] = {
	{"status", cmd_simple},     {"stop", cmd_simple},         {"reload", cmd_simple},
	{"play", cmd_play},         {"schedule", cmd_schedule},   {"log", cmd_log},
	{"bulletin", cmd_bulletin}, {"help", cmd_help},
	{"report", cmd_report_station}, {"rollup", cmd_rollup},
	{"web", cmd_web},
	{"fleet", cmd_fleet},
	{"bundle", cmd_bundle_any},
};

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'}, {0}};
	int c;
	i18n_init();
	log_init(PROG, 0);
	conf_path = getenv("LOAXA_CONF");
	conf_named = conf_path && *conf_path;
	if (!conf_named)
		conf_path = DEFAULT_CONF;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			conf_named = 1;
			break;
		case 'h':
			printf(_(usage_text), DEFAULT_CONF);
			return EXIT_OK;
		case 'V':
			printf("loaxactl %s\n", LOAXA_VERSION);
			return EXIT_OK;
		case ':':
			return cli_usage_error(NULL, _("option %s needs a value"), argv[optind - 1]);
		default:
			if (optopt && optopt < 256)
				return cli_usage_error(NULL, _("unknown option -%c"), optopt);
			return cli_usage_error(NULL, _("unknown option %s"), argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(NULL, _("which command?"));
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].fn(argc - optind, argv + optind);
	return cli_usage_error(NULL, _("unknown command \"%s\""), argv[optind]);
}
