/*-------------------------------------------------------------------------
 *
 * extension/learn_math.c
 *		Fitting and judging the learned lead score: logistic regression
 *		with an L2 penalty by Newton's method, quantile edges for number
 *		attributes, the 0..100 scale, AUC and calibration.
 *
 * The model: the log-odds that a lead is won is an intercept plus the
 * weights of the lead's features (every feature is 0 or 1: one value of
 * a categorical fact, or one range of a number).  The fit minimises the
 * summed log-loss plus l2 / 2 times the squared weights; the intercept
 * is not penalised, so a model with no informative feature predicts the
 * overall won rate.  Each Newton step solves the dense system of the
 * Hessian by Cholesky, with a step-halving line search that keeps the
 * loss falling; the loss is convex, so a handful of steps converge.
 *
 * Pure C, no PostgreSQL headers, no state.  Working memory comes from
 * malloc and is freed before each function returns.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn_math.h"

/* A tiny penalty on the intercept, so the system stays solvable. */
#define LEARN_INTERCEPT_RIDGE	1e-9

/* A step smaller than this in every weight ends the fit. */
#define LEARN_STEP_TOLERANCE	1e-7

/* Most halvings of one Newton step. */
#define LEARN_MAX_HALVINGS		30

/*
 * learn_log1pexp
 *		log(1 + e^z) without overflow for large z.
 */
static double
learn_log1pexp(double z)
{
	if (z > 0)
		return z + log1p(exp(-z));
	return log1p(exp(z));
}

/*
 * leadflow_learn_sigmoid
 *		1 / (1 + e^-z), the probability of a log-odds z, computed without
 *		overflow at either end.
 */
double
leadflow_learn_sigmoid(double z)
{
	double		e;

	if (z >= 0)
		return 1.0 / (1.0 + exp(-z));
	e = exp(z);
	return e / (1.0 + e);
}

/*
 * leadflow_learn_score
 *		A win probability on the 0..100 scale of the lead score: 100 p,
 *		rounded half away from zero and clamped (NaN gives 0).
 */
int
leadflow_learn_score(double probability)
{
	double		s = floor(probability * 100.0 + 0.5);

	if (!(s > 0.0))
		return 0;
	if (s > 100.0)
		return 100;
	return (int) s;
}

/*
 * learn_logits
 *		Every row's log-odds under weights w (intercept last).
 */
static void
learn_logits(const LfLearnData *d, const double *w, double *z)
{
	int			i;
	int			k;

	for (i = 0; i < d->nrows; i++)
	{
		double		s = w[d->nfeatures];

		for (k = d->row_start[i]; k < d->row_start[i + 1]; k++)
			s += w[d->feature[k]];
		z[i] = s;
	}
}

/*
 * learn_loss
 *		The penalised loss of weights w; z receives the rows' log-odds.
 */
static double
learn_loss(const LfLearnData *d, const double *w, double l2, double *z)
{
	double		loss = 0.0;
	int			i;
	int			j;

	learn_logits(d, w, z);
	for (i = 0; i < d->nrows; i++)
		loss += learn_log1pexp(z[i]) - (d->won[i] ? z[i] : 0.0);
	for (j = 0; j < d->nfeatures; j++)
		loss += 0.5 * l2 * w[j] * w[j];
	return loss;
}

/*
 * learn_gradient_hessian
 *		The gradient g and the lower triangle of the Hessian h (p x p, row
 *		major, p = nfeatures + 1) of the loss at the log-odds z and
 *		weights w.
 */
static void
learn_gradient_hessian(const LfLearnData *d, const double *w, double l2,
					   const double *z, double *g, double *h)
{
	int			p = d->nfeatures + 1;
	int			icpt = d->nfeatures;
	int			i;
	int			j;
	int			a;
	int			b;

	memset(g, 0, sizeof(double) * p);
	memset(h, 0, sizeof(double) * p * p);
	for (i = 0; i < d->nrows; i++)
	{
		double		prob = leadflow_learn_sigmoid(z[i]);
		double		r = prob - (d->won[i] ? 1.0 : 0.0);
		double		s = prob * (1.0 - prob);
		int			start = d->row_start[i];
		int			end = d->row_start[i + 1];

		g[icpt] += r;
		h[icpt * p + icpt] += s;
		for (a = start; a < end; a++)
		{
			int			fa = d->feature[a];

			g[fa] += r;
			/* the intercept's index is the largest: row icpt, column fa */
			h[icpt * p + fa] += s;
			for (b = start; b < end; b++)
			{
				int			fb = d->feature[b];

				if (fb <= fa)
					h[fa * p + fb] += s;
			}
		}
	}
	for (j = 0; j < d->nfeatures; j++)
	{
		g[j] += l2 * w[j];
		h[j * p + j] += l2;
	}
	h[icpt * p + icpt] += LEARN_INTERCEPT_RIDGE;
}

/*
 * learn_cholesky_solve
 *		Solves h x = g for x, h symmetric positive definite given by its
 *		lower triangle (p x p, row major), which is overwritten by its
 *		Cholesky factor.  Returns false when h is not positive definite.
 */
