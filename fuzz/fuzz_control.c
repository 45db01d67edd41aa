/* libFuzzer: the control socket's reply form (kv.h), which loaxactl and
 * loaxa-web parse: kv_ok, kv_get, kv_next, kv_unescape; and kv_escape,
 * which also guards log lines and .why files: its output must be one line
 * and must unescape to the input. (The request line: fuzz_request.c.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char key[64], val[512];
	(void)kv_ok(text);
	(void)kv_get(text, "error", val, sizeof(val));
	size_t pos = 0;
	for (int i = 0; i < 1000 && kv_next(text, &pos, key, sizeof(key), val, sizeof(val)) == 0; i++)
		;
	/* Escape, then back: one line, the same bytes. */
	size_t need = kv_escape(text, NULL, 0);
	char *esc = malloc(need + 1);
	if (kv_escape(text, esc, need + 1) != need || strlen(esc) != need || strchr(esc, '\n') ||
	    strchr(esc, '\r'))
		abort();
	char *back = malloc(strlen(text) + 1);
	size_t bl = kv_unescape(esc, need, back, strlen(text) + 1);
	if (bl != strlen(text) || memcmp(back, text, bl))
		abort();
	free(back);
	free(esc);
	free(text);
	return 0;
}
