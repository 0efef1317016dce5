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
#include <stdint.h>
#include <stdlib.h>

#include "percentile.h"

static int	percentile_compare(const void *a, const void *b);
static void percentile_find(double *values, int64_t lo, int64_t hi,
							int64_t k);
static double percentile_min(const double *values, int64_t lo, int64_t hi);

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

/*
 * percentile_find
 *		Rearranges values[lo..hi] (inclusive) so that values[k] holds the
 *		value of rank k, no value before it is greater and no value after
 *		it is smaller: a selection by repeated partitioning around the
 *		value now at k, linear on average.
 */
static void
percentile_find(double *values, int64_t lo, int64_t hi, int64_t k)
{
	while (lo < hi)
	{
		double		pivot = values[k];
		int64_t		i = lo;
		int64_t		j = hi;

		do
		{
			while (values[i] < pivot)
				i++;
			while (pivot < values[j])
				j--;
			if (i <= j)
			{
				double		swap = values[i];

				values[i] = values[j];
				values[j] = swap;
				i++;
				j--;
			}
		} while (i <= j);

		/* Keep the part that still holds rank k; done when neither does. */
		if (j < k)
			lo = i;
		if (k < i)
			hi = j;
	}
}

/*
 * percentile_min
 *		The smallest of values[lo..hi] (inclusive, lo <= hi).
 */
static double
percentile_min(const double *values, int64_t lo, int64_t hi)
{
	double		least = values[lo];
	int64_t		i;

	for (i = lo + 1; i <= hi; i++)
		if (values[i] < least)
			least = values[i];
	return least;
}

/*
 * leadflow_percentiles
 *		For each of nfractions fractions (each clamped to [0, 1]), the
 *		percentile of n values (n >= 1) as leadflow_percentile_of_sorted
 *		gives it on the sorted values, into results; without sorting:
 *		the fractions are taken in ascending order, each selecting its
 *		lower rank among the values not below the previous one's, and
 *		the next rank is the least value above it.  Reorders values.
 */
void
leadflow_percentiles(double *values, size_t n, const double *fractions,
					 double *results, int nfractions)
{
	int64_t		done = 0;		/* ranks below this are in place */
	int			order[LEADFLOW_PERCENTILE_MAX_FRACTIONS];
	int			i;
	int			j;

	/* The fractions' order, ascending (there are only a few). */
	for (i = 0; i < nfractions; i++)
	{
		for (j = i; j > 0 && fractions[order[j - 1]] > fractions[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}

	for (i = 0; i < nfractions; i++)
	{
		double		fraction = fractions[order[i]];
		double		position;
		double		lower_rank;
		int64_t		k;
		double		lo;

		if (fraction < 0.0)
			fraction = 0.0;
		if (fraction > 1.0)
			fraction = 1.0;
		position = fraction * (double) (n - 1);
		lower_rank = floor(position);
		k = (int64_t) lower_rank;

		if (k >= done)
		{
			percentile_find(values, done, (int64_t) n - 1, k);
			done = k;
		}
		lo = values[k];
		if (ceil(position) == lower_rank)
			results[order[i]] = lo;
		else
			results[order[i]] = lo + ((position - lower_rank) *
									  (percentile_min(values, k + 1,
													  (int64_t) n - 1) - lo));
	}
}

/*
 * leadflow_list_apply
 *		A rollup list brought up to date: the ascending multiset old plus
 *		the values added minus the values removed, written ascending to
 *		out, which has room for nold + nadded values; returns how many.
 *		added and removed are sorted in place.  A removed value that is
 *		not there is ignored, and each removed value takes away one
 *		occurrence, as EXCEPT ALL does.  Linear after the two sorts, where
 *		unnesting, EXCEPT ALL and a sort per list in SQL cost a hash table
 *		and a sort for every bucket a refresh touches.
 */
size_t
leadflow_list_apply(const double *old, size_t nold, double *added,
					size_t nadded, double *removed, size_t nremoved,
					double *out)
{
	size_t		i = 0;
	size_t		j = 0;
	size_t		r = 0;
	size_t		n = 0;

	leadflow_percentile_sort(added, nadded);
	leadflow_percentile_sort(removed, nremoved);
	while (i < nold || j < nadded)
	{
		double		v;

		if (j >= nadded || (i < nold && old[i] <= added[j]))
			v = old[i++];
		else
			v = added[j++];
		while (r < nremoved && removed[r] < v)
			r++;
		if (r < nremoved && removed[r] == v)
			r++;
		else
			out[n++] = v;
	}
	return n;
}

/*
 * leadflow_list_count_below
 *		How many values of the ascending list sorted are below bound: the
 *		first position whose value is not, found by binary search.  A NaN
 *		bound counts every value (NaN sorts above all numbers, as in
 *		PostgreSQL); NaN values in the list sort last and are never below.
 */
size_t
leadflow_list_count_below(const double *sorted, size_t n, double bound)
{
	size_t		low = 0;
	size_t		high = n;

	if (isnan(bound))
	{
		while (low < n && !isnan(sorted[low]))
			low++;
		return low;
	}
	while (low < high)
	{
		size_t		mid = low + (high - low) / 2;

		if (sorted[mid] < bound)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}
