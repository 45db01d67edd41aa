/* libconfig front end for the station file, the schedule file and the
 * bulletin catalog: see config.h, docs/CONFIG.md and docs/SCHEDULE.md. */
#include "config.h"
#include "sha256.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil.h"
#include "i18n.h"
#include "minisign.h"
#include "modbus_status.h"
#include "suggest.h"

struct ctx {
	const char *file;
	struct errlist *errs;
	size_t nerr;
};

#define ERR(c, line, ...) err_at(c, line, __VA_ARGS__)

/* One problem, in English (en) and in the user's language (msg). */
static void err_put(struct ctx *c, int line, const char *en, const char *msg)
{
	char e2[1024], m2[1024];
	if (line > 0) {
		snprintf(e2, sizeof(e2), "%s:%d: %s", c->file, line, en);
		snprintf(m2, sizeof(m2), "%s:%d: %s", c->file, line, msg);
	} else {
		snprintf(e2, sizeof(e2), "%s: %s", c->file, en);
		snprintf(m2, sizeof(m2), "%s: %s", c->file, msg);
	}
	errlist_put(c->errs, e2, m2);
	c->nerr++;
}

__attribute__((format(printf, 3, 4))) static void err_at(struct ctx *c, int line,
							  const char *fmt, ...)
{
	char en[768], msg[768];
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	vsnprintf(en, sizeof(en), fmt, ap);
	va_end(ap);
	/* issue 16: msg in the user's language, en for the journal */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(msg, sizeof(msg), gettext(fmt), aq);
#pragma GCC diagnostic pop
	va_end(aq);
	err_put(c, line, en, msg);
}

static int line_of(const config_setting_t *s)
{
	return s ? (int)config_setting_source_line(s) : 0;
}

/* The station file: the technician's, so libconfig reads it itself and
 * its @include works. */
static int read_file(config_t *cfg, struct ctx *c)
{
	config_init(cfg);
	config_set_options(cfg, CONFIG_OPTION_AUTOCONVERT);
	if (config_read_file(cfg, c->file) == CONFIG_TRUE)
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		ERR(c, 0, "cannot read: %s", strerror(errno ? errno : ENOENT));
	else
		ERR(c, config_error_line(cfg), "syntax error: %s", config_error_text(cfg));
	config_destroy(cfg);
	return -1;
}

size_t config_include_at(const char *text, size_t len)
{
	static const char kw[] = "include";
	const char *end = text + len;
	for (const char *p = memchr(text, '@', len); p; p = memchr(p + 1, '@', (size_t)(end - p - 1))) {
		if ((size_t)(end - p - 1) < sizeof(kw) - 1 || strncasecmp(p + 1, kw, sizeof(kw) - 1))
			continue;
		size_t line = 1;
		for (const char *q = text; (q = memchr(q, '\n', (size_t)(p - q))); q++)
			line++;
		return line;
	}
	return 0;
}

/* Every other file (schedules, signed or not, and the catalog): parsed from
 * bytes in memory, never with @include, which libconfig 1.5 cannot turn
 * off: it would open any path named, a FIFO included, from inside the
 * parser. Any "@include" anywhere is refused, wherever libconfig might
 * have taken it as one. */
static int parse_text(config_t *cfg, struct ctx *c, const char *text, size_t len)
{
	size_t inc = config_include_at(text, len);
	if (inc) {
		ERR(c, (int)inc, "@include is not allowed here (only the station file may include files)");
		return -1;
	}
	if (memchr(text, '\0', len)) {
		ERR(c, 0, "contains a NUL byte: not a text file");
		return -1;
	}
	config_init(cfg);
	config_set_options(cfg, CONFIG_OPTION_AUTOCONVERT);
	if (config_read_string(cfg, text) == CONFIG_TRUE)
		return 0;
	ERR(c, config_error_line(cfg), "syntax error: %s", config_error_text(cfg));
	config_destroy(cfg);
	return -1;
}

/* Report members of grp not named in allowed (NULL-terminated). what: a
 * section name, or prose marked with N_() (translated for msg). */
static void check_keys(struct ctx *c, const config_setting_t *grp, const char *what,
		       const char *const *allowed)
{
	if (!grp || !config_setting_is_group(grp))
		return;
	int n = config_setting_length(grp);
	for (int i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(grp, (unsigned)i);
		const char *name = config_setting_name(m);
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			if (name && !strcmp(name, *a))
				ok = 1;
		if (ok)
			continue;
		/* issue 16: a misspelt key gets the nearest known one */
		struct suggest sg;
		suggest_init(&sg, name ? name : "");
		for (const char *const *a = allowed; *a; a++)
			suggest_offer(&sg, *a);
		static const char f_sg[] = N_("unknown key '%s' in %s: did you mean '%s'?");
		static const char f_no[] = N_("unknown key '%s' in %s");
		char en[600], tr[600];
		if (suggest_result(&sg)) {
			snprintf(en, sizeof(en), f_sg, name ? name : "?", what, suggest_result(&sg));
			snprintf(tr, sizeof(tr), _(f_sg), name ? name : "?", _(what), suggest_result(&sg));
		} else {
			snprintf(en, sizeof(en), f_no, name ? name : "?", what);
			snprintf(tr, sizeof(tr), _(f_no), name ? name : "?", _(what));
		}
		err_put(c, line_of(m), en, tr);
	}
}

static config_setting_t *member(const config_setting_t *grp, const char *name)
{
	return grp && config_setting_is_group(grp) ? config_setting_get_member(grp, name) : NULL;
}

/* A sub-group: returns it, or NULL when absent or of the wrong kind (then
 * reported: `paths = 5;` must not be silently ignored). */
static config_setting_t *section(struct ctx *c, const config_setting_t *grp, const char *name)
{
	config_setting_t *s = member(grp, name);
	if (s && !config_setting_is_group(s)) {
		ERR(c, line_of(s), "'%s' must be a group { ... }", name);
		return NULL;
	}
	return s;
}

/* The get_* helpers return 1 when found and valid, 0 when absent (an error
 * if required), -1 when present but wrong (error reported). */
static int get_str(struct ctx *c, const config_setting_t *grp, const char *name, char *out,
		   size_t n, int required, const char *what)
{
	config_setting_t *s = member(grp, name);
	if (!s) {
		if (required)
			ERR(c, line_of(grp), "%s: missing '%s'", what, name);
		return required ? -1 : 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		ERR(c, line_of(s), "%s: '%s' must be a string", what, name);
		return -1;
	}
	const char *v = config_setting_get_string(s);
	if (str_copy(out, v, n) >= n) {
		ERR(c, line_of(s), "%s: '%s' is too long (at most %zu bytes)", what, name, n - 1);
		return -1;
	}
	return 1;
}

static int get_int64(struct ctx *c, const config_setting_t *grp, const char *name,
		     long long *out, long long lo, long long hi, int required, const char *what)
{
	config_setting_t *s = member(grp, name);
	if (!s) {
		if (required)
			ERR(c, line_of(grp), "%s: missing '%s'", what, name);
		return required ? -1 : 0;
	}
	int t = config_setting_type(s);
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
		ERR(c, line_of(s), "%s: '%s' must be a whole number", what, name);
		return -1;
	}
	long long v = config_setting_get_int64(s);
	if (v < lo || v > hi) {
		ERR(c, line_of(s), "%s: '%s' = %lld is out of range (%lld to %lld)", what, name, v,
		    lo, hi);
		return -1;
	}
	*out = v;
	return 1;
}

static int get_int(struct ctx *c, const config_setting_t *grp, const char *name, int *out,
		   int lo, int hi, int required, const char *what)
{
	long long v;
	int r = get_int64(c, grp, name, &v, lo, hi, required, what);
	if (r == 1)
		*out = (int)v;
	return r;
}

static int get_float(struct ctx *c, const config_setting_t *grp, const char *name, double *out,
		     double lo, double hi, const char *what)
{
	config_setting_t *s = member(grp, name);
	if (!s)
		return 0;
	int t = config_setting_type(s);
	double v;
	if (t == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
		v = (double)config_setting_get_int64(s);
	else {
		ERR(c, line_of(s), "%s: '%s' must be a number", what, name);
		return -1;
	}
	if (!(v >= lo && v <= hi)) {
		ERR(c, line_of(s), "%s: '%s' = %g is out of range (%g to %g)", what, name, v, lo, hi);
		return -1;
	}
	*out = v;
	return 1;
}

static int get_bool(struct ctx *c, const config_setting_t *grp, const char *name, int *out,
		    const char *what)
{
	config_setting_t *s = member(grp, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		ERR(c, line_of(s), "%s: '%s' must be true or false", what, name);
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 1;
}

static int get_hhmm(struct ctx *c, const config_setting_t *grp, const char *name, int *out,
		    int required, const char *what)
{
	char buf[32];
	int r = get_str(c, grp, name, buf, sizeof(buf), required, what);
	if (r != 1)
		return r;
	if (civil_parse_hhmm(buf, out) < 0) {
		ERR(c, line_of(member(grp, name)), "%s: '%s' = \"%s\" is not a time HH:MM (00:00 to 23:59)",
		    what, name, buf);
		return -1;
	}
	return 1;
}

static int get_date(struct ctx *c, const config_setting_t *grp, const char *name, int32_t *out,
		    const char *what)
{
	char buf[32];
	int r = get_str(c, grp, name, buf, sizeof(buf), 0, what);
	if (r != 1)
		return r;
	if (civil_parse_date(buf, out) < 0) {
		ERR(c, line_of(member(grp, name)), "%s: '%s' = \"%s\" is not a date YYYY-MM-DD",
		    what, name, buf);
		return -1;
	}
	return 1;
}

/* A list or array member: returns it (or NULL, reporting a wrong type). */
static config_setting_t *get_seq(struct ctx *c, const config_setting_t *grp, const char *name,
				 const char *what)
{
	config_setting_t *s = member(grp, name);
	if (!s)
		return NULL;
	if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
		ERR(c, line_of(s), "%s: '%s' must be a list [ ... ]", what, name);
		return NULL;
	}
	return s;
}

/* Weekday names list -> bitmask; returns -1 on error. */
static int get_weekdays(struct ctx *c, const config_setting_t *grp, const char *name,
			uint8_t *mask, const char *what)
{
	config_setting_t *s = get_seq(c, grp, name, what);
	if (!s)
		return member(grp, name) ? -1 : 0;
	*mask = 0;
	int n = config_setting_length(s), bad = 0;
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);
		int wd = v ? civil_parse_weekday(v) : -1;
		if (wd < 0) {
			/* issue 16: "tues" -> did you mean "tue"? */
			static const char *const wds[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
			struct suggest sg;
			suggest_init(&sg, v ? v : "");
			for (size_t k = 0; k < ARRAY_LEN(wds); k++)
				suggest_offer(&sg, wds[k]);
			if (suggest_result(&sg))
				ERR(c, line_of(e), "%s: '%s' has \"%s\", not a weekday: did you mean \"%s\"?", what, name,
				    v, suggest_result(&sg));
			else
				ERR(c, line_of(e), "%s: '%s' has \"%s\", not a weekday (mon, tue, wed, thu, fri, sat, sun)",
				    what, name, v ? v : "?");
			bad = 1;
			continue;
		}
		*mask |= (uint8_t)(1u << wd);
	}
	return bad ? -1 : 1;
}

