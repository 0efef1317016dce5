/*-------------------------------------------------------------------------
 *
 * extension/lead_event.c
 *		leadflow.lead_after(): the AFTER INSERT OR UPDATE row trigger of
 *		leadflow.lead, which appends to the lead event log and keeps the
 *		close counts the score reads; for a new lead it also has the
 *		background worker told (worker_log.c).
 *
 * It runs after the row is stored, so events can reference it.  Events:
 * stage changes, assignment changes, the SLA clock starting, the SLA met
 * or breached by the first response, and pauses.  Where the log lives is
 * resolved once per backend and re-resolved after DDL on it.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "nodes/execnodes.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "append.h"
#include "config_cache.h"
#include "lead_event.h"
#include "lead_row.h"
#include "score.h"
#include "stage.h"
#include "touch.h"
#include "worker_log.h"

PG_FUNCTION_INFO_V1(leadflow_lead_after);

/* Where events go: resolved once per backend, again after DDL on it. */
typedef enum EventColumn
{
	EC_EVENT_ID,
	EC_LEAD_ID,
	EC_HAPPENED_AT,
	EC_KIND,
	EC_FROM_VALUE,
	EC_TO_VALUE,
	EC_REP_ID,
	EC_NCOLUMNS
} EventColumn;

static const char *const event_column_names[EC_NCOLUMNS] = {
	"event_id", "lead_id", "happened_at", "kind", "from_value", "to_value",
	"rep_id"
};

static bool event_target_valid = false;
static Oid	event_relid = InvalidOid;
static Oid	event_seqid = InvalidOid;
static int	event_attindex[EC_NCOLUMNS];

/*
 * event_target_load
 *		Resolves leadflow.lead_event, its columns and its identity
 *		sequence.  Requires an open transaction.
 */
static void
event_target_load(void)
{
	Oid			nspid = get_namespace_oid("leadflow", false);
	Relation	rel;
	int			col;

	event_relid = get_relname_relid("lead_event", nspid);
	if (!OidIsValid(event_relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"leadflow.lead_event\" does not exist"),
				 errhint("Reinstall the leadflow extension.")));

	rel = table_open(event_relid, AccessShareLock);
	for (col = 0; col < EC_NCOLUMNS; col++)
	{
		int			attnum = SPI_fnumber(RelationGetDescr(rel),
										 event_column_names[col]);

		if (attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("table \"lead_event\" has no column \"%s\"",
							event_column_names[col])));
		event_attindex[col] = attnum - 1;
	}
	event_seqid = getIdentitySequence(event_relid,
									  event_attindex[EC_EVENT_ID] + 1, false);
	table_close(rel, AccessShareLock);

	event_target_valid = true;
	leadflow_cache_watch("lead_event", &event_target_valid);
}

/*
 * event_set
 *		Puts a value into one column of the event being built.
 */
static void
event_set(Datum *values, bool *nulls, EventColumn col, Datum value)
{
	values[event_attindex[col]] = value;
	nulls[event_attindex[col]] = false;
}

/*
 * leadflow_lead_event
 *		Appends one event to leadflow.lead_event.  from_value and to_value
 *		may be NULL; rep_id 0 means none.  Requires an open transaction.
 *
 *		Events are leadflow's own rows for a lead that exists (the caller
 *		holds it), so the row goes straight into the table and its indexes
 *		(append.c), without the foreign-key check an INSERT would make.
 */
void
leadflow_lead_event(int64 lead_id, TimestampTz happened_at, const char *kind,
					const char *from_value, const char *to_value,
					int32 rep_id)
{
	Relation	rel;
	Datum	   *values;
	bool	   *nulls;
	int			natts;

	if (!event_target_valid)
		event_target_load();

	rel = table_open(event_relid, RowExclusiveLock);
	natts = RelationGetDescr(rel)->natts;
	values = palloc0(sizeof(Datum) * natts);
	nulls = palloc(sizeof(bool) * natts);
	memset(nulls, true, sizeof(bool) * natts);

	event_set(values, nulls, EC_EVENT_ID,
			  Int64GetDatum(nextval_internal(event_seqid, false)));
	event_set(values, nulls, EC_LEAD_ID, Int64GetDatum(lead_id));
	event_set(values, nulls, EC_HAPPENED_AT, TimestampTzGetDatum(happened_at));
	event_set(values, nulls, EC_KIND, CStringGetTextDatum(kind));
	if (from_value)
		event_set(values, nulls, EC_FROM_VALUE,
				  CStringGetTextDatum(from_value));
	if (to_value)
		event_set(values, nulls, EC_TO_VALUE, CStringGetTextDatum(to_value));
	if (rep_id)
		event_set(values, nulls, EC_REP_ID, Int32GetDatum(rep_id));

	leadflow_append_row(rel, values, nulls);
	table_close(rel, NoLock);
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
 *		closes, -1 for the old ones when it reopens, its close changes, a
 *		closed lead moves to another channel or campaign, or it is deleted
 *		(row NULL).
 */
static void
event_count_close(const LeadRow *old_row, const LeadRow *row)
{
	char	   *old_stage = old_row ? lead_get_text(old_row, LC_STAGE) : NULL;
	char	   *new_stage = row ? lead_get_text(row, LC_STAGE) : NULL;
	bool		was_closed = leadflow_stage_is_closed(old_stage);
	bool		is_closed = leadflow_stage_is_closed(new_stage);

	/* Nothing to move unless the close or what it is counted under moved. */
	if (old_row && row && was_closed == is_closed &&
		(!is_closed ||
		 (strcmp(old_stage, new_stage) == 0 &&
		  !leadflow_lead_changed(old_row, row, LC_CHANNEL) &&
		  !leadflow_lead_changed(old_row, row, LC_CAMPAIGN_ID))))
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
				 errmsg("function \"lead_after\" must be an AFTER row trigger")));

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
		leadflow_worker_log_inserted(trigdata->tg_relation, &row);
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

		/* Latency and the SLA verdict are measured from the arrival. */
		if (leadflow_lead_changed(&old_row, &row, LC_RECEIVED_AT) ||
			leadflow_lead_changed(&old_row, &row, LC_SLA_DUE_AT))
			leadflow_touch_recompute(lead_id);
	}
	return PointerGetDatum(NULL);
}
