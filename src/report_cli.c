/* loaxactl report and loaxactl rollup: option parsing and the renderings
 * (text for the terminal, CSV and JSON for other tools, one self-contained
 * HTML page for a district officer to open, print or e-mail). Counting is
 * report.c's, reading folders rollup.c's; this file only presents. */
#include "report_cli.h"
#include "i18n.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asrun.h"
#include "civil.h"
#include "jfolder.h"
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
/* After the documented columns, so that the documented header stays a prefix. */
#define REPORT_CSV_EXTRA ",campaign_title,station_name,commune_name,unheard"

enum fmt { FMT_TEXT, FMT_CSV, FMT_JSON, FMT_HTML, FMT_PDF };

/* Vietnamese beside the English (the journal's outcome names stay English). */
/* issue 12: a bulletin's origin, as `bulletin list` shows it:
 * "signed:KEYID", "local", "signed+local" or "unknown". */
static void origin_text(const struct report_bulletin *b, char *out, size_t n)
{
	if (b->origin == REPORT_ORIGIN_SIGNED && b->signer[0])
		snprintf(out, n, "signed:%s", b->signer);
	else
		snprintf(out, n, "%s", report_origin_name(b->origin));
}

static const char *origin_vi(unsigned origin)
{
	switch (origin & (REPORT_ORIGIN_SIGNED | REPORT_ORIGIN_LOCAL)) {
	case REPORT_ORIGIN_SIGNED: return "Đã ký số";
	case REPORT_ORIGIN_LOCAL: return "Lập tại chỗ";
	case REPORT_ORIGIN_SIGNED | REPORT_ORIGIN_LOCAL: return "Đã ký số và lập tại chỗ";
	default: return "Không rõ";
	}
}

static const char *const outcome_vi[OUT__N] = {"Đã phát", "Phát dở", "Bị gián đoạn", "Lỗi",
					       "Bỏ lỡ", "Không ra loa"};

/* ---- messages ---- */


static int usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fprintf(stderr, _("usage: loaxactl %s\n"), usage);
	return EXIT_USAGE;
}

/* getopt_long over a subcommand's argv; '?' after printing a usage error. */
static int next_opt(int argc, char **argv, const struct option *lo, const char *usage)
{
	opterr = 0;
	int c = getopt_long(argc, argv, ":h", lo, NULL);
	if (c == '?') {
		if (optopt && optopt < 256)
			usage_error(usage, _("unknown option -%c"), optopt);
		else
			usage_error(usage, _("unknown option %s"), argv[optind - 1]);
	} else if (c == ':') {
		usage_error(usage, _("option %s needs a value"), argv[optind - 1]);
		c = '?';
	}
	return c;
}

