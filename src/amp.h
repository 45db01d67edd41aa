/* Amplifier adapter: switches the power coil and the speaker zone coils of
 * a Modbus relay module (RTU over RS-485, or TCP) through libmodbus, reads
 * them back with the optional fault discrete input, and reconnects with
 * back-off after errors. It performs what sequence.c decides; it decides
 * nothing. Operations run from the daemon's poll loop: a request goes out,
 * the reply is read when the descriptor is ready, a timerfd bounds the wait.
 * The null twin (amplifier.enabled = false) answers every operation at once
 * with what was asked. This file and modbus_status.c are the only ones that
 * speak Modbus.
 *
 * Blocking: amp_begin may connect, which blocks at most timeout_ms (TCP
 * connect is bounded by libmodbus with the response timeout; opening a
 * serial port does not wait); amp_service reads a reply only once poll()
 * says bytes have arrived and never waits past the request's deadline. So
 * no call blocks the daemon longer than timeout_ms: the worst case is one
 * connect (timeout_ms) in amp_begin, or the rest of a reply trickling in
 * amp_service (up to the deadline). amp_run, for start-up, shutdown and
 * --check, blocks for a whole operation: at most connect + timeout_ms per
 * request (SAFE: up to three requests). */
#ifndef LOAXA_AMP_H
#define LOAXA_AMP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "sequence.h"

enum amp_op {
	AMP_POWER_ON,  /* power coil on; read the coils back */
	AMP_POWER_OFF, /* power coil off; read the coils back */
	AMP_ZONES,     /* zone coils to the mask; read the coils and the fault input back */
	AMP_CHECK,     /* read the coils and the fault input */
	AMP_SAFE,      /* every zone coil off, then the power coil; read back */
};

struct amp_result {
	int ok;               /* 1: the module answered every request; rd holds the read-back */
	struct seq_reading rd;
	char error[256];      /* when !ok: what failed, naming the peer and the request */
	int64_t retry_ms;     /* when !ok: no connection attempt before this (monotonic ms), 0 = any time */
};

#define AMP_BACKOFF_MIN_MS 1000
#define AMP_BACKOFF_MAX_MS 30000

struct amp;

/* The adapter for c (copied), or its null twin when c->enabled is 0. Does
 * not connect yet. NULL with a message in err (e.g. bad serial settings). */
struct amp *amp_new(const struct amp_config *c, char *err, size_t errn);
/* Closes the connection; switches nothing (perform AMP_SAFE first). */
void amp_free(struct amp *a);

int amp_enabled(const struct amp *a);
/* "tcp 127.0.0.1:502 slave 1", "rtu /dev/ttyUSB0 9600 8N1 slave 1", or "none configured". */
const char *amp_peer(const struct amp *a);
/* A TCP module given by host name: its address must be looked up (out of
 * the loop: the helper process) before it can be reached; until then
 * every operation fails at once, "not resolved yet". 1 with the name in
 * host when so. */
int amp_needs_address(const struct amp *a, char *host, size_t n);
/* The numeric address the name resolved to (IPv4 or IPv6). 0, or -1 with
 * a message in err. */
int amp_set_address(struct amp *a, const char *addr, char *err, size_t errn);
/* 1 while connected to the module. */
int amp_connected(const struct amp *a);

/* Start an operation (an operation still in flight is abandoned and its
 * connection dropped, so that its late reply cannot be mistaken). Returns
 * 1 when it is already over (null twin; or it failed without waiting, e.g.
 * connection refused or still backing off) with *res filled, 0 when it is
 * in flight: poll amp_pollfds and call amp_service. */
int amp_begin(struct amp *a, enum amp_op op, uint32_t zones, struct amp_result *res);
/* Descriptors to poll while an operation is in flight (the module's socket
 * or serial port, and the deadline timer); returns the count (0 or 2). */
int amp_pollfds(struct amp *a, struct pollfd *fds, int max);
/* Call when those descriptors have revents. 1 when the operation is over
 * (*res filled), 0 while it goes on. */
int amp_service(struct amp *a, const struct pollfd *fds, int nfds, struct amp_result *res);
/* 1 while an operation is in flight. */
int amp_busy(const struct amp *a);
/* Abandon the operation in flight, if any (drops the connection). */
void amp_cancel(struct amp *a);

/* amp_begin, then wait for the end. 0 if res->ok, else -1. */
int amp_run(struct amp *a, enum amp_op op, uint32_t zones, struct amp_result *res);

/* The operation that performs a sequence action (SACT_POWER ... SACT_SAFE). */
enum amp_op amp_op_for(const struct seq_action *act);

#endif
