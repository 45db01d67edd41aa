/* The station's side of the fleet link (docs/FLEET.md): one MQTT session
 * to the district broker, driven from loaxad's poll loop. It publishes the
 * journal's lines in order at QoS 1 from the point the collector has
 * acknowledged (the journal files are the outgoing queue: read here,
 * read-only; nothing else is written), its status retained with an
 * `offline` will, and checks each acknowledgement against its own journal
 * (the anchor). Times are monotonic milliseconds. */
#ifndef LOAXA_FLEET_H
#define LOAXA_FLEET_H

#include <stdint.h>

#include "model.h"
#include "util.h"

struct fleet;

/* NULL with no `fleet` section (and err ""), or on a problem (err set). */
struct fleet *fleet_new(const struct station *st, char *err, size_t errn);
void fleet_free(struct fleet *f);  /* disconnects cleanly (no will); NULL is fine */
/* For loaxad --check: what fleet_new would refuse (broker URL, password
 * file, CA file), each as "FILE:LINE: fleet: ..." in errs. No network. */
void fleet_check(const struct station *st, struct errlist *errs);

int fleet_fd(const struct fleet *f);            /* -1: nothing to poll */
short fleet_events(const struct fleet *f);      /* POLLIN, plus POLLOUT when output waits */
/* The next instant fleet_handle must run (keepalive, reconnect, lines to
 * send); INT64_MAX when none. */
int64_t fleet_deadline_ms(const struct fleet *f, int64_t now_mono_ms);
/* After poll: revents of fleet_fd (0 when woken by the deadline). */
void fleet_handle(struct fleet *f, short revents, int64_t now_mono_ms);
/* New journal lines are on the card: send them at the next fleet_handle. */
void fleet_journal_appended(struct fleet *f);

/* Issue 14, the downlink. cb gets each bundle message (not empty) from
 * the district's and the station's `schedule` topics; retained ones come
 * again after every reconnect, with retained = 1 (a live publish: 0). */
typedef void (*fleet_bundle_cb)(void *ctx, const void *payload, size_t len, int retained);
void fleet_set_bundle_cb(struct fleet *f, fleet_bundle_cb cb, void *ctx);
/* Publish (retained) where the station stands with the newest bundle: a
 * "loaxa-bundle-state 1 ..." line. Kept and sent again after a reconnect. */
void fleet_bundle_state(struct fleet *f, const char *payload);

/* For status and tests. */
struct fleet_info {
	int up;
	int anchor_ok;
	char acked[32];   /* "YYYY-MM:N" the collector holds, "-:0" */
	char sent[32];
	uint64_t wakeups, bytes_out, lines_out, connects;
};
void fleet_info(const struct fleet *f, struct fleet_info *i);

#endif
