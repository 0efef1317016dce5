/*-------------------------------------------------------------------------
 *
 * extension/lead_row.c
 *		Taking a lead row apart by column name and putting it together.
 *
 * The map from column to attribute is per backend and rebuilt when the
 * trigger fires on a relation other than the one it was built for (after
 * DROP/CREATE EXTENSION) or whose row type changed.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "executor/spi.h"
#include "utils/datum.h"

#include "lead_row.h"

static const char *const lead_column_names[LC_NCOLUMNS] = {
	[LC_LEAD_ID] = "lead_id",
	[LC_RECEIVED_AT] = "received_at",
	[LC_CHANNEL] = "channel",
	[LC_CAMPAIGN_ID] = "campaign_id",
	[LC_CAMPAIGN_NAME] = "campaign_name",
	[LC_PHONE_RAW] = "phone_raw",
	[LC_PHONE] = "phone",
	[LC_PHONE_VALID] = "phone_valid",
	[LC_PHONE_TYPE] = "phone_type",
	[LC_EMAIL_RAW] = "email_raw",
	[LC_EMAIL] = "email",
	[LC_EMAIL_VALID] = "email_valid",
	[LC_EMAIL_KEY] = "email_key",
	[LC_ATTRIBUTES] = "attributes",
	[LC_REP_ID] = "rep_id",
	[LC_ASSIGNED_AT] = "assigned_at",
	[LC_POLICY_ID] = "policy_id",
	[LC_SLA_STARTED_AT] = "sla_started_at",
	[LC_SLA_DUE_AT] = "sla_due_at",
	[LC_PAUSED_UNTIL] = "paused_until",
	[LC_DUPLICATE_OF] = "duplicate_of",
	[LC_STAGE] = "stage",
	[LC_CLOSE_REASON] = "close_reason",
	[LC_ATTEMPTING_AT] = "attempting_at",
	[LC_REACHED_AT] = "reached_at",
	[LC_POTENTIAL_AT] = "potential_at",
	[LC_HOT_AT] = "hot_at",
	[LC_WON_AT] = "won_at",
	[LC_LOST_AT] = "lost_at",
	[LC_DISQUALIFIED_AT] = "disqualified_at",
	[LC_CLOSED_AT] = "closed_at",
	[LC_FIRST_RESPONSE_AT] = "first_response_at",
	[LC_SLA_MET] = "sla_met",
	[LC_SCORE] = "score",
	[LC_SCORE_EXPLANATION] = "score_explanation",
	[LC_SCORE_MODEL_VERSION] = "score_model_version",
	[LC_FLAGS] = "flags",
	[LC_CREATED_AT] = "created_at",
	[LC_UPDATED_AT] = "updated_at",
};

static Oid	lead_map_relid = InvalidOid;
static TupleDesc lead_map_desc = NULL;
static int	lead_map[LC_NCOLUMNS];

/*
 * lead_row_map
 *		Returns the column map for rel, building it when needed.  Raises an
 *		error when a column leadflow needs is missing (a damaged install).
 */
static const int *
lead_row_map(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			col;

	if (RelationGetRelid(rel) == lead_map_relid && desc == lead_map_desc)
		return lead_map;

	for (col = 0; col < LC_NCOLUMNS; col++)
	{
		int			attnum = SPI_fnumber(desc, lead_column_names[col]);

		if (attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("table \"%s\" has no column \"%s\"",
							RelationGetRelationName(rel),
							lead_column_names[col]),
					 errhint("Reinstall the leadflow extension.")));
		lead_map[col] = attnum - 1;
	}
	lead_map_relid = RelationGetRelid(rel);
	lead_map_desc = desc;
	return lead_map;
}

/*
 * leadflow_lead_row_open
 *		Deforms tuple (a row of rel, which must be leadflow.lead) into row,
 *		with arrays palloc'd in the current memory context.
 */
void
leadflow_lead_row_open(LeadRow *row, Relation rel, HeapTuple tuple)
{
	TupleDesc	desc = RelationGetDescr(rel);

	row->desc = desc;
	row->attnum = lead_row_map(rel);
	row->values = palloc(sizeof(Datum) * desc->natts);
	row->nulls = palloc(sizeof(bool) * desc->natts);
	heap_deform_tuple(tuple, desc, row->values, row->nulls);
}

/*
 * leadflow_lead_row_form
 *		Builds a new tuple from the row's values.
 */
HeapTuple
leadflow_lead_row_form(LeadRow *row)
{
	return heap_form_tuple(row->desc, row->values, row->nulls);
}

/*
 * leadflow_lead_changed
 *		Whether a column differs between two rows of the same relation,
 *		NULL counting as a value of its own.
 */
bool
leadflow_lead_changed(const LeadRow *old_row, const LeadRow *new_row,
					  LeadColumn col)
{
	int			i = lead_attindex(new_row, col);
	Form_pg_attribute att = TupleDescAttr(new_row->desc, i);

	if (old_row->nulls[i] != new_row->nulls[i])
		return true;
	if (new_row->nulls[i])
		return false;
	return !datumIsEqual(old_row->values[i], new_row->values[i],
						 att->attbyval, att->attlen);
}