/* Array of ids -> malloc'd array; duplicates and bad ids reported (a
 * duplicate would also make rotation restore after a restart ambiguous). */
static int get_ids(struct ctx *c, const config_setting_t *grp, const char *name,
		   char (**out)[ID_MAX], size_t *nout, const char *what)
{
	config_setting_t *s = get_seq(c, grp, name, what);
	*out = NULL;
	*nout = 0;
	if (!s)
		return member(grp, name) ? -1 : 0;
	int n = config_setting_length(s), bad = 0;
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);
		if (!v || !id_valid(v)) {
			ERR(c, line_of(e), "%s: '%s' has \"%s\", not a valid id (letters, digits, '.', '_', '-'; at most 63)",
			    what, name, v ? v : "?");
			bad = 1;
			continue;
		}
		int dup = 0;
		for (size_t k = 0; k < *nout; k++)
			dup |= !strcmp((*out)[k], v);
		if (dup) {
			ERR(c, line_of(e), "%s: '%s' has \"%s\" listed twice", what, name, v);
			bad = 1;
			continue;
		}
		str_copy((*out)[(*nout)++], v, ID_MAX);
	}
	return bad ? -1 : 1;
}

/* ---- station file ---- */

/* 1 if the time zone is installed: "UTC" or a TZif file under zoneinfo
 * (fopen() alone accepted "" and folders such as "Asia"). */
static int tz_installed(const char *name)
{
	if (!strcmp(name, "UTC"))
		return 1;
	if (!name[0] || name[0] == '/' || strstr(name, ".."))
		return 0;
	char path[512], magic[4];
	if (snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name) >= (int)sizeof(path))
		return 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == sizeof(magic) && !memcmp(magic, "TZif", 4);
}

static const char *const station_top[] = {"station", "paths", "audio", "broadcast", "limits",
					  "amplifier", "control", "clock", "trust",
					  "report", "web", "monitor", "fleet", NULL};

/* The station's paths, each malloc'd at its length (model.h): 16 buffers
 * of PATHBUF in the daemon's static state were 68 KiB resident for a few
 * hundred bytes of names (issue 18). */
static size_t station_paths(struct station *st, const char **f[16])
{
	const char **all[] = {&st->file, &st->dir, &st->library, &st->journal, &st->schedule,
			      &st->spool, &st->control, &st->state, &st->audio_fallback,
			      &st->sync_file, &st->amp.device, &st->web_users, &st->web_tls_cert,
			      &st->web_tls_key, &st->fleet.password_file, &st->fleet.ca_file};
	memcpy(f, all, sizeof(all));
	return sizeof(all) / sizeof(all[0]);
}

void station_free(struct station *st)
{
	const char **f[16];
	size_t n = station_paths(st, f);
	for (size_t i = 0; i < n; i++) {
		free((void *)*f[i]);
		*f[i] = NULL;
	}
}

void station_init(struct station *st)
{
	memset(st, 0, sizeof(*st));
	const char **f[16];
	for (size_t i = 0, n = station_paths(st, f); i < n; i++)
		*f[i] = xstrdup("");
}

static void set_path(const char **f, const char *v)
{
	free((void *)*f);
	*f = xstrdup(v);
}

/* path resolved against st->dir into *f; -1 (and *f unchanged) when the
 * result would not fit PATHBUF */
static int set_resolved(const struct station *st, const char **f, const char *raw)
{
	char out[PATHBUF];
	if (path_resolve(st->dir, raw, out, sizeof(out)) < 0)
		return -1;
	set_path(f, out);
	return 0;
}

static void station_path(struct ctx *c, struct station *st, const config_setting_t *paths,
			 const char *name, const char **out, const char *def)
{
	char raw[PATHBUF];
	if (get_str(c, paths, name, raw, sizeof(raw), 0, "paths") != 1)
		str_copy(raw, def, sizeof(raw));
	if (set_resolved(st, out, raw) < 0)
		ERR(c, line_of(member(paths, name)), "paths: '%s' is too long", name);
}

static void load_amp(struct ctx *c, const config_setting_t *a, struct amp_config *amp)
{
	static const char *const keys[] = {"enabled", "transport", "host", "port", "device", "baud",
		"parity", "data_bits", "stop_bits", "slave", "timeout_ms", "power_coil", "zones",
		"warmup_ms", "hold_s", "fault_input", "status", NULL};
	const char *w = "amplifier";
	const char *device = amp->device; /* "" from config_load_station */
	memset(amp, 0, sizeof(*amp));
	amp->device = device;
	amp->port = 502;
	amp->baud = 9600;
	amp->parity = 'N';
	amp->data_bits = 8;
	amp->stop_bits = 1;
	amp->slave = 1;
	amp->timeout_ms = 500;
	amp->warmup_ms = 2000;
	amp->hold_s = 30;
	amp->fault_input = -1;
	str_copy(amp->status_address, "127.0.0.1", sizeof(amp->status_address));
	amp->status_port = 1502;
	if (!a)
		return;
	check_keys(c, a, w, keys);
	get_bool(c, a, "enabled", &amp->enabled, w);
	char tr[16] = "tcp", par[8] = "N";
	if (get_str(c, a, "transport", tr, sizeof(tr), 0, w) >= 0) {
		if (!strcmp(tr, "tcp"))
			amp->tcp = 1;
		else if (!strcmp(tr, "rtu"))
			amp->tcp = 0;
		else
			ERR(c, line_of(member(a, "transport")), "amplifier: transport must be \"tcp\" or \"rtu\", not \"%s\"", tr);
	}
	get_str(c, a, "host", amp->host, sizeof(amp->host), 0, w);
	get_int(c, a, "port", &amp->port, 1, 65535, 0, w);
	char dev[PATHBUF];
	if (get_str(c, a, "device", dev, sizeof(dev), 0, w) == 1)
		set_path(&amp->device, dev);
	get_int(c, a, "baud", &amp->baud, 300, 1000000, 0, w);
	if (get_str(c, a, "parity", par, sizeof(par), 0, w) == 1) {
		if (strlen(par) != 1 || !strchr("NEO", par[0]))
			ERR(c, line_of(member(a, "parity")), "amplifier: parity must be \"N\", \"E\" or \"O\"");
		else
			amp->parity = par[0];
	}
	get_int(c, a, "data_bits", &amp->data_bits, 5, 8, 0, w);
	get_int(c, a, "stop_bits", &amp->stop_bits, 1, 2, 0, w);
	get_int(c, a, "slave", &amp->slave, 0, 247, 0, w);
	get_int(c, a, "timeout_ms", &amp->timeout_ms, 10, 10000, 0, w);
	get_int(c, a, "power_coil", &amp->power_coil, 0, 65535, 0, w);
	get_int(c, a, "warmup_ms", &amp->warmup_ms, 0, 60000, 0, w);
	get_int(c, a, "hold_s", &amp->hold_s, 0, 3600, 0, w);
	get_int(c, a, "fault_input", &amp->fault_input, -1, 65535, 0, w);
	config_setting_t *z = get_seq(c, a, "zones", w);
	if (z) {
		int n = config_setting_length(z);
		for (int i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(z, (unsigned)i);
			static const char *const zk[] = {"zone", "coil", NULL};
			check_keys(c, e, N_("amplifier zone"), zk);
			struct zone_coil zc = {.line = line_of(e)};
			if (!config_setting_is_group(e)) {
				ERR(c, line_of(e), "amplifier: zones must be groups { zone = N; coil = N; }");
				continue;
			}
			if (get_int(c, e, "zone", &zc.zone, 1, MAX_ZONES, 1, "amplifier zone") != 1 ||
			    get_int(c, e, "coil", &zc.coil, 0, 65535, 1, "amplifier zone") != 1)
				continue;
			for (size_t k = 0; k < amp->nzones; k++)
				if (amp->zones[k].zone == zc.zone)
					ERR(c, zc.line, "amplifier: zone %d is mapped twice (also line %d)",
					    zc.zone, amp->zones[k].line);
			if (amp->nzones < MAX_ZONES)
				amp->zones[amp->nzones++] = zc;
		}
	}
	config_setting_t *s = section(c, a, "status");
	if (s) {
		static const char *const sk[] = {"enabled", "address", "port", "allow", NULL};
		check_keys(c, s, "amplifier.status", sk);
		get_bool(c, s, "enabled", &amp->status_enabled, "amplifier.status");
		get_str(c, s, "address", amp->status_address, sizeof(amp->status_address), 0,
			"amplifier.status");
		get_int(c, s, "port", &amp->status_port, 1, 65535, 0, "amplifier.status");
		config_setting_t *al = get_seq(c, s, "allow", "amplifier.status");
		int na = al ? config_setting_length(al) : 0;
		if (na > (int)ARRAY_LEN(amp->status_allow))
			ERR(c, line_of(al), "amplifier.status: 'allow' lists more than %zu networks",
			    ARRAY_LEN(amp->status_allow));
		for (int i = 0; i < na && amp->nstatus_allow < ARRAY_LEN(amp->status_allow); i++) {
			const char *v = config_setting_get_string_elem(al, i);
			struct status_net net;
			if (!v || strlen(v) >= sizeof(amp->status_allow[0]) || modbus_status_net_parse(v, &net) < 0) {
				ERR(c, line_of(al), "amplifier.status: 'allow' entry %d is not an address or a network (\"192.168.1.0/24\", \"10.0.0.5\", \"fd00::/8\")",
				    i + 1);
				continue;
			}
			str_copy(amp->status_allow[amp->nstatus_allow++], v, sizeof(amp->status_allow[0]));
		}
	}
	if (amp->enabled) {
		if (amp->tcp && !amp->host[0])
			ERR(c, line_of(a), "amplifier: transport \"tcp\" needs 'host'");
		if (!amp->tcp && !amp->device[0])
			ERR(c, line_of(a), "amplifier: transport \"rtu\" needs 'device' (e.g. \"/dev/ttyUSB0\")");
	}
}

