/* Unit tests for i18n.c: when the environment can show a message in a
 * language loaxa has a catalogue for (issue 18: loaxad loads no locale
 * otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "i18n.h"

static int has(const char *all, const char *msgs, const char *lang, const char *language)
{
	return i18n_env_has_catalogue(all, msgs, lang, language);
}

static void test_english_or_c_loads_nothing(void **state)
{
	assert_int_equal(has(NULL, NULL, NULL, NULL), 0);
	assert_int_equal(has("", "", "", ""), 0);
	assert_int_equal(has(NULL, NULL, "C.UTF-8", NULL), 0);
	assert_int_equal(has(NULL, NULL, "en_US.UTF-8", NULL), 0);
	assert_int_equal(has(NULL, NULL, "fr_FR.UTF-8", "fr:de"), 0);
	/* gettext ignores LANGUAGE under the "C" locale */
	assert_int_equal(has(NULL, NULL, "C", "vi"), 0);
	assert_int_equal(has("POSIX", NULL, "vi_VN.UTF-8", "vi"), 0);
	assert_int_equal(has(NULL, NULL, NULL, "vi"), 0);
}

static void test_vietnamese_from_any_variable(void **state)
{
	assert_int_equal(has(NULL, NULL, "vi_VN.UTF-8", NULL), 1);
	assert_int_equal(has(NULL, "vi_VN.UTF-8", "C.UTF-8", NULL), 1);
	assert_int_equal(has("vi_VN.UTF-8", "C", "C", NULL), 1);
	assert_int_equal(has(NULL, NULL, "C.UTF-8", "vi"), 1);
	assert_int_equal(has(NULL, NULL, "en_US.UTF-8", "fr:vi_VN"), 1);
	assert_int_equal(has(NULL, NULL, "en_US.UTF-8", "fr::vi"), 1);
}

static void test_order_of_variables(void **state)
{
	/* LC_ALL over LC_MESSAGES over LANG; empty counts as unset */
	assert_int_equal(has("C", "vi_VN.UTF-8", "vi_VN.UTF-8", NULL), 0);
	assert_int_equal(has("", "C", "vi_VN.UTF-8", NULL), 0);
	assert_int_equal(has("", "", "vi_VN.UTF-8", NULL), 1);
	/* LANGUAGE, when set, replaces the locale's own language */
	assert_int_equal(has(NULL, NULL, "vi_VN.UTF-8", "en"), 0);
	assert_int_equal(has(NULL, NULL, "vi_VN.UTF-8", ""), 1);
	assert_int_equal(has(NULL, NULL, "vietnamese", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english_or_c_loads_nothing),
		cmocka_unit_test(test_vietnamese_from_any_variable),
		cmocka_unit_test(test_order_of_variables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
