/* loaxa-collector: the district's collector daemon (docs/FLEET.md). The
 * shell: reads its file, opens the mirror (fleetstore.c), and runs one
 * poll() loop over a signalfd and the MQTT link (mqttlink.c); each
 * journal batch is verified and stored before its acknowledgement goes
 * back, retained. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fleetproto.h"
#include "fleetstore.h"
#include "i18n.h"
#include "mqttlink.h"
#include "notify.h"
#include "util.h"

#define EXIT_CONFIG 78

struct collector {
	struct collector_config cc;
	struct fleetstore *store;
	struct mqttlink *link;
	int quit;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void publish_ack(void *ctx, const char *district, const char *station, const struct fleet_ack *a)
{
	struct collector *c = ctx;
	char topic[FLEET_TOPIC_MAX], p[256];
	size_t n = fleet_ack_encode(p, sizeof(p), a);
	if (!fleet_topic(topic, sizeof(topic), district, station, FLEET_T_ACK) || !n)
		return;
	if (mqttlink_publish(c->link, topic, p, n, 1, 1) < 0)
		log_warnx(_("cannot publish %s"), topic);
}

static void on_connected(void *ctx)
{
	struct collector *c = ctx;
	char pat[FLEET_TOPIC_MAX];
	log_info(_("connected; %zu stations in the mirror"), fleetstore_count(c->store));
	snprintf(pat, sizeof(pat), "loaxa/v1/%s/+/journal", c->cc.district);
	if (mqttlink_subscribe(c->link, pat, 1) < 0)
		log_warnx(_("cannot subscribe to %s"), pat);
	snprintf(pat, sizeof(pat), "loaxa/v1/%s/+/status", c->cc.district);
	if (mqttlink_subscribe(c->link, pat, 1) < 0)
		log_warnx(_("cannot subscribe to %s"), pat);
	snprintf(pat, sizeof(pat), "loaxa/v1/%s/+/bundle", c->cc.district);
	if (mqttlink_subscribe(c->link, pat, 1) < 0)
		log_warnx(_("cannot subscribe to %s"), pat);
	/* The broker may have lost its retained acks, and stations waiting
	 * for one take it as "go on from here". */
	fleetstore_each(c->store, publish_ack, c);
}

static void on_disconnected(void *ctx, const char *why)
{
	log_warnx(_("broker link lost (%s); reconnecting"), why);
}

static void on_message(void *ctx, const struct mqttlink_msg *m)
{
	struct collector *c = ctx;
	char district[FLEET_ID_MAX], station[FLEET_ID_MAX];
	enum fleet_topic_kind kind;
	if (fleet_topic_parse(m->topic, district, station, &kind) < 0 ||
	    (strcmp(c->cc.district, "+") && strcmp(district, c->cc.district))) {
		char esc[300];
		str_copy(esc, m->topic, sizeof(esc));
		for (char *p = esc; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		log_warnx(_("dropped a message on an unexpected topic: %s"), esc);
		return;
	}
	struct fleetstore_out out;
	int64_t now = time(NULL);
	int r;
	if (kind == FLEET_T_JOURNAL) {
		r = fleetstore_journal(c->store, district, station, m->payload, m->len, now, &out);
	} else if (kind == FLEET_T_STATUS) {
		r = fleetstore_status(c->store, district, station, m->payload, m->len, m->retained, now, &out);
	} else if (kind == FLEET_T_BUNDLE) {
		r = fleetstore_bundle(c->store, district, station, m->payload, m->len, &out);
	} else {
		return; /* acks (ours) and anything else */
	}
	if (r < 0) {
		log_warn(_("cannot store %s/%s's lines (not acknowledged)"), district, station);
		return;
	}
	if (out.problem)
		log_warnx("%s", out.msg);
	if (out.stored)
		log_debug("%s/%s: stored %zu lines", district, station, out.stored);
}

static void usage(FILE *f)
{
	fputs(_("usage: loaxa-collector -c FILE [-v]\n"
		"  the district's collector: mirrors every station's journal from the MQTT broker\n"), f);
}

int main(int argc, char **argv)
{
	const char *conf = NULL;
	int verbose = 0, ch;
	i18n_init(); /* issue 16: the district office's locale */
	while ((ch = getopt(argc, argv, "c:fvh")) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'f': break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!conf || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("loaxa-collector", verbose);
	static struct collector c;
	struct errlist errs = {0};
	if (config_load_collector(conf, &c.cc, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		errlist_free(&errs);
		return EXIT_CONFIG;
	}
	struct mqttlink_conf mc = {.keepalive = c.cc.keepalive, .retry_max = c.cc.retry_max};
	char err[600];
	if (mqttlink_parse_url(c.cc.broker, &mc, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", conf, err);
		return EXIT_CONFIG;
	}
	str_copy(mc.ca_file, c.cc.ca_file, sizeof(mc.ca_file));
	str_copy(mc.username, c.cc.username, sizeof(mc.username));
	if (c.cc.password_file[0] && mqttlink_read_password(c.cc.password_file, &mc) < 0) {
		fprintf(stderr, _("%s: cannot read the password file %s: %s\n"), conf, c.cc.password_file, strerror(errno));
		return EXIT_CONFIG;
	}
	snprintf(mc.client_id, sizeof(mc.client_id), "loaxa-collector-%s-%ld",
		 strcmp(c.cc.district, "+") ? c.cc.district : "all", (long)getpid());
	c.store = fleetstore_open(c.cc.mirror, err, sizeof(err));
	if (!c.store)
		fatalx("%s", err);
	struct mqttlink_cb cb = {.connected = on_connected, .disconnected = on_disconnected, .message = on_message};
	c.link = mqttlink_new(&mc, &cb, &c, err, sizeof(err));
	if (!c.link)
		fatalx("%s", err);
	explicit_bzero(mc.password, sizeof(mc.password));

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		fatal("signalfd");
	log_info(_("district %s, mirror %s, broker %s"), c.cc.district, c.cc.mirror, c.cc.broker);
	notify_ready(NULL);
	mqttlink_handle(c.link, 0, mono_ms());
	while (!c.quit) {
		struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN},
					{.fd = mqttlink_fd(c.link), .events = mqttlink_events(c.link)}};
		int64_t now = mono_ms(), dl = mqttlink_deadline_ms(c.link, now);
		int timeout = dl == INT64_MAX ? -1 : dl <= now ? 0 : dl - now > 3600000 ? 3600000 : (int)(dl - now);
		if (poll(fds, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (fds[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				c.quit = 1;
		}
		now = mono_ms();
		if (fds[1].revents || now >= mqttlink_deadline_ms(c.link, now))
			mqttlink_handle(c.link, fds[1].fd >= 0 ? fds[1].revents : 0, now);
		/* what this burst wrote is made durable, then acknowledged */
		if (fleetstore_commit(c.store, publish_ack, &c) < 0)
			fatal(_("cannot force the mirror to storage; stopping before acknowledging anything"));
		if (mqttlink_events(c.link) & POLLOUT)
			mqttlink_handle(c.link, POLLOUT, mono_ms());
	}
	notify_stopping("stopping");
	log_info(_("stopped"));
	mqttlink_free(c.link);
	fleetstore_close(c.store);
	close(sfd);
	return 0;
}