/* trust = { keys = ["RW...", ...]; bundle_wait_s = 600; }: the public keys
 * whose signatures the station accepts on pushed schedules. */
/* Issue 13: the MQTT link to the district (docs/FLEET.md). */
static void load_fleet(struct ctx *c, const config_setting_t *f, struct station *st)
{
	static const char *const keys[] = {"broker", "username", "password_file", "ca_file", "audio_url",
		"keepalive", "retry_max", NULL};
	const char *w = "fleet";
	struct fleet_config *fc = &st->fleet;
	fc->keepalive = 300;
	fc->retry_max = 300;
	if (!f)
		return;
	fc->enabled = 1;
	fc->line = line_of(f);
	check_keys(c, f, w, keys);
	if (get_str(c, f, "broker", fc->broker, sizeof(fc->broker), 1, w) == 1 &&
	    strncmp(fc->broker, "mqtt://", 7) && strncmp(fc->broker, "mqtts://", 8))
		ERR(c, line_of(member(f, "broker")), "fleet: broker \"%s\" must be mqtt://HOST:PORT or mqtts://HOST:PORT", fc->broker);
	get_str(c, f, "username", fc->username, sizeof(fc->username), 0, w);
	char raw[PATHBUF];
	if (get_str(c, f, "password_file", raw, sizeof(raw), 0, w) == 1 && raw[0] &&
	    set_resolved(st, &fc->password_file, raw) < 0)
		ERR(c, line_of(member(f, "password_file")), "fleet: 'password_file' is too long");
	if (get_str(c, f, "ca_file", raw, sizeof(raw), 0, w) == 1 && raw[0] &&
	    set_resolved(st, &fc->ca_file, raw) < 0)
		ERR(c, line_of(member(f, "ca_file")), "fleet: 'ca_file' is too long");
	if (!strncmp(fc->broker, "mqtts://", 8) && !fc->ca_file[0])
		ERR(c, fc->line, "fleet: an mqtts:// broker needs 'ca_file' (the district's CA certificate)");
	/* issue 14: where the audio of pushed bundles is fetched from */
	if (get_str(c, f, "audio_url", fc->audio_url, sizeof(fc->audio_url), 0, w) == 1 && fc->audio_url[0]) {
		int bad = strncmp(fc->audio_url, "http://", 7) && strncmp(fc->audio_url, "https://", 8);
		for (const char *p = fc->audio_url; *p; p++)
			bad |= (unsigned char)*p <= ' ' || *p == 0x7f;
		if (bad)
			ERR(c, line_of(member(f, "audio_url")),
			    "fleet: audio_url \"%s\" must be http://HOST[:PORT]/PATH or https://... (no spaces)", fc->audio_url);
	}
	get_int(c, f, "keepalive", &fc->keepalive, 10, 3600, 0, w);
	get_int(c, f, "retry_max", &fc->retry_max, 1, 86400, 0, w);
	if (!st->district_code[0])
		ERR(c, fc->line, "fleet: the station needs a district_code (its topics are loaxa/v1/DISTRICT/STATION/...)");
	else if (!id_valid(st->district_code))
		ERR(c, fc->line, "fleet: district_code \"%s\" may use only letters, digits, '.', '_', '-'", st->district_code);
}

static void load_trust(struct ctx *c, const config_setting_t *t, struct station *st)
{
	static const char *const keys[] = {"keys", "revoked", "bundle_wait_s", NULL};
	const char *w = "trust";
	st->bundle_wait_s = 600;
	if (!t)
		return;
	st->trust_line = line_of(t);
	check_keys(c, t, w, keys);
	get_int(c, t, "bundle_wait_s", &st->bundle_wait_s, 0, 7 * 86400, 0, w);
	config_setting_t *k = get_seq(c, t, "keys", w);
	int n = k ? config_setting_length(k) : 0;
	struct minisign_key parsed[TRUST_KEYS_MAX];
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(k, (unsigned)i);
		const char *v = config_setting_get_string(e);
		char err[512];
		struct minisign_key mk;
		if (!v) {
			ERR(c, line_of(e), "trust: keys must be strings (\"RW...\", the second line of the department's .pub file)");
			continue;
		}
		if (minisign_key_parse(v, &mk, err, sizeof(err)) < 0) {
			ERR(c, line_of(e), "trust: key %d: %s", i + 1, err);
			continue;
		}
		if (strlen(v) >= TRUST_KEY_LEN) {
			ERR(c, line_of(e), "trust: key %d: give only the key (the line starting with RW), not the whole .pub file", i + 1);
			continue;
		}
		int dup = 0;
		for (size_t j = 0; j < st->ntrust_keys; j++)
			dup |= !memcmp(parsed[j].id, mk.id, sizeof(mk.id));
		if (dup) {
			char id[MINISIGN_KEYID_HEX];
			minisign_keyid_hex(mk.id, id);
			ERR(c, line_of(e), "trust: key %s is listed twice", id);
			continue;
		}
		if (st->ntrust_keys == TRUST_KEYS_MAX) {
			ERR(c, line_of(e), "trust: at most %d keys", TRUST_KEYS_MAX);
			break;
		}
		parsed[st->ntrust_keys] = mk;
		str_copy(st->trust_keys[st->ntrust_keys++], v, TRUST_KEY_LEN);
	}
	/* revoked = ["KEYID", ...] (or the keys themselves): refused even
	 * when still listed in keys. */
	config_setting_t *rv = get_seq(c, t, "revoked", w);
	n = rv ? config_setting_length(rv) : 0;
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(rv, (unsigned)i);
		const char *v = config_setting_get_string(e);
		char id[MINISIGN_KEYID_HEX], err[512];
		struct minisign_key mk;
		size_t l = v ? strlen(v) : 0;
		if (v && l >= 1 && l <= 16 && strspn(v, "0123456789abcdefABCDEF") == l) {
			size_t z = 0;
			while (z + 1 < l && v[z] == '0')
				z++; /* as minisign prints ids: no leading zeros */
			for (size_t j = 0; z <= l; j++, z++)
				id[j] = (char)(v[z] >= 'a' && v[z] <= 'f' ? v[z] - 'a' + 'A' : v[z]);
		} else if (v && minisign_key_parse(v, &mk, err, sizeof(err)) == 0) {
			minisign_keyid_hex(mk.id, id);
		} else {
			ERR(c, line_of(e), "trust: revoked: give key ids as minisign prints them (\"6EF9D7697A5CA16A\") or the keys themselves");
			continue;
		}
		if (st->ntrust_revoked == TRUST_REVOKED_MAX) {
			ERR(c, line_of(e), "trust: at most %d revoked keys", TRUST_REVOKED_MAX);
			break;
		}
		str_copy(st->trust_revoked[st->ntrust_revoked++], id, TRUST_KEYID_LEN);
	}
}

/* issue 15: who issues and signs the station's reports (docs/REPORTS.md). */
static void load_report_form(struct ctx *c, const config_setting_t *r, struct station *st)
{
	static const char *const keys[] = {"issuer", "office", "place", "sign_for", "signer_title",
					   "signer", "recipients", NULL};
	const char *w = "report";
	if (!r)
		return;
	check_keys(c, r, w, keys);
	get_str(c, r, "issuer", st->report_issuer, sizeof(st->report_issuer), 0, w);
	get_str(c, r, "office", st->report_office, sizeof(st->report_office), 0, w);
	get_str(c, r, "place", st->report_place, sizeof(st->report_place), 0, w);
	get_str(c, r, "sign_for", st->report_sign_for, sizeof(st->report_sign_for), 0, w);
	get_str(c, r, "signer_title", st->report_signer_title, sizeof(st->report_signer_title), 0, w);
	get_str(c, r, "signer", st->report_signer, sizeof(st->report_signer), 0, w);
	get_str(c, r, "recipients", st->report_recipients, sizeof(st->report_recipients), 0, w);
}

