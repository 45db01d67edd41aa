/* Journal record encode/decode (one line per record) and the SHA-256 chain
 * link. Pure: no I/O, no clock. The decoder is strict so that a line means
 * exactly one thing; see docs/JOURNAL.md for the grammar. */
#include "record.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"
/* RECORD_NO_SSE2 builds the portable scans on x86 too, to test them. */
#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(RECORD_NO_SSE2)
#include <emmintrin.h>
#define RECORD_SSE2 1
#endif
#include "sha256.h"
#include "util.h"

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int name_valid(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!name_char((unsigned char)*s))
			return 0;
	return 1;
}

static int ctl_byte(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int needs_quotes(const char *v)
{
	if (!*v)
		return 1;
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c == ' ' || c == '"' || c == '\\' || c == '=' || ctl_byte(c))
			return 1;
	}
	return 0;
}

/* A small bounded writer: once it overflows, it stays overflowed. */
struct out {
	char *p;
	size_t len, cap;
	int over;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->over || n > o->cap - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void putc_(struct out *o, char c)
{
	put(o, &c, 1);
}

static void put_value(struct out *o, const char *v)
{
	static const char hx[] = "0123456789abcdef";
	if (!needs_quotes(v)) {
		put(o, v, strlen(v));
		return;
	}
	putc_(o, '"');
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		switch (c) {
		case '"': put(o, "\\\"", 2); break;
		case '\\': put(o, "\\\\", 2); break;
		case '\n': put(o, "\\n", 2); break;
		case '\r': put(o, "\\r", 2); break;
		case '\t': put(o, "\\t", 2); break;
		default:
			if (ctl_byte(c)) {
				char e[4] = {'\\', 'x', hx[c >> 4], hx[c & 15]};
				put(o, e, 4);
			} else {
				putc_(o, (char)c);
			}
		}
	}
	putc_(o, '"');
}

size_t record_format(char *out, size_t n, int64_t t, int offset, const char *event,
		     const char *const *kv, const uint8_t prev[RECORD_HASH_LEN])
{
	if (!out || n == 0 || !name_valid(event))
		return 0;
	/* The time field carries hh:mm of offset and years 1970..2200 only. */
	if (offset % 60 != 0 || offset <= -86400 || offset >= 86400)
		return 0;
	int64_t local = t + offset;
	if (local < 0 || local >= (int64_t)civil_days(2201, 1, 1) * 86400) /* 1970..2200 */
		return 0;

	size_t nf = 0;
	for (size_t i = 0; kv && kv[i]; i += 2) {
		if (!kv[i + 1])
			continue;
		if (!name_valid(kv[i]) || !strcmp(kv[i], "prev") || ++nf > RECORD_FIELDS_MAX)
			return 0;
		for (size_t k = 0; k < i; k += 2)
			if (kv[k + 1] && !strcmp(kv[k], kv[i]))
				return 0; /* duplicate key */
	}

	size_t cap = n - 1 < RECORD_LINE_MAX ? n - 1 : RECORD_LINE_MAX;
	struct out o = {out, 0, cap, 0};
	char ts[32];
	civil_format_iso_offset(t, offset, ts);
	put(&o, ts, strlen(ts));
	putc_(&o, ' ');
	put(&o, event, strlen(event));
	for (size_t i = 0; kv && kv[i]; i += 2) {
		if (!kv[i + 1])
			continue;
		putc_(&o, ' ');
		put(&o, kv[i], strlen(kv[i]));
		putc_(&o, '=');
		put_value(&o, kv[i + 1]);
	}
	char hex[2 * RECORD_HASH_LEN + 1];
	hex_encode(prev, RECORD_HASH_LEN, hex);
	put(&o, " prev=", 6);
	put(&o, hex, 2 * RECORD_HASH_LEN);
	if (o.over)
		return 0;
	out[o.len] = '\0';
	return o.len;
}

