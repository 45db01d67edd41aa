/* Unit tests for record.c: the journal line format (round trips of every
 * event with awkward values, strict rejection of malformed lines) and the
 * chain hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"

#define T1 1795822200 /* 2026-11-28T06:30:00+07:00 */
#define VN 25200

static const char *const awkward[] = {
	"plain",
	"two words",
	"say \"hi\"",
	"back\\slash",
	"line one\nline two",
	"tab\there\r",
	"Tuyên truyền phòng, chống mại dâm",
	"",
	"a=b",
	"prev=0000",
	"ctl\x01\x1f\x7f end",
	" leading and trailing ",
	"\\x41 not an escape",
	"\"",
};

/* Every event the daemon writes, with its fields (docs/JOURNAL.md). */
static const char *const events[][12] = {
	{"open", "station", "commune", "format"},
	{"station-start", "version", "pid", "serial"},
	{"station-stop", "reason"},
	{"schedule-installed", "serial", "sha256", "file", "signer"},
	{"schedule-rejected", "serial", "file", "reason"},
	{"clock-stepped", "delta", "from", "to"},
	{"clock-synced"},
	{"audio-lost", "device", "reason"},
	{"audio-back", "device"},
	{"amp-fault", "reason"},
	{"amp-ok"},
	{"torn", "file", "offset", "bytes", "saved"},
	{"start", "occ", "due", "bulletin", "campaign", "zones", "level", "repeat", "expected", "serial"},
	{"end", "occ", "outcome", "played", "expected", "detail"},
	{"interrupted", "occ", "due", "started", "bulletin", "campaign", "zones", "expected", "detail"},
	{"failed", "occ", "due", "bulletin", "campaign", "zones", "level", "expected", "detail"},
	{"missed", "occ", "due", "bulletin", "campaign", "zones", "level", "expected", "detail"},
};

static void fill_prev(uint8_t prev[RECORD_HASH_LEN], int seed)
{
	for (int i = 0; i < RECORD_HASH_LEN; i++)
		prev[i] = (uint8_t)(seed * 31 + i * 7);
}

static void test_round_trip_every_event(void **state)
{
	static struct record r;
	char line[RECORD_LINE_MAX + 1], again[RECORD_LINE_MAX + 1], err[200];
	size_t nev = sizeof(events) / sizeof(events[0]), nawk = sizeof(awkward) / sizeof(awkward[0]);
	for (size_t e = 0; e < nev; e++) {
		for (size_t shift = 0; shift < nawk; shift++) {
			const char *kv[32];
			size_t nk = 0, nf = 0;
			for (size_t k = 1; events[e][k]; k++, nf++) {
				kv[nk++] = events[e][k];
				kv[nk++] = awkward[(k + shift) % nawk];
			}
			kv[nk] = NULL;
			uint8_t prev[RECORD_HASH_LEN];
			fill_prev(prev, (int)(e + shift));
			int off = shift % 2 ? VN : -(3 * 3600 + 30 * 60);
			size_t len = record_format(line, sizeof(line), T1 + (int64_t)e, off, events[e][0], kv, prev);
			assert_true(len > 0);
			assert_int_equal(strlen(line), len);
			assert_null(memchr(line, '\n', len));
			if (record_parse(line, len, &r, err, sizeof(err)) < 0)
				fail_msg("parse of %s failed: %s", line, err);
			assert_int_equal(r.time, T1 + (int64_t)e);
			assert_int_equal(r.offset, off);
			assert_string_equal(r.event, events[e][0]);
			assert_int_equal(r.nf, nf);
			for (size_t k = 0; k < nf; k++) {
				assert_string_equal(r.f[k].key, kv[2 * k]);
				assert_string_equal(r.f[k].val, kv[2 * k + 1]);
				assert_string_equal(record_get(&r, kv[2 * k]), kv[2 * k + 1]);
			}
			assert_memory_equal(r.prev, prev, RECORD_HASH_LEN);
			assert_null(record_get(&r, "no-such-key"));
			/* Formatting the decoded record gives the same bytes. */
			const char *kv2[2 * RECORD_FIELDS_MAX + 1];
			for (size_t k = 0; k < r.nf; k++) {
				kv2[2 * k] = r.f[k].key;
				kv2[2 * k + 1] = r.f[k].val;
			}
			kv2[2 * r.nf] = NULL;
			size_t len2 = record_format(again, sizeof(again), r.time, r.offset, r.event, kv2, r.prev);
			assert_int_equal(len2, len);
			assert_memory_equal(again, line, len);
		}
	}
}

