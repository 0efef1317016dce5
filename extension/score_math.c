/*-------------------------------------------------------------------------
 *
 * extension/score_math.c
 *		Arithmetic of the lead-quality score v1.
 *
 * Pure C with no PostgreSQL headers (see score_math.h for the point
 * scale).  Stateless: safe to call from any process at any time.  Inputs
 * that cannot come from a consistent database (negative counts, more wins
 * than closes, a NaN setting) are sanitised here rather than trusted, so
 * a damaged close_stats table can skew a score but never break it.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "score_math.h"

/* Operator names as stored in leadflow.score_rule.op, indexed by LfScoreOp. */
static const char *const score_op_names[] = {
	[LF_SCORE_OP_INVALID] = NULL,
	[LF_SCORE_OP_EQ] = "=",
	[LF_SCORE_OP_NE] = "<>",
	[LF_SCORE_OP_LT] = "<",
	[LF_SCORE_OP_LE] = "<=",
	[LF_SCORE_OP_GT] = ">",
	[LF_SCORE_OP_GE] = ">=",
	[LF_SCORE_OP_IN] = "in",
	[LF_SCORE_OP_PRESENT] = "present",
	[LF_SCORE_OP_ABSENT] = "absent"
};

#define SCORE_OP_COUNT \
	((int) (sizeof(score_op_names) / sizeof(score_op_names[0])))

/*
 * leadflow_score_op_parse
 *		Returns the operator spelled exactly "name" (case matters, as in the
 *		table's CHECK constraint), or LF_SCORE_OP_INVALID for NULL or any
 *		other spelling.
 */
LfScoreOp
leadflow_score_op_parse(const char *name)
{
	int			i;

	if (name == NULL)
		return LF_SCORE_OP_INVALID;
	for (i = 1; i < SCORE_OP_COUNT; i++)
		if (strcmp(name, score_op_names[i]) == 0)
			return (LfScoreOp) i;
	return LF_SCORE_OP_INVALID;
}

/*
 * leadflow_score_op_name
 *		The stored spelling of an operator; "?" for LF_SCORE_OP_INVALID or
 *		an out-of-range value, so that it is always safe to print.
 */
const char *
leadflow_score_op_name(LfScoreOp op)
{
	if ((int) op <= 0 || (int) op >= SCORE_OP_COUNT)
		return "?";
	return score_op_names[op];
}

/*
 * leadflow_score_op_value_kind
 *		What kind of value a rule with this operator must carry.  An
 *		invalid operator is reported as taking no value; callers refuse it
 *		before asking.
 */
LfScoreValueKind
leadflow_score_op_value_kind(LfScoreOp op)
{
	switch (op)
	{
		case LF_SCORE_OP_EQ:
		case LF_SCORE_OP_NE:
			return LF_SCORE_VALUE_SCALAR;
		case LF_SCORE_OP_LT:
		case LF_SCORE_OP_LE:
		case LF_SCORE_OP_GT:
		case LF_SCORE_OP_GE:
			return LF_SCORE_VALUE_ORDERED;
		case LF_SCORE_OP_IN:
			return LF_SCORE_VALUE_LIST;
		default:
			return LF_SCORE_VALUE_NONE;
	}
}

/*
 * leadflow_score_op_holds
 *		Whether an ordering operator holds, given cmp, the sign of
 *		"attribute minus rule value" (negative, zero or positive).  Also
 *		answers "=" and "<>"; false for the other operators.
 */
bool
leadflow_score_op_holds(LfScoreOp op, int cmp)
{
	switch (op)
	{
		case LF_SCORE_OP_EQ:
			return cmp == 0;
		case LF_SCORE_OP_NE:
			return cmp != 0;
		case LF_SCORE_OP_LT:
			return cmp < 0;
		case LF_SCORE_OP_LE:
			return cmp <= 0;
		case LF_SCORE_OP_GT:
			return cmp > 0;
		case LF_SCORE_OP_GE:
			return cmp >= 0;
		default:
			return false;
	}
}

/*
 * leadflow_score_round
 *		Rounds to the nearest integer, halves away from zero, and saturates
 *		at +-1000000 (far beyond any score term), so NaN and infinities
 *		cannot reach an integer conversion.  NaN rounds to 0.
 */
int
leadflow_score_round(double x)
{
	if (isnan(x))
		return 0;
	if (x > 1000000.0)
		return 1000000;
	if (x < -1000000.0)
		return -1000000;
	if (x < 0)
		return -(int) floor(-x + 0.5);
	return (int) floor(x + 0.5);
}

/*
 * leadflow_score_contact_points
 *		Points for contact validity: LF_SCORE_PHONE_VALID for a valid phone
 *		number plus LF_SCORE_EMAIL_VALID for a valid e-mail address, or
 *		LF_SCORE_NO_VALID_CONTACT when neither is valid (missing or
 *		invalid: both leave no way to reach the lead).  A validity flag
 *		without the contact itself counts as invalid.
 */
int
leadflow_score_contact_points(bool has_phone, bool phone_valid,
							  bool has_email, bool email_valid)
{
	bool		phone_ok = has_phone && phone_valid;
	bool		email_ok = has_email && email_valid;

	if (!phone_ok && !email_ok)
		return LF_SCORE_NO_VALID_CONTACT;
	return (phone_ok ? LF_SCORE_PHONE_VALID : 0) +
		(email_ok ? LF_SCORE_EMAIL_VALID : 0);
}

