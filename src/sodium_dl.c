/* loaxad's libsodium: the three calls minisign.c makes to check a bundle's
 * or a schedule's signature, through libsodium loaded (dlopen) when the
 * first signature is checked, and kept. A station that checks none never
 * maps it (issue 18: about 120 KiB resident). Linked into loaxad in place
 * of -lsodium; the other programs link libsodium itself. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <sodium.h>

#include "i18n.h"
#include "util.h"

#ifndef SODIUM_SONAME /* the Makefile reads it from the library built against */
#define SODIUM_SONAME "libsodium.so.23"
#endif

static struct {
	int (*init)(void);
	int (*generichash)(unsigned char *, size_t, const unsigned char *, unsigned long long,
			   const unsigned char *, size_t);
	int (*verify)(const unsigned char *, const unsigned char *, unsigned long long, const unsigned char *);
} lib;
static int ok; /* lib is whole; set once, under mu, never cleared */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void load(void)
{
	void *h = dlopen(SODIUM_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		/* a missing or damaged file: said in the daemon's log at each try;
		 * dlerror's text copied first, since _() may call into libdl
		 * (gettext_own.c), which frees it */
		char why[300];
		snprintf(why, sizeof(why), "%s", dlerror());
		log_warnx(_("cannot load %s: signatures cannot be checked until it is repaired"), why);
		return;
	}
	*(void **)&lib.init = dlsym(h, "sodium_init");
	*(void **)&lib.generichash = dlsym(h, "crypto_generichash");
	*(void **)&lib.verify = dlsym(h, "crypto_sign_verify_detached");
	if (!lib.init || !lib.generichash || !lib.verify) {
		log_warnx(_("cannot load %s: signatures cannot be checked until it is repaired"),
			  SODIUM_SONAME ": a function is missing");
		dlclose(h);
		return;
	}
	ok = 1;
}

/* tried again while it fails: a library repaired is used without a restart */
static int ensure(void)
{
	pthread_mutex_lock(&mu);
	if (!ok)
		load();
	int r = ok;
	pthread_mutex_unlock(&mu);
	return r;
}

/* minisign.c calls it first: -1 (and its "libsodium cannot start") when
 * the library cannot be loaded. */
int sodium_init(void)
{
	return ensure() ? lib.init() : -1;
}

int crypto_generichash(unsigned char *out, size_t outlen, const unsigned char *in, unsigned long long inlen,
		       const unsigned char *key, size_t keylen)
{
	return ensure() ? lib.generichash(out, outlen, in, inlen, key, keylen) : -1;
}

int crypto_sign_verify_detached(const unsigned char *sig, const unsigned char *m, unsigned long long mlen,
				const unsigned char *pk)
{
	return ensure() ? lib.verify(sig, m, mlen, pk) : -1;
}
