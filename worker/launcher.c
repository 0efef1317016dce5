/*-------------------------------------------------------------------------
 *
 * worker/launcher.c
 *		The launcher: one background worker per server, started by the
 *		postmaster once recovery has finished, that finds the databases
 *		where leadflow is installed and starts a short-lived job worker
 *		for every run of every job there.
 *
 * The launcher holds no database connection beyond the shared catalogs
 * (pg_database, pg_authid), so it never blocks DROP DATABASE; job workers
 * hold one only for the length of a run.  Its loop sleeps only on its
 * latch, which the postmaster also sets whenever a job worker it started
 * begins or ends (bgw_notify_pid).  Signals: SIGHUP re-reads settings,
 * SIGTERM ends the launcher and, through a before_shmem_exit callback,
 * its job workers.
 *
 * Shared state: the launcher is the only writer of the database slots and
 * of the scheduling fields of job slots (see shared.h).  The handles of
 * running job workers are process-local, in launcher_handles.  The states
 * and transitions are described in worker/README.md.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "job.h"
#include "launcher.h"
#include "schedule.h"
#include "settings.h"
#include "shared.h"
#include "train.h"

/* Seconds the postmaster waits before restarting a launcher that failed. */
#define LAUNCHER_RESTART_SECONDS 10

/* How often a prune run deletes old leadflow.job_run rows. */
#define LAUNCHER_PRUNE_INTERVAL_MS (3600 * 1000L)

/* Retry delays: never sooner than the floor, never later than the cap. */
#define LAUNCHER_RETRY_FLOOR_MS 1000L
#define LAUNCHER_RETRY_CAP_MS (600 * 1000L)

/* Repeated warnings about one condition: at most one per minute. */
#define LAUNCHER_WARN_EVERY_MS (60 * 1000L)

/* Time past leadflow.job_timeout before an overrun is cancelled. */
#define LAUNCHER_OVERRUN_GRACE_MS (5 * 1000L)

/* A database found in pg_database by one scan. */
typedef struct LauncherDb
{
	Oid			oid;
	NameData	name;
} LauncherDb;

/* Handles of running job workers: [database slot][job]. */
static BackgroundWorkerHandle **launcher_handles = NULL;
static int	launcher_running = 0;
static MemoryContext launcher_tick_context = NULL;
static TimestampTz launcher_scan_anchor = 0;
static TimestampTz launcher_next_scan = 0;
static TimestampTz launcher_next_wake = 0;
static TimestampTz launcher_slot_warned = 0;
static TimestampTz launcher_full_warned = 0;
static int	launcher_rotor = 0;

static void launcher_attach(void);
static void launcher_detach(int code, Datum arg);
static void launcher_reload_settings(void);
static void launcher_consider(TimestampTz when);
static void launcher_wait(void);
static void launcher_reap(void);
static void launcher_finish(int slotno, LeadflowJob job);
static bool launcher_apply_probe(LeadflowDbSlot *db, LeadflowJobSlot *js,
								 TimestampTz now);
static void launcher_schedule_after(LeadflowDbSlot *db, LeadflowJob job,
									TimestampTz now, bool failed);
static void launcher_scan(void);
static List *launcher_list_databases(void);
static bool launcher_database_wanted(const char *name);
static void launcher_reconcile(List *found, TimestampTz now);
static void launcher_check_roles(TimestampTz now);
static bool launcher_role_usable(LeadflowDbSlot *db, Oid *role,
								 char **problem);
static void launcher_make_ready(LeadflowDbSlot *db, TimestampTz now);
static void launcher_check_overruns(TimestampTz now);
static void launcher_launch_due(TimestampTz now);
static bool launcher_launch(int slotno, LeadflowJob job, TimestampTz now);
static int64 launcher_interval_ms(LeadflowJob job);
static void launcher_describe(BackgroundWorker *worker, int slotno,
							  LeadflowJob job, const LeadflowJobArgs *args);
static void launcher_warn_no_slot(TimestampTz now);

/*
 * leadflow_register_launcher
 *		Registers the launcher and the shared memory it keeps its state in
 *		with the postmaster.  Only valid while shared_preload_libraries is
 *		being processed.  Nothing is registered during pg_upgrade, whose
 *		servers must not run leadflow's jobs.
 */
void
leadflow_register_launcher(void)
{
	BackgroundWorker worker;

	if (IsBinaryUpgrade)
		return;

	leadflow_shared_request();
	leadflow_ddl_guard_install();

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = LAUNCHER_RESTART_SECONDS;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "leadflow");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "leadflow_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "leadflow launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "leadflow launcher");

	RegisterBackgroundWorker(&worker);
}

