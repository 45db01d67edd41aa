/* The push bundle: see bundle.h and docs/PUSH.md. The schedule's bytes
 * are read once; the signature is checked over those bytes, and those
 * same bytes (copied to a hidden staged file beside the station's
 * schedule) are what is parsed, validated and finally renamed into place,
 * so a file changed in the spool meanwhile can never slip through. Audio
 * is hashed while it is copied into the library, and the copy is what is
 * decoded and checked. */
#include "bundle.h"
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"
#include "config.h"
#include "i18n.h"
#include "kv.h"
#include "library.h"
#include "validate.h"

#ifndef LOAXA_DOCDIR
#define LOAXA_DOCDIR "/usr/local/share/doc/loaxa"
#endif

#define STAGE_TAG ".push."

static void sha256_buf(const void *p, size_t n, char out[65])
{
	unsigned char h[SHA256_LEN];
	sha256(p, n, h);
	hex_encode(h, sizeof(h), out);
}

/* Messages about the staged copy name the file the user gave instead. */
static void add_renamed(struct errlist *dst, const struct errlist *src, const char *from,
			const char *to)
{
	size_t fl = strlen(from);
	for (size_t i = 0; i < src->n; i++) {
		const char *m = src->msg[i], *e = src->en[i];
		char mb[1200], eb[1200];
		if (!strncmp(m, from, fl))
			snprintf(mb, sizeof(mb), "%s%s", to, m + fl), m = mb;
		if (!strncmp(e, from, fl))
			snprintf(eb, sizeof(eb), "%s%s", to, e + fl), e = eb;
		errlist_put(dst, e, m);
	}
}

static void staged_path(const struct station *st, char *out, size_t n)
{
	char dir[PATHBUF];
	path_dirname(st->schedule, dir, sizeof(dir));
	const char *base = strrchr(st->schedule, '/');
	base = base ? base + 1 : st->schedule;
	snprintf(out, n, "%s/.%s" STAGE_TAG "%ld", dir, base, (long)getpid());
}

static void high_path(const struct station *st, char *out, size_t n)
{
	snprintf(out, n, "%s/" BUNDLE_SERIAL_FILE, st->state);
}

long long bundle_serial_high(const struct station *st)
{
	char path[PATHBUF + 32], *text = NULL;
	size_t len;
	long long high = 0;
	high_path(st, path, sizeof(path));
	if (read_file_all(path, 64, 1, &text, &len) == 0) {
		char *end;
		long long v = strtoll(text, &end, 10);
		if (end != text && v > 0)
			high = v;
	}
	free(text);
	return high;
}

int bundle_serial_raise(const struct station *st, long long serial)
{
	if (serial <= bundle_serial_high(st))
		return 0;
	char path[PATHBUF + 32], line[32];
	high_path(st, path, sizeof(path));
	int n = snprintf(line, sizeof(line), "%lld\n", serial);
	return write_file_atomic(path, line, (size_t)n);
}

/* Serial of the schedule file installed now, or the highest ever
 * installed, whichever is greater (0 if neither is known). */
static long long installed_serial(const struct station *st)
{
	struct errlist e = {0};
	struct schedule s;
	long long serial = bundle_serial_high(st);
	if (config_load_schedule(st->schedule, &s, &e) == 0) {
		if (s.serial > serial)
			serial = s.serial;
		schedule_free(&s);
	}
	errlist_free(&e);
	return serial;
}

static int load_keys(const struct station *st, struct minisign_key *keys)
{
	size_t n = 0;
	char err[256];
	for (size_t i = 0; i < st->ntrust_keys; i++)
		if (minisign_key_parse(st->trust_keys[i], &keys[n], err, sizeof(err)) == 0)
			n++;
	return (int)n;
}

int bundle_key_revoked(const struct station *st, const char *keyid)
{
	for (size_t i = 0; i < st->ntrust_revoked; i++)
		if (!strcmp(st->trust_revoked[i], keyid))
			return 1;
	return 0;
}

