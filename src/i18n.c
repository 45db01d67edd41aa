/* Locale and catalogue set-up for every program (i18n.h). */
#include "i18n.h"

#include "mo.h"

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where glibc keeps compiled locales (its default locale path). */
#ifndef SYSLOCALEDIR
#define SYSLOCALEDIR "/usr/lib/locale"
#endif

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

/* "locale" beside the binary, when it holds a catalogue: a build tree. */
static int build_localedir(const char *domain, char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (l <= 0)
		return -1;
	exe[l] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	struct stat sb;
	char mo[PATH_MAX + 64];
	snprintf(mo, sizeof(mo), "%s/locale/vi/LC_MESSAGES/%s.mo", exe, domain);
	if (stat(mo, &sb) < 0)
		return -1;
	if ((size_t)snprintf(out, n, "%s/locale", exe) >= n)
		return -1;
	return 0;
}

/* Where domain's catalogues are (i18n_init). */
static const char *catalogue_dir(const char *domain, char *buf, size_t n)
{
	const char *dir = getenv("LOAXA_LOCALEDIR");
	if (!dir || !*dir)
		dir = build_localedir(domain, buf, n) == 0 ? buf : LOCALEDIR;
	return dir;
}

static void bind_catalogue(const char *domain)
{
	char buf[PATH_MAX];
	bindtextdomain(domain, catalogue_dir(domain, buf, sizeof(buf)));
	/* strerror() and the other texts of the C library stay English: they
	 * end up in the journal's details and in .why files, which must not
	 * change with the language (and are what an admin searches for). */
	bindtextdomain("libc", "/nonexistent/loaxa-no-libc-messages");
	bind_textdomain_codeset(domain, "UTF-8");
	textdomain(domain);
}

void i18n_init(void)
{
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	bind_catalogue(LOAXA_TEXTDOMAIN);
}

/* The languages there are catalogues for (po/). */
static const char *const catalogues[] = {"vi"};

/* The first part of a language tag, lower case: "vi" of "vi_VN.UTF-8". */
static void primary(const char *tag, char *out, size_t n);

static int has_catalogue(const char *tag)
{
	char p[8];
	primary(tag, p, sizeof(p));
	for (size_t i = 0; i < sizeof(catalogues) / sizeof(catalogues[0]); i++)
		if (!strcmp(p, catalogues[i]))
			return 1;
	return 0;
}

static const char *set(const char *v)
{
	return v && *v ? v : NULL;
}

int i18n_env_has_catalogue(const char *lc_all, const char *lc_messages, const char *lang, const char *language)
{
	const char *loc = set(lc_all) ? lc_all : set(lc_messages) ? lc_messages : set(lang) ? lang : "";
	if (!*loc || !strcmp(loc, "C") || !strcmp(loc, "POSIX"))
		return 0; /* gettext ignores LANGUAGE under "C" */
	if (!set(language))
		return has_catalogue(loc);
	for (const char *l = language; *l;) {
		if (has_catalogue(l))
			return 1;
		l += strcspn(l, ":");
		l += *l == ':';
	}
	return 0;
}

/* The catalogue for lang (a language list as LANGUAGE takes it) under
 * C.UTF-8, not under lang's own locale: gettext picks the catalogue by
 * LANGUAGE whenever LC_MESSAGES is not "C", and of LC_MESSAGES' own data
 * (yes/no answers) nothing is used. vi_VN's comes from locale-archive,
 * 416 KiB resident in loaxad; C.UTF-8's is a 4 KiB file of its own
 * (issue 18). lang's locale only where there is no C.UTF-8. */
static void messages_in(const char *lang, const char *locale)
{
	setenv("LANGUAGE", lang, 1);
	/* glibc looks every locale up in locale-archive first, and keeps the
	 * archive mapped when the name is not there (64 KiB resident in
	 * loaxad; issue 18), though C.UTF-8 is a directory of its own (Debian:
	 * /usr/lib/locale/C.utf8). With LOCPATH set it reads directories
	 * only; set for this call alone, so that no child inherits it, and
	 * only when the user did not set it. Where C.UTF-8 is in the archive
	 * only, the plain lookup below finds it. */
	if (!getenv("LOCPATH")) {
		setenv("LOCPATH", SYSLOCALEDIR, 1);
		const char *ok = setlocale(LC_MESSAGES, "C.UTF-8");
		unsetenv("LOCPATH");
		if (ok)
			return;
	}
	if (!setlocale(LC_MESSAGES, "C.UTF-8"))
		setlocale(LC_MESSAGES, locale);
}

/* loaxad's own reader (i18n_init_own): the Vietnamese catalogue, opened
 * when first needed; own_on while the process's messages are in it. */
static const char *own_domain;
static struct mo *own_mo;
static int own_tried, own_on, own_refused_said;

static void own_path(char *path, size_t n)
{
	char dir[PATH_MAX];
	snprintf(path, n, "%s/vi/LC_MESSAGES/%s.mo", catalogue_dir(own_domain, dir, sizeof(dir)), own_domain);
}

static struct mo *own_catalogue(void)
{
	if (!own_tried) {
		own_tried = 1;
		char path[PATH_MAX + 64], err[PATH_MAX + 128];
		own_path(path, sizeof(path));
		own_mo = mo_open(path, err, sizeof(err));
	}
	return own_mo;
}

