/* loaxa-publish: one retained QoS 1 message to the fleet broker, for
 * loaxactl bundle publish (the only program of the department's side that
 * links libmosquitto). The payload comes on standard input; exit 0 once
 * the broker's PUBACK arrived, 1 when it could not be published (the
 * reason on stderr), 2 on wrong usage. Not meant to be run by hand. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "mqttlink.h"
#include "util.h"

#define PROG "loaxa-publish"
#define PAYLOAD_MAX ((1 << 20) + (8 << 10))

struct pub {
	struct mqttlink *link;
	const char *topic;
	char *payload;
	size_t len;
	int sent, done, failed;
	char why[300];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_connected(void *ctx)
{
	struct pub *p = ctx;
	if (p->sent)
		return; /* after a reconnect libmosquitto resends it itself */
	if (mqttlink_publish(p->link, p->topic, p->payload, p->len, 1, 1) < 0) {
		p->failed = 1;
		snprintf(p->why, sizeof(p->why), "%s", _("the MQTT library refused the message"));
		return;
	}
	p->sent = 1;
}

static void on_disconnected(void *ctx, const char *why)
{
	struct pub *p = ctx;
	/* A one-shot tool: the first failure is the answer (no back-off). */
	if (!p->done) {
		p->failed = 1;
		snprintf(p->why, sizeof(p->why), "%s", why && *why ? why : _("the connection was lost"));
	}
}

static void on_published(void *ctx)
{
	((struct pub *)ctx)->done = 1;
}

static int usage(FILE *f)
{
	fprintf(f, _("usage: %s --broker URL --topic TOPIC [--user USER --password-file FILE] [--ca-file FILE] [--timeout S] < PAYLOAD\n"),
		PROG);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"broker", required_argument, NULL, 'b'},  {"topic", required_argument, NULL, 't'},
		{"user", required_argument, NULL, 'u'},    {"password-file", required_argument, NULL, 'p'},
		{"ca-file", required_argument, NULL, 'C'}, {"timeout", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},          {0}};
	const char *broker = NULL, *user = NULL, *pwfile = NULL, *ca = NULL;
	struct pub p = {0};
	int timeout = 30, c;
	i18n_init();
	log_init(PROG, 0);
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'b': broker = optarg; break;
		case 't': p.topic = optarg; break;
		case 'u': user = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'C': ca = optarg; break;
		case 'T': timeout = atoi(optarg); break;
		case 'h': return usage(stdout), 0;
		default: return usage(stderr);
		}
	}
	if (!broker || !p.topic || optind != argc || timeout < 1)
		return usage(stderr);

	struct mqttlink_conf mc = {.keepalive = 30, .retry_max = 1, .one_shot = 1};
	char err[600];
	if (mqttlink_parse_url(broker, &mc, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return 1;
	}
	if (mc.tls && !ca) {
		fprintf(stderr, _("%s: %s: give --ca-file FILE (the CA the broker's certificate chains to)\n"), PROG,
			broker);
		return 1;
	}
	if (ca)
		str_copy(mc.ca_file, ca, sizeof(mc.ca_file));
	if (user)
		str_copy(mc.username, user, sizeof(mc.username));
	if (pwfile && mqttlink_read_password(pwfile, &mc) < 0) {
		fprintf(stderr, _("%s: cannot read the password file %s: %s\n"), PROG, pwfile, strerror(errno));
		return 1;
	}
	snprintf(mc.client_id, sizeof(mc.client_id), "loaxa-publish-%ld", (long)getpid());

	p.payload = xcalloc(PAYLOAD_MAX + 1, 1);
	for (ssize_t n; (n = read(0, p.payload + p.len, PAYLOAD_MAX + 1 - p.len)) != 0;) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, _("%s: cannot read the message: %s\n"), PROG, strerror(errno));
			return 1;
		}
		p.len += (size_t)n;
		if (p.len > PAYLOAD_MAX) {
			fprintf(stderr, _("%s: the message is larger than %d bytes\n"), PROG, PAYLOAD_MAX);
			return 1;
		}
	}

	struct mqttlink_cb cb = {.connected = on_connected, .disconnected = on_disconnected,
				 .published = on_published};
	p.link = mqttlink_new(&mc, &cb, &p, err, sizeof(err));
	if (!p.link) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return 1;
	}
	int64_t end = mono_ms() + (int64_t)timeout * 1000;
	mqttlink_handle(p.link, 0, mono_ms());
	while (!p.done && !p.failed) {
		int64_t now = mono_ms(), dl = mqttlink_deadline_ms(p.link, now);
		if (now >= end) {
			snprintf(p.why, sizeof(p.why), _("no answer from the broker within %d s"), timeout);
			p.failed = 1;
			break;
		}
		if (dl > end)
			dl = end;
		struct pollfd fd = {.fd = mqttlink_fd(p.link), .events = mqttlink_events(p.link)};
		int r = poll(&fd, 1, dl <= now ? 0 : (int)(dl - now));
		if (r < 0 && errno != EINTR)
			break;
		now = mono_ms();
		if (fd.revents || now >= mqttlink_deadline_ms(p.link, now))
			mqttlink_handle(p.link, fd.fd >= 0 ? fd.revents : 0, now);
		if (!p.done && (mqttlink_events(p.link) & POLLOUT))
			mqttlink_handle(p.link, POLLOUT, mono_ms());
	}
	mqttlink_free(p.link);
	free(p.payload);
	if (!p.done) {
		fprintf(stderr, _("%s: %s: not published: %s\n"), PROG, broker, p.why);
		return 1;
	}
	return 0;
}