size_t record_format_parsed(char *out, size_t n, const struct record *r, const uint8_t prev[RECORD_HASH_LEN])
{
	const char *kv[2 * RECORD_FIELDS_MAX + 1];
	size_t k = 0;
	for (size_t i = 0; i < r->nf; i++) {
		kv[k++] = r->f[i].key;
		kv[k++] = r->f[i].val;
	}
	kv[k] = NULL;
	return record_format(out, n, r->time, r->offset, r->event, kv, prev);
}

static int fail(char *err, size_t errn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errn, const char *fmt, ...)
{
	if (err && errn) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errn, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Byte classes for the parser's scans: C_NAME for key and event names,
 * C_PLAIN for a bare value (not space, '"', '\\', '=', NUL or a control
 * byte). The line's copy ends in NUL, which is in no class: the scans
 * need no bounds check. */
#ifndef RECORD_SSE2
enum { C_NAME = 1, C_PLAIN = 2, C_BOTH = 3 };
static const unsigned char cls[256] = {
	[0x21] = C_PLAIN, [0x23 ... 0x2c] = C_PLAIN, ['-'] = C_BOTH, [0x2e ... 0x2f] = C_PLAIN,
	['0' ... '9'] = C_BOTH, [0x3a ... 0x3c] = C_PLAIN, [0x3e ... 0x5b] = C_PLAIN,
	[0x5d ... 0x5e] = C_PLAIN, ['_'] = C_BOTH, [0x60] = C_PLAIN, ['a' ... 'z'] = C_BOTH,
	[0x7b ... 0x7e] = C_PLAIN, [0x80 ... 0xff] = C_PLAIN,
};
#endif

static inline __attribute__((always_inline)) int key_id(const char *s, size_t n)
{
#define K(name, id) if (!memcmp(s, name, n)) return id
	switch (n) {
	case 3: K("occ", RK_OCC); K("due", RK_DUE); break;
	case 5: K("zones", RK_ZONES); K("level", RK_LEVEL); K("heard", RK_HEARD); break;
	case 6: K("detail", RK_DETAIL); K("serial", RK_SERIAL); K("played", RK_PLAYED);
		K("sha256", RK_SHA256); K("origin", RK_ORIGIN); break;
	case 7: K("outcome", RK_OUTCOME); K("station", RK_STATION); K("commune", RK_COMMUNE);
		K("started", RK_STARTED); break;
	case 8: K("bulletin", RK_BULLETIN); K("campaign", RK_CAMPAIGN); K("expected", RK_EXPECTED);
		K("district", RK_DISTRICT); K("heard_of", RK_HEARD_OF); break;
	case 12: K("monitor_dbfs", RK_MONITOR_DBFS); break;
	}
	return RK_OTHER;
}

static int event_id(const char *s, size_t n)
{
	switch (n) {
	case 3: K("end", RE_END); break;
	case 4: K("open", RE_OPEN); break;
	case 5: K("start", RE_START); break;
	case 6: K("failed", RE_FAILED); K("missed", RE_MISSED); break;
	case 11: K("interrupted", RE_INTERRUPTED); break;
	case 13: K("station-start", RE_STATION_START); break;
	case 18: K("schedule-installed", RE_SCHEDULE_INSTALLED); break;
	}
	return RE_OTHER;
#undef K
}

/* Hex digit value + 1 (0 = not a hex digit): a table, because the digits
 * of a hash are random and branches on them mispredict. */
static const unsigned char hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexv(unsigned char c)
{
	return hex1[c] - 1;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* High bit set in each byte of x that is zero (exact for the first one,
 * which is all the scans below use). */
static uint64_t zero_bytes(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

/* Index of the first byte < 0x20 or == 0x7f, or len. Eight bytes at a
 * time. Only on the error path: the parse itself refuses such bytes
 * wherever they are, and this names the first one. */
static size_t find_ctl(const char *s, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		uint64_t lt20 = (x - 0x20 * ONES) & ~x & HIGHS; /* some byte < 0x20 */
		if (lt20 | zero_bytes(x ^ (0x7f * ONES)))
			break;
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return i;
	}
	return len;
}

/* First byte at or after p that is not a name byte ([a-z0-9_-]); the
 * line's copy ends in NULs. */
static inline __attribute__((always_inline)) char *name_end(char *p)
{
#ifdef RECORD_SSE2
	const __m128i a = _mm_set1_epi8('a'), z = _mm_set1_epi8('z' - 'a'), d0 = _mm_set1_epi8('0'),
		      d9 = _mm_set1_epi8(9), us = _mm_set1_epi8('_'), mi = _mm_set1_epi8('-');
	for (;; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i l = _mm_sub_epi8(x, a), d = _mm_sub_epi8(x, d0);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(l, z), l),
						      _mm_cmpeq_epi8(_mm_min_epu8(d, d9), d)),
					 _mm_or_si128(_mm_cmpeq_epi8(x, us), _mm_cmpeq_epi8(x, mi)));
		unsigned bits = ~(unsigned)_mm_movemask_epi8(m) & 0xffff;
		if (bits)
			return p + __builtin_ctz(bits);
	}
