/*-------------------------------------------------------------------------
 *
 * worker/shared.c
 *		Creates the background worker's shared memory and names its enums.
 *
 * The segment is sized once, at server start, from leadflow.max_databases
 * and requested only when the library is preloaded; leadflow_shared stays
 * NULL in a backend that loaded the library later, and SQL functions that
 * need the worker's state call leadflow_shared_require() first.  Locking
 * rules are in shared.h.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "settings.h"
#include "shared.h"

LeadflowShared *leadflow_shared = NULL;

static shmem_request_hook_type shared_prev_request_hook = NULL;
static shmem_startup_hook_type shared_prev_startup_hook = NULL;

static Size shared_size(void);
static void shared_request_hook(void);
static void shared_startup_hook(void);

/*
 * leadflow_shared_request
 *		Installs the hooks that reserve and then create the segment.  Call
 *		only from _PG_init while shared_preload_libraries is processed.
 */
void
leadflow_shared_request(void)
{
	shared_prev_request_hook = shmem_request_hook;
	shmem_request_hook = shared_request_hook;
	shared_prev_startup_hook = shmem_startup_hook;
	shmem_startup_hook = shared_startup_hook;
}

/*
 * shared_size
 *		Bytes the segment needs for leadflow.max_databases slots.
 */
static Size
shared_size(void)
{
	return add_size(offsetof(LeadflowShared, dbs),
					mul_size(leadflow_max_databases, sizeof(LeadflowDbSlot)));
}

/*
 * shared_request_hook
 *		Reserves the segment and its lock while the postmaster sizes
 *		shared memory.
 */
static void
shared_request_hook(void)
{
	if (shared_prev_request_hook)
		shared_prev_request_hook();

	RequestAddinShmemSpace(shared_size());
	RequestNamedLWLockTranche("leadflow", 1);
}

/*
 * shared_startup_hook
 *		Creates or attaches to the segment.  The postmaster initialises it,
 *		also after a crash restart, which starts from empty state.
 */
static void
shared_startup_hook(void)
{
	bool		found;

	if (shared_prev_startup_hook)
		shared_prev_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	leadflow_shared = ShmemInitStruct("leadflow worker state",
									  shared_size(), &found);
	if (!found)
	{
		memset(leadflow_shared, 0, shared_size());
		leadflow_shared->lock =
			&(GetNamedLWLockTranche("leadflow"))->lock;
		leadflow_shared->max_databases = leadflow_max_databases;
		leadflow_shared->slot_size = sizeof(LeadflowDbSlot);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * leadflow_shared_require
 *		Raises an error with a hint unless the worker's shared state
 *		exists, i.e. unless the library was preloaded.
 */
void
leadflow_shared_require(void)
{
	if (leadflow_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("leadflow background worker is not running"),
				 errdetail("The leadflow library was not loaded at server start."),
				 errhint("Add \"leadflow\" to shared_preload_libraries and restart the server.")));
	leadflow_shared_check_layout();
}

/*
 * leadflow_shared_check_layout
 *		Raises an error unless this object file sees the database slots
 *		with the size the segment was created with.  A mismatch means a
 *		build from mixed object files; nothing may touch the slots then.
 */
void
leadflow_shared_check_layout(void)
{
	if (!LEADFLOW_SHARED_LAYOUT_OK())
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("leadflow shared memory layout does not match this build"),
				 errdetail("Slots were created with %zu bytes, this code expects %zu.",
						   leadflow_shared->slot_size, sizeof(LeadflowDbSlot)),
				 errhint("Rebuild leadflow from clean (make clean all), install it and restart the server.")));
}

/*
 * leadflow_wake_launcher
 *		Asks the launcher to look at every database again now instead of
 *		after leadflow.launcher_naptime.  Does nothing when the library was
 *		not preloaded or no launcher runs.
 */
void
leadflow_wake_launcher(void)
{
	Latch	   *latch = NULL;

	if (leadflow_shared == NULL || !LEADFLOW_SHARED_LAYOUT_OK())
		return;

	LWLockAcquire(leadflow_shared->lock, LW_EXCLUSIVE);
	leadflow_shared->wake_requested = true;
	if (leadflow_shared->launcher_pid != 0)
		latch = leadflow_shared->launcher_latch;
	LWLockRelease(leadflow_shared->lock);

	if (latch)
		SetLatch(latch);
}

/*
 * leadflow_job_name
 *		The name a job goes by in leadflow.job_run, the status view, the
 *		log and pg_stat_activity.
 */
const char *
leadflow_job_name(LeadflowJob job)
{
	switch (job)
	{
		case LEADFLOW_JOB_PROBE:
			return "probe";
		case LEADFLOW_JOB_ESCALATE:
			return "escalate";
		case LEADFLOW_JOB_ROLLUP:
			return "rollup";
		case LEADFLOW_JOB_MATVIEWS:
			return "matviews";
		case LEADFLOW_JOB_PRUNE:
			return "prune";
		case LEADFLOW_JOB_TRAIN:
			return "train";
	}
	return "unknown";
}

/*
 * leadflow_db_state_name
 *		The name a database state goes by in the status view.
 */
const char *
leadflow_db_state_name(LeadflowDbState state)
{
	switch (state)
	{
		case LEADFLOW_DB_FREE:
			return "free";
		case LEADFLOW_DB_NEW:
			return "new";
		case LEADFLOW_DB_NOT_INSTALLED:
			return "not installed";
		case LEADFLOW_DB_NO_ROLE:
			return "no role";
		case LEADFLOW_DB_RESTORING:
			return "restoring";
		case LEADFLOW_DB_READY:
			return "ready";
	}
	return "unknown";
}

/*
 * leadflow_run_status_name
 *		The name a run status goes by in the status view; the same words
 *		as leadflow.job_run.status where both have them.
 */
const char *
leadflow_run_status_name(LeadflowRunStatus status)
{
	switch (status)
	{
		case LEADFLOW_RUN_NONE:
			return NULL;
		case LEADFLOW_RUN_RUNNING:
			return "running";
		case LEADFLOW_RUN_OK:
			return "ok";
		case LEADFLOW_RUN_FAILED:
			return "failed";
		case LEADFLOW_RUN_CRASHED:
			return "crashed";
		case LEADFLOW_RUN_SKIPPED:
			return "skipped";
	}
	return "unknown";
}
