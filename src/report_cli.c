/* loaxactl report and loaxactl rollup: option parsing and the renderings
 * (text for the terminal, CSV and JSON for other tools, one self-contained
 * HTML page for a district officer to open, print or e-mail). Counting is
 * report.c's, reading folders rollup.c's; this file only presents. */
#include "report_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asrun.h"
#include "civil.h"
#include "report.h"
#include "rollup.h"
#include "textout.h"
#include "util.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define PROG "loaxactl"

#define REPORT_CSV_HEADER                                                                          \
	"station_id,commune_code,campaign_id,month,target,scheduled,aired,partial,interrupted,"    \
	"failed,missed,airtime_seconds,target_met"

enum fmt { FMT_TEXT, FMT_CSV, FMT_JSON, FMT_HTML };

/* Vietnamese beside the English (the journal's outcome names stay English). */
static const char *const outcome_vi[OUT__N] = {"Đã phát", "Phát dở", "Bị gián đoạn", "Lỗi",
					       "Bỏ lỡ"};

/* ---- messages ---- */

static void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void errmsg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fprintf(stderr, "usage: loaxactl %s\n", usage);
	return EXIT_USAGE;
}

/* getopt_long over a subcommand's argv; '?' after printing a usage error. */
static int next_opt(int argc, char **argv, const struct option *lo, const char *usage)
{
	opterr = 0;
	int c = getopt_long(argc, argv, ":h", lo, NULL);
	if (c == '?') {
		if (optopt && optopt < 256)
			usage_error(usage, "unknown option -%c", optopt);
		else
			usage_error(usage, "unknown option %s", argv[optind - 1]);
	} else if (c == ':') {
		usage_error(usage, "option %s needs a value", argv[optind - 1]);
		c = '?';
	}
	return c;
}

static int parse_format(const char *s, enum fmt *f)
{
	static const char *const names[] = {"text", "csv", "json", "html"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*f = (enum fmt)i;
			return 0;
		}
	return -1;
}

/* ---- the period ---- */

struct period_args {
	const char *month, *from, *to;
};

/* DATE is YYYY-MM-DD, or YYYY-MM for the month's first (end = 0) or last
 * (end = 1) day. */
static int parse_day(const char *s, int end, int32_t *day)
{
	int y, m;
	if (civil_parse_date(s, day) == 0)
		return 0;
	if (strlen(s) != 7 || civil_parse_month(s, &y, &m) < 0)
		return -1;
	*day = end ? civil_days(y, m, civil_month_length(y, m)) : civil_days(y, m, 1);
	return 0;
}

/* Resolve --month / --from / --to; the default is the current month. */
static int period_resolve(const struct period_args *p, const char *usage, int32_t *from,
			  int32_t *to)
{
	int32_t today;
	civil_tz_local((int64_t)time(NULL), &today, NULL, NULL);
	int y, m, d;
	if (p->month && (p->from || p->to))
		return usage_error(usage, "give --month, or --from and --to, not both");
	if (p->month) {
		if (strlen(p->month) != 7 || civil_parse_month(p->month, &y, &m) < 0)
			return usage_error(usage, "--month takes YYYY-MM, not \"%s\"", p->month);
		*from = civil_days(y, m, 1);
		*to = civil_days(y, m, civil_month_length(y, m));
		return 0;
	}
	if (p->from && parse_day(p->from, 0, from) < 0)
		return usage_error(usage, "--from takes a date YYYY-MM-DD or a month YYYY-MM, not \"%s\"",
				   p->from);
	if (p->to && parse_day(p->to, 1, to) < 0)
		return usage_error(usage, "--to takes a date YYYY-MM-DD or a month YYYY-MM, not \"%s\"",
				   p->to);
	civil_from_days(p->to ? *to : today, &y, &m, &d);
	if (!p->from)
		*from = civil_days(y, m, 1);
	if (!p->to) {
		civil_from_days(today, &y, &m, &d);
		*to = civil_days(y, m, civil_month_length(y, m));
	}
	if (*from > *to) {
		if (!p->to)
			return usage_error(usage, "--from %s is after this month; give --to", p->from);
		if (!p->from)
			return usage_error(usage, "--to %s is before this month; give --from", p->to);
		return usage_error(usage, "--from %s is after --to %s", p->from, p->to);
	}
	if (report_month_key(*to) - report_month_key(*from) + 1 > REPORT_MONTHS_MAX)
		return usage_error(usage, "the period is longer than %d months", REPORT_MONTHS_MAX);
	return 0;
}

static void period_text(int32_t from, int32_t to, char *buf, size_t n)
{
	char a[11], b[11];
	civil_format_date(from, a);
	civil_format_date(to, b);
	snprintf(buf, n, "%s to %s", a, b);
}

/* ---- output helpers ---- */

/* Seconds with at most three decimals, trailing zeros dropped. */
static void seconds_text(double s, char *buf, size_t n)
{
	snprintf(buf, n, "%.3f", s);
	char *dot = strchr(buf, '.');
	if (!dot)
		return;
	char *e = buf + strlen(buf) - 1;
	while (e > dot && *e == '0')
		*e-- = '\0';
	if (e == dot)
		*e = '\0';
}

static void hms(double s, char *buf, size_t n)
{
	long t = (long)(s + 0.5);
	snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}




/* Text for HTML (and XML: only the five predefined entities are used);
 * control bytes and invalid UTF-8 become U+FFFD. */
static void html_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\n' || c == '\t')
			fputc(' ', f);
		else if (c < 0x20 || c == 0x7f)
			fputs("\xef\xbf\xbd", f);
		else if (c >= 0x80) {
			size_t n = utf8_seq_len(p);
			if (n) {
				fwrite(p, 1, n, f);
				p += n;
				continue;
			}
			fputs("\xef\xbf\xbd", f);
		} else
			fputc((int)c, f);
		p++;
	}
}

/* Text on one line (terminal tables). */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* "Tiếng Việt" heading with the English beneath. */
static void html_heading(FILE *f, const char *tag, const char *vi, const char *en)
{
	fprintf(f, "<%s>", tag);
	html_str(f, vi);
	fputs("<span class=\"en\">", f);
	html_str(f, en);
	fprintf(f, "</span></%s>\n", tag);
}

static void html_th(FILE *f, const char *vi, const char *en)
{
	fputs("<th>", f);
	html_str(f, vi);
	fputs("<span class=\"en\">", f);
	html_str(f, en);
	fputs("</span></th>", f);
}

static const char html_css[] =
	"body{font-family:'Noto Sans','DejaVu Sans',Arial,sans-serif;font-size:14px;color:#1b1b1b;"
	"margin:24px auto;max-width:1040px;padding:0 16px;line-height:1.4}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:2px solid #1d4e89;"
	"padding-bottom:3px;color:#1d4e89}h3{font-size:15px;margin:16px 0 4px}"
	".en{display:block;font-size:11px;font-weight:normal;color:#666;font-style:italic}"
	"h1 .en{font-size:14px}"
	"table{border-collapse:collapse;width:100%;margin:6px 0 10px}"
	"th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}"
	"th{background:#e8eef6;font-size:12px}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".ok{color:#11632a;font-weight:bold}.bad{color:#a11;font-weight:bold}"
	".badge{display:inline-block;padding:4px 10px;border-radius:4px;font-weight:bold}"
	".badge.ok{background:#dff3e4;border:1px solid #11632a}.badge.bad{background:#fbe3e3;border:1px solid #a11}"
	"dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:6px 0}"
	"dt{font-weight:bold}dd{margin:0}"
	".legend span{display:inline-block;margin-right:18px;font-size:12px}"
	".sw{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px}"
	".note{font-size:12px;color:#555}.mono{font-family:'DejaVu Sans Mono',monospace;font-size:12px;"
	"word-break:break-all}"
	".bar{background:#e5e5e5;height:10px;width:120px;display:inline-block;vertical-align:middle}"
	".bar i{display:block;height:10px;background:#2e8b57}"
	"svg{display:block;margin:4px 0 12px}"
	"@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}"
	"table,svg,.chart{break-inside:avoid}a{color:inherit;text-decoration:none}}";

static void html_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
	      f);
	html_str(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", html_css);
}

static void html_end(FILE *f, int64_t now)
{
	char ts[32];
	civil_tz_format(now, ts);
	fprintf(f, "<p class=\"note\">Tạo bởi loaxactl lúc %s<span class=\"en\">Generated by loaxactl at %s</span></p>\n</body>\n</html>\n",
		ts, ts);
}

