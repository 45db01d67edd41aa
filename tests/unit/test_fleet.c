/* Unit tests for the fleet link's pure core (fleetproto.c), the journal
 * reader by position (fleetlog.c) and the collector's mirror
 * (fleetstore.c), on real files in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <libgen.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetlog.h"
#include "fleetproto.h"
#include "fleetstore.h"
#include "record.h"
#include "util.h"

/* ---- a chained journal to play with ---- */

#define NL 200
static char lines[NL][512];
static size_t lens[NL];

static void make_chain(const char *station)
{
	uint8_t prev[RECORD_HASH_LEN] = {0};
	for (int i = 0; i < NL; i++) {
		char occ[32];
		snprintf(occ, sizeof(occ), "q-%d", i);
		const char *kv_open[] = {"station", station, "format", "1", NULL};
		const char *kv[] = {"occ", occ, "detail", "Bản tin \"xã\"", NULL};
		/* line 5: a broadcast the monitor heard only in part (issue 19) */
		const char *kv_end[] = {"occ", occ, "outcome", "partial", "detail", "dead air at the speakers: heard 3 of 10 s",
					"heard", "3", "heard_of", "10", "monitor_dbfs", "-61.0", NULL};
		lens[i] = record_format(lines[i], sizeof(lines[i]), 1893456000 + i * 60, 25200,
					i == 0 || i == 120 ? "open" : i == 5 ? "end" : "missed",
					i == 0 || i == 120 ? kv_open : i == 5 ? kv_end : kv, prev);
		assert_true(lens[i] > 0);
		record_hash(lines[i], lens[i], prev);
	}
}

