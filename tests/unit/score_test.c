/*-------------------------------------------------------------------------
 *
 * tests/unit/score_test.c
 *		cmocka tests of the lead score's pure arithmetic (score_math.c).
 *
 * Expected values are worked out by hand in the comments beside them.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "score_math.h"

#define RATE_EPSILON 1e-12

/* Overall rate: won / closed, 0 with nothing closed, counts sanitised. */
static void
test_overall_rate(void **state)
{
	(void) state;
	assert_float_equal(leadflow_score_overall_rate(100, 1000), 0.1,
					   RATE_EPSILON);
	assert_float_equal(leadflow_score_overall_rate(0, 0), 0.0, RATE_EPSILON);
	assert_float_equal(leadflow_score_overall_rate(5, -3), 0.0, RATE_EPSILON);
	assert_float_equal(leadflow_score_overall_rate(-1, 10), 0.0,
					   RATE_EPSILON);
	/* more wins than closes: capped, 10 / 10 */
	assert_float_equal(leadflow_score_overall_rate(20, 10), 1.0,
					   RATE_EPSILON);
}

/* Smoothing pulls a rate toward the overall rate by m pseudo-closes. */
static void
test_smoothed_rate(void **state)
{
	(void) state;
	/* (30 + 20 * 0.1) / (100 + 20) = 32 / 120 */
	assert_float_equal(leadflow_score_smoothed_rate(30, 100, 0.1, 20),
					   32.0 / 120.0, RATE_EPSILON);
	/* (0 + 20 * 0.1) / (40 + 20) = 2 / 60 */
	assert_float_equal(leadflow_score_smoothed_rate(0, 40, 0.1, 20),
					   2.0 / 60.0, RATE_EPSILON);
	/* (3 + 10 * 0.2) / (10 + 10) = 5 / 20 */
	assert_float_equal(leadflow_score_smoothed_rate(3, 10, 0.2, 10), 0.25,
					   RATE_EPSILON);
	/* no closes: (0 + 20 * 0.1) / 20 = the overall rate */
	assert_float_equal(leadflow_score_smoothed_rate(0, 0, 0.1, 20), 0.1,
					   RATE_EPSILON);
	/* no smoothing: the raw rate 5 / 10 */
	assert_float_equal(leadflow_score_smoothed_rate(5, 10, 0.1, 0), 0.5,
					   RATE_EPSILON);
	/* no closes and no smoothing: nothing to go on, the overall rate */
	assert_float_equal(leadflow_score_smoothed_rate(0, 0, 0.1, 0), 0.1,
					   RATE_EPSILON);
	/* negative or NaN smoothing counts as 0: 5 / 10 */
	assert_float_equal(leadflow_score_smoothed_rate(5, 10, 0.1, -3), 0.5,
					   RATE_EPSILON);
	assert_float_equal(leadflow_score_smoothed_rate(5, 10, 0.1, NAN), 0.5,
					   RATE_EPSILON);
	/* 15 wins of 10 closes are capped at 10: 10 / 10 */
	assert_float_equal(leadflow_score_smoothed_rate(15, 10, 0.1, 0), 1.0,
					   RATE_EPSILON);
	/* negative counts read as 0: (0 + 20 * 0.1) / (0 + 20) */
	assert_float_equal(leadflow_score_smoothed_rate(-4, -9, 0.1, 20), 0.1,
					   RATE_EPSILON);
	/* infinite smoothing: the overall rate, not NaN */
	assert_float_equal(leadflow_score_smoothed_rate(5, 10, 0.1, INFINITY),
					   0.1, RATE_EPSILON);
}

/* History points: 10 per doubling of the rate, capped at +-20. */
static void
test_history_points(void **state)
{
	(void) state;
	/* 10 * log2(2) = 10 */
	assert_int_equal(leadflow_score_history_points(0.2, 0.1), 10);
	/* 10 * log2(1/2) = -10 */
	assert_int_equal(leadflow_score_history_points(0.05, 0.1), -10);
	/* same rate: 0 */
	assert_int_equal(leadflow_score_history_points(0.1, 0.1), 0);
	/* 10 * log2(8) = 30, capped at 20 */
	assert_int_equal(leadflow_score_history_points(0.8, 0.1), 20);
	/* 10 * log2(1/8) = -30, capped at -20 */
	assert_int_equal(leadflow_score_history_points(0.0125, 0.1), -20);
	/* 10 * log2((32/120) / 0.1) = 10 * log2(2.6667) = 14.15 -> 14 */
	assert_int_equal(leadflow_score_history_points(32.0 / 120.0, 0.1), 14);
	/* 10 * log2((2/60) / 0.1) = 10 * log2(1/3) = -15.85 -> -16 */
	assert_int_equal(leadflow_score_history_points(2.0 / 60.0, 0.1), -16);
	/* 10 * log2(sqrt(2)) = 5 */
	assert_int_equal(leadflow_score_history_points(0.1 * sqrt(2.0), 0.1), 5);
	/* 10 * log2(0.25 / 0.2) = 10 * 0.3219 = 3.22 -> 3 */
	assert_int_equal(leadflow_score_history_points(0.25, 0.2), 3);
	/* no overall rate: history says nothing */
	assert_int_equal(leadflow_score_history_points(0.3, 0.0), 0);
	assert_int_equal(leadflow_score_history_points(0.3, NAN), 0);
	assert_int_equal(leadflow_score_history_points(0.3, INFINITY), 0);
	assert_int_equal(leadflow_score_history_points(NAN, 0.1), 0);
	/* a zero rate (only without smoothing): the lowest points */
	assert_int_equal(leadflow_score_history_points(0.0, 0.1), -20);
}