/*
 * leadflow_launcher_main
 *		Entry point of the launcher process.  Signal handlers are installed
 *		before signals are unblocked; the connection covers only the shared
 *		catalogs.  Each turn of the loop is a list of named steps; none
 *		holds a transaction or a snapshot across the wait.  Returns only by
 *		process exit.
 */
void
leadflow_launcher_main(Datum main_arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("leadflow launcher");
	launcher_attach();
	ereport(LOG,
			(errmsg("leadflow launcher started")));

	for (;;)
	{
		TimestampTz now;

		MemoryContextReset(launcher_tick_context);
		launcher_next_wake = 0;
		launcher_reload_settings();
		launcher_reap();

		/* Defence in depth: the postmaster starts us after recovery. */
		if (!RecoveryInProgress())
		{
			now = GetCurrentTimestamp();
			if (now >= launcher_next_scan || leadflow_shared->wake_requested)
				launcher_scan();
			now = GetCurrentTimestamp();
			launcher_check_overruns(now);
			launcher_launch_due(now);
		}
		launcher_consider(launcher_next_scan);
		launcher_wait();
	}
}

/*
 * launcher_attach
 *		Sets up the launcher's process-local state and announces it in
 *		shared memory.  The exit callback is registered first, so whatever
 *		is set up after it is always cleaned.  Database slots left by an
 *		earlier launcher keep their history but are probed again, and the
 *		job workers that launcher started are forgotten (it terminated
 *		them when it exited).
 */
static void
launcher_attach(void)
{
	int			i;
	int			job;
	TimestampTz now = GetCurrentTimestamp();

	leadflow_shared_check_layout();
	before_shmem_exit(launcher_detach, (Datum) 0);

	launcher_tick_context = AllocSetContextCreate(TopMemoryContext,
												  "leadflow launcher tick",
												  ALLOCSET_DEFAULT_SIZES);
	launcher_handles = MemoryContextAllocZero(TopMemoryContext,
											  sizeof(BackgroundWorkerHandle *) *
											  leadflow_shared->max_databases *
											  LEADFLOW_NUM_JOBS);

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	leadflow_shared->launcher_pid = MyProcPid;
	leadflow_shared->launcher_latch = MyLatch;
	leadflow_shared->launcher_started = now;
	leadflow_shared->wake_requested = false;
	for (i = 0; i < leadflow_shared->max_databases; i++)
	{
		LeadflowDbSlot *db = &leadflow_shared->dbs[i];

		if (db->state == LEADFLOW_DB_FREE)
			continue;
		db->state = LEADFLOW_DB_NEW;
		db->next_probe = now;
		for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
		{
			db->jobs[job].pid = 0;
			db->jobs[job].generation++;
			db->jobs[job].next_run = 0;
			if (db->jobs[job].last_status == LEADFLOW_RUN_RUNNING)
				db->jobs[job].last_status = LEADFLOW_RUN_CRASHED;
		}
	}
	LWLockRelease(leadflow_shared->lock);

	launcher_scan_anchor = now;
	launcher_next_scan = now;
}

/*
 * launcher_detach
 *		before_shmem_exit callback: terminates the job workers this
 *		launcher started and withdraws its latch from shared memory, so
 *		that no backend sets a latch that is about to go away.
 */
static void
launcher_detach(int code, Datum arg)
{
	int			n;
	int			i;

	if (launcher_handles != NULL)
	{
		n = leadflow_shared->max_databases * LEADFLOW_NUM_JOBS;
		for (i = 0; i < n; i++)
			if (launcher_handles[i] != NULL)
				TerminateBackgroundWorker(launcher_handles[i]);
	}

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	if (leadflow_shared->launcher_pid == MyProcPid)
	{
		leadflow_shared->launcher_pid = 0;
		leadflow_shared->launcher_latch = NULL;
	}
	LWLockRelease(leadflow_shared->lock);
}

/*
 * launcher_reload_settings
 *		Applies a pending SIGHUP: re-reads the configuration files, logs a
 *		changed naptime, and looks at the databases again at once, since
 *		leadflow.databases or leadflow.worker_role may have changed.
 */
static void
launcher_reload_settings(void)
{
	int			old_naptime = leadflow_launcher_naptime;

	if (!ConfigReloadPending)
		return;

	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
	if (old_naptime != leadflow_launcher_naptime)
		ereport(LOG,
				(errmsg("leadflow launcher naptime changed from %d s to %d s",
						old_naptime, leadflow_launcher_naptime)));
	launcher_next_scan = GetCurrentTimestamp();
}

