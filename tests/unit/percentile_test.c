/*-------------------------------------------------------------------------
 *
 * tests/unit/percentile_test.c
 *		cmocka tests of the exact percentiles (percentile.c).
 *
 * Expected values are worked out by hand in the comments beside them,
 * with percentile_cont's rule: position p * (n - 1), linear between the
 * two nearest ranks.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "percentile.h"

/* One value: every percentile is that value. */
static void
test_single(void **state)
{
	double		v[] = {42.0};

	(void) state;
	assert_true(leadflow_percentile_of_sorted(v, 1, 0.5) == 42.0);
	assert_true(leadflow_percentile_of_sorted(v, 1, 0.9) == 42.0);
}

/* Unsorted input is sorted; medians of odd and even counts. */
static void
test_median(void **state)
{
	double		odd[] = {300.0, 60.0, 120.0};
	double		even[] = {40.0, 10.0, 30.0, 20.0};

	(void) state;
	leadflow_percentile_sort(odd, 3);
	/* 60 120 300: position 0.5 * 2 = 1 -> 120 */
	assert_true(leadflow_percentile_of_sorted(odd, 3, 0.5) == 120.0);
	leadflow_percentile_sort(even, 4);
	/* 10 20 30 40: position 1.5 -> 20 + 0.5 * 10 = 25 */
	assert_true(leadflow_percentile_of_sorted(even, 4, 0.5) == 25.0);
}

/* 90th percentile between ranks; the ends; fractions out of range. */
static void
test_p90(void **state)
{
	double		v[] = {0.0, 100.0, 200.0, 300.0, 400.0, 500.0};

	(void) state;
	/* position 0.9 * 5 = 4.5 -> 400 + 0.5 * 100 = 450 */
	assert_true(leadflow_percentile_of_sorted(v, 6, 0.9) == 450.0);
	assert_true(leadflow_percentile_of_sorted(v, 6, 0.0) == 0.0);
	assert_true(leadflow_percentile_of_sorted(v, 6, 1.0) == 500.0);
	assert_true(leadflow_percentile_of_sorted(v, 6, -1.0) == 0.0);
	assert_true(leadflow_percentile_of_sorted(v, 6, 2.0) == 500.0);
}

/* Merging two sorted lists gives the median of the union. */
static void
test_merged(void **state)
{
	/* day 1: 10 50; day 2: 20 30 90 -> 10 20 30 50 90, median 30 */
	double		v[] = {10.0, 50.0, 20.0, 30.0, 90.0};

	(void) state;
	leadflow_percentile_sort(v, 5);
	assert_true(leadflow_percentile_of_sorted(v, 5, 0.5) == 30.0);
	/* position 3.6 -> 50 + 0.6 * 40 = 74 (within rounding) */
	assert_float_equal(leadflow_percentile_of_sorted(v, 5, 0.9), 74.0,
					   1e-9);
}

/* Selection without sorting gives what the sorted values give. */
static void
test_selection_matches_sort(void **state)
{
	double		fractions[] = {0.9, 0.5, 0.0, 1.0, 0.25};
	double		found[5];
	double		sorted[300];
	double		shuffled[300];
	unsigned int seed = 12345;
	int			round;
	int			i;

	(void) state;
	for (round = 0; round < 200; round++)
	{
		size_t		n = 1 + round % 300;

		/* few distinct values, so that ties are common */
		for (i = 0; i < (int) n; i++)
			sorted[i] = shuffled[i] = (double) (rand_r(&seed) % 50) * 1.5;
		leadflow_percentile_sort(sorted, n);
		leadflow_percentiles(shuffled, n, fractions, found, 5);
		for (i = 0; i < 5; i++)
			assert_true(found[i] ==
						leadflow_percentile_of_sorted(sorted, n,
													  fractions[i]));
	}
}

/* Sorted runs back to back, as merged rollup lists arrive. */
static void
test_selection_of_runs(void **state)
{
	/* 10 20 30 | 5 25 | 15: sorted 5 10 15 20 25 30 */
	double		v[] = {10.0, 20.0, 30.0, 5.0, 25.0, 15.0};
	double		fractions[] = {0.5, 0.9};
	double		found[2];

	(void) state;
	leadflow_percentiles(v, 6, fractions, found, 2);
	/* median at 2.5: 15 + 0.5 * 5 = 17.5; p90 at 4.5: 25 + 0.5 * 5 */
	assert_true(found[0] == 17.5);
	assert_true(found[1] == 27.5);
}

/*
 * A rollup list brought up to date: {60, 120, 300} plus {90, 300} minus
 * {120, 300, 999} is 60, 90, 300 (one 300 of two taken away, 999 was
 * never there).
 */
