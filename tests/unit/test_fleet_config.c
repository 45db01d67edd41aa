/* Unit tests for the fleet link's files (issue 13): the station file's
 * `fleet` section and the collector's file (config.c), and the broker URL
 * (mqttlink.c). Bad input: every problem with its file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fleet.h"
#include "model.h"
#include "mqttlink.h"
#include "util.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/loaxa-test-fleetconf.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static const char *write_conf(const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

#define STATION "station = { id = \"st-a\"; commune_code = \"c1\"; district_code = \"271\"; name = \"Xã A\"; };\n"

static int has(const struct errlist *e, const char *what)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->msg[i], what))
			return 1;
	return 0;
}

static void test_station_fleet_ok(void **state)
{
	struct station st = {0};
	struct errlist e = {0};
	const char *p = write_conf("ok.conf", STATION
		"fleet = { broker = \"mqtts://mqtt.example.vn:8883\"; username = \"st-a\";\n"
		"  password_file = \"fleet.pw\"; ca_file = \"/etc/loaxa/ca.crt\"; keepalive = 120;\n"
		"  audio_url = \"https://stt.example.vn/loaxa/audio\"; };\n");
	assert_int_equal(config_load_station(p, &st, &e), 0);
	assert_string_equal(st.fleet.audio_url, "https://stt.example.vn/loaxa/audio");
	assert_true(st.fleet.enabled);
	assert_string_equal(st.fleet.broker, "mqtts://mqtt.example.vn:8883");
	assert_int_equal(st.fleet.keepalive, 120);
	assert_int_equal(st.fleet.retry_max, 300);
	char want[PATH_MAX + 16];
	snprintf(want, sizeof(want), "%s/fleet.pw", dir);
	char real[PATH_MAX];
	assert_non_null(realpath(dir, real));
	snprintf(want, sizeof(want), "%s/fleet.pw", real);
	assert_string_equal(st.fleet.password_file, want);
	errlist_free(&e);

	/* no section: no link */
	p = write_conf("none.conf", STATION);
	station_free(&st);
	assert_int_equal(config_load_station(p, &st, &e), 0);
	assert_false(st.fleet.enabled);
	errlist_free(&e);
	station_free(&st);
}

static void test_station_fleet_errors(void **state)
{
	struct station st = {0};
	struct errlist e = {0};
	const char *p = write_conf("bad.conf",
		"station = { id = \"st-a\"; commune_code = \"c1\"; name = \"Xã A\"; };\n"
		"fleet = {\n"
		"  broker = \"http://x:1\";\n"
		"  keepalive = 2;\n"
		"  colour = \"red\";\n"
		"  audio_url = \"ftp://x/a b\";\n"
		"};\n");
	assert_int_equal(config_load_station(p, &st, &e), -1);
	assert_true(has(&e, "bad.conf:3: fleet: broker \"http://x:1\" must be"));
	assert_true(has(&e, "bad.conf:4: fleet: 'keepalive'"));
	assert_true(has(&e, "bad.conf:5: unknown key 'colour' in fleet"));
	assert_true(has(&e, "bad.conf:6: fleet: audio_url \"ftp://x/a b\" must be http://"));
	assert_true(has(&e, "needs a district_code"));
	errlist_free(&e);

	p = write_conf("tls.conf", STATION "fleet = { broker = \"mqtts://h:8883\"; };\n");
	station_free(&st);
	assert_int_equal(config_load_station(p, &st, &e), -1);
	assert_true(has(&e, "needs 'ca_file'"));
	errlist_free(&e);
	station_free(&st);
}

