/* libFuzzer: the files section of a pushed schedule (the bundle manifest),
 * parsed from memory as bundle_install does once the signature checked
 * out; and the @include refusal in front of it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct bundle_file *f = NULL;
	size_t n = 0;
	struct errlist e = {0};
	if (config_parse_bundle_files("fuzz.conf", text, size, &f, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!f[i].bulletin[0] || !f[i].file[0] || strlen(f[i].sha256) != 64 || strchr(f[i].file, '/'))
				abort(); /* the parser promised a valid entry */
	}
	free(f);
	errlist_free(&e);
	free(text);
	return 0;
}
