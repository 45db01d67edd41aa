/* The control request line: see ctlreq.h. */
#include "ctlreq.h"

#include <string.h>

int control_split_as(char *line, char *as, size_t asn)
{
	as[0] = '\0';
	char *sp = strrchr(line, ' ');
	char *tok = sp ? sp + 1 : line;
	if (strncmp(tok, "as=", 3))
		return 0;
	const char *name = tok + 3;
	size_t n = strlen(name);
	if (n < 1 || n > CONTROL_AS_MAX || n >= asn)
		return -1;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			return -1;
	memcpy(as, name, n + 1);
	if (sp)
		*sp = '\0';
	else
		*tok = '\0';
	return 0;
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
