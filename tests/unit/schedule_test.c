/*-------------------------------------------------------------------------
 *
 * tests/unit/schedule_test.c
 *		cmocka tests of the worker's fixed-rate schedule arithmetic.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "schedule.h"

/* A run that finishes early waits for the next slot of the grid. */
static void
test_next_slot_on_grid(void **state)
{
	(void) state;
	assert_int_equal(leadflow_schedule_next(1000, 500, 1000), 1500);
	assert_int_equal(leadflow_schedule_next(1000, 500, 1200), 1500);
	assert_int_equal(leadflow_schedule_next(1000, 500, 1499), 1500);
}

/* A run that ends exactly on a slot boundary moves to the following one. */
static void
test_next_slot_on_boundary(void **state)
{
	(void) state;
	assert_int_equal(leadflow_schedule_next(1000, 500, 1500), 2000);
}

/* A forward jump skips missed slots instead of replaying them. */
static void
test_forward_jump_skips_missed_slots(void **state)
{
	(void) state;
	assert_int_equal(leadflow_schedule_next(0, 15000, 3600000 + 1),
					 3600000 + 15000);
}

/* A backward jump never goes back to the slot that already ran. */
static void
test_backward_jump_does_not_repeat(void **state)
{
	(void) state;
	assert_int_equal(leadflow_schedule_next(60000, 15000, 1000), 75000);
}

/* A zero or negative interval cannot stall the loop at one slot. */
static void
test_nonpositive_interval(void **state)
{
	(void) state;
	assert_int_equal(leadflow_schedule_next(10, 0, 10), 11);
	assert_int_equal(leadflow_schedule_next(10, -5, 20), 21);
}

/* Timeouts are clamped into the range WaitLatch accepts. */
static void
test_timeout_clamped(void **state)
{
	(void) state;
	assert_int_equal(leadflow_schedule_timeout(100, 40), 60);
	assert_int_equal(leadflow_schedule_timeout(100, 400), 0);
	assert_int_equal(leadflow_schedule_timeout(INT64_MAX, 0), INT_MAX);
}

/* Failures back off exponentially from the interval up to the cap. */
static void
test_backoff_doubles_to_cap(void **state)
{
	(void) state;
	assert_int_equal(leadflow_schedule_backoff(15000, 1, 1000, 600000),
					 15000);
	assert_int_equal(leadflow_schedule_backoff(15000, 2, 1000, 600000),
					 30000);
	assert_int_equal(leadflow_schedule_backoff(15000, 4, 1000, 600000),
					 120000);
	assert_int_equal(leadflow_schedule_backoff(15000, 6, 1000, 600000),
					 480000);
	assert_int_equal(leadflow_schedule_backoff(15000, 7, 1000, 600000),
					 600000);
	assert_int_equal(leadflow_schedule_backoff(15000, 1000, 1000, 600000),
					 600000);
}

/* A job slower than the cap is never retried sooner than its interval. */
static void
test_backoff_interval_above_cap(void **state)
{
	(void) state;
	assert_int_equal(leadflow_schedule_backoff(3600000, 5, 1000, 600000),
					 3600000);
}

/* A crash is never retried sooner than the floor, even at tiny intervals. */
static void
test_backoff_floor(void **state)
{
	(void) state;
	assert_int_equal(leadflow_schedule_backoff(100, 1, 1000, 600000), 1000);
	assert_int_equal(leadflow_schedule_backoff(100, 0, 1000, 600000), 1000);
	assert_int_equal(leadflow_schedule_backoff(100, 5, 1000, 600000), 1600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_slot_on_grid),
		cmocka_unit_test(test_next_slot_on_boundary),
		cmocka_unit_test(test_forward_jump_skips_missed_slots),
		cmocka_unit_test(test_backward_jump_does_not_repeat),
		cmocka_unit_test(test_nonpositive_interval),
		cmocka_unit_test(test_timeout_clamped),
		cmocka_unit_test(test_backoff_doubles_to_cap),
		cmocka_unit_test(test_backoff_interval_above_cap),
		cmocka_unit_test(test_backoff_floor),
	};

	return cmocka_run_group_tests_name("schedule", tests, NULL, NULL);
}
