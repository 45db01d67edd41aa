/* Unit tests for the push bundle (bundle.c) and what it stands on: the
 * `files` section and the station's `trust` section (config.c), the spool's
 * temporary names, the rejected/ folder, leftovers of an interrupted
 * install. Signatures are made with the real minisign. Audio-carrying
 * bundles are exercised end to end by tests/it/push.sh; here the audio
 * cases are the ones that need no decodable file (missing, conflicting).
 * Run with cwd = tests/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "bundle_cli.h"
#include "civil.h"
#include "config.h"
#include "library.h"
#include "spool.h"
#include "util.h"

static char dir[64];
static char pubkey[128], keyid[MINISIGN_KEYID_HEX];
static struct station st;

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static const char *P(const char *name)
{
	static char p[8][512];
	static int i;
	i = (i + 1) % 8;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(P(name), "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int exists(const char *name)
{
	return access(P(name), F_OK) == 0;
}

static void sign(const char *name)
{
	assert_int_equal(run("minisign -S -s %s/k.key -m %s -t 'test %s' >/dev/null", dir, P(name), name), 0);
}

static void dump(const struct errlist *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "  | %s\n", e->msg[i]);
}

static int has(const struct errlist *e, const char *needle)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->msg[i], needle))
			return 1;
	dump(e);
	return 0;
}

/* A station whose files all live in dir; keys: the test key, or none. */
static void load_station(int with_key)
{
	char text[2048];
	snprintf(text, sizeof(text),
		 "station = { id = \"t\"; commune_code = \"1\"; district_code = \"d1\"; name = \"Trạm thử\"; };\n"
		 "paths = { library = \"lib\"; journal = \"j\"; schedule = \"sched.conf\"; spool = \"spool\"; state = \".\"; };\n"
		 "clock = { require_sync = false; };\n"
		 "trust = { keys = [%s%s%s]; bundle_wait_s = 5; };\n",
		 with_key ? "\"" : "", with_key ? pubkey : "", with_key ? "\"" : "");
	put("loaxa.conf", text);
	struct errlist e = {0};
	station_free(&st); /* st is static: zero, or a station loaded before */
	int r = config_load_station(P("loaxa.conf"), &st, &e);
	dump(&e);
	assert_int_equal(r, 0);
	errlist_free(&e);
	assert_int_equal(st.ntrust_keys, with_key ? 1 : 0);
	assert_int_equal(st.bundle_wait_s, 5);
}

