/*-------------------------------------------------------------------------
 *
 * extension/score_rule.c
 *		Score rules: checking a rule's value against its operator, copying
 *		it into the rule cache, and evaluating it over a lead's attributes;
 *		plus leadflow.score_rule_check(), the row trigger that refuses
 *		rules whose value does not fit their operator.
 *
 * What a rule means (also in the COMMENTs of sql/0.1.0/35_score.sql):
 *
 * - The rule reads one top-level key of the lead's attributes.  A key
 *   that is missing or holds JSON null is absent; attributes that are not
 *   a JSON object have no keys at all.
 * - "present" and "absent" test just that, and take no value.
 * - Every other operator is false for an absent attribute.
 * - "=", "<>" and "in" compare with a string, number or boolean, "<",
 *   "<=", ">", ">=" with a number or a string.  Numbers compare as
 *   numbers (1 = 1.0); a number in the rule also compares with a string
 *   attribute that spells a JSON number exactly ("12", "-3.5e2").  Strings
 *   compare byte by byte (the C collation: right for ISO dates and codes).
 *   Values of different kinds are never equal and never ordered, so "<>"
 *   holds for them and the ordering operators do not.
 *
 * Evaluation allocates only small, short-lived things in the caller's
 * memory context, never fails on any jsonb, and reads nothing but its
 * arguments.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
#include "utils/rel.h"

#include "score_rule.h"

PG_FUNCTION_INFO_V1(leadflow_score_rule_check);

/*
 * score_is_rule_scalar
 *		Whether a jsonb value may serve as a rule's comparison value: a
 *		string, a number or a boolean (JSON null may not: it would mean
 *		"absent", which the "absent" operator says).
 */
static bool
score_is_rule_scalar(const JsonbValue *v)
{
	return v->type == jbvString || v->type == jbvNumeric ||
		v->type == jbvBool;
}

/*
 * score_scalar_of
 *		Extracts the scalar of a scalar jsonb document into *out; false
 *		when the document is an array or an object.
 */
static bool
score_scalar_of(Jsonb *value, JsonbValue *out)
{
	if (!JB_ROOT_IS_SCALAR(value))
		return false;
	return JsonbExtractScalar(&value->root, out);
}

/*
 * score_list_problem
 *		The problem with an "in" rule's value, or NULL when it is a JSON
 *		array of strings, numbers and booleans.
 */
static char *
score_list_problem(Jsonb *value)
{
	uint32		i;
	uint32		n;

	if (!JB_ROOT_IS_ARRAY(value) || JB_ROOT_IS_SCALAR(value))
		return pstrdup("Operator \"in\" needs a JSON array of strings, numbers or booleans.");

	n = JB_ROOT_COUNT(value);
	for (i = 0; i < n; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(&value->root, i);

		if (!score_is_rule_scalar(elem))
			return psprintf("Element %u of the array is not a string, a number or a boolean.",
							i + 1);
	}
	return NULL;
}

/*
 * leadflow_score_rule_problem
 *		Checks a rule's value (NULL for SQL NULL) against its operator.
 *		Returns NULL when they fit, else a palloc'd sentence saying what is
 *		wrong, for errdetail.  The operator must be valid.
 */
char *
leadflow_score_rule_problem(LfScoreOp op, Jsonb *value)
{
	LfScoreValueKind kind = leadflow_score_op_value_kind(op);
	const char *opname = leadflow_score_op_name(op);
	JsonbValue	scalar;

	if (kind == LF_SCORE_VALUE_NONE)
	{
		if (value != NULL)
			return psprintf("Operator \"%s\" takes no value.", opname);
		return NULL;
	}
	if (value == NULL)
		return psprintf("Operator \"%s\" needs a value.", opname);

	if (kind == LF_SCORE_VALUE_LIST)
		return score_list_problem(value);

	if (kind == LF_SCORE_VALUE_ORDERED &&
		(!score_scalar_of(value, &scalar) ||
		 (scalar.type != jbvNumeric && scalar.type != jbvString)))
		return psprintf("Operator \"%s\" needs a number or a string as its value.",
						opname);
	if (!score_scalar_of(value, &scalar) || !score_is_rule_scalar(&scalar))
		return psprintf("Operator \"%s\" needs a string, a number or a boolean as its value.",
						opname);
	return NULL;
}

