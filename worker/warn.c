/*-------------------------------------------------------------------------
 *
 * worker/warn.c
 *		The launcher's warnings about conditions that last: each is
 *		logged at most once a minute, however often the launcher meets
 *		the condition.
 *
 * Runs in the launcher process only; the time each warning was last
 * logged is process-local, so a restarted launcher warns again at once.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/timestamp.h"

#include "launcher_state.h"
#include "shared.h"

/* Repeated warnings about one condition: at most one per minute. */
#define WARN_EVERY_MS (60 * 1000L)

static TimestampTz warn_slot_warned = 0;
static TimestampTz warn_full_warned = 0;

/*
 * leadflow_warn_no_slot
 *		Says, at most once a minute, that a job worker could not start for
 *		want of a background worker slot, and what to do about it;
 *		running is the number of job workers the launcher has running.
 */
void
leadflow_warn_no_slot(TimestampTz now, int running)
{
	if (now - warn_slot_warned < WARN_EVERY_MS * 1000)
		return;

	warn_slot_warned = now;
	ereport(WARNING,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("could not start a leadflow job worker: no background worker slot is free"),
			 errdetail("%d leadflow job workers are running; max_worker_processes is %d.",
					   running, max_worker_processes),
			 errhint("Increase max_worker_processes (this needs a server "
					 "restart), or lower leadflow.max_job_workers.")));
}

/*
 * leadflow_warn_databases_full
 *		Says, at most once a minute, that a database was found but not
 *		served because every database slot is taken.
 */
void
leadflow_warn_databases_full(TimestampTz now)
{
	if (now - warn_full_warned < WARN_EVERY_MS * 1000)
		return;

	warn_full_warned = now;
	ereport(WARNING,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("leadflow watches no more than %d databases",
					leadflow_shared->max_databases),
			 errhint("Increase leadflow.max_databases, or name the "
					 "databases to watch in leadflow.databases.")));
}
