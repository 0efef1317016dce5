/*-------------------------------------------------------------------------
 *
 * worker/dispatch.c
 *		The launcher's job workers: starting every probe and job that is
 *		due (within leadflow.max_job_workers), reaping those that ended
 *		and scheduling the next run of each job, and cancelling runs
 *		that outlive leadflow.job_timeout.
 *
 * Runs in the launcher process only.  Shared state: writes the scheduling
 * fields of job slots and the state a probe reports to its database slot,
 * under the shared lock; a job worker writes only the result fields of its
 * own slot (see shared.h).  The handles of running job workers are
 * process-local, in leadflow_launcher.handles, indexed by database slot
 * times LEADFLOW_NUM_JOBS plus job.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "job.h"
#include "launcher_state.h"
#include "schedule.h"
#include "settings.h"
#include "shared.h"
#include "train.h"

/* How often a prune run deletes old leadflow.job_run rows. */
#define DISPATCH_PRUNE_INTERVAL_MS (3600 * 1000L)

/* Retry delays: never sooner than the floor, never later than the cap. */
#define DISPATCH_RETRY_FLOOR_MS 1000L
#define DISPATCH_RETRY_CAP_MS (600 * 1000L)

/* Time past leadflow.job_timeout before an overrun is cancelled. */
#define DISPATCH_OVERRUN_GRACE_MS (5 * 1000L)

/* The database slot the next walk over due items begins with. */
static int	dispatch_rotor = 0;

static void dispatch_finish(int slotno, LeadflowJob job);
static bool dispatch_apply_probe(LeadflowDbSlot *db, LeadflowJobSlot *js,
								 TimestampTz now);
static void dispatch_schedule_after(LeadflowDbSlot *db, LeadflowJob job,
									TimestampTz now, bool failed);
static int64 dispatch_interval_ms(LeadflowJob job);
static bool dispatch_launch(int slotno, LeadflowJob job, TimestampTz now);
static void dispatch_describe(BackgroundWorker *worker, int slotno,
							  LeadflowJob job, const LeadflowJobArgs *args);

/*
 * leadflow_dispatch_reap
 *		Finds the job workers that have ended since the last turn and
 *		records how each ended.
 */
void
leadflow_dispatch_reap(void)
{
	int			slotno;
	int			job;
	pid_t		pid;

	for (slotno = 0; slotno < leadflow_shared->max_databases; slotno++)
	{
		for (job = 0; job < LEADFLOW_NUM_JOBS; job++)
		{
			BackgroundWorkerHandle **h =
				&leadflow_launcher.handles[slotno * LEADFLOW_NUM_JOBS + job];

			if (*h == NULL)
				continue;
			switch (GetBackgroundWorkerPid(*h, &pid))
			{
				case BGWH_STOPPED:
					dispatch_finish(slotno, job);
					pfree(*h);
					*h = NULL;
					leadflow_launcher.running--;
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
 * dispatch_finish
 *		Records the end of a job worker: its own report, or a crash when it
 *		ended without one, then schedules the job's next run.  A crash
 *		counts as a failure and is retried after a back-off.
 */
static void
dispatch_finish(int slotno, LeadflowJob job)
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
		leadflow_launcher.next_scan = now;

	if (job == LEADFLOW_JOB_PROBE ||
		(!failed && js->probe_result != LEADFLOW_PROBE_INSTALLED))
		stopped = dispatch_apply_probe(db, js, now);
	else
	{
		if (!failed && OidIsValid(js->ext_owner) &&
			js->ext_owner != db->ext_owner)
		{
			db->ext_owner = js->ext_owner;
			leadflow_launcher.next_scan = now;
		}
		dispatch_schedule_after(db, job, now, failed);
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
 * dispatch_apply_probe
 *		Moves a database to the state a probe (or a job that found the
 *		extension gone or a restore in progress) reported.  A database
 *		where leadflow was found moves to "no role" until the next look at
 *		the roles, which is made to happen at once.  Returns true when a
 *		ready database stopped being ready.  Caller holds the lock
 *		exclusively.
 */
static bool
dispatch_apply_probe(LeadflowDbSlot *db, LeadflowJobSlot *js, TimestampTz now)
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
											 DISPATCH_RETRY_FLOOR_MS,
											 DISPATCH_RETRY_CAP_MS);
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
		leadflow_launcher.next_scan = now;
	}
	return before == LEADFLOW_DB_READY && db->state != LEADFLOW_DB_READY;
}

/*
 * dispatch_schedule_after
 *		Sets the next run of a ready database's job after a run ended: the
 *		next slot of the job's fixed grid; after a failure, not before the
 *		back-off has passed; sooner when the run asked for it (a full
 *		batch, a materialised view due).  Caller holds the lock.
 */
static void
dispatch_schedule_after(LeadflowDbSlot *db, LeadflowJob job,
						TimestampTz now, bool failed)
{
	LeadflowJobSlot *js = &db->jobs[job];
	int64		interval = dispatch_interval_ms(job);
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
									  DISPATCH_RETRY_FLOOR_MS,
									  DISPATCH_RETRY_CAP_MS);

		if (retry_ms > next_ms)
			next_ms = retry_ms;
	}

	/*
	 * A run may ask to come back sooner.  The materialised-view job backs
	 * off per view, so its failures do not delay the healthy views.
	 */
	if ((!failed || job == LEADFLOW_JOB_MATVIEWS) &&
		js->hint != 0 && js->hint / 1000 < next_ms)
		next_ms = Max(js->hint, now + DISPATCH_RETRY_FLOOR_MS * 1000) / 1000;
	js->next_run = next_ms * 1000;
}