static void test_collector_file(void **state)
{
	struct collector_config cc;
	struct errlist e = {0};
	const char *p = write_conf("coll.conf",
		"collector = { broker = \"mqtt://127.0.0.1:1883\"; district = \"271\"; mirror = \"mirror\"; };\n");
	assert_int_equal(config_load_collector(p, &cc, &e), 0);
	assert_string_equal(cc.district, "271");
	assert_int_equal(cc.keepalive, 60);
	assert_non_null(strstr(cc.mirror, "/mirror"));
	assert_true(cc.mirror[0] == '/');
	errlist_free(&e);

	p = write_conf("prov.conf", "collector = { broker = \"mqtt://h\"; district = \"+\"; mirror = \"/m\"; };\n");
	assert_int_equal(config_load_collector(p, &cc, &e), 0);
	errlist_free(&e);

	p = write_conf("collbad.conf",
		"collector = {\n"
		"  broker = \"mqtts://h:8883\";\n"
		"  district = \"27/1\";\n"
		"  extra = 1;\n"
		"};\n"
		"other = 1;\n");
	assert_int_equal(config_load_collector(p, &cc, &e), -1);
	assert_true(has(&e, "collbad.conf:3: collector: district \"27/1\""));
	assert_true(has(&e, "collbad.conf:4: unknown key 'extra'"));
	assert_true(has(&e, "collbad.conf:6: unknown key 'other'"));
	assert_true(has(&e, "missing 'mirror'"));
	assert_true(has(&e, "needs 'ca_file'"));
	errlist_free(&e);

	assert_int_equal(config_load_collector("/nonexistent/c.conf", &cc, &e), -1);
	assert_true(has(&e, "cannot read"));
	errlist_free(&e);
}

static void test_broker_url(void **state)
{
	struct mqttlink_conf c;
	char err[256];
	memset(&c, 0, sizeof(c));
	assert_int_equal(mqttlink_parse_url("mqtt://127.0.0.1:1884", &c, err, sizeof(err)), 0);
	assert_string_equal(c.host, "127.0.0.1");
	assert_int_equal(c.port, 1884);
	assert_false(c.tls);
	assert_int_equal(mqttlink_parse_url("mqtts://mqtt.example.vn", &c, err, sizeof(err)), 0);
	assert_true(c.tls);
	assert_int_equal(c.port, 8883);
	assert_int_equal(mqttlink_parse_url("mqtt://[::1]:1999", &c, err, sizeof(err)), 0);
	assert_string_equal(c.host, "::1");
	assert_int_equal(c.port, 1999);
	static const char *const bad[] = {"http://h:1", "mqtt://", "mqtt://h:0", "mqtt://h:70000", "mqtt://h:x",
					  "mqtt://h:1/path", "mqtt://[::1", "mqtt://h/x"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if (mqttlink_parse_url(bad[i], &c, err, sizeof(err)) != -1)
			fail_msg("accepted %s", bad[i]);
}

/* loaxad --check: what the link would refuse, with the section's line. */
static void test_fleet_check(void **state)
{
	struct station st = {0};
	struct errlist e = {0};
	const char *p = write_conf("chk.conf", STATION
		"\nfleet = { broker = \"mqtts://127.0.0.1:1\"; password_file = \"missing.pw\"; ca_file = \"/nonexistent.crt\"; };\n");
	assert_int_equal(config_load_station(p, &st, &e), 0);
	fleet_check(&st, &e);
	assert_int_equal(e.n, 1);
	assert_true(has(&e, "chk.conf:3: fleet: cannot read the password file"));
	errlist_free(&e);
	write_conf("ok.pw", "secret\n");
	p = write_conf("chk2.conf", STATION
		"fleet = { broker = \"mqtts://127.0.0.1:1\"; password_file = \"ok.pw\"; ca_file = \"ok.pw\"; };\n");
	station_free(&st);
	assert_int_equal(config_load_station(p, &st, &e), 0);
	fleet_check(&st, &e);
	assert_true(has(&e, "chk2.conf:2: fleet: TLS: cannot load the CA file"));
	errlist_free(&e);
	p = write_conf("chk3.conf", STATION "fleet = { broker = \"mqtt://127.0.0.1:1\"; password_file = \"ok.pw\"; };\n");
	station_free(&st);
	assert_int_equal(config_load_station(p, &st, &e), 0);
	fleet_check(&st, &e);
	assert_int_equal(e.n, 0);
	errlist_free(&e);
	station_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_station_fleet_ok),
		cmocka_unit_test(test_station_fleet_errors),
		cmocka_unit_test(test_collector_file),
		cmocka_unit_test(test_broker_url),
		cmocka_unit_test(test_fleet_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
