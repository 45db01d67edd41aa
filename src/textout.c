/* Writing text for other programs: see textout.h. */
#include "textout.h"

#include <stdlib.h>
#include <string.h>

size_t utf8_seq_len(const unsigned char *p)
{
	unsigned c = p[0];
	size_t n;
	unsigned cp;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void out_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	while (*p) {
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc((int)c, f);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", f); break;
			case '\r': fputs("\\r", f); break;
			case '\t': fputs("\\t", f); break;
			case '\b': fputs("\\b", f); break;
			case '\f': fputs("\\f", f); break;
			default: fprintf(f, "\\u%04x", c); break;
			}
			p++;
		} else if (c < 0x80) {
			fputc((int)c, f);
			p++;
		} else {
			size_t n = utf8_seq_len(p);
			if (n) {
				fwrite(p, 1, n, f);
				p += n;
			} else {
				fputs("\\ufffd", f);
				p++;
			}
		}
	}
	fputc('"', f);
}

void out_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void out_csv_text(FILE *f, const char *s)
{
	/* A spreadsheet runs a cell starting with = + - @ (or TAB, CR before
	 * one) as a formula; a leading ' makes it text and shows nothing. */
	if (*s && strchr("=+-@\t\r", *s)) {
		size_t n = strlen(s) + 2;
		char *t = malloc(n);
		if (t) {
			t[0] = '\'';
			memcpy(t + 1, s, n - 1);
			out_csv_field(f, t);
			free(t);
			return;
		}
		fputc('\'', f); /* no memory: still never a formula */
	}
	out_csv_field(f, s);
}

void out_csv_end(FILE *f)
{
	fputs("\r\n", f);
}

void out_csv_bom(FILE *f)
{
	fputs("\xef\xbb\xbf", f);
}
