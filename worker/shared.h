/*-------------------------------------------------------------------------
 *
 * worker/shared.h
 *		The background worker's state in shared memory: one slot per
 *		database, and in it one slot per job.
 *
 * The launcher owns the slots: it claims and frees database slots, starts
 * job workers and records their end.  A job worker writes only the result
 * fields of its own job slot, and only while the slot's generation still
 * matches the one it was started for.  Backends read everything (the
 * worker_status view) and write only the wake-up request and a database's
 * hold-off (DDL guard).  Every read and write holds the one LWLock in
 * LeadflowShared, briefly and never across a wait or an ereport.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_SHARED_H
#define LEADFLOW_SHARED_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "storage/latch.h"
#include "storage/lwlock.h"

/* Longest error message kept per job, bytes including the terminator. */
#define LEADFLOW_MESSAGE_LEN 256

/* The kinds of job a job worker runs; PROBE checks a database first. */
typedef enum LeadflowJob
{
	LEADFLOW_JOB_PROBE = 0,
	LEADFLOW_JOB_ESCALATE,
	LEADFLOW_JOB_ROLLUP,
	LEADFLOW_JOB_MATVIEWS,
	LEADFLOW_JOB_PRUNE,
	LEADFLOW_JOB_TRAIN
} LeadflowJob;

#define LEADFLOW_NUM_JOBS (LEADFLOW_JOB_TRAIN + 1)

/* What the launcher knows about a database (see worker/README.md). */
typedef enum LeadflowDbState
{
	LEADFLOW_DB_FREE = 0,		/* slot unused */
	LEADFLOW_DB_NEW,			/* found, not probed yet */
	LEADFLOW_DB_NOT_INSTALLED,	/* probed: no leadflow extension */
	LEADFLOW_DB_NO_ROLE,		/* the worker role cannot be used */
	LEADFLOW_DB_RESTORING,		/* leadflow.restoring is on */
	LEADFLOW_DB_READY			/* jobs are scheduled */
} LeadflowDbState;

/* How the last run of a job ended. */
typedef enum LeadflowRunStatus
{
	LEADFLOW_RUN_NONE = 0,		/* never ran */
	LEADFLOW_RUN_RUNNING,
	LEADFLOW_RUN_OK,
	LEADFLOW_RUN_FAILED,		/* the job raised an error */
	LEADFLOW_RUN_CRASHED,		/* the worker ended without a report */
	LEADFLOW_RUN_SKIPPED		/* nothing to do in this database */
} LeadflowRunStatus;

/* What a probe found out, reported in the probe's job slot. */
typedef enum LeadflowProbeResult
{
	LEADFLOW_PROBE_INSTALLED = 0,
	LEADFLOW_PROBE_NOT_INSTALLED,
	LEADFLOW_PROBE_RESTORING
} LeadflowProbeResult;

typedef struct LeadflowJobSlot
{
	/* Written by the launcher. */
	TimestampTz next_run;		/* 0: not scheduled */
	TimestampTz anchor;			/* grid slot of the last start */
	TimestampTz last_start;
	pid_t		pid;			/* job worker running it, or 0 */
	uint32		generation;		/* bumped for every start */
	int64		runs;
	int64		failures;
	int			consecutive_failures;
	bool		overrun_signalled;
	TimestampTz warned_at;		/* job workers: last failure WARNING */

	/* Written by the job worker whose generation matches. */
	bool		reported;
	LeadflowRunStatus last_status;
	TimestampTz last_end;
	int64		last_rows;
	TimestampTz hint;			/* run again no later than this, or 0 */
	Oid			ext_owner;		/* probe and jobs: extension's owner */
	int			probe_result;	/* probe only: a LeadflowProbeResult */
	TimestampTz last_error_at;	/* kept until the next error */
	char		last_error[LEADFLOW_MESSAGE_LEN];
} LeadflowJobSlot;

typedef struct LeadflowDbSlot
{
	Oid			dboid;
	NameData	dbname;
	LeadflowDbState state;
	Oid			ext_owner;		/* as last reported, or InvalidOid */
	Oid			role;			/* role the jobs connect as */
	bool		seen;			/* launcher: found in the latest scan */
	bool		role_logged;	/* role problem already logged */
	TimestampTz next_probe;

	/* Set by a backend about to run DDL that needs the database idle. */
	pid_t		holdoff_pid;
	TimestampTz holdoff_until;

	LeadflowJobSlot jobs[LEADFLOW_NUM_JOBS];
} LeadflowDbSlot;

typedef struct LeadflowShared
{
	LWLock	   *lock;
	pid_t		launcher_pid;	/* 0 while no launcher runs */
	Latch	   *launcher_latch;
	bool		wake_requested; /* look at databases again now */
	TimestampTz launcher_started;
	int			max_databases;
	Size		slot_size;		/* sizeof(LeadflowDbSlot) when created */
	LeadflowDbSlot dbs[FLEXIBLE_ARRAY_MEMBER];
} LeadflowShared;

/*
 * Every user of the slots checks that it sees them with the size they
 * were created with: objects compiled against an older shared.h would
 * otherwise write past the end of the segment.
 */
#define LEADFLOW_SHARED_LAYOUT_OK() \
	(leadflow_shared->slot_size == sizeof(LeadflowDbSlot))

/* NULL unless the library was preloaded. */
extern LeadflowShared *leadflow_shared;

extern void leadflow_shared_request(void);
extern void leadflow_shared_require(void);
extern void leadflow_shared_check_layout(void);
extern const char *leadflow_job_name(LeadflowJob job);
extern const char *leadflow_db_state_name(LeadflowDbState state);
extern const char *leadflow_run_status_name(LeadflowRunStatus status);
extern void leadflow_wake_launcher(void);

#endif							/* LEADFLOW_SHARED_H */