static char tmpdir[64];

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/loaxa-test-fleet.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	make_chain("st-a");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static void write_file(const char *path, const char *data, size_t len, const char *mode)
{
	FILE *f = fopen(path, mode);
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* lines [from, to) into DIR/MONTH.log, appended */
static void put_lines(const char *dir, const char *month, int from, int to)
{
	char path[256];
	mkdir_p(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s.log", dir, month);
	for (int i = from; i < to; i++) {
		write_file(path, lines[i], lens[i], "a");
		write_file(path, "\n", 1, "a");
	}
}

#define P(m, l) ((struct fleet_pos){.month = m, .line = l})
static struct fleet_pos pos_of(const char *m, long l)
{
	struct fleet_pos p = {.line = l};
	strcpy(p.month, m);
	return p;
}

/* ---- fleetproto ---- */

static void test_positions(void **state)
{
	struct fleet_pos a = P("2030-01", 5), b = P("2030-02", 1), none = {0}, q;
	assert_true(fleet_pos_cmp(&a, &b) < 0);
	assert_true(fleet_pos_cmp(&b, &a) > 0);
	assert_true(fleet_pos_cmp(&none, &a) < 0);
	assert_int_equal(fleet_pos_cmp(&a, &a), 0);
	char s[32];
	fleet_pos_format(&a, s, sizeof(s));
	assert_string_equal(s, "2030-01:5");
	fleet_pos_format(&none, s, sizeof(s));
	assert_string_equal(s, "-:0");
	assert_int_equal(fleet_pos_parse("2030-12:123", &q), 0);
	assert_string_equal(q.month, "2030-12");
	assert_int_equal(q.line, 123);
	assert_int_equal(fleet_pos_parse("-:0", &q), 0);
	assert_string_equal(q.month, "");
	static const char *const bad[] = {"2030-13:1", "2030-00:1", "2030-01:0", "2030-01:", "2030-01",
					  "2030-01:-1", "2030-01:1x", "x", "", "2030-01:1234567890"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(fleet_pos_parse(bad[i], &q), -1);
}

static void test_topics(void **state)
{
	char t[FLEET_TOPIC_MAX], d[FLEET_ID_MAX], s[FLEET_ID_MAX];
	enum fleet_topic_kind k;
	assert_true(fleet_topic(t, sizeof(t), "271", "st-a", FLEET_T_JOURNAL) > 0);
	assert_string_equal(t, "loaxa/v1/271/st-a/journal");
	assert_int_equal(fleet_topic_parse("loaxa/v1/271/st-a/ack", d, s, &k), 0);
	assert_string_equal(d, "271");
	assert_string_equal(s, "st-a");
	assert_int_equal(k, FLEET_T_ACK);
	assert_int_equal(fleet_topic_parse("loaxa/v1/271/st-a/schedule", d, s, &k), 0);
	assert_int_equal(k, FLEET_T_SCHEDULE);
	assert_int_equal(fleet_topic_parse("loaxa/v1/271/st-a/other", d, s, &k), 0);
	assert_int_equal(k, FLEET_T_OTHER);
	assert_int_equal(fleet_topic(t, sizeof(t), "2/71", "st-a", FLEET_T_ACK), 0);
	assert_int_equal(fleet_topic(t, sizeof(t), "271", "", FLEET_T_ACK), 0);
	static const char *const bad[] = {"loaxa/v2/271/st-a/journal", "loaxa/v1/271/journal",
		"loaxa/v1/271/st-a/journal/x", "loaxa/v1//st-a/journal", "loaxa/v1/271/../journal",
		"loaxa/v1/271/.hidden/journal", "other"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(fleet_topic_parse(bad[i], d, s, &k), -1);
}

static size_t make_batch(char *buf, const char *month, long first, int from, int n, struct fleet_pos after)
{
	struct fleet_batch b = {.after = after, .end = pos_of(month, first + n - 1), .first = first, .count = (size_t)n};
	strcpy(b.month, month);
	size_t len = fleet_batch_header(buf, 512, &b);
	assert_true(len > 0);
	for (int i = from; i < from + n; i++) {
		memcpy(buf + len, lines[i], lens[i]);
		len += lens[i];
		buf[len++] = '\n';
	}
	return len;
}

static void test_batch_roundtrip(void **state)
{
	static char buf[FLEET_PAYLOAD_MAX + 1];
	size_t len = make_batch(buf, "2030-01", 3, 2, 5, P("2030-01", 2));
	struct fleet_batch b;
	char err[128];
	assert_int_equal(fleet_batch_decode(buf, len, &b, err, sizeof(err)), 0);
	assert_string_equal(b.month, "2030-01");
	assert_int_equal(b.first, 3);
	assert_int_equal(b.count, 5);
	assert_int_equal(b.len[0], lens[2]);
	assert_memory_equal(b.line[4], lines[6], lens[6]);
	assert_int_equal(fleet_pos_cmp(&b.end, &(struct fleet_pos){.month = "2030-01", .line = 7}), 0);
}

static void test_batch_rejects(void **state)
{
	static char buf[FLEET_PAYLOAD_MAX + 100];
	struct fleet_batch b;
	char err[128];
	/* a table of broken payloads, each with a reason */
	struct { const char *p; const char *why; } bad[] = {
		{"", "not a loaxa-journal"},
		{"loaxa-journal 2 month=2030-01 first=1 count=1 after=-:0 end=-:0\nx\n", "not a loaxa-journal"},
		{"loaxa-journal 1 month=2030-1 first=1 count=1 after=-:0 end=-:0\nx\n", "bad month"},
		{"loaxa-journal 1 month=2030-01 first=0 count=1 after=-:0 end=-:0\nx\n", "bad first"},
		{"loaxa-journal 1 month=2030-01 first=1 count=0 after=-:0 end=-:0\n", "bad count"},
		{"loaxa-journal 1 month=2030-01 first=1 count=65 after=-:0 end=-:0\nx\n", "bad count"},
		{"loaxa-journal 1 month=2030-01 first=1 count=1 after=-:0 end=-:0 more=1\nx\n", "bad end"},
		{"loaxa-journal 1 month=2030-01 first=2 count=1 after=2030-01:2 end=-:0\nx\n", "after does not precede"},
		{"loaxa-journal 1 month=2030-01 first=1 count=1 after=2030-02:9 end=-:0\nx\n", "after does not precede"},
		{"loaxa-journal 1 month=2030-01 first=1 count=2 after=-:0 end=-:0\nx\n", "fewer lines"},
		{"loaxa-journal 1 month=2030-01 first=1 count=1 after=-:0 end=-:0\nx", "fewer lines"},
		{"loaxa-journal 1 month=2030-01 first=1 count=1 after=-:0 end=-:0\nx\ny\n", "more lines"},
		{"loaxa-journal 1 month=2030-01 first=1 count=1 after=-:0 end=-:0\n\n", "empty"},
		{"loaxa-journal 1 month=2030-01 first=1 count=1 after=-:0 end=-:0\nx\ry\n", "binary"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = 0;
		assert_int_equal(fleet_batch_decode(bad[i].p, strlen(bad[i].p), &b, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].why))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, bad[i].why);
	}
	/* a NUL inside a line */
	const char nul[] = "loaxa-journal 1 month=2030-01 first=1 count=1 after=-:0 end=-:0\na\0b\n";
	assert_int_equal(fleet_batch_decode(nul, sizeof(nul) - 1, &b, err, sizeof(err)), -1);
	/* a line longer than a journal line may be */
	size_t l = (size_t)sprintf(buf, "loaxa-journal 1 month=2030-01 first=1 count=1 after=-:0 end=-:0\n");
	memset(buf + l, 'x', RECORD_LINE_MAX + 1);
	buf[l + RECORD_LINE_MAX + 1] = '\n';
	assert_int_equal(fleet_batch_decode(buf, l + RECORD_LINE_MAX + 2, &b, err, sizeof(err)), -1);
	/* oversized */
	assert_int_equal(fleet_batch_decode(buf, FLEET_PAYLOAD_MAX + 1, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "oversized"));
}

static void test_ack_and_status(void **state)
{
	struct fleet_ack a = {.pos = P("2030-02", 77)}, b;
	record_hash(lines[5], lens[5], a.hash);
	char p[512], err[128];
	size_t n = fleet_ack_encode(p, sizeof(p), &a);
	assert_true(n > 0);
	assert_int_equal(fleet_ack_decode(p, n, &b, err, sizeof(err)), 0);
	assert_int_equal(fleet_pos_cmp(&a.pos, &b.pos), 0);
	assert_memory_equal(a.hash, b.hash, RECORD_HASH_LEN);
	assert_int_equal(fleet_ack_decode("loaxa-ack 1 pos=2030-02:77 hash=zz", 34, &b, err, sizeof(err)), -1);
	assert_int_equal(fleet_ack_decode(p, n - 1, &b, err, sizeof(err)), -1);

	struct fleet_status s = {.online = 1, .end = P("2030-02", 9), .anchor_ok = 0}, t;
	memcpy(s.end_hash, a.hash, RECORD_HASH_LEN);
	strcpy(s.detail, "line 2030-02:5 differs\n");
	n = fleet_status_encode(p, sizeof(p), &s);
	assert_non_null(strstr(p, "anchor=broken detail=line 2030-02:5 differs?"));
	assert_int_equal(fleet_status_decode(p, n, &t, err, sizeof(err)), 0);
	assert_true(t.online);
	assert_false(t.anchor_ok);
	assert_int_equal(t.end.line, 9);
	assert_memory_equal(t.end_hash, a.hash, RECORD_HASH_LEN);
	assert_int_equal(fleet_status_decode("offline", 7, &t, err, sizeof(err)), 0);
	assert_false(t.online);
	assert_int_equal(fleet_status_decode("online", 6, &t, err, sizeof(err)), -1);
	assert_int_equal(fleet_status_decode("online end=x", 12, &t, err, sizeof(err)), -1);
}

static void test_check_line(void **state)
{
	struct fleet_head h;
	memset(&h, 0, sizeof(h));
	char err[256];
	struct fleet_pos none = {0};
	/* the very first line continues "nothing" */
	assert_int_equal(fleet_check_line(&h, &none, &(struct fleet_pos){.month = "2030-01", .line = 1},
					  lines[0], lens[0], err, sizeof(err)), FLEET_APPEND);
	h.pos = P("2030-01", 10);
	record_hash(lines[9], lens[9], h.hash);
	struct fleet_pos p9 = P("2030-01", 9), p10 = P("2030-01", 10), p11 = P("2030-01", 11), p12 = P("2030-01", 12);
	assert_int_equal(fleet_check_line(&h, &P("2030-01", 8), &p9, lines[8], lens[8], err, sizeof(err)), FLEET_DUP);
	assert_int_equal(fleet_check_line(&h, &p9, &p10, lines[9], lens[9], err, sizeof(err)), FLEET_DUP);
	/* the held line itself, different: rewritten after the ack */
	assert_int_equal(fleet_check_line(&h, &p9, &p10, lines[3], lens[3], err, sizeof(err)), FLEET_BREAK);
	assert_non_null(strstr(err, "differs"));
	assert_int_equal(fleet_check_line(&h, &p10, &p11, lines[10], lens[10], err, sizeof(err)), FLEET_APPEND);
	assert_int_equal(fleet_check_line(&h, &p11, &p12, lines[11], lens[11], err, sizeof(err)), FLEET_GAP);
	/* next position, wrong prev */
	assert_int_equal(fleet_check_line(&h, &p10, &p11, lines[12], lens[12], err, sizeof(err)), FLEET_BREAK);
	/* the station says its journal went on from line 8: cut short */
	assert_int_equal(fleet_check_line(&h, &P("2030-01", 8), &P("2030-02", 1), lines[10], lens[10], err,
					  sizeof(err)), FLEET_BREAK);
	assert_non_null(strstr(err, "cut short"));
	/* a new month continues the chain from the last line of the old one */
	assert_int_equal(fleet_check_line(&h, &p10, &P("2030-02", 1), lines[10], lens[10], err, sizeof(err)),
			 FLEET_APPEND);
	/* not a journal line */
	assert_int_equal(fleet_check_line(&h, &p10, &p11, "hello", 5, err, sizeof(err)), FLEET_BAD);

	uint8_t other[RECORD_HASH_LEN] = {1};
	assert_int_equal(fleet_end_diverged(&h, &p11, other, NULL, err, sizeof(err)), 0);
	assert_int_equal(fleet_end_diverged(&h, &p9, h.hash, h.hash, err, sizeof(err)), 0);
	assert_int_equal(fleet_end_diverged(&h, &p9, other, h.hash, err, sizeof(err)), 1);
	assert_int_equal(fleet_end_diverged(&h, &p9, other, NULL, err, sizeof(err)), 1);
}

/* ---- fleetlog ---- */

static void test_log_batches_across_months(void **state)
{
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/log1", tmpdir);
	put_lines(dir, "2030-01", 0, 120);
	put_lines(dir, "2030-02", 120, 150);
	/* junk the reader must ignore, and a torn last line */
	char path[256];
	snprintf(path, sizeof(path), "%s/2030-01.torn", dir);
	write_file(path, "junk", 4, "w");
	snprintf(path, sizeof(path), "%s/2030-02.log", dir);
	write_file(path, "2030-02-01T00:00:00+07:00 torn", 30, "a");

	struct fleetlog *l = fleetlog_new(dir);
	struct fleet_pos end, after = {0}, last;
	uint8_t h[RECORD_HASH_LEN];
	assert_int_equal(fleetlog_end(l, &end, h), 0);
	assert_string_equal(end.month, "2030-02");
	assert_int_equal(end.line, 30);
	uint8_t want[RECORD_HASH_LEN];
	record_hash(lines[149], lens[149], want);
	assert_memory_equal(h, want, RECORD_HASH_LEN);

	static char buf[FLEET_PAYLOAD_MAX + 1];
	size_t len;
	int total = 0, n;
	struct fleet_head head;
	memset(&head, 0, sizeof(head));
	while ((n = fleetlog_batch(l, &after, &end, buf, &len, &last)) > 0) {
		struct fleet_batch b;
		char err[256];
		assert_int_equal(fleet_batch_decode(buf, len, &b, err, sizeof(err)), 0);
		struct fleet_pos a = b.after;
		for (size_t i = 0; i < b.count; i++) {
			struct fleet_pos p = pos_of(b.month, b.first + (long)i);
			assert_int_equal(fleet_check_line(&head, &a, &p, b.line[i], b.len[i], err, sizeof(err)),
					 FLEET_APPEND);
			assert_memory_equal(b.line[i], lines[total], lens[total]);
			head.pos = p;
			record_hash(b.line[i], b.len[i], head.hash);
			a = p;
			total++;
		}
		after = last;
	}
	assert_int_equal(n, 0);
	assert_int_equal(total, 150);
	/* reading again from any point (a rewind) gives the same lines */
	after = P("2030-01", 100);
	n = fleetlog_batch(l, &after, &end, buf, &len, &last);
	assert_int_equal(n, 20);
	assert_string_equal(last.month, "2030-01");
	assert_int_equal(last.line, 120);
	after = last;
	n = fleetlog_batch(l, &after, &end, buf, &len, &last);
	assert_int_equal(n, 30);
	assert_non_null(strstr(buf, "after=2030-01:120"));
	/* hashes by position */
	assert_int_equal(fleetlog_line_hash(l, &P("2030-02", 1), h), 0);
	record_hash(lines[120], lens[120], want);
	assert_memory_equal(h, want, RECORD_HASH_LEN);
	assert_int_equal(fleetlog_line_hash(l, &P("2030-02", 31), h), 1); /* the torn one is not a line */
	assert_int_equal(fleetlog_line_hash(l, &P("2030-03", 1), h), 1);
	fleetlog_free(l);

	/* an empty or missing folder: nothing */
	snprintf(dir, sizeof(dir), "%s/none", tmpdir);
	l = fleetlog_new(dir);
	assert_int_equal(fleetlog_end(l, &end, h), 0);
	assert_string_equal(end.month, "");
	after = (struct fleet_pos){0};
	assert_int_equal(fleetlog_batch(l, &after, &end, buf, &len, &last), 0);
	fleetlog_free(l);
}

/* ---- fleetstore ---- */

static int nacks;
static struct fleet_ack lastack;

static void on_ack(void *ctx, const char *district, const char *station, const struct fleet_ack *a)
{
	nacks++;
	lastack = *a;
}

/* Commit, and the number of acknowledgements that came out of it. */
static int commit(struct fleetstore *s)
{
	nacks = 0;
	assert_int_equal(fleetstore_commit(s, on_ack, NULL), 0);
	return nacks;
}

static void read_all(const char *path, char **buf, size_t *len)
{
	assert_int_equal(read_file_all(path, 1 << 20, 0, buf, len), 0);
}

static void test_store(void **state)
{
	char mirror[128], err[256], path[256];
	snprintf(mirror, sizeof(mirror), "%s/mirror", tmpdir);
	struct fleetstore *s = fleetstore_open(mirror, err, sizeof(err));
	assert_non_null(s);
	static char buf[FLEET_PAYLOAD_MAX + 1];
	struct fleetstore_out o;
	struct fleet_pos none = {0};

	size_t len = make_batch(buf, "2030-01", 1, 0, 10, none);
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1000, &o), 0);
	assert_int_equal(o.stored, 10);
	assert_int_equal(commit(s), 1);
	assert_int_equal(lastack.pos.line, 10);
	assert_int_equal(commit(s), 0);
	/* the same again: nothing stored, the ack repeated */
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1001, &o), 0);
	assert_int_equal(o.stored, 0);
	assert_int_equal(commit(s), 1);
	/* overlapping: only the new part */
	len = make_batch(buf, "2030-01", 6, 5, 10, P("2030-01", 5));
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1002, &o), 0);
	assert_int_equal(o.stored, 5);
	assert_int_equal(commit(s), 1);
	/* a gap: dropped, ack says where to go on from */
	len = make_batch(buf, "2030-01", 20, 19, 5, P("2030-01", 19));
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1010, &o), 0);
	assert_int_equal(o.stored, 0);
	assert_true(o.problem);
	assert_int_equal(commit(s), 1);
	assert_int_equal(lastack.pos.line, 15);
	/* garbage */
	assert_int_equal(fleetstore_journal(s, "271", "st-a", "junk", 4, 1011, &o), 0);
	assert_true(o.problem);
	assert_int_equal(commit(s), 0);
	/* the same station under another district: wrong station */
	len = make_batch(buf, "2030-01", 16, 15, 5, P("2030-01", 15));
	assert_int_equal(fleetstore_journal(s, "272", "st-a", buf, len, 1012, &o), 0);
	assert_true(o.problem);
	assert_non_null(strstr(o.msg, "wrong station"));
	assert_int_equal(o.stored, 0);
	/* a journal of another station sent under this one's name */
	len = make_batch(buf, "2030-01", 1, 0, 3, none);
	assert_int_equal(fleetstore_journal(s, "271", "st-b", buf, len, 1012, &o), 0);
	assert_int_equal(o.stored, 0);
	assert_true(o.problem);
	assert_non_null(strstr(o.msg, "CHAIN BROKEN"));
	assert_int_equal(commit(s), 0);

	/* byte-identical mirror of lines 0..14 */
	snprintf(path, sizeof(path), "%s/st-a/journal/2030-01.log", mirror);
	char *m;
	size_t ml;
	read_all(path, &m, &ml);
	size_t want = 0;
	for (int i = 0; i < 15; i++)
		want += lens[i] + 1;
	assert_int_equal(ml, want);
	assert_memory_equal(m + ml - lens[14] - 1, lines[14], lens[14]);
	free(m);

	/* a status whose end is an older line that matches: fine (late message) */
	struct fleet_status st = {.online = 1, .end = P("2030-01", 12), .anchor_ok = 1};
	record_hash(lines[11], lens[11], st.end_hash);
	char p[512];
	len = fleet_status_encode(p, sizeof(p), &st);
	assert_int_equal(fleetstore_status(s, "271", "st-a", p, len, 0, 1020, &o), 0);
	assert_false(o.problem);
	fleetstore_close(s);

	/* reopen after a crash mid-write: torn tail cut, head restored */
	write_file(path, "2030-01-01T00:00:00+07:00 miss", 30, "a");
	s = fleetstore_open(mirror, err, sizeof(err));
	assert_non_null(s);
	read_all(path, &m, &ml);
	assert_int_equal(ml, want);
	free(m);
	len = make_batch(buf, "2030-01", 16, 15, 5, P("2030-01", 15));
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1030, &o), 0);
	assert_int_equal(o.stored, 5);
	assert_int_equal(commit(s), 1);

	/* a line edited after its ack: flagged, never overwritten */
	char edited[600];
	memcpy(edited, lines[19], lens[19]);
	edited[lens[19] - 70] ^= 1; /* a byte in the detail */
	struct fleet_batch b = {.after = P("2030-01", 19), .end = P("2030-01", 20), .first = 20, .count = 1};
	strcpy(b.month, "2030-01");
	len = fleet_batch_header(buf, 512, &b);
	memcpy(buf + len, edited, lens[19]);
	len += lens[19];
	buf[len++] = '\n';
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1040, &o), 0);
	assert_true(o.problem);
	assert_non_null(strstr(o.msg, "differs"));
	assert_int_equal(commit(s), 0);
	/* flagged: nothing more is taken */
	len = make_batch(buf, "2030-01", 21, 20, 5, P("2030-01", 20));
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1041, &o), 0);
	assert_int_equal(o.stored, 0);
	snprintf(path, sizeof(path), "%s/st-a/fleet.state", mirror);
	read_all(path, &m, &ml);
	assert_non_null(strstr(m, "verdict=broken"));
	assert_non_null(strstr(m, "held=2030-01:20"));
	/* the last proof of air, from line 5's end record (issue 19) */
	assert_non_null(strstr(m, "\nmonitor=heard 3 of 10 s 2030-01-01T"));
	free(m);
	fleetstore_close(s);
	/* the verdict survives a restart */
	s = fleetstore_open(mirror, err, sizeof(err));
	len = make_batch(buf, "2030-01", 21, 20, 5, P("2030-01", 20));
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1050, &o), 0);
	assert_int_equal(o.stored, 0);
	fleetstore_close(s);
}

