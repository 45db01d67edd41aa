/* loaxa-web: the station's web page for commune staff (docs/WEB.md). A
 * separate process that does nothing the command line cannot do: daemon
 * actions go over loaxad's control socket (with as=ACCOUNT, so the journal
 * names who asked), uploads through the library code that `bulletin add`
 * uses (in a forked child: a whole-file decode), and the read-only pages
 * run loaxactl itself (schedule show, bulletin list, log, report). While a
 * child works its request is suspended, so nothing waits. One thread:
 * poll() over libmicrohttpd's epoll descriptor, a signalfd and the
 * children's pipes; with nobody connected it sleeps without a timeout.
 * At rest loaxa-web holds only the listening socket; a connection starts
 * a visit's process (fork), which loads libmicrohttpd (and the GnuTLS it
 * always brings), serves everyone until nobody has been connected for
 * REST_AFTER_S, and exits: whatever a visit maps or allocates never stays
 * in loaxa-web (issue 17). Sessions and failed logins live in memory
 * shared with it, so they outlive each visit's process. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>
#include <sodium.h>

#include "civil.h"
#include "config.h"
#include "control.h"
#include "kv.h"
#include "library.h"
#include "model.h"
#include "util.h"
#include "web_auth.h"
#include "web_page.h"
#include "web_users.h"
#include "i18n.h"

#ifndef LOAXA_DOCDIR
#define LOAXA_DOCDIR "/usr/local/share/doc/loaxa"
#endif

/* libmicrohttpd through dlopen, in a visit's process only: Debian's
 * always links GnuTLS, nettle, gmp, p11-kit..., about 2.5 MiB resident,
 * which a page nobody is looking at should not hold. dlclose cannot give
 * it all back (p11-kit is NODELETE, about 0.4 MiB once loaded, TLS or
 * not): the visit's process exiting does. */
#ifndef MHD_SONAME /* the Makefile reads it from the library built against */
#define MHD_SONAME "libmicrohttpd.so.12"
#endif
#define MHD_FUNCS(X)                                                                            \
	X(MHD_add_response_header) X(MHD_create_post_processor) X(MHD_create_response_from_buffer) \
	X(MHD_destroy_post_processor) X(MHD_destroy_response) X(MHD_get_connection_info)          \
	X(MHD_get_daemon_info) X(MHD_get_timeout) X(MHD_lookup_connection_value)                  \
	X(MHD_post_process) X(MHD_queue_response) X(MHD_resume_connection) X(MHD_run)             \
	X(MHD_start_daemon) X(MHD_stop_daemon) X(MHD_suspend_connection) X(MHD_quiesce_daemon)
#define MHD_PTR(f) static __typeof__(f) *p_##f;
MHD_FUNCS(MHD_PTR)
#undef MHD_PTR
#define MHD_add_response_header p_MHD_add_response_header
#define MHD_create_post_processor p_MHD_create_post_processor
#define MHD_create_response_from_buffer p_MHD_create_response_from_buffer
#define MHD_destroy_post_processor p_MHD_destroy_post_processor
#define MHD_destroy_response p_MHD_destroy_response
#define MHD_get_connection_info p_MHD_get_connection_info
#define MHD_get_daemon_info p_MHD_get_daemon_info
#define MHD_get_timeout p_MHD_get_timeout
#define MHD_lookup_connection_value p_MHD_lookup_connection_value
#define MHD_post_process p_MHD_post_process
#define MHD_queue_response p_MHD_queue_response
#define MHD_resume_connection p_MHD_resume_connection
#define MHD_run p_MHD_run
#define MHD_start_daemon p_MHD_start_daemon
#define MHD_stop_daemon p_MHD_stop_daemon
#define MHD_suspend_connection p_MHD_suspend_connection
#define MHD_quiesce_daemon p_MHD_quiesce_daemon
#define REST_AFTER_S 30

#define PROG "loaxa-web"
#define DEFAULT_CONF "/etc/loaxa/loaxa.conf"
#define COOKIE "loaxa_session"
#define CHILD_OUT_MAX (8u << 20)
#define FORM_OVERHEAD (64u << 10) /* multipart headers and the small fields */
#ifndef LOAXA_BINDIR
#define LOAXA_BINDIR "/usr/local/bin"
#endif

extern char **environ;

static struct {
	struct station st;
	char conf[PATHBUF];
	char ctl[PATHBUF]; /* loaxactl */
	struct web_users users;
	/* Shared with the serving process (MAP_SHARED): logins and failed
	 * logins outlive each visit's process. */
	struct shared {
		struct web_sessions sess;
		struct web_backoff bo;
	} *sh;
	struct MHD_Daemon *mhd; /* a visit's process's; NULL in loaxa-web itself */
	void *mhd_lib;
	char no_lib[300]; /* why libmicrohttpd did not load, in a visit's process */
	int lfd;       /* the listening socket: polled by loaxa-web at rest, by a visit's libmicrohttpd */
	unsigned mhd_flags;
	int tls;
	uint64_t max_upload;
	locale_t loc[2];      /* per enum web_lang: where gettext finds its words */
	const char *language; /* "LANGUAGE=..." as started, for loaxactl; NULL if unset */
	enum web_lang log_lang; /* the log's: the language loaxa-web was started in */
} W;

struct job;

/* One request being read: form fields and, for an upload, the file. */
struct req {
	int post;
	struct MHD_PostProcessor *pp;
	int refused; /* a reply was queued before the body was read */
	char csrf[WEB_TOKEN_LEN + 8];
	char id[ID_MAX + 8], title[TITLE_MAX + 8], campaign[ID_MAX + 8], confirm[8];
	char user[WEB_USER_MAX + 8], password[WEB_PASSWORD_MAX + 8];
	int fd;
	char tmp[PATHBUF];
	char filename[256];
	uint64_t got;
	int too_big, bad_file;
	struct job *job; /* the child making its page, if any */
	enum web_lang lang;
};

/* A reply to send. */
struct reply {
	unsigned status;
	const char *ctype;
	char *body;
	size_t len;
	char location[256];
	char cookie[256];
	char disposition[128];
	long retry_after;
	int report; /* the report's own HTML: inline styles allowed */
};

/* issue 16: the page's words in the request's language (Accept-Language),
 * from the message catalogue (po/vi.po), whatever the process's locale. */
#define L(en) web_tr(lang, en)
/* The log's words: in the language of the environment it was started in. */
#define LG(en) web_tr(W.log_lang, en)

/* The "C" locale shows messages as written (English) whatever LANGUAGE
 * says; Vietnamese comes from C.UTF-8 with LANGUAGE=vi (set for this
 * process: loaxa's catalogue is the only one it reads; the C library's
 * texts stay English, i18n.c). Only LC_MESSAGES: no character tables are
 * mapped (issue 17), the catalogue is bound to UTF-8. */
static void web_tr_init(void)
{
	char own[CONTROL_LANG_MAX + 1];
	i18n_language(own, sizeof(own)); /* before LANGUAGE is set below */
	W.log_lang = strcmp(own, "vi") ? WEB_EN : WEB_VI;
	const char *l = getenv("LANGUAGE");
	if (l) {
		static char keep[128];
		snprintf(keep, sizeof(keep), "LANGUAGE=%s", l);
		W.language = keep;
	}
	setenv("LANGUAGE", "vi", 1);
	W.loc[WEB_EN] = newlocale(LC_MESSAGES_MASK, "C", (locale_t)0);
	W.loc[WEB_VI] = newlocale(LC_MESSAGES_MASK, "C.UTF-8", (locale_t)0);
}

