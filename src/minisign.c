/* minisign signature verification with libsodium: see minisign.h. The
 * formats are minisign's own (https://jedisct1.github.io/minisign/):
 *   public key: base64("Ed" || key id[8] || Ed25519 public key[32])
 *   .minisig:   untrusted comment: ...
 *               base64(algorithm[2] || key id[8] || signature[64])
 *               trusted comment: ...
 *               base64(global signature[64] over signature || trusted comment) */
#include "minisign.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SIG_BYTES crypto_sign_BYTES /* 64 */
#define SIGLINE_BYTES (2 + MINISIGN_KEYID_BYTES + SIG_BYTES)
#define KEY_BYTES (2 + MINISIGN_KEYID_BYTES + MINISIGN_PK_BYTES)

static const char UNTRUSTED[] = "untrusted comment: ";
static const char TRUSTED[] = "trusted comment: ";

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode exactly n bytes of standard, padded base64 from s (slen chars);
 * 0 or -1. As strict as libsodium's decoder (the padding, and no stray
 * bits in the last character), without it: a key is read at start-up and
 * libsodium is loaded only to check a signature (issue 18). */
static int b64_exact(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen == 0 || slen != 4 * ((n + 2) / 3))
		return -1;
	size_t got = 0, i = 0;
	unsigned acc = 0, bits = 0;
	for (; i < slen && s[i] != '='; i++) {
		int v = b64_value(s[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xfff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (got == n)
				return -1;
			out[got++] = (uint8_t)(acc >> bits);
		}
	}
	for (size_t j = i; j < slen; j++)
		if (s[j] != '=')
			return -1;
	if (got != n || slen - i > 2 || bits > 4 || (acc & ((1u << bits) - 1)))
		return -1;
	return 0;
}

void minisign_keyid_hex(const uint8_t id[MINISIGN_KEYID_BYTES], char out[MINISIGN_KEYID_HEX])
{
	/* minisign prints the number with "%" PRIX64: no leading zeros. */
	uint64_t v = 0;
	for (int i = MINISIGN_KEYID_BYTES - 1; i >= 0; i--)
		v = v << 8 | id[i];
	snprintf(out, MINISIGN_KEYID_HEX, "%llX", (unsigned long long)v);
}

int minisign_key_parse(const char *text, struct minisign_key *k, char *err, size_t errn)
{
	const char *s = text;
	/* The whole .pub file: skip its untrusted comment line. */
	if (!strncmp(s, UNTRUSTED, sizeof(UNTRUSTED) - 1)) {
		const char *nl = strchr(s, '\n');
		s = nl ? nl + 1 : s + strlen(s);
	}
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strcspn(s, "\r\n");
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	uint8_t raw[KEY_BYTES];
	if (b64_exact(s, n, raw, sizeof(raw)) < 0) {
		snprintf(err, errn, "\"%.*s\" is not a minisign public key (the 56 characters starting with RW on the second line of the .pub file)",
			 (int)(n > 70 ? 70 : n), s);
		return -1;
	}
	if (raw[0] != 'E' || raw[1] != 'd') {
		snprintf(err, errn, "\"%.*s\" is not an Ed25519 minisign public key", (int)(n > 70 ? 70 : n), s);
		return -1;
	}
	memcpy(k->id, raw + 2, MINISIGN_KEYID_BYTES);
	memcpy(k->pk, raw + 2 + MINISIGN_KEYID_BYTES, MINISIGN_PK_BYTES);
	return 0;
}

/* Split the signature file into at most 4 lines (a final newline and a
 * '\r' before each newline are allowed; anything after line 4 is not). */
struct lines {
	const char *p[4];
	size_t len[4];
	size_t n;
};

static int split_lines(const char *s, size_t slen, struct lines *l, char *err, size_t errn)
{
	size_t i = 0;
	l->n = 0;
	while (i < slen) {
		const char *nl = memchr(s + i, '\n', slen - i);
		size_t end = nl ? (size_t)(nl - s) : slen;
		size_t len = end - i;
		if (len && s[i + len - 1] == '\r')
			len--;
		if (l->n == 4) {
			/* Trailing blank lines are harmless; text is not. */
			if (len) {
				snprintf(err, errn, "malformed signature file (line %zu): unexpected text after the signature",
					 l->n + 1);
				return -1;
			}
		} else {
			if (memchr(s + i, '\0', len)) {
				snprintf(err, errn, "malformed signature file (line %zu): contains a NUL byte", l->n + 1);
				return -1;
			}
			l->p[l->n] = s + i;
			l->len[l->n] = len;
			l->n++;
		}
		i = end + 1;
	}
	return 0;
}

int minisign_available(void)
{
	return sodium_init() >= 0;
}