/* issue 16: what the collector logs (out.msg) is in its language; the
 * chain's verdict, kept in fleet.state and shown as a detail, stays
 * English. The catalogue is the build's ($(BUILD)/locale). */
static void test_store_vietnamese(void **state)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16], mirror[128], err[256], path[256];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(l > 0);
	exe[l] = '\0';
	snprintf(dir, sizeof(dir), "%s/../locale", dirname(exe));
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	setenv("LANGUAGE", "vi", 1);
	bindtextdomain("loaxa", dir);
	bind_textdomain_codeset("loaxa", "UTF-8");
	textdomain("loaxa");
	snprintf(mirror, sizeof(mirror), "%s/mirror-vi", tmpdir);
	struct fleetstore *s = fleetstore_open(mirror, err, sizeof(err));
	assert_non_null(s);
	static char buf[FLEET_PAYLOAD_MAX + 1];
	struct fleetstore_out o;
	struct fleet_pos none = {0};
	size_t len = make_batch(buf, "2030-01", 1, 0, 5, none);
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1000, &o), 0);
	assert_int_equal(o.stored, 5);
	assert_int_equal(fleetstore_journal(s, "272", "st-a", buf, len, 1001, &o), 0);
	assert_true(o.problem);
	assert_string_equal(o.msg, "272/st-a: sai đài: st-a thuộc huyện 271; đã bỏ");
	assert_int_equal(fleetstore_journal(s, "271", "st-a", "junk", 4, 1002, &o), 0);
	assert_true(o.problem);
	assert_non_null(strstr(o.msg, "271/st-a: đã bỏ một lô dòng nhật ký sai dạng: "));
	assert_int_equal(fleetstore_journal(s, "271", "st-b", buf, len, 1003, &o), 0);
	assert_true(o.problem);
	assert_non_null(strstr(o.msg, "271/st-b: CHUỖI BĂM BỊ ĐỨT: "));
	assert_int_equal(commit(s), 1);
	fleetstore_close(s);
	setlocale(LC_ALL, "C");
	unsetenv("LANGUAGE");
	/* the verdict on disk: English */
	snprintf(path, sizeof(path), "%s/st-b/fleet.state", mirror);
	char *st;
	size_t n;
	read_all(path, &st, &n);
	assert_null(strstr(st, "ĐỨT"));
	assert_non_null(strstr(st, "a journal of station \"st-a\" sent as st-b"));
	free(st);
}

