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

#include "utils/guc.h"

#include "phone.h"
#include "settings.h"

int			leadflow_launcher_naptime = 30;
int			leadflow_duplicate_window = 90 * 86400;
int			leadflow_early_touch_tolerance = 300;
int			leadflow_future_arrival_tolerance = 300;

char	   *leadflow_default_region = NULL;

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
