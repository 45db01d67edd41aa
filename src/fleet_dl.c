/* loaxad's side of the fleet link (fleet.h): the MQTT session (fleet.c,
 * mqttlink.c) is a plugin, loaxa-fleet.so, loaded only when the station
 * file has a `fleet` section. libmosquitto needs OpenSSL, which costs about
 * 2 MiB resident as soon as it is mapped; a station without the link never
 * maps either. The plugin calls back only into the functions listed in
 * src/loaxad.dynlist. */
#include "fleet.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef LOAXA_PLUGINDIR
#define LOAXA_PLUGINDIR "/usr/local/lib/loaxa"
#endif
#define PLUGIN "loaxa-fleet.so"

static struct {
	void *h;
	struct fleet *(*fnew)(const struct station *, char *, size_t);
	void (*ffree)(struct fleet *);
	void (*fcheck)(const struct station *, struct errlist *);
	int (*ffd)(const struct fleet *);
	short (*fevents)(const struct fleet *);
	int64_t (*fdeadline)(const struct fleet *, int64_t);
	void (*fhandle)(struct fleet *, short, int64_t);
	void (*fappended)(struct fleet *);
	void (*finfo)(const struct fleet *, struct fleet_info *);
	void (*fsetcb)(struct fleet *, fleet_bundle_cb, void *);
	void (*fbstate)(struct fleet *, const char *);
} p;

/* The build tree keeps the plugin beside loaxad; an install, in
 * LOAXA_PLUGINDIR. */
static void *open_plugin(char *err, size_t errn)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/" PLUGIN, self);
			if (access(path, F_OK) == 0) {
				void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
				if (!h)
					snprintf(err, errn, "cannot load the fleet link: %s", dlerror());
				return h;
			}
		}
	}
	void *h = dlopen(LOAXA_PLUGINDIR "/" PLUGIN, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		snprintf(err, errn, "cannot load the fleet link (%s): %s", LOAXA_PLUGINDIR "/" PLUGIN, dlerror());
	return h;
}

static int load(char *err, size_t errn)
{
	if (p.h)
		return 0;
	void *h = open_plugin(err, errn);
	if (!h)
		return -1;
#define SYM(field, name)                                                                     \
	if (!(*(void **)&p.field = dlsym(h, name))) {                                        \
		snprintf(err, errn, "the fleet link plugin lacks %s: %s", name, dlerror());  \
		dlclose(h);                                                                  \
		memset(&p, 0, sizeof(p));                                                    \
		return -1;                                                                   \
	}
	SYM(fnew, "fleet_new");
	SYM(ffree, "fleet_free");
	SYM(fcheck, "fleet_check");
	SYM(ffd, "fleet_fd");
	SYM(fevents, "fleet_events");
	SYM(fdeadline, "fleet_deadline_ms");
	SYM(fhandle, "fleet_handle");
	SYM(fappended, "fleet_journal_appended");
	SYM(finfo, "fleet_info");
	SYM(fsetcb, "fleet_set_bundle_cb");
	SYM(fbstate, "fleet_bundle_state");
#undef SYM
	p.h = h;
	return 0;
}

struct fleet *fleet_new(const struct station *st, char *err, size_t errn)
{
	err[0] = '\0';
	if (!st->fleet.enabled || load(err, errn) < 0)
		return NULL;
	return p.fnew(st, err, errn);
}

void fleet_check(const struct station *st, struct errlist *errs)
{
	char err[600];
	if (!st->fleet.enabled)
		return;
	if (load(err, sizeof(err)) < 0) {
		errlist_add(errs, "%s:%d: fleet: %s", st->file, st->fleet.line, err);
		return;
	}
	p.fcheck(st, errs);
}

/* A fleet exists only once the plugin is loaded, so f implies p. */
void fleet_free(struct fleet *f)
{
	if (f)
		p.ffree(f);
}

int fleet_fd(const struct fleet *f)
{
	return f ? p.ffd(f) : -1;
}

short fleet_events(const struct fleet *f)
{
	return f ? p.fevents(f) : 0;
}

int64_t fleet_deadline_ms(const struct fleet *f, int64_t now_mono_ms)
{
	return f ? p.fdeadline(f, now_mono_ms) : INT64_MAX;
}

void fleet_handle(struct fleet *f, short revents, int64_t now_mono_ms)
{
	if (f)
		p.fhandle(f, revents, now_mono_ms);
}

void fleet_journal_appended(struct fleet *f)
{
	if (f)
		p.fappended(f);
}

void fleet_info(const struct fleet *f, struct fleet_info *i)
{
	if (f)
		p.finfo(f, i);
	else
		memset(i, 0, sizeof(*i));
}

void fleet_set_bundle_cb(struct fleet *f, fleet_bundle_cb cb, void *ctx)
{
	if (f)
		p.fsetcb(f, cb, ctx);
}

void fleet_bundle_state(struct fleet *f, const char *payload)
{
	if (f)
		p.fbstate(f, payload);
}
