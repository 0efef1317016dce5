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

#include "utils/guc.h"

#include "settings.h"

int			leadflow_launcher_naptime = 30;
int			leadflow_duplicate_window = 90 * 86400;
int			leadflow_early_touch_tolerance = 300;
int			leadflow_future_arrival_tolerance = 300;

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

	MarkGUCPrefixReserved("leadflow");
}
