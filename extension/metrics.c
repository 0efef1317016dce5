/*-------------------------------------------------------------------------
 *
 * extension/metrics.c
 *		leadflow.merged_percentiles(list, fractions), the aggregate with
 *		which the metric views take exact medians and 90th percentiles
 *		out of the sorted lists that leadflow.rollup_daily keeps per day.
 *
 * The transition function appends every element of each list to one
 * growing array of doubles in the aggregate's memory context; the final
 * function selects the ranks each fraction needs (no full sort) and
 * interpolates between them as percentile_cont does (percentile.c).  So
 * a week's median is the median of every latency of the week, never a
 * mean of daily medians.  No shared state; the state lives in the
 * aggregate context and goes with it.
 *
 * leadflow.list_percentiles(list, fractions) gives what the aggregate
 * gives over that one list, without an aggregate: the rep views take the
 * figures of a single day from the day's one list of a rep this way, which
 * spares them an aggregate state per group.  leadflow.list_apply(list,
 * added, removed) brings one sorted list up to date for the incremental
 * refresh of the rollups.  leadflow.list_count_below(list, bound) counts
 * the values of a sorted list below a bound: the rep views count with it
 * the leads of a day whose SLA came due, unanswered, before now.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/lsyscache.h"

#include "percentile.h"

PG_FUNCTION_INFO_V1(leadflow_merged_percentiles_add);
PG_FUNCTION_INFO_V1(leadflow_merged_percentiles_final);
PG_FUNCTION_INFO_V1(leadflow_list_percentiles);
PG_FUNCTION_INFO_V1(leadflow_list_apply_sql);
PG_FUNCTION_INFO_V1(leadflow_list_count_below_sql);

/* The values gathered so far, in the aggregate context. */
typedef struct MetricsValues
{
	double	   *values;
	int64		count;
	int64		room;
	ArrayType  *fractions;		/* the call site's copy, in fn_mcxt */
} MetricsValues;

static MetricsValues *metrics_state(FunctionCallInfo fcinfo,
									MemoryContext context);
static void metrics_append(MetricsValues *state, ArrayType *list);
static Datum metrics_percentiles(FunctionCallInfo fcinfo,
								 MetricsValues *state);
static void metrics_list_values(MetricsValues *state,
								FunctionCallInfo fcinfo, int arg);

/*
 * metrics_state
 *		The transition state passed in, or a new empty one allocated in the
 *		aggregate context, with room for the first list.
 */
static MetricsValues *
metrics_state(FunctionCallInfo fcinfo, MemoryContext context)
{
	MetricsValues *state;

	if (!PG_ARGISNULL(0))
		return (MetricsValues *) PG_GETARG_POINTER(0);
	state = MemoryContextAllocZero(context, sizeof(MetricsValues));
	state->room = PG_ARGISNULL(1) ? 8 :
		Max(8, ArrayGetNItems(ARR_NDIM(PG_GETARG_ARRAYTYPE_P(1)),
							  ARR_DIMS(PG_GETARG_ARRAYTYPE_P(1))));
	state->values = MemoryContextAlloc(context,
									   state->room * sizeof(double));
	return state;
}

/*
 * metrics_append
 *		Appends the non-null elements of a double precision array to the
 *		state, growing it in the context it was allocated in (the
 *		aggregate context).  An array without NULLs is copied in one go.
 */
static void
metrics_append(MetricsValues *state, ArrayType *list)
{
	Datum	   *elements;
	bool	   *nulls;
	int			n;
	int			i;

	n = ArrayGetNItems(ARR_NDIM(list), ARR_DIMS(list));
	if (n == 0)
		return;
	if (state->count + n > state->room)
	{
		while (state->count + n > state->room)
			state->room *= 2;
		state->values = repalloc_huge(state->values,
									  state->room * sizeof(double));
	}

	/* The rollup lists hold no NULL: copy the doubles as they lie. */
	if (!ARR_HASNULL(list))
	{
		memcpy(state->values + state->count, ARR_DATA_PTR(list),
			   n * sizeof(double));
		state->count += n;
		return;
	}

	deconstruct_array(list, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elements, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i])
			state->values[state->count++] = DatumGetFloat8(elements[i]);
	pfree(elements);
	pfree(nulls);
}