/* ---- loaxactl report ---- */

struct rep_ctx {
	const struct station *st;
	const char *journal;
	struct report *rep;
	struct station_scan scan;
	int scan_rc;
	int32_t from, to;
	int64_t now;
	const struct report_row *rows;
	size_t nrows;
};

static void print_problem(void *ctx, const char *file, size_t line, const char *what)
{
	fprintf(stderr, "%s:%zu: %s\n", file, line, what);
}

static int campaign_rows(const struct report_row *w)
{
	return w->campaign[0] != 0;
}

static void target_text(const struct report_row *w, char *buf, size_t n)
{
	if (w->target < 0)
		buf[0] = '\0';
	else
		snprintf(buf, n, "%d", w->target);
}

/* Totals per campaign over the period (6-monthly and yearly summaries). */
struct camp_total {
	const char *id, *title;
	struct report_count c;
	int months, months_target, months_met, months_unknown;
};

static size_t totals(const struct report_row *rows, size_t n, struct camp_total **out)
{
	struct camp_total *t = xcalloc(n + 1, sizeof(*t));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct report_row *w = &rows[i];
		if (!campaign_rows(w))
			continue;
		size_t j;
		for (j = 0; j < k && strcmp(t[j].id, w->campaign); j++)
			;
		if (j == k) {
			t[k].id = w->campaign;
			t[k].title = w->title;
			k++;
		}
		if (w->title[0])
			t[j].title = w->title;
		t[j].c.scheduled += w->c.scheduled;
		for (int o = 0; o < OUT__N; o++)
			t[j].c.n[o] += w->c.n[o];
		t[j].c.manual += w->c.manual;
		t[j].c.airtime += w->c.airtime;
		t[j].months++;
		if (w->target < 0)
			t[j].months_unknown++;
		else if (w->target > 0 && w->in_schedule) {
			t[j].months_target++;
			t[j].months_met += w->met;
		}
	}
	*out = t;
	return k;
}

/* Months of the period in which the journal has no record at all. */
static int uncovered(const struct rep_ctx *x, char *buf, size_t n)
{
	int k = 0;
	size_t l = 0;
	buf[0] = '\0';
	if (x->scan_rc < 0)
		return 0;
	int fm = report_first_month(x->rep);
	for (int m = fm; m < fm + report_nmonths(x->rep); m++) {
		if (report_month_covered(x->rep, m))
			continue;
		char t[8];
		report_month_text(m, t);
		if (l + 10 < n)
			l += (size_t)snprintf(buf + l, n - l, "%s%s", k ? " " : "", t);
		k++;
	}
	return k;
}

static void report_text(struct rep_ctx *x)
{
	const struct report_station *in = report_station_info(x->rep);
	char per[64];
	period_text(x->from, x->to, per, sizeof(per));
	printf("Báo cáo phát thanh / broadcast report\n");
	printf("station   %s (%s), commune %s, district %s\n", x->st->name, x->st->id,
	       x->st->commune_code, x->st->district_code[0] ? x->st->district_code : "-");
	if (in->station[0] && (strcmp(in->station, x->st->id) || strcmp(in->commune, x->st->commune_code)))
		printf("          the journal is station %s, commune %s\n", in->station, in->commune);
	printf("period    %s (%d month%s)\n", per, report_nmonths(x->rep),
	       report_nmonths(x->rep) == 1 ? "" : "s");
	if (x->scan_rc < 0)
		printf("journal   %s\n", x->scan.error);
	else
		printf("journal   %s: %zu records in %zu files, hash chain %s%s%s\n", x->journal,
		       x->scan.records, x->scan.files, x->scan.chain_ok ? "verified" : "NOT VERIFIED: ",
		       x->scan.chain_ok ? "" : x->scan.first_bad,
		       x->scan.begins_linked ? " (begins after the first month: not checked before it)" : "");
	for (size_t i = 0; i < report_nscheds(x->rep); i++) {
		const struct report_sched *s = report_sched(x->rep, i);
		char t[32];
		civil_format_iso_offset(s->from, s->from_off, t);
		printf("schedule  serial %lld from %.16s%s%.12s%s\n", s->serial, t,
		       s->sha256[0] ? ", SHA-256 " : "", s->sha256,
		       s->s ? "" : "  (NOT AVAILABLE: targets unknown)");
	}
	if (x->scan.sched_missing)
		printf("          %s\n", x->scan.sched_problem);
	char gaps[256];
	if (uncovered(x, gaps, sizeof(gaps)))
		printf("          no record at all in %s (station not running, or files missing)\n", gaps);

	putchar('\n');
	printf("%-7s  %-20s  %6s  %5s  %5s  %5s  %5s  %5s  %5s  %9s  %s\n", "MONTH", "CAMPAIGN",
	       "TARGET", "SCHED", "AIRED", "PART", "INTR", "FAIL", "MISS", "AIRTIME", "MET");
	size_t shown = 0;
	for (size_t i = 0; i < x->nrows; i++) {
		const struct report_row *w = &x->rows[i];
		if (!campaign_rows(w))
			continue;
		char m[8], tg[16], at[32];
		report_month_text(w->month, m);
		target_text(w, tg, sizeof(tg));
		hms(w->c.airtime, at, sizeof(at));
		printf("%-7s  %-20s  %6s  %5u  %5u  %5u  %5u  %5u  %5u  %9s  %s%s\n", m, w->campaign,
		       tg[0] ? tg : "?", w->c.scheduled, w->c.n[OUT_AIRED], w->c.n[OUT_PARTIAL],
		       w->c.n[OUT_INTERRUPTED], w->c.n[OUT_FAILED], w->c.n[OUT_MISSED], at,
		       w->met ? "yes" : "no",
		       w->target < 0 ? " (target unknown)" : w->partial_month ? " (part of the month)" : "");
		shown++;
	}
	if (!shown)
		printf("(no campaign scheduled or broadcast in the period)\n");

	struct camp_total *t;
	size_t nt = totals(x->rows, x->nrows, &t);
	if (report_nmonths(x->rep) > 1 && nt) {
		printf("\nTotals for the period (tổng hợp kỳ báo cáo):\n");
		printf("%-20s  %6s  %9s  %6s  %6s  %6s  %6s  %6s  %9s\n", "CAMPAIGN", "MONTHS", "MET",
		       "SCHED", "AIRED", "PART", "FAIL", "MISS", "AIRTIME");
		for (size_t i = 0; i < nt; i++) {
			char met[32], at[32];
			snprintf(met, sizeof(met), "%d/%d", t[i].months_met, t[i].months_target);
			hms(t[i].c.airtime, at, sizeof(at));
			printf("%-20s  %6d  %9s  %6u  %6u  %6u  %6u  %6u  %9s\n", t[i].id, t[i].months, met,
			       t[i].c.scheduled, t[i].c.n[OUT_AIRED],
			       t[i].c.n[OUT_PARTIAL] + t[i].c.n[OUT_INTERRUPTED], t[i].c.n[OUT_FAILED],
			       t[i].c.n[OUT_MISSED], at);
		}
	}
	free(t);

	const struct report_bulletin *b;
	size_t nb = report_bulletins(x->rep, &b);
	if (nb) {
		printf("\nBy bulletin (theo bản tin):\n%-24s  %-20s  %6s  %6s  %9s\n", "BULLETIN",
		       "CAMPAIGN", "PLAYS", "AIRED", "SECONDS");
		for (size_t i = 0; i < nb; i++) {
			char s[32];
			seconds_text(b[i].seconds, s, sizeof(s));
			printf("%-24s  %-20s  %6u  %6u  %9s\n", b[i].id, b[i].campaign[0] ? b[i].campaign : "-",
			       b[i].plays, b[i].aired, s);
		}
	}
	int other = 0;
	for (size_t i = 0; i < x->nrows; i++) {
		const struct report_row *w = &x->rows[i];
		if (campaign_rows(w))
			continue;
		char m[8];
		report_month_text(w->month, m);
		unsigned all = 0;
		for (int o = 0; o < OUT__N; o++)
			all += w->c.n[o];
		printf("%s%s: %u broadcast%s of no campaign (%u aired)\n", other++ ? "" : "\n", m, all,
		       all == 1 ? "" : "s", w->c.n[OUT_AIRED]);
	}
	const struct report_notaired *na;
	size_t more, nn = report_notaired(x->rep, &na, &more);
	if (nn) {
		printf("\nNot aired (không phát được):\n");
		for (size_t i = 0; i < nn; i++) {
			char due[32], d[sizeof(na[i].detail)];
			civil_format_iso_offset(na[i].due, na[i].due_off, due);
			due[10] = ' ';
			due[16] = '\0';
			str_copy(d, na[i].detail, sizeof(d));
			one_line(d);
			printf("%s  %-11s  %-20s  %-16s  %s\n", due, outcome_name(na[i].outcome),
			       na[i].bulletin[0] ? na[i].bulletin : "-",
			       na[i].campaign[0] ? na[i].campaign : "-", d);
		}
		if (more)
			printf("... and %zu more\n", more);
	}
}

