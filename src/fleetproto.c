/* The fleet link's wire protocol and chain check (fleetproto.h). Pure:
 * every message from the network is length-checked here before anything
 * else looks at it. */
#include "fleetproto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int fleet_month_valid(const char *s)
{
	if (strlen(s) != 7 || s[4] != '-')
		return 0;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return 0;
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	return m >= 1 && m <= 12;
}

int fleet_pos_cmp(const struct fleet_pos *a, const struct fleet_pos *b)
{
	int c = strcmp(a->month, b->month);
	if (c)
		return c < 0 ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

void fleet_pos_format(const struct fleet_pos *p, char *out, size_t n)
{
	if (!p->month[0])
		snprintf(out, n, "-:0");
	else
		snprintf(out, n, "%s:%ld", p->month, p->line);
}

/* A decimal number of 1..9 digits (lines per month stay far below). */
static int parse_count(const char *s, size_t len, long *out)
{
	if (len == 0 || len > 9)
		return -1;
	long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int pos_parse_n(const char *s, size_t len, struct fleet_pos *p)
{
	memset(p, 0, sizeof(*p));
	if (len == 3 && !memcmp(s, "-:0", 3))
		return 0;
	if (len < 9 || s[7] != ':')
		return -1;
	char m[8];
	memcpy(m, s, 7);
	m[7] = 0;
	if (!fleet_month_valid(m) || parse_count(s + 8, len - 8, &p->line) < 0 || p->line < 1)
		return -1;
	memcpy(p->month, m, 8);
	return 0;
}

int fleet_pos_parse(const char *s, struct fleet_pos *p)
{
	return pos_parse_n(s, strlen(s), p);
}

static const char *const kind_name[] = {"journal", "ack", "status", "schedule", "bundle"};

size_t fleet_topic(char *out, size_t n, const char *district, const char *station,
		   enum fleet_topic_kind kind)
{
	if (!id_valid(district) || !id_valid(station) || kind > FLEET_T_BUNDLE)
		return 0;
	int k = snprintf(out, n, "loaxa/v1/%s/%s/%s", district, station, kind_name[kind]);
	return k < 0 || (size_t)k >= n ? 0 : (size_t)k;
}

int fleet_topic_parse(const char *topic, char *district, char *station, enum fleet_topic_kind *kind)
{
	static const char pre[] = "loaxa/v1/";
	if (strncmp(topic, pre, sizeof(pre) - 1))
		return -1;
	const char *d = topic + sizeof(pre) - 1, *s = strchr(d, '/');
	if (!s)
		return -1;
	const char *k = strchr(s + 1, '/');
	if (!k || strchr(k + 1, '/'))
		return -1;
	size_t dl = (size_t)(s - d), sl = (size_t)(k - s - 1);
	if (dl == 0 || dl >= FLEET_ID_MAX || sl == 0 || sl >= FLEET_ID_MAX)
		return -1;
	memcpy(district, d, dl);
	district[dl] = 0;
	memcpy(station, s + 1, sl);
	station[sl] = 0;
	if (!id_valid(district) || !id_valid(station))
		return -1;
	*kind = FLEET_T_OTHER;
	for (int i = 0; i <= FLEET_T_BUNDLE; i++)
		if (!strcmp(k + 1, kind_name[i]))
			*kind = (enum fleet_topic_kind)i;
	return 0;
}

size_t fleet_batch_header(char *out, size_t n, const struct fleet_batch *b)
{
	char a[32], e[32];
	fleet_pos_format(&b->after, a, sizeof(a));
	fleet_pos_format(&b->end, e, sizeof(e));
	int k = snprintf(out, n, "loaxa-journal 1 month=%s first=%ld count=%zu after=%s end=%s\n",
			 b->month, b->first, b->count, a, e);
	return k < 0 || (size_t)k >= n ? 0 : (size_t)k;
}

static void seterr(char *err, size_t errn, const char *msg)
{
	if (errn)
		snprintf(err, errn, "%s", msg);
}

/* Header words "key=value" separated by single spaces, in this order. */
static int header_field(const char **p, const char *end, const char *key, const char **v, size_t *vl)
{
	size_t kl = strlen(key);
	if ((size_t)(end - *p) < kl + 1 || memcmp(*p, key, kl) || (*p)[kl] != '=')
		return -1;
	const char *s = *p + kl + 1, *q = s;
	while (q < end && *q != ' ')
		q++;
	*v = s;
	*vl = (size_t)(q - s);
	*p = q < end ? q + 1 : q;
	return 0;
}

int fleet_batch_decode(const char *p, size_t len, struct fleet_batch *b, char *err, size_t errn)
{
	memset(b, 0, sizeof(*b));
	if (len > FLEET_PAYLOAD_MAX) {
		seterr(err, errn, "oversized message");
		return -1;
	}
	const char *nl = memchr(p, '\n', len < 256 ? len : 256);
	static const char magic[] = "loaxa-journal 1 ";
	if (!nl || (size_t)(nl - p) < sizeof(magic) - 1 || memcmp(p, magic, sizeof(magic) - 1)) {
		seterr(err, errn, "not a loaxa-journal 1 batch");
		return -1;
	}
	const char *h = p + sizeof(magic) - 1, *v;
	size_t vl;
	long count;
	if (header_field(&h, nl, "month", &v, &vl) < 0 || vl != 7) {
		seterr(err, errn, "batch header: bad month");
		return -1;
	}
	memcpy(b->month, v, 7);
	if (!fleet_month_valid(b->month)) {
		seterr(err, errn, "batch header: bad month");
		return -1;
	}
	if (header_field(&h, nl, "first", &v, &vl) < 0 || parse_count(v, vl, &b->first) < 0 || b->first < 1) {
		seterr(err, errn, "batch header: bad first line number");
		return -1;
	}
	if (header_field(&h, nl, "count", &v, &vl) < 0 || parse_count(v, vl, &count) < 0 || count < 1 ||
	    count > FLEET_BATCH_LINES) {
		seterr(err, errn, "batch header: bad count");
		return -1;
	}
	b->count = (size_t)count;
	if (header_field(&h, nl, "after", &v, &vl) < 0 || pos_parse_n(v, vl, &b->after) < 0) {
		seterr(err, errn, "batch header: bad after position");
		return -1;
	}
	if (header_field(&h, nl, "end", &v, &vl) < 0 || pos_parse_n(v, vl, &b->end) < 0 || h != nl) {
		seterr(err, errn, "batch header: bad end position");
		return -1;
	}
	struct fleet_pos firstpos;
	memcpy(firstpos.month, b->month, 8);
	firstpos.line = b->first;
	if (b->first > 1 ? (strcmp(b->after.month, b->month) || b->after.line != b->first - 1)
			 : fleet_pos_cmp(&b->after, &firstpos) >= 0) {
		seterr(err, errn, "batch header: after does not precede the first line");
		return -1;
	}
	const char *s = nl + 1, *end = p + len;
	for (size_t i = 0; i < b->count; i++) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		if (!e) {
			seterr(err, errn, "batch: fewer lines than its count, or no final newline");
			return -1;
		}
		size_t l = (size_t)(e - s);
		if (l == 0 || l > RECORD_LINE_MAX || memchr(s, '\0', l) || memchr(s, '\r', l)) {
			seterr(err, errn, "batch: an empty, oversized or binary line");
			return -1;
		}
		b->line[i] = s;
		b->len[i] = l;
		s = e + 1;
	}
	if (s != end) {
		seterr(err, errn, "batch: more lines than its count");
		return -1;
	}
	return 0;
}

size_t fleet_ack_encode(char *out, size_t n, const struct fleet_ack *a)
{
	char ps[32], hx[2 * RECORD_HASH_LEN + 1];
	fleet_pos_format(&a->pos, ps, sizeof(ps));
	hex_encode(a->hash, RECORD_HASH_LEN, hx);
	int k = snprintf(out, n, "loaxa-ack 1 pos=%s hash=%s", ps, hx);
	return k < 0 || (size_t)k >= n ? 0 : (size_t)k;
}

int fleet_ack_decode(const char *p, size_t len, struct fleet_ack *a, char *err, size_t errn)
{
	memset(a, 0, sizeof(*a));
	static const char magic[] = "loaxa-ack 1 ";
	if (len > 256 || len < sizeof(magic) - 1 || memcmp(p, magic, sizeof(magic) - 1)) {
		seterr(err, errn, "not a loaxa-ack 1 message");
		return -1;
	}
	const char *h = p + sizeof(magic) - 1, *end = p + len, *v;
	size_t vl;
	char hx[2 * RECORD_HASH_LEN + 1];
	if (header_field(&h, end, "pos", &v, &vl) < 0 || pos_parse_n(v, vl, &a->pos) < 0 ||
	    header_field(&h, end, "hash", &v, &vl) < 0 || vl != 2 * RECORD_HASH_LEN || h != end) {
		seterr(err, errn, "ack: bad position or hash");
		return -1;
	}
	memcpy(hx, v, vl);
	hx[vl] = 0;
	if (hex_decode(hx, a->hash, RECORD_HASH_LEN) < 0) {
		seterr(err, errn, "ack: bad hash");
		return -1;
	}
	return 0;
}

size_t fleet_status_encode(char *out, size_t n, const struct fleet_status *s)
{
	int k;
	if (!s->online) {
		k = snprintf(out, n, "offline");
	} else {
		char e[32], det[sizeof(s->detail) * 4], hx[2 * RECORD_HASH_LEN + 1];
		fleet_pos_format(&s->end, e, sizeof(e));
		hex_encode(s->end_hash, RECORD_HASH_LEN, hx);
		/* detail is the last field: everything after "detail=" */
		size_t j = 0;
		for (const char *c = s->detail; *c && j + 1 < sizeof(det); c++)
			det[j++] = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
		det[j] = 0;
		k = snprintf(out, n, "online end=%s hash=%s anchor=%s%s%s", e, hx, s->anchor_ok ? "ok" : "broken",
			     det[0] ? " detail=" : "", det);
	}
	return k < 0 || (size_t)k >= n ? 0 : (size_t)k;
}

int fleet_status_decode(const char *p, size_t len, struct fleet_status *s, char *err, size_t errn)
{
	memset(s, 0, sizeof(*s));
	if (len > 1024 || memchr(p, '\0', len) || memchr(p, '\n', len)) {
		seterr(err, errn, "status: oversized or binary");
		return -1;
	}
	if (len == 7 && !memcmp(p, "offline", 7))
		return 0;
	static const char magic[] = "online ";
	if (len < sizeof(magic) - 1 || memcmp(p, magic, sizeof(magic) - 1)) {
		seterr(err, errn, "status: neither online nor offline");
		return -1;
	}
	const char *h = p + sizeof(magic) - 1, *end = p + len, *v;
	size_t vl;
	if (header_field(&h, end, "end", &v, &vl) < 0 || pos_parse_n(v, vl, &s->end) < 0) {
		seterr(err, errn, "status: bad end position");
		return -1;
	}
	char hx[2 * RECORD_HASH_LEN + 1];
	if (header_field(&h, end, "hash", &v, &vl) < 0 || vl != 2 * RECORD_HASH_LEN) {
		seterr(err, errn, "status: bad hash");
		return -1;
	}
	memcpy(hx, v, vl);
	hx[vl] = 0;
	if (hex_decode(hx, s->end_hash, RECORD_HASH_LEN) < 0) {
		seterr(err, errn, "status: bad hash");
		return -1;
	}
	if (header_field(&h, end, "anchor", &v, &vl) < 0 ||
	    !((vl == 2 && !memcmp(v, "ok", 2)) || (vl == 6 && !memcmp(v, "broken", 6)))) {
		seterr(err, errn, "status: bad anchor");
		return -1;
	}
	s->anchor_ok = vl == 2;
	if (h < end) {
		static const char dk[] = "detail=";
		if ((size_t)(end - h) < sizeof(dk) - 1 || memcmp(h, dk, sizeof(dk) - 1)) {
			seterr(err, errn, "status: unknown field");
			return -1;
		}
		h += sizeof(dk) - 1;
		size_t dl = (size_t)(end - h);
		if (dl >= sizeof(s->detail))
			dl = sizeof(s->detail) - 1;
		memcpy(s->detail, h, dl);
		s->detail[dl] = 0;
	}
	s->online = 1;
	return 0;
}

static void hexs(const uint8_t *h, char *out)
{
	hex_encode(h, 8, out); /* 16 digits are enough to tell them apart in a message */
}

enum fleet_step fleet_check_line(const struct fleet_head *h, const struct fleet_pos *after,
				 const struct fleet_pos *pos, const char *line, size_t len,
				 char *err, size_t errn)
{
	char ps[32], hs[32];
	fleet_pos_format(pos, ps, sizeof(ps));
	int c = fleet_pos_cmp(pos, &h->pos);
	if (c < 0)
		return FLEET_DUP;
	if (c == 0) {
		uint8_t hash[RECORD_HASH_LEN];
		record_hash(line, len, hash);
		if (!memcmp(hash, h->hash, RECORD_HASH_LEN))
			return FLEET_DUP;
		snprintf(err, errn, "line %s differs from the one the district holds (rewritten after it was acknowledged)", ps);
		return FLEET_BREAK;
	}
	int a = fleet_pos_cmp(after, &h->pos);
	if (a > 0) {
		fleet_pos_format(&h->pos, hs, sizeof(hs));
		snprintf(err, errn, "line %s arrives before the lines after %s", ps, hs);
		return FLEET_GAP;
	}
	if (a < 0) {
		char as[32];
		fleet_pos_format(after, as, sizeof(as));
		fleet_pos_format(&h->pos, hs, sizeof(hs));
		snprintf(err, errn, "line %s follows %s, but the district holds lines up to %s (journal cut short or replaced)", ps, as, hs);
		return FLEET_BREAK;
	}
	struct record *r = malloc(sizeof(*r));
	if (!r) {
		snprintf(err, errn, "out of memory");
		return FLEET_GAP;
	}
	char why[256];
	if (record_parse(line, len, r, why, sizeof(why)) < 0) {
		snprintf(err, errn, "line %s: %s", ps, why);
		free(r);
		return FLEET_BAD;
	}
	int linked = !memcmp(r->prev, h->hash, RECORD_HASH_LEN);
	if (!linked) {
		char got[32];
		hexs(r->prev, got);
		hexs(h->hash, hs);
		snprintf(err, errn, "line %s: prev=%s... does not continue the chain the district holds (%s...)", ps, got, hs);
	}
	free(r);
	return linked ? FLEET_APPEND : FLEET_BREAK;
}

int fleet_end_diverged(const struct fleet_head *h, const struct fleet_pos *end,
		       const uint8_t end_hash[RECORD_HASH_LEN], const uint8_t *held_hash,
		       char *err, size_t errn)
{
	if (fleet_pos_cmp(end, &h->pos) > 0 || !end->month[0])
		return 0;
	if (held_hash && !memcmp(held_hash, end_hash, RECORD_HASH_LEN))
		return 0; /* an older message: the station's journal ended there then */
	char e[32], hs[32];
	fleet_pos_format(end, e, sizeof(e));
	fleet_pos_format(&h->pos, hs, sizeof(hs));
	if (held_hash)
		snprintf(err, errn, "the station's journal ends at %s with a line that differs from the district's copy (which holds up to %s): cut short or replaced", e, hs);
	else
		snprintf(err, errn, "the station's journal ends at %s, a line the district does not hold, though it holds up to %s: cut short or replaced", e, hs);
	return 1;
}

/* ---- issue 14: the downlink ---- */

size_t fleet_district_topic(char *out, size_t n, const char *district)
{
	if (!id_valid(district))
		return 0;
	int k = snprintf(out, n, "loaxa/v1/%s/schedule", district);
	return k < 0 || (size_t)k >= n ? 0 : (size_t)k;
}

int fleet_bundle_name_valid(const char *name)
{
	size_t l = strlen(name);
	return l > 5 && l <= FLEET_BUNDLE_NAME_MAX && name[0] != '.' && !strchr(name, '/') &&
	       !strcmp(name + l - 5, ".conf");
}

size_t fleet_bundle_header(char *out, size_t n, const char *name, long long serial, size_t conf_len,
			   size_t sig_len)
{
	int k = snprintf(out, n, "loaxa-bundle 1 name=%s serial=%lld conf=%zu sig=%zu\n", name, serial, conf_len,
			 sig_len);
	return k < 0 || (size_t)k >= n ? 0 : (size_t)k;
}

/* A decimal of 1..18 digits. */
static int parse_ll(const char *s, size_t len, long long *out)
{
	if (len == 0 || len > 18)
		return -1;
	long long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int fleet_bundle_decode(const void *payload, size_t len, struct fleet_bundle_msg *m, char *err, size_t errn)
{
	const char *p = payload;
	memset(m, 0, sizeof(*m));
	if (len == 0) {
		seterr(err, errn, "empty message");
		return -1;
	}
	if (len > FLEET_BUNDLE_MAX) {
		seterr(err, errn, "oversized message (more than 1 MiB + 8 KiB)");
		return -1;
	}
	const char *nl = memchr(p, '\n', len < 512 ? len : 512);
	static const char magic[] = "loaxa-bundle 1 ";
	if (!nl || (size_t)(nl - p) < sizeof(magic) - 1 || memcmp(p, magic, sizeof(magic) - 1)) {
		seterr(err, errn, "not a loaxa-bundle 1 message");
		return -1;
	}
	const char *h = p + sizeof(magic) - 1, *v;
	size_t vl;
	long long cl, sl;
	if (header_field(&h, nl, "name", &v, &vl) < 0 || vl > FLEET_BUNDLE_NAME_MAX) {
		seterr(err, errn, "bundle: bad name");
		return -1;
	}
	memcpy(m->name, v, vl);
	m->name[vl] = 0;
	if (memchr(v, 0, vl) || !fleet_bundle_name_valid(m->name)) {
		seterr(err, errn, "bundle: the name must be a plain NAME.conf (no folder, not hidden)");
		return -1;
	}
	for (const char *c = m->name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			seterr(err, errn, "bundle: bad name");
			return -1;
		}
	if (header_field(&h, nl, "serial", &v, &vl) < 0 || parse_ll(v, vl, &m->serial) < 0) {
		seterr(err, errn, "bundle: bad serial");
		return -1;
	}
	if (header_field(&h, nl, "conf", &v, &vl) < 0 || parse_ll(v, vl, &cl) < 0 ||
	    header_field(&h, nl, "sig", &v, &vl) < 0 || parse_ll(v, vl, &sl) < 0 || h != nl) {
		seterr(err, errn, "bundle: bad conf= or sig= length");
		return -1;
	}
	size_t body = len - (size_t)(nl + 1 - p);
	if (cl < 1 || sl < 1 || (unsigned long long)cl + (unsigned long long)sl != body) {
		seterr(err, errn, "bundle: the lengths in the header do not add up to the message");
		return -1;
	}
	m->conf = nl + 1;
	m->conf_len = (size_t)cl;
	m->sig = m->conf + cl;
	m->sig_len = (size_t)sl;
	return 0;
}

static const char *const bstates[] = {"fetching", "waiting", "installed", "refused", "current"};

int fleet_bstate_valid(const char *s)
{
	for (size_t i = 0; i < sizeof(bstates) / sizeof(bstates[0]); i++)
		if (!strcmp(s, bstates[i]))
			return 1;
	return 0;
}

void fleet_detail_clean(char *dst, size_t dstn, const char *s)
{
	if (!dstn)
		return;
	size_t j = 0;
	for (; s[j] && j + 1 < dstn; j++)
		dst[j] = (unsigned char)s[j] < 0x20 || s[j] == 0x7f ? ' ' : s[j];
	/* never end inside a UTF-8 sequence */
	if (s[j] && j > 0) {
		size_t k = j;
		while (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)dst[k - 1] >= 0xC0)
			j = k - 1;
	}
	dst[j] = 0;
}

size_t fleet_bstate_encode(char *out, size_t n, const struct fleet_bstate *b)
{
	char det[FLEET_BSTATE_DETAIL_MAX + 1], gt[64] = "";
	fleet_detail_clean(det, sizeof(det), b->detail);
	if (b->got >= 0 && b->total >= 0)
		snprintf(gt, sizeof(gt), " got=%lld total=%lld", b->got, b->total);
	int k = snprintf(out, n, "loaxa-bundle-state 1 serial=%lld state=%s%s%s%s", b->serial, b->state, gt,
			 det[0] ? " detail=" : "", det);
	return k < 0 || (size_t)k >= n ? 0 : (size_t)k;
}

int fleet_bstate_decode(const char *p, size_t len, struct fleet_bstate *b, char *err, size_t errn)
{
	memset(b, 0, sizeof(*b));
	b->got = b->total = -1;
	if (len > 1024 || memchr(p, '\0', len)) {
		seterr(err, errn, "bundle state: oversized or binary");
		return -1;
	}
	if (len && p[len - 1] == '\n')
		len--;
	static const char magic[] = "loaxa-bundle-state 1 ";
	if (len < sizeof(magic) - 1 || memcmp(p, magic, sizeof(magic) - 1) || memchr(p, '\n', len)) {
		seterr(err, errn, "not a loaxa-bundle-state 1 message");
		return -1;
	}
	const char *h = p + sizeof(magic) - 1, *end = p + len, *v;
	size_t vl;
	if (header_field(&h, end, "serial", &v, &vl) < 0 || parse_ll(v, vl, &b->serial) < 0) {
		seterr(err, errn, "bundle state: bad serial");
		return -1;
	}
	if (header_field(&h, end, "state", &v, &vl) < 0 || vl >= sizeof(b->state)) {
		seterr(err, errn, "bundle state: bad state");
		return -1;
	}
	memcpy(b->state, v, vl);
	b->state[vl] = 0;
	if (!fleet_bstate_valid(b->state)) {
		seterr(err, errn, "bundle state: unknown state");
		return -1;
	}
	if (h < end && !strncmp(h, "got=", 4)) {
		if (header_field(&h, end, "got", &v, &vl) < 0 || parse_ll(v, vl, &b->got) < 0 ||
		    header_field(&h, end, "total", &v, &vl) < 0 || parse_ll(v, vl, &b->total) < 0) {
			seterr(err, errn, "bundle state: bad got= or total=");
			return -1;
		}
	}
	if (h < end) {
		if ((size_t)(end - h) < 7 || memcmp(h, "detail=", 7)) {
			seterr(err, errn, "bundle state: unexpected field");
			return -1;
		}
		h += 7;
		char tmp[1025];
		size_t dl = (size_t)(end - h);
		memcpy(tmp, h, dl);
		tmp[dl] = 0;
		fleet_detail_clean(b->detail, sizeof(b->detail), tmp);
	}
	return 0;
}
