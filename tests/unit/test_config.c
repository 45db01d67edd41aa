/* Unit tests for config.c: the station file, the schedule file and the
 * bulletin catalog. Good files load; every bad input is reported as
 * "file:line: message" with the line of the offending setting, and a file
 * with many problems lists them all. Run with cwd = tests/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unistd.h>

#include "civil.h"
#include "config.h"
#include "util.h"

#define DATA "data/config/"
#define ST_OK "station = { id = \"s\"; commune_code = \"1\"; name = \"n\"; };\n"

static char tmpdir[64];
static int ntmp;

static int setup(void **state)
{
	(void)state;
	if (civil_tz_set("Asia/Ho_Chi_Minh") < 0)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/loaxa-test-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write text to a fresh file in the temp folder; returns its path (static). */
static const char *tmpfile_with(const char *name, const char *text)
{
	static char path[256];
	if (name)
		snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	else
		snprintf(path, sizeof(path), "%s/t%d.conf", tmpdir, ntmp++);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void dump(const struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++)
		print_message("  | %s\n", e->msg[i]);
}

/* Assert one message starts with "file:line: " and contains sub. */
static void expect_err(const struct errlist *e, const char *file, int line, const char *sub)
{
	char pre[512];
	if (line > 0)
		snprintf(pre, sizeof(pre), "%s:%d: ", file, line);
	else
		snprintf(pre, sizeof(pre), "%s: ", file);
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->msg[i], pre, strlen(pre)) && strstr(e->msg[i] + strlen(pre), sub))
			return;
	dump(e);
	fail_msg("no error \"%s...%s\"", pre, sub);
}

static void expect_count(const struct errlist *e, size_t n)
{
	if (e->n != n) {
		dump(e);
		fail_msg("%zu errors, expected %zu", e->n, n);
	}
}

/* ---- station file ---- */

static void test_station_sample(void **state)
{
	(void)state;
	struct station st = {0};
	struct errlist e = {0};
	int r = config_load_station("../config/loaxa.conf", &st, &e);
	dump(&e);
	assert_int_equal(r, 0);
	expect_count(&e, 0);
	assert_string_equal(st.id, "vn-hn-xa-phu-dong");
	assert_string_equal(st.commune_code, "10123");
	assert_string_equal(st.district_code, "271");
	assert_string_equal(st.name, "Đài truyền thanh xã Phù Đổng");
	assert_string_equal(st.timezone, "Asia/Ho_Chi_Minh");
	/* The folder is made absolute; relative paths resolve against it. */
	char top[PATH_MAX], want[PATH_MAX + 64];
	assert_non_null(realpath("..", top));
	snprintf(want, sizeof(want), "%s/config", top);
	assert_string_equal(st.dir, want);
	snprintf(want, sizeof(want), "%s/audio", top);
	assert_string_equal(st.library, want);
	snprintf(want, sizeof(want), "%s/var/journal", top);
	assert_string_equal(st.journal, want);
	snprintf(want, sizeof(want), "%s/config/demo-schedule.conf", top);
	assert_string_equal(st.schedule, want);
	snprintf(want, sizeof(want), "%s/var/loaxad.sock", top);
	assert_string_equal(st.control, want);
	snprintf(want, sizeof(want), "%s/var/no-sound-card.wav", top);
	assert_string_equal(st.audio_fallback, want);
	assert_int_equal(st.catchup_minutes, 2);
	assert_int_equal(st.quiet_from, st.quiet_to);
	assert_int_equal(st.allowed_weekdays, 0x7f);
	assert_int_equal(st.require_clock_sync, 0);
	assert_int_equal(st.amp.enabled, 0);
	assert_int_equal(st.amp.tcp, 1);
	assert_string_equal(st.amp.host, "127.0.0.1");
	assert_int_equal(st.amp.nzones, 2);
	assert_int_equal(st.amp.zones[1].zone, 2);
	assert_int_equal(st.amp.zones[1].coil, 2);
	assert_int_equal(st.amp.fault_input, -1);
	errlist_free(&e);
	station_free(&st);
}

