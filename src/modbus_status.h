/* The optional read-only Modbus TCP status server (amplifier.status in the
 * station file; off by default): a district SCADA or a stock client such
 * as mbpoll reads the station's state and this month's counts with
 * function 3 or 4 from the register map in docs/MODBUS.md. Writes (5, 6,
 * 15, 16) and every other function get exception 01. Non-blocking, served
 * from the daemon's poll loop like control.h: MBAP frames are parsed here,
 * length-checked; a client sending anything but Modbus TCP is dropped; when
 * every slot is taken the least recently active client makes room. */
#ifndef LOAXA_MODBUS_STATUS_H
#define LOAXA_MODBUS_STATUS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define MODBUS_STATUS_CLIENTS_MAX 8
#define MODBUS_STATUS_CAMPAIGNS_MAX 32
#define MODBUS_STATUS_NREGS (100 + 16 * MODBUS_STATUS_CAMPAIGNS_MAX)
#define MODBUS_STATUS_MAP_VERSION 1
#define MODBUS_STATUS_FRAME_MAX 260 /* MBAP + unit id + 253-byte PDU */

enum { MBS_STATION_WAITING_CLOCK = 0, MBS_STATION_IDLE = 1, MBS_STATION_STARTING = 2,
       MBS_STATION_PLAYING = 3 };
enum { MBS_AMP_NONE = 0, MBS_AMP_OFF = 1, MBS_AMP_SWITCHING = 2, MBS_AMP_ON = 3, MBS_AMP_HOLD = 4,
       MBS_AMP_RETRY = 5, MBS_AMP_UNSAFE = 6 };
/* Outcomes in register 10: 0 none, then asrun.h's enum outcome + 1. */
/* issue 19: register 44, the monitor input's last result. */
enum { MBS_MON_NONE = 0, MBS_MON_HEARD = 1, MBS_MON_DEAD_AIR = 2, MBS_MON_UNAVAILABLE = 3,
       MBS_MON_NOT_YET = 4 };

struct status_campaign {
	char id[ID_MAX];
	unsigned aired, failed, missed, partial, interrupted;
	int target; /* aired broadcasts a month; 0 = none */
};

struct status_snapshot {
	char station[ID_MAX], commune[ID_MAX];
	long long serial;       /* schedule serial in force */
	int station_state;      /* MBS_STATION_* */
	int amp_state;          /* MBS_AMP_* */
	int amp_fault;          /* 1 while an amplifier fault stands */
	int64_t last_broadcast; /* when the last broadcast ended (failed/missed: was due), s; 0 = none */
	int last_outcome;       /* 0 = none, else enum outcome + 1 */
	int year, month;        /* the month the counts are for */
	int64_t now;            /* station clock, s */
	int64_t uptime;         /* s */
	unsigned queued;
	int journal_failing;    /* 1 while journal records cannot be written (register 19) */
	const struct status_campaign *campaigns;
	size_t ncampaigns;      /* only the first MODBUS_STATUS_CAMPAIGNS_MAX are shown */
	/* issue 19: the monitor's last result (docs/MONITOR.md) */
	int mon_state;          /* MBS_MON_* */
	unsigned mon_heard, mon_seconds;
	double mon_level_dbfs;  /* RMS of what was captured */
	int64_t mon_time;       /* when that broadcast ended, s; 0 = none */
};

struct modbus_status;

/* A network clients may connect from: an IPv4 or IPv6 address and a prefix
 * length (all bits when none is given). */
struct status_net {
	int family;         /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int bits;
};
/* Parse "ADDR" or "ADDR/BITS" (numeric IPv4 or IPv6). 0 or -1. */
int modbus_status_net_parse(const char *s, struct status_net *out);
/* 1 if the address (AF_INET: 4 bytes, AF_INET6: 16; an IPv4-mapped IPv6
 * address counts as IPv4) is in one of the n networks. */
int modbus_status_net_match(int family, const uint8_t *addr, const struct status_net *nets, size_t n);

/* Listen on address (numeric IPv4 or IPv6) and port (0 = any free port,
 * for tests). NULL with a message in err. */
struct modbus_status *modbus_status_open(const char *address, int port, char *err, size_t errn);
void modbus_status_close(struct modbus_status *m);
/* Serve only clients from these networks (amplifier.status.allow): any
 * other is closed at once, before a byte is read. n = 0: everyone. Each
 * entry as modbus_status_net_parse takes it. 0, or -1 with err. */
int modbus_status_allow(struct modbus_status *m, const char (*nets)[64], size_t n, char *err,
			size_t errn);
int modbus_status_port(const struct modbus_status *m); /* the port bound */

/* Replace the registers served from now on. */
void modbus_status_update(struct modbus_status *m, const struct status_snapshot *s);

/* Poll descriptors (listener and clients); returns count. */
int modbus_status_pollfds(struct modbus_status *m, struct pollfd *fds, int max);
/* Handle whatever is ready among those descriptors. Never blocks. */
void modbus_status_service(struct modbus_status *m, const struct pollfd *fds, int nfds);
/* Clients connected now. */
size_t modbus_status_clients(const struct modbus_status *m);

/* The register map for s (MODBUS_STATUS_NREGS registers into regs). */
void modbus_status_encode(const struct status_snapshot *s, uint16_t *regs);

/* The request parser (pure): the first Modbus TCP frame of in (n bytes
 * received so far) answered from regs (MODBUS_STATUS_NREGS registers).
 * Returns the bytes it took, with the reply in out (*outlen bytes); 0 when
 * the frame is not complete yet; -1 when in is not Modbus TCP (drop the
 * client). Reads are answered, writes refused: the server is read-only. */
long modbus_status_frame(const uint16_t *regs, const uint8_t *in, size_t n,
			 uint8_t out[MODBUS_STATUS_FRAME_MAX], size_t *outlen);

#endif