/*
 * launcher_consider
 *		Notes a time at which the launcher has something to do; the wait
 *		ends at the earliest time noted during the turn.
 */
static void
launcher_consider(TimestampTz when)
{
	if (when != 0 && (launcher_next_wake == 0 || when < launcher_next_wake))
		launcher_next_wake = when;
}

/*
 * launcher_wait
 *		Sleeps on the latch until the earliest noted time, a signal, a job
 *		worker starting or ending, or postmaster death, then services
 *		interrupts so that a pending SIGTERM or ProcSignalBarrier is
 *		handled at once.
 */
static void
launcher_wait(void)
{
	int64		now_ms = GetCurrentTimestamp() / 1000;
	int64		due_ms = launcher_next_wake / 1000;
	int			timeout;

	timeout = leadflow_schedule_timeout(due_ms, now_ms);
	pgstat_report_activity(STATE_IDLE, NULL);
	(void) WaitLatch(MyLatch,
					 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 timeout,
					 PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * launcher_reap
 *		Finds the job workers that have ended since the last turn and
 *		records how each ended.
 */
static void
launcher_reap(void)
{
	int			slotno;
	int			job;
	pid_t		pid;

	for (slotno = 0; slotno < leadflow_shared->max_databases; slotno++)
	{
		for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
		{
			BackgroundWorkerHandle **h =
				&launcher_handles[slotno * LEADFLOW_NUM_JOBS + job];

			if (*h == NULL)
				continue;
			switch (GetBackgroundWorkerPid(*h, &pid))
			{
				case BGWH_STOPPED:
					launcher_finish(slotno, job);
					pfree(*h);
					*h = NULL;
					launcher_running--;
					break;
				case BGWH_POSTMASTER_DIED:
					proc_exit(1);
					break;
				default:
					break;
			}
		}
	}
}

/*
 * launcher_finish
 *		Records the end of a job worker: its own report, or a crash when it
 *		ended without one, then schedules the job's next run.  A crash
 *		counts as a failure and is retried after a back-off.
 */
static void
launcher_finish(int slotno, LeadflowJob job)
{
	LeadflowDbSlot *db = &leadflow_shared->dbs[slotno];
	LeadflowJobSlot *js = &db->jobs[job];
	TimestampTz now = GetCurrentTimestamp();
	bool		failed;
	bool		crashed = false;
	bool		stopped = false;
	NameData	dbname;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	js->pid = 0;
	if (!js->reported)
	{
		crashed = true;
		js->last_status = LEADFLOW_RUN_CRASHED;
		js->last_end = now;
		strlcpy(js->last_error,
				"job worker ended without reporting a result",
				LEADFLOW_MESSAGE_LEN);
		js->last_error_at = now;
	}
	failed = (js->last_status == LEADFLOW_RUN_FAILED || crashed);
	if (failed)
	{
		js->failures++;
		js->consecutive_failures++;
	}
	else
		js->consecutive_failures = 0;
	dbname = db->dbname;

	/* A database the last look let go of can give up its slot now. */
	if (!db->seen)
		launcher_next_scan = now;

	if (job == LEADFLOW_JOB_PROBE ||
		(!failed && js->probe_result != LEADFLOW_PROBE_INSTALLED))
		stopped = launcher_apply_probe(db, js, now);
	else
	{
		if (!failed && OidIsValid(js->ext_owner) &&
			js->ext_owner != db->ext_owner)
		{
			db->ext_owner = js->ext_owner;
			launcher_next_scan = now;
		}
		launcher_schedule_after(db, job, now, failed);
	}
	LWLockRelease(leadflow_shared->lock);

	if (stopped)
		ereport(LOG,
				(errmsg("leadflow stopped running jobs in database \"%s\"",
						NameStr(dbname)),
				 errdetail("%s",
						   js->probe_result == LEADFLOW_PROBE_RESTORING ?
						   "A restore is in progress (leadflow.restoring is on)." :
						   "The extension is no longer installed.")));
	if (crashed)
		ereport(WARNING,
				(errmsg("leadflow job \"%s\" in database \"%s\" ended without reporting a result",
						leadflow_job_name(job), NameStr(dbname)),
				 errdetail("The job worker crashed or was terminated; "
						   "the job will be retried.")));
}

/*
 * launcher_apply_probe
 *		Moves a database to the state a probe (or a job that found the
 *		extension gone or a restore in progress) reported.  A database
 *		where leadflow was found moves to "no role" until the next look at
 *		the roles, which is made to happen at once.  Returns true when a
 *		ready database stopped being ready.  Caller holds the lock
 *		exclusively.
 */
static bool
launcher_apply_probe(LeadflowDbSlot *db, LeadflowJobSlot *js, TimestampTz now)
{
	LeadflowDbState before = db->state;
	int64		naptime_ms = leadflow_launcher_naptime * 1000L;
	int64		retry_ms;
	int			job;

	db->next_probe = TimestampTzPlusMilliseconds(now, naptime_ms);
	if (js->last_status != LEADFLOW_RUN_OK &&
		js->last_status != LEADFLOW_RUN_SKIPPED)
	{
		/* The probe itself failed: try again after a back-off. */
		retry_ms = leadflow_schedule_backoff(naptime_ms,
											 js->consecutive_failures,
											 LAUNCHER_RETRY_FLOOR_MS,
											 LAUNCHER_RETRY_CAP_MS);
		db->next_probe = TimestampTzPlusMilliseconds(now, retry_ms);
		return false;
	}

	switch (js->probe_result)
	{
		case LEADFLOW_PROBE_INSTALLED:
			db->ext_owner = js->ext_owner;
			if (db->state != LEADFLOW_DB_READY)
				db->state = LEADFLOW_DB_NO_ROLE;	/* checked below */
			break;
		case LEADFLOW_PROBE_NOT_INSTALLED:
			db->state = LEADFLOW_DB_NOT_INSTALLED;
			break;
		case LEADFLOW_PROBE_RESTORING:
			db->state = LEADFLOW_DB_RESTORING;
			break;
	}
	if (db->state != LEADFLOW_DB_READY)
		for (job = LEADFLOW_JOB_ESCALATE; job < LEADFLOW_NUM_JOBS; job++)
			db->jobs[job].next_run = 0;

	/* A found extension needs a usable role before jobs are scheduled. */
	if (db->state == LEADFLOW_DB_NO_ROLE && before != LEADFLOW_DB_NO_ROLE)
	{
		db->role_logged = false;
		launcher_next_scan = now;
	}
	return before == LEADFLOW_DB_READY && db->state != LEADFLOW_DB_READY;
}

/*
 * launcher_schedule_after
 *		Sets the next run of a ready database's job after a run ended: the
 *		next slot of the job's fixed grid; after a failure, not before the
 *		back-off has passed; sooner when the run asked for it (a full
 *		batch, a materialised view due).  Caller holds the lock.
 */
static void
launcher_schedule_after(LeadflowDbSlot *db, LeadflowJob job,
						TimestampTz now, bool failed)
{
	LeadflowJobSlot *js = &db->jobs[job];
	int64		interval = launcher_interval_ms(job);
	int64		next_ms;

	if (db->state != LEADFLOW_DB_READY)
	{
		js->next_run = 0;
		return;
	}

	next_ms = leadflow_schedule_next(js->anchor / 1000, interval, now / 1000);
	if (failed && job != LEADFLOW_JOB_MATVIEWS)
	{
		int64		retry_ms = now / 1000 +
			leadflow_schedule_backoff(interval, js->consecutive_failures,
									  LAUNCHER_RETRY_FLOOR_MS,
									  LAUNCHER_RETRY_CAP_MS);

		if (retry_ms > next_ms)
			next_ms = retry_ms;
	}

	/*
	 * A run may ask to come back sooner.  The materialised-view job backs
	 * off per view, so its failures do not delay the healthy views.
	 */
	if ((!failed || job == LEADFLOW_JOB_MATVIEWS) &&
		js->hint != 0 && js->hint / 1000 < next_ms)
		next_ms = Max(js->hint, now + LAUNCHER_RETRY_FLOOR_MS * 1000) / 1000;
	js->next_run = next_ms * 1000;
}

/*
 * launcher_interval_ms
 *		The fixed interval of a job, from the current settings.  The
 *		materialised-view job runs at least once per naptime so that new
 *		registrations are found; each run asks for the next due view.
 */
static int64
launcher_interval_ms(LeadflowJob job)
{
	switch (job)
	{
		case LEADFLOW_JOB_ESCALATE:
			return leadflow_escalation_interval * 1000L;
		case LEADFLOW_JOB_ROLLUP:
			return leadflow_refresh_interval * 1000L;
		case LEADFLOW_JOB_MATVIEWS:
			return leadflow_launcher_naptime * 1000L;
		case LEADFLOW_JOB_PRUNE:
			return LAUNCHER_PRUNE_INTERVAL_MS;
		case LEADFLOW_JOB_TRAIN:
			return leadflow_train_interval_ms();
		case LEADFLOW_JOB_PROBE:
			break;
	}
	return leadflow_launcher_naptime * 1000L;
}

/*
 * launcher_scan
 *		Looks at pg_database and pg_authid: claims slots for new databases,
 *		frees those of databases gone or no longer listed, and checks the
 *		role of every database where leadflow was found.  Runs once per
 *		naptime, after SIGHUP, and when a backend asked for it.
 */
static void
launcher_scan(void)
{
	TimestampTz now = GetCurrentTimestamp();
	List	   *found;
	bool		woken;
	int64		next_ms;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	woken = leadflow_shared->wake_requested;
	leadflow_shared->wake_requested = false;
	LWLockRelease(leadflow_shared->lock);

	pgstat_report_activity(STATE_RUNNING, "looking for databases");
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());

	found = launcher_list_databases();
	launcher_reconcile(found, now);
	if (woken)
	{
		int			i;

		/* Someone installed leadflow or restored a database: probe now. */
		LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
		for (i = 0; i < leadflow_shared->max_databases; i++)
			if (leadflow_shared->dbs[i].state != LEADFLOW_DB_READY)
				leadflow_shared->dbs[i].next_probe = now;
		LWLockRelease(leadflow_shared->lock);
	}
	launcher_check_roles(now);

	PopActiveSnapshot();
	CommitTransactionCommand();

	next_ms = leadflow_schedule_next(launcher_scan_anchor / 1000,
									 leadflow_launcher_naptime * 1000L,
									 now / 1000);
	launcher_next_scan = TimestampTzPlusMilliseconds(0, next_ms);
	if (woken)
		launcher_scan_anchor = now;
}

/*
 * launcher_list_databases
 *		The databases the launcher should watch: those that allow
 *		connections, are not templates, are not half-dropped, and are
 *		named in leadflow.databases when it is set.  Allocated in the tick
 *		context.  Expects a transaction.
 */
static List *
launcher_list_databases(void)
{
	List	   *found = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	MemoryContext old;

	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database form = (Form_pg_database) GETSTRUCT(tup);
		LauncherDb *db;

		if (!form->datallowconn || form->datistemplate ||
			database_is_invalid_form(form) ||
			!launcher_database_wanted(NameStr(form->datname)))
			continue;

		old = MemoryContextSwitchTo(launcher_tick_context);
		db = palloc(sizeof(LauncherDb));
		db->oid = form->oid;
		db->name = form->datname;
		found = lappend(found, db);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * launcher_database_wanted
 *		Whether leadflow.databases allows the named database: always when
 *		the setting is empty.  Names are compared exactly; the list was
 *		validated as a list when it was set.
 */
static bool
launcher_database_wanted(const char *name)
{
	char	   *raw;
	List	   *names;
	ListCell   *lc;
	bool		wanted = false;

	if (leadflow_databases == NULL || leadflow_databases[0] == '\0')
		return true;

	raw = pstrdup(leadflow_databases);
	if (!SplitGUCList(raw, ',', &names))
		return false;
	foreach(lc, names)
	{
		if (strcmp((char *) lfirst(lc), name) == 0)
			wanted = true;
	}
	list_free(names);
	pfree(raw);
	return wanted;
}

/*
 * launcher_reconcile
 *		Brings the database slots in line with the scan: a slot for every
 *		database found (a new one starts in state "new"), renames applied,
 *		and the slots of databases no longer found freed once no job
 *		worker runs there.  Logs once per minute when slots run out.
 */
static void
launcher_reconcile(List *found, TimestampTz now)
{
	ListCell   *lc;
	int			i;
	int			job;
	bool		full = false;
	List	   *stopped = NIL;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < leadflow_shared->max_databases; i++)
		leadflow_shared->dbs[i].seen = false;

	foreach(lc, found)
	{
		LauncherDb *f = lfirst(lc);
		LeadflowDbSlot *slot = NULL;
		LeadflowDbSlot *free_slot = NULL;

		for (i = 0; i < leadflow_shared->max_databases; i++)
		{
			LeadflowDbSlot *db = &leadflow_shared->dbs[i];

			if (db->state != LEADFLOW_DB_FREE && db->dboid == f->oid)
				slot = db;
			else if (db->state == LEADFLOW_DB_FREE && free_slot == NULL)
				free_slot = db;
		}
		if (slot == NULL && free_slot == NULL)
		{
			full = true;
			continue;
		}
		if (slot == NULL)
		{
			uint32		gens[LEADFLOW_NUM_JOBS];

			slot = free_slot;
			for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
				gens[job] = slot->jobs[job].generation;
			memset(slot, 0, sizeof(LeadflowDbSlot));
			for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
				slot->jobs[job].generation = gens[job] + 1;
			slot->dboid = f->oid;
			slot->state = LEADFLOW_DB_NEW;
			slot->next_probe = now;
		}
		slot->dbname = f->name;
		slot->seen = true;
	}

	for (i = 0; i < leadflow_shared->max_databases; i++)
	{
		LeadflowDbSlot *db = &leadflow_shared->dbs[i];
		bool		busy = false;

		if (db->state == LEADFLOW_DB_FREE || db->seen)
			continue;
		for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
			busy |= (launcher_handles[i * LEADFLOW_NUM_JOBS + job] != NULL);
		if (busy)
			continue;
		if (db->state == LEADFLOW_DB_READY)
			stopped = lappend(stopped, pstrdup(NameStr(db->dbname)));
		db->state = LEADFLOW_DB_FREE;
		db->dboid = InvalidOid;
	}
	LWLockRelease(leadflow_shared->lock);

	foreach(lc, stopped)
		ereport(LOG,
				(errmsg("leadflow stopped serving database \"%s\"",
						(char *) lfirst(lc)),
				 errdetail("The database was dropped, no longer allows "
						   "connections, or is not named in leadflow.databases.")));
	if (full && now - launcher_full_warned >= LAUNCHER_WARN_EVERY_MS * 1000)
	{
		launcher_full_warned = now;
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("leadflow watches no more than %d databases",
						leadflow_shared->max_databases),
				 errhint("Increase leadflow.max_databases, or name the "
						 "databases to watch in leadflow.databases.")));
	}
}

