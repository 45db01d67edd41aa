/* The bulletin library: see library.h. Messages are for commune staff:
 * short, plain, and they say what to do next. */
#include "library.h"
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"
#include "config.h"
#include "i18n.h"
#include "player.h"

/* Below this peak (about -60 dBFS) a bulletin is silence. */
#define SILENCE_PEAK 0.001

void library_catalog_path(const struct station *st, char *out, size_t n)
{
	snprintf(out, n, "%s/catalog.conf", st->library);
}

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p >> 5) == 6 ? 1 : (*p >> 4) == 14 ? 2 : (*p >> 3) == 30 ? 3 : -1;
		if (n < 0 || (*p < 0x20 && *p != '\t'))
			return 0;
		p++;
		while (n--) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			p++;
		}
	}
	return 1;
}

static const char *audio_ext(const struct audio_info *ai)
{
	return ai->encoding_mpeg_layer == 2 ? "mp2" : ai->encoding_mpeg_layer == 1 ? "mp1" : "mp3";
}

int64_t library_max_bytes(const struct station *st)
{
	/* 640 kbit/s: above any MPEG audio bit rate, free format included. */
	return (int64_t)st->max_bulletin_minutes * 60 * 80000 + (1 << 20);
}

/* Copy src to dst atomically, hashing the bytes written: a regular file
 * (never waiting on a FIFO; no symbolic link when no_symlinks) of at most
 * max bytes, stopped as soon as it is longer. */
static int copy_atomic(const char *src, const char *dst, int64_t max, int no_symlinks,
		       char sum[65], char *err, size_t errn)
{
	char tmp[PATHBUF + 32];
	struct stat sb;
	int64_t total = 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", dst, (long)getpid());
	int in = open_regular(src, no_symlinks, &sb);
	if (in < 0) {
		snprintf(err, errn, "cannot read %s: %s", src,
			 errno == EINVAL || errno == ELOOP ? "not a plain file" : strerror(errno));
		return -1;
	}
	if (sb.st_size > max) {
		snprintf(err, errn, "%s: %lld bytes is larger than any bulletin this station accepts (audio.max_bulletin_minutes)",
			 src, (long long)sb.st_size);
		close(in);
		return -1;
	}
	unlink(tmp);
	int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0) {
		snprintf(err, errn, "cannot write to the library (%s): %s", tmp, strerror(errno));
		close(in);
		return -1;
	}
	struct sha256_ctx st;
	sha256_init(&st);
	static unsigned char buf[1 << 16];
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errn, "cannot read %s: %s", src, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		if ((total += r) > max) {
			snprintf(err, errn, "%s grew larger than any bulletin this station accepts while it was copied",
				 src);
			goto fail;
		}
		sha256_update(&st, buf, r);
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				snprintf(err, errn, "cannot write to the library: %s (is the disk full?)",
					 strerror(errno));
				goto fail;
			}
			off += w;
		}
	}
	if (fsync(out) < 0 || close(out) < 0) {
		out = -1;
		snprintf(err, errn, "cannot write to the library: %s", strerror(errno));
		goto fail;
	}
	out = -1;
	if (rename(tmp, dst) < 0 || fsync_dir_of(dst) < 0) {
		snprintf(err, errn, "cannot put the file into the library: %s", strerror(errno));
		goto fail;
	}
	close(in);
	unsigned char h[SHA256_LEN];
	sha256_final(&st, h);
	hex_encode(h, sizeof(h), sum);
	return 0;
fail:
	close(in);
	if (out >= 0)
		close(out);
	unlink(tmp);
	return -1;
}

