/* libFuzzer: the control socket's request line as loaxad reads it: cut at
 * the newline, within CONTROL_REQ_MAX, "\r" and NUL refused (control.c),
 * the as=NAME and lang=LANG tokens split off (control_split_opts), then
 * the request itself
 * (ctlreq_parse). What is accepted must be well formed, and the canonical
 * line rebuilt from it must read back the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CONTROL_REQ_MAX + 1];
	size_t len = size < CONTROL_REQ_MAX ? size : CONTROL_REQ_MAX;
	memcpy(line, data, len);
	line[len] = '\0';
	char *nl = memchr(line, '\n', len);
	if (!nl)
		return 0; /* control.c waits for more, or refuses a line too long */
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		*--nl = '\0';
	if (memchr(line, '\0', (size_t)(nl - line)) || strchr(line, '\r'))
		return 0;
	char as[CONTROL_AS_MAX + 1], lang[CONTROL_LANG_MAX + 1];
	char before[CONTROL_REQ_MAX + 1];
	memcpy(before, line, (size_t)(nl - line) + 1);
	int sr = control_split_opts(line, as, sizeof(as), lang, sizeof(lang));
	if (sr < -2 || sr > 0)
		abort();
	if (sr < 0)
		return 0;
	size_t al = strlen(as), ll = strlen(lang);
	if (al > CONTROL_AS_MAX || ll > CONTROL_LANG_MAX || (ll && ll < 2))
		abort();
	for (size_t i = 0; i < al; i++)
		if (!name_char(as[i]))
			abort();
	for (size_t i = 0; i < ll; i++)
		if (!((lang[i] >= 'a' && lang[i] <= 'z') || (lang[i] >= 'A' && lang[i] <= 'Z') || lang[i] == '_' ||
		      lang[i] == '-'))
			abort();
	/* what was split off is what followed the request, nothing else */
	if (strncmp(before, line, strlen(line)) || (!al && !ll && strcmp(before, line)))
		abort();
	struct ctlreq q;
	enum ctlreq_verb v = ctlreq_parse(line, &q);
	if (v != q.verb)
		abort();
	if (v != CTLREQ_PLAY && (q.id[0] || q.emergency))
		abort();
	if (v == CTLREQ_PLAY) {
		size_t il = strnlen(q.id, sizeof(q.id));
		if (il == 0 || il >= sizeof(q.id) || !strstr(line, q.id))
			abort();
		for (size_t i = 0; i < il; i++)
			if (strchr(" \t\n\v\f\r", q.id[i]))
				abort();
	}
	if (v == CTLREQ_EMPTY || v == CTLREQ_UNKNOWN)
		return 0;
	/* The canonical form of what was understood reads back the same. */
	static const char *const names[] = {[CTLREQ_STATUS] = "status", [CTLREQ_STOP] = "stop", [CTLREQ_RELOAD] = "reload"};
	char again[2 * CONTROL_REQ_MAX];
	if (v == CTLREQ_PLAY)
		snprintf(again, sizeof(again), "play %s%s", q.id, q.emergency ? " emergency" : "");
	else
		snprintf(again, sizeof(again), "%s", names[v]);
	struct ctlreq q2;
	if (ctlreq_parse(again, &q2) != v || q2.emergency != q.emergency || strcmp(q2.id, q.id))
		abort();
	return 0;
}
