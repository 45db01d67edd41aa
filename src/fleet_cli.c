/* loaxactl fleet status [MIRROR] [--format text|csv|json]: every station
 * the district's collector mirrors, from MIRROR/STATION/fleet.state
 * (fleetstore.c). Exit 1 when any station's chain is flagged. */
#include "fleet_cli.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetproto.h"
#include "i18n.h"
#include "kv.h"
#include "i18n.h"
#include "textout.h"
#include "util.h"

#define DEFAULT_MIRROR "/var/lib/loaxa-collector"

struct row {
	char station[FLEET_ID_MAX], district[FLEET_ID_MAX];
	char online[8], last_heard[40], serial[32], held[32], end[32], fault[400], monitor[200];
	char chain[8], detail[600];
	long behind;
	char bserial[32], bstate[16], bdetail[420]; /* issue 14: STATION/bundle */
};

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->district, y->district);
	return c ? c : strcmp(x->station, y->station);
}

static void iso_local(long long t, char *out, size_t n)
{
	if (t <= 0) {
		out[0] = 0;
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	char z[8];
	strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm);
	size_t l = strlen(out);
	snprintf(out + l, n - l, "%.3s:%.2s", z, z + 3);
}

static int load_row(const char *mirror, const char *id, struct row *r)
{
	char path[4200], *buf, v[600];
	size_t len;
	snprintf(path, sizeof(path), "%s/%s/fleet.state", mirror, id);
	if (read_file_all(path, 65536, 1, &buf, &len) < 0)
		return -1;
	memset(r, 0, sizeof(*r));
	str_copy(r->station, id, sizeof(r->station));
	kv_get(buf, "district", r->district, sizeof(r->district));
	kv_get(buf, "online", r->online, sizeof(r->online));
	if (kv_get(buf, "last_heard", v, sizeof(v)) == 0)
		iso_local(strtoll(v, NULL, 10), r->last_heard, sizeof(r->last_heard));
	kv_get(buf, "serial", r->serial, sizeof(r->serial));
	kv_get(buf, "held", r->held, sizeof(r->held));
	kv_get(buf, "end", r->end, sizeof(r->end));
	kv_get(buf, "fault", r->fault, sizeof(r->fault));
	kv_get(buf, "monitor", r->monitor, sizeof(r->monitor));
	kv_get(buf, "bundle_serial", r->bserial, sizeof(r->bserial));
	kv_get(buf, "bundle_state", r->bstate, sizeof(r->bstate));
	kv_get(buf, "bundle_detail", r->bdetail, sizeof(r->bdetail));
	kv_get(buf, "verdict", r->chain, sizeof(r->chain));
	kv_get(buf, "verdict_detail", r->detail, sizeof(r->detail));
	char anchor[16] = "", adet[256] = "";
	kv_get(buf, "anchor", anchor, sizeof(anchor));
	kv_get(buf, "anchor_detail", adet, sizeof(adet));
	if (!strcmp(r->chain, "ok") && !strcmp(anchor, "broken")) {
		str_copy(r->chain, "broken", sizeof(r->chain));
		snprintf(r->detail, sizeof(r->detail), "station reports: %s", adet);
	}
	free(buf);
	/* Lines the station has that the district does not: exact within a
	 * month; across months, the end month's lines (a lower bound). */
	struct fleet_pos h, e;
	r->behind = 0;
	if (!fleet_pos_parse(r->held, &h) && !fleet_pos_parse(r->end, &e) && fleet_pos_cmp(&e, &h) > 0)
		r->behind = strcmp(e.month, h.month) ? e.line : e.line - h.line;
	return 0;
}

/* The text form's words for a STATION/bundle state (CSV and JSON keep the
 * machine words). */
static const char *bstate_word(const char *s)
{
	if (!strcmp(s, "fetching"))
		return _("fetching");
	if (!strcmp(s, "waiting"))
		return _("waiting to try the download again");
	if (!strcmp(s, "installed"))
		return _("installed");
	if (!strcmp(s, "refused"))
		return _("refused");
	if (!strcmp(s, "current"))
		return _("current (it runs this serial or a newer one)");
	return s;
}

static const char *const cols[] = {"station_id", "district", "online", "last_heard", "schedule_serial",
				   "held", "station_end", "lines_behind", "last_fault", "chain", "chain_detail",
				   "last_monitor", "bundle_serial", "bundle_state", "bundle_detail"};