/* Decode the whole file and apply the station's rules. */
static int check_audio(const struct station *st, const char *src, struct audio_info *ai,
		       struct errlist *errs, struct errlist *warns)
{
	struct stat sb;
	char err[1024];
	if (stat(src, &sb) < 0) {
		errlist_add(errs, "%s: cannot read it: %s", src, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		errlist_add(errs, "%s: not a file", src);
		return -1;
	}
	if (sb.st_size == 0) {
		errlist_add(errs, "%s: the file is empty (0 bytes). Copy it again from the original.", src);
		return -1;
	}
	if (audio_scan(src, ai, err, sizeof(err)) < 0) {
		errlist_add(errs, "%s. Export the bulletin again as MP3 (or MP2) and retry.", err);
		return -1;
	}
	if (ai->cut_short_bytes) {
		errlist_add(errs, "%s: the file is cut short (its last frame is incomplete; %.1f s of sound left). Copy it again from the original.",
			    src, ai->duration);
		return -1;
	}
	if (ai->peak < SILENCE_PEAK) {
		errlist_add(errs, "%s: the file is silent (%.0f s of silence). Check the recording.", src,
			    ai->duration);
		return -1;
	}
	if (ai->duration > st->max_bulletin_minutes * 60.0) {
		errlist_add(errs, "%s: too long: %.0f min; this station accepts bulletins of at most %d min (audio.max_bulletin_minutes).",
			    src, ai->duration / 60, st->max_bulletin_minutes);
		return -1;
	}
	if (ai->decode_errors == 1)
		errlist_add(warns, "%s: 1 damaged spot was skipped while decoding; listen to it before it airs (loaxactl play).",
			    src);
	else if (ai->decode_errors)
		errlist_add(warns, "%s: %ld damaged spots were skipped while decoding; listen to it before it airs (loaxactl play).",
			    src, ai->decode_errors);
	/* Only hw: devices play rates as they are; default and plughw: convert,
	 * and opening a device the daemon may be playing on is best avoided. */
	int ok = strncmp(st->audio_device, "hw:", 3) ? 1
		 : player_device_supports(st->audio_device, ai->rate, ai->channels);
	if (ok == 0)
		errlist_add(warns, "%s: %ld Hz %s is not what the station's device '%s' plays: use a plughw: or default device, or export the bulletin at the device's rate.",
			    src, ai->rate, ai->channels == 1 ? "mono" : "stereo", st->audio_device);
	return 0;
}

int library_pinned(const struct station *st, const struct bulletin *b, char *why, size_t whyn)
{
	char sigpath[PATHBUF + 16];
	struct stat sb;
	if (!b->signer[0])
		return 0;
	snprintf(sigpath, sizeof(sigpath), "%s.minisig", st->schedule);
	if (lstat(sigpath, &sb) < 0)
		return 0; /* the schedule in force is not a signed push */
	struct schedule s;
	struct errlist e = {0};
	int uses = 0;
	if (config_load_schedule(st->schedule, &s, &e) < 0) {
		errlist_free(&e);
		/* Cannot tell: keep the signed recording. */
		snprintf(why, whyn, _("bulletin %s was delivered by a signed push (key %s) and the schedule in force cannot be read to see whether it uses it"),
			 b->id, b->signer);
		return 1;
	}
	errlist_free(&e);
	for (size_t i = 0; i < s.ncampaigns && !uses; i++)
		for (size_t k = 0; k < s.campaigns[i].nbulletins; k++)
			uses |= !strcmp(s.campaigns[i].bulletins[k], b->id);
	for (size_t i = 0; i < s.nslots && !uses; i++)
		for (size_t k = 0; k < s.slots[i].nbulletins; k++)
			uses |= !strcmp(s.slots[i].bulletins[k], b->id);
	if (uses)
		snprintf(why, whyn, _("bulletin %s was delivered by a signed push (key %s) and the signed schedule in force (serial %lld) uses it: it cannot be replaced or removed here. Add your recording under a new id (loaxactl bulletin add FILE --id %s-local ...)"),
			 b->id, b->signer, s.serial, b->id);
	schedule_free(&s);
	return uses;
}

static int add_locked(const struct station *st, const char *src, const struct library_add_opts *o,
		      struct bulletin *added, struct errlist *errs, struct errlist *warns)
{
	char catpath[PATHBUF + 16], err[1024];
	size_t before = errs->n;
	if (!id_valid(o->id))
		errlist_add(errs, "id \"%s\" is not allowed: use letters, digits, '.', '_' or '-' (no spaces), at most 63, e.g. sxh-2026-12",
			    o->id);
	if (!o->title || !*o->title)
		errlist_add(errs, "a title is needed: --title \"Phòng, chống sốt xuất huyết\"");
	else if (!utf8_valid(o->title) || strlen(o->title) >= TITLE_MAX)
		errlist_add(errs, "the title must be UTF-8 text of at most %d bytes", TITLE_MAX - 1);
	if (o->campaign && *o->campaign && !id_valid(o->campaign))
		errlist_add(errs, "campaign \"%s\" is not a valid id", o->campaign);
	if (errs->n != before)
		return -1;