__attribute__((format_arg(2))) static const char *web_tr(enum web_lang lang, const char *en)
{
	locale_t l = W.loc[lang == WEB_EN ? WEB_EN : WEB_VI];
	if (!l)
		return en;
	locale_t old = uselocale(l);
	const char *t = gettext(en);
	uselocale(old);
	return t;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- children: loaxactl for the read-only pages, library_add for uploads ---- */

/* A child at work for a suspended request. The loop polls its pipes; when
 * both are closed the request is resumed and its page is made from what
 * the child wrote. So a month's report or a long decode never holds up
 * another request, and its memory is the child's. */
struct job {
	pid_t pid;
	int fd[2]; /* the child's stdout and stderr; -1 once closed */
	struct wbuf out, err;
	int rc;    /* exit status; -1: killed, or could not run */
	int done;
	int login; /* a password check */
	struct MHD_Connection *c;
};

#define JOBS_MAX 4
#define LOGIN_CHECKS_MAX 2 /* of JOBS_MAX: at most 2 x 19 MiB for Argon2id */
static struct job *jobs[JOBS_MAX];

static int job_slot(void)
{
	for (int i = 0; i < JOBS_MAX; i++)
		if (!jobs[i])
			return i;
	return -1;
}

static struct job *job_new(int slot, pid_t pid, int po, int pe, struct MHD_Connection *c)
{
	struct job *j = xcalloc(1, sizeof(*j));
	j->pid = pid;
	j->fd[0] = po;
	j->fd[1] = pe;
	j->c = c;
	fcntl(po, F_SETFL, O_NONBLOCK);
	fcntl(pe, F_SETFL, O_NONBLOCK);
	wb_put(&j->out, "");
	wb_put(&j->err, "");
	jobs[slot] = j;
	MHD_suspend_connection(c);
	return j;
}

/* Start loaxactl -c CONF args... for connection c (suspended until it
 * ends). NULL when it cannot start or JOBS_MAX are running. */
static struct job *job_ctl(const char *const *args, struct MHD_Connection *c)
{
	int slot = job_slot();
	if (slot < 0)
		return NULL;
	const char *argv[16];
	size_t n = 0;
	argv[n++] = W.ctl;
	argv[n++] = "-c";
	argv[n++] = W.conf;
	for (size_t i = 0; args[i] && n < ARRAY_LEN(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return NULL;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return NULL;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	/* Our blocked signals (signalfd) and ignored SIGPIPE are not its. */
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none, pipe;
	sigemptyset(&none);
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &pipe);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	/* loaxactl gets the environment we were started with (LANGUAGE as
	 * it was before web_tr_init) */
	size_t ne = 0;
	while (environ[ne])
		ne++;
	char **env = xcalloc(ne + 2, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < ne; i++)
		if (strncmp(environ[i], "LANGUAGE=", 9))
			env[k++] = environ[i];
	if (W.language)
		env[k++] = (char *)W.language;
	pid_t pid;
	int r = posix_spawn(&pid, W.ctl, &fa, &at, (char *const *)argv, env);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(po[1]);
	close(pe[1]);
	if (r != 0) {
		log_warnx(LG("cannot run %s: %s"), W.ctl, strerror(r));
		close(po[0]);
		close(pe[0]);
		return NULL;
	}
	return job_new(slot, pid, po[0], pe[0], c);
}

/* Fork a child that runs fn(arg) with its stdout and stderr to the job. */
static struct job *job_fork(void (*fn)(void *), void *arg, struct MHD_Connection *c)
{
	int slot = job_slot();
	if (slot < 0)
		return NULL;
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return NULL;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return NULL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		log_warn("fork");
		close(po[0]);
		close(pe[0]);
		return NULL;
	}
	return job_new(slot, pid, po[0], pe[0], c);
}

static void job_reap(struct job *j, int kill_it)
{
	for (int k = 0; k < 2; k++)
		if (j->fd[k] >= 0) {
			close(j->fd[k]);
			j->fd[k] = -1;
		}
	if (kill_it)
		kill(j->pid, SIGKILL);
	int st;
	while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
		;
	j->rc = !kill_it && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	j->done = 1;
	for (int i = 0; i < JOBS_MAX; i++)
		if (jobs[i] == j)
			jobs[i] = NULL;
}

/* Read what a job's child wrote; when it has closed both pipes, reap it
 * and resume its request. */
static void job_service(struct job *j)
{
	char buf[16384];
	for (int k = 0; k < 2; k++) {
		while (j->fd[k] >= 0) {
			ssize_t n = read(j->fd[k], buf, sizeof(buf));
			if (n > 0) {
				struct wbuf *to = k ? &j->err : &j->out;
				if (to->len + (size_t)n <= CHILD_OUT_MAX)
					wb_putn(to, buf, (size_t)n);
			} else if (n < 0 && errno == EINTR) {
				continue;
			} else {
				if (n == 0 || errno != EAGAIN) {
					close(j->fd[k]);
					j->fd[k] = -1;
				}
				break;
			}
		}
	}
	if (j->fd[0] < 0 && j->fd[1] < 0) {
		job_reap(j, 0);
		MHD_resume_connection(j->c);
	}
}

/* A request ends: a child still at work is stopped. */
static void job_free(struct job *j)
{
	if (!j)
		return;
	if (!j->done)
		job_reap(j, 1);
	wb_free(&j->out);
	wb_free(&j->err);
	free(j);
}

/* ---- the daemon, over the control socket ---- */

/* Ask loaxad; *reply is malloc'd. With user, the request carries as=USER;
 * with lang (the page's language, "vi"), lang=LANG: a refusal then comes
 * with message=, its words in that language (docs/CONTROL.md). */
static int daemon_ask(const char *req, const char *user, const char *lang, char **reply, char *err,
		      size_t errn)
{
	char line[CONTROL_REQ_MAX];
	snprintf(line, sizeof(line), "%s%s%s%s%s", req, lang ? " lang=" : "", lang ? lang : "",
		 user ? " as=" : "", user ? user : "");
	*reply = NULL;
	return control_request(W.st.control, line, reply, err, errn);
}

/* The plain-words outcome of an action's reply into msg; 1 ok, 0 refused.
 * The daemon says what happened in fields (docs/CONTROL.md); the words
 * for people are made here, as loaxactl makes its own. */
static int reply_words(enum web_lang lang, const char *reply, char *msg, size_t n)
{
	int ok = kv_ok(reply);
	char res[32] = "", bul[ID_MAX] = "", occ[160] = "", pre[160] = "";
	if (ok < 0) {
		str_copy(msg, L("unexpected answer from loaxad"), n);
		return 0;
	}
	if (!ok) {
		if ((kv_get(reply, "message", msg, n) < 0 || !msg[0]) && kv_get(reply, "error", msg, n) < 0)
			str_copy(msg, "error", n);
		return 0;
	}
	if (kv_get(reply, "message", msg, n) == 0 && msg[0])
		return 1;
	kv_get(reply, "result", res, sizeof(res));
	kv_get(reply, "bulletin", bul, sizeof(bul));
	kv_get(reply, "occurrence", occ, sizeof(occ));
	kv_get(reply, "preempted", pre, sizeof(pre));
	if (!strcmp(res, "playing"))
		snprintf(msg, n, L("%s is playing now."), bul);
	else if (!strcmp(res, "starting"))
		snprintf(msg, n, L("%s is starting (the amplifier is coming on)."), bul);
	else if (!strcmp(res, "preempted"))
		snprintf(msg, n, L("%s cut off %s and is playing now."), bul, pre);
	else if (!strcmp(res, "queued"))
		snprintf(msg, n, L("%s plays next, when the current broadcast ends."), bul);
	else if (!strcmp(res, "stopped"))
		snprintf(msg, n, L("Stopped %s."), occ);
	else if (!strcmp(res, "nothing"))
		str_copy(msg, L("Nothing was playing."), n);
	else
		str_copy(msg, L("Done."), n);
	return 1;
}

/* ---- page frame ---- */

static const char style_css[] =
	"*{box-sizing:border-box}body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f3}"
	"header{background:#8b1a1a;color:#fff;padding:.5em 1em}header h1{font-size:1.15em;margin:0}"
	"nav{display:flex;flex-wrap:wrap;gap:.2em 1em;margin-top:.3em}nav a{color:#fff}nav a.on{font-weight:bold;text-decoration:none}"
	"nav form{margin-left:auto}header small{color:#fde}main{padding:1em;max-width:60em}h2{font-size:1.2em;margin:.2em 0 .6em}"
	"table{border-collapse:collapse;width:100%;background:#fff;margin:.5em 0 1em}th,td{border:1px solid #ccc;padding:.3em .4em;text-align:left;vertical-align:top}"
	"th{background:#eee}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;background:#fff;padding:.6em;border:1px solid #ccc}"
	"dt{font-weight:bold}dd{margin:0}pre{background:#fff;border:1px solid #ccc;padding:.6em;overflow-x:auto;font-size:.85em}"
	".msg{padding:.6em;border:1px solid #2a7a2a;background:#e8f5e8;margin-bottom:1em}.msg.bad{border-color:#a33;background:#fbe9e9}"
	"button,input,select{font:inherit;padding:.3em .6em}button.danger{background:#b00;color:#fff;border:1px solid #700}"
	"form.inline{display:inline}fieldset{background:#fff;border:1px solid #ccc;margin:0 0 1em}label{display:block;margin:.3em 0}"
	".drop{border:2px dashed #999;padding:1em;text-align:center}.drop.over{border-color:#8b1a1a;background:#fff3f3}"
	".aired{color:#175c17}.failed,.missed,.interrupted{color:#a00}.partial{color:#8a5a00}small{color:#555}"
	/* a phone: long ids and titles wrap instead of widening the page */
	"td,th,label,.drop,dd{overflow-wrap:break-word}dd,fieldset{min-width:0}input,select{max-width:100%}"
	"@media(max-width:30em){dl{grid-template-columns:1fr;gap:0}dd{margin-bottom:.4em}}"
	"@media(max-width:45em){table{display:block;overflow-x:auto}}";

/* Drag and drop onto the upload form; the file picker works without it. */
static const char app_js[] =
	"(function(){var d=document.getElementById('drop'),f=document.getElementById('file');if(!d||!f)return;"
	"d.addEventListener('dragover',function(e){e.preventDefault();d.classList.add('over');});"
	"d.addEventListener('dragleave',function(){d.classList.remove('over');});"
	"d.addEventListener('drop',function(e){e.preventDefault();d.classList.remove('over');"
	"if(e.dataTransfer.files.length){f.files=e.dataTransfer.files;var n=document.getElementById('dropname');"
	"if(n)n.textContent=f.files[0].name;}});})();";

static void page_begin(struct wbuf *b, enum web_lang lang, const char *title,
		       const struct web_session *s, const char *active)
{
	wb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>",
		  lang == WEB_EN ? "en" : "vi");
	wb_html(b, title);
	wb_put(b, " — ");
	wb_html(b, W.st.name);
	/* the name says what it is: "Đài truyền thanh xã Phù Đổng" */
	wb_put(b, "</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><header><h1>");
	wb_html(b, W.st.name);
	wb_put(b, "</h1>");
	if (s) {
		static const struct {
			const char *path, *en;
		} nav[] = {{"/now", N_("Now")},
			   {"/bulletins", N_("Bulletins")},
			   {"/schedule", N_("Schedule")},
			   {"/log", N_("Log and reports")}};
		wb_put(b, "<nav>");
		for (size_t i = 0; i < ARRAY_LEN(nav); i++)
			wb_printf(b, "<a href=\"%s\"%s>%s</a>", nav[i].path,
				  !strcmp(active, nav[i].path) ? " class=\"on\"" : "", L(nav[i].en));
		wb_put(b, "<form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"");
		wb_put(b, s->csrf);
		wb_put(b, "\"><small>");
		wb_html(b, s->user);
		wb_printf(b, " (%s)</small> <button id=\"logout\">%s</button></form></nav>",
			  s->role == WEB_STAFF ? L("staff") : L("viewer"),
			  L("Log out"));
	}
	wb_put(b, "</header><main><h2>");
	wb_html(b, title);
	wb_put(b, "</h2>");
}

static void page_flash(struct wbuf *b, struct web_session *s)
{
	if (!s || !s->flash[0])
		return;
	wb_printf(b, "<div class=\"msg%s\" id=\"msg\">", s->flash_bad ? " bad" : "");
	wb_html(b, s->flash);
	wb_put(b, "</div>");
	s->flash[0] = '\0';
}

static void page_end(struct wbuf *b)
{
	wb_put(b, "</main><script src=\"/static/app.js\"></script></body></html>\n");
}

static void csrf_field(struct wbuf *b, const struct web_session *s)
{
	wb_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", s->csrf);
}

static void set_flash(struct web_session *s, int bad, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_flash(struct web_session *s, int bad, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->flash, sizeof(s->flash), fmt, ap);
	va_end(ap);
	s->flash_bad = bad;
}

static void reply_html(struct reply *r, unsigned status, struct wbuf *b)
{
	r->status = status;
	r->ctype = "text/html; charset=utf-8";
	r->body = wb_take(b, &r->len);
}

static void reply_redirect(struct reply *r, const char *to)
{
	r->status = 303;
	str_copy(r->location, to, sizeof(r->location));
}

static void reply_text(struct reply *r, unsigned status, const char *text)
{
	struct wbuf b = {0};
	wb_put(&b, text);
	wb_put(&b, "\n");
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	r->body = wb_take(&b, &r->len);
}

/* ---- pages ---- */

static void page_login(struct reply *r, enum web_lang lang, unsigned status, const char *msg)
{
	struct wbuf b = {0};
	page_begin(&b, lang, L("Log in"), NULL, "");
	if (msg) {
		wb_put(&b, "<div class=\"msg bad\" id=\"msg\">");
		wb_html(&b, msg);
		wb_put(&b, "</div>");
	}
	wb_printf(&b, "<form method=\"post\" action=\"/login\"><fieldset>"
		      "<label>%s <input name=\"user\" id=\"user\" autocomplete=\"username\" required></label>"
		      "<label>%s <input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"current-password\" required></label>"
		      "<button id=\"login\">%s</button></fieldset></form>",
		  L("Account"), L("Password"), L("Log in"));
	page_end(&b);
	reply_html(r, status, &b);
}

static const char *state_words(enum web_lang lang, const char *v)
{
	if (!strcmp(v, "idle"))
		return L("idle");
	if (!strcmp(v, "playing"))
		return L("playing");
	if (!strcmp(v, "starting"))
		return L("starting (amplifier coming on)");
	if (!strcmp(v, "draining"))
		return L("playing (ending)");
	if (!strcmp(v, "waiting-clock"))
		return L("waiting for the clock");
	return v;
}

/* The three levels of the 2020 circular. */
static const char *level_words(enum web_lang lang, const char *v)
{
	if (!strcmp(v, "normal"))
		return L("normal");
	if (!strcmp(v, "priority"))
		return L("priority");
	if (!strcmp(v, "emergency"))
		return L("emergency");
	return v;
}

/* "2026-11-30T07:00:00+07:00" -> "30/11/2026 07:00" */
static void table_time(const char *iso, char *out, size_t n)
{
	int y, mo, d, h, mi;
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) == 5)
		snprintf(out, n, "%02d/%02d/%04d %02d:%02d", d, mo, y, h, mi);
	else
		str_copy(out, iso, n);
}

