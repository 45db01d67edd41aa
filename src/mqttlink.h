/* One MQTT session (libmosquitto) driven from the caller's own poll()
 * loop: no thread, nothing that blocks. The caller polls mqttlink_fd() for
 * mqttlink_events(), sleeps no longer than mqttlink_deadline_ms(), and
 * calls mqttlink_handle() after poll returns. The link connects, keeps
 * alive (one PINGREQ per keepalive interval when idle), and reconnects
 * after a loss with a doubling back-off (a deadline, never a sleep).
 *
 * Host names are resolved by a short-lived child process (getaddrinfo can
 * block for seconds), so the loop only ever connects to a numeric address;
 * TLS still verifies the broker's certificate against the configured name. */
#ifndef LOAXA_MQTTLINK_H
#define LOAXA_MQTTLINK_H

#include <stddef.h>
#include <stdint.h>

struct mqttlink_conf {
	char host[256];        /* name or numeric address */
	int port;
	int tls;               /* mqtts:// */
	char ca_file[4096];    /* PEM CA the broker's certificate must chain to (TLS) */
	char username[128];    /* "" = none */
	char password[256];
	char client_id[128];
	int keepalive;         /* seconds */
	int retry_max;         /* back-off ceiling, seconds */
	char will_topic[256];  /* "" = no will */
	char will_payload[64];
	int one_shot;          /* a failed attempt to connect is reported (disconnected), not retried quietly */
};

/* Parse "mqtt://HOST:PORT" / "mqtts://HOST:PORT" (IPv6 as [ADDR]:PORT;
 * the port defaults to 1883 / 8883). 0, or -1 with the reason in err. */
int mqttlink_parse_url(const char *url, struct mqttlink_conf *c, char *err, size_t errn);

/* Read the first line of a password file into c->password. 0 or -1/errno. */
int mqttlink_read_password(const char *file, struct mqttlink_conf *c);

struct mqttlink_msg {
	const char *topic;
	const void *payload;
	size_t len;
	int retained;
};

struct mqttlink_cb {
	void (*connected)(void *ctx);                  /* CONNACK accepted: subscribe, publish */
	void (*disconnected)(void *ctx, const char *why);
	void (*message)(void *ctx, const struct mqttlink_msg *m);
	void (*subscribed)(void *ctx);                 /* a SUBACK arrived */
	void (*published)(void *ctx);                  /* a PUBACK arrived (QoS 1) */
};

struct mqttlink;

/* A link that starts connecting at the first mqttlink_handle (or at once
 * when now_ms is given to the first deadline). NULL with err. */
struct mqttlink *mqttlink_new(const struct mqttlink_conf *c, const struct mqttlink_cb *cb, void *ctx,
			      char *err, size_t errn);
/* Disconnects cleanly (the will is not sent) and frees. NULL is fine. */
void mqttlink_free(struct mqttlink *l);

int mqttlink_fd(const struct mqttlink *l);              /* -1 when nothing to poll */
short mqttlink_events(const struct mqttlink *l);       /* POLLIN, plus POLLOUT when output waits */
int64_t mqttlink_deadline_ms(const struct mqttlink *l, int64_t now_ms); /* absolute; INT64_MAX = none */
/* After poll: revents for mqttlink_fd (0 when only the deadline passed). */
void mqttlink_handle(struct mqttlink *l, short revents, int64_t now_ms);

int mqttlink_up(const struct mqttlink *l);             /* 1 once CONNACK accepted */
/* QoS 0/1 publish; 0, or -1 when down or the library refuses. */
int mqttlink_publish(struct mqttlink *l, const char *topic, const void *payload, size_t len, int qos,
		     int retain);
int mqttlink_subscribe(struct mqttlink *l, const char *pattern, int qos);

/* Counters for the benchmarks and tests. */
struct mqttlink_stats {
	uint64_t wakeups;      /* mqttlink_handle calls */
	uint64_t bytes_out;    /* payload bytes published */
	uint64_t connects;     /* CONNACKs accepted */
};
void mqttlink_stats(const struct mqttlink *l, struct mqttlink_stats *s);

#endif