	library_catalog_path(st, catpath, sizeof(catpath));
	struct catalog cat;
	if (catalog_load(catpath, &cat, errs) < 0) {
		errlist_add(errs, "the catalog is damaged; rebuild it from the files with: loaxactl bulletin verify --rebuild");
		return -1;
	}
	const struct bulletin *old = catalog_find(&cat, o->id);
	if (old && !o->replace) {
		errlist_add(errs, "a bulletin with id %s is already in the library (\"%s\"); choose another id, or add --replace to put this file in its place",
			    o->id, old->title);
		catalog_free(&cat);
		return -1;
	}
	if (old && library_pinned(st, old, err, sizeof(err))) {
		errlist_add(errs, "%s", err);
		catalog_free(&cat);
		return -1;
	}
	struct audio_info ai;
	if (check_audio(st, src, &ai, errs, warns) < 0) {
		catalog_free(&cat);
		return -1;
	}
	if (mkdir_p(st->library, 0755) < 0) {
		errlist_add(errs, "cannot create the library folder %s: %s", st->library, strerror(errno));
		catalog_free(&cat);
		return -1;
	}
	struct bulletin b = {0};
	str_copy(b.id, o->id, sizeof(b.id));
	str_copy(b.title, o->title, sizeof(b.title));
	str_copy(b.campaign, o->campaign ? o->campaign : "", sizeof(b.campaign));
	snprintf(b.file, sizeof(b.file), "%s.%s", o->id, audio_ext(&ai));
	b.duration = ai.duration;
	b.rate = (int)ai.rate;
	b.channels = ai.channels;
	char dst[PATHBUF + 80], oldpath[PATHBUF + 80] = "";
	snprintf(dst, sizeof(dst), "%s/%s", st->library, b.file);
	if (copy_atomic(src, dst, library_max_bytes(st), 0, b.sha256, err, sizeof(err)) < 0) {
		errlist_add(errs, "%s", err);
		catalog_free(&cat);
		return -1;
	}
	char ts[26];
	civil_tz_format(o->now, ts);
	str_copy(b.added, ts, sizeof(b.added));
	if (old) {
		if (strcmp(old->file, b.file))
			snprintf(oldpath, sizeof(oldpath), "%s/%s", st->library, old->file);
		*(struct bulletin *)old = b;
	} else {
		cat.items = xrealloc(cat.items, (cat.n + 1) * sizeof(*cat.items));
		cat.items[cat.n++] = b;
	}
	if (catalog_save(&cat) < 0) {
		errlist_add(errs, "cannot save the catalog %s: %s", catpath, strerror(errno));
		if (!old)
			unlink(dst);
		catalog_free(&cat);
		return -1;
	}
	/* A playing broadcast keeps its open file: unlinking is safe. */
	if (oldpath[0])
		unlink(oldpath);
	if (added)
		*added = b;
	catalog_free(&cat);
	return 0;
}

static int remove_locked(const struct station *st, const char *id, char *err, size_t errn)
{
	char catpath[PATHBUF + 16];
	struct errlist errs = {0};
	struct catalog cat;
	library_catalog_path(st, catpath, sizeof(catpath));
	if (catalog_load(catpath, &cat, &errs) < 0) {
		snprintf(err, errn, _("%s; rebuild it with: loaxactl bulletin verify --rebuild"),
			 errs.n ? errs.msg[0] : _("the catalog is damaged"));
		errlist_free(&errs);
		return -1;
	}
	errlist_free(&errs);
	const struct bulletin *b = catalog_find(&cat, id);
	if (!b) {
		snprintf(err, errn, _("no bulletin %s in the library (see: loaxactl bulletin list)"), id);
		catalog_free(&cat);
		return -1;
	}
	if (library_pinned(st, b, err, errn)) {
		catalog_free(&cat);
		return -1;
	}
	char path[PATHBUF + 80];
	snprintf(path, sizeof(path), "%s/%s", st->library, b->file);
	size_t i = (size_t)(b - cat.items);
	memmove(&cat.items[i], &cat.items[i + 1], (cat.n - i - 1) * sizeof(*cat.items));
	cat.n--;
	int r = catalog_save(&cat);
	catalog_free(&cat);
	if (r < 0) {
		snprintf(err, errn, _("cannot save the catalog %s: %s"), catpath, strerror(errno));
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errn, _("removed from the catalog, but the file %s stays: %s"), path, strerror(errno));
		return -1;
	}
	fsync_dir_of(path);
	return 0;
}

