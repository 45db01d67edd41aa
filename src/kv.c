/* Versioned key=value replies for the control socket: see kv.h. */
#include "kv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kv_init(struct kvbuf *b, char *buf, size_t n)
{
	b->buf = buf;
	b->n = n;
	b->len = 0;
	b->overflow = 0;
	if (n)
		buf[0] = '\0';
}

size_t kv_escape(const char *s, char *out, size_t n)
{
	size_t need = 0, w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char tmp[5];
		size_t k;
		switch (*p) {
		case '\\': memcpy(tmp, "\\\\", 2), k = 2; break;
		case '\n': memcpy(tmp, "\\n", 2), k = 2; break;
		case '\r': memcpy(tmp, "\\r", 2), k = 2; break;
		case '\t': memcpy(tmp, "\\t", 2), k = 2; break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
				k = 4;
			} else {
				tmp[0] = (char)*p;
				k = 1;
			}
		}
		if (n && w + k < n) {
			memcpy(out + w, tmp, k);
			w += k;
		} else {
			n = 0; /* full: stop writing, keep counting */
		}
		need += k;
	}
	if (out && (w || n))
		out[w] = '\0';
	return need;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t kv_unescape(const char *s, size_t len, char *out, size_t n)
{
	size_t w = 0, total = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		if (c == '\\' && i + 1 < len) {
			char e = s[i + 1];
			if (e == '\\' || e == 'n' || e == 'r' || e == 't') {
				c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : '\\';
				i++;
			} else if (e == 'x' && i + 3 < len && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
				c = hexval(s[i + 2]) * 16 + hexval(s[i + 3]);
				i += 3;
			}
		}
		if (w + 1 < n)
			out[w++] = (char)c;
		total++;
	}
	if (n)
		out[w] = '\0';
	return total;
}

static void put_raw(struct kvbuf *b, const char *s, size_t k)
{
	if (b->overflow || b->len + k + 1 > b->n) {
		b->overflow = 1;
		return;
	}
	memcpy(b->buf + b->len, s, k);
	b->len += k;
	b->buf[b->len] = '\0';
}

void kv_put(struct kvbuf *b, const char *key, const char *val)
{
	if (b->overflow)
		return;
	size_t kl = strlen(key), mark = b->len;
	put_raw(b, key, kl);
	put_raw(b, "=", 1);
	if (b->overflow)
		goto cut;
	size_t room = b->n - b->len;
	size_t need = kv_escape(val ? val : "", b->buf + b->len, room);
	if (need + 2 > room) /* value and "\n\0" must fit whole */
		goto cut;
	b->len += need;
	put_raw(b, "\n", 1);
	if (!b->overflow)
		return;
cut:
	b->overflow = 1;
	b->len = mark;
	if (b->n)
		b->buf[mark] = '\0';
}

void kv_putf(struct kvbuf *b, const char *key, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	kv_put(b, key, tmp);
}

void kv_begin(struct kvbuf *b, int ok)
{
	kv_put(b, "loaxa", KV_VERSION);
	kv_put(b, "ok", ok ? "yes" : "no");
}

int kv_next(const char *reply, size_t *pos, char *key, size_t kn, char *val, size_t vn)
{
	const char *p = reply + *pos;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		const char *eq = memchr(p, '=', ll);
		const char *next = p + ll + (eol ? 1 : 0);
		if (eq) {
			size_t k = (size_t)(eq - p);
			if (kn) {
				size_t c = k < kn - 1 ? k : kn - 1;
				memcpy(key, p, c);
				key[c] = '\0';
			}
			kv_unescape(eq + 1, ll - k - 1, val, vn);
			*pos = (size_t)(next - reply);
			return 0;
		}
		p = next; /* a line without '=' is not a field */
	}
	*pos = (size_t)(p - reply);
	return -1;
}

int kv_get(const char *reply, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	for (const char *p = reply; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		if (ll > kl && !memcmp(p, key, kl) && p[kl] == '=') {
			kv_unescape(p + kl + 1, ll - kl - 1, out, n);
			return 0;
		}
		p = eol ? eol + 1 : NULL;
	}
	if (n)
		out[0] = '\0';
	return -1;
}

int kv_ok(const char *reply)
{
	char v[8], ok[8];
	if (kv_get(reply, "loaxa", v, sizeof(v)) < 0 || strcmp(v, KV_VERSION))
		return -1;
	if (kv_get(reply, "ok", ok, sizeof(ok)) < 0)
		return -1;
	return !strcmp(ok, "yes") ? 1 : !strcmp(ok, "no") ? 0 : -1;
}