static int setup(void **state)
{
	(void)state;
	if (civil_tz_set("Asia/Ho_Chi_Minh") < 0)
		return -1;
	if (system("command -v minisign >/dev/null 2>&1") != 0) {
		fprintf(stderr, "minisign is not installed\n");
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/loaxa-test-bundle-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	if (run("cd %s && minisign -G -W -p k.pub -s k.key >/dev/null && "
		"minisign -G -W -p o.pub -s o.key >/dev/null && mkdir -p lib spool b", dir) != 0)
		return -1;
	FILE *f = fopen(P("k.pub"), "r");
	char line[256];
	if (!f || !fgets(line, sizeof(line), f))
		return -1;
	char *id = strstr(line, "public key ");
	if (!id)
		return -1;
	snprintf(keyid, sizeof(keyid), "%.*s", (int)strcspn(id + 11, "\r\n"), id + 11);
	if (!fgets(pubkey, sizeof(pubkey), f))
		return -1;
	pubkey[strcspn(pubkey, "\n")] = '\0';
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	station_free(&st);
	return run("rm -rf '%s'", dir) == 0 ? 0 : -1;
}

/* ---- config: files section, trust section ---- */

static void test_files_section(void **state)
{
	(void)state;
	put("f.conf", "serial = 3;\nslots = ();\n"
		      "files = (\n"
		      "  { bulletin = \"a-1\"; file = \"a-1.mp3\"; sha256 = \"DEEAED024EA8FEE2305C034F9D9CF80339753DFB827280313832E1B77E9D1CB6\"; size = 10; },\n"
		      "  { bulletin = \"b-2\"; file = \"Bản tin 2.mp3\"; sha256 = \"6584155e5033db08fca32d2953b3bbbef0f1a5b9214f1e1c3a354b3048e4486e\";\n"
		      "    title = \"Ngủ màn\"; campaign = \"sxh\"; }\n"
		      ");\n");
	struct bundle_file *f;
	size_t n;
	struct errlist e = {0};
	assert_int_equal(config_load_bundle_files(P("f.conf"), &f, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(f[0].sha256, "deeaed024ea8fee2305c034f9d9cf80339753dfb827280313832e1b77e9d1cb6");
	assert_string_equal(f[0].title, "a-1"); /* default: the id */
	assert_int_equal(f[0].size, 10);
	assert_int_equal(f[0].line, 4);
	assert_string_equal(f[1].file, "Bản tin 2.mp3");
	assert_string_equal(f[1].campaign, "sxh");
	assert_int_equal(f[1].size, -1);
	free(f);
	/* config_load_schedule takes the files key too. */
	struct schedule s;
	assert_int_equal(config_load_schedule(P("f.conf"), &s, &e), 0);
	schedule_free(&s);
	/* No files section: none. */
	put("nf.conf", "serial = 3;\nslots = ();\n");
	assert_int_equal(config_load_bundle_files(P("nf.conf"), &f, &n, &e), 0);
	assert_int_equal(n, 0);
	free(f);
	errlist_free(&e);
}

static void test_files_section_errors(void **state)
{
	(void)state;
	static const struct {
		const char *entry, *want;
	} cases[] = {
		{"{ file = \"a.mp3\"; sha256 = \"%s\"; }", ":2: files: missing 'bulletin'"},
		{"{ bulletin = \"a\"; sha256 = \"%s\"; }", "missing 'file'"},
		{"{ bulletin = \"a\"; file = \"a.mp3\"; }", "missing 'sha256'"},
		{"{ bulletin = \"a\"; file = \"a.mp3\"; sha256 = \"abc\"; }", "is not 64 hex digits"},
		{"{ bulletin = \"a b\"; file = \"a.mp3\"; sha256 = \"%s\"; }", "bulletin \"a b\" may use only"},
		{"{ bulletin = \"a\"; file = \"../a.mp3\"; sha256 = \"%s\"; }", "must be a plain file name"},
		{"{ bulletin = \"a\"; file = \".a.mp3\"; sha256 = \"%s\"; }", "must not start with '.'"},
		{"{ bulletin = \"a\"; file = \"a.mp3.part\"; sha256 = \"%s\"; }", "ends like a temporary"},
		{"{ bulletin = \"a\"; file = \"x.conf\"; sha256 = \"%s\"; }", "ends like a temporary, schedule or signature"},
		{"{ bulletin = \"a\"; file = \"a.mp3\"; sha256 = \"%s\"; size = 0; }", "'size' = 0 is out of range"},
		{"{ bulletin = \"a\"; file = \"a.mp3\"; sha256 = \"%s\"; colour = 1; }", "unknown key 'colour' in files"},
		{"{ bulletin = \"a\"; file = \"a.mp3\"; sha256 = \"%s\"; title = \"\"; }", "'title' is empty"},
		{"\"a.mp3\"", "each entry must be a group"},
		{"{ bulletin = \"a\"; file = \"a.mp3\"; sha256 = \"%s\"; }, { bulletin = \"a\"; file = \"b.mp3\"; sha256 = \"%s\"; }",
		 "bulletin a is listed twice (first at line 2)"},
		{"{ bulletin = \"a\"; file = \"a.mp3\"; sha256 = \"%s\"; }, { bulletin = \"b\"; file = \"a.mp3\"; sha256 = \"%s\"; }",
		 "file a.mp3 is listed twice"},
	};
	const char *h = "6584155e5033db08fca32d2953b3bbbef0f1a5b9214f1e1c3a354b3048e4486e";
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char entry[512], text[1024];
		snprintf(entry, sizeof(entry), cases[i].entry, h, h);
		snprintf(text, sizeof(text), "serial = 3;\nfiles = ( %s );\nslots = ();\n", entry);
		put("fe.conf", text);
		struct bundle_file *f = NULL;
		size_t n = 99;
		struct errlist e = {0};
		assert_int_equal(config_load_bundle_files(P("fe.conf"), &f, &n, &e), -1);
		if (!has(&e, cases[i].want))
			fail_msg("case %zu: no \"%s\"", i, cases[i].want);
		assert_null(f);
		assert_int_equal(n, 0);
		errlist_free(&e);
	}
	/* files must be a list */
	put("fe.conf", "serial = 3;\nfiles = 5;\nslots = ();\n");
	struct bundle_file *f = NULL;
	size_t n;
	struct errlist e = {0};
	assert_int_equal(config_load_bundle_files(P("fe.conf"), &f, &n, &e), -1);
	assert_true(has(&e, "'files' must be a list"));
	errlist_free(&e);
}

static void test_trust_section(void **state)
{
	(void)state;
	load_station(1);
	assert_string_equal(st.trust_keys[0], pubkey);
	load_station(0);
	/* No trust section: no key, default wait. */
	put("t.conf", "station = { id = \"t\"; commune_code = \"1\"; name = \"x\"; };\n");
	struct station s2 = {0};
	struct errlist e = {0};
	assert_int_equal(config_load_station(P("t.conf"), &s2, &e), 0);
	assert_int_equal(s2.ntrust_keys, 0);
	assert_int_equal(s2.bundle_wait_s, 600);
	static const struct {
		const char *trust, *want;
	} bad[] = {
		{"trust = { keys = [\"RWQnotakey\"]; };", ":2: trust: key 1: \"RWQnotakey\" is not a minisign public key"},
		{"trust = { keys = [\"%s\", \"%s\"]; };", "is listed twice"},
		{"trust = { keys = [5]; };", "keys must be strings"},
		{"trust = { keys = \"%s\"; };", "'keys' must be a list"},
		{"trust = { key = [\"%s\"]; };", "unknown key 'key' in trust"},
		{"trust = { bundle_wait_s = -1; };", "'bundle_wait_s' = -1 is out of range"},
		{"trust = 1;", "'trust' must be a group"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char tr[512], text[1024];
		snprintf(tr, sizeof(tr), bad[i].trust, pubkey, pubkey);
		snprintf(text, sizeof(text), "station = { id = \"t\"; commune_code = \"1\"; name = \"x\"; };\n%s\n", tr);
		put("t.conf", text);
		errlist_free(&e);
		station_free(&s2);
		assert_int_equal(config_load_station(P("t.conf"), &s2, &e), -1);
		if (!has(&e, bad[i].want))
			fail_msg("case %zu: no \"%s\"", i, bad[i].want);
	}
	errlist_free(&e);
	station_free(&s2);
}

/* issue 14: trust.revoked, by key id (any case, leading zeros as minisign
 * drops them) or by the key itself; a bundle it signed is refused. */
static void test_trust_revoked(void **state)
{
	(void)state;
	char text[2048];
	struct station s2 = {0};
	struct errlist e = {0};
	snprintf(text, sizeof(text),
		 "station = { id = \"t\"; commune_code = \"1\"; name = \"x\"; };\n"
		 "trust = { keys = [\"%s\"]; revoked = [\"%s\", \"00ab\", \"%s\"]; };\n", pubkey, keyid, pubkey);
	put("t.conf", text);
	assert_int_equal(config_load_station(P("t.conf"), &s2, &e), 0);
	assert_int_equal(s2.ntrust_revoked, 3);
	assert_string_equal(s2.trust_revoked[0], keyid);
	assert_string_equal(s2.trust_revoked[1], "AB");
	assert_string_equal(s2.trust_revoked[2], keyid);
	assert_true(bundle_key_revoked(&s2, keyid));
	assert_false(bundle_key_revoked(&s2, "1234"));
	put("t.conf", "station = { id = \"t\"; commune_code = \"1\"; name = \"x\"; };\n"
		      "trust = { revoked = [\"not-an-id\"]; };\n");
	station_free(&s2);
	assert_int_equal(config_load_station(P("t.conf"), &s2, &e), -1);
	assert_true(has(&e, ":2: trust: revoked: give key ids as minisign prints them"));
	errlist_free(&e);
	station_free(&s2);
}

/* ---- bundle_install ---- */

static void reset_station_files(void)
{
	assert_int_equal(run("cd %s && rm -rf sched.conf sched.conf.minisig serial-high lib spool b && mkdir -p lib spool b", dir), 0);
}

static enum bundle_status install(const char *conf, const char *sig, long long running, int final,
				  int dry, struct bundle_result *res, struct errlist *e)
{
	struct errlist w = {0};
	char rsha[65] = "";
	if (sha256_file(st.schedule, rsha) < 0)
		rsha[0] = '\0';
	struct bundle_request rq = {.conf = P(conf), .sig = sig ? P(sig) : NULL, .running_serial = running,
				    .running_sha = rsha, .final = final, .dry_run = dry, .now = 1900000000};
	enum bundle_status r = bundle_install(&st, &rq, res, e, &w);
	errlist_free(&w);
	return r;
}

static const char sched7[] = "serial = 7;\ndistrict = \"d1\";\nslots = ( { id = \"s\"; times = [\"06:30\"]; bulletins = [\"x\"]; } );\n"
			     "files = ( { bulletin = \"x\"; file = \"x.mp3\"; sha256 = \"%s\"; } );\n";

static void test_install_signed_no_new_audio(void **state)
{
	(void)state;
	load_station(1);
	reset_station_files();
	/* The library has bulletin x already, with this hash: nothing to copy. */
	struct catalog cat = {0};
	library_catalog_path(&st, cat.file, sizeof(cat.file));
	struct bulletin b = {.duration = 10, .rate = 22050, .channels = 1};
	str_copy(b.id, "x", sizeof(b.id));
	str_copy(b.title, "X", sizeof(b.title));
	str_copy(b.file, "x.mp3", sizeof(b.file));
	str_copy(b.sha256, "6584155e5033db08fca32d2953b3bbbef0f1a5b9214f1e1c3a354b3048e4486e", sizeof(b.sha256));
	cat.items = &b;
	cat.n = 1;
	assert_int_equal(catalog_save(&cat), 0);

	char text[1024];
	snprintf(text, sizeof(text), sched7, b.sha256);
	put("b/p.conf", text);
	sign("b/p.conf");
	struct bundle_result res;
	struct errlist e = {0};
	/* A dry run changes nothing. */
	assert_int_equal(install("b/p.conf", "b/p.conf.minisig", 1, 1, 1, &res, &e), BUNDLE_OK);
	assert_false(exists("sched.conf"));
	assert_int_equal(res.serial, 7);
	assert_int_equal(res.nfiles, 1);
	assert_int_equal(res.ncopied, 0);
	assert_string_equal(res.signer, keyid);
	assert_string_equal(res.comment, "test b/p.conf");
	/* For real. */
	enum bundle_status r = install("b/p.conf", "b/p.conf.minisig", 1, 1, 0, &res, &e);
	dump(&e);
	assert_int_equal(r, BUNDLE_OK);
	assert_int_equal(run("cmp -s %s %s && cmp -s %s %s", P("b/p.conf"), P("sched.conf"),
			     P("b/p.conf.minisig"), P("sched.conf.minisig")), 0);
	char signer[64], comment[256], note[256];
	assert_int_equal(bundle_signer(&st, st.schedule, res.sha256, signer, sizeof(signer), comment,
				       sizeof(comment), note, sizeof(note)), 1);
	assert_string_equal(signer, keyid);
	assert_string_equal(comment, "test b/p.conf");
	/* The same again: nothing to do. */
	assert_int_equal(install("b/p.conf", "b/p.conf.minisig", 7, 1, 0, &res, &e), BUNDLE_SAME);
	/* Not greater than the installed file's serial, even if the caller says 0. */
	put("b/q.conf", "serial = 7;\ndistrict = \"d1\";\nslots = ();\n");
	sign("b/q.conf");
	assert_int_equal(install("b/q.conf", "b/q.conf.minisig", 0, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "serial 7 is not greater than the running serial 7"));
	errlist_free(&e);
	put("b/q.conf", "serial = 8;\ndistrict = \"d1\";\nslots = ();\n");
	sign("b/q.conf");
	assert_int_equal(install("b/q.conf", "b/q.conf.minisig", 9, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "serial 8 is not greater than the running serial 9"));
	errlist_free(&e);

	/* A local edit of the installed schedule is no longer signed. */
	FILE *f = fopen(st.schedule, "a");
	fputs("# edited\n", f);
	fclose(f);
	assert_int_equal(bundle_signer(&st, st.schedule, NULL, signer, sizeof(signer), comment,
				       sizeof(comment), note, sizeof(note)), 0);
	assert_string_equal(signer, BUNDLE_UNSIGNED);
	assert_non_null(strstr(note, "signature does not match"));

	/* Unsigned (an operator's --unsigned): installed, the old .minisig goes. */
	put("b/u.conf", "serial = 20;\ndistrict = \"d1\";\nslots = ();\n");
	assert_int_equal(install("b/u.conf", NULL, 7, 1, 0, &res, &e), BUNDLE_OK);
	assert_string_equal(res.signer, BUNDLE_UNSIGNED);
	assert_false(exists("sched.conf.minisig"));
	assert_int_equal(bundle_signer(&st, st.schedule, NULL, signer, sizeof(signer), comment,
				       sizeof(comment), note, sizeof(note)), 0);
	assert_string_equal(note, "no signature file");
	errlist_free(&e);

	/* The highest serial is kept on its own: with the schedule file lost
	 * and nothing running, an old signed schedule is still refused. */
	assert_int_equal(bundle_serial_high(&st), 20);
	unlink(st.schedule);
	assert_int_equal(install("b/q.conf", "b/q.conf.minisig", 0, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "serial 8 is not greater than the running serial 20"));
	errlist_free(&e);
	assert_false(exists("sched.conf"));
}


/* issue 14: the checks before a fetch, on bytes in memory */
static enum bundle_status precheck(const char *name, long long running, struct bundle_result *res,
				   struct bundle_file **files, size_t *nfiles, struct errlist *e)
{
	char *conf = NULL, *sig = NULL, sp[600];
	size_t cl = 0, sl = 0;
	snprintf(sp, sizeof(sp), "%s.minisig", P(name));
	assert_int_equal(read_file_all(P(name), 1 << 20, 1, &conf, &cl), 0);
	if (read_file_all(sp, 16384, 1, &sig, &sl) < 0)
		sig = xstrdup("");
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	enum bundle_status r = bundle_precheck(&st, base, conf, cl, sig, sl, running, NULL, res, files, nfiles, e);
	free(conf);
	free(sig);
	return r;
}

static void test_precheck(void **state)
{
	(void)state;
	load_station(1);
	reset_station_files();
	put("sched.conf", "serial = 5;\ndistrict = \"d1\";\nslots = ();\n");
	struct bundle_result res;
	struct bundle_file *files = NULL;
	size_t n = 0;
	struct errlist e = {0};
	char text[1024];
	/* good: the files section comes back, nothing is written */
	snprintf(text, sizeof(text), sched7, "6584155e5033db08fca32d2953b3bbbef0f1a5b9214f1e1c3a354b3048e4486e");
	put("b/p.conf", text);
	sign("b/p.conf");
	assert_int_equal(precheck("b/p.conf", 5, &res, &files, &n, &e), BUNDLE_OK);
	assert_int_equal(res.serial, 7);
	assert_string_equal(res.signer, keyid);
	assert_int_equal(n, 1);
	assert_string_equal(files[0].file, "x.mp3");
	assert_string_equal(files[0].sha256, "6584155e5033db08fca32d2953b3bbbef0f1a5b9214f1e1c3a354b3048e4486e");
	free(files);
	files = NULL;
	assert_false(exists("lib/x.mp3"));
	/* an old serial: the same words as the install */
	assert_int_equal(precheck("b/p.conf", 7, &res, &files, &n, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "serial 7 is not greater than the running serial 7"));
	errlist_free(&e);
	put("serial-high", "9\n");
	assert_int_equal(precheck("b/p.conf", 5, &res, &files, &n, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "not greater than the running serial 9"));
	errlist_free(&e);
	unlink(P("serial-high"));
	/* another district, an altered schedule, another key, no signature */
	put("b/d.conf", "serial = 6;\ndistrict = \"d2\";\nslots = ();\n");
	sign("b/d.conf");
	assert_int_equal(precheck("b/d.conf", 5, &res, &files, &n, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "the schedule is for district d2, not for this station's district d1"));
	errlist_free(&e);
	put("b/d.conf", "serial = 6;\ndistrict = \"d1\";\nslots = ();\n");
	assert_int_equal(precheck("b/d.conf", 5, &res, &files, &n, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "signature does not match the file"));
	errlist_free(&e);
	assert_int_equal(run("minisign -S -s %s/o.key -m %s >/dev/null", dir, P("b/d.conf")), 0);
	assert_int_equal(precheck("b/d.conf", 5, &res, &files, &n, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "signed by an unknown key"));
	errlist_free(&e);
	unlink(P("b/d.conf.minisig"));
	assert_int_equal(precheck("b/d.conf", 5, &res, &files, &n, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "malformed signature file"));
	errlist_free(&e);
	/* no trusted key */
	load_station(0);
	assert_int_equal(precheck("b/p.conf", 5, &res, &files, &n, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "this station has no trusted key"));
	errlist_free(&e);
	load_station(1);
	assert_null(files);
}

static void test_install_refusals(void **state)
{
	(void)state;
	load_station(1);
	reset_station_files();
	put("sched.conf", "serial = 5;\ndistrict = \"d1\";\nslots = ();\n");
	struct bundle_result res;
	struct errlist e = {0};
	char before[65], after[65];
	assert_int_equal(sha256_file(st.schedule, before), 0);

	/* No signature file. */
	put("b/n.conf", "serial = 6;\ndistrict = \"d1\";\nslots = ();\n");
	assert_int_equal(install("b/n.conf", "b/n.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "unsigned: the signature"));
	errlist_free(&e);
	/* Another key. */
	assert_int_equal(run("minisign -S -s %s/o.key -m %s >/dev/null", dir, P("b/n.conf")), 0);
	assert_int_equal(install("b/n.conf", "b/n.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "signed by an unknown key"));
	errlist_free(&e);
	/* A signature alone. */
	sign("b/n.conf");
	unlink(P("b/n.conf"));
	assert_int_equal(install("b/n.conf", "b/n.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "no schedule:"));
	errlist_free(&e);
	/* Invalid schedule, signed: the message names the file given, with its line. */
	put("b/v.conf", "serial = 6;\ndistrict = \"d1\";\nslots = ( { id = \"s\"; times = [\"25:00\"]; bulletins = [\"x\"]; } );\n");
	sign("b/v.conf");
	assert_int_equal(install("b/v.conf", "b/v.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	char want[600];
	snprintf(want, sizeof(want), "%s:3: slot s: time \"25:00\"", P("b/v.conf"));
	assert_true(has(&e, want));
	errlist_free(&e);
	/* Valid syntax, unknown bulletin: the core validator speaks. */
	put("b/w.conf", "serial = 6;\ndistrict = \"d1\";\nslots = ( { id = \"s\"; times = [\"06:00\"]; bulletins = [\"nope\"]; } );\n");
	sign("b/w.conf");
	assert_int_equal(install("b/w.conf", "b/w.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "nope"));
	errlist_free(&e);
	/* Missing audio: wait, then (final) refuse. */
	char text[1024];
	snprintf(text, sizeof(text), sched7, "6584155e5033db08fca32d2953b3bbbef0f1a5b9214f1e1c3a354b3048e4486e");
	put("b/m.conf", text);
	sign("b/m.conf");
	assert_int_equal(install("b/m.conf", "b/m.conf.minisig", 5, 0, 0, &res, &e), BUNDLE_WAIT);
	assert_true(has(&e, "the bundle is missing the audio file x.mp3 (bulletin x)"));
	errlist_free(&e);
	assert_int_equal(install("b/m.conf", "b/m.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "the bundle is missing the audio file x.mp3"));
	errlist_free(&e);
	/* Present but not an MP3, and not what was signed. */
	put("b/x.mp3", "not audio");
	assert_int_equal(install("b/m.conf", "b/m.conf.minisig", 5, 0, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "does not match the SHA-256 in the signed schedule"));
	errlist_free(&e);
	/* The library has x with other content: a new recording needs a new id. */
	struct catalog cat = {0};
	library_catalog_path(&st, cat.file, sizeof(cat.file));
	struct bulletin b = {.duration = 10};
	str_copy(b.id, "x", sizeof(b.id));
	str_copy(b.file, "x.mp3", sizeof(b.file));
	str_copy(b.sha256, "deeaed024ea8fee2305c034f9d9cf80339753dfb827280313832e1b77e9d1cb6", sizeof(b.sha256));
	cat.items = &b;
	cat.n = 1;
	assert_int_equal(catalog_save(&cat), 0);
	assert_int_equal(install("b/m.conf", "b/m.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "bulletin x is already in the library with other content"));
	errlist_free(&e);
	/* A station with no key refuses even a good signature. */
	load_station(0);
	put("b/g.conf", "serial = 6;\ndistrict = \"d1\";\nslots = ();\n");
	sign("b/g.conf");
	assert_int_equal(install("b/g.conf", "b/g.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "this station has no trusted key"));
	errlist_free(&e);
	load_station(1);
	/* Bound to a district and stations (issue 12). */
	put("b/d.conf", "serial = 6;\ndistrict = \"d2\";\nslots = ();\n");
	sign("b/d.conf");
	assert_int_equal(install("b/d.conf", "b/d.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "the schedule is for district d2, not for this station's district d1"));
	errlist_free(&e);
	put("b/d.conf", "serial = 6;\nslots = ();\n");
	sign("b/d.conf");
	assert_int_equal(install("b/d.conf", "b/d.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "the signed schedule names no district"));
	errlist_free(&e);
	put("b/d.conf", "serial = 6;\ndistrict = \"d1\";\nstations = [\"t2\", \"t3\"];\nslots = ();\n");
	sign("b/d.conf");
	assert_int_equal(install("b/d.conf", "b/d.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, ":3: the schedule is for 2 other stations of district d1 (t2, ...), not for this station t"));
	errlist_free(&e);
	/* Signed, but with an @include: refused before libconfig opens anything
	 * (a FIFO here would hang it). */
	assert_int_equal(run("rm -f %s && mkfifo %s", P("fifo"), P("fifo")), 0);
	snprintf(text, sizeof(text), "serial = 6;\ndistrict = \"d1\";\n  @include \"%s\"\nslots = ();\n", P("fifo"));
	put("b/i.conf", text);
	sign("b/i.conf");
	assert_int_equal(install("b/i.conf", "b/i.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "b/i.conf:3: @include is not allowed here"));
	errlist_free(&e);
	/* An audio file larger than any bulletin, with no size signed: refused
	 * from its size alone, nothing copied. */
	snprintf(text, sizeof(text), "serial = 6;\ndistrict = \"d1\";\nslots = ();\nfiles = ( { bulletin = \"big\"; file = \"big.mp3\"; sha256 = \"%s\"; } );\n",
		 "6584155e5033db08fca32d2953b3bbbef0f1a5b9214f1e1c3a354b3048e4486e");
	put("b/big.conf", text);
	sign("b/big.conf");
	assert_int_equal(run("truncate -s %lld %s", (long long)library_max_bytes(&st) + 1, P("b/big.mp3")), 0);
	assert_int_equal(install("b/big.conf", "b/big.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "larger than any bulletin this station accepts"));
	errlist_free(&e);
	/* Not too large, no size signed, wrong bytes: refused by its hash
	 * before any copy into the library. */
	assert_int_equal(run("truncate -s 3000000 %s", P("b/big.mp3")), 0);
	assert_int_equal(install("b/big.conf", "b/big.conf.minisig", 5, 1, 0, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "big.mp3 does not match the SHA-256"));
	errlist_free(&e);
	unlink(P("b/big.mp3"));
	/* A symbolic link in the spool is not a file. */
	assert_int_equal(symlink(P("b/g.conf"), P("spool/l.conf")), 0);
	struct errlist w = {0};
	struct bundle_request rq = {.conf = P("spool/l.conf"), .sig = P("b/g.conf.minisig"),
				    .running_serial = 5, .final = 1, .no_symlinks = 1, .short_names = 1};
	assert_int_equal(bundle_install(&st, &rq, &res, &e, &w), BUNDLE_REJECTED);
	assert_true(has(&e, "l.conf: not a plain file"));
	errlist_free(&e);
	unlink(P("spool/l.conf"));
	/* Through all that, the schedule in force never changed, and nothing was left behind. */
	assert_int_equal(sha256_file(st.schedule, after), 0);
	assert_string_equal(before, after);
	assert_int_equal(run("ls -A %s | grep -q push", P("lib")), 256);
	assert_int_equal(run("ls -A %s | grep -q push", dir), 256);
}

/* ---- spool side ---- */

/* A good signature by a revoked key: refused with the plain reason,
 * nothing installed; the same bundle passes once the revocation is gone. */
static void test_install_revoked(void **state)
{
	(void)state;
	reset_station_files();
	load_station(1);
	put("sched.conf", "serial = 1;\nslots = ();\n");
	put("r.conf", "serial = 8;\ndistrict = \"d1\";\nslots = ();\n");
	sign("r.conf");
	str_copy(st.trust_revoked[0], keyid, sizeof(st.trust_revoked[0]));
	st.ntrust_revoked = 1;
	struct bundle_result res;
	struct errlist e = {0};
	assert_int_equal(install("r.conf", "r.conf.minisig", 1, 1, 1, &res, &e), BUNDLE_REJECTED);
	assert_true(has(&e, "which this station has revoked (trust.revoked in"));
	assert_string_equal(res.signer, keyid);
	errlist_free(&e);
	st.ntrust_revoked = 0;
	assert_int_equal(install("r.conf", "r.conf.minisig", 1, 1, 1, &res, &e), BUNDLE_OK);
	errlist_free(&e);
}

/* bundle make's writer: serial, binding and files replaced, the rest
 * kept; what it writes parses back to the same values. */
static void test_write_bundle(void **state)
{
	(void)state;
	static const char src[] = "# a comment\nserial = 3;\ndistrict = \"old\";\n"
				  "campaigns = ( { id = \"c\"; title = \"Phòng, chống sốt xuất huyết\"; bulletins = [\"x\"]; target = 2; } );\nslots = ();\n"
				  "files = ( { bulletin = \"old\"; file = \"old.mp3\"; sha256 = \"00\"; } );\n";
	struct bundle_file f[2] = {0};
	str_copy(f[0].bulletin, "x", sizeof(f[0].bulletin));
	str_copy(f[0].file, "x.mp3", sizeof(f[0].file));
	memset(f[0].sha256, 'a', 64);
	f[0].size = 12345;
	str_copy(f[0].title, "Diệt \"lăng quăng\"", sizeof(f[0].title));
	str_copy(f[0].campaign, "c", sizeof(f[0].campaign));
	str_copy(f[1].bulletin, "y", sizeof(f[1].bulletin));
	str_copy(f[1].file, "y.mp2", sizeof(f[1].file));
	memset(f[1].sha256, 'b', 64);
	f[1].size = 3000000000LL;
	str_copy(f[1].title, "y", sizeof(f[1].title));
	char st2[2][ID_MAX] = {"xa-a", "xa-b"};
	char *out = NULL;
	size_t n = 0;
	struct errlist e = {0};
	assert_int_equal(config_write_bundle("s.conf", src, sizeof(src) - 1, "# header\n", 2030011501LL, "d1",
					     st2, 2, f, 2, &out, &n, &e), 0);
	assert_int_equal(strncmp(out, "# header\nserial = 2030011501;\ndistrict = \"d1\";\nstations = [ \"xa-a\", \"xa-b\" ];\n", 77), 0);
	struct schedule s;
	int pr = config_parse_schedule("out.conf", out, n, &s, &e);
	if (pr)
		fprintf(stderr, "%s", out);
	dump(&e);
	assert_int_equal(pr, 0);
	assert_int_equal(s.serial, 2030011501LL);
	assert_string_equal(s.district, "d1");
	assert_int_equal(s.nstations, 2);
	assert_string_equal(s.campaigns[0].title, "Phòng, chống sốt xuất huyết");
	schedule_free(&s);
	struct bundle_file *back = NULL;
	size_t nb = 0;
	assert_int_equal(config_parse_bundle_files("out.conf", out, n, &back, &nb, &e), 0);
	assert_int_equal(nb, 2);
	assert_string_equal(back[0].title, "Diệt \"lăng quăng\"");
	assert_int_equal(back[0].size, 12345);
	assert_int_equal(back[1].size, 3000000000LL);
	assert_string_equal(back[1].campaign, "");
	assert_memory_equal(back[1].sha256, f[1].sha256, 65);
	free(back);
	free(out);
	errlist_free(&e);
}

/* The fleet downlink message (the contract of issue 14). */
static void test_bundle_message(void **state)
{
	(void)state;
	char *m = NULL;
	size_t n = 0;
	assert_int_equal(bundle_message("push-7.conf", 7, "serial = 7;\n", 12, "SIG\n", 4, &m, &n), 0);
	static const char want[] = "loaxa-bundle 1 name=push-7.conf serial=7 conf=12 sig=4\nserial = 7;\nSIG\n";
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(m, want, n);
	free(m);
	static const char *const bad[] = {"push.txt", ".push.conf", "a/b.conf", ".conf", ""};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(bundle_message(bad[i], 1, "x", 1, "y", 1, &m, &n), -1);
		assert_null(m);
	}
	char *big = xcalloc(BUNDLE_MSG_MAX, 1);
	assert_int_equal(bundle_message("p.conf", 1, big, BUNDLE_MSG_MAX - 100, big, 100, &m, &n), -1);
	free(big);
}

/* schedule check's look at a files section: every entry, every problem,
 * good entries kept (config_load_bundle_files_all, bundle_check_files). */
static void test_check_files(void **state)
{
	(void)state;
	reset_station_files();
	load_station(0);
	put("b/a.mp3", "not audio at all");
	char sum[65], text[2048];
	assert_int_equal(sha256_file(P("b/a.mp3"), sum), 0);
	snprintf(text, sizeof(text),
		 "serial = 2;\nslots = ();\nfiles = (\n"
		 " { bulletin = \"a\"; file = \"a.mp3\"; sha256 = \"%s\"; size = 16; },\n"
		 " { bulletin = \"b\"; file = \"../b.mp3\"; sha256 = \"%s\"; },\n"
		 " { bulletin = \"c\"; file = \"c.mp3\"; sha256 = \"%s\"; },\n"
		 " { bulletin = \"d\"; file = \"a.mp3\"; sha256 = \"%s\"; size = 3; }\n);\n",
		 sum, sum, sum, sum);
	put("b/p.conf", text);
	struct bundle_file *f = NULL;
	size_t n = 0, nadd = 0;
	struct errlist e = {0}, w = {0};
	assert_int_equal(config_load_bundle_files_all(P("b/p.conf"), &f, &n, &e), 1);
	assert_int_equal(n, 4); /* the bad ones kept, flagged */
	assert_true(f[1].bad);
	assert_true(has(&e, "p.conf:5: files: file \"../b.mp3\" must be a plain file name"));
	assert_true(has(&e, "p.conf:7: files: file a.mp3 is listed twice"));
	struct bulletin add[4];
	size_t bad = bundle_check_files(&st, "p.conf", f, n, P("b"), NULL, 1900000000, add, &nadd, &e, &w);
	assert_int_equal(bad, 4);
	assert_int_equal(nadd, 0);
	assert_true(has(&e, "p.conf:6: the audio file c.mp3 (bulletin c) is not beside the schedule"));
	assert_true(has(&e, "not an MP3/MP2 file (no MPEG audio frames): a.mp3")); /* bulletin add's check */
	free(f);
	errlist_free(&e);
	errlist_free(&w);
}

static void test_spool_reject_and_remove(void **state)
{
	(void)state;
	load_station(1);
	reset_station_files();
	const char *h = "6584155e5033db08fca32d2953b3bbbef0f1a5b9214f1e1c3a354b3048e4486e";
	char text[1024];
	snprintf(text, sizeof(text), "serial = 9;\ndistrict = \"d1\";\nslots = ();\nfiles = ( { bulletin = \"a\"; file = \"a.mp3\"; sha256 = \"%s\"; },"
		 " { bulletin = \"s\"; file = \"shared.mp3\"; sha256 = \"%s\"; } );\n", h, h);
	put("spool/p.conf", text);
	sign("spool/p.conf");
	put("spool/a.mp3", "a");
	put("spool/shared.mp3", "s");
	snprintf(text, sizeof(text), "serial = 10;\ndistrict = \"d1\";\nslots = ();\nfiles = ( { bulletin = \"s\"; file = \"shared.mp3\"; sha256 = \"%s\"; } );\n", h);
	put("spool/q.conf", text);
	sign("spool/q.conf");
	/* Unsigned, naming a.mp3 too: never parsed, so it does not count. */
	snprintf(text, sizeof(text), "serial = 11;\nslots = ();\nfiles = ( { bulletin = \"a\"; file = \"a.mp3\"; sha256 = \"%s\"; } );\n", h);
	put("spool/r.conf", text);
	struct bundle_result res = {.serial = 9};
	str_copy(res.signer, keyid, sizeof(res.signer));
	str_copy(res.comment, "bundle p", sizeof(res.comment));
	struct errlist why = {0};
	errlist_add(&why, "first reason");
	errlist_add(&why, "second reason");
	char err[512];
	assert_int_equal(bundle_spool_reject(&st, "p", &res, &why, 1900000000, err, sizeof(err)), 0);
	errlist_free(&why);
	assert_false(exists("spool/p.conf"));
	assert_false(exists("spool/p.conf.minisig"));
	assert_false(exists("spool/a.mp3"));
	assert_true(exists("spool/shared.mp3")); /* q still needs it */
	assert_true(exists("spool/rejected/p.conf"));
	assert_true(exists("spool/rejected/p.conf.minisig"));
	assert_true(exists("spool/rejected/a.mp3"));
	assert_int_equal(run("grep -q '^reason: first reason$' %s && grep -q '^  second reason$' %s && "
			     "grep -q 'serial 9' %s && grep -q 'key %s, trusted comment \"bundle p\"' %s",
			     P("spool/rejected/p.why"), P("spool/rejected/p.why"), P("spool/rejected/p.why"),
			     keyid, P("spool/rejected/p.why")), 0);
	/* Installed: its files leave the spool. */
	bundle_spool_remove(&st, "q");
	assert_false(exists("spool/q.conf"));
	assert_false(exists("spool/shared.mp3"));

	/* A refused bundle whose signature does not verify: its schedule is
	 * never parsed (here an @include of a FIFO, which would hang libconfig),
	 * so only NAME.conf and NAME.conf.minisig move; a newline in the name
	 * does not forge a line of the .why. */
	put("spool/w.mp3", "w");
	assert_int_equal(run("rm -f %s && mkfifo %s", P("fifo"), P("fifo")), 0);
	snprintf(text, sizeof(text), "serial = 12;\n@include \"%s\"\nslots = ();\nfiles = ( { bulletin = \"w\"; file = \"w.mp3\"; sha256 = \"%s\"; } );\n",
		 P("fifo"), h);
	put("spool/x\ny.conf", text);
	put("spool/x\ny.conf.minisig", "untrusted comment: no\nRWQ\n");
	struct bundle_result r2 = {0};
	str_copy(r2.signer, BUNDLE_UNSIGNED, sizeof(r2.signer));
	struct errlist why2 = {0};
	errlist_add(&why2, "malformed signature file (line 2): x\nreason: forged");
	assert_int_equal(bundle_spool_reject(&st, "x\ny", &r2, &why2, 1900000000, err, sizeof(err)), 0);
	errlist_free(&why2);
	assert_true(exists("spool/rejected/x\ny.conf"));
	assert_true(exists("spool/w.mp3"));
	assert_int_equal(run("grep -c '^reason:' '%s' | grep -qx 1 && grep -q 'x\\\\nreason: forged' '%s'",
			     P("spool/rejected/x\ny.why"), P("spool/rejected/x\ny.why")), 0);
}

static void test_clean_staged(void **state)
{
	(void)state;
	load_station(1);
	reset_station_files();
	char name[128];
	/* Left by a dead process (no pid is this large), and by a live one (ours' parent). */
	put("lib/.push-x.999999999", "x");
	put("lib/.push-y.999999999.tmp.999999999", "y");
	put(".sched.conf.push.999999999", "z");
	snprintf(name, sizeof(name), "lib/.push-z.%ld", (long)getppid());
	put(name, "live");
	put("lib/keep.mp3", "k");
	bundle_clean_staged(&st);
	assert_false(exists("lib/.push-x.999999999"));
	assert_false(exists("lib/.push-y.999999999.tmp.999999999"));
	assert_false(exists(".sched.conf.push.999999999"));
	assert_true(exists(name));
	assert_true(exists("lib/keep.mp3"));
}

/* issue 12: what the spool refuses at once. */
static void test_odd_files(void **state)
{
	(void)state;
	struct stat sb;
	assert_int_equal(run("cd %s && rm -rf odd && mkdir odd && cd odd && echo x >plain && echo y >two && ln two two-b && "
			     "ln -s plain link && mkfifo fifo && mkdir sub", dir), 0);
	assert_int_equal(lstat(P("odd/plain"), &sb), 0);
	assert_null(spool_odd_file(&sb));
	assert_int_equal(lstat(P("odd/sub"), &sb), 0);
	assert_null(spool_odd_file(&sb));
	assert_int_equal(lstat(P("odd/two"), &sb), 0);
	assert_non_null(strstr(spool_odd_file(&sb), "hard link"));
	assert_int_equal(lstat(P("odd/link"), &sb), 0);
	assert_non_null(strstr(spool_odd_file(&sb), "symbolic link"));
	assert_int_equal(lstat(P("odd/fifo"), &sb), 0);
	assert_non_null(strstr(spool_odd_file(&sb), "FIFO"));
	assert_int_equal(stat("/dev/null", &sb), 0);
	assert_non_null(strstr(spool_odd_file(&sb), "device"));
	/* Readers never wait on a FIFO nor follow a link when told not to. */
	char *buf = NULL, sum[65];
	size_t len;
	assert_int_equal(read_file_all(P("odd/fifo"), 100, 1, &buf, &len), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(read_file_all(P("odd/link"), 100, 1, &buf, &len), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(sha256_file(P("odd/fifo"), sum), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sha256_file_max(P("odd/plain"), 1, 0, sum), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(sha256_file_max(P("odd/plain"), 2, 1, sum), 0);
	assert_int_equal(sha256_file_max(P("odd/link"), 100, 1, sum), -1);
	/* Atomic writes never go through a link planted under their temporary name. */
	char tmpname[512];
	snprintf(tmpname, sizeof(tmpname), "%s.tmp.%ld", P("odd/out"), (long)getpid());
	assert_int_equal(symlink(P("odd/plain"), tmpname), 0);
	assert_int_equal(write_file_atomic(P("odd/out"), "new\n", 4), 0);
	assert_int_equal(run("grep -qx x %s && grep -qx new %s", P("odd/plain"), P("odd/out")), 0);
}

static void test_temp_names(void **state)
{
	(void)state;
	static const char *const temp[] = {".p.conf.Xy12Ab", "p.conf.part", "a.mp3.tmp", "a.mp3~",
					   "a.mp3.partial", "a.mp3.crdownload", ".a.mp3.swp",
					   "a.tmp.123", "a.mp3.filepart", "", NULL};
	static const char *const real[] = {"p.conf", "p.conf.minisig", "a.mp3", "Bản tin.mp3",
					   "part.mp3", "tmp.conf", NULL};
	for (const char *const *t = temp; *t; t++)
		if (!spool_temp_name(*t))
			fail_msg("\"%s\" should be a temporary name", *t);
	for (const char *const *t = real; *t; t++)
		if (spool_temp_name(*t))
			fail_msg("\"%s\" should not be a temporary name", *t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_section),
		cmocka_unit_test(test_files_section_errors),
		cmocka_unit_test(test_trust_section),
		cmocka_unit_test(test_trust_revoked),
		cmocka_unit_test(test_install_revoked),
		cmocka_unit_test(test_write_bundle),
		cmocka_unit_test(test_check_files),
		cmocka_unit_test(test_bundle_message),
		cmocka_unit_test(test_install_signed_no_new_audio),
		cmocka_unit_test(test_install_refusals),
		cmocka_unit_test(test_precheck),
		cmocka_unit_test(test_spool_reject_and_remove),
		cmocka_unit_test(test_clean_staged),
		cmocka_unit_test(test_odd_files),
		cmocka_unit_test(test_temp_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
