/*-------------------------------------------------------------------------
 *
 * worker/launcher_state.h
 *		The launcher's process-local state and the steps of its loop, as
 *		the launcher's files (launcher.c, discover.c, dispatch.c, warn.c)
 *		share them.  Nothing here is used outside the launcher process.
 *
 * The state lives in the launcher's own memory: the handles of the job
 * workers it started, which only it can wait for or terminate, and the
 * times its loop works to.  Shared memory (shared.h) holds what other
 * processes see.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_LAUNCHER_STATE_H
#define LEADFLOW_LAUNCHER_STATE_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "postmaster/bgworker.h"

typedef struct LeadflowLauncherState
{
	/* Running job workers: [database slot * LEADFLOW_NUM_JOBS + job]. */
	BackgroundWorkerHandle **handles;
	int			running;		/* job workers started and not yet reaped */
	MemoryContext tick_context; /* reset at the top of every turn */
	TimestampTz scan_anchor;	/* the grid the looks at databases follow */
	TimestampTz next_scan;		/* the next look at the databases */
	TimestampTz next_wake;		/* earliest time noted during this turn */
} LeadflowLauncherState;

extern LeadflowLauncherState leadflow_launcher;

/* worker/launcher.c */
extern void leadflow_launcher_consider(TimestampTz when);

/* worker/discover.c */
extern void leadflow_discover_databases(void);

/* worker/dispatch.c */
extern void leadflow_dispatch_reap(void);
extern void leadflow_dispatch_overruns(TimestampTz now);
extern void leadflow_dispatch_due(TimestampTz now);

/* worker/warn.c */
extern void leadflow_warn_no_slot(TimestampTz now, int running);
extern void leadflow_warn_databases_full(TimestampTz now);

#endif							/* LEADFLOW_LAUNCHER_STATE_H */
