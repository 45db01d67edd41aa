/* Reading a journal folder (DIR/YYYY-MM.log) read-only by position, for
 * the fleet link: the station's journal is its outgoing queue, and the
 * collector's mirror has the same layout. Only whole lines (ending in a
 * newline) are ever returned. Positions are fleetproto.h's. */
#ifndef LOAXA_FLEETLOG_H
#define LOAXA_FLEETLOG_H

#include <stddef.h>
#include <stdint.h>

#include "fleetproto.h"

/* A reader over one folder; it remembers where it read last so that
 * sending in order never re-reads a file from its start. */
struct fleetlog;

struct fleetlog *fleetlog_new(const char *dir);
void fleetlog_free(struct fleetlog *l);

/* The next batch after position `after`: up to FLEET_BATCH_LINES lines
 * and FLEET_PAYLOAD_MAX bytes, from the same month or, when that month has
 * no more lines, from line 1 of the next month file. The whole payload
 * (header + lines) goes into buf (FLEET_PAYLOAD_MAX bytes); *plen is its
 * length and *last the position of its last line. `end` is written into
 * the header and must be the folder's newest line (fleetlog_end).
 * Returns the number of lines (0: nothing after `after`), -1 with errno. */
int fleetlog_batch(struct fleetlog *l, const struct fleet_pos *after, const struct fleet_pos *end,
		   char *buf, size_t *plen, struct fleet_pos *last);

/* Position of the newest whole line and its hash ("-:0" and zeros when
 * the folder holds none). 0, or -1 with errno (a missing folder is empty). */
int fleetlog_end(struct fleetlog *l, struct fleet_pos *end, uint8_t hash[RECORD_HASH_LEN]);

/* Hash of the line at pos: 0, 1 when there is no such line, -1 errno. */
int fleetlog_line_hash(struct fleetlog *l, const struct fleet_pos *pos, uint8_t hash[RECORD_HASH_LEN]);

#endif