static bool
learn_cholesky_solve(double *h, int p, const double *g, double *x)
{
	int			i;
	int			j;
	int			k;

	for (j = 0; j < p; j++)
	{
		double		diag = h[j * p + j];

		for (k = 0; k < j; k++)
			diag -= h[j * p + k] * h[j * p + k];
		if (!(diag > 0.0))
			return false;
		diag = sqrt(diag);
		h[j * p + j] = diag;
		for (i = j + 1; i < p; i++)
		{
			double		s = h[i * p + j];

			for (k = 0; k < j; k++)
				s -= h[i * p + k] * h[j * p + k];
			h[i * p + j] = s / diag;
		}
	}

	/* L y = g, then L' x = y. */
	for (i = 0; i < p; i++)
	{
		double		s = g[i];

		for (k = 0; k < i; k++)
			s -= h[i * p + k] * x[k];
		x[i] = s / h[i * p + i];
	}
	for (i = p - 1; i >= 0; i--)
	{
		double		s = x[i];

		for (k = i + 1; k < p; k++)
			s -= h[k * p + i] * x[k];
		x[i] = s / h[i * p + i];
	}
	return true;
}

/*
 * learn_start
 *		The starting point: every weight 0, the intercept at the log-odds
 *		of the overall won rate (kept away from 0 and 1).
 */
static void
learn_start(const LfLearnData *d, double *w)
{
	double		won = 0.0;
	double		rate;
	int			i;

	for (i = 0; i < d->nrows; i++)
		won += d->won[i] ? 1.0 : 0.0;
	rate = (won + 0.5) / (d->nrows + 1.0);
	memset(w, 0, sizeof(double) * d->nfeatures);
	w[d->nfeatures] = log(rate / (1.0 - rate));
}

/*
 * learn_newton
 *		The Newton iterations of leadflow_learn_fit, with its working
 *		arrays given.  Returns LF_LEARN_OK or LF_LEARN_BAD_INPUT.
 */
static int
learn_newton(const LfLearnData *d, double l2, double *w, LfLearnFit *fit,
			 double *g, double *h, double *step, double *trial, double *z)
{
	int			p = d->nfeatures + 1;
	double		loss = learn_loss(d, w, l2, z);
	int			iter;
	int			j;

	fit->converged = false;
	for (iter = 1; iter <= LF_LEARN_MAX_ITERATIONS; iter++)
	{
		double		t = 1.0;
		double		trial_loss = loss;
		double		biggest = 0.0;
		int			halvings;

		fit->iterations = iter;
		learn_gradient_hessian(d, w, l2, z, g, h);
		if (!learn_cholesky_solve(h, p, g, step))
			return LF_LEARN_BAD_INPUT;

		/* Halve the step until the loss does not rise. */
		for (halvings = 0; halvings <= LEARN_MAX_HALVINGS; halvings++)
		{
			for (j = 0; j < p; j++)
				trial[j] = w[j] - t * step[j];
			trial_loss = learn_loss(d, trial, l2, z);
			if (trial_loss <= loss)
				break;
			t *= 0.5;
		}
		if (halvings > LEARN_MAX_HALVINGS)
		{
			/* No step lowers the loss: w is as good as it gets. */
			(void) learn_loss(d, w, l2, z);
			fit->converged = true;
			break;
		}

		for (j = 0; j < p; j++)
		{
			double		moved = fabs(trial[j] - w[j]);

			if (moved > biggest)
				biggest = moved;
			w[j] = trial[j];
		}
		loss = trial_loss;
		if (biggest < LEARN_STEP_TOLERANCE)
		{
			fit->converged = true;
			break;
		}
	}
	fit->loss = d->nrows > 0 ? loss / d->nrows : 0.0;
	return LF_LEARN_OK;
}

/*
 * leadflow_learn_fit
 *		Fits the logistic model to data with penalty l2 (>= 0) on the
 *		feature weights.  weights receives nfeatures + 1 values, the
 *		intercept last; fit (may be NULL) says how it went.  Returns
 *		LF_LEARN_OK, LF_LEARN_NO_MEMORY, or LF_LEARN_BAD_INPUT (no rows,
 *		too many features, a negative penalty, or a system that cannot be
 *		solved).
 */
int
leadflow_learn_fit(const LfLearnData *data, double l2, double *weights,
				   LfLearnFit *fit)
{
	LfLearnFit	local;
	int			p;
	double	   *g;
	double	   *h;
	double	   *step;
	double	   *trial;
	double	   *z;
	int			rc = LF_LEARN_NO_MEMORY;

	if (fit == NULL)
		fit = &local;
	memset(fit, 0, sizeof(*fit));
	if (data->nrows <= 0 || data->nfeatures < 0 ||
		data->nfeatures > LF_LEARN_MAX_FEATURES || !(l2 >= 0.0))
		return LF_LEARN_BAD_INPUT;

	p = data->nfeatures + 1;
	g = malloc(sizeof(double) * p);
	h = malloc(sizeof(double) * p * p);
	step = malloc(sizeof(double) * p);
	trial = malloc(sizeof(double) * p);
	z = malloc(sizeof(double) * data->nrows);
	if (g && h && step && trial && z)
	{
		learn_start(data, weights);
		rc = learn_newton(data, l2, weights, fit, g, h, step, trial, z);
	}
	free(g);
	free(h);
	free(step);
	free(trial);
	free(z);
	return rc;
}

