#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

#include "i18n.h"

static void verr(const char *fmt, va_list ap)
{
	fputs("loaxactl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		verr(fmt, ap);
		va_end(ap);
	}
	if (usage)
		fprintf(stderr, _("usage: loaxactl [-c FILE] %s\n"), usage);
	else
		fputs(_("usage: loaxactl [-c FILE] COMMAND [ARGS]   (loaxactl help: the commands)\n"),
		      stderr);
	return CLI_EXIT_USAGE;
}
