/* minisign signatures, verified with libsodium (Ed25519): public keys as
 * minisign writes them ("RW..." base64, the second line of a .pub file),
 * .minisig files, the pre-hashed ('ED': BLAKE2b-512 of the data, minisign's
 * default) and the legacy ('Ed') mode, and the signature over the trusted
 * comment. Pure: bytes in memory, no I/O, no clock. */
#ifndef LOAXA_MINISIGN_H
#define LOAXA_MINISIGN_H

#include <stddef.h>
#include <stdint.h>

#define MINISIGN_KEYID_BYTES 8
#define MINISIGN_KEYID_HEX 17      /* up to 16 upper-case hex digits + NUL */
#define MINISIGN_PK_BYTES 32
#define MINISIGN_KEY_B64_MAX 64    /* a key is 56 base64 characters */
#define MINISIGN_COMMENT_MAX 8192  /* minisign's own limit for a trusted comment */
#define MINISIGN_SIGFILE_MAX 16384 /* a .minisig larger than this is not one */

struct minisign_key {
	uint8_t id[MINISIGN_KEYID_BYTES]; /* as stored (little-endian) */
	uint8_t pk[MINISIGN_PK_BYTES];
};

struct minisign_result {
	char keyid[MINISIGN_KEYID_HEX];                /* the signer, as minisign prints it */
	int prehashed;                                 /* 1 = 'ED', 0 = legacy 'Ed' */
	char trusted_comment[MINISIGN_COMMENT_MAX + 1]; /* verified; NUL-terminated */
};

/* Parse a public key: the "RW..." base64 string, or the whole text of a
 * minisign .pub file (its second line is used). 0, or -1 with a message
 * for people in err. */
int minisign_key_parse(const char *text, struct minisign_key *k, char *err, size_t errn);

/* A key id as minisign prints it ("minisign public key 6EF9D7697A5CA16A"):
 * the little-endian 64-bit number in upper-case hex, without leading
 * zeros (so an id may be shorter than 16 digits, exactly as in the .pub). */
void minisign_keyid_hex(const uint8_t id[MINISIGN_KEYID_BYTES], char out[MINISIGN_KEYID_HEX]);

/* 1 if signatures can be checked at all (libsodium loads and starts). */
int minisign_available(void);

/* Verify the .minisig text sig (siglen bytes) over data (len bytes) with
 * one of the trusted keys. On success 0 and *res filled (res may be NULL).
 * On failure -1 with err: "no trusted key ...", "malformed signature file
 * (line N): ...", "signed by an unknown key KEYID ...", "signature does not
 * match the file (changed after signing?)", "trusted comment was altered".
 * res->keyid is filled whenever the signature line could be read, so a
 * rejection can name the key. */
int minisign_verify(const void *data, size_t len, const char *sig, size_t siglen,
		    const struct minisign_key *keys, size_t nkeys, struct minisign_result *res,
		    char *err, size_t errn);

#endif