/* Rounding: halves away from zero, saturating, NaN to 0. */
static void
test_round(void **state)
{
	(void) state;
	assert_int_equal(leadflow_score_round(2.5), 3);
	assert_int_equal(leadflow_score_round(-2.5), -3);
	assert_int_equal(leadflow_score_round(2.4999), 2);
	assert_int_equal(leadflow_score_round(-0.5), -1);
	assert_int_equal(leadflow_score_round(0.49), 0);
	assert_int_equal(leadflow_score_round(-0.49), 0);
	assert_int_equal(leadflow_score_round(NAN), 0);
	assert_int_equal(leadflow_score_round(1e300), 1000000);
	assert_int_equal(leadflow_score_round(-INFINITY), -1000000);
}

/* Contact: +15 phone, +10 e-mail, -30 when neither is valid. */
static void
test_contact_points(void **state)
{
	(void) state;
	assert_int_equal(leadflow_score_contact_points(true, true, true, true),
					 25);
	assert_int_equal(leadflow_score_contact_points(true, true, false, false),
					 15);
	assert_int_equal(leadflow_score_contact_points(false, false, true, true),
					 10);
	assert_int_equal(leadflow_score_contact_points(true, true, true, false),
					 15);
	assert_int_equal(leadflow_score_contact_points(false, false, false,
												   false), -30);
	assert_int_equal(leadflow_score_contact_points(true, false, true, false),
					 -30);
	/* a validity flag without the contact is not a valid contact */
	assert_int_equal(leadflow_score_contact_points(false, true, false, true),
					 -30);
}

/* Duplicate: -20. */
static void
test_duplicate_points(void **state)
{
	(void) state;
	assert_int_equal(leadflow_score_duplicate_points(true), -20);
	assert_int_equal(leadflow_score_duplicate_points(false), 0);
}

/* Clamping into 0..100. */
static void
test_clamp(void **state)
{
	(void) state;
	assert_int_equal(leadflow_score_clamp(-5), 0);
	assert_int_equal(leadflow_score_clamp(0), 0);
	assert_int_equal(leadflow_score_clamp(55), 55);
	assert_int_equal(leadflow_score_clamp(100), 100);
	assert_int_equal(leadflow_score_clamp(105), 100);
	assert_int_equal(leadflow_score_clamp(INT64_MIN), 0);
	assert_int_equal(leadflow_score_clamp(INT64_MAX), 100);
}

/* The extremes of the scale, term by term. */
static void
test_scale_extremes(void **state)
{
	int64_t		best;
	int64_t		worst;

	(void) state;
	/* 40 + 25 + 20 + 20 = 105 before rules: clamped to 100 */
	best = LF_SCORE_BASE +
		leadflow_score_contact_points(true, true, true, true) +
		leadflow_score_duplicate_points(false) +
		2 * leadflow_score_history_points(0.9, 0.1);
	assert_int_equal(best, 105);
	assert_int_equal(leadflow_score_clamp(best), 100);
	/* 40 - 30 - 20 - 20 - 20 = -50 before rules: clamped to 0 */
	worst = LF_SCORE_BASE +
		leadflow_score_contact_points(false, false, false, false) +
		leadflow_score_duplicate_points(true) +
		2 * leadflow_score_history_points(0.001, 0.1);
	assert_int_equal(worst, -50);
	assert_int_equal(leadflow_score_clamp(worst), 0);
}

/* Wraps leadflow_score_number_text for NUL-terminated strings. */
static bool
number_text(const char *s)
{
	return leadflow_score_number_text(s, strlen(s));
}

