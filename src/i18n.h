/* Messages in the user's language (issue 16): GNU gettext, text domain
 * "loaxa" ("loaxad" for the daemon), catalogues built from po/ (po/vi.po). Only messages for people
 * go through _() and ngettext(); machine-readable output (CSV headers, JSON
 * keys, journal records, control-socket fields, exit codes) never does. */
#ifndef LOAXA_I18N_H
#define LOAXA_I18N_H

#include <libintl.h>
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>

#define LOAXA_TEXTDOMAIN "loaxa"
/* loaxad's own catalogue: the messages of the sources linked into it only
 * (built from the same po/vi.po; issue 18). */
#define LOAXAD_TEXTDOMAIN "loaxad"

#define _(s) gettext(s)
/* Marks a string for xgettext where it is defined; translate with _() where used. */
#define N_(s) (s)

/* At the top of main(): the locale from the environment (LC_ALL, LC_*,
 * LANG), except LC_NUMERIC, which stays "C" so that numbers in files and
 * machine output keep a decimal point whatever the language. The catalogue
 * is looked up in $LOAXA_LOCALEDIR, else in "locale" next to the running
 * binary when that holds one (an uninstalled build/ tree), else in the
 * LOCALEDIR the build was configured with. The C library's own texts
 * (strerror) stay English, as they reach the journal. */
void i18n_init(void);

/* The same with only the language (LC_MESSAGES) from the environment and
 * every other category "C": for loaxa-web (and loaxad, when its own reader
 * refuses the catalogue), which format nothing by locale and write UTF-8
 * whatever the locale (the catalogue's character set is bound to UTF-8). Loading the others would map their files, the
 * character tables alone 128 KiB resident (issues 17, 18). When the
 * environment can only give English (no catalogue for its language:
 * i18n_env_has_catalogue), LC_MESSAGES is not loaded either and stays "C".
 * domain: the text domain (LOAXA_TEXTDOMAIN, LOAXAD_TEXTDOMAIN). */
void i18n_init_messages(const char *domain);

/* loaxad's: the same language choice as i18n_init_messages, but the
 * catalogue is read by mo.c (pread, only the messages looked up kept; no
 * locale loaded, nothing mapped, no gconv: issue 18), through the gettext
 * functions of src/gettext_own.c, which loaxad links instead of the C
 * library's. A catalogue mo.c refuses falls back to i18n_init_messages.
 * i18n_set_language, i18n_vformat and i18n_language follow it. */
void i18n_init_own(const char *domain);

/* For src/gettext_own.c: msgid of domain (NULL: the program's) in the own
 * catalogue's language (msgid itself when it has no translation), or NULL
 * when this process's messages are not the own catalogue's (English, the
 * C library's gettext reads them, or another text domain). */
const char *i18n_own_gettext(const char *domain, const char *msgid);

/* 1 if gettext, given these variables (NULL or "" when unset), could find
 * a catalogue loaxa has (Vietnamese): LANGUAGE's list counts unless the
 * locale (the first set of LC_ALL, LC_MESSAGES, LANG) is "C" or "POSIX". */
int i18n_env_has_catalogue(const char *lc_all, const char *lc_messages, const char *lang, const char *language);

/* The station file's language ("vi", "en", or "" to follow the locale):
 * for loaxad, which systemd starts without a user locale. "en" shows the
 * messages as written; "vi" needs no vi_VN locale to be generated (C.UTF-8
 * is used for LC_MESSAGES then). Sets LC_MESSAGES only. 0, or -1 when lang
 * is unknown. */
int i18n_set_language(const char *lang);

/* 1 if lang is a language i18n_set_language() accepts. */
int i18n_language_known(const char *lang);

/* The LC_MESSAGES locale that shows loaxa's messages in lang (a language
 * tag: "vi", "vi_VN", "vi-VN"; only its first part counts), for
 * uselocale() around gettext(); (locale_t)0 when lang has no catalogue
 * (English, or a language loaxa is not translated into). Made once per
 * language and kept. Vietnamese needs the vi_VN.UTF-8 locale generated,
 * or LANGUAGE=vi in the environment (station.language = "vi"). */
locale_t i18n_locale_for(const char *lang);

/* fmt (untranslated) formatted in lang into out: 1 when that is a
 * translation, 0 (out untouched) when lang has none for fmt. */
int i18n_vformat(const char *lang, char *out, size_t n, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* The language this process's messages are in, as a tag to ask another
 * program for ("vi"), from LANGUAGE and LC_MESSAGES as gettext reads
 * them; "" when that is English or the "C" locale. */
void i18n_language(char *out, size_t n);

#endif