enum bundle_status bundle_install(const struct station *st, const struct bundle_request *rq,
				  struct bundle_result *res, struct errlist *errs,
				  struct errlist *warns)
{
	enum bundle_status rc = BUNDLE_REJECTED;
	char *conf = NULL, *sig = NULL;
	size_t clen = 0, slen = 0;
	char staged[PATHBUF + 64] = "", audio_dir[PATHBUF];
	int lock = -1, have_sched = 0, have_cat = 0;
	struct schedule s;
	struct catalog cat = {0};
	struct bundle_file *files = NULL;
	size_t nfiles = 0;
	struct library_staged *stg = NULL;
	struct errlist e = {0};

	memset(res, 0, sizeof(*res));
	str_copy(res->signer, BUNDLE_UNSIGNED, sizeof(res->signer));
	/* Names in messages: as given, or (the spool) just the file names. */
	const char *cname = rq->conf, *sname = rq->sig;
	if (rq->short_names) {
		const char *b = strrchr(rq->conf, '/');
		cname = b ? b + 1 : rq->conf;
		b = rq->sig ? strrchr(rq->sig, '/') : NULL;
		sname = b ? b + 1 : rq->sig;
	}
	if (rq->audio_dir)
		str_copy(audio_dir, rq->audio_dir, sizeof(audio_dir));
	else
		path_dirname(rq->conf, audio_dir, sizeof(audio_dir));

	/* 1. The schedule's bytes, and what they are. */
	if (read_file_all(rq->conf, BUNDLE_CONF_MAX, rq->no_symlinks, &conf, &clen) < 0) {
		if (errno == ENOENT && rq->sig)
			errlist_add(errs, "no schedule: %s is missing (a signature alone is not a bundle)", cname);
		else if (errno == EFBIG)
			errlist_add(errs, "%s: larger than %d bytes: not a schedule", cname, BUNDLE_CONF_MAX);
		else if (errno == EINVAL || errno == ELOOP)
			errlist_add(errs, "%s: not a plain file", cname);
		else
			errlist_add(errs, "%s: cannot read it: %s", cname, strerror(errno));
		goto out;
	}
	sha256_buf(conf, clen, res->sha256);
	if (rq->running_sha && rq->running_sha[0] && !strcmp(res->sha256, rq->running_sha)) {
		rc = BUNDLE_SAME;
		goto out;
	}

	/* 2. Who signed it: before anything parses it. */
	if (rq->sig) {
		struct minisign_key keys[TRUST_KEYS_MAX];
		int nk = load_keys(st, keys);
		if (nk == 0) {
			errlist_add(errs, "this station has no trusted key (trust.keys in %s), so it refuses pushed schedules; an operator at the station can install a local one with: loaxactl schedule install FILE --unsigned",
				    st->file);
			goto out;
		}
		if (read_file_all(rq->sig, MINISIGN_SIGFILE_MAX, rq->no_symlinks, &sig, &slen) < 0) {
			if (errno == ENOENT)
				errlist_add(errs, "unsigned: the signature %s is missing; this station accepts only schedules signed by the department (minisign -S -s KEY -m FILE)",
					    sname);
			else if (errno == EFBIG)
				errlist_add(errs, "malformed signature file (line 1): %s is too large to be one", sname);
			else
				errlist_add(errs, "%s: cannot read it: %s", sname, strerror(errno));
			goto out;
		}
		struct minisign_result mr;
		char err[512];
		if (minisign_verify(conf, clen, sig, slen, keys, (size_t)nk, &mr, err, sizeof(err)) < 0) {
			errlist_add(errs, "%s", err);
			goto out;
		}
		str_copy(res->signer, mr.keyid, sizeof(res->signer));
		str_copy(res->comment, mr.trusted_comment, sizeof(res->comment));
		if (bundle_key_revoked(st, mr.keyid)) {
			errlist_add(errs, "signed by key %s, which this station has revoked (trust.revoked in %s): the department must sign it with a current key",
				    mr.keyid, st->file);
			goto out;
		}
	}

	if (!rq->dry_run && (lock = library_lock(st)) < 0) {
		errlist_add(errs, "cannot lock the library %s: %s", st->library, strerror(errno));
		goto out;
	}