/*
 * score_copy_scalar
 *		Deep-copies a string, numeric or boolean JsonbValue into cxt.
 */
static void
score_copy_scalar(JsonbValue *dst, const JsonbValue *src, MemoryContext cxt)
{
	*dst = *src;
	if (src->type == jbvString)
	{
		char	   *s = MemoryContextAlloc(cxt, src->val.string.len + 1);

		memcpy(s, src->val.string.val, src->val.string.len);
		s[src->val.string.len] = '\0';
		dst->val.string.val = s;
	}
	else if (src->type == jbvNumeric)
	{
		Size		size = VARSIZE_ANY(src->val.numeric);

		dst->val.numeric = MemoryContextAlloc(cxt, size);
		memcpy(dst->val.numeric, src->val.numeric, size);
	}
}

/*
 * leadflow_score_rule_set_value
 *		Fills rule->value (or rule->list and rule->nlist for "in") from the
 *		rule's jsonb value, copying into cxt.  The caller has checked the
 *		value with leadflow_score_rule_problem; rule->op is set.
 */
void
leadflow_score_rule_set_value(LfScoreRule *rule, Jsonb *value,
							  MemoryContext cxt)
{
	JsonbValue	scalar;
	uint32		i;

	rule->value.type = jbvNull;
	rule->list = NULL;
	rule->nlist = 0;

	switch (leadflow_score_op_value_kind(rule->op))
	{
		case LF_SCORE_VALUE_NONE:
			break;
		case LF_SCORE_VALUE_SCALAR:
		case LF_SCORE_VALUE_ORDERED:
			if (score_scalar_of(value, &scalar))
				score_copy_scalar(&rule->value, &scalar, cxt);
			break;
		case LF_SCORE_VALUE_LIST:
			rule->nlist = JB_ROOT_COUNT(value);
			rule->list = MemoryContextAlloc(cxt, sizeof(JsonbValue) *
											Max(rule->nlist, 1));
			for (i = 0; i < (uint32) rule->nlist; i++)
				score_copy_scalar(&rule->list[i],
								  getIthJsonbValueFromContainer(&value->root, i),
								  cxt);
			break;
	}
}

/*
 * score_text_numeric
 *		The number a string attribute spells, or NULL when it does not
 *		spell one exactly (see leadflow_score_number_text, which also
 *		guarantees that numeric input cannot fail on what it accepts).
 */