static void test_station_installed_sample(void **state)
{
	(void)state;
	FILE *f = fopen("../config/loaxa.conf.in", "r");
	assert_non_null(f);
	char text[16384], out[20000];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	char *o = out;
	for (const char *p = text; *p;) {
		if (!strncmp(p, "@LOCALSTATEDIR@", 15)) {
			o += sprintf(o, "/var");
			p += 15;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	assert_null(strchr(out, '@'));
	const char *path = tmpfile_with("loaxa.conf", out);
	struct station st = {0};
	struct errlist e = {0};
	int r = config_load_station(path, &st, &e);
	dump(&e);
	assert_int_equal(r, 0);
	assert_string_equal(st.library, "/var/lib/loaxa/library");
	assert_string_equal(st.schedule, "/var/lib/loaxa/schedule.conf");
	assert_string_equal(st.control, "/run/loaxa/loaxad.sock");
	assert_int_equal(st.quiet_from, 22 * 60);
	assert_int_equal(st.quiet_to, 5 * 60);
	assert_int_equal(st.max_session_minutes, 30);
	assert_int_equal(st.max_sessions_per_day, 3);
	assert_int_equal(st.require_clock_sync, 1);
	assert_int_equal(st.amp.tcp, 0);
	assert_string_equal(st.amp.device, "/dev/ttyUSB0");
	assert_int_equal(st.amp.nzones, 3);
	assert_string_equal(st.control_group, "loaxa");
	errlist_free(&e);
	station_free(&st);
}

static void test_station_minimal_defaults(void **state)
{
	(void)state;
	struct station st = {0};
	struct errlist e = {0};
	int r = config_load_station(DATA "station-min.conf", &st, &e);
	dump(&e);
	assert_int_equal(r, 0);
	char here[PATH_MAX], want[PATH_MAX + 64];
	assert_non_null(realpath(DATA, here));
	snprintf(want, sizeof(want), "%s/lib", here);
	assert_string_equal(st.library, want);
	assert_string_equal(st.journal, "/abs/journal");
	snprintf(want, sizeof(want), "%s/schedule.conf", here);
	assert_string_equal(st.schedule, want);
	assert_string_equal(st.timezone, "Asia/Ho_Chi_Minh");
	assert_string_equal(st.audio_device, "default");
	assert_int_equal(st.catchup_minutes, 30);
	assert_int_equal(st.max_bulletin_minutes, 30);
	assert_int_equal(st.require_clock_sync, 1);
	assert_int_equal(st.allowed_weekdays, 0x7f);
	assert_int_equal(st.amp.enabled, 0);
	assert_int_equal(st.amp.port, 502);
	assert_int_equal(st.monitor_enabled, 0); /* issue 19: no monitor unless asked */
	errlist_free(&e);

	/* issue 19: a monitor section with only its device takes the defaults. */
	const char *f = tmpfile_with(NULL, ST_OK "monitor = { device = \"hw:1,0\"; };\n");
	station_free(&st);
	assert_int_equal(config_load_station(f, &st, &e), 0);
	assert_int_equal(st.monitor_enabled, 1);
	assert_string_equal(st.monitor_device, "hw:1,0");
	assert_true(st.monitor_silence_dbfs == -50.0 && st.monitor_min_heard == 0.8);
	f = tmpfile_with(NULL, ST_OK "monitor = { device = \"mon\"; silence_dbfs = -62; min_heard = 0.5; };\n");
	station_free(&st);
	assert_int_equal(config_load_station(f, &st, &e), 0);
	assert_true(st.monitor_silence_dbfs == -62.0 && st.monitor_min_heard == 0.5);
	errlist_free(&e);

	/* A file in the current folder: its folder is the current one. */
	assert_int_equal(chdir(DATA), 0);
	station_free(&st);
	r = config_load_station("station-min.conf", &st, &e);
	assert_int_equal(chdir("../.."), 0);
	assert_int_equal(r, 0);
	snprintf(want, sizeof(want), "%s/lib", here);
	assert_string_equal(st.library, want);
	errlist_free(&e);
	station_free(&st);
}

static void test_station_every_error(void **state)
{
	(void)state;
	const char *f = DATA "station-bad.conf";
	struct station st = {0};
	struct errlist e = {0};
	assert_int_equal(config_load_station(f, &st, &e), -1);
	expect_err(&e, f, 5, "unknown time zone \"Mars/Olympus_Mons\"");
	expect_err(&e, f, 6, "unknown key 'colour' in station");
	expect_err(&e, f, 2, "missing 'id'");
	expect_err(&e, f, 8, "unknown key 'speakers'");
	expect_err(&e, f, 10, "'gain' must be a number");
	expect_err(&e, f, 11, "'max_bulletin_minutes' = 0 is out of range");
	expect_err(&e, f, 14, "'catchup_minutes' must be a whole number");
	expect_err(&e, f, 15, "\"25:00\" is not a time");
	expect_err(&e, f, 18, "\"funday\", not a weekday");
	expect_err(&e, f, 19, "'max_sessions_per_day' = -1 is out of range");
	expect_err(&e, f, 22, "'require_sync' must be true or false");
	expect_err(&e, f, 27, "'port' = 70000 is out of range");
	expect_err(&e, f, 28, "'zone' = 40 is out of range");
	expect_err(&e, f, 24, "needs 'host'");
	expect_count(&e, 14);
	errlist_free(&e);
	station_free(&st);
}

static void test_station_bad_sections(void **state)
{
	(void)state;
	const char *f = DATA "station-bad-sections.conf";
	struct station st = {0};
	struct errlist e = {0};
	assert_int_equal(config_load_station(f, &st, &e), -1);
	expect_err(&e, f, 2, "unknown time zone \"Asia\"");
	expect_err(&e, f, 3, "'paths' must be a group");
	expect_err(&e, f, 4, "'quiet_hours' must be a group");
	expect_err(&e, f, 5, "'status' must be a group");
	expect_err(&e, f, 5, "needs 'device'");
	expect_err(&e, f, 6, "'limits' must be a group");
	expect_count(&e, 6);
	errlist_free(&e);
	station_free(&st);
}

/* Paths are stored at their length (issue 18), with the same bounds as
 * before: PATHBUF - 1 bytes once resolved, refused clearly past that. */
static void test_station_path_lengths(void **state)
{
	(void)state;
	static char text[5 * PATHBUF + 512], abs[PATHBUF], rel[PATHBUF], huge[PATHBUF + 1];
	abs[0] = '/';
	memset(abs + 1, 'a', PATHBUF - 2); /* 4,095 bytes: the longest there is */
	memset(rel, 'r', PATHBUF - 10);    /* fits as written, not once resolved */
	memset(huge, 'h', PATHBUF);        /* does not fit as written */
	struct station st = {0};
	struct errlist e = {0};
	snprintf(text, sizeof(text), ST_OK "paths = { journal = \"%s\"; };\n", abs);
	assert_int_equal(config_load_station(tmpfile_with(NULL, text), &st, &e), 0);
	assert_int_equal(strlen(st.journal), PATHBUF - 1);
	assert_string_equal(st.journal, abs);
	assert_string_equal(st.audio_fallback, "");
	assert_string_equal(st.amp.device, "");
	assert_string_equal(st.fleet.ca_file, "");
	station_free(&st);
	assert_null(st.journal);

	snprintf(text, sizeof(text),
		 ST_OK "paths = {\n library = \"%s\";\n spool = \"%s\"; };\n"
		       "audio = {\n fallback_wav = \"%s\"; };\n"
		       "amplifier = {\n enabled = false; transport = \"rtu\"; device = \"%s\"; };\n",
		 rel, huge, rel, huge);
	const char *f = tmpfile_with(NULL, text);
	assert_int_equal(config_load_station(f, &st, &e), -1);
	expect_err(&e, f, 3, "paths: 'library' is too long");
	expect_err(&e, f, 4, "paths: 'spool' is too long (at most 4095 bytes)");
	expect_err(&e, f, 6, "audio: 'fallback_wav' is too long");
	expect_err(&e, f, 8, "amplifier: 'device' is too long (at most 4095 bytes)");
	expect_count(&e, 4);
	/* nothing half-stored: the refused ones are as if not given */
	assert_string_equal(st.audio_fallback, "");
	assert_string_equal(st.amp.device, "");
	errlist_free(&e);
	station_free(&st);
}

struct one_err {
	const char *text;
	int line;
	const char *msg;
};

static void check_station_one(const struct one_err *t)
{
	struct station st = {0};
	struct errlist e = {0};
	const char *f = tmpfile_with(NULL, t->text);
	if (config_load_station(f, &st, &e) != -1) {
		print_message("%s", t->text);
		fail_msg("accepted a bad station file");
	}
	expect_err(&e, f, t->line, t->msg);
	expect_count(&e, 1);
	errlist_free(&e);
	station_free(&st);
}


/* issue 12: a FIFO where a schedule or the catalog should be is refused
 * at once (never waited on); the station file keeps its @include. */
static void test_hostile_files(void **state)
{
	(void)state;
	char fifo[128];
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	struct schedule s;
	struct catalog cat;
	struct errlist e = {0};
	assert_int_equal(config_load_schedule(fifo, &s, &e), -1);
	expect_err(&e, fifo, 0, "not a plain file");
	errlist_free(&e);
	assert_int_equal(catalog_load(fifo, &cat, &e), -1);
	expect_err(&e, fifo, 0, "not a plain file");
	errlist_free(&e);
	unlink(fifo);
	/* district and stations parse; files pins too. */
	const char *f = tmpfile_with(NULL, "serial = 2;\ndistrict = \"999\";\nstations = [\"a\", \"b\"];\nslots = ();\n"
					   "files = ( { bulletin = \"x\"; file = \"x.mp3\"; sha256 = \"6584155E5033DB08FCA32D2953B3BBBEF0F1A5B9214F1E1C3A354B3048E4486E\"; } );\n");
	assert_int_equal(config_load_schedule(f, &s, &e), 0);
	assert_string_equal(s.district, "999");
	assert_int_equal(s.nstations, 2);
	assert_string_equal(s.stations[1], "b");
	assert_string_equal(schedule_pinned_sha(&s, "x"), "6584155e5033db08fca32d2953b3bbbef0f1a5b9214f1e1c3a354b3048e4486e");
	assert_null(schedule_pinned_sha(&s, "y"));
	schedule_free(&s);
	/* The station file's own @include still works. */
	tmpfile_with("inc.part", "station = { id = \"s\"; commune_code = \"1\"; name = \"n\"; };\n");
	char text[256];
	snprintf(text, sizeof(text), "@include \"%s/inc.part\"\nclock = { require_sync = false; };\n", tmpdir);
	struct station st = {0};
	assert_int_equal(config_load_station(tmpfile_with(NULL, text), &st, &e), 0);
	assert_string_equal(st.id, "s");
	errlist_free(&e);
	station_free(&st);
}

static void test_station_single_errors(void **state)
{
	(void)state;
	static const struct one_err t[] = {
		{"# no id\nstation = {\n  commune_code = \"1\";\n  name = \"n\";\n};\n", 2, "missing 'id'"},
		{"station = {\n  id = \"bad id\";\n  commune_code = \"1\"; name = \"n\"; };\n", 2, "may use only"},
		{"paths = { library = \"x\"; };\n", 0, "missing section 'station'"},
		{ST_OK "amplifier = {\n  enabled = true;\n  transport = \"tcp\";\n};\n", 2, "needs 'host'"},
		{ST_OK "amplifier = {\n  enabled = true;\n  transport = \"serial\";\n  device = \"/dev/x\";\n};\n", 4,
		 "transport must be"},
		{ST_OK "amplifier = {\n  parity = \"X\";\n};\n", 3, "parity"},
		{ST_OK "amplifier = {\n  status = { enabled = true; address = \"0.0.0.0\";\n    allow = [\"192.168.1.0/24\", \"10.0.0.300\"]; };\n};\n", 4,
		 "'allow' entry 2 is not an address or a network"},
		{ST_OK "amplifier = {\n  zones = ( { zone = 1; coil = 1; },\n { zone = 1; coil = 2; } );\n};\n", 4,
		 "zone 1 is mapped twice (also line 3)"},
		{ST_OK "amplifier = {\n  zones = ( { zone = 1; relay = 1; coil = 1; } );\n};\n", 3,
		 "unknown key 'relay' in amplifier zone"},
		{ST_OK "amplifier = {\n  status = { enabled = true; port = 0; };\n};\n", 3, "'port' = 0"},
		{ST_OK "limits = {\n  weekdays = [];\n};\n", 3, "allows no day"},
		{ST_OK "limits = {\n  weekdays = \"mon\";\n};\n", 3, "must be a list"},
		{ST_OK "limits = {\n\n  max_session_minutes = \"15\";\n};\n", 4, "must be a whole number"},
		{ST_OK "broadcast = {\n  quiet_hours = { from = \"22:00\"; to = \"7:30\"; };\n};\n", 3, "\"7:30\""},
		{ST_OK "broadcast = {\n  quiet_hours = {\n    to = \"05:00\";\n  };\n};\n", 3, "missing 'from'"},
		{ST_OK "broadcast = {\n  catchup_minutes = 2000;\n};\n", 3, "out of range"},
		{"station = { id = \"s\"; commune_code = \"1\"; name = \"n\";\n  timezone = \"\"; };\n", 2,
		 "unknown time zone"},
		{"station = { id = \"s\"; commune_code = \"1\"; name = \"n\";\n  timezone = \"Asia/Hanoi_Nowhere\"; };\n", 2,
		 "unknown time zone"},
		{ST_OK "audio = {\n  device = 1;\n};\n", 3, "'device' must be a string"},
		{ST_OK "control = {\n  group = \"loaxa\";\n  mode = 0660;\n};\n", 4, "unknown key 'mode' in control"},
		{ST_OK "\nclock = {\n  require_sync = 1;\n};\n", 4, "true or false"},
		{ST_OK "station2 = {};\n", 2, "unknown key 'station2'"},
		{ST_OK "audio = {\n  gain = 20.0;\n};\n", 3, "out of range"},
		/* issue 19: the monitor input */
		{ST_OK "monitor = {\n  silence_dbfs = -50.0;\n};\n", 2, "monitor: missing 'device'"},
		{ST_OK "monitor = {\n  device = \"\";\n};\n", 3, "monitor: 'device' is empty"},
		{ST_OK "monitor = {\n  device = \"hw:1,0\";\n  min_heard = 1.5;\n};\n", 4,
		 "monitor: 'min_heard' = 1.5 is out of range (0 to 1)"},
		{ST_OK "monitor = {\n  device = \"hw:1,0\";\n  silence_dbfs = 3;\n};\n", 4,
		 "monitor: 'silence_dbfs' = 3 is out of range"},
		{ST_OK "monitor = {\n  device = \"hw:1,0\";\n\n  threshold = -50.0;\n};\n", 5,
		 "unknown key 'threshold' in monitor"},
		{ST_OK "monitor = \"hw:1,0\";\n", 2, "'monitor' must be a group"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_station_one(&t[i]);
}

/* The web section (loaxa-web, issue 17). */
static void test_station_web(void **state)
{
	(void)state;
	static const struct one_err t[] = {
		{ST_OK "web = {\n  listen = \"8080\";\n};\n", 3, "'listen' is \"ADDRESS:PORT\""},
		{ST_OK "web = {\n  listen = \"0.0.0.0:99999\";\n};\n", 3, "'listen' is"},
		{ST_OK "web = {\n  tls_cert = \"a.crt\";\n};\n", 2, "both 'tls_cert' and 'tls_key'"},
		{ST_OK "web = {\n  max_upload_mb = 0;\n};\n", 3, "out of range"},
		{ST_OK "web = {\n  port = 80;\n};\n", 3, "unknown key 'port' in web"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_station_one(&t[i]);
	struct station st = {0};
	struct errlist e = {0};
	const char *p = tmpfile_with(NULL, ST_OK);
	assert_int_equal(config_load_station(p, &st, &e), 0);
	assert_string_equal(st.web_listen, "127.0.0.1:8080");
	assert_int_equal(st.web_max_upload_mb, 50);
	assert_string_equal(st.web_tls_cert, "");
	char want[PATHBUF + 16];
	snprintf(want, sizeof(want), "%s/web-users", st.dir);
	assert_string_equal(st.web_users, want);
	p = tmpfile_with(NULL, ST_OK "web = { listen = \"[::1]:8443\"; users = \"/etc/x/users\"; tls_cert = \"c.pem\";\n"
				  "  tls_key = \"k.pem\"; max_upload_mb = 200; };\n");
	station_free(&st);
	assert_int_equal(config_load_station(p, &st, &e), 0);
	assert_string_equal(st.web_listen, "[::1]:8443");
	assert_string_equal(st.web_users, "/etc/x/users");
	assert_int_equal(st.web_max_upload_mb, 200);
	snprintf(want, sizeof(want), "%s/k.pem", st.dir);
	assert_string_equal(st.web_tls_key, want);
	errlist_free(&e);
	station_free(&st);
}

static void test_station_missing_and_syntax(void **state)
{
	(void)state;
	struct station st = {0};
	struct errlist e = {0};
	assert_int_equal(config_load_station(DATA "no-such-file.conf", &st, &e), -1);
	expect_err(&e, DATA "no-such-file.conf", 0, "cannot read");
	errlist_free(&e);
	const char *f = tmpfile_with(NULL, ST_OK "audio = {\n  gain = ;\n};\n");
	station_free(&st);
	assert_int_equal(config_load_station(f, &st, &e), -1);
	expect_err(&e, f, 3, "syntax error");
	expect_count(&e, 1);
	errlist_free(&e);
	station_free(&st);
}

/* ---- schedule file ---- */

static void test_schedule_sample(void **state)
{
	(void)state;
	struct schedule s;
	struct errlist e = {0};
	int r = config_load_schedule("../config/schedule.conf", &s, &e);
	dump(&e);
	assert_int_equal(r, 0);
	assert_int_equal(s.serial, 2026120101LL);
	assert_int_equal(strlen(s.sha256), 64);
	assert_int_equal(s.ncampaigns, 2);
	assert_string_equal(s.campaigns[0].id, "pcmd");
	assert_string_equal(s.campaigns[0].title, "Phòng, chống mại dâm");
	assert_int_equal(s.campaigns[0].from_day, civil_days(2026, 12, 1));
	assert_int_equal(s.campaigns[0].to_day, civil_days(2027, 12, 31));
	assert_int_equal(s.campaigns[0].nbulletins, 3);
	assert_string_equal(s.campaigns[0].bulletins[2], "pcmd-03");
	assert_int_equal(s.campaigns[1].target, 8);
	assert_int_equal(s.nslots, 4);
	const struct slot *a = &s.slots[0], *b = &s.slots[1], *c = &s.slots[2], *d = &s.slots[3];
	assert_string_equal(a->id, "sang-thu-hai");
	assert_int_equal(a->weekdays, (1 << 0) | (1 << 3));
	assert_int_equal(a->ntimes, 1);
	assert_int_equal(a->times[0], 390);
	assert_int_equal(a->zones, 7);
	assert_int_equal(a->repeat, 2);
	assert_int_equal(a->level, LEVEL_NORMAL);
	assert_string_equal(a->campaign, "sxh");
	assert_int_equal(a->from_day, DAY_NONE_LO);
	assert_int_equal(a->to_day, DAY_NONE_HI);
	assert_int_equal(b->monthdays, (1u << 1) | (1u << 15));
	assert_true(b->gain_db == -3.0);
	assert_int_equal(b->repeat, 1);
	assert_int_equal(c->ndates, 1);
	assert_int_equal(c->dates[0], civil_days(2027, 6, 28));
	assert_int_equal(c->ntimes, 2);
	assert_int_equal(c->times[1], 17 * 60 + 30);
	assert_int_equal(c->nbulletins, 2);
	assert_int_equal(c->level, LEVEL_PRIORITY);
	assert_int_equal(d->from_day, civil_days(2027, 5, 1));
	assert_int_equal(d->to_day, civil_days(2027, 6, 30));
	assert_int_equal(s.nblackouts, 1);
	int64_t t;
	assert_int_equal(civil_parse_iso("2027-02-05T00:00:00+07:00", &t), 0);
	assert_true(s.blackouts[0].from == t);
	assert_true(s.blackouts[0].to == t + 7 * 86400);
	assert_string_equal(s.blackouts[0].reason, "Tết Nguyên Đán");
	assert_int_equal(s.blackouts[0].line, 71);
	assert_int_equal(s.slots[1].line, 43);
	assert_int_equal(s.campaigns[1].line, 21);
	schedule_free(&s);
	errlist_free(&e);
}

static void test_schedule_demo(void **state)
{
	(void)state;
	struct schedule s;
	struct errlist e = {0};
	int r = config_load_schedule("../config/demo-schedule.conf", &s, &e);
	dump(&e);
	assert_int_equal(r, 0);
	assert_int_equal(s.nslots, 1);
	assert_int_equal(s.slots[0].ntimes, 720);
	assert_int_equal(s.slots[0].times[0], 0);
	assert_int_equal(s.slots[0].times[719], 1438);
	assert_int_equal(s.slots[0].zones, 1);
	schedule_free(&s);
	errlist_free(&e);
}

static void test_schedule_every(void **state)
{
	(void)state;
	struct schedule s;
	struct errlist e = {0};
	int r = config_load_schedule(DATA "schedule-every.conf", &s, &e);
	dump(&e);
	assert_int_equal(r, 0);
	assert_int_equal(s.serial, 3);
	assert_int_equal(s.nslots, 3);
	static const int sang[] = {300, 330, 360, 390};
	assert_int_equal(s.slots[0].ntimes, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(s.slots[0].times[i], sang[i]);
	static const int all[] = {0, 360, 720, 1080};
	assert_int_equal(s.slots[1].ntimes, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(s.slots[1].times[i], all[i]);
	static const int toi[] = {1320, 1365, 1410};
	assert_int_equal(s.slots[2].ntimes, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(s.slots[2].times[i], toi[i]);
	schedule_free(&s);
	errlist_free(&e);
}

static void test_schedule_every_error(void **state)
{
	(void)state;
	const char *f = DATA "schedule-bad.conf";
	struct schedule s;
	struct errlist e = {0};
	assert_int_equal(config_load_schedule(f, &s, &e), -1);
	assert_int_equal(s.nslots, 0); /* freed */
	assert_null(s.slots);
	expect_err(&e, f, 5, "\"2026-02-29\" is not a date");
	expect_err(&e, f, 6, "unknown key 'colour' in campaign");
	expect_err(&e, f, 8, "campaign b: 'to' is before 'from'");
	expect_err(&e, f, 9, "duplicate campaign id \"a\" (first at line 4)");
	expect_err(&e, f, 12, "time \"25:00\" is not a time");
	expect_err(&e, f, 12, "time \"12:60\" is not a time");
	expect_err(&e, f, 13, "slot s2: says nothing to play");
	expect_err(&e, f, 14, "duplicate slot id \"s1\" (first at line 12)");
	expect_err(&e, f, 16, "slot s3: time 06:30 is listed twice");
	expect_err(&e, f, 18, "level must be normal, priority or emergency, not \"urgent\"");
	expect_err(&e, f, 19, "zones are numbers 1 to 32");
	expect_err(&e, f, 20, "'repeat' = 0 is out of range");
	expect_err(&e, f, 21, "slot s3: 'to' is before 'from'");
	expect_err(&e, f, 22, "date \"2027-13-01\" is not a date");
	expect_err(&e, f, 23, "\"someday\", not a weekday");
	expect_err(&e, f, 24, "unknown key 'colour' in slot");
	expect_err(&e, f, 27, "'to' is not after 'from'");
	expect_err(&e, f, 28, "\"2027-02-05 24:00\" is not");
	expect_err(&e, f, 30, "unknown key 'colour' in the schedule file");
	expect_count(&e, 19);
	errlist_free(&e);
}

static void test_schedule_syntax(void **state)
{
	(void)state;
	const char *f = DATA "schedule-syntax.conf";
	struct schedule s;
	struct errlist e = {0};
	assert_int_equal(config_load_schedule(f, &s, &e), -1);
	expect_err(&e, f, 5, "syntax error");
	expect_count(&e, 1);
	errlist_free(&e);
	assert_int_equal(config_load_schedule(DATA "no-such-schedule.conf", &s, &e), -1);
	expect_err(&e, DATA "no-such-schedule.conf", 0, "cannot read");
	errlist_free(&e);
}

#define SC_HEAD "serial = 1;\ncampaigns = ( { id = \"c\"; title = \"C\"; bulletins = [\"b1\", \"b2\"]; } );\n"

static void check_schedule_one(const struct one_err *t)
{
	struct schedule s;
	struct errlist e = {0};
	const char *f = tmpfile_with(NULL, t->text);
	if (config_load_schedule(f, &s, &e) != -1) {
		print_message("%s", t->text);
		fail_msg("accepted a bad schedule");
	}
	expect_err(&e, f, t->line, t->msg);
	if (e.n != 1)
		print_message("%s", t->text);
	expect_count(&e, 1);
	errlist_free(&e);
}

static void test_schedule_single_errors(void **state)
{
	(void)state;
	static const struct one_err t[] = {
		/* issue 12: no @include outside the station file, in any case or
		 * place; district and stations are ids. */
		{"serial = 1;\n@include \"/etc/passwd\"\nslots = ();\n", 2, "@include is not allowed here"},
		{"serial = 1;\nslots = ();\n  @INCLUDE \"x\"\n", 3, "@include is not allowed here"},
		{"serial = 1;\ndistrict = \"a b\";\nslots = ();\n", 2, "district \"a b\" may use only"},
		{"serial = 1;\ndistrict = \"999\";\nstations = [];\nslots = ();\n", 3, "'stations' is empty"},
		{"serial = 1;\ndistrict = \"999\";\nstations = [\"x y\"];\nslots = ();\n", 3, "must list station ids"},
		{"campaigns = ();\nslots = ();\n", 0, "missing 'serial'"},
		{"serial = 0;\nslots = ();\n", 1, "out of range"},
		{"serial = \"7\";\nslots = ();\n", 1, "must be a whole number"},
		{"serial = 1;\n", 0, "missing 'slots'"},
		{"serial = 1;\nslots = 3;\n", 2, "must be a list"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"]; campaign = \"c\";\n    between = [\"05:00\", \"07:00\"]; }\n);\n",
		 5, "'between' goes with 'every_minutes'"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"];\n every_minutes = 5; campaign = \"c\"; }\n);\n",
		 4, "either 'times' or 'every_minutes'"},
		{SC_HEAD "slots = (\n  { id = \"s\"; every_minutes = 5; campaign = \"c\";\n between = [\"07:00\", \"05:00\"]; }\n);\n",
		 5, "'between' must be"},
		{SC_HEAD "slots = (\n  { id = \"s\"; every_minutes = 5; campaign = \"c\";\n between = [\"05:00\", \"25:00\"]; }\n);\n",
		 5, "'between' must be"},
		{SC_HEAD "slots = (\n  { id = \"s\"; every_minutes = 5; campaign = \"c\";\n between = [\"05:00\"]; }\n);\n",
		 5, "'between' must be"},
		{SC_HEAD "slots = (\n  { id = \"s\"; campaign = \"c\";\n every_minutes = 0; }\n);\n", 5, "'every_minutes' = 0"},
		{SC_HEAD "slots = (\n  { id = \"s\"; campaign = \"c\";\n every_minutes = 5000;\n between = [\"05:00\", \"07:00\"]; }\n);\n",
		 5, "'every_minutes' = 5000"},
		{SC_HEAD "slots = (\n  { id = \"s\"; campaign = \"c\"; }\n);\n", 4, "missing 'times'"},
		{SC_HEAD "slots = (\n  { id = \"s\"; campaign = \"c\";\n times = []; }\n);\n", 5, "'times' is empty"},
		{SC_HEAD "slots = (\n  { id = \"s\"; campaign = \"c\";\n times = [\"7:30\"]; }\n);\n", 5, "\"7:30\""},
		{SC_HEAD "slots = (\n  { id = \"s\"; campaign = \"c\";\n times = [\"12:30 \"]; }\n);\n", 5, "\"12:30 \""},
		{SC_HEAD "slots = (\n  { id = \"s\"; campaign = \"c\";\n times = \"06:30\"; }\n);\n", 5, "must be a list"},
		{SC_HEAD "slots = (\n  { times = [\"06:30\"]; campaign = \"c\"; }\n);\n", 4, "missing 'id'"},
		{SC_HEAD "slots = (\n  { id = \"s/1\"; times = [\"06:30\"]; campaign = \"c\"; }\n);\n", 4, "may use only"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"]; campaign = \"c\";\n days = [0]; }\n);\n", 5,
		 "days of the month 1 to 31"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"]; campaign = \"c\";\n days = [1, 32]; }\n);\n", 5,
		 "days of the month 1 to 31"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"]; campaign = \"c\";\n zones = [0]; }\n);\n", 5,
		 "zones are numbers"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"]; campaign = \"c\";\n repeat = 21; }\n);\n", 5,
		 "'repeat' = 21"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"]; campaign = \"c\";\n gain = 13.0; }\n);\n", 5,
		 "'gain' = 13"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"]; campaign = \"c\";\n level = \"Emergency\"; }\n);\n", 5,
		 "level must be"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"]; campaign = \"c\";\n from = \"2026-12-32\"; }\n);\n", 5,
		 "not a date"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"];\n bulletins = []; }\n);\n", 5, "'bulletins' is empty"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"];\n bulletins = [\"a\", \"a b\"]; }\n);\n", 5,
		 "not a valid id"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"];\n bulletins = [\"a\", \"a\"]; }\n);\n", 5,
		 "\"a\" listed twice"},
		{SC_HEAD "slots = (\n  { id = \"s\"; times = [\"06:30\"];\n campaign = \"\"; }\n);\n", 5, "'campaign' is empty"},
		{"serial = 1;\ncampaigns = (\n  { id = \"c\"; title = \"C\"; }\n);\nslots = ();\n", 3, "missing 'bulletins'"},
		{"serial = 1;\ncampaigns = (\n  { id = \"c\"; title = \"C\";\n bulletins = []; }\n);\nslots = ();\n", 4,
		 "'bulletins' is empty"},
		{"serial = 1;\ncampaigns = (\n  { id = \"c\"; title = \"C\";\n bulletins = [\"x\", \"x\"]; }\n);\nslots = ();\n", 4,
		 "listed twice"},
		{"serial = 1;\ncampaigns = (\n  { id = \"c\"; bulletins = [\"x\"]; }\n);\nslots = ();\n", 3, "missing 'title'"},
		{"serial = 1;\ncampaigns = (\n  { id = \"c\"; title = \"C\"; bulletins = [\"x\"];\n target = -1; }\n);\nslots = ();\n", 4,
		 "'target' = -1"},
		{"serial = 1;\ncampaigns = ( \"c\" );\nslots = ();\n", 2, "campaigns must be groups"},
		{SC_HEAD "slots = ();\nblackouts = (\n  { from = \"2027-02-05 00:00\"; reason = \"x\"; }\n);\n", 5, "missing 'to'"},
		{SC_HEAD "slots = ();\nblackouts = (\n  { from = \"2027-02-05 00:00\";\n to = \"2027-02-04 23:59\"; reason = \"x\"; }\n);\n",
		 6, "'to' is not after 'from'"},
		{SC_HEAD "slots = ();\nblackouts = (\n  { from = \"2027-02-05\"; to = \"2027-02-06 00:00\"; reason = \"x\"; }\n);\n",
		 5, "\"2027-02-05\" is not"},
		{SC_HEAD "slots = ();\nblackouts = (\n  { from = \"2027-02-05 00:00\"; to = \"2027-02-06 00:00\";\n reason = \"\"; }\n);\n",
		 6, "'reason' is empty"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_schedule_one(&t[i]);
}

/* ---- catalog ---- */

static void fill_bulletin(struct bulletin *b, const char *id, const char *title, const char *camp,
			  double dur)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->id, sizeof(b->id), "%s", id);
	snprintf(b->title, sizeof(b->title), "%s", title);
	snprintf(b->campaign, sizeof(b->campaign), "%s", camp);
	snprintf(b->file, sizeof(b->file), "%s.mp3", id);
	b->duration = dur;
	b->rate = 44100;
	b->channels = 2;
	for (int i = 0; i < 64; i++)
		b->sha256[i] = "0123456789abcdef"[(i * 7 + (int)strlen(id)) % 16];
	snprintf(b->added, sizeof(b->added), "2026-11-28T06:30:00+07:00");
}

static void test_catalog_round_trip(void **state)
{
	(void)state;
	struct catalog c = {0}, d;
	struct errlist e = {0};
	snprintf(c.file, sizeof(c.file), "%s/catalog.conf", tmpdir);
	c.items = calloc(3, sizeof(*c.items));
	assert_non_null(c.items);
	fill_bulletin(&c.items[0], "pcmd-01", "Phòng, chống mại dâm: \"bản tin\" số 1 \\ tháng 12", "pcmd", 123.456);
	fill_bulletin(&c.items[1], "sxh-01", "Phòng, chống sốt xuất huyết", "", 61.25);
	fill_bulletin(&c.items[2], "ban-tin-mau", "Bản tin mẫu — Đài truyền thanh xã Phù Đổng", "sxh", 3599.999);
	c.n = 3;
	assert_int_equal(catalog_save(&c), 0);
	int r = catalog_load(c.file, &d, &e);
	dump(&e);
	assert_int_equal(r, 0);
	assert_int_equal(d.n, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct bulletin *a = &c.items[i], *b = &d.items[i];
		assert_string_equal(a->id, b->id);
		assert_string_equal(a->title, b->title);
		assert_string_equal(a->campaign, b->campaign);
		assert_string_equal(a->file, b->file);
		assert_string_equal(a->sha256, b->sha256);
		assert_string_equal(a->added, b->added);
		assert_int_equal(a->rate, b->rate);
		assert_int_equal(a->channels, b->channels);
		if (!(b->duration > a->duration - 0.0005 && b->duration < a->duration + 0.0005))
			fail_msg("duration %f came back as %f", a->duration, b->duration);
	}
	assert_non_null(catalog_find(&d, "sxh-01"));
	assert_null(catalog_find(&d, "sxh-02"));
	catalog_free(&d);

	/* An empty catalog round-trips too. */
	c.n = 0;
	assert_int_equal(catalog_save(&c), 0);
	assert_int_equal(catalog_load(c.file, &d, &e), 0);
	assert_int_equal(d.n, 0);
	catalog_free(&d);
	catalog_free(&c);
	errlist_free(&e);
}

static void test_catalog_missing_is_empty(void **state)
{
	(void)state;
	struct catalog d;
	struct errlist e = {0};
	char path[256];
	snprintf(path, sizeof(path), "%s/none/catalog.conf", tmpdir);
	assert_int_equal(catalog_load(path, &d, &e), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(d.file, path);
	expect_count(&e, 0);
	catalog_free(&d);
}

static void test_catalog_damaged(void **state)
{
	(void)state;
	struct catalog c = {0}, d;
	struct errlist e = {0};
	snprintf(c.file, sizeof(c.file), "%s/damaged.conf", tmpdir);
	c.items = calloc(2, sizeof(*c.items));
	assert_non_null(c.items);
	fill_bulletin(&c.items[0], "a", "Bản tin A", "", 10);
	fill_bulletin(&c.items[1], "b", "Bản tin B", "", 20);
	c.n = 2;
	assert_int_equal(catalog_save(&c), 0);
	FILE *f = fopen(c.file, "r");
	assert_non_null(f);
	char text[8192];
	size_t n = fread(text, 1, sizeof(text), f);
	fclose(f);
	assert_true(n > 100);
	/* Cut at several points: always an error that names the file. */
	size_t cuts[] = {n / 2, n - 3, n * 3 / 4, 0, 40};
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		f = fopen(c.file, "w");
		assert_non_null(f);
		fwrite(text, 1, cuts[k], f);
		fclose(f);
		if (catalog_load(c.file, &d, &e) != -1)
			fail_msg("a catalog cut at %zu of %zu bytes loaded", cuts[k], n);
		assert_true(e.n >= 1);
		assert_true(!strncmp(e.msg[0], c.file, strlen(c.file)));
		catalog_free(&d);
		errlist_free(&e);
	}
	/* Damaged entries. */
	static const struct one_err t[] = {
		{"format = 1;\nbulletins = (\n  { id = \"a\"; file = \"a.mp3\"; }\n);\n", 3, "missing 'sha256'"},
		{"format = 1;\nbulletins = (\n  { id = \"a\"; file = \"../a.mp3\";\n"
		 "    sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"; }\n);\n",
		 3, "bad id or file name"},
		{"format = 1;\nbulletins = (\n  { id = \"a\"; file = \"a.mp3\"; sha256 = \"xyz\"; }\n);\n", 3, "sha256"},
		{"format = 1;\nbulletins = (\n  { id = \"a\"; file = \"a.mp3\";\n"
		 "    sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"; },\n"
		 "  { id = \"a\"; file = \"b.mp3\";\n"
		 "    sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"; }\n);\n",
		 5, "duplicate id \"a\""},
		{"format = 1;\nbulletins = (\n  { id = \"a\"; file = \"a.mp3\"; duration = \"long\";\n"
		 "    sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"; }\n);\n",
		 3, "'duration' must be a number"},
		{"format = 2;\nbulletins = ();\n", 1, "format"},
		{"bulletins = ();\n", 0, "missing 'format'"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *p = tmpfile_with("cat.conf", t[i].text);
		if (catalog_load(p, &d, &e) != -1)
			fail_msg("accepted catalog %zu", i);
		expect_err(&e, p, t[i].line, t[i].msg);
		catalog_free(&d);
		errlist_free(&e);
	}
	catalog_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_station_sample),
		cmocka_unit_test(test_station_installed_sample),
		cmocka_unit_test(test_station_minimal_defaults),
		cmocka_unit_test(test_station_every_error),
		cmocka_unit_test(test_station_bad_sections),
		cmocka_unit_test(test_station_single_errors),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_station_missing_and_syntax),
		cmocka_unit_test(test_station_web),
		cmocka_unit_test(test_station_path_lengths),
		cmocka_unit_test(test_schedule_sample),
		cmocka_unit_test(test_schedule_demo),
		cmocka_unit_test(test_schedule_every),
		cmocka_unit_test(test_schedule_every_error),
		cmocka_unit_test(test_schedule_syntax),
		cmocka_unit_test(test_schedule_single_errors),
		cmocka_unit_test(test_catalog_round_trip),
		cmocka_unit_test(test_catalog_missing_is_empty),
		cmocka_unit_test(test_catalog_damaged),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