static void report_csv(struct rep_ctx *x)
{
	const struct report_station *in = report_station_info(x->rep);
	const char *sid = in->station[0] ? in->station : x->st->id;
	const char *com = in->commune[0] ? in->commune : x->st->commune_code;
	puts(REPORT_CSV_HEADER);
	for (size_t i = 0; i < x->nrows; i++) {
		const struct report_row *w = &x->rows[i];
		if (!campaign_rows(w))
			continue;
		char m[8], tg[16], at[32];
		report_month_text(w->month, m);
		target_text(w, tg, sizeof(tg));
		seconds_text(w->c.airtime, at, sizeof(at));
		out_csv_field(stdout, sid);
		putchar(',');
		out_csv_field(stdout, com);
		putchar(',');
		out_csv_field(stdout, w->campaign);
		printf(",%s,%s,%u,%u,%u,%u,%u,%u,%s,%s\n", m, tg, w->c.scheduled, w->c.n[OUT_AIRED],
		       w->c.n[OUT_PARTIAL], w->c.n[OUT_INTERRUPTED], w->c.n[OUT_FAILED],
		       w->c.n[OUT_MISSED], at, w->met ? "yes" : "no");
	}
}

static void json_counts(FILE *f, const struct report_count *c)
{
	char at[32];
	seconds_text(c->airtime, at, sizeof(at));
	fprintf(f, "\"scheduled\": %u, \"aired\": %u, \"partial\": %u, \"interrupted\": %u, "
		   "\"failed\": %u, \"missed\": %u, \"manual\": %u, \"airtime_seconds\": %s",
		c->scheduled, c->n[OUT_AIRED], c->n[OUT_PARTIAL], c->n[OUT_INTERRUPTED],
		c->n[OUT_FAILED], c->n[OUT_MISSED], c->manual, at);
}

static void json_kv(FILE *f, const char *k, const char *v, int comma)
{
	fprintf(f, "%s\"%s\": ", comma ? ", " : "", k);
	out_json_string(f, v);
}

static void report_json(struct rep_ctx *x)
{
	FILE *f = stdout;
	const struct report_station *in = report_station_info(x->rep);
	char a[11], b[11];
	civil_format_date(x->from, a);
	civil_format_date(x->to, b);
	fputs("{\n  \"station\": {", f);
	json_kv(f, "station_id", in->station[0] ? in->station : x->st->id, 0);
	json_kv(f, "commune_code", in->commune[0] ? in->commune : x->st->commune_code, 1);
	json_kv(f, "district_code", x->st->district_code, 1);
	json_kv(f, "name", x->st->name, 1);
	json_kv(f, "timezone", x->st->timezone, 1);
	fputs("},\n  \"period\": {", f);
	json_kv(f, "from", a, 0);
	json_kv(f, "to", b, 1);
	fprintf(f, ", \"months\": %d},\n  \"journal\": {", report_nmonths(x->rep));
	json_kv(f, "folder", x->journal, 0);
	fprintf(f, ", \"readable\": %s, \"verified\": %s, \"records\": %zu, \"files\": %zu, "
		   "\"problems\": %zu, \"begins_linked\": %s",
		x->scan_rc == 0 ? "true" : "false", x->scan_rc == 0 && x->scan.chain_ok ? "true" : "false",
		x->scan.records, x->scan.files, x->scan.problems,
		x->scan.begins_linked ? "true" : "false");
	json_kv(f, "first_problem", x->scan_rc < 0 ? x->scan.error : x->scan.first_bad, 1);
	json_kv(f, "head", x->scan_rc == 0 ? x->scan.head : "", 1);
	char gaps[256];
	uncovered(x, gaps, sizeof(gaps));
	fputs(", \"months_without_records\": [", f);
	for (char *p = gaps, *sp; *p; p = sp ? sp + 1 : p + strlen(p)) {
		sp = strchr(p, ' ');
		fprintf(f, "%s\"%.*s\"", p == gaps ? "" : ", ", sp ? (int)(sp - p) : (int)strlen(p), p);
	}
	fputs("]},\n  \"schedules\": [", f);
	for (size_t i = 0; i < report_nscheds(x->rep); i++) {
		const struct report_sched *s = report_sched(x->rep, i);
		char t[32];
		civil_format_iso_offset(s->from, s->from_off, t);
		fprintf(f, "%s\n    {\"serial\": %lld", i ? "," : "", s->serial);
		json_kv(f, "sha256", s->sha256, 1);
		json_kv(f, "from", t, 1);
		fprintf(f, ", \"available\": %s}", s->s ? "true" : "false");
	}
	fputs(report_nscheds(x->rep) ? "\n  ],\n  \"months\": [" : "],\n  \"months\": [", f);
	size_t k = 0;
	for (size_t i = 0; i < x->nrows; i++) {
		const struct report_row *w = &x->rows[i];
		if (!campaign_rows(w))
			continue;
		char m[8];
		report_month_text(w->month, m);
		fputs(k++ ? ",\n    {" : "\n    {", f);
		json_kv(f, "campaign_id", w->campaign, 0);
		json_kv(f, "title", w->title, 1);
		json_kv(f, "month", m, 1);
		if (w->target < 0)
			fputs(", \"target\": null, ", f);
		else
			fprintf(f, ", \"target\": %d, ", w->target);
		json_counts(f, &w->c);
		fprintf(f, ", \"target_met\": %s, \"in_schedule\": %s, \"part_of_month\": %s}",
			w->met ? "true" : "false", w->in_schedule ? "true" : "false",
			w->partial_month ? "true" : "false");
	}
	fputs(k ? "\n  ],\n  \"totals\": [" : "],\n  \"totals\": [", f);
	struct camp_total *t;
	size_t nt = totals(x->rows, x->nrows, &t);
	for (size_t i = 0; i < nt; i++) {
		fputs(i ? ",\n    {" : "\n    {", f);
		json_kv(f, "campaign_id", t[i].id, 0);
		json_kv(f, "title", t[i].title, 1);
		fprintf(f, ", \"months\": %d, \"months_with_target\": %d, \"months_met\": %d, "
			   "\"months_target_unknown\": %d, ",
			t[i].months, t[i].months_target, t[i].months_met, t[i].months_unknown);
		json_counts(f, &t[i].c);
		fputc('}', f);
	}
	free(t);
	fputs(nt ? "\n  ],\n  \"bulletins\": [" : "],\n  \"bulletins\": [", f);
	const struct report_bulletin *bu;
	size_t nb = report_bulletins(x->rep, &bu);
	for (size_t i = 0; i < nb; i++) {
		char s[32];
		seconds_text(bu[i].seconds, s, sizeof(s));
		fputs(i ? ",\n    {" : "\n    {", f);
		json_kv(f, "bulletin_id", bu[i].id, 0);
		json_kv(f, "campaign_id", bu[i].campaign, 1);
		fprintf(f, ", \"plays\": %u, \"aired\": %u, \"seconds\": %s}", bu[i].plays, bu[i].aired, s);
	}
	fputs(nb ? "\n  ],\n  \"not_aired\": [" : "],\n  \"not_aired\": [", f);
	const struct report_notaired *na;
	size_t more, nn = report_notaired(x->rep, &na, &more);
	for (size_t i = 0; i < nn; i++) {
		char due[32];
		civil_format_iso_offset(na[i].due, na[i].due_off, due);
		fputs(i ? ",\n    {" : "\n    {", f);
		json_kv(f, "occurrence", na[i].occurrence, 0);
		json_kv(f, "due", due, 1);
		json_kv(f, "bulletin_id", na[i].bulletin, 1);
		json_kv(f, "campaign_id", na[i].campaign, 1);
		json_kv(f, "outcome", outcome_name(na[i].outcome), 1);
		json_kv(f, "detail", na[i].detail, 1);
		fputc('}', f);
	}
	fprintf(f, "%s],\n  \"not_aired_not_listed\": %zu\n}\n", nn ? "\n  " : "", more);
}

/* ---- the HTML chart ---- */

