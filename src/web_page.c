/* Helpers for loaxa-web's pages: see web_page.h. */
#include "web_page.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static void wb_grow(struct wbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void wb_putn(struct wbuf *b, const char *s, size_t n)
{
	wb_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void wb_put(struct wbuf *b, const char *s)
{
	wb_putn(b, s, strlen(s));
}

void wb_printf(struct wbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	wb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void wb_html(struct wbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': wb_put(b, "&amp;"); break;
		case '<': wb_put(b, "&lt;"); break;
		case '>': wb_put(b, "&gt;"); break;
		case '"': wb_put(b, "&quot;"); break;
		case '\'': wb_put(b, "&#39;"); break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				wb_put(b, "\xef\xbf\xbd");
			else
				wb_putn(b, s, 1);
		}
	}
}

char *wb_take(struct wbuf *b, size_t *len)
{
	if (!b->p)
		wb_grow(b, 0), b->p[0] = '\0';
	char *p = b->p;
	if (len)
		*len = b->len;
	memset(b, 0, sizeof(*b));
	return p;
}

void wb_free(struct wbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

enum web_lang web_lang_pick(const char *h)
{
	if (!h)
		return WEB_VI;
	/* The first tag with the highest q wins; ties keep the earlier one. */
	double best = -1;
	enum web_lang pick = WEB_VI;
	const char *p = h;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *tag = p;
		while (*p && *p != ';' && *p != ',' && *p != ' ')
			p++;
		size_t tl = (size_t)(p - tag);
		double q = 1.0;
		while (*p && *p != ',') {
			if (!strncmp(p, ";q=", 3) || !strncmp(p, "; q=", 4)) {
				const char *v = strchr(p, '=') + 1;
				q = 0;
				if (*v == '1')
					q = 1;
				else if (*v == '0' && v[1] == '.' && isdigit((unsigned char)v[2]))
					q = (v[2] - '0') / 10.0;
				p = v;
			}
			p++;
		}
		if (tl && q > best) {
			best = q;
			pick = (tl >= 2 && !strncasecmp(tag, "en", 2) && (tl == 2 || tag[2] == '-'))
				       ? WEB_EN : WEB_VI;
		}
	}
	return pick;
}

int web_csv_row(const char **pos, char **f, int maxf, char *scratch, size_t n)
{
	const char *p = *pos;
	if (!p || !*p)
		return -1;
	size_t o = 0;
	int nf = 0;
	for (;;) {
		char *start = scratch + o;
		int keep = nf < maxf && o < n;
		if (*p == '"') {
			p++;
			while (*p) {
				if (*p == '"' && p[1] == '"') {
					if (keep && o + 1 < n)
						scratch[o++] = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					if (keep && o + 1 < n)
						scratch[o++] = *p;
					p++;
				}
			}
		}
		while (*p && *p != ',' && *p != '\n' && *p != '\r') {
			if (keep && o + 1 < n)
				scratch[o++] = *p;
			p++;
		}
		if (keep && o < n) {
			scratch[o++] = '\0';
			f[nf] = start;
		}
		nf++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\r')
			p++;
		if (*p == '\n')
			p++;
		break;
	}
	*pos = p;
	return nf < maxf ? nf : maxf;
}

void web_id_from_filename(const char *name, char *out, size_t n)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	const char *bs = strrchr(base, '\\');
	base = bs ? bs + 1 : base;
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot > base ? (size_t)(dot - base) : strlen(base);
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < n && o < 63; i++) {
		unsigned char c = (unsigned char)base[i];
		int okc = isalnum(c) || c == '.' || c == '_' || c == '-';
		if (c >= 0x80) {
			/* one '-' for a whole UTF-8 sequence */
			while (i + 1 < len && ((unsigned char)base[i + 1] & 0xc0) == 0x80)
				i++;
		}
		char w = okc && c < 0x80 ? (char)c : '-';
		if (w == '-' && o && out[o - 1] == '-')
			continue;
		if (!o && w == '.')
			continue;
		out[o++] = w;
	}
	while (o && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	if (o && !id_valid(out))
		out[0] = '\0';
}

int web_month_valid(const char *s)
{
	return strlen(s) == 7 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) && s[4] == '-' &&
	       ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') ||
		(s[5] == '1' && s[6] >= '0' && s[6] <= '2'));
}

int web_cookie_get(const char *h, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = h;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		if (l > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			size_t vl = l - nl - 1;
			if (vl >= n)
				return -1;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return 0;
		}
		p = end;
	}
	return -1;
}

int web_origin_ok(const char *origin, const char *host)
{
	if (!origin)
		return 1;
	if (!host)
		return 0;
	const char *p = !strncmp(origin, "http://", 7) ? origin + 7
			: !strncmp(origin, "https://", 8) ? origin + 8 : NULL;
	return p && !strcasecmp(p, host);
}
