/*-------------------------------------------------------------------------
 *
 * extension/lead_row.h
 *		A lead row taken apart into columns, for the lead and touch
 *		triggers.
 *
 * Column positions are looked up by name once per relation and kept, so
 * the triggers never depend on the column order of leadflow.lead.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_LEAD_ROW_H
#define LEADFLOW_LEAD_ROW_H

#include "postgres.h"

#include "access/htup.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* The columns of leadflow.lead the triggers read or write. */
typedef enum LeadColumn
{
	LC_LEAD_ID,
	LC_RECEIVED_AT,
	LC_CHANNEL,
	LC_CAMPAIGN_ID,
	LC_CAMPAIGN_NAME,
	LC_PHONE_RAW,
	LC_PHONE,
	LC_PHONE_VALID,
	LC_PHONE_TYPE,
	LC_EMAIL_RAW,
	LC_EMAIL,
	LC_EMAIL_VALID,
	LC_EMAIL_KEY,
	LC_ATTRIBUTES,
	LC_REP_ID,
	LC_ASSIGNED_AT,
	LC_POLICY_ID,
	LC_SLA_STARTED_AT,
	LC_SLA_DUE_AT,
	LC_PAUSED_UNTIL,
	LC_DUPLICATE_OF,
	LC_STAGE,
	LC_CLOSE_REASON,
	LC_ATTEMPTING_AT,
	LC_REACHED_AT,
	LC_POTENTIAL_AT,
	LC_HOT_AT,
	LC_WON_AT,
	LC_LOST_AT,
	LC_DISQUALIFIED_AT,
	LC_CLOSED_AT,
	LC_FIRST_RESPONSE_AT,
	LC_SLA_MET,
	LC_SCORE,
	LC_SCORE_EXPLANATION,
	LC_SCORE_MODEL_VERSION,
	LC_FLAGS,
	LC_CREATED_AT,
	LC_UPDATED_AT,
	LC_NCOLUMNS
} LeadColumn;

/* A lead row as arrays of values, indexed by attribute number - 1. */
typedef struct LeadRow
{
	TupleDesc	desc;
	Datum	   *values;
	bool	   *nulls;
	const int  *attnum;			/* LeadColumn -> attribute index */
} LeadRow;

extern void leadflow_lead_row_open(LeadRow *row, Relation rel,
								   HeapTuple tuple);
extern HeapTuple leadflow_lead_row_form(LeadRow *row);

/*
 * Accessors by column.  Datums returned point into the row; text is
 * returned as a palloc'd C string.
 */
static inline int
lead_attindex(const LeadRow *row, LeadColumn col)
{
	return row->attnum[col];
}

static inline bool
lead_isnull(const LeadRow *row, LeadColumn col)
{
	return row->nulls[lead_attindex(row, col)];
}

static inline Datum
lead_get(const LeadRow *row, LeadColumn col)
{
	return row->values[lead_attindex(row, col)];
}

static inline char *
lead_get_text(const LeadRow *row, LeadColumn col)
{
	return lead_isnull(row, col) ? NULL : TextDatumGetCString(lead_get(row, col));
}

static inline void
lead_set(LeadRow *row, LeadColumn col, Datum value)
{
	row->values[lead_attindex(row, col)] = value;
	row->nulls[lead_attindex(row, col)] = false;
}

static inline void
lead_set_null(LeadRow *row, LeadColumn col)
{
	row->values[lead_attindex(row, col)] = (Datum) 0;
	row->nulls[lead_attindex(row, col)] = true;
}

static inline void
lead_set_text(LeadRow *row, LeadColumn col, const char *value)
{
	if (value)
		lead_set(row, col, CStringGetTextDatum(value));
	else
		lead_set_null(row, col);
}

extern bool leadflow_lead_changed(const LeadRow *old_row,
								  const LeadRow *new_row, LeadColumn col);

#endif							/* LEADFLOW_LEAD_ROW_H */
