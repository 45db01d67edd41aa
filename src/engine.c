/* The station's decision core: see engine.h. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "util.h"

enum { RANK_NORMAL = 10, RANK_PRIORITY = 20, RANK_MANUAL = 25, RANK_EMERGENCY = 30 };
#define HANDLED_KEEP (3 * 86400) /* forget handled ids this long after their due time */

struct qitem {
	struct occurrence occ;
	int rank;
	int rotating; /* campaign rotation decides the bulletin when it starts */
	int manual;   /* engine_play_now: never superseded nor missed */
	unsigned long seq;
};

struct handled {
	char id[OCC_ID_MAX];
	int64_t due;
};

struct engine {
	const struct schedule *s;
	int catchup;
	int64_t taken_until; /* every occurrence due before this has been taken */
	int64_t pruned_below; /* handled ids due before this were forgotten */
	struct qitem *q;
	size_t nq, capq;
	int playing;
	struct qitem cur;
	struct handled *h;
	size_t nh, caph;
	size_t *hidx;   /* open-addressing index into h (i + 1; 0 = empty) */
	size_t nidx;    /* its size: a power of two, at least twice caph */
	size_t *rot;
	unsigned long seq;
	unsigned manual_seq;
};

static int rank_of(enum level l)
{
	return l == LEVEL_EMERGENCY ? RANK_EMERGENCY : l == LEVEL_PRIORITY ? RANK_PRIORITY : RANK_NORMAL;
}

struct engine *engine_new(const struct schedule *s, int catchup_s)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	e->s = s;
	e->catchup = catchup_s;
	e->rot = xcalloc(s->ncampaigns + 1, sizeof(size_t));
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	free(e->q);
	free(e->h);
	free(e->hidx);
	free(e->rot);
	free(e);
}

void engine_set_schedule(struct engine *e, const struct schedule *s)
{
	size_t *rot = xcalloc(s->ncampaigns + 1, sizeof(size_t));
	for (size_t i = 0; i < s->ncampaigns; i++) {
		ssize_t old = schedule_campaign_index(e->s, s->campaigns[i].id);
		if (old >= 0)
			rot[i] = e->rot[old];
	}
	free(e->rot);
	e->rot = rot;
	e->s = s;
}

void engine_begin(struct engine *e, int64_t since)
{
	e->taken_until = since;
}

/* Handled ids are looked up for every occurrence taken: after a long
 * outage there are tens of thousands, so they are hashed (FNV-1a). */
static size_t id_hash(const char *id)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static void index_rebuild(struct engine *e)
{
	size_t want = 128;
	while (want < 2 * e->caph)
		want *= 2;
	if (want != e->nidx) {
		free(e->hidx);
		e->hidx = xcalloc(want, sizeof(*e->hidx));
		e->nidx = want;
	} else {
		memset(e->hidx, 0, want * sizeof(*e->hidx));
	}
	for (size_t i = 0; i < e->nh; i++) {
		size_t k = id_hash(e->h[i].id) & (e->nidx - 1);
		while (e->hidx[k])
			k = (k + 1) & (e->nidx - 1);
		e->hidx[k] = i + 1;
	}
}

static int is_handled(const struct engine *e, const char *id)
{
	if (!e->nidx)
		return 0;
	for (size_t k = id_hash(id) & (e->nidx - 1); e->hidx[k]; k = (k + 1) & (e->nidx - 1))
		if (!strcmp(e->h[e->hidx[k] - 1].id, id))
			return 1;
	return 0;
}

void engine_mark_handled(struct engine *e, const char *id, int64_t due)
{
	if (is_handled(e, id))
		return;
	if (e->nh == e->caph) {
		e->caph = e->caph ? e->caph * 2 : 64;
		e->h = xrealloc(e->h, e->caph * sizeof(*e->h));
		index_rebuild(e);
	}
	str_copy(e->h[e->nh].id, id, OCC_ID_MAX);
	e->h[e->nh].due = due;
	size_t k = id_hash(e->h[e->nh].id) & (e->nidx - 1);
	while (e->hidx[k])
		k = (k + 1) & (e->nidx - 1);
	e->hidx[k] = ++e->nh;
}

static void prune_handled(struct engine *e, int64_t now)
{
	size_t j = 0;
	for (size_t i = 0; i < e->nh; i++)
		if (e->h[i].due >= now - HANDLED_KEEP)
			e->h[j++] = e->h[i];
	e->nh = j;
	index_rebuild(e);
	if (now - HANDLED_KEEP > e->pruned_below)
		e->pruned_below = now - HANDLED_KEEP;
}

/* The bulletin campaign rotation gives it (rot: positions to use; advanced
 * when advance is set). Missed occurrences name it without using it up. */
static void rotate(const struct engine *e, struct qitem *it, size_t *rot, int advance)
{
	if (!it->rotating)
		return;
	ssize_t ci = schedule_campaign_index(e->s, it->occ.campaign);
	if (ci < 0 || !e->s->campaigns[ci].nbulletins)
		return;
	const struct campaign *c = &e->s->campaigns[ci];
	str_copy(it->occ.bulletin, c->bulletins[rot[ci] % c->nbulletins], ID_MAX);
	if (advance)
		rot[ci] = (rot[ci] + 1) % c->nbulletins;
}