static unsigned nice_step(unsigned max)
{
	static const unsigned steps[] = {1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000};
	for (size_t i = 0; i < ARRAY_LEN(steps); i++)
		if (max / steps[i] <= 4)
			return steps[i];
	return max / 4 + 1;
}

/* One campaign: per-day bars (scheduled, aired) above, and the month's
 * running total of aired against the target line below. */
static void svg_campaign(FILE *f, struct rep_ctx *x, const char *camp)
{
	size_t nd;
	const struct report_day *d = report_daily(x->rep, camp, &nd);
	if (!d || !nd)
		return;
	const double W = 1000, L = 46, R = 14, T1 = 16, H1 = 120, GAP = 44, H2 = 150, B = 30;
	const double pw = W - L - R, bw = pw / (double)nd;
	const double T2 = T1 + H1 + GAP, H = T2 + H2 + B;
	/* Targets per day from the month rows. */
	int *target = xcalloc(nd, sizeof(*target));
	unsigned max1 = 1, max2 = 1, cs = 0, ca = 0, prev_m = 0;
	for (size_t i = 0; i < nd; i++) {
		int key = report_month_key(x->from + (int32_t)i);
		target[i] = 0;
		for (size_t k = 0; k < x->nrows; k++)
			if (x->rows[k].month == key && !strcmp(x->rows[k].campaign, camp) &&
			    x->rows[k].in_schedule)
				target[i] = x->rows[k].target > 0 ? x->rows[k].target : 0;
		if (i == 0 || (unsigned)key != prev_m)
			cs = ca = 0;
		prev_m = (unsigned)key;
		cs += d[i].scheduled;
		ca += d[i].aired;
		if (d[i].scheduled > max1)
			max1 = d[i].scheduled;
		if (d[i].aired > max1)
			max1 = d[i].aired;
		if (cs > max2)
			max2 = cs;
		if (ca > max2)
			max2 = ca;
		if ((unsigned)target[i] > max2)
			max2 = (unsigned)target[i];
	}
	unsigned s1 = nice_step(max1), s2 = nice_step(max2);
	max1 = (max1 + s1 - 1) / s1 * s1;
	max2 = (max2 + s2 - 1) / s2 * s2 + (max2 % s2 == 0 ? s2 : 0);

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
		   "role=\"img\" aria-label=\"",
		W, H);
	html_str(f, camp);
	fputs(": aired vs scheduled per day\" font-family=\"sans-serif\" font-size=\"11\">\n", f);
	/* grids and axes */
	for (unsigned v = 0; v <= max1; v += s1) {
		double y = T1 + H1 - H1 * v / max1;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%u</text>\n",
			L, y, W - R, y, L - 5, y + 4, v);
	}
	for (unsigned v = 0; v <= max2; v += s2) {
		double y = T2 + H2 - H2 * v / max2;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%u</text>\n",
			L, y, W - R, y, L - 5, y + 4, v);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\" fill=\"#333\">Theo ngày: theo lịch và đã phát (per day: scheduled and aired)</text>\n",
		L, T1 - 4);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\" fill=\"#333\">Lũy kế trong tháng so với chỉ tiêu (running total in the month vs target)</text>\n",
		L, T2 - 6);
	/* bars */
	for (size_t i = 0; i < nd; i++) {
		double x0 = L + bw * (double)i;
		if (d[i].scheduled) {
			double h = H1 * d[i].scheduled / max1;
			fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#c9d3df\"/>\n",
				x0 + bw * 0.08, T1 + H1 - h, bw * 0.84, h);
		}
		if (d[i].aired) {
			double h = H1 * d[i].aired / max1;
			fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#2e8b57\"/>\n",
				x0 + bw * 0.25, T1 + H1 - h, bw * 0.5, h);
		}
	}
	/* day labels and month separators */
	size_t every = nd <= 31 ? 1 : nd <= 62 ? 2 : 0;
	for (size_t i = 0; i < nd; i++) {
		int y, m, dd;
		civil_from_days(x->from + (int32_t)i, &y, &m, &dd);
		double x0 = L + bw * (double)i;
		if (dd == 1 && i > 0)
			fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#888\" stroke-dasharray=\"2 2\"/>\n",
				x0, T1, x0, T2 + H2);
		if ((every && (dd - 1) % (int)every == 0) || (!every && dd == 1))
			fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"#555\">%s%d</text>\n",
				every ? x0 + bw / 2 : x0 + 2, T2 + H2 + 14, every ? "middle" : "start",
				every ? "" : "T", every ? dd : m);
	}
	/* running totals and the target line, one segment per month */
	size_t start = 0;
	while (start < nd) {
		int key = report_month_key(x->from + (int32_t)start);
		size_t end = start;
		while (end < nd && report_month_key(x->from + (int32_t)end) == key)
			end++;
		unsigned a = 0, s = 0;
		fputs("<polyline fill=\"none\" stroke=\"#8a9bb0\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\" points=\"", f);
		for (size_t i = start; i < end; i++) {
			double y0 = T2 + H2 - H2 * s / max2;
			s += d[i].scheduled;
			double y1 = T2 + H2 - H2 * s / max2;
			fprintf(f, "%.2f,%.2f %.2f,%.2f ", L + bw * (double)i, y0, L + bw * (double)(i + 1), y1);
		}
		fputs("\"/>\n<polyline fill=\"none\" stroke=\"#2e8b57\" stroke-width=\"2.5\" points=\"", f);
		for (size_t i = start; i < end; i++) {
			double y0 = T2 + H2 - H2 * a / max2;
			a += d[i].aired;
			double y1 = T2 + H2 - H2 * a / max2;
			fprintf(f, "%.2f,%.2f %.2f,%.2f ", L + bw * (double)i, y0, L + bw * (double)(i + 1), y1);
		}
		fputs("\"/>\n", f);
		if (target[start] > 0) {
			double y = T2 + H2 - H2 * target[start] / max2;
			fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#c0392b\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
				   "<text x=\"%.2f\" y=\"%.2f\" fill=\"#c0392b\" text-anchor=\"end\">%s %d</text>\n",
				L + bw * (double)start, y, L + bw * (double)end, y, L + bw * (double)end - 3,
				y - 4, a >= (unsigned)target[start] ? "✓" : "✗", target[start]);
		}
		start = end;
	}
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
		   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n</svg>\n",
		L, T1 + H1, W - R, T1 + H1, L, T2 + H2, W - R, T2 + H2);
	free(target);
}

