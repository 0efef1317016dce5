/*-------------------------------------------------------------------------
 *
 * extension/learn_math.h
 *		Arithmetic of the learned lead score: L2-regularised logistic
 *		regression fitted by Newton's method, quantile bins for numbers,
 *		the score scale, and the quality measures (AUC, calibration).
 *
 * Pure C with no PostgreSQL headers, so the cmocka unit tests link it
 * directly.  No state, shared or otherwise; the fit allocates its working
 * memory with malloc and frees it before it returns, and never calls back
 * into the server (so it cannot be interrupted: its cost is bounded by
 * the number of features, LF_LEARN_MAX_FEATURES).
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_LEARN_MATH_H
#define LEADFLOW_LEARN_MATH_H

#include <stdbool.h>
#include <stdint.h>

/* Most features one model has (the Hessian is this squared). */
#define LF_LEARN_MAX_FEATURES		1000

/* Most ranges a number attribute is cut into. */
#define LF_LEARN_MAX_BINS			16

/* Ranges of the calibration table. */
#define LF_LEARN_CALIBRATION_BINS	10

/* Newton iterations before a fit gives up converging. */
#define LF_LEARN_MAX_ITERATIONS		50

/*
 * Training rows in compressed sparse form: row i has the features
 * feature[row_start[i] .. row_start[i + 1] - 1], each with value 1, and
 * the outcome won[i] (1 won, 0 lost).  Feature numbers are below
 * nfeatures; a row may not name one feature twice.
 */
typedef struct LfLearnData
{
	int			nrows;
	int			nfeatures;
	const int  *row_start;		/* nrows + 1 entries */
	const int  *feature;
	const unsigned char *won;
} LfLearnData;

/* How a fit went. */
typedef struct LfLearnFit
{
	int			iterations;
	bool		converged;
	double		loss;			/* mean log-loss plus the penalty / n */
} LfLearnFit;

/* Result codes of leadflow_learn_fit. */
#define LF_LEARN_OK				0
#define LF_LEARN_NO_MEMORY		(-1)
#define LF_LEARN_BAD_INPUT		(-2)

/* One range of the calibration table. */
typedef struct LfCalibrationBin
{
	int64_t		leads;
	double		predicted;		/* mean predicted win probability */
	double		observed;		/* share won */
} LfCalibrationBin;

extern int	leadflow_learn_fit(const LfLearnData *data, double l2,
							   double *weights, LfLearnFit *fit);
extern double leadflow_learn_sigmoid(double z);
extern int	leadflow_learn_score(double probability);
extern int	leadflow_learn_edges(const double *sorted, int n, int max_bins,
								 double *edges);
extern int	leadflow_learn_bin(const double *edges, int nedges, double value);
extern double leadflow_learn_auc(const double *score,
								 const unsigned char *won, int n);
extern double leadflow_learn_calibration(const double *probability,
										 const unsigned char *won, int n,
										 LfCalibrationBin *bins);

#endif							/* LEADFLOW_LEARN_MATH_H */