static void
test_list_apply(void **state)
{
	double		old[] = {60.0, 120.0, 300.0};
	double		added[] = {300.0, 90.0};
	double		removed[] = {999.0, 300.0, 120.0};
	double		out[5];
	size_t		n;

	(void) state;
	n = leadflow_list_apply(old, 3, added, 2, removed, 3, out);
	assert_int_equal(n, 3);
	assert_true(out[0] == 60.0);
	assert_true(out[1] == 90.0);
	assert_true(out[2] == 300.0);
}

/* Everything removed leaves nothing; nothing old gives the added, sorted. */
static void
test_list_apply_edges(void **state)
{
	double		old[] = {5.0, 5.0};
	double		removed[] = {5.0, 5.0};
	double		added[] = {7.0, 1.0, 7.0};
	double		out[3];

	(void) state;
	assert_int_equal(leadflow_list_apply(old, 2, NULL, 0, removed, 2, out),
					 0);
	assert_int_equal(leadflow_list_apply(NULL, 0, added, 3, NULL, 0, out),
					 3);
	assert_true(out[0] == 1.0);
	assert_true(out[1] == 7.0);
	assert_true(out[2] == 7.0);
}

/*
 * Against the multiset difference computed by counting: random lists of
 * small integers, so that values repeat and removals miss.
 */
static void
test_list_apply_random(void **state)
{
	int			round;

	(void) state;
	srand(7);
	for (round = 0; round < 500; round++)
	{
		double		old[40];
		double		added[20];
		double		removed[20];
		double		out[60];
		int			count[10] = {0};
		size_t		nold = rand() % 40;
		size_t		nadded = rand() % 20;
		size_t		nremoved = rand() % 20;
		size_t		i;
		size_t		n;
		size_t		expected = 0;

		for (i = 0; i < nold; i++)
			old[i] = rand() % 10;
		leadflow_percentile_sort(old, nold);
		for (i = 0; i < nadded; i++)
			added[i] = rand() % 10;
		for (i = 0; i < nremoved; i++)
			removed[i] = rand() % 10;
		for (i = 0; i < nold; i++)
			count[(int) old[i]]++;
		for (i = 0; i < nadded; i++)
			count[(int) added[i]]++;
		for (i = 0; i < nremoved; i++)
			if (count[(int) removed[i]] > 0)
				count[(int) removed[i]]--;
		n = leadflow_list_apply(old, nold, added, nadded, removed, nremoved,
								out);
		for (i = 0; i < 10; i++)
			expected += count[i];
		assert_int_equal(n, expected);
		for (i = 0; i < n; i++)
		{
			if (i > 0)
				assert_true(out[i - 1] <= out[i]);
			count[(int) out[i]]--;
		}
		for (i = 0; i < 10; i++)
			assert_int_equal(count[i], 0);
	}
}

/*
 * Counting below a bound: none, all, the bound itself not counted, runs
 * of equal values, an empty list, and a NaN bound (above every number).
 */
static void
test_count_below(void **state)
{
	double		v[] = {10.0, 20.0, 20.0, 20.0, 35.0};

	(void) state;
	assert_int_equal(leadflow_list_count_below(v, 5, 5.0), 0);
	assert_int_equal(leadflow_list_count_below(v, 5, 10.0), 0);
	assert_int_equal(leadflow_list_count_below(v, 5, 10.5), 1);
	assert_int_equal(leadflow_list_count_below(v, 5, 20.0), 1);
	assert_int_equal(leadflow_list_count_below(v, 5, 20.000001), 4);
	assert_int_equal(leadflow_list_count_below(v, 5, 99.0), 5);
	assert_int_equal(leadflow_list_count_below(v, 0, 99.0), 0);
	assert_int_equal(leadflow_list_count_below(NULL, 0, 1.0), 0);
	assert_int_equal(leadflow_list_count_below(v, 5, NAN), 5);
}

/* Against a count one value at a time, over random sorted lists. */
static void
test_count_below_random(void **state)
{
	int			round;

	(void) state;
	srand(11);
	for (round = 0; round < 1000; round++)
	{
		double		v[50];
		size_t		n = rand() % 50;
		double		bound = rand() % 12 - 1;
		size_t		expected = 0;
		size_t		i;

		for (i = 0; i < n; i++)
			v[i] = rand() % 10;
		leadflow_percentile_sort(v, n);
		for (i = 0; i < n; i++)
			if (v[i] < bound)
				expected++;
		assert_int_equal(leadflow_list_count_below(v, n, bound), expected);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_p90),
		cmocka_unit_test(test_merged),
		cmocka_unit_test(test_selection_matches_sort),
		cmocka_unit_test(test_selection_of_runs),
		cmocka_unit_test(test_list_apply),
		cmocka_unit_test(test_list_apply_edges),
		cmocka_unit_test(test_list_apply_random),
		cmocka_unit_test(test_count_below),
		cmocka_unit_test(test_count_below_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
