/*-------------------------------------------------------------------------
 *
 * extension/lead_event.c
 *		leadflow.lead_after(): the AFTER INSERT OR UPDATE row trigger of
 *		leadflow.lead, which appends to the lead event log and keeps the
 *		close counts the score reads.
 *
 * It runs after the row is stored, so events can reference it.  Events:
 * stage changes, assignment changes, the SLA clock starting, the SLA met
 * or breached by the first response, and pauses.  The saved plan is per
 * backend.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "lead_event.h"
#include "lead_row.h"
#include "score.h"
#include "stage.h"

PG_FUNCTION_INFO_V1(leadflow_lead_after);

static SPIPlanPtr event_plan = NULL;

/*
 * leadflow_lead_event
 *		Appends one event to leadflow.lead_event.  from_value, to_value
 *		and details may be NULL; rep_id 0 means none.  Requires an open
 *		transaction; connects to SPI itself.
 */
void
leadflow_lead_event(int64 lead_id, TimestampTz happened_at, const char *kind,
					const char *from_value, const char *to_value,
					int32 rep_id)
{
	Datum		args[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	int			ret;

	SPI_connect();
	if (event_plan == NULL)
	{
		Oid			types[6] = {INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID,
		TEXTOID, INT4OID};

		event_plan = SPI_prepare("INSERT INTO leadflow.lead_event"
								 " (lead_id, happened_at, kind, from_value,"
								 "  to_value, rep_id)"
								 " VALUES ($1, $2, $3, $4, $5, $6)",
								 6, types);
		if (event_plan == NULL)
			elog(ERROR, "could not prepare event insert: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(event_plan);
	}

	args[0] = Int64GetDatum(lead_id);
	args[1] = TimestampTzGetDatum(happened_at);
	args[2] = CStringGetTextDatum(kind);
	args[3] = from_value ? CStringGetTextDatum(from_value) : (Datum) 0;
	nulls[3] = from_value ? ' ' : 'n';
	args[4] = to_value ? CStringGetTextDatum(to_value) : (Datum) 0;
	nulls[4] = to_value ? ' ' : 'n';
	args[5] = Int32GetDatum(rep_id);
	nulls[5] = rep_id ? ' ' : 'n';

	ret = SPI_execute_plan(event_plan, args, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not append lead event: %s",
			 SPI_result_code_string(ret));
	SPI_finish();
}

/*
 * event_ts
 *		A timestamp column, or the transaction start when it is NULL.
 */
static TimestampTz
event_ts(const LeadRow *row, LeadColumn col)
{
	if (lead_isnull(row, col))
		return GetCurrentTransactionStartTimestamp();
	return DatumGetTimestampTz(lead_get(row, col));
}

/*
 * event_rep
 *		The row's rep, or 0 when it has none.
 */
static int32
event_rep(const LeadRow *row)
{
	return lead_isnull(row, LC_REP_ID) ? 0 :
		DatumGetInt32(lead_get(row, LC_REP_ID));
}

/*
 * event_int_text
 *		An integer column as text, or NULL.
 */
static char *
event_int_text(const LeadRow *row, LeadColumn col)
{
	if (lead_isnull(row, col))
		return NULL;
	return psprintf("%d", DatumGetInt32(lead_get(row, col)));
}

/*
 * event_count_close
 *		Keeps close_stats: +1 for the lead's channel and campaign when it
 *		closes, -1 for the old ones when it reopens, its close changes or
 *		it is deleted (row NULL).
 */
static void
event_count_close(const LeadRow *old_row, const LeadRow *row)
{
	char	   *old_stage = old_row ? lead_get_text(old_row, LC_STAGE) : NULL;
	char	   *new_stage = row ? lead_get_text(row, LC_STAGE) : NULL;
	bool		was_closed = leadflow_stage_is_closed(old_stage);
	bool		is_closed = leadflow_stage_is_closed(new_stage);

	if (old_row && row && was_closed == is_closed &&
		(!is_closed || strcmp(old_stage, new_stage) == 0))
		return;

	if (was_closed)
		leadflow_score_count_close(lead_get_text(old_row, LC_CHANNEL),
								   lead_isnull(old_row, LC_CAMPAIGN_ID) ? 0 :
								   DatumGetInt32(lead_get(old_row,
														  LC_CAMPAIGN_ID)),
								   strcmp(old_stage, "won") == 0, -1);
	if (is_closed)
		leadflow_score_count_close(lead_get_text(row, LC_CHANNEL),
								   lead_isnull(row, LC_CAMPAIGN_ID) ? 0 :
								   DatumGetInt32(lead_get(row,
														  LC_CAMPAIGN_ID)),
								   strcmp(new_stage, "won") == 0, +1);
}

/*
 * event_after_insert
 *		Events of a new lead: its clock starting, its rep, and its stage
 *		when it arrived past "new" (an import).
 */
static void
event_after_insert(int64 lead_id, const LeadRow *row)
{
	char	   *stage = lead_get_text(row, LC_STAGE);

	if (!lead_isnull(row, LC_SLA_DUE_AT))
		leadflow_lead_event(lead_id, event_ts(row, LC_SLA_STARTED_AT),
							"sla_started", NULL,
							event_int_text(row, LC_POLICY_ID),
							event_rep(row));
	if (!lead_isnull(row, LC_REP_ID))
		leadflow_lead_event(lead_id, event_ts(row, LC_ASSIGNED_AT),
							"assigned", NULL, event_int_text(row, LC_REP_ID),
							event_rep(row));
	if (strcmp(stage, "new") != 0)
		leadflow_lead_event(lead_id, GetCurrentTransactionStartTimestamp(),
							"stage", "new", stage, event_rep(row));
}

/*
 * event_after_update
 *		Events of a changed lead, one per change that matters.
 */
static void
event_after_update(int64 lead_id, const LeadRow *old_row, const LeadRow *row)
{
	if (leadflow_lead_changed(old_row, row, LC_STAGE))
		leadflow_lead_event(lead_id, GetCurrentTransactionStartTimestamp(),
							"stage", lead_get_text(old_row, LC_STAGE),
							lead_get_text(row, LC_STAGE), event_rep(row));

	if (leadflow_lead_changed(old_row, row, LC_REP_ID))
		leadflow_lead_event(lead_id, event_ts(row, LC_ASSIGNED_AT),
							"assigned", event_int_text(old_row, LC_REP_ID),
							event_int_text(row, LC_REP_ID), event_rep(row));

	if (leadflow_lead_changed(old_row, row, LC_SLA_STARTED_AT) &&
		!lead_isnull(row, LC_SLA_DUE_AT))
		leadflow_lead_event(lead_id, event_ts(row, LC_SLA_STARTED_AT),
							"sla_started", NULL,
							event_int_text(row, LC_POLICY_ID),
							event_rep(row));

	/* The first response decides the SLA, once it exists. */
	if (lead_isnull(old_row, LC_FIRST_RESPONSE_AT) &&
		!lead_isnull(row, LC_FIRST_RESPONSE_AT) &&
		!lead_isnull(row, LC_SLA_MET))
		leadflow_lead_event(lead_id, event_ts(row, LC_FIRST_RESPONSE_AT),
							DatumGetBool(lead_get(row, LC_SLA_MET)) ?
							"sla_met" : "sla_breached",
							NULL, NULL, event_rep(row));

	if (leadflow_lead_changed(old_row, row, LC_PAUSED_UNTIL))
		leadflow_lead_event(lead_id, GetCurrentTransactionStartTimestamp(),
							lead_isnull(row, LC_PAUSED_UNTIL) ?
							"resumed" : "paused", NULL, NULL,
							event_rep(row));
}

/*
 * leadflow_lead_after
 *		AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW on leadflow.lead.
 */
Datum
leadflow_lead_after(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	LeadRow		row;
	LeadRow		old_row;
	int64		lead_id;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"lead_after\" must be fired AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW")));

	/* A deleted lead leaves no events, but must leave the close counts. */
	if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
	{
		leadflow_lead_row_open(&old_row, trigdata->tg_relation,
							   trigdata->tg_trigtuple);
		event_count_close(&old_row, NULL);
		return PointerGetDatum(NULL);
	}

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		leadflow_lead_row_open(&row, trigdata->tg_relation,
							   trigdata->tg_trigtuple);
		lead_id = DatumGetInt64(lead_get(&row, LC_LEAD_ID));
		event_after_insert(lead_id, &row);
		event_count_close(NULL, &row);
	}
	else
	{
		leadflow_lead_row_open(&old_row, trigdata->tg_relation,
							   trigdata->tg_trigtuple);
		leadflow_lead_row_open(&row, trigdata->tg_relation,
							   trigdata->tg_newtuple);
		lead_id = DatumGetInt64(lead_get(&row, LC_LEAD_ID));
		event_after_update(lead_id, &old_row, &row);
		event_count_close(&old_row, &row);
	}
	return PointerGetDatum(NULL);
}
