/* loaxa-web's sessions and login backoff: a small fixed table of sessions
 * (cookie token, CSRF token, account, role, idle and absolute expiry) and a
 * table of failed logins per account and per address. Pure: the caller
 * passes the time and the random bytes; nothing here reads a clock or a
 * device, so expiry and backoff are tested with plain numbers. */
#ifndef LOAXA_WEB_AUTH_H
#define LOAXA_WEB_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define WEB_SESSIONS_MAX 32
#define WEB_TOKEN_LEN 43         /* base64url of 32 random bytes */
#define WEB_RANDOM_BYTES 64      /* what web_session_new consumes */
#define WEB_SESSION_IDLE_S (30 * 60)
#define WEB_SESSION_MAX_S (12 * 3600)
#define WEB_BACKOFF_FREE 3       /* failures allowed before any wait */
#define WEB_BACKOFF_MAX_S 300
#define WEB_BACKOFF_SLOTS 64

enum web_role { WEB_VIEWER = 0, WEB_STAFF = 1 };
const char *web_role_name(enum web_role r);  /* "viewer", "staff" */
int web_role_parse(const char *s);           /* -> enum web_role or -1 */

struct web_session {
	char token[WEB_TOKEN_LEN + 1]; /* "" = free slot */
	char csrf[WEB_TOKEN_LEN + 1];
	char user[64];
	enum web_role role;
	int64_t created, seen;
	char flash[1024];   /* a message for the next page (post/redirect/get) */
	int flash_bad;
};

struct web_sessions {
	struct web_session s[WEB_SESSIONS_MAX];
};

/* Base64url (no padding) of n bytes into out (4*ceil(n/3)+1 bytes). */
void web_b64url(const uint8_t *in, size_t n, char *out);
/* Compare two NUL-terminated tokens in time independent of where they
 * differ (length may leak). 1 equal, 0 not. */
int web_token_equal(const char *a, const char *b);

/* Start a session for user: tokens made from rnd (WEB_RANDOM_BYTES random
 * bytes). A full table evicts the session seen longest ago. Never NULL. */
struct web_session *web_session_new(struct web_sessions *t, const char *user, enum web_role role,
				    int64_t now, const uint8_t rnd[WEB_RANDOM_BYTES]);
/* The live session whose cookie token is token (its seen time updated),
 * or NULL (unknown, idle too long or too old: then it is ended). */
struct web_session *web_session_find(struct web_sessions *t, const char *token, int64_t now);
void web_session_end(struct web_session *s);
/* End every session of user (after a password change). */
void web_session_end_user(struct web_sessions *t, const char *user);

/* Failed logins, keyed by a string ("user:NAME", "addr:1.2.3.4"). */
struct web_backoff_slot {
	char key[80];
	unsigned failures;
	int64_t until; /* no attempt before this */
	int64_t last;
};
struct web_backoff {
	struct web_backoff_slot s[WEB_BACKOFF_SLOTS];
};

/* Seconds to wait before key may try again (0: may try now); now and
 * the answer are whole seconds, so it may be one more than the wait set. */
int64_t web_backoff_wait(const struct web_backoff *b, const char *key, int64_t now);
/* A failed attempt: after WEB_BACKOFF_FREE failures each one doubles the
 * wait (1 s, 2 s, 4 s ... up to WEB_BACKOFF_MAX_S). Returns the new wait. */
int64_t web_backoff_fail(struct web_backoff *b, const char *key, int64_t now);
/* A successful login forgets the key's failures. */
void web_backoff_clear(struct web_backoff *b, const char *key);

#endif