/* The web page (loaxa-web, issue 17; docs/WEB.md). */
static void load_web(struct ctx *c, const config_setting_t *w, struct station *st)
{
	static const char *const keys[] = {"listen", "users", "tls_cert", "tls_key", "max_upload_mb",
					   NULL};
	const char *what = "web";
	char raw[PATHBUF];
	str_copy(st->web_listen, "127.0.0.1:8080", sizeof(st->web_listen));
	str_copy(raw, "web-users", sizeof(raw));
	st->web_max_upload_mb = 50;
	if (w) {
		st->web_line = line_of(w);
		check_keys(c, w, what, keys);
		if (get_str(c, w, "listen", st->web_listen, sizeof(st->web_listen), 0, what) == 1) {
			const char *colon = strrchr(st->web_listen, ':');
			char *end = NULL;
			long port = colon ? strtol(colon + 1, &end, 10) : 0;
			if (!colon || colon == st->web_listen || !end || *end || port < 0 || port > 65535)
				ERR(c, line_of(member(w, "listen")),
				    "web: 'listen' is \"ADDRESS:PORT\" (e.g. \"192.168.1.10:8080\"), not \"%s\"",
				    st->web_listen);
		}
		get_str(c, w, "users", raw, sizeof(raw), 0, what);
		get_int(c, w, "max_upload_mb", &st->web_max_upload_mb, 1, 1024, 0, what);
		char cert[PATHBUF] = "", key[PATHBUF] = "";
		get_str(c, w, "tls_cert", cert, sizeof(cert), 0, what);
		get_str(c, w, "tls_key", key, sizeof(key), 0, what);
		if (!cert[0] != !key[0])
			ERR(c, st->web_line, "web: give both 'tls_cert' and 'tls_key', or neither");
		if (cert[0] && (set_resolved(st, &st->web_tls_cert, cert) < 0 ||
				set_resolved(st, &st->web_tls_key, key) < 0))
			ERR(c, st->web_line, "web: a TLS path is too long");
	}
	if (set_resolved(st, &st->web_users, raw) < 0)
		ERR(c, st->web_line, "web: 'users' is too long");
}

/* issue 19: monitor = { device = "hw:1,0"; silence_dbfs = -50.0; min_heard = 0.8; }
 * (docs/MONITOR.md). Present = enabled; the device is required. */
static void load_monitor(struct ctx *c, const config_setting_t *m, struct station *st)
{
	static const char *const keys[] = {"device", "silence_dbfs", "min_heard", NULL};
	const char *w = "monitor";
	st->monitor_silence_dbfs = -50.0;
	st->monitor_min_heard = 0.8;
	if (!m)
		return;
	check_keys(c, m, w, keys);
	st->monitor_enabled = 1;
	if (get_str(c, m, "device", st->monitor_device, sizeof(st->monitor_device), 1, w) == 1 &&
	    !st->monitor_device[0])
		ERR(c, line_of(member(m, "device")), "monitor: 'device' is empty (an ALSA capture device, e.g. \"hw:1,0\")");
	get_float(c, m, "silence_dbfs", &st->monitor_silence_dbfs, -120, 0, w);
	get_float(c, m, "min_heard", &st->monitor_min_heard, 0, 1, w);
}

int config_load_station(const char *path, struct station *st, struct errlist *errs)
{
	struct ctx c = {.file = path, .errs = errs};
	config_t cfg;
	station_init(st);
	char buf[PATHBUF];
	str_copy(buf, path, sizeof(buf));
	set_path(&st->file, buf);
	path_dirname(path, buf, sizeof(buf));
	/* Absolute, so paths read well in logs and the journal. */
	char real[PATH_MAX];
	if (realpath(buf, real))
		str_copy(buf, real, sizeof(buf));
	set_path(&st->dir, buf);
	if (read_file(&cfg, &c) < 0)
		return -1;
	config_setting_t *root = config_root_setting(&cfg);
	check_keys(&c, root, N_("the station file"), station_top);

	config_setting_t *g = section(&c, root, "station");
	static const char *const sk[] = {"id", "commune_code", "district_code", "name", "timezone",
					 "language" /* issue 16 */, NULL};
	if (!member(root, "station"))
		ERR(&c, 0, "missing section 'station' (id, commune_code, name)");
	check_keys(&c, g, "station", sk);
	if (g) {
		if (get_str(&c, g, "id", st->id, sizeof(st->id), 1, "station") == 1 && !id_valid(st->id))
			ERR(&c, line_of(member(g, "id")), "station: id \"%s\" may use only letters, digits, '.', '_', '-'", st->id);
		if (get_str(&c, g, "commune_code", st->commune_code, sizeof(st->commune_code), 1, "station") == 1 &&
		    !id_valid(st->commune_code))
			ERR(&c, line_of(member(g, "commune_code")), "station: commune_code \"%s\" may use only letters, digits, '.', '_', '-'", st->commune_code);
		get_str(&c, g, "district_code", st->district_code, sizeof(st->district_code), 0, "station");
		get_str(&c, g, "name", st->name, sizeof(st->name), 1, "station");
	}
	str_copy(st->timezone, "Asia/Ho_Chi_Minh", sizeof(st->timezone));
	if (g && get_str(&c, g, "timezone", st->timezone, sizeof(st->timezone), 0, "station") == 1) {
		if (!tz_installed(st->timezone))
			ERR(&c, line_of(member(g, "timezone")), "station: unknown time zone \"%s\" (install tzdata?)", st->timezone);
	}
	/* issue 16: the language of loaxad's messages (i18n.h) */
	if (g && get_str(&c, g, "language", st->language, sizeof(st->language), 0, "station") == 1 &&
	    !i18n_language_known(st->language))
		ERR(&c, line_of(member(g, "language")), "station: language \"%s\" is not one loaxa speaks (\"vi\" or \"en\")",
		    st->language);

	config_setting_t *p = section(&c, root, "paths");
	static const char *const pk[] = {"library", "journal", "schedule", "spool", "control", "state", NULL};
	check_keys(&c, p, "paths", pk);
	station_path(&c, st, p, "library", &st->library, "/var/lib/loaxa/library");
	station_path(&c, st, p, "journal", &st->journal, "/var/lib/loaxa/journal");
	station_path(&c, st, p, "schedule", &st->schedule, "schedule.conf");
	station_path(&c, st, p, "spool", &st->spool, "/var/lib/loaxa/spool");
	station_path(&c, st, p, "control", &st->control, "/run/loaxa/loaxad.sock");
	station_path(&c, st, p, "state", &st->state, "/var/lib/loaxa");

	config_setting_t *a = section(&c, root, "audio");
	static const char *const ak[] = {"device", "fallback_wav", "gain", "max_bulletin_minutes", NULL};
	check_keys(&c, a, "audio", ak);
	str_copy(st->audio_device, "default", sizeof(st->audio_device));
	get_str(&c, a, "device", st->audio_device, sizeof(st->audio_device), 0, "audio");
	char fb[PATHBUF];
	if (get_str(&c, a, "fallback_wav", fb, sizeof(fb), 0, "audio") == 1 && fb[0] &&
	    set_resolved(st, &st->audio_fallback, fb) < 0)
		ERR(&c, line_of(member(a, "fallback_wav")), "audio: 'fallback_wav' is too long");
	get_float(&c, a, "gain", &st->audio_gain_db, -60, 12, "audio");
	st->max_bulletin_minutes = 30;
	get_int(&c, a, "max_bulletin_minutes", &st->max_bulletin_minutes, 1, 600, 0, "audio");

	config_setting_t *b = section(&c, root, "broadcast");
	static const char *const bk[] = {"catchup_minutes", "quiet_hours", NULL};
	check_keys(&c, b, "broadcast", bk);
	st->catchup_minutes = 30;
	get_int(&c, b, "catchup_minutes", &st->catchup_minutes, 0, 24 * 60, 0, "broadcast");
	config_setting_t *q = section(&c, b, "quiet_hours");
	if (q) {
		static const char *const qk[] = {"from", "to", NULL};
		check_keys(&c, q, "quiet_hours", qk);
		st->quiet_line = line_of(q);
		if (get_hhmm(&c, q, "from", &st->quiet_from, 1, "quiet_hours") != 1 ||
		    get_hhmm(&c, q, "to", &st->quiet_to, 1, "quiet_hours") != 1)
			st->quiet_from = st->quiet_to = 0;
	}

	config_setting_t *l = section(&c, root, "limits");
	static const char *const lk[] = {"weekdays", "max_session_minutes", "max_sessions_per_day", NULL};
	check_keys(&c, l, "limits", lk);
	st->allowed_weekdays = 0x7f;
	if (l) {
		st->weekdays_line = line_of(member(l, "weekdays"));
		if (get_weekdays(&c, l, "weekdays", &st->allowed_weekdays, "limits") == 1 &&
		    !st->allowed_weekdays)
			ERR(&c, st->weekdays_line, "limits: 'weekdays' allows no day at all");
		st->session_line = line_of(member(l, "max_session_minutes"));
		get_int(&c, l, "max_session_minutes", &st->max_session_minutes, 0, 24 * 60, 0, "limits");
		st->sessions_line = line_of(member(l, "max_sessions_per_day"));
		get_int(&c, l, "max_sessions_per_day", &st->max_sessions_per_day, 0, 1440, 0, "limits");
	}

	load_amp(&c, section(&c, root, "amplifier"), &st->amp);

	config_setting_t *ct = section(&c, root, "control");
	static const char *const ck[] = {"group", NULL};
	check_keys(&c, ct, "control", ck);
	get_str(&c, ct, "group", st->control_group, sizeof(st->control_group), 0, "control");

	config_setting_t *cl = section(&c, root, "clock");
	static const char *const clk[] = {"require_sync", "sync_file", NULL};
	check_keys(&c, cl, "clock", clk);
	st->require_clock_sync = 1;
	get_bool(&c, cl, "require_sync", &st->require_clock_sync, "clock");
	char sf[PATHBUF];
	if (get_str(&c, cl, "sync_file", sf, sizeof(sf), 0, "clock") == 1 && sf[0] &&
	    set_resolved(st, &st->sync_file, sf) < 0)
		ERR(&c, line_of(member(cl, "sync_file")), "clock: 'sync_file' is too long");

	load_trust(&c, section(&c, root, "trust"), st);
	load_report_form(&c, section(&c, root, "report"), st);
	load_web(&c, section(&c, root, "web"), st);
	load_monitor(&c, section(&c, root, "monitor"), st);
	load_fleet(&c, section(&c, root, "fleet"), st);

	config_destroy(&cfg);
	return c.nerr ? -1 : 0;
}