static void report_html(struct rep_ctx *x)
{
	FILE *f = stdout;
	const struct report_station *in = report_station_info(x->rep);
	char per[64], title[512];
	period_text(x->from, x->to, per, sizeof(per));
	snprintf(title, sizeof(title), "Báo cáo phát thanh — %s — %s", x->st->name, per);
	html_begin(f, title);
	fputs("<h1>Báo cáo kết quả phát thanh tuyên truyền<span class=\"en\">Broadcast report against the plan's targets</span></h1>\n", f);
	fputs("<p>", f);
	html_str(f, x->st->name);
	fputs(" — ", f);
	html_str(f, per);
	fputs("</p>\n", f);

	html_heading(f, "h2", "Thông tin đài", "Station");
	fputs("<dl>\n<dt>Tên đài <span class=\"en\">Name</span></dt><dd>", f);
	html_str(f, x->st->name);
	fputs("</dd>\n<dt>Mã đài <span class=\"en\">Station id</span></dt><dd>", f);
	html_str(f, x->st->id);
	fputs("</dd>\n<dt>Mã xã <span class=\"en\">Commune code</span></dt><dd>", f);
	html_str(f, x->st->commune_code);
	fputs("</dd>\n<dt>Mã huyện <span class=\"en\">District code</span></dt><dd>", f);
	html_str(f, x->st->district_code[0] ? x->st->district_code : "—");
	fputs("</dd>\n<dt>Kỳ báo cáo <span class=\"en\">Period</span></dt><dd>", f);
	html_str(f, per);
	fputs(" (", f);
	html_str(f, x->st->timezone);
	fputs(")</dd>\n", f);
	if (in->station[0] && (strcmp(in->station, x->st->id) || strcmp(in->commune, x->st->commune_code))) {
		fputs("<dt>Nhật ký của <span class=\"en\">Journal belongs to</span></dt><dd class=\"bad\">", f);
		html_str(f, in->station);
		fputs(" / ", f);
		html_str(f, in->commune);
		fputs("</dd>\n", f);
	}
	fputs("</dl>\n", f);

	html_heading(f, "h2", "Tính toàn vẹn của nhật ký", "Journal integrity (hash chain)");
	int ok = x->scan_rc == 0 && x->scan.chain_ok;
	fprintf(f, "<p><span class=\"badge %s\">%s<span class=\"en\">%s</span></span></p>\n",
		ok ? "ok" : "bad",
		ok ? "Chuỗi băm hợp lệ: nhật ký không bị sửa" : "Chuỗi băm KHÔNG hợp lệ",
		ok ? "Hash chain verified: no line edited, deleted or reordered"
		   : "Hash chain NOT verified");
	fputs("<dl>\n<dt>Thư mục <span class=\"en\">Folder</span></dt><dd class=\"mono\">", f);
	html_str(f, x->journal);
	fprintf(f, "</dd>\n<dt>Bản ghi <span class=\"en\">Records</span></dt><dd>%zu (%zu files)</dd>\n",
		x->scan.records, x->scan.files);
	if (x->scan_rc == 0) {
		fputs("<dt>Mã băm cuối <span class=\"en\">Chain head</span></dt><dd class=\"mono\">", f);
		html_str(f, x->scan.head);
		fputs("</dd>\n", f);
	}
	if (!ok) {
		fputs("<dt>Lỗi đầu tiên <span class=\"en\">First problem</span></dt><dd class=\"bad mono\">", f);
		html_str(f, x->scan_rc < 0 ? x->scan.error : x->scan.first_bad);
		fputs("</dd>\n", f);
	}
	fputs("</dl>\n", f);
	char gaps[256];
	if (uncovered(x, gaps, sizeof(gaps))) {
		fputs("<p class=\"bad\">Không có bản ghi nào trong tháng: ", f);
		html_str(f, gaps);
		fputs("<span class=\"en\">No record at all in these months (station not running, or files missing)</span></p>\n", f);
	}
	if (x->scan.begins_linked)
		fputs("<p class=\"note\">Thư mục bắt đầu sau tháng đầu tiên của nhật ký; phần trước không được kiểm tra.<span class=\"en\">The folder begins after the journal's first month; what came before is not checked.</span></p>\n", f);
	fputs("<p class=\"note\">Ghi chú: chuỗi băm không chứng minh rằng không có dòng nào bị cắt ở cuối; hãy so sánh mã băm cuối với lần kiểm tra trước.<span class=\"en\">The chain cannot show lines cut off the end: compare the chain head with the one noted at the previous visit.</span></p>\n", f);

	html_heading(f, "h2", "Lịch phát đã áp dụng", "Schedules in force");
	fputs("<table>\n<tr>", f);
	html_th(f, "Số hiệu", "Serial");
	html_th(f, "Áp dụng từ", "In force from");
	html_th(f, "SHA-256", "SHA-256");
	html_th(f, "Tình trạng", "Status");
	fputs("</tr>\n", f);
	for (size_t i = 0; i < report_nscheds(x->rep); i++) {
		const struct report_sched *s = report_sched(x->rep, i);
		char t[32];
		civil_format_iso_offset(s->from, s->from_off, t);
		fprintf(f, "<tr><td>%lld</td><td>%s</td><td class=\"mono\">%.16s</td><td class=\"%s\">%s</td></tr>\n",
			s->serial, t, s->sha256[0] ? s->sha256 : "—", s->s ? "ok" : "bad",
			s->s ? "có (available)" : "không có: chỉ tiêu không rõ (not available: targets unknown)");
	}
	if (!report_nscheds(x->rep))
		fputs("<tr><td colspan=\"4\">Nhật ký không ghi lịch nào (the journal records no schedule)</td></tr>\n", f);
	fputs("</table>\n", f);

	html_heading(f, "h2", "Kết quả theo chiến dịch và tháng", "Results by campaign and month");
	fputs("<table>\n<tr>", f);
	html_th(f, "Tháng", "Month");
	html_th(f, "Chiến dịch", "Campaign");
	html_th(f, "Chỉ tiêu", "Target");
	html_th(f, "Theo lịch", "Scheduled");
	for (int o = 0; o < OUT__N; o++)
		html_th(f, outcome_vi[o], outcome_name((enum outcome)o));
	html_th(f, "Thời lượng", "Airtime");
	html_th(f, "Đạt chỉ tiêu", "Target met");
	fputs("</tr>\n", f);
	size_t shown = 0;
	for (size_t i = 0; i < x->nrows; i++) {
		const struct report_row *w = &x->rows[i];
		if (!campaign_rows(w))
			continue;
		char m[8], tg[16], at[32];
		report_month_text(w->month, m);
		target_text(w, tg, sizeof(tg));
		hms(w->c.airtime, at, sizeof(at));
		fprintf(f, "<tr><td>%s%s</td><td>", m, w->partial_month ? "*" : "");
		html_str(f, w->campaign);
		if (w->title[0]) {
			fputs("<span class=\"en\">", f);
			html_str(f, w->title);
			fputs("</span>", f);
		}
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%u</td>", tg[0] ? tg : "?",
			w->c.scheduled);
		for (int o = 0; o < OUT__N; o++)
			fprintf(f, "<td class=\"n\">%u</td>", w->c.n[o]);
		fprintf(f, "<td class=\"n\">%s</td><td class=\"%s\">%s</td></tr>\n", at,
			w->met ? "ok" : "bad",
			w->met ? "Đạt (yes)" : w->target < 0 ? "Không rõ (unknown)" : "Không đạt (no)");
		shown++;
	}
	if (!shown)
		fputs("<tr><td colspan=\"11\">Không có chiến dịch nào trong kỳ (no campaign in the period)</td></tr>\n", f);
	fputs("</table>\n<p class=\"note\">Chỉ những buổi “đã phát” (aired) được tính vào chỉ tiêu. * một phần của tháng.<span class=\"en\">Only aired broadcasts count towards a target. * part of the month.</span></p>\n",
	      f);

	struct camp_total *t;
	size_t nt = totals(x->rows, x->nrows, &t);
	if (report_nmonths(x->rep) > 1 && nt) {
		html_heading(f, "h2", "Tổng hợp kỳ báo cáo", "Totals for the period");
		fputs("<table>\n<tr>", f);
		html_th(f, "Chiến dịch", "Campaign");
		html_th(f, "Số tháng đạt", "Months met");
		html_th(f, "Theo lịch", "Scheduled");
		for (int o = 0; o < OUT__N; o++)
			html_th(f, outcome_vi[o], outcome_name((enum outcome)o));
		html_th(f, "Thời lượng", "Airtime");
		fputs("</tr>\n", f);
		for (size_t i = 0; i < nt; i++) {
			char at[32];
			hms(t[i].c.airtime, at, sizeof(at));
			fputs("<tr><td>", f);
			html_str(f, t[i].id);
			fprintf(f, "</td><td class=\"n %s\">%d / %d</td><td class=\"n\">%u</td>",
				t[i].months_met == t[i].months_target && !t[i].months_unknown ? "ok" : "bad",
				t[i].months_met, t[i].months_target, t[i].c.scheduled);
			for (int o = 0; o < OUT__N; o++)
				fprintf(f, "<td class=\"n\">%u</td>", t[i].c.n[o]);
			fprintf(f, "<td class=\"n\">%s</td></tr>\n", at);
		}
		fputs("</table>\n", f);
	}

	html_heading(f, "h2", "Biểu đồ theo ngày", "Daily chart");
	fputs("<p class=\"legend\"><span><i class=\"sw\" style=\"background:#c9d3df\"></i>Theo lịch (scheduled)</span>"
	      "<span><i class=\"sw\" style=\"background:#2e8b57\"></i>Đã phát (aired)</span>"
	      "<span><i class=\"sw\" style=\"background:#c0392b\"></i>Chỉ tiêu tháng (monthly target)</span></p>\n",
	      f);
	for (size_t i = 0; i < nt; i++) {
		fputs("<div class=\"chart\"><h3>", f);
		html_str(f, t[i].id);
		if (t[i].title[0]) {
			fputs("<span class=\"en\">", f);
			html_str(f, t[i].title);
			fputs("</span>", f);
		}
		fputs("</h3>\n", f);
		svg_campaign(f, x, t[i].id);
		fputs("</div>\n", f);
	}
	free(t);

	const struct report_bulletin *b;
	size_t nb = report_bulletins(x->rep, &b);
	if (nb) {
		html_heading(f, "h2", "Theo bản tin", "By bulletin");
		fputs("<table>\n<tr>", f);
		html_th(f, "Bản tin", "Bulletin");
		html_th(f, "Chiến dịch", "Campaign");
		html_th(f, "Lượt phát", "Plays");
		html_th(f, "Đã phát trọn", "Aired");
		html_th(f, "Số giây", "Seconds");
		fputs("</tr>\n", f);
		for (size_t i = 0; i < nb; i++) {
			char s[32];
			seconds_text(b[i].seconds, s, sizeof(s));
			fputs("<tr><td>", f);
			html_str(f, b[i].id);
			fputs("</td><td>", f);
			html_str(f, b[i].campaign[0] ? b[i].campaign : "—");
			fprintf(f, "</td><td class=\"n\">%u</td><td class=\"n\">%u</td><td class=\"n\">%s</td></tr>\n",
				b[i].plays, b[i].aired, s);
		}
		fputs("</table>\n", f);
	}

	html_heading(f, "h2", "Các buổi không phát được và lý do", "Broadcasts that did not air, with reasons");
	const struct report_notaired *na;
	size_t more, nn = report_notaired(x->rep, &na, &more);
	fputs("<table>\n<tr>", f);
	html_th(f, "Giờ phát", "Due");
	html_th(f, "Kết quả", "Outcome");
	html_th(f, "Bản tin", "Bulletin");
	html_th(f, "Chiến dịch", "Campaign");
	html_th(f, "Đã phát / dự kiến (giây)", "Played / expected (s)");
	html_th(f, "Lý do", "Reason");
	fputs("</tr>\n", f);
	for (size_t i = 0; i < nn; i++) {
		char due[32], p[32], e[32];
		civil_format_iso_offset(na[i].due, na[i].due_off, due);
		due[10] = ' ';
		due[16] = '\0';
		seconds_text(na[i].played, p, sizeof(p));
		seconds_text(na[i].expected, e, sizeof(e));
		fprintf(f, "<tr><td>%s</td><td class=\"bad\">%s<span class=\"en\">%s</span></td><td>", due,
			outcome_vi[na[i].outcome], outcome_name(na[i].outcome));
		html_str(f, na[i].bulletin);
		fputs("</td><td>", f);
		html_str(f, na[i].campaign);
		fprintf(f, "</td><td class=\"n\">%s / %s</td><td>", p, e);
		html_str(f, na[i].detail);
		fputs("</td></tr>\n", f);
	}
	if (!nn)
		fputs("<tr><td colspan=\"6\">Không có (none)</td></tr>\n", f);
	fputs("</table>\n", f);
	if (more)
		fprintf(f, "<p class=\"note\">… và %zu buổi khác<span class=\"en\">and %zu more (see loaxactl log)</span></p>\n",
			more, more);
	html_end(f, x->now);
}

