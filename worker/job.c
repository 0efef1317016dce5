/*-------------------------------------------------------------------------
 *
 * worker/job.c
 *		The job worker: connects to one database as the chosen role, runs
 *		one job once, reports the outcome to the launcher and exits.
 *
 * A run is a short list of transactions, none held across a wait: (1)
 * check that leadflow is installed and no restore is in progress, mark
 * orphaned runs failed, and commit a "running" row in leadflow.job_run;
 * (2) the work, under leadflow.job_timeout, its error caught and kept;
 * (3) the row's result.  The probe, which finds out whether leadflow is
 * installed at all, connects without a role (as the bootstrap superuser)
 * but reads only the catalogs.
 *
 * Shared state: the worker writes the result fields of its own job slot
 * once, and only while the slot's generation matches the one the launcher
 * started it for (see shared.h).  An exit callback reports a run that a
 * FATAL error or SIGTERM cut short; a kill -9 leaves no report and the
 * launcher records a crash.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "job.h"
#include "jobrun.h"
#include "settings.h"
#include "shared.h"
#include "train.h"

/* Repeated warnings about one job's failures: at most one per minute. */
#define JOB_WARN_EVERY_MS (60 * 1000L)

/* What this run found; copied into the job slot by job_report. */
typedef struct JobOutcome
{
	LeadflowRunStatus status;
	int64		rows;
	TimestampTz hint;
	Oid			ext_owner;
	LeadflowProbeResult probe_result;
	int			sqlerrcode;		/* of the error kept in error[] */
	char		error[LEADFLOW_MESSAGE_LEN];
} JobOutcome;

static LeadflowJobArgs job_args;
static int	job_slotno;
static bool job_reported = false;
static JobOutcome job_outcome;
static char job_message[LEADFLOW_MESSAGE_LEN];

/* Survives the run's transactions: lists and names carried across them. */
static MemoryContext job_context = NULL;

static bool job_claim(void);
static void job_exit_callback(int code, Datum arg);
static void job_report(void);
static void job_begin(const char *activity);
static void job_commit(void);
static bool job_extension_ready(void);
static Oid	job_extension_owner(Oid extoid);
static void job_probe(void);
static bool job_start(const char *target, int64 *run_id);
static void job_finish(int64 run_id, bool ok, int64 rows, Oid matview,
					   TimestampTz started);
static void job_single(void);
static bool job_unit(int64 *rows, bool *more);
static void job_matviews(void);
static bool job_matview_list(List **due, TimestampTz *next_due, bool sweep);
static bool job_matview_unit(Oid matview);
static char *job_matview_name(Oid matview);
static void job_keep_error(void);
static void job_warn_failure(const char *target);
static bool job_may_warn(NameData *dbname);
static void job_warn_partial(const char *message);

/*
 * leadflow_job_main
 *		Entry point of a job worker.  Handlers are installed and the exit
 *		callback registered before the connection, so that a FATAL while
 *		connecting (database dropped, role gone) is still reported.
 *		Always ends with exit code 0: the launcher decides about retries.
 */