/*
 * launcher_check_roles
 *		For every database where leadflow is installed, checks that the role
 *		its jobs run as exists and may log in: a database moves between
 *		"no role" and "ready" as that changes.  Each problem is logged once
 *		until it is solved.  Expects a transaction (reads pg_authid).
 */
static void
launcher_check_roles(TimestampTz now)
{
	int			i;

	for (i = 0; i < leadflow_shared->max_databases; i++)
	{
		LeadflowDbSlot *db = &leadflow_shared->dbs[i];
		LeadflowDbState state;
		Oid			role = InvalidOid;
		char	   *problem = NULL;
		bool		usable;
		bool		log_problem = false;
		bool		log_ready = false;
		NameData	dbname;

		LWLockAcquire(leadflow_shared->lock, LW_SHARED);
		state = db->state;
		LWLockRelease(leadflow_shared->lock);
		if (state != LEADFLOW_DB_READY && state != LEADFLOW_DB_NO_ROLE)
			continue;

		/* Catalog lookups run without the lock held. */
		usable = launcher_role_usable(db, &role, &problem);

		LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
		dbname = db->dbname;
		if (db->state == LEADFLOW_DB_READY && usable && db->role != role)
			log_ready = true;
		db->role = role;
		if (usable && db->state == LEADFLOW_DB_NO_ROLE)
		{
			launcher_make_ready(db, now);
			log_ready = true;
		}
		else if (!usable && (db->state == LEADFLOW_DB_READY ||
							 db->state == LEADFLOW_DB_NO_ROLE))
		{
			int			job;

			db->state = LEADFLOW_DB_NO_ROLE;
			for (job = LEADFLOW_JOB_ESCALATE; job < LEADFLOW_NUM_JOBS; job++)
				db->jobs[job].next_run = 0;
			log_problem = !db->role_logged;
			db->role_logged = true;
		}
		LWLockRelease(leadflow_shared->lock);

		if (log_problem)
			ereport(LOG,
					(errmsg("leadflow runs no job in database \"%s\"",
							NameStr(dbname)),
					 errdetail("%s", problem),
					 errhint("Create the role or allow it to log in, or set "
							 "leadflow.worker_role to a role that can.")));
		if (log_ready)
			ereport(LOG,
					(errmsg("leadflow runs its jobs in database \"%s\" as role \"%s\"",
							NameStr(dbname),
							GetUserNameFromId(role, false))));
	}
}

