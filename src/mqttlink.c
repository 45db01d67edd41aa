/* One MQTT session on the caller's poll loop (mqttlink.h). States:
 * down (waiting for the retry deadline) -> resolving (child process, a
 * pipe to poll) -> connecting (socket, CONNECT sent) -> up (CONNACK). */
#include "mqttlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define CONNECT_TIMEOUT_MS 30000
#define RESOLVE_TIMEOUT_MS 30000

enum state { ST_DOWN, ST_RESOLVING, ST_CONNECTING, ST_UP };

struct mqttlink {
	struct mqttlink_conf c;
	struct mqttlink_cb cb;
	void *ctx;
	struct mosquitto *m;
	SSL_CTX *ssl;
	enum state st;
	int64_t retry_at;      /* ST_DOWN: when to try again; 0 = at once */
	int64_t backoff_ms;
	int64_t step_deadline; /* resolving / connecting give up at */
	int64_t last_in, last_out;
	int64_t misc_floor;    /* no earlier misc call than this (rounding guard) */
	int numeric;           /* host is already an address */
	char addr[INET6_ADDRSTRLEN];
	int rfd;               /* resolver pipe */
	pid_t rpid;
	int64_t now;           /* the instant of the current mqttlink_handle */
	struct mqttlink_stats stats;
	char why[256];         /* why the last attempt failed */
	char warned[256];      /* the last reason logged as a warning */
};

static int lib_ready;

int mqttlink_parse_url(const char *url, struct mqttlink_conf *c, char *err, size_t errn)
{
	const char *rest;
	if (!strncmp(url, "mqtt://", 7)) {
		c->tls = 0;
		rest = url + 7;
	} else if (!strncmp(url, "mqtts://", 8)) {
		c->tls = 1;
		rest = url + 8;
	} else {
		snprintf(err, errn, "broker \"%s\" must start with mqtt:// or mqtts://", url);
		return -1;
	}
	const char *hs = rest, *he, *port = NULL;
	if (*rest == '[') {
		hs = rest + 1;
		he = strchr(hs, ']');
		if (!he || (he[1] && he[1] != ':')) {
			snprintf(err, errn, "broker \"%s\": bad [IPv6] address", url);
			return -1;
		}
		port = he[1] ? he + 2 : NULL;
	} else {
		he = strchr(rest, ':');
		if (he)
			port = he + 1;
		else
			he = rest + strlen(rest);
	}
	size_t hl = (size_t)(he - hs);
	if (!hl || hl >= sizeof(c->host) || memchr(hs, '/', hl)) {
		snprintf(err, errn, "broker \"%s\": no host, or a path (give only HOST:PORT)", url);
		return -1;
	}
	memcpy(c->host, hs, hl);
	c->host[hl] = 0;
	c->port = c->tls ? 8883 : 1883;
	if (port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (!*port || *end || p < 1 || p > 65535) {
			snprintf(err, errn, "broker \"%s\": bad port", url);
			return -1;
		}
		c->port = (int)p;
	}
	return 0;
}

int mqttlink_read_password(const char *file, struct mqttlink_conf *c)
{
	char *buf;
	size_t len;
	if (read_file_all(file, 4096, 0, &buf, &len) < 0)
		return -1;
	size_t n = strcspn(buf, "\r\n");
	if (n >= sizeof(c->password)) {
		free(buf);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(c->password, buf, n);
	c->password[n] = 0;
	free(buf);
	return 0;
}

static void go_down(struct mqttlink *l, const char *why);

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct mqttlink *l = obj;
	if (rc) {
		snprintf(l->why, sizeof(l->why), "broker refused: %s", mosquitto_connack_string(rc));
		return; /* the library disconnects; handled on the next read */
	}
	l->st = ST_UP;
	l->backoff_ms = 1000;
	l->warned[0] = 0;
	l->stats.connects++;
	if (l->cb.connected)
		l->cb.connected(l->ctx);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct mqttlink *l = obj;
	if (!l->cb.message || msg->payloadlen < 0)
		return;
	struct mqttlink_msg mm = {.topic = msg->topic, .payload = msg->payload,
				  .len = (size_t)msg->payloadlen, .retained = msg->retain};
	l->cb.message(l->ctx, &mm);
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
	struct mqttlink *l = obj;
	if (l->cb.subscribed)
		l->cb.subscribed(l->ctx);
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
	struct mqttlink *l = obj;
	if (l->cb.published)
		l->cb.published(l->ctx);
}

