/* config_load_schedule_all (issue 16): a schedule with field errors is kept
 * for validation, so that every problem is listed in one pass; messages
 * name the slot or campaign; "did you mean"; an unquoted word gets a plain
 * message instead of libconfig's "syntax error". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civil.h"
#include "config.h"
#include "model.h"
#include "util.h"
#include "validate.h"

static char path[64];

static void write_schedule(const char *text)
{
	strcpy(path, "/tmp/loaxa-onepass.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* 1 if some message of e contains want. */
static int has(const struct errlist *e, const char *want)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->msg[i], want))
			return 1;
	return 0;
}

static void test_every_problem_at_once(void **state)
{
	write_schedule("serial = 2;\n"
		       "campaigns = ( { id = \"atgt\"; title = \"An toàn giao thông\"; bulletins = [\"b1\"]; taget = 4; } );\n"
		       "slots = (\n"
		       "  { id = \"sang\"; weekdays = [\"mon\", \"tues\"]; times = [\"06:30\"]; campaign = \"atgtt\"; },\n"
		       "  { id = \"chieu\"; times = [\"25:00\"]; campaign = \"atgt\"; }\n"
		       ");\n");
	struct schedule s;
	struct errlist e = {0};
	/* the plain loader refuses the file and keeps nothing */
	assert_int_equal(config_load_schedule(path, &s, &e), -1);
	errlist_free(&e);

	assert_int_equal(config_load_schedule_all(path, &s, &e), 1);
	assert_true(has(&e, ":2: unknown key 'taget' in campaign atgt: did you mean 'target'?"));
	assert_true(has(&e, ":4: slot sang: 'weekdays' has \"tues\", not a weekday: did you mean \"tue\"?"));
	assert_true(has(&e, ":5: slot chieu: time \"25:00\" is not a time HH:MM"));
	assert_int_equal(e.n, 3);
	/* what could be read is there, for validation */
	assert_int_equal(s.ncampaigns, 1);
	assert_int_equal(s.nslots, 2);
	struct station st;
	memset(&st, 0, sizeof(st));
	st.allowed_weekdays = 0x7f;
	st.file = "loaxa.conf";
	assert_int_equal(validate_schedule(&s, &st, NULL, &e), 1);
	assert_true(has(&e, ":4: slot sang: unknown campaign \"atgtt\": did you mean \"atgt\"?"));
	assert_int_equal(e.n, 4);
	schedule_free(&s);
	errlist_free(&e);
	unlink(path);
}

static void test_clean_file(void **state)
{
	write_schedule("serial = 3;\nslots = ( { id = \"sang\"; times = [\"06:30\"]; bulletins = [\"b1\"]; } );\n");
	struct schedule s;
	struct errlist e = {0};
	assert_int_equal(config_load_schedule_all(path, &s, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(s.nslots, 1);
	schedule_free(&s);
	unlink(path);
}

static void test_unquoted(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"serial = 1;\nslots = ( { id = sang; times = [\"06:30\"]; bulletins = [\"b1\"]; } );\n",
		 ":2: 'id = sang': text must be in double quotes: id = \"sang\";"},
		{"serial = 1;\nslots = ( { id = \"s\"; times = [\"06:30\"]; bulletins = [\"b1\", tin-2]; } );\n",
		 ":2: tin-2: text must be in double quotes: \"tin-2\""},
		{"serial = 1;\nslots = ( { id = \"s\"; times = [\"06:30\"; bulletins = [\"b1\"]; } );\n",
		 ":2: syntax error"}, /* an unclosed bracket: left as libconfig says it */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_schedule(cases[i].text);
		struct schedule s;
		struct errlist e = {0};
		assert_int_equal(config_load_schedule_all(path, &s, &e), -1);
		assert_int_equal(e.n, 1);
		if (!strstr(e.msg[0], cases[i].want))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg[0], cases[i].want);
		errlist_free(&e);
		unlink(path);
	}
}

int main(void)
{
	civil_tz_set("Asia/Ho_Chi_Minh");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_problem_at_once),
		cmocka_unit_test(test_clean_file),
		cmocka_unit_test(test_unquoted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
