/*-------------------------------------------------------------------------
 *
 * extension/append.c
 *		Appending a row of leadflow's own bookkeeping (the event log, the
 *		rollups' change log, the escalation queue) straight into a table
 *		and its indexes.
 *
 * The write-time triggers add these rows for every lead written.  Through
 * SPI, each INSERT was parsed or planned, checked for privileges and
 * foreign keys, and cost more than the rest of a lead's work together;
 * here a row costs its heap and index insertions.  So the row must be
 * right as given: no CHECK or NOT NULL constraint, trigger, rule or
 * privilege is applied, and a unique index conflict is an error.  The
 * writing role needs no privilege on the table.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tableam.h"
#include "executor/executor.h"
#include "nodes/execnodes.h"

#include "append.h"

/*
 * leadflow_append_row
 *		Inserts one row (values and nulls in the order of the table's
 *		attributes) into rel, opened by the caller with RowExclusiveLock,
 *		and into its indexes.
 */
void
leadflow_append_row(Relation rel, Datum *values, bool *nulls)
{
	int			natts = RelationGetDescr(rel)->natts;
	EState	   *estate = CreateExecutorState();
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	TupleTableSlot *slot;

	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel),
								  &TTSOpsVirtual);

	ExecClearTuple(slot);
	memcpy(slot->tts_values, values, sizeof(Datum) * natts);
	memcpy(slot->tts_isnull, nulls, sizeof(bool) * natts);
	ExecStoreVirtualTuple(slot);

	simple_table_tuple_insert(rel, slot);
	if (rri->ri_NumIndices > 0)
		(void) ExecInsertIndexTuples(rri, slot, estate, false, false, NULL,
									 NIL);

	ExecCloseIndices(rri);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
}