/* What the Now page shows of a structured status reply, in this order. */
static const struct {
	const char *key, *en;
} status_fields[] = {
	{"state", N_("State")},
	{"synced", N_("Clock synchronised")},
	{"playing.bulletin", N_("Playing bulletin")},
	{"playing.title", N_("Title")},
	{"playing.level", N_("Level")},
	{"playing.seconds", N_("Played (s)")},
	{"amp", N_("Amplifier")},
	{"amp.fault", N_("Amplifier fault")},
	{"audio.device", N_("Audio device")},
	{"last_error", N_("Last error")},
	{"schedule.serial", N_("Schedule serial")},
	{"library.count", N_("Bulletins in the library")},
	{"journal", N_("As-run log")},
	{"journal.error", N_("Journal error")},
};

static void catalog_options(struct wbuf *b, const char *selected)
{
	struct errlist errs = {0};
	struct catalog cat;
	char cp[PATHBUF + 16];
	library_catalog_path(&W.st, cp, sizeof(cp));
	if (catalog_load(cp, &cat, &errs) == 0) {
		for (size_t i = 0; i < cat.n; i++) {
			wb_put(b, "<option value=\"");
			wb_html(b, cat.items[i].id);
			wb_printf(b, "\"%s>", selected && !strcmp(selected, cat.items[i].id) ? " selected" : "");
			wb_html(b, cat.items[i].id);
			wb_put(b, " — ");
			wb_html(b, cat.items[i].title);
			wb_put(b, "</option>");
		}
	}
	catalog_free(&cat);
	errlist_free(&errs);
}

static void page_now(struct reply *r, enum web_lang lang, struct web_session *s)
{
	struct wbuf b = {0};
	page_begin(&b, lang, L("Now"), s, "/now");
	page_flash(&b, s);
	char *reply = NULL, err[512];
	if (daemon_ask("status", NULL, NULL, &reply, err, sizeof(err)) < 0) {
		wb_printf(&b, "<div class=\"msg bad\">%s: ", L("Cannot reach the station daemon (loaxad)"));
		wb_html(&b, err);
		wb_put(&b, "</div>");
	} else if (kv_ok(reply) >= 0) {
		char v[1024];
		wb_put(&b, "<dl id=\"status\">");
		for (size_t i = 0; i < ARRAY_LEN(status_fields); i++) {
			if (kv_get(reply, status_fields[i].key, v, sizeof(v)) < 0 || !v[0])
				continue;
			wb_printf(&b, "<dt>%s</dt><dd data-key=\"%s\">", L(status_fields[i].en),
				  status_fields[i].key);
			const char *k = status_fields[i].key;
			wb_html(&b, !strcmp(k, "state") ? state_words(lang, v)
				    : !strcmp(k, "playing.level") ? level_words(lang, v)
				    : !strcmp(k, "journal") && !strcmp(v, "ok") ? L("ok")
				    : !strcmp(k, "journal") && !strcmp(v, "failing") ? L("FAILING")
				    : !strcmp(k, "amp") && !strcmp(v, "none") ? L("none configured")
				    : !strcmp(k, "amp") ? web_tr(lang, v) /* sequence.c's words, as in loaxactl status */
				    : !strcmp(v, "yes") ? L("yes") : !strcmp(v, "no") ? L("no") : v);
			char fb[512];
			if (!strcmp(k, "audio.device") && kv_get(reply, "audio.fallback", fb, sizeof(fb)) == 0 &&
			    !strcmp(fb, "yes") && kv_get(reply, "audio.fallback.file", fb, sizeof(fb)) == 0) {
				wb_put(&b, L(", no sound card: writing to "));
				wb_html(&b, fb);
			}
			wb_put(&b, "</dd>");
		}
		if (kv_ok(reply) == 0 && kv_get(reply, "error", v, sizeof(v)) == 0) {
			wb_printf(&b, "<dt>%s</dt><dd>", L("Error"));
			wb_html(&b, v);
			wb_put(&b, "</dd>");
		}
		wb_put(&b, "</dl>");
		/* Next broadcasts: next.N.due / .bulletin / .title / .level */
		wb_printf(&b, "<h2>%s</h2><table id=\"next\"><tr><th>%s</th><th>%s</th><th>%s</th></tr>",
			  L("Next"), L("Due"), L("Bulletin"), L("Level"));
		int rows = 0;
		for (int i = 0; i < 10; i++) {
			char k[32], due[64], bul[256], title[512], lvl[32];
			snprintf(k, sizeof(k), "next.%d.due", i);
			if (kv_get(reply, k, due, sizeof(due)) < 0)
				break;
			snprintf(k, sizeof(k), "next.%d.bulletin", i);
			kv_get(reply, k, bul, sizeof(bul));
			snprintf(k, sizeof(k), "next.%d.title", i);
			kv_get(reply, k, title, sizeof(title));
			snprintf(k, sizeof(k), "next.%d.level", i);
			kv_get(reply, k, lvl, sizeof(lvl));
			char when[40];
			table_time(due, when, sizeof(when));
			wb_put(&b, "<tr><td>");
			wb_html(&b, when);
			wb_put(&b, "</td><td>");
			wb_html(&b, bul);
			if (title[0]) {
				wb_put(&b, " — ");
				wb_html(&b, title);
			}
			wb_put(&b, "</td><td>");
			wb_html(&b, level_words(lang, lvl));
			wb_put(&b, "</td></tr>");
			rows++;
		}
		if (!rows)
			wb_printf(&b, "<tr><td colspan=\"3\">%s</td></tr>",
				  L("Nothing scheduled"));
		wb_put(&b, "</table>");
		/* Everything else the daemon said, for the technician. */
		wb_printf(&b, "<details><summary>%s</summary><table>", L("Technical details"));
		size_t pos = 0;
		char key[64];
		while (kv_next(reply, &pos, key, sizeof(key), v, sizeof(v)) == 0) {
			wb_put(&b, "<tr><td>");
			wb_html(&b, key);
			wb_put(&b, "</td><td>");
			wb_html(&b, v);
			wb_put(&b, "</td></tr>");
		}
		wb_put(&b, "</table></details>");
	} else {
		/* An older daemon: its text status as it is. */
		wb_put(&b, "<pre id=\"status\">");
		wb_html(&b, !strncmp(reply, "ok\n", 3) ? reply + 3 : reply);
		wb_put(&b, "</pre>");
	}
	free(reply);
	if (s->role == WEB_STAFF) {
		wb_put(&b, "<form method=\"post\" action=\"/stop\"><p>");
		csrf_field(&b, s);
		wb_printf(&b, "<button id=\"stop\">%s</button> <small>%s</small></p></form>", L("Stop"),
			  L("stops what is playing (recorded as partial)"));
		wb_printf(&b, "<h2>%s</h2><form method=\"post\" action=\"/emergency\"><fieldset>",
			  L("Emergency broadcast"));
		csrf_field(&b, s);
		wb_printf(&b, "<label>%s <select name=\"id\" id=\"emergency-id\">", L("Bulletin"));
		catalog_options(&b, NULL);
		wb_printf(&b, "</select></label><small>%s</small><br><button class=\"danger\" id=\"emergency\">%s</button></fieldset></form>",
			  L("Plays at once, cutting into what is playing, even in a blackout. You will be asked to confirm."),
			  L("Emergency broadcast…"));
	}
	page_end(&b);
	reply_html(r, 200, &b);
}

static void page_emergency_confirm(struct reply *r, enum web_lang lang, struct web_session *s,
				   const char *id)
{
	struct wbuf b = {0};
	page_begin(&b, lang, L("Confirm the emergency broadcast"), s, "/now");
	wb_printf(&b, "<div class=\"msg bad\">%s <b>", L("Play as an emergency:"));
	wb_html(&b, id);
	wb_printf(&b, "</b>. %s</div><form method=\"post\" action=\"/emergency\">",
		  L("What is playing (if anything) is cut off and recorded as partial."));
	csrf_field(&b, s);
	wb_put(&b, "<input type=\"hidden\" name=\"id\" value=\"");
	wb_html(&b, id);
	wb_printf(&b, "\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">"
		      "<button class=\"danger\" id=\"confirm\">%s</button> <a href=\"/now\">%s</a></form>",
		  L("Yes, play it now"), L("Cancel"));
	page_end(&b);
	reply_html(r, 200, &b);
}

