/*-------------------------------------------------------------------------
 *
 * tests/unit/learn_test.c
 *		cmocka tests of the learned score's pure arithmetic
 *		(learn_math.c): the logistic fit, bins, scale, AUC, calibration.
 *
 * Expected values are worked out by hand in the comments beside them, or
 * by a different method (bisection on the optimality condition).
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

#include "learn_math.h"

/* The sigmoid at 0, at log 3 and far out on both sides. */
static void
test_sigmoid(void **state)
{
	(void) state;
	assert_float_equal(leadflow_learn_sigmoid(0.0), 0.5, 1e-15);
	/* 1 / (1 + 1/3) = 3/4 */
	assert_float_equal(leadflow_learn_sigmoid(log(3.0)), 0.75, 1e-15);
	assert_float_equal(leadflow_learn_sigmoid(-log(3.0)), 0.25, 1e-15);
	assert_float_equal(leadflow_learn_sigmoid(800.0), 1.0, 1e-15);
	assert_float_equal(leadflow_learn_sigmoid(-800.0), 0.0, 1e-15);
	assert_false(isnan(leadflow_learn_sigmoid(-800.0)));
}

/* 100 p rounded half up, clamped, NaN to 0. */
static void
test_score_scale(void **state)
{
	(void) state;
	assert_int_equal(leadflow_learn_score(0.30), 30);
	assert_int_equal(leadflow_learn_score(0.304), 30);
	/* 62.5 is exact in binary and rounds up */
	assert_int_equal(leadflow_learn_score(0.625), 63);
	assert_int_equal(leadflow_learn_score(0.0), 0);
	assert_int_equal(leadflow_learn_score(1.0), 100);
	assert_int_equal(leadflow_learn_score(-0.2), 0);
	assert_int_equal(leadflow_learn_score(1.7), 100);
	assert_int_equal(leadflow_learn_score(NAN), 0);
}

/* Quantile edges: one at each i/4 position, none empty or repeated. */
static void
test_edges(void **state)
{
	double		plain[] = {1, 2, 3, 4, 5, 6, 7, 8};
	double		zeros[] = {0, 0, 0, 0, 1, 2, 3, 4};
	double		same[] = {1, 1, 1, 1, 1, 1, 2, 2};
	double		edges[LF_LEARN_MAX_BINS];

	(void) state;
	/* positions 8 * 1/4 = 2, 4, 6 hold 3, 5, 7 */
	assert_int_equal(leadflow_learn_edges(plain, 8, 4, edges), 3);
	assert_float_equal(edges[0], 3, 0);
	assert_float_equal(edges[1], 5, 0);
	assert_float_equal(edges[2], 7, 0);
	/* positions 2, 4, 6 hold 0 (the minimum: skipped), 1, 3 */
	assert_int_equal(leadflow_learn_edges(zeros, 8, 4, edges), 2);
	assert_float_equal(edges[0], 1, 0);
	assert_float_equal(edges[1], 3, 0);
	/* 1 (minimum), 1 (minimum), 2 */
	assert_int_equal(leadflow_learn_edges(same, 8, 4, edges), 1);
	assert_float_equal(edges[0], 2, 0);
	/* one bin: no edge; no values: no edge */
	assert_int_equal(leadflow_learn_edges(plain, 8, 1, edges), 0);
	assert_int_equal(leadflow_learn_edges(plain, 0, 4, edges), 0);
}

/* A value's range is the number of edges at or below it. */
static void
test_bin(void **state)
{
	double		edges[] = {3, 5, 7};

	(void) state;
	assert_int_equal(leadflow_learn_bin(edges, 3, 2.9), 0);
	assert_int_equal(leadflow_learn_bin(edges, 3, 3), 1);
	assert_int_equal(leadflow_learn_bin(edges, 3, 4), 1);
	assert_int_equal(leadflow_learn_bin(edges, 3, 5), 2);
	assert_int_equal(leadflow_learn_bin(edges, 3, 6.99), 2);
	assert_int_equal(leadflow_learn_bin(edges, 3, 7), 3);
	assert_int_equal(leadflow_learn_bin(edges, 3, 1e300), 3);
	assert_int_equal(leadflow_learn_bin(edges, 3, -INFINITY), 0);
	assert_int_equal(leadflow_learn_bin(edges, 0, 42), 0);
}

/* AUC by counting won-above-lost pairs by hand. */
static void
test_auc(void **state)
{
	double		s1[] = {0.1, 0.4, 0.35, 0.8};
	unsigned char w1[] = {0, 0, 1, 1};
	double		s2[] = {0.5, 0.5, 0.2, 0.9};
	unsigned char w2[] = {1, 0, 0, 1};
	unsigned char none[] = {0, 0, 0, 0};

	(void) state;
	/* won 0.35 beats 0.1, loses to 0.4; won 0.8 beats both: 3 of 4 */
	assert_float_equal(leadflow_learn_auc(s1, w1, 4), 0.75, 1e-12);
	/* won 0.5 ties lost 0.5 (1/2), beats 0.2; 0.9 beats both: 3.5 / 4 */
	assert_float_equal(leadflow_learn_auc(s2, w2, 4), 0.875, 1e-12);
	/* a perfect ranking and its reverse */
	assert_float_equal(leadflow_learn_auc(s1, (unsigned char[]) {0, 1, 0, 1},
										  4), 1.0, 1e-12);
	assert_float_equal(leadflow_learn_auc(s1, (unsigned char[]) {1, 0, 1, 0},
										  4), 0.0, 1e-12);
	assert_true(isnan(leadflow_learn_auc(s1, none, 4)));
}