void engine_set_rotation(struct engine *e, const char *campaign, const char *last)
{
	ssize_t ci = schedule_campaign_index(e->s, campaign);
	if (ci >= 0)
		e->rot[ci] = schedule_rotation_after(&e->s->campaigns[ci], last);
}

/* Queue order: rank, then due, then arrival (expansion order keeps slots). */
static int before(const struct qitem *a, const struct qitem *b)
{
	if (a->rank != b->rank)
		return a->rank > b->rank;
	if (a->occ.due != b->occ.due)
		return a->occ.due < b->occ.due;
	return a->seq < b->seq;
}

static void enqueue(struct engine *e, const struct qitem *it)
{
	if (e->nq == e->capq) {
		e->capq = e->capq ? e->capq * 2 : 16;
		e->q = xrealloc(e->q, e->capq * sizeof(*e->q));
	}
	struct qitem n = *it;
	n.seq = e->seq++;
	size_t i = e->nq++;
	while (i > 0 && before(&n, &e->q[i - 1])) {
		e->q[i] = e->q[i - 1];
		i--;
	}
	e->q[i] = n;
}

static void dequeue_at(struct engine *e, size_t i)
{
	memmove(&e->q[i], &e->q[i + 1], (e->nq - i - 1) * sizeof(*e->q));
	e->nq--;
}

/* Slot part of an occurrence id ("slot@..."): length of the prefix. */
static size_t slot_prefix(const char *id)
{
	const char *at = strchr(id, '@');
	return at ? (size_t)(at - id) : strlen(id);
}