	/* 3. Parse the verified bytes, from memory (never @include). */
	if (config_parse_schedule(cname, conf, clen, &s, errs) < 0)
		goto out;
	have_sched = 1;
	res->serial = s.serial;
	res->ncampaigns = s.ncampaigns;
	res->nslots = s.nslots;

	/* 4. For this station, and never an old schedule again. */
	if (validate_binding(&s, st, rq->sig != NULL, errs))
		goto out;
	long long running = rq->running_serial, inst = installed_serial(st);
	if (inst > running)
		running = inst;
	if (s.serial <= running) {
		errlist_add(errs, "serial %lld is not greater than the running serial %lld (an old schedule is never installed again; give the new one a greater serial)",
			    s.serial, running);
		goto out;
	}

	/* 5. The audio it brings. */
	if (config_parse_bundle_files(cname, conf, clen, &files, &nfiles, errs) < 0)
		goto out;
	int64_t max_bytes = library_max_bytes(st);
	res->nfiles = nfiles;
	char catpath[PATHBUF + 16];
	library_catalog_path(st, catpath, sizeof(catpath));
	if (catalog_load(catpath, &cat, &e) < 0) {
		add_renamed(errs, &e, "", "");
		errlist_add(errs, "the station's library catalog is damaged; rebuild it with: loaxactl bulletin verify --rebuild");
		goto out;
	}
	have_cat = 1;
	size_t before = errs->n, waiting = 0;
	int *need = xcalloc(nfiles + 1, sizeof(int));
	for (size_t i = 0; i < nfiles; i++) {
		const struct bundle_file *f = &files[i];
		const struct bulletin *old = catalog_find(&cat, f->bulletin);
		if (old && !strcmp(old->sha256, f->sha256))
			continue; /* the library has this very recording */
		if (old) {
			errlist_add(errs, "%s:%d: bulletin %s is already in the library with other content (SHA-256 %.12s...); a new recording needs a new id",
				    cname, f->line, f->bulletin, old->sha256);
			continue;
		}
		char src[PATHBUF + 300];
		struct stat sb;
		snprintf(src, sizeof(src), "%s/%s", audio_dir, f->file);
		const char *shown = rq->short_names ? f->file : src;
		if ((rq->no_symlinks ? lstat(src, &sb) : stat(src, &sb)) < 0) {
			if (errno == ENOENT) {
				errlist_add(errs, "the bundle is missing the audio file %s (bulletin %s)", f->file,
					    f->bulletin);
				waiting++;
			} else {
				errlist_add(errs, "%s: cannot read it: %s", shown, strerror(errno));
			}
			continue;
		}
		if (!S_ISREG(sb.st_mode)) {
			errlist_add(errs, "%s: not a plain file", shown);
			continue;
		}
		if (f->size >= 0 && sb.st_size < f->size) {
			errlist_add(errs, "%s is not completely copied: %lld of %lld bytes", f->file,
				    (long long)sb.st_size, f->size);
			waiting++;
			continue;
		}
		if (f->size >= 0 && sb.st_size > f->size) {
			errlist_add(errs, "%s is %lld bytes; the signed schedule says %lld", f->file,
				    (long long)sb.st_size, f->size);
			continue;
		}
		if (sb.st_size > max_bytes) {
			errlist_add(errs, "%s is %lld bytes: larger than any bulletin this station accepts (audio.max_bulletin_minutes = %d)",
				    f->file, (long long)sb.st_size, st->max_bulletin_minutes);
			continue;
		}
		/* Without a signed size, the hash decides before anything is
		 * copied: a wrong file costs a read, not a copy to the card. */
		if (f->size < 0 && !rq->dry_run) {
			char sum[65];
			if (sha256_file_max(src, max_bytes, rq->no_symlinks, sum) < 0) {
				if (errno == EFBIG)
					errlist_add(errs, "%s: larger than any bulletin this station accepts", shown);
				else if (errno == EINVAL || errno == ELOOP)
					errlist_add(errs, "%s: not a plain file", shown);
				else
					errlist_add(errs, "%s: %s", shown, strerror(errno));
				continue;
			}
			if (strcmp(sum, f->sha256)) {
				errlist_add(errs, "%s does not match the SHA-256 in the signed schedule (changed after signing, or not completely copied): it is %.16s..., the schedule says %.16s...",
					    shown, sum, f->sha256);
				continue;
			}
		}
		need[i] = 1;
	}
	if (waiting && waiting == errs->n - before && !rq->final) {
		free(need);
		rc = BUNDLE_WAIT;
		goto out;
	}
	if (errs->n != before) {
		free(need);
		goto out;
	}

