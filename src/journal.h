/* The as-run journal on disk: one file per local month (DIR/YYYY-MM.log),
 * append-only, every line chained to the one before by SHA-256 (record.h).
 * Appends are fsynced before journal_append returns. Opening for writing
 * recovers from a power cut: a torn last line is moved aside to
 * DIR/YYYY-MM.torn (never silently dropped) and reported; starts with no
 * end are reported so the caller can record them `interrupted`.
 * Recovery is idempotent: bytes of the .torn file that no `torn` record
 * accounts for (a power cut during an earlier recovery) are reported
 * again, once, with any new torn tail, as one piece (docs/JOURNAL.md). */
#ifndef LOAXA_JOURNAL_H
#define LOAXA_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "util.h"

struct journal;

/* What journal_open found and repaired. */
struct journal_recovery {
	size_t torn_bytes;          /* bytes of a torn last line set aside (0 = none) */
	char torn_file[4096];       /* where they went */
	char torn_log[4096];        /* the journal file they were cut from */
	long torn_offset;           /* byte offset they started at */
	long torn_at;               /* where in torn_file they are: [torn_at, torn_at + torn_bytes) */
	struct record *open_starts; /* `start` records with no end, in order */
	size_t nopen;
	int64_t last_time;          /* time of the last good record, 0 if none */
};

/* Open (creating DIR if needed) for appending. station, commune and
 * district (NULL or "" = none) go into the `open` record that begins each
 * monthly file. Recovery notes go into *rec
 * (free with journal_recovery_free). NULL with errno and a message in err. */
struct journal *journal_open(const char *dir, const char *station, const char *commune,
			     const char *district, struct journal_recovery *rec, char *err, size_t errn);
void journal_recovery_free(struct journal_recovery *rec);

/* Append one record stamped t (offset = its local UTC offset) and fsync.
 * kv as for record_format. Starts a new monthly file when t's month differs
 * from the current one. 0, or -1 with errno. */
int journal_append(struct journal *j, int64_t t, int offset, const char *event,
		   const char *const *kv);
void journal_close(struct journal *j);

/* Like journal_append, but a record that cannot be made durable is kept
 * (in memory, in order, at most JOURNAL_QUEUE_MAX) and written before any
 * later record, by the next call or by journal_retry: the journal never
 * skips what it was told, and never holds two records out of order.
 * Returns 0 when this record (and every queued one) is on disk, 1 when it
 * is queued (errno says why the write failed), -1 when the queue was full
 * and it was dropped (counted in journal_dropped). */
#define JOURNAL_QUEUE_MAX 4096
int journal_record(struct journal *j, int64_t t, int offset, const char *event,
		   const char *const *kv);
/* Hold a record to be written with the next group (journal_retry, or the
 * next journal_record): many records, one flush. For records whose loss
 * in a crash before the flush is harmless because they are derived again
 * at the next start (the `missed` records of an outage). Flushes by
 * itself every JOURNAL_DEFER_FLUSH records. 0, or -1 when dropped. */
#define JOURNAL_DEFER_FLUSH 2048
int journal_defer(struct journal *j, int64_t t, int offset, const char *event, const char *const *kv);
/* Write the queued records, in groups (one write() and one fdatasync for
 * up to 256 kB of lines). 0 when none is left, -1 with errno otherwise. */
int journal_retry(struct journal *j);
size_t journal_queued(const struct journal *j);

/* Held records kept on disk too (issue 11), in FILE (on another file
 * system than the journal if there is one: the daemon's state folder): a
 * record journal_record has to hold is appended to FILE and flushed; once
 * every held record is in the journal and flushed, FILE is removed. Call
 * once after journal_open: the records FILE holds from a run that ended
 * before the journal took them are queued first (to be written before
 * any new record), but for those already at the end of the journal (the
 * run wrote them and ended before it removed FILE): each is written
 * exactly once. Returns how many were queued, or -1 with errno and a
 * message in err (the journal works on, without the file). */
int journal_hold_file(struct journal *j, const char *file, char *err, size_t errn);
/* Each record queued (held), in order, as a record (prev zero). */
void journal_each_queued(const struct journal *j, void (*cb)(void *ctx, const struct record *r), void *ctx);
/* Held records the held file could not take (they are only in memory). */
size_t journal_held_failed(const struct journal *j);
size_t journal_dropped(const struct journal *j);

/* Lazy flushing (the daemon's loop, issue 11): with lazy set,
 * journal_record, journal_defer and journal_retry write() their lines
 * without fdatasync; journal_append (a broadcast's `start`) still flushes,
 * and with it every line before. The caller flushes the rest off the loop:
 * journal_sync_begin gives a descriptor of the current file (a dup, for
 * syncer_submit) and a ticket; journal_sync_end(ticket, errno) says how it
 * ended. A new month's file is only started once the old one is flushed,
 * and journal_close flushes what is left. */
void journal_set_lazy(struct journal *j, int lazy);
/* 1 when lines were written and not yet flushed. */
int journal_unsynced(const struct journal *j);
int journal_sync_begin(struct journal *j, uint64_t *ticket);
void journal_sync_end(struct journal *j, uint64_t ticket, int err);

/* Reading (read-only, any folder, e.g. a copy an officer brought back). */
struct journal_pos {
	const char *file; /* path of the file */
	size_t line;      /* 1-based */
};

/* Called for every record in order; return non-zero to stop. */
typedef int (*journal_record_cb)(void *ctx, const struct record *r, const struct journal_pos *pos);
/* Called for every problem (torn or unparsable line, broken chain). */
typedef void (*journal_problem_cb)(void *ctx, const struct journal_pos *pos, const char *what);

struct journal_scan_result {
	size_t files, records, problems;
	int chain_ok;            /* no broken link, no unparsable line */
	char first_bad[4200];    /* "FILE:LINE: what" of the first problem */
	uint8_t head[RECORD_HASH_LEN]; /* hash of the last line read */
};

/* Read DIR/YYYY-MM.log files in order and verify the chain across them.
 * Files wholly outside [from_month, to_month] ("YYYY-MM", NULL = open) are
 * skipped (the chain is then checked from the first file read). Records are
 * passed to cb; problems to pcb (either may be NULL). Returns 0 when the
 * folder could be read (even if problems were found: see result), -1 with
 * errno and message in err otherwise. */
int journal_scan(const char *dir, const char *from_month, const char *to_month,
		 journal_record_cb cb, journal_problem_cb pcb, void *ctx,
		 struct journal_scan_result *res, char *err, size_t errn);

#endif