static void test_encoding_details(void **state)
{
	static struct record r;
	char line[RECORD_LINE_MAX + 1];
	uint8_t zero[RECORD_HASH_LEN] = {0};
	const char *kv[] = {"a", "bare", "b", "two words", "c", "", "d", "q\"\\\n\x01", "skip", NULL,
			    "e", "Tuyên", NULL};
	size_t len = record_format(line, sizeof(line), T1, VN, "end", kv, zero);
	assert_string_equal(line, "2026-11-28T06:30:00+07:00 end a=bare b=\"two words\" c=\"\" "
				  "d=\"q\\\"\\\\\\n\\x01\" e=Tuyên prev="
				  "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(len, strlen(line));
	assert_int_equal(record_parse(line, len, &r, NULL, 0), 0);
	assert_int_equal(r.nf, 5); /* the NULL value was skipped */
	assert_null(record_get(&r, "skip"));

	/* No fields at all, UTC written +00:00, Z accepted on input. */
	len = record_format(line, sizeof(line), T1, 0, "amp-ok", NULL, zero);
	assert_string_equal(line, "2026-11-27T23:30:00+00:00 amp-ok prev="
				  "0000000000000000000000000000000000000000000000000000000000000000");
	const char *z = "2026-11-27T23:30:00Z amp-ok prev="
			"00000000000000000000000000000000000000000000000000000000000000AB";
	assert_int_equal(record_parse(z, strlen(z), &r, NULL, 0), 0);
	assert_int_equal(r.time, T1);
	assert_int_equal(r.offset, 0);
	assert_int_equal(r.nf, 0);
	assert_int_equal(r.prev[31], 0xab);
	assert_string_equal(r.time_str, "2026-11-27T23:30:00Z");
	/* An escape that a formatter would not write is still decoded. */
	const char *x = "2026-11-27T23:30:00Z amp-fault reason=\"\\x41\\t\" prev="
			"0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(record_parse(x, strlen(x), &r, NULL, 0), 0);
	assert_string_equal(record_get(&r, "reason"), "A\t");
}

static void test_format_refuses(void **state)
{
	char line[RECORD_LINE_MAX + 1];
	uint8_t zero[RECORD_HASH_LEN] = {0};
	const char *badkey[] = {"Bad", "x", NULL};
	const char *spacekey[] = {"a b", "x", NULL};
	const char *prevkey[] = {"prev", "x", NULL};
	const char *dup[] = {"a", "1", "a", "2", NULL};
	const char *emptykey[] = {"", "x", NULL};
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "end", badkey, zero), 0);
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "end", spacekey, zero), 0);
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "end", prevkey, zero), 0);
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "end", dup, zero), 0);
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "end", emptykey, zero), 0);
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "Bad Event", NULL, zero), 0);
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "", NULL, zero), 0);
	assert_int_equal(record_format(line, sizeof(line), T1, 25201, "end", NULL, zero), 0);
	assert_int_equal(record_format(line, sizeof(line), -5, 0, "end", NULL, zero), 0);
	/* Too many fields. */
	const char *many[2 * (RECORD_FIELDS_MAX + 1) + 1];
	char keys[RECORD_FIELDS_MAX + 1][16];
	for (int i = 0; i <= RECORD_FIELDS_MAX; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		many[2 * i] = keys[i];
		many[2 * i + 1] = "v";
	}
	many[2 * (RECORD_FIELDS_MAX + 1)] = NULL;
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "end", many, zero), 0);
	many[2 * RECORD_FIELDS_MAX] = NULL; /* exactly the maximum is fine */
	assert_true(record_format(line, sizeof(line), T1, VN, "end", many, zero) > 0);
	/* Does not fit the caller's buffer. */
	char small[200]; /* the line is 102 bytes: it needs 103 with the NUL */
	assert_int_equal(record_format(small, 102, T1, VN, "amp-ok", NULL, zero), 0);
	assert_int_equal(record_format(small, 103, T1, VN, "amp-ok", NULL, zero), 102);
}

