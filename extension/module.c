/*-------------------------------------------------------------------------
 *
 * extension/module.c
 *		Module entry point of leadflow.so and its version function.
 *
 * _PG_init defines the settings and, only while the library is being
 * preloaded into the postmaster, registers the background worker; a
 * library loaded later by CREATE EXTENSION cannot start workers.
 *
 * Copyright (c) 2026, the leadflow authors
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "launcher.h"
#include "settings.h"

PG_MODULE_MAGIC;

#define LEADFLOW_VERSION "0.1.0"

PG_FUNCTION_INFO_V1(leadflow_version);

void		_PG_init(void);

/*
 * _PG_init
 *		Called once per process when the library is loaded.
 */
void
_PG_init(void)
{
	leadflow_define_settings();

	if (process_shared_preload_libraries_in_progress)
		leadflow_register_launcher();
}

/*
 * leadflow_version
 *		SQL: leadflow.version() returns text.  The version of the loaded
 *		library, which may differ from the installed SQL objects' version
 *		while an ALTER EXTENSION ... UPDATE is pending.
 */
Datum
leadflow_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(LEADFLOW_VERSION));
}
