/* loaxa-web's accounts file and `loaxactl web user add`: see web_users.h. */
#include "web_users.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int web_user_name_valid(const char *name)
{
	/* The control socket's as=NAME takes at most 32 characters. */
	return id_valid(name) && strlen(name) <= WEB_USER_NAME_MAX;
}

void web_users_free(struct web_users *u)
{
	if (u->u)
		sodium_memzero(u->u, u->n * sizeof(*u->u));
	free(u->u);
	u->u = NULL;
	u->n = 0;
}

int web_users_load(const char *path, struct web_users *u, struct errlist *errs)
{
	memset(u, 0, sizeof(*u));
	char *buf;
	size_t len;
	if (read_file_all(path, 1 << 20, 0, &buf, &len) < 0) {
		if (errno == ENOENT)
			return 0;
		errlist_add(errs, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	size_t bad = errs->n;
	int line = 0;
	for (char *l = buf, *next; l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		line++;
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		char name[WEB_USER_MAX + 1], role[16], hash[WEB_HASH_MAX + 1], extra[2];
		int k = sscanf(l, "%64s %15s %128s %1s", name, role, hash, extra);
		int r = k >= 2 ? web_role_parse(role) : -1;
		if (k != 3) {
			errlist_add(errs, "%s:%d: expected \"NAME ROLE HASH\" (made by loaxactl web user add)", path, line);
		} else if (!web_user_name_valid(name)) {
			errlist_add(errs, "%s:%d: \"%s\" is not an account name (letters, digits, '.', '_', '-')", path, line, name);
		} else if (r < 0) {
			errlist_add(errs, "%s:%d: role is staff or viewer, not \"%s\"", path, line, role);
		} else if (strncmp(hash, "$argon2id$", 10)) {
			errlist_add(errs, "%s:%d: the password hash is not an Argon2id hash", path, line);
		} else if (web_users_find(u, name)) {
			errlist_add(errs, "%s:%d: account %s is listed twice", path, line, name);
		} else {
			u->u = xrealloc(u->u, (u->n + 1) * sizeof(*u->u));
			struct web_user *w = &u->u[u->n++];
			str_copy(w->name, name, sizeof(w->name));
			w->role = (enum web_role)r;
			str_copy(w->hash, hash, sizeof(w->hash));
		}
	}
	sodium_memzero(buf, len);
	free(buf);
	if (errs->n > bad) {
		web_users_free(u);
		return -1;
	}
	return 0;
}

const struct web_user *web_users_find(const struct web_users *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (!strcmp(u->u[i].name, name))
			return &u->u[i];
	return NULL;
}

/* A constant, not made at the first check: each check runs in a fresh
 * process (loaxa-web), which would pay for making it every time. */
_Static_assert(WEB_PWHASH_STRBYTES == crypto_pwhash_STRBYTES, "libsodium's hash string size");
const char web_users_dummy_hash[WEB_PWHASH_STRBYTES] =
	"$argon2id$v=19$m=19456,t=2,p=1$6HtrebDSJ+BuA+asJCJzLA$i+rfD/wCtvp9AotOrB9PqiTsEyHvqX03+RandlZyw/0";

int web_users_check(const struct web_users *u, const char *name, const char *password,
		    enum web_role *role)
{
	if (sodium_init() < 0)
		return 0;
	const struct web_user *w = web_users_find(u, name);
	size_t pl = strlen(password);
	if (!w) {
		if (crypto_pwhash_str_verify(web_users_dummy_hash, password, pl) == 0)
			return 0;
		return 0;
	}
	if (crypto_pwhash_str_verify(w->hash, password, pl) != 0)
		return 0;
	*role = w->role;
	return 1;
}

int web_users_set(const char *path, const char *name, enum web_role role, const char *password,
		  char *err, size_t errn)
{
	if (!web_user_name_valid(name)) {
		snprintf(err, errn, "\"%s\" is not an account name (letters, digits, '.', '_', '-'; at most 32)", name);
		return -1;
	}
	size_t pl = strlen(password);
	if (pl < WEB_PASSWORD_MIN || pl > WEB_PASSWORD_MAX) {
		snprintf(err, errn, "the password must have %d to %d characters", WEB_PASSWORD_MIN,
			 WEB_PASSWORD_MAX);
		return -1;
	}
	if (sodium_init() < 0) {
		snprintf(err, errn, "libsodium does not start");
		return -1;
	}
	struct errlist errs = {0};
	struct web_users u;
	if (web_users_load(path, &u, &errs) < 0) {
		snprintf(err, errn, "%s; fix or remove the file first", errs.n ? errs.msg[0] : path);
		errlist_free(&errs);
		return -1;
	}
	errlist_free(&errs);
	char hash[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str(hash, password, pl, WEB_PWHASH_OPS, WEB_PWHASH_MEM) != 0) {
		snprintf(err, errn, "not enough memory to hash the password");
		web_users_free(&u);
		return -1;
	}
	size_t cap = (u.n + 1) * (WEB_USER_MAX + WEB_HASH_MAX + 16) + 256, len = 0;
	char *out = xcalloc(1, cap);
	len += (size_t)snprintf(out + len, cap - len,
				"# loaxa-web accounts: NAME ROLE ARGON2ID-HASH (loaxactl web user add)\n");
	int replaced = 0;
	for (size_t i = 0; i < u.n; i++) {
		int me = !strcmp(u.u[i].name, name);
		replaced |= me;
		len += (size_t)snprintf(out + len, cap - len, "%s %s %s\n", u.u[i].name,
					web_role_name(me ? role : u.u[i].role), me ? hash : u.u[i].hash);
	}
	if (!replaced)
		len += (size_t)snprintf(out + len, cap - len, "%s %s %s\n", name, web_role_name(role), hash);
	web_users_free(&u);
	mode_t old = umask(027);
	int r = write_file_atomic(path, out, len);
	int e = errno;
	umask(old);
	sodium_memzero(out, cap);
	free(out);
	if (r < 0) {
		snprintf(err, errn, "cannot write %s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}

/* A line from stdin; without echo when it is a terminal. */
static int read_password(const char *prompt, char *pw, size_t n)
{
	int tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			quiet.c_lflag |= ECHONL;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		} else {
			tty = 0;
		}
	}
	char *r = fgets(pw, (int)n, stdin);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (!r)
		return -1;
	pw[strcspn(pw, "\r\n")] = '\0';
	return 0;
}

int web_users_cmd(const char *users_path, int argc, char **argv)
{
	static const struct option lo[] = {{"role", required_argument, NULL, 'r'},
					   {"help", no_argument, NULL, 'h'},
					   {0}};
	const char *usage = "usage: loaxactl [-c FILE] web user add NAME [--role staff|viewer]\n";
	if (argc < 3 || strcmp(argv[1], "user") || strcmp(argv[2], "add")) {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			fputs(usage, stdout);
			return 0;
		}
		fputs(usage, stderr);
		return 2;
	}
	argc -= 2;
	argv += 2;
	int role = WEB_STAFF, c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		if (c == 'r' && (role = web_role_parse(optarg)) >= 0)
			continue;
		if (c == 'r')
			fprintf(stderr, "loaxactl: --role is staff or viewer, not \"%s\"\n", optarg);
		fputs(usage, stderr);
		return 2;
	}
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return 2;
	}
	const char *name = argv[optind];
	if (!web_user_name_valid(name)) {
		fprintf(stderr, "loaxactl: \"%s\" is not an account name (letters, digits, '.', '_', '-')\n", name);
		return 1;
	}
	char pw[WEB_PASSWORD_MAX + 2], again[WEB_PASSWORD_MAX + 2], err[1024];
	int rc = 1;
	if (read_password("Password: ", pw, sizeof(pw)) < 0) {
		fprintf(stderr, "loaxactl: no password given\n");
		goto out;
	}
	if (isatty(STDIN_FILENO)) {
		if (read_password("Again: ", again, sizeof(again)) < 0 || strcmp(pw, again)) {
			fprintf(stderr, "loaxactl: the two passwords differ; nothing changed\n");
			goto out;
		}
	}
	if (web_users_set(users_path, name, (enum web_role)role, pw, err, sizeof(err)) < 0) {
		fprintf(stderr, "loaxactl: %s\n", err);
		goto out;
	}
	printf("account %s (%s) saved in %s; loaxa-web reads it on its next start or on SIGHUP\n",
	       name, web_role_name((enum web_role)role), users_path);
	rc = 0;
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(again, sizeof(again));
	return rc;
}
