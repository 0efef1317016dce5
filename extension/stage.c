/*-------------------------------------------------------------------------
 *
 * extension/stage.c
 *		Stage order and stage entry times.
 *
 * Open stages run new < attempting < reached < potential < hot; won,
 * lost and disqualified close the lead.  The time a lead first entered a
 * stage is kept: leaving and re-entering does not move it.  closed_at is
 * the time it last closed, NULL while open.  Stateless.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/timestamp.h"
#include "access/xact.h"

#include "stage.h"

/* Each stage, its rank on the way to a sale, and its entry-time column. */
typedef struct StageInfo
{
	const char *name;
	int			rank;
	int			column;			/* a LeadColumn, or -1 for "new" */
} StageInfo;

static const StageInfo stages[] = {
	{"new", 0, -1},
	{"attempting", 1, LC_ATTEMPTING_AT},
	{"reached", 2, LC_REACHED_AT},
	{"potential", 3, LC_POTENTIAL_AT},
	{"hot", 4, LC_HOT_AT},
	{"won", 5, LC_WON_AT},
	{"lost", 6, LC_LOST_AT},
	{"disqualified", 6, LC_DISQUALIFIED_AT},
};

/*
 * stage_find
 *		The stage called name, or NULL for NULL or an unrecognized name
 *		(which the table's CHECK constraint refuses afterwards).
 */
static const StageInfo *
stage_find(const char *name)
{
	int			i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < lengthof(stages); i++)
	{
		if (strcmp(stages[i].name, name) == 0)
			return &stages[i];
	}
	return NULL;
}

/*
 * leadflow_stage_is_closed
 *		Whether a stage closes the lead: won, lost or disqualified.
 */
bool
leadflow_stage_is_closed(const char *stage)
{
	const StageInfo *info = stage_find(stage);

	return info != NULL && info->rank >= 5;
}

/*
 * leadflow_stage_rank
 *		Rank of a stage on the way to a sale: new 0 ... hot 4, won 5, lost
 *		and disqualified 6; -1 when unrecognized.
 */
int
leadflow_stage_rank(const char *stage)
{
	const StageInfo *info = stage_find(stage);

	return info ? info->rank : -1;
}

/*
 * stage_given
 *		Whether the writer gave col in this write: a value on a new lead,
 *		or a changed one on an update.
 */
static bool
stage_given(const LeadRow *old_row, const LeadRow *row, LeadColumn col)
{
	return !lead_isnull(row, col) &&
		(old_row == NULL || leadflow_lead_changed(old_row, row, col));
}

/*
 * stage_closed_at
 *		Keeps closed_at: NULL while the lead is open; on entering a closing
 *		stage, the entry time the writer gave with it, or the time of the
 *		write; otherwise as it was, or as a writer corrected it (a writer
 *		who clears it gets the old value back; a closed lead from before,
 *		with none, gets its stage's time).  The SLA figures judge an
 *		unanswered closed lead by it, and unlike the stage's own time it
 *		moves when a reopened lead closes again.
 */
static void
stage_closed_at(const LeadRow *old_row, LeadRow *row, const StageInfo *info,
				bool entered, bool time_given)
{
	Datum		closed;

	if (info->rank < 5)
	{
		lead_set_null(row, LC_CLOSED_AT);
		return;
	}
	if (stage_given(old_row, row, LC_CLOSED_AT))
		return;
	if (!entered)
	{
		if (!lead_isnull(row, LC_CLOSED_AT))
			return;
		/* Cleared by a writer: a closed lead keeps its closing time. */
		if (old_row && !lead_isnull(old_row, LC_CLOSED_AT))
		{
			lead_set(row, LC_CLOSED_AT, lead_get(old_row, LC_CLOSED_AT));
			return;
		}
	}
	if ((time_given || !entered) &&
		!lead_isnull(row, (LeadColumn) info->column))
		closed = lead_get(row, (LeadColumn) info->column);
	else
		closed = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	lead_set(row, LC_CLOSED_AT, closed);
}

/*
 * leadflow_stage_enter
 *		When the lead is new (old_row NULL) or its stage changed, records
 *		the time it entered the new stage, unless it entered it before or
 *		the writer gave the time; and keeps closed_at (stage_closed_at).
 */
void
leadflow_stage_enter(const LeadRow *old_row, LeadRow *row)
{
	const StageInfo *info;
	char	   *stage = lead_get_text(row, LC_STAGE);
	bool		entered;
	bool		time_given = false;

	info = stage_find(stage);
	if (info == NULL)
		return;
	entered = old_row == NULL || leadflow_lead_changed(old_row, row, LC_STAGE);
	if (entered && info->column >= 0)
	{
		time_given = stage_given(old_row, row, (LeadColumn) info->column);
		if (lead_isnull(row, (LeadColumn) info->column))
			lead_set(row, (LeadColumn) info->column,
					 TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()));
	}
	stage_closed_at(old_row, row, info, entered, time_given);
}