#else
	while (cls[(unsigned char)*p] & C_NAME)
		p++;
	return p;
#endif
}

/* First byte at or after p that ends a bare value: space, '"', '=', '\\',
 * a control byte or the final NUL. Eight (SSE2: sixteen) bytes at a time;
 * the line's copy is followed by sixteen NULs, so the reads stay defined. */
static char *value_end(char *p)
{
#ifdef RECORD_SSE2
	/* sixteen bytes at a time; the copy is followed by sixteen NULs */
	const __m128i sp = _mm_set1_epi8(0x20), qu = _mm_set1_epi8('"'), eq = _mm_set1_epi8('='),
		      bs = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f);
	for (;; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, sp), x), /* <= 0x20 */
					 _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, qu), _mm_cmpeq_epi8(x, eq)),
						      _mm_or_si128(_mm_cmpeq_epi8(x, bs), _mm_cmpeq_epi8(x, del))));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return p + __builtin_ctz(bits);
	}
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	while (cls[(unsigned char)*p] & C_PLAIN)
		p++;
	return p;
#endif
	for (;; p += 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		uint64_t m = ((x - 0x20 * ONES) & ~x & HIGHS) | zero_bytes(x ^ (0x20 * ONES)) |
			     zero_bytes(x ^ (0x22 * ONES)) | zero_bytes(x ^ (0x3d * ONES)) |
			     zero_bytes(x ^ (0x5c * ONES)) | zero_bytes(x ^ (0x7f * ONES));
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
	}
}

#ifndef RECORD_SSE2
/* The 16 hex digits at p as 8 bytes into out; -1 if one is not a hex
 * digit (either case). */
