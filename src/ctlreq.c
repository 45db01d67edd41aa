/* The control request line: see ctlreq.h. */
#include "ctlreq.h"

#include <string.h>

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-';
}

static int lang_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

/* The last token of line, when it starts with key: 1 taken (cut off the
 * line), 0 not there, -1 there but its value malformed (line unchanged). */
static int split_last(char *line, const char *key, size_t min, size_t max, int (*ok)(char), char *out,
		      size_t outn)
{
	char *sp = strrchr(line, ' ');
	char *tok = sp ? sp + 1 : line;
	size_t kl = strlen(key);
	if (strncmp(tok, key, kl))
		return 0;
	const char *v = tok + kl;
	size_t n = strlen(v);
	if (n < min || n > max || n >= outn)
		return -1;
	for (const char *p = v; *p; p++)
		if (!ok(*p))
			return -1;
	memcpy(out, v, n + 1);
	if (sp)
		*sp = '\0';
	else
		*tok = '\0';
	return 1;
}

int control_split_as(char *line, char *as, size_t asn)
{
	as[0] = '\0';
	return split_last(line, "as=", 1, CONTROL_AS_MAX, name_char, as, asn) < 0 ? -1 : 0;
}

int control_split_lang(char *line, char *lang, size_t langn)
{
	lang[0] = '\0';
	return split_last(line, "lang=", 2, CONTROL_LANG_MAX, lang_char, lang, langn) < 0 ? -1 : 0;
}

int control_split_opts(char *line, char *as, size_t asn, char *lang, size_t langn)
{
	as[0] = lang[0] = '\0';
	int got_as = 0, got_lang = 0;
	for (;;) {
		int r = got_as ? 0 : split_last(line, "as=", 1, CONTROL_AS_MAX, name_char, as, asn);
		if (r < 0)
			return -1;
		if (r) {
			got_as = 1;
			continue;
		}
		r = got_lang ? 0 : split_last(line, "lang=", 2, CONTROL_LANG_MAX, lang_char, lang, langn);
		if (r < 0)
			return -2;
		if (!r)
			return 0;
		got_lang = 1;
	}
}

/* The white space of scanf's %s (the C locale's isspace). */
static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* The next word of *s: its start and length (0 at the end). */
static size_t word(const char **s, const char **start)
{
	const char *p = *s;
	while (*p && blank(*p))
		p++;
	*start = p;
	while (*p && !blank(*p))
		p++;
	*s = p;
	return (size_t)(p - *start);
}

static int is(const char *w, size_t n, const char *name)
{
	return n == strlen(name) && !memcmp(w, name, n);
}

enum ctlreq_verb ctlreq_parse(const char *request, struct ctlreq *rq)
{
	memset(rq, 0, sizeof(*rq));
	const char *s = request, *w[4];
	size_t n[4];
	int k = 0;
	for (; k < 4 && (n[k] = word(&s, &w[k])) > 0; k++)
		;
	/* k words, and a fifth is no longer looked at: four already fit no form */
	if (k == 0)
		return rq->verb = CTLREQ_EMPTY;
	rq->verb = CTLREQ_UNKNOWN;
	if (k == 1 && is(w[0], n[0], "status"))
		rq->verb = CTLREQ_STATUS;
	else if (k == 1 && is(w[0], n[0], "stop"))
		rq->verb = CTLREQ_STOP;
	else if (k == 1 && is(w[0], n[0], "reload"))
		rq->verb = CTLREQ_RELOAD;
	else if (is(w[0], n[0], "play") && (k == 2 || (k == 3 && is(w[2], n[2], "emergency"))) &&
		 n[1] < sizeof(rq->id)) {
		memcpy(rq->id, w[1], n[1]);
		rq->id[n[1]] = '\0';
		rq->emergency = k == 3;
		rq->verb = CTLREQ_PLAY;
	}
	return rq->verb;
}
