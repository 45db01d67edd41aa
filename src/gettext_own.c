/* loaxad's gettext (i18n.h, i18n_init_own): linked into loaxad only, these
 * take the place of the C library's for loaxad's own code (libintl.h makes
 * _() a dcgettext() call). The linker exports them too, as the C library
 * defines them: a library asking for another text domain gets the C
 * library's. Messages come from mo.c's reader when i18n_init_own or
 * i18n_set_language chose it, else from the C library's gettext (under
 * the "C" locale: the message as written). */
#include <dlfcn.h>
#include <libintl.h>
#include <pthread.h>
#include <stddef.h>

#include "i18n.h"

#undef gettext
#undef dgettext
#undef dcgettext
#undef ngettext
#undef dngettext
#undef dcngettext

typedef char *dcgettext_fn(const char *, const char *, int);
typedef char *dcngettext_fn(const char *, const char *, const char *, unsigned long, int);

/* The C library's, found once (the helper threads log too) */
static dcgettext_fn *libc_dc;
static dcngettext_fn *libc_dcn;
static pthread_once_t found = PTHREAD_ONCE_INIT;

static void find_libc(void)
{
	libc_dc = (dcgettext_fn *)dlsym(RTLD_NEXT, "dcgettext");
	libc_dcn = (dcngettext_fn *)dlsym(RTLD_NEXT, "dcngettext");
}

char *dcgettext(const char *domain, const char *msgid, int category)
{
	const char *t = i18n_own_gettext(domain, msgid);
	if (t)
		return (char *)t;
	pthread_once(&found, find_libc);
	return libc_dc ? libc_dc(domain, msgid, category) : (char *)msgid;
}

char *dcngettext(const char *domain, const char *msgid, const char *plural, unsigned long n, int category)
{
	const char *t = i18n_own_gettext(domain, msgid);
	if (t)
		return (char *)(t != msgid ? t : n == 1 ? msgid : plural);
	pthread_once(&found, find_libc);
	return libc_dcn ? libc_dcn(domain, msgid, plural, n, category) : (char *)(n == 1 ? msgid : plural);
}

char *dgettext(const char *domain, const char *msgid)
{
	return dcgettext(domain, msgid, LC_MESSAGES);
}

char *gettext(const char *msgid)
{
	return dcgettext(NULL, msgid, LC_MESSAGES);
}

char *dngettext(const char *domain, const char *msgid, const char *plural, unsigned long n)
{
	return dcngettext(domain, msgid, plural, n, LC_MESSAGES);
}

char *ngettext(const char *msgid, const char *plural, unsigned long n)
{
	return dcngettext(NULL, msgid, plural, n, LC_MESSAGES);
}