/*
 * launcher_role_usable
 *		Finds the role a database's jobs run as (leadflow.worker_role, or
 *		the extension's owner as the last probe saw it) and whether it
 *		exists and may log in.  On failure *problem says why, as a
 *		sentence.  Expects a transaction.
 */
static bool
launcher_role_usable(LeadflowDbSlot *db, Oid *role, char **problem)
{
	HeapTuple	tup;
	bool		canlogin;
	const char *name = leadflow_worker_role;

	if (name != NULL && name[0] != '\0')
	{
		*role = get_role_oid(name, true);
		if (!OidIsValid(*role))
		{
			*problem = psprintf("Role \"%s\" named in leadflow.worker_role does not exist.",
								name);
			return false;
		}
	}
	else
		*role = db->ext_owner;

	tup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(*role));
	if (!HeapTupleIsValid(tup))
	{
		*problem = psprintf("The owner of the extension (role %u) does not exist.",
							*role);
		return false;
	}
	canlogin = ((Form_pg_authid) GETSTRUCT(tup))->rolcanlogin;
	if (!canlogin)
		*problem = psprintf("Role \"%s\" is not permitted to log in.",
							NameStr(((Form_pg_authid) GETSTRUCT(tup))->rolname));
	ReleaseSysCache(tup);
	return canlogin;
}