/*
 * leadflow_learn_edges
 *		Cuts n values (sorted ascending) into at most max_bins ranges of
 *		about equal counts.  Writes the strictly increasing edges (at most
 *		max_bins - 1) and returns how many: the value at each i / max_bins
 *		quantile, skipping one equal to the smallest value or to the edge
 *		before it, so that no range is empty of training values.  Range k
 *		of a value is the number of edges at or below it.
 */
int
leadflow_learn_edges(const double *sorted, int n, int max_bins,
					 double *edges)
{
	int			nedges = 0;
	int			i;

	if (n <= 0)
		return 0;
	for (i = 1; i < max_bins; i++)
	{
		double		q = sorted[(int) ((int64_t) i * n / max_bins)];

		if (q <= sorted[0] || (nedges > 0 && q <= edges[nedges - 1]))
			continue;
		edges[nedges++] = q;
	}
	return nedges;
}

/*
 * leadflow_learn_bin
 *		The range of value among the edges (strictly increasing): the
 *		number of edges at or below it, 0..nedges.  NaN goes to range 0.
 */
int
leadflow_learn_bin(const double *edges, int nedges, double value)
{
	int			lo = 0;
	int			hi = nedges;

	/* The first edge above value; everything before it is at or below. */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (edges[mid] <= value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Context of the sort in leadflow_learn_auc. */
static const double *learn_sort_keys;

/*
 * learn_cmp_index
 *		qsort comparison of two row indexes by their score.
 */
static int
learn_cmp_index(const void *a, const void *b)
{
	double		x = learn_sort_keys[*(const int *) a];
	double		y = learn_sort_keys[*(const int *) b];

	return (x > y) - (x < y);
}

/*
 * leadflow_learn_auc
 *		The area under the ROC curve of scores against outcomes: the
 *		chance that a random won lead scores above a random lost one,
 *		ties counting one half (the Mann-Whitney rank sum with average
 *		ranks).  NaN when either outcome is missing or memory runs out.
 */
double
leadflow_learn_auc(const double *score, const unsigned char *won, int n)
{
	int		   *order;
	double		rank_sum = 0.0;
	double		npos = 0.0;
	double		nneg;
	int			i;
	int			j;

	for (i = 0; i < n; i++)
		npos += won[i] ? 1.0 : 0.0;
	nneg = n - npos;
	if (npos == 0.0 || nneg == 0.0)
		return NAN;
	order = malloc(sizeof(int) * n);
	if (order == NULL)
		return NAN;
	for (i = 0; i < n; i++)
		order[i] = i;
	learn_sort_keys = score;
	qsort(order, n, sizeof(int), learn_cmp_index);

	for (i = 0; i < n; i = j)
	{
		double		avg_rank;
		double		pos = 0.0;

		for (j = i; j < n && score[order[j]] == score[order[i]]; j++)
			pos += won[order[j]] ? 1.0 : 0.0;
		/* ranks i + 1 .. j share their average */
		avg_rank = (i + 1 + j) / 2.0;
		rank_sum += pos * avg_rank;
	}
	free(order);
	return (rank_sum - npos * (npos + 1.0) / 2.0) / (npos * nneg);
}

/*
 * leadflow_learn_calibration
 *		The calibration table of predicted probabilities against outcomes:
 *		LF_LEARN_CALIBRATION_BINS ranges of predicted probability of equal
 *		width (the last one closed at 1), each with its leads, mean
 *		prediction and share won.  Returns the calibration error, the mean
 *		over the ranges that hold leads of |mean prediction - share won|;
 *		NaN with no leads.
 */
double
leadflow_learn_calibration(const double *probability,
						   const unsigned char *won, int n,
						   LfCalibrationBin *bins)
{
	double		sum_gap = 0.0;
	int			used = 0;
	int			i;
	int			k;

	memset(bins, 0, sizeof(LfCalibrationBin) * LF_LEARN_CALIBRATION_BINS);
	for (i = 0; i < n; i++)
	{
		double		p = probability[i];

		k = (int) floor(p * LF_LEARN_CALIBRATION_BINS);
		if (!(k >= 0))
			k = 0;
		if (k >= LF_LEARN_CALIBRATION_BINS)
			k = LF_LEARN_CALIBRATION_BINS - 1;
		bins[k].leads++;
		bins[k].predicted += p;
		bins[k].observed += won[i] ? 1.0 : 0.0;
	}
	for (k = 0; k < LF_LEARN_CALIBRATION_BINS; k++)
	{
		if (bins[k].leads == 0)
			continue;
		bins[k].predicted /= bins[k].leads;
		bins[k].observed /= bins[k].leads;
		sum_gap += fabs(bins[k].predicted - bins[k].observed);
		used++;
	}
	return used > 0 ? sum_gap / used : NAN;
}
