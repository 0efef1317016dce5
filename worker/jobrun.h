/*-------------------------------------------------------------------------
 *
 * worker/jobrun.h
 *		Bookkeeping of job runs in leadflow.job_run, and the jobs' entry
 *		points that a job worker and the SQL functions share.
 *
 * Every function here expects a transaction with an active snapshot and
 * connects to SPI itself; none commits.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_JOBRUN_H
#define LEADFLOW_JOBRUN_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* leadflow.job_run */
extern int64 leadflow_jobrun_start(const char *job, const char *target);
extern void leadflow_jobrun_finish(int64 run_id, bool ok, int64 rows,
								   const char *message);
extern void leadflow_jobrun_record(const char *job, TimestampTz started,
								   int64 rows, const char *message);
extern int64 leadflow_jobrun_sweep(void);
extern int64 leadflow_jobrun_prune(int days);

/* worker/escalate.c */
extern int64 leadflow_escalate(int batch_size, bool *more, char **problem);

/* worker/rollup.c */
extern int64 leadflow_rollup_refresh(bool full, char **message);

/* worker/matview.c: one unit per due view, each in its own transaction */
extern List *leadflow_matview_due(TimestampTz *next_due);
extern void leadflow_matview_refresh(Oid matview, const char *name);
extern void leadflow_matview_record(Oid matview, TimestampTz started,
									bool ok, const char *message);

#endif							/* LEADFLOW_JOBRUN_H */
