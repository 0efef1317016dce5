/*-------------------------------------------------------------------------
 *
 * extension/stamp.c
 *		leadflow.stamp_updated_at(): a row trigger that sets the row's
 *		"updated_at" column to now(),
 *		the start time of the current transaction.
 *
 * leadflow's own tables use it, and the benchmark harness measures it as
 * the cheapest C trigger leadflow has.  Stateless.
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
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/lsyscache.h"
#include "catalog/pg_type_d.h"

PG_FUNCTION_INFO_V1(leadflow_stamp_updated_at);

/*
 * leadflow_stamp_updated_at
 *		BEFORE INSERT OR UPDATE FOR EACH ROW trigger.  Returns the new row
 *		with "updated_at" set; raises an error when the table has no
 *		timestamptz column of that name.
 */
Datum
leadflow_stamp_updated_at(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	row;
	int			attnum;
	Datum		value;
	bool		isnull = false;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"stamp_updated_at\" must be fired BEFORE INSERT OR UPDATE FOR EACH ROW")));

	rel = trigdata->tg_relation;
	row = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;

	attnum = SPI_fnumber(rel->rd_att, "updated_at");
	if (attnum <= 0 ||
		TupleDescAttr(rel->rd_att, attnum - 1)->atttypid != TIMESTAMPTZOID)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"%s\" has no timestamptz column \"updated_at\"",
						RelationGetRelationName(rel))));

	value = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	row = heap_modify_tuple_by_cols(row, rel->rd_att, 1, &attnum,
									&value, &isnull);
	return PointerGetDatum(row);
}
