/* Unit tests for broadcast.c: the broadcast's state table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "broadcast.h"

static void test_life(void **state)
{
	/* The normal life, and every way out. */
	assert_int_equal(bc_next(BC_IDLE, BCE_BEGIN), BC_STARTING);
	assert_int_equal(bc_next(BC_STARTING, BCE_PLAY), BC_PLAYING);
	assert_int_equal(bc_next(BC_PLAYING, BCE_PLAYED), BC_DRAINING);
	assert_int_equal(bc_next(BC_DRAINING, BCE_END), BC_IDLE);
	assert_int_equal(bc_next(BC_PLAYING, BCE_END), BC_IDLE);
	for (int e = BCE_FAIL; e < BCE__N; e++)
		if (e == BCE_FAIL || e == BCE_STOP || e == BCE_PREEMPT)
			assert_int_equal(bc_next(BC_STARTING, (enum bc_event)e), BC_IDLE);
	assert_int_equal(bc_next(BC_DRAINING, BCE_STOP), BC_IDLE);
	assert_int_equal(bc_next(BC_DRAINING, BCE_PREEMPT), BC_IDLE);
}

static void test_impossible(void **state)
{
	/* Nothing happens to a broadcast that is not there; none starts twice;
	 * a started one cannot fail to start; the end comes once. */
	for (int e = 0; e < BCE__N; e++)
		if (e != BCE_BEGIN)
			assert_int_equal(bc_next(BC_IDLE, (enum bc_event)e), -1);
	assert_int_equal(bc_next(BC_STARTING, BCE_BEGIN), -1);
	assert_int_equal(bc_next(BC_STARTING, BCE_PLAYED), -1);
	assert_int_equal(bc_next(BC_STARTING, BCE_END), -1);
	assert_int_equal(bc_next(BC_PLAYING, BCE_BEGIN), -1);
	assert_int_equal(bc_next(BC_PLAYING, BCE_FAIL), -1);
	assert_int_equal(bc_next(BC_PLAYING, BCE_PLAY), -1);
	assert_int_equal(bc_next(BC_DRAINING, BCE_PLAYED), -1);
	assert_int_equal(bc_next(BC_DRAINING, BCE_FAIL), -1);
	assert_int_equal(bc_next(BC__NSTATES, BCE_END), -1);
	assert_int_equal(bc_next(BC_IDLE, BCE__N), -1);
}

static void test_cut(void **state)
{
	/* A complete play is never partial, audio to the file never aired. */
	assert_string_equal(bc_cut_outcome(BC_STARTING, 0), "failed");
	assert_string_equal(bc_cut_outcome(BC_PLAYING, 0), "partial");
	assert_string_equal(bc_cut_outcome(BC_PLAYING, 1), "partial");
	assert_string_equal(bc_cut_outcome(BC_DRAINING, 0), "aired");
	assert_string_equal(bc_cut_outcome(BC_DRAINING, 1), "unheard");
	assert_string_equal(bc_state_name(BC_DRAINING), "draining");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_life),
		cmocka_unit_test(test_impossible),
		cmocka_unit_test(test_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
