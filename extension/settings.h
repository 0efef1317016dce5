/*-------------------------------------------------------------------------
 *
 * extension/settings.h
 *		leadflow's configuration settings (GUCs), defined in one place.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#ifndef LEADFLOW_SETTINGS_H
#define LEADFLOW_SETTINGS_H

/* Worker timing, seconds (PGC_SIGHUP). */
extern int	leadflow_launcher_naptime;
extern int	leadflow_escalation_interval;
extern int	leadflow_refresh_interval;

/* Where, as whom and how many job workers run (PGC_SIGHUP). */
extern bool leadflow_jobs_enabled;
extern char *leadflow_databases;
extern char *leadflow_worker_role;
extern int	leadflow_max_job_workers;
extern int	leadflow_job_timeout;	/* milliseconds, 0 = none */
extern int	leadflow_job_history_days;
extern char *leadflow_rollup_time_zone;

/* Shared memory size (PGC_POSTMASTER). */
extern int	leadflow_max_databases;

/* Job behaviour (PGC_SUSET). */
extern int	leadflow_escalation_batch_size;
extern bool leadflow_restoring;

/* Write-time behaviour (PGC_USERSET). */
extern int	leadflow_duplicate_window;
extern int	leadflow_early_touch_tolerance;
extern int	leadflow_future_arrival_tolerance;

/* Region for phone numbers without a country code, upper case (USERSET). */
extern char *leadflow_default_region;

/* Lead score: smoothing weight m of the won rates, in closed leads. */
extern double leadflow_score_smoothing;

/* Metric view thresholds (PGC_SUSET), read by the views in SQL. */
extern int	leadflow_stale_after;	/* seconds */
extern int	leadflow_min_attempts;
extern int	leadflow_review_calls_per_week;
/* Learned score: training schedule (s, PGC_SIGHUP) and method (SUSET). */
extern int	leadflow_train_interval;
extern int	leadflow_train_min_outcomes;
extern int	leadflow_train_max_outcomes;
extern double leadflow_train_holdout;
extern double leadflow_train_l2;
extern bool leadflow_train_refit;
extern int	leadflow_rescore_batch_size;

extern void leadflow_define_settings(void);

#endif							/* LEADFLOW_SETTINGS_H */