/*
 * launcher_make_ready
 *		Schedules every job of a database that has just become ready: each
 *		runs at once, then on its own grid from now.  Caller holds the lock
 *		exclusively.
 */
static void
launcher_make_ready(LeadflowDbSlot *db, TimestampTz now)
{
	int			job;

	db->state = LEADFLOW_DB_READY;
	db->role_logged = false;
	for (job = LEADFLOW_JOB_ESCALATE; job < LEADFLOW_NUM_JOBS; job++)
	{
		db->jobs[job].anchor = now;
		db->jobs[job].next_run = now;
		db->jobs[job].consecutive_failures = 0;
	}
}

/*
 * launcher_check_overruns
 *		Cancels a run that outlived leadflow.job_timeout by more than a
 *		grace period (SIGINT, which its statement timeout should already
 *		have done), and terminates it after a second grace period.
 */
static void
launcher_check_overruns(TimestampTz now)
{
	int			slotno;
	int			job;

	if (leadflow_job_timeout <= 0)
		return;

	for (slotno = 0; slotno < leadflow_shared->max_databases; slotno++)
	{
		for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
		{
			BackgroundWorkerHandle *h =
				launcher_handles[slotno * LEADFLOW_NUM_JOBS + job];
			LeadflowJobSlot *js = &leadflow_shared->dbs[slotno].jobs[job];
			TimestampTz cancel_at;
			TimestampTz kill_at;

			if (h == NULL || js->pid == 0)
				continue;
			cancel_at = TimestampTzPlusMilliseconds(js->last_start,
													leadflow_job_timeout +
													LAUNCHER_OVERRUN_GRACE_MS);
			kill_at = TimestampTzPlusMilliseconds(cancel_at,
												  LAUNCHER_OVERRUN_GRACE_MS);
			if (now >= kill_at)
				TerminateBackgroundWorker(h);
			else if (now >= cancel_at && !js->overrun_signalled)
			{
				js->overrun_signalled = true;
				kill(js->pid, SIGINT);
			}
			launcher_consider(now >= cancel_at ? kill_at : cancel_at);
		}
	}
}

