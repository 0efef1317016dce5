/*-------------------------------------------------------------------------
 *
 * extension/score_math.h
 *		Arithmetic of the lead-quality score v1: the point scale, won-rate
 *		smoothing, history points, clamping, and the rule operators.
 *
 * Pure C with no PostgreSQL headers, so the cmocka unit tests link it
 * directly.  Every function is a function of its arguments only; there
 * is no state, shared or otherwise.
 *
 * The point scale of v1 (also in the COMMENTs of sql/0.1.0/35_score.sql):
 * a lead starts at LF_SCORE_BASE; contact validity, the duplicate flag,
 * the channel's and the campaign's history and the matching score rules
 * add or take away points; the sum is clamped to 0..100.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_SCORE_MATH_H
#define LEADFLOW_SCORE_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where every lead starts. */
#define LF_SCORE_BASE					40

/* Contact validity. */
#define LF_SCORE_PHONE_VALID			15
#define LF_SCORE_EMAIL_VALID			10
#define LF_SCORE_NO_VALID_CONTACT		(-30)

/* A duplicate of an earlier lead. */
#define LF_SCORE_DUPLICATE				(-20)

/*
 * History: points per doubling of the smoothed won rate against the
 * overall won rate, and the most a channel or a campaign can add or take.
 */
#define LF_SCORE_HISTORY_PER_DOUBLING	10
#define LF_SCORE_HISTORY_CAP			20

/* The score's range. */
#define LF_SCORE_MIN					0
#define LF_SCORE_MAX					100

/* A string attribute longer than this is never read as a number. */
#define LF_SCORE_NUMBER_TEXT_MAX		64

/* Comparison operators of a score rule. */
typedef enum LfScoreOp
{
	LF_SCORE_OP_INVALID = 0,
	LF_SCORE_OP_EQ,
	LF_SCORE_OP_NE,
	LF_SCORE_OP_LT,
	LF_SCORE_OP_LE,
	LF_SCORE_OP_GT,
	LF_SCORE_OP_GE,
	LF_SCORE_OP_IN,
	LF_SCORE_OP_PRESENT,
	LF_SCORE_OP_ABSENT
} LfScoreOp;

/* What kind of rule value an operator takes. */
typedef enum LfScoreValueKind
{
	LF_SCORE_VALUE_NONE,		/* no value: present, absent */
	LF_SCORE_VALUE_SCALAR,		/* a string, number or boolean: =, <> */
	LF_SCORE_VALUE_ORDERED,		/* a number or a string: <, <=, >, >= */
	LF_SCORE_VALUE_LIST			/* an array of scalars: in */
} LfScoreValueKind;

extern LfScoreOp leadflow_score_op_parse(const char *name);
extern const char *leadflow_score_op_name(LfScoreOp op);
extern LfScoreValueKind leadflow_score_op_value_kind(LfScoreOp op);
extern bool leadflow_score_op_holds(LfScoreOp op, int cmp);

extern int	leadflow_score_round(double x);
extern int	leadflow_score_contact_points(bool has_phone, bool phone_valid,
										  bool has_email, bool email_valid);
extern int	leadflow_score_duplicate_points(bool duplicate);
extern double leadflow_score_overall_rate(int64_t won, int64_t closed);
extern double leadflow_score_smoothed_rate(int64_t won, int64_t closed,
										   double overall, double smoothing);
extern int	leadflow_score_history_points(double smoothed, double overall);
extern int	leadflow_score_clamp(int64_t total);
extern bool leadflow_score_number_text(const char *s, size_t len);

#endif							/* LEADFLOW_SCORE_MATH_H */
