/*-------------------------------------------------------------------------
 *
 * extension/learn.h
 *		The learned lead score: a model of the win probability fitted to
 *		the closed leads, how a lead is turned into the model's features,
 *		scoring with the current model, training and rescoring.
 *
 * A lead's features are the tokens of what is known when it arrives:
 * channel, campaign, phone and e-mail validity, the duplicate flag, and
 * each top-level attribute (a string or boolean value as a category; a
 * number as the range of the attribute's quantile bins it falls in, and
 * the absence of a number attribute as a feature of its own).  A model is
 * an intercept and one weight per feature; its log-odds for a lead is the
 * intercept plus the weights of the lead's features.  Models are rows of
 * leadflow.score_model; learn_model.c keeps the newest in a per-backend
 * cache that a change of that table invalidates (config_cache.c's
 * scheme), learn_train.c fits and stores them.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_LEARN_H
#define LEADFLOW_LEARN_H

#include "postgres.h"

#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "learn_math.h"
#include "score.h"

/* Kinds of feature, as stored in leadflow.score_model.feature_kind. */
#define LF_FEATURE_CHANNEL		"channel"
#define LF_FEATURE_CAMPAIGN		"campaign"
#define LF_FEATURE_PHONE		"phone"
#define LF_FEATURE_EMAIL		"email"
#define LF_FEATURE_DUPLICATE	"duplicate"
#define LF_FEATURE_ATTRIBUTE	"attribute"	/* a string or boolean value */
#define LF_FEATURE_RANGE		"range" /* a range of a number attribute */
#define LF_FEATURE_MISSING		"missing"	/* a number attribute absent */

/* Longest attribute value or key read as a token, bytes. */
#define LF_TOKEN_PART_MAX		200

/* One feature of a model. */
typedef struct LfFeature
{
	char	   *kind;
	char	   *name;			/* attribute key; "" for the others */
	char	   *value;			/* category, range number, or "" */
	double		weight;
} LfFeature;

/* A number attribute of a model: its bin edges and their features. */
typedef struct LfNumeric
{
	char	   *name;
	int			nedges;
	double	   *edges;
	int		   *range_feature;	/* nedges + 1 entries, -1 = none */
	int			missing_feature;	/* -1 = none */
} LfNumeric;

/* A model, ready to score. */
typedef struct LfModel
{
	MemoryContext context;		/* holds everything below */
	int64		version;		/* 0 for a model not stored yet */
	double		intercept;
	int			nfeatures;
	LfFeature  *features;
	int			nnumeric;
	LfNumeric  *numeric;
	HTAB	   *lookup;			/* token -> feature or number attribute */
	JsonbValue *factors;		/* per feature: its explanation object */
} LfModel;

/*
 * A lead's tokens are handed to a callback one by one: a category token
 * "kind\x1fname\x1fvalue" (number NULL), or a number attribute's token
 * "range\x1fname\x1f" with its value.  The token is in a buffer that the
 * next call reuses.
 */
typedef void (*LfTokenCallback) (void *arg, const char *token, int len,
								 Numeric number);

/* A scoring in progress: the log-odds so far and the features taken. */
typedef struct LfScorer
{
	const LfModel *model;
	double		z;
	int		   *active;			/* room for model->nfeatures */
	int			nactive;
	bool	   *seen;			/* per number attribute */
} LfScorer;

/* learn_model.c */
extern void leadflow_learn_each_token(const LeadflowScoreInput *in,
									  LfTokenCallback callback, void *arg);
extern double leadflow_learn_number(Numeric number);
extern LfModel *leadflow_learn_model_build(MemoryContext parent,
										   int nfeatures,
										   LfFeature *features,
										   double intercept, int nnumeric,
										   LfNumeric *numeric);
extern void leadflow_learn_scorer_begin(LfScorer *s, const LfModel *model);
extern void leadflow_learn_scorer_token(LfScorer *s, const char *token,
										int len);
extern int	leadflow_learn_scorer_numeric(LfScorer *s, const char *token,
										  int len);
extern void leadflow_learn_scorer_range(LfScorer *s, int numeric,
										double value);
extern double leadflow_learn_scorer_end(LfScorer *s);
extern bool leadflow_learn_score_lead(const LeadflowScoreInput *in,
									  int16 *score, Jsonb **explanation,
									  int64 *version);
extern int64 leadflow_learn_current_version(void);

/* learn_train.c */
extern int64 leadflow_learn_train(char **message);
extern int64 leadflow_learn_rescore(int batch_size, bool *more);
extern bool leadflow_learn_train_due(int interval_s);

#endif							/* LEADFLOW_LEARN_H */
