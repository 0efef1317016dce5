/*-------------------------------------------------------------------------
 *
 * extension/percentile.c
 *		Exact percentiles with linear interpolation between the two
 *		nearest ranks, the definition of percentile_cont.
 *
 * For n sorted values and a fraction p in [0, 1], the position is
 * p * (n - 1); the result is the value at the lower rank plus the
 * position's fractional part times the step to the value at the upper
 * rank.  The arithmetic is written in the same order as the server's, so
 * that both give the same double, bit for bit.  Pure C; no state.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>

#include "percentile.h"

static int	percentile_compare(const void *a, const void *b);

/*
 * percentile_compare
 *		qsort comparator of doubles, ascending.  The lists hold no NaN.
 */
static int
percentile_compare(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * leadflow_percentile_sort
 *		Sorts n values in place, ascending.
 */
void
leadflow_percentile_sort(double *values, size_t n)
{
	if (n > 1)
		qsort(values, n, sizeof(double), percentile_compare);
}

/*
 * leadflow_percentile_of_sorted
 *		The percentile at fraction (clamped to [0, 1]) of n ascending
 *		values; n must be at least 1.
 */
double
leadflow_percentile_of_sorted(const double *sorted, size_t n,
							  double fraction)
{
	double		position;
	double		lower_rank;
	double		upper_rank;
	double		lo;
	double		hi;

	if (fraction < 0.0)
		fraction = 0.0;
	if (fraction > 1.0)
		fraction = 1.0;

	position = fraction * (double) (n - 1);
	lower_rank = floor(position);
	upper_rank = ceil(position);
	lo = sorted[(size_t) lower_rank];
	if (upper_rank == lower_rank)
		return lo;
	hi = sorted[(size_t) upper_rank];
	return lo + ((position - lower_rank) * (hi - lo));
}
