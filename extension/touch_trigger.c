/*-------------------------------------------------------------------------
 *
 * extension/touch_trigger.c
 *		The row triggers of leadflow.touch, which keep each lead's first
 *		response, latency, SLA verdict, reach and touch counts equal to a
 *		recomputation from its touches.
 *
 * Touches may arrive out of order, be corrected or deleted, so the lead's
 * figures are never updated incrementally: after every change the lead's
 * touches are read again and the figures recomputed.
 *
 * Concurrency: touch_before locks the lead row (FOR NO KEY UPDATE, which
 * does not conflict with the foreign-key check's KEY SHARE lock) before
 * the touch is written, so writers of touches on one lead queue up.  The
 * recomputation in touch_after runs on a fresh snapshot (READ COMMITTED),
 * after the previous writer committed, and so sees its touch: concurrent
 * first touches end with exactly one first response.  Saved plans are per
 * backend.  Reads and writes of leadflow's tables run as their owner
 * (owner.c): a role that may write touches need not update leads.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "calendar.h"
#include "config_cache.h"
#include "owner.h"
#include "settings.h"
#include "stage.h"
#include "touch.h"

PG_FUNCTION_INFO_V1(leadflow_touch_before);
PG_FUNCTION_INFO_V1(leadflow_touch_after);

/* What the recomputation needs to know about the lead. */
typedef struct TouchLead
{
	bool		found;
	TimestampTz received_at;
	bool		has_due;
	TimestampTz due;
	int32		policy_id;		/* 0 when none */
	char	   *stage;
	bool		has_attempting;
	TimestampTz attempting_at;
	bool		has_reached;
	TimestampTz reached_at;
} TouchLead;

/* The figures recomputed from the lead's touches. */
typedef struct TouchFigures
{
	int64		first_touch_id; /* 0 when no response */
	TimestampTz first_at;
	int64		reach_touch_id; /* 0 when not reached */
	TimestampTz reach_at;
	int32		attempts_before_reach;
	int32		outbound;
	bool		has_attempt;
	TimestampTz attempt_at;
	bool		has_last;
	TimestampTz last_at;
} TouchFigures;

static SPIPlanPtr touch_lock_plan = NULL;
static SPIPlanPtr touch_list_plan = NULL;
static SPIPlanPtr touch_update_plan = NULL;

/*
 * touch_keep_plan
 *		Prepares a statement once per backend.  Plans are made afresh for
 *		each call: a generic plan chosen while the tables were small (the
 *		first touches of a bulk load) would keep scanning whole tables.
 */
static SPIPlanPtr
touch_keep_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare_cursor(sql, nargs, types,
										   CURSOR_OPT_CUSTOM_PLAN);

		if (p == NULL)
			elog(ERROR, "could not prepare touch statement: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*plan = p;
	}
	return *plan;
}

/*
 * touch_lock_lead
 *		Locks the lead row and reads what the recomputation needs.  Must
 *		run inside SPI.  lead->found is false when the lead does not exist
 *		(the foreign key then refuses the touch) or is being deleted.
 */
static void
touch_lock_lead(int64 lead_id, TouchLead *lead)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1];
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;

	touch_keep_plan(&touch_lock_plan,
					"SELECT received_at, sla_due_at, policy_id, stage,"
					" attempting_at, reached_at"
					" FROM leadflow.lead"
					" WHERE lead_id OPERATOR(pg_catalog.=) $1"
					" FOR NO KEY UPDATE", 1, types);
	args[0] = Int64GetDatum(lead_id);
	if (SPI_execute_plan(touch_lock_plan, args, NULL, false, 1) !=
		SPI_OK_SELECT)
		elog(ERROR, "could not lock lead " INT64_FORMAT, lead_id);

	memset(lead, 0, sizeof(*lead));
	if (SPI_processed == 0)
		return;

	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	lead->found = true;
	lead->received_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 1,
														  &isnull));
	d = SPI_getbinval(row, desc, 2, &isnull);
	lead->has_due = !isnull;
	lead->due = isnull ? 0 : DatumGetTimestampTz(d);
	d = SPI_getbinval(row, desc, 3, &isnull);
	lead->policy_id = isnull ? 0 : DatumGetInt32(d);
	lead->stage = SPI_getvalue(row, desc, 4);
	d = SPI_getbinval(row, desc, 5, &isnull);
	lead->has_attempting = !isnull;
	lead->attempting_at = isnull ? 0 : DatumGetTimestampTz(d);
	d = SPI_getbinval(row, desc, 6, &isnull);
	lead->has_reached = !isnull;
	lead->reached_at = isnull ? 0 : DatumGetTimestampTz(d);
}