static struct engine_action *act(struct engine_action *acts, size_t *n, size_t max,
				 enum engine_act type, const struct occurrence *o)
{
	if (*n >= max)
		return NULL;
	struct engine_action *a = &acts[(*n)++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->occ = *o;
	return a;
}

/* Queue o, first recording as missed the queued occurrences of its slot it
 * supersedes. 0, or -1 when acts ran out of room: o is then not queued
 * and must be taken again on the next tick. */
static int take(struct engine *e, const struct occurrence *o, struct engine_action *acts,
		size_t *n, size_t max)
{
	if (is_handled(e, o->id))
		return 0;
	for (size_t i = 0; i < e->nq; i++)
		if (e->q[i].occ.due == o->due && !strcmp(e->q[i].occ.id, o->id))
			return 0; /* already queued */
	size_t pl = slot_prefix(o->id);
	for (size_t i = 0; i < e->nq;) {
		struct qitem *qi = &e->q[i];
		const struct occurrence *q = &qi->occ;
		if (!qi->manual && q->due < o->due && slot_prefix(q->id) == pl &&
		    !strncmp(q->id, o->id, pl)) {
			rotate(e, qi, e->rot, 0);
			struct engine_action *a = act(acts, n, max, ACT_MISSED, q);
			if (!a)
				return -1; /* out of room: try again on the next tick */
			snprintf(a->detail, sizeof(a->detail),
				 "superseded: the same slot came due again at %.5s before it could start",
				 o->id + pl + 12);
			engine_mark_handled(e, q->id, q->due);
			dequeue_at(e, i);
			continue;
		}
		i++;
	}
	struct qitem it = {.occ = *o, .rank = rank_of(o->level)};
	const struct slot *sl = o->slot < e->s->nslots ? &e->s->slots[o->slot] : NULL;
	it.rotating = sl && !sl->nbulletins && sl->campaign[0];
	enqueue(e, &it);
	return 0;
}

static void start_head(struct engine *e, struct engine_action *acts, size_t *n, size_t max)
{
	if (e->playing || !e->nq || *n >= max)
		return;
	struct qitem it = e->q[0];
	dequeue_at(e, 0);
	rotate(e, &it, e->rot, 1);
	engine_mark_handled(e, it.occ.id, it.occ.due);
	e->playing = 1;
	e->cur = it;
	struct engine_action *a = act(acts, n, max, ACT_START, &it.occ);
	if (a)
		a->rotating = it.rotating;
}

size_t engine_tick(struct engine *e, int64_t now, const char *gap_reason,
		   struct engine_action *acts, size_t max)
{
	size_t n = 0;
	int behind = 0;
	/* Clock stepped back: take again from now. Handled ids and the queue
	 * keep anything from being taken twice; forgotten ids bound how far. */
	if (now + 1 < e->taken_until)
		e->taken_until = now + 1 > e->pruned_below ? now + 1 : e->pruned_below;
	/* Take in bounded chunks so a long gap needs no huge array. Whatever
	 * does not fit in acts is taken on the next tick: the caller ticks
	 * again while actions come back. */
	while (e->taken_until <= now && !behind) {
		int64_t to = e->taken_until + 86400;
		if (to > now + 1)
			to = now + 1;
		struct occurrence *occ = NULL;
		ssize_t k = schedule_expand(e->s, e->taken_until, to, NULL, 0, &occ);
		ssize_t i = 0;
		while (i < k && n < max && take(e, &occ[i], acts, &n, max) == 0)
			i++;
		if (i < k) {
			e->taken_until = occ[i].due;
			behind = 1;
		} else {
			e->taken_until = to;
		}
		free(occ);
	}
	/* Past the catch-up window: missed. */
	for (size_t i = 0; i < e->nq && n < max;) {
		struct qitem *it = &e->q[i];
		if (!it->manual && now > it->occ.due + e->catchup) {
			rotate(e, it, e->rot, 0);
			struct engine_action *a = act(acts, &n, max, ACT_MISSED, &it->occ);
			snprintf(a->detail, sizeof(a->detail), "not started within the catch-up window (%d min): %s",
				 e->catchup / 60,
				 gap_reason ? gap_reason : "other broadcasts were playing");
			engine_mark_handled(e, it->occ.id, it->occ.due);
			dequeue_at(e, i);
			continue;
		}
		i++;
	}
	/* Nothing starts until every due occurrence is taken: what plays must
	 * not depend on how many actions fit in one tick (superseding). */
	if (behind)
		return n;
	if (e->playing && e->nq && e->q[0].rank == RANK_EMERGENCY && e->cur.rank != RANK_EMERGENCY &&
	    n < max) {
		struct engine_action *a = act(acts, &n, max, ACT_PREEMPT, &e->cur.occ);
		snprintf(a->detail, sizeof(a->detail), "preempted by emergency %s", e->q[0].occ.id);
		e->playing = 0;
	}
	start_head(e, acts, &n, max);
	if (e->nh > 4096 || (e->nh && e->h[0].due < now - 2 * HANDLED_KEEP))
		prune_handled(e, now);
	return n;
}

void engine_done(struct engine *e)
{
	e->playing = 0;
}

void engine_play_now(struct engine *e, int64_t now, const char *bulletin, const char *campaign,
		     int emergency)
{
	struct qitem it = {.rank = emergency ? RANK_EMERGENCY : RANK_MANUAL, .manual = 1};
	char ts[26];
	civil_tz_format(now, ts);
	snprintf(it.occ.id, sizeof(it.occ.id), "manual@%.19s#%u", ts, ++e->manual_seq);
	it.occ.due = now;
	it.occ.slot = (size_t)-1;
	str_copy(it.occ.bulletin, bulletin, ID_MAX);
	str_copy(it.occ.campaign, campaign ? campaign : "", ID_MAX);
	it.occ.repeat = 1;
	it.occ.level = emergency ? LEVEL_EMERGENCY : LEVEL_PRIORITY;
	enqueue(e, &it);
}

void engine_set_manual_seq(struct engine *e, unsigned seq)
{
	if (seq > e->manual_seq)
		e->manual_seq = seq;
}

int engine_stop(struct engine *e)
{
	int was = e->playing;
	e->playing = 0;
	return was;
}

int64_t engine_next_wake(const struct engine *e)
{
	int64_t from = e->taken_until;
	int64_t spans[] = {86400, ENGINE_HORIZON};
	for (size_t i = 0; i < ARRAY_LEN(spans); i++) {
		struct occurrence *occ = NULL;
		ssize_t k = schedule_expand(e->s, from, from + spans[i], NULL, 0, &occ);
		int64_t t = 0;
		for (ssize_t j = 0; j < k; j++) {
			if (!is_handled(e, occ[j].id)) {
				t = occ[j].due;
				break;
			}
		}
		free(occ);
		if (t)
			return t;
	}
	return from + ENGINE_HORIZON;
}

size_t engine_upcoming(const struct engine *e, int64_t now, struct occurrence *out, size_t n)
{
	size_t k = 0;
	size_t *rot = xcalloc(e->s->ncampaigns + 1, sizeof(size_t));
	memcpy(rot, e->rot, e->s->ncampaigns * sizeof(size_t));
	/* Queued rotating occurrences use up rotation before the schedule does. */
	for (size_t i = 0; i < e->nq && k < n; i++) {
		struct qitem it = e->q[i];
		rotate(e, &it, rot, 1);
		out[k++] = it.occ;
	}
	int64_t from = e->taken_until > now ? e->taken_until : now;
	struct occurrence *occ = NULL;
	ssize_t m = schedule_expand(e->s, from, from + ENGINE_HORIZON, rot, 0, &occ);
	for (ssize_t j = 0; j < m && k < n; j++) {
		int queued = 0; /* possible after the clock stepped back */
		for (size_t i = 0; i < e->nq && !queued; i++)
			queued = !strcmp(e->q[i].occ.id, occ[j].id);
		if (!queued && !is_handled(e, occ[j].id))
			out[k++] = occ[j];
	}
	free(occ);
	free(rot);
	return k;
}

const struct occurrence *engine_playing(const struct engine *e)
{
	return e->playing ? &e->cur.occ : NULL;
}

size_t engine_queued(const struct engine *e)
{
	return e->nq;
}