/*
 * launcher_launch_due
 *		Starts a job worker for every probe and job that is due, as long as
 *		leadflow.max_job_workers allows; the walk starts one database
 *		further each turn so that no database starves the others.  Notes
 *		the time of the next due item for the wait.
 */
static void
launcher_launch_due(TimestampTz now)
{
	int			n = leadflow_shared->max_databases;
	int			k;

	for (k = 0; k < n; k++)
	{
		int			slotno = (launcher_rotor + k) % n;
		LeadflowDbSlot *db = &leadflow_shared->dbs[slotno];
		int			job;
		bool		held;

		if (db->state == LEADFLOW_DB_FREE || !db->seen)
			continue;
		LWLockAcquire(leadflow_shared->lock, LW_SHARED);
		held = (db->holdoff_pid != 0 && db->holdoff_until > now);
		LWLockRelease(leadflow_shared->lock);
		if (held)
		{
			launcher_consider(db->holdoff_until);
			continue;
		}
		if (!leadflow_jobs_enabled)
			continue;

		if (db->state != LEADFLOW_DB_READY && db->state != LEADFLOW_DB_NO_ROLE)
		{
			if (launcher_handles[slotno * LEADFLOW_NUM_JOBS] != NULL)
				continue;
			if (db->next_probe <= now &&
				!launcher_launch(slotno, LEADFLOW_JOB_PROBE, now))
				break;
			launcher_consider(db->next_probe);
			continue;
		}
		if (db->state != LEADFLOW_DB_READY)
			continue;

		for (job = LEADFLOW_JOB_ESCALATE; job < LEADFLOW_NUM_JOBS; job++)
		{
			LeadflowJobSlot *js = &db->jobs[job];

			if (launcher_handles[slotno * LEADFLOW_NUM_JOBS + job] != NULL ||
				js->next_run == 0)
				continue;
			if (js->next_run <= now && !launcher_launch(slotno, job, now))
				return;
			launcher_consider(js->next_run);
		}
	}
	launcher_rotor = (launcher_rotor + 1) % n;
}