	/* 6. Check (and, for real, copy in) every new recording. */
	stg = xcalloc(nfiles + 1, sizeof(*stg));
	for (size_t i = 0; i < nfiles; i++) {
		const struct bundle_file *f = &files[i];
		char src[PATHBUF + 300];
		if (!need[i])
			continue;
		snprintf(src, sizeof(src), "%s/%s", audio_dir, f->file);
		const char *shown = rq->short_names ? f->file : src;
		int r = rq->dry_run ? library_check(st, src, shown, f->sha256, f->bulletin, f->title,
						     f->campaign, rq->now, &stg[i].b, errs, warns)
				    : library_stage(st, src, shown, f->sha256, f->bulletin, f->title,
						    f->campaign, rq->now, &stg[i], errs, warns);
		if (r == 0) {
			need[i] = 2; /* checked (and copied in, unless a dry run) */
			res->ncopied++;
			if (rq->sig) /* pinned to its signed hash (library_pinned) */
				str_copy(stg[i].b.signer, res->signer, sizeof(stg[i].b.signer));
		}
	}
	if (errs->n != before) {
		free(need);
		goto out;
	}

	/* 7. The core validator, against the library as it will be. */
	struct catalog merged = {0};
	merged.items = xcalloc(cat.n + nfiles + 1, sizeof(*merged.items));
	if (cat.n)
		memcpy(merged.items, cat.items, cat.n * sizeof(*cat.items));
	merged.n = cat.n;
	for (size_t i = 0; i < nfiles; i++)
		if (need[i] == 2)
			merged.items[merged.n++] = stg[i].b;
	free(need);
	size_t nbad = validate_schedule(&s, st, &merged, errs);
	free(merged.items);
	if (nbad)
		goto out;
	if (rq->dry_run) {
		rc = BUNDLE_OK;
		goto out;
	}

	/* 8. Commit: audio and catalog (nothing refers to the new ids yet),
	 * the signature beside the schedule, then the schedule, last. */
	if (library_commit(st, stg, nfiles, errs) < 0)
		goto out;
	staged_path(st, staged, sizeof(staged));
	if (write_file_atomic(staged, conf, clen) < 0) {
		errlist_add(errs, "cannot stage the schedule as %s: %s (the new bulletins are in the library; the schedule is unchanged)",
			    staged, strerror(errno));
		staged[0] = '\0';
		goto out;
	}
	char sigpath[PATHBUF + 16];
	snprintf(sigpath, sizeof(sigpath), "%s.minisig", st->schedule);
	if (sig ? write_file_atomic(sigpath, sig, slen) < 0 : (unlink(sigpath) < 0 && errno != ENOENT)) {
		errlist_add(errs, "cannot write %s: %s (the new bulletins are in the library; the schedule is unchanged)",
			    sigpath, strerror(errno));
		goto out;
	}
	if (rename(staged, st->schedule) < 0) {
		errlist_add(errs, "cannot install %s: %s (the new bulletins are in the library; the schedule is unchanged)",
			    st->schedule, strerror(errno));
		goto out;
	}
	staged[0] = '\0';
	if (fsync_dir_of(st->schedule) < 0)
		errlist_add(warns, "cannot flush the folder of %s to the card: %s", st->schedule, strerror(errno));
	/* After the switch: a power cut before this leaves the serial in the
	 * schedule file itself, which counts too. */
	if (bundle_serial_raise(st, s.serial) < 0)
		errlist_add(warns, "cannot record serial %lld in %s/%s: %s", s.serial,
			    st->state, BUNDLE_SERIAL_FILE, strerror(errno));
	rc = BUNDLE_OK;

out:
	if (stg) {
		library_unstage(stg, nfiles);
		free(stg);
	}
	if (staged[0])
		unlink(staged);
	if (have_sched)
		schedule_free(&s);
	if (have_cat)
		catalog_free(&cat);
	free(files);
	library_unlock(lock);
	errlist_free(&e);
	free(conf);
	free(sig);
	return rc;
}

