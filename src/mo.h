/* A reader of GNU gettext's compiled catalogues (.mo, as msgfmt writes
 * them) for loaxad (issue 18): the file is read with pread() at each new
 * message, never mapped, and only the messages looked up are kept, on the
 * heap. No locale, no character-set conversion: the catalogue must be
 * UTF-8 and have one plural form (Vietnamese), else mo_open() refuses it
 * and the caller uses the C library's gettext. Thread-safe. */
#ifndef LOAXA_MO_H
#define LOAXA_MO_H

#include <stddef.h>

struct mo;

/* The catalogue at path, or NULL with why in err (path included). */
struct mo *mo_open(const char *path, char *err, size_t errn);
void mo_close(struct mo *m);

/* msgid's translation, or NULL when the catalogue has none (or it could
 * not be read). For a message with plural forms msgid is the singular and the
 * answer the catalogue's one form, whatever the count. The string stays
 * valid until mo_close(). */
const char *mo_gettext(struct mo *m, const char *msgid);

#endif
