/*-------------------------------------------------------------------------
 *
 * extension/worker_log.c
 *		What the background worker must hear of a new lead, written by the
 *		lead's AFTER INSERT row trigger: the lead's row in the rollups'
 *		change log (leadflow.rollup_delta, sign +1), and its place in the
 *		escalation queue when its policy can escalate it.
 *
 * Updates and deletes are logged by the statement triggers of
 * sql/0.1.0/84_worker_triggers.sql, which compare old and new rows in set
 * form.  Inserts are logged here, per row, because a transition table
 * keeps a copy of every inserted lead until the statement ends and its
 * PL/pgSQL trigger then re-reads them: a third of a single-row INSERT's
 * time, and gigabytes of temporary files for a bulk COPY.  Both ways write
 * the same rows; the queue's time is the one escalation_lower_bound()
 * gives (sql/0.1.0/81_escalation.sql).
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "common/int.h"
#include "executor/spi.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "append.h"
#include "config_cache.h"
#include "owner.h"
#include "stage.h"
#include "worker_log.h"

/*
 * The change log's columns, each filled from the lead's column of the
 * same name, except sign.  Resolved once per backend, again after DDL on
 * the log or when the lead table's row type changes.
 */
static bool log_valid = false;
static Oid	log_relid = InvalidOid;
static Oid	log_lead_relid = InvalidOid;
static TupleDesc log_lead_desc = NULL;
static int	log_natts = 0;
static int	log_sign_index = -1;
static int *log_from_lead = NULL;	/* lead attribute index per column */

/* The queue: its table, primary key index and columns. */
static bool queue_valid = false;
static Oid	queue_relid = InvalidOid;
static Oid	queue_pkey = InvalidOid;
static int	queue_lead_index = -1;
static int	queue_next_index = -1;

/*
 * log_target_load
 *		Maps the columns of leadflow.rollup_delta to those of the lead
 *		table.  A column the leads lack, or of another type, is a damaged
 *		install.
 */
static void
log_target_load(Relation leadrel)
{
	TupleDesc	lead_desc = RelationGetDescr(leadrel);
	Relation	rel;
	TupleDesc	desc;
	int			i;

	log_relid = leadflow_table("rollup_delta");
	rel = table_open(log_relid, AccessShareLock);
	desc = RelationGetDescr(rel);

	if (log_from_lead)
		pfree(log_from_lead);
	log_from_lead = MemoryContextAlloc(TopMemoryContext,
									   sizeof(int) * desc->natts);
	log_natts = desc->natts;
	log_sign_index = -1;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		int			attnum;

		log_from_lead[i] = -1;
		if (att->attisdropped)
			continue;
		if (strcmp(NameStr(att->attname), "sign") == 0)
		{
			log_sign_index = i;
			continue;
		}
		attnum = SPI_fnumber(lead_desc, NameStr(att->attname));
		if (attnum <= 0 ||
			TupleDescAttr(lead_desc, attnum - 1)->atttypid != att->atttypid)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of table \"rollup_delta\" has no "
							"column of the same name and type in table "
							"\"%s\"", NameStr(att->attname),
							RelationGetRelationName(leadrel)),
					 errhint("Reinstall the leadflow extension.")));
		log_from_lead[i] = attnum - 1;
	}
	table_close(rel, AccessShareLock);
	if (log_sign_index < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"rollup_delta\" has no column \"sign\""),
				 errhint("Reinstall the leadflow extension.")));

	log_lead_relid = RelationGetRelid(leadrel);
	log_lead_desc = lead_desc;
	log_valid = true;
	leadflow_cache_watch("rollup_delta", &log_valid);
}

/*
 * queue_target_load
 *		Resolves leadflow.escalation_queue, its primary key and columns.
 */
static void
queue_target_load(void)
{
	Relation	rel;

	queue_relid = leadflow_table("escalation_queue");
	rel = table_open(queue_relid, AccessShareLock);
	queue_pkey = RelationGetPrimaryKeyIndex(rel);
	queue_lead_index = SPI_fnumber(RelationGetDescr(rel), "lead_id") - 1;
	queue_next_index = SPI_fnumber(RelationGetDescr(rel), "next_at") - 1;
	table_close(rel, AccessShareLock);
	if (!OidIsValid(queue_pkey) || queue_lead_index < 0 ||
		queue_next_index < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("table \"escalation_queue\" is not as leadflow "
						"made it"),
				 errhint("Reinstall the leadflow extension.")));
	queue_valid = true;
	leadflow_cache_watch("escalation_queue", &queue_valid);
}

/*
 * log_delta
 *		Appends the lead's figures to the change log with sign +1.
 */
