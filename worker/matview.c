/*-------------------------------------------------------------------------
 *
 * worker/matview.c
 *		Refreshes of the materialised views registered in
 *		leadflow.refresh_schedule: which are due, one refresh, and the
 *		bookkeeping of its outcome.
 *
 * Each view runs on its own fixed grid of "every"; a failure backs off
 * exponentially (per view, so a broken view does not hold up the others)
 * and is recorded in the schedule row.  The job worker calls these one
 * view per transaction.  No state of its own; statements run with
 * search_path set to pg_catalog, pg_temp by the job worker.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "jobrun.h"
#include "schedule.h"

/* A failing view is retried no sooner than this, no later than the cap. */
#define MATVIEW_RETRY_FLOOR_MS 1000L
#define MATVIEW_RETRY_CAP_MS (600 * 1000L)

/*
 * leadflow_matview_due
 *		Forgets registrations whose view was dropped, then returns the OIDs
 *		of the views due now, earliest first, and sets *next_due to the
 *		earliest next_run_at of any view (0 when none is registered).
 *		The list is allocated in the caller's memory context.  Expects a
 *		transaction with a snapshot.
 */
List *
leadflow_matview_due(TimestampTz *next_due)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spi;
	List	   *due = NIL;
	uint64		i;
	bool		isnull;
	Datum		d;

	SPI_connect();
	if (SPI_execute("DELETE FROM leadflow.refresh_schedule s "
					"WHERE NOT EXISTS (SELECT 1 FROM pg_class c "
					"WHERE c.oid = s.matview)", false, 0) != SPI_OK_DELETE)
		elog(ERROR, "leadflow: could not forget dropped views");

	if (SPI_execute("SELECT matview::oid FROM leadflow.refresh_schedule "
					"WHERE next_run_at <= now() ORDER BY next_run_at",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "leadflow: could not list due views");
	for (i = 0; i < SPI_processed; i++)
	{
		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1,
						  &isnull);
		spi = MemoryContextSwitchTo(caller);
		due = lappend_oid(due, DatumGetObjectId(d));
		MemoryContextSwitchTo(spi);
	}

	if (SPI_execute("SELECT min(next_run_at) FROM leadflow.refresh_schedule",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "leadflow: could not find the next due view");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
					  &isnull);
	*next_due = isnull ? 0 : DatumGetTimestampTz(d);
	SPI_finish();
	return due;
}

/*
 * leadflow_matview_refresh
 *		Refreshes one registered view, concurrently when it was registered
 *		so.  Raises whatever error the refresh raises.  Expects a
 *		transaction with a snapshot.
 */
void
leadflow_matview_refresh(Oid matview, const char *name)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1];
	bool		concurrently = false;
	bool		isnull;
	char	   *sql;
	char	   *nspname;

	values[0] = ObjectIdGetDatum(matview);
	nspname = get_namespace_name(get_rel_namespace(matview));
	if (nspname == NULL)
		return;

	SPI_connect();
	if (SPI_execute_with_args("SELECT concurrent "
							  "FROM leadflow.refresh_schedule "
							  "WHERE matview = $1::regclass",
							  1, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadflow: could not read the schedule of view %u",
			 matview);
	if (SPI_processed == 1)
		concurrently = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												  SPI_tuptable->tupdesc, 1,
												  &isnull));
	sql = psprintf("REFRESH MATERIALIZED VIEW %s%s",
				   concurrently ? "CONCURRENTLY " : "",
				   quote_qualified_identifier(nspname, name));
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "leadflow: could not refresh view %u", matview);
	SPI_finish();
}

/*
 * leadflow_matview_record
 *		Writes the outcome of a refresh into the view's schedule row and
 *		moves its next run: to the next slot of its grid after a success,
 *		after an exponential back-off after a failure.  Expects a
 *		transaction with a snapshot.
 */
void
leadflow_matview_record(Oid matview, TimestampTz started, bool ok,
						const char *message)
{
	Oid			types[5] = {OIDOID, TIMESTAMPTZOID, TEXTOID, TEXTOID,
	TIMESTAMPTZOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', message ? ' ' : 'n', ' '};
	bool		isnull;
	int64		every_ms;
	int64		anchor_ms;
	int64		now_ms = GetCurrentTimestamp() / 1000;
	int64		next_ms;
	int			failures;
	HeapTuple	tup;
	TupleDesc	desc;

	values[0] = ObjectIdGetDatum(matview);
	SPI_connect();
	if (SPI_execute_with_args("SELECT (extract(epoch FROM every) * 1000)::int8, "
							  "next_run_at, failures "
							  "FROM leadflow.refresh_schedule "
							  "WHERE matview = $1::regclass",
							  1, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadflow: could not read the schedule of view %u",
			 matview);
	if (SPI_processed == 0)
	{
		SPI_finish();
		return;
	}
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	every_ms = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	anchor_ms = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull)) /
		1000;
	failures = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));

	if (ok)
		next_ms = leadflow_schedule_next(anchor_ms, every_ms, now_ms);
	else
		next_ms = now_ms + leadflow_schedule_backoff(every_ms, failures + 1,
													 MATVIEW_RETRY_FLOOR_MS,
													 MATVIEW_RETRY_CAP_MS);

	values[1] = TimestampTzGetDatum(started);
	values[2] = CStringGetTextDatum(ok ? "ok" : "failed");
	values[3] = message ? CStringGetTextDatum(message) : (Datum) 0;
	values[4] = TimestampTzGetDatum((TimestampTz) next_ms * 1000);
	if (SPI_execute_with_args("UPDATE leadflow.refresh_schedule "
							  "SET last_started = $2, "
							  "last_ended = clock_timestamp(), "
							  "last_status = $3, last_error = $4, "
							  "next_run_at = $5, "
							  "failures = CASE WHEN $3 = 'ok' THEN 0 "
							  "ELSE failures + 1 END "
							  "WHERE matview = $1::regclass",
							  5, types, values, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "leadflow: could not record the refresh of view %u",
			 matview);
	SPI_finish();
}