static int is_audio_name(const char *n)
{
	const char *dot = strrchr(n, '.');
	return dot && (!strcasecmp(dot, ".mp3") || !strcasecmp(dot, ".mp2") || !strcasecmp(dot, ".mp1")) &&
	       !strstr(n, ".tmp.");
}

int library_verify(const struct station *st, struct errlist *problems)
{
	char catpath[PATHBUF + 16];
	struct catalog cat;
	library_catalog_path(st, catpath, sizeof(catpath));
	if (catalog_load(catpath, &cat, problems) < 0) {
		errlist_add(problems, "%s is damaged; rebuild it from the files with: loaxactl bulletin verify --rebuild",
			    catpath);
		return -1;
	}
	int n = 0;
	for (size_t i = 0; i < cat.n; i++) {
		const struct bulletin *b = &cat.items[i];
		char path[PATHBUF + 80], sum[65];
		snprintf(path, sizeof(path), "%s/%s", st->library, b->file);
		if (sha256_file(path, sum) < 0) {
			errlist_add(problems, "missing: %s (bulletin %s): add it again with loaxactl bulletin add FILE --id %s --replace",
				    path, b->id, b->id);
			n++;
		} else if (strcmp(sum, b->sha256)) {
			errlist_add(problems, "changed: %s (bulletin %s) no longer matches its SHA-256; it will not play. Add the right file again with --replace",
				    path, b->id);
			n++;
		}
	}
	DIR *d = opendir(st->library);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "catalog.conf"))
			continue;
		int known = 0;
		for (size_t i = 0; i < cat.n && !known; i++)
			known = !strcmp(cat.items[i].file, de->d_name);
		if (!known && (is_audio_name(de->d_name) || strstr(de->d_name, ".tmp."))) {
			errlist_add(problems, "unknown: %s/%s is not in the catalog (add it with loaxactl bulletin add, or delete it)",
				    st->library, de->d_name);
			n++;
		}
	}
	if (d)
		closedir(d);
	catalog_free(&cat);
	return n;
}

static int cmp_bulletin(const void *a, const void *b)
{
	return strcmp(((const struct bulletin *)a)->id, ((const struct bulletin *)b)->id);
}

