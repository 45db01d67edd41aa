/* Rendering of control replies: see ctlview.h. */
#include "ctlview.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "kv.h"
#include "monview.h"

#define V 1024

static const char *get(const char *reply, const char *key, char *buf)
{
	kv_get(reply, key, buf, V);
	return buf;
}

static int is(const char *reply, const char *key, const char *val)
{
	char b[V];
	return kv_get(reply, key, b, V) == 0 && !strcmp(b, val);
}

/* The daemon's state word (a kv value) in words. */
static const char *state_text(const char *s)
{
	if (!strcmp(s, "waiting-clock"))
		return _("waiting for the clock to be synchronised");
	if (!strcmp(s, "idle"))
		return _("idle");
	return s;
}

static const char *level_text(const char *l)
{
	if (!strcmp(l, "normal"))
		return _("normal");
	if (!strcmp(l, "priority"))
		return _("priority");
	if (!strcmp(l, "emergency"))
		return _("emergency");
	return l;
}

/* The amplifier's state (sequence.c, seq_state_name) in words. */
static const char *amp_text(const char *s)
{
	static const char *const words[] = {N_("off"), N_("switching the power"), N_("warming up"),
					    N_("switching zones"), N_("on, playing"), N_("on, zones on"),
					    N_("on, holding"), N_("switching off"), N_("off, waiting to retry"),
					    N_("not confirmed off"), N_("stopped")};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(s, words[i]))
			return _(words[i]);
	return s;
}

static void fmt_duration(long long s, char *buf, size_t n)
{
	snprintf(buf, n, _("%lldh %02lldm %02llds"), s / 3600, s / 60 % 60, s % 60);
}

void ctlview_status(const char *r, FILE *out)
{
	char a[V], b[V], c[V], e[V], f[V];
	fprintf(out, _("station:   %s (%s), commune %s"), get(r, "station.name", a), get(r, "station.id", b),
		get(r, "commune", c));
	if (*get(r, "district", a))
		fprintf(out, _(", district %s"), a);
	fputc('\n', out);
	fprintf(out, _("time:      %s%s\n"), get(r, "time", a),
		is(r, "synced", "yes") ? "" : _(" (NOT synchronised: nothing plays until it is)"));
	get(r, "state", a);
	get(r, "playing.campaign", c);
	if (!strcmp(a, "starting")) {
		fprintf(out, _("state:     starting: the amplifier is being switched on (%s)\n"), amp_text(get(r, "amp", b)));
		fprintf(out, _("playing:   %s  bulletin %s%s%s  (not started: waiting for the amplifier)\n"),
			get(r, "playing.occurrence", b), get(r, "playing.bulletin", e), *c ? _("  campaign ") : "", c);
	} else if (!strcmp(a, "playing") || !strcmp(a, "draining")) {
		fprintf(out, _("state:     playing%s\n"),
			!strcmp(a, "draining") ? _(" (played; reading the amplifier back)") : "");
		fprintf(out, _("playing:   %s  bulletin %s%s%s  %.1f of %.1f s\n"), get(r, "playing.occurrence", b),
			get(r, "playing.bulletin", e), *c ? _("  campaign ") : "", c,
			atof(get(r, "playing.seconds", f)), atof(get(r, "playing.expected", a)));
	} else {
		fprintf(out, _("state:     %s\n"), state_text(a));
	}
	int k = atoi(get(r, "next.count", a));
	for (int i = 0; i < k; i++) {
		char key[32], due[V], id[V], bul[V], lvl[V];
		snprintf(key, sizeof(key), "next.%d.due", i);
		get(r, key, due);
		snprintf(key, sizeof(key), "next.%d.occurrence", i);
		get(r, key, id);
		snprintf(key, sizeof(key), "next.%d.bulletin", i);
		get(r, key, bul);
		snprintf(key, sizeof(key), "next.%d.level", i);
		get(r, key, lvl);
		fprintf(out, _("next:      %s  %s  bulletin %s  %s\n"), due, id, bul, level_text(lvl));
	}
	if (!k)
		{
		unsigned long h = strtoul(get(r, "next.horizon_days", a), NULL, 10);
		fprintf(out, ngettext("next:      nothing scheduled in the next %lu day\n",
				      "next:      nothing scheduled in the next %lu days\n", h), h);
	}
	get(r, "schedule.installed", a);
	char rv[V];
	if (*a)
		fprintf(out, _("schedule:  serial %s, %.12s, installed %s by %s%s\n"), get(r, "schedule.serial", b),
			get(r, "schedule.sha256", c), a, *get(r, "schedule.signer", e) ? e : "?",
			!strcmp(get(r, "schedule.signer_revoked", rv), "yes")
				? _(" (a REVOKED key: it plays until a schedule signed by a current key replaces it)") : "");
	else
		fprintf(out, _("schedule:  serial %s\n"), get(r, "schedule.serial", b));
	{
		unsigned long nb = strtoul(get(r, "library.count", a), NULL, 10);
		fprintf(out, ngettext("library:   %lu bulletin", "library:   %lu bulletins", nb), nb);
		if (*get(r, "library.signed", b) && strcmp(b, "0"))
			fprintf(out, _(" (%s signed, %s local)"), b, get(r, "library.local", c));
		fputc('\n', out);
	}
	get(r, "push", a);
	get(r, "push.spool", b);
	if (!strcmp(a, "refused"))
		fprintf(out, _("push:      refused: no trusted key (trust.keys)\n"));
	else
		fprintf(out, _("push:      %s%s\n"), !strcmp(a, "watching") ? _("watching ") : _("spool not watched: "), b);
	fprintf(out, _("audio:     %s%s%s\n"), get(r, "audio.device", a),
		is(r, "audio.fallback", "yes") ? _(", no sound card: writing to ") : "",
		is(r, "audio.fallback", "yes") ? get(r, "audio.fallback.file", b) : "");
	{
		char mon[1200];
		if (monview_text(r, mon, sizeof(mon)))
			fputs(mon, out);
	}
	if (is(r, "amp", "none")) {
		fprintf(out, _("amplifier: none configured\n"));
	} else {
		fprintf(out, _("amplifier: %s, %s%s\n"), get(r, "amp.peer", a), amp_text(get(r, "amp", b)),
			is(r, "amp.connected", "no") ? _(" (not connected)") : "");
		if (*get(r, "amp.fault", a))
			fprintf(out, _("amp fault: %s (since %s)\n"), a, get(r, "amp.fault.since", b));
		else if (*get(r, "amp.fault.last", a))
			fprintf(out, _("amp fault: none (last: %s, at %s; cleared)\n"), a, get(r, "amp.fault.last_at", b));
		else
			fprintf(out, _("amp fault: none\n"));
	}
	get(r, "modbus", a);
	if (*a && strcmp(a, "off"))
		fprintf(out, _("modbus:    status server %s on %s port %s\n"),
			!strcmp(a, "listening") ? _("listening") : _("NOT running"), get(r, "modbus.address", b),
			get(r, "modbus.port", c));
	fprintf(out, _("queued:    %s\n"), get(r, "queued", a));
	if (is(r, "journal", "failing"))
		fprintf(out, _("journal:   FAILING: %s (normal broadcasts are held back; emergencies still play)\n"),
			get(r, "journal.error", a));
	else
		fprintf(out, _("journal:   %s\n"), is(r, "journal", "ok") ? _("ok") : get(r, "journal", a));
	fprintf(out, _("last error: %s\n"), *get(r, "last_error", a) ? a : _("none"));
	fmt_duration(atoll(get(r, "uptime_s", a)), b, sizeof(b));
	fprintf(out, _("uptime:    %s\n"), b);
}