/*
 * touch_compute
 *		Walks the lead's touches in time order and computes its figures.
 *		Touches stamped more than leadflow.early_touch_tolerance before
 *		arrival are ignored: they cannot be a response to this lead.
 *		Must run inside SPI.
 */
static void
touch_compute(int64 lead_id, const TouchLead *lead, TouchFigures *fig)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1];
	TimestampTz earliest;
	uint64		i;

	touch_keep_plan(&touch_list_plan,
					"SELECT t.touch_id, t.touched_at,"
					" t.direction OPERATOR(pg_catalog.=) 'outbound',"
					" COALESCE(r.counts_as_response, false),"
					" COALESCE(r.counts_as_reach, false)"
					" FROM leadflow.touch t"
					" LEFT JOIN LATERAL ("
					"   SELECT counts_as_response, counts_as_reach"
					"   FROM (SELECT *, 0 AS source FROM leadflow.touch_rule"
					"         UNION ALL"
					"         SELECT *, 1 FROM leadflow.touch_rule_default) tr"
					"   WHERE tr.kind OPERATOR(pg_catalog.=) t.kind"
					"     AND tr.direction OPERATOR(pg_catalog.=) t.direction"
					"     AND (tr.outcome OPERATOR(pg_catalog.=) t.outcome"
					"          OR tr.outcome OPERATOR(pg_catalog.=) '*')"
					"   ORDER BY tr.outcome OPERATOR(pg_catalog.=) '*', source"
					"   LIMIT 1) r ON true"
					" WHERE t.lead_id OPERATOR(pg_catalog.=) $1"
					" ORDER BY t.touched_at, t.touch_id", 1, types);
	args[0] = Int64GetDatum(lead_id);
	if (SPI_execute_plan(touch_list_plan, args, NULL, false, 0) !=
		SPI_OK_SELECT)
		elog(ERROR, "could not read touches of lead " INT64_FORMAT, lead_id);

	memset(fig, 0, sizeof(*fig));
	earliest = lead->received_at -
		(int64) leadflow_early_touch_tolerance * USECS_PER_SEC;

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
		TimestampTz at = DatumGetTimestampTz(SPI_getbinval(row, desc, 2,
														   &isnull));
		bool		outbound = DatumGetBool(SPI_getbinval(row, desc, 3,
														  &isnull));
		bool		response = DatumGetBool(SPI_getbinval(row, desc, 4,
														  &isnull));
		bool		reach = DatumGetBool(SPI_getbinval(row, desc, 5,
													   &isnull));

		fig->has_last = true;
		fig->last_at = at;		/* rows come in time order */
		if (at < earliest)
			continue;

		if (outbound)
		{
			fig->outbound++;
			if (fig->reach_touch_id == 0)
				fig->attempts_before_reach++;
		}
		if ((outbound || response) && !fig->has_attempt)
		{
			fig->has_attempt = true;
			fig->attempt_at = at;
		}
		if (response && fig->first_touch_id == 0)
		{
			fig->first_touch_id = id;
			fig->first_at = at;
		}
		if (reach && fig->reach_touch_id == 0)
		{
			fig->reach_touch_id = id;
			fig->reach_at = at;
		}
	}
	if (fig->reach_touch_id == 0)
		fig->attempts_before_reach = 0;
}

/*
 * touch_stage
 *		The stage the touches put the lead in.  Only the stages touches
 *		decide (new, attempting, reached) move; a later stage set by Sales,
 *		or a closed one, stays.
 */