/* ---- schedule file ---- */

static void load_campaign(struct ctx *c, config_setting_t *g, struct campaign *cp)
{
	static const char *const keys[] = {"id", "title", "from", "to", "bulletins", "target", NULL};
	char w[ID_MAX + 16] = "campaign";
	cp->line = line_of(g);
	cp->from_day = DAY_NONE_LO;
	cp->to_day = DAY_NONE_HI;
	if (!config_setting_is_group(g)) {
		ERR(c, cp->line, "campaigns must be groups { id = ...; ... }");
		return;
	}
	if (get_str(c, g, "id", cp->id, sizeof(cp->id), 1, w) == 1 && !id_valid(cp->id))
		ERR(c, line_of(member(g, "id")), "campaign: id \"%s\" may use only letters, digits, '.', '_', '-'", cp->id);
	/* issue 16: every later message names the campaign */
	if (cp->id[0])
		snprintf(w, sizeof(w), "campaign %s", cp->id);
	check_keys(c, g, w, keys);
	get_str(c, g, "title", cp->title, sizeof(cp->title), 1, w);
	get_date(c, g, "from", &cp->from_day, w);
	get_date(c, g, "to", &cp->to_day, w);
	if (cp->from_day != DAY_NONE_LO && cp->to_day != DAY_NONE_HI && cp->to_day < cp->from_day)
		ERR(c, line_of(member(g, "to")), "campaign %s: 'to' is before 'from'", cp->id);
	int r = get_ids(c, g, "bulletins", &cp->bulletins, &cp->nbulletins, w);
	if (r == 0)
		ERR(c, cp->line, "campaign %s: missing 'bulletins' (the bulletins it rotates through)", cp->id);
	else if (r == 1 && cp->nbulletins == 0)
		ERR(c, line_of(member(g, "bulletins")), "campaign %s: 'bulletins' is empty", cp->id);
	get_int(c, g, "target", &cp->target, 0, 10000, 0, w);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void load_slot(struct ctx *c, config_setting_t *g, struct slot *sl)
{
	static const char *const keys[] = {"id", "weekdays", "days", "dates", "from", "to", "times",
		"every_minutes", "between", "campaign", "bulletins", "zones", "repeat", "gain", "level", NULL};
	char w[ID_MAX + 16] = "slot";
	sl->line = line_of(g);
	sl->from_day = DAY_NONE_LO;
	sl->to_day = DAY_NONE_HI;
	sl->repeat = 1;
	if (!config_setting_is_group(g)) {
		ERR(c, sl->line, "slots must be groups { id = ...; ... }");
		return;
	}
	if (get_str(c, g, "id", sl->id, sizeof(sl->id), 1, w) == 1 && !id_valid(sl->id))
		ERR(c, line_of(member(g, "id")), "slot: id \"%s\" may use only letters, digits, '.', '_', '-'", sl->id);
	/* issue 16: every later message names the slot (weekdays, dates, ...) */
	if (sl->id[0])
		snprintf(w, sizeof(w), "slot %s", sl->id);
	check_keys(c, g, w, keys);
	get_weekdays(c, g, "weekdays", &sl->weekdays, w);

	config_setting_t *d = get_seq(c, g, "days", w);
	for (int i = 0; d && i < config_setting_length(d); i++) {
		config_setting_t *e = config_setting_get_elem(d, (unsigned)i);
		int v = config_setting_get_int(e);
		if (config_setting_type(e) != CONFIG_TYPE_INT || v < 1 || v > 31)
			ERR(c, line_of(e), "slot %s: 'days' must hold days of the month 1 to 31", sl->id);
		else
			sl->monthdays |= 1u << v;
	}
	config_setting_t *ds = get_seq(c, g, "dates", w);
	if (ds) {
		int n = config_setting_length(ds);
		sl->dates = xcalloc((size_t)n + 1, sizeof(*sl->dates));
		for (int i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(ds, (unsigned)i);
			const char *v = config_setting_get_string(e);
			if (!v || civil_parse_date(v, &sl->dates[sl->ndates]) < 0)
				ERR(c, line_of(e), "slot %s: date \"%s\" is not a date YYYY-MM-DD", sl->id, v ? v : "?");
			else
				sl->ndates++;
		}
	}
	get_date(c, g, "from", &sl->from_day, w);
	get_date(c, g, "to", &sl->to_day, w);
	if (sl->from_day != DAY_NONE_LO && sl->to_day != DAY_NONE_HI && sl->to_day < sl->from_day)
		ERR(c, line_of(member(g, "to")), "slot %s: 'to' is before 'from'", sl->id);

	config_setting_t *t = get_seq(c, g, "times", w);
	int every = 0;
	int er = get_int(c, g, "every_minutes", &every, 1, 1440, 0, w);
	if (er == 1) {
		if (t)
			ERR(c, line_of(t), "slot %s: give either 'times' or 'every_minutes', not both", sl->id);
		int lo = 0, hi = 1440;
		config_setting_t *bw = get_seq(c, g, "between", w);
		if (bw) {
			const char *a = config_setting_get_string_elem(bw, 0);
			const char *b = config_setting_get_string_elem(bw, 1);
			int bad = config_setting_length(bw) != 2 || !a || !b || civil_parse_hhmm(a, &lo) < 0;
			if (!bad && !strcmp(b, "24:00"))
				hi = 1440;
			else if (!bad)
				bad = civil_parse_hhmm(b, &hi) < 0;
			if (bad || hi <= lo) {
				ERR(c, line_of(bw), "slot %s: 'between' must be [\"HH:MM\", \"HH:MM\"] with the second later", sl->id);
				lo = 0;
				hi = 0;
			}
		}
		sl->times = xcalloc(1441, sizeof(int));
		for (int m = lo; m < hi; m += every)
			sl->times[sl->ntimes++] = m;
		t = NULL;
	} else if (er == 0 && member(g, "between")) {
		ERR(c, line_of(member(g, "between")), "slot %s: 'between' goes with 'every_minutes'", sl->id);
	}
	if (every || (er < 0 && !t)) {
		/* times generated above, or a bad every_minutes already reported */
	} else if (!t) {
		if (!member(g, "times"))
			ERR(c, sl->line, "slot %s: missing 'times' (e.g. times = [\"06:30\"];)", sl->id);
	} else {
		int n = config_setting_length(t);
		if (n == 0)
			ERR(c, line_of(t), "slot %s: 'times' is empty", sl->id);
		sl->times = xcalloc((size_t)n + 1, sizeof(int));
		for (int i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(t, (unsigned)i);
			const char *v = config_setting_get_string(e);
			int m;
			if (!v || civil_parse_hhmm(v, &m) < 0) {
				ERR(c, line_of(e), "slot %s: time \"%s\" is not a time HH:MM (00:00 to 23:59)",
				    sl->id, v ? v : "?");
				continue;
			}
			int dup = 0;
			for (size_t k = 0; k < sl->ntimes; k++)
				dup |= sl->times[k] == m;
			if (dup)
				ERR(c, line_of(e), "slot %s: time %s is listed twice", sl->id, v);
			else
				sl->times[sl->ntimes++] = m;
		}
		qsort(sl->times, sl->ntimes, sizeof(int), cmp_int);
	}

	int has_c = get_str(c, g, "campaign", sl->campaign, sizeof(sl->campaign), 0, w);
	int has_b = get_ids(c, g, "bulletins", &sl->bulletins, &sl->nbulletins, w);
	if (has_c == 1 && !sl->campaign[0])
		ERR(c, line_of(member(g, "campaign")), "slot %s: 'campaign' is empty", sl->id);
	else if (has_c == 0 && has_b == 0)
		ERR(c, sl->line, "slot %s: says nothing to play: give 'campaign' or 'bulletins'", sl->id);
	if (has_b == 1 && sl->nbulletins == 0)
		ERR(c, line_of(member(g, "bulletins")), "slot %s: 'bulletins' is empty", sl->id);

	config_setting_t *z = get_seq(c, g, "zones", w);
	for (int i = 0; z && i < config_setting_length(z); i++) {
		config_setting_t *e = config_setting_get_elem(z, (unsigned)i);
		int v = config_setting_get_int(e);
		if (config_setting_type(e) != CONFIG_TYPE_INT || v < 1 || v > MAX_ZONES)
			ERR(c, line_of(e), "slot %s: zones are numbers 1 to %d", sl->id, MAX_ZONES);
		else
			sl->zones |= 1u << (v - 1);
	}
	get_int(c, g, "repeat", &sl->repeat, 1, 20, 0, w);
	get_float(c, g, "gain", &sl->gain_db, -60, 12, w);
	char lv[32];
	if (get_str(c, g, "level", lv, sizeof(lv), 0, w) == 1) {
		int l = level_parse(lv);
		if (l < 0)
			ERR(c, line_of(member(g, "level")), "slot %s: level must be normal, priority or emergency, not \"%s\"",
			    sl->id, lv);
		else
			sl->level = (enum level)l;
	}
}

static void load_blackout(struct ctx *c, config_setting_t *g, struct blackout *b)
{
	static const char *const keys[] = {"from", "to", "reason", NULL};
	const char *w = "blackout";
	b->line = line_of(g);
	if (!config_setting_is_group(g)) {
		ERR(c, b->line, "blackouts must be groups { from = ...; to = ...; reason = ...; }");
		return;
	}
	check_keys(c, g, w, keys);
	const char *names[2] = {"from", "to"};
	int64_t t[2] = {0, 0};
	int ok = 1;
	for (int i = 0; i < 2; i++) {
		char buf[32];
		int32_t day;
		int min;
		int r = get_str(c, g, names[i], buf, sizeof(buf), 1, w);
		if (r != 1) {
			ok = 0;
			continue;
		}
		if (civil_parse_datetime(buf, &day, &min) < 0) {
			ERR(c, line_of(member(g, names[i])), "blackout: '%s' = \"%s\" is not \"YYYY-MM-DD HH:MM\"",
			    names[i], buf);
			ok = 0;
			continue;
		}
		t[i] = civil_tz_instant(day, min);
	}
	if (get_str(c, g, "reason", b->reason, sizeof(b->reason), 1, w) == 1 && !b->reason[0])
		ERR(c, line_of(member(g, "reason")), "blackout: 'reason' is empty");
	if (ok && t[1] <= t[0])
		ERR(c, line_of(member(g, "to")), "blackout: 'to' is not after 'from'");
	b->from = t[0];
	b->to = t[1];
}

/* issue 16: libconfig says only "syntax error" for `id = news1;`. When the
 * line it names has a word where a value goes, say what is wrong in plain
 * words. The message is replaced in place (read_file() wrote it). */
static void explain_syntax_error(struct ctx *c, size_t before, const char *buf)
{
	if (c->errs->n != before + 1 || !strstr(c->errs->en[before], "syntax error"))
		return;
	const char *m = c->errs->en[before] + strlen(c->file);
	int line = 0;
	if (sscanf(m, ":%d:", &line) != 1 || line < 1)
		return;
	const char *p = buf;
	for (int l = 1; l < line && p; l++)
		if ((p = strchr(p, '\n')))
			p++;
	char text[256] = "", key[64] = "", word[64] = "";
	if (p) {
		size_t n = strcspn(p, "\n");
		snprintf(text, sizeof(text), "%.*s", (int)(n < 255 ? n : 255), p);
	}
	/* key = word; or a word inside [ ... ] after '=' or ',' */
	for (const char *q = text; *q; q++) {
		if (*q == '"') { /* skip strings */
			const char *e = strchr(q + 1, '"');
			if (!e)
				break;
			q = e;
			continue;
		}
		if (*q != '=' && *q != '[' && *q != ',')
			continue;
		if (*q == '=') {
			const char *k = q;
			while (k > text && (k[-1] == ' ' || k[-1] == '\t'))
				k--;
			const char *ks = k;
			while (ks > text && (isalnum((unsigned char)ks[-1]) || ks[-1] == '_' || ks[-1] == '-'))
				ks--;
			snprintf(key, sizeof(key), "%.*s", (int)(k - ks < 63 ? k - ks : 63), ks);
		}
		const char *v = q + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t wl = 0;
		while (isalnum((unsigned char)v[wl]) || v[wl] == '_' || v[wl] == '-' || v[wl] == '.')
			wl++;
		if (!wl || !isalpha((unsigned char)v[0]))
			continue;
		snprintf(word, sizeof(word), "%.*s", (int)(wl < 63 ? wl : 63), v);
		if (!strcasecmp(word, "true") || !strcasecmp(word, "false")) {
			word[0] = '\0';
			continue;
		}
		if (*q != '=')
			key[0] = '\0'; /* an element of a list */
		break;
	}
	if (!word[0])
		return;
	free(c->errs->msg[before]);
	free(c->errs->en[before]);
	c->errs->n--;
	c->nerr--;
	if (key[0])
		ERR(c, line, "'%s = %s': text must be in double quotes: %s = \"%s\"; (the file was not read "
			     "further: fix this first)", key, word, key, word);
	else
		ERR(c, line, "%s: text must be in double quotes: \"%s\" (the file was not read further: "
			     "fix this first)", word, word);
}

/* Where a schedule may play: its district, and the stations it names. */
static void load_binding(struct ctx *c, const config_setting_t *root, struct schedule *s)
{
	if (get_str(c, root, "district", s->district, sizeof(s->district), 0, "schedule") == 1 &&
	    !id_valid(s->district))
		ERR(c, line_of(member(root, "district")), "schedule: district \"%s\" may use only letters, digits, '.', '_', '-'",
		    s->district);
	s->district_line = line_of(member(root, "district"));
	config_setting_t *l = get_seq(c, root, "stations", "schedule");
	if (!l)
		return;
	s->stations_line = line_of(l);
	int n = config_setting_length(l);
	if (n == 0)
		ERR(c, s->stations_line, "schedule: 'stations' is empty (leave it out to mean every station of the district)");
	s->stations = xcalloc((size_t)n + 1, sizeof(*s->stations));
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(l, i);
		if (!v || !id_valid(v)) {
			ERR(c, s->stations_line, "schedule: 'stations' must list station ids (strings)");
			continue;
		}
		str_copy(s->stations[s->nstations++], v, ID_MAX);
	}
}

