/* The collector's mirror (docs/FLEET.md): MIRROR/STATION/journal/YYYY-MM.log
 * byte-identical to each station's journal, and MIRROR/STATION/fleet.state
 * (key=value, kv.h form) for `loaxactl fleet status`. Every line is checked
 * against the chain head before it is appended (fleetproto.h); appends are
 * forced to storage (fdatasync) before they are acknowledged; nothing
 * stored is ever rewritten. No MQTT here: the collector's shell feeds
 * messages in and publishes what comes out. */
#ifndef LOAXA_FLEETSTORE_H
#define LOAXA_FLEETSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "fleetproto.h"

struct fleetstore;

/* Open (creating) the mirror folder and load every station in it (the
 * chain head from its newest journal file; a torn last line, from a
 * collector killed mid-write, is cut off: it was never acknowledged).
 * NULL with err. */
struct fleetstore *fleetstore_open(const char *mirror, char *err, size_t errn);
void fleetstore_close(struct fleetstore *s);

/* What happened with a message. */
struct fleetstore_out {
	size_t stored;         /* lines appended (durable after fleetstore_commit) */
	int problem;           /* msg says what went wrong (log it) */
	char msg[700];
};

/* A journal batch from DISTRICT/STATION/journal; now = wall clock (s).
 * Lines that continue the chain are written at once and acknowledged by
 * the next fleetstore_commit. 0 handled (see out), -1 a storage error
 * (errno; nothing acknowledged). */
int fleetstore_journal(struct fleetstore *s, const char *district, const char *station,
		       const void *payload, size_t len, int64_t now, struct fleetstore_out *out);
/* A status message from DISTRICT/STATION/status (retained: delivered on
 * subscribing, possibly older than what is stored since). */
int fleetstore_status(struct fleetstore *s, const char *district, const char *station,
		      const void *payload, size_t len, int retained, int64_t now, struct fleetstore_out *out);
/* Issue 14: a station's STATION/bundle state, kept in its fleet.state as
 * bundle_serial, bundle_state and bundle_detail. 0, as fleetstore_status. */
int fleetstore_bundle(struct fleetstore *s, const char *district, const char *station, const void *payload,
		      size_t len, struct fleetstore_out *out);

/* Group commit, after a burst of messages: force every file written
 * since the last commit to storage (one syncfs for many files), then call
 * ack for each station that wants an acknowledgement (publish it,
 * retained). 0, or -1 with errno (nothing acknowledged: the caller must
 * not go on, since what is written is not known to be durable). */
int fleetstore_commit(struct fleetstore *s,
		      void (*ack)(void *ctx, const char *district, const char *station, const struct fleet_ack *a),
		      void *ctx);

/* Every station held, for re-publishing acknowledgements after a
 * (re)connection: calls cb with its district, id and ack. */
void fleetstore_each(struct fleetstore *s,
		     void (*cb)(void *ctx, const char *district, const char *station, const struct fleet_ack *a),
		     void *ctx);
size_t fleetstore_count(const struct fleetstore *s);

#endif