static const char *
touch_stage(const TouchLead *lead, const TouchFigures *fig)
{
	if (leadflow_stage_rank(lead->stage) > 2 ||
		leadflow_stage_rank(lead->stage) < 0)
		return lead->stage;
	if (fig->reach_touch_id != 0)
		return "reached";
	if (fig->has_attempt)
		return "attempting";
	return "new";
}

/*
 * touch_store
 *		Writes the figures to the lead when any differs from what is there
 *		(the lead's own triggers then log the events).  Must run inside SPI.
 */
static void
touch_store(int64 lead_id, const TouchLead *lead, const TouchFigures *fig)
{
	Oid			types[13] = {INT8OID, INT8OID, TIMESTAMPTZOID, FLOAT8OID,
		FLOAT8OID, BOOLOID, INT8OID, INT4OID, INT4OID, TIMESTAMPTZOID,
	TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		args[13];
	char		nulls[13];
	bool		decided = leadflow_stage_rank(lead->stage) <= 2;
	bool		has_attempt = fig->has_attempt ||
		(!decided && lead->has_attempting);
	bool		has_reach = fig->reach_touch_id != 0 ||
		(!decided && lead->has_reached);

	touch_keep_plan(&touch_update_plan,
					"UPDATE leadflow.lead SET"
					" first_response_touch_id = $2, first_response_at = $3,"
					" response_wall_s = $4, response_business_s = $5,"
					" sla_met = $6, reached_touch_id = $7,"
					" attempts_before_reach = $8, outbound_touches = $9,"
					" last_touch_at = $10, stage = $11,"
					" attempting_at = $12, reached_at = $13"
					" WHERE lead_id OPERATOR(pg_catalog.=) $1 AND"
					" (first_response_touch_id, first_response_at,"
					"  response_wall_s, response_business_s, sla_met,"
					"  reached_touch_id, attempts_before_reach,"
					"  outbound_touches, last_touch_at, stage,"
					"  attempting_at, reached_at)"
					" IS DISTINCT FROM"
					" ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
					13, types);

	memset(nulls, ' ', sizeof(nulls));
	args[0] = Int64GetDatum(lead_id);
	if (fig->first_touch_id != 0)
	{
		TimestampTz at = Max(fig->first_at, lead->received_at);

		args[1] = Int64GetDatum(fig->first_touch_id);
		args[2] = TimestampTzGetDatum(fig->first_at);
		args[3] = Float8GetDatum((double) (at - lead->received_at) /
								 USECS_PER_SEC);
		if (lead->policy_id != 0 && leadflow_policy_get(lead->policy_id))
			args[4] = Float8GetDatum(leadflow_calendar_seconds(
				leadflow_calendar_get(
					leadflow_policy_get(lead->policy_id)->calendar_id),
				lead->received_at, at));
		else
			nulls[4] = 'n';
		args[5] = BoolGetDatum(fig->first_at <= lead->due);
		nulls[5] = lead->has_due ? ' ' : 'n';
	}
	else
		nulls[1] = nulls[2] = nulls[3] = nulls[4] = nulls[5] = 'n';

	args[6] = Int64GetDatum(fig->reach_touch_id);
	nulls[6] = fig->reach_touch_id ? ' ' : 'n';
	args[7] = Int32GetDatum(fig->attempts_before_reach);
	nulls[7] = fig->reach_touch_id ? ' ' : 'n';
	args[8] = Int32GetDatum(fig->outbound);
	args[9] = TimestampTzGetDatum(fig->last_at);
	nulls[9] = fig->has_last ? ' ' : 'n';
	args[10] = CStringGetTextDatum(touch_stage(lead, fig));
	args[11] = TimestampTzGetDatum(fig->has_attempt ? fig->attempt_at :
								   lead->attempting_at);
	nulls[11] = has_attempt ? ' ' : 'n';
	args[12] = TimestampTzGetDatum(fig->reach_touch_id ? fig->reach_at :
								   lead->reached_at);
	nulls[12] = has_reach ? ' ' : 'n';

	if (SPI_execute_plan(touch_update_plan, args, nulls, false, 0) !=
		SPI_OK_UPDATE)
		elog(ERROR, "could not update lead " INT64_FORMAT, lead_id);
}

/*
 * leadflow_touch_recompute
 *		Recomputes and stores one lead's touch figures.  Requires an open
 *		transaction; connects to SPI itself.  A lead that does not exist
 *		(or is being deleted) is skipped.
 */
void
leadflow_touch_recompute(int64 lead_id)
{
	TouchLead	lead;
	TouchFigures fig;
	LeadflowSavedUser saved;

	leadflow_become_owner(leadflow_table("lead"), &saved);
	SPI_connect();
	touch_lock_lead(lead_id, &lead);
	if (lead.found)
	{
		touch_compute(lead_id, &lead, &fig);
		touch_store(lead_id, &lead, &fig);
	}
	SPI_finish();
	leadflow_restore_user(&saved);
}

/*
 * touch_column
 *		Attribute number of a column of leadflow.touch, by name.
 */
static int
touch_column(Relation rel, const char *name)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"%s\" has no column \"%s\"",
						RelationGetRelationName(rel), name)));
	return attnum;
}

