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

static void fmt_duration(long long s, char *buf, size_t n)
{
	snprintf(buf, n, "%lldh %02lldm %02llds", s / 3600, s / 60 % 60, s % 60);
}

void ctlview_status(const char *r, FILE *out)
{
	char a[V], b[V], c[V], e[V], f[V];
	fprintf(out, "station:   %s (%s), commune %s", get(r, "station.name", a), get(r, "station.id", b),
		get(r, "commune", c));
	if (*get(r, "district", a))
		fprintf(out, ", district %s", a);
	fputc('\n', out);
	fprintf(out, "time:      %s%s\n", get(r, "time", a),
		is(r, "synced", "yes") ? "" : " (NOT synchronised: nothing plays until it is)");
	get(r, "state", a);
	get(r, "playing.campaign", c);
	if (!strcmp(a, "starting")) {
		fprintf(out, "state:     starting: the amplifier is being switched on (%s)\n", get(r, "amp", b));
		fprintf(out, "playing:   %s  bulletin %s%s%s  (not started: waiting for the amplifier)\n",
			get(r, "playing.occurrence", b), get(r, "playing.bulletin", e), *c ? "  campaign " : "", c);
	} else if (!strcmp(a, "playing") || !strcmp(a, "draining")) {
		fprintf(out, "state:     playing%s\n",
			!strcmp(a, "draining") ? " (played; reading the amplifier back)" : "");
		fprintf(out, "playing:   %s  bulletin %s%s%s  %.1f of %.1f s\n", get(r, "playing.occurrence", b),
			get(r, "playing.bulletin", e), *c ? "  campaign " : "", c,
			atof(get(r, "playing.seconds", f)), atof(get(r, "playing.expected", a)));
	} else {
		fprintf(out, "state:     %s\n",
			!strcmp(a, "waiting-clock") ? "waiting for the clock to be synchronised" : a);
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
		fprintf(out, "next:      %s  %s  bulletin %s  %s\n", due, id, bul, lvl);
	}
	if (!k)
		fprintf(out, "next:      nothing scheduled in the next %s days\n", get(r, "next.horizon_days", a));
	get(r, "schedule.installed", a);
	char rv[V];
	if (*a)
		fprintf(out, "schedule:  serial %s, %.12s, installed %s by %s%s\n", get(r, "schedule.serial", b),
			get(r, "schedule.sha256", c), a, *get(r, "schedule.signer", e) ? e : "?",
			!strcmp(get(r, "schedule.signer_revoked", rv), "yes")
				? _(" (a REVOKED key: it plays until a schedule signed by a current key replaces it)") : "");
	else
		fprintf(out, "schedule:  serial %s\n", get(r, "schedule.serial", b));
	{
		unsigned long nb = strtoul(get(r, "library.count", a), NULL, 10);
		fprintf(out, ngettext("library:   %lu bulletin", "library:   %lu bulletins", nb), nb);
		if (*get(r, "library.signed", b) && strcmp(b, "0"))
			fprintf(out, " (%s signed, %s local)", b, get(r, "library.local", c));
		fputc('\n', out);
	}
	get(r, "push", a);
	get(r, "push.spool", b);
	if (!strcmp(a, "refused"))
		fprintf(out, "push:      refused: no trusted key (trust.keys)\n");
	else
		fprintf(out, "push:      %s%s\n", !strcmp(a, "watching") ? "watching " : "spool not watched: ", b);
	fprintf(out, "audio:     %s%s%s\n", get(r, "audio.device", a),
		is(r, "audio.fallback", "yes") ? ", no sound card: writing to " : "",
		is(r, "audio.fallback", "yes") ? get(r, "audio.fallback.file", b) : "");
	{
		char mon[1200];
		if (monview_text(r, mon, sizeof(mon)))
			fputs(mon, out);
	}
	if (is(r, "amp", "none")) {
		fprintf(out, "amplifier: none configured\n");
	} else {
		fprintf(out, "amplifier: %s, %s%s\n", get(r, "amp.peer", a), get(r, "amp", b),
			is(r, "amp.connected", "no") ? " (not connected)" : "");
		if (*get(r, "amp.fault", a))
			fprintf(out, "amp fault: %s (since %s)\n", a, get(r, "amp.fault.since", b));
		else if (*get(r, "amp.fault.last", a))
			fprintf(out, "amp fault: none (last: %s, at %s; cleared)\n", a, get(r, "amp.fault.last_at", b));
		else
			fprintf(out, "amp fault: none\n");
	}
	get(r, "modbus", a);
	if (*a && strcmp(a, "off"))
		fprintf(out, "modbus:    status server %s on %s port %s\n",
			!strcmp(a, "listening") ? "listening" : "NOT running", get(r, "modbus.address", b),
			get(r, "modbus.port", c));
	fprintf(out, "queued:    %s\n", get(r, "queued", a));
	if (is(r, "journal", "failing"))
		fprintf(out, "journal:   FAILING: %s (normal broadcasts are held back; emergencies still play)\n",
			get(r, "journal.error", a));
	else
		fprintf(out, "journal:   %s\n", get(r, "journal", a));
	fprintf(out, "last error: %s\n", *get(r, "last_error", a) ? a : "none");
	fmt_duration(atoll(get(r, "uptime_s", a)), b, sizeof(b));
	fprintf(out, "uptime:    %s\n", b);
}

void ctlview_play(const char *r, FILE *out)
{
	char a[V], b[V], p[V];
	get(r, "result", a);
	get(r, "bulletin", b);
	get(r, "preempted", p);
	if (!strcmp(a, "starting"))
		fprintf(out, "%s is starting (the amplifier is coming on)\n", b);
	else if (!strcmp(a, "preempted"))
		fprintf(out, "%s pre-empted the broadcast that was playing (%s) and is playing now\n", b, p);
	else if (!strcmp(a, "playing"))
		fprintf(out, "%s is playing now\n", b);
	else if (!strcmp(a, "queued"))
		fprintf(out, "%s plays next, when the current broadcast ends\n", b);
	else
		fprintf(out, "%s: %s\n", b, a);
}

void ctlview_stop(const char *r, FILE *out)
{
	char a[V];
	if (is(r, "result", "stopped"))
		fprintf(out, "stopped %s\n", get(r, "occurrence", a));
	else
		fprintf(out, "nothing was playing\n");
}

void ctlview_reload(const char *r, FILE *out)
{
	char a[V], b[V];
	if (is(r, "schedule.changed", "yes"))
		fprintf(out, "schedule serial %s installed; library has %s bulletins\n", get(r, "schedule.serial", a),
			get(r, "library.count", b));
	else
		fprintf(out, "schedule unchanged (serial %s); library reloaded (%s bulletins)\n",
			get(r, "schedule.serial", a), get(r, "library.count", b));
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