/*
 * dispatch_interval_ms
 *		The fixed interval of a job, from the current settings.  The
 *		materialised-view job runs at least once per naptime so that new
 *		registrations are found; each run asks for the next due view.
 */
static int64
dispatch_interval_ms(LeadflowJob job)
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
			return DISPATCH_PRUNE_INTERVAL_MS;
		case LEADFLOW_JOB_TRAIN:
			return leadflow_train_interval_ms();
		case LEADFLOW_JOB_PROBE:
			break;
	}
	return leadflow_launcher_naptime * 1000L;
}

/*
 * leadflow_dispatch_overruns
 *		Cancels a run that outlived leadflow.job_timeout by more than a
 *		grace period (SIGINT, which its statement timeout should already
 *		have done), and terminates it after a second grace period.
 */
void
leadflow_dispatch_overruns(TimestampTz now)
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
				leadflow_launcher.handles[slotno * LEADFLOW_NUM_JOBS + job];
			LeadflowJobSlot *js = &leadflow_shared->dbs[slotno].jobs[job];
			TimestampTz cancel_at;
			TimestampTz kill_at;

			if (h == NULL || js->pid == 0)
				continue;
			cancel_at = TimestampTzPlusMilliseconds(js->last_start,
													leadflow_job_timeout +
													DISPATCH_OVERRUN_GRACE_MS);
			kill_at = TimestampTzPlusMilliseconds(cancel_at,
												  DISPATCH_OVERRUN_GRACE_MS);
			if (now >= kill_at)
				TerminateBackgroundWorker(h);
			else if (now >= cancel_at && !js->overrun_signalled)
			{
				js->overrun_signalled = true;
				kill(js->pid, SIGINT);
			}
			leadflow_launcher_consider(now >= cancel_at ? kill_at : cancel_at);
		}
	}
}

/*
 * leadflow_dispatch_due
 *		Starts a job worker for every probe and job that is due, as long as
 *		leadflow.max_job_workers allows; the walk starts one database
 *		further each turn so that no database starves the others.  Notes
 *		the time of the next due item for the wait.
 */
void
leadflow_dispatch_due(TimestampTz now)
{
	int			n = leadflow_shared->max_databases;
	int			k;

	for (k = 0; k < n; k++)
	{
		int			slotno = (dispatch_rotor + k) % n;
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
			leadflow_launcher_consider(db->holdoff_until);
			continue;
		}
		if (!leadflow_jobs_enabled)
			continue;

		if (db->state != LEADFLOW_DB_READY && db->state != LEADFLOW_DB_NO_ROLE)
		{
			if (leadflow_launcher.handles[slotno * LEADFLOW_NUM_JOBS] != NULL)
				continue;
			if (db->next_probe <= now &&
				!dispatch_launch(slotno, LEADFLOW_JOB_PROBE, now))
				break;
			leadflow_launcher_consider(db->next_probe);
			continue;
		}
		if (db->state != LEADFLOW_DB_READY)
			continue;

		for (job = LEADFLOW_JOB_ESCALATE; job < LEADFLOW_NUM_JOBS; job++)
		{
			LeadflowJobSlot *js = &db->jobs[job];

			if (leadflow_launcher.handles[slotno * LEADFLOW_NUM_JOBS + job] !=
				NULL || js->next_run == 0)
				continue;
			if (js->next_run <= now && !dispatch_launch(slotno, job, now))
				return;
			leadflow_launcher_consider(js->next_run);
		}
	}
	dispatch_rotor = (dispatch_rotor + 1) % n;
}

/*
 * dispatch_launch
 *		Starts one job worker and waits until it runs.  Returns false when
 *		nothing more can start this turn (leadflow.max_job_workers reached
 *		or no background worker slot free); the item stays due and is
 *		retried, and a missing slot is logged at most once a minute.
 */
static bool
dispatch_launch(int slotno, LeadflowJob job, TimestampTz now)
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

	if (leadflow_launcher.running >= leadflow_max_job_workers)
	{
		leadflow_launcher_consider(
			TimestampTzPlusMilliseconds(now, DISPATCH_RETRY_FLOOR_MS));
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

	dispatch_describe(&worker, slotno, job, &args);
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
		leadflow_warn_no_slot(now, leadflow_launcher.running);
		leadflow_launcher_consider(
			TimestampTzPlusMilliseconds(now, DISPATCH_RETRY_FLOOR_MS));
		return false;
	}

	leadflow_launcher.handles[slotno * LEADFLOW_NUM_JOBS + job] = handle;
	leadflow_launcher.running++;

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
 * dispatch_describe
 *		Fills in the registration of a job worker: a never-restarted
 *		dynamic worker whose type and name say which job runs where, and
 *		which tells this launcher when it starts and ends.
 */
static void
dispatch_describe(BackgroundWorker *worker, int slotno, LeadflowJob job,
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