static SSL_CTX *make_ssl(const struct mqttlink_conf *c, char *err, size_t errn)
{
	SSL_CTX *s = SSL_CTX_new(TLS_client_method());
	if (!s) {
		snprintf(err, errn, "TLS: cannot create a context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION);
	if (!c->ca_file[0] || SSL_CTX_load_verify_locations(s, c->ca_file, NULL) != 1) {
		snprintf(err, errn, "TLS: cannot load the CA file \"%s\"", c->ca_file);
		SSL_CTX_free(s);
		return NULL;
	}
	SSL_CTX_set_verify(s, SSL_VERIFY_PEER, NULL);
	/* The socket goes to a numeric address; the certificate must still
	 * name the host the station file gives. */
	X509_VERIFY_PARAM *p = SSL_CTX_get0_param(s);
	unsigned char tmp[16];
	int ok = inet_pton(AF_INET, c->host, tmp) == 1 || inet_pton(AF_INET6, c->host, tmp) == 1
			 ? X509_VERIFY_PARAM_set1_ip_asc(p, c->host)
			 : X509_VERIFY_PARAM_set1_host(p, c->host, 0);
	if (ok != 1) {
		snprintf(err, errn, "TLS: cannot set the name to verify");
		SSL_CTX_free(s);
		return NULL;
	}
	return s;
}

struct mqttlink *mqttlink_new(const struct mqttlink_conf *c, const struct mqttlink_cb *cb, void *ctx,
			      char *err, size_t errn)
{
	if (!lib_ready) {
		mosquitto_lib_init();
		lib_ready = 1;
	}
	struct mqttlink *l = xcalloc(1, sizeof(*l));
	l->c = *c;
	l->cb = *cb;
	l->ctx = ctx;
	l->rfd = -1;
	l->backoff_ms = 1000;
	if (l->c.keepalive < 5)
		l->c.keepalive = 5;
	if (l->c.retry_max < 1)
		l->c.retry_max = 1;
	unsigned char tmp[16];
	l->numeric = inet_pton(AF_INET, c->host, tmp) == 1 || inet_pton(AF_INET6, c->host, tmp) == 1;
	if (l->numeric)
		str_copy(l->addr, c->host, sizeof(l->addr));
	if (c->tls && !(l->ssl = make_ssl(c, err, errn))) {
		free(l);
		return NULL;
	}
	return l;
}

static void kill_resolver(struct mqttlink *l)
{
	if (l->rpid > 0) {
		kill(l->rpid, SIGKILL);
		waitpid(l->rpid, NULL, 0);
	}
	if (l->rfd >= 0)
		close(l->rfd);
	l->rpid = 0;
	l->rfd = -1;
}

void mqttlink_free(struct mqttlink *l)
{
	if (!l)
		return;
	if (l->m) {
		if (l->st == ST_UP) {
			mosquitto_disconnect(l->m);
			mosquitto_loop_write(l->m, 1);
		}
		mosquitto_destroy(l->m);
	}
	kill_resolver(l);
	if (l->ssl)
		SSL_CTX_free(l->ssl);
	free(l);
}

static void go_down(struct mqttlink *l, const char *why)
{
	int was_up = l->st == ST_UP;
	if (l->m) {
		mosquitto_destroy(l->m);
		l->m = NULL;
	}
	kill_resolver(l);
	l->st = ST_DOWN;
	l->retry_at = l->now + l->backoff_ms;
	l->backoff_ms *= 2;
	if (l->backoff_ms > (int64_t)l->c.retry_max * 1000)
		l->backoff_ms = (int64_t)l->c.retry_max * 1000;
	if (why && why[0] && why != l->why)
		str_copy(l->why, why, sizeof(l->why));
	if ((was_up || l->c.one_shot) && l->cb.disconnected)
		l->cb.disconnected(l->ctx, l->why);
	else if (!was_up && strcmp(l->why, l->warned)) {
		/* a new reason is worth a warning (a wrong password, CA or
		 * address); the same one again every retry is not */
		log_warnx("mqtt %s:%d: %s; trying again, up to every %d s", l->c.host, l->c.port, l->why,
			  l->c.retry_max);
		str_copy(l->warned, l->why, sizeof(l->warned));
	} else if (!was_up)
		log_debug("mqtt %s:%d: %s; again in %lld s", l->c.host, l->c.port, l->why,
			  (long long)((l->retry_at - l->now) / 1000));
}

static void start_resolve(struct mqttlink *l)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		go_down(l, "cannot create a pipe for the name lookup");
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		go_down(l, "cannot start the name lookup");
		return;
	}
	if (pid == 0) {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
		char out[INET6_ADDRSTRLEN + 1] = "";
		if (getaddrinfo(l->c.host, NULL, &hints, &res) == 0) {
			getnameinfo(res->ai_addr, res->ai_addrlen, out, sizeof(out) - 1, NULL, 0, NI_NUMERICHOST);
			freeaddrinfo(res);
		}
		(void)!write(p[1], out, strlen(out));
		_exit(0);
	}
	close(p[1]);
	l->rfd = p[0];
	l->rpid = pid;
	l->st = ST_RESOLVING;
	l->step_deadline = l->now + RESOLVE_TIMEOUT_MS;
}

