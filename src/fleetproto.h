/* The fleet link's wire protocol (docs/FLEET.md): MQTT topic names, the
 * journal batch a station publishes, the acknowledgement the collector
 * publishes back, the station's status, and the chain check the collector
 * applies to every line it receives. Pure: no I/O, no clock.
 *
 * Positions are (month file, 1-based line). Month "" (written "-") comes
 * before every month: "nothing yet". The chain runs across months, so a
 * batch also says which position precedes its first line (`after`). */
#ifndef LOAXA_FLEETPROTO_H
#define LOAXA_FLEETPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define FLEET_TOPIC_MAX 256
#define FLEET_ID_MAX 64
#define FLEET_BATCH_LINES 64          /* lines per batch at most */
#define FLEET_PAYLOAD_MAX (64 * 1024) /* bytes per message at most */

struct fleet_pos {
	char month[8]; /* "YYYY-MM", or "" = before everything */
	long line;     /* 1-based; 0 with month "" */
};

/* <0, 0, >0 as a is before, at, after b. */
int fleet_pos_cmp(const struct fleet_pos *a, const struct fleet_pos *b);
/* "YYYY-MM:N" or "-:0" into out (at least 24 bytes). */
void fleet_pos_format(const struct fleet_pos *p, char *out, size_t n);
/* Parse what fleet_pos_format writes; 0 or -1. */
int fleet_pos_parse(const char *s, struct fleet_pos *p);
/* 1 if s is "YYYY-MM" with a month 01..12. */
int fleet_month_valid(const char *s);

enum fleet_topic_kind { FLEET_T_JOURNAL, FLEET_T_ACK, FLEET_T_STATUS, FLEET_T_SCHEDULE, FLEET_T_BUNDLE, FLEET_T_OTHER };

/* "loaxa/v1/DISTRICT/STATION/KIND" into out; length, or 0 if it does not
 * fit or a name is not a valid identifier (util id_valid rules). */
size_t fleet_topic(char *out, size_t n, const char *district, const char *station,
		   enum fleet_topic_kind kind);
/* Split a topic under loaxa/v1/; 0 with district and station (each
 * FLEET_ID_MAX bytes) and the kind, or -1 when it is not one of ours. */
int fleet_topic_parse(const char *topic, char *district, char *station, enum fleet_topic_kind *kind);

/* One journal batch: `count` consecutive lines of `month`, from `first`.
 * `after` is the position of the line whose hash the first line's prev
 * carries ("-:0" for a journal's very first line); `end` is the station's
 * newest line when it sent the batch (so the district knows how far behind
 * it is). Lines point into the decoded payload. */
struct fleet_batch {
	struct fleet_pos after, end;
	char month[8];
	long first;
	size_t count;
	const char *line[FLEET_BATCH_LINES];
	size_t len[FLEET_BATCH_LINES];
};

/* Header into out: "loaxa-journal 1 month=M first=F count=C after=P end=P\n".
 * The caller appends each line and "\n". Returns the length, 0 if too small. */
size_t fleet_batch_header(char *out, size_t n, const struct fleet_batch *b);
/* Decode and check a payload: header, exactly count lines each ending in
 * "\n", at most RECORD_LINE_MAX bytes, no NUL or CR, the size limit, and
 * after consistent with first (first > 1: after is month:first-1).
 * 0, or -1 with the reason in err. */
int fleet_batch_decode(const char *p, size_t len, struct fleet_batch *b, char *err, size_t errn);

/* Acknowledgement: "loaxa-ack 1 pos=M:L hash=HEX64". */
struct fleet_ack {
	struct fleet_pos pos;
	uint8_t hash[RECORD_HASH_LEN]; /* of the line at pos; zeros when none */
};
size_t fleet_ack_encode(char *out, size_t n, const struct fleet_ack *a);
int fleet_ack_decode(const char *p, size_t len, struct fleet_ack *a, char *err, size_t errn);

/* Station status: "online end=M:L hash=HEX64 anchor=ok|broken[ detail=...]"
 * (end: its newest line, and that line's hash) or the will, "offline". */
struct fleet_status {
	int online;
	struct fleet_pos end;
	uint8_t end_hash[RECORD_HASH_LEN];
	int anchor_ok;
	char detail[256];
};
size_t fleet_status_encode(char *out, size_t n, const struct fleet_status *s);
int fleet_status_decode(const char *p, size_t len, struct fleet_status *s, char *err, size_t errn);

