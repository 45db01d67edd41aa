/* Writing text for other programs: JSON strings, CSV fields and records
 * (RFC 4180, neutralised against spreadsheet formulas),
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
/* A text field that came from outside (a journal, a schedule, a list) as
 * one CSV field, neutralised for spreadsheets: a value starting with =, +,
 * -, @, TAB or CR gets a leading ' so that it is never run as a formula.
 * Use out_csv_field for numbers and times this program formats. */
void out_csv_text(FILE *f, const char *s);
/* End a CSV record: CRLF (RFC 4180). */
void out_csv_end(FILE *f);
/* The UTF-8 byte-order mark, first in a file, for Excel. */
void out_csv_bom(FILE *f);

#endif
