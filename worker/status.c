/*-------------------------------------------------------------------------
 *
 * worker/status.c
 *		SQL functions that look at or poke the background worker:
 *		leadflow.worker_status() and leadflow.wake_worker().
 *
 * worker_status copies the shared state under the lock, then builds its
 * rows from the copy, so the lock is never held across palloc or catalog
 * lookups.  wake_worker defers the wake-up to the commit of the calling
 * transaction through a transaction callback registered once per
 * backend; a pending wake-up is process-local and dropped on abort.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "shared.h"

#define STATUS_COLUMNS 15

PG_FUNCTION_INFO_V1(leadflow_worker_status);
PG_FUNCTION_INFO_V1(leadflow_wake_worker);

static bool status_wake_pending = false;
static bool status_callback_registered = false;

static void status_xact_callback(XactEvent event, void *arg);
static void status_emit_job(Tuplestorestate *store, TupleDesc desc,
							const LeadflowDbSlot *db, LeadflowJob job);

/*
 * leadflow_worker_status
 *		SQL: leadflow.worker_status() returns setof record.  One row per
 *		watched database and job: the probe row always, the four jobs once
 *		the database is ready.  Raises an error with a hint when the
 *		library was not preloaded.
 */
Datum
leadflow_worker_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LeadflowDbSlot *copy;
	int			ndbs;
	int			i;

	leadflow_shared_require();
	InitMaterializedSRF(fcinfo, 0);

	/* Copy under the lock, build rows after releasing it. */
	ndbs = leadflow_shared->max_databases;
	copy = palloc(sizeof(LeadflowDbSlot) * ndbs);
	LWLockAcquire(leadflow_shared->lock, LW_SHARED);
	memcpy(copy, leadflow_shared->dbs, sizeof(LeadflowDbSlot) * ndbs);
	LWLockRelease(leadflow_shared->lock);

	for (i = 0; i < ndbs; i++)
	{
		LeadflowDbSlot *db = &copy[i];
		int			job;

		if (db->state == LEADFLOW_DB_FREE)
			continue;
		status_emit_job(rsinfo->setResult, rsinfo->setDesc, db,
						LEADFLOW_JOB_PROBE);
		if (db->state != LEADFLOW_DB_READY)
			continue;
		for (job = LEADFLOW_JOB_ESCALATE; job < LEADFLOW_NUM_JOBS; job++)
			status_emit_job(rsinfo->setResult, rsinfo->setDesc, db, job);
	}
	return (Datum) 0;
}

/*
 * status_emit_job
 *		Appends the row of one database's job to the result.
 */
static void
status_emit_job(Tuplestorestate *store, TupleDesc desc,
				const LeadflowDbSlot *db, LeadflowJob job)
{
	const LeadflowJobSlot *js = &db->jobs[job];
	Datum		values[STATUS_COLUMNS];
	bool		nulls[STATUS_COLUMNS];
	const char *status = leadflow_run_status_name(js->last_status);
	const char *role = NULL;
	const char *state;

	memset(nulls, 0, sizeof(nulls));
	if (OidIsValid(db->role))
		role = GetUserNameFromId(db->role, true);
	if (js->pid != 0)
		state = "running";
	else if (js->next_run != 0)
		state = "scheduled";
	else
		state = "idle";

	values[0] = NameGetDatum(&db->dbname);
	values[1] = CStringGetTextDatum(leadflow_db_state_name(db->state));
	nulls[2] = (role == NULL);
	if (role)
		values[2] = DirectFunctionCall1(namein, CStringGetDatum(role));
	values[3] = CStringGetTextDatum(leadflow_job_name(job));
	values[4] = CStringGetTextDatum(state);
	values[5] = Int32GetDatum(js->pid);
	nulls[5] = (js->pid == 0);
	values[6] = TimestampTzGetDatum(js->last_start);
	nulls[6] = (js->last_start == 0);
	values[7] = TimestampTzGetDatum(js->last_end);
	nulls[7] = (js->last_end == 0);
	values[8] = status ? CStringGetTextDatum(status) : (Datum) 0;
	nulls[8] = (status == NULL);
	values[9] = Int64GetDatum(js->last_rows);
	nulls[9] = (js->last_status != LEADFLOW_RUN_OK);
	values[10] = TimestampTzGetDatum(js->next_run);
	nulls[10] = (js->next_run == 0);
	values[11] = Int64GetDatum(js->runs);
	values[12] = Int64GetDatum(js->failures);
	values[13] = CStringGetTextDatum(js->last_error);
	nulls[13] = (js->last_error[0] == '\0');
	values[14] = TimestampTzGetDatum(js->last_error_at);
	nulls[14] = (js->last_error_at == 0);

	tuplestore_putvalues(store, desc, values, nulls);
}

/*
 * leadflow_wake_worker
 *		SQL: leadflow.wake_worker() returns void.  Wakes the launcher when
 *		the calling transaction commits, so that it sees what the
 *		transaction created (the extension, a registered refresh).  Does
 *		nothing when the library was not preloaded.
 */
Datum
leadflow_wake_worker(PG_FUNCTION_ARGS)
{
	if (leadflow_shared == NULL)
		PG_RETURN_VOID();

	if (!status_callback_registered)
	{
		RegisterXactCallback(status_xact_callback, NULL);
		status_callback_registered = true;
	}
	status_wake_pending = true;
	PG_RETURN_VOID();
}

/*
 * status_xact_callback
 *		Sends a pending wake-up once its transaction has committed, and
 *		forgets it when the transaction aborts.
 */
static void
status_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (status_wake_pending)
				leadflow_wake_launcher();
			status_wake_pending = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			status_wake_pending = false;
			break;
		default:
			break;
	}
}