static void
log_delta(Relation leadrel, const LeadRow *row)
{
	Relation	rel;
	Datum	   *values;
	bool	   *nulls;
	int			i;

	if (!log_valid || log_lead_relid != RelationGetRelid(leadrel) ||
		log_lead_desc != RelationGetDescr(leadrel))
		log_target_load(leadrel);

	rel = table_open(log_relid, RowExclusiveLock);
	values = palloc0(sizeof(Datum) * log_natts);
	nulls = palloc(sizeof(bool) * log_natts);
	for (i = 0; i < log_natts; i++)
	{
		int			from = log_from_lead[i];

		nulls[i] = from < 0 ? true : row->nulls[from];
		if (!nulls[i])
			values[i] = row->values[from];
	}
	values[log_sign_index] = Int16GetDatum(1);
	nulls[log_sign_index] = false;

	leadflow_append_row(rel, values, nulls);
	table_close(rel, NoLock);
	pfree(values);
	pfree(nulls);
}

/*
 * queue_next_at
 *		escalation_lower_bound() of the lead: the warning's time, or the
 *		due time when there is no warning or it would come later, but not
 *		before a pause ends.  A warning time beyond the timestamp range
 *		counts as none (the due time comes first anyway).
 */
static TimestampTz
queue_next_at(const LeadRow *row, const LeadflowPolicy *policy)
{
	TimestampTz due = DatumGetTimestampTz(lead_get(row, LC_SLA_DUE_AT));
	TimestampTz next = due;

	if (policy->warns && !lead_isnull(row, LC_SLA_STARTED_AT))
	{
		TimestampTz started = DatumGetTimestampTz(lead_get(row,
														   LC_SLA_STARTED_AT));
		TimestampTz warn;

		if (TIMESTAMP_IS_NOBEGIN(started))
			next = started;
		else if (!TIMESTAMP_NOT_FINITE(started) &&
				 !pg_add_s64_overflow(started, policy->warn_offset_us,
									  &warn) &&
				 IS_VALID_TIMESTAMP(warn))
			next = Min(warn, due);
	}
	if (!lead_isnull(row, LC_PAUSED_UNTIL))
		next = Max(next, DatumGetTimestampTz(lead_get(row, LC_PAUSED_UNTIL)));
	return next;
}

/*
 * queue_lead
 *		Puts the lead in the escalation queue.  A row left there for the
 *		same lead_id (a lead deleted while triggers were off) is replaced,
 *		as the queue's ON CONFLICT elsewhere does.
 */
static void
queue_lead(int64 lead_id, TimestampTz next_at)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	old;
	Datum	   *values;
	bool	   *nulls;
	int			natts;

	if (!queue_valid)
		queue_target_load();

	rel = table_open(queue_relid, RowExclusiveLock);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(lead_id));
	scan = systable_beginscan(rel, queue_pkey, true, SnapshotSelf, 1, &key);
	old = systable_getnext(scan);
	if (HeapTupleIsValid(old))
		simple_table_tuple_delete(rel, &old->t_self, GetActiveSnapshot());
	systable_endscan(scan);

	natts = RelationGetDescr(rel)->natts;
	values = palloc0(sizeof(Datum) * natts);
	nulls = palloc(sizeof(bool) * natts);
	memset(nulls, true, sizeof(bool) * natts);
	values[queue_lead_index] = Int64GetDatum(lead_id);
	nulls[queue_lead_index] = false;
	values[queue_next_index] = TimestampTzGetDatum(next_at);
	nulls[queue_next_index] = false;

	leadflow_append_row(rel, values, nulls);
	table_close(rel, NoLock);
	pfree(values);
	pfree(nulls);
}

/*
 * leadflow_worker_log_inserted
 *		Logs a lead just inserted into leadrel for the rollups, and queues
 *		it when it is open, unanswered, on the clock, and its policy has a
 *		warning or a ladder.
 */
void
leadflow_worker_log_inserted(Relation leadrel, const LeadRow *row)
{
	const LeadflowPolicy *policy;

	log_delta(leadrel, row);

	if (lead_isnull(row, LC_SLA_DUE_AT) ||
		!lead_isnull(row, LC_FIRST_RESPONSE_AT) ||
		lead_isnull(row, LC_POLICY_ID) ||
		leadflow_stage_is_closed(lead_get_text(row, LC_STAGE)))
		return;
	policy = leadflow_policy_get(DatumGetInt32(lead_get(row, LC_POLICY_ID)));
	if (policy == NULL || !policy->escalates)
		return;
	queue_lead(DatumGetInt64(lead_get(row, LC_LEAD_ID)),
			   queue_next_at(row, policy));
}
