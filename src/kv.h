/* The control socket's reply form: versioned "key=value" lines, one per
 * field, values escaped so that any byte string fits on one line. The
 * daemon writes it, loaxactl and loaxa-web read it; text for people is
 * rendered by the clients, never parsed back. Pure: no I/O.
 *
 *   loaxa=1            always first: the form's version
 *   ok=yes|no          always second
 *   error=...          when ok=no: what went wrong, in plain words
 *   message=...        optional: what happened, in plain words
 *   KEY=VALUE          request-specific fields (docs/CONTROL.md)
 */
#ifndef LOAXA_KV_H
#define LOAXA_KV_H

#include <stddef.h>

#define KV_VERSION "1"

/* A reply being built in a caller's buffer; never overflows: once full,
 * overflow is set and further puts are dropped. */
struct kvbuf {
	char *buf;
	size_t n, len;
	int overflow;
};

void kv_init(struct kvbuf *b, char *buf, size_t n);
/* Appends "key=escaped(val)\n"; key is [a-z0-9._-]+ and is not escaped. */
void kv_put(struct kvbuf *b, const char *key, const char *val);
void kv_putf(struct kvbuf *b, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The two header lines: "loaxa=1", "ok=yes|no". */
void kv_begin(struct kvbuf *b, int ok);

/* Escape s for one line: '\\' -> "\\\\", LF -> "\\n", CR -> "\\r", TAB ->
 * "\\t", other bytes < 0x20 and 0x7f -> "\\xHH". UTF-8 passes unchanged.
 * Writes at most n-1 bytes plus NUL (cut at a whole escape); returns the
 * length the whole escaped string needs. Also used for log lines and
 * .why files, so that a hostile name cannot forge a line. */
size_t kv_escape(const char *s, char *out, size_t n);
/* Inverse of kv_escape for one value (len bytes); unknown escapes are
 * kept literally. Returns the unescaped length (output cut to n-1). */
size_t kv_unescape(const char *s, size_t len, char *out, size_t n);

/* The value of key in reply (unescaped into out). 0 found, -1 absent. */
int kv_get(const char *reply, const char *key, char *out, size_t n);
/* 1 if reply starts with a known version and says ok=yes; 0 if ok=no;
 * -1 if it is not a loaxa reply of a version this build reads. */
int kv_ok(const char *reply);

/* Walks fields in order: *pos starts at 0; returns 0 with key and value
 * filled, -1 at the end. Keys longer than kn-1 are cut. */
int kv_next(const char *reply, size_t *pos, char *key, size_t kn, char *val, size_t vn);

#endif