/* Next play of each bulletin as `loaxactl bulletin list` computes it: the
 * row starting with the id holds "YYYY-MM-DD HH:MM" or "-" there. */
static void next_play_of(const char *list, const char *id, char *out, size_t n)
{
	str_copy(out, "-", n);
	size_t il = strlen(id);
	for (const char *l = list; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, id, il) || l[il] != ' ')
			continue;
		const char *eol = strchr(l, '\n');
		for (const char *p = l + il; *p && (!eol || p < eol); p++) {
			int y, mo, d, h, mi;
			char sp;
			if (p[-1] == ' ' && sscanf(p, "%4d-%2d-%2d%c%2d:%2d", &y, &mo, &d, &sp, &h, &mi) == 6 &&
			    sp == ' ' && p[16] == ' ') {
				snprintf(out, n, "%02d/%02d/%04d %02d:%02d", d, mo, y, h, mi);
				return;
			}
		}
		return;
	}
}

static void page_bulletins(struct reply *r, enum web_lang lang, struct web_session *s,
			   const struct job *j)
{
	struct wbuf b = {0};
	page_begin(&b, lang, L("Bulletins"), s, "/bulletins");
	page_flash(&b, s);
	if (s->role == WEB_STAFF) {
		wb_put(&b, "<form method=\"post\" action=\"/bulletins/add\" enctype=\"multipart/form-data\" id=\"upload\"><fieldset>");
		csrf_field(&b, s);
		wb_printf(&b, "<legend>%s</legend><div class=\"drop\" id=\"drop\"><label>%s "
			      "<input type=\"file\" name=\"file\" id=\"file\" accept=\".mp3,.mp2,audio/mpeg\" required></label>"
			      "<small id=\"dropname\">%s</small></div>"
			      "<label>%s <input name=\"title\" id=\"title\" required maxlength=\"255\"></label>"
			      "<label>%s <input name=\"campaign\" id=\"campaign\" maxlength=\"63\"></label>"
			      "<label>%s <input name=\"id\" id=\"bid\" maxlength=\"63\" pattern=\"[A-Za-z0-9_][A-Za-z0-9._-]*\"></label>"
			      "<small>%s</small><br><button id=\"add\">%s</button></fieldset></form>",
			  L("Upload a bulletin (MP3 or MP2)"),
			  L("Audio file"),
			  L("or drop the file here"),
			  L("Title"), L("Campaign (optional)"),
			  L("Bulletin id (optional)"),
			  L("Without an id, the file name gives it. The file is checked as loaxactl bulletin add checks it."),
			  L("Upload"));
		wb_printf(&b, "<p><small>%s %d MB.</small></p>", L("At most"),
			  W.st.web_max_upload_mb);
	}
	struct errlist errs = {0};
	struct catalog cat;
	char cp[PATHBUF + 16];
	library_catalog_path(&W.st, cp, sizeof(cp));
	if (catalog_load(cp, &cat, &errs) < 0) {
		wb_put(&b, "<div class=\"msg bad\">");
		for (size_t i = 0; i < errs.n; i++) {
			wb_html(&b, errs.msg[i]);
			wb_put(&b, "<br>");
		}
		wb_put(&b, "</div>");
	} else if (!cat.n) {
		wb_printf(&b, "<p id=\"empty\">%s</p>", L("The library is empty."));
	} else {
		/* Signed: its SHA-256 is in the signed schedule in force. */
		struct bundle_file *bf = NULL;
		size_t nbf = 0;
		struct errlist e2 = {0};
		if (config_load_bundle_files(W.st.schedule, &bf, &nbf, &e2) < 0)
			nbf = 0;
		errlist_free(&e2);
		wb_printf(&b, "<table id=\"bulletins\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th></th></tr>",
			  L("Id"), L("Title"), L("Campaign"),
			  L("Duration"), L("Source"), L("Next play"));
		for (size_t i = 0; i < cat.n; i++) {
			const struct bulletin *it = &cat.items[i];
			int signed_ = 0;
			for (size_t k = 0; k < nbf; k++)
				signed_ |= !strcmp(bf[k].sha256, it->sha256);
			long secs = (long)(it->duration + 0.5);
			char np[32];
			next_play_of(j->out.p, it->id, np, sizeof(np));
			wb_put(&b, "<tr data-id=\"");
			wb_html(&b, it->id);
			wb_put(&b, "\"><td>");
			wb_html(&b, it->id);
			wb_put(&b, "</td><td>");
			wb_html(&b, it->title);
			wb_put(&b, "</td><td>");
			wb_html(&b, it->campaign[0] ? it->campaign : "-");
			wb_printf(&b, "</td><td>%ld:%02ld</td><td>%s</td><td>%s</td><td>", secs / 60, secs % 60,
				  signed_ ? L("signed (pushed)") : L("local"), np);
			if (s->role == WEB_STAFF) {
				wb_put(&b, "<form method=\"post\" action=\"/play\" class=\"inline\">");
				csrf_field(&b, s);
				wb_put(&b, "<input type=\"hidden\" name=\"id\" value=\"");
				wb_html(&b, it->id);
				wb_printf(&b, "\"><button class=\"play\">%s</button></form> ", L("Play now"));
				if (!signed_) {
					wb_put(&b, "<form method=\"post\" action=\"/bulletins/remove\" class=\"inline\">");
					csrf_field(&b, s);
					wb_put(&b, "<input type=\"hidden\" name=\"id\" value=\"");
					wb_html(&b, it->id);
					wb_printf(&b, "\"><button class=\"remove\">%s</button></form>", L("Remove"));
				}
			}
			wb_put(&b, "</td></tr>");
		}
		wb_put(&b, "</table>");
		free(bf);
	}
	catalog_free(&cat);
	errlist_free(&errs);
	page_end(&b);
	reply_html(r, 200, &b);
}

static void page_schedule(struct reply *r, enum web_lang lang, struct web_session *s,
			  const struct job *j)
{
	struct wbuf b = {0};
	page_begin(&b, lang, L("The week's schedule"), s, "/schedule");
	page_flash(&b, s);
	if (j->err.len) {
		wb_printf(&b, "<div class=\"msg%s\"><pre>", j->rc ? " bad" : "");
		wb_html(&b, j->err.p);
		wb_put(&b, "</pre></div>");
	}
	wb_put(&b, "<pre id=\"schedule\">");
	wb_html(&b, j->out.p);
	wb_put(&b, "</pre>");
	/* Blackouts of the installed schedule that reach into the week. */
	struct errlist errs = {0};
	struct schedule sc;
	if (config_load_schedule(W.st.schedule, &sc, &errs) == 0) {
		int64_t now = now_s(), end = now + 7 * 86400;
		wb_printf(&b, "<h2>%s</h2><table id=\"blackouts\"><tr><th>%s</th><th>%s</th><th>%s</th></tr>",
			  L("Blackouts"), L("From"), L("To"),
			  L("Reason"));
		int rows = 0;
		for (size_t i = 0; i < sc.nblackouts; i++) {
			const struct blackout *bo = &sc.blackouts[i];
			if (bo->to <= now || bo->from >= end)
				continue;
			char f[32], t[32], fs[40], ts[40];
			civil_tz_format(bo->from, f);
			civil_tz_format(bo->to, t);
			table_time(f, fs, sizeof(fs));
			table_time(t, ts, sizeof(ts));
			wb_printf(&b, "<tr><td>%s</td><td>%s</td><td>", fs, ts);
			wb_html(&b, bo->reason);
			wb_put(&b, "</td></tr>");
			rows++;
		}
		if (!rows)
			wb_printf(&b, "<tr><td colspan=\"3\">%s</td></tr>",
				  L("None in the next 7 days"));
		wb_put(&b, "</table>");
		schedule_free(&sc);
	}
	errlist_free(&errs);
	page_end(&b);
	reply_html(r, 200, &b);
}

static void this_month(char out[8])
{
	int32_t day;
	int sod, off;
	civil_tz_local(now_s(), &day, &sod, &off);
	char iso[32];
	civil_tz_format(now_s(), iso);
	snprintf(out, 8, "%.7s", iso);
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0) ? 29 : d[m - 1];
}

static const char *outcome_words(enum web_lang lang, const char *o)
{
	if (!strcmp(o, "aired"))
		return L("aired");
	if (!strcmp(o, "partial"))
		return L("partial");
	if (!strcmp(o, "interrupted"))
		return L("interrupted");
	if (!strcmp(o, "failed"))
		return L("failed");
	if (!strcmp(o, "missed"))
		return L("missed");
	if (!strcmp(o, "unheard"))
		return L("unheard");
	return o;
}

/* month from the query, else this month; "" when the query's is wrong. */
static void query_month(struct MHD_Connection *c, char out[8])
{
	const char *m = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "month");
	if (!m || !*m)
		this_month(out);
	else if (web_month_valid(m))
		str_copy(out, m, 8);
	else
		out[0] = '\0';
}