static void test_store_status_cut_short(void **state)
{
	char mirror[128], err[256];
	snprintf(mirror, sizeof(mirror), "%s/mirror2", tmpdir);
	struct fleetstore *s = fleetstore_open(mirror, err, sizeof(err));
	static char buf[FLEET_PAYLOAD_MAX + 1];
	struct fleetstore_out o;
	size_t len = make_batch(buf, "2030-01", 1, 0, 30, (struct fleet_pos){0});
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1000, &o), 0);
	assert_int_equal(o.stored, 30);
	assert_int_equal(commit(s), 1);
	/* a burst from several stations: one commit (syncfs), one ack each */
	make_chain("st-b");
	len = make_batch(buf, "2030-01", 1, 0, 5, (struct fleet_pos){0});
	assert_int_equal(fleetstore_journal(s, "271", "st-b", buf, len, 1001, &o), 0);
	make_chain("st-c");
	len = make_batch(buf, "2030-01", 1, 0, 7, (struct fleet_pos){0});
	assert_int_equal(fleetstore_journal(s, "271", "st-c", buf, len, 1001, &o), 0);
	assert_int_equal(o.stored, 7);
	assert_int_equal(commit(s), 2);
	make_chain("st-a");
	/* the station now ends at line 25 with a different line: cut and rewritten */
	struct fleet_status st = {.online = 1, .end = P("2030-01", 25), .anchor_ok = 1};
	record_hash(lines[3], lens[3], st.end_hash);
	char p[512];
	len = fleet_status_encode(p, sizeof(p), &st);
	assert_int_equal(fleetstore_status(s, "271", "st-a", p, len, 0, 1010, &o), 0);
	assert_true(o.problem);
	assert_non_null(strstr(o.msg, "cut short"));
	fleetstore_close(s);
}

