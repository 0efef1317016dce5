/*-------------------------------------------------------------------------
 *
 * worker/launcher.c
 *		The launcher: one background worker per server, started by the
 *		postmaster once recovery has finished.
 *
 * The launcher holds no database connection beyond the shared catalogs,
 * so it never blocks DROP DATABASE.  Its loop sleeps only on its latch,
 * wakes on SIGHUP to re-read settings and ends promptly on SIGTERM or
 * postmaster death.  State is process-local; nothing is shared yet.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "launcher.h"
#include "schedule.h"
#include "settings.h"

/* Seconds the postmaster waits before restarting a launcher that failed. */
#define LAUNCHER_RESTART_SECONDS 10

static void launcher_reload_settings(void);
static void launcher_wait(int64_t due_ms);

/*
 * leadflow_register_launcher
 *		Registers the launcher with the postmaster.  Only valid while
 *		shared_preload_libraries is being processed.  Nothing is registered
 *		during pg_upgrade, whose servers must not run leadflow's jobs.
 */
void
leadflow_register_launcher(void)
{
	BackgroundWorker worker;

	if (IsBinaryUpgrade)
		return;

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
 *		catalogs.  Returns only by process exit.
 */
void
leadflow_launcher_main(Datum main_arg)
{
	int64_t		anchor_ms;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("leadflow launcher");
	ereport(LOG,
			(errmsg("leadflow launcher started")));

	anchor_ms = GetCurrentTimestamp() / 1000;
	for (;;)
	{
		int64_t		due_ms;

		due_ms = leadflow_schedule_next(anchor_ms,
										leadflow_launcher_naptime * 1000L,
										GetCurrentTimestamp() / 1000);
		launcher_wait(due_ms);
		launcher_reload_settings();
		anchor_ms = due_ms;
	}
}

/*
 * launcher_wait
 *		Sleeps on the latch until due_ms (milliseconds since the PostgreSQL
 *		epoch), a signal or postmaster death, then services interrupts so a
 *		pending SIGTERM or ProcSignalBarrier is handled at once.
 */
static void
launcher_wait(int64_t due_ms)
{
	int			timeout;

	timeout = leadflow_schedule_timeout(due_ms, GetCurrentTimestamp() / 1000);
	pgstat_report_activity(STATE_IDLE, NULL);
	(void) WaitLatch(MyLatch,
					 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 timeout,
					 PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * launcher_reload_settings
 *		Applies a pending SIGHUP: re-reads the configuration files so the
 *		next wait uses the new leadflow.launcher_naptime.
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
}