static void page_log(struct reply *r, enum web_lang lang, struct web_session *s, const char *month,
		     const struct job *j)
{
	struct wbuf b = {0};
	char title[128];
	snprintf(title, sizeof(title), "%s %s/%.4s", L("As-run log,"), month + 5, month);
	page_begin(&b, lang, title, s, "/log");
	page_flash(&b, s);
	wb_printf(&b, "<form method=\"get\" action=\"/log\"><label>%s <input type=\"month\" name=\"month\" value=\"%s\"> "
		      "<button>%s</button></label></form>",
		  L("Month"), month, L("Show"));
	wb_printf(&b, "<p><a href=\"/report?month=%s\" id=\"report\">%s</a> · <a href=\"/report.csv?month=%s\">%s</a>"
		      " · <a href=\"/log.csv?month=%s\" id=\"logcsv\">%s</a></p>",
		  month, L("Monthly report"), month, L("Report (CSV)"),
		  month, L("Download the log (CSV)"));
	if (j->rc && j->err.len) {
		wb_put(&b, "<div class=\"msg bad\"><pre>");
		wb_html(&b, j->err.p);
		wb_put(&b, "</pre></div>");
	}
	wb_printf(&b, "<table id=\"log\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>",
		  L("Due"), L("Bulletin"), L("Campaign"),
		  L("Outcome"), L("Played / expected (s)"),
		  L("Detail"));
	const char *p = j->out.p;
	char *f[16], scratch[4096];
	int nf, rows = 0;
	if (web_csv_row(&p, f, 16, scratch, sizeof(scratch)) >= 0) { /* the header */
		while ((nf = web_csv_row(&p, f, 16, scratch, sizeof(scratch))) >= 0) {
			if (nf < 13)
				continue;
			char due[40];
			table_time(f[3], due, sizeof(due));
			wb_printf(&b, "<tr><td>%s</td><td>", due);
			wb_html(&b, f[6]);
			wb_put(&b, "</td><td>");
			wb_html(&b, f[7]);
			wb_put(&b, "</td><td class=\"");
			wb_html(&b, f[8]);
			wb_put(&b, "\" data-outcome=\"");
			wb_html(&b, f[8]);
			wb_put(&b, "\">");
			wb_html(&b, outcome_words(lang, f[8]));
			wb_put(&b, "</td><td>");
			wb_html(&b, f[9]);
			wb_put(&b, " / ");
			wb_html(&b, f[10]);
			wb_put(&b, "</td><td>");
			wb_html(&b, f[12]);
			wb_put(&b, "</td></tr>");
			rows++;
		}
	}
	if (!rows)
		wb_printf(&b, "<tr><td colspan=\"6\">%s</td></tr>",
			  L("No broadcasts in this month"));
	wb_put(&b, "</table>");
	page_end(&b);
	reply_html(r, 200, &b);
}

/* The report (or the log) exactly as loaxactl writes it. */
static void page_verbatim(struct reply *r, const char *what, const char *month, int csv,
			  struct job *j)
{
	if (j->rc != 0 && !j->out.len) {
		reply_text(r, 500, j->err.p);
		return;
	}
	r->status = 200;
	r->ctype = csv ? "text/csv; charset=utf-8" : "text/html; charset=utf-8";
	r->body = wb_take(&j->out, &r->len);
	r->report = !csv;
	if (csv)
		snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s-%s-%s.csv\"",
			 what, W.st.id, month);
}

/* ---- actions ---- */

static void act_daemon(struct reply *r, enum web_lang lang, struct web_session *s, const char *req,
		       const char *back)
{
	char *reply = NULL, err[512], msg[1024];
	if (daemon_ask(req, s->user, lang == WEB_VI ? "vi" : NULL, &reply, err, sizeof(err)) < 0)
		set_flash(s, 1, "%s", err);
	else if (reply_words(lang, reply, msg, sizeof(msg)))
		set_flash(s, 0, "%s", msg);
	else
		set_flash(s, 1, "%s", msg);
	free(reply);
	reply_redirect(r, back);
}

/* Replace the temp file's path in library messages by the name uploaded. */
static void shown_name(const char *msg, const char *tmp, const char *name, char *out, size_t n)
{
	const char *hit = strstr(msg, tmp);
	if (!hit) {
		str_copy(out, msg, n);
		return;
	}
	snprintf(out, n, "%.*s%s%s", (int)(hit - msg), msg, name, hit + strlen(tmp));
}

/* In a forked child: the library's checks and copy, as bulletin add does
 * them. Writes "ok\tID" or "no", a newline, then the words for people. */
static void upload_child(void *arg)
{
	struct req *q = arg;
	enum web_lang lang = q->lang;
	char id[ID_MAX];
	if (q->id[0])
		str_copy(id, q->id, sizeof(id));
	else
		web_id_from_filename(q->filename, id, sizeof(id));
	struct library_add_opts o = {.id = id, .title = q->title,
				     .campaign = q->campaign[0] ? q->campaign : NULL, .now = now_s()};
	struct errlist errs = {0}, warns = {0};
	struct bulletin added;
	int rc = library_add(&W.st, q->tmp, &o, &added, &errs, &warns);
	char line[1024];
	if (rc < 0) {
		printf("no\n%s “%s”: ", L("Refused, nothing was added"),
		       q->filename);
		for (size_t i = 0; i < errs.n; i++) {
			shown_name(errs.msg[i], q->tmp, q->filename, line, sizeof(line));
			printf("%s%s", i ? " " : "", line);
		}
	} else {
		long secs = (long)(added.duration + 0.5);
		printf("ok\t%s\n%s %s: “%s”, %ld:%02ld.", added.id, L("Added bulletin"),
		       added.id, added.title, secs / 60, secs % 60);
		for (size_t i = 0; i < warns.n; i++) {
			shown_name(warns.msg[i], q->tmp, q->filename, line, sizeof(line));
			printf(" %s %s", L("Note:"), line);
		}
	}
	errlist_free(&errs);
	errlist_free(&warns);
}

/* The file is in: check and add it in a child. 1 when the request is
 * suspended meanwhile, 0 with the reply made. */
static int act_upload_start(struct reply *r, enum web_lang lang, struct web_session *s,
			    struct req *q, struct MHD_Connection *c)
{
	if (q->bad_file) {
		set_flash(s, 1, "%s", L("The file could not be received (one file at a time)."));
		reply_redirect(r, "/bulletins");
		return 0;
	}
	if (q->fd < 0 || !q->got) {
		set_flash(s, 1, "%s", L("No audio file was chosen."));
		reply_redirect(r, "/bulletins");
		return 0;
	}
	if (fsync(q->fd) < 0 || close(q->fd) < 0) {
		q->fd = -1;
		set_flash(s, 1, "%s: %s", L("Cannot store the upload"), strerror(errno));
		reply_redirect(r, "/bulletins");
		return 0;
	}
	q->fd = -1;
	q->lang = lang;
	if (!(q->job = job_fork(upload_child, q, c))) {
		reply_text(r, 503, L("Busy; try again."));
		r->retry_after = 2;
		return 0;
	}
	return 1;
}

static void act_upload_done(struct reply *r, enum web_lang lang, struct web_session *s,
			    struct req *q)
{
	const char *out = q->job->out.p, *msg = strchr(out, '\n');
	int added = !strncmp(out, "ok\t", 3);
	if (!msg || q->job->rc != 0) {
		set_flash(s, 1, "%s", L("The check failed; nothing was added."));
		log_warnx(LG("%s: upload check of \"%s\" ended with %d: %.200s"), s->user, q->filename,
			  q->job->rc, q->job->err.p);
	} else if (!added) {
		set_flash(s, 1, "%s", msg + 1);
		log_info(LG("%s: upload of \"%s\" refused: %s"), s->user, q->filename, msg + 1);
	} else {
		struct wbuf m = {0};
		wb_put(&m, msg + 1);
		char *reply = NULL, err[512];
		if (daemon_ask("reload", s->user, NULL, &reply, err, sizeof(err)) < 0)
			wb_printf(&m, " %s", err);
		free(reply);
		set_flash(s, 0, "%s", m.p);
		wb_free(&m);
		log_info(LG("%s: added bulletin %.*s (\"%s\")"), s->user, (int)(msg - out - 3), out + 3, q->filename);
	}
	reply_redirect(r, "/bulletins");
}

/* In a forked child: the library lock may be held a while by a push. */
static void remove_child(void *arg)
{
	struct req *q = arg;
	char err[1024];
	if (library_remove(&W.st, q->id, err, sizeof(err)) < 0)
		printf("no\n%s", err);
	else
		printf("ok\nremoved %s from the library", q->id);
}

static void act_remove_done(struct reply *r, struct web_session *s, struct req *q)
{
	const char *out = q->job->out.p, *msg = strchr(out, '\n');
	if (!msg || q->job->rc != 0) {
		set_flash(s, 1, "cannot remove %s (%.200s)", q->id, q->job->err.p);
	} else if (strncmp(out, "ok\n", 3)) {
		set_flash(s, 1, "%s", msg + 1);
	} else {
		set_flash(s, 0, "%s", msg + 1);
		log_info(LG("%s: removed bulletin %s"), s->user, q->id);
		char *reply = NULL, err[512];
		if (daemon_ask("reload", s->user, NULL, &reply, err, sizeof(err)) == 0)
			free(reply);
	}
	reply_redirect(r, "/bulletins");
}

/* The same refusals as loaxactl bulletin remove (without --force); then
 * the removal in a child. 1 when the request is suspended meanwhile. */
static int act_remove(struct reply *r, struct web_session *s, struct req *q,
		      struct MHD_Connection *c)
{
	const char *id = q->id;
	char err[1024];
	if (!id_valid(id)) {
		set_flash(s, 1, "\"%s\" is not a bulletin id", id);
		reply_redirect(r, "/bulletins");
		return 0;
	}
	struct errlist errs = {0};
	struct schedule sc;
	int used = 0;
	if (config_load_schedule(W.st.schedule, &sc, &errs) == 0) {
		for (size_t i = 0; i < sc.ncampaigns && !used; i++)
			for (size_t k = 0; k < sc.campaigns[i].nbulletins && !used; k++)
				if (!strcmp(sc.campaigns[i].bulletins[k], id))
					used = snprintf(err, sizeof(err), "campaign %s", sc.campaigns[i].id);
		for (size_t i = 0; i < sc.nslots && !used; i++)
			for (size_t k = 0; k < sc.slots[i].nbulletins && !used; k++)
				if (!strcmp(sc.slots[i].bulletins[k], id))
					used = snprintf(err, sizeof(err), "slot %s", sc.slots[i].id);
		schedule_free(&sc);
	}
	errlist_free(&errs);
	if (used) {
		set_flash(s, 1, "%s is still used by the installed schedule (%s); it would fail when due. Remove it from the schedule first",
			  id, err);
		reply_redirect(r, "/bulletins");
		return 0;
	}
	char *reply = NULL, v[256];
	if (daemon_ask("status", NULL, NULL, &reply, err, sizeof(err)) == 0 &&
	    ((kv_get(reply, "playing.bulletin", v, sizeof(v)) == 0 && !strcmp(v, id)))) {
		set_flash(s, 1, "%s is playing now; try again when the broadcast has ended", id);
		free(reply);
		reply_redirect(r, "/bulletins");
		return 0;
	}
	free(reply);
	if ((q->job = job_fork(remove_child, q, c)))
		return 1;
	reply_text(r, 503, "busy; try again");
	r->retry_after = 2;
	return 0;
}

/* ---- HTTP plumbing ---- */

static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	str_copy(out, "?", n);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