static void test_store_reorder(void **state)
{
	char mirror[128], err[256];
	snprintf(mirror, sizeof(mirror), "%s/mirror3", tmpdir);
	struct fleetstore *s = fleetstore_open(mirror, err, sizeof(err));
	static char buf[FLEET_PAYLOAD_MAX + 1];
	struct fleetstore_out o;
	size_t len = make_batch(buf, "2030-01", 1, 0, 10, (struct fleet_pos){0});
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1000, &o), 0);
	/* two batches arrive early, in reverse order: held back */
	len = make_batch(buf, "2030-01", 31, 30, 10, P("2030-01", 30));
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1001, &o), 0);
	assert_int_equal(o.stored, 0);
	assert_non_null(strstr(o.msg, "held back"));
	len = make_batch(buf, "2030-01", 21, 20, 10, P("2030-01", 20));
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1001, &o), 0);
	assert_int_equal(o.stored, 0);
	/* the missing one: it and both held batches are stored, in order */
	len = make_batch(buf, "2030-01", 11, 10, 10, P("2030-01", 10));
	assert_int_equal(fleetstore_journal(s, "271", "st-a", buf, len, 1002, &o), 0);
	assert_int_equal(o.stored, 30);
	assert_int_equal(commit(s), 1);
	assert_int_equal(lastack.pos.line, 40);
	char path[256], *m;
	size_t ml, want = 0;
	snprintf(path, sizeof(path), "%s/st-a/journal/2030-01.log", mirror);
	read_all(path, &m, &ml);
	for (int i = 0; i < 40; i++)
		want += lens[i] + 1;
	assert_int_equal(ml, want);
	assert_memory_equal(m + ml - lens[39] - 1, lines[39], lens[39]);
	free(m);
	fleetstore_close(s);
}


