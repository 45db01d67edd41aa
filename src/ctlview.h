/* Text for people from the daemon's structured replies (kv.h,
 * docs/CONTROL.md): what loaxactl prints for status, play, stop and
 * reload. Decisions rest on fields only; this is presentation. Pure
 * apart from writing to the given stream. */
#ifndef LOAXA_CTLVIEW_H
#define LOAXA_CTLVIEW_H

#include <stdio.h>

/* Render an ok=yes reply to request cmd ("status", "play", "stop",
 * "reload") on out. */
void ctlview_status(const char *reply, FILE *out);
void ctlview_play(const char *reply, FILE *out);
void ctlview_stop(const char *reply, FILE *out);
void ctlview_reload(const char *reply, FILE *out);

/* Dispatch on the request's first word; unknown commands print the
 * fields as they are. */
void ctlview_render(const char *cmd, const char *reply, FILE *out);

#endif
