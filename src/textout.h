/* Writing text for other programs: JSON strings, CSV fields (RFC 4180),
 * and UTF-8 checks, shared by every command that prints csv or json. */
#ifndef LOAXA_TEXTOUT_H
#define LOAXA_TEXTOUT_H

#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence starting at p (2..4), or 0. */
size_t utf8_seq_len(const unsigned char *p);
/* s as a JSON string, quotes included; invalid UTF-8 becomes U+FFFD, so
 * the output always parses. */
void out_json_string(FILE *f, const char *s);
/* s as one CSV field, quoted when it holds a comma, quote, CR or LF. */
void out_csv_field(FILE *f, const char *s);

#endif
