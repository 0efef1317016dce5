/*-------------------------------------------------------------------------
 *
 * extension/score_rule.h
 *		Score rules: DBA-defined conditions on a lead's attributes, each
 *		worth some points.
 *
 * A rule as read from leadflow.score_rule lives in the rule cache (see
 * score_cache.h); its strings and numerics are copied into the cache's
 * memory context, so a rule never points into a table row.  Evaluating a
 * rule reads the lead's attributes only and has no side effects.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_SCORE_RULE_H
#define LEADFLOW_SCORE_RULE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "score_math.h"

/* One active rule, ready to evaluate. */
typedef struct LfScoreRule
{
	int32		rule_id;
	int16		points;
	LfScoreOp	op;
	char	   *name;
	char	   *attribute;		/* top-level key of lead.attributes */
	int			attribute_len;
	JsonbValue	value;			/* =, <>, <, <=, >, >=: a non-null scalar */
	JsonbValue *list;			/* in: the array's elements, all scalars */
	int			nlist;
} LfScoreRule;

extern char *leadflow_score_rule_problem(LfScoreOp op, Jsonb *value);
extern void leadflow_score_rule_set_value(LfScoreRule *rule, Jsonb *value,
										  MemoryContext cxt);
extern bool leadflow_score_rule_matches(const LfScoreRule *rule,
										JsonbContainer *attributes);

#endif							/* LEADFLOW_SCORE_RULE_H */