/* Once the C library's gettext has the catalogue own_catalogue() could
 * not use: why, in its language. A missing catalogue leaves the messages
 * English, as gettext would, and is not said. */
static void own_refused(void)
{
	char path[PATH_MAX + 64], err[PATH_MAX + 128];
	own_path(path, sizeof(path));
	if (access(path, F_OK) < 0)
		return;
	struct mo *m = mo_open(path, err, sizeof(err));
	if (!m)
		fprintf(stderr, _("loaxad: %s; reading it with the C library's gettext\n"), err);
	mo_close(m);
}

const char *i18n_own_gettext(const char *domain, const char *msgid)
{
	if (!own_on || (domain && strcmp(domain, own_domain)))
		return NULL;
	const char *t = mo_gettext(own_mo, msgid);
	return t ? t : msgid;
}

void i18n_init_messages(const char *domain)
{
	/* Loading a locale maps locale-archive and the gconv cache (96 KiB
	 * resident in loaxad, issue 18): only when it can change a message. */
	const char *all = getenv("LC_ALL"), *msg = getenv("LC_MESSAGES"), *lang = getenv("LANG");
	const char *language = getenv("LANGUAGE");
	if (i18n_env_has_catalogue(all, msg, lang, language)) {
		const char *loc = set(all) ? all : set(msg) ? msg : lang;
		messages_in(set(language) ? language : loc, "");
	}
	bind_catalogue(domain);
}

void i18n_init_own(const char *domain)
{
	own_domain = domain;
	const char *all = getenv("LC_ALL"), *msg = getenv("LC_MESSAGES"), *lang = getenv("LANG");
	if (i18n_env_has_catalogue(all, msg, lang, getenv("LANGUAGE")) && !own_catalogue()) {
		i18n_init_messages(domain);
		own_refused_said = 1;
		own_refused();
		return;
	}
	own_on = own_mo != NULL;
	bind_catalogue(domain);
}

int i18n_language_known(const char *lang)
{
	return lang && (!*lang || !strcmp(lang, "vi") || !strcmp(lang, "en"));
}

int i18n_set_language(const char *lang)
{
	if (!i18n_language_known(lang))
		return -1;
	if (!*lang)
		return 0;
	if (!strcmp(lang, "en")) {
		own_on = 0;
		/* "C" ignores LANGUAGE; unset, so that a request may still
		 * ask for Vietnamese (i18n_locale_for). */
		unsetenv("LANGUAGE");
		setlocale(LC_MESSAGES, "C");
		return 0;
	}
	/* LANGUAGE is ignored under the "C" locale: any UTF-8 locale will do.
	 * The character set is the catalogue's (bind_textdomain_codeset), so
	 * LC_CTYPE is left as it is. */
	if (own_domain && own_catalogue()) {
		own_on = 1;
		return 0;
	}
	messages_in(lang, "vi_VN.UTF-8");
	if (own_domain && !own_refused_said) {
		own_refused_said = 1;
		own_refused();
	}
	return 0;
}

static void primary(const char *tag, char *out, size_t n)
{
	size_t k = 0;
	for (; tag[k] && k + 1 < n && ((tag[k] >= 'a' && tag[k] <= 'z') || (tag[k] >= 'A' && tag[k] <= 'Z')); k++)
		out[k] = (char)(tag[k] | 0x20);
	out[k] = '\0';
}

locale_t i18n_locale_for(const char *lang)
{
	static locale_t vi;
	static int tried;
	char p[8];
	primary(lang ? lang : "", p, sizeof(p));
	if (strcmp(p, "vi"))
		return (locale_t)0;
	if (!tried) {
		tried = 1;
		vi = newlocale(LC_MESSAGES_MASK, "vi_VN.UTF-8", (locale_t)0);
		if (!vi)
			vi = newlocale(LC_MESSAGES_MASK, "C.UTF-8", (locale_t)0);
	}
	return vi;
}

int i18n_vformat(const char *lang, char *out, size_t n, const char *fmt, va_list ap)
{
	const char *tr;
	char p[8];
	primary(lang ? lang : "", p, sizeof(p));
	if (own_domain && !strcmp(p, "vi") && own_catalogue()) {
		tr = mo_gettext(own_mo, fmt);
		if (!tr)
			return 0;
	} else {
		locale_t l = i18n_locale_for(lang);
		if (!l)
			return 0;
		locale_t old = uselocale(l);
		tr = gettext(fmt);
		uselocale(old);
		if (tr == fmt)
			return 0;
	}
	/* the catalogue's format was checked against fmt by msgfmt --check */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(out, n, tr, ap);
#pragma GCC diagnostic pop
	return 1;
}

void i18n_language(char *out, size_t n)
{
	out[0] = '\0';
	if (own_on) {
		snprintf(out, n, "vi");
		return;
	}
	const char *loc = setlocale(LC_MESSAGES, NULL);
	if (!loc || !strcmp(loc, "C") || !strcmp(loc, "POSIX"))
		return; /* messages as written, whatever LANGUAGE says */
	const char *l = getenv("LANGUAGE");
	char p[8];
	primary(l && *l ? l : loc, p, sizeof(p));
	if (strlen(p) >= 2 && strcmp(p, "en") && strcmp(p, "c"))
		snprintf(out, n, "%s", p);
}