int cmd_fleet(int argc, char **argv)
{
	const char *usage = _("usage: loaxactl fleet status [MIRROR] [--format text|csv|json]\n");
	if (argc < 2 || strcmp(argv[1], "status")) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
			fputs(usage, stdout);
			return 0;
		}
		fputs(usage, stderr);
		return 2;
	}
	static const struct option lo[] = {{"format", required_argument, NULL, 'f'},
					   {"help", no_argument, NULL, 'h'}, {0}};
	const char *format = "text";
	int c;
	optind = 0; /* glibc: a fresh scan after main's */
	opterr = 0;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, ":f:h", lo, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fprintf(stderr, _("loaxactl: fleet status: bad option\n%s"), usage); return 2;
		}
	}
	if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json")) {
		fprintf(stderr, _("loaxactl: fleet status: unknown format \"%s\" (text, csv or json)\n"), format);
		return 2;
	}
	if (argc - optind > 1) {
		fputs(usage, stderr);
		return 2;
	}
	const char *mirror = optind < argc ? argv[optind] : DEFAULT_MIRROR;
	DIR *d = opendir(mirror);
	if (!d) {
		fprintf(stderr, _("loaxactl: %s: cannot read the mirror folder: %m\n"), mirror);
		return 1;
	}
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!id_valid(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			rows = xrealloc(rows, cap * sizeof(*rows));
		}
		if (load_row(mirror, e->d_name, &rows[n]) == 0)
			n++;
	}
	closedir(d);
	qsort(rows, n, sizeof(*rows), cmp_row);
	int broken = 0;
	for (size_t i = 0; i < n; i++)
		broken |= !strcmp(rows[i].chain, "broken");
	if (!strcmp(format, "csv")) {
		for (size_t k = 0; k < ARRAY_LEN(cols); k++)
			printf("%s%s", k ? "," : "", cols[k]);
		putchar('\n');
		for (size_t i = 0; i < n; i++) {
			struct row *r = &rows[i];
			char b[24];
			snprintf(b, sizeof(b), "%ld", r->behind);
			const char *v[] = {r->station, r->district, r->online, r->last_heard, r->serial, r->held,
					   r->end, b, r->fault, r->chain, r->detail, r->monitor,
					   r->bserial, r->bstate, r->bdetail};
			for (size_t k = 0; k < ARRAY_LEN(v); k++) {
				if (k)
					putchar(',');
				out_csv_field(stdout, v[k]);
			}
			putchar('\n');
		}
	} else if (!strcmp(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			struct row *r = &rows[i];
			const char *v[] = {r->station, r->district, r->online, r->last_heard, r->serial, r->held,
					   r->end, NULL, r->fault, r->chain, r->detail, r->monitor,
					   r->bserial, r->bstate, r->bdetail};
			printf("%s\n  {", i ? "," : "");
			for (size_t k = 0; k < ARRAY_LEN(v); k++) {
				printf("%s\"%s\": ", k ? ", " : "", cols[k]);
				if (k == 7)
					printf("%ld", r->behind);
				else if (k == 12 && !r->bserial[0]) /* bundle_serial: a number, or null */
					printf("null");
				else if (k == 12 && strspn(r->bserial, "0123456789") == strlen(r->bserial))
					printf("%s", r->bserial);
				else
					out_json_string(stdout, v[k]);
			}
			printf("}");
		}
		printf("%s]\n", n ? "\n" : "");
	} else {
		printf("%-20s %-8s %-7s %-25s %-12s %7s  %-6s %s\n", "STATION", "DISTRICT", "ONLINE",
		       "LAST HEARD", "SERIAL", "BEHIND", "CHAIN", "LAST FAULT");
		for (size_t i = 0; i < n; i++) {
			struct row *r = &rows[i];
			char fault[1700], det[2500]; /* escaped: a journal value must not forge a line */
			kv_escape(r->fault[0] ? r->fault : "-", fault, sizeof(fault));
			kv_escape(r->detail, det, sizeof(det));
			printf("%-20s %-8s %-7s %-25s %-12s %7ld  %-6s %s\n", r->station, r->district,
			       r->online[0] ? r->online : "?", r->last_heard[0] ? r->last_heard : "-",
			       r->serial[0] ? r->serial : "-", r->behind, r->chain, fault);
			if (!strcmp(r->chain, "broken"))
				printf(_("    chain broken: %s\n"), det);
			if (r->monitor[0]) {
				char mon[700];
				kv_escape(r->monitor, mon, sizeof(mon));
				printf(_("    monitor: %s\n"), mon);
			}
			if (r->bstate[0]) {
				char bd[1700];
				kv_escape(r->bdetail, bd, sizeof(bd));
				if (bd[0])
					printf(_("    bundle %s: %s: %s\n"), r->bserial, bstate_word(r->bstate), bd);
				else
					printf(_("    bundle %s: %s\n"), r->bserial, bstate_word(r->bstate));
			}
		}
		printf(ngettext("%zu station%s\n", "%zu stations%s\n", n), n,
		       broken ? _("; some journals no longer continue what the district holds") : "");
	}
	free(rows);
	return broken ? 1 : 0;
}