static struct web_session *session_of(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
	char tok[WEB_TOKEN_LEN + 2];
	if (!h || web_cookie_get(h, COOKIE, tok, sizeof(tok)) < 0)
		return NULL;
	return web_session_find(&W.sh->sess, tok, now_s());
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct reply *r)
{
	struct MHD_Response *resp;
	if (r->body)
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	if (r->ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	if (r->location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->cookie[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->cookie);
	if (r->disposition[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
	if (r->retry_after > 0) {
		char ra[32];
		snprintf(ra, sizeof(ra), "%ld", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	MHD_add_response_header(resp, "Content-Security-Policy",
				r->report ? "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
					  : "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void field_set(char *dst, size_t n, uint64_t off, const char *data, size_t size)
{
	if (off >= n - 1)
		return;
	size_t take = size < n - 1 - off ? size : n - 1 - (size_t)off;
	memcpy(dst + off, data, take);
	dst[off + take] = '\0';
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *filename, const char *content_type,
				  const char *transfer_encoding, const char *data, uint64_t off,
				  size_t size)
{
	struct req *q = cls;
	if (!strcmp(key, "file")) {
		if (q->too_big || q->bad_file)
			return MHD_NO;
		if (q->fd < 0) {
			if (q->tmp[0]) { /* a second file: one at a time */
				q->bad_file = 1;
				return MHD_NO;
			}
			str_copy(q->filename, filename ? filename : "upload", sizeof(q->filename));
			/* The extension is kept: the library names the file by it. */
			const char *dot = strrchr(q->filename, '.');
			char ext[8] = "";
			if (dot && strlen(dot) <= 5) {
				int okx = 1;
				for (const char *p = dot + 1; *p; p++)
					okx &= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
				if (okx)
					str_copy(ext, dot, sizeof(ext));
			}
			const char *tmpdir = getenv("TMPDIR");
			snprintf(q->tmp, sizeof(q->tmp), "%s/loaxa-web-upload.XXXXXX%s",
				 tmpdir && *tmpdir ? tmpdir : "/tmp", ext);
			q->fd = mkstemps(q->tmp, (int)strlen(ext));
			if (q->fd < 0) {
				log_warn(LG("cannot create %s"), q->tmp);
				q->tmp[0] = '\0';
				q->bad_file = 1;
				return MHD_NO;
			}
		}
		q->got += size;
		if (q->got > W.max_upload) {
			q->too_big = 1;
			return MHD_NO;
		}
		const char *p = data;
		size_t left = size;
		while (left) {
			ssize_t w = write(q->fd, p, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				log_warn(LG("writing %s"), q->tmp);
				q->bad_file = 1;
				return MHD_NO;
			}
			p += w;
			left -= (size_t)w;
		}
		return MHD_YES;
	}
#define F(name) if (!strcmp(key, #name)) field_set(q->name, sizeof(q->name), off, data, size)
	F(csrf);
	else F(id);
	else F(title);
	else F(campaign);
	else F(confirm);
	else F(user);
	else F(password);
#undef F
	return MHD_YES;
}

static void req_free(void *cls, struct MHD_Connection *c, void **con_cls,
		     enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;
	if (!q)
		return;
	if (q->pp)
		MHD_destroy_post_processor(q->pp);
	if (q->fd >= 0)
		close(q->fd);
	if (q->tmp[0])
		unlink(q->tmp);
	job_free(q->job);
	sodium_memzero(q->password, sizeof(q->password));
	free(q);
	*con_cls = NULL;
}

/* In a forked child: "ok\tROLE" and status 0 for the right password,
 * status 1 otherwise. */
static void login_child(void *arg)
{
	struct req *q = arg;
	enum web_role role;
	if (!q->user[0] || !web_users_check(&W.users, q->user, q->password, &role)) {
		fflush(NULL);
		_exit(1);
	}
	printf("ok\t%s", web_role_name(role));
}

/* A login: 1 when the request is suspended while a child checks the
 * password, 0 with the reply made. */
static int do_login(struct reply *r, enum web_lang lang, struct MHD_Connection *c, struct req *q)
{
	char addr[64], ku[WEB_USER_MAX + 8], ka[80];
	client_addr(c, addr, sizeof(addr));
	snprintf(ku, sizeof(ku), "user:%s", q->user);
	snprintf(ka, sizeof(ka), "addr:%s", addr);
	int64_t now = now_s();
	int64_t wait = web_backoff_wait(&W.sh->bo, ku, now);
	int64_t wa = web_backoff_wait(&W.sh->bo, ka, now);
	if (wa > wait)
		wait = wa;
	if (wait > 0 && !q->job) {
		/* Refused without checking the password: a guess now costs nothing
		 * but tells nothing either. */
		char msg[256];
		snprintf(msg, sizeof(msg), L("Too many failed logins. Try again in %lld s."),
			 (long long)wait);
		page_login(r, lang, 429, msg);
		r->retry_after = (long)wait;
		return 0;
	}
	if (!q->job) {
		/* Argon2id (19 MiB, a quarter of a second on a Pi 3) in a child:
		 * everyone else is served meanwhile, and its memory is the child's. */
		int checking = 0;
		for (int i = 0; i < JOBS_MAX; i++)
			checking += jobs[i] && jobs[i]->login;
		if (checking < LOGIN_CHECKS_MAX && (q->job = job_fork(login_child, q, c))) {
			q->job->login = 1;
			sodium_memzero(q->password, sizeof(q->password));
			return 1;
		}
		page_login(r, lang, 503, L("Busy; try again."));
		r->retry_after = 2;
		return 0;
	}
	/* Anything but the child's clear yes is a failed login. */
	const char *out = q->job->out.p;
	int role = q->job->rc == 0 && !strncmp(out, "ok\t", 3) ? web_role_parse(out + 3) : -1;
	if (role < 0) {
		web_backoff_fail(&W.sh->bo, ku, now);
		web_backoff_fail(&W.sh->bo, ka, now);
		if (q->job->rc != 0 && q->job->rc != 1) {
			log_warnx(LG("the password check for \"%.64s\" from %s ended with %d: refused"), q->user,
				  addr, q->job->rc);
			page_login(r, lang, 503, L("The password could not be checked; try again."));
			return 0;
		}
		log_info(LG("failed login for \"%.64s\" from %s"), q->user, addr);
		page_login(r, lang, 403, L("Wrong account or password."));
		return 0;
	}
	web_backoff_clear(&W.sh->bo, ku);
	web_backoff_clear(&W.sh->bo, ka);
	uint8_t rnd[WEB_RANDOM_BYTES];
	randombytes_buf(rnd, sizeof(rnd));
	struct web_session *s = web_session_new(&W.sh->sess, q->user, (enum web_role)role, now, rnd);
	sodium_memzero(rnd, sizeof(rnd));
	snprintf(r->cookie, sizeof(r->cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", s->token,
		 W.tls ? "; Secure" : "");
	log_info(LG("%s logged in from %s (%s)"), s->user, addr, web_role_name((enum web_role)role));
	reply_redirect(r, "/now");
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct req *q = *con_cls;
	struct reply r = {0};
	enum web_lang lang = web_lang_pick(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
	int post = !strcmp(method, "POST");
	if (!q) {
		q = xcalloc(1, sizeof(*q));
		q->fd = -1;
		q->post = post;
		*con_cls = q;
		if (!post && strcmp(method, "GET") && strcmp(method, "HEAD")) {
			reply_text(&r, 405, "method not allowed");
			q->refused = 1;
			return send_reply(c, &r);
		}
		if (post) {
			/* Refused before any of the body is read: a form sent from
			 * another site, no session, or an upload that says it is
			 * over the limit. */
			if (!web_origin_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
					   MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST))) {
				reply_text(&r, 403, L("A form from another site is refused"));
				q->refused = 1;
				return send_reply(c, &r);
			}
			if (strcmp(url, "/login") && !session_of(c)) {
				reply_text(&r, 403, L("Log in first"));
				q->refused = 1;
				return send_reply(c, &r);
			}
			const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								     MHD_HTTP_HEADER_CONTENT_LENGTH);
			uint64_t limit = !strcmp(url, "/bulletins/add") ? W.max_upload + FORM_OVERHEAD
									: FORM_OVERHEAD;
			if (cl && strtoull(cl, NULL, 10) > limit) {
				struct web_session *s = session_of(c);
				if (s && !strcmp(url, "/bulletins/add")) {
					set_flash(s, 1, L("The file is too large: at most %d MB."),
						  W.st.web_max_upload_mb);
				}
				struct wbuf b = {0};
				wb_printf(&b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>413</title></head><body><p>");
				wb_printf(&b, L("The file is too large: at most %d MB."),
					  W.st.web_max_upload_mb);
				wb_printf(&b, " <a href=\"/bulletins\">%s</a></p></body></html>\n", L("Back"));
				reply_html(&r, 413, &b);
				q->refused = 1;
				return send_reply(c, &r);
			}
			q->pp = MHD_create_post_processor(c, 16384, post_field, q);
			if (!q->pp) {
				reply_text(&r, 415, "form encoding not understood");
				q->refused = 1;
				return send_reply(c, &r);
			}
		}
		return MHD_YES;
	}
	if (q->refused) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (post && *upload_data_size) {
		enum MHD_Result pr = MHD_post_process(q->pp, upload_data, *upload_data_size);
		*upload_data_size = 0;
		if (q->too_big) {
			/* Cut off while it streams: nothing more is read or kept. */
			char addr[64];
			client_addr(c, addr, sizeof(addr));
			log_info(LG("upload from %s cut off: over %d MB"), addr, W.st.web_max_upload_mb);
			struct web_session *s = session_of(c);
			if (s) /* the browser shows a broken connection; the next page says why */
				set_flash(s, 1, L("The file is too large: at most %d MB."),
					  W.st.web_max_upload_mb);
			return MHD_NO;
		}
		if (pr != MHD_YES && !q->bad_file) {
			reply_text(&r, 400, "bad form");
			q->refused = 1;
			return send_reply(c, &r);
		}
		return MHD_YES;
	}

	/* The whole request is in. */
	if (!strcmp(url, "/static/style.css") || !strcmp(url, "/static/app.js")) {
		int css = url[8] == 's';
		r.status = 200;
		r.ctype = css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
		r.body = xstrdup(css ? style_css : app_js);
		r.len = strlen(r.body);
		return send_reply(c, &r);
	}
	if (!strcmp(url, "/login")) {
		if (post && do_login(&r, lang, c, q))
			return MHD_YES;
		if (!post)
			page_login(&r, lang, 200, NULL);
		return send_reply(c, &r);
	}
	static const char *const pages[] = {"/", "/now", "/bulletins", "/schedule", "/log",
					    "/log.csv", "/report", "/report.csv"};
	static const char *const actions[] = {"/logout", "/stop", "/play", "/emergency",
					      "/bulletins/add", "/bulletins/remove"};
	int is_page = 0, is_action = 0;
	for (size_t i = 0; i < ARRAY_LEN(pages); i++)
		is_page |= !post && !strcmp(url, pages[i]);
	for (size_t i = 0; i < ARRAY_LEN(actions); i++)
		is_action |= post && !strcmp(url, actions[i]);
	if (!is_page && !is_action) {
		/* There is no file behind any URL: nothing to traverse to. */
		reply_text(&r, 404, L("No such page"));
		return send_reply(c, &r);
	}
	struct web_session *s = session_of(c);
	if (!s) {
		if (post)
			reply_text(&r, 403, L("Log in first"));
		else
			reply_redirect(&r, "/login");
		return send_reply(c, &r);
	}
	if (post) {
		if (!web_token_equal(q->csrf, s->csrf)) {
			reply_text(&r, 403, L("The form is stale or forged (CSRF). Reload the page."));
			return send_reply(c, &r);
		}
		if (!strcmp(url, "/logout")) {
			log_info(LG("%s logged out"), s->user);
			web_session_end(s);
			snprintf(r.cookie, sizeof(r.cookie), COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
			reply_redirect(&r, "/login");
			return send_reply(c, &r);
		}
		if (s->role != WEB_STAFF) {
			reply_text(&r, 403, L("A viewer account may only look."));
			return send_reply(c, &r);
		}
		char req[CONTROL_REQ_MAX];
		if (!strcmp(url, "/stop")) {
			act_daemon(&r, lang, s, "stop", "/now");
		} else if (!strcmp(url, "/play") || !strcmp(url, "/emergency")) {
			int em = url[1] == 'e';
			if (!id_valid(q->id)) {
				set_flash(s, 1, "%s", L("No valid bulletin chosen."));
				reply_redirect(&r, em ? "/now" : "/bulletins");
			} else if (em && strcmp(q->confirm, "yes")) {
				page_emergency_confirm(&r, lang, s, q->id);
			} else {
				snprintf(req, sizeof(req), "play %s%s", q->id, em ? " emergency" : "");
				log_info("%s: %s", s->user, req);
				act_daemon(&r, lang, s, req, em ? "/now" : "/bulletins");
			}
		} else if (!strcmp(url, "/bulletins/add")) {
			if (q->job)
				act_upload_done(&r, lang, s, q);
			else if (act_upload_start(&r, lang, s, q, c))
				return MHD_YES;
		} else if (q->job) {
			act_remove_done(&r, s, q);
		} else if (act_remove(&r, s, q, c)) {
			return MHD_YES;
		}
		return send_reply(c, &r);
	}
	if (!strcmp(url, "/")) {
		reply_redirect(&r, "/now");
		return send_reply(c, &r);
	}
	if (!strcmp(url, "/now")) {
		page_now(&r, lang, s);
		return send_reply(c, &r);
	}
	/* The other pages are loaxactl's: run it, answer when it is done. */
	char month[8] = "", from[16], to[16];
	int csv = strstr(url, ".csv") != NULL;
	if (!strncmp(url, "/log", 4) || !strncmp(url, "/report", 7)) {
		query_month(c, month);
		if (!month[0]) {
			reply_text(&r, 400, L("The month is YYYY-MM"));
			return send_reply(c, &r);
		}
	}
	if (!q->job) {
		snprintf(from, sizeof(from), "%s-01", month);
		snprintf(to, sizeof(to), "%s-%02d", month, month[0] ? days_in_month(atoi(month), atoi(month + 5)) : 1);
		const char *bl[] = {"bulletin", "list", NULL};
		const char *sc[] = {"schedule", "show", "--days", "7", NULL};
		const char *lg[] = {"log", "--from", from, "--to", to, "--format", "csv", NULL};
		const char *rp[] = {"report", "--month", month, "--format", csv ? "csv" : "html", NULL};
		const char *const *args = !strcmp(url, "/bulletins") ? bl : !strcmp(url, "/schedule") ? sc
					  : !strncmp(url, "/log", 4) ? lg : rp;
		if ((q->job = job_ctl(args, c)))
			return MHD_YES;
		reply_text(&r, 503, L("Busy; try again."));
		r.retry_after = 2;
		return send_reply(c, &r);
	}
	if (!strcmp(url, "/bulletins"))
		page_bulletins(&r, lang, s, q->job);
	else if (!strcmp(url, "/schedule"))
		page_schedule(&r, lang, s, q->job);
	else if (!strcmp(url, "/log"))
		page_log(&r, lang, s, month, q->job);
	else
		page_verbatim(&r, url[1] == 'l' ? "log" : "report", month, csv, q->job);
	return send_reply(c, &r);
}

/* ---- start-up and the loop ---- */

/* quiet: in a visit's process, whose loaxa-web has said it all already */
static int load_users(int quiet)
{
	struct errlist errs = {0};
	struct web_users u;
	if (web_users_load(W.st.web_users, &u, &errs) < 0) {
		for (size_t i = 0; !quiet && i < errs.n; i++)
			log_warnx("%s", errs.msg[i]);
		errlist_free(&errs);
		return -1;
	}
	errlist_free(&errs);
	web_users_free(&W.users);
	W.users = u;
	if (!u.n && !quiet)
		log_warnx(LG("no accounts in %s: add one with loaxactl web user add NAME"), W.st.web_users);
	return 0;
}

static void find_loaxactl(void)
{
	const char *env = getenv("LOAXA_LOAXACTL");
	if (env && *env) {
		str_copy(W.ctl, env, sizeof(W.ctl));
		return;
	}
	char self[PATHBUF];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char dir[PATHBUF];
		path_dirname(self, dir, sizeof(dir));
		snprintf(W.ctl, sizeof(W.ctl), "%s/loaxactl", dir);
		if (access(W.ctl, X_OK) == 0)
			return;
	}
	snprintf(W.ctl, sizeof(W.ctl), "%s/loaxactl", LOAXA_BINDIR);
}

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	int port = atoi(colon + 1);
	memset(ss, 0, sizeof(*ss));
	char *h = host;
	if (h[0] == '[') {
		h++;
		h[strcspn(h, "]")] = '\0';
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, h, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, h, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static const char usage[] = "usage: loaxa-web [-c FILE] [-f] [-v] [--help] [--version]\n"
			    "  the station's web page for commune staff (" LOAXA_DOCDIR "/WEB.md)\n";

static int64_t now_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* LOAXA_TEST_WEB_REST_S: the tests' shorter REST_AFTER_S. */
static int64_t rest_after_s(void)
{
	const char *e = getenv("LOAXA_TEST_WEB_REST_S");
	return e && *e ? atoll(e) : REST_AFTER_S;
}

/* Load libmicrohttpd and serve on W.lfd. 0, or -1 (logged). */
static int serve_start(void)
{
	/* the library first: without it there is nothing to read a key for */
	W.mhd_lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!W.mhd_lib)
		snprintf(W.no_lib, sizeof(W.no_lib), "%s", dlerror());
#define MHD_SYM(f)                                                                   \
	if (!W.no_lib[0] && !(p_##f = (__typeof__(p_##f))dlsym(W.mhd_lib, #f)))       \
		snprintf(W.no_lib, sizeof(W.no_lib), MHD_SONAME ": no %s", #f);
	MHD_FUNCS(MHD_SYM)
#undef MHD_SYM
	if (W.no_lib[0]) {
		log_warnx("%s", W.no_lib);
		if (W.mhd_lib)
			dlclose(W.mhd_lib);
		W.mhd_lib = NULL;
		return -2;
	}
	char *cert = NULL, *key = NULL;
	size_t certn = 0, keyn = 0;
	if (W.tls && (read_file_all(W.st.web_tls_cert, 1 << 20, 0, &cert, &certn) < 0 ||
		      read_file_all(W.st.web_tls_key, 1 << 20, 0, &key, &keyn) < 0)) {
		log_warn("%s", cert ? W.st.web_tls_key : W.st.web_tls_cert);
		free(cert);
		dlclose(W.mhd_lib);
		W.mhd_lib = NULL;
		return -1;
	}
	struct MHD_OptionItem tlsopts[] = {
		{W.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, key},
		{MHD_OPTION_END, 0, NULL},
	};
	W.mhd = MHD_start_daemon(W.mhd_flags, 0, NULL, NULL, on_request, NULL,
				 MHD_OPTION_LISTEN_SOCKET, W.lfd,
				 MHD_OPTION_NOTIFY_COMPLETED, req_free, NULL,
				 MHD_OPTION_CONNECTION_LIMIT, 32u,
				 MHD_OPTION_PER_IP_CONNECTION_LIMIT, 8u,
				 MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
				 MHD_OPTION_ARRAY, tlsopts,
				 MHD_OPTION_END);
	if (key)
		sodium_memzero(key, keyn);
	free(cert);
	free(key);
	if (!W.mhd) {
		dlclose(W.mhd_lib);
		W.mhd_lib = NULL;
		return -1;
	}
	log_debug("a visitor: " MHD_SONAME " loaded");
	return 0;
}

/* Sessions of accounts no longer in the file end. */
static void sessions_sweep(void)
{
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++)
		if (W.sh->sess.s[i].token[0] && !web_users_find(&W.users, W.sh->sess.s[i].user))
			web_session_end(&W.sh->sess.s[i]);
}

#define EXIT_NO_SERVE 69 /* a visit's process could not start serving */
#define EXIT_NO_LIB 70   /* libmicrohttpd will not load: the visitors were told */

/* libmicrohttpd missing or damaged on the card: each waiting visitor gets
 * a plain 503 saying so, in their language, written without it (over
 * https there is nothing to say it with: the connection is closed). The
 * station's page is down; the station is not. */
static void answer_no_library(void)
{
	int fd;
	while ((fd = accept4(W.lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0 || errno == EINTR) {
		if (fd < 0)
			continue;
		struct timeval tv = {1, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		char req[4096], al[128] = "";
		ssize_t n = W.tls ? -1 : read(fd, req, sizeof(req) - 1);
		if (n > 0) {
			req[n] = '\0';
			const char *h = strcasestr(req, "\nAccept-Language:");
			if (h) {
				h += strlen("\nAccept-Language:");
				size_t k = strcspn(h, "\r\n");
				snprintf(al, sizeof(al), "%.*s", (int)(k < sizeof(al) ? k : sizeof(al) - 1), h);
			}
			enum web_lang lang = web_lang_pick(al[0] ? al : NULL);
			struct wbuf b = {0}, m = {0};
			wb_printf(&b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>",
				  lang == WEB_EN ? "en" : "vi");
			wb_html(&b, L("The station's web page cannot start"));
			wb_put(&b, "</title></head><body><h1>");
			wb_html(&b, L("The station's web page cannot start"));
			wb_put(&b, "</h1><p>");
			wb_html(&b, W.no_lib);
			wb_put(&b, "</p><p>");
			wb_html(&b, L("The station goes on broadcasting on its schedule. Ask the technician to reinstall the package libmicrohttpd12."));
			wb_put(&b, "</p></body></html>\n");
			wb_printf(&m, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\n"
				      "Content-Length: %zu\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
				  b.len);
			wb_putn(&m, b.p, b.len);
			for (size_t off = 0; off < m.len;) {
				ssize_t w = write(fd, m.p + off, m.len - off);
				if (w <= 0)
					break;
				off += (size_t)w;
			}
			wb_free(&b);
			wb_free(&m);
			shutdown(fd, SHUT_WR);
			while (read(fd, req, sizeof(req)) > 0) /* until the browser closes: no reset */
				;
		}
		close(fd);
	}
}

/* One visit's process (issue 17): loads libmicrohttpd, serves until
 * nobody has been connected for rest_after_s() and no child is at work,
 * then exits. What it mapped and allocated (GnuTLS with p11-kit, which
 * cannot be unloaded; Argon2id's code and memory; the catalogue; the
 * heap) goes with it: loaxa-web itself never holds them. Never returns. */
static _Noreturn void visit(int sfd)
{
	int started = serve_start();
	if (started == -2) {
		answer_no_library();
		_exit(EXIT_NO_LIB);
	}
	if (started < 0)
		_exit(EXIT_NO_SERVE);
	sessions_sweep(); /* accounts read again since the last visit */
	int run = 1, rest = 0;
	int64_t busy_at = now_mono_s();
	while (run && !rest) {
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(W.mhd, MHD_DAEMON_INFO_EPOLL_FD);
		const union MHD_DaemonInfo *ci = MHD_get_daemon_info(W.mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		struct pollfd fds[2 + 2 * JOBS_MAX] = {{di->epoll_fd, POLLIN, 0}, {sfd, POLLIN, 0}};
		int nfds = 2;
		int busy = !ci || ci->num_connections > 0;
		for (int i = 0; i < JOBS_MAX; i++) {
			busy |= jobs[i] != NULL;
			for (int k = 0; jobs[i] && k < 2; k++)
				if (jobs[i]->fd[k] >= 0)
					fds[nfds++] = (struct pollfd){jobs[i]->fd[k], POLLIN, 0};
		}
		int64_t now = now_mono_s();
		if (busy)
			busy_at = now;
		int timeout = -1;
		MHD_UNSIGNED_LONG_LONG to;
		if (MHD_get_timeout(W.mhd, &to) == MHD_YES)
			timeout = to > 60000 ? 60000 : (int)to;
		if (!busy) {
			int64_t left = busy_at + rest_after_s() - now;
			if (left <= 0) {
				rest = 1;
				break;
			}
			if (timeout < 0 || timeout > left * 1000)
				timeout = (int)(left * 1000);
		}
		if (poll(fds, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			fatal("poll");
		if (fds[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					/* loaxa-web has read them and said so */
					if (load_users(1) == 0)
						sessions_sweep();
				} else if (si.ssi_signo != SIGCHLD) { /* jobs are reaped by their pipes */
					run = 0;
				}
			}
		}
		for (int i = 0; i < JOBS_MAX; i++)
			if (jobs[i])
				job_service(jobs[i]);
		MHD_run(W.mhd);
	}
	if (!rest) {
		/* Suspended requests are let go before the server stops. */
		for (int i = 0; i < JOBS_MAX; i++) {
			struct job *j = jobs[i];
			if (j) {
				job_reap(j, 1);
				MHD_resume_connection(j->c);
			}
		}
		MHD_run(W.mhd);
	} else {
		MHD_quiesce_daemon(W.mhd); /* the listening socket is loaxa-web's */
		log_debug("at rest: the visit's process ends (" MHD_SONAME " with it)");
	}
	MHD_stop_daemon(W.mhd);
	web_users_free(&W.users);
	exit(0); /* not _exit: the sanitizer build checks its leaks */
}

/* Start a visit's process for the connection waiting on W.lfd. */
static pid_t visit_start(int sfd)
{
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		/* loaxa-web killed outright: its visit ends too */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		visit(sfd);
	}
	return pid;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"config", required_argument, NULL, 'c'},
					   {"verbose", no_argument, NULL, 'v'},
					   {"help", no_argument, NULL, 'h'},
					   {"version", no_argument, NULL, 'V'},
					   {0}};
	i18n_init_messages(LOAXA_TEXTDOMAIN); /* issues 16, 17: no locale files but the messages' */
	web_tr_init();
	const char *conf = getenv("LOAXA_CONF");
	int verbose = 0, c;
	if (!conf || !*conf)
		conf = DEFAULT_CONF;
	/* -f (foreground), as loaxad and loaxa-collector take it: it never forks into the background */
	while ((c = getopt_long(argc, argv, "c:fvh", lo, NULL)) != -1) {
		if (c == 'f')
			continue;
		if (c == 'c')
			conf = optarg;
		else if (c == 'v')
			verbose = 1;
		else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else if (c == 'V') {
			printf("loaxa-web %s\n", LOAXA_VERSION);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fputs(usage, stderr);
		return 2;
	}
	log_init(PROG, verbose);
	if (sodium_init() < 0)
		fatalx("libsodium does not start");
	W.sh = mmap(NULL, sizeof(*W.sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (W.sh == MAP_FAILED)
		fatal("mmap");
	memset(W.sh, 0, sizeof(*W.sh)); /* resident now: counted as loaxa-web's own */
	str_copy(W.conf, conf, sizeof(W.conf));
	struct errlist errs = {0};
	if (config_load_station(conf, &W.st, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		return 78;
	}
	errlist_free(&errs);
	if (civil_tz_set(W.st.timezone) < 0)
		fatalx("%s: time zone \"%s\" is not installed", conf, W.st.timezone);
	W.max_upload = (uint64_t)W.st.web_max_upload_mb << 20;
	find_loaxactl();
	if (load_users(0) < 0)
		return 78;

	struct sockaddr_storage ss;
	socklen_t sl;
	if (parse_listen(W.st.web_listen, &ss, &sl) < 0)
		fatalx("%s: web.listen \"%s\" is not ADDRESS:PORT with a numeric address", conf,
		       W.st.web_listen);
	W.mhd_flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
		      (((struct sockaddr *)&ss)->sa_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	if (W.st.web_tls_cert[0]) {
		W.mhd_flags |= MHD_USE_TLS;
		W.tls = 1;
	}
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fatal("signalfd");

	int one = 1;
	W.lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (W.lfd < 0 || setsockopt(W.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss.ss_family == AF_INET6 && setsockopt(W.lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(W.lfd, (struct sockaddr *)&ss, sl) < 0 || listen(W.lfd, 32) < 0)
		fatalx("cannot listen on %s (in use, or not an address of this machine?)", W.st.web_listen);
	struct sockaddr_storage bound;
	socklen_t bl = sizeof(bound);
	unsigned port = 0;
	if (getsockname(W.lfd, (struct sockaddr *)&bound, &bl) == 0)
		port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
							 : ((struct sockaddr_in *)&bound)->sin_port);
	/* A certificate or key GnuTLS refuses is said now, not at the first
	 * visit; checked in a child, so that loaxa-web never maps GnuTLS. */
	if (W.tls) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			int r = serve_start();
			_exit(r == 0 ? 0 : r == -2 ? EXIT_NO_LIB : 1);
		}
		int st = 0;
		/* without libmicrohttpd (said by the child) the certificate is
		 * checked at the first visit after the repair */
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    (WEXITSTATUS(st) && WEXITSTATUS(st) != EXIT_NO_LIB))
			fatalx("cannot serve https with %s and %s", W.st.web_tls_cert, W.st.web_tls_key);
	}
	log_info(LG("serving %s on %s://%s (port %u), accounts from %s"), W.st.name, W.tls ? "https" : "http",
		 W.st.web_listen, port, W.st.web_users);
	/* At rest loaxa-web polls the listening socket itself; a connection
	 * starts a visit's process, which serves it and whoever comes after,
	 * until a rest. */
	pid_t server = 0;
	int run = 1;
	while (run) {
		struct pollfd fds[2] = {{server ? -1 : W.lfd, POLLIN, 0}, {sfd, POLLIN, 0}};
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			fatal("poll");
		if (fds[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGCHLD) {
					int st;
					pid_t p;
					while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
						if (p != server)
							continue;
						server = 0;
						if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_NO_SERVE)
							fatalx("cannot serve on %s", W.st.web_listen);
						if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_NO_LIB)
							continue; /* said, to the log and to the visitors */
						if (WIFSIGNALED(st))
							log_warnx(LG("the process serving a visit was killed by signal %d; the next connection starts another"),
								  WTERMSIG(st));
						else if (WEXITSTATUS(st))
							log_warnx(LG("the process serving a visit ended with status %d; the next connection starts another"),
								  WEXITSTATUS(st));
					}
				} else if (si.ssi_signo == SIGHUP) {
					log_info("%s", LG("SIGHUP: reading the accounts again"));
					load_users(0);
					if (server)
						kill(server, SIGHUP);
				} else {
					run = 0;
				}
			}
		}
		if (run && !server && fds[0].revents)
			server = visit_start(sfd);
	}
	if (server) {
		kill(server, SIGTERM);
		while (waitpid(server, NULL, 0) < 0 && errno == EINTR)
			;
	}
	log_info("%s", LG("stopping"));
	close(W.lfd);
	web_users_free(&W.users);
	close(sfd);
	return 0;
}