/*
 * leadflow_score_duplicate_points
 *		LF_SCORE_DUPLICATE for a duplicate lead, else 0.
 */
int
leadflow_score_duplicate_points(bool duplicate)
{
	return duplicate ? LF_SCORE_DUPLICATE : 0;
}

/*
 * leadflow_score_overall_rate
 *		won / closed over all leads; 0 when nothing has closed.  Negative
 *		counts are read as 0 and wins are capped at closes.
 */
double
leadflow_score_overall_rate(int64_t won, int64_t closed)
{
	if (closed <= 0)
		return 0.0;
	if (won < 0)
		won = 0;
	if (won > closed)
		won = closed;
	return (double) won / (double) closed;
}

/*
 * leadflow_score_smoothed_rate
 *		A channel's or a campaign's won rate pulled toward the overall rate:
 *		(won + m * overall) / (closed + m), m being "smoothing" (the weight,
 *		in closed leads, of the overall rate).  With few closes the result
 *		stays near the overall rate; with many it approaches won / closed.
 *		When closed + m is 0 (no closes and no smoothing) there is nothing
 *		to go on and the overall rate itself is returned.  Counts are
 *		sanitised as in leadflow_score_overall_rate; a negative or NaN
 *		smoothing counts as 0.
 */
double
leadflow_score_smoothed_rate(int64_t won, int64_t closed, double overall,
							 double smoothing)
{
	double		denominator;

	if (closed < 0)
		closed = 0;
	if (won < 0)
		won = 0;
	if (won > closed)
		won = closed;
	if (!(smoothing > 0.0))
		smoothing = 0.0;

	denominator = (double) closed + smoothing;
	if (!(denominator > 0.0) || isinf(smoothing))
		return overall;
	return ((double) won + smoothing * overall) / denominator;
}

/*
 * leadflow_score_history_points
 *		Points for a smoothed won rate against the overall rate:
 *		LF_SCORE_HISTORY_PER_DOUBLING * log2(smoothed / overall), rounded
 *		and capped at +-LF_SCORE_HISTORY_CAP.  Twice the overall rate earns
 *		+10, half of it -10, the same rate 0.  With no overall rate (no
 *		wins yet anywhere) history says nothing and gives 0; a smoothed
 *		rate of 0 (possible only without smoothing) gives the lowest
 *		points.
 */
int
leadflow_score_history_points(double smoothed, double overall)
{
	int			points;

	if (!(overall > 0.0) || isinf(overall) || isnan(smoothed))
		return 0;
	if (!(smoothed > 0.0))
		return -LF_SCORE_HISTORY_CAP;

	points = leadflow_score_round(LF_SCORE_HISTORY_PER_DOUBLING *
								  log2(smoothed / overall));
	if (points > LF_SCORE_HISTORY_CAP)
		return LF_SCORE_HISTORY_CAP;
	if (points < -LF_SCORE_HISTORY_CAP)
		return -LF_SCORE_HISTORY_CAP;
	return points;
}

/*
 * leadflow_score_clamp
 *		The sum of all terms, clamped into LF_SCORE_MIN..LF_SCORE_MAX.
 */
int
leadflow_score_clamp(int64_t total)
{
	if (total < LF_SCORE_MIN)
		return LF_SCORE_MIN;
	if (total > LF_SCORE_MAX)
		return LF_SCORE_MAX;
	return (int) total;
}

/*
 * score_digits
 *		Number of ASCII digits at s[*pos] onward (within len), advancing
 *		*pos past them.
 */
static size_t
score_digits(const char *s, size_t len, size_t *pos)
{
	size_t		start = *pos;

	while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9')
		(*pos)++;
	return *pos - start;
}

/*
 * leadflow_score_number_text
 *		Whether the len bytes at s spell a JSON number exactly (an optional
 *		minus, an integer part without leading zeros, an optional fraction,
 *		an optional exponent), with no spaces around it.  Texts longer than
 *		LF_SCORE_NUMBER_TEXT_MAX bytes and exponents of more than three
 *		digits are refused, which keeps every accepted text within what
 *		PostgreSQL's numeric input accepts without error.  s need not be
 *		NUL-terminated.
 */
bool
leadflow_score_number_text(const char *s, size_t len)
{
	size_t		pos = 0;
	size_t		n;

	if (s == NULL || len == 0 || len > LF_SCORE_NUMBER_TEXT_MAX)
		return false;

	if (s[pos] == '-')
		pos++;
	n = score_digits(s, len, &pos);
	if (n == 0 || (n > 1 && s[pos - n] == '0'))
		return false;

	if (pos < len && s[pos] == '.')
	{
		pos++;
		if (score_digits(s, len, &pos) == 0)
			return false;
	}

	if (pos < len && (s[pos] == 'e' || s[pos] == 'E'))
	{
		pos++;
		if (pos < len && (s[pos] == '+' || s[pos] == '-'))
			pos++;
		n = score_digits(s, len, &pos);
		if (n == 0 || n > 3)
			return false;
	}

	return pos == len;
}
