/* The monitor input's status fields: put by the daemon, rendered as text
 * by clients (monview.h). Pure. */
#include "monview.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"none", "not-yet", "heard", "dead-air", "unavailable"};

const char *monview_state_name(enum monview_state s)
{
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "none";
}

void monview_put(struct kvbuf *r, const struct monview *v)
{
	kv_put(r, "monitor", monview_state_name(v->state));
	if (v->state == MONVIEW_NONE)
		return;
	kv_put(r, "monitor.device", v->device ? v->device : "");
	kv_put(r, "monitor.at", v->at ? v->at : "");
	if (v->state == MONVIEW_HEARD || v->state == MONVIEW_DEAD_AIR) {
		kv_putf(r, "monitor.heard", "%d", v->heard);
		kv_putf(r, "monitor.of", "%d", v->of);
		kv_putf(r, "monitor.dbfs", "%.1f", v->dbfs);
		kv_putf(r, "monitor.peak", "%.1f", v->peak);
	}
	kv_put(r, "monitor.reason", v->reason ? v->reason : "");
	if (v->listening) {
		kv_putf(r, "monitor.listening.heard", "%d", v->now_heard);
		kv_putf(r, "monitor.listening.of", "%d", v->now_of);
		kv_putf(r, "monitor.listening.dbfs", "%.1f", v->now_dbfs);
	}
}

/* kv_get into a caller's buffer, "" when absent; control bytes become
 * spaces, so that a value (a device's error text) stays on its line. */
static const char *get(const char *reply, const char *key, char *buf, size_t n)
{
	if (kv_get(reply, key, buf, n) < 0)
		buf[0] = '\0';
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return buf;
}

size_t monview_text(const char *reply, char *out, size_t n)
{
	char st[32], dev[256], at[64], h[32], of[32], db[32], pk[32], why[512];
	size_t l = 0;
	if (!n)
		return 0;
	out[0] = '\0';
	get(reply, "monitor", st, sizeof(st));
	if (!st[0] || !strcmp(st, "none"))
		return 0;
#define P(...) (l += (size_t)snprintf(out + l, l < n ? n - l : 0, __VA_ARGS__))
	if (get(reply, "monitor.listening.of", of, sizeof(of))[0])
		P(_("listening: heard %s of %s s so far, level %s dBFS\n"),
		  get(reply, "monitor.listening.heard", h, sizeof(h)), of,
		  get(reply, "monitor.listening.dbfs", db, sizeof(db)));
	get(reply, "monitor.device", dev, sizeof(dev));
	get(reply, "monitor.at", at, sizeof(at));
	get(reply, "monitor.reason", why, sizeof(why));
	if (!strcmp(st, "not-yet"))
		P(_("monitor:   %s, no broadcast measured yet%s%s\n"), dev, why[0] ? _("; unavailable: ") : "", why);
	else if (!strcmp(st, "unavailable"))
		P(_("monitor:   %s, unavailable at the last broadcast (%s): %s\n"), dev, at, why);
	else
		P(_("monitor:   %s, last broadcast (%s) %s: heard %s of %s s, level %s dBFS, peak %s dBFS\n"), dev, at,
		  !strcmp(st, "dead-air") ? _("DEAD AIR") : _("heard"), get(reply, "monitor.heard", h, sizeof(h)),
		  get(reply, "monitor.of", of, sizeof(of)), get(reply, "monitor.dbfs", db, sizeof(db)),
		  get(reply, "monitor.peak", pk, sizeof(pk)));
#undef P
	return l < n ? l : n - 1;
}
