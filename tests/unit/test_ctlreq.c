/* ctlreq.c: the control request line loaxad reads (issue 12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ctlreq.h"

static enum ctlreq_verb parse(const char *line, struct ctlreq *q)
{
	return ctlreq_parse(line, q);
}

static void test_forms(void **state)
{
	(void)state;
	struct ctlreq q;
	assert_int_equal(parse("status", &q), CTLREQ_STATUS);
	assert_int_equal(parse("stop", &q), CTLREQ_STOP);
	assert_int_equal(parse("reload", &q), CTLREQ_RELOAD);
	assert_int_equal(parse("play tin-a", &q), CTLREQ_PLAY);
	assert_string_equal(q.id, "tin-a");
	assert_int_equal(q.emergency, 0);
	assert_int_equal(parse("play sxh-2027-01 emergency", &q), CTLREQ_PLAY);
	assert_string_equal(q.id, "sxh-2027-01");
	assert_int_equal(q.emergency, 1);
	/* white space as scanf's %s takes it: any run of blanks, tabs, ... */
	assert_int_equal(parse("  play\ttin-b \v emergency \f", &q), CTLREQ_PLAY);
	assert_string_equal(q.id, "tin-b");
	assert_int_equal(q.emergency, 1);
	assert_int_equal(parse(" status ", &q), CTLREQ_STATUS);
	assert_int_equal(q.id[0], '\0');
}

static void test_refused(void **state)
{
	(void)state;
	struct ctlreq q;
	assert_int_equal(parse("", &q), CTLREQ_EMPTY);
	assert_int_equal(parse(" \t ", &q), CTLREQ_EMPTY);
	const char *bad[] = {
		"STATUS",           /* words are exact */
		"statusx",          /* not a prefix match */
		"stat",
		"status now",       /* no extra words */
		"stop 1",
		"reload x",
		"play",             /* play needs an id */
		"play a urgent",    /* only "emergency" as the third word */
		"play a emergency x",
		"play a b c d e",
		"playtin-a",
		"emergency",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &q), CTLREQ_UNKNOWN);
		assert_int_equal(q.verb, CTLREQ_UNKNOWN);
		assert_int_equal(q.id[0], '\0');
		assert_int_equal(q.emergency, 0);
	}
}

static void test_longest_id(void **state)
{
	(void)state;
	struct ctlreq q;
	char line[CONTROL_REQ_MAX + 16];
	/* The longest line control.c passes on: 511 bytes after "play ". */
	memcpy(line, "play ", 5);
	memset(line + 5, 'x', CONTROL_REQ_MAX - 6);
	line[CONTROL_REQ_MAX - 1] = '\0';
	assert_int_equal(parse(line, &q), CTLREQ_PLAY);
	assert_int_equal(strlen(q.id), CONTROL_REQ_MAX - 6);
	/* One that does not fit the id is refused, not cut. */
	memset(line + 5, 'y', CONTROL_REQ_MAX);
	line[5 + CONTROL_REQ_MAX] = '\0';
	assert_int_equal(parse(line, &q), CTLREQ_UNKNOWN);
}

/* as=NAME comes off first (control.c), then the request is read. */
static void test_with_as(void **state)
{
	(void)state;
	char line[64], as[CONTROL_AS_MAX + 1];
	struct ctlreq q;
	strcpy(line, "play tin-a emergency as=ana");
	assert_int_equal(control_split_as(line, as, sizeof(as)), 0);
	assert_string_equal(as, "ana");
	assert_int_equal(parse(line, &q), CTLREQ_PLAY);
	assert_string_equal(q.id, "tin-a");
	assert_int_equal(q.emergency, 1);
	strcpy(line, "as=ana");
	assert_int_equal(control_split_as(line, as, sizeof(as)), 0);
	assert_int_equal(parse(line, &q), CTLREQ_EMPTY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_longest_id),
		cmocka_unit_test(test_with_as),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