static int rebuild_locked(const struct station *st, int64_t now, struct errlist *problems)
{
	char catpath[PATHBUF + 16];
	struct errlist ignored = {0};
	struct catalog old, cat = {0};
	library_catalog_path(st, catpath, sizeof(catpath));
	if (catalog_load(catpath, &old, &ignored) < 0)
		catalog_free(&old); /* what could be read is kept in old.items: none on error */
	errlist_free(&ignored);
	str_copy(cat.file, catpath, sizeof(cat.file));
	DIR *d = opendir(st->library);
	if (!d) {
		errlist_add(problems, "cannot read the library folder %s: %s", st->library, strerror(errno));
		catalog_free(&old);
		return -1;
	}
	struct dirent *de;
	char ts[26];
	civil_tz_format(now, ts);
	while ((de = readdir(d))) {
		if (!is_audio_name(de->d_name))
			continue;
		char path[PATHBUF + 300], err[1024];
		snprintf(path, sizeof(path), "%s/%s", st->library, de->d_name);
		struct audio_info ai;
		struct bulletin b = {0};
		str_copy(b.file, de->d_name, sizeof(b.file));
		str_copy(b.id, de->d_name, sizeof(b.id));
		char *dot = strrchr(b.id, '.');
		if (dot)
			*dot = '\0';
		if (!id_valid(b.id)) {
			errlist_add(problems, "%s: its name is not a valid bulletin id; rename it and add it with loaxactl bulletin add",
				    path);
			continue;
		}
		if (audio_scan(path, &ai, err, sizeof(err)) < 0 || sha256_file(path, b.sha256) < 0) {
			errlist_add(problems, "%s: left out: %s", path, err);
			continue;
		}
		const struct bulletin *ob = catalog_find(&old, b.id);
		str_copy(b.title, ob ? ob->title : b.id, sizeof(b.title));
		str_copy(b.campaign, ob ? ob->campaign : "", sizeof(b.campaign));
		str_copy(b.added, ob ? ob->added : ts, sizeof(b.added));
		/* Still signed only if the bytes are still the ones signed. */
		if (ob && !strcmp(ob->sha256, b.sha256))
			str_copy(b.signer, ob->signer, sizeof(b.signer));
		b.duration = ai.duration;
		b.rate = (int)ai.rate;
		b.channels = ai.channels;
		cat.items = xrealloc(cat.items, (cat.n + 1) * sizeof(*cat.items));
		cat.items[cat.n++] = b;
	}
	closedir(d);
	catalog_free(&old);
	qsort(cat.items, cat.n, sizeof(*cat.items), cmp_bulletin);
	int r = catalog_save(&cat);
	int n = (int)cat.n;
	catalog_free(&cat);
	if (r < 0) {
		errlist_add(problems, "cannot write %s: %s", catpath, strerror(errno));
		return -1;
	}
	return n;
}

/* ---- pushed bulletins ---- */

#define STAGE_PREFIX ".push-"

