/* The start-up replay of the journal: see replay.h. */
#include "replay.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "asrun.h"
#include "civil.h"
#include "util.h"

#define HANDLED_WINDOW (3 * 86400) /* as the engine remembers handled ids */

void replay_init(struct replay *r, const struct schedule *s, struct engine *eng, int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->eng = eng;
	r->now = now;
	r->last_bulletin = xcalloc(s->ncampaigns + 1, ID_MAX);
}

void replay_free(struct replay *r)
{
	free(r->last_bulletin);
	r->last_bulletin = NULL;
}

void replay_feed(struct replay *r, const struct record *rec)
{
	const char *ev = rec->event;
	r->last_time = rec->time;
	/* A device lost before a restart is still owed its audio-back. */
	if (!strcmp(ev, "audio-lost"))
		r->audio_down = 1;
	else if (!strcmp(ev, "audio-back"))
		r->audio_down = 0;
	else if (!strcmp(ev, "monitor-lost"))
		r->monitor_down = 1;
	else if (!strcmp(ev, "monitor-back"))
		r->monitor_down = 0;
	if (!strcmp(ev, "schedule-installed")) {
		const char *sr = record_get(rec, "serial"), *sh = record_get(rec, "sha256");
		const char *sg = record_get(rec, "signer");
		r->installed_serial = sr ? atoll(sr) : 0;
		if (r->installed_serial > r->max_serial)
			r->max_serial = r->installed_serial;
		str_copy(r->installed_sha, sh ? sh : "", sizeof(r->installed_sha));
		str_copy(r->installed_signer, sg ? sg : "", sizeof(r->installed_signer));
		r->installed_at = rec->time;
		return;
	}
	const char *occ = record_get(rec, "occ");
	if (!occ)
		return;
	const char *hash = !strncmp(occ, "manual@", 7) ? strrchr(occ, '#') : NULL;
	if (hash) {
		unsigned long k = strtoul(hash + 1, NULL, 10);
		if (k > r->manual_seq && k < UINT_MAX)
			r->manual_seq = (unsigned)k;
	}
	const char *out = record_get(rec, "outcome");
	int oc = !strcmp(ev, "end") ? outcome_parse(out ? out : "") : outcome_parse(ev);
	if (!strcmp(ev, "end") && (oc < 0 || oc == OUT_UNHEARD))
		oc = OUT_PARTIAL; /* unknown and unheard: never aired (Modbus knows no unheard) */
	if (oc >= 0) {
		r->last_bc_time = rec->time;
		r->last_bc_outcome = oc + 1;
	}
	int start_or_failed = !strcmp(ev, "start") || !strcmp(ev, "failed");
	if (start_or_failed || !strcmp(ev, "missed") || !strcmp(ev, "interrupted")) {
		const char *due = record_get(rec, "due");
		int64_t t = rec->time;
		if (due)
			civil_parse_iso(due, &t);
		if (t >= r->now - HANDLED_WINDOW)
			engine_mark_handled(r->eng, occ, t);
	}
	if (start_or_failed && schedule_record_rotates(r->s, occ, record_get(rec, "rotation"))) {
		const char *c = record_get(rec, "campaign"), *b = record_get(rec, "bulletin");
		ssize_t ci = c && *c ? schedule_campaign_index(r->s, c) : -1;
		if (ci >= 0 && b)
			str_copy(r->last_bulletin[ci], b, ID_MAX);
	}
}

void replay_finish(struct replay *r)
{
	for (size_t i = 0; i < r->s->ncampaigns; i++)
		if (r->last_bulletin[i][0])
			engine_set_rotation(r->eng, r->s->campaigns[i].id, r->last_bulletin[i]);
	engine_set_manual_seq(r->eng, r->manual_seq);
}
