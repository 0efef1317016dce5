/*-------------------------------------------------------------------------
 *
 * worker/jobrun.c
 *		Rows of leadflow.job_run: the start mark a job worker commits before
 *		it works, the result it records after, the sweep that marks runs
 *		orphaned by a crash as failed, and the pruning of old runs.
 *
 * A run row carries the pid and start time of the process that runs it;
 * a row still "running" whose process is gone (a crash, kill -9, an
 * immediate shutdown) is an orphan.  Liveness comes from the backend
 * status array, which every role may read, not from pg_stat_activity,
 * which hides other roles' backend_start.  No state of its own.
 *
 * The statements here name leadflow's tables with their schema and leave
 * functions and operators unqualified: callers run them with search_path
 * set to pg_catalog, pg_temp (job workers, and the SQL functions through
 * their SET clause).
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "jobrun.h"

static bool jobrun_process_alive(int pid, TimestampTz started);
static void jobrun_exec(const char *sql, int nargs, Oid *types,
						Datum *values, const char *nulls, int expect);

/*
 * jobrun_exec
 *		Runs one statement through SPI (already connected) and raises an
 *		internal error unless it returns the expected SPI code.
 */
static void
jobrun_exec(const char *sql, int nargs, Oid *types, Datum *values,
			const char *nulls, int expect)
{
	int			rc;

	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (rc != expect)
		elog(ERROR, "leadflow: SPI returned %d for \"%s\"", rc, sql);
}

/*
 * leadflow_jobrun_start
 *		Inserts a "running" row for a run that starts now in this process
 *		and returns its run_id.  The caller commits it before working, so
 *		that a crash during the work leaves a trace.
 */
int64
leadflow_jobrun_start(const char *job, const char *target)
{
	Oid			types[4] = {TEXTOID, TEXTOID, INT4OID, TIMESTAMPTZOID};
	Datum		values[4];
	char		nulls[4] = {' ', target ? ' ' : 'n', ' ', ' '};
	bool		isnull;
	int64		run_id;

	values[0] = CStringGetTextDatum(job);
	values[1] = target ? CStringGetTextDatum(target) : (Datum) 0;
	values[2] = Int32GetDatum(MyProcPid);
	values[3] = TimestampTzGetDatum(MyStartTimestamp);

	SPI_connect();
	jobrun_exec("INSERT INTO leadflow.job_run "
				"(job, target, started, status, pid, backend_start) "
				"VALUES ($1, $2, clock_timestamp(), 'running', "
				"$3, $4) RETURNING run_id",
				4, types, values, nulls, SPI_OK_INSERT_RETURNING);
	run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return run_id;
}

/*
 * leadflow_jobrun_finish
 *		Marks a run started by leadflow_jobrun_start as ended, ok or failed,
 *		with the rows it touched and a message (the error of a failed run).
 *		A row already marked failed by a sweep is left alone.
 */
void
leadflow_jobrun_finish(int64 run_id, bool ok, int64 rows,
					   const char *message)
{
	Oid			types[4] = {INT8OID, TEXTOID, INT8OID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ok ? ' ' : 'n', message ? ' ' : 'n'};

	values[0] = Int64GetDatum(run_id);
	values[1] = CStringGetTextDatum(ok ? "ok" : "failed");
	values[2] = Int64GetDatum(rows);
	values[3] = message ? CStringGetTextDatum(message) : (Datum) 0;

	SPI_connect();
	jobrun_exec("UPDATE leadflow.job_run "
				"SET status = $2, ended = clock_timestamp(), "
				"rows_touched = $3, message = $4 "
				"WHERE run_id = $1 AND status = 'running'",
				4, types, values, nulls, SPI_OK_UPDATE);
	SPI_finish();
}

/*
 * leadflow_jobrun_record
 *		Inserts the row of a successful run made by hand in the calling
 *		transaction: it started at started and ends now.
 */