/*
 * launcher_launch
 *		Starts one job worker and waits until it runs.  Returns false when
 *		nothing more can start this turn (leadflow.max_job_workers reached
 *		or no background worker slot free); the item stays due and is
 *		retried, and a missing slot is logged at most once a minute.
 */
static bool
launcher_launch(int slotno, LeadflowJob job, TimestampTz now)
{
	LeadflowDbSlot *db = &leadflow_shared->dbs[slotno];
	LeadflowJobSlot *js = &db->jobs[job];
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	BgwHandleStatus status;
	LeadflowJobArgs args;
	LeadflowJobSlot saved;
	MemoryContext old;
	bool		registered;
	pid_t		pid;

	if (launcher_running >= leadflow_max_job_workers)
	{
		launcher_consider(TimestampTzPlusMilliseconds(now,
													  LAUNCHER_RETRY_FLOOR_MS));
		return false;
	}

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	saved = *js;
	js->generation++;
	js->reported = false;
	js->hint = 0;
	js->probe_result = LEADFLOW_PROBE_INSTALLED;
	js->overrun_signalled = false;
	js->last_start = now;
	js->last_status = LEADFLOW_RUN_RUNNING;
	js->runs++;
	if (job != LEADFLOW_JOB_PROBE)
		js->anchor = js->next_run;
	js->next_run = 0;
	args.job = job;
	args.generation = js->generation;
	args.dboid = db->dboid;
	args.role = (job == LEADFLOW_JOB_PROBE) ? InvalidOid : db->role;
	LWLockRelease(leadflow_shared->lock);

	launcher_describe(&worker, slotno, job, &args);
	old = MemoryContextSwitchTo(TopMemoryContext);
	registered = RegisterDynamicBackgroundWorker(&worker, &handle);
	MemoryContextSwitchTo(old);
	if (!registered)
	{
		/* Undo the start; the item stays due (generation stays bumped). */
		LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
		js->last_start = saved.last_start;
		js->last_status = saved.last_status;
		js->runs = saved.runs;
		js->anchor = saved.anchor;
		js->next_run = saved.next_run;
		LWLockRelease(leadflow_shared->lock);
		launcher_warn_no_slot(now);
		launcher_consider(TimestampTzPlusMilliseconds(now,
													  LAUNCHER_RETRY_FLOOR_MS));
		return false;
	}

	launcher_handles[slotno * LEADFLOW_NUM_JOBS + job] = handle;
	launcher_running++;

	/* A worker that already ended is reaped on the next turn. */
	status = WaitForBackgroundWorkerStartup(handle, &pid);
	if (status == BGWH_POSTMASTER_DIED)
		proc_exit(1);
	if (status == BGWH_STARTED)
	{
		LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
		if (js->generation == args.generation && !js->reported)
			js->pid = pid;
		LWLockRelease(leadflow_shared->lock);
	}
	return true;
}

/*
 * launcher_describe
 *		Fills in the registration of a job worker: a never-restarted
 *		dynamic worker whose type and name say which job runs where, and
 *		which tells this launcher when it starts and ends.
 */
static void
launcher_describe(BackgroundWorker *worker, int slotno, LeadflowJob job,
				  const LeadflowJobArgs *args)
{
	LeadflowDbSlot *db = &leadflow_shared->dbs[slotno];

	memset(worker, 0, sizeof(BackgroundWorker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "leadflow");
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "leadflow_job_main");
	snprintf(worker->bgw_name, BGW_MAXLEN, "leadflow %s in \"%s\"",
			 leadflow_job_name(job), NameStr(db->dbname));
	snprintf(worker->bgw_type, BGW_MAXLEN, "leadflow %s",
			 leadflow_job_name(job));
	worker->bgw_main_arg = Int32GetDatum(slotno);
	memcpy(worker->bgw_extra, args, sizeof(LeadflowJobArgs));
	worker->bgw_notify_pid = MyProcPid;
}

/*
 * launcher_warn_no_slot
 *		Says, at most once a minute, that a job worker could not start for
 *		want of a background worker slot, and what to do about it.
 */
static void
launcher_warn_no_slot(TimestampTz now)
{
	if (now - launcher_slot_warned < LAUNCHER_WARN_EVERY_MS * 1000)
		return;

	launcher_slot_warned = now;
	ereport(WARNING,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("could not start a leadflow job worker: no background worker slot is free"),
			 errdetail("%d leadflow job workers are running; max_worker_processes is %d.",
					   launcher_running, max_worker_processes),
			 errhint("Increase max_worker_processes (this needs a server "
					 "restart), or lower leadflow.max_job_workers.")));
}
