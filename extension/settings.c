/*-------------------------------------------------------------------------
 *
 * extension/settings.c
 *		Defines every "leadflow." setting and reserves the prefix.
 *
 * Settings are plain process-local variables that the GUC machinery
 * assigns; each backend and each worker has its own copy, refreshed on
 * SIGHUP for PGC_SIGHUP settings.  No shared state.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "pgtime.h"
#include "utils/guc.h"

#include "phone.h"
#include "settings.h"

int			leadflow_launcher_naptime = 30;
bool		leadflow_jobs_enabled = true;
char	   *leadflow_databases = NULL;
char	   *leadflow_worker_role = NULL;
int			leadflow_max_job_workers = 4;
int			leadflow_max_databases = 64;
int			leadflow_escalation_interval = 15;
int			leadflow_escalation_batch_size = 1000;
int			leadflow_refresh_interval = 60;
int			leadflow_job_timeout = 300000;
int			leadflow_job_history_days = 14;
char	   *leadflow_rollup_time_zone = NULL;
bool		leadflow_restoring = false;

int			leadflow_duplicate_window = 90 * 86400;
int			leadflow_early_touch_tolerance = 300;
int			leadflow_future_arrival_tolerance = 300;

char	   *leadflow_default_region = NULL;

int			leadflow_stale_after = 14 * 86400;
int			leadflow_min_attempts = 3;
int			leadflow_review_calls_per_week = 5;

static bool settings_check_region(char **newval, void **extra,
								  GucSource source);

/*
 * settings_check_region
 *		Check hook of leadflow.default_region.  Accepts a two-letter region
 *		code that the phone number library supports, in either case, and
 *		stores it upper-cased; refuses anything else with a detail line.
 *		Calls only the pure phone module, which never raises an error.
 */
static bool
settings_check_region(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || !leadflow_phone_region_supported(*newval))
	{
		GUC_check_errdetail("\"%s\" is not a region code that the phone number library supports.",
							*newval ? *newval : "");
		GUC_check_errhint("Use an ISO 3166-1 alpha-2 code such as \"VN\" or \"US\".");
		return false;
	}

	/* The value is our own guc_malloc'd copy, so it may change in place. */
	for (char *c = *newval; *c != '\0'; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char) (*c - 'a' + 'A');
	return true;
}

double		leadflow_score_smoothing = 20.0;

int			leadflow_train_interval = 3600;
int			leadflow_train_min_outcomes = 200;
int			leadflow_train_max_outcomes = 200000;
double		leadflow_train_holdout = 0.2;
double		leadflow_train_l2 = 1.0;
bool		leadflow_train_refit = true;
int			leadflow_rescore_batch_size = 10000;

static bool settings_check_time_zone(char **newval, void **extra,
									 GucSource source);
static void settings_define_worker(void);
static void settings_define_jobs(void);
static void settings_define_metrics(void);
static void settings_define_training(void);

/*
 * leadflow_define_settings
 *		Registers the settings with the GUC machinery.  Called once from
 *		_PG_init, in the postmaster when preloaded or in a backend on first
 *		use.  Reserving the prefix afterwards turns a misspelt
 *		"leadflow.xxx" in postgresql.conf into a warning instead of a
 *		silently ignored placeholder.
 */