/* What the district holds of one station: the last stored position and
 * that line's hash (the chain head). */
struct fleet_head {
	struct fleet_pos pos;
	uint8_t hash[RECORD_HASH_LEN];
};

enum fleet_step {
	FLEET_APPEND, /* continues the chain: store it */
	FLEET_DUP,    /* already held: drop silently */
	FLEET_GAP,    /* something before it is missing: drop, ask again */
	FLEET_BREAK,  /* does not continue what is held: flag the station */
	FLEET_BAD     /* not a valid journal line: drop, log */
};

/* Judge one line at pos, preceded (per the station) by after. For
 * FLEET_APPEND the caller stores the line and sets h to (pos, its hash).
 * A line at exactly h->pos is compared with h->hash (a rewrite after the
 * acknowledgement is a BREAK). Reasons go into err. */
enum fleet_step fleet_check_line(const struct fleet_head *h, const struct fleet_pos *after,
				 const struct fleet_pos *pos, const char *line, size_t len,
				 char *err, size_t errn);

/* A station whose newest line (end, hash) is at or before what the
 * district holds must end with the very line the district holds there
 * (held_hash: the district's line at `end`; NULL when it has none).
 * Messages can arrive late (bridges, retained copies), so an older end is
 * fine as long as the line matches. 1 when it does not, with the reason. */
int fleet_end_diverged(const struct fleet_head *h, const struct fleet_pos *end,
		       const uint8_t end_hash[RECORD_HASH_LEN], const uint8_t *held_hash,
		       char *err, size_t errn);

/* Issue 14, the downlink: "loaxa/v1/DISTRICT/schedule" (every station of
 * the district); the per-station one is fleet_topic(..., FLEET_T_SCHEDULE). */
size_t fleet_district_topic(char *out, size_t n, const char *district);

/* A bundle message (`schedule` topics, retained):
 *   "loaxa-bundle 1 name=NAME.conf serial=S conf=N sig=M\n" + N bytes + M bytes.
 * The header's serial is advisory: only the signed schedule's counts. */
#define FLEET_BUNDLE_MAX ((1 << 20) + 8192)
#define FLEET_BUNDLE_NAME_MAX 200
struct fleet_bundle_msg {
	char name[FLEET_BUNDLE_NAME_MAX + 1]; /* NAME.conf */
	long long serial;
	const char *conf, *sig;               /* into the payload */
	size_t conf_len, sig_len;
};
/* "loaxa-bundle 1 name=... serial=... conf=N sig=M\n"; length, 0 if too small. */
size_t fleet_bundle_header(char *out, size_t n, const char *name, long long serial, size_t conf_len,
			   size_t sig_len);
/* 0, or -1 with the reason in err (an empty payload is an error too). */
int fleet_bundle_decode(const void *p, size_t len, struct fleet_bundle_msg *m, char *err, size_t errn);
/* 1 if name is a plain NAME.conf: no '/', no leading '.', at most 200 bytes. */
int fleet_bundle_name_valid(const char *name);

/* The station's answer on STATION/bundle (retained), machine-readable:
 *   "loaxa-bundle-state 1 serial=S state=ST[ got=N total=N][ detail=TEXT]" */
#define FLEET_BSTATE_DETAIL_MAX 400
struct fleet_bstate {
	long long serial;
	char state[16];   /* fetching waiting installed refused current */
	long long got, total; /* -1: not given */
	char detail[FLEET_BSTATE_DETAIL_MAX + 1];
};
/* 1 if s is one of the five states. */
int fleet_bstate_valid(const char *s);
/* Control characters of detail become spaces; detail is cut at 400 bytes
 * (on a UTF-8 boundary). Length, 0 if out is too small. */
size_t fleet_bstate_encode(char *out, size_t n, const struct fleet_bstate *b);
int fleet_bstate_decode(const char *p, size_t len, struct fleet_bstate *b, char *err, size_t errn);
/* Copy s into dst (dstn bytes) with control characters as spaces and cut
 * on a UTF-8 boundary: text fit for a detail= field. */
void fleet_detail_clean(char *dst, size_t dstn, const char *s);

#endif
