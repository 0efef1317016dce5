/*-------------------------------------------------------------------------
 *
 * extension/percentile.h
 *		Exact percentiles of a multiset of doubles, computed as
 *		PostgreSQL's percentile_cont computes them, so that a percentile
 *		the metric views take from merged rollup lists equals the one a
 *		direct query over the leads gives.
 *
 * Pure C with no PostgreSQL headers, so the cmocka unit tests link it
 * directly.  No state.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_PERCENTILE_H
#define LEADFLOW_PERCENTILE_H

#include <stddef.h>

/* Most fractions one call of leadflow_percentiles takes. */
#define LEADFLOW_PERCENTILE_MAX_FRACTIONS 16

extern void leadflow_percentile_sort(double *values, size_t n);
extern void leadflow_percentiles(double *values, size_t n,
								 const double *fractions, double *results,
								 int nfractions);
extern double leadflow_percentile_of_sorted(const double *sorted, size_t n,
											double fraction);
extern size_t leadflow_list_apply(const double *old, size_t nold,
								  double *added, size_t nadded,
								  double *removed, size_t nremoved,
								  double *out);
extern size_t leadflow_list_count_below(const double *sorted, size_t n,
										double bound);

#endif							/* LEADFLOW_PERCENTILE_H */