/*
 * leadflow_merged_percentiles_add
 *		Transition function of leadflow.merged_percentiles(double
 *		precision[], double precision[]): adds the list's values to the
 *		state and points it at the call site's copy of the fractions (the
 *		first non-null ones seen there, kept in fn_mcxt) for the final
 *		function.  A NULL list adds nothing.  Must be called as an
 *		aggregate.
 */
Datum
leadflow_merged_percentiles_add(PG_FUNCTION_ARGS)
{
	MemoryContext context;
	MetricsValues *state;

	if (!AggCheckCallContext(fcinfo, &context))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("leadflow.merged_percentiles can only be called as an aggregate")));

	state = metrics_state(fcinfo, context);

	/* One copy of the fractions per call site, not one per group. */
	if (state->fractions == NULL && !PG_ARGISNULL(2))
	{
		if (fcinfo->flinfo->fn_extra == NULL)
		{
			MemoryContext caller;

			caller = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
			fcinfo->flinfo->fn_extra = PG_GETARG_ARRAYTYPE_P_COPY(2);
			MemoryContextSwitchTo(caller);
		}
		state->fractions = (ArrayType *) fcinfo->flinfo->fn_extra;
	}
	if (!PG_ARGISNULL(1))
		metrics_append(state, PG_GETARG_ARRAYTYPE_P(1));
	PG_RETURN_POINTER(state);
}

/*
 * leadflow_merged_percentiles_final
 *		Final function: an array holding, for each fraction, the percentile
 *		of all values gathered, as percentile_cont gives it; NULL when no
 *		value was gathered or the fractions are NULL.  Fractions outside 0
 *		to 1, NULL fractions and more than LEADFLOW_PERCENTILE_MAX_FRACTIONS
 *		of them are refused.  The selection reorders the values in place,
 *		so a later call (a window frame) finds the same multiset.
 */
Datum
leadflow_merged_percentiles_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return metrics_percentiles(fcinfo, (MetricsValues *) PG_GETARG_POINTER(0));
}

/*
 * metrics_percentiles
 *		The result of the final function for the values and fractions of
 *		state: NULL (through fcinfo) without values or fractions.
 */