static int hex16(const char *p, uint8_t *out)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	for (int k = 0; k < 8; k++) {
		int hi = hexv((unsigned char)p[2 * k]), lo = hexv((unsigned char)p[2 * k + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[k] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
#endif
	uint64_t v[2];
	for (int h = 0; h < 2; h++) {
		uint64_t x;
		memcpy(&x, p + 8 * h, 8);
		if (x & HIGHS)
			return -1;
		/* per byte, all below 0x80 (no carries): digit, or a-f after folding case */
		uint64_t digit = (x + (0x80 - '0') * ONES) & ~(x + (0x7f - '9') * ONES) & HIGHS;
		uint64_t l = x | 0x20 * ONES;
		uint64_t alpha = (l + (0x80 - 'a') * ONES) & ~(l + (0x7f - 'f') * ONES) & HIGHS;
		if ((digit | alpha) != HIGHS)
			return -1;
		uint64_t n = (x & 0x0f * ONES) + (alpha >> 7) * 9; /* nibble values */
		/* pairs: first (low) byte is the high nibble */
		uint64_t t = ((n & 0x00ff00ff00ff00ffull) << 4) | ((n >> 8) & 0x00ff00ff00ff00ffull);
		t = (t | (t >> 8)) & 0x0000ffff0000ffffull;
		t = (t | (t >> 16)) & 0x00000000ffffffffull;
		v[h] = t;
	}
	for (int h = 0; h < 2; h++) {
		uint32_t w = (uint32_t)v[h];
		memcpy(out + 4 * h, &w, 4);
	}
	return 0;
}
#endif

/* The 64 hex digits at p as 32 bytes into out; -1 if one is not a hex
 * digit (either case). */
static int hex64(const char *p, uint8_t *out)
{
#ifdef RECORD_SSE2
	const __m128i d0 = _mm_set1_epi8('0'), d9 = _mm_set1_epi8(9), lc = _mm_set1_epi8(0x20),
		      a = _mm_set1_epi8('a'), f = _mm_set1_epi8(5), ten = _mm_set1_epi8(10),
		      lo = _mm_set1_epi16(0x00ff);
	__m128i half[2];
	for (int h = 0; h < 2; h++) {
		__m128i v[2];
		for (int k = 0; k < 2; k++) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 32 * h + 16 * k));
			__m128i d = _mm_sub_epi8(x, d0), l = _mm_sub_epi8(_mm_or_si128(x, lc), a);
			__m128i isd = _mm_cmpeq_epi8(_mm_min_epu8(d, d9), d);
			__m128i isl = _mm_cmpeq_epi8(_mm_min_epu8(l, f), l);
			if (_mm_movemask_epi8(_mm_or_si128(isd, isl)) != 0xffff)
				return -1;
			__m128i n = _mm_or_si128(_mm_and_si128(isd, d),
						 _mm_andnot_si128(isd, _mm_add_epi8(l, ten)));
			/* each 16-bit lane: first digit (high nibble) in its low byte */
			v[k] = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(n, lo), 4), _mm_srli_epi16(n, 8));
		}
		half[h] = _mm_packus_epi16(v[0], v[1]);
	}
	_mm_storeu_si128((__m128i *)(void *)out, half[0]);
	_mm_storeu_si128((__m128i *)(void *)(out + 16), half[1]);
	return 0;
#else
	for (int k = 0; k < 4; k++)
		if (hex16(p + 16 * k, out + 8 * k) < 0)
			return -1;
	return 0;
#endif
}

/* Parse "YYYY-MM-DDTHH:MM:SS+hh:mm" (or Z) into t and offset. */
static int parse_time(const char *s, int64_t *t, int *offset, struct civil_day_cache *dc)
{
	if (civil_parse_iso_cached(s, t, dc) < 0)
		return -1;
	const char *z = s + 19;
	if (*z == 'Z') {
		*offset = 0;
		return 0;
	}
	int oh = (z[1] - '0') * 10 + (z[2] - '0'), om = (z[4] - '0') * 10 + (z[5] - '0');
	*offset = (oh * 3600 + om * 60) * (z[0] == '-' ? -1 : 1);
	return 0;
}