static void start_connect(struct mqttlink *l)
{
	l->m = mosquitto_new(l->c.client_id[0] ? l->c.client_id : NULL, true, l);
	if (!l->m) {
		go_down(l, "cannot create an MQTT client");
		return;
	}
	mosquitto_int_option(l->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_connect_callback_set(l->m, on_connect);
	mosquitto_message_callback_set(l->m, on_message);
	mosquitto_subscribe_callback_set(l->m, on_subscribe);
	mosquitto_publish_callback_set(l->m, on_publish);
	int rc = MOSQ_ERR_SUCCESS;
	if (l->c.username[0])
		rc = mosquitto_username_pw_set(l->m, l->c.username, l->c.password[0] ? l->c.password : NULL);
	if (!rc && l->c.will_topic[0])
		rc = mosquitto_will_set(l->m, l->c.will_topic, (int)strlen(l->c.will_payload), l->c.will_payload, 1, true);
	if (!rc && l->ssl) {
		rc = mosquitto_opts_set(l->m, MOSQ_OPT_SSL_CTX, l->ssl);
		if (!rc) /* our context as it is: the library must not reconfigure it */
			rc = mosquitto_int_option(l->m, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
		if (!rc) /* our context verifies the name; the library would check the address */
			rc = mosquitto_tls_insecure_set(l->m, true);
	}
	if (!rc)
		rc = mosquitto_connect_async(l->m, l->addr, l->c.port, l->c.keepalive);
	if (rc) {
		char why[256];
		snprintf(why, sizeof(why), "cannot connect to %s:%d: %s", l->addr, l->c.port,
			 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		go_down(l, why);
		return;
	}
	l->st = ST_CONNECTING;
	l->step_deadline = l->now + CONNECT_TIMEOUT_MS;
	l->last_in = l->last_out = l->now;
	l->why[0] = 0;
}

int mqttlink_fd(const struct mqttlink *l)
{
	if (!l)
		return -1;
	if (l->st == ST_RESOLVING)
		return l->rfd;
	if ((l->st == ST_CONNECTING || l->st == ST_UP) && l->m)
		return mosquitto_socket(l->m);
	return -1;
}

short mqttlink_events(const struct mqttlink *l)
{
	if (!l || l->st == ST_DOWN)
		return 0;
	if (l->st == ST_RESOLVING)
		return POLLIN;
	return (short)(POLLIN | (mosquitto_want_write(l->m) ? POLLOUT : 0));
}

int64_t mqttlink_deadline_ms(const struct mqttlink *l, int64_t now_ms)
{
	if (!l)
		return INT64_MAX;
	switch (l->st) {
	case ST_DOWN:
		return l->retry_at;
	case ST_RESOLVING:
		return l->step_deadline;
	case ST_CONNECTING:
	case ST_UP: {
		/* libmosquitto pings when either direction has been quiet for a
		 * keepalive; it counts whole seconds, hence the extra second. */
		int64_t quiet = l->last_in < l->last_out ? l->last_in : l->last_out;
		int64_t t = quiet + (int64_t)l->c.keepalive * 1000 + 1000;
		if (t < l->misc_floor)
			t = l->misc_floor;
		if (l->st == ST_CONNECTING && l->step_deadline < t)
			t = l->step_deadline;
		return t;
	}
	}
	return INT64_MAX;
}

static void finish_resolve(struct mqttlink *l)
{
	char buf[INET6_ADDRSTRLEN + 1];
	ssize_t n = read(l->rfd, buf, sizeof(buf) - 1);
	if (n < 0 && errno == EAGAIN)
		return;
	kill_resolver(l);
	if (n <= 0) {
		char why[300];
		snprintf(why, sizeof(why), "cannot resolve %s", l->c.host);
		go_down(l, why);
		return;
	}
	buf[n] = 0;
	str_copy(l->addr, buf, sizeof(l->addr));
	start_connect(l);
}

void mqttlink_handle(struct mqttlink *l, short revents, int64_t now_ms)
{
	if (!l)
		return;
	l->now = now_ms;
	l->stats.wakeups++;
	switch (l->st) {
	case ST_DOWN:
		if (now_ms < l->retry_at)
			return;
		if (l->numeric)
			start_connect(l);
		else
			start_resolve(l);
		return;
	case ST_RESOLVING:
		if (revents)
			finish_resolve(l);
		else if (now_ms >= l->step_deadline)
			go_down(l, "name lookup timed out");
		return;
	case ST_CONNECTING:
	case ST_UP:
		break;
	}
	int rc = MOSQ_ERR_SUCCESS;
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		/* The library reads about one packet a call: read the whole
		 * burst, so that the caller can commit it at once. */
		int avail = 0, n = 0;
		do {
			rc = mosquitto_loop_read(l->m, 1);
		} while (!rc && l->m && ++n < 10000 && ioctl(mosquitto_socket(l->m), FIONREAD, &avail) == 0 && avail > 0);
		if (!rc)
			l->last_in = now_ms;
	}
	/* Replies (PUBACK, PINGREQ) queued while reading go out now. */
	if (!rc && l->m && (revents & POLLOUT || mosquitto_want_write(l->m))) {
		rc = mosquitto_loop_write(l->m, 1);
		if (!rc)
			l->last_out = now_ms;
	}
	if (!rc && l->m && now_ms >= mqttlink_deadline_ms(l, now_ms)) {
		if (l->st == ST_CONNECTING && now_ms >= l->step_deadline) {
			go_down(l, "no answer from the broker");
			return;
		}
		/* Past the deadline the library's own (whole-second) clock agrees
		 * that a keepalive is due: it sends PINGREQ now, possibly
		 * writing it at once, so count that as output. */
		rc = mosquitto_loop_misc(l->m);
		if (!rc && mosquitto_want_write(l->m))
			rc = mosquitto_loop_write(l->m, 1);
		l->last_out = now_ms;
		l->misc_floor = now_ms + 1000;
	}
	if (rc && l->m) {
		char why[256];
		if (!l->why[0] || l->st == ST_UP)
			snprintf(why, sizeof(why), "connection lost: %s",
				 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		else
			str_copy(why, l->why, sizeof(why));
		go_down(l, why);
	}
}

int mqttlink_up(const struct mqttlink *l)
{
	return l && l->st == ST_UP;
}

int mqttlink_publish(struct mqttlink *l, const char *topic, const void *payload, size_t len, int qos,
		     int retain)
{
	if (!mqttlink_up(l))
		return -1;
	int rc = mosquitto_publish(l->m, NULL, topic, (int)len, payload, qos, retain);
	if (rc)
		return -1;
	l->stats.bytes_out += len;
	l->last_out = l->now;
	return 0;
}

int mqttlink_subscribe(struct mqttlink *l, const char *pattern, int qos)
{
	if (!mqttlink_up(l))
		return -1;
	return mosquitto_subscribe(l->m, NULL, pattern, qos) ? -1 : 0;
}

void mqttlink_stats(const struct mqttlink *l, struct mqttlink_stats *s)
{
	*s = l->stats;
}
