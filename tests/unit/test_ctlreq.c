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

/* lang=LANG (issue 16): the language for message=, stripped like as=,
 * either order, each once. */
static void test_with_lang(void **state)
{
	(void)state;
	char line[128], as[CONTROL_AS_MAX + 1], lang[CONTROL_LANG_MAX + 1];
	struct ctlreq q;
	strcpy(line, "play tin-a lang=vi");
	assert_int_equal(control_split_opts(line, as, sizeof(as), lang, sizeof(lang)), 0);
	assert_string_equal(lang, "vi");
	assert_string_equal(as, "");
	assert_string_equal(line, "play tin-a");
	assert_int_equal(parse(line, &q), CTLREQ_PLAY);
	assert_string_equal(q.id, "tin-a");

	strcpy(line, "play tin-a emergency lang=vi_VN as=ana");
	assert_int_equal(control_split_opts(line, as, sizeof(as), lang, sizeof(lang)), 0);
	assert_string_equal(lang, "vi_VN");
	assert_string_equal(as, "ana");
	assert_int_equal(parse(line, &q), CTLREQ_PLAY);
	assert_int_equal(q.emergency, 1);

	strcpy(line, "stop as=ana lang=vi-VN");
	assert_int_equal(control_split_opts(line, as, sizeof(as), lang, sizeof(lang)), 0);
	assert_string_equal(lang, "vi-VN");
	assert_string_equal(as, "ana");
	assert_string_equal(line, "stop");

	/* each once: a second lang= stays in the request, which is then unknown */
	strcpy(line, "status lang=en lang=vi");
	assert_int_equal(control_split_opts(line, as, sizeof(as), lang, sizeof(lang)), 0);
	assert_string_equal(lang, "vi");
	assert_int_equal(parse(line, &q), CTLREQ_UNKNOWN);

	/* no token: the line as it was, nothing taken */
	strcpy(line, "status");
	assert_int_equal(control_split_opts(line, as, sizeof(as), lang, sizeof(lang)), 0);
	assert_string_equal(lang, "");
	assert_string_equal(as, "");
	assert_string_equal(line, "status");

	strcpy(line, "lang=vi");
	assert_int_equal(control_split_opts(line, as, sizeof(as), lang, sizeof(lang)), 0);
	assert_int_equal(parse(line, &q), CTLREQ_EMPTY);

	/* malformed: -2 for lang=, -1 for as=, whichever comes first from the end */
	const char *badlang[] = {"status lang=", "status lang=v", "status lang=vi.UTF-8", "status lang=vi@x",
				 "status lang=abcdefghijklmnopq", "status lang=v1", "status lang=vi as=ana"};
	for (size_t i = 0; i < sizeof(badlang) / sizeof(badlang[0]); i++) {
		strcpy(line, badlang[i]);
		if (i == 6)
			memcpy(line + 12, "v!", 2);
		assert_int_equal(control_split_opts(line, as, sizeof(as), lang, sizeof(lang)), -2);
	}
	strcpy(line, "status lang=vi as=a/b");
	assert_int_equal(control_split_opts(line, as, sizeof(as), lang, sizeof(lang)), -1);
	/* the longest LANG fits */
	strcpy(line, "status lang=abcdefghijklmnop");
	assert_int_equal(control_split_opts(line, as, sizeof(as), lang, sizeof(lang)), 0);
	assert_string_equal(lang, "abcdefghijklmnop");
	/* lang= alone, old API: as= unaffected */
	strcpy(line, "reload lang=vi");
	assert_int_equal(control_split_lang(line, lang, sizeof(lang)), 0);
	assert_string_equal(lang, "vi");
	assert_string_equal(line, "reload");
	strcpy(line, "reload lang=vi");
	assert_int_equal(control_split_as(line, as, sizeof(as)), 0);
	assert_string_equal(line, "reload lang=vi");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_longest_id),
		cmocka_unit_test(test_with_as),
		cmocka_unit_test(test_with_lang),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
