/* Journal record encode/decode and hashing. Pure: no I/O.
 *
 * One record is one line (no newline inside):
 *   TIME EVENT key=value ... prev=HEX64
 * TIME is ISO 8601 with its UTC offset; a value is written bare when it is
 * non-empty and has no space, '"', '\\', '=' or control byte, otherwise in
 * double quotes with \" \\ \n \r \t and \xHH escapes (UTF-8 kept as is).
 * prev is the SHA-256 of the previous line's bytes (newline excluded); the
 * very first line of a journal has 64 zeros. See docs/JOURNAL.md. */
#ifndef LOAXA_RECORD_H
#define LOAXA_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define RECORD_LINE_MAX 4096
#define RECORD_FIELDS_MAX 32
#define RECORD_HASH_LEN 32

/* Ids of the keys and events the as-run assembly and reports look at, so
 * that they switch on a number instead of comparing strings; anything
 * else is RK_OTHER / RE_OTHER (its name is still in key / event). */
enum record_key {
	RK_OTHER, RK_OCC, RK_DUE, RK_DETAIL, RK_BULLETIN, RK_CAMPAIGN, RK_ZONES, RK_LEVEL,
	RK_SERIAL, RK_EXPECTED, RK_PLAYED, RK_OUTCOME, RK_STATION, RK_COMMUNE, RK_STARTED,
	RK_DISTRICT, RK_SHA256, RK_HEARD, RK_HEARD_OF, RK_MONITOR_DBFS, RK_ORIGIN, RK__N
};
enum record_event {
	RE_OTHER, RE_OPEN, RE_SCHEDULE_INSTALLED, RE_START, RE_END, RE_INTERRUPTED, RE_FAILED,
	RE_MISSED, RE_STATION_START, RE__N
};

struct record_field {
	const char *key;
	const char *val;
	int id;                     /* enum record_key */
	size_t len;                 /* strlen(val) */
};

/* A decoded record. Strings point into buf, which has at least sixteen
 * readable bytes after each of them. */
struct record {
	int64_t time;
	int offset;                 /* UTC offset of TIME, seconds east */
	const char *time_str;
	const char *event;
	int event_id;               /* enum record_event */
	size_t nf;
	struct record_field f[RECORD_FIELDS_MAX];
	uint8_t prev[RECORD_HASH_LEN];
	char buf[RECORD_LINE_MAX + RECORD_FIELDS_MAX * 2 + 64];
};

/* Format one line (no newline) into out. kv is a NULL-terminated list of
 * key, value pairs (a NULL value skips the pair). Returns the length, or 0
 * if it does not fit in n or RECORD_LINE_MAX. */
size_t record_format(char *out, size_t n, int64_t t, int offset, const char *event,
		     const char *const *kv, const uint8_t prev[RECORD_HASH_LEN]);

/* A parsed record formatted again, with prev in place of its own: the
 * line's content without its place in the chain when prev is zero. */
size_t record_format_parsed(char *out, size_t n, const struct record *r, const uint8_t prev[RECORD_HASH_LEN]);

/* Parse one line (len bytes, no newline). 0, or -1 with a reason in err. */
int record_parse(const char *line, size_t len, struct record *r, char *err, size_t errn);
/* The same for consecutive lines of one reader: dc (zeroed before the
 * first line) remembers the last date's day number. */
struct civil_day_cache;
int record_parse_cached(const char *line, size_t len, struct record *r, struct civil_day_cache *dc,
			char *err, size_t errn);

/* The hash a reader expects in the next line's prev, and its 64 lowercase
 * hex digits as the writer spells them (record_link_set). */
struct record_link {
	uint8_t hash[RECORD_HASH_LEN];
	char hex[2 * RECORD_HASH_LEN];
};
void record_link_set(struct record_link *l, const uint8_t hash[RECORD_HASH_LEN]);
/* record_parse_cached for a reader that knows the line before: a prev
 * spelled as link (NULL: none) is taken without decoding. The result is
 * the same as record_parse_cached's, the link does not check the chain. */
int record_parse_linked(const char *line, size_t len, struct record *r, struct civil_day_cache *dc,
			const struct record_link *link, char *err, size_t errn);

/* Value of key, or NULL. */
const char *record_get(const struct record *r, const char *key);
/* Value of the key with that id (not RK_OTHER), or NULL. */
const char *record_get_id(const struct record *r, enum record_key id);

/* SHA-256 of a line's bytes (the chain link). */
void record_hash(const char *line, size_t len, uint8_t out[RECORD_HASH_LEN]);

#endif