void
leadflow_define_settings(void)
{
	DefineCustomIntVariable("leadflow.launcher_naptime",
							"Time between two looks for databases that have leadflow installed.",
							NULL,
							&leadflow_launcher_naptime,
							30, 1, 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	settings_define_worker();
	settings_define_jobs();
	settings_define_metrics();
	settings_define_training();
	DefineCustomIntVariable("leadflow.duplicate_window",
							"How far back a new lead's phone and e-mail key are matched against earlier leads.",
							NULL,
							&leadflow_duplicate_window,
							90 * 86400, 0, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.early_touch_tolerance",
							"How long before a lead's arrival a touch still counts as an immediate response.",
							"Touches stamped earlier than this before arrival are kept and flagged, but do not count.",
							&leadflow_early_touch_tolerance,
							300, 0, 86400,
							PGC_USERSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.future_arrival_tolerance",
							"How far in the future an arrival time may lie before the lead is flagged future_arrival.",
							NULL,
							&leadflow_future_arrival_tolerance,
							300, 0, 86400,
							PGC_USERSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("leadflow.default_region",
							   "Region assumed for phone numbers without a country code.",
							   "A two-letter ISO 3166-1 code, such as VN or US. "
							   "leadflow.normalize_phone uses it when called without a region.",
							   &leadflow_default_region,
							   "VN",
							   PGC_USERSET,
							   0,
							   settings_check_region, NULL, NULL);

	DefineCustomRealVariable("leadflow.score_smoothing",
							 "Lead score: smoothing weight of won rates, in closed leads.",
							 "A channel's or a campaign's won rate is read as "
							 "(won + m * overall) / (closed + m), m being this "
							 "setting.  0 uses the raw won rate.",
							 &leadflow_score_smoothing,
							 20.0, 0.0, 1000000.0,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("leadflow");
}

/*
 * settings_define_worker
 *		The settings that decide where, as whom and how many background job
 *		workers run.  Read by the launcher; the job workers it starts
 *		inherit the postmaster's values.
 */
static void
settings_define_worker(void)
{
	DefineCustomBoolVariable("leadflow.jobs_enabled",
							 "Whether the background worker runs leadflow's jobs.",
							 "When off, the launcher keeps watching databases but starts no job.",
							 &leadflow_jobs_enabled,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("leadflow.databases",
							   "Databases (comma-separated) in which the worker runs leadflow's jobs.",
							   "Empty means every database that allows connections and is not a template.",
							   &leadflow_databases,
							   "",
							   PGC_SIGHUP,
							   GUC_LIST_INPUT,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("leadflow.worker_role",
							   "Role that runs leadflow's background jobs.",
							   "Empty means the owner of the extension in each database.",
							   &leadflow_worker_role,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.max_job_workers",
							"Most leadflow job workers running at the same time.",
							"Each counts against max_worker_processes.",
							&leadflow_max_job_workers,
							4, 1, 64,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	/* A server-start setting can only be defined while preloading. */
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("leadflow.max_databases",
								"Most databases the background worker keeps state for.",
								"Sizes shared memory at server start.",
								&leadflow_max_databases,
								64, 1, 10000,
								PGC_POSTMASTER,
								0,
								NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.job_timeout",
							"Longest time one run of a background job may take.",
							"A run that takes longer is cancelled and recorded as failed.  Zero disables the limit.",
							&leadflow_job_timeout,
							300000, 0, INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.job_history_days",
							"Days for which leadflow.job_run keeps finished runs.",
							NULL,
							&leadflow_job_history_days,
							14, 1, 36500,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
}

/*
 * settings_define_jobs
 *		The settings of the individual jobs: escalation and metric refresh,
 *		and the switch that keeps the jobs away from a database being
 *		restored.
 */
static void
settings_define_jobs(void)
{
	DefineCustomIntVariable("leadflow.escalation_interval",
							"Time between two escalation runs in each database.",
							NULL,
							&leadflow_escalation_interval,
							15, 1, 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.escalation_batch_size",
							"Most leads one escalation run looks at.",
							"A run that fills its batch is followed by another at once.",
							&leadflow_escalation_batch_size,
							1000, 1, 1000000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.refresh_interval",
							"Time between two refreshes of the metric rollups in each database.",
							NULL,
							&leadflow_refresh_interval,
							60, 1, 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("leadflow.rollup_time_zone",
							   "Time zone in which the metric rollups cut days.",
							   "Changing it rebuilds the rollups at the next refresh.",
							   &leadflow_rollup_time_zone,
							   "UTC",
							   PGC_SIGHUP,
							   0,
							   settings_check_time_zone, NULL, NULL);

	DefineCustomBoolVariable("leadflow.restoring",
							 "Whether a restore into this database is in progress.",
							 "While on, the worker runs no job in the database; "
							 "leadflow.pre_restore() and leadflow.post_restore() set it.",
							 &leadflow_restoring,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}

/*
 * settings_define_training
 *		The settings of the learned lead score: when the worker trains,
 *		how much history it needs, how the model is fitted and judged, and
 *		how many open leads one run rescores.
 */
static void
settings_define_training(void)
{
	DefineCustomIntVariable("leadflow.train_interval",
							"Time between two trainings of the lead-quality model.",
							"Runs in between only rescore open leads after a new model.",
							&leadflow_train_interval,
							3600, 60, 7 * 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.train_min_outcomes",
							"Fewest closed leads a lead-quality model is trained on.",
							"With fewer closed leads no model is trained and score v1 stays.",
							&leadflow_train_min_outcomes,
							200, 10, INT_MAX,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.train_max_outcomes",
							"Most closed leads a lead-quality model is trained on, the newest.",
							"Bounds the memory and time of a training.",
							&leadflow_train_max_outcomes,
							200000, 10, 10000000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomRealVariable("leadflow.train_holdout",
							 "Share of the newest closed leads held out to judge a model.",
							 "A model fitted on the older closed leads is scored on these; "
							 "leadflow.model_quality shows the result.  0 judges nothing.",
							 &leadflow_train_holdout,
							 0.2, 0.0, 0.5,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomRealVariable("leadflow.train_l2",
							 "Strength of the L2 penalty on the lead-quality model's weights.",
							 "Larger values pull rarely seen values toward the overall won rate.",
							 &leadflow_train_l2,
							 1.0, 1e-6, 1e6,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("leadflow.train_refit",
							 "Whether the model put to use is fitted on every closed lead.",
							 "When off, the model put to use is the one fitted "
							 "without the held-out leads, so its quality figures "
							 "are its own.",
							 &leadflow_train_refit,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.rescore_batch_size",
							"Most open leads one run rescores after a new lead-quality model.",
							"A run that fills its batch is followed by another at once.",
							&leadflow_rescore_batch_size,
							10000, 1, 1000000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);
}

/*
 * settings_check_time_zone
 *		Accepts a time zone name that PostgreSQL knows, such as "UTC" or
 *		"Asia/Ho_Chi_Minh"; rejects anything else with a detail naming it.
 */
static bool
settings_check_time_zone(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || **newval == '\0' || pg_tzset(*newval) == NULL)
	{
		GUC_check_errdetail("Time zone \"%s\" is not recognized.",
							*newval ? *newval : "");
		return false;
	}
	return true;
}

/*
 * settings_define_metrics
 *		The thresholds of the metric views, read by the views through
 *		current_setting().  Superuser-set, so that every reader of a view
 *		sees the figures under the rules the DBA chose (ALTER SYSTEM or
 *		ALTER DATABASE ... SET).
 */
static void
settings_define_metrics(void)
{
	DefineCustomIntVariable("leadflow.stale_after",
							"How long an open lead may go untouched before attribution blames Sales.",
							"Measured from the last touch, or from arrival when there is none.",
							&leadflow_stale_after,
							14 * 86400, 60, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.min_attempts",
							"Outbound touches below which attribution blames a close on Sales.",
							NULL,
							&leadflow_min_attempts,
							3, 0, 1000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("leadflow.review_calls_per_week",
							"Recorded calls per rep and week that the call-review queue samples.",
							NULL,
							&leadflow_review_calls_per_week,
							5, 0, 10000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);
}