/* issue 14: the downlink's bundle message and the station's answer */
static void test_bundle_msg(void **state)
{
	char topic[FLEET_TOPIC_MAX], d[FLEET_ID_MAX], st[FLEET_ID_MAX];
	enum fleet_topic_kind k;
	assert_true(fleet_district_topic(topic, sizeof(topic), "271") > 0);
	assert_string_equal(topic, "loaxa/v1/271/schedule");
	assert_true(fleet_topic(topic, sizeof(topic), "271", "xa-a", FLEET_T_BUNDLE) > 0);
	assert_string_equal(topic, "loaxa/v1/271/xa-a/bundle");
	assert_int_equal(fleet_topic_parse(topic, d, st, &k), 0);
	assert_int_equal(k, FLEET_T_BUNDLE);
	assert_true(fleet_topic(topic, sizeof(topic), "271", "xa-a", FLEET_T_SCHEDULE) > 0);
	assert_string_equal(topic, "loaxa/v1/271/xa-a/schedule");

	char buf[512];
	size_t h = fleet_bundle_header(buf, sizeof(buf), "push-7.conf", 7, 5, 3);
	assert_string_equal(buf, "loaxa-bundle 1 name=push-7.conf serial=7 conf=5 sig=3\n");
	memcpy(buf + h, "CONFSIG", 8);
	struct fleet_bundle_msg m;
	char err[128];
	assert_int_equal(fleet_bundle_decode(buf, h + 8, &m, err, sizeof(err)), 0);
	assert_string_equal(m.name, "push-7.conf");
	assert_int_equal(m.serial, 7);
	assert_int_equal(m.conf_len, 5);
	assert_memory_equal(m.conf, "CONFS", 5);
	assert_memory_equal(m.sig, "IG\0", 3);
	/* lengths that do not add up, bad names, empty, oversized */
	assert_int_equal(fleet_bundle_decode(buf, h + 7, &m, err, sizeof(err)), -1);
	assert_int_equal(fleet_bundle_decode(buf, 0, &m, err, sizeof(err)), -1);
	assert_int_equal(fleet_bundle_decode(buf, FLEET_BUNDLE_MAX + 1, &m, err, sizeof(err)), -1);
	static const char *const bad[] = {
		"loaxa-bundle 1 name=../x.conf serial=7 conf=1 sig=1\nab",
		"loaxa-bundle 1 name=.x.conf serial=7 conf=1 sig=1\nab",
		"loaxa-bundle 1 name=x.txt serial=7 conf=1 sig=1\nab",
		"loaxa-bundle 1 name=x.conf serial=-7 conf=1 sig=1\nab",
		"loaxa-bundle 1 name=x.conf serial=7 conf=0 sig=2\nab",
		"loaxa-bundle 2 name=x.conf serial=7 conf=1 sig=1\nab",
		"loaxa-bundle 1 name=x.conf serial=7 conf=1 sig=1 more=1\nab",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fleet_bundle_decode(bad[i], strlen(bad[i]), &m, err, sizeof(err)), -1);
	char longname[260];
	memset(longname, 'a', sizeof(longname));
	strcpy(longname + 195, ".conf"); /* 200 bytes */
	assert_int_equal(fleet_bundle_name_valid(longname), 1);
	memset(longname, 'a', sizeof(longname));
	strcpy(longname + 196, ".conf");
	assert_int_equal(fleet_bundle_name_valid(longname), 0);
}