/* A schedule from len bytes in memory (text[len] is NUL; name is what
 * messages call it). keep: on field errors, keep what could be read
 * (return 1) so that validation can report its problems in the same pass. */
static int parse_schedule(const char *name, const char *text, size_t len, struct schedule *s,
			  struct errlist *errs, int keep)
{
	static const char *const top[] = {"serial", "district", "stations", "campaigns", "slots",
					  "blackouts", "files", NULL};
	struct ctx c = {.file = name, .errs = errs};
	config_t cfg;
	memset(s, 0, sizeof(*s));
	str_copy(s->file, name, sizeof(s->file));
	size_t before = errs->n;
	if (parse_text(&cfg, &c, text, len) < 0) {
		explain_syntax_error(&c, before, text);
		return -1;
	}
	{
		unsigned char h[SHA256_LEN];
		sha256(text, len, h);
		hex_encode(h, sizeof(h), s->sha256);
	}
	config_setting_t *root = config_root_setting(&cfg);
	check_keys(&c, root, N_("the schedule file"), top);
	if (get_int64(&c, root, "serial", &s->serial, 1, LLONG_MAX, 0, "schedule") == 0)
		ERR(&c, 0, "missing 'serial' (an increasing number, e.g. serial = 2026112701;)");
	load_binding(&c, root, s);
	config_setting_t *fs = get_seq(&c, root, "files", "schedule");
	if (fs) {
		int n = config_setting_length(fs);
		s->pins = xcalloc((size_t)n + 1, sizeof(*s->pins));
		for (int i = 0; i < n; i++) {
			const config_setting_t *g = config_setting_get_elem(fs, (unsigned)i);
			const char *id = NULL, *sum = NULL;
			if (!config_setting_is_group(g) || !config_setting_lookup_string(g, "bulletin", &id) ||
			    !config_setting_lookup_string(g, "sha256", &sum) || strlen(sum) != 64)
				continue; /* config_parse_bundle_files says what is wrong */
			struct schedule_pin *p = &s->pins[s->npins++];
			str_copy(p->id, id, sizeof(p->id));
			for (size_t k = 0; k < 64; k++)
				p->sha256[k] = (char)(sum[k] >= 'A' && sum[k] <= 'F' ? sum[k] - 'A' + 'a' : sum[k]);
			p->sha256[64] = '\0';
		}
	}

	config_setting_t *cs = get_seq(&c, root, "campaigns", "schedule");
	if (cs) {
		int n = config_setting_length(cs);
		s->campaigns = xcalloc((size_t)n + 1, sizeof(*s->campaigns));
		for (int i = 0; i < n; i++) {
			struct campaign *cp = &s->campaigns[s->ncampaigns++];
			load_campaign(&c, config_setting_get_elem(cs, (unsigned)i), cp);
			for (size_t k = 0; k + 1 < s->ncampaigns; k++)
				if (cp->id[0] && !strcmp(s->campaigns[k].id, cp->id))
					ERR(&c, cp->line, "duplicate campaign id \"%s\" (first at line %d)", cp->id,
					    s->campaigns[k].line);
		}
	}
	config_setting_t *ss = get_seq(&c, root, "slots", "schedule");
	if (!ss && !member(root, "slots"))
		ERR(&c, 0, "missing 'slots' (when to play what)");
	if (ss) {
		int n = config_setting_length(ss);
		s->slots = xcalloc((size_t)n + 1, sizeof(*s->slots));
		for (int i = 0; i < n; i++) {
			struct slot *sl = &s->slots[s->nslots++];
			load_slot(&c, config_setting_get_elem(ss, (unsigned)i), sl);
			for (size_t k = 0; k + 1 < s->nslots; k++)
				if (sl->id[0] && !strcmp(s->slots[k].id, sl->id))
					ERR(&c, sl->line, "duplicate slot id \"%s\" (first at line %d)", sl->id,
					    s->slots[k].line);
		}
	}
	config_setting_t *bs = get_seq(&c, root, "blackouts", "schedule");
	if (bs) {
		int n = config_setting_length(bs);
		s->blackouts = xcalloc((size_t)n + 1, sizeof(*s->blackouts));
		for (int i = 0; i < n; i++)
			load_blackout(&c, config_setting_get_elem(bs, (unsigned)i), &s->blackouts[s->nblackouts++]);
	}
	config_destroy(&cfg);
	if (c.nerr && keep)
		return 1;
	if (c.nerr) {
		schedule_free(s);
		return -1;
	}
	return 0;
}

/* path read whole (a plain file, CONFIG_SCHEDULE_MAX at most), then
 * parsed from memory: nothing in a schedule is opened by name. */
