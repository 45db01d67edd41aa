/* libFuzzer: the journal record parser (record_parse), on lines as read
 * from a journal someone copied from a USB stick. A parsed record is
 * formatted again and must parse again (encode/decode agree). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record r, r2;
	char err[256];
	if (record_parse((const char *)data, size, &r, err, sizeof(err)) < 0)
		return 0;
	(void)record_get(&r, "occ");
	const char *kv[2 * RECORD_FIELDS_MAX + 1];
	size_t k = 0;
	for (size_t i = 0; i < r.nf; i++) {
		if (!strcmp(r.f[i].key, "prev"))
			continue;
		kv[k++] = r.f[i].key;
		kv[k++] = r.f[i].val;
	}
	kv[k] = NULL;
	char line[RECORD_LINE_MAX + 1];
	size_t n = record_format(line, sizeof(line), r.time, r.offset, r.event, kv, r.prev);
	if (n && record_parse(line, n, &r2, err, sizeof(err)) < 0)
		abort(); /* what we write, we must read back */
	uint8_t h[RECORD_HASH_LEN];
	record_hash((const char *)data, size, h);
	return 0;
}
