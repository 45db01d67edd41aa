/* keep_used PROGRAM < IN.po > OUT.po: the entries of IN.po (written by
 * `msgcat --no-wrap`) whose msgid is in PROGRAM as a NUL-terminated string,
 * and the header. A message of a function the linker dropped
 * (--gc-sections) is not in the program, so the program cannot say it: its
 * catalogue need not hold it (issue 18). A build tool, run by the Makefile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0, r;
	char *b = malloc(cap);
	while (b && (r = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				return NULL;
			}
			b = nb;
		}
	}
	if (b)
		b[n] = '\0';
	*len = n;
	return b;
}

/* Appends the C-escaped string between the quotes of line to out. */
static size_t unquote(const char *line, char *out, size_t o)
{
	const char *p = strchr(line, '"');
	if (!p)
		return o;
	for (p++; *p && *p != '"'; p++) {
		if (*p != '\\') {
			out[o++] = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'r': out[o++] = '\r'; break;
		case 'a': out[o++] = '\a'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'v': out[o++] = '\v'; break;
		case '\0': return o;
		default:
			if (*p >= '0' && *p <= '7') {
				int v = 0, k = 0;
				for (; k < 3 && *p >= '0' && *p <= '7'; k++, p++)
					v = v * 8 + (*p - '0');
				p--;
				out[o++] = (char)v;
			} else {
				out[o++] = *p; /* \" \\ */
			}
		}
	}
	return o;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: keep_used PROGRAM < IN.po > OUT.po\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	size_t blen, plen;
	char *bin = f ? slurp(f, &blen) : NULL;
	if (f)
		fclose(f);
	char *po = slurp(stdin, &plen);
	char *id = malloc(plen + 2);
	if (!bin || !po || !id) {
		fprintf(stderr, "keep_used: cannot read %s or the catalogue\n", argv[1]);
		return 1;
	}
	size_t kept = 0, dropped = 0;
	/* entries are separated by empty lines */
	for (char *e = po; *e;) {
		char *end = strstr(e, "\n\n");
		char *next = end ? end + 2 : e + strlen(e);
		if (end)
			end[1] = '\0';
		size_t n = 0;
		int in_id = 0, has_id = 0;
		for (char *l = e; *l;) {
			char *nl = strchr(l, '\n');
			if (nl)
				*nl = '\0';
			if (!strncmp(l, "msgid ", 6)) {
				in_id = has_id = 1;
				n = unquote(l, id, 0);
			} else if (in_id && l[0] == '"') {
				n = unquote(l, id, n);
			} else {
				in_id = 0;
			}
			if (nl)
				*nl = '\n';
			l = nl ? nl + 1 : l + strlen(l);
		}
		id[n] = '\0';
		if (!has_id || n == 0 || memmem(bin, blen, id, n + 1)) {
			fputs(e, stdout);
			if (end)
				fputs("\n", stdout);
			kept++;
		} else {
			dropped++;
		}
		e = next;
	}
	fprintf(stderr, "keep_used: %zu entries kept, %zu not in %s\n", kept, dropped, argv[1]);
	free(id);
	free(po);
	free(bin);
	return ferror(stdout) ? 1 : 0;
}