/* Parse the line's copy b (len bytes, then sixteen NULs) into r. */
static int parse(char *b, size_t len, struct record *r, struct civil_day_cache *dc,
		 const struct record_link *link, char *err, size_t errn)
{
	char *end = b + len;
	r->nf = 0;
	uint32_t seen = 0; /* known keys met so far */

	/* TIME */
	char *p = memchr(b, ' ', len);
	if (!p)
		return fail(err, errn, "no event after the time");
	*p = '\0';
	if (parse_time(b, &r->time, &r->offset, dc) < 0)
		return fail(err, errn, "bad time \"%.40s\"", b);
	r->time_str = b;

	/* EVENT */
	char *ev = ++p;
	p = name_end(p);
	if (p == ev)
		return fail(err, errn, "bad or missing event name at column %zu", (size_t)(ev - b) + 1);
	if (p == end)
		return fail(err, errn, "missing prev");
	if (*p != ' ')
		return fail(err, errn, "bad character in event name at column %zu", (size_t)(p - b) + 1);
	r->event_id = event_id(ev, (size_t)(p - ev));
	*p++ = '\0';
	r->event = ev;

	/* key=value ... prev=HEX64 */
	for (;;) {
		char *key = p;
		p = name_end(p);
		if (p == key) {
			if (p == end)
				return fail(err, errn, "trailing space");
			return fail(err, errn, "bad or missing key at column %zu", (size_t)(p - b) + 1);
		}
		if (p == end || *p != '=')
			return fail(err, errn, "expected '=' after key %.*s at column %zu",
				    (int)(p - key > 64 ? 64 : p - key), key, (size_t)(p - b) + 1);
		*p++ = '\0';

		if (p - key == 5 && !memcmp(key, "prev", 4)) {
			/* the line before's hash, as the writer spells it: no decoding */
			if (link && end - p == 2 * RECORD_HASH_LEN && !memcmp(p, link->hex, sizeof(link->hex))) {
				memcpy(r->prev, link->hash, RECORD_HASH_LEN);
				return 0;
			}
			if (end - p < 2 * RECORD_HASH_LEN)
				return fail(err, errn, "prev is not 64 hex digits");
			if (hex64(p, r->prev) < 0)
				return fail(err, errn, "prev is not 64 hex digits");
			if (end - p > 2 * RECORD_HASH_LEN)
				return fail(err, errn, "bytes after prev (prev must be the last field)");
			return 0;
		}

		if (r->nf == RECORD_FIELDS_MAX)
			return fail(err, errn, "too many fields (at most %d)", RECORD_FIELDS_MAX);
		/* duplicates: a bit per known key, strcmp among the others only */
		int id = key_id(key, (size_t)(p - 1 - key));
		if (id) {
			if (seen & 1u << id)
				return fail(err, errn, "duplicate key %s", key);
			seen |= 1u << id;
		} else {
			for (size_t i = 0; i < r->nf; i++)
				if (!r->f[i].id && r->f[i].key[0] == key[0] && !strcmp(r->f[i].key, key))
					return fail(err, errn, "duplicate key %s", key);
		}

		char *val = p, *quoted_end = NULL;
		if (p < end && *p == '"') {
			char *w = p++;
			val = w;
			for (;;) {
				if (p == end)
					return fail(err, errn, "unterminated quoted value for key %s", key);
				char c = *p++;
				if (c == '"')
					break;
				if ((unsigned char)c < 0x20 || c == 0x7f)
					return fail(err, errn, "control byte in value of key %s", key);
				if (c != '\\') {
					*w++ = c;
					continue;
				}
				if (p == end)
					return fail(err, errn, "unterminated quoted value for key %s", key);
				c = *p++;
				switch (c) {
				case '"': *w++ = '"'; break;
				case '\\': *w++ = '\\'; break;
				case 'n': *w++ = '\n'; break;
				case 'r': *w++ = '\r'; break;
				case 't': *w++ = '\t'; break;
				case 'x': {
					int hi = p < end ? hexv((unsigned char)p[0]) : -1;
					int lo = hi >= 0 && p + 1 < end ? hexv((unsigned char)p[1]) : -1;
					if (hi < 0 || lo < 0)
						return fail(err, errn, "bad \\x escape in value of key %s", key);
					int v = hi << 4 | lo;
					if (v == 0)
						return fail(err, errn, "\\x00 (NUL) in value of key %s", key);
					*w++ = (char)v;
					p += 2;
					break;
				}
				default:
					return fail(err, errn, "bad escape \\%c in value of key %s", c, key);
				}
			}
			if (p == end)
				return fail(err, errn, "missing prev");
			if (*p != ' ')
				return fail(err, errn, "unexpected byte after closing quote of key %s", key);
			*w = '\0';
			quoted_end = w;
		} else {
			p = value_end(p);
			if (*p == '"' || *p == '\\' || *p == '=')
				return fail(err, errn, "'%c' in unquoted value of key %s (column %zu)",
					    *p, key, (size_t)(p - b) + 1);
			if (p == val)
				return fail(err, errn, "empty unquoted value for key %s (write \"\")", key);
			if (p == end)
				return fail(err, errn, "missing prev");
			if (*p != ' ')
				return fail(err, errn, "control byte in value of key %s", key);
		}
		r->f[r->nf].len = (size_t)((quoted_end ? quoted_end : p) - val);
		*p++ = '\0';
		r->f[r->nf].key = key;
		r->f[r->nf].val = val;
		r->f[r->nf].id = id;
		r->nf++;
	}
}

