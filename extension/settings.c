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
