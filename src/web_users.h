/* loaxa-web's accounts file: one line per account, "NAME ROLE HASH", the
 * hash an Argon2id string from libsodium's crypto_pwhash_str (salt and
 * parameters inside it). Written by `loaxactl web user add`, read by
 * loaxa-web at start-up and on SIGHUP. */
#ifndef LOAXA_WEB_USERS_H
#define LOAXA_WEB_USERS_H

#include <stddef.h>

#include "util.h"
#include "web_auth.h"

#define WEB_USER_MAX 64
#define WEB_USER_NAME_MAX 32 /* as the control socket's as=NAME */
#define WEB_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
/* Argon2id cost: 2 passes over 19 MiB (the OWASP minimum for Argon2id).
 * A Raspberry Pi 3 verifies a login in about 0.2 s (loaxa-web does it in
 * a child process, whose memory those 19 MiB are). Stored in each hash:
 * changing these affects new hashes only (and web_users_dummy_hash). */
#define WEB_PWHASH_OPS 2
#define WEB_PWHASH_MEM (19u << 20)
#define WEB_PASSWORD_MIN 8
#define WEB_PASSWORD_MAX 256

struct web_user {
	char name[WEB_USER_MAX];
	enum web_role role;
	char hash[WEB_HASH_MAX];
};

struct web_users {
	struct web_user *u;
	size_t n;
};

/* Load the accounts file. A missing file is no accounts (0). 0, or -1 with
 * "file:line: what is wrong" in errs (then no account is loaded). */
int web_users_load(const char *path, struct web_users *u, struct errlist *errs);
void web_users_free(struct web_users *u);
const struct web_user *web_users_find(const struct web_users *u, const char *name);

/* Check a login: 1 right (role in *role), 0 wrong or unknown account (an
 * unknown account costs the same time as a known one: it is verified
 * against web_users_dummy_hash, made with the same cost). */
#define WEB_PWHASH_STRBYTES 128 /* crypto_pwhash_STRBYTES */
extern const char web_users_dummy_hash[WEB_PWHASH_STRBYTES];
int web_users_check(const struct web_users *u, const char *name, const char *password,
		    enum web_role *role);

/* 1 if name may be an account name: [A-Za-z0-9._-], 1..32, not '.' first. */
int web_user_name_valid(const char *name);

/* Add or replace an account (hashing password) and rewrite the file
 * atomically, mode 0640. 0, or -1 with a message in err. */
int web_users_set(const char *path, const char *name, enum web_role role, const char *password,
		  char *err, size_t errn);

/* loaxactl web ... (argv[0] = "web"). Exit status 0, 1, 2. */
int web_users_cmd(const char *users_path, int argc, char **argv);

#endif