static int load_schedule(const char *path, struct schedule *s, struct errlist *errs, int keep)
{
	char *text = NULL;
	size_t len = 0;
	memset(s, 0, sizeof(*s));
	str_copy(s->file, path, sizeof(s->file));
	if (read_file_all(path, CONFIG_SCHEDULE_MAX, 0, &text, &len) < 0) {
		if (errno == EFBIG)
			errlist_add(errs, "%s: larger than %d bytes: not a schedule", path, CONFIG_SCHEDULE_MAX);
		else if (errno == EINVAL)
			errlist_add(errs, "%s: not a plain file", path);
		else
			errlist_add(errs, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	int r = parse_schedule(path, text, len, s, errs, keep);
	free(text);
	return r;
}

int config_parse_schedule(const char *name, const char *text, size_t len, struct schedule *s,
			  struct errlist *errs)
{
	return parse_schedule(name, text, len, s, errs, 0);
}

int config_load_schedule(const char *path, struct schedule *s, struct errlist *errs)
{
	return load_schedule(path, s, errs, 0);
}

int config_load_schedule_all(const char *path, struct schedule *s, struct errlist *errs)
{
	return load_schedule(path, s, errs, 1);
}

/* ---- the files section of a pushed schedule ---- */

/* A name the spool and the library can hold: no folder part, not hidden,
 * not a temporary name of a copy in progress, not the bundle's own files. */
static const char *bundle_name_problem(const char *f)
{
	size_t n = strlen(f);
	static const char *const bad_ends[] = {".part", ".tmp", ".partial", "~", ".swp", ".conf",
					       ".minisig", ".why", NULL};
	if (!n)
		return "is empty";
	if (n > 200)
		return "is too long (at most 200 bytes)";
	if (strchr(f, '/'))
		return "must be a plain file name, without a folder";
	if (f[0] == '.')
		return "must not start with '.'";
	for (const char *p = f; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "contains a control character";
	for (const char *const *e = bad_ends; *e; e++) {
		size_t l = strlen(*e);
		if (n >= l && !strcmp(f + n - l, *e))
			return "ends like a temporary, schedule or signature file";
	}
	if (!strcmp(f, "rejected"))
		return "is the name of the spool's rejected folder";
	return NULL;
}

int config_load_bundle_files(const char *path, struct bundle_file **files, size_t *nfiles,
			     struct errlist *errs)
{
	char *text = NULL;
	size_t len = 0;
	*files = NULL;
	*nfiles = 0;
	if (read_file_all(path, CONFIG_SCHEDULE_MAX, 0, &text, &len) < 0) {
		errlist_add(errs, "%s: %s", path, errno == EFBIG ? "too large to be a schedule" :
			    errno == EINVAL ? "not a plain file" : strerror(errno));
		return -1;
	}
	int r = config_parse_bundle_files(path, text, len, files, nfiles, errs);
	free(text);
	return r;
}

static int parse_bundle_files(const char *name, const char *text, size_t len,
			      struct bundle_file **files, size_t *nfiles, struct errlist *errs, int keep);

int config_parse_bundle_files(const char *name, const char *text, size_t len,
			      struct bundle_file **files, size_t *nfiles, struct errlist *errs)
{
	return parse_bundle_files(name, text, len, files, nfiles, errs, 0);
}

int config_load_bundle_files_all(const char *path, struct bundle_file **files, size_t *nfiles,
				 struct errlist *errs)
{
	char *text = NULL;
	size_t len = 0;
	*files = NULL;
	*nfiles = 0;
	if (read_file_all(path, CONFIG_SCHEDULE_MAX, 0, &text, &len) < 0) {
		errlist_add(errs, "%s: %s", path, errno == EFBIG ? "too large to be a schedule" :
			    errno == EINVAL ? "not a plain file" : strerror(errno));
		return -1;
	}
	int r = parse_bundle_files(path, text, len, files, nfiles, errs, 1);
	free(text);
	return r;
}

static int parse_bundle_files(const char *name, const char *text, size_t len,
			      struct bundle_file **files, size_t *nfiles, struct errlist *errs, int keep)
{
	struct ctx c = {.file = name, .errs = errs};
	config_t cfg;
	*files = NULL;
	*nfiles = 0;
	if (parse_text(&cfg, &c, text, len) < 0)
		return -1;
	config_setting_t *root = config_root_setting(&cfg);
	config_setting_t *fs = get_seq(&c, root, "files", "schedule");
	int n = fs ? config_setting_length(fs) : 0;
	struct bundle_file *out = xcalloc((size_t)n + 1, sizeof(*out));
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		static const char *const keys[] = {"bulletin", "file", "sha256", "size", "title",
						   "campaign", NULL};
		const char *w = "files";
		config_setting_t *g = config_setting_get_elem(fs, (unsigned)i);
		struct bundle_file *f = &out[k];
		memset(f, 0, sizeof(*f));
		f->line = line_of(g);
		f->size = -1;
		if (!config_setting_is_group(g)) {
			ERR(&c, f->line, "files: each entry must be a group { bulletin = ...; file = ...; sha256 = ...; }");
			continue;
		}
		check_keys(&c, g, w, keys);
		size_t before = c.nerr;
		if (get_str(&c, g, "bulletin", f->bulletin, sizeof(f->bulletin), 1, w) == 1 &&
		    !id_valid(f->bulletin))
			ERR(&c, line_of(member(g, "bulletin")), "files: bulletin \"%s\" may use only letters, digits, '.', '_', '-'",
			    f->bulletin);
		if (get_str(&c, g, "file", f->file, sizeof(f->file), 1, w) == 1) {
			const char *why = bundle_name_problem(f->file);
			if (why)
				ERR(&c, line_of(member(g, "file")), "files: file \"%s\" %s", f->file, why);
		}
		if (get_str(&c, g, "sha256", f->sha256, sizeof(f->sha256), 1, w) == 1) {
			for (char *p = f->sha256; *p; p++)
				if (*p >= 'A' && *p <= 'F')
					*p = (char)(*p - 'A' + 'a');
			if (strlen(f->sha256) != 64 || strspn(f->sha256, "0123456789abcdef") != 64)
				ERR(&c, line_of(member(g, "sha256")), "files: 'sha256' of %s is not 64 hex digits (sha256sum FILE)",
				    f->file[0] ? f->file : "this entry");
		}
		get_int64(&c, g, "size", &f->size, 1, LLONG_MAX, 0, w);
		if (get_str(&c, g, "title", f->title, sizeof(f->title), 0, w) == 1 && !f->title[0])
			ERR(&c, line_of(member(g, "title")), "files: 'title' is empty");
		if (!f->title[0])
			str_copy(f->title, f->bulletin, sizeof(f->title));
		if (get_str(&c, g, "campaign", f->campaign, sizeof(f->campaign), 0, w) == 1 &&
		    f->campaign[0] && !id_valid(f->campaign))
			ERR(&c, line_of(member(g, "campaign")), "files: campaign \"%s\" is not a valid id", f->campaign);
		if (c.nerr != before) {
			/* keep: still named, so that its bulletin is not reported missing too */
			if (keep && f->bulletin[0] && id_valid(f->bulletin)) {
				f->bad = 1;
				k++;
			}
			continue;
		}
		for (size_t j = 0; j < k; j++) {
			if (out[j].bad)
				continue;
			if (!strcmp(out[j].bulletin, f->bulletin))
				ERR(&c, f->line, "files: bulletin %s is listed twice (first at line %d)", f->bulletin,
				    out[j].line);
			else if (!strcmp(out[j].file, f->file))
				ERR(&c, f->line, "files: file %s is listed twice (first at line %d)", f->file,
				    out[j].line);
		}
		if (c.nerr != before && keep)
			f->bad = 1;
		if (c.nerr == before || keep)
			k++;
	}
	config_destroy(&cfg);
	if (c.nerr && !keep) {
		free(out);
		return -1;
	}
	*files = out;
	*nfiles = k;
	return c.nerr ? 1 : 0;
}

/* ---- bundle make (loaxactl; docs/PUSH.md) ---- */

static void drop_member(config_setting_t *root, const char *name)
{
	while (config_setting_get_member(root, name))
		config_setting_remove(root, name);
}

int config_write_bundle(const char *name, const char *text, size_t len, const char *header,
			long long serial, const char *district, char (*stations)[ID_MAX],
			size_t nstations, const struct bundle_file *files, size_t nfiles, char **out,
			size_t *outlen, struct errlist *errs)
{
	struct ctx c = {.file = name, .errs = errs};
	config_t cfg;
	*out = NULL;
	*outlen = 0;
	if (parse_text(&cfg, &c, text, len) < 0)
		return -1;
	config_setting_t *root = config_root_setting(&cfg);
	static const char *const gen[] = {"serial", "district", "stations", "files", NULL};
	for (const char *const *g = gen; *g; g++)
		drop_member(root, *g);
	/* The files section, generated, in a config of its own: written
	 * after the schedule, below the serial and binding, where a reader
	 * looks first. */
	config_t fcfg;
	config_init(&fcfg);
	config_set_options(&cfg, CONFIG_OPTION_SEMICOLON_SEPARATORS);
	config_set_options(&fcfg, CONFIG_OPTION_SEMICOLON_SEPARATORS);
	if (nfiles) {
		config_setting_t *fs = config_setting_add(config_root_setting(&fcfg), "files", CONFIG_TYPE_LIST);
		for (size_t i = 0; i < nfiles; i++) {
			const struct bundle_file *f = &files[i];
			config_setting_t *g = config_setting_add(fs, NULL, CONFIG_TYPE_GROUP);
			config_setting_set_string(config_setting_add(g, "bulletin", CONFIG_TYPE_STRING), f->bulletin);
			config_setting_set_string(config_setting_add(g, "file", CONFIG_TYPE_STRING), f->file);
			if (f->size <= INT32_MAX)
				config_setting_set_int(config_setting_add(g, "size", CONFIG_TYPE_INT), (int)f->size);
			else
				config_setting_set_int64(config_setting_add(g, "size", CONFIG_TYPE_INT64), f->size);
			config_setting_set_string(config_setting_add(g, "sha256", CONFIG_TYPE_STRING), f->sha256);
			config_setting_set_string(config_setting_add(g, "title", CONFIG_TYPE_STRING), f->title);
			if (f->campaign[0])
				config_setting_set_string(config_setting_add(g, "campaign", CONFIG_TYPE_STRING),
							  f->campaign);
		}
	}
	char *buf = NULL;
	size_t bl = 0;
	FILE *m = open_memstream(&buf, &bl);
	if (!m) {
		config_destroy(&cfg);
		config_destroy(&fcfg);
		ERR(&c, 0, "out of memory");
		return -1;
	}
	fputs(header, m);
	fprintf(m, "serial = %lld%s;\n", serial, serial > INT32_MAX ? "L" : "");
	/* district and station ids are ids (id_valid): nothing to escape */
	fprintf(m, "district = \"%s\";\n", district);
	if (nstations) {
		fputs("stations = [", m);
		for (size_t i = 0; i < nstations; i++)
			fprintf(m, "%s\"%s\"", i ? ", " : " ", stations[i]);
		fputs(" ];\n", m);
	}
	config_write(&cfg, m);
	config_write(&fcfg, m);
	fputc('\n', m);
	fclose(m);
	config_destroy(&cfg);
	config_destroy(&fcfg);
	*out = buf;
	*outlen = bl;
	return 0;
}

/* ---- catalog ---- */

int catalog_load(const char *path, struct catalog *cat, struct errlist *errs)
{
	struct ctx c = {.file = path, .errs = errs};
	memset(cat, 0, sizeof(*cat));
	str_copy(cat->file, path, sizeof(cat->file));
	config_t cfg;
	char *text = NULL;
	size_t len = 0;
	if (read_file_all(path, CONFIG_CATALOG_MAX, 0, &text, &len) < 0) {
		if (errno == ENOENT)
			return 0;
		ERR(&c, 0, "cannot read: %s", errno == EINVAL ? "not a plain file" : strerror(errno));
		return -1;
	}
	int pr = parse_text(&cfg, &c, text, len);
	free(text);
	if (pr < 0)
		return -1;
	static const char *const top[] = {"format", "bulletins", NULL};
	config_setting_t *root = config_root_setting(&cfg);
	check_keys(&c, root, N_("the catalog"), top);
	/* catalog_save always writes both: without them the file was cut short
	 * (an empty or truncated file must not read as an empty library). */
	int fmt = 0;
	if (get_int(&c, root, "format", &fmt, INT_MIN, INT_MAX, 0, "catalog") == 0)
		ERR(&c, 0, "catalog: missing 'format' (damaged or truncated file?)");
	else if (fmt != 1)
		ERR(&c, line_of(member(root, "format")), "catalog: format %d is not supported (this loaxa reads format 1)", fmt);
	if (!member(root, "bulletins"))
		ERR(&c, 0, "catalog: missing 'bulletins' (damaged or truncated file?)");
	config_setting_t *bs = get_seq(&c, root, "bulletins", "catalog");
	int n = bs ? config_setting_length(bs) : 0;
	cat->items = xcalloc((size_t)n + 1, sizeof(*cat->items));
	for (int i = 0; i < n; i++) {
		static const char *const keys[] = {"id", "title", "campaign", "file", "duration", "rate",
			"channels", "sha256", "added", "signed", NULL};
		config_setting_t *g = config_setting_get_elem(bs, (unsigned)i);
		struct bulletin *b = &cat->items[cat->n];
		const char *w = "catalog entry";
		check_keys(&c, g, w, keys);
		size_t before = c.nerr;
		get_str(&c, g, "id", b->id, sizeof(b->id), 1, w);
		get_str(&c, g, "title", b->title, sizeof(b->title), 0, w);
		get_str(&c, g, "campaign", b->campaign, sizeof(b->campaign), 0, w);
		get_str(&c, g, "file", b->file, sizeof(b->file), 1, w);
		get_float(&c, g, "duration", &b->duration, 0, 1e7, w);
		get_int(&c, g, "rate", &b->rate, 0, 1000000, 0, w);
		get_int(&c, g, "channels", &b->channels, 0, 64, 0, w);
		get_str(&c, g, "sha256", b->sha256, sizeof(b->sha256), 1, w);
		get_str(&c, g, "added", b->added, sizeof(b->added), 0, w);
		get_str(&c, g, "signed", b->signer, sizeof(b->signer), 0, w);
		if (c.nerr == before && (strlen(b->sha256) != 64 ||
					 strspn(b->sha256, "0123456789abcdef") != 64))
			ERR(&c, line_of(member(g, "sha256")), "catalog entry \"%s\": 'sha256' is not 64 hex digits", b->id);
		if (c.nerr == before && (!id_valid(b->id) || strchr(b->file, '/') || b->file[0] == '.'))
			ERR(&c, line_of(g), "catalog entry \"%s\": bad id or file name", b->id);
		if (c.nerr == before && catalog_find(cat, b->id))
			ERR(&c, line_of(g), "catalog: duplicate id \"%s\"", b->id);
		if (c.nerr == before)
			cat->n++;
	}
	config_destroy(&cfg);
	return c.nerr ? -1 : 0;
}

static void set_str(config_setting_t *g, const char *name, const char *v)
{
	config_setting_set_string(config_setting_add(g, name, CONFIG_TYPE_STRING), v);
}

int catalog_save(const struct catalog *cat)
{
	config_t cfg;
	config_init(&cfg);
	config_setting_t *root = config_root_setting(&cfg);
	config_setting_set_int(config_setting_add(root, "format", CONFIG_TYPE_INT), 1);
	config_setting_t *list = config_setting_add(root, "bulletins", CONFIG_TYPE_LIST);
	for (size_t i = 0; i < cat->n; i++) {
		const struct bulletin *b = &cat->items[i];
		config_setting_t *g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		set_str(g, "id", b->id);
		set_str(g, "title", b->title);
		set_str(g, "campaign", b->campaign);
		set_str(g, "file", b->file);
		config_setting_set_float(config_setting_add(g, "duration", CONFIG_TYPE_FLOAT), b->duration);
		config_setting_set_int(config_setting_add(g, "rate", CONFIG_TYPE_INT), b->rate);
		config_setting_set_int(config_setting_add(g, "channels", CONFIG_TYPE_INT), b->channels);
		set_str(g, "sha256", b->sha256);
		set_str(g, "added", b->added);
		if (b->signer[0])
			set_str(g, "signed", b->signer);
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	if (!mf) {
		config_destroy(&cfg);
		return -1;
	}
	fputs("# loaxa bulletin catalog: written by loaxactl, do not edit by hand.\n", mf);
	config_write(&cfg, mf);
	fclose(mf);
	config_destroy(&cfg);
	int r = write_file_atomic(cat->file, buf, len);
	int e = errno;
	free(buf);
	errno = e;
	return r;
}

/* ---- issue 13: the collector's file ---- */

int config_load_collector(const char *path, struct collector_config *cc, struct errlist *errs)
{
	struct ctx c = {.file = path, .errs = errs};
	config_t cfg;
	memset(cc, 0, sizeof(*cc));
	str_copy(cc->file, path, sizeof(cc->file));
	char dir[PATHBUF], real[PATH_MAX];
	path_dirname(path, dir, sizeof(dir));
	if (realpath(dir, real))
		str_copy(dir, real, sizeof(dir));
	if (read_file(&cfg, &c) < 0)
		return -1;
	config_setting_t *root = config_root_setting(&cfg);
	static const char *const top[] = {"collector", NULL};
	check_keys(&c, root, N_("the collector file"), top);
	config_setting_t *g = section(&c, root, "collector");
	if (!member(root, "collector"))
		ERR(&c, 0, "missing section 'collector' (broker, district, mirror)");
	static const char *const keys[] = {"broker", "district", "mirror", "username", "password_file",
		"ca_file", "keepalive", "retry_max", NULL};
	const char *w = "collector";
	check_keys(&c, g, w, keys);
	cc->keepalive = 60;
	cc->retry_max = 30;
	if (g) {
		if (get_str(&c, g, "broker", cc->broker, sizeof(cc->broker), 1, w) == 1 &&
		    strncmp(cc->broker, "mqtt://", 7) && strncmp(cc->broker, "mqtts://", 8))
			ERR(&c, line_of(member(g, "broker")), "collector: broker \"%s\" must be mqtt://HOST:PORT or mqtts://HOST:PORT", cc->broker);
		if (get_str(&c, g, "district", cc->district, sizeof(cc->district), 1, w) == 1 &&
		    strcmp(cc->district, "+") && !id_valid(cc->district))
			ERR(&c, line_of(member(g, "district")), "collector: district \"%s\" may use only letters, digits, '.', '_', '-' (or be \"+\": every district)", cc->district);
		char raw[PATHBUF];
		if (get_str(&c, g, "mirror", raw, sizeof(raw), 1, w) == 1 &&
		    path_resolve(dir, raw, cc->mirror, sizeof(cc->mirror)) < 0)
			ERR(&c, line_of(member(g, "mirror")), "collector: 'mirror' is too long");
		get_str(&c, g, "username", cc->username, sizeof(cc->username), 0, w);
		if (get_str(&c, g, "password_file", raw, sizeof(raw), 0, w) == 1 && raw[0] &&
		    path_resolve(dir, raw, cc->password_file, sizeof(cc->password_file)) < 0)
			ERR(&c, line_of(member(g, "password_file")), "collector: 'password_file' is too long");
		if (get_str(&c, g, "ca_file", raw, sizeof(raw), 0, w) == 1 && raw[0] &&
		    path_resolve(dir, raw, cc->ca_file, sizeof(cc->ca_file)) < 0)
			ERR(&c, line_of(member(g, "ca_file")), "collector: 'ca_file' is too long");
		if (!strncmp(cc->broker, "mqtts://", 8) && !cc->ca_file[0])
			ERR(&c, line_of(g), "collector: an mqtts:// broker needs 'ca_file'");
		get_int(&c, g, "keepalive", &cc->keepalive, 5, 3600, 0, w);
		get_int(&c, g, "retry_max", &cc->retry_max, 1, 3600, 0, w);
	}
	config_destroy(&cfg);
	return c.nerr ? -1 : 0;
}