int minisign_verify(const void *data, size_t len, const char *sig, size_t siglen,
		    const struct minisign_key *keys, size_t nkeys, struct minisign_result *res,
		    char *err, size_t errn)
{
	struct minisign_result local;
	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	if (!minisign_available()) {
		snprintf(err, errn, "libsodium cannot start");
		return -1;
	}
	if (siglen > MINISIGN_SIGFILE_MAX) {
		snprintf(err, errn, "malformed signature file (line 1): %zu bytes is too large for a signature file", siglen);
		return -1;
	}
	struct lines l;
	if (split_lines(sig, siglen, &l, err, errn) < 0)
		return -1;
	if (l.n < 1 || l.len[0] < sizeof(UNTRUSTED) - 1 ||
	    memcmp(l.p[0], UNTRUSTED, sizeof(UNTRUSTED) - 1)) {
		snprintf(err, errn, "malformed signature file (line 1): expected \"untrusted comment: ...\"%s",
			 siglen ? "" : " (the file is empty)");
		return -1;
	}
	uint8_t sl[SIGLINE_BYTES];
	if (l.n < 2 || b64_exact(l.p[1], l.len[1], sl, sizeof(sl)) < 0) {
		snprintf(err, errn, "malformed signature file (line 2): not a minisign signature");
		return -1;
	}
	minisign_keyid_hex(sl + 2, res->keyid);
	if (sl[0] != 'E' || (sl[1] != 'd' && sl[1] != 'D')) {
		snprintf(err, errn, "malformed signature file (line 2): unsupported signature algorithm \"%c%c\"",
			 sl[0] >= 0x20 && sl[0] < 0x7f ? sl[0] : '?', sl[1] >= 0x20 && sl[1] < 0x7f ? sl[1] : '?');
		return -1;
	}
	res->prehashed = sl[1] == 'D';
	if (l.n < 3 || l.len[2] < sizeof(TRUSTED) - 1 || memcmp(l.p[2], TRUSTED, sizeof(TRUSTED) - 1)) {
		snprintf(err, errn, "malformed signature file (line 3): expected \"trusted comment: ...\"");
		return -1;
	}
	const char *tc = l.p[2] + sizeof(TRUSTED) - 1;
	size_t tclen = l.len[2] - (sizeof(TRUSTED) - 1);
	if (tclen > MINISIGN_COMMENT_MAX) {
		snprintf(err, errn, "malformed signature file (line 3): the trusted comment is longer than %d bytes",
			 MINISIGN_COMMENT_MAX);
		return -1;
	}
	uint8_t gsig[SIG_BYTES];
	if (l.n < 4 || b64_exact(l.p[3], l.len[3], gsig, sizeof(gsig)) < 0) {
		snprintf(err, errn, "malformed signature file (line 4): not a minisign comment signature");
		return -1;
	}

	if (nkeys == 0) {
		snprintf(err, errn, "no trusted key: this station has no public key to check signatures with (trust.keys in the station file)");
		return -1;
	}
	const struct minisign_key *k = NULL;
	for (size_t i = 0; i < nkeys && !k; i++)
		if (!memcmp(keys[i].id, sl + 2, MINISIGN_KEYID_BYTES))
			k = &keys[i];
	if (!k) {
		char known[MINISIGN_KEYID_HEX];
		size_t o = 0;
		char list[160] = "";
		for (size_t i = 0; i < nkeys && o + MINISIGN_KEYID_HEX + 2 < sizeof(list); i++) {
			minisign_keyid_hex(keys[i].id, known);
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", known);
		}
		snprintf(err, errn, "signed by an unknown key %s (this station trusts %s)", res->keyid, list);
		return -1;
	}

	const uint8_t *msg = data;
	unsigned long long mlen = len;
	uint8_t h[crypto_generichash_BYTES_MAX];
	if (res->prehashed) {
		crypto_generichash(h, sizeof(h), data, len, NULL, 0);
		msg = h;
		mlen = sizeof(h);
	}
	if (crypto_sign_verify_detached(sl + 2 + MINISIGN_KEYID_BYTES, msg, mlen, k->pk) != 0) {
		snprintf(err, errn, "signature does not match the file (changed after signing?)");
		return -1;
	}
	uint8_t gmsg[SIG_BYTES + MINISIGN_COMMENT_MAX];
	memcpy(gmsg, sl + 2 + MINISIGN_KEYID_BYTES, SIG_BYTES);
	memcpy(gmsg + SIG_BYTES, tc, tclen);
	if (crypto_sign_verify_detached(gsig, gmsg, SIG_BYTES + tclen, k->pk) != 0) {
		snprintf(err, errn, "trusted comment was altered");
		return -1;
	}
	memcpy(res->trusted_comment, tc, tclen);
	res->trusted_comment[tclen] = '\0';
	return 0;
}