void ctlview_play(const char *r, FILE *out)
{
	char a[V], b[V], p[V];
	get(r, "result", a);
	get(r, "bulletin", b);
	get(r, "preempted", p);
	if (!strcmp(a, "starting"))
		fprintf(out, _("%s is starting (the amplifier is coming on)\n"), b);
	else if (!strcmp(a, "preempted"))
		fprintf(out, _("%s pre-empted the broadcast that was playing (%s) and is playing now\n"), b, p);
	else if (!strcmp(a, "playing"))
		fprintf(out, _("%s is playing now\n"), b);
	else if (!strcmp(a, "queued"))
		fprintf(out, _("%s plays next, when the current broadcast ends\n"), b);
	else
		fprintf(out, "%s: %s\n", b, a);
}

void ctlview_stop(const char *r, FILE *out)
{
	char a[V];
	if (is(r, "result", "stopped"))
		fprintf(out, _("stopped %s\n"), get(r, "occurrence", a));
	else
		fprintf(out, _("nothing was playing\n"));
}

void ctlview_reload(const char *r, FILE *out)
{
	char a[V], b[V];
	unsigned long nb = strtoul(get(r, "library.count", b), NULL, 10);
	if (is(r, "schedule.changed", "yes"))
		fprintf(out, ngettext("schedule serial %s installed; library has %lu bulletin\n",
				      "schedule serial %s installed; library has %lu bulletins\n", nb),
			get(r, "schedule.serial", a), nb);
	else
		fprintf(out, ngettext("schedule unchanged (serial %s); library reloaded (%lu bulletin)\n",
				      "schedule unchanged (serial %s); library reloaded (%lu bulletins)\n", nb),
			get(r, "schedule.serial", a), nb);
}

void ctlview_render(const char *cmd, const char *reply, FILE *out)
{
	if (!strcmp(cmd, "status")) {
		ctlview_status(reply, out);
	} else if (!strcmp(cmd, "play")) {
		ctlview_play(reply, out);
	} else if (!strcmp(cmd, "stop")) {
		ctlview_stop(reply, out);
	} else if (!strcmp(cmd, "reload")) {
		ctlview_reload(reply, out);
	} else {
		char k[64], v[V];
		size_t pos = 0;
		while (kv_next(reply, &pos, k, sizeof(k), v, sizeof(v)) == 0)
			fprintf(out, "%s: %s\n", k, v);
	}
}