int cmd_report(int argc, char **argv, const struct station *st)
{
	static const struct option lo[] = {{"month", required_argument, NULL, 'm'},
					   {"from", required_argument, NULL, 'f'},
					   {"to", required_argument, NULL, 't'},
					   {"format", required_argument, NULL, 'F'},
					   {"journal", required_argument, NULL, 'j'},
					   {"schedule", required_argument, NULL, 's'},
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "[-c FILE] report [--month YYYY-MM | --from DATE --to DATE] "
			    "[--format text|csv|json|html] [--journal DIR] [--schedule FILE]...";
	struct period_args pa = {0};
	enum fmt fmt = FMT_TEXT;
	const char *journal = NULL;
	const char **sched_files = xcalloc((size_t)argc + 1, sizeof(*sched_files));
	size_t nsf = 0;
	int c, rc = EXIT_OK;
	optind = 0;
	while ((c = next_opt(argc, argv, lo, usage)) != -1) {
		switch (c) {
		case 'm': pa.month = optarg; break;
		case 'f': pa.from = optarg; break;
		case 't': pa.to = optarg; break;
		case 'j': journal = optarg; break;
		case 's': sched_files[nsf++] = optarg; break;
		case 'F':
			if (parse_format(optarg, &fmt) < 0) {
				free(sched_files);
				return usage_error(usage, "--format is text, csv, json or html, not \"%s\"", optarg);
			}
			break;
		case 'h':
			free(sched_files);
			printf("usage: loaxactl %s\n", usage);
			return EXIT_OK;
		default:
			free(sched_files);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		free(sched_files);
		return usage_error(usage, "unexpected argument \"%s\"", argv[optind]);
	}
	if (pa.month && strlen(pa.month) == 7 && !(pa.from || pa.to)) {
		int y, m;
		if (civil_parse_month(pa.month, &y, &m) < 0) {
			free(sched_files);
			return usage_error(usage, "--month takes YYYY-MM, not \"%s\"", pa.month);
		}
	}
	if (!st) {
		/* Arguments only; the period needs the station's time zone. */
		int32_t a, b;
		int r = period_resolve(&pa, usage, &a, &b);
		free(sched_files);
		return r == 0 ? -1 : r;
	}

	struct rep_ctx x = {.st = st, .journal = journal ? journal : st->journal,
			    .now = (int64_t)time(NULL)};
	if ((rc = period_resolve(&pa, usage, &x.from, &x.to)) != 0) {
		free(sched_files);
		return rc;
	}
	struct sched_set given = {0}, cache = {0};
	struct errlist errs = {0};
	for (size_t i = 0; i < nsf; i++)
		if (sched_set_load(&given, sched_files[i], &errs) < 0)
			rc = EXIT_FAIL;
	free(sched_files);
	if (rc) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		errlist_free(&errs);
		sched_set_free(&given);
		return rc;
	}
	errlist_free(&errs);

	unsigned flags = REPORT_BULLETINS | REPORT_NOTAIRED | (fmt == FMT_HTML ? REPORT_DAILY : 0);
	x.rep = report_new(x.from, x.to, flags);
	if (!x.rep) {
		sched_set_free(&given);
		return usage_error(usage, "bad period");
	}
	/* A live station's open start is still playing; a copied folder's
	 * will never end. */
	x.scan_rc = rollup_scan_station(x.journal, x.rep, journal != NULL, st->schedule,
					&given, &cache, print_problem, NULL, &x.scan);
	if (x.scan_rc < 0) {
		if (x.scan.absent && !journal)
			fprintf(stderr, "%s: no journal yet at %s: nothing has been recorded\n", PROG, x.journal);
		else {
			errmsg("%s", x.scan.error);
			rc = EXIT_FAIL;
		}
	}
	x.nrows = report_rows(x.rep, &x.rows);
	switch (fmt) {
	case FMT_TEXT: report_text(&x); break;
	case FMT_CSV: report_csv(&x); break;
	case FMT_JSON: report_json(&x); break;
	case FMT_HTML: report_html(&x); break;
	}
	if (x.scan_rc == 0 && !x.scan.chain_ok) {
		errmsg("the journal does NOT verify (first problem: %s); its counts are shown but cannot be relied on",
		       x.scan.first_bad);
		rc = EXIT_FAIL;
	}
	if (x.scan.sched_missing)
		errmsg("%s: pass the schedule with --schedule FILE", x.scan.sched_problem);
	if (fflush(stdout) != 0) {
		errmsg("cannot write the output: %s", strerror(errno));
		rc = EXIT_FAIL;
	}
	report_free(x.rep);
	sched_set_free(&cache);
	sched_set_free(&given);
	return rc;
}

/* ---- loaxactl rollup ---- */

struct roll_ctx {
	struct rollup_station *st;
	size_t n;
	struct rollup_summary *sum;
	size_t nsum, communes;
	int32_t from, to;
	const char *district;
	int64_t now;
};

static const struct rollup_camp *station_camp(const struct rollup_station *s, const char *id)
{
	for (size_t i = 0; i < s->ncamps; i++)
		if (!strcmp(s->camps[i].id, id))
			return &s->camps[i];
	return NULL;
}

static const char *camp_reason(const struct rollup_station *s, const struct rollup_camp *c)
{
	if (!c)
		return "not in this station's schedules";
	if (c->met)
		return "";
	if (!s->counts)
		return c->reason[0] ? c->reason : "station not counted: see its flags";
	return c->reason;
}

static void rollup_text(struct roll_ctx *x)
{
	char per[64];
	period_text(x->from, x->to, per, sizeof(per));
	size_t flagged = 0;
	for (size_t i = 0; i < x->n; i++)
		flagged += !x->st[i].counts;
	printf("Tổng hợp / roll-up %s: %zu station%s, %zu commune%s%s%s, %zu flagged\n", per, x->n,
	       x->n == 1 ? "" : "s", x->communes, x->communes == 1 ? "" : "s",
	       x->district ? ", district " : "", x->district ? x->district : "", flagged);
	printf("\n%-20s  %-18s  %7s\n", "CAMPAIGN", "COMMUNES MEETING", "PERCENT");
	for (size_t j = 0; j < x->nsum; j++) {
		char m[48];
		snprintf(m, sizeof(m), "%zu of %zu", x->sum[j].communes_met, x->sum[j].communes);
		printf("%-20s  %-18s  %6.1f%%\n", x->sum[j].id, m, x->sum[j].percent);
	}
	if (!x->nsum)
		printf("(no campaign in any station's schedules)\n");
	printf("\n%-16s  %-8s  %-8s  ", "STATION", "COMMUNE", "DISTRICT");
	for (size_t j = 0; j < x->nsum; j++)
		printf("%-*s  ", (int)(strlen(x->sum[j].id) > 3 ? strlen(x->sum[j].id) : 3), x->sum[j].id);
	printf("STATUS\n");
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		printf("%-16s  %-8s  %-8s  ", s->station[0] ? s->station : "?",
		       s->commune[0] ? s->commune : "?", s->district[0] ? s->district : "?");
		for (size_t j = 0; j < x->nsum; j++) {
			const struct rollup_camp *c = station_camp(s, x->sum[j].id);
			printf("%-*s  ", (int)(strlen(x->sum[j].id) > 3 ? strlen(x->sum[j].id) : 3),
			       c && c->met ? "yes" : "no");
		}
		printf("%s\n", s->counts ? "ok" : "FLAGGED");
	}
	int any = 0;
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		int head = 0;
		for (size_t j = 0; j < x->nsum + 1; j++) {
			const char *why;
			const char *what;
			if (j == 0) {
				if (s->counts)
					continue;
				what = "NOT COUNTED";
				why = s->flags;
			} else {
				const struct rollup_camp *c = station_camp(s, x->sum[j - 1].id);
				if (c && c->met)
					continue;
				what = x->sum[j - 1].id;
				why = camp_reason(s, c);
			}
			if (!any++)
				printf("\nWhy not (lý do không đạt):\n");
			if (!head++)
				printf("  %s (%s, commune %s):\n", s->station[0] ? s->station : "?", s->dir,
				       s->commune[0] ? s->commune : "?");
			printf("    %s: %s\n", what, why);
		}
	}
}

