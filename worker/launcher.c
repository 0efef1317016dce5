/*-------------------------------------------------------------------------
 *
 * worker/launcher.c
 *		The launcher: one background worker per server, started by the
 *		postmaster once recovery has finished, that finds the databases
 *		where leadflow is installed and starts a short-lived job worker
 *		for every run of every job there.  This file registers it and
 *		runs its loop; the steps of a turn live in discover.c (the
 *		databases and roles), dispatch.c (starting, reaping and timing
 *		job workers) and warn.c (rate-limited warnings).
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
 * of the scheduling fields of job slots (see shared.h).  Its
 * process-local state, shared by the launcher's files, is
 * leadflow_launcher (launcher_state.h), defined here.  The states and
 * transitions are described in worker/README.md.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "launcher.h"
#include "launcher_state.h"
#include "schedule.h"
#include "settings.h"
#include "shared.h"

/* Seconds the postmaster waits before restarting a launcher that failed. */
#define LAUNCHER_RESTART_SECONDS 10

LeadflowLauncherState leadflow_launcher;

static void launcher_attach(void);
static void launcher_detach(int code, Datum arg);
static void launcher_reload_settings(void);
static void launcher_wait(void);

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

	/*
	 * The setting, not only the status entry, so that log_line_prefix's %a
	 * and the process's own SQL see the name too.
	 */
	SetConfigOption("application_name", "leadflow launcher",
					PGC_SUSET, PGC_S_OVERRIDE);
	launcher_attach();
	ereport(LOG,
			(errmsg("leadflow launcher started")));

	for (;;)
	{
		TimestampTz now;

		MemoryContextReset(leadflow_launcher.tick_context);
		leadflow_launcher.next_wake = 0;
		launcher_reload_settings();
		leadflow_dispatch_reap();

		/* Defence in depth: the postmaster starts us after recovery. */
		if (!RecoveryInProgress())
		{
			now = GetCurrentTimestamp();
			if (now >= leadflow_launcher.next_scan ||
				leadflow_shared->wake_requested)
				leadflow_discover_databases();
			now = GetCurrentTimestamp();
			leadflow_dispatch_overruns(now);
			leadflow_dispatch_due(now);
		}
		leadflow_launcher_consider(leadflow_launcher.next_scan);
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

	leadflow_launcher.tick_context =
		AllocSetContextCreate(TopMemoryContext, "leadflow launcher tick",
							  ALLOCSET_DEFAULT_SIZES);
	leadflow_launcher.handles =
		MemoryContextAllocZero(TopMemoryContext,
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

	leadflow_launcher.scan_anchor = now;
	leadflow_launcher.next_scan = now;
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

	if (leadflow_launcher.handles != NULL)
	{
		n = leadflow_shared->max_databases * LEADFLOW_NUM_JOBS;
		for (i = 0; i < n; i++)
			if (leadflow_launcher.handles[i] != NULL)
				TerminateBackgroundWorker(leadflow_launcher.handles[i]);
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
	leadflow_launcher.next_scan = GetCurrentTimestamp();
}

/*
 * leadflow_launcher_consider
 *		Notes a time at which the launcher has something to do; the wait
 *		ends at the earliest time noted during the turn.
 */
void
leadflow_launcher_consider(TimestampTz when)
{
	TimestampTz next = leadflow_launcher.next_wake;

	if (when != 0 && (next == 0 || when < next))
		leadflow_launcher.next_wake = when;
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
	int64		due_ms = leadflow_launcher.next_wake / 1000;
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