static Numeric
score_text_numeric(const char *s, int len)
{
	char		buf[LF_SCORE_NUMBER_TEXT_MAX + 1];

	if (len < 0 || !leadflow_score_number_text(s, (size_t) len))
		return NULL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return DatumGetNumeric(DirectFunctionCall3(numeric_in,
											   CStringGetDatum(buf),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/*
 * score_string_cmp
 *		Byte-wise comparison of two strings of known length; a proper
 *		prefix sorts first.
 */
static int
score_string_cmp(const char *a, int alen, const char *b, int blen)
{
	int			r = memcmp(a, b, Min(alen, blen));

	if (r != 0)
		return r;
	return (alen > blen) - (alen < blen);
}

/*
 * score_compare
 *		Compares an attribute value with a rule value (a non-null scalar).
 *		Sets *cmp to the sign of "attribute minus value" and returns true,
 *		or returns false when the two are of kinds that do not compare.
 */
static bool
score_compare(const JsonbValue *attr, const JsonbValue *value, int *cmp)
{
	Numeric		number;

	switch (value->type)
	{
		case jbvNumeric:
			if (attr->type == jbvNumeric)
				number = attr->val.numeric;
			else if (attr->type == jbvString)
				number = score_text_numeric(attr->val.string.val,
											attr->val.string.len);
			else
				number = NULL;
			if (number == NULL)
				return false;
			*cmp = DatumGetInt32(DirectFunctionCall2(numeric_cmp,
													 NumericGetDatum(number),
													 NumericGetDatum(value->val.numeric)));
			return true;
		case jbvString:
			if (attr->type != jbvString)
				return false;
			*cmp = score_string_cmp(attr->val.string.val, attr->val.string.len,
									value->val.string.val,
									value->val.string.len);
			return true;
		case jbvBool:
			if (attr->type != jbvBool)
				return false;
			*cmp = (int) attr->val.boolean - (int) value->val.boolean;
			return true;
		default:
			return false;
	}
}

/*
 * score_equal
 *		Whether an attribute value equals a rule value.
 */
static bool
score_equal(const JsonbValue *attr, const JsonbValue *value)
{
	int			cmp;

	return score_compare(attr, value, &cmp) && cmp == 0;
}

/*
 * score_find
 *		The value of a top-level key of the attributes, or NULL when the
 *		key is missing, holds JSON null, or there are no attributes.
 */
static JsonbValue *
score_find(const LfScoreRule *rule, JsonbContainer *attributes)
{
	JsonbValue	key;
	JsonbValue *found;

	if (attributes == NULL)
		return NULL;
	key.type = jbvString;
	key.val.string.val = rule->attribute;
	key.val.string.len = rule->attribute_len;
	found = findJsonbValueFromContainer(attributes, JB_FOBJECT, &key);
	if (found != NULL && found->type == jbvNull)
		return NULL;
	return found;
}

/*
 * leadflow_score_rule_matches
 *		Whether the rule holds for a lead.  "attributes" is the root of the
 *		lead's attributes when they are a JSON object, else NULL.
 */
bool
leadflow_score_rule_matches(const LfScoreRule *rule,
							JsonbContainer *attributes)
{
	JsonbValue *attr = score_find(rule, attributes);
	int			cmp;
	int			i;

	if (rule->op == LF_SCORE_OP_PRESENT)
		return attr != NULL;
	if (rule->op == LF_SCORE_OP_ABSENT)
		return attr == NULL;
	if (attr == NULL)
		return false;

	switch (rule->op)
	{
		case LF_SCORE_OP_EQ:
			return score_equal(attr, &rule->value);
		case LF_SCORE_OP_NE:
			return !score_equal(attr, &rule->value);
		case LF_SCORE_OP_IN:
			for (i = 0; i < rule->nlist; i++)
				if (score_equal(attr, &rule->list[i]))
					return true;
			return false;
		default:
			return score_compare(attr, &rule->value, &cmp) &&
				leadflow_score_op_holds(rule->op, cmp);
	}
}

/*
 * score_column
 *		Attribute number of a named column of the trigger's table; raises
 *		an error when there is none (the trigger is on the wrong table).
 */
static int
score_column(Relation rel, const char *name)
{
	int			attnum = SPI_fnumber(rel->rd_att, name);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"%s\" has no column \"%s\"",
						RelationGetRelationName(rel), name)));
	return attnum;
}

/*
 * leadflow_score_rule_check
 *		BEFORE INSERT OR UPDATE FOR EACH ROW trigger on leadflow.score_rule.
 *		Refuses a row whose value does not fit its operator, naming the rule
 *		and saying what is wrong; returns the row unchanged otherwise.  An
 *		unrecognized operator is left to the table's CHECK constraint.
 */
Datum
leadflow_score_rule_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	row;
	int			value_attnum;
	bool		isnull;
	Datum		datum;
	LfScoreOp	op;
	char	   *name;
	char	   *problem;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be a BEFORE INSERT OR UPDATE row trigger",
						"score_rule_check")));

	rel = trigdata->tg_relation;
	row = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;

	datum = heap_getattr(row, score_column(rel, "op"), rel->rd_att, &isnull);
	op = isnull ? LF_SCORE_OP_INVALID :
		leadflow_score_op_parse(TextDatumGetCString(datum));
	if (op == LF_SCORE_OP_INVALID)
		return PointerGetDatum(row);

	value_attnum = score_column(rel, "value");
	datum = heap_getattr(row, value_attnum, rel->rd_att, &isnull);
	problem = leadflow_score_rule_problem(op, isnull ? NULL :
										  DatumGetJsonbP(datum));
	if (problem == NULL)
		return PointerGetDatum(row);

	datum = heap_getattr(row, score_column(rel, "name"), rel->rd_att, &isnull);
	name = isnull ? "" : TextDatumGetCString(datum);
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("value of score rule \"%s\" does not fit its operator \"%s\"",
					name, leadflow_score_op_name(op)),
			 errdetail_internal("%s", problem),
			 errtablecol(rel, value_attnum)));
	PG_RETURN_NULL();			/* not reached */
}