static void test_over_long(void **state)
{
	static struct record r;
	static char line[2 * RECORD_LINE_MAX], big[RECORD_LINE_MAX + 100];
	char err[200];
	uint8_t zero[RECORD_HASH_LEN] = {0};
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const char *kv[] = {"detail", big, NULL};
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "end", kv, zero), 0);
	/* The longest value that fits makes a line of exactly RECORD_LINE_MAX. */
	size_t fixed = strlen("2026-11-28T06:30:00+07:00 end detail= prev=") + 64;
	big[RECORD_LINE_MAX - fixed] = '\0';
	size_t len = record_format(line, sizeof(line), T1, VN, "end", kv, zero);
	assert_int_equal(len, RECORD_LINE_MAX);
	assert_int_equal(record_parse(line, len, &r, err, sizeof(err)), 0);
	assert_int_equal(strlen(record_get(&r, "detail")), RECORD_LINE_MAX - fixed);
	big[RECORD_LINE_MAX - fixed] = 'x';
	big[RECORD_LINE_MAX - fixed + 1] = '\0';
	assert_int_equal(record_format(line, sizeof(line), T1, VN, "end", kv, zero), 0);
	/* A hand-made line one byte over is refused by the decoder. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "2026-11-28T06:30:00+07:00 end detail=", 37);
	memcpy(line + RECORD_LINE_MAX + 1 - 70, " prev=", 6);
	memset(line + RECORD_LINE_MAX + 1 - 64, '0', 64);
	assert_int_equal(record_parse(line, RECORD_LINE_MAX + 1, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
}

struct bad {
	const char *line;
	const char *why; /* substring of the error */
};

#define P64 "0000000000000000000000000000000000000000000000000000000000000000"
#define TS "2026-11-28T06:30:00+07:00"