/* Strings that spell a JSON number exactly, and strings that do not. */
static void
test_number_text(void **state)
{
	char		digits[LF_SCORE_NUMBER_TEXT_MAX + 2];

	(void) state;
	assert_true(number_text("12"));
	assert_true(number_text("-3.5"));
	assert_true(number_text("0"));
	assert_true(number_text("-0"));
	assert_true(number_text("0.25"));
	assert_true(number_text("1e5"));
	assert_true(number_text("1E+05"));
	assert_true(number_text("2.5e-3"));
	assert_true(number_text("1e999"));

	assert_false(number_text(""));
	assert_false(number_text("-"));
	assert_false(number_text("012"));
	assert_false(number_text("1."));
	assert_false(number_text(".5"));
	assert_false(number_text("+1"));
	assert_false(number_text(" 1"));
	assert_false(number_text("1 "));
	assert_false(number_text("1e"));
	assert_false(number_text("1e+"));
	assert_false(number_text("1e1000"));
	assert_false(number_text("abc"));
	assert_false(number_text("12a"));
	assert_false(number_text("1,5"));
	assert_false(number_text("NaN"));
	assert_false(number_text("Infinity"));
	assert_false(number_text("0x10"));
	assert_false(leadflow_score_number_text(NULL, 3));

	/* only the given length counts: "123" of "123xyz" */
	assert_true(leadflow_score_number_text("123xyz", 3));
	assert_false(leadflow_score_number_text("123xyz", 4));

	/* 64 digits are read, 65 are not */
	memset(digits, '7', sizeof(digits));
	assert_true(leadflow_score_number_text(digits, 64));
	assert_false(leadflow_score_number_text(digits, 65));
}

/* Operator names round-trip; anything else is invalid. */
static void
test_op_names(void **state)
{
	const char *names[] = {"=", "<>", "<", "<=", ">", ">=", "in", "present",
	"absent"};
	size_t		i;

	(void) state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		LfScoreOp	op = leadflow_score_op_parse(names[i]);

		assert_int_equal(op, (int) i + 1);
		assert_string_equal(leadflow_score_op_name(op), names[i]);
	}
	assert_int_equal(leadflow_score_op_parse("IN"), LF_SCORE_OP_INVALID);
	assert_int_equal(leadflow_score_op_parse("like"), LF_SCORE_OP_INVALID);
	assert_int_equal(leadflow_score_op_parse("=="), LF_SCORE_OP_INVALID);
	assert_int_equal(leadflow_score_op_parse(""), LF_SCORE_OP_INVALID);
	assert_int_equal(leadflow_score_op_parse(NULL), LF_SCORE_OP_INVALID);
	assert_string_equal(leadflow_score_op_name(LF_SCORE_OP_INVALID), "?");
	assert_string_equal(leadflow_score_op_name((LfScoreOp) 99), "?");
}

/* Which value each operator takes. */
static void
test_op_value_kind(void **state)
{
	(void) state;
	assert_int_equal(leadflow_score_op_value_kind(LF_SCORE_OP_EQ),
					 LF_SCORE_VALUE_SCALAR);
	assert_int_equal(leadflow_score_op_value_kind(LF_SCORE_OP_NE),
					 LF_SCORE_VALUE_SCALAR);
	assert_int_equal(leadflow_score_op_value_kind(LF_SCORE_OP_LT),
					 LF_SCORE_VALUE_ORDERED);
	assert_int_equal(leadflow_score_op_value_kind(LF_SCORE_OP_GE),
					 LF_SCORE_VALUE_ORDERED);
	assert_int_equal(leadflow_score_op_value_kind(LF_SCORE_OP_IN),
					 LF_SCORE_VALUE_LIST);
	assert_int_equal(leadflow_score_op_value_kind(LF_SCORE_OP_PRESENT),
					 LF_SCORE_VALUE_NONE);
	assert_int_equal(leadflow_score_op_value_kind(LF_SCORE_OP_ABSENT),
					 LF_SCORE_VALUE_NONE);
}

/* Ordering operators against the sign of attribute minus value. */
static void
test_op_holds(void **state)
{
	(void) state;
	assert_true(leadflow_score_op_holds(LF_SCORE_OP_LT, -1));
	assert_false(leadflow_score_op_holds(LF_SCORE_OP_LT, 0));
	assert_true(leadflow_score_op_holds(LF_SCORE_OP_LE, 0));
	assert_false(leadflow_score_op_holds(LF_SCORE_OP_LE, 1));
	assert_true(leadflow_score_op_holds(LF_SCORE_OP_GT, 7));
	assert_false(leadflow_score_op_holds(LF_SCORE_OP_GT, 0));
	assert_true(leadflow_score_op_holds(LF_SCORE_OP_GE, 0));
	assert_false(leadflow_score_op_holds(LF_SCORE_OP_GE, -1));
	assert_true(leadflow_score_op_holds(LF_SCORE_OP_EQ, 0));
	assert_false(leadflow_score_op_holds(LF_SCORE_OP_EQ, -3));
	assert_true(leadflow_score_op_holds(LF_SCORE_OP_NE, 2));
	assert_false(leadflow_score_op_holds(LF_SCORE_OP_IN, 0));
	assert_false(leadflow_score_op_holds(LF_SCORE_OP_PRESENT, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overall_rate),
		cmocka_unit_test(test_smoothed_rate),
		cmocka_unit_test(test_history_points),
		cmocka_unit_test(test_round),
		cmocka_unit_test(test_contact_points),
		cmocka_unit_test(test_duplicate_points),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_scale_extremes),
		cmocka_unit_test(test_number_text),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_op_value_kind),
		cmocka_unit_test(test_op_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