#define ROLLUP_CSV_HEADER                                                                          \
	"station_id,commune_code,district_code,folder,campaign_id,from,to,target,months_required,"  \
	"months_met,scheduled,aired,partial,interrupted,failed,missed,airtime_seconds,target_met,"   \
	"counted,reason"

static void rollup_csv(struct roll_ctx *x)
{
	char a[11], b[11];
	civil_format_date(x->from, a);
	civil_format_date(x->to, b);
	puts(ROLLUP_CSV_HEADER);
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		for (size_t j = 0; j < x->nsum; j++) {
			const struct rollup_camp *c = station_camp(s, x->sum[j].id);
			struct report_count z = {0};
			const struct report_count *k = c ? &c->total : &z;
			char at[32], why[1600];
			seconds_text(k->airtime, at, sizeof(at));
			out_csv_field(stdout, s->station);
			putchar(',');
			out_csv_field(stdout, s->commune);
			putchar(',');
			out_csv_field(stdout, s->district);
			putchar(',');
			out_csv_field(stdout, s->dir);
			putchar(',');
			out_csv_field(stdout, x->sum[j].id);
			printf(",%s,%s,", a, b);
			if (c && c->target)
				printf("%d", c->target);
			printf(",%d,%d,%u,%u,%u,%u,%u,%u,%s,%s,%s,", c ? c->months_required : 0,
			       c ? c->months_met : 0, k->scheduled, k->n[OUT_AIRED], k->n[OUT_PARTIAL],
			       k->n[OUT_INTERRUPTED], k->n[OUT_FAILED], k->n[OUT_MISSED], at,
			       c && c->met ? "yes" : "no", s->counts ? "yes" : "no");
			if (s->counts)
				snprintf(why, sizeof(why), "%s", camp_reason(s, c));
			else
				snprintf(why, sizeof(why), "not counted: %s", s->flags);
			out_csv_field(stdout, why);
			putchar('\n');
		}
	}
}

static void rollup_json(struct roll_ctx *x)
{
	FILE *f = stdout;
	char a[11], b[11];
	civil_format_date(x->from, a);
	civil_format_date(x->to, b);
	fputs("{\n  \"period\": {", f);
	json_kv(f, "from", a, 0);
	json_kv(f, "to", b, 1);
	fputs("},\n  \"district\": ", f);
	if (x->district)
		out_json_string(f, x->district);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"stations\": %zu,\n  \"communes\": %zu,\n  \"summary\": [", x->n, x->communes);
	for (size_t j = 0; j < x->nsum; j++) {
		fputs(j ? ",\n    {" : "\n    {", f);
		json_kv(f, "campaign_id", x->sum[j].id, 0);
		json_kv(f, "title", x->sum[j].title, 1);
		fprintf(f, ", \"communes\": %zu, \"communes_met\": %zu, \"percent\": %.1f, "
			   "\"stations_flagged\": %zu, \"aired\": %llu, \"scheduled\": %llu}",
			x->sum[j].communes, x->sum[j].communes_met, x->sum[j].percent,
			x->sum[j].stations_flagged, (unsigned long long)x->sum[j].aired,
			(unsigned long long)x->sum[j].scheduled);
	}
	fputs(x->nsum ? "\n  ],\n  \"communes_detail\": [" : "],\n  \"communes_detail\": [", f);
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		fputs(i ? ",\n    {" : "\n    {", f);
		json_kv(f, "station_id", s->station, 0);
		json_kv(f, "commune_code", s->commune, 1);
		json_kv(f, "district_code", s->district, 1);
		json_kv(f, "folder", s->dir, 1);
		fprintf(f, ", \"counted\": %s, \"verified\": %s, \"records\": %zu",
			s->counts ? "true" : "false", s->scan.chain_ok ? "true" : "false", s->scan.records);
		json_kv(f, "flags", s->flags, 1);
		json_kv(f, "head", s->scan.head, 1);
		fputs(", \"campaigns\": [", f);
		for (size_t j = 0; j < x->nsum; j++) {
			const struct rollup_camp *c = station_camp(s, x->sum[j].id);
			fputs(j ? ", {" : "{", f);
			json_kv(f, "campaign_id", x->sum[j].id, 0);
			fprintf(f, ", \"target_met\": %s, \"months_required\": %d, \"months_met\": %d, ",
				c && c->met ? "true" : "false", c ? c->months_required : 0,
				c ? c->months_met : 0);
			struct report_count z = {0};
			json_counts(f, c ? &c->total : &z);
			json_kv(f, "reason", camp_reason(s, c), 1);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs(x->n ? "\n  ]\n}\n" : "]\n}\n", f);
}