int record_parse(const char *line, size_t len, struct record *r, char *err, size_t errn)
{
	return record_parse_cached(line, len, r, NULL, err, errn);
}

int record_parse_cached(const char *line, size_t len, struct record *r, struct civil_day_cache *dc,
			char *err, size_t errn)
{
	return record_parse_linked(line, len, r, dc, NULL, err, errn);
}

void record_link_set(struct record_link *l, const uint8_t hash[RECORD_HASH_LEN])
{
	memcpy(l->hash, hash, RECORD_HASH_LEN);
#ifdef RECORD_SSE2
	const __m128i m = _mm_set1_epi8(0x0f), nine = _mm_set1_epi8(9), d0 = _mm_set1_epi8('0'),
		      af = _mm_set1_epi8('a' - '0' - 10);
	for (int h = 0; h < 2; h++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(hash + 16 * h));
		__m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), m), lo = _mm_and_si128(x, m);
		__m128i n[2] = {_mm_unpacklo_epi8(hi, lo), _mm_unpackhi_epi8(hi, lo)};
		for (int k = 0; k < 2; k++) {
			__m128i c = _mm_add_epi8(_mm_add_epi8(n[k], d0),
						 _mm_and_si128(_mm_cmpgt_epi8(n[k], nine), af));
			_mm_storeu_si128((__m128i *)(void *)(l->hex + 32 * h + 16 * k), c);
		}
	}
#else
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < RECORD_HASH_LEN; i++) {
		l->hex[2 * i] = hx[hash[i] >> 4];
		l->hex[2 * i + 1] = hx[hash[i] & 15];
	}
#endif
}

int record_parse_linked(const char *line, size_t len, struct record *r, struct civil_day_cache *dc,
			const struct record_link *link, char *err, size_t errn)
{
	if (len > RECORD_LINE_MAX)
		return fail(err, errn, "line too long (%zu bytes, at most %d)", len, RECORD_LINE_MAX);
	if (len == 0)
		return fail(err, errn, "empty line");
	memcpy(r->buf, line, len);
	memset(r->buf + len, 0, 16); /* the NUL that ends the line, and the scans' reads */
	if (parse(r->buf, len, r, dc, link, err, errn) == 0)
		return 0;
	/* A control byte anywhere is the reason given, whatever the parse met
	 * first (every byte of a line that parses was checked on the way). */
	size_t bad_at = find_ctl(line, len);
	if (bad_at < len) {
		unsigned char c = (unsigned char)line[bad_at];
		if (c == 0)
			return fail(err, errn, "NUL byte at column %zu", bad_at + 1);
		if (c == '\n')
			return fail(err, errn, "newline at column %zu", bad_at + 1);
		return fail(err, errn, "control byte 0x%02x at column %zu", c, bad_at + 1);
	}
	return -1;
}

const char *record_get_id(const struct record *r, enum record_key id)
{
	for (size_t i = 0; i < r->nf; i++)
		if (r->f[i].id == (int)id)
			return r->f[i].val;
	return NULL;
}

const char *record_get(const struct record *r, const char *key)
{
	int id = key_id(key, strlen(key));
	if (id)
		return record_get_id(r, (enum record_key)id);
	for (size_t i = 0; i < r->nf; i++)
		if (!strcmp(r->f[i].key, key))
			return r->f[i].val;
	return NULL;
}

void record_hash(const char *line, size_t len, uint8_t out[RECORD_HASH_LEN])
{
	sha256(line, len, out);
}