enum bundle_status bundle_precheck(const struct station *st, const char *name, const char *conf, size_t clen,
				   const char *sig, size_t slen, long long running_serial,
				   const char *running_sha, struct bundle_result *res,
				   struct bundle_file **files, size_t *nfiles, struct errlist *errs)
{
	memset(res, 0, sizeof(*res));
	*files = NULL;
	*nfiles = 0;
	str_copy(res->signer, BUNDLE_UNSIGNED, sizeof(res->signer));
	if (clen > BUNDLE_CONF_MAX) {
		errlist_add(errs, "%s: larger than %d bytes: not a schedule", name, BUNDLE_CONF_MAX);
		return BUNDLE_REJECTED;
	}
	sha256_buf(conf, clen, res->sha256);
	if (running_sha && running_sha[0] && !strcmp(res->sha256, running_sha))
		return BUNDLE_SAME;
	struct minisign_key keys[TRUST_KEYS_MAX];
	int nk = load_keys(st, keys);
	if (nk == 0) {
		errlist_add(errs, "this station has no trusted key (trust.keys in %s), so it refuses pushed schedules; an operator at the station can install a local one with: loaxactl schedule install FILE --unsigned",
			    st->file);
		return BUNDLE_REJECTED;
	}
	if (slen > MINISIGN_SIGFILE_MAX) {
		errlist_add(errs, "malformed signature file (line 1): %s.minisig is too large to be one", name);
		return BUNDLE_REJECTED;
	}
	struct minisign_result mr;
	char err[512];
	if (minisign_verify(conf, clen, sig, slen, keys, (size_t)nk, &mr, err, sizeof(err)) < 0) {
		errlist_add(errs, "%s", err);
		return BUNDLE_REJECTED;
	}
	str_copy(res->signer, mr.keyid, sizeof(res->signer));
	str_copy(res->comment, mr.trusted_comment, sizeof(res->comment));
	/* the parsers want a NUL after the text */
	char *text = xcalloc(1, clen + 1);
	memcpy(text, conf, clen);
	enum bundle_status rc = BUNDLE_REJECTED;
	struct schedule sc;
	if (config_parse_schedule(name, text, clen, &sc, errs) < 0)
		goto out;
	res->serial = sc.serial;
	res->ncampaigns = sc.ncampaigns;
	res->nslots = sc.nslots;
	if (validate_binding(&sc, st, 1, errs)) {
		schedule_free(&sc);
		goto out;
	}
	schedule_free(&sc);
	long long running = running_serial, inst = installed_serial(st);
	if (inst > running)
		running = inst;
	if (res->serial <= running) {
		errlist_add(errs, "serial %lld is not greater than the running serial %lld (an old schedule is never installed again; give the new one a greater serial)",
			    res->serial, running);
		goto out;
	}
	if (config_parse_bundle_files(name, text, clen, files, nfiles, errs) < 0)
		goto out;
	res->nfiles = *nfiles;
	rc = BUNDLE_OK;
out:
	free(text);
	return rc;
}