static Datum
metrics_percentiles(FunctionCallInfo fcinfo, MetricsValues *state)
{
	ArrayType  *fractions;
	Datum	   *elements;
	bool	   *nulls;
	Datum	   *results;
	double		wanted[LEADFLOW_PERCENTILE_MAX_FRACTIONS];
	double		found[LEADFLOW_PERCENTILE_MAX_FRACTIONS];
	int			n;
	int			i;

	if (state->count == 0 || state->fractions == NULL)
		PG_RETURN_NULL();

	fractions = state->fractions;
	deconstruct_array(fractions, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elements, &nulls, &n);
	if (n > LEADFLOW_PERCENTILE_MAX_FRACTIONS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("at most %d percentile fractions can be asked at once",
						LEADFLOW_PERCENTILE_MAX_FRACTIONS)));
	for (i = 0; i < n; i++)
	{
		if (nulls[i] || isnan(DatumGetFloat8(elements[i])) ||
			DatumGetFloat8(elements[i]) < 0.0 ||
			DatumGetFloat8(elements[i]) > 1.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("percentile fraction must be between 0 and 1")));
		wanted[i] = DatumGetFloat8(elements[i]);
	}

	leadflow_percentiles(state->values, (size_t) state->count, wanted, found,
						 n);
	results = palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
		results[i] = Float8GetDatum(found[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(results, n, FLOAT8OID,
										  sizeof(float8), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

/*
 * leadflow_list_percentiles
 *		SQL: leadflow.list_percentiles(double precision[], double
 *		precision[]) returns double precision[] (strict).  The percentiles
 *		of the list's non-null values, exactly as merged_percentiles gives
 *		them over that one list: the same gathering and the same selection,
 *		in the function's own memory (the list is not changed).
 */
Datum
leadflow_list_percentiles(PG_FUNCTION_ARGS)
{
	ArrayType  *list = PG_GETARG_ARRAYTYPE_P(0);
	MetricsValues state;

	state.count = 0;
	state.room = Max(8, ArrayGetNItems(ARR_NDIM(list), ARR_DIMS(list)));
	state.values = palloc(state.room * sizeof(double));
	state.fractions = PG_GETARG_ARRAYTYPE_P(1);
	metrics_append(&state, list);
	return metrics_percentiles(fcinfo, &state);
}

/*
 * metrics_list_values
 *		The non-null elements of a double precision array (NULL for none)
 *		appended to the state; the state starts empty with room for n.
 */
static void
metrics_list_values(MetricsValues *state, FunctionCallInfo fcinfo, int arg)
{
	ArrayType  *list = PG_ARGISNULL(arg) ? NULL : PG_GETARG_ARRAYTYPE_P(arg);
	int			n = list ? ArrayGetNItems(ARR_NDIM(list), ARR_DIMS(list)) : 0;

	state->count = 0;
	state->room = Max(8, n);
	state->values = palloc(state->room * sizeof(double));
	state->fractions = NULL;
	if (list)
		metrics_append(state, list);
}

/*
 * leadflow_list_apply_sql
 *		SQL: leadflow.list_apply(list double precision[], added double
 *		precision[], removed double precision[]) returns double
 *		precision[].  A rollup's sorted list brought up to date by an
 *		incremental refresh: list plus added minus removed (one occurrence
 *		per removed value), sorted; NULL when nothing is left, as
 *		array_agg over no row.  NULL arrays and elements count as none.
 */
Datum
leadflow_list_apply_sql(PG_FUNCTION_ARGS)
{
	MetricsValues old;
	MetricsValues added;
	MetricsValues removed;
	Datum	   *results;
	double	   *out;
	size_t		n;
	size_t		i;

	metrics_list_values(&old, fcinfo, 0);
	metrics_list_values(&added, fcinfo, 1);
	metrics_list_values(&removed, fcinfo, 2);
	out = palloc((old.count + added.count + 1) * sizeof(double));
	n = leadflow_list_apply(old.values, old.count, added.values, added.count,
							removed.values, removed.count, out);
	if (n == 0)
		PG_RETURN_NULL();
	results = palloc(n * sizeof(Datum));
	for (i = 0; i < n; i++)
		results[i] = Float8GetDatum(out[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(results, n, FLOAT8OID,
										  sizeof(float8), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

/*
 * leadflow_list_count_below_sql
 *		SQL: leadflow.list_count_below(list double precision[], bound
 *		double precision) returns integer, not strict.  How many values of
 *		an ascending rollup list are below bound: 0 for a NULL list, NULL
 *		for a NULL bound.  A binary search (leadflow_list_count_below), as
 *		the lists the refresh writes are sorted and have no NULL element;
 *		a list with NULL elements (not one the refresh wrote) is counted
 *		one element at a time.
 */
Datum
leadflow_list_count_below_sql(PG_FUNCTION_ARGS)
{
	ArrayType  *list;
	double		bound;
	int			n;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	list = PG_GETARG_ARRAYTYPE_P(0);
	bound = PG_GETARG_FLOAT8(1);
	n = ArrayGetNItems(ARR_NDIM(list), ARR_DIMS(list));
	if (!ARR_HASNULL(list))
		PG_RETURN_INT32((int32)
						leadflow_list_count_below((const double *)
												  ARR_DATA_PTR(list),
												  n, bound));
	else
	{
		Datum	   *elems;
		bool	   *nulls;
		int			count = 0;
		int			i;

		deconstruct_array(list, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
						  TYPALIGN_DOUBLE, &elems, &nulls, &n);
		for (i = 0; i < n; i++)
			if (!nulls[i] && float8_lt(DatumGetFloat8(elems[i]), bound))
				count++;
		PG_RETURN_INT32(count);
	}
}