/* Calibration table and its mean gap. */
static void
test_calibration(void **state)
{
	double		p[] = {0.05, 0.05, 0.95, 1.0, 0.35};
	unsigned char won[] = {0, 1, 1, 1, 0};
	LfCalibrationBin bins[LF_LEARN_CALIBRATION_BINS];
	double		err;

	(void) state;
	err = leadflow_learn_calibration(p, won, 5, bins);
	/* range 0: 2 leads, mean 0.05, won 1/2 */
	assert_int_equal(bins[0].leads, 2);
	assert_float_equal(bins[0].predicted, 0.05, 1e-12);
	assert_float_equal(bins[0].observed, 0.5, 1e-12);
	/* range 3: 0.35, lost */
	assert_int_equal(bins[3].leads, 1);
	assert_float_equal(bins[3].observed, 0.0, 1e-12);
	/* range 9 holds 0.95 and 1.0: mean 0.975, both won */
	assert_int_equal(bins[9].leads, 2);
	assert_float_equal(bins[9].predicted, 0.975, 1e-12);
	assert_int_equal(bins[5].leads, 0);
	/* gaps 0.45, 0.35, 0.025 over three used ranges */
	assert_float_equal(err, (0.45 + 0.35 + 0.025) / 3.0, 1e-12);
	assert_true(isnan(leadflow_learn_calibration(p, won, 0, bins)));
}

/*
 * Two groups of four leads: with the feature, 3 won; without, 1 won.
 * Without a penalty the model reproduces both rates: intercept
 * logit(1/4) = -log 3 and weight logit(3/4) - logit(1/4) = 2 log 3.
 */
static const int one_start[] = {0, 1, 2, 3, 4, 4, 4, 4, 4};
static const int one_feature[] = {0, 0, 0, 0};
static const unsigned char one_won[] = {1, 1, 1, 0, 1, 0, 0, 0};

static void
test_fit_unpenalised(void **state)
{
	LfLearnData d = {8, 1, one_start, one_feature, one_won};
	double		w[2];
	LfLearnFit	fit;

	(void) state;
	assert_int_equal(leadflow_learn_fit(&d, 0.0, w, &fit), LF_LEARN_OK);
	assert_true(fit.converged);
	assert_float_equal(w[1], -log(3.0), 1e-6);
	assert_float_equal(w[0], 2.0 * log(3.0), 1e-6);
}

/*
 * The same leads with one feature per group (A: 3 of 4 won, B: 1 of 4).
 * The intercept is free, so by symmetry it is 0 and w_A = -w_B = w, where
 * the gradient vanishes: 4 (sigmoid(w) - 3/4) + l2 w = 0.  With a tiny
 * penalty w = log 3; with l2 = 1 the root is found here by bisection.
 */
static const int two_start[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
static const int two_feature[] = {0, 0, 0, 0, 1, 1, 1, 1};

static double
fit_condition(double w, double l2)
{
	return 4.0 * (leadflow_learn_sigmoid(w) - 0.75) + l2 * w;
}

static void
test_fit_penalised(void **state)
{
	LfLearnData d = {8, 2, two_start, two_feature, one_won};
	double		w[3];
	double		lo = 0.0;
	double		hi = 5.0;
	int			i;

	(void) state;
	assert_int_equal(leadflow_learn_fit(&d, 1e-7, w, NULL), LF_LEARN_OK);
	assert_float_equal(w[2], 0.0, 1e-5);
	assert_float_equal(w[0], log(3.0), 1e-5);
	assert_float_equal(w[1], -log(3.0), 1e-5);

	for (i = 0; i < 200; i++)
	{
		double		mid = (lo + hi) / 2.0;

		if (fit_condition(mid, 1.0) > 0.0)
			hi = mid;
		else
			lo = mid;
	}
	assert_int_equal(leadflow_learn_fit(&d, 1.0, w, NULL), LF_LEARN_OK);
	assert_float_equal(w[2], 0.0, 1e-7);
	assert_float_equal(w[0], lo, 1e-7);
	assert_float_equal(w[1], -lo, 1e-7);
	/* shrunk below the unpenalised log 3 */
	assert_true(lo < log(3.0) - 0.1);
}

/* A model with no features predicts the overall rate, 3 of 8. */
static void
test_fit_intercept_only(void **state)
{
	static const int start[] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const unsigned char won[] = {1, 1, 1, 0, 0, 0, 0, 0};
	LfLearnData d = {8, 0, start, NULL, won};
	double		w[1];

	(void) state;
	assert_int_equal(leadflow_learn_fit(&d, 1.0, w, NULL), LF_LEARN_OK);
	assert_float_equal(leadflow_learn_sigmoid(w[0]), 3.0 / 8.0, 1e-6);
}

/* No rows, a negative penalty, too many features: refused. */
static void
test_fit_bad_input(void **state)
{
	LfLearnData none = {0, 1, one_start, one_feature, one_won};
	LfLearnData d = {8, 1, one_start, one_feature, one_won};
	LfLearnData wide = {8, LF_LEARN_MAX_FEATURES + 1, one_start,
	one_feature, one_won};
	double		w[2];

	(void) state;
	assert_int_equal(leadflow_learn_fit(&none, 1.0, w, NULL),
					 LF_LEARN_BAD_INPUT);
	assert_int_equal(leadflow_learn_fit(&d, -1.0, w, NULL),
					 LF_LEARN_BAD_INPUT);
	assert_int_equal(leadflow_learn_fit(&wide, 1.0, w, NULL),
					 LF_LEARN_BAD_INPUT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigmoid),
		cmocka_unit_test(test_score_scale),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_bin),
		cmocka_unit_test(test_auc),
		cmocka_unit_test(test_calibration),
		cmocka_unit_test(test_fit_unpenalised),
		cmocka_unit_test(test_fit_penalised),
		cmocka_unit_test(test_fit_intercept_only),
		cmocka_unit_test(test_fit_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