int bundle_signer(const struct station *st, const char *path, const char *sha256, char *signer,
		  size_t sn, char *comment, size_t cn, char *note, size_t nn)
{
	char *data = NULL, *sig = NULL, sigpath[PATHBUF + 16], sum[65], err[512];
	size_t dl, sl;
	int ok = 0;
	str_copy(signer, BUNDLE_UNSIGNED, sn);
	comment[0] = '\0';
	note[0] = '\0';
	snprintf(sigpath, sizeof(sigpath), "%s.minisig", path);
	struct minisign_key keys[TRUST_KEYS_MAX];
	int nk = load_keys(st, keys);
	if (read_file_all(sigpath, MINISIGN_SIGFILE_MAX, 0, &sig, &sl) < 0) {
		snprintf(note, nn, errno == ENOENT ? "no signature file" : "cannot read %s: %s", sigpath,
			 strerror(errno));
	} else if (read_file_all(path, BUNDLE_CONF_MAX, 0, &data, &dl) < 0) {
		snprintf(note, nn, "cannot read %s: %s", path, strerror(errno));
	} else if (sha256 && (sha256_buf(data, dl, sum), strcmp(sum, sha256))) {
		snprintf(note, nn, "%s changed while it was being checked", path);
	} else if (!nk) {
		snprintf(note, nn, "no trusted key to check its signature with");
	} else {
		struct minisign_result mr;
		if (minisign_verify(data, dl, sig, sl, keys, (size_t)nk, &mr, err, sizeof(err)) < 0) {
			snprintf(note, nn, "its signature does not verify: %s", err);
		} else {
			str_copy(signer, mr.keyid, sn);
			str_copy(comment, mr.trusted_comment, cn);
			ok = 1;
		}
	}
	free(data);
	free(sig);
	return ok;
}

size_t bundle_check_files(const struct station *st, const char *name, const struct bundle_file *files,
			  size_t nfiles, const char *audio_dir, const struct catalog *cat, int64_t now,
			  struct bulletin *add, size_t *nadd, struct errlist *errs, struct errlist *warns)
{
	size_t bad = 0;
	int64_t max_bytes = library_max_bytes(st);
	for (size_t i = 0; i < nfiles; i++) {
		const struct bundle_file *f = &files[i];
		const struct bulletin *old = cat ? catalog_find(cat, f->bulletin) : NULL;
		char src[PATHBUF + 300], sum[65];
		struct stat sb;
		size_t before = errs->n;
		if (f->bad) {
			bad++;
			continue;
		}
		snprintf(src, sizeof(src), "%s/%s", audio_dir, f->file);
		if (old && strcmp(old->sha256, f->sha256))
			errlist_add(errs, "%s:%d: bulletin %s is already in the library with other content (SHA-256 %.12s...); a new recording needs a new id",
				    name, f->line, f->bulletin, old->sha256);
		if (lstat(src, &sb) < 0) {
			if (errno != ENOENT)
				errlist_add(errs, "%s:%d: %s: cannot read it: %s", name, f->line, src, strerror(errno));
			else if (!old || strcmp(old->sha256, f->sha256))
				errlist_add(errs, "%s:%d: the audio file %s (bulletin %s) is not beside the schedule (%s)",
					    name, f->line, f->file, f->bulletin, src);
		} else if (!S_ISREG(sb.st_mode)) {
			errlist_add(errs, "%s:%d: %s is not a plain file", name, f->line, src);
		} else if (f->size >= 0 && sb.st_size != f->size) {
			errlist_add(errs, "%s:%d: %s is %lld bytes; the files section says size = %lld",
				    name, f->line, f->file, (long long)sb.st_size, f->size);
		} else if (sb.st_size > max_bytes) {
			errlist_add(errs, "%s:%d: %s is %lld bytes: larger than any bulletin a station accepts (audio.max_bulletin_minutes = %d)",
				    name, f->line, f->file, (long long)sb.st_size, st->max_bulletin_minutes);
		} else if (sha256_file_max(src, max_bytes, 1, sum) < 0) {
			errlist_add(errs, "%s:%d: %s: cannot read it: %s", name, f->line, src, strerror(errno));
		} else if (strcmp(sum, f->sha256)) {
			errlist_add(errs, "%s:%d: %s does not match its sha256 in the files section: it is %s, the schedule says %s (sha256sum %s)",
				    name, f->line, f->file, sum, f->sha256, f->file);
		} else if (!(old && !strcmp(old->sha256, f->sha256))) {
			struct bulletin b;
			if (library_check(st, src, f->file, f->sha256, f->bulletin, f->title, f->campaign, now,
					  &b, errs, warns) == 0 && errs->n == before)
				add[(*nadd)++] = b;
		}
		if (errs->n != before)
			bad++;
	}
	return bad;
}