int library_lock(const struct station *st)
{
	char path[PATHBUF + 16];
	if (mkdir_p(st->library, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/.lock", st->library);
	/* Read-only is enough for flock, and works whoever created the file. */
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
	}
	return fd;
}

void library_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

static int fill_checked(const struct station *st, const char *path, const char *display,
			const char *sum, const char *sha256, const char *id, const char *title,
			const char *campaign, int64_t now, struct bulletin *b, struct errlist *errs,
			struct errlist *warns)
{
	if (strcmp(sum, sha256)) {
		errlist_add(errs, "%s does not match the SHA-256 in the signed schedule (changed after signing, or not completely copied): it is %.16s..., the schedule says %.16s...",
			    display, sum, sha256);
		return -1;
	}
	struct audio_info ai;
	struct errlist e2 = {0}, w2 = {0};
	int r = check_audio(st, path, &ai, &e2, &w2);
	/* check_audio names the path it read: say the bundle's name instead. */
	size_t pl = strlen(path);
	for (size_t i = 0; i < e2.n + w2.n; i++) {
		/* both texts of each message: the user's language and English */
		const char *txt[2] = {i < e2.n ? e2.msg[i] : w2.msg[i - e2.n], i < e2.n ? e2.en[i] : w2.en[i - e2.n]};
		struct errlist *to = i < e2.n ? errs : warns;
		char out[2][1024], full[2][1200];
		for (int t = 0; t < 2; t++) {
			size_t o = 0;
			int named = 0;
			for (const char *p = txt[t]; *p && o + 1 < sizeof(out[t]);) {
				if (!strncmp(p, path, pl)) {
					o += str_copy(out[t] + o, display, sizeof(out[t]) - o);
					p += pl;
					named = 1;
				} else {
					out[t][o++] = *p++;
				}
			}
			out[t][o < sizeof(out[t]) ? o : sizeof(out[t]) - 1] = '\0';
			if (named)
				snprintf(full[t], sizeof(full[t]), "%s", out[t]);
			else
				snprintf(full[t], sizeof(full[t]), "%s: %s", display, out[t]);
		}
		errlist_put(to, full[1], full[0]);
	}
	errlist_free(&e2);
	errlist_free(&w2);
	if (r < 0)
		return -1;
	memset(b, 0, sizeof(*b));
	str_copy(b->id, id, sizeof(b->id));
	str_copy(b->title, title, sizeof(b->title));
	str_copy(b->campaign, campaign ? campaign : "", sizeof(b->campaign));
	snprintf(b->file, sizeof(b->file), "%s.%s", id, audio_ext(&ai));
	b->duration = ai.duration;
	b->rate = (int)ai.rate;
	b->channels = ai.channels;
	str_copy(b->sha256, sum, sizeof(b->sha256));
	char ts[26];
	civil_tz_format(now, ts);
	str_copy(b->added, ts, sizeof(b->added));
	return 0;
}

int library_check(const struct station *st, const char *src, const char *shown,
		  const char *sha256, const char *id, const char *title, const char *campaign,
		  int64_t now, struct bulletin *b, struct errlist *errs, struct errlist *warns)
{
	char sum[65];
	if (sha256_file_max(src, library_max_bytes(st), 0, sum) < 0) {
		if (errno == EFBIG)
			errlist_add(errs, "%s: larger than any bulletin this station accepts (audio.max_bulletin_minutes)", shown);
		else if (errno == EINVAL)
			errlist_add(errs, "%s: not a plain file", shown);
		else
			errlist_add(errs, "%s: %s", shown, strerror(errno));
		return -1;
	}
	return fill_checked(st, src, shown, sum, sha256, id, title, campaign, now, b, errs, warns);
}

int library_stage(const struct station *st, const char *src, const char *shown,
		  const char *sha256, const char *id, const char *title, const char *campaign,
		  int64_t now, struct library_staged *out, struct errlist *errs, struct errlist *warns)
{
	char sum[65], err[1024];
	memset(out, 0, sizeof(*out));
	if (mkdir_p(st->library, 0755) < 0) {
		errlist_add(errs, "cannot create the library folder %s: %s", st->library, strerror(errno));
		return -1;
	}
	snprintf(out->tmp, sizeof(out->tmp), "%s/" STAGE_PREFIX "%s.%ld", st->library, id,
		 (long)getpid());
	if (copy_atomic(src, out->tmp, library_max_bytes(st), 1, sum, err, sizeof(err)) < 0) {
		errlist_add(errs, "%s", err);
		out->tmp[0] = '\0';
		return -1;
	}
	if (fill_checked(st, out->tmp, shown, sum, sha256, id, title, campaign, now, &out->b, errs,
			 warns) < 0) {
		unlink(out->tmp);
		out->tmp[0] = '\0';
		return -1;
	}
	return 0;
}

int library_commit(const struct station *st, struct library_staged *s, size_t n,
		   struct errlist *errs)
{
	char catpath[PATHBUF + 16];
	struct catalog cat;
	library_catalog_path(st, catpath, sizeof(catpath));
	if (catalog_load(catpath, &cat, errs) < 0) {
		errlist_add(errs, "the catalog is damaged; rebuild it with: loaxactl bulletin verify --rebuild");
		return -1;
	}
	size_t nadd = 0, renamed = 0;
	int bad = 0;
	for (size_t i = 0; i < n && !bad; i++) {
		if (!s[i].tmp[0])
			continue;
		const struct bulletin *old = catalog_find(&cat, s[i].b.id);
		if (old && !strcmp(old->sha256, s[i].b.sha256)) {
			unlink(s[i].tmp); /* the same recording is there already */
			s[i].tmp[0] = '\0';
			continue;
		}
		if (old) {
			errlist_add(errs, "bulletin %s is already in the library with other content; a new recording needs a new id",
				    s[i].b.id);
			bad = 1;
		}
		for (size_t k = 0; k < cat.n && !bad; k++)
			if (!strcmp(cat.items[k].file, s[i].b.file)) {
				errlist_add(errs, "the library file %s already belongs to bulletin %s",
					    s[i].b.file, cat.items[k].id);
				bad = 1;
			}
	}
	if (bad) {
		catalog_free(&cat);
		return -1;
	}
	/* New names first: nothing refers to them until the catalog does. */
	for (size_t i = 0; i < n; i++) {
		if (!s[i].tmp[0])
			continue;
		char dst[PATHBUF + 80];
		snprintf(dst, sizeof(dst), "%s/%s", st->library, s[i].b.file);
		if (rename(s[i].tmp, dst) < 0) {
			errlist_add(errs, "cannot put %s into the library: %s", s[i].b.file, strerror(errno));
			bad = 1;
			break;
		}
		renamed = i + 1;
		cat.items = xrealloc(cat.items, (cat.n + 1) * sizeof(*cat.items));
		cat.items[cat.n++] = s[i].b;
		nadd++;
	}
	if (!bad && nadd && fsync_dir_of(catpath) < 0) {
		errlist_add(errs, "cannot write to the library folder: %s", strerror(errno));
		bad = 1;
	}
	if (!bad && nadd && catalog_save(&cat) < 0) {
		errlist_add(errs, "cannot save the catalog %s: %s (is the disk full?)", catpath, strerror(errno));
		bad = 1;
	}
	if (bad) {
		for (size_t i = 0; i < renamed; i++) {
			char dst[PATHBUF + 80];
			if (!s[i].tmp[0])
				continue;
			snprintf(dst, sizeof(dst), "%s/%s", st->library, s[i].b.file);
			unlink(dst);
		}
		catalog_free(&cat);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		s[i].tmp[0] = '\0';
	catalog_free(&cat);
	return 0;
}

void library_unstage(struct library_staged *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].tmp[0]) {
			unlink(s[i].tmp);
			s[i].tmp[0] = '\0';
		}
}