static void test_malformed(void **state)
{
	static const struct bad bad[] = {
		{"", "empty"},
		{TS " end occ=a", "missing prev"},
		{TS " end", "missing prev"},
		{TS, "no event"},
		{TS " end occ=\"a\"", "missing prev"},
		{TS " end prev=" P64 "0", "after prev"},
		{TS " end prev=" P64 " occ=a", "after prev"},
		{TS " end prev=000", "64 hex"},
		{TS " end prev=000000000000000000000000000000000000000000000000000000000000000g", "64 hex"},
		{TS " end prev=\"" P64 "\"", "hex"},
		{"2026-11-28 06:30:00+07:00 end prev=" P64, "bad time"},
		{"2026-13-28T06:30:00+07:00 end prev=" P64, "bad time"},
		{"2026-02-30T06:30:00+07:00 end prev=" P64, "bad time"},
		{"2026-11-28T24:30:00+07:00 end prev=" P64, "bad time"},
		{"2026-11-28T06:30:00+0700 end prev=" P64, "bad time"},
		{"2026-11-28T06:30:00 end prev=" P64, "bad time"},
		{"yesterday end prev=" P64, "bad time"},
		{TS " End prev=" P64, "event"},
		{TS "  end prev=" P64, "event"},
		{TS " en\"d prev=" P64, "event"},
		{TS " end occ=\"abc prev=" P64, "unterminated quoted value for key occ"},
		{TS " end detail=\"abc\\", "unterminated quoted value for key detail"},
		{TS " end detail=\"a\\qb\" prev=" P64, "bad escape \\q in value of key detail"},
		{TS " end detail=\"a\\x4\" prev=" P64, "bad \\x escape"},
		{TS " end detail=\"a\\x00\" prev=" P64, "NUL"},
		{TS " end detail=\"a\"b prev=" P64, "after closing quote of key detail"},
		{TS " end occ=a occ=b prev=" P64, "duplicate key occ"},
		{TS " end x=1 occ=a x=2 prev=" P64, "duplicate key x"},
		{TS " end occx=1 occ=a occ=b prev=" P64, "duplicate key occ"},
		{TS " end occ= prev=" P64, "empty unquoted value for key occ"},
		{TS " end occ=a\"b prev=" P64, "in unquoted value of key occ"},
		{TS " end occ=a=b prev=" P64, "in unquoted value of key occ"},
		{TS " end occ=a\\b prev=" P64, "in unquoted value of key occ"},
		{TS " end Occ=a prev=" P64, "bad or missing key"},
		{TS " end occ prev=" P64, "'='"},
		{TS " end =a prev=" P64, "key"},
		{TS " end occ=a  prev=" P64, "key"},
		{TS " end occ=a prev=" P64 " ", "after prev"},
		{TS " end occ=a\tb prev=" P64, "control byte 0x09"},
		{TS " end occ=a\rb prev=" P64, "control byte 0x0d"},
		{TS " end occ=\"a\x7f\" prev=" P64, "control byte 0x7f"},
		{TS " end occ=a\nb prev=" P64, "newline"},
	};
	static struct record r;
	char err[200];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		int rc = record_parse(bad[i].line, strlen(bad[i].line), &r, err, sizeof(err));
		if (rc != -1)
			fail_msg("accepted: %s", bad[i].line);
		if (!strstr(err, bad[i].why))
			fail_msg("line %s: error \"%s\" does not say \"%s\"", bad[i].line, err, bad[i].why);
	}
	/* A NUL inside the given length. */
	char nul[] = TS " end occ=a\0b prev=" P64;
	assert_int_equal(record_parse(nul, sizeof(nul) - 1, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	/* Too many fields. */
	char line[RECORD_LINE_MAX];
	size_t n = (size_t)snprintf(line, sizeof(line), TS " end");
	for (int i = 0; i <= RECORD_FIELDS_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " k%d=v", i);
	n += (size_t)snprintf(line + n, sizeof(line) - n, " prev=" P64);
	assert_int_equal(record_parse(line, n, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many fields"));
	/* A NULL or zero-sized err buffer is allowed. */
	assert_int_equal(record_parse("x", 1, &r, NULL, 0), -1);
}

static void test_hash(void **state)
{
	uint8_t h[RECORD_HASH_LEN];
	static const uint8_t abc[RECORD_HASH_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	record_hash("abc", 3, h);
	assert_memory_equal(h, abc, RECORD_HASH_LEN);
	record_hash("abcd", 3, h); /* only len bytes count */
	assert_memory_equal(h, abc, RECORD_HASH_LEN);
}

static void test_ids(void **state)
{
	(void)state;
	static struct record r;
	char err[200];
	const char *line = TS " start occ=s@1 oc=x occur=y played=3.2 sha256=ab station-start=z prev=" P64;
	assert_int_equal(record_parse(line, strlen(line), &r, err, sizeof(err)), 0);
	assert_int_equal(r.event_id, RE_START);
	assert_int_equal(r.nf, 6);
	assert_int_equal(r.f[0].id, RK_OCC);
	assert_int_equal(r.f[1].id, RK_OTHER); /* a prefix of a known key */
	assert_int_equal(r.f[2].id, RK_OTHER); /* a known key as a prefix */
	assert_int_equal(r.f[3].id, RK_PLAYED);
	assert_int_equal(r.f[4].id, RK_SHA256);
	assert_int_equal(r.f[5].id, RK_OTHER);
	assert_string_equal(record_get_id(&r, RK_OCC), "s@1");
	assert_string_equal(record_get_id(&r, RK_PLAYED), "3.2");
	assert_null(record_get_id(&r, RK_DUE));
	static const struct { const char *ev; int id; } evs[] = {{"open", RE_OPEN},
		{"schedule-installed", RE_SCHEDULE_INSTALLED}, {"end", RE_END},
		{"interrupted", RE_INTERRUPTED}, {"failed", RE_FAILED}, {"missed", RE_MISSED},
		{"station-start", RE_STATION_START}, {"station", RE_OTHER}, {"ends", RE_OTHER},
		{"en", RE_OTHER}, {"clock-stepped", RE_OTHER}};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		char l[300];
		snprintf(l, sizeof(l), TS " %s prev=" P64, evs[i].ev);
		assert_int_equal(record_parse(l, strlen(l), &r, err, sizeof(err)), 0);
		if (r.event_id != evs[i].id)
			fail_msg("event %s: id %d, not %d", evs[i].ev, r.event_id, evs[i].id);
	}
}

/* The eight-bytes-at-a-time scans: prev's digits at every position, bare
 * values of every length with a stop byte at every position. */
static void test_wide_scans(void **state)
{
	(void)state;
	static struct record r;
	char line[600], err[200], hex[65];
	static const char digits[] = "0123456789abcdefABCDEF";
	uint64_t seed = 0x243f6a8885a308d3ull;
	for (int round = 0; round < 200; round++) {
		uint8_t want[32];
		for (int k = 0; k < 64; k++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			hex[k] = digits[seed % 22];
		}
		hex[64] = '\0';
		for (int k = 0; k < 32; k++) {
			unsigned hi, lo;
			char pair[3] = {hex[2 * k], hex[2 * k + 1], 0};
			assert_int_equal(sscanf(pair, "%1x%1x", &hi, &lo), 2);
			want[k] = (uint8_t)(hi << 4 | lo);
		}
		snprintf(line, sizeof(line), TS " end occ=a prev=%s", hex);
		assert_int_equal(record_parse(line, strlen(line), &r, err, sizeof(err)), 0);
		assert_memory_equal(r.prev, want, 32);
	}
	static const char bad[] = {'g', 'G', '/', ':', '@', '`', ' ', '"', '\x80', '\xff', 'z', '.'};
	for (int pos = 0; pos < 64; pos++)
		for (size_t b = 0; b < sizeof(bad); b++) {
			memset(hex, 'a', 64);
			hex[64] = '\0';
			hex[pos] = bad[b];
			snprintf(line, sizeof(line), TS " end occ=a prev=%s", hex);
			if (record_parse(line, strlen(line), &r, err, sizeof(err)) == 0)
				fail_msg("prev with 0x%02x at %d accepted", (unsigned char)bad[b], pos);
			assert_non_null(strstr(err, "prev is not 64 hex digits"));
		}
	/* bare values 1..40 bytes, then one stop byte at each position */
	for (int n = 1; n <= 40; n++) {
		char v[64];
		for (int k = 0; k < n; k++)
			v[k] = (char)('a' + k % 26);
		v[n] = '\0';
		snprintf(line, sizeof(line), TS " end occ=%s x=1 prev=" P64, v);
		assert_int_equal(record_parse(line, strlen(line), &r, err, sizeof(err)), 0);
		assert_string_equal(record_get(&r, "occ"), v);
		assert_string_equal(record_get(&r, "x"), "1");
		for (int pos = 1; pos < n; pos++) {
			static const char stops[] = {'"', '=', '\\'};
			for (size_t k = 0; k < sizeof(stops); k++) {
				char w[64];
				memcpy(w, v, (size_t)n + 1);
				w[pos] = stops[k];
				snprintf(line, sizeof(line), TS " end occ=%s prev=" P64, w);
				assert_int_equal(record_parse(line, strlen(line), &r, err, sizeof(err)), -1);
				char col[64];
				snprintf(col, sizeof(col), "(column %d)", 30 + 4 + pos + 1);
				if (!strstr(err, "in unquoted value of key occ") || !strstr(err, col))
					fail_msg("occ=%s: %s (wanted %s)", w, err, col);
			}
			char w[64];
			memcpy(w, v, (size_t)n + 1);
			w[pos] = ' '; /* splits it: the rest is a key without '=' */
			snprintf(line, sizeof(line), TS " end occ=%s prev=" P64, w);
			assert_int_equal(record_parse(line, strlen(line), &r, err, sizeof(err)), -1);
		}
	}
	/* key names 1..40 bytes of every name byte, then a byte that may not
	 * be in a name at each position */
	static const char name_bytes[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	for (int n = 1; n <= 40; n++) {
		char k[64];
		for (int i = 0; i < n; i++)
			k[i] = name_bytes[(i * 7 + n) % (sizeof(name_bytes) - 1)];
		k[n] = '\0';
		snprintf(line, sizeof(line), TS " end %s=v prev=" P64, k);
		assert_int_equal(record_parse(line, strlen(line), &r, err, sizeof(err)), 0);
		assert_string_equal(r.f[0].key, k);
		static const char notname[] = {'A', 'Z', '.', '/', ':', '@', '`', '{', '~', '\x80', '\xc3', '\xff'};
		for (int pos = 0; pos < n; pos++)
			for (size_t b = 0; b < sizeof(notname); b++) {
				char w[64];
				memcpy(w, k, (size_t)n + 1);
				w[pos] = notname[b];
				snprintf(line, sizeof(line), TS " end %s=v prev=" P64, w);
				if (record_parse(line, strlen(line), &r, err, sizeof(err)) == 0)
					fail_msg("key %s accepted", w);
				/* and as the event name */
				snprintf(line, sizeof(line), TS " %s occ=a prev=" P64, w);
				if (record_parse(line, strlen(line), &r, err, sizeof(err)) == 0)
					fail_msg("event %s accepted", w);
			}
	}
	/* each field's len is its value's length, bare or unescaped */
	for (size_t i = 0; i < sizeof(awkward) / sizeof(awkward[0]); i++) {
		const char *kv[] = {"detail", awkward[i], "occ", "x@1", NULL};
		uint8_t prev[RECORD_HASH_LEN] = {0};
		size_t l = record_format(line, sizeof(line), T1, VN, "end", kv, prev);
		assert_true(l > 0);
		assert_int_equal(record_parse(line, l, &r, err, sizeof(err)), 0);
		for (size_t f = 0; f < r.nf; f++)
			assert_int_equal(r.f[f].len, strlen(r.f[f].val));
	}
}

/* A control byte anywhere in a line is refused, and named, whatever else
 * the line has: at every position of lines with every kind of field. */
/* A reader that knows the line before (record_parse_linked): its prev is
 * taken from the link when spelled alike, decoded otherwise; the result
 * is record_parse_cached's either way. */
static void test_linked(void **state)
{
	(void)state;
	static struct record a, b;
	char line[512], err[200], want[65];
	uint64_t seed = 0x3c6ef372fe94f82bull;
	for (int round = 0; round < 500; round++) {
		uint8_t h[RECORD_HASH_LEN];
		for (int k = 0; k < RECORD_HASH_LEN; k++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			h[k] = (uint8_t)seed;
		}
		if (round == 0)
			memset(h, 0, sizeof(h));
		if (round == 1)
			memset(h, 0xff, sizeof(h));
		struct record_link l;
		record_link_set(&l, h);
		for (int k = 0; k < RECORD_HASH_LEN; k++)
			snprintf(want + 2 * k, 3, "%02x", h[k]);
		assert_memory_equal(l.hex, want, 64);
		assert_memory_equal(l.hash, h, RECORD_HASH_LEN);
		/* the link's spelling, upper case, and another hash */
		for (int v = 0; v < 3; v++) {
			char hex[65];
			memcpy(hex, want, 65);
			if (v == 1)
				for (int k = 0; k < 64; k++)
					hex[k] = (char)(hex[k] >= 'a' ? hex[k] - 32 : hex[k]);
			if (v == 2)
				hex[round % 64] = hex[round % 64] == '0' ? '1' : '0';
			snprintf(line, sizeof(line), TS " end occ=a prev=%s", hex);
			int ra = record_parse_linked(line, strlen(line), &a, NULL, &l, err, sizeof(err));
			int rb = record_parse_cached(line, strlen(line), &b, NULL, err, sizeof(err));
			assert_int_equal(ra, 0);
			assert_int_equal(rb, 0);
			assert_memory_equal(a.prev, b.prev, RECORD_HASH_LEN);
			if (v < 2)
				assert_memory_equal(a.prev, h, RECORD_HASH_LEN);
			else
				assert_memory_not_equal(a.prev, h, RECORD_HASH_LEN);
		}
		/* a bad prev is refused alike, with the link or without */
		snprintf(line, sizeof(line), TS " end occ=a prev=%.64sx", want);
		char ea[200], eb[200];
		assert_int_equal(record_parse_linked(line, strlen(line), &a, NULL, &l, ea, sizeof(ea)), -1);
		assert_int_equal(record_parse_cached(line, strlen(line), &b, NULL, eb, sizeof(eb)), -1);
		assert_string_equal(ea, eb);
	}
}

static void test_control_anywhere(void **state)
{
	(void)state;
	static struct record r;
	static const char *lines[] = {
		TS " end occ=s@2026-11-28T06:30 outcome=aired played=3.213 detail=\"a \\\"b\\\" \\x01c\" prev=" P64,
		"2026-11-28T06:30:00Z start occ=x x-y_z=\"\" bulletin=tin prev=" P64,
	};
	static const unsigned char ctl[] = {0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x7f};
	char line[400], err[200], want[80];
	for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
		size_t n = strlen(lines[l]);
		assert_int_equal(record_parse(lines[l], n, &r, err, sizeof(err)), 0);
		for (size_t pos = 0; pos < n; pos++)
			for (size_t k = 0; k < sizeof(ctl); k++) {
				memcpy(line, lines[l], n);
				line[pos] = (char)ctl[k];
				if (record_parse(line, n, &r, err, sizeof(err)) == 0)
					fail_msg("line %zu with 0x%02x at %zu accepted", l, ctl[k], pos);
				if (ctl[k] == 0)
					snprintf(want, sizeof(want), "NUL byte at column %zu", pos + 1);
				else if (ctl[k] == '\n')
					snprintf(want, sizeof(want), "newline at column %zu", pos + 1);
				else
					snprintf(want, sizeof(want), "control byte 0x%02x at column %zu", ctl[k],
						 pos + 1);
				if (strcmp(err, want))
					fail_msg("0x%02x at %zu: \"%s\", wanted \"%s\"", ctl[k], pos, err, want);
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_anywhere),
		cmocka_unit_test(test_linked),
		cmocka_unit_test(test_wide_scans),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_round_trip_every_event),
		cmocka_unit_test(test_encoding_details),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_over_long),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