void
leadflow_jobrun_record(const char *job, TimestampTz started, int64 rows,
					   const char *message)
{
	Oid			types[6] = {TEXTOID, TIMESTAMPTZOID, INT8OID, TEXTOID,
	INT4OID, TIMESTAMPTZOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', message ? ' ' : 'n', ' ', ' '};

	values[0] = CStringGetTextDatum(job);
	values[1] = TimestampTzGetDatum(started);
	values[2] = Int64GetDatum(rows);
	values[3] = message ? CStringGetTextDatum(message) : (Datum) 0;
	values[4] = Int32GetDatum(MyProcPid);
	values[5] = TimestampTzGetDatum(MyStartTimestamp);

	SPI_connect();
	jobrun_exec("INSERT INTO leadflow.job_run (job, started, ended, status, "
				"rows_touched, message, manual, pid, backend_start) "
				"VALUES ($1, $2, clock_timestamp(), 'ok', $3, $4, "
				"true, $5, $6)",
				6, types, values, nulls, SPI_OK_INSERT);
	SPI_finish();
}

/*
 * leadflow_jobrun_sweep
 *		Marks as failed every "running" row whose process is gone: runs cut
 *		short by a crash, a kill or an immediate shutdown.  Returns how many
 *		rows it marked.  Reads only the partial index of running rows.
 */
int64
leadflow_jobrun_sweep(void)
{
	Datum	   *orphans;
	int			norphans = 0;
	uint64		i;
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];

	SPI_connect();
	jobrun_exec("SELECT run_id, pid, backend_start FROM leadflow.job_run "
				"WHERE status = 'running'",
				0, NULL, NULL, NULL, SPI_OK_SELECT);
	orphans = palloc(sizeof(Datum) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		n1,
					n2,
					n3;
		Datum		run_id = SPI_getbinval(tup, desc, 1, &n1);
		Datum		pid = SPI_getbinval(tup, desc, 2, &n2);
		Datum		started = SPI_getbinval(tup, desc, 3, &n3);

		if (n2 || n3 ||
			!jobrun_process_alive(DatumGetInt32(pid),
								  DatumGetTimestampTz(started)))
			orphans[norphans++] = run_id;
	}
	if (norphans > 0)
	{
		values[0] = PointerGetDatum(construct_array(orphans, norphans,
													INT8OID, 8, true,
													TYPALIGN_DOUBLE));
		jobrun_exec("UPDATE leadflow.job_run "
					"SET status = 'failed', "
					"ended = clock_timestamp(), "
					"message = 'the run ended without recording a result: "
					"its process crashed, was killed, or the server stopped' "
					"WHERE run_id = ANY ($1) "
					"AND status = 'running'",
					1, types, values, NULL, SPI_OK_UPDATE);
	}
	SPI_finish();
	return norphans;
}

/*
 * jobrun_process_alive
 *		Whether a server process with this pid, started at this time, is
 *		running now.  The start time tells a reused pid from the original.
 */
static bool
jobrun_process_alive(int pid, TimestampTz started)
{
	int			n = pgstat_fetch_stat_numbackends();
	int			i;

	if (pid == MyProcPid && started == MyStartTimestamp)
		return true;
	for (i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);

		if (local != NULL &&
			local->backendStatus.st_procpid == pid &&
			local->backendStatus.st_proc_start_timestamp == started)
			return true;
	}
	return false;
}

/*
 * leadflow_jobrun_prune
 *		Deletes the finished runs that started more than days days ago and
 *		returns how many it deleted.
 */
int64
leadflow_jobrun_prune(int days)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1];
	int64		deleted;

	values[0] = Int32GetDatum(days);
	SPI_connect();
	jobrun_exec("DELETE FROM leadflow.job_run "
				"WHERE started < now() - make_interval(days => $1) "
				"AND status <> 'running'",
				1, types, values, NULL, SPI_OK_DELETE);
	deleted = SPI_processed;
	SPI_finish();
	return deleted;
}