void library_clean_staged(const struct station *st)
{
	DIR *d = opendir(st->library);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, STAGE_PREFIX, sizeof(STAGE_PREFIX) - 1))
			continue;
		/* .push-ID.PID, or copy_atomic's .push-ID.PID.tmp.PID */
		const char *p = strrchr(de->d_name, '.');
		const char *t = strstr(de->d_name, ".tmp.");
		long pid = strtol(t ? t + 5 : p ? p + 1 : "", NULL, 10);
		if (pid > 0 && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			continue;
		char path[PATHBUF + 300];
		snprintf(path, sizeof(path), "%s/%s", st->library, de->d_name);
		if (unlink(path) == 0)
			log_info("library: removed %s, left by an interrupted push", path);
	}
	if (d)
		closedir(d);
}

/* The catalog is read, changed and rewritten whole: one writer at a time
 * (staff adding a bulletin while a push installs its audio). */
int library_add(const struct station *st, const char *src, const struct library_add_opts *o,
		struct bulletin *added, struct errlist *errs, struct errlist *warns)
{
	int fd = library_lock(st);
	if (fd < 0) {
		errlist_add(errs, "cannot lock the library %s: %s", st->library, strerror(errno));
		return -1;
	}
	int r = add_locked(st, src, o, added, errs, warns);
	library_unlock(fd);
	return r;
}

int library_remove(const struct station *st, const char *id, char *err, size_t errn)
{
	int fd = library_lock(st);
	if (fd < 0) {
		snprintf(err, errn, _("cannot lock the library %s: %s"), st->library, strerror(errno));
		return -1;
	}
	int r = remove_locked(st, id, err, errn);
	library_unlock(fd);
	return r;
}

int library_rebuild(const struct station *st, int64_t now, struct errlist *problems)
{
	int fd = library_lock(st);
	if (fd < 0) {
		errlist_add(problems, "cannot lock the library %s: %s", st->library, strerror(errno));
		return -1;
	}
	int r = rebuild_locked(st, now, problems);
	library_unlock(fd);
	return r;
}
