/* Unit tests for monview.c: the monitor's status fields put into a kv
 * reply and rendered back as text, for every state; a reason with a line
 * break stays on one line; a reply without the fields renders nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "monview.h"

static void render(const struct monview *v, char *txt, size_t n, char *reply, size_t rn)
{
	struct kvbuf b;
	kv_init(&b, reply, rn);
	kv_begin(&b, 1);
	monview_put(&b, v);
	assert_int_equal(b.overflow, 0);
	monview_text(reply, txt, n);
}

static void test_states(void **state)
{
	(void)state;
	char txt[1024], reply[2048], val[256];
	struct monview v = {.state = MONVIEW_NONE};
	render(&v, txt, sizeof(txt), reply, sizeof(reply));
	assert_string_equal(txt, "");
	assert_int_equal(kv_get(reply, "monitor", val, sizeof(val)), 0);
	assert_string_equal(val, "none");
	assert_int_equal(kv_get(reply, "monitor.device", val, sizeof(val)), -1);

	v = (struct monview){.state = MONVIEW_NOT_YET, .device = "hw:1,0", .at = "", .reason = ""};
	render(&v, txt, sizeof(txt), reply, sizeof(reply));
	assert_string_equal(txt, "monitor:   hw:1,0, no broadcast measured yet\n");

	v = (struct monview){.state = MONVIEW_HEARD, .device = "hw:1,0", .at = "2030-01-15T06:30:10+07:00",
			     .heard = 12, .of = 14, .dbfs = -23.46, .peak = -3.04, .reason = ""};
	render(&v, txt, sizeof(txt), reply, sizeof(reply));
	assert_string_equal(txt, "monitor:   hw:1,0, last broadcast (2030-01-15T06:30:10+07:00) heard: heard 12 of 14 s, "
				 "level -23.5 dBFS, peak -3.0 dBFS\n");
	assert_int_equal(kv_get(reply, "monitor.heard", val, sizeof(val)), 0);
	assert_string_equal(val, "12");

	v.state = MONVIEW_DEAD_AIR;
	v.heard = 0;
	v.listening = 1;
	v.now_heard = 3;
	v.now_of = 4;
	v.now_dbfs = -30.04;
	render(&v, txt, sizeof(txt), reply, sizeof(reply));
	assert_string_equal(txt, "listening: heard 3 of 4 s so far, level -30.0 dBFS\n"
				 "monitor:   hw:1,0, last broadcast (2030-01-15T06:30:10+07:00) DEAD AIR: heard 0 of 14 s, "
				 "level -23.5 dBFS, peak -3.0 dBFS\n");

	v = (struct monview){.state = MONVIEW_UNAVAILABLE, .device = "mon", .at = "2030-01-15T06:34:00+07:00",
			     .reason = "will not open:\nNo such device"};
	render(&v, txt, sizeof(txt), reply, sizeof(reply));
	assert_int_equal(kv_get(reply, "monitor", val, sizeof(val)), 0);
	assert_string_equal(val, "unavailable");
	assert_int_equal(kv_get(reply, "monitor.heard", val, sizeof(val)), -1);
	assert_non_null(strstr(reply, "monitor.reason=will not open:\\nNo such device\n"));
	assert_string_equal(txt, "monitor:   mon, unavailable at the last broadcast (2030-01-15T06:34:00+07:00): "
				 "will not open: No such device\n"); /* one line */

	/* A reply from a daemon without a monitor field; a short buffer. */
	assert_int_equal(monview_text("loaxa=1\nok=yes\n", txt, sizeof(txt)), 0);
	assert_string_equal(txt, "");
	v = (struct monview){.state = MONVIEW_NOT_YET, .device = "hw:1,0", .at = "", .reason = ""};
	render(&v, txt, 10, reply, sizeof(reply));
	assert_string_equal(txt, "monitor: ");
	assert_string_equal(monview_state_name((enum monview_state)99), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