/*
 * touch_lead_id
 *		The lead_id of a touch row.
 */
static int64
touch_lead_id(Relation rel, HeapTuple tuple)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, touch_column(rel, "lead_id"),
								 RelationGetDescr(rel), &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * leadflow_touch_before
 *		BEFORE INSERT OR UPDATE FOR EACH ROW on leadflow.touch: locks the
 *		lead and sets the touch's flags (before_arrival when stamped before
 *		the lead arrived; such a touch is kept).  Returns the row to store.
 */
Datum
leadflow_touch_before(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tuple;
	TouchLead	lead;
	int64		lead_id;
	bool		isnull;
	TimestampTz touched_at;
	int			flags_att;
	Datum		flag;
	Datum		flags;
	bool		flags_null = false;
	LeadflowSavedUser saved;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"touch_before\" must be fired BEFORE INSERT OR UPDATE FOR EACH ROW")));

	rel = trigdata->tg_relation;
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	lead_id = touch_lead_id(rel, tuple);

	leadflow_become_owner(leadflow_table("lead"), &saved);
	SPI_connect();
	touch_lock_lead(lead_id, &lead);
	SPI_finish();
	leadflow_restore_user(&saved);
	if (!lead.found)
		return PointerGetDatum(tuple);

	touched_at = DatumGetTimestampTz(heap_getattr(tuple,
												  touch_column(rel, "touched_at"),
												  RelationGetDescr(rel),
												  &isnull));
	flag = CStringGetTextDatum("before_arrival");
	flags = PointerGetDatum(construct_array(&flag,
											touched_at < lead.received_at,
											TEXTOID, -1, false,
											TYPALIGN_INT));
	flags_att = touch_column(rel, "flags");
	tuple = heap_modify_tuple_by_cols(tuple, RelationGetDescr(rel), 1,
									  &flags_att, &flags, &flags_null);
	return PointerGetDatum(tuple);
}

/*
 * leadflow_touch_after
 *		AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW on leadflow.touch:
 *		recomputes the figures of the lead the touch belongs (or belonged)
 *		to.
 */
Datum
leadflow_touch_after(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	int64		old_lead = 0;
	int64		new_lead = 0;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"touch_after\" must be an AFTER row trigger")));

	rel = trigdata->tg_relation;
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		new_lead = touch_lead_id(rel, trigdata->tg_trigtuple);
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		old_lead = touch_lead_id(rel, trigdata->tg_trigtuple);
	else
	{
		old_lead = touch_lead_id(rel, trigdata->tg_trigtuple);
		new_lead = touch_lead_id(rel, trigdata->tg_newtuple);
	}

	if (new_lead != 0)
		leadflow_touch_recompute(new_lead);
	if (old_lead != 0 && old_lead != new_lead)
		leadflow_touch_recompute(old_lead);
	return PointerGetDatum(NULL);
}
