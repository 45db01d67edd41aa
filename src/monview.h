/* The monitor input's part of the `status` reply (issue 19): the daemon
 * puts these fields in its structured reply (kv.h), clients render them
 * as text. Pure: no I/O.
 *
 *   monitor=none|not-yet|heard|dead-air|unavailable   the last broadcast's
 *                          result ("none": no monitor configured; "not-yet":
 *                          nothing measured since the daemon started)
 *   monitor.device=NAME    the ALSA capture device
 *   monitor.at=ISO         when that broadcast ended
 *   monitor.heard=N  monitor.of=M  monitor.dbfs=-23.5  monitor.peak=-3.1
 *                          (heard, dead-air)
 *   monitor.reason=TEXT    why it was unavailable (unavailable, or not-yet
 *                          after a monitor-lost)
 *   monitor.listening.heard=N  monitor.listening.of=M  monitor.listening.dbfs=X
 *                          the verdict so far, while a broadcast plays */
#ifndef LOAXA_MONVIEW_H
#define LOAXA_MONVIEW_H

#include <stddef.h>

#include "kv.h"

enum monview_state { MONVIEW_NONE, MONVIEW_NOT_YET, MONVIEW_HEARD, MONVIEW_DEAD_AIR, MONVIEW_UNAVAILABLE };

struct monview {
	enum monview_state state;
	const char *device;
	const char *at;      /* ISO 8601 time of the last result; "" = none */
	int heard, of;
	double dbfs, peak;
	const char *reason;  /* "" = none */
	int listening;       /* a broadcast is being measured now: */
	int now_heard, now_of;
	double now_dbfs;
};

const char *monview_state_name(enum monview_state s);

/* Put v's fields into a status reply. */
void monview_put(struct kvbuf *r, const struct monview *v);

/* The text lines ("listening:", "monitor:") for a status reply, into out
 * (n bytes, NUL-terminated, cut if short); "" when the reply says
 * monitor=none or has no monitor field (a daemon without issue 19).
 * Returns the length written. */
size_t monview_text(const char *reply, char *out, size_t n);

#endif
