/* Sessions, CSRF tokens and login backoff for loaxa-web: see web_auth.h. */
#include "web_auth.h"

#include <string.h>

#include "util.h"

const char *web_role_name(enum web_role r)
{
	return r == WEB_STAFF ? "staff" : "viewer";
}

int web_role_parse(const char *s)
{
	if (!strcmp(s, "staff"))
		return WEB_STAFF;
	if (!strcmp(s, "viewer"))
		return WEB_VIEWER;
	return -1;
}

void web_b64url(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = a[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	out[o] = '\0';
}

int web_token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb || !la)
		return 0;
	unsigned char d = 0;
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

struct web_session *web_session_new(struct web_sessions *t, const char *user, enum web_role role,
				    int64_t now, const uint8_t rnd[WEB_RANDOM_BYTES])
{
	struct web_session *pick = NULL;
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session *s = &t->s[i];
		if (!s->token[0]) {
			pick = s;
			break;
		}
		if (!pick || s->seen < pick->seen)
			pick = s;
	}
	memset(pick, 0, sizeof(*pick));
	web_b64url(rnd, 32, pick->token);
	web_b64url(rnd + 32, 32, pick->csrf);
	str_copy(pick->user, user, sizeof(pick->user));
	pick->role = role;
	pick->created = pick->seen = now;
	return pick;
}

struct web_session *web_session_find(struct web_sessions *t, const char *token, int64_t now)
{
	if (!token || strlen(token) != WEB_TOKEN_LEN)
		return NULL;
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session *s = &t->s[i];
		if (!s->token[0] || !web_token_equal(s->token, token))
			continue;
		if (now - s->seen > WEB_SESSION_IDLE_S || now - s->created > WEB_SESSION_MAX_S ||
		    now < s->created) {
			web_session_end(s);
			return NULL;
		}
		s->seen = now;
		return s;
	}
	return NULL;
}

void web_session_end(struct web_session *s)
{
	memset(s, 0, sizeof(*s));
}

void web_session_end_user(struct web_sessions *t, const char *user)
{
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++)
		if (t->s[i].token[0] && !strcmp(t->s[i].user, user))
			web_session_end(&t->s[i]);
}

static const struct web_backoff_slot *bo_find(const struct web_backoff *b, const char *key)
{
	for (size_t i = 0; i < WEB_BACKOFF_SLOTS; i++)
		if (b->s[i].key[0] && !strcmp(b->s[i].key, key))
			return &b->s[i];
	return NULL;
}

int64_t web_backoff_wait(const struct web_backoff *b, const char *key, int64_t now)
{
	const struct web_backoff_slot *s = bo_find(b, key);
	return s && s->until > now ? s->until - now : 0;
}

int64_t web_backoff_fail(struct web_backoff *b, const char *key, int64_t now)
{
	struct web_backoff_slot *s = (struct web_backoff_slot *)bo_find(b, key);
	if (!s) {
		/* A full table forgets the key idle longest: an attacker
		 * spraying addresses only evicts his own entries first. */
		s = &b->s[0];
		for (size_t i = 0; i < WEB_BACKOFF_SLOTS; i++) {
			if (!b->s[i].key[0]) {
				s = &b->s[i];
				break;
			}
			if (b->s[i].last < s->last)
				s = &b->s[i];
		}
		memset(s, 0, sizeof(*s));
		str_copy(s->key, key, sizeof(s->key));
	}
	s->failures++;
	s->last = now;
	int64_t wait = 0;
	if (s->failures > WEB_BACKOFF_FREE) {
		unsigned k = s->failures - WEB_BACKOFF_FREE - 1;
		wait = k >= 9 ? WEB_BACKOFF_MAX_S : (int64_t)1 << k;
		if (wait > WEB_BACKOFF_MAX_S)
			wait = WEB_BACKOFF_MAX_S;
	}
	/* now counts whole seconds: one more makes the wait at least what
	 * it says, whenever within its second the failure came (a failure at
	 * x.99 s would otherwise wait 0.01 s). */
	s->until = wait ? now + wait + 1 : now;
	return wait;
}

void web_backoff_clear(struct web_backoff *b, const char *key)
{
	struct web_backoff_slot *s = (struct web_backoff_slot *)bo_find(b, key);
	if (s)
		memset(s, 0, sizeof(*s));
}