static void test_bundle_state(void **state)
{
	struct fleet_bstate b = {.serial = 2027030101, .got = 10, .total = 20}, o;
	strcpy(b.state, "fetching");
	char buf[1024], err[128];
	size_t n = fleet_bstate_encode(buf, sizeof(buf), &b);
	assert_string_equal(buf, "loaxa-bundle-state 1 serial=2027030101 state=fetching got=10 total=20");
	assert_int_equal(fleet_bstate_decode(buf, n, &o, err, sizeof(err)), 0);
	assert_int_equal(o.got, 10);
	assert_int_equal(o.total, 20);
	/* detail: control characters become spaces, cut at 400 bytes on a UTF-8 boundary */
	b.got = b.total = -1;
	strcpy(b.state, "refused");
	memset(b.detail, 0, sizeof(b.detail));
	strcpy(b.detail, "bad\nline\x01");
	for (size_t i = strlen(b.detail); i + 2 < 400; i += 2)
		memcpy(b.detail + i, "\xc4\x91", 2); /* đ */
	n = fleet_bstate_encode(buf, sizeof(buf), &b);
	assert_true(n > 0);
	assert_non_null(strstr(buf, " state=refused detail=bad line "));
	assert_int_equal(fleet_bstate_decode(buf, n, &o, err, sizeof(err)), 0);
	assert_true(strlen(o.detail) <= 400);
	assert_int_equal((unsigned char)o.detail[strlen(o.detail) - 1], 0x91);
	assert_string_equal(o.state, "refused");
	assert_int_equal(o.got, -1);
	static const char *const bad[] = {
		"loaxa-bundle-state 1 serial=1 state=eaten",
		"loaxa-bundle-state 1 serial=x state=current",
		"loaxa-bundle-state 1 serial=1 state=fetching got=1",
		"loaxa-bundle-state 1 serial=1 state=current junk",
		"online end=-:0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fleet_bstate_decode(bad[i], strlen(bad[i]), &o, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_topics),
		cmocka_unit_test(test_batch_roundtrip),
		cmocka_unit_test(test_batch_rejects),
		cmocka_unit_test(test_ack_and_status),
		cmocka_unit_test(test_check_line),
		cmocka_unit_test(test_log_batches_across_months),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_store_status_cut_short),
		cmocka_unit_test(test_store_reorder),
		cmocka_unit_test(test_store_vietnamese),
		cmocka_unit_test(test_bundle_msg),
		cmocka_unit_test(test_bundle_state),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
