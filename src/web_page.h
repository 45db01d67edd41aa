/* Building loaxa-web's pages: a growing output buffer with HTML escaping,
 * a CSV row reader (for `loaxactl log --format csv`), the page language
 * from Accept-Language, and the small checks on form values. Pure: no I/O. */
#ifndef LOAXA_WEB_PAGE_H
#define LOAXA_WEB_PAGE_H

#include <stddef.h>

/* A malloc'd, always NUL-terminated text being built. */
struct wbuf {
	char *p;
	size_t len, cap;
};

void wb_put(struct wbuf *b, const char *s);
void wb_putn(struct wbuf *b, const char *s, size_t n);
void wb_printf(struct wbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s with & < > " ' as entities and control bytes (but TAB, LF, CR) as
 * U+FFFD, so any bytes are safe in element content and quoted attributes. */
void wb_html(struct wbuf *b, const char *s);
/* Hand the text over (the caller frees it); b is empty after. */
char *wb_take(struct wbuf *b, size_t *len);
void wb_free(struct wbuf *b);

enum web_lang { WEB_VI = 0, WEB_EN = 1 };
/* The page language: English when the browser's first choice is English,
 * Vietnamese otherwise (and when there is no header). */
enum web_lang web_lang_pick(const char *accept_language);

/* Read one CSV row (RFC 4180: quotes, doubled quotes, CRLF or LF) at *pos,
 * which moves past it. Fields are unescaped into scratch (n bytes) and
 * pointed to from f (at most maxf; extra fields are dropped). Returns the
 * number of fields, or -1 at the end of the text. */
int web_csv_row(const char **pos, char **f, int maxf, char *scratch, size_t n);

/* A bulletin id made from an uploaded file's name: its base name without
 * the extension, bytes outside [A-Za-z0-9._-] as '-', at most n-1 bytes,
 * never starting with '.'. "" when nothing usable is left. */
void web_id_from_filename(const char *name, char *out, size_t n);

/* 1 if s is "YYYY-MM" with a month 01..12. */
int web_month_valid(const char *s);

/* The value of cookie name in a Cookie header into out; 0 or -1. */
int web_cookie_get(const char *header, const char *name, char *out, size_t n);

/* 1 if a browser's Origin header names the host it sent the request to
 * (Host header): "http://HOST" or "https://HOST", HOST as in Host. No
 * Origin (an older browser, curl) is 1: the SameSite cookie still holds. */
int web_origin_ok(const char *origin, const char *host);

#endif