static void rollup_html(struct roll_ctx *x)
{
	FILE *f = stdout;
	char per[64], title[256];
	period_text(x->from, x->to, per, sizeof(per));
	snprintf(title, sizeof(title), "Tổng hợp phát thanh — %s%s%s%s", x->district ? "huyện " : "",
		 x->district ? x->district : "", x->district ? " — " : "", per);
	html_begin(f, title);
	fputs("<h1>Tổng hợp kết quả phát thanh tuyên truyền các xã<span class=\"en\">Communes meeting the plan's broadcast targets</span></h1>\n<dl>\n",
	      f);
	fputs("<dt>Kỳ báo cáo <span class=\"en\">Period</span></dt><dd>", f);
	html_str(f, per);
	fputs("</dd>\n<dt>Huyện <span class=\"en\">District</span></dt><dd>", f);
	html_str(f, x->district ? x->district : "— (không kiểm tra / not checked)");
	size_t flagged = 0;
	for (size_t i = 0; i < x->n; i++)
		flagged += !x->st[i].counts;
	fprintf(f, "</dd>\n<dt>Số đài / số xã <span class=\"en\">Stations / communes</span></dt><dd>%zu / %zu</dd>\n"
		   "<dt>Đài bị gắn cờ <span class=\"en\">Stations flagged</span></dt><dd class=\"%s\">%zu</dd>\n</dl>\n",
		x->n, x->communes, flagged ? "bad" : "ok", flagged);

	html_heading(f, "h2", "Tỷ lệ xã đạt chỉ tiêu", "Share of communes meeting each campaign's target");
	fputs("<table>\n<tr>", f);
	html_th(f, "Chiến dịch", "Campaign");
	html_th(f, "Số xã đạt", "Communes meeting");
	html_th(f, "Tỷ lệ", "Percent");
	html_th(f, "Đã phát / theo lịch", "Aired / scheduled");
	fputs("</tr>\n", f);
	for (size_t j = 0; j < x->nsum; j++) {
		fputs("<tr><td>", f);
		html_str(f, x->sum[j].id);
		if (x->sum[j].title[0]) {
			fputs("<span class=\"en\">", f);
			html_str(f, x->sum[j].title);
			fputs("</span>", f);
		}
		fprintf(f, "</td><td class=\"n\">%zu / %zu</td><td><span class=\"bar\"><i style=\"width:%.0f%%\"></i></span> "
			   "<b class=\"%s\">%.1f%%</b></td><td class=\"n\">%llu / %llu</td></tr>\n",
			x->sum[j].communes_met, x->sum[j].communes, x->sum[j].percent,
			x->sum[j].communes_met == x->sum[j].communes ? "ok" : "bad", x->sum[j].percent,
			(unsigned long long)x->sum[j].aired, (unsigned long long)x->sum[j].scheduled);
	}
	if (!x->nsum)
		fputs("<tr><td colspan=\"4\">Không có chiến dịch (no campaign)</td></tr>\n", f);
	fputs("</table>\n", f);

	html_heading(f, "h2", "Chi tiết từng xã", "Each commune");
	fputs("<table>\n<tr>", f);
	html_th(f, "Đài", "Station");
	html_th(f, "Mã xã", "Commune");
	html_th(f, "Huyện", "District");
	for (size_t j = 0; j < x->nsum; j++) {
		fputs("<th>", f);
		html_str(f, x->sum[j].id);
		fputs("</th>", f);
	}
	html_th(f, "Nhật ký", "Journal");
	html_th(f, "Lý do", "Reason");
	fputs("</tr>\n", f);
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		fputs("<tr><td>", f);
		html_str(f, s->station[0] ? s->station : "?");
		fputs("<span class=\"en mono\">", f);
		html_str(f, s->dir);
		fputs("</span></td><td>", f);
		html_str(f, s->commune[0] ? s->commune : "?");
		fputs("</td><td>", f);
		html_str(f, s->district[0] ? s->district : "?");
		fputs("</td>", f);
		for (size_t j = 0; j < x->nsum; j++) {
			const struct rollup_camp *c = station_camp(s, x->sum[j].id);
			int met = c && c->met;
			fprintf(f, "<td class=\"%s\">%s</td>", met ? "ok" : "bad", met ? "✓ Đạt" : "✗ Không");
		}
		fprintf(f, "<td class=\"%s\">%s</td><td>", s->scan.chain_ok ? "ok" : "bad",
			s->scan.chain_ok ? "hợp lệ (verified)" : "KHÔNG hợp lệ (not verified)");
		int lines = 0;
		if (!s->counts) {
			fputs("<b class=\"bad\">Không tính (not counted):</b> ", f);
			html_str(f, s->flags);
			lines++;
		}
		for (size_t j = 0; j < x->nsum; j++) {
			const struct rollup_camp *c = station_camp(s, x->sum[j].id);
			if (c && c->met)
				continue;
			const char *why = camp_reason(s, c);
			if (!*why || (!s->counts && c && !strcmp(why, "station not counted: see its flags")))
				continue;
			if (lines++)
				fputs("<br/>", f);
			html_str(f, x->sum[j].id);
			fputs(": ", f);
			html_str(f, why);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=\"note\">Một đài có nhật ký không hợp lệ, thiếu tháng, hoặc thuộc huyện khác thì không bao giờ được tính là đạt.<span class=\"en\">A station whose journal fails verification, is missing months, or belongs to another district is never counted as meeting a target.</span></p>\n",
	      f);
	html_end(f, x->now);
}

int cmd_rollup(int argc, char **argv)
{
	static const struct option lo[] = {{"month", required_argument, NULL, 'm'},
					   {"from", required_argument, NULL, 'f'},
					   {"to", required_argument, NULL, 't'},
					   {"format", required_argument, NULL, 'F'},
					   {"district", required_argument, NULL, 'd'},
					   {"communes", required_argument, NULL, 'C'},
					   {"schedule", required_argument, NULL, 's'},
					   {"jobs", required_argument, NULL, 'J'},
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "rollup [--month YYYY-MM | --from DATE --to DATE] [--format text|csv|json|html] "
			    "[--district CODE] [--communes FILE] [--schedule FILE]... [--jobs N] DIR...";
	struct period_args pa = {0};
	enum fmt fmt = FMT_TEXT;
	const char *district = NULL, *communes = NULL;
	const char **sched_files = xcalloc((size_t)argc + 1, sizeof(*sched_files));
	size_t nsf = 0;
	long jobs = 0;
	int c, rc = EXIT_OK;
	optind = 0;
	while ((c = next_opt(argc, argv, lo, usage)) != -1) {
		char *end;
		switch (c) {
		case 'm': pa.month = optarg; break;
		case 'f': pa.from = optarg; break;
		case 't': pa.to = optarg; break;
		case 'd': district = optarg; break;
		case 'C': communes = optarg; break;
		case 's': sched_files[nsf++] = optarg; break;
		case 'J':
			errno = 0;
			jobs = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || jobs < 1 || jobs > 64) {
				free(sched_files);
				return usage_error(usage, "--jobs takes a number from 1 to 64, not \"%s\"", optarg);
			}
			break;
		case 'F':
			if (parse_format(optarg, &fmt) < 0) {
				free(sched_files);
				return usage_error(usage, "--format is text, csv, json or html, not \"%s\"", optarg);
			}
			break;
		case 'h':
			free(sched_files);
			printf("usage: loaxactl %s\n", usage);
			return EXIT_OK;
		default:
			free(sched_files);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		free(sched_files);
		return usage_error(usage, "which station folders? give one journal folder per station");
	}
	if (district && !*district) {
		free(sched_files);
		return usage_error(usage, "--district needs a code");
	}
	/* Month boundaries and "now" in the station's zone: Vietnam's, unless
	 * TZ says otherwise. */
	const char *tz = getenv("TZ");
	if ((!tz || !*tz || civil_tz_set(tz[0] == ':' ? tz + 1 : tz) < 0) &&
	    civil_tz_set("Asia/Ho_Chi_Minh") < 0)
		civil_tz_set("UTC");
	struct roll_ctx x = {.district = district, .now = (int64_t)time(NULL)};
	if ((rc = period_resolve(&pa, usage, &x.from, &x.to)) != 0) {
		free(sched_files);
		return rc;
	}

	struct errlist errs = {0};
	struct sched_set given = {0};
	struct commune_map *map = NULL;
	for (size_t i = 0; i < nsf; i++)
		if (sched_set_load(&given, sched_files[i], &errs) < 0)
			rc = EXIT_FAIL;
	if (communes && !(map = commune_map_load(communes, &errs)))
		rc = EXIT_FAIL;
	free(sched_files);
	if (rc) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		errlist_free(&errs);
		sched_set_free(&given);
		commune_map_free(map);
		return rc;
	}
	errlist_free(&errs);

	struct rollup_opts o = {.from_day = x.from, .to_day = x.to, .district = district, .map = map,
				.given = &given, .jobs = (int)jobs};
	x.n = (size_t)(argc - optind);
	if (rollup_run((const char *const *)argv + optind, x.n, &o, &x.st) < 0) {
		errmsg("roll-up failed: %s", strerror(errno));
		sched_set_free(&given);
		commune_map_free(map);
		return EXIT_FAIL;
	}
	x.nsum = rollup_summarise(x.st, x.n, &x.sum, &x.communes);
	switch (fmt) {
	case FMT_TEXT: rollup_text(&x); break;
	case FMT_CSV: rollup_csv(&x); break;
	case FMT_JSON: rollup_json(&x); break;
	case FMT_HTML: rollup_html(&x); break;
	}
	for (size_t i = 0; i < x.n; i++)
		if (!x.st[i].counts)
			fprintf(stderr, "%s: %s (%s): not counted: %s\n", PROG,
				x.st[i].station[0] ? x.st[i].station : "?", x.st[i].dir, x.st[i].flags);
	if (fflush(stdout) != 0) {
		errmsg("cannot write the output: %s", strerror(errno));
		rc = EXIT_FAIL;
	}
	free(x.sum);
	rollup_free(x.st, x.n);
	sched_set_free(&given);
	commune_map_free(map);
	return rc;
}
