/* suggest.c: nearest-word suggestions for misspelt keys and ids (issue 16). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "suggest.h"

static void test_distance(void **state)
{
	assert_int_equal(suggest_distance("target", "target"), 0);
	assert_int_equal(suggest_distance("taget", "target"), 1);   /* a letter left out */
	assert_int_equal(suggest_distance("traget", "target"), 1);  /* two neighbours swapped */
	assert_int_equal(suggest_distance("Target", "target"), 0);  /* case ignored */
	assert_int_equal(suggest_distance("", "abc"), 3);
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
	char longw[80];
	memset(longw, 'a', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	assert_true(suggest_distance(longw, "a") == SIZE_MAX);
}

static const char *nearest(const char *word, const char *const *cands)
{
	struct suggest s;
	suggest_init(&s, word);
	for (; *cands; cands++)
		suggest_offer(&s, *cands);
	return suggest_result(&s);
}

static void test_nearest(void **state)
{
	static const char *const keys[] = {"id", "title", "from", "to", "bulletins", "target", NULL};
	assert_string_equal(nearest("taget", keys), "target");
	assert_string_equal(nearest("bulletin", keys), "bulletins");
	assert_string_equal(nearest("titel", keys), "title");
	assert_null(nearest("colour", keys));        /* nothing near */
	assert_null(nearest("target", keys));        /* exact: not a suggestion */
	assert_null(nearest("xy", keys));            /* short words: at most one edit... */
	assert_string_equal(nearest("td", keys), "id"); /* ... which this is */
	static const char *const ids[] = {"atgt-2026", "pccc-thang11", "tiem-chung", NULL};
	assert_string_equal(nearest("atgt-2025", ids), "atgt-2026");
	assert_string_equal(nearest("tiem_chung", ids), "tiem-chung");
	assert_null(nearest("bau-cu", ids));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_nearest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
