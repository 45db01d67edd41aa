/* loaxad's libsodium: the three calls minisign.c makes to check a bundle's
 * or a schedule's signature, through libsodium loaded (dlopen) when the
 * first signature is checked, and kept. A station that checks none never
 * maps it (issue 18: about 120 KiB resident). Linked into loaxad in place
 * of -lsodium; the other programs link libsodium itself. */
#include <dlfcn.h>
#include <pthread.h>
#include <sodium.h>

#define SODIUM_SONAME "libsodium.so.23"

static struct {
	int (*init)(void);
	int (*generichash)(unsigned char *, size_t, const unsigned char *, unsigned long long,
			   const unsigned char *, size_t);
	int (*verify)(const unsigned char *, const unsigned char *, unsigned long long, const unsigned char *);
} lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *h = dlopen(SODIUM_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return;
	*(void **)&lib.init = dlsym(h, "sodium_init");
	*(void **)&lib.generichash = dlsym(h, "crypto_generichash");
	*(void **)&lib.verify = dlsym(h, "crypto_sign_verify_detached");
	if (!lib.init || !lib.generichash || !lib.verify) {
		lib.init = NULL;
		dlclose(h);
	}
}

/* minisign.c calls it first: -1 (and its "libsodium cannot start") when
 * the library cannot be loaded. */
int sodium_init(void)
{
	pthread_once(&once, load);
	return lib.init ? lib.init() : -1;
}

int crypto_generichash(unsigned char *out, size_t outlen, const unsigned char *in, unsigned long long inlen,
		       const unsigned char *key, size_t keylen)
{
	pthread_once(&once, load);
	return lib.init ? lib.generichash(out, outlen, in, inlen, key, keylen) : -1;
}

int crypto_sign_verify_detached(const unsigned char *sig, const unsigned char *m, unsigned long long mlen,
				const unsigned char *pk)
{
	pthread_once(&once, load);
	return lib.init ? lib.verify(sig, m, mlen, pk) : -1;
}