static int parse_format(const char *s, enum fmt *f)
{
	static const char *const names[] = {"text", "csv", "json", "html", "pdf"};
	for (int i = 0; i < 5; i++)
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
		return usage_error(usage, _("give --month, or --from and --to, not both"));
	if (p->month) {
		if (strlen(p->month) != 7 || civil_parse_month(p->month, &y, &m) < 0)
			return usage_error(usage, _("--month takes YYYY-MM, not \"%s\""), p->month);
		*from = civil_days(y, m, 1);
		*to = civil_days(y, m, civil_month_length(y, m));
		return 0;
	}
	if (p->from && parse_day(p->from, 0, from) < 0)
		return usage_error(usage, _("--from takes a date YYYY-MM-DD or a month YYYY-MM, not \"%s\""),
				   p->from);
	if (p->to && parse_day(p->to, 1, to) < 0)
		return usage_error(usage, _("--to takes a date YYYY-MM-DD or a month YYYY-MM, not \"%s\""),
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
			return usage_error(usage, _("--from %s is after this month; give --to"), p->from);
		if (!p->from)
			return usage_error(usage, _("--to %s is before this month; give --from"), p->to);
		return usage_error(usage, _("--from %s is after --to %s"), p->from, p->to);
	}
	if (report_month_key(*to) - report_month_key(*from) + 1 > REPORT_MONTHS_MAX)
		return usage_error(usage, _("the period is longer than %d months"), REPORT_MONTHS_MAX);
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

/* "Xã Một (11111)", or the code alone when the list gives no name. */
static void commune_label(const char *name, const char *code, char *buf, size_t n)
{
	if (name && *name)
		snprintf(buf, n, "%s (%s)", name, code && *code ? code : "?");
	else
		snprintf(buf, n, "%s", code && *code ? code : "?");
}

/* "Phòng, chống mại dâm (mai-dam)": titles first, ids second. */
static void campaign_label(const char *title, const char *id, char *buf, size_t n)
{
	if (title && *title)
		snprintf(buf, n, "%s (%s)", title, id);
	else
		snprintf(buf, n, "%s", id);
}

/* s left-aligned in width columns of a terminal: one column per code
 * point (Vietnamese in NFC has no combining marks), not per byte. */
static void put_padded(const char *s, int width)
{
	int cols = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		cols += (*p & 0xc0) != 0x80;
	fputs(s, stdout);
	for (; cols < width; cols++)
		putchar(' ');
}

/* A section: kept whole on one page when its table is short; a long one
 * breaks between rows, its heading staying with the first rows. */
static void section_open(FILE *f, size_t rows)
{
	fputs(rows <= 6 ? "<section class=\"keep\">\n" : "<section>\n", f);
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

/* A campaign as people know it: its title first, the id beneath. */
static void html_campaign(FILE *f, const char *title, const char *id)
{
	if (title && *title) {
		html_str(f, title);
		fputs("<span class=\"en mono\">", f);
		html_str(f, id);
		fputs("</span>", f);
	} else {
		html_str(f, id);
	}
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
	"overflow-wrap:anywhere}"
	".bar{background:#e5e5e5;height:10px;width:120px;display:inline-block;vertical-align:middle}"
	".bar i{display:block;height:10px;background:#2e8b57}"
	"svg{display:block;margin:4px 0 12px}"
	"@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}"
	"svg,.chart,tr{break-inside:avoid}thead{display:table-header-group}a{color:inherit;text-decoration:none}}";

/* ---- the administrative form (Decree 30/2020/NĐ-CP layout) ---- */

/* Who issues and signs the report: options, else the station file. */
struct form {
	const char *issuer;       /* the body above the office, e.g. UBND huyện Gia Lâm */
	const char *office;       /* the issuing office, e.g. Phòng Văn hóa và Thông tin */
	const char *place;        /* the place in "Gia Lâm, ngày ..." */
	const char *sign_for;     /* capacity, e.g. "TM. ỦY BAN NHÂN DÂN"; may be NULL */
	const char *signer_title; /* position, e.g. "Trưởng phòng" */
	const char *signer;       /* full name */
	const char *recipients;   /* "Nơi nhận", ';'-separated */
	int32_t date;             /* the date of the report (local day) */
};

static const char form_css[] =
	"@page{size:A4 portrait;margin:20mm 15mm 20mm 30mm}"
	".form-head{display:flex;justify-content:space-between;gap:12px;margin:0 0 14px;text-align:center;"
	"font-family:'Times New Roman','Liberation Serif','DejaVu Serif',serif;font-size:12pt;line-height:1.3}"
	".form-head .l{flex:1 1 40%}.form-head .r{flex:0 0 auto;white-space:nowrap}"
	".up{text-transform:uppercase}.b{font-weight:bold}.it{font-style:italic}"
	".rule{width:35%;margin:2px auto 6px;border-top:1px solid #000}"
	".num{margin-top:4px}.date{margin-top:8px}"
	"h1.doc{text-align:center;font-size:15pt;margin:14px 0 2px;font-family:'Times New Roman','Liberation Serif','DejaVu Serif',serif}"
	"h1.doc .sub{display:block;font-size:13pt;margin-top:2px}"
	".form-sign{display:flex;justify-content:space-between;margin-top:22px;break-inside:avoid;page-break-inside:avoid;"
	"font-family:'Times New Roman','Liberation Serif','DejaVu Serif',serif;font-size:12pt}"
	".form-sign .recv{flex:0 0 45%;font-size:11pt}.form-sign .sig{flex:0 0 45%;text-align:center}"
	".form-sign .space{height:80px}"
	/* a short section moves whole to the next page; a long table breaks
	 * between rows, its heading kept with the first rows and its header
	 * row repeated */
	"section.keep{break-inside:avoid;page-break-inside:avoid}"
	"h2,h3{break-after:avoid;page-break-after:avoid;break-inside:avoid;page-break-inside:avoid}";

/* "ngày 30 tháng 11 năm 2026" */
static void date_vi(int32_t day, char *buf, size_t n)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(buf, n, "ngày %02d tháng %02d năm %d", d, m, y);
}

/* The subject line's period: "tháng 11/2026", "năm 2026", "6 tháng đầu
 * năm 2026", else "từ ngày 01/01/2026 đến ngày 31/03/2026". */
static void period_vi(int32_t from, int32_t to, char *buf, size_t n)
{
	int y1, m1, d1, y2, m2, d2;
	civil_from_days(from, &y1, &m1, &d1);
	civil_from_days(to, &y2, &m2, &d2);
	int whole = d1 == 1 && d2 == civil_month_length(y2, m2);
	if (whole && y1 == y2 && m1 == m2)
		snprintf(buf, n, "tháng %02d/%d", m1, y1);
	else if (whole && y1 == y2 && m1 == 1 && m2 == 12)
		snprintf(buf, n, "năm %d", y1);
	else if (whole && y1 == y2 && m1 == 1 && m2 == 6)
		snprintf(buf, n, "6 tháng đầu năm %d", y1);
	else if (whole && y1 == y2 && m1 == 7 && m2 == 12)
		snprintf(buf, n, "6 tháng cuối năm %d", y1);
	else
		snprintf(buf, n, "từ ngày %02d/%02d/%d đến ngày %02d/%02d/%d", d1, m1, y1, d2, m2, y2);
}

/* The national heading, the issuing body, place and date, the title. */
static void html_form_head(FILE *f, const struct form *fm, const char *subject)
{
	char date[64];
	date_vi(fm->date, date, sizeof(date));
	fputs("<div class=\"form-head\">\n<div class=\"l\">", f);
	if (fm->issuer && *fm->issuer) {
		fputs("<div class=\"up\">", f);
		html_str(f, fm->issuer);
		fputs("</div>", f);
	}
	fputs("<div class=\"up b\">", f);
	html_str(f, fm->office && *fm->office ? fm->office : "");
	fputs("</div><div class=\"rule\"></div><div class=\"num\">Số: &#160;&#160;&#160;&#160;&#160;&#160;&#160;/BC-&#160;&#160;&#160;&#160;&#160;&#160;</div></div>\n"
	      "<div class=\"r\"><div class=\"b\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>"
	      "<div class=\"b\">Độc lập - Tự do - Hạnh phúc</div><div class=\"rule\"></div><div class=\"it date\">",
	      f);
	if (fm->place && *fm->place) {
		html_str(f, fm->place);
		fputs(", ", f);
	}
	html_str(f, date);
	fputs("</div></div>\n</div>\n<h1 class=\"doc\">BÁO CÁO<span class=\"sub\">", f);
	html_str(f, subject);
	fputs("</span></h1>\n", f);
}

/* Nơi nhận and the signature block: capacity, position, space for the
 * signature and seal, full name. */
static void html_form_sign(FILE *f, const struct form *fm)
{
	fputs("<div class=\"form-sign\">\n<div class=\"recv\"><div class=\"b it\">Nơi nhận:</div>", f);
	const char *r = fm->recipients && *fm->recipients ? fm->recipients : "Như trên;Lưu: VT";
	while (*r) {
		const char *e = strchr(r, ';');
		size_t l = e ? (size_t)(e - r) : strlen(r);
		char one[256];
		snprintf(one, sizeof(one), "%.*s", (int)l, r);
		fputs("<div>- ", f);
		html_str(f, one);
		fputs(";</div>", f);
		r += l + (e != NULL);
	}
	fputs("</div>\n<div class=\"sig\">", f);
	if (fm->sign_for && *fm->sign_for) {
		fputs("<div class=\"b up\">", f);
		html_str(f, fm->sign_for);
		fputs("</div>", f);
	}
	fputs("<div class=\"b up\">", f);
	html_str(f, fm->signer_title && *fm->signer_title ? fm->signer_title : "");
	fputs("</div><div class=\"it\">(Ký, ghi rõ họ tên, đóng dấu)</div><div class=\"space\"></div><div class=\"b\">", f);
	html_str(f, fm->signer && *fm->signer ? fm->signer : "");
	fputs("</div></div>\n</div>\n", f);
}

/* ---- output to a file, and PDF through headless Chromium ---- */

struct out_redirect {
	int saved;               /* stdout's descriptor, -1 when not redirected */
	char html[PATHBUF];      /* the temporary page for PDF, "" if none */
	FILE *text;              /* text for a terminal, filtered at the end; NULL if none */
};

/* Send stdout to path (CSV, JSON, HTML), to a temporary HTML file for
 * PDF, or, for text, to a temporary file that out_end filters. 0, or -1
 * after a message. */
static int out_begin(struct out_redirect *o, const char *path, enum fmt fmt)
{
	o->saved = -1;
	o->html[0] = '\0';
	o->text = NULL;
	int fd;
	if (fmt == FMT_TEXT) {
		if (!(o->text = tmpfile())) {
			cli_err(_("cannot make a temporary file: %s"), strerror(errno));
			return -1;
		}
		fd = dup(fileno(o->text));
	} else if (!path) {
		return 0;
	} else if (fmt == FMT_PDF) {
		const char *tmp = getenv("TMPDIR");
		snprintf(o->html, sizeof(o->html), "%s/loaxa-report-XXXXXX.html", tmp && *tmp ? tmp : "/tmp");
		fd = mkstemps(o->html, 5);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0) {
		cli_err(_("%s: cannot write: %s"), fmt == FMT_PDF ? o->html : path, strerror(errno));
		o->html[0] = '\0';
		return -1;
	}
	fflush(stdout);
	o->saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	return 0;
}

/* Text for a terminal: a control character from a journal (ESC, or a C1
 * control in UTF-8) must not reach the terminal, where it could move the
 * cursor or rewrite what was printed; each becomes '?'. Line ends stay. */
static int copy_filtered(FILE *in, FILE *out)
{
	int c, prev = -1;
	rewind(in);
	while ((c = getc(in)) != EOF) {
		if (prev == 0xc2 && c >= 0x80 && c <= 0x9f) {
			putc('?', out);
			prev = -1;
			continue;
		}
		if (prev >= 0)
			putc(prev, out);
		prev = -1;
		if (c == 0xc2)
			prev = c;
		else if ((c < 0x20 && c != '\n') || c == 0x7f)
			putc('?', out);
		else
			putc(c, out);
	}
	if (prev >= 0)
		putc(prev, out);
	return ferror(in) ? -1 : 0;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	remove(p);
	return 0;
}

/* Print the page at html to pdf with headless Chromium ($LOAXA_CHROMIUM,
 * else chromium): A4 comes from the page's @page rule. 0 or -1. */
static int print_pdf(const char *html, const char *pdf)
{
	const char *chromium = getenv("LOAXA_CHROMIUM");
	if (!chromium || !*chromium)
		chromium = "chromium";
	const char *tmp = getenv("TMPDIR");
	char profile[PATHBUF], url[PATHBUF + 16], out[PATHBUF + 32], prof_arg[PATHBUF + 32];
	snprintf(profile, sizeof(profile), "%s/loaxa-chromium-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(profile)) {
		cli_err(_("cannot make a temporary folder for Chromium: %s"), strerror(errno));
		return -1;
	}
	char abs[PATHBUF];
	if (!realpath(html, abs))
		str_copy(abs, html, sizeof(abs));
	snprintf(url, sizeof(url), "file://%s", abs);
	char cwd[PATHBUF];
	if (pdf[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(out, sizeof(out), "--print-to-pdf=%s/%s", cwd, pdf); /* the browser's idea of "." may differ */
	else
		snprintf(out, sizeof(out), "--print-to-pdf=%s", pdf);
	snprintf(prof_arg, sizeof(prof_arg), "--user-data-dir=%s", profile);
	char *argv[] = {(char *)chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--no-first-run", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
			prof_arg, out, url, NULL};
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		alarm(120); /* a browser that hangs is killed, not waited on for ever */
		execvp(chromium, argv);
		_exit(127);
	}
	int status = -1, rc = -1;
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		struct stat sb;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			cli_err(_("cannot run %s (install chromium, or set LOAXA_CHROMIUM)"), chromium);
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			cli_err(_("%s could not print the PDF (%s %d)"), chromium,
			       WIFEXITED(status) ? "exit status" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		else if (stat(pdf, &sb) < 0 || sb.st_size == 0)
			cli_err(_("%s made no PDF at %s"), chromium, pdf);
		else
			rc = 0;
	} else {
		cli_err(_("cannot start %s: %s"), chromium, strerror(errno));
	}
	nftw(profile, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

/* Restore stdout; for PDF print the page to path. 0 or -1 after a message. */
/* Restore stdout; for PDF print the page to path; for text copy it,
 * filtered, to path or stdout. 0 or -1 after a message. */
static int out_end(struct out_redirect *o, const char *path, enum fmt fmt)
{
	int rc = 0;
	if (fflush(stdout) != 0) {
		cli_err(_("cannot write the output: %s"), strerror(errno));
		rc = -1;
	}
	if (o->saved >= 0) {
		dup2(o->saved, STDOUT_FILENO);
		close(o->saved);
		o->saved = -1;
	}
	if (o->text) {
		FILE *out = path ? fopen(path, "w") : stdout;
		if (!out) {
			cli_err(_("%s: cannot write: %s"), path, strerror(errno));
			rc = -1;
		} else {
			if (copy_filtered(o->text, out) < 0 || fflush(out) != 0) {
				cli_err(_("cannot write the output: %s"), strerror(errno));
				rc = -1;
			}
			if (path && fclose(out) != 0)
				rc = -1;
		}
		fclose(o->text);
		o->text = NULL;
	}
	if (fmt == FMT_PDF && o->html[0]) {
		if (rc == 0 && print_pdf(o->html, path) < 0)
			rc = -1;
		unlink(o->html);
		o->html[0] = '\0';
	}
	return rc;
}

static void html_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
	      f);
	html_str(f, title);
	fprintf(f, "</title>\n<style>%s%s</style>\n</head>\n<body>\n", html_css, form_css);
}

static void html_end(FILE *f, int64_t now)
{
	char ts[32];
	civil_tz_format(now, ts);
	fprintf(f, "<p class=\"note\">Tạo bởi loaxactl lúc %s<span class=\"en\">Generated by loaxactl at %s</span></p>\n</body>\n</html>\n",
		ts, ts);
}

/* ---- options shared by report and rollup ---- */

enum {
	OPT_ISSUER = 1000, OPT_OFFICE, OPT_PLACE, OPT_SIGN_FOR, OPT_SIGNER_TITLE, OPT_SIGNER,
	OPT_RECIPIENTS, OPT_DATE, OPT_BOM, OPT_OUTPUT
};

#define COMMON_OPTIONS                                                                             \
	{"issuer", required_argument, NULL, OPT_ISSUER},                                           \
	{"office", required_argument, NULL, OPT_OFFICE},                                           \
	{"place", required_argument, NULL, OPT_PLACE},                                             \
	{"sign-for", required_argument, NULL, OPT_SIGN_FOR},                                       \
	{"signer-title", required_argument, NULL, OPT_SIGNER_TITLE},                               \
	{"signer", required_argument, NULL, OPT_SIGNER},                                           \
	{"recipients", required_argument, NULL, OPT_RECIPIENTS},                                   \
	{"date", required_argument, NULL, OPT_DATE},                                               \
	{"bom", no_argument, NULL, OPT_BOM},                                                       \
	{"output", required_argument, NULL, OPT_OUTPUT}

#define COMMON_USAGE                                                                               \
	"[--output FILE] [--bom] [--issuer TEXT] [--office TEXT] [--place TEXT] [--sign-for TEXT] " \
	"[--signer-title TEXT] [--signer NAME] [--recipients 'A;B'] [--date YYYY-MM-DD]"

struct common_args {
	struct form form;
	const char *date;
	const char *output;
	int bom;
};

/* 1 if c was one of COMMON_OPTIONS (taken), 0 if not. */
static int common_opt(int c, const char *arg, struct common_args *a)
{
	switch (c) {
	case OPT_ISSUER: a->form.issuer = arg; return 1;
	case OPT_OFFICE: a->form.office = arg; return 1;
	case OPT_PLACE: a->form.place = arg; return 1;
	case OPT_SIGN_FOR: a->form.sign_for = arg; return 1;
	case OPT_SIGNER_TITLE: a->form.signer_title = arg; return 1;
	case OPT_SIGNER: a->form.signer = arg; return 1;
	case OPT_RECIPIENTS: a->form.recipients = arg; return 1;
	case OPT_DATE: a->date = arg; return 1;
	case OPT_BOM: a->bom = 1; return 1;
	case OPT_OUTPUT: a->output = arg; return 1;
	}
	return 0;
}

/* Check what the common options say against the format; 0 or the exit
 * status of a usage error. */
static int common_check(struct common_args *a, enum fmt fmt, const char *usage)
{
	if (fmt == FMT_PDF && !a->output)
		return usage_error(usage, _("--format pdf needs --output FILE.pdf"));
	if (a->output && !*a->output)
		return usage_error(usage, _("--output needs a file name"));
	if (a->bom && fmt != FMT_CSV)
		return usage_error(usage, _("--bom is for --format csv"));
	if (a->date && civil_parse_date(a->date, &a->form.date) < 0)
		return usage_error(usage, _("--date takes YYYY-MM-DD, not \"%s\""), a->date);
	return 0;
}

/* Defaults from the station file (the report of one station) for what
 * the options did not say. */
static void common_from_station(struct common_args *a, const struct station *st)
{
	if (!st)
		return;
	if (!a->form.issuer && st->report_issuer[0])
		a->form.issuer = st->report_issuer;
	if (!a->form.office && st->report_office[0])
		a->form.office = st->report_office;
	if (!a->form.place && st->report_place[0])
		a->form.place = st->report_place;
	if (!a->form.sign_for && st->report_sign_for[0])
		a->form.sign_for = st->report_sign_for;
	if (!a->form.signer_title && st->report_signer_title[0])
		a->form.signer_title = st->report_signer_title;
	if (!a->form.signer && st->report_signer[0])
		a->form.signer = st->report_signer;
	if (!a->form.recipients && st->report_recipients[0])
		a->form.recipients = st->report_recipients;
}

/* ---- loaxactl report ---- */

/* Whose report: the journal's own identity; the station file's name and
 * zone only when it is that station's file. */
struct ident {
	char id[64], commune[64], district[64];
	char name[TITLE_MAX];         /* the station's name, "" if not known */
	char commune_name[TITLE_MAX]; /* from --communes, "" if not known */
	char timezone[128];
	int mismatch;                 /* the station file is another station's */
	char file_id[ID_MAX], file_commune[ID_MAX];
};

struct rep_ctx {
	const struct station *st;     /* NULL: no station file (a copied folder) */
	const char *zone;             /* the time zone in use, by name */
	struct ident id;
	struct common_args *ca;
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
	char per[64];
	period_text(x->from, x->to, per, sizeof(per));
	printf("Báo cáo phát thanh / broadcast report\n");
	char com[TITLE_MAX + ID_MAX + 8];
	commune_label(x->id.commune_name, x->id.commune, com, sizeof(com));
	printf(_("station   %s%s%s%s, commune %s, district %s\n"), x->id.name, x->id.name[0] ? " (" : "",
	       x->id.id[0] ? x->id.id : "?", x->id.name[0] ? ")" : "", com,
	       x->id.district[0] ? x->id.district : "-");
	if (x->id.mismatch)
		printf(_("          NOT the station file's station (%s, commune %s): identity from the journal\n"),
		       x->id.file_id, x->id.file_commune);
	printf(ngettext("period    %s (%d month)\n", "period    %s (%d months)\n",
			(unsigned long)report_nmonths(x->rep)),
	       per, report_nmonths(x->rep));
	if (x->scan_rc < 0)
		printf("journal   %s\n", x->scan.error);
	else
	{
		char a[64], b[64];
		snprintf(a, sizeof(a), ngettext("%zu record", "%zu records", x->scan.records), x->scan.records);
		snprintf(b, sizeof(b), ngettext("%zu file", "%zu files", x->scan.files), x->scan.files);
		printf(_("journal   %s: %s in %s, hash chain %s%s%s\n"), x->journal, a, b,
		       x->scan.chain_ok ? _("verified") : _("NOT VERIFIED: "), x->scan.chain_ok ? "" : x->scan.first_bad,
		       x->scan.begins_linked ? _(" (begins after the first month: not checked before it)") : "");
	}
	for (size_t i = 0; i < report_nscheds(x->rep); i++) {
		const struct report_sched *s = report_sched(x->rep, i);
		char t[32];
		civil_format_iso_offset(s->from, s->from_off, t);
		printf(_("schedule  serial %lld from %.16s%s%.12s%s\n"), s->serial, t,
		       s->sha256[0] ? ", SHA-256 " : "", s->sha256,
		       s->s ? "" : _("  (NOT AVAILABLE: targets unknown)"));
	}
	if (x->scan.sched_missing)
		printf("          %s\n", x->scan.sched_problem);
	char gaps[256];
	if (uncovered(x, gaps, sizeof(gaps)))
		printf(_("          no record at all in %s (station not running, or files missing)\n"), gaps);

	putchar('\n');
	printf("%-7s  %-20s  %6s  %5s  %5s  %5s  %5s  %5s  %5s  %5s  %9s  %s\n", "MONTH", "CAMPAIGN",
	       "TARGET", "SCHED", "AIRED", "PART", "INTR", "FAIL", "MISS", "UNHRD", "AIRTIME", "MET");
	size_t shown = 0;
	for (size_t i = 0; i < x->nrows; i++) {
		const struct report_row *w = &x->rows[i];
		if (!campaign_rows(w))
			continue;
		char m[8], tg[16], at[32];
		report_month_text(w->month, m);
		target_text(w, tg, sizeof(tg));
		hms(w->c.airtime, at, sizeof(at));
		printf("%-7s  %-20s  %6s  %5u  %5u  %5u  %5u  %5u  %5u  %5u  %9s  %s%s\n", m, w->campaign,
		       tg[0] ? tg : "?", w->c.scheduled, w->c.n[OUT_AIRED], w->c.n[OUT_PARTIAL],
		       w->c.n[OUT_INTERRUPTED], w->c.n[OUT_FAILED], w->c.n[OUT_MISSED],
		       w->c.n[OUT_UNHEARD], at,
		       w->met ? "yes" : "no",
		       w->target < 0 ? _(" (target unknown)") : w->partial_month ? _(" (part of the month)") : "");
		shown++;
	}
	if (!shown)
		printf(_("(no campaign scheduled or broadcast in the period)\n"));

	struct camp_total *t;
	size_t nt = totals(x->rows, x->nrows, &t);
	if (report_nmonths(x->rep) > 1 && nt) {
		printf("\nTotals for the period (tổng hợp kỳ báo cáo):\n");
		printf("%-20s  %6s  %9s  %6s  %6s  %6s  %6s  %6s  %6s  %9s\n", "CAMPAIGN", "MONTHS", "MET",
		       "SCHED", "AIRED", "PART", "FAIL", "MISS", "UNHRD", "AIRTIME");
		for (size_t i = 0; i < nt; i++) {
			char met[32], at[32];
			snprintf(met, sizeof(met), "%d/%d", t[i].months_met, t[i].months_target);
			hms(t[i].c.airtime, at, sizeof(at));
			printf("%-20s  %6d  %9s  %6u  %6u  %6u  %6u  %6u  %6u  %9s\n", t[i].id, t[i].months, met,
			       t[i].c.scheduled, t[i].c.n[OUT_AIRED],
			       t[i].c.n[OUT_PARTIAL] + t[i].c.n[OUT_INTERRUPTED], t[i].c.n[OUT_FAILED],
			       t[i].c.n[OUT_MISSED], t[i].c.n[OUT_UNHEARD], at);
		}
	}
	free(t);

	const struct report_bulletin *b;
	size_t nb = report_bulletins(x->rep, &b);
	if (nb) {
		printf("\nBy bulletin (theo bản tin):\n%-24s  %-20s  %6s  %6s  %9s  %s\n", "BULLETIN",
		       "CAMPAIGN", "PLAYS", "AIRED", "SECONDS", "ORIGIN");
		for (size_t i = 0; i < nb; i++) {
			char s[32], origin[64];
			seconds_text(b[i].seconds, s, sizeof(s));
			origin_text(&b[i], origin, sizeof(origin));
			printf("%-24s  %-20s  %6u  %6u  %9s  %s\n", b[i].id, b[i].campaign[0] ? b[i].campaign : "-",
			       b[i].plays, b[i].aired, s, origin);
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
		printf(ngettext("%s%s: %u broadcast of no campaign (%u aired)\n",
				"%s%s: %u broadcasts of no campaign (%u aired)\n", all),
		       other++ ? "" : "\n", m, all, w->c.n[OUT_AIRED]);
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
			printf(_("... and %zu more\n"), more);
	}
}

static void report_csv(struct rep_ctx *x)
{
	FILE *f = stdout;
	if (x->ca->bom)
		out_csv_bom(f);
	fputs(REPORT_CSV_HEADER REPORT_CSV_EXTRA, f);
	out_csv_end(f);
	for (size_t i = 0; i < x->nrows; i++) {
		const struct report_row *w = &x->rows[i];
		if (!campaign_rows(w))
			continue;
		char m[8], tg[16], at[32];
		report_month_text(w->month, m);
		target_text(w, tg, sizeof(tg));
		seconds_text(w->c.airtime, at, sizeof(at));
		out_csv_text(f, x->id.id);
		fputc(',', f);
		out_csv_text(f, x->id.commune);
		fputc(',', f);
		out_csv_text(f, w->campaign);
		fprintf(f, ",%s,%s,%u,%u,%u,%u,%u,%u,%s,%s,", m, tg, w->c.scheduled, w->c.n[OUT_AIRED],
			w->c.n[OUT_PARTIAL], w->c.n[OUT_INTERRUPTED], w->c.n[OUT_FAILED],
			w->c.n[OUT_MISSED], at, w->met ? "yes" : "no");
		out_csv_text(f, w->title);
		fputc(',', f);
		out_csv_text(f, x->id.name);
		fputc(',', f);
		out_csv_text(f, x->id.commune_name);
		fprintf(f, ",%u", w->c.n[OUT_UNHEARD]);
		out_csv_end(f);
	}
}

static void json_counts(FILE *f, const struct report_count *c)
{
	char at[32];
	seconds_text(c->airtime, at, sizeof(at));
	fprintf(f, "\"scheduled\": %u, \"aired\": %u, \"partial\": %u, \"interrupted\": %u, "
		   "\"failed\": %u, \"missed\": %u, \"unheard\": %u, \"manual\": %u, \"airtime_seconds\": %s",
		c->scheduled, c->n[OUT_AIRED], c->n[OUT_PARTIAL], c->n[OUT_INTERRUPTED],
		c->n[OUT_FAILED], c->n[OUT_MISSED], c->n[OUT_UNHEARD], c->manual, at);
}

static void json_kv(FILE *f, const char *k, const char *v, int comma)
{
	fprintf(f, "%s\"%s\": ", comma ? ", " : "", k);
	out_json_string(f, v);
}

static void report_json(struct rep_ctx *x)
{
	FILE *f = stdout;
	char a[11], b[11];
	civil_format_date(x->from, a);
	civil_format_date(x->to, b);
	fputs("{\n  \"station\": {", f);
	json_kv(f, "station_id", x->id.id, 0);
	json_kv(f, "commune_code", x->id.commune, 1);
	json_kv(f, "district_code", x->id.district, 1);
	json_kv(f, "name", x->id.name, 1);
	json_kv(f, "commune_name", x->id.commune_name, 1);
	json_kv(f, "timezone", x->id.timezone, 1);
	fprintf(f, ", \"from_station_file\": %s", x->st && !x->id.mismatch ? "true" : "false");
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
		fprintf(f, ", \"plays\": %u, \"aired\": %u, \"seconds\": %s, ", bu[i].plays, bu[i].aired, s);
		json_kv(f, "origin", report_origin_name(bu[i].origin), 0);
		json_kv(f, "signer", bu[i].signer, 1);
		fputc('}', f);
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
	char per[64], pvi[96], title[512], subject[768], com[TITLE_MAX + ID_MAX + 8];
	period_text(x->from, x->to, per, sizeof(per));
	period_vi(x->from, x->to, pvi, sizeof(pvi));
	commune_label(x->id.commune_name, x->id.commune, com, sizeof(com));
	const char *who = x->id.name[0] ? x->id.name : x->id.commune_name[0] ? x->id.commune_name : x->id.id;
	snprintf(title, sizeof(title), "Báo cáo phát thanh — %s — %s", who, per);
	if (x->id.name[0])
		snprintf(subject, sizeof(subject), "Kết quả phát sóng tuyên truyền của %s %s", x->id.name, pvi);
	else if (x->id.commune_name[0])
		snprintf(subject, sizeof(subject), "Kết quả phát sóng tuyên truyền trên hệ thống truyền thanh cơ sở %s %s",
			 x->id.commune_name, pvi);
	else
		snprintf(subject, sizeof(subject), "Kết quả phát sóng tuyên truyền của đài %s %s",
			 x->id.id[0] ? x->id.id : "?", pvi);
	html_begin(f, title);
	html_form_head(f, &x->ca->form, subject);
	fputs("<p class=\"en\" style=\"text-align:center\">Broadcast report against the plan's targets</p>\n", f);

	fputs("<section class=\"keep\">\n", f);
	html_heading(f, "h2", "Thông tin đài", "Station");
	fputs("<dl>\n<dt>Tên đài <span class=\"en\">Name</span></dt><dd>", f);
	html_str(f, x->id.name[0] ? x->id.name : "—");
	fputs("</dd>\n<dt>Mã đài <span class=\"en\">Station id</span></dt><dd>", f);
	html_str(f, x->id.id[0] ? x->id.id : "?");
	fputs("</dd>\n<dt>Xã <span class=\"en\">Commune</span></dt><dd>", f);
	html_str(f, com);
	fputs("</dd>\n<dt>Mã huyện <span class=\"en\">District code</span></dt><dd>", f);
	html_str(f, x->id.district[0] ? x->id.district : "—");
	fputs("</dd>\n<dt>Kỳ báo cáo <span class=\"en\">Period</span></dt><dd>", f);
	html_str(f, per);
	fputs(" (", f);
	html_str(f, x->id.timezone);
	fputs(")</dd>\n", f);
	fputs("<dt>Nguồn số liệu <span class=\"en\">Source</span></dt><dd>", f);
	fputs(x->st && !x->id.mismatch ? "nhật ký của đài và tệp cấu hình đài (the station's journal and station file)"
				       : "nhật ký sao chép; danh tính lấy từ nhật ký (a copied journal; identity from the journal)",
	      f);
	fputs("</dd>\n", f);
	if (x->id.mismatch) {
		fputs("<dt>Tệp cấu hình của đài khác <span class=\"en\">Station file is another station's</span></dt><dd class=\"bad\">", f);
		html_str(f, x->id.file_id);
		fputs(" / ", f);
		html_str(f, x->id.file_commune);
		fputs("</dd>\n", f);
	}
	fputs("</dl>\n</section>\n", f);

	fputs("<section class=\"keep\">\n", f);
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
	fputs("</section>\n", f);

	fputs("<section class=\"keep\">\n", f);
	html_heading(f, "h2", "Lịch phát đã áp dụng", "Schedules in force");
	fputs("<table>\n<thead><tr>", f);
	html_th(f, "Số hiệu", "Serial");
	html_th(f, "Áp dụng từ", "In force from");
	html_th(f, "SHA-256", "SHA-256");
	html_th(f, "Tình trạng", "Status");
	fputs("</tr></thead>\n", f);
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
	fputs("</table>\n</section>\n", f);

	section_open(f, x->nrows);
	html_heading(f, "h2", "Kết quả theo chiến dịch và tháng", "Results by campaign and month");
	fputs("<table>\n<thead><tr>", f);
	html_th(f, "Tháng", "Month");
	html_th(f, "Chiến dịch", "Campaign");
	html_th(f, "Chỉ tiêu", "Target");
	html_th(f, "Theo lịch", "Scheduled");
	for (int o = 0; o < OUT__N; o++)
		html_th(f, outcome_vi[o], outcome_name((enum outcome)o));
	html_th(f, "Thời lượng", "Airtime");
	html_th(f, "Đạt chỉ tiêu", "Target met");
	fputs("</tr></thead>\n", f);
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
		html_campaign(f, w->title, w->campaign);
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
		fputs("<tr><td colspan=\"12\">Không có chiến dịch nào trong kỳ (no campaign in the period)</td></tr>\n", f);
	fputs("</table>\n<p class=\"note\">Chỉ những buổi “đã phát” (aired) được tính vào chỉ tiêu. * một phần của tháng.<span class=\"en\">Only aired broadcasts count towards a target. * part of the month.</span></p>\n</section>\n",
	      f);

	struct camp_total *t;
	size_t nt = totals(x->rows, x->nrows, &t);
	if (report_nmonths(x->rep) > 1 && nt) {
		fputs("<section class=\"keep\">\n", f);
		html_heading(f, "h2", "Tổng hợp kỳ báo cáo", "Totals for the period");
		fputs("<table>\n<thead><tr>", f);
		html_th(f, "Chiến dịch", "Campaign");
		html_th(f, "Số tháng đạt", "Months met");
		html_th(f, "Theo lịch", "Scheduled");
		for (int o = 0; o < OUT__N; o++)
			html_th(f, outcome_vi[o], outcome_name((enum outcome)o));
		html_th(f, "Thời lượng", "Airtime");
		fputs("</tr></thead>\n", f);
		for (size_t i = 0; i < nt; i++) {
			char at[32];
			hms(t[i].c.airtime, at, sizeof(at));
			fputs("<tr><td>", f);
			html_campaign(f, t[i].title, t[i].id);
			fprintf(f, "</td><td class=\"n %s\">%d / %d</td><td class=\"n\">%u</td>",
				t[i].months_met == t[i].months_target && !t[i].months_unknown ? "ok" : "bad",
				t[i].months_met, t[i].months_target, t[i].c.scheduled);
			for (int o = 0; o < OUT__N; o++)
				fprintf(f, "<td class=\"n\">%u</td>", t[i].c.n[o]);
			fprintf(f, "<td class=\"n\">%s</td></tr>\n", at);
		}
		fputs("</table>\n</section>\n", f);
	}

	fputs("<section class=\"keep\">\n", f);
	html_heading(f, "h2", "Biểu đồ theo ngày", "Daily chart");
	fputs("<p class=\"legend\"><span><i class=\"sw\" style=\"background:#c9d3df\"></i>Theo lịch (scheduled)</span>"
	      "<span><i class=\"sw\" style=\"background:#2e8b57\"></i>Đã phát (aired)</span>"
	      "<span><i class=\"sw\" style=\"background:#c0392b\"></i>Chỉ tiêu tháng (monthly target)</span></p>\n",
	      f);
	/* the heading stays with the first chart */
	for (size_t i = 0; i < nt; i++) {
		fputs("<div class=\"chart\"><h3>", f);
		html_campaign(f, t[i].title, t[i].id);
		fputs("</h3>\n", f);
		svg_campaign(f, x, t[i].id);
		fputs(i == 0 ? "</div>\n</section>\n" : "</div>\n", f);
	}
	if (!nt)
		fputs("</section>\n", f);
	free(t);

	const struct report_bulletin *b;
	size_t nb = report_bulletins(x->rep, &b);
	if (nb) {
		section_open(f, nb);
		html_heading(f, "h2", "Theo bản tin", "By bulletin");
		fputs("<table>\n<thead><tr>", f);
		html_th(f, "Bản tin", "Bulletin");
		html_th(f, "Chiến dịch", "Campaign");
		html_th(f, "Lượt phát", "Plays");
		html_th(f, "Đã phát trọn", "Aired");
		html_th(f, "Số giây", "Seconds");
		html_th(f, "Nguồn", "Origin");
		fputs("</tr></thead>\n", f);
		for (size_t i = 0; i < nb; i++) {
			char s[32], origin[64];
			seconds_text(b[i].seconds, s, sizeof(s));
			origin_text(&b[i], origin, sizeof(origin));
			fputs("<tr><td>", f);
			html_str(f, b[i].id);
			fputs("</td><td>", f);
			html_str(f, b[i].campaign[0] ? b[i].campaign : "—");
			fprintf(f, "</td><td class=\"n\">%u</td><td class=\"n\">%u</td><td class=\"n\">%s</td><td>%s<span class=\"en\">",
				b[i].plays, b[i].aired, s, origin_vi(b[i].origin));
			html_str(f, origin);
			fputs("</span></td></tr>\n", f);
		}
		fputs("</table>\n</section>\n", f);
	}

	const struct report_notaired *na;
	size_t more, nn = report_notaired(x->rep, &na, &more);
	section_open(f, nn);
	html_heading(f, "h2", "Các buổi không phát được và lý do", "Broadcasts that did not air, with reasons");
	fputs("<table>\n<thead><tr>", f);
	html_th(f, "Giờ phát", "Due");
	html_th(f, "Kết quả", "Outcome");
	html_th(f, "Bản tin", "Bulletin");
	html_th(f, "Chiến dịch", "Campaign");
	html_th(f, "Đã phát / dự kiến (giây)", "Played / expected (s)");
	html_th(f, "Lý do", "Reason");
	fputs("</tr></thead>\n", f);
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
	fputs("</table>\n</section>\n", f);
	if (more)
		fprintf(f, "<p class=\"note\">… và %zu buổi khác<span class=\"en\">and %zu more (see loaxactl log)</span></p>\n",
			more, more);
	html_form_sign(f, &x->ca->form);
	html_end(f, x->now);
}

/* The report's identity: the journal's station, commune and district;
 * the station file's name and zone when it is that station's file. */
static void ident_fill(struct rep_ctx *x, const struct commune_map *map)
{
	const struct report_station *in = report_station_info(x->rep);
	struct ident *id = &x->id;
	const struct station *st = x->st;
	str_copy(id->id, in->station, sizeof(id->id));
	str_copy(id->commune, in->commune, sizeof(id->commune));
	str_copy(id->district, in->district, sizeof(id->district));
	str_copy(id->timezone, x->zone, sizeof(id->timezone));
	if (st) {
		int same = !in->station[0] || (!strcmp(in->station, st->id) && !strcmp(in->commune, st->commune_code));
		if (same) {
			if (!id->id[0])
				str_copy(id->id, st->id, sizeof(id->id));
			if (!id->commune[0])
				str_copy(id->commune, st->commune_code, sizeof(id->commune));
			if (!id->district[0])
				str_copy(id->district, st->district_code, sizeof(id->district));
			str_copy(id->name, st->name, sizeof(id->name));
		} else {
			id->mismatch = 1;
			str_copy(id->file_id, st->id, sizeof(id->file_id));
			str_copy(id->file_commune, st->commune_code, sizeof(id->file_commune));
		}
	}
	const struct commune_entry *e = id->commune[0] ? commune_map_get(map, id->commune) : NULL;
	if (e) {
		str_copy(id->commune_name, e->name, sizeof(id->commune_name));
		if (!id->district[0])
			str_copy(id->district, e->district, sizeof(id->district));
	}
}

/* What report and rollup both take: the --schedule files (freed here)
 * and the --communes list. EXIT_OK, or EXIT_FAIL after every problem is
 * printed (nothing to free then). */
static int load_given(const char **sched_files, size_t nsf, const char *communes, struct sched_set *given,
		      struct commune_map **map)
{
	struct errlist errs = {0};
	int rc = EXIT_OK;
	for (size_t i = 0; i < nsf; i++)
		if (sched_set_load(given, sched_files[i], &errs) < 0)
			rc = EXIT_FAIL;
	if (communes && !(*map = commune_map_load(communes, &errs)))
		rc = EXIT_FAIL;
	free(sched_files);
	for (size_t i = 0; rc && i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	errlist_free(&errs);
	if (rc) {
		sched_set_free(given);
		commune_map_free(*map);
		*map = NULL;
	}
	return rc;
}

int cmd_report(int argc, char **argv, int (*load_station)(int required, const struct station **st))
{
	static const struct option lo[] = {{"month", required_argument, NULL, 'm'},
					   {"from", required_argument, NULL, 'f'},
					   {"to", required_argument, NULL, 't'},
					   {"format", required_argument, NULL, 'F'},
					   {"journal", required_argument, NULL, 'j'},
					   {"schedule", required_argument, NULL, 's'},
					   {"communes", required_argument, NULL, 'C'},
					   COMMON_OPTIONS,
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "[-c FILE] report [--month YYYY-MM | --from DATE --to DATE] "
			    "[--format text|csv|json|html|pdf] [--journal DIR] [--schedule FILE]... "
			    "[--communes FILE] " COMMON_USAGE;
	struct period_args pa = {0};
	struct common_args ca = {0};
	enum fmt fmt = FMT_TEXT;
	const char *journal = NULL, *communes = NULL;
	const char **sched_files = xcalloc((size_t)argc + 1, sizeof(*sched_files));
	size_t nsf = 0;
	int c, rc = EXIT_OK;
	optind = 0;
	while ((c = next_opt(argc, argv, lo, usage)) != -1) {
		if (common_opt(c, optarg, &ca))
			continue;
		switch (c) {
		case 'm': pa.month = optarg; break;
		case 'f': pa.from = optarg; break;
		case 't': pa.to = optarg; break;
		case 'j': journal = optarg; break;
		case 's': sched_files[nsf++] = optarg; break;
		case 'C': communes = optarg; break;
		case 'F':
			if (parse_format(optarg, &fmt) < 0) {
				free(sched_files);
				return usage_error(usage, _("--format is text, csv, json, html or pdf, not \"%s\""), optarg);
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
		return usage_error(usage, _("unexpected argument \"%s\""), argv[optind]);
	}
	/* Wrong usage is exit 2 before anything is loaded. */
	{
		int32_t a, b;
		if ((rc = period_resolve(&pa, usage, &a, &b)) != 0 || (rc = common_check(&ca, fmt, usage)) != 0) {
			free(sched_files);
			return rc;
		}
	}
	/* A copied folder needs no station file: the journal says whose it is. */
	const struct station *st = NULL;
	if (load_station(journal == NULL, &st) < 0) {
		free(sched_files);
		return EXIT_FAIL;
	}
	const char *zone = st ? st->timezone : civil_tz_default();

	/* The folder: a journal folder, a station folder, or a folder holding
	 * exactly one station's journal. */
	char jdir[PATHBUF];
	if (journal) {
		struct jfolder_list l = {0};
		int n = jfolder_find(journal, &l);
		if (n > 1) {
			cli_err(_("%s holds the journals of %d stations; name one (for all of them: loaxactl rollup %s)"),
			       journal, n, journal);
			for (size_t i = 0; i < l.n; i++)
				fprintf(stderr, "  %s\n", l.dir[i]);
			jfolder_list_free(&l);
			free(sched_files);
			return EXIT_FAIL;
		}
		str_copy(jdir, n == 1 ? l.dir[0] : journal, sizeof(jdir));
		jfolder_list_free(&l);
	} else {
		str_copy(jdir, st->journal, sizeof(jdir));
	}

	struct rep_ctx x = {.st = st, .zone = zone, .journal = jdir, .ca = &ca, .now = (int64_t)time(NULL)};
	civil_tz_local(x.now, &ca.form.date, NULL, NULL);
	if (ca.date)
		civil_parse_date(ca.date, &ca.form.date);
	period_resolve(&pa, usage, &x.from, &x.to); /* checked above; now in the station's zone */
	struct sched_set given = {0}, cache = {0};
	struct commune_map *map = NULL;
	if ((rc = load_given(sched_files, nsf, communes, &given, &map)) != 0)
		return rc;

	unsigned flags = REPORT_BULLETINS | REPORT_NOTAIRED |
			 (fmt == FMT_HTML || fmt == FMT_PDF ? REPORT_DAILY : 0);
	x.rep = report_new(x.from, x.to, flags);
	if (!x.rep) {
		sched_set_free(&given);
		commune_map_free(map);
		return usage_error(usage, _("bad period"));
	}
	/* A live station's open start is still playing; a copied folder's
	 * will never end. */
	x.scan_rc = rollup_scan_station(x.journal, x.rep, journal != NULL, st ? st->schedule : NULL,
					&given, &cache, print_problem, NULL, &x.scan);
	if (x.scan_rc < 0) {
		if (x.scan.absent && !journal)
			fprintf(stderr, _("%s: no journal yet at %s: nothing has been recorded\n"), PROG, x.journal);
		else {
			cli_err("%s", x.scan.error);
			rc = EXIT_FAIL;
		}
	}
	ident_fill(&x, map);
	if (!x.id.mismatch)
		common_from_station(&ca, st);
	if (!ca.form.office && !ca.form.issuer && x.id.name[0])
		ca.form.office = x.id.name; /* the station issues its own report */
	x.nrows = report_rows(x.rep, &x.rows);
	struct out_redirect red;
	if (out_begin(&red, ca.output, fmt) < 0) {
		rc = EXIT_FAIL;
	} else {
		switch (fmt) {
		case FMT_TEXT: report_text(&x); break;
		case FMT_CSV: report_csv(&x); break;
		case FMT_JSON: report_json(&x); break;
		case FMT_HTML:
		case FMT_PDF: report_html(&x); break;
		}
		if (out_end(&red, ca.output, fmt) < 0)
			rc = EXIT_FAIL;
	}
	if (x.scan_rc == 0 && !x.scan.chain_ok) {
		cli_err(_("the journal does NOT verify (first problem: %s); its counts are shown but cannot be relied on"),
		       x.scan.first_bad);
		rc = EXIT_FAIL;
	}
	if (x.scan.sched_missing)
		cli_err(_("%s: pass the schedule with --schedule FILE"), x.scan.sched_problem);
	report_free(x.rep);
	sched_set_free(&cache);
	sched_set_free(&given);
	commune_map_free(map);
	return rc;
}

/* ---- loaxactl rollup ---- */

struct roll_ctx {
	struct rollup_station *st;
	size_t n;
	struct rollup_summary *sum;
	size_t nsum;
	struct rollup_totals tot;
	const struct commune_map *map;
	const char *communes_file;
	int32_t from, to;
	const char *district;
	int district_from_list;  /* the district was the list's only one */
	int64_t now;
	struct common_args *ca;
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

/* What the denominator is, in one sentence. */
static void denominator_text(const struct roll_ctx *x, char *buf, size_t n)
{
	if (x->tot.from_list && x->district)
		snprintf(buf, n, "the %zu communes of district %s on the commune list %s%s", x->tot.communes,
			 x->district, x->communes_file,
			 x->district_from_list ? " (the only district on it)" : "");
	else if (x->tot.from_list)
		snprintf(buf, n, "the %zu communes on the commune list %s", x->tot.communes, x->communes_file);
	else
		snprintf(buf, n, "the stations given: %zu commune%s (no commune list: --communes FILE "
				 "gives the true denominator)",
			 x->tot.communes, x->tot.communes == 1 ? "" : "s");
}

static void denominator_vi(const struct roll_ctx *x, char *buf, size_t n)
{
	if (x->tot.from_list && x->district)
		snprintf(buf, n, "%zu xã của huyện %s trong danh sách xã", x->tot.communes, x->district);
	else if (x->tot.from_list)
		snprintf(buf, n, "%zu xã trong danh sách xã", x->tot.communes);
	else
		snprintf(buf, n, "các đài được đưa vào: %zu xã (không có danh sách xã)", x->tot.communes);
}

static void rollup_text(struct roll_ctx *x)
{
	char per[64], den[PATHBUF + 256];
	period_text(x->from, x->to, per, sizeof(per));
	denominator_text(x, den, sizeof(den));
	printf(ngettext("Tổng hợp / roll-up %s: %zu station folder%s%s\n",
			"Tổng hợp / roll-up %s: %zu station folders%s%s\n", x->n),
	       per, x->n, x->district ? _(", district ") : "", x->district ? x->district : "");
	printf(_("denominator: %s\n"), den);
	char fl[64];
	snprintf(fl, sizeof(fl), ngettext("%zu station not counted (flagged)", "%zu stations not counted (flagged)",
					  x->tot.flagged),
		 x->tot.flagged);
	printf(_("             %zu reporting, %zu not reporting, %s, %zu listed apart\n"), x->tot.reporting,
	       x->tot.not_reporting, fl, x->tot.excluded);
	printf("\n%-44s  %9s  %9s  %13s  %7s\n", "CAMPAIGN", "MEETING", "NOT MET", "NOT REPORTING",
	       "PERCENT");
	for (size_t j = 0; j < x->nsum; j++) {
		char m[48], lab[TITLE_MAX + ID_MAX + 8];
		campaign_label(x->sum[j].title, x->sum[j].id, lab, sizeof(lab));
		one_line(lab);
		snprintf(m, sizeof(m), "%zu of %zu", x->sum[j].communes_met, x->sum[j].communes);
		put_padded(lab, 44);
		printf("  %9s  %9zu  %13zu  %6.1f%%\n", m, x->sum[j].communes_not_met,
		       x->sum[j].not_reporting, x->sum[j].percent);
	}
	if (!x->nsum)
		printf(_("(no campaign in any station's schedules)\n"));
	printf("\n%-28s  %-16s  %-8s  ", "COMMUNE", "STATION", "DISTRICT");
	for (size_t j = 0; j < x->nsum; j++)
		printf("%-*s  ", (int)(strlen(x->sum[j].id) > 3 ? strlen(x->sum[j].id) : 3), x->sum[j].id);
	printf("STATUS\n");
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		if (s->excluded)
			continue;
		char lab[TITLE_MAX + ID_MAX + 8];
		commune_label(s->commune_name, s->commune, lab, sizeof(lab));
		one_line(lab);
		put_padded(lab, 28);
		printf("  %-16s  %-8s  ", s->station[0] ? s->station : "?", s->district[0] ? s->district : "?");
		for (size_t j = 0; j < x->nsum; j++) {
			const struct rollup_camp *c = station_camp(s, x->sum[j].id);
			printf("%-*s  ", (int)(strlen(x->sum[j].id) > 3 ? strlen(x->sum[j].id) : 3),
			       c && c->met ? "yes" : "no");
		}
		printf("%s\n", s->counts ? "ok" : "FLAGGED");
	}
	for (size_t i = 0; i < x->tot.nmissing; i++) {
		char lab[TITLE_MAX + ID_MAX + 8];
		commune_label(x->tot.missing[i].name, x->tot.missing[i].code, lab, sizeof(lab));
		one_line(lab);
		put_padded(lab, 28);
		printf("  %-16s  %-8s  ", "-", x->tot.missing[i].district);
		for (size_t j = 0; j < x->nsum; j++)
			printf("%-*s  ", (int)(strlen(x->sum[j].id) > 3 ? strlen(x->sum[j].id) : 3), "no");
		printf("NOT REPORTING (no journal)\n");
	}
	int any = 0;
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		if (s->excluded)
			continue;
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
				if (!s->counts && !strcmp(why, "station not counted: see its flags"))
					continue; /* said once, above */
			}
			if (!any++)
				printf("\nWhy not (lý do không đạt):\n");
			if (!head++) {
				char lab[TITLE_MAX + ID_MAX + 8];
				commune_label(s->commune_name, s->commune, lab, sizeof(lab));
				one_line(lab);
				printf("  %s, station %s (%s):\n", lab, s->station[0] ? s->station : "?", s->dir);
			}
			printf("    %s: %s\n", what, why);
		}
	}
	int apart = 0;
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		if (!s->excluded)
			continue;
		if (!apart++)
			printf("\nListed apart, not in the denominator (không tính vào tổng số xã):\n");
		char lab[TITLE_MAX + ID_MAX + 8];
		commune_label(s->commune_name, s->commune, lab, sizeof(lab));
		one_line(lab);
		printf("  %s, commune %s (%s): %s\n", s->station[0] ? s->station : "?", lab, s->dir, s->flags);
	}
}

#define ROLLUP_CSV_HEADER                                                                          \
	"station_id,commune_code,district_code,folder,campaign_id,from,to,target,months_required,"  \
	"months_met,scheduled,aired,partial,interrupted,failed,missed,airtime_seconds,target_met,"   \
	"counted,reason"
/* After the documented columns, so that the documented header stays a prefix. */
#define ROLLUP_CSV_EXTRA ",commune_name,campaign_title,in_denominator,unheard"

static void rollup_csv(struct roll_ctx *x)
{
	FILE *f = stdout;
	char a[11], b[11];
	civil_format_date(x->from, a);
	civil_format_date(x->to, b);
	if (x->ca->bom)
		out_csv_bom(f);
	fputs(ROLLUP_CSV_HEADER ROLLUP_CSV_EXTRA, f);
	out_csv_end(f);
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		for (size_t j = 0; j < x->nsum; j++) {
			const struct rollup_camp *c = station_camp(s, x->sum[j].id);
			struct report_count z = {0};
			const struct report_count *k = c ? &c->total : &z;
			char at[32], why[1600];
			seconds_text(k->airtime, at, sizeof(at));
			out_csv_text(f, s->station);
			fputc(',', f);
			out_csv_text(f, s->commune);
			fputc(',', f);
			out_csv_text(f, s->district);
			fputc(',', f);
			out_csv_text(f, s->dir);
			fputc(',', f);
			out_csv_text(f, x->sum[j].id);
			fprintf(f, ",%s,%s,", a, b);
			if (c && c->target)
				fprintf(f, "%d", c->target);
			fprintf(f, ",%d,%d,%u,%u,%u,%u,%u,%u,%s,%s,%s,", c ? c->months_required : 0,
				c ? c->months_met : 0, k->scheduled, k->n[OUT_AIRED], k->n[OUT_PARTIAL],
				k->n[OUT_INTERRUPTED], k->n[OUT_FAILED], k->n[OUT_MISSED], at,
				c && c->met ? "yes" : "no", s->counts ? "yes" : "no");
			if (s->counts)
				snprintf(why, sizeof(why), "%s", camp_reason(s, c));
			else
				snprintf(why, sizeof(why), "not counted: %s", s->flags);
			out_csv_text(f, why);
			fputc(',', f);
			out_csv_text(f, s->commune_name);
			fputc(',', f);
			out_csv_text(f, x->sum[j].title);
			fprintf(f, ",%s,%u", s->excluded ? "no" : "yes", k->n[OUT_UNHEARD]);
			out_csv_end(f);
		}
	}
	/* Communes on the list with no journal: in the denominator, not met. */
	for (size_t i = 0; i < x->tot.nmissing; i++) {
		const struct commune_entry *e = &x->tot.missing[i];
		for (size_t j = 0; j < x->nsum; j++) {
			fputc(',', f);
			out_csv_text(f, e->code);
			fputc(',', f);
			out_csv_text(f, e->district);
			fputs(",,", f);
			out_csv_text(f, x->sum[j].id);
			fprintf(f, ",%s,%s,,0,0,0,0,0,0,0,0,0,no,no,not reporting: no journal received,", a, b);
			out_csv_text(f, e->name);
			fputc(',', f);
			out_csv_text(f, x->sum[j].title);
			fputs(",yes,0", f);
			out_csv_end(f);
		}
	}
}

static void rollup_json(struct roll_ctx *x)
{
	FILE *f = stdout;
	char a[11], b[11], den[PATHBUF + 256];
	civil_format_date(x->from, a);
	civil_format_date(x->to, b);
	denominator_text(x, den, sizeof(den));
	fputs("{\n  \"period\": {", f);
	json_kv(f, "from", a, 0);
	json_kv(f, "to", b, 1);
	fputs("},\n  \"district\": ", f);
	if (x->district)
		out_json_string(f, x->district);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"stations\": %zu,\n  \"communes\": %zu,\n  \"denominator\": {\"from\": \"%s\", "
		   "\"communes\": %zu, \"reporting\": %zu, \"not_reporting\": %zu, \"flagged\": %zu, "
		   "\"listed_apart\": %zu",
		x->n, x->tot.communes, x->tot.from_list ? "commune_list" : "stations_given",
		x->tot.communes, x->tot.reporting, x->tot.not_reporting, x->tot.flagged, x->tot.excluded);
	json_kv(f, "text", den, 1);
	fputs("},\n  \"summary\": [", f);
	for (size_t j = 0; j < x->nsum; j++) {
		fputs(j ? ",\n    {" : "\n    {", f);
		json_kv(f, "campaign_id", x->sum[j].id, 0);
		json_kv(f, "title", x->sum[j].title, 1);
		fprintf(f, ", \"communes\": %zu, \"communes_met\": %zu, \"communes_not_met\": %zu, "
			   "\"not_reporting\": %zu, \"percent\": %.1f, "
			   "\"stations_flagged\": %zu, \"aired\": %llu, \"scheduled\": %llu}",
			x->sum[j].communes, x->sum[j].communes_met, x->sum[j].communes_not_met,
			x->sum[j].not_reporting, x->sum[j].percent, x->sum[j].stations_flagged,
			(unsigned long long)x->sum[j].aired, (unsigned long long)x->sum[j].scheduled);
	}
	fputs(x->nsum ? "\n  ],\n  \"not_reporting\": [" : "],\n  \"not_reporting\": [", f);
	for (size_t i = 0; i < x->tot.nmissing; i++) {
		fputs(i ? ", {" : "{", f);
		json_kv(f, "commune_code", x->tot.missing[i].code, 0);
		json_kv(f, "commune_name", x->tot.missing[i].name, 1);
		json_kv(f, "district_code", x->tot.missing[i].district, 1);
		fputc('}', f);
	}
	fputs("],\n  \"communes_detail\": [", f);
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		fputs(i ? ",\n    {" : "\n    {", f);
		json_kv(f, "station_id", s->station, 0);
		json_kv(f, "commune_code", s->commune, 1);
		json_kv(f, "commune_name", s->commune_name, 1);
		json_kv(f, "district_code", s->district, 1);
		json_kv(f, "folder", s->dir, 1);
		fprintf(f, ", \"counted\": %s, \"in_denominator\": %s, \"verified\": %s, \"records\": %zu",
			s->counts ? "true" : "false", s->excluded ? "false" : "true",
			s->scan.chain_ok ? "true" : "false", s->scan.records);
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
	char per[64], pvi[96], title[256], subject[512], den[PATHBUF + 256];
	period_text(x->from, x->to, per, sizeof(per));
	period_vi(x->from, x->to, pvi, sizeof(pvi));
	snprintf(title, sizeof(title), "Báo cáo tổng hợp phát thanh — %s%s%s%s", x->district ? "huyện " : "",
		 x->district ? x->district : "", x->district ? " — " : "", per);
	snprintf(subject, sizeof(subject),
		 "Tổng hợp kết quả phát sóng tuyên truyền trên hệ thống truyền thanh cơ sở các xã %s", pvi);
	html_begin(f, title);
	html_form_head(f, &x->ca->form, subject);
	fputs("<p class=\"en\" style=\"text-align:center\">Communes meeting the plan's broadcast targets</p>\n<dl>\n", f);
	fputs("<dt>Kỳ báo cáo <span class=\"en\">Period</span></dt><dd>", f);
	html_str(f, per);
	fputs("</dd>\n<dt>Huyện <span class=\"en\">District</span></dt><dd>", f);
	html_str(f, x->district ? x->district : "— (không kiểm tra / not checked)");
	fputs("</dd>\n<dt>Tổng số xã <span class=\"en\">Denominator</span></dt><dd>", f);
	denominator_vi(x, den, sizeof(den));
	html_str(f, den);
	fputs("<span class=\"en\">", f);
	denominator_text(x, den, sizeof(den));
	html_str(f, den);
	fprintf(f, "</span></dd>\n<dt>Có số liệu / chưa báo cáo <span class=\"en\">Reporting / not reporting</span></dt><dd>%zu / <b class=\"%s\">%zu</b></dd>\n"
		   "<dt>Đài bị gắn cờ <span class=\"en\">Stations flagged</span></dt><dd class=\"%s\">%zu</dd>\n",
		x->tot.reporting, x->tot.not_reporting ? "bad" : "ok", x->tot.not_reporting,
		x->tot.flagged ? "bad" : "ok", x->tot.flagged);
	fprintf(f, "<dt>Ngoài danh sách / huyện khác <span class=\"en\">Listed apart</span></dt><dd>%zu</dd>\n</dl>\n",
		x->tot.excluded);

	fputs("<section class=\"keep\">\n", f);
	html_heading(f, "h2", "Tỷ lệ xã đạt chỉ tiêu", "Share of communes meeting each campaign's target");
	fputs("<table>\n<thead><tr>", f);
	html_th(f, "Chiến dịch", "Campaign");
	html_th(f, "Số xã đạt", "Communes meeting");
	html_th(f, "Không đạt", "Not meeting");
	html_th(f, "Không có số liệu", "Not reporting");
	html_th(f, "Tỷ lệ", "Percent");
	html_th(f, "Đã phát / theo lịch", "Aired / scheduled");
	fputs("</tr></thead>\n", f);
	for (size_t j = 0; j < x->nsum; j++) {
		fputs("<tr><td>", f);
		html_str(f, x->sum[j].title[0] ? x->sum[j].title : x->sum[j].id);
		if (x->sum[j].title[0]) {
			fputs("<span class=\"en mono\">", f);
			html_str(f, x->sum[j].id);
			fputs("</span>", f);
		}
		fprintf(f, "</td><td class=\"n\">%zu / %zu</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
			   "<td><span class=\"bar\"><i style=\"width:%.0f%%\"></i></span> "
			   "<b class=\"%s\">%.1f%%</b></td><td class=\"n\">%llu / %llu</td></tr>\n",
			x->sum[j].communes_met, x->sum[j].communes, x->sum[j].communes_not_met,
			x->sum[j].not_reporting, x->sum[j].percent,
			x->sum[j].communes_met == x->sum[j].communes ? "ok" : "bad", x->sum[j].percent,
			(unsigned long long)x->sum[j].aired, (unsigned long long)x->sum[j].scheduled);
	}
	if (!x->nsum)
		fputs("<tr><td colspan=\"6\">Không có chiến dịch (no campaign)</td></tr>\n", f);
	fputs("</table>\n</section>\n", f);

	section_open(f, x->n + x->tot.nmissing);
	html_heading(f, "h2", "Chi tiết từng xã", "Each commune");
	fputs("<table>\n<thead><tr>", f);
	html_th(f, "Xã", "Commune");
	html_th(f, "Đài", "Station");
	html_th(f, "Huyện", "District");
	for (size_t j = 0; j < x->nsum; j++) {
		fputs("<th>", f);
		html_str(f, x->sum[j].title[0] ? x->sum[j].title : x->sum[j].id);
		fputs("<span class=\"en mono\">", f);
		html_str(f, x->sum[j].id);
		fputs("</span></th>", f);
	}
	html_th(f, "Nhật ký", "Journal");
	html_th(f, "Lý do", "Reason");
	fputs("</tr></thead>\n", f);
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		if (s->excluded)
			continue;
		fputs("<tr><td>", f);
		html_str(f, s->commune_name[0] ? s->commune_name : s->commune[0] ? s->commune : "?");
		if (s->commune_name[0]) {
			fputs("<span class=\"en mono\">", f);
			html_str(f, s->commune);
			fputs("</span>", f);
		}
		fputs("</td><td>", f);
		html_str(f, s->station[0] ? s->station : "?");
		fputs("<span class=\"en mono\">", f);
		html_str(f, s->dir);
		fputs("</span></td><td>", f);
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
	for (size_t i = 0; i < x->tot.nmissing; i++) {
		const struct commune_entry *e = &x->tot.missing[i];
		fputs("<tr><td>", f);
		html_str(f, e->name[0] ? e->name : e->code);
		if (e->name[0]) {
			fputs("<span class=\"en mono\">", f);
			html_str(f, e->code);
			fputs("</span>", f);
		}
		fputs("</td><td>—</td><td>", f);
		html_str(f, e->district);
		fputs("</td>", f);
		for (size_t j = 0; j < x->nsum; j++)
			fputs("<td class=\"bad\">✗ Không</td>", f);
		fputs("<td class=\"bad\">không có (none)</td><td><b class=\"bad\">Không có số liệu (chưa báo cáo)</b>"
		      "<span class=\"en\">Not reporting: no journal received</span></td></tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
	int apart = 0;
	for (size_t i = 0; i < x->n; i++) {
		const struct rollup_station *s = &x->st[i];
		if (!s->excluded)
			continue;
		if (!apart++) {
			section_open(f, x->tot.excluded);
			html_heading(f, "h2", "Đài không tính vào tổng số xã", "Listed apart: not in the denominator");
			fputs("<table>\n<thead><tr>", f);
			html_th(f, "Đài", "Station");
			html_th(f, "Xã", "Commune");
			html_th(f, "Huyện", "District");
			html_th(f, "Lý do", "Reason");
			fputs("</tr></thead>\n", f);
		}
		fputs("<tr><td>", f);
		html_str(f, s->station[0] ? s->station : "?");
		fputs("<span class=\"en mono\">", f);
		html_str(f, s->dir);
		fputs("</span></td><td>", f);
		html_str(f, s->commune_name[0] ? s->commune_name : s->commune[0] ? s->commune : "?");
		if (s->commune_name[0]) {
			fputs("<span class=\"en mono\">", f);
			html_str(f, s->commune);
			fputs("</span>", f);
		}
		fputs("</td><td>", f);
		html_str(f, s->district[0] ? s->district : "?");
		fputs("</td><td>", f);
		html_str(f, s->flags);
		fputs("</td></tr>\n", f);
	}
	if (apart)
		fputs("</table>\n</section>\n", f);
	fputs("<p class=\"note\">Một đài có nhật ký không hợp lệ, thiếu tháng, trùng lặp, hoặc thuộc huyện khác thì không bao giờ được tính là đạt; xã trong danh sách không có nhật ký được tính là không đạt.<span class=\"en\">A station whose journal fails verification, is missing months, is given twice or belongs to another district is never counted as meeting a target; a listed commune with no journal counts as not meeting it.</span></p>\n",
	      f);
	html_form_sign(f, &x->ca->form);
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
					   COMMON_OPTIONS,
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "rollup [--month YYYY-MM | --from DATE --to DATE] [--format text|csv|json|html|pdf] "
			    "[--district CODE] [--communes FILE] [--schedule FILE]... [--jobs N] " COMMON_USAGE
			    " DIR...";
	struct period_args pa = {0};
	struct common_args ca = {0};
	enum fmt fmt = FMT_TEXT;
	const char *district = NULL, *communes = NULL;
	const char **sched_files = xcalloc((size_t)argc + 1, sizeof(*sched_files));
	size_t nsf = 0;
	long jobs = 0;
	int c, rc = EXIT_OK;
	optind = 0;
	while ((c = next_opt(argc, argv, lo, usage)) != -1) {
		char *end;
		if (common_opt(c, optarg, &ca))
			continue;
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
				return usage_error(usage, _("--jobs takes a number from 1 to 64, not \"%s\""), optarg);
			}
			break;
		case 'F':
			if (parse_format(optarg, &fmt) < 0) {
				free(sched_files);
				return usage_error(usage, _("--format is text, csv, json, html or pdf, not \"%s\""), optarg);
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
		return usage_error(usage, _("which station folders? give journal folders, station folders or a folder of them"));
	}
	if (district && !*district) {
		free(sched_files);
		return usage_error(usage, _("--district needs a code"));
	}
	/* Month boundaries and "now" in the station's zone: Vietnam's, unless
	 * TZ says otherwise. */
	civil_tz_default();
	struct roll_ctx x = {.district = district, .now = (int64_t)time(NULL), .ca = &ca,
			     .communes_file = communes};
	civil_tz_local(x.now, &ca.form.date, NULL, NULL);
	if ((rc = period_resolve(&pa, usage, &x.from, &x.to)) != 0 ||
	    (rc = common_check(&ca, fmt, usage)) != 0) {
		free(sched_files);
		return rc;
	}

	struct sched_set given = {0};
	struct commune_map *map = NULL;
	if ((rc = load_given(sched_files, nsf, communes, &given, &map)) != 0)
		return rc;
	if (!district && map && (district = commune_map_single_district(map)))
		x.district_from_list = 1;
	x.district = district;
	x.map = map;

	/* Each DIR is a journal folder, a station folder (DIR/journal) or a
	 * folder of them (a collector's mirror); a DIR with none is kept, to
	 * be flagged as a commune with no journal. */
	struct jfolder_list dirs = {0};
	for (int i = optind; i < argc; i++)
		if (jfolder_find(argv[i], &dirs) <= 0) {
			dirs.dir = xrealloc(dirs.dir, (dirs.n + 1) * sizeof(*dirs.dir));
			dirs.dir[dirs.n++] = xstrdup(argv[i]);
			dirs.cap = dirs.n;
		}

	struct rollup_opts o = {.from_day = x.from, .to_day = x.to, .district = district, .map = map,
				.given = &given, .jobs = (int)jobs};
	x.n = dirs.n;
	if (rollup_run((const char *const *)dirs.dir, x.n, &o, &x.st) < 0) {
		cli_err(_("roll-up failed: %s"), strerror(errno));
		jfolder_list_free(&dirs);
		sched_set_free(&given);
		commune_map_free(map);
		return EXIT_FAIL;
	}
	x.nsum = rollup_summarise(x.st, x.n, &o, &x.sum, &x.tot);
	struct out_redirect red;
	if (out_begin(&red, ca.output, fmt) < 0) {
		rc = EXIT_FAIL;
	} else {
		switch (fmt) {
		case FMT_TEXT: rollup_text(&x); break;
		case FMT_CSV: rollup_csv(&x); break;
		case FMT_JSON: rollup_json(&x); break;
		case FMT_HTML:
		case FMT_PDF: rollup_html(&x); break;
		}
		if (out_end(&red, ca.output, fmt) < 0)
			rc = EXIT_FAIL;
	}
	/* The findings, once: in the text on a terminal, else on stderr. */
	size_t flagged = 0;
	for (size_t i = 0; i < x.n; i++)
		flagged += !x.st[i].counts;
	if (fmt != FMT_TEXT || ca.output) {
		for (size_t i = 0; i < x.n; i++)
			if (!x.st[i].counts)
				fprintf(stderr, _("%s: %s (%s): not counted: %s\n"), PROG,
					x.st[i].station[0] ? x.st[i].station : "?", x.st[i].dir, x.st[i].flags);
	} else if (flagged) {
		fprintf(stderr,
			ngettext("%s: %zu station folder not counted (listed above)\n",
				 "%s: %zu station folders not counted (listed above)\n", flagged),
			PROG, flagged);
	}
	free(x.sum);
	rollup_totals_free(&x.tot);
	rollup_free(x.st, x.n);
	jfolder_list_free(&dirs);
	sched_set_free(&given);
	commune_map_free(map);
	return rc;
}
