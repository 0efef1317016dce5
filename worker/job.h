/*-------------------------------------------------------------------------
 *
 * worker/job.h
 *		Job workers: short-lived background workers that the launcher
 *		starts for one run of one job in one database.
 *
 * The launcher passes a LeadflowJobArgs in bgw_extra and the database's
 * slot number as bgw_main_arg; see shared.h for the reporting rules.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_JOB_H
#define LEADFLOW_JOB_H

#include "postgres.h"

#include "shared.h"

typedef struct LeadflowJobArgs
{
	int32		job;			/* a LeadflowJob */
	uint32		generation;		/* must match the job slot to report */
	Oid			dboid;
	Oid			role;			/* InvalidOid for the probe */
} LeadflowJobArgs;

extern PGDLLEXPORT void leadflow_job_main(Datum main_arg);

#endif							/* LEADFLOW_JOB_H */