/* ---- spool side ---- */

/* The audio files NAME.conf in the spool names, only if NAME.conf.minisig
 * verifies it with one of the station's keys: an unverified file is never
 * parsed (it might be anything; libconfig alone would follow an @include
 * into a FIFO). Read without following links or waiting on FIFOs. NULL
 * (and *n = 0) otherwise. */
static struct bundle_file *spool_files(const struct station *st, const char *name, size_t *n)
{
	char path[PATHBUF + 300], sigpath[PATHBUF + 320], *conf = NULL, *sig = NULL;
	size_t clen, slen;
	struct bundle_file *f = NULL;
	struct minisign_key keys[TRUST_KEYS_MAX];
	*n = 0;
	int nk = load_keys(st, keys);
	snprintf(path, sizeof(path), "%s/%s.conf", st->spool, name);
	snprintf(sigpath, sizeof(sigpath), "%s.minisig", path);
	if (nk > 0 && read_file_all(path, BUNDLE_CONF_MAX, 1, &conf, &clen) == 0 &&
	    read_file_all(sigpath, MINISIGN_SIGFILE_MAX, 1, &sig, &slen) == 0) {
		struct minisign_result mr;
		char err[512];
		struct errlist e = {0};
		if (minisign_verify(conf, clen, sig, slen, keys, (size_t)nk, &mr, err, sizeof(err)) == 0 &&
		    config_parse_bundle_files(path, conf, clen, &f, n, &e) < 0) {
			f = NULL;
			*n = 0;
		}
		errlist_free(&e);
	}
	free(conf);
	free(sig);
	return f;
}

/* 1 if a bundle in the spool other than name names file (verified, as above). */
static int other_needs(const struct station *st, const char *name, const char *file)
{
	DIR *d = opendir(st->spool);
	struct dirent *de;
	int needed = 0;
	char own[NAME_MAX + 16];
	snprintf(own, sizeof(own), "%s.conf", name);
	while (d && !needed && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".conf") ||
		    !strcmp(de->d_name, own))
			continue;
		char other[NAME_MAX + 1];
		str_copy(other, de->d_name, sizeof(other));
		other[l - 5] = '\0';
		size_t n = 0;
		struct bundle_file *f = spool_files(st, other, &n);
		for (size_t i = 0; i < n; i++)
			needed |= !strcmp(f[i].file, file);
		free(f);
	}
	if (d)
		closedir(d);
	return needed;
}

/* s with its control characters escaped (kv_escape), so that a name or a
 * reason cannot forge a line of a .why file. */
static void put_esc(FILE *m, const char *s)
{
	char buf[2048];
	size_t need = kv_escape(s, buf, sizeof(buf));
	if (need < sizeof(buf)) {
		fputs(buf, m);
		return;
	}
	char *big = xcalloc(need + 1, 1);
	kv_escape(s, big, need + 1);
	fputs(big, m);
	free(big);
}