void
leadflow_job_main(Datum main_arg)
{
	memcpy(&job_args, MyBgworkerEntry->bgw_extra, sizeof(job_args));
	job_slotno = DatumGetInt32(main_arg);
	memset(&job_outcome, 0, sizeof(job_outcome));
	job_outcome.status = LEADFLOW_RUN_FAILED;
	job_context = AllocSetContextCreate(TopMemoryContext, "leadflow job",
										ALLOCSET_DEFAULT_SIZES);

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	leadflow_shared_check_layout();
	before_shmem_exit(job_exit_callback, (Datum) 0);
	BackgroundWorkerUnblockSignals();

	if (!job_claim())
	{
		job_outcome.status = LEADFLOW_RUN_SKIPPED;
		job_report();
		proc_exit(0);
	}
	BackgroundWorkerInitializeConnectionByOid(job_args.dboid, job_args.role,
											  0);

	/*
	 * The setting, not only the status entry, so that log_line_prefix's %a
	 * and the process's own SQL see the name too.
	 */
	SetConfigOption("application_name", MyBgworkerEntry->bgw_type,
					PGC_SUSET, PGC_S_OVERRIDE);

	/* Job workers never take parallel workers from the shared budget. */
	SetConfigOption("max_parallel_workers_per_gather", "0",
					PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("search_path", "pg_catalog, pg_temp",
					PGC_SUSET, PGC_S_OVERRIDE);

	if (RecoveryInProgress())
		job_outcome.status = LEADFLOW_RUN_SKIPPED;
	else if (job_args.job == LEADFLOW_JOB_PROBE)
		job_probe();
	else if (job_args.job == LEADFLOW_JOB_MATVIEWS)
		job_matviews();
	else
		job_single();

	job_report();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}

/*
 * job_claim
 *		Publishes this process's pid in its job slot before it connects,
 *		so that the DDL guard can terminate it, and returns false when the
 *		database is held off by such DDL: either the guard sees the pid or
 *		this process sees the hold, never neither.
 */
static bool
job_claim(void)
{
	LeadflowDbSlot *db = &leadflow_shared->dbs[job_slotno];
	LeadflowJobSlot *js = &db->jobs[job_args.job];
	bool		held;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	if (js->generation == job_args.generation)
		js->pid = MyProcPid;
	held = (db->holdoff_pid != 0 &&
			db->holdoff_until > GetCurrentTimestamp());
	LWLockRelease(leadflow_shared->lock);
	return !held;
}

/*
 * job_exit_callback
 *		before_shmem_exit callback: when the process ends before its
 *		report (a FATAL error, SIGTERM), says so in the job slot.  Runs
 *		after the transaction was aborted by the callbacks registered
 *		later.
 */
static void
job_exit_callback(int code, Datum arg)
{
	if (job_reported)
		return;

	job_outcome.status = LEADFLOW_RUN_FAILED;
	if (job_outcome.error[0] == '\0')
		strlcpy(job_outcome.error,
				"job worker exited before finishing; the server log has the reason",
				LEADFLOW_MESSAGE_LEN);
	job_report();
}

/*
 * job_report
 *		Copies the outcome into the job slot, unless the launcher has since
 *		moved on to another generation of it.  Reports at most once.
 */
static void
job_report(void)
{
	LeadflowJobSlot *js;

	if (job_reported || leadflow_shared == NULL)
		return;
	job_reported = true;

	js = &leadflow_shared->dbs[job_slotno].jobs[job_args.job];
	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	if (js->generation == job_args.generation &&
		leadflow_shared->dbs[job_slotno].dboid == job_args.dboid)
	{
		js->reported = true;
		js->last_status = job_outcome.status;
		js->last_end = GetCurrentTimestamp();
		js->last_rows = job_outcome.rows;
		js->hint = job_outcome.hint;
		js->ext_owner = job_outcome.ext_owner;
		js->probe_result = job_outcome.probe_result;
		if (job_outcome.error[0] != '\0')
		{
			strlcpy(js->last_error, job_outcome.error, LEADFLOW_MESSAGE_LEN);
			js->last_error_at = js->last_end;
		}
	}
	LWLockRelease(leadflow_shared->lock);
}

/*
 * job_begin
 *		Starts a transaction with a snapshot and shows the activity in
 *		pg_stat_activity.
 */
static void
job_begin(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

/*
 * job_commit
 *		Ends the transaction job_begin started.
 */
static void
job_commit(void)
{
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * job_extension_ready
 *		Whether leadflow is installed, not being dropped, and no restore is
 *		in progress; otherwise the outcome says which and the run is
 *		skipped.  Takes a share lock on the extension, which waits for a
 *		DROP EXTENSION or ALTER EXTENSION in progress and keeps one from
 *		starting until this transaction ends.  Expects a transaction.
 */
static bool
job_extension_ready(void)
{
	Oid			extoid = get_extension_oid("leadflow", true);

	if (OidIsValid(extoid))
	{
		LockDatabaseObject(ExtensionRelationId, extoid, 0, AccessShareLock);
		if (get_extension_name(extoid) == NULL)
			extoid = InvalidOid;
	}
	if (!OidIsValid(extoid))
	{
		job_outcome.status = LEADFLOW_RUN_SKIPPED;
		job_outcome.probe_result = LEADFLOW_PROBE_NOT_INSTALLED;
		return false;
	}
	job_outcome.ext_owner = job_extension_owner(extoid);
	if (leadflow_restoring)
	{
		job_outcome.status = LEADFLOW_RUN_SKIPPED;
		job_outcome.probe_result = LEADFLOW_PROBE_RESTORING;
		return false;
	}
	job_outcome.probe_result = LEADFLOW_PROBE_INSTALLED;
	return true;
}

/*
 * job_extension_owner
 *		The owner of the extension with this OID, read from pg_extension.
 */
static Oid
job_extension_owner(Oid extoid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner;
}

/*
 * job_probe
 *		The probe: reports whether leadflow is installed (and by whom) or a
 *		restore is in progress.  Reads catalogs only, runs no user code.
 */
static void
job_probe(void)
{
	MemoryContext context = CurrentMemoryContext;

	PG_TRY();
	{
		job_begin("leadflow: probing the database");
		if (job_extension_ready() ||
			job_outcome.probe_result == LEADFLOW_PROBE_NOT_INSTALLED)
			job_outcome.status = LEADFLOW_RUN_OK;
		job_commit();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		job_keep_error();
		job_outcome.status = LEADFLOW_RUN_FAILED;
	}
	PG_END_TRY();
}

/*
 * job_start
 *		The first transaction of a run: checks that leadflow is ready,
 *		marks runs orphaned by a crash as failed, and commits a "running"
 *		row for this run (target names what a multi-target job works on).
 *		Returns false when the run must not go on: the outcome then says
 *		why (skipped, or failed with the error, e.g. missing privileges).
 */
static bool
job_start(const char *target, int64 *run_id)
{
	MemoryContext context = CurrentMemoryContext;
	volatile bool started = false;

	PG_TRY();
	{
		job_begin("leadflow: recording the start of a run");
		if (job_extension_ready())
		{
			if (target == NULL)
				(void) leadflow_jobrun_sweep();
			*run_id = leadflow_jobrun_start(target ? "matview" :
											leadflow_job_name(job_args.job),
											target);
			started = true;
		}
		job_commit();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		job_keep_error();
		job_outcome.status = LEADFLOW_RUN_FAILED;
		started = false;
	}
	PG_END_TRY();
	return started;
}

/*
 * job_finish
 *		The last transaction of a run: records its result in its row of
 *		leadflow.job_run (and, for a materialised view, in its schedule
 *		row).  A failure to record is kept in the outcome and logged.
 */
static void
job_finish(int64 run_id, bool ok, int64 rows, Oid matview,
		   TimestampTz started)
{
	MemoryContext context = CurrentMemoryContext;
	const char *message = ok ? (job_message[0] ? job_message : NULL) :
		job_outcome.error;

	PG_TRY();
	{
		job_begin("leadflow: recording the result of a run");
		if (job_extension_ready())
		{
			leadflow_jobrun_finish(run_id, ok, rows, message);
			if (OidIsValid(matview))
				leadflow_matview_record(matview, started, ok, message);
			job_outcome.status = ok ? LEADFLOW_RUN_OK : LEADFLOW_RUN_FAILED;
		}
		job_commit();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		job_keep_error();
		job_outcome.status = LEADFLOW_RUN_FAILED;
		job_warn_failure(NULL);
	}
	PG_END_TRY();
}

/*
 * job_single
 *		One run of a job that is one unit of work (escalate, rollup,
 *		prune, train), between its start mark and its result in leadflow.job_run.
 */
static void
job_single(void)
{
	int64		run_id = 0;
	int64		rows = 0;
	bool		more = false;
	bool		ok;

	if (!job_start(NULL, &run_id))
	{
		if (job_outcome.status == LEADFLOW_RUN_FAILED)
			job_warn_failure(NULL);
		return;
	}

	ok = job_unit(&rows, &more);
	if (!ok)
		job_warn_failure(NULL);
	job_finish(run_id, ok, rows, InvalidOid, 0);

	job_outcome.rows = rows;
	if (ok && more)
		job_outcome.hint = GetCurrentTimestamp();
}

/*
 * job_unit
 *		The work of one run in its own transaction, limited by
 *		leadflow.job_timeout.  An error is caught, its message kept in the
 *		outcome, and the transaction rolled back; returns false then.  Does
 *		nothing when leadflow was dropped since the start mark.
 */
static bool
job_unit(int64 *rows, bool *more)
{
	MemoryContext context = CurrentMemoryContext;
	volatile bool ok = true;
	char	   *message = NULL;

	job_begin(MyBgworkerEntry->bgw_name);
	if (leadflow_job_timeout > 0)
		enable_timeout_after(STATEMENT_TIMEOUT, leadflow_job_timeout);
	PG_TRY();
	{
		switch (job_extension_ready() ? job_args.job : LEADFLOW_JOB_PROBE)
		{
			case LEADFLOW_JOB_PROBE:
				break;
			case LEADFLOW_JOB_ESCALATE:
				*rows = leadflow_escalate(leadflow_escalation_batch_size,
										  more, &message);
				if (message)
				{
					strlcpy(job_message, message, LEADFLOW_MESSAGE_LEN);
					job_warn_partial(message);
				}
				break;
			case LEADFLOW_JOB_ROLLUP:
				*rows = leadflow_rollup_refresh(false, &message);
				if (message)
					strlcpy(job_message, message, LEADFLOW_MESSAGE_LEN);
				break;
			case LEADFLOW_JOB_PRUNE:
				*rows = leadflow_jobrun_prune(leadflow_job_history_days);
				break;
			case LEADFLOW_JOB_TRAIN:
				*rows = leadflow_train_run(more, &message);
				if (message)
					strlcpy(job_message, message, LEADFLOW_MESSAGE_LEN);
				break;
			case LEADFLOW_JOB_MATVIEWS:
				elog(ERROR, "leadflow: job %d is not a single unit",
					 job_args.job);
		}
		disable_timeout(STATEMENT_TIMEOUT, false);
		job_commit();
	}
	PG_CATCH();
	{
		disable_timeout(STATEMENT_TIMEOUT, false);
		MemoryContextSwitchTo(context);
		job_keep_error();
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * job_keep_error
 *		Inside PG_CATCH: keeps the error's message in the outcome, clears
 *		the error state and rolls the transaction back.
 */
static void
job_keep_error(void)
{
	ErrorData  *edata = CopyErrorData();

	FlushErrorState();
	AbortCurrentTransaction();
	strlcpy(job_outcome.error, edata->message, LEADFLOW_MESSAGE_LEN);
	job_outcome.sqlerrcode = edata->sqlerrcode;
	FreeErrorData(edata);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * job_warn_failure
 *		Logs a failed run as a WARNING, at most once a minute per job and
 *		database (the time of the last warning is kept in the job slot);
 *		more often only at DEBUG1.
 */
static void
job_warn_failure(const char *target)
{
	NameData	dbname;
	bool		loud = job_may_warn(&dbname);

	ereport(loud ? WARNING : DEBUG1,
			(errcode(job_outcome.sqlerrcode),
			 errmsg("leadflow job \"%s\" failed in database \"%s\"%s%s%s: %s",
					leadflow_job_name(job_args.job),
					NameStr(dbname),
					target ? " for \"" : "", target ? target : "",
					target ? "\"" : "",
					job_outcome.error),
			 errdetail("The job is retried after a back-off; "
					   "leadflow.worker_status shows its last error.")));
}

/*
 * job_warn_partial
 *		Logs a run that succeeded but had to leave some of its work for
 *		the next run, as a WARNING sharing the job's limit of one a minute
 *		per database with job_warn_failure; more often only at DEBUG1.
 */
static void
job_warn_partial(const char *message)
{
	NameData	dbname;
	bool		loud = job_may_warn(&dbname);

	ereport(loud ? WARNING : DEBUG1,
			(errmsg("leadflow job \"%s\" in database \"%s\": %s",
					leadflow_job_name(job_args.job), NameStr(dbname),
					message),
			 errdetail("The run went on with the rest of its work; "
					   "leadflow.job_run keeps the message.")));
}

/*
 * job_may_warn
 *		Whether this run may log its trouble as a WARNING: at most once a
 *		minute per job and database, the time of the last one kept in the
 *		job slot (and only while the slot is still this run's).  Copies
 *		the database's name to *dbname for the message.
 */
static bool
job_may_warn(NameData *dbname)
{
	LeadflowJobSlot *js = &leadflow_shared->dbs[job_slotno].jobs[job_args.job];
	TimestampTz now = GetCurrentTimestamp();
	bool		loud = false;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	*dbname = leadflow_shared->dbs[job_slotno].dbname;
	if (js->generation == job_args.generation &&
		now - js->warned_at >= JOB_WARN_EVERY_MS * 1000)
	{
		js->warned_at = now;
		loud = true;
	}
	LWLockRelease(leadflow_shared->lock);
	return loud;
}

/*
 * job_matviews
 *		Refreshes every registered materialised view that is due, each in
 *		its own transaction with its own row in leadflow.job_run, so that a
 *		broken view fails alone.  Asks the launcher to come back when the
 *		next view is due.
 */
static void
job_matviews(void)
{
	List	   *due = NIL;
	ListCell   *lc;
	TimestampTz next_due = 0;
	int64		done = 0;
	bool		all_ok;

	all_ok = job_matview_list(&due, &next_due, true);
	foreach(lc, due)
	{
		if (job_matview_unit(lfirst_oid(lc)))
			done++;
		else
			all_ok = false;
	}

	/* The next due time, as the refreshes just moved it. */
	if (due != NIL)
		all_ok &= job_matview_list(NULL, &next_due, false);

	if (job_outcome.probe_result == LEADFLOW_PROBE_INSTALLED)
		job_outcome.status = all_ok ? LEADFLOW_RUN_OK : LEADFLOW_RUN_FAILED;
	job_outcome.rows = done;
	job_outcome.hint = next_due;
}

/*
 * job_matview_list
 *		In a transaction of its own: the registered views due now (into
 *		*due, in the job's memory, unless due is NULL) and the earliest next
 *		due time of any.  Sweeps orphaned runs first when asked.  Returns
 *		false on error, with the error kept in the outcome.
 */
static bool
job_matview_list(List **due, TimestampTz *next_due, bool sweep)
{
	MemoryContext context = CurrentMemoryContext;
	volatile bool ok = true;

	PG_TRY();
	{
		job_begin("leadflow: looking for due materialized views");
		if (job_extension_ready())
		{
			List	   *found;

			if (sweep)
				(void) leadflow_jobrun_sweep();
			MemoryContextSwitchTo(job_context);
			found = leadflow_matview_due(next_due);
			if (due)
				*due = found;
		}
		job_commit();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		job_keep_error();
		job_warn_failure(NULL);
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(context);
	return ok;
}

/*
 * job_matview_unit
 *		Refreshes one materialised view between a start mark and a result
 *		in leadflow.job_run, and records the outcome in the view's schedule
 *		row.  Returns false only when the refresh failed (a view dropped
 *		meanwhile is skipped).
 */
static bool
job_matview_unit(Oid matview)
{
	MemoryContext context = CurrentMemoryContext;
	volatile bool ok = true;
	char	   *name;
	int64		run_id = 0;
	TimestampTz started = GetCurrentTimestamp();

	/* The name is kept for the log, in memory that outlives the run. */
	name = job_matview_name(matview);
	if (name == NULL || !job_start(name, &run_id))
		return name == NULL;

	job_begin(MyBgworkerEntry->bgw_name);
	if (leadflow_job_timeout > 0)
		enable_timeout_after(STATEMENT_TIMEOUT, leadflow_job_timeout);
	PG_TRY();
	{
		if (job_extension_ready())
			leadflow_matview_refresh(matview, name);
		disable_timeout(STATEMENT_TIMEOUT, false);
		job_commit();
	}
	PG_CATCH();
	{
		disable_timeout(STATEMENT_TIMEOUT, false);
		MemoryContextSwitchTo(context);
		job_keep_error();
		ok = false;
	}
	PG_END_TRY();
	if (!ok)
		job_warn_failure(name);

	job_message[0] = '\0';
	job_finish(run_id, ok, ok ? 1 : 0, matview, started);
	return ok;
}

/*
 * job_matview_name
 *		The name of a registered view, copied into the job's memory, or
 *		NULL when it is gone (or the catalog could not be read).
 */
static char *
job_matview_name(Oid matview)
{
	MemoryContext context = CurrentMemoryContext;
	char	   *volatile name = NULL;

	PG_TRY();
	{
		job_begin("leadflow: naming a materialized view");
		if (job_extension_ready() && get_rel_name(matview) != NULL)
			name = MemoryContextStrdup(job_context, get_rel_name(matview));
		job_commit();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		job_keep_error();
		name = NULL;
	}
	PG_END_TRY();
	return name;
}
