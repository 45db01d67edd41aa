/* libFuzzer: the minisign public key parser and the .minisig parser and
 * verifier. The first byte chooses: a key text, or a signature file over
 * fixed data checked against two fixed trusted keys (so that the
 * signature-line, key-id and trusted-comment paths are all reached). */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "minisign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct minisign_key keys[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	char err[256];
	/* Two throw-away keys (minisign -G), public halves only; the seed
	 * corpus holds signatures of msg by the first. */
	if (minisign_key_parse("RWQMnSAzWuVI/a950+MilR5+NxFJM6C2EV3a4GknS72T2ZNR+x0xIOSw", &keys[0], err,
			       sizeof(err)) < 0)
		abort();
	if (minisign_key_parse("RWRqoVx6adf5bmP8HgtOX46ry09eexpAfq449R8qcRPLvP/0K7ZmBTv7", &keys[1], err,
			       sizeof(err)) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char msg[] = "serial = 1;\nslots = ();\n";
	char err[512];
	if (size < 1)
		return 0;
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1) {
		struct minisign_key k;
		if (minisign_key_parse(text, &k, err, sizeof(err)) == 0) {
			char hex[MINISIGN_KEYID_HEX];
			minisign_keyid_hex(k.id, hex);
		}
	} else {
		static struct minisign_result res;
		minisign_verify(msg, sizeof(msg) - 1, text, size - 1, keys, 2, &res, err, sizeof(err));
	}
	free(text);
	return 0;
}