int bundle_spool_reject(const struct station *st, const char *name, const struct bundle_result *res,
			const struct errlist *why, int64_t now, char *err, size_t errn)
{
	char rej[PATHBUF + 16], path[PATHBUF + 300], to[PATHBUF + 300], ts[26];
	snprintf(rej, sizeof(rej), "%s/rejected", st->spool);
	if (mkdir_p(rej, 0750) < 0) {
		snprintf(err, errn, _("cannot create %s: %s"), rej, strerror(errno));
		return -1;
	}
	/* The reason first: a power cut after it leaves the files where they
	 * were, to be looked at again. */
	char *text = NULL;
	size_t tl = 0;
	FILE *m = open_memstream(&text, &tl);
	if (!m) {
		snprintf(err, errn, _("out of memory"));
		return -1;
	}
	civil_tz_format(now, ts);
	/* issue 16: in the station's language (the fleet link publishes the
	 * first line as the refusal's detail) */
	fprintf(m, _("loaxa: station %s (%s) refused the bundle "), st->id, st->name);
	put_esc(m, name);
	fprintf(m, _(" at %s\nreason: "), ts);
	put_esc(m, why->n ? why->msg[0] : _("(none given)"));
	fputs(_("\nschedule: "), m);
	put_esc(m, name);
	if (res->serial)
		fprintf(m, _(".conf, serial %lld, SHA-256 %s\n"), res->serial, res->sha256);
	else if (res->sha256[0])
		fprintf(m, ".conf, SHA-256 %s\n", res->sha256);
	else
		fputs(".conf\n", m);
	if (strcmp(res->signer, BUNDLE_UNSIGNED)) {
		fprintf(m, _("signed by: key %s, trusted comment \""), res->signer);
		put_esc(m, res->comment);
		fputs("\"\n", m);
	} else {
		fprintf(m, _("signed by: not verified\n"));
	}
	if (why->n > 1) {
		fprintf(m, ngettext("all %zu problem:\n", "all %zu problems:\n", why->n), why->n);
		for (size_t i = 0; i < why->n; i++) {
			fputs("  ", m);
			put_esc(m, why->msg[i]);
			fputc('\n', m);
		}
	}
	static const char push_doc[] = LOAXA_DOCDIR "/PUSH.md";
	fprintf(m, _("Nothing of this bundle was installed; the station keeps its schedule. Fix it and push it again (see %s).\n"),
		push_doc);
	fclose(m);
	snprintf(path, sizeof(path), "%s/%s.why", rej, name);
	int r = write_file_atomic(path, text, tl);
	free(text);
	if (r < 0) {
		snprintf(err, errn, _("cannot write %s: %s"), path, strerror(errno));
		return -1;
	}
	size_t n;
	struct bundle_file *f = spool_files(st, name, &n);
	const char *ext[] = {".conf", ".conf.minisig"};
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (other_needs(st, name, f[i].file))
			continue;
		snprintf(path, sizeof(path), "%s/%s", st->spool, f[i].file);
		snprintf(to, sizeof(to), "%s/%s", rej, f[i].file);
		if (rename(path, to) < 0 && errno != ENOENT)
			bad = 1;
	}
	free(f);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s%s", st->spool, name, ext[i]);
		snprintf(to, sizeof(to), "%s/%s%s", rej, name, ext[i]);
		if (rename(path, to) < 0 && errno != ENOENT)
			bad = 1;
	}
	fsync_dir_of(path);
	fsync_dir_of(to);
	if (bad) {
		snprintf(err, errn, _("cannot move the bundle %s into %s: %s"), name, rej, strerror(errno));
		return -1;
	}
	return 0;
}

void bundle_spool_remove(const struct station *st, const char *name)
{
	char path[PATHBUF + 300];
	size_t n;
	struct bundle_file *f = spool_files(st, name, &n);
	for (size_t i = 0; i < n; i++) {
		if (other_needs(st, name, f[i].file))
			continue;
		snprintf(path, sizeof(path), "%s/%s", st->spool, f[i].file);
		unlink(path);
	}
	free(f);
	snprintf(path, sizeof(path), "%s/%s.conf.minisig", st->spool, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.conf", st->spool, name);
	unlink(path);
	fsync_dir_of(path);
}

void bundle_clean_staged(const struct station *st)
{
	char dir[PATHBUF], prefix[PATHBUF];
	path_dirname(st->schedule, dir, sizeof(dir));
	const char *base = strrchr(st->schedule, '/');
	base = base ? base + 1 : st->schedule;
	snprintf(prefix, sizeof(prefix), ".%s" STAGE_TAG, base);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		/* .NAME.push.PID, or write_file_atomic's .NAME.push.PID.tmp.PID */
		long pid = strtol(de->d_name + strlen(prefix), NULL, 10);
		if (pid > 0 && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			continue;
		char path[PATHBUF * 2];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			log_info("removed %s, left by an interrupted schedule install", path);
	}
	if (d)
		closedir(d);
	library_clean_staged(st);
}
