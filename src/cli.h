/* loaxactl's messages on stderr, shared by its command files (loaxactl.c,
 * bundle_cli.c, report_cli.c). */
#ifndef LOAXA_CLI_H
#define LOAXA_CLI_H

#define CLI_EXIT_USAGE 2

/* "loaxactl: MESSAGE". */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Wrong usage: the message (when fmt is not NULL), then the command's
 * usage line ("usage: loaxactl [-c FILE] USAGE"; the general one when
 * usage is NULL). Returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
